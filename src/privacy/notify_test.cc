// Notifications against a local SMTP sink and a local HTTP listener, both on
// loopback and written here.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "facetag/privacy.h"

namespace facetag::privacy {
namespace {

// A one-connection SMTP server that accepts everything except a recipient
// it is told to refuse, and keeps what the client sent.
class SmtpSink {
 public:
  explicit SmtpSink(std::string refuse_recipient = "") : refuse_(std::move(refuse_recipient)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    ::listen(listener_, 1);
    thread_ = std::thread([this] { Serve(); });
  }
  ~SmtpSink() {
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
  }
  int port() const { return port_; }
  // Everything the client sent; complete once the sink's thread ended.
  const std::string& received() {
    if (thread_.joinable()) thread_.join();
    return received_;
  }

 private:
  void Reply(int fd, const std::string& text) {
    ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
  }

  void Serve() {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    Reply(fd, "220 sink ready\r\n");
    std::string buffer;
    bool in_data = false;
    char chunk[1024];
    for (;;) {
      const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) break;
      received_.append(chunk, static_cast<std::size_t>(got));
      buffer.append(chunk, static_cast<std::size_t>(got));
      for (;;) {
        if (in_data) {
          const std::size_t end = buffer.find("\r\n.\r\n");
          if (end == std::string::npos) break;
          buffer.erase(0, end + 5);
          in_data = false;
          Reply(fd, "250 queued\r\n");
          continue;
        }
        const std::size_t end = buffer.find("\r\n");
        if (end == std::string::npos) break;
        const std::string line = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        if (line.rfind("EHLO", 0) == 0) {
          Reply(fd, "250-sink\r\n250 8BITMIME\r\n");
        } else if (line.rfind("RCPT TO:", 0) == 0 && !refuse_.empty() &&
                   line.find(refuse_) != std::string::npos) {
          Reply(fd, "550 no such user\r\n");
        } else if (line == "DATA") {
          in_data = true;
          Reply(fd, "354 go ahead\r\n");
        } else if (line == "QUIT") {
          Reply(fd, "221 bye\r\n");
          ::close(fd);
          return;
        } else {
          Reply(fd, "250 ok\r\n");
        }
      }
    }
    ::close(fd);
  }

  std::string refuse_;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string received_;
};

TEST(NotifyTest, SendsMailThroughTheRelay) {
  SmtpSink sink;
  NotifyOptions options;
  options.smtp_port = sink.port();
  options.mail_from = "exports@agency.test";
  auto sent = SendMail(options, "editor@client.test", "your export",
                       "Line one\n.a line starting with a dot\n");
  ASSERT_TRUE(sent) << sent.error().message;
  const std::string& got = sink.received();
  EXPECT_NE(got.find("MAIL FROM:<exports@agency.test>\r\n"), std::string::npos);
  EXPECT_NE(got.find("RCPT TO:<editor@client.test>\r\n"), std::string::npos);
  EXPECT_NE(got.find("Subject: your export\r\n"), std::string::npos);
  EXPECT_NE(got.find("\r\n..a line starting with a dot\r\n"), std::string::npos) << got;
}

TEST(NotifyTest, ReportsTheRelaysRefusal) {
  SmtpSink sink("nobody@");
  NotifyOptions options;
  options.smtp_port = sink.port();
  auto sent = SendMail(options, "nobody@client.test", "x", "y");
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kIo);
  EXPECT_NE(sent.error().message.find("550"), std::string::npos) << sent.error().message;
  EXPECT_EQ(sink.received().find("DATA"), std::string::npos) << "no message after a refusal";
}

TEST(NotifyTest, RefusesHeaderInjection) {
  NotifyOptions options;
  options.smtp_port = 1;  // never reached
  for (const char* to : {"a@b.test\r\nRCPT TO:<c@d.test>", "no-at-sign", "", "a b@c.test"}) {
    auto sent = SendMail(options, to, "s", "b");
    ASSERT_FALSE(sent) << to;
    EXPECT_EQ(sent.error().code, ErrorCode::kInvalidArgument) << to;
  }
  auto subject = SendMail(options, "a@b.test", "x\r\nBcc: c@d.test", "b");
  ASSERT_FALSE(subject);
  EXPECT_EQ(subject.error().code, ErrorCode::kInvalidArgument);
}

TEST(NotifyTest, PostsWebhooks) {
  httplib::Server server;
  std::string body;
  server.Post("/hook", [&](const httplib::Request& request, httplib::Response& response) {
    body = request.body;
    response.status = 204;
  });
  server.Post("/broken",
              [](const httplib::Request&, httplib::Response& response) { response.status = 500; });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread listener([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  auto posted = PostWebhook(base + "/hook", R"({"job":1})");
  EXPECT_TRUE(posted) << posted.error().message;
  EXPECT_EQ(body, R"({"job":1})");
  auto failed = PostWebhook(base + "/broken", "{}");
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("500"), std::string::npos);
  server.stop();
  listener.join();
  for (const char* bad : {"https://example.org/x", "ftp://x", "http://", "http://host:99999/"}) {
    auto refused = PostWebhook(bad, "{}");
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace facetag::privacy
