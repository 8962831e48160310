// The facetag service: an HTTP/JSON API (docs/http-api.md) over the store,
// the recognition pipeline and the archive, with API keys and roles, limits
// on everything a client can send, Prometheus metrics, an OpenAPI
// description, and the web pages served from a folder.
//
// Thread safety: Serve blocks the calling thread and answers requests on a
// pool of its own; Shutdown may be called from any other thread (a signal
// watcher) and returns once work in flight has finished.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "facetag/model_pack.h"
#include "facetag/privacy.h"
#include "facetag/result.h"
#include "facetag/store.h"

namespace facetag::server {

struct ServerOptions {
  std::string host = "127.0.0.1";  // listen address; loopback by default
  int port = 8080;                 // 0: any free port (see Server::port)
  // Photo locations given to the API (tag, ingest jobs, renditions) are
  // paths relative to this folder and must stay inside it. Empty: those
  // endpoints answer 404 for every location.
  std::filesystem::path photo_root;
  // Static web pages served at "/". Empty: no pages.
  std::filesystem::path web_root;
  // Larger request bodies: 413, before the body is read (chunked bodies:
  // as soon as they pass it).
  std::size_t max_body_bytes = 40u << 20;
  int workers = 2;          // face analyzers (recognition work in parallel)
  int queue_capacity = 8;   // recognition requests waiting for an analyzer; beyond: 429
  // Connections open at once, each served by its own thread; beyond: 503
  // at once. docs/security.md explains the limits.
  int max_connections = 128;
  // Connections open at once from one client address; beyond: 429 at once.
  // 0: no cap (behind a reverse proxy, which is then the only client). A
  // browser keeps up to 6 per site and profile, and an office behind one
  // address brings several: 32 leaves them room and still keeps one
  // address from holding more than a quarter of max_connections.
  int max_connections_per_client = 32;
  std::chrono::seconds header_timeout{10};  // request line and headers must arrive within
  std::chrono::seconds body_timeout{60};    // a request body must arrive within
  std::chrono::seconds io_timeout{10};  // a client silent this long within a request is dropped
  int retry_after_seconds = 2;          // the Retry-After of a 429
  // Previews (renditions of photos, face thumbnails): made at most
  // `preview_workers` at once, with at most `preview_pixel_budget` decoded
  // pixels in all (a larger photo runs alone); `preview_queue` may wait;
  // beyond: 429.
  int preview_workers = 2;
  int preview_queue = 8;
  std::uint64_t preview_pixel_budget = 160'000'000;
  // A private disk cache of previews (0700, files 0600), emptied at start
  // and after opt-outs and purges; empty: none.
  std::filesystem::path preview_cache_folder;
  std::uint64_t preview_cache_bytes = 256ull << 20;
  // How long a loaded list (persons and profiles) is reused before it is
  // read again; changes made through this server take effect at once.
  std::chrono::seconds list_refresh{30};
  // Where photo exports are built and kept until their links expire.
  // Empty: POST /api/v1/privacy/exports answers 503.
  std::filesystem::path export_folder;
  // The SMTP relay of export notifications (its download_url is used only
  // when public_url is empty).
  privacy::NotifyOptions notify;
  // The service's address as clients reach it ("https://facetag.agency.example"),
  // which download links in notifications start with. Empty:
  // notify.download_url + token.
  std::string public_url;
  // The allow-list of notification destinations (facetag/notify.h), a file
  // an admin edits through PUT /api/v1/notify-destinations. Empty: no
  // notification is ever sent.
  std::filesystem::path notify_allow_file;
  // How often the retention purge runs (with the stored periods); 0: never
  // (only on request).
  std::chrono::hours purge_every{24};
};

class Server {
 public:
  // Prepares the server; loads the face analyzers (kModel errors when the
  // model files are missing). Binds nothing yet. `store` must outlive it.
  static Result<std::unique_ptr<Server>> Create(Store& store, const ModelPack& pack,
                                                const ServerOptions& options);
  virtual ~Server() = default;

  // Binds the listening socket. kIo when the address is taken or invalid.
  virtual Result<void> Bind() = 0;
  // The bound port (after Bind).
  virtual int port() const = 0;
  // Answers requests until Shutdown. Marks jobs left unfinished by an
  // earlier run as interrupted first.
  virtual Result<void> Serve() = 0;
  // Graceful stop: new recognition work gets 503, background jobs stop
  // between photos, requests in flight finish, then Serve returns.
  virtual void Shutdown() = 0;
};

}  // namespace facetag::server
