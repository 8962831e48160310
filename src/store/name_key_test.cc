#include "name_key.h"

#include <gtest/gtest.h>

namespace facetag::store {
namespace {

TEST(FoldNameKey, CaseAndGermanUmlauts) {
  EXPECT_EQ(FoldNameKey("Müller"), "muller");
  EXPECT_EQ(FoldNameKey("MÜLLER"), "muller");
  EXPECT_EQ(FoldNameKey("Muller"), "muller");
  EXPECT_EQ(FoldNameKey("Strauß"), "strauss");
}

// The folding itself is tested with text::Fold (src/core/text_test.cc).
TEST(FoldNameKey, DecomposedInputMatchesComposed) {
  // "Mu" + COMBINING DIAERESIS + "ller", as macOS file names spell it.
  EXPECT_EQ(FoldNameKey("Mu\xCC\x88ller"), FoldNameKey("Müller"));
  EXPECT_EQ(FoldNameKey("Lech Wałęsa"), "lech walesa");
}

TEST(FoldNameKey, WhitespaceIsTrimmedAndCollapsed) {
  EXPECT_EQ(FoldNameKey("  Angela \t Merkel  "), "angela merkel");
  EXPECT_EQ(FoldNameKey("Angela\xC2\xA0Merkel"), "angela merkel");  // no-break space
  EXPECT_EQ(FoldNameKey("   "), "");
}

TEST(FoldNameKey, CombiningMarkAfterSpaceAddsNoSpace) {
  EXPECT_EQ(FoldNameKey("Angela \xCC\x81Merkel"), "angela merkel");
  EXPECT_EQ(FoldNameKey("Merkel \xCC\x81"), "merkel");
}

TEST(FoldNameKey, OtherScriptsAreKept) {
  EXPECT_EQ(FoldNameKey("Владимир"), "Владимир");
  EXPECT_EQ(FoldNameKey("習近平"), "習近平");
  EXPECT_EQ(FoldNameKey("a × b"), "a × b");
}

}  // namespace
}  // namespace facetag::store
