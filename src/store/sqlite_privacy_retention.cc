// The SQLite privacy store's retention periods, the purge and the
// compaction that follows it, and the audit chain's verification.

#include <chrono>
#include <nlohmann/json.hpp>

#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_privacy.h"
#include "sqlite_statement.h"

namespace facetag::store {

using Json = nlohmann::json;

namespace {

// One kind of purge: how to count and how to delete what is past `?1`
// (the cutoff time, UTC ISO 8601; ?2 is its day, "YYYY-MM-DD"; ?3 now).
struct PurgeStep {
  RetentionKind kind;
  const char* count_sql;
  std::vector<const char*> apply_sql;
};

const std::vector<PurgeStep>& PurgeSteps() {
  static const std::vector<PurgeStep> steps = {
      {RetentionKind::kCaptions,
       "SELECT count(*) FROM photos WHERE ingested_at < ?1"
       " AND (caption <> '' OR headline <> '' OR keywords <> '[]')",
       {"DELETE FROM mentions WHERE photo_id IN (SELECT id FROM photos WHERE ingested_at < ?1)",
        "UPDATE photos SET caption = '', caption_source = 'none', headline = '', keywords = '[]',"
        " text_folded = '' WHERE ingested_at < ?1"
        " AND (caption <> '' OR headline <> '' OR keywords <> '[]')"}},
      {RetentionKind::kTags,
       "SELECT count(*) FROM faces WHERE person_id IS NOT NULL AND tag_status = 'automatic'"
       " AND updated_at < ?1",
       {"UPDATE faces SET person_id = NULL, decision = 'unknown', similarity = NULL,"
        " by_mention = 0, updated_at = ?3"
        " WHERE person_id IS NOT NULL AND tag_status = 'automatic' AND updated_at < ?1"}},
      {RetentionKind::kUnknownFaces,
       "SELECT count(*) FROM faces WHERE person_id IS NULL AND updated_at < ?1",
       {"DELETE FROM faces WHERE person_id IS NULL AND updated_at < ?1"}},
      {RetentionKind::kIdleProfiles,
       "SELECT count(*) FROM profiles WHERE person_id IN (SELECT p.id FROM persons AS p"
       " WHERE p.created_at < ?1 AND NOT EXISTS (SELECT 1 FROM photos AS ph"
       "  WHERE substr(ph.sort_date, 1, 10) >= ?2 AND (ph.id IN (SELECT photo_id FROM faces"
       "  WHERE person_id = p.id) OR ph.id IN (SELECT photo_id FROM mentions"
       "  WHERE person_id = p.id))))",
       {"DELETE FROM profiles WHERE person_id IN (SELECT p.id FROM persons AS p"
        " WHERE p.created_at < ?1 AND NOT EXISTS (SELECT 1 FROM photos AS ph"
        "  WHERE substr(ph.sort_date, 1, 10) >= ?2 AND (ph.id IN (SELECT photo_id FROM faces"
        "  WHERE person_id = p.id) OR ph.id IN (SELECT photo_id FROM mentions"
        "  WHERE person_id = p.id))))"}},
      {RetentionKind::kRequests,
       "SELECT count(*) FROM requests WHERE status <> 'open' AND decided_at < ?1",
       {"DELETE FROM requests WHERE status <> 'open' AND decided_at < ?1"}},
  };
  return steps;
}

std::int64_t& CountOf(PurgeCounts& counts, RetentionKind kind) {
  switch (kind) {
    case RetentionKind::kCaptions:
      return counts.captions;
    case RetentionKind::kTags:
      return counts.tags;
    case RetentionKind::kUnknownFaces:
      return counts.unknown_faces;
    case RetentionKind::kIdleProfiles:
      return counts.profiles;
    case RetentionKind::kAudit:
      return counts.audit_entries;
    case RetentionKind::kRequests:
      return counts.requests;
  }
  return counts.captions;
}

Json CountsJson(const PurgeCounts& c) {
  return {{"captions", c.captions}, {"mentions", c.mentions},
          {"tags", c.tags},         {"unknown_faces", c.unknown_faces},
          {"profiles", c.profiles}, {"audit_entries", c.audit_entries},
          {"requests", c.requests}};
}

}  // namespace

// --- retention -----------------------------------------------------------------

Result<RetentionPolicy> SqlitePrivacy::Retention() {
  return Fenced("Retention", [&]() -> Result<RetentionPolicy> {
    MutexLock lock(mutex_);
    RetentionPolicy policy;
    FACETAG_ASSIGN_OR_RETURN(auto statement,
                             Statement::Prepare(db_, "SELECT kind, days FROM retention_periods"));
    FACETAG_RETURN_IF_ERROR(ForEachRow(statement, [&](const Statement& row) -> Result<void> {
      auto kind = ParseRetentionKind(row.ColumnText(0));
      if (!kind) return {};
      policy.For(*kind) = row.ColumnIsNull(1)
                              ? std::nullopt
                              : std::optional<int>(static_cast<int>(row.ColumnInt64(1)));
      return {};
    }));
    return policy;
  });
}

Result<void> SqlitePrivacy::SetRetention(RetentionKind kind, std::optional<int> days,
                                         std::string_view actor) {
  return Fenced("SetRetention", [&]() -> Result<void> {
    if (days && *days <= 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "a retention period is a positive number of days, not " + std::to_string(*days));
    }
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string who = Actor(actor);
    FACETAG_RETURN_IF_ERROR(CheckLabel(who, "the actor"));
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db_, Transaction::Kind::kImmediate));
    FACETAG_ASSIGN_OR_RETURN(
        auto upsert, Statement::Prepare(db_,
                                        "INSERT INTO retention_periods (kind, days) VALUES (?1, ?2)"
                                        " ON CONFLICT (kind) DO UPDATE SET days = excluded.days"));
    upsert.Bind(1, std::string_view(RetentionKindName(kind)));
    if (days) {
      upsert.Bind(2, std::int64_t{*days});
    } else {
      upsert.BindNull(2);
    }
    FACETAG_RETURN_IF_ERROR(upsert.Run());
    FACETAG_RETURN_IF_ERROR(AuditJson(db_, who, "retention.set",
                                      std::string("retention:") + RetentionKindName(kind),
                                      {{"days", days ? Json(*days) : Json(nullptr)}}, Now()));
    return transaction.Commit();
  });
}

std::uint64_t SqlitePrivacy::FileBytes() const {
  if (config_.name == ":memory:") return 0;
  std::uint64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(config_.name + suffix, ec);
    if (!ec) total += size;
  }
  return total;
}

Result<PurgeReport> SqlitePrivacy::Purge(const RetentionPolicy& policy, TimePoint now, bool dry_run,
                                         std::string_view actor) {
  return Fenced("Purge", [&]() -> Result<PurgeReport> {
    for (auto kind : kAllRetentionKinds) {
      if (policy.For(kind) && *policy.For(kind) <= 0) {
        return Fail(ErrorCode::kInvalidArgument, std::string("the retention period of ") +
                                                     RetentionKindName(kind) +
                                                     " is not a positive number of days");
      }
    }
    MutexLock lock(mutex_);
    if (!dry_run) FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string who = Actor(actor);
    FACETAG_RETURN_IF_ERROR(CheckLabel(who, "the actor"));
    return PurgeLocked(policy, now, dry_run, who);
  });
}

Result<PurgeReport> SqlitePrivacy::PurgeLocked(const RetentionPolicy& policy, TimePoint now,
                                               bool dry_run, const std::string& actor) {
  const auto started = std::chrono::steady_clock::now();
  PurgeReport report;
  report.dry_run = dry_run;
  report.file_bytes_before = FileBytes();
  const std::string now_text = FormatUtc(now);
  const auto cutoff_of = [&](int days) { return FormatUtc(now - std::chrono::hours(24) * days); };
  FACETAG_ASSIGN_OR_RETURN(auto transaction,
                           Transaction::Begin(db_, dry_run ? Transaction::Kind::kDeferred
                                                           : Transaction::Kind::kImmediate));
  for (const PurgeStep& step : PurgeSteps()) {
    const auto& days = policy.For(step.kind);
    if (!days) continue;
    const std::string cutoff = cutoff_of(*days);
    const std::string cutoff_day = cutoff.substr(0, 10);
    FACETAG_ASSIGN_OR_RETURN(auto count, Statement::Prepare(db_, step.count_sql));
    count.Bind(1, std::string_view(cutoff));
    if (step.kind == RetentionKind::kIdleProfiles) count.Bind(2, std::string_view(cutoff_day));
    FACETAG_ASSIGN_OR_RETURN(auto counted, count.Step());
    CountOf(report.counts, step.kind) = counted ? count.ColumnInt64(0) : 0;
    if (step.kind == RetentionKind::kCaptions) {
      FACETAG_ASSIGN_OR_RETURN(
          auto mentions,
          Statement::Prepare(
              db_,
              "SELECT count(*) FROM mentions WHERE photo_id IN (SELECT id FROM photos"
              " WHERE ingested_at < ?1)"));
      FACETAG_ASSIGN_OR_RETURN(auto row, mentions.Bind(1, std::string_view(cutoff)).Step());
      report.counts.mentions = row ? mentions.ColumnInt64(0) : 0;
    }
    if (dry_run) continue;
    for (const char* sql : step.apply_sql) {
      FACETAG_ASSIGN_OR_RETURN(auto apply, Statement::Prepare(db_, sql));
      apply.Bind(1, std::string_view(cutoff));
      if (step.kind == RetentionKind::kIdleProfiles) apply.Bind(2, std::string_view(cutoff_day));
      if (step.kind == RetentionKind::kTags) apply.Bind(3, std::string_view(now_text));
      FACETAG_RETURN_IF_ERROR(apply.Run());
    }
  }
  Json details;
  if (policy.audit_days) {
    const std::string cutoff = cutoff_of(*policy.audit_days);
    FACETAG_ASSIGN_OR_RETURN(
        auto through,
        Statement::Prepare(
            db_,
            "SELECT id, hash, (SELECT count(*) FROM audit_log WHERE at < ?1) FROM audit_log"
            " WHERE id = (SELECT max(id) FROM audit_log WHERE at < ?1)"));
    FACETAG_ASSIGN_OR_RETURN(auto row, through.Bind(1, std::string_view(cutoff)).Step());
    if (row) {
      const AuditId through_id = through.ColumnInt64(0);
      const std::string through_hash = through.ColumnText(1);
      // Everything up to the newest old entry goes, so the remaining chain
      // starts right after the anchor.
      FACETAG_ASSIGN_OR_RETURN(
          auto all_before,
          ReadInt(db_, "SELECT count(*) FROM audit_log WHERE id <= " + std::to_string(through_id)));
      report.counts.audit_entries = all_before;
      if (!dry_run) {
        FACETAG_ASSIGN_OR_RETURN(
            auto gate,
            Statement::Prepare(db_, "INSERT INTO audit_purge_gate (through_id) VALUES (?1)"));
        FACETAG_RETURN_IF_ERROR(gate.Bind(1, through_id).Run());
        FACETAG_ASSIGN_OR_RETURN(auto remove,
                                 Statement::Prepare(db_, "DELETE FROM audit_log WHERE id <= ?1"));
        FACETAG_RETURN_IF_ERROR(remove.Bind(1, through_id).Run());
        FACETAG_RETURN_IF_ERROR(ExecSql(db_, "DELETE FROM audit_purge_gate", "closing the gate"));
        FACETAG_ASSIGN_OR_RETURN(
            auto anchor,
            Statement::Prepare(
                db_,
                "INSERT INTO audit_anchor (id, through_id, through_hash, purged, at)"
                " VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET"
                " through_id = excluded.through_id, through_hash = excluded.through_hash,"
                " purged = purged + excluded.purged, at = excluded.at"));
        anchor.Bind(1, through_id)
            .Bind(2, std::string_view(through_hash))
            .Bind(3, report.counts.audit_entries)
            .Bind(4, std::string_view(now_text));
        FACETAG_RETURN_IF_ERROR(anchor.Run());
        details["audit_through_id"] = through_id;
        details["audit_through_hash"] = through_hash;
      }
    }
  }
  if (dry_run) return report;
  details["counts"] = CountsJson(report.counts);
  details["dry_run"] = false;
  FACETAG_RETURN_IF_ERROR(AuditJson(db_, actor, "retention.purge", "retention", details, now_text));
  FACETAG_RETURN_IF_ERROR(transaction.Commit());
  // The deletions are committed; a file another connection holds back from
  // compaction is reported, not an error of the purge.
  auto wiped = CompactLocked();
  report.wiped = static_cast<bool>(wiped);
  if (!wiped) report.wipe_error = wiped.error().message;
  report.file_bytes_after = FileBytes();
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

Result<void> SqlitePrivacy::Compact() {
  return Fenced("Compact", [&]() -> Result<void> {
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    return CompactLocked();
  });
}

Result<void> SqlitePrivacy::CompactLocked() {
  // Deleted rows are zeroed in their pages (secure_delete, set at open), but
  // copies live on: the full-text index keeps old segments until merged,
  // the WAL keeps old page images until a checkpoint, and free pages keep
  // whatever was last written to them. So: merge, checkpoint, vacuum (which
  // rewrites every page), checkpoint and truncate the WAL.
  FACETAG_RETURN_IF_ERROR(ExecSql(db_, "INSERT INTO photo_text (photo_text) VALUES ('optimize')",
                                  "optimising the full-text index"));
  const auto checkpoint = [&]() -> Result<void> {
    FACETAG_ASSIGN_OR_RETURN(auto statement,
                             Statement::Prepare(db_, "PRAGMA wal_checkpoint(TRUNCATE)"));
    FACETAG_ASSIGN_OR_RETURN(auto row, statement.Step());
    if (row && statement.ColumnInt64(0) != 0) {
      return Fail(ErrorCode::kDatabase,
                  "cannot checkpoint " + config_.name +
                      ": another connection is reading it; purged data stays in the WAL until "
                      "the next purge or checkpoint");
    }
    return {};
  };
  FACETAG_RETURN_IF_ERROR(checkpoint());
  FACETAG_RETURN_IF_ERROR(ExecSql(db_, "VACUUM", "vacuuming " + config_.name));
  return checkpoint();
}

Result<AuditVerification> SqlitePrivacy::VerifyAudit() {
  return Fenced("VerifyAudit", [&]() -> Result<AuditVerification> {
    MutexLock lock(mutex_);
    return VerifyAuditChain(db_);
  });
}

}  // namespace facetag::store
