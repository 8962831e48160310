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
// kImageTooLarge, kCorruptImage.
Result<DecodedImage> DecodeImage(std::span<const unsigned char> bytes,
                                 const DecodeOptions& options);

// Rotates/flips stored pixels into displayed orientation (EXIF 1-8).
cv::Mat ApplyExifOrientation(const cv::Mat& stored, int orientation);

}  // namespace facetag::vision
