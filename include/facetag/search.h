// Finding persons by what a customer types.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "facetag/person.h"

namespace facetag::pipeline {

// Up to `limit` names of listed persons that `typed` probably meant ("did you
// mean"), best first: a name or alias within a small edit distance of the
// typed text (case and Latin diacritics ignored: about one typo per four
// letters), or whose surname or first name equals it. Each person is named
// by their display name, once. Pure function.
std::vector<std::string> SuggestPersons(std::string_view typed, const std::vector<Person>& persons,
                                        std::size_t limit = 3);

}  // namespace facetag::pipeline
