#include "serve_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_data.h"

namespace facetag::testing {

std::string ReadText(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::unique_ptr<ServeProcess> ServeProcess::Start(const Options& options, std::string& error) {
  // Everything the child needs is built before fork: between fork and exec
  // only async-signal-safe calls are allowed (the parent has threads).
  const std::string binary = FacetagBinary();
  std::vector<std::string> words = {binary, "--json"};
  words.insert(words.end(), options.args.begin(), options.args.end());
  for (const char* word : {"serve", "--listen", "127.0.0.1:0"}) words.emplace_back(word);
  words.insert(words.end(), options.serve_args.begin(), options.serve_args.end());
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  const int log = ::open(options.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log < 0) {
    error = "cannot create " + options.log.string();
    return nullptr;
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(log);
    error = "pipe failed";
    return nullptr;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    if (options.address_space_bytes) {
      const rlimit limit{*options.address_space_bytes, *options.address_space_bytes};
      if (::setrlimit(RLIMIT_AS, &limit) != 0) ::_exit(126);
    }
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(log);
  if (pid < 0) {
    ::close(out[0]);
    error = "fork failed";
    return nullptr;
  }
  std::unique_ptr<ServeProcess> process(new ServeProcess(pid, 0));
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{out[0], POLLIN, 0};
    if (::poll(&ready, 1, 200) <= 0) continue;
    char c = 0;
    if (::read(out[0], &c, 1) != 1 || c == '\n') break;
    line += c;
  }
  ::close(out[0]);
  process->port_ = nlohmann::json::parse(line, nullptr, false).value("port", 0);
  if (process->port_ <= 0) {
    error = "serve printed no port (\"" + line + "\"); its log: " + ReadText(options.log);
    return nullptr;  // the destructor stops it
  }
  return process;
}

bool ServeProcess::Alive() {
  if (status_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    return false;
  }
  return true;
}

int ServeProcess::Stop() {
  if (!Alive()) return status_ ? *status_ : -1;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 300; ++i) {
    if (!Alive()) return *status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  status_ = status;
  return status;
}

ServeProcess::~ServeProcess() { Stop(); }

}  // namespace facetag::testing
