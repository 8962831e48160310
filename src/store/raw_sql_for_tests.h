// For the store's tests: SQL run on a database file with SQLite itself, on
// its own connection, bypassing the Store (to look under it, or to damage
// the file as another program could).
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace facetag::store {

struct RawSqlResult {
  int rc = SQLITE_OK;  // sqlite3_exec's result code
  std::string first;   // the first column of the first row, if any
  std::string error;   // SQLite's message when rc is not SQLITE_OK
};

inline RawSqlResult RunRawSql(const std::filesystem::path& path, const std::string& sql) {
  RawSqlResult result;
  sqlite3* db = nullptr;
  result.rc = sqlite3_open(path.c_str(), &db);
  if (result.rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    char* error = nullptr;
    result.rc = sqlite3_exec(
        db, sql.c_str(),
        [](void* out, int columns, char** values, char**) {
          auto* text = static_cast<std::string*>(out);
          if (text->empty() && columns > 0 && values[0] != nullptr) *text = values[0];
          return 0;
        },
        &result.first, &error);
    if (error != nullptr) result.error = error;
    sqlite3_free(error);
  } else {
    result.error = sqlite3_errstr(result.rc);
  }
  sqlite3_close(db);
  return result;
}

}  // namespace facetag::store
