// Face thumbnails cut from the photo file on the fly (facetag/discovery.h).
// Nothing is written: the crop lives in memory for one response.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "facetag/discovery.h"
#include "facetag/file_io.h"
#include "vision/decoder.h"

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
  vision::DecodeOptions decode;
  decode.max_pixels = options.max_pixels;
  auto bytes = ReadFileBytes(photo, decode.max_file_bytes);
  if (!bytes) return tl::unexpected(bytes.error());
  try {
    auto image = vision::DecodeImage(*bytes, decode);
    if (!image) return tl::unexpected(image.error());
    const cv::Mat& bgr = image->bgr;
    // A square around the box's centre, with margin, clipped to the photo.
    const float side = std::max(box.width, box.height) * (1 + 2 * options.margin);
    const FaceBox square{box.CenterX() - side / 2, box.CenterY() - side / 2, side, side};
    const FaceBox clipped =
        ClipToFrame(square, static_cast<float>(bgr.cols), static_cast<float>(bgr.rows));
    const cv::Rect rect(static_cast<int>(clipped.x), static_cast<int>(clipped.y),
                        static_cast<int>(clipped.width), static_cast<int>(clipped.height));
    if (rect.width < 1 || rect.height < 1) {
      return Fail(ErrorCode::kInvalidArgument, "the face box lies outside " + photo.string());
    }
    cv::Mat crop = bgr(rect);
    const double scale = static_cast<double>(options.size) / std::max(rect.width, rect.height);
    cv::Mat resized;
    cv::resize(crop, resized, cv::Size(), scale, scale,
               scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    std::vector<unsigned char> jpeg;
    if (!cv::imencode(".jpg", resized, jpeg, {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality})) {
      return Fail(ErrorCode::kInternal, "JPEG encoding of a thumbnail failed");
    }
    return jpeg;
  } catch (const cv::Exception& e) {
    return Fail(ErrorCode::kCorruptImage, photo.string() + ": " + e.what());
  }
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
