// Backups through SQLite's online backup API: pages are copied from one
// connection to another under SQLite's own locks, so a copy made while
// another process writes is one consistent snapshot.
#include "facetag/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "facetag/file_io.h"
#include "sqlite_common.h"
#include "sqlite_migrations.h"
#include "sqlite_statement.h"

namespace facetag {
namespace fs = std::filesystem;

namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

Result<Db> OpenDb(const fs::path& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return Fail(ErrorCode::kDatabase, "cannot open " + path.string() + ": " +
                                          (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), 5000);
  return db;
}

// The schema version of a facetag database; kDatabase for another file.
Result<int> FacetagVersion(sqlite3* db, const std::string& name) {
  auto application_id = store::ReadInt(db, "PRAGMA application_id");
  if (!application_id) {
    return Fail(ErrorCode::kDatabase, name + " is not a SQLite database: " +
                                          application_id.error().message);
  }
  if (*application_id != store::kFacetagApplicationId) {
    return Fail(ErrorCode::kDatabase, name + " is not a facetag database");
  }
  FACETAG_ASSIGN_OR_RETURN(std::int64_t version, store::ReadInt(db, "PRAGMA user_version"));
  return static_cast<int>(version);
}

Result<void> CheckIntegrity(sqlite3* db, const std::string& name) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &raw, nullptr) != SQLITE_OK) {
    return Fail(ErrorCode::kDatabase, "cannot check " + name + ": " + sqlite3_errmsg(db));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> statement(raw, sqlite3_finalize);
  std::string problems;
  while (sqlite3_step(raw) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
    const std::string line = text ? text : "";
    if (line == "ok") continue;
    if (!problems.empty()) problems += "; ";
    problems += line;
  }
  if (!problems.empty()) {
    return Fail(ErrorCode::kDatabase, name + " fails SQLite's integrity check: " + problems);
  }
  return {};
}

// Copies every page of `from` into `to` in one step: one read transaction
// on `from`, so one snapshot. A busy destination or source is waited for.
Result<std::int64_t> CopyPages(sqlite3* from, sqlite3* to, const std::string& what) {
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (backup == nullptr) {
    return Fail(ErrorCode::kDatabase, what + ": " + sqlite3_errmsg(to));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int rc = SQLITE_OK;
  for (;;) {
    rc = sqlite3_backup_step(backup, -1);
    const int primary = rc & 0xFF;
    if ((primary == SQLITE_BUSY || primary == SQLITE_LOCKED) &&
        std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    break;
  }
  const std::int64_t pages = sqlite3_backup_pagecount(backup);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    return Fail(ErrorCode::kDatabase, what + ": " + sqlite3_errstr(rc));
  }
  const int finished = sqlite3_errcode(to);
  if (finished != SQLITE_OK) {
    return Fail(ErrorCode::kDatabase, what + ": " + sqlite3_errmsg(to));
  }
  return pages;
}

std::int64_t SizeOf(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : static_cast<std::int64_t>(size);
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(store::SqliteMigrations().size()); }

Result<BackupReport> BackupSqlite(const fs::path& source, const fs::path& dest) {
  return store::Fenced("backing up the database", [&]() -> Result<BackupReport> {
    std::error_code ec;
    if (!fs::exists(source, ec)) return Fail(ErrorCode::kNotFound, "no database at " + source.string());
    if (fs::exists(fs::symlink_status(dest, ec))) {
      return Fail(ErrorCode::kAlreadyExists, dest.string() + " exists; give a new file");
    }
    // Read-write without create: a read-only connection to a WAL database
    // needs its -shm file to exist already.
    FACETAG_ASSIGN_OR_RETURN(Db from, OpenDb(source, SQLITE_OPEN_READWRITE));
    FACETAG_RETURN_IF_ERROR(FacetagVersion(from.get(), source.string()));

    // Written beside `dest` under a temporary name, created private: the
    // database holds face embeddings.
    const fs::path partial = dest.string() + ".partial";
    fs::remove(partial, ec);
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Fail(ErrorCode::kIo, "cannot create " + partial.string());
    ::close(fd);
    auto fail = [&](const Error& error) -> Result<BackupReport> {
      fs::remove(partial, ec);
      return tl::unexpected(error);
    };
    BackupReport report;
    {
      auto to = OpenDb(partial, SQLITE_OPEN_READWRITE);
      if (!to) return fail(to.error());
      auto pages = CopyPages(from.get(), to->get(), "backing up " + source.string());
      if (!pages) return fail(pages.error());
      report.pages = *pages;
      // One self-contained file: no -wal beside the copy.
      auto journal = store::ExecSql(to->get(), "PRAGMA journal_mode = DELETE", "backup");
      if (!journal) return fail(journal.error());
      auto checked = CheckIntegrity(to->get(), partial.string());
      if (!checked) return fail(checked.error());
      auto version = FacetagVersion(to->get(), partial.string());
      if (!version) return fail(version.error());
      report.schema_version = *version;
    }
    const int sync_fd = ::open(partial.c_str(), O_RDONLY | O_CLOEXEC);
    if (sync_fd >= 0) {
      ::fsync(sync_fd);
      ::close(sync_fd);
    }
    // link + unlink: never replaces a file that appeared meanwhile.
    if (::link(partial.c_str(), dest.c_str()) != 0) {
      return fail(Error{errno == EEXIST ? ErrorCode::kAlreadyExists : ErrorCode::kIo,
                        "cannot create " + dest.string()});
    }
    fs::remove(partial, ec);
    report.bytes = SizeOf(dest);
    return report;
  });
}

Result<BackupReport> RestoreSqlite(const fs::path& backup, const fs::path& target,
                                   bool overwrite) {
  return store::Fenced("restoring the database", [&]() -> Result<BackupReport> {
    std::error_code ec;
    if (!fs::exists(backup, ec)) return Fail(ErrorCode::kNotFound, "no backup at " + backup.string());
    FACETAG_ASSIGN_OR_RETURN(Db from, OpenDb(backup, SQLITE_OPEN_READONLY));
    FACETAG_ASSIGN_OR_RETURN(const int version, FacetagVersion(from.get(), backup.string()));
    if (version > LatestSchemaVersion()) {
      return Fail(ErrorCode::kDatabase,
                  backup.string() + " has schema version " + std::to_string(version) +
                      ": made by a newer facetag (this build knows up to " +
                      std::to_string(LatestSchemaVersion()) + "); restore it with that version");
    }
    FACETAG_RETURN_IF_ERROR(CheckIntegrity(from.get(), backup.string()));

    // The restored database lives where the store will open it: in a private
    // folder (docs/security.md).
    FACETAG_RETURN_IF_ERROR(
        EnsurePrivateFolder(store::FolderOf(target), "the database folder"));
    FACETAG_ASSIGN_OR_RETURN(Db to, OpenDb(target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
    FACETAG_ASSIGN_OR_RETURN(const std::int64_t objects,
                             store::ReadInt(to.get(), "SELECT count(*) FROM sqlite_schema"));
    if (objects > 0 && !overwrite) {
      return Fail(ErrorCode::kAlreadyExists,
                  target.string() + " holds a database; give --force to replace it");
    }
    ::chmod(target.c_str(), 0600);
    BackupReport report;
    report.schema_version = version;
    FACETAG_ASSIGN_OR_RETURN(report.pages,
                             CopyPages(from.get(), to.get(), "restoring into " + target.string()));
    FACETAG_RETURN_IF_ERROR(CheckIntegrity(to.get(), target.string()));
    report.bytes = SizeOf(target);
    return report;
  });
}

}  // namespace facetag
