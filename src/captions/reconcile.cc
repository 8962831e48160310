#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "facetag/captions.h"

namespace facetag::captions {

const char* PresenceName(Presence presence) {
  switch (presence) {
    case Presence::kPicturedAndMentioned:
      return "pictured_and_mentioned";
    case Presence::kPicturedNotMentioned:
      return "pictured_not_mentioned";
    case Presence::kMentionedNotPictured:
      return "mentioned_not_pictured";
  }
  return "unknown";
}

const char* FaceVerdictName(FaceVerdict verdict) {
  switch (verdict) {
    case FaceVerdict::kNamed:
      return "named";
    case FaceVerdict::kUnknown:
      return "unknown";
    case FaceVerdict::kAmbiguous:
      return "ambiguous";
    case FaceVerdict::kDuplicate:
      return "duplicate";
  }
  return "unknown";
}

const PersonPresence* Reconciliation::Find(PersonId person) const {
  for (const PersonPresence& p : persons) {
    if (p.person == person) return &p;
  }
  return nullptr;
}

Reconciliation Reconcile(const std::vector<FaceOutcome>& faces,
                         const std::vector<Mention>& mentions) {
  // The face that keeps each person: highest similarity, first on a tie.
  std::unordered_map<PersonId, std::size_t> face_of;
  for (std::size_t f = 0; f < faces.size(); ++f) {
    if (!faces[f].person) continue;
    auto [it, inserted] = face_of.emplace(*faces[f].person, f);
    if (!inserted && faces[f].similarity > faces[it->second].similarity) it->second = f;
  }
  std::unordered_map<PersonId, std::vector<std::size_t>> mentions_of;
  for (std::size_t m = 0; m < mentions.size(); ++m) mentions_of[mentions[m].person].push_back(m);

  Reconciliation result;
  for (std::size_t f = 0; f < faces.size(); ++f) {
    const auto& person = faces[f].person;
    if (!person || face_of.at(*person) != f) {
      result.unknown_faces.push_back(f);
      continue;
    }
    PersonPresence p;
    p.person = *person;
    p.face = f;
    p.similarity = faces[f].similarity;
    const auto mentioned = mentions_of.find(*person);
    if (mentioned != mentions_of.end()) {
      p.presence = Presence::kPicturedAndMentioned;
      p.mentions = mentioned->second;
    } else {
      p.presence = Presence::kPicturedNotMentioned;
    }
    result.persons.push_back(std::move(p));
  }
  for (const PersonId person : MentionedPersons(mentions)) {
    if (face_of.count(person) > 0) continue;
    PersonPresence p;
    p.person = person;
    p.presence = Presence::kMentionedNotPictured;
    p.mentions = mentions_of.at(person);
    result.persons.push_back(std::move(p));
  }
  return result;
}

float MentionedThreshold(float list_threshold, float mention_floor, float max_relief) {
  if (std::isnan(list_threshold) || std::isnan(mention_floor) || std::isnan(max_relief)) {
    return list_threshold;
  }
  const float relief = std::max(max_relief, 0.0f);
  const float lowered = std::max(mention_floor, list_threshold - relief);
  return std::min(list_threshold, lowered);
}

std::vector<FaceNaming> NameFaces(const std::vector<std::vector<RankedCandidate>>& candidates,
                                  const std::vector<PersonId>& mentioned, const NamingRule& rule) {
  const std::unordered_set<PersonId> mentioned_set(mentioned.begin(), mentioned.end());
  const float lowered =
      MentionedThreshold(rule.list_threshold, rule.mention_floor, rule.max_relief);

  std::vector<FaceNaming> namings(candidates.size());
  for (std::size_t f = 0; f < candidates.size(); ++f) {
    // Best similarity per person; NaN never clears anything.
    std::unordered_map<PersonId, float> best_of;
    for (const RankedCandidate& c : candidates[f]) {
      const float s = std::isnan(c.similarity) ? -INFINITY : c.similarity;
      auto [it, inserted] = best_of.emplace(c.person, s);
      if (!inserted) it->second = std::max(it->second, s);
    }
    std::vector<RankedCandidate> ranked;
    ranked.reserve(best_of.size());
    for (const auto& [person, similarity] : best_of) ranked.push_back({person, similarity});
    // Ties are broken by person id so that the result does not depend on
    // the order the candidates came in.
    std::sort(ranked.begin(), ranked.end(), [](const RankedCandidate& a, const RankedCandidate& b) {
      if (a.similarity != b.similarity) return a.similarity > b.similarity;
      return a.person < b.person;
    });

    FaceNaming& naming = namings[f];
    naming.threshold = rule.list_threshold;
    if (ranked.empty()) continue;
    const RankedCandidate& best = ranked.front();
    naming.best = best;
    const bool is_mentioned = mentioned_set.count(best.person) > 0;
    naming.threshold = is_mentioned ? lowered : rule.list_threshold;
    if (!(best.similarity >= naming.threshold)) continue;  // kUnknown
    if (ranked.size() > 1 && !(best.similarity - ranked[1].similarity >= rule.margin)) {
      naming.verdict = FaceVerdict::kAmbiguous;
      continue;
    }
    naming.verdict = FaceVerdict::kNamed;
    naming.outcome = {best.person, best.similarity};
    naming.by_mention = !(best.similarity >= rule.list_threshold);
  }

  // One face per person: the surest face keeps the name.
  std::unordered_map<PersonId, std::size_t> keeper;
  for (std::size_t f = 0; f < namings.size(); ++f) {
    if (namings[f].verdict != FaceVerdict::kNamed) continue;
    const PersonId person = *namings[f].outcome.person;
    auto [it, inserted] = keeper.emplace(person, f);
    if (inserted) continue;
    std::size_t loser = f;
    if (namings[f].outcome.similarity > namings[it->second].outcome.similarity) {
      loser = it->second;
      it->second = f;
    }
    namings[loser].verdict = FaceVerdict::kDuplicate;
    namings[loser].outcome = {std::nullopt, 0};
    namings[loser].by_mention = false;
  }
  return namings;
}

std::vector<FaceOutcome> Outcomes(const std::vector<FaceNaming>& namings) {
  std::vector<FaceOutcome> outcomes;
  outcomes.reserve(namings.size());
  for (const FaceNaming& n : namings) outcomes.push_back(n.outcome);
  return outcomes;
}

}  // namespace facetag::captions
