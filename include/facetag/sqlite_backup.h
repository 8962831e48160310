// Backups of facetag's SQLite database: a consistent copy while other
// processes write, and its restore.
//
// The secret key (StoreOptions::secret_key_path) is not in the database and
// is neither copied nor restored here: kept apart, a stolen database backup
// does not open the opt-out records (docs/operations.md).
//
// Thread safety: free functions; each opens its own connections.
#pragma once

#include <cstdint>
#include <filesystem>

#include "facetag/result.h"

namespace facetag {

// The schema version this build migrates a database to.
int LatestSchemaVersion();

struct BackupReport {
  int schema_version = 0;  // of the copy
  std::int64_t pages = 0;  // database pages copied
  std::int64_t bytes = 0;  // size of the copy
};

// Copies the facetag database at `source` into the new file `dest` (mode
// 0600) with SQLite's online backup API in one read transaction: the copy
// is the database as one commit left it, while other processes go on
// writing (WAL). `dest` appears only complete (written beside it, checked,
// then renamed). Errors: kNotFound (no source), kAlreadyExists (dest
// exists), kDatabase (not a facetag database; the copy fails SQLite's
// integrity check), kIo.
Result<BackupReport> BackupSqlite(const std::filesystem::path& source,
                                  const std::filesystem::path& dest);

// Copies the backup into the database `target` (created when missing)
// through SQLite's backup API, so that a process with `target` open sees
// the old database or the restored one, never a mix. Refuses: a backup of a
// newer schema than this build's, one that is not a facetag database or
// fails SQLite's integrity check (kDatabase); a target that holds a
// database unless `overwrite` (kAlreadyExists); a target folder that other
// users may use (kIo, as the store refuses it; a missing one is made 0700).
// An older schema is migrated when the target is next opened.
Result<BackupReport> RestoreSqlite(const std::filesystem::path& backup,
                                   const std::filesystem::path& target, bool overwrite);

}  // namespace facetag
