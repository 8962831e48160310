#include "facetag/app.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace facetag::app {

App::App(Store& store, const ModelPack& pack, PhotoFiles& files, AppOptions options)
    : store_(store), pack_(pack), files_(files), options_(options) {}

Result<std::shared_ptr<const ListSnapshot>> App::List() {
  {
    MutexLock lock(mutex_);
    if (list_) return list_;
  }
  // Loaded outside the lock: a slow load does not block readers of a
  // snapshot that is already there; two concurrent loads are harmless.
  FACETAG_ASSIGN_OR_RETURN(ListSnapshot loaded, ListSnapshot::Load(store_, pack_));
  auto shared = std::make_shared<const ListSnapshot>(std::move(loaded));
  MutexLock lock(mutex_);
  if (!list_) list_ = std::move(shared);
  return list_;
}

void App::Refresh() {
  MutexLock lock(mutex_);
  list_.reset();
}

Result<void> App::ListChanged() {
  Refresh();
  return List().map([](auto) {});
}

Result<Recognition> App::Recognize(std::string_view location, std::span<const unsigned char> bytes,
                                   vision::FaceAnalyzer& analyzer, bool read_sidecar) {
  FACETAG_ASSIGN_OR_RETURN(auto list, List());
  metadata::ReadOptions read_options;
  read_options.read_sidecar = read_sidecar;
  Recognition r;
  FACETAG_ASSIGN_OR_RETURN(r.text, files_.ReadText(location, read_options));
  FACETAG_ASSIGN_OR_RETURN(PhotoFaces faces, analyzer.Analyze(bytes));
  r.width = faces.width;
  r.height = faces.height;
  r.exif_orientation = faces.exif_orientation;
  r.mentions = list->Mentions(r.text.caption);
  const std::vector<PersonId> mentioned = captions::MentionedPersons(r.mentions);
  std::vector<FaceEvidence> evidence;
  evidence.reserve(faces.faces.size());
  for (const DetectedFace& face : faces.faces) evidence.push_back(list->EvidenceFor(face));
  const std::vector<Decision> decisions = DecidePhoto(evidence, mentioned, list->rule());
  for (std::size_t i = 0; i < faces.faces.size(); ++i) {
    r.faces.push_back({std::move(faces.faces[i]), decisions[i]});
  }
  r.presence = Reconcile(decisions, mentioned);
  return r;
}

Result<std::vector<FaceSearchHit>> App::SearchByFace(std::span<const unsigned char> bytes,
                                                     vision::FaceAnalyzer& analyzer, int limit,
                                                     std::optional<float> min_similarity) {
  if (limit < 1 || limit > 10000) {
    return Fail(ErrorCode::kInvalidArgument, "limit must be 1-10000");
  }
  FACETAG_ASSIGN_OR_RETURN(PhotoFaces faces, analyzer.Analyze(bytes));
  const auto main_face = vision::PickMainFace(faces);
  if (!main_face) return Fail(ErrorCode::kNoFace, "no face found in the photo");
  const std::vector<float>& probe = faces.faces[*main_face].embedding.values;
  const float floor =
      min_similarity.value_or(pack_.thresholds.SimilarityAt(pack_.thresholds.face_search_far));
  // Every stored face of the pack's model, page by page: no photo is read.
  std::map<PhotoId, std::pair<float, FaceId>> best;  // per photo: its most similar face
  Archive& archive = store_.archive();
  FaceId after = 0;
  do {
    FACETAG_ASSIGN_OR_RETURN(FacePage page, archive.FacesForModel(pack_.id, after, 10000));
    for (const FaceForMatching& f : page.faces) {
      const float s = CosineSimilarity(f.embedding, probe);
      if (!(s >= floor)) continue;
      auto [it, added] = best.emplace(f.photo, std::pair{s, f.id});
      if (!added && s > it->second.first) it->second = {s, f.id};
    }
    after = page.next_after;
  } while (after != 0);
  std::vector<std::tuple<float, PhotoId, FaceId>> ranked;
  for (const auto& [id, hit] : best) ranked.emplace_back(hit.first, id, hit.second);
  std::sort(ranked.rbegin(), ranked.rend());
  if (ranked.size() > static_cast<std::size_t>(limit)) ranked.resize(limit);
  std::vector<FaceSearchHit> hits;
  for (const auto& [similarity, id, face] : ranked) {
    FACETAG_ASSIGN_OR_RETURN(StoredPhoto photo, archive.GetPhoto(id));
    hits.push_back({id, face, photo.info.location, similarity});
  }
  return hits;
}

}  // namespace facetag::app
