// Where facetag's person tags live in XMP, and how a TagSet replaces the ones
// written before while everything that others wrote stays (the layout is
// described in include/facetag/metadata.h).
//
// Thread safety: pure functions of their arguments (after EnsureExiv2).
#pragma once

#include <string>
#include <vector>

#include "exiv2_support.h"
#include "facetag/metadata.h"

namespace facetag::metadata::detail {

// Keys (after NormalizeXmpKeys).
inline const std::string kPersonInImageKey = "Xmp.Iptc4xmpExt.PersonInImage";
inline const std::string kPersonDetailsKey = "Xmp.Iptc4xmpExt.PersonInImageWDetails";
inline const std::string kImageRegionKey = "Xmp.Iptc4xmpExt.ImageRegion";
inline const std::string kMwgRegionsKey = "Xmp.mwg-rs.Regions";
inline const std::string kMwgDimensionsKey = kMwgRegionsKey + "/mwg-rs:AppliedToDimensions";
inline const std::string kMwgRegionListKey = kMwgRegionsKey + "/mwg-rs:RegionList";
inline const std::string kFacetagVersionKey = "Xmp.facetag.Version";
inline const std::string kFacetagPicturedKey = "Xmp.facetag.Pictured";
inline const std::string kFacetagMentionedKey = "Xmp.facetag.MentionedNotPictured";

// IPTC NewsCodes "image region type: human" (cv.iptc.org/newscodes/imageregiontype).
inline constexpr const char* kHumanRegionType =
    "http://cv.iptc.org/newscodes/imageregiontype/human";

// Checks a TagSet and clips its boxes to the photo. Errors: kInvalidArgument
// naming the bad value.
Result<TagSet> ValidateTagSet(const TagSet& tags);

// The XMP after writing `tags` (validated) over `existing` (normalised keys),
// and what changed. `stored` is the size of the image as stored.
struct XmpUpdate {
  Exiv2::XmpData xmp;
  WriteReport report;  // all but target / changed / written
};
// Errors: kUnsupportedFormat when a property facetag must change has a shape
// it cannot change without losing others' values (e.g. PersonInImage that is
// not a list of names).
Result<XmpUpdate> ApplyTagSet(const Exiv2::XmpData& existing, const TagSet& tags, PixelSize stored);

// What facetag wrote into `xmp`: persons with provenance and boxes (mapped to
// displayed pixels of a `stored`-size image with `orientation`), and the
// mentioned persons. Width and height are the displayed size.
TagSet ReadFacetagTags(const Exiv2::XmpData& xmp, PixelSize stored, int orientation);

// Every person the XMP names (PersonInImage, PersonInImageWDetails, persons
// in IPTC image regions, MWG face regions), merged by name.
std::vector<NamedPerson> ReadNamedPersons(const Exiv2::XmpData& xmp);

}  // namespace facetag::metadata::detail
