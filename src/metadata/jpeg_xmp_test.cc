#include "jpeg_xmp.h"

#include <gtest/gtest.h>

#include <string>

namespace facetag::metadata::detail {
namespace {

using Bytes = std::vector<unsigned char>;

void Append(Bytes& out, std::string_view text) { out.insert(out.end(), text.begin(), text.end()); }

void AppendSegment(Bytes& out, unsigned char marker, std::string_view payload) {
  const std::size_t length = payload.size() + 2;
  out.insert(out.end(), {0xFF, marker, static_cast<unsigned char>(length >> 8),
                         static_cast<unsigned char>(length & 0xFF)});
  Append(out, payload);
}

const std::string kXmpHeader("http://ns.adobe.com/xap/1.0/\0", 29);
const std::string kScan =
    std::string("\xFF\xDA\x00\x04\x01\x02", 6) + "scan\xFF\x00 data" + std::string("\xFF\xD9", 2);

// SOI, JFIF, EXIF, [XMP], ICC, scan.
Bytes MakeJpeg(const std::string* xmp_packet) {
  Bytes b{0xFF, 0xD8};
  AppendSegment(b, 0xE0, std::string("JFIF\0\1\2", 7));
  AppendSegment(b, 0xE1, std::string("Exif\0\0MM", 8));
  if (xmp_packet) AppendSegment(b, 0xE1, kXmpHeader + *xmp_packet);
  AppendSegment(b, 0xE2, "ICC_PROFILE");
  Append(b, kScan);
  return b;
}

TEST(MetadataJpegXmp, InsertsAfterJfifAndExif) {
  const Bytes original = MakeJpeg(nullptr);
  const std::string packet = "<x:xmpmeta/>";
  auto out = ReplaceJpegXmp(original, packet);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, MakeJpeg(&packet));
}

TEST(MetadataJpegXmp, ReplacesExistingPacketOnly) {
  const std::string old_packet = "<old/>", new_packet = "<a much longer new packet/>";
  auto out = ReplaceJpegXmp(MakeJpeg(&old_packet), new_packet);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, MakeJpeg(&new_packet));
}

TEST(MetadataJpegXmp, EmptyPacketRemovesTheSegment) {
  const std::string old_packet = "<old/>";
  auto out = ReplaceJpegXmp(MakeJpeg(&old_packet), "");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, MakeJpeg(nullptr));
}

TEST(MetadataJpegXmp, ScanDataIsTheTailFromSos) {
  const Bytes jpeg = MakeJpeg(nullptr);
  auto scan = JpegScanData(jpeg);
  ASSERT_TRUE(scan);
  EXPECT_EQ(std::string(scan->begin(), scan->end()), kScan);
}

TEST(MetadataJpegXmp, PacketTooLargeForOneSegment) {
  auto out = ReplaceJpegXmp(MakeJpeg(nullptr), std::string(kMaxJpegXmpPacket + 1, ' '));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kUnsupportedFormat);
  EXPECT_TRUE(ReplaceJpegXmp(MakeJpeg(nullptr), std::string(kMaxJpegXmpPacket, ' ')));
}

TEST(MetadataJpegXmp, CutOffHeaderIsCorrupt) {
  Bytes jpeg = MakeJpeg(nullptr);
  jpeg.resize(20);  // inside the EXIF segment
  auto out = ReplaceJpegXmp(jpeg, "<x/>");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kCorruptImage);
}

TEST(MetadataJpegXmp, NotAJpeg) {
  const std::string text = "just some text, not an image";
  auto out = ReplaceJpegXmp(Bytes(text.begin(), text.end()), "<x/>");
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kUnsupportedFormat);
}

}  // namespace
}  // namespace facetag::metadata::detail
