#include "facetag/text.h"

namespace facetag::text {
namespace {

// ASCII folds of U+00C0-U+00FF (nullptr: not a letter, kept as it is).
// Letters without a Unicode decomposition follow the usual transliteration
// (Æ -> ae, Ø -> o, Þ -> th, ß -> ss) so that a name typed on an English
// keyboard meets its original spelling.
// clang-format off
constexpr const char* kLatin1Folds[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",      // U+00C0
    "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",  // U+00D0
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",      // U+00E0
    "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "y",  // U+00F0
};

// ASCII folds of Latin Extended-A, U+0100-U+017F (Central European,
// Baltic, Turkish, Maltese letters; all are letters).
constexpr const char* kLatinExtendedAFolds[128] = {
    "a", "a", "a",  "a",  "a", "a", "c", "c", "c", "c", "c",  "c",  "c", "c", "d", "d",  // U+0100
    "d", "d", "e",  "e",  "e", "e", "e", "e", "e", "e", "e",  "e",  "g", "g", "g", "g",  // U+0110
    "g", "g", "g",  "g",  "h", "h", "h", "h", "i", "i", "i",  "i",  "i", "i", "i", "i",  // U+0120
    "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l",  "l",  "l", "l", "l", "l",  // U+0130
    "l", "l", "l",  "n",  "n", "n", "n", "n", "n", "n", "ng", "ng", "o", "o", "o", "o",  // U+0140
    "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s",  "s",  "s", "s", "s", "s",  // U+0150
    "s", "s", "t",  "t",  "t", "t", "t", "t", "u", "u", "u",  "u",  "u", "u", "u", "u",  // U+0160
    "u", "u", "u",  "u",  "w", "w", "y", "y", "y", "z", "z",  "z",  "z", "z", "z", "s",  // U+0170
};
// clang-format on

}  // namespace

std::optional<char32_t> DecodeUtf8(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  std::size_t length = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    ++i;
    return std::nullopt;
  }
  if (i + length > text.size()) {
    ++i;
    return std::nullopt;
  }
  for (std::size_t k = 1; k < length; ++k) {
    const unsigned char next = byte(i + k);
    if ((next & 0xC0) != 0x80) {
      ++i;
      return std::nullopt;
    }
    cp = (cp << 6) | (next & 0x3F);
  }
  // The minimum per length rejects overlong forms (RFC 3629, section 3).
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return std::nullopt;
  }
  i += length;
  return cp;
}

void AppendUtf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::size_t CountCharacters(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++count) DecodeUtf8(text, i);
  return count;
}

bool HasLetterOrDigit(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto cp = DecodeUtf8(text, i);
    if (!cp) continue;
    const char32_t c = *cp;
    if ((c >= U'0' && c <= U'9') || (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z')) {
      return true;
    }
    if (c < 0xC0 || c == 0xD7 || c == 0xF7) continue;
    if ((c >= 0x2000 && c <= 0x206F) || (c >= 0x2E00 && c <= 0x2E7F) ||
        (c >= 0x3000 && c <= 0x303F)) {
      continue;
    }
    return true;
  }
  return false;
}

bool IsValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (!DecodeUtf8(text, i)) return false;
  }
  return true;
}

bool IsAsciiWhitespace(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v';
}

std::string_view TrimAsciiWhitespace(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && IsAsciiWhitespace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && IsAsciiWhitespace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(begin, end - begin);
}

void AppendFolded(char32_t cp, std::string& out) {
  if (cp >= 'A' && cp <= 'Z') {
    out.push_back(static_cast<char>(cp - 'A' + 'a'));
    return;
  }
  if (cp >= 0x300 && cp <= 0x36F) return;  // combining diacritical marks
  const char* fold = nullptr;
  if (cp >= 0xC0 && cp <= 0xFF) fold = kLatin1Folds[cp - 0xC0];
  if (cp >= 0x100 && cp <= 0x17F) fold = kLatinExtendedAFolds[cp - 0x100];
  if (cp == 0x218 || cp == 0x219) fold = "s";  // Romanian S with comma below
  if (cp == 0x21A || cp == 0x21B) fold = "t";  // Romanian T with comma below
  if (fold != nullptr) {
    out.append(fold);
  } else {
    AppendUtf8(cp, out);
  }
}

std::string Fold(std::string_view text) {
  std::string folded;
  folded.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    const auto cp = DecodeUtf8(text, i);
    if (cp) {
      AppendFolded(*cp, folded);
    } else {
      folded.append(text.substr(start, i - start));
    }
  }
  return folded;
}

}  // namespace facetag::text
