// The SQLite store's list: persons, their names and aliases.

#include <sodium.h>

#include <array>
#include <unordered_map>
#include <utility>

#include "name_key.h"
#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"
#include "sqlite_store.h"

namespace facetag::store {
namespace {

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
  row.ReadColumns(0, person.id, person.uri, person.name, person.justification, person.created_at,
                  person.profile_count, person.criteria.public_figure,
                  person.criteria.recurring_in_news, person.criteria.likely_searched);
  return person;
}

nlohmann::json CriteriaJson(const ListingCriteria& c) {
  return {{"public_figure", c.public_figure},
          {"recurring_in_news", c.recurring_in_news},
          {"likely_searched", c.likely_searched}};
}

}  // namespace

SqliteStore::SqliteStore(SqliteHandle db, std::filesystem::path path, int version,
                         const StoreOptions& options)
    : db_(std::move(db)),
      path_(std::move(path)),
      version_(version),
      read_only_(options.read_only),
      actor_(options.actor.empty() ? "facetag" : options.actor),
      clock_(options.clock ? options.clock : [] { return std::chrono::system_clock::now(); }),
      archive_(db_.get(), mutex_, path_.string(), options.read_only,
               [clock = clock_] { return store::FormatUtc(clock()); }),
      discovery_(db_.get(), mutex_, path_.string(), options.read_only),
      privacy_(db_.get(), mutex_,
               {path_.string(), options.read_only,
                options.secret_key_path.empty() ? DefaultSecretKeyPath() : options.secret_key_path,
                actor_, clock_}),
      service_(SqliteConnection{db_.get(), &mutex_, path_.string(), options.read_only}) {}

Result<Person> SqliteStore::AddPerson(const NewPerson& person, std::string_view actor) {
  return Fenced("AddPerson", [&]() -> Result<Person> {
    MutexLock lock(mutex_);
    return AddPersonLocked(person, Actor(actor));
  });
}

Result<Person> SqliteStore::FindPerson(std::string_view name_alias_or_uri) {
  return Fenced("FindPerson", [&]() -> Result<Person> {
    MutexLock lock(mutex_);
    return FindPersonLocked(name_alias_or_uri);
  });
}

Result<Person> SqliteStore::GetPerson(PersonId id) {
  return Fenced("GetPerson", [&]() -> Result<Person> {
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db(), Transaction::Kind::kDeferred));
    return LoadPerson(id);
  });
}

Result<std::vector<Person>> SqliteStore::ListPersons() {
  return Fenced("ListPersons", [&]() -> Result<std::vector<Person>> {
    MutexLock lock(mutex_);
    return ListPersonsLocked();
  });
}

Result<void> SqliteStore::AddAlias(PersonId id, const std::string& alias, std::string_view actor) {
  return Fenced("AddAlias", [&]() -> Result<void> {
    MutexLock lock(mutex_);
    return AddAliasLocked(id, alias, Actor(actor));
  });
}

Result<Person> SqliteStore::UpdatePerson(PersonId id, const PersonUpdate& update,
                                         std::string_view actor) {
  return Fenced("UpdatePerson", [&]() -> Result<Person> {
    MutexLock lock(mutex_);
    return UpdatePersonLocked(id, update, Actor(actor));
  });
}

Result<void> SqliteStore::RemoveAlias(PersonId id, const std::string& alias,
                                      std::string_view actor) {
  return Fenced("RemoveAlias", [&]() -> Result<void> {
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db(), Transaction::Kind::kImmediate));
    FACETAG_RETURN_IF_ERROR(CheckPersonExists(id));
    const std::string key = store::FoldNameKey(store::TrimAsciiWhitespace(alias));
    FACETAG_ASSIGN_OR_RETURN(
        auto remove,
        Statement::Prepare(db(),
                           "DELETE FROM person_aliases WHERE person_id = ?1 AND alias_key = ?2"));
    remove.Bind(1, std::int64_t{id}).Bind(2, std::string_view(key));
    FACETAG_RETURN_IF_ERROR(remove.Run());
    if (sqlite3_changes(db()) == 0) {
      return Fail(ErrorCode::kNotFound,
                  "\"" + alias + "\" is not an alias of person " + std::to_string(id));
    }
    FACETAG_RETURN_IF_ERROR(Audit(Actor(actor), "person.alias.remove",
                                  "person:" + std::to_string(id),
                                  {{"alias", std::string(store::TrimAsciiWhitespace(alias))}}));
    return transaction.Commit();
  });
}

Result<void> SqliteStore::RemovePerson(PersonId id, std::string_view actor) {
  return Fenced("RemovePerson", [&]() -> Result<void> {
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db(), Transaction::Kind::kImmediate));
    FACETAG_ASSIGN_OR_RETURN(auto person, LoadPerson(id));
    // Aliases, profiles, mentions and rejections go with the person (ON
    // DELETE CASCADE); the trigger persons_untag_faces untags their faces.
    FACETAG_RETURN_IF_ERROR(DeleteById("DELETE FROM persons WHERE id = ?1", id, "person"));
    FACETAG_RETURN_IF_ERROR(Audit(Actor(actor), "person.remove", "person:" + std::to_string(id),
                                  {{"name", person.name}, {"profiles", person.profile_count}}));
    return transaction.Commit();
  });
}

std::string SqliteStore::Actor(std::string_view actor) const {
  return actor.empty() ? actor_ : std::string(actor);
}

// Appends to the audit log inside the caller's write transaction.
Result<void> SqliteStore::Audit(const std::string& actor, const char* action,
                                const std::string& subject, const nlohmann::json& details) {
  FACETAG_RETURN_IF_ERROR(store::InsertAuditRow(db(), {actor, action, subject, details.dump()},
                                                store::FormatUtc(clock_())));
  return {};
}

// SQLite would refuse too, but with a message that does not say why.
Result<void> SqliteStore::CheckWritable() const {
  if (!read_only_) return {};
  return Fail(ErrorCode::kDatabase, path_.string() + " is open read-only");
}

Result<void> SqliteStore::CheckPersonExists(PersonId id) {
  FACETAG_ASSIGN_OR_RETURN(auto statement,
                           Statement::Prepare(db(), "SELECT 1 FROM persons WHERE id = ?1"));
  FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::int64_t{id}).Step());
  if (!row) return Fail(ErrorCode::kNotFound, "no person with id " + std::to_string(id));
  return {};
}

Result<std::vector<std::string>> SqliteStore::AliasesOf(PersonId id) {
  FACETAG_ASSIGN_OR_RETURN(
      auto statement,
      Statement::Prepare(db(),
                         "SELECT alias FROM person_aliases WHERE person_id = ?1 ORDER BY id"));
  statement.Bind(1, std::int64_t{id});
  std::vector<std::string> aliases;
  for (;;) {
    FACETAG_ASSIGN_OR_RETURN(auto row, statement.Step());
    if (!row) return aliases;
    aliases.push_back(statement.ColumnText(0));
  }
}

Result<Person> SqliteStore::LoadPerson(PersonId id) {
  FACETAG_ASSIGN_OR_RETURN(
      auto statement, Statement::Prepare(db(), std::string(kSelectPerson) + " WHERE p.id = ?1"));
  FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::int64_t{id}).Step());
  if (!row) return Fail(ErrorCode::kNotFound, "no person with id " + std::to_string(id));
  Person person = ReadPerson(statement);
  FACETAG_ASSIGN_OR_RETURN(auto aliases, AliasesOf(id));
  person.aliases = std::move(aliases);
  return person;
}

Result<std::optional<KeyOwner>> SqliteStore::OwnerOfKey(const std::string& key) {
  FACETAG_ASSIGN_OR_RETURN(
      auto statement,
      Statement::Prepare(
          db(),
          "SELECT id, name FROM persons WHERE name_key = ?1"
          " UNION ALL"
          " SELECT p.id, p.name FROM person_aliases AS a JOIN persons AS p ON p.id = a.person_id"
          " WHERE a.alias_key = ?1"
          " LIMIT 1"));
  FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::string_view(key)).Step());
  if (!row) return std::optional<KeyOwner>();
  return std::optional<KeyOwner>(KeyOwner{statement.ColumnInt64(0), statement.ColumnText(1)});
}

// kAlreadyExists when `name` (or a name that folds alike) names a person
// other than `except`.
Result<void> SqliteStore::CheckNameFree(const CheckedName& name, PersonId except) {
  FACETAG_ASSIGN_OR_RETURN(auto owner, OwnerOfKey(name.key));
  if (!owner || (owner)->id == except) return {};
  return Fail(ErrorCode::kAlreadyExists, "\"" + name.text + "\" already names " + (owner)->name +
                                             " (person " + std::to_string((owner)->id) + ")");
}

Result<Person> SqliteStore::AddPersonLocked(const NewPerson& input, const std::string& actor) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  FACETAG_ASSIGN_OR_RETURN(auto name, CheckName(input.name, "the name"));
  if (!store::IsValidUtf8(input.justification)) {
    return Fail(ErrorCode::kInvalidArgument, "the justification is not valid UTF-8");
  }
  // An alias that folds to the name or to an earlier alias adds nothing a
  // search could use, so it is dropped rather than refused.
  std::vector<CheckedName> aliases;
  for (const auto& raw : input.aliases) {
    FACETAG_ASSIGN_OR_RETURN(auto alias, CheckName(raw, "an alias"));
    bool repeated = alias.key == name.key;
    for (const auto& earlier : aliases) repeated = repeated || earlier.key == alias.key;
    if (!repeated) aliases.push_back(std::move(alias));
  }

  FACETAG_ASSIGN_OR_RETURN(auto transaction,
                           Transaction::Begin(db(), Transaction::Kind::kImmediate));
  FACETAG_RETURN_IF_ERROR(CheckNameFree(name, 0));
  for (const auto& alias : aliases) FACETAG_RETURN_IF_ERROR(CheckNameFree(alias, 0));
  // A person who opted out is not listed again by accident.
  FACETAG_RETURN_IF_ERROR(CheckNotSuppressed(name.text));
  for (const auto& alias : aliases) FACETAG_RETURN_IF_ERROR(CheckNotSuppressed(alias.text));

  FACETAG_ASSIGN_OR_RETURN(
      auto insert,
      Statement::Prepare(
          db(),
          "INSERT INTO persons (uri, name, name_key, justification, created_at, public_figure,"
          " recurring_in_news, likely_searched) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  const std::string uri = NewPersonUri();
  const std::string created_at = store::FormatUtc(clock_());
  insert.Bind(1, std::string_view(uri))
      .Bind(2, std::string_view(name.text))
      .Bind(3, std::string_view(name.key))
      .Bind(4, std::string_view(input.justification))
      .Bind(5, std::string_view(created_at))
      .Bind(6, std::int64_t{input.criteria.public_figure})
      .Bind(7, std::int64_t{input.criteria.recurring_in_news})
      .Bind(8, std::int64_t{input.criteria.likely_searched});
  FACETAG_RETURN_IF_ERROR(insert.Run());
  const PersonId id = sqlite3_last_insert_rowid(db());
  for (const auto& alias : aliases) FACETAG_RETURN_IF_ERROR(InsertAlias(id, alias));

  auto person = LoadPerson(id);
  if (!person) return person;
  FACETAG_RETURN_IF_ERROR(Audit(actor, "person.add", "person:" + std::to_string(id),
                                {{"name", person->name},
                                 {"aliases", person->aliases},
                                 {"justification", person->justification},
                                 {"criteria", CriteriaJson(person->criteria)}}));
  FACETAG_RETURN_IF_ERROR(transaction.Commit());
  return person;
}

Result<void> SqliteStore::CheckNotSuppressed(const std::string& name) {
  FACETAG_ASSIGN_OR_RETURN(auto suppressed, privacy_.FindSuppressedNameLocked(name));
  if (!suppressed) return {};
  return Fail(ErrorCode::kRejected,
              "\"" + name + "\" opted out of recognition (suppression record " +
                  std::to_string(*suppressed) +
                  "); withdraw that record first if the person asked to be listed again");
}

Result<void> SqliteStore::InsertAlias(PersonId id, const CheckedName& alias) {
  FACETAG_ASSIGN_OR_RETURN(
      auto insert,
      Statement::Prepare(
          db(), "INSERT INTO person_aliases (person_id, alias, alias_key) VALUES (?1, ?2, ?3)"));
  insert.Bind(1, std::int64_t{id})
      .Bind(2, std::string_view(alias.text))
      .Bind(3, std::string_view(alias.key));
  return insert.Run();
}

Result<void> SqliteStore::AddAliasLocked(PersonId id, const std::string& raw,
                                         const std::string& actor) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  FACETAG_ASSIGN_OR_RETURN(auto alias, CheckName(raw, "the alias"));
  FACETAG_ASSIGN_OR_RETURN(auto transaction,
                           Transaction::Begin(db(), Transaction::Kind::kImmediate));
  FACETAG_RETURN_IF_ERROR(CheckPersonExists(id));
  FACETAG_ASSIGN_OR_RETURN(auto owner, OwnerOfKey(alias.key));
  // Already one of this person's names: nothing to add.
  if (owner && (owner)->id == id) return {};
  FACETAG_RETURN_IF_ERROR(CheckNameFree(alias, id));
  FACETAG_RETURN_IF_ERROR(CheckNotSuppressed(alias.text));
  FACETAG_RETURN_IF_ERROR(InsertAlias(id, alias));
  FACETAG_RETURN_IF_ERROR(
      Audit(actor, "person.alias.add", "person:" + std::to_string(id), {{"alias", alias.text}}));
  return transaction.Commit();
}

Result<Person> SqliteStore::UpdatePersonLocked(PersonId id, const PersonUpdate& update,
                                               const std::string& actor) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  std::optional<CheckedName> name;
  if (update.name) {
    FACETAG_ASSIGN_OR_RETURN(auto checked, CheckName(*update.name, "the name"));
    name = std::move(checked);
  }
  if (update.justification && !store::IsValidUtf8(*update.justification)) {
    return Fail(ErrorCode::kInvalidArgument, "the justification is not valid UTF-8");
  }
  FACETAG_ASSIGN_OR_RETURN(auto transaction,
                           Transaction::Begin(db(), Transaction::Kind::kImmediate));
  FACETAG_RETURN_IF_ERROR(CheckPersonExists(id));
  if (name) {
    // Renaming to one of the person's own aliases: the alias gives way.
    FACETAG_ASSIGN_OR_RETURN(auto owner, OwnerOfKey(name->key));
    if (owner && (owner)->id == id) {
      FACETAG_ASSIGN_OR_RETURN(
          auto drop,
          Statement::Prepare(db(),
                             "DELETE FROM person_aliases WHERE person_id = ?1 AND alias_key = ?2"));
      drop.Bind(1, std::int64_t{id}).Bind(2, std::string_view(name->key));
      FACETAG_RETURN_IF_ERROR(drop.Run());
    } else {
      FACETAG_RETURN_IF_ERROR(CheckNameFree(*name, id));
      FACETAG_RETURN_IF_ERROR(CheckNotSuppressed(name->text));
    }
    FACETAG_ASSIGN_OR_RETURN(
        auto rename,
        Statement::Prepare(db(), "UPDATE persons SET name = ?2, name_key = ?3 WHERE id = ?1"));
    rename.Bind(1, std::int64_t{id})
        .Bind(2, std::string_view(name->text))
        .Bind(3, std::string_view(name->key));
    FACETAG_RETURN_IF_ERROR(rename.Run());
  }
  if (update.justification) {
    FACETAG_ASSIGN_OR_RETURN(
        auto set, Statement::Prepare(db(), "UPDATE persons SET justification = ?2 WHERE id = ?1"));
    set.Bind(1, std::int64_t{id}).Bind(2, std::string_view(*update.justification));
    FACETAG_RETURN_IF_ERROR(set.Run());
  }
  if (update.criteria) {
    FACETAG_ASSIGN_OR_RETURN(
        auto set,
        Statement::Prepare(
            db(),
            "UPDATE persons SET public_figure = ?2, recurring_in_news = ?3, likely_searched = ?4"
            " WHERE id = ?1"));
    set.Bind(1, std::int64_t{id})
        .Bind(2, std::int64_t{update.criteria->public_figure})
        .Bind(3, std::int64_t{update.criteria->recurring_in_news})
        .Bind(4, std::int64_t{update.criteria->likely_searched});
    FACETAG_RETURN_IF_ERROR(set.Run());
  }
  auto person = LoadPerson(id);
  if (!person) return person;
  nlohmann::json changed = nlohmann::json::object();
  if (update.name) changed["name"] = person->name;
  if (update.justification) changed["justification"] = person->justification;
  if (update.criteria) changed["criteria"] = CriteriaJson(person->criteria);
  FACETAG_RETURN_IF_ERROR(Audit(actor, "person.update", "person:" + std::to_string(id), changed));
  FACETAG_RETURN_IF_ERROR(transaction.Commit());
  return person;
}

Result<Person> SqliteStore::FindPersonLocked(std::string_view query) {
  const std::string_view text = store::TrimAsciiWhitespace(query);
  if (text.empty()) return Fail(ErrorCode::kInvalidArgument, "empty person name or URI");
  FACETAG_ASSIGN_OR_RETURN(auto transaction,
                           Transaction::Begin(db(), Transaction::Kind::kDeferred));
  if (StartsWithUriPrefix(text)) {
    // URIs are generated in lower case; people may type them otherwise.
    FACETAG_ASSIGN_OR_RETURN(auto statement,
                             Statement::Prepare(db(), "SELECT id FROM persons WHERE uri = ?1"));
    const std::string uri = AsciiLower(text);
    FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::string_view(uri)).Step());
    if (!row) return Fail(ErrorCode::kNotFound, "no person with URI " + std::string(text));
    return LoadPerson(statement.ColumnInt64(0));
  }
  FACETAG_ASSIGN_OR_RETURN(auto owner, OwnerOfKey(store::FoldNameKey(text)));
  if (!owner) return Fail(ErrorCode::kNotFound, "no person named \"" + std::string(text) + "\"");
  return LoadPerson((owner)->id);
}

Result<std::vector<Person>> SqliteStore::ListPersonsLocked() {
  FACETAG_ASSIGN_OR_RETURN(auto transaction,
                           Transaction::Begin(db(), Transaction::Kind::kDeferred));
  FACETAG_ASSIGN_OR_RETURN(
      auto statement,
      Statement::Prepare(db(), std::string(kSelectPerson) + " ORDER BY p.name_key, p.name, p.id"));
  std::vector<Person> persons;
  std::unordered_map<PersonId, std::size_t> index_of;
  for (;;) {
    FACETAG_ASSIGN_OR_RETURN(auto row, statement.Step());
    if (!row) break;
    persons.push_back(ReadPerson(statement));
    index_of.emplace(persons.back().id, persons.size() - 1);
  }
  // All aliases in one query rather than one per person.
  FACETAG_ASSIGN_OR_RETURN(
      auto aliases,
      Statement::Prepare(db(), "SELECT person_id, alias FROM person_aliases ORDER BY id"));
  for (;;) {
    FACETAG_ASSIGN_OR_RETURN(auto row, aliases.Step());
    if (!row) break;
    const auto it = index_of.find(aliases.ColumnInt64(0));
    if (it != index_of.end()) persons[it->second].aliases.push_back(aliases.ColumnText(1));
  }
  return persons;
}

Result<void> SqliteStore::DeleteById(const char* sql, std::int64_t id, const char* what) {
  FACETAG_ASSIGN_OR_RETURN(auto statement, Statement::Prepare(db(), sql));
  FACETAG_RETURN_IF_ERROR(statement.Bind(1, id).Run());
  if (sqlite3_changes(db()) == 0) {
    return Fail(ErrorCode::kNotFound, std::string("no ") + what + " with id " + std::to_string(id));
  }
  return {};
}
}  // namespace facetag::store
