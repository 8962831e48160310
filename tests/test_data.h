// Where tests find the evaluation photos and the model pack.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "facetag/app.h"
#include "facetag/model_pack.h"

namespace facetag::testing {

// The project's source folder (web pages, fuzz corpora).
std::filesystem::path SourceDir();

// $FACETAG_DATA, else ../shared/data beside the project.
std::filesystem::path DataDir();

// A photo of the evaluation data by its path relative to DataDir().
std::filesystem::path DataFile(const std::string& relative);

// The default pack, loaded once (hashes checked). Fails the calling test
// with the loader's message when the models are not set up.
const ModelPack& DefaultPack();

// The pack of the repository's manifest packs/<file> with its files in
// DefaultModelDir(), loaded once per file (hashes checked). Fails the
// calling test like DefaultPack.
const ModelPack& RepositoryPack(const std::string& file);

// A fresh empty private (0700) folder under the system temp dir.
std::filesystem::path TempDir(const std::string& name);

// The facetag binary of this build.
std::string FacetagBinary();

// What a run of the facetag binary printed on stdout (and stderr, when
// asked for), and its exit code (-1 when it did not exit normally).
struct CommandRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the facetag binary with `args` (shell-quoted by the caller); `env`
// ("VAR=value ...") goes before the command. Stderr is discarded, or kept
// in `err` with `keep_stderr`. Safe to call from several threads at once.
CommandRun RunFacetag(const std::string& args, const std::string& env = "",
                      bool keep_stderr = false);

// `path` in single quotes for a shell command line.
std::string Quote(const std::filesystem::path& path);

// Ingests `photos` into `store` with the default pack on one worker.
Result<app::IngestSummary> IngestFiles(Store& store, const std::vector<std::filesystem::path>& photos,
                                       const app::IngestOptions& options = {});

// A fresh archive on a temporary database with the use cases over it, a
// model pack (the default unless given; it must outlive the bench), real
// photo files and one analyzer: what end-to-end tests drive. Failures of its
// helpers fail the calling test.
class Workbench {
 public:
  explicit Workbench(const std::string& name);
  Workbench(const std::string& name, const ModelPack& pack);
  Store& store() { return *store_; }
  app::App& app() { return *app_; }
  vision::FaceAnalyzer& analyzer() { return *analyzer_; }
  const std::filesystem::path& dir() const { return dir_; }

  // Lists a person, with all criteria and a justification.
  Person List(const std::string& name, std::vector<std::string> aliases = {});
  Result<app::EnrolOutcome> Enrol(const Person& person, const std::filesystem::path& photo,
                                  std::optional<int> face = std::nullopt, bool force = false);
  // Ingests on one worker (this bench's analyzer is not shared).
  Result<app::IngestSummary> Ingest(const std::vector<std::filesystem::path>& photos,
                                    const app::IngestOptions& options = {});
  Result<app::Recognition> Recognize(const std::filesystem::path& photo);

 private:
  const ModelPack* pack_;
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<PhotoFiles> files_;
  std::unique_ptr<app::App> app_;
  std::unique_ptr<vision::FaceAnalyzer> analyzer_;
};

}  // namespace facetag::testing
