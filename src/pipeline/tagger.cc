#include "facetag/tagger.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "facetag/file_io.h"

namespace facetag::pipeline {

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

Result<PhotoTagging> Tagger::Inspect(const std::filesystem::path& photo, bool read_sidecar) {
  auto bytes = ReadFileBytes(photo, vision::DecodeOptions{}.max_file_bytes);
  if (!bytes) return tl::unexpected(bytes.error());
  return Inspect(photo, *bytes, read_sidecar);
}

Result<PhotoTagging> Tagger::Inspect(const std::filesystem::path& photo,
                                     std::span<const unsigned char> bytes, bool read_sidecar) {
  PhotoTagging t;
  t.photo = photo;
  metadata::ReadOptions read_options;
  read_options.read_sidecar = read_sidecar;
  auto text = metadata::ReadPhotoText(photo, read_options);
  if (!text) return Fail(text.error().code, photo.string() + ": " + text.error().message);
  t.text = std::move(*text);
  auto faces = analyzer_.Analyze(bytes);
  if (!faces) return Fail(faces.error().code, photo.string() + ": " + faces.error().message);
  t.width = faces->width;
  t.height = faces->height;

  t.mentions = recognizer_.mention_finder().Find(t.text.caption);
  t.faces = recognizer_.Recognize(*faces, captions::MentionedPersons(t.mentions));
  std::vector<captions::FaceOutcome> outcomes;
  for (const FaceRecognition& f : t.faces) {
    outcomes.push_back({f.person ? std::optional<PersonId>(f.person->id) : std::nullopt,
                        f.match.best ? f.match.best->similarity : 0.0f});
  }
  t.reconciliation = captions::Reconcile(outcomes, t.mentions);

  t.tags.width = faces->width;
  t.tags.height = faces->height;
  t.tags.exif_orientation = faces->exif_orientation;
  const std::string now = UtcNow();
  for (const captions::PersonPresence& p : t.reconciliation.persons) {
    const Person* person = recognizer_.FindPerson(p.person);
    if (!person) continue;
    if (p.presence == captions::Presence::kMentionedNotPictured) {
      t.tags.mentioned.push_back({person->name, person->uri});
      continue;
    }
    const FaceRecognition& face = t.faces[*p.face];
    metadata::PicturedPerson pictured;
    pictured.name = person->name;
    pictured.uri = person->uri;
    // Boxes may reach past the frame (faces cut by the edge); the photo's
    // metadata describes the visible part.
    pictured.box =
        ClipToFrame(face.face.box, static_cast<float>(t.width), static_cast<float>(t.height));
    pictured.provenance.origin = metadata::TagOrigin::kAutomatic;
    pictured.provenance.similarity = p.similarity;
    pictured.provenance.model_id = face.face.embedding.model_id;
    pictured.provenance.tagged_at = now;
    t.tags.pictured.push_back(std::move(pictured));
  }
  return t;
}

Result<PhotoTagging> Tagger::Tag(const std::filesystem::path& photo,
                                 const metadata::WriteOptions& options) {
  auto t = Inspect(photo, options.target == metadata::WriteTarget::kSidecar);
  if (!t) return t;
  auto written = Write(*t, options);
  if (!written) return tl::unexpected(written.error());
  return t;
}

Result<void> Tagger::Write(PhotoTagging& t, const metadata::WriteOptions& options) const {
  // A re-run must not rewrite the file only because the clock moved: keep
  // the time of an earlier identical decision.
  for (metadata::PicturedPerson& p : t.tags.pictured) {
    for (const metadata::PicturedPerson& old : t.text.facetag.pictured) {
      if (old.uri == p.uri && old.provenance.model_id == p.provenance.model_id &&
          std::abs(old.provenance.similarity - p.provenance.similarity) < 1e-4f) {
        p.provenance.tagged_at = old.provenance.tagged_at;
      }
    }
  }
  auto report = metadata::WritePersonTags(t.photo, t.tags, options);
  if (!report) return Fail(report.error().code, t.photo.string() + ": " + report.error().message);
  t.write = std::move(*report);
  return {};
}

}  // namespace facetag::pipeline
