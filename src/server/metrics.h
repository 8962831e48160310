// Counters and latency histograms of the service, rendered in the
// Prometheus text exposition format (version 0.0.4).
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "facetag/thread_annotations.h"

namespace facetag::server {

class Metrics {
 public:
  // One answered request: `route` is the route's pattern ("/api/v1/persons/{id}"),
  // never the raw path, so that the number of series stays bounded.
  void ObserveRequest(const std::string& method, const std::string& route, int status,
                      double seconds);
  void AddPhotos(std::int64_t photos) { photos_ += photos; }
  void AddFaces(std::int64_t faces) { faces_ += faces; }
  void AddRejectedOverload() { overload_ += 1; }
  // A request or connection the front refused or dropped, by reason
  // ("connections", "client_connections", "header_timeout", "body_too_large",
  // ...; a fixed set, so the series stay bounded).
  void AddRefusal(const std::string& reason);
  void SetOpenConnections(int open) { open_connections_ = open; }

  // The exposition text; the gauges are read by the caller at render time.
  std::string Render(int queue_depth, int analyzers_busy, int jobs_queued) const;

 private:
  static constexpr std::array<double, 11> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1.0,  2.5,   5.0,  10.0};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };

  mutable Mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_
      FACETAG_GUARDED_BY(mutex_);
  std::map<std::pair<std::string, std::string>, Histogram> latency_ FACETAG_GUARDED_BY(mutex_);
  std::atomic<std::int64_t> photos_{0};
  std::atomic<std::int64_t> faces_{0};
  std::atomic<std::int64_t> overload_{0};
  std::atomic<int> open_connections_{0};
  std::map<std::string, std::uint64_t> refusals_ FACETAG_GUARDED_BY(mutex_);
};

}  // namespace facetag::server
