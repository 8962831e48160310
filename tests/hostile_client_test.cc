// The service against hostile clients, at the HTTP level with raw sockets:
// bodies sent without a key, chunked bodies above the limit, slow headers
// and slow bodies from many clients, too many connections, and the small
// things (405, 414, Cache-Control, metrics). The real server runs on a free
// loopback port; hostile clients connect from other loopback addresses
// (127.0.0.2, ...) so that the per-client cap can be told from the total.
//
// Times and memory are asserted with wide margins (the machine is shared)
// and printed, so a run shows the figures.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_server.h"

namespace facetag {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Resident memory of this process (the server runs in it), in MB.
double RssMb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

// The highest RSS seen while it lives (sampled every 5 ms).
class RssWatch {
 public:
  RssWatch() : base_(RssMb()), peak_(base_), thread_([this] {
    while (!stop_) {
      peak_ = std::max(peak_.load(), RssMb());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }) {}
  ~RssWatch() { Stop(); }
  double Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return peak_ - base_;
  }

 private:
  double base_;
  std::atomic<double> peak_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A TCP connection to the server from the loopback address `from`.
int Connect(int port, const std::string& from = "127.0.0.1") {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    ::close(fd);
    return -1;
  }
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(static_cast<std::uint16_t>(port));
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

// One answer: up to the end of its body (Content-Length) or of the
// connection, waiting at most `timeout_ms` in all. "" when nothing came.
std::string ReadAnswer(int fd, int timeout_ms) {
  std::string answer;
  const auto until = Clock::now() + std::chrono::milliseconds(timeout_ms);
  char buffer[4096];
  for (;;) {
    const std::size_t head_end = answer.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const std::size_t at = answer.find("Content-Length: ");
      if (at != std::string::npos && at < head_end) {
        const std::size_t length = std::stoul(answer.substr(at + 16));
        if (answer.size() >= head_end + 4 + length) return answer;
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() <= 0) return answer;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return answer;
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) return answer;
    answer.append(buffer, static_cast<std::size_t>(got));
  }
}

int StatusOf(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}

std::string HeaderOf(const std::string& answer, const std::string& name) {
  const std::size_t head_end = answer.find("\r\n\r\n");
  const std::string head = answer.substr(0, head_end);
  const std::size_t at = head.find("\r\n" + name + ": ");
  if (at == std::string::npos) return {};
  const std::size_t start = at + name.size() + 4;
  return head.substr(start, head.find("\r\n", start) - start);
}

int CountHeader(const std::string& answer, const std::string& name) {
  const std::string head = answer.substr(0, answer.find("\r\n\r\n"));
  int count = 0;
  for (std::size_t at = 0; (at = head.find("\r\n" + name + ": ", at)) != std::string::npos; ++at) {
    ++count;
  }
  return count;
}

// Sends a chunked body of `chunks` x 1 MiB as fast as the server takes it.
// The answer is read as it comes; with `stop_on_answer` sending stops
// there, else it goes on (as a hostile client's would) until every chunk is
// sent or the server closes the connection. Returns the answer, the
// seconds until its first byte, and how many MiB were sent.
struct Upload {
  std::string answer;
  double seconds = -1;
  int sent_mib = 0;
};

Upload SendChunked(int fd, const std::string& head, int chunks, bool stop_on_answer) {
  Upload upload;
  const auto start = Clock::now();
  if (!SendAll(fd, head)) return upload;
  const std::string chunk = "100000\r\n" + std::string(1 << 20, 'x') + "\r\n";
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::size_t offset = 0;
  char buffer[4096];
  while (upload.sent_mib < chunks) {
    pollfd p{fd, POLLIN | POLLOUT, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    if (p.revents & POLLIN) {
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
      if (got > 0) {
        if (upload.seconds < 0) upload.seconds = Since(start);
        upload.answer.append(buffer, static_cast<std::size_t>(got));
        if (stop_on_answer) break;
      }
    }
    if (p.revents & (POLLERR | POLLHUP)) break;
    if (p.revents & POLLOUT) {
      const ssize_t sent = ::send(fd, chunk.data() + offset, chunk.size() - offset, MSG_NOSIGNAL);
      if (sent < 0 && errno != EAGAIN) break;  // reset by the server
      if (sent > 0 && (offset += static_cast<std::size_t>(sent)) == chunk.size()) {
        offset = 0;
        ++upload.sent_mib;
      }
    }
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  if (upload.seconds < 0) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20000) > 0) upload.seconds = Since(start);
  }
  upload.answer += ReadAnswer(fd, 5000);
  return upload;
}

class HostileClientTest : public ::testing::Test {
 protected:
  void Start(server::ServerOptions options) {
    server_ = std::make_unique<testing::TestServer>("hostile", options);
    ASSERT_TRUE(server_->ok());
  }

  int port() const { return server_->port(); }
  std::string Auth(Role role) { return server_->AuthLine(role); }

  // A whole exchange on a fresh connection from 127.0.0.1.
  std::string Exchange(const std::string& request, int timeout_ms = 10000) {
    const int fd = Connect(port());
    EXPECT_GE(fd, 0);
    SendAll(fd, request);
    std::string answer = ReadAnswer(fd, timeout_ms);
    ::close(fd);
    return answer;
  }

  // Seconds of GET /healthz on a fresh connection from 127.0.0.1; -1 when
  // it was not answered 200.
  double TimeHealthz() {
    const auto start = Clock::now();
    const std::string answer = Exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 20000);
    return StatusOf(answer) == 200 ? Since(start) : -1;
  }

  std::unique_ptr<testing::TestServer> server_;
};

TEST_F(HostileClientTest, ChunkedUploadWithoutAKeyIsRefusedBeforeItsBodyIsRead) {
  Start({});
  const int fd = Connect(port(), "127.0.0.2");
  ASSERT_GE(fd, 0);
  RssWatch rss;
  const Upload upload = SendChunked(fd,
                                    "POST /api/v1/recognize HTTP/1.1\r\nHost: x\r\n"
                                    "Content-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n",
                                    400, /*stop_on_answer=*/false);
  const double growth = rss.Stop();
  ::close(fd);
  std::printf("[ figures  ] 400 x 1 MiB chunked, no key, sending on after the answer: %d after "
              "%.3f s; the server closed after %d MiB (drained, not kept); RSS growth %.1f MB\n",
              StatusOf(upload.answer), upload.seconds, upload.sent_mib, growth);
  EXPECT_EQ(StatusOf(upload.answer), 401) << upload.answer.substr(0, 300);
  EXPECT_EQ(HeaderOf(upload.answer, "Connection"), "close");
  EXPECT_GE(upload.seconds, 0);
  EXPECT_LT(upload.seconds, 5.0);
  EXPECT_LT(upload.sent_mib, 400);
  EXPECT_LT(growth, 50.0);
  EXPECT_GT(TimeHealthz(), 0);
}

TEST_F(HostileClientTest, ChunkedUploadAboveTheLimitWithAKeyIs413) {
  Start({});
  const int fd = Connect(port(), "127.0.0.2");
  ASSERT_GE(fd, 0);
  RssWatch rss;
  const Upload upload = SendChunked(fd,
                                    "POST /api/v1/recognize HTTP/1.1\r\nHost: x\r\n" +
                                        Auth(Role::kEditor) +
                                        "Content-Type: image/jpeg\r\n"
                                        "Transfer-Encoding: chunked\r\n\r\n",
                                    120, /*stop_on_answer=*/true);
  const double growth = rss.Stop();
  ::close(fd);
  std::printf("[ figures  ] 120 x 1 MiB chunked, editor key, 40 MiB limit: %d after %.3f s, "
              "%d MiB sent, RSS growth %.1f MB\n",
              StatusOf(upload.answer), upload.seconds, upload.sent_mib, growth);
  EXPECT_EQ(StatusOf(upload.answer), 413) << upload.answer.substr(0, 300);
  EXPECT_NE(upload.answer.find("\"payload_too_large\""), std::string::npos);
  // What the client got to send: the server's 41 MiB and the sockets' buffers.
  EXPECT_LT(upload.sent_mib, 80);
  // The body is held up to the limit (40 MiB, in a string that may double).
  EXPECT_LT(growth, 130.0);
}

TEST_F(HostileClientTest, DeclaredBodyAboveTheLimitIs413WithoutReadingIt) {
  Start({});
  const auto start = Clock::now();
  const std::string answer = Exchange("POST /api/v1/recognize HTTP/1.1\r\nHost: x\r\n" +
                                      Auth(Role::kEditor) +
                                      "Content-Type: image/jpeg\r\nContent-Length: 104857600\r\n\r\n");
  EXPECT_EQ(StatusOf(answer), 413) << answer;
  EXPECT_LT(Since(start), 5.0);
  // Ambiguous framing is refused.
  EXPECT_EQ(StatusOf(Exchange("POST /api/v1/recognize HTTP/1.1\r\nHost: x\r\n"
                              "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")),
            400);
  EXPECT_EQ(StatusOf(Exchange("POST /api/v1/recognize HTTP/1.1\r\nHost: x\r\n"
                              "Transfer-Encoding: gzip, chunked\r\n\r\n")),
            400);
}

TEST_F(HostileClientTest, ExpectContinueIsAnsweredWithTheRefusalBeforeTheBody) {
  Start({});
  // No key: the refusal instead of "100 Continue"; the client sends nothing.
  const std::string head = "POST /api/v1/recognize HTTP/1.1\r\nHost: x\r\n"
                           "Content-Type: image/jpeg\r\nContent-Length: 30000000\r\n"
                           "Expect: 100-continue\r\n";
  std::string answer = Exchange(head + "\r\n");
  EXPECT_EQ(StatusOf(answer), 401) << answer.substr(0, 200);
  // With a key: "100 Continue", then the body is read and answered.
  const int fd = Connect(port());
  ASSERT_GE(fd, 0);
  SendAll(fd, "POST /api/v1/recognize HTTP/1.1\r\nHost: x\r\n" + Auth(Role::kEditor) +
                  "Content-Type: image/jpeg\r\nContent-Length: 5\r\n"
                  "Expect: 100-continue\r\n\r\n");
  char buffer[64] = {};
  pollfd p{fd, POLLIN, 0};
  ASSERT_GT(::poll(&p, 1, 5000), 0);
  const ssize_t got = ::recv(fd, buffer, sizeof buffer - 1, 0);
  EXPECT_EQ(std::string(buffer, std::max<ssize_t>(0, got)).rfind("HTTP/1.1 100 Continue", 0), 0u);
  SendAll(fd, "hello");
  answer = ReadAnswer(fd, 10000);
  ::close(fd);
  EXPECT_EQ(StatusOf(answer), 415) << answer.substr(0, 300);  // not an image
}

TEST_F(HostileClientTest, SlowHeaderClientsDoNotDelayHealthz) {
  server::ServerOptions options;
  options.header_timeout = std::chrono::seconds(3);
  Start(options);
  for (const int clients : {16, 50}) {
    for (const bool spread : {false, true}) {
      // Slow clients from one address (127.0.0.2), or each from its own.
      std::vector<int> fds;
      for (int i = 0; i < clients; ++i) {
        const std::string from = spread ? "127.0.1." + std::to_string(i + 1) : "127.0.0.2";
        const int fd = Connect(port(), from);
        ASSERT_GE(fd, 0);
        SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
        fds.push_back(fd);
      }
      std::atomic<bool> stop{false};
      std::thread trickle([&] {
        while (!stop) {
          for (int fd : fds) ::send(fd, "X", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      std::vector<double> times;
      for (int i = 0; i < 10; ++i) times.push_back(TimeHealthz());
      stop = true;
      trickle.join();
      // Every slow client is answered (429 beyond the per-client cap, 408
      // at the header deadline) or dropped.
      int refused = 0, timed_out = 0;
      const auto start = Clock::now();
      for (int fd : fds) {
        const std::string answer = ReadAnswer(fd, 8000);
        refused += StatusOf(answer) == 429;
        timed_out += StatusOf(answer) == 408;
        ::close(fd);
      }
      const double waited = Since(start);
      std::sort(times.begin(), times.end());
      std::printf("[ figures  ] %d slow-header clients from %s: /healthz median %.4f s, max "
                  "%.4f s; %d got 429, %d got 408, all gone after %.1f s\n",
                  clients, spread ? "as many addresses" : "one address", times[5], times.back(),
                  refused, timed_out, waited);
      EXPECT_GT(times.front(), 0) << "a /healthz was not answered";
      EXPECT_LT(times.back(), 1.0);
      if (!spread) {
        EXPECT_EQ(refused, std::max(0, clients - options.max_connections_per_client));
      }
      EXPECT_LT(waited, 8.0);
    }
  }
}

TEST_F(HostileClientTest, SlowBodiesDoNotDelayHealthz) {
  server::ServerOptions options;
  options.body_timeout = std::chrono::seconds(3);
  Start(options);
  for (const bool with_key : {false, true}) {
    std::vector<int> fds;
    for (int i = 0; i < 20; ++i) {
      const int fd = Connect(port(), "127.0.2." + std::to_string(i + 1));
      ASSERT_GE(fd, 0);
      SendAll(fd, "POST /api/v1/recognize HTTP/1.1\r\nHost: x\r\n" +
                      (with_key ? Auth(Role::kEditor) : std::string()) +
                      "Content-Type: image/jpeg\r\nContent-Length: 1048576\r\n\r\nxx");
      fds.push_back(fd);
    }
    std::atomic<bool> stop{false};
    std::thread trickle([&] {
      while (!stop) {
        for (int fd : fds) ::send(fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    });
    std::vector<double> times;
    for (int i = 0; i < 10; ++i) times.push_back(TimeHealthz());
    std::map<int, int> statuses;
    const auto start = Clock::now();
    for (int fd : fds) ++statuses[StatusOf(ReadAnswer(fd, 8000))];
    const double waited = Since(start);
    stop = true;
    trickle.join();
    for (int fd : fds) ::close(fd);
    std::sort(times.begin(), times.end());
    std::printf("[ figures  ] 20 slow 1 MB bodies %s: /healthz median %.4f s, max %.4f s; "
                "%d x 401, %d x 408 within %.1f s\n",
                with_key ? "with a key" : "without a key", times[5], times.back(), statuses[401],
                statuses[408], waited);
    EXPECT_GT(times.front(), 0);
    EXPECT_LT(times.back(), 1.0);
    EXPECT_EQ(statuses[with_key ? 408 : 401], 20);
  }
}

TEST_F(HostileClientTest, ConnectionsBeyondTheCapsAreRefusedAtOnce) {
  server::ServerOptions options;
  options.max_connections = 8;
  options.max_connections_per_client = 3;
  Start(options);
  std::vector<int> held;
  // Three idle connections from one address; the fourth gets 429.
  for (int i = 0; i < 3; ++i) held.push_back(Connect(port(), "127.0.3.1"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int fourth = Connect(port(), "127.0.3.1");
  std::string answer = ReadAnswer(fourth, 3000);
  EXPECT_EQ(StatusOf(answer), 429) << answer;
  EXPECT_EQ(HeaderOf(answer, "Retry-After"), "2");
  ::close(fourth);
  // Five more from other addresses fill the 8; the next gets 503.
  for (int i = 0; i < 5; ++i) held.push_back(Connect(port(), "127.0.3." + std::to_string(i + 2)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int ninth = Connect(port(), "127.0.3.20");
  answer = ReadAnswer(ninth, 3000);
  EXPECT_EQ(StatusOf(answer), 503) << answer;
  EXPECT_NE(answer.find("\"unavailable\""), std::string::npos);
  ::close(ninth);
  for (int fd : held) ::close(fd);
  // Once they are gone the server answers again.
  double healthz = -1;
  for (int i = 0; i < 50 && healthz < 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    healthz = TimeHealthz();
  }
  EXPECT_GT(healthz, 0);
}

TEST_F(HostileClientTest, KeptAliveRequestsAreAsFastAsFreshOnes) {
  Start({});
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<double> fresh, kept;
  for (int i = 0; i < 20; ++i) {
    const auto start = Clock::now();
    EXPECT_EQ(StatusOf(Exchange(request)), 200);
    fresh.push_back(Since(start));
  }
  const int fd = Connect(port());
  for (int i = 0; i < 20; ++i) {
    const auto start = Clock::now();
    SendAll(fd, request);
    EXPECT_EQ(StatusOf(ReadAnswer(fd, 5000)), 200);
    kept.push_back(Since(start));
  }
  ::close(fd);
  std::sort(fresh.begin(), fresh.end());
  std::sort(kept.begin(), kept.end());
  std::printf("[ figures  ] /healthz median: fresh connection %.2f ms, kept alive %.2f ms\n",
              fresh[10] * 1000, kept[10] * 1000);
  // Nagle's algorithm with delayed ACKs made every kept-alive request wait
  // about 40 ms.
  EXPECT_LT(kept[10], 0.02);
}

TEST_F(HostileClientTest, WrongMethodIs405WithAllow) {
  Start({});
  const std::string answer = Exchange("DELETE /api/v1/search HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(answer), 405) << answer;
  EXPECT_EQ(HeaderOf(answer, "Allow"), "GET, HEAD");
  EXPECT_NE(answer.find("\"method_not_allowed\""), std::string::npos);
  const std::string persons = Exchange("PUT /api/v1/persons HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(persons), 405);
  EXPECT_EQ(HeaderOf(persons, "Allow"), "GET, HEAD, POST");
  // An unknown path stays 404, without reading a body.
  EXPECT_EQ(StatusOf(Exchange("POST /api/v1/nothing HTTP/1.1\r\nHost: x\r\n"
                              "Content-Length: 100000000\r\n\r\n")),
            413);
  EXPECT_EQ(StatusOf(Exchange("POST /api/v1/nothing HTTP/1.1\r\nHost: x\r\n"
                              "Content-Length: 10\r\n\r\n")),
            404);
}

TEST_F(HostileClientTest, OverLongUrlIs414WithADocumentedCode) {
  Start({});
  const std::string answer =
      Exchange("GET /api/v1/search?text=" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(answer), 414) << answer.substr(0, 300);
  EXPECT_NE(answer.find("\"uri_too_long\""), std::string::npos) << answer.substr(0, 300);
}

TEST_F(HostileClientTest, CacheControlIsSentOnce) {
  Start({});
  for (const std::string path : {"/healthz", "/api/v1/search?text=x", "/nothing"}) {
    const std::string answer = Exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(CountHeader(answer, "Cache-Control"), 1) << path << "\n" << answer;
  }
}

TEST_F(HostileClientTest, MetricsCountTheRealStatusOfEveryRoute) {
  Start({});
  Exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  Exchange("GET /api/v1/photos/12345/image HTTP/1.1\r\nHost: x\r\n" + Auth(Role::kCustomer) +
           "\r\n");
  const std::string metrics = Exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(metrics.find("status=\"-1\""), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("route=\"/metrics\",status=\"200\""), std::string::npos);
  EXPECT_NE(metrics.find("route=\"/api/v1/photos/{id}/image\",status=\"404\""), std::string::npos);
  EXPECT_NE(metrics.find("facetag_http_open_connections"), std::string::npos);
}

}  // namespace
}  // namespace facetag
