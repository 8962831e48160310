// facetag ingest: folders of photos into the archive.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <thread>
#include <tuple>

#include "cli.h"
#include "facetag/discovery.h"
#include "facetag/ingest.h"
#include "facetag/rematch.h"
#include "facetag/search.h"

namespace facetag::cli {
namespace {

// Set by SIGINT/SIGTERM: the run finishes the photos in flight and stops.
std::atomic<bool> g_stop{false};

extern "C" void RequestStop(int) { g_stop.store(true); }

// Archived photos with a face like the main face of `photo`: every stored
// face of the pack's model, page by page (no photo of the archive is read).
int SearchByFace(const Cli& cli, const std::string& photo, float min_similarity, int limit) {
  auto list = cli.LoadList();
  if (!list) return cli.Report(list.error());
  auto analyzer = vision::FaceAnalyzer::Create(list->pack);
  if (!analyzer) return cli.Report(analyzer.error());
  auto faces = (*analyzer)->AnalyzeFile(photo);
  if (!faces) return cli.Report(faces.error());
  const auto main_face = vision::PickMainFace(*faces);
  if (!main_face) return cli.Report({ErrorCode::kNoFace, photo + ": no face found"});
  const std::vector<float>& probe = faces->faces[*main_face].embedding.values;
  if (min_similarity <= 0) {
    min_similarity = list->pack.thresholds.SimilarityAt(list->pack.thresholds.face_search_far);
  }
  Archive& archive = list->store->archive();
  std::map<PhotoId, std::pair<float, FaceId>> best;  // per photo: its most similar face
  FaceId after = 0;
  do {
    auto page = archive.FacesForModel(list->pack.id, after, 10000);
    if (!page) return cli.Report(page.error());
    for (const FaceForMatching& f : page->faces) {
      const float s = CosineSimilarity(f.embedding, probe);
      if (s < min_similarity) continue;
      auto [it, added] = best.emplace(f.photo, std::pair{s, f.id});
      if (!added && s > it->second.first) it->second = {s, f.id};
    }
    after = page->next_after;
  } while (after != 0);
  std::vector<std::tuple<float, PhotoId, FaceId>> ranked;
  for (const auto& [id, hit] : best) ranked.emplace_back(hit.first, id, hit.second);
  std::sort(ranked.rbegin(), ranked.rend());
  if (ranked.size() > static_cast<std::size_t>(limit)) ranked.resize(limit);
  nlohmann::json results = nlohmann::json::array();
  for (const auto& [similarity, id, face] : ranked) {
    auto stored = archive.GetPhoto(id);
    if (!stored) return cli.Report(stored.error());
    if (cli.json) {
      results.push_back({{"photo", id},
                         {"face", face},
                         {"location", stored->info.location},
                         {"similarity", similarity}});
    } else {
      std::cout << stored->info.location << "  face " << face << "  "
                << FormatSimilarity(similarity) << "\n";
    }
  }
  if (cli.json) std::cout << nlohmann::json{{"results", results}}.dump(2) << "\n";
  if (!cli.json && ranked.empty()) std::cout << "no archived face is that similar\n";
  return kExitOk;
}

}  // namespace

nlohmann::json RematchJson(const pipeline::RematchSummary& s) {
  return {{"faces", s.faces},
          {"changed", s.changed},
          {"skipped_rejected", s.skipped_rejected},
          {"skipped_confirmed", s.skipped_confirmed},
          {"photos_changed", s.changed_photos.size()}};
}

void PrintRematch(const pipeline::RematchSummary& s) {
  std::cout << "rematched " << s.faces << " archived faces: " << s.changed
            << " decisions changed in " << s.changed_photos.size() << " photos";
  if (s.skipped_rejected + s.skipped_confirmed > 0) {
    std::cout << " (" << s.skipped_rejected << " kept rejected, " << s.skipped_confirmed
              << " kept confirmed by editors)";
  }
  std::cout << "\n";
}

void AddArchiveCommands(CLI::App& app, Cli& cli) {
  {
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
    cmd->add_option("--offset", o->offset, "skip this many (paging)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--face", o->face,
                    "a photo: archived photos with a face like its main face (editors)");
    cmd->add_option("--min-similarity", o->min_similarity,
                    "with --face: lowest similarity shown (default: the 1e-4 false-accept point)");
    cmd->footer(
        "By default only photos where the person is pictured, most certain and most "
        "recent first. An unknown name finds nothing and suggests names (exit 3).");
    cmd->callback([&cli, o] {
      cli.run = [&cli, o] {
        if (!o->face.empty()) return SearchByFace(cli, o->face, o->min_similarity, o->limit);
        if (o->name.empty() && o->text.empty()) {
          return cli.Report({ErrorCode::kInvalidArgument, "give a person's name or --text"});
        }
        auto store = cli.OpenStore();
        if (!store) return cli.Report(store.error());
        SearchQuery query;
        query.text = o->text;
        query.date_from = o->from;
        query.date_to = o->to;
        query.limit = o->limit;
        query.offset = o->offset;
        query.include_mentioned = o->mentioned;
        std::optional<Person> person;
        if (!o->name.empty()) {
          auto found = (*store)->FindPerson(o->name);
          if (!found) {
            if (found.error().code != ErrorCode::kNotFound) return cli.Report(found.error());
            auto persons = (*store)->ListPersons();
            if (!persons) return cli.Report(persons.error());
            const auto suggestions = pipeline::SuggestPersons(o->name, *persons);
            if (cli.json) {
              std::cout << nlohmann::json{{"results", nlohmann::json::array()},
                                          {"suggestions", suggestions}}
                               .dump(2)
                        << "\n";
            } else {
              std::cout << "nobody called \"" << o->name << "\" is on the list";
              if (!suggestions.empty()) {
                std::cout << "; did you mean";
                for (std::size_t i = 0; i < suggestions.size(); ++i) {
                  std::cout << (i ? ", " : " ") << "\"" << suggestions[i] << "\"";
                }
                std::cout << "?";
              }
              std::cout << "\n";
            }
            return int{kExitNotFound};
          }
          person = *found;
          query.person = found->id;
        }
        auto hits = (*store)->archive().Search(query);
        if (!hits) return cli.Report(hits.error());
        if (cli.json) {
          nlohmann::json results = nlohmann::json::array();
          for (const SearchHit& h : *hits) {
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
          for (const SearchHit& h : *hits) {
            std::cout << h.location << "  " << h.date;
            if (h.kind == HitKind::kMentioned) std::cout << "  [mentioned, not pictured]";
            if (h.similarity) std::cout << "  " << FormatSimilarity(*h.similarity);
            if (h.confirmed) std::cout << "  (confirmed)";
            std::cout << "\n";
          }
          if (hits->empty()) std::cout << "no photos found\n";
        }
        return int{kExitOk};
      };
    });
  }
  {
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
          auto store = cli.OpenStore();
          if (!store) return cli.Report(store.error());
          auto person = (*store)->FindPerson(o->person);
          if (!person) return cli.Report(person.error());
          std::string actor = o->actor;
          if (actor.empty()) actor = std::getenv("USER") ? std::getenv("USER") : "editor";
          Archive& archive = (*store)->archive();
          auto done = confirm ? archive.ConfirmTag(o->face, person->id, actor)
                              : archive.RejectTag(o->face, person->id, actor);
          if (!done) return cli.Report(done.error());
          nlohmann::json out = {{"face", o->face},
                                {"person", person->name},
                                {"decision", confirm ? "confirmed" : "rejected"},
                                {"actor", actor}};
          if (o->write) {
            auto photo = archive.PhotoOfFace(o->face);
            if (!photo) return cli.Report(photo.error());
            metadata::WriteOptions write_options;
            write_options.target =
                o->sidecar ? metadata::WriteTarget::kSidecar : metadata::WriteTarget::kInPlace;
            auto written = pipeline::WriteArchivedTags(**store, *photo, write_options);
            if (!written) return cli.Report(written.error());
            out["metadata_changed"] = written->changed;
          }
          if (cli.json) {
            std::cout << out.dump(2) << "\n";
          } else {
            std::cout << (confirm ? "confirmed " : "rejected ") << person->name << " on face "
                      << o->face << " (by " << actor << ")\n";
          }
          return int{kExitOk};
        };
      });
    }
  }
  {
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
        auto list = cli.LoadList();
        if (!list) return cli.Report(list.error());
        pipeline::RematchOptions options;
        if (!person->empty()) {
          auto found = list->store->FindPerson(*person);
          if (!found) return cli.Report(found.error());
          options.person = found->id;
        }
        auto counts = list->store->archive().Counts();
        if (!counts) return cli.Report(counts.error());
        Progress progress(static_cast<std::size_t>(counts->faces), !cli.quiet, "faces");
        auto summary = pipeline::Rematch(list->store->archive(), list->recognizer, options,
                                         [&](std::size_t faces) { progress.Advance(faces); });
        if (!summary) return cli.Report(summary.error());
        nlohmann::json out = RematchJson(*summary);
        std::size_t failed = 0;
        if (*write) {
          metadata::WriteOptions write_options;
          write_options.target =
              *sidecar ? metadata::WriteTarget::kSidecar : metadata::WriteTarget::kInPlace;
          nlohmann::json errors = nlohmann::json::array();
          for (PhotoId id : summary->changed_photos) {
            auto written = pipeline::WriteArchivedTags(*list->store, id, write_options);
            if (written) continue;
            ++failed;
            errors.push_back({{"photo", id}, {"error", ErrorJson(written.error())}});
            if (!cli.json) std::cerr << "facetag: " << written.error().message << "\n";
          }
          out["metadata_errors"] = errors;
        }
        if (cli.json) {
          std::cout << out.dump(2) << "\n";
        } else {
          PrintRematch(*summary);
        }
        return failed == 0 ? int{kExitOk} : int{kExitPartial};
      };
    });
  }
  struct Options {
    std::vector<std::string> inputs;
    bool write_metadata = false;
    bool sidecar = false;
    bool force = false;
    bool discover = false;
    int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  };
  auto o = std::make_shared<Options>();
  auto* cmd =
      app.add_subcommand("ingest", "store photos, their faces and decisions in the archive");
  cmd->add_option("photos", o->inputs, "photos or folders (recursively)")->required();
  cmd->add_flag("--write-metadata", o->write_metadata, "also write the names into the photos");
  cmd->add_flag("--sidecar", o->sidecar, "with --write-metadata: write photo.xmp instead");
  cmd->add_flag("--force", o->force, "process photos already in the archive again");
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
      auto files = Cli::ListInputs(o->inputs);
      if (!files) return cli.Report(files.error());
      auto list = cli.LoadList();
      if (!list) return cli.Report(list.error());
      pipeline::IngestOptions options;
      options.workers = o->jobs;
      options.force = o->force;
      options.write_metadata = o->write_metadata;
      options.target =
          o->sidecar ? metadata::WriteTarget::kSidecar : metadata::WriteTarget::kInPlace;
      options.stop = &g_stop;
      std::signal(SIGINT, RequestStop);
      std::signal(SIGTERM, RequestStop);
      Progress progress(files->size(), !cli.quiet);
      auto summary =
          pipeline::Ingest(*list->store, list->pack, list->recognizer, *files, options,
                           [&](std::size_t done, std::size_t) { progress.Advance(done); });
      if (!summary) return cli.Report(summary.error());
      const auto& s = *summary;
      std::optional<discovery::DiscoverSummary> discovered;
      if (o->discover) {
        auto options = discovery::OptionsFor(*list->store, list->pack);
        if (!options) return cli.Report(options.error());
        auto d = discovery::Discover(*list->store, *options, false);
        if (!d) return cli.Report(d.error());
        discovered = *d;
      }
      if (cli.json) {
        nlohmann::json errors = nlohmann::json::array();
        for (const auto& [file, error] : s.errors) {
          errors.push_back({{"file", file.string()}, {"error", ErrorJson(error)}});
        }
        nlohmann::json out{{"files", s.files},     {"ingested", s.ingested},
                           {"skipped", s.skipped}, {"failed", s.failed},
                           {"faces", s.faces},     {"tagged", s.tagged},
                           {"unknown", s.unknown}, {"not_started", s.not_started},
                           {"errors", errors}};
        if (discovered) {
          out["discover"] = {{"clustered", discovered->clustered},
                             {"new_clusters", discovered->new_clusters},
                             {"clusters", discovered->clusters}};
        }
        std::cout << out.dump(2) << "\n";
      } else {
        for (const auto& [file, error] : s.errors) {
          std::cerr << "facetag: " << error.message << "\n";
        }
        std::cout << s.files << " photos: " << s.ingested << " ingested, " << s.skipped
                  << " already in the archive, " << s.failed << " failed; " << s.faces << " faces, "
                  << s.tagged << " tagged, " << s.unknown << " unknown\n";
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

}  // namespace facetag::cli
