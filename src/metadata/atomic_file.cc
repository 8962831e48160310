#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

namespace facetag::metadata::detail {
namespace {

namespace fs = std::filesystem;

std::string SystemError(const std::string& what, const fs::path& path, int error) {
  return what + " " + path.string() + ": " + std::strerror(error);
}

FileStamp StampOf(const struct stat& st) {
  return FileStamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_mode, st.st_uid, st.st_gid};
}

bool SameFile(const FileStamp& a, const FileStamp& b) {
  return a.device == b.device && a.inode == b.inode && a.size == b.size &&
         a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec;
}

// Closes a descriptor and removes a temp file unless released.
class TempFile {
 public:
  TempFile(int fd, fs::path path) : fd_(fd), path_(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  const fs::path& path() const { return path_; }
  // Closes the descriptor, reporting the error a delayed write may show here.
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }
  void Release() { path_.clear(); }

 private:
  int fd_;
  fs::path path_;
};

// A writer runs for milliseconds; a temp file this old was left by a
// process that died, and no running writer can still own it.
constexpr std::chrono::seconds kStaleTempAge{15 * 60};

// A new file beside `target`, hidden and named so that a leftover from a
// killed process is recognisable: ".photo.jpg.facetag-1a2b3c4d".
Result<int> CreateTemp(const fs::path& target, fs::path& temp_path) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::string base = target.filename().string();
  if (base.size() > 200) base.resize(200);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  for (int attempt = 0; attempt < 16; ++attempt) {
    char suffix[20];
    std::snprintf(suffix, sizeof suffix, "%08llx",
                  static_cast<unsigned long long>(random() & 0xFFFFFFFFull));
    temp_path = folder / ("." + base + ".facetag-" + suffix);
    const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST) {
      return Fail(ErrorCode::kIo, SystemError("cannot create a temp file in", folder, errno));
    }
  }
  return Fail(ErrorCode::kIo, "cannot find a free temp file name in " + folder.string());
}

Result<void> WriteAll(int fd, std::span<const unsigned char> bytes, const fs::path& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrorCode::kIo, SystemError("cannot write", path, errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Result<void> SyncFolder(const fs::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Fail(ErrorCode::kIo, SystemError("cannot open folder", folder, errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) return Fail(ErrorCode::kIo, SystemError("cannot fsync folder", folder, error));
  return {};
}

}  // namespace

Result<std::optional<FileStamp>> StampFile(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<FileStamp>();
    return Fail(ErrorCode::kIo, SystemError("cannot examine", path, errno));
  }
  return std::optional<FileStamp>(StampOf(st));
}

void RemoveStaleTempFiles(const fs::path& target, std::chrono::seconds older_than) {
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = "." + target.filename().string() + ".facetag-";
  const auto cutoff = fs::file_time_type::clock::now() - older_than;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool ours =
        name.size() == prefix.size() + 8 && name.compare(0, prefix.size(), prefix) == 0 &&
        name.find_first_not_of("0123456789abcdef", prefix.size()) == std::string::npos;
    std::error_code stat_error;
    if (!ours || !it->is_regular_file(stat_error)) continue;
    const auto modified = it->last_write_time(stat_error);
    if (!stat_error && modified < cutoff) fs::remove(it->path(), stat_error);
  }
}

Result<void> WriteFileAtomically(const fs::path& target, std::span<const unsigned char> bytes,
                                 const AtomicWriteOptions& options) {
  // Best effort: what a killed writer left behind for this target goes.
  RemoveStaleTempFiles(target, kStaleTempAge);
  fs::path temp_path;
  auto fd = CreateTemp(target, temp_path);
  if (!fd) return tl::unexpected(fd.error());
  TempFile temp(*fd, temp_path);

  FACETAG_RETURN_IF_ERROR(WriteAll(temp.fd(), bytes, temp.path()));
  if (options.expected) {
    // The photo keeps its permissions; its owner too where the process may
    // set it (root, or the owner itself: then this is a no-op).
    if (::fchmod(temp.fd(), options.expected->mode & 07777) != 0) {
      return Fail(ErrorCode::kIo, SystemError("cannot set permissions of", temp.path(), errno));
    }
    if (::fchown(temp.fd(), options.expected->owner, options.expected->group) != 0 &&
        errno != EPERM) {
      return Fail(ErrorCode::kIo, SystemError("cannot set owner of", temp.path(), errno));
    }
  }
  if (::fsync(temp.fd()) != 0) {
    return Fail(ErrorCode::kIo, SystemError("cannot fsync", temp.path(), errno));
  }
  if (temp.Close() != 0) {
    return Fail(ErrorCode::kIo, SystemError("cannot close", temp.path(), errno));
  }

  if (options.before_rename) FACETAG_RETURN_IF_ERROR(options.before_rename(temp.path()));

  auto now = StampFile(target);
  if (!now) return tl::unexpected(now.error());
  if (options.expected ? !*now || !SameFile(**now, *options.expected) : now->has_value()) {
    return Fail(ErrorCode::kIo,
                target.string() + " changed while facetag was writing it; not replaced");
  }
  if (::rename(temp.path().c_str(), target.c_str()) != 0) {
    return Fail(ErrorCode::kIo, SystemError("cannot rename the temp file over", target, errno));
  }
  temp.Release();
  // The rename is durable only once the folder entry is on disk. The new
  // content is in place at this point, so a failure here is reported but
  // there is nothing to undo.
  return SyncFolder(target.has_parent_path() ? target.parent_path() : fs::path("."));
}

}  // namespace facetag::metadata::detail
