// Notifications: plain SMTP to a relay, and webhooks over HTTP.
#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "facetag/privacy.h"

namespace facetag::privacy {
namespace {

bool HasLineBreak(std::string_view text) {
  return text.find('\r') != std::string_view::npos || text.find('\n') != std::string_view::npos;
}

// One SMTP conversation over a connected socket.
class SmtpSession {
 public:
  explicit SmtpSession(int fd) : fd_(fd) {}
  ~SmtpSession() { ::close(fd_); }

  Result<void> Send(std::string_view text) {
    while (!text.empty()) {
      const ssize_t sent = ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL);
      if (sent <= 0) return Fail(ErrorCode::kIo, "SMTP relay: connection lost while sending");
      text.remove_prefix(static_cast<std::size_t>(sent));
    }
    return {};
  }

  // Reads one reply (all its lines) and checks its code's first digit.
  Result<std::string> Expect(char first_digit, std::string_view after) {
    for (;;) {
      const std::size_t end = buffer_.find("\r\n");
      if (end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        if (line.size() >= 4 && line[3] == '-') continue;  // more lines follow
        if (line.empty() || line[0] != first_digit) {
          return Fail(ErrorCode::kIo, "SMTP relay refused " + std::string(after) + ": " + line);
        }
        return line;
      }
      char chunk[512];
      const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got <= 0) {
        return Fail(ErrorCode::kIo, "SMTP relay: no answer after " + std::string(after));
      }
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
  }

  Result<void> Command(const std::string& line, char first_digit) {
    FACETAG_RETURN_IF_ERROR(Send(line + "\r\n"));
    auto reply = Expect(first_digit, line.substr(0, line.find(':')));
    if (!reply) return tl::unexpected(reply.error());
    return {};
  }

 private:
  int fd_;
  std::string buffer_;
};

Result<int> Connect(const std::string& host, int port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return Fail(ErrorCode::kIo, "SMTP relay " + host + ": " + ::gai_strerror(rc));
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    return Fail(ErrorCode::kIo, "cannot connect to the SMTP relay " + host + ":" + service);
  }
  return fd;
}

// The body with CRLF line ends and leading dots doubled (RFC 5321 4.5.2).
std::string DotStuffed(std::string_view body) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\r') continue;
    if (line_start && c == '.') out += '.';
    if (c == '\n') {
      out += "\r\n";
      line_start = true;
      continue;
    }
    out += c;
    line_start = false;
  }
  if (!line_start) out += "\r\n";
  return out;
}

}  // namespace

Result<void> SendMail(const NotifyOptions& options, std::string_view to, std::string_view subject,
                      std::string_view body) {
  for (auto [value, what] :
       {std::pair{to, "recipient"}, std::pair{std::string_view(options.mail_from), "sender"}}) {
    if (value.empty() || HasLineBreak(value) || value.find('@') == std::string_view::npos ||
        value.find_first_of("<> ") != std::string_view::npos) {
      return Fail(
          ErrorCode::kInvalidArgument,
          std::string("the ") + what + " \"" + std::string(value) + "\" is not an e-mail address");
    }
  }
  if (HasLineBreak(subject)) {
    return Fail(ErrorCode::kInvalidArgument, "the subject contains a line break");
  }
  auto fd = Connect(options.smtp_host, options.smtp_port, options.timeout_ms);
  if (!fd) return tl::unexpected(fd.error());
  SmtpSession smtp(*fd);
  auto greeting = smtp.Expect('2', "connecting");
  if (!greeting) return tl::unexpected(greeting.error());
  FACETAG_RETURN_IF_ERROR(smtp.Command("EHLO facetag", '2'));
  FACETAG_RETURN_IF_ERROR(smtp.Command("MAIL FROM:<" + options.mail_from + ">", '2'));
  FACETAG_RETURN_IF_ERROR(smtp.Command("RCPT TO:<" + std::string(to) + ">", '2'));
  FACETAG_RETURN_IF_ERROR(smtp.Command("DATA", '3'));
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  std::string message = "From: <" + options.mail_from + ">\r\nTo: <" + std::string(to) +
                        ">\r\nSubject: " + std::string(subject) + "\r\nDate: " + date +
                        "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        "Content-Transfer-Encoding: 8bit\r\n\r\n" +
                        DotStuffed(body) + ".\r\n";
  FACETAG_RETURN_IF_ERROR(smtp.Send(message));
  auto accepted = smtp.Expect('2', "the message");
  if (!accepted) return tl::unexpected(accepted.error());
  FACETAG_RETURN_IF_ERROR(smtp.Command("QUIT", '2'));
  return {};
}

Result<void> PostWebhook(std::string_view url, std::string_view json, int timeout_ms) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme || HasLineBreak(url)) {
    return Fail(ErrorCode::kInvalidArgument,
                "webhook \"" + std::string(url) + "\" is not an http:// URL");
  }
  const std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  const std::string authority(rest.substr(0, slash));
  const std::string path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  std::string host = authority;
  int port = 80;
  if (const std::size_t colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    try {
      port = std::stoi(authority.substr(colon + 1));
    } catch (...) {
      port = -1;
    }
  }
  if (host.empty() || port <= 0 || port > 65535) {
    return Fail(ErrorCode::kInvalidArgument,
                "webhook \"" + std::string(url) + "\" has no valid host and port");
  }
  httplib::Client client(host, port);
  client.set_connection_timeout(std::chrono::milliseconds(timeout_ms));
  client.set_read_timeout(std::chrono::milliseconds(timeout_ms));
  client.set_write_timeout(std::chrono::milliseconds(timeout_ms));
  auto response = client.Post(path.c_str(), std::string(json), "application/json");
  if (!response) {
    return Fail(ErrorCode::kIo,
                "webhook " + std::string(url) + ": " + httplib::to_string(response.error()));
  }
  if (response->status < 200 || response->status > 299) {
    return Fail(ErrorCode::kIo, "webhook " + std::string(url) + " answered HTTP " +
                                    std::to_string(response->status));
  }
  return {};
}

}  // namespace facetag::privacy
