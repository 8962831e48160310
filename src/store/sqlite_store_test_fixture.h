// The fixture of the SQLite store tests (sqlite_store_test.cc: persons and
// profiles; sqlite_open_test.cc: opening, folders, versions, concurrent
// opens): a store on a real database file in a fresh private folder.
#pragma once

#include <gtest/gtest.h>
#include <sodium.h>
#include <sqlite3.h>

#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "facetag/file_io.h"
#include "facetag/store.h"
#include "raw_sql_for_tests.h"
#include "sqlite_migrations.h"
#include "test_data.h"

namespace facetag::store_test {

namespace fs = std::filesystem;

const int kLatestVersion = static_cast<int>(store::SqliteMigrations().size());

// A fresh folder per test, removed afterwards.
class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = testing::TempDir("store");  // private: a database folder must be
    path_ = dir_ / "facetag.db";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<Store> Open(const StoreOptions& options = {}) {
    auto store = Store::OpenSqlite(path_, options);
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // Runs `sql` on the file with SQLite itself, bypassing the Store; returns
  // the first column of the first row, if any.
  std::string RawSql(const std::string& sql) {
    auto result = store::RunRawSql(path_, sql);
    EXPECT_EQ(result.rc, SQLITE_OK) << result.error;
    return result.first;
  }

  fs::path dir_;
  fs::path path_;
};

inline Profile MakeProfile(PersonId person, std::string model, std::vector<float> values) {
  Profile profile;
  profile.person_id = person;
  profile.embedding.model_id = std::move(model);
  profile.embedding.values = std::move(values);
  profile.photo_sha256 = std::string(64, 'a');
  profile.box = {10.5f, 20.25f, 64, 80};
  return profile;
}

}  // namespace facetag::store_test
