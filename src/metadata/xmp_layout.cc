#include "xmp_layout.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "text_encoding.h"

namespace facetag::metadata::detail {
namespace {

// Field paths inside the structs, relative to their item.
const std::string kIptcName = "/Iptc4xmpExt:Name";
const std::string kIptcPersonId = "/Iptc4xmpExt:PersonId";
const std::string kIptcPersonName = "/Iptc4xmpExt:PersonName";
const std::string kIptcBoundary = "/Iptc4xmpExt:RegionBoundary";
const std::string kIptcRegionPersons = "/Iptc4xmpExt:PersonInImage";
const std::string kIptcRegionDetails = "/Iptc4xmpExt:PersonInImageWDetails";
const std::string kIptcRegionMarker = "/facetag:PersonId";
const std::string kMwgArea = "/mwg-rs:Area";
const std::string kMwgExtensions = "/mwg-rs:Extensions";
const std::string kMwgRegionMarker = kMwgExtensions + "/facetag:PersonId";

// Six decimals of a normalised coordinate are 1/1000 pixel in a 100 MP photo.
constexpr int kCoordinateDecimals = 6;
constexpr int kSimilarityDecimals = 4;

std::string Item(const std::string& array_key, int index) {
  return array_key + "[" + std::to_string(index) + "]";
}

struct PreviousPerson {
  std::string name;
  std::string uri;
  bool added_name = false;
  TagProvenance provenance;
};

struct FacetagRecord {
  std::vector<PreviousPerson> pictured;
  std::vector<MentionedPerson> mentioned;
};

TagOrigin ParseOrigin(const std::string& text) {
  return text == "confirmed" ? TagOrigin::kConfirmed : TagOrigin::kAutomatic;
}

FacetagRecord ReadRecord(const Exiv2::XmpData& xmp) {
  FacetagRecord record;
  for (const auto& [index, datums] : ArrayItems(xmp, kFacetagPicturedKey)) {
    const std::string item = Item(kFacetagPicturedKey, index);
    PreviousPerson person;
    person.name = XmpText(xmp, item + "/facetag:Name");
    person.uri = XmpText(xmp, item + "/facetag:PersonId");
    person.added_name = XmpText(xmp, item + "/facetag:AddedName") == "True";
    person.provenance.origin = ParseOrigin(XmpText(xmp, item + "/facetag:Origin"));
    person.provenance.similarity =
        static_cast<float>(ParseDecimal(XmpText(xmp, item + "/facetag:Similarity")).value_or(0));
    person.provenance.model_id = XmpText(xmp, item + "/facetag:ModelId");
    person.provenance.tagged_at = XmpText(xmp, item + "/facetag:TaggedAt");
    if (!person.uri.empty()) record.pictured.push_back(std::move(person));
  }
  for (const auto& [index, datums] : ArrayItems(xmp, kFacetagMentionedKey)) {
    const std::string item = Item(kFacetagMentionedKey, index);
    MentionedPerson person{XmpText(xmp, item + "/facetag:Name"),
                           XmpText(xmp, item + "/facetag:PersonId")};
    if (!person.uri.empty()) record.mentioned.push_back(std::move(person));
  }
  return record;
}

// The datum of an item's field, searching only that item.
const Exiv2::Xmpdatum* Field(const std::vector<const Exiv2::Xmpdatum*>& item,
                             const std::string& key) {
  for (const auto* datum : item) {
    if (datum->key() == key) return datum;
  }
  return nullptr;
}

std::string FieldText(const std::vector<const Exiv2::Xmpdatum*>& item, const std::string& key) {
  const Exiv2::Xmpdatum* datum = Field(item, key);
  return datum != nullptr && datum->count() > 0 ? datum->toString(0) : std::string();
}

// Copies one item of an array of structs to a new position.
void CopyItem(Exiv2::XmpData& out, const std::string& array_key, int from, int to,
              const std::vector<const Exiv2::Xmpdatum*>& datums) {
  const std::string old_prefix = Item(array_key, from);
  const std::string new_prefix = Item(array_key, to);
  for (const auto* datum : datums) {
    AddCopy(out, new_prefix + datum->key().substr(old_prefix.size()), *datum);
  }
}

// True when `array_key` is absent or an array whose items are structs, the
// only shape facetag can add items to without losing others' values.
bool IsStructArrayOrAbsent(const Exiv2::XmpData& xmp, const std::string& array_key) {
  const Exiv2::Xmpdatum* datum = FindXmp(xmp, array_key);
  if (datum == nullptr) return true;
  const auto* value = dynamic_cast<const Exiv2::XmpTextValue*>(&datum->value());
  return value != nullptr && value->xmpArrayType() != Exiv2::XmpValue::xaNone &&
         value->xmpArrayType() != Exiv2::XmpValue::xaAlt && datum->count() == 0;
}

Result<void> CheckShape(const Exiv2::XmpData& xmp, const std::string& array_key, const char* what) {
  if (IsStructArrayOrAbsent(xmp, array_key)) return {};
  return Fail(ErrorCode::kUnsupportedFormat,
              std::string("the photo's ") + what +
                  " is not an array of structures; facetag leaves it alone and does not tag");
}

// The container of a rebuilt array: the original one (keeping bag or seq)
// when there was one.
void AddArrayContainer(Exiv2::XmpData& out, const Exiv2::XmpData& existing,
                       const std::string& key) {
  if (const Exiv2::Xmpdatum* original = FindXmp(existing, key)) {
    AddCopy(out, key, *original);
  } else {
    AddStructBag(out, key);
  }
}

std::string Coordinate(double value) { return FormatDecimal(value, kCoordinateDecimals); }

// A face box in stored pixels, as fractions of the stored size.
struct RelativeBox {
  double x = 0, y = 0, w = 0, h = 0;  // top-left corner and size
};

RelativeBox ToRelative(const FaceBox& stored_box, PixelSize stored) {
  return RelativeBox{stored_box.x / double(stored.width), stored_box.y / double(stored.height),
                     stored_box.width / double(stored.width),
                     stored_box.height / double(stored.height)};
}

void AddPersonDetails(Exiv2::XmpData& out, const std::string& item, const PicturedPerson& person) {
  AddStruct(out, item);
  AddBag(out, item + kIptcPersonId, {person.uri});
  AddLangAlt(out, item + kIptcPersonName, person.name);
}

void AddIptcRegion(Exiv2::XmpData& out, const std::string& item, const PicturedPerson& person,
                   const RelativeBox& box) {
  AddStruct(out, item);
  const std::string boundary = item + kIptcBoundary;
  AddStruct(out, boundary);
  AddText(out, boundary + "/Iptc4xmpExt:rbShape", "rectangle");
  AddText(out, boundary + "/Iptc4xmpExt:rbUnit", "relative");
  AddText(out, boundary + "/Iptc4xmpExt:rbX", Coordinate(box.x));
  AddText(out, boundary + "/Iptc4xmpExt:rbY", Coordinate(box.y));
  AddText(out, boundary + "/Iptc4xmpExt:rbW", Coordinate(box.w));
  AddText(out, boundary + "/Iptc4xmpExt:rbH", Coordinate(box.h));
  AddText(out, item + "/Iptc4xmpExt:rId", "facetag-" + person.uri);
  AddLangAlt(out, item + kIptcName, person.name);
  const std::string type = item + "/Iptc4xmpExt:rCtype";
  AddStructBag(out, type);
  AddStruct(out, type + "[1]");
  AddBag(out, type + "[1]/xmp:Identifier", {kHumanRegionType});
  AddLangAlt(out, type + "[1]" + kIptcName, "Human");
  // IPTC lets a region carry any top-level property about its content: the
  // person shown, by name and by PersonId.
  AddBag(out, item + kIptcRegionPersons, {person.name});
  AddStructBag(out, item + kIptcRegionDetails);
  AddPersonDetails(out, item + kIptcRegionDetails + "[1]", person);
  AddText(out, item + kIptcRegionMarker, person.uri);
}

void AddMwgRegion(Exiv2::XmpData& out, const std::string& item, const PicturedPerson& person,
                  const RelativeBox& box) {
  AddStruct(out, item);
  const std::string area = item + kMwgArea;
  AddStruct(out, area);
  // MWG areas are given by their centre (MWG Guidelines 2.0, "Region Area").
  AddText(out, area + "/stArea:x", Coordinate(box.x + box.w / 2));
  AddText(out, area + "/stArea:y", Coordinate(box.y + box.h / 2));
  AddText(out, area + "/stArea:w", Coordinate(box.w));
  AddText(out, area + "/stArea:h", Coordinate(box.h));
  AddText(out, area + "/stArea:unit", "normalized");
  AddText(out, item + "/mwg-rs:Type", "Face");
  AddText(out, item + "/mwg-rs:Name", person.name);
  AddStruct(out, item + kMwgExtensions);
  AddText(out, item + kMwgRegionMarker, person.uri);
}

// Rebuilds one array of structs: items that `owner_of` attributes to facetag
// are replaced in place by the current entry for that person (first one
// only) or dropped; all other items are kept; persons not yet placed are
// appended. Returns the number of items kept from others.
template <typename OwnerOf, typename AddEntry>
int RebuildArray(Exiv2::XmpData& out, const Exiv2::XmpData& existing, const std::string& key,
                 const std::vector<PicturedPerson>& pictured, OwnerOf owner_of,
                 AddEntry add_entry) {
  std::map<std::string, const PicturedPerson*> by_uri;
  for (const auto& person : pictured) by_uri.emplace(person.uri, &person);
  std::set<std::string> placed;
  Exiv2::XmpData items;
  int next = 0, foreign = 0;
  for (const auto& [index, datums] : ArrayItems(existing, key)) {
    const std::optional<std::string> owner = owner_of(index, datums);
    if (!owner) {
      CopyItem(items, key, index, ++next, datums);
      ++foreign;
      continue;
    }
    const auto person = by_uri.find(*owner);
    if (person != by_uri.end() && placed.insert(*owner).second) {
      add_entry(items, Item(key, ++next), *person->second);
    }
  }
  for (const auto& person : pictured) {
    if (placed.insert(person.uri).second) add_entry(items, Item(key, ++next), person);
  }
  if (next == 0) return foreign;
  AddArrayContainer(out, existing, key);
  for (const auto& datum : items) out.add(datum);
  return foreign;
}

}  // namespace

Result<TagSet> ValidateTagSet(const TagSet& tags) {
  auto bad = [](const std::string& message) { return Fail(ErrorCode::kInvalidArgument, message); };
  if (tags.width <= 0 || tags.height <= 0) {
    return bad("photo size " + std::to_string(tags.width) + "x" + std::to_string(tags.height) +
               " is not positive");
  }
  if (tags.exif_orientation < 1 || tags.exif_orientation > 8) {
    return bad("EXIF orientation " + std::to_string(tags.exif_orientation) + " is not in 1-8");
  }
  TagSet out;
  out.width = tags.width;
  out.height = tags.height;
  out.exif_orientation = tags.exif_orientation;
  std::set<std::string> uris;
  auto check_person = [&](const std::string& name, const std::string& uri) -> Result<void> {
    if (!IsWritableText(name)) {
      return bad("person name \"" + name + "\" is empty or not printable UTF-8");
    }
    if (!IsWritableText(uri)) return bad("PersonId of \"" + name + "\" is empty or not printable");
    if (!uris.insert(std::string(Trim(uri))).second) {
      return bad("PersonId " + uri + " appears twice in the tags");
    }
    return {};
  };
  const float width = static_cast<float>(tags.width), height = static_cast<float>(tags.height);
  for (const PicturedPerson& person : tags.pictured) {
    FACETAG_RETURN_IF_ERROR(check_person(person.name, person.uri));
    const FaceBox& b = person.box;
    if (!std::isfinite(b.x) || !std::isfinite(b.y) || !std::isfinite(b.width) ||
        !std::isfinite(b.height) || b.width <= 0 || b.height <= 0) {
      return bad("face box of " + person.name + " is not a finite box of positive size");
    }
    // The detector pads the photo, so boxes of faces cut by the frame reach
    // beyond it; the region is the visible part.
    const float x0 = std::clamp(b.x, 0.0f, width), y0 = std::clamp(b.y, 0.0f, height);
    const float x1 = std::clamp(b.x + b.width, 0.0f, width);
    const float y1 = std::clamp(b.y + b.height, 0.0f, height);
    if (x1 - x0 <= 0 || y1 - y0 <= 0) {
      return bad("face box of " + person.name + " lies outside the " + std::to_string(tags.width) +
                 "x" + std::to_string(tags.height) + " photo");
    }
    const float s = person.provenance.similarity;
    if (!std::isfinite(s) || s < -1 || s > 1) {
      return bad("similarity of " + person.name + " is not in [-1, 1]");
    }
    for (const std::string* text : {&person.provenance.model_id, &person.provenance.tagged_at}) {
      if (!text->empty() && !IsWritableText(*text)) {
        return bad("provenance of " + person.name + " has unprintable text");
      }
    }
    PicturedPerson clean = person;
    clean.name = std::string(Trim(person.name));
    clean.uri = std::string(Trim(person.uri));
    clean.box = FaceBox{x0, y0, x1 - x0, y1 - y0};
    out.pictured.push_back(std::move(clean));
  }
  for (const MentionedPerson& person : tags.mentioned) {
    FACETAG_RETURN_IF_ERROR(check_person(person.name, person.uri));
    out.mentioned.push_back(
        MentionedPerson{std::string(Trim(person.name)), std::string(Trim(person.uri))});
  }
  return out;
}

Result<XmpUpdate> ApplyTagSet(const Exiv2::XmpData& existing, const TagSet& tags,
                              PixelSize stored) {
  const FacetagRecord previous = ReadRecord(existing);
  std::set<std::string> new_uris;
  for (const auto& person : tags.pictured) new_uris.insert(person.uri);
  std::set<std::string> previous_uris, owned_names;
  for (const auto& person : previous.pictured) {
    previous_uris.insert(person.uri);
    if (person.added_name) owned_names.insert(person.name);
  }

  // Which items facetag wrote: regions by their marker, person details by a
  // PersonId facetag lists (its URIs are its own), names by AddedName.
  auto iptc_region_owner =
      [&](int index,
          const std::vector<const Exiv2::Xmpdatum*>& datums) -> std::optional<std::string> {
    const std::string marker = FieldText(datums, Item(kImageRegionKey, index) + kIptcRegionMarker);
    return marker.empty() ? std::nullopt : std::optional<std::string>(marker);
  };
  auto mwg_region_owner =
      [&](int index,
          const std::vector<const Exiv2::Xmpdatum*>& datums) -> std::optional<std::string> {
    const std::string marker = FieldText(datums, Item(kMwgRegionListKey, index) + kMwgRegionMarker);
    return marker.empty() ? std::nullopt : std::optional<std::string>(marker);
  };
  auto details_owner =
      [&](int index,
          const std::vector<const Exiv2::Xmpdatum*>& datums) -> std::optional<std::string> {
    const Exiv2::Xmpdatum* ids = Field(datums, Item(kPersonDetailsKey, index) + kIptcPersonId);
    for (long i = 0; ids != nullptr && i < ids->count(); ++i) {
      const std::string uri = ids->toString(i);
      if (previous_uris.count(uri) || new_uris.count(uri)) return uri;
    }
    return std::nullopt;
  };

  // Previous facetag regions, for the report and to know what to rebuild.
  std::set<std::string> previous_region_uris;
  for (const auto& [index, datums] : ArrayItems(existing, kImageRegionKey)) {
    if (auto uri = iptc_region_owner(index, datums)) previous_region_uris.insert(*uri);
  }
  std::set<std::string> previous_mwg_uris;
  for (const auto& [index, datums] : ArrayItems(existing, kMwgRegionListKey)) {
    if (auto uri = mwg_region_owner(index, datums)) previous_mwg_uris.insert(*uri);
  }
  bool previous_details = false;
  for (const auto& [index, datums] : ArrayItems(existing, kPersonDetailsKey)) {
    previous_details = previous_details || details_owner(index, datums).has_value();
  }

  // A part of the XMP is rebuilt only when facetag has entries in it, before
  // or after; otherwise it is copied as it is, whatever its shape.
  const bool pictured = !tags.pictured.empty();
  const bool rebuild_names = pictured || !owned_names.empty();
  const bool rebuild_details = pictured || previous_details;
  const bool rebuild_iptc_regions = pictured || !previous_region_uris.empty();
  const bool rebuild_mwg = pictured || !previous_mwg_uris.empty();
  if (rebuild_details) {
    FACETAG_RETURN_IF_ERROR(CheckShape(existing, kPersonDetailsKey, "PersonInImageWDetails"));
  }
  if (rebuild_iptc_regions) {
    FACETAG_RETURN_IF_ERROR(CheckShape(existing, kImageRegionKey, "ImageRegion"));
  }
  if (rebuild_mwg) {
    FACETAG_RETURN_IF_ERROR(CheckShape(existing, kMwgRegionListKey, "MWG RegionList"));
    if (const Exiv2::Xmpdatum* regions = FindXmp(existing, kMwgRegionsKey)) {
      const auto* value = dynamic_cast<const Exiv2::XmpTextValue*>(&regions->value());
      if (value == nullptr || value->xmpStruct() != Exiv2::XmpValue::xsStruct) {
        return Fail(ErrorCode::kUnsupportedFormat,
                    "the photo's MWG Regions is not a structure; facetag leaves it alone");
      }
    }
  }
  if (rebuild_names) {
    if (const Exiv2::Xmpdatum* names = FindXmp(existing, kPersonInImageKey)) {
      const auto* value = dynamic_cast<const Exiv2::XmpValue*>(&names->value());
      const bool text_items = names->typeId() == Exiv2::xmpBag ||
                              names->typeId() == Exiv2::xmpSeq ||
                              (names->typeId() == Exiv2::xmpText && value != nullptr &&
                               value->xmpArrayType() == Exiv2::XmpValue::xaNone &&
                               value->xmpStruct() == Exiv2::XmpValue::xsNone);
      if (!text_items) {
        return Fail(ErrorCode::kUnsupportedFormat,
                    "the photo's PersonInImage is not a list of names; facetag leaves it alone");
      }
    }
  }

  auto rebuilt = [&](const std::string& key) {
    if (key.rfind("Xmp.facetag.", 0) == 0) return true;
    if (rebuild_names && KeyIsUnder(key, kPersonInImageKey)) return true;
    if (rebuild_details && KeyIsUnder(key, kPersonDetailsKey)) return true;
    if (rebuild_iptc_regions && KeyIsUnder(key, kImageRegionKey)) return true;
    if (rebuild_mwg && KeyIsUnder(key, kMwgRegionsKey)) return true;
    return false;
  };

  XmpUpdate update;
  WriteReport& report = update.report;
  Exiv2::XmpData& out = update.xmp;
  for (const auto& datum : existing) {
    if (!rebuilt(datum.key())) out.add(datum);
  }

  // Names: others' stay where they are, facetag's go when their person goes,
  // new ones are appended.
  std::map<std::string, bool> added_name;
  const std::vector<std::string> old_names = XmpItems(existing, kPersonInImageKey);
  if (rebuild_names) {
    std::set<std::string> pictured_names;
    for (const auto& person : tags.pictured) pictured_names.insert(person.name);
    std::vector<std::string> names;
    for (const std::string& name : old_names) {
      if (owned_names.count(name) && !pictured_names.count(name)) continue;
      names.push_back(name);
    }
    for (const auto& person : tags.pictured) {
      if (std::find(names.begin(), names.end(), person.name) == names.end()) {
        names.push_back(person.name);
        added_name[person.name] = true;
      } else {
        added_name.emplace(person.name, owned_names.count(person.name) > 0);
      }
    }
    // IPTC says Bag; a Seq someone else chose stays a Seq.
    const Exiv2::Xmpdatum* original = FindXmp(existing, kPersonInImageKey);
    const bool seq = original != nullptr && original->typeId() == Exiv2::xmpSeq;
    if (!names.empty()) AddBag(out, kPersonInImageKey, names, seq ? Exiv2::xmpSeq : Exiv2::xmpBag);
    for (const auto& name : names) {
      if (std::find(old_names.begin(), old_names.end(), name) == old_names.end()) {
        report.names_added.push_back(name);
      }
    }
    for (const auto& name : old_names) {
      if (std::find(names.begin(), names.end(), name) == names.end() &&
          std::find(report.names_removed.begin(), report.names_removed.end(), name) ==
              report.names_removed.end()) {
        report.names_removed.push_back(name);
      }
    }
  }

  if (rebuild_details) {
    RebuildArray(out, existing, kPersonDetailsKey, tags.pictured, details_owner, AddPersonDetails);
  }

  const PixelSize size = stored;
  std::map<std::string, RelativeBox> boxes;
  for (const auto& person : tags.pictured) {
    const FaceBox stored_box =
        DisplayedToStored(person.box, tags.width, tags.height, tags.exif_orientation);
    boxes[person.uri] = ToRelative(stored_box, size);
  }
  if (rebuild_iptc_regions) {
    report.foreign_regions_kept +=
        RebuildArray(out, existing, kImageRegionKey, tags.pictured, iptc_region_owner,
                     [&](Exiv2::XmpData& o, const std::string& item, const PicturedPerson& person) {
                       AddIptcRegion(o, item, person, boxes.at(person.uri));
                     });
  } else {
    report.foreign_regions_kept += static_cast<int>(ArrayItems(existing, kImageRegionKey).size());
  }

  if (rebuild_mwg) {
    Exiv2::XmpData list;
    report.foreign_regions_kept +=
        RebuildArray(list, existing, kMwgRegionListKey, tags.pictured, mwg_region_owner,
                     [&](Exiv2::XmpData& o, const std::string& item, const PicturedPerson& person) {
                       AddMwgRegion(o, item, person, boxes.at(person.uri));
                     });
    // Other fields of Regions stay; AppliedToDimensions becomes the stored
    // size when facetag has regions (they are normalised against it).
    // The dimensions go with the last region.
    Exiv2::XmpData others, dimensions;
    for (const auto& datum : existing) {
      const std::string& key = datum.key();
      if (!KeyIsUnder(key, kMwgRegionsKey) || key == kMwgRegionsKey ||
          KeyIsUnder(key, kMwgRegionListKey)) {
        continue;
      }
      (KeyIsUnder(key, kMwgDimensionsKey) ? dimensions : others).add(datum);
    }
    if (!list.empty() || !others.empty()) {
      if (const Exiv2::Xmpdatum* original = FindXmp(existing, kMwgRegionsKey)) {
        AddCopy(out, kMwgRegionsKey, *original);
      } else {
        AddStruct(out, kMwgRegionsKey);
      }
      if (pictured) {
        AddStruct(out, kMwgDimensionsKey);
        AddText(out, kMwgDimensionsKey + "/stDim:w", std::to_string(size.width));
        AddText(out, kMwgDimensionsKey + "/stDim:h", std::to_string(size.height));
        AddText(out, kMwgDimensionsKey + "/stDim:unit", "pixel");
      } else if (!list.empty()) {
        for (const auto& datum : dimensions) out.add(datum);
      }
      for (const auto& datum : others) out.add(datum);
      for (const auto& datum : list) out.add(datum);
    }
  } else {
    report.foreign_regions_kept += static_cast<int>(ArrayItems(existing, kMwgRegionListKey).size());
  }

  // facetag's own record.
  if (!tags.pictured.empty() || !tags.mentioned.empty()) {
    AddText(out, kFacetagVersionKey, "1");
    if (!tags.pictured.empty()) AddStructBag(out, kFacetagPicturedKey);
    int index = 0;
    for (const auto& person : tags.pictured) {
      const std::string item = Item(kFacetagPicturedKey, ++index);
      AddStruct(out, item);
      AddText(out, item + "/facetag:Name", person.name);
      AddText(out, item + "/facetag:PersonId", person.uri);
      AddText(out, item + "/facetag:Origin", TagOriginName(person.provenance.origin));
      AddText(out, item + "/facetag:Similarity",
              FormatDecimal(person.provenance.similarity, kSimilarityDecimals));
      if (!person.provenance.model_id.empty()) {
        AddText(out, item + "/facetag:ModelId", person.provenance.model_id);
      }
      if (!person.provenance.tagged_at.empty()) {
        AddText(out, item + "/facetag:TaggedAt", person.provenance.tagged_at);
      }
      AddText(out, item + "/facetag:AddedName", added_name[person.name] ? "True" : "False");
    }
    if (!tags.mentioned.empty()) AddStructBag(out, kFacetagMentionedKey);
    index = 0;
    for (const auto& person : tags.mentioned) {
      const std::string item = Item(kFacetagMentionedKey, ++index);
      AddStruct(out, item);
      AddText(out, item + "/facetag:Name", person.name);
      AddText(out, item + "/facetag:PersonId", person.uri);
    }
  }

  std::set<std::string> previous_mentioned, new_mentioned;
  for (const auto& person : previous.mentioned) previous_mentioned.insert(person.uri);
  for (const auto& person : tags.mentioned) {
    new_mentioned.insert(person.uri);
    if (!previous_mentioned.count(person.uri)) report.mentioned_added.push_back(person.name);
  }
  for (const auto& person : previous.mentioned) {
    if (!new_mentioned.count(person.uri)) report.mentioned_removed.push_back(person.name);
  }
  report.regions_written = static_cast<int>(tags.pictured.size());
  previous_region_uris.insert(previous_mwg_uris.begin(), previous_mwg_uris.end());
  for (const auto& uri : previous_region_uris) {
    if (!new_uris.count(uri)) ++report.regions_removed;
  }
  return update;
}

TagSet ReadFacetagTags(const Exiv2::XmpData& xmp, PixelSize stored, int orientation) {
  const FacetagRecord record = ReadRecord(xmp);
  if (stored.width <= 0 || stored.height <= 0) {
    stored.width =
        static_cast<int>(ParseDecimal(XmpText(xmp, kMwgDimensionsKey + "/stDim:w")).value_or(0));
    stored.height =
        static_cast<int>(ParseDecimal(XmpText(xmp, kMwgDimensionsKey + "/stDim:h")).value_or(0));
  }
  TagSet tags;
  tags.exif_orientation = orientation >= 1 && orientation <= 8 ? orientation : 1;
  const PixelSize displayed = StoredSize(stored.width, stored.height, tags.exif_orientation);
  tags.width = displayed.width;
  tags.height = displayed.height;

  // Boxes from facetag's MWG regions, else from its IPTC regions.
  std::map<std::string, RelativeBox> boxes;
  for (const auto& [index, datums] : ArrayItems(xmp, kImageRegionKey)) {
    const std::string item = Item(kImageRegionKey, index);
    const std::string uri = FieldText(datums, item + kIptcRegionMarker);
    if (uri.empty()) continue;
    const std::string boundary = item + kIptcBoundary + "/Iptc4xmpExt:rb";
    boxes[uri] = RelativeBox{ParseDecimal(FieldText(datums, boundary + "X")).value_or(0),
                             ParseDecimal(FieldText(datums, boundary + "Y")).value_or(0),
                             ParseDecimal(FieldText(datums, boundary + "W")).value_or(0),
                             ParseDecimal(FieldText(datums, boundary + "H")).value_or(0)};
  }
  for (const auto& [index, datums] : ArrayItems(xmp, kMwgRegionListKey)) {
    const std::string item = Item(kMwgRegionListKey, index);
    const std::string uri = FieldText(datums, item + kMwgRegionMarker);
    if (uri.empty()) continue;
    const std::string area = item + kMwgArea + "/stArea:";
    const double w = ParseDecimal(FieldText(datums, area + "w")).value_or(0);
    const double h = ParseDecimal(FieldText(datums, area + "h")).value_or(0);
    boxes[uri] = RelativeBox{ParseDecimal(FieldText(datums, area + "x")).value_or(0) - w / 2,
                             ParseDecimal(FieldText(datums, area + "y")).value_or(0) - h / 2, w, h};
  }
  for (const auto& person : record.pictured) {
    PicturedPerson out{person.name, person.uri, FaceBox{}, person.provenance};
    if (const auto box = boxes.find(person.uri); box != boxes.end()) {
      const RelativeBox& r = box->second;
      const FaceBox stored_box{float(r.x * stored.width), float(r.y * stored.height),
                               float(r.w * stored.width), float(r.h * stored.height)};
      out.box = StoredToDisplayed(stored_box, stored.width, stored.height, tags.exif_orientation);
    }
    tags.pictured.push_back(std::move(out));
  }
  tags.mentioned = record.mentioned;
  return tags;
}

std::vector<NamedPerson> ReadNamedPersons(const Exiv2::XmpData& xmp) {
  std::vector<NamedPerson> persons;
  const FacetagRecord record = ReadRecord(xmp);
  auto note = [&](const std::string& raw_name, const std::string& uri, PersonSource source) {
    const std::string name(Trim(raw_name));
    if (name.empty()) return;
    auto it = std::find_if(persons.begin(), persons.end(),
                           [&](const NamedPerson& p) { return p.name == name; });
    if (it == persons.end()) {
      persons.push_back(NamedPerson{name, {}, {}, false});
      it = persons.end() - 1;
    }
    if (it->uri.empty()) it->uri = uri;
    if (std::find(it->sources.begin(), it->sources.end(), source) == it->sources.end()) {
      it->sources.push_back(source);
    }
  };
  for (const auto& name : XmpItems(xmp, kPersonInImageKey)) {
    note(name, {}, PersonSource::kPersonInImage);
  }
  for (const auto& [index, datums] : ArrayItems(xmp, kPersonDetailsKey)) {
    const std::string item = Item(kPersonDetailsKey, index);
    const auto ids = XmpItems(xmp, item + kIptcPersonId);
    note(XmpText(xmp, item + kIptcPersonName), ids.empty() ? std::string() : ids.front(),
         PersonSource::kPersonInImageWDetails);
  }
  for (const auto& [index, datums] : ArrayItems(xmp, kImageRegionKey)) {
    const std::string item = Item(kImageRegionKey, index);
    for (const auto& name : XmpItems(xmp, item + kIptcRegionPersons)) {
      note(name, {}, PersonSource::kImageRegion);
    }
    for (const auto& [inner, inner_datums] : ArrayItems(xmp, item + kIptcRegionDetails)) {
      const std::string details = Item(item + kIptcRegionDetails, inner);
      const auto ids = XmpItems(xmp, details + kIptcPersonId);
      note(XmpText(xmp, details + kIptcPersonName), ids.empty() ? std::string() : ids.front(),
           PersonSource::kImageRegion);
    }
  }
  for (const auto& [index, datums] : ArrayItems(xmp, kMwgRegionListKey)) {
    const std::string item = Item(kMwgRegionListKey, index);
    if (FieldText(datums, item + "/mwg-rs:Type") != "Face") continue;
    note(FieldText(datums, item + "/mwg-rs:Name"), {}, PersonSource::kMwgRegion);
  }
  for (auto& person : persons) {
    for (const auto& mine : record.pictured) {
      if (mine.name == person.name || (!person.uri.empty() && mine.uri == person.uri)) {
        person.written_by_facetag = true;
      }
    }
  }
  return persons;
}

}  // namespace facetag::metadata::detail
