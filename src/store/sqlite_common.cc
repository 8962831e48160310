#include "sqlite_common.h"

#include <array>
#include <bit>
#include <ctime>

#include "facetag/text.h"
#include "sqlite_statement.h"

namespace facetag::store {

std::string UtcNowIso8601() { return FormatUtc(std::chrono::system_clock::now()); }

std::string FormatUtc(std::chrono::system_clock::time_point time) {
  const std::time_t now = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 32> text{};
  const std::size_t size = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text.data(), size);
}

std::string AsciiLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

bool IsHexSha256(std::string_view text) {
  if (text.size() != 64) return false;
  for (const char c : text) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

std::vector<unsigned char> EncodeFloats(std::span<const float> values) {
  std::vector<unsigned char> bytes(values.size() * 4);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto bits = std::bit_cast<std::uint32_t>(values[i]);
    for (std::size_t k = 0; k < 4; ++k) {
      bytes[4 * i + k] = static_cast<unsigned char>(bits >> (8 * k));
    }
  }
  return bytes;
}

std::vector<float> DecodeFloats(std::span<const unsigned char> bytes) {
  std::vector<float> values(bytes.size() / 4);
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint32_t bits = 0;
    for (std::size_t k = 0; k < 4; ++k) bits |= std::uint32_t{bytes[4 * i + k]} << (8 * k);
    values[i] = std::bit_cast<float>(bits);
  }
  return values;
}

Result<void> CheckUtf8(std::string_view text, const std::string& what) {
  if (text::IsValidUtf8(text)) return {};
  return Fail(ErrorCode::kInvalidArgument, what + " is not valid UTF-8");
}

std::filesystem::path FolderOf(const std::filesystem::path& path) {
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return (ec ? path : absolute).parent_path();
}

Result<void> CheckLabel(std::string_view text, const std::string& what) {
  if (text::TrimAsciiWhitespace(text).empty()) {
    return Fail(ErrorCode::kInvalidArgument, what + " is empty");
  }
  FACETAG_RETURN_IF_ERROR(CheckUtf8(text, what));
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      return Fail(ErrorCode::kInvalidArgument,
                  what + " \"" + std::string(text) + "\" contains a control character");
    }
  }
  return {};
}

Result<std::int64_t> ReadInt(sqlite3* db, std::string_view sql) {
  FACETAG_ASSIGN_OR_RETURN(auto statement, Statement::Prepare(db, sql));
  FACETAG_ASSIGN_OR_RETURN(auto row, statement.Step());
  if (!row) return Fail(ErrorCode::kDatabase, "\"" + std::string(sql) + "\" returned no row");
  return statement.ColumnInt64(0);
}

}  // namespace facetag::store
