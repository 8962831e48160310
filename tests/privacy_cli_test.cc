// The privacy commands as a script sees them: exit codes and JSON.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "test_data.h"

namespace facetag {
namespace {

struct CommandRun {
  int exit_code = -1;
  std::string out;
};

CommandRun Facetag(const std::string& args) {
  const std::string command = "'" + std::string(FACETAG_BINARY) + "' " + args + " 2>/dev/null";
  CommandRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) run.out += buffer.data();
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

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

}  // namespace
}  // namespace facetag
