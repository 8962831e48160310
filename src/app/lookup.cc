// "Am I on the list?" by a photo: analysed in memory and discarded.
#include <sstream>

#include "facetag/app.h"

namespace facetag::app {
namespace {

constexpr char kDiscarded[] =
    "The photo was processed in memory only and discarded: nothing of it (no image, no face "
    "measurement) was stored.";

}  // namespace

Result<privacy::LookupAnswer> App::LookupPhoto(std::span<const unsigned char> bytes,
                                               vision::FaceAnalyzer& analyzer) {
  FACETAG_ASSIGN_OR_RETURN(auto list, List());
  FACETAG_ASSIGN_OR_RETURN(const PhotoFaces faces, analyzer.Analyze(bytes));
  std::vector<FaceEvidence> evidence;
  for (const DetectedFace& face : faces.faces) evidence.push_back(list->EvidenceFor(face));
  const std::vector<Decision> decisions = DecidePhoto(evidence, {}, list->rule());

  privacy::LookupAnswer answer;
  answer.photo_discarded = true;
  std::ostringstream words;
  words << decisions.size() << " face(s) found.";
  for (std::size_t i = 0; i < decisions.size(); ++i) {
    const Decision& d = decisions[i];
    privacy::LookupFace face;
    face.box = faces.faces[i].box;
    face.opted_out = d.decision == FaceDecision::kSuppressed;
    face.similarity = d.similarity;
    words << " Face " << i + 1 << ": ";
    const Person* person = d.person ? list->FindPerson(*d.person) : nullptr;
    if (person) {
      face.person = *person;
      answer.listed = true;
      answer.persons.push_back(*person);
      words << "recognised as " << person->name << ", who is on the list.";
    } else if (face.opted_out) {
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

}  // namespace facetag::app
