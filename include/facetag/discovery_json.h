// The JSON form of discovery candidates, shown alike by `facetag candidates
// --json` and the HTTP API (GET /api/v1/candidates).
#pragma once

#include <nlohmann/json.hpp>

#include "facetag/discovery.h"

namespace facetag::discovery {

// {"id", "state", "faces", "photo_count", "event_count", "last_date",
// "recurring", "best_faces", "photos": [{"photo", "location", "date",
// "faces"}], "names": [{"name", "score", "cluster_photos", "archive_photos",
// "evidence": [{"photo", "begin", "end", "text", "hint"}]}]}, and "person"
// when approved. No embedding.
nlohmann::json CandidateJson(const Candidate& candidate);

}  // namespace facetag::discovery
