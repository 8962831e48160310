// Backups and restores of the SQLite database, also while another
// connection writes.
#include "facetag/sqlite_backup.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "facetag/file_io.h"
#include "facetag/store.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;

class SqliteBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = fs::temp_directory_path() /
           ("facetag_backup_test_" + std::to_string(randombytes_random()));
    ASSERT_TRUE(MakePrivateFolder(dir_));  // a database folder must be private
    options_.secret_key_path = dir_ / "key" / "secret.key";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<Store> Open(const fs::path& path) {
    auto store = Store::OpenSqlite(path, options_);
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  static void AddPersons(Store& store, int from, int count) {
    for (int i = from; i < from + count; ++i) {
      auto added = store.AddPerson({"Person " + std::to_string(i), {}, "in the news", {}}, "test");
      ASSERT_TRUE(added) << added.error().message;
    }
  }

  static std::int64_t Persons(Store& store) { return static_cast<std::int64_t>(store.ListPersons()->size()); }

  static void SetUserVersion(const fs::path& path, int version) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const std::string sql = "PRAGMA user_version = " + std::to_string(version);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }

  fs::path dir_;
  StoreOptions options_;
};

TEST_F(SqliteBackupTest, ABackupRestoresToTheSameDatabase) {
  auto store = Open(dir_ / "a.db");
  AddPersons(*store, 0, 5);
  auto report = BackupSqlite(dir_ / "a.db", dir_ / "backup.db");
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->schema_version, LatestSchemaVersion());
  EXPECT_GT(report->pages, 0);
  EXPECT_EQ(fs::status(dir_ / "backup.db").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_FALSE(fs::exists(dir_ / "backup.db.partial"));

  auto restored = RestoreSqlite(dir_ / "backup.db", dir_ / "restored.db", false);
  ASSERT_TRUE(restored) << restored.error().message;
  auto copy = Open(dir_ / "restored.db");
  EXPECT_EQ(Persons(*copy), 5);
  auto verified = copy->privacy().VerifyAudit();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->intact) << verified->problem;
  EXPECT_EQ(verified->head_hash, store->privacy().VerifyAudit()->head_hash);
}

TEST_F(SqliteBackupTest, ABackupNeverReplacesAFile) {
  auto store = Open(dir_ / "a.db");
  std::FILE* f = std::fopen((dir_ / "old").c_str(), "w");
  std::fclose(f);
  auto report = BackupSqlite(dir_ / "a.db", dir_ / "old");
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(BackupSqlite(dir_ / "missing.db", dir_ / "b.db").error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteBackupTest, ARestoreRefusesToReplaceADatabaseUnlessForced) {
  auto store = Open(dir_ / "a.db");
  AddPersons(*store, 0, 2);
  ASSERT_TRUE(BackupSqlite(dir_ / "a.db", dir_ / "backup.db"));
  auto other = Open(dir_ / "other.db");
  AddPersons(*other, 100, 3);
  other.reset();
  auto refused = RestoreSqlite(dir_ / "backup.db", dir_ / "other.db", false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(Persons(*Open(dir_ / "other.db")), 3);  // untouched
  ASSERT_TRUE(RestoreSqlite(dir_ / "backup.db", dir_ / "other.db", true));
  EXPECT_EQ(Persons(*Open(dir_ / "other.db")), 2);
}

TEST_F(SqliteBackupTest, ARestoreRefusesANewerSchema) {
  Open(dir_ / "a.db");
  ASSERT_TRUE(BackupSqlite(dir_ / "a.db", dir_ / "backup.db"));
  SetUserVersion(dir_ / "backup.db", LatestSchemaVersion() + 1);
  auto refused = RestoreSqlite(dir_ / "backup.db", dir_ / "restored.db", false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kDatabase);
  EXPECT_NE(refused.error().message.find("newer"), std::string::npos);
}

TEST_F(SqliteBackupTest, ARestoreRefusesAFileOfAnotherProgram) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "foreign.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto refused = RestoreSqlite(dir_ / "foreign.db", dir_ / "restored.db", false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kDatabase);
}

TEST_F(SqliteBackupTest, ABackupWhileAnotherConnectionWritesIsOneCommitsState) {
  auto store = Open(dir_ / "a.db");
  AddPersons(*store, 0, 10);
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    auto other = Store::OpenSqlite(dir_ / "a.db", options_);
    ASSERT_TRUE(other);
    for (int i = 1000; !stop.load(); ++i) {
      ASSERT_TRUE((*other)->AddPerson({"Writer " + std::to_string(i), {}, "news", {}}, "w"));
      written.fetch_add(1);
    }
  });
  while (written.load() < 20) std::this_thread::yield();
  auto report = BackupSqlite(dir_ / "a.db", dir_ / "backup.db");
  const int after = written.load();
  stop = true;
  writer.join();
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_TRUE(RestoreSqlite(dir_ / "backup.db", dir_ / "restored.db", false));
  auto copy = Open(dir_ / "restored.db");
  auto verified = copy->privacy().VerifyAudit();
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_TRUE(verified->intact) << verified->problem;
  // The persons and their audit entries come from one commit's state.
  const std::int64_t persons = Persons(*copy);
  EXPECT_GE(persons, 30);
  EXPECT_LE(persons, 10 + after + 1);
  AuditQuery query;
  query.action = "person.add";
  query.limit = 10000;
  auto entries = copy->archive().ListAudit(query);
  ASSERT_TRUE(entries) << entries.error().message;
  EXPECT_EQ(static_cast<std::int64_t>(entries->size()), persons);
}

}  // namespace
}  // namespace facetag
