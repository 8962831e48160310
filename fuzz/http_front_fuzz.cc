// Fuzz target: the server's HTTP front on raw bytes from a client. The bytes
// are one connection's input (request lines, headers, Content-Length and
// chunked bodies, pipelined requests); the front parses and answers them
// through cpp-httplib with its limits, admission and framing rules.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/front.h"
#include "server/metrics.h"

namespace {

using facetag::server::FrontLimits;
using facetag::server::FrontServer;

FrontLimits Limits() {
  FrontLimits limits;
  // Short deadlines: a unit never waits for a client that is gone.
  limits.header_timeout = std::chrono::milliseconds(200);
  limits.body_timeout = std::chrono::milliseconds(200);
  limits.idle_timeout = std::chrono::milliseconds(100);
  limits.keep_alive_timeout = std::chrono::milliseconds(100);
  limits.keep_alive_max_requests = 16;
  limits.max_header_bytes = 8u << 10;
  limits.max_body_bytes = 16u << 10;
  limits.linger = std::chrono::milliseconds(0);
  limits.linger_bytes = 64u << 10;
  return limits;
}

struct Harness {
  facetag::server::Metrics metrics;
  FrontServer server{Limits(), metrics,
                     // Admission from the headers: a key for /private, a
                     // route for everything else.
                     [](const httplib::Request& req, httplib::Response& res) {
                       if (req.path.rfind("/private", 0) == 0 &&
                           req.get_header_value("X-Api-Key") != "k") {
                         res.status = 401;
                         res.set_content("{\"error\":{}}", "application/json");
                         return false;
                       }
                       return true;
                     },
                     [](const httplib::Request&, httplib::Response& res) {
                       res.set_content("{\"error\":{\"code\":\"x\"}}", "application/json");
                     }};
  Harness() {
    const auto echo = [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(std::to_string(req.body.size()) + " " + req.get_param_value("q"),
                      "text/plain");
    };
    server.Get("/", echo);
    server.Get(R"(/photos/(\d+))", echo);
    server.Post("/echo", echo);
    server.Put("/echo", echo);
    server.Patch("/echo", echo);
    server.Delete("/echo", echo);
    server.Post("/private", echo);
    // Bound, not listening: the front serves while the socket is open.
    if (server.bind_to_any_port("127.0.0.1") <= 0) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness* harness = new Harness();
  // What fits a socket pair's buffers without a reader (the answers are
  // read after the connection is served).
  if (size > (96u << 10)) return 0;
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) std::abort();
  std::size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(pair[0], data + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(pair[0], SHUT_WR);
  harness->server.ServeConnection(pair[1]);  // closes pair[1]
  char answer[16 * 1024];
  while (::recv(pair[0], answer, sizeof answer, MSG_DONTWAIT) > 0) {
  }
  ::close(pair[0]);
  return 0;
}
