// Retroactive tagging: photos archived before a person was listed get the
// person's name from the stored embeddings alone; editors' rejections stick.
#include <gtest/gtest.h>

#include <algorithm>

#include "facetag/app.h"
#include "facetag/pipeline.h"
#include "test_data.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
using testing::DataFile;
using testing::DefaultPack;

class RematchTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = bench_.dir(); }

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
    auto files = pipeline::ListPhotoFiles(photos);
    ASSERT_TRUE(files);
    auto summary = bench_.Ingest(*files);
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
    auto hits = bench_.store().archive().Search(query);
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
    const Person biden = bench_.List("Joe Biden");
    auto enrolled = bench_.Enrol(biden, DataFile("photos/face_recognition/examples/biden.jpg"));
    EXPECT_TRUE(enrolled) << enrolled.error().message;
    return biden;
  }

  testing::Workbench bench_{"rematch"};
  fs::path root_;
};

TEST_F(RematchTest, NewlyListedPersonIsFoundInPhotosArchivedBefore) {
  IngestBeforeListing();
  const Person biden = EnrollBiden();
  EXPECT_TRUE(PhotosPicturing(biden.id).empty());

  app::RematchOptions options;
  options.person = biden.id;
  auto summary = bench_.app().Rematch(options);
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->changed, 2u);
  EXPECT_EQ(PhotosPicturing(biden.id),
            (std::vector<std::string>{"obama_and_biden.jpg", "two_people.jpg"}));

  // A second rematch finds nothing more to change.
  auto again = bench_.app().Rematch(options);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->changed, 0u);
}

TEST_F(RematchTest, RejectedTagStaysRejectedAcrossRematches) {
  IngestBeforeListing();
  const Person biden = EnrollBiden();
  ASSERT_TRUE(bench_.app().Rematch({}));

  // An editor rejects Biden on two_people.jpg.
  SearchQuery query;
  query.person = biden.id;
  auto hits = bench_.store().archive().Search(query);
  ASSERT_TRUE(hits);
  auto two_people = std::find_if(hits->begin(), hits->end(), [](const SearchHit& h) {
    return fs::path(h.location).filename() == "two_people.jpg";
  });
  ASSERT_NE(two_people, hits->end());
  ASSERT_TRUE(bench_.app().Review(*two_people->face, biden.id, app::ReviewAction::kReject,
                                  "editor@test"));

  for (int round = 0; round < 2; ++round) {
    auto summary = bench_.app().Rematch({});
    ASSERT_TRUE(summary);
    EXPECT_EQ(PhotosPicturing(biden.id), (std::vector<std::string>{"obama_and_biden.jpg"}))
        << "round " << round;
  }
  auto photo = bench_.store().archive().GetPhoto(two_people->photo);
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
