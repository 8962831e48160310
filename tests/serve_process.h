// `facetag serve` as a child process, for tests that need the real command
// (its own address space, its own SQLite connection, its signal handling).
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace facetag::testing {

// One `facetag --json [args] serve --listen 127.0.0.1:0 [serve_args]`
// process. Its stderr goes to a log file; the port is read from the first
// stdout line. The destructor stops it (SIGTERM, then SIGKILL after 30 s).
//
// Thread safety: port() and Alive() may be called from any thread; Stop()
// from one.
class ServeProcess {
 public:
  struct Options {
    std::vector<std::string> args;        // before `serve` (--db, --key, ...)
    std::vector<std::string> serve_args;  // after `serve --listen 127.0.0.1:0`
    std::filesystem::path log;            // where its stderr goes
    // RLIMIT_AS of the child, set after fork and before exec.
    std::optional<rlim_t> address_space_bytes;
  };

  // Starts it and waits for its port (at most 60 s). Null when it ended or
  // printed no port: `error` then says why (its log is in options.log).
  static std::unique_ptr<ServeProcess> Start(const Options& options, std::string& error);

  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Whether it is still running (it has not exited or been killed).
  bool Alive();
  // SIGTERM and wait: the raw wait status (-1 when it was already reaped).
  int Stop();

 private:
  ServeProcess(pid_t pid, int port) : pid_(pid), port_(port) {}
  pid_t pid_;
  int port_;
  std::optional<int> status_;
};

// What the process's log says, read whole.
std::string ReadText(const std::filesystem::path& file);

}  // namespace facetag::testing
