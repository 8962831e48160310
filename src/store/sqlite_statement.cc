#include "sqlite_statement.h"

#include <utility>

namespace facetag::store {

Error SqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string message(context);
  message += ": ";
  // sqlite3_errmsg describes the most recent failure on the connection, which
  // is this one because the caller holds the connection exclusively; it is
  // more specific than sqlite3_errstr (names the constraint, the table, ...).
  message +=
      (db != nullptr && sqlite3_errcode(db) != SQLITE_OK) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return Error{ErrorCode::kDatabase, std::move(message)};
}

Result<void> ExecSql(sqlite3* db, const char* sql, std::string_view context) {
  char* raw_message = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &raw_message);
  if (rc == SQLITE_OK) return {};
  std::string message(context);
  message += ": ";
  message += raw_message != nullptr ? raw_message : sqlite3_errstr(rc);
  sqlite3_free(raw_message);
  return Fail(ErrorCode::kDatabase, std::move(message));
}

Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, &tail);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return tl::unexpected(SqliteError(db, rc, "cannot prepare \"" + std::string(sql) + "\""));
  }
  Statement statement(db, stmt);
  // A second statement in `sql` would be silently ignored: a bug, not data.
  const std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
  if (stmt == nullptr || rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    return Fail(ErrorCode::kInternal, "not exactly one SQL statement: " + std::string(sql));
  }
  return statement;
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_rc_(other.bind_rc_),
      bind_index_(other.bind_index_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_rc_ = other.bind_rc_;
    bind_index_ = other.bind_index_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::RecordBind(int rc, int index) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
    bind_index_ = index;
  }
}

Statement& Statement::Bind(int index, std::int64_t value) {
  RecordBind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  RecordBind(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  // A null pointer would bind SQL NULL instead of an empty string.
  const char* data = text.data() != nullptr ? text.data() : "";
  RecordBind(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
             index);
  return *this;
}

Statement& Statement::BindBlob(int index, std::span<const unsigned char> bytes) {
  // Likewise, an empty blob must not become NULL.
  const int rc = bytes.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                               : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(),
                                                     SQLITE_TRANSIENT);
  RecordBind(rc, index);
  return *this;
}

Statement& Statement::BindNull(int index) {
  RecordBind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

void Statement::Reset() {
  // sqlite3_reset repeats the last step's error, which Step() has reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
  bind_index_ = 0;
}

Result<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) {
    return tl::unexpected(SqliteError(db_, bind_rc_,
                                      "cannot bind parameter " + std::to_string(bind_index_) +
                                          " of \"" + std::string(sqlite3_sql(stmt_)) + "\""));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return tl::unexpected(SqliteError(db_, rc, "\"" + std::string(sqlite3_sql(stmt_)) + "\" failed"));
}

Result<void> Statement::Run() {
  FACETAG_RETURN_IF_ERROR(Step());
  return {};
}

std::int64_t Statement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::ColumnDouble(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::ColumnText(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::span<const unsigned char> Statement::ColumnBlob(int column) const {
  const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, column));
  if (data == nullptr) return {};
  return {data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

Result<Transaction> Transaction::Begin(sqlite3* db, Kind kind) {
  const char* sql = kind == Kind::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN";
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return tl::unexpected(SqliteError(db, rc, "cannot begin a transaction"));
  return Transaction(db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL);
  // a second ROLLBACK would only fail.
  if (db_ != nullptr && sqlite3_get_autocommit(db_) == 0) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

Result<void> Transaction::Commit() {
  const int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  // On failure the transaction stays open and the destructor rolls it back.
  if (rc != SQLITE_OK) return tl::unexpected(SqliteError(db_, rc, "cannot commit"));
  db_ = nullptr;
  return {};
}

}  // namespace facetag::store
