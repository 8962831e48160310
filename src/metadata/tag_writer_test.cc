// WritePersonTags on real photos, read back with exiftool.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "facetag/hash.h"
#include "facetag/metadata.h"
#include "metadata_exiftool.h"
#include "test_data.h"

namespace facetag::metadata {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_util::AsList;
using test_util::AsNumber;
using test_util::CopyPhoto;
using test_util::ExiftoolJson;
using test_util::ExiftoolWrite;

constexpr const char* kObama = "photos/face_recognition/examples/obama.jpg";           // 910 x 1137
constexpr const char* kTwoPeople = "photos/face_recognition/examples/two_people.jpg";  // 1126 x 661
constexpr const char* kPng = "photos/face_recognition/tests/test_images/32bit.png";    // 626 x 1200

// Obama left, Biden right (boxes by eye, displayed pixels).
TagSet TwoPeopleTags() {
  TagSet tags;
  tags.width = 1126;
  tags.height = 661;
  tags.pictured = {
      {"Barack Obama",
       "urn:uuid:5e0c3a52-0000-4000-8000-000000000001",
       {262, 110, 160, 200},
       {TagOrigin::kAutomatic, 0.7312f, "faceplugin-0.0.1", "2024-05-01T12:00:00Z"}},
      {"Joe Biden",
       "urn:uuid:5e0c3a52-0000-4000-8000-000000000002",
       {700, 90, 150, 190},
       {TagOrigin::kConfirmed, 0.6543f, "faceplugin-0.0.1", "2024-05-02T08:30:00Z"}},
  };
  tags.mentioned = {{"Kamala Harris", "urn:uuid:5e0c3a52-0000-4000-8000-000000000003"}};
  return tags;
}

std::string Hash(const fs::path& path) {
  auto hash = Sha256OfFile(path);
  EXPECT_TRUE(hash) << hash.error().message;
  return hash ? *hash : std::string();
}

std::vector<std::string> Strings(const json& value) {
  std::vector<std::string> out;
  for (const auto& item : AsList(value)) out.push_back(item.get<std::string>());
  return out;
}

// Warnings exiftool has about the XMP.
std::vector<std::string> XmpWarnings(const fs::path& file) {
  std::vector<std::string> out;
  for (const auto& warning : test_util::ExiftoolWarnings(file)) {
    if (warning.find("XMP") != std::string::npos || warning.find("xmp") != std::string::npos) {
      out.push_back(warning);
    }
  }
  return out;
}

WriteOptions ToSidecar() {
  WriteOptions options;
  options.target = WriteTarget::kSidecar;
  return options;
}

WriteOptions DryRun(WriteTarget target = WriteTarget::kInPlace) {
  WriteOptions options;
  options.target = target;
  options.dry_run = true;
  return options;
}

class MetadataWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir(std::string("write-") +
                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  fs::path dir_;
};

TEST_F(MetadataWrite, ExiftoolReadsEveryField) {
  const fs::path photo = CopyPhoto(kTwoPeople, dir_, "photo.jpg");
  auto report = WritePersonTags(photo, TwoPeopleTags());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->changed);
  EXPECT_TRUE(report->written);
  EXPECT_EQ(report->target, photo);
  EXPECT_EQ(report->names_added, (std::vector<std::string>{"Barack Obama", "Joe Biden"}));
  EXPECT_EQ(report->mentioned_added, std::vector<std::string>{"Kamala Harris"});
  EXPECT_EQ(report->regions_written, 2);

  // The flat tag names the issue asks for.
  const json flat =
      ExiftoolJson(photo, {"-XMP-iptcExt:PersonInImage", "-PersonInImageName", "-PersonInImageId",
                           "-ImageRegionName", "-RegionName", "-RegionAreaX", "-RegionType"});
  ASSERT_FALSE(flat.is_null());
  EXPECT_EQ(Strings(flat["PersonInImage"]),
            (std::vector<std::string>{"Barack Obama", "Joe Biden"}));
  EXPECT_EQ(Strings(flat["PersonInImageName"]),
            (std::vector<std::string>{"Barack Obama", "Joe Biden"}));
  EXPECT_EQ(Strings(flat["PersonInImageId"]),
            (std::vector<std::string>{"urn:uuid:5e0c3a52-0000-4000-8000-000000000001",
                                      "urn:uuid:5e0c3a52-0000-4000-8000-000000000002"}));
  EXPECT_EQ(Strings(flat["ImageRegionName"]),
            (std::vector<std::string>{"Barack Obama", "Joe Biden"}));
  EXPECT_EQ(Strings(flat["RegionName"]), (std::vector<std::string>{"Barack Obama", "Joe Biden"}));
  EXPECT_EQ(Strings(flat["RegionType"]), (std::vector<std::string>{"Face", "Face"}));
  ASSERT_EQ(AsList(flat["RegionAreaX"]).size(), 2u);
  EXPECT_NEAR(AsNumber(AsList(flat["RegionAreaX"])[0]), (262 + 80) / 1126.0, 1e-6);

  // The structures, field by field.
  const json xmp = ExiftoolJson(photo, {"-struct", "-n", "-XMP:all"});
  ASSERT_FALSE(xmp.is_null());
  const auto regions = AsList(xmp["ImageRegion"]);
  ASSERT_EQ(regions.size(), 2u);
  const json& boundary = regions[1]["RegionBoundary"];
  EXPECT_EQ(boundary["RbShape"], "rectangle");
  EXPECT_EQ(boundary["RbUnit"], "relative");
  EXPECT_NEAR(AsNumber(boundary["RbX"]), 700 / 1126.0, 1e-6);
  EXPECT_NEAR(AsNumber(boundary["RbY"]), 90 / 661.0, 1e-6);
  EXPECT_NEAR(AsNumber(boundary["RbW"]), 150 / 1126.0, 1e-6);
  EXPECT_NEAR(AsNumber(boundary["RbH"]), 190 / 661.0, 1e-6);
  EXPECT_EQ(regions[1]["Name"], "Joe Biden");
  EXPECT_EQ(Strings(regions[1]["PersonInImage"]), std::vector<std::string>{"Joe Biden"});
  EXPECT_EQ(Strings(AsList(regions[1]["RCtype"])[0]["Identifier"]),
            std::vector<std::string>{"http://cv.iptc.org/newscodes/imageregiontype/human"});

  const json& info = xmp["RegionInfo"];
  EXPECT_EQ(AsNumber(info["AppliedToDimensions"]["W"]), 1126);
  EXPECT_EQ(AsNumber(info["AppliedToDimensions"]["H"]), 661);
  EXPECT_EQ(info["AppliedToDimensions"]["Unit"], "pixel");
  const auto list = AsList(info["RegionList"]);
  ASSERT_EQ(list.size(), 2u);
  const json& area = list[0]["Area"];
  EXPECT_NEAR(AsNumber(area["X"]), (262 + 80) / 1126.0, 1e-6);  // centre
  EXPECT_NEAR(AsNumber(area["Y"]), (110 + 100) / 661.0, 1e-6);
  EXPECT_NEAR(AsNumber(area["W"]), 160 / 1126.0, 1e-6);
  EXPECT_NEAR(AsNumber(area["H"]), 200 / 661.0, 1e-6);
  EXPECT_EQ(area["Unit"], "normalized");
  EXPECT_EQ(list[0]["Type"], "Face");
  EXPECT_EQ(list[0]["Name"], "Barack Obama");

  // facetag's own namespace: provenance and the person who is only mentioned.
  const json own = ExiftoolJson(photo, {"-struct", "-XMP-facetag:all"});
  ASSERT_FALSE(own.is_null());
  const auto pictured = AsList(own["Pictured"]);
  ASSERT_EQ(pictured.size(), 2u);
  EXPECT_EQ(pictured[0]["Origin"], "automatic");
  EXPECT_NEAR(AsNumber(pictured[0]["Similarity"]), 0.7312, 1e-6);
  EXPECT_EQ(pictured[0]["ModelId"], "faceplugin-0.0.1");
  EXPECT_EQ(pictured[1]["Origin"], "confirmed");
  EXPECT_EQ(AsList(own["MentionedNotPictured"])[0]["Name"], "Kamala Harris");

  EXPECT_EQ(XmpWarnings(photo), std::vector<std::string>{});
  EXPECT_EQ(test_util::ExiftoolWarnings(photo), std::vector<std::string>{});
  EXPECT_EQ(test_util::FileNames(dir_), std::vector<std::string>{"photo.jpg"});

  // And facetag reads back what it wrote.
  auto text = ReadPhotoText(photo);
  ASSERT_TRUE(text) << text.error().message;
  ASSERT_EQ(text->facetag.pictured.size(), 2u);
  EXPECT_NEAR(text->facetag.pictured[1].box.x, 700, 0.01);
  EXPECT_NEAR(text->facetag.pictured[1].box.height, 190, 0.01);
  EXPECT_EQ(text->facetag.mentioned.size(), 1u);
}

TEST_F(MetadataWrite, RichExistingMetadataAndImageDataAreKept) {
  const fs::path photo = CopyPhoto(kTwoPeople, dir_, "rich.jpg");
  ExiftoolWrite(
      photo, {"-EXIF:Make=Canon",
              "-EXIF:Model=Canon EOS 5D Mark IV",
              "-EXIF:DateTimeOriginal=2016:05:10 14:03:22",
              "-EXIF:Artist=Pete Souza",
              "-EXIF:Copyright=© The White House",
              "-GPSLatitude=38.8977",
              "-GPSLatitudeRef=N",
              "-GPSLongitude=77.0365",
              "-GPSLongitudeRef=W",
              "-IPTC:CodedCharacterSet=UTF8",
              "-IPTC:Caption-Abstract=President Obama and Vice President Biden in the Oval Office",
              "-IPTC:Headline=Oval Office meeting",
              "-IPTC:Keywords=politics",
              "-IPTC:Keywords=White House",
              "-IPTC:By-line=Pete Souza",
              "-IPTC:CopyrightNotice=© The White House",
              "-XMP-dc:Description=Oval Office",
              "-XMP-dc:Subject=politics",
              "-XMP-dc:Rights=© The White House",
              "-XMP-photoshop:Headline=Oval Office meeting",
              "-XMP-xmpRights:Marked=True",
              "-XMP-iptcCore:CountryCode=US",
              "-XMP-dc:Creator=Pete Souza"});
  const std::vector<std::string> groups = {
      "-a",       "-G1",       "-EXIF:all",        "-GPS:all", "-IPTC:all", "-Photoshop:all",
      "-XMP:all", "-JFIF:all", "-ICC_Profile:all", "-File:all"};
  const json before = ExiftoolJson(photo, groups);
  const auto before_bytes = test_util::ReadBytes(photo);
  const auto warnings_before = test_util::ExiftoolWarnings(photo);

  auto report = WritePersonTags(photo, TwoPeopleTags());
  ASSERT_TRUE(report) << report.error().message;
  const json after = ExiftoolJson(photo, groups);
  for (const auto& [key, value] : before.items()) {
    if (key == "SourceFile" || key == "XMP-x:XMPToolkit" || key == "File:FileSize" ||
        key.rfind("System:", 0) == 0) {
      continue;
    }
    ASSERT_TRUE(after.contains(key)) << key << " disappeared";
    EXPECT_EQ(after[key], value) << key;
  }
  EXPECT_EQ(after["GPS:GPSLatitude"], before["GPS:GPSLatitude"]);
  EXPECT_EQ(after["IPTC:Keywords"], json::array({"politics", "White House"}));

  // Byte for byte: every segment but XMP, and the compressed image data.
  const auto old_layout = test_util::WalkJpeg(before_bytes);
  const auto new_layout = test_util::WalkJpeg(test_util::ReadBytes(photo));
  ASSERT_FALSE(old_layout.scan.empty());
  EXPECT_TRUE(old_layout.scan == new_layout.scan) << "the compressed image data changed";
  std::vector<std::vector<unsigned char>> old_segments, new_segments;
  for (const auto& s : old_layout.segments)
    if (!s.is_xmp) old_segments.push_back(s.bytes);
  for (const auto& s : new_layout.segments)
    if (!s.is_xmp) new_segments.push_back(s.bytes);
  EXPECT_TRUE(old_segments == new_segments) << "a segment other than XMP changed";
  EXPECT_EQ(test_util::ExiftoolWarnings(photo), warnings_before);
}

TEST_F(MetadataWrite, AgencyPhotoKeepsItsSegmentsAndIptcDigest) {
  // obama.jpg has EXIF, a Photoshop IPTC block with its digest, ICC and XMP:
  // exiv2's own writer would drop an EXIF tag and break the digest here.
  const fs::path photo = CopyPhoto(kObama, dir_, "obama.jpg");
  const auto before = test_util::ReadBytes(photo);
  const auto warnings_before = test_util::ExiftoolWarnings(photo);
  TagSet tags;
  tags.width = 910;
  tags.height = 1137;
  tags.pictured = {{"Barack Obama", "urn:uuid:0b", {300, 250, 320, 400}, {}}};
  auto report = WritePersonTags(photo, tags);
  ASSERT_TRUE(report) << report.error().message;
  const auto old_layout = test_util::WalkJpeg(before);
  const auto new_layout = test_util::WalkJpeg(test_util::ReadBytes(photo));
  EXPECT_TRUE(old_layout.scan == new_layout.scan);
  ASSERT_EQ(old_layout.segments.size(), new_layout.segments.size());
  for (std::size_t i = 0; i < old_layout.segments.size(); ++i) {
    EXPECT_EQ(old_layout.segments[i].is_xmp, new_layout.segments[i].is_xmp) << i;
    if (!old_layout.segments[i].is_xmp) {
      EXPECT_TRUE(old_layout.segments[i].bytes == new_layout.segments[i].bytes) << "segment " << i;
    }
  }
  EXPECT_EQ(test_util::ExiftoolWarnings(photo), warnings_before);
  const json xmp = ExiftoolJson(
      photo, {"-struct", "-XMP-photoshop:City", "-XMP-crs:ColorTemperature", "-XMP-xmpMM:History"});
  EXPECT_EQ(xmp["City"], "WASHINGTON");
  EXPECT_EQ(AsNumber(xmp["ColorTemperature"]), 4250);
  EXPECT_EQ(AsList(xmp["History"]).size(), 7u);
}

TEST_F(MetadataWrite, SecondRunChangesNothing) {
  const fs::path photo = CopyPhoto(kTwoPeople, dir_, "photo.jpg");
  ASSERT_TRUE(WritePersonTags(photo, TwoPeopleTags()));
  const std::string hash = Hash(photo);
  struct stat before {};
  ASSERT_EQ(::stat(photo.c_str(), &before), 0);

  auto again = WritePersonTags(photo, TwoPeopleTags());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->changed);
  EXPECT_FALSE(again->written);
  EXPECT_TRUE(again->names_added.empty());
  EXPECT_TRUE(again->names_removed.empty());
  EXPECT_EQ(Hash(photo), hash);
  struct stat after {};
  ASSERT_EQ(::stat(photo.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);  // not even replaced by an equal file

  const json flat = ExiftoolJson(photo, {"-PersonInImage", "-RegionName", "-ImageRegionName"});
  EXPECT_EQ(AsList(flat["PersonInImage"]).size(), 2u);
  EXPECT_EQ(AsList(flat["RegionName"]).size(), 2u);
  EXPECT_EQ(AsList(flat["ImageRegionName"]).size(), 2u);
}

TEST_F(MetadataWrite, RemovedPersonDisappears) {
  const fs::path photo = CopyPhoto(kTwoPeople, dir_, "photo.jpg");
  ASSERT_TRUE(WritePersonTags(photo, TwoPeopleTags()));
  TagSet obama_only = TwoPeopleTags();
  obama_only.pictured.pop_back();
  auto report = WritePersonTags(photo, obama_only);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->names_removed, std::vector<std::string>{"Joe Biden"});
  EXPECT_EQ(report->regions_removed, 1);
  const json flat = ExiftoolJson(
      photo, {"-PersonInImage", "-PersonInImageName", "-RegionName", "-ImageRegionName"});
  EXPECT_EQ(Strings(flat["PersonInImage"]), std::vector<std::string>{"Barack Obama"});
  EXPECT_EQ(Strings(flat["PersonInImageName"]), std::vector<std::string>{"Barack Obama"});
  EXPECT_EQ(Strings(flat["RegionName"]), std::vector<std::string>{"Barack Obama"});
  EXPECT_EQ(Strings(flat["ImageRegionName"]), std::vector<std::string>{"Barack Obama"});
}

TEST_F(MetadataWrite, OthersRegionsAndNamesSurvive) {
  const fs::path photo = CopyPhoto(kTwoPeople, dir_, "photo.jpg");
  ExiftoolWrite(photo,
                {"-XMP-iptcExt:PersonInImage=Secret Service Agent",
                 "-XMP-mwg-rs:RegionInfo={AppliedToDimensions={W=1126,H=661,Unit=pixel},"
                 "RegionList=[{Area={X=0.05,Y=0.5,W=0.05,H=0.1,Unit=normalized},Type=Face,"
                 "Name=Secret Service Agent}]}",
                 "-XMP-iptcExt:ImageRegion=[{RegionBoundary={RbShape=rectangle,RbUnit=relative,"
                 "RbX=0.01,RbY=0.4,RbW=0.1,RbH=0.2},rId=agent,Name=Secret Service Agent}]"});
  auto report = WritePersonTags(photo, TwoPeopleTags());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->foreign_regions_kept, 2);
  json flat =
      ExiftoolJson(photo, {"-PersonInImage", "-RegionName", "-ImageRegionName", "-ImageRegionID"});
  EXPECT_EQ(Strings(flat["PersonInImage"]),
            (std::vector<std::string>{"Secret Service Agent", "Barack Obama", "Joe Biden"}));
  EXPECT_EQ(Strings(flat["RegionName"]),
            (std::vector<std::string>{"Secret Service Agent", "Barack Obama", "Joe Biden"}));
  EXPECT_EQ(Strings(flat["ImageRegionName"]),
            (std::vector<std::string>{"Secret Service Agent", "Barack Obama", "Joe Biden"}));
  EXPECT_EQ(Strings(flat["ImageRegionID"]).front(), "agent");
  EXPECT_EQ(XmpWarnings(photo), std::vector<std::string>{});

  // Untagging removes facetag's entries only.
  TagSet none;
  none.width = 1126;
  none.height = 661;
  report = WritePersonTags(photo, none);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->regions_removed, 2);
  flat = ExiftoolJson(photo,
                      {"-PersonInImage", "-RegionName", "-ImageRegionName", "-XMP-facetag:all"});
  EXPECT_EQ(Strings(flat["PersonInImage"]), std::vector<std::string>{"Secret Service Agent"});
  EXPECT_EQ(Strings(flat["RegionName"]), std::vector<std::string>{"Secret Service Agent"});
  EXPECT_EQ(Strings(flat["ImageRegionName"]), std::vector<std::string>{"Secret Service Agent"});
  EXPECT_FALSE(flat.contains("Pictured"));
}

TEST_F(MetadataWrite, QuarterTurnedPhotoGetsRegionsInStoredPixels) {
  // obama.jpg is stored 910 x 1137; with orientation 6 a viewer shows it
  // 1137 x 910, turned clockwise.
  const fs::path photo = CopyPhoto(kObama, dir_, "turned.jpg");
  ExiftoolWrite(photo, {"-Orientation#=6"});
  TagSet tags;
  tags.width = 1137;
  tags.height = 910;
  tags.exif_orientation = 6;
  tags.pictured = {{"Barack Obama", "urn:uuid:0b", {100, 200, 300, 250}, {}}};
  auto report = WritePersonTags(photo, tags);
  ASSERT_TRUE(report) << report.error().message;
  // Displayed (xd, yd) comes from stored (yd, H - xd) with H = 1137: the box
  // spans stored x 200..450 and y 1137-400..1137-100 = 737..1037.
  const json xmp = ExiftoolJson(photo, {"-struct", "-RegionInfo", "-ImageRegion"});
  const json& info = xmp["RegionInfo"];
  EXPECT_EQ(AsNumber(info["AppliedToDimensions"]["W"]), 910);
  EXPECT_EQ(AsNumber(info["AppliedToDimensions"]["H"]), 1137);
  const json area = AsList(info["RegionList"])[0]["Area"];
  EXPECT_NEAR(AsNumber(area["X"]), 325 / 910.0, 1e-6);
  EXPECT_NEAR(AsNumber(area["Y"]), 887 / 1137.0, 1e-6);
  EXPECT_NEAR(AsNumber(area["W"]), 250 / 910.0, 1e-6);
  EXPECT_NEAR(AsNumber(area["H"]), 300 / 1137.0, 1e-6);
  const json boundary = AsList(xmp["ImageRegion"])[0]["RegionBoundary"];
  EXPECT_NEAR(AsNumber(boundary["RbX"]), 200 / 910.0, 1e-6);
  EXPECT_NEAR(AsNumber(boundary["RbY"]), 737 / 1137.0, 1e-6);

  // The same photo described with the wrong orientation or size is refused.
  tags.exif_orientation = 1;
  auto wrong = WritePersonTags(photo, tags);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidArgument);
  tags.exif_orientation = 6;
  tags.width = 1000;
  wrong = WritePersonTags(photo, tags);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(MetadataWrite, EveryOrientationRoundTripsThroughExiftool) {
  // A face at a known place in the stored image; each orientation shows it
  // elsewhere (per the EXIF table, written out here independently), and the
  // region facetag writes from the displayed box must be the stored one.
  const FaceBox stored{300, 250, 320, 400};  // in obama.jpg, 910 x 1137 stored
  const float W = 910, H = 1137;
  for (int orientation = 1; orientation <= 8; ++orientation) {
    FaceBox shown;
    const float x0 = stored.x, y0 = stored.y, x1 = stored.x + stored.width,
                y1 = stored.y + stored.height;
    switch (orientation) {
      case 1:
        shown = {x0, y0, x1 - x0, y1 - y0};
        break;
      case 2:
        shown = {W - x1, y0, x1 - x0, y1 - y0};
        break;
      case 3:
        shown = {W - x1, H - y1, x1 - x0, y1 - y0};
        break;
      case 4:
        shown = {x0, H - y1, x1 - x0, y1 - y0};
        break;
      case 5:
        shown = {y0, x0, y1 - y0, x1 - x0};
        break;
      case 6:
        shown = {H - y1, x0, y1 - y0, x1 - x0};
        break;
      case 7:
        shown = {H - y1, W - x1, y1 - y0, x1 - x0};
        break;
      case 8:
        shown = {y0, W - x1, y1 - y0, x1 - x0};
        break;
    }
    const fs::path photo = CopyPhoto(kObama, dir_, "o" + std::to_string(orientation) + ".jpg");
    ExiftoolWrite(photo, {"-Orientation#=" + std::to_string(orientation)});
    TagSet tags;
    tags.width = orientation >= 5 ? 1137 : 910;
    tags.height = orientation >= 5 ? 910 : 1137;
    tags.exif_orientation = orientation;
    tags.pictured = {{"Barack Obama", "urn:uuid:0b", shown, {}}};
    auto report = WritePersonTags(photo, tags);
    ASSERT_TRUE(report) << orientation << ": " << report.error().message;
    const json area = AsList(
        ExiftoolJson(photo, {"-struct", "-RegionInfo"})["RegionInfo"]["RegionList"])[0]["Area"];
    EXPECT_NEAR(AsNumber(area["X"]) * W, stored.CenterX(), 0.01) << orientation;
    EXPECT_NEAR(AsNumber(area["Y"]) * H, stored.CenterY(), 0.01) << orientation;
    EXPECT_NEAR(AsNumber(area["W"]) * W, stored.width, 0.01) << orientation;
    EXPECT_NEAR(AsNumber(area["H"]) * H, stored.height, 0.01) << orientation;
  }
}

TEST_F(MetadataWrite, SidecarLeavesThePhotoUntouched) {
  const fs::path photo = CopyPhoto(kTwoPeople, dir_, "photo.jpg");
  const std::string hash = Hash(photo);
  auto report = WritePersonTags(photo, TwoPeopleTags(), ToSidecar());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->target, dir_ / "photo.xmp");
  EXPECT_TRUE(report->written);
  EXPECT_EQ(Hash(photo), hash);
  const json flat =
      ExiftoolJson(dir_ / "photo.xmp", {"-PersonInImage", "-RegionName", "-PersonInImageId"});
  EXPECT_EQ(Strings(flat["PersonInImage"]),
            (std::vector<std::string>{"Barack Obama", "Joe Biden"}));
  EXPECT_EQ(Strings(flat["RegionName"]), (std::vector<std::string>{"Barack Obama", "Joe Biden"}));
  EXPECT_EQ(XmpWarnings(dir_ / "photo.xmp"), std::vector<std::string>{});

  auto text = ReadPhotoText(photo, {.read_sidecar = true});
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_TRUE(text->from_sidecar);
  EXPECT_EQ(text->facetag.pictured.size(), 2u);

  auto again = WritePersonTags(photo, TwoPeopleTags(), ToSidecar());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->changed);
  EXPECT_EQ(Hash(photo), hash);
  EXPECT_EQ(test_util::FileNames(dir_), (std::vector<std::string>{"photo.jpg", "photo.xmp"}));
}

TEST_F(MetadataWrite, DryRunWritesNothing) {
  const fs::path photo = CopyPhoto(kTwoPeople, dir_, "photo.jpg");
  const std::string hash = Hash(photo);
  auto report = WritePersonTags(photo, TwoPeopleTags(), DryRun());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->changed);
  EXPECT_FALSE(report->written);
  EXPECT_EQ(report->names_added, (std::vector<std::string>{"Barack Obama", "Joe Biden"}));
  EXPECT_EQ(report->regions_written, 2);
  EXPECT_EQ(Hash(photo), hash);

  report = WritePersonTags(photo, TwoPeopleTags(), DryRun(WriteTarget::kSidecar));
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->changed);
  EXPECT_EQ(test_util::FileNames(dir_), std::vector<std::string>{"photo.jpg"});
}

TEST_F(MetadataWrite, InjectedFailureBeforeRenameLeavesTheOriginal) {
  const fs::path photo = CopyPhoto(kObama, dir_, "photo.jpg");
  const auto original = test_util::ReadBytes(photo);
  TagSet tags;
  tags.width = 910;
  tags.height = 1137;
  tags.pictured = {{"Barack Obama", "urn:uuid:0b", {300, 250, 320, 400}, {}}};
  bool called = false;
  auto report =
      WritePersonTags(photo, tags, {.before_rename = [&](const fs::path& temp) -> Result<void> {
                        called = true;
                        EXPECT_TRUE(fs::exists(temp));
                        EXPECT_EQ(temp.parent_path(), dir_);
                        return Fail(ErrorCode::kIo, "simulated crash before rename");
                      }});
  ASSERT_FALSE(report);
  EXPECT_TRUE(called);
  EXPECT_EQ(report.error().message, "simulated crash before rename");
  EXPECT_TRUE(test_util::ReadBytes(photo) == original) << "the original changed";
  EXPECT_EQ(test_util::FileNames(dir_), std::vector<std::string>{"photo.jpg"});
}

TEST_F(MetadataWrite, KilledWriterNeverLeavesADamagedPhoto) {
  const fs::path photo = CopyPhoto(kTwoPeople, dir_, "photo.jpg");
  const auto scan = test_util::WalkJpeg(test_util::ReadBytes(photo)).scan;
  TagSet a = TwoPeopleTags();
  TagSet b = TwoPeopleTags();
  b.pictured.pop_back();
  std::mt19937 random(7);
  for (int round = 0; round < 12; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int i = 0;; ++i) (void)WritePersonTags(photo, i % 2 ? a : b);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + random() % 40000));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    // Whenever the writer died, the photo is one complete version or the other.
    auto text = ReadPhotoText(photo);
    ASSERT_TRUE(text) << "round " << round << ": " << text.error().message;
    const std::size_t persons = text->facetag.pictured.size();
    EXPECT_TRUE(persons == 0 || persons == 1 || persons == 2) << persons;
    EXPECT_EQ(XmpWarnings(photo), std::vector<std::string>{}) << "round " << round;
    EXPECT_TRUE(test_util::WalkJpeg(test_util::ReadBytes(photo)).scan == scan) << "round " << round;
  }
  // A killed writer may leave its temp file; it is hidden and named after
  // the photo, and never mistaken for it.
  for (const auto& name : test_util::FileNames(dir_)) {
    EXPECT_TRUE(name == "photo.jpg" || name.rfind(".photo.jpg.facetag-", 0) == 0) << name;
  }
}

TEST_F(MetadataWrite, PngIsWrittenByExiv2) {
  const fs::path photo = CopyPhoto(kPng, dir_, "photo.png");
  TagSet tags;
  tags.width = 626;
  tags.height = 1200;
  tags.pictured = {{"Barack Obama", "urn:uuid:0b", {150, 200, 300, 350}, {}}};
  auto report = WritePersonTags(photo, tags);
  ASSERT_TRUE(report) << report.error().message;
  const json flat = ExiftoolJson(photo, {"-PersonInImage", "-RegionName", "-ImageWidth"});
  EXPECT_EQ(Strings(flat["PersonInImage"]), std::vector<std::string>{"Barack Obama"});
  EXPECT_EQ(Strings(flat["RegionName"]), std::vector<std::string>{"Barack Obama"});
  EXPECT_EQ(AsNumber(flat["ImageWidth"]), 626);
  EXPECT_EQ(XmpWarnings(photo), std::vector<std::string>{});
  auto again = WritePersonTags(photo, tags);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->changed);
}

TEST_F(MetadataWrite, BadInputIsAClearErrorAndChangesNothing) {
  const fs::path text_file = dir_ / "notes.jpg";
  std::ofstream(text_file) << "not an image\n";
  auto report = WritePersonTags(text_file, TwoPeopleTags());
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kUnsupportedFormat) << report.error().message;

  auto bytes = test_util::ReadBytes(testing::DataFile(kObama));
  bytes.resize(3000);
  const fs::path truncated = dir_ / "truncated.jpg";
  test_util::WriteBytes(truncated, bytes);
  report = WritePersonTags(truncated, TwoPeopleTags());
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kCorruptImage) << report.error().message;
  EXPECT_TRUE(test_util::ReadBytes(truncated) == bytes);

  report = WritePersonTags(dir_ / "missing.jpg", TwoPeopleTags());
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kNotFound);

  // A read-only photo is left alone (the sidecar is the way to tag it).
  const fs::path locked = CopyPhoto(kTwoPeople, dir_, "locked.jpg");
  ASSERT_EQ(::chmod(locked.c_str(), 0444), 0);
  const std::string hash = Hash(locked);
  report = WritePersonTags(locked, TwoPeopleTags());
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kIo);
  EXPECT_EQ(Hash(locked), hash);
  EXPECT_TRUE(WritePersonTags(locked, TwoPeopleTags(), ToSidecar()));

  // Tags computed for another photo.
  const fs::path other = CopyPhoto(kObama, dir_, "other.jpg");
  report = WritePersonTags(other, TwoPeopleTags());
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(report.error().message.find("910x1137"), std::string::npos) << report.error().message;
}

TEST_F(MetadataWrite, ParallelWritersOfDifferentPhotos) {
  // The batch tagger runs one writer per core.
  constexpr int kPhotos = 8;
  std::vector<fs::path> photos;
  for (int i = 0; i < kPhotos; ++i) {
    photos.push_back(
        CopyPhoto(i % 2 ? kTwoPeople : kObama, dir_, "p" + std::to_string(i) + ".jpg"));
  }
  std::vector<std::thread> threads;
  std::vector<int> failures(kPhotos, 0);
  for (int i = 0; i < kPhotos; ++i) {
    threads.emplace_back([&, i] {
      TagSet tags = TwoPeopleTags();
      if (i % 2 == 0) {
        tags.width = 910;
        tags.height = 1137;
      }
      for (int round = 0; round < 5; ++round) {
        if (round % 2)
          tags.pictured.pop_back();
        else
          tags.pictured = TwoPeopleTags().pictured;
        if (!WritePersonTags(photos[i], tags) || !ReadPhotoText(photos[i])) ++failures[i];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kPhotos; ++i) {
    EXPECT_EQ(failures[i], 0) << photos[i];
    auto text = ReadPhotoText(photos[i]);
    ASSERT_TRUE(text);
    EXPECT_EQ(text->facetag.pictured.size(), 2u) << photos[i];
    EXPECT_EQ(XmpWarnings(photos[i]), std::vector<std::string>{});
  }
}

TEST_F(MetadataWrite, UnparsableXmpIsNotOverwritten) {
  const fs::path photo = CopyPhoto(kTwoPeople, dir_, "photo.jpg");
  ExiftoolWrite(photo, {"-XMP-dc:Description=placeholder"});
  // Damage the XML inside the XMP segment without changing its length.
  auto bytes = test_util::ReadBytes(photo);
  std::string text(bytes.begin(), bytes.end());
  const std::size_t at = text.find("<rdf:RDF");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 8, "<rdf:R<F");
  bytes.assign(text.begin(), text.end());
  test_util::WriteBytes(photo, bytes);

  auto read = ReadPhotoText(photo);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->warnings.size(), 1u);
  auto report = WritePersonTags(photo, TwoPeopleTags());
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kCorruptImage);
  EXPECT_TRUE(test_util::ReadBytes(photo) == bytes);
}

}  // namespace
}  // namespace facetag::metadata
