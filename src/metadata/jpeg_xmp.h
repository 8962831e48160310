// Replacing the XMP of a JPEG without touching any other byte.
//
// exiv2 0.27 rewrites EXIF and the Photoshop IPTC block whenever it writes a
// JPEG (it drops IFD0 tags it deems not allowed in JPEG and re-serialises
// IPTC, which invalidates Photoshop's IPTCDigest). facetag owns only XMP, so
// for JPEG it lets exiv2 serialise the XMP packet and swaps that one APP1
// segment itself; everything else, the compressed image data included, is
// copied byte for byte.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "facetag/result.h"

namespace facetag::metadata::detail {

// The payload limit of one standard XMP APP1 segment: 65535 minus the length
// field and the 29-byte namespace header (XMP Specification Part 3, 1.1.3).
inline constexpr std::size_t kMaxJpegXmpPacket = 65535 - 2 - 29;

// Returns `jpeg` with its first standard XMP APP1 segment's packet replaced by
// `packet`. Without one, a new segment is inserted after the leading
// JFIF/EXIF segments; an empty `packet` removes the segment instead. Other
// segments (extended XMP included) and everything from the first SOS on are
// copied unchanged.
// Errors: kCorruptImage when the segments before SOS are malformed or cut
// off, kUnsupportedFormat when the bytes are not a JPEG or the packet exceeds
// kMaxJpegXmpPacket (facetag does not write extended XMP).
Result<std::vector<unsigned char>> ReplaceJpegXmp(std::span<const unsigned char> jpeg,
                                                  std::string_view packet);

// The bytes from the first SOS marker to the end of the file: the compressed
// image data. Errors as ReplaceJpegXmp.
Result<std::span<const unsigned char>> JpegScanData(std::span<const unsigned char> jpeg);

}  // namespace facetag::metadata::detail
