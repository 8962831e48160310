#include "watcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <thread>

#include "facetag/hash.h"

namespace facetag::ops {
namespace fs = std::filesystem;

namespace {

constexpr const char* kClaimFolder = ".claim";
constexpr const char* kLockFile = ".lock";

Error Errno(const std::string& what) {
  return Error{ErrorCode::kIo, what + ": " + std::strerror(errno)};
}

std::optional<FileStamp> StampOf(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileStamp{static_cast<std::uint64_t>(st.st_size),
                   static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                       st.st_mtim.tv_nsec};
}

bool Exists(const fs::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// rename(2) that never replaces a file: EEXIST instead.
int RenameNoReplace(const fs::path& from, const fs::path& to) {
  return ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE);
}

// Makes the renames into `dir` durable (a power cut, not only a kill).
void SyncFolder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Writes `text` to `path` through a temporary file and a rename: a kill
// leaves the old file or the new one, never half of it.
Result<void> WriteWhole(const fs::path& path, const std::string& text) {
  const fs::path temporary = path.parent_path() / ("." + path.filename().string() + ".tmp");
  std::FILE* file = std::fopen(temporary.c_str(), "w");
  if (!file) return tl::unexpected(Errno("cannot write " + temporary.string()));
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  const bool flushed = std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  std::fclose(file);
  if (!written || !flushed || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const Error error = Errno("cannot write " + path.string());
    std::remove(temporary.c_str());
    return tl::unexpected(error);
  }
  return {};
}

// The regular files of `dir` that are photos to take, sorted.
std::vector<std::string> ListNames(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code kind;
    if (IsIncomingPhotoName(name) && it->is_regular_file(kind)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Opens and locks (exclusively, without waiting) the lock file of a claim
// folder; -1 when another process holds it.
int TryLock(const fs::path& claim_dir) {
  const int fd = ::open((claim_dir / kLockFile).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

dev_t DeviceOf(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_dev : 0;
}

}  // namespace

// --- ClaimedFiles ------------------------------------------------------------

void ClaimedFiles::Redirect(const std::string& location, const std::string& path) {
  MutexLock lock(mutex_);
  redirects_[location] = path;
}

void ClaimedFiles::Release(const std::string& location) {
  MutexLock lock(mutex_);
  redirects_.erase(location);
}

std::string ClaimedFiles::PathOf(std::string_view location) {
  MutexLock lock(mutex_);
  const auto it = redirects_.find(location);
  return it == redirects_.end() ? std::string(location) : it->second;
}

Result<std::vector<unsigned char>> ClaimedFiles::Read(std::string_view location,
                                                      std::uint64_t max_bytes) {
  return files_->Read(PathOf(location), max_bytes);
}

Result<metadata::PhotoText> ClaimedFiles::ReadText(std::string_view location,
                                                   const metadata::ReadOptions& options) {
  return files_->ReadText(PathOf(location), options);
}

Result<metadata::WriteReport> ClaimedFiles::WriteTags(std::string_view location,
                                                      const metadata::TagSet& tags,
                                                      const metadata::WriteOptions& options) {
  return files_->WriteTags(PathOf(location), tags, options);
}

// --- Watcher -----------------------------------------------------------------

Watcher::Watcher(app::App& app, ClaimedFiles& files, vision::FaceAnalyzer& analyzer,
                 WatchOptions options)
    : app_(app), files_(files), analyzer_(analyzer), options_(std::move(options)) {}

Watcher::~Watcher() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

Result<std::unique_ptr<Watcher>> Watcher::Open(app::App& app, ClaimedFiles& files,
                                               vision::FaceAnalyzer& analyzer,
                                               WatchOptions options) {
  FACETAG_RETURN_IF_ERROR(CheckWatcherId(options.id));
  std::error_code ec;
  if (!fs::is_directory(options.in, ec)) {
    return Fail(ErrorCode::kInvalidArgument, "not a folder: " + options.in.string());
  }
  if (options.done.empty()) options.done = options.in / "done";
  if (options.failed.empty()) options.failed = options.in / "failed";
  std::unique_ptr<Watcher> w(new Watcher(app, files, analyzer, std::move(options)));
  const WatchOptions& o = w->options_;
  w->claim_dir_ = o.in / kClaimFolder / o.id;
  for (const fs::path& dir : {o.done, o.failed, w->claim_dir_}) {
    fs::create_directories(dir, ec);
    if (ec) return Fail(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  }
  const dev_t device = DeviceOf(o.in);
  for (const fs::path& dir : {o.done, o.failed}) {
    if (DeviceOf(dir) != device) {
      return Fail(ErrorCode::kInvalidArgument,
                  dir.string() + " is on another file system than " + o.in.string() +
                      ": photos are moved by renaming, so they must share one");
    }
  }
  w->lock_fd_ = TryLock(w->claim_dir_);
  if (w->lock_fd_ < 0) {
    return Fail(ErrorCode::kAlreadyExists,
                "a watcher with id \"" + o.id + "\" already watches " + o.in.string() +
                    " (give each watcher its own --id)");
  }
  w->inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->inotify_fd_ < 0) return tl::unexpected(Errno("inotify"));
  if (::inotify_add_watch(w->inotify_fd_, o.in.c_str(),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_ATTRIB) < 0) {
    return tl::unexpected(Errno("cannot watch " + o.in.string()));
  }
  return w;
}

void Watcher::Log(WatchEvent event) const {
  if (options_.log) options_.log(event);
}

Result<void> Watcher::Adopt() {
  std::error_code ec;
  for (fs::directory_iterator it(options_.in / kClaimFolder, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string other = it->path().filename().string();
    std::error_code kind;
    if (!it->is_directory(kind) || other == options_.id) continue;
    const int fd = TryLock(it->path());
    if (!MayAdopt(options_.id, other, fd >= 0)) continue;
    for (const std::string& name : ListNames(it->path())) {
      // One rename per file: of two watchers adopting at once, one wins.
      if (RenameNoReplace(it->path() / name, claim_dir_ / name) == 0) {
        Log({"adopted", name, (claim_dir_ / name).string(), "from watcher " + other});
      }
    }
    ::close(fd);
  }
  return {};
}

Result<void> Watcher::ResumeClaims() {
  for (const std::string& name : ListNames(claim_dir_)) {
    if (options_.stop && options_.stop->load()) return {};
    Log({"resumed", name, (claim_dir_ / name).string(), "", 0, 0});
    FACETAG_RETURN_IF_ERROR(Handle(name));
  }
  return {};
}

Result<bool> Watcher::Claim(const std::string& name) {
  if (RenameNoReplace(options_.in / name, claim_dir_ / name) == 0) {
    Log({"claimed", name, (claim_dir_ / name).string(), "", 0, 0});
    return true;
  }
  // ENOENT: another watcher took it. EEXIST: a photo of the same name is
  // still claimed here; this one waits for it to be moved on.
  if (errno == ENOENT || errno == EEXIST) return false;
  return tl::unexpected(Errno("cannot claim " + (options_.in / name).string()));
}

Result<void> Watcher::Handle(const std::string& name) {
  const fs::path claimed = claim_dir_ / name;
  const auto taken_in = [](const fs::path& dir) {
    return [dir](const std::string& n) { return Exists(dir / n); };
  };
  // Where the archive already puts this photo (a run killed after archiving).
  std::optional<std::string> archived_location;
  {
    auto bytes = app_.files().Read(claimed.string(), 512ull << 20);
    if (bytes) {
      auto known = app_.store().archive().FindPhoto(PhotoIdentity(*bytes));
      if (!known) return tl::unexpected(known.error());
      if (*known) {
        auto stored = app_.store().archive().GetPhoto((*known)->id);
        if (!stored) return tl::unexpected(stored.error());
        archived_location = stored->info.location;
      }
    }
  }
  const std::string location =
      DoneLocation(options_.done.string(), name, archived_location, taken_in(options_.done));

  app::TagOptions tag_options;
  tag_options.target = options_.target;
  tag_options.actor = options_.actor;
  files_.Redirect(location, claimed.string());
  Result<app::TaggedPhoto> tagged = app_.Tag(location, analyzer_, tag_options);
  files_.Release(location);

  switch (DispositionOf(tagged)) {
    case Disposition::kRetry:
      return tl::unexpected(Error{tagged.error().code, name + ": " + tagged.error().message});
    case Disposition::kDone: {
      if (options_.target == metadata::WriteTarget::kSidecar) {
        const fs::path sidecar = metadata::SidecarPath(claimed);
        if (Exists(sidecar) &&
            std::rename(sidecar.c_str(), metadata::SidecarPath(location).c_str()) != 0) {
          return tl::unexpected(Errno("cannot move " + sidecar.string()));
        }
      }
      fs::path target = location;
      if (RenameNoReplace(claimed, target) != 0) {
        if (errno != EEXIST) return tl::unexpected(Errno("cannot move " + claimed.string()));
        // Somebody put a file of that name into done/ meanwhile.
        target = options_.done / FreeName(name, taken_in(options_.done));
        if (RenameNoReplace(claimed, target) != 0) {
          return tl::unexpected(Errno("cannot move " + claimed.string()));
        }
      }
      SyncFolder(options_.done);
      ++summary_.done;
      WatchEvent event{"done", name, target.string(), "", tagged->ingest.faces,
                       tagged->ingest.named};
      if (tagged->ingest.outcome == app::IngestOutcome::kSkipped) {
        event.message = "already archived";
        event.faces = tagged->photo.faces.size();
        event.named = 0;
        for (const StoredFace& f : tagged->photo.faces) event.named += f.tag.person ? 1 : 0;
      }
      Log(std::move(event));
      return {};
    }
    case Disposition::kFailed: {
      const Error error = tagged ? tagged->ingest.error.value_or(Error{ErrorCode::kInternal,
                                                                      "not processed"})
                               : tagged.error();
      const std::string failed_name = FreeName(name, [&](const std::string& n) {
        return Exists(options_.failed / n) || Exists(options_.failed / (n + ".error.txt"));
      });
      // The reason first: a photo in failed/ always has its reason beside it.
      FACETAG_RETURN_IF_ERROR(
          WriteWhole(options_.failed / (failed_name + ".error.txt"), FailureText(name, error)));
      if (RenameNoReplace(claimed, options_.failed / failed_name) != 0) {
        return tl::unexpected(Errno("cannot move " + claimed.string()));
      }
      SyncFolder(options_.failed);
      ++summary_.failed;
      Log({"failed", name, (options_.failed / failed_name).string(), error.message, 0, 0});
      return {};
    }
  }
  return {};
}

Result<WatchSummary> Watcher::Run() {
  const auto stopped = [this] { return options_.stop && options_.stop->load(); };
  FACETAG_RETURN_IF_ERROR(Adopt());
  FACETAG_RETURN_IF_ERROR(ResumeClaims());

  std::map<std::string, Sighting> pending;
  const auto look = [&](const std::string& name, bool renamed, Clock::time_point now) {
    const auto stamp = StampOf(options_.in / name);
    if (!stamp) {
      pending.erase(name);
      return;
    }
    const auto it = pending.find(name);
    std::optional<Sighting> before;
    if (it != pending.end()) before = it->second;
    pending[name] = renamed ? RenamedIn(*stamp, now) : Observe(before, *stamp, now);
  };
  Clock::time_point last_scan{};
  alignas(inotify_event) char buffer[16 * 1024];
  while (!stopped()) {
    Clock::time_point now = Clock::now();
    if (last_scan == Clock::time_point{} || now - last_scan >= options_.rescan) {
      last_scan = now;
      for (const std::string& name : ListNames(options_.in)) {
        if (!pending.count(name)) look(name, false, now);
      }
    }
    // Events: what arrives between scans (no event is needed for
    // correctness; they make the wait short).
    for (;;) {
      const ssize_t n = ::read(inotify_fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      for (ssize_t i = 0; i < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + i);
        i += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        if (event->len == 0) continue;
        const std::string name = event->name;
        if (IsIncomingPhotoName(name)) look(name, (event->mask & IN_MOVED_TO) != 0, Clock::now());
      }
    }
    now = Clock::now();
    std::vector<std::string> arrived;
    for (auto& [name, sighting] : pending) {
      (void)sighting;
      arrived.push_back(name);
    }
    for (const std::string& name : arrived) look(name, false, now);
    arrived.clear();
    for (const auto& [name, sighting] : pending) {
      if (HasArrived(sighting, now, options_.settle)) arrived.push_back(name);
    }
    for (const std::string& name : arrived) {
      if (stopped()) break;
      pending.erase(name);
      FACETAG_ASSIGN_OR_RETURN(bool claimed, Claim(name));
      if (claimed) FACETAG_RETURN_IF_ERROR(Handle(name));
    }
    if (options_.once && pending.empty() && ListNames(options_.in).empty()) break;
    pollfd poll_fd{inotify_fd_, POLLIN, 0};
    ::poll(&poll_fd, 1, 200);
  }
  return summary_;
}

}  // namespace facetag::ops
