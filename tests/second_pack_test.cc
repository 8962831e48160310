// The second model pack (packs/retinaface-mobilefacenet.json: RetinaFace
// detector and five points, MobileFaceNet embedder converted from TFLite at
// setup) end to end on real photos.
#include <gtest/gtest.h>

#include <cstdlib>

#include "facetag/file_io.h"
#include "facetag/hash.h"
#include "facetag/vision.h"
#include "test_data.h"

namespace facetag {
namespace {

using testing::DataFile;
using testing::RepositoryPack;

constexpr const char* kManifest = "retinaface-mobilefacenet.json";
constexpr const char* kExamples = "photos/face_recognition/examples/";

const ModelPack& Pack() { return RepositoryPack(kManifest); }

TEST(SecondPack, FindsBothFacesAndEmbedsWithItsOwnModel) {
  auto analyzer = vision::FaceAnalyzer::Create(Pack());
  ASSERT_TRUE(analyzer) << analyzer.error().message;
  auto photo = (*analyzer)->AnalyzeFile(DataFile(std::string(kExamples) + "two_people.jpg"));
  ASSERT_TRUE(photo) << photo.error().message;
  ASSERT_EQ(photo->faces.size(), 2u);
  for (const DetectedFace& face : photo->faces) {
    EXPECT_EQ(face.embedding.model_id, "retinaface-mfn-v1");
    EXPECT_EQ(face.embedding.values.size(), 192u);
    EXPECT_GE(face.quality.score, Pack().thresholds.quality_floor_enrol);
  }
}

// The same person in two photos is alike above the pack's verification
// threshold, two people below it.
TEST(SecondPack, VerifiesAKnownPairAndRejectsAnotherPerson) {
  auto analyzer = vision::FaceAnalyzer::Create(Pack());
  ASSERT_TRUE(analyzer) << analyzer.error().message;
  auto embed = [&](const std::string& photo) {
    auto faces = (*analyzer)->AnalyzeFile(DataFile(std::string(kExamples) + photo));
    EXPECT_TRUE(faces) << faces.error().message;
    EXPECT_EQ(faces ? faces->faces.size() : 0u, 1u) << photo;
    return faces && !faces->faces.empty() ? faces->faces[0].embedding : Embedding{};
  };
  const Embedding obama = embed("obama.jpg");
  const Embedding obama2 = embed("obama2.jpg");
  const Embedding biden = embed("biden.jpg");
  ASSERT_EQ(obama.values.size(), 192u);
  const float same = CosineSimilarity(obama.values, obama2.values);
  const float different = CosineSimilarity(obama.values, biden.values);
  EXPECT_GT(same, Pack().thresholds.verification);
  EXPECT_LT(different, Pack().thresholds.verification);
}

TEST(SecondPack, NamesObamaAndBidenAndNobodyElse) {
  testing::Workbench bench("second-pack", Pack());
  const Person obama = bench.List("Barack Obama");
  const Person biden = bench.List("Joe Biden");
  ASSERT_TRUE(bench.Enrol(obama, DataFile(std::string(kExamples) + "obama.jpg")));
  ASSERT_TRUE(bench.Enrol(biden, DataFile(std::string(kExamples) + "biden.jpg")));
  auto names = [&](const std::string& photo) {
    std::vector<std::string> out;
    auto recognized = bench.Recognize(DataFile(std::string(kExamples) + photo));
    EXPECT_TRUE(recognized) << recognized.error().message;
    if (!recognized) return out;
    for (const app::RecognizedFace& f : recognized->faces) {
      out.push_back(f.decision.person ? bench.store().GetPerson(*f.decision.person)->name : "");
    }
    return out;
  };
  // two_people.jpg: Obama left, Biden right.
  EXPECT_EQ(names("two_people.jpg"), (std::vector<std::string>{"Barack Obama", "Joe Biden"}));
  // kit_with_rose.jpg: neither is listed.
  for (const std::string& name : names("knn_examples/test/kit_with_rose.jpg")) {
    EXPECT_EQ(name, "");
  }
}

// The jacket case (issue 12) with this pack: the default detector's
// confident false detections, a patterned background with a shoulder in
// obama_and_biden.jpg and a red balloon in dlib's 2009_004587.jpg
// (tests/recognition_test.cc), are not found by RetinaFace, and given as
// boxes (an editor's box, or a non-face enrolled anyway) they are below the
// naming floor as not a face.
TEST(SecondPack, TheJacketAndTheBalloonAreNoUsableFaces) {
  auto analyzer = vision::FaceAnalyzer::Create(Pack());
  ASSERT_TRUE(analyzer) << analyzer.error().message;
  struct Case {
    std::string photo;
    FaceBox box;
  };
  const Case cases[] = {
      {std::string(kExamples) + "knn_examples/test/obama_and_biden.jpg", {184, 779, 347, 452}},
      {"detection/dlib/examples/faces/2009_004587.jpg", {14, 307, 169, 224}},
  };
  for (const Case& c : cases) {
    auto photo = (*analyzer)->AnalyzeFile(DataFile(c.photo));
    ASSERT_TRUE(photo) << photo.error().message;
    for (const DetectedFace& face : photo->faces) {
      EXPECT_LT(IntersectionOverUnion(face.box, c.box), 0.3f) << c.photo;
    }
    auto bytes = ReadFileBytes(DataFile(c.photo), 64 << 20);
    ASSERT_TRUE(bytes);
    auto boxed = (*analyzer)->AnalyzeBox(*bytes, c.box);
    ASSERT_TRUE(boxed) << boxed.error().message;
    EXPECT_LT(boxed->quality.score, Pack().thresholds.quality_floor_naming) << c.photo;
    EXPECT_EQ(boxed->quality.issue, QualityIssue::kNotAFace) << c.photo;
  }
}

// setup.sh converts the package's TFLite file with tools/tflite_to_onnx.py
// and insists on the manifest's SHA-256: a second conversion must give the
// same bytes.
TEST(SecondPack, TheEmbedderConversionIsReproducible) {
  const auto source = Pack().FileFor("embedder_source");
  const auto converted = Pack().FileFor("embedder");
  ASSERT_FALSE(source.empty());
  const auto out = testing::TempDir("tflite-to-onnx") / "MobileFaceNet.onnx";
  const std::string command = "/usr/bin/python3 " +
                              testing::Quote(testing::SourceDir() / "tools" / "tflite_to_onnx.py") + " " +
                              testing::Quote(source) + " " + testing::Quote(out) + " >/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  auto hash = Sha256OfFile(out);
  ASSERT_TRUE(hash) << hash.error().message;
  std::string pinned;
  for (const ModelFile& file : Pack().files) {
    if (file.role == "embedder") pinned = file.sha256;
  }
  EXPECT_EQ(*hash, pinned);
  EXPECT_EQ(*Sha256OfFile(converted), pinned);
}

}  // namespace
}  // namespace facetag
