// The watched folder's rules with made-up times and files.
#include "watch_rules.h"

#include <gtest/gtest.h>

#include <set>

namespace facetag::ops {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point kT0 = Clock::time_point{} + seconds(1000);

TEST(WatchRules, AFileStillGrowingHasNotArrived) {
  auto s = Observe(std::nullopt, {100, 1}, kT0);
  EXPECT_FALSE(HasArrived(s, kT0 + seconds(1), seconds(2)));
  s = Observe(s, {200, 2}, kT0 + seconds(1));  // grew: the wait starts again
  EXPECT_FALSE(HasArrived(s, kT0 + seconds(2), seconds(2)));
  s = Observe(s, {200, 2}, kT0 + seconds(2));
  EXPECT_FALSE(HasArrived(s, kT0 + milliseconds(2999), seconds(2)));
  EXPECT_TRUE(HasArrived(s, kT0 + seconds(3), seconds(2)));
}

TEST(WatchRules, ATouchWithoutGrowthRestartsTheWait) {
  auto s = Observe(std::nullopt, {100, 1}, kT0);
  s = Observe(s, {100, 5}, kT0 + seconds(5));
  EXPECT_FALSE(HasArrived(s, kT0 + seconds(6), seconds(2)));
  EXPECT_TRUE(HasArrived(s, kT0 + seconds(7), seconds(2)));
}

TEST(WatchRules, AFileRenamedInHasArrivedAtOnce) {
  const auto s = RenamedIn({100, 1}, kT0);
  EXPECT_TRUE(HasArrived(s, kT0, seconds(2)));
  // Looked at again unchanged: still complete.
  EXPECT_TRUE(HasArrived(Observe(s, {100, 1}, kT0 + milliseconds(10)), kT0, seconds(2)));
}

TEST(WatchRules, AWriteAfterTheRenameCancelsItsPromise) {
  const auto s = Observe(RenamedIn({100, 1}, kT0), {150, 2}, kT0 + milliseconds(100));
  EXPECT_FALSE(HasArrived(s, kT0 + seconds(1), seconds(2)));
  EXPECT_TRUE(HasArrived(s, kT0 + milliseconds(2100), seconds(2)));
}

TEST(WatchRules, AModificationTimeInTheFutureDoesNotShortenTheWait) {
  // A network mount's clock ahead by an hour: only the watcher's clock counts.
  const auto s = Observe(std::nullopt, {100, 3600'000'000'000}, kT0);
  EXPECT_FALSE(HasArrived(s, kT0 + seconds(1), seconds(2)));
}

TEST(WatchRules, OnlyPhotosUnderFinalNamesAreTaken) {
  EXPECT_TRUE(IsIncomingPhotoName("a.jpg"));
  EXPECT_TRUE(IsIncomingPhotoName("A.JPEG"));
  EXPECT_TRUE(IsIncomingPhotoName("scan.tif"));
  EXPECT_TRUE(IsIncomingPhotoName("x.png"));
  EXPECT_FALSE(IsIncomingPhotoName(".claim"));
  EXPECT_FALSE(IsIncomingPhotoName(".a.jpg"));       // hidden upload
  EXPECT_FALSE(IsIncomingPhotoName("a.jpg.part"));   // FTP temporary
  EXPECT_FALSE(IsIncomingPhotoName("a.jpg.tmp"));
  EXPECT_FALSE(IsIncomingPhotoName("a.jpg.filepart"));  // WinSCP
  EXPECT_FALSE(IsIncomingPhotoName("a.jpg.crdownload"));
  EXPECT_FALSE(IsIncomingPhotoName("a.xmp"));
  EXPECT_FALSE(IsIncomingPhotoName("a.jpg.error.txt"));
  EXPECT_FALSE(IsIncomingPhotoName(""));
}

TEST(WatchRules, FreeNameNumbersADuplicateName) {
  std::set<std::string> taken = {"a.jpg", "a-2.jpg"};
  const auto in_use = [&](const std::string& n) { return taken.count(n) > 0; };
  EXPECT_EQ(FreeName("b.jpg", in_use), "b.jpg");
  EXPECT_EQ(FreeName("a.jpg", in_use), "a-3.jpg");
}

TEST(WatchRules, ARestartKeepsTheLocationTheArchiveRecorded) {
  std::set<std::string> taken = {"a.jpg"};
  const auto in_use = [&](const std::string& n) { return taken.count(n) > 0; };
  // Killed after archiving as done/a-2.jpg, before the move: a-2 it stays,
  // even though a.jpg is free again or not.
  EXPECT_EQ(DoneLocation("/w/done", "a.jpg", "/w/done/a-2.jpg", in_use), "/w/done/a-2.jpg");
  taken.clear();
  EXPECT_EQ(DoneLocation("/w/done", "a.jpg", "/w/done/a-2.jpg", in_use), "/w/done/a-2.jpg");
}

TEST(WatchRules, APhotoArchivedElsewhereGetsAFreeName) {
  std::set<std::string> taken = {"a.jpg"};
  const auto in_use = [&](const std::string& n) { return taken.count(n) > 0; };
  // The same photo ingested before from another folder: the archive keeps
  // that location; this copy takes a free name.
  EXPECT_EQ(DoneLocation("/w/done", "a.jpg", "/archive/a.jpg", in_use), "/w/done/a-2.jpg");
  // The archived name is in use by another file already moved to done/.
  EXPECT_EQ(DoneLocation("/w/done", "a.jpg", "/w/done/a.jpg", in_use), "/w/done/a-2.jpg");
  // Another photo's name in done/ is not taken over.
  EXPECT_EQ(DoneLocation("/w/done", "a.jpg", "/w/done/b.jpg", in_use), "/w/done/a-2.jpg");
  EXPECT_EQ(DoneLocation("/w/done", "b.jpg", std::nullopt, in_use), "/w/done/b.jpg");
}

TEST(WatchRules, DispositionFollowsWhatTheApplicationLayerSaid) {
  app::TaggedPhoto ok;
  ok.ingest.outcome = app::IngestOutcome::kIngested;
  EXPECT_EQ(DispositionOf(ok), Disposition::kDone);
  app::TaggedPhoto known;
  known.ingest.outcome = app::IngestOutcome::kSkipped;  // a restart after archiving
  EXPECT_EQ(DispositionOf(known), Disposition::kDone);
  app::TaggedPhoto bad;
  bad.ingest.outcome = app::IngestOutcome::kFailed;
  bad.ingest.error = Error{ErrorCode::kCorruptImage, "truncated"};
  EXPECT_EQ(DispositionOf(bad), Disposition::kFailed);
  EXPECT_EQ(DispositionOf(Fail(ErrorCode::kNotFound, "gone")), Disposition::kFailed);
  EXPECT_EQ(DispositionOf(Fail(ErrorCode::kIo, "unwritable")), Disposition::kFailed);
  // Not the photo's fault: it stays claimed for the next run.
  EXPECT_EQ(DispositionOf(Fail(ErrorCode::kDatabase, "locked")), Disposition::kRetry);
  EXPECT_EQ(DispositionOf(Fail(ErrorCode::kModel, "altered")), Disposition::kRetry);
}

TEST(WatchRules, FailureTextNamesThePhotoAndTheReason) {
  EXPECT_EQ(FailureText("a.jpg", {ErrorCode::kCorruptImage, "truncated"}),
            std::string("a.jpg: ") + ErrorCodeName(ErrorCode::kCorruptImage) + ": truncated\n");
}

TEST(WatchRules, OnlyAbandonedClaimsAreAdopted) {
  EXPECT_TRUE(MayAdopt("host-a", "host-b", true));
  EXPECT_FALSE(MayAdopt("host-a", "host-b", false));  // host-b is alive
  EXPECT_FALSE(MayAdopt("host-a", "host-a", true));
}

TEST(WatchRules, WatcherIdsAreFolderNames) {
  EXPECT_TRUE(CheckWatcherId("desk-1.example_org"));
  EXPECT_FALSE(CheckWatcherId(""));
  EXPECT_FALSE(CheckWatcherId(".."));
  EXPECT_FALSE(CheckWatcherId("a/b"));
  EXPECT_FALSE(CheckWatcherId(std::string(65, 'a')));
}

}  // namespace
}  // namespace facetag::ops
