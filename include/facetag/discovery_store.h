// Discovery storage: the clusters of unknown archive faces, which face is in
// which cluster, the editors' verdict on each cluster as a candidate for the
// list, and the identities editors rejected as "not a public person".
//
// This is the storage half of discovery (facetag/discovery.h holds the
// clustering, the candidates and the editors' decisions built on it). Reach
// it through Store::discovery(); it shares the store's database, and face,
// photo and person ids are the archive's and the store's.
//
// What is kept about unlisted people, and why (the agency keeps as little
// biometric data of unlisted people as possible):
//  - A cluster is a number, its state and times; membership rows are pairs
//    (face id, cluster id). No embedding is copied: the faces' embeddings
//    stay in the archive, under its retention, and a face purged from the
//    archive leaves its cluster with it (ON DELETE CASCADE).
//  - Faces the quality gate kept out are remembered by id and reason only,
//    so that an incremental run does not read them again.
//  - A rejected identity keeps exactly one vector: the normalised mean
//    embedding of the rejected cluster (its "template"), with the model id,
//    the editor's reason, who and when. It is the least that lets facetag
//    recognise the same identity in photos that arrive later and after a
//    rebuild, when the cluster and its faces are gone; no photo, face id or
//    name is kept with it.
//
// Errors: kInvalidArgument names the bad value; kNotFound the missing
// cluster, face or identity; kDatabase for what the database refused
// (including writes to a store opened read-only). Each write is one
// transaction: a call that fails changes nothing.
//
// Thread safety: like the Store it belongs to; calls are serialised.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "facetag/archive.h"
#include "facetag/person.h"
#include "facetag/result.h"
#include "facetag/types.h"

namespace facetag {

using ClusterId = std::int64_t;
using RejectedIdentityId = std::int64_t;

// Where a cluster stands as a candidate for the list.
enum class CandidateState {
  kOpen,      // in the review queue (when it recurs)
  kHeld,      // an editor put it aside for later
  kRejected,  // "not a public person": never proposed again
  kApproved,  // listed as `person`
};

// "open", "held", "rejected", "approved" (the stored text).
const char* CandidateStateName(CandidateState state);
// The state named by CandidateStateName; kInvalidArgument otherwise.
Result<CandidateState> ParseCandidateState(std::string_view name);

struct ClusterInfo {
  ClusterId id = 0;
  std::string model_id;
  CandidateState state = CandidateState::kOpen;
  std::optional<PersonId> person;  // kApproved: the person it became
  // kRejected: the remembered identity it was rejected as (or matched).
  std::optional<RejectedIdentityId> rejected_as;
  int face_count = 0;
  std::string created_at;  // UTC ISO 8601
  std::string updated_at;
};

// A face of the unknown pool: a face of the model that names nobody
// (decision unknown or ambiguous), with what discovery needs of it.
struct PoolFace {
  FaceId id = 0;
  PhotoId photo = 0;
  FaceBox box;  // displayed pixels
  float detection_score = 0;
  Landmarks68 landmarks{};
  std::vector<float> embedding;
  std::optional<ClusterId> cluster;  // set when the face is clustered
};

struct PoolPage {
  std::vector<PoolFace> faces;  // ascending face id, at most `limit`
  FaceId next_after = 0;        // 0 when this was the last page
};

// Which faces of the pool PoolFaces returns.
enum class PoolPart {
  kClustered,    // members of a cluster (with `cluster` set)
  kUnclustered,  // neither clustered nor excluded: the work of the next run
  kAll,          // every face of the pool (a rebuild)
};

// A cluster member with the facts a reviewer and the candidate rules need.
struct ClusterMember {
  FaceId face = 0;
  PhotoId photo = 0;
  FaceBox box;
  float detection_score = 0;
  Landmarks68 landmarks{};
  std::vector<float> embedding;
  std::string location;      // of the photo, as ingested
  std::string date_created;  // of the photo, as read (may be empty)
  std::string sort_date;     // date_created when it starts with a date, else the ingest time
};

// One set of clustering changes, applied in one transaction.
struct ClusterUpdate {
  // Delete every cluster of the model that is not approved, every
  // membership and every exclusion of the model first (a rebuild).
  bool replace_all = false;

  struct NewCluster {
    std::vector<FaceId> faces;                      // not empty; moved here if clustered elsewhere
    CandidateState state = CandidateState::kOpen;   // not kApproved
    std::optional<RejectedIdentityId> rejected_as;  // with kRejected only
  };
  std::vector<NewCluster> created;
  // Faces joining (or moving to) existing clusters.
  std::vector<std::pair<FaceId, ClusterId>> joined;
  // Cluster `first` is merged into `second`: its faces move, it is deleted.
  std::vector<std::pair<ClusterId, ClusterId>> merged;
  // Faces that leave their cluster (suppressed by an opt-out).
  std::vector<FaceId> removed;
  // Faces kept out of clustering, with the reason ("small", "blurred"...).
  std::vector<std::pair<FaceId, std::string>> excluded;
  // Existing clusters found to be a rejected identity.
  std::vector<std::pair<ClusterId, RejectedIdentityId>> rejected;
  // Appended to the audit log in the same transaction when set.
  std::optional<AuditRecord> audit;
};

// An identity editors rejected: the template and the editor's word.
struct RejectedIdentity {
  RejectedIdentityId id = 0;
  Embedding template_embedding;  // unit vector, with its model id
  std::string reason;
  std::string actor;
  std::string rejected_at;
};

class DiscoveryStore {
 public:
  virtual ~DiscoveryStore() = default;

  // One page of the unknown pool of `model_id` (see PoolPart), face id >
  // `after`, at most `limit` (1-100000). kInvalidArgument for a bad limit or
  // an empty model id.
  virtual Result<PoolPage> PoolFaces(std::string_view model_id, PoolPart part, FaceId after,
                                     int limit) = 0;

  // Removes the memberships of faces that left the pool (an editor or a
  // rematch named them); returns how many. Clusters left empty stay (an
  // approved cluster is history; an empty open one is never a candidate).
  virtual Result<int> PruneNamedFaces(std::string_view model_id) = 0;

  // Applies `update` for `model_id`; returns the ids of `created`, in order.
  // kNotFound for a face, cluster or identity that does not exist (or
  // belongs to another model); kInvalidArgument for an empty new cluster, an
  // approved new cluster, a rejected state without identity or the reverse,
  // a merge of a cluster into itself, or a bad audit record.
  virtual Result<std::vector<ClusterId>> ApplyClusterUpdate(std::string_view model_id,
                                                            const ClusterUpdate& update) = 0;

  // The clusters of `model_id` (all states), ascending id.
  virtual Result<std::vector<ClusterInfo>> ListClusters(std::string_view model_id) = 0;
  // kNotFound.
  virtual Result<ClusterInfo> GetCluster(ClusterId id) = 0;
  // The cluster's faces with their photos' facts, ascending face id.
  // kNotFound for an unknown cluster.
  virtual Result<std::vector<ClusterMember>> Members(ClusterId id) = 0;

  // Sets a cluster's state (and the person for kApproved, the identity for
  // kRejected; both must be given exactly then) and appends `audit` in the
  // same transaction. kNotFound (cluster, person, identity),
  // kInvalidArgument (inconsistent arguments, bad audit record).
  virtual Result<void> SetState(ClusterId id, CandidateState state, std::optional<PersonId> person,
                                std::optional<RejectedIdentityId> rejected_as,
                                const AuditRecord& audit) = 0;

  // Remembers a rejected identity. kInvalidArgument for an empty or
  // non-finite template, an empty model id or actor, text not UTF-8.
  virtual Result<RejectedIdentityId> AddRejectedIdentity(const Embedding& template_embedding,
                                                         std::string_view reason,
                                                         std::string_view actor) = 0;
  // The rejected identities of `model_id`, ascending id.
  virtual Result<std::vector<RejectedIdentity>> RejectedIdentities(std::string_view model_id) = 0;
};

}  // namespace facetag
