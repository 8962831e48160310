#include "facetag/file_io.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace facetag {

Result<std::vector<unsigned char>> ReadFileBytes(const std::filesystem::path& path,
                                                 std::uintmax_t max_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    return Fail(ErrorCode::kNotFound, "file not found: " + path.string());
  }
  if (!fs::is_regular_file(status)) {
    return Fail(ErrorCode::kInvalidArgument, "not a regular file: " + path.string());
  }
  const auto size = fs::file_size(path, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot stat " + path.string() + ": " + ec.message());
  if (size > max_bytes) {
    return Fail(ErrorCode::kInvalidArgument, path.string() + " is " + std::to_string(size) +
                                                 " bytes, above the limit of " +
                                                 std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(ErrorCode::kIo, "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  std::vector<unsigned char> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) {
    return Fail(ErrorCode::kIo, "short read of " + path.string());
  }
  return bytes;
}

}  // namespace facetag
