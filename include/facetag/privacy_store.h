// PrivacyStore: what facetag keeps to honour privacy promises, in the store's
// database: suppression records of persons who opted out, the register of
// data-subject requests, the downloads of photo exports (on the service's jobs),
// retention periods, the purge, and the verification of the audit chain.
//
// Reach it through Store::privacy() (facetag/store.h); it shares the store's
// database, lock, clock and secret key. Its jobs (opt-out rewrites, photo
// exports) are the service's jobs (facetag/service_store.h, kinds "optout"
// and "photo_export"). The rules built on top (the opt-out
// flow, lookups, exports, notifications) live in facetag/privacy.h.
//
// Suppression records keep as little as possible: per opted-out person one
// averaged, L2-normalised template per model pack, encrypted with libsodium
// secretbox (XSalsa20-Poly1305) under a key kept outside the database (see
// StoreOptions::secret_key_path), and keyed BLAKE2b hashes of the folded
// name and aliases, so a name can be recognised again without being stored.
//
// Errors: every call returns a Result. kInvalidArgument names the bad value;
// kNotFound the missing record; kIo / kNotFound when the secret key is
// missing, unreadable or readable by others; kDatabase for the database.
// A call that fails changes nothing: each write is one transaction.
//
// Thread safety: like the Store it belongs to (calls are serialised).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/archive.h"
#include "facetag/person.h"
#include "facetag/privacy_rules.h"
#include "facetag/result.h"
#include "facetag/service_store.h"
#include "facetag/types.h"

namespace facetag {

using SuppressionId = std::int64_t;
using RequestId = std::int64_t;
using TimePoint = std::chrono::system_clock::time_point;

// --- suppression -------------------------------------------------------------

// Whether an unnamed archived face is the face of the person a template
// (one per model) was just made from; decided outside the store.
using OptedOutFaceRule =
    std::function<bool(const Embedding& face, const Embedding& suppression_template)>;

// What OptOutPerson did, in one transaction.
struct OptOutOutcome {
  SuppressionId suppression = 0;
  std::string name;  // the person's display name (not stored)
  int profiles_deleted = 0;
  int faces_deleted = 0;            // archived faces that named or resemble them
  std::vector<std::string> models;  // models a template was kept for
  // Photos whose files may name the person (pictured or mentioned): the
  // job `job` rewrites their metadata from the archive.
  std::vector<PhotoId> photos;
  JobId job = 0;
};

// A suppression record as listed: no names, no template values.
struct SuppressionInfo {
  SuppressionId id = 0;
  std::vector<std::string> models;  // models with an encrypted template
  int names = 0;                    // keyed name hashes
  std::string created_at;
};

// --- data-subject requests ---------------------------------------------------

enum class RequestKind { kAccess, kRemoval, kOptOut, kObjection };
// "access", "removal", "optout", "objection".
const char* RequestKindName(RequestKind kind);
std::optional<RequestKind> ParseRequestKind(std::string_view text);

enum class RequestStatus { kOpen, kGranted, kRefused };
// "open", "granted", "refused".
const char* RequestStatusName(RequestStatus status);
std::optional<RequestStatus> ParseRequestStatus(std::string_view text);

struct NewRequest {
  RequestKind kind = RequestKind::kAccess;
  std::string received_on;  // "YYYY-MM-DD", the day the request arrived
  std::string requester;    // who asks; not empty
  std::string contact;      // how to answer (e-mail, address); not empty
  std::string subject;      // the person the request is about, as given
  std::string details;      // free text
};

struct DataRequest {
  RequestId id = 0;
  RequestKind kind = RequestKind::kAccess;
  std::string received_on;
  std::string due_on;  // received_on + 1 calendar month (DueDate)
  std::string requester;
  std::string contact;
  std::string subject;
  std::string details;
  RequestStatus status = RequestStatus::kOpen;
  std::string decision;        // what was decided and done
  std::string refusal_reason;  // set exactly when refused
  std::string decided_by;
  std::string decided_at;  // UTC ISO 8601
  std::string created_at;
};

struct RequestDecision {
  RequestStatus status = RequestStatus::kGranted;  // kGranted or kRefused
  std::string decision;                            // not empty
  // Required for a refusal (e.g. the journalistic interest that outweighs
  // the request); must be empty for a grant.
  std::string refusal_reason;
};

struct RequestQuery {
  std::optional<RequestStatus> status;
  std::optional<RequestKind> kind;
};

// DueDate: facetag/privacy_rules.h.

// --- downloads ---------------------------------------------------------------

// A photo export's download: its job (facetag/service_store.h) and until
// when the link works.
struct Download {
  JobId job = 0;
  std::string expires_at;  // UTC ISO 8601; empty while the zip is being built
};

// --- retention ---------------------------------------------------------------

enum class RetentionKind {
  kCaptions,      // caption, headline, keywords and mentions of a photo, by ingest time
  kTags,          // automatic person tags on faces, by the time of the decision
  kUnknownFaces,  // faces naming nobody (box, landmarks, embedding), by last change
  kIdleProfiles,  // profiles of persons not pictured or mentioned in a photo dated
                  // within the period (and listed before it)
  kAudit,         // audit entries, by time
  kRequests,      // decided data-subject requests, by decision time
};
const char* RetentionKindName(RetentionKind kind);  // "captions", "tags", ...
std::optional<RetentionKind> ParseRetentionKind(std::string_view text);
inline constexpr RetentionKind kAllRetentionKinds[] = {
    RetentionKind::kCaptions,     RetentionKind::kTags,  RetentionKind::kUnknownFaces,
    RetentionKind::kIdleProfiles, RetentionKind::kAudit, RetentionKind::kRequests};

// How long each kind of data is kept, in days; empty: kept without limit.
// The defaults apply to kinds never set with SetRetention.
struct RetentionPolicy {
  std::optional<int> captions_days;             // the archive's captions are its product
  std::optional<int> tags_days;                 // likewise its tags
  std::optional<int> unknown_faces_days = 365;  // discovery needs a year of recurrences
  std::optional<int> idle_profiles_days = 730;  // not in the news for 24 months
  std::optional<int> audit_days = 3650;         // ten years of accountability
  std::optional<int> requests_days = 1095;      // three years after the decision

  std::optional<int>& For(RetentionKind kind);
  const std::optional<int>& For(RetentionKind kind) const;
};

struct PurgeCounts {
  std::int64_t captions = 0;       // photos whose caption fields were cleared
  std::int64_t mentions = 0;       // caption mentions deleted with them
  std::int64_t tags = 0;           // faces untagged
  std::int64_t unknown_faces = 0;  // faces deleted
  std::int64_t profiles = 0;       // profiles deleted
  std::int64_t audit_entries = 0;  // audit entries deleted (behind an anchor)
  std::int64_t requests = 0;       // request records deleted
  std::int64_t Total() const {
    return captions + mentions + tags + unknown_faces + profiles + audit_entries + requests;
  }
};

struct PurgeReport {
  bool dry_run = false;
  PurgeCounts counts;
  std::uint64_t file_bytes_before = 0;  // database + WAL
  std::uint64_t file_bytes_after = 0;
  double seconds = 0;
  // The deleted bytes were wiped from the file (not in a dry run). False
  // when another connection held the file (`wipe_error` says why): the
  // deletions stand, and the next purge or opt-out job wipes them.
  bool wiped = false;
  std::string wipe_error;
};

// --- audit chain ---------------------------------------------------------------

struct AuditVerification {
  bool intact = false;
  std::int64_t entries = 0;                 // entries checked
  std::optional<AuditId> first_bad;         // the first entry that does not verify
  std::string problem;                      // in words; empty when intact
  std::string head_hash;                    // hash of the newest entry (write it down elsewhere)
  std::optional<AuditId> anchored_through;  // entries up to this id were purged
};

// The hash of an audit entry: SHA-256 (hex) of `prev_hash` followed by the
// canonical form of the entry (each of id, at, actor, action, subject and
// the payload as its byte length in decimal, ':', the bytes, '\n'). The
// payload is "sha256:" + details_sha256 when the entry has one (so that an
// erased payload leaves the chain intact), else the details themselves (a
// JSON text never starts with "sha256:"). Exposed so that a verifier outside
// facetag can recompute it.
std::string AuditEntryHash(std::string_view prev_hash, const AuditEntry& entry);

// ---------------------------------------------------------------------------

class PrivacyStore {
 public:
  virtual ~PrivacyStore() = default;

  // --- suppression ---------------------------------------------------------

  // Opts person `person` out, in one transaction: one template per model
  // (the normalised mean of their profiles and `extra` embeddings, e.g. of
  // a selfie) and keyed hashes of their name and aliases are stored as a
  // suppression record; archived faces that name them, and unnamed faces
  // that `is_theirs(face, template)` says are the person's (IsOptedOutFace of
  // facetag/privacy_rules.h with the pack's threshold), are deleted with
  // their embeddings; the person, their profiles, aliases, mentions and
  // rejections are removed; an opt-out job listing the photos whose files
  // may name them is queued; "person.optout" is audited by `actor`.
  // Errors: kNotFound (person), kInvalidArgument (empty actor, an extra
  // embedding that is empty or not finite), key errors.
  virtual Result<OptOutOutcome> OptOutPerson(PersonId person, const std::vector<Embedding>& extra,
                                             const OptedOutFaceRule& is_theirs,
                                             std::string_view actor) = 0;

  // Adds a suppression record for someone not on the list (name and/or
  // templates, at least one). Errors as OptOutPerson.
  virtual Result<SuppressionId> AddSuppression(const std::vector<std::string>& names,
                                               const std::vector<Embedding>& templates,
                                               std::string_view actor) = 0;

  // The decrypted templates of every suppression record for `model_id`.
  // Without records, no key is needed (and none is created). Errors: key
  // errors (a record exists but the key is missing or wrong: kIo), kDatabase.
  virtual Result<std::vector<Embedding>> SuppressionTemplates(std::string_view model_id) = 0;

  // The suppression record whose names include `name` (folded as the list
  // folds names), if any.
  virtual Result<std::optional<SuppressionId>> FindSuppressedName(std::string_view name) = 0;

  virtual Result<std::vector<SuppressionInfo>> ListSuppressions() = 0;

  // Withdraws a suppression record (the person may be listed again).
  // kNotFound. Audited as "suppression.remove".
  virtual Result<void> RemoveSuppression(SuppressionId id, std::string_view actor) = 0;

  // --- requests ---------------------------------------------------------------

  // Registers a request; its due date is DueDate(received_on). Audited as
  // "request.add". kInvalidArgument for a bad date or an empty requester or
  // contact.
  virtual Result<DataRequest> AddRequest(const NewRequest& request, std::string_view actor) = 0;
  virtual Result<DataRequest> GetRequest(RequestId id) = 0;
  // Oldest first.
  virtual Result<std::vector<DataRequest>> ListRequests(const RequestQuery& query) = 0;
  // Decides an open request, by `actor` (who decided). Audited as
  // "request.decide". kInvalidArgument: a refusal without a reason, a grant
  // with one, an empty decision, status kOpen; kRejected: already decided;
  // kNotFound.
  virtual Result<DataRequest> DecideRequest(RequestId id, const RequestDecision& decision,
                                            std::string_view actor) = 0;
  // Open requests whose due date is before the day of `now` (UTC), oldest
  // due first.
  virtual Result<std::vector<DataRequest>> OverdueRequests(TimePoint now) = 0;

  // --- downloads -----------------------------------------------------------------

  // Records the SHA-256 (hex) of job `job`'s download token (when the
  // export is queued: the link is handed out at once) and/or when the link
  // expires (when the zip is ready). An empty `token_sha256` keeps the
  // stored one; an empty `expires_at` keeps the stored expiry. kNotFound,
  // kInvalidArgument (not 64 hex digits).
  virtual Result<void> SetDownload(JobId job, std::string_view token_sha256,
                                   std::optional<TimePoint> expires_at) = 0;
  // The download whose token hashes to `token_sha256`. kNotFound.
  virtual Result<Download> FindDownload(std::string_view token_sha256) = 0;
  // Jobs whose download expired before `now`, for deleting their zips.
  virtual Result<std::vector<JobId>> ExpiredDownloads(TimePoint now) = 0;

  // --- retention and purge ---------------------------------------------------

  // The stored periods over the defaults of RetentionPolicy.
  virtual Result<RetentionPolicy> Retention() = 0;
  // Sets one period (days > 0) or no limit (empty). Audited.
  virtual Result<void> SetRetention(RetentionKind kind, std::optional<int> days,
                                    std::string_view actor) = 0;

  // Deletes what `policy` says is past its period at `now`. Unless
  // `dry_run`, the deleted bytes are then wiped from the file: the store
  // runs with secure_delete, the full-text index is optimised, the WAL is
  // checkpointed and truncated and the file vacuumed (PurgeReport::wiped).
  // Audit entries are deleted behind an anchor that keeps the chain verifiable. Audited as
  // "retention.purge" with the counts (a dry run only counts).
  virtual Result<PurgeReport> Purge(const RetentionPolicy& policy, TimePoint now, bool dry_run,
                                    std::string_view actor) = 0;

  // Wipes freed pages from the file: full-text optimise, WAL checkpoint
  // (TRUNCATE), VACUUM, checkpoint again. Part of Purge and of the opt-out
  // job. Fails with kDatabase while another connection holds a read
  // transaction (VACUUM needs the file to itself).
  virtual Result<void> Compact() = 0;

  // --- audit ------------------------------------------------------------------------

  // Recomputes the hash chain of the audit log from its anchor (or from the
  // start) and checks that no entry was edited, inserted or deleted, and
  // that the newest entries were not cut off.
  virtual Result<AuditVerification> VerifyAudit() = 0;
};

}  // namespace facetag
