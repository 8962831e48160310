// Captions: which listed persons a caption names.
//
// A press caption often names people who are not in the picture ("Barack
// Obama and Joe Biden wave ..." on a photo of Obama alone), and a photo shows
// people its caption does not name. The mentions found here are evidence for
// the decision core (facetag/decision.h), which tells pictured and mentioned,
// pictured but not mentioned, and mentioned but not pictured apart; a
// mention may lower the mentioned person's threshold down to a calibrated
// floor, no further.
//
// Everything here is pure computation on text and values: no I/O, no
// database, no images. The free functions are thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/person.h"

namespace facetag::captions {

// ---------------------------------------------------------------------------
// Mentions
// ---------------------------------------------------------------------------

// A listed person as the caption reader sees it: the display name and the
// other names the person is known by.
struct ListedName {
  PersonId person = 0;
  std::string name;                  // "Mark Rutte", "Ursula von der Leyen"
  std::vector<std::string> aliases;  // "Zelensky", "Lula da Silva", "AOC"
};

enum class MentionKind {
  kFullName,  // the display name, or given name(s) + surname
              // ("Barack Hussein Obama" for "Barack Obama")
  kAlias,     // one of the aliases
  kSurname,   // the surname alone, with or without a title ("Rutte",
              // "Prime Minister Rutte", "M. Rutte")
};

// "full_name", "alias", "surname".
const char* MentionKindName(MentionKind kind);

// One place where a caption names a listed person.
struct Mention {
  PersonId person = 0;
  // Byte span [begin, end) in the caption, on UTF-8 character boundaries.
  // It covers the name only: not a title before it, not a possessive "'s"
  // after it, not an elided "d'" before it.
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string text;  // the caption's bytes in [begin, end)
  MentionKind kind = MentionKind::kFullName;
};

// Finds listed persons named in captions.
//
// Matching works on words: letters and digits, with apostrophes between
// letters ("O'Brien", "Rutte's"); a CJK character is a word of its own.
// Words are compared folded: case ignored, the diacritics of Latin-1 and
// Latin Extended-A removed ("Müller" = "Muller" = "MULLER", "ß" = "ss",
// "Ł" = "l"), typographic apostrophes as "'"; Greek and Cyrillic compare
// without case; other scripts compare exactly. A name never matches inside a
// word ("Ruttenberg" is not "Rutte"). Between the words of a name the caption
// may use spaces, a line break or a hyphen ("Lin-Manuel" = "Lin Manuel"),
// and "J.K." = "J. K."; any other punctuation ends a name.
//
// Rules, in order:
//  1. Full names and aliases of two or more words match wherever they stand,
//     in any case. The longest match wins; a span that is the full name or
//     alias of two different persons names nobody.
//  2. The surname alone ("Rutte" for "Mark Rutte") and a name or alias of
//     one word ("Zelensky", "Madonna") must start with a capital letter in
//     the caption ("RUTTE" does, "rutte" does not: "they may" is not Theresa
//     May) and are read in their context. The word before:
//       - nothing, or punctuation ("Rutte said", "(L) Rutte", "Mark, Rutte"),
//         the end of a sentence ("... on Monday. Rutte"), a lowercase word
//         ("with Rutte", "NATO chief Rutte"), a number, a possessive
//         ("Germany's Merkel"), a title or role ("Prime Minister Rutte",
//         "Mr. Rutte", "President Obama", "M. Macron"), a common capitalised
//         word ("The", "When", "Yesterday", "Monday") or another listed
//         surname ("Obama Merkel talks"): a mention;
//       - the person's own given or middle names, or their initials ("M.
//         Rutte"): a mention, extended over those words; it is a full-name
//         mention when it reaches the first given name, also across up to
//         two middle names or initials the list does not know ("Barack
//         Hussein Obama", "Donald J. Trump");
//       - any other capitalised word, or an initial that does not fit, is
//         taken to be a different given name: no mention ("Jan Rutte" does
//         not mention Mark Rutte, "Hunter Biden" not Joe Biden, "J. Rutte"
//         not Mark Rutte). In an all-capitals caption "JAN RUTTE" is
//         therefore not Mark Rutte while "PRIME MINISTER RUTTE" is. A wrong
//         name is worse than none, so an unknown capitalised word counts as a
//         given name: "In Paris Macron said" and "NATO Rutte" are missed.
//     The word after: a capitalised word (not all capitals, not a title,
//     common word, listed surname or the person's own given name) makes the
//     surname somebody's given name: "Harris Dickinson" does not mention
//     Kamala Harris (nor does "Trump Tower" mention Donald Trump).
//     A surname that is a month or weekday ("May") needs a title or the
//     person's own given name or initial before it: "in May" is a date.
//     Surname = the last word of the name, after dropping "Jr.", "Sr.",
//     "II", "III", "IV", with the particles before it ("von der Leyen",
//     "de Gaulle", "van Gogh"); for names of three or more words the last
//     two words count too ("López Obrador"). Names that begin with a royal
//     or religious title ("King Charles III", "Pope Francis") have no
//     surname form.
//  3. A surname shared by several listed persons ("Joe Biden", "Jill
//     Biden") is ambiguous when it stands alone. It names the one person
//     whose own given names or initials precede it; otherwise the one for
//     whom it is an explicit one-word name or alias; otherwise the only
//     listed person with that surname; otherwise the only one of them named
//     in full (rule 1) elsewhere in the same caption; otherwise nobody.
//  4. A name joined by a hyphen to a capitalised word is part of a longer
//     name ("Smith-Rutte", "Jean-Mark Rutte" are not Rutte), unless that
//     word is another listed surname ("the Merkel-Macron meeting"); a
//     lowercase word does not matter ("Rutte-led", "anti-Trump").
//  5. "Rutte's" and "Rutte’s" are possessives: the span ends before the
//     apostrophe ("Jones'" too). French and Italian elisions are skipped
//     ("d'Emmanuel Macron"): the span starts after the apostrophe.
// Known limits: no word splitting for scripts without spaces other than CJK
// (Thai); a capitalised word before a surname counts as a given name unless
// one of the built-in lists knows it (titles and common words in English,
// German, French, Dutch, Spanish, Italian and a few in Cyrillic);
// family-name-first names ("Xi Jinping") get the last word as surname, so
// list "Xi" as an alias; "Jill and Joe Biden" mentions Joe Biden only.
//
// Cost: building indexes every name by its first folded word (time and
// memory linear in the list); Find looks up each word of the caption there,
// so a caption costs about the same for a list of ten or ten thousand.
//
// Thread safety: immutable after construction; Find may run concurrently
// from any number of threads. Copies share the index.
class MentionFinder {
 public:
  // Names without any letter or digit are ignored. Several entries with the
  // same `person` are merged.
  explicit MentionFinder(const std::vector<ListedName>& list);

  // The mentions in `caption`, ordered by `begin`, non-overlapping. Invalid
  // UTF-8 bytes are treated as punctuation.
  std::vector<Mention> Find(std::string_view caption) const;

 private:
  struct Index;
  std::shared_ptr<const Index> index_;
};

// One-off form of MentionFinder(list).Find(caption); build a MentionFinder
// to read many captions against the same list.
std::vector<Mention> FindMentions(std::string_view caption, const std::vector<ListedName>& list);

// The persons of `mentions`, each once, in the order of their first mention.
std::vector<PersonId> MentionedPersons(const std::vector<Mention>& mentions);

}  // namespace facetag::captions
