// Routes of the privacy officer (role privacy): data-subject requests,
// "am I on the list?", the access export, opt-out and suppression records,
// the audit chain, retention and purge, photo exports; and the download of
// an export by its token (the token is the credential). docs/privacy.md.
#include <fstream>
#include <iterator>
#include <limits>

#include "facetag/date_text.h"
#include "facetag/privacy.h"
#include "facetag/privacy_json.h"
#include "facetag/text.h"
#include "http.h"
#include "privacy_worker.h"
#include "service.h"

namespace facetag::server {
using nlohmann::json;

namespace {

using privacy::JobJson;
using privacy::LookupJson;
using privacy::PurgeJson;
using privacy::RequestJson;
using privacy::RetentionJson;

json RequestsJson(const std::vector<DataRequest>& requests) {
  json out = json::array();
  for (const auto& r : requests) out.push_back(RequestJson(r));
  return {{"requests", out}};
}

void SendFile(httplib::Response& res, const std::filesystem::path& file, const std::string& name) {
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return SendError(res, 500, "io", "the zip file could not be read");
  }
  res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(bytes), "application/zip");
}

// The day a request was received: a real day, not after tomorrow (the
// requester's time zone may be ahead), so its due date is a real day too.
Result<CalendarDate> ReceivedOn(std::string_view text) {
  const auto today = std::chrono::year_month_day(
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
  const int year = static_cast<int>(today.year());
  auto day = ParseCalendarDate(text, "received_on", 1900, year + 1);
  if (!day) return day;
  const auto tomorrow = std::chrono::year_month_day(std::chrono::sys_days(today) + std::chrono::days(1));
  const CalendarDate last{static_cast<int>(tomorrow.year()),
                          static_cast<int>(static_cast<unsigned>(tomorrow.month())),
                          static_cast<int>(static_cast<unsigned>(tomorrow.day()))};
  if (*day > last) {
    return Fail(ErrorCode::kInvalidArgument,
                "received_on " + std::string(text) + " is in the future");
  }
  return day;
}

Result<RequestQuery> QueryOfRequests(const httplib::Request& q) {
  RequestQuery query;
  if (const std::string status = QueryString(q, "status"); !status.empty()) {
    query.status = ParseRequestStatus(status);
    if (!query.status) {
      return Fail(ErrorCode::kInvalidArgument, "status must be open, granted or refused");
    }
  }
  if (const std::string kind = QueryString(q, "kind"); !kind.empty()) {
    query.kind = ParseRequestKind(kind);
    if (!query.kind) {
      return Fail(ErrorCode::kInvalidArgument, "kind must be access, removal, optout or objection");
    }
  }
  return query;
}

void AddRequestRoutes(Router& router, Service* s) {
  router.Add(
      {"GET",
       "/api/v1/privacy/requests",
       {Role::kPrivacy},
       "The register of data-subject requests, oldest first.",
       Body::kNone,
       {{"status", "open, granted or refused"}, {"kind", "access, removal, optout or objection"}}},
      [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
        auto query = QueryOfRequests(q);
        if (!query) return SendError(r, ToApiError(query.error()));
        auto requests = s->store.privacy().ListRequests(*query);
        if (!requests) return SendError(r, ToApiError(requests.error()));
        SendJson(r, RequestsJson(*requests));
      });
  router.Add({"GET",
              "/api/v1/privacy/requests/overdue",
              {Role::kPrivacy},
              "Open requests past their due date (one month after receipt)."},
             [s](const Caller&, const httplib::Request&, httplib::Response& r) {
               auto requests = s->store.privacy().OverdueRequests(std::chrono::system_clock::now());
               if (!requests) return SendError(r, ToApiError(requests.error()));
               SendJson(r, RequestsJson(*requests));
             });
  router.Add({"POST",
              "/api/v1/privacy/requests",
              {Role::kPrivacy},
              "Register a request: {kind, received_on (YYYY-MM-DD), requester, contact, "
              "subject, details}; due one calendar month after receipt.",
              Body::kJson,
              {},
              201},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto body = JsonObjectBody(q);
               if (!body) return SendError(r, ToApiError(body.error()));
               NewRequest request;
               auto kind = RequiredString(*body, "kind");
               if (!kind) return SendError(r, ToApiError(kind.error()));
               auto parsed = ParseRequestKind(*kind);
               if (!parsed) {
                 return SendError(r, 400, "invalid_argument",
                                  "kind must be access, removal, optout or objection");
               }
               request.kind = *parsed;
               for (auto [field, target, limit] :
                    {std::tuple{"received_on", &request.received_on, kMaxLineChars},
                     std::tuple{"requester", &request.requester, kMaxNameChars},
                     std::tuple{"contact", &request.contact, kMaxLineChars}}) {
                 auto value = RequiredString(*body, field, limit, false);
                 if (!value) return SendError(r, ToApiError(value.error()));
                 *target = *value;
               }
               auto received = ReceivedOn(request.received_on);
               if (!received) return SendError(r, ToApiError(received.error()));
               for (auto [field, target, limit] :
                    {std::tuple{"subject", &request.subject, kMaxLineChars},
                     std::tuple{"details", &request.details, kMaxTextChars}}) {
                 auto value = OptionalString(*body, field, limit, limit == kMaxTextChars);
                 if (!value) return SendError(r, ToApiError(value.error()));
                 *target = value->value_or("");
               }
               auto added = s->store.privacy().AddRequest(request, c.actor);
               if (!added) return SendError(r, ToApiError(added.error()));
               SendJson(r, {{"request", RequestJson(*added)}}, 201);
             });
  router.Add({"GET", "/api/v1/privacy/requests/{id}", {Role::kPrivacy}, "One request."},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "request");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto request = s->store.privacy().GetRequest(*id);
               if (!request) return SendError(r, ToApiError(request.error()));
               SendJson(r, {{"request", RequestJson(*request)}});
             });
  router.Add({"POST",
              "/api/v1/privacy/requests/{id}/decision",
              {Role::kPrivacy},
              "Decide an open request: {status: granted|refused, decision, refusal_reason "
              "(required when refused)}; the caller is recorded as who decided.",
              Body::kJson},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "request");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto body = JsonObjectBody(q);
               if (!body) return SendError(r, ToApiError(body.error()));
               auto status = RequiredString(*body, "status");
               if (!status) return SendError(r, ToApiError(status.error()));
               RequestDecision decision;
               if (*status == "granted") {
                 decision.status = RequestStatus::kGranted;
               } else if (*status == "refused") {
                 decision.status = RequestStatus::kRefused;
               } else {
                 return SendError(r, 400, "invalid_argument", "status must be granted or refused");
               }
               auto text = RequiredString(*body, "decision");
               if (!text) return SendError(r, ToApiError(text.error()));
               decision.decision = *text;
               auto reason = OptionalString(*body, "refusal_reason");
               if (!reason) return SendError(r, ToApiError(reason.error()));
               decision.refusal_reason = reason->value_or("");
               auto decided = s->store.privacy().DecideRequest(*id, decision, c.actor);
               if (!decided) return SendError(r, ToApiError(decided.error()));
               SendJson(r, {{"request", RequestJson(*decided)}});
             });
}

void AddLookupRoutes(Router& router, Service* s) {
  router.Add({"GET",
              "/api/v1/privacy/lookup",
              {Role::kPrivacy},
              "Am I on the list? By name or alias (case and accents ignored).",
              Body::kNone,
              {{"name", "the name asked about"}}},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto name = QueryText(q, "name", kMaxNameChars);
               if (!name) return SendError(r, ToApiError(name.error()));
               auto answer = privacy::LookupName(s->store, *name);
               if (!answer) return SendError(r, ToApiError(answer.error()));
               SendJson(r, LookupJson(*answer));
             });
  router.Add({"POST",
              "/api/v1/privacy/lookup/photo",
              {Role::kPrivacy},
              "Am I on the list? By a photo of the requester, analysed in memory and "
              "discarded (nothing of it is stored).",
              Body::kPhoto},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto bytes = UploadedPhoto(q);
               if (!bytes) return SendError(r, ToApiError(bytes.error()));
               auto lease = s->LeaseAnalyzer(r);
               if (!lease) return;
               const auto* data = reinterpret_cast<const unsigned char*>(bytes->data());
               auto answer = s->app.LookupPhoto({data, bytes->size()}, lease->analyzer());
               if (!answer) return SendError(r, ToApiError(answer.error()));
               SendJson(r, LookupJson(*answer));
             });
  router.Add({"GET",
              "/api/v1/privacy/persons/{id}/export",
              {Role::kPrivacy},
              "The access answer for a listed person: a zip with manifest.json (record, "
              "criteria and justification, profile count and sources, photos, audit "
              "entries; never the embeddings)."},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "person");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto person = s->store.GetPerson(*id);
               if (!person) return SendError(r, ToApiError(person.error()));
               const auto zip =
                   s->scratch / ("access-" + std::to_string(*id) + "-" +
                                 std::to_string(std::hash<std::string>{}(c.actor)) + ".zip");
               auto exported = privacy::ExportPerson(s->store, person->uri, zip, c.actor);
               if (!exported) return SendError(r, ToApiError(exported.error()));
               SendFile(r, zip, "access-person-" + std::to_string(*id) + ".zip");
               std::error_code ec;
               std::filesystem::remove(zip, ec);
             });
}

void AddOptOutRoutes(Router& router, Service* s) {
  router.Add({"POST",
              "/api/v1/privacy/optout",
              {Role::kPrivacy},
              "Opt a person out: {name}. The person leaves the list, profiles and their "
              "archived faces are deleted, a suppression record is kept; the photo files are "
              "rewritten by a background job.",
              Body::kJson,
              {},
              202},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto body = JsonObjectBody(q);
               if (!body) return SendError(r, ToApiError(body.error()));
               auto name = RequiredString(*body, "name", kMaxNameChars, false);
               if (!name) return SendError(r, ToApiError(name.error()));
               privacy::OptOutRequest request;
               request.person = *name;
               request.actor = c.actor;
               auto report = privacy::OptOut(s->store, s->pack, nullptr, request);
               if (!report) return SendError(r, ToApiError(report.error()));
               s->ListChanged();
               if (s->preview_cache != nullptr) s->preview_cache->Clear();
               const OptOutOutcome& o = report->outcome;
               json out = {{"listed", report->was_listed},
                           {"suppression", o.suppression},
                           {"profiles_deleted", o.profiles_deleted},
                           {"faces_deleted", o.faces_deleted},
                           {"photos_to_rewrite", o.photos.size()}};
               if (report->was_listed) {
                 out["job"] = o.job;
                 if (s->privacy_worker) s->privacy_worker->Submit(o.job);
               }
               SendJson(r, out, 202);
             });
  router.Add({"POST",
              "/api/v1/privacy/optout/photo",
              {Role::kPrivacy},
              "Opt a person out with a photo of them (a selfie they sent), so that their face "
              "is suppressed even without profiles or when they are not listed; the photo is "
              "analysed in memory and discarded.",
              Body::kPhoto,
              {{"name", "the person's name"}},
              202},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto checked = QueryText(q, "name", kMaxNameChars);
               if (!checked) return SendError(r, ToApiError(checked.error()));
               const std::string& name = *checked;
               if (text::TrimAsciiWhitespace(name).empty()) {
                 return SendError(r, 400, "invalid_argument", "give the person's name as ?name=");
               }
               auto bytes = UploadedPhoto(q);
               if (!bytes) return SendError(r, ToApiError(bytes.error()));
               auto lease = s->LeaseAnalyzer(r);
               if (!lease) return;
               privacy::OptOutRequest request;
               request.person = name;
               request.actor = c.actor;
               request.photo_bytes.push_back(
                   {reinterpret_cast<const unsigned char*>(bytes->data()), bytes->size()});
               auto report = privacy::OptOut(s->store, s->pack, &lease->analyzer(), request);
               if (!report) return SendError(r, ToApiError(report.error()));
               s->ListChanged();
               if (s->preview_cache != nullptr) s->preview_cache->Clear();
               const OptOutOutcome& o = report->outcome;
               json out = {
                   {"listed", report->was_listed},     {"suppression", o.suppression},
                   {"templates", o.models.size()},     {"profiles_deleted", o.profiles_deleted},
                   {"faces_deleted", o.faces_deleted}, {"photos_to_rewrite", o.photos.size()}};
               if (report->was_listed) {
                 out["job"] = o.job;
                 if (s->privacy_worker) s->privacy_worker->Submit(o.job);
               }
               SendJson(r, out, 202);
             });
  router.Add({"GET",
              "/api/v1/privacy/suppressions",
              {Role::kPrivacy},
              "Opt-out records: ids, dates and counts (no names, no templates)."},
             [s](const Caller&, const httplib::Request&, httplib::Response& r) {
               auto list = s->store.privacy().ListSuppressions();
               if (!list) return SendError(r, ToApiError(list.error()));
               json out = json::array();
               for (const auto& x : *list) {
                 out.push_back({{"id", x.id},
                                {"created_at", x.created_at},
                                {"names", x.names},
                                {"models", x.models}});
               }
               SendJson(r, {{"suppressions", out}});
             });
  router.Add({"DELETE",
              "/api/v1/privacy/suppressions/{id}",
              {Role::kPrivacy},
              "Withdraw an opt-out record (the person may be listed again).",
              Body::kNone,
              {},
              204},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "suppression");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto removed = s->store.privacy().RemoveSuppression(*id, c.actor);
               if (!removed) return SendError(r, ToApiError(removed.error()));
               s->ListChanged();
               r.status = 204;
             });
}

void AddRetentionRoutes(Router& router, Service* s) {
  router.Add({"GET",
              "/api/v1/audit/verify",
              {Role::kPrivacy},
              "Check the audit log's hash chain: intact, or the first entry edited, inserted "
              "or deleted; the head hash to write down elsewhere."},
             [s](const Caller&, const httplib::Request&, httplib::Response& r) {
               auto verified = s->store.privacy().VerifyAudit();
               if (!verified) return SendError(r, ToApiError(verified.error()));
               json out = {{"intact", verified->intact},
                           {"entries", verified->entries},
                           {"head_hash", verified->head_hash},
                           {"problem", verified->problem}};
               out["first_bad"] = verified->first_bad ? json(*verified->first_bad) : json(nullptr);
               out["anchored_through"] =
                   verified->anchored_through ? json(*verified->anchored_through) : json(nullptr);
               SendJson(r, out);
             });
  router.Add({"GET",
              "/api/v1/privacy/retention",
              {Role::kPrivacy},
              "Retention periods in days per kind of data (null: no limit)."},
             [s](const Caller&, const httplib::Request&, httplib::Response& r) {
               auto policy = s->store.privacy().Retention();
               if (!policy) return SendError(r, ToApiError(policy.error()));
               SendJson(r, {{"retention", RetentionJson(*policy)}});
             });
  router.Add({"PUT",
              "/api/v1/privacy/retention",
              {Role::kPrivacy},
              "Set retention periods: {captions|tags|unknown_faces|idle_profiles|audit|"
              "requests: days or null}.",
              Body::kJson},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto body = JsonObjectBody(q);
               if (!body) return SendError(r, ToApiError(body.error()));
               std::vector<std::pair<RetentionKind, std::optional<int>>> changes;
               for (const auto& [key, value] : body->items()) {
                 auto kind = ParseRetentionKind(key);
                 if (!kind) {
                   return SendError(r, 400, "invalid_argument",
                                    "unknown kind of data \"" + key + "\"");
                 }
                 if (value.is_null()) {
                   changes.emplace_back(*kind, std::nullopt);
                 } else if (value.is_number_integer() &&
                            value.get<std::int64_t>() >= std::numeric_limits<int>::min() &&
                            value.get<std::int64_t>() <= std::numeric_limits<int>::max()) {
                   changes.emplace_back(*kind, value.get<int>());
                 } else {
                   return SendError(r, 400, "invalid_argument",
                                    key + " must be a number of days or null");
                 }
               }
               auto policy = privacy::SetRetention(s->store, changes, c.actor);
               if (!policy) return SendError(r, ToApiError(policy.error()));
               SendJson(r, {{"retention", RetentionJson(*policy)}});
             });
  router.Add({"POST",
              "/api/v1/privacy/purge",
              {Role::kPrivacy},
              "Purge what is past its retention period, and wipe it from the database file: "
              "{dry_run} (a dry run only counts).",
              Body::kJson},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto body = JsonObjectBody(q);
               if (!body) return SendError(r, ToApiError(body.error()));
               auto dry = OptionalBool(*body, "dry_run");
               if (!dry) return SendError(r, ToApiError(dry.error()));
               auto report = privacy::PurgeNow(s->store, std::chrono::system_clock::now(),
                                               dry->value_or(true), c.actor);
               if (!report) return SendError(r, ToApiError(report.error()));
               if (!dry->value_or(true) && s->preview_cache != nullptr) s->preview_cache->Clear();
               SendJson(r, PurgeJson(*report));
             });
}

void AddExportRoutes(Router& router, Service* s) {
  router.Add({"POST",
              "/api/v1/privacy/exports",
              {Role::kPrivacy},
              "Export photos as a zip with their names, built in the background: {photos: "
              "[ids], person, text, from, to, email, webhook, expires_hours}. The answer "
              "carries the download link at once; it works once the zip is ready.",
              Body::kJson,
              {},
              202},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               if (s->options.export_folder.empty() || !s->privacy_worker) {
                 return SendError(r, 503, "unavailable", "photo exports are not configured");
               }
               auto body = JsonObjectBody(q);
               if (!body) return SendError(r, ToApiError(body.error()));
               privacy::PhotoExportRequest request;
               request.actor = c.actor;
               if (auto it = body->find("photos"); it != body->end()) {
                 if (!it->is_array()) {
                   return SendError(r, 400, "invalid_argument", "photos must be a list of ids");
                 }
                 for (const json& id : *it) {
                   if (!id.is_number_integer()) {
                     return SendError(r, 400, "invalid_argument", "photos must be a list of ids");
                   }
                   request.photos.push_back(id.get<PhotoId>());
                 }
               }
               SearchQuery query;
               bool searched = false;
               for (auto [field, target] :
                    {std::pair{"text", &query.text}, std::pair{"from", &query.date_from},
                     std::pair{"to", &query.date_to}}) {
                 auto value = OptionalString(*body, field, kMaxLineChars, false);
                 if (!value) return SendError(r, ToApiError(value.error()));
                 if (*value) {
                   if (target != &query.text && !(*value)->empty()) {
                     auto bound = CheckDateBound(**value, field);
                     if (!bound) return SendError(r, ToApiError(bound.error()));
                   }
                   *target = **value;
                   searched = true;
                 }
               }
               auto person = OptionalString(*body, "person", kMaxNameChars, false);
               if (!person) return SendError(r, ToApiError(person.error()));
               if (*person) {
                 auto found = s->store.FindPerson(**person);
                 if (!found) return SendError(r, ToApiError(found.error()));
                 query.person = found->id;
                 searched = true;
               }
               if (searched) request.query = query;
               for (auto [field, target] :
                    {std::pair{"email", &request.email}, std::pair{"webhook", &request.webhook}}) {
                 auto value = OptionalString(*body, field, kMaxLineChars, false);
                 if (!value) return SendError(r, ToApiError(value.error()));
                 *target = value->value_or("");
               }
               // Only destinations an admin allowed (docs/security.md).
               if (!request.email.empty()) {
                 auto allowed = s->notifier->CheckMail(request.email);
                 if (!allowed) return SendError(r, ToApiError(allowed.error()));
               }
               if (!request.webhook.empty()) {
                 auto allowed = s->notifier->CheckWebhook(request.webhook);
                 if (!allowed) return SendError(r, ToApiError(allowed.error()));
               }
               if (auto it = body->find("expires_hours"); it != body->end()) {
                 if (!it->is_number_integer()) {
                   return SendError(r, 400, "invalid_argument", "expires_hours must be a number");
                 }
                 request.expires_hours = it->get<int>();
               }
               auto ticket = privacy::StartPhotoExport(s->store, request);
               if (!ticket) return SendError(r, ToApiError(ticket.error()));
               s->privacy_worker->Submit(ticket->job, ticket->token);
               SendJson(r,
                        {{"job", ticket->job},
                         {"download", s->notifier->DownloadLink(ticket->token)},
                         {"message", "your zip file is being created"}},
                        202);
             });
  router.Add({"GET",
              "/api/v1/privacy/exports/{id}",
              {Role::kPrivacy},
              "Status and progress of a photo export (or opt-out) job."},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "job");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto job = s->store.service().GetJob(*id);
               if (!job) return SendError(r, ToApiError(job.error()));
               if (job->kind != privacy::kPhotoExportJob && job->kind != privacy::kOptOutJob) {
                 return SendError(r, 404, "not_found", "no privacy job " + std::to_string(*id));
               }
               SendJson(r, {{"job", JobJson(*job)}});
             });
  // Public: whoever holds the token (the link in the notification) may
  // download until it expires.
  router.Add({"GET",
              "/api/v1/privacy/exports/download/{token}",
              {},
              "Download an export's zip with its token, until the link expires (410)."},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               const std::string token = q.matches.size() > 1 ? q.matches[1].str() : "";
               auto zip = privacy::OpenDownload(s->store, token, std::chrono::system_clock::now(),
                                                s->options.export_folder);
               if (!zip) {
                 if (zip.error().code == ErrorCode::kRejected &&
                     zip.error().message.find("expired") != std::string::npos) {
                   return SendError(r, 410, "rejected", zip.error().message);
                 }
                 return SendError(r, ToApiError(zip.error()));
               }
               SendFile(r, *zip, zip->filename().string());
             });
}

}  // namespace

void AddPrivacyRoutes(Router& router, Service& service) {
  Service* s = &service;
  AddRequestRoutes(router, s);
  AddLookupRoutes(router, s);
  AddOptOutRoutes(router, s);
  AddRetentionRoutes(router, s);
  AddExportRoutes(router, s);
}

}  // namespace facetag::server
