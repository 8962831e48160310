// What the API handlers share: the store, the model pack, the analyzers,
// the loaded list, the background jobs, the metrics and the options.
// Internal to the server module.
//
// Thread safety: every member may be used from any request thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>

#include "analyzer_pool.h"
#include "facetag/app.h"
#include "facetag/json_views.h"
#include "facetag/notify.h"
#include "facetag/pipeline.h"
#include "facetag/server.h"
#include "facetag/store.h"
#include "facetag/thread_annotations.h"
#include "metrics.h"
#include "previews.h"
#include "router.h"

namespace facetag::server {

class JobRunner;
class PrivacyWorker;

// A photo upload held in a private file while it is processed (the
// metadata reader and the enroller read files), removed when this object
// goes. Images are never kept.
class ScratchPhoto {
 public:
  static Result<ScratchPhoto> Write(const std::filesystem::path& folder, std::string_view bytes);
  ScratchPhoto(ScratchPhoto&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchPhoto& operator=(ScratchPhoto&&) = delete;
  ~ScratchPhoto();
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchPhoto(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

struct Service {
  Service(Store& store_in, const ModelPack& pack_in, ServerOptions options_in,
          AnalyzerPool& analyzers_in, Metrics& metrics_in, std::filesystem::path scratch_in)
      : store(store_in),
        pack(pack_in),
        files(PhotoFiles::Disk()),
        app(store_in, pack_in, *files),
        options(std::move(options_in)),
        analyzers(analyzers_in),
        metrics(metrics_in),
        scratch(std::move(scratch_in)) {}

  Store& store;
  const ModelPack& pack;
  const std::unique_ptr<PhotoFiles> files;
  app::App app;  // the use cases the handlers call
  const ServerOptions options;
  AnalyzerPool& analyzers;
  Metrics& metrics;
  JobRunner* jobs = nullptr;
  PrivacyWorker* privacy_worker = nullptr;  // opt-out and export jobs, scheduled purge
  // Sends export notices to allowed destinations and makes download links.
  privacy::Notifier* notifier = nullptr;
  PreviewPool* previews = nullptr;
  PreviewCache* preview_cache = nullptr;  // null: no cache
  std::filesystem::path scratch;  // private folder for uploads in process

  // The list (persons and profiles), reloaded at most every
  // options.list_refresh (changes by other processes), and at once after a
  // change made through `app`.
  Result<std::shared_ptr<const app::ListSnapshot>> List();
  void ListChanged();

  // An analyzer lease, or the 429/503 already sent to `res` (empty).
  std::optional<AnalyzerPool::Lease> LeaseAnalyzer(httplib::Response& res);

  // Appends an audit entry; a failure is logged, not sent (the change it
  // records has been made).
  void Audit(const Caller& caller, std::string action, std::string subject,
             const nlohmann::json& details = nlohmann::json::object());

  // An error message with the server's own paths replaced by what the client
  // knows them as (the upload, or the location below the photo folder).
  std::string ClientMessage(std::string message, const std::filesystem::path& file,
                            std::string_view known_as) const;
  void SendFailure(httplib::Response& res, const Error& error, const std::filesystem::path& file,
                   std::string_view known_as) const;

 private:
  Mutex list_mutex_;
  std::chrono::steady_clock::time_point list_loaded_ FACETAG_GUARDED_BY(list_mutex_) = {};
};

// Background jobs (ingest of many photos by location), one at a time, in
// submission order, each with its progress in the store.
class JobRunner {
 public:
  explicit JobRunner(Service& service, std::size_t max_queued = 64);
  ~JobRunner();
  // Queues a job. kRejected when max_queued jobs wait already.
  Result<Job> SubmitIngest(const Caller& caller, std::vector<std::string> locations,
                           bool write_metadata);
  int queued() const;
  // Stops after the photos in flight; queued jobs become interrupted.
  void Stop();

 private:
  void Run();

  Service& service_;
  const std::size_t max_queued_;
  mutable Mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<JobId> queue_ FACETAG_GUARDED_BY(mutex_);  // front: the job running
  bool stopping_ FACETAG_GUARDED_BY(mutex_) = false;
  std::atomic<bool> stop_flag_{false};
  std::thread thread_;
};

// The routes of each area.
void AddPhotoRoutes(Router& router, Service& service);
void AddListRoutes(Router& router, Service& service);
void AddReviewRoutes(Router& router, Service& service);
void AddCandidateRoutes(Router& router, Service& service);
void AddAdminRoutes(Router& router, Service& service);
void AddPrivacyRoutes(Router& router, Service& service);

// The "criteria" of a request body: "all", or an object with the three
// booleans public_figure, recurring_in_news, likely_searched, each required.
Result<ListingCriteria> CriteriaField(const nlohmann::json& body);
// A person to list from a request body: "name" (required), "aliases" (a
// list of strings), "justification" and "criteria" (as CriteriaField); the
// listing rule itself is the App's.
Result<NewPerson> NewPersonFields(const nlohmann::json& body);

// {"id", "name", "uri"} of the listed person `id`; null when `id` is empty,
// {"id"} alone when the person is gone.
nlohmann::json PersonRefJson(Store& store, std::optional<PersonId> id);

// The file of an archived photo when it lies below the photo folder (its
// location stored relative to it, or absolute inside it); kNotFound else.
Result<std::filesystem::path> ArchivedPhotoFile(const Service& service,
                                                const std::string& location);

// Sends a JPEG rendition (options.crop: one face) of an archived photo,
// from the preview cache, else made from its file on the preview pool when
// the file lies below the photo folder; 404 when this server cannot read
// it, 429 when the pool is full.
void SendRendition(Service& service, const StoredPhoto& photo,
                   const vision::RenditionOptions& options, httplib::Response& res);

}  // namespace facetag::server
