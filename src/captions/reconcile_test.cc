#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "facetag/captions.h"

namespace facetag::captions {
namespace {

constexpr PersonId kObama = 4;
constexpr PersonId kBiden = 2;
constexpr PersonId kMerkel = 10;

TEST(Reconcile, ObamaPicturedBidenOnlyMentionedMerkelOnlyPictured) {
  const std::vector<ListedName> list = {
      {kObama, "Barack Obama", {}}, {kBiden, "Joe Biden", {}}, {kMerkel, "Angela Merkel", {}}};
  const std::vector<Mention> mentions =
      FindMentions("Barack Obama and Joe Biden wave to supporters in Chicago.", list);
  ASSERT_EQ(mentions.size(), 2u);

  // Face 0 is Obama, face 1 is nobody on the list, face 2 is Merkel.
  const std::vector<FaceOutcome> faces = {{kObama, 0.61f}, {std::nullopt, 0}, {kMerkel, 0.55f}};
  const Reconciliation r = Reconcile(faces, mentions);

  ASSERT_EQ(r.persons.size(), 3u);
  const PersonPresence* obama = r.Find(kObama);
  ASSERT_NE(obama, nullptr);
  EXPECT_EQ(obama->presence, Presence::kPicturedAndMentioned);
  EXPECT_EQ(obama->face, std::optional<std::size_t>(0));
  EXPECT_FLOAT_EQ(obama->similarity, 0.61f);
  EXPECT_EQ(obama->mentions, (std::vector<std::size_t>{0}));

  const PersonPresence* biden = r.Find(kBiden);
  ASSERT_NE(biden, nullptr);
  EXPECT_EQ(biden->presence, Presence::kMentionedNotPictured);
  EXPECT_FALSE(biden->face.has_value());
  EXPECT_EQ(biden->mentions, (std::vector<std::size_t>{1}));

  const PersonPresence* merkel = r.Find(kMerkel);
  ASSERT_NE(merkel, nullptr);
  EXPECT_EQ(merkel->presence, Presence::kPicturedNotMentioned);
  EXPECT_EQ(merkel->face, std::optional<std::size_t>(2));
  EXPECT_TRUE(merkel->mentions.empty());

  EXPECT_EQ(r.unknown_faces, (std::vector<std::size_t>{1}));
  // Pictured persons in face order, then the mentioned-only ones.
  EXPECT_EQ(r.persons[0].person, kObama);
  EXPECT_EQ(r.persons[1].person, kMerkel);
  EXPECT_EQ(r.persons[2].person, kBiden);
  EXPECT_STREQ(PresenceName(r.persons[2].presence), "mentioned_not_pictured");
}

TEST(Reconcile, SeveralMentionsOfOnePersonAreCollected) {
  const std::vector<Mention> mentions = {{kBiden, 0, 9, "Joe Biden", MentionKind::kFullName},
                                         {kObama, 14, 19, "Obama", MentionKind::kSurname},
                                         {kBiden, 30, 35, "Biden", MentionKind::kSurname}};
  const Reconciliation r = Reconcile({}, mentions);
  ASSERT_EQ(r.persons.size(), 2u);
  EXPECT_EQ(r.persons[0].person, kBiden);
  EXPECT_EQ(r.persons[0].mentions, (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(r.persons[1].person, kObama);
  EXPECT_TRUE(r.unknown_faces.empty());
}

TEST(Reconcile, NoCaptionMeansPicturedNotMentioned) {
  const Reconciliation r = Reconcile({{std::nullopt, 0}, {kMerkel, 0.7f}}, {});
  ASSERT_EQ(r.persons.size(), 1u);
  EXPECT_EQ(r.persons[0].presence, Presence::kPicturedNotMentioned);
  EXPECT_EQ(r.unknown_faces, (std::vector<std::size_t>{0}));
}

TEST(Reconcile, OnePersonOnTwoFacesKeepsTheSurerFace) {
  const Reconciliation r = Reconcile({{kObama, 0.50f}, {kObama, 0.70f}, {kObama, 0.70f}}, {});
  ASSERT_EQ(r.persons.size(), 1u);
  EXPECT_EQ(r.persons[0].face, std::optional<std::size_t>(1));
  EXPECT_EQ(r.unknown_faces, (std::vector<std::size_t>{0, 2}));
}

TEST(MentionedThreshold, LowersToTheFloorButNeverBelow) {
  EXPECT_FLOAT_EQ(MentionedThreshold(0.52f, 0.35f), 0.35f);
  EXPECT_FLOAT_EQ(MentionedThreshold(0.52f, 0.35f, 0.10f), 0.42f);
  EXPECT_FLOAT_EQ(MentionedThreshold(0.52f, 0.35f, 0.50f), 0.35f);
  EXPECT_FLOAT_EQ(MentionedThreshold(0.40f, 0.35f, 0.0f), 0.40f);
  EXPECT_FLOAT_EQ(MentionedThreshold(0.40f, 0.35f, -1.0f), 0.40f);
  for (float list = -1.0f; list <= 1.0f; list += 0.01f) {
    for (float relief : {0.0f, 0.05f, 0.2f, std::numeric_limits<float>::infinity()}) {
      const float t = MentionedThreshold(list, 0.35f, relief);
      EXPECT_GE(t, std::min(list, 0.35f));
      EXPECT_LE(t, list);
    }
  }
}

TEST(MentionedThreshold, NeverRaisesAShortListsThreshold) {
  EXPECT_FLOAT_EQ(MentionedThreshold(0.30f, 0.35f), 0.30f);
}

TEST(MentionedThreshold, NanLeavesTheListThreshold) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FLOAT_EQ(MentionedThreshold(0.52f, nan), 0.52f);
  EXPECT_FLOAT_EQ(MentionedThreshold(0.52f, 0.35f, nan), 0.52f);
}

NamingRule Rule() {
  NamingRule rule;
  rule.list_threshold = 0.52f;
  rule.mention_floor = 0.35f;
  rule.margin = 0.05f;
  return rule;
}

TEST(ReconcileNaming, OnlyMentionedPersonsBenefit) {
  const std::vector<std::vector<RankedCandidate>> faces = {
      {{kObama, 0.40f}, {kMerkel, 0.20f}},  // mentioned, between floor and list threshold
      {{kMerkel, 0.40f}, {kObama, 0.20f}},  // same score, not mentioned
      {{kBiden, 0.60f}, {kMerkel, 0.10f}},  // clears the list threshold anyway
  };
  const std::vector<FaceNaming> n = NameFaces(faces, {kObama}, Rule());
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0].verdict, FaceVerdict::kNamed);
  EXPECT_EQ(n[0].outcome.person, std::optional<PersonId>(kObama));
  EXPECT_TRUE(n[0].by_mention);
  EXPECT_FLOAT_EQ(n[0].threshold, 0.35f);
  EXPECT_EQ(n[1].verdict, FaceVerdict::kUnknown);
  EXPECT_FALSE(n[1].outcome.person.has_value());
  EXPECT_FLOAT_EQ(n[1].threshold, 0.52f);
  EXPECT_EQ(n[2].verdict, FaceVerdict::kNamed);
  EXPECT_FALSE(n[2].by_mention);
  EXPECT_STREQ(FaceVerdictName(n[1].verdict), "unknown");
}

TEST(ReconcileNaming, NeverBelowTheFloor) {
  const std::vector<FaceNaming> n =
      NameFaces({{{kObama, 0.34f}}, {{kObama, 0.35f}}}, {kObama}, Rule());
  EXPECT_EQ(n[0].verdict, FaceVerdict::kUnknown);
  EXPECT_EQ(n[1].verdict, FaceVerdict::kNamed);
  NamingRule reckless = Rule();
  reckless.max_relief = 1.0f;  // asks for more than the floor allows
  EXPECT_EQ(NameFaces({{{kObama, 0.34f}}}, {kObama}, reckless)[0].verdict, FaceVerdict::kUnknown);
  NamingRule cautious = Rule();
  cautious.max_relief = 0.05f;  // 0.52 -> 0.47
  EXPECT_EQ(NameFaces({{{kObama, 0.45f}}}, {kObama}, cautious)[0].verdict, FaceVerdict::kUnknown);
  EXPECT_EQ(NameFaces({{{kObama, 0.48f}}}, {kObama}, cautious)[0].verdict, FaceVerdict::kNamed);
}

TEST(ReconcileNaming, MarginStillRequiredForMentionedPersons) {
  const std::vector<FaceNaming> n =
      NameFaces({{{kObama, 0.40f}, {kMerkel, 0.37f}}, {{kObama, 0.60f}, {kMerkel, 0.58f}}},
                {kObama, kMerkel}, Rule());
  EXPECT_EQ(n[0].verdict, FaceVerdict::kAmbiguous);
  EXPECT_EQ(n[1].verdict, FaceVerdict::kAmbiguous);
  EXPECT_FALSE(n[0].outcome.person.has_value());
  ASSERT_TRUE(n[0].best.has_value());
  EXPECT_EQ(n[0].best->person, kObama);
}

TEST(ReconcileNaming, AMentionDoesNotPromoteTheRunnerUp) {
  // The best person is not mentioned and below the list threshold; the
  // mentioned runner-up clears the floor but is not the best match.
  const std::vector<FaceNaming> n =
      NameFaces({{{kMerkel, 0.45f}, {kObama, 0.38f}}}, {kObama}, Rule());
  EXPECT_EQ(n[0].verdict, FaceVerdict::kUnknown);
  EXPECT_FALSE(n[0].outcome.person.has_value());
}

TEST(ReconcileNaming, OneFacePerPerson) {
  const std::vector<FaceNaming> n = NameFaces(
      {{{kObama, 0.40f}}, {{kObama, 0.70f}, {kBiden, 0.30f}}, {{kBiden, 0.65f}}}, {kObama}, Rule());
  EXPECT_EQ(n[0].verdict, FaceVerdict::kDuplicate);
  EXPECT_FALSE(n[0].outcome.person.has_value());  // not given a second choice
  EXPECT_EQ(n[1].outcome.person, std::optional<PersonId>(kObama));
  EXPECT_EQ(n[2].outcome.person, std::optional<PersonId>(kBiden));

  const Reconciliation r = Reconcile(Outcomes(n), {});
  EXPECT_EQ(r.unknown_faces, (std::vector<std::size_t>{0}));
  EXPECT_EQ(r.persons.size(), 2u);
}

TEST(ReconcileNaming, CandidatesInAnyOrderAndRepeated) {
  const std::vector<FaceNaming> n =
      NameFaces({{{kMerkel, 0.20f}, {kObama, 0.30f}, {kObama, 0.60f}}}, {}, Rule());
  EXPECT_EQ(n[0].verdict, FaceVerdict::kNamed);
  EXPECT_EQ(n[0].outcome.person, std::optional<PersonId>(kObama));
  EXPECT_FLOAT_EQ(n[0].outcome.similarity, 0.60f);
}

TEST(ReconcileNaming, NoCandidatesAndNanAreUnknown) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<FaceNaming> n = NameFaces({{}, {{kObama, nan}}}, {kObama}, Rule());
  EXPECT_EQ(n[0].verdict, FaceVerdict::kUnknown);
  EXPECT_FALSE(n[0].best.has_value());
  EXPECT_EQ(n[1].verdict, FaceVerdict::kUnknown);
}

// End to end on one photo: caption -> mentions -> naming -> reconciliation.
TEST(ReconcileNaming, CaptionPriorNamesAMentionedFaceAndReportsTheRest) {
  const std::vector<ListedName> list = {
      {kObama, "Barack Obama", {}}, {kBiden, "Joe Biden", {}}, {kMerkel, "Angela Merkel", {}}};
  const std::vector<Mention> mentions =
      FindMentions("Barack Obama and Joe Biden wave to supporters.", list);
  const std::vector<std::vector<RankedCandidate>> faces = {
      {{kObama, 0.44f}, {kBiden, 0.12f}},    // weak, but mentioned: named
      {{kMerkel, 0.47f}, {kBiden, 0.15f}},   // weak and not mentioned: unknown
      {{kMerkel, 0.66f}, {kObama, 0.10f}}};  // clearly Merkel: pictured, not mentioned
  const std::vector<FaceNaming> n = NameFaces(faces, MentionedPersons(mentions), Rule());
  const Reconciliation r = Reconcile(Outcomes(n), mentions);
  EXPECT_EQ(r.Find(kObama)->presence, Presence::kPicturedAndMentioned);
  EXPECT_EQ(r.Find(kBiden)->presence, Presence::kMentionedNotPictured);
  EXPECT_EQ(r.Find(kMerkel)->presence, Presence::kPicturedNotMentioned);
  EXPECT_EQ(r.Find(kMerkel)->face, std::optional<std::size_t>(2));
  EXPECT_EQ(r.unknown_faces, (std::vector<std::size_t>{1}));
}

}  // namespace
}  // namespace facetag::captions
