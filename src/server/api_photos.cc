// Routes of recognition, ingest, tagging by location, jobs, search and photo
// metadata (docs/http-api.md).
#include <fstream>
#include <map>

#include "facetag/file_io.h"
#include "facetag/hash.h"
#include "http.h"
#include "service.h"

namespace facetag::server {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::uint64_t kMaxPhotoFileBytes = 512ull << 20;

json PresenceJson(Store& store, const std::vector<PersonPresence>& presence) {
  json persons = json::array();
  for (const PersonPresence& p : presence) {
    persons.push_back({{"person", PersonRefJson(store, p.person)},
                       {"presence", PresenceName(p.presence)}});
  }
  return persons;
}

json DecisionJson(Store& store, const FaceBox& box, const Decision& d) {
  json face = {{"box", BoxJson(box)},
               {"decision", FaceDecisionName(d.decision)},
               {"by_mention", d.by_mention}};
  if (d.decision == FaceDecision::kLowQuality) {
    face["quality_issue"] = QualityIssueName(d.quality_issue);
  }
  if (d.similarity) face["similarity"] = *d.similarity;
  if (d.person) face["person"] = PersonRefJson(store, d.person);
  return face;
}

// A photo recognised (not stored): faces of opted-out persons are left out,
// nothing about them is shown.
json RecognitionJson(Store& store, const app::Recognition& r) {
  json faces = json::array();
  for (const app::RecognizedFace& f : r.faces) {
    if (f.decision.decision == FaceDecision::kSuppressed) continue;
    faces.push_back(DecisionJson(store, f.face.box, f.decision));
  }
  return {{"width", r.width},
          {"height", r.height},
          {"caption", r.text.caption},
          {"faces", faces},
          {"persons", PresenceJson(store, r.presence)}};
}

// A photo as the archive holds it (or would, in a dry run).
json TaggedJson(Store& store, const app::TaggedPhoto& t) {
  json faces = json::array();
  std::vector<Decision> decisions;
  for (const StoredFace& f : t.photo.faces) {
    Decision d = app::DecisionOf(f);
    faces.push_back(DecisionJson(store, f.detected.box, d));
    decisions.push_back(std::move(d));
  }
  std::vector<PersonId> mentioned;
  for (const PhotoMention& m : t.photo.mentions) mentioned.push_back(m.person);
  return {{"width", t.photo.info.width},
          {"height", t.photo.info.height},
          {"caption", t.text.caption},
          {"faces", faces},
          {"persons", PresenceJson(store, Reconcile(decisions, mentioned))}};
}

json StoredFaceJson(Store& store, const StoredFace& f) {
  json face = {{"id", f.id},
               {"box", BoxJson(f.detected.box)},
               {"decision", FaceDecisionName(f.tag.decision)},
               {"status", TagStatusName(f.status)}};
  if (f.tag.similarity) face["similarity"] = *f.tag.similarity;
  if (f.tag.person) face["person"] = PersonRefJson(store, f.tag.person);
  return face;
}

json StoredPhotoJson(Store& store, const StoredPhoto& p) {
  json faces = json::array();
  for (const StoredFace& f : p.faces) faces.push_back(StoredFaceJson(store, f));
  json mentions = json::array();
  for (const PhotoMention& m : p.mentions) {
    mentions.push_back({{"person", PersonRefJson(store, m.person)},
                        {"text", m.text},
                        {"begin", m.begin},
                        {"end", m.end}});
  }
  json photo = {{"id", p.id},
                {"sha256", p.info.sha256},
                {"caption", p.info.caption},
                {"headline", p.info.headline},
                {"keywords", p.info.keywords},
                {"date_created", p.info.date_created},
                {"ingested_at", p.ingested_at},
                {"width", p.info.width},
                {"height", p.info.height},
                {"faces", faces},
                {"mentions", mentions}};
  if (p.info.failure) photo["failure"] = ErrorCodeName(p.info.failure->code);
  return photo;
}

void Recognize(Service& service, const Caller&, const httplib::Request& req,
               httplib::Response& res) {
  auto bytes = UploadedPhoto(req);
  if (!bytes) return SendError(res, ToApiError(bytes.error()));
  auto list = service.List();
  if (!list) return SendError(res, ToApiError(list.error()));
  auto scratch = ScratchPhoto::Write(service.scratch, *bytes);
  if (!scratch) return SendError(res, ToApiError(scratch.error()));
  auto lease = service.LeaseAnalyzer(res);
  if (!lease) return;
  const auto* data = reinterpret_cast<const unsigned char*>(bytes->data());
  auto recognized =
      service.app.Recognize(scratch->path().string(), {data, bytes->size()}, lease->analyzer());
  if (!recognized) {
    return service.SendFailure(res, recognized.error(), scratch->path(), "the photo");
  }
  service.metrics.AddPhotos(1);
  service.metrics.AddFaces(static_cast<std::int64_t>(recognized->faces.size()));
  SendJson(res, RecognitionJson(service.store, *recognized));
}

void UploadPhoto(Service& service, const Caller& caller, const httplib::Request& req,
                 httplib::Response& res) {
  auto bytes = UploadedPhoto(req);
  if (!bytes) return SendError(res, ToApiError(bytes.error()));
  std::string location = QueryString(req, "location");
  // Where the agency keeps the photo, below the photo folder: a later
  // export reads it from there, so it may not point anywhere else.
  if (!location.empty()) {
    if (auto checked = CheckLocation(location); !checked) {
      return SendError(res, ToApiError(checked.error()));
    }
  }
  const auto* data = reinterpret_cast<const unsigned char*>(bytes->data());
  if (location.empty()) location = "upload:" + PhotoIdentity({data, bytes->size()});
  auto list = service.List();
  if (!list) return SendError(res, ToApiError(list.error()));
  auto scratch = ScratchPhoto::Write(service.scratch, *bytes);
  if (!scratch) return SendError(res, ToApiError(scratch.error()));
  auto lease = service.LeaseAnalyzer(res);
  if (!lease) return;
  app::IngestOptions options;
  options.actor = caller.actor;
  options.file = scratch->path().string();
  auto ingested =
      service.app.IngestPhoto(location, {data, bytes->size()}, lease->analyzer(), options);
  if (!ingested) return SendError(res, ToApiError(ingested.error()));
  json out = {{"sha256", ingested->identity}, {"outcome", app::IngestOutcomeName(ingested->outcome)}};
  if (ingested->error) {
    out["error"] = {
        {"code", ToApiError(*ingested->error).code},
        {"message", service.ClientMessage(ingested->error->message, scratch->path(), "the photo")}};
  }
  if (ingested->id) {
    auto stored = service.store.archive().GetPhoto(*ingested->id);
    if (!stored) return SendError(res, ToApiError(stored.error()));
    out["photo"] = StoredPhotoJson(service.store, *stored);
  }
  if (ingested->outcome == app::IngestOutcome::kIngested) {
    service.metrics.AddPhotos(1);
    service.metrics.AddFaces(static_cast<std::int64_t>(ingested->faces));
  }
  SendJson(res, out, ingested->outcome == app::IngestOutcome::kIngested ? 201 : 200);
}

void TagByLocation(Service& service, const Caller& caller, const httplib::Request& req,
                   httplib::Response& res) {
  auto body = JsonObjectBody(req);
  if (!body) return SendError(res, ToApiError(body.error()));
  auto location = RequiredString(*body, "location");
  if (!location) return SendError(res, ToApiError(location.error()));
  auto dry_run = OptionalBool(*body, "dry_run");
  if (!dry_run) return SendError(res, ToApiError(dry_run.error()));
  auto file = ResolveLocation(service.options.photo_root, *location);
  if (!file) return SendError(res, ToApiError(file.error()));
  auto list = service.List();
  if (!list) return SendError(res, ToApiError(list.error()));
  auto lease = service.LeaseAnalyzer(res);
  if (!lease) return;
  app::TagOptions options;
  options.actor = caller.actor;
  options.dry_run = dry_run->value_or(false);
  auto tagged = service.app.Tag(file->string(), lease->analyzer(), options);
  if (!tagged) return service.SendFailure(res, tagged.error(), *file, *location);
  if (tagged->ingest.error) return service.SendFailure(res, *tagged->ingest.error, *file, *location);
  if (options.dry_run) {
    json out = TaggedJson(service.store, *tagged);
    out["dry_run"] = true;
    return SendJson(res, out);
  }
  if (tagged->ingest.outcome == app::IngestOutcome::kIngested) {
    service.metrics.AddPhotos(1);
    service.metrics.AddFaces(static_cast<std::int64_t>(tagged->ingest.faces));
  }
  SendJson(res, {{"location", *location},
                 {"written", true},
                 {"photo", StoredPhotoJson(service.store, tagged->photo)}});
}

json JobJson(const Job& job) {
  return {{"id", job.id},
          {"kind", job.kind},
          {"status", JobStatusName(job.status)},
          {"done", job.done},
          {"total", job.total},
          {"result", json::parse(job.result, nullptr, false)},
          {"created_by", job.created_by},
          {"created_at", job.created_at},
          {"updated_at", job.updated_at}};
}

void SubmitIngestJob(Service& service, const Caller& caller, const httplib::Request& req,
                     httplib::Response& res) {
  auto body = JsonObjectBody(req);
  if (!body) return SendError(res, ToApiError(body.error()));
  auto it = body->find("locations");
  if (it == body->end() || !it->is_array() || it->empty() || it->size() > 10000) {
    return SendError(res, 400, "invalid_argument",
                     "\"locations\" must be a list of 1-10000 paths below the photo folder");
  }
  std::vector<std::string> locations;
  for (const auto& location : *it) {
    if (!location.is_string()) {
      return SendError(res, 400, "invalid_argument", "every location must be a string");
    }
    // Checked now, so that a bad request fails at once, not in the job.
    auto resolved = ResolveLocation(service.options.photo_root, location.get<std::string>());
    if (!resolved) return SendError(res, ToApiError(resolved.error()));
    locations.push_back(location.get<std::string>());
  }
  auto write = OptionalBool(*body, "write_metadata");
  if (!write) return SendError(res, ToApiError(write.error()));
  auto job = service.jobs->SubmitIngest(caller, std::move(locations), write->value_or(false));
  if (!job) {
    if (job.error().code == ErrorCode::kRejected) {
      res.set_header("Retry-After", "30");
      return SendError(res, 429, "too_many_requests", job.error().message);
    }
    return SendError(res, ToApiError(job.error()));
  }
  SendJson(res, {{"job", JobJson(*job)}}, 202);
}

void Search(Service& service, const Caller&, const httplib::Request& req,
            httplib::Response& res) {
  SearchQuery query;
  auto person_text = QueryText(req, "person", kMaxNameChars);
  if (!person_text) return SendError(res, ToApiError(person_text.error()));
  const std::string& person = *person_text;
  if (!person.empty()) {
    // A person id (from the suggestions), else a name, alias or URI.
    const bool is_id = person.size() < 19 && person.find_first_not_of("0123456789") == std::string::npos;
    auto found = is_id ? service.store.GetPerson(std::stoll(person)) : service.store.FindPerson(person);
    if (!found && found.error().code != ErrorCode::kNotFound) {
      return SendError(res, ToApiError(found.error()));
    }
    if (!found) return SendJson(res, {{"hits", json::array()}, {"person", nullptr}});
    query.person = found->id;
  }
  auto words = QueryText(req, "text", kMaxLineChars);
  if (!words) return SendError(res, ToApiError(words.error()));
  query.text = std::move(*words);
  for (auto [name, target] : {std::pair{"from", &query.date_from}, std::pair{"to", &query.date_to}}) {
    auto value = QueryDateBound(req, name);
    if (!value) return SendError(res, ToApiError(value.error()));
    *target = std::move(*value);
  }
  query.include_mentioned = QueryString(req, "mentioned") == "1";
  auto limit = QueryInt(req, "limit", 50, 1, 200);
  auto offset = QueryInt(req, "offset", 0, 0, 1'000'000);
  if (!limit) return SendError(res, ToApiError(limit.error()));
  if (!offset) return SendError(res, ToApiError(offset.error()));
  query.limit = static_cast<int>(*limit);
  query.offset = static_cast<int>(*offset);
  if (!query.person && query.text.find_first_not_of(" \t") == std::string::npos &&
      query.date_from.empty() && query.date_to.empty()) {
    return SendError(res, 400, "invalid_argument",
                     "give a person, words or a date range to search for");
  }
  auto hits = service.store.archive().Search(query);
  if (!hits) return SendError(res, ToApiError(hits.error()));
  json out = json::array();
  std::map<PersonId, std::string> name_of;
  for (const SearchHit& h : *hits) {
    json hit = {{"photo_id", h.photo},
                {"caption", h.caption},
                {"date", h.date},
                {"date_is_ingest_time", h.date_is_ingest_time},
                {"kind", HitKindName(h.kind)},
                {"confirmed", h.confirmed}};
    if (h.face && h.box) hit["face"] = {{"id", *h.face}, {"box", BoxJson(*h.box)}};
    if (h.similarity) hit["similarity"] = *h.similarity;
    auto photo = service.store.archive().GetPhoto(h.photo);
    if (photo) {
      json names = json::array();
      for (const StoredFace& f : photo->faces) {
        if (!f.tag.person) continue;
        // A page of hits names the same few persons again and again.
        auto known = name_of.find(*f.tag.person);
        if (known == name_of.end()) {
          auto p = service.store.GetPerson(*f.tag.person);
          known = name_of.emplace(*f.tag.person, p ? p->name : std::string()).first;
        }
        if (!known->second.empty()) names.push_back(known->second);
      }
      hit["persons"] = names;
      hit["width"] = photo->info.width;
      hit["height"] = photo->info.height;
    }
    out.push_back(hit);
  }
  SendJson(res, {{"hits", out}, {"limit", query.limit}, {"offset", query.offset}});
}

}  // namespace

Result<fs::path> ArchivedPhotoFile(const Service& service, const std::string& location) {
  const fs::path stored{location};
  const std::string relative =
      stored.is_absolute() ? RelativeLocation(service.options.photo_root, stored) : location;
  auto resolved = relative.empty() ? Result<fs::path>(Fail(ErrorCode::kNotFound, ""))
                                   : ResolveLocation(service.options.photo_root, relative);
  if (!resolved) {
    return Fail(ErrorCode::kNotFound, "the photo's file is not available to this server");
  }
  return resolved;
}

void SendRendition(Service& service, const StoredPhoto& photo,
                   const vision::RenditionOptions& options, httplib::Response& res) {
  auto file = ArchivedPhotoFile(service, photo.info.location);
  if (!file) return SendError(res, ToApiError(file.error()));
  const std::string key = PreviewCache::Key(photo.info.sha256, options);
  const auto from_cache = [&] {
    if (service.preview_cache == nullptr) return false;
    auto cached = service.preview_cache->Get(key);
    if (cached) {
      res.set_content(reinterpret_cast<const char*>(cached->data()), cached->size(), "image/jpeg");
    }
    return cached.has_value();
  };
  if (from_cache()) return;
  // The decoded size as archived (an upper bound: JPEGs decode reduced).
  std::uint64_t pixels = std::uint64_t(std::max(0, photo.info.width)) *
                         std::uint64_t(std::max(0, photo.info.height));
  if (pixels == 0) pixels = options.decode.max_pixels;
  auto turn = service.previews->Acquire(pixels);
  if (!turn) {
    service.metrics.AddRefusal("previews_busy");
    res.set_header("Retry-After", std::to_string(service.options.retry_after_seconds));
    return SendError(res, 429, "too_many_requests",
                     "previews are being made for others; retry after " +
                         std::to_string(service.options.retry_after_seconds) + " s");
  }
  // Made by another request while this one waited for its turn?
  if (from_cache()) return;
  auto bytes = ReadFileBytes(*file, kMaxPhotoFileBytes);
  if (!bytes) return service.SendFailure(res, bytes.error(), *file, "the photo");
  auto jpeg = vision::RenderJpeg(*bytes, options);
  if (!jpeg) return service.SendFailure(res, jpeg.error(), *file, "the photo");
  if (service.preview_cache != nullptr) service.preview_cache->Put(key, *jpeg);
  res.set_content(reinterpret_cast<const char*>(jpeg->data()), jpeg->size(), "image/jpeg");
}

void AddPhotoRoutes(Router& router, Service& service) {
  Service* s = &service;
  router.Add({"POST", "/api/v1/recognize", {Role::kIngest, Role::kEditor},
              "Recognise the faces of an uploaded photo; nothing is stored.", Body::kPhoto},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               Recognize(*s, c, q, r);
             });
  router.Add({"POST", "/api/v1/photos", {Role::kIngest},
              "Ingest an uploaded photo into the archive (the image itself is not kept).",
              Body::kPhoto, {{"location", "where the agency keeps the photo (recorded as given)"}},
              201},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               UploadPhoto(*s, c, q, r);
             });
  router.Add({"POST", "/api/v1/tag", {Role::kIngest},
              "Recognise a photo below the photo folder, write the names into its metadata and "
              "archive it. JSON: {location, dry_run}.",
              Body::kJson},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               TagByLocation(*s, c, q, r);
             });
  router.Add({"POST", "/api/v1/jobs/ingest", {Role::kIngest},
              "Start a background ingest of photos and folders below the photo folder. JSON: "
              "{locations: [...], write_metadata}.",
              Body::kJson, {}, 202},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               SubmitIngestJob(*s, c, q, r);
             });
  router.Add({"GET", "/api/v1/jobs", {Role::kIngest, Role::kEditor},
              "Recent background jobs, newest first.", Body::kNone, {{"limit", "1-200, default 50"}}},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto limit = QueryInt(q, "limit", 50, 1, 200);
               if (!limit) return SendError(r, ToApiError(limit.error()));
               auto jobs = s->store.service().ListJobs(static_cast<int>(*limit));
               if (!jobs) return SendError(r, ToApiError(jobs.error()));
               json out = json::array();
               for (const Job& job : *jobs) out.push_back(JobJson(job));
               SendJson(r, {{"jobs", out}});
             });
  router.Add({"GET", "/api/v1/jobs/{id}", {Role::kIngest, Role::kEditor},
              "A job's status, progress and result."},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "job");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto job = s->store.service().GetJob(*id);
               if (!job) return SendError(r, ToApiError(job.error()));
               SendJson(r, {{"job", JobJson(*job)}});
             });
  router.Add({"GET", "/api/v1/search", {Role::kCustomer, Role::kEditor},
              "Search the archive by person, words and dates.", Body::kNone,
              {{"person", "a listed person's id, name, alias or URI"},
               {"text", "words that must all occur"},
               {"from", "earliest date, ISO 8601 prefix"},
               {"to", "latest date, ISO 8601 prefix"},
               {"mentioned", "1: also photos whose caption only mentions the person"},
               {"limit", "1-200, default 50"},
               {"offset", "default 0"}}},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               Search(*s, c, q, r);
             });
  router.Add({"GET", "/api/v1/photos/{id}", {Role::kCustomer, Role::kEditor},
              "A photo's metadata: caption, dates, faces with boxes and names, mentions."},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "photo");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto photo = s->store.archive().GetPhoto(*id);
               if (!photo) return SendError(r, ToApiError(photo.error()));
               SendJson(r, StoredPhotoJson(s->store, *photo));
             });
  router.Add({"GET", "/api/v1/photos/{id}/image", {Role::kCustomer, Role::kEditor},
              "A JPEG rendition of the photo made on the fly (displayed orientation).",
              Body::kNone, {{"max", "long side in pixels, 16-4096, default 1600"}}},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "photo");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto max = QueryInt(q, "max", 1600, 16, 4096);
               if (!max) return SendError(r, ToApiError(max.error()));
               auto photo = s->store.archive().GetPhoto(*id);
               if (!photo) return SendError(r, ToApiError(photo.error()));
               vision::RenditionOptions options;
               options.max_side = static_cast<int>(*max);
               SendRendition(*s, *photo, options, r);
             });
}

}  // namespace facetag::server
