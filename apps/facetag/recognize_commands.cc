// facetag recognize and facetag compare.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "cli.h"
#include "facetag/file_io.h"
#include "facetag/pipeline.h"
#include <mutex>

namespace facetag::cli {
namespace {

int DefaultJobs() { return std::max(1u, std::thread::hardware_concurrency()); }

nlohmann::json FaceJson(const app::RecognizedFace& r, const app::ListSnapshot& list) {
  const Decision& d = r.decision;
  const Person* person = d.person ? list.FindPerson(*d.person) : nullptr;
  nlohmann::json face = {{"box", BoxJson(r.face.box)},
                         {"detection_score", r.face.detection_score},
                         {"quality", r.face.quality.score},
                         {"decision", FaceDecisionName(d.decision)},
                         {"threshold", d.threshold}};
  if (d.decision == FaceDecision::kLowQuality) {
    face["quality_issue"] = QualityIssueName(d.quality_issue);
  }
  face["name"] = person ? nlohmann::json(person->name) : nlohmann::json(nullptr);
  face["person_uri"] = person ? nlohmann::json(person->uri) : nlohmann::json(nullptr);
  face["similarity"] = d.similarity.value_or(0.0f);
  return face;
}

void PrintPhoto(const std::string& file, const app::Recognition& r, const app::ListSnapshot& list) {
  std::cout << ForTerminal(file) << ": " << r.faces.size() << " face"
            << (r.faces.size() == 1 ? "" : "s") << " (" << r.width << "x" << r.height << ")\n";
  for (std::size_t i = 0; i < r.faces.size(); ++i) {
    const Decision& d = r.faces[i].decision;
    const FaceBox& b = r.faces[i].face.box;
    std::printf("  %zu. box %.0f,%.0f %.0fx%.0f  ", i + 1, b.x, b.y, b.width, b.height);
    const Person* person = d.person ? list.FindPerson(*d.person) : nullptr;
    if (person) {
      std::cout << person->name << "  " << FormatSimilarity(d.similarity.value_or(0));
    } else {
      std::cout << "unknown";
      if (d.decision == FaceDecision::kLowQuality) {
        std::cout << "  (" << QualityIssueName(d.quality_issue) << ", not named)";
      } else if (d.best) {
        const Person* p = list.FindPerson(d.best->person);
        std::cout << "  (closest: " << (p ? p->name : "?") << " "
                  << FormatSimilarity(d.best->similarity) << ", "
                  << FaceDecisionName(d.decision) << ")";
      }
    }
    std::cout << "\n";
  }
}

}  // namespace

void AddRecognizeCommands(CLI::App& app, Cli& cli) {
  {
    auto* cmd = app.add_subcommand("recognize", "name the listed persons in photos");
    auto inputs = std::make_shared<std::vector<std::string>>();
    auto jobs = std::make_shared<int>(DefaultJobs());
    cmd->add_option("photos", *inputs, "photos or folders (searched recursively)")->required();
    cmd->add_option("-j,--jobs", *jobs, "parallel workers (default: one per core)")
        ->check(CLI::Range(1, 256));
    cmd->footer(
        "Per face: the box (x,y width x height, pixels of the upright photo), the name "
        "or 'unknown', the similarity. Exit 1 when some photos could not be read.");
    cmd->callback([&cli, inputs, jobs] {
      cli.run = [&cli, inputs, jobs] {
        FACETAG_ASSIGN_OR_RETURN_EXIT(auto files, Cli::ListInputs(*inputs));
        FACETAG_ASSIGN_OR_RETURN_EXIT(Workspace w, cli.Open(Access::kExisting, true));
        FACETAG_ASSIGN_OR_RETURN_EXIT(auto list, w.app->List());

        Progress progress(files.size(), !cli.quiet);
        std::mutex output;
        std::size_t done = 0, failed = 0;
        std::optional<ErrorCode> first_error;
        // Results are kept in input order for the JSON output.
        std::vector<nlohmann::json> ordered(files.size());
        auto ran = pipeline::ForEachInParallel(
            files.size(), *jobs, *w.pack, {}, [&](vision::FaceAnalyzer& analyzer, std::size_t i) {
              const std::string file = files[i].string();
              auto recognized = [&]() -> Result<app::Recognition> {
                FACETAG_ASSIGN_OR_RETURN(auto bytes, ReadFileBytes(file, 512ull << 20));
                return w.app->Recognize(file, bytes, analyzer);
              }();
              std::lock_guard lock(output);
              ++done;
              nlohmann::json item = {{"file", file}};
              if (!recognized) {
                ++failed;
                if (!first_error) first_error = recognized.error().code;
                item["error"] = ErrorJson(recognized.error());
                if (!cli.json) {
                  progress.Finish();
                  std::cerr << "facetag: " << ForTerminal(file) << ": "
                            << ForTerminal(recognized.error().message) << "\n";
                }
              } else {
                item["width"] = recognized->width;
                item["height"] = recognized->height;
                item["faces"] = nlohmann::json::array();
                for (const auto& f : recognized->faces) item["faces"].push_back(FaceJson(f, *list));
                if (!cli.json) {
                  if (isatty(STDERR_FILENO) && !cli.quiet) std::cerr << "\r\033[K";
                  PrintPhoto(file, *recognized, *list);
                }
              }
              ordered[i] = std::move(item);
              progress.Advance(done);
            });
        if (!ran) return cli.Report(ran.error());
        progress.Finish();
        if (cli.json) std::cout << nlohmann::json(ordered).dump(2) << "\n";
        return BatchExitCode(files.size(), failed, first_error);
      };
    });
  }

  {
    auto* cmd = app.add_subcommand("compare", "are the main faces of two photos the same person?");
    auto first = std::make_shared<std::string>();
    auto second = std::make_shared<std::string>();
    cmd->add_option("first", *first, "a photo")->required();
    cmd->add_option("second", *second, "another photo")->required();
    cmd->footer(
        "Compares the largest, most central face of each photo. Exit 4 when a photo has "
        "no face.");
    cmd->callback([&cli, first, second] {
      cli.run = [&cli, first, second] {
        auto pack = cli.LoadPack();
        if (!pack) return cli.Report(pack.error());
        auto analyzer = vision::FaceAnalyzer::Create(*pack);
        if (!analyzer) return cli.Report(analyzer.error());
        std::vector<DetectedFace> faces;
        for (const std::string* path : {first.get(), second.get()}) {
          auto photo = (*analyzer)->AnalyzeFile(*path);
          if (!photo) return cli.Report(photo.error());
          auto main_face = vision::PickMainFace(*photo);
          if (!main_face) return cli.Report({ErrorCode::kNoFace, *path + ": no face found"});
          faces.push_back(photo->faces[*main_face]);
        }
        const float similarity =
            CosineSimilarity(faces[0].embedding.values, faces[1].embedding.values);
        const float threshold = pack->thresholds.verification;
        const bool same = similarity >= threshold;
        if (cli.json) {
          std::cout << nlohmann::json{{"similarity", similarity},
                                      {"threshold", threshold},
                                      {"same", same},
                                      {"first", {{"file", *first}, {"box", BoxJson(faces[0].box)}}},
                                      {"second",
                                       {{"file", *second}, {"box", BoxJson(faces[1].box)}}}}
                           .dump(2)
                    << "\n";
        } else {
          std::cout << (same ? "same person" : "different people") << "  similarity "
                    << FormatSimilarity(similarity) << " (threshold " << FormatSimilarity(threshold)
                    << ")\n";
        }
        return int{kExitOk};
      };
    });
  }
}

}  // namespace facetag::cli
