#include "vision/face_quality.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>

namespace facetag::vision {
namespace {

// A sharp, frontal, well-framed face of a good size, as the pipeline
// measures one.
QualitySignals GoodFace() {
  QualitySignals s;
  s.detection_score = 1;
  s.eye_distance = 45;
  s.landmark_misfit = 3;
  s.yaw = 0.1f;
  s.pitch = 0.02f;
  s.sharpness = 300;
  s.inside_fraction = 1;
  s.embedding_norm = 3.6f;
  return s;
}

constexpr float kNamingFloor = 0.5f;  // packs/default.json
constexpr float kEnrolFloor = 0.75f;

// `s` is judged below the naming floor, and for `issue`.
void ExpectNotNamed(const QualitySignals& s, QualityIssue issue) {
  const FaceQuality q = JudgeQuality(s);
  EXPECT_LT(q.score, kNamingFloor);
  EXPECT_EQ(q.issue, issue);
}

TEST(JudgeQuality, AGoodFaceIsFullyUsable) {
  const FaceQuality q = JudgeQuality(GoodFace());
  EXPECT_EQ(q.score, 1.0f);
  EXPECT_EQ(q.issue, QualityIssue::kNone);
}

TEST(JudgeQuality, AShortEmbeddingWithoutOtherWeaknessIsNotAFace) {
  // The jacket-and-hand detection: confident detector, ordinary size and
  // sharpness, but the embedder's raw output is short.
  QualitySignals s = GoodFace();
  s.detection_score = 0.99f;
  s.embedding_norm = 1.6f;
  ExpectNotNamed(s, QualityIssue::kNotAFace);
}

TEST(JudgeQuality, TheEmbeddingNormRampIsThePacks) {
  // Another embedder's norms live on another scale: a norm that is short
  // for the default pack may be a good face for another, and the reverse.
  QualitySignals s = GoodFace();
  s.embedding_norm = 2.2f;
  EXPECT_LT(JudgeQuality(s).score, kNamingFloor);
  EXPECT_EQ(JudgeQuality(s, {1.0f, 2.0f}).score, 1.0f);
  s.embedding_norm = 6.0f;
  const FaceQuality q = JudgeQuality(s, {5.5f, 7.5f});
  EXPECT_LT(q.score, kNamingFloor);
  EXPECT_EQ(q.issue, QualityIssue::kNotAFace);
}

TEST(JudgeQuality, AnUncertainDetectionIsNotAFace) {
  QualitySignals s = GoodFace();
  s.detection_score = 0.55f;
  ExpectNotNamed(s, QualityIssue::kNotAFace);
}

TEST(JudgeQuality, EachSpecificWeaknessIsNamed) {
  QualitySignals small = GoodFace();
  small.eye_distance = 6;
  ExpectNotNamed(small, QualityIssue::kTooSmall);

  QualitySignals blurred = GoodFace();
  blurred.sharpness = 8;
  ExpectNotNamed(blurred, QualityIssue::kBlurred);

  QualitySignals profile = GoodFace();
  profile.yaw = -0.97f;
  ExpectNotNamed(profile, QualityIssue::kProfileView);

  QualitySignals cut = GoodFace();
  cut.inside_fraction = 0.55f;
  ExpectNotNamed(cut, QualityIssue::kCutOff);
}

TEST(JudgeQuality, AShortEmbeddingWithASpecificWeaknessIsThatWeakness) {
  // Blur shortens the embedding too; the message should say blurred.
  QualitySignals s = GoodFace();
  s.sharpness = 9;
  s.embedding_norm = 2.1f;
  ExpectNotNamed(s, QualityIssue::kBlurred);
}

TEST(JudgeQuality, ATurnedFaceOfAGroupPhotoIsStillNamed) {
  // Group photos have faces turned to |yaw| 0.89 that are named correctly.
  QualitySignals s = GoodFace();
  s.yaw = 0.89f;
  EXPECT_GE(JudgeQuality(s).score, kNamingFloor);
  s.yaw = 0.6f;
  EXPECT_EQ(JudgeQuality(s).score, 1.0f);
}

TEST(JudgeQuality, TightCropsAndSmallFacesCanStillBeEnrolled) {
  QualitySignals crop = GoodFace();
  crop.inside_fraction = 0.77f;  // a 150x150 crop around a face
  EXPECT_GE(JudgeQuality(crop).score, kEnrolFloor);
  QualitySignals small = GoodFace();
  small.eye_distance = 11;
  EXPECT_GE(JudgeQuality(small).score, kEnrolFloor);
}

TEST(JudgeQuality, TheScoreFallsMonotonicallyWithTheNorm) {
  float previous = 2;
  for (float norm = 3.2f; norm > 1.5f; norm -= 0.1f) {
    QualitySignals s = GoodFace();
    s.embedding_norm = norm;
    const float score = JudgeQuality(s).score;
    EXPECT_LE(score, previous) << norm;
    EXPECT_GE(score, 0.0f);
    previous = score;
  }
  EXPECT_EQ(previous, 0.0f);
}

TEST(JudgeQuality, NaNSignalsAreUnusable) {
  QualitySignals s = GoodFace();
  s.embedding_norm = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(JudgeQuality(s).score, 0.0f);
  s = GoodFace();
  s.sharpness = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(JudgeQuality(s).score, 0.0f);
}

// The mean shape placed in a photo by a similarity transform: a frontal face.
Landmarks68 PlacedMeanShape(double scale, double angle, double dx, double dy) {
  Landmarks68 points;
  const Landmarks68& mean = MeanFaceShape();
  for (std::size_t i = 0; i < mean.size(); ++i) {
    const double x = mean[i].x, y = mean[i].y;
    points[i] = {static_cast<float>(scale * (std::cos(angle) * x - std::sin(angle) * y) + dx),
                 static_cast<float>(scale * (std::sin(angle) * x + std::cos(angle) * y) + dy)};
  }
  return points;
}

TEST(MeasureGeometry, TheMeanShapeAnywhereIsFrontalAndFits) {
  QualitySignals s;
  MeasureGeometry(PlacedMeanShape(2.5, 0.3, 400, 120), s);
  EXPECT_LT(s.landmark_misfit, 1.5f);  // the 5-point fit is not exact for 68 points
  EXPECT_NEAR(s.yaw, 0, 0.05);
  EXPECT_NEAR(s.pitch, 0, 0.1);
  // The mean shape's eyes are ~35 px apart in the chip; scaled by 2.5.
  EXPECT_NEAR(s.eye_distance, 2.5 * 35.3, 3);
}

TEST(MeasureGeometry, ANoseNearOneJawEndIsAProfile) {
  Landmarks68 points = PlacedMeanShape(1, 0, 0, 0);
  points[30].x = points[16].x - 3;  // nose tip near the jaw's end at point 16
  QualitySignals s;
  MeasureGeometry(points, s);
  EXPECT_GT(s.yaw, 0.7f);
  points = PlacedMeanShape(1, 0, 0, 0);
  points[30].x = points[0].x + 3;  // and near the other end
  MeasureGeometry(points, s);
  EXPECT_LT(s.yaw, -0.7f);
}

TEST(InsideFraction, CountsTheBoxPartInsideThePhoto) {
  EXPECT_FLOAT_EQ(InsideFraction({10, 10, 50, 50}, 100, 100), 1.0f);
  EXPECT_FLOAT_EQ(InsideFraction({-25, 10, 50, 50}, 100, 100), 0.5f);
  EXPECT_FLOAT_EQ(InsideFraction({80, 80, 40, 40}, 100, 100), 0.25f);
  EXPECT_FLOAT_EQ(InsideFraction({200, 200, 40, 40}, 100, 100), 0.0f);
  EXPECT_FLOAT_EQ(InsideFraction({0, 0, 0, 10}, 100, 100), 0.0f);
}

TEST(MeasureSharpness, BlurLowersIt) {
  cv::Mat chip(112, 112, CV_8UC3);
  cv::randu(chip, cv::Scalar::all(0), cv::Scalar::all(255));
  cv::Mat blurred;
  cv::GaussianBlur(chip, blurred, cv::Size(0, 0), 3);
  EXPECT_GT(MeasureSharpness(chip), 10 * MeasureSharpness(blurred));
  EXPECT_EQ(MeasureSharpness(cv::Mat(112, 112, CV_8UC3, cv::Scalar::all(128))), 0.0f);
}

}  // namespace
}  // namespace facetag::vision
