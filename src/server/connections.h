// The connection bookkeeping of the server's front (front.h): the threads
// that serve connections, the count of connections per client address, and
// the lingering close of connections whose client may still be sending.
// Internal to the server module.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "facetag/thread_annotations.h"

namespace facetag::server {

// httplib's task queue for accepted connections, with one thread per
// connection up to `max_connections` (threads are started as needed and
// kept). A connection beyond that is not queued behind slow ones: its task
// runs at once on the accepting thread with OverCapacity() true, so the
// server can refuse it (503) without a thread of its own.
//
// Thread safety: enqueue is called by httplib's accept loop; shutdown once.
class ConnectionPool final : public httplib::TaskQueue {
 public:
  explicit ConnectionPool(int max_connections);
  ~ConnectionPool() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  // True while the calling thread runs a task refused for capacity.
  static bool OverCapacity();

 private:
  void Work();

  const int max_connections_;
  Mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<std::function<void()>> tasks_ FACETAG_GUARDED_BY(mutex_);
  int active_ FACETAG_GUARDED_BY(mutex_) = 0;  // tasks queued or running
  bool stopping_ FACETAG_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_ FACETAG_GUARDED_BY(mutex_);
};

// Open connections per client address, for the per-client cap.
//
// Thread safety: all methods may be called from any thread.
class ClientRegistry {
 public:
  // Counts a connection from `address`; false (and nothing counted) when
  // `address` has `max_per_client` open already. 0: no cap.
  bool Enter(const std::string& address, int max_per_client);
  void Leave(const std::string& address);
  int open() const;

 private:
  mutable Mutex mutex_;
  std::map<std::string, int> open_ FACETAG_GUARDED_BY(mutex_);
  int total_ FACETAG_GUARDED_BY(mutex_) = 0;
};

// Closes sockets whose client may still be sending (a refused upload): the
// socket is shut down for writing, what the client still sends is read and
// dropped for up to `linger` or `max_bytes`, then it is closed. Closing at
// once would reset the connection, and a client may then lose the answer
// it has not read yet. At most `max_sockets` linger; beyond, sockets are
// closed at once.
//
// Thread safety: Linger may be called from any thread.
class LingeringCloser {
 public:
  LingeringCloser(std::chrono::milliseconds linger, std::size_t max_bytes,
                  std::size_t max_sockets);
  ~LingeringCloser();  // closes every socket still lingering
  LingeringCloser(const LingeringCloser&) = delete;
  LingeringCloser& operator=(const LingeringCloser&) = delete;

  // Takes ownership of `sock`.
  void Linger(int sock);

 private:
  struct Pending {
    int sock;
    std::chrono::steady_clock::time_point until;
    std::size_t drained;
  };
  void Run();

  const std::chrono::milliseconds linger_;
  const std::size_t max_bytes_;
  const std::size_t max_sockets_;
  Mutex mutex_;
  std::vector<Pending> pending_ FACETAG_GUARDED_BY(mutex_);
  bool stopping_ FACETAG_GUARDED_BY(mutex_) = false;
  int wake_[2] = {-1, -1};  // a pipe: a byte wakes the thread's poll
  std::thread thread_;
};

// The client address of a connected socket ("192.0.2.7", "2001:db8::1";
// IPv4-mapped IPv6 addresses as IPv4); "" when unknown.
std::string PeerAddress(int sock);

// Writes a complete HTTP/1.1 answer with a JSON error body and
// "Connection: close" to a socket whose request has not been read, without
// blocking (what does not fit the socket's buffer is dropped). For
// refusals before any request is read.
void WriteRefusal(int sock, int status, const std::string& code, const std::string& message,
                  int retry_after_seconds);

}  // namespace facetag::server
