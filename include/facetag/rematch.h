// Retroactive tagging: re-decide the archive's stored faces against the
// current list, from their stored embeddings, without reading any photo.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>

#include "facetag/archive.h"
#include "facetag/metadata.h"
#include "facetag/pipeline.h"

namespace facetag::pipeline {

struct RematchOptions {
  // Only changes that name or unname this person are applied (after
  // enrolling or removing them); empty: every change.
  std::optional<PersonId> person;
  int batch = 1000;  // faces per page and per transaction
};

struct RematchSummary {
  std::size_t faces = 0;                // faces re-decided
  std::size_t changed = 0;              // decisions that changed
  std::size_t skipped_rejected = 0;     // would name a person an editor rejected
  std::size_t skipped_confirmed = 0;    // would change an editor's confirmation
  std::vector<PhotoId> changed_photos;  // whose metadata may need rewriting
};

// The archive's record of a recognition: the person when named; a face
// left unnamed because another person was too close, or because the person
// is named on a surer face of the photo, is ambiguous.
FaceTag ArchiveTag(const FaceRecognition& recognition);

// Re-decides every stored face of the list's model with the rule of
// Recognizer::Recognize, per photo (one face per person, the photo's caption
// mentions as evidence). Editors' confirmations and rejections are never
// overridden (Archive::ApplyDecisions). `progress` gets the faces done so far.
// Errors: kDatabase.
Result<RematchSummary> Rematch(Archive& archive, const Recognizer& list,
                               const RematchOptions& options = {},
                               const std::function<void(std::size_t)>& progress = {});

}  // namespace facetag::pipeline

namespace facetag::pipeline {

// Writes what the archive holds about photo `id` (its named faces and the
// persons its caption mentions but nobody pictures) into the photo file at
// its stored location, replacing what facetag wrote before: after a rematch
// or an editor's correction, a tag that went disappears from the file too.
// Errors: kNotFound (photo), kDatabase, and those of
// metadata::WritePersonTags (the file moved or changed: kNotFound, kIo, ...).
Result<metadata::WriteReport> WriteArchivedTags(Store& store, PhotoId id,
                                                const metadata::WriteOptions& options = {});

// What WriteArchivedTags writes for photo `id`, for writing it into another
// file (a copy in an export). Errors: kNotFound (photo), kDatabase.
Result<metadata::TagSet> ArchivedTags(Store& store, PhotoId id);

}  // namespace facetag::pipeline
