#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "facetag/gallery.h"

namespace facetag::gallery {

float ListThreshold(const PackThresholds& thresholds, const MatchPolicy& policy,
                    const ListShape& shape) {
  const std::size_t comparisons = std::max<std::size_t>({1, shape.persons, shape.vectors});
  const double per_comparison = policy.false_accept_per_face / static_cast<double>(comparisons);
  return thresholds.SimilarityAt(per_comparison);
}

Matcher Matcher::Build(const std::string& model_id, int dimension,
                       const std::vector<Profile>& profiles) {
  Matcher m;
  m.model_id_ = model_id;
  m.dimension_ = dimension;
  // Rows grouped by person so the per-person maximum is a linear scan.
  std::vector<const Profile*> usable;
  for (const Profile& p : profiles) {
    if (p.embedding.model_id == model_id &&
        p.embedding.values.size() == static_cast<std::size_t>(dimension)) {
      usable.push_back(&p);
    } else {
      ++m.skipped_;
    }
  }
  std::stable_sort(usable.begin(), usable.end(),
                   [](const Profile* a, const Profile* b) { return a->person_id < b->person_id; });
  m.rows_.reserve(usable.size() * dimension);
  for (const Profile* p : usable) {
    m.rows_.insert(m.rows_.end(), p->embedding.values.begin(), p->embedding.values.end());
    if (m.person_of_row_.empty() || m.person_of_row_.back() != p->person_id) ++m.person_count_;
    m.person_of_row_.push_back(p->person_id);
  }
  return m;
}

std::vector<Candidate> Matcher::Rank(const Embedding& probe, std::size_t k) const {
  std::vector<Candidate> ranked;
  if (probe.model_id != model_id_ || probe.values.size() != static_cast<std::size_t>(dimension_) ||
      person_of_row_.empty() || k == 0) {
    return ranked;
  }
  const auto n = static_cast<int>(person_of_row_.size());
  std::vector<float> scores(n);
  cblas_sgemv(CblasRowMajor, CblasNoTrans, n, dimension_, 1.0f, rows_.data(), dimension_,
              probe.values.data(), 1, 0.0f, scores.data(), 1);
  ranked.reserve(person_count_);
  for (int i = 0; i < n; ++i) {
    // Cosines of unit vectors; float rounding takes a vector's product with
    // itself just past 1.
    scores[i] = std::clamp(scores[i], -1.0f, 1.0f);
    if (ranked.empty() || ranked.back().person != person_of_row_[i]) {
      ranked.push_back({person_of_row_[i], scores[i]});
    } else {
      ranked.back().similarity = std::max(ranked.back().similarity, scores[i]);
    }
  }
  const std::size_t keep = std::min(k, ranked.size());
  std::partial_sort(
      ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(keep), ranked.end(),
      [](const Candidate& a, const Candidate& b) { return a.similarity > b.similarity; });
  ranked.resize(keep);
  return ranked;
}

SuppressionList::SuppressionList(const std::string& model_id, std::vector<Embedding> templates,
                                 float threshold)
    : model_id_(model_id), threshold_(threshold) {
  for (Embedding& t : templates) {
    if (t.model_id == model_id && !t.values.empty()) templates_.push_back(std::move(t));
  }
}

bool SuppressionList::Suppresses(const Embedding& face) const {
  if (face.model_id != model_id_) return false;
  for (const Embedding& t : templates_) {
    if (t.values.size() == face.values.size() &&
        CosineSimilarity(t.values, face.values) >= threshold_) {
      return true;
    }
  }
  return false;
}

float SuppressionThreshold(const PackThresholds& thresholds) {
  return thresholds.SimilarityAt(thresholds.suppression_far);
}

}  // namespace facetag::gallery
