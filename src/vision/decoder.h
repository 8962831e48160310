// Decoding photo bytes into pixels (internal to the vision module).
#pragma once

#include <opencv2/core.hpp>

#include "facetag/vision.h"

namespace facetag::vision {

// A decoded photo: 8-bit BGR pixels in displayed orientation.
struct DecodedImage {
  cv::Mat bgr;     // CV_8UC3, EXIF orientation applied
  ImageInfo info;  // what the header declared
};

// Probes the header, enforces the pixel limit, decodes the first frame and
// applies the EXIF orientation. 16-bit, grey, CMYK and alpha images come out
// as 8-bit BGR. Errors: kUnsupportedFormat (including animations and GIF),
// kImageTooLarge (also when the pixels do not fit in memory), kCorruptImage.
Result<DecodedImage> DecodeImage(std::span<const unsigned char> bytes,
                                 const DecodeOptions& options);

// The error for an OpenCV exception met while working on a photo's pixels,
// prefixed with `what`. Running out of memory (OpenCV's StsNoMem) means
// the photo is too large for the memory this process may use: that is
// kImageTooLarge, whatever stage met it, not a damaged file or a broken
// model; anything else is `otherwise`.
Error OpenCvError(const cv::Exception& e, ErrorCode otherwise, const std::string& what);

// Rotates/flips stored pixels into displayed orientation (EXIF 1-8).
cv::Mat ApplyExifOrientation(const cv::Mat& stored, int orientation);

}  // namespace facetag::vision
