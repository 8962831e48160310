// Archive: the photos facetag has ingested, the faces found in them, who
// those faces are, who the captions mention, the editors' corrections and the
// audit log, with a search by person, text and date.
//
// The archive stores what was derived from a photo, never the photo itself:
// its SHA-256, where it was read from, its caption fields, and per face the
// box, landmarks, detection score, embedding (with its model id) and the
// current decision. Re-matching the archive against a changed list therefore
// needs no image: FacesForModel pages through the stored embeddings and
// ApplyDecisions writes the new decisions back.
//
// Editors have the last word. A confirmed tag is never removed or changed by
// ApplyDecisions (a threshold change, a rematch); a face an editor rejected
// for a person is never tagged with that person again by ApplyDecisions.
// Every confirmation and rejection is appended to the audit log in the same
// transaction as the change itself.
//
// Reach the archive through Store::archive() (facetag/store.h); it shares the
// store's database, and person ids are the store's.
//
// Errors: every call returns a Result. kInvalidArgument names the bad value
// of the caller's; kNotFound names the missing photo, face or person;
// kAlreadyExists is returned by AddPhoto only; kDatabase for everything the
// database refused (including writes to a store opened read-only). A call
// that fails changes nothing: each write is one transaction.
//
// Thread safety: like the Store it belongs to, an Archive may be used from
// several threads; calls are serialised. Other processes may use the same
// database file at the same time (see Store). Results are values the caller
// owns; nothing refers back into the archive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/person.h"
#include "facetag/result.h"
#include "facetag/types.h"

namespace facetag {

using PhotoId = std::int64_t;
using FaceId = std::int64_t;
using AuditId = std::int64_t;

// ---------------------------------------------------------------------------
// Values

// What the matcher concluded about a face.
enum class FaceDecision {
  kRecognized,  // named as `person`
  kUnknown,     // nobody on the list is similar enough
  kAmbiguous,   // the best person was not far enough ahead of the second
  kDuplicate,   // the person is named on another face of the same photo
};

// "recognized", "unknown", "ambiguous", "duplicate" (the stored text).
const char* FaceDecisionName(FaceDecision decision);

// Who made the face's current decision.
enum class TagStatus {
  kAutomatic,  // the matcher; the next ApplyDecisions may change it
  kConfirmed,  // an editor confirmed the person; only an editor changes it
  kRejected,   // an editor rejected the person the face had; it names nobody
               // until a rematch names someone not rejected for it
};

// "automatic", "confirmed", "rejected" (the stored text).
const char* TagStatusName(TagStatus status);

// The current decision about one face.
struct FaceTag {
  // Set exactly when `decision` is kRecognized.
  std::optional<PersonId> person;
  // Cosine similarity to the best candidate (to `person` when recognized);
  // empty when there was no candidate or nobody measured it (a person an
  // editor confirmed in place of the matcher's). Finite when set.
  std::optional<float> similarity;
  FaceDecision decision = FaceDecision::kUnknown;
  // Named only because the caption mentions the person (the mention lowered
  // the threshold; captions::FaceNaming::by_mention).
  bool by_mention = false;
};

// A face as the pipeline found it, with the matcher's decision.
struct NewFace {
  // Box and landmarks in displayed pixels; the embedding must be non-empty,
  // finite and carry a model id; all faces of one model id have one length.
  DetectedFace detected;
  FaceTag tag;
};

// One place where the caption names a listed person (captions::Mention).
struct PhotoMention {
  PersonId person = 0;
  // Byte span [begin, end) of the caption; `text` must equal those bytes.
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string text;
  // How the name was written: captions::MentionKindName ("full_name",
  // "alias", "surname"); any non-empty text is stored.
  std::string kind;
};

// What the archive knows about a photo apart from its faces and mentions.
struct PhotoInfo {
  std::string sha256;    // of the file's bytes: 64 hex digits (stored lowercase)
  std::string location;  // path or URL as given to ingest; not empty
  std::uint64_t size_bytes = 0;
  int width = 0;  // displayed (after EXIF orientation), pixels; 0 if unknown
  int height = 0;
  int exif_orientation = 1;  // 1-8
  std::string caption;       // UTF-8, as read
  // Where the caption came from: metadata::CaptionSourceName ("none",
  // "iptc", "xmp", "exif").
  std::string caption_source = "none";
  std::string headline;               // UTF-8
  std::vector<std::string> keywords;  // UTF-8, in file order
  // ISO 8601 text as read ("2012-12-06", "2012-12-06T15:46:01+01:00"), empty
  // when the photo has none. Search and ranking use it when it starts with
  // a date "YYYY-MM-DD", otherwise the time of ingest.
  std::string date_created;
  // Set when the photo could not be processed (decoding failed, ...): the
  // photo is remembered, so a resumed ingest skips it, and has no faces and
  // no mentions. The message must be UTF-8.
  std::optional<Error> failure;
};

// A photo to add: its facts, its faces in detection order, its mentions.
struct NewPhoto {
  PhotoInfo info;
  std::vector<NewFace> faces;
  std::vector<PhotoMention> mentions;
};

struct StoredFace {
  FaceId id = 0;
  PhotoId photo = 0;
  DetectedFace detected;  // landmarks and embedding exactly as stored
  FaceTag tag;
  TagStatus status = TagStatus::kAutomatic;
  std::vector<PersonId> rejected;  // persons editors rejected for this face, ascending
  std::string updated_at;          // last change of the decision, UTC ISO 8601
};

struct StoredPhoto {
  PhotoId id = 0;
  PhotoInfo info;
  std::string ingested_at;             // UTC ISO 8601, of the last Add/Replace
  std::vector<StoredFace> faces;       // in the order they were given
  std::vector<PhotoMention> mentions;  // ordered by `begin`
};

// Whether a photo with a given hash is stored, and how it went.
struct PhotoState {
  PhotoId id = 0;
  std::optional<Error> failure;  // empty: ingested successfully
};

// What ReplacePhoto did with the editors' decisions of the photo's faces.
struct ReplaceOutcome {
  PhotoId id = 0;
  bool added = false;  // no photo had the hash: it was added as by AddPhoto
  // Faces with a confirmed tag or with rejections whose box found a new face
  // (IoU >= 0.5): the decisions moved to it (and its face id is kept).
  int kept_decisions = 0;
  // Such faces that found no new face: their decisions are gone.
  int dropped_decisions = 0;
};

struct ArchiveCounts {
  std::int64_t photos = 0;  // all, ok and failed
  std::int64_t failed_photos = 0;
  std::int64_t faces = 0;
  std::int64_t tagged_faces = 0;  // faces naming a person
  std::int64_t mentions = 0;
};

// One face for re-matching: what the matcher needs, without the photo.
struct FaceForMatching {
  FaceId id = 0;
  PhotoId photo = 0;
  std::vector<float> embedding;  // of the requested model
  FaceTag tag;
  TagStatus status = TagStatus::kAutomatic;
  std::vector<PersonId> rejected;   // ascending; ApplyDecisions skips these
  std::vector<PersonId> mentioned;  // persons the photo's caption mentions, ascending
};

// One page of faces; pass `next_after` to get the next page.
struct FacePage {
  std::vector<FaceForMatching> faces;  // ascending face id, at most `limit`
  // The last face id of this page; 0 when there are no further faces (the
  // page is the last one, possibly empty).
  FaceId next_after = 0;
};

// A new decision for one stored face (from a rematch).
struct DecisionUpdate {
  FaceId face = 0;
  FaceTag tag;
};

struct ApplyOutcome {
  int changed = 0;    // faces whose decision changed
  int unchanged = 0;  // the same decision was already stored
  // Would have named a person an editor rejected for the face: not applied.
  int skipped_rejected = 0;
  // Would have changed or removed a confirmed person: not applied (a
  // confirmed face naming the same person gets the new similarity).
  int skipped_confirmed = 0;
  // The face (its photo was replaced or removed meanwhile) or the person
  // (removed from the list meanwhile) no longer exists: not applied.
  int skipped_missing = 0;
  // Photos with at least one changed face, ascending: their metadata may
  // need rewriting.
  std::vector<PhotoId> changed_photos;
};

// A photo's caption, for finding mentions of newly listed persons.
struct PhotoCaption {
  PhotoId id = 0;
  std::string caption;
};

struct CaptionPage {
  std::vector<PhotoCaption> photos;  // ascending photo id, non-empty captions only
  PhotoId next_after = 0;            // 0 when there are no further photos
};

// What to search for. All given criteria must hold.
struct SearchQuery {
  // Photos where this person is pictured (a face names them, automatically
  // or confirmed). Empty: no person criterion.
  std::optional<PersonId> person;
  // With `person`: also photos whose caption mentions the person but where
  // no face names them, ranked after every pictured photo.
  bool include_mentioned = false;
  // Words that must all occur (in any order, case and diacritics ignored:
  // "muller" finds "Müller", "walesa" finds "Wałęsa") in the caption,
  // headline, keywords or the names and aliases of the persons pictured.
  // The text is taken as plain words: quotes, "*", "^", "NEAR", "OR", "AND",
  // "NOT", "col:" and parentheses have no search meaning; punctuation
  // separates words ("Rutte's" is "rutte" "s" in a row), and a word without
  // letters or digits ("-") is skipped, though text made only of such words
  // matches nothing. Only whitespace: no text criterion. UTF-8.
  std::string text;
  // Inclusive bounds on the photo's date (date_created when it starts with a
  // date, else the ingest time), as ISO 8601 prefixes at any precision:
  // "2012", "2012-12", "2012-12-06", "2012-12-06T15". A bound covers every
  // date it is a prefix of: date_to "2012-12" includes "2012-12-31T23:59".
  // Dates compare as written (a photo's local time). Empty: unbounded.
  std::string date_from;
  std::string date_to;
  int limit = 50;  // 1-10000
  int offset = 0;  // >= 0
};

enum class HitKind {
  kPictured,   // a face of the photo names the person
  kMentioned,  // only the caption mentions the person (include_mentioned)
  kText,       // the query named no person
};

// "pictured", "mentioned", "text".
const char* HitKindName(HitKind kind);

struct SearchHit {
  PhotoId photo = 0;
  std::string sha256;
  std::string location;
  std::string caption;
  // The date ranked and filtered on: date_created when it starts with a
  // date, else ingested_at (then `date_is_ingest_time`).
  std::string date;
  bool date_is_ingest_time = false;
  HitKind kind = HitKind::kText;
  // For kPictured: the face naming the person (the most certain one when
  // several do: confirmed first, then the highest similarity).
  std::optional<FaceId> face;
  std::optional<FaceBox> box;
  std::optional<float> similarity;
  bool confirmed = false;
};

// An entry to append to the audit log.
struct AuditRecord {
  std::string actor;           // who: a user name, an API key id, "facetag rematch"; not empty
  std::string action;          // what: "tag.confirm", "person.remove", ...; not empty
  std::string subject;         // what it was done to: "face:12", "person:3", ...
  std::string details = "{}";  // a JSON text (any JSON value), stored as given
};

struct AuditEntry {
  AuditId id = 0;
  std::string at;  // UTC ISO 8601, when appended
  AuditRecord record;
};

struct AuditQuery {
  std::string actor;    // exact; empty: any
  std::string action;   // exact; empty: any
  std::string subject;  // exact; empty: any
  // Entries beyond this id in the listing order (0: from the start), for
  // paging: pass the last id of the previous page.
  AuditId cursor = 0;
  bool newest_first = false;
  int limit = 100;  // 1-10000
};

// Which faces to list for review. All given criteria must hold.
struct FaceQuery {
  std::optional<TagStatus> status;
  std::optional<FaceDecision> decision;
  std::optional<PersonId> person;
  // Faces with a smaller id than this (0: from the newest), for paging:
  // pass the last id of the previous page.
  FaceId before = 0;
  int limit = 50;  // 1-1000
};

// A face as an editor reviews it: where it is, who it names, no embedding.
struct FaceSummary {
  FaceId id = 0;
  PhotoId photo = 0;
  std::string location;  // of the photo
  FaceBox box;           // displayed pixels
  FaceTag tag;
  TagStatus status = TagStatus::kAutomatic;
  std::string updated_at;
};

// ---------------------------------------------------------------------------
// The archive

class Archive {
 public:
  virtual ~Archive() = default;

  // --- photos ------------------------------------------------------------

  // Stores a photo with its faces and mentions in one transaction: after a
  // crash or a kill either all of it is stored or nothing. Returns its id.
  // Errors: kAlreadyExists when a photo with the same sha256 is stored
  // (resume: skip it; --force: ReplacePhoto); kInvalidArgument for a bad
  // value (hash not 64 hex digits, empty location, invalid UTF-8 text, a
  // non-finite or negative box, an empty or non-finite embedding or one whose
  // length differs from the stored faces and profiles of its model, a
  // decision inconsistent with its person, a mention span outside the caption
  // or not matching its text, faces or mentions on a failed photo);
  // kNotFound when a face or mention names a person not on the list.
  virtual Result<PhotoId> AddPhoto(const NewPhoto& photo) = 0;

  // Replaces the stored photo with the same sha256 (ingest --force), in one
  // transaction; adds it when there is none. The photo keeps its id; its
  // facts, mentions and ingest time are replaced. Each stored face is paired
  // with the new face its box overlaps most (IoU >= 0.5, each face at most
  // once, best pairs first); a paired face keeps its face id and takes the
  // new detection and decision, except that a confirmed person stays
  // confirmed, and rejections stay and are honoured as in ApplyDecisions.
  // Unpaired stored faces are deleted with their decisions (counted in
  // `dropped_decisions` when they had editors' decisions). Replacing a
  // processed photo with a failed one deletes all its faces. Appends a
  // "photo.replace" audit entry by `actor`.
  // Errors: as AddPhoto (never kAlreadyExists); kInvalidArgument for an
  // empty actor.
  virtual Result<ReplaceOutcome> ReplacePhoto(const NewPhoto& photo, std::string_view actor) = 0;

  // Whether a photo with this hash is stored, processed or failed (a unique
  // index lookup). kInvalidArgument unless 64 hex digits.
  virtual Result<bool> HasPhoto(std::string_view sha256) = 0;
  // The id and outcome of the photo with this hash; empty when none.
  // kInvalidArgument unless 64 hex digits.
  virtual Result<std::optional<PhotoState>> FindPhoto(std::string_view sha256) = 0;

  // A photo with its faces (including rejections) and mentions. kNotFound.
  virtual Result<StoredPhoto> GetPhoto(PhotoId id) = 0;

  // The photo a face belongs to. kNotFound.
  virtual Result<PhotoId> PhotoOfFace(FaceId face) = 0;

  // The number of photos, ok and failed.
  virtual Result<std::int64_t> CountPhotos() = 0;
  virtual Result<ArchiveCounts> Counts() = 0;

  // Replaces the mentions of a photo (after the list changed: captions are
  // read again with CaptionsAfter). Errors as for AddPhoto's mentions;
  // kNotFound for an unknown photo.
  virtual Result<void> ReplaceMentions(PhotoId photo,
                                       const std::vector<PhotoMention>& mentions) = 0;

  // Photos with a non-empty caption and id > `after`, ascending, at most
  // `limit` (1-100000; else kInvalidArgument).
  virtual Result<CaptionPage> CaptionsAfter(PhotoId after, int limit) = 0;

  // --- re-matching ---------------------------------------------------------

  // The faces whose embedding model is `model_id` with id > `after`,
  // ascending, at most `limit` (1-100000; else kInvalidArgument; an empty
  // model id too). Keyset paging: memory is bounded by one page whatever
  // the size of the archive, no transaction is held between pages, and no
  // photo file is read. Faces added while paging appear on a later page.
  virtual Result<FacePage> FacesForModel(std::string_view model_id, FaceId after, int limit) = 0;

  // Applies new decisions in one transaction (all or nothing on error) and
  // says what happened to each; see ApplyOutcome for the rules. An update
  // is skipped, not an error, when it names a rejected person, would change
  // or remove a confirmed person, or refers to a face or person that no
  // longer exists. A face whose tag was rejected and which is now named for
  // someone else becomes automatic again. Several updates of one face: the
  // last counts. Batches of about a thousand updates keep the write lock
  // short.
  // Errors: kInvalidArgument for an inconsistent tag (a person without
  // kRecognized or the reverse, a non-finite similarity), before any write.
  virtual Result<ApplyOutcome> ApplyDecisions(const std::vector<DecisionUpdate>& updates) = 0;

  // --- editors' corrections ------------------------------------------------

  // Faces matching `query`, newest (highest id) first, without embeddings.
  // kInvalidArgument for a bad limit or a negative cursor.
  virtual Result<std::vector<FaceSummary>> ListFaces(const FaceQuery& query) = 0;

  // An editor confirms that `face` shows `person`: the face names the person
  // with status kConfirmed (similarity kept if the face named them already,
  // else cleared), a rejection of that pair is withdrawn, and other faces of
  // the photo automatically naming the same person become kDuplicate (one
  // face per person). Appends a "tag.confirm" audit entry by `actor` in the
  // same transaction. Confirming a confirmed pair again only adds the entry.
  // Errors: kNotFound (face, person), kInvalidArgument (empty actor).
  virtual Result<void> ConfirmTag(FaceId face, PersonId person, std::string_view actor) = 0;

  // An editor says `face` is not `person`: the pair is remembered (no later
  // ApplyDecisions names the person on this face), and if the face names the
  // person it names nobody (kUnknown, status kRejected). Appends a
  // "tag.reject" audit entry by `actor` in the same transaction.
  // Errors: kNotFound (face, person), kInvalidArgument (empty actor).
  virtual Result<void> RejectTag(FaceId face, PersonId person, std::string_view actor) = 0;

  // --- search ----------------------------------------------------------------

  // Photos matching `query` (failed photos never), one hit per photo,
  // ranked: pictured before mentioned; then confirmed before automatic; then
  // higher similarity; then the more recent date; then the higher photo id.
  // Text-only queries rank by date. An unknown person yields no hits.
  // Errors: kInvalidArgument (limit, offset, a date bound that is not an
  // ISO 8601 prefix, text that is not UTF-8).
  virtual Result<std::vector<SearchHit>> Search(const SearchQuery& query) = 0;

  // --- audit log ---------------------------------------------------------------

  // Appends an entry, stamped with the current UTC time; returns its id
  // (ids ascend in the order of appending). The log is append-only: the
  // database refuses to change or delete entries.
  // Errors: kInvalidArgument (empty actor or action, text not UTF-8,
  // details not JSON).
  virtual Result<AuditId> AppendAudit(const AuditRecord& record) = 0;

  // Entries matching the query's filters, in id order (see AuditQuery).
  // kInvalidArgument for a bad limit or a negative cursor.
  virtual Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) = 0;
};

}  // namespace facetag
