#include "privacy_worker.h"

#include <iostream>

#include "service.h"

namespace facetag::server {

PrivacyWorker::PrivacyWorker(Service& service, std::chrono::hours purge_every)
    : service_(service), purge_every_(purge_every) {
  auto unfinished = privacy::UnfinishedJobs(service_.store);
  if (unfinished) {
    for (const Job& job : *unfinished) queue_.emplace_back(job.id, "");
  } else {
    std::cerr << "facetag serve: cannot list unfinished privacy jobs: "
              << unfinished.error().message << "\n";
  }
  thread_ = std::thread([this] { Run(); });
}

PrivacyWorker::~PrivacyWorker() { Stop(); }

void PrivacyWorker::Submit(JobId job, std::string token) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(job, std::move(token));
  }
  wake_.notify_one();
}

void PrivacyWorker::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  stop_flag_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PrivacyWorker::Run() {
  auto next_purge = std::chrono::steady_clock::now() + purge_every_;
  for (;;) {
    std::pair<JobId, std::string> work;
    {
      std::unique_lock lock(mutex_);
      const auto ready = [this] { return stopping_ || !queue_.empty(); };
      if (purge_every_.count() > 0) {
        wake_.wait_until(lock, next_purge, ready);
      } else {
        wake_.wait(lock, ready);
      }
      if (stopping_) return;
      if (queue_.empty()) {
        // The scheduled purge: the stored retention periods, at this time.
        lock.unlock();
        auto report = privacy::PurgeNow(service_.store, std::chrono::system_clock::now(), false,
                                        "facetag serve (scheduled purge)");
        if (!report) {
          std::cerr << "facetag serve: scheduled purge failed: " << report.error().message << "\n";
        }
        if (service_.preview_cache != nullptr) service_.preview_cache->Clear();
        if (!service_.options.export_folder.empty()) {
          auto swept = privacy::SweepExpiredExports(service_.store, service_.options.export_folder,
                                                    std::chrono::system_clock::now());
          if (!swept) {
            std::cerr << "facetag serve: cannot sweep expired exports: " << swept.error().message
                      << "\n";
          }
        }
        next_purge = std::chrono::steady_clock::now() + purge_every_;
        continue;
      }
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    privacy::JobRunOptions options;
    options.archived_tags = [this](PhotoId photo) { return service_.app.ArchivedTags(photo); };
    options.rewrite_photo = [this](PhotoId photo) { return service_.app.WriteTags(photo); };
    options.export_folder = service_.options.export_folder;
    options.photo_folder = service_.options.photo_root;
    options.notifier = service_.notifier;
    options.notify = service_.options.notify;
    options.download_token = work.second;
    options.stop = &stop_flag_;
    auto outcome = privacy::RunJob(service_.store, work.first, options);
    if (!outcome) {
      std::cerr << "facetag serve: privacy job " << work.first << ": " << outcome.error().message
                << "\n";
    }
    // An opt-out changed the list and the suppression records; no preview
    // of a face made before it may be served from the cache.
    service_.ListChanged();
    if (service_.preview_cache != nullptr) service_.preview_cache->Clear();
  }
}

}  // namespace facetag::server
