// The JSON form of values that the command line (--json) and the HTTP API
// both show, so that a script sees the same fields from either.
#pragma once

#include <nlohmann/json.hpp>

#include "facetag/person.h"
#include "facetag/types.h"

namespace facetag {

// {"x", "y", "width", "height"} in pixels of the displayed photo.
nlohmann::json BoxJson(const FaceBox& box);

// {"id", "uri", "name", "aliases", "justification", "criteria":
// {"public_figure", "recurring_in_news", "likely_searched"}, "profiles",
// "created_at"}. Never the profiles' embeddings.
nlohmann::json PersonJson(const Person& person);

}  // namespace facetag
