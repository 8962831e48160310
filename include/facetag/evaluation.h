// Verification protocol on labelled pairs (LFW's file format and rules):
// threshold selection, accuracy, TAR at a given FAR, 10-fold cross-validation.
//
// Thread safety: free functions on values; safe from any thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "facetag/result.h"

namespace facetag::evaluation {

struct ImagePair {
  std::string first;  // path relative to the image folder, e.g. "Name/Name_0001.jpg"
  std::string second;
  bool same = false;
};

struct PairFile {
  int folds = 1;  // LFW's first line "10 300" means 10 folds of 300 + 300 pairs
  std::vector<ImagePair> pairs;
};

// Reads an LFW pairs file: first line "N" or "FOLDS N"; then "name i j" (same
// person) or "name1 i name2 j" (different). Errors: kNotFound, kInvalidArgument
// naming the line that does not parse.
Result<PairFile> ReadLfwPairs(const std::filesystem::path& path);

// A similarity for each pair, and its label.
struct ScoredPair {
  float similarity = 0;
  bool same = false;
};

// The threshold maximising accuracy on `pairs` ("same" when similarity >=
// threshold): the midpoint between two neighbouring scores.
float BestThreshold(const std::vector<ScoredPair>& pairs);

double Accuracy(const std::vector<ScoredPair>& pairs, float threshold);

struct TarAtFar {
  double far = 0;  // achieved false-accept rate
  double tar = 0;  // true-accept rate at that threshold
  float threshold = 0;
};

// The lowest threshold whose false-accept rate on the different pairs does
// not exceed `target_far`, and the true-accept rate there.
TarAtFar TrueAcceptAtFalseAccept(const std::vector<ScoredPair>& pairs, double target_far);

struct CrossValidation {
  double mean_accuracy = 0;
  double std_accuracy = 0;
  float mean_threshold = 0;
};

// LFW's 10-fold protocol: for each fold, the threshold is chosen on the
// other folds and accuracy measured on this one. `pairs` in file order.
CrossValidation CrossValidate(const std::vector<ScoredPair>& pairs, int folds);

}  // namespace facetag::evaluation
