// The use cases with fakes for every seam: an in-memory store, photo files in
// memory and an analyzer that knows its photos. The rules run for real.
#include "facetag/app.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

#include "app_fakes.h"
#include "facetag/hash.h"

namespace facetag::app {
namespace {

using testing::FakeAnalyzer;
using testing::FakeFace;
using testing::FakePack;
using testing::FakePhotoFiles;

constexpr char kTwoPeople[] = "in/two_people.jpg";

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::OpenSqlite(":memory:", StoreOptions{});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    app_ = std::make_unique<App>(*store_, pack_, files_);
    // Enrolment photos, one face each; and two_people: Obama left, Biden right.
    AddPhoto("obama.jpg", {FakeFace(100, {1, 0.05f, 0, 0})});
    AddPhoto("biden.jpg", {FakeFace(100, {0.05f, 1, 0, 0})});
    AddPhoto(kTwoPeople, {FakeFace(100, {1, 0.1f, 0.1f, 0}), FakeFace(300, {0.1f, 1, 0, 0.1f})});
  }

  void AddPhoto(const std::string& location, std::vector<DetectedFace> faces,
                const std::string& caption = "") {
    PhotoFaces photo;
    photo.width = 1000;
    photo.height = 800;
    photo.faces = std::move(faces);
    const std::string bytes = "bytes of " + location;
    analyzer_.Add(bytes, photo);
    metadata::PhotoText text;
    text.caption = caption;
    files_.Put(location, bytes, text);
  }

  Person ListAndEnrol(const std::string& name, const std::string& photo) {
    auto person = app_->ListPerson({name, {}, "in the news", {true, true, true}}, "editor");
    EXPECT_TRUE(person) << person.error().message;
    auto bytes = files_.Read(photo, 1 << 20);
    EXPECT_TRUE(bytes);
    auto enrolled = app_->Enrol(person->id, *bytes, {photo}, analyzer_, "editor");
    EXPECT_TRUE(enrolled) << enrolled.error().message;
    return *person;
  }

  Result<IngestedPhoto> Ingest(const std::string& location, bool force = false) {
    IngestOptions options;
    options.force = force;
    options.write_metadata = true;
    return app_->IngestPhoto(location, analyzer_, options);
  }

  StoredPhoto Stored(PhotoId id) {
    auto photo = store_->archive().GetPhoto(id);
    EXPECT_TRUE(photo) << photo.error().message;
    return photo ? *photo : StoredPhoto{};
  }

  // The archive's named faces of a photo, as names, in face order.
  std::vector<std::string> ArchivedNames(PhotoId id) {
    std::vector<std::string> names;
    for (const StoredFace& f : Stored(id).faces) {
      if (f.tag.person) names.push_back(store_->GetPerson(*f.tag.person)->name);
    }
    return names;
  }

  ModelPack pack_ = FakePack();
  FakePhotoFiles files_;
  FakeAnalyzer analyzer_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<App> app_;
};

// --- the reproductions of the issue, by name -------------------------------------

TEST_F(AppTest, ForcedReingestAfterARejectionKeepsTheFileAndTheArchiveAgreeing) {
  ListAndEnrol("Barack Obama", "obama.jpg");
  const Person biden = ListAndEnrol("Joe Biden", "biden.jpg");
  auto first = Ingest(kTwoPeople);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->named, 2u);
  EXPECT_EQ(files_.PicturedNames(kTwoPeople),
            (std::vector<std::string>{"Barack Obama", "Joe Biden"}));

  const StoredPhoto stored = Stored(*first->id);
  const PersonId obama = *stored.faces[0].tag.person;
  auto rejected =
      app_->Review(stored.faces[0].id, obama, ReviewAction::kReject, "editor", /*write=*/true);
  ASSERT_TRUE(rejected) << rejected.error().message;
  EXPECT_EQ(files_.PicturedNames(kTwoPeople), std::vector<std::string>{"Joe Biden"});

  auto again = Ingest(kTwoPeople, /*force=*/true);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->outcome, IngestOutcome::kIngested);
  EXPECT_EQ(again->named, 1u) << "counts are what is stored";
  EXPECT_EQ(again->kept_decisions, 1);
  EXPECT_EQ(files_.PicturedNames(kTwoPeople), std::vector<std::string>{"Joe Biden"});
  EXPECT_EQ(ArchivedNames(*first->id), std::vector<std::string>{"Joe Biden"});
  const StoredPhoto after = Stored(*first->id);
  EXPECT_EQ(after.faces[0].id, stored.faces[0].id);
  EXPECT_EQ(after.faces[0].status, TagStatus::kRejected);
  EXPECT_EQ(after.faces[1].tag.person, biden.id);
}

TEST_F(AppTest, RematchNeverNamesOnePersonOnTwoFacesAfterAConfirmation) {
  ListAndEnrol("Barack Obama", "obama.jpg");
  const Person biden = ListAndEnrol("Joe Biden", "biden.jpg");
  auto first = Ingest(kTwoPeople);
  ASSERT_TRUE(first);
  const StoredPhoto stored = Stored(*first->id);
  // An editor says face 1 is Joe Biden (the matcher said Obama).
  ASSERT_TRUE(app_->Review(stored.faces[0].id, biden.id, ReviewAction::kConfirm, "editor"));
  EXPECT_EQ(ArchivedNames(*first->id), std::vector<std::string>{"Joe Biden"});

  RematchOptions options;
  options.write_metadata = true;
  auto summary = app_->Rematch(options);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_TRUE(summary->write_errors.empty()) << summary->write_errors.front().second.message;
  const StoredPhoto after = Stored(*first->id);
  EXPECT_EQ(after.faces[0].tag.person, biden.id);
  EXPECT_EQ(after.faces[0].status, TagStatus::kConfirmed);
  EXPECT_EQ(after.faces[1].tag.decision, FaceDecision::kDuplicate);
  EXPECT_FALSE(after.faces[1].tag.person);
  EXPECT_EQ(files_.PicturedNames(kTwoPeople), std::vector<std::string>{"Joe Biden"});
}

TEST_F(AppTest, ListingRuleRefusesTheSameWayOnListingAndUpdate) {
  const auto rule = CheckListing({}, "44th president");
  ASSERT_FALSE(rule);
  auto unlisted = app_->ListPerson({"Barack Obama", {}, "44th president", {}}, "editor");
  ASSERT_FALSE(unlisted);
  EXPECT_EQ(unlisted.error().code, rule.error().code);
  EXPECT_EQ(unlisted.error().message, rule.error().message);
  auto unjustified = app_->ListPerson({"Barack Obama", {}, " ", {true, true, true}}, "editor");
  ASSERT_FALSE(unjustified);
  EXPECT_EQ(unjustified.error().code, ErrorCode::kInvalidArgument);

  const Person obama = ListAndEnrol("Barack Obama", "obama.jpg");
  PersonUpdate none_hold;
  none_hold.criteria = ListingCriteria{};
  auto updated = app_->UpdatePerson(obama.id, none_hold, "editor");
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, rule.error().code);
  EXPECT_EQ(updated.error().message, rule.error().message);
  PersonUpdate unjustify;
  unjustify.justification = "";
  EXPECT_EQ(app_->UpdatePerson(obama.id, unjustify, "editor").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->GetPerson(obama.id)->justification, "in the news");
  EXPECT_TRUE(store_->GetPerson(obama.id)->criteria.AllMet());
}

// --- enrolment --------------------------------------------------------------------

TEST_F(AppTest, ANonFaceCannotBeEnrolledAndAnEnrolledOneNamesNobody) {
  // A jacket-and-hand detection: looks like no face (low quality).
  AddPhoto("street.jpg", {FakeFace(100, {0, 0, 1, 0.2f}, 0.2f), FakeFace(300, {1, 0, 0, 0})});
  auto person = app_->ListPerson({"Jane Roe", {}, "in the news", {true, true, true}}, "editor");
  ASSERT_TRUE(person);
  auto bytes = files_.Read("street.jpg", 1 << 20);
  EnrolRequest request{"street.jpg", 1, std::nullopt, /*force=*/true};
  auto jacket = app_->Enrol(person->id, *bytes, request, analyzer_, "editor");
  ASSERT_FALSE(jacket);
  EXPECT_EQ(jacket.error().code, ErrorCode::kRejected);
  EXPECT_NE(jacket.error().message.find("does not look like a face"), std::string::npos)
      << jacket.error().message;
  EXPECT_EQ(store_->GetPerson(person->id)->profile_count, 0);

  // Even a profile that got in (an older version) names no low-quality face.
  Profile planted;
  planted.person_id = person->id;
  planted.embedding = testing::FakeEmbedding({0, 0, 1, 0.2f});
  planted.photo_sha256 = std::string(64, 'b');
  ASSERT_TRUE(store_->AddProfile(planted));
  app_->Refresh();
  AddPhoto("edge.jpg", {FakeFace(0, {0, 0, 1, 0.25f}, 0.3f)});
  auto edge = Ingest("edge.jpg");
  ASSERT_TRUE(edge) << edge.error().message;
  EXPECT_EQ(edge->named, 0u);
  EXPECT_EQ(edge->low_quality, 1u);
  EXPECT_EQ(Stored(*edge->id).faces[0].tag.decision, FaceDecision::kLowQuality);
  EXPECT_TRUE(files_.PicturedNames("edge.jpg").empty());
}

TEST_F(AppTest, EnrolmentOfAnOptedOutFaceIsRefusedUnderAnyName) {
  const auto key_dir = std::filesystem::temp_directory_path() /
                       ("facetag_app_test_" + std::to_string(randombytes_random()));
  StoreOptions options;
  options.secret_key_path = key_dir / "secret.key";
  auto store = Store::OpenSqlite(":memory:", options);
  ASSERT_TRUE(store);
  App app(**store, pack_, files_);
  ASSERT_TRUE((*store)->privacy().AddSuppression({"Joe Biden"},
                                                 {testing::FakeEmbedding({0.05f, 1, 0, 0})},
                                                 "dpo"));
  auto joseph = app.ListPerson({"Joseph Robinette", {}, "in the news", {true, true, true}}, "ed");
  ASSERT_TRUE(joseph) << joseph.error().message;
  auto bytes = files_.Read("biden.jpg", 1 << 20);
  auto enrolled = app.Enrol(joseph->id, *bytes, {"biden.jpg"}, analyzer_, "ed");
  ASSERT_FALSE(enrolled);
  EXPECT_EQ(enrolled.error().code, ErrorCode::kRejected);
  EXPECT_EQ(enrolled.error().message.find("Biden"), std::string::npos)
      << "the refusal must not reveal who opted out";
  std::filesystem::remove_all(key_dir);
}

// --- the file follows the archive ---------------------------------------------------

TEST_F(AppTest, TagArchivesFirstAndADryRunStoresAndWritesNothing) {
  ListAndEnrol("Barack Obama", "obama.jpg");
  TagOptions dry;
  dry.dry_run = true;
  auto preview = app_->Tag(kTwoPeople, analyzer_, dry);
  ASSERT_TRUE(preview) << preview.error().message;
  EXPECT_EQ(*store_->archive().CountPhotos(), 0);
  EXPECT_EQ(files_.writes(), 0);
  auto tagged = app_->Tag(kTwoPeople, analyzer_, {});
  ASSERT_TRUE(tagged) << tagged.error().message;
  EXPECT_EQ(*store_->archive().CountPhotos(), 1);
  EXPECT_EQ(files_.PicturedNames(kTwoPeople), std::vector<std::string>{"Barack Obama"});
  ASSERT_EQ(tagged->presence.size(), 1u);
  EXPECT_EQ(tagged->presence[0].presence, Presence::kPicturedNotMentioned);
}

TEST_F(AppTest, MentionedNotPicturedIsWrittenFromTheArchive) {
  ListAndEnrol("Barack Obama", "obama.jpg");
  ListAndEnrol("Joe Biden", "biden.jpg");
  AddPhoto("alone.jpg", {FakeFace(100, {1, 0.05f, 0.1f, 0})},
           "Barack Obama and Joe Biden wave to supporters.");
  auto ingested = Ingest("alone.jpg");
  ASSERT_TRUE(ingested);
  EXPECT_EQ(files_.PicturedNames("alone.jpg"), std::vector<std::string>{"Barack Obama"});
  EXPECT_EQ(files_.MentionedNames("alone.jpg"), std::vector<std::string>{"Joe Biden"});
}

// A caption edited in the file, same pixels: a plain re-ingest takes the new
// text in (the mentions follow it), keeps the editors' decisions and audits
// the change; the next re-ingest skips the photo again.
TEST_F(AppTest, EditedCaptionIsTakenInByAReingestThatKeepsTheEditorsDecisions) {
  const Person obama = ListAndEnrol("Barack Obama", "obama.jpg");
  ListAndEnrol("Joe Biden", "biden.jpg");
  AddPhoto("alone.jpg", {FakeFace(100, {1, 0.05f, 0.1f, 0})}, "Barack Obama waves.");
  auto first = Ingest("alone.jpg");
  ASSERT_TRUE(first) << first.error().message;
  const StoredPhoto stored = Stored(*first->id);
  ASSERT_TRUE(app_->Review(stored.faces[0].id, obama.id, ReviewAction::kConfirm, "editor"));
  EXPECT_EQ(Ingest("alone.jpg")->outcome, IngestOutcome::kSkipped);

  metadata::PhotoText edited;
  edited.caption = "Barack Obama and Joe Biden wave to supporters.";
  files_.Put("alone.jpg", "bytes of alone.jpg", edited);
  auto again = Ingest("alone.jpg");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->outcome, IngestOutcome::kIngested);
  EXPECT_EQ(again->id, first->id);
  const StoredPhoto after = Stored(*first->id);
  EXPECT_EQ(after.info.caption, edited.caption);
  EXPECT_EQ(after.faces[0].status, TagStatus::kConfirmed);
  EXPECT_EQ(files_.MentionedNames("alone.jpg"), std::vector<std::string>{"Joe Biden"});
  auto audit = store_->archive().ListAudit({"", "photo.replace", "", 0, false, 10});
  ASSERT_TRUE(audit);
  ASSERT_FALSE(audit->empty());
  EXPECT_NE(audit->back().record.details.find("\"text_changed\":true"), std::string::npos)
      << audit->back().record.details;
  EXPECT_EQ(Ingest("alone.jpg")->outcome, IngestOutcome::kSkipped);
}

// Random sequences of what editors and the pipeline do to a few photos:
// after every step the file names exactly the archive's named faces, and no
// person is named on two faces of one photo.
TEST_F(AppTest, FileAndArchiveAgreeAfterAnySequenceOfIngestReviewAndRematch) {
  const Person obama = ListAndEnrol("Barack Obama", "obama.jpg");
  const Person biden = ListAndEnrol("Joe Biden", "biden.jpg");
  AddPhoto("crowd.jpg", {FakeFace(100, {1, 0.3f, 0, 0}), FakeFace(300, {0.9f, 0.1f, 0.3f, 0}),
                         FakeFace(500, {0.2f, 1, 0, 0})});
  const std::vector<std::string> photos = {kTwoPeople, "crowd.jpg"};
  std::mt19937 random(11);
  int steps = 0;
  for (int round = 0; round < 150; ++round) {
    const std::string& location = photos[random() % photos.size()];
    const int action = static_cast<int>(random() % 5);
    if (action == 0 || action == 1) {
      auto ingested = Ingest(location, action == 1);
      ASSERT_TRUE(ingested) << ingested.error().message;
    } else if (action == 2 || action == 3) {
      auto known = store_->archive().FindPhoto(
          PhotoIdentity(*files_.Read(location, 1 << 20)));
      ASSERT_TRUE(known);
      if (!*known) continue;
      const StoredPhoto photo = Stored((*known)->id);
      const StoredFace& face = photo.faces[random() % photo.faces.size()];
      const PersonId who = random() % 2 ? obama.id : biden.id;
      auto reviewed = app_->Review(face.id, who,
                                   action == 2 ? ReviewAction::kConfirm : ReviewAction::kReject,
                                   "editor", /*write=*/true);
      if (!reviewed) {
        // The only refusal: a person already confirmed on another face.
        EXPECT_EQ(reviewed.error().code, ErrorCode::kAlreadyExists) << reviewed.error().message;
      }
    } else {
      RematchOptions options;
      options.write_metadata = true;
      auto rematched = app_->Rematch(options);
      ASSERT_TRUE(rematched) << rematched.error().message;
      ASSERT_TRUE(rematched->write_errors.empty());
    }
    ++steps;
    for (const std::string& p : photos) {
      auto known = store_->archive().FindPhoto(PhotoIdentity(*files_.Read(p, 1 << 20)));
      ASSERT_TRUE(known);
      if (!*known) continue;
      std::vector<std::string> archived = ArchivedNames((*known)->id);
      std::vector<std::string> written = files_.PicturedNames(p);
      const std::set<std::string> distinct(archived.begin(), archived.end());
      EXPECT_EQ(distinct.size(), archived.size()) << "a person on two faces, round " << round;
      std::sort(archived.begin(), archived.end());
      std::sort(written.begin(), written.end());
      EXPECT_EQ(written, archived) << p << ", round " << round << ", action " << action;
    }
  }
  EXPECT_GT(steps, 100);
}

TEST_F(AppTest, UnlistingRewritesThePhotosThatNamedThePerson) {
  ListAndEnrol("Barack Obama", "obama.jpg");
  const Person biden = ListAndEnrol("Joe Biden", "biden.jpg");
  ASSERT_TRUE(Ingest(kTwoPeople));
  auto removed = app_->UnlistPerson(biden.id, "editor", /*write=*/true);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(removed->photos.size(), 1u);
  EXPECT_EQ(files_.PicturedNames(kTwoPeople), std::vector<std::string>{"Barack Obama"});
}

TEST_F(AppTest, EnrolmentFollowUpRematchesSmallArchivesAndDefersLargeOnes) {
  ListAndEnrol("Barack Obama", "obama.jpg");
  ASSERT_TRUE(Ingest(kTwoPeople));
  const Person biden = ListAndEnrol("Joe Biden", "biden.jpg");
  auto follow_up = app_->FollowListChange(biden.id);
  ASSERT_TRUE(follow_up);
  ASSERT_TRUE(follow_up->rematched);
  EXPECT_EQ(follow_up->rematched->changed, 1u);

  AppOptions small;
  small.inline_rematch_faces = 1;
  App limited(*store_, pack_, files_, small);
  auto deferred = limited.FollowListChange(biden.id);
  ASSERT_TRUE(deferred);
  EXPECT_TRUE(deferred->deferred);
  EXPECT_EQ(deferred->archived_faces, 2);
}

}  // namespace
}  // namespace facetag::app
