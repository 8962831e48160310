#include "exiv2_support.h"

#include <algorithm>
#include <mutex>
#include <set>

#include "facetag/file_io.h"

namespace facetag::metadata::detail {
namespace {

namespace fs = std::filesystem;

void LockXmpToolkit(void* data, bool lock) {
  auto* mutex = static_cast<std::recursive_mutex*>(data);
  if (lock) {
    mutex->lock();
  } else {
    mutex->unlock();
  }
}

// The prefix facetag writes for each namespace it works with.
const std::map<std::string, std::string>& CanonicalPrefixes() {
  static const std::map<std::string, std::string> prefixes = {
      {kIptcExtNs, "Iptc4xmpExt"}, {kMwgRegionsNs, "mwg-rs"}, {kAreaNs, "stArea"},
      {kDimensionsNs, "stDim"},    {kXmpBasicNs, "xmp"},      {kFacetagNamespace, kFacetagPrefix},
  };
  return prefixes;
}

// The prefix facetag uses for the namespace `prefix` denotes in exiv2, or
// `prefix` itself when exiv2 does not know it or facetag does not care.
std::string CanonicalPrefix(const std::string& prefix) {
  static thread_local std::map<std::string, std::string> cache;
  if (const auto hit = cache.find(prefix); hit != cache.end()) return hit->second;
  std::string canonical = prefix;
  try {
    const std::string ns = Exiv2::XmpProperties::ns(prefix);
    if (const auto known = CanonicalPrefixes().find(ns); known != CanonicalPrefixes().end()) {
      canonical = known->second;
    }
  } catch (const Exiv2::AnyError&) {
    // A prefix exiv2 has never seen: leave it as the XMP toolkit gave it.
  }
  cache.emplace(prefix, canonical);
  return canonical;
}

// "a:B[2]/?c:D" with every "prefix:" rewritten by CanonicalPrefix.
std::string NormalizePath(const std::string& path) {
  std::string out;
  out.reserve(path.size() + 8);
  std::size_t pos = 0;
  while (pos <= path.size()) {
    const std::size_t slash = std::min(path.find('/', pos), path.size());
    std::string component = path.substr(pos, slash - pos);
    const std::size_t start = !component.empty() && component[0] == '?' ? 1 : 0;
    const std::size_t colon = component.find(':', start);
    const std::size_t bracket = component.find('[', start);
    if (colon != std::string::npos && (bracket == std::string::npos || colon < bracket)) {
      component = component.substr(0, start) +
                  CanonicalPrefix(component.substr(start, colon - start)) + component.substr(colon);
    }
    out += component;
    if (slash == path.size()) break;
    out += '/';
    pos = slash + 1;
  }
  return out;
}

std::string NormalizeKey(const Exiv2::Xmpdatum& datum) {
  const std::string group = datum.groupName();
  return "Xmp." + CanonicalPrefix(group) + "." + NormalizePath(datum.tagName());
}

// Exiv2 0.27 reports its own failures through these codes.
ErrorCode ClassifyExiv2Error(int code) {
  switch (code) {
    case Exiv2::kerDataSourceOpenFailed:
    case Exiv2::kerFileOpenFailed:
    case Exiv2::kerFailedToMapFileForReadWrite:
    case Exiv2::kerFileRenameFailed:
    case Exiv2::kerTransferFailed:
    case Exiv2::kerMemoryTransferFailed:
    case Exiv2::kerCallFailed:
    case Exiv2::kerImageWriteFailed:
      return ErrorCode::kIo;
    case Exiv2::kerNotAnImage:
    case Exiv2::kerFileContainsUnknownImageType:
    case Exiv2::kerMemoryContainsUnknownImageType:
    case Exiv2::kerUnsupportedImageType:
    case Exiv2::kerWritingImageFormatUnsupported:
    case Exiv2::kerInvalidSettingForImage:
    case Exiv2::kerFunctionNotSupported:
      return ErrorCode::kUnsupportedFormat;
    default:
      return ErrorCode::kCorruptImage;
  }
}

}  // namespace

std::recursive_mutex& Exiv2Mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

void EnsureExiv2() {
  static std::once_flag once;
  std::call_once(once, [] {
    Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
    Exiv2::XmpParser::initialize(&LockXmpToolkit, &Exiv2Mutex());
    Exiv2::XmpProperties::registerNs(kIptcExtNs, "Iptc4xmpExt");
    Exiv2::XmpProperties::registerNs(kFacetagNamespace, kFacetagPrefix);
  });
}

Error ErrorFromExiv2(const Exiv2::AnyError& error, const std::string& what, const fs::path& path) {
  return Error{ClassifyExiv2Error(error.code()), what + " " + path.string() + ": " + error.what()};
}

Result<LoadedPhoto> LoadPhoto(const fs::path& path) {
  EnsureExiv2();
  auto bytes = ReadFileBytes(path, kMaxFileBytes);
  if (!bytes) return tl::unexpected(bytes.error());
  LoadedPhoto photo;
  photo.bytes = std::move(*bytes);
  if (photo.bytes.empty()) {
    return Fail(ErrorCode::kUnsupportedFormat, path.string() + " is empty");
  }
  const auto* data = photo.bytes.data();
  const auto size = static_cast<long>(photo.bytes.size());
  std::lock_guard lock(Exiv2Mutex());
  try {
    photo.image_type = Exiv2::ImageFactory::getType(data, size);
  } catch (const Exiv2::AnyError&) {
    // Some of exiv2's format probes throw on bytes that are no image at all.
    photo.image_type = Exiv2::ImageType::none;
  }
  try {
    if (photo.image_type == Exiv2::ImageType::none || photo.image_type == Exiv2::ImageType::xmp ||
        photo.image_type == Exiv2::ImageType::exv) {
      return Fail(ErrorCode::kUnsupportedFormat,
                  path.string() + " is not an image format facetag reads metadata from");
    }
    auto image = Exiv2::ImageFactory::open(data, size);
    if (image.get() == nullptr) {
      return Fail(ErrorCode::kUnsupportedFormat, path.string() + " cannot be opened by exiv2");
    }
    image->readMetadata();
    photo.stored_size = PixelSize{image->pixelWidth(), image->pixelHeight()};
    photo.image.reset(image.release());
  } catch (const Exiv2::AnyError& e) {
    return tl::unexpected(ErrorFromExiv2(e, "cannot read metadata of", path));
  } catch (const std::exception& e) {
    return Fail(ErrorCode::kCorruptImage,
                "cannot read metadata of " + path.string() + ": " + e.what());
  }
  // exiv2 keeps the packet even when it fails to parse it, and then reports
  // no XMP at all; facetag must know the difference so as not to overwrite
  // XMP it could not read.
  const std::string& packet = photo.image->xmpPacket();
  if (!packet.empty()) {
    auto decoded = DecodeXmp(packet);
    if (decoded) {
      photo.xmp = std::move(*decoded);
    } else {
      photo.xmp_unreadable = true;
    }
  } else {
    photo.xmp = NormalizeXmpKeys(photo.image->xmpData());
  }
  return photo;
}

int ExifOrientation(const Exiv2::ExifData& exif) {
  for (const auto& datum : exif) {
    if (datum.key() != "Exif.Image.Orientation") continue;
    if (datum.count() == 0) return 1;
    const long value = datum.toLong(0);
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

Result<Exiv2::XmpData> DecodeXmp(const std::string& packet) {
  EnsureExiv2();
  std::lock_guard lock(Exiv2Mutex());
  Exiv2::XmpData xmp;
  try {
    if (Exiv2::XmpParser::decode(xmp, packet) != 0) {
      return Fail(ErrorCode::kCorruptImage, "the XMP packet cannot be parsed");
    }
  } catch (const Exiv2::AnyError& e) {
    return Fail(ErrorCode::kCorruptImage,
                std::string("the XMP packet cannot be parsed: ") + e.what());
  }
  return NormalizeXmpKeys(xmp);
}

Result<std::string> EncodeXmp(const Exiv2::XmpData& xmp, PacketStyle style, unsigned padding) {
  EnsureExiv2();
  std::lock_guard lock(Exiv2Mutex());
  std::string packet;
  const std::uint16_t flags =
      style == PacketStyle::kSidecar
          ? Exiv2::XmpParser::omitPacketWrapper | Exiv2::XmpParser::useCompactFormat
          : Exiv2::XmpParser::useCompactFormat;
  try {
    if (Exiv2::XmpParser::encode(packet, xmp, flags,
                                 style == PacketStyle::kSidecar ? 0 : padding) != 0) {
      return Fail(ErrorCode::kCorruptImage, "exiv2 cannot serialise the XMP");
    }
  } catch (const Exiv2::AnyError& e) {
    return Fail(ErrorCode::kCorruptImage,
                std::string("exiv2 cannot serialise the XMP: ") + e.what());
  }
  if (style == PacketStyle::kSidecar && !packet.empty()) {
    packet = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + packet;
  }
  return packet;
}

Exiv2::XmpData NormalizeXmpKeys(const Exiv2::XmpData& xmp) {
  Exiv2::XmpData out;
  for (const auto& datum : xmp) {
    const std::string key = NormalizeKey(datum);
    if (key == datum.key()) {
      out.add(datum);
    } else {
      out.add(Exiv2::XmpKey(key), &datum.value());
    }
  }
  return out;
}

std::vector<std::string> CanonicalForm(const Exiv2::XmpData& xmp) {
  std::vector<std::string> lines;
  lines.reserve(static_cast<std::size_t>(xmp.count()));
  for (const auto& datum : xmp) {
    std::string line = datum.key();
    line += '\x1f';
    line += datum.typeName() ? datum.typeName() : "?";
    if (const auto* v = dynamic_cast<const Exiv2::XmpValue*>(&datum.value())) {
      line += '\x1f' + std::to_string(static_cast<int>(v->xmpArrayType())) + ',' +
              std::to_string(static_cast<int>(v->xmpStruct()));
    }
    if (const auto* alt = dynamic_cast<const Exiv2::LangAltValue*>(&datum.value())) {
      for (const auto& [lang, text] : alt->value_) line += '\x1f' + lang + '\x1e' + text;
    } else {
      for (long i = 0; i < datum.count(); ++i) line += '\x1f' + datum.toString(i);
    }
    lines.push_back(std::move(line));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

const Exiv2::Xmpdatum* FindXmp(const Exiv2::XmpData& xmp, const std::string& key) {
  for (const auto& datum : xmp) {
    if (datum.key() == key) return &datum;
  }
  return nullptr;
}

std::string XmpText(const Exiv2::XmpData& xmp, const std::string& key) {
  const Exiv2::Xmpdatum* datum = FindXmp(xmp, key);
  if (datum == nullptr) return {};
  if (const auto* alt = dynamic_cast<const Exiv2::LangAltValue*>(&datum->value())) {
    const auto x_default = alt->value_.find("x-default");
    if (x_default != alt->value_.end()) return x_default->second;
    return alt->value_.empty() ? std::string() : alt->value_.begin()->second;
  }
  if (datum->count() == 0) return {};
  return datum->toString(0);
}

std::vector<std::string> XmpItems(const Exiv2::XmpData& xmp, const std::string& key) {
  const Exiv2::Xmpdatum* datum = FindXmp(xmp, key);
  std::vector<std::string> items;
  if (datum == nullptr) return items;
  if (dynamic_cast<const Exiv2::LangAltValue*>(&datum->value()) != nullptr) {
    items.push_back(XmpText(xmp, key));
    return items;
  }
  for (long i = 0; i < datum->count(); ++i) items.push_back(datum->toString(i));
  return items;
}

bool KeyIsUnder(const std::string& key, const std::string& root) {
  if (key.compare(0, root.size(), root) != 0) return false;
  return key.size() == root.size() || key[root.size()] == '/' || key[root.size()] == '[';
}

std::map<int, std::vector<const Exiv2::Xmpdatum*>> ArrayItems(const Exiv2::XmpData& xmp,
                                                              const std::string& array_key) {
  std::map<int, std::vector<const Exiv2::Xmpdatum*>> items;
  const std::string open = array_key + "[";
  for (const auto& datum : xmp) {
    const std::string& key = datum.key();
    if (key.compare(0, open.size(), open) != 0) continue;
    const std::size_t close = key.find(']', open.size());
    if (close == std::string::npos || close == open.size() || close - open.size() > 6) continue;
    const std::string digits = key.substr(open.size(), close - open.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    items[std::stoi(digits)].push_back(&datum);
  }
  return items;
}

void AddText(Exiv2::XmpData& xmp, const std::string& key, const std::string& value) {
  Exiv2::XmpTextValue v(value);
  xmp.add(Exiv2::XmpKey(key), &v);
}

void AddLangAlt(Exiv2::XmpData& xmp, const std::string& key, const std::string& value) {
  Exiv2::LangAltValue v;
  v.value_["x-default"] = value;
  xmp.add(Exiv2::XmpKey(key), &v);
}

void AddBag(Exiv2::XmpData& xmp, const std::string& key, const std::vector<std::string>& items,
            Exiv2::TypeId type) {
  Exiv2::XmpArrayValue v(type);
  for (const std::string& item : items) v.read(item);
  xmp.add(Exiv2::XmpKey(key), &v);
}

void AddStruct(Exiv2::XmpData& xmp, const std::string& key) {
  Exiv2::XmpTextValue v;
  v.setXmpStruct();
  xmp.add(Exiv2::XmpKey(key), &v);
}

void AddStructBag(Exiv2::XmpData& xmp, const std::string& key) {
  Exiv2::XmpTextValue v;
  v.setXmpArrayType(Exiv2::XmpValue::xaBag);
  xmp.add(Exiv2::XmpKey(key), &v);
}

void AddCopy(Exiv2::XmpData& xmp, const std::string& key, const Exiv2::Xmpdatum& datum) {
  xmp.add(Exiv2::XmpKey(key), &datum.value());
}

}  // namespace facetag::metadata::detail
