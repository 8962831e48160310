#include "facetag/pipeline.h"

namespace facetag::pipeline {

Result<Recognizer> Recognizer::Load(Store& store, const ModelPack& pack,
                                    const gallery::MatchPolicy& policy) {
  auto persons = store.ListPersons();
  if (!persons) return tl::unexpected(persons.error());
  auto profiles = store.ProfilesForModel(pack.id);
  if (!profiles) return tl::unexpected(profiles.error());
  auto suppressed = store.privacy().SuppressionTemplates(pack.id);
  if (!suppressed) return tl::unexpected(suppressed.error());
  Recognizer r;
  r.suppression_ = gallery::SuppressionList(pack.id, std::move(*suppressed),
                                            gallery::SuppressionThreshold(pack.thresholds));
  std::vector<captions::ListedName> names;
  names.reserve(persons->size());
  for (Person& p : *persons) {
    names.push_back({p.id, p.name, p.aliases});
    r.persons_.emplace(p.id, std::move(p));
  }
  r.mention_finder_ = std::make_shared<const captions::MentionFinder>(names);
  r.matcher_ = gallery::Matcher::Build(pack.id, pack.embedding_size, *profiles);
  // The list's size is the number of persons that can be named: those with
  // at least one profile of this model.
  r.threshold_ = gallery::ListThreshold(pack.thresholds, policy, r.matcher_.person_count());
  r.margin_ = policy.margin >= 0 ? policy.margin : pack.thresholds.margin;
  r.mention_floor_ = pack.thresholds.mention_floor;
  return r;
}

const Person* Recognizer::FindPerson(PersonId id) const {
  auto it = persons_.find(id);
  return it == persons_.end() ? nullptr : &it->second;
}

std::vector<FaceRecognition> Recognizer::Recognize(const PhotoFaces& photo,
                                                   const std::vector<PersonId>& mentioned) const {
  std::vector<std::vector<captions::RankedCandidate>> candidates;
  std::vector<bool> suppressed;
  candidates.reserve(photo.faces.size());
  for (const DetectedFace& face : photo.faces) {
    auto& ranked = candidates.emplace_back();
    // An opted-out person's face has no candidates: it names nobody, and
    // nobody else is named on it by resemblance either.
    suppressed.push_back(suppression_.Suppresses(face.embedding));
    if (suppressed.back()) continue;
    for (const gallery::Candidate& c : matcher_.Rank(face.embedding, 2)) {
      ranked.push_back({c.person, c.similarity});
    }
  }
  captions::NamingRule rule;
  rule.list_threshold = threshold_;
  rule.mention_floor = mention_floor_;
  rule.margin = margin_;
  const auto namings = captions::NameFaces(candidates, mentioned, rule);

  std::vector<FaceRecognition> out;
  out.reserve(photo.faces.size());
  for (std::size_t i = 0; i < photo.faces.size(); ++i) {
    const captions::FaceNaming& naming = namings[i];
    FaceRecognition r;
    r.face = photo.faces[i];
    r.match.threshold = naming.threshold;
    if (!candidates[i].empty())
      r.match.best = {candidates[i][0].person, candidates[i][0].similarity};
    if (candidates[i].size() > 1) {
      r.match.second = {candidates[i][1].person, candidates[i][1].similarity};
    }
    switch (naming.verdict) {
      case captions::FaceVerdict::kNamed:
        r.match.decision = gallery::Decision::kRecognized;
        break;
      case captions::FaceVerdict::kUnknown:
        r.match.decision = gallery::Decision::kUnknown;
        break;
      case captions::FaceVerdict::kAmbiguous:
      case captions::FaceVerdict::kDuplicate:
        r.match.decision = gallery::Decision::kAmbiguous;
        break;
    }
    if (naming.outcome.person) {
      if (const Person* p = FindPerson(*naming.outcome.person)) r.person = *p;
    }
    r.by_mention = naming.by_mention;
    r.suppressed = suppressed[i];
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace facetag::pipeline
