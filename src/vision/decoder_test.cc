#include "vision/decoder.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "vision/test_images.h"

namespace facetag::vision {
namespace {

// A 40x20 image, dark except for a bright top-left corner marker.
cv::Mat Marked() {
  cv::Mat image(20, 40, CV_8UC3, cv::Scalar::all(0));
  image(cv::Rect(0, 0, 6, 6)).setTo(cv::Scalar::all(255));
  return image;
}

// Where the stored top-left corner appears once the orientation is applied
// (EXIF 2.32, tag 0x0112): 1 top-left, 2 top-right, 3 bottom-right,
// 4 bottom-left, 5 top-left, 6 top-right, 7 bottom-right, 8 bottom-left.
cv::Point ExpectedCorner(int orientation, cv::Size displayed) {
  const int r = displayed.width - 3, b = displayed.height - 3;
  switch (orientation) {
    case 2:
    case 6:
      return {r, 2};
    case 3:
    case 7:
      return {r, b};
    case 4:
    case 8:
      return {2, b};
    default:
      return {2, 2};
  }
}

TEST(DecodeImage, AppliesAllEightExifOrientations) {
  for (int orientation = 1; orientation <= 8; ++orientation) {
    auto decoded = DecodeImage(JpegWithOrientation(Marked(), orientation), {});
    ASSERT_TRUE(decoded) << decoded.error().message;
    const cv::Size size = decoded->bgr.size();
    EXPECT_EQ(size, orientation >= 5 ? cv::Size(20, 40) : cv::Size(40, 20)) << orientation;
    const cv::Point corner = ExpectedCorner(orientation, size);
    EXPECT_GT(decoded->bgr.at<cv::Vec3b>(corner)[0], 200) << "orientation " << orientation;
    EXPECT_EQ(decoded->info.exif_orientation, orientation);
  }
}

TEST(DecodeImage, EnforcesThePixelLimitBeforeDecoding) {
  DecodeOptions options;
  options.max_pixels = 100;
  auto decoded = DecodeImage(Encode(Marked(), ".png"), options);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, ErrorCode::kImageTooLarge);
  EXPECT_NE(decoded.error().message.find("40x20"), std::string::npos);
}

// A valid photo the process has no memory for is too large for it, not
// corrupt, and a detector that runs out of memory is not a broken model.
TEST(OpenCvError, OutOfMemoryIsImageTooLargeWhateverTheStage) {
  const cv::Exception no_memory(cv::Error::StsNoMem, "Failed to allocate 450000000 bytes",
                                "OutOfMemoryError", "alloc.cpp", 73);
  for (const ErrorCode stage : {ErrorCode::kCorruptImage, ErrorCode::kModel}) {
    const Error error = OpenCvError(no_memory, stage, "cannot decode PNG");
    EXPECT_EQ(error.code, ErrorCode::kImageTooLarge);
    EXPECT_NE(error.message.find("not enough memory"), std::string::npos) << error.message;
  }
  const cv::Exception bad_data(cv::Error::StsError, "bad Huffman code", "decode", "x.cpp", 1);
  EXPECT_EQ(OpenCvError(bad_data, ErrorCode::kCorruptImage, "cannot decode JPEG").code,
            ErrorCode::kCorruptImage);
  EXPECT_EQ(OpenCvError(bad_data, ErrorCode::kModel, "face detector failed").code,
            ErrorCode::kModel);
}

TEST(DecodeImage, GreyAndSixteenBitBecomeEightBitColour) {
  cv::Mat grey(16, 16, CV_8UC1, cv::Scalar(77));
  auto g = DecodeImage(Encode(grey, ".png"), {});
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->bgr.type(), CV_8UC3);
  cv::Mat deep(16, 16, CV_16UC3, cv::Scalar::all(40000));
  auto d = DecodeImage(Encode(deep, ".tif"), {});
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->bgr.type(), CV_8UC3);
  EXPECT_NEAR(d->bgr.at<cv::Vec3b>(3, 3)[0], 40000 / 257, 2);
}

}  // namespace
}  // namespace facetag::vision
