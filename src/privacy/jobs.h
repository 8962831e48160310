// The two kinds of job RunJob dispatches to (facetag/privacy.h).
#pragma once

#include "facetag/privacy.h"

namespace facetag::privacy::detail {

Result<JobOutcome> RunOptOutJob(Store& store, const Job& job, const JobRunOptions& options);
Result<JobOutcome> RunPhotoExportJob(Store& store, const Job& job, const JobRunOptions& options);

}  // namespace facetag::privacy::detail
