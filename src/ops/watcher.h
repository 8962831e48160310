// A hot folder: photos dropped into IN are tagged and archived through the
// application layer (App::Tag: archived first, then the archive's names
// written into the file or its sidecar), then moved to done/, or to failed/
// with NAME.error.txt beside them.
//
// Safe against a kill at any moment and against several watchers on one
// folder (several machines on a shared mount):
//   - a photo is claimed by an atomic rename into IN/.claim/ID/ (ID: the
//     watcher's id); of several watchers, one rename wins;
//   - it is archived under its final location in done/, its names written
//     into the claimed file, and only then moved (a rename that never
//     replaces a file);
//   - at start a watcher handles what its claim folder still holds (App::Tag
//     skips an archived photo and writes its names again), and takes over
//     the claims of watchers whose claim folder nobody holds locked (they
//     died).
// IN, done/ and failed/ must be on one file system (renames, not copies).
//
// Thread safety: a Watcher runs on the thread that calls Run.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "facetag/app.h"
#include "facetag/photo_files.h"
#include "facetag/thread_annotations.h"
#include "facetag/vision.h"
#include "watch_rules.h"

namespace facetag::ops {

// PhotoFiles that reads and writes a photo's final location at the path
// where it lies meanwhile (its claimed file): the archive records where the
// photo will be, the bytes come from where it is. Other locations go to
// the wrapped files.
//
// Thread safety: safe from several threads.
class ClaimedFiles final : public PhotoFiles {
 public:
  explicit ClaimedFiles(std::unique_ptr<PhotoFiles> files) : files_(std::move(files)) {}

  // Until Release(location): `location` is read and written at `path`.
  void Redirect(const std::string& location, const std::string& path);
  void Release(const std::string& location);

  Result<std::vector<unsigned char>> Read(std::string_view location,
                                          std::uint64_t max_bytes) override;
  Result<metadata::PhotoText> ReadText(std::string_view location,
                                       const metadata::ReadOptions& options) override;
  Result<metadata::WriteReport> WriteTags(std::string_view location, const metadata::TagSet& tags,
                                          const metadata::WriteOptions& options) override;

 private:
  std::string PathOf(std::string_view location);

  std::unique_ptr<PhotoFiles> files_;
  Mutex mutex_;
  std::map<std::string, std::string, std::less<>> redirects_ FACETAG_GUARDED_BY(mutex_);
};

// One thing that happened, for the log.
struct WatchEvent {
  std::string kind;  // "claimed", "adopted", "done", "failed", "resumed"
  std::string name;  // the photo's name in IN
  std::string path;  // where it is now
  std::string message;
  std::size_t faces = 0;  // done: faces archived, and of them named
  std::size_t named = 0;
};

struct WatchOptions {
  std::filesystem::path in;
  std::filesystem::path done;    // default IN/done
  std::filesystem::path failed;  // default IN/failed
  std::string id;                // this watcher's claim folder (CheckWatcherId)
  Clock::duration settle = std::chrono::seconds(2);
  Clock::duration rescan = std::chrono::seconds(30);  // for mounts inotify does not see
  metadata::WriteTarget target = metadata::WriteTarget::kInPlace;
  std::string actor = "facetag watch";
  bool once = false;  // stop when nothing is left to take (after settling)
  const std::atomic<bool>* stop = nullptr;  // set by a signal: stop after the photo in hand
  std::function<void(const WatchEvent&)> log;
};

struct WatchSummary {
  std::size_t done = 0;
  std::size_t failed = 0;
};

class Watcher {
 public:
  // `app` must read and write photos through `files`. Creates done/,
  // failed/ and the claim folder; holds the claim folder's lock until the
  // Watcher goes. Errors: kInvalidArgument (id, IN not a folder, folders on
  // different file systems), kAlreadyExists (a watcher with this id runs),
  // kIo.
  static Result<std::unique_ptr<Watcher>> Open(app::App& app, ClaimedFiles& files,
                                               vision::FaceAnalyzer& analyzer,
                                               WatchOptions options);
  ~Watcher();

  // Resumes the claim folder, then watches until `stop` (or, with `once`,
  // until IN is empty). Errors: a database or model failure (the photo in
  // hand stays claimed for the next run), kIo.
  Result<WatchSummary> Run();

 private:
  Watcher(app::App& app, ClaimedFiles& files, vision::FaceAnalyzer& analyzer,
          WatchOptions options);
  Result<void> Adopt();
  Result<void> ResumeClaims();
  // Takes `name` from IN (false: somebody else did, or it is gone).
  Result<bool> Claim(const std::string& name);
  Result<void> Handle(const std::string& name);
  void Log(WatchEvent event) const;

  app::App& app_;
  ClaimedFiles& files_;
  vision::FaceAnalyzer& analyzer_;
  WatchOptions options_;
  std::filesystem::path claim_dir_;
  int lock_fd_ = -1;
  int inotify_fd_ = -1;
  WatchSummary summary_;
};

}  // namespace facetag::ops
