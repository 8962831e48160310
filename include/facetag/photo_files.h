// Where photos live: the seam between the use cases and the file system.
//
// The use cases read a photo's bytes and its text (caption, headline,
// keywords, date) and write person tags into it only through PhotoFiles, so
// their rules are tested with an in-memory fake and run for real on disk.
// A location is what the archive records (a path as given to ingest).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/metadata.h"
#include "facetag/result.h"

namespace facetag {

// Thread safety: implementations may be called from several threads at once
// (ingest workers); the disk implementation holds no state.
class PhotoFiles {
 public:
  virtual ~PhotoFiles() = default;

  // The photo's bytes, at most `max_bytes`. Errors: kNotFound, kIo,
  // kInvalidArgument (not a regular file, larger than `max_bytes`).
  virtual Result<std::vector<unsigned char>> Read(std::string_view location,
                                                  std::uint64_t max_bytes) = 0;

  // The photo's caption fields and the names it carries
  // (metadata::ReadPhotoText). Errors: those of ReadPhotoText.
  virtual Result<metadata::PhotoText> ReadText(std::string_view location,
                                               const metadata::ReadOptions& options) = 0;

  // Writes `tags` into the photo or its sidecar (metadata::WritePersonTags).
  virtual Result<metadata::WriteReport> WriteTags(std::string_view location,
                                                  const metadata::TagSet& tags,
                                                  const metadata::WriteOptions& options) = 0;

  // Photo files on the local disk; a location is a path.
  static std::unique_ptr<PhotoFiles> Disk();
};

}  // namespace facetag
