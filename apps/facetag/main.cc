// facetag: recognise listed public figures in press photos.
// This file only parses the command line and runs the chosen command.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli.h"
#include "ops_commands.h"

int main(int argc, char** argv) {
  using namespace facetag::cli;
  CLI::App app{"facetag: recognises listed public figures in press photos"};
  app.require_subcommand(1);
  app.fallthrough();
  Cli cli;
  app.add_option("--db", cli.db_path,
                 "SQLite database (default: $FACETAG_DB, else "
                 "~/.local/share/facetag/facetag.db)");
  app.add_option("--pack", cli.pack_path, "model pack manifest (default: $FACETAG_PACK)");
  app.add_option("--models", cli.models_path, "model file folder (default: $FACETAG_MODELS)");
  app.add_flag("--json", cli.json, "machine-readable JSON on stdout");
  app.add_option("--key", cli.key_path,
                 "secret key of the opt-out records (default: $FACETAG_KEY, else "
                 "~/.config/facetag/secret.key)");
  app.add_option("--actor", cli.actor, "who acts, for the audit log (default: $USER)");
  app.add_flag("-q,--quiet", cli.quiet, "no progress bar");
  app.footer(
      "Exit codes: 0 ok, 1 some inputs failed, 2 usage, 3 not found, 4 refused (no face, several "
      "faces, rejected or duplicate profile), 5 bad image, 6 model files missing or altered, "
      "7 database or filesystem, 70 internal error. See docs/cli.md.");

  AddPersonCommands(app, cli);
  AddRecognizeCommands(app, cli);
  AddTagCommands(app, cli);
  AddArchiveCommands(app, cli);
  AddPrivacyCommands(app, cli);
  AddServeCommands(app, cli);
  AddBenchCommands(app, cli);
  AddDiscoveryCommands(app, cli);
  AddWatchCommands(app, cli);
  AddOpsCommands(app, cli);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (!cli.run) return kExitUsage;
  try {
    return cli.run();
  } catch (const std::exception& e) {
    std::cerr << "facetag: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
}
