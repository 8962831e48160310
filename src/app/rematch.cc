// Re-matching the archive and the editors' review: both re-decide whole
// photos with DecidePhoto from the stored embeddings and the editors' word.
#include <algorithm>

#include "app_internal.h"

namespace facetag::app {
namespace {

bool SameTag(const FaceTag& a, const FaceTag& b) {
  return a.person == b.person && a.decision == b.decision && a.by_mention == b.by_mention &&
         a.similarity == b.similarity;
}

// The photo's faces as the rule sees them, with the editors' word.
struct PhotoEvidence {
  std::vector<FaceEvidence> faces;
  std::vector<PersonId> mentioned;
};

}  // namespace

Result<RematchSummary> App::Rematch(const RematchOptions& options) {
  FACETAG_ASSIGN_OR_RETURN(auto list, List());
  Archive& archive = store_.archive();
  RematchSummary summary;
  std::vector<DecisionUpdate> updates;
  // Faces of one photo are decided together (one face per person); a page
  // may end inside a photo, so its last photo waits for the next page.
  std::vector<FaceForMatching> pending;

  auto decide_photo = [&](const std::vector<FaceForMatching>& faces) {
    std::vector<FaceEvidence> evidence, machine_only;
    for (const FaceForMatching& f : faces) {
      evidence.push_back(list->EvidenceFor(f.embedding, f.quality));
      machine_only.push_back(evidence.back());
      evidence.back().editors = EditorsWordOf(f.tag, f.status, f.rejected);
    }
    const std::vector<PersonId>& mentioned = faces.front().mentioned;
    const auto decided = DecidePhoto(evidence, mentioned, list->rule());
    // What the matcher alone would say: the editors' word kept against it.
    const auto machine = DecidePhoto(machine_only, mentioned, list->rule());
    for (std::size_t i = 0; i < faces.size(); ++i) {
      const FaceForMatching& f = faces[i];
      if (decided[i].status == TagStatus::kConfirmed && machine[i].person != decided[i].person) {
        ++summary.kept_confirmed;
      }
      if (!decided[i].named() && machine[i].named() &&
          std::count(f.rejected.begin(), f.rejected.end(), *machine[i].person) > 0) {
        ++summary.kept_rejected;
      }
      DecisionUpdate update;
      update.face = f.id;
      update.tag = TagOf(decided[i]);
      update.status = StatusOf(decided[i]);
      update.expected_tag = f.tag;
      update.expected_status = f.status;
      if (options.person && update.tag.person != options.person &&
          f.tag.person != options.person) {
        continue;
      }
      if (SameTag(update.tag, f.tag) && update.status == f.status) continue;
      updates.push_back(std::move(update));
    }
    summary.faces += faces.size();
  };
  auto apply = [&]() -> Result<void> {
    if (updates.empty()) return {};
    FACETAG_ASSIGN_OR_RETURN(ApplyOutcome outcome, archive.ApplyDecisions(updates));
    summary.changed += outcome.changed;
    summary.conflicts += outcome.conflicts;
    summary.changed_photos.insert(summary.changed_photos.end(), outcome.changed_photos.begin(),
                                  outcome.changed_photos.end());
    updates.clear();
    return {};
  };

  FaceId after = 0;
  do {
    FACETAG_ASSIGN_OR_RETURN(FacePage page,
                             archive.FacesForModel(list->model_id(), after, options.batch));
    for (FaceForMatching& face : page.faces) {
      if (!pending.empty() && pending.front().photo != face.photo) {
        decide_photo(pending);
        pending.clear();
      }
      pending.push_back(std::move(face));
    }
    after = page.next_after;
    if (after == 0 && !pending.empty()) {
      decide_photo(pending);
      pending.clear();
    }
    FACETAG_RETURN_IF_ERROR(apply());
    if (options.progress) options.progress(summary.faces);
  } while (after != 0);

  std::sort(summary.changed_photos.begin(), summary.changed_photos.end());
  summary.changed_photos.erase(
      std::unique(summary.changed_photos.begin(), summary.changed_photos.end()),
      summary.changed_photos.end());
  if (options.write_metadata) {
    // The photos whose names changed now, and those whose file has been
    // behind the archive since an earlier change (a review that did not
    // write, a write that failed).
    std::vector<PhotoId> to_write = summary.changed_photos;
    for (PhotoId after = 0;;) {
      FACETAG_ASSIGN_OR_RETURN(std::vector<PhotoId> behind,
                               archive.PhotosWithUnwrittenNames(after, 10000));
      if (behind.empty()) break;
      to_write.insert(to_write.end(), behind.begin(), behind.end());
      after = behind.back();
    }
    std::sort(to_write.begin(), to_write.end());
    to_write.erase(std::unique(to_write.begin(), to_write.end()), to_write.end());
    metadata::WriteOptions write_options;
    write_options.target = options.target;
    for (const PhotoId id : to_write) {
      auto written = WriteTags(id, write_options);
      if (!written) summary.write_errors.emplace_back(id, written.error());
    }
  }
  return summary;
}

Result<ReviewOutcome> App::Review(FaceId face, PersonId person, ReviewAction action,
                                  std::string_view actor, bool write_metadata,
                                  metadata::WriteTarget target) {
  if (actor.empty()) return Fail(ErrorCode::kInvalidArgument, "who reviews must be named");
  FACETAG_ASSIGN_OR_RETURN(auto list, List());
  Archive& archive = store_.archive();
  FACETAG_ASSIGN_OR_RETURN(const Person reviewed_person, store_.GetPerson(person));
  FACETAG_ASSIGN_OR_RETURN(const PhotoId photo_id, archive.PhotoOfFace(face));
  FACETAG_ASSIGN_OR_RETURN(const StoredPhoto photo, archive.GetPhoto(photo_id));
  const bool confirm = action == ReviewAction::kConfirm;

  std::vector<FaceEvidence> evidence;
  std::vector<PersonId> mentioned;
  for (const PhotoMention& m : photo.mentions) mentioned.push_back(m.person);
  for (const StoredFace& f : photo.faces) {
    evidence.push_back(list->EvidenceFor(f.detected.embedding.values, f.detected.quality));
    EditorsWord word = EditorsWordOf(f.tag, f.status, f.rejected);
    if (f.id == face) {
      auto& rejected = word.rejected;
      if (confirm) {
        rejected.erase(std::remove(rejected.begin(), rejected.end(), person), rejected.end());
        if (word.confirmed != person) word.confirmed_similarity.reset();
        if (f.tag.person == person) word.confirmed_similarity = f.tag.similarity;
        word.confirmed = person;
      } else {
        if (std::find(rejected.begin(), rejected.end(), person) == rejected.end()) {
          rejected.push_back(person);
        }
        if (word.confirmed == person) {
          word.confirmed.reset();
          word.confirmed_similarity.reset();
        }
      }
    } else if (confirm && word.confirmed == person) {
      return Fail(ErrorCode::kAlreadyExists,
                  reviewed_person.name + " is already confirmed on face " + std::to_string(f.id) +
                      " of this photo; reject the name there first");
    }
    evidence.back().editors = std::move(word);
  }
  const auto decided = DecidePhoto(evidence, mentioned, list->rule());

  ReviewRecord record;
  record.face = face;
  record.person = person;
  record.confirm = confirm;
  record.actor = std::string(actor);
  bool names_changed = false;
  for (std::size_t i = 0; i < photo.faces.size(); ++i) {
    const StoredFace& f = photo.faces[i];
    DecisionUpdate update;
    update.face = f.id;
    update.tag = TagOf(decided[i]);
    update.status = StatusOf(decided[i]);
    if (SameTag(update.tag, f.tag) && update.status == f.status) continue;
    names_changed = names_changed || update.tag.person != f.tag.person ||
                    update.status != f.status;
    record.updates.push_back(std::move(update));
  }
  FACETAG_RETURN_IF_ERROR(archive.RecordReview(record));

  ReviewOutcome outcome;
  outcome.photo = photo_id;
  if (names_changed) outcome.changed_photos.push_back(photo_id);
  if (write_metadata) {
    metadata::WriteOptions write_options;
    write_options.target = target;
    FACETAG_ASSIGN_OR_RETURN(outcome.written, WriteTags(photo_id, write_options));
  }
  return outcome;
}

}  // namespace facetag::app
