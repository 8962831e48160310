// The privacy rules that storage applies but does not decide: the legal due
// date of a data-subject request, and whether an archived face is an
// opted-out person's. Plain functions: the store returns rows, these decide.
//
// Thread safety: pure functions, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "facetag/result.h"
#include "facetag/types.h"

namespace facetag {

// The due date of a request received on `received_on` ("YYYY-MM-DD"): the
// same day of the next month, or that month's last day when it is shorter
// (31 January -> 28/29 February). kInvalidArgument for a date that is not a
// real calendar day.
Result<std::string> DueDate(std::string_view received_on);

// Whether `face` is the face of the person `suppression_template` was made
// from: an embedding of the template's model and length whose similarity to
// it reaches `threshold` (gallery::SuppressionThreshold of the pack).
bool IsOptedOutFace(const Embedding& face, const Embedding& suppression_template, float threshold);

// The longest retention period that can be set: about a thousand years,
// beyond which "no limit" says the same honestly.
inline constexpr int kMaxRetentionDays = 365000;

// A retention period is a number of days from 1 to kMaxRetentionDays, or no
// limit (empty). kInvalidArgument otherwise, naming `what` and the value.
Result<void> CheckRetentionDays(std::optional<int> days, std::string_view what);

}  // namespace facetag
