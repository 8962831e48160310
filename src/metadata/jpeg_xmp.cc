#include "jpeg_xmp.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace facetag::metadata::detail {
namespace {

constexpr unsigned char kApp0 = 0xE0;
constexpr unsigned char kApp1 = 0xE1;
constexpr unsigned char kSos = 0xDA;
constexpr unsigned char kEoi = 0xD9;

// "http://ns.adobe.com/xap/1.0/" and its NUL terminator.
constexpr char kXmpSignature[] = "http://ns.adobe.com/xap/1.0/";
constexpr std::size_t kXmpSignatureSize = sizeof kXmpSignature;  // 29, with the NUL

struct Segment {
  std::size_t start = 0;  // offset of the 0xFF of the marker
  std::size_t end = 0;    // one past the segment's last byte
  unsigned char marker = 0;
  std::span<const unsigned char> payload;  // after the length field
};

bool HasPrefix(std::span<const unsigned char> bytes, const void* prefix, std::size_t size) {
  return bytes.size() >= size && std::memcmp(bytes.data(), prefix, size) == 0;
}

bool IsStandardXmp(const Segment& s) {
  return s.marker == kApp1 && HasPrefix(s.payload, kXmpSignature, kXmpSignatureSize);
}

bool IsJfifOrExif(const Segment& s) {
  if (s.marker == kApp0) return true;
  return s.marker == kApp1 && HasPrefix(s.payload, "Exif\0\0", 6);
}

// The segments between SOI and the first SOS (or EOI); `scan_start` receives
// the offset of that SOS/EOI marker.
Result<std::vector<Segment>> ParseHeaderSegments(std::span<const unsigned char> b,
                                                 std::size_t& scan_start) {
  if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) {
    return Fail(ErrorCode::kUnsupportedFormat, "not a JPEG (no SOI marker)");
  }
  std::vector<Segment> segments;
  std::size_t pos = 2;
  while (true) {
    if (pos + 2 > b.size()) {
      return Fail(ErrorCode::kCorruptImage, "JPEG cut off before its image data");
    }
    if (b[pos] != 0xFF) {
      return Fail(ErrorCode::kCorruptImage,
                  "JPEG marker expected at offset " + std::to_string(pos));
    }
    const unsigned char marker = b[pos + 1];
    if (marker == 0xFF) {  // fill byte before a marker
      ++pos;
      continue;
    }
    if (marker == kSos || marker == kEoi) {
      scan_start = pos;
      return segments;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // no length field
      pos += 2;
      continue;
    }
    if (pos + 4 > b.size()) {
      return Fail(ErrorCode::kCorruptImage, "JPEG cut off in a segment header");
    }
    const std::size_t length = (std::size_t(b[pos + 2]) << 8) | b[pos + 3];
    if (length < 2 || pos + 2 + length > b.size()) {
      return Fail(ErrorCode::kCorruptImage, "JPEG segment at offset " + std::to_string(pos) +
                                                " runs past the end of the file");
    }
    segments.push_back(Segment{pos, pos + 2 + length, marker, b.subspan(pos + 4, length - 2)});
    pos += 2 + length;
  }
}

void AppendXmpSegment(std::vector<unsigned char>& out, std::string_view packet) {
  const std::size_t length = 2 + kXmpSignatureSize + packet.size();
  out.push_back(0xFF);
  out.push_back(kApp1);
  out.push_back(static_cast<unsigned char>(length >> 8));
  out.push_back(static_cast<unsigned char>(length & 0xFF));
  out.insert(out.end(), kXmpSignature, kXmpSignature + kXmpSignatureSize);
  out.insert(out.end(), packet.begin(), packet.end());
}

}  // namespace

Result<std::vector<unsigned char>> ReplaceJpegXmp(std::span<const unsigned char> jpeg,
                                                  std::string_view packet) {
  if (packet.size() > kMaxJpegXmpPacket) {
    return Fail(ErrorCode::kUnsupportedFormat,
                "XMP packet of " + std::to_string(packet.size()) + " bytes exceeds the " +
                    std::to_string(kMaxJpegXmpPacket) + " bytes one JPEG segment holds");
  }
  std::size_t scan_start = 0;
  auto segments = ParseHeaderSegments(jpeg, scan_start);
  if (!segments) return tl::unexpected(segments.error());

  // Replace the first standard XMP segment in place, or insert after the
  // leading JFIF/EXIF segments, where XMP-aware writers put it.
  std::size_t cut_begin = 0, cut_end = 0;
  const auto xmp = std::find_if(segments->begin(), segments->end(), IsStandardXmp);
  if (xmp != segments->end()) {
    cut_begin = xmp->start;
    cut_end = xmp->end;
  } else {
    std::size_t insert_at = 2;  // after SOI
    for (const Segment& s : *segments) {
      if (s.start != insert_at || !IsJfifOrExif(s)) break;
      insert_at = s.end;
    }
    cut_begin = cut_end = insert_at;
  }

  std::vector<unsigned char> out;
  out.reserve(jpeg.size() + packet.size() + 64);
  out.insert(out.end(), jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(cut_begin));
  if (!packet.empty()) AppendXmpSegment(out, packet);
  out.insert(out.end(), jpeg.begin() + static_cast<std::ptrdiff_t>(cut_end), jpeg.end());
  return out;
}

Result<std::span<const unsigned char>> JpegScanData(std::span<const unsigned char> jpeg) {
  std::size_t scan_start = 0;
  auto segments = ParseHeaderSegments(jpeg, scan_start);
  if (!segments) return tl::unexpected(segments.error());
  return jpeg.subspan(scan_start);
}

}  // namespace facetag::metadata::detail
