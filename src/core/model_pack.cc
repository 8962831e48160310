#include "facetag/model_pack.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>

#include "facetag/file_io.h"
#include "facetag/hash.h"

// Build-time defaults; the core target sets them from the CMake cache
// variables of the same names. The fallbacks are relative to the working
// directory, which suits a binary run from the project root.
#ifndef FACETAG_DEFAULT_PACK
#define FACETAG_DEFAULT_PACK "packs/default.json"
#endif
#ifndef FACETAG_DEFAULT_MODELS
#define FACETAG_DEFAULT_MODELS "models"
#endif

namespace facetag {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A manifest is a few kilobytes; anything far larger is not one.
constexpr std::uintmax_t kMaxManifestBytes = 1 << 20;

constexpr const char* kSetupHint = "run scripts/setup.sh to fetch and check the model files";

// Reads typed fields of one JSON object; the first failure is kept with the
// field's path (e.g. "files[2].sha256") so the error names the bad value.
class Fields {
 public:
  Fields(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  const std::string& where() const { return where_; }

  std::string String(const char* key, bool required, std::string* error) const {
    const json* value = Find(key, required, "a string", error);
    if (!value) return {};
    if (!value->is_string()) {
      *error = Name(key) + " must be a string";
      return {};
    }
    return value->get<std::string>();
  }

  double Number(const char* key, std::string* error) const {
    const json* value = Find(key, true, "a number", error);
    if (!value) return 0;
    if (!value->is_number()) {
      *error = Name(key) + " must be a number";
      return 0;
    }
    return value->get<double>();
  }

  const json* Find(const char* key, bool required, const char* kind, std::string* error) const {
    if (!error->empty()) return nullptr;
    auto it = object_.find(key);
    if (it == object_.end()) {
      if (required) *error = Name(key) + " is missing (expected " + kind + ")";
      return nullptr;
    }
    return &*it;
  }

  std::string Name(const char* key) const { return where_.empty() ? key : where_ + "." + key; }

 private:
  const json& object_;
  std::string where_;
};

bool IsSha256Hex(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Manifest paths must stay inside the pack's folder: a manifest is data and
// must not point facetag at arbitrary files.
bool IsContainedRelativePath(const std::string& s) {
  if (s.empty()) return false;
  const fs::path path(s);
  if (path.is_absolute() || path.has_root_name()) return false;
  for (const auto& part : path) {
    if (part == "..") return false;
  }
  return true;
}

bool IsSafeId(const std::string& id) {
  return !id.empty() && id != "." && id != ".." && id.find_first_of("/\\") == std::string::npos;
}

// far_curve: sorted here by decreasing false-accept rate; a stricter rate
// must need a strictly higher similarity, or the curve is not a measurement.
std::string ParseFarCurve(const json& curve, std::vector<FarPoint>* points) {
  if (!curve.is_array() || curve.empty()) return "thresholds.far_curve must be a non-empty array";
  for (std::size_t i = 0; i < curve.size(); ++i) {
    const std::string where = "thresholds.far_curve[" + std::to_string(i) + "]";
    if (!curve[i].is_object()) return where + " must be an object";
    Fields point(curve[i], where);
    std::string error;
    const double far = point.Number("far", &error);
    const double similarity = point.Number("similarity", &error);
    if (!error.empty()) return error;
    if (!(far > 0 && far <= 1)) return where + ".far must be in (0, 1]";
    if (!(similarity >= -1 && similarity <= 1)) return where + ".similarity must be in [-1, 1]";
    points->push_back({far, static_cast<float>(similarity)});
  }
  std::sort(points->begin(), points->end(), [](const FarPoint& a, const FarPoint& b) {
    return a.false_accept_rate > b.false_accept_rate;
  });
  for (std::size_t i = 1; i < points->size(); ++i) {
    const auto& prev = (*points)[i - 1];
    const auto& cur = (*points)[i];
    if (cur.false_accept_rate == prev.false_accept_rate) {
      return "thresholds.far_curve has the false-accept rate " +
             std::to_string(cur.false_accept_rate) + " twice";
    }
    if (cur.similarity <= prev.similarity) {
      return "thresholds.far_curve is not monotonic: false-accept rate " +
             std::to_string(cur.false_accept_rate) + " needs a similarity above " +
             std::to_string(prev.similarity) + " (that of rate " +
             std::to_string(prev.false_accept_rate) + "), got " + std::to_string(cur.similarity);
    }
  }
  return {};
}

std::string ParseThresholds(const json& value, PackThresholds* thresholds) {
  if (!value.is_object()) return "thresholds must be an object";
  Fields fields(value, "thresholds");
  std::string error;
  const json* curve = fields.Find("far_curve", true, "an array", &error);
  if (!error.empty()) return error;
  error = ParseFarCurve(*curve, &thresholds->far_curve);
  if (!error.empty()) return error;
  thresholds->far_curve_source = fields.String("far_curve_source", true, &error);
  const double verification = fields.Number("verification", &error);
  const double margin = fields.Number("margin", &error);
  const double mention_floor = fields.Number("mention_floor", &error);
  if (!error.empty()) return error;
  if (!(verification >= -1 && verification <= 1))
    return "thresholds.verification must be in [-1, 1]";
  if (!(margin >= 0 && margin < 1)) return "thresholds.margin must be in [0, 1)";
  if (!(mention_floor >= -1 && mention_floor <= 1)) {
    return "thresholds.mention_floor must be in [-1, 1]";
  }
  thresholds->verification = static_cast<float>(verification);
  thresholds->margin = static_cast<float>(margin);
  thresholds->mention_floor = static_cast<float>(mention_floor);
  // Optional: without them no face is refused for its quality.
  for (const auto& [key, target] :
       {std::pair{"quality_floor_naming", &thresholds->quality_floor_naming},
        std::pair{"quality_floor_enrol", &thresholds->quality_floor_enrol}}) {
    const json* floor = fields.Find(key, false, "a number", &error);
    if (!floor) continue;
    if (!floor->is_number() || !(floor->get<double>() >= 0 && floor->get<double>() <= 1)) {
      return fields.Name(key) + " must be a number in [0, 1]";
    }
    *target = floor->get<float>();
  }
  if (const json* norm = fields.Find("quality_embedding_norm", false, "an object", &error)) {
    const std::string where = fields.Name("quality_embedding_norm");
    if (!norm->is_object()) return where + " must be an object";
    Fields ramp(*norm, where);
    const double unusable = ramp.Number("unusable", &error);
    const double usable = ramp.Number("usable", &error);
    if (!error.empty()) return error;
    if (!(unusable >= 0 && usable > unusable && usable < 1e6)) {
      return where + " needs 0 <= unusable < usable";
    }
    thresholds->embedding_norm_unusable = static_cast<float>(unusable);
    thresholds->embedding_norm_usable = static_cast<float>(usable);
  }
  return error;
}

// pipeline (optional): {"detector": "ultraface" | "retinaface", "alignment":
// "landmarks" | "detector_points", "embedder_input": {"mean": m, "scale": s}}.
std::string ParsePipeline(const json& value, PackPipeline* pipeline) {
  if (!value.is_object()) return "pipeline must be an object";
  Fields fields(value, "pipeline");
  std::string error;
  const std::string detector = fields.String("detector", false, &error);
  const std::string alignment = fields.String("alignment", false, &error);
  if (!error.empty()) return error;
  if (detector == "retinaface") {
    pipeline->detector = DetectorKind::kRetinaFace;
  } else if (detector != "ultraface" && !detector.empty()) {
    return "pipeline.detector \"" + detector + "\" is not one of ultraface, retinaface";
  }
  if (alignment == "detector_points") {
    pipeline->align_on_detector_points = true;
  } else if (alignment != "landmarks" && !alignment.empty()) {
    return "pipeline.alignment \"" + alignment + "\" is not one of landmarks, detector_points";
  }
  if (const json* input = fields.Find("embedder_input", false, "an object", &error)) {
    if (!input->is_object()) return "pipeline.embedder_input must be an object";
    Fields normalisation(*input, "pipeline.embedder_input");
    const double mean = normalisation.Number("mean", &error);
    const double scale = normalisation.Number("scale", &error);
    if (!error.empty()) return error;
    if (!(mean >= 0 && mean <= 255)) return "pipeline.embedder_input.mean must be in [0, 255]";
    if (!(scale > 0 && scale <= 1)) return "pipeline.embedder_input.scale must be in (0, 1]";
    pipeline->embedder_mean = static_cast<float>(mean);
    pipeline->embedder_scale = static_cast<float>(scale);
  }
  return error;
}

// operating_points (optional): {"enrol_resemblance": 1e-2, "suppression":
// 1e-3, "face_search": 1e-4, "cluster_link": 1e-3}; each a rate in (0, 1).
std::string ParseOperatingPoints(const json& value, PackThresholds* thresholds) {
  if (!value.is_object()) return "operating_points must be an object";
  const std::pair<const char*, double*> known[] = {
      {"enrol_resemblance", &thresholds->enrol_resemblance_far},
      {"suppression", &thresholds->suppression_far},
      {"face_search", &thresholds->face_search_far},
      {"cluster_link", &thresholds->cluster_link_far},
  };
  for (const auto& [key, rate] : value.items()) {
    double* target = nullptr;
    for (const auto& [name, field] : known) {
      if (key == name) target = field;
    }
    if (!target) return "operating_points." + key + " is not a known operating point";
    if (!rate.is_number() || !(rate.get<double>() > 0 && rate.get<double>() < 1)) {
      return "operating_points." + key + " must be a false-accept rate in (0, 1)";
    }
    *target = rate.get<double>();
  }
  return {};
}

// Fills `pack` from the manifest's JSON; files are resolved under
// `model_dir`/<id>/. Returns an empty string or what is wrong.
std::string ParseManifest(const json& root, const fs::path& model_dir, ModelPack* pack) {
  if (!root.is_object()) return "the top level must be an object";
  Fields fields(root, "");
  std::string error;
  pack->id = fields.String("id", true, &error);
  pack->description = fields.String("description", false, &error);
  pack->licence = fields.String("licence", true, &error);
  pack->provenance = fields.String("provenance", true, &error);
  if (!error.empty()) return error;
  if (!IsSafeId(pack->id)) return "id \"" + pack->id + "\" must be a plain folder name";

  const json* size = fields.Find("embedding_size", true, "a positive integer", &error);
  if (!error.empty()) return error;
  if (!size->is_number_integer() || size->get<long long>() <= 0 || size->get<long long>() > 65536) {
    return "embedding_size must be an integer in [1, 65536]";
  }
  pack->embedding_size = size->get<int>();

  if (const json* package = fields.Find("package", false, "an object", &error)) {
    if (!package->is_object()) return "package must be an object";
  }

  const json* files = fields.Find("files", true, "an array", &error);
  if (!error.empty()) return error;
  if (!files->is_array() || files->empty()) return "files must be a non-empty array";
  const fs::path pack_dir = model_dir / pack->id;
  std::set<std::string> roles;
  for (std::size_t i = 0; i < files->size(); ++i) {
    const std::string where = "files[" + std::to_string(i) + "]";
    if (!(*files)[i].is_object()) return where + " must be an object";
    Fields file((*files)[i], where);
    ModelFile model_file;
    model_file.role = file.String("role", true, &error);
    const std::string path = file.String("path", true, &error);
    model_file.sha256 = file.String("sha256", true, &error);
    if (!error.empty()) return error;
    if (model_file.role.empty()) return where + ".role must not be empty";
    if (!roles.insert(model_file.role).second) {
      return where + ".role \"" + model_file.role + "\" appears twice";
    }
    if (!IsContainedRelativePath(path)) {
      return where + ".path \"" + path + "\" must be a relative path inside the pack's folder";
    }
    if (!IsSha256Hex(model_file.sha256)) {
      return where + ".sha256 must be 64 lowercase hex digits";
    }
    model_file.path = (pack_dir / path).lexically_normal();
    pack->files.push_back(std::move(model_file));
  }

  if (const json* pipeline = fields.Find("pipeline", false, "an object", &error)) {
    error = ParsePipeline(*pipeline, &pack->pipeline);
    if (!error.empty()) return error;
  }

  const json* thresholds = fields.Find("thresholds", true, "an object", &error);
  if (!error.empty()) return error;
  error = ParseThresholds(*thresholds, &pack->thresholds);
  if (!error.empty()) return error;
  const json* points = fields.Find("operating_points", false, "an object", &error);
  return points ? ParseOperatingPoints(*points, &pack->thresholds) : std::string();
}

Result<void> CheckFile(const ModelFile& file, const fs::path& manifest, bool verify_hash) {
  const std::string name = file.path.string() + " (" + file.role + " of " + manifest.string() + ")";
  std::error_code ec;
  const auto status = fs::status(file.path, ec);
  if (ec || !fs::exists(status)) {
    return Fail(ErrorCode::kModel, "model file missing: " + name + "; " + kSetupHint);
  }
  if (!fs::is_regular_file(status)) {
    return Fail(ErrorCode::kModel, "model file is not a regular file: " + name);
  }
  if (!verify_hash) return {};
  auto actual = Sha256OfFile(file.path);
  if (!actual) {
    return Fail(actual.error().code == ErrorCode::kNotFound ? ErrorCode::kModel : ErrorCode::kIo,
                "cannot hash model file " + name + ": " + actual.error().message);
  }
  if (*actual != file.sha256) {
    return Fail(ErrorCode::kModel, "model file altered: " + name + " has SHA-256 " + *actual +
                                       ", the manifest expects " + file.sha256 + "; " + kSetupHint);
  }
  return {};
}

fs::path FromEnvironment(const char* variable, const char* fallback) {
  const char* value = std::getenv(variable);
  return fs::path(value && *value ? value : fallback);
}

}  // namespace

float PackThresholds::SimilarityAt(double far) const {
  const auto& curve = far_curve;
  if (curve.empty()) return 1.0f;  // no calibration: accept nothing
  if (curve.size() == 1 || far >= curve.front().false_accept_rate) return curve.front().similarity;
  far = std::max(far, 1e-12);
  const double target = std::log10(far);
  std::size_t upper = 1;  // first point with a rate <= far, or the last
  while (upper + 1 < curve.size() && curve[upper].false_accept_rate > far) ++upper;
  const FarPoint& a = curve[upper - 1];
  const FarPoint& b = curve[upper];
  const double la = std::log10(a.false_accept_rate), lb = std::log10(b.false_accept_rate);
  const double t = (target - la) / (lb - la);
  const double s = a.similarity + t * (b.similarity - a.similarity);
  return static_cast<float>(std::min(s, 0.95));
}

fs::path ModelPack::FileFor(const std::string& role) const {
  for (const auto& file : files) {
    if (file.role == role) return file.path;
  }
  return {};
}

Result<ModelPack> LoadModelPack(const fs::path& manifest, const fs::path& model_dir,
                                bool verify_hashes) {
  auto bytes = ReadFileBytes(manifest, kMaxManifestBytes);
  if (!bytes) {
    if (bytes.error().code == ErrorCode::kNotFound) {
      return Fail(ErrorCode::kNotFound, "model pack manifest not found: " + manifest.string());
    }
    return Fail(bytes.error().code == ErrorCode::kIo ? ErrorCode::kIo : ErrorCode::kModel,
                "cannot read model pack manifest: " + bytes.error().message);
  }
  std::error_code ec;
  const fs::path absolute_model_dir = fs::absolute(model_dir, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot resolve " + model_dir.string() + ": " + ec.message());
  ModelPack pack;
  // nlohmann::json reports syntax errors (with line and column) and numbers
  // that do not fit the requested type by exception; none may escape.
  try {
    const json root = json::parse(bytes->begin(), bytes->end());
    const std::string error = ParseManifest(root, absolute_model_dir, &pack);
    if (!error.empty()) {
      return Fail(ErrorCode::kModel, "model pack manifest " + manifest.string() + ": " + error);
    }
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kModel,
                "model pack manifest " + manifest.string() + " is malformed: " + e.what());
  }
  for (const auto& file : pack.files) {
    FACETAG_RETURN_IF_ERROR(CheckFile(file, manifest, verify_hashes));
  }
  return pack;
}

fs::path DefaultPackManifest() { return FromEnvironment("FACETAG_PACK", FACETAG_DEFAULT_PACK); }

fs::path DefaultModelDir() { return FromEnvironment("FACETAG_MODELS", FACETAG_DEFAULT_MODELS); }

}  // namespace facetag
