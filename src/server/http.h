// Request and response helpers shared by the API handlers: the one table
// from error codes to HTTP statuses, JSON bodies, query parameters, photo
// uploads and photo locations.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/result.h"

namespace facetag::server {

// An error as the client sees it: an HTTP status, a stable code and a
// message that never contains internals.
struct ApiError {
  int status = 500;
  std::string code;
  std::string message;
};

// The one table: ErrorCode -> HTTP status and client-facing code. Internal
// and database errors become 500 "internal" with a generic message (the
// detail goes to the server log).
ApiError ToApiError(const Error& error);

// Writes {"error": {"code", "message"}} with the status.
void SendError(httplib::Response& res, const ApiError& error);
void SendError(httplib::Response& res, int status, std::string code, std::string message);
void SendJson(httplib::Response& res, const nlohmann::json& body, int status = 200);

// The request body as a JSON object. kInvalidArgument when it is not JSON or
// not an object.
Result<nlohmann::json> JsonObjectBody(const httplib::Request& req);

// Limits of the text a client sends, in code points (docs/security.md).
inline constexpr std::size_t kMaxNameChars = 200;    // a name, an alias, a requester
inline constexpr std::size_t kMaxLineChars = 1000;   // search words, subjects, contacts, labels
inline constexpr std::size_t kMaxTextChars = 10000;  // free text: details, decisions

// kInvalidArgument, naming `what`, for text that is not valid UTF-8, holds
// NUL or another control character (tab, line feed and carriage return
// are allowed when `multiline`), or has more than `max_chars` code points.
Result<void> CheckText(std::string_view value, std::string_view what, std::size_t max_chars,
                       bool multiline);

// Typed fields of a JSON object; kInvalidArgument names the field. Strings
// are checked by CheckText (by default: free text).
Result<std::string> RequiredString(const nlohmann::json& body, const char* field,
                                   std::size_t max_chars = kMaxTextChars, bool multiline = true);
Result<std::optional<std::string>> OptionalString(const nlohmann::json& body, const char* field,
                                                  std::size_t max_chars = kMaxTextChars,
                                                  bool multiline = true);
Result<std::optional<bool>> OptionalBool(const nlohmann::json& body, const char* field);
Result<std::int64_t> RequiredId(const nlohmann::json& body, const char* field);

// A query parameter as an integer in [min, max]; `fallback` when absent.
Result<std::int64_t> QueryInt(const httplib::Request& req, const char* name,
                              std::int64_t fallback, std::int64_t min, std::int64_t max);
std::string QueryString(const httplib::Request& req, const char* name);
// A query parameter as one line of text (CheckText); "" when absent.
Result<std::string> QueryText(const httplib::Request& req, const char* name,
                              std::size_t max_chars = kMaxLineChars);
// A query parameter as a date bound of a search (CheckDateBound: "2024",
// "2024-05", "2024-05-17", "2024-05-17T10:30"); "" when absent.
Result<std::string> QueryDateBound(const httplib::Request& req, const char* name);
// A path capture (regex group `index`) as a positive id.
Result<std::int64_t> PathId(const httplib::Request& req, int index, const char* what);

// The photo of an upload: the multipart field "photo", else the raw body.
// kInvalidArgument when there is none; kUnsupportedFormat when the declared
// type is not an image (text, JSON, ...). The bytes are checked by the
// decoder later.
Result<std::string_view> UploadedPhoto(const httplib::Request& req);

// `location` (relative, UTF-8) resolved inside `root` (ResolveBeneath of
// facetag/file_io.h): kInvalidArgument for absolute paths, "..", control
// characters, or a symlink leading out of the root; kNotFound when the root
// is unset or the file does not exist.
Result<std::filesystem::path> ResolveLocation(const std::filesystem::path& root,
                                              std::string_view location);
// The location of `path` relative to `root` ("" when outside it).
std::string RelativeLocation(const std::filesystem::path& root, const std::filesystem::path& path);

}  // namespace facetag::server
