// facetag bench lfw: the LFW verification protocol on the real pipeline.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "cli.h"
#include "facetag/captions.h"
#include "facetag/evaluation.h"
#include "facetag/file_io.h"
#include "facetag/pipeline.h"

namespace facetag::cli {
namespace {

using evaluation::ScoredPair;

struct Embedded {
  std::map<std::string, std::vector<float>> by_image;  // relative path -> embedding
  std::size_t without_detection = 0;                   // images where the fallback box was used
  std::size_t failed = 0;
  double seconds = 0;
};

// Embeds the central face of every image. LFW images are centred on the face;
// when the detector finds none, the central region stands in for the box so
// that every pair gets a score (the count is reported).
Result<Embedded> EmbedImages(const std::filesystem::path& root,
                             const std::vector<std::string>& images, const ModelPack& pack,
                             int jobs, bool progress_enabled) {
  std::vector<std::filesystem::path> files;
  for (const auto& image : images) files.push_back(root / image);
  Embedded out;
  std::vector<std::size_t> missing;
  Progress progress(files.size(), progress_enabled);
  std::size_t done = 0;
  const auto start = std::chrono::steady_clock::now();
  auto ran =
      pipeline::AnalyzeFiles(files, jobs, pack, {}, [&](std::size_t i, Result<PhotoFaces> photo) {
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

// What a caption mention does to open-set identification, on a folder of
// labelled photos (Name/Name_NNNN.jpg). Persons with two or more photos are
// listed with their first photo as the profile; their other photos are
// genuine probes. Persons with one photo are not listed: their photos are
// impostor probes. Each probe is decided without a mention and with one:
// genuine probes with the true person mentioned, impostor probes with the
// listed person they resemble most mentioned (the worst case: a caption
// naming exactly the look-alike).
nlohmann::json MeasureMentions(const Embedded& embedded, const ModelPack& pack) {
  std::map<std::string, std::vector<const std::vector<float>*>> by_person;
  for (const auto& [image, values] : embedded.by_image) {
    by_person[image.substr(0, image.find('/'))].push_back(&values);
  }
  std::vector<Profile> profiles;
  std::vector<std::pair<PersonId, const std::vector<float>*>> genuine;
  std::vector<const std::vector<float>*> impostors;
  PersonId next_id = 1;
  for (const auto& [name, images] : by_person) {
    if (images.size() < 2) {
      impostors.push_back(images[0]);
      continue;
    }
    Profile profile;
    profile.person_id = next_id;
    profile.embedding = {pack.id, *images[0]};
    profiles.push_back(std::move(profile));
    for (std::size_t i = 1; i < images.size(); ++i) genuine.emplace_back(next_id, images[i]);
    ++next_id;
  }
  const gallery::Matcher matcher = gallery::Matcher::Build(pack.id, pack.embedding_size, profiles);
  const float list_threshold = gallery::ListThreshold(pack.thresholds, {}, matcher.shape());
  // Each probe's two best persons, computed once for every rule below.
  auto rank = [&](const std::vector<float>& probe) { return matcher.Rank({pack.id, probe}, 2); };
  std::vector<std::vector<Candidate>> genuine_ranked, impostor_ranked;
  for (const auto& [person, probe] : genuine) genuine_ranked.push_back(rank(*probe));
  for (const auto* probe : impostors) impostor_ranked.push_back(rank(*probe));
  std::mt19937 random(2026);
  std::uniform_int_distribution<PersonId> any_person(1, next_id - 1);
  std::vector<PersonId> random_mention;
  for (std::size_t i = 0; i < impostors.size(); ++i) random_mention.push_back(any_person(random));

  const double g = std::max<std::size_t>(1, genuine.size());
  const double im = std::max<std::size_t>(1, impostors.size());
  auto measure = [&](float mention_floor, bool use_mentions) {
    NamingRule rule;
    rule.list_threshold = list_threshold;
    rule.mention_floor = mention_floor;
    rule.margin = pack.thresholds.margin;
    auto named = [&](const std::vector<Candidate>& ranked, PersonId mentioned) {
      const std::vector<PersonId> m =
          use_mentions && mentioned ? std::vector<PersonId>{mentioned} : std::vector<PersonId>{};
      FaceEvidence face;
      face.candidates = ranked;
      return DecidePhoto({face}, m, rule)[0].person;
    };
    std::size_t right = 0, wrong = 0, lookalike_named = 0, random_named = 0;
    for (std::size_t i = 0; i < genuine.size(); ++i) {
      const auto n = named(genuine_ranked[i], genuine[i].first);
      if (n) (*n == genuine[i].first ? right : wrong)++;
    }
    for (std::size_t i = 0; i < impostors.size(); ++i) {
      const auto& ranked = impostor_ranked[i];
      if (named(ranked, ranked.empty() ? 0 : ranked[0].person)) ++lookalike_named;
      if (named(ranked, random_mention[i])) ++random_named;
    }
    return nlohmann::json{
        {"threshold_for_mentioned", MentionedThreshold(list_threshold, mention_floor)},
        {"genuine_recognized", right / g},
        {"genuine_wrong_name", wrong / g},
        {"impostor_named_random_mention", random_named / im},
        {"impostor_named_lookalike_mention", lookalike_named / im}};
  };
  nlohmann::json floors = nlohmann::json::array();
  for (const FarPoint& point : pack.thresholds.far_curve) {
    nlohmann::json row = measure(point.similarity, true);
    row["floor_at_far"] = point.false_accept_rate;
    floors.push_back(row);
  }
  return {{"listed_persons", matcher.person_count()},
          {"genuine_probes", genuine.size()},
          {"impostor_probes", impostors.size()},
          {"list_threshold", list_threshold},
          {"pack_mention_floor", pack.thresholds.mention_floor},
          {"without_mention", measure(list_threshold, false)},
          {"with_mention_pack_floor", measure(pack.thresholds.mention_floor, true)},
          {"with_mention_by_floor", floors}};
}

// Every detection in the photos under a folder with its quality signals,
// landmarks and judged quality, one JSON object per line: the raw material
// for calibrating JudgeQuality against labelled faces and false detections.
int DumpQualitySignals(Cli& cli, const std::string& images, float detection_threshold, int jobs,
                       bool embeddings) {
  auto pack = cli.LoadPack();
  if (!pack) return cli.Report(pack.error());
  auto files = pipeline::ListPhotoFiles(images);
  if (!files) return cli.Report(files.error());
  vision::AnalyzerOptions options;
  options.detection_threshold = detection_threshold;
  std::mutex mutex;
  std::size_t failed = 0;
  auto ran = pipeline::ForEachInParallel(
      files->size(), jobs, *pack, options, [&](vision::FaceAnalyzer& analyzer, std::size_t i) {
        auto photo = analyzer.AnalyzeFile((*files)[i]);
        const std::string name = std::filesystem::relative((*files)[i], images).string();
        std::lock_guard lock(mutex);
        if (!photo) {
          ++failed;
          std::cerr << "facetag: " << photo.error().message << "\n";
          return;
        }
        const auto& signals = analyzer.last_signals();
        for (std::size_t f = 0; f < photo->faces.size() && f < signals.size(); ++f) {
          const DetectedFace& face = photo->faces[f];
          const vision::QualitySignals& s = signals[f];
          nlohmann::json points = nlohmann::json::array();
          for (const PointF& p : face.landmarks) {
            points.push_back(p.x);
            points.push_back(p.y);
          }
          nlohmann::json line = {
              {"image", name},
              {"face", f},
              {"width", photo->width},
              {"height", photo->height},
              {"box", {face.box.x, face.box.y, face.box.width, face.box.height}},
              {"detection_score", s.detection_score},
              {"eye_distance", s.eye_distance},
              {"landmark_misfit", s.landmark_misfit},
              {"yaw", s.yaw},
              {"pitch", s.pitch},
              {"sharpness", s.sharpness},
              {"inside_fraction", s.inside_fraction},
              {"embedding_norm", s.embedding_norm},
              {"quality", face.quality.score},
              {"quality_issue", QualityIssueName(face.quality.issue)},
              {"landmarks", points}};
          if (embeddings) line["embedding"] = face.embedding.values;
          std::cout << line.dump() << "\n";
        }
      });
  if (!ran) return cli.Report(ran.error());
  return failed == 0 ? int{kExitOk} : int{kExitPartial};
}

void AddBenchCommands(CLI::App& app, Cli& cli) {
  auto* bench = app.add_subcommand("bench", "measure recognition accuracy on labelled data");
  bench->require_subcommand(1);
  AddOpensetBench(*bench, cli);
  {
    auto* cmd = bench->add_subcommand(
        "quality", "print every detection's quality signals (JSON lines), for calibration");
    auto images = std::make_shared<std::string>();
    auto threshold = std::make_shared<float>(vision::AnalyzerOptions{}.detection_threshold);
    auto jobs =
        std::make_shared<int>(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    cmd->add_option("--images", *images, "image folder or file")->required();
    cmd->add_option("--detection-threshold", *threshold,
                    "keep detections from this confidence (lower to study false detections)")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("-j,--jobs", *jobs, "parallel workers")->check(CLI::Range(1, 256));
    auto embeddings = std::make_shared<bool>(false);
    cmd->add_flag("--embeddings", *embeddings, "also print each face's embedding");
    cmd->callback([&cli, images, threshold, jobs, embeddings] {
      cli.run = [&cli, images, threshold, jobs, embeddings] {
        return DumpQualitySignals(cli, *images, *threshold, *jobs, *embeddings);
      };
    });
  }
  {
    auto* cmd = bench->add_subcommand(
        "mentions", "measure what a caption mention does to recognition (open set)");
    auto images = std::make_shared<std::string>();
    auto jobs =
        std::make_shared<int>(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    cmd->add_option("--images", *images, "labelled image folder (Name/Name_NNNN.jpg)")->required();
    cmd->add_option("-j,--jobs", *jobs, "parallel workers")->check(CLI::Range(1, 256));
    cmd->callback([&cli, images, jobs] {
      cli.run = [&cli, images, jobs] {
        auto pack = cli.LoadPack();
        if (!pack) return cli.Report(pack.error());
        auto files = pipeline::ListPhotoFiles(*images);
        if (!files) return cli.Report(files.error());
        std::vector<std::string> relative;
        for (const auto& f : *files)
          relative.push_back(std::filesystem::relative(f, *images).string());
        auto embedded = EmbedImages(*images, relative, *pack, *jobs, !cli.quiet);
        if (!embedded) return cli.Report(embedded.error());
        const nlohmann::json out = MeasureMentions(*embedded, *pack);
        std::cout << out.dump(2) << "\n";
        return int{kExitOk};
      };
    });
  }
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
