#include "text_encoding.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "facetag/text.h"

namespace facetag::metadata::detail {
namespace {

// Windows-1252 code points of bytes 0x80-0x9F; 0 where the code page has none.
constexpr std::uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

bool IsSpaceOrNul(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '\0';
}

}  // namespace

std::string Latin1ToUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 && c <= 0x9F) {
      const std::uint16_t cp = kCp1252High[c - 0x80];
      text::AppendUtf8(cp != 0 ? cp : 0xFFFD, out);
    } else {
      text::AppendUtf8(c, out);
    }
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpaceOrNul(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpaceOrNul(text.back())) text.remove_suffix(1);
  return text;
}

DeclaredCharset ParseIptcCharset(std::string_view escape_sequence) {
  if (escape_sequence == "\x1B%G") return DeclaredCharset::kUtf8;
  if (escape_sequence == "\x1B.A" || escape_sequence == "\x1B-A") return DeclaredCharset::kLatin1;
  return DeclaredCharset::kUnknown;
}

std::string DecodeLegacyText(std::string_view bytes, DeclaredCharset charset) {
  // Cut at the first NUL: EXIF ASCII values are NUL-terminated and some
  // writers pad them with garbage after the terminator.
  if (const auto nul = bytes.find('\0'); nul != std::string_view::npos) {
    bytes = bytes.substr(0, nul);
  }
  bytes = Trim(bytes);
  if (charset != DeclaredCharset::kLatin1 && text::IsValidUtf8(bytes)) return std::string(bytes);
  return Latin1ToUtf8(bytes);
}

std::string FormatDecimal(double value, int decimals) {
  if (!std::isfinite(value)) return "0";
  char buffer[64];
  const auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  if (ec != std::errc()) return "0";
  std::string text(buffer, end);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

std::optional<double> ParseDecimal(std::string_view text) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

bool IsWritableText(std::string_view text) {
  if (Trim(text).empty() || !text::IsValidUtf8(text)) return false;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

}  // namespace facetag::metadata::detail
