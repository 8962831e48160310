#include "facetag/date_text.h"

#include <gtest/gtest.h>

namespace facetag {
namespace {

TEST(ParseCalendarDate, ReadsRealDays) {
  auto day = ParseCalendarDate("2024-02-29", "date");
  ASSERT_TRUE(day) << day.error().message;
  EXPECT_EQ(*day, (CalendarDate{2024, 2, 29}));
  EXPECT_TRUE(ParseCalendarDate("2000-02-29", "date"));
}

TEST(ParseCalendarDate, RefusesImpossibleDaysWithTheFieldName) {
  for (const char* bad : {"2024-13-45", "2023-02-29", "1900-02-29", "2024-04-31", "2024-00-10",
                          "2024-01-00", "2024-1-01", "24-01-01", "2024/01/01", "2024-01-01T00",
                          "", "2024-01-0\x01"}) {
    auto parsed = ParseCalendarDate(bad, "received_on");
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().message.rfind("received_on \"", 0), 0u) << parsed.error().message;
    EXPECT_EQ(parsed.error().message.find('\x01'), std::string::npos);
  }
}

TEST(ParseCalendarDate, AppliesTheYearRange) {
  auto late = ParseCalendarDate("9999-12-31", "received_on", 1900, 2200);
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message.find("1900-2200"), std::string::npos) << late.error().message;
  EXPECT_FALSE(ParseCalendarDate("1899-12-31", "d", 1900, 2200));
  EXPECT_TRUE(ParseCalendarDate("2200-12-31", "d", 1900, 2200));
}

TEST(CheckDateBound, AcceptsDatesAndPrefixesInRange) {
  for (const char* good : {"2024", "2024-02", "2024-02-29", "2024-02-29T23", "2024-02-29T23:59",
                           "2024-02-29T23:59:60", "0001-01-01"}) {
    EXPECT_TRUE(CheckDateBound(good, "from")) << good;
  }
}

TEST(CheckDateBound, RefusesOutOfRangePartsAndOtherShapes) {
  for (const char* bad :
       {"2024-13-45", "2024-13", "2024-00", "2023-02-29", "2024-02-29T24", "2024-02-29T10:60",
        "2024-02-29T10:00:61", "2024-02-29T", "2024-02-29T1", "2024-02-29T10:", "2024-02-29 10:00",
        "2024-02-29T10:00:00Z", "2024-02-29T10:00:00.5", "06/12/2012", "2012-1", "12", "20121206",
        ""}) {
    auto checked = CheckDateBound(bad, "from");
    EXPECT_FALSE(checked) << bad;
  }
  EXPECT_FALSE(CheckDateBound(std::string_view("2024\0", 5), "from"));
  auto refused = CheckDateBound("2024-13-45", "from");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message.rfind("from \"2024-13-45\"", 0), 0u) << refused.error().message;
}

TEST(AddMonth, EndsAtTheLastDayOfAShorterMonth) {
  EXPECT_EQ(AddMonth({2024, 1, 31}), (CalendarDate{2024, 2, 29}));
  EXPECT_EQ(AddMonth({2023, 1, 31}), (CalendarDate{2023, 2, 28}));
  EXPECT_EQ(AddMonth({2024, 12, 15}), (CalendarDate{2025, 1, 15}));
  EXPECT_EQ(FormatCalendarDate({812, 3, 4}), "0812-03-04");
}

}  // namespace
}  // namespace facetag
