#include "watch_rules.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>

namespace facetag::ops {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

Sighting Observe(const std::optional<Sighting>& before, const FileStamp& stamp,
                 Clock::time_point now) {
  if (before && before->stamp == stamp) return *before;
  return Sighting{stamp, now, false};
}

Sighting RenamedIn(const FileStamp& stamp, Clock::time_point now) {
  return Sighting{stamp, now, true};
}

bool HasArrived(const Sighting& sighting, Clock::time_point now, Clock::duration settle) {
  return sighting.renamed_in || now - sighting.unchanged_since >= settle;
}

bool IsIncomingPhotoName(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  const std::string lower = Lower(name);
  static constexpr std::array<std::string_view, 6> kTemporary = {
      ".part", ".tmp", ".filepart", ".crdownload", ".partial", ".!ut"};
  for (std::string_view suffix : kTemporary) {
    if (EndsWith(lower, suffix)) return false;
  }
  static constexpr std::array<std::string_view, 7> kPhotos = {".jpg",  ".jpeg", ".png", ".tif",
                                                              ".tiff", ".webp", ".bmp"};
  for (std::string_view ext : kPhotos) {
    // "x.jpg" has a stem; ".jpg" alone was refused above as hidden.
    if (EndsWith(lower, ext)) return true;
  }
  return false;
}

std::string FreeName(std::string_view name, const std::function<bool(const std::string&)>& taken) {
  std::string candidate(name);
  if (!taken(candidate)) return candidate;
  const std::filesystem::path path(name);
  const std::string stem = path.stem().string();
  const std::string ext = path.extension().string();
  for (int n = 2;; ++n) {
    candidate = stem + "-" + std::to_string(n) + ext;
    if (!taken(candidate)) return candidate;
  }
}

std::string DoneLocation(const std::string& done_dir, std::string_view name,
                         const std::optional<std::string>& archived_location,
                         const std::function<bool(const std::string&)>& taken) {
  const std::filesystem::path dir(done_dir);
  if (archived_location) {
    const std::filesystem::path archived(*archived_location);
    if (archived.parent_path() == dir) {
      const std::string archived_name = archived.filename().string();
      // The same photo under a name chosen by FreeName for its own name.
      const std::string stem = std::filesystem::path(name).stem().string();
      const std::string ext = std::filesystem::path(name).extension().string();
      const bool its_name = archived_name == name ||
                            (archived_name.starts_with(stem + "-") && archived_name.ends_with(ext));
      if (its_name && !taken(archived_name)) return (dir / archived_name).string();
    }
  }
  return (dir / FreeName(name, taken)).string();
}

Disposition DispositionOf(const Result<app::TaggedPhoto>& tagged) {
  if (!tagged) {
    switch (tagged.error().code) {
      case ErrorCode::kDatabase:
      case ErrorCode::kModel:
        return Disposition::kRetry;
      default:
        return Disposition::kFailed;
    }
  }
  if (tagged->ingest.outcome == app::IngestOutcome::kFailed) return Disposition::kFailed;
  return Disposition::kDone;
}

std::string FailureText(std::string_view name, const Error& error) {
  return std::string(name) + ": " + ErrorCodeName(error.code) + ": " + error.message + "\n";
}

bool MayAdopt(std::string_view own_id, std::string_view other_id, bool other_lock_free) {
  return other_lock_free && own_id != other_id;
}

Result<void> CheckWatcherId(std::string_view id) {
  const bool ok = !id.empty() && id.size() <= 64 && id.front() != '.' &&
                  std::all_of(id.begin(), id.end(), [](unsigned char c) {
                    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
                  });
  if (!ok) {
    return Fail(ErrorCode::kInvalidArgument,
                "watcher id \"" + std::string(id) +
                    "\" must be letters, digits, '-', '_' or '.', not start with '.', at most 64");
  }
  return {};
}

}  // namespace facetag::ops
