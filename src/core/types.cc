#include "facetag/types.h"

#include <algorithm>
#include <cmath>

#include "facetag/enum_text.h"

namespace facetag {

FaceBox ClipToFrame(const FaceBox& box, float width, float height) {
  const float x0 = std::clamp(box.x, 0.0f, width);
  const float y0 = std::clamp(box.y, 0.0f, height);
  const float x1 = std::clamp(box.x + box.width, 0.0f, width);
  const float y1 = std::clamp(box.y + box.height, 0.0f, height);
  return {x0, y0, x1 - x0, y1 - y0};
}

float IntersectionOverUnion(const FaceBox& a, const FaceBox& b) {
  const float left = std::max(a.x, b.x);
  const float top = std::max(a.y, b.y);
  const float right = std::min(a.x + a.width, b.x + b.width);
  const float bottom = std::min(a.y + a.height, b.y + b.height);
  const float inter = std::max(0.0f, right - left) * std::max(0.0f, bottom - top);
  const float uni = a.Area() + b.Area() - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

float CosineSimilarity(const std::vector<float>& a, const std::vector<float>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  double dot = 0;
  for (std::size_t i = 0; i < n; ++i) dot += static_cast<double>(a[i]) * b[i];
  // Unit vectors stored as float have lengths within rounding of 1.
  return static_cast<float>(std::clamp(dot, -1.0, 1.0));
}

void NormalizeL2(std::vector<float>& values) {
  double sum = 0;
  for (float v : values) sum += static_cast<double>(v) * v;
  if (sum <= 0) return;
  const auto inv = static_cast<float>(1.0 / std::sqrt(sum));
  for (float& v : values) v *= inv;
}

const char* QualityIssueName(QualityIssue issue) {
  static constexpr EnumText<QualityIssue> kText[] = {{QualityIssue::kNone, "none"},
                                                     {QualityIssue::kNotAFace, "not_a_face"},
                                                     {QualityIssue::kTooSmall, "too_small"},
                                                     {QualityIssue::kBlurred, "blurred"},
                                                     {QualityIssue::kProfileView, "profile_view"},
                                                     {QualityIssue::kCutOff, "cut_off"}};
  return ToText(kText, issue);
}

std::optional<QualityIssue> ParseQualityIssue(std::string_view text) {
  for (const auto issue :
       {QualityIssue::kNone, QualityIssue::kNotAFace, QualityIssue::kTooSmall,
        QualityIssue::kBlurred, QualityIssue::kProfileView, QualityIssue::kCutOff}) {
    if (text == QualityIssueName(issue)) return issue;
  }
  return std::nullopt;
}

}  // namespace facetag
