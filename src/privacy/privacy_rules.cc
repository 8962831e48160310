#include "facetag/privacy_rules.h"

#include <chrono>
#include <cstdio>

namespace facetag {

Result<std::string> DueDate(std::string_view received_on) {
  int y = 0, m = 0, d = 0;
  const std::string text(received_on);
  char tail = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) {
    return Fail(ErrorCode::kInvalidArgument,
                "received date \"" + text + "\" is not a date YYYY-MM-DD");
  }
  const std::chrono::year_month_day day{std::chrono::year(y), std::chrono::month(m),
                                        std::chrono::day(d)};
  if (!day.ok() || y < 1900) {
    return Fail(ErrorCode::kInvalidArgument,
                "received date \"" + text + "\" is not a day of the calendar");
  }
  // One calendar month later; the end of a shorter month when that day does
  // not exist (received 31 January: due 28 or 29 February).
  std::chrono::year_month_day due = day + std::chrono::months(1);
  if (!due.ok())
    due = std::chrono::year_month_day_last(due.year(), due.month() / std::chrono::last);
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(due.year()),
                static_cast<unsigned>(due.month()), static_cast<unsigned>(due.day()));
  return std::string(out);
}

bool IsOptedOutFace(const Embedding& face, const Embedding& suppression_template, float threshold) {
  return face.model_id == suppression_template.model_id &&
         face.values.size() == suppression_template.values.size() &&
         CosineSimilarity(face.values, suppression_template.values) >= threshold;
}

Result<void> CheckRetentionDays(std::optional<int> days, std::string_view what) {
  if (!days || (*days >= 1 && *days <= kMaxRetentionDays)) return {};
  return Fail(ErrorCode::kInvalidArgument,
              std::string(what) + " must be a number of days from 1 to " +
                  std::to_string(kMaxRetentionDays) + " or no limit, not " + std::to_string(*days));
}

}  // namespace facetag
