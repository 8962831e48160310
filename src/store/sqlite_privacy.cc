#include "sqlite_privacy.h"

#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "facetag/enum_text.h"
#include "facetag/suppressed_name.h"
#include "name_key.h"
#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"

namespace facetag {

namespace {

constexpr EnumText<RequestKind> kRequestKindText[] = {{RequestKind::kAccess, "access"},
                                                      {RequestKind::kRemoval, "removal"},
                                                      {RequestKind::kOptOut, "optout"},
                                                      {RequestKind::kObjection, "objection"}};

constexpr EnumText<RequestStatus> kRequestStatusText[] = {{RequestStatus::kOpen, "open"},
                                                          {RequestStatus::kGranted, "granted"},
                                                          {RequestStatus::kRefused, "refused"}};

constexpr EnumText<RetentionKind> kRetentionKindText[] = {
    {RetentionKind::kCaptions, "captions"},
    {RetentionKind::kTags, "tags"},
    {RetentionKind::kUnknownFaces, "unknown_faces"},
    {RetentionKind::kIdleProfiles, "idle_profiles"},
    {RetentionKind::kAudit, "audit"},
    {RetentionKind::kRequests, "requests"}};

}  // namespace

const char* RequestKindName(RequestKind kind) { return ToText(kRequestKindText, kind); }

std::optional<RequestKind> ParseRequestKind(std::string_view text) {
  return FromText(kRequestKindText, text);
}

const char* RequestStatusName(RequestStatus status) { return ToText(kRequestStatusText, status); }

std::optional<RequestStatus> ParseRequestStatus(std::string_view text) {
  return FromText(kRequestStatusText, text);
}

const char* RetentionKindName(RetentionKind kind) { return ToText(kRetentionKindText, kind); }

std::optional<RetentionKind> ParseRetentionKind(std::string_view text) {
  return FromText(kRetentionKindText, text);
}

std::optional<int>& RetentionPolicy::For(RetentionKind kind) {
  switch (kind) {
    case RetentionKind::kCaptions:
      return captions_days;
    case RetentionKind::kTags:
      return tags_days;
    case RetentionKind::kUnknownFaces:
      return unknown_faces_days;
    case RetentionKind::kIdleProfiles:
      return idle_profiles_days;
    case RetentionKind::kAudit:
      return audit_days;
    case RetentionKind::kRequests:
      return requests_days;
  }
  return captions_days;
}

const std::optional<int>& RetentionPolicy::For(RetentionKind kind) const {
  return const_cast<RetentionPolicy*>(this)->For(kind);
}

namespace store {
namespace {

// Marks a MAC over SuppressedNameKey apart from one over the folded name of
// older records (a key can never start with a control character).
constexpr char kSuppressedKeyPrefix[] = "\x01key:";

using Json = nlohmann::json;

Result<void> CheckEmbedding(const Embedding& e, const std::string& what) {
  if (e.model_id.empty()) return Fail(ErrorCode::kInvalidArgument, what + " has no model id");
  FACETAG_RETURN_IF_ERROR(CheckUtf8(e.model_id, what + ": the model id"));
  if (e.values.empty()) return Fail(ErrorCode::kInvalidArgument, what + " is empty");
  for (float v : e.values) {
    if (!std::isfinite(v)) return Fail(ErrorCode::kInvalidArgument, what + " is not finite");
  }
  return {};
}

// Per model: the normalised mean of the embeddings. Embeddings of a length
// other than the model's first are refused.
Result<std::map<std::string, std::vector<float>>> MeanTemplates(
    const std::vector<Embedding>& embeddings) {
  std::map<std::string, std::vector<double>> sums;
  for (const Embedding& e : embeddings) {
    auto& sum = sums[e.model_id];
    if (sum.empty()) sum.assign(e.values.size(), 0.0);
    if (sum.size() != e.values.size()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "embeddings of model " + e.model_id + " differ in length");
    }
    // Each embedding normalised first, so every face weighs the same.
    double norm = 0;
    for (float v : e.values) norm += double{v} * v;
    norm = std::sqrt(norm);
    if (norm == 0) continue;
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += e.values[i] / norm;
  }
  std::map<std::string, std::vector<float>> out;
  for (auto& [model, sum] : sums) {
    std::vector<float> mean(sum.begin(), sum.end());
    NormalizeL2(mean);
    out.emplace(model, std::move(mean));
  }
  return out;
}

}  // namespace

SqlitePrivacy::SqlitePrivacy(sqlite3* db, Mutex& mutex, Config config)
    : db_(db), mutex_(mutex), config_(std::move(config)) {}

Result<void> SqlitePrivacy::CheckWritable() const {
  if (!config_.read_only) return {};
  return Fail(ErrorCode::kDatabase, config_.name + " is open read-only");
}

std::string SqlitePrivacy::Now() const {
  return FormatUtc(config_.clock ? config_.clock() : std::chrono::system_clock::now());
}

std::string SqlitePrivacy::Actor(std::string_view actor) const {
  return actor.empty() ? config_.default_actor : std::string(actor);
}

Result<const SecretKey*> SqlitePrivacy::Key(bool create) {
  if (!key_) {
    FACETAG_ASSIGN_OR_RETURN(auto key, SecretKey::Load(config_.key_path, create));
    key_ = std::move(key);
  }
  return &*key_;
}

// --- suppression -------------------------------------------------------------

Result<SuppressionId> SqlitePrivacy::InsertSuppression(const std::vector<std::string>& names,
                                                       const std::vector<Embedding>& templates) {
  FACETAG_ASSIGN_OR_RETURN(auto key, Key(true));
  FACETAG_ASSIGN_OR_RETURN(
      auto insert, Statement::Prepare(db_, "INSERT INTO suppressions (created_at) VALUES (?1)"));
  const std::string now = Now();
  FACETAG_RETURN_IF_ERROR(insert.Bind(1, std::string_view(now)).Run());
  const SuppressionId id = sqlite3_last_insert_rowid(db_);
  FACETAG_ASSIGN_OR_RETURN(
      auto name_insert,
      Statement::Prepare(
          db_,
          "INSERT OR IGNORE INTO suppressed_names (name_mac, suppression_id) VALUES (?1, ?2)"));
  for (const std::string& name : names) {
    // Keyed by the spelling-proof key (facetag/suppressed_name.h), so that
    // "Biden, Joe" or a Cyrillic "і" finds the record of "Joe Biden".
    const std::string key_text = SuppressedNameKey(name);
    if (key_text.empty()) continue;
    name_insert.Reset();
    const std::string mac = key->Mac(kSuppressedKeyPrefix + key_text);
    FACETAG_RETURN_IF_ERROR(name_insert.Bind(1, std::string_view(mac)).Bind(2, id).Run());
  }
  FACETAG_ASSIGN_OR_RETURN(
      auto template_insert,
      Statement::Prepare(
          db_,
          "INSERT INTO suppression_templates (suppression_id, model_id, nonce, sealed)"
          " VALUES (?1, ?2, ?3, ?4)"));
  for (const Embedding& t : templates) {
    const auto plain = EncodeFloats(t.values);
    auto [nonce, sealed] = (key)->Seal(plain);
    template_insert.Reset();
    template_insert.Bind(1, id)
        .Bind(2, std::string_view(t.model_id))
        .BindBlob(3, nonce)
        .BindBlob(4, sealed);
    FACETAG_RETURN_IF_ERROR(template_insert.Run());
  }
  return id;
}

Result<OptOutOutcome> SqlitePrivacy::OptOutPerson(PersonId person,
                                                  const std::vector<Embedding>& extra,
                                                  const OptedOutFaceRule& is_theirs,
                                                  std::string_view actor) {
  return Fenced("OptOutPerson", [&]() -> Result<OptOutOutcome> {
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string who = Actor(actor);
    FACETAG_RETURN_IF_ERROR(CheckLabel(who, "the actor"));
    for (std::size_t i = 0; i < extra.size(); ++i) {
      FACETAG_RETURN_IF_ERROR(CheckEmbedding(extra[i], "extra embedding " + std::to_string(i)));
    }
    if (!is_theirs) return Fail(ErrorCode::kInvalidArgument, "no rule for the person's faces");
    return OptOutLocked(person, extra, is_theirs, who);
  });
}

Result<OptOutOutcome> SqlitePrivacy::OptOutLocked(PersonId person,
                                                  const std::vector<Embedding>& extra,
                                                  const OptedOutFaceRule& is_theirs,
                                                  const std::string& actor) {
  FACETAG_ASSIGN_OR_RETURN(auto transaction,
                           Transaction::Begin(db_, Transaction::Kind::kImmediate));
  OptOutOutcome out;
  std::vector<std::string> names;
  {
    FACETAG_ASSIGN_OR_RETURN(auto row,
                             Statement::Prepare(db_, "SELECT name FROM persons WHERE id = ?1"));
    FACETAG_ASSIGN_OR_RETURN(auto found, row.Bind(1, std::int64_t{person}).Step());
    if (!found) return Fail(ErrorCode::kNotFound, "no person with id " + std::to_string(person));
    out.name = row.ColumnText(0);
    names.push_back(out.name);
    FACETAG_ASSIGN_OR_RETURN(
        auto aliases,
        Statement::Prepare(db_, "SELECT alias FROM person_aliases WHERE person_id = ?1"));
    aliases.Bind(1, std::int64_t{person});
    FACETAG_RETURN_IF_ERROR(ForEachRow(aliases, [&](const Statement& a) -> Result<void> {
      names.push_back(a.ColumnText(0));
      return {};
    }));
  }
  std::vector<Embedding> embeddings = extra;
  {
    FACETAG_ASSIGN_OR_RETURN(
        auto profiles,
        Statement::Prepare(db_, "SELECT model_id, embedding FROM profiles WHERE person_id = ?1"));
    profiles.Bind(1, std::int64_t{person});
    FACETAG_RETURN_IF_ERROR(ForEachRow(profiles, [&](const Statement& p) -> Result<void> {
      embeddings.push_back({p.ColumnText(0), DecodeFloats(p.ColumnBlob(1))});
      ++out.profiles_deleted;
      return {};
    }));
  }
  FACETAG_ASSIGN_OR_RETURN(auto means, MeanTemplates(embeddings));
  std::vector<Embedding> templates;
  for (auto& [model, values] : means) {
    out.models.push_back(model);
    templates.push_back({model, std::move(values)});
  }
  FACETAG_ASSIGN_OR_RETURN(auto suppression, InsertSuppression(names, templates));
  out.suppression = suppression;
  // The audit log keeps what was done, not who it was done to.
  FACETAG_RETURN_IF_ERROR(
      RedactAuditPayloads(db_, {{"person:" + std::to_string(person)}, names}));

  // Photos whose files may name the person: pictured or mentioned.
  {
    FACETAG_ASSIGN_OR_RETURN(
        auto photos,
        Statement::Prepare(db_,
                           "SELECT photo_id FROM faces WHERE person_id = ?1 UNION"
                           " SELECT photo_id FROM mentions WHERE person_id = ?1 ORDER BY 1"));
    photos.Bind(1, std::int64_t{person});
    FACETAG_RETURN_IF_ERROR(ForEachRow(photos, [&](const Statement& p) -> Result<void> {
      out.photos.push_back(p.ColumnInt64(0));
      return {};
    }));
  }
  // Their faces go with their embeddings: those that name them, and those
  // nobody is named on that resemble their template.
  std::set<FaceId> doomed;
  {
    FACETAG_ASSIGN_OR_RETURN(auto named,
                             Statement::Prepare(db_, "SELECT id FROM faces WHERE person_id = ?1"));
    named.Bind(1, std::int64_t{person});
    FACETAG_RETURN_IF_ERROR(ForEachRow(named, [&](const Statement& f) -> Result<void> {
      doomed.insert(f.ColumnInt64(0));
      return {};
    }));
    for (const Embedding& t : templates) {
      FACETAG_ASSIGN_OR_RETURN(
          auto faces,
          Statement::Prepare(
              db_, "SELECT id, embedding FROM faces WHERE model_id = ?1 AND person_id IS NULL"));
      faces.Bind(1, std::string_view(t.model_id));
      FACETAG_RETURN_IF_ERROR(ForEachRow(faces, [&](const Statement& f) -> Result<void> {
        if (is_theirs(Embedding{t.model_id, DecodeFloats(f.ColumnBlob(1))}, t)) {
          doomed.insert(f.ColumnInt64(0));
        }
        return {};
      }));
    }
  }
  FACETAG_ASSIGN_OR_RETURN(auto remove_face,
                           Statement::Prepare(db_, "DELETE FROM faces WHERE id = ?1"));
  for (FaceId id : doomed) {
    remove_face.Reset();
    FACETAG_RETURN_IF_ERROR(remove_face.Bind(1, id).Run());
  }
  out.faces_deleted = static_cast<int>(doomed.size());
  FACETAG_ASSIGN_OR_RETURN(auto remove_person,
                           Statement::Prepare(db_, "DELETE FROM persons WHERE id = ?1"));
  FACETAG_RETURN_IF_ERROR(remove_person.Bind(1, std::int64_t{person}).Run());

  // The job keeps photo ids only, never the name.
  Json params = {{"suppression", out.suppression}, {"photos", out.photos}};
  FACETAG_ASSIGN_OR_RETURN(
      auto job,
      Statement::Prepare(
          db_,
          "INSERT INTO jobs (kind, status, created_by, params, total, done, created_at, updated_at)"
          " VALUES ('optout', 'queued', ?1, ?2, ?3, 0, ?4, ?4)"));
  const std::string now = Now();
  const std::string params_text = params.dump();
  job.Bind(1, std::string_view(actor))
      .Bind(2, std::string_view(params_text))
      .Bind(3, static_cast<std::int64_t>(out.photos.size()))
      .Bind(4, std::string_view(now));
  FACETAG_RETURN_IF_ERROR(job.Run());
  out.job = sqlite3_last_insert_rowid(db_);
  FACETAG_RETURN_IF_ERROR(AuditJson(db_, actor, "person.optout", "person:" + std::to_string(person),
                                    {{"suppression", out.suppression},
                                     {"profiles_deleted", out.profiles_deleted},
                                     {"faces_deleted", out.faces_deleted},
                                     {"photos_to_rewrite", out.photos.size()},
                                     {"job", out.job}},
                                    now));
  FACETAG_RETURN_IF_ERROR(transaction.Commit());
  return out;
}

Result<SuppressionId> SqlitePrivacy::AddSuppression(const std::vector<std::string>& names,
                                                    const std::vector<Embedding>& templates,
                                                    std::string_view actor) {
  return Fenced("AddSuppression", [&]() -> Result<SuppressionId> {
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string who = Actor(actor);
    FACETAG_RETURN_IF_ERROR(CheckLabel(who, "the actor"));
    bool any_name = false;
    for (const auto& n : names) {
      FACETAG_RETURN_IF_ERROR(CheckUtf8(n, "a name"));
      any_name = any_name || !FoldNameKey(n).empty();
    }
    for (std::size_t i = 0; i < templates.size(); ++i) {
      FACETAG_RETURN_IF_ERROR(CheckEmbedding(templates[i], "template " + std::to_string(i)));
    }
    if (!any_name && templates.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "a suppression needs a name or a face");
    }
    FACETAG_ASSIGN_OR_RETURN(auto means, MeanTemplates(templates));
    std::vector<Embedding> mean_templates;
    for (auto& [model, values] : means) mean_templates.push_back({model, std::move(values)});
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db_, Transaction::Kind::kImmediate));
    auto id = InsertSuppression(names, mean_templates);
    if (!id) return id;
    FACETAG_RETURN_IF_ERROR(RedactAuditPayloads(db_, {{}, names}));
    FACETAG_RETURN_IF_ERROR(AuditJson(db_, who, "suppression.add",
                                      "suppression:" + std::to_string(*id),
                                      {{"templates", mean_templates.size()}}, Now()));
    FACETAG_RETURN_IF_ERROR(transaction.Commit());
    return id;
  });
}

Result<std::vector<Embedding>> SqlitePrivacy::SuppressionTemplates(std::string_view model_id) {
  return Fenced("SuppressionTemplates", [&]() -> Result<std::vector<Embedding>> {
    if (model_id.empty()) return Fail(ErrorCode::kInvalidArgument, "empty model id");
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Statement::Prepare(
            db_, "SELECT nonce, sealed FROM suppression_templates WHERE model_id = ?1 ORDER BY 1"));
    statement.Bind(1, model_id);
    std::vector<Embedding> out;
    FACETAG_RETURN_IF_ERROR(ForEachRow(statement, [&](const Statement& row) -> Result<void> {
      FACETAG_ASSIGN_OR_RETURN(auto key, Key(false));
      FACETAG_ASSIGN_OR_RETURN(auto plain, (key)->Open(row.ColumnBlob(0), row.ColumnBlob(1)));
      out.push_back({std::string(model_id), DecodeFloats(plain)});
      sodium_memzero(plain.data(), plain.size());
      return {};
    }));
    return out;
  });
}

Result<std::optional<SuppressionId>> SqlitePrivacy::FindSuppressedNameLocked(
    std::string_view name) {
  FACETAG_ASSIGN_OR_RETURN(auto any, ReadInt(db_, "SELECT count(*) FROM suppressed_names"));
  if (any == 0) return std::optional<SuppressionId>();
  FACETAG_ASSIGN_OR_RETURN(auto key, Key(false));
  FACETAG_ASSIGN_OR_RETURN(
      auto statement,
      Statement::Prepare(db_, "SELECT suppression_id FROM suppressed_names WHERE name_mac = ?1"));
  // Records written before the spelling-proof key hold the folded name.
  for (const std::string& mac : {key->Mac(kSuppressedKeyPrefix + SuppressedNameKey(name)),
                                 key->Mac(FoldNameKey(name))}) {
    statement.Reset();
    FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::string_view(mac)).Step());
    if (row) return std::optional<SuppressionId>(statement.ColumnInt64(0));
  }
  return std::optional<SuppressionId>();
}

Result<std::optional<SuppressionId>> SqlitePrivacy::FindSuppressedName(std::string_view name) {
  return Fenced("FindSuppressedName", [&]() -> Result<std::optional<SuppressionId>> {
    if (FoldNameKey(name).empty()) return Fail(ErrorCode::kInvalidArgument, "empty name");
    MutexLock lock(mutex_);
    return FindSuppressedNameLocked(name);
  });
}

Result<std::vector<SuppressionInfo>> SqlitePrivacy::ListSuppressions() {
  return Fenced("ListSuppressions", [&]() -> Result<std::vector<SuppressionInfo>> {
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Statement::Prepare(
            db_,
            "SELECT s.id, s.created_at,"
            " (SELECT count(*) FROM suppressed_names WHERE suppression_id = s.id),"
            " coalesce((SELECT group_concat(model_id, char(10)) FROM suppression_templates"
            "  WHERE suppression_id = s.id), '')"
            " FROM suppressions AS s ORDER BY s.id"));
    std::vector<SuppressionInfo> out;
    FACETAG_RETURN_IF_ERROR(ForEachRow(statement, [&](const Statement& row) -> Result<void> {
      SuppressionInfo info;
      info.id = row.ColumnInt64(0);
      info.created_at = row.ColumnText(1);
      info.names = static_cast<int>(row.ColumnInt64(2));
      std::string models = row.ColumnText(3);
      for (std::size_t start = 0; start < models.size();) {
        const std::size_t end = std::min(models.find('\n', start), models.size());
        info.models.push_back(models.substr(start, end - start));
        start = end + 1;
      }
      out.push_back(std::move(info));
      return {};
    }));
    return out;
  });
}

Result<void> SqlitePrivacy::RemoveSuppression(SuppressionId id, std::string_view actor) {
  return Fenced("RemoveSuppression", [&]() -> Result<void> {
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string who = Actor(actor);
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db_, Transaction::Kind::kImmediate));
    FACETAG_ASSIGN_OR_RETURN(auto statement,
                             Statement::Prepare(db_, "DELETE FROM suppressions WHERE id = ?1"));
    FACETAG_RETURN_IF_ERROR(statement.Bind(1, std::int64_t{id}).Run());
    if (sqlite3_changes(db_) == 0) {
      return Fail(ErrorCode::kNotFound, "no suppression record " + std::to_string(id));
    }
    FACETAG_RETURN_IF_ERROR(AuditJson(db_, who, "suppression.remove",
                                      "suppression:" + std::to_string(id), Json::object(), Now()));
    return transaction.Commit();
  });
}

}  // namespace store
}  // namespace facetag
