// The SQLite implementation of facetag::Archive (include/facetag/archive.h),
// part of the SQLite store: it uses the store's connection and lock, and the
// schema of migration 2 (sqlite_migrations.cc).
#pragma once

#include <sqlite3.h>

#include <functional>
#include "facetag/thread_annotations.h"
#include <string>
#include <string_view>
#include <vector>

#include "facetag/archive.h"

namespace facetag::store {

// A photo that passed validation, with the columns derived from it.
struct PhotoRow {
  const NewPhoto* photo = nullptr;
  std::string sha256;         // lowercase
  std::string keywords_json;  // JSON array
  std::string text_folded;    // see photos.text_folded
};

// The decision columns of one stored face.
struct FaceRow {
  FaceId id = 0;
  PhotoId photo = 0;
  FaceTag tag;
  TagStatus status = TagStatus::kAutomatic;
};

// Thread-safe: every call holds `mutex`, the lock of the owning store, for
// its whole duration. The connection and the mutex must outlive the object.
class SqliteArchive final : public Archive {
 public:
  // `name` (the database path) is used in error messages; `read_only`
  // makes every write fail with kDatabase.
  // `now` stamps records (UTC ISO 8601); empty: the system clock.
  SqliteArchive(sqlite3* db, Mutex& mutex, std::string name, bool read_only,
                std::function<std::string()> now = {});

  Result<PhotoId> AddPhoto(const NewPhoto& photo) override;
  Result<ReplaceOutcome> ReplacePhoto(const NewPhoto& photo, std::string_view actor) override;
  Result<bool> HasPhoto(std::string_view sha256) override;
  Result<PhotoId> PhotoOfFace(FaceId face) override;
  Result<std::optional<PhotoState>> FindPhoto(std::string_view sha256) override;
  Result<StoredPhoto> GetPhoto(PhotoId id) override;
  Result<std::int64_t> CountPhotos() override;
  Result<ArchiveCounts> Counts() override;
  Result<void> ReplaceMentions(PhotoId photo, const std::vector<PhotoMention>& mentions) override;
  Result<CaptionPage> CaptionsAfter(PhotoId after, int limit) override;
  Result<void> MarkNamesWritten(PhotoId photo, std::int64_t version) override;
  Result<std::vector<PhotoId>> PhotosWithUnwrittenNames(PhotoId after, int limit) override;
  Result<FacePage> FacesForModel(std::string_view model_id, FaceId after, int limit) override;
  Result<ApplyOutcome> ApplyDecisions(const std::vector<DecisionUpdate>& updates) override;
  Result<std::vector<FaceSummary>> ListFaces(const FaceQuery& query) override;
  Result<void> RecordReview(const ReviewRecord& review) override;
  Result<std::vector<SearchHit>> Search(const SearchQuery& query) override;
  Result<AuditId> AppendAudit(const AuditRecord& record) override;
  Result<std::vector<AuditEntry>> ListAudit(const AuditQuery& query) override;

 private:
  Result<void> CheckWritable() const;
  Result<void> CheckPersonsExist(const std::vector<PersonId>& persons);
  Result<void> CheckModelDimensions(const std::vector<NewFace>& faces);
  Result<void> CheckPhotoReferences(const NewPhoto& photo);
  Result<std::optional<PhotoState>> FindPhotoLocked(const std::string& sha256);
  Result<PhotoId> InsertPhotoRow(const PhotoRow& photo, const std::string& now);
  Result<void> UpdatePhotoRow(PhotoId id, const PhotoRow& photo, const std::string& now);
  Result<void> InsertFace(PhotoId photo, std::size_t position, const NewFace& face,
                          const std::string& now);
  Result<void> InsertMentions(PhotoId photo, const std::vector<PhotoMention>& mentions);
  Result<PhotoId> AddPhotoLocked(const NewPhoto& photo);
  Result<ReplaceOutcome> ReplacePhotoLocked(const NewPhoto& photo, std::string_view actor);
  Result<StoredPhoto> GetPhotoLocked(PhotoId id);
  Result<void> ReplaceMentionsLocked(PhotoId photo, const std::vector<PhotoMention>& mentions);
  Result<FacePage> FacesForModelLocked(const std::string& model_id, FaceId after, int limit);
  Result<ApplyOutcome> ApplyDecisionsLocked(const std::vector<DecisionUpdate>& updates);
  Result<void> RecordReviewLocked(const ReviewRecord& review);
  Result<std::vector<SearchHit>> SearchLocked(const SearchQuery& query);
  Result<AuditId> InsertAudit(const AuditRecord& record);
  Result<std::vector<AuditEntry>> ListAuditLocked(const AuditQuery& query);

  sqlite3* const db_;
  Mutex& mutex_;  // the store's lock: held for every use of db_
  const std::string name_;
  const bool read_only_;
  const std::function<std::string()> now_;
};

}  // namespace facetag::store
