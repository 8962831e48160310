// Names into the photo, end to end: caption reading, recognition with the
// caption as evidence, reconciliation, and the XMP written, read back by an
// independent reader (exiftool).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "facetag/hash.h"
#include "facetag/app.h"
#include "metadata/metadata_exiftool.h"
#include "test_data.h"
#include "vision/decoder.h"

namespace facetag {
namespace {

using testing::DataFile;
using testing::DefaultPack;
namespace fs = std::filesystem;

using metadata::test_util::AsList;
using metadata::test_util::ExiftoolJson;
using metadata::test_util::ExiftoolWarnings;
using metadata::test_util::ExiftoolWrite;

// exiftool's view of a file: one JSON object, structures kept, numbers raw.
nlohmann::json ExifTool(const fs::path& file, std::vector<std::string> tags = {}) {
  tags.insert(tags.begin(), {"-struct", "-n"});
  return ExiftoolJson(file, tags);
}

nlohmann::json AsArray(const nlohmann::json& v) { return nlohmann::json(AsList(v)); }

// The compressed image data of a JPEG (start of scan to the end).
std::vector<unsigned char> ScanData(const fs::path& jpeg) {
  return metadata::test_util::WalkJpeg(metadata::test_util::ReadBytes(jpeg)).scan;
}

std::set<std::string> Warnings(const fs::path& file) {
  const auto lines = ExiftoolWarnings(file);
  return {lines.begin(), lines.end()};
}

// Disk files whose tag writes run a test hook just before the rename.
class HookedFiles final : public PhotoFiles {
 public:
  explicit HookedFiles(std::function<Result<void>(const fs::path&)> before_rename)
      : disk_(PhotoFiles::Disk()), before_rename_(std::move(before_rename)) {}
  Result<std::vector<unsigned char>> Read(std::string_view location, std::uint64_t max) override {
    return disk_->Read(location, max);
  }
  Result<metadata::PhotoText> ReadText(std::string_view location,
                                       const metadata::ReadOptions& options) override {
    return disk_->ReadText(location, options);
  }
  Result<metadata::WriteReport> WriteTags(std::string_view location, const metadata::TagSet& tags,
                                          const metadata::WriteOptions& options) override {
    metadata::WriteOptions hooked = options;
    hooked.before_rename = before_rename_;
    return disk_->WriteTags(location, tags, hooked);
  }

 private:
  std::unique_ptr<PhotoFiles> disk_;
  std::function<Result<void>(const fs::path&)> before_rename_;
};

class TaggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = bench_.dir();
    Enroll("Barack Obama", "obama2.jpg");
    Enroll("Joe Biden", "biden.jpg");
  }

  void Enroll(const std::string& name, const std::string& photo) {
    const Person person = bench_.List(name);
    auto enrolled = bench_.Enrol(person, DataFile("photos/face_recognition/examples/" + photo));
    ASSERT_TRUE(enrolled) << enrolled.error().message;
  }

  // A copy of an example photo in the test folder, with `caption` written
  // as IPTC Caption-Abstract (and XMP dc:description) by exiftool.
  fs::path Photo(const std::string& name, const std::string& caption = "",
                 std::vector<std::string> exiftool_args = {}) {
    const fs::path copy =
        metadata::test_util::CopyPhoto("photos/face_recognition/examples/" + name, dir_, name);
    if (!caption.empty()) {
      exiftool_args.push_back("-IPTC:Caption-Abstract=" + caption);
      exiftool_args.push_back("-XMP-dc:Description=" + caption);
    }
    if (!exiftool_args.empty()) ExiftoolWrite(copy, exiftool_args);
    return copy;
  }

  Result<app::TaggedPhoto> Tag(const fs::path& photo, app::TagOptions options = {}) {
    return bench_.app().Tag(photo.string(), bench_.analyzer(), options);
  }

  static std::size_t Named(const app::TaggedPhoto& t) {
    std::size_t named = 0;
    for (const StoredFace& f : t.photo.faces) named += f.tag.person ? 1 : 0;
    return named;
  }

  testing::Workbench bench_{"tagging"};
  fs::path dir_;
};

TEST_F(TaggingTest, PicturedAndMentionedVersusMentionedOnlyReadBackByExiftool) {
  const fs::path photo = Photo("obama.jpg", "Barack Obama and Joe Biden wave to supporters.");
  const auto warnings_before = Warnings(photo);  // the photo's own EXIF has some
  auto tagged = Tag(photo);
  ASSERT_TRUE(tagged) << tagged.error().message;
  ASSERT_EQ(tagged->photo.faces.size(), 1u);
  ASSERT_EQ(tagged->presence.size(), 2u);
  EXPECT_EQ(tagged->presence[0].presence, Presence::kPicturedAndMentioned);
  EXPECT_EQ(tagged->presence[1].presence, Presence::kMentionedNotPictured);
  ASSERT_TRUE(tagged->write && tagged->write->written);

  for (const std::string& warning : Warnings(photo)) {
    // Every warning was there before (the test's own exiftool edit of the
    // caption leaves Photoshop's IPTC digest stale); none is new.
    EXPECT_TRUE(warnings_before.count(warning)) << "new warning: " << warning;
  }
  const auto xmp = ExifTool(photo, {"-XMP:all"});
  EXPECT_EQ(AsArray(xmp["PersonInImage"]), nlohmann::json::array({"Barack Obama"}));
  const auto details = AsArray(xmp["PersonInImageWDetails"]);
  ASSERT_EQ(details.size(), 1u);
  EXPECT_EQ(details[0]["PersonName"], "Barack Obama");
  const std::string uri = bench_.store().FindPerson("Barack Obama")->uri;
  EXPECT_EQ(AsArray(details[0]["PersonId"])[0], uri);

  // Both region schemes hold the detected face (obama.jpg is upright).
  const FaceBox face = tagged->photo.faces[0].detected.box;
  const float w = static_cast<float>(tagged->photo.info.width);
  const float h = static_cast<float>(tagged->photo.info.height);
  const auto region = AsArray(xmp["ImageRegion"])[0]["RegionBoundary"];
  const FaceBox iptc{region["RbX"].get<float>() * w, region["RbY"].get<float>() * h,
                     region["RbW"].get<float>() * w, region["RbH"].get<float>() * h};
  EXPECT_GT(IntersectionOverUnion(iptc, face), 0.95f);
  const auto mwg = xmp["RegionInfo"];
  EXPECT_EQ(mwg["AppliedToDimensions"]["W"], tagged->photo.info.width);
  const auto area = AsArray(mwg["RegionList"])[0];
  EXPECT_EQ(area["Name"], "Barack Obama");
  EXPECT_EQ(area["Type"], "Face");
  const auto a = area["Area"];
  const FaceBox mwg_box{(a["X"].get<float>() - a["W"].get<float>() / 2) * w,
                        (a["Y"].get<float>() - a["H"].get<float>() / 2) * h,
                        a["W"].get<float>() * w, a["H"].get<float>() * h};
  EXPECT_GT(IntersectionOverUnion(mwg_box, face), 0.95f);

  // Biden is recorded as mentioned, not pictured, in facetag's namespace,
  // and is nowhere among the pictured names.
  const std::string all = xmp.dump();
  EXPECT_NE(all.find("MentionedNotPictured"), std::string::npos) << all;
  const auto mentioned = AsArray(xmp["MentionedNotPictured"]);
  ASSERT_EQ(mentioned.size(), 1u);
  EXPECT_EQ(mentioned[0]["Name"], "Joe Biden");
}

TEST_F(TaggingTest, RerunIsIdempotentAndRemovedPersonsDisappear) {
  const fs::path photo = Photo("two_people.jpg", "President Obama and Vice President Biden.");
  ASSERT_TRUE(Tag(photo));
  const auto first = Sha256OfFile(photo);
  auto again = Tag(photo);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->write->changed);
  EXPECT_EQ(*Sha256OfFile(photo), *first);
  EXPECT_EQ(AsArray(ExifTool(photo)["PersonInImage"]).size(), 2u);

  ASSERT_TRUE(bench_.app().UnlistPerson(bench_.store().FindPerson("Joe Biden")->id, "editor"));
  auto after = Tag(photo);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->write->names_removed, std::vector<std::string>{"Joe Biden"});
  const auto xmp = ExifTool(photo);
  EXPECT_EQ(AsArray(xmp["PersonInImage"]), nlohmann::json::array({"Barack Obama"}));
  EXPECT_EQ(AsArray(xmp["RegionInfo"]["RegionList"]).size(), 1u);
}

TEST_F(TaggingTest, RichExistingMetadataAndImageDataSurvive) {
  const std::vector<std::string> rich = {
      "-EXIF:Make=Canon",           "-EXIF:Model=EOS 5D Mark IV",
      "-EXIF:Copyright=(c) Agency", "-EXIF:GPSLatitude=52.0799",
      "-EXIF:GPSLatitudeRef=N",     "-EXIF:GPSLongitude=4.3113",
      "-EXIF:GPSLongitudeRef=E",    "-IPTC:Keywords=politics",
      "-IPTC:Keywords=summit",      "-IPTC:Headline=Summit in The Hague",
      "-XMP-dc:Rights=(c) Agency",  "-XMP-dc:Subject=politics"};
  const fs::path photo = Photo("obama.jpg", "Obama speaks.", rich);
  const auto before = ExifTool(photo, {"-EXIF:all", "-IPTC:all", "-XMP-dc:all"});
  const auto scan_before = ScanData(photo);
  ASSERT_FALSE(scan_before.empty());
  ASSERT_TRUE(Tag(photo));
  const auto after = ExifTool(photo, {"-EXIF:all", "-IPTC:all", "-XMP-dc:all"});
  for (const auto& [key, value] : before.items()) {
    if (key == "SourceFile") continue;
    EXPECT_EQ(after[key], value) << key;
  }
  EXPECT_EQ(after["Make"], "Canon");
  EXPECT_NEAR(after["GPSLatitude"].get<double>(), 52.0799, 1e-4);
  EXPECT_TRUE(ScanData(photo) == scan_before) << "the compressed image data changed";
}

// A viewer applying the EXIF orientation must see the regions on the face.
// Each orientation gets a photo whose stored pixels, once oriented, are
// obama.jpg; the written MWG region (in stored pixels) is painted into a
// stored-size mask, the mask is oriented like the pixels, and its box must
// coincide with the face found in the upright photo.
TEST_F(TaggingTest, RegionsLandOnTheFaceForAllEightOrientations) {
  const cv::Mat upright =
      cv::imread(DataFile("photos/face_recognition/examples/obama.jpg").string());
  auto reference = bench_.analyzer().AnalyzeFile(DataFile("photos/face_recognition/examples/obama.jpg"));
  ASSERT_TRUE(reference && reference->faces.size() == 1);
  const FaceBox face = reference->faces[0].box;
  // Stored pixels for orientation o: the inverse operation of o applied to
  // the upright image (6 and 8 are each other's inverse; the rest are their
  // own).
  const int inverse[9] = {0, 1, 2, 3, 4, 5, 8, 7, 6};
  for (int o = 1; o <= 8; ++o) {
    const cv::Mat stored = vision::ApplyExifOrientation(upright, inverse[o]);
    const fs::path photo = dir_ / ("oriented" + std::to_string(o) + ".jpg");
    ASSERT_TRUE(cv::imwrite(photo.string(), stored, {cv::IMWRITE_JPEG_QUALITY, 95}));
    ExiftoolWrite(photo, {"-n", "-Orientation=" + std::to_string(o)});
    auto tagged = Tag(photo);
    ASSERT_TRUE(tagged) << tagged.error().message;
    ASSERT_EQ(Named(*tagged), 1u) << "orientation " << o;

    const auto mwg = ExifTool(photo)["RegionInfo"];
    EXPECT_EQ(mwg["AppliedToDimensions"]["W"], stored.cols) << o;
    EXPECT_EQ(mwg["AppliedToDimensions"]["H"], stored.rows) << o;
    const auto a = AsArray(mwg["RegionList"])[0]["Area"];
    cv::Mat mask(stored.size(), CV_8UC3, cv::Scalar::all(0));
    const cv::Rect region(
        static_cast<int>((a["X"].get<double>() - a["W"].get<double>() / 2) * stored.cols),
        static_cast<int>((a["Y"].get<double>() - a["H"].get<double>() / 2) * stored.rows),
        static_cast<int>(a["W"].get<double>() * stored.cols),
        static_cast<int>(a["H"].get<double>() * stored.rows));
    mask(region & cv::Rect(0, 0, mask.cols, mask.rows)).setTo(cv::Scalar::all(255));
    cv::Mat shown = vision::ApplyExifOrientation(mask, o), grey;
    cv::cvtColor(shown, grey, cv::COLOR_BGR2GRAY);
    const cv::Rect seen = cv::boundingRect(grey);
    const FaceBox seen_box{static_cast<float>(seen.x), static_cast<float>(seen.y),
                           static_cast<float>(seen.width), static_cast<float>(seen.height)};
    EXPECT_GT(IntersectionOverUnion(seen_box, face), 0.85f) << "orientation " << o;
  }
}

TEST_F(TaggingTest, SidecarAndDryRunLeaveThePhotoUntouched) {
  const fs::path photo = Photo("obama.jpg", "Barack Obama.");
  const auto original = Sha256OfFile(photo);
  app::TagOptions dry;
  dry.dry_run = true;
  auto preview = Tag(photo, dry);
  ASSERT_TRUE(preview);
  EXPECT_TRUE(preview->write->changed);
  EXPECT_FALSE(preview->write->written);
  EXPECT_EQ(*Sha256OfFile(photo), *original);

  app::TagOptions sidecar;
  sidecar.target = metadata::WriteTarget::kSidecar;
  auto side = Tag(photo, sidecar);
  ASSERT_TRUE(side) << side.error().message;
  EXPECT_EQ(*Sha256OfFile(photo), *original);
  const fs::path xmp = dir_ / "obama.xmp";
  ASSERT_TRUE(fs::exists(xmp));
  EXPECT_EQ(AsArray(ExifTool(xmp)["PersonInImage"]), nlohmann::json::array({"Barack Obama"}));
}

TEST_F(TaggingTest, InjectedFailureBeforeRenameKeepsTheOriginal) {
  const fs::path photo = Photo("obama.jpg", "Barack Obama.");
  const auto original = Sha256OfFile(photo);
  HookedFiles failing([](const fs::path&) -> Result<void> {
    return Fail(ErrorCode::kIo, "injected crash before rename");
  });
  app::App hooked(bench_.store(), DefaultPack(), failing);
  auto tagged = hooked.Tag(photo.string(), bench_.analyzer(), {});
  ASSERT_FALSE(tagged);
  EXPECT_EQ(*Sha256OfFile(photo), *original);
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
  EXPECT_FALSE(cv::imread(photo.string()).empty());
}

}  // namespace
}  // namespace facetag
