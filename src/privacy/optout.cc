// Opt-out, the suppression list for discovery, the job runner, and the
// retention purge with the stored periods.
#include <sodium.h>

#include <nlohmann/json.hpp>

#include "facetag/file_io.h"
#include "facetag/privacy.h"
#include "facetag/privacy_rules.h"
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
  // The photos themselves are not kept: only each main face's embedding
  // goes into the averaged, encrypted template.
  const auto add_face = [&](std::span<const unsigned char> bytes,
                            const std::string& what) -> Result<void> {
    if (analyzer == nullptr) {
      return Fail(ErrorCode::kInvalidArgument, "opt-out with a photo needs the face models");
    }
    auto analyzed = analyzer->Analyze(bytes);
    if (!analyzed) return Fail(analyzed.error().code, what + ": " + analyzed.error().message);
    const auto main = vision::PickMainFace(*analyzed);
    if (!main) return Fail(ErrorCode::kNoFace, what + ": no face found");
    faces.push_back(analyzed->faces[*main].embedding);
    return {};
  };
  for (const auto& photo : request.photos) {
    auto bytes = ReadFileBytes(photo, vision::DecodeOptions{}.max_file_bytes);
    if (!bytes) return tl::unexpected(bytes.error());
    auto added = add_face(*bytes, photo.string());
    sodium_memzero(bytes->data(), bytes->size());
    FACETAG_RETURN_IF_ERROR(added);
  }
  for (std::size_t i = 0; i < request.photo_bytes.size(); ++i) {
    FACETAG_RETURN_IF_ERROR(add_face(request.photo_bytes[i], "photo " + std::to_string(i + 1)));
  }
  OptOutReport report;
  auto person = store.FindPerson(name);
  if (!person && person.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(person.error());
  }
  if (person) {
    const float threshold = gallery::SuppressionThreshold(pack.thresholds);
    auto outcome = store.privacy().OptOutPerson(
        person->id, faces,
        [threshold](const Embedding& face, const Embedding& suppression_template) {
          return IsOptedOutFace(face, suppression_template, threshold);
        },
        request.actor);
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

Result<std::vector<Job>> UnfinishedJobs(Store& store) {
  auto jobs = store.service().ListJobs(1000);
  if (!jobs) return tl::unexpected(jobs.error());
  std::vector<Job> out;
  for (auto it = jobs->rbegin(); it != jobs->rend(); ++it) {
    const bool ours = it->kind == kOptOutJob || it->kind == kPhotoExportJob;
    const bool unfinished = it->status == JobStatus::kQueued || it->status == JobStatus::kRunning ||
                            it->status == JobStatus::kInterrupted;
    if (ours && unfinished) out.push_back(*it);
  }
  return out;
}

Result<JobOutcome> RunJob(Store& store, JobId id, const JobRunOptions& options) {
  auto job = store.service().GetJob(id);
  if (!job) return tl::unexpected(job.error());
  if (job->kind != kOptOutJob && job->kind != kPhotoExportJob) {
    return Fail(ErrorCode::kInvalidArgument,
                "job " + std::to_string(id) + " is a \"" + job->kind + "\" job, not a privacy job");
  }
  if (job->status == JobStatus::kDone || job->status == JobStatus::kFailed) {
    return JobOutcome{*job, false};
  }
  auto outcome = job->kind == kOptOutJob ? detail::RunOptOutJob(store, *job, options)
                                         : detail::RunPhotoExportJob(store, *job, options);
  if (!outcome && outcome.error().code != ErrorCode::kDatabase) {
    // A job that cannot go on is marked failed with the reason; a database
    // failure leaves it resumable.
    const nlohmann::json result = {{"error", outcome.error().message}};
    (void)store.service().UpdateJob(id, JobStatus::kFailed, job->done, job->total, result.dump());
  }
  return outcome;
}

namespace detail {

Result<void> Progress(Store& store, const Job& job, std::int64_t done, const JobRunOptions& options,
                      std::string_view result) {
  FACETAG_RETURN_IF_ERROR(
      store.service().UpdateJob(job.id, JobStatus::kRunning, done, job.total, result));
  if (options.progress) options.progress(done, job.total);
  return {};
}

Result<JobOutcome> Stopped(Store& store, JobId id) {
  FACETAG_ASSIGN_OR_RETURN(Job job, store.service().GetJob(id));
  return JobOutcome{std::move(job), true};
}

Result<JobOutcome> Finished(Store& store, const Job& job, std::string_view result) {
  FACETAG_RETURN_IF_ERROR(
      store.service().UpdateJob(job.id, JobStatus::kDone, job.total, job.total, result));
  FACETAG_ASSIGN_OR_RETURN(Job finished, store.service().GetJob(job.id));
  return JobOutcome{std::move(finished), false};
}

}  // namespace detail

namespace detail {

Result<JobOutcome> RunOptOutJob(Store& store, const Job& job, const JobRunOptions& options) {
  const Json params = Json::parse(job.params, nullptr, false);
  if (!params.is_object() || !params.contains("photos") || !params["photos"].is_array()) {
    return Fail(ErrorCode::kInternal,
                "opt-out job " + std::to_string(job.id) + " has no photo list");
  }
  const std::vector<PhotoId> photos = params["photos"].get<std::vector<PhotoId>>();
  // A resumed job continues the counts of the runs before it.
  const Json before = Json::parse(job.result, nullptr, false);
  Json failures = before.is_object() ? before.value("failures", Json::array()) : Json::array();
  std::int64_t rewritten = before.is_object() ? before.value("rewritten", std::int64_t{0}) : 0;
  std::int64_t gone = before.is_object() ? before.value("missing", std::int64_t{0}) : 0;
  for (auto i = static_cast<std::size_t>(job.done); i < photos.size(); ++i) {
    if (options.stop && options.stop->load()) return Stopped(store, job.id);
    auto written = options.rewrite_photo
                       ? options.rewrite_photo(photos[i])
                       : Result<metadata::WriteReport>(Fail(
                             ErrorCode::kInternal, "opt-out job run without a way to rewrite"));
    if (written) {
      ++rewritten;
    } else if (written.error().code == ErrorCode::kNotFound) {
      // The photo left the archive, or its file is gone: no name to remove.
      ++gone;
      failures.push_back({{"photo", photos[i]}, {"error", written.error().message}});
    } else {
      failures.push_back({{"photo", photos[i]}, {"error", written.error().message}});
    }
    const Json so_far = {{"rewritten", rewritten}, {"missing", gone}, {"failures", failures}};
    FACETAG_RETURN_IF_ERROR(
        Progress(store, job, static_cast<std::int64_t>(i + 1), options, so_far.dump()));
  }
  // The deleted profiles and faces leave the file's bytes only now.
  auto compacted = store.privacy().Compact();
  Json result = {{"rewritten", rewritten},
                 {"missing", gone},
                 {"failures", failures},
                 {"compacted", static_cast<bool>(compacted)}};
  if (!compacted) result["compact_error"] = compacted.error().message;
  return Finished(store, job, result.dump());
}

}  // namespace detail

Result<RetentionPolicy> SetRetention(
    Store& store, const std::vector<std::pair<RetentionKind, std::optional<int>>>& periods,
    std::string_view actor) {
  for (const auto& [kind, days] : periods) {
    FACETAG_RETURN_IF_ERROR(CheckRetentionDays(days, RetentionKindName(kind)));
  }
  for (const auto& [kind, days] : periods) {
    FACETAG_RETURN_IF_ERROR(store.privacy().SetRetention(kind, days, actor));
  }
  return store.privacy().Retention();
}

Result<PurgeReport> PurgeNow(Store& store, TimePoint now, bool dry_run, std::string_view actor) {
  auto policy = store.privacy().Retention();
  if (!policy) return tl::unexpected(policy.error());
  return store.privacy().Purge(*policy, detail::NowOr(now), dry_run, actor);
}

}  // namespace facetag::privacy
