// What the service refuses at its edge, over HTTP: bad text and dates,
// locations that leave the photo folder, notification destinations an
// admin did not allow, and revoking the last admin key. None of it may be a
// 500.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_data.h"
#include "test_server.h"

namespace facetag {
namespace {

using nlohmann::json;

struct Answer {
  int status = 0;
  json body;
};

Answer Of(const httplib::Result& r) {
  if (!r) return {};
  return {r->status, json::parse(r->body, nullptr, false)};
}

class EdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerOptions options;
    options.export_folder = testing::TempDir("edge-exports") / "exports";
    options.notify_allow_file = testing::TempDir("edge-notify") / "notify-destinations.json";
    server_ = std::make_unique<testing::TestServer>("edge", options);
    ASSERT_TRUE(server_->ok());
    client_ = server_->Client();
  }

  Answer Get(const std::string& path, Role role) {
    return Of(client_->Get(path, server_->As(role)));
  }
  Answer Send(const std::string& method, const std::string& path, Role role, const json& body) {
    const std::string text = body.dump();
    if (method == "PUT") return Of(client_->Put(path, server_->As(role), text, "application/json"));
    if (method == "DELETE") return Of(client_->Delete(path, server_->As(role)));
    return Of(client_->Post(path, server_->As(role), text, "application/json"));
  }

  std::unique_ptr<testing::TestServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(EdgeTest, SearchRefusesNulAndDatesThatDoNotExist) {
  for (const char* query : {"text=%00", "text=a%00b", "from=2024-13-45", "to=2024-02-30",
                            "from=2024-01-01T25", "person=%1b%5b2J"}) {
    const Answer a = Get(std::string("/api/v1/search?") + query, Role::kCustomer);
    EXPECT_EQ(a.status, 400) << query << " " << a.body.dump();
    EXPECT_EQ(a.body["error"]["code"], "invalid_argument") << query;
  }
  EXPECT_EQ(Get("/api/v1/search?from=2024-02-29", Role::kCustomer).status, 200);
  EXPECT_EQ(Get("/api/v1/search?text=" + std::string(1001, 'a'), Role::kCustomer).status, 400);
}

TEST_F(EdgeTest, RequestDatesAreRealDaysAndNeverA500) {
  json request = {{"kind", "access"}, {"requester", "A. Person"}, {"contact", "a@example.org"}};
  for (const char* day : {"9999-12-31", "2024-13-45", "2023-02-29", "24-01-01", "1899-12-31"}) {
    request["received_on"] = day;
    const Answer a = Send("POST", "/api/v1/privacy/requests", Role::kPrivacy, request);
    EXPECT_EQ(a.status, 400) << day << " " << a.body.dump();
  }
  request["received_on"] = "2024-01-31";
  const Answer ok = Send("POST", "/api/v1/privacy/requests", Role::kPrivacy, request);
  ASSERT_EQ(ok.status, 201) << ok.body.dump();
  EXPECT_EQ(ok.body["request"]["due_on"], "2024-02-29");
  request["requester"] = std::string(201, 'x');
  EXPECT_EQ(Send("POST", "/api/v1/privacy/requests", Role::kPrivacy, request).status, 400);
  request["requester"] = std::string("A\0B", 3);
  EXPECT_EQ(Send("POST", "/api/v1/privacy/requests", Role::kPrivacy, request).status, 400);
  EXPECT_EQ(Get("/api/v1/privacy/lookup?name=" + std::string(201, 'x'), Role::kPrivacy).status,
            400);
  EXPECT_EQ(Send("POST", "/api/v1/privacy/optout", Role::kPrivacy,
                 {{"name", std::string("Joe\0Biden", 9)}})
                .status,
            400);
}

TEST_F(EdgeTest, UploadLocationsMayNotLeaveThePhotoFolder) {
  for (const char* location : {"../outside/x.jpg", "/etc/passwd", "a/../../b.jpg", "a%0Ab.jpg"}) {
    const Answer a = Of(client_->Post(std::string("/api/v1/photos?location=") + location,
                                      server_->As(Role::kIngest), "not decoded", "image/jpeg"));
    EXPECT_EQ(a.status, 400) << location << " " << a.body.dump();
  }
}

TEST_F(EdgeTest, TheLastAdminKeyCannotBeRevoked) {
  const Answer keys = Get("/api/v1/keys", Role::kAdmin);
  std::int64_t admin = 0;
  for (const json& key : keys.body["keys"]) {
    if (key["role"] == "admin") admin = key["id"];
  }
  ASSERT_GT(admin, 0);
  const Answer refused = Send("DELETE", "/api/v1/keys/" + std::to_string(admin), Role::kAdmin, {});
  EXPECT_EQ(refused.status, 422) << refused.body.dump();
  EXPECT_NE(refused.body["error"]["message"].get<std::string>().find("last admin key"),
            std::string::npos);
  EXPECT_EQ(Get("/api/v1/whoami", Role::kAdmin).status, 200) << "the key still works";
  const Answer second = Send("POST", "/api/v1/keys", Role::kAdmin, {{"role", "admin"}});
  ASSERT_EQ(second.status, 201);
  EXPECT_EQ(Send("DELETE", "/api/v1/keys/" + std::to_string(admin), Role::kAdmin, {}).status, 200);
}

TEST_F(EdgeTest, WebhooksGoOnlyToAllowedDestinationsAndTellNothingBack) {
  // A listener that answers 500 with a body the requester must not see.
  httplib::Server listener;
  int hits = 0;
  listener.Post("/hook", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 500;
    res.set_content("internal secret detail", "text/plain");
  });
  const int port = listener.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { listener.listen_after_bind(); });
  const std::string hook = "http://127.0.0.1:" + std::to_string(port) + "/hook";

  // Only an admin sets the list.
  const json list = {{"destinations", {{{"webhook", hook}}, {{"mail", "@client.example"}}}}};
  EXPECT_EQ(Send("PUT", "/api/v1/notify-destinations", Role::kPrivacy, list).status, 403);
  const Answer set = Send("PUT", "/api/v1/notify-destinations", Role::kAdmin, list);
  ASSERT_EQ(set.status, 200) << set.body.dump();
  EXPECT_EQ(Get("/api/v1/notify-destinations", Role::kAdmin).body["destinations"].size(), 2u);

  NewPhoto photo;
  photo.info.sha256 = std::string(64, 'c');
  photo.info.location = "gone.jpg";
  auto id = server_->store().archive().AddPhoto(photo);
  ASSERT_TRUE(id);
  for (const std::string& bad :
       {std::string("http://169.254.169.254/latest/meta-data/"),
        std::string("http://127.0.0.1:") + std::to_string(port) + "/other"}) {
    const Answer refused = Send("POST", "/api/v1/privacy/exports", Role::kPrivacy,
                                {{"photos", {*id}}, {"webhook", bad}});
    EXPECT_EQ(refused.status, 422) << bad << " " << refused.body.dump();
    EXPECT_EQ(refused.body["error"]["code"], "rejected");
  }
  EXPECT_EQ(Send("POST", "/api/v1/privacy/exports", Role::kPrivacy,
                 {{"photos", {*id}}, {"email", "someone@elsewhere.example"}})
                .status,
            422);

  const Answer started = Send("POST", "/api/v1/privacy/exports", Role::kPrivacy,
                              {{"photos", {*id}}, {"webhook", hook}});
  ASSERT_EQ(started.status, 202) << started.body.dump();
  json job;
  for (int i = 0; i < 200; ++i) {
    job = Get("/api/v1/privacy/exports/" + std::to_string(started.body["job"].get<int>()),
              Role::kPrivacy)
              .body["job"];
    if (job["status"] == "done" || job["status"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  listener.stop();
  thread.join();
  ASSERT_EQ(job["status"], "done") << job.dump();
  EXPECT_EQ(hits, 1);
  EXPECT_EQ(job["result"]["webhook"], "not sent");
  EXPECT_EQ(job.dump().find("500"), std::string::npos) << job.dump();
  EXPECT_EQ(job.dump().find("secret"), std::string::npos) << job.dump();
}

}  // namespace
}  // namespace facetag
