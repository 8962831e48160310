// The SQLite implementation of facetag::Store (include/facetag/store.h).

#include <pwd.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "facetag/store.h"
#include "name_key.h"
#include "sqlite_archive.h"
#include "sqlite_discovery.h"
#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_migrations.h"
#include "sqlite_privacy.h"
#include "sqlite_service.h"
#include "sqlite_statement.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
using store::AsciiLower;
using store::Fenced;
using store::IsHexSha256;
using store::ReadInt;
using store::Statement;
using store::Transaction;
using store::UtcNowIso8601;

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;

// A person's URI is written into photos that leave the agency, so it must
// not reveal anything (no time, no host) and must never collide: a random
// RFC 4122 version-4 UUID.
constexpr std::string_view kUriPrefix = "urn:uuid:";

std::string NewPersonUri() {
  std::array<unsigned char, 16> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string uri(kUriPrefix);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) uri.push_back('-');
    uri.push_back(kDigits[bytes[i] >> 4]);
    uri.push_back(kDigits[bytes[i] & 0x0F]);
  }
  return uri;
}

bool StartsWithUriPrefix(std::string_view text) {
  return text.size() >= kUriPrefix.size() &&
         AsciiLower(text.substr(0, kUriPrefix.size())) == kUriPrefix;
}

// A name or alias as it will be stored (trimmed) and its comparison key.
struct CheckedName {
  std::string text;
  std::string key;
};

// Names end up in XMP (XML) inside photos: they must be UTF-8 without
// control characters. A name that looks like a URI would make FindPerson
// ambiguous.
Result<CheckedName> CheckName(std::string_view raw, std::string_view what) {
  const std::string_view text = store::TrimAsciiWhitespace(raw);
  if (text.empty()) return Fail(ErrorCode::kInvalidArgument, std::string(what) + " is empty");
  if (!store::IsValidUtf8(text)) {
    return Fail(ErrorCode::kInvalidArgument, std::string(what) + " is not valid UTF-8");
  }
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      return Fail(ErrorCode::kInvalidArgument, std::string(what) + " \"" + std::string(text) +
                                                   "\" contains a control character");
    }
  }
  if (StartsWithUriPrefix(text)) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " \"" + std::string(text) + "\" looks like a person URI");
  }
  std::string key = store::FoldNameKey(text);
  if (key.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(what) + " \"" + std::string(text) + "\" has no letters to compare");
  }
  return CheckedName{std::string(text), std::move(key)};
}

// Person columns in the order ReadPerson expects.
constexpr std::string_view kSelectPerson =
    "SELECT p.id, p.uri, p.name, p.justification, p.created_at,"
    " (SELECT count(*) FROM profiles WHERE person_id = p.id),"
    " p.public_figure, p.recurring_in_news, p.likely_searched FROM persons AS p";

Person ReadPerson(const Statement& row) {
  Person person;
  person.id = row.ColumnInt64(0);
  person.uri = row.ColumnText(1);
  person.name = row.ColumnText(2);
  person.justification = row.ColumnText(3);
  person.created_at = row.ColumnText(4);
  person.profile_count = static_cast<int>(row.ColumnInt64(5));
  person.criteria.public_figure = row.ColumnInt64(6) != 0;
  person.criteria.recurring_in_news = row.ColumnInt64(7) != 0;
  person.criteria.likely_searched = row.ColumnInt64(8) != 0;
  return person;
}

constexpr std::string_view kSelectProfile =
    "SELECT id, person_id, model_id, dimension, embedding, photo_sha256,"
    " box_x, box_y, box_width, box_height, created_at FROM profiles";

Result<std::vector<Profile>> ReadProfiles(Statement& statement) {
  std::vector<Profile> profiles;
  for (;;) {
    auto row = statement.Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    Profile profile;
    profile.id = statement.ColumnInt64(0);
    profile.person_id = statement.ColumnInt64(1);
    profile.embedding.model_id = statement.ColumnText(2);
    const std::int64_t dimension = statement.ColumnInt64(3);
    const auto blob = statement.ColumnBlob(4);
    // The schema's CHECK guarantees this; a file edited by other tools may not.
    if (dimension <= 0 || blob.size() != static_cast<std::uint64_t>(dimension) * 4) {
      return Fail(ErrorCode::kDatabase, "profile " + std::to_string(profile.id) +
                                            " has a damaged embedding (" +
                                            std::to_string(blob.size()) + " bytes for " +
                                            std::to_string(dimension) + " values)");
    }
    profile.embedding.values = store::DecodeFloats(blob);
    profile.photo_sha256 = statement.ColumnText(5);
    profile.box.x = static_cast<float>(statement.ColumnDouble(6));
    profile.box.y = static_cast<float>(statement.ColumnDouble(7));
    profile.box.width = static_cast<float>(statement.ColumnDouble(8));
    profile.box.height = static_cast<float>(statement.ColumnDouble(9));
    profile.created_at = statement.ColumnText(10);
    profiles.push_back(std::move(profile));
  }
  return profiles;
}

// Who a name key belongs to, as a name or as an alias.
struct KeyOwner {
  PersonId id = 0;
  std::string name;
};

// SQLite store. Thread-safe: one connection, every call under `mutex_`.
class SqliteStore final : public Store {
 public:
  SqliteStore(SqliteHandle db, fs::path path, int version, const StoreOptions& options)
      : db_(std::move(db)),
        path_(std::move(path)),
        version_(version),
        read_only_(options.read_only),
        actor_(options.actor.empty() ? "facetag" : options.actor),
        clock_(options.clock ? options.clock : [] { return std::chrono::system_clock::now(); }),
        archive_(db_.get(), mutex_, path_.string(), options.read_only,
                 [clock = clock_] { return store::FormatUtc(clock()); }),
        privacy_(
            db_.get(), mutex_,
            {path_.string(), options.read_only,
             options.secret_key_path.empty() ? DefaultSecretKeyPath() : options.secret_key_path,
             actor_, clock_}),
        discovery_(db_.get(), mutex_, path_.string(), options.read_only),
        service_(db_.get(), mutex_, path_.string(), options.read_only) {}

  int SchemaVersion() const override { return version_; }

  Archive& archive() override { return archive_; }
  PrivacyStore& privacy() override { return privacy_; }
  ServiceStore& service() override { return service_; }

  DiscoveryStore& discovery() override { return discovery_; }

  Result<Person> AddPerson(const NewPerson& person, std::string_view actor) override {
    return Fenced("AddPerson", [&]() -> Result<Person> {
      std::lock_guard lock(mutex_);
      return AddPersonLocked(person, Actor(actor));
    });
  }

  Result<Person> FindPerson(std::string_view name_alias_or_uri) override {
    return Fenced("FindPerson", [&]() -> Result<Person> {
      std::lock_guard lock(mutex_);
      return FindPersonLocked(name_alias_or_uri);
    });
  }

  Result<Person> GetPerson(PersonId id) override {
    return Fenced("GetPerson", [&]() -> Result<Person> {
      std::lock_guard lock(mutex_);
      auto transaction = Transaction::Begin(db(), Transaction::Kind::kDeferred);
      if (!transaction) return tl::unexpected(transaction.error());
      return LoadPerson(id);
    });
  }

  Result<std::vector<Person>> ListPersons() override {
    return Fenced("ListPersons", [&]() -> Result<std::vector<Person>> {
      std::lock_guard lock(mutex_);
      return ListPersonsLocked();
    });
  }

  Result<void> AddAlias(PersonId id, const std::string& alias, std::string_view actor) override {
    return Fenced("AddAlias", [&]() -> Result<void> {
      std::lock_guard lock(mutex_);
      return AddAliasLocked(id, alias, Actor(actor));
    });
  }

  Result<Person> UpdatePerson(PersonId id, const PersonUpdate& update,
                              std::string_view actor) override {
    return Fenced("UpdatePerson", [&]() -> Result<Person> {
      std::lock_guard lock(mutex_);
      return UpdatePersonLocked(id, update, Actor(actor));
    });
  }

  Result<void> RemoveAlias(PersonId id, const std::string& alias, std::string_view actor) override {
    return Fenced("RemoveAlias", [&]() -> Result<void> {
      std::lock_guard lock(mutex_);
      FACETAG_RETURN_IF_ERROR(CheckWritable());
      auto transaction = Transaction::Begin(db(), Transaction::Kind::kImmediate);
      if (!transaction) return tl::unexpected(transaction.error());
      FACETAG_RETURN_IF_ERROR(CheckPersonExists(id));
      const std::string key = store::FoldNameKey(store::TrimAsciiWhitespace(alias));
      auto remove = Statement::Prepare(
          db(), "DELETE FROM person_aliases WHERE person_id = ?1 AND alias_key = ?2");
      if (!remove) return tl::unexpected(remove.error());
      remove->Bind(1, std::int64_t{id}).Bind(2, std::string_view(key));
      FACETAG_RETURN_IF_ERROR(remove->Run());
      if (sqlite3_changes(db()) == 0) {
        return Fail(ErrorCode::kNotFound,
                    "\"" + alias + "\" is not an alias of person " + std::to_string(id));
      }
      FACETAG_RETURN_IF_ERROR(Audit(Actor(actor), "person.alias.remove",
                                    "person:" + std::to_string(id),
                                    {{"alias", std::string(store::TrimAsciiWhitespace(alias))}}));
      return transaction->Commit();
    });
  }

  Result<void> RemovePerson(PersonId id, std::string_view actor) override {
    return Fenced("RemovePerson", [&]() -> Result<void> {
      std::lock_guard lock(mutex_);
      FACETAG_RETURN_IF_ERROR(CheckWritable());
      auto transaction = Transaction::Begin(db(), Transaction::Kind::kImmediate);
      if (!transaction) return tl::unexpected(transaction.error());
      auto person = LoadPerson(id);
      if (!person) return tl::unexpected(person.error());
      // Aliases, profiles, mentions and rejections go with the person (ON
      // DELETE CASCADE); the trigger persons_untag_faces untags their faces.
      FACETAG_RETURN_IF_ERROR(DeleteById("DELETE FROM persons WHERE id = ?1", id, "person"));
      FACETAG_RETURN_IF_ERROR(Audit(Actor(actor), "person.remove", "person:" + std::to_string(id),
                                    {{"name", person->name}, {"profiles", person->profile_count}}));
      return transaction->Commit();
    });
  }

  Result<ProfileId> AddProfile(const Profile& profile, std::string_view actor) override {
    return Fenced("AddProfile", [&]() -> Result<ProfileId> {
      std::lock_guard lock(mutex_);
      return AddProfileLocked(profile, Actor(actor));
    });
  }

  Result<std::vector<Profile>> ProfilesOf(PersonId id) override {
    return Fenced("ProfilesOf", [&]() -> Result<std::vector<Profile>> {
      std::lock_guard lock(mutex_);
      auto transaction = Transaction::Begin(db(), Transaction::Kind::kDeferred);
      if (!transaction) return tl::unexpected(transaction.error());
      FACETAG_RETURN_IF_ERROR(CheckPersonExists(id));
      auto statement = Statement::Prepare(
          db(), std::string(kSelectProfile) + " WHERE person_id = ?1 ORDER BY id");
      if (!statement) return tl::unexpected(statement.error());
      statement->Bind(1, std::int64_t{id});
      return ReadProfiles(*statement);
    });
  }

  Result<std::vector<Profile>> ProfilesForModel(const std::string& model_id) override {
    return Fenced("ProfilesForModel", [&]() -> Result<std::vector<Profile>> {
      if (model_id.empty()) return Fail(ErrorCode::kInvalidArgument, "empty model id");
      std::lock_guard lock(mutex_);
      auto statement = Statement::Prepare(
          db(), std::string(kSelectProfile) + " WHERE model_id = ?1 ORDER BY id");
      if (!statement) return tl::unexpected(statement.error());
      statement->Bind(1, std::string_view(model_id));
      return ReadProfiles(*statement);
    });
  }

  Result<void> RemoveProfile(ProfileId id, std::string_view actor) override {
    return Fenced("RemoveProfile", [&]() -> Result<void> {
      std::lock_guard lock(mutex_);
      FACETAG_RETURN_IF_ERROR(CheckWritable());
      auto transaction = Transaction::Begin(db(), Transaction::Kind::kImmediate);
      if (!transaction) return tl::unexpected(transaction.error());
      auto owner = Statement::Prepare(db(), "SELECT person_id FROM profiles WHERE id = ?1");
      if (!owner) return tl::unexpected(owner.error());
      auto row = owner->Bind(1, std::int64_t{id}).Step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) return Fail(ErrorCode::kNotFound, "no profile with id " + std::to_string(id));
      const PersonId person = owner->ColumnInt64(0);
      FACETAG_RETURN_IF_ERROR(DeleteById("DELETE FROM profiles WHERE id = ?1", id, "profile"));
      FACETAG_RETURN_IF_ERROR(Audit(Actor(actor), "profile.remove",
                                    "person:" + std::to_string(person), {{"profile", id}}));
      return transaction->Commit();
    });
  }

 private:
  sqlite3* db() const { return db_.get(); }

  std::string Actor(std::string_view actor) const {
    return actor.empty() ? actor_ : std::string(actor);
  }

  // Appends to the audit log inside the caller's write transaction.
  Result<void> Audit(const std::string& actor, const char* action, const std::string& subject,
                     const nlohmann::json& details) {
    auto id = store::InsertAuditRow(db(), {actor, action, subject, details.dump()},
                                    store::FormatUtc(clock_()));
    if (!id) return tl::unexpected(id.error());
    return {};
  }

  // SQLite would refuse too, but with a message that does not say why.
  Result<void> CheckWritable() const {
    if (!read_only_) return {};
    return Fail(ErrorCode::kDatabase, path_.string() + " is open read-only");
  }

  Result<void> CheckPersonExists(PersonId id) {
    auto statement = Statement::Prepare(db(), "SELECT 1 FROM persons WHERE id = ?1");
    if (!statement) return tl::unexpected(statement.error());
    auto row = statement->Bind(1, std::int64_t{id}).Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return Fail(ErrorCode::kNotFound, "no person with id " + std::to_string(id));
    return {};
  }

  Result<std::vector<std::string>> AliasesOf(PersonId id) {
    auto statement = Statement::Prepare(
        db(), "SELECT alias FROM person_aliases WHERE person_id = ?1 ORDER BY id");
    if (!statement) return tl::unexpected(statement.error());
    statement->Bind(1, std::int64_t{id});
    std::vector<std::string> aliases;
    for (;;) {
      auto row = statement->Step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) return aliases;
      aliases.push_back(statement->ColumnText(0));
    }
  }

  Result<Person> LoadPerson(PersonId id) {
    auto statement = Statement::Prepare(db(), std::string(kSelectPerson) + " WHERE p.id = ?1");
    if (!statement) return tl::unexpected(statement.error());
    auto row = statement->Bind(1, std::int64_t{id}).Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return Fail(ErrorCode::kNotFound, "no person with id " + std::to_string(id));
    Person person = ReadPerson(*statement);
    auto aliases = AliasesOf(id);
    if (!aliases) return tl::unexpected(aliases.error());
    person.aliases = std::move(*aliases);
    return person;
  }

  Result<std::optional<KeyOwner>> OwnerOfKey(const std::string& key) {
    auto statement = Statement::Prepare(
        db(),
        "SELECT id, name FROM persons WHERE name_key = ?1"
        " UNION ALL"
        " SELECT p.id, p.name FROM person_aliases AS a JOIN persons AS p ON p.id = a.person_id"
        " WHERE a.alias_key = ?1"
        " LIMIT 1");
    if (!statement) return tl::unexpected(statement.error());
    auto row = statement->Bind(1, std::string_view(key)).Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return std::optional<KeyOwner>();
    return std::optional<KeyOwner>(KeyOwner{statement->ColumnInt64(0), statement->ColumnText(1)});
  }

  // kAlreadyExists when `name` (or a name that folds alike) names a person
  // other than `except`.
  Result<void> CheckNameFree(const CheckedName& name, PersonId except) {
    auto owner = OwnerOfKey(name.key);
    if (!owner) return tl::unexpected(owner.error());
    if (!*owner || (*owner)->id == except) return {};
    return Fail(ErrorCode::kAlreadyExists, "\"" + name.text + "\" already names " + (*owner)->name +
                                               " (person " + std::to_string((*owner)->id) + ")");
  }

  Result<Person> AddPersonLocked(const NewPerson& input, const std::string& actor) {
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    auto name = CheckName(input.name, "the name");
    if (!name) return tl::unexpected(name.error());
    if (!store::IsValidUtf8(input.justification)) {
      return Fail(ErrorCode::kInvalidArgument, "the justification is not valid UTF-8");
    }
    // An alias that folds to the name or to an earlier alias adds nothing a
    // search could use, so it is dropped rather than refused.
    std::vector<CheckedName> aliases;
    for (const auto& raw : input.aliases) {
      auto alias = CheckName(raw, "an alias");
      if (!alias) return tl::unexpected(alias.error());
      bool repeated = alias->key == name->key;
      for (const auto& earlier : aliases) repeated = repeated || earlier.key == alias->key;
      if (!repeated) aliases.push_back(std::move(*alias));
    }

    auto transaction = Transaction::Begin(db(), Transaction::Kind::kImmediate);
    if (!transaction) return tl::unexpected(transaction.error());
    FACETAG_RETURN_IF_ERROR(CheckNameFree(*name, 0));
    for (const auto& alias : aliases) FACETAG_RETURN_IF_ERROR(CheckNameFree(alias, 0));
    // A person who opted out is not listed again by accident.
    FACETAG_RETURN_IF_ERROR(CheckNotSuppressed(name->text));
    for (const auto& alias : aliases) FACETAG_RETURN_IF_ERROR(CheckNotSuppressed(alias.text));

    auto insert = Statement::Prepare(
        db(),
        "INSERT INTO persons (uri, name, name_key, justification, created_at, public_figure,"
        " recurring_in_news, likely_searched) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!insert) return tl::unexpected(insert.error());
    const std::string uri = NewPersonUri();
    const std::string created_at = store::FormatUtc(clock_());
    insert->Bind(1, std::string_view(uri))
        .Bind(2, std::string_view(name->text))
        .Bind(3, std::string_view(name->key))
        .Bind(4, std::string_view(input.justification))
        .Bind(5, std::string_view(created_at))
        .Bind(6, std::int64_t{input.criteria.public_figure})
        .Bind(7, std::int64_t{input.criteria.recurring_in_news})
        .Bind(8, std::int64_t{input.criteria.likely_searched});
    FACETAG_RETURN_IF_ERROR(insert->Run());
    const PersonId id = sqlite3_last_insert_rowid(db());
    for (const auto& alias : aliases) FACETAG_RETURN_IF_ERROR(InsertAlias(id, alias));

    auto person = LoadPerson(id);
    if (!person) return person;
    FACETAG_RETURN_IF_ERROR(Audit(actor, "person.add", "person:" + std::to_string(id),
                                  {{"name", person->name},
                                   {"aliases", person->aliases},
                                   {"justification", person->justification},
                                   {"criteria", CriteriaJson(person->criteria)}}));
    FACETAG_RETURN_IF_ERROR(transaction->Commit());
    return person;
  }

  Result<void> CheckNotSuppressed(const std::string& name) {
    auto suppressed = privacy_.FindSuppressedNameLocked(name);
    if (!suppressed) return tl::unexpected(suppressed.error());
    if (!*suppressed) return {};
    return Fail(ErrorCode::kRejected,
                "\"" + name + "\" opted out of recognition (suppression record " +
                    std::to_string(**suppressed) +
                    "); withdraw that record first if the person asked to be listed again");
  }

  Result<void> InsertAlias(PersonId id, const CheckedName& alias) {
    auto insert = Statement::Prepare(
        db(), "INSERT INTO person_aliases (person_id, alias, alias_key) VALUES (?1, ?2, ?3)");
    if (!insert) return tl::unexpected(insert.error());
    insert->Bind(1, std::int64_t{id})
        .Bind(2, std::string_view(alias.text))
        .Bind(3, std::string_view(alias.key));
    return insert->Run();
  }

  Result<void> AddAliasLocked(PersonId id, const std::string& raw, const std::string& actor) {
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    auto alias = CheckName(raw, "the alias");
    if (!alias) return tl::unexpected(alias.error());
    auto transaction = Transaction::Begin(db(), Transaction::Kind::kImmediate);
    if (!transaction) return tl::unexpected(transaction.error());
    FACETAG_RETURN_IF_ERROR(CheckPersonExists(id));
    auto owner = OwnerOfKey(alias->key);
    if (!owner) return tl::unexpected(owner.error());
    // Already one of this person's names: nothing to add.
    if (*owner && (*owner)->id == id) return {};
    FACETAG_RETURN_IF_ERROR(CheckNameFree(*alias, id));
    FACETAG_RETURN_IF_ERROR(CheckNotSuppressed(alias->text));
    FACETAG_RETURN_IF_ERROR(InsertAlias(id, *alias));
    FACETAG_RETURN_IF_ERROR(
        Audit(actor, "person.alias.add", "person:" + std::to_string(id), {{"alias", alias->text}}));
    return transaction->Commit();
  }

  static nlohmann::json CriteriaJson(const ListingCriteria& c) {
    return {{"public_figure", c.public_figure},
            {"recurring_in_news", c.recurring_in_news},
            {"likely_searched", c.likely_searched}};
  }

  Result<Person> UpdatePersonLocked(PersonId id, const PersonUpdate& update,
                                    const std::string& actor) {
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    std::optional<CheckedName> name;
    if (update.name) {
      auto checked = CheckName(*update.name, "the name");
      if (!checked) return tl::unexpected(checked.error());
      name = std::move(*checked);
    }
    if (update.justification && !store::IsValidUtf8(*update.justification)) {
      return Fail(ErrorCode::kInvalidArgument, "the justification is not valid UTF-8");
    }
    auto transaction = Transaction::Begin(db(), Transaction::Kind::kImmediate);
    if (!transaction) return tl::unexpected(transaction.error());
    FACETAG_RETURN_IF_ERROR(CheckPersonExists(id));
    if (name) {
      // Renaming to one of the person's own aliases: the alias gives way.
      auto owner = OwnerOfKey(name->key);
      if (!owner) return tl::unexpected(owner.error());
      if (*owner && (*owner)->id == id) {
        auto drop = Statement::Prepare(
            db(), "DELETE FROM person_aliases WHERE person_id = ?1 AND alias_key = ?2");
        if (!drop) return tl::unexpected(drop.error());
        drop->Bind(1, std::int64_t{id}).Bind(2, std::string_view(name->key));
        FACETAG_RETURN_IF_ERROR(drop->Run());
      } else {
        FACETAG_RETURN_IF_ERROR(CheckNameFree(*name, id));
        FACETAG_RETURN_IF_ERROR(CheckNotSuppressed(name->text));
      }
      auto rename =
          Statement::Prepare(db(), "UPDATE persons SET name = ?2, name_key = ?3 WHERE id = ?1");
      if (!rename) return tl::unexpected(rename.error());
      rename->Bind(1, std::int64_t{id})
          .Bind(2, std::string_view(name->text))
          .Bind(3, std::string_view(name->key));
      FACETAG_RETURN_IF_ERROR(rename->Run());
    }
    if (update.justification) {
      auto set = Statement::Prepare(db(), "UPDATE persons SET justification = ?2 WHERE id = ?1");
      if (!set) return tl::unexpected(set.error());
      set->Bind(1, std::int64_t{id}).Bind(2, std::string_view(*update.justification));
      FACETAG_RETURN_IF_ERROR(set->Run());
    }
    if (update.criteria) {
      auto set = Statement::Prepare(
          db(),
          "UPDATE persons SET public_figure = ?2, recurring_in_news = ?3, likely_searched = ?4"
          " WHERE id = ?1");
      if (!set) return tl::unexpected(set.error());
      set->Bind(1, std::int64_t{id})
          .Bind(2, std::int64_t{update.criteria->public_figure})
          .Bind(3, std::int64_t{update.criteria->recurring_in_news})
          .Bind(4, std::int64_t{update.criteria->likely_searched});
      FACETAG_RETURN_IF_ERROR(set->Run());
    }
    auto person = LoadPerson(id);
    if (!person) return person;
    nlohmann::json changed = nlohmann::json::object();
    if (update.name) changed["name"] = person->name;
    if (update.justification) changed["justification"] = person->justification;
    if (update.criteria) changed["criteria"] = CriteriaJson(person->criteria);
    FACETAG_RETURN_IF_ERROR(Audit(actor, "person.update", "person:" + std::to_string(id), changed));
    FACETAG_RETURN_IF_ERROR(transaction->Commit());
    return person;
  }

  Result<Person> FindPersonLocked(std::string_view query) {
    const std::string_view text = store::TrimAsciiWhitespace(query);
    if (text.empty()) return Fail(ErrorCode::kInvalidArgument, "empty person name or URI");
    auto transaction = Transaction::Begin(db(), Transaction::Kind::kDeferred);
    if (!transaction) return tl::unexpected(transaction.error());
    if (StartsWithUriPrefix(text)) {
      // URIs are generated in lower case; people may type them otherwise.
      auto statement = Statement::Prepare(db(), "SELECT id FROM persons WHERE uri = ?1");
      if (!statement) return tl::unexpected(statement.error());
      const std::string uri = AsciiLower(text);
      auto row = statement->Bind(1, std::string_view(uri)).Step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) return Fail(ErrorCode::kNotFound, "no person with URI " + std::string(text));
      return LoadPerson(statement->ColumnInt64(0));
    }
    auto owner = OwnerOfKey(store::FoldNameKey(text));
    if (!owner) return tl::unexpected(owner.error());
    if (!*owner) return Fail(ErrorCode::kNotFound, "no person named \"" + std::string(text) + "\"");
    return LoadPerson((*owner)->id);
  }

  Result<std::vector<Person>> ListPersonsLocked() {
    auto transaction = Transaction::Begin(db(), Transaction::Kind::kDeferred);
    if (!transaction) return tl::unexpected(transaction.error());
    auto statement =
        Statement::Prepare(db(), std::string(kSelectPerson) + " ORDER BY p.name_key, p.name, p.id");
    if (!statement) return tl::unexpected(statement.error());
    std::vector<Person> persons;
    std::unordered_map<PersonId, std::size_t> index_of;
    for (;;) {
      auto row = statement->Step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      persons.push_back(ReadPerson(*statement));
      index_of.emplace(persons.back().id, persons.size() - 1);
    }
    // All aliases in one query rather than one per person.
    auto aliases =
        Statement::Prepare(db(), "SELECT person_id, alias FROM person_aliases ORDER BY id");
    if (!aliases) return tl::unexpected(aliases.error());
    for (;;) {
      auto row = aliases->Step();
      if (!row) return tl::unexpected(row.error());
      if (!*row) break;
      const auto it = index_of.find(aliases->ColumnInt64(0));
      if (it != index_of.end()) persons[it->second].aliases.push_back(aliases->ColumnText(1));
    }
    return persons;
  }

  Result<ProfileId> AddProfileLocked(const Profile& profile, const std::string& actor) {
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    const Embedding& embedding = profile.embedding;
    if (embedding.model_id.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "the profile's embedding has no model id");
    }
    if (!store::IsValidUtf8(embedding.model_id)) {
      return Fail(ErrorCode::kInvalidArgument, "the model id is not valid UTF-8");
    }
    if (embedding.values.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "the profile's embedding is empty");
    }
    for (std::size_t i = 0; i < embedding.values.size(); ++i) {
      if (!std::isfinite(embedding.values[i])) {
        return Fail(ErrorCode::kInvalidArgument,
                    "embedding value " + std::to_string(i) + " is not finite");
      }
    }
    // SQLite stores a NaN REAL as NULL, which the schema refuses anyway.
    const FaceBox& box = profile.box;
    if (!std::isfinite(box.x) || !std::isfinite(box.y) || !std::isfinite(box.width) ||
        !std::isfinite(box.height) || box.width < 0 || box.height < 0) {
      return Fail(ErrorCode::kInvalidArgument, "the face box is not finite or has a negative size");
    }
    if (!profile.photo_sha256.empty() && !IsHexSha256(profile.photo_sha256)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "photo_sha256 \"" + profile.photo_sha256 + "\" is not 64 hex digits");
    }
    const std::string photo_sha256 = AsciiLower(profile.photo_sha256);

    auto transaction = Transaction::Begin(db(), Transaction::Kind::kImmediate);
    if (!transaction) return tl::unexpected(transaction.error());
    FACETAG_RETURN_IF_ERROR(CheckPersonExists(profile.person_id));
    // A matcher is built from all profiles of one model; a vector of another
    // length would make every comparison meaningless.
    const auto size = static_cast<std::int64_t>(embedding.values.size());
    auto dimension = DimensionOfModel(embedding.model_id);
    if (!dimension) return tl::unexpected(dimension.error());
    if (*dimension && **dimension != size) {
      return Fail(ErrorCode::kInvalidArgument, "model " + embedding.model_id + " has profiles of " +
                                                   std::to_string(**dimension) +
                                                   " values; this embedding has " +
                                                   std::to_string(size));
    }

    auto insert = Statement::Prepare(
        db(),
        "INSERT INTO profiles (person_id, model_id, dimension, embedding, photo_sha256,"
        " box_x, box_y, box_width, box_height, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!insert) return tl::unexpected(insert.error());
    const std::vector<unsigned char> blob = store::EncodeFloats(embedding.values);
    const std::string created_at = store::FormatUtc(clock_());
    insert->Bind(1, std::int64_t{profile.person_id})
        .Bind(2, std::string_view(embedding.model_id))
        .Bind(3, size)
        .BindBlob(4, blob)
        .Bind(5, std::string_view(photo_sha256))
        .Bind(6, double{box.x})
        .Bind(7, double{box.y})
        .Bind(8, double{box.width})
        .Bind(9, double{box.height})
        .Bind(10, std::string_view(created_at));
    FACETAG_RETURN_IF_ERROR(insert->Run());
    const ProfileId id = sqlite3_last_insert_rowid(db());
    FACETAG_RETURN_IF_ERROR(
        Audit(actor, "profile.add", "person:" + std::to_string(profile.person_id),
              {{"profile", id}, {"model", embedding.model_id}, {"photo_sha256", photo_sha256}}));
    FACETAG_RETURN_IF_ERROR(transaction->Commit());
    return id;
  }

  // The length of the embeddings stored for `model_id`; none if it has none.
  Result<std::optional<std::int64_t>> DimensionOfModel(const std::string& model_id) {
    auto statement =
        Statement::Prepare(db(), "SELECT dimension FROM profiles WHERE model_id = ?1 LIMIT 1");
    if (!statement) return tl::unexpected(statement.error());
    auto row = statement->Bind(1, std::string_view(model_id)).Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return std::optional<std::int64_t>();
    return std::optional<std::int64_t>(statement->ColumnInt64(0));
  }

  Result<void> DeleteById(const char* sql, std::int64_t id, const char* what) {
    auto statement = Statement::Prepare(db(), sql);
    if (!statement) return tl::unexpected(statement.error());
    FACETAG_RETURN_IF_ERROR(statement->Bind(1, id).Run());
    if (sqlite3_changes(db()) == 0) {
      return Fail(ErrorCode::kNotFound,
                  std::string("no ") + what + " with id " + std::to_string(id));
    }
    return {};
  }

  mutable std::mutex mutex_;
  SqliteHandle db_;
  const fs::path path_;
  const int version_;
  const bool read_only_;
  const std::string actor_;
  const std::function<std::chrono::system_clock::time_point()> clock_;
  // Share the connection and `mutex_`; declared after them so they are
  // built after and destroyed before them.
  store::SqliteArchive archive_;
  store::SqliteDiscovery discovery_;
  store::SqlitePrivacy privacy_;
  store::SqliteServiceStore service_;
};

// Brings the schema to the newest version, one migration per transaction.
// The version is re-read inside each write transaction, so two processes
// opening a new file at once do not both apply the same migration.
Result<int> Migrate(sqlite3* db, const std::string& name) {
  const auto migrations = store::SqliteMigrations();
  const auto latest = static_cast<std::int64_t>(migrations.size());
  for (;;) {
    auto transaction = Transaction::Begin(db, Transaction::Kind::kImmediate);
    if (!transaction) return tl::unexpected(transaction.error());
    auto version = ReadInt(db, "PRAGMA user_version");
    if (!version) return tl::unexpected(version.error());
    if (*version > latest) {
      return Fail(ErrorCode::kDatabase,
                  name + " has schema version " + std::to_string(*version) +
                      ": created by a newer facetag (this build knows up to " +
                      std::to_string(latest) + ")");
    }
    if (*version == latest) {
      FACETAG_RETURN_IF_ERROR(transaction->Commit());
      return static_cast<int>(latest);
    }
    const auto& migration = migrations[static_cast<std::size_t>(*version)];
    const std::string target = std::to_string(*version + 1);
    const std::string context =
        "migrating " + name + " to schema version " + target + " (" + migration.description + ")";
    FACETAG_RETURN_IF_ERROR(store::ExecSql(db, migration.sql, context));
    if (migration.step) {
      auto stepped = migration.step(db);
      if (!stepped) return Fail(stepped.error().code, context + ": " + stepped.error().message);
    }
    const std::string stamp =
        "PRAGMA application_id = " + std::to_string(store::kFacetagApplicationId) +
        "; PRAGMA user_version = " + target + ";";
    FACETAG_RETURN_IF_ERROR(store::ExecSql(db, stamp.c_str(), context));
    FACETAG_RETURN_IF_ERROR(transaction->Commit());
  }
}

// Result of an open-time step, with the file named and "not a database"
// said in words.
Error OpenError(sqlite3* db, const Error& error, const std::string& name) {
  if ((sqlite3_errcode(db) & 0xFF) == SQLITE_NOTADB) {
    return Error{ErrorCode::kDatabase,
                 name + " is not a SQLite database (SQLite: " + sqlite3_errmsg(db) + ")"};
  }
  return Error{error.code, "cannot open database " + name + ": " + error.message};
}

// What a file says about itself before facetag writes to it.
struct DatabaseIdentity {
  std::int64_t application_id = 0;
  std::int64_t user_version = 0;
  std::int64_t objects = 0;  // tables, indexes, triggers, views
};

// One read transaction, so the three facts come from the same snapshot even
// while another process is creating the schema. Errors are translated here,
// while sqlite3_errcode still describes them (the rollback resets it).
Result<DatabaseIdentity> ReadIdentity(sqlite3* db, const std::string& name) {
  auto transaction = Transaction::Begin(db, Transaction::Kind::kDeferred);
  if (!transaction) return tl::unexpected(OpenError(db, transaction.error(), name));
  DatabaseIdentity identity;
  auto application_id = ReadInt(db, "PRAGMA application_id");
  if (!application_id) return tl::unexpected(OpenError(db, application_id.error(), name));
  identity.application_id = *application_id;
  auto version = ReadInt(db, "PRAGMA user_version");
  if (!version) return tl::unexpected(OpenError(db, version.error(), name));
  identity.user_version = *version;
  auto objects = ReadInt(db, "SELECT count(*) FROM sqlite_schema");
  if (!objects) return tl::unexpected(OpenError(db, objects.error(), name));
  identity.objects = *objects;
  auto committed = transaction->Commit();
  if (!committed) return tl::unexpected(OpenError(db, committed.error(), name));
  return identity;
}

// WAL lets readers (other processes, the server) read while one writes;
// with synchronous=NORMAL a crash may lose the last commits but never
// corrupts the file.
//
// The switch needs an exclusive lock, and while another connection is
// creating the same file SQLite may answer SQLITE_BUSY at once instead of
// calling the busy handler; so the wait the busy timeout promises is done
// here.
Result<void> EnableWal(sqlite3* db, const std::string& name, bool in_memory, int busy_timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  const auto switch_mode = [db]() -> Result<std::string> {
    auto journal = Statement::Prepare(db, "PRAGMA journal_mode = WAL");
    if (!journal) return tl::unexpected(journal.error());
    auto row = journal->Step();
    if (!row) return tl::unexpected(row.error());
    return *row ? AsciiLower(journal->ColumnText(0)) : "";
  };
  for (;;) {
    auto mode = switch_mode();
    if (mode) {
      if (*mode == "wal" || (in_memory && *mode == "memory")) return {};
      return Fail(ErrorCode::kDatabase,
                  "cannot switch " + name + " to WAL mode (journal mode stays \"" + *mode + "\")");
    }
    const bool busy = (sqlite3_errcode(db) & 0xFF) == SQLITE_BUSY;
    if (!busy || std::chrono::steady_clock::now() >= deadline) {
      return tl::unexpected(OpenError(db, mode.error(), name));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const fs::path& path, const StoreOptions& options) {
  if (options.busy_timeout_ms < 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "busy_timeout_ms is negative: " + std::to_string(options.busy_timeout_ms));
  }
  const std::string name = path.string();
  if (name.empty()) return Fail(ErrorCode::kInvalidArgument, "empty database path");
  if (sodium_init() < 0) return Fail(ErrorCode::kInternal, "libsodium failed to initialise");
  const bool in_memory = name == ":memory:";

  if (!in_memory && options.read_only) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return Fail(ErrorCode::kNotFound, "database not found: " + name);
  } else if (!in_memory && path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
      return Fail(ErrorCode::kIo, "cannot create the folder " + path.parent_path().string() +
                                      " for the database: " + ec.message());
    }
  }

  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;  // the store serialises calls itself
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
  SqliteHandle db(raw);  // closed on every path, also when opening failed
  if (rc != SQLITE_OK) {
    // Cannot open = the filesystem refused (permissions, a folder there, ...).
    const ErrorCode code = (rc & 0xFF) == SQLITE_CANTOPEN ? ErrorCode::kIo : ErrorCode::kDatabase;
    return Fail(code, "cannot open database " + name + ": " +
                          (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), options.busy_timeout_ms);

  // The first read of the file: this is where a file that is not a database
  // fails. Checked before anything is written, so a foreign file is left
  // untouched.
  auto identity = ReadIdentity(db.get(), name);
  if (!identity) return tl::unexpected(identity.error());
  const std::int64_t version = identity->user_version;
  const bool pristine = identity->application_id == 0 && version == 0 && identity->objects == 0;
  if (identity->application_id != store::kFacetagApplicationId && !pristine) {
    return Fail(ErrorCode::kDatabase,
                name + " is a SQLite database of another program, not facetag's");
  }
  const auto latest = static_cast<std::int64_t>(store::SqliteMigrations().size());
  if (version > latest) {
    return Fail(ErrorCode::kDatabase, name + " has schema version " + std::to_string(version) +
                                          ": created by a newer facetag (this build knows up to " +
                                          std::to_string(latest) + ")");
  }

  if (options.read_only) {
    if (version < latest) {
      return Fail(ErrorCode::kDatabase, name + " has schema version " + std::to_string(version) +
                                            ", older than this build's " + std::to_string(latest) +
                                            "; open it once without read_only to migrate it");
    }
    auto pragmas = store::ExecSql(db.get(), "PRAGMA foreign_keys = ON; PRAGMA query_only = ON;",
                                  "configuring " + name);
    if (!pragmas) return tl::unexpected(pragmas.error());
    return std::make_unique<SqliteStore>(std::move(db), path, static_cast<int>(version), options);
  }

  auto wal = EnableWal(db.get(), name, in_memory, options.busy_timeout_ms);
  if (!wal) return tl::unexpected(wal.error());
  // secure_delete: a deleted row's bytes are overwritten with zeros in its
  // page, so what a purge or an opt-out deletes does not linger in free
  // space (docs/privacy.md).
  auto pragmas = store::ExecSql(
      db.get(), "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
      "configuring " + name);
  if (!pragmas) return tl::unexpected(pragmas.error());

  auto migrated = Migrate(db.get(), name);
  if (!migrated) return tl::unexpected(migrated.error());
  // Entries written before the audit log became a chain join it now.
  auto sealed = store::SealUnsealedAudit(db.get());
  if (!sealed) return tl::unexpected(sealed.error());
  return std::make_unique<SqliteStore>(std::move(db), path, *migrated, options);
}

}  // namespace

Result<std::unique_ptr<Store>> Store::OpenSqlite(const fs::path& path,
                                                 const StoreOptions& options) {
  return Fenced("opening the SQLite store", [&] { return OpenSqliteStore(path, options); });
}

fs::path DefaultSecretKeyPath() {
  if (const char* key = std::getenv("FACETAG_KEY"); key != nullptr && *key != '\0') return key;
  if (const char* config = std::getenv("XDG_CONFIG_HOME");
      config != nullptr && fs::path(config).is_absolute()) {
    return fs::path(config) / "facetag" / "secret.key";
  }
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : "") / ".config" / "facetag" / "secret.key";
}

fs::path DefaultDatabasePath() {
  const auto env = [](const char* variable) -> std::string {
    const char* value = std::getenv(variable);
    return value != nullptr ? value : "";
  };
  if (std::string db = env("FACETAG_DB"); !db.empty()) return db;
  // The XDG base directory spec says relative values are to be ignored.
  if (std::string data = env("XDG_DATA_HOME"); !data.empty() && fs::path(data).is_absolute()) {
    return fs::path(data) / "facetag" / "facetag.db";
  }
  std::string home = env("HOME");
  if (home.empty()) {
    // Services started without a HOME still have a passwd entry.
    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
    passwd entry{};
    passwd* found = nullptr;
    if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
        found != nullptr && found->pw_dir != nullptr) {
      home = found->pw_dir;
    }
  }
  return fs::path(home) / ".local" / "share" / "facetag" / "facetag.db";
}

}  // namespace facetag
