#include "facetag/decision.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "facetag/enum_text.h"
#include "facetag/text.h"

namespace facetag {

// The first entry of each table is the text of a value out of range.
constexpr EnumText<FaceDecision> kFaceDecisionText[] = {
    {FaceDecision::kUnknown, "unknown"},        {FaceDecision::kRecognized, "recognized"},
    {FaceDecision::kAmbiguous, "ambiguous"},    {FaceDecision::kDuplicate, "duplicate"},
    {FaceDecision::kLowQuality, "low_quality"}, {FaceDecision::kSuppressed, "suppressed"}};

const char* FaceDecisionName(FaceDecision decision) { return ToText(kFaceDecisionText, decision); }

std::optional<FaceDecision> ParseFaceDecision(std::string_view text) {
  return FromText(kFaceDecisionText, text);
}

constexpr EnumText<TagStatus> kTagStatusText[] = {{TagStatus::kAutomatic, "automatic"},
                                                  {TagStatus::kConfirmed, "confirmed"},
                                                  {TagStatus::kRejected, "rejected"}};

const char* TagStatusName(TagStatus status) { return ToText(kTagStatusText, status); }

std::optional<TagStatus> ParseTagStatus(std::string_view text) {
  return FromText(kTagStatusText, text);
}

constexpr EnumText<Presence> kPresenceText[] = {
    {Presence::kPicturedNotMentioned, "pictured_not_mentioned"},
    {Presence::kPicturedAndMentioned, "pictured_and_mentioned"},
    {Presence::kMentionedNotPictured, "mentioned_not_pictured"}};

const char* PresenceName(Presence presence) { return ToText(kPresenceText, presence); }

float MentionedThreshold(float list_threshold, float mention_floor, float max_relief) {
  if (std::isnan(list_threshold) || std::isnan(mention_floor) || std::isnan(max_relief)) {
    return list_threshold;
  }
  const float relief = std::max(max_relief, 0.0f);
  const float lowered = std::max(mention_floor, list_threshold - relief);
  return std::min(list_threshold, lowered);
}

namespace {

// The face's candidates, one per person with its best similarity, best
// first; ties broken by person id so that the order of the input does not
// matter. NaN counts as -infinity: it never clears anything.
std::vector<Candidate> Ranked(const std::vector<Candidate>& candidates) {
  std::unordered_map<PersonId, float> best_of;
  for (const Candidate& c : candidates) {
    const float s = std::isnan(c.similarity) ? -INFINITY : c.similarity;
    auto [it, inserted] = best_of.emplace(c.person, s);
    if (!inserted) it->second = std::max(it->second, s);
  }
  std::vector<Candidate> ranked;
  ranked.reserve(best_of.size());
  for (const auto& [person, similarity] : best_of) ranked.push_back({person, similarity});
  std::sort(ranked.begin(), ranked.end(), [](const Candidate& a, const Candidate& b) {
    if (a.similarity != b.similarity) return a.similarity > b.similarity;
    return a.person < b.person;
  });
  return ranked;
}

std::optional<float> Finite(float value) {
  return std::isfinite(value) ? std::optional<float>(value) : std::nullopt;
}

bool Contains(const std::vector<PersonId>& persons, PersonId person) {
  return std::find(persons.begin(), persons.end(), person) != persons.end();
}

// Rules 1-4 for one face, before one face per person is enforced.
Decision DecideFace(const FaceEvidence& face, const std::unordered_set<PersonId>& mentioned,
                    const NamingRule& rule, float lowered) {
  Decision d;
  d.threshold = rule.list_threshold;
  const std::vector<Candidate> ranked = Ranked(face.candidates);
  if (!ranked.empty()) d.best = ranked[0];
  if (ranked.size() > 1) d.second = ranked[1];
  if (d.best) d.similarity = Finite(d.best->similarity);

  if (face.editors.confirmed) {
    d.decision = FaceDecision::kRecognized;
    d.status = TagStatus::kConfirmed;
    d.person = *face.editors.confirmed;
    d.similarity = face.editors.confirmed_similarity;
    for (const Candidate& c : ranked) {
      if (c.person == *d.person) d.similarity = Finite(c.similarity);
    }
    return d;
  }
  if (face.suppressed) {
    d.decision = FaceDecision::kSuppressed;
    d.best.reset();  // nothing about an opted-out person's face is kept
    d.second.reset();
    d.similarity.reset();
    return d;
  }
  if (!(face.quality.score >= rule.quality_floor)) {
    d.decision = FaceDecision::kLowQuality;
    d.quality_issue = face.quality.issue;
    return d;
  }
  if (ranked.empty()) return d;  // kUnknown

  const Candidate& best = ranked[0];
  if (mentioned.count(best.person) > 0) d.threshold = lowered;
  if (!(best.similarity >= d.threshold)) return d;  // kUnknown
  if (Contains(face.editors.rejected, best.person)) return d;
  if (ranked.size() > 1 && !(best.similarity - ranked[1].similarity >= rule.margin)) {
    d.decision = FaceDecision::kAmbiguous;
    return d;
  }
  d.decision = FaceDecision::kRecognized;
  d.person = best.person;
  d.by_mention = !(best.similarity >= rule.list_threshold);
  return d;
}

void Unname(Decision& d) {
  d.decision = FaceDecision::kDuplicate;
  d.status = TagStatus::kAutomatic;
  d.person.reset();
  d.by_mention = false;
}

}  // namespace

std::vector<Decision> DecidePhoto(const std::vector<FaceEvidence>& faces,
                                  const std::vector<PersonId>& mentioned, const NamingRule& rule) {
  const std::unordered_set<PersonId> mentioned_set(mentioned.begin(), mentioned.end());
  const float lowered =
      MentionedThreshold(rule.list_threshold, rule.mention_floor, rule.max_relief);
  std::vector<Decision> decisions;
  decisions.reserve(faces.size());
  for (const FaceEvidence& face : faces) {
    decisions.push_back(DecideFace(face, mentioned_set, rule, lowered));
  }

  // One face per person. Confirmed faces claim their person first (the first
  // in face order, should two confirmations of one person ever meet: Review
  // refuses a second one); then the machine's surest face.
  std::unordered_map<PersonId, std::size_t> keeper;
  for (std::size_t f = 0; f < decisions.size(); ++f) {
    if (decisions[f].status != TagStatus::kConfirmed) continue;
    if (!keeper.emplace(*decisions[f].person, f).second) Unname(decisions[f]);
  }
  for (std::size_t f = 0; f < decisions.size(); ++f) {
    Decision& d = decisions[f];
    if (!d.named() || d.status == TagStatus::kConfirmed) continue;
    auto [it, inserted] = keeper.emplace(*d.person, f);
    if (inserted) continue;
    Decision& holder = decisions[it->second];
    if (holder.status != TagStatus::kConfirmed &&
        d.similarity.value_or(-INFINITY) > holder.similarity.value_or(-INFINITY)) {
      Unname(holder);
      it->second = f;
    } else {
      Unname(d);
    }
  }

  // An unnamed face an editor rejected somebody for shows the editors' word.
  for (std::size_t f = 0; f < decisions.size(); ++f) {
    if (!decisions[f].named() && !faces[f].editors.rejected.empty() &&
        decisions[f].decision != FaceDecision::kSuppressed) {
      decisions[f].status = TagStatus::kRejected;
    }
  }
  return decisions;
}

std::vector<std::optional<std::size_t>> PairFaces(const std::vector<FaceBox>& old_boxes,
                                                  const std::vector<FaceBox>& new_boxes) {
  constexpr float kSameFaceIoU = 0.5f;
  struct Pair {
    float iou;
    std::size_t old_index, new_index;
  };
  std::vector<Pair> pairs;
  for (std::size_t o = 0; o < old_boxes.size(); ++o) {
    for (std::size_t n = 0; n < new_boxes.size(); ++n) {
      const float iou = IntersectionOverUnion(old_boxes[o], new_boxes[n]);
      if (iou >= kSameFaceIoU) pairs.push_back({iou, o, n});
    }
  }
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const Pair& a, const Pair& b) { return a.iou > b.iou; });
  std::vector<std::optional<std::size_t>> continues(new_boxes.size());
  std::vector<bool> old_taken(old_boxes.size(), false);
  for (const Pair& p : pairs) {
    if (old_taken[p.old_index] || continues[p.new_index]) continue;
    old_taken[p.old_index] = true;
    continues[p.new_index] = p.old_index;
  }
  return continues;
}

std::vector<PersonPresence> Reconcile(const std::vector<Decision>& decisions,
                                      const std::vector<PersonId>& mentioned) {
  const std::unordered_set<PersonId> mentioned_set(mentioned.begin(), mentioned.end());
  std::vector<PersonPresence> persons;
  std::unordered_set<PersonId> pictured;
  for (std::size_t f = 0; f < decisions.size(); ++f) {
    if (!decisions[f].named() || !pictured.insert(*decisions[f].person).second) continue;
    const PersonId person = *decisions[f].person;
    persons.push_back({person,
                       mentioned_set.count(person) > 0 ? Presence::kPicturedAndMentioned
                                                       : Presence::kPicturedNotMentioned,
                       f});
  }
  std::unordered_set<PersonId> seen;
  for (const PersonId person : mentioned) {
    if (pictured.count(person) > 0 || !seen.insert(person).second) continue;
    persons.push_back({person, Presence::kMentionedNotPictured, std::nullopt});
  }
  return persons;
}

EnrolmentCheck CheckEnrolment(const EnrolmentEvidence& evidence, const EnrolmentRule& rule) {
  if (evidence.suppressed) return {EnrolmentVerdict::kSuppressed, std::nullopt};
  if (!(evidence.quality.score >= rule.quality_floor)) {
    return {EnrolmentVerdict::kLowQuality, std::nullopt};
  }
  if (evidence.already_a_profile) return {EnrolmentVerdict::kAlreadyProfile, std::nullopt};
  if (rule.force) return {};
  // Below the similarity that only 1 in 100 pairs of different people reach,
  // the photo most likely shows someone else.
  if (evidence.resemblance && !(*evidence.resemblance >= rule.resemblance_floor)) {
    return {EnrolmentVerdict::kUnlike, std::nullopt};
  }
  // A face the list would already name as somebody else — unless it is at
  // least as like the person's own profiles.
  std::optional<Candidate> other;
  for (const Candidate& c : evidence.others) {
    if (!(c.similarity >= rule.list_threshold)) continue;
    if (evidence.resemblance && *evidence.resemblance >= c.similarity) continue;
    if (!other || c.similarity > other->similarity) other = c;
  }
  if (other) return {EnrolmentVerdict::kLooksLikeOther, other};
  return {};
}

Result<void> CheckListing(const ListingCriteria& criteria, std::string_view justification) {
  if (text::TrimAsciiWhitespace(justification).empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "a justification is required to list a person: say why they are on the list");
  }
  if (!criteria.AllMet()) {
    return Fail(ErrorCode::kRejected,
                "a person is listed only when they are a public figure, have been in the news "
                "more than once and customers will likely search for them (all three criteria)");
  }
  return {};
}

Result<void> CheckPersonName(std::string_view name, std::string_view what) {
  const std::string field(what);
  if (!text::IsValidUtf8(name)) return Fail(ErrorCode::kInvalidArgument, field + " is not UTF-8");
  const std::string_view trimmed = text::TrimAsciiWhitespace(name);
  if (trimmed.empty()) return Fail(ErrorCode::kInvalidArgument, field + " must not be empty");
  for (const char c : trimmed) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      return Fail(ErrorCode::kInvalidArgument, field + " must not contain control characters");
    }
  }
  if (text::CountCharacters(trimmed) > kMaxNameCharacters) {
    return Fail(ErrorCode::kInvalidArgument,
                field + " is longer than " + std::to_string(kMaxNameCharacters) + " characters");
  }
  if (!text::HasLetterOrDigit(trimmed)) {
    return Fail(ErrorCode::kInvalidArgument, field + " must contain a letter or digit");
  }
  return {};
}

Result<void> CheckAliases(const std::vector<std::string>& aliases) {
  if (aliases.size() > kMaxAliases) {
    return Fail(ErrorCode::kInvalidArgument,
                "a person has at most " + std::to_string(kMaxAliases) + " aliases");
  }
  for (const std::string& alias : aliases) FACETAG_RETURN_IF_ERROR(CheckPersonName(alias, "alias"));
  return {};
}

}  // namespace facetag
