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

namespace facetag::store {

// The comparison key of a name: trimmed, runs of whitespace collapsed to one
// space, ASCII and Latin letters lowercased, the diacritics of Latin-1,
// Latin Extended-A and Romanian comma-below letters removed ("Müller",
// "MULLER" -> "muller"; "ß" -> "ss", "Æ" -> "ae", "Ł" -> "l"), combining
// marks (U+0300-U+036F, as in decomposed input) dropped. Other scripts are
// kept as they are. Pure function; `name` should be valid UTF-8 (invalid
// bytes are copied through).
std::string FoldNameKey(std::string_view name);

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code
// points above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` without leading and trailing ASCII whitespace.
std::string_view TrimAsciiWhitespace(std::string_view text);

}  // namespace facetag::store
