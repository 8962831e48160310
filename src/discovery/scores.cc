// Clustering scores against a known truth (facetag/discovery.h).
#include <map>
#include <utility>

#include "facetag/discovery.h"

namespace facetag::discovery {
namespace {

double Pairs(double n) { return n * (n - 1) / 2; }

double F(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0; }

}  // namespace

ClusterScores ScoreClusters(const std::vector<std::int64_t>& predicted,
                            const std::vector<std::int64_t>& truth) {
  ClusterScores s;
  s.items = predicted.size();
  if (s.items == 0 || truth.size() != predicted.size()) return s;
  std::map<std::int64_t, double> cluster_size, class_size;
  std::map<std::pair<std::int64_t, std::int64_t>, double> joint;  // (cluster, class)
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    cluster_size[predicted[i]] += 1;
    class_size[truth[i]] += 1;
    joint[{predicted[i], truth[i]}] += 1;
  }
  s.clusters = cluster_size.size();
  s.classes = class_size.size();
  std::map<std::int64_t, double> best_of_cluster, best_of_class;
  double same_both = 0, bcubed_p = 0, bcubed_r = 0;
  for (const auto& [key, n] : joint) {
    best_of_cluster[key.first] = std::max(best_of_cluster[key.first], n);
    best_of_class[key.second] = std::max(best_of_class[key.second], n);
    same_both += Pairs(n);
    // Each of the n items sees n of its kind in its cluster.
    bcubed_p += n * n / cluster_size[key.first];
    bcubed_r += n * n / class_size[key.second];
  }
  const double items = static_cast<double>(s.items);
  for (const auto& [key, n] : best_of_cluster) s.purity += n;
  for (const auto& [key, n] : best_of_class) s.completeness += n;
  s.purity /= items;
  s.completeness /= items;
  double same_cluster = 0, same_class = 0;
  for (const auto& [key, n] : cluster_size) same_cluster += Pairs(n);
  for (const auto& [key, n] : class_size) same_class += Pairs(n);
  s.pairwise_precision = same_cluster > 0 ? same_both / same_cluster : 1;
  s.pairwise_recall = same_class > 0 ? same_both / same_class : 1;
  s.pairwise_f = F(s.pairwise_precision, s.pairwise_recall);
  s.bcubed_precision = bcubed_p / items;
  s.bcubed_recall = bcubed_r / items;
  s.bcubed_f = F(s.bcubed_precision, s.bcubed_recall);
  return s;
}

}  // namespace facetag::discovery
