// Text as metadata stores it: legacy 8-bit encodings to UTF-8, and numbers
// written the same way on every machine.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace facetag::metadata::detail {

// Latin-1 bytes as UTF-8. Bytes 0x80-0x9F, control codes in Latin-1, are read
// as Windows-1252 (curly quotes, dashes, euro sign), which is what they are in
// practice; the five unassigned ones become U+FFFD.
std::string Latin1ToUtf8(std::string_view text);

// What an IPTC IIM record says about its text (1:90 CodedCharacterSet).
enum class DeclaredCharset { kUnknown, kUtf8, kLatin1 };

// The charset an IPTC 1:90 value declares: ESC % G is UTF-8, ESC . A and
// ESC - A are ISO 8859-1; anything else (or nothing) is unknown.
DeclaredCharset ParseIptcCharset(std::string_view escape_sequence);

// Text of IPTC IIM or EXIF as UTF-8. Declared Latin-1 is converted. Otherwise
// bytes that are valid UTF-8 are kept (also when UTF-8 is declared, and for
// EXIF, which says ASCII but often holds UTF-8), and bytes that are not are
// read as Latin-1: a mislabelled record stays legible. The text ends at the
// first NUL; surrounding whitespace is removed.
std::string DecodeLegacyText(std::string_view bytes, DeclaredCharset charset);

// `text` without leading and trailing ASCII whitespace and NULs.
std::string_view Trim(std::string_view text);

// A decimal number with at most `decimals` digits after the point, without
// trailing zeros and independent of the locale: 0.25 -> "0.25", 1 -> "1".
std::string FormatDecimal(double value, int decimals);

// Parses a decimal number as FormatDecimal writes it (and as other tools do:
// leading '+', exponent). nullopt for anything else, including trailing junk.
std::optional<double> ParseDecimal(std::string_view text);

// True for names facetag may write: non-empty after trimming, valid UTF-8,
// no control characters.
bool IsWritableText(std::string_view text);

}  // namespace facetag::metadata::detail
