// Content hashes: SHA-256 of bytes and files, as lowercase hex.
//
// Used to identify photos (the same bytes are the same photo wherever they
// are stored) and to check model files against their manifest.
// Thread safety: free functions, safe to call from any thread.
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "facetag/result.h"

namespace facetag {

// SHA-256 of `bytes` as 64 lowercase hex digits.
std::string Sha256Hex(std::span<const unsigned char> bytes);

// SHA-256 of a file's content, read in chunks. kNotFound / kIo on failure.
Result<std::string> Sha256OfFile(const std::filesystem::path& path);

// The identity of a photo, the one definition used everywhere (archive,
// profiles, discovery, exports): SHA-256 of its JPEG image data (the scan,
// from the first start-of-scan marker on) for a JPEG, else of the whole
// file. Editing a JPEG's metadata, as facetag's tag writing does, keeps its
// identity.
std::string PhotoIdentity(std::span<const unsigned char> bytes);

}  // namespace facetag
