// Incremental clustering of face embeddings (facetag/discovery.h).
//
// A new face looks up its nearest neighbours among the faces clustered so
// far (exactly below ClusteringOptions::index_from faces, through HNSW from
// then on). Neighbours above the link similarity vote for their clusters,
// but a face joins a cluster only when it is like the cluster's mean: a
// single borderline neighbour cannot pull a face of somebody else in, and a
// face linking two clusters merges them only when their means agree. This is
// the guard against the chaining that plain connected components (and, to a
// lesser degree, Chinese whispers) suffer on large graphs: with N faces each
// compared to its k neighbours, a per-pair false-accept rate that is small
// still yields many false edges, and one false edge joins two people.
#include <cblas.h>
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>

#include "facetag/discovery.h"

namespace facetag::discovery {

Result<void> CheckClusteringOptions(const ClusteringOptions& o) {
  auto similarity = [](float value, const char* name) -> Result<void> {
    if (std::isfinite(value) && value >= -1 && value <= 1) return {};
    return Fail(ErrorCode::kInvalidArgument,
                std::string(name) + " " + std::to_string(value) + " is outside [-1, 1]");
  };
  FACETAG_RETURN_IF_ERROR(similarity(o.link_similarity, "link similarity"));
  FACETAG_RETURN_IF_ERROR(similarity(o.join_similarity, "join similarity"));
  FACETAG_RETURN_IF_ERROR(similarity(o.merge_similarity, "merge similarity"));
  if (o.neighbours < 1 || o.neighbours > 1000) {
    return Fail(ErrorCode::kInvalidArgument,
                "neighbours " + std::to_string(o.neighbours) + " is outside 1-1000");
  }
  if (o.index_links < 2 || o.index_build_candidates < 2 || o.index_search_candidates < 2) {
    return Fail(ErrorCode::kInvalidArgument, "HNSW parameters must be at least 2");
  }
  return {};
}

namespace {

struct ClusterState {
  std::vector<float> sum;           // of the members' embeddings
  std::vector<std::uint32_t> rows;  // member rows, in the order they came
};

float Norm(const std::vector<float>& v) {
  return std::sqrt(cblas_sdot(static_cast<int>(v.size()), v.data(), 1, v.data(), 1));
}

}  // namespace

struct Clusterer::Impl {
  int dimension = 0;
  ClusteringOptions options;
  std::vector<float> rows;  // face_count x dimension
  std::vector<FaceId> face_of_row;
  std::vector<ClusterKey> cluster_of_row;
  std::unordered_map<FaceId, std::uint32_t> row_of_face;
  std::unordered_map<ClusterKey, ClusterState> clusters;
  std::unordered_map<ClusterKey, ClusterKey> merged_into;
  std::vector<std::pair<ClusterKey, ClusterKey>> merges;
  ClusterKey next_new_key = -1;
  std::unique_ptr<hnswlib::InnerProductSpace> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index;
  std::vector<float> scores;  // scratch for the exact search

  // Once the index is built it holds the vectors (its internal ids are the
  // rows: points are added in row order and never removed) and `rows` is
  // freed: one copy of the embeddings, not two.

  Result<void> CheckEmbedding(FaceId face, std::span<const float> embedding) const {
    if (static_cast<int>(embedding.size()) != dimension) {
      return Fail(ErrorCode::kInvalidArgument, "face " + std::to_string(face) + ": embedding of " +
                                                   std::to_string(embedding.size()) +
                                                   " values, expected " +
                                                   std::to_string(dimension));
    }
    for (const float v : embedding) {
      if (!std::isfinite(v)) {
        return Fail(ErrorCode::kInvalidArgument,
                    "face " + std::to_string(face) + ": embedding has a non-finite value");
      }
    }
    if (row_of_face.count(face)) {
      return Fail(ErrorCode::kInvalidArgument, "face " + std::to_string(face) + " given twice");
    }
    return {};
  }

  void IndexRow(const float* embedding, std::uint32_t row) {
    if (index->cur_element_count >= index->max_elements_) {
      index->resizeIndex(std::max<std::size_t>(1024, index->max_elements_ * 2));
    }
    index->addPoint(embedding, row);
  }

  void MaybeStartIndex() {
    if (index || face_of_row.size() < options.index_from) return;
    space = std::make_unique<hnswlib::InnerProductSpace>(dimension);
    index = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        space.get(), std::max<std::size_t>(1024, face_of_row.size() * 2), options.index_links,
        options.index_build_candidates, /*random_seed=*/100);
    for (std::uint32_t row = 0; row < face_of_row.size(); ++row) {
      index->addPoint(rows.data() + std::size_t{row} * dimension, row);
    }
    rows.clear();
    rows.shrink_to_fit();
  }

  std::uint32_t AppendRow(FaceId face, ClusterKey cluster, std::span<const float> embedding) {
    const auto row = static_cast<std::uint32_t>(face_of_row.size());
    if (!index) rows.insert(rows.end(), embedding.begin(), embedding.end());
    face_of_row.push_back(face);
    cluster_of_row.push_back(cluster);
    row_of_face.emplace(face, row);
    ClusterState& state = clusters[cluster];
    if (state.sum.empty()) state.sum.assign(dimension, 0.0f);
    cblas_saxpy(dimension, 1.0f, embedding.data(), 1, state.sum.data(), 1);
    state.rows.push_back(row);
    if (index) IndexRow(embedding.data(), row);
    return row;
  }

  // Rows of the nearest faces with similarity >= link, best first.
  std::vector<std::pair<float, std::uint32_t>> Neighbours(std::span<const float> embedding) {
    std::vector<std::pair<float, std::uint32_t>> found;
    const auto k = static_cast<std::size_t>(options.neighbours);
    const std::size_t n = face_of_row.size();
    if (n == 0) return found;
    if (index) {
      index->setEf(std::max<std::size_t>(k, options.index_search_candidates));
      auto queue = index->searchKnn(embedding.data(), std::min(k, n));
      while (!queue.empty()) {
        const auto [distance, label] = queue.top();
        queue.pop();
        const float similarity = 1.0f - distance;  // hnswlib's inner-product distance
        if (similarity >= options.link_similarity) {
          found.emplace_back(similarity, static_cast<std::uint32_t>(label));
        }
      }
    } else {
      scores.resize(n);
      cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(n), dimension, 1.0f, rows.data(),
                  dimension, embedding.data(), 1, 0.0f, scores.data(), 1);
      for (std::uint32_t row = 0; row < n; ++row) {
        if (scores[row] >= options.link_similarity) found.emplace_back(scores[row], row);
      }
      if (found.size() > k) {
        std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(k),
                          found.end(), std::greater<>());
        found.resize(k);
      }
    }
    std::sort(found.begin(), found.end(), std::greater<>());
    return found;
  }

  float MeanSimilarity(std::span<const float> embedding, const ClusterState& state) const {
    const float norm = Norm(state.sum);
    if (norm <= 0) return -1;
    return cblas_sdot(dimension, embedding.data(), 1, state.sum.data(), 1) / norm;
  }

  float MeansSimilarity(const ClusterState& a, const ClusterState& b) const {
    const float na = Norm(a.sum), nb = Norm(b.sum);
    if (na <= 0 || nb <= 0) return -1;
    return cblas_sdot(dimension, a.sum.data(), 1, b.sum.data(), 1) / (na * nb);
  }

  // Merges two current clusters; returns the survivor.
  ClusterKey MergeClusters(ClusterKey a, ClusterKey b) {
    ClusterState& sa = clusters.at(a);
    ClusterState& sb = clusters.at(b);
    ClusterKey survivor;
    if (a > 0 && b > 0) {
      survivor = std::min(a, b);
    } else if (a > 0 || b > 0) {
      survivor = a > 0 ? a : b;
    } else {
      survivor = sa.rows.size() >= sb.rows.size() ? a : b;
    }
    const ClusterKey absorbed = survivor == a ? b : a;
    ClusterState& keep = clusters.at(survivor);
    ClusterState& gone = clusters.at(absorbed);
    cblas_saxpy(dimension, 1.0f, gone.sum.data(), 1, keep.sum.data(), 1);
    for (const std::uint32_t row : gone.rows) cluster_of_row[row] = survivor;
    keep.rows.insert(keep.rows.end(), gone.rows.begin(), gone.rows.end());
    clusters.erase(absorbed);
    merged_into[absorbed] = survivor;
    merges.emplace_back(absorbed, survivor);
    return survivor;
  }
};

Clusterer::Clusterer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Clusterer::Clusterer(Clusterer&&) noexcept = default;
Clusterer& Clusterer::operator=(Clusterer&&) noexcept = default;
Clusterer::~Clusterer() = default;

Result<Clusterer> Clusterer::Create(int dimension, const ClusteringOptions& options) {
  if (dimension < 1) {
    return Fail(ErrorCode::kInvalidArgument,
                "embedding dimension " + std::to_string(dimension) + " is below 1");
  }
  FACETAG_RETURN_IF_ERROR(CheckClusteringOptions(options));
  auto impl = std::make_unique<Impl>();
  impl->dimension = dimension;
  impl->options = options;
  return Clusterer(std::move(impl));
}

Result<void> Clusterer::Restore(FaceId face, ClusterKey cluster, std::span<const float> embedding) {
  FACETAG_RETURN_IF_ERROR(impl_->CheckEmbedding(face, embedding));
  if (cluster <= 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "a restored cluster needs a stored id, not " + std::to_string(cluster));
  }
  impl_->AppendRow(face, cluster, embedding);
  impl_->MaybeStartIndex();
  return {};
}

Result<ClusterKey> Clusterer::Add(FaceId face, std::span<const float> embedding) {
  Impl& s = *impl_;
  FACETAG_RETURN_IF_ERROR(s.CheckEmbedding(face, embedding));
  const auto neighbours = s.Neighbours(embedding);
  // The clusters the neighbours vote for, each once, in order of the best
  // neighbour, with the face's similarity to their mean.
  std::vector<std::pair<float, ClusterKey>> passing;
  std::unordered_set<ClusterKey> seen;
  for (const auto& [similarity, row] : neighbours) {
    const ClusterKey key = s.cluster_of_row[row];
    if (!seen.insert(key).second) continue;
    const float to_mean = s.MeanSimilarity(embedding, s.clusters.at(key));
    if (to_mean >= s.options.join_similarity) passing.emplace_back(to_mean, key);
  }
  ClusterKey target;
  if (passing.empty()) {
    target = s.next_new_key--;
  } else {
    std::stable_sort(passing.begin(), passing.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    target = passing.front().second;
  }
  s.AppendRow(face, target, embedding);
  for (std::size_t i = 1; i < passing.size(); ++i) {
    const ClusterKey other = passing[i].second;
    if (other == target || !s.clusters.count(other)) continue;
    if (s.MeansSimilarity(s.clusters.at(target), s.clusters.at(other)) >=
        s.options.merge_similarity) {
      target = s.MergeClusters(target, other);
    }
  }
  s.MaybeStartIndex();
  return target;
}

ClusterKey Clusterer::Resolve(ClusterKey key) const {
  auto it = impl_->merged_into.find(key);
  while (it != impl_->merged_into.end()) {
    key = it->second;
    it = impl_->merged_into.find(key);
  }
  return key;
}

const std::vector<std::pair<ClusterKey, ClusterKey>>& Clusterer::merges() const {
  return impl_->merges;
}

std::optional<ClusterKey> Clusterer::ClusterOf(FaceId face) const {
  auto it = impl_->row_of_face.find(face);
  if (it == impl_->row_of_face.end()) return std::nullopt;
  return impl_->cluster_of_row[it->second];
}

std::unordered_map<ClusterKey, std::vector<FaceId>> Clusterer::Clusters() const {
  std::unordered_map<ClusterKey, std::vector<FaceId>> out;
  for (const auto& [key, state] : impl_->clusters) {
    auto& faces = out[key];
    for (const std::uint32_t row : state.rows) faces.push_back(impl_->face_of_row[row]);
  }
  return out;
}

std::vector<float> Clusterer::Mean(ClusterKey key) const {
  auto it = impl_->clusters.find(key);
  if (it == impl_->clusters.end()) return {};
  std::vector<float> mean = it->second.sum;
  NormalizeL2(mean);
  return mean;
}

std::size_t Clusterer::face_count() const { return impl_->face_of_row.size(); }

bool Clusterer::indexed() const { return impl_->index != nullptr; }

}  // namespace facetag::discovery
