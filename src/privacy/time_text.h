// UTC time as the store writes it ("YYYY-MM-DDTHH:MM:SSZ"), for the
// privacy flows that compare against stored times.
#pragma once

#include <chrono>
#include <ctime>
#include <string>

namespace facetag::privacy::detail {

inline std::string FormatUtc(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  const std::size_t size = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text, size);
}

// `now`, or the system clock when `now` is the epoch (a default-constructed
// time point: the caller did not pass one).
inline std::chrono::system_clock::time_point NowOr(std::chrono::system_clock::time_point now) {
  return now == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now() : now;
}

}  // namespace facetag::privacy::detail
