#include "facetag/pipeline.h"

namespace facetag::pipeline {

Result<Recognizer> Recognizer::Load(Store& store, const ModelPack& pack,
                                    const gallery::MatchPolicy& policy) {
  auto persons = store.ListPersons();
  if (!persons) return tl::unexpected(persons.error());
  auto profiles = store.ProfilesForModel(pack.id);
  if (!profiles) return tl::unexpected(profiles.error());
  Recognizer r;
  for (Person& p : *persons) r.persons_.emplace(p.id, std::move(p));
  r.matcher_ = gallery::Matcher::Build(pack.id, pack.embedding_size, *profiles);
  // The list's size is the number of persons that can be named: those with
  // at least one profile of this model.
  r.threshold_ = gallery::ListThreshold(pack.thresholds, policy, r.matcher_.person_count());
  r.margin_ = policy.margin >= 0 ? policy.margin : pack.thresholds.margin;
  return r;
}

const Person* Recognizer::FindPerson(PersonId id) const {
  auto it = persons_.find(id);
  return it == persons_.end() ? nullptr : &it->second;
}

std::vector<FaceRecognition> Recognizer::Recognize(const PhotoFaces& photo) const {
  std::vector<FaceRecognition> out;
  out.reserve(photo.faces.size());
  for (const DetectedFace& face : photo.faces) {
    FaceRecognition r;
    r.face = face;
    r.match = matcher_.Identify(face.embedding, threshold_, margin_);
    if (r.match.recognized()) {
      if (const Person* p = FindPerson(r.match.best->person)) r.person = *p;
    }
    out.push_back(std::move(r));
  }
  // One person appears once in a photo: when two faces are given the same
  // name, only the more similar keeps it.
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (std::size_t j = 0; j < out.size(); ++j) {
      if (i == j || !out[i].person || !out[j].person || out[i].person->id != out[j].person->id) {
        continue;
      }
      FaceRecognition& weaker =
          out[i].match.best->similarity < out[j].match.best->similarity ? out[i] : out[j];
      weaker.person.reset();
      weaker.match.decision = gallery::Decision::kAmbiguous;
    }
  }
  return out;
}

}  // namespace facetag::pipeline
