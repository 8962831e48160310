// facetag tag and facetag inspect: names into the photo's metadata.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli.h"
#include "facetag/tagger.h"

namespace facetag::cli {
namespace {

nlohmann::json TaggingJson(const pipeline::PhotoTagging& t, const pipeline::Recognizer& list) {
  nlohmann::json out = {{"file", t.photo.string()},
                        {"width", t.width},
                        {"height", t.height},
                        {"caption", t.text.caption},
                        {"caption_source", metadata::CaptionSourceName(t.text.caption_source)},
                        {"headline", t.text.headline},
                        {"keywords", t.text.keywords},
                        {"date_created", t.text.date_created},
                        {"exif_orientation", t.text.exif_orientation}};
  out["mentions"] = nlohmann::json::array();
  for (const captions::Mention& m : t.mentions) {
    const Person* p = list.FindPerson(m.person);
    out["mentions"].push_back({{"name", p ? p->name : ""},
                               {"text", m.text},
                               {"begin", m.begin},
                               {"end", m.end},
                               {"kind", captions::MentionKindName(m.kind)}});
  }
  out["faces"] = nlohmann::json::array();
  for (const auto& f : t.faces) {
    nlohmann::json face = {{"box", BoxJson(f.face.box)},
                           {"decision", gallery::DecisionName(f.match.decision)},
                           {"similarity", f.match.best ? f.match.best->similarity : 0.0f},
                           {"threshold", f.match.threshold},
                           {"by_mention", f.by_mention}};
    face["name"] = f.person ? nlohmann::json(f.person->name) : nlohmann::json(nullptr);
    out["faces"].push_back(face);
  }
  out["persons"] = nlohmann::json::array();
  for (const auto& p : t.reconciliation.persons) {
    const Person* person = list.FindPerson(p.person);
    nlohmann::json item = {{"name", person ? person->name : ""},
                           {"uri", person ? person->uri : ""},
                           {"presence", captions::PresenceName(p.presence)}};
    if (p.face) {
      item["face"] = *p.face + 1;
      item["similarity"] = p.similarity;
    }
    out["persons"].push_back(item);
  }
  out["unknown_faces"] = t.reconciliation.unknown_faces.size();
  nlohmann::json named = nlohmann::json::array();
  for (const auto& p : t.text.persons) {
    named.push_back({{"name", p.name}, {"uri", p.uri}, {"by_facetag", p.written_by_facetag}});
  }
  out["named_in_file"] = named;
  if (t.write) {
    const auto& w = *t.write;
    out["write"] = {{"target", w.target.string()},
                    {"changed", w.changed},
                    {"written", w.written},
                    {"names_added", w.names_added},
                    {"names_removed", w.names_removed},
                    {"mentioned_added", w.mentioned_added},
                    {"mentioned_removed", w.mentioned_removed},
                    {"regions_written", w.regions_written},
                    {"foreign_regions_kept", w.foreign_regions_kept}};
  }
  return out;
}

void PrintTagging(const pipeline::PhotoTagging& t, const pipeline::Recognizer& list, bool details) {
  std::cout << t.photo.string() << " (" << t.width << "x" << t.height << ")\n";
  if (!t.text.caption.empty()) {
    std::cout << "  caption (" << metadata::CaptionSourceName(t.text.caption_source)
              << "): " << t.text.caption << "\n";
  }
  if (details) {
    if (!t.text.headline.empty()) std::cout << "  headline: " << t.text.headline << "\n";
    if (!t.text.date_created.empty()) std::cout << "  date: " << t.text.date_created << "\n";
    for (const captions::Mention& m : t.mentions) {
      const Person* p = list.FindPerson(m.person);
      std::cout << "  mention: \"" << m.text << "\" [" << m.begin << "," << m.end << ") -> "
                << (p ? p->name : "?") << " (" << captions::MentionKindName(m.kind) << ")\n";
    }
    for (std::size_t i = 0; i < t.faces.size(); ++i) {
      const auto& f = t.faces[i];
      const FaceBox& b = f.face.box;
      std::printf("  face %zu: box %.0f,%.0f %.0fx%.0f  ", i + 1, b.x, b.y, b.width, b.height);
      if (f.person) {
        std::cout << f.person->name << " " << FormatSimilarity(f.match.best->similarity)
                  << (f.by_mention ? " (threshold lowered by the caption)" : "") << "\n";
      } else {
        std::cout << "unknown\n";
      }
    }
    for (const auto& p : t.text.persons) {
      std::cout << "  already in the file: " << p.name
                << (p.written_by_facetag ? " (by facetag)" : "") << "\n";
    }
  }
  for (const auto& p : t.reconciliation.persons) {
    const Person* person = list.FindPerson(p.person);
    std::cout << "  " << (person ? person->name : "?") << ": "
              << captions::PresenceName(p.presence);
    if (p.face)
      std::cout << " (face " << *p.face + 1 << ", " << FormatSimilarity(p.similarity) << ")";
    std::cout << "\n";
  }
  if (!t.reconciliation.unknown_faces.empty()) {
    std::cout << "  unknown faces: " << t.reconciliation.unknown_faces.size() << "\n";
  }
  if (t.write) {
    const auto& w = *t.write;
    if (!w.changed) {
      std::cout << "  metadata already up to date\n";
    } else {
      std::cout << (w.written ? "  wrote " : "  would write ") << w.target.string() << ":";
      for (const auto& n : w.names_added) std::cout << " +" << n;
      for (const auto& n : w.names_removed) std::cout << " -" << n;
      for (const auto& n : w.mentioned_added) std::cout << " +mentioned:" << n;
      for (const auto& n : w.mentioned_removed) std::cout << " -mentioned:" << n;
      std::cout << " (" << w.regions_written << " face regions)\n";
    }
  }
}

}  // namespace

void AddTagCommands(CLI::App& app, Cli& cli) {
  struct Options {
    std::vector<std::string> inputs;
    bool sidecar = false;
    bool dry_run = false;
    int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  };
  for (const bool write : {true, false}) {
    auto* cmd = app.add_subcommand(
        write ? "tag" : "inspect",
        write ? "recognise, reconcile with the caption, and write names into the photos"
              : "show caption, mentions, faces and what facetag would write");
    auto o = std::make_shared<Options>();
    cmd->add_option("photos", o->inputs, write ? "photos or folders (recursively)" : "photos")
        ->required();
    if (write) {
      cmd->add_flag("--sidecar", o->sidecar, "write photo.xmp beside the photo; never touch it");
      cmd->add_flag("--dry-run", o->dry_run, "show what would change, write nothing");
      cmd->add_option("-j,--jobs", o->jobs, "parallel workers")->check(CLI::Range(1, 256));
      cmd->footer(
          "Writes IPTC PersonInImage, PersonInImageWDetails, ImageRegion and MWG face "
          "regions; replaces only what facetag wrote before. Writes are atomic. "
          "Exit 1 when some photos failed.");
    }
    cmd->callback([&cli, o, write] {
      cli.run = [&cli, o, write] {
        auto files = Cli::ListInputs(o->inputs);
        if (!files) return cli.Report(files.error());
        auto list = cli.LoadList();
        if (!list) return cli.Report(list.error());
        metadata::WriteOptions write_options;
        write_options.target =
            o->sidecar ? metadata::WriteTarget::kSidecar : metadata::WriteTarget::kInPlace;
        write_options.dry_run = o->dry_run;

        Progress progress(files->size(), !cli.quiet && write);
        std::mutex output;
        std::size_t done = 0, failed = 0;
        std::optional<ErrorCode> first_error;
        std::vector<nlohmann::json> results(files->size());
        auto ran = pipeline::ForEachInParallel(
            files->size(), write ? o->jobs : 1, list->pack, {},
            [&](vision::FaceAnalyzer& analyzer, std::size_t i) {
              pipeline::Tagger tagger(list->recognizer, analyzer);
              const auto& file = (*files)[i];
              auto t = write ? tagger.Tag(file, write_options) : tagger.Inspect(file);
              std::lock_guard lock(output);
              ++done;
              if (!t) {
                ++failed;
                if (!first_error) first_error = t.error().code;
                results[i] = {{"file", file.string()}, {"error", ErrorJson(t.error())}};
                if (!cli.json) std::cerr << "\r\033[Kfacetag: " << t.error().message << "\n";
              } else {
                results[i] = TaggingJson(*t, list->recognizer);
                if (!cli.json) {
                  if (isatty(STDERR_FILENO) && !cli.quiet) std::cerr << "\r\033[K";
                  PrintTagging(*t, list->recognizer, !write);
                }
              }
              progress.Advance(done);
            });
        if (!ran) return cli.Report(ran.error());
        if (cli.json) std::cout << nlohmann::json(results).dump(2) << "\n";
        return BatchExitCode(files->size(), failed, first_error);
      };
    });
  }
}

}  // namespace facetag::cli
