#include "name_key.h"

#include "facetag/text.h"

namespace facetag::store {

std::string FoldNameKey(std::string_view name) {
  std::string key;
  key.reserve(name.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < name.size();) {
    const std::size_t start = i;
    const auto cp = text::DecodeUtf8(name, i);
    if (!cp) {
      key.append(name.substr(start, i - start));
      continue;
    }
    // No-break space is what names pasted from web pages often contain.
    if (text::IsAsciiWhitespace(*cp) || *cp == 0xA0) {
      pending_space = !key.empty();
      continue;
    }
    std::string folded;  // a few bytes: no allocation
    text::AppendFolded(*cp, folded);
    // A code point that folds to nothing (a combining mark) neither ends a
    // run of whitespace nor leaves a trailing space.
    if (folded.empty()) continue;
    if (pending_space) {
      key.push_back(' ');
      pending_space = false;
    }
    key.append(folded);
  }
  return key;
}

}  // namespace facetag::store
