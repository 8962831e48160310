// Photo metadata: what a photo's caption says, and writing the names of the
// persons it shows back into the photo (IPTC Extension + MWG face regions).
//
// Reading looks at IPTC IIM, XMP and EXIF; writing changes XMP only. exiv2
// stays behind this header: its exceptions become Errors.
//
// What WritePersonTags writes (paths as exiftool shows them; the prefix
// `facetag` stands for kFacetagNamespace):
//
//   Iptc4xmpExt:PersonInImage            bag of names of the pictured persons
//   Iptc4xmpExt:PersonInImageWDetails    bag of {PersonId: bag [uri],
//                                                PersonName: lang-alt x-default}
//   Iptc4xmpExt:ImageRegion              bag of {RegionBoundary: {rbShape rectangle,
//                                                rbUnit relative, rbX, rbY, rbW, rbH
//                                                (top-left corner and size)},
//                                                rId, Name, rCtype (human),
//                                                PersonInImage, PersonInImageWDetails,
//                                                facetag:PersonId}
//   mwg-rs:Regions                       {AppliedToDimensions {w, h, unit pixel},
//                                         RegionList: bag of {Area {x, y (centre),
//                                         w, h, unit normalized}, Type Face, Name,
//                                         Extensions {facetag:PersonId}}}
//   facetag:Version                      layout version, "1"
//   facetag:Pictured                     bag of {Name, PersonId, Origin, Similarity,
//                                         ModelId, TaggedAt, AddedName}
//   facetag:MentionedNotPictured         bag of {Name, PersonId}
//
// Regions refer to the image as stored (before EXIF orientation), in both
// schemes. A region is facetag's when it holds facetag:PersonId; a
// PersonInImageWDetails entry is facetag's when its PersonId is a person of
// facetag:Pictured or of the TagSet being written (facetag's URIs are its
// own); a PersonInImage name is facetag's when facetag:AddedName says facetag
// added it (a name typed by someone else is never duplicated or removed).
// Everything else belongs to someone else and is kept.
//
// Thread safety: the functions may be called from several threads for
// different files; their exiv2 calls are serialised inside (exiv2 0.27's XMP
// toolkit is not thread-safe). Two calls writing the same file at once are
// not coordinated: the later rename wins, and the other call fails if it
// notices the file changed under it. The module sets exiv2's process-wide
// state once: its log is muted and the IPTC Extension namespace gets its
// standard prefix "Iptc4xmpExt" (exiv2 0.27 says "iptcExt").
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "facetag/result.h"
#include "facetag/types.h"

namespace facetag::metadata {

// The XMP namespace of facetag's own properties. An identifier, never
// fetched; it must not change once photos carry it (the ".example" domain is
// reserved, RFC 2606, so it cannot collide with anybody's namespace).
inline constexpr const char* kFacetagNamespace = "https://facetag.example/ns/1.0/";
// The prefix facetag registers for kFacetagNamespace (readers match the URI).
inline constexpr const char* kFacetagPrefix = "facetag";

// ---------------------------------------------------------------------------
// EXIF orientation

struct PixelSize {
  int width = 0;
  int height = 0;
};

// The size of the image as stored, given its displayed size: orientations 5-8
// (a quarter turn) swap width and height. Values outside 1-8 count as 1.
PixelSize StoredSize(int displayed_width, int displayed_height, int exif_orientation);

// Maps a box in displayed pixels (EXIF orientation applied, as the vision
// module reports faces) to the same pixels in the image as stored. The
// displayed size is that of the whole photo. Orientation meanings follow EXIF
// 2.32 tag 0x0112 (1 normal, 2 mirrored, 3 half turn, 4 flipped, 5 transposed,
// 6 quarter turn clockwise to display, 7 transverse, 8 quarter turn
// counter-clockwise); values outside 1-8 count as 1. Pure function.
FaceBox DisplayedToStored(const FaceBox& box, int displayed_width, int displayed_height,
                          int exif_orientation);

// The inverse of DisplayedToStored: a box in stored pixels to displayed pixels.
FaceBox StoredToDisplayed(const FaceBox& box, int stored_width, int stored_height,
                          int exif_orientation);

// ---------------------------------------------------------------------------
// What a file says about itself

// Where the caption came from.
enum class CaptionSource {
  kNone,                  // no caption anywhere
  kIptcCaption,           // IPTC IIM 2:120 Caption-Abstract
  kXmpDescription,        // XMP dc:description (x-default, else the first language)
  kExifImageDescription,  // EXIF IFD0 ImageDescription
};

// "none", "iptc", "xmp", "exif".
const char* CaptionSourceName(CaptionSource source);

// Where a person's name was found in the file.
enum class PersonSource {
  kPersonInImage,          // Iptc4xmpExt:PersonInImage
  kPersonInImageWDetails,  // Iptc4xmpExt:PersonInImageWDetails PersonName
  kImageRegion,            // an Iptc4xmpExt:ImageRegion's Name or persons
  kMwgRegion,              // an mwg-rs region of Type Face
};

// A person the file already names.
struct NamedPerson {
  std::string name;
  std::string uri;                    // a PersonId found for the name, else empty
  std::vector<PersonSource> sources;  // every place the name occurs, no repeats
  bool written_by_facetag = false;    // listed in facetag:Pictured
};

// Whether facetag decided a name or a person confirmed it.
enum class TagOrigin { kAutomatic, kConfirmed };

// "automatic", "confirmed".
const char* TagOriginName(TagOrigin origin);

// Why a name is in the photo.
struct TagProvenance {
  TagOrigin origin = TagOrigin::kAutomatic;
  float similarity = 0;   // cosine similarity of the match, in [-1, 1]
  std::string model_id;   // the model pack that computed the embedding
  std::string tagged_at;  // when the decision was made: UTC, ISO 8601
                          // ("2024-05-01T12:00:00Z"); may be empty
};

// A listed person facetag recognised in the photo.
struct PicturedPerson {
  std::string name;  // display name, written as is (UTF-8)
  std::string uri;   // the person's stable PersonId ("urn:uuid:..."); required
  FaceBox box;       // the face, displayed pixels; clipped to the photo
  TagProvenance provenance;
};

// A listed person the caption names who is not in the picture.
struct MentionedPerson {
  std::string name;
  std::string uri;
};

// Everything facetag writes into one photo. Writing a TagSet replaces what
// facetag wrote before; an empty TagSet removes facetag's entries.
struct TagSet {
  int width = 0;             // displayed width of the photo, pixels (after orientation)
  int height = 0;            // displayed height
  int exif_orientation = 1;  // 1-8, as the vision module read it
  std::vector<PicturedPerson> pictured;
  std::vector<MentionedPerson> mentioned;  // mentioned, not pictured
};

// The text of a photo and the persons it already names.
struct PhotoText {
  std::string caption;  // UTF-8; empty when there is none
  CaptionSource caption_source = CaptionSource::kNone;
  std::string headline;               // IPTC Headline, else XMP photoshop:Headline
  std::vector<std::string> keywords;  // IPTC Keywords, else XMP dc:subject
  // ISO 8601 as precise as the file is: "2012-12-06", "2012-12-06T15:46:01",
  // "2012-12-06T15:46:01+01:00". From IPTC DateCreated (+ TimeCreated), else
  // XMP photoshop:DateCreated, else EXIF DateTimeOriginal; empty when absent.
  std::string date_created;
  int exif_orientation = 1;          // 1-8; 1 when absent or invalid
  std::vector<NamedPerson> persons;  // in order of first appearance
  // What facetag wrote earlier, boxes mapped back to displayed pixels with
  // the file's orientation and size; empty `pictured`/`mentioned` when none.
  TagSet facetag;
  bool from_sidecar = false;  // the XMP came from the sidecar, not the photo
  // Problems that did not stop the reading, for a person to read, e.g. an
  // XMP packet that cannot be parsed (its fields are then missing).
  std::vector<std::string> warnings;
};

// SHA-256 (hex) of the text a photo gives the archive: caption and its
// source, headline, keywords, date. Tags facetag writes are not part of it,
// so writing them keeps it; editing the caption changes it.
std::string PhotoTextIdentity(const PhotoText& text);

struct ReadOptions {
  // Reads XMP from the sidecar (SidecarPath) instead of the photo's own XMP
  // when the sidecar exists. IPTC IIM and EXIF always come from the photo.
  // Default false.
  bool read_sidecar = false;
};

// The XMP sidecar of a photo: the same name with the extension ".xmp"
// ("a/photo.jpg" -> "a/photo.xmp", the Adobe convention).
std::filesystem::path SidecarPath(const std::filesystem::path& photo);

// Reads caption, headline, keywords, date, orientation and named persons.
// Text in IPTC IIM is UTF-8 when its bytes are valid UTF-8 (declared or not),
// else Latin-1 (Windows-1252 in 0x80-0x9F), and Latin-1 when the record
// declares ISO 8859-1; EXIF text likewise. XMP that cannot be parsed (in the
// photo or the sidecar) is skipped with a warning.
// Errors: kNotFound, kInvalidArgument (not a regular file, above 512 MiB),
// kIo, kUnsupportedFormat (not an image exiv2 reads metadata from),
// kCorruptImage (damaged or cut-off metadata structure).
Result<PhotoText> ReadPhotoText(const std::filesystem::path& photo,
                                const ReadOptions& options = {});

// ---------------------------------------------------------------------------
// Writing

enum class WriteTarget {
  kInPlace,  // the photo itself, atomically (temp file, fsync, rename)
  kSidecar,  // SidecarPath(photo); the photo is not touched. A new sidecar
             // starts from the photo's own XMP, an existing one is updated.
};

struct WriteOptions {
  WriteTarget target = WriteTarget::kInPlace;
  // Computes the report without writing anything. Default false.
  bool dry_run = false;
  // Test hook, called with the complete, fsynced temp file just before it is
  // renamed over the target. An error from it aborts the write like any other
  // failure: the temp file is removed, the target is untouched, the error is
  // returned. Empty by default.
  std::function<Result<void>(const std::filesystem::path& temp_file)> before_rename;
};

// What a write changed (or, in a dry run, would change).
struct WriteReport {
  std::filesystem::path target;            // the file written or to be written
  bool changed = false;                    // the target's XMP differs from before; false when the
                                           // file already holds exactly this TagSet
  bool written = false;                    // the target was replaced (never in a dry run, nor
                                           // when nothing changed)
  std::vector<std::string> names_added;    // pictured names new in the file
  std::vector<std::string> names_removed;  // facetag's names no longer there
  std::vector<std::string> mentioned_added;
  std::vector<std::string> mentioned_removed;
  int regions_written = 0;       // facetag's face regions now in the file (one
                                 // IPTC ImageRegion and one MWG region per person)
  int regions_removed = 0;       // facetag's regions of persons no longer pictured
                                 // (counted per person, as above)
  int foreign_regions_kept = 0;  // regions of others kept (IPTC + MWG entries)
};

// Writes `tags` into the photo's XMP (or its sidecar), replacing what facetag
// wrote before and keeping everything else. JPEG files are changed only in
// their XMP segment: every other byte, the image data included, stays as it
// was. Other formats exiv2 writes (TIFF, PNG, WebP, ...) are rewritten by
// exiv2. The write is skipped when the result would equal the file
// (idempotent). On any failure the original is unchanged and no temp file is
// left behind. A read-only photo is refused.
// Errors: kInvalidArgument (bad TagSet: no size, orientation outside 1-8, a
// size or orientation that differs from the file's, empty name or uri, the
// same uri twice, a box outside the photo, a non-finite number), kNotFound,
// kIo (read-only target, file changed while writing, disk full, rename
// failed), kUnsupportedFormat (not an image exiv2 writes; an XMP packet too
// large for one JPEG segment; a person property of another writer in a shape
// facetag cannot extend without loss), kCorruptImage (damaged metadata;
// existing XMP that exiv2 cannot parse or write back without change), or
// whatever `before_rename` returned.
Result<WriteReport> WritePersonTags(const std::filesystem::path& photo, const TagSet& tags,
                                    const WriteOptions& options = {});

}  // namespace facetag::metadata
