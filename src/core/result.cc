#include "facetag/result.h"

#include <cstdio>
#include <cstdlib>

namespace facetag {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kUnsupportedFormat:
      return "unsupported_format";
    case ErrorCode::kCorruptImage:
      return "corrupt_image";
    case ErrorCode::kImageTooLarge:
      return "image_too_large";
    case ErrorCode::kNoFace:
      return "no_face";
    case ErrorCode::kAmbiguousFace:
      return "ambiguous_face";
    case ErrorCode::kRejected:
      return "rejected";
    case ErrorCode::kModel:
      return "model";
    case ErrorCode::kDatabase:
      return "database";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

std::optional<ErrorCode> ParseErrorCode(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    if (name == ErrorCodeName(code)) return code;
  }
  return std::nullopt;
}

namespace detail {

void CheckFailed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "facetag: invariant failed at %s:%d: %s\n", file, line, condition);
  std::abort();
}

}  // namespace detail

}  // namespace facetag
