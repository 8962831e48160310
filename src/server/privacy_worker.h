// The privacy officer's background work in the service: opt-out rewrites
// and photo exports (privacy::RunJob), one at a time in submission order,
// and the scheduled retention purge (privacy::PurgeNow).
//
// Thread safety: Submit and Stop may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <string>
#include <thread>

#include "facetag/privacy.h"
#include "facetag/thread_annotations.h"

namespace facetag::server {

struct Service;

class PrivacyWorker {
 public:
  // Resumes the privacy jobs an earlier run left unfinished, then waits for
  // work. `purge_every` 0: no scheduled purge.
  PrivacyWorker(Service& service, std::chrono::hours purge_every);
  ~PrivacyWorker();

  // Queues job `job`; `token` is a photo export's download token (for the
  // link in its notification), empty otherwise.
  void Submit(JobId job, std::string token = {});
  // Stops after the photo in flight; the job stays resumable.
  void Stop();

 private:
  enum class Next { kStop, kPurge, kJob };
  void Run();
  // Waits for work or the time of the next purge; `work` is set for kJob.
  Next Wait(std::chrono::steady_clock::time_point next_purge,
            std::pair<JobId, std::string>& work);

  Service& service_;
  const std::chrono::hours purge_every_;
  Mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<std::pair<JobId, std::string>> queue_ FACETAG_GUARDED_BY(mutex_);
  bool stopping_ FACETAG_GUARDED_BY(mutex_) = false;
  std::atomic<bool> stop_flag_{false};
  std::thread thread_;
};

}  // namespace facetag::server
