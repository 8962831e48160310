// Tests of the archive's reading paths (facetag/archive.h): search (ranking of
// pictured and merely mentioned photos, paging, text and dates) and the pages
// of faces and captions that re-matching and discovery read.
#include "sqlite_archive_test_fixture.h"

namespace facetag {
namespace {

using namespace archive_test;  // the fixture and its helpers
namespace fs = std::filesystem;

// The fixture of the ranking tests: Rutte pictured or mentioned in photos
// of different confidence and date.
class ArchiveSearchTest : public ArchiveTest {
 protected:
  void SetUp() override {
    ArchiveTest::SetUp();
    Archive& archive = OpenArchive();
    rutte_ = AddPerson("Mark Rutte", {"Teflon Mark"});
    macron_ = AddPerson("Emmanuel Macron");
    const auto add = [&](int n, std::string caption, std::string date, std::vector<NewFace> faces,
                         std::vector<PersonId> mentioned) {
      NewPhoto photo = MakePhoto(n, std::move(caption), std::move(date));
      photo.faces = std::move(faces);
      for (const PersonId person : mentioned) {
        photo.mentions.push_back(
            MentionOf(photo, person, person == rutte_ ? "Mark Rutte" : "Emmanuel Macron"));
      }
      return Add(archive, photo);
    };
    const FaceBox box{10, 20, 30, 40};
    // Pictured, automatic, similarity 0.6, 2020.
    old_auto_ = add(1, "Mark Rutte at the summit", "2020-01-01",
                    {MakeFace(box, Named(rutte_, 0.6f))}, {rutte_});
    // Pictured, automatic, similarity 0.8, oldest.
    strong_ =
        add(2, "Dutch prime minister", "2018-05-05", {MakeFace(box, Named(rutte_, 0.8f))}, {});
    // Pictured, confirmed, similarity 0.5, with another face of him lower.
    confirmed_ = add(
        3, "The cabinet", "2019-03-03",
        {MakeFace({200, 20, 30, 40}, Named(rutte_, 0.45f)), MakeFace(box, Named(macron_, 0.5f))},
        {});
    // Pictured, automatic, similarity 0.6 like old_auto_ but newer.
    new_auto_ = add(4, "Press conference", "2021-01-01", {MakeFace(box, Named(rutte_, 0.6f))}, {});
    // Mentioned only: Macron pictured, caption names Rutte. Newer, then older.
    mentioned_new_ = add(5, "Emmanuel Macron, who met Mark Rutte", "2022-02-02",
                         {MakeFace(box, Named(macron_, 0.7f))}, {macron_, rutte_});
    mentioned_old_ =
        add(6, "Talks with Mark Rutte", "2017-07-07", {MakeFace(box, Unknown(0.2f))}, {rutte_});
    // Unrelated.
    unrelated_ = add(7, "A football match", "2021-06-06", {MakeFace(box, Unknown(0.1f))}, {});
    // An editor confirms the weaker Rutte face of the cabinet photo.
    const StoredPhoto cabinet = Get(archive, confirmed_);
    EXPECT_TRUE(Confirm(archive, cabinet.faces[0].id, rutte_, "editor"));
    confirmed_face_ = cabinet.faces[0].id;
  }

  PersonId rutte_ = 0, macron_ = 0;
  PhotoId old_auto_ = 0, strong_ = 0, confirmed_ = 0, new_auto_ = 0, mentioned_new_ = 0,
          mentioned_old_ = 0, unrelated_ = 0;
  FaceId confirmed_face_ = 0;
};

TEST_F(ArchiveSearchTest, PicturedRankedByConfirmationThenSimilarityThenRecency) {
  Archive& archive = store_->archive();
  SearchQuery query;
  query.person = rutte_;
  auto hits = archive.Search(query);
  ASSERT_TRUE(hits) << hits.error().message;
  std::vector<PhotoId> ids;
  for (const SearchHit& hit : *hits) {
    ids.push_back(hit.photo);
    EXPECT_EQ(hit.kind, HitKind::kPictured);
    EXPECT_TRUE(hit.face && hit.box);
  }
  EXPECT_EQ(ids, (std::vector<PhotoId>{confirmed_, strong_, new_auto_, old_auto_}));
  const SearchHit& top = (*hits)[0];
  EXPECT_TRUE(top.confirmed);
  EXPECT_EQ(top.face, confirmed_face_);
  EXPECT_EQ(top.box->x, 200);
  EXPECT_EQ(top.similarity, 0.45f);
  EXPECT_EQ(top.location, "/archive/photo_3.jpg");
  EXPECT_EQ(top.caption, "The cabinet");
  EXPECT_EQ(top.date, "2019-03-03");
  EXPECT_FALSE(top.date_is_ingest_time);
  EXPECT_EQ(top.sha256, Sha(3));
  EXPECT_FALSE((*hits)[1].confirmed);
  EXPECT_EQ((*hits)[1].similarity, 0.8f);
  EXPECT_EQ((*hits)[1].box->width, 30);
}

TEST_F(ArchiveSearchTest, MentionedOnlyPhotosComeAfterThePicturedAndAreMarked) {
  Archive& archive = store_->archive();
  SearchQuery query;
  query.person = rutte_;
  query.include_mentioned = true;
  auto hits = archive.Search(query);
  ASSERT_TRUE(hits) << hits.error().message;
  ASSERT_EQ(hits->size(), 6u);
  // old_auto_ is pictured and mentioned: it appears once, as pictured.
  std::vector<PhotoId> ids;
  for (const SearchHit& hit : *hits) ids.push_back(hit.photo);
  EXPECT_EQ(ids, (std::vector<PhotoId>{confirmed_, strong_, new_auto_, old_auto_, mentioned_new_,
                                       mentioned_old_}));
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ((*hits)[i].kind, HitKind::kPictured);
  for (std::size_t i = 4; i < 6; ++i) {
    EXPECT_EQ((*hits)[i].kind, HitKind::kMentioned);
    EXPECT_FALSE((*hits)[i].face);
    EXPECT_FALSE((*hits)[i].box);
    EXPECT_FALSE((*hits)[i].similarity);
  }
  EXPECT_STREQ(HitKindName((*hits)[4].kind), "mentioned");

  // A rejected tag takes the photo out of "pictured".
  const StoredPhoto strong = Get(archive, strong_);
  ASSERT_TRUE(Reject(archive, strong.faces[0].id, rutte_, "editor"));
  query.include_mentioned = false;
  EXPECT_EQ(SearchIds(archive, query), (std::vector<PhotoId>{confirmed_, new_auto_, old_auto_}));
  // An unknown person is no error, just no photos.
  query.person = 9999;
  EXPECT_TRUE(SearchIds(archive, query).empty());
}

TEST_F(ArchiveSearchTest, LimitAndOffsetPageThroughTheRanking) {
  Archive& archive = store_->archive();
  SearchQuery query;
  query.person = rutte_;
  query.include_mentioned = true;
  const std::vector<PhotoId> all = SearchIds(archive, query);
  ASSERT_EQ(all.size(), 6u);
  std::vector<PhotoId> paged;
  query.limit = 4;
  for (query.offset = 0; query.offset < 8; query.offset += 4) {
    const auto page = SearchIds(archive, query);
    EXPECT_LE(page.size(), 4u);
    paged.insert(paged.end(), page.begin(), page.end());
  }
  EXPECT_EQ(paged, all);
  query.offset = 6;
  EXPECT_TRUE(SearchIds(archive, query).empty());
  query.offset = -1;
  EXPECT_EQ(archive.Search(query).error().code, ErrorCode::kInvalidArgument);
  query.offset = 0;
  query.limit = 0;
  EXPECT_EQ(archive.Search(query).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ArchiveSearchTest, TextAndPersonCombine) {
  Archive& archive = store_->archive();
  SearchQuery query;
  query.person = rutte_;
  query.include_mentioned = true;
  query.text = "summit";
  EXPECT_EQ(SearchIds(archive, query), std::vector<PhotoId>{old_auto_});
  query.text = "talks";
  EXPECT_EQ(SearchIds(archive, query), std::vector<PhotoId>{mentioned_old_});
  // Text alone: by date, newest first; names of the persons pictured count
  // (the alias too), captions that mention them also.
  query = {};
  query.text = "teflon";
  EXPECT_EQ(SearchIds(archive, query),
            (std::vector<PhotoId>{new_auto_, old_auto_, confirmed_, strong_}));
  query.text = "Rutte";
  EXPECT_EQ(SearchIds(archive, query), (std::vector<PhotoId>{mentioned_new_, new_auto_, old_auto_,
                                                             confirmed_, strong_, mentioned_old_}));
  auto hits = archive.Search(query);
  ASSERT_TRUE(hits);
  EXPECT_EQ((*hits)[0].kind, HitKind::kText);
  EXPECT_FALSE((*hits)[0].face);
}

TEST_F(ArchiveSearchTest, DateRangeUsesDateCreatedElseIngestTime) {
  Archive& archive = store_->archive();
  // No creation date, and one that is not a date: both fall back to the
  // time of ingest (now).
  const PhotoId undated = Add(archive, MakePhoto(20, "Rutte undated"));
  const PhotoId odd = Add(archive, MakePhoto(21, "Rutte odd date", "Tuesday"));
  SearchQuery query;
  query.text = "Rutte";
  query.date_from = "2019";
  query.date_to = "2021-01-01";
  EXPECT_EQ(SearchIds(archive, query), (std::vector<PhotoId>{new_auto_, old_auto_, confirmed_}));
  query.date_from = "2020-01";
  query.date_to = "2020-01";
  EXPECT_EQ(SearchIds(archive, query), std::vector<PhotoId>{old_auto_});
  query.date_from = "2022-02-02T00";
  query.date_to = "";
  auto hits = archive.Search(query);
  ASSERT_TRUE(hits) << hits.error().message;
  std::set<PhotoId> recent;
  for (const SearchHit& hit : *hits) recent.insert(hit.photo);
  // mentioned_new_'s "2022-02-02" sorts before "2022-02-02T00".
  EXPECT_EQ(recent, (std::set<PhotoId>{undated, odd}));
  for (const SearchHit& hit : *hits) {
    EXPECT_TRUE(hit.date_is_ingest_time);
    EXPECT_EQ(hit.date, Get(archive, hit.photo).ingested_at);
  }
  query.date_from = "";
  query.date_to = "2017-12-31";
  EXPECT_EQ(SearchIds(archive, query), std::vector<PhotoId>{mentioned_old_});
  // With a person: the range filters, the ranking stays.
  query = {};
  query.person = rutte_;
  query.date_from = "2018";
  query.date_to = "2020";
  EXPECT_EQ(SearchIds(archive, query), (std::vector<PhotoId>{confirmed_, strong_, old_auto_}));
  for (const std::string bad : {"06/12/2012", "2012-1", "12", "2012-12-06 10:00", "20121206"}) {
    query.date_from = bad;
    auto refused = archive.Search(query);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST_F(ArchiveTest, TextSearchIgnoresCaseAndDiacritics) {
  Archive& archive = OpenArchive();
  const PersonId soren = AddPerson("Søren Kierkegaard");
  const PhotoId muller = Add(archive, MakePhoto(1, "Thomas Müller celebrates in München"));
  const PhotoId walesa = Add(archive, MakePhoto(2, "Lech Wałęsa at the Gdańsk shipyard"));
  const PhotoId plain = Add(archive, MakePhoto(3, "Lukasz Fabianski and Lech Walesa, unaccented"));
  NewPhoto headline = MakePhoto(4);
  headline.info.headline = "Straße in Köln";
  headline.info.keywords = {"Œuvre", "Ærøskøbing"};
  const PhotoId street = Add(archive, headline);
  NewPhoto pictured = MakePhoto(5, "A philosopher");
  pictured.faces.push_back(MakeFace({0, 0, 50, 50}, Named(soren, 0.7f)));
  const PhotoId philosopher = Add(archive, pictured);

  EXPECT_EQ(TextSearch(archive, "muller"), std::vector<PhotoId>{muller});
  EXPECT_EQ(TextSearch(archive, "MÜLLER"), std::vector<PhotoId>{muller});
  EXPECT_EQ(TextSearch(archive, "Mueller"), std::vector<PhotoId>{});  // no umlaut transcription
  EXPECT_EQ(TextSearch(archive, "muenchen munchen").size(), 0u);
  EXPECT_EQ(TextSearch(archive, "thomas munchen"), std::vector<PhotoId>{muller});
  // Letters unicode61 does not fold: through the folded words.
  // (Undated photos rank by ingest time, then the newer id first.)
  EXPECT_EQ(TextSearch(archive, "walesa"), (std::vector<PhotoId>{plain, walesa}));
  EXPECT_EQ(TextSearch(archive, "Wałęsa"), (std::vector<PhotoId>{plain, walesa}));
  EXPECT_EQ(TextSearch(archive, "Łukasz"), std::vector<PhotoId>{plain});
  EXPECT_EQ(TextSearch(archive, "gdansk"), std::vector<PhotoId>{walesa});
  EXPECT_EQ(TextSearch(archive, "strasse koln"), std::vector<PhotoId>{street});
  EXPECT_EQ(TextSearch(archive, "oeuvre"), std::vector<PhotoId>{street});
  EXPECT_EQ(TextSearch(archive, "aeroskobing"), std::vector<PhotoId>{street});
  // The names of the persons pictured, not only the caption.
  EXPECT_EQ(TextSearch(archive, "soren kierkegaard"), std::vector<PhotoId>{philosopher});
  EXPECT_EQ(TextSearch(archive, "Søren"), std::vector<PhotoId>{philosopher});
  // An alias added later reaches the photos already tagged.
  ASSERT_TRUE(store_->AddAlias(soren, "Johannes Climacus"));
  EXPECT_EQ(TextSearch(archive, "climacus"), std::vector<PhotoId>{philosopher});
  ExpectTextIndexConsistent();
}

TEST_F(ArchiveTest, TextSearchTakesEveryInputAsPlainWords) {
  Archive& archive = OpenArchive();
  const PhotoId muller = Add(archive, MakePhoto(1, "Thomas Müller scores"));
  const PhotoId near = Add(archive, MakePhoto(2, "near the goal, or not"));
  const PhotoId other = Add(archive, MakePhoto(3, "something else entirely"));

  struct Case {
    std::string text;
    std::vector<PhotoId> expected;
  };
  const std::vector<Case> cases = {
      // FTS5 operators are words like any other.
      {"thomas OR nothing", {}},
      {"muller OR", {}},
      {"NEAR(thomas scores)", {}},  // the words "near thomas" and "scores"
      {"NEAR(the goal)", {near}},
      {"thomas NOT scores", {}},
      {"NOT", {near}},
      {"or", {near}},
      {"muller AND", {}},
      // Prefix and initial-token markers are not operators.
      {"mul*", {}},
      {"scor*", {}},
      {"^thomas", {muller}},
      {"*", {}},
      // Column filters are not honoured: "caption:" is a word.
      {"caption:thomas", {}},
      {"{caption headline}:thomas", {}},
      {"headline : thomas", {}},
      // Quotes of every kind.
      {"\"", {}},
      {"\"thomas", {muller}},
      {"thomas\" OR \"something", {}},
      {"\"\"", {}},
      {"Müller\"scores", {muller}},
      {"'thomas'", {muller}},
      // Grouping and junk.
      {"(thomas", {muller}},
      {")", {}},
      {"+ - :", {}},
      {"thomas -- ;", {muller}},
  };
  for (const Case& c : cases) {
    SearchQuery query;
    query.text = c.text;
    auto hits = archive.Search(query);
    ASSERT_TRUE(hits) << "[" << c.text << "]: " << hits.error().message;
    std::vector<PhotoId> ids;
    for (const SearchHit& hit : *hits) ids.push_back(hit.photo);
    EXPECT_EQ(ids, c.expected) << "[" << c.text << "]";
  }
  EXPECT_EQ(TextSearch(archive, "   ").size(), 3u);  // no words: no text criterion
  EXPECT_EQ(TextSearch(archive, "else entirely"), std::vector<PhotoId>{other});
  SearchQuery invalid;
  invalid.text = "caf\xE9";
  EXPECT_EQ(archive.Search(invalid).error().code, ErrorCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// Concurrency and read-only use

TEST_F(ArchiveTest, FacesForModelPagesThroughTenThousandFacesWithBoundedPages) {
  Archive& archive = OpenArchive();
  const PersonId rutte = AddPerson("Mark Rutte");
  constexpr int kPhotos = 1000;
  constexpr int kFacesPerPhoto = 10;
  constexpr int kDimension = 128;
  PhotoId photo_with_mention = 0;
  for (int p = 0; p < kPhotos; ++p) {
    NewPhoto photo = MakePhoto(p, p == 3 ? "Mark Rutte" : "");
    for (int k = 0; k < kFacesPerPhoto; ++k) {
      NewFace face = MakeFace({static_cast<float>(k) * 20, 0, 15, 15}, Unknown(0.1f),
                              p * kFacesPerPhoto + k, kDimension);
      photo.faces.push_back(std::move(face));
    }
    // Faces of another model are interleaved and never returned.
    NewFace other = MakeFace({500, 500, 15, 15}, Unknown(), p, 16);
    other.detected.embedding.model_id = "other-model";
    photo.faces.push_back(std::move(other));
    if (p == 3) photo.mentions.push_back(MentionOf(photo, rutte, "Mark Rutte"));
    auto id = archive.AddPhoto(photo);
    ASSERT_TRUE(id) << p << ": " << id.error().message;
    if (p == 3) photo_with_mention = *id;
  }
  const FaceId some_face = Get(archive, photo_with_mention).faces[4].id;
  ASSERT_TRUE(Reject(archive, some_face, rutte, "editor"));

  constexpr int kPage = 1000;
  std::size_t total = 0;
  std::size_t largest_capacity = 0;
  FaceId after = 0;
  FaceId previous = 0;
  int pages = 0;
  bool saw_annotated_face = false;
  for (;;) {
    auto page = archive.FacesForModel(kModel, after, kPage);
    ASSERT_TRUE(page) << page.error().message;
    ++pages;
    ASSERT_LE(page->faces.size(), static_cast<std::size_t>(kPage));
    largest_capacity = std::max(largest_capacity, page->faces.capacity());
    for (const FaceForMatching& face : page->faces) {
      ASSERT_GT(face.id, previous);
      previous = face.id;
      ASSERT_EQ(face.embedding.size(), static_cast<std::size_t>(kDimension));
      if (face.id == some_face) {
        saw_annotated_face = true;
        EXPECT_EQ(face.rejected, std::vector<PersonId>{rutte});
        EXPECT_EQ(face.mentioned, std::vector<PersonId>{rutte});
        EXPECT_EQ(face.embedding, Values(3 * kFacesPerPhoto + 4, kDimension));
        EXPECT_EQ(face.tag.similarity, 0.1f);
      }
    }
    total += page->faces.size();
    if (page->next_after == 0) break;
    EXPECT_EQ(page->next_after, page->faces.back().id);
    after = page->next_after;
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kPhotos * kFacesPerPhoto));
  EXPECT_EQ(pages, kPhotos * kFacesPerPhoto / kPage);  // the last full page says "no more"
  EXPECT_TRUE(saw_annotated_face);
  // One page's faces at a time, never the archive's.
  EXPECT_LE(largest_capacity, static_cast<std::size_t>(2 * kPage));

  auto other = archive.FacesForModel("other-model", 0, 100000);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->faces.size(), static_cast<std::size_t>(kPhotos));
  EXPECT_EQ(other->next_after, 0);
  EXPECT_EQ(archive.FacesForModel(kModel, 0, 0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(archive.FacesForModel("", 0, 10).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(archive.FacesForModel("unknown-model", 0, 10)->faces.empty());
}

TEST_F(ArchiveTest, CaptionsAfterAndReplaceMentionsForANewlyListedPerson) {
  Archive& archive = OpenArchive();
  const PhotoId with_caption = Add(archive, MakePhoto(1, "Dick Schoof arrives"));
  Add(archive, MakePhoto(2, ""));
  const PhotoId another = Add(archive, MakePhoto(3, "Schoof and aides"));
  auto page = archive.CaptionsAfter(0, 1);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->photos.size(), 1u);
  EXPECT_EQ(page->photos[0].id, with_caption);
  EXPECT_EQ(page->next_after, with_caption);
  auto rest = archive.CaptionsAfter(page->next_after, 10);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->photos.size(), 1u);
  EXPECT_EQ(rest->photos[0].id, another);
  EXPECT_EQ(rest->next_after, 0);

  const PersonId schoof = AddPerson("Dick Schoof");
  const std::string caption = "Dick Schoof arrives";
  ASSERT_TRUE(archive.ReplaceMentions(with_caption, {{schoof, 0, 11, "Dick Schoof", "full_name"}}));
  EXPECT_EQ(Get(archive, with_caption).mentions.size(), 1u);
  SearchQuery query;
  query.person = schoof;
  query.include_mentioned = true;
  EXPECT_EQ(SearchIds(archive, query), std::vector<PhotoId>{with_caption});
  EXPECT_EQ(archive.ReplaceMentions(with_caption, {{schoof, 0, 5, "Dick Schoof", "full_name"}})
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(archive.ReplaceMentions(9999, {}).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(archive.ReplaceMentions(with_caption, {}));
  EXPECT_TRUE(Get(archive, with_caption).mentions.empty());
}

// ---------------------------------------------------------------------------
// Corrections and the audit log

TEST_F(ArchiveTest, ListFacesFiltersNewestFirstAndPages) {
  Archive& archive = OpenArchive();
  const PersonId rutte = AddPerson("Mark Rutte");
  NewPhoto first = MakePhoto(1);
  first.faces.push_back(MakeFace({0, 0, 50, 50}, Named(rutte, 0.6f), 1));
  first.faces.push_back(MakeFace({100, 0, 50, 50}, Unknown(0.2f), 2));
  Add(archive, first);
  NewPhoto second = MakePhoto(2);
  second.faces.push_back(MakeFace({10, 20, 30, 40}, Named(rutte, 0.7f), 3));
  const PhotoId second_id = Add(archive, second);

  FaceQuery named;
  named.decision = FaceDecision::kRecognized;
  named.status = TagStatus::kAutomatic;
  auto faces = archive.ListFaces(named);
  ASSERT_TRUE(faces) << faces.error().message;
  ASSERT_EQ(faces->size(), 2u);
  EXPECT_EQ((*faces)[0].photo, second_id);
  EXPECT_EQ((*faces)[0].location, "/archive/photo_2.jpg");
  EXPECT_EQ((*faces)[0].box.height, 40.0f);
  EXPECT_EQ((*faces)[0].tag.person, rutte);
  EXPECT_GT((*faces)[0].id, (*faces)[1].id);

  named.before = (*faces)[0].id;
  auto next = archive.ListFaces(named);
  ASSERT_TRUE(next);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].id, (*faces)[1].id);

  FaceQuery unknown;
  unknown.decision = FaceDecision::kUnknown;
  ASSERT_EQ(archive.ListFaces(unknown)->size(), 1u);
  ASSERT_TRUE(Confirm(archive, (*faces)[0].id, rutte, "anna"));
  FaceQuery confirmed;
  confirmed.status = TagStatus::kConfirmed;
  EXPECT_EQ(archive.ListFaces(confirmed)->size(), 1u);
  FaceQuery bad;
  bad.limit = 0;
  EXPECT_EQ(archive.ListFaces(bad).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace facetag
