// Locations below a root folder (facetag/file_io.h): lexical rules, and
// opening without leaving the root through a symlink.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "facetag/file_io.h"
#include "facetag/text.h"

namespace facetag {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxLocationBytes = 4096;

tl::unexpected<Error> LeadsOut() {
  return Fail(ErrorCode::kInvalidArgument, "the location leads out of the folder");
}

tl::unexpected<Error> OpenFailure(int error) {
  switch (error) {
    case ENOENT:
    case ENOTDIR:
      return Fail(ErrorCode::kNotFound, "no file or folder at this location");
    case EXDEV:  // RESOLVE_BENEATH: a step would leave the root
    case ELOOP:  // the fallback walk met a symlink, or a loop of them
      return LeadsOut();
    default:
      return Fail(ErrorCode::kIo, std::string("cannot open the location: ") + std::strerror(error));
  }
}

// The components of a checked location, without "." and empty ones.
std::vector<std::string> Components(std::string_view location) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= location.size()) {
    const std::size_t end = std::min(location.find('/', start), location.size());
    const std::string_view part = location.substr(start, end - start);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    start = end + 1;
  }
  return parts;
}

// Without openat2: one component at a time, refusing every symlink.
int OpenWalking(int root_fd, std::string_view location, int flags) {
  const std::vector<std::string> parts = Components(location);
  if (parts.empty()) return ::openat(root_fd, ".", flags | O_NOFOLLOW);
  UniqueFd dir(::dup(root_fd));
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    UniqueFd next(::openat(dir.get(), parts[i].c_str(),
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0) return -1;
    dir = std::move(next);
  }
  struct stat st {};
  if (::fstatat(dir.get(), parts.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISLNK(st.st_mode)) {
    errno = ELOOP;
    return -1;
  }
  return ::openat(dir.get(), parts.back().c_str(), flags | O_NOFOLLOW);
}

}  // namespace

Result<void> CheckLocation(std::string_view location) {
  if (location.empty()) return Fail(ErrorCode::kInvalidArgument, "the location is empty");
  if (location.size() > kMaxLocationBytes) {
    return Fail(ErrorCode::kInvalidArgument, "the location is longer than 4096 bytes");
  }
  if (!text::IsValidUtf8(location)) {
    return Fail(ErrorCode::kInvalidArgument, "the location is not valid UTF-8");
  }
  for (const char c : location) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Fail(ErrorCode::kInvalidArgument, "the location contains a control character");
    }
  }
  if (location.front() == '/') {
    return Fail(ErrorCode::kInvalidArgument,
                "locations are relative to the folder; absolute paths are refused");
  }
  for (const std::string& part : Components(location)) {
    if (part == "..") return Fail(ErrorCode::kInvalidArgument, "\"..\" is not allowed in locations");
  }
  return {};
}

Result<UniqueFd> OpenBeneath(const fs::path& root, std::string_view location, int flags) {
  FACETAG_RETURN_IF_ERROR(CheckLocation(location));
  UniqueFd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root_fd.get() < 0) return Fail(ErrorCode::kNotFound, "the folder is not available");
  const std::string relative(location);
  open_how how{};
  how.flags = static_cast<std::uint64_t>(O_RDONLY | O_CLOEXEC | flags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, root_fd.get(), relative.c_str(), &how,
                                      sizeof how));
  if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
    // An older kernel, or a sandbox that filters the call.
    fd = OpenWalking(root_fd.get(), relative, O_RDONLY | O_CLOEXEC | flags);
  }
  if (fd < 0) return OpenFailure(errno);
  return UniqueFd(fd);
}

Result<fs::path> ResolveBeneath(const fs::path& root, std::string_view location) {
  FACETAG_ASSIGN_OR_RETURN(UniqueFd fd, OpenBeneath(root, location, O_PATH));
  const std::string link = "/proc/self/fd/" + std::to_string(fd.get());
  std::error_code ec;
  fs::path real = fs::read_symlink(link, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot resolve the location: " + ec.message());
  return real;
}

Result<std::vector<unsigned char>> ReadFileBytesBeneath(const fs::path& root,
                                                        std::string_view location,
                                                        std::uintmax_t max_bytes) {
  // O_NONBLOCK: a FIFO planted in the folder must not hang the reader.
  FACETAG_ASSIGN_OR_RETURN(UniqueFd fd, OpenBeneath(root, location, O_NONBLOCK));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Fail(ErrorCode::kIo, std::string("cannot read the location: ") + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kInvalidArgument, "the location is not a regular file");
  }
  const auto size = static_cast<std::uintmax_t>(st.st_size);
  if (size > max_bytes) {
    return Fail(ErrorCode::kInvalidArgument, "the file is " + std::to_string(size) +
                                                 " bytes, above the limit of " +
                                                 std::to_string(max_bytes));
  }
  std::vector<unsigned char> bytes(size);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t got = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    done += static_cast<std::size_t>(got);
  }
  if (done != bytes.size()) return Fail(ErrorCode::kIo, "short read of the location");
  return bytes;
}

bool IsWithin(const fs::path& root, const fs::path& path) {
  std::error_code ec;
  const fs::path a = fs::absolute(root, ec).lexically_normal();
  const fs::path b = fs::absolute(path, ec).lexically_normal();
  auto ai = a.begin();
  auto bi = b.begin();
  for (; ai != a.end(); ++ai, ++bi) {
    if (ai->empty() && std::next(ai) == a.end()) break;  // "root/" ends with ""
    if (bi == b.end() || *ai != *bi) return false;
  }
  return true;
}

}  // namespace facetag
