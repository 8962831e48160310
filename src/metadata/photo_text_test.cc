// ReadPhotoText on real photos, with metadata written by exiftool.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "facetag/metadata.h"
#include "metadata_exiftool.h"
#include "test_data.h"

namespace facetag::metadata {
namespace {

namespace fs = std::filesystem;
using test_util::CopyPhoto;
using test_util::ExiftoolWrite;

constexpr const char* kObama = "photos/face_recognition/examples/obama.jpg";
constexpr const char* kTwoPeople = "photos/face_recognition/examples/two_people.jpg";

class MetadataRead : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir(std::string("read-") +
                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  fs::path dir_;
};

TEST_F(MetadataRead, AgencyPhotoCaptionDateAndOrientation) {
  // The White House photo carries IPTC, XMP and EXIF captions; IPTC wins.
  auto text = ReadPhotoText(testing::DataFile(kObama));
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(text->caption_source, CaptionSource::kIptcCaption);
  EXPECT_EQ(text->caption.rfind("President Barack Obama is photographed during a presidential", 0),
            0u)
      << text->caption;
  EXPECT_EQ(text->date_created, "2012-12-06T00:00:00+00:00");
  EXPECT_EQ(text->exif_orientation, 1);
  EXPECT_TRUE(text->persons.empty());
  EXPECT_TRUE(text->facetag.pictured.empty());
  EXPECT_TRUE(text->warnings.empty());
}

TEST_F(MetadataRead, CaptionFallsBackFromIptcToXmpToExif) {
  const fs::path none = CopyPhoto(kTwoPeople, dir_, "none.jpg");
  auto text = ReadPhotoText(none);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(text->caption_source, CaptionSource::kNone);
  EXPECT_EQ(text->caption, "");

  const fs::path exif = CopyPhoto(kTwoPeople, dir_, "exif.jpg");
  ExiftoolWrite(exif,
                {"-EXIF:ImageDescription=From EXIF", "-EXIF:DateTimeOriginal=2021:03:04 05:06:07",
                 "-EXIF:OffsetTimeOriginal=+01:00"});
  text = ReadPhotoText(exif);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(text->caption_source, CaptionSource::kExifImageDescription);
  EXPECT_EQ(text->caption, "From EXIF");
  EXPECT_EQ(text->date_created, "2021-03-04T05:06:07+01:00");

  ExiftoolWrite(
      exif, {"-XMP-dc:Description=From XMP", "-XMP-photoshop:DateCreated=2020-01-02T03:04:05Z"});
  text = ReadPhotoText(exif);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->caption_source, CaptionSource::kXmpDescription);
  EXPECT_EQ(text->caption, "From XMP");
  EXPECT_EQ(text->date_created, "2020-01-02T03:04:05Z");

  ExiftoolWrite(exif, {"-IPTC:Caption-Abstract=From IPTC"});
  text = ReadPhotoText(exif);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->caption_source, CaptionSource::kIptcCaption);
  EXPECT_EQ(text->caption, "From IPTC");
  EXPECT_STREQ(CaptionSourceName(text->caption_source), "iptc");
}

TEST_F(MetadataRead, IptcInUtf8AndInLatin1) {
  const fs::path utf8 = CopyPhoto(kTwoPeople, dir_, "utf8.jpg");
  ExiftoolWrite(utf8,
                {"-IPTC:CodedCharacterSet=UTF8", "-IPTC:Caption-Abstract=Lech Wałęsa in Gdańsk",
                 "-IPTC:Headline=Wałęsa", "-IPTC:Keywords=Solidarność", "-IPTC:Keywords=Polska"});
  auto text = ReadPhotoText(utf8);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(text->caption, "Lech Wałęsa in Gdańsk");
  EXPECT_EQ(text->headline, "Wałęsa");
  EXPECT_EQ(text->keywords, (std::vector<std::string>{"Solidarność", "Polska"}));

  // Older software writes IPTC in Latin-1 without declaring it.
  const fs::path latin1 = CopyPhoto(kTwoPeople, dir_, "latin1.jpg");
  ExiftoolWrite(latin1,
                {"-charset", "iptc=Latin", "-IPTC:Caption-Abstract=Thomas Müller trifft François",
                 "-IPTC:Keywords=Fußball"});
  const auto raw = test_util::ReadBytes(latin1);
  const std::string bytes(raw.begin(), raw.end());
  ASSERT_NE(bytes.find("M\xFCller"), std::string::npos) << "exiftool did not write Latin-1";
  text = ReadPhotoText(latin1);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(text->caption, "Thomas Müller trifft François");
  EXPECT_EQ(text->keywords, std::vector<std::string>{"Fußball"});
}

TEST_F(MetadataRead, HeadlineAndKeywordsFromXmpWhenIptcHasNone) {
  const fs::path photo = CopyPhoto(kTwoPeople, dir_, "xmp.jpg");
  ExiftoolWrite(photo, {"-XMP-photoshop:Headline=Leaders meet", "-XMP-dc:Subject=politics",
                        "-XMP-dc:Subject=usa"});
  auto text = ReadPhotoText(photo);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(text->headline, "Leaders meet");
  EXPECT_EQ(text->keywords, (std::vector<std::string>{"politics", "usa"}));
}

TEST_F(MetadataRead, PersonsOtherToolsNamed) {
  const fs::path photo = CopyPhoto(kTwoPeople, dir_, "named.jpg");
  ExiftoolWrite(
      photo,
      {"-XMP-iptcExt:PersonInImage=Barack Obama",
       "-XMP-iptcExt:PersonInImageWDetails=[{PersonId=[urn:x:biden],PersonName=Joe Biden}]",
       "-XMP-mwg-rs:RegionInfo={AppliedToDimensions={W=1126,H=661,Unit=pixel},"
       "RegionList=[{Area={X=0.3,Y=0.3,W=0.1,H=0.2,Unit=normalized},Type=Face,Name=Barack Obama},"
       "{Area={X=0.7,Y=0.3,W=0.1,H=0.2,Unit=normalized},Type=Pet,Name=Bo}]}"});
  auto text = ReadPhotoText(photo);
  ASSERT_TRUE(text) << text.error().message;
  ASSERT_EQ(text->persons.size(), 2u);
  EXPECT_EQ(text->persons[0].name, "Barack Obama");
  EXPECT_EQ(text->persons[0].sources,
            (std::vector<PersonSource>{PersonSource::kPersonInImage, PersonSource::kMwgRegion}));
  EXPECT_EQ(text->persons[1].name, "Joe Biden");
  EXPECT_EQ(text->persons[1].uri, "urn:x:biden");
  EXPECT_FALSE(text->persons[1].written_by_facetag);
}

TEST_F(MetadataRead, SidecarWhenAsked) {
  const fs::path photo = CopyPhoto(kTwoPeople, dir_, "side.jpg");
  const fs::path sidecar = SidecarPath(photo);
  EXPECT_EQ(sidecar, dir_ / "side.xmp");
  const auto run = test_util::RunExiftool({"-q", "-o", sidecar.string(),
                                           "-XMP-dc:Description=Caption in the sidecar",
                                           "-XMP-iptcExt:PersonInImage=Joe Biden", photo.string()});
  ASSERT_EQ(run.status, 0) << run.output;

  auto plain = ReadPhotoText(photo);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->caption, "");
  EXPECT_FALSE(plain->from_sidecar);
  auto with_sidecar = ReadPhotoText(photo, {.read_sidecar = true});
  ASSERT_TRUE(with_sidecar) << with_sidecar.error().message;
  EXPECT_TRUE(with_sidecar->from_sidecar);
  EXPECT_EQ(with_sidecar->caption, "Caption in the sidecar");
  EXPECT_EQ(with_sidecar->caption_source, CaptionSource::kXmpDescription);
  ASSERT_EQ(with_sidecar->persons.size(), 1u);
  EXPECT_EQ(with_sidecar->persons[0].name, "Joe Biden");
}

TEST_F(MetadataRead, HostileFilesAreClearErrors) {
  const fs::path text_file = dir_ / "notes.jpg";
  std::ofstream(text_file) << "This is a text file with a .jpg name.\n";
  auto result = ReadPhotoText(text_file);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnsupportedFormat) << result.error().message;

  // Cut inside the EXIF segment: the metadata itself is damaged.
  auto bytes = test_util::ReadBytes(testing::DataFile(kObama));
  bytes.resize(3000);
  const fs::path truncated = dir_ / "truncated.jpg";
  test_util::WriteBytes(truncated, bytes);
  result = ReadPhotoText(truncated);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kCorruptImage) << result.error().message;

  const fs::path empty = dir_ / "empty.jpg";
  std::ofstream(empty).close();
  result = ReadPhotoText(empty);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnsupportedFormat);

  result = ReadPhotoText(dir_ / "missing.jpg");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);

  result = ReadPhotoText(dir_);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(MetadataRead, GarbageBytesNeverCrash) {
  // Every prefix length class and random damage of a real JPEG.
  const auto original = test_util::ReadBytes(testing::DataFile(kObama));
  std::mt19937 random(42);
  for (int round = 0; round < 60; ++round) {
    auto bytes = original;
    if (round < 20) {
      bytes.resize(std::size_t(random() % 30000));
    } else {
      for (int k = 0; k < 40; ++k)
        bytes[2 + random() % 30000] = static_cast<unsigned char>(random());
    }
    const fs::path path = dir_ / "damaged.jpg";
    test_util::WriteBytes(path, bytes);
    auto result = ReadPhotoText(path);  // any result or error, but no crash
    if (!result) {
      EXPECT_NE(result.error().code, ErrorCode::kInternal) << result.error().message;
    }
  }
}

TEST(PhotoTextIdentity, ChangesWithTheTextNotWithWhatFacetagWrites) {
  PhotoText text;
  text.caption = "Angela Merkel speaks in Berlin";
  text.caption_source = CaptionSource::kIptcCaption;
  text.keywords = {"politics", "Berlin"};
  const std::string identity = PhotoTextIdentity(text);
  EXPECT_EQ(identity.size(), 64u);
  PhotoText tagged = text;
  tagged.persons.push_back({"Angela Merkel", "", {}, true});
  tagged.exif_orientation = 6;
  EXPECT_EQ(PhotoTextIdentity(tagged), identity);
  PhotoText edited = text;
  edited.caption = "Angela Merkel speaks in Bonn";
  EXPECT_NE(PhotoTextIdentity(edited), identity);
  PhotoText moved = text;  // a keyword moved into the headline is a change
  moved.keywords = {"politics"};
  moved.headline = "Berlin";
  EXPECT_NE(PhotoTextIdentity(moved), identity);
}

}  // namespace
}  // namespace facetag::metadata
