// Result<T>: the value of a fallible call, or an Error saying what went wrong.
//
// Every fallible call in facetag returns a Result; errors travel up by early
// return. Exceptions from OpenCV, exiv2 or SQLite are caught in the adapter
// that calls them and turned into an Error: none crosses a public header.
// "No face found" and "unknown person" are ordinary results, not errors.
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace facetag {

// One code per way a request can fail; docs/errors.md lists them with their
// exit codes. Stable: scripts and the HTTP API map them.
enum class ErrorCode {
  kInvalidArgument,    // a bad value from the caller (option, name, box, ...)
  kNotFound,           // a named person, file or record does not exist
  kAlreadyExists,      // creating something that is already there
  kUnsupportedFormat,  // bytes that are not an image facetag decodes
  kCorruptImage,       // a known format whose data is damaged or truncated
  kImageTooLarge,      // declared pixel count above the configured limit
  kNoFace,             // enrolment needs a face and the photo has none
  kAmbiguousFace,      // enrolment photo has several faces and none was chosen
  kRejected,           // a request refused on purpose (e.g. a profile that
                       // does not resemble the person)
  kModel,              // a model file is missing, altered or unusable
  kDatabase,           // the database failed or has an unexpected schema
  kIo,                 // the filesystem failed (permissions, disk full, ...)
  kInternal,           // a bug: an invariant did not hold
};

// Short stable name of a code, e.g. "not_found" (used in JSON output).
const char* ErrorCodeName(ErrorCode code);

// What went wrong, for a person to read: the message names the bad value.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Shorthand for returning an error from a function that returns Result<T>.
inline tl::unexpected<Error> Fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace facetag

// Propagates the error of a Result expression; otherwise yields nothing.
#define FACETAG_RETURN_IF_ERROR(expr)                                     \
  do {                                                                    \
    auto facetag_status_ = (expr);                                        \
    if (!facetag_status_) return tl::unexpected(facetag_status_.error()); \
  } while (false)
