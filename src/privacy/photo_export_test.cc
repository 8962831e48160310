// Zip entry names of exported photos cannot leave the export folder.
#include <gtest/gtest.h>

#include <filesystem>

#include "facetag/privacy.h"
#include "zip_writer.h"

namespace facetag::privacy {
namespace {

TEST(EntryNameTest, HostileLocationsBecomePlainFileNames) {
  EXPECT_EQ(EntryName(12, "/archive/2026/obama.jpg"), "12-obama.jpg");
  EXPECT_EQ(EntryName(3, "../../etc/passwd"), "3-passwd");
  EXPECT_EQ(EntryName(4, "/abs/path/.."), "4-photo");
  EXPECT_EQ(EntryName(5, "..\\..\\windows\\evil.jpg"), "5-evil.jpg");
  EXPECT_EQ(EntryName(6, "C:\\photos\\x y.jpg"), "6-x_y.jpg");
  EXPECT_EQ(EntryName(7, ".hidden"), "7-hidden");
  EXPECT_EQ(EntryName(8, ""), "8-photo");
  EXPECT_EQ(EntryName(9, "Wałęsa.jpg"), "9-Wa____sa.jpg");
  EXPECT_EQ(EntryName(10, std::string(300, 'a') + ".jpg").size(), 3u + 100u);
  for (const char* hostile : {"../../etc/passwd", "/etc/shadow", "a/../../b", "..", "....//x",
                              "x\\..\\..\\y", "\n../evil"}) {
    const std::string name = EntryName(1, hostile);
    EXPECT_TRUE(detail::IsSafeEntryName(name)) << name;
    EXPECT_EQ(name.find('/'), std::string::npos) << name;
    EXPECT_EQ(name.find(".."), std::string::npos) << name;
    // Extracted anywhere, it stays there.
    const auto target = (std::filesystem::path("/out") / name).lexically_normal();
    EXPECT_EQ(target.parent_path(), std::filesystem::path("/out")) << name;
  }
}

TEST(EntryNameTest, TheZipWriterRefusesUnsafeNames) {
  for (const char* bad : {"../x", "/abs", "a/../b", "a\\b", "", "a//b", ".", "x/"}) {
    EXPECT_FALSE(detail::IsSafeEntryName(bad)) << bad;
  }
  EXPECT_TRUE(detail::IsSafeEntryName("manifest.json"));
  EXPECT_TRUE(detail::IsSafeEntryName("photos/1-a.jpg"));
}

}  // namespace
}  // namespace facetag::privacy
