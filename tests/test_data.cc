#include "test_data.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>

#include "facetag/file_io.h"

namespace facetag::testing {

std::filesystem::path SourceDir() { return FACETAG_SOURCE_DIR; }

std::filesystem::path DataDir() {
  if (const char* env = std::getenv("FACETAG_DATA"); env && *env) return env;
  return SourceDir() / ".." / "shared" / "data";
}

std::filesystem::path DataFile(const std::string& relative) { return DataDir() / relative; }

const ModelPack& DefaultPack() {
  static std::once_flag once;
  static std::optional<ModelPack> pack;
  static std::string error;
  std::call_once(once, [] {
    auto loaded = LoadModelPack(DefaultPackManifest(), DefaultModelDir());
    if (loaded) {
      pack = std::move(*loaded);
    } else {
      error = loaded.error().message;
    }
  });
  if (!pack) {
    ADD_FAILURE() << "model pack not available (run scripts/setup.sh): " << error;
    static const ModelPack empty;
    return empty;
  }
  return *pack;
}

const ModelPack& RepositoryPack(const std::string& file) {
  static std::mutex mutex;
  static std::map<std::string, Result<ModelPack>> loaded;
  std::lock_guard lock(mutex);
  auto it = loaded.find(file);
  if (it == loaded.end()) {
    it = loaded.emplace(file, LoadModelPack(SourceDir() / "packs" / file, DefaultModelDir())).first;
  }
  if (!it->second) {
    ADD_FAILURE() << "model pack " << file
                  << " not available (run scripts/setup.sh): " << it->second.error().message;
    static const ModelPack empty;
    return empty;
  }
  return *it->second;
}

std::filesystem::path TempDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("facetag-test-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  // Private (0700): tests keep databases in it, and facetag refuses a
  // database folder others may use.
  const auto made = MakePrivateFolder(dir);
  if (!made) ADD_FAILURE() << made.error().message;
  return dir;
}

Result<app::IngestSummary> IngestFiles(Store& store, const std::vector<std::filesystem::path>& photos,
                                       const app::IngestOptions& options) {
  const auto files = PhotoFiles::Disk();
  app::App app(store, DefaultPack(), *files);
  std::vector<std::string> locations;
  for (const auto& photo : photos) locations.push_back(photo.string());
  app::BatchOptions batch;
  batch.ingest = options;
  batch.workers = 1;
  return app.Ingest(
      locations, [] { return vision::FaceAnalyzer::Create(DefaultPack()); }, batch);
}

Workbench::Workbench(const std::string& name) : Workbench(name, DefaultPack()) {}

Workbench::Workbench(const std::string& name, const ModelPack& pack)
    : pack_(&pack), dir_(TempDir(name)) {
  auto store = Store::OpenSqlite(dir_ / "facetag.db");
  if (!store) {
    ADD_FAILURE() << store.error().message;
    return;
  }
  store_ = std::move(*store);
  files_ = PhotoFiles::Disk();
  app_ = std::make_unique<app::App>(*store_, pack, *files_);
  auto analyzer = vision::FaceAnalyzer::Create(pack);
  if (!analyzer) {
    ADD_FAILURE() << analyzer.error().message;
    return;
  }
  analyzer_ = std::move(*analyzer);
}

Person Workbench::List(const std::string& name, std::vector<std::string> aliases) {
  auto person = app_->ListPerson(
      {name, std::move(aliases), "listed by the test", {true, true, true}}, "test");
  EXPECT_TRUE(person) << person.error().message;
  return person ? *person : Person{};
}

Result<app::EnrolOutcome> Workbench::Enrol(const Person& person, const std::filesystem::path& photo,
                                           std::optional<int> face, bool force) {
  FACETAG_ASSIGN_OR_RETURN(auto bytes, ReadFileBytes(photo, 512ull << 20));
  app::EnrolRequest request;
  request.location = photo.string();
  request.face_number = face;
  request.force = force;
  return app_->Enrol(person.id, bytes, request, *analyzer_, "test");
}

Result<app::IngestSummary> Workbench::Ingest(const std::vector<std::filesystem::path>& photos,
                                             const app::IngestOptions& options) {
  std::vector<std::string> locations;
  for (const auto& photo : photos) locations.push_back(photo.string());
  app::BatchOptions batch;
  batch.ingest = options;
  batch.workers = 1;
  return app_->Ingest(
      locations, [this] { return vision::FaceAnalyzer::Create(*pack_); }, batch);
}

Result<app::Recognition> Workbench::Recognize(const std::filesystem::path& photo) {
  FACETAG_ASSIGN_OR_RETURN(auto bytes, ReadFileBytes(photo, 512ull << 20));
  return app_->Recognize(photo.string(), bytes, *analyzer_);
}

std::string FacetagBinary() { return FACETAG_BINARY; }

CommandRun RunFacetag(const std::string& args, const std::string& env, bool keep_stderr) {
  std::string err_file = "/dev/null";
  if (keep_stderr) {
    std::string pattern = (std::filesystem::temp_directory_path() / "facetag-stderr-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) return {};
    ::close(fd);
    err_file = pattern;
  }
  const std::string command =
      env + " " + Quote(FacetagBinary()) + " " + args + " 2>" + Quote(err_file);
  CommandRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe) {
    std::array<char, 4096> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe)) run.out += buffer.data();
    const int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  if (keep_stderr) {
    std::ifstream in(err_file, std::ios::binary);
    run.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::filesystem::remove(err_file);
  }
  return run;
}

std::string Quote(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

}  // namespace facetag::testing
