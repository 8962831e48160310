#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "captions/caption_text.h"
#include "facetag/captions.h"
#include "facetag/enum_text.h"

namespace facetag::captions {

using detail::Gap;
using detail::LetterCase;
using detail::Token;

namespace {

using WordSet = std::unordered_set<std::string>;

WordSet FoldedSet(std::initializer_list<const char*> words) {
  WordSet set;
  for (const char* w : words) set.insert(detail::FoldText(w));
  return set;
}

// Titles, honorifics and roles that stand before a surname without making
// it somebody else's ("Prime Minister Rutte", "Mr. Rutte", "Frau Merkel",
// "M. Macron"). Folded, so "Präsident" is "prasident".
const WordSet& Titles() {
  static const WordSet kSet =
      FoldedSet({// English honorifics and abbreviations
                 "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord",
                 "lady", "baron", "baroness", "hon", "rev", "reverend", "st", "saint",
                 // offices and roles
                 "president", "vice", "prime", "minister", "premier", "chancellor", "secretary",
                 "general", "gen", "chief", "leader", "speaker", "senator", "sen", "rep",
                 "representative", "congressman", "congresswoman", "gov", "governor", "mayor",
                 "judge", "justice", "ambassador", "amb", "envoy", "commissioner", "chairman",
                 "chairwoman", "chair", "ceo", "director", "coach", "manager", "captain", "capt",
                 "skipper", "striker", "goalkeeper", "candidate", "nominee", "mp", "mep", "deputy",
                 "officer", "inspector", "detective", "col", "colonel", "lt", "lieutenant", "sgt",
                 "sergeant", "maj", "major", "adm", "admiral", "cmdr", "commander", "pres", "supt",
                 // royal and religious
                 "king", "queen", "prince", "princess", "duke", "duchess", "count", "countess",
                 "emperor", "empress", "pope", "cardinal", "archbishop", "bishop", "father",
                 "sheikh", "emir", "sultan", "crown",
                 // German, French, Dutch, Spanish, Italian
                 "herr", "frau", "kanzler", "kanzlerin", "bundeskanzler", "bundeskanzlerin",
                 "präsident", "präsidentin", "ministerpräsident", "ministerpräsidentin", "m", "mme",
                 "mlle", "monsieur", "madame", "président", "présidente", "ministre", "heer",
                 "mevrouw", "dhr", "mevr", "koning", "koningin", "señor", "señora", "sr", "sra",
                 "don", "doña", "presidente", "signor", "signora", "sig",
                 // Cyrillic (folded to lowercase)
                 "президент", "премьер", "прем'єр", "министр", "міністр", "канцлер"});
  return kSet;
}

// Capitalised words that are not given names: sentence openers, articles,
// prepositions, days and months. "April", "August", "June", "May" and "Jan"
// are left out: they are given names too.
const WordSet& CommonWords() {
  static const WordSet kSet = FoldedSet(
      {"the", "a", "an", "and", "or", "but", "nor", "as", "at", "by", "for", "from", "in", "into",
       "of", "off", "on", "onto", "out", "over", "to", "up", "with", "without", "after", "before",
       "during", "since", "until", "while", "when", "where", "whereas", "why", "how", "what", "who",
       "whom", "whose", "which", "that", "this", "these", "those", "then", "there", "here", "today",
       "yesterday", "tomorrow", "tonight", "now", "also", "later", "earlier", "meanwhile",
       "afterwards", "former", "late", "ex", "outgoing", "incoming", "acting", "new", "both", "all",
       "photo", "file", "pictured", "left", "right", "center", "centre", "front", "if", "so", "yet",
       "although", "though", "because", "once", "unlike", "like", "including", "against", "among",
       "between", "behind", "beside", "near", "via", "under", "above", "below", "about", "around",
       "across", "through", "toward", "towards", "upon", "within", "says", "said", "monday",
       "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
       "march", "september", "october", "november", "december",
       // sentence openers in the agency's other caption languages
       "der", "die", "das", "und", "mit", "le", "la", "les", "et", "avec", "het", "een", "en",
       "met", "el", "los", "las", "con", "il"});
  return kSet;
}

// Surnames that are also names of months and days ("Theresa May", "in May";
// "Friday" and "Monday" occur as names too): alone, they are a mention only
// after a title or the person's own given name or initial.
const WordSet& CalendarWords() {
  static const WordSet kSet =
      FoldedSet({"january", "february", "march", "april", "may", "june", "july", "august",
                 "september", "october", "november", "december", "monday", "tuesday", "wednesday",
                 "thursday", "friday", "saturday", "sunday"});
  return kSet;
}

// Words that belong to the surname that follows them.
const WordSet& Particles() {
  static const WordSet kSet = FoldedSet({"von", "van", "der", "den", "de",  "del", "della", "di",
                                         "da",  "du",  "des", "dos", "das", "le",  "la",    "ter",
                                         "ten", "zu",  "bin", "ibn", "al",  "el",  "ben",   "st"});
  return kSet;
}

const WordSet& Suffixes() {
  static const WordSet kSet = FoldedSet({"jr", "sr", "jnr", "snr", "ii", "iii", "iv"});
  return kSet;
}

// A name that starts with one of these is a title plus a given name
// ("King Charles III", "Pope Francis"): its last word is no surname.
const WordSet& RoyalTitles() {
  static const WordSet kSet = FoldedSet({"king", "queen", "pope", "prince", "princess", "emperor",
                                         "empress", "sheikh", "sultan", "emir", "saint", "st"});
  return kSet;
}

bool Contains(const WordSet& set, const std::string& key) { return set.count(key) > 0; }

// Whether `caption` gap between two words of a name may stand where the
// listed name has `name` gap.
bool GapCompatible(Gap name, Gap caption) {
  switch (name) {
    case Gap::kSpace:
      return caption == Gap::kSpace || caption == Gap::kHyphen || caption == Gap::kNone;
    case Gap::kHyphen:
      return caption == Gap::kHyphen || caption == Gap::kSpace;
    case Gap::kDot:
      return caption == Gap::kDot || caption == Gap::kSpace;
    case Gap::kNone:
      return caption == Gap::kNone || caption == Gap::kSpace;
    case Gap::kOther:
      return caption == Gap::kOther || caption == Gap::kSpace;
  }
  return false;
}

// A word = tokens joined by hyphens or without gap ("Lin-Manuel", "习近平").
struct Word {
  std::size_t first = 0;  // token indices [first, last)
  std::size_t last = 0;
};

std::vector<Word> SplitWords(const std::vector<Token>& tokens) {
  std::vector<Word> words;
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    const Gap gap = tokens[t].gap;
    if (t == 0 || !(gap == Gap::kHyphen || gap == Gap::kNone)) {
      words.push_back({t, t + 1});
    } else {
      words.back().last = t + 1;
    }
  }
  return words;
}

}  // namespace

struct MentionFinder::Index {
  struct Variant {
    std::uint32_t slot = 0;  // into persons
    MentionKind kind = MentionKind::kFullName;
    bool needs_context = false;    // a surname or a one-word name: rule 2
    bool explicit_single = false;  // a one-word display name or alias
    std::vector<std::string> keys;
    std::vector<Gap> gaps;          // gaps[k] joins keys[k-1] and keys[k]; gaps[0] unused
    std::size_t capital_token = 0;  // must start with a capital in the caption
  };
  struct PersonInfo {
    PersonId person = 0;
    WordSet own_keys;  // given and middle names
    std::string first_given;
  };

  std::vector<PersonInfo> persons;
  std::vector<Variant> variants;
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_first_key;
  WordSet given_names;  // any listed person's given or middle names
  WordSet surnames;     // any listed surname or one-word name

  void Add(const ListedName& listed);
  void AddVariant(std::uint32_t slot, MentionKind kind, bool needs_context, bool explicit_single,
                  const std::vector<Token>& tokens, std::size_t first, std::size_t last,
                  std::size_t capital_token);
  std::vector<Mention> Find(std::string_view caption) const;

 private:
  std::unordered_map<PersonId, std::uint32_t> slot_of_;
  std::set<std::pair<std::uint32_t, std::string>> seen_;  // (slot, kind + keys)
};

void MentionFinder::Index::AddVariant(std::uint32_t slot, MentionKind kind, bool needs_context,
                                      bool explicit_single, const std::vector<Token>& tokens,
                                      std::size_t first, std::size_t last,
                                      std::size_t capital_token) {
  Variant v;
  v.slot = slot;
  v.kind = kind;
  v.needs_context = needs_context;
  v.explicit_single = explicit_single;
  v.capital_token = capital_token;
  std::string signature(1, static_cast<char>('0' + static_cast<int>(kind)));
  for (std::size_t t = first; t < last; ++t) {
    v.keys.push_back(tokens[t].key);
    v.gaps.push_back(t == first ? Gap::kOther : tokens[t].gap);
    signature += '\x1f' + tokens[t].key + static_cast<char>('0' + static_cast<int>(v.gaps.back()));
  }
  if (!seen_.emplace(slot, signature).second) return;
  by_first_key[v.keys.front()].push_back(static_cast<std::uint32_t>(variants.size()));
  variants.push_back(std::move(v));
}

void MentionFinder::Index::Add(const ListedName& listed) {
  auto [it, inserted] = slot_of_.emplace(listed.person, static_cast<std::uint32_t>(persons.size()));
  if (inserted) persons.push_back({listed.person, {}, {}});
  const std::uint32_t slot = it->second;
  PersonInfo& info = persons[slot];

  const std::vector<Token> tokens = detail::Tokenize(listed.name);
  if (!tokens.empty()) {
    std::vector<Word> words = SplitWords(tokens);
    const bool single = words.size() == 1;
    AddVariant(slot, MentionKind::kFullName, single, single, tokens, 0, tokens.size(), 0);
    if (single) surnames.insert(tokens.back().key);

    // "Martin Luther King Jr." is also "Martin Luther King".
    std::size_t m = words.size();
    while (m > 1 && words[m - 1].last - words[m - 1].first == 1 &&
           Contains(Suffixes(), tokens[words[m - 1].first].key)) {
      --m;
    }
    if (m >= 2 && m < words.size()) {
      AddVariant(slot, MentionKind::kFullName, false, false, tokens, 0, words[m - 1].last, 0);
    }

    const bool royal =
        words[0].last - words[0].first == 1 && Contains(RoyalTitles(), tokens[words[0].first].key);
    if (m >= 2 && !royal) {
      std::size_t k = m - 1;
      while (k >= 2 && words[k - 1].last - words[k - 1].first == 1 &&
             Contains(Particles(), tokens[words[k - 1].first].key)) {
        --k;
      }
      const Word& last_word = words[m - 1];
      AddVariant(slot, MentionKind::kSurname, true, false, tokens, words[k].first, last_word.last,
                 last_word.first - words[k].first);
      if (k == m - 1 && m >= 3) {  // double surnames: "López Obrador", "García Márquez"
        AddVariant(slot, MentionKind::kSurname, true, false, tokens, words[m - 2].first,
                   last_word.last, last_word.first - words[m - 2].first);
      }
      for (std::size_t t = last_word.first; t < last_word.last; ++t) surnames.insert(tokens[t].key);
      for (std::size_t t = 0; t < words[k].first; ++t) {
        info.own_keys.insert(tokens[t].key);
        given_names.insert(tokens[t].key);
      }
      if (info.first_given.empty()) info.first_given = tokens[0].key;
    }
  }

  for (const std::string& alias : listed.aliases) {
    const std::vector<Token> alias_tokens = detail::Tokenize(alias);
    if (alias_tokens.empty()) continue;
    const bool single = SplitWords(alias_tokens).size() == 1;
    AddVariant(slot, MentionKind::kAlias, single, single, alias_tokens, 0, alias_tokens.size(), 0);
    if (single) surnames.insert(alias_tokens.back().key);
  }
}

namespace {

// A place where a variant's words occur in the caption.
struct Occurrence {
  std::size_t first = 0;  // tokens [first, last)
  std::size_t last = 0;
  std::size_t begin = 0;  // bytes [begin, end)
  std::size_t end = 0;
  std::uint32_t variant = 0;
};

// How the context of a one-word name or surname reads for one person.
struct ContextReading {
  bool accepted = false;
  std::size_t first = 0;      // first token after extending over own names
  std::size_t begin = 0;      // byte where the mention starts
  std::size_t own_words = 0;  // tokens of the person's own names added
  bool reached_given = false;
  bool titled = false;  // a title or honorific stands right before
};

}  // namespace

std::vector<Mention> MentionFinder::Index::Find(std::string_view caption) const {
  const std::vector<Token> tokens = detail::Tokenize(caption);
  const std::size_t n = tokens.size();

  // Every occurrence of every variant, looked up by the first word.
  std::vector<Occurrence> occurrences;
  for (std::size_t i = 0; i < n; ++i) {
    const Token& tok = tokens[i];
    struct Form {
      const std::string* key;
      std::size_t begin;
      std::size_t end;  // only for one-token variants
      bool stem;
    };
    Form forms[4];
    int form_count = 0;
    forms[form_count++] = {&tok.key, tok.begin, tok.end, false};
    if (tok.stem_key) forms[form_count++] = {&*tok.stem_key, tok.begin, tok.stem_end, true};
    if (tok.elided_key) forms[form_count++] = {&*tok.elided_key, tok.elided_begin, tok.end, false};
    if (tok.elided_stem_key) {
      forms[form_count++] = {&*tok.elided_stem_key, tok.elided_begin, tok.stem_end, true};
    }
    for (int f = 0; f < form_count; ++f) {
      const auto found = by_first_key.find(*forms[f].key);
      if (found == by_first_key.end()) continue;
      for (const std::uint32_t vi : found->second) {
        const Variant& v = variants[vi];
        const std::size_t len = v.keys.size();
        if (i + len > n) continue;
        if (len == 1) {
          occurrences.push_back({i, i + 1, forms[f].begin, forms[f].end, vi});
          continue;
        }
        if (forms[f].stem) continue;  // a possessive ends a name
        bool ok = true;
        std::size_t end = 0;
        for (std::size_t k = 1; k < len && ok; ++k) {
          const Token& t = tokens[i + k];
          ok = GapCompatible(v.gaps[k], t.gap);
          if (!ok) break;
          if (t.key == v.keys[k]) {
            end = t.end;
          } else if (k + 1 == len && t.stem_key && *t.stem_key == v.keys[k]) {
            end = t.stem_end;
          } else {
            ok = false;
          }
        }
        if (ok) occurrences.push_back({i, i + len, forms[f].begin, end, vi});
      }
    }
  }

  // Longest first, then leftmost: "Joe Biden" is read before "Biden".
  std::stable_sort(occurrences.begin(), occurrences.end(),
                   [](const Occurrence& a, const Occurrence& b) {
                     if (a.last - a.first != b.last - b.first)
                       return a.last - a.first > b.last - b.first;
                     return a.first < b.first;
                   });

  std::vector<bool> covered(n, false);
  const auto free_span = [&](std::size_t first, std::size_t last) {
    for (std::size_t t = first; t < last; ++t) {
      if (covered[t]) return false;
    }
    return true;
  };
  const auto cover = [&](std::size_t first, std::size_t last) {
    for (std::size_t t = first; t < last; ++t) covered[t] = true;
  };
  const auto known_surname = [&](const Token& t) { return Contains(surnames, t.key); };
  // Rule 4: a capitalised word hyphenated to the name makes a longer name.
  const auto joined_to_longer_name = [&](std::size_t first, std::size_t last, bool check_before) {
    if (check_before && first > 0 && tokens[first].gap == Gap::kHyphen &&
        tokens[first - 1].initial == LetterCase::kUpper && !known_surname(tokens[first - 1])) {
      return true;
    }
    return last < n && tokens[last].gap == Gap::kHyphen &&
           tokens[last].initial == LetterCase::kUpper && !known_surname(tokens[last]);
  };

  std::vector<Mention> mentions;
  const auto emit = [&](std::uint32_t slot, std::size_t begin, std::size_t end, MentionKind kind) {
    mentions.push_back(
        {persons[slot].person, begin, end, std::string(caption.substr(begin, end - begin)), kind});
  };

  // Groups of occurrences with the same span, in the sorted order.
  const auto for_each_span = [&](bool needs_context, const auto& handle) {
    std::size_t a = 0;
    while (a < occurrences.size()) {
      std::size_t b = a;
      std::vector<const Occurrence*> group;
      while (b < occurrences.size() && occurrences[b].first == occurrences[a].first &&
             occurrences[b].last == occurrences[a].last) {
        if (variants[occurrences[b].variant].needs_context == needs_context) {
          group.push_back(&occurrences[b]);
        }
        ++b;
      }
      if (!group.empty()) handle(group);
      a = b;
    }
  };

  // Rule 1: full names and aliases of several words.
  std::set<std::uint32_t> named_in_full;
  for_each_span(false, [&](const std::vector<const Occurrence*>& group) {
    const Occurrence& occ = *group.front();
    if (!free_span(occ.first, occ.last)) return;
    if (joined_to_longer_name(occ.first, occ.last, true)) return;
    std::map<std::uint32_t, const Occurrence*> by_person;  // full name before alias
    for (const Occurrence* o : group) {
      auto& slot = by_person[variants[o->variant].slot];
      if (slot == nullptr || variants[o->variant].kind < variants[slot->variant].kind) slot = o;
    }
    cover(occ.first, occ.last);
    if (by_person.size() != 1) return;  // the same words name two persons
    const auto& [person_slot, chosen] = *by_person.begin();
    emit(person_slot, chosen->begin, chosen->end, variants[chosen->variant].kind);
    named_in_full.insert(person_slot);
  });

  // Whether a capitalised `word` before a surname can be something other than
  // a given name.
  const auto not_a_given_name = [&](const Token& word) {
    if (word.initial == LetterCase::kLower) return true;
    if (word.initial == LetterCase::kNone) {
      return !word.key.empty() && word.key[0] >= '0' && word.key[0] <= '9';
    }
    if (word.stem_key) return true;  // "Germany's Merkel"
    if (Contains(Titles(), word.key) || Contains(CommonWords(), word.key)) return true;
    return Contains(surnames, word.key) && !Contains(given_names, word.key);
  };
  const auto own_initial = [](const PersonInfo& info, const Token& word) {
    if (!word.single_letter) return false;
    for (const std::string& own : info.own_keys) {
      if (own.compare(0, word.key.size(), word.key) == 0) return true;
    }
    return false;
  };

  // "Barack Hussein Obama", "Donald J. Trump": up to two middle names or
  // initials the list does not know, between the first given name and the
  // surname. `b` is the first token of what was read so far; on success the
  // reading is extended to the given name.
  const auto reach_over_middle_names = [&](const PersonInfo& info, std::size_t b,
                                           ContextReading& r) {
    if (info.first_given.empty()) return false;
    std::size_t q = b - 1;  // the unknown word before `b`
    for (int skipped = 0; skipped < 2; ++skipped) {
      if (q == 0 || covered[q - 1] || tokens[q].gap != Gap::kSpace) return false;
      const Token& before = tokens[q - 1];
      if (before.key == info.first_given) {
        r.reached_given = true;
        r.own_words += b - (q - 1);
        r.first = q - 1;
        r.begin = before.begin;
        return true;
      }
      if (before.initial != LetterCase::kUpper) return false;
      --q;
    }
    return false;
  };

  // Rule 2: how the words around occurrence `occ` read for person `slot`.
  const auto read_context = [&](const Occurrence& occ, std::uint32_t slot) {
    const PersonInfo& info = persons[slot];
    ContextReading r;
    r.first = occ.first;
    r.begin = occ.begin;
    if (occ.begin != tokens[occ.first].begin) {  // after an elided "d'": an article
      r.accepted = true;
      return r;
    }
    std::size_t b = occ.first;
    while (b > 0 && !covered[b - 1]) {
      const Gap gap = tokens[b].gap;
      const Token& prev = tokens[b - 1];
      const bool joined = gap == Gap::kSpace || gap == Gap::kHyphen || gap == Gap::kNone;
      if (joined && Contains(info.own_keys, prev.key)) {
        r.reached_given |= prev.key == info.first_given;
        r.begin = prev.begin;
      } else if (joined && prev.elided_key && Contains(info.own_keys, *prev.elided_key)) {
        r.reached_given |= *prev.elided_key == info.first_given;
        r.begin = prev.elided_begin;
      } else if ((gap == Gap::kDot || gap == Gap::kSpace) && own_initial(info, prev)) {
        r.begin = prev.begin;
      } else {
        break;
      }
      --b;
      ++r.own_words;
    }
    r.first = b;
    if (b > 0 && !covered[b - 1] && tokens[b].gap == Gap::kHyphen &&
        tokens[b - 1].initial == LetterCase::kUpper && !known_surname(tokens[b - 1])) {
      return r;  // rule 4: "Jean-Mark Rutte" is not Mark Rutte
    }
    if (r.reached_given || b == 0 || covered[b - 1]) {
      r.accepted = true;
    } else {
      const Token& prev = tokens[b - 1];
      switch (tokens[b].gap) {
        case Gap::kNone:
        case Gap::kOther:
          r.accepted = true;
          break;
        case Gap::kDot:
          // "Mr. Rutte" and "M. Macron" are titles; "J. Rutte" is somebody
          // else unless a given name precedes ("Donald J. Trump"); after any
          // other word the full stop ends a sentence.
          r.titled = Contains(Titles(), prev.key);
          r.accepted = r.titled || !prev.single_letter || reach_over_middle_names(info, b, r);
          break;
        case Gap::kHyphen:
          r.accepted = prev.initial != LetterCase::kUpper || known_surname(prev);
          break;
        case Gap::kSpace:
          r.titled = Contains(Titles(), prev.key);
          r.accepted = not_a_given_name(prev) || reach_over_middle_names(info, b, r);
          break;
      }
    }
    if (!r.accepted || r.own_words > 0) return r;
    // A capitalised word after a lone surname makes it somebody's given name
    // ("Harris Dickinson" is not Kamala Harris), unless the word is a title,
    // a common word, another listed surname or the person's own given name
    // ("Orbán Viktor"). All-capitals words say nothing ("RUTTE ARRIVES").
    const bool possessive = occ.end != tokens[occ.last - 1].end;  // "Obama's White House"
    if (!possessive && occ.last < n && tokens[occ.last].gap == Gap::kSpace) {
      const Token& next = tokens[occ.last];
      if (next.initial == LetterCase::kUpper && !next.all_caps && !next.single_letter &&
          !Contains(Titles(), next.key) && !Contains(CommonWords(), next.key) &&
          !known_surname(next) && !Contains(info.own_keys, next.key)) {
        r.accepted = false;
      }
    }
    return r;
  };

  // Rules 2 and 3: surnames and one-word names.
  for_each_span(true, [&](const std::vector<const Occurrence*>& group) {
    const Occurrence& occ = *group.front();
    if (!free_span(occ.first, occ.last)) return;
    if (joined_to_longer_name(occ.first, occ.last, false)) return;

    struct Candidate {
      std::uint32_t slot = 0;
      const Occurrence* occ = nullptr;
      MentionKind kind = MentionKind::kSurname;
      bool explicit_single = false;
      ContextReading reading;
    };
    std::map<std::uint32_t, Candidate> by_person;
    for (const Occurrence* o : group) {
      const Variant& v = variants[o->variant];
      if (tokens[o->first + v.capital_token].initial == LetterCase::kLower) continue;
      Candidate& c = by_person[v.slot];
      if (c.occ == nullptr || v.kind < c.kind) {
        c.slot = v.slot;
        c.occ = o;
        c.kind = v.kind;
      }
      c.explicit_single |= v.explicit_single;
    }
    std::vector<Candidate> accepted;
    for (auto& [slot, c] : by_person) {
      c.reading = read_context(*c.occ, slot);
      const std::vector<std::string>& keys = variants[c.occ->variant].keys;
      if (keys.size() == 1 && Contains(CalendarWords(), keys[0]) && !c.reading.titled &&
          c.reading.own_words == 0) {
        continue;
      }
      if (c.reading.accepted) accepted.push_back(c);
    }
    if (accepted.empty()) return;

    // Rule 3: pick one person or nobody.
    std::vector<Candidate> pool = accepted;
    const auto narrow = [&pool](const auto& keep) {
      std::vector<Candidate> kept;
      for (const Candidate& c : pool) {
        if (keep(c)) kept.push_back(c);
      }
      if (!kept.empty()) pool = std::move(kept);
    };
    std::size_t most_own = 0;
    for (const Candidate& c : pool) most_own = std::max(most_own, c.reading.own_words);
    if (most_own > 0) narrow([&](const Candidate& c) { return c.reading.own_words == most_own; });
    if (pool.size() > 1) narrow([](const Candidate& c) { return c.explicit_single; });
    if (pool.size() > 1) {
      narrow([&](const Candidate& c) { return named_in_full.count(c.slot) > 0; });
    }
    if (pool.size() != 1) {
      cover(occ.first, occ.last);  // ambiguous: no shorter reading either
      return;
    }
    const Candidate& chosen = pool.front();
    const MentionKind kind = chosen.reading.reached_given ? MentionKind::kFullName : chosen.kind;
    emit(chosen.slot, chosen.reading.begin, chosen.occ->end, kind);
    cover(chosen.reading.first, occ.last);
  });

  std::sort(mentions.begin(), mentions.end(),
            [](const Mention& a, const Mention& b) { return a.begin < b.begin; });
  return mentions;
}

MentionFinder::MentionFinder(const std::vector<ListedName>& list) {
  auto index = std::make_shared<Index>();
  for (const ListedName& listed : list) index->Add(listed);
  index_ = std::move(index);
}

std::vector<Mention> MentionFinder::Find(std::string_view caption) const {
  return index_->Find(caption);
}

std::vector<Mention> FindMentions(std::string_view caption, const std::vector<ListedName>& list) {
  return MentionFinder(list).Find(caption);
}

std::vector<PersonId> MentionedPersons(const std::vector<Mention>& mentions) {
  std::vector<PersonId> persons;
  std::unordered_set<PersonId> seen;
  for (const Mention& m : mentions) {
    if (seen.insert(m.person).second) persons.push_back(m.person);
  }
  return persons;
}

const char* MentionKindName(MentionKind kind) {
  static constexpr EnumText<MentionKind> kText[] = {{MentionKind::kFullName, "full_name"},
                                                    {MentionKind::kAlias, "alias"},
                                                    {MentionKind::kSurname, "surname"}};
  return ToText(kText, kind);
}

}  // namespace facetag::captions
