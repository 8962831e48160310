// The facetag service (facetag/server.h): wiring of the HTTP server, the
// route table, the shared Service, background jobs and shutdown.
#include <sodium.h>
#include <sys/stat.h>

#include <iostream>

#include "facetag/file_io.h"
#include "front.h"
#include "http.h"
#include "privacy_worker.h"
#include "service.h"
#include "web_pages.h"

namespace facetag::server {
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// ScratchPhoto

Result<ScratchPhoto> ScratchPhoto::Write(const fs::path& folder, std::string_view bytes) {
  char name[40];
  std::snprintf(name, sizeof(name), "upload-%08x%08x", randombytes_random(), randombytes_random());
  fs::path path = folder / name;
  if (!WritePrivateFile(path, {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()})) {
    return Fail(ErrorCode::kIo, "could not hold the upload for processing");
  }
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
    MutexLock lock(list_mutex_);
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
  MutexLock lock(mutex_);
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
  MutexLock lock(mutex_);
  return static_cast<int>(queue_.size());
}

void JobRunner::Stop() {
  {
    MutexLock lock(mutex_);
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
      MutexLock lock(mutex_);
      wake_.wait(mutex_,
                 [&]() FACETAG_REQUIRES(mutex_) { return stopping_ || !queue_.empty(); });
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
    MutexLock lock(mutex_);
    if (!queue_.empty()) queue_.pop_front();
  }
}

// ---------------------------------------------------------------------------
// The server

namespace {

FrontLimits LimitsOf(const ServerOptions& o) {
  FrontLimits limits;
  limits.max_connections = std::max(1, o.max_connections);
  limits.max_connections_per_client = std::max(0, o.max_connections_per_client);
  limits.header_timeout = o.header_timeout;
  limits.body_timeout = o.body_timeout;
  limits.idle_timeout = o.io_timeout;
  // An idle kept-alive connection holds a thread: no longer than a request may stall.
  limits.keep_alive_timeout = std::min<std::chrono::milliseconds>(std::chrono::seconds(5),
                                                                   o.io_timeout);
  limits.max_body_bytes = o.max_body_bytes;
  limits.retry_after_seconds = o.retry_after_seconds;
  return limits;
}

// The JSON body of an error answer that has none: those httplib and the
// front make themselves (docs/errors.md).
void ErrorBody(const httplib::Request& req, httplib::Response& res) {
  switch (res.status) {
    case 400:
      return SendError(res, 400, "invalid_argument", "the request is malformed");
    case 404:
      return SendError(res, 404, "not_found",
                       "no such endpoint: " + req.method + " " + req.path.substr(0, 200));
    case 408:
      return SendError(res, 408, "request_timeout",
                       "the request did not arrive in time; the connection is closed");
    case 413:
      return SendError(res, 413, "payload_too_large", "the request body is larger than allowed");
    case 414:
      return SendError(res, 414, "uri_too_long", "the request line is longer than allowed");
    case 416:
      return SendError(res, 416, "range_not_satisfiable", "the requested range is not available");
    case 431:
      return SendError(res, 431, "headers_too_large", "the request headers are larger than allowed");
    default:
      if (res.status >= 500) {
        return SendError(res, res.status, "internal", "the request could not be answered");
      }
      return SendError(res, res.status, "invalid_argument", "the request could not be answered");
  }
}

// Export notices through the relay notifier, with what went wrong written
// to the operator's log (the requester learns only "not sent").
class LoggingNotifier final : public privacy::Notifier {
 public:
  explicit LoggingNotifier(const ServerOptions& o)
      : relay_(
            o.notify,
            [file = o.notify_allow_file]() -> Result<privacy::NotifyAllowList> {
              if (file.empty()) return privacy::NotifyAllowList{};
              return privacy::LoadAllowList(file);
            },
            [prefix = DownloadPrefix(o)](std::string_view token) {
              return prefix + std::string(token);
            }) {}

  std::string DownloadLink(std::string_view token) const override {
    return relay_.DownloadLink(token);
  }
  Result<void> CheckMail(std::string_view to) const override { return relay_.CheckMail(to); }
  Result<void> CheckWebhook(std::string_view url) const override {
    return relay_.CheckWebhook(url);
  }
  Result<void> SendMail(std::string_view to, std::string_view subject,
                        std::string_view body) override {
    return Logged("mail", relay_.SendMail(to, subject, body));
  }
  Result<void> PostWebhook(std::string_view url, std::string_view json) override {
    return Logged("webhook", relay_.PostWebhook(url, json));
  }

 private:
  // Where download links start: the route below the service's public
  // address, else the prefix the notify options carry.
  static std::string DownloadPrefix(const ServerOptions& o) {
    if (o.public_url.empty()) return o.notify.download_url;
    std::string base = o.public_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/api/v1/privacy/exports/download/";
  }

  static Result<void> Logged(const char* what, Result<void> sent) {
    if (!sent) {
      std::cerr << "facetag serve: export notice (" << what << ") not sent: "
                << sent.error().message << "\n";
    }
    return sent;
  }

  privacy::RelayNotifier relay_;
};

class HttpServer final : public Server {
 public:
  HttpServer(Store& store, const ModelPack& pack, const ServerOptions& options,
             std::unique_ptr<AnalyzerPool> analyzers, fs::path scratch, WebPages pages)
      : pack_(pack),
        pages_(std::move(pages)),
        schema_version_(store.SchemaVersion()),
        analyzers_(std::move(analyzers)),
        service_(store, pack_, options, *analyzers_, metrics_, std::move(scratch)),
        notifier_(options),
        previews_(PreviewOptions{options.preview_workers, options.preview_queue,
                                 options.preview_pixel_budget, options.preview_cache_folder,
                                 options.preview_cache_bytes}),
        router_(store.service(), metrics_, options.max_body_bytes),
        http_(
            LimitsOf(options), metrics_,
            [this](const httplib::Request& req, httplib::Response& res) {
              return router_.Admit(req, res);
            },
            ErrorBody) {
    service_.notifier = &notifier_;
    service_.previews = &previews_;
  }

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
    http_.WidenBacklog(std::max(128, o.max_connections));
    return {};
  }

  int port() const override { return port_; }

  Result<void> Serve() override {
    if (port_ <= 0) FACETAG_RETURN_IF_ERROR(Bind());
    if (!service_.options.preview_cache_folder.empty() && !preview_cache_) {
      FACETAG_ASSIGN_OR_RETURN(preview_cache_,
                               PreviewCache::Open(service_.options.preview_cache_folder,
                                                  service_.options.preview_cache_bytes));
      service_.preview_cache = preview_cache_.get();
    }
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
    http_.set_read_timeout(o.io_timeout.count(), 0);
    http_.set_write_timeout(o.io_timeout.count(), 0);
    // Cache-Control is the front's (once, "no-store" unless a route says
    // otherwise).
    http_.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                               {"Referrer-Policy", "no-referrer"},
                               {"X-Frame-Options", "DENY"}});
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
      // The pages from memory (composed at start), their style sheet and
      // scripts as files of the web folder; the same headers for both.
      const auto web_headers = [](httplib::Response& res) {
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; "
                       "frame-ancestors 'none'");
        res.set_header("Cache-Control", "no-cache");
      };
      for (const auto& [path, html] : pages_) {
        const auto serve = [&html = html, web_headers](const httplib::Request&,
                                                       httplib::Response& res) {
          web_headers(res);
          res.set_content(html, "text/html; charset=utf-8");
        };
        // cpp-httplib takes a pattern: the dot of ".html" must match only a dot.
        std::string pattern = path;
        pattern.insert(pattern.rfind('.'), "\\");
        http_.Get(pattern, serve);
        if (path == "/index.html") http_.Get("/", serve);
      }
      http_.set_mount_point("/", o.web_root.string());
      http_.set_file_request_handler(
          [web_headers](const httplib::Request&, httplib::Response& res) { web_headers(res); });
    }
  }

  void AddOperationRoutes() {
    router_.Add({"GET", "/healthz", {}, "Liveness: the service answers."},
                [this](const Caller&, const httplib::Request&, httplib::Response& res) {
                  SendJson(res,
                           {{"status", stopping_ ? "stopping" : "ok"},
                            {"model_pack", pack_.id},
                            {"schema_version", schema_version_}},
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
  const WebPages pages_;      // composed at start, served from memory
  const int schema_version_;  // for /healthz
  std::unique_ptr<AnalyzerPool> analyzers_;
  Metrics metrics_;
  Service service_;
  LoggingNotifier notifier_;
  PreviewPool previews_;
  std::unique_ptr<PreviewCache> preview_cache_;
  Router router_;
  FrontServer http_;
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
  if (options.max_connections < 1 || options.max_connections_per_client < 0 ||
      options.preview_workers < 1 || options.preview_queue < 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "connection and preview limits must be positive (a per-client cap of 0: none)");
  }
  if (!options.photo_root.empty() && !fs::is_directory(options.photo_root)) {
    return Fail(ErrorCode::kNotFound,
                "the photo folder " + options.photo_root.string() + " does not exist");
  }
  if (!options.web_root.empty() && !fs::is_directory(options.web_root)) {
    return Fail(ErrorCode::kNotFound,
                "the web folder " + options.web_root.string() + " does not exist");
  }
  WebPages pages;
  if (!options.web_root.empty()) {
    auto composed = ComposeWebPages(options.web_root);
    if (!composed) return tl::unexpected(composed.error());
    pages = std::move(*composed);
  }
  auto analyzers = AnalyzerPool::Create(pack, options.workers, options.queue_capacity);
  if (!analyzers) return tl::unexpected(analyzers.error());
  std::error_code ec;
  char name[48];
  std::snprintf(name, sizeof(name), "facetag-serve-%08x", randombytes_random());
  const fs::path scratch = fs::temp_directory_path(ec) / name;
  // Created 0700 by mkdir itself (no moment when others may enter), and
  // never an existing folder someone else made under that name.
  if (ec || ::mkdir(scratch.c_str(), 0700) != 0) {
    return Fail(ErrorCode::kIo, "cannot create a private temporary folder");
  }
  return std::unique_ptr<Server>(
      new HttpServer(store, pack, options, std::move(*analyzers), scratch, std::move(pages)));
}

}  // namespace facetag::server
