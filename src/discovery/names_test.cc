#include <gtest/gtest.h>

#include "facetag/discovery.h"

namespace facetag::discovery {
namespace {

std::vector<std::string> Names(std::string_view caption,
                               const captions::MentionFinder* listed = nullptr) {
  std::vector<std::string> out;
  for (const auto& n : ExtractNames(caption, listed)) out.push_back(n.name);
  return out;
}

TEST(DiscoveryNames, TitlesRolesPlacesAndDatesAreNotNames) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Names("Prime Minister Mark Rutte talks with John Smith in New York on Monday."),
            (V{"Mark Rutte", "John Smith"}));
  EXPECT_EQ(Names("Mr. Jones arrived in Paris."), (V{"Jones"}));
  EXPECT_EQ(Names("NATO Secretary General Jens Stoltenberg speaks."), (V{"Jens Stoltenberg"}));
  EXPECT_EQ(Names("Kabul - Aaron Peirsol reacts during a summit."), (V{"Aaron Peirsol"}));
  EXPECT_EQ(Names("Ursula von der Leyen and George W. Bush meet."),
            (V{"Ursula von der Leyen", "George W. Bush"}));
  EXPECT_EQ(Names("Jane Doe's car, Tuesday, May 4."), (V{"Jane Doe"}));
  EXPECT_EQ(Names("The Paris crowd cheers."), V{});
  EXPECT_EQ(Names("Dépardieu Gérard Müller waves."), (V{"Dépardieu Gérard Müller"}));
}

TEST(DiscoveryNames, SpansAndPositionHints) {
  const std::string caption = "Jane Doe (L) and John Roe (R) in Rome.";
  const auto names = ExtractNames(caption);
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(caption.substr(names[0].begin, names[0].end - names[0].begin), "Jane Doe");
  EXPECT_EQ(names[0].hint, PositionHint::kLeft);
  EXPECT_EQ(names[1].hint, PositionHint::kRight);
  EXPECT_EQ(names[1].key, "john roe");
}

TEST(DiscoveryNames, ListedNamesAreSkipped) {
  const captions::MentionFinder listed({{1, "Mark Rutte", {}}});
  EXPECT_EQ(Names("Mark Rutte greets John Smith.", &listed),
            std::vector<std::string>{"John Smith"});
}

TEST(DiscoveryNames, SuggestionFavoursTheNameThatComesWithTheFace) {
  NameIndex index;
  // The cluster's photos 1-3 name Jane Doe, each with another name too.
  index.Add(1, "Jane Doe speaks with John Smith in Rome.");
  index.Add(2, "Jane Doe and Carl Berg arrive.");
  index.Add(3, "President John Smith listens as Jane Doe speaks.");
  // John Smith is in the news a lot without the cluster.
  for (PhotoId p = 10; p < 20; ++p) index.Add(p, "John Smith waves.");
  const auto names = SuggestNames(
      {{1, PositionHint::kNone}, {2, PositionHint::kNone}, {3, PositionHint::kNone}}, index);
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0].name, "Jane Doe");
  EXPECT_EQ(names[0].cluster_photos, 3);
  EXPECT_EQ(names[0].archive_photos, 3);
  EXPECT_DOUBLE_EQ(names[0].score, 1.0);
  ASSERT_EQ(names[0].evidence.size(), 3u);
  EXPECT_EQ(names[0].evidence[0].photo, 1);
  EXPECT_EQ(names[0].evidence[0].text, "Jane Doe");
  EXPECT_LT(names[1].score, 0.5);
}

TEST(DiscoveryNames, PositionHintsDecideBetweenTwoNames) {
  NameIndex index;
  index.Add(1, "Jane Doe (L) and John Roe (R) shake hands.");
  index.Add(2, "John Roe (R) greets Jane Doe (L).");
  const auto right = SuggestNames({{1, PositionHint::kRight}, {2, PositionHint::kRight}}, index);
  ASSERT_FALSE(right.empty());
  EXPECT_EQ(right[0].name, "John Roe");
  const auto left = SuggestNames({{1, PositionHint::kLeft}, {2, PositionHint::kLeft}}, index);
  EXPECT_EQ(left[0].name, "Jane Doe");
}

}  // namespace
}  // namespace facetag::discovery
