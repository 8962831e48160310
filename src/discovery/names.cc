// Person names in captions and name suggestions for clusters
// (facetag/discovery.h).
#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <unordered_set>

#include "facetag/discovery.h"
#include "facetag/enum_text.h"
#include "facetag/text.h"

namespace facetag::discovery {
namespace {

// Titles, honorifics and roles that stand before a name and are not part of
// it (compared folded, without a trailing period).
const std::unordered_set<std::string>& Titles() {
  static const std::unordered_set<std::string> titles = {"mr",
                                                         "mrs",
                                                         "ms",
                                                         "miss",
                                                         "dr",
                                                         "prof",
                                                         "professor",
                                                         "sir",
                                                         "dame",
                                                         "lord",
                                                         "lady",
                                                         "president",
                                                         "vice",
                                                         "prime",
                                                         "minister",
                                                         "chancellor",
                                                         "secretary",
                                                         "general",
                                                         "gen",
                                                         "senator",
                                                         "sen",
                                                         "rep",
                                                         "representative",
                                                         "congressman",
                                                         "congresswoman",
                                                         "governor",
                                                         "gov",
                                                         "mayor",
                                                         "king",
                                                         "queen",
                                                         "prince",
                                                         "princess",
                                                         "pope",
                                                         "coach",
                                                         "judge",
                                                         "justice",
                                                         "chief",
                                                         "foreign",
                                                         "defense",
                                                         "defence",
                                                         "finance",
                                                         "interior",
                                                         "state",
                                                         "deputy",
                                                         "ambassador",
                                                         "director",
                                                         "chairman",
                                                         "chairwoman",
                                                         "ceo",
                                                         "captain",
                                                         "capt",
                                                         "lt",
                                                         "colonel",
                                                         "col",
                                                         "sergeant",
                                                         "sgt",
                                                         "archbishop",
                                                         "cardinal",
                                                         "bishop",
                                                         "rev",
                                                         "reverend",
                                                         "father",
                                                         "sheikh",
                                                         "former",
                                                         "actor",
                                                         "actress",
                                                         "singer",
                                                         "player",
                                                         "striker",
                                                         "goalkeeper",
                                                         "champion",
                                                         "leader",
                                                         "opposition",
                                                         "attorney",
                                                         "commissioner",
                                                         "spokesman",
                                                         "spokeswoman",
                                                         "u.s",
                                                         "us",
                                                         "un",
                                                         "eu",
                                                         "nato",
                                                         "french",
                                                         "german",
                                                         "british",
                                                         "american",
                                                         "russian",
                                                         "israeli",
                                                         "palestinian",
                                                         "iraqi",
                                                         "chinese",
                                                         "japanese",
                                                         "italian",
                                                         "spanish"};
  return titles;
}

// Capitalised words that are no names: sentence openers, days, months.
const std::unordered_set<std::string>& CommonWords() {
  static const std::unordered_set<std::string> words = {
      "the",      "a",        "an",      "in",      "on",        "at",        "as",
      "when",     "after",    "before",  "during",  "while",     "yesterday", "today",
      "tonight",  "this",     "that",    "these",   "those",     "his",       "her",
      "their",    "our",      "its",     "it",      "he",        "she",       "they",
      "we",       "i",        "and",     "but",     "with",      "for",       "from",
      "file",     "photo",    "picture", "monday",  "tuesday",   "wednesday", "thursday",
      "friday",   "saturday", "sunday",  "january", "february",  "march",     "april",
      "may",      "june",     "july",    "august",  "september", "october",   "november",
      "december", "jan",      "feb",     "mar",     "apr",       "jun",       "jul",
      "aug",      "sep",      "sept",    "oct",     "nov",       "dec"};
  return words;
}

// Lowercase words that may stand inside a name ("Ursula von der Leyen").
const std::unordered_set<std::string>& Particles() {
  static const std::unordered_set<std::string> particles = {
      "de",  "da",  "das", "do", "dos", "del", "della", "der", "den", "van", "von",
      "bin", "ibn", "al",  "el", "la",  "le",  "du",    "di",  "y",   "ter", "zu"};
  return particles;
}

// A word before a capitalised sequence that makes it a place ("in New York").
const std::unordered_set<std::string>& PlacePrepositions() {
  static const std::unordered_set<std::string> words = {"in", "at", "from", "near"};
  return words;
}

bool IsUpper(char32_t c) {
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return true;
  if (c >= 0x100 && c <= 0x17F) return c % 2 == 0 && c != 0x138;  // Latin Extended-A pairs
  if (c >= 0x391 && c <= 0x3A9) return true;                      // Greek
  if (c >= 0x400 && c <= 0x42F) return true;                      // Cyrillic
  return false;
}

bool IsLetterOrDigit(char32_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  if (c < 0xC0) return false;
  if (c == 0xD7 || c == 0xF7) return false;
  if (c >= 0x2000 && c <= 0x206F) return false;  // general punctuation
  return true;
}

bool IsApostrophe(char32_t c) { return c == '\'' || c == 0x2019; }

struct Word {
  std::size_t begin = 0;
  std::size_t end = 0;  // exclusive, without a possessive
  std::string folded;   // without a trailing period
  bool capitalised = false;
  bool all_capitals = false;  // two or more letters, all capitals
  bool possessive = false;    // followed by 's or '
  bool initial = false;       // one capital letter, with or without a period
  // Only spaces separate this word from the next one.
  bool joined_to_next = false;
};

std::vector<Word> Words(std::string_view text) {
  std::vector<Word> words;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    auto c = text::DecodeUtf8(text, i);
    if (!c || !IsLetterOrDigit(*c)) continue;
    Word w;
    w.begin = start;
    w.capitalised = IsUpper(*c);
    int letters = 1, capitals = w.capitalised ? 1 : 0;
    std::size_t end = i;
    // Letters, digits, and apostrophes or hyphens between letters.
    while (i < text.size()) {
      std::size_t next = i;
      auto d = text::DecodeUtf8(text, next);
      if (d && IsLetterOrDigit(*d)) {
        ++letters;
        if (IsUpper(*d)) ++capitals;
        i = next;
        end = i;
        continue;
      }
      if (d && (IsApostrophe(*d) || *d == '-') && next < text.size()) {
        std::size_t after = next;
        auto e = text::DecodeUtf8(text, after);
        if (e && IsLetterOrDigit(*e)) {
          // A possessive ends the word: "Rutte's".
          if (IsApostrophe(*d) && (*e == 's' || *e == 'S')) {
            std::size_t beyond = after;
            std::optional<char32_t> f;
            if (beyond < text.size()) f = text::DecodeUtf8(text, beyond);
            if (!f || !IsLetterOrDigit(*f)) {
              w.possessive = true;
              i = beyond;
              break;
            }
          }
          i = next;
          continue;
        }
      }
      break;
    }
    w.end = end;
    w.folded = text::Fold(text.substr(w.begin, w.end - w.begin));
    w.all_capitals = letters >= 2 && capitals == letters;
    w.initial = letters == 1 && w.capitalised;
    // A period after an initial or a title belongs to it ("J.", "Mr.").
    if (!w.possessive && i < text.size() && text[i] == '.' &&
        (w.initial || Titles().count(w.folded))) {
      ++i;
      w.end = i;
    }
    if (!w.possessive && i < text.size() && IsApostrophe(static_cast<unsigned char>(text[i]))) {
      w.possessive = true;  // "Jones'"
    }
    // What separates it from the next word: only spaces keeps a name going.
    std::size_t j = i;
    bool only_spaces = true;
    while (j < text.size()) {
      std::size_t next = j;
      auto d = text::DecodeUtf8(text, next);
      if (d && IsLetterOrDigit(*d)) break;
      if (!d || (*d != ' ' && *d != '\t' && *d != '\n')) only_spaces = false;
      j = next;
    }
    w.joined_to_next = only_spaces && !w.possessive && j < text.size();
    words.push_back(std::move(w));
  }
  return words;
}

PositionHint HintAfter(std::string_view text, std::size_t pos) {
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  if (pos >= text.size() || text[pos] != '(') return PositionHint::kNone;
  const std::size_t close = text.find(')', pos);
  if (close == std::string_view::npos || close - pos > 10) return PositionHint::kNone;
  const std::string inside = text::Fold(text.substr(pos + 1, close - pos - 1));
  if (inside == "l" || inside == "left") return PositionHint::kLeft;
  if (inside == "r" || inside == "right") return PositionHint::kRight;
  if (inside == "c" || inside == "center" || inside == "centre") return PositionHint::kCenter;
  return PositionHint::kNone;
}

std::string Key(const std::vector<const Word*>& words) {
  std::string key;
  for (const Word* w : words) {
    if (!key.empty()) key += ' ';
    std::string folded = w->folded;
    if (!folded.empty() && folded.back() == '.') folded.pop_back();
    key += folded;
  }
  return key;
}

}  // namespace

const char* PositionHintName(PositionHint hint) {
  static constexpr EnumText<PositionHint> kText[] = {{PositionHint::kNone, "none"},
                                                     {PositionHint::kLeft, "left"},
                                                     {PositionHint::kRight, "right"},
                                                     {PositionHint::kCenter, "center"}};
  return ToText(kText, hint);
}

std::vector<NameOccurrence> ExtractNames(std::string_view caption,
                                         const captions::MentionFinder* listed) {
  std::vector<NameOccurrence> names;
  const std::vector<Word> words = Words(caption);
  std::vector<std::pair<std::size_t, std::size_t>> listed_spans;
  if (listed) {
    for (const auto& m : listed->Find(caption)) listed_spans.emplace_back(m.begin, m.end);
  }
  auto bare = [](const Word& w) {
    std::string f = w.folded;
    if (!f.empty() && f.back() == '.') f.pop_back();
    return f;
  };
  // A word that may stand in a name: capitalised (long all-capital words are
  // acronyms: "NATO"), or a particle between such words.
  auto name_word = [&](const Word& w) {
    return w.capitalised && !(w.all_capitals && w.end - w.begin > 2 && !w.initial);
  };
  std::size_t i = 0;
  while (i < words.size()) {
    if (!name_word(words[i])) {
      ++i;
      continue;
    }
    // The run: name words joined by spaces, particles inside.
    std::size_t j = i;
    while (j + 1 < words.size() && words[j].joined_to_next) {
      const Word& next = words[j + 1];
      if (name_word(next)) {
        ++j;
        continue;
      }
      // Particles ("von der") count when a name word follows them.
      std::size_t k = j + 1;
      while (k < words.size() && Particles().count(words[k].folded) && words[k].joined_to_next) {
        ++k;
      }
      if (k > j + 1 && k < words.size() && name_word(words[k])) {
        j = k;
        continue;
      }
      break;
    }
    const std::size_t run_begin = i, run_end = j + 1;
    i = run_end;
    // A place: "in New York".
    if (run_begin > 0 && words[run_begin - 1].joined_to_next &&
        PlacePrepositions().count(words[run_begin - 1].folded)) {
      continue;
    }
    std::size_t first = run_begin, last = run_end;  // [first, last)
    bool titled = false;
    while (first < last &&
           (Titles().count(bare(words[first])) || CommonWords().count(bare(words[first])))) {
      titled = titled || Titles().count(bare(words[first])) > 0;
      ++first;
    }
    // The title must stand right before the name ("Coach" in "Coach Smith").
    if (first > run_begin && !Titles().count(bare(words[first - 1]))) titled = false;
    while (last > first &&
           (CommonWords().count(bare(words[last - 1])) || Titles().count(bare(words[last - 1])) ||
            Particles().count(words[last - 1].folded))) {
      --last;
    }
    // A possessive ends the name inside the run.
    for (std::size_t k = first; k < last; ++k) {
      if (words[k].possessive) {
        last = k + 1;
        break;
      }
    }
    if (first >= last) continue;
    std::vector<const Word*> parts;
    int full_words = 0;
    for (std::size_t k = first; k < last; ++k) {
      parts.push_back(&words[k]);
      if (!words[k].initial && !Particles().count(words[k].folded)) ++full_words;
    }
    if (full_words == 0) continue;
    if (parts.size() < 2 && !titled) continue;
    NameOccurrence occurrence;
    occurrence.begin = parts.front()->begin;
    occurrence.end = parts.back()->end;
    if (caption[occurrence.end - 1] == '.' && !parts.back()->initial) --occurrence.end;
    bool overlaps_listed = false;
    for (const auto& [b, e] : listed_spans) {
      if (b < occurrence.end && occurrence.begin < e) overlaps_listed = true;
    }
    if (overlaps_listed) continue;
    occurrence.name =
        std::string(caption.substr(occurrence.begin, occurrence.end - occurrence.begin));
    occurrence.key = Key(parts);
    std::size_t after = parts.back()->end;
    if (parts.back()->possessive) after = caption.size();  // no hint after "Smith's"
    occurrence.hint = HintAfter(caption, after);
    names.push_back(std::move(occurrence));
  }
  return names;
}

void NameIndex::Add(PhotoId photo, std::string_view caption) {
  auto old = names_.find(photo);
  if (old != names_.end()) {
    std::set<std::string> keys;
    for (const auto& n : old->second) keys.insert(n.key);
    for (const auto& key : keys) --photos_naming_[key];
    names_.erase(old);
  }
  std::vector<NameOccurrence> found = ExtractNames(caption, listed_);
  if (found.empty()) return;
  std::set<std::string> keys;
  for (const auto& n : found) keys.insert(n.key);
  for (const auto& key : keys) ++photos_naming_[key];
  names_.emplace(photo, std::move(found));
}

const std::vector<NameOccurrence>& NameIndex::NamesOf(PhotoId photo) const {
  static const std::vector<NameOccurrence> kNone;
  auto it = names_.find(photo);
  return it == names_.end() ? kNone : it->second;
}

int NameIndex::PhotosNaming(const std::string& key) const {
  auto it = photos_naming_.find(key);
  return it == photos_naming_.end() ? 0 : it->second;
}

std::vector<NameSuggestion> SuggestNames(const std::vector<NamingPhoto>& photos,
                                         const NameIndex& index, std::size_t limit) {
  struct Tally {
    double weighted = 0;
    int photos = 0;
    std::map<std::string, int> spellings;
    std::vector<NameEvidence> evidence;
  };
  std::map<std::string, Tally> tallies;
  std::set<PhotoId> seen;
  int cluster_photos = 0;
  for (const NamingPhoto& photo : photos) {
    if (!seen.insert(photo.photo).second) continue;
    ++cluster_photos;
    // Per name, the best-fitting occurrence in this photo counts.
    std::map<std::string, double> weight_here;
    for (const NameOccurrence& n : index.NamesOf(photo.photo)) {
      double weight = 1;
      if (n.hint != PositionHint::kNone && photo.position != PositionHint::kNone &&
          n.hint != photo.position) {
        weight = 0.25;  // "(L)" on a face that is not the leftmost
      }
      Tally& t = tallies[n.key];
      ++t.spellings[n.name];
      t.evidence.push_back({photo.photo, n.begin, n.end, n.name, n.hint});
      auto [it, added] = weight_here.emplace(n.key, weight);
      if (!added) it->second = std::max(it->second, weight);
    }
    for (const auto& [key, weight] : weight_here) {
      tallies[key].weighted += weight;
      ++tallies[key].photos;
    }
  }
  std::vector<NameSuggestion> out;
  if (cluster_photos == 0) return out;
  for (auto& [key, t] : tallies) {
    NameSuggestion s;
    s.name =
        std::max_element(t.spellings.begin(), t.spellings.end(), [](const auto& a, const auto& b) {
          return a.second < b.second;
        })->first;
    s.cluster_photos = t.photos;
    s.archive_photos = std::max(index.PhotosNaming(key), t.photos);
    s.score = (t.weighted / cluster_photos) *
              (static_cast<double>(t.photos) / static_cast<double>(s.archive_photos));
    s.evidence = std::move(t.evidence);
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const NameSuggestion& a, const NameSuggestion& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.cluster_photos != b.cluster_photos) return a.cluster_photos > b.cluster_photos;
    return a.name < b.name;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace facetag::discovery
