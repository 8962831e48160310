// The server's front: the layer between the network and cpp-httplib that
// keeps hostile clients from holding the service. cpp-httplib 0.11 reads a
// whole body before any handler runs, lets chunked bodies grow without
// limit, knows only a per-read timeout (a client sending one byte every few
// seconds is never dropped), and serves every connection from one queue of
// threads (slow clients starve the others). Its accept loop hands each
// socket to a virtual hook, which this class overrides to serve the
// connection itself, on its own stream:
//
//   - connections: at most `max_connections` at once (beyond: 503 at once,
//     without reading the request) and `max_connections_per_client` from
//     one client address (beyond: 429); a thread per connection, so a
//     slow client never delays another one; TCP_NODELAY on every socket;
//   - headers: the request line and headers must arrive within
//     `header_timeout` and `max_header_bytes` (beyond: 408 / 431);
//   - admission: the `admit` hook (the router: authentication, roles, 404,
//     405) runs when the headers are in and before any byte of the body is
//     read; a refused request's body is never read, the answer says
//     "Connection: close" and the connection is closed after a short
//     lingering drain;
//   - bodies: a declared Content-Length above `max_body_bytes` is refused
//     with 413 before reading; a chunked body is cut off with 413 when its
//     bytes on the wire pass the limit (plus 1/64 for the chunk framing);
//     a body must arrive within `body_timeout` (408); Transfer-Encoding
//     other than "chunked", or a Content-Length with it, is refused (400);
//   - every answer gets "Cache-Control: no-store" unless it has its own.
//
// Thread safety: configure (httplib setters, set_admission) before
// listening; then httplib calls in from its accept thread and the
// connection threads.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "connections.h"
#include "metrics.h"

namespace facetag::server {

struct FrontLimits {
  int max_connections = 128;           // open connections in all; beyond: 503
  int max_connections_per_client = 32;  // from one address; beyond: 429; 0: no cap
  std::chrono::milliseconds header_timeout{10'000};  // request line + headers
  std::chrono::milliseconds body_timeout{60'000};    // the whole body, after the headers
  std::chrono::milliseconds idle_timeout{10'000};    // silence within a request
  std::chrono::milliseconds keep_alive_timeout{5'000};  // between requests
  int keep_alive_max_requests = 100;  // requests on one connection
  std::size_t max_header_bytes = 64u << 10;
  std::size_t max_body_bytes = 40u << 20;
  // How long a refused client's unsent body is drained before the socket
  // is closed (so that it can read the answer), and how much of it.
  std::chrono::milliseconds linger{2'000};
  std::size_t linger_bytes = 4u << 20;
  int retry_after_seconds = 1;  // in 429 and 503 answers
};

// What the front knows of the request being served on the calling thread
// (CurrentFrontRequest): set from its headers, read by the hooks.
struct FrontRequest {
  enum class Failure {
    kNone,
    kHeaderTimeout,    // headers not complete within header_timeout: 408
    kHeadersTooLarge,  // more than max_header_bytes: 431
    kBodyTimeout,      // body not complete within body_timeout: 408
    kBodyTooLarge,     // a chunked body above the limit: 413
    kIdle,             // silent for idle_timeout within the request: 408
  };
  Failure failure = Failure::kNone;
  bool body_expected = false;  // Content-Length > 0 or chunked
  bool must_close = false;     // the connection ends after this answer
  int admitted = -1;           // -1 not asked yet, 0 refused, 1 admitted
};

// The request being served on this thread; nullptr outside the front.
FrontRequest* CurrentFrontRequest();

class FrontServer final : public httplib::Server {
 public:
  // Decides a request from its headers: true to go on (the body is read
  // and the route's handler runs); false after filling `res` with the
  // refusal.
  using Admission = std::function<bool(const httplib::Request&, httplib::Response&)>;
  // Fills the JSON body of an error answer that has none (404 from
  // httplib, and the front's 400, 408, 413, 414, 431).
  using ErrorBody = std::function<void(const httplib::Request&, httplib::Response&)>;

  FrontServer(const FrontLimits& limits, Metrics& metrics, Admission admit, ErrorBody error_body);
  ~FrontServer() override;

  // After binding: lets the kernel queue `backlog` connections not yet
  // accepted (cpp-httplib listens with a backlog of 5, so a burst of
  // connections would wait for SYN retransmissions, seconds, before the
  // front could count or refuse them).
  void WidenBacklog(int backlog);

  // Serves one accepted connection on the calling thread, as the accept
  // loop does, and closes it. Needs a bound socket (bind_to_port): the
  // front stops reading when the server is not listening.
  bool ServeConnection(socket_t sock) { return process_and_close_socket(sock); }

  const FrontLimits& limits() const { return limits_; }
  int open_connections() const { return clients_.open(); }

 private:
  bool process_and_close_socket(socket_t sock) override;
  httplib::Server::HandlerResponse BeforeBody(const httplib::Request& req,
                                              httplib::Response& res);

  const FrontLimits limits_;
  Metrics& metrics_;
  Admission admit_;
  ErrorBody error_body_;
  ClientRegistry clients_;
  LingeringCloser closer_;
};

}  // namespace facetag::server
