#include "sqlite_service.h"

#include <sodium.h>

#include <array>
#include <nlohmann/json.hpp>

#include "facetag/enum_text.h"
#include "name_key.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"

namespace facetag {

namespace {

constexpr EnumText<Role> kRoleText[] = {{Role::kCustomer, "customer"},
                                        {Role::kIngest, "ingest"},
                                        {Role::kEditor, "editor"},
                                        {Role::kPrivacy, "privacy"},
                                        {Role::kAdmin, "admin"}};

constexpr EnumText<JobStatus> kJobStatusText[] = {{JobStatus::kQueued, "queued"},
                                                  {JobStatus::kRunning, "running"},
                                                  {JobStatus::kDone, "done"},
                                                  {JobStatus::kFailed, "failed"},
                                                  {JobStatus::kInterrupted, "interrupted"}};

}  // namespace

const char* RoleName(Role role) { return ToText(kRoleText, role); }

std::optional<Role> ParseRole(std::string_view text) { return FromText(kRoleText, text); }

const char* JobStatusName(JobStatus status) { return ToText(kJobStatusText, status); }

namespace store {
namespace {

constexpr std::string_view kSecretPrefix = "ft_";
constexpr std::size_t kShownSecretChars = 8;

std::string HashSecret(std::string_view secret) {
  std::array<unsigned char, crypto_generichash_BYTES> hash{};
  crypto_generichash(hash.data(), hash.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), nullptr,
                     0);
  std::string hex(hash.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), hash.data(), hash.size());
  hex.pop_back();
  return hex;
}

std::string NewSecret() {
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string text(
      sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(std::char_traits<char>::length(text.c_str()));
  return std::string(kSecretPrefix) + text;
}

constexpr std::string_view kSelectKey =
    "SELECT id, prefix, role, label, created_at, revoked_at FROM api_keys";

ApiKey ReadKey(const Statement& row) {
  ApiKey key;
  row.ReadColumns(0, key.id, key.prefix);
  key.role = ParseRole(row.ColumnText(2)).value_or(Role::kCustomer);
  row.ReadColumns(3, key.label, key.created_at, key.revoked_at);
  return key;
}

constexpr std::string_view kSelectJob =
    "SELECT id, kind, status, created_by, params, done, total, result, created_at, updated_at"
    " FROM jobs";

Job ReadJob(const Statement& row) {
  Job job;
  row.ReadColumns(0, job.id, job.kind);
  if (auto status = FromText(kJobStatusText, row.ColumnText(2))) job.status = *status;
  row.ReadColumns(3, job.created_by, job.params, job.done, job.total, job.result, job.created_at,
                  job.updated_at);
  return job;
}

bool IsJson(std::string_view text) { return nlohmann::json::accept(text); }

}  // namespace

Result<ApiKey> SqliteServiceStore::LoadKey(ApiKeyId id) {
  FACETAG_ASSIGN_OR_RETURN(auto statement, Prepare(std::string(kSelectKey) + " WHERE id = ?1"));
  FACETAG_RETURN_IF_ERROR(
      StepToRow(statement.Bind(1, std::int64_t{id}), "no API key with id " + std::to_string(id)));
  return ReadKey(statement);
}

Result<CreatedApiKey> SqliteServiceStore::CreateApiKey(Role role, std::string_view label) {
  return Locked("CreateApiKey", [&]() FACETAG_REQUIRES(mutex_) -> Result<CreatedApiKey> {
    if (!IsValidUtf8(label)) return Fail(ErrorCode::kInvalidArgument, "the label is not UTF-8");
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    CreatedApiKey created;
    created.secret = NewSecret();
    const std::string prefix = created.secret.substr(0, kSecretPrefix.size() + kShownSecretChars);
    FACETAG_ASSIGN_OR_RETURN(
        auto insert, Prepare("INSERT INTO api_keys (prefix, secret_hash, role, label, created_at)"
                             " VALUES (?1, ?2, ?3, ?4, ?5)"));
    insert.Bind(1, std::string_view(prefix))
        .Bind(2, std::string_view(HashSecret(created.secret)))
        .Bind(3, std::string_view(RoleName(role)))
        .Bind(4, label)
        .Bind(5, std::string_view(UtcNowIso8601()));
    FACETAG_RETURN_IF_ERROR(insert.Run());
    FACETAG_ASSIGN_OR_RETURN(auto key, LoadKey(LastInsertId()));
    created.key = std::move(key);
    return created;
  });
}

Result<std::optional<ApiKey>> SqliteServiceStore::Authenticate(std::string_view secret) {
  return Locked("Authenticate", [&]() FACETAG_REQUIRES(mutex_) -> Result<std::optional<ApiKey>> {
    if (secret.size() < kSecretPrefix.size() || secret.size() > 256 ||
        secret.substr(0, kSecretPrefix.size()) != kSecretPrefix) {
      return std::optional<ApiKey>();
    }
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Prepare(std::string(kSelectKey) + " WHERE secret_hash = ?1 AND revoked_at IS NULL"));
    FACETAG_ASSIGN_OR_RETURN(auto row,
                             statement.Bind(1, std::string_view(HashSecret(secret))).Step());
    if (!row) return std::optional<ApiKey>();
    return std::optional<ApiKey>(ReadKey(statement));
  });
}

Result<std::vector<ApiKey>> SqliteServiceStore::ListApiKeys() {
  return Locked("ListApiKeys", [&]() FACETAG_REQUIRES(mutex_) -> Result<std::vector<ApiKey>> {
    FACETAG_ASSIGN_OR_RETURN(auto statement, Prepare(std::string(kSelectKey) + " ORDER BY id"));
    return ReadAll(statement, ReadKey);
  });
}

Result<ApiKey> SqliteServiceStore::RevokeApiKey(ApiKeyId id) {
  return Locked("RevokeApiKey", [&]() FACETAG_REQUIRES(mutex_) -> Result<ApiKey> {
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(
        auto update,
        Prepare("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL"));
    update.Bind(1, std::int64_t{id}).Bind(2, std::string_view(UtcNowIso8601()));
    FACETAG_RETURN_IF_ERROR(update.Run());
    return LoadKey(id);
  });
}

Result<Job> SqliteServiceStore::LoadJob(JobId id) {
  FACETAG_ASSIGN_OR_RETURN(auto statement, Prepare(std::string(kSelectJob) + " WHERE id = ?1"));
  FACETAG_RETURN_IF_ERROR(
      StepToRow(statement.Bind(1, std::int64_t{id}), "no job with id " + std::to_string(id)));
  return ReadJob(statement);
}

Result<Job> SqliteServiceStore::CreateJob(std::string_view kind, std::string_view created_by,
                                          std::string_view params) {
  return Locked("CreateJob", [&]() FACETAG_REQUIRES(mutex_) -> Result<Job> {
    if (kind.empty()) return Fail(ErrorCode::kInvalidArgument, "empty job kind");
    if (!IsJson(params)) return Fail(ErrorCode::kInvalidArgument, "job parameters are not JSON");
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string now = UtcNowIso8601();
    FACETAG_ASSIGN_OR_RETURN(
        auto insert,
        Prepare("INSERT INTO jobs (kind, status, created_by, params, created_at, updated_at)"
                " VALUES (?1, 'queued', ?2, ?3, ?4, ?4)"));
    insert.Bind(1, kind).Bind(2, created_by).Bind(3, params).Bind(4, std::string_view(now));
    FACETAG_RETURN_IF_ERROR(insert.Run());
    return LoadJob(LastInsertId());
  });
}

Result<void> SqliteServiceStore::UpdateJob(JobId id, JobStatus status, std::int64_t done,
                                           std::int64_t total, std::string_view result) {
  return Locked("UpdateJob", [&]() FACETAG_REQUIRES(mutex_) -> Result<void> {
    if (!IsJson(result)) return Fail(ErrorCode::kInvalidArgument, "job result is not JSON");
    if (done < 0 || total < 0) {
      return Fail(ErrorCode::kInvalidArgument, "negative job progress");
    }
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(
        auto update,
        Prepare("UPDATE jobs SET status = ?2, done = ?3, total = ?4, result = ?5, updated_at = ?6"
                " WHERE id = ?1"));
    update.Bind(1, std::int64_t{id})
        .Bind(2, std::string_view(JobStatusName(status)))
        .Bind(3, done)
        .Bind(4, total)
        .Bind(5, result)
        .Bind(6, std::string_view(UtcNowIso8601()));
    return RunChangingOne(update, "no job with id " + std::to_string(id));
  });
}

Result<Job> SqliteServiceStore::GetJob(JobId id) {
  return Locked("GetJob", [&]() FACETAG_REQUIRES(mutex_) -> Result<Job> { return LoadJob(id); });
}

Result<std::vector<Job>> SqliteServiceStore::ListJobs(int limit) {
  return Locked("ListJobs", [&]() FACETAG_REQUIRES(mutex_) -> Result<std::vector<Job>> {
    if (limit < 1 || limit > 1000) {
      return Fail(ErrorCode::kInvalidArgument,
                  "job list limit " + std::to_string(limit) + " is outside 1-1000");
    }
    FACETAG_ASSIGN_OR_RETURN(auto statement,
                             Prepare(std::string(kSelectJob) + " ORDER BY id DESC LIMIT ?1"));
    statement.Bind(1, std::int64_t{limit});
    return ReadAll(statement, ReadJob);
  });
}

Result<int> SqliteServiceStore::InterruptUnfinishedJobs() {
  return Locked("InterruptUnfinishedJobs", [&]() FACETAG_REQUIRES(mutex_) -> Result<int> {
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(auto update,
                             Prepare("UPDATE jobs SET status = 'interrupted', updated_at = ?1"
                                     " WHERE status IN ('queued', 'running')"));
    update.Bind(1, std::string_view(UtcNowIso8601()));
    FACETAG_RETURN_IF_ERROR(update.Run());
    return Changes();
  });
}

}  // namespace store
}  // namespace facetag
