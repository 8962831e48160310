// Reading whole files with a size limit.
//
// Thread safety: free functions, safe to call from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "facetag/result.h"

namespace facetag {

// Reads `path` into memory. Fails with kNotFound if it does not exist,
// kInvalidArgument if it is not a regular file or is larger than
// `max_bytes`, kIo on a read error. The limit is checked before reading.
Result<std::vector<unsigned char>> ReadFileBytes(const std::filesystem::path& path,
                                                 std::uintmax_t max_bytes);

}  // namespace facetag
