// The allow-list of notification destinations and the address checks; the
// relay notifier against a local listener.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <thread>

#include "facetag/notify.h"
#include "test_data.h"

namespace facetag::privacy {
namespace {

NotifyAllowList List(const std::string& json) {
  auto list = ParseAllowList(json);
  EXPECT_TRUE(list) << list.error().message;
  return list ? *list : NotifyAllowList{};
}

// A resolver that answers from a table, as a hostile DNS could.
Resolver Table(std::map<std::string, std::vector<std::string>> table) {
  return [table](const std::string& host) -> Result<std::vector<std::string>> {
    auto it = table.find(host);
    if (it == table.end()) return Fail(ErrorCode::kIo, "cannot resolve " + host);
    return it->second;
  };
}

TEST(IsInternalAddress, KnowsTheRangesThatAreNotPublic) {
  for (const char* internal :
       {"169.254.169.254", "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "100.64.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.1", "192.0.2.1",
        "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:169.254.169.254",
        "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "2001:db8::1",
        "not an address", ""}) {
    EXPECT_TRUE(IsInternalAddress(internal)) << internal;
  }
  for (const char* external : {"8.8.8.8", "172.32.0.1", "93.184.216.34", "2a00:1450:4001::1",
                               "::ffff:8.8.8.8", "2002:0808:0808::1"}) {
    EXPECT_FALSE(IsInternalAddress(external)) << external;
  }
}

TEST(NotifyAllowList, ParsesAndWritesTheJsonForm) {
  const NotifyAllowList list = List(
      R"({"destinations":[{"mail":"@Client.example"},{"mail":"desk@press.example"},)"
      R"({"webhook":"http://hooks.agency.local:8080/facetag","internal":true}]})");
  ASSERT_EQ(list.destinations.size(), 3u);
  EXPECT_EQ(list.destinations[0].pattern, "@client.example");
  EXPECT_TRUE(list.destinations[2].internal);
  auto again = ParseAllowList(AllowListJson(list));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->destinations.size(), 3u);
  for (const char* bad :
       {R"([])", R"({"destinations":{}})", R"({"destinations":[{"mail":"nobody"}]})",
        R"({"destinations":[{"webhook":"https://x.example/"}]})",
        R"({"destinations":[{"webhook":"http://user@x.example/"}]})",
        R"({"destinations":[{"mail":"a@b.example","webhook":"http://x/"}]})",
        R"({"destinations":[{"webhook":"http://x/","internal":"yes"}]})", "not json"}) {
    auto refused = ParseAllowList(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(NotifyAllowList, IsKeptInAPrivateFile) {
  const auto dir = testing::TempDir("allow-list");
  auto missing = LoadAllowList(dir / "notify-destinations.json");
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->destinations.empty());
  ASSERT_TRUE(SaveAllowList(dir / "notify-destinations.json",
                            List(R"({"destinations":[{"mail":"@client.example"}]})")));
  struct stat st {};
  ASSERT_EQ(::stat((dir / "notify-destinations.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = LoadAllowList(dir / "notify-destinations.json");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->destinations.size(), 1u);
}

TEST(CheckMailDestination, OnlyListedAddressesAndDomains) {
  const NotifyAllowList list =
      List(R"({"destinations":[{"mail":"@client.example"},{"mail":"desk@press.example"}]})");
  EXPECT_TRUE(CheckMailDestination(list, "Editor@CLIENT.example"));
  EXPECT_TRUE(CheckMailDestination(list, "desk@press.example"));
  EXPECT_EQ(CheckMailDestination(list, "other@press.example").error().code, ErrorCode::kRejected);
  EXPECT_EQ(CheckMailDestination(list, "a@sub.client.example").error().code, ErrorCode::kRejected);
  EXPECT_EQ(CheckMailDestination(list, "a@client.example>\r\nRCPT TO:<x@evil.example").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(CheckMailDestination({}, "a@client.example").error().code, ErrorCode::kRejected);
}

TEST(CheckWebhookDestination, TheMetadataAddressIsRefusedUnlessAnAdminNamedIt) {
  const NotifyAllowList list = List(
      R"({"destinations":[{"webhook":"http://hooks.client.example/facetag"},)"
      R"({"webhook":"http://hooks.agency.local:8080/","internal":true},)"
      R"({"webhook":"http://10.0.0.5/hook"}]})");
  const Resolver dns = Table({{"hooks.client.example", {"169.254.169.254"}},
                              {"hooks.agency.local", {"10.0.0.7"}},
                              {"rebound.client.example", {"127.0.0.1"}}});
  // Not on the list at all.
  for (const char* url : {"http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8080/x",
                          "http://hooks.client.example/facetag-x",
                          "http://hooks.client.example:81/facetag", "http://10.0.0.5/other"}) {
    auto refused = CheckWebhookDestination(list, url, dns);
    ASSERT_FALSE(refused) << url;
    EXPECT_EQ(refused.error().code, ErrorCode::kRejected) << url;
  }
  // On the list by name, but the name resolves to the metadata address.
  auto rebound = CheckWebhookDestination(list, "http://hooks.client.example/facetag/done", dns);
  ASSERT_FALSE(rebound);
  EXPECT_EQ(rebound.error().code, ErrorCode::kRejected);
  // Checked without resolving (a request before its job runs): listed.
  EXPECT_TRUE(CheckWebhookDestination(list, "http://hooks.client.example/facetag/done", {}));
  // An entry that allows internal addresses, and an address named by IP.
  auto agency = CheckWebhookDestination(list, "http://hooks.agency.local:8080/jobs?x=1", dns);
  ASSERT_TRUE(agency) << agency.error().message;
  EXPECT_EQ(agency->addresses, std::vector<std::string>{"10.0.0.7"});
  EXPECT_EQ(agency->path, "/jobs?x=1");
  auto literal = CheckWebhookDestination(list, "http://10.0.0.5/hook/1", dns);
  ASSERT_TRUE(literal);
  EXPECT_EQ(literal->addresses, std::vector<std::string>{"10.0.0.5"});
  EXPECT_EQ(CheckWebhookDestination(list, "https://hooks.client.example/facetag", dns)
                .error()
                .code,
            ErrorCode::kInvalidArgument);
}

TEST(RelayNotifier, PostsOnlyToListedDestinationsAndKeepsNoAnswer) {
  httplib::Server server;
  int hits = 0;
  server.Post("/hook", [&](const httplib::Request&, httplib::Response& response) {
    ++hits;
    response.status = 204;
  });
  server.Post("/moved", [&](const httplib::Request&, httplib::Response& response) {
    ++hits;
    response.set_redirect("http://169.254.169.254/latest/meta-data/");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread listener([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  NotifyAllowList list = List(R"({"destinations":[{"webhook":")" + base + R"(/hook"},)" +
                              R"({"webhook":")" + base + R"(/moved"}]})");
  RelayNotifier notifier(
      NotifyOptions{}, [&] { return Result<NotifyAllowList>(list); },
      [](std::string_view token) { return "https://facetag.example/d/" + std::string(token); });
  EXPECT_EQ(notifier.DownloadLink("abc"), "https://facetag.example/d/abc");
  EXPECT_TRUE(notifier.PostWebhook(base + "/hook", "{}"));
  EXPECT_EQ(hits, 1);
  // A redirect is an answer like any other: not followed, not a success.
  EXPECT_FALSE(notifier.PostWebhook(base + "/moved", "{}"));
  EXPECT_EQ(hits, 2);
  auto unlisted = notifier.PostWebhook(base + "/other", "{}");
  ASSERT_FALSE(unlisted);
  EXPECT_EQ(unlisted.error().code, ErrorCode::kRejected);
  EXPECT_EQ(hits, 2);
  // The list applies as it is now: an admin's removal stops the next notice.
  list.destinations.clear();
  EXPECT_FALSE(notifier.PostWebhook(base + "/hook", "{}"));
  EXPECT_EQ(notifier.CheckWebhook(base + "/hook").error().code, ErrorCode::kRejected);
  EXPECT_EQ(hits, 2);
  server.stop();
  listener.join();
}

}  // namespace
}  // namespace facetag::privacy
