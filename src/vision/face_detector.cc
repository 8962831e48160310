#include "vision/face_detector.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "vision/decoder.h"

namespace facetag::vision {
namespace {

// UltraFace RFB-320 prior boxes: feature strides and anchor sizes in input
// pixels, and the box-coding variances (Linzaer/Ultra-Light-Fast-Generic-
// Face-Detector-1MB, vision/ssd/config/fd_config.py).
constexpr std::array<int, 4> kStrides = {8, 16, 32, 64};
const std::array<std::vector<float>, 4> kMinSizes = {
    std::vector<float>{10, 16, 24}, {32, 48}, {64, 96}, {128, 192, 256}};
constexpr float kCenterVariance = 0.1f;
constexpr float kSizeVariance = 0.2f;
// The pass for small faces: when it runs, how much finer, and how sure.
constexpr double kFinePassBelowScale = 0.25;
constexpr double kFinePassZoom = 2.5;
constexpr float kFinePassMinScore = 0.9f;
// Share of a box inside another above which both are taken as one face.
constexpr float kContainedFraction = 0.65f;

float IntersectionOverSmaller(const FaceBox& a, const FaceBox& b) {
  const float w = std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x);
  const float h = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
  const float smaller = std::min(a.Area(), b.Area());
  return (w > 0 && h > 0 && smaller > 0) ? w * h / smaller : 0.0f;
}

int PriorCount(int width, int height) {
  int n = 0;
  for (std::size_t s = 0; s < kStrides.size(); ++s) {
    const int fw = (width + kStrides[s] - 1) / kStrides[s];
    const int fh = (height + kStrides[s] - 1) / kStrides[s];
    n += fw * fh * static_cast<int>(kMinSizes[s].size());
  }
  return n;
}

// UltraFace RFB-320 on the prepared graph that ends at the raw box
// regressions and the scores, so any input size works; priors and box
// decoding follow UltraFace (strides 8/16/32/64).
class UltraFaceDetector final : public FaceDetector {
 public:
  UltraFaceDetector(cv::dnn::Net net, const DetectorOptions& options)
      : net_(std::move(net)), options_(options) {}
  Result<std::vector<Detection>> Detect(const cv::Mat& bgr) override;

 private:
  // One network pass on `bgr` scaled by `scale` inside a border of `pad`
  // pixels (source pixels); appends detections in source pixels. False when
  // the network's outputs are not shaped like the prepared graph's.
  bool RunPass(const cv::Mat& bgr, int pad, double scale, float threshold,
               std::vector<Detection>& out);

  cv::dnn::Net net_;
  DetectorOptions options_;
};

}  // namespace

Result<std::unique_ptr<FaceDetector>> FaceDetector::Create(DetectorKind kind,
                                                           const std::filesystem::path& model,
                                                           const DetectorOptions& options) {
  if (options.long_side < 64 || options.long_side > 4096) {
    return Fail(ErrorCode::kInvalidArgument, "detector long side must be in [64, 4096]");
  }
  cv::dnn::Net net;
  try {
    net = cv::dnn::readNetFromONNX(model.string());
    if (net.empty()) return Fail(ErrorCode::kModel, "empty detector network: " + model.string());
  } catch (const cv::Exception& e) {
    return Fail(ErrorCode::kModel, "cannot load detector " + model.string() + ": " + e.what());
  }
  if (kind == DetectorKind::kRetinaFace) return MakeRetinaFaceDetector(std::move(net), options);
  return std::unique_ptr<FaceDetector>(new UltraFaceDetector(std::move(net), options));
}

Result<DetectionPasses> PlanPasses(const cv::Mat& bgr, const DetectorOptions& options) {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    return Fail(ErrorCode::kInvalidArgument, "detector needs a non-empty 8-bit BGR image");
  }
  DetectionPasses passes;
  const int long_side = std::max(bgr.cols, bgr.rows);
  passes.pad = static_cast<int>(std::lround(options.pad_fraction * long_side));
  passes.scale = static_cast<double>(options.long_side) / (long_side + 2 * passes.pad);
  // Small faces: the smallest anchors are 10-16 input pixels, i.e. that over
  // `scale` photo pixels. In large photos that misses faces of a crowded
  // group shot, so an unpadded pass at 2.5x the resolution follows, reaching
  // ~4 times smaller faces. Smaller photos skip it: it would only find faces
  // below the recognisable size (min_face_pixels).
  if (options.second_scale && passes.scale < kFinePassBelowScale) {
    passes.fine_scale = std::min(1.0, kFinePassZoom * passes.scale);
    passes.fine_threshold = std::max(options.score_threshold, kFinePassMinScore);
  }
  return passes;
}

cv::Mat PaintCanvas(const cv::Mat& bgr, int pad, double scale, int multiple) {
  auto round_up = [multiple](int n) { return (n + multiple - 1) / multiple * multiple; };
  const int in_w = std::max(1, static_cast<int>(std::lround((bgr.cols + 2 * pad) * scale)));
  const int in_h = std::max(1, static_cast<int>(std::lround((bgr.rows + 2 * pad) * scale)));
  cv::Mat canvas(round_up(in_h), round_up(in_w), CV_8UC3, cv::Scalar::all(0));
  const int off = static_cast<int>(std::lround(pad * scale));
  const int img_w =
      std::min(in_w - off, std::max(1, static_cast<int>(std::lround(bgr.cols * scale))));
  const int img_h =
      std::min(in_h - off, std::max(1, static_cast<int>(std::lround(bgr.rows * scale))));
  cv::resize(bgr, canvas(cv::Rect(off, off, img_w, img_h)), cv::Size(img_w, img_h), 0, 0,
             scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  return canvas;
}

std::vector<Detection> SuppressOverlaps(std::vector<Detection> candidates, float nms_iou) {
  // A box mostly inside a better-scoring one is a part of the same face (an
  // eye-and-nose box inside a head box at another scale); faces of
  // different people overlap little.
  std::sort(candidates.begin(), candidates.end(),
            [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<Detection> kept;
  for (Detection& d : candidates) {
    bool suppressed = false;
    for (const Detection& k : kept) {
      if (IntersectionOverUnion(d.box, k.box) > nms_iou ||
          IntersectionOverSmaller(d.box, k.box) > kContainedFraction) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push_back(std::move(d));
  }
  return kept;
}

bool UltraFaceDetector::RunPass(const cv::Mat& bgr, int pad, double scale, float threshold,
                                std::vector<Detection>& out) {
  const cv::Mat canvas = PaintCanvas(bgr, pad, scale);
  const int in_w = canvas.cols, in_h = canvas.rows;
  const cv::Mat blob = cv::dnn::blobFromImage(canvas, 1.0 / 128, cv::Size(), cv::Scalar::all(127),
                                              /*swapRB=*/true, /*crop=*/false);
  net_.setInput(blob);
  std::vector<cv::Mat> outputs;
  net_.forward(outputs, std::vector<cv::String>{"462", "scores"});
  const int n = PriorCount(in_w, in_h);
  if (outputs.size() != 2 || static_cast<int>(outputs[0].total()) != n * 4 ||
      static_cast<int>(outputs[1].total()) != n * 2) {
    return false;  // not the prepared graph
  }
  const float* regressions = outputs[0].ptr<float>();
  const float* scores = outputs[1].ptr<float>();
  const double to_source = 1.0 / scale;
  int index = 0;
  for (std::size_t s = 0; s < kStrides.size(); ++s) {
    const int fw = (in_w + kStrides[s] - 1) / kStrides[s];
    const int fh = (in_h + kStrides[s] - 1) / kStrides[s];
    for (int j = 0; j < fh; ++j) {
      for (int i = 0; i < fw; ++i) {
        for (float min_size : kMinSizes[s]) {
          const float score = scores[index * 2 + 1];
          if (score >= threshold) {
            const float* l = regressions + index * 4;
            // Prior centre and size in input pixels. UltraFace places
            // centres at (i + 0.5) * stride (generate_priors), which differs
            // from (i + 0.5) / fw * W when W is not a multiple of the stride.
            const float pcx = (i + 0.5f) * kStrides[s];
            const float pcy = (j + 0.5f) * kStrides[s];
            const float cx = pcx + l[0] * kCenterVariance * min_size;
            const float cy = pcy + l[1] * kCenterVariance * min_size;
            const float w = min_size * std::exp(l[2] * kSizeVariance);
            const float h = min_size * std::exp(l[3] * kSizeVariance);
            Detection d;
            d.score = score;
            d.box.x = static_cast<float>((cx - w / 2) * to_source - pad);
            d.box.y = static_cast<float>((cy - h / 2) * to_source - pad);
            d.box.width = static_cast<float>(w * to_source);
            d.box.height = static_cast<float>(h * to_source);
            out.push_back(d);
          }
          ++index;
        }
      }
    }
  }
  return true;
}

Result<std::vector<Detection>> UltraFaceDetector::Detect(const cv::Mat& bgr) {
  FACETAG_ASSIGN_OR_RETURN(const DetectionPasses passes, PlanPasses(bgr, options_));
  const int pad = passes.pad;
  const double scale = passes.scale;
  std::vector<Detection> candidates;
  try {
    bool ok = RunPass(bgr, pad, scale, options_.score_threshold, candidates);
    // Large faces: UltraFace's biggest anchor is 256 input pixels, so a face
    // filling a tight headshot (about 2/3 of the padded frame, 430 px at 640)
    // is beyond it. A quarter-cost pass at half the size reaches such faces.
    ok = ok && RunPass(bgr, pad, scale / 2, options_.score_threshold, candidates);
    if (passes.fine_scale) {
      ok = ok && RunPass(bgr, 0, *passes.fine_scale, passes.fine_threshold, candidates);
    }
    if (!ok) {
      return Fail(
          ErrorCode::kModel,
          "detector outputs do not match the prepared UltraFace graph (run scripts/setup.sh)");
    }
  } catch (const cv::Exception& e) {
    return tl::unexpected(OpenCvError(e, ErrorCode::kModel, "face detector failed"));
  }
  return SuppressOverlaps(std::move(candidates), options_.nms_iou);
}

}  // namespace facetag::vision
