// Face detectors (internal): UltraFace RFB-320 (boxes) and RetinaFace
// MobileNet-0.25 (boxes and five points), with their box decoding in C++.
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <optional>
#include <span>
#include <vector>

#include "facetag/model_pack.h"
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
  // The five alignment points (Landmarks5 order), pixels of the image given
  // to Detect; only from detectors that find them.
  std::optional<Landmarks5> points;
};

// Finds faces in a BGR image.
//
// Thread safety: not thread-safe (holds a cv::dnn::Net); one per thread.
class FaceDetector {
 public:
  // The detector of `kind` on the network file `model`. Errors: kModel when
  // OpenCV cannot load it, kInvalidArgument for options out of range.
  static Result<std::unique_ptr<FaceDetector>> Create(DetectorKind kind,
                                                      const std::filesystem::path& model,
                                                      const DetectorOptions& options);
  virtual ~FaceDetector() = default;
  // Faces sorted by decreasing score. Errors: kInvalidArgument for an empty
  // or non-BGR image, kModel when the network fails or its outputs are not
  // shaped as expected.
  virtual Result<std::vector<Detection>> Detect(const cv::Mat& bgr) = 0;
};

// The RetinaFace detector on its loaded network (retinaface_detector.cc;
// callers use FaceDetector::Create).
std::unique_ptr<FaceDetector> MakeRetinaFaceDetector(cv::dnn::Net net,
                                                     const DetectorOptions& options);

// The passes every detector runs over a photo: the main pass on the photo
// padded by `pad` source pixels on every side and scaled by `scale` (long
// side DetectorOptions::long_side), and for large photos (scale below 0.25,
// a long side above ~1,700 px) an unpadded pass at 2.5x that resolution for
// the small faces of group shots, which must be surer (at least 0.9: at high
// resolution detectors fire on skin-coloured texture).
struct DetectionPasses {
  int pad = 0;
  double scale = 1;
  std::optional<double> fine_scale;
  float fine_threshold = 0;
};

// The passes for `bgr`. Errors: kInvalidArgument for an empty or non-BGR
// image.
Result<DetectionPasses> PlanPasses(const cv::Mat& bgr, const DetectorOptions& options);

// Non-maximum suppression over detections of several passes: keeps the
// best-scoring of boxes that overlap by more than `nms_iou`, or of which
// one lies mostly (more than 65 %) inside the other (a part of the same face
// found at another scale). Returns the kept ones by decreasing score.
std::vector<Detection> SuppressOverlaps(std::vector<Detection> candidates, float nms_iou);

// The scaled photo painted into a black canvas of `pad` source pixels on
// every side (padding and resizing in one step); the canvas is grown on its
// right and bottom to a multiple of `multiple` pixels.
cv::Mat PaintCanvas(const cv::Mat& bgr, int pad, double scale, int multiple = 1);

// One output level of RetinaFace (mnet.25, insightface's RetinaFace): for a
// feature map of `width` x `height` cells at `stride` input pixels, the
// network's three NCHW blobs (batch 1): `scores` [4, h, w] (background of
// anchors 0 and 1, then face of anchors 0 and 1), `boxes` [8, h, w] (dx, dy,
// dw, dh per anchor) and `landmarks` [20, h, w] (five (dx, dy) per anchor).
struct RetinaFaceLevel {
  int stride = 0;
  int width = 0;
  int height = 0;
  const float* scores = nullptr;
  const float* boxes = nullptr;
  const float* landmarks = nullptr;
};

// Decodes the levels' anchors whose face score is at least `threshold` into
// detections in input pixels (boxes with their five points), unsorted and
// before suppression. Anchors (insightface generate_anchors, base 16): two
// square anchors per cell of side 16 x scale with scales {32, 16} at stride
// 32, {8, 4} at 16 and {2, 1} at 8, centred on (x * stride + 7.5, y * stride
// + 7.5). Box: centre + d * side, size side * exp(d); points: centre + 0.2 x
// side x d (the landmark standard deviation of the mnet.25 training).
// Levels with another stride are an error (kModel).
Result<std::vector<Detection>> DecodeRetinaFace(std::span<const RetinaFaceLevel> levels,
                                                float threshold);

}  // namespace facetag::vision
