#include "facetag/decision.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

namespace facetag {
namespace {

constexpr PersonId kObama = 1;
constexpr PersonId kBiden = 2;
constexpr PersonId kHarris = 3;

NamingRule Rule() {
  NamingRule rule;
  rule.list_threshold = 0.55f;
  rule.mention_floor = 0.45f;
  rule.margin = 0.05f;
  rule.quality_floor = 0.5f;
  return rule;
}

FaceEvidence Face(std::vector<Candidate> candidates, float quality = 0.9f) {
  FaceEvidence face;
  face.candidates = std::move(candidates);
  face.quality.score = quality;
  return face;
}

Decision DecideOne(const FaceEvidence& face, const std::vector<PersonId>& mentioned = {}) {
  return DecidePhoto({face}, mentioned, Rule()).at(0);
}

// --- the naming rule ---------------------------------------------------------

TEST(DecidePhoto, BestPersonAboveThresholdAndMarginIsNamed) {
  const Decision d = DecideOne(Face({{kObama, 0.70f}, {kBiden, 0.30f}}));
  EXPECT_EQ(d.decision, FaceDecision::kRecognized);
  EXPECT_EQ(d.status, TagStatus::kAutomatic);
  EXPECT_EQ(d.person, kObama);
  EXPECT_FLOAT_EQ(*d.similarity, 0.70f);
  EXPECT_FLOAT_EQ(d.threshold, 0.55f);
  EXPECT_FALSE(d.by_mention);
  EXPECT_EQ(d.best->person, kObama);
  EXPECT_EQ(d.second->person, kBiden);
}

TEST(DecidePhoto, BelowTheThresholdIsUnknownWithTheBestCandidateReported) {
  const Decision d = DecideOne(Face({{kObama, 0.54f}, {kBiden, 0.10f}}));
  EXPECT_EQ(d.decision, FaceDecision::kUnknown);
  EXPECT_FALSE(d.person);
  EXPECT_EQ(d.best->person, kObama);
  EXPECT_FLOAT_EQ(*d.similarity, 0.54f);
}

TEST(DecidePhoto, ExactlyTheThresholdAndExactlyTheMarginName) {
  const Decision d = DecideOne(Face({{kObama, 0.55f}, {kBiden, 0.50f}}));
  EXPECT_EQ(d.decision, FaceDecision::kRecognized);
}

TEST(DecidePhoto, RunnerUpTooCloseIsAmbiguous) {
  const Decision d = DecideOne(Face({{kObama, 0.70f}, {kBiden, 0.67f}}));
  EXPECT_EQ(d.decision, FaceDecision::kAmbiguous);
  EXPECT_FALSE(d.person);
}

TEST(DecidePhoto, NoCandidateIsUnknown) {
  const Decision d = DecideOne(Face({}));
  EXPECT_EQ(d.decision, FaceDecision::kUnknown);
  EXPECT_FALSE(d.best);
  EXPECT_FALSE(d.similarity);
}

TEST(DecidePhoto, SingleCandidateHasNoRunnerUp) {
  EXPECT_EQ(DecideOne(Face({{kObama, 0.60f}})).decision, FaceDecision::kRecognized);
}

TEST(DecidePhoto, APersonListedTwiceCountsWithTheHigherSimilarity) {
  const Decision d = DecideOne(Face({{kBiden, 0.30f}, {kObama, 0.60f}, {kObama, 0.20f}}));
  EXPECT_EQ(d.person, kObama);
  EXPECT_FLOAT_EQ(*d.similarity, 0.60f);
  EXPECT_EQ(d.second->person, kBiden);
}

TEST(DecidePhoto, NaNNeverClearsAThreshold) {
  const Decision d = DecideOne(Face({{kObama, NAN}}));
  EXPECT_EQ(d.decision, FaceDecision::kUnknown);
  EXPECT_FALSE(d.similarity);
}

TEST(DecidePhoto, EqualSimilaritiesAreOrderedByPersonNotByInput) {
  const Decision a = DecideOne(Face({{kBiden, 0.7f}, {kObama, 0.7f}}));
  const Decision b = DecideOne(Face({{kObama, 0.7f}, {kBiden, 0.7f}}));
  EXPECT_EQ(a.best->person, kObama);
  EXPECT_EQ(b.best->person, kObama);
  EXPECT_EQ(a.decision, FaceDecision::kAmbiguous);
}

// --- caption relief -----------------------------------------------------------

TEST(DecidePhoto, AMentionLowersTheThresholdToTheFloor) {
  const FaceEvidence face = Face({{kObama, 0.50f}, {kBiden, 0.10f}});
  EXPECT_EQ(DecideOne(face).decision, FaceDecision::kUnknown);
  const Decision d = DecideOne(face, {kObama});
  EXPECT_EQ(d.decision, FaceDecision::kRecognized);
  EXPECT_TRUE(d.by_mention);
  EXPECT_FLOAT_EQ(d.threshold, 0.45f);
}

TEST(DecidePhoto, AMentionNeverGoesBelowTheFloor) {
  EXPECT_EQ(DecideOne(Face({{kObama, 0.44f}}), {kObama}).decision, FaceDecision::kUnknown);
}

TEST(DecidePhoto, AMentionNeverReordersCandidates) {
  // Biden is mentioned, but Obama is the better match: Biden is not named
  // in his place, and Obama, below the list threshold, is not named either.
  const Decision d = DecideOne(Face({{kObama, 0.52f}, {kBiden, 0.40f}}), {kBiden});
  EXPECT_EQ(d.decision, FaceDecision::kUnknown);
}

TEST(DecidePhoto, AMentionDoesNotRelaxTheMargin) {
  EXPECT_EQ(DecideOne(Face({{kObama, 0.50f}, {kBiden, 0.48f}}), {kObama}).decision,
            FaceDecision::kAmbiguous);
}

TEST(MentionedThreshold, NeverRaisesAndHonoursTheRelief) {
  EXPECT_FLOAT_EQ(MentionedThreshold(0.55f, 0.45f), 0.45f);
  EXPECT_FLOAT_EQ(MentionedThreshold(0.55f, 0.45f, 0.05f), 0.50f);
  EXPECT_FLOAT_EQ(MentionedThreshold(0.40f, 0.45f), 0.40f);  // short list: stays
  EXPECT_FLOAT_EQ(MentionedThreshold(0.55f, 0.45f, -1.0f), 0.55f);
  EXPECT_FLOAT_EQ(MentionedThreshold(0.55f, NAN), 0.55f);
}

// --- quality and opt-out ------------------------------------------------------

TEST(DecidePhoto, NonFaceBelowTheQualityFloorIsNeverNamedEvenFarAboveTheThreshold) {
  // The jacket-and-hand detection enrolled by mistake named strangers at
  // similarities up to 0.77: below the quality floor nothing is named.
  FaceEvidence jacket = Face({{kObama, 0.77f}}, 0.10f);
  jacket.quality.issue = QualityIssue::kNotAFace;
  const Decision d = DecideOne(jacket);
  EXPECT_EQ(d.decision, FaceDecision::kLowQuality);
  EXPECT_EQ(d.quality_issue, QualityIssue::kNotAFace);
  EXPECT_FALSE(d.person);
  EXPECT_EQ(d.best->person, kObama);  // reported, not named
}

TEST(DecidePhoto, ALowQualityFaceDoesNotTakeThePersonFromAGoodOne) {
  const auto d = DecidePhoto({Face({{kObama, 0.90f}}, 0.1f), Face({{kObama, 0.60f}})}, {}, Rule());
  EXPECT_EQ(d[0].decision, FaceDecision::kLowQuality);
  EXPECT_EQ(d[1].person, kObama);
}

TEST(DecidePhoto, AnOptedOutFaceNamesNobodyAndKeepsNoCandidate) {
  FaceEvidence face = Face({{kObama, 0.95f}});
  face.suppressed = true;
  const Decision d = DecideOne(face);
  EXPECT_EQ(d.decision, FaceDecision::kSuppressed);
  EXPECT_FALSE(d.person);
  EXPECT_FALSE(d.best);
  EXPECT_FALSE(d.similarity);
}

// --- the editors' word --------------------------------------------------------

TEST(DecidePhoto, AConfirmationStandsWhateverTheMatcherSays) {
  FaceEvidence face = Face({{kObama, 0.80f}}, 0.1f);  // low quality, another best
  face.editors.confirmed = kBiden;
  face.editors.confirmed_similarity = 0.31f;
  const Decision d = DecideOne(face);
  EXPECT_EQ(d.decision, FaceDecision::kRecognized);
  EXPECT_EQ(d.status, TagStatus::kConfirmed);
  EXPECT_EQ(d.person, kBiden);
  EXPECT_FLOAT_EQ(*d.similarity, 0.31f);
}

TEST(DecidePhoto, AConfirmationTakesTheMeasuredSimilarityWhenRanked) {
  FaceEvidence face = Face({{kObama, 0.80f}, {kBiden, 0.42f}});
  face.editors.confirmed = kBiden;
  face.editors.confirmed_similarity = 0.31f;
  EXPECT_FLOAT_EQ(*DecideOne(face).similarity, 0.42f);
}

TEST(DecidePhoto, RematchNeverNamesAPersonConfirmedOnAnotherFaceOfThePhoto) {
  // Issue: an editor confirmed face 1 as Joe Biden; the rematch named face 2
  // Joe Biden as well and the metadata write failed with "appears twice".
  FaceEvidence confirmed = Face({{kObama, 0.81f}, {kBiden, 0.20f}});
  confirmed.editors.confirmed = kBiden;
  const FaceEvidence other = Face({{kBiden, 0.85f}, {kObama, 0.10f}});
  const auto d = DecidePhoto({confirmed, other}, {}, Rule());
  EXPECT_EQ(d[0].person, kBiden);
  EXPECT_EQ(d[0].status, TagStatus::kConfirmed);
  EXPECT_EQ(d[1].decision, FaceDecision::kDuplicate);
  EXPECT_FALSE(d[1].person);
}

TEST(DecidePhoto, ARejectedPersonIsNeverNamedOnThatFace) {
  FaceEvidence face = Face({{kObama, 0.90f}, {kBiden, 0.20f}});
  face.editors.rejected = {kObama};
  const Decision d = DecideOne(face);
  EXPECT_EQ(d.decision, FaceDecision::kUnknown);
  EXPECT_EQ(d.status, TagStatus::kRejected);
  EXPECT_FALSE(d.person);
}

TEST(DecidePhoto, TheRunnerUpIsNotNamedInPlaceOfARejectedBest) {
  FaceEvidence face = Face({{kObama, 0.90f}, {kBiden, 0.80f}, {kHarris, 0.1f}});
  face.editors.rejected = {kObama};
  EXPECT_FALSE(DecideOne(face).person);
}

TEST(DecidePhoto, AFaceRejectedForOnePersonIsNamedForAClearlyBetterOne) {
  FaceEvidence face = Face({{kBiden, 0.90f}, {kObama, 0.40f}});
  face.editors.rejected = {kObama};
  const Decision d = DecideOne(face);
  EXPECT_EQ(d.person, kBiden);
  EXPECT_EQ(d.status, TagStatus::kAutomatic);
}

TEST(DecidePhoto, ARejectionKeepsItsStatusOnAnyUnnamedFace) {
  FaceEvidence face = Face({{kBiden, 0.20f}});
  face.editors.rejected = {kObama};
  EXPECT_EQ(DecideOne(face).status, TagStatus::kRejected);
}

// --- one face per person -------------------------------------------------------

TEST(DecidePhoto, OneFacePerPersonTheSurestKeepsTheName) {
  const auto d = DecidePhoto(
      {Face({{kObama, 0.60f}}), Face({{kObama, 0.75f}}), Face({{kObama, 0.65f}})}, {}, Rule());
  EXPECT_EQ(d[0].decision, FaceDecision::kDuplicate);
  EXPECT_EQ(d[1].person, kObama);
  EXPECT_EQ(d[2].decision, FaceDecision::kDuplicate);
  EXPECT_FALSE(d[0].person);
  EXPECT_FALSE(d[2].person);
}

TEST(DecidePhoto, OnATieTheFirstFaceKeepsTheName) {
  const auto d = DecidePhoto({Face({{kObama, 0.7f}}), Face({{kObama, 0.7f}})}, {}, Rule());
  EXPECT_EQ(d[0].person, kObama);
  EXPECT_EQ(d[1].decision, FaceDecision::kDuplicate);
}

TEST(DecidePhoto, ADuplicateIsNotGivenItsSecondChoice) {
  const auto d = DecidePhoto(
      {Face({{kObama, 0.9f}, {kBiden, 0.1f}}), Face({{kObama, 0.8f}, {kBiden, 0.7f}})}, {},
      Rule());
  EXPECT_EQ(d[1].decision, FaceDecision::kDuplicate);
  EXPECT_FALSE(d[1].person);
}

TEST(DecidePhoto, TwoConfirmationsOfOnePersonKeepTheFirst) {
  FaceEvidence a = Face({});
  a.editors.confirmed = kObama;
  FaceEvidence b = Face({});
  b.editors.confirmed = kObama;
  const auto d = DecidePhoto({a, b}, {}, Rule());
  EXPECT_EQ(d[0].person, kObama);
  EXPECT_EQ(d[1].decision, FaceDecision::kDuplicate);
  EXPECT_EQ(d[1].status, TagStatus::kAutomatic);
}

TEST(DecidePhoto, NoPersonEverNamesTwoFacesOfAPhoto) {
  // Every combination of three faces, three persons, editors' word and
  // mentions: the invariant holds.
  const float sims[] = {0.2f, 0.5f, 0.6f, 0.9f};
  int checked = 0;
  for (int seed = 0; seed < 4096; ++seed) {
    std::vector<FaceEvidence> faces;
    int s = seed;
    for (int f = 0; f < 3; ++f) {
      FaceEvidence face = Face({{kObama, sims[s % 4]}, {kBiden, sims[(s / 4) % 4]}});
      if ((s / 16) % 3 == 1) face.editors.confirmed = kBiden;
      if ((s / 16) % 3 == 2) face.editors.rejected = {kObama};
      s = s * 7 + 3;
      faces.push_back(face);
    }
    const auto d =
        DecidePhoto(faces, seed % 2 ? std::vector<PersonId>{kObama} : std::vector<PersonId>{}, Rule());
    std::set<PersonId> named;
    for (const Decision& x : d) {
      if (!x.person) continue;
      EXPECT_TRUE(named.insert(*x.person).second) << "seed " << seed;
      EXPECT_EQ(x.decision, FaceDecision::kRecognized);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 4096);
}

// --- the same face found again -------------------------------------------------

TEST(PairFaces, BestOverlapsPairFirstEachBoxOnce) {
  const std::vector<FaceBox> old_boxes = {{0, 0, 100, 100}, {200, 0, 100, 100}};
  const std::vector<FaceBox> new_boxes = {{205, 0, 100, 100}, {10, 0, 100, 100}, {2, 0, 100, 100},
                                          {500, 500, 50, 50}};
  const auto pairs = PairFaces(old_boxes, new_boxes);
  ASSERT_EQ(pairs.size(), 4u);
  EXPECT_EQ(pairs[0], 1u);
  EXPECT_FALSE(pairs[1]);  // overlaps the first box less than the third does
  EXPECT_EQ(pairs[2], 0u);
  EXPECT_FALSE(pairs[3]);
}

TEST(PairFaces, BelowHalfOverlapIsAnotherFace) {
  EXPECT_FALSE(PairFaces({{0, 0, 100, 100}}, {{60, 0, 100, 100}})[0]);
}

// --- pictured or mentioned ------------------------------------------------------

TEST(Reconcile, SortsPersonsIntoTheThreePresences) {
  const auto decisions = DecidePhoto(
      {Face({{kObama, 0.9f}}), Face({{kHarris, 0.9f}}), Face({{kBiden, 0.1f}})}, {}, Rule());
  const auto persons = Reconcile(decisions, {kBiden, kObama, kBiden});
  ASSERT_EQ(persons.size(), 3u);
  EXPECT_EQ(persons[0].person, kObama);
  EXPECT_EQ(persons[0].presence, Presence::kPicturedAndMentioned);
  EXPECT_EQ(persons[0].face, 0u);
  EXPECT_EQ(persons[1].person, kHarris);
  EXPECT_EQ(persons[1].presence, Presence::kPicturedNotMentioned);
  EXPECT_EQ(persons[1].face, 1u);
  EXPECT_EQ(persons[2].person, kBiden);
  EXPECT_EQ(persons[2].presence, Presence::kMentionedNotPictured);
  EXPECT_FALSE(persons[2].face);
}

// --- enrolment ------------------------------------------------------------------

EnrolmentRule EnrolRule(bool force = false) {
  EnrolmentRule rule;
  rule.quality_floor = 0.6f;
  rule.resemblance_floor = 0.25f;
  rule.list_threshold = 0.55f;
  rule.force = force;
  return rule;
}

// A face well above the enrolment floor, with nothing else known of it.
EnrolmentEvidence UsableFace() {
  EnrolmentEvidence e;
  e.quality.score = 0.9f;
  return e;
}

TEST(CheckEnrolment, AGoodFirstFaceIsAccepted) {
  EnrolmentEvidence e = UsableFace();
  EXPECT_EQ(CheckEnrolment(e, EnrolRule()).verdict, EnrolmentVerdict::kAccepted);
}

TEST(CheckEnrolment, ANonFaceCannotBeEnrolledEvenByForce) {
  EnrolmentEvidence e;
  e.quality = {0.2f, QualityIssue::kNotAFace};
  EXPECT_EQ(CheckEnrolment(e, EnrolRule(/*force=*/true)).verdict, EnrolmentVerdict::kLowQuality);
}

TEST(CheckEnrolment, AnOptedOutFaceCannotBeEnrolledUnderAnyName) {
  EnrolmentEvidence e = UsableFace();
  e.suppressed = true;
  EXPECT_EQ(CheckEnrolment(e, EnrolRule(/*force=*/true)).verdict, EnrolmentVerdict::kSuppressed);
}

TEST(CheckEnrolment, TheSameFaceTwiceIsRefusedEvenByForce) {
  EnrolmentEvidence e = UsableFace();
  e.already_a_profile = true;
  EXPECT_EQ(CheckEnrolment(e, EnrolRule(/*force=*/true)).verdict,
            EnrolmentVerdict::kAlreadyProfile);
}

TEST(CheckEnrolment, AFaceUnlikeThePersonsProfilesIsRefusedUnlessForced) {
  EnrolmentEvidence e = UsableFace();
  e.resemblance = 0.10f;
  EXPECT_EQ(CheckEnrolment(e, EnrolRule()).verdict, EnrolmentVerdict::kUnlike);
  EXPECT_EQ(CheckEnrolment(e, EnrolRule(/*force=*/true)).verdict, EnrolmentVerdict::kAccepted);
}

TEST(CheckEnrolment, AFaceTheListWouldNameAsSomebodyElseIsRefused) {
  EnrolmentEvidence e = UsableFace();
  e.resemblance = 0.40f;
  e.others = {{kBiden, 0.60f}, {kHarris, 0.70f}};
  const EnrolmentCheck check = CheckEnrolment(e, EnrolRule());
  EXPECT_EQ(check.verdict, EnrolmentVerdict::kLooksLikeOther);
  EXPECT_EQ(check.other->person, kHarris);
  e.resemblance = 0.75f;  // more like the person's own profiles
  EXPECT_EQ(CheckEnrolment(e, EnrolRule()).verdict, EnrolmentVerdict::kAccepted);
}

// --- listing --------------------------------------------------------------------

TEST(CheckListing, AllThreeCriteriaAndAJustificationAreRequired) {
  EXPECT_TRUE(CheckListing({true, true, true}, "President of the United States"));
  auto missing = CheckListing({true, false, true}, "President");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kRejected);
  auto none = CheckListing({}, "");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);  // the justification first
  auto unjustified = CheckListing({true, true, true}, " \t ");
  ASSERT_FALSE(unjustified);
  EXPECT_EQ(unjustified.error().code, ErrorCode::kInvalidArgument);
}

TEST(CheckPersonName, RefusesEmptyControlLongAndLetterlessNames) {
  EXPECT_TRUE(CheckPersonName("Lech Wałęsa"));
  EXPECT_TRUE(CheckPersonName("习近平"));
  for (const std::string& bad : {std::string(""), std::string("   "), std::string("Joe\x1b[31m"),
                                std::string("a\0b", 3), std::string("--"),
                                std::string(201, 'x'), std::string("\xff\xfe")}) {
    auto checked = CheckPersonName(bad);
    ASSERT_FALSE(checked) << bad;
    EXPECT_EQ(checked.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(CheckPersonName(std::string(200, 'x')));
}

TEST(CheckAliases, AtMostFiftyEachAValidName) {
  EXPECT_TRUE(CheckAliases(std::vector<std::string>(50, "Biden")));
  EXPECT_FALSE(CheckAliases(std::vector<std::string>(51, "Biden")));
  auto bad = CheckAliases({"Biden", ""});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("alias"), std::string::npos);
}

}  // namespace
}  // namespace facetag
