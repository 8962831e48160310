// ServiceStore: what the HTTP service keeps in facetag's database: the API
// keys that authenticate its clients, each with one role, and the background
// jobs (ingests, exports) with their progress and outcome.
//
// A key's secret is shown once, when it is created; the database keeps only
// a BLAKE2b hash of it, so a stolen database file yields no usable key.
//
// Errors: kInvalidArgument names the bad value; kNotFound the missing key or
// job; kDatabase everything the database refused.
//
// Thread safety: reach it through Store::service(); like the Store, it may
// be used from several threads (calls are serialised).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/result.h"

namespace facetag {

// What a client of the service may do. Each key has exactly one role; no
// role includes another (an admin manages keys, not the list).
enum class Role {
  kCustomer,  // search the archive, read photo metadata
  kIngest,    // submit photos for recognition and ingest
  kEditor,    // the list, enrolment, tag review, candidates
  kPrivacy,   // data-subject requests, audit log, purge, exports
  kAdmin,     // API keys
};

// "customer", "ingest", "editor", "privacy", "admin".
const char* RoleName(Role role);
// The role named `text` (exactly as RoleName spells it); empty otherwise.
std::optional<Role> ParseRole(std::string_view text);

using ApiKeyId = std::int64_t;

struct ApiKey {
  ApiKeyId id = 0;
  // The first characters of the secret ("ft_" and 8 more): enough to tell
  // keys apart in a listing, useless to authenticate.
  std::string prefix;
  Role role = Role::kCustomer;
  std::string label;       // who or what the key is for
  std::string created_at;  // UTC ISO 8601
  std::optional<std::string> revoked_at;
};

// A key just created, with its secret: the only time the secret exists
// outside the client.
struct CreatedApiKey {
  ApiKey key;
  std::string secret;  // "ft_" + 43 base64url characters (256 random bits)
};

using JobId = std::int64_t;

enum class JobStatus {
  kQueued,
  kRunning,
  kDone,
  kFailed,
  kInterrupted,  // was running when the service stopped
};

// "queued", "running", "done", "failed", "interrupted".
const char* JobStatusName(JobStatus status);

struct Job {
  JobId id = 0;
  std::string kind;        // "ingest", ...
  JobStatus status = JobStatus::kQueued;
  std::string created_by;  // the actor who submitted it
  std::string params;      // JSON text, as given
  std::int64_t done = 0;   // items processed so far
  std::int64_t total = 0;  // items in all
  std::string result;      // JSON text
  std::string created_at;  // UTC ISO 8601
  std::string updated_at;
};

class ServiceStore {
 public:
  virtual ~ServiceStore() = default;

  // --- API keys ----------------------------------------------------------
  // A new key with a fresh random secret. kInvalidArgument: label not UTF-8.
  virtual Result<CreatedApiKey> CreateApiKey(Role role, std::string_view label) = 0;
  // The key whose secret this is, unless it is unknown or revoked (then
  // empty). Never an error for a wrong secret, only for a database failure.
  virtual Result<std::optional<ApiKey>> Authenticate(std::string_view secret) = 0;
  // Every key, revoked ones too, by id.
  virtual Result<std::vector<ApiKey>> ListApiKeys() = 0;
  // Revokes a key for good. kNotFound; revoking twice keeps the first time.
  virtual Result<ApiKey> RevokeApiKey(ApiKeyId id) = 0;

  // --- jobs ----------------------------------------------------------------
  // A queued job. kInvalidArgument: empty kind, params not JSON.
  virtual Result<Job> CreateJob(std::string_view kind, std::string_view created_by,
                                std::string_view params) = 0;
  // Sets status, progress and result (JSON text). kNotFound, kInvalidArgument.
  virtual Result<void> UpdateJob(JobId id, JobStatus status, std::int64_t done,
                                 std::int64_t total, std::string_view result) = 0;
  virtual Result<Job> GetJob(JobId id) = 0;
  // The most recent jobs first, at most `limit` (1-1000).
  virtual Result<std::vector<Job>> ListJobs(int limit) = 0;
  // Marks every queued or running job interrupted (on start: nothing runs
  // them any more). Returns how many.
  virtual Result<int> InterruptUnfinishedJobs() = 0;
};

}  // namespace facetag
