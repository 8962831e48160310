#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "captions/caption_text.h"
#include "facetag/captions.h"

namespace facetag::captions {
namespace {

enum : PersonId {
  kRutte = 1,
  kJoeBiden,
  kJillBiden,
  kObama,
  kMuller,
  kZelenskyy,
  kMiranda,
  kVonDerLeyen,
  kMacron,
  kMerkel,
  kHarris,
  kLopezObrador,
  kKing,
  kKingCharles,
  kOConnor,
  kOcasioCortez,
  kMadonna,
  kXi,
  kMay,
  kLula,
  kGiscard,
  kOrban,
};

const std::vector<ListedName>& List() {
  static const std::vector<ListedName> kList = {
      {kRutte, "Mark Rutte", {}},
      {kJoeBiden, "Joe Biden", {}},
      {kJillBiden, "Jill Biden", {}},
      {kObama, "Barack Obama", {}},
      {kMuller, "Thomas Müller", {}},
      {kZelenskyy, "Volodymyr Zelenskyy", {"Zelensky", "Volodymyr Zelensky", "Зеленський"}},
      {kMiranda, "Lin-Manuel Miranda", {}},
      {kVonDerLeyen, "Ursula von der Leyen", {}},
      {kMacron, "Emmanuel Macron", {}},
      {kMerkel, "Angela Merkel", {}},
      {kHarris, "Kamala Harris", {}},
      {kLopezObrador, "Andrés Manuel López Obrador", {"AMLO"}},
      {kKing, "Martin Luther King Jr.", {}},
      {kKingCharles, "King Charles III", {}},
      {kOConnor, "Sinéad O'Connor", {}},
      {kOcasioCortez, "Alexandria Ocasio-Cortez", {"AOC"}},
      {kMadonna, "Madonna", {}},
      {kXi, "Xi Jinping", {"习近平", "Xi"}},
      {kMay, "Theresa May", {}},
      {kLula, "Luiz Inácio Lula da Silva", {"Lula"}},
      {kGiscard, "Valéry Giscard d'Estaing", {}},
      {kOrban, "Viktor Orbán", {}},
  };
  return kList;
}

const MentionFinder& Finder() {
  static const MentionFinder kFinder(List());
  return kFinder;
}

// A mention as a test states it: who, which words, how.
struct Expected {
  PersonId person;
  std::string text;
  MentionKind kind;
};

// Runs the finder and checks the invariants every mention must keep: the
// text is the caption's bytes in the span, spans are ordered and disjoint.
std::vector<Mention> Find(const std::string& caption) {
  std::vector<Mention> found = Finder().Find(caption);
  std::size_t previous_end = 0;
  for (const Mention& m : found) {
    EXPECT_LE(previous_end, m.begin) << caption;
    EXPECT_LT(m.begin, m.end) << caption;
    EXPECT_LE(m.end, caption.size()) << caption;
    EXPECT_EQ(m.text, caption.substr(m.begin, m.end - m.begin)) << caption;
    previous_end = m.end;
  }
  return found;
}

void ExpectMentions(const std::string& caption, const std::vector<Expected>& expected) {
  const std::vector<Mention> found = Find(caption);
  ASSERT_EQ(found.size(), expected.size()) << caption;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(found[i].person, expected[i].person) << caption << " #" << i;
    EXPECT_EQ(found[i].text, expected[i].text) << caption << " #" << i;
    EXPECT_EQ(found[i].kind, expected[i].kind) << caption << " #" << i;
  }
}

void ExpectNone(const std::string& caption) {
  const std::vector<Mention> found = Find(caption);
  EXPECT_TRUE(found.empty()) << caption << ": found " << (found.empty() ? "" : found[0].text);
}

constexpr MentionKind kFull = MentionKind::kFullName;
constexpr MentionKind kAlias = MentionKind::kAlias;
constexpr MentionKind kSurname = MentionKind::kSurname;

TEST(MentionFinder, FullNameWithExactSpan) {
  const std::string caption = "Dutch Prime Minister Mark Rutte speaks in The Hague.";
  const std::vector<Mention> found = Find(caption);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].person, kRutte);
  EXPECT_EQ(found[0].begin, 21u);
  EXPECT_EQ(found[0].end, 31u);
  EXPECT_EQ(found[0].text, "Mark Rutte");
  EXPECT_EQ(found[0].kind, kFull);
}

TEST(MentionFinder, SurnameAfterTitlesAndRoles) {
  ExpectMentions("Prime Minister Rutte arrives.", {{kRutte, "Rutte", kSurname}});
  ExpectMentions("Mr. Rutte arrives.", {{kRutte, "Rutte", kSurname}});
  ExpectMentions("Mr Rutte arrives.", {{kRutte, "Rutte", kSurname}});
  ExpectMentions("President Obama waves.", {{kObama, "Obama", kSurname}});
  ExpectMentions("German Chancellor Merkel and Frau Merkel.",
                 {{kMerkel, "Merkel", kSurname}, {kMerkel, "Merkel", kSurname}});
  ExpectMentions("NATO chief Rutte speaks.", {{kRutte, "Rutte", kSurname}});
  ExpectMentions("Germany's Merkel and France's Macron.",
                 {{kMerkel, "Merkel", kSurname}, {kMacron, "Macron", kSurname}});
  // French "M." is Monsieur, not an initial of Emmanuel.
  ExpectMentions("M. Macron est arrivé.", {{kMacron, "Macron", kSurname}});
}

TEST(MentionFinder, NamesAtSentenceStartAndEnd) {
  ExpectMentions("Rutte said the talks went well.", {{kRutte, "Rutte", kSurname}});
  ExpectMentions("Reporters wait for Rutte.", {{kRutte, "Rutte", kSurname}});
  ExpectMentions("Mark Rutte", {{kRutte, "Mark Rutte", kFull}});
  ExpectMentions("The talks ended on Monday. Rutte left first.", {{kRutte, "Rutte", kSurname}});
  ExpectMentions("Yesterday Rutte said no.", {{kRutte, "Rutte", kSurname}});
  // A full stop after a word that is not an initial or title ends a sentence.
  ExpectMentions("He thanked Jan. Rutte then spoke.", {{kRutte, "Rutte", kSurname}});
}

TEST(MentionFinder, Possessives) {
  ExpectMentions("Rutte's cabinet resigned.", {{kRutte, "Rutte", kSurname}});
  ExpectMentions("Rutte’s cabinet resigned.", {{kRutte, "Rutte", kSurname}});
  ExpectMentions("Mark Rutte's cabinet resigned.", {{kRutte, "Mark Rutte", kFull}});
  ExpectMentions("Sinéad O'Connor's last album.", {{kOConnor, "Sinéad O'Connor", kFull}});
  ExpectMentions("O’Connor’s voice.", {{kOConnor, "O’Connor", kSurname}});
  ExpectMentions("Madonna's tour.", {{kMadonna, "Madonna", kFull}});
}

TEST(MentionFinder, CaseIsFolded) {
  ExpectMentions("MARK RUTTE ARRIVES", {{kRutte, "MARK RUTTE", kFull}});
  ExpectMentions("RUTTE ARRIVES", {{kRutte, "RUTTE", kSurname}});
  ExpectMentions("mark rutte arrives", {{kRutte, "mark rutte", kFull}});
  ExpectMentions("PRIME MINISTER RUTTE ARRIVES", {{kRutte, "RUTTE", kSurname}});
}

TEST(MentionFinder, LoneLowercaseSurnameIsAWord) {
  ExpectNone("the rutte was empty");
  ExpectNone("They may come back.");
  ExpectNone("madonna statues in a church");
  ExpectMentions("Theresa May and Mrs May.",
                 {{kMay, "Theresa May", kFull}, {kMay, "May", kSurname}});
}

TEST(MentionFinder, SurnameThatIsAMonthNeedsATitle) {
  ExpectNone("Photo taken in May 2019.");
  ExpectMentions("In May, Theresa May spoke.", {{kMay, "Theresa May", kFull}});
  ExpectMentions("Prime Minister May spoke.", {{kMay, "May", kSurname}});
}

TEST(MentionFinder, CapitalisedWordAfterASurnameMakesItAGivenName) {
  ExpectNone("Harris Dickinson arrives at the premiere.");
  ExpectMentions("Harris arrives at the premiere.", {{kHarris, "Harris", kSurname}});
  ExpectMentions("HARRIS ARRIVES", {{kHarris, "HARRIS", kSurname}});
  ExpectMentions("Harris Monday", {{kHarris, "Harris", kSurname}});
  ExpectMentions("Obama's White House", {{kObama, "Obama", kSurname}});
  // Hungarian order: the person's own given name after the surname.
  ExpectMentions("Orbán Viktor szerint", {{kOrban, "Orbán", kSurname}});
}

TEST(MentionFinder, DiacriticsAreFolded) {
  ExpectMentions("Thomas Muller scores.", {{kMuller, "Thomas Muller", kFull}});
  ExpectMentions("THOMAS MÜLLER SCORES", {{kMuller, "THOMAS MÜLLER", kFull}});
  ExpectMentions("Müller scores.", {{kMuller, "Müller", kSurname}});
  ExpectMentions("Muller scores.", {{kMuller, "Muller", kSurname}});
  ExpectMentions("Mu\xCC\x88ller scores.", {{kMuller, "Mu\xCC\x88ller", kSurname}});
  ExpectMentions("Andres Manuel Lopez Obrador",
                 {{kLopezObrador, "Andres Manuel Lopez Obrador", kFull}});
  ExpectMentions("Mexico's López Obrador", {{kLopezObrador, "López Obrador", kSurname}});
}

TEST(MentionFinder, AliasesIncludingSpellingVariants) {
  ExpectMentions("President Zelensky visits.", {{kZelenskyy, "Zelensky", kAlias}});
  ExpectMentions("Volodymyr Zelensky visits.", {{kZelenskyy, "Volodymyr Zelensky", kAlias}});
  ExpectMentions("Volodymyr Zelenskyy visits.", {{kZelenskyy, "Volodymyr Zelenskyy", kFull}});
  ExpectMentions("Zelenskyy visits.", {{kZelenskyy, "Zelenskyy", kSurname}});
  ExpectMentions("Президент ЗЕЛЕНСЬКИЙ", {{kZelenskyy, "ЗЕЛЕНСЬКИЙ", kAlias}});
  ExpectMentions("AOC and AMLO", {{kOcasioCortez, "AOC", kAlias}, {kLopezObrador, "AMLO", kAlias}});
  ExpectMentions("Lula said", {{kLula, "Lula", kAlias}});
}

TEST(MentionFinder, NotInsideOtherWords) {
  ExpectNone("Ruttenberg and Obamacare were discussed.");
  ExpectNone("The Merkelism debate.");
  ExpectNone("ARUTTE, Brutte, rutteX");
  ExpectNone("Zelenskyyy");
}

TEST(MentionFinder, DifferentGivenNameMeansDifferentPerson) {
  ExpectNone("Jan Rutte, a farmer, feeds his cows.");
  ExpectNone("JAN RUTTE FEEDS HIS COWS");
  ExpectNone("Hunter Biden leaves court.");
  ExpectNone("J. Rutte, a farmer.");
  ExpectMentions("Jan Rutte and Mark Rutte", {{kRutte, "Mark Rutte", kFull}});
}

TEST(MentionFinder, OwnGivenNamesInitialsAndMiddleNames) {
  ExpectMentions("Barack Hussein Obama took the oath.", {{kObama, "Barack Hussein Obama", kFull}});
  ExpectMentions("Barack H. Obama took the oath.", {{kObama, "Barack H. Obama", kFull}});
  ExpectMentions("M. Rutte signed.", {{kRutte, "M. Rutte", kSurname}});
  ExpectMentions("Lula da Silva won.", {{kLula, "Lula da Silva", kSurname}});
  ExpectMentions("Martin Luther King Jr. spoke.", {{kKing, "Martin Luther King Jr", kFull}});
  ExpectMentions("Martin Luther King spoke.", {{kKing, "Martin Luther King", kFull}});
}

TEST(MentionFinder, SharedSurnameAloneIsAmbiguous) {
  ExpectNone("Biden waves to the crowd.");
  ExpectNone("Dr. Biden waves to the crowd.");
  ExpectNone("J. Biden waves to the crowd.");  // both are J.
}

TEST(MentionFinder, SharedSurnameResolvedByTheFullNameInTheSameCaption) {
  ExpectMentions("Joe Biden arrives in Delaware. Biden waved.",
                 {{kJoeBiden, "Joe Biden", kFull}, {kJoeBiden, "Biden", kSurname}});
  ExpectMentions("First lady Jill Biden visits a school; Dr. Biden read a story.",
                 {{kJillBiden, "Jill Biden", kFull}, {kJillBiden, "Biden", kSurname}});
  ExpectMentions("Joe Biden and Jill Biden arrive. Biden waved.",
                 {{kJoeBiden, "Joe Biden", kFull}, {kJillBiden, "Jill Biden", kFull}});
}

TEST(MentionFinder, HyphenatedNames) {
  ExpectMentions("Lin-Manuel Miranda performs.", {{kMiranda, "Lin-Manuel Miranda", kFull}});
  ExpectMentions("Lin Manuel Miranda performs.", {{kMiranda, "Lin Manuel Miranda", kFull}});
  ExpectMentions("Miranda bows.", {{kMiranda, "Miranda", kSurname}});
  ExpectMentions("Ocasio-Cortez speaks.", {{kOcasioCortez, "Ocasio-Cortez", kSurname}});
  ExpectMentions("the Rutte-led coalition", {{kRutte, "Rutte", kSurname}});
  ExpectMentions("the Merkel-Macron meeting",
                 {{kMerkel, "Merkel", kSurname}, {kMacron, "Macron", kSurname}});
  ExpectNone("Anna Smith-Rutte and Rutte-Jansen");
  ExpectNone("Jean-Mark Rutte");
}

TEST(MentionFinder, PositionMarkersAndPunctuation) {
  ExpectMentions("Mark Rutte (L) and Emmanuel Macron (R) shake hands.",
                 {{kRutte, "Mark Rutte", kFull}, {kMacron, "Emmanuel Macron", kFull}});
  ExpectMentions("Angela Merkel, left, and Macron, right, talk.",
                 {{kMerkel, "Angela Merkel", kFull}, {kMacron, "Macron", kSurname}});
  ExpectMentions("(L) Rutte; (R) \"Macron\"",
                 {{kRutte, "Rutte", kSurname}, {kMacron, "Macron", kSurname}});
  ExpectMentions("Mark\nRutte", {{kRutte, "Mark\nRutte", kFull}});
  // A comma ends a name: "Mark, Rutte" is a surname mention, not the full name.
  ExpectMentions("Mark, Rutte", {{kRutte, "Rutte", kSurname}});
}

TEST(MentionFinder, ParticlesBelongToTheSurname) {
  ExpectMentions("Ursula von der Leyen speaks.", {{kVonDerLeyen, "Ursula von der Leyen", kFull}});
  ExpectMentions("Commission President von der Leyen speaks.",
                 {{kVonDerLeyen, "von der Leyen", kSurname}});
  ExpectMentions("Von der Leyen speaks.", {{kVonDerLeyen, "Von der Leyen", kSurname}});
  ExpectMentions("Valéry Giscard d'Estaing", {{kGiscard, "Valéry Giscard d'Estaing", kFull}});
  ExpectMentions("President Giscard d’Estaing", {{kGiscard, "Giscard d’Estaing", kSurname}});
}

TEST(MentionFinder, RoyalNamesHaveNoSurname) {
  ExpectMentions("King Charles III arrives.", {{kKingCharles, "King Charles III", kFull}});
  ExpectMentions("King Charles arrives.", {{kKingCharles, "King Charles", kFull}});
  ExpectNone("Charles arrives.");
  ExpectMentions("Dr. King spoke.", {{kKing, "King", kSurname}});
}

TEST(MentionFinder, ElisionIsSkipped) {
  ExpectMentions("La visite d'Emmanuel Macron à Berlin.", {{kMacron, "Emmanuel Macron", kFull}});
  ExpectMentions("L'arrivée de Macron.", {{kMacron, "Macron", kSurname}});
}

TEST(MentionFinder, OtherListedSurnameBeforeIsNotAGivenName) {
  ExpectMentions("Obama Merkel talks.",
                 {{kObama, "Obama", kSurname}, {kMerkel, "Merkel", kSurname}});
}

TEST(MentionFinder, MultiByteCharactersBeforeTheName) {
  const std::string caption = "Zürich — Ångström café, 東京: Mark Rutte und Müller.";
  const std::vector<Mention> found = Find(caption);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].begin, caption.find("Mark Rutte"));
  EXPECT_EQ(found[0].end, caption.find("Mark Rutte") + 10);
  EXPECT_EQ(found[1].person, kMuller);
  EXPECT_EQ(found[1].begin, caption.find("Müller"));
  EXPECT_EQ(found[1].end, caption.find("Müller") + 7);  // ü is two bytes
}

TEST(MentionFinder, CjkNamesWithoutSpaces) {
  const std::string caption = "习近平在北京会见马克";
  ExpectMentions(caption, {{kXi, "习近平", kAlias}});
  EXPECT_EQ(Find(caption)[0].end, 9u);
}

TEST(MentionFinder, InvalidUtf8AroundTheName) {
  const std::string caption = "\xFFMark Rutte\xC3";
  const std::vector<Mention> found = Find(caption);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].begin, 1u);
  EXPECT_EQ(found[0].end, 11u);
}

TEST(MentionFinder, ObamaAndBidenOnOnePhoto) {
  ExpectMentions("Barack Obama and Joe Biden wave to supporters in Chicago.",
                 {{kObama, "Barack Obama", kFull}, {kJoeBiden, "Joe Biden", kFull}});
}

TEST(MentionFinder, FreeFunctionAndMentionedPersons) {
  const std::vector<Mention> found = FindMentions("Rutte, Mark Rutte and Macron", List());
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(MentionedPersons(found), (std::vector<PersonId>{kRutte, kMacron}));
  EXPECT_STREQ(MentionKindName(found[0].kind), "surname");
  EXPECT_TRUE(FindMentions("Mark Rutte", {}).empty());
  EXPECT_TRUE(FindMentions("", List()).empty());
}

TEST(MentionFinder, EmptyAndPunctuationOnlyNamesAreIgnored) {
  const std::vector<ListedName> list = {{1, "", {"", "  "}}, {2, "--", {}}, {3, "Mark Rutte", {}}};
  const std::vector<Mention> found = FindMentions("-- Mark Rutte", list);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].person, 3);
}

// The index against a plain reference: for a list of thousands of persons
// with generated names, every full name put in a caption is found, and
// nothing else is, exactly as a scan of every person's folded name over the
// folded caption words finds it.
TEST(MentionFinder, LargeListAgreesWithBruteForceOnFullNames) {
  std::mt19937 rng(42);
  const std::vector<std::string> given = {"Anna", "Jan",  "Ólafur", "Zoë", "Marek",
                                          "Li",   "Ines", "Tomás",  "Eva", "Kai"};
  std::vector<ListedName> list;
  for (PersonId id = 1; id <= 5000; ++id) {
    // Unique surnames: "Surname0001" style but pronounceable and accented.
    std::string surname = "Ñam";
    for (PersonId v = id; v > 0; v /= 26) surname += static_cast<char>('a' + v % 26);
    list.push_back({id, given[id % given.size()] + " " + surname, {}});
  }
  const MentionFinder finder(list);
  std::uniform_int_distribution<std::size_t> pick(0, list.size() - 1);
  for (int round = 0; round < 50; ++round) {
    std::string caption = "Photo:";
    std::set<PersonId> expected;
    for (int k = 0; k < 4; ++k) {
      const ListedName& p = list[pick(rng)];
      caption += " and " + p.name;
      expected.insert(p.person);
    }
    // Reference: each person's folded words as a run of the caption's words.
    std::vector<std::string> words;
    for (const auto& t : detail::Tokenize(caption)) words.push_back(t.key);
    std::set<PersonId> reference;
    for (const ListedName& p : list) {
      std::vector<std::string> name;
      for (const auto& t : detail::Tokenize(p.name)) name.push_back(t.key);
      for (std::size_t i = 0; i + name.size() <= words.size(); ++i) {
        if (std::equal(name.begin(), name.end(), words.begin() + static_cast<std::ptrdiff_t>(i))) {
          reference.insert(p.person);
        }
      }
    }
    std::set<PersonId> found;
    for (const Mention& m : finder.Find(caption)) {
      EXPECT_EQ(m.kind, kFull) << caption;
      found.insert(m.person);
    }
    EXPECT_EQ(reference, expected) << caption;
    EXPECT_EQ(found, reference) << caption;
  }
}

}  // namespace
}  // namespace facetag::captions
