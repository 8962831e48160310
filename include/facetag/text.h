// UTF-8 text: decoding, validation, and folding for comparison.
//
// Names are compared as people read them, not byte by byte: "Müller",
// "MÜLLER" and "Muller" are one name. The store keys persons by a folded
// name and the captions module finds names in captions by the same folding,
// so that both agree on what "the same name" is; both build on this header.
//
// Thread safety: all functions are pure (no state, no I/O, no locale) and
// safe to call from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace facetag::text {

// Decodes the code point that starts at byte `i` of `text` and advances `i`
// past it. A malformed sequence (bad lead or continuation byte, truncated,
// overlong, a surrogate, above U+10FFFF) yields nullopt and advances `i` by
// exactly one byte, so a loop `for (i = 0; i < text.size();)` always ends.
// Precondition: i < text.size().
std::optional<char32_t> DecodeUtf8(std::string_view text, std::size_t& i);

// Appends the UTF-8 encoding of `cp` (1 to 4 bytes) to `out`.
// Precondition: `cp` is a Unicode scalar value (at most U+10FFFF, not a
// surrogate), e.g. a value returned by DecodeUtf8.
void AppendUtf8(char32_t cp, std::string& out);

// True when all of `text` is well-formed UTF-8 as DecodeUtf8 reads it (no
// overlongs, surrogates or code points above U+10FFFF). "" is valid.
bool IsValidUtf8(std::string_view text);

// The number of code points in `text`; a malformed byte counts as one.
std::size_t CountCharacters(std::string_view text);

// True when `text` has a letter or digit: an ASCII one, or any code point
// from U+00C0 on other than punctuation, symbols and spaces of the General
// Punctuation, Supplemental Punctuation and CJK Symbols blocks and × ÷.
bool HasLetterOrDigit(std::string_view text);

// True for the ASCII whitespace characters: space, \t, \n, \v, \f, \r.
bool IsAsciiWhitespace(char32_t cp);

// `text` without leading and trailing ASCII whitespace (a view into `text`;
// other whitespace such as U+00A0 is kept).
std::string_view TrimAsciiWhitespace(std::string_view text);

// Appends the comparison form of one code point to `out`:
//   - ASCII capitals are lowercased; other ASCII is copied;
//   - letters of Latin-1 (U+00C0-U+00FF), Latin Extended-A (U+0100-U+017F)
//     and the Romanian comma-below letters (U+0218-U+021B) are lowercased
//     without their diacritics ("Ü" -> "u", "Ș" -> "s"); letters without a
//     Unicode decomposition follow the usual transliteration ("ß" -> "ss",
//     "Æ" -> "ae", "Ø" -> "o", "Þ" -> "th", "Ł" -> "l", "Œ" -> "oe"), so a
//     name typed on an English keyboard meets its original spelling;
//   - combining diacritical marks (U+0300-U+036F, as in decomposed input)
//     are dropped, so "u" + U+0308 folds like "ü";
//   - everything else (× and ÷, other scripts, Latin letters beyond these
//     blocks such as "Ə", whitespace, punctuation) is copied unchanged.
// Precondition: `cp` is a Unicode scalar value.
void AppendFolded(char32_t cp, std::string& out);

// The comparison form of `text`: every code point folded by AppendFolded
// ("Lech Wałęsa" -> "lech walesa"). Whitespace is copied as it is, not
// trimmed or collapsed. Bytes that are not well-formed UTF-8 are copied
// through unchanged, one by one, so any input is accepted.
std::string Fold(std::string_view text);

}  // namespace facetag::text
