// Injected faults: a full disk (a file-size limit, RLIMIT_FSIZE, in a child
// process, so that the limit cannot touch the test runner) while the store
// and the photo writer are writing, and several processes writing to one
// database at once. After each: the database passes SQLite's integrity
// check and holds exactly what was reported as stored, the photo is
// byte-identical, the error is clear, and the work can be redone.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "facetag/metadata.h"
#include "facetag/store.h"
#include "test_data.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;

std::string IntegrityCheck(const fs::path& db_path) {
  sqlite3* db = nullptr;
  std::string result;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_exec(
        db, "PRAGMA integrity_check",
        [](void* out, int, char** values, char**) {
          *static_cast<std::string*>(out) += values[0] ? values[0] : "(null)";
          return 0;
        },
        &result, nullptr);
  } else {
    result = sqlite3_errmsg(db);
  }
  sqlite3_close(db);
  return result;
}

std::vector<unsigned char> ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Profile SomeProfile(PersonId person, int i) {
  Profile profile;
  profile.person_id = person;
  profile.embedding.model_id = "m";
  profile.embedding.values.assign(512, static_cast<float>(i) / 1000.0f);
  profile.photo_sha256 = std::string(64, 'a');
  profile.box = {1, 2, 30, 40};
  return profile;
}

// Runs `body` in a child process whose files may not grow beyond
// `limit_bytes` (writes beyond fail with EFBIG instead of a signal); the
// child's exit status, or -1 when it died from a signal.
int RunWithFileSizeLimit(rlim_t limit_bytes, const std::function<int()>& body) {
  const pid_t child = ::fork();
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{limit_bytes, limit_bytes};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(90);
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class FaultInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir("fault_injection");
    db_ = dir_ / "facetag.db";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  fs::path db_;
};

TEST_F(FaultInjection, FullDiskDuringStoreWritesLeavesAConsistentDatabase) {
  {
    auto store = Store::OpenSqlite(db_);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->AddPerson({"Before The Fault", {}, "", {}}));
  }
  // Each person with a 2 KB profile; the database may grow by about 48 KB
  // (a dozen pages of the WAL), far less than the writes need.
  const fs::path report = dir_ / "stored.txt";
  const int status = RunWithFileSizeLimit(
      static_cast<rlim_t>(fs::file_size(db_) + (48u << 10)), [&]() -> int {
        auto store = Store::OpenSqlite(db_);
        if (!store) return 91;
        std::ofstream out(report);
        for (int i = 0; i < 400; ++i) {
          auto person = (*store)->AddPerson({"Person " + std::to_string(i), {}, "", {}});
          if (person) {
            auto profile = (*store)->AddProfile(SomeProfile(person->id, i));
            if (profile) {
              out << "Person " << i << "\n" << std::flush;
              continue;
            }
            out << "error " << ErrorCodeName(profile.error().code) << ": "
                << profile.error().message << "\n";
          } else {
            out << "error " << ErrorCodeName(person.error().code) << ": "
                << person.error().message << "\n";
          }
          return 0;  // the first refusal ends the run, as a command would
        }
        return 92;  // the limit never bit
      });
  ASSERT_EQ(status, 0) << "the writer died or never hit the limit";

  std::vector<std::string> stored;
  std::string error;
  std::ifstream in(report);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("error ", 0) == 0) error = line;
    else stored.push_back(line);
  }
  ASSERT_FALSE(error.empty());
  RecordProperty("refusal", error);
  // A full disk is a database or I/O error the user can read, not a crash.
  EXPECT_TRUE(error.rfind("error database", 0) == 0 || error.rfind("error io", 0) == 0) << error;

  EXPECT_EQ(IntegrityCheck(db_), "ok");
  auto store = Store::OpenSqlite(db_);
  ASSERT_TRUE(store) << store.error().message;
  auto persons = (*store)->ListPersons();
  ASSERT_TRUE(persons);
  // Everything reported stored is there; a person whose profile failed may
  // remain without it, nothing else.
  std::size_t with_profile = 0;
  for (const std::string& name : stored) {
    auto found = (*store)->FindPerson(name);
    ASSERT_TRUE(found) << name;
    EXPECT_EQ(found->profile_count, 1) << name;
    ++with_profile;
  }
  EXPECT_GE(persons->size(), 1 + with_profile);
  EXPECT_LE(persons->size(), 2 + with_profile);
  // With space again, the same work completes.
  auto again = (*store)->AddPerson({"Person 400", {}, "", {}});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE((*store)->AddProfile(SomeProfile(again->id, 400)));
  EXPECT_EQ(IntegrityCheck(db_), "ok");
}

TEST_F(FaultInjection, FullDiskDuringATagWriteLeavesThePhotoUntouched) {
  const fs::path photo = dir_ / "photo.jpg";
  cv::Mat pixels(480, 640, CV_8UC3, cv::Scalar(40, 90, 160));
  cv::randu(pixels, 0, 255);  // noise: a JPEG of some hundred kilobytes
  ASSERT_TRUE(cv::imwrite(photo.string(), pixels, {cv::IMWRITE_JPEG_QUALITY, 95}));
  const auto original = ReadAll(photo);
  ASSERT_GT(original.size(), 64u << 10);

  metadata::TagSet tags;
  tags.width = 640;
  tags.height = 480;
  tags.pictured = {{"Joe Biden", "urn:uuid:8c5f2c1e-4b7a-4f7e-9d2a-1b2c3d4e5f60",
                    {100, 100, 80, 100}, {}}};
  const fs::path report = dir_ / "error.txt";
  const int status = RunWithFileSizeLimit(32u << 10, [&]() -> int {
    auto written = metadata::WritePersonTags(photo, tags);
    std::ofstream out(report);
    if (written) return 93;
    out << ErrorCodeName(written.error().code) << ": " << written.error().message;
    return 0;
  });
  ASSERT_EQ(status, 0) << "the writer died or wrote despite the limit";
  std::ifstream in(report);
  const std::string error((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  RecordProperty("refusal", error);
  EXPECT_EQ(error.rfind("io: ", 0), 0u) << error;
  EXPECT_TRUE(ReadAll(photo) == original) << "the photo changed";
  // No temp file is left beside it.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "photo.jpg" || name == "error.txt") << name;
  }
  // Without the limit the same write succeeds.
  auto written = metadata::WritePersonTags(photo, tags);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(written->names_added, std::vector<std::string>{"Joe Biden"});
}

TEST_F(FaultInjection, ProcessesWritingOneDatabaseAtOnceLoseNothing) {
  ASSERT_TRUE(Store::OpenSqlite(db_));  // created and migrated once
  constexpr int kProcesses = 3;
  constexpr int kPersons = 40;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t child = ::fork();
    if (child == 0) {
      auto store = Store::OpenSqlite(db_);
      if (!store) ::_exit(94);
      for (int i = 0; i < kPersons; ++i) {
        const std::string name = "Process " + std::to_string(p) + " person " + std::to_string(i);
        auto person = (*store)->AddPerson({name, {}, "", {}});
        if (!person) {
          std::fprintf(stderr, "%s: %s\n", name.c_str(), person.error().message.c_str());
          ::_exit(95);
        }
        if (!(*store)->AddProfile(SomeProfile(person->id, i))) ::_exit(96);
      }
      ::_exit(0);
    }
    children.push_back(child);
  }
  for (pid_t child : children) {
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status)) << "a writer died";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "a writer was refused (database is locked?)";
  }
  auto store = Store::OpenSqlite(db_);
  ASSERT_TRUE(store);
  auto persons = (*store)->ListPersons();
  ASSERT_TRUE(persons);
  EXPECT_EQ(persons->size(), static_cast<std::size_t>(kProcesses * kPersons));
  auto profiles = (*store)->ProfilesForModel("m");
  ASSERT_TRUE(profiles);
  EXPECT_EQ(profiles->size(), static_cast<std::size_t>(kProcesses * kPersons));
  EXPECT_EQ(IntegrityCheck(db_), "ok");
}

}  // namespace
}  // namespace facetag
