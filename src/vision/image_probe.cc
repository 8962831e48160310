// Reads format, dimensions and EXIF orientation from an image header without
// decoding pixels, so that the pixel limit is enforced before any allocation
// proportional to the declared size. Every read is bounds-checked: the input
// may be hostile.
#include <cstdint>
#include <cstring>
#include <string>

#include "facetag/enum_text.h"
#include "facetag/vision.h"

namespace facetag::vision {
namespace {

using Bytes = std::span<const unsigned char>;

bool StartsWith(Bytes b, std::size_t offset, const char* magic, std::size_t n) {
  return b.size() >= offset + n && std::memcmp(b.data() + offset, magic, n) == 0;
}

std::uint32_t Be16(Bytes b, std::size_t o) { return (b[o] << 8) | b[o + 1]; }
std::uint32_t Be32(Bytes b, std::size_t o) {
  return (std::uint32_t{b[o]} << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}
std::uint32_t Le16(Bytes b, std::size_t o) { return b[o] | (b[o + 1] << 8); }
std::uint32_t Le24(Bytes b, std::size_t o) { return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16); }
std::uint32_t Le32(Bytes b, std::size_t o) {
  return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (std::uint32_t{b[o + 3]} << 24);
}

Result<ImageInfo> Truncated(const char* what) {
  return Fail(ErrorCode::kCorruptImage, std::string("truncated or damaged ") + what + " header");
}

// A TIFF structure (a TIFF file or an EXIF block) read as far as facetag
// needs: IFD0's width, height and orientation, and whether more IFDs follow.
struct TiffFacts {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  int orientation = 1;
  bool has_next_ifd = false;
};

bool ReadTiff(Bytes tiff, TiffFacts& facts) {
  if (tiff.size() < 8) return false;
  bool little;
  if (StartsWith(tiff, 0, "II*\0", 4)) {
    little = true;
  } else if (StartsWith(tiff, 0, "MM\0*", 4)) {
    little = false;
  } else {
    return false;
  }
  auto u16 = [&](std::size_t o) { return little ? Le16(tiff, o) : Be16(tiff, o); };
  auto u32 = [&](std::size_t o) { return little ? Le32(tiff, o) : Be32(tiff, o); };
  const std::uint32_t ifd = u32(4);
  if (ifd < 8 || ifd > tiff.size() - 2) return false;
  const std::uint32_t count = u16(ifd);
  if (std::uint64_t{ifd} + 2 + std::uint64_t{count} * 12 + 4 > tiff.size()) return false;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t entry = ifd + 2 + i * 12;
    const std::uint32_t tag = u16(entry);
    const std::uint32_t type = u16(entry + 2);
    // SHORT values sit in the first two bytes of the value field, LONG in four.
    const std::uint32_t value = type == 3 ? u16(entry + 8) : u32(entry + 8);
    if (tag == 0x0100) facts.width = value;
    if (tag == 0x0101) facts.height = value;
    if (tag == 0x0112 && value >= 1 && value <= 8) facts.orientation = static_cast<int>(value);
  }
  facts.has_next_ifd = u32(ifd + 2 + count * 12) != 0;
  return true;
}

int ExifOrientation(Bytes exif) {
  TiffFacts facts;
  return ReadTiff(exif, facts) ? facts.orientation : 1;
}

bool IsJpegFrameMarker(unsigned marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

Result<ImageInfo> ProbeJpeg(Bytes b) {
  ImageInfo info;
  info.format = ImageFormat::kJpeg;
  std::size_t pos = 2;
  bool have_frame = false;
  while (pos + 4 <= b.size()) {
    if (b[pos] != 0xFF) return Truncated("JPEG");
    unsigned marker = b[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      pos += 2;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) break;  // end of image / start of scan
    const std::uint32_t length = Be16(b, pos + 2);
    if (length < 2 || pos + 2 + length > b.size()) return Truncated("JPEG");
    const Bytes segment = b.subspan(pos + 4, length - 2);
    if (marker == 0xE1 && StartsWith(segment, 0, "Exif\0\0", 6) && info.exif_orientation == 1) {
      info.exif_orientation = ExifOrientation(segment.subspan(6));
    }
    if (IsJpegFrameMarker(marker) && segment.size() >= 5) {
      info.stored_height = static_cast<int>(Be16(segment, 1));
      info.stored_width = static_cast<int>(Be16(segment, 3));
      have_frame = true;
      // SOF9-11 and 13-15 are arithmetic-coded: a block may take less than
      // a bit there. In Huffman coding each block's DC value takes a code
      // of at least one bit, in the only scan or the first DC scan.
      const bool arithmetic = marker >= 0xC9;
      const std::uint64_t blocks = ((std::uint64_t(info.stored_width) + 7) / 8) *
                                   ((std::uint64_t(info.stored_height) + 7) / 8);
      info.min_bytes = arithmetic ? 0 : (blocks + 7) / 8;
    }
    pos += 2 + length;
  }
  if (!have_frame) return Truncated("JPEG");
  // A JPEG cut short loses its end-of-image marker; libjpeg would silently
  // fill the missing rows with grey, so a damaged file is refused instead.
  std::size_t end = b.size();
  while (end > 2 && b[end - 1] == 0) --end;  // some writers pad with zeros
  if (end < 2 || b[end - 2] != 0xFF || b[end - 1] != 0xD9) {
    return Fail(ErrorCode::kCorruptImage, "truncated JPEG: the end-of-image marker is missing");
  }
  return info;
}

Result<ImageInfo> ProbePng(Bytes b) {
  ImageInfo info;
  info.format = ImageFormat::kPng;
  if (b.size() < 33 || !StartsWith(b, 12, "IHDR", 4)) return Truncated("PNG");
  info.stored_width = static_cast<int>(std::min<std::uint32_t>(Be32(b, 16), INT32_MAX));
  info.stored_height = static_cast<int>(std::min<std::uint32_t>(Be32(b, 20), INT32_MAX));
  // Walk the chunks before the image data for an EXIF orientation (eXIf).
  std::size_t pos = 8;
  while (pos + 12 <= b.size()) {
    const std::uint32_t length = Be32(b, pos);
    if (length > b.size() - pos - 12) break;
    if (StartsWith(b, pos + 4, "IDAT", 4)) break;
    if (StartsWith(b, pos + 4, "eXIf", 4)) {
      info.exif_orientation = ExifOrientation(b.subspan(pos + 8, length));
    }
    pos += 12 + length;
  }
  return info;
}

Result<ImageInfo> ProbeWebp(Bytes b) {
  ImageInfo info;
  info.format = ImageFormat::kWebp;
  if (b.size() < 30) return Truncated("WebP");
  if (StartsWith(b, 12, "VP8X", 4)) {
    info.animated = (b[20] & 0x02) != 0;
    info.stored_width = static_cast<int>(Le24(b, 24) + 1);
    info.stored_height = static_cast<int>(Le24(b, 27) + 1);
    std::size_t pos = 12;
    while (pos + 8 <= b.size()) {
      const std::uint32_t length = Le32(b, pos + 4);
      if (length > b.size() - pos - 8) break;
      if (StartsWith(b, pos, "EXIF", 4)) {
        Bytes exif = b.subspan(pos + 8, length);
        if (StartsWith(exif, 0, "Exif\0\0", 6)) exif = exif.subspan(6);
        info.exif_orientation = ExifOrientation(exif);
      }
      pos += 8 + length + (length & 1);
    }
  } else if (StartsWith(b, 12, "VP8 ", 4)) {
    if (b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a) return Truncated("WebP");
    info.stored_width = static_cast<int>(Le16(b, 26) & 0x3fff);
    info.stored_height = static_cast<int>(Le16(b, 28) & 0x3fff);
  } else if (StartsWith(b, 12, "VP8L", 4)) {
    if (b[20] != 0x2f) return Truncated("WebP");
    const std::uint32_t bits = Le32(b, 21);
    info.stored_width = static_cast<int>((bits & 0x3fff) + 1);
    info.stored_height = static_cast<int>(((bits >> 14) & 0x3fff) + 1);
  } else {
    return Truncated("WebP");
  }
  return info;
}

Result<ImageInfo> ProbeTiff(Bytes b) {
  ImageInfo info;
  info.format = ImageFormat::kTiff;
  TiffFacts facts;
  if (!ReadTiff(b, facts) || facts.width == 0 || facts.height == 0) return Truncated("TIFF");
  info.stored_width = static_cast<int>(std::min<std::uint32_t>(facts.width, INT32_MAX));
  info.stored_height = static_cast<int>(std::min<std::uint32_t>(facts.height, INT32_MAX));
  info.exif_orientation = facts.orientation;
  return info;
}

}  // namespace

const char* ImageFormatName(ImageFormat format) {
  static constexpr EnumText<ImageFormat> kText[] = {
      {ImageFormat::kUnknown, "unknown"}, {ImageFormat::kJpeg, "JPEG"}, {ImageFormat::kPng, "PNG"},
      {ImageFormat::kTiff, "TIFF"},       {ImageFormat::kWebp, "WebP"}, {ImageFormat::kBmp, "BMP"},
      {ImageFormat::kGif, "GIF"}};
  return ToText(kText, format);
}

Result<ImageInfo> ProbeImage(std::span<const unsigned char> b) {
  if (b.empty()) return Fail(ErrorCode::kUnsupportedFormat, "empty file");
  Result<ImageInfo> info = Fail(ErrorCode::kUnsupportedFormat, "");
  if (StartsWith(b, 0, "\xFF\xD8\xFF", 3)) {
    info = ProbeJpeg(b);
  } else if (StartsWith(b, 0, "\x89PNG\r\n\x1a\n", 8)) {
    info = ProbePng(b);
  } else if (StartsWith(b, 0, "RIFF", 4) && StartsWith(b, 8, "WEBP", 4)) {
    info = ProbeWebp(b);
  } else if (StartsWith(b, 0, "II*\0", 4) || StartsWith(b, 0, "MM\0*", 4)) {
    info = ProbeTiff(b);
  } else if (StartsWith(b, 0, "GIF87a", 6) || StartsWith(b, 0, "GIF89a", 6)) {
    if (b.size() < 10) return Truncated("GIF");
    ImageInfo gif;
    gif.format = ImageFormat::kGif;
    gif.stored_width = static_cast<int>(Le16(b, 6));
    gif.stored_height = static_cast<int>(Le16(b, 8));
    info = gif;
  } else if (StartsWith(b, 0, "BM", 2) && b.size() >= 26) {
    ImageInfo bmp;
    bmp.format = ImageFormat::kBmp;
    bmp.stored_width = static_cast<int>(Le32(b, 18));
    const auto h = static_cast<std::int32_t>(Le32(b, 22));  // negative = top-down rows
    bmp.stored_height = h == INT32_MIN ? INT32_MAX : (h < 0 ? -h : h);
    info = bmp;
  } else {
    return Fail(ErrorCode::kUnsupportedFormat,
                "not an image facetag can read (JPEG, PNG, TIFF, WebP or BMP expected)");
  }
  if (info && (info->stored_width <= 0 || info->stored_height <= 0)) {
    return Fail(ErrorCode::kCorruptImage,
                std::string(ImageFormatName(info->format)) + " header declares an empty image");
  }
  return info;
}

Result<void> CheckDeclaredSize(const ImageInfo& info, std::uint64_t size_bytes,
                               const DecodeOptions& options) {
  const std::string format = ImageFormatName(info.format);
  const std::string declared =
      std::to_string(info.stored_width) + "x" + std::to_string(info.stored_height) + " pixels";
  const std::uint64_t pixels =
      std::uint64_t(info.stored_width) * std::uint64_t(info.stored_height);
  if (pixels > options.max_pixels) {
    return Fail(ErrorCode::kImageTooLarge, format + " declares " + declared +
                                               ", above the limit of " +
                                               std::to_string(options.max_pixels));
  }
  if (size_bytes < info.min_bytes) {
    return Fail(ErrorCode::kCorruptImage,
                format + " declares " + declared + ", which take at least " +
                    std::to_string(info.min_bytes) + " bytes, but the file has " +
                    std::to_string(size_bytes) + ": its data is cut off or the header forged");
  }
  return {};
}

}  // namespace facetag::vision
