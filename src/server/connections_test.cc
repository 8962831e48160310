// The front's connection bookkeeping: per-client counts, the pool that
// refuses beyond its capacity, and the lingering close.
#include "connections.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>

namespace facetag::server {
namespace {

TEST(ClientRegistryTest, CapsEachAddressAndCountsAll) {
  ClientRegistry clients;
  EXPECT_TRUE(clients.Enter("192.0.2.1", 2));
  EXPECT_TRUE(clients.Enter("192.0.2.1", 2));
  EXPECT_FALSE(clients.Enter("192.0.2.1", 2));
  EXPECT_TRUE(clients.Enter("192.0.2.2", 2));
  EXPECT_EQ(clients.open(), 3);
  clients.Leave("192.0.2.1");
  EXPECT_TRUE(clients.Enter("192.0.2.1", 2));
  EXPECT_TRUE(clients.Enter("192.0.2.9", 0)) << "0: no cap";
  clients.Leave("unknown");
  EXPECT_EQ(clients.open(), 4);
}

TEST(ConnectionPoolTest, BeyondCapacityTheTaskRunsAtOnceMarkedAsRefused) {
  ConnectionPool pool(2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> served{0}, refused{0};
  auto task = [&] {
    if (ConnectionPool::OverCapacity()) {
      ++refused;
      return;
    }
    ++served;
    released.wait();
  };
  pool.enqueue(task);
  pool.enqueue(task);
  pool.enqueue(task);  // the third: no thread of its own
  EXPECT_EQ(refused.load(), 1);
  EXPECT_FALSE(ConnectionPool::OverCapacity());
  release.set_value();
  pool.shutdown();
  EXPECT_EQ(served.load(), 2);
}

TEST(LingeringCloserTest, DrainsThenCloses) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  {
    LingeringCloser closer(std::chrono::milliseconds(300), 1 << 20, 4);
    // The client still sends after its answer: drained, not refused.
    const std::string junk(10000, 'x');
    ASSERT_EQ(::send(pair[1], junk.data(), junk.size(), 0), static_cast<ssize_t>(junk.size()));
    closer.Linger(pair[0]);
    char byte;
    // Shut down for writing at once: the client reads the end of the answer.
    EXPECT_EQ(::recv(pair[1], &byte, 1, 0), 0);
    timeval wait{3, 0};
    ::setsockopt(pair[1], SOL_SOCKET, SO_SNDTIMEO, &wait, sizeof wait);
    const auto start = std::chrono::steady_clock::now();
    ssize_t sent = 0;
    while ((sent = ::send(pair[1], junk.data(), junk.size(), MSG_NOSIGNAL)) > 0) {
      if (std::chrono::steady_clock::now() - start > std::chrono::seconds(5)) break;
    }
    EXPECT_LT(sent, 0) << "closed after the linger time";
  }
  ::close(pair[1]);
}

}  // namespace
}  // namespace facetag::server
