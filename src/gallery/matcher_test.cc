#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "facetag/gallery.h"

namespace facetag::gallery {
namespace {

constexpr int kDim = 64;

std::vector<float> RandomUnit(std::mt19937& rng) {
  std::normal_distribution<float> normal;
  std::vector<float> v(kDim);
  for (float& x : v) x = normal(rng);
  NormalizeL2(v);
  return v;
}

Profile MakeProfile(PersonId person, std::vector<float> values, const std::string& model = "m") {
  Profile p;
  p.person_id = person;
  p.embedding = {model, std::move(values)};
  return p;
}

PackThresholds Curve() {
  PackThresholds t;
  t.far_curve = {{1e-2, 0.25f}, {1e-3, 0.35f}, {1e-4, 0.42f}, {1e-5, 0.49f}};
  return t;
}

TEST(PackThresholdsSimilarityAt, InterpolatesInLogSpaceAndClamps) {
  const PackThresholds t = Curve();
  EXPECT_FLOAT_EQ(t.SimilarityAt(1e-3), 0.35f);
  EXPECT_NEAR(t.SimilarityAt(std::sqrt(1e-3 * 1e-4)), 0.385f, 1e-4);
  EXPECT_FLOAT_EQ(t.SimilarityAt(0.5), 0.25f);     // never below the curve
  EXPECT_NEAR(t.SimilarityAt(1e-6), 0.56f, 1e-4);  // extrapolated
  EXPECT_LE(t.SimilarityAt(1e-30), 0.95f);
}

TEST(ListThreshold, GrowsWithTheList) {
  const PackThresholds t = Curve();
  MatchPolicy policy;
  policy.false_accept_per_face = 1e-2;
  EXPECT_FLOAT_EQ(ListThreshold(t, policy, {1, 1}), 0.25f);
  EXPECT_FLOAT_EQ(ListThreshold(t, policy, {10, 10}), 0.35f);
  EXPECT_GT(ListThreshold(t, policy, {100000, 100000}), ListThreshold(t, policy, {1000, 1000}));
}

// Each person's best over 18 profiles: a stranger meets 18 chances per
// person, so the threshold of 5 persons with 90 vectors is that of 90
// single-profile persons, not of 5.
TEST(ListThreshold, CountsEveryProfileVectorAFaceIsComparedWith) {
  const PackThresholds t = Curve();
  MatchPolicy policy;
  policy.false_accept_per_face = 1e-2;
  EXPECT_FLOAT_EQ(ListThreshold(t, policy, {5, 90}), ListThreshold(t, policy, {90, 90}));
  EXPECT_GT(ListThreshold(t, policy, {5, 90}), ListThreshold(t, policy, {5, 5}));
  // An empty list or a shape without vectors counts as one comparison.
  EXPECT_FLOAT_EQ(ListThreshold(t, policy, {0, 0}), ListThreshold(t, policy, {1, 1}));
  EXPECT_FLOAT_EQ(ListThreshold(t, policy, {10, 0}), ListThreshold(t, policy, {10, 10}));
}

TEST(Matcher, ShapeCountsPersonsAndVectors) {
  std::mt19937 rng(3);
  std::vector<Profile> profiles;
  for (int k = 0; k < 3; ++k) profiles.push_back(MakeProfile(1, RandomUnit(rng)));
  profiles.push_back(MakeProfile(2, RandomUnit(rng)));
  const Matcher m = Matcher::Build("m", kDim, profiles);
  EXPECT_EQ(m.shape().persons, 2u);
  EXPECT_EQ(m.shape().vectors, 4u);
}

TEST(Matcher, RankEqualsBruteForceMaximumPerPerson) {
  std::mt19937 rng(7);
  std::vector<Profile> profiles;
  for (PersonId person = 1; person <= 50; ++person) {
    for (int k = 0; k < 1 + person % 4; ++k)
      profiles.push_back(MakeProfile(person, RandomUnit(rng)));
  }
  std::shuffle(profiles.begin(), profiles.end(), rng);
  const Matcher matcher = Matcher::Build("m", kDim, profiles);
  EXPECT_EQ(matcher.person_count(), 50u);
  EXPECT_EQ(matcher.profile_count(), profiles.size());
  for (int q = 0; q < 20; ++q) {
    const Embedding probe{"m", RandomUnit(rng)};
    std::map<PersonId, float> best;
    for (const Profile& p : profiles) {
      const float s = CosineSimilarity(p.embedding.values, probe.values);
      auto [it, inserted] = best.emplace(p.person_id, s);
      if (!inserted) it->second = std::max(it->second, s);
    }
    std::vector<Candidate> expected;
    for (auto [person, s] : best) expected.push_back({person, s});
    std::sort(expected.begin(), expected.end(),
              [](const Candidate& a, const Candidate& b) { return a.similarity > b.similarity; });
    const auto ranked = matcher.Rank(probe, 5);
    ASSERT_EQ(ranked.size(), 5u);
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      EXPECT_EQ(ranked[i].person, expected[i].person);
      EXPECT_NEAR(ranked[i].similarity, expected[i].similarity, 1e-5);
    }
  }
}

TEST(Matcher, RanksTheSamePersonFirstAndEveryPersonOnce) {
  std::mt19937 rng(3);
  const auto alice = RandomUnit(rng);
  const auto bob = RandomUnit(rng);
  const Matcher matcher = Matcher::Build(
      "m", kDim, {MakeProfile(1, alice), MakeProfile(2, bob), MakeProfile(1, RandomUnit(rng))});
  const auto ranked = matcher.Rank({"m", alice}, 5);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].person, 1);
  EXPECT_NEAR(ranked[0].similarity, 1.0f, 1e-5);
  EXPECT_EQ(ranked[1].person, 2);
}

// A photo enrolled and then tagged compares an embedding with itself; float
// rounding took that dot product just past 1 (192-d MobileFaceNet
// embeddings), and the tag writer refuses a similarity outside [-1, 1].
TEST(Matcher, AFaceComparedWithItselfScoresAtMostOne) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  for (int dim : {128, 192, 512}) {
    for (int i = 0; i < 200; ++i) {
      std::vector<float> v(dim);
      for (float& x : v) x = normal(rng);
      NormalizeL2(v);
      const Matcher matcher = Matcher::Build("m", dim, {MakeProfile(1, v)});
      const auto ranked = matcher.Rank({"m", v}, 1);
      ASSERT_EQ(ranked.size(), 1u);
      ASSERT_LE(ranked[0].similarity, 1.0f) << "dimension " << dim << ", vector " << i;
      ASSERT_LE(CosineSimilarity(v, v), 1.0f) << "dimension " << dim << ", vector " << i;
    }
  }
}

TEST(Matcher, NeverComparesAcrossModels) {
  std::mt19937 rng(5);
  const auto v = RandomUnit(rng);
  const Matcher matcher =
      Matcher::Build("m", kDim, {MakeProfile(1, v), MakeProfile(2, v, "other-model")});
  EXPECT_EQ(matcher.profile_count(), 1u);
  EXPECT_EQ(matcher.skipped(), 1u);
  EXPECT_TRUE(matcher.Rank({"other-model", v}, 3).empty());
}

TEST(Matcher, EmptyGalleryRanksNobody) {
  const Matcher matcher = Matcher::Build("m", kDim, {});
  std::mt19937 rng(1);
  EXPECT_TRUE(matcher.Rank({"m", RandomUnit(rng)}, 2).empty());
}

}  // namespace
}  // namespace facetag::gallery
