// The privacy officer's API end to end: the real server on a loopback port
// with a temporary database and key, driven over HTTP.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "facetag/app.h"
#include "facetag/server.h"
#include "facetag/store.h"
#include "facetag/pipeline.h"
#include "test_data.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class PrivacyApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir(std::string("privacy-api-") +
                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    photos_ = dir_ / "photos";
    fs::create_directories(photos_);
    for (const char* name : {"obama.jpg", "obama2.jpg", "biden.jpg", "two_people.jpg"}) {
      fs::copy_file(testing::DataFile(std::string("photos/face_recognition/examples/") + name),
                    photos_ / name);
      fs::permissions(photos_ / name, fs::perms::owner_write, fs::perm_options::add);
    }
    StoreOptions store_options;
    store_options.secret_key_path = dir_ / "config" / "secret.key";
    auto store = Store::OpenSqlite(dir_ / "facetag.db", store_options);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    for (Role role : {Role::kEditor, Role::kPrivacy}) {
      auto key = store_->service().CreateApiKey(role, RoleName(role));
      ASSERT_TRUE(key);
      keys_[role] = key->secret;
    }
    server::ServerOptions options;
    options.port = 0;
    options.photo_root = photos_;
    options.export_folder = dir_ / "exports";
    options.purge_every = std::chrono::hours(0);
    auto created = server::Server::Create(*store_, testing::DefaultPack(), options);
    ASSERT_TRUE(created) << created.error().message;
    server_ = std::move(*created);
    ASSERT_TRUE(server_->Bind());
    serving_ = std::async(std::launch::async, [this] { return server_->Serve(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60, 0);
    for (int i = 0; i < 100 && !client_->Get("/healthz"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  void TearDown() override {
    server_->Shutdown();
    EXPECT_TRUE(serving_.get());
    server_.reset();
    store_.reset();
  }

  struct Answer {
    int status = 0;
    json body;
    std::string raw;
    std::string type;
  };
  Answer Call(const std::string& method, const std::string& path, std::optional<Role> role,
              const std::string& body = "", const std::string& type = "application/json") {
    httplib::Headers headers;
    if (role) headers = {{"Authorization", "Bearer " + keys_[*role]}};
    httplib::Result r = method == "GET"      ? client_->Get(path, headers)
                        : method == "PUT"    ? client_->Put(path, headers, body, type)
                        : method == "DELETE" ? client_->Delete(path, headers)
                                             : client_->Post(path, headers, body, type);
    EXPECT_TRUE(r) << method << " " << path;
    if (!r) return {};
    return {r->status, json::parse(r->body, nullptr, false), r->body,
            r->get_header_value("Content-Type")};
  }

  std::string Photo(const std::string& name) {
    std::ifstream in(photos_ / name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }

  std::int64_t ListObama() {
    const json person = {
        {"name", "Barack Obama"},
        {"justification", "44th president"},
        {"criteria",
         {{"public_figure", true}, {"recurring_in_news", true}, {"likely_searched", true}}}};
    Answer created = Call("POST", "/api/v1/persons", Role::kEditor, person.dump());
    EXPECT_EQ(created.status, 201) << created.raw;
    const std::int64_t id = created.body.value("id", 0);
    Answer enrolled = Call("POST", "/api/v1/persons/" + std::to_string(id) + "/profiles",
                           Role::kEditor, Photo("obama.jpg"), "image/jpeg");
    EXPECT_EQ(enrolled.status, 201) << enrolled.raw;
    return id;
  }

  json WaitForJob(std::int64_t id) {
    json job;
    for (int i = 0; i < 300; ++i) {
      job = Call("GET", "/api/v1/privacy/exports/" + std::to_string(id), Role::kPrivacy).body;
      const std::string status = job["job"].value("status", "");
      if (status == "done" || status == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return job["job"];
  }

  fs::path dir_;
  fs::path photos_;
  std::unique_ptr<Store> store_;
  std::map<Role, std::string> keys_;
  std::unique_ptr<server::Server> server_;
  std::future<Result<void>> serving_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(PrivacyApiTest, RequestsLookupAccessExportAuditAndPurge) {
  const json request = {{"kind", "removal"},
                        {"received_on", "2026-01-31"},
                        {"requester", "A. Person"},
                        {"contact", "a@example.org"}};
  EXPECT_EQ(Call("POST", "/api/v1/privacy/requests", Role::kEditor, request.dump()).status, 403);
  EXPECT_EQ(Call("POST", "/api/v1/privacy/requests", std::nullopt, request.dump()).status, 401);
  Answer added = Call("POST", "/api/v1/privacy/requests", Role::kPrivacy, request.dump());
  ASSERT_EQ(added.status, 201) << added.raw;
  EXPECT_EQ(added.body["request"]["due_on"], "2026-02-28");
  const std::string decide = "/api/v1/privacy/requests/" +
                             std::to_string(added.body["request"]["id"].get<int>()) + "/decision";
  Answer no_reason = Call("POST", decide, Role::kPrivacy,
                          json{{"status", "refused"}, {"decision", "kept"}}.dump());
  EXPECT_EQ(no_reason.status, 400) << no_reason.raw;
  EXPECT_EQ(Call("GET", "/api/v1/privacy/requests/overdue", Role::kPrivacy).body["requests"].size(),
            1u);
  Answer refused =
      Call("POST", decide, Role::kPrivacy,
           json{{"status", "refused"}, {"decision", "kept"}, {"refusal_reason", "public office"}}
               .dump());
  ASSERT_EQ(refused.status, 200) << refused.raw;
  EXPECT_EQ(refused.body["request"]["decided_by"].get<std::string>().rfind("key:", 0), 0u);

  const std::int64_t obama = ListObama();
  Answer by_name = Call("GET", "/api/v1/privacy/lookup?name=barack%20obama", Role::kPrivacy);
  ASSERT_EQ(by_name.status, 200);
  EXPECT_TRUE(by_name.body["listed"].get<bool>());
  Answer by_photo = Call("POST", "/api/v1/privacy/lookup/photo", Role::kPrivacy,
                         Photo("obama2.jpg"), "image/jpeg");
  ASSERT_EQ(by_photo.status, 200) << by_photo.raw;
  EXPECT_TRUE(by_photo.body["listed"].get<bool>());
  EXPECT_TRUE(by_photo.body["photo_discarded"].get<bool>());

  Answer zip =
      Call("GET", "/api/v1/privacy/persons/" + std::to_string(obama) + "/export", Role::kPrivacy);
  ASSERT_EQ(zip.status, 200);
  EXPECT_EQ(zip.type, "application/zip");
  EXPECT_EQ(zip.raw.substr(0, 2), "PK");

  Answer verify = Call("GET", "/api/v1/audit/verify", Role::kPrivacy);
  ASSERT_EQ(verify.status, 200);
  EXPECT_TRUE(verify.body["intact"].get<bool>()) << verify.raw;
  Answer retention = Call("PUT", "/api/v1/privacy/retention", Role::kPrivacy,
                          json{{"captions", 3650}, {"tags", nullptr}}.dump());
  ASSERT_EQ(retention.status, 200) << retention.raw;
  EXPECT_EQ(retention.body["retention"]["captions"], 3650);
  EXPECT_EQ(
      Call("PUT", "/api/v1/privacy/retention", Role::kPrivacy, json{{"faces", 3}}.dump()).status,
      400);
  Answer selfie = Call("POST", "/api/v1/privacy/optout/photo?name=Joe%20Biden", Role::kPrivacy,
                       Photo("biden.jpg"), "image/jpeg");
  ASSERT_EQ(selfie.status, 202) << selfie.raw;
  EXPECT_FALSE(selfie.body["listed"].get<bool>());
  EXPECT_EQ(selfie.body["templates"], 1);
  EXPECT_EQ(
      Call("POST", "/api/v1/privacy/optout/photo", Role::kPrivacy, Photo("biden.jpg"), "image/jpeg")
          .status,
      400);
  Answer dry =
      Call("POST", "/api/v1/privacy/purge", Role::kPrivacy, json{{"dry_run", true}}.dump());
  ASSERT_EQ(dry.status, 200) << dry.raw;
  EXPECT_TRUE(dry.body["dry_run"].get<bool>());
}

TEST_F(PrivacyApiTest, PhotoExportDownloadAndOptOut) {
  ListObama();
  auto files = pipeline::ListPhotoFiles(photos_);
  ASSERT_TRUE(files);
  auto ingested = testing::IngestFiles(*store_, *files);
  ASSERT_TRUE(ingested && ingested->ingested == 4u);

  Answer started = Call("POST", "/api/v1/privacy/exports", Role::kPrivacy,
                        json{{"person", "Barack Obama"}, {"expires_hours", 1}}.dump());
  ASSERT_EQ(started.status, 202) << started.raw;
  const json job = WaitForJob(started.body["job"].get<std::int64_t>());
  ASSERT_EQ(job["status"], "done") << job.dump();
  EXPECT_GE(job["result"]["photos"].get<int>(), 2);
  const std::string link = started.body["download"];
  const std::string path = link.substr(link.find("/api/"));
  Answer download = Call("GET", path, std::nullopt);
  ASSERT_EQ(download.status, 200) << download.raw << " " << path;
  EXPECT_EQ(download.raw.substr(0, 2), "PK");
  EXPECT_EQ(
      Call("GET", "/api/v1/privacy/exports/download/" + std::string(64, 'f'), std::nullopt).status,
      404);

  Answer opted =
      Call("POST", "/api/v1/privacy/optout", Role::kPrivacy, json{{"name", "Barack Obama"}}.dump());
  ASSERT_EQ(opted.status, 202) << opted.raw;
  EXPECT_GE(opted.body["faces_deleted"].get<int>(), 2);
  EXPECT_EQ(WaitForJob(opted.body["job"].get<std::int64_t>())["status"], "done");
  Answer after = Call("GET", "/api/v1/privacy/lookup?name=Barack%20Obama", Role::kPrivacy);
  EXPECT_FALSE(after.body["listed"].get<bool>());
  EXPECT_TRUE(after.body["opted_out"].get<bool>());
  Answer by_photo = Call("POST", "/api/v1/privacy/lookup/photo", Role::kPrivacy,
                         Photo("obama2.jpg"), "image/jpeg");
  ASSERT_EQ(by_photo.status, 200);
  EXPECT_TRUE(by_photo.body["opted_out"].get<bool>()) << by_photo.raw;
  EXPECT_EQ(Call("GET", "/api/v1/privacy/suppressions", Role::kPrivacy).body["suppressions"].size(),
            1u);
}

// After an opt-out, the list refuses the person under any spelling, and
// their face under any name; the answer says only what the caller typed.
TEST_F(PrivacyApiTest, OptOutCannotBeUndoneByAnotherSpellingOrAnotherName) {
  ListObama();
  Answer opted =
      Call("POST", "/api/v1/privacy/optout", Role::kPrivacy, json{{"name", "Barack Obama"}}.dump());
  ASSERT_EQ(opted.status, 202) << opted.raw;
  const auto person = [](const std::string& name) {
    return json{{"name", name},
                {"justification", "44th president"},
                {"criteria",
                 {{"public_figure", true}, {"recurring_in_news", true}, {"likely_searched", true}}}}
        .dump();
  };
  for (const char* spelling : {"Barack Obama", "Obama, Barack", "Barack-Obama", "Barack Obama Jr",
                               "BARACK OBAMA", "Dr. Barack Obama", "Barack Ob\xD0\xB0" "ma"}) {
    Answer refused = Call("POST", "/api/v1/persons", Role::kEditor, person(spelling));
    EXPECT_EQ(refused.status, 422) << spelling << ": " << refused.raw;
    EXPECT_EQ(refused.body["error"]["code"], "rejected") << refused.raw;
  }
  // Another name and his face: the person is listed (it is another name),
  // but his photo is refused as a profile.
  Answer listed = Call("POST", "/api/v1/persons", Role::kEditor, person("Barry Soetoro"));
  ASSERT_EQ(listed.status, 201) << listed.raw;
  const std::string id = std::to_string(listed.body.value("id", 0));
  Answer enrolled = Call("POST", "/api/v1/persons/" + id + "/profiles", Role::kEditor,
                         Photo("obama2.jpg"), "image/jpeg");
  EXPECT_EQ(enrolled.status, 422) << enrolled.raw;
  EXPECT_EQ(enrolled.raw.find("Barack"), std::string::npos) << enrolled.raw;
  Answer alias = Call("POST", "/api/v1/persons/" + id + "/aliases", Role::kEditor,
                      json{{"alias", "Obama Barack"}}.dump());
  EXPECT_EQ(alias.status, 422) << alias.raw;
}

}  // namespace
}  // namespace facetag
