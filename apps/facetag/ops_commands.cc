// facetag backup, restore and --version: running facetag as a service.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli.h"
#include "facetag/sqlite_backup.h"

#ifndef FACETAG_VERSION
#define FACETAG_VERSION "unknown"
#endif
#ifndef FACETAG_GIT_COMMIT
#define FACETAG_GIT_COMMIT "unknown"
#endif

namespace facetag::cli {
namespace {

std::filesystem::path DatabasePath(const Cli& cli) {
  return cli.db_path.empty() ? DefaultDatabasePath() : std::filesystem::path(cli.db_path);
}

std::filesystem::path KeyPath(const Cli& cli) {
  return cli.key_path.empty() ? DefaultSecretKeyPath() : std::filesystem::path(cli.key_path);
}

nlohmann::json ReportJson(const BackupReport& r) {
  return {{"schema_version", r.schema_version}, {"pages", r.pages}, {"bytes", r.bytes}};
}

void AddBackup(CLI::App& app, Cli& cli) {
  auto dest = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("backup", "copy the database, consistent while it is in use");
  cmd->add_option("dest", *dest, "the new backup file (never replaced)")->required();
  cmd->footer(
      "Safe while `facetag serve`, `watch` or `ingest` write: the copy is the database as one "
      "commit left it. The secret key is not in the database: back it up separately "
      "(docs/operations.md).");
  cmd->callback([&cli, dest] {
    cli.run = [&cli, dest] {
      const auto source = DatabasePath(cli);
      FACETAG_ASSIGN_OR_RETURN_EXIT(BackupReport report, BackupSqlite(source, *dest));
      if (cli.json) {
        nlohmann::json out = ReportJson(report);
        out["database"] = source.string();
        out["backup"] = *dest;
        std::cout << out.dump(2) << "\n";
      } else {
        std::cout << "backed up " << ForTerminal(source.string()) << " to " << ForTerminal(*dest)
                  << ": schema version " << report.schema_version << ", " << report.bytes
                  << " bytes\nthe secret key (" << ForTerminal(KeyPath(cli).string())
                  << ") is not in the backup: keep a copy of it apart from it\n";
      }
      return int{kExitOk};
    };
  });
}

void AddRestore(CLI::App& app, Cli& cli) {
  auto source = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("restore", "replace the database with a backup, then verify it");
  cmd->add_option("backup", *source, "a file made by `facetag backup`")->required();
  cmd->add_flag("--force", *force, "replace a database that is not empty");
  cmd->footer(
      "Refuses a backup of a newer schema than this build's. After the copy the database is "
      "opened (an older schema is migrated) and its audit chain verified: exit 7 when it does "
      "not verify.");
  cmd->callback([&cli, source, force] {
    cli.run = [&cli, source, force] {
      const auto target = DatabasePath(cli);
      FACETAG_ASSIGN_OR_RETURN_EXIT(BackupReport report, RestoreSqlite(*source, target, *force));
      FACETAG_ASSIGN_OR_RETURN_EXIT(auto store, cli.OpenStore(Access::kExisting));
      FACETAG_ASSIGN_OR_RETURN_EXIT(AuditVerification audit, store->privacy().VerifyAudit());
      FACETAG_ASSIGN_OR_RETURN_EXIT(ArchiveCounts counts, store->archive().Counts());
      FACETAG_ASSIGN_OR_RETURN_EXIT(auto persons, store->ListPersons());
      if (cli.json) {
        nlohmann::json out = ReportJson(report);
        out["database"] = target.string();
        out["schema_version_now"] = store->SchemaVersion();
        out["persons"] = persons.size();
        out["photos"] = counts.photos;
        out["faces"] = counts.faces;
        out["audit"] = {{"intact", audit.intact},
                        {"entries", audit.entries},
                        {"head_hash", audit.head_hash},
                        {"problem", audit.problem}};
        std::cout << out.dump(2) << "\n";
      } else {
        std::cout << "restored " << ForTerminal(*source) << " into " << ForTerminal(target.string())
                  << " (schema version " << report.schema_version << ", now "
                  << store->SchemaVersion() << "): " << persons.size() << " persons, "
                  << counts.photos << " photos, " << counts.faces << " faces\n";
        std::cout << "audit log: " << audit.entries << " entries, "
                  << (audit.intact ? "intact" : "NOT intact: " + ForTerminal(audit.problem))
                  << "\n";
      }
      if (!audit.intact) {
        if (!cli.json) std::cerr << "facetag: the restored audit log does not verify\n";
        return int{kExitStorage};
      }
      return int{kExitOk};
    };
  });
}

}  // namespace

std::string VersionText(const Cli& cli) {
  std::string text = std::string("facetag ") + FACETAG_VERSION + "\ncommit " + FACETAG_GIT_COMMIT;
  auto pack = cli.LoadPack(false);
  text += "\nmodel pack " + (pack ? pack->id : "unavailable (" + pack.error().message + ")");
  text += "\nschema version " + std::to_string(LatestSchemaVersion());
  return text;
}

void AddOpsCommands(CLI::App& app, Cli& cli) {
  app.set_version_flag("--version", [&cli] { return VersionText(cli); },
                       "print the version, git commit, model pack and schema version");
  AddBackup(app, cli);
  AddRestore(app, cli);
}

}  // namespace facetag::cli
