#include "facetag/privacy_json.h"

#include "facetag/json_views.h"

namespace facetag::privacy {

using Json = nlohmann::json;

Json RequestJson(const DataRequest& r) {
  return {{"id", r.id},
          {"kind", RequestKindName(r.kind)},
          {"received_on", r.received_on},
          {"due_on", r.due_on},
          {"requester", r.requester},
          {"contact", r.contact},
          {"subject", r.subject},
          {"details", r.details},
          {"status", RequestStatusName(r.status)},
          {"decision", r.decision},
          {"refusal_reason", r.refusal_reason},
          {"decided_by", r.decided_by},
          {"decided_at", r.decided_at},
          {"created_at", r.created_at}};
}

Json JobJson(const Job& j) {
  return {{"id", j.id},
          {"kind", j.kind},
          {"status", JobStatusName(j.status)},
          {"done", j.done},
          {"total", j.total},
          {"result", Json::parse(j.result, nullptr, false)},
          {"created_by", j.created_by},
          {"created_at", j.created_at},
          {"updated_at", j.updated_at}};
}

Json LookupJson(const LookupAnswer& a) {
  Json persons = Json::array();
  for (const Person& p : a.persons) persons.push_back({{"id", p.id}, {"name", p.name}});
  Json faces = Json::array();
  for (const auto& f : a.faces) {
    faces.push_back({{"box", BoxJson(f.box)},
                     {"person", f.person ? Json(f.person->name) : Json(nullptr)},
                     {"opted_out", f.opted_out}});
  }
  return {{"listed", a.listed},
          {"persons", persons},
          {"opted_out", a.opted_out},
          {"faces", faces},
          {"photo_discarded", a.photo_discarded},
          {"answer", a.answer}};
}

Json PurgeJson(const PurgeReport& r) {
  const PurgeCounts& c = r.counts;
  return {{"dry_run", r.dry_run},
          {"counts",
           {{"captions", c.captions},
            {"mentions", c.mentions},
            {"tags", c.tags},
            {"unknown_faces", c.unknown_faces},
            {"profiles", c.profiles},
            {"audit_entries", c.audit_entries},
            {"requests", c.requests}}},
          {"file_bytes_before", r.file_bytes_before},
          {"file_bytes_after", r.file_bytes_after},
          {"seconds", r.seconds},
          {"wiped", r.wiped},
          {"wipe_error", r.wipe_error}};
}

Json RetentionJson(const RetentionPolicy& policy) {
  Json out = Json::object();
  for (auto kind : kAllRetentionKinds) {
    const auto& days = policy.For(kind);
    out[RetentionKindName(kind)] = days ? Json(*days) : Json(nullptr);
  }
  return out;
}

}  // namespace facetag::privacy
