#include "metrics.h"

#include <sstream>

namespace facetag::server {
namespace {

// Label values are route patterns and methods (ASCII), but escape anyway.
std::string Label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

void Metrics::ObserveRequest(const std::string& method, const std::string& route, int status,
                             double seconds) {
  MutexLock lock(mutex_);
  ++requests_[{method, route, status}];
  Histogram& h = latency_[{method, route}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddRefusal(const std::string& reason) {
  MutexLock lock(mutex_);
  ++refusals_[reason];
}

std::string Metrics::Render(int queue_depth, int analyzers_busy, int jobs_queued) const {
  std::ostringstream out;
  MutexLock lock(mutex_);
  out << "# HELP facetag_http_requests_total HTTP requests answered, by route and status.\n"
         "# TYPE facetag_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [method, route, status] = key;
    out << "facetag_http_requests_total{method=\"" << Label(method) << "\",route=\""
        << Label(route) << "\",status=\"" << status << "\"} " << count << "\n";
  }
  out << "# HELP facetag_http_request_duration_seconds Time to answer a request.\n"
         "# TYPE facetag_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    const std::string labels =
        "method=\"" + Label(key.first) + "\",route=\"" + Label(key.second) + "\"";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out << "facetag_http_request_duration_seconds_bucket{" << labels << ",le=\"" << kBuckets[i]
          << "\"} " << h.buckets[i] << "\n";
    }
    out << "facetag_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} "
        << h.count << "\n";
    out << "facetag_http_request_duration_seconds_sum{" << labels << "} " << h.sum << "\n";
    out << "facetag_http_request_duration_seconds_count{" << labels << "} " << h.count << "\n";
  }
  out << "# HELP facetag_photos_processed_total Photos analysed (recognized, ingested, tagged).\n"
         "# TYPE facetag_photos_processed_total counter\n"
      << "facetag_photos_processed_total " << photos_.load() << "\n"
      << "# HELP facetag_faces_found_total Faces found in those photos.\n"
         "# TYPE facetag_faces_found_total counter\n"
      << "facetag_faces_found_total " << faces_.load() << "\n"
      << "# HELP facetag_overload_rejections_total Recognition requests refused with 429.\n"
         "# TYPE facetag_overload_rejections_total counter\n"
      << "facetag_overload_rejections_total " << overload_.load() << "\n"
      << "# HELP facetag_recognition_queue_depth Recognition requests waiting for an analyzer.\n"
         "# TYPE facetag_recognition_queue_depth gauge\n"
      << "facetag_recognition_queue_depth " << queue_depth << "\n"
      << "# HELP facetag_analyzers_busy Analyzers working on a request.\n"
         "# TYPE facetag_analyzers_busy gauge\n"
      << "facetag_analyzers_busy " << analyzers_busy << "\n"
      << "# HELP facetag_jobs_queued Background jobs waiting or running.\n"
         "# TYPE facetag_jobs_queued gauge\n"
      << "facetag_jobs_queued " << jobs_queued << "\n"
      << "# HELP facetag_http_open_connections Client connections open now.\n"
         "# TYPE facetag_http_open_connections gauge\n"
      << "facetag_http_open_connections " << open_connections_.load() << "\n"
      << "# HELP facetag_http_refused_total Connections and requests refused or dropped by the "
         "front, by reason.\n"
         "# TYPE facetag_http_refused_total counter\n";
  for (const auto& [reason, count] : refusals_) {
    out << "facetag_http_refused_total{reason=\"" << Label(reason) << "\"} " << count << "\n";
  }
  return out.str();
}

}  // namespace facetag::server
