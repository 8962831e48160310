// WritePersonTags: facetag's tags into a photo's XMP or its sidecar.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "atomic_file.h"
#include "exiv2_support.h"
#include "facetag/file_io.h"
#include "facetag/metadata.h"
#include "jpeg_xmp.h"
#include "xmp_layout.h"

namespace facetag::metadata {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

// Room left in an embedded packet for other tools to edit it in place, as
// the XMP specification recommends (Part 3, 1.1.2: 2 KB).
constexpr unsigned kEmbeddedPadding = 2048;

bool IsReadOnly(const detail::FileStamp& stamp) { return (stamp.mode & 0222) == 0; }

// The photo with `packet` as its XMP, written by exiv2 (formats other than
// JPEG, where exiv2 is the only writer facetag has).
Result<Bytes> WriteWithExiv2(const detail::LoadedPhoto& photo, const std::string& packet,
                             const fs::path& path) {
  std::lock_guard lock(detail::Exiv2Mutex());
  try {
    auto image =
        Exiv2::ImageFactory::open(photo.bytes.data(), static_cast<long>(photo.bytes.size()));
    image->readMetadata();
    image->setXmpPacket(packet);
    image->writeXmpFromPacket(true);
    image->writeMetadata();
    Exiv2::BasicIo& io = image->io();
    if (io.open() != 0) return Fail(ErrorCode::kInternal, "exiv2 cannot reopen its memory buffer");
    const long size = io.size();
    io.seek(0, Exiv2::BasicIo::beg);
    Exiv2::DataBuf buffer = io.read(size);
    io.close();
    if (buffer.size_ != size) return Fail(ErrorCode::kInternal, "short read from exiv2's buffer");
    return Bytes(buffer.pData_, buffer.pData_ + buffer.size_);
  } catch (const Exiv2::AnyError& e) {
    return tl::unexpected(detail::ErrorFromExiv2(e, "cannot write XMP into", path));
  }
}

// Parses the bytes about to replace the photo and checks that they carry
// exactly the intended XMP and, for JPEG, the same image data.
Result<void> VerifyPhotoBytes(const Bytes& bytes, const detail::LoadedPhoto& original,
                              const std::vector<std::string>& intended, const fs::path& path) {
  // The packet was proven to read back before; a rewritten file that reads
  // differently (other XMP, another pixel size, unreadable) is one whose
  // structure exiv2 reads one way and rewrites another: a damaged photo
  // (an IFD chain pointing back into the header, say), not a fault of
  // facetag's.
  auto fail = [&](const std::string& why) {
    return Fail(ErrorCode::kCorruptImage, "the structure of " + path.string() +
                                              " is damaged: rewritten, it " + why +
                                              "; not written");
  };
  std::lock_guard lock(detail::Exiv2Mutex());
  try {
    auto image = Exiv2::ImageFactory::open(bytes.data(), static_cast<long>(bytes.size()));
    image->readMetadata();
    auto xmp = detail::DecodeXmp(image->xmpPacket());
    if (!xmp) return fail("has XMP that cannot be parsed");
    if (detail::CanonicalForm(*xmp) != intended) return fail("does not read back as written");
    if (image->pixelWidth() != original.stored_size.width ||
        image->pixelHeight() != original.stored_size.height) {
      return fail("changed its pixel size");
    }
  } catch (const Exiv2::AnyError& e) {
    return fail(std::string("cannot be read back: ") + e.what());
  }
  if (original.image_type == Exiv2::ImageType::jpeg) {
    auto before = detail::JpegScanData(original.bytes);
    auto after = detail::JpegScanData(bytes);
    if (!before || !after || before->size() != after->size() ||
        std::memcmp(before->data(), after->data(), before->size()) != 0) {
      // facetag's own splice copies the image data: a change is a bug.
      return Fail(ErrorCode::kInternal,
                  "the rewritten " + path.string() + " changed its image data; not written");
    }
  }
  return {};
}

}  // namespace

Result<WriteReport> WritePersonTags(const fs::path& photo_path, const TagSet& raw_tags,
                                    const WriteOptions& options) {
  auto tags = detail::ValidateTagSet(raw_tags);
  if (!tags) return tl::unexpected(tags.error());

  // Write through a symlink to the file it names, not over the link.
  fs::path photo = photo_path;
  std::error_code ec;
  if (fs::is_symlink(photo, ec)) {
    photo = fs::canonical(photo, ec);
    if (ec) {
      return Fail(ErrorCode::kNotFound,
                  "cannot resolve " + photo_path.string() + ": " + ec.message());
    }
  }
  auto photo_stamp = detail::StampFile(photo);
  if (!photo_stamp) return tl::unexpected(photo_stamp.error());
  if (!*photo_stamp) return Fail(ErrorCode::kNotFound, "file not found: " + photo.string());

  auto loaded = detail::LoadPhoto(photo);
  if (!loaded) return tl::unexpected(loaded.error());

  // The boxes are only right for the image they were found in.
  const int orientation = detail::ExifOrientation(loaded->image->exifData());
  if (orientation != tags->exif_orientation) {
    return Fail(ErrorCode::kInvalidArgument,
                "the tags are for EXIF orientation " + std::to_string(tags->exif_orientation) +
                    " but " + photo.string() + " has orientation " + std::to_string(orientation));
  }
  const PixelSize stored = StoredSize(tags->width, tags->height, tags->exif_orientation);
  if (loaded->stored_size.width > 0 &&
      (loaded->stored_size.width != stored.width || loaded->stored_size.height != stored.height)) {
    return Fail(ErrorCode::kInvalidArgument,
                "the tags are for a " + std::to_string(tags->width) + "x" +
                    std::to_string(tags->height) + " photo but " + photo.string() + " is " +
                    std::to_string(loaded->stored_size.width) + "x" +
                    std::to_string(loaded->stored_size.height) + " as stored");
  }

  const bool sidecar = options.target == WriteTarget::kSidecar;
  WriteReport report;
  report.target = sidecar ? SidecarPath(photo) : photo;
  std::optional<detail::FileStamp> target_stamp = *photo_stamp;
  Exiv2::XmpData base;
  if (sidecar) {
    auto stamp = detail::StampFile(report.target);
    if (!stamp) return tl::unexpected(stamp.error());
    target_stamp = *stamp;
    if (target_stamp) {
      auto bytes = ReadFileBytes(report.target, detail::kMaxFileBytes);
      if (!bytes) return tl::unexpected(bytes.error());
      auto decoded = detail::DecodeXmp(std::string(bytes->begin(), bytes->end()));
      if (!decoded) {
        return Fail(ErrorCode::kCorruptImage,
                    "the sidecar " + report.target.string() +
                        " cannot be parsed; facetag does not overwrite it");
      }
      base = std::move(*decoded);
    } else if (!loaded->xmp_unreadable) {
      base = loaded->xmp;  // a new sidecar carries the photo's XMP, as Adobe's do
    }
  } else {
    if (loaded->xmp_unreadable) {
      return Fail(ErrorCode::kCorruptImage, "the XMP of " + photo.string() +
                                                " cannot be parsed; facetag does not overwrite it");
    }
    base = loaded->xmp;
  }
  if (target_stamp && IsReadOnly(*target_stamp)) {
    return Fail(ErrorCode::kIo, report.target.string() + " is read-only; not modified");
  }

  auto update = detail::ApplyTagSet(base, *tags, stored);
  if (!update) return tl::unexpected(update.error());
  const WriteReport& changes = update->report;
  report.names_added = changes.names_added;
  report.names_removed = changes.names_removed;
  report.mentioned_added = changes.mentioned_added;
  report.mentioned_removed = changes.mentioned_removed;
  report.regions_written = changes.regions_written;
  report.regions_removed = changes.regions_removed;
  report.foreign_regions_kept = changes.foreign_regions_kept;

  const std::vector<std::string> intended = detail::CanonicalForm(update->xmp);
  const bool has_tags = !tags->pictured.empty() || !tags->mentioned.empty();
  report.changed =
      detail::CanonicalForm(base) != intended || (sidecar && !target_stamp && has_tags);
  if (!report.changed || options.dry_run) return report;

  // Serialise, and prove that exiv2 reads back exactly what was meant before
  // anything touches the disk: exiv2 0.27 cannot write every XMP construct
  // it reads, and a silent loss of someone else's metadata is worse than
  // not tagging.
  const bool jpeg = loaded->image_type == Exiv2::ImageType::jpeg;
  auto packet = detail::EncodeXmp(
      update->xmp, sidecar ? detail::PacketStyle::kSidecar : detail::PacketStyle::kEmbedded,
      kEmbeddedPadding);
  if (packet && !sidecar && jpeg && packet->size() > detail::kMaxJpegXmpPacket) {
    packet = detail::EncodeXmp(update->xmp, detail::PacketStyle::kEmbedded, 0);
  }
  if (!packet) return tl::unexpected(packet.error());
  auto reread = detail::DecodeXmp(*packet);
  if (!reread || detail::CanonicalForm(*reread) != intended) {
    return Fail(ErrorCode::kCorruptImage,
                "exiv2 cannot write the XMP of " + photo.string() +
                    " back without changing what others wrote; not written");
  }

  Bytes bytes;
  if (sidecar) {
    bytes.assign(packet->begin(), packet->end());
  } else {
    auto rewritten = jpeg ? detail::ReplaceJpegXmp(loaded->bytes, *packet)
                          : WriteWithExiv2(*loaded, *packet, photo);
    if (!rewritten) return tl::unexpected(rewritten.error());
    bytes = std::move(*rewritten);
    FACETAG_RETURN_IF_ERROR(VerifyPhotoBytes(bytes, *loaded, intended, photo));
  }

  FACETAG_RETURN_IF_ERROR(detail::WriteFileAtomically(
      report.target, bytes, {.expected = target_stamp, .before_rename = options.before_rename}));
  report.written = true;
  return report;
}

}  // namespace facetag::metadata
