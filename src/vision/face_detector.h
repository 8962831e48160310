// UltraFace RFB face detector with box decoding in C++ (internal).
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <vector>

#include "facetag/result.h"
#include "facetag/types.h"

namespace facetag::vision {

struct DetectorOptions {
  int long_side = 640;         // network input long side after padding
  float pad_fraction = 0.25f;  // border per side, fraction of the longer side
  float score_threshold = 0.8f;
  float nms_iou = 0.3f;
  bool second_scale = true;  // extra unpadded pass at higher resolution for large photos
};

struct Detection {
  FaceBox box;  // pixels of the image given to Detect
  float score = 0;
};

// Finds faces in a BGR image. The network is the prepared graph that ends at
// the raw box regressions and the scores, so any input size works; priors
// and box decoding follow UltraFace (strides 8/16/32/64).
//
// Thread safety: not thread-safe (holds a cv::dnn::Net); one per thread.
class FaceDetector {
 public:
  static Result<std::unique_ptr<FaceDetector>> Create(const std::filesystem::path& model,
                                                      const DetectorOptions& options);
  // Faces sorted by decreasing score.
  Result<std::vector<Detection>> Detect(const cv::Mat& bgr);

 private:
  FaceDetector(cv::dnn::Net net, const DetectorOptions& options);
  // One network pass on `bgr` scaled by `scale` inside a border of `pad`
  // pixels (source pixels); appends detections in source pixels. False when
  // the network's outputs are not shaped like the prepared graph's.
  bool RunPass(const cv::Mat& bgr, int pad, double scale, float threshold,
               std::vector<Detection>& out);

  cv::dnn::Net net_;
  DetectorOptions options_;
};

}  // namespace facetag::vision
