// The one place that decides a face's name.
//
// Every path that names a face asks DecidePhoto: ingest and re-ingest of a
// photo, re-matching the archive after the list changed, an editor's review,
// recognition of an upload. Every path that makes a profile asks
// CheckEnrolment, and every path that lists or renames a person asks
// CheckListing. The application layer (facetag/app.h) gathers the evidence
// (the matcher's candidates, the face's quality, the opted-out templates,
// the editors' word from the archive, the caption's mentions) and stores or
// presents what these functions decide; nothing else decides.
//
// The rules, in order of precedence:
//   1. An editor's confirmation stands: the face names the confirmed person
//      whatever the matcher says, and that person is taken for the photo.
//   2. A face that matches an opted-out person's template names nobody.
//   3. A face below the pack's naming quality floor names nobody: a jacket, a
//      hand or a face cut by the frame must not carry a name.
//   4. The best person must clear the threshold (the list threshold, or a
//      lower one down to the mention floor when the caption names them) and
//      lead the runner-up by the margin. An editor's rejection of that person
//      for this face leaves it unnamed: a machine never names a face for a
//      person an editor said it is not, nor for a runner-up in their place.
//   5. One face per person per photo: confirmed faces first, then the
//      surest machine-named face keeps the name; the others are duplicates
//      and are not given their second choice.
// A wrong name is worse than none: every doubt leaves the face unnamed.
//
// Everything here is pure computation on values: no I/O, no clock, no
// database. All functions are thread-safe.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/person.h"
#include "facetag/result.h"
#include "facetag/types.h"

namespace facetag {

// ---------------------------------------------------------------------------
// Decisions

// What was decided about a face. Stored in the archive by its name.
enum class FaceDecision {
  kRecognized,  // names a person (by the matcher, or confirmed by an editor)
  kUnknown,     // nobody clears the threshold, or the best was rejected
  kAmbiguous,   // the best person clears it, but the runner-up is too close
  kDuplicate,   // the person is named on another face of the photo
  kLowQuality,  // below the naming quality floor: never named
  kSuppressed,  // matches an opted-out person: never named, never stored
};

// "recognized", "unknown", "ambiguous", "duplicate", "low_quality",
// "suppressed" (the stored text), and back (empty for any other text).
const char* FaceDecisionName(FaceDecision decision);
std::optional<FaceDecision> ParseFaceDecision(std::string_view text);

// Who made the face's current decision.
enum class TagStatus {
  kAutomatic,  // the matcher; the next decision may change it
  kConfirmed,  // an editor confirmed the person; only an editor changes it
  kRejected,   // an editor rejected a person for the face and it names nobody
};

// "automatic", "confirmed", "rejected" (the stored text), and back.
const char* TagStatusName(TagStatus status);
std::optional<TagStatus> ParseTagStatus(std::string_view text);

// A person a face resembles: the best similarity over the person's profiles
// (gallery::Matcher::Rank).
struct Candidate {
  PersonId person = 0;
  float similarity = 0;
};

// The thresholds of the naming rule for one list and one model pack.
struct NamingRule {
  // Threshold for every listed person (gallery::ListThreshold for what the
  // list compares). The default 1 names nobody.
  float list_threshold = 1;
  // Lowest threshold a caption mention may reach (PackThresholds::mention_floor).
  float mention_floor = 1;
  // Largest step by which a mention lowers the threshold; infinity: down to
  // the floor.
  float max_relief = std::numeric_limits<float>::infinity();
  // Required lead of the best person over the second best (similarity).
  float margin = 0.05f;
  // Faces whose quality score is below this are never named
  // (PackThresholds::quality_floor_naming).
  float quality_floor = 0;
};

// What the editors said about a face (from the archive; empty for a face
// nobody reviewed).
struct EditorsWord {
  std::optional<PersonId> confirmed;  // an editor confirmed this person
  // The similarity stored with the confirmation, used when the matcher no
  // longer ranks the confirmed person among the face's candidates.
  std::optional<float> confirmed_similarity;
  std::vector<PersonId> rejected;  // persons editors said the face is not
};

// One face as the rule sees it.
struct FaceEvidence {
  // The face's best persons, in any order, at least the two best
  // (Matcher::Rank(probe, 2)); with one candidate there is no runner-up and
  // the margin is met. A person listed twice counts with the higher value.
  std::vector<Candidate> candidates;
  FaceQuality quality;
  bool suppressed = false;  // matches an opted-out person's template
  EditorsWord editors;
};

// The decision about one face.
struct Decision {
  FaceDecision decision = FaceDecision::kUnknown;
  TagStatus status = TagStatus::kAutomatic;
  // Set exactly when `decision` is kRecognized.
  std::optional<PersonId> person;
  // Similarity to `person` when named, else to the best candidate; empty
  // when there is none (or a confirmation without a measured similarity).
  std::optional<float> similarity;
  std::optional<Candidate> best;    // the matcher's best person, if any
  std::optional<Candidate> second;  // the runner-up, if any
  float threshold = 1;              // the threshold applied to `best`
  // Named only thanks to a caption mention: the similarity lies between the
  // lowered threshold and the list threshold.
  bool by_mention = false;
  // The face's quality issue when the decision is kLowQuality.
  QualityIssue quality_issue = QualityIssue::kNone;

  bool named() const { return person.has_value(); }
};

// The threshold for a person the caption mentions:
//   min(list_threshold, max(mention_floor, list_threshold - max_relief)).
// A mention never raises the threshold; a NaN argument yields
// `list_threshold`; a negative `max_relief` counts as 0.
float MentionedThreshold(float list_threshold, float mention_floor,
                         float max_relief = std::numeric_limits<float>::infinity());

// Decides every face of one photo by the rules above. `mentioned` are the
// persons the photo's caption names. Results are in face order. NaN
// similarities never clear a threshold.
std::vector<Decision> DecidePhoto(const std::vector<FaceEvidence>& faces,
                                  const std::vector<PersonId>& mentioned, const NamingRule& rule);

// The same face found again (a re-ingest): for each new box, the index of
// the old box it continues, if any. A pair must overlap with IoU >= 0.5 (the
// overlap detection benchmarks count as a true positive); the best pairs are
// taken first and each box is paired at most once.
std::vector<std::optional<std::size_t>> PairFaces(const std::vector<FaceBox>& old_boxes,
                                                  const std::vector<FaceBox>& new_boxes);

// ---------------------------------------------------------------------------
// Pictured or merely mentioned

enum class Presence {
  kPicturedAndMentioned,
  kPicturedNotMentioned,
  kMentionedNotPictured,
};

// "pictured_and_mentioned", "pictured_not_mentioned", "mentioned_not_pictured".
const char* PresenceName(Presence presence);

struct PersonPresence {
  PersonId person = 0;
  Presence presence = Presence::kPicturedAndMentioned;
  std::optional<std::size_t> face;  // index into the decisions, when pictured
};

// Every person involved in the photo: pictured persons in face order, then
// persons mentioned but not pictured in the order of `mentioned`.
// `decisions` come from DecidePhoto (one face per person); `mentioned` are
// the caption's persons, each once.
std::vector<PersonPresence> Reconcile(const std::vector<Decision>& decisions,
                                      const std::vector<PersonId>& mentioned);

// ---------------------------------------------------------------------------
// Enrolment: may this face become a profile of the person?

struct EnrolmentEvidence {
  FaceQuality quality;
  bool suppressed = false;         // matches an opted-out person's template
  bool already_a_profile = false;  // this face of this photo is one already
  // Best similarity to the person's own profiles of this model; empty for
  // the first profile.
  std::optional<float> resemblance;
  // The best other listed persons for the face (the person excluded).
  std::vector<Candidate> others;
};

struct EnrolmentRule {
  float quality_floor = 0;      // PackThresholds::quality_floor_enrol
  float resemblance_floor = 0;  // at the pack's enrol_resemblance_far point
  float list_threshold = 1;     // the list threshold of the current list
  // An editor who knows better: skips the resemblance and look-alike checks.
  // Never the quality floor, the opt-out or the duplicate check.
  bool force = false;
};

enum class EnrolmentVerdict {
  kAccepted,
  kLowQuality,      // below the enrolment quality floor (see quality.issue)
  kSuppressed,      // the face is an opted-out person's
  kAlreadyProfile,  // the same face of the same photo is a profile already
  kUnlike,          // does not resemble the person's other profiles
  kLooksLikeOther,  // the list would name it as somebody else
};

struct EnrolmentCheck {
  EnrolmentVerdict verdict = EnrolmentVerdict::kAccepted;
  std::optional<Candidate> other;  // kLooksLikeOther: who
};

EnrolmentCheck CheckEnrolment(const EnrolmentEvidence& evidence, const EnrolmentRule& rule);

// ---------------------------------------------------------------------------
// Listing: who may be on the list, under which names

// Longest name or alias, in characters, and most aliases per person.
inline constexpr std::size_t kMaxNameCharacters = 200;
inline constexpr std::size_t kMaxAliases = 50;

// The agency lists a person only when the editor says why and all three
// criteria hold. Errors: kInvalidArgument (no justification, checked
// first), kRejected (a criterion not met). The same error, code and message, wherever a person is
// listed, updated or approved from a candidate.
Result<void> CheckListing(const ListingCriteria& criteria, std::string_view justification);

// A name or alias: valid UTF-8, 1-200 characters after trimming, at least one
// letter or digit, no control characters. `what` names the field in the
// message ("name", "alias"). Errors: kInvalidArgument.
Result<void> CheckPersonName(std::string_view name, std::string_view what = "name");

// At most 50 aliases, each a valid name. Errors: kInvalidArgument.
Result<void> CheckAliases(const std::vector<std::string>& aliases);

}  // namespace facetag
