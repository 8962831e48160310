// Routes of the list: persons, aliases, listing criteria, enrolment and
// profile counts (docs/http-api.md). No route returns an embedding.
#include "facetag/search.h"
#include "facetag/text.h"
#include "http.h"
#include "service.h"

namespace facetag::server {
using nlohmann::json;

json PersonRefJson(Store& store, std::optional<PersonId> id) {
  if (!id) return nullptr;
  auto person = store.GetPerson(*id);
  if (!person) return {{"id", *id}};
  return {{"id", person->id}, {"name", person->name}, {"uri", person->uri}};
}

Result<ListingCriteria> CriteriaField(const json& body) {
  auto it = body.find("criteria");
  // None stated: none holds, and the listing rule says so.
  if (it == body.end() || it->is_null()) return ListingCriteria{};
  if (it != body.end() && it->is_string() && it->get<std::string>() == "all") {
    return ListingCriteria{true, true, true};
  }
  if (it == body.end() || !it->is_object()) {
    return Fail(ErrorCode::kInvalidArgument,
                "\"criteria\" must be \"all\" or an object with public_figure, "
                "recurring_in_news and likely_searched");
  }
  ListingCriteria criteria;
  for (auto [name, flag] : {std::pair{"public_figure", &criteria.public_figure},
                            std::pair{"recurring_in_news", &criteria.recurring_in_news},
                            std::pair{"likely_searched", &criteria.likely_searched}}) {
    auto value = it->find(name);
    if (value == it->end() || !value->is_boolean()) {
      return Fail(ErrorCode::kInvalidArgument,
                  std::string("criteria.") + name + " must be true or false");
    }
    *flag = value->get<bool>();
  }
  return criteria;
}

namespace {

Result<std::vector<std::string>> AliasesField(const json& body) {
  std::vector<std::string> aliases;
  auto it = body.find("aliases");
  if (it == body.end() || it->is_null()) return aliases;
  if (!it->is_array()) return Fail(ErrorCode::kInvalidArgument, "\"aliases\" must be a list");
  for (const auto& alias : *it) {
    if (!alias.is_string()) {
      return Fail(ErrorCode::kInvalidArgument, "every alias must be a string");
    }
    aliases.push_back(alias.get<std::string>());
  }
  return aliases;
}

}  // namespace

Result<NewPerson> NewPersonFields(const json& body) {
  FACETAG_ASSIGN_OR_RETURN(std::string name, RequiredString(body, "name"));
  FACETAG_ASSIGN_OR_RETURN(auto justification, OptionalString(body, "justification"));
  FACETAG_ASSIGN_OR_RETURN(ListingCriteria criteria, CriteriaField(body));
  FACETAG_ASSIGN_OR_RETURN(auto aliases, AliasesField(body));
  return NewPerson{std::move(name), std::move(aliases), justification.value_or(""), criteria};
}

namespace {

void CreatePerson(Service& service, const Caller& caller, const httplib::Request& req,
                  httplib::Response& res) {
  auto body = JsonObjectBody(req);
  if (!body) return SendError(res, ToApiError(body.error()));
  auto fields = NewPersonFields(*body);
  if (!fields) return SendError(res, ToApiError(fields.error()));
  // The store audits the change, by the caller, in the same transaction.
  auto person = service.app.ListPerson(*fields, caller.actor);
  if (!person) return SendError(res, ToApiError(person.error()));
  SendJson(res, PersonJson(*person), 201);
}

void UpdatePerson(Service& service, const Caller& caller, const httplib::Request& req,
                  httplib::Response& res) {
  auto id = PathId(req, 1, "person");
  if (!id) return SendError(res, ToApiError(id.error()));
  auto body = JsonObjectBody(req);
  if (!body) return SendError(res, ToApiError(body.error()));
  PersonUpdate update;
  auto name = OptionalString(*body, "name");
  if (!name) return SendError(res, ToApiError(name.error()));
  update.name = *name;
  auto justification = OptionalString(*body, "justification");
  if (!justification) return SendError(res, ToApiError(justification.error()));
  update.justification = *justification;
  if (body->contains("criteria")) {
    auto criteria = CriteriaField(*body);
    if (!criteria) return SendError(res, ToApiError(criteria.error()));
    update.criteria = *criteria;
  }
  auto person = service.app.UpdatePerson(*id, update, caller.actor);
  if (!person) return SendError(res, ToApiError(person.error()));
  SendJson(res, PersonJson(*person));
}

void RemovePerson(Service& service, const Caller& caller, const httplib::Request& req,
                  httplib::Response& res) {
  auto id = PathId(req, 1, "person");
  if (!id) return SendError(res, ToApiError(id.error()));
  auto removed = service.app.UnlistPerson(*id, caller.actor);
  if (!removed) return SendError(res, ToApiError(removed.error()));
  SendJson(res, {{"removed", PersonJson(removed->removed)}});
}

void Enrol(Service& service, const Caller& caller, const httplib::Request& req,
           httplib::Response& res) {
  auto id = PathId(req, 1, "person");
  if (!id) return SendError(res, ToApiError(id.error()));
  auto face = QueryInt(req, "face", 0, 0, 1000);
  if (!face) return SendError(res, ToApiError(face.error()));
  auto bytes = UploadedPhoto(req);
  if (!bytes) return SendError(res, ToApiError(bytes.error()));
  auto lease = service.LeaseAnalyzer(res);
  if (!lease) return;
  app::EnrolRequest request;
  request.location = "upload";
  if (*face > 0) request.face_number = static_cast<int>(*face);
  const auto* data = reinterpret_cast<const unsigned char*>(bytes->data());
  auto outcome =
      service.app.Enrol(*id, {data, bytes->size()}, request, lease->analyzer(), caller.actor);
  if (!outcome) return SendError(res, ToApiError(outcome.error()));
  json out = {{"profile", outcome->profile},
              {"box", BoxJson(outcome->box)},
              {"quality", outcome->quality.score},
              {"profiles", outcome->profiles}};
  if (outcome->resemblance) out["resemblance"] = *outcome->resemblance;
  // New profiles may name the person in photos archived before.
  auto follow_up = service.app.FollowListChange(*id);
  if (follow_up && follow_up->rematched) {
    out["rematch"] = {{"faces", follow_up->rematched->faces},
                      {"changed", follow_up->rematched->changed}};
  } else if (follow_up && follow_up->deferred) {
    out["rematch"] = {{"deferred", true}, {"archived_faces", follow_up->archived_faces}};
  }
  SendJson(res, out, 201);
}

}  // namespace

void AddListRoutes(Router& router, Service& service) {
  Service* s = &service;
  const std::vector<Role> editor = {Role::kEditor};
  router.Add({"GET", "/api/v1/persons", editor, "The list, ordered by name, with profile counts."},
             [s](const Caller&, const httplib::Request&, httplib::Response& r) {
               auto persons = s->store.ListPersons();
               if (!persons) return SendError(r, ToApiError(persons.error()));
               json out = json::array();
               for (const Person& p : *persons) out.push_back(PersonJson(p));
               SendJson(r, {{"persons", out}});
             });
  router.Add({"GET", "/api/v1/persons/suggest", {Role::kCustomer, Role::kEditor},
              "Names of listed persons for a search box.", Body::kNone,
              {{"q", "what the user typed (at least 1 character)"}}},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               const std::string typed{text::TrimAsciiWhitespace(QueryString(q, "q"))};
               if (typed.empty() || typed.size() > 200) {
                 return SendError(r, 400, "invalid_argument", "q must have 1-200 characters");
               }
               auto persons = s->store.ListPersons();
               if (!persons) return SendError(r, ToApiError(persons.error()));
               const std::string key = text::Fold(typed);
               json out = json::array();
               auto starts_a_word = [&key](const std::string& name) {
                 const std::string folded = text::Fold(name);
                 for (std::size_t at = folded.find(key); at != std::string::npos;
                      at = folded.find(key, at + 1)) {
                   if (at == 0 || folded[at - 1] == ' ' || folded[at - 1] == '-') return true;
                 }
                 return false;
               };
               for (const Person& p : *persons) {
                 bool match = starts_a_word(p.name);
                 for (const auto& alias : p.aliases) match = match || starts_a_word(alias);
                 if (match) out.push_back({{"id", p.id}, {"name", p.name}});
                 if (out.size() >= 10) break;
               }
               if (out.empty()) {
                 // "Did you mean": a typo still finds the person.
                 for (const std::string& name : pipeline::SuggestPersons(typed, *persons, 5)) {
                   auto p = s->store.FindPerson(name);
                   if (p) out.push_back({{"id", p->id}, {"name", p->name}});
                 }
               }
               SendJson(r, {{"persons", out}});
             });
  router.Add({"POST", "/api/v1/persons", editor,
              "List a person: {name, aliases, justification, criteria: {public_figure, "
              "recurring_in_news, likely_searched}}; all three criteria must hold.",
              Body::kJson, {}, 201},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               CreatePerson(*s, c, q, r);
             });
  router.Add({"GET", "/api/v1/persons/{id}", editor,
              "A listed person with their most recent photos."},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "person");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto person = s->store.GetPerson(*id);
               if (!person) return SendError(r, ToApiError(person.error()));
               SearchQuery query;
               query.person = *id;
               query.limit = 12;
               auto hits = s->store.archive().Search(query);
               if (!hits) return SendError(r, ToApiError(hits.error()));
               json recent = json::array();
               for (const SearchHit& h : *hits) {
                 json hit = {{"photo_id", h.photo}, {"date", h.date}, {"caption", h.caption}};
                 if (h.face) hit["face_id"] = *h.face;
                 recent.push_back(hit);
               }
               json out = PersonJson(*person);
               out["recent_photos"] = recent;
               SendJson(r, out);
             });
  router.Add({"PATCH", "/api/v1/persons/{id}", editor,
              "Rename a person or change the justification or criteria.", Body::kJson},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               UpdatePerson(*s, c, q, r);
             });
  router.Add({"DELETE", "/api/v1/persons/{id}", editor,
              "Remove a person with their profiles; their tags name nobody."},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               RemovePerson(*s, c, q, r);
             });
  router.Add({"POST", "/api/v1/persons/{id}/aliases", editor, "Add an alias: {alias}.",
              Body::kJson, {}, 201},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "person");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto body = JsonObjectBody(q);
               if (!body) return SendError(r, ToApiError(body.error()));
               auto alias = RequiredString(*body, "alias");
               if (!alias) return SendError(r, ToApiError(alias.error()));
               auto person = s->app.AddAlias(*id, *alias, c.actor);
               if (!person) return SendError(r, ToApiError(person.error()));
               SendJson(r, PersonJson(*person), 201);
             });
  router.Add({"DELETE", "/api/v1/persons/{id}/aliases/{alias}", editor, "Remove an alias."},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "person");
               if (!id) return SendError(r, ToApiError(id.error()));
               const std::string alias = httplib::detail::decode_url(q.matches[2].str(), false);
               auto person = s->app.RemoveAlias(*id, alias, c.actor);
               if (!person) return SendError(r, ToApiError(person.error()));
               SendJson(r, PersonJson(*person));
             });
  router.Add({"GET", "/api/v1/persons/{id}/profiles", editor,
              "How many profiles a person has and where they came from (never the embeddings)."},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "person");
               if (!id) return SendError(r, ToApiError(id.error()));
               auto profiles = s->store.ProfilesOf(*id);
               if (!profiles) return SendError(r, ToApiError(profiles.error()));
               json out = json::array();
               for (const Profile& p : *profiles) {
                 out.push_back({{"id", p.id},
                                {"model", p.embedding.model_id},
                                {"photo_sha256", p.photo_sha256},
                                {"box", BoxJson(p.box)},
                                {"created_at", p.created_at}});
               }
               SendJson(r, {{"count", profiles->size()}, {"profiles", out}});
             });
  router.Add({"POST", "/api/v1/persons/{id}/profiles", editor,
              "Enrol: add a profile from an uploaded photo of the person.", Body::kPhoto,
              {{"face", "which face (1 = leftmost) when the photo shows several"}}, 201},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               Enrol(*s, c, q, r);
             });
}

}  // namespace facetag::server
