#include <gtest/gtest.h>

#include "facetag/discovery.h"

namespace facetag::discovery {
namespace {

TEST(DiscoveryScores, HandWorkedExample) {
  // Clusters {0,1,2} {3,4}; classes a={0,1} b={2,3,4}.
  const auto s = ScoreClusters({1, 1, 1, 2, 2}, {10, 10, 20, 20, 20});
  EXPECT_EQ(s.items, 5u);
  EXPECT_EQ(s.clusters, 2u);
  EXPECT_EQ(s.classes, 2u);
  EXPECT_DOUBLE_EQ(s.purity, 0.8);
  EXPECT_DOUBLE_EQ(s.completeness, 0.8);
  EXPECT_DOUBLE_EQ(s.pairwise_precision, 0.5);
  EXPECT_DOUBLE_EQ(s.pairwise_recall, 0.5);
  EXPECT_NEAR(s.bcubed_precision, 11.0 / 15.0, 1e-12);
  EXPECT_NEAR(s.bcubed_recall, 11.0 / 15.0, 1e-12);
  EXPECT_NEAR(s.bcubed_f, 11.0 / 15.0, 1e-12);
}

TEST(DiscoveryScores, SingletonsArePureButIncomplete) {
  const auto s = ScoreClusters({1, 2, 3, 4}, {7, 7, 8, 8});
  EXPECT_DOUBLE_EQ(s.purity, 1.0);
  EXPECT_DOUBLE_EQ(s.completeness, 0.5);
  EXPECT_DOUBLE_EQ(s.pairwise_precision, 1.0);  // no predicted pairs
  EXPECT_DOUBLE_EQ(s.pairwise_recall, 0.0);
  EXPECT_DOUBLE_EQ(s.bcubed_precision, 1.0);
  EXPECT_DOUBLE_EQ(s.bcubed_recall, 0.5);
}

}  // namespace
}  // namespace facetag::discovery
