// Five-point similarity alignment onto the ArcFace 112x112 template (internal).
#pragma once

#include <array>
#include <opencv2/core.hpp>

#include "facetag/types.h"

namespace facetag::vision {

constexpr int kChipSize = 112;

// The ArcFace/InsightFace reference positions of the five points in a
// 112x112 chip (insightface, recognition/common/face_align.py, "arcface_dst").
constexpr std::array<PointF, 5> kArcFaceTemplate = {{{38.2946f, 51.6963f},
                                                     {73.5318f, 51.5014f},
                                                     {56.0252f, 71.7366f},
                                                     {41.5493f, 92.3655f},
                                                     {70.7299f, 92.2041f}}};

// Least-squares similarity transform (rotation, uniform scale, translation;
// no reflection) mapping `from` onto `to` (Umeyama 1991, 2-D closed form).
// Returns a 2x3 CV_64F matrix.
cv::Mat EstimateSimilarity(const std::array<PointF, 5>& from, const std::array<PointF, 5>& to);

// Cuts the 112x112 BGR chip of a face. Large faces are first reduced with
// area averaging so the warp does not alias.
cv::Mat AlignFace(const cv::Mat& bgr, const Landmarks5& points);

}  // namespace facetag::vision
