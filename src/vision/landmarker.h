// 68-point facial landmarks from a face box (internal).
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "facetag/result.h"
#include "facetag/types.h"

namespace facetag::vision {

// Runs the 64x64 greyscale landmark network on a square crop around a face
// box. Thread safety: not thread-safe (holds a cv::dnn::Net); one per thread.
class Landmarker {
 public:
  static Result<std::unique_ptr<Landmarker>> Create(const std::filesystem::path& model);
  // The 68 points (pixels of `bgr`) of the face in `box`.
  Result<Landmarks68> Locate(const cv::Mat& bgr, const FaceBox& box);

 private:
  explicit Landmarker(cv::dnn::Net net) : net_(std::move(net)) {}
  cv::dnn::Net net_;
};

// The five alignment points from the 68: eye centres (mean of the four
// eyelid points 37,38,40,41 and 43,44,46,47), nose tip (30), mouth corners
// (mean of outer and inner corner 48,60 and 54,64).
Landmarks5 FivePoints(const Landmarks68& points);

// Copies `rect` out of `image`; parts outside the image are black. The
// result always has the size of `rect`.
cv::Mat CropWithBorder(const cv::Mat& image, const cv::Rect& rect);

}  // namespace facetag::vision
