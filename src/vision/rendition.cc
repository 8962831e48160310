// Renditions of photos for display (facetag/vision.h, RenderJpeg).
#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "vision/decoder.h"

namespace facetag::vision {

Result<std::vector<unsigned char>> RenderJpeg(std::span<const unsigned char> bytes,
                                              const RenditionOptions& options) {
  if (options.max_side < 16 || options.max_side > 8192) {
    return Fail(ErrorCode::kInvalidArgument,
                "rendition size " + std::to_string(options.max_side) + " is outside 16-8192");
  }
  auto decoded = DecodeImage(bytes, options.decode);
  if (!decoded) return tl::unexpected(decoded.error());
  cv::Mat image = decoded->bgr;
  if (options.crop) {
    const FaceBox& box = *options.crop;
    const float grow = std::max(box.width, box.height) * options.crop_margin;
    const cv::Rect2f wanted(box.x - grow, box.y - grow, box.width + 2 * grow,
                            box.height + 2 * grow);
    const cv::Rect frame(0, 0, image.cols, image.rows);
    const cv::Rect region = cv::Rect(cv::Point(static_cast<int>(std::floor(wanted.x)),
                                               static_cast<int>(std::floor(wanted.y))),
                                     cv::Point(static_cast<int>(std::ceil(wanted.br().x)),
                                               static_cast<int>(std::ceil(wanted.br().y)))) &
                            frame;
    if (region.width < 2 || region.height < 2) {
      return Fail(ErrorCode::kInvalidArgument, "the face box lies outside the photo");
    }
    image = image(region);
  }
  const int long_side = std::max(image.cols, image.rows);
  if (long_side > options.max_side || (options.crop && long_side != options.max_side)) {
    const double scale = static_cast<double>(options.max_side) / long_side;
    cv::Mat scaled;
    cv::resize(image, scaled, cv::Size(), scale, scale,
               scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    image = scaled;
  }
  std::vector<unsigned char> jpeg;
  const std::vector<int> params = {cv::IMWRITE_JPEG_QUALITY,
                                   std::clamp(options.jpeg_quality, 1, 100)};
  try {
    if (!cv::imencode(".jpg", image, jpeg, params)) {
      return Fail(ErrorCode::kInternal, "JPEG encoding of a rendition failed");
    }
  } catch (const cv::Exception& e) {
    return Fail(ErrorCode::kInternal, std::string("JPEG encoding failed: ") + e.what());
  }
  return jpeg;
}

}  // namespace facetag::vision
