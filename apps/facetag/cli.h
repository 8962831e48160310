// Shared pieces of the facetag command line: global options, opening the
// database and the model pack, error reporting, exit codes, progress.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "facetag/app.h"
#include "facetag/json_views.h"
#include "facetag/model_pack.h"
#include "facetag/pipeline.h"
#include "facetag/result.h"
#include "facetag/store.h"
#include "facetag/types.h"

namespace CLI {
class App;
}

namespace facetag::cli {

// Exit codes (docs/cli.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitPartial = 1,    // some inputs failed, the others were processed
  kExitUsage = 2,      // bad command line or argument
  kExitNotFound = 3,   // a named person or file does not exist
  kExitRefused = 4,    // refused on purpose: no face, several faces, rejected profile, duplicate
  kExitBadImage = 5,   // unreadable, corrupt or oversized image
  kExitSetup = 6,      // model files missing or altered: run scripts/setup.sh
  kExitStorage = 7,    // database or filesystem failure
  kExitInternal = 70,  // a bug
};

int ExitCodeFor(ErrorCode code);

// Exit code of a command over several inputs: 0 when none failed; the
// failure's own code when the only input failed; kExitPartial otherwise.
int BatchExitCode(std::size_t inputs, std::size_t failed, std::optional<ErrorCode> first_error);

// What the commands call: the database, the model pack, the photo files and
// the use cases over them (the App refers to the other three).
struct Workspace {
  std::unique_ptr<Store> store;
  std::unique_ptr<ModelPack> pack;
  std::unique_ptr<PhotoFiles> files;
  std::unique_ptr<app::App> app;

  // A face analyzer of the pack (one per thread).
  Result<std::unique_ptr<vision::FaceAnalyzer>> Analyzer() const;
};

// Whether a command may create the database when it does not exist.
enum class Access {
  kExisting,  // read-only commands: a missing database is an error naming it
  kCreate,    // commands that write (list, enrol, ingest, ...)
};

// Global options and the command chosen on the command line.
struct Cli {
  std::string db_path;       // --db, else $FACETAG_DB, else the default
  std::string pack_path;     // --pack, else $FACETAG_PACK, else the default
  std::string models_path;   // --models, else $FACETAG_MODELS, else the default
  bool json = false;         // --json: machine-readable output on stdout
  bool quiet = false;        // --quiet: no progress bar
  std::string key_path;      // --key, else $FACETAG_KEY, else the default (DefaultSecretKeyPath)
  std::string actor;         // --actor, else $USER, else "facetag": who acts, for the audit log
  std::function<int()> run;  // set by the chosen subcommand

  Result<std::unique_ptr<Store>> OpenStore(Access access = Access::kCreate) const;
  // The actor recorded in the audit log: --actor, $USER, or "facetag".
  std::string Actor() const;
  // `verify`: check every model file's SHA-256 (before running the
  // networks); the thresholds alone need only the manifest.
  Result<ModelPack> LoadPack(bool verify = true) const;
  // The store, the pack (its files checked when `models`: the command runs
  // the networks) and the use cases.
  Result<Workspace> Open(Access access, bool models) const;

  // The photo files named by `inputs`; folders are searched recursively.
  static Result<std::vector<std::filesystem::path>> ListInputs(
      const std::vector<std::string>& inputs);

  // Prints `error` (to stderr, or as JSON on stdout with --json) and returns
  // its exit code.
  int Report(const Error& error) const;
};

// The commands, grouped by subject; each adds its subcommands to `app`.
void AddPersonCommands(CLI::App& app, Cli& cli);
void AddRecognizeCommands(CLI::App& app, Cli& cli);
void AddBenchCommands(CLI::App& app, Cli& cli);
// Called by AddBenchCommands: `bench openset` under the bench command.
void AddOpensetBench(CLI::App& bench, Cli& cli);
void AddTagCommands(CLI::App& app, Cli& cli);
void AddArchiveCommands(CLI::App& app, Cli& cli);
// Listing criteria from "public,recurring,searched" (any order, any
// subset) or "all"; kInvalidArgument names a word that is none of them.
Result<ListingCriteria> ParseCriteria(const std::string& text);

// After AddBenchCommands: adds `bench discover` to the bench command.
void AddDiscoveryCommands(CLI::App& app, Cli& cli);
void AddPrivacyCommands(CLI::App& app, Cli& cli);
void AddServeCommands(CLI::App& app, Cli& cli);

// The outcome of a rematch, as JSON and as a line of text.
nlohmann::json RematchJson(const app::RematchSummary& summary);
void PrintRematch(const app::RematchSummary& summary);
// What happened after a list change (enrolment, approval): JSON, and a line
// of text unless nothing was to be done.
nlohmann::json FollowUpJson(const app::ListFollowUp& follow_up);
void PrintFollowUp(const app::ListFollowUp& follow_up, const std::string& person);
nlohmann::json ErrorJson(const Error& error);
// Text from a file or a caller made safe for a terminal: control characters
// (escape sequences among them) shown as U+FFFD, newlines and tabs kept.
std::string ForTerminal(std::string_view text);

// A one-line progress bar on stderr, drawn only when stderr is a terminal.
class Progress {
 public:
  // `unit` names what is counted ("photos", "faces").
  Progress(std::size_t total, bool enabled, const char* unit = "photos");
  ~Progress();
  void Advance(std::size_t done);
  // Clears the bar, so that what is printed next starts on a clean line.
  void Finish();

 private:
  std::size_t total_;
  bool enabled_;
  const char* unit_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// In a command body (with `cli` in scope): declares `lhs` from a Result
// expression, or reports the error and returns its exit code.
#define FACETAG_ASSIGN_OR_RETURN_EXIT(lhs, expr) \
  FACETAG_ASSIGN_OR_RETURN_EXIT_IMPL_(FACETAG_CONCAT_(facetag_exit_, __LINE__), lhs, expr)
#define FACETAG_ASSIGN_OR_RETURN_EXIT_IMPL_(result, lhs, expr) \
  auto result = (expr);                                        \
  if (!result) return cli.Report(result.error());              \
  lhs = std::move(*result)

// "%.3f" of a similarity.
std::string FormatSimilarity(float similarity);

}  // namespace facetag::cli
