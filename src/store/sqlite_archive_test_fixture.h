// The fixture of the SQLite archive tests (sqlite_archive_test.cc,
// sqlite_archive_search_test.cc): an archive on a real database file in a
// temporary folder, and helpers that make photos, faces and decisions.
#pragma once

#include <gtest/gtest.h>
#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "facetag/archive.h"
#include "facetag/file_io.h"
#include "facetag/store.h"
#include "raw_sql_for_tests.h"
#include "sqlite_migrations.h"

namespace facetag::archive_test {

namespace fs = std::filesystem;

inline const int kLatestVersion = static_cast<int>(store::SqliteMigrations().size());
inline constexpr char kModel[] = "test-model";

// A distinct, valid SHA-256 text per number.
inline std::string Sha(int n) {
  char text[65];
  std::snprintf(text, sizeof(text), "%064x", n);
  return text;
}

// A deterministic unit-free vector; `seed` makes it differ between faces.
inline std::vector<float> Values(int seed, int dimension = 4) {
  std::vector<float> values(static_cast<std::size_t>(dimension));
  for (int i = 0; i < dimension; ++i) {
    values[static_cast<std::size_t>(i)] = std::sin(static_cast<float>(seed * 31 + i)) + 0.25f;
  }
  return values;
}

inline FaceTag Named(PersonId person, float similarity, bool by_mention = false) {
  return FaceTag{person, similarity, FaceDecision::kRecognized, by_mention};
}

inline FaceTag Unknown(std::optional<float> similarity = std::nullopt) {
  return FaceTag{std::nullopt, similarity, FaceDecision::kUnknown, false};
}

inline NewFace MakeFace(FaceBox box, FaceTag tag = Unknown(), int seed = 1, int dimension = 4) {
  NewFace face;
  face.detected.box = box;
  face.detected.detection_score = 0.9f;
  for (std::size_t i = 0; i < face.detected.landmarks.size(); ++i) {
    face.detected.landmarks[i] = {box.x + static_cast<float>(i) * 0.5f,
                                  box.y + static_cast<float>(i) * 0.25f};
  }
  face.detected.embedding = {kModel, Values(seed, dimension)};
  face.tag = tag;
  return face;
}

inline NewPhoto MakePhoto(int n, std::string caption = "", std::string date_created = "") {
  NewPhoto photo;
  photo.info.sha256 = Sha(n);
  photo.info.location = "/archive/photo_" + std::to_string(n) + ".jpg";
  photo.info.size_bytes = 1000u + static_cast<std::uint64_t>(n);
  photo.info.width = 1024;
  photo.info.height = 768;
  photo.info.caption = std::move(caption);
  photo.info.caption_source = photo.info.caption.empty() ? "none" : "iptc";
  photo.info.date_created = std::move(date_created);
  return photo;
}

// The mention of `name` at its first occurrence in the photo's caption.
inline PhotoMention MentionOf(const NewPhoto& photo, PersonId person, const std::string& name) {
  const std::size_t begin = photo.info.caption.find(name);
  EXPECT_NE(begin, std::string::npos) << name;
  return PhotoMention{person, begin, begin + name.size(), name, "full_name"};
}

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = fs::temp_directory_path() /
           ("facetag_archive_test_" + std::to_string(randombytes_random()));
    ASSERT_TRUE(MakePrivateFolder(dir_));  // a database folder must be private
    path_ = dir_ / "facetag.db";
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Archive& OpenArchive() {
    auto store = Store::OpenSqlite(path_);
    EXPECT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    return store_->archive();
  }

  PersonId AddPerson(const std::string& name, std::vector<std::string> aliases = {}) {
    auto person = store_->AddPerson({name, std::move(aliases), "", {}});
    EXPECT_TRUE(person) << person.error().message;
    return person ? person->id : 0;
  }

  // Runs `sql` with SQLite itself on its own connection; returns the result
  // code and the first column of the first row.
  std::pair<int, std::string> Raw(const std::string& sql) {
    auto result = store::RunRawSql(path_, sql);
    return {result.rc, std::move(result.first)};
  }

  std::string RawSql(const std::string& sql) {
    auto [rc, first] = Raw(sql);
    EXPECT_EQ(rc, SQLITE_OK) << sql;
    return first;
  }

  // The full-text index holds exactly what the photos table says (the
  // rank-1 form compares the index with the external content).
  void ExpectTextIndexConsistent() {
    auto [rc, ignored] =
        Raw("INSERT INTO photo_text(photo_text, rank) VALUES ('integrity-check', 1)");
    EXPECT_EQ(rc, SQLITE_OK) << "photo_text does not match photos";
  }

  std::vector<PhotoId> SearchIds(Archive& archive, const SearchQuery& query) {
    auto hits = archive.Search(query);
    EXPECT_TRUE(hits) << hits.error().message;
    std::vector<PhotoId> ids;
    if (hits) {
      for (const SearchHit& hit : *hits) ids.push_back(hit.photo);
    }
    return ids;
  }

  std::vector<PhotoId> TextSearch(Archive& archive, const std::string& text) {
    SearchQuery query;
    query.text = text;
    return SearchIds(archive, query);
  }

  PhotoId Add(Archive& archive, const NewPhoto& photo) {
    auto id = archive.AddPhoto(photo);
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : 0;
  }

  // The stored decision of `face`; unknown when there is no such face.
  FaceTag StoredTag(Archive& archive, FaceId face) {
    auto photo_id = archive.PhotoOfFace(face);
    if (!photo_id) return Unknown();
    auto photo = archive.GetPhoto(*photo_id);
    if (!photo) return Unknown();
    for (const StoredFace& f : photo->faces) {
      if (f.id == face) return f.tag;
    }
    return Unknown();
  }

  // An editor's word on one face, written as the application layer would
  // for a photo where no other face changes: a confirmation keeps the
  // similarity measured for the person, a rejection the best candidate's.
  Result<void> Confirm(Archive& archive, FaceId face, PersonId person, const std::string& actor) {
    const FaceTag old = StoredTag(archive, face);
    FaceTag tag{person, old.person == person ? old.similarity : std::nullopt,
                FaceDecision::kRecognized, false};
    return archive.RecordReview({face, person, true, {{face, tag, TagStatus::kConfirmed}}, actor});
  }
  Result<void> Reject(Archive& archive, FaceId face, PersonId person, const std::string& actor) {
    const FaceTag old = StoredTag(archive, face);
    const bool untag = old.person == person;
    const FaceTag tag = untag ? Unknown(old.similarity) : old;
    return archive.RecordReview(
        {face, person, false,
         {{face, tag, untag ? TagStatus::kRejected : TagStatus::kAutomatic}}, actor});
  }

  StoredPhoto Get(Archive& archive, PhotoId id) {
    auto photo = archive.GetPhoto(id);
    EXPECT_TRUE(photo) << photo.error().message;
    return photo ? *photo : StoredPhoto{};
  }

  fs::path dir_;
  fs::path path_;
  std::unique_ptr<Store> store_;
};

// ---------------------------------------------------------------------------
// Migration

}  // namespace facetag::archive_test
