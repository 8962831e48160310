#include "facetag/search.h"

#include <algorithm>
#include <limits>
#include <sstream>

#include "facetag/text.h"

namespace facetag::pipeline {
namespace {

// Edit distance over bytes of folded text (folded Latin names are ASCII).
std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> Words(const std::string& folded) {
  std::istringstream in(folded);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

}  // namespace

std::vector<std::string> SuggestPersons(std::string_view typed, const std::vector<Person>& persons,
                                        std::size_t limit) {
  const std::string query = text::Fold(text::TrimAsciiWhitespace(typed));
  if (query.empty()) return {};
  const std::size_t allowed = std::max<std::size_t>(1, query.size() / 4);
  struct Scored {
    std::size_t distance;
    const Person* person;
  };
  std::vector<Scored> scored;
  for (const Person& p : persons) {
    std::size_t best = std::numeric_limits<std::size_t>::max();
    std::vector<std::string> names = {p.name};
    names.insert(names.end(), p.aliases.begin(), p.aliases.end());
    for (const std::string& name : names) {
      const std::string folded = text::Fold(name);
      best = std::min(best, EditDistance(query, folded));
      const auto words = Words(folded);
      if (!words.empty() && words.size() > 1) {
        // "Biden" for "Joe Biden", "Joe" for "Joe Biden": a near match of one
        // word counts, one step behind a near match of the whole name.
        for (const std::string& w : {words.front(), words.back()}) {
          best = std::min(best, EditDistance(query, w) + 1);
        }
      }
    }
    if (best <= allowed) scored.push_back({best, &p});
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const Scored& a, const Scored& b) { return a.distance < b.distance; });
  std::vector<std::string> out;
  for (const Scored& s : scored) {
    if (out.size() == limit) break;
    out.push_back(s.person->name);
  }
  return out;
}

}  // namespace facetag::pipeline
