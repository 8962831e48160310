// Tests of the SQLite Store on real database files in a temporary folder.

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

namespace facetag {
namespace {

namespace fs = std::filesystem;

const int kLatestVersion = static_cast<int>(store::SqliteMigrations().size());

// A fresh folder per test, removed afterwards.
class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ =
        fs::temp_directory_path() / ("facetag_store_test_" + std::to_string(randombytes_random()));
    ASSERT_TRUE(MakePrivateFolder(dir_));  // a database folder must be private
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

Profile MakeProfile(PersonId person, std::string model, std::vector<float> values) {
  Profile profile;
  profile.person_id = person;
  profile.embedding.model_id = std::move(model);
  profile.embedding.values = std::move(values);
  profile.photo_sha256 = std::string(64, 'a');
  profile.box = {10.5f, 20.25f, 64, 80};
  return profile;
}

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

TEST_F(SqliteStoreTest, AddPersonAssignsUuidUriAndUtcTime) {
  auto store = Open();
  auto merkel = store->AddPerson({"  Angela Merkel ", {"Merkel"}, "Chancellor 2005-2021", {}});
  ASSERT_TRUE(merkel) << merkel.error().message;
  EXPECT_GT(merkel->id, 0);
  EXPECT_EQ(merkel->name, "Angela Merkel");  // trimmed
  EXPECT_EQ(merkel->aliases, std::vector<std::string>{"Merkel"});
  EXPECT_EQ(merkel->justification, "Chancellor 2005-2021");
  EXPECT_EQ(merkel->profile_count, 0);
  const std::regex uuid_v4(
      "urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(merkel->uri, uuid_v4)) << merkel->uri;
  const std::regex utc("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
  EXPECT_TRUE(std::regex_match(merkel->created_at, utc)) << merkel->created_at;

  auto scholz = store->AddPerson({"Olaf Scholz", {}, "", {}});
  ASSERT_TRUE(scholz);
  EXPECT_NE(scholz->uri, merkel->uri);
  EXPECT_NE(scholz->id, merkel->id);
}

TEST_F(SqliteStoreTest, FindPersonByNameAliasUriAnyCaseAndAccents) {
  auto store = Open();
  auto muller = store->AddPerson({"Thomas Müller", {"Raumdeuter"}, "", {}});
  ASSERT_TRUE(muller) << muller.error().message;
  ASSERT_TRUE(store->AddPerson({"Angela Merkel", {}, "", {}}));

  for (const std::string query :
       {"Thomas Müller", "thomas müller", "THOMAS MULLER", "Thomas Muller", "  thomas   muller ",
        "Raumdeuter", "RAUMDEUTER"}) {
    auto found = store->FindPerson(query);
    ASSERT_TRUE(found) << query << ": " << found.error().message;
    EXPECT_EQ(found->id, muller->id) << query;
    EXPECT_EQ(found->name, "Thomas Müller");
    EXPECT_EQ(found->aliases, std::vector<std::string>{"Raumdeuter"});
  }
  auto by_uri = store->FindPerson(muller->uri);
  ASSERT_TRUE(by_uri) << by_uri.error().message;
  EXPECT_EQ(by_uri->id, muller->id);
  std::string upper_uri = muller->uri;
  for (char& c : upper_uri) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto by_upper_uri = store->FindPerson(upper_uri);
  ASSERT_TRUE(by_upper_uri) << by_upper_uri.error().message;
  EXPECT_EQ(by_upper_uri->id, muller->id);

  auto missing = store->FindPerson("Olaf Scholz");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("Olaf Scholz"), std::string::npos);
  auto missing_uri = store->FindPerson("urn:uuid:00000000-0000-4000-8000-000000000000");
  ASSERT_FALSE(missing_uri);
  EXPECT_EQ(missing_uri.error().code, ErrorCode::kNotFound);
  auto empty = store->FindPerson("  ");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, GetPersonByIdAndUnknownIdIsNotFound) {
  auto store = Open();
  auto added = store->AddPerson({"Angela Merkel", {"Merkel"}, "notes", {}});
  ASSERT_TRUE(added);
  auto got = store->GetPerson(added->id);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->uri, added->uri);
  EXPECT_EQ(got->aliases, added->aliases);
  EXPECT_EQ(got->created_at, added->created_at);
  auto missing = store->GetPerson(added->id + 100);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, DuplicateNameIsAlreadyExistsIgnoringCaseAndAccents) {
  auto store = Open();
  ASSERT_TRUE(store->AddPerson({"Gerd Müller", {}, "", {}}));
  for (const std::string name : {"Gerd Müller", "gerd müller", "GERD MULLER", "Gerd Muller"}) {
    auto duplicate = store->AddPerson({name, {}, "", {}});
    ASSERT_FALSE(duplicate) << name;
    EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists) << name;
    EXPECT_NE(duplicate.error().message.find("Gerd Müller"), std::string::npos)
        << duplicate.error().message;
  }
  auto list = store->ListPersons();
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(SqliteStoreTest, NameAndAliasMayNotNameAnotherPerson) {
  auto store = Open();
  auto merkel = store->AddPerson({"Angela Merkel", {"Mutti"}, "", {}});
  ASSERT_TRUE(merkel);
  auto scholz = store->AddPerson({"Olaf Scholz", {}, "", {}});
  ASSERT_TRUE(scholz);

  // A new person whose alias is someone's name, or whose name is someone's alias.
  auto alias_is_name = store->AddPerson({"Someone Else", {"angela merkel"}, "", {}});
  ASSERT_FALSE(alias_is_name);
  EXPECT_EQ(alias_is_name.error().code, ErrorCode::kAlreadyExists);
  auto name_is_alias = store->AddPerson({"MUTTI", {}, "", {}});
  ASSERT_FALSE(name_is_alias);
  EXPECT_EQ(name_is_alias.error().code, ErrorCode::kAlreadyExists);
  // Nothing of a refused person is kept.
  EXPECT_FALSE(store->FindPerson("Someone Else"));

  // AddAlias: another person's name or alias is refused.
  auto alias_other_name = store->AddAlias(scholz->id, "Angela Merkel");
  ASSERT_FALSE(alias_other_name);
  EXPECT_EQ(alias_other_name.error().code, ErrorCode::kAlreadyExists);
  auto alias_other_alias = store->AddAlias(scholz->id, "mutti");
  ASSERT_FALSE(alias_other_alias);
  EXPECT_EQ(alias_other_alias.error().code, ErrorCode::kAlreadyExists);

  // One's own names are no conflict: adding them again changes nothing.
  ASSERT_TRUE(store->AddAlias(merkel->id, "Mutti"));
  ASSERT_TRUE(store->AddAlias(merkel->id, "angela merkel"));
  ASSERT_TRUE(store->AddAlias(scholz->id, "Scholzomat"));
  auto merkel_now = store->GetPerson(merkel->id);
  ASSERT_TRUE(merkel_now);
  EXPECT_EQ(merkel_now->aliases, std::vector<std::string>{"Mutti"});
  auto found = store->FindPerson("scholzomat");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, scholz->id);

  auto unknown = store->AddAlias(scholz->id + 100, "Nobody");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, AliasesRepeatingTheNameAreDropped) {
  auto store = Open();
  auto person = store->AddPerson({"Lech Wałęsa", {"lech walesa", "Walesa", "WAŁĘSA"}, "", {}});
  ASSERT_TRUE(person) << person.error().message;
  EXPECT_EQ(person->aliases, std::vector<std::string>{"Walesa"});
}

TEST_F(SqliteStoreTest, TheDatabaseItselfKeepsNamesAndAliasesApart) {
  // The triggers guard rows that do not come through the Store.
  auto store = Open();
  auto merkel = store->AddPerson({"Angela Merkel", {"Mutti"}, "", {}});
  ASSERT_TRUE(merkel);
  store.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  const auto refusal = [db](const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    return rc == SQLITE_OK ? std::string("accepted") : message;
  };
  EXPECT_EQ(refusal("INSERT INTO persons (uri, name, name_key, justification, created_at)"
                    " VALUES ('urn:uuid:x', 'Mutti', 'MUTTI', '', '')"),
            "the name is already an alias");
  EXPECT_EQ(refusal("INSERT INTO person_aliases (person_id, alias, alias_key) VALUES (" +
                    std::to_string(merkel->id) + ", 'Angela Merkel', 'Angela merkel')"),
            "the alias is already a name");
  EXPECT_EQ(refusal("UPDATE person_aliases SET alias_key = 'angela merkel'"),
            "the alias is already a name");
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, InvalidNamesAreInvalidArgument) {
  auto store = Open();
  const std::vector<NewPerson> invalid = {
      {"", {}, "", {}},
      {"   ", {}, "", {}},
      {"Angela Merkel", {""}, "", {}},
      {"Angela Merkel", {"  "}, "", {}},
      {"M\xFCller", {}, "", {}},      // Latin-1 bytes, not UTF-8
      {"Line\nBreak", {}, "", {}},    // would break XMP and CSV exports
      {"urn:uuid:1234", {}, "", {}},  // would be taken for a URI
      {"Angela Merkel", {}, "bad \xFF notes", {}},
  };
  for (const auto& person : invalid) {
    auto added = store->AddPerson(person);
    ASSERT_FALSE(added) << person.name;
    EXPECT_EQ(added.error().code, ErrorCode::kInvalidArgument) << person.name;
  }
  auto list = store->ListPersons();
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
  auto person = store->AddPerson({"Angela Merkel", {}, "", {}});
  ASSERT_TRUE(person);
  auto empty_alias = store->AddAlias(person->id, " ");
  ASSERT_FALSE(empty_alias);
  EXPECT_EQ(empty_alias.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, ListPersonsIsOrderedByNameWithAliasesAndProfileCounts) {
  auto store = Open();
  auto zoe = store->AddPerson({"Zoë Zimmer", {"ZZ"}, "", {}});
  auto alice = store->AddPerson({"alice Adams", {}, "", {}});
  auto emile = store->AddPerson({"Émile Blanc", {"E. B.", "Blanc"}, "", {}});
  ASSERT_TRUE(zoe && alice && emile);
  ASSERT_TRUE(store->AddProfile(MakeProfile(emile->id, "m", {1, 0})));
  ASSERT_TRUE(store->AddProfile(MakeProfile(emile->id, "m", {0, 1})));
  ASSERT_TRUE(store->AddProfile(MakeProfile(zoe->id, "m", {1, 1})));

  auto list = store->ListPersons();
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].name, "alice Adams");
  EXPECT_EQ((*list)[1].name, "Émile Blanc");
  EXPECT_EQ((*list)[2].name, "Zoë Zimmer");
  EXPECT_EQ((*list)[0].profile_count, 0);
  EXPECT_EQ((*list)[1].profile_count, 2);
  EXPECT_EQ((*list)[2].profile_count, 1);
  EXPECT_EQ((*list)[1].aliases, (std::vector<std::string>{"E. B.", "Blanc"}));
  EXPECT_EQ((*list)[2].aliases, std::vector<std::string>{"ZZ"});

  auto found = store->FindPerson("emile blanc");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->profile_count, 2);
  auto got = store->GetPerson(zoe->id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->profile_count, 1);
}

TEST_F(SqliteStoreTest, ProfilesRoundTripBitExact) {
  auto store = Open();
  auto person = store->AddPerson({"Angela Merkel", {}, "", {}});
  ASSERT_TRUE(person);
  // Values whose bits a text or double round trip could disturb.
  std::vector<float> values = {0.1f,
                               -0.0f,
                               1.0f / 3.0f,
                               std::numeric_limits<float>::denorm_min(),
                               std::numeric_limits<float>::min(),
                               std::numeric_limits<float>::max(),
                               -std::numeric_limits<float>::lowest() / 2,
                               std::nextafter(1.0f, 2.0f)};
  for (int i = 0; i < 504; ++i) {
    values.push_back(std::bit_cast<float>((randombytes_random() & 0x807FFFFFu) | 0x3F000000u));
  }
  ASSERT_EQ(values.size(), 512u);
  Profile profile = MakeProfile(person->id, "faceplugin-fr-v1", values);
  profile.photo_sha256 = "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  profile.box = {12.25f, 7.5f, 100.125f, 120.0625f};

  auto id = store->AddProfile(profile);
  ASSERT_TRUE(id) << id.error().message;
  auto profiles = store->ProfilesOf(person->id);
  ASSERT_TRUE(profiles) << profiles.error().message;
  ASSERT_EQ(profiles->size(), 1u);
  const Profile& back = (*profiles)[0];
  EXPECT_EQ(back.id, *id);
  EXPECT_EQ(back.person_id, person->id);
  EXPECT_EQ(back.embedding.model_id, "faceplugin-fr-v1");
  ASSERT_EQ(back.embedding.values.size(), values.size());
  EXPECT_EQ(std::memcmp(back.embedding.values.data(), values.data(), values.size() * sizeof(float)),
            0);
  EXPECT_EQ(back.photo_sha256, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  EXPECT_EQ(back.box.x, 12.25f);
  EXPECT_EQ(back.box.y, 7.5f);
  EXPECT_EQ(back.box.width, 100.125f);
  EXPECT_EQ(back.box.height, 120.0625f);
  EXPECT_TRUE(
      std::regex_match(back.created_at, std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ")));

  // Stored as float32 little-endian: the first value 0.1f is 0x3DCCCCCD.
  EXPECT_EQ(RawSql("SELECT hex(substr(embedding, 1, 4)) FROM profiles"), "CDCCCC3D");
  EXPECT_EQ(RawSql("SELECT dimension FROM profiles"), "512");
}

TEST_F(SqliteStoreTest, AddProfileValidatesItsInput) {
  auto store = Open();
  auto person = store->AddPerson({"Angela Merkel", {}, "", {}});
  ASSERT_TRUE(person);
  ASSERT_TRUE(store->AddProfile(MakeProfile(person->id, "m512", std::vector<float>(512, 0.5f))));

  auto unknown_person = store->AddProfile(MakeProfile(person->id + 100, "m512", {1, 2}));
  ASSERT_FALSE(unknown_person);
  EXPECT_EQ(unknown_person.error().code, ErrorCode::kNotFound);

  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<Profile> invalid = {
      MakeProfile(person->id, "m", {}),
      MakeProfile(person->id, "", {1, 2}),
      MakeProfile(person->id, "m", {1, nan}),
      MakeProfile(person->id, "m", {-inf, 1}),
      MakeProfile(person->id, "m512", std::vector<float>(128, 0.5f)),  // other length, same model
  };
  Profile bad_box = MakeProfile(person->id, "m", {1, 2});
  bad_box.box.width = nan;
  invalid.push_back(bad_box);
  Profile bad_hash = MakeProfile(person->id, "m", {1, 2});
  bad_hash.photo_sha256 = "not-a-hash";
  invalid.push_back(bad_hash);
  for (std::size_t i = 0; i < invalid.size(); ++i) {
    auto added = store->AddProfile(invalid[i]);
    ASSERT_FALSE(added) << i;
    EXPECT_EQ(added.error().code, ErrorCode::kInvalidArgument)
        << i << ": " << added.error().message;
  }
  auto profiles = store->ProfilesOf(person->id);
  ASSERT_TRUE(profiles);
  EXPECT_EQ(profiles->size(), 1u);

  Profile no_photo = MakeProfile(person->id, "m", {1, 2});
  no_photo.photo_sha256.clear();
  EXPECT_TRUE(store->AddProfile(no_photo));
}

TEST_F(SqliteStoreTest, ProfilesForModelFiltersByModel) {
  auto store = Open();
  auto a = store->AddPerson({"Person A", {}, "", {}});
  auto b = store->AddPerson({"Person B", {}, "", {}});
  ASSERT_TRUE(a && b);
  auto a1 = store->AddProfile(MakeProfile(a->id, "faceplugin", {1, 0, 0}));
  auto a2 = store->AddProfile(MakeProfile(a->id, "dlib", {1, 0}));
  auto b1 = store->AddProfile(MakeProfile(b->id, "faceplugin", {0, 1, 0}));
  ASSERT_TRUE(a1 && a2 && b1);

  auto faceplugin = store->ProfilesForModel("faceplugin");
  ASSERT_TRUE(faceplugin) << faceplugin.error().message;
  ASSERT_EQ(faceplugin->size(), 2u);
  EXPECT_EQ((*faceplugin)[0].id, *a1);
  EXPECT_EQ((*faceplugin)[0].person_id, a->id);
  EXPECT_EQ((*faceplugin)[1].id, *b1);
  EXPECT_EQ((*faceplugin)[1].person_id, b->id);
  for (const auto& profile : *faceplugin) EXPECT_EQ(profile.embedding.model_id, "faceplugin");

  auto dlib = store->ProfilesForModel("dlib");
  ASSERT_TRUE(dlib);
  ASSERT_EQ(dlib->size(), 1u);
  EXPECT_EQ((*dlib)[0].id, *a2);
  auto none = store->ProfilesForModel("unknown-model");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());

  auto of_a = store->ProfilesOf(a->id);
  ASSERT_TRUE(of_a);
  ASSERT_EQ(of_a->size(), 2u);  // all models, oldest first
  EXPECT_EQ((*of_a)[0].id, *a1);
  EXPECT_EQ((*of_a)[1].id, *a2);
  auto of_nobody = store->ProfilesOf(b->id + 100);
  ASSERT_FALSE(of_nobody);
  EXPECT_EQ(of_nobody.error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, RemoveProfileAndUnknownProfileIsNotFound) {
  auto store = Open();
  auto person = store->AddPerson({"Angela Merkel", {}, "", {}});
  ASSERT_TRUE(person);
  auto first = store->AddProfile(MakeProfile(person->id, "m", {1, 0}));
  auto second = store->AddProfile(MakeProfile(person->id, "m", {0, 1}));
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(store->RemoveProfile(*first));
  auto profiles = store->ProfilesOf(person->id);
  ASSERT_TRUE(profiles);
  ASSERT_EQ(profiles->size(), 1u);
  EXPECT_EQ((*profiles)[0].id, *second);
  auto again = store->RemoveProfile(*first);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, RemovePersonCascadesToAliasesAndProfiles) {
  auto store = Open();
  auto merkel = store->AddPerson({"Angela Merkel", {"Mutti"}, "", {}});
  auto scholz = store->AddPerson({"Olaf Scholz", {}, "", {}});
  ASSERT_TRUE(merkel && scholz);
  ASSERT_TRUE(store->AddProfile(MakeProfile(merkel->id, "m", {1, 0})));
  ASSERT_TRUE(store->AddProfile(MakeProfile(merkel->id, "m", {0, 1})));
  ASSERT_TRUE(store->AddProfile(MakeProfile(scholz->id, "m", {1, 1})));

  ASSERT_TRUE(store->RemovePerson(merkel->id));
  EXPECT_EQ(store->GetPerson(merkel->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->FindPerson("Mutti").error().code, ErrorCode::kNotFound);
  auto remaining = store->ProfilesForModel("m");
  ASSERT_TRUE(remaining);
  ASSERT_EQ(remaining->size(), 1u);
  EXPECT_EQ((*remaining)[0].person_id, scholz->id);
  EXPECT_EQ(RawSql("SELECT count(*) FROM person_aliases"), "0");
  EXPECT_EQ(RawSql("SELECT count(*) FROM profiles"), "1");

  auto again = store->RemovePerson(merkel->id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);

  // The freed names can be listed again, with a new id and a new URI.
  auto relisted = store->AddPerson({"Angela Merkel", {"Mutti"}, "", {}});
  ASSERT_TRUE(relisted) << relisted.error().message;
  EXPECT_NE(relisted->id, merkel->id);
  EXPECT_NE(relisted->uri, merkel->uri);
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
}  // namespace facetag
