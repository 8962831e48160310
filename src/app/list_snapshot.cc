#include "facetag/app.h"

namespace facetag::app {

Result<ListSnapshot> ListSnapshot::Load(Store& store, const ModelPack& pack) {
  FACETAG_ASSIGN_OR_RETURN(std::vector<Person> persons, store.ListPersons());
  FACETAG_ASSIGN_OR_RETURN(std::vector<Profile> profiles, store.ProfilesForModel(pack.id));
  FACETAG_ASSIGN_OR_RETURN(std::vector<Embedding> opted_out,
                           store.privacy().SuppressionTemplates(pack.id));
  ListSnapshot list;
  list.suppression_ = gallery::SuppressionList(pack.id, std::move(opted_out),
                                               gallery::SuppressionThreshold(pack.thresholds));
  std::vector<captions::ListedName> names;
  names.reserve(persons.size());
  for (const Person& p : persons) names.push_back({p.id, p.name, p.aliases});
  list.mention_finder_ = std::make_shared<const captions::MentionFinder>(names);
  std::sort(persons.begin(), persons.end(),
            [](const Person& a, const Person& b) { return a.id < b.id; });
  list.persons_ = std::move(persons);
  list.matcher_ = gallery::Matcher::Build(pack.id, pack.embedding_size, profiles);

  NamingRule& rule = list.rule_;
  // What a face is compared with: the persons that can be named (those
  // with at least one profile of this model) and all their profile vectors.
  rule.list_threshold =
      gallery::ListThreshold(pack.thresholds, gallery::MatchPolicy{}, list.matcher_.shape());
  rule.mention_floor = pack.thresholds.mention_floor;
  rule.margin = pack.thresholds.margin;
  rule.quality_floor = pack.thresholds.quality_floor_naming;
  return list;
}

FaceEvidence ListSnapshot::EvidenceFor(const DetectedFace& face) const {
  FaceEvidence evidence;
  evidence.quality = face.quality;
  // An opted-out person's face gets no candidates: nothing about it is kept.
  evidence.suppressed = suppression_.Suppresses(face.embedding);
  if (!evidence.suppressed) evidence.candidates = matcher_.Rank(face.embedding, 2);
  return evidence;
}

FaceEvidence ListSnapshot::EvidenceFor(const std::vector<float>& embedding,
                                       const FaceQuality& quality) const {
  DetectedFace face;
  face.embedding = {matcher_.model_id(), embedding};
  face.quality = quality;
  return EvidenceFor(face);
}

std::vector<captions::Mention> ListSnapshot::Mentions(std::string_view caption) const {
  return mention_finder_->Find(caption);
}

const Person* ListSnapshot::FindPerson(PersonId id) const {
  auto it = std::lower_bound(persons_.begin(), persons_.end(), id,
                             [](const Person& p, PersonId wanted) { return p.id < wanted; });
  return it != persons_.end() && it->id == id ? &*it : nullptr;
}

}  // namespace facetag::app
