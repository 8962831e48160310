// The SQLite archive: its calls, each fenced and under the store's lock,
// and the checks of references shared by its writes.

#include "sqlite_archive.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>
#include <utility>

#include "facetag/enum_text.h"
#include "facetag/text.h"
#include "sqlite_archive_rows.h"
#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"

namespace facetag {

namespace {

// The first entry is what an out-of-range value reads as.
constexpr EnumText<HitKind> kHitKindText[] = {
    {HitKind::kText, "text"}, {HitKind::kPictured, "pictured"}, {HitKind::kMentioned, "mentioned"}};

}  // namespace

const char* HitKindName(HitKind kind) { return ToText(kHitKindText, kind); }

namespace store {

SqliteArchive::SqliteArchive(sqlite3* db, Mutex& mutex, std::string name, bool read_only,
                             std::function<std::string()> now)
    : db_(db),
      mutex_(mutex),
      name_(std::move(name)),
      read_only_(read_only),
      now_(now ? std::move(now) : std::function<std::string()>(UtcNowIso8601)) {}

// ---------------------------------------------------------------------------
// Public calls: fence, lock, delegate.

Result<PhotoId> SqliteArchive::AddPhoto(const NewPhoto& photo) {
  return Fenced("AddPhoto", [&]() -> Result<PhotoId> {
    MutexLock lock(mutex_);
    return AddPhotoLocked(photo);
  });
}

Result<ReplaceOutcome> SqliteArchive::ReplacePhoto(const NewPhoto& photo, std::string_view actor) {
  return Fenced("ReplacePhoto", [&]() -> Result<ReplaceOutcome> {
    MutexLock lock(mutex_);
    return ReplacePhotoLocked(photo, actor);
  });
}

Result<bool> SqliteArchive::HasPhoto(std::string_view sha256) {
  return Fenced("HasPhoto", [&]() -> Result<bool> {
    FACETAG_ASSIGN_OR_RETURN(auto state, FindPhoto(sha256));
    return state.has_value();
  });
}

Result<std::optional<PhotoState>> SqliteArchive::FindPhoto(std::string_view sha256) {
  return Fenced("FindPhoto", [&]() -> Result<std::optional<PhotoState>> {
    FACETAG_ASSIGN_OR_RETURN(auto key, CheckSha256(sha256));
    MutexLock lock(mutex_);
    return FindPhotoLocked(key);
  });
}

Result<PhotoId> SqliteArchive::PhotoOfFace(FaceId face) {
  return Fenced("PhotoOfFace", [&]() -> Result<PhotoId> {
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(auto statement,
                             Statement::Prepare(db_, "SELECT photo_id FROM faces WHERE id = ?1"));
    FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, static_cast<std::int64_t>(face)).Step());
    if (!row)
      return Fail(ErrorCode::kNotFound, "no face " + std::to_string(face) + " in the archive");
    return statement.ColumnInt64(0);
  });
}

Result<StoredPhoto> SqliteArchive::GetPhoto(PhotoId id) {
  return Fenced("GetPhoto", [&]() -> Result<StoredPhoto> {
    MutexLock lock(mutex_);
    return GetPhotoLocked(id);
  });
}

Result<std::int64_t> SqliteArchive::CountPhotos() {
  return Fenced("CountPhotos", [&]() -> Result<std::int64_t> {
    MutexLock lock(mutex_);
    return ReadInt(db_, "SELECT count(*) FROM photos");
  });
}

Result<ArchiveCounts> SqliteArchive::Counts() {
  return Fenced("Counts", [&]() -> Result<ArchiveCounts> {
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Statement::Prepare(db_,
                           "SELECT (SELECT count(*) FROM photos),"
                           " (SELECT count(*) FROM photos WHERE status = 'failed'),"
                           " (SELECT count(*) FROM faces),"
                           " (SELECT count(*) FROM faces WHERE person_id IS NOT NULL),"
                           " (SELECT count(*) FROM mentions)"));
    FACETAG_RETURN_IF_ERROR(statement.Step());
    ArchiveCounts counts;
    statement.ReadColumns(0, counts.photos, counts.failed_photos, counts.faces, counts.tagged_faces,
                          counts.mentions);
    return counts;
  });
}

Result<void> SqliteArchive::ReplaceMentions(PhotoId photo,
                                            const std::vector<PhotoMention>& mentions) {
  return Fenced("ReplaceMentions", [&]() -> Result<void> {
    MutexLock lock(mutex_);
    return ReplaceMentionsLocked(photo, mentions);
  });
}

Result<CaptionPage> SqliteArchive::CaptionsAfter(PhotoId after, int limit) {
  return Fenced("CaptionsAfter", [&]() -> Result<CaptionPage> {
    FACETAG_RETURN_IF_ERROR(CheckPageSize(limit));
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Statement::Prepare(
            db_,
            "SELECT id, caption FROM photos WHERE id > ?1 AND status = 'ok' AND caption <> ''"
            " ORDER BY id LIMIT ?2"));
    // One row more than asked tells whether another page follows.
    statement.Bind(1, std::int64_t{after}).Bind(2, std::int64_t{limit} + 1);
    CaptionPage page;
    bool more = false;
    FACETAG_RETURN_IF_ERROR(ForEachRow(statement, [&](const Statement& row) -> Result<void> {
      if (page.photos.size() == static_cast<std::size_t>(limit)) {
        more = true;
        return {};
      }
      page.photos.push_back({row.ColumnInt64(0), row.ColumnText(1)});
      return {};
    }));
    page.next_after = more ? page.photos.back().id : 0;
    return page;
  });
}

Result<void> SqliteArchive::MarkNamesWritten(PhotoId photo, std::int64_t version) {
  return Fenced("MarkNamesWritten", [&]() -> Result<void> {
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(
        Statement mark,
        Statement::Prepare(db_,
                           "UPDATE photos SET names_written = max(coalesce(names_written, -1), ?2)"
                           " WHERE id = ?1"));
    FACETAG_RETURN_IF_ERROR(mark.Bind(1, std::int64_t{photo}).Bind(2, std::int64_t{version}).Run());
    if (sqlite3_changes(db_) == 0) {
      return Fail(ErrorCode::kNotFound, "no photo with id " + std::to_string(photo));
    }
    return {};
  });
}

Result<std::vector<PhotoId>> SqliteArchive::PhotosWithUnwrittenNames(PhotoId after, int limit) {
  return Fenced("PhotosWithUnwrittenNames", [&]() -> Result<std::vector<PhotoId>> {
    FACETAG_RETURN_IF_ERROR(CheckPageSize(limit));
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(
        Statement select,
        Statement::Prepare(db_,
                           "SELECT id FROM photos WHERE names_written IS NOT NULL"
                           " AND names_written < names_version AND id > ?1 ORDER BY id LIMIT ?2"));
    select.Bind(1, std::int64_t{after}).Bind(2, std::int64_t{limit});
    std::vector<PhotoId> ids;
    FACETAG_RETURN_IF_ERROR(ForEachRow(select, [&](const Statement& row) -> Result<void> {
      ids.push_back(row.ColumnInt64(0));
      return {};
    }));
    return ids;
  });
}

Result<FacePage> SqliteArchive::FacesForModel(std::string_view model_id, FaceId after, int limit) {
  return Fenced("FacesForModel", [&]() -> Result<FacePage> {
    if (model_id.empty()) return Fail(ErrorCode::kInvalidArgument, "empty model id");
    FACETAG_RETURN_IF_ERROR(CheckPageSize(limit));
    MutexLock lock(mutex_);
    return FacesForModelLocked(std::string(model_id), after, limit);
  });
}

Result<ApplyOutcome> SqliteArchive::ApplyDecisions(const std::vector<DecisionUpdate>& updates) {
  return Fenced("ApplyDecisions", [&]() -> Result<ApplyOutcome> {
    MutexLock lock(mutex_);
    return ApplyDecisionsLocked(updates);
  });
}

Result<void> SqliteArchive::RecordReview(const ReviewRecord& review) {
  return Fenced("RecordReview", [&]() -> Result<void> {
    MutexLock lock(mutex_);
    return RecordReviewLocked(review);
  });
}

Result<std::vector<SearchHit>> SqliteArchive::Search(const SearchQuery& query) {
  return Fenced("Search", [&]() -> Result<std::vector<SearchHit>> {
    MutexLock lock(mutex_);
    return SearchLocked(query);
  });
}

Result<AuditId> SqliteArchive::AppendAudit(const AuditRecord& record) {
  return Fenced("AppendAudit", [&]() -> Result<AuditId> {
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    // The chain links each entry to the newest one: reading it and appending
    // must not interleave with another process's append.
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db_, Transaction::Kind::kImmediate));
    auto id = InsertAudit(record);
    if (!id) return id;
    FACETAG_RETURN_IF_ERROR(transaction.Commit());
    return id;
  });
}

Result<std::vector<AuditEntry>> SqliteArchive::ListAudit(const AuditQuery& query) {
  return Fenced("ListAudit", [&]() -> Result<std::vector<AuditEntry>> {
    MutexLock lock(mutex_);
    return ListAuditLocked(query);
  });
}

Result<std::vector<FaceSummary>> SqliteArchive::ListFaces(const FaceQuery& query) {
  return Fenced("ListFaces", [&]() -> Result<std::vector<FaceSummary>> {
    if (query.limit < 1 || query.limit > 1000) {
      return Fail(ErrorCode::kInvalidArgument,
                  "limit " + std::to_string(query.limit) + " is outside 1-1000");
    }
    if (query.before < 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "cursor " + std::to_string(query.before) + " is negative");
    }
    std::string sql =
        "SELECT f.id, f.photo_id, p.location, f.box_x, f.box_y, f.box_width, f.box_height,"
        " f.person_id, f.similarity, f.decision, f.by_mention, f.tag_status, f.updated_at"
        " FROM faces AS f JOIN photos AS p ON p.id = f.photo_id WHERE 1";
    if (query.status) sql += " AND f.tag_status = ?1";
    if (query.decision) sql += " AND f.decision = ?2";
    if (query.person) sql += " AND f.person_id = ?3";
    if (query.before > 0) sql += " AND f.id < ?4";
    sql += " ORDER BY f.id DESC LIMIT ?5";
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(auto statement, Statement::Prepare(db_, sql));
    if (query.status) statement.Bind(1, std::string_view(TagStatusName(*query.status)));
    if (query.decision) statement.Bind(2, std::string_view(FaceDecisionName(*query.decision)));
    if (query.person) statement.Bind(3, std::int64_t{*query.person});
    if (query.before > 0) statement.Bind(4, std::int64_t{query.before});
    statement.Bind(5, std::int64_t{query.limit});
    std::vector<FaceSummary> faces;
    FACETAG_RETURN_IF_ERROR(ForEachRow(statement, [&](const Statement& row) -> Result<void> {
      FaceSummary face;
      row.ReadColumns(0, face.id, face.photo, face.location, face.box.x, face.box.y, face.box.width,
                      face.box.height);
      FACETAG_ASSIGN_OR_RETURN(auto decision, ReadDecision(row, 7, face.id));
      face.tag = decision.first;
      face.status = decision.second;
      face.updated_at = row.ColumnText(12);
      faces.push_back(std::move(face));
      return {};
    }));
    return faces;
  });
}

// ---------------------------------------------------------------------------
// Checks shared by the writes.

Result<void> SqliteArchive::CheckWritable() const {
  if (!read_only_) return {};
  return Fail(ErrorCode::kDatabase, name_ + " is open read-only");
}

Result<void> SqliteArchive::CheckPersonsExist(const std::vector<PersonId>& persons) {
  FACETAG_ASSIGN_OR_RETURN(auto statement,
                           Statement::Prepare(db_, "SELECT 1 FROM persons WHERE id = ?1"));
  for (const PersonId person : std::set<PersonId>(persons.begin(), persons.end())) {
    statement.Reset();
    FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::int64_t{person}).Step());
    if (!row) return Fail(ErrorCode::kNotFound, "no person with id " + std::to_string(person));
  }
  return {};
}

// Embeddings of one model are compared with each other and with the
// profiles of that model; a vector of another length would make every
// comparison meaningless.
Result<void> SqliteArchive::CheckModelDimensions(const std::vector<NewFace>& faces) {
  std::map<std::string, std::size_t> dimensions;
  for (const NewFace& face : faces) {
    const Embedding& embedding = face.detected.embedding;
    const auto [it, added] = dimensions.emplace(embedding.model_id, embedding.values.size());
    if (!added && it->second != embedding.values.size()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "faces of model " + embedding.model_id + " have embeddings of " +
                      std::to_string(it->second) + " and " +
                      std::to_string(embedding.values.size()) + " values");
    }
  }
  for (const auto& [model_id, dimension] : dimensions) {
    for (const char* sql : {"SELECT dimension FROM faces WHERE model_id = ?1 LIMIT 1",
                            "SELECT dimension FROM profiles WHERE model_id = ?1 LIMIT 1"}) {
      FACETAG_ASSIGN_OR_RETURN(auto statement, Statement::Prepare(db_, sql));
      FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::string_view(model_id)).Step());
      if (row && statement.ColumnInt64(0) != static_cast<std::int64_t>(dimension)) {
        return Fail(ErrorCode::kInvalidArgument, "model " + model_id + " has embeddings of " +
                                                     std::to_string(statement.ColumnInt64(0)) +
                                                     " values; this face has " +
                                                     std::to_string(dimension));
      }
    }
  }
  return {};
}

Result<void> SqliteArchive::CheckPhotoReferences(const NewPhoto& photo) {
  std::vector<PersonId> persons;
  for (const NewFace& face : photo.faces) {
    if (face.tag.person) persons.push_back(*face.tag.person);
  }
  for (const PhotoMention& mention : photo.mentions) persons.push_back(mention.person);
  FACETAG_RETURN_IF_ERROR(CheckPersonsExist(persons));
  return CheckModelDimensions(photo.faces);
}

}  // namespace store
}  // namespace facetag
