// Names as people type them vs. names as the list compares them.
//
// The list must not hold two persons whose names differ only in case or in
// accents: a caption saying "Muller" or "MÜLLER" means the same "Müller", and
// picking one of two near-identical entries by accident would put a wrong
// name into a photo. SQLite's NOCASE folds ASCII only, so the store keeps a
// folded key beside every name and alias and compares keys.
#pragma once

#include <string>
#include <string_view>

#include "facetag/text.h"

namespace facetag::store {

// The comparison key of a name: folded as facetag/text.h folds (ASCII and
// Latin letters lowercased, the diacritics of Latin-1, Latin Extended-A and
// Romanian comma-below letters removed: "Müller", "MULLER" -> "muller";
// "ß" -> "ss", "Æ" -> "ae", "Ł" -> "l"; combining marks U+0300-U+036F, as in
// decomposed input, dropped; other scripts kept as they are), then trimmed,
// with every run of ASCII whitespace and no-break spaces (U+00A0) collapsed
// to one space. Pure function, thread-safe; `name` should be valid UTF-8
// (invalid bytes are copied through).
std::string FoldNameKey(std::string_view name);

// The store validates and trims names with the shared text functions.
using text::IsValidUtf8;
using text::TrimAsciiWhitespace;

}  // namespace facetag::store
