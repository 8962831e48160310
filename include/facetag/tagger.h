// Names into the photo: read the caption, recognise the faces, tell pictured
// from merely mentioned persons, and write the result into the photo's
// metadata (IPTC Extension person fields, MWG face regions).
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "facetag/captions.h"
#include "facetag/metadata.h"
#include "facetag/pipeline.h"

namespace facetag::pipeline {

// Everything facetag concluded about one photo.
struct PhotoTagging {
  std::filesystem::path photo;
  metadata::PhotoText text;  // caption and what the file names
  int width = 0;             // displayed size, pixels
  int height = 0;
  std::vector<FaceRecognition> faces;          // left to right
  std::vector<captions::Mention> mentions;     // listed persons in the caption
  captions::Reconciliation reconciliation;     // pictured / mentioned per person
  metadata::TagSet tags;                       // what facetag writes
  std::optional<metadata::WriteReport> write;  // set by Tag, not by Inspect
};

// Tags photos against a loaded list.
//
// Thread safety: not thread-safe (uses a FaceAnalyzer); the Recognizer may be
// shared by several Taggers on several threads.
class Tagger {
 public:
  Tagger(const Recognizer& recognizer, vision::FaceAnalyzer& analyzer)
      : recognizer_(recognizer), analyzer_(analyzer) {}

  // Reads, recognises and reconciles; writes nothing. `read_sidecar` reads
  // the XMP of photo.xmp when it exists. Errors: those of
  // metadata::ReadPhotoText and vision::FaceAnalyzer::AnalyzeFile.
  Result<PhotoTagging> Inspect(const std::filesystem::path& photo, bool read_sidecar = false);

  // As Inspect, with the photo's bytes already read by the caller (the
  // faces are found in `bytes`, not in a second read of the file).
  Result<PhotoTagging> Inspect(const std::filesystem::path& photo,
                               std::span<const unsigned char> bytes, bool read_sidecar = false);

  // Inspect, then Write. Errors: Inspect's and Write's.
  Result<PhotoTagging> Tag(const std::filesystem::path& photo,
                           const metadata::WriteOptions& options);

  // Writes `tagging.tags` into its photo (options.dry_run: report only) and
  // sets `tagging.write`. A decision the file already holds keeps its
  // recorded time, so a re-run does not rewrite the file. Errors: those of
  // metadata::WritePersonTags.
  Result<void> Write(PhotoTagging& tagging, const metadata::WriteOptions& options) const;

 private:
  const Recognizer& recognizer_;
  vision::FaceAnalyzer& analyzer_;
};

// Current UTC time as ISO 8601 ("2026-11-26T14:00:00Z").
std::string UtcNow();

}  // namespace facetag::pipeline
