// The SQLite implementation of facetag::PrivacyStore
// (include/facetag/privacy_store.h), part of the SQLite store: it uses the
// store's connection, lock and clock, and the schema of the privacy
// migration (sqlite_migrations.cc).
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include "facetag/thread_annotations.h"
#include <optional>
#include <string>

#include "facetag/privacy_store.h"
#include "secret_key.h"

namespace facetag::store {

// Thread-safe: every call holds `mutex`, the lock of the owning store. The
// connection and the mutex must outlive the object.
class SqlitePrivacy final : public PrivacyStore {
 public:
  struct Config {
    std::string name;  // the database path (file sizes, messages); ":memory:" allowed
    bool read_only = false;
    std::filesystem::path key_path;
    std::string default_actor;
    std::function<TimePoint()> clock;
  };
  SqlitePrivacy(sqlite3* db, Mutex& mutex, Config config);

  Result<OptOutOutcome> OptOutPerson(PersonId person, const std::vector<Embedding>& extra,
                                     const OptedOutFaceRule& is_theirs,
                                     std::string_view actor) override;
  Result<SuppressionId> AddSuppression(const std::vector<std::string>& names,
                                       const std::vector<Embedding>& templates,
                                       std::string_view actor) override;
  Result<std::vector<Embedding>> SuppressionTemplates(std::string_view model_id) override;
  Result<std::optional<SuppressionId>> FindSuppressedName(std::string_view name) override;
  Result<std::vector<SuppressionInfo>> ListSuppressions() override;
  Result<void> RemoveSuppression(SuppressionId id, std::string_view actor) override;

  Result<DataRequest> AddRequest(const NewRequest& request, std::string_view actor) override;
  Result<DataRequest> GetRequest(RequestId id) override;
  Result<std::vector<DataRequest>> ListRequests(const RequestQuery& query) override;
  Result<DataRequest> DecideRequest(RequestId id, const RequestDecision& decision,
                                    std::string_view actor) override;
  Result<std::vector<DataRequest>> OverdueRequests(TimePoint now) override;

  Result<void> SetDownload(JobId job, std::string_view token_sha256,
                           std::optional<TimePoint> expires_at) override;
  Result<Download> FindDownload(std::string_view token_sha256) override;
  Result<std::vector<JobId>> ExpiredDownloads(TimePoint now) override;

  Result<RetentionPolicy> Retention() override;
  Result<void> SetRetention(RetentionKind kind, std::optional<int> days,
                            std::string_view actor) override;
  Result<PurgeReport> Purge(const RetentionPolicy& policy, TimePoint now, bool dry_run,
                            std::string_view actor) override;
  Result<void> Compact() override;

  Result<AuditVerification> VerifyAudit() override;

  // Whether a name folds to a suppressed name; for AddPerson, which holds
  // the lock already. No key is needed while there are no records.
  Result<std::optional<SuppressionId>> FindSuppressedNameLocked(std::string_view name);

 private:
  Result<void> CheckWritable() const;
  std::string Now() const;
  std::string Actor(std::string_view actor) const;
  Result<const SecretKey*> Key(bool create);
  Result<SuppressionId> InsertSuppression(const std::vector<std::string>& names,
                                          const std::vector<Embedding>& templates);
  Result<OptOutOutcome> OptOutLocked(PersonId person, const std::vector<Embedding>& extra,
                                     const OptedOutFaceRule& is_theirs, const std::string& actor);
  Result<DataRequest> LoadRequest(RequestId id);
  Result<PurgeReport> PurgeLocked(const RetentionPolicy& policy, TimePoint now, bool dry_run,
                                  const std::string& actor);
  Result<void> CompactLocked();
  std::uint64_t FileBytes() const;

  sqlite3* const db_;
  Mutex& mutex_;  // the store's lock: held for every use of db_ (and key_)
  const Config config_;
  std::optional<SecretKey> key_;
};

}  // namespace facetag::store
