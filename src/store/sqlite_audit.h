// The audit log's hash chain, shared by the archive (tag decisions), the
// store (list changes) and the privacy store (requests, opt-outs, purges):
// every entry is appended through InsertAuditRow so that each one carries
// hash(prev_hash || canonical entry) (AuditEntryHash, facetag/privacy_store.h).
//
// Thread safety: none; the caller holds the store's lock and, for a chain
// that stays linear across processes, a write transaction.
#pragma once

#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "facetag/archive.h"
#include "facetag/privacy_store.h"
#include "sqlite_statement.h"

namespace facetag::store {

// Validates and appends `record` stamped `at`, chained to the newest entry
// (or to the purge anchor when every entry was purged). Must run inside a
// write transaction. Errors: kInvalidArgument (empty actor or action, text
// not UTF-8, details not JSON), kDatabase.
Result<AuditId> InsertAuditRow(sqlite3* db, const AuditRecord& record, const std::string& at);

// InsertAuditRow with `details` as JSON, for writes that need no id back.
Result<void> AuditJson(sqlite3* db, const std::string& actor, const char* action,
                       const std::string& subject, const nlohmann::json& details,
                       const std::string& at);

// Seals entries written before the chain existed (hash empty), oldest first,
// in a write transaction of its own. Returns how many were sealed.
Result<int> SealUnsealedAudit(sqlite3* db);

// An entry from the columns id, at, actor, action, subject, details (in
// that order) of `row`; details_sha256 is left empty.
AuditEntry ReadAuditEntry(const Statement& row);

// What an erased payload reads afterwards.
inline constexpr char kRedactedPayload[] = "{\"redacted\":true}";

// The entries whose payloads to erase: every entry about one of `subjects`
// ("person:12"), and every entry whose payload holds one of `texts` (a
// name; ASCII case-insensitive).
struct AuditRedaction {
  std::vector<std::string> subjects;
  std::vector<std::string> texts;
};

// Erases the payloads of the entries `redaction` selects (kRedactedPayload
// in their place); the chain still verifies over their payload hashes.
// Entries chained over their clear payload cannot be erased and are left.
// Must run inside a write transaction. Returns how many were erased.
Result<int> RedactAuditPayloads(sqlite3* db, const AuditRedaction& redaction);

// Migration step: re-seals an intact chain over the payloads' hashes, so
// that payloads written before can be erased too. A chain that does not
// verify, or that holds unsealed entries, is left alone.
Result<void> RechainAuditOverPayloadHashes(sqlite3* db);

// Checks the chain; see PrivacyStore::VerifyAudit.
Result<AuditVerification> VerifyAuditChain(sqlite3* db);

// The hash of the newest entry and its id; ("", 0) without entries and
// anchor; the anchor's when every entry was purged.
struct ChainHead {
  AuditId id = 0;
  std::string hash;
};
Result<ChainHead> AuditChainHead(sqlite3* db);

}  // namespace facetag::store
