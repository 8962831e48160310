#include "text_encoding.h"

#include <gtest/gtest.h>

namespace facetag::metadata::detail {
namespace {

TEST(MetadataText, Utf8IsKeptLatin1IsConverted) {
  EXPECT_EQ(DecodeLegacyText("Angela Merkel und Müller", DeclaredCharset::kUtf8),
            "Angela Merkel und Müller");
  EXPECT_EQ(DecodeLegacyText("M\xFCller", DeclaredCharset::kUnknown), "Müller");
  // Declared UTF-8 but written in Latin-1: read as Latin-1 rather than lost.
  EXPECT_EQ(DecodeLegacyText("Fran\xE7ois Hollande", DeclaredCharset::kUtf8), "François Hollande");
  // Declared Latin-1: converted even where the bytes would pass as UTF-8.
  EXPECT_EQ(DecodeLegacyText("\xC3\xA9", DeclaredCharset::kLatin1), "Ã©");
}

TEST(MetadataText, Windows1252PunctuationInLatin1Range) {
  EXPECT_EQ(Latin1ToUtf8("\x93quoted\x94 \x96 \x80"), "“quoted” – €");
  EXPECT_EQ(Latin1ToUtf8("\x81"), "\xEF\xBF\xBD");  // unassigned -> U+FFFD
}

TEST(MetadataText, NulTerminatedAndPaddedExifText) {
  EXPECT_EQ(DecodeLegacyText(std::string_view("Caption  \0garbage", 17), DeclaredCharset::kUnknown),
            "Caption");
  EXPECT_EQ(DecodeLegacyText("   ", DeclaredCharset::kUnknown), "");
}

TEST(MetadataText, IptcCharsetEscapes) {
  EXPECT_EQ(ParseIptcCharset("\x1B%G"), DeclaredCharset::kUtf8);
  EXPECT_EQ(ParseIptcCharset("\x1B.A"), DeclaredCharset::kLatin1);
  EXPECT_EQ(ParseIptcCharset(""), DeclaredCharset::kUnknown);
}

TEST(MetadataText, DecimalsAreLocaleFreeAndShort) {
  EXPECT_EQ(FormatDecimal(0.25, 6), "0.25");
  EXPECT_EQ(FormatDecimal(1.0, 6), "1");
  EXPECT_EQ(FormatDecimal(0.1234567, 6), "0.123457");
  EXPECT_EQ(FormatDecimal(-0.0000001, 6), "0");
  EXPECT_EQ(FormatDecimal(0.81234, 4), "0.8123");
  EXPECT_EQ(ParseDecimal("0.25"), 0.25);
  EXPECT_EQ(ParseDecimal("+1"), 1.0);
  EXPECT_EQ(ParseDecimal(" 3e-1 "), 0.3);
  EXPECT_FALSE(ParseDecimal("0,25"));
  EXPECT_FALSE(ParseDecimal("nan"));
  EXPECT_FALSE(ParseDecimal(""));
}

TEST(MetadataText, WritableNames) {
  EXPECT_TRUE(IsWritableText("Barack Obama"));
  EXPECT_TRUE(IsWritableText("Lech Wałęsa"));
  EXPECT_FALSE(IsWritableText("  "));
  EXPECT_FALSE(IsWritableText("Line\nbreak"));
  EXPECT_FALSE(IsWritableText("M\xFCller"));
}

}  // namespace
}  // namespace facetag::metadata::detail
