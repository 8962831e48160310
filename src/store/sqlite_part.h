// The scaffolding every part of the SQLite store shares (the list and
// profiles, archive, discovery, privacy, service): one connection, the lock
// that serialises its use, the fence that keeps exceptions inside, the
// read-only check, transactions, statements and the audit log. With it a
// store method is its checks, its SQL and its bindings.
//
// Thread safety: the connection is used only with `mutex_` held (Clang's
// -Wthread-safety checks it): public calls take it through Locked(); helpers
// that touch the connection are annotated FACETAG_REQUIRES(mutex_).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "facetag/result.h"
#include "facetag/thread_annotations.h"
#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"

namespace facetag::store {

// What the parts are built on: the connection, its lock and the facts of
// how the database was opened.
struct SqliteConnection {
  sqlite3* db = nullptr;
  Mutex* mutex = nullptr;
  std::string name;  // the database path, for messages
  bool read_only = false;
};

class SqlitePart {
 public:
  SqlitePart(const SqlitePart&) = delete;
  SqlitePart& operator=(const SqlitePart&) = delete;

 protected:
  // The connection and the mutex must outlive the part.
  explicit SqlitePart(const SqliteConnection& connection)
      : mutex_(*connection.mutex),
        db_(connection.db),
        name_(connection.name),
        read_only_(connection.read_only) {}
  ~SqlitePart() = default;

  // Runs `body` under the store's lock, fenced: what every public call does.
  // `body` is a lambda annotated FACETAG_REQUIRES(mutex_).
  template <typename Body>
  auto Locked(const char* operation, Body&& body) -> decltype(body()) {
    return Fenced(operation, [&]() -> decltype(body()) {
      MutexLock lock(mutex_);
      return body();
    });
  }

  // kDatabase when the database was opened read-only: SQLite would refuse
  // too, but with a message that does not say why.
  Result<void> CheckWritable() const {
    if (!read_only_) return {};
    return Fail(ErrorCode::kDatabase, name_ + " is open read-only");
  }

  sqlite3* db() const FACETAG_REQUIRES(mutex_) { return db_; }
  const std::string& name() const { return name_; }

  Result<Statement> Prepare(std::string_view sql) const FACETAG_REQUIRES(mutex_) {
    return Statement::Prepare(db_, sql);
  }
  // A write transaction (IMMEDIATE: a read-check-write sequence cannot
  // interleave with another connection's writes).
  Result<Transaction> BeginWrite() const FACETAG_REQUIRES(mutex_) {
    return Transaction::Begin(db_, Transaction::Kind::kImmediate);
  }
  // A read transaction: one snapshot for several statements.
  Result<Transaction> BeginRead() const FACETAG_REQUIRES(mutex_) {
    return Transaction::Begin(db_, Transaction::Kind::kDeferred);
  }
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int Changes() const FACETAG_REQUIRES(mutex_) { return sqlite3_changes(db_); }
  std::int64_t LastInsertId() const FACETAG_REQUIRES(mutex_) {
    return sqlite3_last_insert_rowid(db_);
  }
  // The first column of the first row of `sql`.
  Result<std::int64_t> ReadInt(std::string_view sql) const FACETAG_REQUIRES(mutex_) {
    return store::ReadInt(db_, sql);
  }

  // Runs `statement`, a change of one row; kNotFound with `not_found` when
  // it changed none.
  Result<void> RunChangingOne(Statement& statement, const std::string& not_found) const
      FACETAG_REQUIRES(mutex_) {
    FACETAG_RETURN_IF_ERROR(statement.Run());
    if (Changes() == 0) return Fail(ErrorCode::kNotFound, not_found);
    return {};
  }

  // Steps `statement` to its first row; kNotFound with `not_found` when it
  // has none.
  static Result<void> StepToRow(Statement& statement, const std::string& not_found) {
    FACETAG_ASSIGN_OR_RETURN(const bool found, statement.Step());
    if (!found) return Fail(ErrorCode::kNotFound, not_found);
    return {};
  }

  // Every row of `statement`, each made by `read(row)`.
  template <typename Read>
  static auto ReadAll(Statement& statement, Read&& read)
      -> Result<std::vector<decltype(read(statement))>> {
    std::vector<decltype(read(statement))> rows;
    FACETAG_RETURN_IF_ERROR(ForEachRow(statement, [&](const Statement& row) -> Result<void> {
      rows.push_back(read(row));
      return {};
    }));
    return rows;
  }

  // Appends to the audit log inside the caller's write transaction.
  Result<void> Audit(const std::string& actor, const char* action, const std::string& subject,
                     const nlohmann::json& details, const std::string& at) const
      FACETAG_REQUIRES(mutex_) {
    return AuditJson(db_, actor, action, subject, details, at);
  }

  // The lock of the owning store, shared by all its parts.
  Mutex& mutex_;

 private:
  sqlite3* const db_;
  const std::string name_;
  const bool read_only_;
};

}  // namespace facetag::store
