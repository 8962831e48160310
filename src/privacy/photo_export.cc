// The photo export job: a zip of archived photos with their current names.
#include <sodium.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "facetag/file_io.h"
#include "facetag/hash.h"
#include "facetag/metadata.h"
#include "facetag/notify.h"
#include "jobs.h"
#include "time_text.h"
#include "zip_writer.h"

namespace facetag::privacy {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr std::size_t kMaxPhotos = 10000;
constexpr char kSkipLog[] = "skipped.jsonl";

fs::path StagingFolder(const fs::path& folder, JobId id) {
  return folder / ("export-" + std::to_string(id) + ".d");
}

std::string ZipName(JobId id) { return "export-" + std::to_string(id) + ".zip"; }

Result<void> AppendLine(const fs::path& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
  out.close();
  if (!out) return Fail(ErrorCode::kIo, "cannot write " + path.string());
  return {};
}

// The bytes of an archived photo's file. With a photo folder, only a file
// below it is read, through no symlink leading out: a relative location
// below the folder, or an absolute one inside it.
Result<std::vector<unsigned char>> ReadPhotoFile(const std::string& location,
                                                 const fs::path& photo_folder) {
  const std::uint64_t limit = vision::DecodeOptions{}.max_file_bytes;
  if (photo_folder.empty()) return ReadFileBytes(location, limit);
  const fs::path stored{location};
  std::string relative = location;
  if (stored.is_absolute()) {
    std::error_code ec;
    const fs::path folder = fs::weakly_canonical(photo_folder, ec);
    if (ec || !IsWithin(folder, stored)) {
      return Fail(ErrorCode::kRejected, "the photo's location is outside the photo folder");
    }
    relative = stored.lexically_normal().lexically_relative(folder).generic_string();
  }
  auto bytes = ReadFileBytesBeneath(photo_folder, relative, limit);
  if (!bytes && bytes.error().code == ErrorCode::kInvalidArgument) {
    return Fail(ErrorCode::kRejected, "the photo's location leads out of the photo folder");
  }
  return bytes;
}

// Copies photo `id` into `staging` with its current names; an error says
// why the photo is skipped.
Result<std::string> StagePhoto(Store& store, PhotoId id, const fs::path& staging,
                               const JobRunOptions& options) {
  auto photo = store.archive().GetPhoto(id);
  if (!photo) return tl::unexpected(photo.error());
  if (photo->info.failure) {
    return Fail(ErrorCode::kInvalidArgument, "the photo could not be processed at ingest");
  }
  auto bytes = ReadPhotoFile(photo->info.location, options.photo_folder);
  if (!bytes) return tl::unexpected(bytes.error());
  // Only the archived photo leaves: a file replaced at its location (or a
  // location pointing somewhere it should not) is not what was archived.
  if (PhotoIdentity(*bytes) != photo->info.sha256) {
    return Fail(ErrorCode::kRejected,
                "the file at the archived location is no longer the archived photo");
  }
  const std::string entry = EntryName(id, photo->info.location);
  const fs::path copy = staging / entry;
  FACETAG_RETURN_IF_ERROR(WritePrivateFile(copy, *bytes));
  if (!options.archived_tags) {
    return Fail(ErrorCode::kInternal, "photo export run without the archive's names");
  }
  auto tags = options.archived_tags(id);
  if (!tags) return tl::unexpected(tags.error());
  auto written = metadata::WritePersonTags(copy, *tags);
  if (!written) {
    std::error_code ec;
    fs::remove(copy, ec);
    return tl::unexpected(written.error());
  }
  return entry;
}

std::string RandomToken() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

std::string TokenHash(std::string_view token) {
  return Sha256Hex({reinterpret_cast<const unsigned char*>(token.data()), token.size()});
}

bool IsMailAddress(std::string_view text) {
  const std::size_t at = text.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < text.size() &&
         text.find_first_of(" <>\r\n\t,;") == std::string_view::npos;
}

}  // namespace

std::string EntryName(PhotoId id, std::string_view location) {
  const std::size_t cut = location.find_last_of("/\\");
  std::string_view base = cut == std::string_view::npos ? location : location.substr(cut + 1);
  std::string clean;
  for (const char c : base) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == '_';
    clean += keep ? c : '_';
  }
  // No hidden files and no "." or ".." however the dots are arranged.
  clean.erase(0, clean.find_first_not_of('.'));
  if (clean.size() > 100) clean.erase(0, clean.size() - 100);
  clean.erase(0, clean.find_first_not_of('.'));
  if (clean.empty()) clean = "photo";
  return std::to_string(id) + "-" + clean;
}

Result<PhotoExportTicket> StartPhotoExport(Store& store, const PhotoExportRequest& request) {
  if (request.expires_hours < 1 || request.expires_hours > 8760) {
    return Fail(ErrorCode::kInvalidArgument, "the download link lives 1-8760 hours, not " +
                                                 std::to_string(request.expires_hours));
  }
  if (!request.email.empty() && !IsMailAddress(request.email)) {
    return Fail(ErrorCode::kInvalidArgument, "\"" + request.email + "\" is not an e-mail address");
  }
  if (!request.webhook.empty() && (request.webhook.rfind("http://", 0) != 0 ||
                                   request.webhook.find_first_of(" \r\n") != std::string::npos)) {
    return Fail(ErrorCode::kInvalidArgument,
                "webhook \"" + request.webhook + "\" is not an http:// URL");
  }
  std::vector<PhotoId> photos;
  std::set<PhotoId> seen;
  for (PhotoId id : request.photos) {
    auto photo = store.archive().GetPhoto(id);
    if (!photo) return tl::unexpected(photo.error());
    if (seen.insert(id).second) photos.push_back(id);
  }
  if (request.query) {
    SearchQuery query = *request.query;
    query.limit = 1000;
    query.offset = 0;
    for (;; query.offset += query.limit) {
      auto hits = store.archive().Search(query);
      if (!hits) return tl::unexpected(hits.error());
      for (const SearchHit& h : *hits) {
        if (seen.insert(h.photo).second) photos.push_back(h.photo);
      }
      if (hits->size() < static_cast<std::size_t>(query.limit) || photos.size() > kMaxPhotos) break;
    }
  }
  if (photos.empty()) return Fail(ErrorCode::kInvalidArgument, "the export selects no photo");
  if (photos.size() > kMaxPhotos) {
    return Fail(ErrorCode::kInvalidArgument,
                "the export selects more than " + std::to_string(kMaxPhotos) + " photos");
  }
  const Json params = {{"photos", photos},
                       {"email", request.email},
                       {"webhook", request.webhook},
                       {"expires_hours", request.expires_hours}};
  const std::string actor = request.actor.empty() ? "facetag" : request.actor;
  auto created = store.service().CreateJob(kPhotoExportJob, actor, params.dump());
  if (!created) return tl::unexpected(created.error());
  const JobId job = created->id;
  FACETAG_RETURN_IF_ERROR(store.service().UpdateJob(
      job, JobStatus::kQueued, 0, static_cast<std::int64_t>(photos.size()), "{}"));
  const Json details = {{"photos", photos.size()},
                        {"notify_email", !request.email.empty()},
                        {"notify_webhook", !request.webhook.empty()}};
  PhotoExportTicket ticket{job, RandomToken()};
  FACETAG_RETURN_IF_ERROR(store.privacy().SetDownload(job, TokenHash(ticket.token), std::nullopt));
  auto audited = store.archive().AppendAudit(
      {actor, "export.photos", "job:" + std::to_string(job), details.dump()});
  if (!audited) return tl::unexpected(audited.error());
  return ticket;
}

namespace detail {

Result<JobOutcome> RunPhotoExportJob(Store& store, const Job& job, const JobRunOptions& options) {
  if (options.export_folder.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "a photo export needs an export folder");
  }
  const Json params = Json::parse(job.params, nullptr, false);
  if (!params.is_object() || !params.contains("photos") || !params["photos"].is_array()) {
    return Fail(ErrorCode::kInternal, "export job " + std::to_string(job.id) + " has no photos");
  }
  const auto photos = params["photos"].get<std::vector<PhotoId>>();
  const fs::path staging = StagingFolder(options.export_folder, job.id);
  FACETAG_RETURN_IF_ERROR(MakePrivateFolder(options.export_folder));
  FACETAG_RETURN_IF_ERROR(MakePrivateFolder(staging));
  for (auto i = static_cast<std::size_t>(job.done); i < photos.size(); ++i) {
    if (options.stop && options.stop->load()) return Stopped(store, job.id);
    auto staged = StagePhoto(store, photos[i], staging, options);
    if (!staged) {
      FACETAG_RETURN_IF_ERROR(
          AppendLine(staging / kSkipLog,
                     Json{{"photo", photos[i]}, {"reason", staged.error().message}}.dump()));
    }
    FACETAG_RETURN_IF_ERROR(Progress(store, job, static_cast<std::int64_t>(i + 1), options));
  }

  // The zip: the staged copies (sanitised names) and a manifest.
  Json skipped = Json::array();
  {
    std::ifstream in(staging / kSkipLog);
    for (std::string line; std::getline(in, line);) {
      Json item = Json::parse(line, nullptr, false);
      if (!item.is_discarded()) skipped.push_back(std::move(item));
    }
  }
  std::vector<std::string> entries;
  for (const auto& file : fs::directory_iterator(staging)) {
    const std::string name = file.path().filename().string();
    if (name != kSkipLog && file.is_regular_file()) entries.push_back(name);
  }
  std::sort(entries.begin(), entries.end());
  const fs::path zip = options.export_folder / ZipName(job.id);
  auto writer = ZipWriter::Create(zip);
  if (!writer) return tl::unexpected(writer.error());
  for (const std::string& name : entries) {
    FACETAG_RETURN_IF_ERROR(writer->AddFile(name, staging / name));
  }
  const Json manifest = {{"job", job.id}, {"photos", entries}, {"skipped", skipped}};
  FACETAG_RETURN_IF_ERROR(writer->AddBytes("manifest.json", manifest.dump(2)));
  FACETAG_RETURN_IF_ERROR(writer->Close());
  FACETAG_RETURN_IF_ERROR(MakePrivateFile(zip));
  std::error_code ec;
  fs::remove_all(staging, ec);

  const TimePoint now = NowOr(options.now);
  const TimePoint expires = now + std::chrono::hours(params.value("expires_hours", 72));
  // Without a notifier of the caller's, links are made from `notify` and
  // notices go only to the destinations of the allow-list file.
  RelayNotifier fallback(
      options.notify,
      [file = options.allow_list_file]() -> Result<NotifyAllowList> {
        if (file.empty()) return NotifyAllowList{};
        return LoadAllowList(file);
      },
      [&](std::string_view token) { return options.notify.download_url + std::string(token); });
  Notifier& notifier = options.notifier != nullptr ? *options.notifier : fallback;
  const std::string link =
      options.download_token.empty()
          ? "the download link you were given with export " + std::to_string(job.id)
          : notifier.DownloadLink(options.download_token);
  Json result = {{"zip", ZipName(job.id)},
                 {"photos", entries.size()},
                 {"skipped", skipped},
                 {"expires_at", FormatUtc(expires)}};
  const std::string email = params.value("email", "");
  const std::string webhook = params.value("webhook", "");
  const std::string text = "Your zip file with " + std::to_string(entries.size()) +
                           " photo(s) is ready: " + link + "\nThe link expires at " +
                           FormatUtc(expires) + ".\n";
  // Only whether a notice went out is kept: the requester sees the job, and
  // an answer's detail (a status, a relay's reply) is the operator's.
  if (!email.empty()) {
    auto sent = notifier.SendMail(email, "facetag: your photo export is ready", text);
    result["email"] = sent ? "sent" : "not sent";
  }
  if (!webhook.empty()) {
    const Json notice = {{"job", job.id},
                         {"status", "done"},
                         {"photos", entries.size()},
                         {"download", link},
                         {"expires_at", FormatUtc(expires)}};
    auto posted = notifier.PostWebhook(webhook, notice.dump());
    result["webhook"] = posted ? "sent" : "not sent";
  }
  FACETAG_RETURN_IF_ERROR(store.privacy().SetDownload(job.id, "", expires));
  return Finished(store, job, result.dump());
}

}  // namespace detail

Result<fs::path> OpenDownload(Store& store, std::string_view token, TimePoint now,
                              const fs::path& export_folder) {
  if (token.size() != 64 || token.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return Fail(ErrorCode::kNotFound, "no download with this token");
  }
  auto download = store.privacy().FindDownload(TokenHash(token));
  if (!download) return tl::unexpected(download.error());
  auto job = store.service().GetJob(download->job);
  if (!job) return tl::unexpected(job.error());
  if (job->kind != kPhotoExportJob)
    return Fail(ErrorCode::kNotFound, "no download with this token");
  if (job->status != JobStatus::kDone || download->expires_at.empty()) {
    return Fail(ErrorCode::kRejected, "the zip file is being created (" +
                                          std::to_string(job->done) + " of " +
                                          std::to_string(job->total) + " photos); try again later");
  }
  const fs::path zip = export_folder / ZipName(job->id);
  if (detail::FormatUtc(detail::NowOr(now)) >= download->expires_at) {
    std::error_code ec;
    fs::remove(zip, ec);
    return Fail(ErrorCode::kRejected, "the download link expired at " + download->expires_at);
  }
  std::error_code ec;
  if (!fs::is_regular_file(zip, ec)) {
    return Fail(ErrorCode::kNotFound, "the export file " + zip.string() + " is gone");
  }
  return zip;
}

Result<int> SweepExpiredExports(Store& store, const fs::path& export_folder, TimePoint now) {
  auto expired = store.privacy().ExpiredDownloads(detail::NowOr(now));
  if (!expired) return tl::unexpected(expired.error());
  int removed = 0;
  for (JobId id : *expired) {
    std::error_code ec;
    if (fs::remove(export_folder / ZipName(id), ec)) ++removed;
  }
  return removed;
}

}  // namespace facetag::privacy
