// facetag watch: a hot folder (src/ops/watcher.h).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <iostream>

#include "cli.h"
#include "watcher.h"

namespace facetag::cli {
namespace {

// Set by SIGINT/SIGTERM: the watcher finishes the photo in hand and stops.
std::atomic<bool> g_stop_watch{false};

extern "C" void RequestWatchStop(int) { g_stop_watch.store(true); }

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "facetag";
  std::string id(name);
  for (char& c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return id.substr(0, 64);
}

}  // namespace

void AddWatchCommands(CLI::App& app, Cli& cli) {
  struct Options {
    std::string in, done, failed, id;
    double settle = 2.0, rescan = 30.0;
    bool sidecar = false, once = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("watch", "tag and archive the photos dropped into a folder");
  cmd->add_option("folder", o->in, "the hot folder")->required();
  cmd->add_option("--done", o->done, "where finished photos go (default FOLDER/done)");
  cmd->add_option("--failed", o->failed,
                  "where unprocessable photos go, each with NAME.error.txt (default FOLDER/failed)");
  cmd->add_flag("--sidecar", o->sidecar, "write the names into photo.xmp, not the photo");
  cmd->add_option("--id", o->id,
                  "this watcher's name among several on one folder (default: the host name)");
  cmd->add_option("--settle", o->settle,
                  "seconds a file's size and time must stay unchanged before it is taken")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--rescan", o->rescan,
                  "seconds between listings of the folder (network mounts send no events)")
      ->check(CLI::Range(0.1, 86400.0));
  cmd->add_flag("--once", o->once, "stop when the folder is empty instead of watching");
  cmd->footer(
      "A photo renamed into the folder is taken at once; a copied one once it stops "
      "changing. It is archived, its names written, and only then moved, so a killed "
      "watcher loses nothing: restarted, it finishes what it held. Several watchers "
      "may share a folder (each with its own --id). SIGTERM finishes the photo in hand.");
  cmd->callback([&cli, o] {
    cli.run = [&cli, o] {
      FACETAG_ASSIGN_OR_RETURN_EXIT(auto store, cli.OpenStore(Access::kCreate));
      FACETAG_ASSIGN_OR_RETURN_EXIT(ModelPack pack, cli.LoadPack(true));
      ops::ClaimedFiles files(PhotoFiles::Disk());
      app::App app(*store, pack, files);
      FACETAG_ASSIGN_OR_RETURN_EXIT(auto analyzer, vision::FaceAnalyzer::Create(pack));
      ops::WatchOptions options;
      options.in = o->in;
      options.done = o->done;
      options.failed = o->failed;
      options.id = o->id.empty() ? HostName() : o->id;
      options.settle = std::chrono::duration_cast<ops::Clock::duration>(
          std::chrono::duration<double>(o->settle));
      options.rescan = std::chrono::duration_cast<ops::Clock::duration>(
          std::chrono::duration<double>(o->rescan));
      options.target = o->sidecar ? metadata::WriteTarget::kSidecar
                                  : metadata::WriteTarget::kInPlace;
      options.actor = "facetag watch " + options.id;
      options.once = o->once;
      options.stop = &g_stop_watch;
      const bool json = cli.json;
      options.log = [json](const ops::WatchEvent& e) {
        if (json) {
          nlohmann::json line = {{"event", e.kind}, {"name", e.name}, {"path", e.path}};
          if (!e.message.empty()) line["message"] = e.message;
          if (e.kind == "done") {
            line["faces"] = e.faces;
            line["named"] = e.named;
          }
          std::cout << line.dump() << std::endl;
          return;
        }
        std::cout << e.kind << " " << ForTerminal(e.name) << " -> " << ForTerminal(e.path);
        if (e.kind == "done") std::cout << " (" << e.faces << " faces, " << e.named << " named)";
        if (!e.message.empty()) std::cout << ": " << ForTerminal(e.message);
        std::cout << std::endl;
      };
      std::signal(SIGINT, RequestWatchStop);
      std::signal(SIGTERM, RequestWatchStop);
      FACETAG_ASSIGN_OR_RETURN_EXIT(auto watcher,
                                    ops::Watcher::Open(app, files, *analyzer, options));
      FACETAG_ASSIGN_OR_RETURN_EXIT(ops::WatchSummary summary, watcher->Run());
      if (!json) {
        std::cout << summary.done << " photos done, " << summary.failed << " failed\n";
      }
      return int{kExitOk};
    };
  });
}

}  // namespace facetag::cli
