#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "facetag/discovery.h"

namespace facetag::discovery {
namespace {

constexpr int kDim = 64;

std::vector<float> Unit(std::vector<float> v) {
  NormalizeL2(v);
  return v;
}

std::vector<float> RandomUnit(std::mt19937& rng) {
  std::normal_distribution<float> normal;
  std::vector<float> v(kDim);
  for (float& x : v) x = normal(rng);
  return Unit(v);
}

// A face of the identity `centre`: similarity to the centre about
// 1 / sqrt(1 + noise^2) (0.8 for noise 0.75), to other faces of it ~0.64.
std::vector<float> FaceOf(const std::vector<float>& centre, std::mt19937& rng, float noise) {
  std::vector<float> n = RandomUnit(rng);
  std::vector<float> v(kDim);
  for (int i = 0; i < kDim; ++i) v[i] = centre[i] + noise * n[i];
  return Unit(v);
}

struct Faces {
  std::vector<std::vector<float>> embeddings;
  std::vector<std::int64_t> identity;
};

Faces Synthetic(int identities, int per_identity, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<float>> centres;
  for (int i = 0; i < identities; ++i) centres.push_back(RandomUnit(rng));
  Faces f;
  for (int k = 0; k < per_identity; ++k) {
    for (int i = 0; i < identities; ++i) {
      f.embeddings.push_back(FaceOf(centres[i], rng, 0.75f));
      f.identity.push_back(i);
    }
  }
  return f;
}

ClusterScores ClusterAll(const Faces& faces, const ClusteringOptions& options,
                         bool* indexed = nullptr) {
  auto clusterer = Clusterer::Create(kDim, options);
  EXPECT_TRUE(clusterer);
  for (std::size_t i = 0; i < faces.embeddings.size(); ++i) {
    EXPECT_TRUE(clusterer->Add(static_cast<FaceId>(i + 1), faces.embeddings[i]));
  }
  std::vector<std::int64_t> predicted;
  for (std::size_t i = 0; i < faces.embeddings.size(); ++i) {
    predicted.push_back(*clusterer->ClusterOf(static_cast<FaceId>(i + 1)));
  }
  if (indexed) *indexed = clusterer->indexed();
  return ScoreClusters(predicted, faces.identity);
}

TEST(DiscoveryClusterer, RecoversSyntheticIdentities) {
  const Faces faces = Synthetic(40, 6, 1);
  const auto s = ClusterAll(faces, {});
  EXPECT_GE(s.bcubed_f, 0.95) << s.purity << " " << s.completeness;
  EXPECT_GE(s.purity, 0.98);
}

TEST(DiscoveryClusterer, IndexedSearchAgreesWithExactSearch) {
  const Faces faces = Synthetic(60, 5, 2);
  ClusteringOptions exact;
  ClusteringOptions indexed = exact;
  indexed.index_from = 10;  // HNSW from the tenth face on
  bool used_index = false;
  const auto a = ClusterAll(faces, exact);
  const auto b = ClusterAll(faces, indexed, &used_index);
  EXPECT_TRUE(used_index);
  EXPECT_NEAR(a.bcubed_f, b.bcubed_f, 0.02);
  EXPECT_GE(b.bcubed_f, 0.95);
}

// Two people joined by one face that resembles both: plain linking merges
// them, the cluster-level check keeps them apart.
TEST(DiscoveryClusterer, OneBridgingFaceDoesNotChainTwoPeople) {
  std::mt19937 rng(3);
  const auto a = RandomUnit(rng);
  const auto b = RandomUnit(rng);
  std::vector<float> bridge(kDim);
  for (int i = 0; i < kDim; ++i) bridge[i] = a[i] + b[i];
  bridge = Unit(bridge);
  auto cluster_count = [&](const ClusteringOptions& options) {
    auto clusterer = Clusterer::Create(kDim, options);
    EXPECT_TRUE(clusterer);
    FaceId id = 1;
    for (int k = 0; k < 5; ++k) EXPECT_TRUE(clusterer->Add(id++, FaceOf(a, rng, 0.5f)));
    for (int k = 0; k < 5; ++k) EXPECT_TRUE(clusterer->Add(id++, FaceOf(b, rng, 0.5f)));
    EXPECT_TRUE(clusterer->Add(id++, bridge));
    return clusterer->Clusters().size();
  };
  EXPECT_EQ(cluster_count({}), 2u);
  ClusteringOptions components;  // connected components: no verification
  components.join_similarity = -1;
  components.merge_similarity = -1;
  EXPECT_EQ(cluster_count(components), 1u);
}

TEST(DiscoveryClusterer, RestoredClustersTakeNewFacesAndWinMerges) {
  std::mt19937 rng(4);
  const auto a = RandomUnit(rng);
  auto clusterer = Clusterer::Create(kDim, {});
  ASSERT_TRUE(clusterer);
  ASSERT_TRUE(clusterer->Restore(1, 42, FaceOf(a, rng, 0.5f)));
  ASSERT_TRUE(clusterer->Restore(2, 42, FaceOf(a, rng, 0.5f)));
  auto key = clusterer->Add(3, FaceOf(a, rng, 0.5f));
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, 42);
  const auto other = RandomUnit(rng);
  auto fresh = clusterer->Add(4, FaceOf(other, rng, 0.5f));
  ASSERT_TRUE(fresh);
  EXPECT_LT(*fresh, 0);
  EXPECT_EQ(clusterer->Clusters().size(), 2u);
  EXPECT_NEAR(CosineSimilarity(clusterer->Mean(42), a), 1.0f, 0.2f);
}

TEST(DiscoveryClusterer, BadInputIsAnError) {
  EXPECT_FALSE(Clusterer::Create(0, {}));
  ClusteringOptions bad;
  bad.link_similarity = 2;
  EXPECT_EQ(Clusterer::Create(kDim, bad).error().code, ErrorCode::kInvalidArgument);
  bad = {};
  bad.neighbours = 0;
  EXPECT_FALSE(Clusterer::Create(kDim, bad));
  auto clusterer = Clusterer::Create(kDim, {});
  ASSERT_TRUE(clusterer);
  EXPECT_FALSE(clusterer->Add(1, std::vector<float>(3, 0.5f)));
  std::vector<float> nan(kDim, 0.1f);
  nan[5] = std::nanf("");
  EXPECT_FALSE(clusterer->Add(1, nan));
  std::vector<float> ok(kDim, 0.125f);
  ASSERT_TRUE(clusterer->Add(1, ok));
  EXPECT_FALSE(clusterer->Add(1, ok));  // twice
  EXPECT_FALSE(clusterer->Restore(2, -1, ok));
}

TEST(DiscoveryQuality, GateReadsSizeScoreAndPose) {
  Landmarks68 frontal{};
  frontal[0] = {100, 150};
  frontal[16] = {200, 150};
  frontal[30] = {150, 160};
  const FaceBox box{90, 100, 120, 120};
  const auto q = MeasureQuality(box, 0.99f, frontal);
  EXPECT_NEAR(q.yaw, 0.0f, 1e-6);
  EXPECT_EQ(GateReason(q, {}), "");
  Landmarks68 turned = frontal;
  turned[30] = {199, 160};
  QualityGate strict;
  strict.max_yaw = 0.9f;
  EXPECT_EQ(GateReason(MeasureQuality(box, 0.99f, turned), strict), "turned");
  EXPECT_EQ(GateReason(MeasureQuality(box, 0.99f, turned), {}), "");  // off by default
  EXPECT_EQ(GateReason(MeasureQuality({0, 0, 20, 20}, 0.99f, frontal), {}), "small");
  EXPECT_EQ(GateReason(MeasureQuality(box, 0.5f, frontal), {}), "uncertain");
  EXPECT_EQ(MeasureQuality(box, 0.99f, Landmarks68{}).yaw, 1.0f);  // unusable points
  EXPECT_EQ(GateReason(MeasureQuality(box, 0.99f, Landmarks68{}), strict), "turned");
}

TEST(DiscoverySuppression, MatchesOnlyItsModelAboveTheThreshold) {
  Suppression s;
  s.templates.push_back({"m", {1, 0, 0}});
  s.min_similarity = 0.5f;
  EXPECT_TRUE(IsSuppressed(s, "m", std::vector<float>{0.8f, 0.6f, 0}));
  EXPECT_FALSE(IsSuppressed(s, "m", std::vector<float>{0.3f, 0.95f, 0}));
  EXPECT_FALSE(IsSuppressed(s, "other", std::vector<float>{1, 0, 0}));
}

}  // namespace
}  // namespace facetag::discovery
