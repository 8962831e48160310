#include "facetag/photo_files.h"

#include "facetag/file_io.h"

namespace facetag {
namespace {

class DiskPhotoFiles final : public PhotoFiles {
 public:
  Result<std::vector<unsigned char>> Read(std::string_view location,
                                          std::uint64_t max_bytes) override {
    return ReadFileBytes(std::string(location), max_bytes);
  }
  Result<metadata::PhotoText> ReadText(std::string_view location,
                                       const metadata::ReadOptions& options) override {
    return metadata::ReadPhotoText(std::string(location), options);
  }
  Result<metadata::WriteReport> WriteTags(std::string_view location, const metadata::TagSet& tags,
                                          const metadata::WriteOptions& options) override {
    return metadata::WritePersonTags(std::string(location), tags, options);
  }
};

}  // namespace

std::unique_ptr<PhotoFiles> PhotoFiles::Disk() { return std::make_unique<DiskPhotoFiles>(); }

}  // namespace facetag
