#include "facetag/evaluation.h"

#include <gtest/gtest.h>

#include <fstream>

namespace facetag::evaluation {
namespace {

TEST(ReadLfwPairs, ParsesSameAndDifferentPairsAndFolds) {
  const auto path = std::filesystem::temp_directory_path() / "facetag_pairs_test.txt";
  {
    std::ofstream out(path);
    out << "2 1\nAaron_Peirsol\t1\t2\nAJ_Cook\t1\tMarsha_Thomason\t12\n";
  }
  auto file = ReadLfwPairs(path);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->folds, 2);
  ASSERT_EQ(file->pairs.size(), 2u);
  EXPECT_EQ(file->pairs[0].first, "Aaron_Peirsol/Aaron_Peirsol_0001.jpg");
  EXPECT_EQ(file->pairs[0].second, "Aaron_Peirsol/Aaron_Peirsol_0002.jpg");
  EXPECT_TRUE(file->pairs[0].same);
  EXPECT_EQ(file->pairs[1].second, "Marsha_Thomason/Marsha_Thomason_0012.jpg");
  EXPECT_FALSE(file->pairs[1].same);
  std::filesystem::remove(path);
}

TEST(ReadLfwPairs, BadLineIsNamed) {
  const auto path = std::filesystem::temp_directory_path() / "facetag_pairs_bad.txt";
  { std::ofstream(path) << "1\nonly_a_name\n"; }
  auto file = ReadLfwPairs(path);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(file.error().message.find(":2:"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(BestThreshold, SeparatesSeparableScores) {
  const std::vector<ScoredPair> pairs = {{0.1f, false}, {0.2f, false}, {0.6f, true}, {0.7f, true}};
  const float t = BestThreshold(pairs);
  EXPECT_GT(t, 0.2f);
  EXPECT_LT(t, 0.6f);
  EXPECT_DOUBLE_EQ(Accuracy(pairs, t), 1.0);
}

TEST(BestThreshold, MaximisesAccuracyWithOverlap) {
  const std::vector<ScoredPair> pairs = {{0.1f, false}, {0.3f, true}, {0.4f, false},
                                         {0.5f, true},  {0.6f, true}, {0.2f, false}};
  EXPECT_NEAR(Accuracy(pairs, BestThreshold(pairs)), 5.0 / 6.0, 1e-9);
}

TEST(TrueAcceptAtFalseAccept, ThresholdAboveTheAllowedImpostors) {
  std::vector<ScoredPair> pairs;
  for (int i = 0; i < 100; ++i) pairs.push_back({i / 100.0f, false});  // 0.00 .. 0.99
  for (int i = 0; i < 10; ++i) pairs.push_back({0.95f + i / 1000.0f, true});
  const TarAtFar r = TrueAcceptAtFalseAccept(pairs, 0.02);
  EXPECT_LE(r.far, 0.02);
  EXPECT_GT(r.threshold, 0.97f);
  EXPECT_LT(r.tar, 1.0);
}

TEST(CrossValidate, PerfectlySeparableFoldsGiveFullAccuracy) {
  std::vector<ScoredPair> pairs;
  for (int f = 0; f < 10; ++f) {
    for (int i = 0; i < 5; ++i) pairs.push_back({0.8f - i * 0.01f, true});
    for (int i = 0; i < 5; ++i) pairs.push_back({0.1f + i * 0.01f, false});
  }
  const CrossValidation cv = CrossValidate(pairs, 10);
  EXPECT_DOUBLE_EQ(cv.mean_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(cv.std_accuracy, 0.0);
}

}  // namespace
}  // namespace facetag::evaluation
