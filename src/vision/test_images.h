// Small images made in memory for vision tests (header-only, tests only).
#pragma once

#include <cstring>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

namespace facetag::vision {

inline std::vector<unsigned char> Encode(const cv::Mat& image, const std::string& ext) {
  std::vector<unsigned char> bytes;
  cv::imencode(ext, image, bytes);
  return bytes;
}

// A JPEG whose APP1/EXIF block says `orientation` (a minimal little-endian
// TIFF with one IFD entry), inserted right after SOI.
inline std::vector<unsigned char> JpegWithOrientation(const cv::Mat& image, int orientation) {
  auto jpeg = Encode(image, ".jpg");
  const unsigned char tiff[] = {'I',
                                'I',
                                42,
                                0,
                                8,
                                0,
                                0,
                                0,  // header, IFD at 8
                                1,
                                0,  // one entry
                                0x12,
                                0x01,
                                3,
                                0,
                                1,
                                0,
                                0,
                                0,  // Orientation, SHORT, 1
                                static_cast<unsigned char>(orientation),
                                0,
                                0,
                                0,
                                0,
                                0,
                                0,
                                0};  // no next IFD
  std::vector<unsigned char> app1 = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
  app1.insert(app1.end(), std::begin(tiff), std::end(tiff));
  const std::size_t length = app1.size() - 2;
  app1[2] = static_cast<unsigned char>(length >> 8);
  app1[3] = static_cast<unsigned char>(length & 0xFF);
  jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
  return jpeg;
}

// A syntactically valid PNG start whose IHDR declares width x height, with
// one small IDAT: a decoder that trusted the header would allocate it all.
inline std::vector<unsigned char> PngDeclaring(std::uint32_t width, std::uint32_t height) {
  auto png = Encode(cv::Mat(8, 8, CV_8UC3, cv::Scalar::all(1)), ".png");
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    png[at] = static_cast<unsigned char>(v >> 24);
    png[at + 1] = static_cast<unsigned char>(v >> 16);
    png[at + 2] = static_cast<unsigned char>(v >> 8);
    png[at + 3] = static_cast<unsigned char>(v);
  };
  put32(16, width);
  put32(20, height);
  return png;  // IHDR CRC now wrong, as a crafted file's might be
}

}  // namespace facetag::vision
