#include "atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <string>

#include "test_data.h"

namespace facetag::metadata::detail {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::span<const unsigned char> AsBytes(const std::string& text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

int CountFiles(const fs::path& folder) {
  return static_cast<int>(std::distance(fs::directory_iterator(folder), fs::directory_iterator()));
}

TEST(MetadataAtomicFile, CreatesANewFile) {
  const fs::path dir = testing::TempDir("atomic-new");
  auto written = WriteFileAtomically(dir / "a.xmp", AsBytes("hello"), {});
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(ReadText(dir / "a.xmp"), "hello");
  EXPECT_EQ(CountFiles(dir), 1);
}

TEST(MetadataAtomicFile, ReplacesKeepingPermissions) {
  const fs::path dir = testing::TempDir("atomic-replace");
  const fs::path target = dir / "photo.jpg";
  WriteText(target, "old");
  ASSERT_EQ(::chmod(target.c_str(), 0640), 0);
  auto stamp = StampFile(target);
  ASSERT_TRUE(stamp && *stamp);
  AtomicWriteOptions options;
  options.expected = **stamp;
  auto written = WriteFileAtomically(target, AsBytes("new content"), options);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(ReadText(target), "new content");
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(CountFiles(dir), 1);
}

TEST(MetadataAtomicFile, FailureBeforeRenameLeavesTargetAndNoTempFile) {
  const fs::path dir = testing::TempDir("atomic-fail");
  const fs::path target = dir / "photo.jpg";
  WriteText(target, "original");
  auto stamp = StampFile(target);
  ASSERT_TRUE(stamp && *stamp);
  fs::path seen;
  auto written = WriteFileAtomically(
      target, AsBytes("replacement"),
      {.expected = **stamp, .before_rename = [&](const fs::path& temp) -> Result<void> {
         seen = temp;
         EXPECT_EQ(ReadText(temp), "replacement");  // complete before the rename
         EXPECT_EQ(temp.parent_path(), dir);        // same folder: rename is atomic
         return Fail(ErrorCode::kIo, "injected failure");
       }});
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().message, "injected failure");
  EXPECT_FALSE(seen.empty());
  EXPECT_FALSE(fs::exists(seen));
  EXPECT_EQ(ReadText(target), "original");
  EXPECT_EQ(CountFiles(dir), 1);
}

TEST(MetadataAtomicFile, RefusesWhenTheTargetChangedMeanwhile) {
  const fs::path dir = testing::TempDir("atomic-race");
  const fs::path target = dir / "photo.jpg";
  WriteText(target, "original");
  auto stamp = StampFile(target);
  ASSERT_TRUE(stamp && *stamp);
  auto written = WriteFileAtomically(
      target, AsBytes("ours"),
      {.expected = **stamp, .before_rename = [&](const fs::path&) -> Result<void> {
         WriteText(target, "somebody else's longer edit");
         return {};
       }});
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kIo);
  EXPECT_EQ(ReadText(target), "somebody else's longer edit");
  EXPECT_EQ(CountFiles(dir), 1);
}

TEST(MetadataAtomicFile, NewFileMustNotAppearMeanwhile) {
  const fs::path dir = testing::TempDir("atomic-race-new");
  const fs::path target = dir / "photo.xmp";
  WriteText(target, "already there");
  auto written = WriteFileAtomically(target, AsBytes("ours"), {});
  ASSERT_FALSE(written);
  EXPECT_EQ(ReadText(target), "already there");
  EXPECT_EQ(CountFiles(dir), 1);
}

TEST(MetadataAtomicFile, StaleTempFilesOfTheTargetAreSweptFreshOnesKept) {
  const fs::path dir = testing::TempDir("atomic-stale");
  WriteText(dir / "a.jpg", "old");
  WriteText(dir / ".a.jpg.facetag-0123abcd", "left by a killed writer");
  WriteText(dir / ".a.jpg.facetag-89abcdef", "a writer at work");
  WriteText(dir / ".b.jpg.facetag-0123abcd", "another photo's");
  const auto hour_ago = fs::file_time_type::clock::now() - std::chrono::hours(1);
  fs::last_write_time(dir / ".a.jpg.facetag-0123abcd", hour_ago);
  fs::last_write_time(dir / ".b.jpg.facetag-0123abcd", hour_ago);
  auto stamp = StampFile(dir / "a.jpg");
  ASSERT_TRUE(stamp && *stamp);
  AtomicWriteOptions options;
  options.expected = **stamp;
  ASSERT_TRUE(WriteFileAtomically(dir / "a.jpg", AsBytes("new"), options));
  EXPECT_FALSE(fs::exists(dir / ".a.jpg.facetag-0123abcd"));
  EXPECT_TRUE(fs::exists(dir / ".a.jpg.facetag-89abcdef"));
  EXPECT_TRUE(fs::exists(dir / ".b.jpg.facetag-0123abcd"));
  EXPECT_EQ(ReadText(dir / "a.jpg"), "new");
}

TEST(MetadataAtomicFile, MissingFolderIsAnIoError) {
  const fs::path dir = testing::TempDir("atomic-missing");
  auto written = WriteFileAtomically(dir / "no" / "such" / "x.xmp", AsBytes("x"), {});
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace facetag::metadata::detail
