// Tests of the SQLite archive (facetag/archive.h) on real database files in
// a temporary folder: photos, faces, decisions, reviews, the audit log.
#include "sqlite_archive_test_fixture.h"

namespace facetag {
namespace {

using namespace archive_test;  // the fixture and its helpers
namespace fs = std::filesystem;
TEST_F(ArchiveTest, MigratesAVersionOneDatabaseAndKeepsPersonsAndProfiles) {
  // A database as the build with only migration 1 left it, with data.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const std::string v1 =
        std::string("BEGIN;") + store::SqliteMigrations()[0].sql +
        "PRAGMA application_id = " + std::to_string(store::kFacetagApplicationId) +
        "; PRAGMA user_version = 1;"
        "INSERT INTO persons (uri, name, name_key, notes, created_at) VALUES"
        " ('urn:uuid:00000000-0000-4000-8000-000000000001', 'Thomas Müller',"
        "  'thomas muller', 'footballer', '2024-01-01T00:00:00Z');"
        "INSERT INTO person_aliases (person_id, alias, alias_key)"
        " VALUES (1, 'Raumdeuter', 'raumdeuter');"
        "INSERT INTO profiles (person_id, model_id, dimension, embedding,"
        " photo_sha256, box_x, box_y, box_width, box_height, created_at)"
        " VALUES (1, 'test-model', 2, x'0000803f000000bf', '', 1, 2, 3, 4,"
        " '2024-01-01T00:00:00Z');"
        "COMMIT;";
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_close(db);
  }
  ASSERT_EQ(RawSql("PRAGMA user_version"), "1");

  Archive& archive = OpenArchive();
  EXPECT_EQ(store_->SchemaVersion(), kLatestVersion);
  EXPECT_GE(kLatestVersion, 2);
  EXPECT_EQ(RawSql("PRAGMA user_version"), std::to_string(kLatestVersion));
  auto person = store_->FindPerson("raumdeuter");
  ASSERT_TRUE(person) << person.error().message;
  EXPECT_EQ(person->name, "Thomas Müller");
  EXPECT_EQ(person->uri, "urn:uuid:00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(person->justification, "footballer");
  auto profiles = store_->ProfilesOf(person->id);
  ASSERT_TRUE(profiles);
  ASSERT_EQ(profiles->size(), 1u);
  EXPECT_EQ((*profiles)[0].embedding.values, (std::vector<float>{1.0f, -0.5f}));

  // The archive works on the migrated file, and its embeddings must agree
  // in length with the profiles already stored for the model.
  NewPhoto photo = MakePhoto(1, "Thomas Müller scores");
  photo.faces.push_back(MakeFace({10, 10, 50, 50}, Named(person->id, 0.7f), 1, 2));
  const PhotoId id = Add(archive, photo);
  EXPECT_EQ(Get(archive, id).faces.size(), 1u);
  NewPhoto longer = MakePhoto(2);
  longer.faces.push_back(MakeFace({10, 10, 50, 50}, Unknown(), 1, 3));
  auto refused = archive.AddPhoto(longer);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(TextSearch(archive, "raumdeuter"), std::vector<PhotoId>{id});
  ExpectTextIndexConsistent();
}

// ---------------------------------------------------------------------------
// Photos

TEST_F(ArchiveTest, AddPhotoStoresEverythingAndGetPhotoReadsItBack) {
  Archive& archive = OpenArchive();
  const PersonId rutte = AddPerson("Mark Rutte");
  const PersonId macron = AddPerson("Emmanuel Macron");

  NewPhoto photo =
      MakePhoto(7, "Mark Rutte meets Emmanuel Macron in The Hague", "2023-06-01T10:15:00+02:00");
  photo.info.sha256 = std::string(64, 'A');  // upper case is accepted, stored lower
  photo.info.exif_orientation = 6;
  photo.info.headline = "Élysée talks";
  photo.info.keywords = {"politics", "Den Haag", "Zürich \"quoted\""};
  photo.faces.push_back(MakeFace({100.5f, 50.25f, 80, 96}, Named(rutte, 0.71f), 1, 8));
  photo.faces.push_back(MakeFace({400, 60, 70, 90}, Unknown(0.31f), 2, 8));
  photo.faces.push_back(MakeFace(
      {600, 60, 70, 90}, FaceTag{std::nullopt, 0.5f, FaceDecision::kAmbiguous, false}, 3, 8));
  photo.faces[0].detected.embedding.values[3] = -0.0f;  // bit-exact round trip
  photo.mentions.push_back(MentionOf(photo, rutte, "Mark Rutte"));
  photo.mentions.push_back(MentionOf(photo, macron, "Emmanuel Macron"));
  const PhotoId id = Add(archive, photo);
  ASSERT_GT(id, 0);

  const StoredPhoto stored = Get(archive, id);
  EXPECT_EQ(stored.id, id);
  EXPECT_EQ(stored.info.sha256, std::string(64, 'a'));
  EXPECT_EQ(stored.info.location, photo.info.location);
  EXPECT_EQ(stored.info.size_bytes, photo.info.size_bytes);
  EXPECT_EQ(stored.info.width, 1024);
  EXPECT_EQ(stored.info.height, 768);
  EXPECT_EQ(stored.info.exif_orientation, 6);
  EXPECT_EQ(stored.info.caption, photo.info.caption);
  EXPECT_EQ(stored.info.caption_source, "iptc");
  EXPECT_EQ(stored.info.headline, "Élysée talks");
  EXPECT_EQ(stored.info.keywords, photo.info.keywords);
  EXPECT_EQ(stored.info.date_created, "2023-06-01T10:15:00+02:00");
  EXPECT_FALSE(stored.info.failure);
  EXPECT_FALSE(stored.ingested_at.empty());

  ASSERT_EQ(stored.faces.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const StoredFace& face = stored.faces[i];
    const NewFace& given = photo.faces[i];
    EXPECT_GT(face.id, 0);
    EXPECT_EQ(face.photo, id);
    EXPECT_EQ(face.detected.box.x, given.detected.box.x);
    EXPECT_EQ(face.detected.box.width, given.detected.box.width);
    EXPECT_EQ(face.detected.detection_score, given.detected.detection_score);
    EXPECT_EQ(face.detected.landmarks[67].x, given.detected.landmarks[67].x);
    EXPECT_EQ(face.detected.landmarks[67].y, given.detected.landmarks[67].y);
    EXPECT_EQ(face.detected.embedding.model_id, kModel);
    ASSERT_EQ(face.detected.embedding.values.size(), given.detected.embedding.values.size());
    EXPECT_EQ(
        std::memcmp(face.detected.embedding.values.data(), given.detected.embedding.values.data(),
                    given.detected.embedding.values.size() * sizeof(float)),
        0);
    EXPECT_EQ(face.tag.person, given.tag.person);
    EXPECT_EQ(face.tag.similarity, given.tag.similarity);
    EXPECT_EQ(face.tag.decision, given.tag.decision);
    EXPECT_EQ(face.status, TagStatus::kAutomatic);
    EXPECT_TRUE(face.rejected.empty());
  }
  EXPECT_TRUE(std::signbit(stored.faces[0].detected.embedding.values[3]));
  ASSERT_EQ(stored.mentions.size(), 2u);
  EXPECT_EQ(stored.mentions[0].person, rutte);
  EXPECT_EQ(stored.mentions[0].begin, 0u);
  EXPECT_EQ(stored.mentions[0].text, "Mark Rutte");
  EXPECT_EQ(stored.mentions[1].person, macron);
  EXPECT_EQ(stored.mentions[1].kind, "full_name");

  auto has = archive.HasPhoto(std::string(64, 'a'));
  ASSERT_TRUE(has);
  EXPECT_TRUE(*has);
  auto has_not = archive.HasPhoto(Sha(8));
  ASSERT_TRUE(has_not);
  EXPECT_FALSE(*has_not);
  auto state = archive.FindPhoto(std::string(64, 'A'));
  ASSERT_TRUE(state && *state);
  EXPECT_EQ((*state)->id, id);
  EXPECT_FALSE((*state)->failure);
  EXPECT_EQ(archive.HasPhoto("not a hash").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(archive.GetPhoto(id + 100).error().code, ErrorCode::kNotFound);

  auto count = archive.CountPhotos();
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 1);
  auto counts = archive.Counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->photos, 1);
  EXPECT_EQ(counts->failed_photos, 0);
  EXPECT_EQ(counts->faces, 3);
  EXPECT_EQ(counts->tagged_faces, 1);
  EXPECT_EQ(counts->mentions, 2);
  ExpectTextIndexConsistent();
}

// HasPhoto on a million photos must be an index search, not a scan.
TEST_F(ArchiveTest, HashLookupUsesTheUniqueIndex) {
  OpenArchive();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  std::string plan;
  sqlite3_exec(
      db, "EXPLAIN QUERY PLAN SELECT id FROM photos WHERE sha256 = 'x'",
      [](void* out, int columns, char** values, char**) {
        *static_cast<std::string*>(out) += values[columns - 1];
        return 0;
      },
      &plan, nullptr);
  sqlite3_close(db);
  EXPECT_NE(plan.find("INDEX"), std::string::npos) << plan;
  EXPECT_NE(plan.find("(sha256=?)"), std::string::npos) << plan;
}

TEST_F(ArchiveTest, DuplicateHashIsAlreadyExistsAndChangesNothing) {
  Archive& archive = OpenArchive();
  const PhotoId id = Add(archive, MakePhoto(1, "first"));
  NewPhoto again = MakePhoto(1, "second caption");
  again.info.location = "/elsewhere/copy.jpg";
  again.faces.push_back(MakeFace({1, 1, 10, 10}));
  auto duplicate = archive.AddPhoto(again);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(duplicate.error().message.find(Sha(1)), std::string::npos);
  const StoredPhoto stored = Get(archive, id);
  EXPECT_EQ(stored.info.caption, "first");
  EXPECT_TRUE(stored.faces.empty());
  EXPECT_EQ(*archive.CountPhotos(), 1);
}

TEST_F(ArchiveTest, FailedPhotoIsRememberedWithItsErrorAndNeverFound) {
  Archive& archive = OpenArchive();
  NewPhoto bad = MakePhoto(3, "a caption that was read before decoding failed");
  bad.info.failure = Error{ErrorCode::kCorruptImage, "JPEG data ends after 1200 of 52000 bytes"};
  const PhotoId id = Add(archive, bad);
  auto state = archive.FindPhoto(Sha(3));
  ASSERT_TRUE(state && *state);
  ASSERT_TRUE((*state)->failure);
  EXPECT_EQ((*state)->failure->code, ErrorCode::kCorruptImage);
  EXPECT_EQ((*state)->failure->message, "JPEG data ends after 1200 of 52000 bytes");
  EXPECT_TRUE(*archive.HasPhoto(Sha(3)));
  EXPECT_EQ(archive.Counts()->failed_photos, 1);
  EXPECT_TRUE(Get(archive, id).info.failure);
  EXPECT_TRUE(TextSearch(archive, "caption").empty());

  NewPhoto with_faces = MakePhoto(4);
  with_faces.info.failure = Error{ErrorCode::kCorruptImage, "bad"};
  with_faces.faces.push_back(MakeFace({1, 1, 10, 10}));
  EXPECT_EQ(archive.AddPhoto(with_faces).error().code, ErrorCode::kInvalidArgument);

  // --force retries it: the same row becomes a processed photo.
  NewPhoto good = MakePhoto(3, "a caption");
  good.faces.push_back(MakeFace({1, 1, 10, 10}));
  auto replaced = archive.ReplacePhoto(good, "ingest --force");
  ASSERT_TRUE(replaced) << replaced.error().message;
  EXPECT_EQ(replaced->id, id);
  EXPECT_FALSE(replaced->added);
  EXPECT_FALSE((*archive.FindPhoto(Sha(3)))->failure);
  EXPECT_EQ(TextSearch(archive, "caption"), std::vector<PhotoId>{id});
}

TEST_F(ArchiveTest, AddPhotoFailingMidwayLeavesNothing) {
  Archive& archive = OpenArchive();
  const PersonId rutte = AddPerson("Mark Rutte");
  NewPhoto photo = MakePhoto(1, "Mark Rutte in Brussels");
  photo.faces.push_back(MakeFace({0, 0, 10, 10}, Named(rutte, 0.8f), 1));
  photo.faces.push_back(MakeFace({20, 0, 10, 10}, Unknown(), 2));
  photo.faces.push_back(MakeFace({40, 0, 10, 10}, Unknown(), 3));
  photo.mentions.push_back(MentionOf(photo, rutte, "Mark Rutte"));

  // The database fails at the third face, after the photo row, the first
  // two faces and their full-text entries were written.
  RawSql(
      "CREATE TRIGGER fail_third_face BEFORE INSERT ON faces WHEN NEW.position = 2"
      " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  auto failed = archive.AddPhoto(photo);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kDatabase);
  EXPECT_NE(failed.error().message.find("injected failure"), std::string::npos);
  EXPECT_EQ(RawSql("SELECT count(*) FROM photos"), "0");
  EXPECT_EQ(RawSql("SELECT count(*) FROM faces"), "0");
  EXPECT_EQ(RawSql("SELECT count(*) FROM mentions"), "0");
  EXPECT_FALSE(*archive.HasPhoto(Sha(1)));
  EXPECT_TRUE(TextSearch(archive, "Brussels").empty());
  EXPECT_TRUE(TextSearch(archive, "Rutte").empty());
  ExpectTextIndexConsistent();

  // A person missing from the list fails before anything is written.
  NewPhoto orphan = photo;
  orphan.mentions[0].person = rutte + 99;
  RawSql("DROP TRIGGER fail_third_face");
  auto missing = archive.AddPhoto(orphan);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(RawSql("SELECT count(*) FROM photos"), "0");

  // The retry of the interrupted photo succeeds: nothing half-written blocks it.
  const PhotoId id = Add(archive, photo);
  EXPECT_EQ(Get(archive, id).faces.size(), 3u);
  EXPECT_EQ(TextSearch(archive, "Brussels"), std::vector<PhotoId>{id});
  ExpectTextIndexConsistent();
}

TEST_F(ArchiveTest, AddPhotoRefusesBadValues) {
  Archive& archive = OpenArchive();
  const PersonId rutte = AddPerson("Mark Rutte");
  Add(archive, [] {
    NewPhoto photo = MakePhoto(100);
    photo.faces.push_back(MakeFace({0, 0, 10, 10}, Unknown(), 1, 4));
    return photo;
  }());

  struct Case {
    const char* name;
    std::function<void(NewPhoto&)> spoil;
  };
  const std::vector<Case> cases = {
      {"short hash", [](NewPhoto& p) { p.info.sha256 = "abc"; }},
      {"non-hex hash", [](NewPhoto& p) { p.info.sha256 = std::string(64, 'g'); }},
      {"empty location", [](NewPhoto& p) { p.info.location.clear(); }},
      {"orientation 9", [](NewPhoto& p) { p.info.exif_orientation = 9; }},
      {"negative width", [](NewPhoto& p) { p.info.width = -1; }},
      {"caption not UTF-8", [](NewPhoto& p) { p.info.caption = "caf\xE9"; }},
      {"keyword not UTF-8",
       [](NewPhoto& p) {
         p.info.keywords = {"ok", "\xFF"};
       }},
      {"NaN box", [](NewPhoto& p) { p.faces[0].detected.box.x = std::nanf(""); }},
      {"negative box", [](NewPhoto& p) { p.faces[0].detected.box.width = -5; }},
      {"infinite landmark", [](NewPhoto& p) { p.faces[0].detected.landmarks[5].y = INFINITY; }},
      {"empty embedding", [](NewPhoto& p) { p.faces[0].detected.embedding.values.clear(); }},
      {"no model id", [](NewPhoto& p) { p.faces[0].detected.embedding.model_id.clear(); }},
      {"NaN embedding",
       [](NewPhoto& p) { p.faces[0].detected.embedding.values[1] = std::nanf(""); }},
      {"length differs from the model's stored faces",
       [](NewPhoto& p) { p.faces[0].detected.embedding.values.push_back(1); }},
      {"lengths differ within the photo",
       [](NewPhoto& p) {
         p.faces.push_back(p.faces[0]);
         p.faces[1].detected.embedding.values.pop_back();
       }},
      {"recognized without person",
       [](NewPhoto& p) { p.faces[0].tag.decision = FaceDecision::kRecognized; }},
      {"person without recognized",
       [rutte](NewPhoto& p) {
         p.faces[0].tag = FaceTag{rutte, 0.9f, FaceDecision::kAmbiguous};
       }},
      {"NaN similarity", [](NewPhoto& p) { p.faces[0].tag.similarity = std::nanf(""); }},
      {"mention outside the caption",
       [rutte](NewPhoto& p) {
         p.mentions = {{rutte, 5, 99, "Rutte", "surname"}};
       }},
      {"mention text differs",
       [rutte](NewPhoto& p) {
         p.mentions = {{rutte, 0, 4, "Rutt", "full_name"}};
       }},
      {"mention without kind",
       [rutte](NewPhoto& p) {
         p.mentions = {{rutte, 0, 10, "Mark Rutte", ""}};
       }},
  };
  NewPhoto valid = MakePhoto(1, "Mark Rutte speaks");
  valid.faces.push_back(MakeFace({0, 0, 10, 10}, Unknown(), 1, 4));
  valid.mentions.push_back(MentionOf(valid, rutte, "Mark Rutte"));
  Add(archive, valid);
  for (const Case& c : cases) {
    NewPhoto photo = valid;
    photo.info.sha256 = Sha(2);
    c.spoil(photo);
    auto result = archive.AddPhoto(photo);
    ASSERT_FALSE(result) << c.name;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument)
        << c.name << ": " << result.error().message;
  }
  EXPECT_EQ(*archive.CountPhotos(), 2);  // photo 100 and the valid photo
}

// ---------------------------------------------------------------------------
// Replacing a photo (--force)

TEST_F(ArchiveTest, ReplacePhotoContinuesTheFacesItIsToldToAndDropsTheOthers) {
  Archive& archive = OpenArchive();
  const PersonId rutte = AddPerson("Mark Rutte");
  const PersonId macron = AddPerson("Emmanuel Macron");
  const PersonId scholz = AddPerson("Olaf Scholz");
  NewPhoto photo = MakePhoto(1, "Rutte, Macron and Scholz");
  photo.faces.push_back(MakeFace({100, 100, 100, 100}, Named(rutte, 0.6f), 1));
  photo.faces.push_back(MakeFace({300, 100, 100, 100}, Named(macron, 0.5f), 2));
  photo.faces.push_back(MakeFace({500, 100, 100, 100}, Named(scholz, 0.7f), 3));
  photo.faces.push_back(MakeFace({700, 100, 100, 100}, Unknown(0.2f), 4));
  const PhotoId id = Add(archive, photo);
  const StoredPhoto before = Get(archive, id);
  ASSERT_TRUE(Confirm(archive, before.faces[0].id, rutte, "editor"));
  ASSERT_TRUE(Reject(archive, before.faces[1].id, macron, "editor"));
  ASSERT_TRUE(Confirm(archive, before.faces[2].id, scholz, "editor"));

  // The caller decided: new face 0 continues old face 1, new face 1 old
  // face 0 (confirmed), new face 3 old face 3; new face 2 is new; old face 2
  // is not found again.
  NewPhoto again = MakePhoto(1, "Rutte, Macron and Scholz (re-read)");
  again.faces.push_back(MakeFace({305, 105, 100, 100}, Unknown(0.55f), 12));
  again.faces.back().status = TagStatus::kRejected;
  again.faces.back().continues = before.faces[1].id;
  again.faces.push_back(MakeFace({110, 95, 100, 100}, Named(rutte, 0.6f), 11));
  again.faces.back().status = TagStatus::kConfirmed;
  again.faces.back().continues = before.faces[0].id;
  again.faces.push_back(MakeFace({900, 100, 100, 100}, Unknown(0.1f), 15));
  again.faces.push_back(MakeFace({690, 100, 100, 100}, Named(scholz, 0.65f), 14));
  again.faces.back().continues = before.faces[3].id;
  auto outcome = archive.ReplacePhoto(again, "ingest --force");
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->id, id);
  EXPECT_FALSE(outcome->added);
  EXPECT_EQ(outcome->deleted_faces, 1);

  const StoredPhoto after = Get(archive, id);
  EXPECT_EQ(after.info.caption, "Rutte, Macron and Scholz (re-read)");
  ASSERT_EQ(after.faces.size(), 4u);  // in the new detection order
  EXPECT_EQ(after.faces[0].id, before.faces[1].id);
  EXPECT_EQ(after.faces[0].detected.box.x, 305);
  EXPECT_EQ(after.faces[0].status, TagStatus::kRejected);
  EXPECT_EQ(after.faces[0].rejected, std::vector<PersonId>{macron});  // the rejection stays
  EXPECT_EQ(after.faces[1].id, before.faces[0].id);
  EXPECT_EQ(after.faces[1].tag.person, rutte);
  EXPECT_EQ(after.faces[1].status, TagStatus::kConfirmed);
  // The embedding written, compared as written (Values may be constant-folded
  // at one call and computed at another, a last-bit difference).
  EXPECT_EQ(after.faces[1].detected.embedding.values, again.faces[1].detected.embedding.values);
  EXPECT_FALSE(after.faces[2].tag.person);
  EXPECT_EQ(after.faces[3].id, before.faces[3].id);
  EXPECT_EQ(after.faces[3].tag.person, scholz);
  EXPECT_EQ(RawSql("SELECT count(*) FROM faces WHERE id = " + std::to_string(before.faces[2].id)),
            "0");

  AuditQuery query;
  query.action = "photo.replace";
  auto entries = archive.ListAudit(query);
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].record.actor, "ingest --force");
  EXPECT_EQ((*entries)[0].record.subject, "photo:" + std::to_string(id));
  const auto details = nlohmann::json::parse((*entries)[0].record.details);
  EXPECT_EQ(details["deleted_faces"], 1);
  ASSERT_EQ(details["dropped_decisions"].size(), 1u);
  EXPECT_EQ(details["dropped_decisions"][0]["face"], before.faces[2].id);
  EXPECT_EQ(details["dropped_decisions"][0]["person"], scholz);

  // A face cannot continue a face of another photo, nor one face twice.
  NewPhoto other = MakePhoto(2, "other");
  other.faces.push_back(MakeFace({0, 0, 10, 10}));
  const PhotoId second = Add(archive, other);
  NewPhoto wrong = MakePhoto(2, "other");
  wrong.faces.push_back(MakeFace({0, 0, 10, 10}));
  wrong.faces.back().continues = after.faces[0].id;
  EXPECT_EQ(archive.ReplacePhoto(wrong, "x").error().code, ErrorCode::kInvalidArgument);
  NewPhoto twice = MakePhoto(1, "x");
  for (int i = 0; i < 2; ++i) {
    twice.faces.push_back(MakeFace({0, 0, 10, 10}));
    twice.faces.back().continues = after.faces[0].id;
  }
  EXPECT_EQ(archive.ReplacePhoto(twice, "x").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Get(archive, id).faces.size(), 4u);  // nothing changed
  EXPECT_EQ(Get(archive, second).faces.size(), 1u);

  // A photo not stored yet is added.
  auto added = archive.ReplacePhoto(MakePhoto(3, "new"), "ingest --force");
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_TRUE(added->added);
  EXPECT_EQ(*archive.CountPhotos(), 3);
  EXPECT_EQ(archive.ReplacePhoto(MakePhoto(3), "").error().code, ErrorCode::kInvalidArgument);
  ExpectTextIndexConsistent();
}

// ---------------------------------------------------------------------------
// Re-matching

DecisionUpdate Update(FaceId face, FaceTag tag, FaceTag expected,
                      TagStatus status = TagStatus::kAutomatic,
                      TagStatus expected_status = TagStatus::kAutomatic) {
  return {face, tag, status, expected, expected_status};
}

TEST_F(ArchiveTest, ApplyDecisionsWritesOnlyWhatTheFaceStillHolds) {
  Archive& archive = OpenArchive();
  const PersonId rutte = AddPerson("Mark Rutte");
  const PersonId macron = AddPerson("Emmanuel Macron");
  NewPhoto one = MakePhoto(1);
  one.faces.push_back(MakeFace({0, 0, 10, 10}, Unknown(0.2f), 1));         // 0
  one.faces.push_back(MakeFace({20, 0, 10, 10}, Named(rutte, 0.6f), 2));   // 1: confirmed meanwhile
  one.faces.push_back(MakeFace({40, 0, 10, 10}, Named(macron, 0.5f), 3));  // 2
  const PhotoId first = Add(archive, one);
  NewPhoto two = MakePhoto(2);
  two.faces.push_back(MakeFace({0, 0, 10, 10}, Named(macron, 0.7f), 4));   // 3
  two.faces.push_back(MakeFace({20, 0, 10, 10}, Named(rutte, 0.65f), 5));  // 4
  const PhotoId second = Add(archive, two);
  std::vector<FaceId> f;
  for (const PhotoId id : {first, second}) {
    for (const StoredFace& face : Get(archive, id).faces) f.push_back(face.id);
  }
  // What a rematch read before an editor confirmed face 1.
  ASSERT_TRUE(Confirm(archive, f[1], rutte, "editor"));

  const std::vector<DecisionUpdate> updates = {
      Update(f[0], Named(rutte, 0.9f), Unknown(0.2f)),                  // changed
      Update(f[1], Named(macron, 0.95f), Named(rutte, 0.6f)),           // changed meanwhile
      Update(f[2], Unknown(0.5f), Named(macron, 0.5f), TagStatus::kRejected),  // changed
      Update(f[3], Named(macron, 0.7f), Named(macron, 0.7f)),           // unchanged
      Update(f[4], Unknown(0.3f), Named(rutte, 0.65f)),                 // changed
      Update(f[4] + 1000, Named(rutte, 0.9f), Unknown()),               // no such face
  };
  auto outcome = archive.ApplyDecisions(updates);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->changed, 3);
  EXPECT_EQ(outcome->unchanged, 1);
  EXPECT_EQ(outcome->conflicts, 2);
  EXPECT_EQ(outcome->changed_photos, (std::vector<PhotoId>{first, second}));

  const StoredPhoto a = Get(archive, first);
  EXPECT_EQ(a.faces[0].tag.person, rutte);
  EXPECT_EQ(a.faces[0].tag.similarity, 0.9f);
  EXPECT_EQ(a.faces[0].status, TagStatus::kAutomatic);
  EXPECT_EQ(a.faces[1].tag.person, rutte);  // the editor's word was not overwritten
  EXPECT_EQ(a.faces[1].status, TagStatus::kConfirmed);
  EXPECT_FALSE(a.faces[2].tag.person);
  EXPECT_EQ(a.faces[2].status, TagStatus::kRejected);
  EXPECT_FALSE(Get(archive, second).faces[1].tag.person);

  // A person removed meanwhile is not named.
  const PersonId gone = AddPerson("Gone Person");
  ASSERT_TRUE(store_->RemovePerson(gone));
  auto removed = archive.ApplyDecisions({Update(f[3], Named(gone, 0.9f), Named(macron, 0.7f))});
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->conflicts, 1);

  // An inconsistent update fails the whole batch before anything is written.
  for (const DecisionUpdate& bad_update :
       {Update(f[0], FaceTag{std::nullopt, 0.5f, FaceDecision::kRecognized}, Named(rutte, 0.9f)),
        Update(f[0], Unknown(), Named(rutte, 0.9f), TagStatus::kConfirmed),
        Update(f[0], Named(rutte, 0.9f), Named(rutte, 0.9f), TagStatus::kRejected),
        Update(f[0], FaceTag{std::nullopt, 0.5f, FaceDecision::kSuppressed}, Named(rutte, 0.9f))}) {
    auto bad = archive.ApplyDecisions({Update(f[3], Unknown(), Named(macron, 0.7f)), bad_update});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(Get(archive, second).faces[0].tag.person, macron);
  ExpectTextIndexConsistent();
}

TEST_F(ArchiveTest, RecordReviewRemembersRejectionsWritesTheUpdatesAndAudits) {
  Archive& archive = OpenArchive();
  const PersonId rutte = AddPerson("Mark Rutte");
  const PersonId macron = AddPerson("Emmanuel Macron");
  NewPhoto photo = MakePhoto(1);
  photo.faces.push_back(MakeFace({0, 0, 50, 50}, Named(macron, 0.55f), 1));
  photo.faces.push_back(MakeFace({100, 0, 50, 50}, Named(rutte, 0.5f), 2));
  photo.faces.push_back(MakeFace({200, 0, 50, 50}, Unknown(0.3f), 3));
  const PhotoId id = Add(archive, photo);
  const StoredPhoto before = Get(archive, id);
  const FaceId a = before.faces[0].id;
  const FaceId b = before.faces[1].id;

  // The editor: face a is not Macron.
  ASSERT_TRUE(archive.RecordReview(
      {a, macron, false, {{a, Unknown(0.55f), TagStatus::kRejected}}, "anna"}));
  StoredPhoto now = Get(archive, id);
  EXPECT_FALSE(now.faces[0].tag.person);
  EXPECT_EQ(now.faces[0].status, TagStatus::kRejected);
  EXPECT_EQ(now.faces[0].rejected, std::vector<PersonId>{macron});
  // Face a is Rutte, and face b is therefore the duplicate: both written in
  // one transaction.
  ASSERT_TRUE(archive.RecordReview(
      {a,
       rutte,
       true,
       {{a, FaceTag{rutte, std::nullopt, FaceDecision::kRecognized, false}, TagStatus::kConfirmed},
        {b, FaceTag{std::nullopt, 0.5f, FaceDecision::kDuplicate, false}, TagStatus::kAutomatic}},
       "anna"}));
  now = Get(archive, id);
  EXPECT_EQ(now.faces[0].tag.person, rutte);
  EXPECT_EQ(now.faces[0].status, TagStatus::kConfirmed);
  EXPECT_EQ(now.faces[0].rejected, std::vector<PersonId>{macron});
  EXPECT_EQ(now.faces[1].tag.decision, FaceDecision::kDuplicate);
  // Confirming a rejected pair withdraws the rejection.
  ASSERT_TRUE(Confirm(archive, a, macron, "bob"));
  EXPECT_TRUE(Get(archive, id).faces[0].rejected.empty());
  ASSERT_TRUE(Reject(archive, b, rutte, "bob"));
  EXPECT_EQ(Get(archive, id).faces[1].rejected, std::vector<PersonId>{rutte});

  auto logged = archive.ListAudit({});
  ASSERT_TRUE(logged);
  std::vector<AuditEntry> all;
  for (const AuditEntry& e : *logged) {
    if (e.record.action.rfind("tag.", 0) == 0) all.push_back(e);
  }
  ASSERT_EQ(all.size(), 4u);
  const std::string subject_a = "face:" + std::to_string(a);
  EXPECT_EQ(all[0].record.action, "tag.reject");
  EXPECT_EQ(all[0].record.actor, "anna");
  EXPECT_EQ(all[0].record.subject, subject_a);
  EXPECT_EQ(all[1].record.action, "tag.confirm");
  EXPECT_EQ(all[2].record.action, "tag.confirm");
  EXPECT_EQ(all[3].record.action, "tag.reject");
  EXPECT_EQ(all[3].record.actor, "bob");
  const auto confirm = nlohmann::json::parse(all[1].record.details);
  EXPECT_EQ(confirm["person"], rutte);
  EXPECT_EQ(confirm["photo"], id);
  EXPECT_EQ(confirm["previous"]["status"], "rejected");
  ASSERT_EQ(confirm["changed"].size(), 2u);
  EXPECT_EQ(confirm["changed"][1]["face"], b);
  EXPECT_EQ(confirm["changed"][1]["decision"], "duplicate");
  EXPECT_FALSE(all[0].at.empty());

  AuditQuery by_subject;
  by_subject.subject = subject_a;
  by_subject.newest_first = true;
  by_subject.limit = 2;
  auto newest = archive.ListAudit(by_subject);
  ASSERT_TRUE(newest);
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ((*newest)[0].id, all[2].id);
  EXPECT_EQ((*newest)[1].id, all[1].id);
  by_subject.cursor = newest->back().id;
  auto older = archive.ListAudit(by_subject);
  ASSERT_TRUE(older);
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ((*older)[0].id, all[0].id);
  AuditQuery by_actor;
  by_actor.actor = "bob";
  EXPECT_EQ(archive.ListAudit(by_actor)->size(), 2u);

  EXPECT_EQ(Confirm(archive, 9999, rutte, "anna").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Confirm(archive, a, 9999, "anna").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Reject(archive, a, rutte, " ").error().code, ErrorCode::kInvalidArgument);
  // An update of a face of another photo is refused and nothing is written.
  NewPhoto other = MakePhoto(2);
  other.faces.push_back(MakeFace({0, 0, 50, 50}, Unknown(0.3f), 9));
  const FaceId elsewhere = Get(archive, Add(archive, other)).faces[0].id;
  EXPECT_EQ(archive
                .RecordReview({a, rutte, true,
                               {{a, Named(rutte, 0.5f), TagStatus::kConfirmed},
                                {elsewhere, Named(rutte, 0.5f), TagStatus::kConfirmed}},
                               "anna"})
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Get(archive, id).faces[0].tag.person, macron);
  EXPECT_EQ(archive.ListAudit({})->size(), logged->size());  // failed calls logged nothing
  ExpectTextIndexConsistent();
}

TEST_F(ArchiveTest, AuditLogIsAppendOnlyAndChecksItsInput) {
  Archive& archive = OpenArchive();
  auto id = archive.AppendAudit({"admin", "person.remove", "person:3", R"({"name":"X"})"});
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(archive.AppendAudit({"admin", "x", "", "not json"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(archive.AppendAudit({"", "x", "", "{}"}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(archive.AppendAudit({"admin", "", "", "{}"}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(archive.AppendAudit({"ad\nmin", "x", "", "{}"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(archive.AppendAudit({"admin", "x", "", "[1, 2]"}));

  EXPECT_EQ(Raw("UPDATE audit_log SET actor = 'mallory'").first & 0xFF, SQLITE_CONSTRAINT);
  EXPECT_EQ(Raw("DELETE FROM audit_log").first & 0xFF, SQLITE_CONSTRAINT);
  auto entries = archive.ListAudit({});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].record.actor, "admin");
  EXPECT_EQ((*entries)[0].record.details, R"({"name":"X"})");
  AuditQuery bad;
  bad.limit = 0;
  EXPECT_EQ(archive.ListAudit(bad).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ArchiveTest, RemovingAPersonUntagsTheirFacesAndDropsTheirMentions) {
  Archive& archive = OpenArchive();
  const PersonId walesa = AddPerson("Lech Wałęsa", {"Solidarność leader"});
  const PersonId rutte = AddPerson("Mark Rutte");
  NewPhoto photo = MakePhoto(1, "Lech Wałęsa and Mark Rutte in Gdańsk");
  photo.faces.push_back(MakeFace({0, 0, 50, 50}, Named(walesa, 0.7f), 1));
  photo.faces.push_back(MakeFace({100, 0, 50, 50}, Named(rutte, 0.7f), 2));
  photo.faces.push_back(MakeFace({200, 0, 50, 50}, Unknown(0.2f), 3));
  photo.mentions.push_back(MentionOf(photo, walesa, "Lech Wałęsa"));
  photo.mentions.push_back(MentionOf(photo, rutte, "Mark Rutte"));
  const PhotoId id = Add(archive, photo);
  NewPhoto portrait = MakePhoto(2, "");  // only the face names him
  portrait.faces.push_back(MakeFace({0, 0, 50, 50}, Named(walesa, 0.8f), 4));
  const PhotoId portrait_id = Add(archive, portrait);
  const StoredPhoto before = Get(archive, id);
  ASSERT_TRUE(Confirm(archive, before.faces[0].id, walesa, "editor"));
  ASSERT_TRUE(Reject(archive, before.faces[2].id, walesa, "editor"));
  EXPECT_EQ(TextSearch(archive, "Solidarnosc"), (std::vector<PhotoId>{portrait_id, id}));

  ASSERT_TRUE(store_->RemovePerson(walesa));
  const StoredPhoto after = Get(archive, id);
  EXPECT_FALSE(after.faces[0].tag.person);
  EXPECT_EQ(after.faces[0].tag.decision, FaceDecision::kUnknown);
  EXPECT_EQ(after.faces[0].status, TagStatus::kAutomatic);  // the confirmation went with him
  EXPECT_EQ(after.faces[1].tag.person, rutte);
  EXPECT_TRUE(after.faces[2].rejected.empty());
  ASSERT_EQ(after.mentions.size(), 1u);
  EXPECT_EQ(after.mentions[0].person, rutte);
  EXPECT_FALSE(Get(archive, portrait_id).faces[0].tag.person);
  EXPECT_EQ(RawSql("SELECT count(*) FROM face_rejections"), "0");
  // His names left the full-text index with him; the caption stays.
  EXPECT_TRUE(TextSearch(archive, "Solidarnosc").empty());
  EXPECT_EQ(TextSearch(archive, "Walesa"), std::vector<PhotoId>{id});
  SearchQuery query;
  query.person = walesa;
  query.include_mentioned = true;
  EXPECT_TRUE(SearchIds(archive, query).empty());
  ExpectTextIndexConsistent();
}

// ---------------------------------------------------------------------------
// Search

TEST_F(ArchiveTest, TwoWritersAddingTheSameHashStoreItOnce) {
  OpenArchive();
  auto second_store = Store::OpenSqlite(path_);
  ASSERT_TRUE(second_store);
  Archive& first = store_->archive();
  Archive& second = (*second_store)->archive();
  int added = 0, duplicates = 0;
  std::string error;
  std::mutex counts;
  const auto ingest = [&](Archive& archive) {
    for (int n = 0; n < 50; ++n) {
      NewPhoto photo = MakePhoto(n, "caption " + std::to_string(n));
      photo.faces.push_back(MakeFace({0, 0, 10, 10}, Unknown(), n));
      auto id = archive.AddPhoto(photo);
      std::lock_guard lock(counts);
      if (id) {
        ++added;
      } else if (id.error().code == ErrorCode::kAlreadyExists) {
        ++duplicates;
      } else {
        error = id.error().message;
      }
    }
  };
  std::thread a([&] { ingest(first); });
  std::thread b([&] { ingest(second); });
  a.join();
  b.join();
  EXPECT_EQ(error, "");
  EXPECT_EQ(added, 50);
  EXPECT_EQ(duplicates, 50);
  EXPECT_EQ(*first.CountPhotos(), 50);
  EXPECT_EQ(first.Counts()->faces, 50);
  ExpectTextIndexConsistent();
}

TEST_F(ArchiveTest, ReadOnlyStoreReadsTheArchiveButRefusesWrites) {
  PhotoId id = 0;
  FaceId face = 0;
  PersonId rutte = 0;
  {
    Archive& archive = OpenArchive();
    rutte = AddPerson("Mark Rutte");
    NewPhoto photo = MakePhoto(1, "Mark Rutte");
    photo.faces.push_back(MakeFace({0, 0, 10, 10}, Named(rutte, 0.7f)));
    id = Add(archive, photo);
    face = Get(archive, id).faces[0].id;
    store_.reset();
  }
  auto store = Store::OpenSqlite(path_, {.read_only = true});
  ASSERT_TRUE(store) << store.error().message;
  Archive& archive = (*store)->archive();
  EXPECT_EQ(Get(archive, id).faces.size(), 1u);
  EXPECT_EQ(TextSearch(archive, "rutte"), std::vector<PhotoId>{id});
  EXPECT_EQ(archive.AddPhoto(MakePhoto(2)).error().code, ErrorCode::kDatabase);
  EXPECT_EQ(Confirm(archive, face, rutte, "editor").error().code, ErrorCode::kDatabase);
  EXPECT_EQ(archive.ApplyDecisions({Update(face, Unknown(), Unknown(0.3f))}).error().code,
            ErrorCode::kDatabase);
  EXPECT_EQ(archive.AppendAudit({"a", "b", "", "{}"}).error().code, ErrorCode::kDatabase);
}

TEST(ArchiveNames, StableTextForStoredValues) {
  EXPECT_STREQ(FaceDecisionName(FaceDecision::kRecognized), "recognized");
  EXPECT_STREQ(FaceDecisionName(FaceDecision::kAmbiguous), "ambiguous");
  EXPECT_STREQ(TagStatusName(TagStatus::kConfirmed), "confirmed");
  EXPECT_STREQ(TagStatusName(TagStatus::kRejected), "rejected");
  EXPECT_STREQ(HitKindName(HitKind::kPictured), "pictured");
}

}  // namespace
}  // namespace facetag
