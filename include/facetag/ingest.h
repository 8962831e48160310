// Ingest: many photos into the archive, in parallel, resumable.
//
// Each photo is read once: its identity hash, caption fields, faces with
// embeddings and the list's decisions (with the caption as evidence) are
// stored in one transaction, so an ingest killed at any moment loses no
// stored photo and a rerun skips what is stored and does the rest.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "facetag/archive.h"
#include "facetag/metadata.h"
#include "facetag/pipeline.h"

namespace facetag::pipeline {

// The identity of a photo: SHA-256 of its JPEG image data (the scan, from the
// first start-of-scan marker on) for a JPEG, else of the whole file. Editing
// a JPEG's metadata, as `--write-metadata` does, keeps its identity.
std::string PhotoIdentity(std::span<const unsigned char> bytes);

struct IngestOptions {
  int workers = 2;              // decode/detect/embed threads, one analyzer each
  bool force = false;           // re-process photos already in the archive
  bool write_metadata = false;  // also write the names into the photos (XMP)
  metadata::WriteTarget target = metadata::WriteTarget::kInPlace;
  std::string actor = "facetag ingest";  // for the audit log
  // When set to true (e.g. by a signal handler), photos not yet started are
  // left for the next run; photos in flight are finished.
  const std::atomic<bool>* stop = nullptr;
};

struct IngestSummary {
  std::size_t files = 0;        // photos given
  std::size_t ingested = 0;     // stored by this run
  std::size_t skipped = 0;      // already in the archive
  std::size_t failed = 0;       // reported and remembered as failed
  std::size_t faces = 0;        // in the photos ingested
  std::size_t tagged = 0;       // faces named
  std::size_t unknown = 0;      // faces naming nobody
  std::size_t suppressed = 0;   // faces of opted-out persons: not stored
  std::size_t not_started = 0;  // left for the next run after a stop
  std::vector<std::pair<std::filesystem::path, Error>> errors;
};

// What ingesting one photo did.
enum class IngestOutcome {
  kIngested,  // stored (added, or replaced with `force`)
  kSkipped,   // already in the archive (by PhotoIdentity)
  kFailed,    // not processable: stored as failed, `error` says why
};

struct IngestedPhoto {
  IngestOutcome outcome = IngestOutcome::kSkipped;
  std::string identity;             // PhotoIdentity of the bytes
  std::optional<PhotoId> id;        // set unless skipped by a race with another writer
  NewPhoto photo;                   // what was stored (kIngested, kFailed)
  std::optional<Error> error;       // kFailed: the photo's problem
  std::optional<Error> write_error; // kIngested with write_metadata: the write failed
  std::size_t suppressed = 0;       // faces of opted-out persons, left out of `photo`
};

// Ingests one photo whose bytes the caller has read, with the caller's
// analyzer. `location` is what the archive records as where the photo is
// kept (a path, a URL, an upload's name); the file at `file` is only read
// for its metadata (and written when options.write_metadata).
// Errors: only database failures; a bad photo is an outcome, not an error.
Result<IngestedPhoto> IngestPhoto(Archive& archive, const Recognizer& list,
                                  vision::FaceAnalyzer& analyzer, const std::filesystem::path& file,
                                  std::span<const unsigned char> bytes, std::string_view location,
                                  const IngestOptions& options);

// Called after each photo (serialised): photos done so far, and the total.
using IngestProgress = std::function<void(std::size_t done, std::size_t total)>;

// Ingests `files`. A bad photo is reported in the summary and stored as
// failed (a rerun skips it unless `force`); it never stops the batch.
// Errors: only what prevents starting (models), or a database failure.
Result<IngestSummary> Ingest(Store& store, const ModelPack& pack, const Recognizer& list,
                             const std::vector<std::filesystem::path>& files,
                             const IngestOptions& options, const IngestProgress& progress = {});

}  // namespace facetag::pipeline
