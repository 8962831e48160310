// The quality gate and opt-out suppression (facetag/discovery.h).
#include <algorithm>
#include <cmath>

#include "facetag/discovery.h"

namespace facetag::discovery {

FaceQuality MeasureQuality(const FaceBox& box, float detection_score,
                           const Landmarks68& landmarks) {
  FaceQuality quality;
  quality.face_pixels = box.height;
  quality.detection_score = detection_score;
  // Points 0 and 16 are the ends of the jaw line at ear height, 30 the nose
  // tip (iBUG 300-W). Turning the head moves the nose towards one end.
  const float left = landmarks[30].x - landmarks[0].x;
  const float right = landmarks[16].x - landmarks[30].x;
  const float span = std::abs(left) + std::abs(right);
  if (!(span > 0) || !std::isfinite(span)) {
    quality.yaw = 1;
  } else {
    quality.yaw = std::clamp((left - right) / span, -1.0f, 1.0f);
  }
  return quality;
}

std::string GateReason(const FaceQuality& quality, const QualityGate& gate) {
  if (!(quality.face_pixels >= gate.min_face_pixels)) return "small";
  if (!(quality.detection_score >= gate.min_detection_score)) return "uncertain";
  if (!(std::abs(quality.yaw) <= gate.max_yaw)) return "turned";
  return {};
}

bool IsSuppressed(const Suppression& suppression, std::string_view model_id,
                  std::span<const float> embedding) {
  for (const Embedding& t : suppression.templates) {
    if (t.model_id != model_id || t.values.size() != embedding.size()) continue;
    float dot = 0;
    for (std::size_t i = 0; i < embedding.size(); ++i) dot += t.values[i] * embedding[i];
    if (dot >= suppression.min_similarity) return true;
  }
  return false;
}

}  // namespace facetag::discovery
