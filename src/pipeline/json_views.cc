#include "facetag/json_views.h"

#include <cmath>

namespace facetag {

nlohmann::json BoxJson(const FaceBox& box) {
  // Tenths of a pixel: the detector is not more precise than that.
  auto round1 = [](float v) { return std::round(static_cast<double>(v) * 10) / 10; };
  return {{"x", round1(box.x)},
          {"y", round1(box.y)},
          {"width", round1(box.width)},
          {"height", round1(box.height)}};
}

nlohmann::json PersonJson(const Person& p) {
  return {{"id", p.id},
          {"uri", p.uri},
          {"name", p.name},
          {"aliases", p.aliases},
          {"justification", p.justification},
          {"criteria",
           {{"public_figure", p.criteria.public_figure},
            {"recurring_in_news", p.criteria.recurring_in_news},
            {"likely_searched", p.criteria.likely_searched}}},
          {"profiles", p.profile_count},
          {"created_at", p.created_at}};
}

}  // namespace facetag
