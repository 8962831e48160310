// Validation of what the archive stores, and the binding and reading of its
// rows, shared by the parts of the SQLite archive.

#include "sqlite_archive_rows.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "facetag/text.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"

namespace facetag::store {

using Json = nlohmann::json;

Result<std::string> CheckSha256(std::string_view sha256) {
  if (!IsHexSha256(sha256)) {
    return Fail(ErrorCode::kInvalidArgument,
                "sha256 \"" + std::string(sha256) + "\" is not 64 hex digits");
  }
  return AsciiLower(sha256);
}

Result<void> CheckPageSize(int limit) {
  if (limit >= 1 && limit <= kMaxPageSize) return {};
  return Fail(ErrorCode::kInvalidArgument, "page size " + std::to_string(limit) + " is outside 1-" +
                                               std::to_string(kMaxPageSize));
}

// SQLite stores a NaN REAL as NULL, and an infinite box or similarity means
// a bug upstream; both are refused before they reach the database.
Result<void> CheckTag(const FaceTag& tag, TagStatus status, const std::string& what) {
  if (tag.decision == FaceDecision::kSuppressed) {
    return Fail(ErrorCode::kInvalidArgument,
                what + ": a face of an opted-out person is never stored");
  }
  if (status == TagStatus::kConfirmed && !tag.person) {
    return Fail(ErrorCode::kInvalidArgument, what + ": confirmed without a person");
  }
  if (status == TagStatus::kRejected && tag.person) {
    return Fail(ErrorCode::kInvalidArgument, what + ": rejected but naming a person");
  }
  const bool recognized = tag.decision == FaceDecision::kRecognized;
  if (recognized != tag.person.has_value()) {
    return Fail(ErrorCode::kInvalidArgument,
                what + ": decision \"" + FaceDecisionName(tag.decision) + "\" " +
                    (recognized ? "without a person" : "with a person"));
  }
  if (tag.person && *tag.person <= 0) {
    return Fail(ErrorCode::kInvalidArgument,
                what + ": person id " + std::to_string(*tag.person) + " is not positive");
  }
  if (tag.similarity && !std::isfinite(*tag.similarity)) {
    return Fail(ErrorCode::kInvalidArgument, what + ": the similarity is not finite");
  }
  return {};
}

Result<void> CheckFace(const NewFace& face, const std::string& what) {
  const FaceBox& box = face.detected.box;
  if (!std::isfinite(box.x) || !std::isfinite(box.y) || !std::isfinite(box.width) ||
      !std::isfinite(box.height) || box.width < 0 || box.height < 0) {
    return Fail(ErrorCode::kInvalidArgument,
                what + ": the box is not finite or has a negative size");
  }
  if (!std::isfinite(face.detected.detection_score)) {
    return Fail(ErrorCode::kInvalidArgument, what + ": the detection score is not finite");
  }
  for (const PointF& point : face.detected.landmarks) {
    if (!std::isfinite(point.x) || !std::isfinite(point.y)) {
      return Fail(ErrorCode::kInvalidArgument, what + ": a landmark is not finite");
    }
  }
  if (!(face.detected.quality.score >= 0 && face.detected.quality.score <= 1)) {
    return Fail(ErrorCode::kInvalidArgument, what + ": the quality score is outside [0, 1]");
  }
  const Embedding& embedding = face.detected.embedding;
  if (embedding.model_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, what + ": the embedding has no model id");
  }
  FACETAG_RETURN_IF_ERROR(CheckUtf8(embedding.model_id, what + ": the model id"));
  if (embedding.values.empty()) {
    return Fail(ErrorCode::kInvalidArgument, what + ": the embedding is empty");
  }
  for (std::size_t i = 0; i < embedding.values.size(); ++i) {
    if (!std::isfinite(embedding.values[i])) {
      return Fail(ErrorCode::kInvalidArgument,
                  what + ": embedding value " + std::to_string(i) + " is not finite");
    }
  }
  return CheckTag(face.tag, face.status, what);
}

Result<void> CheckMentions(const std::vector<PhotoMention>& mentions, std::string_view caption) {
  for (std::size_t i = 0; i < mentions.size(); ++i) {
    const PhotoMention& mention = mentions[i];
    const std::string what = "mention " + std::to_string(i);
    if (mention.person <= 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  what + ": person id " + std::to_string(mention.person) + " is not positive");
    }
    if (mention.begin > mention.end || mention.end > caption.size()) {
      return Fail(ErrorCode::kInvalidArgument, what + ": span [" + std::to_string(mention.begin) +
                                                   ", " + std::to_string(mention.end) +
                                                   ") is outside the caption of " +
                                                   std::to_string(caption.size()) + " bytes");
    }
    if (caption.substr(mention.begin, mention.end - mention.begin) != mention.text) {
      return Fail(ErrorCode::kInvalidArgument,
                  what + ": text \"" + mention.text + "\" is not the caption's text at [" +
                      std::to_string(mention.begin) + ", " + std::to_string(mention.end) + ")");
    }
    FACETAG_RETURN_IF_ERROR(CheckLabel(mention.kind, what + ": the kind"));
  }
  return {};
}

std::vector<std::string_view> SplitAtWhitespace(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  const auto is_space = [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7F;  // ASCII whitespace and controls
  };
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t begin = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > begin) words.push_back(text.substr(begin, i - begin));
  }
  return words;
}

namespace {

bool HasNonAscii(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

}  // namespace

// The folded form (facetag/text.h) of every word of the photo's text that
// has a non-ASCII character, once each. The full-text tokenizer removes
// accents but does not transliterate letters without a decomposition ("ł",
// "ø", "ß", "æ"): indexed beside the text, these words let "Walesa" find
// "Wałęsa" as the store's name keys do.
std::string FoldedWords(const PhotoInfo& info) {
  std::set<std::string> seen;
  std::string folded;
  const auto add = [&](std::string_view text) {
    for (const std::string_view word : SplitAtWhitespace(text)) {
      if (!HasNonAscii(word)) continue;
      std::string key = text::Fold(word);
      if (!seen.insert(key).second) continue;
      if (!folded.empty()) folded.push_back(' ');
      folded += key;
    }
  };
  add(info.caption);
  add(info.headline);
  for (const std::string& keyword : info.keywords) add(keyword);
  return folded;
}

std::vector<unsigned char> EncodeLandmarks(const Landmarks68& landmarks) {
  std::vector<float> values;
  values.reserve(kLandmarkValues);
  for (const PointF& point : landmarks) {
    values.push_back(point.x);
    values.push_back(point.y);
  }
  return EncodeFloats(values);
}

Landmarks68 DecodeLandmarks(std::span<const unsigned char> bytes) {
  const std::vector<float> values = DecodeFloats(bytes);
  Landmarks68 landmarks{};
  for (std::size_t i = 0; i < landmarks.size() && 2 * i + 1 < values.size(); ++i) {
    landmarks[i] = {values[2 * i], values[2 * i + 1]};
  }
  return landmarks;
}

Result<std::vector<std::string>> ParseKeywords(const std::string& text, PhotoId photo) {
  const Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> keywords;
  if (json.is_array()) {
    for (const Json& keyword : json) {
      if (!keyword.is_string()) break;
      keywords.push_back(keyword.get<std::string>());
    }
    if (keywords.size() == json.size()) return keywords;
  }
  return Fail(ErrorCode::kDatabase,
              "photo " + std::to_string(photo) + " has damaged keywords: " + text);
}

// A word of the user's as one FTS5 string: inside double quotes every
// character but '"' (doubled) is literal, so NEAR, AND, OR, NOT, "*", "^",

namespace {

Json OptionalJson(const std::optional<PersonId>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json OptionalJson(const std::optional<float>& value) {
  return value ? Json(*value) : Json(nullptr);
}

}  // namespace

Json FaceRowJson(const FaceRow& row) {
  return Json{{"person", OptionalJson(row.tag.person)},
              {"decision", FaceDecisionName(row.tag.decision)},
              {"status", TagStatusName(row.status)},
              {"similarity", OptionalJson(row.tag.similarity)}};
}

// Binds a face's decision to parameters first..first+5: person, similarity,
// decision, by_mention, tag_status, updated_at.
void BindDecision(Statement& statement, int first, const FaceTag& tag, TagStatus status,
                  const std::string& now) {
  if (tag.person) {
    statement.Bind(first, std::int64_t{*tag.person});
  } else {
    statement.BindNull(first);
  }
  if (tag.similarity) {
    statement.Bind(first + 1, double{*tag.similarity});
  } else {
    statement.BindNull(first + 1);
  }
  statement.Bind(first + 2, std::string_view(FaceDecisionName(tag.decision)))
      .Bind(first + 3, std::int64_t{tag.by_mention ? 1 : 0})
      .Bind(first + 4, std::string_view(TagStatusName(status)))
      .Bind(first + 5, std::string_view(now));
}

// Binds what the detector found to parameters first..first+10: box x, y,
// width, height, detection score, landmarks, model id, dimension,
// embedding, quality score, quality issue.
void BindDetection(Statement& statement, int first, const DetectedFace& detected) {
  statement.Bind(first, double{detected.box.x})
      .Bind(first + 1, double{detected.box.y})
      .Bind(first + 2, double{detected.box.width})
      .Bind(first + 3, double{detected.box.height})
      .Bind(first + 4, double{detected.detection_score})
      .BindBlob(first + 5, EncodeLandmarks(detected.landmarks))
      .Bind(first + 6, std::string_view(detected.embedding.model_id))
      .Bind(first + 7, static_cast<std::int64_t>(detected.embedding.values.size()))
      .BindBlob(first + 8, EncodeFloats(detected.embedding.values))
      .Bind(first + 9, double{detected.quality.score})
      .Bind(first + 10, std::string_view(QualityIssueName(detected.quality.issue)));
}

// Reads the quality columns quality_score, quality_issue from `first` on.
Result<FaceQuality> ReadQuality(const Statement& row, int first, FaceId face) {
  FaceQuality quality;
  quality.score = static_cast<float>(row.ColumnDouble(first));
  const std::string issue_text = row.ColumnText(first + 1);
  const auto issue = ParseQualityIssue(issue_text);
  if (!issue) {
    return Fail(ErrorCode::kDatabase, "face " + std::to_string(face) +
                                          " has an unknown quality issue \"" + issue_text + "\"");
  }
  quality.issue = *issue;
  return quality;
}

// Reads the decision columns person_id, similarity, decision, by_mention,
// tag_status from `first` on.
Result<std::pair<FaceTag, TagStatus>> ReadDecision(const Statement& row, int first, FaceId face) {
  FaceTag tag;
  std::string decision_text, status_text;
  row.ReadColumns(first, tag.person, tag.similarity, decision_text, tag.by_mention, status_text);
  // A suppressed decision is never stored (the schema's CHECK says so too).
  auto decision = ParseFaceDecision(decision_text);
  if (decision == FaceDecision::kSuppressed) decision.reset();
  const auto status = ParseTagStatus(status_text);
  if (!decision || !status) {
    return Fail(ErrorCode::kDatabase, "face " + std::to_string(face) +
                                          " has an unknown decision \"" + decision_text +
                                          "\" or tag status \"" + status_text + "\"");
  }
  tag.decision = *decision;
  return std::make_pair(tag, *status);
}

Result<PhotoRow> CheckPhoto(const NewPhoto& photo) {
  const PhotoInfo& info = photo.info;
  FACETAG_ASSIGN_OR_RETURN(auto sha256, CheckSha256(info.sha256));
  if (info.location.empty()) return Fail(ErrorCode::kInvalidArgument, "empty photo location");
  // A NUL would cut the path short wherever it is used as a C string.
  if (info.location.find('\0') != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "the photo location contains a NUL byte");
  }
  if (info.size_bytes > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Fail(ErrorCode::kInvalidArgument,
                "photo size " + std::to_string(info.size_bytes) + " bytes is out of range");
  }
  if (info.width < 0 || info.height < 0) {
    return Fail(ErrorCode::kInvalidArgument, "negative photo size " + std::to_string(info.width) +
                                                 "x" + std::to_string(info.height));
  }
  if (info.exif_orientation < 1 || info.exif_orientation > 8) {
    return Fail(ErrorCode::kInvalidArgument,
                "EXIF orientation " + std::to_string(info.exif_orientation) + " is not 1-8");
  }
  FACETAG_RETURN_IF_ERROR(CheckUtf8(info.caption, "the caption"));
  FACETAG_RETURN_IF_ERROR(CheckUtf8(info.caption_source, "the caption source"));
  FACETAG_RETURN_IF_ERROR(CheckUtf8(info.headline, "the headline"));
  for (std::size_t i = 0; i < info.keywords.size(); ++i) {
    FACETAG_RETURN_IF_ERROR(CheckUtf8(info.keywords[i], "keyword " + std::to_string(i)));
  }
  FACETAG_RETURN_IF_ERROR(CheckUtf8(info.date_created, "the creation date"));
  if (info.failure) {
    FACETAG_RETURN_IF_ERROR(CheckUtf8(info.failure->message, "the failure message"));
    if (!photo.faces.empty() || !photo.mentions.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "a failed photo cannot have faces or mentions");
    }
  }
  for (std::size_t i = 0; i < photo.faces.size(); ++i) {
    FACETAG_RETURN_IF_ERROR(CheckFace(photo.faces[i], "face " + std::to_string(i)));
  }
  FACETAG_RETURN_IF_ERROR(CheckMentions(photo.mentions, info.caption));
  PhotoRow row;
  row.photo = &photo;
  row.sha256 = std::move(sha256);
  row.keywords_json = Json(info.keywords).dump();
  row.text_folded = FoldedWords(info);
  return row;
}

// Binds the photo's columns to parameters 1-17 in the order of kPhotoColumns.
void BindPhoto(Statement& statement, const PhotoRow& row, const std::string& now) {
  const PhotoInfo& info = row.photo->info;
  statement.Bind(1, std::string_view(row.sha256))
      .Bind(2, std::string_view(info.location))
      .Bind(3, static_cast<std::int64_t>(info.size_bytes))
      .Bind(4, std::int64_t{info.width})
      .Bind(5, std::int64_t{info.height})
      .Bind(6, std::int64_t{info.exif_orientation})
      .Bind(7, std::string_view(info.caption))
      .Bind(8, std::string_view(info.caption_source))
      .Bind(9, std::string_view(info.headline))
      .Bind(10, std::string_view(row.keywords_json))
      .Bind(11, std::string_view(info.date_created))
      .Bind(12, std::string_view(now))
      .Bind(13, std::string_view(info.failure ? "failed" : "ok"))
      .Bind(14, std::string_view(info.failure ? ErrorCodeName(info.failure->code) : ""))
      .Bind(15, std::string_view(info.failure ? info.failure->message : std::string()))
      .Bind(16, std::string_view(row.text_folded))
      .Bind(17, std::string_view(info.text_sha256));
}

}  // namespace facetag::store
