#include "vision/aligner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

namespace facetag::vision {
namespace {

TEST(EstimateSimilarity, RecoversAKnownTransform) {
  // Rotate 20 degrees, scale 1.7, shift (12, -5).
  const double angle = 20 * M_PI / 180, scale = 1.7;
  std::array<PointF, 5> from = kArcFaceTemplate, to{};
  for (std::size_t i = 0; i < 5; ++i) {
    const double x = from[i].x, y = from[i].y;
    to[i] = {static_cast<float>(scale * (std::cos(angle) * x - std::sin(angle) * y) + 12),
             static_cast<float>(scale * (std::sin(angle) * x + std::cos(angle) * y) - 5)};
  }
  const cv::Mat m = EstimateSimilarity(from, to);
  EXPECT_NEAR(m.at<double>(0, 0), scale * std::cos(angle), 1e-4);
  EXPECT_NEAR(m.at<double>(1, 0), scale * std::sin(angle), 1e-4);
  EXPECT_NEAR(m.at<double>(0, 2), 12, 1e-3);
  EXPECT_NEAR(m.at<double>(1, 2), -5, 1e-3);
}

TEST(EstimateSimilarity, NeverReflects) {
  // Mirrored points: the best similarity without reflection keeps det > 0.
  std::array<PointF, 5> mirrored = kArcFaceTemplate;
  for (auto& p : mirrored) p.x = 112 - p.x;
  const cv::Mat m = EstimateSimilarity(mirrored, kArcFaceTemplate);
  const double det =
      m.at<double>(0, 0) * m.at<double>(1, 1) - m.at<double>(0, 1) * m.at<double>(1, 0);
  EXPECT_GE(det, 0);
}

TEST(AlignFace, LargeFacesReduceToTheSameChipAsSmallOnes) {
  // A synthetic "face": a gradient image; the chip cut from a 6x larger
  // copy (area-reduced path) must match the chip from the original.
  cv::Mat small(200, 200, CV_8UC3);
  for (int y = 0; y < small.rows; ++y) {
    for (int x = 0; x < small.cols; ++x) {
      small.at<cv::Vec3b>(y, x) = cv::Vec3b(x, y, (x + y) / 2);
    }
  }
  cv::Mat large;
  cv::resize(small, large, cv::Size(), 6, 6, cv::INTER_LINEAR);
  Landmarks5 points;
  for (std::size_t i = 0; i < 5; ++i) {
    points[i] = {kArcFaceTemplate[i].x + 40, kArcFaceTemplate[i].y + 40};
  }
  Landmarks5 scaled = points;
  for (auto& p : scaled) {
    p.x = p.x * 6 + 2.5f;  // pixel centres under INTER_LINEAR upscaling
    p.y = p.y * 6 + 2.5f;
  }
  const cv::Mat a = AlignFace(small, points);
  const cv::Mat b = AlignFace(large, scaled);
  EXPECT_LT(cv::norm(a, b, cv::NORM_L1) / a.total() / 3, 3.0);
}

}  // namespace
}  // namespace facetag::vision
