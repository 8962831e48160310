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

TEST(FoldNameKey, LatinDiacriticsOfNewsNames) {
  EXPECT_EQ(FoldNameKey("José Luis Rodríguez Zapatero"), "jose luis rodriguez zapatero");
  EXPECT_EQ(FoldNameKey("François Hollande"), "francois hollande");
  EXPECT_EQ(FoldNameKey("Lech Wałęsa"), "lech walesa");
  EXPECT_EQ(FoldNameKey("Recep Tayyip Erdoğan"), "recep tayyip erdogan");
  EXPECT_EQ(FoldNameKey("Václav Havel"), "vaclav havel");
  EXPECT_EQ(FoldNameKey("Ľudovít Štúr"), "ludovit stur");
  EXPECT_EQ(FoldNameKey("Klaus Iohannis Ștefănescu Țiriac"), "klaus iohannis stefanescu tiriac");
  EXPECT_EQ(FoldNameKey("Søren Kierkegaard"), "soren kierkegaard");
  EXPECT_EQ(FoldNameKey("Ægir Þórsson"), "aegir thorsson");
  EXPECT_EQ(FoldNameKey("Œdipe"), "oedipe");
  EXPECT_EQ(FoldNameKey("İlham Əliyev"), "ilham Əliyev");  // Ə (U+018F) is outside the table
}

TEST(FoldNameKey, DecomposedInputMatchesComposed) {
  // "Mu" + COMBINING DIAERESIS + "ller", as macOS file names spell it.
  EXPECT_EQ(FoldNameKey("Mu\xCC\x88ller"), FoldNameKey("Müller"));
}

TEST(FoldNameKey, WhitespaceIsTrimmedAndCollapsed) {
  EXPECT_EQ(FoldNameKey("  Angela \t Merkel  "), "angela merkel");
  EXPECT_EQ(FoldNameKey("Angela\xC2\xA0Merkel"), "angela merkel");  // no-break space
  EXPECT_EQ(FoldNameKey("   "), "");
}

TEST(FoldNameKey, OtherScriptsAreKept) {
  EXPECT_EQ(FoldNameKey("Владимир"), "Владимир");
  EXPECT_EQ(FoldNameKey("習近平"), "習近平");
  EXPECT_EQ(FoldNameKey("a × b"), "a × b");
}

TEST(IsValidUtf8, AcceptsWellFormedRejectsMalformed) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Müller 習近平 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("M\xFCller"));         // Latin-1, not UTF-8
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong "/"
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
}

TEST(TrimAsciiWhitespace, TrimsBothEnds) {
  EXPECT_EQ(TrimAsciiWhitespace("  a b \n"), "a b");
  EXPECT_EQ(TrimAsciiWhitespace(" \t "), "");
}

}  // namespace
}  // namespace facetag::store
