// Open-set matching of face embeddings against the list.
//
// The matcher ranks the listed persons a face resembles; the threshold
// functions say how alike is alike enough for a list of a given size. Who a
// face is, is decided by DecidePhoto (facetag/decision.h) from these.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "facetag/decision.h"
#include "facetag/model_pack.h"
#include "facetag/person.h"
#include "facetag/result.h"
#include "facetag/types.h"

namespace facetag::gallery {

struct MatchPolicy {
  // Accepted chance that a face of somebody not on the list is given a name,
  // over the whole list. The per-comparison rate is this divided by the
  // number of comparisons a face meets (ListThreshold).
  double false_accept_per_face = 1e-3;
  // Required lead of the best person over the second best (similarity).
  // Negative: take the pack's calibrated margin.
  float margin = -1;
};

// What a face is compared with: the persons that can be named and the
// profile vectors the matcher holds for them (vectors >= persons).
struct ListShape {
  std::size_t persons = 0;
  std::size_t vectors = 0;
};

// The acceptance threshold for a list of this shape. A face's score for a
// person is its best similarity over all the person's vectors, so a face of
// somebody not on the list gets one chance per vector, not per person: the
// per-comparison rate is policy.false_accept_per_face divided by
// max(persons, vectors, 1) (a union bound; docs/architecture.md, Matching,
// has the measured curves).
float ListThreshold(const PackThresholds& thresholds, const MatchPolicy& policy,
                    const ListShape& shape);

// An index of the profile embeddings of one model, searched exhaustively
// with BLAS (a matrix-vector product per face).
//
// Thread safety: immutable after Build; Rank may run concurrently from any
// number of threads.
class Matcher {
 public:
  // Keeps the profiles whose embedding was made by `model_id` and has
  // `dimension` values; others are skipped (their count is in skipped()).
  static Matcher Build(const std::string& model_id, int dimension,
                       const std::vector<Profile>& profiles);

  // The best persons for `probe`, best first, at most `k`.
  std::vector<Candidate> Rank(const Embedding& probe, std::size_t k) const;

  std::size_t profile_count() const { return person_of_row_.size(); }
  std::size_t person_count() const { return person_count_; }
  // What a face is compared with (for ListThreshold).
  ListShape shape() const { return {person_count_, person_of_row_.size()}; }
  std::size_t skipped() const { return skipped_; }
  const std::string& model_id() const { return model_id_; }

 private:
  std::string model_id_;
  int dimension_ = 0;
  std::vector<float> rows_;  // profile_count x dimension, row-major
  std::vector<PersonId> person_of_row_;
  std::size_t person_count_ = 0;
  std::size_t skipped_ = 0;
};

// The faces of persons who opted out (facetag/privacy_store.h): one
// averaged template per person and model. A face whose similarity to a
// template reaches the threshold is never tagged, never stored with its
// embedding by ingest, and never proposed by discovery.
//
// Thread safety: immutable; Suppresses may run concurrently.
class SuppressionList {
 public:
  SuppressionList() = default;
  // Keeps the templates of `model_id` only.
  SuppressionList(const std::string& model_id, std::vector<Embedding> templates, float threshold);

  // True when `face` (of this list's model) reaches the threshold with any
  // template. False for another model's embedding or a different length.
  bool Suppresses(const Embedding& face) const;

  std::size_t size() const { return templates_.size(); }
  float threshold() const { return threshold_; }

 private:
  std::string model_id_;
  std::vector<Embedding> templates_;
  float threshold_ = 1;
};

// The similarity from which a face counts as an opted-out person's: the
// pack's similarity at its suppression operating point (1e-3 per template,
// about 0.345 for the default pack). Lower than the list threshold of a long
// list, because a missed suppression tags someone who said no, while a
// false one only leaves a face unnamed.
float SuppressionThreshold(const PackThresholds& thresholds);

}  // namespace facetag::gallery
