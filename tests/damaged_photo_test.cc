// Damaged photos are refused with an honest code. A refusal coded
// `internal` says facetag itself is wrong; for a photo whose own structure
// is broken the code is `corrupt_image`, and the photo stays as it was.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "facetag/metadata.h"
#include "test_data.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;

std::vector<char> ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(DamagedPhoto, TagWriteIntoATiffWhoseIfdChainPointsIntoItsHeaderIsRefusedAsCorrupt) {
  // A 16x12 RGB TIFF with XMP whose first IFD's next-IFD offset was set to
  // 4 (into the file header): exiv2 reads it, but rewritten it reports
  // another pixel size. The reproducer is also a seed of the image fuzz
  // target, which fails on any `internal` refusal of a tag write.
  const fs::path dir = testing::TempDir("damaged_photo");
  const fs::path photo = dir / "photo.tif";
  fs::copy_file(testing::SourceDir() / "fuzz/corpus/image_fuzz/tiff_ifd_into_header.tif", photo);
  const auto original = ReadAll(photo);

  metadata::TagSet tags;
  tags.width = 16;
  tags.height = 12;
  tags.mentioned = {{"Joe Biden", "urn:uuid:8c5f2c1e-4b7a-4f7e-9d2a-1b2c3d4e5f60"}};
  auto written = metadata::WritePersonTags(photo, tags);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kCorruptImage) << written.error().message;
  EXPECT_NE(written.error().message.find("damaged"), std::string::npos)
      << written.error().message;
  EXPECT_TRUE(ReadAll(photo) == original) << "the photo changed";
}

}  // namespace
}  // namespace facetag
