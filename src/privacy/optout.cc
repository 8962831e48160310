// Opt-out, the suppression list for discovery, the job runner, and the
// retention purge with the stored periods.
#include <sodium.h>

#include <nlohmann/json.hpp>

#include "facetag/file_io.h"
#include "facetag/privacy.h"
#include "facetag/rematch.h"
#include "facetag/text.h"
#include "jobs.h"
#include "time_text.h"

namespace facetag::privacy {

using Json = nlohmann::json;

Result<gallery::SuppressionList> LoadSuppressionList(Store& store, const ModelPack& pack) {
  auto templates = store.privacy().SuppressionTemplates(pack.id);
  if (!templates) return tl::unexpected(templates.error());
  return gallery::SuppressionList(pack.id, std::move(*templates),
                                  gallery::SuppressionThreshold(pack.thresholds));
}

Result<OptOutReport> OptOut(Store& store, const ModelPack& pack, vision::FaceAnalyzer* analyzer,
                            const OptOutRequest& request) {
  const std::string name(text::TrimAsciiWhitespace(request.person));
  if (name.empty()) return Fail(ErrorCode::kInvalidArgument, "opt-out: no name given");
  std::vector<Embedding> faces;
  for (const auto& photo : request.photos) {
    if (analyzer == nullptr) {
      return Fail(ErrorCode::kInvalidArgument, "opt-out with a photo needs the face models");
    }
    auto bytes = ReadFileBytes(photo, vision::DecodeOptions{}.max_file_bytes);
    if (!bytes) return tl::unexpected(bytes.error());
    auto analyzed = analyzer->Analyze(*bytes);
    // The photo itself is not kept: only its main face's embedding goes
    // into the averaged, encrypted template.
    sodium_memzero(bytes->data(), bytes->size());
    if (!analyzed) {
      return Fail(analyzed.error().code, photo.string() + ": " + analyzed.error().message);
    }
    const auto main = vision::PickMainFace(*analyzed);
    if (!main) return Fail(ErrorCode::kNoFace, photo.string() + ": no face found");
    faces.push_back(analyzed->faces[*main].embedding);
  }
  OptOutReport report;
  auto person = store.FindPerson(name);
  if (!person && person.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(person.error());
  }
  if (person) {
    auto outcome = store.privacy().OptOutPerson(
        person->id, faces, gallery::SuppressionThreshold(pack.thresholds), request.actor);
    if (!outcome) return tl::unexpected(outcome.error());
    report.was_listed = true;
    report.outcome = std::move(*outcome);
    return report;
  }
  auto suppression = store.privacy().AddSuppression({name}, faces, request.actor);
  if (!suppression) return tl::unexpected(suppression.error());
  report.outcome.suppression = *suppression;
  report.outcome.name = name;
  if (!faces.empty()) report.outcome.models = {pack.id};
  return report;
}

Result<JobOutcome> RunJob(Store& store, JobId id, const JobRunOptions& options) {
  auto job = store.privacy().GetJob(id);
  if (!job) return tl::unexpected(job.error());
  if (job->status == JobStatus::kDone || job->status == JobStatus::kFailed) {
    return JobOutcome{*job, "", false};
  }
  if (job->kind == JobKind::kOptOut) return detail::RunOptOutJob(store, *job, options);
  return detail::RunPhotoExportJob(store, *job, options);
}

namespace detail {

Result<JobOutcome> RunOptOutJob(Store& store, const Job& job, const JobRunOptions& options) {
  const Json params = Json::parse(job.params, nullptr, false);
  if (!params.is_object() || !params.contains("photos") || !params["photos"].is_array()) {
    return Fail(ErrorCode::kInternal,
                "opt-out job " + std::to_string(job.id) + " has no photo list");
  }
  const std::vector<PhotoId> photos = params["photos"].get<std::vector<PhotoId>>();
  Json failures = Json::array();
  std::int64_t rewritten = 0;
  std::int64_t gone = 0;
  for (auto i = static_cast<std::size_t>(job.done); i < photos.size(); ++i) {
    if (options.stop && options.stop->load()) {
      auto stopped = store.privacy().GetJob(job.id);
      if (!stopped) return tl::unexpected(stopped.error());
      return JobOutcome{*stopped, "", true};
    }
    auto written = pipeline::WriteArchivedTags(store, photos[i]);
    if (written) {
      ++rewritten;
    } else if (written.error().code == ErrorCode::kNotFound) {
      // The photo left the archive, or its file is gone: no name to remove.
      ++gone;
      failures.push_back({{"photo", photos[i]}, {"error", written.error().message}});
    } else {
      failures.push_back({{"photo", photos[i]}, {"error", written.error().message}});
    }
    FACETAG_RETURN_IF_ERROR(
        store.privacy().UpdateJobProgress(job.id, static_cast<std::int64_t>(i + 1)));
    if (options.progress) options.progress(static_cast<std::int64_t>(i + 1), job.total);
  }
  // The deleted profiles and faces leave the file's bytes only now.
  auto compacted = store.privacy().Compact();
  Json result = {{"rewritten", rewritten},
                 {"missing", gone},
                 {"failures", failures},
                 {"compacted", static_cast<bool>(compacted)}};
  if (!compacted) result["compact_error"] = compacted.error().message;
  FACETAG_RETURN_IF_ERROR(
      store.privacy().FinishJob(job.id, JobStatus::kDone, result.dump(), "", "", std::nullopt));
  auto finished = store.privacy().GetJob(job.id);
  if (!finished) return tl::unexpected(finished.error());
  return JobOutcome{*finished, "", false};
}

}  // namespace detail

Result<PurgeReport> PurgeNow(Store& store, TimePoint now, bool dry_run, std::string_view actor) {
  auto policy = store.privacy().Retention();
  if (!policy) return tl::unexpected(policy.error());
  return store.privacy().Purge(*policy, detail::NowOr(now), dry_run, actor);
}

}  // namespace facetag::privacy
