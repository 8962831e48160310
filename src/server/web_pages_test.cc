#include "web_pages.h"

#include <gtest/gtest.h>

#include <string>

#include "test_data.h"

namespace facetag::server {
namespace {

constexpr std::string_view kLayout =
    "<title>{{title}} — facetag</title>\n"
    "  {{head}}\n"
    "<a href=\"a.html\">A</a> <a href=\"b.html\">B</a>\n"
    "<h1>{{title}}</h1>\n"
    "{{content}}\n";

TEST(ComposeWebPage, FillsTheLayoutFromThePartAndMarksTheCurrentPage) {
  auto page = ComposeWebPage(kLayout, "b.html",
                             "<title>Bees</title>\n"
                             "<script type=\"module\" src=\"js/b.js\"></script>\n"
                             "  <p>hive</p>\n"
                             "  <script>not in the head</script>\n");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(*page,
            "<title>Bees — facetag</title>\n"
            "  <script type=\"module\" src=\"js/b.js\"></script>\n"
            "<a href=\"a.html\">A</a> <a href=\"b.html\" aria-current=\"page\">B</a>\n"
            "<h1>Bees</h1>\n"
            "  <p>hive</p>\n"
            "  <script>not in the head</script>\n");
}

TEST(ComposeWebPage, APartWithoutATitleLineIsRefusedByName) {
  auto page = ComposeWebPage(kLayout, "a.html", "<p>no title</p>\n");
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(page.error().message.find("a.html"), std::string::npos);
}

TEST(ComposeWebPage, AFolderWithoutALayoutIsRefused) {
  auto pages = ComposeWebPages(testing::SourceDir() / "web" / "js");
  ASSERT_FALSE(pages);
  EXPECT_EQ(pages.error().code, ErrorCode::kNotFound);
}

// The shipped pages: each one whole, every placeholder filled, its own link
// marked current and no other.
TEST(ComposeWebPage, EveryShippedPageComposes) {
  auto pages = ComposeWebPages(testing::SourceDir() / "web");
  ASSERT_TRUE(pages) << pages.error().message;
  for (const char* name : {"index", "editor", "review", "candidates", "privacy"}) {
    const std::string path = std::string("/") + name + ".html";
    ASSERT_TRUE(pages->contains(path)) << path;
    const std::string& html = pages->at(path);
    EXPECT_EQ(html.find("{{"), std::string::npos) << path;
    EXPECT_NE(html.find("<a href=\"" + std::string(name) + ".html\" aria-current=\"page\">"),
              std::string::npos)
        << path;
    const auto first = html.find("aria-current");
    EXPECT_EQ(html.find("aria-current", first + 1), std::string::npos) << path;
    EXPECT_NE(html.find("<script type=\"module\" src=\"js/"), std::string::npos) << path;
    EXPECT_LT(html.find("<script"), html.find("</head>")) << path;
    EXPECT_NE(html.find("</html>"), std::string::npos) << path;
  }
}

}  // namespace
}  // namespace facetag::server
