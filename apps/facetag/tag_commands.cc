// facetag tag and facetag inspect: names into the photo's metadata.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli.h"
#include "facetag/file_io.h"

namespace facetag::cli {
namespace {

// One face as shown: what was decided and by whom.
struct ShownFace {
  FaceBox box;
  Decision decision;
  std::optional<TagStatus> status;  // archived faces only
};

// A photo as shown by tag and inspect, from a fresh recognition (inspect)
// or from the archive's state that was written (tag).
struct ShownPhoto {
  std::string file;
  int width = 0, height = 0;
  const metadata::PhotoText* text = nullptr;
  std::vector<captions::Mention> mentions;
  std::vector<ShownFace> faces;
  std::vector<PersonPresence> presence;
  std::optional<metadata::WriteReport> write;
};

ShownPhoto FromRecognition(const std::string& file, const app::Recognition& r) {
  ShownPhoto shown{file, r.width, r.height, &r.text, r.mentions, {}, r.presence, std::nullopt};
  for (const app::RecognizedFace& f : r.faces) shown.faces.push_back({f.face.box, f.decision, {}});
  return shown;
}

ShownPhoto FromTagged(const std::string& file, const app::TaggedPhoto& t) {
  ShownPhoto shown{file, t.photo.info.width, t.photo.info.height, &t.text, {}, {}, {}, t.write};
  std::vector<Decision> decisions;
  for (const StoredFace& f : t.photo.faces) {
    const Decision d = app::DecisionOf(f);
    decisions.push_back(d);
    shown.faces.push_back({f.detected.box, d, f.status});
  }
  std::vector<PersonId> mentioned;
  for (const PhotoMention& m : t.photo.mentions) {
    const auto kind = m.kind == "alias"     ? captions::MentionKind::kAlias
                      : m.kind == "surname" ? captions::MentionKind::kSurname
                                            : captions::MentionKind::kFullName;
    shown.mentions.push_back({m.person, m.begin, m.end, m.text, kind});
    if (std::find(mentioned.begin(), mentioned.end(), m.person) == mentioned.end()) {
      mentioned.push_back(m.person);
    }
  }
  shown.presence = Reconcile(decisions, mentioned);
  return shown;
}

nlohmann::json ShownJson(const ShownPhoto& t, const app::ListSnapshot& list) {
  const metadata::PhotoText& text = *t.text;
  nlohmann::json out = {{"file", t.file},
                        {"width", t.width},
                        {"height", t.height},
                        {"caption", text.caption},
                        {"caption_source", metadata::CaptionSourceName(text.caption_source)},
                        {"headline", text.headline},
                        {"keywords", text.keywords},
                        {"date_created", text.date_created},
                        {"exif_orientation", text.exif_orientation}};
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
  std::size_t unknown = 0;
  for (const ShownFace& f : t.faces) {
    const Person* person = f.decision.person ? list.FindPerson(*f.decision.person) : nullptr;
    nlohmann::json face = {{"box", BoxJson(f.box)},
                           {"decision", FaceDecisionName(f.decision.decision)},
                           {"similarity", f.decision.similarity.value_or(0.0f)},
                           {"by_mention", f.decision.by_mention}};
    if (!f.status) face["threshold"] = f.decision.threshold;
    if (f.status) face["status"] = TagStatusName(*f.status);
    if (f.decision.decision == FaceDecision::kLowQuality) {
      face["quality_issue"] = QualityIssueName(f.decision.quality_issue);
    }
    face["name"] = person ? nlohmann::json(person->name) : nlohmann::json(nullptr);
    if (!person) ++unknown;
    out["faces"].push_back(face);
  }
  out["persons"] = nlohmann::json::array();
  for (const PersonPresence& p : t.presence) {
    const Person* person = list.FindPerson(p.person);
    nlohmann::json item = {{"name", person ? person->name : ""},
                           {"uri", person ? person->uri : ""},
                           {"presence", PresenceName(p.presence)}};
    if (p.face) {
      item["face"] = *p.face + 1;
      item["similarity"] = t.faces[*p.face].decision.similarity.value_or(0.0f);
    }
    out["persons"].push_back(item);
  }
  out["unknown_faces"] = unknown;
  nlohmann::json named = nlohmann::json::array();
  for (const auto& p : text.persons) {
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

void PrintShown(const ShownPhoto& t, const app::ListSnapshot& list, bool details) {
  const metadata::PhotoText& text = *t.text;
  std::cout << ForTerminal(t.file) << " (" << t.width << "x" << t.height << ")\n";
  if (!text.caption.empty()) {
    std::cout << "  caption (" << metadata::CaptionSourceName(text.caption_source)
              << "): " << ForTerminal(text.caption) << "\n";
  }
  if (details) {
    if (!text.headline.empty()) std::cout << "  headline: " << ForTerminal(text.headline) << "\n";
    if (!text.date_created.empty()) {
      std::cout << "  date: " << ForTerminal(text.date_created) << "\n";
    }
    for (const captions::Mention& m : t.mentions) {
      const Person* p = list.FindPerson(m.person);
      std::cout << "  mention: \"" << ForTerminal(m.text) << "\" [" << m.begin << "," << m.end
                << ") -> " << (p ? p->name : "?") << " (" << captions::MentionKindName(m.kind)
                << ")\n";
    }
    for (std::size_t i = 0; i < t.faces.size(); ++i) {
      const ShownFace& f = t.faces[i];
      std::printf("  face %zu: box %.0f,%.0f %.0fx%.0f  ", i + 1, f.box.x, f.box.y, f.box.width,
                  f.box.height);
      const Person* person = f.decision.person ? list.FindPerson(*f.decision.person) : nullptr;
      if (person) {
        std::cout << person->name << " " << FormatSimilarity(f.decision.similarity.value_or(0))
                  << (f.decision.by_mention ? " (threshold lowered by the caption)" : "") << "\n";
      } else if (f.decision.decision == FaceDecision::kLowQuality) {
        std::cout << "unknown (" << QualityIssueName(f.decision.quality_issue)
                  << ": never named)\n";
      } else {
        std::cout << "unknown\n";
      }
    }
    for (const auto& p : text.persons) {
      std::cout << "  already in the file: " << ForTerminal(p.name)
                << (p.written_by_facetag ? " (by facetag)" : "") << "\n";
    }
  }
  std::size_t unknown = 0;
  for (const ShownFace& f : t.faces) unknown += f.decision.person ? 0 : 1;
  for (const PersonPresence& p : t.presence) {
    const Person* person = list.FindPerson(p.person);
    std::cout << "  " << (person ? person->name : "?") << ": " << PresenceName(p.presence);
    if (p.face) {
      std::cout << " (face " << *p.face + 1 << ", "
                << FormatSimilarity(t.faces[*p.face].decision.similarity.value_or(0)) << ")";
    }
    std::cout << "\n";
  }
  if (unknown > 0) std::cout << "  unknown faces: " << unknown << "\n";
  if (t.write) {
    const auto& w = *t.write;
    if (!w.changed) {
      std::cout << "  metadata already up to date\n";
    } else {
      std::cout << (w.written ? "  wrote " : "  would write ") << ForTerminal(w.target.string())
                << ":";
      for (const auto& n : w.names_added) std::cout << " +" << n;
      for (const auto& n : w.names_removed) std::cout << " -" << ForTerminal(n);
      for (const auto& n : w.mentioned_added) std::cout << " +mentioned:" << n;
      for (const auto& n : w.mentioned_removed) std::cout << " -mentioned:" << ForTerminal(n);
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
        write ? "archive photos, then write the archive's names into them"
              : "show caption, mentions, faces and what facetag would decide");
    auto o = std::make_shared<Options>();
    cmd->add_option("photos", o->inputs, write ? "photos or folders (recursively)" : "photos")
        ->required();
    if (write) {
      cmd->add_flag("--sidecar", o->sidecar, "write photo.xmp beside the photo; never touch it");
      cmd->add_flag("--dry-run", o->dry_run, "show what would change, store and write nothing");
      cmd->add_option("-j,--jobs", o->jobs, "parallel workers")->check(CLI::Range(1, 256));
      cmd->footer(
          "Each photo goes into the archive first (a photo it knows keeps the editors' "
          "decisions), then its names are written from the archive: IPTC PersonInImage, "
          "PersonInImageWDetails, ImageRegion and MWG face regions; only what facetag wrote "
          "before is replaced. Writes are atomic. Exit 1 when some photos failed.");
    }
    cmd->callback([&cli, o, write] {
      cli.run = [&cli, o, write] {
        FACETAG_ASSIGN_OR_RETURN_EXIT(auto files, Cli::ListInputs(o->inputs));
        FACETAG_ASSIGN_OR_RETURN_EXIT(
            Workspace w, cli.Open(write && !o->dry_run ? Access::kCreate : Access::kExisting, true));
        app::TagOptions options;
        options.target =
            o->sidecar ? metadata::WriteTarget::kSidecar : metadata::WriteTarget::kInPlace;
        options.dry_run = o->dry_run;
        options.actor = cli.Actor();

        Progress progress(files.size(), !cli.quiet && write);
        std::mutex output;
        std::size_t done = 0, failed = 0;
        std::optional<ErrorCode> first_error;
        std::vector<nlohmann::json> results(files.size());
        auto ran = pipeline::ForEachInParallel(
            files.size(), write ? o->jobs : 1, *w.pack, {},
            [&](vision::FaceAnalyzer& analyzer, std::size_t i) {
              const std::string file = files[i].string();
              std::optional<app::Recognition> recognized;
              std::optional<app::TaggedPhoto> tagged;
              auto outcome = [&]() -> Result<ShownPhoto> {
                if (write) {
                  FACETAG_ASSIGN_OR_RETURN(tagged, w.app->Tag(file, analyzer, options));
                  if (tagged->ingest.outcome == app::IngestOutcome::kFailed) {
                    return tl::unexpected(*tagged->ingest.error);
                  }
                  return FromTagged(file, *tagged);
                }
                FACETAG_ASSIGN_OR_RETURN(auto bytes, ReadFileBytes(file, 512ull << 20));
                FACETAG_ASSIGN_OR_RETURN(recognized, w.app->Recognize(file, bytes, analyzer));
                return FromRecognition(file, *recognized);
              }();
              auto list = w.app->List();
              std::lock_guard lock(output);
              ++done;
              if (!outcome || !list) {
                const Error& error = outcome ? list.error() : outcome.error();
                ++failed;
                if (!first_error) first_error = error.code;
                results[i] = {{"file", file}, {"error", ErrorJson(error)}};
                if (!cli.json) {
                  progress.Finish();
                  std::cerr << "facetag: " << ForTerminal(file) << ": "
                            << ForTerminal(error.message) << "\n";
                }
              } else {
                results[i] = ShownJson(*outcome, **list);
                if (!cli.json) {
                  if (isatty(STDERR_FILENO) && !cli.quiet) std::cerr << "\r\033[K";
                  PrintShown(*outcome, **list, !write);
                }
              }
              progress.Advance(done);
            });
        if (!ran) return cli.Report(ran.error());
        progress.Finish();
        if (cli.json) std::cout << nlohmann::json(results).dump(2) << "\n";
        return BatchExitCode(files.size(), failed, first_error);
      };
    });
  }
}

}  // namespace facetag::cli
