// Tests of the SQLite discovery storage (facetag/discovery_store.h).
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>

#include "facetag/store.h"
#include "test_data.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
constexpr char kModel[] = "test-model";

NewPhoto Photo(int n, int faces, FaceDecision decision = FaceDecision::kUnknown) {
  NewPhoto photo;
  char sha[65];
  std::snprintf(sha, sizeof(sha), "%064x", n);
  photo.info.sha256 = sha;
  photo.info.location = "/archive/" + std::to_string(n) + ".jpg";
  photo.info.date_created = "2024-01-0" + std::to_string(n % 9 + 1);
  for (int i = 0; i < faces; ++i) {
    NewFace face;
    face.detected.box = {10.0f + 100 * i, 10, 80, 80};
    face.detected.detection_score = 0.95f;
    face.detected.embedding = {kModel, {1, static_cast<float>(n), static_cast<float>(i), 0}};
    face.tag.decision = decision;
    photo.faces.push_back(face);
  }
  return photo;
}

class DiscoveryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = testing::TempDir("discovery-store");
    auto store = Store::OpenSqlite(dir_ / "facetag.db");
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  std::vector<PoolFace> Pool(PoolPart part) {
    auto page = store_->discovery().PoolFaces(kModel, part, 0, 1000);
    EXPECT_TRUE(page) << page.error().message;
    return page ? page->faces : std::vector<PoolFace>{};
  }
  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(DiscoveryStoreTest, ClustersMembersMergesAndExclusions) {
  ASSERT_TRUE(store_->archive().AddPhoto(Photo(1, 2)));
  ASSERT_TRUE(store_->archive().AddPhoto(Photo(2, 2)));
  auto pool = Pool(PoolPart::kUnclustered);
  ASSERT_EQ(pool.size(), 4u);
  EXPECT_EQ(pool[0].box.x, 10.0f);
  EXPECT_EQ(pool[0].embedding.size(), 4u);
  DiscoveryStore& ds = store_->discovery();
  ClusterUpdate update;
  update.created.push_back({{pool[0].id}, CandidateState::kOpen, std::nullopt});
  update.created.push_back({{pool[1].id, pool[2].id}, CandidateState::kOpen, std::nullopt});
  update.excluded.emplace_back(pool[3].id, "small");
  update.audit = AuditRecord{"test", "discovery.update", "model:test-model", "{}"};
  auto ids = ds.ApplyClusterUpdate(kModel, update);
  ASSERT_TRUE(ids) << ids.error().message;
  ASSERT_EQ(ids->size(), 2u);
  EXPECT_TRUE(Pool(PoolPart::kUnclustered).empty());  // the excluded face is not work
  EXPECT_EQ(Pool(PoolPart::kClustered).size(), 3u);
  EXPECT_EQ(Pool(PoolPart::kAll).size(), 4u);

  ClusterUpdate merge;
  merge.merged.emplace_back((*ids)[0], (*ids)[1]);
  ASSERT_TRUE(ds.ApplyClusterUpdate(kModel, merge));
  auto clusters = ds.ListClusters(kModel);
  ASSERT_TRUE(clusters);
  ASSERT_EQ(clusters->size(), 1u);
  EXPECT_EQ(clusters->front().face_count, 3);
  auto members = ds.Members((*ids)[1]);
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 3u);
  EXPECT_EQ(members->front().location, "/archive/1.jpg");
  EXPECT_EQ(members->front().date_created, "2024-01-02");
  EXPECT_EQ(store_->archive()
                .ListAudit({.actor = "", .action = "discovery.update", .subject = ""})
                ->size(),
            1u);

  ClusterUpdate rebuild;
  rebuild.replace_all = true;
  ASSERT_TRUE(ds.ApplyClusterUpdate(kModel, rebuild));
  EXPECT_TRUE(ds.ListClusters(kModel)->empty());
  EXPECT_EQ(Pool(PoolPart::kUnclustered).size(), 4u);
}

TEST_F(DiscoveryStoreTest, NamedFacesLeaveTheirCluster) {
  ASSERT_TRUE(store_->archive().AddPhoto(Photo(1, 2)));
  auto pool = Pool(PoolPart::kUnclustered);
  ClusterUpdate update;
  update.created.push_back({{pool[0].id, pool[1].id}, CandidateState::kOpen, std::nullopt});
  auto ids = store_->discovery().ApplyClusterUpdate(kModel, update);
  ASSERT_TRUE(ids);
  auto person = store_->AddPerson({"Jane Doe", {}, "test"});
  ASSERT_TRUE(person);
  const FaceTag named{person->id, std::nullopt, FaceDecision::kRecognized, false};
  ASSERT_TRUE(store_->archive().RecordReview(
      {pool[0].id, person->id, true, {{pool[0].id, named, TagStatus::kConfirmed}}, "editor"}));
  EXPECT_EQ(*store_->discovery().PruneNamedFaces(kModel), 1);
  EXPECT_EQ(store_->discovery().GetCluster((*ids)[0])->face_count, 1);
}

TEST_F(DiscoveryStoreTest, StatesAndRejectedIdentities) {
  ASSERT_TRUE(store_->archive().AddPhoto(Photo(1, 1)));
  auto pool = Pool(PoolPart::kUnclustered);
  ClusterUpdate update;
  update.created.push_back({{pool[0].id}, CandidateState::kOpen, std::nullopt});
  auto ids = store_->discovery().ApplyClusterUpdate(kModel, update);
  ASSERT_TRUE(ids);
  DiscoveryStore& ds = store_->discovery();
  const ClusterId id = (*ids)[0];
  const AuditRecord audit{"editor", "candidate.reject", "cluster:1", "{}"};
  // A rejected state needs its identity, and only it.
  EXPECT_EQ(
      ds.SetState(id, CandidateState::kRejected, std::nullopt, std::nullopt, audit).error().code,
      ErrorCode::kInvalidArgument);
  auto identity = ds.AddRejectedIdentity({kModel, {0.6f, 0.8f, 0, 0}}, "private person", "editor");
  ASSERT_TRUE(identity) << identity.error().message;
  ASSERT_TRUE(ds.SetState(id, CandidateState::kRejected, std::nullopt, *identity, audit));
  auto info = ds.GetCluster(id);
  EXPECT_EQ(info->state, CandidateState::kRejected);
  EXPECT_EQ(info->rejected_as, *identity);
  auto remembered = ds.RejectedIdentities(kModel);
  ASSERT_EQ(remembered->size(), 1u);
  EXPECT_EQ(remembered->front().template_embedding.values, (std::vector<float>{0.6f, 0.8f, 0, 0}));
  EXPECT_EQ(remembered->front().reason, "private person");
  EXPECT_FALSE(ds.AddRejectedIdentity({kModel, {}}, "", "editor"));
  EXPECT_FALSE(ds.AddRejectedIdentity({kModel, {1}}, "", ""));
  // Bad references and values.
  EXPECT_EQ(ds.GetCluster(999).error().code, ErrorCode::kNotFound);
  ClusterUpdate bad;
  bad.joined.emplace_back(pool[0].id, 999);
  EXPECT_EQ(ds.ApplyClusterUpdate(kModel, bad).error().code, ErrorCode::kNotFound);
  bad = {};
  bad.merged.emplace_back(id, id);
  EXPECT_EQ(ds.ApplyClusterUpdate(kModel, bad).error().code, ErrorCode::kInvalidArgument);
  bad = {};
  bad.created.push_back({{12345}, CandidateState::kOpen, std::nullopt});
  EXPECT_EQ(ds.ApplyClusterUpdate(kModel, bad).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ds.ListClusters(kModel)->size(), 1u);  // nothing of the failed update stayed
  EXPECT_FALSE(ParseCandidateState("maybe"));
}

}  // namespace
}  // namespace facetag
