// Enrolment: a face becomes one of a listed person's profiles, if
// CheckEnrolment lets it.
#include <cstdio>

#include "facetag/app.h"
#include "facetag/hash.h"

namespace facetag::app {
namespace {

std::string DescribeBox(const FaceBox& b) {
  char text[96];
  std::snprintf(text, sizeof text, "at x=%.0f y=%.0f, %.0fx%.0f px", b.x, b.y, b.width, b.height);
  return text;
}

std::string Number(float value) {
  char text[16];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

const char* Describe(QualityIssue issue) {
  switch (issue) {
    case QualityIssue::kNotAFace:
      return "it does not look like a face";
    case QualityIssue::kTooSmall:
      return "the face is too small";
    case QualityIssue::kBlurred:
      return "the face is too blurred";
    case QualityIssue::kProfileView:
      return "the face is turned too far from the camera";
    case QualityIssue::kCutOff:
      return "the face is cut off by the edge of the photo";
    case QualityIssue::kNone:
      break;
  }
  return "the face is of too low quality";
}

// The face to enrol: the editor's box, the chosen face, or the only one.
Result<DetectedFace> ChooseFace(std::span<const unsigned char> bytes, const EnrolRequest& request,
                                vision::FaceAnalyzer& analyzer) {
  if (request.box) return analyzer.AnalyzeBox(bytes, *request.box);
  FACETAG_ASSIGN_OR_RETURN(PhotoFaces photo, analyzer.Analyze(bytes));
  const auto& faces = photo.faces;
  if (faces.empty()) return Fail(ErrorCode::kNoFace, "no face found");
  if (request.face_number) {
    const int n = *request.face_number;
    if (n < 1 || n > static_cast<int>(faces.size())) {
      return Fail(ErrorCode::kInvalidArgument,
                  "face " + std::to_string(n) + " does not exist; the photo has " +
                      std::to_string(faces.size()) + " face(s)");
    }
    return faces[n - 1];
  }
  if (faces.size() > 1) {
    std::string list;
    for (std::size_t i = 0; i < faces.size(); ++i) {
      list += "\n  face " + std::to_string(i + 1) + " " + DescribeBox(faces[i].box);
    }
    return Fail(ErrorCode::kAmbiguousFace, std::to_string(faces.size()) +
                                               " faces found; choose one with --face N or "
                                               "--box X,Y,W,H:" +
                                               list);
  }
  return faces[0];
}

}  // namespace

Result<EnrolOutcome> App::Enrol(PersonId person_id, std::span<const unsigned char> bytes,
                                const EnrolRequest& request, vision::FaceAnalyzer& analyzer,
                                std::string_view actor) {
  FACETAG_ASSIGN_OR_RETURN(const Person person, store_.GetPerson(person_id));
  FACETAG_ASSIGN_OR_RETURN(const DetectedFace face, ChooseFace(bytes, request, analyzer));
  FACETAG_ASSIGN_OR_RETURN(auto list, List());
  FACETAG_ASSIGN_OR_RETURN(const std::vector<Profile> profiles, store_.ProfilesOf(person_id));
  const std::string identity = PhotoIdentity(bytes);
  const std::string file_hash = Sha256Hex(bytes);

  EnrolmentEvidence evidence;
  evidence.quality = face.quality;
  evidence.suppressed = list->suppression().Suppresses(face.embedding);
  for (const Profile& p : profiles) {
    // Profiles made before photos had one identity carry the whole file's
    // hash; either names the same photo.
    const bool same_photo = p.photo_sha256 == identity || p.photo_sha256 == file_hash;
    if (same_photo && IntersectionOverUnion(p.box, face.box) > 0.5f) {
      evidence.already_a_profile = true;
    }
    if (p.embedding.model_id != face.embedding.model_id) continue;
    const float s = CosineSimilarity(p.embedding.values, face.embedding.values);
    if (!evidence.resemblance || s > *evidence.resemblance) evidence.resemblance = s;
  }
  for (const Candidate& c : list->matcher().Rank(face.embedding, 3)) {
    if (c.person != person_id) evidence.others.push_back(c);
  }
  EnrolmentRule rule;
  rule.quality_floor = pack_.thresholds.quality_floor_enrol;
  rule.resemblance_floor = pack_.thresholds.SimilarityAt(pack_.thresholds.enrol_resemblance_far);
  rule.list_threshold = list->rule().list_threshold;
  rule.force = request.force;

  const EnrolmentCheck check = CheckEnrolment(evidence, rule);
  switch (check.verdict) {
    case EnrolmentVerdict::kAccepted:
      break;
    case EnrolmentVerdict::kSuppressed:
      // Says nothing of who opted out: the caller learns only what they typed.
      return Fail(ErrorCode::kRejected,
                  "this face belongs to a person who asked not to be recognised; it cannot be "
                  "enrolled under any name");
    case EnrolmentVerdict::kLowQuality:
      return Fail(ErrorCode::kRejected,
                  std::string("not a usable face for a profile: ") + Describe(face.quality.issue) +
                      " (quality " + Number(face.quality.score) + ", at least " +
                      Number(rule.quality_floor) + " is needed)");
    case EnrolmentVerdict::kAlreadyProfile:
      return Fail(ErrorCode::kAlreadyExists,
                  "this face is already a profile of " + person.name);
    case EnrolmentVerdict::kUnlike:
      return Fail(ErrorCode::kRejected,
                  "the face does not resemble " + person.name + "'s " +
                      std::to_string(profiles.size()) + " other profile(s) (best similarity " +
                      Number(*evidence.resemblance) + " < " + Number(rule.resemblance_floor) +
                      "); likely a wrong photo (force it if you are sure)");
    case EnrolmentVerdict::kLooksLikeOther: {
      const Person* other = list->FindPerson(check.other->person);
      return Fail(ErrorCode::kRejected,
                  "the face looks like " + (other ? other->name : std::string("another person")) +
                      " (similarity " + Number(check.other->similarity) +
                      "), who is on the list; not enrolled as " + person.name +
                      " (force it if you are sure)");
    }
  }

  Profile profile;
  profile.person_id = person_id;
  profile.embedding = face.embedding;
  profile.photo_sha256 = identity;
  profile.box = face.box;
  EnrolOutcome outcome;
  FACETAG_ASSIGN_OR_RETURN(outcome.profile, store_.AddProfile(profile, actor));
  FACETAG_RETURN_IF_ERROR(ListChanged());
  outcome.box = face.box;
  outcome.quality = face.quality;
  outcome.resemblance = evidence.resemblance;
  outcome.profiles = static_cast<int>(profiles.size()) + 1;
  return outcome;
}

}  // namespace facetag::app
