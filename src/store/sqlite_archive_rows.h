// What the parts of the SQLite archive share: the checks of what it is
// given, and how a photo's and a face's columns are bound and read.
//
// Thread safety: pure functions; those taking a Statement use the
// connection, which the caller serialises.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "facetag/archive.h"
#include "sqlite_archive.h"
#include "sqlite_statement.h"

namespace facetag::store {

inline constexpr int kMaxPageSize = 100000;
inline constexpr std::size_t kLandmarkValues = 68 * 2;

// The lowercase form of a hex SHA-256; kInvalidArgument otherwise.
Result<std::string> CheckSha256(std::string_view sha256);
// kInvalidArgument unless 1 <= limit <= kMaxPageSize.
Result<void> CheckPageSize(int limit);
// A face's decision as the schema admits it; `what` names it in errors.
Result<void> CheckTag(const FaceTag& tag, TagStatus status, const std::string& what);
// Mentions that are the caption's text at their spans.
Result<void> CheckMentions(const std::vector<PhotoMention>& mentions, std::string_view caption);
// A photo with its faces and mentions, and the columns derived from it.
Result<PhotoRow> CheckPhoto(const NewPhoto& photo);

// The words of `text` between ASCII whitespace and control characters.
std::vector<std::string_view> SplitAtWhitespace(std::string_view text);

Landmarks68 DecodeLandmarks(std::span<const unsigned char> bytes);
// The keywords column (a JSON array of strings); kDatabase when damaged.
Result<std::vector<std::string>> ParseKeywords(const std::string& text, PhotoId photo);

// A face's decision as the audit log records it.
nlohmann::json FaceRowJson(const FaceRow& row);

// The columns a photo is written and read with, in BindPhoto's order.
inline constexpr std::string_view kPhotoColumns =
    "sha256, location, size_bytes, width, height, exif_orientation, caption, caption_source,"
    " headline, keywords, date_created, ingested_at, status, error_code, error_message,"
    " text_folded, text_sha256";
// Binds the photo's columns to parameters 1-17 in the order of kPhotoColumns.
void BindPhoto(Statement& statement, const PhotoRow& row, const std::string& now);

// Binds a face's decision to parameters first..first+5: person, similarity,
// decision, by_mention, tag_status, updated_at.
void BindDecision(Statement& statement, int first, const FaceTag& tag, TagStatus status,
                  const std::string& now);
// Binds what the detector found to parameters first..first+10: box x, y,
// width, height, detection score, landmarks, model id, dimension,
// embedding, quality score, quality issue.
void BindDetection(Statement& statement, int first, const DetectedFace& detected);
// Reads the quality columns quality_score, quality_issue from `first` on.
Result<FaceQuality> ReadQuality(const Statement& row, int first, FaceId face);
// Reads the decision columns person_id, similarity, decision, by_mention,
// tag_status from `first` on.
Result<std::pair<FaceTag, TagStatus>> ReadDecision(const Statement& row, int first, FaceId face);

}  // namespace facetag::store
