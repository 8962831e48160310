// The privacy commands as a script sees them: exit codes and JSON.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_data.h"

namespace facetag {
namespace {

using testing::CommandRun;

CommandRun Facetag(const std::string& args) { return testing::RunFacetag(args); }

TEST(PrivacyCli, RequestRegisterAndAuditVerifyExitCodes) {
  const auto dir = testing::TempDir("privacy-cli");
  const std::string g = "--db '" + (dir / "f.db").string() + "' --key '" +
                        (dir / "secret.key").string() + "' --actor dpo --json ";
  const CommandRun added = Facetag(g +
                                   "request add removal --received 2026-01-31 --requester 'A. "
                                   "Person' --contact a@example.org");
  ASSERT_EQ(added.exit_code, 0) << added.out;
  EXPECT_EQ(nlohmann::json::parse(added.out)["due_on"], "2026-02-28");
  EXPECT_EQ(
      Facetag(g + "request add rumour --received 2026-01-31 --requester A --contact a@b").exit_code,
      2);
  const CommandRun overdue = Facetag(g + "request overdue");
  ASSERT_EQ(overdue.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(overdue.out).size(), 1u);
  EXPECT_EQ(Facetag(g + "request decide 1 refuse --decision kept").exit_code, 2);
  EXPECT_EQ(
      Facetag(g + "request decide 1 refuse --decision kept --reason 'public office'").exit_code, 0);
  EXPECT_EQ(Facetag(g + "request decide 1 grant --decision removed").exit_code, 4);

  const CommandRun intact = Facetag(g + "audit verify");
  ASSERT_EQ(intact.exit_code, 0) << intact.out;
  EXPECT_EQ(nlohmann::json::parse(intact.out)["entries"], 2);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "f.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TRIGGER audit_log_no_update;"
                         " UPDATE audit_log SET actor = 'someone' WHERE id = 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const CommandRun tampered = Facetag(g + "audit verify");
  EXPECT_EQ(tampered.exit_code, 4);
  EXPECT_EQ(nlohmann::json::parse(tampered.out)["first_bad"], 1);
}

// After an opt-out, the command line refuses the person under any spelling
// and their face under any name (exit 4), and the audit log keeps no
// clear-text name of them while it still verifies.
TEST(PrivacyCli, OptOutCannotBeUndoneByAnotherSpellingOrAnotherName) {
  const auto dir = testing::TempDir("privacy-cli-optout");
  const std::string g = "--db '" + (dir / "f.db").string() + "' --key '" +
                        (dir / "secret.key").string() + "' --actor dpo --json ";
  const std::string biden =
      "'" + testing::DataFile("photos/face_recognition/examples/biden.jpg").string() + "'";
  const std::string listing = " --criteria all --justification 'vice president'";
  ASSERT_EQ(Facetag(g + "person add 'Joe Biden' --alias Biden" + listing).exit_code, 0);
  ASSERT_EQ(Facetag(g + "enroll 'Joe Biden' " + biden).exit_code, 0);
  ASSERT_EQ(Facetag(g + "optout 'Joe Biden' --no-rewrite").exit_code, 0);
  for (const char* spelling : {"'Biden, Joe'", "Joe-Biden", "'Joe Biden Jr'", "'JOE BIDEN'",
                               "'Joe B\xD1\x96" "den'"}) {
    const CommandRun refused = Facetag(g + "person add " + spelling + listing);
    EXPECT_EQ(refused.exit_code, 4) << spelling << ": " << refused.out;
  }
  ASSERT_EQ(Facetag(g + "person add 'Joseph Biden'" + listing).exit_code, 0);
  const CommandRun enrolled = Facetag(g + "enroll 'Joseph Biden' " + biden);
  EXPECT_EQ(enrolled.exit_code, 4) << enrolled.out;

  const CommandRun audit = Facetag(g + "audit list --limit 100");
  ASSERT_EQ(audit.exit_code, 0) << audit.out;
  EXPECT_EQ(audit.out.find("Joe Biden"), std::string::npos) << audit.out;
  EXPECT_EQ(audit.out.find("\"Biden\""), std::string::npos) << audit.out;
  EXPECT_EQ(Facetag(g + "audit verify").exit_code, 0);
}

// Export notices sent from the command line go to the destinations an admin
// allowed for the service of the same database (notify-destinations.json
// beside it), and nowhere else.
TEST(PrivacyCli, ExportNoticesGoOnlyToTheAllowListBesideTheDatabase) {
  const auto dir = testing::TempDir("privacy-cli-notify");
  std::filesystem::create_directories(dir / "in");
  std::filesystem::copy_file(testing::DataFile("photos/face_recognition/examples/obama.jpg"),
                             dir / "in" / "obama.jpg");
  const std::string g = "--db " + testing::Quote(dir / "f.db") + " --key " +
                        testing::Quote(dir / "secret.key") + " --actor dpo --json ";
  ASSERT_EQ(Facetag(g + "ingest " + testing::Quote(dir / "in")).exit_code, 0);

  httplib::Server listener;
  std::atomic<int> notices{0};
  listener.Post("/done", [&](const httplib::Request&, httplib::Response& response) {
    ++notices;
    response.status = 200;
  });
  const int port = listener.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { listener.listen_after_bind(); });
  const std::string hook = "http://127.0.0.1:" + std::to_string(port) + "/done";
  const auto export_photo = [&] {
    const CommandRun run = Facetag(g + "export photos 1 --webhook " + hook + " --export-dir " +
                                   testing::Quote(dir / "exports"));
    EXPECT_EQ(run.exit_code, 0) << run.out;
    return nlohmann::json::parse(run.out, nullptr, false)["job"]["result"]["webhook"];
  };

  EXPECT_EQ(export_photo(), "not sent") << "no allow-list: no destination";
  EXPECT_EQ(notices.load(), 0);
  const nlohmann::json allowed = {{"webhook", hook}};
  std::ofstream(dir / "notify-destinations.json")
      << nlohmann::json{{"destinations", nlohmann::json::array({allowed})}}.dump();
  EXPECT_EQ(export_photo(), "sent");
  listener.stop();
  thread.join();
  EXPECT_EQ(notices.load(), 1);
}

}  // namespace
}  // namespace facetag
