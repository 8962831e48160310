// The destinations of notifications (facetag/notify.h): the allow-list,
// the address checks, and the notifier the service and the CLI use.
#include <arpa/inet.h>
#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "facetag/file_io.h"
#include "facetag/notify.h"

namespace facetag::privacy {
namespace {

using Json = nlohmann::json;
constexpr std::size_t kMaxEntries = 1000;

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// What is shown of a caller's value in a message: printable ASCII, cut.
std::string Shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 120)) {
    out += (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) ? '?' : c;
  }
  return out;
}

bool IsMailAddress(std::string_view text) {
  const std::size_t at = text.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < text.size() &&
         text.find('@', at + 1) == std::string_view::npos &&
         text.find_first_of(" <>\r\n\t,;\"()[]\\") == std::string_view::npos;
}

struct Url {
  std::string host;  // lower case, IPv6 without brackets
  bool host_is_ip = false;
  int port = 80;
  std::string path;  // "/..." with the query
};

Result<Url> ParseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                "\"" + Shown(url) + "\" is not an http:// URL with a host");
  };
  if (url.size() > 2048 || Lower(url.substr(0, kScheme.size())) != kScheme) return bad();
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return bad();
  }
  const std::string_view rest = url.substr(kScheme.size());
  const std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  Url out;
  out.path = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
  if (!out.path.empty() && out.path[0] != '/') out.path = "/" + out.path;
  if (const std::size_t hash = out.path.find('#'); hash != std::string::npos) out.path.resize(hash);
  if (authority.find('@') != std::string_view::npos) return bad();  // no user info
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad();
    out.host = Lower(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad();
      port_text = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = Lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad();
  if (!port_text.empty()) {
    int port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) return bad();
      port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) return bad();
    out.port = port;
  }
  unsigned char buffer[16];
  out.host_is_ip = ::inet_pton(AF_INET, out.host.c_str(), buffer) == 1 ||
                   ::inet_pton(AF_INET6, out.host.c_str(), buffer) == 1;
  if (!out.host_is_ip &&
      out.host.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") != std::string::npos) {
    return bad();
  }
  return out;
}

// `path` starts with `prefix` at a segment boundary.
bool PathWithin(std::string_view prefix, std::string_view path) {
  const std::size_t cut = prefix.find_first_of("?");
  prefix = prefix.substr(0, cut);
  if (prefix.empty() || prefix == "/") return true;
  if (path.substr(0, prefix.size()) != prefix) return false;
  if (path.size() == prefix.size() || prefix.back() == '/') return true;
  const char next = path[prefix.size()];
  return next == '/' || next == '?';
}

bool InV4(std::uint32_t ip, std::uint32_t net, int bits) {
  const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (ip & mask) == (net & mask);
}

bool InternalV4(std::uint32_t ip) {
  static constexpr std::array<std::pair<std::uint32_t, int>, 15> kRanges = {{
      {0x00000000, 8},   // "this" network
      {0x0A000000, 8},   // private
      {0x64400000, 10},  // shared address space (carrier NAT)
      {0x7F000000, 8},   // loopback
      {0xA9FE0000, 16},  // link-local, cloud metadata (169.254.169.254)
      {0xAC100000, 12},  // private
      {0xC0000000, 24},  // IETF protocol assignments
      {0xC0000200, 24},  // documentation
      {0xC0586300, 24},  // 6to4 relay anycast
      {0xC0A80000, 16},  // private
      {0xC6120000, 15},  // benchmarking
      {0xC6336400, 24},  // documentation
      {0xCB007100, 24},  // documentation
      {0xE0000000, 4},   // multicast
      {0xF0000000, 4},   // reserved, and the broadcast address
  }};
  return std::any_of(kRanges.begin(), kRanges.end(),
                     [&](const auto& r) { return InV4(ip, r.first, r.second); });
}

}  // namespace

bool IsInternalAddress(std::string_view ip_text) {
  const std::string text(ip_text);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return InternalV4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) != 1) return true;
  const unsigned char* b = v6.s6_addr;
  auto embedded_v4 = [&](int at) {
    return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
           (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
  };
  const bool first_80_zero = std::all_of(b, b + 10, [](unsigned char c) { return c == 0; });
  if (first_80_zero && b[10] == 0xff && b[11] == 0xff) return InternalV4(embedded_v4(12));  // mapped
  if (first_80_zero && b[10] == 0 && b[11] == 0) return true;  // ::, ::1, IPv4-compatible
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {
    return InternalV4(embedded_v4(12));  // NAT64
  }
  if (b[0] == 0x20 && b[1] == 0x02) return InternalV4(embedded_v4(2));  // 6to4
  if ((b[0] & 0xfe) == 0xfc) return true;                                 // unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;                 // link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return true;                 // site-local
  if (b[0] == 0xff) return true;                                          // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // documentation
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) return true;  // Teredo
  if (b[0] == 0x01 && b[1] == 0x00 && std::all_of(b + 2, b + 8, [](unsigned char c) {
        return c == 0;
      })) {
    return true;  // discard-only
  }
  return false;
}

Result<NotifyAllowList> ParseAllowList(std::string_view json_text) {
  const Json json = Json::parse(json_text, nullptr, false);
  auto bad = [](const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, "the list of notification destinations " + why);
  };
  if (!json.is_object() || !json.contains("destinations") || !json["destinations"].is_array()) {
    return bad("must be {\"destinations\": [...]}");
  }
  if (json["destinations"].size() > kMaxEntries) return bad("has more than 1000 entries");
  NotifyAllowList list;
  for (const Json& entry : json["destinations"]) {
    if (!entry.is_object()) return bad("holds an entry that is not an object");
    NotifyDestination d;
    if (entry.contains("mail") && entry["mail"].is_string() && !entry.contains("webhook")) {
      d.kind = NotifyDestination::Kind::kMail;
      d.pattern = Lower(entry["mail"].get<std::string>());
      const bool domain = d.pattern.size() > 1 && d.pattern[0] == '@' &&
                          IsMailAddress("x" + d.pattern);
      if (!domain && !IsMailAddress(d.pattern)) {
        return bad("holds \"" + Shown(d.pattern) + "\", neither an address nor \"@domain\"");
      }
    } else if (entry.contains("webhook") && entry["webhook"].is_string() &&
               !entry.contains("mail")) {
      d.kind = NotifyDestination::Kind::kWebhook;
      d.pattern = entry["webhook"].get<std::string>();
      auto url = ParseUrl(d.pattern);
      if (!url) return bad("holds " + url.error().message);
    } else {
      return bad("holds an entry without exactly one of \"mail\" and \"webhook\"");
    }
    if (entry.contains("internal")) {
      if (!entry["internal"].is_boolean()) return bad("holds an \"internal\" that is not true/false");
      d.internal = entry["internal"].get<bool>();
    }
    list.destinations.push_back(std::move(d));
  }
  return list;
}

std::string AllowListJson(const NotifyAllowList& list) {
  Json entries = Json::array();
  for (const NotifyDestination& d : list.destinations) {
    if (d.kind == NotifyDestination::Kind::kMail) {
      entries.push_back({{"mail", d.pattern}});
    } else {
      entries.push_back({{"webhook", d.pattern}, {"internal", d.internal}});
    }
  }
  return Json{{"destinations", entries}}.dump(2);
}

std::filesystem::path AllowListFileOf(const std::filesystem::path& database) {
  return database.parent_path() / "notify-destinations.json";
}

Result<NotifyAllowList> LoadAllowList(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return NotifyAllowList{};
  auto bytes = ReadFileBytes(file, 1 << 20);
  if (!bytes) return tl::unexpected(bytes.error());
  return ParseAllowList(std::string_view(reinterpret_cast<const char*>(bytes->data()),
                                         bytes->size()));
}

Result<void> SaveAllowList(const std::filesystem::path& file, const NotifyAllowList& list) {
  const std::string text = AllowListJson(list) + "\n";
  return WritePrivateFile(file, {reinterpret_cast<const unsigned char*>(text.data()), text.size()});
}

Result<std::vector<std::string>> ResolveHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0) {
    return Fail(ErrorCode::kIo, "cannot resolve " + host + ": " + ::gai_strerror(rc));
  }
  std::vector<std::string> addresses;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = a->ai_family == AF_INET
                          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (::inet_ntop(a->ai_family, raw, text, sizeof text) != nullptr &&
        std::find(addresses.begin(), addresses.end(), text) == addresses.end()) {
      addresses.emplace_back(text);
    }
  }
  ::freeaddrinfo(found);
  return addresses;
}

Result<void> CheckMailDestination(const NotifyAllowList& list, std::string_view address) {
  if (!IsMailAddress(address)) {
    return Fail(ErrorCode::kInvalidArgument, "\"" + Shown(address) + "\" is not an e-mail address");
  }
  const std::string lower = Lower(address);
  const std::string domain = lower.substr(lower.find('@'));
  for (const NotifyDestination& d : list.destinations) {
    if (d.kind == NotifyDestination::Kind::kMail && (d.pattern == lower || d.pattern == domain)) {
      return {};
    }
  }
  return Fail(ErrorCode::kRejected, "the e-mail address \"" + Shown(address) +
                                        "\" is not on the allow-list of notification "
                                        "destinations (an admin sets it)");
}

Result<WebhookTarget> CheckWebhookDestination(const NotifyAllowList& list, std::string_view url,
                                              const Resolver& resolve) {
  FACETAG_ASSIGN_OR_RETURN(const Url wanted, ParseUrl(url));
  const NotifyDestination* allowing = nullptr;
  for (const NotifyDestination& d : list.destinations) {
    if (d.kind != NotifyDestination::Kind::kWebhook) continue;
    auto entry = ParseUrl(d.pattern);
    if (entry && entry->host == wanted.host && entry->port == wanted.port &&
        PathWithin(entry->path, wanted.path)) {
      allowing = &d;
      break;
    }
  }
  if (allowing == nullptr) {
    return Fail(ErrorCode::kRejected, "the webhook \"" + Shown(url) +
                                          "\" is not on the allow-list of notification "
                                          "destinations (an admin sets it)");
  }
  WebhookTarget target{wanted.host, wanted.port, wanted.path, {}};
  if (!resolve) return target;
  if (wanted.host_is_ip) {
    target.addresses.push_back(wanted.host);
    return target;
  }
  FACETAG_ASSIGN_OR_RETURN(const std::vector<std::string> addresses, resolve(wanted.host));
  for (const std::string& address : addresses) {
    if (allowing->internal || !IsInternalAddress(address)) target.addresses.push_back(address);
  }
  if (target.addresses.empty()) {
    return Fail(ErrorCode::kRejected, "the webhook host " + wanted.host +
                                          " has no public address, and its entry does not "
                                          "allow internal ones");
  }
  return target;
}

// ---------------------------------------------------------------------------
// RelayNotifier

RelayNotifier::RelayNotifier(NotifyOptions relay,
                             std::function<Result<NotifyAllowList>()> allow_list,
                             std::function<std::string(std::string_view token)> link,
                             Resolver resolve)
    : relay_(std::move(relay)),
      allow_list_(std::move(allow_list)),
      link_(std::move(link)),
      resolve_(std::move(resolve)) {}

std::string RelayNotifier::DownloadLink(std::string_view token) const { return link_(token); }

Result<void> RelayNotifier::CheckMail(std::string_view to) const {
  FACETAG_ASSIGN_OR_RETURN(const NotifyAllowList list, allow_list_());
  return CheckMailDestination(list, to);
}

Result<void> RelayNotifier::CheckWebhook(std::string_view url) const {
  FACETAG_ASSIGN_OR_RETURN(const NotifyAllowList list, allow_list_());
  auto target = CheckWebhookDestination(list, url, {});
  if (!target) return tl::unexpected(target.error());
  return {};
}

Result<void> RelayNotifier::SendMail(std::string_view to, std::string_view subject,
                                     std::string_view body) {
  FACETAG_RETURN_IF_ERROR(CheckMail(to));
  return privacy::SendMail(relay_, to, subject, body);
}

Result<void> RelayNotifier::PostWebhook(std::string_view url, std::string_view json) {
  FACETAG_ASSIGN_OR_RETURN(const NotifyAllowList list, allow_list_());
  FACETAG_ASSIGN_OR_RETURN(const WebhookTarget target,
                           CheckWebhookDestination(list, url, resolve_));
  const std::string host_header =
      (target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host) +
      (target.port == 80 ? "" : ":" + std::to_string(target.port));
  std::string failure = "no address answered";
  // The address checked is the address connected to: the name is not
  // resolved again (a second answer could be another address).
  for (const std::string& address : target.addresses) {
    httplib::Client client(address, target.port);
    const auto timeout = std::chrono::milliseconds(relay_.timeout_ms);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
    client.set_follow_location(false);
    auto response = client.Post(target.path.c_str(), {{"Host", host_header}}, std::string(json),
                                "application/json");
    if (!response) {
      failure = address + ": " + httplib::to_string(response.error());
      continue;
    }
    if (response->status >= 200 && response->status <= 299) return {};
    return Fail(ErrorCode::kIo, "webhook " + target.host + " answered HTTP " +
                                    std::to_string(response->status));
  }
  return Fail(ErrorCode::kIo, "webhook " + target.host + ": " + failure);
}

}  // namespace facetag::privacy
