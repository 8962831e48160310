// New persons from discovery: a recurring unknown face approved by an editor.
#include "facetag/app.h"
#include "facetag/hash.h"

namespace facetag::app {

Result<ApproveOutcome> App::ApproveCandidate(ClusterId cluster,
                                             const ApproveRequest& request,
                                             std::string_view actor) {
  if (actor.empty()) return Fail(ErrorCode::kInvalidArgument, "who approves must be named");
  const NewPerson& person = request.person;
  FACETAG_RETURN_IF_ERROR(CheckPersonName(person.name));
  FACETAG_RETURN_IF_ERROR(CheckAliases(person.aliases));
  FACETAG_RETURN_IF_ERROR(CheckListing(person.criteria, person.justification));
  FACETAG_ASSIGN_OR_RETURN(auto list, List());
  const discovery::DiscoveryOptions options = discovery::OptionsForPack(pack_);
  FACETAG_ASSIGN_OR_RETURN(
      std::vector<ClusterMember> faces,
      discovery::ApprovalFaces(store_, options, cluster, request.max_profiles));

  // The same checks as enrolment: a face below the enrolment quality floor
  // does not become a profile, and an opted-out person is never listed
  // again through their face.
  ApproveOutcome outcome;
  std::vector<std::pair<ClusterMember, StoredPhoto>> usable;
  for (ClusterMember& m : faces) {
    if (list->suppression().Suppresses({pack_.id, m.embedding})) {
      return Fail(ErrorCode::kRejected,
                  "this candidate's face belongs to a person who asked not to be recognised; it "
                  "cannot be listed under any name");
    }
    FACETAG_ASSIGN_OR_RETURN(StoredPhoto photo, store_.archive().GetPhoto(m.photo));
    const StoredFace* stored = nullptr;
    for (const StoredFace& f : photo.faces) {
      if (f.id == m.face) stored = &f;
    }
    if (!stored) continue;  // gone meanwhile
    if (!(stored->detected.quality.score >= pack_.thresholds.quality_floor_enrol)) {
      outcome.skipped_faces.emplace_back(m.face, std::string("not a usable face (") +
                                                     QualityIssueName(stored->detected.quality.issue) +
                                                     ")");
      continue;
    }
    usable.emplace_back(std::move(m), std::move(photo));
  }
  if (usable.empty()) {
    return Fail(ErrorCode::kRejected,
                "none of the candidate's faces is usable as a profile; enrol the person from a "
                "better photo instead");
  }

  FACETAG_ASSIGN_OR_RETURN(outcome.person, store_.AddPerson(person, actor));
  for (const auto& [m, photo] : usable) {
    Profile profile;
    profile.person_id = outcome.person.id;
    profile.embedding = {pack_.id, m.embedding};
    profile.photo_sha256 = photo.info.sha256;
    profile.box = m.box;
    FACETAG_RETURN_IF_ERROR(store_.AddProfile(profile, actor));
    outcome.profile_faces.push_back(m.face);
  }
  FACETAG_RETURN_IF_ERROR(ListChanged());
  for (const FaceId face : outcome.profile_faces) {
    FACETAG_RETURN_IF_ERROR(Review(face, outcome.person.id, ReviewAction::kConfirm, actor));
  }
  FACETAG_RETURN_IF_ERROR(
      discovery::MarkApproved(store_, cluster, outcome.person, outcome.profile_faces, actor));
  FACETAG_ASSIGN_OR_RETURN(outcome.person, store_.GetPerson(outcome.person.id));
  FACETAG_ASSIGN_OR_RETURN(outcome.follow_up, FollowListChange(outcome.person.id));
  return outcome;
}

}  // namespace facetag::app
