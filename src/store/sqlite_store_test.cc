// The SQLite store: persons, aliases and profiles.
#include "sqlite_store_test_fixture.h"

namespace facetag::store_test {
namespace {

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

}  // namespace
}  // namespace facetag::store_test
