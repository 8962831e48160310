// The use cases of facetag: what editors, the ingest pipeline, customers and
// the privacy officer do, each one call. The command line and the HTTP
// handlers parse their input, call one of these and present the result;
// they hold no rule of their own.
//
// Who a face is, is decided in one place, DecidePhoto (facetag/decision.h);
// the use cases gather its evidence and store what it decides. The names in
// a photo file are written only from the archive's committed state, by
// WriteTags: a fresh recognition goes into the archive first (editors'
// decisions respected), then into the file.
//
// The outside world is reached through seams, each with a fake for tests:
// the Store (Store::OpenInMemory), PhotoFiles (facetag/photo_files.h),
// vision::FaceAnalyzer, and the store's clock.
//
// Errors: every call returns a Result with the codes of docs/errors.md; a
// bad photo during ingest is an outcome, not an error.
//
// Thread safety: an App may be used from several threads at once. The list
// it matches against (List()) is an immutable snapshot, replaced after every
// change made through this App and reloaded by Refresh().
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/archive.h"
#include "facetag/captions.h"
#include "facetag/decision.h"
#include "facetag/discovery.h"
#include "facetag/gallery.h"
#include "facetag/metadata.h"
#include "facetag/model_pack.h"
#include "facetag/person.h"
#include "facetag/photo_files.h"
#include "facetag/privacy.h"
#include "facetag/store.h"
#include "facetag/thread_annotations.h"
#include "facetag/vision.h"

namespace facetag::app {

// ---------------------------------------------------------------------------
// The list as the naming rule sees it

// The list loaded for one model pack: the persons, their profiles in a
// matcher, the opted-out templates, the names captions are searched for, and
// the naming rule's thresholds for this list.
//
// Thread safety: immutable; share it (std::shared_ptr<const ListSnapshot>).
class ListSnapshot {
 public:
  // Errors: kDatabase; the secret key's errors when suppression records
  // exist but cannot be read (tagging then stops rather than tag a person
  // who opted out).
  static Result<ListSnapshot> Load(Store& store, const ModelPack& pack);

  // The evidence for one detected face: its best two persons, its quality,
  // whether it is an opted-out person's. `editors` is left empty.
  FaceEvidence EvidenceFor(const DetectedFace& face) const;
  FaceEvidence EvidenceFor(const std::vector<float>& embedding, const FaceQuality& quality) const;

  // The listed persons the caption names.
  std::vector<captions::Mention> Mentions(std::string_view caption) const;

  const NamingRule& rule() const { return rule_; }
  const gallery::Matcher& matcher() const { return matcher_; }
  const gallery::SuppressionList& suppression() const { return suppression_; }
  const std::string& model_id() const { return matcher_.model_id(); }
  // The person with `id`, or nullptr.
  const Person* FindPerson(PersonId id) const;
  const std::vector<Person>& persons() const { return persons_; }

 private:
  gallery::Matcher matcher_;
  gallery::SuppressionList suppression_;
  std::vector<Person> persons_;  // ordered by id
  std::shared_ptr<const captions::MentionFinder> mention_finder_;
  NamingRule rule_;
};

// ---------------------------------------------------------------------------
// Values the use cases take and give

// One photo as recognised (not stored): what DecidePhoto said about each face.
struct RecognizedFace {
  DetectedFace face;
  Decision decision;
};

struct Recognition {
  int width = 0;  // displayed size, pixels
  int height = 0;
  int exif_orientation = 1;
  metadata::PhotoText text;                // caption and what the file names
  std::vector<captions::Mention> mentions;  // listed persons the caption names
  std::vector<RecognizedFace> faces;        // left to right; opted-out faces included
  std::vector<PersonPresence> presence;     // pictured / mentioned per person
};

enum class IngestOutcome {
  kIngested,  // stored: added, re-ingested with `force`, or its metadata changed
  kSkipped,   // already in the archive, unchanged
  kFailed,    // not processable: stored as failed, `error` says why
};

// "ingested", "skipped", "failed".
const char* IngestOutcomeName(IngestOutcome outcome);

struct IngestOptions {
  bool force = false;           // analyse again photos already in the archive
  bool write_metadata = false;  // then write the archive's names into the photo
  // Where the photo's file is read (its metadata), when not at the location
  // the archive records: an upload held in a private scratch file.
  std::string file;
  metadata::WriteTarget target = metadata::WriteTarget::kInPlace;
  std::string actor = "facetag ingest";  // for the audit log
};

// What ingesting one photo did; counts are what the archive holds.
struct IngestedPhoto {
  IngestOutcome outcome = IngestOutcome::kSkipped;
  std::string identity;  // PhotoIdentity of the bytes
  std::optional<PhotoId> id;
  std::string location;
  std::optional<Error> error;        // kFailed: the photo's problem
  std::optional<Error> write_error;  // write_metadata: the write failed
  std::size_t faces = 0;             // faces stored
  std::size_t named = 0;             // of them, naming a person
  std::size_t suppressed = 0;        // faces of opted-out persons, not stored
  std::size_t low_quality = 0;       // stored, below the naming quality floor
  int kept_decisions = 0;            // re-ingest: editors' decisions carried over
  int dropped_decisions = 0;         // re-ingest: editors' faces no longer found
};

struct IngestSummary {
  std::size_t files = 0;  // photos given
  std::size_t ingested = 0;
  std::size_t skipped = 0;
  std::size_t failed = 0;
  std::size_t faces = 0;  // stored faces of the photos ingested
  std::size_t tagged = 0;
  std::size_t unknown = 0;
  std::size_t suppressed = 0;
  std::size_t low_quality = 0;
  std::size_t not_started = 0;  // left for the next run after a stop
  std::vector<std::pair<std::string, Error>> errors;  // location, what went wrong
};

struct BatchOptions {
  IngestOptions ingest;
  int workers = 2;  // one analyzer each
  // When set to true (a signal), photos not yet started are left for the
  // next run; photos in flight are finished.
  const std::atomic<bool>* stop = nullptr;
  // Called after each photo, serialised: photos done so far, and the total.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// Creates one analyzer per ingest worker (vision::FaceAnalyzer::Create, or a
// fake in tests).
using AnalyzerFactory = std::function<Result<std::unique_ptr<vision::FaceAnalyzer>>()>;

struct RematchOptions {
  // Only changes that name or unname this person are applied (after
  // enrolling or removing them); empty: every change.
  std::optional<PersonId> person;
  int batch = 1000;  // faces per page and per transaction
  bool write_metadata = false;  // rewrite the photos whose names changed
  metadata::WriteTarget target = metadata::WriteTarget::kInPlace;
  std::function<void(std::size_t faces_done)> progress;
};

struct RematchSummary {
  std::size_t faces = 0;    // faces re-decided
  std::size_t changed = 0;  // decisions that changed
  // Faces that stay as editors left them (a confirmation, or an unnamed face
  // whose best person an editor rejected) while the matcher alone would say
  // otherwise.
  std::size_t kept_confirmed = 0;
  std::size_t kept_rejected = 0;
  // Faces changed by somebody else while this rematch ran: left as they are.
  std::size_t conflicts = 0;
  std::vector<PhotoId> changed_photos;  // ascending
  std::vector<std::pair<PhotoId, Error>> write_errors;
};

// After a change to the list: the archive is re-matched at once when it is
// small enough, else the caller is told to run it in the background (the
// server queues a job; the CLI says which command to run).
struct ListFollowUp {
  std::optional<RematchSummary> rematched;  // re-matched at once
  bool deferred = false;                    // too many faces: left to a job
  std::int64_t archived_faces = 0;
};

struct UnlistOutcome {
  Person removed;
  std::vector<PhotoId> photos;  // photos that named or mentioned the person
  std::vector<std::pair<PhotoId, Error>> write_errors;
};

struct EnrolRequest {
  std::string location;  // where the photo was read (recorded with the profile)
  // 1-based, left to right; needed when the photo shows several faces.
  std::optional<int> face_number;
  // Or a box drawn by the editor (displayed pixels); the detector is skipped.
  std::optional<FaceBox> box;
  // An editor who knows better: skips the resemblance and look-alike checks,
  // never the quality floor, the opt-out or the duplicate check.
  bool force = false;
};

struct EnrolOutcome {
  ProfileId profile = 0;
  FaceBox box;
  FaceQuality quality;
  std::optional<float> resemblance;  // best similarity to the earlier profiles
  int profiles = 0;                  // the person's profiles now
};

enum class ReviewAction { kConfirm, kReject };

struct ReviewOutcome {
  PhotoId photo = 0;
  std::vector<PhotoId> changed_photos;  // the photo, when its names changed
  std::optional<metadata::WriteReport> written;
};

struct TagOptions {
  metadata::WriteTarget target = metadata::WriteTarget::kInPlace;
  bool dry_run = false;  // decide and report, store and write nothing
  std::string actor = "facetag tag";
};

// A stored face's decision as the decision core states it (the archive's
// tag and status, and the quality issue of a kLowQuality face), for
// reconciling and presenting stored photos like fresh ones.
Decision DecisionOf(const StoredFace& face);

// A photo tagged: archived first, then written from the archive.
struct TaggedPhoto {
  IngestedPhoto ingest;  // what the archive did (kSkipped when it knew the photo)
  // The photo as written: the archive's committed state (in a dry run of a
  // photo the archive does not know: the fresh decisions, with id 0).
  StoredPhoto photo;
  std::vector<PersonPresence> presence;  // pictured / mentioned per person, as written
  metadata::PhotoText text;  // what the file said before
  std::optional<metadata::WriteReport> write;  // empty when the photo failed
};

// Approving a recurring unknown face (a discovery candidate) as a new person.
struct ApproveRequest {
  NewPerson person;      // name, aliases, justification, criteria: the listing rule applies
  int max_profiles = 5;  // 1-50 of the cluster's best faces become profiles
};

struct ApproveOutcome {
  Person person;
  std::vector<FaceId> profile_faces;  // confirmed as the person, now profiles
  std::vector<std::pair<FaceId, std::string>> skipped_faces;  // not usable as profiles, why
  ListFollowUp follow_up;
};

struct FaceSearchHit {
  PhotoId photo = 0;
  FaceId face = 0;
  std::string location;
  float similarity = 0;
};

// ---------------------------------------------------------------------------
// The use cases

struct AppOptions {
  // Re-match the archive at once after a list change up to this many
  // archived faces; above it, ListFollowUp::deferred.
  std::int64_t inline_rematch_faces = 50'000;
  std::uint64_t max_photo_bytes = 512ull << 20;
};

class App {
 public:
  App(Store& store, const ModelPack& pack, PhotoFiles& files, AppOptions options = {});

  // The current list snapshot (loaded on first use).
  Result<std::shared_ptr<const ListSnapshot>> List() FACETAG_EXCLUDES(mutex_);
  // Drops the snapshot so that the next List() reloads it (after another
  // process changed the list).
  void Refresh() FACETAG_EXCLUDES(mutex_);

  // --- the list ------------------------------------------------------------
  // Lists a person: the listing rule (CheckListing), valid names and aliases,
  // no name an opted-out person had. Errors: kRejected, kInvalidArgument,
  // kAlreadyExists, kDatabase.
  Result<Person> ListPerson(const NewPerson& person, std::string_view actor);
  // Renames or changes justification or criteria; the result must still
  // meet the listing rule.
  Result<Person> UpdatePerson(PersonId id, const PersonUpdate& update, std::string_view actor);
  Result<Person> AddAlias(PersonId id, const std::string& alias, std::string_view actor);
  Result<Person> RemoveAlias(PersonId id, const std::string& alias, std::string_view actor);
  // Removes the person with their profiles; their tags name nobody.
  // `write_metadata`: the photos that named them are rewritten.
  Result<UnlistOutcome> UnlistPerson(PersonId id, std::string_view actor,
                                     bool write_metadata = false);

  // --- enrolment -----------------------------------------------------------
  // Adds a profile from `bytes` (the photo read from `request.location`).
  // Errors: kNoFace, kAmbiguousFace (the message lists the faces),
  // kInvalidArgument (face number), kRejected (quality, opt-out, unlike, a
  // look-alike: the message says which), kAlreadyExists, decoding errors.
  Result<EnrolOutcome> Enrol(PersonId person, std::span<const unsigned char> bytes,
                             const EnrolRequest& request, vision::FaceAnalyzer& analyzer,
                             std::string_view actor);
  // After enrolment or approval: re-matches the archive for the person when
  // it is small enough (AppOptions::inline_rematch_faces).
  Result<ListFollowUp> FollowListChange(PersonId person);

  // --- photos --------------------------------------------------------------
  // Recognises a photo without storing it (facetag recognize, the API's
  // recognise endpoint, a privacy lookup).
  Result<Recognition> Recognize(std::string_view location, std::span<const unsigned char> bytes,
                                vision::FaceAnalyzer& analyzer, bool read_sidecar = false);

  // Ingests one photo (read from `location` through PhotoFiles).
  Result<IngestedPhoto> IngestPhoto(std::string_view location, vision::FaceAnalyzer& analyzer,
                                    const IngestOptions& options);
  // As IngestPhoto, with the bytes already in hand (an upload).
  Result<IngestedPhoto> IngestPhoto(std::string_view location,
                                    std::span<const unsigned char> bytes,
                                    vision::FaceAnalyzer& analyzer, const IngestOptions& options);
  // Ingests many photos on `options.workers` threads. A bad photo is
  // reported and stored as failed; it never stops the batch. Errors: only
  // what prevents starting (analyzers), or a database failure.
  Result<IngestSummary> Ingest(const std::vector<std::string>& locations,
                               const AnalyzerFactory& analyzers, const BatchOptions& options);

  // Archives the photo (as IngestPhoto, without `force`), then writes the
  // archive's names into it: the file always ends up saying what the
  // archive says. A bad photo is an outcome (ingest.outcome kFailed).
  Result<TaggedPhoto> Tag(std::string_view location, vision::FaceAnalyzer& analyzer,
                          const TagOptions& options);

  // Re-decides the archive's faces against the current list from their
  // stored embeddings; no photo is read.
  Result<RematchSummary> Rematch(const RematchOptions& options);

  // An editor's word on a face: confirm that it shows `person`, or reject
  // that it does. The photo's other faces are re-decided with it (one face
  // per person). Errors: kNotFound, kAlreadyExists (the person is confirmed
  // on another face of the photo), kInvalidArgument.
  Result<ReviewOutcome> Review(FaceId face, PersonId person, ReviewAction action,
                               std::string_view actor, bool write_metadata = false,
                               metadata::WriteTarget target = metadata::WriteTarget::kInPlace);

  // Writes the archive's names for photo `id` into its file, replacing what
  // facetag wrote before. Errors: kNotFound, kDatabase, and those of
  // metadata::WritePersonTags.
  Result<metadata::WriteReport> WriteTags(PhotoId id, const metadata::WriteOptions& options = {});
  // What WriteTags writes, for a copy of the photo (an export).
  Result<metadata::TagSet> ArchivedTags(PhotoId id);

  // Archived photos with a face like the main face of the photo in `bytes`,
  // at least `min_similarity` (default: the pack's face-search point), best
  // first, one hit per photo. Errors: kNoFace, decoding errors, kDatabase.
  Result<std::vector<FaceSearchHit>> SearchByFace(std::span<const unsigned char> bytes,
                                                  vision::FaceAnalyzer& analyzer, int limit,
                                                  std::optional<float> min_similarity = {});

  // --- new persons from discovery -------------------------------------------
  // Lists the person (the listing rule, as ListPerson), makes profiles of
  // the cluster's best usable faces (the enrolment quality floor; never an
  // opted-out person's face), confirms them, marks the cluster approved and
  // re-matches the archive for the person (FollowListChange). Errors: those
  // of ListPerson; kNotFound (cluster); kInvalidArgument (cluster not open
  // or held); kRejected (no usable face; a face of an opted-out person).
  Result<ApproveOutcome> ApproveCandidate(ClusterId cluster,
                                          const ApproveRequest& request, std::string_view actor);

  // --- privacy ------------------------------------------------------------------
  // "Am I on the list?" by a photo, analysed in memory and discarded.
  Result<privacy::LookupAnswer> LookupPhoto(std::span<const unsigned char> bytes,
                                            vision::FaceAnalyzer& analyzer);

  Store& store() { return store_; }
  const ModelPack& pack() const { return pack_; }
  PhotoFiles& files() { return files_; }

 private:
  Result<void> ListChanged() FACETAG_EXCLUDES(mutex_);
  // The one builder of the names written into a photo (see WriteTags).
  Result<metadata::TagSet> BuildTags(const StoredPhoto& photo);

  Store& store_;
  const ModelPack& pack_;
  PhotoFiles& files_;
  AppOptions options_;
  Mutex mutex_;
  std::shared_ptr<const ListSnapshot> list_ FACETAG_GUARDED_BY(mutex_);
};

}  // namespace facetag::app
