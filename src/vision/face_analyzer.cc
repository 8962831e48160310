#include <algorithm>
#include <cmath>

#include "facetag/file_io.h"
#include "facetag/vision.h"
#include "vision/aligner.h"
#include "vision/decoder.h"
#include "vision/embedder.h"
#include "vision/face_detector.h"
#include "vision/face_quality.h"
#include "vision/landmarker.h"

namespace facetag::vision {
namespace {

class FaceAnalyzerImpl final : public FaceAnalyzer {
 public:
  FaceAnalyzerImpl(const ModelPack& pack, const AnalyzerOptions& options,
                   std::unique_ptr<FaceDetector> detector, std::unique_ptr<Landmarker> landmarker,
                   std::unique_ptr<Embedder> embedder)
      : model_id_(pack.id),
        align_on_detector_points_(pack.pipeline.align_on_detector_points),
        quality_ramps_{pack.thresholds.embedding_norm_unusable,
                       pack.thresholds.embedding_norm_usable},
        options_(options),
        detector_(std::move(detector)),
        landmarker_(std::move(landmarker)),
        embedder_(std::move(embedder)) {}

  Result<PhotoFaces> Analyze(std::span<const unsigned char> bytes) override {
    auto image = DecodeImage(bytes, options_.decode);
    if (!image) return tl::unexpected(image.error());
    PhotoFaces photo = Describe(*image);
    signals_.clear();
    auto detections = detector_->Detect(image->bgr);
    if (!detections) return tl::unexpected(detections.error());
    std::vector<std::pair<DetectedFace, QualitySignals>> found;
    for (const Detection& d : *detections) {
      if (d.box.height < options_.min_face_pixels) continue;
      QualitySignals signals;
      auto face = Describe(image->bgr, d.box, d.score, d.points, signals);
      if (!face) return tl::unexpected(face.error());
      found.emplace_back(std::move(*face), signals);
    }
    // Left to right, the order captions name people in ("from left").
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
      return a.first.box.CenterX() < b.first.box.CenterX();
    });
    for (auto& [face, signals] : found) {
      photo.faces.push_back(std::move(face));
      signals_.push_back(signals);
    }
    return photo;
  }

  Result<PhotoFaces> AnalyzeFile(const std::filesystem::path& path) override {
    auto bytes = ReadFileBytes(path, options_.decode.max_file_bytes);
    if (!bytes) return tl::unexpected(bytes.error());
    auto photo = Analyze(*bytes);
    if (!photo) return Fail(photo.error().code, path.string() + ": " + photo.error().message);
    return photo;
  }

  Result<DetectedFace> AnalyzeBox(std::span<const unsigned char> bytes,
                                  const FaceBox& box) override {
    auto image = DecodeImage(bytes, options_.decode);
    if (!image) return tl::unexpected(image.error());
    const cv::Rect frame(0, 0, image->bgr.cols, image->bgr.rows);
    const cv::Rect2f r(box.x, box.y, box.width, box.height);
    if (!(box.width >= 8 && box.height >= 8) || (cv::Rect(r) & frame).area() <= 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the face box lies outside the photo or is smaller "
                  "than 8 pixels");
    }
    signals_.clear();
    QualitySignals signals;
    // An editor's box has no detector points: the chip is aligned on the
    // landmarker's.
    auto face = Describe(image->bgr, box, 1.0f, std::nullopt, signals);
    if (face) signals_.push_back(signals);
    return face;
  }

  const std::string& model_id() const override { return model_id_; }
  const std::vector<QualitySignals>& last_signals() const override { return signals_; }

 private:
  static PhotoFaces Describe(const DecodedImage& image) {
    PhotoFaces photo;
    photo.width = image.bgr.cols;
    photo.height = image.bgr.rows;
    photo.exif_orientation = image.info.exif_orientation;
    return photo;
  }

  Result<DetectedFace> Describe(const cv::Mat& bgr, const FaceBox& box, float score,
                                const std::optional<Landmarks5>& detector_points,
                                QualitySignals& signals) {
    DetectedFace face;
    face.box = box;
    face.detection_score = score;
    auto landmarks = landmarker_->Locate(bgr, box);
    if (!landmarks) return tl::unexpected(landmarks.error());
    face.landmarks = *landmarks;
    const bool on_detector_points = align_on_detector_points_ && detector_points.has_value();
    const cv::Mat chip =
        AlignFace(bgr, on_detector_points ? *detector_points : FivePoints(face.landmarks));
    auto values = embedder_->Embed(chip, &signals.embedding_norm);
    if (!values) return tl::unexpected(values.error());
    face.embedding = Embedding{model_id_, std::move(*values)};
    signals.detection_score = score;
    MeasureGeometry(face.landmarks, signals);
    signals.sharpness = MeasureSharpness(chip);
    signals.inside_fraction = InsideFraction(box, bgr.cols, bgr.rows);
    face.quality = JudgeQuality(signals, quality_ramps_);
    return face;
  }

  std::string model_id_;
  bool align_on_detector_points_;
  QualityRamps quality_ramps_;
  AnalyzerOptions options_;
  std::unique_ptr<FaceDetector> detector_;
  std::unique_ptr<Landmarker> landmarker_;
  std::unique_ptr<Embedder> embedder_;
  std::vector<QualitySignals> signals_;
};

}  // namespace

Result<std::unique_ptr<FaceAnalyzer>> FaceAnalyzer::Create(const ModelPack& pack,
                                                           const AnalyzerOptions& options) {
  DetectorOptions detector_options;
  detector_options.long_side = options.detector_long_side;
  detector_options.pad_fraction = options.pad_fraction;
  detector_options.score_threshold = options.detection_threshold;
  detector_options.nms_iou = options.nms_iou;
  detector_options.second_scale = options.detect_small_faces;
  for (const char* role : {"detector", "landmarker", "embedder"}) {
    if (pack.FileFor(role).empty()) {
      return Fail(ErrorCode::kModel, "model pack " + pack.id + " has no " + role);
    }
  }
  auto detector =
      FaceDetector::Create(pack.pipeline.detector, pack.FileFor("detector"), detector_options);
  if (!detector) return tl::unexpected(detector.error());
  auto landmarker = Landmarker::Create(pack.FileFor("landmarker"));
  if (!landmarker) return tl::unexpected(landmarker.error());
  auto embedder = Embedder::Create(pack.FileFor("embedder"), pack.embedding_size,
                                   {pack.pipeline.embedder_mean, pack.pipeline.embedder_scale},
                                   options.flip_augment);
  if (!embedder) return tl::unexpected(embedder.error());
  return std::unique_ptr<FaceAnalyzer>(new FaceAnalyzerImpl(
      pack, options, std::move(*detector), std::move(*landmarker), std::move(*embedder)));
}

std::optional<std::size_t> PickMainFace(const PhotoFaces& photo) {
  std::optional<std::size_t> best;
  double best_weight = 0;
  const double cx = photo.width / 2.0, cy = photo.height / 2.0;
  const double diagonal = std::hypot(photo.width, photo.height);
  for (std::size_t i = 0; i < photo.faces.size(); ++i) {
    const FaceBox& b = photo.faces[i].box;
    const double off = std::hypot(b.CenterX() - cx, b.CenterY() - cy) / diagonal;
    // Size matters most; a face near the centre wins over a similar-sized
    // face at the edge (bystanders in single-subject photos).
    const double weight = b.Area() * (1.0 - off);
    if (!best || weight > best_weight) {
      best = i;
      best_weight = weight;
    }
  }
  return best;
}

std::optional<std::size_t> PickCentralFace(const PhotoFaces& photo) {
  std::optional<std::size_t> best;
  double best_distance = 0;
  for (std::size_t i = 0; i < photo.faces.size(); ++i) {
    const FaceBox& b = photo.faces[i].box;
    const double distance =
        std::hypot(b.CenterX() - photo.width / 2.0, b.CenterY() - photo.height / 2.0);
    if (!best || distance < best_distance) {
      best = i;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace facetag::vision

namespace facetag::vision {

void SetInferenceThreads(int threads) { cv::setNumThreads(threads < 1 ? -1 : threads); }

}  // namespace facetag::vision
