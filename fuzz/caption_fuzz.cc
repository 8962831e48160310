// Fuzz target: caption mention finding and the text folding under it. The
// input's first line is one more listed name with its aliases ("Name|alias");
// the rest is a caption read against a list that holds the hard cases
// (shared surnames, particles, suffixes, titles, a month, CJK).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "captions/caption_text.h"
#include "facetag/captions.h"

namespace {

using facetag::captions::ListedName;

std::vector<ListedName> BaseList() {
  return {{1, "Joe Biden", {"Biden"}},
          {2, "Jill Biden", {}},
          {3, "Ursula von der Leyen", {"von der Leyen"}},
          {4, "King Charles III", {}},
          {5, "Andrés Manuel López Obrador", {"AMLO"}},
          {6, "Theresa May", {}},
          {7, "Xi Jinping", {"Xi"}},
          {8, "Mark Rutte", {}},
          {9, "Emmanuel Macron", {}},
          {10, "習近平", {}},
          {11, "Владимир Путин", {"Путин"}}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const facetag::captions::MentionFinder* base =
      new facetag::captions::MentionFinder(BaseList());
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t line = input.find('\n');
  const std::string_view caption = line == std::string_view::npos ? input : input.substr(line + 1);
  const auto mentions = base->Find(caption);
  std::size_t end = 0;
  for (const auto& m : mentions) {
    // Ordered, non-overlapping spans inside the caption.
    if (m.begin < end || m.end > caption.size() || m.begin > m.end) __builtin_trap();
    end = m.end;
  }
  (void)facetag::captions::MentionedPersons(mentions);
  if (line != std::string_view::npos) {
    std::vector<ListedName> list = BaseList();
    ListedName extra{12, {}, {}};
    std::string_view names = input.substr(0, line);
    for (std::size_t bar; (bar = names.find('|')) != std::string_view::npos && extra.aliases.size() < 8;
         names.remove_prefix(bar + 1)) {
      if (extra.name.empty()) extra.name = std::string(names.substr(0, bar));
      else extra.aliases.emplace_back(names.substr(0, bar));
    }
    if (extra.name.empty()) extra.name = std::string(names);
    else extra.aliases.emplace_back(names);
    list.push_back(std::move(extra));
    (void)facetag::captions::FindMentions(caption, list);
  }
  (void)facetag::captions::detail::FoldText(caption);
  (void)facetag::captions::detail::Tokenize(caption);
  return 0;
}
