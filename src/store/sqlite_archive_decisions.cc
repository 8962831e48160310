// The SQLite archive's face decisions: re-matching and editors' reviews.

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>
#include <utility>

#include "sqlite_archive.h"
#include "sqlite_archive_rows.h"
#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"

namespace facetag::store {

using Json = nlohmann::json;

// ---------------------------------------------------------------------------
// Re-matching

Result<FacePage> SqliteArchive::FacesForModelLocked(const std::string& model_id, FaceId after,
                                                    int limit) {
  // One snapshot for the faces and the rejections and mentions read for them.
  FACETAG_ASSIGN_OR_RETURN(auto transaction, Transaction::Begin(db_, Transaction::Kind::kDeferred));
  FACETAG_ASSIGN_OR_RETURN(
      auto faces,
      Statement::Prepare(
          db_,
          "SELECT id, photo_id, dimension, embedding, person_id, similarity, decision, by_mention,"
          " tag_status, quality_score, quality_issue FROM faces WHERE model_id = ?1 AND id > ?2"
          " ORDER BY id LIMIT ?3"));
  // One row more than asked tells whether another page follows.
  faces.Bind(1, std::string_view(model_id))
      .Bind(2, std::int64_t{after})
      .Bind(3, std::int64_t{limit} + 1);
  FacePage page;
  bool more = false;
  std::unordered_map<FaceId, std::size_t> face_index;
  std::unordered_map<PhotoId, std::vector<std::size_t>> faces_of_photo;
  FACETAG_RETURN_IF_ERROR(ForEachRow(faces, [&](const Statement& row) -> Result<void> {
    if (page.faces.size() == static_cast<std::size_t>(limit)) {
      more = true;
      return {};
    }
    FaceForMatching face;
    face.id = row.ColumnInt64(0);
    face.photo = row.ColumnInt64(1);
    const std::int64_t dimension = row.ColumnInt64(2);
    const auto embedding = row.ColumnBlob(3);
    if (dimension <= 0 || embedding.size() != static_cast<std::uint64_t>(dimension) * 4) {
      return Fail(ErrorCode::kDatabase,
                  "face " + std::to_string(face.id) + " has a damaged embedding");
    }
    face.embedding = DecodeFloats(embedding);
    FACETAG_ASSIGN_OR_RETURN(auto decision, ReadDecision(row, 4, face.id));
    std::tie(face.tag, face.status) = decision;
    FACETAG_ASSIGN_OR_RETURN(face.quality, ReadQuality(row, 9, face.id));
    face_index.emplace(face.id, page.faces.size());
    faces_of_photo[face.photo].push_back(page.faces.size());
    page.faces.push_back(std::move(face));
    return {};
  }));
  if (page.faces.empty()) return page;
  const FaceId first = page.faces.front().id;
  const FaceId last = page.faces.back().id;

  FACETAG_ASSIGN_OR_RETURN(
      auto rejections,
      Statement::Prepare(
          db_,
          "SELECT face_id, person_id FROM face_rejections WHERE face_id BETWEEN ?1 AND ?2"
          " ORDER BY face_id, person_id"));
  rejections.Bind(1, std::int64_t{first}).Bind(2, std::int64_t{last});
  FACETAG_RETURN_IF_ERROR(ForEachRow(rejections, [&](const Statement& row) -> Result<void> {
    const auto it = face_index.find(row.ColumnInt64(0));
    if (it != face_index.end()) page.faces[it->second].rejected.push_back(row.ColumnInt64(1));
    return {};
  }));

  FACETAG_ASSIGN_OR_RETURN(
      auto mentions,
      Statement::Prepare(
          db_,
          "SELECT DISTINCT photo_id, person_id FROM mentions WHERE photo_id IN"
          " (SELECT photo_id FROM faces WHERE model_id = ?1 AND id BETWEEN ?2 AND ?3)"
          " ORDER BY photo_id, person_id"));
  mentions.Bind(1, std::string_view(model_id))
      .Bind(2, std::int64_t{first})
      .Bind(3, std::int64_t{last});
  FACETAG_RETURN_IF_ERROR(ForEachRow(mentions, [&](const Statement& row) -> Result<void> {
    const auto it = faces_of_photo.find(row.ColumnInt64(0));
    if (it == faces_of_photo.end()) return {};
    for (const std::size_t index : it->second) {
      page.faces[index].mentioned.push_back(row.ColumnInt64(1));
    }
    return {};
  }));
  page.next_after = more ? last : 0;
  return page;
}

Result<ApplyOutcome> SqliteArchive::ApplyDecisionsLocked(
    const std::vector<DecisionUpdate>& updates) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  for (std::size_t i = 0; i < updates.size(); ++i) {
    FACETAG_RETURN_IF_ERROR(CheckTag(
        updates[i].tag, updates[i].status,
        "update " + std::to_string(i) + " (face " + std::to_string(updates[i].face) + ")"));
  }
  // The last update of a face is the one that counts.
  std::unordered_map<FaceId, std::size_t> last_update;
  for (std::size_t i = 0; i < updates.size(); ++i) last_update[updates[i].face] = i;

  FACETAG_ASSIGN_OR_RETURN(Transaction transaction,
                           Transaction::Begin(db_, Transaction::Kind::kImmediate));
  // Prepared once: a rematch sends batches of thousands. The WHERE clause
  // is the compare-and-set: the face must still hold what the caller read,
  // and a named person must still be listed.
  FACETAG_ASSIGN_OR_RETURN(
      Statement update,
      Statement::Prepare(
          db_,
          "UPDATE faces SET person_id = ?1, similarity = ?2, decision = ?3, by_mention = ?4,"
          " tag_status = ?5, updated_at = ?6 WHERE id = ?7 AND person_id IS ?8"
          " AND decision = ?9 AND by_mention = ?10 AND tag_status = ?11"
          " AND (?1 IS NULL OR EXISTS (SELECT 1 FROM persons WHERE id = ?1))"
          " RETURNING photo_id"));
  const std::string now = now_();
  ApplyOutcome outcome;
  std::set<PhotoId> changed_photos;
  for (std::size_t i = 0; i < updates.size(); ++i) {
    const DecisionUpdate& wanted = updates[i];
    if (last_update[wanted.face] != i) continue;
    if (wanted.tag.person == wanted.expected_tag.person &&
        wanted.tag.similarity == wanted.expected_tag.similarity &&
        wanted.tag.decision == wanted.expected_tag.decision &&
        wanted.tag.by_mention == wanted.expected_tag.by_mention &&
        wanted.status == wanted.expected_status) {
      ++outcome.unchanged;
      continue;
    }
    update.Reset();
    BindDecision(update, 1, wanted.tag, wanted.status, now);
    update.Bind(7, std::int64_t{wanted.face});
    if (wanted.expected_tag.person) {
      update.Bind(8, std::int64_t{*wanted.expected_tag.person});
    } else {
      update.BindNull(8);
    }
    update.Bind(9, std::string_view(FaceDecisionName(wanted.expected_tag.decision)))
        .Bind(10, std::int64_t{wanted.expected_tag.by_mention ? 1 : 0})
        .Bind(11, std::string_view(TagStatusName(wanted.expected_status)));
    FACETAG_ASSIGN_OR_RETURN(const bool written, update.Step());
    if (!written) {
      ++outcome.conflicts;
      continue;
    }
    ++outcome.changed;
    changed_photos.insert(update.ColumnInt64(0));
    FACETAG_ASSIGN_OR_RETURN(const bool more, update.Step());  // finish the statement
    (void)more;
  }
  FACETAG_RETURN_IF_ERROR(transaction.Commit());
  outcome.changed_photos.assign(changed_photos.begin(), changed_photos.end());
  return outcome;
}

// ---------------------------------------------------------------------------
// Editors' corrections

Result<void> SqliteArchive::RecordReviewLocked(const ReviewRecord& review) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  FACETAG_RETURN_IF_ERROR(CheckLabel(review.actor, "the actor"));
  for (std::size_t i = 0; i < review.updates.size(); ++i) {
    FACETAG_RETURN_IF_ERROR(CheckTag(
        review.updates[i].tag, review.updates[i].status,
        "update " + std::to_string(i) + " (face " + std::to_string(review.updates[i].face) + ")"));
  }
  FACETAG_ASSIGN_OR_RETURN(Transaction transaction,
                           Transaction::Begin(db_, Transaction::Kind::kImmediate));
  FACETAG_ASSIGN_OR_RETURN(Statement select,
                           Statement::Prepare(db_,
                                              "SELECT photo_id, person_id, similarity, decision,"
                                              " by_mention, tag_status FROM faces WHERE id = ?1"));
  FACETAG_ASSIGN_OR_RETURN(const bool found, select.Bind(1, std::int64_t{review.face}).Step());
  if (!found) return Fail(ErrorCode::kNotFound, "no face with id " + std::to_string(review.face));
  FaceRow previous;
  previous.id = review.face;
  previous.photo = select.ColumnInt64(0);
  FACETAG_ASSIGN_OR_RETURN(std::tie(previous.tag, previous.status),
                           ReadDecision(select, 1, review.face));
  FACETAG_RETURN_IF_ERROR(CheckPersonsExist({review.person}));

  const std::string now = now_();
  if (review.confirm) {
    FACETAG_ASSIGN_OR_RETURN(
        Statement withdraw,
        Statement::Prepare(db_,
                           "DELETE FROM face_rejections WHERE face_id = ?1 AND person_id = ?2"));
    FACETAG_RETURN_IF_ERROR(
        withdraw.Bind(1, std::int64_t{review.face}).Bind(2, std::int64_t{review.person}).Run());
  } else {
    FACETAG_ASSIGN_OR_RETURN(
        Statement remember,
        Statement::Prepare(db_,
                           "INSERT OR IGNORE INTO face_rejections (face_id, person_id,"
                           " rejected_at, actor) VALUES (?1, ?2, ?3, ?4)"));
    FACETAG_RETURN_IF_ERROR(remember.Bind(1, std::int64_t{review.face})
                                .Bind(2, std::int64_t{review.person})
                                .Bind(3, std::string_view(now))
                                .Bind(4, std::string_view(review.actor))
                                .Run());
  }
  FACETAG_ASSIGN_OR_RETURN(
      Statement update,
      Statement::Prepare(db_,
                         "UPDATE faces SET person_id = ?1, similarity = ?2, decision = ?3,"
                         " by_mention = ?4, tag_status = ?5, updated_at = ?6"
                         " WHERE id = ?7 AND photo_id = ?8"));
  Json changed = Json::array();
  for (const DecisionUpdate& u : review.updates) {
    update.Reset();
    BindDecision(update, 1, u.tag, u.status, now);
    FACETAG_RETURN_IF_ERROR(
        update.Bind(7, std::int64_t{u.face}).Bind(8, std::int64_t{previous.photo}).Run());
    if (sqlite3_changes(db_) != 1) {
      return Fail(ErrorCode::kInvalidArgument, "face " + std::to_string(u.face) +
                                                   " is not a face of photo " +
                                                   std::to_string(previous.photo));
    }
    FaceRow after{u.face, previous.photo, u.tag, u.status};
    Json entry = FaceRowJson(after);
    entry["face"] = u.face;
    changed.push_back(std::move(entry));
  }
  const Json details = {{"face", review.face},
                        {"photo", previous.photo},
                        {"person", review.person},
                        {"previous", FaceRowJson(previous)},
                        {"changed", changed}};
  FACETAG_RETURN_IF_ERROR(InsertAudit({review.actor, review.confirm ? "tag.confirm" : "tag.reject",
                                       "face:" + std::to_string(review.face), details.dump()}));
  return transaction.Commit();
}

}  // namespace facetag::store
