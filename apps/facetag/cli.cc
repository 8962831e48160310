#include "cli.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace facetag::cli {

int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return kExitUsage;
    case ErrorCode::kNotFound:
      return kExitNotFound;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kNoFace:
    case ErrorCode::kAmbiguousFace:
    case ErrorCode::kRejected:
      return kExitRefused;
    case ErrorCode::kUnsupportedFormat:
    case ErrorCode::kCorruptImage:
    case ErrorCode::kImageTooLarge:
      return kExitBadImage;
    case ErrorCode::kModel:
      return kExitSetup;
    case ErrorCode::kDatabase:
    case ErrorCode::kIo:
      return kExitStorage;
    case ErrorCode::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

int BatchExitCode(std::size_t inputs, std::size_t failed, std::optional<ErrorCode> first_error) {
  if (failed == 0) return kExitOk;
  if (inputs == 1 && first_error) return ExitCodeFor(*first_error);
  return kExitPartial;
}

Result<std::unique_ptr<Store>> Cli::OpenStore() const {
  const std::filesystem::path path =
      db_path.empty() ? DefaultDatabasePath() : std::filesystem::path(db_path);
  StoreOptions options;
  options.secret_key_path = key_path;
  options.actor = Actor();
  return Store::OpenSqlite(path, options);
}

std::string Cli::Actor() const {
  if (!actor.empty()) return actor;
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "facetag";
}

Result<ModelPack> Cli::LoadPack() const {
  const std::filesystem::path manifest =
      pack_path.empty() ? DefaultPackManifest() : std::filesystem::path(pack_path);
  const std::filesystem::path models =
      models_path.empty() ? DefaultModelDir() : std::filesystem::path(models_path);
  return LoadModelPack(manifest, models);
}

Result<LoadedList> Cli::LoadList() const {
  auto store = OpenStore();
  if (!store) return tl::unexpected(store.error());
  auto pack = LoadPack();
  if (!pack) return tl::unexpected(pack.error());
  auto recognizer = pipeline::Recognizer::Load(**store, *pack);
  if (!recognizer) return tl::unexpected(recognizer.error());
  return LoadedList{std::move(*store), std::move(*pack), std::move(*recognizer)};
}

Result<std::vector<std::filesystem::path>> Cli::ListInputs(const std::vector<std::string>& inputs) {
  std::vector<std::filesystem::path> files;
  for (const std::string& input : inputs) {
    auto listed = pipeline::ListPhotoFiles(input);
    if (!listed) return tl::unexpected(listed.error());
    files.insert(files.end(), listed->begin(), listed->end());
  }
  return files;
}

nlohmann::json ErrorJson(const Error& error) {
  return {{"code", ErrorCodeName(error.code)}, {"message", error.message}};
}

int Cli::Report(const Error& error) const {
  if (json) {
    std::cout << nlohmann::json{{"error", ErrorJson(error)}}.dump(2) << "\n";
  } else {
    std::cerr << "facetag: " << error.message << "\n";
  }
  return ExitCodeFor(error.code);
}


std::string FormatSimilarity(float similarity) {
  char text[16];
  std::snprintf(text, sizeof text, "%.3f", similarity);
  return text;
}

Progress::Progress(std::size_t total, bool enabled, const char* unit)
    : total_(total),
      enabled_(enabled && total > 1 && isatty(STDERR_FILENO)),
      unit_(unit),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (enabled_) std::cerr << "\r\033[K" << std::flush;
}

void Progress::Advance(std::size_t done) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? done / seconds : 0;
  const double eta = rate > 0 ? (total_ - done) / rate : 0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / std::max<std::size_t>(1, total_));
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r[%s] %zu/%zu  %.1f %s/s  ETA %.0fs\033[K", bar.c_str(), done, total_,
               rate, unit_, eta);
  std::fflush(stderr);
}

}  // namespace facetag::cli
