#include "facetag/discovery_json.h"

namespace facetag::discovery {

nlohmann::json CandidateJson(const Candidate& c) {
  nlohmann::json photos = nlohmann::json::array();
  for (const auto& p : c.photos) {
    photos.push_back(
        {{"photo", p.photo}, {"location", p.location}, {"date", p.date}, {"faces", p.faces}});
  }
  nlohmann::json names = nlohmann::json::array();
  for (const auto& n : c.names) {
    nlohmann::json evidence = nlohmann::json::array();
    for (const auto& e : n.evidence) {
      evidence.push_back({{"photo", e.photo},
                          {"begin", e.begin},
                          {"end", e.end},
                          {"text", e.text},
                          {"hint", PositionHintName(e.hint)}});
    }
    names.push_back({{"name", n.name},
                     {"score", n.score},
                     {"cluster_photos", n.cluster_photos},
                     {"archive_photos", n.archive_photos},
                     {"evidence", evidence}});
  }
  nlohmann::json out = {{"id", c.cluster.id},
                        {"state", CandidateStateName(c.cluster.state)},
                        {"faces", c.cluster.face_count},
                        {"photo_count", c.photo_count},
                        {"event_count", c.event_count},
                        {"last_date", c.last_date},
                        {"recurring", c.recurring},
                        {"best_faces", c.best_faces},
                        {"photos", photos},
                        {"names", names}};
  if (c.cluster.person) out["person"] = *c.cluster.person;
  return out;
}

}  // namespace facetag::discovery
