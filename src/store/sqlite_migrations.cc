#include "sqlite_migrations.h"

#include <string>

#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"

namespace facetag::store {
namespace {

// Migration 6: faces may also be decided 'low_quality'. SQLite cannot alter
// a CHECK constraint; its documented way for a constraint that only widens
// (every stored row still satisfies it) is to edit the table's definition in
// sqlite_schema and bump schema_version, all in the migration's transaction
// (https://www.sqlite.org/lang_altertable.html, "otheralter"). A rebuild of
// the table would cascade-delete the rows that reference faces.
Result<void> WidenFaceDecisions(sqlite3* db) {
  static constexpr std::string_view kOld =
      "CHECK (decision IN ('recognized', 'unknown', 'ambiguous', 'duplicate'))";
  static constexpr std::string_view kNew =
      "CHECK (decision IN ('recognized', 'unknown', 'ambiguous', 'duplicate', 'low_quality'))";
  static constexpr const char* kWhere = " WHERE type = 'table' AND name = 'faces'";
  FACETAG_ASSIGN_OR_RETURN(const std::int64_t schema_version, ReadInt(db, "PRAGMA schema_version"));
  FACETAG_ASSIGN_OR_RETURN(
      Statement count, Statement::Prepare(db, std::string("SELECT count(*) FROM sqlite_schema") +
                                                  kWhere + " AND instr(sql, ?1) > 0"));
  FACETAG_ASSIGN_OR_RETURN(const bool row, count.Bind(1, kOld).Step());
  if (!row || count.ColumnInt64(0) != 1) {
    return Fail(ErrorCode::kDatabase, "the faces table does not have the expected definition");
  }
  const char* context = "widening the decisions of faces";
  FACETAG_RETURN_IF_ERROR(ExecSql(db, "PRAGMA writable_schema = ON", context));
  FACETAG_ASSIGN_OR_RETURN(
      Statement update,
      Statement::Prepare(
          db, std::string("UPDATE sqlite_schema SET sql = replace(sql, ?1, ?2)") + kWhere));
  auto edited = update.Bind(1, kOld).Bind(2, kNew).Run();
  const std::string reload = "PRAGMA schema_version = " + std::to_string(schema_version + 1) +
                             "; PRAGMA writable_schema = OFF;";
  auto reloaded = ExecSql(db, reload.c_str(), context);
  FACETAG_RETURN_IF_ERROR(edited);
  return reloaded;
}

// Migration 7: the chain of an intact audit log is re-sealed over its
// payloads' hashes, then the append-only trigger comes back with one
// exception, the erasure of a payload (RedactAuditPayloads).
Result<void> RedactableAuditPayloads(sqlite3* db) {
  FACETAG_RETURN_IF_ERROR(RechainAuditOverPayloadHashes(db));
  return ExecSql(db, R"sql(
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  WHEN OLD.hash <> '' AND NOT (
    OLD.redacted = 0 AND NEW.redacted = 1 AND OLD.details_sha256 <> ''
    AND NEW.details = '{"redacted":true}'
    AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor
    AND NEW.action = OLD.action AND NEW.subject = OLD.subject
    AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash
    AND NEW.details_sha256 = OLD.details_sha256)
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql",
                 "making audit payloads redactable");
}

// Conventions for every migration:
// - STRICT tables (SQLite >= 3.37): a value of the wrong type is an error,
//   not silently stored.
// - AUTOINCREMENT ids: an id that once meant a person or profile is never
//   handed out again, so logs and audit records that cite it stay true.
// - Times are UTC ISO 8601 text, "YYYY-MM-DDTHH:MM:SSZ".
// - Names are compared by their folded key (store/name_key.h), computed in
//   C++ and stored beside the name; NOCASE on the key is a second guard for
//   rows written by other tools.

// The names and aliases of the persons pictured in photo `photo` (an SQL
// expression), each followed by its folded key, so that the full-text index
// finds "Walesa" for "Wałęsa" although unicode61 does not fold "ł".
// Used by the triggers of migration 2; a released migration's text must not
// change, so a later change to this expression needs a new macro.
#define FACETAG_PICTURED_NAMES(photo)                                           \
  "(SELECT coalesce(group_concat(names.text, ' '), '') FROM ("                  \
  " SELECT p.name || ' ' || p.name_key AS text FROM persons AS p"               \
  "  WHERE p.id IN (SELECT person_id FROM faces WHERE photo_id = " photo        \
  "   AND person_id IS NOT NULL)"                                               \
  " UNION ALL"                                                                  \
  " SELECT a.alias || ' ' || a.alias_key FROM person_aliases AS a"              \
  "  WHERE a.person_id IN (SELECT person_id FROM faces WHERE photo_id = " photo \
  "   AND person_id IS NOT NULL)) AS names)"

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

    {"photo archive: photos, faces, mentions, rejections, audit log, full-text index",
     R"sql(
-- One ingested photo, known by the SHA-256 of its bytes. `location` is the
-- path as given to ingest; width and height are displayed pixels (after EXIF
-- orientation). `keywords` is a JSON array of strings. `date_created` is
-- ISO 8601 text as read from the file; `sort_date` is what search filters
-- and ranks on: that date when it starts with YYYY-MM-DD, else the ingest
-- time. A failed photo (`status` 'failed', with the ErrorCodeName and the
-- message) is remembered so that a resumed ingest skips it.
-- `person_names` (names and aliases of the persons pictured, each also in
-- its folded key form) is maintained by the triggers below; `text_folded`
-- (the non-ASCII words of caption, headline and keywords in folded form) by
-- the store. Both exist only to feed photo_text.
CREATE TABLE photos (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  sha256            TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
  location          TEXT NOT NULL CHECK (location <> ''),
  size_bytes        INTEGER NOT NULL CHECK (size_bytes >= 0),
  width             INTEGER NOT NULL CHECK (width >= 0),
  height            INTEGER NOT NULL CHECK (height >= 0),
  exif_orientation  INTEGER NOT NULL CHECK (exif_orientation BETWEEN 1 AND 8),
  caption           TEXT NOT NULL,
  caption_source    TEXT NOT NULL,
  headline          TEXT NOT NULL,
  keywords          TEXT NOT NULL CHECK (json_valid(keywords) AND json_type(keywords) = 'array'),
  date_created      TEXT NOT NULL,
  ingested_at       TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  error_code        TEXT NOT NULL,
  error_message     TEXT NOT NULL,
  person_names      TEXT NOT NULL DEFAULT '',
  text_folded       TEXT NOT NULL DEFAULT '',
  sort_date         TEXT GENERATED ALWAYS AS (
    CASE WHEN date_created GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
         THEN date_created ELSE ingested_at END) VIRTUAL,
  CHECK ((status = 'ok') = (error_code = ''))
) STRICT;
CREATE INDEX photos_by_date ON photos(sort_date);

-- One face found in a photo. Box in displayed pixels; `landmarks` holds the
-- 68 points as 136 float32 values (x, y), little-endian; `embedding` holds
-- `dimension` float32 values as computed by the model pack `model_id`.
-- `position` is the face's place in the detector's order.
-- The decision: `person_id` is set exactly when `decision` is 'recognized';
-- `similarity` is that of the best candidate (NULL: none, or not measured);
-- `tag_status` says who decided: the matcher ('automatic'), an editor who
-- confirmed the person ('confirmed') or one who rejected the face's person
-- ('rejected', the face then names nobody).
CREATE TABLE faces (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  photo_id         INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
  position         INTEGER NOT NULL CHECK (position >= 0),
  box_x            REAL NOT NULL,
  box_y            REAL NOT NULL,
  box_width        REAL NOT NULL CHECK (box_width >= 0),
  box_height       REAL NOT NULL CHECK (box_height >= 0),
  detection_score  REAL NOT NULL,
  landmarks        BLOB NOT NULL CHECK (length(landmarks) = 544),
  model_id         TEXT NOT NULL CHECK (model_id <> ''),
  dimension        INTEGER NOT NULL CHECK (dimension > 0),
  embedding        BLOB NOT NULL CHECK (length(embedding) = 4 * dimension),
  person_id        INTEGER REFERENCES persons(id) ON DELETE SET NULL,
  similarity       REAL,
  decision         TEXT NOT NULL
                   CHECK (decision IN ('recognized', 'unknown', 'ambiguous', 'duplicate')),
  by_mention       INTEGER NOT NULL CHECK (by_mention IN (0, 1)),
  tag_status       TEXT NOT NULL CHECK (tag_status IN ('automatic', 'confirmed', 'rejected')),
  updated_at       TEXT NOT NULL,
  CHECK ((person_id IS NOT NULL) = (decision = 'recognized')),
  CHECK (tag_status <> 'confirmed' OR person_id IS NOT NULL),
  CHECK (tag_status <> 'rejected' OR person_id IS NULL)
) STRICT;
CREATE INDEX faces_by_photo ON faces(photo_id, person_id);
CREATE INDEX faces_by_person ON faces(person_id, photo_id) WHERE person_id IS NOT NULL;
CREATE INDEX faces_by_model ON faces(model_id, id);

-- A listed person the photo's caption names: byte span [span_begin,
-- span_end) of the caption, its text, and how it was written.
CREATE TABLE mentions (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  photo_id    INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
  person_id   INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  span_begin  INTEGER NOT NULL CHECK (span_begin >= 0),
  span_end    INTEGER NOT NULL CHECK (span_end >= span_begin),
  text        TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind <> '')
) STRICT;
CREATE INDEX mentions_by_photo ON mentions(photo_id, person_id);
CREATE INDEX mentions_by_person ON mentions(person_id, photo_id);

-- A face an editor said is not the person: never tagged with them again.
CREATE TABLE face_rejections (
  face_id      INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
  person_id    INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  rejected_at  TEXT NOT NULL,
  actor        TEXT NOT NULL,
  PRIMARY KEY (face_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX face_rejections_by_person ON face_rejections(person_id);

-- Who did what to which record, append-only. `details` is JSON text.
CREATE TABLE audit_log (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  at       TEXT NOT NULL,
  actor    TEXT NOT NULL CHECK (actor <> ''),
  action   TEXT NOT NULL CHECK (action <> ''),
  subject  TEXT NOT NULL,
  details  TEXT NOT NULL CHECK (json_valid(details))
) STRICT;
CREATE INDEX audit_log_by_subject ON audit_log(subject, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Full-text index of the photos' text, external content: the text is kept
-- once, in photos, and these triggers keep the index in step with it. The
-- unicode61 tokenizer with remove_diacritics 2 lets "Muller" find "Müller";
-- letters it does not fold ("ł", "ø", "ß") are found through text_folded and
-- the folded name keys.
CREATE VIRTUAL TABLE photo_text USING fts5(
  caption, headline, keywords, person_names, text_folded,
  content = 'photos', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER photos_text_insert AFTER INSERT ON photos BEGIN
  INSERT INTO photo_text (rowid, caption, headline, keywords, person_names, text_folded)
  VALUES (NEW.id, NEW.caption, NEW.headline, NEW.keywords, NEW.person_names, NEW.text_folded);
END;
CREATE TRIGGER photos_text_delete AFTER DELETE ON photos BEGIN
  INSERT INTO photo_text (photo_text, rowid, caption, headline, keywords, person_names, text_folded)
  VALUES ('delete', OLD.id, OLD.caption, OLD.headline, OLD.keywords, OLD.person_names,
          OLD.text_folded);
END;
CREATE TRIGGER photos_text_update
  AFTER UPDATE OF caption, headline, keywords, person_names, text_folded ON photos
  WHEN OLD.caption IS NOT NEW.caption OR OLD.headline IS NOT NEW.headline
    OR OLD.keywords IS NOT NEW.keywords OR OLD.person_names IS NOT NEW.person_names
    OR OLD.text_folded IS NOT NEW.text_folded
BEGIN
  INSERT INTO photo_text (photo_text, rowid, caption, headline, keywords, person_names, text_folded)
  VALUES ('delete', OLD.id, OLD.caption, OLD.headline, OLD.keywords, OLD.person_names,
          OLD.text_folded);
  INSERT INTO photo_text (rowid, caption, headline, keywords, person_names, text_folded)
  VALUES (NEW.id, NEW.caption, NEW.headline, NEW.keywords, NEW.person_names, NEW.text_folded);
END;

-- photos.person_names follows every change of who is pictured: a face
-- tagged or untagged, a person renamed, an alias added or removed.
CREATE TRIGGER faces_names_insert AFTER INSERT ON faces WHEN NEW.person_id IS NOT NULL BEGIN
  UPDATE photos SET person_names = )sql" FACETAG_PICTURED_NAMES("NEW.photo_id") R"sql(
  WHERE id = NEW.photo_id;
END;
CREATE TRIGGER faces_names_update AFTER UPDATE OF person_id, photo_id ON faces
  WHEN OLD.person_id IS NOT NEW.person_id OR OLD.photo_id IS NOT NEW.photo_id
BEGIN
  UPDATE photos SET person_names = )sql" FACETAG_PICTURED_NAMES("OLD.photo_id") R"sql(
  WHERE id = OLD.photo_id;
  UPDATE photos SET person_names = )sql" FACETAG_PICTURED_NAMES("NEW.photo_id") R"sql(
  WHERE id = NEW.photo_id;
END;
CREATE TRIGGER faces_names_delete AFTER DELETE ON faces WHEN OLD.person_id IS NOT NULL BEGIN
  UPDATE photos SET person_names = )sql" FACETAG_PICTURED_NAMES("OLD.photo_id") R"sql(
  WHERE id = OLD.photo_id;
END;
CREATE TRIGGER persons_names_update AFTER UPDATE OF name, name_key ON persons BEGIN
  UPDATE photos SET person_names = )sql" FACETAG_PICTURED_NAMES("photos.id") R"sql(
  WHERE id IN (SELECT photo_id FROM faces WHERE person_id = NEW.id);
END;
CREATE TRIGGER person_aliases_names_insert AFTER INSERT ON person_aliases BEGIN
  UPDATE photos SET person_names = )sql" FACETAG_PICTURED_NAMES("photos.id") R"sql(
  WHERE id IN (SELECT photo_id FROM faces WHERE person_id = NEW.person_id);
END;
CREATE TRIGGER person_aliases_names_delete AFTER DELETE ON person_aliases BEGIN
  UPDATE photos SET person_names = )sql" FACETAG_PICTURED_NAMES("photos.id") R"sql(
  WHERE id IN (SELECT photo_id FROM faces WHERE person_id = OLD.person_id);
END;

-- A removed person's faces name nobody. The foreign key alone would only
-- null person_id, leaving a 'recognized' or 'confirmed' face without a
-- person (which the CHECKs refuse), so the faces are untagged first.
CREATE TRIGGER persons_untag_faces BEFORE DELETE ON persons BEGIN
  UPDATE faces
  SET person_id = NULL, decision = 'unknown', tag_status = 'automatic', similarity = NULL,
      by_mention = 0, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
  WHERE person_id = OLD.id;
END;
)sql"},

    {"listing criteria of persons; API keys; background jobs", R"sql(
-- What the editor stated when listing a person (facetag/person.h,
-- ListingCriteria); `notes` always held the editor's reason.
ALTER TABLE persons RENAME COLUMN notes TO justification;
ALTER TABLE persons ADD COLUMN public_figure INTEGER NOT NULL DEFAULT 0
  CHECK (public_figure IN (0, 1));
ALTER TABLE persons ADD COLUMN recurring_in_news INTEGER NOT NULL DEFAULT 0
  CHECK (recurring_in_news IN (0, 1));
ALTER TABLE persons ADD COLUMN likely_searched INTEGER NOT NULL DEFAULT 0
  CHECK (likely_searched IN (0, 1));

-- An API key of the service. Only a hash of the secret is kept (libsodium
-- generichash of the secret, keyed by nothing: the secret has 256 random
-- bits, so no stretching is needed); `prefix` is the secret's public start,
-- shown in listings so a key can be recognised without revealing it.
CREATE TABLE api_keys (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  prefix       TEXT NOT NULL UNIQUE,
  secret_hash  TEXT NOT NULL UNIQUE CHECK (length(secret_hash) = 64),
  role         TEXT NOT NULL
               CHECK (role IN ('customer', 'editor', 'ingest', 'privacy', 'admin')),
  label        TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  revoked_at   TEXT
) STRICT;

-- Work the service does in the background (an ingest of several photos,
-- ...): its progress and outcome, kept after a restart. `params` and
-- `result` are JSON. A job found 'running' on start was interrupted.
CREATE TABLE jobs (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  kind         TEXT NOT NULL CHECK (kind <> ''),
  status       TEXT NOT NULL
               CHECK (status IN ('queued', 'running', 'done', 'failed', 'interrupted')),
  created_by   TEXT NOT NULL,
  params       TEXT NOT NULL CHECK (json_valid(params)),
  done         INTEGER NOT NULL DEFAULT 0,
  total        INTEGER NOT NULL DEFAULT 0,
  result       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(result)),
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
) STRICT;
CREATE INDEX jobs_by_status ON jobs(status, id);
)sql"},

    {"discovery: clusters of unknown faces, candidates, rejected identities", R"sql(
-- An identity editors rejected as "not a public person". `template` is the
-- normalised mean embedding of the rejected cluster (`dimension` float32,
-- little-endian, of model `model_id`): the one vector kept so that the
-- identity is never proposed again (include/facetag/discovery_store.h).
CREATE TABLE discovery_rejected (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id     TEXT NOT NULL CHECK (model_id <> ''),
  dimension    INTEGER NOT NULL CHECK (dimension > 0),
  template     BLOB NOT NULL CHECK (length(template) = 4 * dimension),
  reason       TEXT NOT NULL,
  actor        TEXT NOT NULL CHECK (actor <> ''),
  rejected_at  TEXT NOT NULL
) STRICT;
CREATE INDEX discovery_rejected_by_model ON discovery_rejected(model_id);

-- A cluster of unknown faces of one model, and its state as a candidate.
CREATE TABLE discovery_clusters (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id     TEXT NOT NULL CHECK (model_id <> ''),
  state        TEXT NOT NULL CHECK (state IN ('open', 'held', 'rejected', 'approved')),
  person_id    INTEGER REFERENCES persons(id) ON DELETE SET NULL,
  rejected_as  INTEGER REFERENCES discovery_rejected(id) ON DELETE SET NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  CHECK (state = 'approved' OR person_id IS NULL),
  CHECK (state = 'rejected' OR rejected_as IS NULL)
) STRICT;
CREATE INDEX discovery_clusters_by_model ON discovery_clusters(model_id, state);

-- Which cluster a face is in; a face purged from the archive leaves it.
CREATE TABLE discovery_members (
  face_id     INTEGER PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
  cluster_id  INTEGER NOT NULL REFERENCES discovery_clusters(id) ON DELETE CASCADE
) STRICT;
CREATE INDEX discovery_members_by_cluster ON discovery_members(cluster_id);

-- Faces the quality gate kept out, so incremental runs skip them.
CREATE TABLE discovery_excluded (
  face_id  INTEGER PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
  reason   TEXT NOT NULL CHECK (reason <> '')
) STRICT;
)sql"},

    {"privacy: audit hash chain, suppression records, data-subject requests, downloads, retention",
     R"sql(
-- The audit log becomes a hash chain: `hash` = SHA-256 of `prev_hash` and
-- the canonical entry (facetag::AuditEntryHash), `prev_hash` = the hash of
-- the entry before it (or of the purge anchor). Entries written before this
-- migration are sealed by the store when it opens the file. A sealed entry
-- cannot be changed; entries can be deleted only up to the id a purge has
-- opened in audit_purge_gate within its own transaction.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
CREATE TABLE audit_purge_gate (through_id INTEGER NOT NULL) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN OLD.hash <> ''
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  WHEN OLD.id > coalesce((SELECT max(through_id) FROM audit_purge_gate), 0)
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- After a retention purge: the last purged entry and its hash, where the
-- chain of the remaining entries starts.
CREATE TABLE audit_anchor (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  through_id    INTEGER NOT NULL,
  through_hash  TEXT NOT NULL,
  purged        INTEGER NOT NULL,
  at            TEXT NOT NULL
) STRICT;

-- An opted-out person, kept as little as possible: keyed BLAKE2b hashes of
-- the folded name and aliases (hex), and one averaged template per model,
-- encrypted (libsodium secretbox: `nonce`, `sealed` = MAC + ciphertext)
-- under the secret key kept outside the database.
CREATE TABLE suppressions (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at  TEXT NOT NULL
) STRICT;
CREATE TABLE suppressed_names (
  name_mac        TEXT PRIMARY KEY CHECK (length(name_mac) = 64),
  suppression_id  INTEGER NOT NULL REFERENCES suppressions(id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX suppressed_names_by_record ON suppressed_names(suppression_id);
CREATE TABLE suppression_templates (
  suppression_id  INTEGER NOT NULL REFERENCES suppressions(id) ON DELETE CASCADE,
  model_id        TEXT NOT NULL CHECK (model_id <> ''),
  nonce           BLOB NOT NULL CHECK (length(nonce) = 24),
  sealed          BLOB NOT NULL CHECK (length(sealed) > 16),
  PRIMARY KEY (suppression_id, model_id)
) STRICT, WITHOUT ROWID;

-- The register of data-subject requests. Dates are "YYYY-MM-DD"; due_on is
-- received_on + 1 calendar month. A refusal always states its reason.
CREATE TABLE requests (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  kind            TEXT NOT NULL CHECK (kind IN ('access', 'removal', 'optout', 'objection')),
  received_on     TEXT NOT NULL CHECK (received_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  due_on          TEXT NOT NULL CHECK (due_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  requester       TEXT NOT NULL CHECK (requester <> ''),
  contact         TEXT NOT NULL CHECK (contact <> ''),
  subject         TEXT NOT NULL,
  details         TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('open', 'granted', 'refused')),
  decision        TEXT NOT NULL DEFAULT '',
  refusal_reason  TEXT NOT NULL DEFAULT '',
  decided_by      TEXT NOT NULL DEFAULT '',
  decided_at      TEXT NOT NULL DEFAULT '',
  created_at      TEXT NOT NULL,
  CHECK ((status = 'refused') = (refusal_reason <> '')),
  CHECK ((status = 'open') = (decided_by = ''))
) STRICT;
CREATE INDEX requests_by_status ON requests(status, due_on);

-- Photo-export downloads, on the service's jobs (migration 3): the token
-- is kept only as its SHA-256, so the database alone does not open the
-- download; the link expires at `expires_at` (UTC ISO 8601).
ALTER TABLE jobs ADD COLUMN token_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
CREATE INDEX jobs_by_token ON jobs(token_sha256) WHERE token_sha256 <> '';

-- Retention periods set by the privacy officer; a kind without a row keeps
-- its built-in default (facetag::RetentionPolicy); days NULL: no limit.
CREATE TABLE retention_periods (
  kind  TEXT PRIMARY KEY
        CHECK (kind IN ('captions', 'tags', 'unknown_faces', 'idle_profiles', 'audit', 'requests')),
  days  INTEGER CHECK (days IS NULL OR days > 0)
) STRICT, WITHOUT ROWID;
)sql"},
    {"face quality; faces below the naming quality floor", R"sql(
-- How usable each face is for recognition (facetag::FaceQuality): a score
-- in [0, 1] and the main reason when it is low. Faces stored before were
-- not assessed: they count as usable.
ALTER TABLE faces ADD COLUMN quality_score REAL NOT NULL DEFAULT 1
  CHECK (quality_score >= 0 AND quality_score <= 1);
ALTER TABLE faces ADD COLUMN quality_issue TEXT NOT NULL DEFAULT 'none'
  CHECK (quality_issue IN ('none', 'not_a_face', 'too_small', 'blurred', 'profile_view', 'cut_off'));

-- Whether the photo's file says what the archive says: names_version counts
-- the changes to what facetag writes into the file (who is pictured and by
-- whose decision, who is mentioned, their names); names_written is the
-- version last written into the file (NULL: facetag never wrote it). A
-- photo with names_written < names_version has names still to be written.
ALTER TABLE photos ADD COLUMN names_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE photos ADD COLUMN names_written INTEGER;
CREATE INDEX photos_with_unwritten_names ON photos(id)
  WHERE names_written IS NOT NULL AND names_written < names_version;
CREATE TRIGGER faces_version_insert AFTER INSERT ON faces WHEN NEW.person_id IS NOT NULL BEGIN
  UPDATE photos SET names_version = names_version + 1 WHERE id = NEW.photo_id;
END;
CREATE TRIGGER faces_version_update AFTER UPDATE OF person_id, tag_status ON faces
  WHEN OLD.person_id IS NOT NEW.person_id
    OR (NEW.person_id IS NOT NULL AND OLD.tag_status IS NOT NEW.tag_status)
BEGIN
  UPDATE photos SET names_version = names_version + 1 WHERE id = NEW.photo_id;
END;
CREATE TRIGGER faces_version_delete AFTER DELETE ON faces WHEN OLD.person_id IS NOT NULL BEGIN
  UPDATE photos SET names_version = names_version + 1 WHERE id = OLD.photo_id;
END;
CREATE TRIGGER mentions_version_insert AFTER INSERT ON mentions BEGIN
  UPDATE photos SET names_version = names_version + 1 WHERE id = NEW.photo_id;
END;
CREATE TRIGGER mentions_version_delete AFTER DELETE ON mentions BEGIN
  UPDATE photos SET names_version = names_version + 1 WHERE id = OLD.photo_id;
END;
CREATE TRIGGER persons_version_rename AFTER UPDATE OF name ON persons
  WHEN OLD.name IS NOT NEW.name
BEGIN
  UPDATE photos SET names_version = names_version + 1
  WHERE id IN (SELECT photo_id FROM faces WHERE person_id = NEW.id
               UNION SELECT photo_id FROM mentions WHERE person_id = NEW.id);
END;
)sql",
     WidenFaceDecisions},
    {"redactable audit payloads; the hash of each photo's text", R"sql(
-- The audit chain covers each payload's SHA-256 (details_sha256) instead of
-- the payload, so that the payload of an entry about a person who opted out
-- can be erased (redacted = 1, details '{"redacted":true}') while the chain
-- still verifies. The step re-seals the entries already written.
ALTER TABLE audit_log ADD COLUMN details_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0 CHECK (redacted IN (0, 1));
DROP TRIGGER audit_log_no_update;

-- SHA-256 of the photo's text as read from its metadata (caption, its
-- source, headline, keywords, date; facetag::PhotoTextIdentity), so that a
-- re-ingest of the same pixels with new metadata updates the caption and
-- its mentions. Empty: not known (stored before this migration).
ALTER TABLE photos ADD COLUMN text_sha256 TEXT NOT NULL DEFAULT '';
)sql",
     RedactableAuditPayloads},
};

}  // namespace

#undef FACETAG_PICTURED_NAMES

std::span<const Migration> SqliteMigrations() { return kMigrations; }

}  // namespace facetag::store
