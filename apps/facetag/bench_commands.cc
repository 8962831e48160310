// facetag bench lfw: the LFW verification protocol on the real pipeline.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <thread>

#include "cli.h"
#include "facetag/evaluation.h"
#include "facetag/file_io.h"
#include "facetag/pipeline.h"

namespace facetag::cli {
namespace {

using evaluation::ScoredPair;

struct Embedded {
  std::map<std::string, std::vector<float>> by_image;  // relative path -> embedding
  std::size_t without_detection = 0;  // images where the fallback box was used
  std::size_t failed = 0;
  double seconds = 0;
};

// Embeds the central face of every image. LFW images are centred on the face;
// when the detector finds none, the central region stands in for the box so
// that every pair gets a score (the count is reported).
Result<Embedded> EmbedImages(const std::filesystem::path& root, const std::vector<std::string>& images,
                             const ModelPack& pack, int jobs, bool progress_enabled) {
  std::vector<std::filesystem::path> files;
  for (const auto& image : images) files.push_back(root / image);
  Embedded out;
  std::vector<std::size_t> missing;
  Progress progress(files.size(), progress_enabled);
  std::size_t done = 0;
  const auto start = std::chrono::steady_clock::now();
  auto ran = pipeline::AnalyzeFiles(files, jobs, pack, {}, [&](std::size_t i, Result<PhotoFaces> photo) {
    progress.Advance(++done);
    if (!photo) {
      ++out.failed;
      std::cerr << "\rfacetag: " << photo.error().message << "\n";
      return;
    }
    auto main_face = vision::PickCentralFace(*photo);
    if (!main_face) {
      missing.push_back(i);
      return;
    }
    out.by_image[images[i]] = std::move(photo->faces[*main_face].embedding.values);
  });
  if (!ran) return tl::unexpected(ran.error());
  if (!missing.empty()) {
    auto analyzer = vision::FaceAnalyzer::Create(pack);
    if (!analyzer) return tl::unexpected(analyzer.error());
    for (std::size_t i : missing) {
      auto bytes = ReadFileBytes(files[i], 64 << 20);
      if (!bytes) {
        ++out.failed;
        continue;
      }
      auto probe = vision::ProbeImage(*bytes);
      if (!probe) {
        ++out.failed;
        continue;
      }
      const float w = probe->stored_width, h = probe->stored_height;
      const FaceBox centre{w * 0.3f, h * 0.28f, w * 0.4f, h * 0.44f};
      auto face = (*analyzer)->AnalyzeBox(*bytes, centre);
      if (!face) {
        ++out.failed;
        continue;
      }
      ++out.without_detection;
      out.by_image[images[i]] = std::move(face->embedding.values);
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::vector<ScoredPair> Score(const evaluation::PairFile& file, const Embedded& embedded) {
  std::vector<ScoredPair> scored;
  for (const auto& pair : file.pairs) {
    auto a = embedded.by_image.find(pair.first);
    auto b = embedded.by_image.find(pair.second);
    // An unreadable image scores as "different" (-1): it counts against
    // accuracy rather than being dropped from the protocol.
    const float s = (a == embedded.by_image.end() || b == embedded.by_image.end())
                        ? -1.0f
                        : CosineSimilarity(a->second, b->second);
    scored.push_back({s, pair.same});
  }
  return scored;
}

// Similarity at which a given share of impostor pairs (all pairs of images
// of different people among `embedded`) is accepted.
nlohmann::json ImpostorCurve(const Embedded& embedded) {
  std::vector<std::pair<std::string, const std::vector<float>*>> items;
  for (const auto& [image, values] : embedded.by_image) {
    items.emplace_back(image.substr(0, image.find('/')), &values);
  }
  std::vector<float> impostors;
  for (std::size_t i = 0; i < items.size(); ++i) {
    for (std::size_t j = i + 1; j < items.size(); ++j) {
      if (items[i].first == items[j].first) continue;
      impostors.push_back(CosineSimilarity(*items[i].second, *items[j].second));
    }
  }
  nlohmann::json curve = nlohmann::json::array();
  std::sort(impostors.begin(), impostors.end(), std::greater<>());
  for (double far : {1e-2, 1e-3, 1e-4, 1e-5, 1e-6}) {
    const auto k = static_cast<std::size_t>(far * impostors.size());
    if (k < 10) break;  // fewer than 10 pairs above: not a measurement
    curve.push_back({{"far", far}, {"similarity", impostors[k]}});
  }
  return {{"impostor_pairs", impostors.size()}, {"curve", curve}};
}

}  // namespace

void AddBenchCommands(CLI::App& app, Cli& cli) {
  auto* bench = app.add_subcommand("bench", "measure recognition accuracy on labelled data");
  bench->require_subcommand(1);
  auto* cmd = bench->add_subcommand("lfw", "LFW verification protocol (pairs files in LFW format)");
  struct Options {
    std::string images, pairs, train;
    int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    bool calibrate = false;
    bool list_errors = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--images", o->images, "image folder (Name/Name_NNNN.jpg)")->required();
  cmd->add_option("--pairs", o->pairs, "pairs to report on (a 10-fold file is cross-validated)")
      ->required();
  cmd->add_option("--train", o->train, "pairs to choose the threshold on");
  cmd->add_option("-j,--jobs", o->jobs, "parallel workers")->check(CLI::Range(1, 256));
  cmd->add_flag("--calibrate", o->calibrate,
                "also measure the false-accept curve over all different-person pairs of the "
                "images used");
  cmd->add_flag("--list-errors", o->list_errors,
                "print the pairs the chosen threshold gets wrong (to stderr)");
  cmd->callback([&cli, o] {
    cli.run = [&cli, o] {
      auto pack = cli.LoadPack();
      if (!pack) return cli.Report(pack.error());
      auto test = evaluation::ReadLfwPairs(o->pairs);
      if (!test) return cli.Report(test.error());
      std::optional<evaluation::PairFile> train;
      if (!o->train.empty()) {
        auto read = evaluation::ReadLfwPairs(o->train);
        if (!read) return cli.Report(read.error());
        train = std::move(*read);
      }
      std::vector<std::string> images;
      for (const auto* file : {&*test, train ? &*train : nullptr}) {
        if (!file) continue;
        for (const auto& p : file->pairs) {
          images.push_back(p.first);
          images.push_back(p.second);
        }
      }
      std::sort(images.begin(), images.end());
      images.erase(std::unique(images.begin(), images.end()), images.end());

      auto embedded = EmbedImages(o->images, images, *pack, o->jobs, !cli.quiet);
      if (!embedded) return cli.Report(embedded.error());
      const auto test_scores = Score(*test, *embedded);
      nlohmann::json out = {{"pairs", test_scores.size()},
                            {"images", images.size()},
                            {"images_without_detection", embedded->without_detection},
                            {"images_failed", embedded->failed},
                            {"faces_per_s", images.size() / std::max(1e-9, embedded->seconds)},
                            {"model", pack->id}};
      if (train) {
        const auto train_scores = Score(*train, *embedded);
        const float threshold = evaluation::BestThreshold(train_scores);
        out["protocol"] = "threshold from --train";
        out["threshold"] = threshold;
        out["train_accuracy"] = evaluation::Accuracy(train_scores, threshold);
        out["accuracy"] = evaluation::Accuracy(test_scores, threshold);
      } else if (test->folds > 1) {
        const auto cv = evaluation::CrossValidate(test_scores, test->folds);
        out["protocol"] = std::to_string(test->folds) + "-fold cross-validation";
        out["threshold"] = cv.mean_threshold;
        out["accuracy"] = cv.mean_accuracy;
        out["accuracy_std"] = cv.std_accuracy;
      } else {
        const float threshold = evaluation::BestThreshold(test_scores);
        out["protocol"] = "threshold chosen on the reported pairs (optimistic)";
        out["threshold"] = threshold;
        out["accuracy"] = evaluation::Accuracy(test_scores, threshold);
      }
      if (o->list_errors) {
        const float t = out["threshold"].get<float>();
        for (std::size_t i = 0; i < test_scores.size(); ++i) {
          if ((test_scores[i].similarity >= t) == test_scores[i].same) continue;
          std::fprintf(stderr, "wrong: %s %s %s similarity %.3f\n",
                       test->pairs[i].same ? "same" : "different", test->pairs[i].first.c_str(),
                       test->pairs[i].second.c_str(), test_scores[i].similarity);
        }
      }
      const auto tar = evaluation::TrueAcceptAtFalseAccept(test_scores, 1e-3);
      out["tar_at_far_1e-3"] = {{"tar", tar.tar}, {"far", tar.far}, {"threshold", tar.threshold}};
      if (o->calibrate) out["impostor_curve"] = ImpostorCurve(*embedded);

      if (cli.json) {
        std::cout << out.dump(2) << "\n";
      } else {
        std::printf("LFW %s, %zu pairs, model %s\n", out["protocol"].get<std::string>().c_str(),
                    test_scores.size(), pack->id.c_str());
        std::printf("  accuracy      %.2f %%", 100 * out["accuracy"].get<double>());
        if (out.contains("accuracy_std")) {
          std::printf(" ± %.2f", 100 * out["accuracy_std"].get<double>());
        }
        std::printf("\n  threshold     %.3f (cosine similarity)\n", out["threshold"].get<float>());
        std::printf("  TAR @ FAR 1e-3  %.2f %% (achieved FAR %.4f, threshold %.3f)\n",
                    100 * tar.tar, tar.far, tar.threshold);
        std::printf("  images        %zu (%zu without detection, %zu failed)\n", images.size(),
                    embedded->without_detection, embedded->failed);
        std::printf("  speed         %.1f faces/s end to end (%d workers)\n",
                    out["faces_per_s"].get<double>(), o->jobs);
        if (o->calibrate) std::cout << "  impostor curve " << out["impostor_curve"].dump() << "\n";
      }
      return int{kExitOk};
    };
  });
}

}  // namespace facetag::cli
