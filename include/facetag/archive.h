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

#include "facetag/decision.h"
#include "facetag/person.h"
#include "facetag/result.h"
#include "facetag/types.h"

namespace facetag {

using PhotoId = std::int64_t;
using FaceId = std::int64_t;
using AuditId = std::int64_t;

// ---------------------------------------------------------------------------
// Values

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

// A face as the pipeline found it, with what was decided about it
// (DecidePhoto, facetag/decision.h).
struct NewFace {
  // Box, landmarks and quality in displayed pixels; the embedding must be
  // non-empty, finite and carry a model id; all faces of one model id have
  // one length.
  DetectedFace detected;
  FaceTag tag;
  // Who decided: kConfirmed needs a person, kRejected none.
  TagStatus status = TagStatus::kAutomatic;
  // ReplacePhoto only: the stored face of the photo this face is (the same
  // face found again). It keeps that face's id and the editors' rejections
  // recorded for it. Each stored face at most once.
  std::optional<FaceId> continues;
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
  // SHA-256 of the text as read (metadata::PhotoTextIdentity): a re-ingest
  // of the same pixels with other text updates the photo. Empty: unknown.
  std::string text_sha256;
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
  // Counts the changes to what facetag writes into the file (pictured
  // persons and whose decision it was, mentions, the persons' names); and
  // the version last written into the file (empty: facetag never wrote it).
  std::int64_t names_version = 0;
  std::optional<std::int64_t> names_written;
  std::vector<StoredFace> faces;       // in the order they were given
  std::vector<PhotoMention> mentions;  // ordered by `begin`
};

// Whether a photo with a given hash is stored, and how it went.
struct PhotoState {
  PhotoId id = 0;
  std::optional<Error> failure;  // empty: ingested successfully
  std::string text_sha256;       // PhotoInfo::text_sha256
};

// What ReplacePhoto did.
struct ReplaceOutcome {
  PhotoId id = 0;
  bool added = false;  // no photo had the hash: it was added as by AddPhoto
  int deleted_faces = 0;  // stored faces no new face continued
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
  FaceQuality quality;
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

// A new decision for one stored face. It is written only if the face still
// holds `expected_tag` and `expected_status` (what the caller read), so a
// decision made meanwhile by somebody else (an editor) is never overwritten.
struct DecisionUpdate {
  FaceId face = 0;
  FaceTag tag;
  TagStatus status = TagStatus::kAutomatic;
  FaceTag expected_tag;
  TagStatus expected_status = TagStatus::kAutomatic;
};

struct ApplyOutcome {
  int changed = 0;    // faces whose decision changed
  int unchanged = 0;  // the same decision was already stored
  // The face changed since it was read, or it (its photo replaced or
  // removed meanwhile) or its person (removed from the list) is gone: not
  // applied.
  int conflicts = 0;
  // Photos with at least one changed face, ascending: their metadata may
  // need rewriting.
  std::vector<PhotoId> changed_photos;
};

// An editor's word on one face and the photo's faces re-decided with it.
struct ReviewRecord {
  FaceId face = 0;
  PersonId person = 0;
  bool confirm = true;  // true: the face shows `person`; false: it does not
  // The new decisions of the photo's faces (the reviewed face among them),
  // written as given; `expected_*` is not checked.
  std::vector<DecisionUpdate> updates;
  std::string actor;  // the editor; not empty
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
  // record.details is {"redacted":true} once the payload was erased (the
  // entry's person opted out); the chain still verifies over
  // details_sha256.
  AuditRecord record;
  // SHA-256 (hex) of the payload as written, which the chain covers in its
  // place so that a payload can be erased; empty for an entry chained over
  // its clear payload (written before payloads were redactable and never
  // re-sealed).
  std::string details_sha256;
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

  // Replaces the stored photo with the same sha256 (ingest --force, changed
  // metadata), in one transaction; adds it when there is none. The photo
  // keeps its id; its facts, mentions and ingest time are replaced. A new
  // face that `continues` a stored face of the photo keeps that face's id
  // and recorded rejections and takes the new detection and decision; stored
  // faces no new face continues are deleted with their decisions. Appends a
  // "photo.replace" audit entry by `actor`.
  // Errors: as AddPhoto (never kAlreadyExists); kInvalidArgument for an
  // empty actor or a `continues` that is not a face of this photo or is
  // given twice.
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

  // Records that the file of `photo` now says what version `version` of
  // its names said (StoredPhoto::names_version, as read before writing).
  // A later version already recorded stays. Errors: kNotFound, kDatabase.
  virtual Result<void> MarkNamesWritten(PhotoId photo, std::int64_t version) = 0;
  // Photos whose file facetag wrote once and whose names changed since,
  // with id > `after`, ascending, at most `limit` (1-100000).
  virtual Result<std::vector<PhotoId>> PhotosWithUnwrittenNames(PhotoId after, int limit) = 0;

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

  // Applies new decisions in one transaction (all or nothing on error): an
  // update is written only where the face still holds what the caller read
  // (see DecisionUpdate); others are counted as conflicts. Several updates
  // of one face: the last counts. Batches of about a thousand updates keep
  // the write lock short.
  // Errors: kInvalidArgument for an inconsistent tag (a person without
  // kRecognized or the reverse, a non-finite similarity, kConfirmed without
  // a person), before any write.
  virtual Result<ApplyOutcome> ApplyDecisions(const std::vector<DecisionUpdate>& updates) = 0;

  // --- editors' corrections ------------------------------------------------

  // Faces matching `query`, newest (highest id) first, without embeddings.
  // kInvalidArgument for a bad limit or a negative cursor.
  virtual Result<std::vector<FaceSummary>> ListFaces(const FaceQuery& query) = 0;

  // Records an editor's word in one transaction: a rejection of (face,
  // person) is remembered (or, for a confirmation, withdrawn), the updates
  // are written, and a "tag.confirm" or "tag.reject" audit entry by the
  // editor is appended.
  // Errors: kNotFound (face, person), kInvalidArgument (empty actor, an
  // inconsistent tag, an update of a face of another photo).
  virtual Result<void> RecordReview(const ReviewRecord& review) = 0;

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
