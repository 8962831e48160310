#include "facetag/hash.h"

#include <sodium.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace facetag {
namespace {

std::string ToHex(const unsigned char* digest, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[digest[i] >> 4];
    hex[2 * i + 1] = kDigits[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace

std::string Sha256Hex(std::span<const unsigned char> bytes) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), bytes.data(), bytes.size());
  return ToHex(digest.data(), digest.size());
}

Result<std::string> Sha256OfFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      return Fail(ErrorCode::kNotFound, "file not found: " + path.string());
    }
    return Fail(ErrorCode::kIo, "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::array<char, 1 << 16> buffer{};
  while (in) {
    in.read(buffer.data(), buffer.size());
    const auto got = in.gcount();
    if (got > 0) {
      crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                                static_cast<unsigned long long>(got));
    }
  }
  if (in.bad()) return Fail(ErrorCode::kIo, "read error in " + path.string());
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256_final(&state, digest.data());
  return ToHex(digest.data(), digest.size());
}

std::string PhotoIdentity(std::span<const unsigned char> b) {
  if (b.size() > 4 && b[0] == 0xFF && b[1] == 0xD8) {
    // Walk the marker segments to the start of scan; everything before it
    // is metadata (APPn), tables or the frame header.
    std::size_t pos = 2;
    while (pos + 4 <= b.size() && b[pos] == 0xFF) {
      const unsigned marker = b[pos + 1];
      if (marker == 0xDA) return Sha256Hex(b.subspan(pos));
      if (marker == 0xFF) {
        ++pos;
        continue;
      }
      pos += 2 + ((std::size_t{b[pos + 2]} << 8) | b[pos + 3]);
    }
  }
  return Sha256Hex(b);
}

}  // namespace facetag
