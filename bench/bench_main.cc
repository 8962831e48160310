// facetag benchmarks: per-stage latency of the vision pipeline, metadata
// read and write-back, match latency against 1k / 100k / 1M profile vectors,
// photos/s end to end on a folder, and peak memory. Prints figures; asserts
// nothing.
//
//   build/bench/facetag_bench [--benchmark_filter=...]
//   FACETAG_DATA overrides the evaluation data folder (../shared/data).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <map>
#include <random>

#include "facetag/discovery.h"
#include "facetag/file_io.h"
#include "facetag/hash.h"
#include "facetag/gallery.h"
#include "facetag/metadata.h"
#include "facetag/app.h"
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
  auto detector =
      vision::FaceDetector::Create(Pack().pipeline.detector, Pack().FileFor("detector"), {});
  std::size_t faces = 0;
  for (auto _ : state) faces = (*detector)->Detect(image->bgr)->size();
  state.SetLabel(std::to_string(image->bgr.cols) + "x" + std::to_string(image->bgr.rows) + ", " +
                 std::to_string(faces) + " faces");
}

void BM_Landmarks(benchmark::State& state) {
  cv::setNumThreads(1);
  const auto image = vision::DecodeImage(Photo("obama.jpg"), {});
  auto detector =
      vision::FaceDetector::Create(Pack().pipeline.detector, Pack().FileFor("detector"), {});
  const auto box = (*detector)->Detect(image->bgr)->front().box;
  auto landmarker = vision::Landmarker::Create(Pack().FileFor("landmarker"));
  for (auto _ : state) benchmark::DoNotOptimize((*landmarker)->Locate(image->bgr, box));
}

void BM_Align(benchmark::State& state) {
  const auto image = vision::DecodeImage(Photo("obama.jpg"), {});
  auto detector =
      vision::FaceDetector::Create(Pack().pipeline.detector, Pack().FileFor("detector"), {});
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
  auto embedder = vision::Embedder::Create(
      Pack().FileFor("embedder"), Pack().embedding_size,
      {Pack().pipeline.embedder_mean, Pack().pipeline.embedder_scale}, flip);
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
  for (auto _ : state) benchmark::DoNotOptimize(matcher.Rank(probe, 2));
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

// --- archive -----------------------------------------------------------------

// Ingest of the first 500 LFW images (copies, so metadata may be written),
// with Obama and Biden listed, on both cores; with and without writing the
// names into the photos.
void BM_Ingest(benchmark::State& state) {
  namespace fs = std::filesystem;
  const bool write = state.range(0) != 0;
  const fs::path dir = fs::temp_directory_path() / "facetag-bench-ingest";
  std::vector<fs::path> sources;
  for (const auto& e : fs::recursive_directory_iterator(DataDir() / "lfw-view1/images")) {
    if (e.is_regular_file()) sources.push_back(e.path());
  }
  std::sort(sources.begin(), sources.end());
  sources.resize(std::min<std::size_t>(sources.size(), 500));
  // The persons with several photos among them are listed, each with a
  // profile from their first photo, so that ingest names faces (and, with
  // metadata, writes them).
  std::vector<std::pair<std::string, Embedding>> listed;
  {
    auto analyzer = vision::FaceAnalyzer::Create(Pack());
    std::map<std::string, std::vector<fs::path>> by_person;
    for (const auto& f : sources) by_person[f.parent_path().filename()].push_back(f);
    for (const auto& [name, photos] : by_person) {
      if (photos.size() < 2) continue;
      auto faces = (*analyzer)->AnalyzeFile(photos.front());
      if (!faces) continue;
      if (auto i = vision::PickCentralFace(*faces)) listed.emplace_back(name, faces->faces[*i].embedding);
    }
  }
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(dir);
    MakePrivateFolder(dir);  // a database folder must be private
    fs::create_directories(dir / "photos");
    std::vector<fs::path> files;
    for (std::size_t i = 0; i < sources.size(); ++i) {
      files.push_back(dir / "photos" / (std::to_string(i) + ".jpg"));
      fs::copy_file(sources[i], files.back());
    }
    auto store = Store::OpenSqlite(dir / "facetag.db");
    for (const auto& [name, embedding] : listed) {
      auto person = (*store)->AddPerson({name, {}, "", {}});
      Profile profile;
      profile.person_id = person->id;
      profile.embedding = embedding;
      (void)(*store)->AddProfile(profile);
    }
    const auto photo_files = PhotoFiles::Disk();
    app::App app(**store, Pack(), *photo_files);
    app::BatchOptions options;
    options.workers = 2;
    options.ingest.write_metadata = write;
    std::vector<std::string> locations;
    for (const auto& file : files) locations.push_back(file.string());
    state.ResumeTiming();
    auto summary =
        app.Ingest(locations, [] { return vision::FaceAnalyzer::Create(Pack()); }, options);
    if (!summary || summary->ingested + summary->skipped != files.size()) {
      state.SkipWithError("ingest failed");
    } else {
      state.counters["tagged"] = static_cast<double>(summary->tagged);
    }
  }
  state.counters["photos/s"] = benchmark::Counter(
      static_cast<double>(sources.size() * state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(sources.size()) + " LFW photos" +
                 (write ? ", metadata written" : ""));
  fs::remove_all(dir);
}

// Rematch of 100,000 stored faces (33,334 photos of three synthetic faces)
// against a list of 1,000 persons with 3 profiles each.
void BM_Rematch(benchmark::State& state) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "facetag-bench-rematch";
  fs::remove_all(dir);
  MakePrivateFolder(dir);  // a database folder must be private
  auto store = Store::OpenSqlite(dir / "facetag.db");
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  auto unit = [&] {
    std::vector<float> v(Pack().embedding_size);
    for (float& x : v) x = normal(rng);
    NormalizeL2(v);
    return v;
  };
  for (int p = 0; p < 1000; ++p) {
    auto person = (*store)->AddPerson({"Person " + std::to_string(p), {}, "", {}});
    for (int k = 0; k < 3; ++k) {
      Profile profile;
      profile.person_id = person->id;
      profile.embedding = {Pack().id, unit()};
      (void)(*store)->AddProfile(profile);
    }
  }
  std::size_t faces = 0;
  for (int i = 0; faces < 100000; ++i) {
    NewPhoto photo;
    photo.info.sha256 = Sha256Hex({reinterpret_cast<const unsigned char*>(&i), sizeof i});
    photo.info.location = "/archive/" + std::to_string(i) + ".jpg";
    photo.info.width = 3000;
    photo.info.height = 2000;
    for (int f = 0; f < 3; ++f, ++faces) {
      NewFace face;
      face.detected.box = {100.0f + 500 * f, 100, 200, 260};
      face.detected.embedding = {Pack().id, unit()};
      photo.faces.push_back(std::move(face));
    }
    if (!(*store)->archive().AddPhoto(photo)) state.SkipWithError("AddPhoto failed");
  }
  const auto photo_files = PhotoFiles::Disk();
  app::App app(**store, Pack(), *photo_files);
  for (auto _ : state) {
    auto summary = app.Rematch({});
    if (!summary) state.SkipWithError("rematch failed");
  }
  state.counters["faces/s"] = benchmark::Counter(static_cast<double>(faces * state.iterations()),
                                                 benchmark::Counter::kIsRate);
  state.counters["db_MB"] = static_cast<double>(fs::file_size(dir / "facetag.db")) / (1 << 20);
  fs::remove_all(dir);
}

// Search latency at archive scale: 1,000,000 synthetic photo records with
// 3,000,000 faces (random embeddings, 1,000 persons, captions from a small
// vocabulary), built once into $FACETAG_BENCH_DIR (default: the temp dir) and
// reused by later runs. Reports p50/p99 of person searches and text searches
// and the database size. Building takes about 15 minutes and 12 GB, so it
// runs only with FACETAG_BENCH_SCALE=1.
void BM_SearchAtScale(benchmark::State& state) {
  namespace fs = std::filesystem;
  if (!std::getenv("FACETAG_BENCH_SCALE")) {
    state.SkipWithError("set FACETAG_BENCH_SCALE=1 to build the 12 GB database it needs");
    return;
  }
  const char* env = std::getenv("FACETAG_BENCH_DIR");
  const fs::path dir = env && *env ? fs::path(env) : fs::temp_directory_path() / "facetag-bench-scale";
  MakePrivateFolder(dir);  // a database folder must be private
  const fs::path db = dir / "facetag.db";
  auto store = Store::OpenSqlite(db);
  if (!store) {
    state.SkipWithError(store.error().message.c_str());
    return;
  }
  Archive& archive = (*store)->archive();
  constexpr int kPhotos = 1000000;
  constexpr int kPersons = 1000;
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  static const char* kWords[] = {"summit", "parliament", "election", "press", "conference",
                                 "minister", "visit", "football", "match", "festival",
                                 "Hague", "Brussels", "Berlin", "Paris", "speech"};
  auto persons = (*store)->ListPersons();
  if (persons->size() < static_cast<std::size_t>(kPersons)) {
    for (int p = static_cast<int>(persons->size()); p < kPersons; ++p) {
      (void)(*store)->AddPerson({"Person " + std::to_string(p), {}, "", {}});
    }
    persons = (*store)->ListPersons();
  }
  for (int i = static_cast<int>(*archive.CountPhotos()); i < kPhotos; ++i) {
    NewPhoto photo;
    photo.info.sha256 = Sha256Hex({reinterpret_cast<const unsigned char*>(&i), sizeof i});
    photo.info.location = "/archive/" + std::to_string(i) + ".jpg";
    photo.info.width = 3000;
    photo.info.height = 2000;
    char date[16];
    std::snprintf(date, sizeof date, "20%02d-%02d-%02d", 10 + i % 15, 1 + i % 12, 1 + i % 28);
    photo.info.date_created = date;
    photo.info.caption = std::string(kWords[rng() % 15]) + " " + kWords[rng() % 15] + " " +
                         kWords[rng() % 15];
    for (int f = 0; f < 3; ++f) {
      NewFace face;
      face.detected.box = {100.0f + 500 * f, 100, 200, 260};
      std::vector<float> v(Pack().embedding_size);
      for (float& x : v) x = normal(rng);
      NormalizeL2(v);
      face.detected.embedding = {Pack().id, std::move(v)};
      if (rng() % 3 == 0) {  // a third of the faces name someone
        face.tag.person = (*persons)[rng() % kPersons].id;
        face.tag.decision = FaceDecision::kRecognized;
        face.tag.similarity = 0.6f + static_cast<float>(rng() % 300) / 1000;
      }
      photo.faces.push_back(std::move(face));
    }
    if (!archive.AddPhoto(photo)) {
      state.SkipWithError("AddPhoto failed");
      return;
    }
  }
  std::vector<double> person_ms, text_ms;
  for (auto _ : state) {
    for (int q = 0; q < 200; ++q) {
      SearchQuery by_person;
      by_person.person = (*persons)[rng() % kPersons].id;
      by_person.limit = 50;
      auto t0 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(archive.Search(by_person));
      auto t1 = std::chrono::steady_clock::now();
      SearchQuery by_text;
      by_text.text = std::string(kWords[rng() % 15]) + " " + kWords[rng() % 15];
      by_text.limit = 50;
      benchmark::DoNotOptimize(archive.Search(by_text));
      auto t2 = std::chrono::steady_clock::now();
      person_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      text_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
  }
  auto percentile = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * (v.size() - 1))];
  };
  state.counters["person_p50_ms"] = percentile(person_ms, 0.5);
  state.counters["person_p99_ms"] = percentile(person_ms, 0.99);
  state.counters["text_p50_ms"] = percentile(text_ms, 0.5);
  state.counters["text_p99_ms"] = percentile(text_ms, 0.99);
  std::uintmax_t bytes = 0;
  for (const auto& e : fs::directory_iterator(dir)) bytes += e.is_regular_file() ? e.file_size() : 0;
  state.counters["db_GB"] = static_cast<double>(bytes) / (1ull << 30);
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
BENCHMARK(BM_Ingest)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(BM_Rematch)->Iterations(3)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(BM_SearchAtScale)->Iterations(1)->Unit(benchmark::kSecond)->Name("SearchAtScale/1M_photos_3M_faces");
BENCHMARK(BM_FolderPhotosPerSecond)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

// The process's resident memory now, MB (from /proc/self/status).
double ResidentMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return 0;
}

// Incremental discovery clustering of N synthetic 512-d faces arriving one
// by one: identities drawn Zipf-like (s = 1.1 over N/3 people: a few
// recurring often, most once or twice), each face its identity's centre plus
// noise (face-to-centre cosine ~0.8, same-person pairs ~0.64, different
// people ~0 +- 0.044). Reports faces/s, the memory the clusterer holds
// (embeddings + HNSW graph) and the BCubed F against the drawn identities.
// Second arg: 0 exact search all along, 1 HNSW from the 1,000th face on (to
// compare with exact), 2 the default (HNSW from 20,000 faces on).
void BM_DiscoverIncremental(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto mode = state.range(1);
  const int dim = 512;
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  auto unit = [&](std::vector<float> v) {
    NormalizeL2(v);
    return v;
  };
  const std::size_t people = n / 3;
  std::vector<double> weights(people);
  for (std::size_t i = 0; i < people; ++i) weights[i] = 1.0 / std::pow(i + 1.0, 1.1);
  std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
  std::vector<std::vector<float>> centres(people);
  std::vector<std::vector<float>> faces(n);
  std::vector<std::int64_t> truth(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t p = pick(rng);
    if (centres[p].empty()) {
      centres[p].resize(dim);
      for (float& x : centres[p]) x = normal(rng);
      centres[p] = unit(centres[p]);
    }
    std::vector<float> v(dim);
    for (int k = 0; k < dim; ++k) v[k] = centres[p][k] + 0.75f * normal(rng) / std::sqrt(512.0f);
    faces[i] = unit(v);
    truth[i] = static_cast<std::int64_t>(p);
  }
  discovery::ClusteringOptions options;
  options.link_similarity = Pack().thresholds.SimilarityAt(Pack().thresholds.cluster_link_far);
  if (mode == 0) options.index_from = n + 1;
  if (mode == 1) options.index_from = 1000;
  for (auto _ : state) {
    const double before = ResidentMb();
    auto clusterer = discovery::Clusterer::Create(dim, options);
    for (std::size_t i = 0; i < n; ++i) {
      if (!clusterer->Add(static_cast<FaceId>(i + 1), faces[i])) state.SkipWithError("Add failed");
    }
    state.counters["clusterer_MB"] = ResidentMb() - before;
    std::vector<std::int64_t> predicted(n);
    for (std::size_t i = 0; i < n; ++i) predicted[i] = *clusterer->ClusterOf(static_cast<FaceId>(i + 1));
    const auto scores = discovery::ScoreClusters(predicted, truth);
    state.counters["bcubed_f"] = scores.bcubed_f;
    state.counters["purity"] = scores.purity;
    state.counters["clusters"] = static_cast<double>(scores.clusters);
    state.counters["people"] = static_cast<double>(scores.classes);
  }
  state.counters["faces/s"] = benchmark::Counter(static_cast<double>(n * state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

BENCHMARK(BM_DiscoverIncremental)
    ->Args({20000, 0})
    ->Args({20000, 1})
    ->Args({100000, 2})
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
