#include "facetag/rematch.h"

#include <algorithm>

namespace facetag::pipeline {
namespace {

FaceTag TagOf(const FaceRecognition& r) {
  FaceTag tag;
  if (r.match.best) tag.similarity = r.match.best->similarity;
  tag.by_mention = r.by_mention;
  if (r.person) {
    tag.person = r.person->id;
    tag.decision = FaceDecision::kRecognized;
  } else if (r.match.decision == gallery::Decision::kRecognized) {
    tag.decision = FaceDecision::kDuplicate;
  } else {
    tag.decision = r.match.decision == gallery::Decision::kAmbiguous ? FaceDecision::kAmbiguous
                                                                     : FaceDecision::kUnknown;
  }
  return tag;
}

bool SameTag(const FaceTag& a, const FaceTag& b) {
  return a.person == b.person && a.decision == b.decision && a.by_mention == b.by_mention;
}

}  // namespace

Result<RematchSummary> Rematch(Archive& archive, const Recognizer& list,
                               const RematchOptions& options,
                               const std::function<void(std::size_t)>& progress) {
  RematchSummary summary;
  const std::string& model = list.matcher().model_id();
  std::vector<DecisionUpdate> updates;
  // Faces of one photo are decided together (one face per person); a page
  // may end inside a photo, so its last photo waits for the next page.
  std::vector<FaceForMatching> pending;

  auto decide_photo = [&](const std::vector<FaceForMatching>& faces) {
    PhotoFaces photo;
    for (const FaceForMatching& f : faces) {
      DetectedFace d;
      d.embedding = {model, f.embedding};
      photo.faces.push_back(std::move(d));
    }
    const auto decided = list.Recognize(photo, faces.front().mentioned);
    for (std::size_t i = 0; i < faces.size(); ++i) {
      FaceTag tag = TagOf(decided[i]);
      const FaceTag& old = faces[i].tag;
      if (options.person && tag.person != options.person && old.person != options.person) continue;
      if (SameTag(tag, old) && tag.similarity == old.similarity) continue;
      updates.push_back({faces[i].id, std::move(tag)});
    }
    summary.faces += faces.size();
  };
  auto apply = [&]() -> Result<void> {
    if (updates.empty()) return {};
    auto outcome = archive.ApplyDecisions(updates);
    if (!outcome) return tl::unexpected(outcome.error());
    summary.changed += outcome->changed;
    summary.skipped_rejected += outcome->skipped_rejected;
    summary.skipped_confirmed += outcome->skipped_confirmed;
    summary.changed_photos.insert(summary.changed_photos.end(), outcome->changed_photos.begin(),
                                  outcome->changed_photos.end());
    updates.clear();
    return {};
  };

  FaceId after = 0;
  do {
    auto page = archive.FacesForModel(model, after, options.batch);
    if (!page) return tl::unexpected(page.error());
    for (FaceForMatching& face : page->faces) {
      if (!pending.empty() && pending.front().photo != face.photo) {
        decide_photo(pending);
        pending.clear();
      }
      pending.push_back(std::move(face));
    }
    after = page->next_after;
    if (after == 0 && !pending.empty()) {
      decide_photo(pending);
      pending.clear();
    }
    FACETAG_RETURN_IF_ERROR(apply());
    if (progress) progress(summary.faces);
  } while (after != 0);

  std::sort(summary.changed_photos.begin(), summary.changed_photos.end());
  summary.changed_photos.erase(
      std::unique(summary.changed_photos.begin(), summary.changed_photos.end()),
      summary.changed_photos.end());
  return summary;
}

}  // namespace facetag::pipeline
