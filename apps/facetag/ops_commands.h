// The commands that run facetag as a service: watch, backup, restore and
// --version.
#pragma once

#include "cli.h"

namespace facetag::cli {

// `facetag watch` (hot folders).
void AddWatchCommands(CLI::App& app, Cli& cli);
// `facetag backup`, `facetag restore` and the --version flag.
void AddOpsCommands(CLI::App& app, Cli& cli);

}  // namespace facetag::cli
