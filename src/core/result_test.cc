#include "facetag/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace facetag {
namespace {

Result<std::unique_ptr<int>> MakeInt(bool ok) {
  if (!ok) return Fail(ErrorCode::kNotFound, "no int");
  return std::make_unique<int>(7);
}

Result<int> Doubled(bool ok) {
  FACETAG_ASSIGN_OR_RETURN(std::unique_ptr<int> value, MakeInt(ok));
  return *value * 2;
}

Result<std::string> Joined(bool first, bool second) {
  FACETAG_ASSIGN_OR_RETURN(const int a, Doubled(first));
  FACETAG_ASSIGN_OR_RETURN(const int b, Doubled(second));  // two on one function
  return std::to_string(a) + "," + std::to_string(b);
}

TEST(AssignOrReturn, YieldsTheMovedValue) {
  auto joined = Joined(true, true);
  ASSERT_TRUE(joined);
  EXPECT_EQ(*joined, "14,14");
}

TEST(AssignOrReturn, ReturnsTheFirstError) {
  auto joined = Joined(true, false);
  ASSERT_FALSE(joined);
  EXPECT_EQ(joined.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(joined.error().message, "no int");
}

TEST(AssignOrReturn, AssignsAnExistingVariable) {
  int target = 0;
  auto run = [&]() -> Result<void> {
    FACETAG_ASSIGN_OR_RETURN(target, Doubled(true));
    return {};
  };
  ASSERT_TRUE(run());
  EXPECT_EQ(target, 14);
}

TEST(CheckDeathTest, FailedInvariantAbortsNamingTheCondition) {
  EXPECT_DEATH(FACETAG_CHECK(1 + 1 == 3), "1 \\+ 1 == 3");
}

}  // namespace
}  // namespace facetag
