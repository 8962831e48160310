// The facetag service (facetag/server.h): wiring of the HTTP server, the
// route table, the shared Service, background jobs and shutdown.
#include <sodium.h>
#include <sys/stat.h>

#include <fstream>
#include <iostream>

#include "http.h"
#include "privacy_worker.h"
#include "service.h"

namespace facetag::server {
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// ScratchPhoto

Result<ScratchPhoto> ScratchPhoto::Write(const fs::path& folder, std::string_view bytes) {
  char name[40];
  std::snprintf(name, sizeof(name), "upload-%08x%08x", randombytes_random(), randombytes_random());
  fs::path path = folder / name;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::error_code ec;
      fs::remove(path, ec);
      return Fail(ErrorCode::kIo, "could not hold the upload for processing");
    }
  }
  ::chmod(path.c_str(), 0600);
  return ScratchPhoto(std::move(path));
}

ScratchPhoto::~ScratchPhoto() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove(path_, ec);
}

// ---------------------------------------------------------------------------
// Service

Result<std::shared_ptr<const app::ListSnapshot>> Service::List() {
  {
    std::lock_guard lock(list_mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now - list_loaded_ > options.list_refresh) {
      app.Refresh();
      list_loaded_ = now;
    }
  }
  return app.List();
}

void Service::ListChanged() { app.Refresh(); }

std::optional<AnalyzerPool::Lease> Service::LeaseAnalyzer(httplib::Response& res) {
  auto lease = analyzers.Acquire();
  if (lease) return std::move(*lease);
  if (lease.error() == AnalyzerPool::Refusal::kDraining) {
    SendError(res, 503, "unavailable", "the server is shutting down");
  } else {
    metrics.AddRejectedOverload();
    res.set_header("Retry-After", std::to_string(options.retry_after_seconds));
    SendError(res, 429, "too_many_requests",
              "all analyzers are busy and the queue is full; retry after " +
                  std::to_string(options.retry_after_seconds) + " s");
  }
  return std::nullopt;
}

void Service::Audit(const Caller& caller, std::string action, std::string subject,
                    const nlohmann::json& details) {
  AuditRecord record{caller.actor.empty() ? "facetag serve" : caller.actor, std::move(action),
                     std::move(subject), details.dump()};
  auto appended = store.archive().AppendAudit(record);
  if (!appended) {
    std::cerr << "facetag serve: audit entry not written: " << appended.error().message << "\n";
  }
}

std::string Service::ClientMessage(std::string message, const fs::path& file,
                                   std::string_view known_as) const {
  const std::string path = file.string();
  if (!path.empty()) {
    for (std::size_t at; (at = message.find(path)) != std::string::npos;) {
      message.replace(at, path.size(), known_as);
    }
  }
  const std::string root = options.photo_root.string();
  if (!root.empty()) {
    for (std::size_t at; (at = message.find(root)) != std::string::npos;) {
      message.replace(at, root.size(), "");
    }
  }
  return message;
}

void Service::SendFailure(httplib::Response& res, const Error& error, const fs::path& file,
                          std::string_view known_as) const {
  ApiError api = ToApiError(error);
  if (api.status != 500) api.message = ClientMessage(api.message, file, known_as);
  SendError(res, api);
}

// ---------------------------------------------------------------------------
// JobRunner

JobRunner::JobRunner(Service& service, std::size_t max_queued)
    : service_(service), max_queued_(max_queued), thread_([this] { Run(); }) {}

JobRunner::~JobRunner() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

Result<Job> JobRunner::SubmitIngest(const Caller& caller, std::vector<std::string> locations,
                                    bool write_metadata) {
  std::lock_guard lock(mutex_);
  if (stopping_) return Fail(ErrorCode::kRejected, "the server is shutting down");
  if (queue_.size() >= max_queued_) {
    return Fail(ErrorCode::kRejected,
                std::to_string(queue_.size()) + " jobs are waiting already; submit later");
  }
  const nlohmann::json params = {{"locations", locations}, {"write_metadata", write_metadata}};
  auto job = service_.store.service().CreateJob("ingest", caller.actor, params.dump());
  if (!job) return job;
  queue_.push_back(job->id);
  wake_.notify_one();
  return job;
}

int JobRunner::queued() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(queue_.size());
}

void JobRunner::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_flag_ = true;
  wake_.notify_all();
}

void JobRunner::Run() {
  ServiceStore& jobs = service_.store.service();
  for (;;) {
    JobId id = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        for (JobId left : queue_) {
          (void)jobs.UpdateJob(left, JobStatus::kInterrupted, 0, 0, R"({"reason":"shutdown"})");
        }
        queue_.clear();
        return;
      }
      id = queue_.front();
    }
    auto job = jobs.GetJob(id);
    const auto params = job ? nlohmann::json::parse(job->params, nullptr, false)
                            : nlohmann::json();
    std::vector<std::string> files;
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& location : params.value("locations", nlohmann::json::array())) {
      auto resolved = ResolveLocation(service_.options.photo_root, location.get<std::string>());
      if (!resolved) {
        errors.push_back({{"location", location}, {"error", resolved.error().message}});
        continue;
      }
      if (fs::is_directory(*resolved)) {
        auto listed = pipeline::ListPhotoFiles(*resolved);
        if (listed) {
          for (const auto& file : *listed) files.push_back(file.string());
        }
      } else {
        files.push_back(resolved->string());
      }
    }
    (void)jobs.UpdateJob(id, JobStatus::kRunning, 0, static_cast<std::int64_t>(files.size()), "{}");
    (void)service_.List();  // a list changed by another process is seen by this job
    app::BatchOptions options;
    options.workers = 1;  // the request analyzers keep the other core
    options.ingest.write_metadata = params.value("write_metadata", false);
    options.ingest.actor = job ? job->created_by : "facetag serve";
    options.stop = &stop_flag_;
    options.progress = [&](std::size_t done, std::size_t total) {
      (void)jobs.UpdateJob(id, JobStatus::kRunning, static_cast<std::int64_t>(done),
                           static_cast<std::int64_t>(total), "{}");
    };
    auto summary = service_.app.Ingest(
        files, [this] { return vision::FaceAnalyzer::Create(service_.pack); }, options);
    nlohmann::json result;
    JobStatus status = JobStatus::kDone;
    if (!summary) {
      status = JobStatus::kFailed;
      result = {{"error", ToApiError(summary.error()).message}};
    } else {
      for (const auto& [file, error] : summary->errors) {
        errors.push_back({{"location", RelativeLocation(service_.options.photo_root, file)},
                          {"error", service_.ClientMessage(error.message, {}, "")}});
      }
      result = {{"files", summary->files},
                {"ingested", summary->ingested},
                {"skipped", summary->skipped},
                {"failed", summary->failed},
                {"faces", summary->faces},
                {"tagged", summary->tagged},
                {"unknown", summary->unknown},
                {"low_quality", summary->low_quality},
                {"not_started", summary->not_started},
                {"errors", errors}};
      service_.metrics.AddPhotos(static_cast<std::int64_t>(summary->ingested));
      service_.metrics.AddFaces(static_cast<std::int64_t>(summary->faces));
      if (summary->not_started > 0) status = JobStatus::kInterrupted;
    }
    (void)jobs.UpdateJob(id, status, summary ? static_cast<std::int64_t>(summary->files -
                                                                         summary->not_started)
                                             : 0,
                         static_cast<std::int64_t>(files.size()), result.dump());
    std::lock_guard lock(mutex_);
    if (!queue_.empty()) queue_.pop_front();
  }
}

// ---------------------------------------------------------------------------
// The server

namespace {

class HttpServer final : public Server {
 public:
  HttpServer(Store& store, const ModelPack& pack, const ServerOptions& options,
             std::unique_ptr<AnalyzerPool> analyzers, fs::path scratch)
      : pack_(pack),
        analyzers_(std::move(analyzers)),
        service_(store, pack_, options, *analyzers_, metrics_, std::move(scratch)),
        router_(store.service(), metrics_) {}

  ~HttpServer() override {
    jobs_.reset();
    privacy_.reset();
    std::error_code ec;
    fs::remove_all(service_.scratch, ec);
  }

  Result<void> Bind() override {
    Configure();
    const ServerOptions& o = service_.options;
    if (o.port == 0) {
      port_ = http_.bind_to_any_port(o.host);
    } else {
      port_ = http_.bind_to_port(o.host, o.port) ? o.port : -1;
    }
    if (port_ <= 0) {
      return Fail(ErrorCode::kIo, "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                      " (address in use or invalid)");
    }
    return {};
  }

  int port() const override { return port_; }

  Result<void> Serve() override {
    if (port_ <= 0) FACETAG_RETURN_IF_ERROR(Bind());
    auto interrupted = service_.store.service().InterruptUnfinishedJobs();
    if (!interrupted) return tl::unexpected(interrupted.error());
    jobs_ = std::make_unique<JobRunner>(service_);
    service_.jobs = jobs_.get();
    privacy_ = std::make_unique<PrivacyWorker>(service_, service_.options.purge_every);
    service_.privacy_worker = privacy_.get();
    if (!http_.listen_after_bind()) {
      if (!stopping_) return Fail(ErrorCode::kIo, "the server stopped listening");
    }
    return {};
  }

  void Shutdown() override {
    stopping_ = true;
    analyzers_->Drain();
    if (jobs_) jobs_->Stop();
    if (privacy_) privacy_->Stop();
    // stop() closes the listening socket; the pool finishes the requests it
    // has and listen_after_bind returns.
    http_.stop();
  }

 private:
  void Configure() {
    if (configured_) return;
    configured_ = true;
    const ServerOptions& o = service_.options;
    const std::size_t threads = static_cast<std::size_t>(std::max(4, o.http_threads));
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    http_.set_payload_max_length(o.max_body_bytes);
    http_.set_read_timeout(o.io_timeout.count(), 0);
    http_.set_write_timeout(o.io_timeout.count(), 0);
    // An idle keep-alive connection holds a thread: no longer than a request may stall.
    http_.set_keep_alive_timeout(std::min<std::time_t>(5, o.io_timeout.count()));
    http_.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                               {"Referrer-Policy", "no-referrer"},
                               {"X-Frame-Options", "DENY"},
                               {"Cache-Control", "no-store"}});
    // Errors httplib answers itself (413, 400, unknown paths) get the JSON
    // error body too.
    http_.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      switch (res.status) {
        case 404:
          SendError(res, 404, "not_found", "no such endpoint: " + req.method + " " +
                                               req.path.substr(0, 200));
          break;
        case 413:
          SendError(res, 413, "payload_too_large", "the request body is larger than allowed");
          break;
        case 400:
          SendError(res, 400, "invalid_argument", "the request is malformed");
          break;
        default:
          SendError(res, res.status, "error", "the request could not be answered");
      }
      return httplib::Server::HandlerResponse::Handled;
    }));
    http_.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
          SendError(res, ToApiError(Error{ErrorCode::kInternal, "unhandled exception"}));
        });

    AddOperationRoutes();
    AddPhotoRoutes(router_, service_);
    AddListRoutes(router_, service_);
    AddReviewRoutes(router_, service_);
    AddCandidateRoutes(router_, service_);
    AddAdminRoutes(router_, service_);
    AddPrivacyRoutes(router_, service_);
    router_.Install(http_);
    if (!o.web_root.empty()) {
      http_.set_mount_point("/", o.web_root.string());
      http_.set_file_request_handler([](const httplib::Request&, httplib::Response& res) {
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; "
                       "frame-ancestors 'none'");
        res.set_header("Cache-Control", "no-cache");
      });
    }
  }

  void AddOperationRoutes() {
    router_.Add({"GET", "/healthz", {}, "Liveness: the service answers."},
                [this](const Caller&, const httplib::Request&, httplib::Response& res) {
                  SendJson(res, {{"status", stopping_ ? "stopping" : "ok"}},
                           stopping_ ? 503 : 200);
                });
    router_.Add({"GET", "/metrics", {}, "Prometheus metrics (text exposition format)."},
                [this](const Caller&, const httplib::Request&, httplib::Response& res) {
                  res.set_content(metrics_.Render(analyzers_->waiting(), analyzers_->busy(),
                                                  jobs_ ? jobs_->queued() : 0),
                                  "text/plain; version=0.0.4");
                });
    router_.Add({"GET", "/openapi.json", {}, "This description of the API (OpenAPI 3.0)."},
                [this](const Caller&, const httplib::Request&, httplib::Response& res) {
                  SendJson(res, router_.OpenApi("1"));
                });
  }

  const ModelPack& pack_;
  std::unique_ptr<AnalyzerPool> analyzers_;
  Metrics metrics_;
  Service service_;
  Router router_;
  httplib::Server http_;
  std::unique_ptr<JobRunner> jobs_;
  std::unique_ptr<PrivacyWorker> privacy_;
  int port_ = -1;
  bool configured_ = false;
  std::atomic<bool> stopping_{false};
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(Store& store, const ModelPack& pack,
                                               const ServerOptions& options) {
  if (options.max_body_bytes < 1024) {
    return Fail(ErrorCode::kInvalidArgument, "the body limit must be at least 1 KiB");
  }
  if (!options.photo_root.empty() && !fs::is_directory(options.photo_root)) {
    return Fail(ErrorCode::kNotFound,
                "the photo folder " + options.photo_root.string() + " does not exist");
  }
  if (!options.web_root.empty() && !fs::is_directory(options.web_root)) {
    return Fail(ErrorCode::kNotFound,
                "the web folder " + options.web_root.string() + " does not exist");
  }
  auto analyzers = AnalyzerPool::Create(pack, options.workers, options.queue_capacity);
  if (!analyzers) return tl::unexpected(analyzers.error());
  std::error_code ec;
  char name[48];
  std::snprintf(name, sizeof(name), "facetag-serve-%08x", randombytes_random());
  const fs::path scratch = fs::temp_directory_path(ec) / name;
  if (ec || !fs::create_directory(scratch, ec) || ec) {
    return Fail(ErrorCode::kIo, "cannot create a private temporary folder");
  }
  fs::permissions(scratch, fs::perms::owner_all, ec);
  return std::unique_ptr<Server>(
      new HttpServer(store, pack, options, std::move(*analyzers), scratch));
}

}  // namespace facetag::server
