#include "connections.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>

namespace facetag::server {
namespace {

thread_local bool t_over_capacity = false;

const char* Reason(int status) {
  switch (status) {
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// ConnectionPool

ConnectionPool::ConnectionPool(int max_connections)
    : max_connections_(std::max(1, max_connections)) {}

ConnectionPool::~ConnectionPool() { shutdown(); }

bool ConnectionPool::OverCapacity() { return t_over_capacity; }

void ConnectionPool::enqueue(std::function<void()> fn) {
  {
    MutexLock lock(mutex_);
    if (!stopping_ && active_ < max_connections_) {
      ++active_;
      tasks_.push_back(std::move(fn));
      // As many threads as connections: a queued connection never waits
      // for a slow one to end.
      if (static_cast<int>(threads_.size()) < active_) threads_.emplace_back([this] { Work(); });
      wake_.notify_one();
      return;
    }
  }
  // Full (or stopping): the task refuses its connection right here.
  t_over_capacity = true;
  fn();
  t_over_capacity = false;
}

void ConnectionPool::shutdown() {
  std::vector<std::thread> threads;
  {
    MutexLock lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (std::thread& t : threads) {
    if (t.joinable()) t.join();
  }
}

void ConnectionPool::Work() {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(mutex_);
      wake_.wait(mutex_, [this]() FACETAG_REQUIRES(mutex_) { return stopping_ || !tasks_.empty(); });
      // Queued connections are still served when stopping: each ends
      // quickly once the listening socket is closed.
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
    MutexLock lock(mutex_);
    --active_;
  }
}

// ---------------------------------------------------------------------------
// ClientRegistry

bool ClientRegistry::Enter(const std::string& address, int max_per_client) {
  MutexLock lock(mutex_);
  int& open = open_[address];
  if (max_per_client > 0 && open >= max_per_client) {
    if (open == 0) open_.erase(address);
    return false;
  }
  ++open;
  ++total_;
  return true;
}

void ClientRegistry::Leave(const std::string& address) {
  MutexLock lock(mutex_);
  auto it = open_.find(address);
  if (it == open_.end()) return;
  --total_;
  if (--it->second <= 0) open_.erase(it);
}

int ClientRegistry::open() const {
  MutexLock lock(mutex_);
  return total_;
}

// ---------------------------------------------------------------------------
// LingeringCloser

LingeringCloser::LingeringCloser(std::chrono::milliseconds linger, std::size_t max_bytes,
                                 std::size_t max_sockets)
    : linger_(linger), max_bytes_(max_bytes), max_sockets_(max_sockets) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
  thread_ = std::thread([this] { Run(); });
}

LingeringCloser::~LingeringCloser() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  const char byte = 0;
  if (wake_[1] >= 0) {
    [[maybe_unused]] auto written = ::write(wake_[1], &byte, 1);
  }
  if (thread_.joinable()) thread_.join();
  MutexLock lock(mutex_);
  for (const Pending& p : pending_) ::close(p.sock);
  pending_.clear();
  if (wake_[0] >= 0) ::close(wake_[0]);
  if (wake_[1] >= 0) ::close(wake_[1]);
}

void LingeringCloser::Linger(int sock) {
  ::shutdown(sock, SHUT_WR);
  const int flags = ::fcntl(sock, F_GETFL);
  ::fcntl(sock, F_SETFL, flags | O_NONBLOCK);
  {
    MutexLock lock(mutex_);
    if (!stopping_ && wake_[1] >= 0 && pending_.size() < max_sockets_) {
      pending_.push_back({sock, std::chrono::steady_clock::now() + linger_, 0});
      const char byte = 1;
      [[maybe_unused]] auto written = ::write(wake_[1], &byte, 1);
      return;
    }
  }
  ::close(sock);
}

void LingeringCloser::Run() {
  std::vector<pollfd> fds;
  std::vector<char> sink(64 * 1024);
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    int timeout_ms = -1;
    fds.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    {
      MutexLock lock(mutex_);
      if (stopping_) return;
      for (const Pending& p : pending_) {
        fds.push_back({p.sock, POLLIN, 0});
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(p.until - now).count();
        const int wait = static_cast<int>(std::max<std::int64_t>(0, left)) + 1;
        timeout_ms = timeout_ms < 0 ? wait : std::min(timeout_ms, wait);
      }
    }
    ::poll(fds.data(), fds.size(), timeout_ms);
    if (fds[0].revents & POLLIN) {
      char drain[64];
      while (::read(wake_[0], drain, sizeof drain) > 0) {
      }
    }
    now = std::chrono::steady_clock::now();
    MutexLock lock(mutex_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      bool done = now >= it->until;
      // Poll results are matched by socket: Linger may have added more.
      const auto polled = std::find_if(fds.begin() + 1, fds.end(),
                                       [&](const pollfd& p) { return p.fd == it->sock; });
      if (!done && polled != fds.end() && polled->revents != 0) {
        for (;;) {
          const ssize_t got = ::recv(it->sock, sink.data(), sink.size(), 0);
          if (got > 0) {
            it->drained += static_cast<std::size_t>(got);
            if (it->drained >= max_bytes_) {
              done = true;
              break;
            }
            continue;
          }
          if (got < 0 && errno == EINTR) continue;
          if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) done = true;
          break;
        }
      }
      if (done) {
        ::close(it->sock);
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Helpers

std::string PeerAddress(int sock) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(sock, reinterpret_cast<sockaddr*>(&address), &length) != 0) return {};
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      ::inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], text, sizeof text);
    } else {
      ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    }
  }
  return text;
}

void WriteRefusal(int sock, int status, const std::string& code, const std::string& message,
                  int retry_after_seconds) {
  const std::string body =
      nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
  std::string answer = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
                       "\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nCache-Control: no-store\r\n";
  if (retry_after_seconds > 0) {
    answer += "Retry-After: " + std::to_string(retry_after_seconds) + "\r\n";
  }
  answer += "Connection: close\r\n\r\n" + body;
  [[maybe_unused]] const ssize_t sent =
      ::send(sock, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace facetag::server
