#include "sqlite_privacy.h"

#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "name_key.h"
#include "facetag/suppressed_name.h"
#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"

namespace facetag {

const char* RequestKindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::kAccess:
      return "access";
    case RequestKind::kRemoval:
      return "removal";
    case RequestKind::kOptOut:
      return "optout";
    case RequestKind::kObjection:
      return "objection";
  }
  return "access";
}

std::optional<RequestKind> ParseRequestKind(std::string_view text) {
  for (auto kind : {RequestKind::kAccess, RequestKind::kRemoval, RequestKind::kOptOut,
                    RequestKind::kObjection}) {
    if (text == RequestKindName(kind)) return kind;
  }
  return std::nullopt;
}

const char* RequestStatusName(RequestStatus status) {
  switch (status) {
    case RequestStatus::kOpen:
      return "open";
    case RequestStatus::kGranted:
      return "granted";
    case RequestStatus::kRefused:
      return "refused";
  }
  return "open";
}

std::optional<RequestStatus> ParseRequestStatus(std::string_view text) {
  for (auto status : {RequestStatus::kOpen, RequestStatus::kGranted, RequestStatus::kRefused}) {
    if (text == RequestStatusName(status)) return status;
  }
  return std::nullopt;
}

const char* RetentionKindName(RetentionKind kind) {
  switch (kind) {
    case RetentionKind::kCaptions:
      return "captions";
    case RetentionKind::kTags:
      return "tags";
    case RetentionKind::kUnknownFaces:
      return "unknown_faces";
    case RetentionKind::kIdleProfiles:
      return "idle_profiles";
    case RetentionKind::kAudit:
      return "audit";
    case RetentionKind::kRequests:
      return "requests";
  }
  return "captions";
}

std::optional<RetentionKind> ParseRetentionKind(std::string_view text) {
  for (auto kind : kAllRetentionKinds) {
    if (text == RetentionKindName(kind)) return kind;
  }
  return std::nullopt;
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

Result<std::string> DueDate(std::string_view received_on) {
  int y = 0, m = 0, d = 0;
  const std::string text(received_on);
  char tail = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) {
    return Fail(ErrorCode::kInvalidArgument,
                "received date \"" + text + "\" is not a date YYYY-MM-DD");
  }
  const std::chrono::year_month_day day{std::chrono::year(y), std::chrono::month(m),
                                        std::chrono::day(d)};
  if (!day.ok() || y < 1900) {
    return Fail(ErrorCode::kInvalidArgument,
                "received date \"" + text + "\" is not a day of the calendar");
  }
  // One calendar month later; the end of a shorter month when that day does
  // not exist (received 31 January: due 28 or 29 February).
  std::chrono::year_month_day due = day + std::chrono::months(1);
  if (!due.ok())
    due = std::chrono::year_month_day_last(due.year(), due.month() / std::chrono::last);
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(due.year()),
                static_cast<unsigned>(due.month()), static_cast<unsigned>(due.day()));
  return std::string(out);
}

namespace store {
namespace {

// Marks a MAC over SuppressedNameKey apart from one over the folded name of
// older records (a key can never start with a control character).
constexpr char kSuppressedKeyPrefix[] = "\x01key:";

using Json = nlohmann::json;

template <typename OnRow>
Result<void> EachRow(Statement& statement, OnRow&& on_row) {
  for (;;) {
    auto row = statement.Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return {};
    FACETAG_RETURN_IF_ERROR(on_row(statement));
  }
}

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

constexpr std::string_view kSelectRequest =
    "SELECT id, kind, received_on, due_on, requester, contact, subject, details, status,"
    " decision, refusal_reason, decided_by, decided_at, created_at FROM requests";

DataRequest ReadRequest(const Statement& row) {
  DataRequest r;
  r.id = row.ColumnInt64(0);
  r.kind = ParseRequestKind(row.ColumnText(1)).value_or(RequestKind::kAccess);
  r.received_on = row.ColumnText(2);
  r.due_on = row.ColumnText(3);
  r.requester = row.ColumnText(4);
  r.contact = row.ColumnText(5);
  r.subject = row.ColumnText(6);
  r.details = row.ColumnText(7);
  r.status = ParseRequestStatus(row.ColumnText(8)).value_or(RequestStatus::kOpen);
  r.decision = row.ColumnText(9);
  r.refusal_reason = row.ColumnText(10);
  r.decided_by = row.ColumnText(11);
  r.decided_at = row.ColumnText(12);
  r.created_at = row.ColumnText(13);
  return r;
}

Result<std::vector<DataRequest>> ReadRequests(Statement& statement) {
  std::vector<DataRequest> out;
  FACETAG_RETURN_IF_ERROR(EachRow(statement, [&](const Statement& row) -> Result<void> {
    out.push_back(ReadRequest(row));
    return {};
  }));
  return out;
}

Result<void> Audit(sqlite3* db, const std::string& actor, const char* action,
                   const std::string& subject, const Json& details, const std::string& at) {
  auto id = InsertAuditRow(db, {actor, action, subject, details.dump()}, at);
  if (!id) return tl::unexpected(id.error());
  return {};
}

// One kind of purge: how to count and how to delete what is past `?1`
// (the cutoff time, UTC ISO 8601; ?2 is its day, "YYYY-MM-DD"; ?3 now).
struct PurgeStep {
  RetentionKind kind;
  const char* count_sql;
  std::vector<const char*> apply_sql;
};

const std::vector<PurgeStep>& PurgeSteps() {
  static const std::vector<PurgeStep> steps = {
      {RetentionKind::kCaptions,
       "SELECT count(*) FROM photos WHERE ingested_at < ?1"
       " AND (caption <> '' OR headline <> '' OR keywords <> '[]')",
       {"DELETE FROM mentions WHERE photo_id IN (SELECT id FROM photos WHERE ingested_at < ?1)",
        "UPDATE photos SET caption = '', caption_source = 'none', headline = '', keywords = '[]',"
        " text_folded = '' WHERE ingested_at < ?1"
        " AND (caption <> '' OR headline <> '' OR keywords <> '[]')"}},
      {RetentionKind::kTags,
       "SELECT count(*) FROM faces WHERE person_id IS NOT NULL AND tag_status = 'automatic'"
       " AND updated_at < ?1",
       {"UPDATE faces SET person_id = NULL, decision = 'unknown', similarity = NULL,"
        " by_mention = 0, updated_at = ?3"
        " WHERE person_id IS NOT NULL AND tag_status = 'automatic' AND updated_at < ?1"}},
      {RetentionKind::kUnknownFaces,
       "SELECT count(*) FROM faces WHERE person_id IS NULL AND updated_at < ?1",
       {"DELETE FROM faces WHERE person_id IS NULL AND updated_at < ?1"}},
      {RetentionKind::kIdleProfiles,
       "SELECT count(*) FROM profiles WHERE person_id IN (SELECT p.id FROM persons AS p"
       " WHERE p.created_at < ?1 AND NOT EXISTS (SELECT 1 FROM photos AS ph"
       "  WHERE substr(ph.sort_date, 1, 10) >= ?2 AND (ph.id IN (SELECT photo_id FROM faces"
       "  WHERE person_id = p.id) OR ph.id IN (SELECT photo_id FROM mentions"
       "  WHERE person_id = p.id))))",
       {"DELETE FROM profiles WHERE person_id IN (SELECT p.id FROM persons AS p"
        " WHERE p.created_at < ?1 AND NOT EXISTS (SELECT 1 FROM photos AS ph"
        "  WHERE substr(ph.sort_date, 1, 10) >= ?2 AND (ph.id IN (SELECT photo_id FROM faces"
        "  WHERE person_id = p.id) OR ph.id IN (SELECT photo_id FROM mentions"
        "  WHERE person_id = p.id))))"}},
      {RetentionKind::kRequests,
       "SELECT count(*) FROM requests WHERE status <> 'open' AND decided_at < ?1",
       {"DELETE FROM requests WHERE status <> 'open' AND decided_at < ?1"}},
  };
  return steps;
}

std::int64_t& CountOf(PurgeCounts& counts, RetentionKind kind) {
  switch (kind) {
    case RetentionKind::kCaptions:
      return counts.captions;
    case RetentionKind::kTags:
      return counts.tags;
    case RetentionKind::kUnknownFaces:
      return counts.unknown_faces;
    case RetentionKind::kIdleProfiles:
      return counts.profiles;
    case RetentionKind::kAudit:
      return counts.audit_entries;
    case RetentionKind::kRequests:
      return counts.requests;
  }
  return counts.captions;
}

Json CountsJson(const PurgeCounts& c) {
  return {{"captions", c.captions}, {"mentions", c.mentions},
          {"tags", c.tags},         {"unknown_faces", c.unknown_faces},
          {"profiles", c.profiles}, {"audit_entries", c.audit_entries},
          {"requests", c.requests}};
}

}  // namespace

SqlitePrivacy::SqlitePrivacy(sqlite3* db, std::mutex& mutex, Config config)
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
    auto key = SecretKey::Load(config_.key_path, create);
    if (!key) return tl::unexpected(key.error());
    key_ = std::move(*key);
  }
  return &*key_;
}

// --- suppression -------------------------------------------------------------

Result<SuppressionId> SqlitePrivacy::InsertSuppression(const std::vector<std::string>& names,
                                                       const std::vector<Embedding>& templates) {
  auto key = Key(true);
  if (!key) return tl::unexpected(key.error());
  auto insert = Statement::Prepare(db_, "INSERT INTO suppressions (created_at) VALUES (?1)");
  if (!insert) return tl::unexpected(insert.error());
  const std::string now = Now();
  FACETAG_RETURN_IF_ERROR(insert->Bind(1, std::string_view(now)).Run());
  const SuppressionId id = sqlite3_last_insert_rowid(db_);
  auto name_insert = Statement::Prepare(
      db_, "INSERT OR IGNORE INTO suppressed_names (name_mac, suppression_id) VALUES (?1, ?2)");
  if (!name_insert) return tl::unexpected(name_insert.error());
  for (const std::string& name : names) {
    // Keyed by the spelling-proof key (facetag/suppressed_name.h), so that
    // "Biden, Joe" or a Cyrillic "і" finds the record of "Joe Biden".
    const std::string key_text = SuppressedNameKey(name);
    if (key_text.empty()) continue;
    name_insert->Reset();
    const std::string mac = (*key)->Mac(kSuppressedKeyPrefix + key_text);
    FACETAG_RETURN_IF_ERROR(name_insert->Bind(1, std::string_view(mac)).Bind(2, id).Run());
  }
  auto template_insert = Statement::Prepare(
      db_,
      "INSERT INTO suppression_templates (suppression_id, model_id, nonce, sealed)"
      " VALUES (?1, ?2, ?3, ?4)");
  if (!template_insert) return tl::unexpected(template_insert.error());
  for (const Embedding& t : templates) {
    const auto plain = EncodeFloats(t.values);
    auto [nonce, sealed] = (*key)->Seal(plain);
    template_insert->Reset();
    template_insert->Bind(1, id)
        .Bind(2, std::string_view(t.model_id))
        .BindBlob(3, nonce)
        .BindBlob(4, sealed);
    FACETAG_RETURN_IF_ERROR(template_insert->Run());
  }
  return id;
}

Result<OptOutOutcome> SqlitePrivacy::OptOutPerson(PersonId person,
                                                  const std::vector<Embedding>& extra,
                                                  float face_threshold, std::string_view actor) {
  return Fenced("OptOutPerson", [&]() -> Result<OptOutOutcome> {
    std::lock_guard lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string who = Actor(actor);
    FACETAG_RETURN_IF_ERROR(CheckLabel(who, "the actor"));
    for (std::size_t i = 0; i < extra.size(); ++i) {
      FACETAG_RETURN_IF_ERROR(CheckEmbedding(extra[i], "extra embedding " + std::to_string(i)));
    }
    if (!std::isfinite(face_threshold)) {
      return Fail(ErrorCode::kInvalidArgument, "the face threshold is not finite");
    }
    return OptOutLocked(person, extra, face_threshold, who);
  });
}

Result<OptOutOutcome> SqlitePrivacy::OptOutLocked(PersonId person,
                                                  const std::vector<Embedding>& extra,
                                                  float face_threshold, const std::string& actor) {
  auto transaction = Transaction::Begin(db_, Transaction::Kind::kImmediate);
  if (!transaction) return tl::unexpected(transaction.error());
  OptOutOutcome out;
  std::vector<std::string> names;
  {
    auto row = Statement::Prepare(db_, "SELECT name FROM persons WHERE id = ?1");
    if (!row) return tl::unexpected(row.error());
    auto found = row->Bind(1, std::int64_t{person}).Step();
    if (!found) return tl::unexpected(found.error());
    if (!*found) return Fail(ErrorCode::kNotFound, "no person with id " + std::to_string(person));
    out.name = row->ColumnText(0);
    names.push_back(out.name);
    auto aliases = Statement::Prepare(db_, "SELECT alias FROM person_aliases WHERE person_id = ?1");
    if (!aliases) return tl::unexpected(aliases.error());
    aliases->Bind(1, std::int64_t{person});
    FACETAG_RETURN_IF_ERROR(EachRow(*aliases, [&](const Statement& a) -> Result<void> {
      names.push_back(a.ColumnText(0));
      return {};
    }));
  }
  std::vector<Embedding> embeddings = extra;
  {
    auto profiles =
        Statement::Prepare(db_, "SELECT model_id, embedding FROM profiles WHERE person_id = ?1");
    if (!profiles) return tl::unexpected(profiles.error());
    profiles->Bind(1, std::int64_t{person});
    FACETAG_RETURN_IF_ERROR(EachRow(*profiles, [&](const Statement& p) -> Result<void> {
      embeddings.push_back({p.ColumnText(0), DecodeFloats(p.ColumnBlob(1))});
      ++out.profiles_deleted;
      return {};
    }));
  }
  auto means = MeanTemplates(embeddings);
  if (!means) return tl::unexpected(means.error());
  std::vector<Embedding> templates;
  for (auto& [model, values] : *means) {
    out.models.push_back(model);
    templates.push_back({model, std::move(values)});
  }
  auto suppression = InsertSuppression(names, templates);
  if (!suppression) return tl::unexpected(suppression.error());
  out.suppression = *suppression;
  // The audit log keeps what was done, not who it was done to.
  auto redacted = RedactAuditPayloads(db_, {{"person:" + std::to_string(person)}, names});
  if (!redacted) return tl::unexpected(redacted.error());

  // Photos whose files may name the person: pictured or mentioned.
  {
    auto photos =
        Statement::Prepare(db_,
                           "SELECT photo_id FROM faces WHERE person_id = ?1 UNION"
                           " SELECT photo_id FROM mentions WHERE person_id = ?1 ORDER BY 1");
    if (!photos) return tl::unexpected(photos.error());
    photos->Bind(1, std::int64_t{person});
    FACETAG_RETURN_IF_ERROR(EachRow(*photos, [&](const Statement& p) -> Result<void> {
      out.photos.push_back(p.ColumnInt64(0));
      return {};
    }));
  }
  // Their faces go with their embeddings: those that name them, and those
  // nobody is named on that resemble their template.
  std::set<FaceId> doomed;
  {
    auto named = Statement::Prepare(db_, "SELECT id FROM faces WHERE person_id = ?1");
    if (!named) return tl::unexpected(named.error());
    named->Bind(1, std::int64_t{person});
    FACETAG_RETURN_IF_ERROR(EachRow(*named, [&](const Statement& f) -> Result<void> {
      doomed.insert(f.ColumnInt64(0));
      return {};
    }));
    for (const Embedding& t : templates) {
      auto faces = Statement::Prepare(
          db_, "SELECT id, embedding FROM faces WHERE model_id = ?1 AND person_id IS NULL");
      if (!faces) return tl::unexpected(faces.error());
      faces->Bind(1, std::string_view(t.model_id));
      FACETAG_RETURN_IF_ERROR(EachRow(*faces, [&](const Statement& f) -> Result<void> {
        const auto values = DecodeFloats(f.ColumnBlob(1));
        if (values.size() == t.values.size() &&
            CosineSimilarity(values, t.values) >= face_threshold) {
          doomed.insert(f.ColumnInt64(0));
        }
        return {};
      }));
    }
  }
  auto remove_face = Statement::Prepare(db_, "DELETE FROM faces WHERE id = ?1");
  if (!remove_face) return tl::unexpected(remove_face.error());
  for (FaceId id : doomed) {
    remove_face->Reset();
    FACETAG_RETURN_IF_ERROR(remove_face->Bind(1, id).Run());
  }
  out.faces_deleted = static_cast<int>(doomed.size());
  auto remove_person = Statement::Prepare(db_, "DELETE FROM persons WHERE id = ?1");
  if (!remove_person) return tl::unexpected(remove_person.error());
  FACETAG_RETURN_IF_ERROR(remove_person->Bind(1, std::int64_t{person}).Run());

  // The job keeps photo ids only, never the name.
  Json params = {{"suppression", out.suppression}, {"photos", out.photos}};
  auto job = Statement::Prepare(
      db_,
      "INSERT INTO jobs (kind, status, created_by, params, total, done, created_at, updated_at)"
      " VALUES ('optout', 'queued', ?1, ?2, ?3, 0, ?4, ?4)");
  if (!job) return tl::unexpected(job.error());
  const std::string now = Now();
  const std::string params_text = params.dump();
  job->Bind(1, std::string_view(actor))
      .Bind(2, std::string_view(params_text))
      .Bind(3, static_cast<std::int64_t>(out.photos.size()))
      .Bind(4, std::string_view(now));
  FACETAG_RETURN_IF_ERROR(job->Run());
  out.job = sqlite3_last_insert_rowid(db_);
  FACETAG_RETURN_IF_ERROR(Audit(db_, actor, "person.optout", "person:" + std::to_string(person),
                                {{"suppression", out.suppression},
                                 {"profiles_deleted", out.profiles_deleted},
                                 {"faces_deleted", out.faces_deleted},
                                 {"photos_to_rewrite", out.photos.size()},
                                 {"job", out.job}},
                                now));
  FACETAG_RETURN_IF_ERROR(transaction->Commit());
  return out;
}

Result<SuppressionId> SqlitePrivacy::AddSuppression(const std::vector<std::string>& names,
                                                    const std::vector<Embedding>& templates,
                                                    std::string_view actor) {
  return Fenced("AddSuppression", [&]() -> Result<SuppressionId> {
    std::lock_guard lock(mutex_);
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
    auto means = MeanTemplates(templates);
    if (!means) return tl::unexpected(means.error());
    std::vector<Embedding> mean_templates;
    for (auto& [model, values] : *means) mean_templates.push_back({model, std::move(values)});
    auto transaction = Transaction::Begin(db_, Transaction::Kind::kImmediate);
    if (!transaction) return tl::unexpected(transaction.error());
    auto id = InsertSuppression(names, mean_templates);
    if (!id) return id;
    auto redacted = RedactAuditPayloads(db_, {{}, names});
    if (!redacted) return tl::unexpected(redacted.error());
    FACETAG_RETURN_IF_ERROR(Audit(db_, who, "suppression.add", "suppression:" + std::to_string(*id),
                                  {{"templates", mean_templates.size()}}, Now()));
    FACETAG_RETURN_IF_ERROR(transaction->Commit());
    return id;
  });
}

Result<std::vector<Embedding>> SqlitePrivacy::SuppressionTemplates(std::string_view model_id) {
  return Fenced("SuppressionTemplates", [&]() -> Result<std::vector<Embedding>> {
    if (model_id.empty()) return Fail(ErrorCode::kInvalidArgument, "empty model id");
    std::lock_guard lock(mutex_);
    auto statement = Statement::Prepare(
        db_, "SELECT nonce, sealed FROM suppression_templates WHERE model_id = ?1 ORDER BY 1");
    if (!statement) return tl::unexpected(statement.error());
    statement->Bind(1, model_id);
    std::vector<Embedding> out;
    FACETAG_RETURN_IF_ERROR(EachRow(*statement, [&](const Statement& row) -> Result<void> {
      auto key = Key(false);
      if (!key) return tl::unexpected(key.error());
      auto plain = (*key)->Open(row.ColumnBlob(0), row.ColumnBlob(1));
      if (!plain) return tl::unexpected(plain.error());
      out.push_back({std::string(model_id), DecodeFloats(*plain)});
      sodium_memzero(plain->data(), plain->size());
      return {};
    }));
    return out;
  });
}

Result<std::optional<SuppressionId>> SqlitePrivacy::FindSuppressedNameLocked(
    std::string_view name) {
  auto any = ReadInt(db_, "SELECT count(*) FROM suppressed_names");
  if (!any) return tl::unexpected(any.error());
  if (*any == 0) return std::optional<SuppressionId>();
  auto key = Key(false);
  if (!key) return tl::unexpected(key.error());
  auto statement =
      Statement::Prepare(db_, "SELECT suppression_id FROM suppressed_names WHERE name_mac = ?1");
  if (!statement) return tl::unexpected(statement.error());
  // Records written before the spelling-proof key hold the folded name.
  for (const std::string& mac : {(*key)->Mac(kSuppressedKeyPrefix + SuppressedNameKey(name)),
                                 (*key)->Mac(FoldNameKey(name))}) {
    statement->Reset();
    auto row = statement->Bind(1, std::string_view(mac)).Step();
    if (!row) return tl::unexpected(row.error());
    if (*row) return std::optional<SuppressionId>(statement->ColumnInt64(0));
  }
  return std::optional<SuppressionId>();
}

Result<std::optional<SuppressionId>> SqlitePrivacy::FindSuppressedName(std::string_view name) {
  return Fenced("FindSuppressedName", [&]() -> Result<std::optional<SuppressionId>> {
    if (FoldNameKey(name).empty()) return Fail(ErrorCode::kInvalidArgument, "empty name");
    std::lock_guard lock(mutex_);
    return FindSuppressedNameLocked(name);
  });
}

Result<std::vector<SuppressionInfo>> SqlitePrivacy::ListSuppressions() {
  return Fenced("ListSuppressions", [&]() -> Result<std::vector<SuppressionInfo>> {
    std::lock_guard lock(mutex_);
    auto statement = Statement::Prepare(
        db_,
        "SELECT s.id, s.created_at,"
        " (SELECT count(*) FROM suppressed_names WHERE suppression_id = s.id),"
        " coalesce((SELECT group_concat(model_id, char(10)) FROM suppression_templates"
        "  WHERE suppression_id = s.id), '')"
        " FROM suppressions AS s ORDER BY s.id");
    if (!statement) return tl::unexpected(statement.error());
    std::vector<SuppressionInfo> out;
    FACETAG_RETURN_IF_ERROR(EachRow(*statement, [&](const Statement& row) -> Result<void> {
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
    std::lock_guard lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string who = Actor(actor);
    auto transaction = Transaction::Begin(db_, Transaction::Kind::kImmediate);
    if (!transaction) return tl::unexpected(transaction.error());
    auto statement = Statement::Prepare(db_, "DELETE FROM suppressions WHERE id = ?1");
    if (!statement) return tl::unexpected(statement.error());
    FACETAG_RETURN_IF_ERROR(statement->Bind(1, std::int64_t{id}).Run());
    if (sqlite3_changes(db_) == 0) {
      return Fail(ErrorCode::kNotFound, "no suppression record " + std::to_string(id));
    }
    FACETAG_RETURN_IF_ERROR(Audit(db_, who, "suppression.remove",
                                  "suppression:" + std::to_string(id), Json::object(), Now()));
    return transaction->Commit();
  });
}

// --- requests ----------------------------------------------------------------

Result<DataRequest> SqlitePrivacy::LoadRequest(RequestId id) {
  auto statement = Statement::Prepare(db_, std::string(kSelectRequest) + " WHERE id = ?1");
  if (!statement) return tl::unexpected(statement.error());
  auto row = statement->Bind(1, std::int64_t{id}).Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return Fail(ErrorCode::kNotFound, "no request " + std::to_string(id));
  return ReadRequest(*statement);
}

Result<DataRequest> SqlitePrivacy::AddRequest(const NewRequest& request, std::string_view actor) {
  return Fenced("AddRequest", [&]() -> Result<DataRequest> {
    std::lock_guard lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string who = Actor(actor);
    FACETAG_RETURN_IF_ERROR(CheckLabel(who, "the actor"));
    auto due = DueDate(request.received_on);
    if (!due) return tl::unexpected(due.error());
    FACETAG_RETURN_IF_ERROR(CheckLabel(request.requester, "the requester"));
    FACETAG_RETURN_IF_ERROR(CheckLabel(request.contact, "the requester's contact"));
    FACETAG_RETURN_IF_ERROR(CheckUtf8(request.subject, "the subject"));
    FACETAG_RETURN_IF_ERROR(CheckUtf8(request.details, "the details"));
    auto transaction = Transaction::Begin(db_, Transaction::Kind::kImmediate);
    if (!transaction) return tl::unexpected(transaction.error());
    auto insert = Statement::Prepare(
        db_,
        "INSERT INTO requests (kind, received_on, due_on, requester, contact, subject, details,"
        " status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8)");
    if (!insert) return tl::unexpected(insert.error());
    const std::string now = Now();
    insert->Bind(1, std::string_view(RequestKindName(request.kind)))
        .Bind(2, std::string_view(request.received_on))
        .Bind(3, std::string_view(*due))
        .Bind(4, std::string_view(request.requester))
        .Bind(5, std::string_view(request.contact))
        .Bind(6, std::string_view(request.subject))
        .Bind(7, std::string_view(request.details))
        .Bind(8, std::string_view(now));
    FACETAG_RETURN_IF_ERROR(insert->Run());
    const RequestId id = sqlite3_last_insert_rowid(db_);
    // The requester's identity stays in the register, not in the audit log.
    FACETAG_RETURN_IF_ERROR(Audit(db_, who, "request.add", "request:" + std::to_string(id),
                                  {{"kind", RequestKindName(request.kind)},
                                   {"received_on", request.received_on},
                                   {"due_on", *due}},
                                  now));
    auto loaded = LoadRequest(id);
    if (!loaded) return loaded;
    FACETAG_RETURN_IF_ERROR(transaction->Commit());
    return loaded;
  });
}

Result<DataRequest> SqlitePrivacy::GetRequest(RequestId id) {
  return Fenced("GetRequest", [&]() -> Result<DataRequest> {
    std::lock_guard lock(mutex_);
    return LoadRequest(id);
  });
}

Result<std::vector<DataRequest>> SqlitePrivacy::ListRequests(const RequestQuery& query) {
  return Fenced("ListRequests", [&]() -> Result<std::vector<DataRequest>> {
    std::lock_guard lock(mutex_);
    std::string sql = std::string(kSelectRequest) + " WHERE 1";
    if (query.status) sql += " AND status = ?1";
    if (query.kind) sql += " AND kind = ?2";
    sql += " ORDER BY received_on, id";
    auto statement = Statement::Prepare(db_, sql);
    if (!statement) return tl::unexpected(statement.error());
    if (query.status) statement->Bind(1, std::string_view(RequestStatusName(*query.status)));
    if (query.kind) statement->Bind(2, std::string_view(RequestKindName(*query.kind)));
    return ReadRequests(*statement);
  });
}

Result<DataRequest> SqlitePrivacy::DecideRequest(RequestId id, const RequestDecision& decision,
                                                 std::string_view actor) {
  return Fenced("DecideRequest", [&]() -> Result<DataRequest> {
    std::lock_guard lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string who = Actor(actor);
    FACETAG_RETURN_IF_ERROR(CheckLabel(who, "who decided"));
    if (decision.status == RequestStatus::kOpen) {
      return Fail(ErrorCode::kInvalidArgument, "a decision grants or refuses; \"open\" is neither");
    }
    FACETAG_RETURN_IF_ERROR(CheckLabel(decision.decision, "the decision"));
    const bool refused = decision.status == RequestStatus::kRefused;
    const bool has_reason = !text::TrimAsciiWhitespace(decision.refusal_reason).empty();
    if (refused && !has_reason) {
      return Fail(ErrorCode::kInvalidArgument,
                  "a refusal must state its reason (e.g. the journalistic interest that "
                  "outweighs the request)");
    }
    if (!refused && !decision.refusal_reason.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "a granted request has no refusal reason");
    }
    FACETAG_RETURN_IF_ERROR(CheckUtf8(decision.refusal_reason, "the refusal reason"));
    auto transaction = Transaction::Begin(db_, Transaction::Kind::kImmediate);
    if (!transaction) return tl::unexpected(transaction.error());
    auto current = LoadRequest(id);
    if (!current) return current;
    if (current->status != RequestStatus::kOpen) {
      return Fail(ErrorCode::kRejected, "request " + std::to_string(id) + " was already " +
                                            RequestStatusName(current->status) + " by " +
                                            current->decided_by + " on " + current->decided_at);
    }
    auto update = Statement::Prepare(
        db_,
        "UPDATE requests SET status = ?1, decision = ?2, refusal_reason = ?3, decided_by = ?4,"
        " decided_at = ?5 WHERE id = ?6");
    if (!update) return tl::unexpected(update.error());
    const std::string now = Now();
    update->Bind(1, std::string_view(RequestStatusName(decision.status)))
        .Bind(2, std::string_view(decision.decision))
        .Bind(3, std::string_view(decision.refusal_reason))
        .Bind(4, std::string_view(who))
        .Bind(5, std::string_view(now))
        .Bind(6, std::int64_t{id});
    FACETAG_RETURN_IF_ERROR(update->Run());
    Json details = {{"status", RequestStatusName(decision.status)},
                    {"decision", decision.decision}};
    if (refused) details["refusal_reason"] = decision.refusal_reason;
    details["late"] = now.substr(0, 10) > current->due_on;
    FACETAG_RETURN_IF_ERROR(
        Audit(db_, who, "request.decide", "request:" + std::to_string(id), details, now));
    auto loaded = LoadRequest(id);
    if (!loaded) return loaded;
    FACETAG_RETURN_IF_ERROR(transaction->Commit());
    return loaded;
  });
}

Result<std::vector<DataRequest>> SqlitePrivacy::OverdueRequests(TimePoint now) {
  return Fenced("OverdueRequests", [&]() -> Result<std::vector<DataRequest>> {
    std::lock_guard lock(mutex_);
    auto statement =
        Statement::Prepare(db_, std::string(kSelectRequest) +
                                    " WHERE status = 'open' AND due_on < ?1 ORDER BY due_on, id");
    if (!statement) return tl::unexpected(statement.error());
    const std::string today = FormatUtc(now).substr(0, 10);
    statement->Bind(1, std::string_view(today));
    return ReadRequests(*statement);
  });
}

// --- downloads -------------------------------------------------------------------

Result<void> SqlitePrivacy::SetDownload(JobId job, std::string_view token_sha256,
                                        std::optional<TimePoint> expires_at) {
  return Fenced("SetDownload", [&]() -> Result<void> {
    if (!token_sha256.empty() && !IsHexSha256(token_sha256)) {
      return Fail(ErrorCode::kInvalidArgument, "a download token hash is 64 hex digits");
    }
    std::lock_guard lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    auto update = Statement::Prepare(
        db_,
        "UPDATE jobs SET token_sha256 = CASE WHEN ?1 = '' THEN token_sha256 ELSE ?1 END,"
        " expires_at = CASE WHEN ?2 = '' THEN expires_at ELSE ?2 END, updated_at = ?3"
        " WHERE id = ?4");
    if (!update) return tl::unexpected(update.error());
    const std::string expires = expires_at ? FormatUtc(*expires_at) : "";
    const std::string now = Now();
    update->Bind(1, token_sha256)
        .Bind(2, std::string_view(expires))
        .Bind(3, std::string_view(now))
        .Bind(4, std::int64_t{job});
    FACETAG_RETURN_IF_ERROR(update->Run());
    if (sqlite3_changes(db_) == 0) {
      return Fail(ErrorCode::kNotFound, "no job " + std::to_string(job));
    }
    return {};
  });
}

Result<Download> SqlitePrivacy::FindDownload(std::string_view token_sha256) {
  return Fenced("FindDownload", [&]() -> Result<Download> {
    std::lock_guard lock(mutex_);
    auto statement =
        Statement::Prepare(db_, "SELECT id, expires_at FROM jobs WHERE token_sha256 = ?1");
    if (!statement) return tl::unexpected(statement.error());
    auto row = statement->Bind(1, token_sha256).Step();
    if (!row) return tl::unexpected(row.error());
    if (token_sha256.empty() || !*row) {
      return Fail(ErrorCode::kNotFound, "no download with this token");
    }
    return Download{statement->ColumnInt64(0), statement->ColumnText(1)};
  });
}

Result<std::vector<JobId>> SqlitePrivacy::ExpiredDownloads(TimePoint now) {
  return Fenced("ExpiredDownloads", [&]() -> Result<std::vector<JobId>> {
    std::lock_guard lock(mutex_);
    auto statement = Statement::Prepare(
        db_, "SELECT id FROM jobs WHERE expires_at <> '' AND expires_at <= ?1 ORDER BY id");
    if (!statement) return tl::unexpected(statement.error());
    const std::string at = FormatUtc(now);
    statement->Bind(1, std::string_view(at));
    std::vector<JobId> out;
    FACETAG_RETURN_IF_ERROR(EachRow(*statement, [&](const Statement& row) -> Result<void> {
      out.push_back(row.ColumnInt64(0));
      return {};
    }));
    return out;
  });
}

// --- retention -----------------------------------------------------------------

Result<RetentionPolicy> SqlitePrivacy::Retention() {
  return Fenced("Retention", [&]() -> Result<RetentionPolicy> {
    std::lock_guard lock(mutex_);
    RetentionPolicy policy;
    auto statement = Statement::Prepare(db_, "SELECT kind, days FROM retention_periods");
    if (!statement) return tl::unexpected(statement.error());
    FACETAG_RETURN_IF_ERROR(EachRow(*statement, [&](const Statement& row) -> Result<void> {
      auto kind = ParseRetentionKind(row.ColumnText(0));
      if (!kind) return {};
      policy.For(*kind) = row.ColumnIsNull(1)
                              ? std::nullopt
                              : std::optional<int>(static_cast<int>(row.ColumnInt64(1)));
      return {};
    }));
    return policy;
  });
}

Result<void> SqlitePrivacy::SetRetention(RetentionKind kind, std::optional<int> days,
                                         std::string_view actor) {
  return Fenced("SetRetention", [&]() -> Result<void> {
    if (days && *days <= 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "a retention period is a positive number of days, not " + std::to_string(*days));
    }
    std::lock_guard lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string who = Actor(actor);
    FACETAG_RETURN_IF_ERROR(CheckLabel(who, "the actor"));
    auto transaction = Transaction::Begin(db_, Transaction::Kind::kImmediate);
    if (!transaction) return tl::unexpected(transaction.error());
    auto upsert = Statement::Prepare(db_,
                                     "INSERT INTO retention_periods (kind, days) VALUES (?1, ?2)"
                                     " ON CONFLICT (kind) DO UPDATE SET days = excluded.days");
    if (!upsert) return tl::unexpected(upsert.error());
    upsert->Bind(1, std::string_view(RetentionKindName(kind)));
    if (days) {
      upsert->Bind(2, std::int64_t{*days});
    } else {
      upsert->BindNull(2);
    }
    FACETAG_RETURN_IF_ERROR(upsert->Run());
    FACETAG_RETURN_IF_ERROR(Audit(db_, who, "retention.set",
                                  std::string("retention:") + RetentionKindName(kind),
                                  {{"days", days ? Json(*days) : Json(nullptr)}}, Now()));
    return transaction->Commit();
  });
}

std::uint64_t SqlitePrivacy::FileBytes() const {
  if (config_.name == ":memory:") return 0;
  std::uint64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(config_.name + suffix, ec);
    if (!ec) total += size;
  }
  return total;
}

Result<PurgeReport> SqlitePrivacy::Purge(const RetentionPolicy& policy, TimePoint now, bool dry_run,
                                         std::string_view actor) {
  return Fenced("Purge", [&]() -> Result<PurgeReport> {
    for (auto kind : kAllRetentionKinds) {
      if (policy.For(kind) && *policy.For(kind) <= 0) {
        return Fail(ErrorCode::kInvalidArgument, std::string("the retention period of ") +
                                                     RetentionKindName(kind) +
                                                     " is not a positive number of days");
      }
    }
    std::lock_guard lock(mutex_);
    if (!dry_run) FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string who = Actor(actor);
    FACETAG_RETURN_IF_ERROR(CheckLabel(who, "the actor"));
    return PurgeLocked(policy, now, dry_run, who);
  });
}

Result<PurgeReport> SqlitePrivacy::PurgeLocked(const RetentionPolicy& policy, TimePoint now,
                                               bool dry_run, const std::string& actor) {
  const auto started = std::chrono::steady_clock::now();
  PurgeReport report;
  report.dry_run = dry_run;
  report.file_bytes_before = FileBytes();
  const std::string now_text = FormatUtc(now);
  const auto cutoff_of = [&](int days) { return FormatUtc(now - std::chrono::hours(24) * days); };
  auto transaction = Transaction::Begin(
      db_, dry_run ? Transaction::Kind::kDeferred : Transaction::Kind::kImmediate);
  if (!transaction) return tl::unexpected(transaction.error());
  for (const PurgeStep& step : PurgeSteps()) {
    const auto& days = policy.For(step.kind);
    if (!days) continue;
    const std::string cutoff = cutoff_of(*days);
    const std::string cutoff_day = cutoff.substr(0, 10);
    auto count = Statement::Prepare(db_, step.count_sql);
    if (!count) return tl::unexpected(count.error());
    count->Bind(1, std::string_view(cutoff));
    if (step.kind == RetentionKind::kIdleProfiles) count->Bind(2, std::string_view(cutoff_day));
    auto counted = count->Step();
    if (!counted) return tl::unexpected(counted.error());
    CountOf(report.counts, step.kind) = *counted ? count->ColumnInt64(0) : 0;
    if (step.kind == RetentionKind::kCaptions) {
      auto mentions = Statement::Prepare(
          db_,
          "SELECT count(*) FROM mentions WHERE photo_id IN (SELECT id FROM photos"
          " WHERE ingested_at < ?1)");
      if (!mentions) return tl::unexpected(mentions.error());
      auto row = mentions->Bind(1, std::string_view(cutoff)).Step();
      if (!row) return tl::unexpected(row.error());
      report.counts.mentions = *row ? mentions->ColumnInt64(0) : 0;
    }
    if (dry_run) continue;
    for (const char* sql : step.apply_sql) {
      auto apply = Statement::Prepare(db_, sql);
      if (!apply) return tl::unexpected(apply.error());
      apply->Bind(1, std::string_view(cutoff));
      if (step.kind == RetentionKind::kIdleProfiles) apply->Bind(2, std::string_view(cutoff_day));
      if (step.kind == RetentionKind::kTags) apply->Bind(3, std::string_view(now_text));
      FACETAG_RETURN_IF_ERROR(apply->Run());
    }
  }
  Json details;
  if (policy.audit_days) {
    const std::string cutoff = cutoff_of(*policy.audit_days);
    auto through = Statement::Prepare(
        db_,
        "SELECT id, hash, (SELECT count(*) FROM audit_log WHERE at < ?1) FROM audit_log"
        " WHERE id = (SELECT max(id) FROM audit_log WHERE at < ?1)");
    if (!through) return tl::unexpected(through.error());
    auto row = through->Bind(1, std::string_view(cutoff)).Step();
    if (!row) return tl::unexpected(row.error());
    if (*row) {
      const AuditId through_id = through->ColumnInt64(0);
      const std::string through_hash = through->ColumnText(1);
      // Everything up to the newest old entry goes, so the remaining chain
      // starts right after the anchor.
      auto all_before =
          ReadInt(db_, "SELECT count(*) FROM audit_log WHERE id <= " + std::to_string(through_id));
      if (!all_before) return tl::unexpected(all_before.error());
      report.counts.audit_entries = *all_before;
      if (!dry_run) {
        auto gate =
            Statement::Prepare(db_, "INSERT INTO audit_purge_gate (through_id) VALUES (?1)");
        if (!gate) return tl::unexpected(gate.error());
        FACETAG_RETURN_IF_ERROR(gate->Bind(1, through_id).Run());
        auto remove = Statement::Prepare(db_, "DELETE FROM audit_log WHERE id <= ?1");
        if (!remove) return tl::unexpected(remove.error());
        FACETAG_RETURN_IF_ERROR(remove->Bind(1, through_id).Run());
        FACETAG_RETURN_IF_ERROR(ExecSql(db_, "DELETE FROM audit_purge_gate", "closing the gate"));
        auto anchor = Statement::Prepare(
            db_,
            "INSERT INTO audit_anchor (id, through_id, through_hash, purged, at)"
            " VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET"
            " through_id = excluded.through_id, through_hash = excluded.through_hash,"
            " purged = purged + excluded.purged, at = excluded.at");
        if (!anchor) return tl::unexpected(anchor.error());
        anchor->Bind(1, through_id)
            .Bind(2, std::string_view(through_hash))
            .Bind(3, report.counts.audit_entries)
            .Bind(4, std::string_view(now_text));
        FACETAG_RETURN_IF_ERROR(anchor->Run());
        details["audit_through_id"] = through_id;
        details["audit_through_hash"] = through_hash;
      }
    }
  }
  if (dry_run) return report;
  details["counts"] = CountsJson(report.counts);
  details["dry_run"] = false;
  FACETAG_RETURN_IF_ERROR(Audit(db_, actor, "retention.purge", "retention", details, now_text));
  FACETAG_RETURN_IF_ERROR(transaction->Commit());
  // The deletions are committed; a file another connection holds back from
  // compaction is reported, not an error of the purge.
  auto wiped = CompactLocked();
  report.wiped = static_cast<bool>(wiped);
  if (!wiped) report.wipe_error = wiped.error().message;
  report.file_bytes_after = FileBytes();
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

Result<void> SqlitePrivacy::Compact() {
  return Fenced("Compact", [&]() -> Result<void> {
    std::lock_guard lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    return CompactLocked();
  });
}

Result<void> SqlitePrivacy::CompactLocked() {
  // Deleted rows are zeroed in their pages (secure_delete, set at open), but
  // copies live on: the full-text index keeps old segments until merged,
  // the WAL keeps old page images until a checkpoint, and free pages keep
  // whatever was last written to them. So: merge, checkpoint, vacuum (which
  // rewrites every page), checkpoint and truncate the WAL.
  FACETAG_RETURN_IF_ERROR(ExecSql(db_, "INSERT INTO photo_text (photo_text) VALUES ('optimize')",
                                  "optimising the full-text index"));
  const auto checkpoint = [&]() -> Result<void> {
    auto statement = Statement::Prepare(db_, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (!statement) return tl::unexpected(statement.error());
    auto row = statement->Step();
    if (!row) return tl::unexpected(row.error());
    if (*row && statement->ColumnInt64(0) != 0) {
      return Fail(ErrorCode::kDatabase,
                  "cannot checkpoint " + config_.name +
                      ": another connection is reading it; purged data stays in the WAL until "
                      "the next purge or checkpoint");
    }
    return {};
  };
  FACETAG_RETURN_IF_ERROR(checkpoint());
  FACETAG_RETURN_IF_ERROR(ExecSql(db_, "VACUUM", "vacuuming " + config_.name));
  return checkpoint();
}

Result<AuditVerification> SqlitePrivacy::VerifyAudit() {
  return Fenced("VerifyAudit", [&]() -> Result<AuditVerification> {
    std::lock_guard lock(mutex_);
    return VerifyAuditChain(db_);
  });
}

}  // namespace store
}  // namespace facetag
