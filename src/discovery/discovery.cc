// Discover, candidates and the editors' decisions (facetag/discovery.h).
#include "facetag/discovery.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "facetag/gallery.h"
#include "facetag/privacy_store.h"
#include "facetag/store.h"

namespace facetag::discovery {
namespace {

using Json = nlohmann::json;

std::string Subject(ClusterId id) { return "cluster:" + std::to_string(id); }

float Dot(std::span<const float> a, std::span<const float> b) {
  float s = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) s += a[i] * b[i];
  return s;
}

// The normalised mean of embeddings.
std::vector<float> MeanOf(const std::vector<const std::vector<float>*>& embeddings) {
  std::vector<float> mean;
  for (const auto* e : embeddings) {
    if (mean.empty()) mean.assign(e->size(), 0.0f);
    for (std::size_t i = 0; i < mean.size() && i < e->size(); ++i) mean[i] += (*e)[i];
  }
  NormalizeL2(mean);
  return mean;
}

// The rejected identity a cluster mean is, if any (the most similar).
std::optional<RejectedIdentityId> MatchRejected(const std::vector<RejectedIdentity>& rejected,
                                                std::span<const float> mean, float threshold) {
  std::optional<RejectedIdentityId> best;
  float best_similarity = threshold;
  for (const RejectedIdentity& r : rejected) {
    if (r.template_embedding.values.size() != mean.size()) continue;
    const float s = Dot(r.template_embedding.values, mean);
    if (s >= best_similarity) {
      best_similarity = s;
      best = r.id;
    }
  }
  return best;
}

Result<void> CheckOptions(const DiscoveryOptions& o) {
  if (o.model_id.empty()) return Fail(ErrorCode::kInvalidArgument, "no model id given");
  if (o.dimension < 1) return Fail(ErrorCode::kInvalidArgument, "embedding dimension below 1");
  if (o.page_size < 1 || o.page_size > 100000) {
    return Fail(ErrorCode::kInvalidArgument,
                "page size " + std::to_string(o.page_size) + " is outside 1-100000");
  }
  if (o.candidates.min_photos < 1 || o.candidates.min_events < 1) {
    return Fail(ErrorCode::kInvalidArgument, "candidates need at least 1 photo and 1 event");
  }
  if (!std::isfinite(o.rejected_similarity) || o.rejected_similarity < -1 ||
      o.rejected_similarity > 1) {
    return Fail(ErrorCode::kInvalidArgument, "rejected similarity is outside [-1, 1]");
  }
  return CheckClusteringOptions(o.clustering);
}

Result<void> CheckActor(std::string_view actor) {
  if (actor.empty()) return Fail(ErrorCode::kInvalidArgument, "the actor is empty");
  return {};
}

}  // namespace

DiscoveryOptions OptionsForPack(const ModelPack& pack) {
  DiscoveryOptions o;
  o.model_id = pack.id;
  o.dimension = pack.embedding_size;
  const PackThresholds& t = pack.thresholds;
  o.clustering.link_similarity = t.SimilarityAt(t.cluster_link_far);
  o.suppression.min_similarity = t.SimilarityAt(t.suppression_far);
  return o;
}

Result<DiscoveryOptions> OptionsFor(Store& store, const ModelPack& pack) {
  DiscoveryOptions o = OptionsForPack(pack);
  auto templates = store.privacy().SuppressionTemplates(pack.id);
  if (!templates) return tl::unexpected(templates.error());
  o.suppression.templates = std::move(*templates);
  // The same bar as the recognizer's: what it would not tag, discovery does
  // not propose (gallery::SuppressionThreshold).
  o.suppression.min_similarity = gallery::SuppressionThreshold(pack.thresholds);
  return o;
}

// ---------------------------------------------------------------------------
// Discover

Result<DiscoverSummary> Discover(Store& store, const DiscoveryOptions& options, bool rebuild,
                                 const std::function<void(std::size_t)>& progress) {
  FACETAG_RETURN_IF_ERROR(CheckOptions(options));
  DiscoveryStore& ds = store.discovery();
  DiscoverSummary summary;
  auto clusterer = Clusterer::Create(options.dimension, options.clustering);
  if (!clusterer) return tl::unexpected(clusterer.error());
  auto rejected = ds.RejectedIdentities(options.model_id);
  if (!rejected) return tl::unexpected(rejected.error());
  auto old_clusters = ds.ListClusters(options.model_id);
  if (!old_clusters) return tl::unexpected(old_clusters.error());
  std::unordered_map<ClusterId, ClusterInfo> old_by_id;
  for (const ClusterInfo& c : *old_clusters) old_by_id.emplace(c.id, c);

  ClusterUpdate update;
  update.replace_all = rebuild;
  // Rebuild: which old cluster each face was in, for keeping "held".
  std::unordered_map<FaceId, ClusterId> old_cluster_of;
  std::set<FaceId> restored;  // incremental: faces loaded in their stored cluster

  if (!rebuild) {
    auto left = ds.PruneNamedFaces(options.model_id);
    if (!left) return tl::unexpected(left.error());
    summary.left = static_cast<std::size_t>(*left);
    FaceId after = 0;
    do {
      auto page = ds.PoolFaces(options.model_id, PoolPart::kClustered, after, options.page_size);
      if (!page) return tl::unexpected(page.error());
      for (const PoolFace& f : page->faces) {
        if (IsSuppressed(options.suppression, options.model_id, f.embedding)) {
          update.removed.push_back(f.id);
          ++summary.unsuppressed_removed;
          continue;
        }
        FACETAG_RETURN_IF_ERROR(clusterer->Restore(f.id, *f.cluster, f.embedding));
        restored.insert(f.id);
        ++summary.restored;
      }
      after = page->next_after;
    } while (after != 0);
  }

  FaceId after = 0;
  do {
    auto page = ds.PoolFaces(options.model_id, rebuild ? PoolPart::kAll : PoolPart::kUnclustered,
                             after, options.page_size);
    if (!page) return tl::unexpected(page.error());
    for (const PoolFace& f : page->faces) {
      ++summary.new_faces;
      if (rebuild && f.cluster) old_cluster_of.emplace(f.id, *f.cluster);
      const std::string reason =
          GateReason(MeasureQuality(f.box, f.detection_score, f.landmarks), options.gate);
      if (!reason.empty()) {
        update.excluded.emplace_back(f.id, reason);
        ++summary.excluded;
      } else if (IsSuppressed(options.suppression, options.model_id, f.embedding)) {
        ++summary.suppressed;
        if (f.cluster && !rebuild) update.removed.push_back(f.id);
      } else {
        auto key = clusterer->Add(f.id, f.embedding);
        if (!key) return tl::unexpected(key.error());
        ++summary.clustered;
      }
      if (progress) progress(summary.new_faces);
    }
    after = page->next_after;
  } while (after != 0);

  // Merges of stored clusters, in order; new clusters merged into stored
  // ones have their faces joined below.
  for (const auto& [absorbed, survivor] : clusterer->merges()) {
    if (absorbed > 0) update.merged.emplace_back(absorbed, clusterer->Resolve(survivor));
  }
  summary.merges = clusterer->merges().size();
  // Faces whose stored cluster did not change need no row; every face the
  // run added gets one.
  std::vector<ClusterKey> created_keys;
  for (auto& [key, faces] : clusterer->Clusters()) {
    const std::vector<float> mean = clusterer->Mean(key);
    const auto identity = MatchRejected(*rejected, mean, options.rejected_similarity);
    if (key < 0) {
      ClusterUpdate::NewCluster created;
      created.faces = faces;
      if (identity) {
        created.state = CandidateState::kRejected;
        created.rejected_as = identity;
        ++summary.rejected_again;
      } else if (rebuild) {
        // Held when most of its faces were in one held cluster.
        std::map<ClusterId, int> votes;
        for (FaceId face : faces) {
          auto it = old_cluster_of.find(face);
          if (it != old_cluster_of.end()) ++votes[it->second];
        }
        auto best = std::max_element(votes.begin(), votes.end(), [](const auto& a, const auto& b) {
          return a.second < b.second;
        });
        if (best != votes.end() && 2 * best->second > static_cast<int>(faces.size())) {
          auto old = old_by_id.find(best->first);
          if (old != old_by_id.end() && old->second.state == CandidateState::kHeld) {
            created.state = CandidateState::kHeld;
          }
        }
      }
      update.created.push_back(std::move(created));
      created_keys.push_back(key);
      continue;
    }
    // Restored faces stay in their rows (a merge moves them); new faces
    // joining a stored cluster get one.
    bool changed = false;
    for (FaceId face : faces) {
      if (restored.count(face)) continue;
      update.joined.emplace_back(face, key);
      changed = true;
    }
    for (const auto& [absorbed, survivor] : update.merged) changed = changed || survivor == key;
    auto old = old_by_id.find(key);
    if (changed && identity && old != old_by_id.end() &&
        (old->second.state == CandidateState::kOpen ||
         old->second.state == CandidateState::kHeld)) {
      update.rejected.emplace_back(key, *identity);
      ++summary.rejected_again;
    }
  }
  summary.new_clusters = update.created.size();
  update.audit = AuditRecord{options.actor, rebuild ? "discovery.rebuild" : "discovery.update",
                             "model:" + options.model_id,
                             Json{{"new_faces", summary.new_faces},
                                  {"clustered", summary.clustered},
                                  {"excluded", summary.excluded},
                                  {"suppressed", summary.suppressed},
                                  {"new_clusters", summary.new_clusters},
                                  {"merges", summary.merges}}
                                 .dump()};
  auto ids = ds.ApplyClusterUpdate(options.model_id, update);
  if (!ids) return tl::unexpected(ids.error());
  auto after_run = ds.ListClusters(options.model_id);
  if (!after_run) return tl::unexpected(after_run.error());
  summary.clusters = after_run->size();
  summary.indexed = clusterer->indexed();
  return summary;
}

// ---------------------------------------------------------------------------
// Candidates

namespace {

std::string EventOf(const ClusterMember& m) {
  const std::string& d = m.date_created;
  const bool dated = d.size() >= 10 && std::isdigit(static_cast<unsigned char>(d[0])) &&
                     d[4] == '-' && d[7] == '-';
  if (dated) return d.substr(0, 10);
  return "photo:" + std::to_string(m.photo);
}

// Where `face` stands among the faces of its photo.
PositionHint PositionOf(const StoredPhoto& photo, FaceId face) {
  if (photo.faces.size() < 2) return PositionHint::kNone;
  std::vector<std::pair<float, FaceId>> order;
  for (const StoredFace& f : photo.faces) order.emplace_back(f.detected.box.CenterX(), f.id);
  std::sort(order.begin(), order.end());
  if (order.front().second == face) return PositionHint::kLeft;
  if (order.back().second == face) return PositionHint::kRight;
  return PositionHint::kCenter;
}

Result<std::unique_ptr<captions::MentionFinder>> ListedNames(Store& store) {
  auto persons = store.ListPersons();
  if (!persons) return tl::unexpected(persons.error());
  std::vector<captions::ListedName> names;
  for (const Person& p : *persons) names.push_back({p.id, p.name, p.aliases});
  return std::make_unique<captions::MentionFinder>(names);
}

// The faces an approval turns into profiles: one per photo, those passing
// the quality gate first, then by similarity to the cluster mean.
std::vector<std::size_t> BestMembers(const std::vector<ClusterMember>& members,
                                     const QualityGate& gate, std::size_t limit) {
  std::vector<const std::vector<float>*> all;
  for (const auto& m : members) all.push_back(&m.embedding);
  const std::vector<float> mean = MeanOf(all);
  std::vector<std::tuple<bool, float, std::size_t>> ranked;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    const bool good =
        GateReason(MeasureQuality(m.box, m.detection_score, m.landmarks), gate).empty();
    ranked.emplace_back(good, Dot(m.embedding, mean), i);
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a);
    return std::get<1>(a) > std::get<1>(b);
  });
  std::vector<std::size_t> out;
  std::set<PhotoId> photos;
  for (const auto& [good, similarity, i] : ranked) {
    if (out.size() >= limit) break;
    if (!photos.insert(members[i].photo).second) continue;
    out.push_back(i);
  }
  return out;
}

constexpr std::size_t kBestFacesShown = 5;

Result<Candidate> BuildCandidate(Store& store, const DiscoveryOptions& options,
                                 const ClusterInfo& info) {
  auto members = store.discovery().Members(info.id);
  if (!members) return tl::unexpected(members.error());
  Candidate c;
  c.cluster = info;
  std::map<PhotoId, CandidatePhoto> photos;
  std::set<std::string> events;
  for (const ClusterMember& m : *members) {
    CandidatePhoto& p = photos[m.photo];
    p.photo = m.photo;
    p.location = m.location;
    p.date = m.sort_date;
    p.faces.push_back(m.face);
    events.insert(EventOf(m));
  }
  c.photo_count = static_cast<int>(photos.size());
  c.event_count = static_cast<int>(events.size());
  for (auto& [id, p] : photos) c.photos.push_back(std::move(p));
  std::sort(c.photos.begin(), c.photos.end(), [](const CandidatePhoto& a, const CandidatePhoto& b) {
    if (a.date != b.date) return a.date > b.date;
    return a.photo > b.photo;
  });
  if (!c.photos.empty()) c.last_date = c.photos.front().date;
  c.recurring = c.photo_count >= options.candidates.min_photos &&
                c.event_count >= options.candidates.min_events;
  for (std::size_t i : BestMembers(*members, options.gate, kBestFacesShown)) {
    c.best_faces.push_back((*members)[i].face);
  }
  return c;
}

Result<void> AddNames(Store& store, std::vector<Candidate>& candidates, std::size_t max_names) {
  if (candidates.empty()) return {};
  auto listed = ListedNames(store);
  if (!listed) return tl::unexpected(listed.error());
  NameIndex index(listed->get());
  PhotoId after = 0;
  do {
    auto page = store.archive().CaptionsAfter(after, 10000);
    if (!page) return tl::unexpected(page.error());
    for (const PhotoCaption& p : page->photos) index.Add(p.id, p.caption);
    after = page->next_after;
  } while (after != 0);
  // Whether a suggested name was opted out, looked up once per name.
  std::map<std::string, bool, std::less<>> suppressed_names;
  for (Candidate& c : candidates) {
    std::vector<NamingPhoto> naming;
    for (const CandidatePhoto& p : c.photos) {
      if (index.NamesOf(p.photo).empty()) continue;
      auto photo = store.archive().GetPhoto(p.photo);
      if (!photo) return tl::unexpected(photo.error());
      naming.push_back({p.photo, PositionOf(*photo, p.faces.front())});
    }
    // Photos without names still count: a name missing from them is less
    // consistent.
    for (const CandidatePhoto& p : c.photos) {
      if (index.NamesOf(p.photo).empty()) naming.push_back({p.photo, PositionHint::kNone});
    }
    // A person who opted out is never proposed again, under any spelling
    // the suppression record knows: ask for a few more names than shown and
    // drop theirs.
    constexpr std::size_t kSpareNames = 8;
    std::vector<NameSuggestion> names = SuggestNames(naming, index, max_names + kSpareNames);
    c.names.clear();
    for (NameSuggestion& name : names) {
      if (c.names.size() == max_names) break;
      auto known = suppressed_names.find(name.name);
      if (known == suppressed_names.end()) {
        FACETAG_ASSIGN_OR_RETURN(std::optional<SuppressionId> record,
                                 store.privacy().FindSuppressedName(name.name));
        known = suppressed_names.emplace(name.name, record.has_value()).first;
      }
      if (!known->second) c.names.push_back(std::move(name));
    }
  }
  return {};
}

}  // namespace

Result<std::vector<Candidate>> ListCandidates(Store& store, const DiscoveryOptions& options,
                                              const CandidateQuery& query) {
  FACETAG_RETURN_IF_ERROR(CheckOptions(options));
  if (query.limit < 1 || query.limit > 100000) {
    return Fail(ErrorCode::kInvalidArgument,
                "limit " + std::to_string(query.limit) + " is outside 1-100000");
  }
  auto clusters = store.discovery().ListClusters(options.model_id);
  if (!clusters) return tl::unexpected(clusters.error());
  std::vector<Candidate> out;
  for (const ClusterInfo& info : *clusters) {
    if (std::find(query.states.begin(), query.states.end(), info.state) == query.states.end()) {
      continue;
    }
    // A cluster with fewer faces than photos needed can never qualify.
    if (query.recurring_only && info.face_count < options.candidates.min_photos) continue;
    if (info.face_count == 0) continue;
    auto c = BuildCandidate(store, options, info);
    if (!c) return tl::unexpected(c.error());
    if (query.recurring_only && !c->recurring) continue;
    out.push_back(std::move(*c));
  }
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    if (a.event_count != b.event_count) return a.event_count > b.event_count;
    if (a.photo_count != b.photo_count) return a.photo_count > b.photo_count;
    if (a.last_date != b.last_date) return a.last_date > b.last_date;
    return a.cluster.id < b.cluster.id;
  });
  if (out.size() > static_cast<std::size_t>(query.limit)) out.resize(query.limit);
  if (query.with_names) FACETAG_RETURN_IF_ERROR(AddNames(store, out, query.max_names));
  return out;
}

Result<Candidate> GetCandidate(Store& store, const DiscoveryOptions& options, ClusterId id,
                               bool with_names) {
  FACETAG_RETURN_IF_ERROR(CheckOptions(options));
  auto info = store.discovery().GetCluster(id);
  if (!info) return tl::unexpected(info.error());
  auto c = BuildCandidate(store, options, *info);
  if (!c) return tl::unexpected(c.error());
  std::vector<Candidate> one{std::move(*c)};
  if (with_names) FACETAG_RETURN_IF_ERROR(AddNames(store, one, 5));
  return std::move(one.front());
}

// ---------------------------------------------------------------------------
// Decisions

namespace {

Result<ClusterInfo> Reviewable(DiscoveryStore& ds, ClusterId id, const char* action) {
  auto info = ds.GetCluster(id);
  if (!info) return tl::unexpected(info.error());
  if (info->state == CandidateState::kApproved || info->state == CandidateState::kRejected) {
    return Fail(ErrorCode::kInvalidArgument, "cluster " + std::to_string(id) + " is " +
                                                 CandidateStateName(info->state) + ": cannot " +
                                                 action + " it");
  }
  return info;
}

}  // namespace

Result<std::vector<ClusterMember>> ApprovalFaces(Store& store, const DiscoveryOptions& options,
                                                 ClusterId id, int max_profiles) {
  FACETAG_RETURN_IF_ERROR(CheckOptions(options));
  if (max_profiles < 1 || max_profiles > 50) {
    return Fail(ErrorCode::kInvalidArgument,
                "max profiles " + std::to_string(max_profiles) + " is outside 1-50");
  }
  DiscoveryStore& ds = store.discovery();
  FACETAG_RETURN_IF_ERROR(Reviewable(ds, id, "approve"));
  FACETAG_ASSIGN_OR_RETURN(std::vector<ClusterMember> members, ds.Members(id));
  if (members.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "cluster " + std::to_string(id) + " has no faces");
  }
  std::vector<ClusterMember> best;
  for (const std::size_t i : BestMembers(members, options.gate, max_profiles)) {
    best.push_back(std::move(members[i]));
  }
  return best;
}

Result<void> MarkApproved(Store& store, ClusterId id, const Person& person,
                          const std::vector<FaceId>& profile_faces, std::string_view actor) {
  FACETAG_RETURN_IF_ERROR(CheckActor(actor));
  const Json details = {{"person", person.id},
                        {"name", person.name},
                        {"justification", person.justification},
                        {"criteria",
                         {{"public_figure", person.criteria.public_figure},
                          {"recurring_in_news", person.criteria.recurring_in_news},
                          {"likely_searched", person.criteria.likely_searched}}},
                        {"profile_faces", profile_faces}};
  return store.discovery().SetState(id, CandidateState::kApproved, person.id, std::nullopt,
                                    {std::string(actor), "candidate.approve", Subject(id),
                                     details.dump()});
}

Result<RejectedIdentityId> Reject(Store& store, const DiscoveryOptions& options, ClusterId id,
                                  std::string_view reason, std::string_view actor) {
  FACETAG_RETURN_IF_ERROR(CheckOptions(options));
  FACETAG_RETURN_IF_ERROR(CheckActor(actor));
  DiscoveryStore& ds = store.discovery();
  auto info = ds.GetCluster(id);
  if (!info) return tl::unexpected(info.error());
  if (info->state == CandidateState::kApproved) {
    return Fail(ErrorCode::kInvalidArgument,
                "cluster " + std::to_string(id) + " is approved: remove the person instead");
  }
  if (info->state == CandidateState::kRejected && info->rejected_as) return *info->rejected_as;
  auto members = ds.Members(id);
  if (!members) return tl::unexpected(members.error());
  if (members->empty()) {
    return Fail(ErrorCode::kInvalidArgument, "cluster " + std::to_string(id) + " has no faces");
  }
  std::vector<const std::vector<float>*> all;
  for (const auto& m : *members) all.push_back(&m.embedding);
  auto identity = ds.AddRejectedIdentity({options.model_id, MeanOf(all)}, reason, actor);
  if (!identity) return tl::unexpected(identity.error());
  FACETAG_RETURN_IF_ERROR(ds.SetState(
      id, CandidateState::kRejected, std::nullopt, *identity,
      {std::string(actor), "candidate.reject", Subject(id),
       Json{{"reason", reason}, {"identity", *identity}, {"faces", members->size()}}.dump()}));
  return *identity;
}

Result<void> Merge(Store& store, const DiscoveryOptions& options, ClusterId into, ClusterId from,
                   std::string_view actor) {
  FACETAG_RETURN_IF_ERROR(CheckOptions(options));
  FACETAG_RETURN_IF_ERROR(CheckActor(actor));
  if (into == from) {
    return Fail(ErrorCode::kInvalidArgument,
                "cluster " + std::to_string(into) + " cannot be merged with itself");
  }
  DiscoveryStore& ds = store.discovery();
  auto a = Reviewable(ds, into, "merge");
  if (!a) return tl::unexpected(a.error());
  auto b = Reviewable(ds, from, "merge");
  if (!b) return tl::unexpected(b.error());
  if (a->model_id != b->model_id) {
    return Fail(ErrorCode::kInvalidArgument, "clusters of different models cannot be merged");
  }
  ClusterUpdate update;
  update.merged.emplace_back(from, into);
  update.audit = AuditRecord{std::string(actor), "candidate.merge", Subject(into),
                             Json{{"merged", from}}.dump()};
  auto done = ds.ApplyClusterUpdate(a->model_id, update);
  if (!done) return tl::unexpected(done.error());
  return {};
}

Result<std::vector<ClusterId>> Split(Store& store, const DiscoveryOptions& options, ClusterId id,
                                     const std::vector<FaceId>& faces, std::string_view actor) {
  FACETAG_RETURN_IF_ERROR(CheckOptions(options));
  FACETAG_RETURN_IF_ERROR(CheckActor(actor));
  DiscoveryStore& ds = store.discovery();
  auto info = Reviewable(ds, id, "split");
  if (!info) return tl::unexpected(info.error());
  auto members = ds.Members(id);
  if (!members) return tl::unexpected(members.error());
  ClusterUpdate update;
  if (!faces.empty()) {
    std::set<FaceId> in_cluster;
    for (const auto& m : *members) in_cluster.insert(m.face);
    std::set<FaceId> moving(faces.begin(), faces.end());
    for (FaceId f : moving) {
      if (!in_cluster.count(f)) {
        return Fail(ErrorCode::kInvalidArgument,
                    "face " + std::to_string(f) + " is not in cluster " + std::to_string(id));
      }
    }
    if (moving.size() == in_cluster.size()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "splitting off every face of cluster " + std::to_string(id) + " changes nothing");
    }
    update.created.push_back(
        {std::vector<FaceId>(moving.begin(), moving.end()), CandidateState::kOpen, std::nullopt});
  } else {
    // Two means (cosine), seeded by the least similar pair of faces. The
    // halves are kept apart only when their means are less alike than
    // clusters must be to merge: otherwise it is one person.
    const std::size_t n = members->size();
    if (n < 2) {
      return Fail(ErrorCode::kRejected,
                  "cluster " + std::to_string(id) + " has one face: nothing to split");
    }
    std::size_t seed_a = 0, seed_b = 1;
    float lowest = 2;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {
        const float s = Dot((*members)[i].embedding, (*members)[j].embedding);
        if (s < lowest) {
          lowest = s;
          seed_a = i;
          seed_b = j;
        }
      }
    }
    std::vector<float> mean_a = (*members)[seed_a].embedding;
    std::vector<float> mean_b = (*members)[seed_b].embedding;
    std::vector<bool> in_b(n, false);
    for (int round = 0; round < 20; ++round) {
      bool moved = false;
      for (std::size_t i = 0; i < n; ++i) {
        const bool b = Dot((*members)[i].embedding, mean_b) > Dot((*members)[i].embedding, mean_a);
        moved = moved || b != in_b[i];
        in_b[i] = b;
      }
      std::vector<const std::vector<float>*> part_a, part_b;
      for (std::size_t i = 0; i < n; ++i) {
        (in_b[i] ? part_b : part_a).push_back(&(*members)[i].embedding);
      }
      if (part_a.empty() || part_b.empty()) break;
      mean_a = MeanOf(part_a);
      mean_b = MeanOf(part_b);
      if (!moved && round > 0) break;
    }
    std::vector<FaceId> split_off, kept;
    for (std::size_t i = 0; i < n; ++i) (in_b[i] ? split_off : kept).push_back((*members)[i].face);
    if (split_off.empty() || kept.empty() ||
        Dot(mean_a, mean_b) >= options.clustering.merge_similarity) {
      return Fail(ErrorCode::kRejected,
                  "cluster " + std::to_string(id) +
                      " looks like one person; name the faces to split off (--face)");
    }
    // The larger half keeps the cluster.
    if (split_off.size() > kept.size()) std::swap(split_off, kept);
    update.created.push_back({split_off, CandidateState::kOpen, std::nullopt});
  }
  update.audit = AuditRecord{std::string(actor), "candidate.split", Subject(id),
                             Json{{"parts", update.created.size() + 1}}.dump()};
  return ds.ApplyClusterUpdate(info->model_id, update);
}

Result<void> Hold(Store& store, ClusterId id, bool hold, std::string_view actor) {
  FACETAG_RETURN_IF_ERROR(CheckActor(actor));
  DiscoveryStore& ds = store.discovery();
  auto info = Reviewable(ds, id, hold ? "hold" : "reopen");
  if (!info) return tl::unexpected(info.error());
  return ds.SetState(
      id, hold ? CandidateState::kHeld : CandidateState::kOpen, std::nullopt, std::nullopt,
      {std::string(actor), hold ? "candidate.hold" : "candidate.reopen", Subject(id), "{}"});
}

}  // namespace facetag::discovery
