// The SQLite store's profiles: the embeddings a person is recognised by.

#include <cmath>
#include <utility>

#include "name_key.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"
#include "sqlite_store.h"

namespace facetag::store {
namespace {

constexpr std::string_view kSelectProfile =
    "SELECT id, person_id, model_id, dimension, embedding, photo_sha256,"
    " box_x, box_y, box_width, box_height, created_at FROM profiles";

Result<std::vector<Profile>> ReadProfiles(Statement& statement) {
  std::vector<Profile> profiles;
  for (;;) {
    FACETAG_ASSIGN_OR_RETURN(auto row, statement.Step());
    if (!row) break;
    Profile profile;
    profile.id = statement.ColumnInt64(0);
    profile.person_id = statement.ColumnInt64(1);
    profile.embedding.model_id = statement.ColumnText(2);
    const std::int64_t dimension = statement.ColumnInt64(3);
    const auto blob = statement.ColumnBlob(4);
    // The schema's CHECK guarantees this; a file edited by other tools may not.
    if (dimension <= 0 || blob.size() != static_cast<std::uint64_t>(dimension) * 4) {
      return Fail(ErrorCode::kDatabase, "profile " + std::to_string(profile.id) +
                                            " has a damaged embedding (" +
                                            std::to_string(blob.size()) + " bytes for " +
                                            std::to_string(dimension) + " values)");
    }
    profile.embedding.values = store::DecodeFloats(blob);
    profile.photo_sha256 = statement.ColumnText(5);
    statement.ReadColumns(6, profile.box.x, profile.box.y, profile.box.width, profile.box.height);
    profile.created_at = statement.ColumnText(10);
    profiles.push_back(std::move(profile));
  }
  return profiles;
}

}  // namespace

Result<ProfileId> SqliteStore::AddProfile(const Profile& profile, std::string_view actor) {
  return Fenced("AddProfile", [&]() -> Result<ProfileId> {
    MutexLock lock(mutex_);
    return AddProfileLocked(profile, Actor(actor));
  });
}

Result<std::vector<Profile>> SqliteStore::ProfilesOf(PersonId id) {
  return Fenced("ProfilesOf", [&]() -> Result<std::vector<Profile>> {
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db(), Transaction::Kind::kDeferred));
    FACETAG_RETURN_IF_ERROR(CheckPersonExists(id));
    FACETAG_ASSIGN_OR_RETURN(auto statement,
                             Statement::Prepare(db(), std::string(kSelectProfile) +
                                                          " WHERE person_id = ?1 ORDER BY id"));
    statement.Bind(1, std::int64_t{id});
    return ReadProfiles(statement);
  });
}

Result<std::vector<Profile>> SqliteStore::ProfilesForModel(const std::string& model_id) {
  return Fenced("ProfilesForModel", [&]() -> Result<std::vector<Profile>> {
    if (model_id.empty()) return Fail(ErrorCode::kInvalidArgument, "empty model id");
    MutexLock lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(
        auto statement,
        Statement::Prepare(db(), std::string(kSelectProfile) + " WHERE model_id = ?1 ORDER BY id"));
    statement.Bind(1, std::string_view(model_id));
    return ReadProfiles(statement);
  });
}

Result<void> SqliteStore::RemoveProfile(ProfileId id, std::string_view actor) {
  return Fenced("RemoveProfile", [&]() -> Result<void> {
    MutexLock lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(auto transaction,
                             Transaction::Begin(db(), Transaction::Kind::kImmediate));
    FACETAG_ASSIGN_OR_RETURN(
        auto owner, Statement::Prepare(db(), "SELECT person_id FROM profiles WHERE id = ?1"));
    FACETAG_ASSIGN_OR_RETURN(auto row, owner.Bind(1, std::int64_t{id}).Step());
    if (!row) return Fail(ErrorCode::kNotFound, "no profile with id " + std::to_string(id));
    const PersonId person = owner.ColumnInt64(0);
    FACETAG_RETURN_IF_ERROR(DeleteById("DELETE FROM profiles WHERE id = ?1", id, "profile"));
    FACETAG_RETURN_IF_ERROR(Audit(Actor(actor), "profile.remove",
                                  "person:" + std::to_string(person), {{"profile", id}}));
    return transaction.Commit();
  });
}

Result<ProfileId> SqliteStore::AddProfileLocked(const Profile& profile, const std::string& actor) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  const Embedding& embedding = profile.embedding;
  if (embedding.model_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "the profile's embedding has no model id");
  }
  if (!store::IsValidUtf8(embedding.model_id)) {
    return Fail(ErrorCode::kInvalidArgument, "the model id is not valid UTF-8");
  }
  if (embedding.values.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "the profile's embedding is empty");
  }
  for (std::size_t i = 0; i < embedding.values.size(); ++i) {
    if (!std::isfinite(embedding.values[i])) {
      return Fail(ErrorCode::kInvalidArgument,
                  "embedding value " + std::to_string(i) + " is not finite");
    }
  }
  // SQLite stores a NaN REAL as NULL, which the schema refuses anyway.
  const FaceBox& box = profile.box;
  if (!std::isfinite(box.x) || !std::isfinite(box.y) || !std::isfinite(box.width) ||
      !std::isfinite(box.height) || box.width < 0 || box.height < 0) {
    return Fail(ErrorCode::kInvalidArgument, "the face box is not finite or has a negative size");
  }
  if (!profile.photo_sha256.empty() && !IsHexSha256(profile.photo_sha256)) {
    return Fail(ErrorCode::kInvalidArgument,
                "photo_sha256 \"" + profile.photo_sha256 + "\" is not 64 hex digits");
  }
  const std::string photo_sha256 = AsciiLower(profile.photo_sha256);

  FACETAG_ASSIGN_OR_RETURN(auto transaction,
                           Transaction::Begin(db(), Transaction::Kind::kImmediate));
  FACETAG_RETURN_IF_ERROR(CheckPersonExists(profile.person_id));
  // A matcher is built from all profiles of one model; a vector of another
  // length would make every comparison meaningless.
  const auto size = static_cast<std::int64_t>(embedding.values.size());
  FACETAG_ASSIGN_OR_RETURN(auto dimension, DimensionOfModel(embedding.model_id));
  if (dimension && *dimension != size) {
    return Fail(ErrorCode::kInvalidArgument,
                "model " + embedding.model_id + " has profiles of " + std::to_string(*dimension) +
                    " values; this embedding has " + std::to_string(size));
  }

  FACETAG_ASSIGN_OR_RETURN(
      auto insert,
      Statement::Prepare(
          db(),
          "INSERT INTO profiles (person_id, model_id, dimension, embedding, photo_sha256,"
          " box_x, box_y, box_width, box_height, created_at)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  const std::vector<unsigned char> blob = store::EncodeFloats(embedding.values);
  const std::string created_at = store::FormatUtc(clock_());
  insert.Bind(1, std::int64_t{profile.person_id})
      .Bind(2, std::string_view(embedding.model_id))
      .Bind(3, size)
      .BindBlob(4, blob)
      .Bind(5, std::string_view(photo_sha256))
      .Bind(6, double{box.x})
      .Bind(7, double{box.y})
      .Bind(8, double{box.width})
      .Bind(9, double{box.height})
      .Bind(10, std::string_view(created_at));
  FACETAG_RETURN_IF_ERROR(insert.Run());
  const ProfileId id = sqlite3_last_insert_rowid(db());
  FACETAG_RETURN_IF_ERROR(
      Audit(actor, "profile.add", "person:" + std::to_string(profile.person_id),
            {{"profile", id}, {"model", embedding.model_id}, {"photo_sha256", photo_sha256}}));
  FACETAG_RETURN_IF_ERROR(transaction.Commit());
  return id;
}

// The length of the embeddings stored for `model_id`; none if it has none.
Result<std::optional<std::int64_t>> SqliteStore::DimensionOfModel(const std::string& model_id) {
  FACETAG_ASSIGN_OR_RETURN(
      auto statement,
      Statement::Prepare(db(), "SELECT dimension FROM profiles WHERE model_id = ?1 LIMIT 1"));
  FACETAG_ASSIGN_OR_RETURN(auto row, statement.Bind(1, std::string_view(model_id)).Step());
  if (!row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(statement.ColumnInt64(0));
}
}  // namespace facetag::store
