#include "app_internal.h"

namespace facetag::app {

FaceTag TagOf(const Decision& d) {
  FaceTag tag;
  if (d.decision == FaceDecision::kSuppressed) return tag;  // kUnknown, nothing kept
  tag.decision = d.decision;
  tag.person = d.person;
  tag.similarity = d.similarity;
  tag.by_mention = d.by_mention;
  return tag;
}

Decision DecisionOf(const StoredFace& face) {
  Decision d;
  d.decision = face.tag.decision;
  d.status = face.status;
  d.person = face.tag.person;
  d.similarity = face.tag.similarity;
  d.by_mention = face.tag.by_mention;
  d.quality_issue = face.detected.quality.issue;
  return d;
}

TagStatus StatusOf(const Decision& d) {
  return d.decision == FaceDecision::kSuppressed ? TagStatus::kAutomatic : d.status;
}

EditorsWord EditorsWordOf(const FaceTag& tag, TagStatus status,
                          const std::vector<PersonId>& rejected) {
  EditorsWord word;
  if (status == TagStatus::kConfirmed && tag.person) {
    word.confirmed = tag.person;
    word.confirmed_similarity = tag.similarity;
  }
  word.rejected = rejected;
  return word;
}

}  // namespace facetag::app
