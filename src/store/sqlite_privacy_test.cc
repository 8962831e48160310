// Tests of the privacy store (facetag/privacy_store.h) on real database
// files: due dates and refusals, the audit chain against raw edits, the
// encrypted suppression records and their key, and the retention purge
// with a fake clock down to the bytes of the file.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "facetag/file_io.h"
#include "facetag/store.h"
#include "sqlite_common.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
constexpr char kModel[] = "test-model";

std::vector<float> UnitValues(int seed, int dimension = 64) {
  std::vector<float> values(static_cast<std::size_t>(dimension));
  for (int i = 0; i < dimension; ++i) {
    values[static_cast<std::size_t>(i)] = std::sin(static_cast<float>(seed * 131 + i * 7)) + 0.1f;
  }
  NormalizeL2(values);
  return values;
}

// The bytes of the database file and its WAL.
std::string FileBytes(const fs::path& db) {
  std::string all;
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream in(db.string() + suffix, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

bool FileHolds(const fs::path& db, const std::vector<float>& values) {
  const auto bytes = store::EncodeFloats(values);
  const std::string needle(bytes.begin(), bytes.begin() + 64);
  return FileBytes(db).find(needle) != std::string::npos;
}

class PrivacyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("privacy_store_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    ASSERT_TRUE(MakePrivateFolder(root_));  // a database folder must be private
    now_ = std::chrono::sys_days(std::chrono::year(2026) / 3 / 1) + hours(9);
    Open();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(root_);
  }
  Result<std::unique_ptr<Store>> TryOpen() {
    StoreOptions options;
    options.secret_key_path = root_ / "keys" / "secret.key";
    options.actor = "officer@test";
    options.clock = [this] { return now_; };
    return Store::OpenSqlite(db_path(), options);
  }
  void Open() {
    auto store = TryOpen();
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  fs::path db_path() const { return root_ / "facetag.db"; }
  PrivacyStore& privacy() { return store_->privacy(); }

  // Runs SQL on the file as another program would, triggers dropped first.
  void RawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    const int rc =
        sqlite3_exec(db,
                     ("DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS "
                      "audit_log_no_delete; " +
                      sql)
                         .c_str(),
                     nullptr, nullptr, &message);
    EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(db);
  }

  // Lists Jane Roe (alias "J. Roe", then "Janie Roe" added by an editor)
  // with one profile: the person and the profile.
  std::pair<PersonId, ProfileId> ListJaneRoe() {
    auto person = store_->AddPerson({"Jane Roe", {"J. Roe"}, "minister", {}});
    EXPECT_TRUE(person);
    if (!person) return {};
    EXPECT_TRUE(store_->AddAlias(person->id, "Janie Roe", "editor@test"));
    Profile profile;
    profile.person_id = person->id;
    profile.embedding = {kModel, UnitValues(1)};
    auto added = store_->AddProfile(profile);
    EXPECT_TRUE(added);
    return {person->id, added ? *added : ProfileId{0}};
  }

  PhotoId AddPhotoWithFace(int n, const std::vector<float>& embedding) {
    NewPhoto photo;
    char sha[65];
    std::snprintf(sha, sizeof sha, "%064x", n);
    photo.info.sha256 = sha;
    photo.info.location = "/archive/" + std::to_string(n) + ".jpg";
    photo.info.caption = "Caption number " + std::to_string(n);
    photo.info.caption_source = "iptc";
    NewFace face;
    face.detected.box = {10, 10, 50, 50};
    face.detected.embedding = {kModel, embedding};
    photo.faces.push_back(face);
    auto id = store_->archive().AddPhoto(photo);
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : 0;
  }

  fs::path root_;
  std::chrono::system_clock::time_point now_;
  std::unique_ptr<Store> store_;
};

TEST(DueDateTest, IsOneCalendarMonthLaterClampedToTheMonthsEnd) {
  EXPECT_EQ(DueDate("2026-11-26").value(), "2026-12-26");
  EXPECT_EQ(DueDate("2026-12-15").value(), "2027-01-15");
  EXPECT_EQ(DueDate("2026-01-31").value(), "2026-02-28");
  EXPECT_EQ(DueDate("2024-01-31").value(), "2024-02-29");
  EXPECT_EQ(DueDate("2026-03-31").value(), "2026-04-30");
  for (const char* bad : {"2026-02-30", "2026-13-01", "26-01-01", "2026-1-1", "", "2026-01-01x"}) {
    auto due = DueDate(bad);
    ASSERT_FALSE(due) << bad;
    EXPECT_EQ(due.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST_F(PrivacyStoreTest, RefusalWithoutReasonIsRejectedAndOverdueRequestsAreReported) {
  auto early = privacy().AddRequest(
      {RequestKind::kRemoval, "2026-01-31", "A. Person", "a@example.org", "A. Person", ""}, "");
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_EQ(early->due_on, "2026-02-28");
  EXPECT_EQ(early->status, RequestStatus::kOpen);
  auto recent = privacy().AddRequest(
      {RequestKind::kAccess, "2026-02-20", "B. Person", "b@example.org", "", ""}, "");
  ASSERT_TRUE(recent);
  EXPECT_EQ(recent->due_on, "2026-03-20");

  auto no_contact =
      privacy().AddRequest({RequestKind::kAccess, "2026-02-20", "C", " ", "", ""}, "");
  ASSERT_FALSE(no_contact);
  EXPECT_EQ(no_contact.error().code, ErrorCode::kInvalidArgument);

  // On 1 March only the request due 28 February is overdue.
  auto overdue = privacy().OverdueRequests(now_);
  ASSERT_TRUE(overdue);
  ASSERT_EQ(overdue->size(), 1u);
  EXPECT_EQ(overdue->front().id, early->id);
  overdue = privacy().OverdueRequests(now_ + hours(24 * 20));
  ASSERT_TRUE(overdue);
  EXPECT_EQ(overdue->size(), 2u);

  for (const char* reason : {"", "   "}) {
    auto refused = privacy().DecideRequest(
        early->id, {RequestStatus::kRefused, "kept in the archive", reason}, "dpo@test");
    ASSERT_FALSE(refused) << "reason \"" << reason << "\"";
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(refused.error().message.find("reason"), std::string::npos);
  }
  auto still_open = privacy().GetRequest(early->id);
  ASSERT_TRUE(still_open);
  EXPECT_EQ(still_open->status, RequestStatus::kOpen);

  auto refused = privacy().DecideRequest(
      early->id,
      {RequestStatus::kRefused, "kept in the archive", "the photos document a public office"},
      "dpo@test");
  ASSERT_TRUE(refused) << refused.error().message;
  EXPECT_EQ(refused->decided_by, "dpo@test");
  EXPECT_EQ(refused->refusal_reason, "the photos document a public office");
  auto again = privacy().DecideRequest(early->id, {RequestStatus::kGranted, "removed", ""}, "x");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kRejected);
  auto granted_with_reason =
      privacy().DecideRequest(recent->id, {RequestStatus::kGranted, "answered", "why"}, "x");
  ASSERT_FALSE(granted_with_reason);

  overdue = privacy().OverdueRequests(now_);
  ASSERT_TRUE(overdue);
  EXPECT_TRUE(overdue->empty());

  AuditQuery query;
  query.action = "request.decide";
  auto audit = store_->archive().ListAudit(query);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().record.actor, "dpo@test");
}

TEST_F(PrivacyStoreTest, ListChangesAreAudited) {
  const auto [person, profile] = ListJaneRoe();
  ASSERT_TRUE(store_->RemoveProfile(profile));
  ASSERT_TRUE(store_->RemovePerson(person));
  auto entries = store_->archive().ListAudit({});
  ASSERT_TRUE(entries);
  std::vector<std::string> actions;
  for (const auto& e : *entries) actions.push_back(e.record.action + " " + e.record.actor);
  EXPECT_EQ(actions,
            (std::vector<std::string>{"person.add officer@test", "person.alias.add editor@test",
                                      "profile.add officer@test", "profile.remove officer@test",
                                      "person.remove officer@test"}));
}

TEST_F(PrivacyStoreTest, AuditVerifyDetectsAnEditedRow) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        store_->archive().AppendAudit({"editor", "tag.confirm", "face:" + std::to_string(i)}));
  }
  auto verified = privacy().VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact) << verified->problem;
  EXPECT_EQ(verified->entries, 5);
  EXPECT_EQ(verified->head_hash.size(), 64u);
  // The database refuses the edit...
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &raw), SQLITE_OK);
  EXPECT_NE(
      sqlite3_exec(raw, "UPDATE audit_log SET actor = 'x' WHERE id = 3", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(raw);
  // ...and one who drops the trigger is found out.
  RawSql("UPDATE audit_log SET actor = 'somebody else' WHERE id = 3");
  verified = privacy().VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verified->intact);
  EXPECT_EQ(verified->first_bad, AuditId{3});
  EXPECT_NE(verified->problem.find("changed"), std::string::npos) << verified->problem;
}

TEST_F(PrivacyStoreTest, AuditVerifyDetectsDeletedRows) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        store_->archive().AppendAudit({"editor", "tag.reject", "face:" + std::to_string(i)}));
  }
  RawSql("DELETE FROM audit_log WHERE id = 2");
  auto verified = privacy().VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verified->intact);
  EXPECT_EQ(verified->first_bad, AuditId{3});

  // The newest entries cut off the end: no later entry points back at them.
  RawSql("DELETE FROM audit_log WHERE id >= 1");
  ASSERT_TRUE(store_->archive().AppendAudit({"editor", "tag.reject", "face:9"}));
  RawSql("DELETE FROM audit_log WHERE id = 6");
  verified = privacy().VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verified->intact);
  EXPECT_NE(verified->problem.find("deleted from the end"), std::string::npos) << verified->problem;
}

TEST_F(PrivacyStoreTest, AuditPurgeKeepsTheChainVerifiable) {
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(store_->archive().AppendAudit({"old", "tag.confirm", ""}));
  now_ += hours(24 * 400);
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(store_->archive().AppendAudit({"new", "tag.confirm", ""}));
  RetentionPolicy policy{};
  policy =
      RetentionPolicy{std::nullopt, std::nullopt, std::nullopt, std::nullopt, 365, std::nullopt};
  auto dry = privacy().Purge(policy, now_, true, "");
  ASSERT_TRUE(dry) << dry.error().message;
  EXPECT_EQ(dry->counts.audit_entries, 3);
  auto all = store_->archive().ListAudit({});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 5u) << "a dry run deletes nothing";

  auto purged = privacy().Purge(policy, now_, false, "");
  ASSERT_TRUE(purged) << purged.error().message;
  EXPECT_EQ(purged->counts.audit_entries, 3);
  all = store_->archive().ListAudit({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);  // two new ones and the purge's own entry
  EXPECT_EQ(all->back().record.action, "retention.purge");
  auto verified = privacy().VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact) << verified->problem;
  EXPECT_EQ(verified->anchored_through, AuditId{3});

  // Appending after the purge continues the chain.
  ASSERT_TRUE(store_->archive().AppendAudit({"new", "tag.reject", ""}));
  verified = privacy().VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact) << verified->problem;

  // Deleting the oldest remaining entries and moving the anchor over them
  // is found out: no purge recorded that anchor.
  RawSql(
      "DELETE FROM audit_log WHERE id = 4; UPDATE audit_anchor SET through_id = 4,"
      " through_hash = (SELECT prev_hash FROM audit_log WHERE id = 5)");
  verified = privacy().VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verified->intact);
}

TEST_F(PrivacyStoreTest, SuppressionTemplatesAreEncryptedUnderAKeyOutsideTheDatabase) {
  const std::vector<float> face = UnitValues(7);
  auto id = privacy().AddSuppression({"Jane Roe"}, {{kModel, face}}, "");
  ASSERT_TRUE(id) << id.error().message;
  const fs::path key = root_ / "keys" / "secret.key";
  struct stat info {};
  ASSERT_EQ(::stat(key.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  auto templates = privacy().SuppressionTemplates(kModel);
  ASSERT_TRUE(templates) << templates.error().message;
  ASSERT_EQ(templates->size(), 1u);
  EXPECT_GT(CosineSimilarity(templates->front().values, face), 0.9999f);
  auto other = privacy().SuppressionTemplates("other-model");
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());
  ASSERT_TRUE(privacy().Compact());
  EXPECT_FALSE(FileHolds(db_path(), face));
  EXPECT_EQ(FileBytes(db_path()).find("Jane Roe"), std::string::npos);

  auto found = privacy().FindSuppressedName("JANE  roe");
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, *id);
  auto listed = store_->AddPerson({"Jane Roe", {}, "", {}});
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, ErrorCode::kRejected);
  auto infos = privacy().ListSuppressions();
  ASSERT_TRUE(infos);
  ASSERT_EQ(infos->size(), 1u);
  EXPECT_EQ(infos->front().models, std::vector<std::string>{kModel});

  // A key others can read is refused, by an open store at its next use and
  // by the next open; a missing key is reported, never replaced by a new
  // one that would silently drop every suppression.
  ::chmod(key.c_str(), 0644);
  store_.reset();
  {
    StoreOptions options;
    options.secret_key_path = key;
    auto other = Store::OpenSqlite(":memory:", options);  // checks the key at use only
    ASSERT_TRUE(other);
    auto loose = (*other)->privacy().AddSuppression({"John Doe"}, {{kModel, face}}, "");
    ASSERT_FALSE(loose);
    EXPECT_EQ(loose.error().code, ErrorCode::kIo);
    EXPECT_NE(loose.error().message.find("chmod 600"), std::string::npos);
  }
  auto refused = TryOpen();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kIo);
  EXPECT_NE(refused.error().message.find("chmod 600"), std::string::npos);
  fs::remove(key);
  Open();
  auto missing = privacy().SuppressionTemplates(kModel);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(privacy().RemoveSuppression(*id, ""));
  auto none = privacy().SuppressionTemplates(kModel);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(PrivacyStoreTest, PurgeDeletesWhatIsPastItsPeriodDownToTheFileBytes) {
  const auto old_face = UnitValues(1);
  const auto new_face = UnitValues(2);
  const PhotoId old_photo = AddPhotoWithFace(1, old_face);
  auto old_request =
      privacy().AddRequest({RequestKind::kAccess, "2026-03-01", "R", "r@example.org", "", ""}, "");
  ASSERT_TRUE(old_request);
  ASSERT_TRUE(
      privacy().DecideRequest(old_request->id, {RequestStatus::kGranted, "answered", ""}, "dpo"));
  now_ += hours(24 * 300);
  const PhotoId new_photo = AddPhotoWithFace(2, new_face);
  now_ += hours(24 * 100);  // the first photo is 400 days old, the second 100
  ASSERT_TRUE(FileHolds(db_path(), old_face)) << "the check must see stored embeddings";

  RetentionPolicy policy;
  policy.unknown_faces_days = 365;
  policy.captions_days = 365;
  policy.requests_days = 365;
  policy.audit_days = std::nullopt;
  auto purged = privacy().Purge(policy, now_, false, "");
  ASSERT_TRUE(purged) << purged.error().message;
  EXPECT_EQ(purged->counts.unknown_faces, 1);
  EXPECT_EQ(purged->counts.captions, 1);
  EXPECT_EQ(purged->counts.requests, 1);

  auto old_stored = store_->archive().GetPhoto(old_photo);
  ASSERT_TRUE(old_stored);
  EXPECT_TRUE(old_stored->faces.empty());
  EXPECT_EQ(old_stored->info.caption, "");
  auto new_stored = store_->archive().GetPhoto(new_photo);
  ASSERT_TRUE(new_stored);
  EXPECT_EQ(new_stored->faces.size(), 1u);
  EXPECT_EQ(new_stored->info.caption, "Caption number 2");
  EXPECT_FALSE(privacy().GetRequest(old_request->id));

  EXPECT_FALSE(FileHolds(db_path(), old_face));
  EXPECT_TRUE(FileHolds(db_path(), new_face));
  const std::string bytes = FileBytes(db_path());
  EXPECT_EQ(bytes.find("Caption number 1"), std::string::npos);
  EXPECT_NE(bytes.find("Caption number 2"), std::string::npos);
  EXPECT_EQ(bytes.find("r@example.org"), std::string::npos);

  auto verified = privacy().VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact) << verified->problem;
}

TEST_F(PrivacyStoreTest, PurgeWhileAnotherConnectionReadsDeletesAndSaysItIsNotWipedYet) {
  const auto face = UnitValues(3);
  AddPhotoWithFace(1, face);
  ASSERT_TRUE(FileHolds(db_path(), face));
  now_ += hours(24 * 400);
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &reader), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM faces;", nullptr, nullptr, nullptr),
            SQLITE_OK);
  RetentionPolicy policy;
  policy.unknown_faces_days = 365;
  auto purged = privacy().Purge(policy, now_, false, "");
  ASSERT_TRUE(purged) << purged.error().message;
  EXPECT_EQ(purged->counts.unknown_faces, 1);
  EXPECT_FALSE(purged->wiped);
  EXPECT_FALSE(purged->wipe_error.empty());
  sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(reader);
  ASSERT_TRUE(privacy().Compact());
  EXPECT_FALSE(FileHolds(db_path(), face));
}

// The audit log keeps what was done, not who it was done to: an opt-out
// erases the payloads of every entry about the person or naming them, and
// the chain still verifies. Nothing else about an entry may change.
TEST_F(PrivacyStoreTest, OptOutErasesTheAuditPayloadsThatNameThePersonAndTheChainStillVerifies) {
  const PersonId person = ListJaneRoe().first;
  // An entry about something else that names her (a candidate approval).
  ASSERT_TRUE(store_->archive().AppendAudit(
      {"editor", "candidate.approve", "cluster:4", R"({"name":"JANE ROE"})"}));
  ASSERT_TRUE(store_->archive().AppendAudit({"editor", "tag.confirm", "face:9", "{}"}));

  auto outcome = privacy().OptOutPerson(
      person, {}, [](const Embedding&, const Embedding&) { return false; }, "officer@test");
  ASSERT_TRUE(outcome) << outcome.error().message;
  auto entries = store_->archive().ListAudit({});
  ASSERT_TRUE(entries);
  int erased = 0;
  for (const AuditEntry& e : *entries) {
    EXPECT_EQ(e.record.details.find("Roe"), std::string::npos) << e.record.action;
    EXPECT_EQ(e.record.details.find("ROE"), std::string::npos) << e.record.action;
    erased += e.record.details == R"({"redacted":true})";
  }
  EXPECT_EQ(erased, 4);  // person.add, person.alias.add, profile.add, candidate.approve
  auto verified = privacy().VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact) << verified->problem;

  // The trigger lets only an erasure through...
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &raw), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(raw, R"(UPDATE audit_log SET details = '{"x":1}' WHERE id = 5)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_NE(sqlite3_exec(raw,
                         R"(UPDATE audit_log SET details = '{"redacted":true}', redacted = 1,)"
                         R"( actor = 'x' WHERE id = 5)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  // ...and a payload changed behind its back is found out.
  RawSql(R"(UPDATE audit_log SET details = '{"x":1}' WHERE id = 5)");
  verified = privacy().VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verified->intact);
  EXPECT_EQ(verified->first_bad, AuditId{5});
}

// An opt-out cannot be undone by writing the name another way: the list
// refuses every spelling of an opted-out name, as name, alias or new name.
TEST_F(PrivacyStoreTest, OptedOutNameIsRefusedInEverySpelling) {
  ASSERT_TRUE(privacy().AddSuppression({"Joe Biden"}, {}, "officer@test"));
  for (const char* spelling : {"Joe Biden", "Biden, Joe", "Joe-Biden", "Joe Biden Jr",
                               "JOE BIDEN", "Mr. Joe Biden", "Joe B\xD1\x96" "den"}) {
    auto added = store_->AddPerson({spelling, {}, "minister", {}});
    ASSERT_FALSE(added) << spelling;
    EXPECT_EQ(added.error().code, ErrorCode::kRejected) << spelling;
    EXPECT_NE(added.error().message.find(spelling), std::string::npos) << added.error().message;
  }
  // Another first name is another name (the face catches that case).
  auto joseph = store_->AddPerson({"Joseph Biden", {}, "minister", {}});
  ASSERT_TRUE(joseph) << joseph.error().message;
  auto alias = store_->AddAlias(joseph->id, "Biden Joe", "editor@test");
  ASSERT_FALSE(alias);
  EXPECT_EQ(alias.error().code, ErrorCode::kRejected);
  PersonUpdate rename;
  rename.name = "Joe  Biden";
  auto renamed = store_->UpdatePerson(joseph->id, rename, "editor@test");
  ASSERT_FALSE(renamed);
  EXPECT_EQ(renamed.error().code, ErrorCode::kRejected);
}

}  // namespace
}  // namespace facetag
