// Renditions: the reduced JPEG decoding gives what a full decode gives.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "facetag/vision.h"
#include "vision/test_images.h"

namespace facetag::vision {
namespace {

// A photo-like test card: gradients, circles and text, `width` x `height`.
cv::Mat Card(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<unsigned char>(x * 255 / width),
                                            static_cast<unsigned char>(y * 255 / height), 128);
    }
  }
  for (int i = 0; i < 12; ++i) {
    cv::circle(image, {width * (i + 1) / 14, height / 2}, height / 10, cv::Scalar(20 * i, 0, 255),
               -1);
  }
  cv::putText(image, "facetag", {width / 10, height / 4}, cv::FONT_HERSHEY_SIMPLEX,
              height / 150.0, cv::Scalar(255, 255, 255), std::max(1, height / 120));
  return image;
}

cv::Mat Decode(const std::vector<unsigned char>& jpeg) {
  return cv::imdecode(jpeg, cv::IMREAD_COLOR);
}

// Mean absolute difference per channel value.
double MeanDifference(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  const cv::Scalar mean = cv::mean(diff);
  return (mean[0] + mean[1] + mean[2]) / 3;
}

// The rendition of `card` made from a JPEG (decoded reduced) and from a PNG
// (decoded whole: the reference), as pixels.
std::pair<cv::Mat, cv::Mat> ReducedAndReference(const cv::Mat& card,
                                                const RenditionOptions& options) {
  auto reduced = RenderJpeg(Encode(card, ".jpg"), options);
  auto reference = RenderJpeg(Encode(card, ".png"), options);
  EXPECT_TRUE(reduced) << reduced.error().message;
  EXPECT_TRUE(reference) << reference.error().message;
  if (!reduced || !reference) return {};
  return {Decode(*reduced), Decode(*reference)};
}

TEST(RenderJpeg, ReducedDecodingMatchesAFullDecode) {
  RenditionOptions options;
  options.max_side = 400;  // a reduction by 8 is possible
  const auto [a, b] = ReducedAndReference(Card(4000, 3000), options);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.cols, 400);
  EXPECT_EQ(a.rows, 300);
  EXPECT_LT(MeanDifference(a, b), 4.0);
}

TEST(RenderJpeg, ReducedFaceCropMatchesAFullDecode) {
  RenditionOptions options;
  options.max_side = 160;
  options.crop = FaceBox{1200, 1000, 800, 900};  // 1,380 px with margins: reduced by 8
  const auto [a, b] = ReducedAndReference(Card(4000, 3000), options);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::max(a.cols, a.rows), 160);
  EXPECT_LT(MeanDifference(a, b), 6.0);
}

TEST(RenderJpeg, ReducedDecodingKeepsTheOrientationAndThePixelLimit) {
  const cv::Mat card = Card(1600, 800);
  const auto rotated = JpegWithOrientation(card, 6);  // displayed 800 x 1600
  RenditionOptions options;
  options.max_side = 200;
  auto rendition = RenderJpeg(rotated, options);
  ASSERT_TRUE(rendition) << rendition.error().message;
  const cv::Mat shown = Decode(*rendition);
  EXPECT_EQ(shown.cols, 100);
  EXPECT_EQ(shown.rows, 200);
  options.decode.max_pixels = 1000;
  auto refused = RenderJpeg(rotated, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kImageTooLarge);
}

}  // namespace
}  // namespace facetag::vision
