#include "facetag/file_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "test_data.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;

mode_t ModeOf(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

void Write(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(PrivateFiles, FoldersAre0700AndFiles0600WhateverTheUmask) {
  const fs::path dir = testing::TempDir("private-files");
  const mode_t old = ::umask(022);
  auto made = MakePrivateFolder(dir / "exports" / "nested");
  ::umask(old);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(ModeOf(dir / "exports" / "nested"), 0700u);
  // An existing open folder is tightened.
  fs::create_directory(dir / "open");
  ::chmod((dir / "open").c_str(), 0755);
  ASSERT_TRUE(MakePrivateFolder(dir / "open"));
  EXPECT_EQ(ModeOf(dir / "open"), 0700u);

  const std::vector<unsigned char> bytes = {'z', 'i', 'p'};
  ASSERT_TRUE(WritePrivateFile(dir / "a.zip", bytes));
  EXPECT_EQ(ModeOf(dir / "a.zip"), 0600u);
  // Replacing keeps it private and whole.
  ASSERT_TRUE(WritePrivateFile(dir / "a.zip", std::vector<unsigned char>(1000, 'x')));
  EXPECT_EQ(fs::file_size(dir / "a.zip"), 1000u);
  EXPECT_EQ(ModeOf(dir / "a.zip"), 0600u);

  Write(dir / "made-by-a-library.zip", "x");
  ::chmod((dir / "made-by-a-library.zip").c_str(), 0644);
  ASSERT_TRUE(MakePrivateFile(dir / "made-by-a-library.zip"));
  EXPECT_EQ(ModeOf(dir / "made-by-a-library.zip"), 0600u);
}

TEST(PrivateFiles, RefusesASymlinkInPlaceOfAFolderOrFile) {
  const fs::path dir = testing::TempDir("private-symlinks");
  fs::create_directory(dir / "elsewhere");
  ::chmod((dir / "elsewhere").c_str(), 0755);
  fs::create_directory_symlink(dir / "elsewhere", dir / "exports");
  EXPECT_FALSE(MakePrivateFolder(dir / "exports"));
  EXPECT_EQ(ModeOf(dir / "elsewhere"), 0755u);
  Write(dir / "target", "x");
  ::chmod((dir / "target").c_str(), 0644);
  fs::create_symlink(dir / "target", dir / "link.zip");
  EXPECT_FALSE(MakePrivateFile(dir / "link.zip"));
  EXPECT_EQ(ModeOf(dir / "target"), 0644u);
}

TEST(PrivateFiles, ChecksNameTheFolderTheModeAndTheFix) {
  const fs::path dir = testing::TempDir("private-checks");
  fs::create_directory(dir / "data");
  ::chmod((dir / "data").c_str(), 0755);
  auto open = CheckPrivateFolder(dir / "data", "the database folder");
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().code, ErrorCode::kIo);
  EXPECT_NE(open.error().message.find("the database folder " + (dir / "data").string()),
            std::string::npos);
  EXPECT_NE(open.error().message.find("mode 0755"), std::string::npos);
  EXPECT_NE(open.error().message.find("chmod 700"), std::string::npos);
  ::chmod((dir / "data").c_str(), 0700);
  EXPECT_TRUE(CheckPrivateFolder(dir / "data", "the database folder"));
  EXPECT_EQ(CheckPrivateFolder(dir / "none", "x").error().code, ErrorCode::kNotFound);

  Write(dir / "data" / "key", "k");
  ::chmod((dir / "data" / "key").c_str(), 0640);
  auto readable = CheckPrivateFile(dir / "data" / "key", "the key file");
  ASSERT_FALSE(readable);
  EXPECT_NE(readable.error().message.find("chmod 600"), std::string::npos);
  ::chmod((dir / "data" / "key").c_str(), 0600);
  EXPECT_TRUE(CheckPrivateFile(dir / "data" / "key", "the key file"));
}

TEST(PrivateFiles, EnsureMakesAMissingFolderPrivateAndRefusesAnOpenOneUnchanged) {
  const fs::path dir = testing::TempDir("private-ensure");
  const mode_t old = ::umask(022);
  auto made = EnsurePrivateFolder(dir / "new" / "data", "the database folder");
  ::umask(old);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(ModeOf(dir / "new" / "data"), 0700u);
  EXPECT_TRUE(EnsurePrivateFolder(dir / "new" / "data", "the database folder"));

  fs::create_directory(dir / "open");
  ::chmod((dir / "open").c_str(), 0755);
  auto open = EnsurePrivateFolder(dir / "open", "the database folder");
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().code, ErrorCode::kIo);
  EXPECT_NE(open.error().message.find("the database folder " + (dir / "open").string() +
                                      " is open to other users (mode 0755); run: chmod 700 " +
                                      (dir / "open").string()),
            std::string::npos)
      << open.error().message;
  EXPECT_EQ(ModeOf(dir / "open"), 0755u);

  Write(dir / "file", "x");
  auto file = EnsurePrivateFolder(dir / "file", "the database folder");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kIo);
}

TEST(CheckLocation, RefusesEscapesAndOddText) {
  for (const char* good : {"2024/a.jpg", "a.jpg", "./a.jpg", "x..y/..a", "dir/", "Ünïcode/ç.jpg"}) {
    EXPECT_TRUE(CheckLocation(good)) << good;
  }
  for (const std::string& bad :
       {std::string(""), std::string("../outside/x.jpg"), std::string("a/../../b"),
        std::string("a/.."), std::string("/etc/passwd"), std::string("a\0b", 3),
        std::string("a\nb"), std::string("\xff\xfe"), std::string(5000, 'a')}) {
    auto checked = CheckLocation(bad);
    ASSERT_FALSE(checked) << ::testing::PrintToString(bad);
    EXPECT_EQ(checked.error().code, ErrorCode::kInvalidArgument);
  }
}

// A root with a photo, a subfolder, a symlink inside the root, symlinks
// leading out (absolute and relative), and a secret outside.
class BeneathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir("beneath");
    root_ = dir_ / "photos";
    fs::create_directories(root_ / "2024");
    Write(root_ / "2024" / "a.jpg", "photo");
    Write(dir_ / "secret.txt", "secret");
    fs::create_symlink("a.jpg", root_ / "2024" / "inside.jpg");
    fs::create_symlink(dir_ / "secret.txt", root_ / "2024" / "absolute.jpg");
    fs::create_symlink("../../secret.txt", root_ / "2024" / "relative.jpg");
    fs::create_directory_symlink(dir_, root_ / "up");
  }
  fs::path dir_, root_;
};

TEST_F(BeneathTest, ReadsFilesInsideTheRootIncludingSymlinksThatStayInside) {
  auto bytes = ReadFileBytesBeneath(root_, "2024/a.jpg", 1000);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_EQ(std::string(bytes->begin(), bytes->end()), "photo");
  auto linked = ReadFileBytesBeneath(root_, "2024/inside.jpg", 1000);
  ASSERT_TRUE(linked) << linked.error().message;
  EXPECT_EQ(std::string(linked->begin(), linked->end()), "photo");
  auto real = ResolveBeneath(root_, "2024/inside.jpg");
  ASSERT_TRUE(real);
  EXPECT_EQ(*real, fs::canonical(root_ / "2024" / "a.jpg"));
}

TEST_F(BeneathTest, NeverFollowsASymlinkOutOfTheRoot) {
  for (const char* out : {"2024/absolute.jpg", "2024/relative.jpg", "up/secret.txt"}) {
    auto read = ReadFileBytesBeneath(root_, out, 1000);
    ASSERT_FALSE(read) << out;
    EXPECT_EQ(read.error().code, ErrorCode::kInvalidArgument) << out;
    EXPECT_NE(read.error().message.find("leads out"), std::string::npos);
    EXPECT_FALSE(ResolveBeneath(root_, out)) << out;
  }
}

TEST_F(BeneathTest, ReportsMissingFilesLimitsAndOddFiles) {
  EXPECT_EQ(ReadFileBytesBeneath(root_, "2024/none.jpg", 1000).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ReadFileBytesBeneath(root_, "2024/a.jpg", 2).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadFileBytesBeneath(root_, "2024", 1000).error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(::mkfifo((root_ / "2024" / "fifo.jpg").c_str(), 0600), 0);
  auto fifo = ReadFileBytesBeneath(root_, "2024/fifo.jpg", 1000);  // must not block
  ASSERT_FALSE(fifo);
  EXPECT_EQ(fifo.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenBeneath(root_, "../secret.txt").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenBeneath(dir_ / "missing", "a.jpg").error().code, ErrorCode::kNotFound);
}

TEST(IsWithin, ComparesWholeComponents) {
  EXPECT_TRUE(IsWithin("/srv/photos", "/srv/photos/2024/a.jpg"));
  EXPECT_TRUE(IsWithin("/srv/photos/", "/srv/photos/a.jpg"));
  EXPECT_TRUE(IsWithin("/srv/photos", "/srv/photos"));
  EXPECT_FALSE(IsWithin("/srv/photos", "/srv/photos-old/a.jpg"));
  EXPECT_FALSE(IsWithin("/srv/photos", "/srv/photos/../secret"));
  EXPECT_FALSE(IsWithin("/srv/photos", "/etc/passwd"));
}

}  // namespace
}  // namespace facetag
