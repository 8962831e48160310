#include "captions/caption_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace facetag::captions::detail {
namespace {

std::vector<std::string> Keys(std::string_view text) {
  std::vector<std::string> keys;
  for (const Token& t : Tokenize(text)) keys.push_back(t.key);
  return keys;
}

TEST(MentionText, FoldsCaseAndLatinDiacritics) {
  EXPECT_EQ(FoldText("Müller MÜLLER Muller"), "muller muller muller");
  EXPECT_EQ(FoldText("Straße Łódź Ærø Þór"), "strasse lodz aero thor");
  EXPECT_EQ(FoldText("Ştefan Ștefan Țiriac"), "stefan stefan tiriac");
  EXPECT_EQ(FoldText("Mu\xCC\x88ller"), "muller");  // decomposed ü
  EXPECT_EQ(FoldText("ЗЕЛЕНСЬКИЙ"), FoldText("Зеленський"));
  EXPECT_EQ(FoldText("习近平"), "习近平");
  EXPECT_EQ(FoldText("O’Brien"), "o'brien");
}

TEST(MentionText, TokensKeepApostrophesBetweenLettersOnly) {
  EXPECT_EQ(Keys("O'Brien's car, 'Rutte' Jones' hat"),
            (std::vector<std::string>{"o'brien's", "car", "rutte", "jones", "hat"}));
  EXPECT_EQ(Keys("Lin-Manuel Miranda"), (std::vector<std::string>{"lin", "manuel", "miranda"}));
  EXPECT_EQ(Keys("习近平在"), (std::vector<std::string>{"习", "近", "平", "在"}));
}

TEST(MentionText, GapsBetweenTokens) {
  const std::vector<Token> t = Tokenize(
      "Mr. Rutte-led  x - y, J.K. a\xC2\xA0"
      "b");
  ASSERT_EQ(t.size(), 9u);
  EXPECT_EQ(t[0].gap, Gap::kOther);   // start of text
  EXPECT_EQ(t[1].gap, Gap::kDot);     // "Mr. Rutte"
  EXPECT_EQ(t[2].gap, Gap::kHyphen);  // "Rutte-led"
  EXPECT_EQ(t[3].gap, Gap::kSpace);   // two spaces
  EXPECT_EQ(t[4].gap, Gap::kOther);   // spaced dash
  EXPECT_EQ(t[5].gap, Gap::kOther);   // comma
  EXPECT_EQ(t[6].gap, Gap::kDot);     // "J.K"
  EXPECT_EQ(t[7].gap, Gap::kDot);     // "K. a"
  EXPECT_EQ(t[8].gap, Gap::kSpace);   // no-break space
}

TEST(MentionText, PossessiveAndElisionForms) {
  const std::string text = "Rutte’s d'Emmanuel D'Alema";
  const std::vector<Token> t = Tokenize(text);
  ASSERT_EQ(t.size(), 3u);
  ASSERT_TRUE(t[0].stem_key.has_value());
  EXPECT_EQ(*t[0].stem_key, "rutte");
  EXPECT_EQ(text.substr(t[0].begin, t[0].stem_end - t[0].begin), "Rutte");
  ASSERT_TRUE(t[1].elided_key.has_value());
  EXPECT_EQ(*t[1].elided_key, "emmanuel");
  EXPECT_EQ(text.substr(t[1].elided_begin, t[1].end - t[1].elided_begin), "Emmanuel");
  EXPECT_FALSE(t[2].elided_key.has_value());  // a capital D'... is part of the name
  EXPECT_EQ(t[2].initial, LetterCase::kUpper);
}

TEST(MentionText, CaseOfFirstLetter) {
  const std::vector<Token> t = Tokenize("Élysée élan d'Estaing Łukasz łza 2019 Зеленський 习");
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[0].initial, LetterCase::kUpper);
  EXPECT_EQ(t[1].initial, LetterCase::kLower);
  EXPECT_EQ(t[2].initial, LetterCase::kUpper);  // the letter after the elision decides
  EXPECT_EQ(t[3].initial, LetterCase::kUpper);
  EXPECT_EQ(t[4].initial, LetterCase::kLower);
  EXPECT_EQ(t[5].initial, LetterCase::kNone);
  EXPECT_EQ(t[6].initial, LetterCase::kUpper);
  EXPECT_EQ(t[7].initial, LetterCase::kNone);
}

TEST(MentionText, InvalidUtf8SeparatesTokensAndKeepsOffsetsOnBoundaries) {
  const std::string text =
      "ab\xFF"
      "cd\xC3";
  const std::vector<Token> t = Tokenize(text);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].key, "ab");
  EXPECT_EQ(t[1].key, "cd");
  EXPECT_EQ(t[1].begin, 3u);
  EXPECT_EQ(t[1].end, 5u);
}

}  // namespace
}  // namespace facetag::captions::detail
