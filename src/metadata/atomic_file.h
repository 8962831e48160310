// Replacing a file so that a crash at any moment leaves either the old or the
// new content, never a mix: write a temp file in the same folder, fsync it,
// rename it over the target, fsync the folder.
//
// Thread safety: free functions; concurrent writers of one target are not
// coordinated beyond the identity check below.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>

#include "facetag/result.h"

namespace facetag::metadata::detail {

// Which file a path named at one moment, to notice that it was replaced or
// modified in between.
struct FileStamp {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  std::timespec modified{};
  mode_t mode = 0;
  uid_t owner = 0;
  gid_t group = 0;
};

// The stamp of an existing file; nullopt when it does not exist.
// Errors: kIo when it cannot be examined.
Result<std::optional<FileStamp>> StampFile(const std::filesystem::path& path);

struct AtomicWriteOptions {
  // The target as it was read. When set, the write fails with kIo if the
  // target no longer matches just before the rename (someone else wrote it),
  // and the new file gets its permission bits and, where allowed, its owner.
  // When unset the target must not exist and the new file gets 0666 & ~umask.
  std::optional<FileStamp> expected;
  // Called with the fsynced temp file just before the rename; an error aborts.
  std::function<Result<void>(const std::filesystem::path&)> before_rename;
};

// Writes `bytes` to `target` atomically. On any failure the target is as it
// was and the temp file is gone. Temp files of `target` that a killed writer
// left behind (".name.facetag-XXXXXXXX", older than 15 minutes) are removed
// first. Errors: kIo (with the failing step and the
// system's reason), or the error of `before_rename`.
// Removes `target`'s temp files last modified more than `older_than` ago;
// errors are ignored (best effort).
void RemoveStaleTempFiles(const std::filesystem::path& target, std::chrono::seconds older_than);

Result<void> WriteFileAtomically(const std::filesystem::path& target,
                                 std::span<const unsigned char> bytes,
                                 const AtomicWriteOptions& options);

}  // namespace facetag::metadata::detail
