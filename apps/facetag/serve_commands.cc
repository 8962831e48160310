// facetag serve, and facetag key create|list|revoke (the service's API keys).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli.h"
#include "facetag/notify.h"
#include "facetag/server.h"

namespace facetag::cli {
namespace {

nlohmann::json KeyJson(const ApiKey& key) {
  nlohmann::json out = {{"id", key.id},
                        {"prefix", key.prefix},
                        {"role", RoleName(key.role)},
                        {"label", key.label},
                        {"created_at", key.created_at}};
  out["revoked_at"] = key.revoked_at ? nlohmann::json(*key.revoked_at) : nlohmann::json();
  return out;
}

// "127.0.0.1:8080", "[::1]:8080", ":8080" (loopback), "8080".
Result<std::pair<std::string, int>> ParseListen(const std::string& text) {
  std::string host = "127.0.0.1";
  std::string port = text;
  const std::size_t colon = text.rfind(':');
  if (colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) host = "127.0.0.1";
  }
  char* end = nullptr;
  const long value = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || value < 0 || value > 65535) {
    return Fail(ErrorCode::kInvalidArgument,
                "--listen wants HOST:PORT with a port 0-65535, got \"" + text + "\"");
  }
  return std::pair{host, static_cast<int>(value)};
}

// Written by the signal handler of `serve`, read by its watcher thread.
int g_signal_pipe[2] = {-1, -1};

std::filesystem::path DefaultWebRoot() {
  if (const char* env = std::getenv("FACETAG_WEB"); env != nullptr && *env != '\0') return env;
  return FACETAG_DEFAULT_WEB;
}

}  // namespace

void AddServeCommands(CLI::App& app, Cli& cli) {
  // serve
  {
    auto* cmd = app.add_subcommand("serve", "run the HTTP API and the web pages");
    struct Options {
      std::string listen = "127.0.0.1:8080";
      std::string photos;
      std::string web;
      int workers = 2;
      int queue = 8;
      int max_body_mb = 40;
      int connections = 128;
      int per_client = 32;
      std::string export_dir;
      std::string smtp;
      std::string mail_from;
      std::string public_url;
      int purge_hours = 24;
    };
    auto o = std::make_shared<Options>();
    cmd->add_option("--listen", o->listen, "HOST:PORT to listen on (default 127.0.0.1:8080)");
    cmd->add_option("--photos", o->photos,
                    "photo folder: locations in requests are paths below it");
    cmd->add_option("--web", o->web, "folder of the web pages (default: $FACETAG_WEB, else the "
                                     "checkout's web/)");
    cmd->add_option("--workers", o->workers, "face analyzers working at once (default 2)")
        ->check(CLI::Range(1, 64));
    cmd->add_option("--queue", o->queue, "recognition requests that may wait; beyond: 429")
        ->check(CLI::Range(0, 1000));
    cmd->add_option("--max-body-mb", o->max_body_mb, "largest request body (default 40)")
        ->check(CLI::Range(1, 1024));
    cmd->add_option("--max-connections", o->connections,
                    "connections open at once; beyond: 503 (default 128)")
        ->check(CLI::Range(4, 4096));
    cmd->add_option("--max-connections-per-client", o->per_client,
                    "connections from one address; beyond: 429; 0: no cap, behind a proxy "
                    "(default 16)")
        ->check(CLI::Range(0, 4096));
    cmd->add_option("--export-dir", o->export_dir,
                    "where photo exports are kept (default: exports/ beside the database)");
    cmd->add_option("--smtp", o->smtp, "SMTP relay HOST[:PORT] for export notices");
    cmd->add_option("--mail-from", o->mail_from, "sender of export notices");
    cmd->add_option("--public-url", o->public_url,
                    "the service's address in download links (default http://LISTEN)");
    cmd->add_option("--purge-every-hours", o->purge_hours,
                    "run the retention purge this often; 0: never (default 24)")
        ->check(CLI::Range(0, 24 * 366));
    cmd->callback([&cli, o] {
      cli.run = [&cli, o]() -> int {
        auto listen = ParseListen(o->listen);
        if (!listen) return cli.Report(listen.error());
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto pack = cli.LoadPack();
        if (!pack) return cli.Report(pack.error());
        server::ServerOptions options;
        options.host = listen->first;
        options.port = listen->second;
        options.photo_root = o->photos;
        options.web_root = o->web.empty() ? DefaultWebRoot() : std::filesystem::path(o->web);
        if (o->web.empty() && !std::filesystem::is_directory(options.web_root)) {
          options.web_root.clear();
        }
        options.workers = o->workers;
        options.queue_capacity = o->queue;
        options.max_body_bytes = static_cast<std::size_t>(o->max_body_mb) << 20;
        options.max_connections = o->connections;
        options.max_connections_per_client = o->per_client;
        const std::filesystem::path db =
            cli.db_path.empty() ? DefaultDatabasePath() : std::filesystem::path(cli.db_path);
        options.export_folder =
            o->export_dir.empty() ? db.parent_path() / "exports" : std::filesystem::path(o->export_dir);
        options.purge_every = std::chrono::hours(o->purge_hours);
        if (!o->smtp.empty()) {
          const auto colon = o->smtp.rfind(':');
          options.notify.smtp_host = o->smtp.substr(0, colon);
          if (colon != std::string::npos) {
            char* end = nullptr;
            const long port = std::strtol(o->smtp.c_str() + colon + 1, &end, 10);
            if (*end != '\0' || port <= 0 || port > 65535) {
              return cli.Report(
                  {ErrorCode::kInvalidArgument, "--smtp wants HOST[:PORT], got \"" + o->smtp + "\""});
            }
            options.notify.smtp_port = static_cast<int>(port);
          }
        }
        if (!o->mail_from.empty()) options.notify.mail_from = o->mail_from;
        std::string base = o->public_url.empty() ? "http://" + o->listen : o->public_url;
        while (!base.empty() && base.back() == '/') base.pop_back();
        options.notify.download_url = base + "/api/v1/privacy/exports/download/";
        options.public_url = base;
        options.notify_allow_file = privacy::AllowListFileOf(db);
        options.preview_cache_folder = db.parent_path() / "previews";

        // SIGINT and SIGTERM may arrive on any thread (OpenBLAS starts its
        // own before main): the handler only writes a byte to a pipe, and a
        // watcher thread does the shutdown.
        if (pipe(g_signal_pipe) != 0) {
          return cli.Report({ErrorCode::kIo, "cannot create the signal pipe"});
        }
        struct sigaction action {};
        action.sa_handler = [](int) {
          const char byte = 1;
          [[maybe_unused]] auto written = write(g_signal_pipe[1], &byte, 1);
        };
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, nullptr);
        sigaction(SIGTERM, &action, nullptr);

        auto created = server::Server::Create(**store, *pack, options);
        if (!created) return cli.Report(created.error());
        server::Server& srv = **created;
        auto bound = srv.Bind();
        if (!bound) return cli.Report(bound.error());
        std::cerr << "facetag: serving on http://" << options.host << ":" << srv.port()
                  << (options.web_root.empty() ? " (no web pages)" : "") << "\n";
        if (cli.json) {
          std::cout << nlohmann::json{{"port", srv.port()}}.dump() << std::endl;
        }
        std::thread watcher([&srv] {
          char byte = 0;
          if (read(g_signal_pipe[0], &byte, 1) != 1 || byte != 1) return;  // 0: Serve ended
          std::cerr << "facetag: stopping; finishing work in flight\n";
          srv.Shutdown();
        });
        auto served = srv.Serve();
        const char done = 0;
        [[maybe_unused]] auto written = write(g_signal_pipe[1], &done, 1);
        watcher.join();
        if (!served) return cli.Report(served.error());
        std::cerr << "facetag: stopped\n";
        return int{kExitOk};
      };
    });
  }

  // key create|list|revoke
  auto* key = app.add_subcommand("key", "API keys of the service");
  key->require_subcommand(1);
  {
    auto* cmd = key->add_subcommand("create", "create a key; its secret is shown only now");
    auto role = std::make_shared<std::string>();
    auto label = std::make_shared<std::string>();
    cmd->add_option("--role", *role, "customer, ingest, editor, privacy or admin")->required();
    cmd->add_option("--label", *label, "who or what the key is for");
    cmd->callback([&cli, role, label] {
      cli.run = [&cli, role, label]() -> int {
        auto parsed = ParseRole(*role);
        if (!parsed) {
          return cli.Report({ErrorCode::kInvalidArgument,
                             "--role must be customer, ingest, editor, privacy or admin"});
        }
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto created = (*store)->service().CreateApiKey(*parsed, *label);
        if (!created) return cli.Report(created.error());
        (void)(*store)->archive().AppendAudit(
            {"facetag key", "key.create", "key:" + std::to_string(created->key.id),
             nlohmann::json{{"role", *role}, {"label", *label}}.dump()});
        if (cli.json) {
          std::cout << nlohmann::json{{"key", KeyJson(created->key)}, {"secret", created->secret}}
                           .dump(2)
                    << "\n";
        } else {
          std::cout << "key " << created->key.id << " (" << *role << "): " << created->secret
                    << "\nkeep it now: facetag stores only its hash and cannot show it again\n";
        }
        return int{kExitOk};
      };
    });
  }
  {
    auto* cmd = key->add_subcommand("list", "list keys (never their secrets)");
    cmd->callback([&cli] {
      cli.run = [&cli]() -> int {
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto keys = (*store)->service().ListApiKeys();
        if (!keys) return cli.Report(keys.error());
        nlohmann::json out = nlohmann::json::array();
        for (const ApiKey& k : *keys) {
          out.push_back(KeyJson(k));
          if (!cli.json) {
            std::cout << k.id << "  " << k.prefix << "...  " << RoleName(k.role) << "  "
                      << k.label << (k.revoked_at ? "  revoked " + *k.revoked_at : "") << "\n";
          }
        }
        if (cli.json) std::cout << out.dump(2) << "\n";
        return int{kExitOk};
      };
    });
  }
  {
    auto* cmd = key->add_subcommand("revoke", "revoke a key for good");
    auto id = std::make_shared<std::int64_t>(0);
    cmd->add_option("id", *id, "the key's id (key list)")->required();
    cmd->callback([&cli, id] {
      cli.run = [&cli, id]() -> int {
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto revoked = (*store)->service().RevokeApiKey(*id);
        if (!revoked) return cli.Report(revoked.error());
        (void)(*store)->archive().AppendAudit(
            {"facetag key", "key.revoke", "key:" + std::to_string(*id), "{}"});
        if (cli.json) {
          std::cout << KeyJson(*revoked).dump(2) << "\n";
        } else {
          std::cout << "revoked key " << *id << "\n";
        }
        return int{kExitOk};
      };
    });
  }
}

}  // namespace facetag::cli
