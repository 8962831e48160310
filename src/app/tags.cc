// The names written into a photo: one builder, fed from the archive's
// committed state (or, in a dry run of a photo the archive does not know, from
// the fresh decisions that would be stored).
#include <ctime>
#include <set>

#include "app_internal.h"
#include "facetag/hash.h"

namespace facetag::app {
namespace {

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// The photo as the archive would hold it after storing `r`.
StoredPhoto Unstored(const Recognition& r, std::string_view location) {
  StoredPhoto photo;
  photo.info.location = std::string(location);
  photo.info.width = r.width;
  photo.info.height = r.height;
  photo.info.exif_orientation = r.exif_orientation;
  photo.info.caption = r.text.caption;
  const std::string now = UtcNow();
  for (const RecognizedFace& f : r.faces) {
    if (f.decision.decision == FaceDecision::kSuppressed) continue;
    StoredFace face;
    face.detected = f.face;
    face.tag = TagOf(f.decision);
    face.status = StatusOf(f.decision);
    face.updated_at = now;
    photo.faces.push_back(std::move(face));
  }
  for (const captions::Mention& m : r.mentions) {
    photo.mentions.push_back({m.person, m.begin, m.end, m.text, captions::MentionKindName(m.kind)});
  }
  return photo;
}

}  // namespace

Result<metadata::TagSet> App::BuildTags(const StoredPhoto& photo) {
  metadata::TagSet tags;
  tags.width = photo.info.width;
  tags.height = photo.info.height;
  tags.exif_orientation = photo.info.exif_orientation;
  std::set<PersonId> listed;
  for (const StoredFace& face : photo.faces) {
    if (!face.tag.person) continue;
    FACETAG_ASSIGN_OR_RETURN(Person person, store_.GetPerson(*face.tag.person));
    listed.insert(person.id);
    metadata::PicturedPerson p;
    p.name = person.name;
    p.uri = person.uri;
    // Clipped to the photo: the file describes the visible part of a face.
    p.box = ClipToFrame(face.detected.box, static_cast<float>(tags.width),
                        static_cast<float>(tags.height));
    p.provenance.origin = face.status == TagStatus::kConfirmed ? metadata::TagOrigin::kConfirmed
                                                               : metadata::TagOrigin::kAutomatic;
    p.provenance.similarity = face.tag.similarity.value_or(0.0f);
    p.provenance.model_id = face.detected.embedding.model_id;
    p.provenance.tagged_at = face.updated_at;
    tags.pictured.push_back(std::move(p));
  }
  for (const PhotoMention& m : photo.mentions) {
    if (!listed.insert(m.person).second) continue;  // pictured, or mentioned before
    FACETAG_ASSIGN_OR_RETURN(Person person, store_.GetPerson(m.person));
    tags.mentioned.push_back({person.name, person.uri});
  }
  return tags;
}

Result<metadata::TagSet> App::ArchivedTags(PhotoId id) {
  FACETAG_ASSIGN_OR_RETURN(StoredPhoto photo, store_.archive().GetPhoto(id));
  return BuildTags(photo);
}

Result<metadata::WriteReport> App::WriteTags(PhotoId id, const metadata::WriteOptions& options) {
  FACETAG_ASSIGN_OR_RETURN(StoredPhoto photo, store_.archive().GetPhoto(id));
  if (photo.info.failure) {
    return Fail(ErrorCode::kInvalidArgument,
                "photo " + std::to_string(id) + " could not be processed; nothing to write");
  }
  FACETAG_ASSIGN_OR_RETURN(metadata::TagSet tags, BuildTags(photo));
  FACETAG_ASSIGN_OR_RETURN(metadata::WriteReport report,
                           files_.WriteTags(photo.info.location, tags, options));
  // The file now says what this version of the archive's names says (a
  // sidecar counts: it is where this photo's names live).
  if (!options.dry_run) {
    FACETAG_RETURN_IF_ERROR(store_.archive().MarkNamesWritten(id, photo.names_version));
  }
  return report;
}

Result<TaggedPhoto> App::Tag(std::string_view location, vision::FaceAnalyzer& analyzer,
                             const TagOptions& options) {
  TaggedPhoto tagged;
  FACETAG_ASSIGN_OR_RETURN(std::vector<unsigned char> bytes,
                           files_.Read(location, options_.max_photo_bytes));
  metadata::ReadOptions read_options;
  read_options.read_sidecar = options.target == metadata::WriteTarget::kSidecar;
  FACETAG_ASSIGN_OR_RETURN(tagged.text, files_.ReadText(location, read_options));
  metadata::WriteOptions write_options;
  write_options.target = options.target;
  write_options.dry_run = options.dry_run;

  bool archived_here = false;  // the file written is the one the archive knows
  if (options.dry_run) {
    // Nothing is stored: the archive's state when it knows the photo, else
    // what ingest would store.
    tagged.ingest.identity = PhotoIdentity(bytes);
    tagged.ingest.location = std::string(location);
    FACETAG_ASSIGN_OR_RETURN(auto known, store_.archive().FindPhoto(tagged.ingest.identity));
    if (known && !known->failure) {
      tagged.ingest.id = known->id;
      FACETAG_ASSIGN_OR_RETURN(tagged.photo, store_.archive().GetPhoto(known->id));
      tagged.photo.info.location = std::string(location);
    } else {
      FACETAG_ASSIGN_OR_RETURN(Recognition r, Recognize(location, bytes, analyzer,
                                                        read_options.read_sidecar));
      tagged.photo = Unstored(r, location);
      tagged.ingest.outcome = IngestOutcome::kIngested;
    }
  } else {
    IngestOptions ingest;
    ingest.actor = options.actor;
    FACETAG_ASSIGN_OR_RETURN(tagged.ingest, IngestPhoto(location, bytes, analyzer, ingest));
    if (tagged.ingest.outcome == IngestOutcome::kFailed || !tagged.ingest.id) return tagged;
    FACETAG_ASSIGN_OR_RETURN(tagged.photo, store_.archive().GetPhoto(*tagged.ingest.id));
    if (tagged.photo.info.failure) {
      tagged.ingest.outcome = IngestOutcome::kFailed;
      tagged.ingest.error = tagged.photo.info.failure;
      return tagged;
    }
    // Written to the file as given, wherever the archive saw the photo first.
    archived_here = tagged.photo.info.location == location;
    tagged.photo.info.location = std::string(location);
  }
  std::vector<Decision> decisions;
  for (const StoredFace& face : tagged.photo.faces) decisions.push_back(DecisionOf(face));
  std::vector<PersonId> mentioned;
  for (const PhotoMention& m : tagged.photo.mentions) mentioned.push_back(m.person);
  tagged.presence = Reconcile(decisions, mentioned);
  FACETAG_ASSIGN_OR_RETURN(metadata::TagSet tags, BuildTags(tagged.photo));
  FACETAG_ASSIGN_OR_RETURN(tagged.write, files_.WriteTags(location, tags, write_options));
  if (archived_here) {
    FACETAG_RETURN_IF_ERROR(
        store_.archive().MarkNamesWritten(tagged.photo.id, tagged.photo.names_version));
  }
  return tagged;
}

}  // namespace facetag::app
