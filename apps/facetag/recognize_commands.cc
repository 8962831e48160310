// facetag recognize and facetag compare.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "cli.h"
#include "facetag/file_io.h"
#include "facetag/pipeline.h"

namespace facetag::cli {
namespace {

int DefaultJobs() { return std::max(1u, std::thread::hardware_concurrency()); }

nlohmann::json FaceJson(const pipeline::FaceRecognition& r) {
  nlohmann::json face = {{"box", BoxJson(r.face.box)},
                         {"detection_score", r.face.detection_score},
                         {"decision", gallery::DecisionName(r.match.decision)},
                         {"threshold", r.match.threshold}};
  face["name"] = r.person ? nlohmann::json(r.person->name) : nlohmann::json(nullptr);
  face["person_uri"] = r.person ? nlohmann::json(r.person->uri) : nlohmann::json(nullptr);
  face["similarity"] = r.match.best ? r.match.best->similarity : 0.0f;
  return face;
}

void PrintPhoto(const std::string& file, const PhotoFaces& photo,
                const std::vector<pipeline::FaceRecognition>& faces,
                const pipeline::Recognizer& recognizer) {
  std::cout << file << ": " << faces.size() << " face" << (faces.size() == 1 ? "" : "s") << " ("
            << photo.width << "x" << photo.height << ")\n";
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const auto& r = faces[i];
    const FaceBox& b = r.face.box;
    std::printf("  %zu. box %.0f,%.0f %.0fx%.0f  ", i + 1, b.x, b.y, b.width, b.height);
    if (r.person) {
      std::cout << r.person->name << "  " << FormatSimilarity(r.match.best->similarity);
    } else {
      std::cout << "unknown";
      if (r.match.best) {
        const Person* p = recognizer.FindPerson(r.match.best->person);
        std::cout << "  (closest: " << (p ? p->name : "?") << " "
                  << FormatSimilarity(r.match.best->similarity) << ", "
                  << gallery::DecisionName(r.match.decision) << ")";
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
        auto files = Cli::ListInputs(*inputs);
        if (!files) return cli.Report(files.error());
        auto list = cli.LoadList();
        if (!list) return cli.Report(list.error());
        const pipeline::Recognizer& recognizer = list->recognizer;

        Progress progress(files->size(), !cli.quiet);
        std::size_t done = 0, failed = 0;
        std::optional<ErrorCode> first_error;
        nlohmann::json results = nlohmann::json::array();
        // Results are kept in input order for the JSON output.
        std::vector<nlohmann::json> ordered(files->size());
        auto ran = pipeline::AnalyzeFiles(
            *files, *jobs, list->pack, {}, [&](std::size_t i, Result<PhotoFaces> photo) {
              ++done;
              nlohmann::json item = {{"file", (*files)[i].string()}};
              if (!photo) {
                ++failed;
                if (!first_error) first_error = photo.error().code;
                item["error"] = ErrorJson(photo.error());
                if (!cli.json) {
                  std::cerr << (cli.quiet ? "" : "\r\033[K") << "facetag: " << photo.error().message
                            << "\n";
                }
              } else {
                const auto faces = recognizer.Recognize(*photo);
                item["width"] = photo->width;
                item["height"] = photo->height;
                item["faces"] = nlohmann::json::array();
                for (const auto& f : faces) item["faces"].push_back(FaceJson(f));
                if (!cli.json) {
                  if (isatty(STDERR_FILENO) && !cli.quiet) std::cerr << "\r\033[K";
                  PrintPhoto((*files)[i].string(), *photo, faces, recognizer);
                }
              }
              ordered[i] = std::move(item);
              progress.Advance(done);
            });
        if (!ran) return cli.Report(ran.error());
        if (cli.json) {
          for (auto& item : ordered) results.push_back(std::move(item));
          std::cout << results.dump(2) << "\n";
        }
        return BatchExitCode(files->size(), failed, first_error);
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
