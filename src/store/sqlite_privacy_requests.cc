// The SQLite privacy store's register of data-subject requests and its
// export downloads.

#include <chrono>
#include <nlohmann/json.hpp>

#include "facetag/text.h"
#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_privacy.h"
#include "sqlite_statement.h"

namespace facetag::store {

using Json = nlohmann::json;

namespace {

constexpr std::string_view kSelectRequest =
    "SELECT id, kind, received_on, due_on, requester, contact, subject, details, status,"
    " decision, refusal_reason, decided_by, decided_at, created_at FROM requests";

DataRequest ReadRequest(const Statement& row) {
  DataRequest r;
  r.id = row.ColumnInt64(0);
  r.kind = ParseRequestKind(row.ColumnText(1)).value_or(RequestKind::kAccess);
  row.ReadColumns(2, r.received_on, r.due_on, r.requester, r.contact, r.subject, r.details);
  r.status = ParseRequestStatus(row.ColumnText(8)).value_or(RequestStatus::kOpen);
  row.ReadColumns(9, r.decision, r.refusal_reason, r.decided_by, r.decided_at, r.created_at);
  return r;
}

Result<std::vector<DataRequest>> ReadRequests(Statement& statement) {
  std::vector<DataRequest> out;
  FACETAG_RETURN_IF_ERROR(ForEachRow(statement, [&](const Statement& row) -> Result<void> {
    out.push_back(ReadRequest(row));
    return {};
  }));
  return out;
}

}  // namespace

// --- requests ----------------------------------------------------------------

Result<DataRequest> SqlitePrivacy::LoadRequest(RequestId id) {
  FACETAG_ASSIGN_OR_RETURN(auto statement,
                           Statement::Prepare(db_, std::string(kSelectRequest) + " WHERE id = ?1"));
  FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::int64_t{id}).Step());
  if (!row) return Fail(ErrorCode::kNotFound, "no request " + std::to_string(id));
  return ReadRequest(statement);
}

Result<DataRequest> SqlitePrivacy::AddRequest(const NewRequest& request, std::string_view actor) {
  return Fenced("AddRequest", [&]() -> Result<DataRequest> {
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    const std::string who = Actor(actor);
    FACETAG_RETURN_IF_ERROR(CheckLabel(who, "the actor"));
    FACETAG_ASSIGN_OR_RETURN(auto due, DueDate(request.received_on));
    FACETAG_RETURN_IF_ERROR(CheckLabel(request.requester, "the requester"));
    FACETAG_RETURN_IF_ERROR(CheckLabel(request.contact, "the requester's contact"));
    FACETAG_RETURN_IF_ERROR(CheckUtf8(request.subject, "the subject"));
    FACETAG_RETURN_IF_ERROR(CheckUtf8(request.details, "the details"));
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db_, Transaction::Kind::kImmediate));
    FACETAG_ASSIGN_OR_RETURN(
        auto insert,
        Statement::Prepare(
            db_,
            "INSERT INTO requests (kind, received_on, due_on, requester, contact, subject, details,"
            " status, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8)"));
    const std::string now = Now();
    insert.Bind(1, std::string_view(RequestKindName(request.kind)))
        .Bind(2, std::string_view(request.received_on))
        .Bind(3, std::string_view(due))
        .Bind(4, std::string_view(request.requester))
        .Bind(5, std::string_view(request.contact))
        .Bind(6, std::string_view(request.subject))
        .Bind(7, std::string_view(request.details))
        .Bind(8, std::string_view(now));
    FACETAG_RETURN_IF_ERROR(insert.Run());
    const RequestId id = sqlite3_last_insert_rowid(db_);
    // The requester's identity stays in the register, not in the audit log.
    FACETAG_RETURN_IF_ERROR(AuditJson(db_, who, "request.add", "request:" + std::to_string(id),
                                      {{"kind", RequestKindName(request.kind)},
                                       {"received_on", request.received_on},
                                       {"due_on", due}},
                                      now));
    auto loaded = LoadRequest(id);
    if (!loaded) return loaded;
    FACETAG_RETURN_IF_ERROR(transaction.Commit());
    return loaded;
  });
}

Result<DataRequest> SqlitePrivacy::GetRequest(RequestId id) {
  return Fenced("GetRequest", [&]() -> Result<DataRequest> {
    MutexLock lock(mutex_);
    return LoadRequest(id);
  });
}

Result<std::vector<DataRequest>> SqlitePrivacy::ListRequests(const RequestQuery& query) {
  return Fenced("ListRequests", [&]() -> Result<std::vector<DataRequest>> {
    MutexLock lock(mutex_);
    std::string sql = std::string(kSelectRequest) + " WHERE 1";
    if (query.status) sql += " AND status = ?1";
    if (query.kind) sql += " AND kind = ?2";
    sql += " ORDER BY received_on, id";
    FACETAG_ASSIGN_OR_RETURN(auto statement, Statement::Prepare(db_, sql));
    if (query.status) statement.Bind(1, std::string_view(RequestStatusName(*query.status)));
    if (query.kind) statement.Bind(2, std::string_view(RequestKindName(*query.kind)));
    return ReadRequests(statement);
  });
}

Result<DataRequest> SqlitePrivacy::DecideRequest(RequestId id, const RequestDecision& decision,
                                                 std::string_view actor) {
  return Fenced("DecideRequest", [&]() -> Result<DataRequest> {
    MutexLock lock(mutex_);
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
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db_, Transaction::Kind::kImmediate));
    auto current = LoadRequest(id);
    if (!current) return current;
    if (current->status != RequestStatus::kOpen) {
      return Fail(ErrorCode::kRejected, "request " + std::to_string(id) + " was already " +
                                            RequestStatusName(current->status) + " by " +
                                            current->decided_by + " on " + current->decided_at);
    }
    FACETAG_ASSIGN_OR_RETURN(
        auto update,
        Statement::Prepare(
            db_,
            "UPDATE requests SET status = ?1, decision = ?2, refusal_reason = ?3, decided_by = ?4,"
            " decided_at = ?5 WHERE id = ?6"));
    const std::string now = Now();
    update.Bind(1, std::string_view(RequestStatusName(decision.status)))
        .Bind(2, std::string_view(decision.decision))
        .Bind(3, std::string_view(decision.refusal_reason))
        .Bind(4, std::string_view(who))
        .Bind(5, std::string_view(now))
        .Bind(6, std::int64_t{id});
    FACETAG_RETURN_IF_ERROR(update.Run());
    Json details = {{"status", RequestStatusName(decision.status)},
                    {"decision", decision.decision}};
    if (refused) details["refusal_reason"] = decision.refusal_reason;
    details["late"] = now.substr(0, 10) > current->due_on;
    FACETAG_RETURN_IF_ERROR(
        AuditJson(db_, who, "request.decide", "request:" + std::to_string(id), details, now));
    auto loaded = LoadRequest(id);
    if (!loaded) return loaded;
    FACETAG_RETURN_IF_ERROR(transaction.Commit());
    return loaded;
  });
}

Result<std::vector<DataRequest>> SqlitePrivacy::OverdueRequests(TimePoint now) {
  return Fenced("OverdueRequests", [&]() -> Result<std::vector<DataRequest>> {
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Statement::Prepare(db_, std::string(kSelectRequest) +
                                    " WHERE status = 'open' AND due_on < ?1 ORDER BY due_on, id"));
    const std::string today = FormatUtc(now).substr(0, 10);
    statement.Bind(1, std::string_view(today));
    return ReadRequests(statement);
  });
}

// --- downloads -------------------------------------------------------------------

Result<void> SqlitePrivacy::SetDownload(JobId job, std::string_view token_sha256,
                                        std::optional<TimePoint> expires_at) {
  return Fenced("SetDownload", [&]() -> Result<void> {
    if (!token_sha256.empty() && !IsHexSha256(token_sha256)) {
      return Fail(ErrorCode::kInvalidArgument, "a download token hash is 64 hex digits");
    }
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(
        auto update,
        Statement::Prepare(
            db_,
            "UPDATE jobs SET token_sha256 = CASE WHEN ?1 = '' THEN token_sha256 ELSE ?1 END,"
            " expires_at = CASE WHEN ?2 = '' THEN expires_at ELSE ?2 END, updated_at = ?3"
            " WHERE id = ?4"));
    const std::string expires = expires_at ? FormatUtc(*expires_at) : "";
    const std::string now = Now();
    update.Bind(1, token_sha256)
        .Bind(2, std::string_view(expires))
        .Bind(3, std::string_view(now))
        .Bind(4, std::int64_t{job});
    FACETAG_RETURN_IF_ERROR(update.Run());
    if (sqlite3_changes(db_) == 0) {
      return Fail(ErrorCode::kNotFound, "no job " + std::to_string(job));
    }
    return {};
  });
}

Result<Download> SqlitePrivacy::FindDownload(std::string_view token_sha256) {
  return Fenced("FindDownload", [&]() -> Result<Download> {
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Statement::Prepare(db_, "SELECT id, expires_at FROM jobs WHERE token_sha256 = ?1"));
    FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, token_sha256).Step());
    if (token_sha256.empty() || !row) {
      return Fail(ErrorCode::kNotFound, "no download with this token");
    }
    return Download{statement.ColumnInt64(0), statement.ColumnText(1)};
  });
}

Result<std::vector<JobId>> SqlitePrivacy::ExpiredDownloads(TimePoint now) {
  return Fenced("ExpiredDownloads", [&]() -> Result<std::vector<JobId>> {
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Statement::Prepare(
            db_, "SELECT id FROM jobs WHERE expires_at <> '' AND expires_at <= ?1 ORDER BY id"));
    const std::string at = FormatUtc(now);
    statement.Bind(1, std::string_view(at));
    std::vector<JobId> out;
    FACETAG_RETURN_IF_ERROR(ForEachRow(statement, [&](const Statement& row) -> Result<void> {
      out.push_back(row.ColumnInt64(0));
      return {};
    }));
    return out;
  });
}

}  // namespace facetag::store
