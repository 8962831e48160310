// From photo files to named faces: recognition against the list, enrolment
// of new profiles, and parallel analysis of many files.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "facetag/captions.h"
#include "facetag/gallery.h"
#include "facetag/model_pack.h"
#include "facetag/person.h"
#include "facetag/store.h"
#include "facetag/vision.h"

namespace facetag::pipeline {

// A face and what the list says about it.
struct FaceRecognition {
  DetectedFace face;
  gallery::Match match;
  std::optional<Person> person;  // set when the face is recognized
  // Named only thanks to a caption mention (its similarity lies between the
  // lowered threshold and the list threshold).
  bool by_mention = false;
  // The face matches an opted-out person's suppression template: it names
  // nobody (no candidates are kept), and ingest does not store it.
  bool suppressed = false;
};

// The list as loaded from the store for one model pack: persons, their
// profiles in a matcher, the threshold for the list's size, and the names
// captions are searched for.
//
// Thread safety: immutable after Load; Recognize may run concurrently.
class Recognizer {
 public:
  // The suppression templates of the pack's model are loaded too
  // (PrivacyStore::SuppressionTemplates): a face matching one is never named.
  // Errors: kDatabase from the store; the secret key's errors when
  // suppression records exist but cannot be read (tagging then stops rather
  // than tag persons who opted out).
  static Result<Recognizer> Load(Store& store, const ModelPack& pack,
                                 const gallery::MatchPolicy& policy = {});

  // Names the faces of `photo`, in the photo's face order, by the rule of
  // captions::NameFaces: the best person must clear the threshold and the
  // margin, one face per person. Persons in `mentioned` (named by the
  // photo's caption) get the threshold lowered towards the pack's mention
  // floor, never below it.
  std::vector<FaceRecognition> Recognize(const PhotoFaces& photo,
                                         const std::vector<PersonId>& mentioned = {}) const;

  float threshold() const { return threshold_; }
  float margin() const { return margin_; }
  float mention_floor() const { return mention_floor_; }
  const gallery::Matcher& matcher() const { return matcher_; }
  const captions::MentionFinder& mention_finder() const { return *mention_finder_; }
  const gallery::SuppressionList& suppression() const { return suppression_; }
  // The person with `id`, or nullptr.
  const Person* FindPerson(PersonId id) const;

 private:
  gallery::Matcher matcher_;
  gallery::SuppressionList suppression_;
  std::map<PersonId, Person> persons_;
  std::shared_ptr<const captions::MentionFinder> mention_finder_;
  float threshold_ = 1;
  float margin_ = 0;
  float mention_floor_ = 1;
};

// How to choose the face of an enrolment photo.
struct EnrollRequest {
  std::filesystem::path photo;
  // 1-based, in the photo's face order (left to right); needed when the
  // photo shows several faces.
  std::optional<int> face_number;
  // Or a box drawn by the editor (displayed pixels); the detector is skipped.
  std::optional<FaceBox> box;
  // Skip the resemblance checks (an editor who knows better).
  bool force = false;
  // Who enrols, for the audit log; empty: the store's actor.
  std::string actor{};
};

struct EnrollOutcome {
  ProfileId profile = 0;
  FaceBox box;
  // Best similarity to the person's earlier profiles; none for the first.
  std::optional<float> resemblance;
};

// Adds profiles to listed persons from their photos, refusing photos that
// would make the list worse.
//
// Thread safety: not thread-safe (uses a FaceAnalyzer).
class Enroller {
 public:
  Enroller(Store& store, vision::FaceAnalyzer& analyzer, const ModelPack& pack)
      : store_(store), analyzer_(analyzer), pack_(pack) {}

  // Errors: kNoFace (no face found), kAmbiguousFace (several faces and none
  // chosen; the message lists them), kInvalidArgument (face number out of
  // range), kAlreadyExists (this face of this photo is already a profile),
  // kRejected (the face does not resemble the person's other profiles, or
  // resembles another listed person more), plus decoding and store errors.
  Result<EnrollOutcome> Enroll(const Person& person, const EnrollRequest& request);

 private:
  // The list as the look-alike check sees it. Loaded once for a series of
  // photos of one person: their own new profiles do not matter to the check
  // (it skips the person), so only enrolling someone else reloads it.
  Result<const Recognizer*> ListFor(const Person& person);

  Store& store_;
  vision::FaceAnalyzer& analyzer_;
  const ModelPack& pack_;
  std::optional<Recognizer> list_;
  PersonId list_loaded_for_ = 0;
};

// The image files under `root` (recursively, sorted; by extension: jpg, jpeg,
// png, tif, tiff, webp, bmp), or `root` itself when it is a file.
Result<std::vector<std::filesystem::path>> ListPhotoFiles(const std::filesystem::path& root);

// Runs `work(analyzer, index)` for every index in [0, count) on `workers`
// threads, each with its own FaceAnalyzer; `work` runs concurrently on
// different indices and must synchronise what it shares. OpenCV is set to
// one thread per network call while more than one worker runs. Errors: only
// failures to create the analyzers (before any work starts).
Result<void> ForEachInParallel(
    std::size_t count, int workers, const ModelPack& pack, const vision::AnalyzerOptions& options,
    const std::function<void(vision::FaceAnalyzer& analyzer, std::size_t index)>& work);

// Analyses `files` on `workers` threads, each with its own FaceAnalyzer.
// `on_done` is called once per file, serialised (never concurrently), in
// completion order. A file that fails is reported through `on_done`; it does
// not stop the others. Errors: only failures to create the analyzers.
Result<void> AnalyzeFiles(
    const std::vector<std::filesystem::path>& files, int workers, const ModelPack& pack,
    const vision::AnalyzerOptions& options,
    const std::function<void(std::size_t index, Result<PhotoFaces> result)>& on_done);

}  // namespace facetag::pipeline
