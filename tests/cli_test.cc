// The facetag command as a script sees it: help, JSON output, exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_data.h"

namespace facetag {
namespace {

using testing::DataFile;

struct CommandRun {
  int exit_code = -1;
  std::string out;
};

// Runs facetag with `args` (shell-quoted by the caller), stderr discarded.
CommandRun Facetag(const std::string& args, const std::string& env = "") {
  const std::string command = env + " '" + FACETAG_BINARY + "' " + args + " 2>/dev/null";
  CommandRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) run.out += buffer.data();
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string Quote(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

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
      Facetag(g + "person add 'Mark Rutte' --alias Rutte --notes 'Prime minister'");
  ASSERT_EQ(add.exit_code, 0) << add.out;
  const auto person = nlohmann::json::parse(add.out);
  EXPECT_EQ(person["name"], "Mark Rutte");
  EXPECT_EQ(person["uri"].get<std::string>().rfind("urn:uuid:", 0), 0u);

  EXPECT_EQ(Facetag(g + "person add 'mark rutte'").exit_code, 4);  // already listed
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
  ASSERT_EQ(Facetag(g + "person add 'Barack Obama'").exit_code, 0);
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
  ASSERT_EQ(Facetag(g + "person add 'Barack Obama'").exit_code, 0);
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

}  // namespace
}  // namespace facetag
