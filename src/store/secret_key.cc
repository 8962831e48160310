#include "secret_key.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "facetag/file_io.h"
#include "sqlite_common.h"

namespace facetag::store {
namespace {

namespace fs = std::filesystem;
constexpr std::size_t kMasterBytes = crypto_kdf_KEYBYTES;
constexpr char kContext[crypto_kdf_CONTEXTBYTES + 1] = "ftprivcy";

std::string Hex(std::span<const unsigned char> bytes) {
  std::string hex(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  hex.pop_back();
  return hex;
}

Result<void> CreateKeyFile(const fs::path& path) {
  FACETAG_RETURN_IF_ERROR(EnsurePrivateFolder(FolderOf(path), "the folder of the secret key"));
  std::array<unsigned char, kMasterBytes> master{};
  crypto_kdf_keygen(master.data());
  const std::string text = Hex(master) + "\n";
  sodium_memzero(master.data(), master.size());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return {};  // another process made it first: use theirs
    return Fail(ErrorCode::kIo,
                "cannot create the secret key " + path.string() + ": " + std::strerror(errno));
  }
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Fail(ErrorCode::kIo, "cannot write the secret key " + path.string());
  }
  return {};
}

}  // namespace

Result<void> SecretKey::CheckPrivate(const fs::path& path) {
  auto folder = CheckPrivateFolder(FolderOf(path), "the folder of the secret key");
  if (!folder && folder.error().code != ErrorCode::kNotFound) return folder;
  auto file = CheckPrivateFile(path, "the secret key");
  if (!file && file.error().code != ErrorCode::kNotFound) return file;
  return {};
}

Result<SecretKey> SecretKey::Load(const fs::path& path, bool create) {
  if (path.empty()) return Fail(ErrorCode::kInvalidArgument, "empty secret key path");
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) {
    if (!create) {
      return Fail(ErrorCode::kNotFound,
                  "the secret key " + path.string() +
                      " is missing: suppression records cannot be read without it (restore it "
                      "from its backup, or set FACETAG_KEY / --key)");
    }
    FACETAG_RETURN_IF_ERROR(CreateKeyFile(path));
  }
  FACETAG_RETURN_IF_ERROR(CheckPrivate(path));
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return Fail(ErrorCode::kIo,
                "cannot read the secret key " + path.string() + ": " + std::strerror(errno));
  }
  std::array<char, 2 * kMasterBytes + 2> text{};
  const ssize_t got = ::read(fd, text.data(), text.size());
  ::close(fd);
  std::array<unsigned char, kMasterBytes> master{};
  std::size_t length = 0;
  const bool parsed = got >= static_cast<ssize_t>(2 * kMasterBytes) &&
                      sodium_hex2bin(master.data(), master.size(), text.data(), 2 * kMasterBytes,
                                     nullptr, &length, nullptr) == 0 &&
                      length == kMasterBytes;
  sodium_memzero(text.data(), text.size());
  if (!parsed) {
    return Fail(ErrorCode::kIo, "the secret key " + path.string() + " is not 64 hex digits");
  }
  SecretKey key;
  crypto_kdf_derive_from_key(key.box_key_.data(), key.box_key_.size(), 1, kContext, master.data());
  crypto_kdf_derive_from_key(key.mac_key_.data(), key.mac_key_.size(), 2, kContext, master.data());
  sodium_memzero(master.data(), master.size());
  return key;
}

std::pair<std::vector<unsigned char>, std::vector<unsigned char>> SecretKey::Seal(
    std::span<const unsigned char> plain) const {
  std::vector<unsigned char> nonce(crypto_secretbox_NONCEBYTES);
  randombytes_buf(nonce.data(), nonce.size());
  std::vector<unsigned char> sealed(plain.size() + crypto_secretbox_MACBYTES);
  crypto_secretbox_easy(sealed.data(), plain.data(), plain.size(), nonce.data(), box_key_.data());
  return {std::move(nonce), std::move(sealed)};
}

Result<std::vector<unsigned char>> SecretKey::Open(std::span<const unsigned char> nonce,
                                                   std::span<const unsigned char> sealed) const {
  if (nonce.size() != crypto_secretbox_NONCEBYTES || sealed.size() < crypto_secretbox_MACBYTES) {
    return Fail(ErrorCode::kIo, "a suppression template is damaged");
  }
  std::vector<unsigned char> plain(sealed.size() - crypto_secretbox_MACBYTES);
  if (crypto_secretbox_open_easy(plain.data(), sealed.data(), sealed.size(), nonce.data(),
                                 box_key_.data()) != 0) {
    return Fail(ErrorCode::kIo,
                "a suppression template does not open with this secret key (another key, or "
                "altered bytes)");
  }
  return plain;
}

std::string SecretKey::Mac(std::string_view text) const {
  std::array<unsigned char, 32> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), mac_key_.data(), mac_key_.size());
  return Hex(out);
}

}  // namespace facetag::store
