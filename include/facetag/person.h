// The list: public figures facetag recognizes, and their facial profiles.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "facetag/types.h"

namespace facetag {

using PersonId = std::int64_t;
using ProfileId = std::int64_t;

// Why an editor listed a person. The agency lists a person who is a public
// figure, has been in the news more than once, and whom customers will
// likely search for; an editor states each point when listing them.
struct ListingCriteria {
  bool public_figure = false;      // holds a public role or seeks publicity
  bool recurring_in_news = false;  // appeared in the news more than once
  bool likely_searched = false;    // customers will likely search for them

  bool AllMet() const { return public_figure && recurring_in_news && likely_searched; }
  bool operator==(const ListingCriteria&) const = default;
};

// A listed public figure.
struct Person {
  PersonId id = 0;
  // Stable identifier written into photos (IPTC PersonId): "urn:uuid:...".
  // Never reused, never changes, even if the name is corrected.
  std::string uri;
  std::string name;                  // display name, unique on the list
  std::vector<std::string> aliases;  // other names the person is known by
  std::string justification;         // the editor's reason for listing them
  ListingCriteria criteria;          // which listing criteria the editor stated
  std::string created_at;            // UTC, ISO 8601
  int profile_count = 0;
};

// What a caller supplies to list a person.
struct NewPerson {
  std::string name;
  std::vector<std::string> aliases;
  std::string justification;  // UTF-8, may be empty
  ListingCriteria criteria;
};

// Changes to a listed person's record; unset fields stay as they are.
struct PersonUpdate {
  std::optional<std::string> name;  // a new display name (the URI stays)
  std::optional<std::string> justification;
  std::optional<ListingCriteria> criteria;
};

// One facial profile: an embedding of a person's face and where it came from.
struct Profile {
  ProfileId id = 0;
  PersonId person_id = 0;
  Embedding embedding;
  std::string photo_sha256;  // the photo the face was taken from
  FaceBox box;               // the face in that photo (displayed pixels)
  std::string created_at;
};

}  // namespace facetag
