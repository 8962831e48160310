#include "web_pages.h"

#include <algorithm>
#include <system_error>
#include <vector>

#include "facetag/file_io.h"

namespace facetag::server {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxPageBytes = 1u << 20;

std::string_view TrimLeft(std::string_view line) {
  const auto start = line.find_first_not_of(" \t");
  return start == std::string_view::npos ? std::string_view{} : line.substr(start);
}

// Replaces every "{{name}}" in `text` with `value`.
void Fill(std::string& text, std::string_view name, std::string_view value) {
  const std::string placeholder = "{{" + std::string(name) + "}}";
  for (auto at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
}

Result<std::string> ReadText(const fs::path& path) {
  FACETAG_ASSIGN_OR_RETURN(auto bytes, ReadFileBytes(path, kMaxPageBytes));
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

Result<std::string> ComposeWebPage(std::string_view layout, std::string_view file_name,
                                   std::string_view part) {
  constexpr std::string_view kOpen = "<title>", kClose = "</title>";
  std::string title, head, content;
  bool in_head = true;
  std::size_t line_number = 0;
  for (std::size_t begin = 0; begin < part.size();) {
    const auto end = std::min(part.find('\n', begin), part.size());
    const std::string_view line = part.substr(begin, end - begin);
    const std::string_view code = TrimLeft(line);
    begin = end + 1;
    if (++line_number == 1) {
      if (!code.starts_with(kOpen) || code.find(kClose) == std::string_view::npos) {
        return Fail(ErrorCode::kInvalidArgument,
                    "web page " + std::string(file_name) +
                        ": the first line must be the page's <title>...</title>");
      }
      title = code.substr(kOpen.size(), code.find(kClose) - kOpen.size());
      continue;
    }
    in_head = in_head && (code.starts_with("<script") || code.starts_with("<link"));
    std::string& to = in_head ? head : content;
    to.append(line).push_back('\n');
  }
  if (!head.empty() && head.back() == '\n') head.pop_back();
  if (!content.empty() && content.back() == '\n') content.pop_back();

  std::string page(layout);
  const std::string link = "<a href=\"" + std::string(file_name) + "\"";
  if (const auto at = page.find(link + ">"); at != std::string::npos) {
    page.insert(at + link.size(), " aria-current=\"page\"");
  }
  Fill(page, "title", title);
  Fill(page, "head", TrimLeft(head));
  Fill(page, "content", content);
  return page;
}

Result<WebPages> ComposeWebPages(const fs::path& web_root) {
  FACETAG_ASSIGN_OR_RETURN(const std::string layout, ReadText(web_root / "layout.html"));
  std::error_code ec;
  fs::directory_iterator it(web_root / "pages", ec);
  if (ec) {
    return Fail(ErrorCode::kNotFound,
                "the web folder " + web_root.string() + " has no pages/ folder");
  }
  WebPages pages;
  // Incremented with an error code: the range-for's ++ would throw.
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    if (path.extension() != ".html" || !it->is_regular_file(ec)) continue;
    const std::string name = path.filename().string();
    FACETAG_ASSIGN_OR_RETURN(const std::string part, ReadText(path));
    FACETAG_ASSIGN_OR_RETURN(std::string page, ComposeWebPage(layout, name, part));
    pages.emplace("/" + name, std::move(page));
  }
  if (ec) {
    return Fail(ErrorCode::kIo, "cannot list the web pages in " + (web_root / "pages").string() +
                                    ": " + ec.message());
  }
  return pages;
}

}  // namespace facetag::server
