// The list: public figures facetag recognizes, and their facial profiles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "facetag/types.h"

namespace facetag {

using PersonId = std::int64_t;
using ProfileId = std::int64_t;

// A listed public figure.
struct Person {
  PersonId id = 0;
  // Stable identifier written into photos (IPTC PersonId): "urn:uuid:...".
  // Never reused, never changes, even if the name is corrected.
  std::string uri;
  std::string name;                  // display name, unique on the list
  std::vector<std::string> aliases;  // other names the person is known by
  std::string notes;                 // why the person is on the list
  std::string created_at;            // UTC, ISO 8601
  int profile_count = 0;
};

// What a caller supplies to list a person.
struct NewPerson {
  std::string name;
  std::vector<std::string> aliases;
  std::string notes;
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
