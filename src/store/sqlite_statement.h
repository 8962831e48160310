// Small RAII wrappers over the SQLite C API for the SQLite store: a prepared
// statement and a transaction. Every failure becomes a kDatabase Error that
// carries SQLite's own message; nothing throws.
//
// Thread safety: none. The owner serialises all use of one connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "facetag/result.h"

namespace facetag::store {

// A kDatabase Error: "`context`: <SQLite's message for `rc`>".
Error SqliteError(sqlite3* db, int rc, std::string_view context);

// Runs one or more SQL statements that return no rows.
Result<void> ExecSql(sqlite3* db, const char* sql, std::string_view context);

namespace detail {
template <typename T>
inline constexpr bool kIsOptional = false;
template <typename T>
inline constexpr bool kIsOptional<std::optional<T>> = true;
}  // namespace detail

// A prepared statement. Bind* record the first failure, which Step() and
// Run() then report, so binds can be chained without checks in between.
class Statement {
 public:
  static Result<Statement> Prepare(sqlite3* db, std::string_view sql);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite. Text and blobs are copied.
  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::span<const unsigned char> bytes);
  Statement& BindNull(int index);

  // Makes the statement ready to run again with new bindings (all previous
  // bindings are cleared), so a loop can reuse one prepared statement.
  void Reset();

  // Advances: true when a row is ready to read, false when done.
  Result<bool> Step();
  // Steps a statement that returns no rows.
  Result<void> Run();

  // Columns are 0-based. A NULL reads as 0, 0.0 or empty.
  std::int64_t ColumnInt64(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  bool ColumnIsNull(int column) const;
  // Valid until the next Step() or destruction.
  std::span<const unsigned char> ColumnBlob(int column) const;

  // Reads the columns `first`, `first` + 1, ... into `fields`, in order,
  // each by its type: bool (non-zero), another integer, double,
  // std::string, or a std::optional of one of them (NULL: empty). A row
  // reader names its fields once, in the order of its SELECT.
  template <typename... Fields>
  void ReadColumns(int first, Fields&... fields) const {
    int column = first;
    (ReadColumn(column++, fields), ...);
  }

 private:
  template <typename T>
  void ReadColumn(int column, T& field) const {
    if constexpr (detail::kIsOptional<T>) {
      if (ColumnIsNull(column)) {
        field.reset();
      } else {
        ReadColumn(column, field.emplace());
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      field = ColumnInt64(column) != 0;
    } else if constexpr (std::is_integral_v<T>) {
      field = static_cast<T>(ColumnInt64(column));
    } else if constexpr (std::is_floating_point_v<T>) {
      field = static_cast<T>(ColumnDouble(column));
    } else {
      static_assert(std::is_same_v<T, std::string>, "ReadColumns: no reader for this type");
      field = ColumnText(column);
    }
  }

  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void RecordBind(int rc, int index);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = SQLITE_OK;
  int bind_index_ = 0;
};

// Runs `statement` to the end, calling `on_row` for each row; `on_row`
// returns a Result<void> to stop on the first error.
template <typename OnRow>
Result<void> ForEachRow(Statement& statement, OnRow&& on_row) {
  for (;;) {
    auto row = statement.Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return {};
    FACETAG_RETURN_IF_ERROR(on_row(statement));
  }
}

// A transaction that rolls back unless committed. IMMEDIATE takes the write
// lock at the start, so a read-check-write sequence cannot interleave with
// another connection's writes (it waits up to the busy timeout instead).
// A DEFERRED one that only reads gives its statements one snapshot and may
// simply be dropped.
class Transaction {
 public:
  enum class Kind { kDeferred, kImmediate };

  static Result<Transaction> Begin(sqlite3* db, Kind kind);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Result<void> Commit();

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}

  sqlite3* db_ = nullptr;  // null once committed, rolled back or moved from
};

}  // namespace facetag::store
