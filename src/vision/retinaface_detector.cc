// RetinaFace MobileNet-0.25 (npm retinaface 0.0.6, mnet.25_v2.onnx, the
// insightface model): boxes and five points, decoded here.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "vision/face_detector.h"

namespace facetag::vision {
namespace {

// insightface RetinaFace (mnet.25): per stride, the anchor scales of base
// 16; anchor side = 16 x scale input pixels.
struct LevelSpec {
  int stride;
  std::array<float, 2> scales;
};
constexpr std::array<LevelSpec, 3> kLevels = {{{32, {32, 16}}, {16, {8, 4}}, {8, {2, 1}}}};
constexpr float kAnchorBase = 16;
// insightface's anchors span [0, base - 1] before scaling: cell centre 7.5.
constexpr float kAnchorCentre = (kAnchorBase - 1) / 2;
// Landmark deltas are in units of 0.2 anchor sides (the mnet.25 training's
// landmark_std); the npm package's JavaScript uses another, wrong, scale.
constexpr float kLandmarkStd = 0.2f;
// Input sides are a multiple of the largest stride, so the feature pyramid's
// upsampled maps match the finer ones.
constexpr int kInputMultiple = 32;

const std::array<std::string, 3> kOutputKinds = {"face_rpn_cls_prob_reshape_stride",
                                                 "face_rpn_bbox_pred_stride",
                                                 "face_rpn_landmark_pred_stride"};

class RetinaFaceDetector final : public FaceDetector {
 public:
  RetinaFaceDetector(cv::dnn::Net net, const DetectorOptions& options)
      : net_(std::move(net)), options_(options) {
    for (const LevelSpec& level : kLevels) {
      for (const std::string& kind : kOutputKinds) {
        output_names_.push_back(kind + std::to_string(level.stride));
      }
    }
  }

  Result<std::vector<Detection>> Detect(const cv::Mat& bgr) override {
    FACETAG_ASSIGN_OR_RETURN(const DetectionPasses passes, PlanPasses(bgr, options_));
    std::vector<Detection> candidates;
    try {
      // The padded pass covers faces from about 16 to 600 input pixels (the
      // anchors span 16-512): no half-size pass as UltraFace needs.
      FACETAG_RETURN_IF_ERROR(
          RunPass(bgr, passes.pad, passes.scale, options_.score_threshold, candidates));
      if (passes.fine_scale) {
        FACETAG_RETURN_IF_ERROR(
            RunPass(bgr, 0, *passes.fine_scale, passes.fine_threshold, candidates));
      }
    } catch (const cv::Exception& e) {
      return Fail(ErrorCode::kModel, std::string("face detector failed: ") + e.what());
    }
    return SuppressOverlaps(std::move(candidates), options_.nms_iou);
  }

 private:
  // One network pass on `bgr` scaled by `scale` inside a border of `pad`
  // source pixels; appends detections in source pixels.
  Result<void> RunPass(const cv::Mat& bgr, int pad, double scale, float threshold,
                       std::vector<Detection>& out) {
    const cv::Mat canvas = PaintCanvas(bgr, pad, scale, kInputMultiple);
    // RGB, raw 0-255 (the model's mean and scale are inside the graph).
    net_.setInput(cv::dnn::blobFromImage(canvas, 1.0, cv::Size(), cv::Scalar(), /*swapRB=*/true,
                                         /*crop=*/false));
    std::vector<cv::Mat> outputs;
    net_.forward(outputs, output_names_);
    std::vector<RetinaFaceLevel> levels;
    for (std::size_t l = 0; l < kLevels.size(); ++l) {
      const int stride = kLevels[l].stride;
      RetinaFaceLevel level{stride, canvas.cols / stride, canvas.rows / stride};
      const std::array<int, 3> channels = {4, 8, 20};
      for (int k = 0; k < 3; ++k) {
        const cv::Mat& m = outputs[l * 3 + k];
        if (m.dims != 4 || m.size[0] != 1 || m.size[1] != channels[k] ||
            m.size[2] != level.height || m.size[3] != level.width || m.type() != CV_32F) {
          return Fail(ErrorCode::kModel, "RetinaFace output " + output_names_[l * 3 + k] +
                                             " is not shaped [1, " + std::to_string(channels[k]) +
                                             ", " + std::to_string(level.height) + ", " +
                                             std::to_string(level.width) + "]");
        }
      }
      level.scores = outputs[l * 3].ptr<float>();
      level.boxes = outputs[l * 3 + 1].ptr<float>();
      level.landmarks = outputs[l * 3 + 2].ptr<float>();
      levels.push_back(level);
    }
    auto decoded = DecodeRetinaFace(levels, threshold);
    if (!decoded) return tl::unexpected(decoded.error());
    const float to_source = static_cast<float>(1.0 / scale);
    for (Detection& d : *decoded) {
      d.box = {d.box.x * to_source - pad, d.box.y * to_source - pad, d.box.width * to_source,
               d.box.height * to_source};
      for (PointF& p : *d.points) p = {p.x * to_source - pad, p.y * to_source - pad};
      out.push_back(d);
    }
    return {};
  }

  cv::dnn::Net net_;
  DetectorOptions options_;
  std::vector<cv::String> output_names_;
};

}  // namespace

std::unique_ptr<FaceDetector> MakeRetinaFaceDetector(cv::dnn::Net net,
                                                     const DetectorOptions& options) {
  return std::unique_ptr<FaceDetector>(new RetinaFaceDetector(std::move(net), options));
}

Result<std::vector<Detection>> DecodeRetinaFace(std::span<const RetinaFaceLevel> levels,
                                                float threshold) {
  std::vector<Detection> out;
  for (const RetinaFaceLevel& level : levels) {
    const auto spec = std::find_if(kLevels.begin(), kLevels.end(),
                                   [&](const LevelSpec& s) { return s.stride == level.stride; });
    if (spec == kLevels.end()) {
      return Fail(ErrorCode::kModel,
                  "RetinaFace has no level of stride " + std::to_string(level.stride));
    }
    const std::size_t plane = static_cast<std::size_t>(level.width) * level.height;
    for (std::size_t a = 0; a < spec->scales.size(); ++a) {
      const float side = kAnchorBase * spec->scales[a];
      // Channels: scores [background a0, a1, face a0, a1]; boxes 4 per
      // anchor; landmarks 10 per anchor.
      const float* face = level.scores + (spec->scales.size() + a) * plane;
      const float* box = level.boxes + a * 4 * plane;
      const float* points = level.landmarks + a * 10 * plane;
      for (int y = 0; y < level.height; ++y) {
        for (int x = 0; x < level.width; ++x) {
          const std::size_t i = static_cast<std::size_t>(y) * level.width + x;
          const float score = face[i];
          if (!(score >= threshold)) continue;
          const float cx = x * level.stride + kAnchorCentre;
          const float cy = y * level.stride + kAnchorCentre;
          const float bcx = cx + box[i] * side;
          const float bcy = cy + box[plane + i] * side;
          const float w = side * std::exp(box[2 * plane + i]);
          const float h = side * std::exp(box[3 * plane + i]);
          Detection d;
          d.score = score;
          d.box = {bcx - w / 2, bcy - h / 2, w, h};
          Landmarks5 five;
          for (std::size_t p = 0; p < five.size(); ++p) {
            five[p] = {cx + points[(2 * p) * plane + i] * side * kLandmarkStd,
                       cy + points[(2 * p + 1) * plane + i] * side * kLandmarkStd};
          }
          d.points = five;
          if (std::isfinite(d.box.x) && std::isfinite(d.box.y) && std::isfinite(w) &&
              std::isfinite(h)) {
            out.push_back(d);
          }
        }
      }
    }
  }
  return out;
}

}  // namespace facetag::vision
