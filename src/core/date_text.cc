#include "facetag/date_text.h"

#include <cstdio>
#include <string>

namespace facetag {
namespace {

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// The value of `count` ASCII digits at `from`, or -1.
int Digits(std::string_view text, std::size_t from, std::size_t count) {
  if (from + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = from; i < from + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// The text for a message: at most 40 bytes, control characters as '?'.
std::string Shown(std::string_view text) {
  std::string shown(text.substr(0, 40));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (text.size() > 40) shown += "...";
  return shown;
}

tl::unexpected<Error> NotADate(std::string_view what, std::string_view text, const char* why) {
  return Fail(ErrorCode::kInvalidArgument,
              std::string(what) + " \"" + Shown(text) + "\" " + why);
}

}  // namespace

Result<CalendarDate> ParseCalendarDate(std::string_view text, std::string_view what,
                                       int min_year, int max_year) {
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 5, 2);
  const int day = Digits(text, 8, 2);
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || year < 0 || month < 0 || day < 0) {
    return NotADate(what, text, "is not a date YYYY-MM-DD");
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return NotADate(what, text, "is not a day of the calendar");
  }
  if (year < min_year || year > max_year) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " \"" + Shown(text) +
                                                 "\" is outside the years " +
                                                 std::to_string(min_year) + "-" +
                                                 std::to_string(max_year));
  }
  return CalendarDate{year, month, day};
}

Result<void> CheckDateBound(std::string_view text, std::string_view what) {
  constexpr const char* kShape =
      "is not an ISO 8601 date such as 2012-12-06 (or a prefix of one: 2012, 2012-12, "
      "2012-12-06T10:30)";
  const int year = Digits(text, 0, 4);
  if (year < 0) return NotADate(what, text, kShape);
  if (text.size() == 4) return {};
  const int month = text[4] == '-' ? Digits(text, 5, 2) : -1;
  if (month < 0) return NotADate(what, text, kShape);
  if (month < 1 || month > 12) return NotADate(what, text, "has no month 01-12");
  if (text.size() == 7) return {};
  const int day = text[7] == '-' ? Digits(text, 8, 2) : -1;
  if (day < 0) return NotADate(what, text, kShape);
  if (day < 1 || day > DaysInMonth(year, month)) {
    return NotADate(what, text, "is not a day of the calendar");
  }
  if (text.size() == 10) return {};
  // "THH", "THH:MM", "THH:MM:SS": a separator then two digits each.
  static constexpr int kLimits[] = {23, 59, 60};
  static constexpr char kSeparators[] = {'T', ':', ':'};
  std::size_t at = 10;
  for (int part = 0; part < 3 && at < text.size(); ++part, at += 3) {
    const int value = text[at] == kSeparators[part] ? Digits(text, at + 1, 2) : -1;
    if (value < 0) return NotADate(what, text, kShape);
    if (value > kLimits[part]) return NotADate(what, text, "is not a time of day");
  }
  if (at < text.size()) return NotADate(what, text, kShape);
  return {};
}

CalendarDate AddMonth(const CalendarDate& date) {
  CalendarDate next = date;
  if (++next.month > 12) {
    next.month = 1;
    ++next.year;
  }
  if (next.day > DaysInMonth(next.year, next.month)) next.day = DaysInMonth(next.year, next.month);
  return next;
}

std::string FormatCalendarDate(const CalendarDate& date) {
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", date.year, date.month, date.day);
  return out;
}

}  // namespace facetag
