// facetag bench openset: open-set identification through the application
// layer. Persons are listed and enrolled with App::ListPerson and App::Enrol,
// probe photos recognised with App::Recognize (DecidePhoto decides every
// face), in a private in-memory database.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "cli.h"
#include "facetag/file_io.h"
#include "facetag/pipeline.h"

namespace facetag::cli {
namespace {

struct OpensetOptions {
  std::string images;               // root of the photos
  // CSVs: relative_path (to the CSV's folder),identity (or identities_present)
  std::vector<std::string> labels;
  int list_photos = 1;              // K: profiles per listed person
  int max_persons = 0;              // N: at most this many listed (0: all eligible)
  bool central = false;             // main face: the central one (LFW) instead of PickMainFace
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
};

// A labelled photo: who is in it (one identity for a portrait; several for
// a group photo, in no particular order).
struct Labelled {
  std::string path;  // relative to the root
  std::vector<std::string> identities;
};

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      cells.push_back(cell);
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  cells.push_back(cell);
  return cells;
}

Result<std::vector<Labelled>> ReadLabels(const OpensetOptions& o) {
  std::map<std::string, std::vector<std::string>> by_path;
  if (o.labels.empty()) {
    // Name/Name_NNNN.jpg: the folder names the person.
    FACETAG_ASSIGN_OR_RETURN(auto files, pipeline::ListPhotoFiles(o.images));
    for (const auto& f : files) {
      const std::string relative = std::filesystem::relative(f, o.images).string();
      by_path[relative] = {relative.substr(0, relative.find('/'))};
    }
  }
  for (const std::string& csv : o.labels) {
    std::ifstream in(csv);
    if (!in) return Fail(ErrorCode::kNotFound, "cannot read " + csv);
    std::string line;
    std::getline(in, line);
    const auto header = SplitCsvLine(line);
    int path_col = -1, identity_col = -1;
    for (int i = 0; i < static_cast<int>(header.size()); ++i) {
      if (header[i] == "relative_path") path_col = i;
      if (header[i].rfind("identit", 0) == 0 && identity_col < 0) identity_col = i;
    }
    if (path_col < 0 || identity_col < 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  csv + ": needs the columns relative_path and identity (or identities_present)");
    }
    while (std::getline(in, line)) {
      const auto cells = SplitCsvLine(line);
      if (static_cast<int>(cells.size()) <= std::max(path_col, identity_col)) continue;
      std::vector<std::string> identities;
      std::stringstream list(cells[identity_col]);
      for (std::string id; std::getline(list, id, ';');) {
        if (!id.empty()) identities.push_back(id);
      }
      // Paths are relative to the CSV's folder.
      const auto path = std::filesystem::path(csv).parent_path() / cells[path_col];
      if (!identities.empty()) {
        by_path[std::filesystem::relative(path, o.images).string()] = identities;
      }
    }
  }
  std::vector<Labelled> out;
  for (auto& [path, ids] : by_path) out.push_back({path, ids});
  return out;
}

// Counts of one kind of photo (listed persons' or unlisted persons').
struct Tally {
  std::size_t photos = 0, failed = 0, without_face = 0, faces = 0;
  std::size_t main_right = 0, main_wrong = 0;  // main face named right / wrong
  std::size_t all_right = 0, all_wrong = 0;    // over all faces
  std::size_t photos_with_wrong_name = 0;
  std::map<std::string, std::size_t> main_decisions, all_decisions, low_quality_issues;

  nlohmann::json Json() const {
    return {{"photos", photos},
            {"failed", failed},
            {"without_face", without_face},
            {"faces", faces},
            {"main_face_named_right", main_right},
            {"main_face_named_wrong", main_wrong},
            {"all_faces_named_right", all_right},
            {"all_faces_named_wrong", all_wrong},
            {"photos_with_a_wrong_name", photos_with_wrong_name},
            {"main_face_decisions", main_decisions},
            {"all_face_decisions", all_decisions},
            {"low_quality_issues", low_quality_issues}};
  }
};

double Share(std::size_t part, std::size_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

int RunOpenset(Cli& cli, const OpensetOptions& o) {
  auto pack = cli.LoadPack();
  if (!pack) return cli.Report(pack.error());
  auto labelled = ReadLabels(o);
  if (!labelled) return cli.Report(labelled.error());

  // Persons with more than K portraits (single-identity photos) can be
  // listed: their first K portraits are enrolled, everything else is probed.
  std::map<std::string, std::vector<std::string>> portraits;
  for (const Labelled& l : *labelled) {
    if (l.identities.size() == 1) portraits[l.identities[0]].push_back(l.path);
  }
  std::set<std::string> listed;
  std::vector<std::string> enrol_photos;
  std::set<std::string> enrol_set;
  for (const auto& [name, photos] : portraits) {
    if (static_cast<int>(photos.size()) <= o.list_photos) continue;
    if (o.max_persons > 0 && static_cast<int>(listed.size()) >= o.max_persons) break;
    listed.insert(name);
    for (int k = 0; k < o.list_photos; ++k) {
      enrol_photos.push_back(photos[k]);
      enrol_set.insert(photos[k]);
    }
  }
  std::vector<const Labelled*> probes;
  for (const Labelled& l : *labelled) {
    if (enrol_set.count(l.path) == 0) probes.push_back(&l);
  }

  auto store = Store::OpenSqlite(":memory:");
  if (!store) return cli.Report(store.error());
  auto files = PhotoFiles::Disk();
  app::App app(**store, *pack, *files);
  std::map<std::string, PersonId> person_of;
  for (const std::string& name : listed) {
    auto person = app.ListPerson(
        {name, {}, "open-set benchmark", {true, true, true}}, "facetag bench openset");
    if (!person) return cli.Report(person.error());
    person_of[name] = person->id;
  }
  std::map<PersonId, std::string> name_of;
  for (const auto& [name, id] : person_of) name_of[id] = name;

  auto pick_main = [&](const PhotoFaces& photo) {
    return o.central ? vision::PickCentralFace(photo) : vision::PickMainFace(photo);
  };
  const auto path_of = [&](const std::string& relative) {
    return (std::filesystem::path(o.images) / relative);
  };

  // Enrolment: the main face of each enrolment photo, through App::Enrol.
  Progress progress(enrol_photos.size() + probes.size(), !cli.quiet);
  std::size_t done = 0;
  std::map<std::string, std::size_t> enrol_refusals;
  std::size_t enrolled = 0;
  {
    std::vector<std::optional<FaceBox>> boxes(enrol_photos.size());
    std::vector<std::vector<unsigned char>> bytes(enrol_photos.size());
    std::mutex mutex;
    auto ran = pipeline::ForEachInParallel(
        enrol_photos.size(), o.jobs, *pack, {},
        [&](vision::FaceAnalyzer& analyzer, std::size_t i) {
          auto read = ReadFileBytes(path_of(enrol_photos[i]), 512ull << 20);
          if (!read) return;
          auto photo = analyzer.Analyze(*read);
          std::lock_guard lock(mutex);
          progress.Advance(++done);
          bytes[i] = std::move(*read);
          if (!photo) return;
          if (auto main = pick_main(*photo)) boxes[i] = photo->faces[*main].box;
        });
    if (!ran) return cli.Report(ran.error());
    auto analyzer = vision::FaceAnalyzer::Create(*pack);
    if (!analyzer) return cli.Report(analyzer.error());
    for (std::size_t i = 0; i < enrol_photos.size(); ++i) {
      if (!boxes[i]) {
        ++enrol_refusals["no face"];
        continue;
      }
      std::string identity;
      for (const Labelled& l : *labelled) {
        if (l.path == enrol_photos[i]) identity = l.identities[0];
      }
      app::EnrolRequest request;
      request.location = path_of(enrol_photos[i]).string();
      request.box = boxes[i];
      auto outcome =
          app.Enrol(person_of.at(identity), bytes[i], request, **analyzer, "facetag bench openset");
      if (outcome) {
        ++enrolled;
      } else {
        // The first words say why ("not a usable face...", "the face does
        // not resemble...", "the face looks like...").
        const std::string& m = outcome.error().message;
        ++enrol_refusals[m.substr(0, std::min<std::size_t>(m.find_first_of(":(0123456789"), 48))];
      }
    }
  }
  auto list = app.List();
  if (!list) return cli.Report(list.error());
  const gallery::ListShape shape = (*list)->matcher().shape();

  // Probes: every face of every other photo through App::Recognize.
  Tally listed_tally, unlisted_tally;
  std::mutex mutex;
  auto ran = pipeline::ForEachInParallel(
      probes.size(), o.jobs, *pack, {}, [&](vision::FaceAnalyzer& analyzer, std::size_t i) {
        const Labelled& probe = *probes[i];
        bool is_listed = false;
        for (const std::string& id : probe.identities) is_listed |= listed.count(id) > 0;
        auto read = ReadFileBytes(path_of(probe.path), 512ull << 20);
        Result<app::Recognition> recognized =
            read ? app.Recognize(path_of(probe.path).string(), *read, analyzer)
                 : Result<app::Recognition>(tl::unexpected(read.error()));
        std::lock_guard lock(mutex);
        progress.Advance(++done);
        Tally& t = is_listed ? listed_tally : unlisted_tally;
        ++t.photos;
        if (!recognized) {
          ++t.failed;
          std::cerr << "facetag: " << recognized.error().message << "\n";
          return;
        }
        PhotoFaces photo;
        photo.width = recognized->width;
        photo.height = recognized->height;
        for (const auto& f : recognized->faces) photo.faces.push_back(f.face);
        t.faces += photo.faces.size();
        const auto main = pick_main(photo);
        if (!main) ++t.without_face;
        bool wrong_in_photo = false;
        for (std::size_t f = 0; f < recognized->faces.size(); ++f) {
          const Decision& d = recognized->faces[f].decision;
          const std::string decision = FaceDecisionName(d.decision);
          ++t.all_decisions[decision];
          if (d.decision == FaceDecision::kLowQuality) {
            ++t.low_quality_issues[QualityIssueName(d.quality_issue)];
          }
          const bool is_main = main && *main == f;
          if (is_main) ++t.main_decisions[decision];
          if (!d.person) continue;
          const std::string& named = name_of.at(*d.person);
          const bool right = std::find(probe.identities.begin(), probe.identities.end(), named) !=
                             probe.identities.end();
          // A name on another face than the main one is right only when
          // that person is labelled in the photo (group photos); in a
          // portrait it names a bystander as the subject or a look-alike.
          (right ? t.all_right : t.all_wrong)++;
          if (is_main) (right ? t.main_right : t.main_wrong)++;
          wrong_in_photo |= !right;
        }
        if (wrong_in_photo) ++t.photos_with_wrong_name;
      });
  if (!ran) return cli.Report(ran.error());
  progress.Finish();

  const std::size_t main_named = listed_tally.main_right + listed_tally.main_wrong +
                                 unlisted_tally.main_right + unlisted_tally.main_wrong;
  const std::size_t main_wrong = listed_tally.main_wrong + unlisted_tally.main_wrong;
  const std::size_t all_named = listed_tally.all_right + listed_tally.all_wrong +
                                unlisted_tally.all_right + unlisted_tally.all_wrong;
  const std::size_t all_wrong = listed_tally.all_wrong + unlisted_tally.all_wrong;
  nlohmann::json out = {
      {"model", pack->id},
      {"listed_persons", listed.size()},
      {"profiles_per_person", o.list_photos},
      {"enrolled_profiles", enrolled},
      {"enrol_refusals", enrol_refusals},
      {"list_shape", {{"persons", shape.persons}, {"vectors", shape.vectors}}},
      {"list_threshold", (*list)->rule().list_threshold},
      {"naming_quality_floor", (*list)->rule().quality_floor},
      {"recall_main_face", Share(listed_tally.main_right, listed_tally.photos)},
      {"wrong_among_names_main_faces", Share(main_wrong, main_named)},
      {"wrong_among_names_all_faces", Share(all_wrong, all_named)},
      {"names_given_main_faces", main_named},
      {"names_given_all_faces", all_named},
      {"unlisted_photos_with_a_name",
       Share(unlisted_tally.photos_with_wrong_name, unlisted_tally.photos)},
      {"listed_probes", listed_tally.Json()},
      {"unlisted_probes", unlisted_tally.Json()}};
  if (cli.json) {
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("open set, model %s: %zu persons listed from %d photo(s) each (%zu vectors, "
              "threshold %.3f, quality floor %.2f)\n",
              pack->id.c_str(), listed.size(), o.list_photos, shape.vectors,
              (*list)->rule().list_threshold, (*list)->rule().quality_floor);
  std::printf("  enrolment refusals      %s\n", nlohmann::json(enrol_refusals).dump().c_str());
  std::printf("  recall (main face)      %.2f %% of %zu listed probes\n",
              100 * out["recall_main_face"].get<double>(), listed_tally.photos);
  std::printf("  wrong names, main faces %zu of %zu names (%.3f %%)\n", main_wrong, main_named,
              100 * Share(main_wrong, main_named));
  std::printf("  wrong names, all faces  %zu of %zu names (%.3f %%)\n", all_wrong, all_named,
              100 * Share(all_wrong, all_named));
  std::printf("  unlisted photos named   %zu of %zu (%.3f %%)\n",
              unlisted_tally.photos_with_wrong_name, unlisted_tally.photos,
              100 * out["unlisted_photos_with_a_name"].get<double>());
  std::printf("  listed probes   %s\n", listed_tally.Json().dump().c_str());
  std::printf("  unlisted probes %s\n", unlisted_tally.Json().dump().c_str());
  return kExitOk;
}

}  // namespace

void AddOpensetBench(CLI::App& bench, Cli& cli) {
  auto o = std::make_shared<OpensetOptions>();
  auto* cmd = bench.add_subcommand(
      "openset", "open-set identification through the application layer: list, enrol, recognise");
  cmd->add_option("--images", o->images, "photo folder (Name/Name_NNNN.jpg unless --labels)")
      ->required();
  cmd->add_option("--labels", o->labels,
                  "CSV of relative_path,identity (or identities_present, ';'-separated); "
                  "repeatable")
      ->check(CLI::ExistingFile);
  cmd->add_option("--list-photos", o->list_photos,
                  "profiles per listed person (persons with more portraits are listed)")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--persons", o->max_persons, "list at most this many persons (0: all)")
      ->check(CLI::Range(0, 1000000));
  cmd->add_flag("--central", o->central,
                "the main face is the one nearest the centre (photos cropped around their subject)");
  cmd->add_option("-j,--jobs", o->jobs, "parallel workers")->check(CLI::Range(1, 256));
  cmd->callback([&cli, o] {
    cli.run = [&cli, o] { return RunOpenset(cli, *o); };
  });
}

}  // namespace facetag::cli
