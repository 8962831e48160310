// Tests of the SQLite store's person updates, listing criteria, API keys and
// jobs, on real database files in a temporary folder.
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "facetag/file_io.h"
#include "facetag/store.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;

class ServiceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = fs::temp_directory_path() /
           ("facetag_service_test_" + std::to_string(randombytes_random()));
    ASSERT_TRUE(MakePrivateFolder(dir_));  // a database folder must be private
    auto opened = Store::OpenSqlite(dir_ / "facetag.db");
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Every byte of the database and its WAL, to look for secrets in them.
  std::string FileBytes() {
    std::string bytes;
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream in(dir_ / (std::string("facetag.db") + suffix), std::ios::binary);
      bytes.append(std::istreambuf_iterator<char>(in), {});
    }
    return bytes;
  }

  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ServiceStoreTest, PersonKeepsCriteriaAndJustification) {
  auto added = store_->AddPerson(
      {"Mark Rutte", {"Rutte"}, "Prime minister of the Netherlands", {true, true, false}});
  ASSERT_TRUE(added) << added.error().message;
  auto found = store_->FindPerson("rutte");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->justification, "Prime minister of the Netherlands");
  EXPECT_EQ(found->criteria, (ListingCriteria{true, true, false}));
  EXPECT_FALSE(found->criteria.AllMet());
}

TEST_F(ServiceStoreTest, UpdatePersonRenamesAndKeepsUri) {
  auto rutte = store_->AddPerson({"Mark Rutte", {"Rutte", "Marc Rutte"}, "", {}});
  auto merkel = store_->AddPerson({"Angela Merkel", {}, "", {}});
  ASSERT_TRUE(rutte && merkel);

  PersonUpdate update;
  update.name = "Marc Rutte";  // his own alias gives way
  update.justification = "NATO secretary general";
  update.criteria = ListingCriteria{true, true, true};
  auto updated = store_->UpdatePerson(rutte->id, update);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->uri, rutte->uri);
  EXPECT_EQ(updated->name, "Marc Rutte");
  EXPECT_EQ(updated->aliases, std::vector<std::string>{"Rutte"});
  EXPECT_EQ(updated->justification, "NATO secretary general");
  EXPECT_TRUE(updated->criteria.AllMet());

  PersonUpdate taken;
  taken.name = "angela merkel";
  auto refused = store_->UpdatePerson(rutte->id, taken);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->UpdatePerson(999, update).error().code, ErrorCode::kNotFound);
  PersonUpdate empty_name;
  empty_name.name = "  ";
  EXPECT_EQ(store_->UpdatePerson(rutte->id, empty_name).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_F(ServiceStoreTest, RemoveAliasByFoldedName) {
  auto walesa = store_->AddPerson({"Lech Wałęsa", {"Wałęsa"}, "", {}});
  ASSERT_TRUE(walesa);
  ASSERT_TRUE(store_->RemoveAlias(walesa->id, "WALESA"));
  EXPECT_FALSE(store_->FindPerson("Wałęsa"));
  auto again = store_->RemoveAlias(walesa->id, "Wałęsa");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
}

TEST_F(ServiceStoreTest, ApiKeySecretIsShownOnceAndStoredOnlyHashed) {
  ServiceStore& service = store_->service();
  auto created = service.CreateApiKey(Role::kEditor, "picture desk");
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->secret.rfind("ft_", 0), 0u);
  EXPECT_EQ(created->secret.size(), 3u + 43u);
  EXPECT_EQ(created->key.prefix, created->secret.substr(0, 11));
  EXPECT_EQ(created->key.role, Role::kEditor);

  auto known = service.Authenticate(created->secret);
  ASSERT_TRUE(known);
  ASSERT_TRUE(known->has_value());
  EXPECT_EQ((*known)->id, created->key.id);

  std::string wrong = created->secret;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(service.Authenticate(wrong)->has_value());
  EXPECT_FALSE(service.Authenticate("")->has_value());
  EXPECT_FALSE(service.Authenticate(created->key.prefix)->has_value());

  // The secret's tail appears nowhere in the file.
  EXPECT_EQ(FileBytes().find(created->secret.substr(11)), std::string::npos);

  auto revoked = service.RevokeApiKey(created->key.id);
  ASSERT_TRUE(revoked);
  EXPECT_TRUE(revoked->revoked_at.has_value());
  EXPECT_FALSE(service.Authenticate(created->secret)->has_value());
  EXPECT_EQ(service.RevokeApiKey(777).error().code, ErrorCode::kNotFound);
  ASSERT_EQ(service.ListApiKeys()->size(), 1u);
}

TEST_F(ServiceStoreTest, RolesRoundTripByName) {
  for (Role role : {Role::kCustomer, Role::kIngest, Role::kEditor, Role::kPrivacy, Role::kAdmin}) {
    EXPECT_EQ(ParseRole(RoleName(role)), role);
  }
  EXPECT_FALSE(ParseRole("Admin"));
  EXPECT_FALSE(ParseRole(""));
}

TEST_F(ServiceStoreTest, JobsKeepProgressAndAreInterruptedOnRestart) {
  ServiceStore& service = store_->service();
  auto job = service.CreateJob("ingest", "key:1", R"({"locations":["a.jpg"]})");
  ASSERT_TRUE(job) << job.error().message;
  EXPECT_EQ(job->status, JobStatus::kQueued);
  ASSERT_TRUE(service.UpdateJob(job->id, JobStatus::kRunning, 1, 3, "{}"));
  auto running = service.GetJob(job->id);
  ASSERT_TRUE(running);
  EXPECT_EQ(running->status, JobStatus::kRunning);
  EXPECT_EQ(running->done, 1);
  EXPECT_EQ(running->total, 3);

  EXPECT_EQ(service.CreateJob("ingest", "x", "{not json").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service.UpdateJob(job->id, JobStatus::kDone, 3, 3, "[").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service.UpdateJob(999, JobStatus::kDone, 3, 3, "{}").error().code,
            ErrorCode::kNotFound);

  EXPECT_EQ(*service.InterruptUnfinishedJobs(), 1);
  EXPECT_EQ(service.GetJob(job->id)->status, JobStatus::kInterrupted);
  EXPECT_EQ(service.ListJobs(10)->size(), 1u);
  EXPECT_EQ(service.ListJobs(0).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace facetag
