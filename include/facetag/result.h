// Result<T>: the value of a fallible call, or an Error saying what went wrong.
//
// Every fallible call in facetag returns a Result; errors travel up by early
// return. Exceptions from OpenCV, exiv2 or SQLite are caught in the adapter
// that calls them and turned into an Error: none crosses a public header.
// "No face found" and "unknown person" are ordinary results, not errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
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

// Short stable name of a code, e.g. "not_found" (used in JSON output), and
// back (empty for a name this build does not know).
const char* ErrorCodeName(ErrorCode code);
std::optional<ErrorCode> ParseErrorCode(std::string_view name);

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

#define FACETAG_CONCAT_INNER_(a, b) a##b
#define FACETAG_CONCAT_(a, b) FACETAG_CONCAT_INNER_(a, b)

// Evaluates a Result expression; on error returns the error from the
// enclosing function, else declares `lhs` with the value moved out:
//   FACETAG_ASSIGN_OR_RETURN(auto person, store.GetPerson(id));
// `lhs` is a declaration or an existing variable; it takes the value.
#define FACETAG_ASSIGN_OR_RETURN(lhs, expr) \
  FACETAG_ASSIGN_OR_RETURN_IMPL_(FACETAG_CONCAT_(facetag_result_, __LINE__), lhs, expr)
#define FACETAG_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr)        \
  auto result = (expr);                                          \
  if (!result) return tl::unexpected(std::move(result).error()); \
  lhs = std::move(*result)

namespace facetag::detail {
[[noreturn]] void CheckFailed(const char* condition, const char* file, int line);
}  // namespace facetag::detail

// A programmer's invariant (never user input): when it does not hold, the
// process prints where and aborts. Stays on in release builds.
#define FACETAG_CHECK(condition)                                                         \
  do {                                                                                   \
    if (!(condition)) ::facetag::detail::CheckFailed(#condition, __FILE__, __LINE__);    \
  } while (false)
