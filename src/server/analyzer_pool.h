// The service's face analyzers and the bounded queue in front of them.
//
// Recognition is the expensive work (about 0.1 s of CPU per photo). A
// request that needs it leases an analyzer; while all are busy it waits in
// a queue of bounded length. When the queue is full the request is refused
// at once (the client gets 429 and retries later), so memory and latency
// stay bounded whatever the load.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <vector>

#include "facetag/model_pack.h"
#include "facetag/result.h"
#include "facetag/thread_annotations.h"
#include "facetag/vision.h"

namespace facetag::server {

class AnalyzerPool {
 public:
  // Why a lease was not given.
  enum class Refusal { kQueueFull, kDraining };

  // An analyzer for the lease's lifetime; returned to the pool on
  // destruction. Move-only.
  class Lease {
   public:
    Lease(AnalyzerPool* pool, vision::FaceAnalyzer* analyzer) : pool_(pool), analyzer_(analyzer) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), analyzer_(other.analyzer_) {
      other.pool_ = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->Return(analyzer_);
    }
    vision::FaceAnalyzer& analyzer() const { return *analyzer_; }

   private:
    AnalyzerPool* pool_;
    vision::FaceAnalyzer* analyzer_;
  };

  // Loads `workers` analyzers (kModel when the model files are unusable).
  static Result<std::unique_ptr<AnalyzerPool>> Create(const ModelPack& pack, int workers,
                                                      int queue_capacity);

  // A free analyzer, waiting in the queue if needed; the refusal when the
  // queue is full or the pool is draining.
  tl::expected<Lease, Refusal> Acquire();

  // From now on every Acquire is refused with kDraining; leases out finish.
  void Drain();

  int waiting() const;
  int busy() const;

 private:
  AnalyzerPool(std::vector<std::unique_ptr<vision::FaceAnalyzer>> analyzers, int queue_capacity);
  void Return(vision::FaceAnalyzer* analyzer);

  std::vector<std::unique_ptr<vision::FaceAnalyzer>> analyzers_;
  const int queue_capacity_;
  mutable Mutex mutex_;
  std::condition_variable_any returned_;
  std::vector<vision::FaceAnalyzer*> free_ FACETAG_GUARDED_BY(mutex_);
  int waiting_ FACETAG_GUARDED_BY(mutex_) = 0;
  bool draining_ FACETAG_GUARDED_BY(mutex_) = false;
};

}  // namespace facetag::server
