// Routes of keys and notification destinations (admin), the audit log
// (privacy) and whoami (any key).
#include "facetag/notify.h"
#include "facetag/thread_annotations.h"
#include "http.h"
#include "key_rules.h"
#include "service.h"

namespace facetag::server {
using nlohmann::json;

namespace {

json KeyJson(const ApiKey& key) {
  json out = {{"id", key.id},
              {"prefix", key.prefix},
              {"role", RoleName(key.role)},
              {"label", key.label},
              {"created_at", key.created_at}};
  out["revoked_at"] = key.revoked_at ? json(*key.revoked_at) : json(nullptr);
  return out;
}

// Serialises revocations, so that two admins cannot revoke each other's
// last keys at once.
Mutex revocation_mutex;

void AddDestinationRoutes(Router& router, Service* s) {
  router.Add({"GET", "/api/v1/notify-destinations", {Role::kAdmin},
              "The allow-list of notification destinations of photo exports."},
             [s](const Caller&, const httplib::Request&, httplib::Response& r) {
               if (s->options.notify_allow_file.empty()) {
                 return SendError(r, 503, "unavailable", "notifications are not configured");
               }
               auto list = privacy::LoadAllowList(s->options.notify_allow_file);
               if (!list) return SendError(r, ToApiError(list.error()));
               SendJson(r, json::parse(privacy::AllowListJson(*list)));
             });
  router.Add({"PUT", "/api/v1/notify-destinations", {Role::kAdmin},
              "Replace the allow-list: {destinations: [{mail: \"@client.example\"}, {webhook: "
              "\"http://hooks.example/x\", internal: false}]}. Exports notify only these.",
              Body::kJson},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               if (s->options.notify_allow_file.empty()) {
                 return SendError(r, 503, "unavailable", "notifications are not configured");
               }
               auto list = privacy::ParseAllowList(q.body);
               if (!list) return SendError(r, ToApiError(list.error()));
               auto saved = privacy::SaveAllowList(s->options.notify_allow_file, *list);
               if (!saved) return SendError(r, ToApiError(saved.error()));
               const json body = json::parse(privacy::AllowListJson(*list));
               s->Audit(c, "notify.destinations", "notify", body);
               SendJson(r, body);
             });
}

}  // namespace

void AddAdminRoutes(Router& router, Service& service) {
  Service* s = &service;
  router.Add({"GET", "/api/v1/whoami",
              {Role::kCustomer, Role::kIngest, Role::kEditor, Role::kPrivacy, Role::kAdmin},
              "The role and key of the caller."},
             [](const Caller& c, const httplib::Request&, httplib::Response& r) {
               SendJson(r, {{"role", RoleName(c.key->role)},
                            {"key", {{"id", c.key->id}, {"prefix", c.key->prefix},
                                     {"label", c.key->label}}}});
             });
  router.Add({"GET", "/api/v1/keys", {Role::kAdmin}, "All API keys, without their secrets."},
             [s](const Caller&, const httplib::Request&, httplib::Response& r) {
               auto keys = s->store.service().ListApiKeys();
               if (!keys) return SendError(r, ToApiError(keys.error()));
               json out = json::array();
               for (const ApiKey& k : *keys) out.push_back(KeyJson(k));
               SendJson(r, {{"keys", out}});
             });
  router.Add({"POST", "/api/v1/keys", {Role::kAdmin},
              "Create a key: {role, label}; the secret is in this answer only.", Body::kJson, {},
              201},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto body = JsonObjectBody(q);
               if (!body) return SendError(r, ToApiError(body.error()));
               auto role_text = RequiredString(*body, "role");
               if (!role_text) return SendError(r, ToApiError(role_text.error()));
               auto role = ParseRole(*role_text);
               if (!role) {
                 return SendError(r, 400, "invalid_argument",
                                  "role must be customer, ingest, editor, privacy or admin");
               }
               auto label = OptionalString(*body, "label", kMaxNameChars, false);
               if (!label) return SendError(r, ToApiError(label.error()));
               auto created = s->store.service().CreateApiKey(*role, label->value_or(""));
               if (!created) return SendError(r, ToApiError(created.error()));
               s->Audit(c, "key.create", "key:" + std::to_string(created->key.id),
                        {{"role", RoleName(*role)}, {"label", created->key.label}});
               SendJson(r, {{"key", KeyJson(created->key)}, {"secret", created->secret}}, 201);
             });
  router.Add({"DELETE", "/api/v1/keys/{id}", {Role::kAdmin}, "Revoke a key for good."},
             [s](const Caller& c, const httplib::Request& q, httplib::Response& r) {
               auto id = PathId(q, 1, "key");
               if (!id) return SendError(r, ToApiError(id.error()));
               MutexLock lock(revocation_mutex);
               auto keys = s->store.service().ListApiKeys();
               if (!keys) return SendError(r, ToApiError(keys.error()));
               auto allowed = CheckKeyRevocation(*keys, *id);
               if (!allowed) return SendError(r, ToApiError(allowed.error()));
               auto revoked = s->store.service().RevokeApiKey(*id);
               if (!revoked) return SendError(r, ToApiError(revoked.error()));
               s->Audit(c, "key.revoke", "key:" + std::to_string(*id));
               SendJson(r, {{"key", KeyJson(*revoked)}});
             });
  router.Add({"GET", "/api/v1/audit", {Role::kPrivacy},
              "Audit log entries, newest first.", Body::kNone,
              {{"actor", "exact actor"},
               {"action", "exact action, e.g. tag.reject"},
               {"subject", "exact subject, e.g. person:3"},
               {"cursor", "an entry id: the page after it"},
               {"limit", "1-500, default 100"}}},
             [s](const Caller&, const httplib::Request& q, httplib::Response& r) {
               AuditQuery query;
               for (auto [name, target] : {std::pair{"actor", &query.actor},
                                           std::pair{"action", &query.action},
                                           std::pair{"subject", &query.subject}}) {
                 auto value = QueryText(q, name);
                 if (!value) return SendError(r, ToApiError(value.error()));
                 *target = std::move(*value);
               }
               query.newest_first = true;
               auto cursor = QueryInt(q, "cursor", 0, 0, INT64_MAX);
               auto limit = QueryInt(q, "limit", 100, 1, 500);
               if (!cursor) return SendError(r, ToApiError(cursor.error()));
               if (!limit) return SendError(r, ToApiError(limit.error()));
               query.cursor = *cursor;
               query.limit = static_cast<int>(*limit);
               auto entries = s->store.archive().ListAudit(query);
               if (!entries) return SendError(r, ToApiError(entries.error()));
               json out = json::array();
               for (const AuditEntry& e : *entries) {
                 out.push_back({{"id", e.id},
                                {"at", e.at},
                                {"actor", e.record.actor},
                                {"action", e.record.action},
                                {"subject", e.record.subject},
                                {"details", json::parse(e.record.details, nullptr, false)}});
               }
               SendJson(r, {{"entries", out}});
             });
  AddDestinationRoutes(router, s);
}

}  // namespace facetag::server
