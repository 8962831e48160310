#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "facetag/vision.h"
#include "vision/test_images.h"

namespace facetag::vision {
namespace {

TEST(ProbeImage, ReadsDimensionsOfEveryFormat) {
  const cv::Mat image(30, 50, CV_8UC3, cv::Scalar(10, 20, 30));
  for (const auto& [ext, format] :
       std::vector<std::pair<std::string, ImageFormat>>{{".jpg", ImageFormat::kJpeg},
                                                        {".png", ImageFormat::kPng},
                                                        {".tif", ImageFormat::kTiff},
                                                        {".webp", ImageFormat::kWebp},
                                                        {".bmp", ImageFormat::kBmp}}) {
    const auto bytes = Encode(image, ext);
    auto info = ProbeImage(bytes);
    ASSERT_TRUE(info) << ext << ": " << info.error().message;
    EXPECT_EQ(info->format, format) << ext;
    EXPECT_EQ(info->stored_width, 50) << ext;
    EXPECT_EQ(info->stored_height, 30) << ext;
    EXPECT_EQ(info->exif_orientation, 1) << ext;
  }
}

TEST(ProbeImage, ReadsExifOrientationOfJpeg) {
  const cv::Mat image(30, 50, CV_8UC3, cv::Scalar::all(128));
  for (int orientation = 1; orientation <= 8; ++orientation) {
    auto info = ProbeImage(JpegWithOrientation(image, orientation));
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->exif_orientation, orientation);
  }
}

TEST(ProbeImage, RefusesWhatIsNoImage) {
  const std::string text = "hello, this is a caption file\n";
  auto info = ProbeImage({reinterpret_cast<const unsigned char*>(text.data()), text.size()});
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kUnsupportedFormat);
  EXPECT_EQ(ProbeImage({}).error().code, ErrorCode::kUnsupportedFormat);
}

TEST(ProbeImage, TruncatedJpegIsCorrupt) {
  auto bytes = Encode(cv::Mat(64, 64, CV_8UC3, cv::Scalar::all(90)), ".jpg");
  for (std::size_t keep : {std::size_t{3}, std::size_t{40}, bytes.size() / 2, bytes.size() - 2}) {
    std::vector<unsigned char> cut(bytes.begin(), bytes.begin() + static_cast<long>(keep));
    auto info = ProbeImage(cut);
    ASSERT_FALSE(info) << "kept " << keep << " bytes";
    EXPECT_EQ(info.error().code, ErrorCode::kCorruptImage);
  }
}

// A few hundred bytes whose header claims 12000x12000: libjpeg would fill
// 144 MP with grey (432 MB) and call it a photo.
TEST(ProbeImage, JpegHeaderClaimingMorePixelsThanItsBytesCanHoldIsCorrupt) {
  auto bytes = Encode(cv::Mat(16, 16, CV_8UC3, cv::Scalar::all(5)), ".jpg");
  ASSERT_TRUE(CheckDeclaredSize(*ProbeImage(bytes), bytes.size(), {}));
  for (std::size_t i = 2; i + 8 < bytes.size(); ++i) {
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {  // SOF0: height, then width
      bytes[i + 5] = bytes[i + 7] = 12000 >> 8;
      bytes[i + 6] = bytes[i + 8] = 12000 & 0xFF;
      break;
    }
  }
  auto info = ProbeImage(bytes);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->stored_width, 12000);
  EXPECT_EQ(info->min_bytes, 1500u * 1500u / 8);
  auto checked = CheckDeclaredSize(*info, bytes.size(), {});
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code, ErrorCode::kCorruptImage);
  EXPECT_NE(checked.error().message.find("12000x12000"), std::string::npos)
      << checked.error().message;
}

// The bound holds for the most compressible real JPEGs: one flat colour,
// baseline (4:2:0, as libjpeg writes by default), with optimised tables and
// progressive.
TEST(ProbeImage, FlatJpegsOfEveryKindPassTheSizeBound) {
  const cv::Mat flat(3000, 4000, CV_8UC3, cv::Scalar::all(128));
  for (const std::vector<int>& params :
       {std::vector<int>{cv::IMWRITE_JPEG_QUALITY, 10},
        std::vector<int>{cv::IMWRITE_JPEG_QUALITY, 10, cv::IMWRITE_JPEG_OPTIMIZE, 1},
        std::vector<int>{cv::IMWRITE_JPEG_QUALITY, 10, cv::IMWRITE_JPEG_PROGRESSIVE, 1,
                         cv::IMWRITE_JPEG_OPTIMIZE, 1}}) {
    std::vector<unsigned char> bytes;
    ASSERT_TRUE(cv::imencode(".jpg", flat, bytes, params));
    auto info = ProbeImage(bytes);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_GT(info->min_bytes, 0u);
    auto checked = CheckDeclaredSize(*info, bytes.size(), {});
    EXPECT_TRUE(checked) << checked.error().message;
  }
}

TEST(ProbeImage, HugeDeclaredPngIsReadWithoutDecoding) {
  const auto bytes = PngDeclaring(50000, 50000);
  auto info = ProbeImage(bytes);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->stored_width, 50000);
  EXPECT_EQ(info->stored_height, 50000);
}

}  // namespace
}  // namespace facetag::vision
