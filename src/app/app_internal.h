// Helpers shared by the use cases' implementations (not part of the API).
#pragma once

#include <vector>

#include "facetag/app.h"

namespace facetag::app {

// The archive's record of a decision. A face of an opted-out person that is
// already stored (the opt-out came later; its job deletes such faces) is
// recorded as unknown, with nothing about who it resembles.
FaceTag TagOf(const Decision& decision);
TagStatus StatusOf(const Decision& decision);

// What the editors said about a stored face, as DecidePhoto reads it.
EditorsWord EditorsWordOf(const FaceTag& tag, TagStatus status,
                          const std::vector<PersonId>& rejected);

}  // namespace facetag::app
