// Fuzz target: photo bytes as an upload or a file brings them. The image
// probe and decoder (format sniffing, size and orientation, a small pixel
// cap so that a unit stays fast), the JPEG XMP segment splice and scan data,
// and the metadata reader (IPTC/XMP/EXIF text, caption sources, facetag's
// own tags) on the same bytes written to a file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>

#include "facetag/metadata.h"
#include "facetag/vision.h"
#include "metadata/jpeg_xmp.h"
#include "vision/decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path file = [] {
    const char* tmp = std::getenv("TMPDIR");
    return std::filesystem::path(tmp ? tmp : "/tmp") /
           ("facetag_image_fuzz_" + std::to_string(::getpid()) + ".jpg");
  }();
  const std::span<const unsigned char> bytes(data, size);
  (void)facetag::vision::ProbeImage(bytes);
  facetag::vision::DecodeOptions options;
  options.max_pixels = 1u << 20;
  (void)facetag::vision::DecodeImage(bytes, options);
  (void)facetag::metadata::detail::JpegScanData(bytes);
  (void)facetag::metadata::detail::ReplaceJpegXmp(bytes, "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>");
  (void)facetag::metadata::detail::ReplaceJpegXmp(bytes, "");

  if (std::FILE* out = std::fopen(file.c_str(), "wb")) {
    if (size > 0) std::fwrite(data, 1, size, out);
    std::fclose(out);
    auto text = facetag::metadata::ReadPhotoText(file);
    auto info = facetag::vision::ProbeImage(bytes);
    if (text && info && info->stored_width > 0 && info->stored_height > 0) {
      // Tagging refuses a damaged photo with an honest code, never with
      // "internal" (which says facetag itself is wrong).
      const bool turned = text->exif_orientation >= 5;
      facetag::metadata::TagSet tags;
      tags.width = turned ? info->stored_height : info->stored_width;
      tags.height = turned ? info->stored_width : info->stored_height;
      tags.exif_orientation = text->exif_orientation;
      tags.mentioned.push_back({"Joe Biden", "urn:uuid:8c5f2c1e-4b7a-4f7e-9d2a-1b2c3d4e5f60"});
      auto written = facetag::metadata::WritePersonTags(file, tags);
      if (!written && written.error().code == facetag::ErrorCode::kInternal) {
        std::fprintf(stderr, "tag: internal: %s\n", written.error().message.c_str());
        __builtin_trap();
      }
    }
  }
  return 0;
}
