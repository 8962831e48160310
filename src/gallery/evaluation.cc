#include "facetag/evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace facetag::evaluation {
namespace {

std::string LfwImage(const std::string& name, int number) {
  char file[16];
  std::snprintf(file, sizeof file, "_%04d.jpg", number);
  return name + "/" + name + file;
}

}  // namespace

Result<PairFile> ReadLfwPairs(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot open pairs file " + path.string());
  PairFile file;
  std::string line;
  std::getline(in, line);
  {
    std::istringstream header(line);
    int a = 0, b = 0;
    if (!(header >> a)) {
      return Fail(ErrorCode::kInvalidArgument, path.string() + ":1: expected a pair count");
    }
    if (header >> b) file.folds = a;
  }
  int line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream fields(line);
    std::vector<std::string> parts;
    for (std::string part; fields >> part;) parts.push_back(part);
    try {
      if (parts.size() == 3) {
        file.pairs.push_back({LfwImage(parts[0], std::stoi(parts[1])),
                              LfwImage(parts[0], std::stoi(parts[2])), true});
        continue;
      }
      if (parts.size() == 4) {
        file.pairs.push_back({LfwImage(parts[0], std::stoi(parts[1])),
                              LfwImage(parts[2], std::stoi(parts[3])), false});
        continue;
      }
    } catch (const std::exception&) {
    }
    return Fail(ErrorCode::kInvalidArgument,
                path.string() + ":" + std::to_string(line_number) + ": not an LFW pair: " + line);
  }
  if (file.pairs.empty()) return Fail(ErrorCode::kInvalidArgument, path.string() + ": no pairs");
  return file;
}

double Accuracy(const std::vector<ScoredPair>& pairs, float threshold) {
  if (pairs.empty()) return 0;
  std::size_t right = 0;
  for (const ScoredPair& p : pairs) right += (p.similarity >= threshold) == p.same;
  return static_cast<double>(right) / static_cast<double>(pairs.size());
}

float BestThreshold(const std::vector<ScoredPair>& pairs) {
  if (pairs.empty()) return 0.5f;
  std::vector<ScoredPair> sorted = pairs;
  std::sort(sorted.begin(), sorted.end(),
            [](const ScoredPair& a, const ScoredPair& b) { return a.similarity < b.similarity; });
  // Sweep the threshold upwards through the sorted scores: below index i
  // everything is "different". Start with all "same".
  std::ptrdiff_t correct = 0;
  for (const ScoredPair& p : sorted) correct += p.same;
  std::ptrdiff_t best_correct = correct;
  float best = sorted.front().similarity - 1e-4f;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    correct += sorted[i].same ? -1 : 1;
    if (i + 1 < sorted.size() && sorted[i + 1].similarity == sorted[i].similarity) continue;
    if (correct > best_correct) {
      best_correct = correct;
      best = i + 1 < sorted.size() ? (sorted[i].similarity + sorted[i + 1].similarity) / 2
                                   : sorted[i].similarity + 1e-4f;
    }
  }
  return best;
}

TarAtFar TrueAcceptAtFalseAccept(const std::vector<ScoredPair>& pairs, double target_far) {
  std::vector<float> impostors, genuines;
  for (const ScoredPair& p : pairs) (p.same ? genuines : impostors).push_back(p.similarity);
  TarAtFar result;
  if (impostors.empty() || genuines.empty()) return result;
  std::sort(impostors.begin(), impostors.end(), std::greater<>());
  // Allowed number of accepted impostors; the threshold sits just above the
  // next one.
  const auto allowed = static_cast<std::size_t>(std::floor(target_far * impostors.size()));
  result.threshold =
      allowed < impostors.size() ? std::nextafter(impostors[allowed], 2.0f) : impostors.back();
  std::size_t accepted = 0;
  for (float s : impostors) accepted += s >= result.threshold;
  std::size_t hits = 0;
  for (float s : genuines) hits += s >= result.threshold;
  result.far = static_cast<double>(accepted) / impostors.size();
  result.tar = static_cast<double>(hits) / genuines.size();
  return result;
}

CrossValidation CrossValidate(const std::vector<ScoredPair>& pairs, int folds) {
  CrossValidation cv;
  if (folds < 2 || pairs.size() < static_cast<std::size_t>(folds)) return cv;
  const std::size_t fold_size = pairs.size() / folds;
  std::vector<double> accuracies;
  double threshold_sum = 0;
  for (int f = 0; f < folds; ++f) {
    std::vector<ScoredPair> train, test;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      (i / fold_size == static_cast<std::size_t>(f) ? test : train).push_back(pairs[i]);
    }
    const float t = BestThreshold(train);
    threshold_sum += t;
    accuracies.push_back(Accuracy(test, t));
  }
  double mean = 0;
  for (double a : accuracies) mean += a;
  mean /= folds;
  double var = 0;
  for (double a : accuracies) var += (a - mean) * (a - mean);
  cv.mean_accuracy = mean;
  cv.std_accuracy = std::sqrt(var / folds);
  cv.mean_threshold = static_cast<float>(threshold_sum / folds);
  return cv;
}

}  // namespace facetag::evaluation
