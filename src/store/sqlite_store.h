// The SQLite implementation of facetag::Store (include/facetag/store.h):
// the list and profiles, and the parts that share its connection (archive,
// discovery, privacy, service).
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include "facetag/thread_annotations.h"
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/store.h"
#include "sqlite_archive.h"
#include "sqlite_discovery.h"
#include "sqlite_privacy.h"
#include "sqlite_service.h"

namespace facetag::store {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;

// A name or alias as it will be stored (trimmed) and its comparison key.
struct CheckedName {
  std::string text;
  std::string key;
};

// Who a name key belongs to, as a name or as an alias.
struct KeyOwner {
  PersonId id = 0;
  std::string name;
};

// SQLite store. Thread-safe: one connection, every call under `mutex_`.
class SqliteStore final : public Store {
 public:
  SqliteStore(SqliteHandle db, std::filesystem::path path, int version,
              const StoreOptions& options);

  int SchemaVersion() const override { return version_; }

  Archive& archive() override { return archive_; }
  PrivacyStore& privacy() override { return privacy_; }
  ServiceStore& service() override { return service_; }

  DiscoveryStore& discovery() override { return discovery_; }

  Result<Person> AddPerson(const NewPerson& person, std::string_view actor) override;
  Result<Person> FindPerson(std::string_view name_alias_or_uri) override;
  Result<Person> GetPerson(PersonId id) override;
  Result<std::vector<Person>> ListPersons() override;
  Result<void> AddAlias(PersonId id, const std::string& alias, std::string_view actor) override;
  Result<Person> UpdatePerson(PersonId id, const PersonUpdate& update,
                              std::string_view actor) override;
  Result<void> RemoveAlias(PersonId id, const std::string& alias, std::string_view actor) override;
  Result<void> RemovePerson(PersonId id, std::string_view actor) override;
  Result<ProfileId> AddProfile(const Profile& profile, std::string_view actor) override;
  Result<std::vector<Profile>> ProfilesOf(PersonId id) override;
  Result<std::vector<Profile>> ProfilesForModel(const std::string& model_id) override;
  Result<void> RemoveProfile(ProfileId id, std::string_view actor) override;

 private:
  sqlite3* db() const { return db_.get(); }

  std::string Actor(std::string_view actor) const;
  // Appends to the audit log inside the caller's write transaction.
  Result<void> Audit(const std::string& actor, const char* action, const std::string& subject,
                     const nlohmann::json& details);
  // SQLite would refuse too, but with a message that does not say why.
  Result<void> CheckWritable() const;
  Result<void> CheckPersonExists(PersonId id);
  Result<std::vector<std::string>> AliasesOf(PersonId id);
  Result<Person> LoadPerson(PersonId id);
  Result<std::optional<KeyOwner>> OwnerOfKey(const std::string& key);
  // kAlreadyExists when `name` (or a name that folds alike) names a person
  // other than `except`.
  Result<void> CheckNameFree(const CheckedName& name, PersonId except);
  Result<Person> AddPersonLocked(const NewPerson& input, const std::string& actor);
  Result<void> CheckNotSuppressed(const std::string& name);
  Result<void> InsertAlias(PersonId id, const CheckedName& alias);
  Result<void> AddAliasLocked(PersonId id, const std::string& raw, const std::string& actor);
  Result<Person> UpdatePersonLocked(PersonId id, const PersonUpdate& update,
                                    const std::string& actor);
  Result<Person> FindPersonLocked(std::string_view query);
  Result<std::vector<Person>> ListPersonsLocked();
  Result<ProfileId> AddProfileLocked(const Profile& profile, const std::string& actor);
  // The length of the embeddings stored for `model_id`; none if it has none.
  Result<std::optional<std::int64_t>> DimensionOfModel(const std::string& model_id);
  Result<void> DeleteById(const char* sql, std::int64_t id, const char* what);

  // Serialises every use of the connection db_, by this class and by the
  // parts below, which share it.
  mutable Mutex mutex_;
  SqliteHandle db_;
  const std::filesystem::path path_;
  const int version_;
  const bool read_only_;
  const std::string actor_;
  const std::function<std::chrono::system_clock::time_point()> clock_;
  // Share the connection and `mutex_`; declared after them so they are
  // built after and destroyed before them.
  SqliteArchive archive_;
  SqliteDiscovery discovery_;
  SqlitePrivacy privacy_;
  SqliteServiceStore service_;
};

}  // namespace facetag::store
