// Privacy: the flows that make facetag's privacy promises true, built on the
// records of facetag/privacy_store.h.
//
//   - OptOut: a person leaves the list for good; a job takes their names out
//     of the photo files (RunJob), and from then on their face is never
//     tagged (pipeline::Recognizer) nor proposed (discovery, through
//     LoadSuppressionList).
//   - LookupName / LookupPhoto: "am I on the list?"; a photo is analysed in
//     memory and discarded.
//   - ExportPerson: the access answer, everything stored about a listed
//     person as a zip with a JSON manifest (never an embedding).
//   - StartPhotoExport + RunJob + OpenDownload: a zip of archived photos
//     with their current names, built in the background, downloadable with
//     a token until it expires, announced by e-mail (SMTP relay) or webhook.
//   - PurgeNow: the retention purge with the stored periods.
//
// Time is passed in (`now`), never read from the system clock here, so
// tests run the rules on a fake clock.
//
// Thread safety: free functions; they use the Store (thread-safe) and, where
// given, a FaceAnalyzer, which must not be used by another thread meanwhile.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/gallery.h"
#include "facetag/metadata.h"
#include "facetag/model_pack.h"
#include "facetag/privacy_store.h"
#include "facetag/store.h"
#include "facetag/vision.h"

namespace facetag::privacy {

// The suppression templates of `pack`'s model and the threshold to apply
// (gallery::SuppressionThreshold): what discovery must consult before
// proposing a face. Errors: those of PrivacyStore::SuppressionTemplates.
Result<gallery::SuppressionList> LoadSuppressionList(Store& store, const ModelPack& pack);

// --- opt-out -------------------------------------------------------------------

struct OptOutRequest {
  // Name, alias or URI of a listed person; or the name of someone not on
  // the list (then only a suppression record is made). Not empty.
  std::string person;
  // Photos of the person (e.g. a selfie they sent): the main face of each
  // is averaged into the template, so a person with no profiles, or not on
  // the list at all, is suppressed too. Read, analysed, discarded.
  std::vector<std::filesystem::path> photos;
  // A photo already in memory (an upload), used like `photos`.
  std::vector<std::span<const unsigned char>> photo_bytes;
  std::string actor;  // who processed the opt-out; empty: the store's actor
};

struct OptOutReport {
  bool was_listed = false;
  // For a listed person: what OptOutPerson did (including the queued job).
  OptOutOutcome outcome;
};

// Opts a person out (PrivacyStore::OptOutPerson with the pack's
// suppression threshold), or records a suppression for someone not listed.
// `analyzer` is needed only when photos or `photo_bytes` are given.
// Errors: kInvalidArgument (empty name; no photo and the person is not
// listed; a photo with no face: kNoFace), kNotFound (a photo file), key,
// vision and database errors.
Result<OptOutReport> OptOut(Store& store, const ModelPack& pack, vision::FaceAnalyzer* analyzer,
                            const OptOutRequest& request);

// --- jobs ------------------------------------------------------------------------

// The kinds of the service's jobs (facetag/service_store.h) run here.
inline constexpr char kOptOutJob[] = "optout";
inline constexpr char kPhotoExportJob[] = "photo_export";

class Notifier;  // facetag/notify.h

// Where notifications go out.
struct NotifyOptions {
  std::string smtp_host = "127.0.0.1";  // the SMTP relay (plain SMTP, no TLS: a local relay)
  int smtp_port = 25;
  std::string mail_from = "facetag@localhost";
  int timeout_ms = 10000;  // per network operation
  // Prefix of download links in notifications; the token is appended.
  std::string download_url = "http://localhost:8080/api/v1/privacy/exports/download/";
};

struct JobRunOptions {
  // Where photo exports are built and kept until they expire. Required for
  // photo-export jobs; created (0700) if missing; the zips are 0600.
  std::filesystem::path export_folder;
  // The folder the photos of an export must lie in (the service's photo
  // folder): a photo whose location leads elsewhere, by its path or
  // through a symlink, is skipped. Empty: locations are read as stored
  // (the CLI, whose locations are the paths it was given).
  std::filesystem::path photo_folder;
  // Sends the notices of finished exports and makes their links (not
  // owned). Null: a RelayNotifier over `notify` whose destinations are
  // those of `allow_list_file` (none when empty or missing), with links
  // `notify.download_url` + token.
  Notifier* notifier = nullptr;
  NotifyOptions notify;
  std::filesystem::path allow_list_file;
  TimePoint now{};  // for expiry times; default-constructed: system clock
  // A photo export's download token (from StartPhotoExport), for the link
  // in the notification. Empty (a job resumed by another process): the
  // notice names the export and refers to the link handed out with it.
  std::string download_token;
  // When it becomes true, the job stops after the current step, resumable.
  const std::atomic<bool>* stop = nullptr;
  std::function<void(std::int64_t done, std::int64_t total)> progress;
  // The archive's names for a photo, and the rewrite of its file with them:
  // the application layer's one builder of names (app::App::ArchivedTags,
  // app::App::WriteTags). Required for the jobs that need them.
  std::function<Result<metadata::TagSet>(PhotoId)> archived_tags;
  std::function<Result<metadata::WriteReport>(PhotoId)> rewrite_photo;
};

struct JobOutcome {
  Job job;  // as stored after the run
  bool stopped = false;
};

// Opt-out and photo-export jobs that are queued, running or interrupted,
// oldest first (among the 1,000 newest jobs).
Result<std::vector<Job>> UnfinishedJobs(Store& store);

// Runs (or resumes, from job.done) job `id`:
//   - opt-out: rewrites each listed photo's metadata from the archive
//     (JobRunOptions::rewrite_photo); a photo that cannot be written is
//     listed in the result and does not stop the job; then the database is
//     compacted so that deleted embeddings leave the file;
//   - photo export: see StartPhotoExport.
// A done or failed job is returned unchanged. Errors: kNotFound (job),
// kInvalidArgument (another kind of job; photo export without
// export_folder), database errors (the job stays resumable).
Result<JobOutcome> RunJob(Store& store, JobId id, const JobRunOptions& options);

// --- lookup ----------------------------------------------------------------------

struct LookupFace {
  FaceBox box;                   // pixels of the upright photo
  std::optional<Person> person;  // the listed person this face is recognised as
  std::optional<float> similarity;
  bool opted_out = false;  // matches a suppression record
};

struct LookupAnswer {
  bool listed = false;            // a listed person matches
  std::vector<Person> persons;    // who (name lookups: at most one)
  bool opted_out = false;         // the name or face matches an opt-out record
  std::vector<LookupFace> faces;  // photo lookups: per face, left to right
  bool photo_discarded = false;   // photo lookups: true (nothing of it was stored)
  std::string answer;             // in words, for the requester
};

// By name or alias (case and accents ignored). Errors: kInvalidArgument
// (empty), database and key errors. (By photo: app::App::LookupPhoto.)
Result<LookupAnswer> LookupName(Store& store, std::string_view name);

// --- access export -----------------------------------------------------------------

struct PersonExportReport {
  std::filesystem::path zip;
  int photos = 0;
  int audit_entries = 0;
  int profiles = 0;
};

// Writes `zip` (atomically; an existing file is replaced) with
// manifest.json: the person record (name, aliases, URI, why listed),
// profile count and sources (photo hash, box, model, date; never the
// embeddings), photos pictured and mentioned in, and the audit entries
// about the person; and README.txt saying what it is. Audited as
// "person.export". Errors: kNotFound (person), kIo (zip), database errors.
Result<PersonExportReport> ExportPerson(Store& store, std::string_view person,
                                        const std::filesystem::path& zip, std::string_view actor);

// --- photo export --------------------------------------------------------------------

struct PhotoExportRequest {
  std::vector<PhotoId> photos;       // these photos...
  std::optional<SearchQuery> query;  // ...and/or the hits of a search (all pages)
  std::string email;                 // notify this address (SMTP); empty: no mail
  std::string webhook;               // POST a JSON notice here (http://); empty: none
  int expires_hours = 72;            // lifetime of the download link, 1-8760
  std::string actor;
};

// A queued photo export: its job and the download token, handed out at
// once ("your zip file is being created": the link works when it is ready).
// Only the token's SHA-256 is stored.
struct PhotoExportTicket {
  JobId job = 0;
  std::string token;  // 64 hex digits (256 random bits)
};

// Queues a photo-export job: photos are resolved now (at most 10,000), the
// zip is built by RunJob: each photo file is read from its archived
// location, checked against the archived identity (a changed or replaced
// file is skipped), copied, given its current names
// (pipeline::ArchivedTags) and added under a sanitised entry name
// (EntryName). When the zip is ready, the link expires
// `expires_hours` later; the e-mail or webhook says it is ready. Errors:
// kInvalidArgument (no photos, bad address, bad webhook URL, expiry out of
// range), kNotFound (a photo id), database errors.
Result<PhotoExportTicket> StartPhotoExport(Store& store, const PhotoExportRequest& request);

// The zip of the export whose token is `token`, if it is ready and has not
// expired at `now`. An expired export's file is deleted. Errors: kNotFound
// (unknown token), kRejected (not ready yet, or expired: the message says
// which and when), kIo.
Result<std::filesystem::path> OpenDownload(Store& store, std::string_view token, TimePoint now,
                                           const std::filesystem::path& export_folder);

// Deletes the zips of exports whose links expired before `now` from
// `export_folder` (part of the scheduled purge). Returns how many files
// went. Errors: database errors.
Result<int> SweepExpiredExports(Store& store, const std::filesystem::path& export_folder,
                                TimePoint now);

// The zip entry name of a photo: "<id>-<file name>" with the file name
// taken from the last component of `location` (after any '/' or '\'),
// reduced to ASCII letters, digits, '.', '-', '_' (others become '_'),
// without leading dots, at most 100 bytes; "photo" when nothing is left.
// Never contains a path separator or "..": no entry can leave the folder it
// is extracted into.
std::string EntryName(PhotoId id, std::string_view location);

// --- notification ------------------------------------------------------------------

// Sends a plain-text e-mail through the relay. Errors: kInvalidArgument (an
// address or subject with line breaks or without '@'), kIo (connection,
// a refusal by the relay, with its reply).
Result<void> SendMail(const NotifyOptions& options, std::string_view to, std::string_view subject,
                      std::string_view body);

// POSTs `json` to an http:// URL; a 2xx answer is success. Errors:
// kInvalidArgument (not an http URL), kIo (connection, other status).
Result<void> PostWebhook(std::string_view url, std::string_view json, int timeout_ms = 10000);

// --- retention -------------------------------------------------------------------------

// Sets retention periods (days, or empty for no limit) by kind of data, all
// or none: every period is checked (CheckRetentionDays) before any is
// stored. Returns the policy in force afterwards. Errors: kInvalidArgument,
// the store's.
Result<RetentionPolicy> SetRetention(
    Store& store, const std::vector<std::pair<RetentionKind, std::optional<int>>>& periods,
    std::string_view actor);

// PrivacyStore::Purge with the stored periods (PrivacyStore::Retention);
// what the server schedules and `facetag purge` runs.
Result<PurgeReport> PurgeNow(Store& store, TimePoint now, bool dry_run, std::string_view actor);

}  // namespace facetag::privacy
