// The XMP layout on exiv2's data model, without files: replacement of
// facetag's entries, preservation of others', idempotency, reading back.
#include "xmp_layout.h"

#include <gtest/gtest.h>

namespace facetag::metadata::detail {
namespace {

TagSet TwoPeople() {
  TagSet tags;
  tags.width = 1000;
  tags.height = 500;
  tags.pictured = {
      {"Barack Obama",
       "urn:uuid:0b",
       {100, 50, 80, 100},
       {TagOrigin::kAutomatic, 0.71234f, "default-1", "2024-05-01T12:00:00Z"}},
      {"Joe Biden",
       "urn:uuid:b1",
       {600, 60, 90, 110},
       {TagOrigin::kConfirmed, 0.5f, "default-1", ""}},
  };
  tags.mentioned = {{"Kamala Harris", "urn:uuid:ha"}};
  return tags;
}

Exiv2::XmpData Apply(const Exiv2::XmpData& existing, const TagSet& tags) {
  auto valid = ValidateTagSet(tags);
  EXPECT_TRUE(valid) << valid.error().message;
  auto update =
      ApplyTagSet(existing, *valid, StoredSize(tags.width, tags.height, tags.exif_orientation));
  EXPECT_TRUE(update) << update.error().message;
  return update ? update->xmp : Exiv2::XmpData();
}

// Another tool's data: a caption, a name, a face region in each scheme.
Exiv2::XmpData Foreign() {
  EnsureExiv2();
  Exiv2::XmpData xmp;
  AddLangAlt(xmp, "Xmp.dc.description", "A caption");
  AddBag(xmp, kPersonInImageKey, {"Someone Else"});
  AddStructBag(xmp, kImageRegionKey);
  AddStruct(xmp, kImageRegionKey + "[1]");
  AddLangAlt(xmp, kImageRegionKey + "[1]/Iptc4xmpExt:Name", "Their region");
  AddStruct(xmp, kMwgRegionsKey);
  AddStructBag(xmp, kMwgRegionListKey);
  AddStruct(xmp, kMwgRegionListKey + "[1]");
  AddText(xmp, kMwgRegionListKey + "[1]/mwg-rs:Type", "Face");
  AddText(xmp, kMwgRegionListKey + "[1]/mwg-rs:Name", "Someone Else");
  return xmp;
}

// exiv2 must know facetag's and IPTC's prefixes before any XMP is built;
// each test may run alone (ctest runs every test in its own process).
class MetadataLayout : public ::testing::Test {
 protected:
  void SetUp() override { EnsureExiv2(); }
};

TEST_F(MetadataLayout, WritesEveryPartOfTheLayout) {
  EnsureExiv2();
  const Exiv2::XmpData xmp = Apply({}, TwoPeople());
  EXPECT_EQ(XmpItems(xmp, kPersonInImageKey),
            (std::vector<std::string>{"Barack Obama", "Joe Biden"}));
  EXPECT_EQ(XmpText(xmp, kPersonDetailsKey + "[2]/Iptc4xmpExt:PersonName"), "Joe Biden");
  EXPECT_EQ(XmpItems(xmp, kPersonDetailsKey + "[2]/Iptc4xmpExt:PersonId"),
            std::vector<std::string>{"urn:uuid:b1"});
  const std::string boundary = kImageRegionKey + "[1]/Iptc4xmpExt:RegionBoundary/Iptc4xmpExt:";
  EXPECT_EQ(XmpText(xmp, boundary + "rbShape"), "rectangle");
  EXPECT_EQ(XmpText(xmp, boundary + "rbUnit"), "relative");
  EXPECT_EQ(XmpText(xmp, boundary + "rbX"), "0.1");
  EXPECT_EQ(XmpText(xmp, boundary + "rbY"), "0.1");
  EXPECT_EQ(XmpText(xmp, boundary + "rbW"), "0.08");
  EXPECT_EQ(XmpText(xmp, boundary + "rbH"), "0.2");
  const std::string area = kMwgRegionListKey + "[1]/mwg-rs:Area/stArea:";
  EXPECT_EQ(XmpText(xmp, area + "x"), "0.14");  // centre: (100 + 40) / 1000
  EXPECT_EQ(XmpText(xmp, area + "y"), "0.2");   // (50 + 50) / 500
  EXPECT_EQ(XmpText(xmp, area + "unit"), "normalized");
  EXPECT_EQ(XmpText(xmp, kMwgDimensionsKey + "/stDim:w"), "1000");
  EXPECT_EQ(XmpText(xmp, kFacetagPicturedKey + "[1]/facetag:Similarity"), "0.7123");
  EXPECT_EQ(XmpText(xmp, kFacetagPicturedKey + "[2]/facetag:Origin"), "confirmed");
  EXPECT_EQ(XmpText(xmp, kFacetagMentionedKey + "[1]/facetag:Name"), "Kamala Harris");
  // Exiv2 serialises it and reads back the same.
  auto packet = EncodeXmp(xmp, PacketStyle::kEmbedded);
  ASSERT_TRUE(packet) << packet.error().message;
  auto reread = DecodeXmp(*packet);
  ASSERT_TRUE(reread);
  EXPECT_EQ(CanonicalForm(*reread), CanonicalForm(xmp));
}

TEST_F(MetadataLayout, SecondApplicationChangesNothing) {
  const Exiv2::XmpData once = Apply(Foreign(), TwoPeople());
  auto packet = EncodeXmp(once, PacketStyle::kEmbedded);
  ASSERT_TRUE(packet);
  auto reread = DecodeXmp(*packet);  // as the next run would find it
  ASSERT_TRUE(reread);
  EXPECT_EQ(CanonicalForm(Apply(*reread, TwoPeople())), CanonicalForm(*reread));
}

TEST_F(MetadataLayout, OthersEntriesStayAndFacetagsGoWithAnEmptyTagSet) {
  const Exiv2::XmpData foreign = Foreign();
  const Exiv2::XmpData tagged = Apply(foreign, TwoPeople());
  EXPECT_EQ(XmpItems(tagged, kPersonInImageKey),
            (std::vector<std::string>{"Someone Else", "Barack Obama", "Joe Biden"}));
  EXPECT_EQ(ArrayItems(tagged, kImageRegionKey).size(), 3u);
  EXPECT_EQ(ArrayItems(tagged, kMwgRegionListKey).size(), 3u);
  EXPECT_EQ(XmpText(tagged, kMwgRegionListKey + "[1]/mwg-rs:Name"), "Someone Else");

  TagSet none;
  none.width = 1000;
  none.height = 500;
  const Exiv2::XmpData untagged = Apply(tagged, none);
  // Everything facetag added is gone except the MWG dimensions, which now
  // describe the foreign region's image.
  std::vector<std::string> expected = CanonicalForm(foreign);
  std::vector<std::string> actual = CanonicalForm(untagged);
  std::erase_if(actual, [](const std::string& line) {
    return KeyIsUnder(line.substr(0, line.find('\x1f')), kMwgDimensionsKey);
  });
  EXPECT_EQ(actual, expected);
}

TEST_F(MetadataLayout, RemovedPersonLeavesNoTrace) {
  const Exiv2::XmpData both = Apply({}, TwoPeople());
  TagSet obama_only = TwoPeople();
  obama_only.pictured.pop_back();
  obama_only.mentioned.clear();
  auto valid = ValidateTagSet(obama_only);
  ASSERT_TRUE(valid);
  auto update = ApplyTagSet(both, *valid, {1000, 500});
  ASSERT_TRUE(update);
  EXPECT_EQ(XmpItems(update->xmp, kPersonInImageKey), std::vector<std::string>{"Barack Obama"});
  EXPECT_EQ(ArrayItems(update->xmp, kPersonDetailsKey).size(), 1u);
  EXPECT_EQ(ArrayItems(update->xmp, kImageRegionKey).size(), 1u);
  EXPECT_EQ(ArrayItems(update->xmp, kMwgRegionListKey).size(), 1u);
  EXPECT_EQ(FindXmp(update->xmp, kFacetagMentionedKey), nullptr);
  EXPECT_EQ(update->report.names_removed, std::vector<std::string>{"Joe Biden"});
  EXPECT_EQ(update->report.mentioned_removed, std::vector<std::string>{"Kamala Harris"});
  EXPECT_EQ(update->report.regions_removed, 1);
  EXPECT_EQ(update->report.regions_written, 1);
}

TEST_F(MetadataLayout, NameTypedByHandIsNeitherDuplicatedNorRemoved) {
  EnsureExiv2();
  Exiv2::XmpData typed;
  AddBag(typed, kPersonInImageKey, {"Barack Obama"});
  const Exiv2::XmpData tagged = Apply(typed, TwoPeople());
  EXPECT_EQ(XmpItems(tagged, kPersonInImageKey),
            (std::vector<std::string>{"Barack Obama", "Joe Biden"}));
  EXPECT_EQ(XmpText(tagged, kFacetagPicturedKey + "[1]/facetag:AddedName"), "False");
  TagSet none;
  none.width = 1000;
  none.height = 500;
  EXPECT_EQ(XmpItems(Apply(tagged, none), kPersonInImageKey),
            std::vector<std::string>{"Barack Obama"});
}

TEST_F(MetadataLayout, PersonInImageWrittenAsSeqStaysSeq) {
  EnsureExiv2();
  Exiv2::XmpData seq;
  AddBag(seq, kPersonInImageKey, {"Someone Else"}, Exiv2::xmpSeq);
  const Exiv2::XmpData tagged = Apply(seq, TwoPeople());
  EXPECT_EQ(FindXmp(tagged, kPersonInImageKey)->typeId(), Exiv2::xmpSeq);
  EXPECT_EQ(CanonicalForm(Apply(tagged, TwoPeople())), CanonicalForm(tagged));
}

TEST_F(MetadataLayout, DuplicatedFacetagRegionIsCollapsed) {
  Exiv2::XmpData tagged = Apply({}, TwoPeople());
  // Another tool copied facetag's first MWG region (marker included).
  const auto items = ArrayItems(tagged, kMwgRegionListKey);
  const int copy = static_cast<int>(items.size()) + 1;
  Exiv2::XmpData duplicate;
  for (const auto* datum : items.at(1)) {
    AddCopy(duplicate,
            kMwgRegionListKey + "[" + std::to_string(copy) + "]" +
                datum->key().substr((kMwgRegionListKey + "[1]").size()),
            *datum);
  }
  for (const auto& datum : duplicate) tagged.add(datum);
  ASSERT_EQ(ArrayItems(tagged, kMwgRegionListKey).size(), 3u);
  EXPECT_EQ(ArrayItems(Apply(tagged, TwoPeople()), kMwgRegionListKey).size(), 2u);
}

TEST_F(MetadataLayout, ReadsBackWhatItWroteInEveryOrientation) {
  for (int orientation = 1; orientation <= 8; ++orientation) {
    TagSet tags = TwoPeople();
    tags.exif_orientation = orientation;
    const Exiv2::XmpData xmp = Apply({}, tags);
    const PixelSize stored = StoredSize(tags.width, tags.height, orientation);
    const TagSet back = ReadFacetagTags(xmp, stored, orientation);
    EXPECT_EQ(back.width, tags.width);
    EXPECT_EQ(back.height, tags.height);
    ASSERT_EQ(back.pictured.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
      const auto& a = tags.pictured[i];
      const auto& b = back.pictured[i];
      EXPECT_EQ(b.name, a.name);
      EXPECT_EQ(b.uri, a.uri);
      EXPECT_EQ(b.provenance.origin, a.provenance.origin);
      EXPECT_NEAR(b.provenance.similarity, a.provenance.similarity, 1e-4);
      EXPECT_EQ(b.provenance.tagged_at, a.provenance.tagged_at);
      EXPECT_NEAR(b.box.x, a.box.x, 0.01) << orientation;
      EXPECT_NEAR(b.box.y, a.box.y, 0.01) << orientation;
      EXPECT_NEAR(b.box.width, a.box.width, 0.01) << orientation;
      EXPECT_NEAR(b.box.height, a.box.height, 0.01) << orientation;
    }
    ASSERT_EQ(back.mentioned.size(), 1u);
    EXPECT_EQ(back.mentioned[0].uri, "urn:uuid:ha");
  }
}

TEST_F(MetadataLayout, PersonsNamedAnywhere) {
  Exiv2::XmpData xmp = Apply(Foreign(), TwoPeople());
  const auto persons = ReadNamedPersons(xmp);
  ASSERT_EQ(persons.size(), 3u);
  EXPECT_EQ(persons[0].name, "Someone Else");
  EXPECT_FALSE(persons[0].written_by_facetag);
  EXPECT_EQ(persons[0].sources,
            (std::vector<PersonSource>{PersonSource::kPersonInImage, PersonSource::kMwgRegion}));
  EXPECT_EQ(persons[1].name, "Barack Obama");
  EXPECT_EQ(persons[1].uri, "urn:uuid:0b");
  EXPECT_TRUE(persons[1].written_by_facetag);
  EXPECT_EQ(persons[1].sources.size(), 4u);
}

TEST_F(MetadataLayout, ValidationClipsBoxesAndNamesTheBadValue) {
  TagSet tags = TwoPeople();
  tags.pictured[0].box = {-20, -10, 100, 100};  // cut by the frame
  auto valid = ValidateTagSet(tags);
  ASSERT_TRUE(valid);
  EXPECT_FLOAT_EQ(valid->pictured[0].box.x, 0);
  EXPECT_FLOAT_EQ(valid->pictured[0].box.width, 80);
  EXPECT_FLOAT_EQ(valid->pictured[0].box.height, 90);

  auto expect_invalid = [](TagSet t, const std::string& needle) {
    auto result = ValidateTagSet(t);
    ASSERT_FALSE(result) << needle;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(result.error().message.find(needle), std::string::npos) << result.error().message;
  };
  TagSet bad = TwoPeople();
  bad.pictured[1].uri = bad.pictured[0].uri;
  expect_invalid(bad, "urn:uuid:0b");
  bad = TwoPeople();
  bad.pictured[0].box = {2000, 0, 10, 10};
  expect_invalid(bad, "outside");
  bad = TwoPeople();
  bad.pictured[0].name = " ";
  expect_invalid(bad, "name");
  bad = TwoPeople();
  bad.exif_orientation = 9;
  expect_invalid(bad, "9");
  bad = TwoPeople();
  bad.width = 0;
  expect_invalid(bad, "0x500");
  bad = TwoPeople();
  bad.mentioned.push_back({"Joe Biden", "urn:uuid:b1"});  // pictured and "not pictured"
  expect_invalid(bad, "urn:uuid:b1");
  bad = TwoPeople();
  bad.pictured[0].provenance.similarity = 2;
  expect_invalid(bad, "similarity");
}

TEST_F(MetadataLayout, NestedPrefixOfAnotherWriterIsNormalised) {
  EnsureExiv2();
  // A packet as exiv2 writes it in a process that registered "iptcExt" for
  // the IPTC Extension namespace (digiKam and earlier exiv2 users do).
  const std::string packet =
      R"(<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:iptcExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">
<iptcExt:PersonInImageWDetails><rdf:Bag><rdf:li rdf:parseType="Resource">
<iptcExt:PersonName><rdf:Alt><rdf:li xml:lang="x-default">Someone Else</rdf:li></rdf:Alt></iptcExt:PersonName>
<iptcExt:PersonId><rdf:Bag><rdf:li>urn:other:1</rdf:li></rdf:Bag></iptcExt:PersonId>
</rdf:li></rdf:Bag></iptcExt:PersonInImageWDetails></rdf:Description></rdf:RDF></x:xmpmeta>)";
  auto xmp = DecodeXmp(packet);
  ASSERT_TRUE(xmp) << xmp.error().message;
  EXPECT_EQ(XmpText(*xmp, kPersonDetailsKey + "[1]/Iptc4xmpExt:PersonName"), "Someone Else");
  const Exiv2::XmpData tagged = Apply(*xmp, TwoPeople());
  auto encoded = EncodeXmp(tagged, PacketStyle::kEmbedded);
  ASSERT_TRUE(encoded) << encoded.error().message;
  auto reread = DecodeXmp(*encoded);
  ASSERT_TRUE(reread);
  EXPECT_EQ(CanonicalForm(*reread), CanonicalForm(tagged));
  EXPECT_EQ(ArrayItems(*reread, kPersonDetailsKey).size(), 3u);
}

}  // namespace
}  // namespace facetag::metadata::detail
