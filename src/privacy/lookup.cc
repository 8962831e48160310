// "Am I on the list?" by name and by photo.
#include <sstream>

#include "facetag/pipeline.h"
#include "facetag/privacy.h"
#include "facetag/text.h"

namespace facetag::privacy {

namespace {

constexpr char kDiscarded[] =
    "The photo was processed in memory only and discarded: nothing of it (no image, no face "
    "measurement) was stored.";

}  // namespace

Result<LookupAnswer> LookupName(Store& store, std::string_view name) {
  const std::string wanted(text::TrimAsciiWhitespace(name));
  if (wanted.empty()) return Fail(ErrorCode::kInvalidArgument, "lookup: no name given");
  LookupAnswer answer;
  auto person = store.FindPerson(wanted);
  if (person) {
    answer.listed = true;
    answer.persons.push_back(*person);
  } else if (person.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(person.error());
  }
  auto suppressed = store.privacy().FindSuppressedName(wanted);
  if (!suppressed) return tl::unexpected(suppressed.error());
  answer.opted_out = suppressed->has_value();
  if (answer.listed) {
    const Person& p = answer.persons.front();
    answer.answer = "\"" + wanted + "\" is on the list as " + p.name + " (listed " +
                    p.created_at.substr(0, 10) + ", " + std::to_string(p.profile_count) +
                    " facial profile(s)).";
  } else if (answer.opted_out) {
    answer.answer = "\"" + wanted +
                    "\" is not on the list; the name belongs to an opt-out record, so the "
                    "person is not recognised and not proposed for the list.";
  } else {
    answer.answer = "\"" + wanted + "\" is not on the list.";
  }
  return answer;
}

Result<LookupAnswer> LookupPhoto(Store& store, const ModelPack& pack,
                                 vision::FaceAnalyzer& analyzer,
                                 std::span<const unsigned char> bytes) {
  auto list = pipeline::Recognizer::Load(store, pack);
  if (!list) return tl::unexpected(list.error());
  auto faces = analyzer.Analyze(bytes);
  if (!faces) return tl::unexpected(faces.error());
  LookupAnswer answer;
  answer.photo_discarded = true;
  std::ostringstream words;
  const auto recognized = list->Recognize(*faces);
  words << recognized.size() << " face(s) found.";
  for (std::size_t i = 0; i < recognized.size(); ++i) {
    const pipeline::FaceRecognition& r = recognized[i];
    LookupFace face;
    face.box = r.face.box;
    face.opted_out = r.suppressed;
    if (r.match.best) face.similarity = r.match.best->similarity;
    words << " Face " << i + 1 << ": ";
    if (r.person) {
      face.person = *r.person;
      answer.listed = true;
      answer.persons.push_back(*r.person);
      words << "recognised as " << r.person->name << ", who is on the list.";
    } else if (r.suppressed) {
      answer.opted_out = true;
      words << "matches an opt-out record; it is never recognised.";
    } else {
      words << "not recognised as anyone on the list.";
    }
    answer.faces.push_back(std::move(face));
  }
  words << " " << kDiscarded;
  answer.answer = words.str();
  return answer;
}

}  // namespace facetag::privacy
