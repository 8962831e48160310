// The two kinds of job RunJob dispatches to (facetag/privacy.h).
#pragma once

#include "facetag/privacy.h"

namespace facetag::privacy::detail {

Result<JobOutcome> RunOptOutJob(Store& store, const Job& job, const JobRunOptions& options);
Result<JobOutcome> RunPhotoExportJob(Store& store, const Job& job, const JobRunOptions& options);

// Records `done` steps of `job` (status running) with the result so far,
// and reports them.
Result<void> Progress(Store& store, const Job& job, std::int64_t done, const JobRunOptions& options,
                      std::string_view result = "{}");
// The job as stored, as an outcome of a run stopped on request.
Result<JobOutcome> Stopped(Store& store, JobId id);
// Marks `job` done with all its steps and `result`; the job as stored.
Result<JobOutcome> Finished(Store& store, const Job& job, std::string_view result);

}  // namespace facetag::privacy::detail
