// A model pack: the three networks facetag runs and the facts about them,
// described by a committed JSON manifest (packs/<id>.json).
//
// The manifest names each model file with its SHA-256, the npm package and
// version it comes from, its licence and what is known of its training data,
// the input specification, and the similarity thresholds calibrated for this
// pack. Loading a pack checks every file; a missing or altered file is an
// error naming the file.
//
// Thread safety: a loaded ModelPack is an immutable value; share it freely.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "facetag/result.h"

namespace facetag {

// One point of the false-accept curve: comparing faces of two different
// people gives a cosine similarity >= `similarity` with rate `false_accept_rate`.
struct FarPoint {
  double false_accept_rate = 0;
  float similarity = 0;
};

struct PackThresholds {
  // Decreasing false-accept rates with increasing similarities.
  std::vector<FarPoint> far_curve;
  std::string far_curve_source;  // the data the curve was measured on
  // Same/different threshold for a single pair (facetag compare), chosen for
  // best accuracy on LFW DevTrain.
  float verification = 0.3f;
  // The best person must beat the second-best person by this much.
  float margin = 0.05f;
  // A caption mention may lower a person's threshold no further than this.
  float mention_floor = 0.35f;
  // Face quality (FaceQuality::score) below which a face is never named,
  // and below which it is never enrolled as a profile. 0: no floor.
  float quality_floor_naming = 0;
  float quality_floor_enrol = 0;
  // The face quality's ramp on the embedder's raw output norm (a face with
  // a norm at or below `unusable` scores 0 as "not a face", at or above
  // `usable` 1): the norm's scale is the embedder's own, so each pack
  // measures it (manifest "quality_embedding_norm"; these defaults are the
  // default pack's).
  float embedding_norm_unusable = 2.0f;
  float embedding_norm_usable = 2.8f;

  // Named operating points: the false-accept rate per comparison that each
  // use of a similarity accepts (manifest "operating_points"; these are the
  // defaults when the manifest names none).
  // Enrolment: a face less like the person's other profiles than this is
  // likely somebody else.
  double enrol_resemblance_far = 1e-2;
  // Opt-out: a face at least this like an opted-out person's template is
  // theirs. Looser than the list threshold on purpose: a missed suppression
  // tags someone who said no, a false one only leaves a face unnamed.
  double suppression_far = 1e-3;
  // Search by face: archived faces at least this like the query face.
  double face_search_far = 1e-4;
  // Discovery: two unknown faces this alike are linked into one cluster.
  double cluster_link_far = 1e-3;

  // Similarity at which the false-accept curve reaches `far`: log-linear
  // interpolation between its points, linear extrapolation in log(FAR)
  // beyond the last point (capped at 0.95), and the first point's
  // similarity for rates above the curve (never lower). 1 without a curve.
  float SimilarityAt(double far) const;
};

// How the pack's networks are wired (manifest "pipeline"; the defaults are
// the default pack's UltraFace / 68-point landmarker / fr_feature stack).
enum class DetectorKind {
  kUltraFace,   // boxes only (DESIGN.md, Model stack, step 1)
  kRetinaFace,  // boxes and five points (MobileNet-0.25, insightface anchors)
};

struct PackPipeline {
  DetectorKind detector = DetectorKind::kUltraFace;
  // The chip is aligned on the detector's five points when it gives them,
  // else on the five points derived from the 68 landmarks. The landmarker
  // runs either way: its 68 points feed the face quality and are stored.
  bool align_on_detector_points = false;
  // Embedder input: RGB, (x - mean) * scale.
  float embedder_mean = 127.0f;
  float embedder_scale = 1.0f / 128;
};

struct ModelFile {
  std::string role;            // "detector", "landmarker", "embedder"
  std::filesystem::path path;  // absolute, resolved against the model dir
  std::string sha256;
};

struct ModelPack {
  std::string id;  // carried by every embedding, e.g. "faceplugin-fr-v1"
  std::string description;
  std::string licence;
  std::string provenance;  // package, version, what is known of training data
  int embedding_size = 512;
  std::vector<ModelFile> files;
  PackPipeline pipeline;
  PackThresholds thresholds;

  // The file for a role; empty path when the pack has none.
  std::filesystem::path FileFor(const std::string& role) const;
};

// Reads `manifest` and resolves its files under `model_dir`. When
// `verify_hashes` is set every file's SHA-256 is checked. Errors: kModel for
// a missing file, a hash mismatch (message names the file and both hashes)
// or a malformed manifest; kNotFound when the manifest itself is missing.
Result<ModelPack> LoadModelPack(const std::filesystem::path& manifest,
                                const std::filesystem::path& model_dir, bool verify_hashes = true);

// Where facetag looks for the pack when not told: $FACETAG_PACK (manifest)
// and $FACETAG_MODELS (model dir), else the paths configured at build time.
std::filesystem::path DefaultPackManifest();
std::filesystem::path DefaultModelDir();

}  // namespace facetag
