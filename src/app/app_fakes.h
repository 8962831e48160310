// Fakes of the use cases' seams, for tests that pin down rules without
// models or files: an analyzer that knows its photos by their bytes, photo
// files kept in memory, and a tiny model pack.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "facetag/app.h"
#include "facetag/thread_annotations.h"

namespace facetag::app::testing {

inline constexpr char kFakeModel[] = "fake-pack";
inline constexpr int kFakeDimension = 4;

// A pack whose list threshold for a short list is about 0.6, margin 0.05,
// mention floor 0.45, quality floors 0.5 (naming) and 0.6 (enrolment).
ModelPack FakePack();

// A unit vector of the fake model: `weights` normalised.
Embedding FakeEmbedding(std::vector<float> weights);

// A detected face at `x` (boxes 100 px wide, 100 px apart) with an
// embedding and a quality.
DetectedFace FakeFace(float x, std::vector<float> weights, float quality = 0.9f);

// Knows each photo by its bytes: Analyze returns the faces registered for
// them, AnalyzeBox the face registered at that box.
//
// Thread safety: not thread-safe, like a real analyzer.
class FakeAnalyzer final : public vision::FaceAnalyzer {
 public:
  void Add(const std::string& bytes, PhotoFaces faces) { photos_[bytes] = std::move(faces); }

  Result<PhotoFaces> Analyze(std::span<const unsigned char> bytes) override;
  Result<PhotoFaces> AnalyzeFile(const std::filesystem::path& path) override;
  Result<DetectedFace> AnalyzeBox(std::span<const unsigned char> bytes,
                                  const FaceBox& box) override;
  const std::string& model_id() const override { return model_; }
  // Registered faces carry their quality already; no signals are measured.
  const std::vector<vision::QualitySignals>& last_signals() const override { return signals_; }

 private:
  std::map<std::string, PhotoFaces> photos_;
  std::vector<vision::QualitySignals> signals_;
  std::string model_ = kFakeModel;
};

// Photo files in memory: each location holds bytes and the text a reader
// would find; writes keep the last TagSet written (the file's names).
//
// Thread safety: thread-safe.
class FakePhotoFiles final : public PhotoFiles {
 public:
  void Put(const std::string& location, std::string bytes, metadata::PhotoText text = {});
  // The names facetag last wrote into `location` (empty when none), each
  // pictured name once per occurrence, in the order written.
  std::vector<std::string> PicturedNames(const std::string& location) const;
  std::vector<std::string> MentionedNames(const std::string& location) const;
  int writes() const;

  Result<std::vector<unsigned char>> Read(std::string_view location,
                                          std::uint64_t max_bytes) override;
  Result<metadata::PhotoText> ReadText(std::string_view location,
                                       const metadata::ReadOptions& options) override;
  Result<metadata::WriteReport> WriteTags(std::string_view location, const metadata::TagSet& tags,
                                          const metadata::WriteOptions& options) override;

 private:
  struct File {
    std::string bytes;
    metadata::PhotoText text;
    std::optional<metadata::TagSet> written;
  };
  mutable Mutex mutex_;
  std::map<std::string, File, std::less<>> files_ FACETAG_GUARDED_BY(mutex_);
  int writes_ FACETAG_GUARDED_BY(mutex_) = 0;
};

}  // namespace facetag::app::testing
