// The SQLite implementation of facetag::Store (include/facetag/store.h).

#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "facetag/file_io.h"
#include "secret_key.h"
#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_migrations.h"
#include "sqlite_statement.h"
#include "sqlite_store.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
using store::AsciiLower;
using store::Fenced;
using store::ReadInt;
using store::SqliteHandle;
using store::SqliteStore;
using store::Statement;
using store::Transaction;

// Brings the schema to the newest version, one migration per transaction.
// The version is re-read inside each write transaction, so two processes
// opening a new file at once do not both apply the same migration.
Result<int> Migrate(sqlite3* db, const std::string& name) {
  const auto migrations = store::SqliteMigrations();
  const auto latest = static_cast<std::int64_t>(migrations.size());
  for (;;) {
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db, Transaction::Kind::kImmediate));
    FACETAG_ASSIGN_OR_RETURN(auto version, ReadInt(db, "PRAGMA user_version"));
    if (version > latest) {
      return Fail(ErrorCode::kDatabase,
                  name + " has schema version " + std::to_string(version) +
                      ": created by a newer facetag (this build knows up to " +
                      std::to_string(latest) + ")");
    }
    if (version == latest) {
      FACETAG_RETURN_IF_ERROR(transaction.Commit());
      return static_cast<int>(latest);
    }
    const auto& migration = migrations[static_cast<std::size_t>(version)];
    const std::string target = std::to_string(version + 1);
    const std::string context =
        "migrating " + name + " to schema version " + target + " (" + migration.description + ")";
    FACETAG_RETURN_IF_ERROR(store::ExecSql(db, migration.sql, context));
    if (migration.step) {
      auto stepped = migration.step(db);
      if (!stepped) return Fail(stepped.error().code, context + ": " + stepped.error().message);
    }
    const std::string stamp =
        "PRAGMA application_id = " + std::to_string(store::kFacetagApplicationId) +
        "; PRAGMA user_version = " + target + ";";
    FACETAG_RETURN_IF_ERROR(store::ExecSql(db, stamp.c_str(), context));
    FACETAG_RETURN_IF_ERROR(transaction.Commit());
  }
}

// Result of an open-time step, with the file named and "not a database"
// said in words.
Error OpenError(sqlite3* db, const Error& error, const std::string& name) {
  if ((sqlite3_errcode(db) & 0xFF) == SQLITE_NOTADB) {
    return Error{ErrorCode::kDatabase,
                 name + " is not a SQLite database (SQLite: " + sqlite3_errmsg(db) + ")"};
  }
  return Error{error.code, "cannot open database " + name + ": " + error.message};
}

// What a file says about itself before facetag writes to it.
struct DatabaseIdentity {
  std::int64_t application_id = 0;
  std::int64_t user_version = 0;
  std::int64_t objects = 0;  // tables, indexes, triggers, views
};

// One read transaction, so the three facts come from the same snapshot even
// while another process is creating the schema. Errors are translated here,
// while sqlite3_errcode still describes them (the rollback resets it).
Result<DatabaseIdentity> ReadIdentity(sqlite3* db, const std::string& name) {
  auto transaction = Transaction::Begin(db, Transaction::Kind::kDeferred);
  if (!transaction) return tl::unexpected(OpenError(db, transaction.error(), name));
  DatabaseIdentity identity;
  auto application_id = ReadInt(db, "PRAGMA application_id");
  if (!application_id) return tl::unexpected(OpenError(db, application_id.error(), name));
  identity.application_id = *application_id;
  auto version = ReadInt(db, "PRAGMA user_version");
  if (!version) return tl::unexpected(OpenError(db, version.error(), name));
  identity.user_version = *version;
  auto objects = ReadInt(db, "SELECT count(*) FROM sqlite_schema");
  if (!objects) return tl::unexpected(OpenError(db, objects.error(), name));
  identity.objects = *objects;
  auto committed = transaction->Commit();
  if (!committed) return tl::unexpected(OpenError(db, committed.error(), name));
  return identity;
}

// WAL lets readers (other processes, the server) read while one writes;
// with synchronous=NORMAL a crash may lose the last commits but never
// corrupts the file.
//
// The switch needs an exclusive lock, and while another connection is
// creating the same file SQLite may answer SQLITE_BUSY at once instead of
// calling the busy handler; so the wait the busy timeout promises is done
// here.
Result<void> EnableWal(sqlite3* db, const std::string& name, bool in_memory, int busy_timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  const auto switch_mode = [db]() -> Result<std::string> {
    FACETAG_ASSIGN_OR_RETURN(auto journal, Statement::Prepare(db, "PRAGMA journal_mode = WAL"));
    FACETAG_ASSIGN_OR_RETURN(auto row, journal.Step());
    return row ? AsciiLower(journal.ColumnText(0)) : "";
  };
  for (;;) {
    auto mode = switch_mode();
    if (mode) {
      if (*mode == "wal" || (in_memory && *mode == "memory")) return {};
      return Fail(ErrorCode::kDatabase,
                  "cannot switch " + name + " to WAL mode (journal mode stays \"" + *mode + "\")");
    }
    const bool busy = (sqlite3_errcode(db) & 0xFF) == SQLITE_BUSY;
    if (!busy || std::chrono::steady_clock::now() >= deadline) {
      return tl::unexpected(OpenError(db, mode.error(), name));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// The database holds names, faces and requests, and its folder holds the
// exports and the preview cache beside it: the folder facetag creates for it
// is private (0700), and an existing folder that other users may read, write
// or enter is refused with the chmod that fixes it (anyone who may list it
// sees what it holds; anyone who may write it can swap the file or plant a
// WAL). The file is created 0600 before SQLite opens it, so that its -wal
// and -shm, which SQLite creates with the database's mode, are private too
// (docs/security.md).
Result<void> PrepareDatabaseFiles(const fs::path& path) {
  FACETAG_RETURN_IF_ERROR(EnsurePrivateFolder(store::FolderOf(path), "the database folder"));
  // O_EXCL: an existing database keeps its file; an empty file is a new
  // database to SQLite.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) ::close(fd);
  return {};
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const fs::path& path, const StoreOptions& options) {
  if (options.busy_timeout_ms < 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "busy_timeout_ms is negative: " + std::to_string(options.busy_timeout_ms));
  }
  const std::string name = path.string();
  if (name.empty()) return Fail(ErrorCode::kInvalidArgument, "empty database path");
  if (sodium_init() < 0) return Fail(ErrorCode::kInternal, "libsodium failed to initialise");
  const bool in_memory = name == ":memory:";

  if (!in_memory && options.read_only) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return Fail(ErrorCode::kNotFound, "database not found: " + name);
    FACETAG_RETURN_IF_ERROR(CheckPrivateFolder(store::FolderOf(path), "the database folder"));
  } else if (!in_memory) {
    FACETAG_RETURN_IF_ERROR(PrepareDatabaseFiles(path));
  }
  // A key others may read is refused now, when the CLI or the service
  // starts, not at the first opt-out hours later. (An in-memory store is a
  // test's or a benchmark's: its key is checked when it is used.)
  const fs::path key_path =
      options.secret_key_path.empty() ? DefaultSecretKeyPath() : options.secret_key_path;
  if (!in_memory) FACETAG_RETURN_IF_ERROR(store::SecretKey::CheckPrivate(key_path));

  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;  // the store serialises calls itself
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
  SqliteHandle db(raw);  // closed on every path, also when opening failed
  if (rc != SQLITE_OK) {
    // Cannot open = the filesystem refused (permissions, a folder there, ...).
    const ErrorCode code = (rc & 0xFF) == SQLITE_CANTOPEN ? ErrorCode::kIo : ErrorCode::kDatabase;
    return Fail(code, "cannot open database " + name + ": " +
                          (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), options.busy_timeout_ms);

  // The first read of the file: this is where a file that is not a database
  // fails. Checked before anything is written, so a foreign file is left
  // untouched.
  FACETAG_ASSIGN_OR_RETURN(auto identity, ReadIdentity(db.get(), name));
  const std::int64_t version = identity.user_version;
  const bool pristine = identity.application_id == 0 && version == 0 && identity.objects == 0;
  if (identity.application_id != store::kFacetagApplicationId && !pristine) {
    return Fail(ErrorCode::kDatabase,
                name + " is a SQLite database of another program, not facetag's");
  }
  const auto latest = static_cast<std::int64_t>(store::SqliteMigrations().size());
  if (version > latest) {
    return Fail(ErrorCode::kDatabase, name + " has schema version " + std::to_string(version) +
                                          ": created by a newer facetag (this build knows up to " +
                                          std::to_string(latest) + ")");
  }

  if (options.read_only) {
    if (version < latest) {
      return Fail(ErrorCode::kDatabase, name + " has schema version " + std::to_string(version) +
                                            ", older than this build's " + std::to_string(latest) +
                                            "; open it once without read_only to migrate it");
    }
    FACETAG_RETURN_IF_ERROR(store::ExecSql(
        db.get(), "PRAGMA foreign_keys = ON; PRAGMA query_only = ON;", "configuring " + name));
    return std::make_unique<SqliteStore>(std::move(db), path, static_cast<int>(version), options);
  }

  FACETAG_RETURN_IF_ERROR(EnableWal(db.get(), name, in_memory, options.busy_timeout_ms));
  // secure_delete: a deleted row's bytes are overwritten with zeros in its
  // page, so what a purge or an opt-out deletes does not linger in free
  // space (docs/privacy.md).
  FACETAG_RETURN_IF_ERROR(store::ExecSql(
      db.get(), "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
      "configuring " + name));

  FACETAG_ASSIGN_OR_RETURN(auto migrated, Migrate(db.get(), name));
  // Entries written before the audit log became a chain join it now.
  FACETAG_RETURN_IF_ERROR(store::SealUnsealedAudit(db.get()));
  return std::make_unique<SqliteStore>(std::move(db), path, migrated, options);
}

}  // namespace

Result<std::unique_ptr<Store>> Store::OpenSqlite(const fs::path& path,
                                                 const StoreOptions& options) {
  return Fenced("opening the SQLite store", [&] { return OpenSqliteStore(path, options); });
}

fs::path DefaultSecretKeyPath() {
  if (const char* key = std::getenv("FACETAG_KEY"); key != nullptr && *key != '\0') return key;
  if (const char* config = std::getenv("XDG_CONFIG_HOME");
      config != nullptr && fs::path(config).is_absolute()) {
    return fs::path(config) / "facetag" / "secret.key";
  }
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : "") / ".config" / "facetag" / "secret.key";
}

fs::path DefaultDatabasePath() {
  const auto env = [](const char* variable) -> std::string {
    const char* value = std::getenv(variable);
    return value != nullptr ? value : "";
  };
  if (std::string db = env("FACETAG_DB"); !db.empty()) return db;
  // The XDG base directory spec says relative values are to be ignored.
  if (std::string data = env("XDG_DATA_HOME"); !data.empty() && fs::path(data).is_absolute()) {
    return fs::path(data) / "facetag" / "facetag.db";
  }
  std::string home = env("HOME");
  if (home.empty()) {
    // Services started without a HOME still have a passwd entry.
    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
    passwd entry{};
    passwd* found = nullptr;
    if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
        found != nullptr && found->pw_dir != nullptr) {
      home = found->pw_dir;
    }
  }
  return fs::path(home) / ".local" / "share" / "facetag" / "facetag.db";
}

}  // namespace facetag
