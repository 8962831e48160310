// facetag benchmarks: per-stage latency of the vision pipeline, metadata
// read and write-back, match latency against 1k / 100k / 1M profile vectors,
// photos/s end to end on a folder, and peak memory. Prints figures; asserts
// nothing.
//
//   build/bench/facetag_bench [--benchmark_filter=...]
//   FACETAG_DATA overrides the evaluation data folder (../shared/data).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <opencv2/imgcodecs.hpp>
#include <random>

#include "facetag/file_io.h"
#include "facetag/gallery.h"
#include "facetag/metadata.h"
#include "facetag/pipeline.h"
#include "vision/aligner.h"
#include "vision/decoder.h"
#include "vision/embedder.h"
#include "vision/face_detector.h"
#include "vision/landmarker.h"

namespace facetag {
namespace {

std::filesystem::path DataDir() {
  if (const char* env = std::getenv("FACETAG_DATA"); env && *env) return env;
  return std::filesystem::path(FACETAG_SOURCE_DIR) / ".." / "shared" / "data";
}

const ModelPack& Pack() {
  static const ModelPack pack = [] {
    auto loaded = LoadModelPack(DefaultPackManifest(), DefaultModelDir());
    if (!loaded) {
      std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
      std::exit(6);
    }
    return *loaded;
  }();
  return pack;
}

std::vector<unsigned char> Photo(const std::string& name) {
  auto bytes = ReadFileBytes(DataDir() / "photos/face_recognition/examples" / name, 1 << 28);
  if (!bytes) {
    std::fprintf(stderr, "%s\n", bytes.error().message.c_str());
    std::exit(3);
  }
  return *bytes;
}

// --- vision stages, one thread --------------------------------------------

void BM_Decode(benchmark::State& state, const std::string& name) {
  const auto bytes = Photo(name);
  for (auto _ : state) {
    auto image = vision::DecodeImage(bytes, {});
    benchmark::DoNotOptimize(image);
  }
  auto image = vision::DecodeImage(bytes, {});
  state.SetLabel(std::to_string(image->bgr.cols) + "x" + std::to_string(image->bgr.rows));
}

void BM_Detect(benchmark::State& state, const std::string& name) {
  cv::setNumThreads(1);
  const auto image = vision::DecodeImage(Photo(name), {});
  auto detector = vision::FaceDetector::Create(Pack().FileFor("detector"), {});
  std::size_t faces = 0;
  for (auto _ : state) faces = (*detector)->Detect(image->bgr)->size();
  state.SetLabel(std::to_string(image->bgr.cols) + "x" + std::to_string(image->bgr.rows) + ", " +
                 std::to_string(faces) + " faces");
}

void BM_Landmarks(benchmark::State& state) {
  cv::setNumThreads(1);
  const auto image = vision::DecodeImage(Photo("obama.jpg"), {});
  auto detector = vision::FaceDetector::Create(Pack().FileFor("detector"), {});
  const auto box = (*detector)->Detect(image->bgr)->front().box;
  auto landmarker = vision::Landmarker::Create(Pack().FileFor("landmarker"));
  for (auto _ : state) benchmark::DoNotOptimize((*landmarker)->Locate(image->bgr, box));
}

void BM_Align(benchmark::State& state) {
  const auto image = vision::DecodeImage(Photo("obama.jpg"), {});
  auto detector = vision::FaceDetector::Create(Pack().FileFor("detector"), {});
  const auto box = (*detector)->Detect(image->bgr)->front().box;
  auto landmarker = vision::Landmarker::Create(Pack().FileFor("landmarker"));
  const auto points = vision::FivePoints(*(*landmarker)->Locate(image->bgr, box));
  for (auto _ : state) benchmark::DoNotOptimize(vision::AlignFace(image->bgr, points));
}

void BM_Embed(benchmark::State& state) {
  cv::setNumThreads(1);
  const bool flip = state.range(0) != 0;
  cv::Mat chip(112, 112, CV_8UC3);
  cv::randu(chip, 0, 255);
  auto embedder = vision::Embedder::Create(Pack().FileFor("embedder"), Pack().embedding_size, flip);
  for (auto _ : state) benchmark::DoNotOptimize((*embedder)->Embed(chip));
  state.SetLabel(flip ? "with flip (2 views)" : "single view");
}

void BM_AnalyzePhoto(benchmark::State& state, const std::string& name) {
  cv::setNumThreads(1);
  const auto bytes = Photo(name);
  auto analyzer = vision::FaceAnalyzer::Create(Pack());
  std::size_t faces = 0;
  for (auto _ : state) faces = (*analyzer)->Analyze(bytes)->faces.size();
  state.SetLabel(std::to_string(faces) + " faces, decode to embeddings");
}

// --- metadata write-back ----------------------------------------------------

// Writes the person tags of obama.jpg's face into a copy, alternating
// between two similarities so that every iteration really rewrites the file
// (an unchanged TagSet is skipped).
void BM_WritePersonTags(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / "facetag-bench-write";
  std::filesystem::create_directories(dir);
  const auto photo = dir / "obama.jpg";
  std::filesystem::copy_file(DataDir() / "photos/face_recognition/examples/obama.jpg", photo,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(photo, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  auto analyzer = vision::FaceAnalyzer::Create(Pack());
  auto faces = (*analyzer)->AnalyzeFile(photo);
  metadata::TagSet tags;
  tags.width = faces->width;
  tags.height = faces->height;
  tags.exif_orientation = faces->exif_orientation;
  tags.pictured.push_back(
      {"Barack Obama", "urn:uuid:00000000-0000-4000-8000-000000000001", faces->faces[0].box, {}});
  tags.mentioned.push_back({"Joe Biden", "urn:uuid:00000000-0000-4000-8000-000000000002"});
  int i = 0;
  for (auto _ : state) {
    tags.pictured[0].provenance.similarity = (i++ % 2) ? 0.7f : 0.8f;
    auto report = metadata::WritePersonTags(photo, tags);
    if (!report || !report->written) state.SkipWithError("write failed");
  }
  state.counters["photos/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  std::filesystem::remove_all(dir);
}

void BM_ReadPhotoText(benchmark::State& state) {
  const auto photo = DataDir() / "photos/face_recognition/examples/obama.jpg";
  for (auto _ : state) benchmark::DoNotOptimize(metadata::ReadPhotoText(photo));
}

// --- matching -------------------------------------------------------------

void BM_Match(benchmark::State& state) {
  const auto profiles_count = static_cast<std::size_t>(state.range(0));
  constexpr int kDim = 512;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  std::vector<Profile> profiles(profiles_count);
  for (std::size_t i = 0; i < profiles_count; ++i) {
    profiles[i].person_id = static_cast<PersonId>(i / 4);  // 4 profiles a person
    profiles[i].embedding.model_id = "m";
    profiles[i].embedding.values.resize(kDim);
    for (float& v : profiles[i].embedding.values) v = normal(rng);
    NormalizeL2(profiles[i].embedding.values);
  }
  const gallery::Matcher matcher = gallery::Matcher::Build("m", kDim, profiles);
  profiles.clear();
  profiles.shrink_to_fit();
  Embedding probe{"m", std::vector<float>(kDim)};
  for (float& v : probe.values) v = normal(rng);
  NormalizeL2(probe.values);
  for (auto _ : state) benchmark::DoNotOptimize(matcher.Identify(probe, 0.5f, 0.05f));
  state.counters["profiles"] = static_cast<double>(profiles_count);
  state.counters["persons"] = static_cast<double>(matcher.person_count());
}

// --- end to end on a folder, all cores --------------------------------------

void BM_FolderPhotosPerSecond(benchmark::State& state) {
  auto files = pipeline::ListPhotoFiles(DataDir() / "photos");
  std::size_t faces = 0;
  for (auto _ : state) {
    faces = 0;
    auto ran = pipeline::AnalyzeFiles(*files, static_cast<int>(state.range(0)), Pack(), {},
                                      [&](std::size_t, Result<PhotoFaces> photo) {
                                        if (photo) faces += photo->faces.size();
                                      });
    if (!ran) state.SkipWithError(ran.error().message.c_str());
  }
  state.counters["photos/s"] = benchmark::Counter(
      static_cast<double>(files->size() * state.iterations()), benchmark::Counter::kIsRate);
  state.counters["faces/s"] = benchmark::Counter(static_cast<double>(faces * state.iterations()),
                                                 benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(files->size()) + " photos, " + std::to_string(state.range(0)) +
                 " workers");
}

BENCHMARK_CAPTURE(BM_Decode, jpeg_1080p, std::string("obama-1080p.jpg"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, jpeg_2000px, std::string("knn_examples/test/obama_and_biden.jpg"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Detect, portrait, std::string("obama.jpg"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Detect, group_2000px, std::string("knn_examples/test/obama_and_biden.jpg"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Landmarks)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Align)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Embed)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AnalyzePhoto, two_people, std::string("two_people.jpg"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WritePersonTags)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadPhotoText)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Match)->Arg(1000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FolderPhotosPerSecond)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace
}  // namespace facetag

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("peak RSS: %.1f MB\n", usage.ru_maxrss / 1024.0);
  benchmark::Shutdown();
  return 0;
}
