#include "front.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace facetag::server {
namespace {

using Clock = std::chrono::steady_clock;
using Failure = FrontRequest::Failure;

int Millis(Clock::duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return static_cast<int>(std::clamp<std::int64_t>(ms, 0, 24 * 3600 * 1000));
}

void Address(const sockaddr_storage& address, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    port = ntohs(v4->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    port = ntohs(v6->sin6_port);
  }
  ip = text;
}

// A connection's byte stream as httplib reads and writes it, with the
// front's deadlines and byte budgets. A request goes through two phases:
// its headers (BeginRequest) and its body (BeginBody); each has a deadline
// and a number of bytes it may deliver. Bytes are counted as delivered to
// httplib, not as received, so read-ahead of a pipelined request is not
// charged to the one before.
class FrontStream final : public httplib::Stream {
 public:
  // `stop`: true once the server shuts down; a read waiting for a client
  // then gives up within 200 ms.
  FrontStream(int sock, const FrontLimits& limits, std::function<bool()> stop)
      : sock_(sock), limits_(limits), stop_(std::move(stop)) {}

  // Waits up to `timeout` for the next request's first byte; false on
  // silence, a closed connection handled by the caller's read, or `stop`.
  bool WaitForRequest(std::chrono::milliseconds timeout) {
    if (off_ < len_) return true;
    const auto until = Clock::now() + timeout;
    for (;;) {
      if (stop_()) return false;
      const auto left = until - Clock::now();
      if (left <= Clock::duration::zero()) return false;
      pollfd p{sock_, POLLIN, 0};
      const int ready = ::poll(&p, 1, std::min(200, Millis(left) + 1));
      if (ready > 0) return true;
      if (ready < 0 && errno != EINTR) return false;
    }
  }

  void BeginRequest() {
    phase_ = Phase::kHeaders;
    deadline_ = Clock::now() + limits_.header_timeout;
    budget_ = limits_.max_header_bytes;
    failure_ = Failure::kNone;
  }

  // `budget` bytes of body may be read within body_timeout; beyond them
  // the body ends (`fail_beyond` false: a read returns end of data) or is
  // refused as too large.
  void BeginBody(std::size_t budget, bool fail_beyond) {
    phase_ = Phase::kBody;
    deadline_ = Clock::now() + limits_.body_timeout;
    budget_ = budget;
    fail_beyond_ = fail_beyond;
  }

  Failure failure() const { return failure_; }

  bool is_readable() const override {
    if (off_ < len_) return true;
    pollfd p{sock_, POLLIN, 0};
    return ::poll(&p, 1, WaitMillis()) > 0;
  }

  bool is_writable() const override {
    pollfd p{sock_, POLLOUT, 0};
    return ::poll(&p, 1, Millis(limits_.idle_timeout)) > 0 && (p.revents & POLLOUT);
  }

  ssize_t read(char* ptr, size_t size) override {
    if (failure_ != Failure::kNone) return -1;
    if (budget_ == 0) {
      if (phase_ == Phase::kBody && !fail_beyond_) return 0;
      failure_ = phase_ == Phase::kHeaders ? Failure::kHeadersTooLarge : Failure::kBodyTooLarge;
      return -1;
    }
    if (off_ == len_) {
      pollfd p{sock_, POLLIN, 0};
      int ready = 0;
      // Silence ends the read after idle_timeout, or at the phase deadline.
      const auto until = std::min(Clock::now() + limits_.idle_timeout, deadline_);
      for (int wait = Millis(until - Clock::now()); wait > 0 && !stop_();
           wait = Millis(until - Clock::now())) {
        ready = ::poll(&p, 1, std::min(wait, 200));
        if (ready > 0 || (ready < 0 && errno != EINTR)) break;
      }
      if (ready <= 0) {
        failure_ = Clock::now() < deadline_ ? Failure::kIdle
                   : phase_ == Phase::kHeaders ? Failure::kHeaderTimeout
                                               : Failure::kBodyTimeout;
        return -1;
      }
      ssize_t got = 0;
      do {
        got = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
      } while (got < 0 && errno == EINTR);
      if (got <= 0) return got;
      off_ = 0;
      len_ = static_cast<std::size_t>(got);
    }
    const std::size_t n = std::min({size, len_ - off_, budget_});
    std::memcpy(ptr, buffer_.data() + off_, n);
    off_ += n;
    budget_ -= n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t sent = 0;
    do {
      sent = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      Address(address, ip, port);
    }
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      Address(address, ip, port);
    }
  }

  socket_t socket() const override { return sock_; }

 private:
  enum class Phase { kHeaders, kBody };

  // How long a read may wait: the idle timeout, cut at the phase deadline.
  int WaitMillis() const {
    return std::min(Millis(limits_.idle_timeout), Millis(deadline_ - Clock::now()));
  }

  const int sock_;
  const FrontLimits& limits_;
  const std::function<bool()> stop_;
  std::array<char, 16 * 1024> buffer_{};
  std::size_t off_ = 0;
  std::size_t len_ = 0;
  Phase phase_ = Phase::kHeaders;
  Clock::time_point deadline_{};
  std::size_t budget_ = 0;
  bool fail_beyond_ = false;
  Failure failure_ = Failure::kNone;
};

// How a request's body is framed, from its headers.
struct Framing {
  enum class Kind { kNone, kLength, kChunked, kInvalid };
  Kind kind = Kind::kNone;
  std::uint64_t length = 0;
};

Framing FramingOf(const httplib::Request& req) {
  const std::size_t lengths = req.get_header_value_count("Content-Length");
  const std::size_t encodings = req.get_header_value_count("Transfer-Encoding");
  if (encodings > 0) {
    std::string te = req.get_header_value("Transfer-Encoding");
    std::transform(te.begin(), te.end(), te.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // Only plain "chunked", as httplib decodes it; with a Content-Length
    // too the framing is ambiguous (request smuggling).
    if (encodings > 1 || te != "chunked" || lengths > 0) return {Framing::Kind::kInvalid, 0};
    return {Framing::Kind::kChunked, 0};
  }
  if (lengths == 0) return {};
  if (lengths > 1) return {Framing::Kind::kInvalid, 0};
  const std::string text = req.get_header_value("Content-Length");
  std::uint64_t length = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return {Framing::Kind::kInvalid, 0};
  }
  return {length == 0 ? Framing::Kind::kNone : Framing::Kind::kLength, length};
}

// httplib reads a body only for these methods.
bool ReadsBody(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE" ||
         method == "PRI";
}

// One request on the calling thread: what the hooks see.
struct Scope {
  FrontRequest request;
  Framing framing;
  const FrontStream* stream = nullptr;
};

thread_local Scope* t_scope = nullptr;

const char* FailureName(Failure failure) {
  switch (failure) {
    case Failure::kHeaderTimeout: return "header_timeout";
    case Failure::kHeadersTooLarge: return "headers_too_large";
    case Failure::kBodyTimeout: return "body_timeout";
    case Failure::kBodyTooLarge: return "body_too_large";
    case Failure::kIdle: return "idle_timeout";
    case Failure::kNone: break;
  }
  return "";
}

}  // namespace

FrontRequest* CurrentFrontRequest() { return t_scope ? &t_scope->request : nullptr; }

FrontServer::FrontServer(const FrontLimits& limits, Metrics& metrics, Admission admit,
                         ErrorBody error_body)
    : limits_(limits),
      metrics_(metrics),
      admit_(std::move(admit)),
      error_body_(std::move(error_body)),
      closer_(limits.linger, limits.linger_bytes, 256) {
  const int max_connections = limits_.max_connections;
  new_task_queue = [max_connections] { return new ConnectionPool(max_connections); };
  set_keep_alive_max_count(static_cast<std::size_t>(std::max(1, limits_.keep_alive_max_requests)));
  set_keep_alive_timeout(std::max<std::time_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(limits_.keep_alive_timeout).count()));
  set_payload_max_length(limits_.max_body_bytes);
  set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) { return BeforeBody(req, res); });
  set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
    return BeforeBody(req, res) == HandlerResponse::Handled ? res.status : 100;
  });
  set_error_handler(HandlerWithResponse([this](const httplib::Request& req,
                                               httplib::Response& res) {
    if (Scope* scope = t_scope) {
      const Failure failure = scope->stream->failure();
      scope->request.failure = failure;
      if (failure != Failure::kNone) {
        res.status = failure == Failure::kBodyTooLarge       ? 413
                     : failure == Failure::kHeadersTooLarge ? 431
                                                             : 408;
        res.body.clear();
        scope->request.must_close = true;
      }
    }
    if (res.body.empty()) error_body_(req, res);
    return HandlerResponse::Handled;
  }));
  set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
    if (t_scope != nullptr && t_scope->request.must_close) {
      res.headers.erase("Keep-Alive");
      if (res.get_header_value("Connection") != "close") {
        res.headers.erase("Connection");
        res.set_header("Connection", "close");
      }
    }
  });
}

FrontServer::~FrontServer() = default;

void FrontServer::WidenBacklog(int backlog) {
  const socket_t sock = svr_sock_;
  // listen() again on a listening socket only changes its backlog.
  if (sock != INVALID_SOCKET) ::listen(sock, backlog);
}

httplib::Server::HandlerResponse FrontServer::BeforeBody(const httplib::Request& req,
                                                         httplib::Response& res) {
  Scope* scope = t_scope;
  if (scope == nullptr || scope->request.admitted == 1) return HandlerResponse::Unhandled;
  FrontRequest& request = scope->request;
  auto refuse = [&](int status, const char* reason) {
    if (reason != nullptr) metrics_.AddRefusal(reason);
    if (status != 0) {
      res.status = status;
      res.body.clear();
      error_body_(req, res);
    }
    request.admitted = 0;
    if (request.body_expected) request.must_close = true;
    return HandlerResponse::Handled;
  };
  if (scope->framing.kind == Framing::Kind::kInvalid) {
    request.must_close = true;
    return refuse(400, "bad_framing");
  }
  if (scope->framing.kind == Framing::Kind::kLength &&
      scope->framing.length > limits_.max_body_bytes) {
    return refuse(413, "body_too_large");
  }
  if (!admit_(req, res)) return refuse(0, nullptr);
  request.admitted = 1;
  return HandlerResponse::Unhandled;
}

bool FrontServer::process_and_close_socket(socket_t sock) {
  // Refused before its request is read: the answer, then a lingering close.
  const auto refuse = [&](const char* reason, int status, const char* code, const char* message) {
    metrics_.AddRefusal(reason);
    WriteRefusal(sock, status, code, message, limits_.retry_after_seconds);
    closer_.Linger(sock);
    return true;
  };
  if (ConnectionPool::OverCapacity()) {
    return refuse("connections", 503, "unavailable",
                  "the server has too many open connections; retry later");
  }
  const std::string peer = PeerAddress(sock);
  if (!clients_.Enter(peer, limits_.max_connections_per_client)) {
    return refuse("client_connections", 429, "too_many_requests",
                  "this client has too many open connections; close some or retry later");
  }
  metrics_.SetOpenConnections(clients_.open());
  const int one = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  FrontStream stream(sock, limits_, [this] { return svr_sock_ == INVALID_SOCKET; });
  bool linger = false;
  for (int served = 0; served < limits_.keep_alive_max_requests; ++served) {
    if (!stream.WaitForRequest(limits_.keep_alive_timeout)) break;
    Scope scope;
    scope.stream = &stream;
    t_scope = &scope;
    stream.BeginRequest();
    bool closed = false;
    const bool last = served + 1 == limits_.keep_alive_max_requests;
    const bool ok = process_request(stream, last, closed, [&](httplib::Request& req) {
      scope.framing = FramingOf(req);
      const Framing& f = scope.framing;
      scope.request.body_expected = f.kind == Framing::Kind::kLength ||
                                    f.kind == Framing::Kind::kChunked;
      // A body httplib will not read would be taken for the next request.
      if (scope.request.body_expected && !ReadsBody(req.method)) scope.request.must_close = true;
      if (f.kind == Framing::Kind::kChunked) {
        // The bytes on the wire, chunk framing included (1/64 + 64 KiB of
        // slack: a few bytes per chunk of the usual sizes).
        stream.BeginBody(limits_.max_body_bytes + limits_.max_body_bytes / 64 + (64u << 10), true);
      } else if (f.kind == Framing::Kind::kLength && f.length <= limits_.max_body_bytes) {
        stream.BeginBody(static_cast<std::size_t>(f.length), false);
      } else {
        stream.BeginBody(0, false);
      }
    });
    t_scope = nullptr;
    if (stream.failure() != Failure::kNone) metrics_.AddRefusal(FailureName(stream.failure()));
    if (!ok || closed || scope.request.must_close || stream.failure() != Failure::kNone) {
      // Unread body bytes may follow: drain them before closing.
      linger = scope.request.body_expected && scope.request.admitted != 1;
      linger = linger || stream.failure() == Failure::kBodyTooLarge;
      break;
    }
  }
  clients_.Leave(peer);
  metrics_.SetOpenConnections(clients_.open());
  if (linger) {
    closer_.Linger(sock);
  } else {
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
  }
  return true;
}

}  // namespace facetag::server
