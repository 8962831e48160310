// Files: reading whole files with a size limit; facetag's private files
// (folders 0700, files 0600); and opening files below a root folder without
// leaving it, whatever symlinks the folder holds.
//
// Thread safety: free functions, safe to call from any thread. UniqueFd is
// a move-only value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "facetag/result.h"

namespace facetag {

// Reads `path` into memory. Fails with kNotFound if it does not exist,
// kInvalidArgument if it is not a regular file or is larger than
// `max_bytes`, kIo on a read error. The limit is checked before reading.
Result<std::vector<unsigned char>> ReadFileBytes(const std::filesystem::path& path,
                                                 std::uintmax_t max_bytes);

// An open file descriptor, closed when the object goes.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// --- private files ------------------------------------------------------------
// What facetag keeps (database, its WAL and shm, the suppression key,
// exports, preview caches) is for the service's own user: folders 0700,
// files 0600. docs/security.md lists them.

// Creates `folder` (missing parents with the usual mode) and sets the folder
// itself to 0700; an existing folder is tightened to 0700. Errors: kIo
// (cannot create or change it, or the path is not a folder).
Result<void> MakePrivateFolder(const std::filesystem::path& folder);

// Sets an existing file to 0600 without following a symlink. Errors:
// kNotFound, kIo (a symlink, not a regular file, chmod refused).
Result<void> MakePrivateFile(const std::filesystem::path& file);

// Writes `bytes` to `file` through a new 0600 temporary file beside it and
// a rename, so a reader sees the old file or the whole new one and nobody
// else can read either. Errors: kIo.
Result<void> WritePrivateFile(const std::filesystem::path& file,
                              std::span<const unsigned char> bytes);

// Refuses a folder that other users may read, write or enter: kIo with a
// message naming `what`, the folder, its mode and the command that fixes it
// ("the database folder /srv/facetag is open to other users (mode 0755);
// run: chmod 700 /srv/facetag"). kNotFound when it does not exist.
Result<void> CheckPrivateFolder(const std::filesystem::path& folder, std::string_view what);

// Refuses a file that other users may read or write (group or others bits
// set), the same way ("chmod 600 ..."). kNotFound when it does not exist.
Result<void> CheckPrivateFile(const std::filesystem::path& file, std::string_view what);

// The folder facetag keeps `what` in (the database folder, the folder of the
// secret key): made 0700 when missing (MakePrivateFolder), refused when it
// exists and others may use it (CheckPrivateFolder). An existing folder is
// never changed: it was set up by someone, who has to know it was open.
// Errors: kIo.
Result<void> EnsurePrivateFolder(const std::filesystem::path& folder, std::string_view what);

// --- locations below a root -------------------------------------------------------
// A location is how a client names a file below a root folder (the photo
// folder): a relative UTF-8 path. It never names anything outside the root,
// neither by its text nor through a symlink in the folder.

// The lexical rules of a location: not empty, at most 4096 bytes, valid
// UTF-8, no NUL or other control character, relative (no leading '/'), no
// ".." component. kInvalidArgument says which rule failed (without echoing
// control characters).
Result<void> CheckLocation(std::string_view location);

// Opens `location` below `root` (O_RDONLY | O_CLOEXEC | `flags`) so that no
// path component, symlinks included, resolves outside `root` (Linux openat2
// with RESOLVE_BENEATH; where the kernel lacks it, no symlink is followed at
// all). Errors: kInvalidArgument (CheckLocation, or a symlink leading out:
// "leads out of the folder"), kNotFound (no such file or folder), kIo.
Result<UniqueFd> OpenBeneath(const std::filesystem::path& root, std::string_view location,
                             int flags = 0);

// The real path of `location` below `root`, resolved as OpenBeneath does
// (so symlinks inside the root are fine, and none leads out). For code that
// needs a path rather than a descriptor; the path is a snapshot: read the
// file through OpenBeneath where a symlink could be swapped meanwhile.
// Errors: as OpenBeneath.
Result<std::filesystem::path> ResolveBeneath(const std::filesystem::path& root,
                                             std::string_view location);

// Reads the regular file `location` below `root` through OpenBeneath, with
// the size limit checked on the open descriptor. Errors: as OpenBeneath;
// kInvalidArgument (not a regular file, above `max_bytes`), kIo.
Result<std::vector<unsigned char>> ReadFileBytesBeneath(const std::filesystem::path& root,
                                                        std::string_view location,
                                                        std::uintmax_t max_bytes);

// True when `path` is `root` or lies below it, comparing the paths
// component by component after making both absolute and lexically normal
// (no filesystem access: resolve symlinks first where they matter).
bool IsWithin(const std::filesystem::path& root, const std::filesystem::path& path);

}  // namespace facetag
