// The SQLite implementation of facetag::ServiceStore
// (include/facetag/service_store.h), part of the SQLite store: it uses the
// store's connection and lock, and the tables of migration 3.
#pragma once

#include <sqlite3.h>

#include <mutex>
#include <string>

#include "facetag/service_store.h"

namespace facetag::store {

// Thread-safe: every call holds `mutex`, the lock of the owning store. The
// connection and the mutex must outlive the object.
class SqliteServiceStore final : public ServiceStore {
 public:
  SqliteServiceStore(sqlite3* db, std::mutex& mutex, std::string name, bool read_only);

  Result<CreatedApiKey> CreateApiKey(Role role, std::string_view label) override;
  Result<std::optional<ApiKey>> Authenticate(std::string_view secret) override;
  Result<std::vector<ApiKey>> ListApiKeys() override;
  Result<ApiKey> RevokeApiKey(ApiKeyId id) override;
  Result<Job> CreateJob(std::string_view kind, std::string_view created_by,
                        std::string_view params) override;
  Result<void> UpdateJob(JobId id, JobStatus status, std::int64_t done, std::int64_t total,
                         std::string_view result) override;
  Result<Job> GetJob(JobId id) override;
  Result<std::vector<Job>> ListJobs(int limit) override;
  Result<int> InterruptUnfinishedJobs() override;

 private:
  Result<void> CheckWritable() const;
  Result<ApiKey> LoadKey(ApiKeyId id);
  Result<Job> LoadJob(JobId id);

  sqlite3* const db_;
  std::mutex& mutex_;
  const std::string name_;
  const bool read_only_;
};

}  // namespace facetag::store
