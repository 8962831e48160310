#include "captions/caption_text.h"

#include <array>
#include <string_view>

#include "facetag/text.h"

namespace facetag::captions::detail {
namespace {

enum class CharClass {
  kWord,        // letter, digit, or a mark that continues a letter
  kIgnorable,   // soft hyphen, zero-width (non-)joiner: invisible inside words
  kSolo,        // CJK ideograph or kana: a word on its own
  kApostrophe,  // ' ’ ʼ ‘ : inside a word only between letters
  kHyphen,
  kDot,
  kSpace,
  kOther,  // punctuation and symbols
};

bool IsSpace(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
         cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

CharClass Classify(char32_t cp) {
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) {
      return CharClass::kWord;
    }
    if (cp == '\'' || cp == '`') return CharClass::kApostrophe;
    if (cp == '-') return CharClass::kHyphen;
    if (cp == '.') return CharClass::kDot;
    if (IsSpace(cp)) return CharClass::kSpace;
    return CharClass::kOther;
  }
  if (IsSpace(cp)) return CharClass::kSpace;
  if (cp == 0x2019 || cp == 0x2018 || cp == 0x02BC) return CharClass::kApostrophe;
  if (cp == 0x2010 || cp == 0x2011) return CharClass::kHyphen;
  if (cp == 0xAD || cp == 0x200C || cp == 0x200D || cp == 0x2060) return CharClass::kIgnorable;
  // Latin-1 punctuation and symbols, except the letters ª µ º.
  if (cp < 0xC0)
    return (cp == 0xAA || cp == 0xB5 || cp == 0xBA) ? CharClass::kWord : CharClass::kOther;
  if (cp == 0xD7 || cp == 0xF7) return CharClass::kOther;
  // General punctuation, currency, letterlike and number forms, arrows,
  // mathematical and technical symbols, box drawing, dingbats, ...
  if (cp >= 0x2000 && cp <= 0x2BFF) return CharClass::kOther;
  if (cp >= 0x2E00 && cp <= 0x2E7F) return CharClass::kOther;  // supplemental punctuation
  if (cp >= 0x3000 && cp <= 0x303F) return CharClass::kOther;  // CJK punctuation
  if (cp >= 0x3040 && cp <= 0x30FF && cp != 0x30FB) return CharClass::kSolo;  // kana
  if (cp == 0x30FB) return CharClass::kOther;                                 // katakana middle dot
  if ((cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
      (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F)) {
    return CharClass::kSolo;
  }
  if ((cp >= 0xFE10 && cp <= 0xFE1F) || (cp >= 0xFE30 && cp <= 0xFE4F)) return CharClass::kOther;
  if ((cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
      (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65)) {
    return CharClass::kOther;  // fullwidth punctuation
  }
  if (cp >= 0xFFF0 && cp <= 0xFFFF) return CharClass::kOther;
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return CharClass::kOther;  // emoji and pictographs
  return CharClass::kWord;
}

// Articles and prepositions that French and Italian elide before a vowel
// ("d'Emmanuel Macron", "dell'Italia"): the name starts after the apostrophe.
bool IsElisionPrefix(std::string_view folded) {
  static constexpr std::array<std::string_view, 14> kPrefixes = {
      "l", "d", "j", "m", "n", "s", "t", "c", "qu", "dell", "all", "dall", "nell", "sull"};
  for (std::string_view p : kPrefixes) {
    if (folded == p) return true;
  }
  return false;
}

Gap ClassifyGap(std::string_view gap) {
  if (gap.empty()) return Gap::kNone;
  int spaces = 0;
  int hyphens = 0;
  int others = 0;
  bool leading_dot = false;
  bool first = true;
  for (std::size_t i = 0; i < gap.size();) {
    const auto cp = text::DecodeUtf8(gap, i);
    const CharClass cls = cp ? Classify(*cp) : CharClass::kOther;
    if (cls == CharClass::kIgnorable) continue;
    if (cls == CharClass::kSpace) {
      ++spaces;
    } else if (cls == CharClass::kHyphen) {
      ++hyphens;
    } else if (cls == CharClass::kDot && first) {
      leading_dot = true;
    } else {
      ++others;
    }
    first = false;
  }
  if (others > 0) return Gap::kOther;
  if (!leading_dot && hyphens == 0) return Gap::kSpace;
  // A spaced hyphen ("Obama - Biden") is a dash between two names.
  if (!leading_dot && hyphens == 1 && spaces == 0) return Gap::kHyphen;
  if (leading_dot && hyphens == 0) return Gap::kDot;
  return Gap::kOther;
}

// Builds the derived forms (possessive, elision, case of the first letter).
void FinishToken(std::string_view text, Token& token) {
  const std::string& key = token.key;
  // Case of the first letter; for "d'Estaing" and "O'Brien" the letter after
  // the apostrophe decides when the first one is lowercase.
  std::optional<char32_t> first;
  std::optional<char32_t> after_apostrophe;
  std::optional<std::size_t> first_apostrophe_end;
  std::size_t last_apostrophe_begin = 0;
  int letters = 0;
  int upper = 0;
  int lower = 0;
  for (std::size_t i = token.begin; i < token.end;) {
    const std::size_t start = i;
    const auto cp = text::DecodeUtf8(text, i);
    if (!cp) continue;
    const CharClass cls = Classify(*cp);
    if (cls == CharClass::kApostrophe) {
      if (!first_apostrophe_end) first_apostrophe_end = i;
      last_apostrophe_begin = start;
      continue;
    }
    if (cls != CharClass::kWord && cls != CharClass::kSolo) continue;
    if (*cp >= 0x300 && *cp <= 0x36F) continue;
    ++letters;
    const LetterCase letter_case = CaseOf(*cp);
    upper += letter_case == LetterCase::kUpper;
    lower += letter_case == LetterCase::kLower;
    if (!first) first = cp;
    if (first_apostrophe_end && !after_apostrophe) after_apostrophe = cp;
  }
  token.single_letter = letters == 1 && first && CaseOf(*first) != LetterCase::kNone;
  token.all_caps = letters >= 2 && upper > 0 && lower == 0;
  token.initial = first ? CaseOf(*first) : LetterCase::kNone;
  if (token.initial == LetterCase::kLower && after_apostrophe &&
      CaseOf(*after_apostrophe) == LetterCase::kUpper) {
    token.initial = LetterCase::kUpper;
  }

  if (key.size() > 2 && key.compare(key.size() - 2, 2, "'s") == 0) {
    token.stem_key = key.substr(0, key.size() - 2);
    token.stem_end = last_apostrophe_begin;
  }

  const std::size_t apostrophe = key.find('\'');
  if (apostrophe != std::string::npos && apostrophe + 1 < key.size() &&
      IsElisionPrefix(std::string_view(key).substr(0, apostrophe))) {
    // Only a lowercase prefix is an elision; "D'Alema" is a name.
    const auto c = static_cast<unsigned char>(text[token.begin]);
    if (c >= 'a' && c <= 'z') {
      token.elided_begin = *first_apostrophe_end;
      token.elided_key = key.substr(apostrophe + 1);
      if (token.stem_key && token.stem_key->size() > apostrophe + 1) {
        token.elided_stem_key = token.stem_key->substr(apostrophe + 1);
      }
    }
  }
}

}  // namespace

LetterCase CaseOf(char32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return LetterCase::kUpper;
  if (cp >= 'a' && cp <= 'z') return LetterCase::kLower;
  if (cp >= 0xC0 && cp <= 0xDE) return cp == 0xD7 ? LetterCase::kNone : LetterCase::kUpper;
  if (cp >= 0xDF && cp <= 0xFF) return cp == 0xF7 ? LetterCase::kNone : LetterCase::kLower;
  if (cp >= 0x100 && cp <= 0x17F) {
    // Latin Extended-A pairs capitals and small letters, but the parity
    // shifts at U+0138 (kra) and U+0149 (apostrophe n), and U+0178 (Ÿ) is a
    // lone capital.
    if (cp == 0x138 || cp == 0x149 || cp == 0x17F) return LetterCase::kLower;
    if (cp == 0x178) return LetterCase::kUpper;
    const bool even = cp % 2 == 0;
    if (cp <= 0x137 || (cp >= 0x14A && cp <= 0x177))
      return even ? LetterCase::kUpper : LetterCase::kLower;
    return even ? LetterCase::kLower : LetterCase::kUpper;  // U+0139-0148, U+0179-017E
  }
  if (cp >= 0x218 && cp <= 0x21B) return cp % 2 == 0 ? LetterCase::kUpper : LetterCase::kLower;
  if (cp == 0x386 || (cp >= 0x388 && cp <= 0x38F) || (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2)) {
    return LetterCase::kUpper;
  }
  if ((cp >= 0x3AC && cp <= 0x3CE)) return LetterCase::kLower;
  if (cp >= 0x400 && cp <= 0x42F) return LetterCase::kUpper;
  if (cp >= 0x430 && cp <= 0x45F) return LetterCase::kLower;
  return LetterCase::kNone;
}

void AppendFolded(char32_t cp, std::string& key) {
  if (cp == 0xAD || cp == 0x200C || cp == 0x200D || cp == 0x2060) return;
  if (cp == '`' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC) {
    key.push_back('\'');
    return;
  }
  // Greek and Cyrillic capitals: lowercase only, letters stay in their script
  // (the store keeps these scripts as typed; a caption may be in capitals).
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) {
    text::AppendUtf8(cp + 0x20, key);
  } else if (cp >= 0x400 && cp <= 0x40F) {
    text::AppendUtf8(cp + 0x50, key);
  } else if (cp >= 0x410 && cp <= 0x42F) {
    text::AppendUtf8(cp + 0x20, key);
  } else {
    text::AppendFolded(cp, key);  // ASCII, Latin letters, combining marks
  }
}

std::string FoldText(std::string_view text) {
  std::string key;
  key.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const auto cp = text::DecodeUtf8(text, i);
    if (cp) {
      AppendFolded(*cp, key);
    } else {
      key.append(text.substr(start, i - start));
    }
  }
  return key;
}

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::optional<Token> current;
  std::size_t previous_end = 0;  // end of the last finished token
  bool any = false;

  const auto start_token = [&](std::size_t begin) {
    current.emplace();
    current->begin = begin;
    current->gap = any ? ClassifyGap(text.substr(previous_end, begin - previous_end)) : Gap::kOther;
  };
  const auto finish_token = [&](std::size_t end) {
    if (!current) return;
    current->end = end;
    FinishToken(text, *current);
    previous_end = end;
    any = true;
    tokens.push_back(std::move(*current));
    current.reset();
  };

  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const auto cp = text::DecodeUtf8(text, i);
    const CharClass cls = cp ? Classify(*cp) : CharClass::kOther;
    switch (cls) {
      case CharClass::kWord:
        if (!current) start_token(start);
        AppendFolded(*cp, current->key);
        break;
      case CharClass::kIgnorable:
        break;  // invisible: neither joins nor splits
      case CharClass::kSolo:
        finish_token(start);
        start_token(start);
        AppendFolded(*cp, current->key);
        finish_token(i);
        break;
      case CharClass::kApostrophe: {
        // Inside a word only when a letter follows: "O'Brien", "Rutte's";
        // "Jones' car" and quotes around a name are not part of it.
        bool letter_follows = false;
        if (current && i < text.size()) {
          std::size_t peek = i;
          const auto next = text::DecodeUtf8(text, peek);
          letter_follows =
              next && Classify(*next) == CharClass::kWord && CaseOf(*next) != LetterCase::kNone;
        }
        if (letter_follows) {
          current->key.push_back('\'');
        } else {
          finish_token(start);
        }
        break;
      }
      default:
        finish_token(start);
        break;
    }
  }
  finish_token(text.size());
  return tokens;
}

}  // namespace facetag::captions::detail
