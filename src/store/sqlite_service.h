// The SQLite implementation of facetag::ServiceStore
// (include/facetag/service_store.h), part of the SQLite store: it uses the
// store's connection and lock, and the tables of migration 3.
#pragma once

#include <sqlite3.h>

#include <string>

#include "facetag/service_store.h"
#include "facetag/thread_annotations.h"
#include "sqlite_part.h"

namespace facetag::store {

// Thread-safe: every call holds the lock of the owning store (SqlitePart).
class SqliteServiceStore final : public ServiceStore, private SqlitePart {
 public:
  explicit SqliteServiceStore(const SqliteConnection& connection) : SqlitePart(connection) {}

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
  Result<ApiKey> LoadKey(ApiKeyId id) FACETAG_REQUIRES(mutex_);
  Result<Job> LoadJob(JobId id) FACETAG_REQUIRES(mutex_);
};

}  // namespace facetag::store
