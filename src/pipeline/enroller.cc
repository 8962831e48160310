#include <cstdio>
#include <string>

#include "facetag/file_io.h"
#include "facetag/hash.h"
#include "facetag/pipeline.h"

namespace facetag::pipeline {
namespace {

std::string DescribeBox(const FaceBox& b) {
  char text[96];
  std::snprintf(text, sizeof text, "at x=%.0f y=%.0f, %.0fx%.0f px", b.x, b.y, b.width, b.height);
  return text;
}

std::string Similarity(float s) {
  char text[16];
  std::snprintf(text, sizeof text, "%.3f", s);
  return text;
}

}  // namespace

Result<const Recognizer*> Enroller::ListFor(const Person& person) {
  if (!list_ || list_loaded_for_ != person.id) {
    auto loaded = Recognizer::Load(store_, pack_);
    if (!loaded) return tl::unexpected(loaded.error());
    list_ = std::move(*loaded);
    list_loaded_for_ = person.id;
  }
  return &*list_;
}

Result<EnrollOutcome> Enroller::Enroll(const Person& person, const EnrollRequest& request) {
  const std::string name = request.photo.string();
  auto bytes = ReadFileBytes(request.photo, 512ull << 20);
  if (!bytes) return tl::unexpected(bytes.error());
  const std::string photo_hash = Sha256Hex(*bytes);

  DetectedFace face;
  if (request.box) {
    auto boxed = analyzer_.AnalyzeBox(*bytes, *request.box);
    if (!boxed) return Fail(boxed.error().code, name + ": " + boxed.error().message);
    face = std::move(*boxed);
  } else {
    auto photo = analyzer_.Analyze(*bytes);
    if (!photo) return Fail(photo.error().code, name + ": " + photo.error().message);
    const auto& faces = photo->faces;
    if (faces.empty()) return Fail(ErrorCode::kNoFace, name + ": no face found");
    if (request.face_number) {
      const int n = *request.face_number;
      if (n < 1 || n > static_cast<int>(faces.size())) {
        return Fail(ErrorCode::kInvalidArgument, name + ": face " + std::to_string(n) +
                                                     " does not exist; the photo has " +
                                                     std::to_string(faces.size()) + " face(s)");
      }
      face = faces[n - 1];
    } else if (faces.size() > 1) {
      std::string list;
      for (std::size_t i = 0; i < faces.size(); ++i) {
        list += "\n  face " + std::to_string(i + 1) + " " + DescribeBox(faces[i].box);
      }
      return Fail(ErrorCode::kAmbiguousFace,
                  name + ": " + std::to_string(faces.size()) +
                      " faces found; choose one with --face N or --box X,Y,W,H:" + list);
    } else {
      face = faces[0];
    }
  }

  auto profiles = store_.ProfilesOf(person.id);
  if (!profiles) return tl::unexpected(profiles.error());
  EnrollOutcome outcome;
  outcome.box = face.box;
  for (const Profile& p : *profiles) {
    if (p.photo_sha256 == photo_hash && IntersectionOverUnion(p.box, face.box) > 0.5f) {
      return Fail(ErrorCode::kAlreadyExists,
                  name + ": this face is already a profile of " + person.name);
    }
    if (p.embedding.model_id != face.embedding.model_id) continue;
    const float s = CosineSimilarity(p.embedding.values, face.embedding.values);
    if (!outcome.resemblance || s > *outcome.resemblance) outcome.resemblance = s;
  }

  if (!request.force) {
    // Below the similarity that only 1 in 100 pairs of different people
    // reach, the photo most likely shows someone else.
    const float resemblance_floor = pack_.thresholds.SimilarityAt(pack_.thresholds.enrol_resemblance_far);
    if (outcome.resemblance && *outcome.resemblance < resemblance_floor) {
      return Fail(ErrorCode::kRejected,
                  name + ": the face does not resemble " + person.name + "'s " +
                      std::to_string(profiles->size()) + " other profile(s) (best similarity " +
                      Similarity(*outcome.resemblance) + " < " + Similarity(resemblance_floor) +
                      "); likely a wrong photo (use --force to enrol anyway)");
    }
    // A face that the list would already name as somebody else.
    auto recognizer = ListFor(person);
    if (!recognizer) return tl::unexpected(recognizer.error());
    for (const gallery::Candidate& c : (*recognizer)->matcher().Rank(face.embedding, 3)) {
      if (c.person == person.id || c.similarity < (*recognizer)->threshold()) continue;
      if (outcome.resemblance && *outcome.resemblance >= c.similarity) continue;
      const Person* other = (*recognizer)->FindPerson(c.person);
      return Fail(ErrorCode::kRejected,
                  name + ": the face looks like " + (other ? other->name : "another person") +
                      " (similarity " + Similarity(c.similarity) + "), who is on the list; " +
                      "not enrolled as " + person.name + " (use --force to enrol anyway)");
    }
  }

  Profile profile;
  profile.person_id = person.id;
  profile.embedding = face.embedding;
  profile.photo_sha256 = photo_hash;
  profile.box = face.box;
  auto id = store_.AddProfile(profile, request.actor);
  if (!id) return tl::unexpected(id.error());
  outcome.profile = *id;
  return outcome;
}

}  // namespace facetag::pipeline
