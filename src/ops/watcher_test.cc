// The hot folder on a real temporary folder, with the application layer's
// fakes for the store's contents, the analyzer and the metadata writer.
#include "watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "app/app_fakes.h"
#include "facetag/file_io.h"
#include "facetag/hash.h"

namespace facetag::ops {
namespace {

namespace fs = std::filesystem;
using app::testing::FakeAnalyzer;
using app::testing::FakeFace;
using app::testing::FakePack;

// Photo bytes from the disk; text empty; names written recorded per path.
class DiskFakeFiles final : public PhotoFiles {
 public:
  Result<std::vector<unsigned char>> Read(std::string_view location,
                                          std::uint64_t max_bytes) override {
    return ReadFileBytes(fs::path(location), max_bytes);
  }
  Result<metadata::PhotoText> ReadText(std::string_view location,
                                       const metadata::ReadOptions&) override {
    if (!fs::exists(fs::path(location))) {
      return Fail(ErrorCode::kNotFound, "no file " + std::string(location));
    }
    return metadata::PhotoText{};
  }
  Result<metadata::WriteReport> WriteTags(std::string_view location, const metadata::TagSet& tags,
                                          const metadata::WriteOptions&) override {
    std::vector<std::string> names;
    for (const auto& p : tags.pictured) names.push_back(p.name);
    written[std::string(location)] = names;
    metadata::WriteReport report;
    report.target = fs::path(location);
    report.written = true;
    return report;
  }
  std::map<std::string, std::vector<std::string>> written;
};

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Spit(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("facetag-watch-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "in");
    auto store = Store::OpenSqlite(":memory:", StoreOptions{});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    auto disk = std::make_unique<DiskFakeFiles>();
    disk_ = disk.get();
    files_ = std::make_unique<ClaimedFiles>(std::move(disk));
    app_ = std::make_unique<app::App>(*store_, pack_, *files_);
    // Obama is listed and enrolled; his photos name him.
    auto person = app_->ListPerson({"Barack Obama", {}, "in the news", {true, true, true}}, "ed");
    ASSERT_TRUE(person) << person.error().message;
    Known("enrol", {FakeFace(100, {1, 0.05f, 0, 0})});
    const std::string enrol_bytes = "photo enrol";
    std::vector<unsigned char> bytes(enrol_bytes.begin(), enrol_bytes.end());
    ASSERT_TRUE(app_->Enrol(person->id, bytes, {"enrol.jpg"}, analyzer_, "ed"));
  }
  void TearDown() override { fs::remove_all(root_); }

  // A photo the fake analyzer knows: its bytes are "photo NAME".
  std::string Known(const std::string& name, std::vector<DetectedFace> faces) {
    PhotoFaces photo;
    photo.width = 1000;
    photo.height = 800;
    photo.faces = std::move(faces);
    analyzer_.Add("photo " + name, photo);
    return "photo " + name;
  }

  WatchOptions Options(const std::string& id = "w1") {
    WatchOptions o;
    o.in = root_ / "in";
    o.id = id;
    o.settle = std::chrono::milliseconds(50);
    o.once = true;
    return o;
  }

  Result<WatchSummary> RunOnce(const std::string& id = "w1") {
    FACETAG_ASSIGN_OR_RETURN(auto watcher, Watcher::Open(*app_, *files_, analyzer_, Options(id)));
    return watcher->Run();
  }

  std::int64_t Photos() { return *store_->archive().CountPhotos(); }

  fs::path root_;
  ModelPack pack_ = FakePack();
  std::unique_ptr<Store> store_;
  DiskFakeFiles* disk_ = nullptr;
  std::unique_ptr<ClaimedFiles> files_;
  std::unique_ptr<app::App> app_;
  FakeAnalyzer analyzer_;
};

TEST_F(WatcherTest, APhotoIsArchivedUnderItsPlaceInDoneNamedThenMoved) {
  const std::string bytes = Known("a", {FakeFace(100, {1, 0.1f, 0, 0})});
  Spit(root_ / "in/a.jpg", bytes);
  auto summary = RunOnce();
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->done, 1u);
  EXPECT_EQ(Slurp(root_ / "in/done/a.jpg"), bytes);
  EXPECT_FALSE(fs::exists(root_ / "in/a.jpg"));
  EXPECT_FALSE(fs::exists(root_ / "in/.claim/w1/a.jpg"));
  // The names went into the claimed file, before the move.
  const std::string claimed = (root_ / "in/.claim/w1/a.jpg").string();
  ASSERT_TRUE(disk_->written.count(claimed));
  EXPECT_EQ(disk_->written[claimed], std::vector<std::string>{"Barack Obama"});
  // The archive points at the photo's final place.
  std::vector<unsigned char> raw(bytes.begin(), bytes.end());
  auto known = store_->archive().FindPhoto(PhotoIdentity(raw));
  ASSERT_TRUE(known && *known);
  EXPECT_EQ(store_->archive().GetPhoto((*known)->id)->info.location,
            (root_ / "in/done/a.jpg").string());
}

TEST_F(WatcherTest, AClaimLeftByAKillAfterArchivingIsMovedNotArchivedAgain) {
  const std::string bytes = Known("b", {FakeFace(100, {1, 0.1f, 0, 0})});
  fs::create_directories(root_ / "in/.claim/w1");
  fs::create_directories(root_ / "in/done");
  Spit(root_ / "in/.claim/w1/b.jpg", bytes);
  // The earlier run archived it under done/b-2.jpg (done/b.jpg was taken).
  Spit(root_ / "in/done/b.jpg", "another photo");
  const std::string location = (root_ / "in/done/b-2.jpg").string();
  files_->Redirect(location, (root_ / "in/.claim/w1/b.jpg").string());
  auto first = app_->IngestPhoto(location, analyzer_, {});
  files_->Release(location);
  ASSERT_TRUE(first && first->outcome == app::IngestOutcome::kIngested);
  ASSERT_EQ(Photos(), 1);

  auto summary = RunOnce();
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(Slurp(root_ / "in/done/b-2.jpg"), bytes);
  EXPECT_EQ(Slurp(root_ / "in/done/b.jpg"), "another photo");
  EXPECT_EQ(Photos(), 1);
  // Its names are written (again: the kill may have come before that).
  EXPECT_EQ(disk_->written[(root_ / "in/.claim/w1/b.jpg").string()],
            std::vector<std::string>{"Barack Obama"});
}

TEST_F(WatcherTest, AnUnreadablePhotoGoesToFailedWithItsReason) {
  Spit(root_ / "in/bad.jpg", "not a photo at all");
  auto summary = RunOnce();
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->failed, 1u);
  EXPECT_EQ(Slurp(root_ / "in/failed/bad.jpg"), "not a photo at all");
  EXPECT_NE(Slurp(root_ / "in/failed/bad.jpg.error.txt").find("not a photo"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(root_ / "in/done"));
}

TEST_F(WatcherTest, ATemporaryUploadNameIsLeftAlone) {
  Spit(root_ / "in/c.jpg.part", Known("c", {}));
  auto summary = RunOnce();
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->done, 0u);
  EXPECT_TRUE(fs::exists(root_ / "in/c.jpg.part"));
}

TEST_F(WatcherTest, TwoWatchersWithOneIdAreRefused) {
  auto first = Watcher::Open(*app_, *files_, analyzer_, Options("w1"));
  ASSERT_TRUE(first) << first.error().message;
  auto second = Watcher::Open(*app_, *files_, analyzer_, Options("w1"));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kAlreadyExists);
  auto other = Watcher::Open(*app_, *files_, analyzer_, Options("w2"));
  EXPECT_TRUE(other) << other.error().message;
}

TEST_F(WatcherTest, TheClaimsOfADeadWatcherAreTakenOverAndThoseOfALiveOneNot) {
  const std::string dead = Known("d", {FakeFace(100, {1, 0.1f, 0, 0})});
  const std::string alive = Known("e", {FakeFace(100, {1, 0.1f, 0, 0})});
  fs::create_directories(root_ / "in/.claim/dead");
  Spit(root_ / "in/.claim/dead/d.jpg", dead);
  auto live = Watcher::Open(*app_, *files_, analyzer_, Options("alive"));  // holds its lock
  ASSERT_TRUE(live);
  Spit(root_ / "in/.claim/alive/e.jpg", alive);
  auto summary = RunOnce("w1");
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(Slurp(root_ / "in/done/d.jpg"), dead);
  EXPECT_TRUE(fs::exists(root_ / "in/.claim/alive/e.jpg"));
}

TEST_F(WatcherTest, ManyPhotosEachEndInDoneOnce) {
  for (int i = 0; i < 20; ++i) {
    const std::string name = "p" + std::to_string(i);
    Spit(root_ / "in" / (name + ".jpg"), Known(name, {FakeFace(100, {1, 0.1f * i, 0, 0})}));
  }
  auto summary = RunOnce();
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->done, 20u);
  EXPECT_EQ(std::distance(fs::directory_iterator(root_ / "in/done"), fs::directory_iterator()), 20);
  EXPECT_EQ(Photos(), 20);
}

}  // namespace
}  // namespace facetag::ops
