// Store: facetag's database: the list and profiles here, the photo archive
// (photos, faces, tags, mentions, audit log) through archive().
//
// SQLite is the embedded default: one file, WAL mode, foreign keys on,
// versioned migrations applied on open. The interface is free of SQL so a
// PostgreSQL implementation can follow without touching its callers.
//
// Thread safety: a Store may be used from several threads; calls are
// serialised internally. Several processes may open the same SQLite file
// (WAL mode; writers wait up to `busy_timeout_ms`).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/archive.h"
#include "facetag/discovery_store.h"
#include "facetag/person.h"
#include "facetag/privacy_store.h"
#include "facetag/result.h"
#include "facetag/service_store.h"

namespace facetag {

struct StoreOptions {
  // How long a writer waits for another process's write lock.
  int busy_timeout_ms = 5000;
  // Open an existing database only; never create or migrate.
  bool read_only = false;
  // The secret key that encrypts suppression templates and keys name
  // hashes (PrivacyStore). Empty: DefaultSecretKeyPath(). Kept outside the
  // database so that a copy of the database reveals nothing without it;
  // created (32 random bytes, mode 0600, folder 0700) at the first opt-out;
  // refused when readable by group or others.
  std::filesystem::path secret_key_path{};
  // Who writes through this store when a call names no actor (audit log).
  // Default "facetag".
  std::string actor = "facetag";
  // The time stamps of every record (and the clock of the privacy rules).
  // Empty: the system clock. Tests pass a fake clock.
  std::function<std::chrono::system_clock::time_point()> clock{};
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens (and creates, if missing) the SQLite database at `path`, creating
  // its parent folder, and migrates its schema to the current version.
  // ":memory:" is a private in-memory database (tests' fake of the store:
  // the same rules and SQL, nothing on disk).
  // Errors: kDatabase (not a database, newer schema than this build, ...),
  // kIo (folder not creatable).
  static Result<std::unique_ptr<Store>> OpenSqlite(const std::filesystem::path& path,
                                                   const StoreOptions& options = {});

  // Schema version after migration (the number of migrations applied).
  virtual int SchemaVersion() const = 0;

  // --- persons ---------------------------------------------------------
  // Lists a person with a new stable URI. Names and aliases are compared
  // case-insensitively: kAlreadyExists when the name or an alias already
  // names someone on the list; kInvalidArgument for an empty name.
  // kRejected when the name or an alias was opted out (a suppression
  // record holds it): remove the suppression first.
  virtual Result<Person> AddPerson(const NewPerson& person, std::string_view actor = {}) = 0;
  // By name, alias (case-insensitive) or URI. kNotFound otherwise.
  virtual Result<Person> FindPerson(std::string_view name_alias_or_uri) = 0;
  virtual Result<Person> GetPerson(PersonId id) = 0;
  // Everyone on the list, ordered by name.
  virtual Result<std::vector<Person>> ListPersons() = 0;
  // Adds an alias. kAlreadyExists when it names someone else already.
  virtual Result<void> AddAlias(PersonId id, const std::string& alias,
                                std::string_view actor = {}) = 0;
  // Renames the person (the URI stays; kAlreadyExists when the new name
  // names someone else; the person's own alias gives way to it) and/or
  // changes the justification and criteria. kNotFound, kInvalidArgument.
  virtual Result<Person> UpdatePerson(PersonId id, const PersonUpdate& update,
                                      std::string_view actor = {}) = 0;
  // Removes one of the person's aliases (compared like names). kNotFound
  // when the person does not exist or has no such alias.
  virtual Result<void> RemoveAlias(PersonId id, const std::string& alias,
                                   std::string_view actor = {}) = 0;
  // Removes the person and all their profiles, aliases, caption mentions
  // and rejections; archive faces that named them name nobody (kUnknown,
  // automatic). kNotFound if absent.
  virtual Result<void> RemovePerson(PersonId id, std::string_view actor = {}) = 0;

  // --- profiles ----------------------------------------------------------
  // Stores a profile (the embedding with its model id). kNotFound when the
  // person does not exist; kInvalidArgument for an empty embedding.
  virtual Result<ProfileId> AddProfile(const Profile& profile, std::string_view actor = {}) = 0;
  // The profiles of one person, all models, oldest first.
  virtual Result<std::vector<Profile>> ProfilesOf(PersonId id) = 0;
  // Every profile computed by `model_id`, for building a matcher.
  virtual Result<std::vector<Profile>> ProfilesForModel(const std::string& model_id) = 0;
  virtual Result<void> RemoveProfile(ProfileId id, std::string_view actor = {}) = 0;

  // --- archive -------------------------------------------------------------
  // The photo archive in the same database (facetag/archive.h). The
  // reference is valid as long as this Store; it is thread-safe like it.
  virtual Archive& archive() = 0;

  // --- discovery -----------------------------------------------------------
  // Clusters of unknown faces and the editors' verdicts on them
  // (facetag/discovery_store.h), in the same database. Valid and
  // thread-safe like archive().
  virtual DiscoveryStore& discovery() = 0;

  // --- privacy -------------------------------------------------------------
  // Suppression records, requests, jobs, retention and the audit chain
  // (facetag/privacy_store.h), in the same database.
  virtual PrivacyStore& privacy() = 0;

  // --- service ---------------------------------------------------------------
  // API keys and background jobs of the HTTP service (facetag/service_store.h),
  // valid and thread-safe like archive().
  virtual ServiceStore& service() = 0;
};

// Changes to the list, aliases and profiles are written to the audit log in
// the same transaction ("person.add", "person.update", "person.remove",
// "person.alias.add", "person.alias.remove", "profile.add", "profile.remove"), by the call's actor or, when it gives
// none, StoreOptions::actor.

// The database used when no --db is given: $FACETAG_DB, else
// $XDG_DATA_HOME/facetag/facetag.db, else ~/.local/share/facetag/facetag.db.
std::filesystem::path DefaultDatabasePath();

// The secret key used when StoreOptions::secret_key_path is empty:
// $FACETAG_KEY, else $XDG_CONFIG_HOME/facetag/secret.key, else
// ~/.config/facetag/secret.key (a configuration folder, not the data folder,
// so that backups of the database do not carry the key).
std::filesystem::path DefaultSecretKeyPath();

}  // namespace facetag
