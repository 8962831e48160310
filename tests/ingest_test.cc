// Ingest as an agency runs it: a folder of photos, interrupted and resumed.
#include "facetag/hash.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "facetag/file_io.h"
#include "test_data.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;

// A folder of distinct photos (copies of the evaluation photos).
fs::path PhotoFolder(const std::string& name) {
  const fs::path dir = testing::TempDir(name);
  int n = 0;
  for (const char* sub :
       {"photos/bigbang", "photos/face_recognition/examples", "detection/dlib/examples/faces"}) {
    for (const auto& entry : fs::recursive_directory_iterator(testing::DataFile(sub))) {
      const auto ext = entry.path().extension();
      if (ext != ".jpg" && ext != ".png") continue;
      fs::copy_file(entry.path(), dir / (std::to_string(n++) + ext.string()));
    }
  }
  return dir;
}

Archive& ArchiveOf(Store& store) { return store.archive(); }

ArchiveCounts CountsOf(const fs::path& db) {
  auto store = Store::OpenSqlite(db);
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return {};
  auto counts = ArchiveOf(**store).Counts();
  EXPECT_TRUE(counts);
  return counts ? *counts : ArchiveCounts{};
}

int RunIngest(const fs::path& db, const fs::path& folder) {
  return testing::RunFacetag("-q --db " + testing::Quote(db) + " ingest -j 2 " +
                             testing::Quote(folder))
      .exit_code;
}

TEST(Ingest, PhotoIdentityIgnoresJpegMetadata) {
  auto photo =
      ReadFileBytes(testing::DataFile("photos/face_recognition/examples/obama.jpg"), 1 << 26);
  ASSERT_TRUE(photo);
  std::vector<unsigned char> edited = *photo;
  // A comment segment (COM) inserted after SOI: metadata only.
  const std::vector<unsigned char> comment = {0xFF, 0xFE, 0x00, 0x07, 'h', 'e', 'l', 'l', 'o'};
  edited.insert(edited.begin() + 2, comment.begin(), comment.end());
  EXPECT_EQ(PhotoIdentity(*photo), PhotoIdentity(edited));
  edited.back() ^= 0x01;  // image data changed
  EXPECT_NE(PhotoIdentity(*photo), PhotoIdentity(edited));
}

// Killing ingest at a random moment (SIGKILL: no chance to clean up) and
// running it again loses nothing and duplicates nothing: the archive ends up
// exactly as after one uninterrupted run.
TEST(Ingest, KilledHalfwayAndRerunLosesAndDuplicatesNothing) {
  const fs::path folder = PhotoFolder("ingest-photos");
  const fs::path reference_db = testing::TempDir("ingest-reference") / "facetag.db";
  ASSERT_EQ(RunIngest(reference_db, folder), 0);
  const ArchiveCounts reference = CountsOf(reference_db);
  ASSERT_GT(reference.photos, 20);
  ASSERT_GT(reference.faces, reference.photos);

  const fs::path db = testing::TempDir("ingest-killed") / "facetag.db";
  const std::string binary = testing::FacetagBinary();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    execl(binary.c_str(), binary.c_str(), "-q", "--db", db.c_str(), "ingest", "-j", "2",
          folder.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until part of the folder is stored, then kill.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::int64_t stored = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!fs::exists(db)) continue;
    auto store = Store::OpenSqlite(db, {.busy_timeout_ms = 5000, .read_only = true});
    if (!store) continue;
    auto count = ArchiveOf(**store).CountPhotos();
    if (count && *count >= reference.photos / 3) {
      stored = *count;
      break;
    }
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_GT(stored, 0) << "ingest stored nothing within a minute";
  const ArchiveCounts partial = CountsOf(db);
  EXPECT_LT(partial.photos, reference.photos) << "the kill came too late to test anything";

  EXPECT_EQ(RunIngest(db, folder), 0);
  const ArchiveCounts resumed = CountsOf(db);
  EXPECT_EQ(resumed.photos, reference.photos);
  EXPECT_EQ(resumed.faces, reference.faces);
  EXPECT_EQ(resumed.failed_photos, reference.failed_photos);
}

}  // namespace
}  // namespace facetag
