// Privacy benchmarks: audit chain verification, the retention purge with
// its compaction (time and file size before/after), and an opt-out against
// a synthetic archive. Prints figures; asserts nothing.
//
//   build/bench/facetag_bench --benchmark_filter='Audit|Purge|OptOut'
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "facetag/file_io.h"
#include "facetag/hash.h"
#include "facetag/privacy_rules.h"
#include "facetag/store.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
constexpr char kModel[] = "bench-model";
constexpr int kDimension = 512;

struct BenchStore {
  fs::path dir;
  TimePoint now = std::chrono::sys_days(std::chrono::year(2026) / 1 / 1);
  std::unique_ptr<Store> store;

  explicit BenchStore(const std::string& name)
      : dir(fs::temp_directory_path() / ("facetag-bench-" + name)) {
    fs::remove_all(dir);
    MakePrivateFolder(dir);  // a database folder must be private
    StoreOptions options;
    options.secret_key_path = dir / "secret.key";
    options.clock = [this] { return now; };
    store = std::move(*Store::OpenSqlite(dir / "facetag.db", options));
  }
  ~BenchStore() {
    store.reset();
    fs::remove_all(dir);
  }
  double FileMB() const {
    double bytes = 0;
    for (const char* suffix : {"", "-wal"}) {
      std::error_code ec;
      const auto size = fs::file_size(dir.string() + "/facetag.db" + suffix, ec);
      if (!ec) bytes += static_cast<double>(size);
    }
    return bytes / (1 << 20);
  }
};

std::vector<float> Unit(std::mt19937& rng) {
  std::normal_distribution<float> normal;
  std::vector<float> v(kDimension);
  for (float& x : v) x = normal(rng);
  NormalizeL2(v);
  return v;
}

// `photos` photos of three faces each; `named` of the faces name `person`.
void AddPhotos(Store& store, std::mt19937& rng, int first, int photos,
               std::optional<PersonId> person = std::nullopt) {
  for (int i = first; i < first + photos; ++i) {
    NewPhoto photo;
    photo.info.sha256 = Sha256Hex({reinterpret_cast<const unsigned char*>(&i), sizeof i});
    photo.info.location = "/archive/" + std::to_string(i) + ".jpg";
    photo.info.caption = "Caption of photo " + std::to_string(i);
    for (int f = 0; f < 3; ++f) {
      NewFace face;
      face.detected.box = {100.0f + 500 * f, 100, 200, 260};
      face.detected.embedding = {kModel, Unit(rng)};
      if (person && f == 0) face.tag = {*person, 0.6f, FaceDecision::kRecognized, false};
      photo.faces.push_back(std::move(face));
    }
    (void)store.archive().AddPhoto(photo);
  }
}

// Verifying the audit chain of N entries (one SHA-256 per entry).
void BM_AuditVerify(benchmark::State& state) {
  BenchStore bench("audit");
  const auto entries = state.range(0);
  for (std::int64_t i = 0; i < entries; ++i) {
    (void)bench.store->archive().AppendAudit(
        {"editor@desk", "tag.confirm", "face:" + std::to_string(i),
         R"({"person":12,"photo":345,"previous":{"status":"automatic"}})"});
  }
  for (auto _ : state) {
    auto verified = bench.store->privacy().VerifyAudit();
    if (!verified || !verified->intact) state.SkipWithError("verify failed");
  }
  state.counters["entries/s"] = benchmark::Counter(
      static_cast<double>(entries * state.iterations()), benchmark::Counter::kIsRate);
}

// Purge of 15,000 of 30,000 unknown faces (10,000 photos) past a 365-day
// period, with the compaction that wipes them from the file.
void BM_PurgeUnknownFaces(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    BenchStore bench("purge");
    std::mt19937 rng(7);
    AddPhotos(*bench.store, rng, 0, 5000);
    bench.now += std::chrono::hours(24 * 300);
    AddPhotos(*bench.store, rng, 5000, 5000);
    bench.now += std::chrono::hours(24 * 100);
    RetentionPolicy policy;
    policy.unknown_faces_days = 365;
    policy.audit_days = std::nullopt;
    state.ResumeTiming();
    auto report = bench.store->privacy().Purge(policy, bench.now, false, "bench");
    state.PauseTiming();
    if (!report) {
      state.SkipWithError(report.error().message.c_str());
      break;
    }
    state.counters["faces_purged"] = static_cast<double>(report->counts.unknown_faces);
    state.counters["MB_before"] = report->file_bytes_before / double(1 << 20);
    state.counters["MB_after"] = report->file_bytes_after / double(1 << 20);
    state.ResumeTiming();
  }
}

// Opt-out of a person with 3 profiles named on 1,000 of 30,000 archived
// faces: the template scan over every unknown face, the deletes, and the
// compaction (run by the opt-out job).
void BM_OptOut(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    BenchStore bench("optout");
    std::mt19937 rng(11);
    auto person = bench.store->AddPerson({"Bench Person", {}, "", {}});
    for (int k = 0; k < 3; ++k) {
      Profile profile;
      profile.person_id = person->id;
      profile.embedding = {kModel, Unit(rng)};
      (void)bench.store->AddProfile(profile);
    }
    AddPhotos(*bench.store, rng, 0, 1000, person->id);
    AddPhotos(*bench.store, rng, 1000, 9000);
    const double before = bench.FileMB();
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    const auto is_theirs = [](const Embedding& face, const Embedding& suppression_template) {
      return IsOptedOutFace(face, suppression_template, 0.345f);
    };
    auto outcome = bench.store->privacy().OptOutPerson(person->id, {}, is_theirs, "bench");
    const auto opted = std::chrono::steady_clock::now();
    auto compacted = bench.store->privacy().Compact();
    const auto end = std::chrono::steady_clock::now();
    state.PauseTiming();
    if (!outcome || !compacted) {
      state.SkipWithError("opt-out failed");
      break;
    }
    state.counters["faces_deleted"] = outcome->faces_deleted;
    state.counters["optout_s"] = std::chrono::duration<double>(opted - start).count();
    state.counters["compact_s"] = std::chrono::duration<double>(end - opted).count();
    state.counters["MB_before"] = before;
    state.counters["MB_after"] = bench.FileMB();
    state.ResumeTiming();
  }
}

BENCHMARK(BM_AuditVerify)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PurgeUnknownFaces)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK(BM_OptOut)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace facetag
