// Helpers shared by the SQLite store and the SQLite archive: time stamps,
// hashes, float BLOBs, and the fence that keeps exceptions inside.
//
// Thread safety: pure functions, except ReadInt, which uses the connection
// (the caller serialises it).
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/result.h"

namespace facetag::store {

// The current time, UTC, "YYYY-MM-DDTHH:MM:SSZ".
std::string UtcNowIso8601();
// `time`, UTC, "YYYY-MM-DDTHH:MM:SSZ" (whole seconds, rounded down).
std::string FormatUtc(std::chrono::system_clock::time_point time);

// `text` with ASCII capitals lowercased; other bytes unchanged.
std::string AsciiLower(std::string_view text);

// True for exactly 64 hex digits, either case.
bool IsHexSha256(std::string_view text);

// Float32 values as little-endian bytes and back. Stored BLOBs use this
// byte order whatever the host, so a database file can move between
// machines; bit_cast keeps every bit (NaN payloads, -0).
std::vector<unsigned char> EncodeFloats(std::span<const float> values);
// Trailing bytes beyond a multiple of 4 are ignored.
std::vector<float> DecodeFloats(std::span<const unsigned char> bytes);

// kInvalidArgument "`what` is not valid UTF-8" unless `text` is.
Result<void> CheckUtf8(std::string_view text, const std::string& what);

// Actors and actions are short labels shown in lists: not empty, UTF-8, no
// control characters.
Result<void> CheckLabel(std::string_view text, const std::string& what);

// The folder that holds the file `path` (the database, the secret key),
// absolute, so that a message about a bare file name names a real folder:
// its parent, or the working folder.
std::filesystem::path FolderOf(const std::filesystem::path& path);

// The first column of the first row of `sql`; kDatabase when there is none.
Result<std::int64_t> ReadInt(sqlite3* db, std::string_view sql);

// The Store and Archive contract is that no exception crosses them; SQLite
// never throws, but the standard library may (allocation), so each call is
// fenced.
template <typename Body>
auto Fenced(const char* operation, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kInternal, std::string(operation) + ": " + e.what());
  } catch (...) {
    return Fail(ErrorCode::kInternal, std::string(operation) + ": unknown exception");
  }
}

}  // namespace facetag::store
