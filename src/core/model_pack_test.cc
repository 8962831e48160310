#include "facetag/model_pack.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>

#include "facetag/hash.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;

std::string HashOf(const std::string& bytes) {
  return Sha256Hex({reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()});
}

void WriteFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

// A pack "test-pack" of two small files in a fresh temporary folder.
class ModelPackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("facetag_model_pack_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    models_ = root_ / "models";
    manifest_ = root_ / "pack.json";
    WriteFile(models_ / "test-pack" / "det.onnx", kDetector);
    WriteFile(models_ / "test-pack" / "sub" / "emb.onnx", kEmbedder);
    WriteFile(
        manifest_,
        Manifest(R"([{"far": 1e-3, "similarity": 0.35}, {"far": 1e-2, "similarity": 0.25}])"));
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string Manifest(const std::string& far_curve) const {
    return R"({
      "id": "test-pack",
      "description": "two files",
      "package": {"npm": "example", "version": "1.0.0", "tarball_sha256": ")" +
           std::string(64, '0') + R"("},
      "licence": "MIT",
      "provenance": "made by the test",
      "embedding_size": 128,
      "files": [
        {"role": "detector", "path": "det.onnx", "sha256": ")" +
           HashOf(kDetector) + R"("},
        {"role": "embedder", "path": "sub/emb.onnx", "sha256": ")" +
           HashOf(kEmbedder) + R"("}
      ],
      "inputs": {"detector": "anything"},
      "thresholds": {
        "far_curve": )" +
           far_curve + R"(,
        "far_curve_source": "made up",
        "verification": 0.3,
        "margin": 0.04,
        "mention_floor": 0.33
      }
    })";
  }

  static constexpr const char* kDetector = "detector bytes";
  static constexpr const char* kEmbedder = "embedder bytes";
  fs::path root_;
  fs::path models_;
  fs::path manifest_;
};

TEST_F(ModelPackTest, LoadsAndResolvesFiles) {
  auto pack = LoadModelPack(manifest_, models_);
  ASSERT_TRUE(pack) << pack.error().message;
  EXPECT_EQ(pack->id, "test-pack");
  EXPECT_EQ(pack->licence, "MIT");
  EXPECT_EQ(pack->embedding_size, 128);
  ASSERT_EQ(pack->files.size(), 2u);
  EXPECT_EQ(pack->FileFor("detector"), fs::absolute(models_ / "test-pack" / "det.onnx"));
  EXPECT_EQ(pack->FileFor("embedder"), fs::absolute(models_ / "test-pack" / "sub" / "emb.onnx"));
  EXPECT_TRUE(pack->FileFor("landmarker").empty());
  EXPECT_FLOAT_EQ(pack->thresholds.verification, 0.3f);
  EXPECT_FLOAT_EQ(pack->thresholds.margin, 0.04f);
  EXPECT_FLOAT_EQ(pack->thresholds.mention_floor, 0.33f);
  EXPECT_EQ(pack->thresholds.far_curve_source, "made up");
}

TEST_F(ModelPackTest, OperatingPointsDefaultAndAreReadFromTheManifest) {
  auto pack = LoadModelPack(manifest_, models_);
  ASSERT_TRUE(pack) << pack.error().message;
  EXPECT_DOUBLE_EQ(pack->thresholds.enrol_resemblance_far, 1e-2);
  EXPECT_DOUBLE_EQ(pack->thresholds.suppression_far, 1e-3);

  std::string text = Manifest(R"([{"far": 1e-3, "similarity": 0.35}])");
  text.insert(text.rfind('}'), R"(, "operating_points": {"suppression": 1e-4, "face_search": 1e-5})");
  WriteFile(manifest_, text);
  pack = LoadModelPack(manifest_, models_);
  ASSERT_TRUE(pack) << pack.error().message;
  EXPECT_DOUBLE_EQ(pack->thresholds.suppression_far, 1e-4);
  EXPECT_DOUBLE_EQ(pack->thresholds.face_search_far, 1e-5);
  EXPECT_DOUBLE_EQ(pack->thresholds.enrol_resemblance_far, 1e-2);
}

TEST_F(ModelPackTest, UnknownOrOutOfRangeOperatingPointIsModelError) {
  for (const char* points : {R"({"suppresion": 1e-3})", R"({"suppression": 2})"}) {
    std::string text = Manifest(R"([{"far": 1e-3, "similarity": 0.35}])");
    text.insert(text.rfind('}'), std::string(R"(, "operating_points": )") + points);
    WriteFile(manifest_, text);
    auto pack = LoadModelPack(manifest_, models_);
    ASSERT_FALSE(pack) << points;
    EXPECT_EQ(pack.error().code, ErrorCode::kModel);
    EXPECT_NE(pack.error().message.find("operating_points"), std::string::npos)
        << pack.error().message;
  }
}

TEST_F(ModelPackTest, PipelineDefaultsToTheUltraFaceStack) {
  auto pack = LoadModelPack(manifest_, models_);
  ASSERT_TRUE(pack) << pack.error().message;
  EXPECT_EQ(pack->pipeline.detector, DetectorKind::kUltraFace);
  EXPECT_FALSE(pack->pipeline.align_on_detector_points);
  EXPECT_FLOAT_EQ(pack->pipeline.embedder_mean, 127.0f);
  EXPECT_FLOAT_EQ(pack->pipeline.embedder_scale, 1.0f / 128);
  EXPECT_FLOAT_EQ(pack->thresholds.embedding_norm_unusable, 2.0f);
  EXPECT_FLOAT_EQ(pack->thresholds.embedding_norm_usable, 2.8f);
}

TEST_F(ModelPackTest, PipelineAndEmbeddingNormRampAreReadFromTheManifest) {
  std::string text = Manifest(R"([{"far": 1e-3, "similarity": 0.35}])");
  text.insert(text.rfind('}'), R"(, "pipeline": {"detector": "retinaface",
      "alignment": "detector_points", "embedder_input": {"mean": 127.5, "scale": 0.0078125}})");
  text.insert(text.find(R"("mention_floor")"),
              R"("quality_embedding_norm": {"unusable": 5.5, "usable": 7.5}, )");
  WriteFile(manifest_, text);
  auto pack = LoadModelPack(manifest_, models_);
  ASSERT_TRUE(pack) << pack.error().message;
  EXPECT_EQ(pack->pipeline.detector, DetectorKind::kRetinaFace);
  EXPECT_TRUE(pack->pipeline.align_on_detector_points);
  EXPECT_FLOAT_EQ(pack->pipeline.embedder_mean, 127.5f);
  EXPECT_FLOAT_EQ(pack->pipeline.embedder_scale, 0.0078125f);
  EXPECT_FLOAT_EQ(pack->thresholds.embedding_norm_unusable, 5.5f);
  EXPECT_FLOAT_EQ(pack->thresholds.embedding_norm_usable, 7.5f);
}

TEST_F(ModelPackTest, UnknownDetectorOrInvertedNormRampIsModelErrorNamingField) {
  const std::pair<std::string, std::string> cases[] = {
      {R"(, "pipeline": {"detector": "yunet"})", "pipeline.detector"},
      {R"(, "pipeline": {"alignment": "eyes"})", "pipeline.alignment"},
      {R"(, "pipeline": {"embedder_input": {"mean": 127.5}})", "pipeline.embedder_input.scale"},
  };
  for (const auto& [insert, field] : cases) {
    std::string text = Manifest(R"([{"far": 1e-3, "similarity": 0.35}])");
    text.insert(text.rfind('}'), insert);
    WriteFile(manifest_, text);
    auto pack = LoadModelPack(manifest_, models_);
    ASSERT_FALSE(pack) << insert;
    EXPECT_EQ(pack.error().code, ErrorCode::kModel);
    EXPECT_NE(pack.error().message.find(field), std::string::npos) << pack.error().message;
  }
  std::string text = Manifest(R"([{"far": 1e-3, "similarity": 0.35}])");
  text.insert(text.find(R"("mention_floor")"),
              R"("quality_embedding_norm": {"unusable": 3, "usable": 2}, )");
  WriteFile(manifest_, text);
  auto pack = LoadModelPack(manifest_, models_);
  ASSERT_FALSE(pack);
  EXPECT_NE(pack.error().message.find("thresholds.quality_embedding_norm"), std::string::npos)
      << pack.error().message;
}

TEST_F(ModelPackTest, FarCurveIsSortedByDecreasingRate) {
  auto pack = LoadModelPack(manifest_, models_);
  ASSERT_TRUE(pack) << pack.error().message;
  ASSERT_EQ(pack->thresholds.far_curve.size(), 2u);
  EXPECT_DOUBLE_EQ(pack->thresholds.far_curve[0].false_accept_rate, 1e-2);
  EXPECT_FLOAT_EQ(pack->thresholds.far_curve[0].similarity, 0.25f);
  EXPECT_DOUBLE_EQ(pack->thresholds.far_curve[1].false_accept_rate, 1e-3);
  EXPECT_FLOAT_EQ(pack->thresholds.far_curve[1].similarity, 0.35f);
}

TEST_F(ModelPackTest, NonMonotonicFarCurveIsModelError) {
  WriteFile(manifest_,
            Manifest(R"([{"far": 1e-2, "similarity": 0.4}, {"far": 1e-3, "similarity": 0.3}])"));
  auto pack = LoadModelPack(manifest_, models_);
  ASSERT_FALSE(pack);
  EXPECT_EQ(pack.error().code, ErrorCode::kModel);
  EXPECT_NE(pack.error().message.find("monotonic"), std::string::npos) << pack.error().message;
}

TEST_F(ModelPackTest, AlteredFileIsModelErrorNamingFileAndHashes) {
  const std::string altered = "detector bytes, altered";
  WriteFile(models_ / "test-pack" / "det.onnx", altered);
  auto pack = LoadModelPack(manifest_, models_);
  ASSERT_FALSE(pack);
  EXPECT_EQ(pack.error().code, ErrorCode::kModel);
  const std::string& message = pack.error().message;
  EXPECT_NE(message.find("det.onnx"), std::string::npos) << message;
  EXPECT_NE(message.find(HashOf(altered)), std::string::npos) << message;
  EXPECT_NE(message.find(HashOf(kDetector)), std::string::npos) << message;
  EXPECT_NE(message.find("scripts/setup.sh"), std::string::npos) << message;
}

TEST_F(ModelPackTest, AlteredFileLoadsWithoutVerification) {
  WriteFile(models_ / "test-pack" / "det.onnx", "detector bytes, altered");
  EXPECT_TRUE(LoadModelPack(manifest_, models_, /*verify_hashes=*/false));
}

TEST_F(ModelPackTest, MissingFileIsModelErrorNamingFile) {
  fs::remove(models_ / "test-pack" / "sub" / "emb.onnx");
  for (bool verify : {true, false}) {
    auto pack = LoadModelPack(manifest_, models_, verify);
    ASSERT_FALSE(pack);
    EXPECT_EQ(pack.error().code, ErrorCode::kModel);
    EXPECT_NE(pack.error().message.find("emb.onnx"), std::string::npos) << pack.error().message;
  }
}

TEST_F(ModelPackTest, MalformedJsonIsModelError) {
  WriteFile(manifest_, R"({"id": "test-pack", "files": [)");
  auto pack = LoadModelPack(manifest_, models_);
  ASSERT_FALSE(pack);
  EXPECT_EQ(pack.error().code, ErrorCode::kModel);
  EXPECT_NE(pack.error().message.find(manifest_.string()), std::string::npos)
      << pack.error().message;
}

TEST_F(ModelPackTest, WrongFieldTypeIsModelErrorNamingField) {
  WriteFile(manifest_, R"({"id": "test-pack", "licence": "MIT", "provenance": "x",
                           "embedding_size": 128, "files": [{"role": "detector", "path": 7}]})");
  auto pack = LoadModelPack(manifest_, models_);
  ASSERT_FALSE(pack);
  EXPECT_EQ(pack.error().code, ErrorCode::kModel);
  EXPECT_NE(pack.error().message.find("files[0].path"), std::string::npos) << pack.error().message;
}

TEST_F(ModelPackTest, PathOutsideThePackIsModelError) {
  std::string manifest = Manifest(R"([{"far": 1e-2, "similarity": 0.25}])");
  manifest.replace(manifest.find("\"det.onnx\""), 10, "\"../../pack.json\"");
  WriteFile(manifest_, manifest);
  auto pack = LoadModelPack(manifest_, models_);
  ASSERT_FALSE(pack);
  EXPECT_EQ(pack.error().code, ErrorCode::kModel);
  EXPECT_NE(pack.error().message.find("files[0].path"), std::string::npos) << pack.error().message;
}

TEST_F(ModelPackTest, MissingManifestIsNotFound) {
  auto pack = LoadModelPack(root_ / "no-such-pack.json", models_);
  ASSERT_FALSE(pack);
  EXPECT_EQ(pack.error().code, ErrorCode::kNotFound);
}

TEST(ModelPackDefaults, EnvironmentOverridesBuildDefaults) {
  ::setenv("FACETAG_PACK", "/somewhere/pack.json", 1);
  ::setenv("FACETAG_MODELS", "/somewhere/models", 1);
  EXPECT_EQ(DefaultPackManifest(), fs::path("/somewhere/pack.json"));
  EXPECT_EQ(DefaultModelDir(), fs::path("/somewhere/models"));
  ::unsetenv("FACETAG_PACK");
  ::unsetenv("FACETAG_MODELS");
  EXPECT_NE(DefaultPackManifest(), fs::path("/somewhere/pack.json"));
  EXPECT_FALSE(DefaultModelDir().empty());
}

}  // namespace
}  // namespace facetag
