// The SQLite store: opening a database, its folder and key, versions, and
// several opens and threads at once.
#include "sqlite_store_test_fixture.h"

namespace facetag::store_test {
namespace {

TEST_F(SqliteStoreTest, OpenCreatesFolderAndFileInWalModeAtLatestVersion) {
  path_ = dir_ / "nested" / "deeper" / "facetag.db";
  auto store = Open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(fs::exists(path_));
  EXPECT_EQ(store->SchemaVersion(), kLatestVersion);
  EXPECT_GE(kLatestVersion, 1);
  EXPECT_EQ(RawSql("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawSql("PRAGMA user_version"), std::to_string(kLatestVersion));
  EXPECT_EQ(RawSql("PRAGMA application_id"), std::to_string(store::kFacetagApplicationId));
}

TEST_F(SqliteStoreTest, FolderThatCannotBeCreatedIsIoError) {
  { std::ofstream(dir_ / "plain_file") << "x"; }
  auto store = Store::OpenSqlite(dir_ / "plain_file" / "sub" / "facetag.db");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kIo);
}

fs::perms ModeOf(const fs::path& path) {
  return fs::status(path).permissions() & fs::perms::mask;
}

TEST_F(SqliteStoreTest, DatabaseWalAndShmAreCreatedPrivateInAPrivateFolder) {
  path_ = dir_ / "private" / "facetag.db";
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->AddPerson({"Angela Merkel", {}, "", {}}));  // writes the WAL
  EXPECT_EQ(ModeOf(path_.parent_path()), fs::perms::owner_all);
  const fs::perms private_file = fs::perms::owner_read | fs::perms::owner_write;
  EXPECT_EQ(ModeOf(path_), private_file);
  for (const char* suffix : {"-wal", "-shm"}) {
    const fs::path file = path_.string() + suffix;
    ASSERT_TRUE(fs::exists(file)) << file;
    EXPECT_EQ(ModeOf(file), private_file) << file;
  }
}

TEST_F(SqliteStoreTest, FolderEveryUserMayWriteIsRefusedWithTheFix) {
  const fs::path folder = dir_ / "shared";
  fs::create_directories(folder);
  fs::permissions(folder, fs::perms::all);
  auto store = Store::OpenSqlite(folder / "facetag.db");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kIo);
  EXPECT_NE(store.error().message.find("0777"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("chmod 700 " + folder.string()), std::string::npos)
      << store.error().message;
  EXPECT_FALSE(fs::exists(folder / "facetag.db"));
}

// An existing folder is somebody's setup: facetag refuses it rather than
// change it, says what is wrong and how to fix it, and writes nothing into it.
TEST_F(SqliteStoreTest, ExistingWorldReadableDatabaseFolderIsRefused) {
  const fs::path folder = dir_ / "data";
  fs::create_directories(folder);
  for (const fs::perms open : {fs::perms::owner_all | fs::perms::group_read |
                                   fs::perms::group_exec | fs::perms::others_read |
                                   fs::perms::others_exec,  // 0755
                               fs::perms::owner_all | fs::perms::group_read |
                                   fs::perms::group_exec,  // 0750
                               fs::perms::owner_all | fs::perms::others_exec}) {  // 0701
    fs::permissions(folder, open);
    auto store = Store::OpenSqlite(folder / "facetag.db");
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::kIo);
    const std::string& message = store.error().message;
    EXPECT_NE(message.find("the database folder " + folder.string()), std::string::npos) << message;
    char mode[16];
    std::snprintf(mode, sizeof mode, "mode %04o", static_cast<unsigned>(open));
    EXPECT_NE(message.find(mode), std::string::npos) << message;
    EXPECT_NE(message.find("chmod 700 " + folder.string()), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(folder / "facetag.db"));
    EXPECT_EQ(ModeOf(folder), open) << "an existing folder is left as it is";
  }
  fs::permissions(folder, fs::perms::owner_all);
  EXPECT_TRUE(Store::OpenSqlite(folder / "facetag.db"));
}

TEST_F(SqliteStoreTest, ExistingDatabaseInAFolderMadeWorldReadableIsRefusedAlsoReadOnly) {
  ASSERT_TRUE(Open());
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  for (const bool read_only : {false, true}) {
    auto store = Store::OpenSqlite(path_, {.read_only = read_only});
    ASSERT_FALSE(store) << read_only;
    EXPECT_EQ(store.error().code, ErrorCode::kIo);
    EXPECT_NE(store.error().message.find("chmod 700 " + dir_.string()), std::string::npos)
        << store.error().message;
  }
}

TEST_F(SqliteStoreTest, BareDatabaseNameChecksTheWorkingFolder) {
  const fs::path folder = dir_ / "cwd";
  fs::create_directories(folder);
  fs::permissions(folder, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  const fs::path before = fs::current_path();
  fs::current_path(folder);
  auto store = Store::OpenSqlite("facetag.db");
  fs::current_path(before);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("chmod 700 " + folder.string()), std::string::npos)
      << store.error().message;
}

// The key is checked when the store opens (the CLI or the service starts),
// not at the first opt-out.
TEST_F(SqliteStoreTest, SecretKeyOthersMayReadOrInAnOpenFolderIsRefusedAtOpen) {
  const fs::path key = dir_ / "keys" / "secret.key";
  StoreOptions options{.secret_key_path = key};
  ASSERT_TRUE(Open(options)) << "a missing key is made when first needed";
  ASSERT_TRUE(MakePrivateFolder(key.parent_path()));
  { std::ofstream(key) << std::string(64, 'a') << "\n"; }
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(Open(options));

  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  auto readable = Store::OpenSqlite(path_, options);
  ASSERT_FALSE(readable);
  EXPECT_EQ(readable.error().code, ErrorCode::kIo);
  EXPECT_NE(readable.error().message.find("mode 0604"), std::string::npos)
      << readable.error().message;
  EXPECT_NE(readable.error().message.find("chmod 600 " + key.string()), std::string::npos)
      << readable.error().message;

  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
  fs::permissions(key.parent_path(),
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  auto folder = Store::OpenSqlite(path_, options);
  ASSERT_FALSE(folder);
  EXPECT_EQ(folder.error().code, ErrorCode::kIo);
  EXPECT_NE(folder.error().message.find("the folder of the secret key " +
                                        key.parent_path().string()),
            std::string::npos)
      << folder.error().message;
  EXPECT_NE(folder.error().message.find("chmod 700 " + key.parent_path().string()),
            std::string::npos)
      << folder.error().message;
}

TEST_F(SqliteStoreTest, ReopenKeepsDataAndVersion) {
  PersonId id = 0;
  std::string uri;
  {
    auto store = Open();
    auto person = store->AddPerson({"Angela Merkel", {"Merkel"}, "notes", {}});
    ASSERT_TRUE(person);
    id = person->id;
    uri = person->uri;
    ASSERT_TRUE(store->AddProfile(MakeProfile(id, "m", {0.25f, -0.5f})));
  }
  auto store = Open();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->SchemaVersion(), kLatestVersion);
  auto person = store->FindPerson("merkel");
  ASSERT_TRUE(person) << person.error().message;
  EXPECT_EQ(person->id, id);
  EXPECT_EQ(person->uri, uri);
  EXPECT_EQ(person->justification, "notes");
  EXPECT_EQ(person->profile_count, 1);
  auto profiles = store->ProfilesOf(id);
  ASSERT_TRUE(profiles);
  ASSERT_EQ(profiles->size(), 1u);
  EXPECT_EQ((*profiles)[0].embedding.values, (std::vector<float>{0.25f, -0.5f}));
}

TEST_F(SqliteStoreTest, NewerSchemaVersionIsDatabaseError) {
  { ASSERT_TRUE(Open()); }
  RawSql("PRAGMA user_version = " + std::to_string(kLatestVersion + 1));
  for (const bool read_only : {false, true}) {
    auto store = Store::OpenSqlite(path_, {.read_only = read_only});
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code, ErrorCode::kDatabase);
    EXPECT_NE(store.error().message.find("created by a newer facetag"), std::string::npos)
        << store.error().message;
    EXPECT_NE(store.error().message.find(path_.string()), std::string::npos);
  }
  EXPECT_EQ(RawSql("PRAGMA user_version"), std::to_string(kLatestVersion + 1));  // untouched
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsDatabaseErrorAndLeftUntouched) {
  const std::string content =
      std::string("This is a caption file, not a database.\n") + std::string(4096, 'x');
  { std::ofstream(path_, std::ios::binary) << content; }
  auto store = Store::OpenSqlite(path_);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kDatabase);
  EXPECT_NE(store.error().message.find(path_.string()), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("not a SQLite database"), std::string::npos)
      << store.error().message;
  std::ifstream in(path_, std::ios::binary);
  std::stringstream after;
  after << in.rdbuf();
  EXPECT_EQ(after.str(), content);
  EXPECT_FALSE(fs::exists(path_.string() + "-wal"));
}

TEST_F(SqliteStoreTest, AnotherProgramsDatabaseIsRefused) {
  RawSql("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)");
  auto store = Store::OpenSqlite(path_);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kDatabase);
  EXPECT_NE(store.error().message.find("another program"), std::string::npos)
      << store.error().message;
  EXPECT_EQ(RawSql("PRAGMA user_version"), "0");
}

TEST_F(SqliteStoreTest, ReadOnlyNeitherCreatesNorWrites) {
  auto missing = Store::OpenSqlite(path_, {.read_only = true});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(path_));

  {
    auto store = Open();
    ASSERT_TRUE(store->AddPerson({"Angela Merkel", {}, "", {}}));
  }
  auto store = Open({.read_only = true});
  ASSERT_TRUE(store);
  EXPECT_EQ(store->SchemaVersion(), kLatestVersion);
  auto person = store->FindPerson("Angela Merkel");
  ASSERT_TRUE(person) << person.error().message;
  auto write = store->AddPerson({"Olaf Scholz", {}, "", {}});
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().code, ErrorCode::kDatabase);
  EXPECT_EQ(store->RemovePerson(person->id).error().code, ErrorCode::kDatabase);
  EXPECT_EQ(store->AddProfile(MakeProfile(person->id, "m", {1})).error().code,
            ErrorCode::kDatabase);
}

TEST_F(SqliteStoreTest, ReadOnlyRefusesAnUnmigratedDatabase) {
  { std::ofstream(path_, std::ios::binary); }  // an empty file is an empty database
  auto store = Store::OpenSqlite(path_, {.read_only = true});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kDatabase);
  EXPECT_EQ(fs::file_size(path_), 0u);
}

TEST_F(SqliteStoreTest, NegativeBusyTimeoutIsInvalidArgument) {
  auto store = Store::OpenSqlite(path_, {.busy_timeout_ms = -1});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
}

// Adds `count` persons named "<prefix> <i>" with one profile each, and reads
// in between; returns the first failure's message, or "".
std::string AddPersonsAndProfiles(Store& store, const std::string& prefix, int count) {
  for (int i = 0; i < count; ++i) {
    const std::string name = prefix + " " + std::to_string(i);
    auto person = store.AddPerson({name, {prefix + " alias " + std::to_string(i)}, "", {}});
    if (!person) return person.error().message;
    auto profile = store.AddProfile(MakeProfile(person->id, "m", {static_cast<float>(i), 1}));
    if (!profile) return profile.error().message;
    auto found = store.FindPerson(name);
    if (!found || found->id != person->id || found->profile_count != 1) return "find " + name;
    if (!store.ListPersons()) return "list";
  }
  return "";
}

TEST_F(SqliteStoreTest, ConcurrentUseOfOneStoreFromTwoThreads) {
  auto store = Open();
  ASSERT_TRUE(store);
  std::string error_a, error_b;
  std::thread a([&] { error_a = AddPersonsAndProfiles(*store, "Thread A", 50); });
  std::thread b([&] { error_b = AddPersonsAndProfiles(*store, "Thread B", 50); });
  a.join();
  b.join();
  EXPECT_EQ(error_a, "");
  EXPECT_EQ(error_b, "");
  auto list = store->ListPersons();
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 100u);
  auto profiles = store->ProfilesForModel("m");
  ASSERT_TRUE(profiles);
  EXPECT_EQ(profiles->size(), 100u);
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileWaitForEachOther) {
  // Two connections, as two processes would have: WAL plus busy_timeout let
  // their write transactions take turns instead of failing with "locked".
  auto first = Open();
  auto second = Open();
  ASSERT_TRUE(first && second);
  std::string error_a, error_b;
  std::thread a([&] { error_a = AddPersonsAndProfiles(*first, "Process A", 30); });
  std::thread b([&] { error_b = AddPersonsAndProfiles(*second, "Process B", 30); });
  a.join();
  b.join();
  EXPECT_EQ(error_a, "");
  EXPECT_EQ(error_b, "");
  auto list = first->ListPersons();
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 60u);
  // The same name added through both connections exists once.
  auto one = first->AddPerson({"Same Name", {}, "", {}});
  auto other = second->AddPerson({"same name", {}, "", {}});
  ASSERT_TRUE(one);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(SqliteStoreTest, TwoOpensOfANewFileAtOnceBothSucceed) {
  // Two processes starting together on a new file must not both apply the
  // same migration ("table persons already exists").
  Result<std::unique_ptr<Store>> first = Fail(ErrorCode::kInternal, "not run");
  Result<std::unique_ptr<Store>> second = Fail(ErrorCode::kInternal, "not run");
  std::thread a([&] { first = Store::OpenSqlite(path_); });
  std::thread b([&] { second = Store::OpenSqlite(path_); });
  a.join();
  b.join();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ((*first)->SchemaVersion(), kLatestVersion);
  EXPECT_EQ((*second)->SchemaVersion(), kLatestVersion);
}

// Sets an environment variable for one scope and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(DefaultDatabasePath, FacetagDbThenXdgDataHomeThenHome) {
  ScopedEnv home("HOME", "/home/editor");
  {
    ScopedEnv db("FACETAG_DB", "/srv/facetag/list.db");
    ScopedEnv xdg("XDG_DATA_HOME", "/data");
    EXPECT_EQ(DefaultDatabasePath(), fs::path("/srv/facetag/list.db"));
  }
  {
    ScopedEnv db("FACETAG_DB", nullptr);
    ScopedEnv xdg("XDG_DATA_HOME", "/data");
    EXPECT_EQ(DefaultDatabasePath(), fs::path("/data/facetag/facetag.db"));
  }
  {
    ScopedEnv db("FACETAG_DB", "");
    ScopedEnv xdg("XDG_DATA_HOME", "relative/ignored");
    EXPECT_EQ(DefaultDatabasePath(), fs::path("/home/editor/.local/share/facetag/facetag.db"));
  }
}

}  // namespace
}  // namespace facetag::store_test
