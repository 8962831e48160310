// Routes of discovery for editors: the queue of candidates (recurring
// unknown people), one candidate with its photos and name suggestions, and
// the decisions approve, reject, merge, split, hold and reopen. Face
// thumbnails come from GET /api/v1/faces/{id}/thumbnail (cut on the fly).
#include <mutex>

#include "facetag/discovery.h"
#include "facetag/discovery_json.h"
#include "http.h"
#include "service.h"

namespace facetag::server {
using nlohmann::json;

namespace {

// The candidate as the CLI shows it, with photo locations as this server's
// clients know them (below the photo folder; absolute paths elsewhere are
// not shown).
json ClientCandidateJson(const Service& service, const discovery::Candidate& c) {
  json out = discovery::CandidateJson(c);
  for (json& photo : out["photos"]) {
    const std::filesystem::path stored{photo["location"].get<std::string>()};
    if (stored.is_absolute()) {
      photo["location"] = RelativeLocation(service.options.photo_root, stored);
    }
  }
  return out;
}

Result<CandidateState> StateParam(const httplib::Request& req) {
  const std::string text = QueryString(req, "state");
  if (text.empty()) return CandidateState::kOpen;
  return ParseCandidateState(text.substr(0, 40));
}


void Approve(Service& service, const Caller& caller, const httplib::Request& req,
             httplib::Response& res) {
  auto id = PathId(req, 1, "candidate");
  if (!id) return SendError(res, ToApiError(id.error()));
  auto body = JsonObjectBody(req);
  if (!body) return SendError(res, ToApiError(body.error()));
  auto fields = NewPersonFields(*body);
  if (!fields) return SendError(res, ToApiError(fields.error()));
  app::ApproveRequest request;
  request.person = std::move(*fields);
  auto approved = service.app.ApproveCandidate(*id, request, caller.actor);
  if (!approved) return SendError(res, ToApiError(approved.error()));
  json out = {{"person", PersonJson(approved->person)}, {"profile_faces", approved->profile_faces}};
  if (approved->follow_up.rematched) {
    const app::RematchSummary& summary = *approved->follow_up.rematched;
    out["rematch"] = {{"faces", summary.faces},
                      {"changed", summary.changed},
                      {"photos_changed", summary.changed_photos.size()}};
  } else if (approved->follow_up.deferred) {
    out["rematch"] = {{"deferred", true}, {"archived_faces", approved->follow_up.archived_faces}};
  }
  SendJson(res, out, 201);
}

}  // namespace

void AddCandidateRoutes(Router& router, Service& service) {
  Service* s = &service;
  const std::vector<Role> editor = {Role::kEditor};
  router.Add({"GET",
              "/api/v1/candidates",
              editor,
              "Recurring unknown people, most events first, with suggested names and evidence.",
              Body::kNone,
              {{"state", "open (default), held, rejected or approved"},
               {"all", "1: also clusters that do not recur yet"},
               {"limit", "1-500, default 50"}}},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto state = StateParam(q);
               if (!state) return SendError(r, ToApiError(state.error()));
               auto all = QueryInt(q, "all", 0, 0, 1);
               if (!all) return SendError(r, ToApiError(all.error()));
               auto limit = QueryInt(q, "limit", 50, 1, 500);
               if (!limit) return SendError(r, ToApiError(limit.error()));
               discovery::CandidateQuery query;
               query.states = {*state};
               query.recurring_only = *all == 0;
               query.limit = static_cast<int>(*limit);
               auto list =
                   discovery::ListCandidates(s->store, discovery::OptionsForPack(s->pack), query);
               if (!list) return SendError(r, ToApiError(list.error()));
               json out = json::array();
               for (const auto& c : *list) out.push_back(ClientCandidateJson(*s, c));
               SendJson(r, {{"candidates", out}});
             });
  router.Add({"GET", "/api/v1/candidates/{id}", editor,
              "One candidate (any state) with its photos, faces and name suggestions."},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "candidate");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto c = discovery::GetCandidate(s->store, discovery::OptionsForPack(s->pack), *id);
               if (!c) return SendError(r, ToApiError(c.error()));
               SendJson(r, ClientCandidateJson(*s, *c));
             });
  router.Add({"POST",
              "/api/v1/candidates/{id}/approve",
              editor,
              "List the person: {name, justification, criteria: \"all\" | {public_figure, "
              "recurring_in_news, likely_searched}, aliases?}; the best faces become profiles "
              "and the archive is re-matched for the person.",
              Body::kJson,
              {},
              201},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               Approve(*s, c, q, r);
             });
  router.Add({"POST", "/api/v1/candidates/{id}/reject", editor,
              "Not a public person: {reason?}. The identity is never proposed again.", Body::kJson},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "candidate");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto body = JsonObjectBody(q);
               if (!body) return SendError(r, ToApiError(body.error()));
               auto reason = OptionalString(*body, "reason");
               if (!reason) return SendError(r, ToApiError(reason.error()));
               auto identity = discovery::Reject(s->store, discovery::OptionsForPack(s->pack), *id,
                                                 reason->value_or("not a public person"), c.actor);
               if (!identity) return SendError(r, ToApiError(identity.error()));
               SendJson(r, {{"candidate", *id}, {"state", "rejected"}});
             });
  router.Add({"POST", "/api/v1/candidates/{id}/merge", editor,
              "Merge another candidate into this one: {from}.", Body::kJson},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "candidate");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto body = JsonObjectBody(q);
               if (!body) return SendError(r, ToApiError(body.error()));
               auto from = RequiredId(*body, "from");
               if (!from) return SendError(r, ToApiError(from.error()));
               auto done = discovery::Merge(s->store, discovery::OptionsForPack(s->pack), *id,
                                            *from, c.actor);
               if (!done) return SendError(r, ToApiError(done.error()));
               SendJson(r, {{"candidate", *id}, {"merged", *from}});
             });
  router.Add({"POST", "/api/v1/candidates/{id}/split", editor,
              "Split a mixed candidate: {faces?: [face ids to move out]}; without faces, in two "
              "by similarity (422 rejected when it looks like one person).",
              Body::kJson},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "candidate");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto body = JsonObjectBody(q);
               if (!body) return SendError(r, ToApiError(body.error()));
               std::vector<FaceId> faces;
               if (auto it = body->find("faces"); it != body->end()) {
                 if (!it->is_array()) {
                   return SendError(r, 400, "invalid_argument", "faces must be an array of ids");
                 }
                 for (const json& f : *it) {
                   if (!f.is_number_integer() || f.get<std::int64_t>() < 1) {
                     return SendError(r, 400, "invalid_argument", "faces must be positive ids");
                   }
                   faces.push_back(f.get<std::int64_t>());
                 }
               }
               auto parts = discovery::Split(s->store, discovery::OptionsForPack(s->pack), *id,
                                             faces, c.actor);
               if (!parts) return SendError(r, ToApiError(parts.error()));
               SendJson(r, {{"candidate", *id}, {"new_candidates", *parts}});
             });
  for (const bool hold : {true, false}) {
    router.Add(
        {"POST", hold ? "/api/v1/candidates/{id}/hold" : "/api/v1/candidates/{id}/reopen", editor,
         hold ? "Put a candidate aside for later." : "Put a held candidate back.", Body::kNone},
        [s, hold](const Caller& c, const httplib::Request& q, httplib::Response& r) {
          auto id = PathId(q, 1, "candidate");
          if (!id) return SendError(r, ToApiError(id.error()));
          auto done = discovery::Hold(s->store, *id, hold, c.actor);
          if (!done) return SendError(r, ToApiError(done.error()));
          SendJson(r, {{"candidate", *id}, {"state", hold ? "held" : "open"}});
        });
  }
  router.Add(
      {"POST", "/api/v1/discover", editor,
       "Cluster the unknown faces not yet clustered ({rebuild: true}: all anew).", Body::kJson},
      [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
        auto body = JsonObjectBody(q);
        if (!body) return SendError(r, ToApiError(body.error()));
        auto rebuild = OptionalBool(*body, "rebuild");
        if (!rebuild) return SendError(r, ToApiError(rebuild.error()));
        // One run at a time: two would both add the same new faces.
        static std::mutex running;
        std::lock_guard lock(running);
        auto options = discovery::OptionsFor(s->store, s->pack);
        if (!options) return SendError(r, ToApiError(options.error()));
        auto summary = discovery::Discover(s->store, *options, rebuild->value_or(false));
        if (!summary) return SendError(r, ToApiError(summary.error()));
        SendJson(r, {{"new_faces", summary->new_faces},
                     {"clustered", summary->clustered},
                     {"excluded", summary->excluded},
                     {"new_clusters", summary->new_clusters},
                     {"merges", summary->merges},
                     {"clusters", summary->clusters}});
      });
}

}  // namespace facetag::server
