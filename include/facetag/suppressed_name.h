// The canonical key of a person's name, for comparison with the names of
// people who opted out: two spellings of one name get one key, so that an
// opt-out cannot be undone by writing the name another way.
//
// The key is made in this order:
//   0. facetag's folding (text::Fold: "ł" -> "l", "æ" -> "ae");
//   1. compatibility decomposition (NFKD) and removal of combining marks:
//      "Müller" -> "Muller", full-width letters -> ASCII;
//   2. full case folding ("MÜLLER", "ß" -> "ss");
//   3. the Unicode TR39 confusable skeleton (ICU uspoof_getSkeleton), so
//      that a Cyrillic "і" or a Greek "ο" reads as the Latin letter it
//      imitates; then case folding again (skeletons may hold capitals);
//   4. tokens: runs of letters and digits; everything else (spaces,
//      commas, hyphens, dots, apostrophes, control characters) separates
//      them, so "Joe-Biden" and "Biden, Joe" give the tokens of "Joe Biden";
//   5. honorifics (Mr, Mrs, Ms, Dr, Prof, Sir, Dame, Lord, Lady, ...) and
//      generational suffixes (Jr, Sr, II, III, IV, Junior, Senior, ...) are
//      dropped, unless nothing else is left;
//   6. the remaining tokens as a set: sorted, duplicates removed, joined by
//      one space.
//
// "Joe Biden", "Biden, Joe", "Joe-Biden", "Joe Biden Jr", "JOE BIDEN" and
// "Joe Bіden" (Cyrillic і) all have the key "biden joe". A different first
// name is a different name: "Joseph Biden" has the key "biden joseph" (his
// face is what catches that case).
//
// Thread safety: pure functions over a process-wide ICU checker made once;
// safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

namespace facetag {

// The key of `name` (any bytes: malformed UTF-8 counts as a separator).
// Empty when the name has no letter or digit.
std::string SuppressedNameKey(std::string_view name);

// True when `a` and `b` are one name by their keys (and neither key is
// empty).
bool SameSuppressedName(std::string_view a, std::string_view b);

}  // namespace facetag
