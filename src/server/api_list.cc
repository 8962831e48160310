// Routes of the list: persons, aliases, listing criteria, enrolment and
// profile counts (docs/http-api.md). No route returns an embedding.
#include "facetag/rematch.h"
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

namespace {

// The agency lists a person only when all three criteria hold and the
// editor says why.
Result<void> CheckListable(const ListingCriteria& criteria, const std::string& justification) {
  if (!criteria.AllMet()) {
    return Fail(ErrorCode::kRejected,
                "a person is listed only when they are a public figure, have been in the news "
                "more than once and customers will likely search for them");
  }
  if (text::TrimAsciiWhitespace(justification).empty()) {
    return Fail(ErrorCode::kInvalidArgument, "a justification is required to list a person");
  }
  return {};
}

void CreatePerson(Service& service, const Caller& caller, const httplib::Request& req,
                  httplib::Response& res) {
  auto body = JsonObjectBody(req);
  if (!body) return SendError(res, ToApiError(body.error()));
  auto name = RequiredString(*body, "name");
  if (!name) return SendError(res, ToApiError(name.error()));
  auto justification = RequiredString(*body, "justification");
  if (!justification) return SendError(res, ToApiError(justification.error()));
  auto criteria = CriteriaField(*body);
  if (!criteria) return SendError(res, ToApiError(criteria.error()));
  auto aliases = AliasesField(*body);
  if (!aliases) return SendError(res, ToApiError(aliases.error()));
  if (auto listable = CheckListable(*criteria, *justification); !listable) {
    return SendError(res, ToApiError(listable.error()));
  }
  // The store audits the change, by the caller, in the same transaction.
  auto person =
      service.store.AddPerson({*name, *aliases, *justification, *criteria}, caller.actor);
  if (!person) return SendError(res, ToApiError(person.error()));
  service.ListChanged();
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
  if (!update.name && !update.justification && !update.criteria) {
    return SendError(res, 400, "invalid_argument",
                     "nothing to change: give name, justification or criteria");
  }
  auto person = service.store.UpdatePerson(*id, update, caller.actor);
  if (!person) return SendError(res, ToApiError(person.error()));
  service.ListChanged();
  SendJson(res, PersonJson(*person));
}

void RemovePerson(Service& service, const Caller& caller, const httplib::Request& req,
                  httplib::Response& res) {
  auto id = PathId(req, 1, "person");
  if (!id) return SendError(res, ToApiError(id.error()));
  auto person = service.store.GetPerson(*id);
  if (!person) return SendError(res, ToApiError(person.error()));
  auto removed = service.store.RemovePerson(*id, caller.actor);
  if (!removed) return SendError(res, ToApiError(removed.error()));
  service.ListChanged();
  SendJson(res, {{"removed", PersonJson(*person)}});
}

void Enrol(Service& service, const Caller& caller, const httplib::Request& req,
           httplib::Response& res) {
  auto id = PathId(req, 1, "person");
  if (!id) return SendError(res, ToApiError(id.error()));
  auto face = QueryInt(req, "face", 0, 0, 1000);
  if (!face) return SendError(res, ToApiError(face.error()));
  auto person = service.store.GetPerson(*id);
  if (!person) return SendError(res, ToApiError(person.error()));
  auto bytes = UploadedPhoto(req);
  if (!bytes) return SendError(res, ToApiError(bytes.error()));
  auto scratch = ScratchPhoto::Write(service.scratch, *bytes);
  if (!scratch) return SendError(res, ToApiError(scratch.error()));
  auto lease = service.LeaseAnalyzer(res);
  if (!lease) return;
  pipeline::Enroller enroller(service.store, lease->analyzer(), service.pack);
  pipeline::EnrollRequest request;
  request.photo = scratch->path();
  if (*face > 0) request.face_number = static_cast<int>(*face);
  request.actor = caller.actor;
  auto outcome = enroller.Enroll(*person, request);
  if (!outcome) return service.SendFailure(res, outcome.error(), scratch->path(), "the photo");
  service.ListChanged();
  json out = {{"profile", outcome->profile}, {"box", BoxJson(outcome->box)}};
  if (outcome->resemblance) out["resemblance"] = *outcome->resemblance;
  // New profiles may name the person in photos archived before.
  auto list = service.List();
  if (list) {
    pipeline::RematchOptions options;
    options.person = *id;
    auto summary = pipeline::Rematch(service.store.archive(), **list, options);
    if (summary) out["rematch"] = {{"faces", summary->faces}, {"changed", summary->changed}};
  }
  auto updated = service.store.GetPerson(*id);
  if (updated) out["profiles"] = updated->profile_count;
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
               auto added = s->store.AddAlias(*id, *alias, c.actor);
               if (!added) return SendError(r, ToApiError(added.error()));
               s->ListChanged();
               auto person = s->store.GetPerson(*id);
               if (!person) return SendError(r, ToApiError(person.error()));
               SendJson(r, PersonJson(*person), 201);
             });
  router.Add({"DELETE", "/api/v1/persons/{id}/aliases/{alias}", editor, "Remove an alias."},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "person");
               if (!id) return SendError(r, ToApiError(id.error()));
               const std::string alias = httplib::detail::decode_url(q.matches[2].str(), false);
               auto removed = s->store.RemoveAlias(*id, alias, c.actor);
               if (!removed) return SendError(r, ToApiError(removed.error()));
               s->ListChanged();
               auto person = s->store.GetPerson(*id);
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
