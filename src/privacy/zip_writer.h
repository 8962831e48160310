// A zip file being written with libzip: entries from memory or from files,
// committed by Close, atomically (written under a temporary name, then
// renamed over the target).
//
// Thread safety: none; one writer per zip.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "facetag/result.h"

namespace facetag::privacy::detail {

class ZipWriter {
 public:
  // Starts `target` (its folder must exist). kIo when it cannot be created.
  static Result<ZipWriter> Create(const std::filesystem::path& target);

  ZipWriter(ZipWriter&&) noexcept;
  ZipWriter& operator=(ZipWriter&&) = delete;
  ~ZipWriter();  // without Close: nothing is left behind

  // `name` must be a relative entry name without ".." components (the
  // callers sanitise); kInvalidArgument otherwise; kAlreadyExists for a
  // repeated name.
  Result<void> AddBytes(const std::string& name, std::string bytes);
  // The file is read when Close runs; it must stay until then.
  Result<void> AddFile(const std::string& name, const std::filesystem::path& file);

  // Writes and renames into place. kIo.
  Result<void> Close();

 private:
  struct State;
  explicit ZipWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// True for a name a zip entry may have: relative, no "..", no backslash, no
// empty component, no control character.
bool IsSafeEntryName(const std::string& name);

}  // namespace facetag::privacy::detail
