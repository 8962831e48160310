#include "vision/face_quality.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "vision/aligner.h"
#include "vision/landmarker.h"

namespace facetag::vision {
namespace {

// The mean of the 68 landmarks in the chip over frontal faces (|yaw| < 0.5)
// of LFW View 1, as this pack's landmark network places them.
constexpr std::array<PointF, 68> kMeanShape = {{
    {14.0f, 52.9f}, {14.5f, 63.9f}, {15.8f, 74.9f}, {17.9f, 85.7f},
    {21.7f, 96.0f}, {28.0f, 105.1f}, {36.1f, 112.6f}, {45.4f, 118.6f},
    {56.3f, 120.2f}, {67.1f, 118.4f}, {76.3f, 112.4f}, {84.2f, 104.8f},
    {90.3f, 95.7f}, {93.9f, 85.3f}, {95.7f, 74.4f}, {96.8f, 63.4f},
    {97.1f, 52.4f}, {22.3f, 45.6f}, {27.4f, 40.7f}, {34.8f, 39.1f},
    {42.4f, 40.2f}, {49.7f, 43.0f}, {62.0f, 43.0f}, {69.1f, 40.1f},
    {76.7f, 39.0f}, {84.1f, 40.4f}, {89.0f, 45.3f}, {55.9f, 51.1f},
    {56.0f, 58.1f}, {56.1f, 65.1f}, {56.1f, 72.3f}, {47.6f, 77.4f},
    {51.7f, 78.8f}, {56.2f, 80.0f}, {60.6f, 78.8f}, {64.8f, 77.3f},
    {30.9f, 52.7f}, {35.4f, 50.3f}, {40.6f, 50.3f}, {45.3f, 53.3f},
    {40.4f, 54.2f}, {35.2f, 54.2f}, {66.5f, 53.2f}, {71.1f, 50.2f},
    {76.4f, 50.1f}, {80.7f, 52.4f}, {76.6f, 54.0f}, {71.4f, 54.1f},
    {40.3f, 91.4f}, {46.1f, 88.5f}, {51.9f, 87.0f}, {56.2f, 88.1f},
    {60.4f, 87.0f}, {66.2f, 88.4f}, {71.9f, 91.2f}, {66.5f, 96.8f},
    {60.8f, 99.3f}, {56.3f, 99.8f}, {51.7f, 99.3f}, {45.9f, 96.9f},
    {42.8f, 91.6f}, {51.9f, 90.6f}, {56.2f, 91.0f}, {60.5f, 90.6f},
    {69.4f, 91.5f}, {60.6f, 93.8f}, {56.2f, 94.4f}, {51.8f, 93.8f},
}};

// A linear ramp: 0 at `unusable`, 1 at `usable` (either order), clamped.
// NaN gives 0.
float Ramp(float value, float unusable, float usable) {
  const float t = (value - unusable) / (usable - unusable);
  return t >= 0 ? std::min(t, 1.0f) : 0.0f;
}

}  // namespace

const Landmarks68& MeanFaceShape() { return kMeanShape; }

Landmarks68 LandmarksInChip(const Landmarks68& points) {
  const cv::Mat m = EstimateSimilarity(FivePoints(points), kArcFaceTemplate);
  Landmarks68 out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const double x = points[i].x, y = points[i].y;
    out[i].x = static_cast<float>(m.at<double>(0, 0) * x + m.at<double>(0, 1) * y +
                                  m.at<double>(0, 2));
    out[i].y = static_cast<float>(m.at<double>(1, 0) * x + m.at<double>(1, 1) * y +
                                  m.at<double>(1, 2));
  }
  return out;
}

void MeasureGeometry(const Landmarks68& points, QualitySignals& signals) {
  const Landmarks5 five = FivePoints(points);
  signals.eye_distance = std::hypot(five[1].x - five[0].x, five[1].y - five[0].y);
  const Landmarks68 chip = LandmarksInChip(points);
  double sum = 0;
  for (std::size_t i = 0; i < chip.size(); ++i) {
    const double dx = chip[i].x - kMeanShape[i].x, dy = chip[i].y - kMeanShape[i].y;
    sum += dx * dx + dy * dy;
  }
  signals.landmark_misfit = static_cast<float>(std::sqrt(sum / chip.size()));
  // iBUG 300-W numbering: 0 and 16 the jaw's ends at ear height, 30 the nose
  // tip.
  const float left = chip[30].x - chip[0].x;
  const float right = chip[16].x - chip[30].x;
  const float span = std::abs(left) + std::abs(right);
  signals.yaw = span > 0 && std::isfinite(span) ? std::clamp((left - right) / span, -1.0f, 1.0f)
                                                : 1.0f;
  const Landmarks5 c = FivePoints(chip);
  const float eyes_y = (c[0].y + c[1].y) / 2, mouth_y = (c[3].y + c[4].y) / 2;
  const float height = mouth_y - eyes_y;
  signals.pitch = height > 0 ? (c[2].y - eyes_y) / height - 0.5f : -1.0f;
}

float MeasureSharpness(const cv::Mat& chip) {
  // Eyes to mouth: the chip's border holds background or black fill.
  const cv::Rect centre(28, 36, 56, 64);
  cv::Mat grey, laplacian;
  cv::cvtColor(chip(centre & cv::Rect(0, 0, chip.cols, chip.rows)), grey, cv::COLOR_BGR2GRAY);
  cv::Laplacian(grey, laplacian, CV_32F);
  cv::Scalar mean, deviation;
  cv::meanStdDev(laplacian, mean, deviation);
  return static_cast<float>(deviation[0] * deviation[0]);
}

float InsideFraction(const FaceBox& box, int width, int height) {
  if (!(box.width > 0 && box.height > 0)) return 0;
  const float w = std::min(box.x + box.width, static_cast<float>(width)) - std::max(box.x, 0.0f);
  const float h = std::min(box.y + box.height, static_cast<float>(height)) - std::max(box.y, 0.0f);
  return w > 0 && h > 0 ? std::clamp(w * h / box.Area(), 0.0f, 1.0f) : 0.0f;
}

FaceQuality JudgeQuality(const QualitySignals& s, const QualityRamps& ramps) {
  // Ramps measured on the evaluation photos with the default pack
  // (docs/architecture.md, Face quality). The pack's floors are 0.5 for
  // naming and 0.75 for enrolment; the values in the comments are where a
  // factor crosses them.
  struct Factor {
    float value;
    QualityIssue issue;
  };
  const Factor specific[] = {
      // Eyes 8 px apart (naming) / 10 px (enrolment): a box of ~20-25 px.
      {Ramp(s.eye_distance, 4, 12), QualityIssue::kTooSmall},
      // Laplacian variance 12.5 / 16: LFW faces blurred with a Gaussian of
      // sigma 3 have a median of 15, sharp ones 183 (smallest 21 over all
      // faces measured).
      {Ramp(s.sharpness, 5, 20), QualityIssue::kBlurred},
      // |yaw| 0.925 / 0.89: gentle, a three-quarter view is still named
      // (group photos have faces turned to 0.9).
      {Ramp(std::abs(s.yaw), 1.0f, 0.85f), QualityIssue::kProfileView},
      // Inside 65 % / 72 %: tight 150x150 crops have 77 %.
      {Ramp(s.inside_fraction, 0.5f, 0.8f), QualityIssue::kCutOff},
  };
  // The non-face evidence. The raw embedding norm separates faces from the
  // detector's false detections best (default pack: faces' 1st percentile
  // 2.44, median 3.59; hands, jackets, backgrounds: at most 2.35, median
  // 1.75; ramp 2.0 -> 2.8, floors at 2.4 / 2.6); it also drops with blur and
  // size, hence the attribution below.
  const Factor not_a_face[] = {
      {Ramp(s.embedding_norm, ramps.embedding_norm_unusable, ramps.embedding_norm_usable),
       QualityIssue::kNotAFace},
      // Confidence 0.7 / 0.8 (the analyzer keeps detections from 0.8).
      {Ramp(s.detection_score, 0.5f, 0.9f), QualityIssue::kNotAFace},
  };
  FaceQuality quality;
  const Factor* weakest_specific = nullptr;
  for (const Factor& f : specific) {
    if (!weakest_specific || f.value < weakest_specific->value) weakest_specific = &f;
  }
  const Factor* weakest_face = nullptr;
  for (const Factor& f : not_a_face) {
    if (!weakest_face || f.value < weakest_face->value) weakest_face = &f;
  }
  quality.score = std::min(weakest_specific->value, weakest_face->value);
  if (quality.score >= 1) return quality;
  // A low norm with a specific weakness (small, blurred, turned, cut off)
  // is most likely that weakness; without one, it is not a face.
  quality.issue = weakest_specific->value < 1 ? weakest_specific->issue : weakest_face->issue;
  return quality;
}

}  // namespace facetag::vision
