#include "facetag/text.h"

#include <gtest/gtest.h>

#include <string>

namespace facetag::text {
namespace {

TEST(DecodeUtf8, ReadsOneToFourBytes) {
  const std::string text = "a\xC3\xBC\xE7\xBF\x92\xF0\x9F\x98\x80";  // a ü 習 😀
  std::size_t i = 0;
  EXPECT_EQ(DecodeUtf8(text, i), U'a');
  EXPECT_EQ(i, 1u);
  EXPECT_EQ(DecodeUtf8(text, i), U'\u00FC');
  EXPECT_EQ(i, 3u);
  EXPECT_EQ(DecodeUtf8(text, i), U'\u7FD2');
  EXPECT_EQ(i, 6u);
  EXPECT_EQ(DecodeUtf8(text, i), U'\U0001F600');
  EXPECT_EQ(i, 10u);
}

TEST(DecodeUtf8, MalformedSequenceAdvancesOneByte) {
  for (const std::string bad :
       {"\xFF", "\x80", "\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"}) {
    std::size_t i = 0;
    EXPECT_FALSE(DecodeUtf8(bad, i).has_value()) << testing::PrintToString(bad);
    EXPECT_EQ(i, 1u);
  }
  // A lead byte followed by a non-continuation byte: the next byte is read anew.
  const std::string text =
      "\xC3"
      "a";
  std::size_t i = 0;
  EXPECT_FALSE(DecodeUtf8(text, i).has_value());
  EXPECT_EQ(DecodeUtf8(text, i), U'a');
}

// Reference check: encoding every scalar value and decoding it gives it back.
TEST(AppendUtf8, RoundTripsEveryScalarValue) {
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string encoded;
    AppendUtf8(cp, encoded);
    std::size_t i = 0;
    ASSERT_EQ(DecodeUtf8(encoded, i), cp) << static_cast<unsigned>(cp);
    ASSERT_EQ(i, encoded.size()) << static_cast<unsigned>(cp);
  }
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
  EXPECT_EQ(TrimAsciiWhitespace("\xC2\xA0x\xC2\xA0"), "\xC2\xA0x\xC2\xA0");  // no-break space stays
}

TEST(Fold, LatinDiacriticsOfNewsNames) {
  EXPECT_EQ(Fold("Müller MÜLLER Muller Strauß"), "muller muller muller strauss");
  EXPECT_EQ(Fold("José Luis Rodríguez Zapatero"), "jose luis rodriguez zapatero");
  EXPECT_EQ(Fold("François Hollande"), "francois hollande");
  EXPECT_EQ(Fold("Lech Wałęsa"), "lech walesa");
  EXPECT_EQ(Fold("Recep Tayyip Erdoğan"), "recep tayyip erdogan");
  EXPECT_EQ(Fold("Václav Havel"), "vaclav havel");
  EXPECT_EQ(Fold("Ľudovít Štúr"), "ludovit stur");
  EXPECT_EQ(Fold("Klaus Iohannis Ștefănescu Țiriac"), "klaus iohannis stefanescu tiriac");
  EXPECT_EQ(Fold("Søren Kierkegaard"), "soren kierkegaard");
  EXPECT_EQ(Fold("Ægir Þórsson"), "aegir thorsson");
  EXPECT_EQ(Fold("Œdipe"), "oedipe");
  EXPECT_EQ(Fold("İlham Əliyev"), "ilham Əliyev");  // Ə (U+018F) is outside the table
}

TEST(Fold, DecomposedInputMatchesComposed) {
  // "Mu" + COMBINING DIAERESIS + "ller", as macOS file names spell it.
  EXPECT_EQ(Fold("Mu\xCC\x88ller"), Fold("Müller"));
}

TEST(Fold, OtherScriptsWhitespaceAndInvalidBytesAreKept) {
  EXPECT_EQ(Fold("Владимир 習近平 a × b ÷"), "Владимир 習近平 a × b ÷");
  EXPECT_EQ(Fold(" A\t\xC2\xA0"
                 "B "),
            " a\t\xC2\xA0"
            "b ");
  EXPECT_EQ(Fold("M\xFCller"), "m\xFCller");
  EXPECT_EQ(Fold(""), "");
}

// Reference check: outside ASCII capitals, combining marks and the Latin
// blocks, folding copies the code point unchanged.
TEST(AppendFolded, CopiesEveryOtherCodePoint) {
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    const bool folds = (cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0x17F) ||
                       (cp >= 0x218 && cp <= 0x21B) || (cp >= 0x300 && cp <= 0x36F);
    if (folds) continue;
    std::string folded;
    AppendFolded(cp, folded);
    std::string encoded;
    AppendUtf8(cp, encoded);
    ASSERT_EQ(folded, encoded) << static_cast<unsigned>(cp);
  }
}

TEST(AppendFolded, LatinLettersFoldToLowercaseAscii) {
  for (char32_t cp = 0xC0; cp <= 0x17F; ++cp) {
    if (cp == 0xD7 || cp == 0xF7) continue;  // × and ÷ are not letters
    std::string folded;
    AppendFolded(cp, folded);
    ASSERT_FALSE(folded.empty()) << static_cast<unsigned>(cp);
    for (char c : folded) ASSERT_TRUE(c >= 'a' && c <= 'z') << static_cast<unsigned>(cp);
  }
  std::string mark;
  AppendFolded(0x301, mark);  // combining acute accent
  EXPECT_EQ(mark, "");
}

}  // namespace
}  // namespace facetag::text

namespace facetag::text {
namespace {

TEST(CountCharacters, CountsCodePointsAndMalformedBytes) {
  EXPECT_EQ(CountCharacters(""), 0u);
  EXPECT_EQ(CountCharacters("Wałęsa"), 6u);
  EXPECT_EQ(CountCharacters("习近平"), 3u);
  EXPECT_EQ(CountCharacters("a\xff" "b"), 3u);
}

TEST(HasLetterOrDigit, PunctuationAndSpacesAloneAreNot) {
  EXPECT_TRUE(HasLetterOrDigit("Joe"));
  EXPECT_TRUE(HasLetterOrDigit("习近平"));
  EXPECT_TRUE(HasLetterOrDigit("Ωμέγα"));
  EXPECT_TRUE(HasLetterOrDigit("50 Cent"));
  EXPECT_FALSE(HasLetterOrDigit(""));
  EXPECT_FALSE(HasLetterOrDigit(" -.'!?"));
  EXPECT_FALSE(HasLetterOrDigit("\u2014\u2026\u3000"));
  EXPECT_FALSE(HasLetterOrDigit("×÷"));
}

}  // namespace
}  // namespace facetag::text
