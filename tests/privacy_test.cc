// The privacy promises on real photos: an opt-out that sticks (archive,
// files, future ingests, discovery, the database file's bytes), the access
// export, "am I on the list?", and the photo export with its expiring link
// and sanitised entry names.
#include "facetag/discovery.h"
#include "facetag/privacy.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <thread>

#include "facetag/file_io.h"
#include "facetag/app.h"
#include "facetag/hash.h"
#include "facetag/notify.h"
#include "metadata/metadata_exiftool.h"
#include "store/sqlite_common.h"
#include "test_data.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::DataFile;
using testing::DefaultPack;

// The bytes of the database file and its WAL.
std::string DatabaseBytes(const fs::path& db) {
  std::string all;
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream in(db.string() + suffix, std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

// Whether `haystack` holds the first 16 values of `values` as stored
// (float32, little-endian): 64 bytes no unrelated data repeats by chance.
bool HoldsFloats(const std::string& haystack, const std::vector<float>& values) {
  const auto bytes = store::EncodeFloats(values);
  return haystack.find(std::string(bytes.begin(), bytes.begin() + 64)) != std::string::npos;
}

// PersonInImage as exiftool reads it.
std::vector<std::string> NamesInFile(const fs::path& file) {
  const Json tags = metadata::test_util::ExiftoolJson(file, {"-XMP-iptcExt:PersonInImage"});
  std::vector<std::string> names;
  for (const Json& name : metadata::test_util::AsList(tags.value("PersonInImage", Json()))) {
    names.push_back(name.get<std::string>());
  }
  return names;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The entries of a zip and their bytes, read with libzip.
std::map<std::string, std::string> ReadZip(const fs::path& path) {
  std::map<std::string, std::string> entries;
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &error);
  EXPECT_NE(archive, nullptr) << path;
  if (archive == nullptr) return entries;
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i) {
    zip_stat_t stat;
    zip_stat_index(archive, i, 0, &stat);
    std::string bytes(stat.size, '\0');
    zip_file_t* file = zip_fopen_index(archive, i, 0);
    zip_fread(file, bytes.data(), stat.size);
    zip_fclose(file);
    entries.emplace(stat.name, std::move(bytes));
  }
  zip_close(archive);
  return entries;
}

class PrivacyFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::TempDir(std::string("privacy-") +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    incoming_ = root_ / "incoming";
    fs::create_directories(incoming_);
    StoreOptions options;
    options.secret_key_path = root_ / "config" / "secret.key";
    options.actor = "dpo@test";
    auto store = Store::OpenSqlite(db(), options);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    auto analyzer = vision::FaceAnalyzer::Create(DefaultPack());
    ASSERT_TRUE(analyzer);
    analyzer_ = std::move(*analyzer);
    files_ = PhotoFiles::Disk();
    app_ = std::make_unique<app::App>(*store_, DefaultPack(), *files_);
  }

  // What the service and the CLI give the privacy jobs: the archive's names.
  privacy::JobRunOptions JobOptions() {
    privacy::JobRunOptions options;
    options.archived_tags = [this](PhotoId photo) { return app_->ArchivedTags(photo); };
    options.rewrite_photo = [this](PhotoId photo) { return app_->WriteTags(photo); };
    return options;
  }

  fs::path db() const { return root_ / "facetag.db"; }

  fs::path Copy(const std::string& relative, const std::string& name) {
    return metadata::test_util::CopyPhoto(relative, incoming_, name);
  }

  Person Enroll(const std::string& name, const std::string& photo) {
    NewPerson listed;
    listed.name = name;
    listed.justification = "public office";
    listed.criteria = {true, true, true};
    auto person = app_->ListPerson(listed, "editor");
    EXPECT_TRUE(person) << person.error().message;
    auto bytes = ReadFileBytes(DataFile(photo), 1 << 26);
    EXPECT_TRUE(bytes);
    app::EnrolRequest request;
    request.location = DataFile(photo).string();
    auto enrolled = app_->Enrol(person->id, *bytes, request, *analyzer_, "editor");
    EXPECT_TRUE(enrolled) << enrolled.error().message;
    return *person;
  }

  app::IngestSummary Ingest(const std::vector<fs::path>& files, bool write, bool force) {
    app::IngestOptions options;
    options.write_metadata = write;
    options.force = force;
    app_->Refresh();  // the list may have changed behind this App (an opt-out)
    auto summary = testing::IngestFiles(*store_, files, options);
    EXPECT_TRUE(summary) << summary.error().message;
    EXPECT_TRUE(summary->errors.empty()) << summary->errors.front().second.message;
    return *summary;
  }

  std::vector<SearchHit> Pictured(PersonId person) {
    SearchQuery query;
    query.person = person;
    auto hits = store_->archive().Search(query);
    EXPECT_TRUE(hits);
    return hits ? *hits : std::vector<SearchHit>{};
  }

  Embedding MainFace(const fs::path& photo) {
    auto faces = analyzer_->AnalyzeFile(photo);
    EXPECT_TRUE(faces);
    const auto main = vision::PickMainFace(*faces);
    EXPECT_TRUE(main);
    return faces->faces[*main].embedding;
  }

  fs::path root_;
  fs::path incoming_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<vision::FaceAnalyzer> analyzer_;
  std::unique_ptr<PhotoFiles> files_;
  std::unique_ptr<app::App> app_;
};

constexpr char kExamples[] = "photos/face_recognition/examples/";

TEST_F(PrivacyFlowTest, OptOutSticksInTheArchiveTheFilesFutureIngestsAndTheDatabaseBytes) {
  const Person biden = Enroll("Joe Biden", std::string(kExamples) + "biden.jpg");
  const Person obama = Enroll("Barack Obama", std::string(kExamples) + "obama.jpg");
  const std::vector<fs::path> photos = {
      Copy(std::string(kExamples) + "two_people.jpg", "two_people.jpg"),
      Copy(std::string(kExamples) + "knn_examples/test/obama_and_biden.jpg", "obama_and_biden.jpg"),
      Copy(std::string(kExamples) + "knn_examples/train/biden/biden2.jpg", "biden2.jpg"),
      Copy(std::string(kExamples) + "obama2.jpg", "obama2.jpg")};
  Ingest(photos, /*write=*/true, /*force=*/false);

  const auto biden_hits = Pictured(biden.id);
  ASSERT_EQ(biden_hits.size(), 3u);
  const std::size_t obama_photos = Pictured(obama.id).size();
  ASSERT_GE(obama_photos, 2u);
  ASSERT_TRUE(Contains(NamesInFile(photos[0]), "Joe Biden"));
  // What must vanish from the file: the profile and the archived faces.
  auto profiles = store_->ProfilesOf(biden.id);
  ASSERT_TRUE(profiles);
  std::vector<std::vector<float>> biden_vectors = {profiles->front().embedding.values};
  for (const SearchHit& hit : biden_hits) {
    auto photo = store_->archive().GetPhoto(hit.photo);
    ASSERT_TRUE(photo);
    for (const StoredFace& f : photo->faces) {
      if (f.id == *hit.face) biden_vectors.push_back(f.detected.embedding.values);
    }
  }
  ASSERT_EQ(biden_vectors.size(), 4u);
  for (const auto& v : biden_vectors) {
    ASSERT_TRUE(HoldsFloats(DatabaseBytes(db()), v)) << "the byte check must see stored floats";
  }

  privacy::OptOutRequest request;
  request.person = "joe biden";
  auto report = privacy::OptOut(*store_, DefaultPack(), analyzer_.get(), request);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->was_listed);
  EXPECT_EQ(report->outcome.profiles_deleted, 1);
  EXPECT_EQ(report->outcome.faces_deleted, 3);
  EXPECT_EQ(report->outcome.photos.size(), 3u);
  auto job = privacy::RunJob(*store_, report->outcome.job, JobOptions());
  ASSERT_TRUE(job) << job.error().message;
  EXPECT_EQ(job->job.status, JobStatus::kDone);
  EXPECT_EQ(Json::parse(job->job.result)["rewritten"], 3);

  // Gone from the list, the archive and the files; Obama stays.
  EXPECT_EQ(store_->FindPerson("Joe Biden").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Pictured(obama.id).size(), obama_photos);
  for (const fs::path& photo : photos) {
    EXPECT_FALSE(Contains(NamesInFile(photo), "Joe Biden")) << photo;
  }
  EXPECT_TRUE(Contains(NamesInFile(photos[1]), "Barack Obama"));
  const std::string bytes = DatabaseBytes(db());
  for (const auto& v : biden_vectors) EXPECT_FALSE(HoldsFloats(bytes, v));

  // Re-ingesting the same photos and a new one of him stores no face of his.
  const fs::path lfw = metadata::test_util::CopyPhoto(
      "lfw-view1/images/Joseph_Biden/Joseph_Biden_0001.jpg", incoming_, "lfw_biden.jpg");
  auto again = Ingest({photos[0], photos[1], photos[2], lfw}, true, /*force=*/true);
  EXPECT_EQ(again.suppressed, 4u);
  auto suppression = privacy::LoadSuppressionList(*store_, DefaultPack());
  ASSERT_TRUE(suppression) << suppression.error().message;
  ASSERT_EQ(suppression->size(), 1u);
  std::size_t faces = 0;
  for (FaceId after = 0;;) {
    auto page = store_->archive().FacesForModel(DefaultPack().id, after, 1000);
    ASSERT_TRUE(page);
    for (const FaceForMatching& f : page->faces) {
      ++faces;
      EXPECT_FALSE(suppression->Suppresses({DefaultPack().id, f.embedding})) << "face " << f.id;
      for (const auto& v : biden_vectors) EXPECT_LT(CosineSimilarity(f.embedding, v), 0.5f);
    }
    if ((after = page->next_after) == 0) break;
  }
  EXPECT_GT(faces, 0u);
  // Discovery's filter: his face is suppressed, Obama's is not.
  EXPECT_TRUE(suppression->Suppresses(MainFace(lfw)));
  EXPECT_FALSE(suppression->Suppresses(MainFace(DataFile(std::string(kExamples) + "obama2.jpg"))));
  // The options every discovery run uses carry the same filter.
  auto discovering = discovery::OptionsFor(*store_, DefaultPack());
  ASSERT_TRUE(discovering) << discovering.error().message;
  ASSERT_EQ(discovering->suppression.templates.size(), 1u);
  EXPECT_TRUE(discovery::IsSuppressed(discovering->suppression, DefaultPack().id,
                                      MainFace(lfw).values));
  EXPECT_FALSE(discovery::IsSuppressed(discovering->suppression, DefaultPack().id,
                                       MainFace(DataFile(std::string(kExamples) + "obama2.jpg")).values));
  EXPECT_FALSE(Contains(NamesInFile(lfw), "Joe Biden"));
  // And his name is not listed again by accident.
  auto relisted = store_->AddPerson(NewPerson{"Joe Biden", {}, "", {}});
  ASSERT_FALSE(relisted);
  EXPECT_EQ(relisted.error().code, ErrorCode::kRejected);
  auto verified = store_->privacy().VerifyAudit();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->intact) << verified->problem;
}

TEST_F(PrivacyFlowTest, SomeoneNotListedOptsOutWithASelfie) {
  auto selfie = ReadFileBytes(DataFile(std::string(kExamples) + "biden.jpg"), 1 << 26);
  ASSERT_TRUE(selfie);
  privacy::OptOutRequest request;
  request.person = "Joe Biden";
  request.photo_bytes.push_back(*selfie);
  auto report = privacy::OptOut(*store_, DefaultPack(), analyzer_.get(), request);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_FALSE(report->was_listed);
  auto suppression = privacy::LoadSuppressionList(*store_, DefaultPack());
  ASSERT_TRUE(suppression);
  EXPECT_TRUE(suppression->Suppresses(
      MainFace(DataFile("lfw-view1/images/Joseph_Biden/Joseph_Biden_0001.jpg"))));
  EXPECT_FALSE(suppression->Suppresses(MainFace(DataFile(std::string(kExamples) + "obama2.jpg"))));
  // His faces are not stored by ingest; Obama's are.
  auto summary =
      Ingest({Copy(std::string(kExamples) + "knn_examples/train/biden/biden2.jpg", "b2.jpg"),
              Copy(std::string(kExamples) + "obama2.jpg", "o2.jpg")},
             false, false);
  EXPECT_EQ(summary.suppressed, 1u);
  EXPECT_GE(summary.faces, 1u);
  auto page = store_->archive().FacesForModel(DefaultPack().id, 0, 1000);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->faces.size(), summary.faces);
  for (const FaceForMatching& f : page->faces) {
    EXPECT_FALSE(suppression->Suppresses({DefaultPack().id, f.embedding})) << "face " << f.id;
  }
  EXPECT_EQ(store_->AddPerson(NewPerson{"Joe Biden", {}, "", {}}).error().code,
            ErrorCode::kRejected);
}

TEST_F(PrivacyFlowTest, AccessExportAndLookupTellEverythingButTheEmbeddings) {
  const Person biden = Enroll("Joe Biden", std::string(kExamples) + "biden.jpg");
  ASSERT_TRUE(store_->AddAlias(biden.id, "Joseph Biden"));
  Ingest({Copy(std::string(kExamples) + "two_people.jpg", "two_people.jpg"),
          Copy(std::string(kExamples) + "knn_examples/test/obama_and_biden.jpg", "ob.jpg")},
         false, false);

  const fs::path zip = root_ / "answer" / "biden.zip";
  auto exported = privacy::ExportPerson(*store_, "Joseph Biden", zip, "dpo@test");
  ASSERT_TRUE(exported) << exported.error().message;
  const auto entries = ReadZip(zip);
  ASSERT_EQ(entries.size(), 2u);
  const Json manifest = Json::parse(entries.at("manifest.json"));
  EXPECT_EQ(manifest["person"]["name"], "Joe Biden");
  EXPECT_EQ(manifest["person"]["justification"], "public office");
  EXPECT_EQ(manifest["person"]["criteria"]["public_figure"], true);
  EXPECT_EQ(manifest["profiles"]["count"], 1);
  EXPECT_EQ(manifest["profiles"]["sources"][0]["photo_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(manifest["photos"]["pictured"].size(), 2u);
  std::set<std::string> actions;
  for (const Json& e : manifest["audit"]) actions.insert(e["action"].get<std::string>());
  EXPECT_TRUE(actions.count("person.add") && actions.count("profile.add") &&
              actions.count("person.alias.add"));
  auto profiles = store_->ProfilesOf(biden.id);
  ASSERT_TRUE(profiles);
  EXPECT_FALSE(HoldsFloats(entries.at("manifest.json"), profiles->front().embedding.values));
  EXPECT_EQ(entries.at("manifest.json").find("embedding\""), std::string::npos);

  auto by_name = privacy::LookupName(*store_, "JOSEPH BIDEN");
  ASSERT_TRUE(by_name);
  EXPECT_TRUE(by_name->listed);
  auto nobody = privacy::LookupName(*store_, "Jane Roe");
  ASSERT_TRUE(nobody);
  EXPECT_FALSE(nobody->listed);

  auto before = store_->archive().Counts();
  auto bytes = ReadFileBytes(
      DataFile(std::string(kExamples) + "knn_examples/train/biden/biden2.jpg"), 1 << 26);
  ASSERT_TRUE(bytes);
  auto by_photo = app_->LookupPhoto(*bytes, *analyzer_);
  ASSERT_TRUE(by_photo) << by_photo.error().message;
  EXPECT_TRUE(by_photo->listed);
  ASSERT_FALSE(by_photo->persons.empty());
  EXPECT_EQ(by_photo->persons.front().name, "Joe Biden");
  EXPECT_TRUE(by_photo->photo_discarded);
  EXPECT_NE(by_photo->answer.find("discarded"), std::string::npos);
  auto after = store_->archive().Counts();
  EXPECT_EQ(before->photos, after->photos);
  EXPECT_EQ(before->faces, after->faces);
}

TEST_F(PrivacyFlowTest, PhotoExportHasTheNamesExpiresAndNoEntryEscapes) {
  Enroll("Joe Biden", std::string(kExamples) + "biden.jpg");
  const fs::path plain = Copy(std::string(kExamples) + "two_people.jpg", "two_people.jpg");
  // A file whose name reads like a path out of any folder.
  const fs::path hostile =
      Copy(std::string(kExamples) + "knn_examples/train/biden/biden2.jpg", "..\\..\\escape.jpg");
  Ingest({plain, hostile}, /*write=*/false, false);
  // A location pointing at a file that is not the archived photo.
  NewPhoto planted;
  planted.info.sha256 = std::string(64, 'a');
  planted.info.location = "/etc/passwd";
  auto planted_id = store_->archive().AddPhoto(planted);
  ASSERT_TRUE(planted_id);
  std::vector<PhotoId> ids;
  for (const char* sha_source : {"two_people.jpg", "..\\..\\escape.jpg"}) {
    auto bytes = ReadFileBytes(incoming_ / sha_source, 1 << 26);
    auto state = store_->archive().FindPhoto(PhotoIdentity(*bytes));
    ASSERT_TRUE(state && *state);
    ids.push_back((*state)->id);
  }
  ids.push_back(*planted_id);

  httplib::Server listener;
  std::string notice;
  listener.Post("/done", [&](const httplib::Request& r, httplib::Response& response) {
    notice = r.body;
    response.status = 200;
  });
  const int port = listener.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { listener.listen_after_bind(); });
  while (!listener.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  privacy::PhotoExportRequest request;
  request.photos = ids;
  request.webhook = "http://127.0.0.1:" + std::to_string(port) + "/done";
  request.expires_hours = 24;
  auto ticket = privacy::StartPhotoExport(*store_, request);
  ASSERT_TRUE(ticket) << ticket.error().message;
  ASSERT_EQ(ticket->token.size(), 64u);
  privacy::JobRunOptions options = JobOptions();
  options.export_folder = root_ / "exports";
  options.now = std::chrono::sys_days(std::chrono::year(2026) / 11 / 26);
  options.download_token = ticket->token;
  // The webhook is on the allow-list an admin sets (by its IP address).
  privacy::NotifyAllowList allowed;
  allowed.destinations.push_back(
      {privacy::NotifyDestination::Kind::kWebhook, request.webhook, false});
  privacy::RelayNotifier notifier(
      {}, [&] { return Result<privacy::NotifyAllowList>(allowed); },
      [](std::string_view token) { return "http://facetag.test/download/" + std::string(token); });
  options.notifier = &notifier;
  auto early = privacy::OpenDownload(*store_, ticket->token, options.now, options.export_folder);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kRejected) << "the zip is not built yet";
  auto done = privacy::RunJob(*store_, ticket->job, options);
  listener.stop();
  thread.join();
  ASSERT_TRUE(done) << done.error().message;
  ASSERT_EQ(done->job.status, JobStatus::kDone);
  EXPECT_NE(notice.find("http://facetag.test/download/" + ticket->token), std::string::npos)
      << notice;
  const Json result = Json::parse(done->job.result);
  EXPECT_EQ(result["webhook"], "sent");
  struct stat folder {};
  ASSERT_EQ(::stat((root_ / "exports").c_str(), &folder), 0);
  EXPECT_EQ(folder.st_mode & 0777, 0700u) << "the export folder is private";
  ASSERT_EQ(result["skipped"].size(), 1u);
  EXPECT_EQ(result["skipped"][0]["photo"], *planted_id);

  auto zip = privacy::OpenDownload(*store_, ticket->token, options.now + std::chrono::hours(1),
                                   options.export_folder);
  ASSERT_TRUE(zip) << zip.error().message;
  struct stat zip_mode {};
  ASSERT_EQ(::stat(zip->c_str(), &zip_mode), 0);
  EXPECT_EQ(zip_mode.st_mode & 0777, 0600u) << "the zip is private";
  const auto entries = ReadZip(*zip);
  ASSERT_EQ(entries.size(), 3u);  // two photos and the manifest
  const fs::path out = root_ / "unzipped";
  fs::create_directories(out);
  for (const auto& [name, bytes] : entries) {
    const fs::path target = (out / name).lexically_normal();
    ASSERT_EQ(target.parent_path(), out) << name;
    std::ofstream(target, std::ios::binary) << bytes;
  }
  EXPECT_TRUE(fs::exists(out / (std::to_string(ids[1]) + "-escape.jpg")));
  EXPECT_TRUE(
      Contains(NamesInFile(out / (std::to_string(ids[0]) + "-two_people.jpg")), "Joe Biden"));
  EXPECT_TRUE(Contains(NamesInFile(out / (std::to_string(ids[1]) + "-escape.jpg")), "Joe Biden"));
  EXPECT_FALSE(Contains(NamesInFile(plain), "Joe Biden")) << "the original is not touched";

  auto wrong =
      privacy::OpenDownload(*store_, std::string(64, '0'), options.now, options.export_folder);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kNotFound);
  // The scheduled sweep deletes expired zips; the link then says expired.
  auto early_sweep = privacy::SweepExpiredExports(*store_, options.export_folder,
                                                  options.now + std::chrono::hours(23));
  ASSERT_TRUE(early_sweep);
  EXPECT_EQ(*early_sweep, 0);
  auto swept = privacy::SweepExpiredExports(*store_, options.export_folder,
                                            options.now + std::chrono::hours(25));
  ASSERT_TRUE(swept);
  EXPECT_EQ(*swept, 1);
  auto expired = privacy::OpenDownload(*store_, ticket->token, options.now + std::chrono::hours(25),
                                       options.export_folder);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kRejected);
  EXPECT_FALSE(fs::exists(*zip)) << "an expired export is deleted";
}

}  // namespace
}  // namespace facetag
