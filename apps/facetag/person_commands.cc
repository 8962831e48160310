// facetag person add|list|show|remove, and facetag enroll.
#include <CLI/CLI.hpp>
#include <iostream>
#include <sstream>

#include "cli.h"
#include "facetag/pipeline.h"
#include "facetag/rematch.h"

namespace facetag::cli {
namespace {

// Up to this many archived faces, enrolment re-matches the archive at once
// (about a second); beyond, `facetag rematch` does it as a job.
constexpr std::int64_t kAutoRematchFaces = 50000;

void PrintPerson(const Person& p) {
  std::cout << p.name << "\n  uri:      " << p.uri << "\n";
  if (!p.aliases.empty()) {
    std::cout << "  aliases: ";
    for (const auto& a : p.aliases) std::cout << " " << a << (&a == &p.aliases.back() ? "" : ",");
    std::cout << "\n";
  }
  if (!p.justification.empty()) std::cout << "  reason:   " << p.justification << "\n";
  std::cout << "  criteria: " << (p.criteria.public_figure ? "public figure" : "-") << ", "
            << (p.criteria.recurring_in_news ? "in the news more than once" : "-") << ", "
            << (p.criteria.likely_searched ? "likely searched" : "-") << "\n";
  std::cout << "  profiles: " << p.profile_count << "\n  listed:   " << p.created_at << "\n";
}

Result<FaceBox> ParseBox(const std::string& text) {
  FaceBox box;
  char c1 = 0, c2 = 0, c3 = 0;
  std::istringstream in(text);
  if (!(in >> box.x >> c1 >> box.y >> c2 >> box.width >> c3 >> box.height) || c1 != ',' ||
      c2 != ',' || c3 != ',' || box.width <= 0 || box.height <= 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "--box wants X,Y,W,H in pixels with a positive size, got \"" + text + "\"");
  }
  return box;
}

// "public,recurring,searched" (any order, any subset) or "all".
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

}  // namespace

void AddPersonCommands(CLI::App& app, Cli& cli) {
  auto* person = app.add_subcommand("person", "manage the list of public figures");
  person->require_subcommand(1);

  // person add
  {
    auto* cmd = person->add_subcommand("add", "list a person");
    auto name = std::make_shared<std::string>();
    auto aliases = std::make_shared<std::vector<std::string>>();
    auto justification = std::make_shared<std::string>();
    auto criteria = std::make_shared<std::string>();
    cmd->add_option("name", *name, "display name, e.g. \"Mark Rutte\"")->required();
    cmd->add_option("--alias", *aliases, "another name the person is known by (repeatable)");
    cmd->add_option("--justification,--notes", *justification, "why the person is listed");
    cmd->add_option("--criteria", *criteria,
                    "listing criteria the editor confirms: public (a public figure), recurring "
                    "(in the news more than once), searched (customers will search for them), "
                    "comma-separated, or all");
    cmd->callback([&cli, name, aliases, justification, criteria] {
      cli.run = [&cli, name, aliases, justification, criteria] {
        auto parsed = ParseCriteria(*criteria);
        if (!parsed) return cli.Report(parsed.error());
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto added = (*store)->AddPerson({*name, *aliases, *justification, *parsed});
        if (!added) return cli.Report(added.error());
        if (cli.json) {
          std::cout << PersonJson(*added).dump(2) << "\n";
        } else {
          std::cout << "listed " << added->name << " (" << added->uri << ")\n";
        }
        return int{kExitOk};
      };
    });
  }

  // person list
  {
    auto* cmd = person->add_subcommand("list", "show everyone on the list");
    cmd->callback([&cli] {
      cli.run = [&cli] {
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto persons = (*store)->ListPersons();
        if (!persons) return cli.Report(persons.error());
        if (cli.json) {
          nlohmann::json out = nlohmann::json::array();
          for (const Person& p : *persons) out.push_back(PersonJson(p));
          std::cout << out.dump(2) << "\n";
        } else {
          for (const Person& p : *persons) {
            std::cout << p.name << "  (" << p.profile_count << " profile"
                      << (p.profile_count == 1 ? "" : "s") << ")\n";
          }
          if (persons->empty()) std::cout << "the list is empty\n";
        }
        return int{kExitOk};
      };
    });
  }

  // person show / remove
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
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto found = (*store)->FindPerson(*name);
        if (!found) return cli.Report(found.error());
        std::vector<PhotoId> photos;  // where the name may stand in the file
        if (remove && *write) {
          SearchQuery query;
          query.person = found->id;
          query.include_mentioned = true;
          query.limit = 10000;
          for (;; query.offset += query.limit) {
            auto hits = (*store)->archive().Search(query);
            if (!hits) return cli.Report(hits.error());
            for (const SearchHit& h : *hits) photos.push_back(h.photo);
            if (hits->size() < static_cast<std::size_t>(query.limit)) break;
          }
        }
        std::size_t failed = 0;
        if (remove) {
          // The archive drops the person's tags and mentions with the person.
          auto removed = (*store)->RemovePerson(found->id);
          if (!removed) return cli.Report(removed.error());
          for (PhotoId id : photos) {
            auto written = pipeline::WriteArchivedTags(**store, id);
            if (written) continue;
            ++failed;
            std::cerr << "facetag: " << written.error().message << "\n";
          }
        }
        if (cli.json) {
          nlohmann::json out = PersonJson(*found);
          if (remove) out = {{"removed", out}};
          std::cout << out.dump(2) << "\n";
        } else if (remove) {
          std::cout << "removed " << found->name << " and " << found->profile_count
                    << " profile(s)";
          if (*write) std::cout << "; rewrote " << photos.size() - failed << " photo(s)";
          std::cout << "\n";
        } else {
          PrintPerson(*found);
        }
        return failed == 0 ? int{kExitOk} : int{kExitPartial};
      };
    });
  }

  // enroll
  {
    auto* cmd = app.add_subcommand("enroll", "add facial profiles to a listed person from photos");
    auto name = std::make_shared<std::string>();
    auto photos = std::make_shared<std::vector<std::string>>();
    auto face = std::make_shared<int>(0);
    auto box = std::make_shared<std::string>();
    auto force = std::make_shared<bool>(false);
    cmd->add_option("name", *name, "name, alias or URI of a listed person")->required();
    cmd->add_option("photos", *photos, "photos showing the person")->required();
    cmd->add_option("--face", *face, "which face (1 = leftmost) when a photo shows several");
    auto* box_opt = cmd->add_option("--box", *box, "the face as X,Y,W,H pixels (skips detection)");
    cmd->get_option("--face")->excludes(box_opt);
    cmd->add_flag("--force", *force, "enrol even a face that does not resemble the person");
    cmd->footer(
        "A photo with no face, with several faces and no --face/--box, a face already "
        "enrolled, or a face unlike the person's other profiles is refused (exit 4).");
    cmd->callback([&cli, name, photos, face, box, force] {
      cli.run = [&cli, name, photos, face, box, force] {
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        auto person = (*store)->FindPerson(*name);
        if (!person) return cli.Report(person.error());
        auto pack = cli.LoadPack();
        if (!pack) return cli.Report(pack.error());
        auto analyzer = vision::FaceAnalyzer::Create(*pack);
        if (!analyzer) return cli.Report(analyzer.error());
        pipeline::EnrollRequest request;
        request.force = *force;
        if (*face > 0) request.face_number = *face;
        if (!box->empty()) {
          auto parsed = ParseBox(*box);
          if (!parsed) return cli.Report(parsed.error());
          request.box = *parsed;
        }
        pipeline::Enroller enroller(**store, **analyzer, *pack);
        int exit_code = kExitOk;
        int enrolled = 0;
        nlohmann::json results = nlohmann::json::array();
        for (const std::string& photo : *photos) {
          request.photo = photo;
          auto outcome = enroller.Enroll(*person, request);
          nlohmann::json item = {{"photo", photo}};
          if (!outcome) {
            const int code = ExitCodeFor(outcome.error().code);
            exit_code =
                photos->size() == 1 ? code : (exit_code == kExitOk ? kExitPartial : exit_code);
            if (!cli.json) std::cerr << "facetag: " << outcome.error().message << "\n";
            item["error"] = ErrorJson(outcome.error());
          } else {
            ++enrolled;
            item["profile"] = outcome->profile;
            item["box"] = BoxJson(outcome->box);
            if (outcome->resemblance) item["resemblance"] = *outcome->resemblance;
            if (!cli.json) {
              std::cout << "enrolled " << photo << " as " << person->name;
              if (outcome->resemblance) {
                std::cout << " (resembles earlier profiles: "
                          << FormatSimilarity(*outcome->resemblance) << ")";
              }
              std::cout << "\n";
            }
          }
          results.push_back(item);
        }
        nlohmann::json out = {{"person", person->name}, {"results", results}};
        // New profiles may name the person in photos archived before: re-match
        // at once while the archive is small, else leave it to `rematch`.
        if (enrolled > 0) {
          auto counts = (*store)->archive().Counts();
          if (!counts) return cli.Report(counts.error());
          if (counts->faces > 0 && counts->faces <= kAutoRematchFaces) {
            auto list = pipeline::Recognizer::Load(**store, *pack);
            if (!list) return cli.Report(list.error());
            pipeline::RematchOptions options;
            options.person = person->id;
            auto summary = pipeline::Rematch((*store)->archive(), *list, options);
            if (!summary) return cli.Report(summary.error());
            out["rematch"] = RematchJson(*summary);
            if (!cli.json) PrintRematch(*summary);
          } else if (counts->faces > kAutoRematchFaces && !cli.json) {
            std::cout << "the archive has " << counts->faces << " faces: run `facetag rematch "
                      << "--person \"" << person->name << "\"` to tag it retroactively\n";
          }
        }
        if (cli.json) std::cout << out.dump(2) << "\n";
        return exit_code;
      };
    });
  }
}

}  // namespace facetag::cli
