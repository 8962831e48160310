#include "analyzer_pool.h"

namespace facetag::server {

Result<std::unique_ptr<AnalyzerPool>> AnalyzerPool::Create(const ModelPack& pack, int workers,
                                                           int queue_capacity) {
  if (workers < 1 || queue_capacity < 0) {
    return Fail(ErrorCode::kInvalidArgument, "the server needs at least one worker and a queue "
                                             "capacity of zero or more");
  }
  std::vector<std::unique_ptr<vision::FaceAnalyzer>> analyzers;
  for (int i = 0; i < workers; ++i) {
    auto analyzer = vision::FaceAnalyzer::Create(pack);
    if (!analyzer) return tl::unexpected(analyzer.error());
    analyzers.push_back(std::move(*analyzer));
  }
  return std::unique_ptr<AnalyzerPool>(new AnalyzerPool(std::move(analyzers), queue_capacity));
}

AnalyzerPool::AnalyzerPool(std::vector<std::unique_ptr<vision::FaceAnalyzer>> analyzers,
                           int queue_capacity)
    : analyzers_(std::move(analyzers)), queue_capacity_(queue_capacity) {
  MutexLock lock(mutex_);
  for (auto& a : analyzers_) free_.push_back(a.get());
}

tl::expected<AnalyzerPool::Lease, AnalyzerPool::Refusal> AnalyzerPool::Acquire() {
  MutexLock lock(mutex_);
  if (draining_) return tl::unexpected(Refusal::kDraining);
  if (free_.empty()) {
    if (waiting_ >= queue_capacity_) return tl::unexpected(Refusal::kQueueFull);
    ++waiting_;
    returned_.wait(mutex_, [&]() FACETAG_REQUIRES(mutex_) { return !free_.empty(); });
    --waiting_;
  }
  vision::FaceAnalyzer* analyzer = free_.back();
  free_.pop_back();
  return Lease(this, analyzer);
}

void AnalyzerPool::Return(vision::FaceAnalyzer* analyzer) {
  {
    MutexLock lock(mutex_);
    free_.push_back(analyzer);
  }
  returned_.notify_one();
}

void AnalyzerPool::Drain() {
  MutexLock lock(mutex_);
  draining_ = true;
}

int AnalyzerPool::waiting() const {
  MutexLock lock(mutex_);
  return waiting_;
}

int AnalyzerPool::busy() const {
  MutexLock lock(mutex_);
  return static_cast<int>(analyzers_.size() - free_.size());
}

}  // namespace facetag::server
