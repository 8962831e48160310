#include "sqlite_migrations.h"

namespace facetag::store {
namespace {

// Conventions for every migration:
// - STRICT tables (SQLite >= 3.37): a value of the wrong type is an error,
//   not silently stored.
// - AUTOINCREMENT ids: an id that once meant a person or profile is never
//   handed out again, so logs and audit records that cite it stay true.
// - Times are UTC ISO 8601 text, "YYYY-MM-DDTHH:MM:SSZ".
// - Names are compared by their folded key (store/name_key.h), computed in
//   C++ and stored beside the name; NOCASE on the key is a second guard for
//   rows written by other tools.
constexpr Migration kMigrations[] = {
    {"persons, their aliases and facial profiles", R"sql(
CREATE TABLE persons (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  uri         TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL CHECK (name <> ''),
  name_key    TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (name_key <> ''),
  notes       TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE person_aliases (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id   INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  alias       TEXT NOT NULL CHECK (alias <> ''),
  alias_key   TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (alias_key <> '')
) STRICT;
CREATE INDEX person_aliases_by_person ON person_aliases(person_id);

-- The UNIQUE keys keep names apart and aliases apart; these keep a name from
-- equalling any alias, so every key names at most one person.
CREATE TRIGGER persons_name_is_no_alias BEFORE INSERT ON persons
  WHEN EXISTS (SELECT 1 FROM person_aliases WHERE alias_key = NEW.name_key)
  BEGIN SELECT RAISE(ABORT, 'the name is already an alias'); END;
CREATE TRIGGER persons_new_name_is_no_alias BEFORE UPDATE OF name_key ON persons
  WHEN EXISTS (SELECT 1 FROM person_aliases WHERE alias_key = NEW.name_key)
  BEGIN SELECT RAISE(ABORT, 'the name is already an alias'); END;
CREATE TRIGGER person_aliases_alias_is_no_name BEFORE INSERT ON person_aliases
  WHEN EXISTS (SELECT 1 FROM persons WHERE name_key = NEW.alias_key)
  BEGIN SELECT RAISE(ABORT, 'the alias is already a name'); END;
CREATE TRIGGER person_aliases_new_alias_is_no_name BEFORE UPDATE OF alias_key ON person_aliases
  WHEN EXISTS (SELECT 1 FROM persons WHERE name_key = NEW.alias_key)
  BEGIN SELECT RAISE(ABORT, 'the alias is already a name'); END;

-- One embedding of a person's face. `embedding` holds `dimension` float32
-- values, little-endian, as computed by the model pack `model_id`; the box
-- is in displayed pixels of the photo whose SHA-256 is `photo_sha256`
-- (empty when unknown).
CREATE TABLE profiles (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id     INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  model_id      TEXT NOT NULL CHECK (model_id <> ''),
  dimension     INTEGER NOT NULL CHECK (dimension > 0),
  embedding     BLOB NOT NULL CHECK (length(embedding) = 4 * dimension),
  photo_sha256  TEXT NOT NULL DEFAULT '',
  box_x         REAL NOT NULL,
  box_y         REAL NOT NULL,
  box_width     REAL NOT NULL,
  box_height    REAL NOT NULL,
  created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX profiles_by_person ON profiles(person_id);
CREATE INDEX profiles_by_model ON profiles(model_id);
)sql"},
};

}  // namespace

std::span<const Migration> SqliteMigrations() { return kMigrations; }

}  // namespace facetag::store
