// Retroactive tagging: photos archived before a person was listed get the
// person's name from the stored embeddings alone; editors' rejections stick.
#include "facetag/rematch.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "facetag/ingest.h"
#include "test_data.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
using testing::DataFile;
using testing::DefaultPack;

class RematchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::TempDir("rematch");
    auto store = Store::OpenSqlite(root_ / "facetag.db");
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }

  Result<pipeline::Recognizer> List() { return pipeline::Recognizer::Load(*store_, DefaultPack()); }

  // Photos with Biden in them, and others, ingested while nobody is listed.
  void IngestBeforeListing() {
    const fs::path photos = root_ / "incoming";
    fs::create_directories(photos);
    for (const char* name :
         {"examples/two_people.jpg", "examples/knn_examples/test/obama_and_biden.jpg",
          "examples/alex-lacamoire.png", "examples/knn_examples/test/kit_with_rose.jpg",
          "examples/obama2.jpg"}) {
      fs::copy_file(DataFile(std::string("photos/face_recognition/") + name),
                    photos / fs::path(name).filename());
    }
    auto list = List();
    ASSERT_TRUE(list);
    auto files = pipeline::ListPhotoFiles(photos);
    ASSERT_TRUE(files);
    auto summary = pipeline::Ingest(*store_, DefaultPack(), *list, *files, {});
    ASSERT_TRUE(summary) << summary.error().message;
    ASSERT_EQ(summary->ingested, 5u);
    ASSERT_EQ(summary->tagged, 0u);
    // The photos leave for the archive's long-term storage: nothing that
    // follows can read them.
    fs::rename(photos, root_ / "moved-away");
  }

  std::vector<std::string> PhotosPicturing(PersonId person) {
    SearchQuery query;
    query.person = person;
    auto hits = store_->archive().Search(query);
    EXPECT_TRUE(hits) << hits.error().message;
    std::vector<std::string> names;
    for (const SearchHit& hit : hits ? *hits : std::vector<SearchHit>{}) {
      EXPECT_EQ(hit.kind, HitKind::kPictured);
      names.push_back(fs::path(hit.location).filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  Person EnrollBiden() {
    auto biden = store_->AddPerson({"Joe Biden", {}, "Vice President", {}});
    EXPECT_TRUE(biden);
    auto analyzer = vision::FaceAnalyzer::Create(DefaultPack());
    EXPECT_TRUE(analyzer);
    pipeline::Enroller enroller(*store_, **analyzer, DefaultPack());
    pipeline::EnrollRequest request;
    request.photo = DataFile("photos/face_recognition/examples/biden.jpg");
    auto enrolled = enroller.Enroll(*biden, request);
    EXPECT_TRUE(enrolled) << enrolled.error().message;
    return *biden;
  }

  fs::path root_;
  std::unique_ptr<Store> store_;
};

TEST_F(RematchTest, NewlyListedPersonIsFoundInPhotosArchivedBefore) {
  IngestBeforeListing();
  const Person biden = EnrollBiden();
  EXPECT_TRUE(PhotosPicturing(biden.id).empty());

  auto list = List();
  ASSERT_TRUE(list);
  pipeline::RematchOptions options;
  options.person = biden.id;
  auto summary = pipeline::Rematch(store_->archive(), *list, options);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->changed, 2u);
  EXPECT_EQ(PhotosPicturing(biden.id),
            (std::vector<std::string>{"obama_and_biden.jpg", "two_people.jpg"}));

  // A second rematch finds nothing more to change.
  auto again = pipeline::Rematch(store_->archive(), *list, options);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->changed, 0u);
}

TEST_F(RematchTest, RejectedTagStaysRejectedAcrossRematches) {
  IngestBeforeListing();
  const Person biden = EnrollBiden();
  auto list = List();
  ASSERT_TRUE(list);
  ASSERT_TRUE(pipeline::Rematch(store_->archive(), *list));

  // An editor rejects Biden on two_people.jpg.
  SearchQuery query;
  query.person = biden.id;
  auto hits = store_->archive().Search(query);
  ASSERT_TRUE(hits);
  auto two_people = std::find_if(hits->begin(), hits->end(), [](const SearchHit& h) {
    return fs::path(h.location).filename() == "two_people.jpg";
  });
  ASSERT_NE(two_people, hits->end());
  ASSERT_TRUE(store_->archive().RejectTag(*two_people->face, biden.id, "editor@test"));

  for (int round = 0; round < 2; ++round) {
    auto summary = pipeline::Rematch(store_->archive(), *list);
    ASSERT_TRUE(summary);
    EXPECT_EQ(PhotosPicturing(biden.id), (std::vector<std::string>{"obama_and_biden.jpg"}))
        << "round " << round;
  }
  auto photo = store_->archive().GetPhoto(two_people->photo);
  ASSERT_TRUE(photo);
  for (const StoredFace& face : photo->faces) {
    if (face.id != *two_people->face) continue;
    EXPECT_FALSE(face.tag.person.has_value());
    EXPECT_EQ(face.status, TagStatus::kRejected);
    EXPECT_EQ(face.rejected, std::vector<PersonId>{biden.id});
  }
}

}  // namespace
}  // namespace facetag
