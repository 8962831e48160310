// facetag person add|list|show|edit|alias|remove, and facetag enroll.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cli.h"
#include "facetag/file_io.h"

namespace facetag::cli {
namespace {

void PrintPerson(const Person& p) {
  std::cout << p.name << "\n  uri:      " << p.uri << "\n";
  if (!p.aliases.empty()) {
    std::cout << "  aliases: ";
    for (const auto& a : p.aliases) std::cout << " " << a << (&a == &p.aliases.back() ? "" : ",");
    std::cout << "\n";
  }
  if (!p.justification.empty()) std::cout << "  reason:   " << ForTerminal(p.justification) << "\n";
  std::cout << "  criteria: " << (p.criteria.public_figure ? "public figure" : "-") << ", "
            << (p.criteria.recurring_in_news ? "in the news more than once" : "-") << ", "
            << (p.criteria.likely_searched ? "likely searched" : "-") << "\n";
  std::cout << "  profiles: " << p.profile_count << "\n  listed:   " << p.created_at << "\n";
}

int Present(const Cli& cli, const Person& p, const char* verb) {
  if (cli.json) {
    std::cout << PersonJson(p).dump(2) << "\n";
  } else {
    std::cout << verb << " " << p.name << " (" << p.uri << ")\n";
  }
  return kExitOk;
}

Result<FaceBox> ParseBox(const std::string& text) {
  FaceBox box;
  char c1 = 0, c2 = 0, c3 = 0;
  std::istringstream in(text);
  if (!(in >> box.x >> c1 >> box.y >> c2 >> box.width >> c3 >> box.height) || c1 != ',' ||
      c2 != ',' || c3 != ',' || box.width <= 0 || box.height <= 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "a box is X,Y,W,H in pixels with a positive size, got \"" + text + "\"");
  }
  return box;
}

// One photo to enrol for one person (bulk enrolment).
struct EnrolEntry {
  std::string person;
  std::string photo;
  std::optional<FaceBox> box;
};

// `--from`: a folder with one subfolder per person (named as the person),
// or a CSV file of name,photo[,x,y,w,h] (photo paths relative to the file).
Result<std::vector<EnrolEntry>> ReadEnrolSource(const std::string& from) {
  namespace fs = std::filesystem;
  std::vector<EnrolEntry> entries;
  std::error_code ec;
  if (fs::is_directory(from, ec)) {
    std::vector<fs::path> folders;
    for (const auto& entry : fs::directory_iterator(from, ec)) {
      if (entry.is_directory(ec)) folders.push_back(entry.path());
    }
    std::sort(folders.begin(), folders.end());
    for (const fs::path& folder : folders) {
      FACETAG_ASSIGN_OR_RETURN(auto photos, pipeline::ListPhotoFiles(folder));
      for (const auto& photo : photos) {
        entries.push_back({folder.filename().string(), photo.string(), std::nullopt});
      }
    }
    return entries;
  }
  std::ifstream in(from);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot read " + from);
  const fs::path base = fs::path(from).parent_path();
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) fields.push_back(cell);
    if (number == 1 && !fields.empty() && fields[0] == "name") continue;  // a header
    if (fields.size() != 2 && fields.size() != 6) {
      return Fail(ErrorCode::kInvalidArgument,
                  from + " line " + std::to_string(number) + ": expected name,photo[,x,y,w,h]");
    }
    EnrolEntry entry{fields[0], (base / fields[1]).string(), std::nullopt};
    if (fields.size() == 6) {
      auto box = ParseBox(fields[2] + "," + fields[3] + "," + fields[4] + "," + fields[5]);
      if (!box) {
        return Fail(ErrorCode::kInvalidArgument,
                    from + " line " + std::to_string(number) + ": " + box.error().message);
      }
      entry.box = *box;
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

void AddAdd(CLI::App* person, Cli& cli) {
  auto* cmd = person->add_subcommand("add", "list a person");
  auto name = std::make_shared<std::string>();
  auto aliases = std::make_shared<std::vector<std::string>>();
  auto justification = std::make_shared<std::string>();
  auto criteria = std::make_shared<std::string>();
  cmd->add_option("name", *name, "display name, e.g. \"Mark Rutte\"")->required();
  cmd->add_option("--alias", *aliases, "another name the person is known by (repeatable)");
  cmd->add_option("--justification,--notes", *justification, "why the person is listed (required)");
  cmd->add_option("--criteria", *criteria,
                  "listing criteria the editor confirms: public (a public figure), recurring "
                  "(in the news more than once), searched (customers will search for them), "
                  "comma-separated, or all; all three are required");
  cmd->callback([&cli, name, aliases, justification, criteria] {
    cli.run = [&cli, name, aliases, justification, criteria] {
      FACETAG_ASSIGN_OR_RETURN_EXIT(ListingCriteria parsed, ParseCriteria(*criteria));
      FACETAG_ASSIGN_OR_RETURN_EXIT(Workspace w, cli.Open(Access::kCreate, false));
      FACETAG_ASSIGN_OR_RETURN_EXIT(
          Person added, w.app->ListPerson({*name, *aliases, *justification, parsed}, cli.Actor()));
      return Present(cli, added, "listed");
    };
  });
}

void AddEdit(CLI::App* person, Cli& cli) {
  struct Options {
    std::string person, name, justification, criteria;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = person->add_subcommand("edit", "rename a person or change why they are listed");
  cmd->add_option("person", o->person, "name, alias or URI")->required();
  cmd->add_option("--name", o->name, "the new display name (the URI stays)");
  cmd->add_option("--justification", o->justification, "the new reason for listing them");
  cmd->add_option("--criteria", o->criteria, "the criteria that hold: all three are required");
  cmd->callback([&cli, o] {
    cli.run = [&cli, o] {
      PersonUpdate update;
      if (!o->name.empty()) update.name = o->name;
      if (!o->justification.empty()) update.justification = o->justification;
      if (!o->criteria.empty()) {
        FACETAG_ASSIGN_OR_RETURN_EXIT(update.criteria, ParseCriteria(o->criteria));
      }
      FACETAG_ASSIGN_OR_RETURN_EXIT(Workspace w, cli.Open(Access::kExisting, false));
      FACETAG_ASSIGN_OR_RETURN_EXIT(Person found, w.store->FindPerson(o->person));
      FACETAG_ASSIGN_OR_RETURN_EXIT(Person updated,
                                    w.app->UpdatePerson(found.id, update, cli.Actor()));
      return Present(cli, updated, "updated");
    };
  });
}

void AddAlias(CLI::App* person, Cli& cli) {
  auto* alias = person->add_subcommand("alias", "add or remove another name of a person");
  alias->require_subcommand(1);
  for (const bool add : {true, false}) {
    auto names = std::make_shared<std::pair<std::string, std::string>>();
    auto* cmd = alias->add_subcommand(add ? "add" : "remove",
                                      add ? "add an alias" : "remove an alias");
    cmd->add_option("person", names->first, "name, alias or URI")->required();
    cmd->add_option("alias", names->second, "the alias")->required();
    cmd->callback([&cli, names, add] {
      cli.run = [&cli, names, add] {
        FACETAG_ASSIGN_OR_RETURN_EXIT(Workspace w, cli.Open(Access::kExisting, false));
        FACETAG_ASSIGN_OR_RETURN_EXIT(Person found, w.store->FindPerson(names->first));
        FACETAG_ASSIGN_OR_RETURN_EXIT(
            Person updated, add ? w.app->AddAlias(found.id, names->second, cli.Actor())
                                : w.app->RemoveAlias(found.id, names->second, cli.Actor()));
        return Present(cli, updated, "updated");
      };
    });
  }
}

void AddList(CLI::App* person, Cli& cli) {
  auto* cmd = person->add_subcommand("list", "show everyone on the list");
  cmd->callback([&cli] {
    cli.run = [&cli] {
      FACETAG_ASSIGN_OR_RETURN_EXIT(auto store, cli.OpenStore(Access::kExisting));
      FACETAG_ASSIGN_OR_RETURN_EXIT(auto persons, store->ListPersons());
      if (cli.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const Person& p : persons) out.push_back(PersonJson(p));
        std::cout << out.dump(2) << "\n";
      } else {
        for (const Person& p : persons) {
          std::cout << p.name << "  (" << p.profile_count << " profile"
                    << (p.profile_count == 1 ? "" : "s") << ")\n";
        }
        if (persons.empty()) std::cout << "the list is empty\n";
      }
      return int{kExitOk};
    };
  });
}

void AddShowAndRemove(CLI::App* person, Cli& cli) {
  for (const bool remove : {false, true}) {
    auto* cmd =
        person->add_subcommand(remove ? "remove" : "show",
                               remove ? "remove a person and all their profiles" : "show a person");
    auto name = std::make_shared<std::string>();
    auto write = std::make_shared<bool>(false);
    cmd->add_option("name", *name, "name, alias or URI")->required();
    if (remove) {
      cmd->add_flag("--write-metadata", *write,
                    "also take the name out of the archived photos facetag wrote it into");
    }
    cmd->callback([&cli, name, remove, write] {
      cli.run = [&cli, name, remove, write] {
        FACETAG_ASSIGN_OR_RETURN_EXIT(Workspace w, cli.Open(Access::kExisting, false));
        FACETAG_ASSIGN_OR_RETURN_EXIT(Person found, w.store->FindPerson(*name));
        if (!remove) {
          if (cli.json) {
            std::cout << PersonJson(found).dump(2) << "\n";
          } else {
            PrintPerson(found);
          }
          return int{kExitOk};
        }
        FACETAG_ASSIGN_OR_RETURN_EXIT(app::UnlistOutcome outcome,
                                      w.app->UnlistPerson(found.id, cli.Actor(), *write));
        for (const auto& [photo, error] : outcome.write_errors) {
          std::cerr << "facetag: " << ForTerminal(error.message) << "\n";
        }
        if (cli.json) {
          std::cout << nlohmann::json{{"removed", PersonJson(found)}}.dump(2) << "\n";
        } else {
          std::cout << "removed " << found.name << " and " << found.profile_count
                    << " profile(s)";
          if (*write) {
            std::cout << "; rewrote " << outcome.photos.size() - outcome.write_errors.size()
                      << " photo(s)";
          }
          std::cout << "\n";
        }
        return outcome.write_errors.empty() ? int{kExitOk} : int{kExitPartial};
      };
    });
  }
}

void AddEnroll(CLI::App& app, Cli& cli) {
  struct Options {
    std::string name;
    std::vector<std::string> photos;
    int face = 0;
    std::string box;
    bool force = false;
    std::string from;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("enroll", "add facial profiles to listed persons from photos");
  cmd->add_option("name", o->name, "name, alias or URI of a listed person");
  cmd->add_option("photos", o->photos, "photos showing the person");
  cmd->add_option("--face", o->face, "which face (1 = leftmost) when a photo shows several");
  auto* box_opt = cmd->add_option("--box", o->box, "the face as X,Y,W,H pixels (skips detection)");
  cmd->get_option("--face")->excludes(box_opt);
  cmd->add_flag("--force", o->force,
                "enrol even a face unlike the person's other profiles (never a face below the "
                "quality floor or of an opted-out person)");
  cmd->add_option("--from", o->from,
                  "bulk: a folder with one subfolder per listed person, or a CSV of "
                  "name,photo[,x,y,w,h]");
  cmd->footer(
      "A photo with no face, with several faces and no --face/--box, a face already "
      "enrolled, a face that is not usable (not a face, too small, blurred, turned away), "
      "or a face unlike the person's other profiles is refused (exit 4). The archive is "
      "re-matched for each enrolled person at once while it is small.");
  cmd->callback([&cli, o] {
    cli.run = [&cli, o] {
      std::vector<EnrolEntry> entries;
      if (!o->from.empty()) {
        if (!o->name.empty() || !o->photos.empty()) {
          return cli.Report({ErrorCode::kInvalidArgument, "give --from or NAME PHOTO..., not both"});
        }
        FACETAG_ASSIGN_OR_RETURN_EXIT(entries, ReadEnrolSource(o->from));
      } else {
        if (o->name.empty() || o->photos.empty()) {
          return cli.Report({ErrorCode::kInvalidArgument, "give a person and photos, or --from"});
        }
        std::optional<FaceBox> box;
        if (!o->box.empty()) {
          FACETAG_ASSIGN_OR_RETURN_EXIT(box, ParseBox(o->box));
        }
        for (const auto& photo : o->photos) entries.push_back({o->name, photo, box});
      }
      FACETAG_ASSIGN_OR_RETURN_EXIT(Workspace w, cli.Open(Access::kExisting, true));
      FACETAG_ASSIGN_OR_RETURN_EXIT(auto analyzer, w.Analyzer());
      int exit_code = kExitOk;
      std::size_t refused = 0;
      std::map<PersonId, std::string> enrolled;  // persons with a new profile
      nlohmann::json results = nlohmann::json::array();
      Progress progress(entries.size(), !cli.quiet && entries.size() > 1);
      for (std::size_t i = 0; i < entries.size(); ++i) {
        const EnrolEntry& entry = entries[i];
        nlohmann::json item = {{"person", entry.person}, {"photo", entry.photo}};
        auto outcome = [&]() -> Result<app::EnrolOutcome> {
          FACETAG_ASSIGN_OR_RETURN(Person person, w.store->FindPerson(entry.person));
          FACETAG_ASSIGN_OR_RETURN(auto bytes, ReadFileBytes(entry.photo, 512ull << 20));
          app::EnrolRequest request;
          request.location = entry.photo;
          request.force = o->force;
          request.box = entry.box;
          if (o->face > 0) request.face_number = o->face;
          FACETAG_ASSIGN_OR_RETURN(auto done,
                                   w.app->Enrol(person.id, bytes, request, *analyzer, cli.Actor()));
          enrolled.emplace(person.id, person.name);
          return done;
        }();
        progress.Advance(i + 1);
        if (!outcome) {
          ++refused;
          const int code = ExitCodeFor(outcome.error().code);
          exit_code = entries.size() == 1 ? code : kExitPartial;
          if (!cli.json) {
            progress.Finish();
            std::cerr << "facetag: " << ForTerminal(entry.photo) << ": "
                      << ForTerminal(outcome.error().message) << "\n";
          }
          item["error"] = ErrorJson(outcome.error());
        } else {
          item["profile"] = outcome->profile;
          item["box"] = BoxJson(outcome->box);
          item["quality"] = outcome->quality.score;
          if (outcome->resemblance) item["resemblance"] = *outcome->resemblance;
          if (!cli.json && entries.size() <= 20) {
            std::cout << "enrolled " << ForTerminal(entry.photo) << " as " << entry.person;
            if (outcome->resemblance) {
              std::cout << " (resembles earlier profiles: "
                        << FormatSimilarity(*outcome->resemblance) << ")";
            }
            std::cout << "\n";
          }
        }
        results.push_back(item);
      }
      progress.Finish();
      nlohmann::json out = {{"results", results}};
      if (o->from.empty()) out["person"] = o->name;
      // New profiles may name the persons in photos archived before.
      nlohmann::json follow_ups = nlohmann::json::object();
      for (const auto& [id, name] : enrolled) {
        FACETAG_ASSIGN_OR_RETURN_EXIT(app::ListFollowUp follow_up, w.app->FollowListChange(id));
        follow_ups[name] = FollowUpJson(follow_up);
        if (!cli.json) PrintFollowUp(follow_up, name);
      }
      if (enrolled.size() == 1 && o->from.empty()) {
        out["rematch"] = follow_ups.begin().value();
      } else {
        out["rematch"] = follow_ups;
      }
      if (cli.json) {
        std::cout << out.dump(2) << "\n";
      } else if (entries.size() > 20 || refused > 0) {
        std::cout << entries.size() - refused << " of " << entries.size() << " photos enrolled for "
                  << enrolled.size() << " person(s); " << refused << " refused\n";
      }
      return exit_code;
    };
  });
}

}  // namespace

Result<ListingCriteria> ParseCriteria(const std::string& text) {
  ListingCriteria criteria;
  std::istringstream in(text);
  for (std::string word; std::getline(in, word, ',');) {
    if (word == "all") {
      criteria = {true, true, true};
    } else if (word == "public") {
      criteria.public_figure = true;
    } else if (word == "recurring") {
      criteria.recurring_in_news = true;
    } else if (word == "searched") {
      criteria.likely_searched = true;
    } else {
      return Fail(ErrorCode::kInvalidArgument,
                  "--criteria takes public, recurring, searched or all, got \"" + word + "\"");
    }
  }
  return criteria;
}

void AddPersonCommands(CLI::App& app, Cli& cli) {
  auto* person = app.add_subcommand("person", "manage the list of public figures");
  person->require_subcommand(1);
  AddAdd(person, cli);
  AddList(person, cli);
  AddShowAndRemove(person, cli);
  AddEdit(person, cli);
  AddAlias(person, cli);
  AddEnroll(app, cli);
}

}  // namespace facetag::cli
