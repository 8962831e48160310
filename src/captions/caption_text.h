// Caption text as a sequence of words: folding for comparison and the gaps
// between words. Private to the captions module; UTF-8 decoding and the
// Latin folding it shares with the store are in facetag/text.h.
//
// Names and captions go through the same tokenizer, so a listed name and its
// occurrence in a caption are compared token by token, with the same folding.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace facetag::captions::detail {

enum class LetterCase { kUpper, kLower, kNone };

// Case of a letter of the Latin, Greek or Cyrillic script; kNone for
// digits, symbols and letters of scripts without case.
LetterCase CaseOf(char32_t cp);

// Appends the comparison form of one code point to `key`: text::AppendFolded
// (ASCII, Latin-1, Latin Extended-A and Romanian comma-below letters
// lowercased without their diacritics: "Ü" -> "u", "ß" -> "ss", "Ł" -> "l";
// combining marks dropped), and in addition, for words in captions: basic
// Greek and Cyrillic capitals lowercased, typographic apostrophes and "`" as
// "'", soft hyphens and invisible joiners dropped. Everything else is copied
// as it is. Precondition: `cp` is a Unicode scalar value.
void AppendFolded(char32_t cp, std::string& key);

// The comparison form of a whole string (no whitespace handling): every code
// point through AppendFolded, invalid UTF-8 bytes copied through.
std::string FoldText(std::string_view text);

// How two neighbouring tokens are joined in the text.
enum class Gap {
  kNone,    // adjacent (CJK characters, which have no spaces between words)
  kSpace,   // whitespace only
  kHyphen,  // one hyphen, no spaces ("Lin-Manuel", "Rutte-led")
  kDot,     // a full stop, then optional whitespace ("Mr. Rutte", "J.K.")
  kOther,   // anything else: comma, bracket, quote, dash, colon, line of
            // punctuation; also the start of the text
};

// A run of letters and digits (with apostrophes between letters, as in
// "O'Brien" and "Rutte's"), or one CJK character. Offsets are bytes of the
// tokenized text and always fall on code point boundaries.
struct Token {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string key;                         // folded
  Gap gap = Gap::kOther;                   // between the previous token and this one
  LetterCase initial = LetterCase::kNone;  // case of the first letter (after
                                           // an elided or O' prefix, if any)
  bool single_letter = false;              // one letter: an initial
  bool all_caps = false;                   // two or more letters, no lowercase
  // The token without a possessive "'s" ("Rutte's" -> "rutte"), if it has one.
  std::optional<std::string> stem_key;
  std::size_t stem_end = 0;
  // The token without a French or Italian elided article or preposition
  // ("d'Emmanuel" -> "emmanuel"), if it has one.
  std::optional<std::string> elided_key;
  std::size_t elided_begin = 0;
  std::optional<std::string> elided_stem_key;
};

// Splits `text` into tokens. Invalid UTF-8 bytes separate tokens.
std::vector<Token> Tokenize(std::string_view text);

}  // namespace facetag::captions::detail
