#include "vision/aligner.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "vision/landmarker.h"

namespace facetag::vision {

cv::Mat EstimateSimilarity(const std::array<PointF, 5>& from, const std::array<PointF, 5>& to) {
  double fx = 0, fy = 0, tx = 0, ty = 0;
  for (std::size_t i = 0; i < from.size(); ++i) {
    fx += from[i].x;
    fy += from[i].y;
    tx += to[i].x;
    ty += to[i].y;
  }
  const double n = static_cast<double>(from.size());
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  // With centred points, the similarity [a -b; b a] minimising the squared
  // error has a = sum(x.u + y.v) / sum|x|^2 and b = sum(x.v - y.u) / sum|x|^2.
  double num_a = 0, num_b = 0, den = 0;
  for (std::size_t i = 0; i < from.size(); ++i) {
    const double x = from[i].x - fx, y = from[i].y - fy;
    const double u = to[i].x - tx, v = to[i].y - ty;
    num_a += x * u + y * v;
    num_b += x * v - y * u;
    den += x * x + y * y;
  }
  const double a = den > 0 ? num_a / den : 1.0;
  const double b = den > 0 ? num_b / den : 0.0;
  cv::Mat m = (cv::Mat_<double>(2, 3) << a, -b, tx - (a * fx - b * fy),  //
               b, a, ty - (b * fx + a * fy));
  return m;
}

cv::Mat AlignFace(const cv::Mat& bgr, const Landmarks5& points) {
  std::array<PointF, 5> from = points;
  cv::Mat m = EstimateSimilarity(from, kArcFaceTemplate);
  const double scale = std::hypot(m.at<double>(0, 0), m.at<double>(1, 0));
  cv::Mat chip;
  if (scale >= 0.5 || !std::isfinite(scale)) {
    cv::warpAffine(bgr, chip, m, cv::Size(kChipSize, kChipSize), cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT);
    return chip;
  }
  // Shrinking by more than 2x: bilinear sampling would skip pixels. Cut the
  // region the chip sees, reduce it by area averaging to about the chip's
  // scale, and warp that with the correspondingly adjusted transform.
  cv::Mat inverse;
  cv::invertAffineTransform(m, inverse);
  std::vector<cv::Point2f> corners = {
      {0, 0}, {kChipSize, 0}, {0, kChipSize}, {kChipSize, kChipSize}};
  std::vector<cv::Point2f> source;
  cv::transform(corners, source, inverse);
  const cv::Rect region = cv::boundingRect(source) + cv::Size(2, 2);
  const cv::Mat crop = CropWithBorder(bgr, region - cv::Point(1, 1));
  const double reduce = scale * 1.5;  // keep a little more than needed
  cv::Mat small;
  cv::resize(crop, small, cv::Size(), reduce, reduce, cv::INTER_AREA);
  const double sx = static_cast<double>(small.cols) / crop.cols;
  const double sy = static_cast<double>(small.rows) / crop.rows;
  // chip = M * p with p = (q / s) + origin, q in the reduced crop.
  const double ox = region.x - 1, oy = region.y - 1;
  cv::Mat adjusted = m.clone();
  adjusted.at<double>(0, 0) = m.at<double>(0, 0) / sx;
  adjusted.at<double>(0, 1) = m.at<double>(0, 1) / sy;
  adjusted.at<double>(1, 0) = m.at<double>(1, 0) / sx;
  adjusted.at<double>(1, 1) = m.at<double>(1, 1) / sy;
  adjusted.at<double>(0, 2) =
      m.at<double>(0, 0) * ox + m.at<double>(0, 1) * oy + m.at<double>(0, 2);
  adjusted.at<double>(1, 2) =
      m.at<double>(1, 0) * ox + m.at<double>(1, 1) * oy + m.at<double>(1, 2);
  cv::warpAffine(small, chip, adjusted, cv::Size(kChipSize, kChipSize), cv::INTER_LINEAR,
                 cv::BORDER_CONSTANT);
  return chip;
}

}  // namespace facetag::vision
