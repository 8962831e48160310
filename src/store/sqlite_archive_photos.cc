// The SQLite archive's photos: adding, replacing and reading them.

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
// Photos

Result<std::optional<PhotoState>> SqliteArchive::FindPhotoLocked(const std::string& sha256) {
  FACETAG_ASSIGN_OR_RETURN(
      auto statement,
      Statement::Prepare(
          db_, "SELECT id, status, error_code, error_message, text_sha256 FROM photos"
               " WHERE sha256 = ?1"));
  FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::string_view(sha256)).Step());
  if (!row) return std::optional<PhotoState>();
  PhotoState state;
  state.id = statement.ColumnInt64(0);
  state.text_sha256 = statement.ColumnText(4);
  if (statement.ColumnText(1) != "ok") {
    // A code this build does not know (written by a newer one) reads as kInternal.
    state.failure = Error{ParseErrorCode(statement.ColumnText(2)).value_or(ErrorCode::kInternal),
                          statement.ColumnText(3)};
  }
  return std::optional<PhotoState>(std::move(state));
}

Result<PhotoId> SqliteArchive::InsertPhotoRow(const PhotoRow& row, const std::string& now) {
  FACETAG_ASSIGN_OR_RETURN(
      auto insert,
      Statement::Prepare(
          db_,
          "INSERT INTO photos (" + std::string(kPhotoColumns) +
              ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
              " ?17)"));
  BindPhoto(insert, row, now);
  FACETAG_RETURN_IF_ERROR(insert.Run());
  return sqlite3_last_insert_rowid(db_);
}

Result<void> SqliteArchive::UpdatePhotoRow(PhotoId id, const PhotoRow& row,
                                           const std::string& now) {
  FACETAG_ASSIGN_OR_RETURN(
      auto update,
      Statement::Prepare(
          db_,
          "UPDATE photos SET sha256 = ?1, location = ?2, size_bytes = ?3, width = ?4, height = ?5,"
          " exif_orientation = ?6, caption = ?7, caption_source = ?8, headline = ?9, keywords = "
          "?10,"
          " date_created = ?11, ingested_at = ?12, status = ?13, error_code = ?14,"
          " error_message = ?15, text_folded = ?16, text_sha256 = ?17 WHERE id = ?18"));
  BindPhoto(update, row, now);
  update.Bind(18, std::int64_t{id});
  return update.Run();
}

Result<void> SqliteArchive::InsertFace(PhotoId photo, std::size_t position, const NewFace& face,
                                       const std::string& now) {
  FACETAG_ASSIGN_OR_RETURN(
      auto insert,
      Statement::Prepare(
          db_,
          "INSERT INTO faces (person_id, similarity, decision, by_mention, tag_status, updated_at,"
          " photo_id, position, box_x, box_y, box_width, box_height, detection_score, landmarks,"
          " model_id, dimension, embedding, quality_score, quality_issue)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
          "?18,"
          " ?19)"));
  BindDecision(insert, 1, face.tag, face.status, now);
  insert.Bind(7, std::int64_t{photo}).Bind(8, static_cast<std::int64_t>(position));
  BindDetection(insert, 9, face.detected);
  return insert.Run();
}

Result<void> SqliteArchive::InsertMentions(PhotoId photo,
                                           const std::vector<PhotoMention>& mentions) {
  FACETAG_ASSIGN_OR_RETURN(
      auto insert,
      Statement::Prepare(
          db_,
          "INSERT INTO mentions (photo_id, person_id, span_begin, span_end, text, kind)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  for (const PhotoMention& mention : mentions) {
    insert.Reset();
    insert.Bind(1, std::int64_t{photo})
        .Bind(2, std::int64_t{mention.person})
        .Bind(3, static_cast<std::int64_t>(mention.begin))
        .Bind(4, static_cast<std::int64_t>(mention.end))
        .Bind(5, std::string_view(mention.text))
        .Bind(6, std::string_view(mention.kind));
    FACETAG_RETURN_IF_ERROR(insert.Run());
  }
  return {};
}

Result<PhotoId> SqliteArchive::AddPhotoLocked(const NewPhoto& photo) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  FACETAG_ASSIGN_OR_RETURN(auto row, CheckPhoto(photo));
  FACETAG_ASSIGN_OR_RETURN(auto transaction,
                           Transaction::Begin(db_, Transaction::Kind::kImmediate));
  FACETAG_ASSIGN_OR_RETURN(auto existing, FindPhotoLocked(row.sha256));
  if (existing) {
    return Fail(ErrorCode::kAlreadyExists, "photo " + row.sha256 +
                                               " is already in the archive (photo " +
                                               std::to_string((existing)->id) + ")");
  }
  FACETAG_RETURN_IF_ERROR(CheckPhotoReferences(photo));
  for (const NewFace& face : photo.faces) {
    if (face.continues) {
      return Fail(ErrorCode::kInvalidArgument,
                  "a new photo's faces cannot continue stored faces (face " +
                      std::to_string(*face.continues) + ")");
    }
  }
  const std::string now = now_();
  auto id = InsertPhotoRow(row, now);
  if (!id) return id;
  for (std::size_t i = 0; i < photo.faces.size(); ++i) {
    FACETAG_RETURN_IF_ERROR(InsertFace(*id, i, photo.faces[i], now));
  }
  FACETAG_RETURN_IF_ERROR(InsertMentions(*id, photo.mentions));
  FACETAG_RETURN_IF_ERROR(transaction.Commit());
  return id;
}

Result<ReplaceOutcome> SqliteArchive::ReplacePhotoLocked(const NewPhoto& photo,
                                                         std::string_view actor) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  FACETAG_RETURN_IF_ERROR(CheckLabel(actor, "the actor"));
  FACETAG_ASSIGN_OR_RETURN(const PhotoRow row, CheckPhoto(photo));
  FACETAG_ASSIGN_OR_RETURN(Transaction transaction,
                           Transaction::Begin(db_, Transaction::Kind::kImmediate));
  FACETAG_ASSIGN_OR_RETURN(const std::optional<PhotoState> existing, FindPhotoLocked(row.sha256));
  FACETAG_RETURN_IF_ERROR(CheckPhotoReferences(photo));
  const std::string now = now_();
  ReplaceOutcome outcome;
  Json dropped = Json::array();

  if (!existing) {
    FACETAG_ASSIGN_OR_RETURN(outcome.id, InsertPhotoRow(row, now));
    outcome.added = true;
  } else {
    outcome.id = existing->id;
    FACETAG_RETURN_IF_ERROR(UpdatePhotoRow(outcome.id, row, now));
  }

  // The stored faces of the photo, with what the audit entry says of the
  // ones that go.
  std::map<FaceId, FaceRow> stored;
  std::map<FaceId, int> rejections;
  if (existing) {
    FACETAG_ASSIGN_OR_RETURN(Statement faces,
                             Statement::Prepare(db_,
                                                "SELECT id, person_id, similarity, decision,"
                                                " by_mention, tag_status FROM faces"
                                                " WHERE photo_id = ?1"));
    faces.Bind(1, std::int64_t{outcome.id});
    FACETAG_RETURN_IF_ERROR(ForEachRow(faces, [&](const Statement& face) -> Result<void> {
      FaceRow face_row;
      face_row.id = face.ColumnInt64(0);
      face_row.photo = outcome.id;
      FACETAG_ASSIGN_OR_RETURN(std::tie(face_row.tag, face_row.status),
                               ReadDecision(face, 1, face_row.id));
      stored.emplace(face_row.id, std::move(face_row));
      return {};
    }));
    FACETAG_ASSIGN_OR_RETURN(
        Statement rejected,
        Statement::Prepare(db_,
                           "SELECT r.face_id, count(*) FROM face_rejections AS r"
                           " JOIN faces AS f ON f.id = r.face_id WHERE f.photo_id = ?1"
                           " GROUP BY r.face_id"));
    rejected.Bind(1, std::int64_t{outcome.id});
    FACETAG_RETURN_IF_ERROR(ForEachRow(rejected, [&](const Statement& r) -> Result<void> {
      rejections[r.ColumnInt64(0)] = static_cast<int>(r.ColumnInt64(1));
      return {};
    }));
  }

  FACETAG_ASSIGN_OR_RETURN(
      Statement update,
      Statement::Prepare(
          db_,
          "UPDATE faces SET person_id = ?1, similarity = ?2, decision = ?3, by_mention = ?4,"
          " tag_status = ?5, updated_at = ?6, position = ?7, box_x = ?8, box_y = ?9,"
          " box_width = ?10, box_height = ?11, detection_score = ?12, landmarks = ?13,"
          " model_id = ?14, dimension = ?15, embedding = ?16, quality_score = ?17,"
          " quality_issue = ?18 WHERE id = ?19"));
  std::set<FaceId> continued;
  for (std::size_t n = 0; n < photo.faces.size(); ++n) {
    const NewFace& face = photo.faces[n];
    if (!face.continues) {
      FACETAG_RETURN_IF_ERROR(InsertFace(outcome.id, n, face, now));
      continue;
    }
    if (!stored.count(*face.continues) || !continued.insert(*face.continues).second) {
      return Fail(ErrorCode::kInvalidArgument,
                  "face " + std::to_string(n) + " continues face " +
                      std::to_string(*face.continues) +
                      ", which is not a face of this photo or is continued twice");
    }
    update.Reset();
    BindDecision(update, 1, face.tag, face.status, now);
    update.Bind(7, static_cast<std::int64_t>(n));
    BindDetection(update, 8, face.detected);
    FACETAG_RETURN_IF_ERROR(update.Bind(19, std::int64_t{*face.continues}).Run());
  }
  FACETAG_ASSIGN_OR_RETURN(Statement remove,
                           Statement::Prepare(db_, "DELETE FROM faces WHERE id = ?1"));
  for (const auto& [id, face_row] : stored) {
    if (continued.count(id)) continue;
    ++outcome.deleted_faces;
    const auto rejected = rejections.find(id);
    if (face_row.status == TagStatus::kConfirmed || rejected != rejections.end()) {
      Json entry = FaceRowJson(face_row);
      entry["face"] = id;
      entry["rejections"] = rejected == rejections.end() ? 0 : rejected->second;
      dropped.push_back(std::move(entry));
    }
    remove.Reset();
    FACETAG_RETURN_IF_ERROR(remove.Bind(1, std::int64_t{id}).Run());
  }
  if (existing) {
    FACETAG_ASSIGN_OR_RETURN(Statement clear_mentions,
                             Statement::Prepare(db_, "DELETE FROM mentions WHERE photo_id = ?1"));
    FACETAG_RETURN_IF_ERROR(clear_mentions.Bind(1, std::int64_t{outcome.id}).Run());
  }
  FACETAG_RETURN_IF_ERROR(InsertMentions(outcome.id, photo.mentions));

  const Json details = {{"photo", outcome.id},
                        {"sha256", row.sha256},
                        {"added", outcome.added},
                        {"faces", photo.faces.size()},
                        {"deleted_faces", outcome.deleted_faces},
                        {"dropped_decisions", dropped},
                        // The caption or other text of the file changed.
                        {"text_changed", existing && !existing->text_sha256.empty() &&
                                             existing->text_sha256 != photo.info.text_sha256}};
  FACETAG_RETURN_IF_ERROR(InsertAudit({std::string(actor), "photo.replace",
                                       "photo:" + std::to_string(outcome.id), details.dump()}));
  FACETAG_RETURN_IF_ERROR(transaction.Commit());
  return outcome;
}

Result<StoredPhoto> SqliteArchive::GetPhotoLocked(PhotoId id) {
  // One snapshot for the photo, its faces and its mentions.
  FACETAG_ASSIGN_OR_RETURN(auto transaction, Transaction::Begin(db_, Transaction::Kind::kDeferred));
  FACETAG_ASSIGN_OR_RETURN(
      auto statement,
      Statement::Prepare(db_, "SELECT " + std::string(kPhotoColumns) +
                                  ", names_version, names_written FROM photos WHERE id = ?1"));
  FACETAG_ASSIGN_OR_RETURN(auto found, statement.Bind(1, std::int64_t{id}).Step());
  if (!found) return Fail(ErrorCode::kNotFound, "no photo with id " + std::to_string(id));
  StoredPhoto photo;
  photo.id = id;
  PhotoInfo& info = photo.info;
  info.sha256 = statement.ColumnText(0);
  info.location = statement.ColumnText(1);
  info.size_bytes = static_cast<std::uint64_t>(statement.ColumnInt64(2));
  info.width = static_cast<int>(statement.ColumnInt64(3));
  info.height = static_cast<int>(statement.ColumnInt64(4));
  info.exif_orientation = static_cast<int>(statement.ColumnInt64(5));
  info.caption = statement.ColumnText(6);
  info.caption_source = statement.ColumnText(7);
  info.headline = statement.ColumnText(8);
  FACETAG_ASSIGN_OR_RETURN(auto keywords, ParseKeywords(statement.ColumnText(9), id));
  info.keywords = std::move(keywords);
  info.date_created = statement.ColumnText(10);
  photo.ingested_at = statement.ColumnText(11);
  info.text_sha256 = statement.ColumnText(16);
  photo.names_version = statement.ColumnInt64(17);
  if (!statement.ColumnIsNull(18)) photo.names_written = statement.ColumnInt64(18);
  if (statement.ColumnText(12) != "ok") {
    info.failure = Error{ParseErrorCode(statement.ColumnText(13)).value_or(ErrorCode::kInternal),
                         statement.ColumnText(14)};
  }

  FACETAG_ASSIGN_OR_RETURN(
      auto faces,
      Statement::Prepare(
          db_,
          "SELECT id, box_x, box_y, box_width, box_height, detection_score, landmarks, model_id,"
          " dimension, embedding, person_id, similarity, decision, by_mention, tag_status, "
          "updated_at,"
          " quality_score, quality_issue FROM faces WHERE photo_id = ?1 ORDER BY position, id"));
  faces.Bind(1, std::int64_t{id});
  std::unordered_map<FaceId, std::size_t> face_index;
  FACETAG_RETURN_IF_ERROR(ForEachRow(faces, [&](const Statement& row) -> Result<void> {
    StoredFace face;
    face.id = row.ColumnInt64(0);
    face.photo = id;
    DetectedFace& detected = face.detected;
    row.ReadColumns(1, detected.box.x, detected.box.y, detected.box.width, detected.box.height,
                    detected.detection_score);
    const auto landmarks = row.ColumnBlob(6);
    const std::int64_t dimension = row.ColumnInt64(8);
    const auto embedding = row.ColumnBlob(9);
    // The schema's CHECKs guarantee both; a file edited by other tools may not.
    if (landmarks.size() != kLandmarkValues * 4 || dimension <= 0 ||
        embedding.size() != static_cast<std::uint64_t>(dimension) * 4) {
      return Fail(ErrorCode::kDatabase,
                  "face " + std::to_string(face.id) + " has damaged landmarks or embedding");
    }
    detected.landmarks = DecodeLandmarks(landmarks);
    detected.embedding.model_id = row.ColumnText(7);
    detected.embedding.values = DecodeFloats(embedding);
    FACETAG_ASSIGN_OR_RETURN(auto decision, ReadDecision(row, 10, face.id));
    std::tie(face.tag, face.status) = decision;
    face.updated_at = row.ColumnText(15);
    FACETAG_ASSIGN_OR_RETURN(detected.quality, ReadQuality(row, 16, face.id));
    face_index.emplace(face.id, photo.faces.size());
    photo.faces.push_back(std::move(face));
    return {};
  }));

  FACETAG_ASSIGN_OR_RETURN(
      auto rejections,
      Statement::Prepare(db_,
                         "SELECT r.face_id, r.person_id FROM face_rejections AS r JOIN faces AS f "
                         "ON f.id = r.face_id"
                         " WHERE f.photo_id = ?1 ORDER BY r.face_id, r.person_id"));
  rejections.Bind(1, std::int64_t{id});
  FACETAG_RETURN_IF_ERROR(ForEachRow(rejections, [&](const Statement& row) -> Result<void> {
    const auto it = face_index.find(row.ColumnInt64(0));
    if (it != face_index.end()) photo.faces[it->second].rejected.push_back(row.ColumnInt64(1));
    return {};
  }));

  FACETAG_ASSIGN_OR_RETURN(
      auto mentions,
      Statement::Prepare(
          db_,
          "SELECT person_id, span_begin, span_end, text, kind FROM mentions WHERE photo_id = ?1"
          " ORDER BY span_begin, id"));
  mentions.Bind(1, std::int64_t{id});
  FACETAG_RETURN_IF_ERROR(ForEachRow(mentions, [&](const Statement& row) -> Result<void> {
    photo.mentions.push_back({row.ColumnInt64(0), static_cast<std::size_t>(row.ColumnInt64(1)),
                              static_cast<std::size_t>(row.ColumnInt64(2)), row.ColumnText(3),
                              row.ColumnText(4)});
    return {};
  }));
  return photo;
}

Result<void> SqliteArchive::ReplaceMentionsLocked(PhotoId photo,
                                                  const std::vector<PhotoMention>& mentions) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  FACETAG_ASSIGN_OR_RETURN(auto transaction,
                           Transaction::Begin(db_, Transaction::Kind::kImmediate));
  FACETAG_ASSIGN_OR_RETURN(
      auto caption, Statement::Prepare(db_, "SELECT caption, status FROM photos WHERE id = ?1"));
  FACETAG_ASSIGN_OR_RETURN(auto found, caption.Bind(1, std::int64_t{photo}).Step());
  if (!found) return Fail(ErrorCode::kNotFound, "no photo with id " + std::to_string(photo));
  if (caption.ColumnText(1) != "ok" && !mentions.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "photo " + std::to_string(photo) + " failed to ingest and cannot have mentions");
  }
  FACETAG_RETURN_IF_ERROR(CheckMentions(mentions, caption.ColumnText(0)));
  std::vector<PersonId> persons;
  for (const PhotoMention& mention : mentions) persons.push_back(mention.person);
  FACETAG_RETURN_IF_ERROR(CheckPersonsExist(persons));
  FACETAG_ASSIGN_OR_RETURN(auto clear,
                           Statement::Prepare(db_, "DELETE FROM mentions WHERE photo_id = ?1"));
  FACETAG_RETURN_IF_ERROR(clear.Bind(1, std::int64_t{photo}).Run());
  FACETAG_RETURN_IF_ERROR(InsertMentions(photo, mentions));
  return transaction.Commit();
}

}  // namespace facetag::store
