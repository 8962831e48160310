// A real facetag server for end-to-end tests: a fresh database in a
// temporary folder, an empty photo folder, one API key per role, and the
// server answering on a free loopback port until the object goes.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <string>

#include "facetag/server.h"
#include "facetag/store.h"

namespace facetag::testing {

class TestServer {
 public:
  // Starts the server with `options` (port and photo folder are set here);
  // a failure fails the calling test (check ok()).
  TestServer(const std::string& name, server::ServerOptions options = {});
  // Shuts the server down; a failed Serve fails the test.
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  bool ok() const { return server_ != nullptr; }
  int port() const { return server_->port(); }
  Store& store() { return *store_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path photos() const { return dir_ / "photos"; }

  const std::string& secret(Role role) { return keys_[role]; }
  // "Authorization: Bearer ...\r\n", for raw requests.
  std::string AuthLine(Role role) { return "Authorization: Bearer " + keys_[role] + "\r\n"; }
  httplib::Headers As(Role role) { return {{"Authorization", "Bearer " + keys_[role]}}; }
  // A client of this server with a long read timeout.
  std::unique_ptr<httplib::Client> Client() const;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  std::map<Role, std::string> keys_;
  std::unique_ptr<server::Server> server_;
  std::future<Result<void>> serving_;
};

}  // namespace facetag::testing
