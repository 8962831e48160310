// Notifications of finished photo exports, and the destinations they may go
// to.
//
// A privacy officer names an e-mail address or a webhook when asking for an
// export; facetag reaches it only when an admin has put it on the
// allow-list (NotifyAllowList). A webhook given by host name is reached only
// at public addresses unless its entry allows internal ones, so an allowed
// name cannot be pointed at 169.254.169.254 or the loopback later; the
// address checked is the address connected to. Nothing of the answer (status,
// body, error) goes back to the requester: the job says "sent" or "not
// sent", the operator's log says why.
//
// The privacy module sends through the Notifier interface; the server
// provides the implementation (RelayNotifier) with its allow-list, its SMTP
// relay and its download links, so privacy knows no HTTP route.
//
// Thread safety: the free functions are reentrant. RelayNotifier may be used
// from several threads (its hooks must be, too).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "facetag/privacy.h"
#include "facetag/result.h"

namespace facetag::privacy {

// One destination an admin allowed.
struct NotifyDestination {
  enum class Kind { kMail, kWebhook };
  Kind kind = Kind::kMail;
  // kMail: "desk@client.example" (that address) or "@client.example" (any
  // address at that domain; not its subdomains). Compared without case.
  // kWebhook: an http:// URL: scheme, host and port must be the same and
  // the path must start with this one's path at a '/' boundary
  // ("http://hooks.example/facetag" allows ".../facetag" and
  // ".../facetag/done", not ".../facetag-x").
  std::string pattern;
  // kWebhook with a host name: its addresses may be internal (loopback,
  // private, link-local, ...). Without it only public addresses are
  // reached. A host written as an IP address is reached whatever it is:
  // the admin named it.
  bool internal = false;
};

struct NotifyAllowList {
  std::vector<NotifyDestination> destinations;
};

// The JSON form: {"destinations": [{"mail": "@client.example"},
// {"webhook": "http://hooks.example/x", "internal": false}]}.
// Errors: kInvalidArgument (not this form, a bad address or URL, more than
// 1,000 entries).
Result<NotifyAllowList> ParseAllowList(std::string_view json);
std::string AllowListJson(const NotifyAllowList& list);

// Where the allow-list of the database `database` is kept: beside it, so
// that `facetag serve` (which an admin edits it through) and the CLI's
// exports read the same list.
std::filesystem::path AllowListFileOf(const std::filesystem::path& database);

// The list kept in `file` (JSON above); an empty list when the file does
// not exist. Errors: kInvalidArgument (content), kIo.
Result<NotifyAllowList> LoadAllowList(const std::filesystem::path& file);
// Writes `file` atomically, mode 0600. Errors: kIo.
Result<void> SaveAllowList(const std::filesystem::path& file, const NotifyAllowList& list);

// A checked webhook URL.
struct WebhookTarget {
  std::string host;  // as written in the URL (the Host header)
  int port = 80;
  std::string path;                    // "/..." with the query
  std::vector<std::string> addresses;  // the IP addresses that may be connected to
};

// Resolves a host name to IP addresses (text). Errors: kIo.
using Resolver = std::function<Result<std::vector<std::string>>(const std::string& host)>;
// getaddrinfo.
Result<std::vector<std::string>> ResolveHost(const std::string& host);

// kRejected ("... is not on the allow-list of notification destinations")
// unless an entry allows the address; kInvalidArgument for what is not an
// e-mail address.
Result<void> CheckMailDestination(const NotifyAllowList& list, std::string_view address);

// The webhook `url` when an entry allows it and its addresses may be
// reached: kInvalidArgument (not an http:// URL with a host), kRejected
// (not on the list; or every address is internal and the entry does not
// allow that). With `resolve` empty, only the list is checked (no
// addresses: for checking a request before the job runs).
Result<WebhookTarget> CheckWebhookDestination(const NotifyAllowList& list, std::string_view url,
                                              const Resolver& resolve);

// True for addresses that are not on the public Internet: unspecified,
// loopback, private (RFC 1918, fc00::/7), shared (100.64/10), link-local
// (169.254/16, fe80::/10, the cloud metadata address among them),
// multicast, broadcast, documentation and reserved ranges, and IPv4-mapped
// or -compatible forms of those. Text that is not an address counts as
// internal.
bool IsInternalAddress(std::string_view ip);

// Where finished exports are announced (JobRunOptions::notifier).
class Notifier {
 public:
  virtual ~Notifier() = default;
  // The link that downloads the export whose token is `token`.
  virtual std::string DownloadLink(std::string_view token) const = 0;
  // kRejected unless the destination is allowed (the list only; see
  // CheckMailDestination and CheckWebhookDestination).
  virtual Result<void> CheckMail(std::string_view to) const = 0;
  virtual Result<void> CheckWebhook(std::string_view url) const = 0;
  // Sends; the error is for the operator's log, never for the requester.
  virtual Result<void> SendMail(std::string_view to, std::string_view subject,
                                std::string_view body) = 0;
  virtual Result<void> PostWebhook(std::string_view url, std::string_view json) = 0;
};

// The Notifier of the service and the CLI: mail through the SMTP relay of
// `relay`, webhooks by HTTP POST, each destination checked against the list
// `allow_list` returns at that moment (so an admin's change applies to the
// next notice), links made by `link`. A webhook connects to the address it
// checked, follows no redirect and reads nothing but the status.
class RelayNotifier final : public Notifier {
 public:
  RelayNotifier(NotifyOptions relay, std::function<Result<NotifyAllowList>()> allow_list,
                std::function<std::string(std::string_view token)> link,
                Resolver resolve = ResolveHost);

  std::string DownloadLink(std::string_view token) const override;
  Result<void> CheckMail(std::string_view to) const override;
  Result<void> CheckWebhook(std::string_view url) const override;
  Result<void> SendMail(std::string_view to, std::string_view subject,
                        std::string_view body) override;
  Result<void> PostWebhook(std::string_view url, std::string_view json) override;

 private:
  const NotifyOptions relay_;
  const std::function<Result<NotifyAllowList>()> allow_list_;
  const std::function<std::string(std::string_view)> link_;
  const Resolver resolve_;
};

}  // namespace facetag::privacy
