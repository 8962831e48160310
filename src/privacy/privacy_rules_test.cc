// Tests of the privacy rules the store applies (facetag/privacy_rules.h).
#include "facetag/privacy_rules.h"

#include <gtest/gtest.h>

namespace facetag {
namespace {

TEST(IsOptedOutFaceTest, SameModelAndLengthAtOrAboveTheThreshold) {
  const Embedding suppression_template{"model-a", {1.0f, 0.0f, 0.0f}};
  const Embedding near{"model-a", {0.8f, 0.6f, 0.0f}};  // cosine 0.8
  EXPECT_TRUE(IsOptedOutFace(near, suppression_template, 0.8f));
  EXPECT_TRUE(IsOptedOutFace(near, suppression_template, 0.5f));
  EXPECT_FALSE(IsOptedOutFace(near, suppression_template, 0.81f));
}

TEST(IsOptedOutFaceTest, AnotherModelOrLengthIsNeverTheirs) {
  const Embedding suppression_template{"model-a", {1.0f, 0.0f, 0.0f}};
  EXPECT_FALSE(IsOptedOutFace({"model-b", {1.0f, 0.0f, 0.0f}}, suppression_template, 0.1f));
  EXPECT_FALSE(IsOptedOutFace({"model-a", {1.0f, 0.0f}}, suppression_template, 0.1f));
}

TEST(CheckRetentionDaysTest, FromOneDayToAThousandYearsOrNoLimit) {
  EXPECT_TRUE(CheckRetentionDays(1, "tags"));
  EXPECT_TRUE(CheckRetentionDays(kMaxRetentionDays, "tags"));
  EXPECT_TRUE(CheckRetentionDays(std::nullopt, "tags"));
  for (const int bad : {0, -3, kMaxRetentionDays + 1}) {
    auto refused = CheckRetentionDays(bad, "tags");
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(refused.error().message.find("tags"), std::string::npos);
  }
}

}  // namespace
}  // namespace facetag
