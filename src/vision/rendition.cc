// Renditions of photos for display (facetag/vision.h, RenderJpeg).
#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "vision/decoder.h"

namespace facetag::vision {
namespace {

// The largest of 8, 4, 2 by which a JPEG may be reduced while it is decoded
// (libjpeg scales in the DCT domain: a fraction of the memory and time) and
// still give the rendition all its pixels; 1 when it may not.
int ReductionFor(const ImageInfo& info, const RenditionOptions& options) {
  if (info.format != ImageFormat::kJpeg) return 1;
  double needed_side = std::max(info.stored_width, info.stored_height);
  if (options.crop) {
    const FaceBox& box = *options.crop;
    needed_side = std::max(box.width, box.height) * (1 + 2 * options.crop_margin);
  }
  for (const int factor : {8, 4, 2}) {
    if (needed_side / factor >= options.max_side) return factor;
  }
  return 1;
}

// Decodes at 1/`factor` of the size in each direction, in displayed
// orientation, with the checks of DecodeImage (declared size, format).
Result<cv::Mat> DecodeReduced(std::span<const unsigned char> bytes, const ImageInfo& info,
                              int factor, const DecodeOptions& options) {
  FACETAG_RETURN_IF_ERROR(CheckDeclaredSize(info, bytes.size(), options));
  const int flag = factor == 8   ? cv::IMREAD_REDUCED_COLOR_8
                   : factor == 4 ? cv::IMREAD_REDUCED_COLOR_4
                                 : cv::IMREAD_REDUCED_COLOR_2;
  try {
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                         const_cast<unsigned char*>(bytes.data()));
    const cv::Mat stored = cv::imdecode(buffer, flag | cv::IMREAD_IGNORE_ORIENTATION);
    const int width = (info.stored_width + factor - 1) / factor;
    const int height = (info.stored_height + factor - 1) / factor;
    if (stored.empty() || std::abs(stored.cols - width) > 1 ||
        std::abs(stored.rows - height) > 1) {
      return Fail(ErrorCode::kCorruptImage, "cannot decode JPEG data");
    }
    return ApplyExifOrientation(stored, info.exif_orientation);
  } catch (const cv::Exception& e) {
    return tl::unexpected(OpenCvError(e, ErrorCode::kCorruptImage, "cannot decode JPEG"));
  }
}

}  // namespace

Result<std::vector<unsigned char>> RenderJpeg(std::span<const unsigned char> bytes,
                                              const RenditionOptions& options) {
  if (options.max_side < 16 || options.max_side > 8192) {
    return Fail(ErrorCode::kInvalidArgument,
                "rendition size " + std::to_string(options.max_side) + " is outside 16-8192");
  }
  auto info = ProbeImage(bytes);
  if (!info) return tl::unexpected(info.error());
  const int factor = ReductionFor(*info, options);
  cv::Mat image;
  if (factor > 1) {
    auto reduced = DecodeReduced(bytes, *info, factor, options.decode);
    if (!reduced) return tl::unexpected(reduced.error());
    image = *reduced;
  } else {
    auto decoded = DecodeImage(bytes, options.decode);
    if (!decoded) return tl::unexpected(decoded.error());
    image = decoded->bgr;
  }
  if (options.crop) {
    FaceBox box = *options.crop;
    box.x /= static_cast<float>(factor);
    box.y /= static_cast<float>(factor);
    box.width /= static_cast<float>(factor);
    box.height /= static_cast<float>(factor);
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
  std::vector<unsigned char> jpeg;
  const std::vector<int> params = {cv::IMWRITE_JPEG_QUALITY,
                                   std::clamp(options.jpeg_quality, 1, 100)};
  try {
    const int long_side = std::max(image.cols, image.rows);
    if (long_side > options.max_side || (options.crop && long_side != options.max_side)) {
      const double scale = static_cast<double>(options.max_side) / long_side;
      cv::Mat scaled;
      cv::resize(image, scaled, cv::Size(), scale, scale,
                 scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
      image = scaled;
    }
    if (!cv::imencode(".jpg", image, jpeg, params)) {
      return Fail(ErrorCode::kInternal, "JPEG encoding of a rendition failed");
    }
  } catch (const cv::Exception& e) {
    return tl::unexpected(OpenCvError(e, ErrorCode::kInternal, "making a rendition"));
  }
  return jpeg;
}

}  // namespace facetag::vision
