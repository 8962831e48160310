// The exiv2 adapter: process-wide set-up, error translation, and the XMP
// helpers the reader and the writer share. Only this module includes exiv2.
//
// Thread safety: all functions may be called from several threads; the ones
// that call exiv2 take Exiv2Mutex(), the others work on caller-owned data.
#pragma once

#include <exiv2/exiv2.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "facetag/metadata.h"
#include "facetag/result.h"

namespace facetag::metadata::detail {

// Largest photo or sidecar read, as vision's decode limit.
inline constexpr std::uintmax_t kMaxFileBytes = 512ull << 20;

// Namespace URIs facetag reads or writes in nested XMP paths.
inline constexpr const char* kIptcExtNs = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/";
inline constexpr const char* kMwgRegionsNs = "http://www.metadataworkinggroup.com/schemas/regions/";
inline constexpr const char* kAreaNs = "http://ns.adobe.com/xmp/sType/Area#";
inline constexpr const char* kDimensionsNs = "http://ns.adobe.com/xap/1.0/sType/Dimensions#";
inline constexpr const char* kXmpBasicNs = "http://ns.adobe.com/xap/1.0/";

// exiv2 0.27's XMP toolkit is not safe for concurrent use (its lock only
// guards namespace registration), and exiv2 parses XMP inside readMetadata:
// every exiv2 call of this module holds this lock. The calls are short next
// to face recognition, so serialising them costs little.
std::recursive_mutex& Exiv2Mutex();

// Initialises exiv2 once per process: silences its log (errors are returned
// instead), makes the XMP toolkit thread-safe, and registers the prefixes
// "Iptc4xmpExt" (IPTC's own; exiv2 0.27 calls it "iptcExt", which its XMP
// toolkit then may not resolve inside struct paths) and kFacetagPrefix.
// After this, keys use "Xmp.Iptc4xmpExt." and "Xmp.facetag.".
void EnsureExiv2();

// An Error for an exiv2 exception while doing `what` with `path`.
Error ErrorFromExiv2(const Exiv2::AnyError& error, const std::string& what,
                     const std::filesystem::path& path);

// A photo read into memory with its metadata parsed by exiv2.
struct LoadedPhoto {
  std::vector<unsigned char> bytes;
  int image_type = 0;  // Exiv2::ImageType
  std::unique_ptr<Exiv2::Image> image;
  Exiv2::XmpData xmp;           // the photo's own XMP, keys normalised
  bool xmp_unreadable = false;  // an XMP packet exists but exiv2 cannot parse it
  PixelSize stored_size;        // pixels as stored; 0 x 0 when exiv2 cannot tell
};

// Reads and parses `path`. Errors: kNotFound, kInvalidArgument, kIo,
// kUnsupportedFormat, kCorruptImage.
Result<LoadedPhoto> LoadPhoto(const std::filesystem::path& path);

// EXIF IFD0 Orientation, 1-8; 1 when absent or invalid (as vision reads it).
int ExifOrientation(const Exiv2::ExifData& exif);

// Parses an XMP packet (a sidecar's content); keys normalised. Errors:
// kCorruptImage when the XMP toolkit rejects it.
Result<Exiv2::XmpData> DecodeXmp(const std::string& packet);

enum class PacketStyle {
  kEmbedded,  // with the <?xpacket?> wrapper and `padding` spaces, for a file
  kSidecar,   // a stand-alone XML document
};

// Serialises `xmp`. Errors: kCorruptImage when exiv2 cannot (the message
// says so: this is existing XMP that exiv2 0.27 cannot write back).
Result<std::string> EncodeXmp(const Exiv2::XmpData& xmp, PacketStyle style, unsigned padding = 0);

// `xmp` with the namespace prefixes inside struct and array paths rewritten
// to the ones facetag registered, for the namespaces facetag works with. The
// XMP toolkit reports nested paths with the prefix a file happened to use
// ("iptcExt:PersonName" from a file exiv2 wrote elsewhere), which it then
// refuses to serialise; normalised keys also let facetag find its fields.
Exiv2::XmpData NormalizeXmpKeys(const Exiv2::XmpData& xmp);

// A description of `xmp` that is equal for equal content whatever the order
// of the entries: one sorted line per entry with key, type, array and
// struct flags and every value.
std::vector<std::string> CanonicalForm(const Exiv2::XmpData& xmp);

// --- Reading values -------------------------------------------------------

// The datum with exactly this key, or null.
const Exiv2::Xmpdatum* FindXmp(const Exiv2::XmpData& xmp, const std::string& key);

// A text value: a simple property as is; a lang-alt's x-default (else its
// first language); an array's first item. Empty when absent.
std::string XmpText(const Exiv2::XmpData& xmp, const std::string& key);

// The items of a simple array (bag, seq, alt), or a lone text value as one
// item. Empty when absent.
std::vector<std::string> XmpItems(const Exiv2::XmpData& xmp, const std::string& key);

// The datums of each item of the array `array_key` whose items are structs
// (keys "<array_key>[n]..."), by item number in ascending order.
std::map<int, std::vector<const Exiv2::Xmpdatum*>> ArrayItems(const Exiv2::XmpData& xmp,
                                                              const std::string& array_key);

// True when `key` is `root` itself or lies below it ("<root>/..." or
// "<root>[n]..."), so that "PersonInImage" does not match
// "PersonInImageWDetails".
bool KeyIsUnder(const std::string& key, const std::string& root);

// --- Writing values -------------------------------------------------------

void AddText(Exiv2::XmpData& xmp, const std::string& key, const std::string& value);
void AddLangAlt(Exiv2::XmpData& xmp, const std::string& key, const std::string& value);
// A simple array; `type` xmpBag or xmpSeq.
void AddBag(Exiv2::XmpData& xmp, const std::string& key, const std::vector<std::string>& items,
            Exiv2::TypeId type = Exiv2::xmpBag);
// An empty struct, or an empty bag whose items are structs added below it.
void AddStruct(Exiv2::XmpData& xmp, const std::string& key);
void AddStructBag(Exiv2::XmpData& xmp, const std::string& key);
// Copies `datum` under a new key.
void AddCopy(Exiv2::XmpData& xmp, const std::string& key, const Exiv2::Xmpdatum& datum);

}  // namespace facetag::metadata::detail
