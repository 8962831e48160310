// Face quality: how usable a detection is for recognition (internal).
//
// The detector also fires on hands, jackets and patterns, and finds faces
// that are too small, blurred, turned away or cut by the frame to be named
// reliably. Each face yields a few cheap measurements on its way through the
// pipeline (QualitySignals); JudgeQuality turns them into one score in
// [0, 1] and the main issue. The ramps were calibrated on the evaluation
// photos (docs/architecture.md, Face quality).
#pragma once

#include <opencv2/core.hpp>

#include "facetag/types.h"
#include "facetag/vision.h"

namespace facetag::vision {

// The mean frontal face shape in the chip (the reference of
// landmark_misfit).
const Landmarks68& MeanFaceShape();

// The 68 landmarks (photo pixels) mapped into the 112x112 chip by the same
// similarity transform that cuts the chip (AlignFace).
Landmarks68 LandmarksInChip(const Landmarks68& points);

// The geometric signals (eye_distance, landmark_misfit, yaw, pitch) of the
// 68 landmarks (photo pixels).
void MeasureGeometry(const Landmarks68& points, QualitySignals& signals);

// Variance of the Laplacian over the centre of a 112x112 BGR chip.
float MeasureSharpness(const cv::Mat& chip);

// Share of `box` inside a width x height photo; 0 for an empty box.
float InsideFraction(const FaceBox& box, int width, int height);

// The pack-specific part of the judgement: the raw embedding norm's scale
// is the embedder's own (PackThresholds::embedding_norm_*; the defaults are
// the default pack's).
struct QualityRamps {
  float embedding_norm_unusable = 2.0f;
  float embedding_norm_usable = 2.8f;
};

// One score in [0, 1] and the weakest signal's issue. Each signal maps to a
// factor in [0, 1] by a linear ramp between a value where the face is
// unusable and one where it is fully usable; the score is the smallest
// factor, and the issue is that factor's (kNone when the score is 1).
// NaN signals count as unusable.
FaceQuality JudgeQuality(const QualitySignals& signals, const QualityRamps& ramps = {});

}  // namespace facetag::vision
