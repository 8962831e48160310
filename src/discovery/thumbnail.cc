// Face thumbnails cut from the photo file on the fly (facetag/discovery.h).
// Nothing is written: the crop lives in memory for one response. The
// cutting is vision::RenderJpeg's, as for the service's thumbnails.
#include "facetag/discovery.h"
#include "facetag/file_io.h"
#include "facetag/vision.h"

namespace facetag::discovery {

Result<std::vector<unsigned char>> FaceThumbnailJpeg(const std::filesystem::path& photo,
                                                     const FaceBox& box,
                                                     const ThumbnailOptions& options) {
  if (options.size < 16 || options.size > 1024) {
    return Fail(ErrorCode::kInvalidArgument,
                "thumbnail size " + std::to_string(options.size) + " is outside 16-1024");
  }
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100) {
    return Fail(ErrorCode::kInvalidArgument, "JPEG quality is outside 1-100");
  }
  if (!(options.margin >= 0 && options.margin <= 2)) {
    return Fail(ErrorCode::kInvalidArgument, "thumbnail margin is outside 0-2");
  }
  if (!(box.width > 0 && box.height > 0)) {
    return Fail(ErrorCode::kInvalidArgument, "the face box is empty");
  }
  vision::RenditionOptions rendition;
  rendition.max_side = options.size;
  // A square around the box's centre, so that the margin is the same on
  // every side (RenderJpeg clips it to the photo).
  const float side = std::max(box.width, box.height);
  rendition.crop = FaceBox{box.CenterX() - side / 2, box.CenterY() - side / 2, side, side};
  rendition.crop_margin = options.margin;
  rendition.jpeg_quality = options.jpeg_quality;
  rendition.decode.max_pixels = options.max_pixels;
  auto bytes = ReadFileBytes(photo, rendition.decode.max_file_bytes);
  if (!bytes) return tl::unexpected(bytes.error());
  auto jpeg = vision::RenderJpeg(*bytes, rendition);
  if (!jpeg) return Fail(jpeg.error().code, photo.string() + ": " + jpeg.error().message);
  return jpeg;
}

Result<std::vector<unsigned char>> FaceThumbnailJpeg(Store& store, FaceId face,
                                                     const ThumbnailOptions& options) {
  auto photo_id = store.archive().PhotoOfFace(face);
  if (!photo_id) return tl::unexpected(photo_id.error());
  auto photo = store.archive().GetPhoto(*photo_id);
  if (!photo) return tl::unexpected(photo.error());
  for (const StoredFace& f : photo->faces) {
    if (f.id == face) return FaceThumbnailJpeg(photo->info.location, f.detected.box, options);
  }
  return Fail(ErrorCode::kNotFound, "no face " + std::to_string(face));
}

}  // namespace facetag::discovery
