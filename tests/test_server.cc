#include "test_server.h"

#include <gtest/gtest.h>

#include <thread>

#include "test_data.h"

namespace facetag::testing {

TestServer::TestServer(const std::string& name, server::ServerOptions options)
    : dir_(TempDir(name)) {
  std::filesystem::create_directories(photos());
  auto store = Store::OpenSqlite(dir_ / "facetag.db");
  if (!store) {
    ADD_FAILURE() << store.error().message;
    return;
  }
  store_ = std::move(*store);
  for (Role role : {Role::kCustomer, Role::kIngest, Role::kEditor, Role::kPrivacy, Role::kAdmin}) {
    auto key = store_->service().CreateApiKey(role, RoleName(role));
    if (!key) {
      ADD_FAILURE() << key.error().message;
      return;
    }
    keys_[role] = key->secret;
  }
  options.port = 0;
  options.photo_root = photos();
  auto created = server::Server::Create(*store_, DefaultPack(), options);
  if (!created) {
    ADD_FAILURE() << created.error().message;
    return;
  }
  auto bound = (*created)->Bind();
  if (!bound) {
    ADD_FAILURE() << bound.error().message;
    return;
  }
  server_ = std::move(*created);
  serving_ = std::async(std::launch::async, [this] { return server_->Serve(); });
  httplib::Client probe("127.0.0.1", server_->port());
  for (int i = 0; i < 100 && !probe.Get("/healthz"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TestServer::~TestServer() {
  if (server_) {
    server_->Shutdown();
    auto served = serving_.get();
    EXPECT_TRUE(served) << served.error().message;
  }
  server_.reset();
  store_.reset();
}

std::unique_ptr<httplib::Client> TestServer::Client() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  client->set_read_timeout(180, 0);
  return client;
}

}  // namespace facetag::testing
