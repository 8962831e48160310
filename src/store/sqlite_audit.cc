#include "sqlite_audit.h"

#include <nlohmann/json.hpp>

#include "facetag/hash.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"

namespace facetag {

std::string AuditEntryHash(std::string_view prev_hash, const AuditEntry& entry) {
  // Length-prefixed fields: no choice of separator can make two different
  // entries print alike.
  std::string canonical(prev_hash);
  const auto field = [&canonical](std::string_view value) {
    canonical += std::to_string(value.size());
    canonical += ':';
    canonical += value;
    canonical += '\n';
  };
  field(std::to_string(entry.id));
  field(entry.at);
  field(entry.record.actor);
  field(entry.record.action);
  field(entry.record.subject);
  if (entry.details_sha256.empty()) {
    field(entry.record.details);
  } else {
    field("sha256:" + entry.details_sha256);
  }
  return Sha256Hex({reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size()});
}

namespace store {
namespace {

std::string PayloadHash(std::string_view details) {
  return Sha256Hex({reinterpret_cast<const unsigned char*>(details.data()), details.size()});
}

struct Anchor {
  AuditId through_id = 0;
  std::string through_hash;
};

Result<std::optional<Anchor>> ReadAnchor(sqlite3* db) {
  auto statement = Statement::Prepare(db, "SELECT through_id, through_hash FROM audit_anchor");
  if (!statement) return tl::unexpected(statement.error());
  auto row = statement->Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return std::optional<Anchor>();
  return std::optional<Anchor>(Anchor{statement->ColumnInt64(0), statement->ColumnText(1)});
}

}  // namespace

AuditEntry ReadAuditEntry(const Statement& row) {
  AuditEntry entry;
  row.ReadColumns(0, entry.id, entry.at, entry.record.actor, entry.record.action,
                  entry.record.subject, entry.record.details);
  return entry;
}

Result<ChainHead> AuditChainHead(sqlite3* db) {
  auto statement =
      Statement::Prepare(db, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
  if (!statement) return tl::unexpected(statement.error());
  auto row = statement->Step();
  if (!row) return tl::unexpected(row.error());
  if (*row) return ChainHead{statement->ColumnInt64(0), statement->ColumnText(1)};
  auto anchor = ReadAnchor(db);
  if (!anchor) return tl::unexpected(anchor.error());
  if (*anchor) return ChainHead{(*anchor)->through_id, (*anchor)->through_hash};
  return ChainHead{};
}

Result<AuditId> InsertAuditRow(sqlite3* db, const AuditRecord& record, const std::string& at) {
  FACETAG_RETURN_IF_ERROR(CheckLabel(record.actor, "the actor"));
  FACETAG_RETURN_IF_ERROR(CheckLabel(record.action, "the action"));
  FACETAG_RETURN_IF_ERROR(CheckUtf8(record.subject, "the subject"));
  FACETAG_RETURN_IF_ERROR(CheckUtf8(record.details, "the details"));
  // The same test as the table's CHECK, so that bad JSON is the caller's
  // error rather than a database failure.
  auto valid = Statement::Prepare(db, "SELECT json_valid(?1)");
  if (!valid) return tl::unexpected(valid.error());
  auto row = valid->Bind(1, std::string_view(record.details)).Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row || valid->ColumnInt64(0) != 1) {
    return Fail(ErrorCode::kInvalidArgument, "the details are not JSON: " + record.details);
  }
  auto head = AuditChainHead(db);
  if (!head) return tl::unexpected(head.error());
  // The id is chosen here because it is part of the hashed entry. With
  // AUTOINCREMENT, sqlite_sequence remembers the largest id ever used, so an
  // id freed by a purge is never handed out again.
  auto next = ReadInt(db,
                      "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = "
                      "'audit_log'), 0), coalesce((SELECT max(id) FROM audit_log), 0)) + 1");
  if (!next) return tl::unexpected(next.error());
  AuditEntry entry{*next, at, record, PayloadHash(record.details)};
  const std::string hash = AuditEntryHash(head->hash, entry);
  auto insert = Statement::Prepare(
      db,
      "INSERT INTO audit_log (id, at, actor, action, subject, details, prev_hash, hash,"
      " details_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!insert) return tl::unexpected(insert.error());
  insert->Bind(1, entry.id)
      .Bind(2, std::string_view(at))
      .Bind(3, std::string_view(record.actor))
      .Bind(4, std::string_view(record.action))
      .Bind(5, std::string_view(record.subject))
      .Bind(6, std::string_view(record.details))
      .Bind(7, std::string_view(head->hash))
      .Bind(8, std::string_view(hash))
      .Bind(9, std::string_view(entry.details_sha256));
  FACETAG_RETURN_IF_ERROR(insert->Run());
  return entry.id;
}

Result<void> AuditJson(sqlite3* db, const std::string& actor, const char* action,
                       const std::string& subject, const nlohmann::json& details,
                       const std::string& at) {
  FACETAG_RETURN_IF_ERROR(InsertAuditRow(db, {actor, action, subject, details.dump()}, at));
  return {};
}

Result<int> SealUnsealedAudit(sqlite3* db) {
  auto unsealed = ReadInt(db, "SELECT count(*) FROM audit_log WHERE hash = ''");
  if (!unsealed) return tl::unexpected(unsealed.error());
  if (*unsealed == 0) return 0;
  auto transaction = Transaction::Begin(db, Transaction::Kind::kImmediate);
  if (!transaction) return tl::unexpected(transaction.error());
  auto rows = Statement::Prepare(
      db, "SELECT id, at, actor, action, subject, details, hash FROM audit_log ORDER BY id");
  if (!rows) return tl::unexpected(rows.error());
  auto update = Statement::Prepare(
      db, "UPDATE audit_log SET prev_hash = ?1, hash = ?2, details_sha256 = ?4 WHERE id = ?3");
  if (!update) return tl::unexpected(update.error());
  std::string prev;
  int sealed = 0;
  for (;;) {
    auto row = rows->Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    std::string hash = rows->ColumnText(6);
    if (hash.empty()) {
      AuditEntry entry = ReadAuditEntry(*rows);
      entry.details_sha256 = PayloadHash(entry.record.details);
      hash = AuditEntryHash(prev, entry);
      update->Reset();
      update->Bind(1, std::string_view(prev))
          .Bind(2, std::string_view(hash))
          .Bind(3, entry.id)
          .Bind(4, std::string_view(entry.details_sha256));
      FACETAG_RETURN_IF_ERROR(update->Run());
      ++sealed;
    }
    prev = std::move(hash);
  }
  FACETAG_RETURN_IF_ERROR(transaction->Commit());
  return sealed;
}

Result<AuditVerification> VerifyAuditChain(sqlite3* db) {
  auto transaction = Transaction::Begin(db, Transaction::Kind::kDeferred);
  if (!transaction) return tl::unexpected(transaction.error());
  AuditVerification out;
  auto anchor = ReadAnchor(db);
  if (!anchor) return tl::unexpected(anchor.error());
  std::string prev;
  AuditId last_id = 0;
  if (*anchor) {
    prev = (*anchor)->through_hash;
    last_id = (*anchor)->through_id;
    out.anchored_through = last_id;
  }
  const auto fail = [&out](AuditId id, std::string problem) {
    out.intact = false;
    out.first_bad = id;
    out.problem = std::move(problem);
    return out;
  };
  auto rows = Statement::Prepare(
      db,
      "SELECT id, at, actor, action, subject, details, prev_hash, hash, details_sha256,"
      " redacted FROM audit_log ORDER BY id");
  if (!rows) return tl::unexpected(rows.error());
  bool anchor_backed = !*anchor;
  for (;;) {
    auto row = rows->Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    AuditEntry entry = ReadAuditEntry(*rows);
    const std::string stored_prev = rows->ColumnText(6);
    const std::string stored_hash = rows->ColumnText(7);
    entry.details_sha256 = rows->ColumnText(8);
    const bool redacted = rows->ColumnInt64(9) != 0;
    ++out.entries;
    const std::string id = std::to_string(entry.id);
    if (entry.id <= last_id) {
      return fail(entry.id, "entry " + id + " lies at or before the purge anchor");
    }
    if (stored_hash.empty()) return fail(entry.id, "entry " + id + " is not sealed");
    if (stored_prev != prev) {
      return fail(entry.id, "entry " + id +
                                " does not follow the entry before it: an entry was deleted "
                                "or inserted before it");
    }
    if (AuditEntryHash(prev, entry) != stored_hash) {
      return fail(entry.id, "entry " + id + " was changed after it was written");
    }
    if (!redacted && !entry.details_sha256.empty() &&
        PayloadHash(entry.record.details) != entry.details_sha256) {
      return fail(entry.id, "the payload of entry " + id + " was changed after it was written");
    }
    if (*anchor && !anchor_backed && entry.record.action == "retention.purge") {
      // The anchor must be the one a purge recorded in the chain itself;
      // otherwise deleting the oldest entries and writing an anchor for
      // them would go unnoticed.
      auto details = nlohmann::json::parse(entry.record.details, nullptr, false);
      if (details.is_object() &&
          details.value("audit_through_id", AuditId{0}) == (*anchor)->through_id &&
          details.value("audit_through_hash", std::string()) == (*anchor)->through_hash) {
        anchor_backed = true;
      }
    }
    prev = stored_hash;
    last_id = entry.id;
  }
  if (!anchor_backed) {
    return fail((*anchor)->through_id + 1, "the purge anchor (through entry " +
                                               std::to_string((*anchor)->through_id) +
                                               ") is not recorded by any retention.purge entry");
  }
  // AUTOINCREMENT remembers the largest id ever used: newest entries cut
  // off the end of the chain leave it above the last id.
  auto sequence = ReadInt(db,
                          "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = "
                          "'audit_log'), 0)");
  if (!sequence) return tl::unexpected(sequence.error());
  if (*sequence != last_id) {
    return fail(last_id + 1, "entries " + std::to_string(last_id + 1) + " to " +
                                 std::to_string(*sequence) + " were deleted from the end");
  }
  out.intact = true;
  out.head_hash = prev;
  return out;
}

Result<int> RedactAuditPayloads(sqlite3* db, const AuditRedaction& redaction) {
  // The trigger on audit_log lets exactly this change through on a sealed
  // entry: the payload replaced by kRedactedPayload, nothing else.
  int redacted = 0;
  const auto run = [&](const char* where, std::string_view value) -> Result<void> {
    FACETAG_ASSIGN_OR_RETURN(
        Statement update,
        Statement::Prepare(db, std::string("UPDATE audit_log SET details = ?1, redacted = 1"
                                           " WHERE redacted = 0 AND details_sha256 <> '' AND ") +
                                   where));
    FACETAG_RETURN_IF_ERROR(
        update.Bind(1, std::string_view(kRedactedPayload)).Bind(2, value).Run());
    redacted += sqlite3_changes(db);
    return {};
  };
  for (const std::string& subject : redaction.subjects) {
    if (!subject.empty()) FACETAG_RETURN_IF_ERROR(run("subject = ?2", subject));
  }
  for (const std::string& text : redaction.texts) {
    // ASCII case-insensitive; payloads hold names as the caller wrote them.
    if (!text.empty()) FACETAG_RETURN_IF_ERROR(run("instr(lower(details), lower(?2)) > 0", text));
  }
  return redacted;
}

Result<void> RechainAuditOverPayloadHashes(sqlite3* db) {
  // Entries written before the chain existed are sealed, over their payload
  // hashes, when the store opens (SealUnsealedAudit).
  FACETAG_ASSIGN_OR_RETURN(const std::int64_t unsealed,
                           ReadInt(db, "SELECT count(*) FROM audit_log WHERE hash = ''"));
  if (unsealed > 0) return {};
  FACETAG_ASSIGN_OR_RETURN(std::optional<Anchor> anchor, ReadAnchor(db));
  const std::string start = anchor ? anchor->through_hash : std::string();
  FACETAG_ASSIGN_OR_RETURN(
      Statement rows,
      Statement::Prepare(db, "SELECT id, at, actor, action, subject, details, prev_hash, hash"
                             " FROM audit_log ORDER BY id"));
  std::vector<std::pair<AuditEntry, std::string>> entries;  // with the stored hash
  std::string prev = start;
  for (;;) {
    FACETAG_ASSIGN_OR_RETURN(const bool row, rows.Step());
    if (!row) break;
    AuditEntry entry = ReadAuditEntry(rows);
    std::string stored = rows.ColumnText(7);
    // A chain that does not verify is left as it is, for VerifyAudit to
    // report: re-sealing it would hide the damage.
    if (rows.ColumnText(6) != prev || AuditEntryHash(prev, entry) != stored) return {};
    prev = stored;
    entries.emplace_back(std::move(entry), std::move(stored));
  }
  FACETAG_ASSIGN_OR_RETURN(
      Statement update,
      Statement::Prepare(db, "UPDATE audit_log SET prev_hash = ?1, hash = ?2, details_sha256 = ?3"
                             " WHERE id = ?4"));
  prev = start;
  for (auto& [entry, stored] : entries) {
    entry.details_sha256 = PayloadHash(entry.record.details);
    std::string hash = AuditEntryHash(prev, entry);
    update.Reset();
    FACETAG_RETURN_IF_ERROR(update.Bind(1, std::string_view(prev))
                                .Bind(2, std::string_view(hash))
                                .Bind(3, std::string_view(entry.details_sha256))
                                .Bind(4, entry.id)
                                .Run());
    prev = std::move(hash);
  }
  return {};
}

}  // namespace store
}  // namespace facetag
