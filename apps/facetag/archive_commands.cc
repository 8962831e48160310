// facetag ingest, search, tag-review and rematch: the archive.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli.h"
#include "facetag/discovery.h"
#include "facetag/file_io.h"
#include "facetag/search.h"

namespace facetag::cli {
namespace {

// Set by SIGINT/SIGTERM: the run finishes the photos in flight and stops.
std::atomic<bool> g_stop{false};

extern "C" void RequestStop(int) { g_stop.store(true); }

int SearchByFace(const Cli& cli, const std::string& photo, float min_similarity, int limit) {
  FACETAG_ASSIGN_OR_RETURN_EXIT(Workspace w, cli.Open(Access::kExisting, true));
  FACETAG_ASSIGN_OR_RETURN_EXIT(auto analyzer, w.Analyzer());
  FACETAG_ASSIGN_OR_RETURN_EXIT(auto bytes, ReadFileBytes(photo, 512ull << 20));
  auto hits = w.app->SearchByFace(bytes, *analyzer, limit,
                                  min_similarity > 0 ? std::optional(min_similarity) : std::nullopt);
  if (!hits) return cli.Report({hits.error().code, photo + ": " + hits.error().message});
  nlohmann::json results = nlohmann::json::array();
  for (const app::FaceSearchHit& h : *hits) {
    if (cli.json) {
      results.push_back(
          {{"photo", h.photo}, {"face", h.face}, {"location", h.location}, {"similarity", h.similarity}});
    } else {
      std::cout << ForTerminal(h.location) << "  face " << h.face << "  "
                << FormatSimilarity(h.similarity) << "\n";
    }
  }
  if (cli.json) std::cout << nlohmann::json{{"results", results}}.dump(2) << "\n";
  if (!cli.json && hits->empty()) std::cout << "no archived face is that similar\n";
  return kExitOk;
}

// "nobody called X is on the list; did you mean ...": exit 3.
int ReportUnknownName(const Cli& cli, Store& store, const std::string& name) {
  auto persons = store.ListPersons();
  if (!persons) return cli.Report(persons.error());
  const auto suggestions = pipeline::SuggestPersons(name, *persons);
  if (cli.json) {
    std::cout << nlohmann::json{{"results", nlohmann::json::array()}, {"suggestions", suggestions}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "nobody called \"" << ForTerminal(name) << "\" is on the list";
    if (!suggestions.empty()) {
      std::cout << "; did you mean";
      for (std::size_t i = 0; i < suggestions.size(); ++i) {
        std::cout << (i ? ", " : " ") << "\"" << suggestions[i] << "\"";
      }
      std::cout << "?";
    }
    std::cout << "\n";
  }
  return kExitNotFound;
}

void AddSearch(CLI::App& app, Cli& cli) {
  struct SearchOptions {
    std::string name, text, from, to, face;
    float min_similarity = 0;
    bool mentioned = false;
    int limit = 50, offset = 0;
  };
  auto o = std::make_shared<SearchOptions>();
  auto* cmd = app.add_subcommand("search", "find archived photos by person, text and date");
  cmd->add_option("name", o->name, "a listed person (name or alias; case and accents ignored)");
  cmd->add_flag("--mentioned", o->mentioned,
                "also photos whose caption only mentions the person (marked)");
  cmd->add_option("--text", o->text, "words in captions, headlines, keywords or names");
  cmd->add_option("--from", o->from, "first date (YYYY, YYYY-MM or YYYY-MM-DD)");
  cmd->add_option("--to", o->to, "last date, inclusive");
  cmd->add_option("--limit", o->limit, "at most this many photos")->check(CLI::Range(1, 10000));
  cmd->add_option("--offset", o->offset, "skip this many (paging)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--face", o->face,
                  "a photo: archived photos with a face like its main face (editors)");
  cmd->add_option("--min-similarity", o->min_similarity,
                  "with --face: lowest similarity shown (default: the pack's face-search point)");
  cmd->footer(
      "By default only photos where the person is pictured, most certain and most "
      "recent first. An unknown name finds nothing and suggests names (exit 3).");
  cmd->callback([&cli, o] {
    cli.run = [&cli, o] {
      if (!o->face.empty()) return SearchByFace(cli, o->face, o->min_similarity, o->limit);
      if (o->name.empty() && o->text.empty()) {
        return cli.Report({ErrorCode::kInvalidArgument, "give a person's name or --text"});
      }
      FACETAG_ASSIGN_OR_RETURN_EXIT(auto store, cli.OpenStore(Access::kExisting));
      SearchQuery query;
      query.text = o->text;
      query.date_from = o->from;
      query.date_to = o->to;
      query.limit = o->limit;
      query.offset = o->offset;
      query.include_mentioned = o->mentioned;
      if (!o->name.empty()) {
        auto found = store->FindPerson(o->name);
        if (!found) {
          if (found.error().code != ErrorCode::kNotFound) return cli.Report(found.error());
          return ReportUnknownName(cli, *store, o->name);
        }
        query.person = found->id;
      }
      FACETAG_ASSIGN_OR_RETURN_EXIT(auto hits, store->archive().Search(query));
      if (cli.json) {
        nlohmann::json results = nlohmann::json::array();
        for (const SearchHit& h : hits) {
          nlohmann::json item = {
              {"photo", h.photo}, {"location", h.location},      {"caption", h.caption},
              {"date", h.date},   {"kind", HitKindName(h.kind)}, {"confirmed", h.confirmed}};
          if (h.face) item["face"] = *h.face;
          if (h.box) item["box"] = BoxJson(*h.box);
          if (h.similarity) item["similarity"] = *h.similarity;
          results.push_back(item);
        }
        std::cout << nlohmann::json{{"results", results}}.dump(2) << "\n";
      } else {
        for (const SearchHit& h : hits) {
          std::cout << ForTerminal(h.location) << "  " << h.date;
          if (h.kind == HitKind::kMentioned) std::cout << "  [mentioned, not pictured]";
          if (h.similarity) std::cout << "  " << FormatSimilarity(*h.similarity);
          if (h.confirmed) std::cout << "  (confirmed)";
          std::cout << "\n";
        }
        if (hits.empty()) std::cout << "no photos found\n";
      }
      return int{kExitOk};
    };
  });
}

void AddReview(CLI::App& app, Cli& cli) {
  auto* review = app.add_subcommand("tag-review", "confirm or reject a face's name (editors)");
  review->require_subcommand(1);
  for (const bool confirm : {true, false}) {
    struct ReviewOptions {
      FaceId face = 0;
      std::string person;
      std::string actor;
      bool write = false;
      bool sidecar = false;
    };
    auto o = std::make_shared<ReviewOptions>();
    auto* cmd = review->add_subcommand(
        confirm ? "confirm" : "reject",
        confirm ? "the face shows this person (kept whatever later rematches decide)"
                : "the face is not this person (never named so again)");
    cmd->add_option("face", o->face, "face id (facetag --json search shows it)")->required();
    cmd->add_option("person", o->person, "name, alias or URI of a listed person")->required();
    cmd->add_option("--actor", o->actor, "who decides, for the audit log (default: $USER)");
    cmd->add_flag("--write-metadata", o->write, "rewrite the names in the photo");
    cmd->add_flag("--sidecar", o->sidecar, "with --write-metadata: write photo.xmp instead");
    cmd->callback([&cli, o, confirm] {
      cli.run = [&cli, o, confirm] {
        FACETAG_ASSIGN_OR_RETURN_EXIT(Workspace w, cli.Open(Access::kExisting, false));
        FACETAG_ASSIGN_OR_RETURN_EXIT(Person person, w.store->FindPerson(o->person));
        const std::string actor = o->actor.empty() ? cli.Actor() : o->actor;
        FACETAG_ASSIGN_OR_RETURN_EXIT(
            app::ReviewOutcome outcome,
            w.app->Review(o->face, person.id,
                          confirm ? app::ReviewAction::kConfirm : app::ReviewAction::kReject, actor,
                          o->write,
                          o->sidecar ? metadata::WriteTarget::kSidecar
                                     : metadata::WriteTarget::kInPlace));
        nlohmann::json out = {{"face", o->face},
                              {"person", person.name},
                              {"decision", confirm ? "confirmed" : "rejected"},
                              {"actor", actor}};
        if (outcome.written) out["metadata_changed"] = outcome.written->changed;
        if (cli.json) {
          std::cout << out.dump(2) << "\n";
        } else {
          std::cout << (confirm ? "confirmed " : "rejected ") << person.name << " on face "
                    << o->face << " (by " << ForTerminal(actor) << ")\n";
        }
        return int{kExitOk};
      };
    });
  }
}

void AddRematch(CLI::App& app, Cli& cli) {
  auto* cmd =
      app.add_subcommand("rematch", "re-decide the archive's faces against the current list");
  auto person = std::make_shared<std::string>();
  auto write = std::make_shared<bool>(false);
  auto sidecar = std::make_shared<bool>(false);
  cmd->add_option("--person", *person, "only changes naming or unnaming this person");
  cmd->add_flag("--write-metadata", *write, "rewrite the names in the photos that changed");
  cmd->add_flag("--sidecar", *sidecar, "with --write-metadata: write photo.xmp instead");
  cmd->footer(
      "Uses the stored embeddings: no photo is read. Editors' confirmations and "
      "rejections are kept.");
  cmd->callback([&cli, person, write, sidecar] {
    cli.run = [&cli, person, write, sidecar] {
      FACETAG_ASSIGN_OR_RETURN_EXIT(Workspace w, cli.Open(Access::kExisting, false));
      app::RematchOptions options;
      if (!person->empty()) {
        FACETAG_ASSIGN_OR_RETURN_EXIT(Person found, w.store->FindPerson(*person));
        options.person = found.id;
      }
      FACETAG_ASSIGN_OR_RETURN_EXIT(ArchiveCounts counts, w.store->archive().Counts());
      Progress progress(static_cast<std::size_t>(counts.faces), !cli.quiet, "faces");
      options.progress = [&](std::size_t faces) { progress.Advance(faces); };
      options.write_metadata = *write;
      options.target = *sidecar ? metadata::WriteTarget::kSidecar : metadata::WriteTarget::kInPlace;
      FACETAG_ASSIGN_OR_RETURN_EXIT(app::RematchSummary summary, w.app->Rematch(options));
      progress.Finish();
      nlohmann::json out = RematchJson(summary);
      if (*write) {
        nlohmann::json errors = nlohmann::json::array();
        for (const auto& [id, error] : summary.write_errors) {
          errors.push_back({{"photo", id}, {"error", ErrorJson(error)}});
          if (!cli.json) std::cerr << "facetag: " << ForTerminal(error.message) << "\n";
        }
        out["metadata_errors"] = errors;
      }
      if (cli.json) {
        std::cout << out.dump(2) << "\n";
      } else {
        PrintRematch(summary);
      }
      return summary.write_errors.empty() ? int{kExitOk} : int{kExitPartial};
    };
  });
}

void AddIngest(CLI::App& app, Cli& cli) {
  struct Options {
    std::vector<std::string> inputs;
    bool write_metadata = false;
    bool sidecar = false;
    bool force = false;
    bool discover = false;
    int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("ingest", "store photos, their faces and decisions in the archive");
  cmd->add_option("photos", o->inputs, "photos or folders (recursively)")->required();
  cmd->add_flag("--write-metadata", o->write_metadata, "also write the names into the photos");
  cmd->add_flag("--sidecar", o->sidecar, "with --write-metadata: write photo.xmp instead");
  cmd->add_flag("--force", o->force,
                "analyse photos already in the archive again (editors' decisions are kept)");
  cmd->add_flag("--discover", o->discover,
                "then cluster the new unknown faces (as `facetag discover`)");
  cmd->add_option("-j,--jobs", o->jobs, "parallel workers (default: one per core)")
      ->check(CLI::Range(1, 256));
  cmd->footer(
      "A photo already in the archive (same image data) is skipped, so an interrupted "
      "run continues where it stopped. Ctrl-C finishes the photos in flight. Exit 1 "
      "when some photos failed (they are listed and remembered).");
  cmd->callback([&cli, o] {
    cli.run = [&cli, o] {
      FACETAG_ASSIGN_OR_RETURN_EXIT(auto files, Cli::ListInputs(o->inputs));
      FACETAG_ASSIGN_OR_RETURN_EXIT(Workspace w, cli.Open(Access::kCreate, true));
      std::vector<std::string> locations;
      for (const auto& file : files) locations.push_back(file.string());
      app::BatchOptions options;
      options.workers = o->jobs;
      options.ingest.force = o->force;
      options.ingest.write_metadata = o->write_metadata;
      options.ingest.target =
          o->sidecar ? metadata::WriteTarget::kSidecar : metadata::WriteTarget::kInPlace;
      options.stop = &g_stop;
      std::signal(SIGINT, RequestStop);
      std::signal(SIGTERM, RequestStop);
      Progress progress(locations.size(), !cli.quiet);
      options.progress = [&](std::size_t done, std::size_t) { progress.Advance(done); };
      FACETAG_ASSIGN_OR_RETURN_EXIT(
          app::IngestSummary s,
          w.app->Ingest(locations, [&w] { return w.Analyzer(); }, options));
      progress.Finish();
      std::optional<discovery::DiscoverSummary> discovered;
      if (o->discover) {
        FACETAG_ASSIGN_OR_RETURN_EXIT(auto discovery_options,
                                      discovery::OptionsFor(*w.store, *w.pack));
        FACETAG_ASSIGN_OR_RETURN_EXIT(discovered,
                                      discovery::Discover(*w.store, discovery_options, false));
      }
      if (cli.json) {
        nlohmann::json errors = nlohmann::json::array();
        for (const auto& [file, error] : s.errors) {
          errors.push_back({{"file", file}, {"error", ErrorJson(error)}});
        }
        nlohmann::json out{{"files", s.files},           {"ingested", s.ingested},
                           {"skipped", s.skipped},       {"failed", s.failed},
                           {"faces", s.faces},           {"tagged", s.tagged},
                           {"unknown", s.unknown},       {"low_quality", s.low_quality},
                           {"suppressed", s.suppressed}, {"not_started", s.not_started},
                           {"errors", errors}};
        if (discovered) {
          out["discover"] = {{"clustered", discovered->clustered},
                             {"new_clusters", discovered->new_clusters},
                             {"clusters", discovered->clusters}};
        }
        std::cout << out.dump(2) << "\n";
      } else {
        for (const auto& [file, error] : s.errors) {
          std::cerr << "facetag: " << ForTerminal(file) << ": " << ForTerminal(error.message)
                    << "\n";
        }
        std::cout << s.files << " photos: " << s.ingested << " ingested, " << s.skipped
                  << " already in the archive, " << s.failed << " failed; " << s.faces
                  << " faces, " << s.tagged << " tagged, " << s.unknown << " unknown";
        if (s.low_quality > 0) std::cout << " (" << s.low_quality << " too poor to name)";
        std::cout << "\n";
        if (s.not_started > 0) {
          std::cout << "stopped: " << s.not_started << " photos left for the next run\n";
        }
        if (discovered) {
          std::cout << "discover: " << discovered->clustered << " unknown faces clustered, "
                    << discovered->new_clusters << " new clusters\n";
        }
      }
      return s.errors.empty() ? int{kExitOk} : int{kExitPartial};
    };
  });
}

}  // namespace

nlohmann::json RematchJson(const app::RematchSummary& s) {
  return {{"faces", s.faces},
          {"changed", s.changed},
          {"skipped_rejected", s.kept_rejected},
          {"skipped_confirmed", s.kept_confirmed},
          {"conflicts", s.conflicts},
          {"photos_changed", s.changed_photos.size()}};
}

void PrintRematch(const app::RematchSummary& s) {
  std::cout << "rematched " << s.faces << " archived faces: " << s.changed
            << " decisions changed in " << s.changed_photos.size() << " photos";
  if (s.kept_rejected + s.kept_confirmed > 0) {
    std::cout << " (" << s.kept_rejected << " kept rejected, " << s.kept_confirmed
              << " kept confirmed by editors)";
  }
  if (s.conflicts > 0) std::cout << "; " << s.conflicts << " changed meanwhile, left as they are";
  std::cout << "\n";
}

nlohmann::json FollowUpJson(const app::ListFollowUp& f) {
  if (f.rematched) return RematchJson(*f.rematched);
  return {{"deferred", f.deferred}, {"archived_faces", f.archived_faces}};
}

void PrintFollowUp(const app::ListFollowUp& f, const std::string& person) {
  if (f.rematched) {
    if (f.rematched->faces > 0) PrintRematch(*f.rematched);
  } else if (f.deferred) {
    std::cout << "the archive has " << f.archived_faces << " faces: run `facetag rematch --person \""
              << person << "\"` to tag it retroactively\n";
  }
}

void AddArchiveCommands(CLI::App& app, Cli& cli) {
  AddSearch(app, cli);
  AddReview(app, cli);
  AddRematch(app, cli);
  AddIngest(app, cli);
}

}  // namespace facetag::cli
