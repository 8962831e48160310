// Discovery: finding recurring unknown people in the archive and proposing
// them for the list.
//
//   unknown faces of the archive (decision unknown or ambiguous)
//     -> quality gate (small, low-confidence or profile faces stay out)
//     -> opt-out suppression (faces like an opted-out person's never enter)
//     -> incremental clustering: nearest neighbours above a calibrated
//        similarity, joined only when the face is like the cluster's mean,
//        clusters merged only when their means agree (no chaining)
//     -> candidates: clusters that recur (photos on different days or
//        events), ranked by how often and how recently they appear
//     -> name suggestions from the captions of their photos (names not on
//        the list, scored by co-occurrence against frequency elsewhere)
//     -> editors' decisions: approve, reject, merge, split, hold.
//
// Storage is Store::discovery() (facetag/discovery_store.h, which also says
// what is kept about unlisted people). The pure parts (Clusterer, quality,
// name extraction, scoring) need no store and are tested on their own.
//
// Thread safety: free functions taking a Store are safe to call from several
// threads (the store serialises), but two Discover runs on one database at
// once would each add the same new faces: run one `facetag discover` at a
// time. A Clusterer is not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "facetag/captions.h"
#include "facetag/discovery_store.h"
#include "facetag/model_pack.h"
#include "facetag/result.h"
#include "facetag/store.h"
#include "facetag/types.h"

namespace facetag::discovery {

// ---------------------------------------------------------------------------
// Clustering

struct ClusteringOptions {
  // Two faces are neighbours when their cosine similarity is at least this.
  // Default: the pack's 1e-3 false-accept point (0.339 for the default
  // pack), chosen on LFW (docs/architecture.md, Discovery).
  float link_similarity = 0.339f;
  // A face joins a cluster only when its similarity to the cluster's mean
  // embedding is at least this (cluster-level verification).
  float join_similarity = 0.50f;
  // Two clusters a new face links are merged only when their means are at
  // least this similar: one borderline face does not chain two people.
  float merge_similarity = 0.50f;
  // Neighbours looked at per new face (1-1000).
  int neighbours = 10;
  // Below this many faces the neighbours are found exactly (brute force);
  // from it on through an HNSW index (hnswlib), built then and kept up.
  std::size_t index_from = 20000;
  // HNSW parameters: links per node, candidate list while building and
  // while searching (the search uses at least `neighbours`).
  int index_links = 16;
  int index_build_candidates = 100;
  int index_search_candidates = 64;
};

// kInvalidArgument naming the bad field (similarities outside [-1, 1] or
// not finite, neighbours outside 1-1000, index parameters < 2).
Result<void> CheckClusteringOptions(const ClusteringOptions& options);

// A cluster's key inside a Clusterer: a stored ClusterId (> 0) for clusters
// restored from the store, negative (-1, -2, ...) for clusters it created.
using ClusterKey = std::int64_t;

// Incremental clustering of face embeddings: each new face joins the
// cluster its neighbours point to (when the cluster's mean agrees), links
// and merges clusters whose means agree, or starts a cluster of its own.
// Nothing already clustered is recomputed.
//
// When two clusters merge, the surviving key is the stored one (the smaller
// id when both are stored), else the larger cluster's.
//
// Thread safety: not thread-safe; one Clusterer per run.
class Clusterer {
 public:
  // Errors: kInvalidArgument for bad options or a dimension < 1.
  static Result<Clusterer> Create(int dimension, const ClusteringOptions& options);
  Clusterer(Clusterer&&) noexcept;
  Clusterer& operator=(Clusterer&&) noexcept;
  ~Clusterer();

  // Puts a stored member back without clustering it. `cluster` > 0.
  // Errors: kInvalidArgument (length, cluster key, a face given twice).
  Result<void> Restore(FaceId face, ClusterKey cluster, std::span<const float> embedding);

  // Clusters a new face (a unit vector) and returns its cluster's key.
  // Errors: kInvalidArgument (length, non-finite values, a face given twice).
  Result<ClusterKey> Add(FaceId face, std::span<const float> embedding);

  // The key `key` lives on as after merges (itself when never merged).
  ClusterKey Resolve(ClusterKey key) const;
  // Merges in the order they happened: (absorbed, survivor).
  const std::vector<std::pair<ClusterKey, ClusterKey>>& merges() const;
  // The current cluster of a face; nullopt when the face is unknown here.
  std::optional<ClusterKey> ClusterOf(FaceId face) const;
  // Every current cluster with its faces (in the order they came).
  std::unordered_map<ClusterKey, std::vector<FaceId>> Clusters() const;
  // The normalised mean embedding of a current cluster (empty if unknown).
  std::vector<float> Mean(ClusterKey key) const;
  std::size_t face_count() const;
  bool indexed() const;  // whether the HNSW index is in use

 private:
  struct Impl;
  explicit Clusterer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------
// Quality gate

struct QualityGate {
  // Faces whose box is less high than this (displayed pixels) stay out.
  float min_face_pixels = 40;
  // Faces the detector is less sure of than this stay out.
  float min_detection_score = 0.9f;
  // Faces turned further than this stay out: |yaw| from the 68 landmarks,
  // 0 frontal, 1 full profile (see MeasureQuality). Off (1) by default: on
  // LFW a yaw gate of 0.9 cost completeness (0.975 -> 0.971) and gained no
  // purity (docs/architecture.md, Discovery).
  float max_yaw = 1.0f;
};

struct FaceQuality {
  float face_pixels = 0;  // box height
  float detection_score = 0;
  // (d_left - d_right) / (d_left + d_right), with d the horizontal distance
  // from the nose tip (point 30) to the jaw's ends (points 0 and 16): 0 for
  // a frontal face, towards +-1 when turned. 1 when the points are unusable.
  float yaw = 0;
};

FaceQuality MeasureQuality(const FaceBox& box, float detection_score, const Landmarks68& landmarks);

// Why a face fails the gate: "small", "uncertain" or "turned"; empty when it
// passes.
std::string GateReason(const FaceQuality& quality, const QualityGate& gate);

// ---------------------------------------------------------------------------
// Opt-out suppression

// The templates of persons who opted out (supplied by the privacy module):
// a face at least `min_similarity` like one of them is never clustered, and
// a clustered face that becomes so leaves its cluster at the next run.
struct Suppression {
  std::vector<Embedding> templates;  // only those of the run's model count
  float min_similarity = 0.339f;     // default: the 1e-3 false-accept point
};

bool IsSuppressed(const Suppression& suppression, std::string_view model_id,
                  std::span<const float> embedding);

// ---------------------------------------------------------------------------
// Discover: the store's unknown faces into clusters

struct CandidateRule {
  // A cluster is a candidate when its faces come from at least `min_photos`
  // photos taken in at least `min_events` events. An event is a day (the
  // date_created of the photo, "YYYY-MM-DD"); a photo without a date counts
  // as an event of its own (LFW has no dates).
  int min_photos = 2;
  int min_events = 2;
};

struct DiscoveryOptions {
  std::string model_id;  // the pack whose faces are clustered; not empty
  int dimension = 512;   // embedding length of that pack
  ClusteringOptions clustering;
  QualityGate gate;
  CandidateRule candidates;
  Suppression suppression;
  // A cluster whose mean is at least this like a rejected identity's
  // template is that identity again: it is marked rejected, never proposed.
  float rejected_similarity = 0.50f;
  // Faces per page read from the store.
  int page_size = 5000;
  std::string actor = "facetag discover";  // for the audit log
};

// The options for a model pack: thresholds from its false-accept curve.
DiscoveryOptions OptionsForPack(const ModelPack& pack);

// OptionsForPack with the suppression templates of everyone who opted out
// (PrivacyStore::SuppressionTemplates) at the recognizer's suppression
// threshold: what every production run uses, so that an opted-out face is
// never proposed. Errors: those of SuppressionTemplates (a missing key).
Result<DiscoveryOptions> OptionsFor(Store& store, const ModelPack& pack);

struct DiscoverSummary {
  std::size_t restored = 0;              // clustered faces loaded
  std::size_t new_faces = 0;             // unclustered faces considered
  std::size_t clustered = 0;             // new faces put into clusters
  std::size_t excluded = 0;              // kept out by the quality gate
  std::size_t suppressed = 0;            // new faces like an opted-out person
  std::size_t unsuppressed_removed = 0;  // clustered faces removed by an opt-out
  std::size_t left = 0;                  // members that were named meanwhile
  std::size_t new_clusters = 0;
  std::size_t merges = 0;
  std::size_t rejected_again = 0;  // clusters recognised as a rejected identity
  std::size_t clusters = 0;        // clusters of the model after the run
  bool indexed = false;            // the HNSW index was used
};

// Clusters the unknown faces not yet clustered (incremental), or all of them
// anew (`rebuild`: clusters are recreated; held clusters stay held when most
// of their faces end up together; rejected identities stay rejected).
// `progress` gets the new faces done. Errors: kInvalidArgument (options),
// kDatabase.
Result<DiscoverSummary> Discover(Store& store, const DiscoveryOptions& options, bool rebuild,
                                 const std::function<void(std::size_t)>& progress = {});

// ---------------------------------------------------------------------------
// Names from captions

// Where a caption places the named person: "(L)", "(R)", "(C)", "(left)"...
enum class PositionHint { kNone, kLeft, kRight, kCenter };

const char* PositionHintName(PositionHint hint);

// One person name found in a caption.
struct NameOccurrence {
  std::string name;       // as written, without title or role
  std::string key;        // folded (text::Fold), for counting
  std::size_t begin = 0;  // byte span of `name` in the caption
  std::size_t end = 0;
  PositionHint hint = PositionHint::kNone;
};

// Person names in a caption that are not on the list (`listed`, may be
// null): sequences of two or more capitalised words (with initials and name
// particles such as "de", "van", "bin"), or one capitalised word after an
// honorific or role ("Mr. Smith", "Prime Minister Rutte"). Titles and roles
// are not part of the name; a sequence after "in", "at", "from", "to",
// "near" is taken for a place; weekdays, months and common sentence words
// are not names; spans of listed names are skipped. Ordered by `begin`.
std::vector<NameOccurrence> ExtractNames(std::string_view caption,
                                         const captions::MentionFinder* listed = nullptr);

// The names of many captions and how many photos name each.
//
// Thread safety: not thread-safe while adding; const calls may run
// concurrently.
class NameIndex {
 public:
  // `listed` (may be null) is used while adding; it must outlive the calls.
  explicit NameIndex(const captions::MentionFinder* listed = nullptr) : listed_(listed) {}
  // Adds a photo's caption (a photo added again replaces its names).
  void Add(PhotoId photo, std::string_view caption);
  // The names of a photo; empty when none or unknown.
  const std::vector<NameOccurrence>& NamesOf(PhotoId photo) const;
  // How many photos name `key` at least once.
  int PhotosNaming(const std::string& key) const;

 private:
  const captions::MentionFinder* listed_;
  std::unordered_map<PhotoId, std::vector<NameOccurrence>> names_;
  std::unordered_map<std::string, int> photos_naming_;
};

struct NameEvidence {
  PhotoId photo = 0;
  std::size_t begin = 0;  // byte span in that photo's caption
  std::size_t end = 0;
  std::string text;
  PositionHint hint = PositionHint::kNone;
};

struct NameSuggestion {
  std::string name;  // as most often written
  // consistency x specificity: (weighted photos of the cluster naming it /
  // photos of the cluster) x (photos of the cluster naming it / photos of
  // the archive naming it); in [0, 1].
  double score = 0;
  int cluster_photos = 0;  // photos of the cluster whose caption names it
  int archive_photos = 0;  // photos of the archive whose caption names it
  std::vector<NameEvidence> evidence;
};

// One photo of a cluster, for naming: where the cluster's face stands among
// the photo's faces (kNone when it is the only face).
struct NamingPhoto {
  PhotoId photo = 0;
  PositionHint position = PositionHint::kNone;
};

// Names for a cluster, best first, at most `limit` (Berg et al., "Names and
// Faces in the News", CVPR 2004: a name that comes with the face wherever it
// appears, and rarely without it, is its name). A position hint that
// contradicts where the face stands ("(L)" on the rightmost face) counts a
// quarter. Ties: more cluster photos, then the name.
std::vector<NameSuggestion> SuggestNames(const std::vector<NamingPhoto>& photos,
                                         const NameIndex& index, std::size_t limit = 3);

// ---------------------------------------------------------------------------
// Candidates

struct CandidatePhoto {
  PhotoId photo = 0;
  std::string location;
  std::string date;           // sort date: date_created when it is a date, else ingest time
  std::vector<FaceId> faces;  // of the cluster in this photo
};

struct Candidate {
  ClusterInfo cluster;
  int photo_count = 0;
  int event_count = 0;
  std::string last_date;               // most recent photo's sort date
  bool recurring = false;              // meets the CandidateRule
  std::vector<CandidatePhoto> photos;  // most recent first
  std::vector<FaceId> best_faces;      // the profiles an approval would make
  std::vector<NameSuggestion> names;
};

struct CandidateQuery {
  std::vector<CandidateState> states = {CandidateState::kOpen};
  bool recurring_only = true;  // only clusters meeting the CandidateRule
  bool with_names = true;      // read the archive's captions for names
  std::size_t max_names = 3;
  int limit = 100;  // 1-100000
};

// Candidates ranked by events, then photos, then the most recent date, then
// cluster id. Errors: kInvalidArgument (limit), kDatabase.
Result<std::vector<Candidate>> ListCandidates(Store& store, const DiscoveryOptions& options,
                                              const CandidateQuery& query = {});
// One cluster as a candidate (whatever its state). kNotFound.
Result<Candidate> GetCandidate(Store& store, const DiscoveryOptions& options, ClusterId id,
                               bool with_names = true);

// ---------------------------------------------------------------------------
// Editors' decisions

// Approving a candidate (listing the person, making profiles of the
// cluster's best faces, confirming them, tagging the rest) is a use case of
// the application layer (app::App::ApproveCandidate); these are its parts
// that concern the cluster.

// The faces of cluster `id` that an approval turns into profiles: the best
// `max_profiles` (1-50) by closeness to the cluster's mean, faces passing the
// quality gate first, one per photo. Errors: kNotFound (cluster),
// kInvalidArgument (approved, rejected or empty cluster; bad count).
Result<std::vector<ClusterMember>> ApprovalFaces(Store& store, const DiscoveryOptions& options,
                                                 ClusterId id, int max_profiles);

// Marks cluster `id` approved as `person`, audited by `actor` with the
// faces that became profiles. Errors: kNotFound, kInvalidArgument (actor).
Result<void> MarkApproved(Store& store, ClusterId id, const Person& person,
                          const std::vector<FaceId>& profile_faces, std::string_view actor);

// "Not a public person": remembers the identity (its template, the reason)
// so it is never proposed again, marks the cluster rejected. Errors:
// kNotFound, kInvalidArgument (empty actor; approved or empty cluster).
Result<RejectedIdentityId> Reject(Store& store, const DiscoveryOptions& options, ClusterId id,
                                  std::string_view reason, std::string_view actor);

// Moves the faces of `from` into `into` and deletes `from`. Both must be
// open or held. Errors: kNotFound, kInvalidArgument.
Result<void> Merge(Store& store, const DiscoveryOptions& options, ClusterId into, ClusterId from,
                   std::string_view actor);

// Splits a cluster: with `faces`, those faces move to one new cluster;
// without, the faces are divided in two by 2-means on cosine similarity
// (seeded by the least similar pair) and the smaller half becomes a new
// cluster, provided the halves' means are less alike than
// ClusteringOptions::merge_similarity. Returns the new cluster's id.
// Errors: kNotFound, kInvalidArgument (a face not in the cluster, all
// faces, an approved or rejected cluster), kRejected (the faces look like
// one person).
Result<std::vector<ClusterId>> Split(Store& store, const DiscoveryOptions& options, ClusterId id,
                                     const std::vector<FaceId>& faces, std::string_view actor);

// Puts an open cluster aside (kHeld), or a held one back (kOpen when
// `hold` is false). Errors: kNotFound, kInvalidArgument.
Result<void> Hold(Store& store, ClusterId id, bool hold, std::string_view actor);

// ---------------------------------------------------------------------------
// Face thumbnails for review, cut from the photo on the fly (never stored)

struct ThumbnailOptions {
  int size = 160;                          // output side in pixels (square), 16-1024
  float margin = 0.35f;                    // context around the box, as a fraction of its size
  int jpeg_quality = 85;                   // 1-100
  std::uint64_t max_pixels = 150'000'000;  // photos declaring more are refused
};

// A JPEG of the face at `box` (displayed pixels) of the photo file.
// Errors: kNotFound / kIo (file), kUnsupportedFormat, kCorruptImage,
// kImageTooLarge, kInvalidArgument (options, a box outside the photo).
Result<std::vector<unsigned char>> FaceThumbnailJpeg(const std::filesystem::path& photo,
                                                     const FaceBox& box,
                                                     const ThumbnailOptions& options = {});

// The same for an archived face, from the photo at its stored location.
// Errors: as above, plus kNotFound for the face.
Result<std::vector<unsigned char>> FaceThumbnailJpeg(Store& store, FaceId face,
                                                     const ThumbnailOptions& options = {});

// ---------------------------------------------------------------------------
// Measuring clusterings

struct ClusterScores {
  std::size_t items = 0;
  std::size_t clusters = 0;
  std::size_t classes = 0;
  double purity = 0;              // share of items in their cluster's majority class
  double completeness = 0;        // inverse purity: share in their class's majority cluster
  double pairwise_precision = 0;  // same-cluster pairs that are same-class
  double pairwise_recall = 0;     // same-class pairs that are same-cluster
  double pairwise_f = 0;
  double bcubed_precision = 0;  // Bagga & Baldwin; per item, averaged
  double bcubed_recall = 0;
  double bcubed_f = 0;
};

// Scores a clustering against the truth; `predicted[i]` and `truth[i]` are
// item i's cluster and class. Precondition: equal lengths. Pairwise
// precision (recall) is 1 when there are no predicted (true) pairs.
ClusterScores ScoreClusters(const std::vector<std::int64_t>& predicted,
                            const std::vector<std::int64_t>& truth);

}  // namespace facetag::discovery
