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

Result<std::unique_ptr<Store>> Cli::OpenStore(Access access) const {
  const std::filesystem::path path =
      db_path.empty() ? DefaultDatabasePath() : std::filesystem::path(db_path);
  std::error_code ec;
  if (access == Access::kExisting && !std::filesystem::exists(path, ec)) {
    // A forgotten --db must not leave an empty database behind.
    return Fail(ErrorCode::kNotFound,
                "no database at " + path.string() +
                    " (give --db PATH or set FACETAG_DB; a database is created by the first "
                    "command that writes, such as `facetag person add`)");
  }
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

Result<ModelPack> Cli::LoadPack(bool verify) const {
  const std::filesystem::path manifest =
      pack_path.empty() ? DefaultPackManifest() : std::filesystem::path(pack_path);
  const std::filesystem::path models =
      models_path.empty() ? DefaultModelDir() : std::filesystem::path(models_path);
  return LoadModelPack(manifest, models, verify);
}

Result<Workspace> Cli::Open(Access access, bool models) const {
  Workspace w;
  FACETAG_ASSIGN_OR_RETURN(w.store, OpenStore(access));
  FACETAG_ASSIGN_OR_RETURN(ModelPack pack, LoadPack(models));
  w.pack = std::make_unique<ModelPack>(std::move(pack));
  w.files = PhotoFiles::Disk();
  w.app = std::make_unique<app::App>(*w.store, *w.pack, *w.files);
  return w;
}

Result<std::unique_ptr<vision::FaceAnalyzer>> Workspace::Analyzer() const {
  return vision::FaceAnalyzer::Create(*pack);
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

std::string ForTerminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // C1 controls (U+0080-U+009F) arrive as 0xC2 0x80-0x9F in UTF-8.
    const bool c1 = c == 0xC2 && i + 1 < text.size() &&
                    static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9F;
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F || c1) {
      out += "\uFFFD";
      if (c1) ++i;
      continue;
    }
    out += static_cast<char>(c);
  }
  return out;
}

nlohmann::json ErrorJson(const Error& error) {
  return {{"code", ErrorCodeName(error.code)}, {"message", error.message}};
}

int Cli::Report(const Error& error) const {
  if (json) {
    std::cout << nlohmann::json{{"error", ErrorJson(error)}}.dump(2) << "\n";
  } else {
    std::cerr << "facetag: " << ForTerminal(error.message) << "\n";
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

Progress::~Progress() { Finish(); }

void Progress::Finish() {
  if (enabled_) std::cerr << "\r\033[K" << std::flush;
  enabled_ = false;
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
