#include "facetag/suppressed_name.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uspoof.h>

#include <algorithm>
#include <memory>
#include <set>
#include <vector>

#include "facetag/text.h"

namespace facetag {
namespace {

// Honorifics and generational suffixes, as people write them; compared
// after the same steps as names (ReduceToken), so the list stays readable.
constexpr const char* kDroppedWords[] = {
    // honorifics and titles of address
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
    "hon", "rev", "fr", "mme", "mlle", "m", "herr", "frau", "sen", "rep", "gov",
    // generational suffixes
    "jr", "jnr", "junior", "sr", "snr", "senior", "ii", "iii", "iv", "2nd", "3rd"};

struct Folding {
  const icu::Normalizer2* nfkd = nullptr;
  USpoofChecker* spoof = nullptr;
  std::set<std::string> dropped;
};

// Steps 1-3 on one piece of text.
icu::UnicodeString Reduce(const Folding& f, const icu::UnicodeString& text) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString decomposed = f.nfkd->normalize(text, status);
  if (U_FAILURE(status)) decomposed = text;
  icu::UnicodeString bare;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    if (u_charType(c) != U_NON_SPACING_MARK && u_charType(c) != U_ENCLOSING_MARK) bare.append(c);
    i += U16_LENGTH(c);
  }
  bare.foldCase();
  if (f.spoof == nullptr) return bare;
  status = U_ZERO_ERROR;
  icu::UnicodeString skeleton;
  uspoof_getSkeletonUnicodeString(f.spoof, 0, bare, skeleton, &status);
  if (U_FAILURE(status)) return bare;
  // A skeleton may hold marks again (it is NFD) and capitals.
  icu::UnicodeString out;
  for (int32_t i = 0; i < skeleton.length();) {
    const UChar32 c = skeleton.char32At(i);
    if (u_charType(c) != U_NON_SPACING_MARK && u_charType(c) != U_ENCLOSING_MARK) out.append(c);
    i += U16_LENGTH(c);
  }
  return out.foldCase();
}

// Step 4: runs of letters and digits, as UTF-8.
std::vector<std::string> Tokens(const icu::UnicodeString& text) {
  std::vector<std::string> tokens;
  icu::UnicodeString current;
  auto flush = [&] {
    if (current.isEmpty()) return;
    std::string utf8;
    current.toUTF8String(utf8);
    tokens.push_back(std::move(utf8));
    current.remove();
  };
  for (int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    if (u_isalnum(c)) {
      current.append(c);
    } else {
      flush();
    }
    i += U16_LENGTH(c);
  }
  flush();
  return tokens;
}

const Folding& TheFolding() {
  static const Folding* folding = [] {
    auto* f = new Folding;
    UErrorCode status = U_ZERO_ERROR;
    f->nfkd = icu::Normalizer2::getNFKDInstance(status);
    status = U_ZERO_ERROR;
    USpoofChecker* spoof = uspoof_open(&status);
    if (U_SUCCESS(status)) {
      uspoof_setChecks(spoof, USPOOF_CONFUSABLE, &status);
      f->spoof = U_SUCCESS(status) ? spoof : nullptr;
    }
    for (const char* word : kDroppedWords) {
      for (std::string& token : Tokens(Reduce(*f, icu::UnicodeString::fromUTF8(word)))) {
        f->dropped.insert(std::move(token));
      }
    }
    return f;
  }();
  return *folding;
}

}  // namespace

std::string SuppressedNameKey(std::string_view name) {
  const Folding& f = TheFolding();
  // fromUTF8 turns malformed bytes into U+FFFD, which is no letter: a
  // separator.
  // facetag's own folding first ("ł" -> "l", "æ" -> "ae", "ø" -> "o"), so
  // the key is never weaker than the names the store compares.
  const std::string folded = text::Fold(name);
  const icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(folded.data(), static_cast<int32_t>(folded.size())));
  const std::vector<std::string> tokens = Tokens(Reduce(f, text));
  std::set<std::string> kept;
  for (const std::string& token : tokens) {
    if (!f.dropped.count(token)) kept.insert(token);
  }
  if (kept.empty()) kept.insert(tokens.begin(), tokens.end());
  std::string key;
  for (const std::string& token : kept) {
    if (!key.empty()) key += ' ';
    key += token;
  }
  return key;
}

bool SameSuppressedName(std::string_view a, std::string_view b) {
  const std::string key = SuppressedNameKey(a);
  return !key.empty() && key == SuppressedNameKey(b);
}

}  // namespace facetag
