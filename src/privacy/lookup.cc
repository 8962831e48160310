// "Am I on the list?" by name and by photo.
#include <sstream>

#include "facetag/privacy.h"
#include "facetag/text.h"

namespace facetag::privacy {

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

}  // namespace facetag::privacy
