// Fuzz target: the API's request bodies and text parameters. The input is a
// body as a client sends it; it goes through the server's JSON body parser,
// then every member is read the ways the handlers read fields (strings with
// each limit, booleans, ids), and the same bytes as an allow-list document,
// a query string (integers, text, date bounds) and a calendar date.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "facetag/date_text.h"
#include "facetag/notify.h"
#include "server/http.h"

namespace fs = facetag::server;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  httplib::Request req;
  req.body = text;
  auto body = fs::JsonObjectBody(req);
  if (body) {
    int fields = 0;
    for (const auto& [key, value] : body->items()) {
      if (++fields > 64) break;
      (void)value;
      const char* field = key.c_str();
      (void)fs::RequiredString(*body, field);
      (void)fs::RequiredString(*body, field, fs::kMaxNameChars, false);
      (void)fs::OptionalString(*body, field, fs::kMaxLineChars, false);
      (void)fs::OptionalBool(*body, field);
      (void)fs::RequiredId(*body, field);
    }
    httplib::Response res;
    fs::SendJson(res, *body);  // answers echo client text: must serialise
  }
  (void)fs::CheckText(text, "text", fs::kMaxNameChars, false);
  (void)facetag::privacy::ParseAllowList(text);
  (void)facetag::ParseCalendarDate(text, "received_on", 1900, 2100);
  (void)facetag::CheckDateBound(text, "from");

  httplib::Request query;
  httplib::detail::parse_query_text(text, query.params);
  (void)fs::QueryInt(query, "limit", 50, 1, 1000);
  (void)fs::QueryText(query, "text");
  (void)fs::QueryDateBound(query, "from");
  (void)fs::QueryDateBound(query, "to");
  return 0;
}
