#include "http.h"

#include <charconv>
#include <iostream>

#include "facetag/date_text.h"
#include "facetag/file_io.h"
#include "facetag/text.h"

namespace facetag::server {
namespace fs = std::filesystem;

ApiError ToApiError(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument: return {400, "invalid_argument", error.message};
    case ErrorCode::kNotFound: return {404, "not_found", error.message};
    case ErrorCode::kAlreadyExists: return {409, "already_exists", error.message};
    case ErrorCode::kUnsupportedFormat: return {415, "unsupported_format", error.message};
    case ErrorCode::kCorruptImage: return {422, "corrupt_image", error.message};
    case ErrorCode::kImageTooLarge: return {422, "image_too_large", error.message};
    case ErrorCode::kNoFace: return {422, "no_face", error.message};
    case ErrorCode::kAmbiguousFace: return {422, "ambiguous_face", error.message};
    case ErrorCode::kRejected: return {422, "rejected", error.message};
    case ErrorCode::kModel:
    case ErrorCode::kDatabase:
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      break;
  }
  // The detail names files, SQL or invariants: for the operator's log only.
  std::cerr << "facetag serve: " << ErrorCodeName(error.code) << ": " << error.message << "\n";
  return {500, "internal", "the server could not complete the request; see the server log"};
}

void SendJson(httplib::Response& res, const nlohmann::json& body, int status) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void SendError(httplib::Response& res, const ApiError& error) {
  SendJson(res, {{"error", {{"code", error.code}, {"message", error.message}}}}, error.status);
}

void SendError(httplib::Response& res, int status, std::string code, std::string message) {
  SendError(res, ApiError{status, std::move(code), std::move(message)});
}

Result<nlohmann::json> JsonObjectBody(const httplib::Request& req) {
  auto body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return Fail(ErrorCode::kInvalidArgument, "the request body is not valid JSON");
  }
  if (!body.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "the request body must be a JSON object");
  }
  return body;
}

Result<void> CheckText(std::string_view value, std::string_view what, std::size_t max_chars,
                       bool multiline) {
  if (!text::IsValidUtf8(value)) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " is not valid UTF-8");
  }
  std::size_t chars = 0;
  for (std::size_t i = 0; i < value.size();) {
    const char32_t cp = *text::DecodeUtf8(value, i);
    const bool allowed_control = multiline && (cp == U'\t' || cp == U'\n' || cp == U'\r');
    if ((cp < 0x20 && !allowed_control) || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
      return Fail(ErrorCode::kInvalidArgument,
                  std::string(what) + (cp == 0 ? " contains a NUL character"
                                               : " contains a control character"));
    }
    if (++chars > max_chars) {
      return Fail(ErrorCode::kInvalidArgument, std::string(what) + " is longer than " +
                                                   std::to_string(max_chars) + " characters");
    }
  }
  return {};
}

Result<std::string> RequiredString(const nlohmann::json& body, const char* field,
                                   std::size_t max_chars, bool multiline) {
  auto it = body.find(field);
  if (it == body.end()) {
    return Fail(ErrorCode::kInvalidArgument, std::string("missing field \"") + field + "\"");
  }
  if (!it->is_string()) {
    return Fail(ErrorCode::kInvalidArgument, std::string("\"") + field + "\" must be a string");
  }
  std::string value = it->get<std::string>();
  FACETAG_RETURN_IF_ERROR(CheckText(value, std::string("\"") + field + "\"", max_chars, multiline));
  return value;
}

Result<std::optional<std::string>> OptionalString(const nlohmann::json& body, const char* field,
                                                  std::size_t max_chars, bool multiline) {
  if (!body.contains(field) || body.at(field).is_null()) return std::optional<std::string>();
  auto value = RequiredString(body, field, max_chars, multiline);
  if (!value) return tl::unexpected(value.error());
  return std::optional<std::string>(std::move(*value));
}

Result<std::optional<bool>> OptionalBool(const nlohmann::json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<bool>();
  if (!it->is_boolean()) {
    return Fail(ErrorCode::kInvalidArgument, std::string("\"") + field + "\" must be true or false");
  }
  return std::optional<bool>(it->get<bool>());
}

Result<std::int64_t> RequiredId(const nlohmann::json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end()) {
    return Fail(ErrorCode::kInvalidArgument, std::string("missing field \"") + field + "\"");
  }
  if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string("\"") + field + "\" must be a positive integer id");
  }
  return it->get<std::int64_t>();
}

namespace {
Result<std::int64_t> ParseInt(std::string_view text, const std::string& what) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                what + " must be an integer, got \"" + std::string(text.substr(0, 40)) + "\"");
  }
  return value;
}
}  // namespace

Result<std::int64_t> QueryInt(const httplib::Request& req, const char* name,
                              std::int64_t fallback, std::int64_t min, std::int64_t max) {
  if (!req.has_param(name)) return fallback;
  auto value = ParseInt(req.get_param_value(name), std::string("parameter ") + name);
  if (!value) return value;
  if (*value < min || *value > max) {
    return Fail(ErrorCode::kInvalidArgument, std::string("parameter ") + name + " must be " +
                                                 std::to_string(min) + "-" + std::to_string(max));
  }
  return value;
}

std::string QueryString(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

Result<std::string> QueryText(const httplib::Request& req, const char* name,
                              std::size_t max_chars) {
  std::string value = QueryString(req, name);
  FACETAG_RETURN_IF_ERROR(CheckText(value, std::string("parameter ") + name, max_chars, false));
  return value;
}

Result<std::string> QueryDateBound(const httplib::Request& req, const char* name) {
  std::string value = QueryString(req, name);
  if (!value.empty()) FACETAG_RETURN_IF_ERROR(CheckDateBound(value, std::string("parameter ") + name));
  return value;
}

Result<std::int64_t> PathId(const httplib::Request& req, int index, const char* what) {
  if (req.matches.size() <= static_cast<std::size_t>(index)) {
    return Fail(ErrorCode::kInvalidArgument, std::string("missing ") + what + " id");
  }
  auto value = ParseInt(req.matches[index].str(), std::string(what) + " id");
  if (!value) return value;
  if (*value <= 0) return Fail(ErrorCode::kInvalidArgument, std::string(what) + " id must be positive");
  return value;
}

Result<std::string_view> UploadedPhoto(const httplib::Request& req) {
  std::string_view bytes;
  std::string type;
  if (req.is_multipart_form_data()) {
    if (!req.has_file("photo")) {
      return Fail(ErrorCode::kInvalidArgument, "the form has no field \"photo\"");
    }
    // The Request owns its files; the reference stays valid while it lives.
    const auto it = req.files.find("photo");
    bytes = it->second.content;
    type = it->second.content_type;
  } else {
    bytes = req.body;
    type = req.get_header_value("Content-Type");
  }
  if (bytes.empty()) return Fail(ErrorCode::kInvalidArgument, "no photo in the request");
  const std::string lower = [&] {
    std::string t = type.substr(0, type.find(';'));
    for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return t;
  }();
  // Missing or generic types are allowed (curl --data-binary sends
  // application/x-www-form-urlencoded); the decoder judges the bytes.
  const bool declared_other = !lower.empty() && lower.rfind("image/", 0) != 0 &&
                              lower != "application/octet-stream" &&
                              lower != "application/x-www-form-urlencoded";
  if (declared_other) {
    return Fail(ErrorCode::kUnsupportedFormat,
                "the upload is declared as " + lower + ", not as an image");
  }
  return bytes;
}

Result<fs::path> ResolveLocation(const fs::path& root, std::string_view location) {
  if (root.empty()) return Fail(ErrorCode::kNotFound, "this server has no photo folder");
  FACETAG_RETURN_IF_ERROR(CheckLocation(location));
  auto real = ResolveBeneath(root, location);
  if (real) return real;
  switch (real.error().code) {
    case ErrorCode::kNotFound:
      return Fail(ErrorCode::kNotFound, "no photo at " + std::string(location));
    case ErrorCode::kInvalidArgument:
      return Fail(ErrorCode::kInvalidArgument,
                  "the location " + std::string(location) + " leads out of the photo folder");
    default:
      return real;
  }
}

std::string RelativeLocation(const fs::path& root, const fs::path& path) {
  std::error_code ec;
  const fs::path canonical_root = fs::weakly_canonical(root, ec);
  if (ec || root.empty()) return {};
  const fs::path relative = path.lexically_relative(canonical_root);
  if (relative.empty() || *relative.begin() == "..") return {};
  return relative.generic_string();
}

}  // namespace facetag::server
