// The service end to end: the real server on a free loopback port with a
// temporary database, driven over HTTP: every endpoint, every role
// boundary, bad requests, limits, and a whole editor/ingest/customer flow
// on real photos.
#include <gtest/gtest.h>
#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "facetag/server.h"
#include "facetag/store.h"
#include "test_data.h"
#include "test_server.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A running server with a fresh database, a photo folder holding a few
// evaluation photos, and one key per role.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(server::ServerOptions options) {
    server_ = std::make_unique<testing::TestServer>("server", options);
    ASSERT_TRUE(server_->ok());
    dir_ = server_->dir();
    photos_ = server_->photos();
    fs::create_directories(photos_ / "2024");
    for (const char* name : {"obama.jpg", "obama2.jpg", "biden.jpg", "two_people.jpg"}) {
      fs::copy_file(testing::DataFile(std::string("photos/face_recognition/examples/") + name),
                    photos_ / "2024" / name);
      fs::permissions(photos_ / "2024" / name, fs::perms::owner_write, fs::perm_options::add);
    }
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60, 0);
  }

  void TearDown() override { server_.reset(); }

  httplib::Headers As(Role role) { return server_->As(role); }

  // The status and JSON body of a request.
  struct Answer {
    int status = 0;
    json body;
    httplib::Headers headers;
  };
  Answer Call(const std::string& method, const std::string& path, std::optional<Role> role,
              const std::string& body = "", const std::string& type = "application/json") {
    httplib::Headers headers = role ? As(*role) : httplib::Headers{};
    httplib::Result r = [&] {
      if (method == "GET") return client_->Get(path, headers);
      if (method == "POST") return client_->Post(path, headers, body, type);
      if (method == "PATCH") return client_->Patch(path, headers, body, type);
      if (method == "DELETE") return client_->Delete(path, headers, body, type);
      return client_->Put(path, headers, body, type);
    }();
    EXPECT_TRUE(r) << method << " " << path << ": " << httplib::to_string(r.error());
    if (!r) return {};
    Answer answer{r->status, json::parse(r->body, nullptr, false), r->headers};
    return answer;
  }

  std::string Photo(const std::string& name) { return ReadAll(photos_ / "2024" / name); }

  // Lists Barack Obama with a profile from obama.jpg; returns his id.
  std::int64_t ListObama() {
    const json person = {{"name", "Barack Obama"},
                         {"aliases", {"Obama"}},
                         {"justification", "44th president of the United States"},
                         {"criteria",
                          {{"public_figure", true},
                           {"recurring_in_news", true},
                           {"likely_searched", true}}}};
    Answer created = Call("POST", "/api/v1/persons", Role::kEditor, person.dump());
    EXPECT_EQ(created.status, 201) << created.body.dump();
    const std::int64_t id = created.body.value("id", 0);
    Answer enrolled = Call("POST", "/api/v1/persons/" + std::to_string(id) + "/profiles",
                           Role::kEditor, Photo("obama.jpg"), "image/jpeg");
    EXPECT_EQ(enrolled.status, 201) << enrolled.body.dump();
    return id;
  }

  fs::path dir_;
  fs::path photos_;
  std::unique_ptr<testing::TestServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

// An instance of each route's path, with ids that exist or not.
std::string Concrete(std::string path) {
  for (std::size_t at; (at = path.find('{')) != std::string::npos;) {
    path.replace(at, path.find('}', at) - at + 1, "1");
  }
  return path;
}

TEST_F(ServerTest, EveryProtectedEndpointRefusesNoKeyAndWrongRoles) {
  Answer spec = Call("GET", "/openapi.json", std::nullopt);
  ASSERT_EQ(spec.status, 200);
  ASSERT_EQ(spec.body["openapi"], "3.0.3");
  int protected_routes = 0;
  for (const auto& [path, operations] : spec.body["paths"].items()) {
    for (const auto& [method_lower, op] : operations.items()) {
      std::string method = method_lower;
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (op["security"].empty()) continue;
      ++protected_routes;
      const std::string url = Concrete(path);
      Answer anonymous = Call(method, url, std::nullopt, "{}");
      EXPECT_EQ(anonymous.status, 401) << method << " " << path;
      EXPECT_EQ(anonymous.body["error"]["code"], "unauthenticated") << method << " " << path;
      const std::vector<std::string> roles = op["x-roles"];
      for (Role role : {Role::kCustomer, Role::kIngest, Role::kEditor, Role::kPrivacy, Role::kAdmin}) {
        if (std::find(roles.begin(), roles.end(), RoleName(role)) != roles.end()) continue;
        Answer refused = Call(method, url, role, "{}");
        EXPECT_EQ(refused.status, 403) << RoleName(role) << " " << method << " " << path;
        EXPECT_EQ(refused.body["error"]["code"], "forbidden");
      }
    }
  }
  EXPECT_GE(protected_routes, 25);

  // The customer boundary the agency cares about, spelled out.
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/persons"}, {"POST", "/api/v1/persons"},
           {"POST", "/api/v1/persons/1/profiles"}, {"GET", "/api/v1/faces"},
           {"POST", "/api/v1/faces/1/confirm"}, {"GET", "/api/v1/keys"},
           {"GET", "/api/v1/audit"}}) {
    EXPECT_EQ(Call(method, path, Role::kCustomer, "{}").status, 403) << method << " " << path;
  }
  httplib::Headers wrong = {{"Authorization", "Bearer ft_not-a-real-key"}};
  EXPECT_EQ(client_->Get("/api/v1/search?text=x", wrong)->status, 401);
}

TEST_F(ServerTest, PublicOperationsEndpoints) {
  Answer health = Call("GET", "/healthz", std::nullopt);
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body["status"], "ok");
  Call("GET", "/api/v1/whoami", Role::kAdmin);
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("facetag_http_requests_total{method=\"GET\",route=\"/api/v1/whoami\",status=\"200\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("facetag_recognition_queue_depth 0"), std::string::npos);
  EXPECT_NE(metrics->body.find("facetag_http_request_duration_seconds_bucket"), std::string::npos);
  Answer unknown = Call("GET", "/api/v1/nothing-here", Role::kAdmin);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body["error"]["code"], "not_found");
}

TEST_F(ServerTest, BadRequestsGetClearJsonErrors) {
  const auto expect_error = [](const Answer& a, int status, const std::string& code,
                               const std::string& what) {
    EXPECT_EQ(a.status, status) << what << ": " << a.body.dump();
    EXPECT_EQ(a.body["error"]["code"], code) << what;
    EXPECT_FALSE(a.body["error"]["message"].get<std::string>().empty()) << what;
  };
  expect_error(Call("POST", "/api/v1/persons", Role::kEditor, "{\"name\": "), 400,
               "invalid_argument", "malformed JSON");
  expect_error(Call("POST", "/api/v1/persons", Role::kEditor, "[1,2]"), 400, "invalid_argument",
               "not an object");
  expect_error(Call("POST", "/api/v1/persons", Role::kEditor, R"({"name":"X Y"})"), 400,
               "invalid_argument", "missing justification");
  expect_error(Call("POST", "/api/v1/persons", Role::kEditor,
                    R"({"name":"X Y","justification":"j","criteria":{"public_figure":true,
                        "recurring_in_news":false,"likely_searched":true}})"),
               422, "rejected", "criteria not met");
  expect_error(Call("GET", "/api/v1/persons/abc", Role::kEditor), 400, "invalid_argument",
               "id not a number");
  expect_error(Call("GET", "/api/v1/persons/99", Role::kEditor), 404, "not_found",
               "no such person");
  expect_error(Call("GET", "/api/v1/search?limit=100000&text=a", Role::kCustomer), 400,
               "invalid_argument", "limit out of range");
  expect_error(Call("GET", "/api/v1/search", Role::kCustomer), 400, "invalid_argument",
               "nothing to search");

  // Uploads: not an image, random bytes, an empty body.
  expect_error(Call("POST", "/api/v1/recognize", Role::kIngest, "hello", "text/plain"), 415,
               "unsupported_format", "text upload");
  Answer garbage = Call("POST", "/api/v1/recognize", Role::kIngest,
                        std::string("\xFF\xD8\xFF\xE0 not really a jpeg", 24), "image/jpeg");
  EXPECT_TRUE(garbage.status == 415 || garbage.status == 422) << garbage.body.dump();
  EXPECT_EQ(garbage.body["error"]["message"].get<std::string>().find(dir_.string()),
            std::string::npos)
      << "an error names a server path: " << garbage.body.dump();
  EXPECT_EQ(garbage.body["error"]["message"].get<std::string>().find("/tmp"), std::string::npos);
  expect_error(Call("POST", "/api/v1/recognize", Role::kIngest, "", "image/jpeg"), 400,
               "invalid_argument", "empty upload");

  // Locations: traversal, absolute, a symlink out of the folder, missing.
  for (const char* location :
       {"../facetag.db", "2024/../../facetag.db", "/etc/passwd", "2024/%2e%2e/x"}) {
    Answer a = Call("POST", "/api/v1/tag", Role::kIngest, json{{"location", location}}.dump());
    EXPECT_TRUE(a.status == 400 || a.status == 404) << location << ": " << a.body.dump();
    EXPECT_NE(a.status, 200);
  }
  fs::create_symlink(dir_ / "facetag.db", photos_ / "escape.jpg");
  expect_error(Call("POST", "/api/v1/tag", Role::kIngest, R"({"location":"escape.jpg"})"), 400,
               "invalid_argument", "symlink out of the folder");
  expect_error(Call("POST", "/api/v1/jobs/ingest", Role::kIngest, R"({"locations":["../x"]})"),
               400, "invalid_argument", "job with traversal");
  expect_error(Call("POST", "/api/v1/tag", Role::kIngest, R"({"location":"2024/nope.jpg"})"), 404,
               "not_found", "missing file");
}

TEST_F(ServerTest, OversizedBodyIs413) {
  TearDown();
  server::ServerOptions options;
  options.max_body_bytes = 64 * 1024;
  Start(options);
  Answer big = Call("POST", "/api/v1/recognize", Role::kIngest, std::string(200 * 1024, 'x'),
                    "image/jpeg");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.body["error"]["code"], "payload_too_large");
  EXPECT_EQ(Call("GET", "/healthz", std::nullopt).status, 200);
}

TEST_F(ServerTest, EditorListsAndEnrolsIngestTagsCustomerFinds) {
  const std::int64_t obama = ListObama();
  const std::string person_path = "/api/v1/persons/" + std::to_string(obama);

  // Profiles: a count and their sources, never an embedding.
  Answer profiles = Call("GET", person_path + "/profiles", Role::kEditor);
  ASSERT_EQ(profiles.status, 200);
  EXPECT_EQ(profiles.body["count"], 1);
  EXPECT_EQ(profiles.body.dump().find("embedding"), std::string::npos);
  EXPECT_FALSE(profiles.body["profiles"][0]["photo_sha256"].get<std::string>().empty());

  // Recognition of an upload stores nothing.
  Answer seen = Call("POST", "/api/v1/recognize", Role::kIngest, Photo("two_people.jpg"),
                     "image/jpeg");
  ASSERT_EQ(seen.status, 200) << seen.body.dump();
  ASSERT_EQ(seen.body["faces"].size(), 2u);
  EXPECT_EQ(seen.body["faces"][0]["person"]["name"], "Barack Obama");
  EXPECT_EQ(seen.body["faces"][1]["decision"], "unknown");
  EXPECT_EQ(seen.body.dump().find("embedding"), std::string::npos);
  EXPECT_EQ(Call("GET", "/api/v1/search?person=" + std::to_string(obama), Role::kCustomer)
                .body["hits"].size(), 0u);

  // Tag by location writes the name into the file and archives it.
  Answer tagged = Call("POST", "/api/v1/tag", Role::kIngest, R"({"location":"2024/two_people.jpg"})");
  ASSERT_EQ(tagged.status, 200) << tagged.body.dump();
  EXPECT_EQ(tagged.body["photo"]["faces"][0]["person"]["name"], "Barack Obama");
  EXPECT_NE(Photo("two_people.jpg").find("Barack Obama"), std::string::npos);

  // An upload with a location is archived; a second upload is skipped.
  Answer uploaded = Call("POST", "/api/v1/photos?location=wire/obama2.jpg", Role::kIngest,
                         Photo("obama2.jpg"), "image/jpeg");
  ASSERT_EQ(uploaded.status, 201) << uploaded.body.dump();
  EXPECT_EQ(uploaded.body["outcome"], "ingested");
  Answer again = Call("POST", "/api/v1/photos", Role::kIngest, Photo("obama2.jpg"), "image/jpeg");
  EXPECT_EQ(again.body["outcome"], "skipped");

  // The customer finds both, by id, name and alias, with the face box.
  for (const std::string& query : {std::to_string(obama), std::string("Obama")}) {
    Answer found = Call("GET", "/api/v1/search?person=" + query, Role::kCustomer);
    ASSERT_EQ(found.status, 200);
    ASSERT_EQ(found.body["hits"].size(), 2u) << found.body.dump();
    EXPECT_TRUE(found.body["hits"][0].contains("face"));
    EXPECT_EQ(found.body["hits"][0]["persons"][0], "Barack Obama");
  }
  Answer suggest = Call("GET", "/api/v1/persons/suggest?q=oba", Role::kCustomer);
  ASSERT_EQ(suggest.body["persons"].size(), 1u);
  EXPECT_EQ(suggest.body["persons"][0]["name"], "Barack Obama");
  EXPECT_EQ(Call("GET", "/api/v1/persons/suggest?q=Obamma", Role::kCustomer)
                .body["persons"][0]["name"], "Barack Obama");

  const std::int64_t photo = tagged.body["photo"]["id"];
  Answer meta = Call("GET", "/api/v1/photos/" + std::to_string(photo), Role::kCustomer);
  ASSERT_EQ(meta.status, 200);
  EXPECT_EQ(meta.body["faces"].size(), 2u);
  auto image = client_->Get("/api/v1/photos/" + std::to_string(photo) + "/image?max=300",
                            As(Role::kCustomer));
  ASSERT_TRUE(image);
  EXPECT_EQ(image->status, 200);
  EXPECT_EQ(image->get_header_value("Content-Type"), "image/jpeg");
  EXPECT_EQ(image->body.substr(0, 2), "\xFF\xD8");
  // The uploaded photo's location is not below the photo folder: no image.
  const std::int64_t wire = uploaded.body["photo"]["id"];
  EXPECT_EQ(Call("GET", "/api/v1/photos/" + std::to_string(wire) + "/image", Role::kCustomer)
                .status, 404);

  // Review: the automatic tag, a thumbnail, a rejection that leaves the file.
  Answer review = Call("GET", "/api/v1/faces?status=automatic&decision=recognized", Role::kEditor);
  ASSERT_EQ(review.status, 200);
  ASSERT_EQ(review.body["faces"].size(), 2u);
  std::int64_t face = 0;
  for (const auto& f : review.body["faces"]) {
    if (f["photo_id"] == photo) face = f["face_id"];
  }
  ASSERT_GT(face, 0);
  auto thumb = client_->Get("/api/v1/faces/" + std::to_string(face) + "/thumbnail?size=96",
                            As(Role::kEditor));
  ASSERT_TRUE(thumb);
  EXPECT_EQ(thumb->status, 200);
  EXPECT_EQ(thumb->body.substr(0, 2), "\xFF\xD8");
  Answer rejected = Call("POST", "/api/v1/faces/" + std::to_string(face) + "/reject",
                         Role::kEditor, json{{"person", obama}}.dump());
  ASSERT_EQ(rejected.status, 200) << rejected.body.dump();
  EXPECT_EQ(rejected.body["metadata_written"], true);
  EXPECT_EQ(Photo("two_people.jpg").find("Barack Obama"), std::string::npos);
  Answer confirmed = Call("POST", "/api/v1/faces/" + std::to_string(face) + "/confirm",
                          Role::kEditor, json{{"person", obama}}.dump());
  EXPECT_EQ(confirmed.status, 200);

  // Updates and aliases.
  Answer renamed = Call("PATCH", person_path, Role::kEditor, R"({"justification":"former president"})");
  EXPECT_EQ(renamed.body["justification"], "former president");
  EXPECT_EQ(Call("POST", person_path + "/aliases", Role::kEditor, R"({"alias":"Barry"})").status, 201);
  EXPECT_EQ(Call("DELETE", person_path + "/aliases/Barry", Role::kEditor).status, 200);
  EXPECT_EQ(Call("DELETE", person_path + "/aliases/Barry", Role::kEditor).status, 404);
  Answer detail = Call("GET", person_path, Role::kEditor);
  EXPECT_EQ(detail.body["recent_photos"].size(), 2u);

  // The audit log shows who did it.
  Answer audit = Call("GET", "/api/v1/audit?action=tag.reject", Role::kPrivacy);
  ASSERT_EQ(audit.status, 200);
  ASSERT_EQ(audit.body["entries"].size(), 1u);
  EXPECT_EQ(audit.body["entries"][0]["actor"], "key:3 (editor)");
}

// Discovery for editors: unknown faces of the archive become a candidate,
// which is held, reopened and approved over the API.
TEST_F(ServerTest, EditorReviewsAndApprovesACandidate) {
  for (const char* name : {"obama.jpg", "obama2.jpg", "two_people.jpg"}) {
    Answer tagged = Call("POST", "/api/v1/tag", Role::kIngest,
                         json{{"location", std::string("2024/") + name}}.dump());
    ASSERT_EQ(tagged.status, 200) << tagged.body.dump();
  }
  Answer run = Call("POST", "/api/v1/discover", Role::kEditor, "{}");
  ASSERT_EQ(run.status, 200) << run.body.dump();
  EXPECT_GE(run.body["clustered"].get<int>(), 4);
  Answer list = Call("GET", "/api/v1/candidates", Role::kEditor);
  ASSERT_EQ(list.status, 200) << list.body.dump();
  ASSERT_EQ(list.body["candidates"].size(), 1u) << list.body.dump();
  const json candidate = list.body["candidates"][0];
  EXPECT_EQ(candidate["photo_count"], 3);
  EXPECT_EQ(candidate["photos"][0]["location"].get<std::string>().rfind("2024/", 0), 0u);
  EXPECT_EQ(list.body.dump().find("embedding"), std::string::npos);
  const std::string path = "/api/v1/candidates/" + std::to_string(candidate["id"].get<int>());
  EXPECT_EQ(Call("GET", path, Role::kEditor).body["id"], candidate["id"]);
  auto thumbnail = client_->Get(
      "/api/v1/faces/" + std::to_string(candidate["best_faces"][0].get<int>()) + "/thumbnail",
      As(Role::kEditor));
  ASSERT_TRUE(thumbnail);
  EXPECT_EQ(thumbnail->status, 200);
  EXPECT_EQ(thumbnail->get_header_value("Content-Type"), "image/jpeg");

  EXPECT_EQ(Call("POST", path + "/hold", Role::kEditor).status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/candidates", Role::kEditor).body["candidates"].size(), 0u);
  EXPECT_EQ(Call("GET", "/api/v1/candidates?state=held", Role::kEditor).body["candidates"].size(),
            1u);
  EXPECT_EQ(Call("POST", path + "/reopen", Role::kEditor).status, 200);

  // Approval needs the name, the justification and all three criteria: the
  // listing rule refuses as it does for POST /persons (422 "rejected").
  Answer incomplete = Call("POST", path + "/approve", Role::kEditor,
                           R"({"name":"Barack Obama","justification":"president"})");
  EXPECT_EQ(incomplete.status, 422) << incomplete.body.dump();
  Answer approved =
      Call("POST", path + "/approve", Role::kEditor,
           R"({"name":"Barack Obama","justification":"44th president","criteria":"all"})");
  ASSERT_EQ(approved.status, 201) << approved.body.dump();
  EXPECT_EQ(approved.body["person"]["name"], "Barack Obama");
  EXPECT_GE(approved.body["rematch"]["changed"].get<int>(), 0);
  const std::string person = std::to_string(approved.body["person"]["id"].get<int>());
  EXPECT_EQ(Call("GET", "/api/v1/search?person=" + person, Role::kCustomer).body["hits"].size(),
            3u);
  EXPECT_EQ(Call("GET", "/api/v1/candidates", Role::kEditor).body["candidates"].size(), 0u);
  EXPECT_EQ(Call("POST", "/api/v1/candidates/9999/reject", Role::kEditor, "{}").status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/candidates?state=maybe", Role::kEditor).status, 400);
}

TEST_F(ServerTest, IngestJobRunsInTheBackgroundWithProgress) {
  ListObama();
  Answer submitted = Call("POST", "/api/v1/jobs/ingest", Role::kIngest,
                          R"({"locations":["2024"],"write_metadata":false})");
  ASSERT_EQ(submitted.status, 202) << submitted.body.dump();
  const std::string job = "/api/v1/jobs/" + std::to_string(submitted.body["job"]["id"].get<int>());
  Answer state;
  for (int i = 0; i < 600; ++i) {
    state = Call("GET", job, Role::kEditor);
    if (state.body["job"]["status"] == "done") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(state.body["job"]["status"], "done") << state.body.dump();
  EXPECT_EQ(state.body["job"]["total"], 4);
  EXPECT_EQ(state.body["job"]["done"], 4);
  EXPECT_EQ(state.body["job"]["result"]["ingested"], 4);
  EXPECT_EQ(state.body["job"]["result"]["failed"], 0);
  EXPECT_GE(state.body["job"]["result"]["tagged"].get<int>(), 3);
  EXPECT_EQ(Call("GET", "/api/v1/jobs", Role::kIngest).body["jobs"].size(), 1u);
}

TEST_F(ServerTest, KeysAreManagedByAdminAndRevokedKeysStopWorking) {
  Answer created = Call("POST", "/api/v1/keys", Role::kAdmin, R"({"role":"customer","label":"site"})");
  ASSERT_EQ(created.status, 201);
  const std::string secret = created.body["secret"];
  httplib::Headers with = {{"X-API-Key", secret}};
  EXPECT_EQ(client_->Get("/api/v1/whoami", with)->status, 200);
  Answer keys = Call("GET", "/api/v1/keys", Role::kAdmin);
  EXPECT_EQ(keys.body["keys"].size(), 6u);
  EXPECT_EQ(keys.body.dump().find(secret), std::string::npos);
  EXPECT_EQ(Call("POST", "/api/v1/keys", Role::kAdmin, R"({"role":"root"})").status, 400);
  const std::string id = std::to_string(created.body["key"]["id"].get<int>());
  EXPECT_EQ(Call("DELETE", "/api/v1/keys/" + id, Role::kAdmin).status, 200);
  EXPECT_EQ(client_->Get("/api/v1/whoami", with)->status, 401);
}

TEST_F(ServerTest, SlowClientIsDroppedAfterTheTimeout) {
  TearDown();
  server::ServerOptions options;
  options.io_timeout = std::chrono::seconds(1);
  Start(options);
  // Half a request line, then silence (a "slowloris" client).
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(server_->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string partial = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  ASSERT_EQ(send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
  timeval wait{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
  const auto start = std::chrono::steady_clock::now();
  // The server may say 408 before it hangs up; it must hang up.
  std::string answer;
  char buffer[256];
  ssize_t got = 0;
  while ((got = recv(fd, buffer, sizeof(buffer), 0)) > 0) answer.append(buffer, got);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(fd);
  EXPECT_EQ(got, 0) << "the connection was not closed";
  EXPECT_LT(waited, 4.0) << "the connection was not dropped after the 1 s timeout";
  EXPECT_TRUE(answer.empty() || answer.rfind("HTTP/1.1 408", 0) == 0) << answer;
  EXPECT_EQ(Call("GET", "/healthz", std::nullopt).status, 200);
}

TEST_F(ServerTest, FullQueueAnswers429WithRetryAfter) {
  TearDown();
  server::ServerOptions options;
  options.workers = 1;
  options.queue_capacity = 0;
  Start(options);
  const std::string photo = Photo("two_people.jpg");
  std::atomic<int> ok{0}, overloaded{0}, other{0};
  for (int round = 0; round < 5 && overloaded == 0; ++round) {
    std::vector<std::thread> clients;
    for (int i = 0; i < 6; ++i) {
      clients.emplace_back([&] {
        httplib::Client c("127.0.0.1", server_->port());
        c.set_read_timeout(60, 0);
        auto r = c.Post("/api/v1/recognize", As(Role::kIngest), photo, "image/jpeg");
        if (r && r->status == 200) {
          ++ok;
        } else if (r && r->status == 429 && r->get_header_value("Retry-After") == "2") {
          ++overloaded;
        } else {
          ++other;
        }
      });
    }
    for (auto& t : clients) t.join();
  }
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(overloaded.load(), 0);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(Call("GET", "/healthz", std::nullopt).status, 200);
}

}  // namespace
}  // namespace facetag

namespace facetag {
namespace {

// `facetag serve` as a process: SIGTERM lets a running ingest job stop
// between photos, the process exits cleanly, and what was stored is whole.
TEST(ServeCommand, SigtermStopsAJobBetweenPhotosAndExitsCleanly) {
  const fs::path dir = testing::TempDir("serve_sigterm");
  const fs::path photos = dir / "photos";
  fs::create_directories(photos);
  int copied = 0;
  for (const auto& entry :
       fs::recursive_directory_iterator(testing::DataFile("lfw-view1/images"))) {
    if (entry.path().extension() != ".jpg") continue;
    fs::copy_file(entry.path(), photos / (std::to_string(copied) + ".jpg"));
    if (++copied == 40) break;
  }
  const std::string db = (dir / "facetag.db").string();
  const std::string key_command = std::string("'") + FACETAG_BINARY + "' --json --db '" + db +
                                  "' key create --role ingest";
  FILE* key_pipe = popen(key_command.c_str(), "r");
  ASSERT_NE(key_pipe, nullptr);
  std::string key_json;
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), key_pipe) != nullptr) key_json += buffer;
  ASSERT_EQ(pclose(key_pipe), 0);
  const std::string secret = json::parse(key_json)["secret"];

  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(FACETAG_BINARY, FACETAG_BINARY, "--json", "--db", db.c_str(), "serve", "--listen",
          "127.0.0.1:0", "--photos", photos.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string first_line;
  for (char c; read(out[0], &c, 1) == 1 && c != '\n';) first_line += c;
  close(out[0]);
  const int port = json::parse(first_line, nullptr, false).value("port", 0);
  ASSERT_GT(port, 0) << first_line;

  httplib::Client client("127.0.0.1", port);
  const httplib::Headers key = {{"Authorization", "Bearer " + secret}};
  auto submitted = client.Post("/api/v1/jobs/ingest", key, R"({"locations":["."]})",
                               "application/json");
  ASSERT_TRUE(submitted);
  ASSERT_EQ(submitted->status, 202) << submitted->body;
  const std::string job =
      "/api/v1/jobs/" + std::to_string(json::parse(submitted->body)["job"]["id"].get<int>());
  for (int i = 0; i < 600; ++i) {
    auto state = client.Get(job, key);
    if (state && json::parse(state->body)["job"]["done"].get<int>() >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  auto store = Store::OpenSqlite(db);
  ASSERT_TRUE(store);
  auto stopped = (*store)->service().GetJob(1);
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->status, JobStatus::kInterrupted) << stopped->result;
  const json result = json::parse(stopped->result);
  EXPECT_GT(result["not_started"].get<int>(), 0);
  // Every photo the job counts as done is stored whole; nothing else is.
  EXPECT_EQ(*(*store)->archive().CountPhotos(), result["ingested"].get<int>());
  EXPECT_EQ(stopped->done, result["ingested"].get<int>() + result["skipped"].get<int>() +
                               result["failed"].get<int>());
}

}  // namespace
}  // namespace facetag
