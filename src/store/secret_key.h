// The secret key of the privacy records: a file of 64 hex digits (32 random
// bytes) outside the database, readable by its owner only.
//
// Two keys are derived from it (libsodium crypto_kdf): one encrypts the
// suppression templates (secretbox), one keys the BLAKE2b hashes of
// suppressed names. Deleting the key file makes every suppression record
// unreadable (and opted-out faces taggable again), so it is backed up apart
// from the database.
//
// Thread safety: SecretKey is an immutable value; the functions are
// reentrant.
#pragma once

#include <sodium.h>

#include <array>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/result.h"

namespace facetag::store {

class SecretKey {
 public:
  // Reads the key at `path`; with `create`, a missing key is made (a missing
  // folder 0700, the file 0600, written with O_EXCL so two processes agree
  // on one key). Errors: kNotFound (missing, without `create`), kIo (see
  // CheckPrivate; unreadable, not 64 hex digits).
  static Result<SecretKey> Load(const std::filesystem::path& path, bool create);

  // Refuses, with kIo naming the mode and the chmod that fixes it, a key
  // file that is not a regular file (a symlink included) or that group or
  // others may use, and an existing folder of the key that they may use
  // (anyone who may write the folder can swap the key). A missing key or
  // folder passes: Load makes them private.
  static Result<void> CheckPrivate(const std::filesystem::path& path);

  // secretbox of `plain`; returns nonce (24 bytes) and MAC + ciphertext.
  std::pair<std::vector<unsigned char>, std::vector<unsigned char>> Seal(
      std::span<const unsigned char> plain) const;
  // Opens what Seal made. kIo when it does not authenticate (wrong key or
  // altered bytes).
  Result<std::vector<unsigned char>> Open(std::span<const unsigned char> nonce,
                                          std::span<const unsigned char> sealed) const;
  // Keyed BLAKE2b-256 of `text`, hex.
  std::string Mac(std::string_view text) const;

 private:
  std::array<unsigned char, crypto_secretbox_KEYBYTES> box_key_{};
  std::array<unsigned char, crypto_generichash_KEYBYTES> mac_key_{};
};

}  // namespace facetag::store
