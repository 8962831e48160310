// The SQLite archive's search and audit log listing.

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>
#include <utility>

#include "facetag/text.h"
#include "sqlite_archive.h"
#include "sqlite_archive_rows.h"
#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"

namespace facetag::store {

namespace {

constexpr int kMaxSearchLimit = 10000;
constexpr int kMaxAuditLimit = 10000;

// "col:" and parentheses lose their query meaning.
std::string FtsString(std::string_view word) {
  std::string quoted = "\"";
  for (const char c : word) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

// The FTS5 query for the user's words: all words must occur. Each word is
// searched in its folded form (facetag/text.h): the index holds the folded
// form of every non-ASCII word and name (text_folded, the name keys), and
// the tokenizer folds the rest alike, so "Łukasz" finds "Lukasz" and
// "Łukasz", and "Walesa" finds "Wałęsa". The strings are joined by implicit
// AND, under which FTS5 skips a string without any token ("--", "*"), where
// an explicit AND would match nothing. Empty when `text` has no words.
std::string FtsMatchExpression(std::string_view text) {
  std::string expression;
  for (const std::string_view word : SplitAtWhitespace(text)) {
    if (!expression.empty()) expression.push_back(' ');
    expression += FtsString(text::Fold(word));
  }
  return expression;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// An ISO 8601 date or date-time cut anywhere after the year: "2012",
// "2012-12", "2012-12-06", "2012-12-06T15:46:01+01:00".
bool IsDateBound(std::string_view text) {
  const auto digits = [&](std::size_t from, std::size_t count) {
    for (std::size_t i = from; i < from + count; ++i) {
      if (i >= text.size() || !IsDigit(text[i])) return false;
    }
    return true;
  };
  if (!digits(0, 4)) return false;
  if (text.size() == 4) return true;
  if (text[4] != '-' || !digits(5, 2)) return false;
  if (text.size() == 7) return true;
  if (text[7] != '-' || !digits(8, 2)) return false;
  if (text.size() == 10) return true;
  if (text[10] != 'T') return false;
  return std::all_of(text.begin() + 11, text.end(), [](char c) {
    return IsDigit(c) || c == ':' || c == '.' || c == '+' || c == '-' || c == 'Z';
  });
}

// The smallest text above every text that starts with `bound` (its last
// ASCII character incremented), so that "date < result" keeps every date
// `bound` is a prefix of and can use the index on sort_date.
std::string AfterPrefix(std::string bound) {
  bound.back() = static_cast<char>(bound.back() + 1);
  return bound;
}

}  // namespace

// ---------------------------------------------------------------------------
// Search

Result<std::vector<SearchHit>> SqliteArchive::SearchLocked(const SearchQuery& query) {
  if (query.limit < 1 || query.limit > kMaxSearchLimit) {
    return Fail(ErrorCode::kInvalidArgument, "limit " + std::to_string(query.limit) +
                                                 " is outside 1-" +
                                                 std::to_string(kMaxSearchLimit));
  }
  if (query.offset < 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "offset " + std::to_string(query.offset) + " is negative");
  }
  for (const auto& [bound, what] :
       {std::pair{&query.date_from, "date_from"}, std::pair{&query.date_to, "date_to"}}) {
    if (!bound->empty() && !IsDateBound(*bound)) {
      return Fail(ErrorCode::kInvalidArgument, std::string(what) + " \"" + *bound +
                                                   "\" is not an ISO 8601 date such as "
                                                   "2012-12-06 (or a prefix of one)");
    }
  }
  FACETAG_RETURN_IF_ERROR(CheckUtf8(query.text, "the search text"));
  const std::string match = FtsMatchExpression(query.text);

  // Parameters: ?1 person, ?2 FTS query, ?3 from, ?4 after `to`, ?5 limit,
  // ?6 offset. Hit kinds are numbered in ranking order (HitKind's order).
  std::string sql;
  if (query.person) {
    sql =
        "WITH pictured AS ("
        " SELECT photo_id, id AS face_id, box_x, box_y, box_width, box_height, similarity,"
        "  tag_status = 'confirmed' AS confirmed,"
        "  row_number() OVER (PARTITION BY photo_id ORDER BY tag_status = 'confirmed' DESC,"
        "   similarity DESC NULLS LAST, id) AS rank_in_photo"
        " FROM faces WHERE person_id = ?1 AND tag_status IN ('automatic', 'confirmed')),"
        " hits AS ("
        " SELECT photo_id, 0 AS kind, face_id, box_x, box_y, box_width, box_height, similarity,"
        "  confirmed FROM pictured WHERE rank_in_photo = 1";
    if (query.include_mentioned) {
      sql +=
          " UNION ALL"
          " SELECT DISTINCT photo_id, 1, NULL, NULL, NULL, NULL, NULL, NULL, 0 FROM mentions"
          " WHERE person_id = ?1 AND photo_id NOT IN (SELECT photo_id FROM pictured)";
    }
    sql +=
        ")"
        " SELECT ph.id, ph.sha256, ph.location, ph.caption, ph.sort_date,"
        "  ph.sort_date IS NOT ph.date_created, h.kind, h.face_id, h.box_x, h.box_y,"
        "  h.box_width, h.box_height, h.similarity, h.confirmed"
        " FROM hits AS h JOIN photos AS ph ON ph.id = h.photo_id WHERE ph.status = 'ok'";
  } else {
    sql =
        "SELECT ph.id, ph.sha256, ph.location, ph.caption, ph.sort_date,"
        "  ph.sort_date IS NOT ph.date_created, 2, NULL, NULL, NULL, NULL, NULL, NULL, 0"
        " FROM photos AS ph WHERE ph.status = 'ok'";
  }
  if (!match.empty())
    sql += " AND ph.id IN (SELECT rowid FROM photo_text WHERE photo_text MATCH ?2)";
  if (!query.date_from.empty()) sql += " AND ph.sort_date >= ?3";
  if (!query.date_to.empty()) sql += " AND ph.sort_date < ?4";
  if (query.person) {
    sql += " ORDER BY h.kind, h.confirmed DESC, h.similarity DESC NULLS LAST,";
  } else {
    sql += " ORDER BY";
  }
  sql += " ph.sort_date DESC, ph.id DESC LIMIT ?5 OFFSET ?6";

  FACETAG_ASSIGN_OR_RETURN(auto statement, Statement::Prepare(db_, sql));
  if (query.person) statement.Bind(1, std::int64_t{*query.person});
  if (!match.empty()) statement.Bind(2, std::string_view(match));
  if (!query.date_from.empty()) statement.Bind(3, std::string_view(query.date_from));
  const std::string to_bound = query.date_to.empty() ? "" : AfterPrefix(query.date_to);
  if (!query.date_to.empty()) statement.Bind(4, std::string_view(to_bound));
  statement.Bind(5, std::int64_t{query.limit}).Bind(6, std::int64_t{query.offset});

  std::vector<SearchHit> hits;
  FACETAG_RETURN_IF_ERROR(ForEachRow(statement, [&](const Statement& row) -> Result<void> {
    SearchHit hit;
    row.ReadColumns(0, hit.photo, hit.sha256, hit.location, hit.caption, hit.date,
                    hit.date_is_ingest_time);
    hit.kind = static_cast<HitKind>(row.ColumnInt64(6));
    if (!row.ColumnIsNull(7)) {
      hit.face = row.ColumnInt64(7);
      hit.box = FaceBox{
          static_cast<float>(row.ColumnDouble(8)), static_cast<float>(row.ColumnDouble(9)),
          static_cast<float>(row.ColumnDouble(10)), static_cast<float>(row.ColumnDouble(11))};
    }
    if (!row.ColumnIsNull(12)) hit.similarity = static_cast<float>(row.ColumnDouble(12));
    hit.confirmed = row.ColumnInt64(13) != 0;
    hits.push_back(std::move(hit));
    return {};
  }));
  return hits;
}

// ---------------------------------------------------------------------------
// Audit log

Result<AuditId> SqliteArchive::InsertAudit(const AuditRecord& record) {
  return InsertAuditRow(db_, record, now_());
}

Result<std::vector<AuditEntry>> SqliteArchive::ListAuditLocked(const AuditQuery& query) {
  if (query.limit < 1 || query.limit > kMaxAuditLimit) {
    return Fail(ErrorCode::kInvalidArgument, "limit " + std::to_string(query.limit) +
                                                 " is outside 1-" + std::to_string(kMaxAuditLimit));
  }
  if (query.cursor < 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "cursor " + std::to_string(query.cursor) + " is negative");
  }
  std::string sql = "SELECT id, at, actor, action, subject, details FROM audit_log WHERE 1";
  if (!query.actor.empty()) sql += " AND actor = ?1";
  if (!query.action.empty()) sql += " AND action = ?2";
  if (!query.subject.empty()) sql += " AND subject = ?3";
  if (query.cursor > 0) sql += query.newest_first ? " AND id < ?4" : " AND id > ?4";
  sql += query.newest_first ? " ORDER BY id DESC" : " ORDER BY id";
  sql += " LIMIT ?5";
  FACETAG_ASSIGN_OR_RETURN(auto statement, Statement::Prepare(db_, sql));
  if (!query.actor.empty()) statement.Bind(1, std::string_view(query.actor));
  if (!query.action.empty()) statement.Bind(2, std::string_view(query.action));
  if (!query.subject.empty()) statement.Bind(3, std::string_view(query.subject));
  if (query.cursor > 0) statement.Bind(4, std::int64_t{query.cursor});
  statement.Bind(5, std::int64_t{query.limit});
  std::vector<AuditEntry> entries;
  FACETAG_RETURN_IF_ERROR(ForEachRow(statement, [&](const Statement& row) -> Result<void> {
    entries.push_back(ReadAuditEntry(row));
    return {};
  }));
  return entries;
}

}  // namespace facetag::store
