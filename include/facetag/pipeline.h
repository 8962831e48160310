// From photo files to named faces: recognition against the list, enrolment
// of new profiles, and parallel analysis of many files.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <vector>

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
};

// The list as loaded from the store for one model pack: persons, their
// profiles in a matcher, and the threshold for the list's size.
//
// Thread safety: immutable after Load; Recognize may run concurrently.
class Recognizer {
 public:
  // Errors: kDatabase from the store.
  static Result<Recognizer> Load(Store& store, const ModelPack& pack,
                                 const gallery::MatchPolicy& policy = {});

  // Matches every face of `photo`, in the photo's face order.
  std::vector<FaceRecognition> Recognize(const PhotoFaces& photo) const;

  float threshold() const { return threshold_; }
  float margin() const { return margin_; }
  const gallery::Matcher& matcher() const { return matcher_; }
  // The person with `id`, or nullptr.
  const Person* FindPerson(PersonId id) const;

 private:
  gallery::Matcher matcher_;
  std::map<PersonId, Person> persons_;
  float threshold_ = 1;
  float margin_ = 0;
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
  Store& store_;
  vision::FaceAnalyzer& analyzer_;
  const ModelPack& pack_;
};

// The image files under `root` (recursively, sorted; by extension: jpg, jpeg,
// png, tif, tiff, webp, bmp), or `root` itself when it is a file.
Result<std::vector<std::filesystem::path>> ListPhotoFiles(const std::filesystem::path& root);

// Analyses `files` on `workers` threads, each with its own FaceAnalyzer.
// `on_done` is called once per file, serialised (never concurrently), in
// completion order. A file that fails is reported through `on_done`; it does
// not stop the others. Errors: only failures to create the analyzers.
Result<void> AnalyzeFiles(
    const std::vector<std::filesystem::path>& files, int workers, const ModelPack& pack,
    const vision::AnalyzerOptions& options,
    const std::function<void(std::size_t index, Result<PhotoFaces> result)>& on_done);

}  // namespace facetag::pipeline
