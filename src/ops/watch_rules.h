// The rules of a watched folder, as plain functions over what was seen (no
// file system, no clock of their own), so that they are tested with made-up
// times and files:
//   - when a file that is still arriving counts as arrived;
//   - which names in the folder are photos to take (not temporary names);
//   - under which name a photo goes into done/ or failed/;
//   - where a photo goes after the application layer handled it, and what
//     a claimed file found at start (a watcher that was killed) becomes.
//
// Thread safety: pure functions and values.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "facetag/app.h"
#include "facetag/result.h"

namespace facetag::ops {

using Clock = std::chrono::steady_clock;

// What stat says of a file that may still be growing.
struct FileStamp {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

// One file of the watched folder as the watcher saw it so far.
struct Sighting {
  FileStamp stamp;
  // Since when `stamp` has stayed the same, on the watcher's own clock: a
  // network mount's skewed modification times do not shorten the wait.
  Clock::time_point unchanged_since{};
  // Moved into the folder by a rename: complete, as FTP servers do with a
  // temporary name, and as `mv` does.
  bool renamed_in = false;
};

// The sighting after looking at the file again at `now`. A change of size
// or time restarts the wait (and a later write cancels a rename's promise).
Sighting Observe(const std::optional<Sighting>& before, const FileStamp& stamp,
                 Clock::time_point now);
// A file that was renamed into the folder at `now`.
Sighting RenamedIn(const FileStamp& stamp, Clock::time_point now);
// Whether the file is complete: renamed in, or unchanged for `settle`.
bool HasArrived(const Sighting& sighting, Clock::time_point now, Clock::duration settle);

// Whether a name in the watched folder is a photo to take: a photo
// extension (as `facetag ingest` lists), not hidden (".claim", an upload's
// ".name.jpg" temporary), not an upload's temporary suffix (".part",
// ".tmp", ".filepart", ".crdownload", ".partial", ".!ut" before or instead
// of the extension).
bool IsIncomingPhotoName(std::string_view name);

// The name a photo takes in a folder where `taken(name)` says which names
// are in use: its own, else "stem-2.ext", "stem-3.ext", ...
std::string FreeName(std::string_view name, const std::function<bool(const std::string&)>& taken);

// The path a claimed photo goes to in done/. `archived_location`: where the
// archive says this photo lives, when it knows it (a run killed after
// archiving it and before moving it chose that path then); kept when it is
// that file's name in `done_dir` and still free, so the archive points at
// the file. Otherwise a free name for the photo's own name.
std::string DoneLocation(const std::string& done_dir, std::string_view name,
                         const std::optional<std::string>& archived_location,
                         const std::function<bool(const std::string&)>& taken);

// Where a photo goes after the application layer handled it.
enum class Disposition {
  kDone,    // archived (or known already) and its names written: done/
  kFailed,  // the photo cannot be processed: failed/ with NAME.error.txt
  kRetry,   // the database or the model files failed: leave it claimed, stop
            // (the photo is not at fault; a restart resumes it)
};

// The disposition of a photo from what App::Tag answered. A restart runs
// Tag again on a claimed file: an archived photo is skipped by the archive
// and only its names are written again, so the rule is the same for a new
// photo and for one found claimed at start.
Disposition DispositionOf(const Result<app::TaggedPhoto>& tagged);

// The text of NAME.error.txt beside a failed photo.
std::string FailureText(std::string_view name, const Error& error);

// Whether a watcher may take over the claims in another watcher's claim
// folder: only when nobody holds that folder's lock (its watcher died) and
// it is not its own folder.
bool MayAdopt(std::string_view own_id, std::string_view other_id, bool other_lock_free);

// A watcher id is a folder name: letters, digits, '-', '_', '.', not
// starting with '.', at most 64 bytes. kInvalidArgument otherwise.
Result<void> CheckWatcherId(std::string_view id);

}  // namespace facetag::ops
