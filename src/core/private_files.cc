// facetag's private files (facetag/file_io.h): folders 0700, files 0600.
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "facetag/file_io.h"

namespace facetag {
namespace fs = std::filesystem;

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

std::string ModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

Result<struct stat> StatNoFollow(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return Fail(ErrorCode::kNotFound, path.string() + " does not exist");
    }
    return Fail(ErrorCode::kIo, "cannot read the mode of " + path.string() + ": " +
                                    std::strerror(errno));
  }
  return st;
}

}  // namespace

Result<void> MakePrivateFolder(const fs::path& folder) {
  std::error_code ec;
  if (!folder.parent_path().empty()) fs::create_directories(folder.parent_path(), ec);
  if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) {
    return Fail(ErrorCode::kIo,
                "cannot create the folder " + folder.string() + ": " + std::strerror(errno));
  }
  // O_NOFOLLOW: a symlink planted in place of the folder is refused, not
  // followed to whatever it names.
  UniqueFd fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    return Fail(ErrorCode::kIo, folder.string() + " is not a folder facetag can use: " +
                                    std::strerror(errno));
  }
  if (::fchmod(fd.get(), 0700) != 0) {
    return Fail(ErrorCode::kIo,
                "cannot make " + folder.string() + " private (0700): " + std::strerror(errno));
  }
  return {};
}

Result<void> MakePrivateFile(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Fail(ErrorCode::kNotFound, file.string() + " does not exist");
    return Fail(ErrorCode::kIo, "cannot open " + file.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kIo, file.string() + " is not a regular file");
  }
  if (::fchmod(fd.get(), 0600) != 0) {
    return Fail(ErrorCode::kIo,
                "cannot make " + file.string() + " private (0600): " + std::strerror(errno));
  }
  return {};
}

Result<void> WritePrivateFile(const fs::path& file, std::span<const unsigned char> bytes) {
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, ".tmp-%08x", randombytes_random());
  fs::path temporary = file;
  temporary += suffix;
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0600));
  if (fd.get() < 0) {
    return Fail(ErrorCode::kIo, "cannot create " + temporary.string() + ": " + std::strerror(errno));
  }
  // The mode is given at creation, but a umask could only narrow it; fchmod
  // states it outright.
  bool ok = ::fchmod(fd.get(), 0600) == 0;
  for (std::size_t done = 0; ok && done < bytes.size();) {
    const ssize_t written = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (written < 0 && errno == EINTR) continue;
    ok = written > 0;
    if (ok) done += static_cast<std::size_t>(written);
  }
  const int saved = errno;
  fd = UniqueFd();
  if (!ok || ::rename(temporary.c_str(), file.c_str()) != 0) {
    const int reason = ok ? errno : saved;
    ::unlink(temporary.c_str());
    return Fail(ErrorCode::kIo, "cannot write " + file.string() + ": " + std::strerror(reason));
  }
  return {};
}

namespace {

// `path` is a folder (or a regular file) that group and others have no
// rights to.
Result<void> CheckPrivate(const fs::path& path, std::string_view what, bool folder) {
  FACETAG_ASSIGN_OR_RETURN(const struct stat st, StatNoFollow(path));
  if (folder ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kIo, std::string(what) + " " + path.string() +
                                    (folder ? " is not a folder" : " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return Fail(ErrorCode::kIo, std::string(what) + " " + path.string() +
                                    " is open to other users (mode " + ModeText(st.st_mode) +
                                    "); run: chmod " + (folder ? "700 " : "600 ") + path.string());
  }
  return {};
}

}  // namespace

Result<void> CheckPrivateFolder(const fs::path& folder, std::string_view what) {
  return CheckPrivate(folder, what, true);
}

Result<void> CheckPrivateFile(const fs::path& file, std::string_view what) {
  return CheckPrivate(file, what, false);
}

Result<void> EnsurePrivateFolder(const fs::path& folder, std::string_view what) {
  auto checked = CheckPrivateFolder(folder, what);
  if (checked || checked.error().code != ErrorCode::kNotFound) return checked;
  auto made = MakePrivateFolder(folder);
  if (!made) {
    return Fail(ErrorCode::kIo, "cannot create " + std::string(what) + " " + folder.string() +
                                    ": " + made.error().message);
  }
  return {};
}

}  // namespace facetag
