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

TEST(ProbeImage, HugeDeclaredPngIsReadWithoutDecoding) {
  const auto bytes = PngDeclaring(50000, 50000);
  auto info = ProbeImage(bytes);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->stored_width, 50000);
  EXPECT_EQ(info->stored_height, 50000);
}

}  // namespace
}  // namespace facetag::vision
