#include "sqlite_discovery.h"

#include <cmath>
#include <string>
#include <utility>

#include "facetag/enum_text.h"
#include "facetag/text.h"
#include "sqlite_archive.h"
#include "sqlite_archive_rows.h"
#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"

namespace facetag {

namespace {

constexpr EnumText<CandidateState> kCandidateStateText[] = {
    {CandidateState::kOpen, "open"},
    {CandidateState::kHeld, "held"},
    {CandidateState::kRejected, "rejected"},
    {CandidateState::kApproved, "approved"}};

}  // namespace

const char* CandidateStateName(CandidateState state) { return ToText(kCandidateStateText, state); }

Result<CandidateState> ParseCandidateState(std::string_view name) {
  if (auto state = FromText(kCandidateStateText, name)) return *state;
  return Fail(ErrorCode::kInvalidArgument, "unknown candidate state \"" + std::string(name) +
                                               "\" (open, held, rejected, approved)");
}

namespace store {
namespace {

// The decisions that leave a face in the unknown pool.
constexpr const char* kPoolDecisions = "('unknown', 'ambiguous')";

constexpr std::string_view kSelectCluster =
    "SELECT c.id, c.model_id, c.state, c.person_id, c.rejected_as, c.created_at, c.updated_at,"
    " (SELECT count(*) FROM discovery_members WHERE cluster_id = c.id)"
    " FROM discovery_clusters AS c";

ClusterInfo ReadCluster(const Statement& row) {
  ClusterInfo info;
  row.ReadColumns(0, info.id, info.model_id);
  // The table's CHECK admits only the four names.
  info.state = ParseCandidateState(row.ColumnText(2)).value_or(CandidateState::kOpen);
  row.ReadColumns(3, info.person, info.rejected_as, info.created_at, info.updated_at,
                  info.face_count);
  return info;
}

Result<void> CheckModelId(std::string_view model_id) {
  if (model_id.empty()) return Fail(ErrorCode::kInvalidArgument, "the model id is empty");
  return {};
}

}  // namespace

SqliteDiscovery::SqliteDiscovery(sqlite3* db, Mutex& mutex, std::string name, bool read_only)
    : db_(db), mutex_(mutex), name_(std::move(name)), read_only_(read_only) {}

Result<void> SqliteDiscovery::CheckWritable() const {
  if (!read_only_) return {};
  return Fail(ErrorCode::kDatabase, name_ + " is open read-only");
}

Result<PoolPage> SqliteDiscovery::PoolFaces(std::string_view model_id, PoolPart part, FaceId after,
                                            int limit) {
  return Fenced("PoolFaces", [&]() -> Result<PoolPage> {
    FACETAG_RETURN_IF_ERROR(CheckModelId(model_id));
    FACETAG_RETURN_IF_ERROR(CheckPageSize(limit));
    MutexLock lock(mutex_);
    std::string sql =
        "SELECT f.id, f.photo_id, f.box_x, f.box_y, f.box_width, f.box_height,"
        " f.detection_score, f.landmarks, f.embedding, m.cluster_id FROM faces AS f"
        " LEFT JOIN discovery_members AS m ON m.face_id = f.id"
        " WHERE f.model_id = ?1 AND f.id > ?2 AND f.decision IN ";
    sql += kPoolDecisions;
    if (part == PoolPart::kClustered) {
      sql += " AND m.cluster_id IS NOT NULL";
    } else if (part == PoolPart::kUnclustered) {
      sql +=
          " AND m.cluster_id IS NULL"
          " AND NOT EXISTS (SELECT 1 FROM discovery_excluded WHERE face_id = f.id)";
    }
    sql += " ORDER BY f.id LIMIT ?3";
    FACETAG_ASSIGN_OR_RETURN(auto statement, Statement::Prepare(db_, sql));
    statement.Bind(1, model_id).Bind(2, std::int64_t{after}).Bind(3, std::int64_t{limit} + 1);
    PoolPage page;
    bool more = false;
    for (;;) {
      FACETAG_ASSIGN_OR_RETURN(auto row, statement.Step());
      if (!row) break;
      if (static_cast<int>(page.faces.size()) == limit) {
        more = true;
        break;
      }
      PoolFace face;
      statement.ReadColumns(0, face.id, face.photo, face.box.x, face.box.y, face.box.width,
                            face.box.height, face.detection_score);
      face.landmarks = store::DecodeLandmarks(statement.ColumnBlob(7));
      face.embedding = DecodeFloats(statement.ColumnBlob(8));
      statement.ReadColumns(9, face.cluster);
      page.faces.push_back(std::move(face));
    }
    if (more) page.next_after = page.faces.back().id;
    return page;
  });
}

Result<int> SqliteDiscovery::PruneNamedFaces(std::string_view model_id) {
  return Fenced("PruneNamedFaces", [&]() -> Result<int> {
    FACETAG_RETURN_IF_ERROR(CheckModelId(model_id));
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Statement::Prepare(
            db_, std::string("DELETE FROM discovery_members WHERE face_id IN (SELECT id FROM faces"
                             " WHERE model_id = ?1 AND decision NOT IN ") +
                     kPoolDecisions + ")"));
    FACETAG_RETURN_IF_ERROR(statement.Bind(1, model_id).Run());
    return sqlite3_changes(db_);
  });
}

Result<std::vector<ClusterId>> SqliteDiscovery::ApplyClusterUpdate(std::string_view model_id,
                                                                   const ClusterUpdate& update) {
  return Fenced("ApplyClusterUpdate", [&]() -> Result<std::vector<ClusterId>> {
    FACETAG_RETURN_IF_ERROR(CheckModelId(model_id));
    for (const auto& created : update.created) {
      if (created.faces.empty()) {
        return Fail(ErrorCode::kInvalidArgument, "a new cluster has no faces");
      }
      if (created.state == CandidateState::kApproved) {
        return Fail(ErrorCode::kInvalidArgument, "a new cluster cannot be approved");
      }
      if ((created.state == CandidateState::kRejected) != created.rejected_as.has_value()) {
        return Fail(ErrorCode::kInvalidArgument,
                    "a new cluster is rejected exactly when it names a rejected identity");
      }
    }
    for (const auto& [from, into] : update.merged) {
      if (from == into) {
        return Fail(ErrorCode::kInvalidArgument,
                    "cluster " + std::to_string(from) + " cannot be merged into itself");
      }
    }
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db_, Transaction::Kind::kImmediate));
    auto ids = ApplyLocked(std::string(model_id), update);
    if (!ids) return ids;
    FACETAG_RETURN_IF_ERROR(transaction.Commit());
    return ids;
  });
}

Result<void> SqliteDiscovery::CheckClusterOfModel(ClusterId id, const std::string& model_id) {
  FACETAG_ASSIGN_OR_RETURN(
      auto statement,
      Statement::Prepare(db_, "SELECT 1 FROM discovery_clusters WHERE id = ?1 AND model_id = ?2"));
  FACETAG_ASSIGN_OR_RETURN(
      auto row, statement.Bind(1, std::int64_t{id}).Bind(2, std::string_view(model_id)).Step());
  if (!row) {
    return Fail(ErrorCode::kNotFound, "no cluster " + std::to_string(id) + " of model " + model_id);
  }
  return {};
}

Result<void> SqliteDiscovery::CheckFaceOfModel(FaceId id, const std::string& model_id) {
  FACETAG_ASSIGN_OR_RETURN(
      auto statement,
      Statement::Prepare(db_, "SELECT 1 FROM faces WHERE id = ?1 AND model_id = ?2"));
  FACETAG_ASSIGN_OR_RETURN(
      auto row, statement.Bind(1, std::int64_t{id}).Bind(2, std::string_view(model_id)).Step());
  if (!row) {
    return Fail(ErrorCode::kNotFound, "no face " + std::to_string(id) + " of model " + model_id);
  }
  return {};
}

Result<void> SqliteDiscovery::SetMember(FaceId face, ClusterId cluster) {
  FACETAG_ASSIGN_OR_RETURN(
      auto statement,
      Statement::Prepare(db_,
                         "INSERT INTO discovery_members (face_id, cluster_id) VALUES (?1, ?2)"
                         " ON CONFLICT (face_id) DO UPDATE SET cluster_id = excluded.cluster_id"));
  return statement.Bind(1, std::int64_t{face}).Bind(2, std::int64_t{cluster}).Run();
}

Result<std::vector<ClusterId>> SqliteDiscovery::ApplyLocked(const std::string& model_id,
                                                            const ClusterUpdate& update) {
  const std::string now = UtcNowIso8601();
  const std::string_view model(model_id);
  if (update.replace_all) {
    for (const char* sql :
         {"DELETE FROM discovery_members WHERE cluster_id IN"
          " (SELECT id FROM discovery_clusters WHERE model_id = ?1)",
          "DELETE FROM discovery_excluded WHERE face_id IN"
          " (SELECT id FROM faces WHERE model_id = ?1)",
          "DELETE FROM discovery_clusters WHERE model_id = ?1 AND state <> 'approved'"}) {
      FACETAG_ASSIGN_OR_RETURN(auto statement, Statement::Prepare(db_, sql));
      FACETAG_RETURN_IF_ERROR(statement.Bind(1, model).Run());
    }
  }
  auto touch = [&](ClusterId id) -> Result<void> {
    FACETAG_ASSIGN_OR_RETURN(auto statement,
                             Statement::Prepare(db_,
                                                "UPDATE discovery_clusters SET updated_at = ?2"
                                                " WHERE id = ?1"));
    return statement.Bind(1, std::int64_t{id}).Bind(2, std::string_view(now)).Run();
  };
  auto check_identity = [&](RejectedIdentityId id) -> Result<void> {
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Statement::Prepare(db_,
                           "SELECT 1 FROM discovery_rejected WHERE id = ?1 AND model_id = ?2"));
    FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::int64_t{id}).Bind(2, model).Step());
    if (!row) {
      return Fail(ErrorCode::kNotFound,
                  "no rejected identity " + std::to_string(id) + " of model " + model_id);
    }
    return {};
  };

  std::vector<ClusterId> ids;
  for (const auto& created : update.created) {
    if (created.rejected_as) FACETAG_RETURN_IF_ERROR(check_identity(*created.rejected_as));
    FACETAG_ASSIGN_OR_RETURN(
        auto insert,
        Statement::Prepare(
            db_,
            "INSERT INTO discovery_clusters (model_id, state, rejected_as, created_at, updated_at)"
            " VALUES (?1, ?2, ?3, ?4, ?4)"));
    insert.Bind(1, model).Bind(2, std::string_view(CandidateStateName(created.state)));
    if (created.rejected_as) {
      insert.Bind(3, std::int64_t{*created.rejected_as});
    } else {
      insert.BindNull(3);
    }
    insert.Bind(4, std::string_view(now));
    FACETAG_RETURN_IF_ERROR(insert.Run());
    const ClusterId id = sqlite3_last_insert_rowid(db_);
    for (const FaceId face : created.faces) {
      FACETAG_RETURN_IF_ERROR(CheckFaceOfModel(face, model_id));
      FACETAG_RETURN_IF_ERROR(SetMember(face, id));
    }
    ids.push_back(id);
  }
  for (const auto& [face, cluster] : update.joined) {
    FACETAG_RETURN_IF_ERROR(CheckFaceOfModel(face, model_id));
    FACETAG_RETURN_IF_ERROR(CheckClusterOfModel(cluster, model_id));
    FACETAG_RETURN_IF_ERROR(SetMember(face, cluster));
    FACETAG_RETURN_IF_ERROR(touch(cluster));
  }
  for (const auto& [from, into] : update.merged) {
    FACETAG_RETURN_IF_ERROR(CheckClusterOfModel(from, model_id));
    FACETAG_RETURN_IF_ERROR(CheckClusterOfModel(into, model_id));
    FACETAG_ASSIGN_OR_RETURN(
        auto move, Statement::Prepare(
                       db_, "UPDATE discovery_members SET cluster_id = ?2 WHERE cluster_id = ?1"));
    FACETAG_RETURN_IF_ERROR(move.Bind(1, std::int64_t{from}).Bind(2, std::int64_t{into}).Run());
    FACETAG_ASSIGN_OR_RETURN(
        auto remove, Statement::Prepare(db_, "DELETE FROM discovery_clusters WHERE id = ?1"));
    FACETAG_RETURN_IF_ERROR(remove.Bind(1, std::int64_t{from}).Run());
    FACETAG_RETURN_IF_ERROR(touch(into));
  }
  for (const FaceId face : update.removed) {
    FACETAG_ASSIGN_OR_RETURN(
        auto remove, Statement::Prepare(db_, "DELETE FROM discovery_members WHERE face_id = ?1"));
    FACETAG_RETURN_IF_ERROR(remove.Bind(1, std::int64_t{face}).Run());
  }
  for (const auto& [face, reason] : update.excluded) {
    if (reason.empty()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "face " + std::to_string(face) + " is excluded without a reason");
    }
    FACETAG_RETURN_IF_ERROR(CheckFaceOfModel(face, model_id));
    FACETAG_ASSIGN_OR_RETURN(
        auto insert,
        Statement::Prepare(
            db_, "INSERT OR REPLACE INTO discovery_excluded (face_id, reason) VALUES (?1, ?2)"));
    FACETAG_RETURN_IF_ERROR(
        insert.Bind(1, std::int64_t{face}).Bind(2, std::string_view(reason)).Run());
  }
  for (const auto& [cluster, identity] : update.rejected) {
    FACETAG_RETURN_IF_ERROR(CheckClusterOfModel(cluster, model_id));
    FACETAG_RETURN_IF_ERROR(check_identity(identity));
    FACETAG_ASSIGN_OR_RETURN(
        auto set,
        Statement::Prepare(
            db_,
            "UPDATE discovery_clusters SET state = 'rejected', person_id = NULL, rejected_as = ?2,"
            " updated_at = ?3 WHERE id = ?1"));
    FACETAG_RETURN_IF_ERROR(set.Bind(1, std::int64_t{cluster})
                                .Bind(2, std::int64_t{identity})
                                .Bind(3, std::string_view(now))
                                .Run());
  }
  if (update.audit) {
    FACETAG_RETURN_IF_ERROR(InsertAuditRow(db_, *update.audit, UtcNowIso8601()));
  }
  return ids;
}

Result<std::vector<ClusterInfo>> SqliteDiscovery::ListClusters(std::string_view model_id) {
  return Fenced("ListClusters", [&]() -> Result<std::vector<ClusterInfo>> {
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(auto statement,
                             Statement::Prepare(db_, std::string(kSelectCluster) +
                                                         " WHERE c.model_id = ?1 ORDER BY c.id"));
    statement.Bind(1, model_id);
    std::vector<ClusterInfo> clusters;
    for (;;) {
      FACETAG_ASSIGN_OR_RETURN(auto row, statement.Step());
      if (!row) break;
      clusters.push_back(ReadCluster(statement));
    }
    return clusters;
  });
}

Result<ClusterInfo> SqliteDiscovery::GetClusterLocked(ClusterId id) {
  FACETAG_ASSIGN_OR_RETURN(
      auto statement, Statement::Prepare(db_, std::string(kSelectCluster) + " WHERE c.id = ?1"));
  FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::int64_t{id}).Step());
  if (!row) return Fail(ErrorCode::kNotFound, "no cluster " + std::to_string(id));
  return ReadCluster(statement);
}

Result<ClusterInfo> SqliteDiscovery::GetCluster(ClusterId id) {
  return Fenced("GetCluster", [&]() -> Result<ClusterInfo> {
    MutexLock lock(mutex_);
    return GetClusterLocked(id);
  });
}

Result<std::vector<ClusterMember>> SqliteDiscovery::Members(ClusterId id) {
  return Fenced("Members", [&]() -> Result<std::vector<ClusterMember>> {
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db_, Transaction::Kind::kDeferred));
    FACETAG_ASSIGN_OR_RETURN(auto cluster, GetClusterLocked(id));
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Statement::Prepare(
            db_,
            "SELECT f.id, f.photo_id, f.box_x, f.box_y, f.box_width, f.box_height,"
            " f.detection_score, f.landmarks, f.embedding, p.location, p.date_created, p.sort_date"
            " FROM discovery_members AS m JOIN faces AS f ON f.id = m.face_id"
            " JOIN photos AS p ON p.id = f.photo_id WHERE m.cluster_id = ?1 ORDER BY f.id"));
    statement.Bind(1, std::int64_t{id});
    std::vector<ClusterMember> members;
    for (;;) {
      FACETAG_ASSIGN_OR_RETURN(auto row, statement.Step());
      if (!row) break;
      ClusterMember member;
      statement.ReadColumns(0, member.face, member.photo, member.box.x, member.box.y,
                            member.box.width, member.box.height, member.detection_score);
      member.landmarks = store::DecodeLandmarks(statement.ColumnBlob(7));
      member.embedding = DecodeFloats(statement.ColumnBlob(8));
      statement.ReadColumns(9, member.location, member.date_created, member.sort_date);
      members.push_back(std::move(member));
    }
    return members;
  });
}

Result<void> SqliteDiscovery::SetState(ClusterId id, CandidateState state,
                                       std::optional<PersonId> person,
                                       std::optional<RejectedIdentityId> rejected_as,
                                       const AuditRecord& audit) {
  return Fenced("SetState", [&]() -> Result<void> {
    if ((state == CandidateState::kApproved) != person.has_value()) {
      return Fail(ErrorCode::kInvalidArgument, "a cluster names a person exactly when approved");
    }
    if ((state == CandidateState::kRejected) != rejected_as.has_value()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "a cluster names a rejected identity exactly when rejected");
    }
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db_, Transaction::Kind::kImmediate));
    FACETAG_ASSIGN_OR_RETURN(auto cluster, GetClusterLocked(id));
    if (person) {
      FACETAG_ASSIGN_OR_RETURN(auto statement,
                               Statement::Prepare(db_, "SELECT 1 FROM persons WHERE id = ?1"));
      FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::int64_t{*person}).Step());
      if (!row) return Fail(ErrorCode::kNotFound, "no person " + std::to_string(*person));
    }
    if (rejected_as) {
      FACETAG_ASSIGN_OR_RETURN(
          auto statement,
          Statement::Prepare(db_, "SELECT 1 FROM discovery_rejected WHERE id = ?1"));
      FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::int64_t{*rejected_as}).Step());
      if (!row) {
        return Fail(ErrorCode::kNotFound, "no rejected identity " + std::to_string(*rejected_as));
      }
    }
    FACETAG_ASSIGN_OR_RETURN(
        auto update,
        Statement::Prepare(
            db_,
            "UPDATE discovery_clusters SET state = ?2, person_id = ?3, rejected_as = ?4,"
            " updated_at = ?5 WHERE id = ?1"));
    update.Bind(1, std::int64_t{id}).Bind(2, std::string_view(CandidateStateName(state)));
    if (person) {
      update.Bind(3, std::int64_t{*person});
    } else {
      update.BindNull(3);
    }
    if (rejected_as) {
      update.Bind(4, std::int64_t{*rejected_as});
    } else {
      update.BindNull(4);
    }
    const std::string now = UtcNowIso8601();
    update.Bind(5, std::string_view(now));
    FACETAG_RETURN_IF_ERROR(update.Run());
    FACETAG_RETURN_IF_ERROR(InsertAuditRow(db_, audit, UtcNowIso8601()));
    return transaction.Commit();
  });
}

Result<RejectedIdentityId> SqliteDiscovery::AddRejectedIdentity(const Embedding& template_embedding,
                                                                std::string_view reason,
                                                                std::string_view actor) {
  return Fenced("AddRejectedIdentity", [&]() -> Result<RejectedIdentityId> {
    FACETAG_RETURN_IF_ERROR(CheckModelId(template_embedding.model_id));
    if (template_embedding.values.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "the rejected identity's template is empty");
    }
    for (const float v : template_embedding.values) {
      if (!std::isfinite(v)) {
        return Fail(ErrorCode::kInvalidArgument,
                    "the rejected identity's template has a non-finite value");
      }
    }
    if (text::TrimAsciiWhitespace(actor).empty()) {
      return Fail(ErrorCode::kInvalidArgument, "the actor is empty");
    }
    if (!text::IsValidUtf8(actor) || !text::IsValidUtf8(reason)) {
      return Fail(ErrorCode::kInvalidArgument, "the actor or reason is not valid UTF-8");
    }
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(auto insert,
                             Statement::Prepare(db_,
                                                "INSERT INTO discovery_rejected (model_id, "
                                                "dimension, template, reason, actor, rejected_at)"
                                                " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    const std::string now = UtcNowIso8601();
    const auto blob = EncodeFloats(template_embedding.values);
    insert.Bind(1, std::string_view(template_embedding.model_id))
        .Bind(2, static_cast<std::int64_t>(template_embedding.values.size()))
        .BindBlob(3, blob)
        .Bind(4, reason)
        .Bind(5, actor)
        .Bind(6, std::string_view(now));
    FACETAG_RETURN_IF_ERROR(insert.Run());
    return sqlite3_last_insert_rowid(db_);
  });
}

Result<std::vector<RejectedIdentity>> SqliteDiscovery::RejectedIdentities(
    std::string_view model_id) {
  return Fenced("RejectedIdentities", [&]() -> Result<std::vector<RejectedIdentity>> {
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Statement::Prepare(
            db_,
            "SELECT id, model_id, template, reason, actor, rejected_at FROM discovery_rejected"
            " WHERE model_id = ?1 ORDER BY id"));
    statement.Bind(1, model_id);
    std::vector<RejectedIdentity> identities;
    for (;;) {
      FACETAG_ASSIGN_OR_RETURN(auto row, statement.Step());
      if (!row) break;
      RejectedIdentity identity;
      identity.id = statement.ColumnInt64(0);
      identity.template_embedding.model_id = statement.ColumnText(1);
      identity.template_embedding.values = DecodeFloats(statement.ColumnBlob(2));
      identity.reason = statement.ColumnText(3);
      identity.actor = statement.ColumnText(4);
      identity.rejected_at = statement.ColumnText(5);
      identities.push_back(std::move(identity));
    }
    return identities;
  });
}

}  // namespace store
}  // namespace facetag
