#include "vision/decoder.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace facetag::vision {

cv::Mat ApplyExifOrientation(const cv::Mat& stored, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2:
      cv::flip(stored, out, 1);
      break;  // mirror horizontal
    case 3:
      cv::rotate(stored, out, cv::ROTATE_180);
      break;
    case 4:
      cv::flip(stored, out, 0);
      break;  // mirror vertical
    case 5:
      cv::transpose(stored, out);
      break;  // mirror + rotate 270 CW
    case 6:
      cv::rotate(stored, out, cv::ROTATE_90_CLOCKWISE);
      break;
    case 7:
      cv::rotate(stored, out, cv::ROTATE_90_COUNTERCLOCKWISE);  // mirror + rotate 90 CW
      cv::flip(out, out, 1);
      break;
    case 8:
      cv::rotate(stored, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;
    default:
      out = stored;
      break;
  }
  return out;
}

Error OpenCvError(const cv::Exception& e, ErrorCode otherwise, const std::string& what) {
  if (e.code == cv::Error::StsNoMem) {
    return Error{ErrorCode::kImageTooLarge,
                 what + ": not enough memory for this photo's pixels (the process may use less "
                        "than they need; DecodeOptions::max_pixels bounds what is tried)"};
  }
  return Error{otherwise, what + ": " + e.what()};
}

Result<DecodedImage> DecodeImage(std::span<const unsigned char> bytes,
                                 const DecodeOptions& options) {
  auto info = ProbeImage(bytes);
  if (!info) return tl::unexpected(info.error());
  const char* format = ImageFormatName(info->format);
  if (info->format == ImageFormat::kGif) {
    return Fail(ErrorCode::kUnsupportedFormat, "GIF images are not supported");
  }
  if (info->animated) {
    return Fail(ErrorCode::kUnsupportedFormat,
                std::string("animated ") + format + " images are not supported");
  }
  FACETAG_RETURN_IF_ERROR(CheckDeclaredSize(*info, bytes.size(), options));
  DecodedImage image;
  try {
    // Orientation is applied below from the probed header, the same way for
    // every format, so OpenCV must not apply it a second time.
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                         const_cast<unsigned char*>(bytes.data()));
    cv::Mat stored = cv::imdecode(buffer, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    if (stored.empty()) {
      return Fail(ErrorCode::kCorruptImage, std::string("cannot decode ") + format + " data");
    }
    if (stored.cols != info->stored_width || stored.rows != info->stored_height) {
      return Fail(ErrorCode::kCorruptImage,
                  std::string(format) + " header and pixel data disagree about the size");
    }
    if (stored.type() != CV_8UC3) stored.convertTo(stored, CV_8U);
    // A turned photo takes a second copy of its pixels.
    image.bgr = ApplyExifOrientation(stored, info->exif_orientation);
  } catch (const cv::Exception& e) {
    return tl::unexpected(
        OpenCvError(e, ErrorCode::kCorruptImage, std::string("cannot decode ") + format));
  }
  image.info = *info;
  return image;
}

}  // namespace facetag::vision
