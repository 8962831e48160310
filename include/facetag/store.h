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

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/archive.h"
#include "facetag/discovery_store.h"
#include "facetag/person.h"
#include "facetag/result.h"
#include "facetag/service_store.h"

namespace facetag {

struct StoreOptions {
  // How long a writer waits for another process's write lock.
  int busy_timeout_ms = 5000;
  // Open an existing database only; never create or migrate.
  bool read_only = false;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens (and creates, if missing) the SQLite database at `path`, creating
  // its parent folder, and migrates its schema to the current version.
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
  virtual Result<Person> AddPerson(const NewPerson& person) = 0;
  // By name, alias (case-insensitive) or URI. kNotFound otherwise.
  virtual Result<Person> FindPerson(std::string_view name_alias_or_uri) = 0;
  virtual Result<Person> GetPerson(PersonId id) = 0;
  // Everyone on the list, ordered by name.
  virtual Result<std::vector<Person>> ListPersons() = 0;
  // Adds an alias. kAlreadyExists when it names someone else already.
  virtual Result<void> AddAlias(PersonId id, const std::string& alias) = 0;
  // Renames the person (the URI stays; kAlreadyExists when the new name
  // names someone else; the person's own alias gives way to it) and/or
  // changes the justification and criteria. kNotFound, kInvalidArgument.
  virtual Result<Person> UpdatePerson(PersonId id, const PersonUpdate& update) = 0;
  // Removes one of the person's aliases (compared like names). kNotFound
  // when the person does not exist or has no such alias.
  virtual Result<void> RemoveAlias(PersonId id, const std::string& alias) = 0;
  // Removes the person and all their profiles, aliases, caption mentions
  // and rejections; archive faces that named them name nobody (kUnknown,
  // automatic). kNotFound if absent.
  virtual Result<void> RemovePerson(PersonId id) = 0;

  // --- profiles ----------------------------------------------------------
  // Stores a profile (the embedding with its model id). kNotFound when the
  // person does not exist; kInvalidArgument for an empty embedding.
  virtual Result<ProfileId> AddProfile(const Profile& profile) = 0;
  // The profiles of one person, all models, oldest first.
  virtual Result<std::vector<Profile>> ProfilesOf(PersonId id) = 0;
  // Every profile computed by `model_id`, for building a matcher.
  virtual Result<std::vector<Profile>> ProfilesForModel(const std::string& model_id) = 0;
  virtual Result<void> RemoveProfile(ProfileId id) = 0;

  // --- archive -------------------------------------------------------------
  // The photo archive in the same database (facetag/archive.h). The
  // reference is valid as long as this Store; it is thread-safe like it.
  virtual Archive& archive() = 0;

  // --- discovery -----------------------------------------------------------
  // Clusters of unknown faces and the editors' verdicts on them
  // (facetag/discovery_store.h), in the same database. Valid and
  // thread-safe like archive().
  virtual DiscoveryStore& discovery() = 0;

  // --- service ---------------------------------------------------------------
  // API keys and background jobs of the HTTP service (facetag/service_store.h),
  // valid and thread-safe like archive().
  virtual ServiceStore& service() = 0;
};

// The database used when no --db is given: $FACETAG_DB, else
// $XDG_DATA_HOME/facetag/facetag.db, else ~/.local/share/facetag/facetag.db.
std::filesystem::path DefaultDatabasePath();

}  // namespace facetag
