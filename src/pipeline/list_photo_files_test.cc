// Recursive listing never leaves the folder through a symlink.
#include <gtest/gtest.h>

#include <fstream>

#include "facetag/pipeline.h"
#include "test_data.h"

namespace facetag::pipeline {
namespace {

namespace fs = std::filesystem;

TEST(ListPhotoFiles, SymlinksLeadingOutOfTheFolderAreLeftOut) {
  const fs::path dir = testing::TempDir("list-photos");
  const fs::path root = dir / "photos";
  fs::create_directories(root / "2024");
  fs::create_directories(dir / "outside");
  std::ofstream(root / "2024" / "a.jpg") << "a";
  std::ofstream(dir / "outside" / "secret.jpg") << "s";
  std::ofstream(dir / "passwd") << "root:x:0:0";
  fs::create_symlink(dir / "passwd", root / "2024" / "passwd.jpg");
  fs::create_symlink("../../outside/secret.jpg", root / "2024" / "relative.jpg");
  fs::create_symlink("a.jpg", root / "2024" / "inside.jpg");
  fs::create_directory_symlink(dir / "outside", root / "linked-folder");
  fs::create_symlink(root / "2024" / "missing.jpg", root / "2024" / "dangling.jpg");

  auto files = ListPhotoFiles(root);
  ASSERT_TRUE(files) << files.error().message;
  const fs::path a = fs::canonical(root / "2024" / "a.jpg");
  // a.jpg, and the link inside the folder as the file it names.
  ASSERT_EQ(files->size(), 2u);
  for (const fs::path& file : *files) {
    EXPECT_EQ(fs::weakly_canonical(file), a) << file;
  }
}

}  // namespace
}  // namespace facetag::pipeline
