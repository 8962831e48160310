// The SQLite implementation of facetag::DiscoveryStore
// (include/facetag/discovery_store.h), part of the SQLite store: it uses the
// store's connection and lock, and the tables of the discovery migration
// (sqlite_migrations.cc).
#pragma once

#include <sqlite3.h>

#include "facetag/thread_annotations.h"
#include <string>

#include "facetag/discovery_store.h"

namespace facetag::store {

// Thread-safe: every call holds `mutex`, the lock of the owning store. The
// connection and the mutex must outlive the object.
class SqliteDiscovery final : public DiscoveryStore {
 public:
  SqliteDiscovery(sqlite3* db, Mutex& mutex, std::string name, bool read_only);

  Result<PoolPage> PoolFaces(std::string_view model_id, PoolPart part, FaceId after,
                             int limit) override;
  Result<int> PruneNamedFaces(std::string_view model_id) override;
  Result<std::vector<ClusterId>> ApplyClusterUpdate(std::string_view model_id,
                                                    const ClusterUpdate& update) override;
  Result<std::vector<ClusterInfo>> ListClusters(std::string_view model_id) override;
  Result<ClusterInfo> GetCluster(ClusterId id) override;
  Result<std::vector<ClusterMember>> Members(ClusterId id) override;
  Result<void> SetState(ClusterId id, CandidateState state, std::optional<PersonId> person,
                        std::optional<RejectedIdentityId> rejected_as,
                        const AuditRecord& audit) override;
  Result<RejectedIdentityId> AddRejectedIdentity(const Embedding& template_embedding,
                                                 std::string_view reason,
                                                 std::string_view actor) override;
  Result<std::vector<RejectedIdentity>> RejectedIdentities(std::string_view model_id) override;

 private:
  Result<void> CheckWritable() const;
  Result<std::vector<ClusterId>> ApplyLocked(const std::string& model_id,
                                             const ClusterUpdate& update);
  Result<ClusterInfo> GetClusterLocked(ClusterId id);
  Result<void> CheckClusterOfModel(ClusterId id, const std::string& model_id);
  Result<void> CheckFaceOfModel(FaceId id, const std::string& model_id);
  Result<void> SetMember(FaceId face, ClusterId cluster);

  sqlite3* const db_;
  Mutex& mutex_;  // the store's lock: held for every use of db_
  const std::string name_;
  const bool read_only_;
};

}  // namespace facetag::store
