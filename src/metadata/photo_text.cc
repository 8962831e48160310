// ReadPhotoText: caption, headline, keywords, date and persons of a photo.
#include <algorithm>

#include "exiv2_support.h"
#include "facetag/enum_text.h"
#include "facetag/file_io.h"
#include "facetag/hash.h"
#include "facetag/metadata.h"
#include "text_encoding.h"
#include "xmp_layout.h"

namespace facetag::metadata {
namespace {

namespace fs = std::filesystem;
using detail::DeclaredCharset;
using detail::DecodeLegacyText;

const Exiv2::Iptcdatum* FindIptc(const Exiv2::IptcData& iptc, const char* key) {
  for (const auto& datum : iptc) {
    if (datum.key() == key) return &datum;
  }
  return nullptr;
}

std::string IptcText(const Exiv2::IptcData& iptc, const char* key, DeclaredCharset charset) {
  const Exiv2::Iptcdatum* datum = FindIptc(iptc, key);
  return datum == nullptr ? std::string() : DecodeLegacyText(datum->toString(), charset);
}

const Exiv2::Exifdatum* FindExif(const Exiv2::ExifData& exif, const char* key) {
  for (const auto& datum : exif) {
    if (datum.key() == key) return &datum;
  }
  return nullptr;
}

std::string ExifText(const Exiv2::ExifData& exif, const char* key) {
  const Exiv2::Exifdatum* datum = FindExif(exif, key);
  return datum == nullptr ? std::string()
                          : DecodeLegacyText(datum->toString(), DeclaredCharset::kUnknown);
}

// IPTC DateCreated ("2012-12-06" as exiv2 prints it) with TimeCreated
// ("15:46:01+01:00"), EXIF "2012:12:06 15:46:01" with OffsetTimeOriginal.
std::string IptcDate(const Exiv2::IptcData& iptc) {
  const Exiv2::Iptcdatum* date = FindIptc(iptc, "Iptc.Application2.DateCreated");
  if (date == nullptr) return {};
  std::string text = date->toString();
  if (const Exiv2::Iptcdatum* time = FindIptc(iptc, "Iptc.Application2.TimeCreated")) {
    text += "T" + time->toString();
  }
  return text;
}

std::string ExifDate(const Exiv2::ExifData& exif) {
  std::string text = ExifText(exif, "Exif.Photo.DateTimeOriginal");
  // "YYYY:MM:DD HH:MM:SS"; cameras without a clock write zeros or blanks.
  if (text.size() < 19 || text.compare(0, 4, "0000") == 0 || text[4] != ':' || text[7] != ':') {
    return {};
  }
  text[4] = '-';
  text[7] = '-';
  text[10] = 'T';
  text.resize(19);
  const std::string offset = ExifText(exif, "Exif.Photo.OffsetTimeOriginal");
  if (offset.size() == 6 && (offset[0] == '+' || offset[0] == '-')) text += offset;
  return text;
}

}  // namespace

const char* CaptionSourceName(CaptionSource source) {
  static constexpr EnumText<CaptionSource> kText[] = {
      {CaptionSource::kNone, "none"},
      {CaptionSource::kIptcCaption, "iptc"},
      {CaptionSource::kXmpDescription, "xmp"},
      {CaptionSource::kExifImageDescription, "exif"}};
  return ToText(kText, source);
}

const char* TagOriginName(TagOrigin origin) {
  return origin == TagOrigin::kConfirmed ? "confirmed" : "automatic";
}

fs::path SidecarPath(const fs::path& photo) {
  fs::path sidecar = photo;
  sidecar.replace_extension(".xmp");
  return sidecar;
}

Result<PhotoText> ReadPhotoText(const fs::path& photo, const ReadOptions& options) {
  auto loaded = detail::LoadPhoto(photo);
  if (!loaded) return tl::unexpected(loaded.error());
  const Exiv2::IptcData& iptc = loaded->image->iptcData();
  const Exiv2::ExifData& exif = loaded->image->exifData();

  PhotoText text;
  const Exiv2::XmpData* xmp = &loaded->xmp;
  if (loaded->xmp_unreadable) {
    text.warnings.push_back("the photo's XMP packet cannot be parsed; its fields are ignored");
  }
  Exiv2::XmpData sidecar_xmp;
  if (options.read_sidecar) {
    const fs::path sidecar = SidecarPath(photo);
    std::error_code ec;
    if (fs::exists(sidecar, ec)) {
      auto bytes = ReadFileBytes(sidecar, detail::kMaxFileBytes);
      if (!bytes) return tl::unexpected(bytes.error());
      auto decoded = detail::DecodeXmp(std::string(bytes->begin(), bytes->end()));
      if (decoded) {
        sidecar_xmp = std::move(*decoded);
        xmp = &sidecar_xmp;
        text.from_sidecar = true;
      } else {
        text.warnings.push_back("the sidecar " + sidecar.string() +
                                " cannot be parsed; the photo's own XMP is used");
      }
    }
  }

  const auto charset_datum = FindIptc(iptc, "Iptc.Envelope.CharacterSet");
  const DeclaredCharset charset = charset_datum == nullptr
                                      ? DeclaredCharset::kUnknown
                                      : detail::ParseIptcCharset(charset_datum->toString());

  // Caption: IPTC IIM first, as photo desks fill it; then XMP; then EXIF.
  if (std::string caption = IptcText(iptc, "Iptc.Application2.Caption", charset);
      !caption.empty()) {
    text.caption = std::move(caption);
    text.caption_source = CaptionSource::kIptcCaption;
  } else if (std::string description(detail::Trim(detail::XmpText(*xmp, "Xmp.dc.description")));
             !description.empty()) {
    text.caption = std::move(description);
    text.caption_source = CaptionSource::kXmpDescription;
  } else if (std::string exif_description = ExifText(exif, "Exif.Image.ImageDescription");
             !exif_description.empty()) {
    text.caption = std::move(exif_description);
    text.caption_source = CaptionSource::kExifImageDescription;
  }

  text.headline = IptcText(iptc, "Iptc.Application2.Headline", charset);
  if (text.headline.empty()) {
    text.headline = std::string(detail::Trim(detail::XmpText(*xmp, "Xmp.photoshop.Headline")));
  }

  for (const auto& datum : iptc) {
    if (datum.key() != "Iptc.Application2.Keywords") continue;
    std::string keyword = DecodeLegacyText(datum.toString(), charset);
    if (!keyword.empty()) text.keywords.push_back(std::move(keyword));
  }
  if (text.keywords.empty()) {
    for (const auto& keyword : detail::XmpItems(*xmp, "Xmp.dc.subject")) {
      std::string trimmed(detail::Trim(keyword));
      if (!trimmed.empty()) text.keywords.push_back(std::move(trimmed));
    }
  }

  text.date_created = IptcDate(iptc);
  if (text.date_created.empty()) {
    text.date_created =
        std::string(detail::Trim(detail::XmpText(*xmp, "Xmp.photoshop.DateCreated")));
  }
  if (text.date_created.empty()) text.date_created = ExifDate(exif);

  text.exif_orientation = detail::ExifOrientation(exif);
  text.persons = detail::ReadNamedPersons(*xmp);
  text.facetag = detail::ReadFacetagTags(*xmp, loaded->stored_size, text.exif_orientation);
  return text;
}

std::string PhotoTextIdentity(const PhotoText& text) {
  // Length-prefixed fields: no caption can make two texts print alike.
  std::string canonical;
  const auto field = [&canonical](std::string_view value) {
    canonical += std::to_string(value.size());
    canonical += ':';
    canonical += value;
    canonical += '\n';
  };
  field(text.caption);
  field(CaptionSourceName(text.caption_source));
  field(text.headline);
  field(std::to_string(text.keywords.size()));
  for (const std::string& keyword : text.keywords) field(keyword);
  field(text.date_created);
  return Sha256Hex({reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size()});
}

}  // namespace facetag::metadata
