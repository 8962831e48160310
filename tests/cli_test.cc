// The facetag command as a script sees it: help, JSON output, exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "facetag/decision.h"
#include "test_data.h"

namespace facetag {
namespace {

using testing::DataFile;

using testing::CommandRun;
using testing::Quote;

// Runs facetag with `args` (shell-quoted by the caller), stderr discarded.
CommandRun Facetag(const std::string& args, const std::string& env = "") {
  return testing::RunFacetag(args, env);
}

TEST(Cli, HelpListsEveryCommandAndEachCommandHasHelp) {
  const CommandRun help = Facetag("--help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* command : {"person", "enroll", "recognize", "compare", "tag", "inspect",
                              "ingest", "rematch", "bench", "Exit codes"}) {
    EXPECT_NE(help.out.find(command), std::string::npos) << command;
  }
  for (const char* command : {"person add", "person list", "person show", "person remove", "enroll",
                              "recognize", "compare", "tag", "inspect", "ingest", "rematch",
                              "search", "bench lfw", "bench mentions"}) {
    const CommandRun sub = Facetag(std::string(command) + " --help");
    EXPECT_EQ(sub.exit_code, 0) << command;
    EXPECT_NE(sub.out.find("Usage"), std::string::npos) << command;
  }
  EXPECT_EQ(Facetag("no-such-command").exit_code, 2);
}

TEST(Cli, PersonLifecycleWithJsonAndExitCodes) {
  const auto db = testing::TempDir("cli") / "list.db";
  const std::string g = "--db " + Quote(db) + " --json ";
  const CommandRun add =
      Facetag(g + "person add 'Mark Rutte' --alias Rutte --notes 'Prime minister' --criteria all");
  ASSERT_EQ(add.exit_code, 0) << add.out;
  const auto person = nlohmann::json::parse(add.out);
  EXPECT_EQ(person["name"], "Mark Rutte");
  EXPECT_EQ(person["uri"].get<std::string>().rfind("urn:uuid:", 0), 0u);

  EXPECT_EQ(Facetag(g + "person add 'mark rutte' --notes x --criteria all").exit_code,
            4);  // already listed
  const CommandRun show = Facetag(g + "person show rutte");        // by alias
  ASSERT_EQ(show.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(show.out)["uri"], person["uri"]);
  EXPECT_EQ(Facetag(g + "person show 'Nobody Known'").exit_code, 3);

  // FACETAG_DB is used when --db is absent.
  const CommandRun list = Facetag("--json person list", "FACETAG_DB=" + Quote(db));
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(list.out).size(), 1u);

  EXPECT_EQ(Facetag(g + "person remove 'Mark Rutte'").exit_code, 0);
  EXPECT_EQ(Facetag(g + "person show 'Mark Rutte'").exit_code, 3);
}

TEST(Cli, EnrolRecogniseCompare) {
  const auto db = testing::TempDir("cli-recognize") / "list.db";
  const std::string g = "--db " + Quote(db) + " --json ";
  const auto examples = DataFile("photos/face_recognition/examples");
  ASSERT_EQ(Facetag(g + "person add 'Barack Obama' --notes '44th president' --criteria all").exit_code, 0);
  const CommandRun enrolled = Facetag(g + "enroll 'Barack Obama' " + Quote(examples / "obama.jpg"));
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.out;
  EXPECT_EQ(Facetag(g + "enroll 'Barack Obama' " + Quote(examples / "two_people.jpg")).exit_code,
            4);  // two faces, none chosen

  const CommandRun recognized = Facetag(g + "recognize " + Quote(examples / "two_people.jpg") +
                                        " " + Quote(examples / "biden.jpg"));
  ASSERT_EQ(recognized.exit_code, 0) << recognized.out;
  const auto photos = nlohmann::json::parse(recognized.out);
  ASSERT_EQ(photos.size(), 2u);
  ASSERT_EQ(photos[0]["faces"].size(), 2u);
  EXPECT_EQ(photos[0]["faces"][0]["name"], "Barack Obama");
  EXPECT_TRUE(photos[0]["faces"][1]["name"].is_null());
  EXPECT_EQ(photos[0]["faces"][1]["decision"], "unknown");
  EXPECT_TRUE(photos[1]["faces"][0]["name"].is_null());

  // A folder with a bad file: the others are processed, exit code 1.
  const auto folder = testing::TempDir("cli-folder");
  std::filesystem::copy_file(examples / "obama2.jpg", folder / "a.jpg");
  { std::ofstream(folder / "b.jpg") << "not a photo"; }
  const CommandRun mixed = Facetag(g + "recognize " + Quote(folder));
  EXPECT_EQ(mixed.exit_code, 1);
  const auto results = nlohmann::json::parse(mixed.out);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["faces"][0]["name"], "Barack Obama");
  EXPECT_EQ(results[1]["error"]["code"], "unsupported_format");

  // tag and inspect: a caption naming Obama and a person not on the list.
  const auto tagged = testing::TempDir("cli-tag") / "obama.jpg";
  std::filesystem::copy_file(examples / "obama.jpg", tagged);
  std::filesystem::permissions(tagged, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  ASSERT_EQ(std::system(("exiftool -q -overwrite_original -IPTC:Caption-Abstract='Obama in "
                         "Washington.' " +
                         Quote(tagged))
                            .c_str()),
            0);
  const CommandRun dry = Facetag(g + "tag --dry-run " + Quote(tagged));
  ASSERT_EQ(dry.exit_code, 0) << dry.out;
  const auto preview = nlohmann::json::parse(dry.out)[0];
  EXPECT_EQ(preview["caption_source"], "iptc");
  EXPECT_EQ(preview["persons"][0]["presence"], "pictured_and_mentioned");
  EXPECT_FALSE(preview["write"]["written"].get<bool>());
  const CommandRun write = Facetag(g + "tag " + Quote(tagged));
  ASSERT_EQ(write.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(write.out)[0]["write"]["names_added"][0], "Barack Obama");
  const CommandRun inspected = Facetag(g + "inspect " + Quote(tagged));
  ASSERT_EQ(inspected.exit_code, 0);
  const auto named = nlohmann::json::parse(inspected.out)[0]["named_in_file"];
  ASSERT_EQ(named.size(), 1u);
  EXPECT_TRUE(named[0]["by_facetag"].get<bool>());
  EXPECT_EQ(Facetag(g + "tag " + Quote(folder / "b.jpg")).exit_code, 5);  // not a photo

  const CommandRun same = Facetag("--json compare " + Quote(examples / "obama.jpg") + " " +
                                  Quote(examples / "obama2.jpg"));
  ASSERT_EQ(same.exit_code, 0);
  EXPECT_TRUE(nlohmann::json::parse(same.out)["same"].get<bool>());
  const CommandRun different = Facetag("--json compare " + Quote(examples / "obama.jpg") + " " +
                                       Quote(examples / "biden.jpg"));
  EXPECT_FALSE(nlohmann::json::parse(different.out)["same"].get<bool>());
}

// The archive as an editor uses it: ingest with metadata, search, reject a
// tag (the name leaves the photo), rematch (the rejection sticks), rerun
// ingest (photos whose metadata facetag wrote are still the same photos).
TEST(Cli, ArchiveWorkflowWithMetadata) {
  const auto root = testing::TempDir("cli-archive");
  const std::string g = "--db " + Quote(root / "facetag.db") + " --json ";
  const auto examples = DataFile("photos/face_recognition/examples");
  ASSERT_EQ(Facetag(g + "person add 'Barack Obama' --notes '44th president' --criteria all").exit_code, 0);
  ASSERT_EQ(Facetag(g + "enroll 'Barack Obama' " + Quote(examples / "obama2.jpg")).exit_code, 0);
  const auto folder = root / "incoming";
  std::filesystem::create_directories(folder);
  for (const char* name : {"obama.jpg", "two_people.jpg"}) {
    std::filesystem::copy_file(examples / name, folder / name);
    std::filesystem::permissions(folder / name, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
  }
  const CommandRun ingest = Facetag(g + "ingest --write-metadata " + Quote(folder));
  ASSERT_EQ(ingest.exit_code, 0) << ingest.out;
  EXPECT_EQ(nlohmann::json::parse(ingest.out)["tagged"], 2);
  auto persons_in = [&](const char* name) {
    std::string out;
    FILE* pipe = popen(("exiftool -j -PersonInImage " + Quote(folder / name)).c_str(), "r");
    std::array<char, 4096> buffer{};
    while (pipe && std::fgets(buffer.data(), buffer.size(), pipe)) out += buffer.data();
    if (pipe) pclose(pipe);
    const auto json = nlohmann::json::parse(out, nullptr, false);
    return json.is_array() && json[0].contains("PersonInImage") ? json[0]["PersonInImage"].dump()
                                                                : std::string();
  };
  EXPECT_NE(persons_in("two_people.jpg").find("Barack Obama"), std::string::npos);

  const auto hits = nlohmann::json::parse(Facetag(g + "search 'barack obama'").out)["results"];
  ASSERT_EQ(hits.size(), 2u);
  int face = 0;
  for (const auto& hit : hits) {
    if (hit["location"].get<std::string>().ends_with("two_people.jpg")) face = hit["face"];
  }
  ASSERT_GT(face, 0);
  const CommandRun reject =
      Facetag(g + "tag-review reject " + std::to_string(face) + " 'Barack Obama' --write-metadata");
  ASSERT_EQ(reject.exit_code, 0) << reject.out;
  EXPECT_EQ(persons_in("two_people.jpg").find("Barack Obama"), std::string::npos);

  ASSERT_EQ(Facetag(g + "rematch --write-metadata").exit_code, 0);
  const auto after = nlohmann::json::parse(Facetag(g + "search 'Barack Obama'").out)["results"];
  ASSERT_EQ(after.size(), 1u);
  EXPECT_TRUE(after[0]["location"].get<std::string>().ends_with("obama.jpg"));
  EXPECT_EQ(persons_in("two_people.jpg").find("Barack Obama"), std::string::npos);

  const CommandRun again = Facetag(g + "ingest " + Quote(folder));
  EXPECT_EQ(nlohmann::json::parse(again.out)["skipped"], 2);

  // Removing the person takes the name out of the photos too.
  EXPECT_NE(persons_in("obama.jpg").find("Barack Obama"), std::string::npos);
  ASSERT_EQ(Facetag(g + "person remove 'Barack Obama' --write-metadata").exit_code, 0);
  EXPECT_EQ(persons_in("obama.jpg").find("Barack Obama"), std::string::npos);
}

// The error a --json run printed: code and message.
std::pair<std::string, std::string> JsonError(const CommandRun& run) {
  const auto json = nlohmann::json::parse(run.out, nullptr, false);
  if (!json.contains("error")) return {};
  return {json["error"]["code"].get<std::string>(), json["error"]["message"].get<std::string>()};
}

// A folder someone else set up open to other users is refused by every
// command and by the service before it listens, with the fix in the message.
TEST(Cli, ExistingWorldReadableDatabaseFolderIsRefusedWithExit7AndTheChmod) {
  const auto dir = testing::TempDir("cli-open-folder");
  const auto data = dir / "data";
  std::filesystem::create_directories(data);
  std::filesystem::permissions(data, std::filesystem::perms::owner_all |
                                         std::filesystem::perms::group_read |
                                         std::filesystem::perms::group_exec |
                                         std::filesystem::perms::others_read |
                                         std::filesystem::perms::others_exec);
  const std::string g = "--db " + Quote(data / "facetag.db") + " --key " +
                        Quote(dir / "keys" / "secret.key") + " --json ";
  // `timeout`: a serve that wrongly starts must not hang the test.
  for (const std::string command :
       {"person add 'Mark Rutte' --notes x --criteria all", "serve --listen 127.0.0.1:0"}) {
    const CommandRun run = Facetag(g + command, "timeout 60");
    EXPECT_EQ(run.exit_code, 7) << command << ": " << run.out;
    const auto [code, message] = JsonError(run);
    EXPECT_EQ(code, "io") << run.out;
    EXPECT_NE(message.find("the database folder " + data.string()), std::string::npos) << message;
    EXPECT_NE(message.find("mode 0755"), std::string::npos) << message;
    EXPECT_NE(message.find("chmod 700 " + data.string()), std::string::npos) << message;
    EXPECT_FALSE(std::filesystem::exists(data / "facetag.db")) << command;
  }
  std::filesystem::permissions(data, std::filesystem::perms::owner_all);
  ASSERT_EQ(Facetag(g + "person add 'Mark Rutte' --notes x --criteria all").exit_code, 0);

  // The folder of the secret key, likewise, while the key is not yet made.
  std::filesystem::create_directories(dir / "keys");
  std::filesystem::permissions(dir / "keys", std::filesystem::perms::owner_all |
                                                 std::filesystem::perms::group_read |
                                                 std::filesystem::perms::group_exec);
  const CommandRun listed = Facetag(g + "person list");
  EXPECT_EQ(listed.exit_code, 7) << listed.out;
  const auto [code, message] = JsonError(listed);
  EXPECT_EQ(code, "io");
  EXPECT_NE(message.find("the folder of the secret key " + (dir / "keys").string() +
                         " is open to other users (mode 0750); run: chmod 700 " +
                         (dir / "keys").string()),
            std::string::npos)
      << message;
}

// The names exiftool finds in a photo's PersonInImage, in file order.
std::vector<std::string> PersonsIn(const std::filesystem::path& photo) {
  std::string out;
  FILE* pipe = popen(("exiftool -j -PersonInImage " + Quote(photo)).c_str(), "r");
  std::array<char, 4096> buffer{};
  while (pipe && std::fgets(buffer.data(), buffer.size(), pipe)) out += buffer.data();
  if (pipe) pclose(pipe);
  const auto json = nlohmann::json::parse(out, nullptr, false);
  std::vector<std::string> names;
  if (!json.is_array() || !json[0].contains("PersonInImage")) return names;
  const auto& value = json[0]["PersonInImage"];
  if (value.is_string()) return {value.get<std::string>()};
  for (const auto& name : value) names.push_back(name.get<std::string>());
  return names;
}

// Obama and Biden enrolled from their portraits, and a writable copy of
// two_people.jpg (Obama left, Biden right) in in/: the new user's setup of
// the reproductions.
class CliReproduction : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::TempDir(std::string("cli-repro-") +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    g_ = "--db " + Quote(root_ / "facetag.db") + " --json ";
    const auto examples = DataFile("photos/face_recognition/examples");
    for (const auto& [name, photo] :
         {std::pair{"Barack Obama", "obama.jpg"}, std::pair{"Joe Biden", "biden.jpg"}}) {
      ASSERT_EQ(Run(std::string("person add '") + name + "' --notes 'in the news' --criteria all")
                    .exit_code,
                0);
      ASSERT_EQ(Run(std::string("enroll '") + name + "' " + Quote(examples / photo)).exit_code, 0);
    }
    std::filesystem::create_directories(root_ / "in");
    photo_ = root_ / "in" / "two_people.jpg";
    std::filesystem::copy_file(examples / "two_people.jpg", photo_);
    std::filesystem::permissions(photo_, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
  }

  CommandRun Run(const std::string& args) { return Facetag(g_ + args); }

  // The archive's faces of the photo: face id and name (or "").
  std::vector<std::pair<int, std::string>> ArchivedFaces() {
    std::vector<std::pair<int, std::string>> faces;
    for (const char* name : {"Barack Obama", "Joe Biden"}) {
      const auto found = nlohmann::json::parse(Run(std::string("search '") + name + "'").out);
      for (const auto& hit : found["results"]) faces.emplace_back(hit["face"].get<int>(), name);
    }
    std::sort(faces.begin(), faces.end());
    return faces;
  }

  std::filesystem::path root_, photo_;
  std::string g_;
};

TEST_F(CliReproduction, ForcedReingestAfterARejectionWritesWhatTheArchiveSays) {
  const CommandRun first = Run("ingest --write-metadata " + Quote(root_ / "in"));
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_EQ(PersonsIn(photo_), (std::vector<std::string>{"Barack Obama", "Joe Biden"}));
  const auto faces = ArchivedFaces();
  ASSERT_EQ(faces.size(), 2u);
  ASSERT_EQ(faces[0].second, "Barack Obama");
  const CommandRun reject = Run("tag-review reject " + std::to_string(faces[0].first) +
                                " 'Barack Obama' --write-metadata");
  ASSERT_EQ(reject.exit_code, 0) << reject.out;
  EXPECT_EQ(PersonsIn(photo_), std::vector<std::string>{"Joe Biden"});

  const CommandRun again = Run("ingest --force --write-metadata " + Quote(root_ / "in"));
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(nlohmann::json::parse(again.out)["tagged"], 1) << "counts are what is stored";
  EXPECT_EQ(PersonsIn(photo_), std::vector<std::string>{"Joe Biden"});
  const auto after = ArchivedFaces();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].second, "Joe Biden");
}

TEST_F(CliReproduction, RematchAfterAConfirmationNamesNobodyTwice) {
  ASSERT_EQ(Run("ingest --write-metadata " + Quote(root_ / "in")).exit_code, 0);
  const auto faces = ArchivedFaces();
  ASSERT_EQ(faces.size(), 2u);
  // The editor says the left face is Joe Biden, without writing the file.
  ASSERT_EQ(Run("tag-review confirm " + std::to_string(faces[0].first) + " 'Joe Biden'").exit_code,
            0);
  const CommandRun rematch = Run("rematch --write-metadata");
  ASSERT_EQ(rematch.exit_code, 0) << rematch.out;
  EXPECT_TRUE(nlohmann::json::parse(rematch.out)["metadata_errors"].empty()) << rematch.out;
  const auto after = ArchivedFaces();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0], (std::pair<int, std::string>{faces[0].first, "Joe Biden"}));
  // The rematch also brought the file up to the editor's word.
  EXPECT_EQ(PersonsIn(photo_), std::vector<std::string>{"Joe Biden"});
}

TEST_F(CliReproduction, ListingRuleIsRefusedWithoutJustificationOrCriteria) {
  const CommandRun bare = Run("person add 'Kamala Harris'");
  EXPECT_EQ(bare.exit_code, 2) << bare.out;
  EXPECT_NE(bare.out.find("justification"), std::string::npos) << bare.out;
  const CommandRun no_criteria = Run("person add 'Kamala Harris' --notes 'Vice President'");
  EXPECT_EQ(no_criteria.exit_code, 4) << no_criteria.out;
  const auto refusal = nlohmann::json::parse(no_criteria.out)["error"];
  const auto rule = CheckListing({}, "Vice President");
  EXPECT_EQ(refusal["code"], ErrorCodeName(rule.error().code));
  EXPECT_EQ(refusal["message"], rule.error().message);
  const CommandRun partial =
      Run("person add 'Kamala Harris' --notes 'Vice President' --criteria public,recurring");
  EXPECT_EQ(partial.exit_code, 4);
  EXPECT_EQ(nlohmann::json::parse(Run("person list").out).size(), 2u);
  // An edit cannot leave a listed person without the criteria either.
  EXPECT_EQ(Run("person edit 'Joe Biden' --criteria public").exit_code, 4);
}

TEST(Cli, ReadOnlyCommandsNeverCreateADatabase) {
  const auto db = testing::TempDir("cli-readonly") / "missing.db";
  for (const char* command : {"person list", "search 'Joe Biden'", "candidates", "rematch"}) {
    const CommandRun run = Facetag("--db " + Quote(db) + " --json " + command);
    EXPECT_EQ(run.exit_code, 3) << command << ": " << run.out;
    EXPECT_NE(run.out.find(db.string()), std::string::npos) << command << ": " << run.out;
    EXPECT_FALSE(std::filesystem::exists(db)) << command;
  }
}

}  // namespace
}  // namespace facetag
