#include "facetag/types.h"

#include <gtest/gtest.h>

namespace facetag {
namespace {

TEST(IntersectionOverUnion, IdenticalDisjointAndHalf) {
  const FaceBox a{0, 0, 10, 10};
  EXPECT_FLOAT_EQ(IntersectionOverUnion(a, a), 1.0f);
  EXPECT_FLOAT_EQ(IntersectionOverUnion(a, {20, 20, 5, 5}), 0.0f);
  EXPECT_NEAR(IntersectionOverUnion(a, {5, 0, 10, 10}), 50.0f / 150.0f, 1e-6);
}

TEST(NormalizeL2, UnitLengthAndZeroStaysZero) {
  std::vector<float> v{3, 4};
  NormalizeL2(v);
  EXPECT_NEAR(v[0], 0.6f, 1e-6);
  EXPECT_NEAR(CosineSimilarity(v, v), 1.0f, 1e-6);
  std::vector<float> zero{0, 0};
  NormalizeL2(zero);
  EXPECT_EQ(zero[0], 0.0f);
}

}  // namespace
}  // namespace facetag
