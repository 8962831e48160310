// Dates as clients write them: checked before they reach a query or a
// calculation, so that "2024-13-45" is a clear error and not an empty
// answer, and "9999-12-31" cannot overflow a due date.
//
// Thread safety: pure functions, safe to call from any thread.
#pragma once

#include <string_view>

#include "facetag/result.h"

namespace facetag {

// A day of the proleptic Gregorian calendar.
struct CalendarDate {
  int year = 0;
  int month = 0;  // 1-12
  int day = 0;    // 1-31, valid for the month and year
  friend bool operator==(const CalendarDate&, const CalendarDate&) = default;
  friend auto operator<=>(const CalendarDate&, const CalendarDate&) = default;
};

// Exactly "YYYY-MM-DD", a real day (leap years counted) with a year in
// [min_year, max_year]. kInvalidArgument names `what` and the text (cut to
// 40 bytes): "received_on \"2024-02-30\" is not a day of the calendar".
Result<CalendarDate> ParseCalendarDate(std::string_view text, std::string_view what,
                                       int min_year = 1, int max_year = 9999);

// A date bound of a search: an ISO 8601 date or a prefix of one, as the
// archive compares them ("YYYY", "YYYY-MM", "YYYY-MM-DD", then optionally
// "THH", "THH:MM", "THH:MM:SS", each part in range: month 01-12, a day of
// that month, hour 00-23, minute 00-59, second 00-60). No zone or fraction:
// stored dates are local times compared as text. kInvalidArgument names
// `what` and the text.
Result<void> CheckDateBound(std::string_view text, std::string_view what);

// One calendar month after `date`; the last day of a shorter month when the
// day does not exist there (31 January -> 28 or 29 February). The year may
// reach 10000 from December 9999: callers bound the year first.
CalendarDate AddMonth(const CalendarDate& date);

// "YYYY-MM-DD".
std::string FormatCalendarDate(const CalendarDate& date);

}  // namespace facetag
