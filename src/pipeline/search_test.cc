#include "facetag/search.h"

#include <gtest/gtest.h>

namespace facetag::pipeline {
namespace {

std::vector<Person> List() {
  Person rutte;
  rutte.name = "Mark Rutte";
  rutte.aliases = {"Rutte"};
  Person biden;
  biden.name = "Joe Biden";
  Person muller;
  muller.name = "Thomas Müller";
  return {rutte, biden, muller};
}

TEST(SuggestPersons, TyposCaseAndDiacritics) {
  EXPECT_EQ(SuggestPersons("Joe Bidden", List()), std::vector<std::string>{"Joe Biden"});
  EXPECT_EQ(SuggestPersons("mark rute", List()), std::vector<std::string>{"Mark Rutte"});
  EXPECT_EQ(SuggestPersons("Thomas Muler", List()), std::vector<std::string>{"Thomas Müller"});
  EXPECT_EQ(SuggestPersons("Biden", List()), std::vector<std::string>{"Joe Biden"});
}

TEST(SuggestPersons, NothingForUnrelatedNames) {
  EXPECT_TRUE(SuggestPersons("Angela Merkel", List()).empty());
  EXPECT_TRUE(SuggestPersons("   ", List()).empty());
}

}  // namespace
}  // namespace facetag::pipeline
