#include "facetag/rematch.h"

#include <algorithm>
#include <set>

namespace facetag::pipeline {

FaceTag ArchiveTag(const FaceRecognition& r) {
  FaceTag tag;
  if (r.match.best) tag.similarity = r.match.best->similarity;
  tag.by_mention = r.by_mention;
  if (r.person) {
    tag.person = r.person->id;
    tag.decision = FaceDecision::kRecognized;
  } else {
    tag.decision = r.match.decision == gallery::Decision::kUnknown ? FaceDecision::kUnknown
                                                                   : FaceDecision::kAmbiguous;
  }
  return tag;
}

namespace {

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
      FaceTag tag = ArchiveTag(decided[i]);
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

namespace facetag::pipeline {

Result<metadata::WriteReport> WriteArchivedTags(Store& store, PhotoId id,
                                                const metadata::WriteOptions& options) {
  auto photo = store.archive().GetPhoto(id);
  if (!photo) return tl::unexpected(photo.error());
  auto tags = ArchivedTags(store, id);
  if (!tags) return tl::unexpected(tags.error());
  return metadata::WritePersonTags(photo->info.location, *tags, options);
}

Result<metadata::TagSet> ArchivedTags(Store& store, PhotoId id) {
  auto photo = store.archive().GetPhoto(id);
  if (!photo) return tl::unexpected(photo.error());
  metadata::TagSet tags;
  tags.width = photo->info.width;
  tags.height = photo->info.height;
  tags.exif_orientation = photo->info.exif_orientation;
  std::vector<PersonId> pictured;
  for (const StoredFace& face : photo->faces) {
    if (!face.tag.person || face.status == TagStatus::kRejected) continue;
    auto person = store.GetPerson(*face.tag.person);
    if (!person) return tl::unexpected(person.error());
    metadata::PicturedPerson p;
    p.name = person->name;
    p.uri = person->uri;
    // Clipped to the photo: the file describes the visible part of a face.
    p.box = ClipToFrame(face.detected.box, static_cast<float>(tags.width),
                        static_cast<float>(tags.height));
    p.provenance.origin = face.status == TagStatus::kConfirmed ? metadata::TagOrigin::kConfirmed
                                                               : metadata::TagOrigin::kAutomatic;
    p.provenance.similarity = face.tag.similarity.value_or(0.0f);
    p.provenance.model_id = face.detected.embedding.model_id;
    p.provenance.tagged_at = face.updated_at;
    tags.pictured.push_back(std::move(p));
    pictured.push_back(*face.tag.person);
  }
  std::set<PersonId> listed(pictured.begin(), pictured.end());
  for (const PhotoMention& m : photo->mentions) {
    if (!listed.insert(m.person).second) continue;  // pictured, or mentioned before
    auto person = store.GetPerson(m.person);
    if (!person) return tl::unexpected(person.error());
    tags.mentioned.push_back({person->name, person->uri});
  }
  return tags;
}

}  // namespace facetag::pipeline
