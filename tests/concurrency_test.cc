// Several writers on one SQLite database at once, as an agency runs them:
// `facetag serve` ingesting uploads and answering searches, two `facetag
// ingest` processes on different folders of real photos, and an editor at
// the command line listing, enrolling and reviewing, all for
// FACETAG_SOAK_SECONDS (default 20; the soak run uses 60). Then:
//   - no message about a locked or busy database reached anybody (command
//     output, HTTP answers, the server's log), and every command and
//     request succeeded (an enrolment may be refused on purpose, as in the
//     serial run);
//   - nothing reported as stored is missing: every photo counted, every
//     editor's decision in place;
//   - the archive equals a serial run of the same work (the same commands
//     one after another on a fresh database), counted by photos, faces,
//     persons, profiles, rejections and faces by status, decision and
//     person, after a rematch of both;
//   - the audit chain verifies and SQLite's integrity check passes.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "facetag/file_io.h"
#include "serve_process.h"
#include "test_data.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::CommandRun;
using testing::Quote;
using Clock = std::chrono::steady_clock;

int SoakSeconds() {
  const char* env = std::getenv("FACETAG_SOAK_SECONDS");
  const int seconds = env != nullptr ? std::atoi(env) : 0;
  return seconds > 0 ? seconds : 20;
}

// What must never reach a user: SQLite's busy and locked errors, in any
// wording facetag or SQLite uses.
bool MentionsBusyDatabase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text.find("locked") != std::string::npos || text.find("busy") != std::string::npos;
}

// The LFW photos, sorted and dealt into disjoint sets, so that no two
// actors ever submit the same photo and a serial run can redo the work.
struct Inputs {
  std::vector<fs::path> ingest[2];  // one set per ingest process
  std::vector<fs::path> uploads;    // sent to the service
  std::vector<fs::path> enrol;      // one photo each of distinct people
  std::vector<fs::path> seed;       // archived before the soak; the editor reviews them
};

Inputs DealLfw() {
  std::vector<fs::path> all;
  for (const auto& entry : fs::recursive_directory_iterator(testing::DataFile("lfw-view1/images"))) {
    if (entry.path().extension() == ".jpg") all.push_back(entry.path());
  }
  std::sort(all.begin(), all.end());
  Inputs in;
  std::set<fs::path> people;
  for (std::size_t i = 0; i < all.size(); ++i) {
    switch (i % 5) {
      case 0: in.ingest[0].push_back(all[i]); break;
      case 1: in.ingest[1].push_back(all[i]); break;
      case 2: in.uploads.push_back(all[i]); break;
      case 3:
        if (people.insert(all[i].parent_path().filename()).second) in.enrol.push_back(all[i]);
        break;
      default:
        if (in.seed.size() < 8) in.seed.push_back(all[i]);
    }
  }
  return in;
}

void CopyInto(const fs::path& folder, const std::vector<fs::path>& photos) {
  fs::create_directories(folder);
  for (const auto& photo : photos) fs::copy_file(photo, folder / photo.filename());
}

// One command as run, and what it answered.
struct Step {
  std::string args;  // without the global options
  int exit_code = -1;
  std::string error_code;  // from the --json error, if any
};

// A database with its key, and the facetag command line over it.
class Archive {
 public:
  explicit Archive(fs::path dir)
      : dir_(std::move(dir)),
        global_("--json --db " + Quote(db()) + " --key " + Quote(dir_ / "keys" / "secret.key") +
                " --actor soak-editor ") {}

  fs::path db() const { return dir_ / "facetag.db"; }
  const fs::path& dir() const { return dir_; }
  std::vector<std::string> GlobalWords() const {
    return {"--db", db().string(), "--key", (dir_ / "keys" / "secret.key").string()};
  }

  // Runs `args`; every output that mentions a busy database is kept in
  // `complaints`.
  Step Run(const std::string& args, std::vector<std::string>* complaints = nullptr) const {
    const CommandRun run = testing::RunFacetag(global_ + args, "", true);
    Step step{args, run.exit_code, ""};
    const json out = json::parse(run.out, nullptr, false);
    if (out.is_object() && out.contains("error")) step.error_code = out["error"].value("code", "");
    if (complaints != nullptr && MentionsBusyDatabase(run.out + run.err)) {
      complaints->push_back(args + ": " + run.out + run.err);
    }
    return step;
  }

  // The first column of the first row of `sql`, as text.
  std::string Query(const std::string& sql) const {
    sqlite3* db = nullptr;
    std::string first;
    if (sqlite3_open_v2(this->db().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_exec(
          db, sql.c_str(),
          [](void* out, int, char** values, char**) {
            auto* text = static_cast<std::string*>(out);
            if (text->empty()) *text = values[0] != nullptr ? values[0] : "";
            return 0;
          },
          &first, nullptr);
    }
    sqlite3_close(db);
    return first;
  }

  // The archive summed up, one line per count, to compare two archives.
  std::string Counts() const {
    std::string counts;
    for (const char* sql :
         {"SELECT 'photos ' || count(*) FROM photos",
          "SELECT 'faces ' || count(*) FROM faces",
          "SELECT 'persons ' || count(*) FROM persons",
          "SELECT 'profiles ' || count(*) FROM profiles",
          "SELECT 'rejections ' || count(*) FROM face_rejections",
          "SELECT group_concat(line, '; ') FROM (SELECT f.tag_status || '/' || f.decision || '/' ||"
          " coalesce(p.name, '-') || ' ' || count(*) AS line FROM faces f LEFT JOIN persons p"
          " ON p.id = f.person_id GROUP BY f.tag_status, f.decision, p.name ORDER BY 1)"}) {
      counts += Query(sql) + "\n";
    }
    return counts;
  }

  // The seed photos' faces: id, status and person, one line each.
  std::string SeedFaces(std::int64_t last_seed_face) const {
    return Query(
        "SELECT group_concat(line, '; ') FROM (SELECT f.id || ' ' || f.tag_status || ' ' ||"
        " coalesce(p.name, '-') AS line FROM faces f LEFT JOIN persons p ON p.id = f.person_id"
        " WHERE f.id <= " +
        std::to_string(last_seed_face) + " ORDER BY f.id)");
  }

 private:
  fs::path dir_;
  std::string global_;
};

// The same start for both runs: Barack Obama listed and enrolled, the seed
// photos archived by one process, so their faces get the same ids.
void Seed(const Archive& archive, const fs::path& seed_folder) {
  const auto obama = testing::DataFile("photos/face_recognition/examples/obama.jpg");
  ASSERT_EQ(archive.Run("person add 'Barack Obama' --justification 'head of state' --criteria all")
                .exit_code,
            0);
  ASSERT_EQ(archive.Run("enroll 'Barack Obama' " + Quote(obama)).exit_code, 0);
  ASSERT_EQ(archive.Run("ingest -j 1 " + Quote(seed_folder)).exit_code, 0);
}

// The editor's i-th round: list and enrol a person, then a word on one of
// the seed faces (confirmed as the new person, or not Barack Obama),
// cycling through the faces.
std::vector<std::string> EditorRound(std::size_t i, const fs::path& enrol_photo,
                                     const std::vector<std::int64_t>& seed_faces) {
  const std::string person = "'Soak Person " + std::to_string(i) + "'";
  const std::int64_t face = seed_faces[i % seed_faces.size()];
  const bool confirm = (i / seed_faces.size()) % 2 == 0;
  return {"person add " + person + " --justification 'in the news' --criteria all",
          "enroll " + person + " " + Quote(enrol_photo),
          confirm ? "tag-review confirm " + std::to_string(face) + " " + person
                  : "tag-review reject " + std::to_string(face) + " 'Barack Obama'"};
}

TEST(Concurrency, ServeTwoIngestsAndTheEditorShareOneDatabaseAndLoseNothing) {
  const int seconds = SoakSeconds();
  RecordProperty("soak_seconds", seconds);
  const Inputs inputs = DealLfw();
  ASSERT_GE(inputs.enrol.size(), 100u);
  const fs::path work = testing::TempDir("concurrency");
  CopyInto(work / "seed", inputs.seed);

  Archive soak(work / "soak");
  ASSERT_TRUE(MakePrivateFolder(soak.dir()));
  ASSERT_NO_FATAL_FAILURE(Seed(soak, work / "seed"));
  std::vector<std::int64_t> seed_faces;
  {
    const std::string ids = soak.Query("SELECT group_concat(id) FROM faces ORDER BY id");
    for (std::size_t at = 0; at < ids.size();) {
      const std::size_t comma = std::min(ids.find(',', at), ids.size());
      seed_faces.push_back(std::stoll(ids.substr(at, comma - at)));
      at = comma + 1;
    }
  }
  ASSERT_GE(seed_faces.size(), 4u);
  const std::int64_t last_seed_face = seed_faces.back();

  const auto secret = [&](const std::string& role) {
    const CommandRun created =
        testing::RunFacetag("--json --db " + Quote(soak.db()) + " key create --role " + role);
    return json::parse(created.out, nullptr, false).value("secret", "");
  };
  const httplib::Headers ingest_auth = {{"Authorization", "Bearer " + secret("ingest")}};
  const httplib::Headers customer_auth = {{"Authorization", "Bearer " + secret("customer")}};

  std::string error;
  auto serve = testing::ServeProcess::Start(
      {soak.GlobalWords(), {"--workers", "1", "--photos", work.string()}, work / "serve.log", {}},
      error);
  ASSERT_TRUE(serve) << error;

  std::mutex mutex;  // guards what the actors report
  std::vector<std::string> complaints;
  std::vector<std::string> failures;
  const auto fail = [&](const std::string& what) {
    std::lock_guard lock(mutex);
    failures.push_back(what);
  };
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(seconds);

  // Two ingest processes at a time, each taking batches of its own photos.
  std::vector<fs::path> batches[2];
  std::vector<std::thread> actors;
  for (int k = 0; k < 2; ++k) {
    actors.emplace_back([&, k] {
      const auto& photos = inputs.ingest[k];
      for (std::size_t b = 0; Clock::now() < deadline && (b + 1) * 6 <= photos.size(); ++b) {
        const fs::path folder = work / ("ingest" + std::to_string(k)) / ("batch" + std::to_string(b));
        CopyInto(folder, {photos.begin() + b * 6, photos.begin() + (b + 1) * 6});
        std::vector<std::string> mine;
        const Step step = soak.Run("ingest -j 1 " + Quote(folder), &mine);
        std::lock_guard lock(mutex);
        complaints.insert(complaints.end(), mine.begin(), mine.end());
        batches[k].push_back(folder);
        if (step.exit_code != 0) failures.push_back(step.args + " → exit " + std::to_string(step.exit_code));
      }
    });
  }

  // The service: one uploader, one customer searching and checking health.
  std::vector<fs::path> uploaded;
  std::atomic<int> searches{0};
  actors.emplace_back([&] {
    httplib::Client client("127.0.0.1", serve->port());
    client.set_read_timeout(120, 0);
    for (std::size_t i = 0; Clock::now() < deadline && i < inputs.uploads.size(); ++i) {
      const std::string bytes = testing::ReadText(inputs.uploads[i]);
      const std::string path = "/api/v1/photos?location=uploads/" + std::to_string(i) + ".jpg";
      auto answer = client.Post(path, ingest_auth, bytes, "image/jpeg");
      if (!answer) {
        fail("POST " + path + ": no answer");
        continue;
      }
      if (MentionsBusyDatabase(answer->body)) {
        std::lock_guard lock(mutex);
        complaints.push_back("POST " + path + ": " + answer->body);
      }
      const json body = json::parse(answer->body, nullptr, false);
      if (answer->status != 201 || !body.is_object() || body.value("outcome", "") != "ingested") {
        fail("POST " + path + " → " + std::to_string(answer->status) + " " + answer->body);
        continue;
      }
      std::lock_guard lock(mutex);
      uploaded.push_back(inputs.uploads[i]);
    }
  });
  actors.emplace_back([&] {
    httplib::Client client("127.0.0.1", serve->port());
    client.set_read_timeout(120, 0);
    while (Clock::now() < deadline) {
      for (const std::string path :
           {"/api/v1/search?person=Barack%20Obama", "/api/v1/search?text=news", "/healthz"}) {
        auto answer = client.Get(path, customer_auth);
        if (!answer || answer->status != 200) {
          fail("GET " + path + " → " + (answer ? std::to_string(answer->status) + " " + answer->body
                                               : std::string("no answer")));
        } else if (MentionsBusyDatabase(answer->body)) {
          std::lock_guard lock(mutex);
          complaints.push_back("GET " + path + ": " + answer->body);
        }
        ++searches;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  // The editor at the command line.
  std::vector<Step> editor_steps;
  actors.emplace_back([&] {
    for (std::size_t i = 0; Clock::now() < deadline && i < inputs.enrol.size(); ++i) {
      for (const std::string& args : EditorRound(i, inputs.enrol[i], seed_faces)) {
        std::vector<std::string> mine;
        const Step step = soak.Run(args, &mine);
        std::lock_guard lock(mutex);
        complaints.insert(complaints.end(), mine.begin(), mine.end());
        editor_steps.push_back(step);
        // An enrolment may be refused on purpose (a face like another
        // listed person's); the serial run must then refuse it too.
        const bool refused_enrolment = args.rfind("enroll", 0) == 0 && step.exit_code == 4;
        if (step.exit_code != 0 && !refused_enrolment) {
          failures.push_back(args + " → exit " + std::to_string(step.exit_code) + " " +
                             step.error_code);
        }
      }
    }
  });
  for (auto& actor : actors) actor.join();
  const double soak_seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_TRUE(serve->Alive()) << "the service died";
  serve->Stop();
  const std::string serve_log = testing::ReadText(work / "serve.log");
  if (MentionsBusyDatabase(serve_log)) complaints.push_back("serve log: " + serve_log);

  EXPECT_TRUE(complaints.empty()) << complaints.size() << " outputs mention a busy database; first: "
                                  << complaints.front();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures; first: " << failures.front();

  // Nothing reported as stored is missing.
  std::size_t batch_photos = 0;
  for (const auto& list : batches) batch_photos += list.size() * 6;
  const std::size_t expected_photos = inputs.seed.size() + batch_photos + uploaded.size();
  EXPECT_EQ(soak.Query("SELECT count(*) FROM photos"), std::to_string(expected_photos));
  EXPECT_EQ(soak.Query("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(soak.Run("audit verify").exit_code, 0) << "the audit chain does not verify";

  // The same work one command after another on a fresh database.
  const auto serial_start = Clock::now();
  Archive serial(work / "serial");
  ASSERT_TRUE(MakePrivateFolder(serial.dir()));
  ASSERT_NO_FATAL_FAILURE(Seed(serial, work / "seed"));
  std::size_t round = 0;
  for (std::size_t s = 0; s < editor_steps.size(); s += 3, ++round) {
    const auto args = EditorRound(round, inputs.enrol[round], seed_faces);
    for (std::size_t j = 0; j < 3 && s + j < editor_steps.size(); ++j) {
      const Step step = serial.Run(args[j]);
      EXPECT_EQ(step.exit_code, editor_steps[s + j].exit_code) << args[j];
    }
  }
  // The editor's decisions, before anything re-decides the photos.
  EXPECT_EQ(soak.SeedFaces(last_seed_face), serial.SeedFaces(last_seed_face))
      << "an editor's decision was lost or changed";
  for (const auto& list : batches) {
    for (const auto& folder : list) {
      EXPECT_EQ(serial.Run("ingest -j 1 " + Quote(folder)).exit_code, 0) << folder;
    }
  }
  CopyInto(work / "uploaded", uploaded);
  if (!uploaded.empty()) {
    EXPECT_EQ(serial.Run("ingest -j 1 " + Quote(work / "uploaded")).exit_code, 0);
  }
  // The order of ingests and enrolments differs between the runs; a rematch
  // decides both archives against the same final list.
  EXPECT_EQ(soak.Run("rematch").exit_code, 0);
  EXPECT_EQ(serial.Run("rematch").exit_code, 0);
  EXPECT_EQ(soak.Counts(), serial.Counts());
  EXPECT_EQ(serial.Run("audit verify").exit_code, 0);
  const double serial_seconds =
      std::chrono::duration<double>(Clock::now() - serial_start).count();

  const std::string summary =
      "soak " + std::to_string(soak_seconds) + " s: " + std::to_string(expected_photos) +
      " photos (" + std::to_string(inputs.seed.size()) + " seed, " +
      std::to_string(batches[0].size()) + "+" + std::to_string(batches[1].size()) +
      " ingest batches of 6, " + std::to_string(uploaded.size()) + " uploads), " +
      std::to_string(editor_steps.size()) + " editor commands, " + std::to_string(searches.load()) +
      " searches and health checks; serial run " + std::to_string(serial_seconds) + " s; " +
      soak.Counts();
  RecordProperty("summary", summary);
  std::cout << summary;
}

}  // namespace
}  // namespace facetag
