// The web pages: every page is the one layout (web/layout.html: the head,
// the site header and navigation, the sign-in block) around the page's own
// part (web/pages/NAME.html), composed once when the server starts and
// served from memory at /NAME.html (and / for index.html). The style sheet
// and the scripts are served as files from the web folder.
//
// A page's part starts with its <title> line (the bare title: the layout
// adds " — facetag" and repeats it as the page's heading), then the
// <script>/<link> lines it needs in the head; every later line is the page's
// content, shown once the user has signed in.
//
// Thread safety: the functions are pure; a composed WebPages is immutable.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "facetag/result.h"

namespace facetag::server {

// The composed pages by request path ("/index.html", ...).
using WebPages = std::map<std::string, std::string>;

// One page: `layout` with its placeholders {{title}}, {{head}} and
// {{content}} filled from `part`, and the navigation link to `file_name`
// marked as the current page (aria-current). Errors: kInvalidArgument when
// the part does not start with a <title> line, naming `file_name`.
Result<std::string> ComposeWebPage(std::string_view layout, std::string_view file_name,
                                   std::string_view part);

// Every page of `web_root`/pages, composed with `web_root`/layout.html.
// Errors: kNotFound when the layout or the pages folder is missing,
// kInvalidArgument for a malformed part, kIo when a file cannot be read.
Result<WebPages> ComposeWebPages(const std::filesystem::path& web_root);

}  // namespace facetag::server
