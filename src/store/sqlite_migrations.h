// The SQLite schema of facetag, as an ordered list of migrations.
//
// Migration i (1-based) takes a database from schema version i-1 to i; the
// version is kept in PRAGMA user_version, which SQLite updates in the same
// transaction as the migration's own statements, so a database is always at
// exactly one version. Migrations are append-only: a released one is never
// edited, a change is a new migration at the end.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <span>

#include "facetag/result.h"

namespace facetag::store {

struct Migration {
  const char* description;  // one line, for logs and error messages
  const char* sql;          // statements run inside the migration's transaction
  // A step SQL alone cannot do, run after `sql` in the same transaction.
  Result<void> (*step)(sqlite3* db) = nullptr;
};

// All migrations this build knows, oldest first. Its size is the current
// schema version.
std::span<const Migration> SqliteMigrations();

// PRAGMA application_id of a facetag database ("FTAG"), set with the first
// migration, so that facetag does not migrate some other program's SQLite
// file.
inline constexpr std::int32_t kFacetagApplicationId = 0x46544147;

}  // namespace facetag::store
