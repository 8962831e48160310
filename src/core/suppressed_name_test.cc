#include "facetag/suppressed_name.h"

#include <gtest/gtest.h>

namespace facetag {
namespace {

TEST(SuppressedNameKey, OneKeyForTheSpellingsOfOneName) {
  const std::string key = SuppressedNameKey("Joe Biden");
  EXPECT_EQ(key, "biden joe");
  for (const char* spelling :
       {"Biden, Joe", "Joe-Biden", "Joe Biden Jr", "Joe Biden Jr.", "JOE BIDEN", "joe   biden",
        "Joe\xC2\xA0" "Biden",                  // no-break space
        "Joe B\xD1\x96" "den",                  // Cyrillic і (U+0456)
        "J\xCE\xBF" "e Biden",                  // Greek omicron (U+03BF)
        "\xEF\xBC\xAA" "oe Biden",              // full-width J (U+FF2A)
        "Jo\xC3\xA9 Bid\xC3\xA9n",              // é
        "Joe Bide\xCC\x81n",                    // e + combining acute
        "Mr. Joe Biden", "Dr Joe Biden III", "Biden Joe Sr", "Joe Biden, Jr.", "Joe Biden II",
        "Joe \"Biden\"", "Joe Biden Biden"}) {
    EXPECT_EQ(SuppressedNameKey(spelling), key) << spelling;
    EXPECT_TRUE(SameSuppressedName(spelling, "Joe Biden")) << spelling;
  }
}

TEST(SuppressedNameKey, ADifferentFirstNameIsADifferentName) {
  EXPECT_EQ(SuppressedNameKey("Joseph Biden"), "biden joseph");
  EXPECT_FALSE(SameSuppressedName("Joseph Biden", "Joe Biden"));
  EXPECT_FALSE(SameSuppressedName("Jill Biden", "Joe Biden"));
  EXPECT_FALSE(SameSuppressedName("Joe Bide", "Joe Biden"));
}

TEST(SuppressedNameKey, FoldsLettersWithoutDecomposition) {
  EXPECT_TRUE(SameSuppressedName("Lech Wa\xC5\x82\xC4\x99sa", "Lech Walesa"));
  EXPECT_TRUE(SameSuppressedName("Gro Harlem Brundtland", "BRUNDTLAND, Gro Harlem"));
  EXPECT_TRUE(SameSuppressedName("Stra\xC3\x9F" "er", "Strasser"));
}

TEST(SuppressedNameKey, KeepsATitleWhenItIsTheWholeName) {
  EXPECT_EQ(SuppressedNameKey("Sir"), "sir");
  EXPECT_EQ(SuppressedNameKey("Prince"), "prince");
}

TEST(SuppressedNameKey, EmptyForNoLettersAndSafeForAnyBytes) {
  EXPECT_EQ(SuppressedNameKey(""), "");
  EXPECT_EQ(SuppressedNameKey(" ,.-"), "");
  EXPECT_FALSE(SameSuppressedName("", ""));
  EXPECT_EQ(SuppressedNameKey(std::string("Joe\0Biden", 9)), "biden joe");
  EXPECT_EQ(SuppressedNameKey("Joe\xFF" "Biden"), "biden joe");
  EXPECT_EQ(SuppressedNameKey("Joe\x1b[31mBiden"), SuppressedNameKey("Joe 31mBiden"));
}

}  // namespace
}  // namespace facetag
