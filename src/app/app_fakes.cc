#include "app_fakes.h"

#include <cmath>

namespace facetag::app::testing {

ModelPack FakePack() {
  ModelPack pack;
  pack.id = kFakeModel;
  pack.embedding_size = kFakeDimension;
  PackThresholds& t = pack.thresholds;
  t.far_curve = {{1e-1, 0.35f}, {1e-2, 0.45f}, {1e-3, 0.55f}, {1e-4, 0.6f}, {1e-5, 0.65f}};
  t.margin = 0.05f;
  t.mention_floor = 0.45f;
  t.quality_floor_naming = 0.5f;
  t.quality_floor_enrol = 0.6f;
  return pack;
}

Embedding FakeEmbedding(std::vector<float> weights) {
  weights.resize(kFakeDimension, 0.0f);
  NormalizeL2(weights);
  return {kFakeModel, std::move(weights)};
}

DetectedFace FakeFace(float x, std::vector<float> weights, float quality) {
  DetectedFace face;
  face.box = {x, 100, 100, 100};
  face.detection_score = 0.99f;
  for (std::size_t i = 0; i < face.landmarks.size(); ++i) {
    face.landmarks[i] = {x + static_cast<float>(i % 10) * 10, 100 + static_cast<float>(i / 10) * 10};
  }
  face.embedding = FakeEmbedding(std::move(weights));
  face.quality.score = quality;
  if (quality < 0.5f) face.quality.issue = QualityIssue::kNotAFace;
  return face;
}

namespace {

std::string AsString(std::span<const unsigned char> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

Result<PhotoFaces> FakeAnalyzer::Analyze(std::span<const unsigned char> bytes) {
  auto it = photos_.find(AsString(bytes));
  if (it == photos_.end()) return Fail(ErrorCode::kUnsupportedFormat, "not a photo");
  return it->second;
}

Result<PhotoFaces> FakeAnalyzer::AnalyzeFile(const std::filesystem::path& path) {
  return Fail(ErrorCode::kNotFound, "the fake analyzer reads no files: " + path.string());
}

Result<DetectedFace> FakeAnalyzer::AnalyzeBox(std::span<const unsigned char> bytes,
                                              const FaceBox& box) {
  FACETAG_ASSIGN_OR_RETURN(PhotoFaces photo, Analyze(bytes));
  for (const DetectedFace& face : photo.faces) {
    if (IntersectionOverUnion(face.box, box) > 0.5f) return face;
  }
  return Fail(ErrorCode::kNoFace, "no face at that box");
}

void FakePhotoFiles::Put(const std::string& location, std::string bytes, metadata::PhotoText text) {
  MutexLock lock(mutex_);
  files_[location] = {std::move(bytes), std::move(text), std::nullopt};
}

std::vector<std::string> FakePhotoFiles::PicturedNames(const std::string& location) const {
  MutexLock lock(mutex_);
  std::vector<std::string> names;
  auto it = files_.find(location);
  if (it == files_.end() || !it->second.written) return names;
  for (const auto& p : it->second.written->pictured) names.push_back(p.name);
  return names;
}

std::vector<std::string> FakePhotoFiles::MentionedNames(const std::string& location) const {
  MutexLock lock(mutex_);
  std::vector<std::string> names;
  auto it = files_.find(location);
  if (it == files_.end() || !it->second.written) return names;
  for (const auto& p : it->second.written->mentioned) names.push_back(p.name);
  return names;
}

int FakePhotoFiles::writes() const {
  MutexLock lock(mutex_);
  return writes_;
}

Result<std::vector<unsigned char>> FakePhotoFiles::Read(std::string_view location,
                                                        std::uint64_t max_bytes) {
  MutexLock lock(mutex_);
  auto it = files_.find(location);
  if (it == files_.end()) return Fail(ErrorCode::kNotFound, "not found: " + std::string(location));
  if (it->second.bytes.size() > max_bytes) return Fail(ErrorCode::kInvalidArgument, "too large");
  return std::vector<unsigned char>(it->second.bytes.begin(), it->second.bytes.end());
}

Result<metadata::PhotoText> FakePhotoFiles::ReadText(std::string_view location,
                                                     const metadata::ReadOptions&) {
  MutexLock lock(mutex_);
  auto it = files_.find(location);
  if (it == files_.end()) return Fail(ErrorCode::kNotFound, "not found: " + std::string(location));
  return it->second.text;
}

Result<metadata::WriteReport> FakePhotoFiles::WriteTags(std::string_view location,
                                                        const metadata::TagSet& tags,
                                                        const metadata::WriteOptions& options) {
  MutexLock lock(mutex_);
  auto it = files_.find(location);
  if (it == files_.end()) return Fail(ErrorCode::kNotFound, "not found: " + std::string(location));
  // As the real writer: the same person twice is refused.
  for (std::size_t i = 0; i < tags.pictured.size(); ++i) {
    for (std::size_t j = i + 1; j < tags.pictured.size(); ++j) {
      if (tags.pictured[i].uri == tags.pictured[j].uri) {
        return Fail(ErrorCode::kInvalidArgument, tags.pictured[i].name + " appears twice");
      }
    }
  }
  metadata::WriteReport report;
  report.target = std::string(location);
  report.changed = true;
  if (!options.dry_run) {
    it->second.written = tags;
    report.written = true;
    ++writes_;
  }
  return report;
}

}  // namespace facetag::app::testing
