// Search by person on an ingested folder: pictured by default, caption-only
// mentions on request and marked, suggestions for unknown names.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "facetag/app.h"
#include "metadata/metadata_exiftool.h"
#include "facetag/pipeline.h"
#include "test_data.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
using testing::DataFile;
using testing::DefaultPack;

class SearchByPersonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = bench_.dir();
    db_ = root_ / "facetag.db";
    store_ = &bench_.store();
    for (const auto& [name, photo] :
         {std::pair{"Barack Obama", "obama2.jpg"}, std::pair{"Joe Biden", "biden.jpg"}}) {
      const Person person = bench_.List(name);
      ASSERT_TRUE(
          bench_.Enrol(person, DataFile(std::string("photos/face_recognition/examples/") + photo)));
    }
    // Captions written into copies; two of them name Biden, who is not in
    // the picture.
    const fs::path incoming = root_ / "incoming";
    fs::create_directories(incoming);
    const std::vector<std::pair<std::string, std::string>> photos = {
        {"obama.jpg", "Barack Obama and Joe Biden wave to supporters."},
        {"two_people.jpg", "President Obama and Vice President Biden at the White House."},
        {"knn_examples/test/kit_with_rose.jpg", "Joe Biden's speech was watched on television."},
        {"knn_examples/test/obama_and_biden.jpg", ""}};
    for (const auto& [photo, caption] : photos) {
      const fs::path copy = metadata::test_util::CopyPhoto(
          "photos/face_recognition/examples/" + photo, incoming, fs::path(photo).filename());
      if (!caption.empty()) {
        metadata::test_util::ExiftoolWrite(copy, {"-IPTC:Caption-Abstract=" + caption});
      }
    }
    auto files = pipeline::ListPhotoFiles(incoming);
    ASSERT_TRUE(files);
    auto summary = bench_.Ingest(*files);
    ASSERT_TRUE(summary) << summary.error().message;
    ASSERT_EQ(summary->ingested, 4u);
  }

  std::vector<std::pair<std::string, HitKind>> Search(const std::string& name, bool mentioned) {
    SearchQuery query;
    query.person = store_->FindPerson(name)->id;
    query.include_mentioned = mentioned;
    auto hits = store_->archive().Search(query);
    EXPECT_TRUE(hits) << hits.error().message;
    std::vector<std::pair<std::string, HitKind>> out;
    for (const SearchHit& h : *hits) out.emplace_back(fs::path(h.location).filename(), h.kind);
    return out;
  }

  testing::Workbench bench_{"archive-search"};
  fs::path root_, db_;
  Store* store_ = nullptr;
};

TEST_F(SearchByPersonTest, PersonSearchReturnsExactlyThePicturedPhotos) {
  auto biden = Search("Joe Biden", false);
  std::sort(biden.begin(), biden.end());
  EXPECT_EQ(biden, (std::vector<std::pair<std::string, HitKind>>{
                       {"obama_and_biden.jpg", HitKind::kPictured},
                       {"two_people.jpg", HitKind::kPictured}}));
  auto obama = Search("barack obama", false);
  EXPECT_EQ(obama.size(), 3u);  // obama.jpg, two_people.jpg, obama_and_biden.jpg
}

TEST_F(SearchByPersonTest, MentionedAddsCaptionOnlyPhotosMarkedAndRankedLast) {
  const auto hits = Search("Joe Biden", true);
  ASSERT_EQ(hits.size(), 4u);
  EXPECT_EQ(hits[0].second, HitKind::kPictured);
  EXPECT_EQ(hits[1].second, HitKind::kPictured);
  std::vector<std::string> mentioned = {hits[2].first, hits[3].first};
  std::sort(mentioned.begin(), mentioned.end());
  EXPECT_EQ(mentioned, (std::vector<std::string>{"kit_with_rose.jpg", "obama.jpg"}));
  EXPECT_EQ(hits[2].second, HitKind::kMentioned);
  EXPECT_EQ(hits[3].second, HitKind::kMentioned);
}

TEST_F(SearchByPersonTest, UnknownNameFindsNothingAndSuggests) {
  const testing::CommandRun run =
      testing::RunFacetag("--json --db " + testing::Quote(db_) + " search 'Joe Bidden'");
  EXPECT_EQ(run.exit_code, 3);
  const std::string& out = run.out;
  const auto json = nlohmann::json::parse(out);
  EXPECT_TRUE(json["results"].empty());
  EXPECT_EQ(json["suggestions"], nlohmann::json::array({"Joe Biden"}));
}

TEST_F(SearchByPersonTest, SearchByFaceFindsThePhotosWithThatFace) {
  const testing::CommandRun run = testing::RunFacetag(
      "--json --db " + testing::Quote(db_) + " search --face " +
      testing::Quote(DataFile("photos/face_recognition/examples/obama2.jpg")));
  ASSERT_EQ(run.exit_code, 0) << run.out;
  const std::string& out = run.out;
  std::vector<std::string> found;
  const auto json = nlohmann::json::parse(out);
  for (const auto& hit : json["results"]) {
    found.push_back(fs::path(hit["location"].get<std::string>()).filename());
  }
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<std::string>{"obama.jpg", "obama_and_biden.jpg", "two_people.jpg"}))
      << out;
}

}  // namespace
}  // namespace facetag
