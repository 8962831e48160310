#include "sqlite_archive.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>
#include <utility>

#include "facetag/text.h"
#include "sqlite_audit.h"
#include "sqlite_common.h"
#include "sqlite_statement.h"

namespace facetag {

const char* HitKindName(HitKind kind) {
  switch (kind) {
    case HitKind::kPictured:
      return "pictured";
    case HitKind::kMentioned:
      return "mentioned";
    case HitKind::kText:
      return "text";
  }
  return "text";
}

namespace store {
namespace {

using Json = nlohmann::json;

constexpr int kMaxPageSize = 100000;
constexpr int kMaxSearchLimit = 10000;
constexpr int kMaxAuditLimit = 10000;
constexpr std::size_t kLandmarkValues = 68 * 2;

std::optional<FaceDecision> ParseDecision(std::string_view text) {
  for (const auto decision : {FaceDecision::kRecognized, FaceDecision::kUnknown,
                              FaceDecision::kAmbiguous, FaceDecision::kDuplicate,
                              FaceDecision::kLowQuality}) {
    if (text == FaceDecisionName(decision)) return decision;
  }
  return std::nullopt;
}

std::optional<TagStatus> ParseTagStatus(std::string_view text) {
  for (const auto status : {TagStatus::kAutomatic, TagStatus::kConfirmed, TagStatus::kRejected}) {
    if (text == TagStatusName(status)) return status;
  }
  return std::nullopt;
}

std::optional<QualityIssue> ParseQualityIssue(std::string_view text) {
  for (const auto issue : {QualityIssue::kNone, QualityIssue::kNotAFace, QualityIssue::kTooSmall,
                           QualityIssue::kBlurred, QualityIssue::kProfileView,
                           QualityIssue::kCutOff}) {
    if (text == QualityIssueName(issue)) return issue;
  }
  return std::nullopt;
}

// The code whose ErrorCodeName is `name`; kInternal for a name this build
// does not know (written by a newer one).
ErrorCode ParseErrorCode(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    if (name == ErrorCodeName(code)) return code;
  }
  return ErrorCode::kInternal;
}

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

bool HasNonAscii(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

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
// "col:" and parentheses lose their query meaning.
std::string FtsString(std::string_view word) {
  std::string quoted = "\"";
  for (const char c : word) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

// The FTS5 query for the user's words: all words must occur. Each word is
// searched in its folded form (facetag/text.h): the index holds the folded
// form of every non-ASCII word and name (text_folded, the name keys), and
// the tokenizer folds the rest alike, so "Łukasz" finds "Lukasz" and
// "Łukasz", and "Walesa" finds "Wałęsa". The strings are joined by implicit
// AND, under which FTS5 skips a string without any token ("--", "*"), where
// an explicit AND would match nothing. Empty when `text` has no words.
std::string FtsMatchExpression(std::string_view text) {
  std::string expression;
  for (const std::string_view word : SplitAtWhitespace(text)) {
    if (!expression.empty()) expression.push_back(' ');
    expression += FtsString(text::Fold(word));
  }
  return expression;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// An ISO 8601 date or date-time cut anywhere after the year: "2012",
// "2012-12", "2012-12-06", "2012-12-06T15:46:01+01:00".
bool IsDateBound(std::string_view text) {
  const auto digits = [&](std::size_t from, std::size_t count) {
    for (std::size_t i = from; i < from + count; ++i) {
      if (i >= text.size() || !IsDigit(text[i])) return false;
    }
    return true;
  };
  if (!digits(0, 4)) return false;
  if (text.size() == 4) return true;
  if (text[4] != '-' || !digits(5, 2)) return false;
  if (text.size() == 7) return true;
  if (text[7] != '-' || !digits(8, 2)) return false;
  if (text.size() == 10) return true;
  if (text[10] != 'T') return false;
  return std::all_of(text.begin() + 11, text.end(), [](char c) {
    return IsDigit(c) || c == ':' || c == '.' || c == '+' || c == '-' || c == 'Z';
  });
}

// The smallest text above every text that starts with `bound` (its last
// ASCII character incremented), so that "date < result" keeps every date
// `bound` is a prefix of and can use the index on sort_date.
std::string AfterPrefix(std::string bound) {
  bound.back() = static_cast<char>(bound.back() + 1);
  return bound;
}

Json OptionalJson(const std::optional<PersonId>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json OptionalJson(const std::optional<float>& value) {
  return value ? Json(*value) : Json(nullptr);
}

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
  if (!row.ColumnIsNull(first)) tag.person = row.ColumnInt64(first);
  if (!row.ColumnIsNull(first + 1))
    tag.similarity = static_cast<float>(row.ColumnDouble(first + 1));
  const std::string decision_text = row.ColumnText(first + 2);
  const auto decision = ParseDecision(decision_text);
  tag.by_mention = row.ColumnInt64(first + 3) != 0;
  const std::string status_text = row.ColumnText(first + 4);
  const auto status = ParseTagStatus(status_text);
  if (!decision || !status) {
    return Fail(ErrorCode::kDatabase, "face " + std::to_string(face) +
                                          " has an unknown decision \"" + decision_text +
                                          "\" or tag status \"" + status_text + "\"");
  }
  tag.decision = *decision;
  return std::make_pair(tag, *status);
}

// Runs `statement` to the end, calling `on_row` for each row; `on_row`
// returns a Result<void> to stop on the first error.
template <typename OnRow>
Result<void> ForEachRow(Statement& statement, OnRow&& on_row) {
  for (;;) {
    auto row = statement.Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return {};
    FACETAG_RETURN_IF_ERROR(on_row(statement));
  }
}

}  // namespace

SqliteArchive::SqliteArchive(sqlite3* db, std::mutex& mutex, std::string name, bool read_only,
                             std::function<std::string()> now)
    : db_(db),
      mutex_(mutex),
      name_(std::move(name)),
      read_only_(read_only),
      now_(now ? std::move(now) : std::function<std::string()>(UtcNowIso8601)) {}

// ---------------------------------------------------------------------------
// Public calls: fence, lock, delegate.

Result<PhotoId> SqliteArchive::AddPhoto(const NewPhoto& photo) {
  return Fenced("AddPhoto", [&]() -> Result<PhotoId> {
    std::lock_guard lock(mutex_);
    return AddPhotoLocked(photo);
  });
}

Result<ReplaceOutcome> SqliteArchive::ReplacePhoto(const NewPhoto& photo, std::string_view actor) {
  return Fenced("ReplacePhoto", [&]() -> Result<ReplaceOutcome> {
    std::lock_guard lock(mutex_);
    return ReplacePhotoLocked(photo, actor);
  });
}

Result<bool> SqliteArchive::HasPhoto(std::string_view sha256) {
  return Fenced("HasPhoto", [&]() -> Result<bool> {
    auto state = FindPhoto(sha256);
    if (!state) return tl::unexpected(state.error());
    return state->has_value();
  });
}

Result<std::optional<PhotoState>> SqliteArchive::FindPhoto(std::string_view sha256) {
  return Fenced("FindPhoto", [&]() -> Result<std::optional<PhotoState>> {
    auto key = CheckSha256(sha256);
    if (!key) return tl::unexpected(key.error());
    std::lock_guard lock(mutex_);
    return FindPhotoLocked(*key);
  });
}

Result<PhotoId> SqliteArchive::PhotoOfFace(FaceId face) {
  return Fenced("PhotoOfFace", [&]() -> Result<PhotoId> {
    std::lock_guard lock(mutex_);
    auto statement = Statement::Prepare(db_, "SELECT photo_id FROM faces WHERE id = ?1");
    if (!statement) return tl::unexpected(statement.error());
    auto row = statement->Bind(1, static_cast<std::int64_t>(face)).Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row)
      return Fail(ErrorCode::kNotFound, "no face " + std::to_string(face) + " in the archive");
    return statement->ColumnInt64(0);
  });
}

Result<StoredPhoto> SqliteArchive::GetPhoto(PhotoId id) {
  return Fenced("GetPhoto", [&]() -> Result<StoredPhoto> {
    std::lock_guard lock(mutex_);
    return GetPhotoLocked(id);
  });
}

Result<std::int64_t> SqliteArchive::CountPhotos() {
  return Fenced("CountPhotos", [&]() -> Result<std::int64_t> {
    std::lock_guard lock(mutex_);
    return ReadInt(db_, "SELECT count(*) FROM photos");
  });
}

Result<ArchiveCounts> SqliteArchive::Counts() {
  return Fenced("Counts", [&]() -> Result<ArchiveCounts> {
    std::lock_guard lock(mutex_);
    auto statement = Statement::Prepare(db_,
                                        "SELECT (SELECT count(*) FROM photos),"
                                        " (SELECT count(*) FROM photos WHERE status = 'failed'),"
                                        " (SELECT count(*) FROM faces),"
                                        " (SELECT count(*) FROM faces WHERE person_id IS NOT NULL),"
                                        " (SELECT count(*) FROM mentions)");
    if (!statement) return tl::unexpected(statement.error());
    auto row = statement->Step();
    if (!row) return tl::unexpected(row.error());
    ArchiveCounts counts;
    counts.photos = statement->ColumnInt64(0);
    counts.failed_photos = statement->ColumnInt64(1);
    counts.faces = statement->ColumnInt64(2);
    counts.tagged_faces = statement->ColumnInt64(3);
    counts.mentions = statement->ColumnInt64(4);
    return counts;
  });
}

Result<void> SqliteArchive::ReplaceMentions(PhotoId photo,
                                            const std::vector<PhotoMention>& mentions) {
  return Fenced("ReplaceMentions", [&]() -> Result<void> {
    std::lock_guard lock(mutex_);
    return ReplaceMentionsLocked(photo, mentions);
  });
}

Result<CaptionPage> SqliteArchive::CaptionsAfter(PhotoId after, int limit) {
  return Fenced("CaptionsAfter", [&]() -> Result<CaptionPage> {
    FACETAG_RETURN_IF_ERROR(CheckPageSize(limit));
    std::lock_guard lock(mutex_);
    auto statement = Statement::Prepare(
        db_,
        "SELECT id, caption FROM photos WHERE id > ?1 AND status = 'ok' AND caption <> ''"
        " ORDER BY id LIMIT ?2");
    if (!statement) return tl::unexpected(statement.error());
    // One row more than asked tells whether another page follows.
    statement->Bind(1, std::int64_t{after}).Bind(2, std::int64_t{limit} + 1);
    CaptionPage page;
    bool more = false;
    FACETAG_RETURN_IF_ERROR(ForEachRow(*statement, [&](const Statement& row) -> Result<void> {
      if (page.photos.size() == static_cast<std::size_t>(limit)) {
        more = true;
        return {};
      }
      page.photos.push_back({row.ColumnInt64(0), row.ColumnText(1)});
      return {};
    }));
    page.next_after = more ? page.photos.back().id : 0;
    return page;
  });
}

Result<void> SqliteArchive::MarkNamesWritten(PhotoId photo, std::int64_t version) {
  return Fenced("MarkNamesWritten", [&]() -> Result<void> {
    std::lock_guard lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    FACETAG_ASSIGN_OR_RETURN(
        Statement mark,
        Statement::Prepare(db_,
                           "UPDATE photos SET names_written = max(coalesce(names_written, -1), ?2)"
                           " WHERE id = ?1"));
    FACETAG_RETURN_IF_ERROR(mark.Bind(1, std::int64_t{photo}).Bind(2, std::int64_t{version}).Run());
    if (sqlite3_changes(db_) == 0) {
      return Fail(ErrorCode::kNotFound, "no photo with id " + std::to_string(photo));
    }
    return {};
  });
}

Result<std::vector<PhotoId>> SqliteArchive::PhotosWithUnwrittenNames(PhotoId after, int limit) {
  return Fenced("PhotosWithUnwrittenNames", [&]() -> Result<std::vector<PhotoId>> {
    FACETAG_RETURN_IF_ERROR(CheckPageSize(limit));
    std::lock_guard lock(mutex_);
    FACETAG_ASSIGN_OR_RETURN(
        Statement select,
        Statement::Prepare(db_,
                           "SELECT id FROM photos WHERE names_written IS NOT NULL"
                           " AND names_written < names_version AND id > ?1 ORDER BY id LIMIT ?2"));
    select.Bind(1, std::int64_t{after}).Bind(2, std::int64_t{limit});
    std::vector<PhotoId> ids;
    FACETAG_RETURN_IF_ERROR(ForEachRow(select, [&](const Statement& row) -> Result<void> {
      ids.push_back(row.ColumnInt64(0));
      return {};
    }));
    return ids;
  });
}

Result<FacePage> SqliteArchive::FacesForModel(std::string_view model_id, FaceId after, int limit) {
  return Fenced("FacesForModel", [&]() -> Result<FacePage> {
    if (model_id.empty()) return Fail(ErrorCode::kInvalidArgument, "empty model id");
    FACETAG_RETURN_IF_ERROR(CheckPageSize(limit));
    std::lock_guard lock(mutex_);
    return FacesForModelLocked(std::string(model_id), after, limit);
  });
}

Result<ApplyOutcome> SqliteArchive::ApplyDecisions(const std::vector<DecisionUpdate>& updates) {
  return Fenced("ApplyDecisions", [&]() -> Result<ApplyOutcome> {
    std::lock_guard lock(mutex_);
    return ApplyDecisionsLocked(updates);
  });
}

Result<void> SqliteArchive::RecordReview(const ReviewRecord& review) {
  return Fenced("RecordReview", [&]() -> Result<void> {
    std::lock_guard lock(mutex_);
    return RecordReviewLocked(review);
  });
}

Result<std::vector<SearchHit>> SqliteArchive::Search(const SearchQuery& query) {
  return Fenced("Search", [&]() -> Result<std::vector<SearchHit>> {
    std::lock_guard lock(mutex_);
    return SearchLocked(query);
  });
}

Result<AuditId> SqliteArchive::AppendAudit(const AuditRecord& record) {
  return Fenced("AppendAudit", [&]() -> Result<AuditId> {
    std::lock_guard lock(mutex_);
    FACETAG_RETURN_IF_ERROR(CheckWritable());
    // The chain links each entry to the newest one: reading it and appending
    // must not interleave with another process's append.
    auto transaction = Transaction::Begin(db_, Transaction::Kind::kImmediate);
    if (!transaction) return tl::unexpected(transaction.error());
    auto id = InsertAudit(record);
    if (!id) return id;
    FACETAG_RETURN_IF_ERROR(transaction->Commit());
    return id;
  });
}

Result<std::vector<AuditEntry>> SqliteArchive::ListAudit(const AuditQuery& query) {
  return Fenced("ListAudit", [&]() -> Result<std::vector<AuditEntry>> {
    std::lock_guard lock(mutex_);
    return ListAuditLocked(query);
  });
}

Result<std::vector<FaceSummary>> SqliteArchive::ListFaces(const FaceQuery& query) {
  return Fenced("ListFaces", [&]() -> Result<std::vector<FaceSummary>> {
    if (query.limit < 1 || query.limit > 1000) {
      return Fail(ErrorCode::kInvalidArgument,
                  "limit " + std::to_string(query.limit) + " is outside 1-1000");
    }
    if (query.before < 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  "cursor " + std::to_string(query.before) + " is negative");
    }
    std::string sql =
        "SELECT f.id, f.photo_id, p.location, f.box_x, f.box_y, f.box_width, f.box_height,"
        " f.person_id, f.similarity, f.decision, f.by_mention, f.tag_status, f.updated_at"
        " FROM faces AS f JOIN photos AS p ON p.id = f.photo_id WHERE 1";
    if (query.status) sql += " AND f.tag_status = ?1";
    if (query.decision) sql += " AND f.decision = ?2";
    if (query.person) sql += " AND f.person_id = ?3";
    if (query.before > 0) sql += " AND f.id < ?4";
    sql += " ORDER BY f.id DESC LIMIT ?5";
    std::lock_guard lock(mutex_);
    auto statement = Statement::Prepare(db_, sql);
    if (!statement) return tl::unexpected(statement.error());
    if (query.status) statement->Bind(1, std::string_view(TagStatusName(*query.status)));
    if (query.decision) statement->Bind(2, std::string_view(FaceDecisionName(*query.decision)));
    if (query.person) statement->Bind(3, std::int64_t{*query.person});
    if (query.before > 0) statement->Bind(4, std::int64_t{query.before});
    statement->Bind(5, std::int64_t{query.limit});
    std::vector<FaceSummary> faces;
    FACETAG_RETURN_IF_ERROR(ForEachRow(*statement, [&](const Statement& row) -> Result<void> {
      FaceSummary face;
      face.id = row.ColumnInt64(0);
      face.photo = row.ColumnInt64(1);
      face.location = row.ColumnText(2);
      face.box = {static_cast<float>(row.ColumnDouble(3)), static_cast<float>(row.ColumnDouble(4)),
                  static_cast<float>(row.ColumnDouble(5)), static_cast<float>(row.ColumnDouble(6))};
      auto decision = ReadDecision(row, 7, face.id);
      if (!decision) return tl::unexpected(decision.error());
      face.tag = decision->first;
      face.status = decision->second;
      face.updated_at = row.ColumnText(12);
      faces.push_back(std::move(face));
      return {};
    }));
    return faces;
  });
}

// ---------------------------------------------------------------------------
// Checks shared by the writes.

Result<void> SqliteArchive::CheckWritable() const {
  if (!read_only_) return {};
  return Fail(ErrorCode::kDatabase, name_ + " is open read-only");
}

namespace {

Result<PhotoRow> CheckPhoto(const NewPhoto& photo) {
  const PhotoInfo& info = photo.info;
  auto sha256 = CheckSha256(info.sha256);
  if (!sha256) return tl::unexpected(sha256.error());
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
  row.sha256 = std::move(*sha256);
  row.keywords_json = Json(info.keywords).dump();
  row.text_folded = FoldedWords(info);
  return row;
}

}  // namespace

Result<void> SqliteArchive::CheckPersonsExist(const std::vector<PersonId>& persons) {
  auto statement = Statement::Prepare(db_, "SELECT 1 FROM persons WHERE id = ?1");
  if (!statement) return tl::unexpected(statement.error());
  for (const PersonId person : std::set<PersonId>(persons.begin(), persons.end())) {
    statement->Reset();
    auto row = statement->Bind(1, std::int64_t{person}).Step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return Fail(ErrorCode::kNotFound, "no person with id " + std::to_string(person));
  }
  return {};
}

// Embeddings of one model are compared with each other and with the
// profiles of that model; a vector of another length would make every
// comparison meaningless.
Result<void> SqliteArchive::CheckModelDimensions(const std::vector<NewFace>& faces) {
  std::map<std::string, std::size_t> dimensions;
  for (const NewFace& face : faces) {
    const Embedding& embedding = face.detected.embedding;
    const auto [it, added] = dimensions.emplace(embedding.model_id, embedding.values.size());
    if (!added && it->second != embedding.values.size()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "faces of model " + embedding.model_id + " have embeddings of " +
                      std::to_string(it->second) + " and " +
                      std::to_string(embedding.values.size()) + " values");
    }
  }
  for (const auto& [model_id, dimension] : dimensions) {
    for (const char* sql : {"SELECT dimension FROM faces WHERE model_id = ?1 LIMIT 1",
                            "SELECT dimension FROM profiles WHERE model_id = ?1 LIMIT 1"}) {
      auto statement = Statement::Prepare(db_, sql);
      if (!statement) return tl::unexpected(statement.error());
      auto row = statement->Bind(1, std::string_view(model_id)).Step();
      if (!row) return tl::unexpected(row.error());
      if (*row && statement->ColumnInt64(0) != static_cast<std::int64_t>(dimension)) {
        return Fail(ErrorCode::kInvalidArgument, "model " + model_id + " has embeddings of " +
                                                     std::to_string(statement->ColumnInt64(0)) +
                                                     " values; this face has " +
                                                     std::to_string(dimension));
      }
    }
  }
  return {};
}

Result<void> SqliteArchive::CheckPhotoReferences(const NewPhoto& photo) {
  std::vector<PersonId> persons;
  for (const NewFace& face : photo.faces) {
    if (face.tag.person) persons.push_back(*face.tag.person);
  }
  for (const PhotoMention& mention : photo.mentions) persons.push_back(mention.person);
  FACETAG_RETURN_IF_ERROR(CheckPersonsExist(persons));
  return CheckModelDimensions(photo.faces);
}

// ---------------------------------------------------------------------------
// Photos

Result<std::optional<PhotoState>> SqliteArchive::FindPhotoLocked(const std::string& sha256) {
  auto statement = Statement::Prepare(
      db_, "SELECT id, status, error_code, error_message, text_sha256 FROM photos"
           " WHERE sha256 = ?1");
  if (!statement) return tl::unexpected(statement.error());
  auto row = statement->Bind(1, std::string_view(sha256)).Step();
  if (!row) return tl::unexpected(row.error());
  if (!*row) return std::optional<PhotoState>();
  PhotoState state;
  state.id = statement->ColumnInt64(0);
  state.text_sha256 = statement->ColumnText(4);
  if (statement->ColumnText(1) != "ok") {
    state.failure = Error{ParseErrorCode(statement->ColumnText(2)), statement->ColumnText(3)};
  }
  return std::optional<PhotoState>(std::move(state));
}

namespace {

// The columns a photo is written and read with, in BindPhoto's order.
constexpr std::string_view kPhotoColumns =
    "sha256, location, size_bytes, width, height, exif_orientation, caption, caption_source,"
    " headline, keywords, date_created, ingested_at, status, error_code, error_message,"
    " text_folded, text_sha256";

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

}  // namespace

Result<PhotoId> SqliteArchive::InsertPhotoRow(const PhotoRow& row, const std::string& now) {
  auto insert = Statement::Prepare(
      db_, "INSERT INTO photos (" + std::string(kPhotoColumns) +
               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
               " ?17)");
  if (!insert) return tl::unexpected(insert.error());
  BindPhoto(*insert, row, now);
  FACETAG_RETURN_IF_ERROR(insert->Run());
  return sqlite3_last_insert_rowid(db_);
}

Result<void> SqliteArchive::UpdatePhotoRow(PhotoId id, const PhotoRow& row,
                                           const std::string& now) {
  auto update = Statement::Prepare(
      db_,
      "UPDATE photos SET sha256 = ?1, location = ?2, size_bytes = ?3, width = ?4, height = ?5,"
      " exif_orientation = ?6, caption = ?7, caption_source = ?8, headline = ?9, keywords = ?10,"
      " date_created = ?11, ingested_at = ?12, status = ?13, error_code = ?14,"
      " error_message = ?15, text_folded = ?16, text_sha256 = ?17 WHERE id = ?18");
  if (!update) return tl::unexpected(update.error());
  BindPhoto(*update, row, now);
  update->Bind(18, std::int64_t{id});
  return update->Run();
}

Result<void> SqliteArchive::InsertFace(PhotoId photo, std::size_t position, const NewFace& face,
                                       const std::string& now) {
  auto insert = Statement::Prepare(
      db_,
      "INSERT INTO faces (person_id, similarity, decision, by_mention, tag_status, updated_at,"
      " photo_id, position, box_x, box_y, box_width, box_height, detection_score, landmarks,"
      " model_id, dimension, embedding, quality_score, quality_issue)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
      " ?19)");
  if (!insert) return tl::unexpected(insert.error());
  BindDecision(*insert, 1, face.tag, face.status, now);
  insert->Bind(7, std::int64_t{photo}).Bind(8, static_cast<std::int64_t>(position));
  BindDetection(*insert, 9, face.detected);
  return insert->Run();
}

Result<void> SqliteArchive::InsertMentions(PhotoId photo,
                                           const std::vector<PhotoMention>& mentions) {
  auto insert = Statement::Prepare(
      db_,
      "INSERT INTO mentions (photo_id, person_id, span_begin, span_end, text, kind)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!insert) return tl::unexpected(insert.error());
  for (const PhotoMention& mention : mentions) {
    insert->Reset();
    insert->Bind(1, std::int64_t{photo})
        .Bind(2, std::int64_t{mention.person})
        .Bind(3, static_cast<std::int64_t>(mention.begin))
        .Bind(4, static_cast<std::int64_t>(mention.end))
        .Bind(5, std::string_view(mention.text))
        .Bind(6, std::string_view(mention.kind));
    FACETAG_RETURN_IF_ERROR(insert->Run());
  }
  return {};
}

Result<PhotoId> SqliteArchive::AddPhotoLocked(const NewPhoto& photo) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  auto row = CheckPhoto(photo);
  if (!row) return tl::unexpected(row.error());
  auto transaction = Transaction::Begin(db_, Transaction::Kind::kImmediate);
  if (!transaction) return tl::unexpected(transaction.error());
  auto existing = FindPhotoLocked(row->sha256);
  if (!existing) return tl::unexpected(existing.error());
  if (*existing) {
    return Fail(ErrorCode::kAlreadyExists, "photo " + row->sha256 +
                                               " is already in the archive (photo " +
                                               std::to_string((*existing)->id) + ")");
  }
  FACETAG_RETURN_IF_ERROR(CheckPhotoReferences(photo));
  for (const NewFace& face : photo.faces) {
    if (face.continues) {
      return Fail(ErrorCode::kInvalidArgument,
                  "a new photo's faces cannot continue stored faces (face " +
                      std::to_string(*face.continues) + ")");
    }
  }
  const std::string now = now_();
  auto id = InsertPhotoRow(*row, now);
  if (!id) return id;
  for (std::size_t i = 0; i < photo.faces.size(); ++i) {
    FACETAG_RETURN_IF_ERROR(InsertFace(*id, i, photo.faces[i], now));
  }
  FACETAG_RETURN_IF_ERROR(InsertMentions(*id, photo.mentions));
  FACETAG_RETURN_IF_ERROR(transaction->Commit());
  return id;
}

Result<ReplaceOutcome> SqliteArchive::ReplacePhotoLocked(const NewPhoto& photo,
                                                         std::string_view actor) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  FACETAG_RETURN_IF_ERROR(CheckLabel(actor, "the actor"));
  FACETAG_ASSIGN_OR_RETURN(const PhotoRow row, CheckPhoto(photo));
  FACETAG_ASSIGN_OR_RETURN(Transaction transaction,
                           Transaction::Begin(db_, Transaction::Kind::kImmediate));
  FACETAG_ASSIGN_OR_RETURN(const std::optional<PhotoState> existing, FindPhotoLocked(row.sha256));
  FACETAG_RETURN_IF_ERROR(CheckPhotoReferences(photo));
  const std::string now = now_();
  ReplaceOutcome outcome;
  Json dropped = Json::array();

  if (!existing) {
    FACETAG_ASSIGN_OR_RETURN(outcome.id, InsertPhotoRow(row, now));
    outcome.added = true;
  } else {
    outcome.id = existing->id;
    FACETAG_RETURN_IF_ERROR(UpdatePhotoRow(outcome.id, row, now));
  }

  // The stored faces of the photo, with what the audit entry says of the
  // ones that go.
  std::map<FaceId, FaceRow> stored;
  std::map<FaceId, int> rejections;
  if (existing) {
    FACETAG_ASSIGN_OR_RETURN(Statement faces,
                             Statement::Prepare(db_,
                                                "SELECT id, person_id, similarity, decision,"
                                                " by_mention, tag_status FROM faces"
                                                " WHERE photo_id = ?1"));
    faces.Bind(1, std::int64_t{outcome.id});
    FACETAG_RETURN_IF_ERROR(ForEachRow(faces, [&](const Statement& face) -> Result<void> {
      FaceRow face_row;
      face_row.id = face.ColumnInt64(0);
      face_row.photo = outcome.id;
      FACETAG_ASSIGN_OR_RETURN(std::tie(face_row.tag, face_row.status),
                               ReadDecision(face, 1, face_row.id));
      stored.emplace(face_row.id, std::move(face_row));
      return {};
    }));
    FACETAG_ASSIGN_OR_RETURN(
        Statement rejected,
        Statement::Prepare(db_,
                           "SELECT r.face_id, count(*) FROM face_rejections AS r"
                           " JOIN faces AS f ON f.id = r.face_id WHERE f.photo_id = ?1"
                           " GROUP BY r.face_id"));
    rejected.Bind(1, std::int64_t{outcome.id});
    FACETAG_RETURN_IF_ERROR(ForEachRow(rejected, [&](const Statement& r) -> Result<void> {
      rejections[r.ColumnInt64(0)] = static_cast<int>(r.ColumnInt64(1));
      return {};
    }));
  }

  FACETAG_ASSIGN_OR_RETURN(
      Statement update,
      Statement::Prepare(
          db_,
          "UPDATE faces SET person_id = ?1, similarity = ?2, decision = ?3, by_mention = ?4,"
          " tag_status = ?5, updated_at = ?6, position = ?7, box_x = ?8, box_y = ?9,"
          " box_width = ?10, box_height = ?11, detection_score = ?12, landmarks = ?13,"
          " model_id = ?14, dimension = ?15, embedding = ?16, quality_score = ?17,"
          " quality_issue = ?18 WHERE id = ?19"));
  std::set<FaceId> continued;
  for (std::size_t n = 0; n < photo.faces.size(); ++n) {
    const NewFace& face = photo.faces[n];
    if (!face.continues) {
      FACETAG_RETURN_IF_ERROR(InsertFace(outcome.id, n, face, now));
      continue;
    }
    if (!stored.count(*face.continues) || !continued.insert(*face.continues).second) {
      return Fail(ErrorCode::kInvalidArgument,
                  "face " + std::to_string(n) + " continues face " +
                      std::to_string(*face.continues) +
                      ", which is not a face of this photo or is continued twice");
    }
    update.Reset();
    BindDecision(update, 1, face.tag, face.status, now);
    update.Bind(7, static_cast<std::int64_t>(n));
    BindDetection(update, 8, face.detected);
    FACETAG_RETURN_IF_ERROR(update.Bind(19, std::int64_t{*face.continues}).Run());
  }
  FACETAG_ASSIGN_OR_RETURN(Statement remove,
                           Statement::Prepare(db_, "DELETE FROM faces WHERE id = ?1"));
  for (const auto& [id, face_row] : stored) {
    if (continued.count(id)) continue;
    ++outcome.deleted_faces;
    const auto rejected = rejections.find(id);
    if (face_row.status == TagStatus::kConfirmed || rejected != rejections.end()) {
      Json entry = FaceRowJson(face_row);
      entry["face"] = id;
      entry["rejections"] = rejected == rejections.end() ? 0 : rejected->second;
      dropped.push_back(std::move(entry));
    }
    remove.Reset();
    FACETAG_RETURN_IF_ERROR(remove.Bind(1, std::int64_t{id}).Run());
  }
  if (existing) {
    FACETAG_ASSIGN_OR_RETURN(Statement clear_mentions,
                             Statement::Prepare(db_, "DELETE FROM mentions WHERE photo_id = ?1"));
    FACETAG_RETURN_IF_ERROR(clear_mentions.Bind(1, std::int64_t{outcome.id}).Run());
  }
  FACETAG_RETURN_IF_ERROR(InsertMentions(outcome.id, photo.mentions));

  const Json details = {{"photo", outcome.id},
                        {"sha256", row.sha256},
                        {"added", outcome.added},
                        {"faces", photo.faces.size()},
                        {"deleted_faces", outcome.deleted_faces},
                        {"dropped_decisions", dropped},
                        // The caption or other text of the file changed.
                        {"text_changed", existing && !existing->text_sha256.empty() &&
                                             existing->text_sha256 != photo.info.text_sha256}};
  FACETAG_RETURN_IF_ERROR(InsertAudit({std::string(actor), "photo.replace",
                                       "photo:" + std::to_string(outcome.id), details.dump()}));
  FACETAG_RETURN_IF_ERROR(transaction.Commit());
  return outcome;
}

Result<StoredPhoto> SqliteArchive::GetPhotoLocked(PhotoId id) {
  // One snapshot for the photo, its faces and its mentions.
  auto transaction = Transaction::Begin(db_, Transaction::Kind::kDeferred);
  if (!transaction) return tl::unexpected(transaction.error());
  auto statement = Statement::Prepare(
      db_, "SELECT " + std::string(kPhotoColumns) +
               ", names_version, names_written FROM photos WHERE id = ?1");
  if (!statement) return tl::unexpected(statement.error());
  auto found = statement->Bind(1, std::int64_t{id}).Step();
  if (!found) return tl::unexpected(found.error());
  if (!*found) return Fail(ErrorCode::kNotFound, "no photo with id " + std::to_string(id));
  StoredPhoto photo;
  photo.id = id;
  PhotoInfo& info = photo.info;
  info.sha256 = statement->ColumnText(0);
  info.location = statement->ColumnText(1);
  info.size_bytes = static_cast<std::uint64_t>(statement->ColumnInt64(2));
  info.width = static_cast<int>(statement->ColumnInt64(3));
  info.height = static_cast<int>(statement->ColumnInt64(4));
  info.exif_orientation = static_cast<int>(statement->ColumnInt64(5));
  info.caption = statement->ColumnText(6);
  info.caption_source = statement->ColumnText(7);
  info.headline = statement->ColumnText(8);
  auto keywords = ParseKeywords(statement->ColumnText(9), id);
  if (!keywords) return tl::unexpected(keywords.error());
  info.keywords = std::move(*keywords);
  info.date_created = statement->ColumnText(10);
  photo.ingested_at = statement->ColumnText(11);
  info.text_sha256 = statement->ColumnText(16);
  photo.names_version = statement->ColumnInt64(17);
  if (!statement->ColumnIsNull(18)) photo.names_written = statement->ColumnInt64(18);
  if (statement->ColumnText(12) != "ok") {
    info.failure = Error{ParseErrorCode(statement->ColumnText(13)), statement->ColumnText(14)};
  }

  auto faces = Statement::Prepare(
      db_,
      "SELECT id, box_x, box_y, box_width, box_height, detection_score, landmarks, model_id,"
      " dimension, embedding, person_id, similarity, decision, by_mention, tag_status, updated_at,"
      " quality_score, quality_issue FROM faces WHERE photo_id = ?1 ORDER BY position, id");
  if (!faces) return tl::unexpected(faces.error());
  faces->Bind(1, std::int64_t{id});
  std::unordered_map<FaceId, std::size_t> face_index;
  FACETAG_RETURN_IF_ERROR(ForEachRow(*faces, [&](const Statement& row) -> Result<void> {
    StoredFace face;
    face.id = row.ColumnInt64(0);
    face.photo = id;
    DetectedFace& detected = face.detected;
    detected.box = {
        static_cast<float>(row.ColumnDouble(1)), static_cast<float>(row.ColumnDouble(2)),
        static_cast<float>(row.ColumnDouble(3)), static_cast<float>(row.ColumnDouble(4))};
    detected.detection_score = static_cast<float>(row.ColumnDouble(5));
    const auto landmarks = row.ColumnBlob(6);
    const std::int64_t dimension = row.ColumnInt64(8);
    const auto embedding = row.ColumnBlob(9);
    // The schema's CHECKs guarantee both; a file edited by other tools may not.
    if (landmarks.size() != kLandmarkValues * 4 || dimension <= 0 ||
        embedding.size() != static_cast<std::uint64_t>(dimension) * 4) {
      return Fail(ErrorCode::kDatabase,
                  "face " + std::to_string(face.id) + " has damaged landmarks or embedding");
    }
    detected.landmarks = DecodeLandmarks(landmarks);
    detected.embedding.model_id = row.ColumnText(7);
    detected.embedding.values = DecodeFloats(embedding);
    auto decision = ReadDecision(row, 10, face.id);
    if (!decision) return tl::unexpected(decision.error());
    std::tie(face.tag, face.status) = *decision;
    face.updated_at = row.ColumnText(15);
    FACETAG_ASSIGN_OR_RETURN(detected.quality, ReadQuality(row, 16, face.id));
    face_index.emplace(face.id, photo.faces.size());
    photo.faces.push_back(std::move(face));
    return {};
  }));

  auto rejections = Statement::Prepare(
      db_,
      "SELECT r.face_id, r.person_id FROM face_rejections AS r JOIN faces AS f ON f.id = r.face_id"
      " WHERE f.photo_id = ?1 ORDER BY r.face_id, r.person_id");
  if (!rejections) return tl::unexpected(rejections.error());
  rejections->Bind(1, std::int64_t{id});
  FACETAG_RETURN_IF_ERROR(ForEachRow(*rejections, [&](const Statement& row) -> Result<void> {
    const auto it = face_index.find(row.ColumnInt64(0));
    if (it != face_index.end()) photo.faces[it->second].rejected.push_back(row.ColumnInt64(1));
    return {};
  }));

  auto mentions = Statement::Prepare(
      db_,
      "SELECT person_id, span_begin, span_end, text, kind FROM mentions WHERE photo_id = ?1"
      " ORDER BY span_begin, id");
  if (!mentions) return tl::unexpected(mentions.error());
  mentions->Bind(1, std::int64_t{id});
  FACETAG_RETURN_IF_ERROR(ForEachRow(*mentions, [&](const Statement& row) -> Result<void> {
    photo.mentions.push_back({row.ColumnInt64(0), static_cast<std::size_t>(row.ColumnInt64(1)),
                              static_cast<std::size_t>(row.ColumnInt64(2)), row.ColumnText(3),
                              row.ColumnText(4)});
    return {};
  }));
  return photo;
}

Result<void> SqliteArchive::ReplaceMentionsLocked(PhotoId photo,
                                                  const std::vector<PhotoMention>& mentions) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  auto transaction = Transaction::Begin(db_, Transaction::Kind::kImmediate);
  if (!transaction) return tl::unexpected(transaction.error());
  auto caption = Statement::Prepare(db_, "SELECT caption, status FROM photos WHERE id = ?1");
  if (!caption) return tl::unexpected(caption.error());
  auto found = caption->Bind(1, std::int64_t{photo}).Step();
  if (!found) return tl::unexpected(found.error());
  if (!*found) return Fail(ErrorCode::kNotFound, "no photo with id " + std::to_string(photo));
  if (caption->ColumnText(1) != "ok" && !mentions.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "photo " + std::to_string(photo) + " failed to ingest and cannot have mentions");
  }
  FACETAG_RETURN_IF_ERROR(CheckMentions(mentions, caption->ColumnText(0)));
  std::vector<PersonId> persons;
  for (const PhotoMention& mention : mentions) persons.push_back(mention.person);
  FACETAG_RETURN_IF_ERROR(CheckPersonsExist(persons));
  auto clear = Statement::Prepare(db_, "DELETE FROM mentions WHERE photo_id = ?1");
  if (!clear) return tl::unexpected(clear.error());
  FACETAG_RETURN_IF_ERROR(clear->Bind(1, std::int64_t{photo}).Run());
  FACETAG_RETURN_IF_ERROR(InsertMentions(photo, mentions));
  return transaction->Commit();
}

// ---------------------------------------------------------------------------
// Re-matching

Result<FacePage> SqliteArchive::FacesForModelLocked(const std::string& model_id, FaceId after,
                                                    int limit) {
  // One snapshot for the faces and the rejections and mentions read for them.
  auto transaction = Transaction::Begin(db_, Transaction::Kind::kDeferred);
  if (!transaction) return tl::unexpected(transaction.error());
  auto faces = Statement::Prepare(
      db_,
      "SELECT id, photo_id, dimension, embedding, person_id, similarity, decision, by_mention,"
      " tag_status, quality_score, quality_issue FROM faces WHERE model_id = ?1 AND id > ?2"
      " ORDER BY id LIMIT ?3");
  if (!faces) return tl::unexpected(faces.error());
  // One row more than asked tells whether another page follows.
  faces->Bind(1, std::string_view(model_id))
      .Bind(2, std::int64_t{after})
      .Bind(3, std::int64_t{limit} + 1);
  FacePage page;
  bool more = false;
  std::unordered_map<FaceId, std::size_t> face_index;
  std::unordered_map<PhotoId, std::vector<std::size_t>> faces_of_photo;
  FACETAG_RETURN_IF_ERROR(ForEachRow(*faces, [&](const Statement& row) -> Result<void> {
    if (page.faces.size() == static_cast<std::size_t>(limit)) {
      more = true;
      return {};
    }
    FaceForMatching face;
    face.id = row.ColumnInt64(0);
    face.photo = row.ColumnInt64(1);
    const std::int64_t dimension = row.ColumnInt64(2);
    const auto embedding = row.ColumnBlob(3);
    if (dimension <= 0 || embedding.size() != static_cast<std::uint64_t>(dimension) * 4) {
      return Fail(ErrorCode::kDatabase,
                  "face " + std::to_string(face.id) + " has a damaged embedding");
    }
    face.embedding = DecodeFloats(embedding);
    auto decision = ReadDecision(row, 4, face.id);
    if (!decision) return tl::unexpected(decision.error());
    std::tie(face.tag, face.status) = *decision;
    FACETAG_ASSIGN_OR_RETURN(face.quality, ReadQuality(row, 9, face.id));
    face_index.emplace(face.id, page.faces.size());
    faces_of_photo[face.photo].push_back(page.faces.size());
    page.faces.push_back(std::move(face));
    return {};
  }));
  if (page.faces.empty()) return page;
  const FaceId first = page.faces.front().id;
  const FaceId last = page.faces.back().id;

  auto rejections = Statement::Prepare(
      db_,
      "SELECT face_id, person_id FROM face_rejections WHERE face_id BETWEEN ?1 AND ?2"
      " ORDER BY face_id, person_id");
  if (!rejections) return tl::unexpected(rejections.error());
  rejections->Bind(1, std::int64_t{first}).Bind(2, std::int64_t{last});
  FACETAG_RETURN_IF_ERROR(ForEachRow(*rejections, [&](const Statement& row) -> Result<void> {
    const auto it = face_index.find(row.ColumnInt64(0));
    if (it != face_index.end()) page.faces[it->second].rejected.push_back(row.ColumnInt64(1));
    return {};
  }));

  auto mentions = Statement::Prepare(
      db_,
      "SELECT DISTINCT photo_id, person_id FROM mentions WHERE photo_id IN"
      " (SELECT photo_id FROM faces WHERE model_id = ?1 AND id BETWEEN ?2 AND ?3)"
      " ORDER BY photo_id, person_id");
  if (!mentions) return tl::unexpected(mentions.error());
  mentions->Bind(1, std::string_view(model_id))
      .Bind(2, std::int64_t{first})
      .Bind(3, std::int64_t{last});
  FACETAG_RETURN_IF_ERROR(ForEachRow(*mentions, [&](const Statement& row) -> Result<void> {
    const auto it = faces_of_photo.find(row.ColumnInt64(0));
    if (it == faces_of_photo.end()) return {};
    for (const std::size_t index : it->second) {
      page.faces[index].mentioned.push_back(row.ColumnInt64(1));
    }
    return {};
  }));
  page.next_after = more ? last : 0;
  return page;
}

Result<ApplyOutcome> SqliteArchive::ApplyDecisionsLocked(
    const std::vector<DecisionUpdate>& updates) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  for (std::size_t i = 0; i < updates.size(); ++i) {
    FACETAG_RETURN_IF_ERROR(CheckTag(updates[i].tag, updates[i].status,
                                     "update " + std::to_string(i) + " (face " +
                                         std::to_string(updates[i].face) + ")"));
  }
  // The last update of a face is the one that counts.
  std::unordered_map<FaceId, std::size_t> last_update;
  for (std::size_t i = 0; i < updates.size(); ++i) last_update[updates[i].face] = i;

  FACETAG_ASSIGN_OR_RETURN(Transaction transaction,
                           Transaction::Begin(db_, Transaction::Kind::kImmediate));
  // Prepared once: a rematch sends batches of thousands. The WHERE clause
  // is the compare-and-set: the face must still hold what the caller read,
  // and a named person must still be listed.
  FACETAG_ASSIGN_OR_RETURN(
      Statement update,
      Statement::Prepare(
          db_,
          "UPDATE faces SET person_id = ?1, similarity = ?2, decision = ?3, by_mention = ?4,"
          " tag_status = ?5, updated_at = ?6 WHERE id = ?7 AND person_id IS ?8"
          " AND decision = ?9 AND by_mention = ?10 AND tag_status = ?11"
          " AND (?1 IS NULL OR EXISTS (SELECT 1 FROM persons WHERE id = ?1))"
          " RETURNING photo_id"));
  const std::string now = now_();
  ApplyOutcome outcome;
  std::set<PhotoId> changed_photos;
  for (std::size_t i = 0; i < updates.size(); ++i) {
    const DecisionUpdate& wanted = updates[i];
    if (last_update[wanted.face] != i) continue;
    if (wanted.tag.person == wanted.expected_tag.person &&
        wanted.tag.similarity == wanted.expected_tag.similarity &&
        wanted.tag.decision == wanted.expected_tag.decision &&
        wanted.tag.by_mention == wanted.expected_tag.by_mention &&
        wanted.status == wanted.expected_status) {
      ++outcome.unchanged;
      continue;
    }
    update.Reset();
    BindDecision(update, 1, wanted.tag, wanted.status, now);
    update.Bind(7, std::int64_t{wanted.face});
    if (wanted.expected_tag.person) {
      update.Bind(8, std::int64_t{*wanted.expected_tag.person});
    } else {
      update.BindNull(8);
    }
    update.Bind(9, std::string_view(FaceDecisionName(wanted.expected_tag.decision)))
        .Bind(10, std::int64_t{wanted.expected_tag.by_mention ? 1 : 0})
        .Bind(11, std::string_view(TagStatusName(wanted.expected_status)));
    FACETAG_ASSIGN_OR_RETURN(const bool written, update.Step());
    if (!written) {
      ++outcome.conflicts;
      continue;
    }
    ++outcome.changed;
    changed_photos.insert(update.ColumnInt64(0));
    FACETAG_ASSIGN_OR_RETURN(const bool more, update.Step());  // finish the statement
    (void)more;
  }
  FACETAG_RETURN_IF_ERROR(transaction.Commit());
  outcome.changed_photos.assign(changed_photos.begin(), changed_photos.end());
  return outcome;
}

// ---------------------------------------------------------------------------
// Editors' corrections

Result<void> SqliteArchive::RecordReviewLocked(const ReviewRecord& review) {
  FACETAG_RETURN_IF_ERROR(CheckWritable());
  FACETAG_RETURN_IF_ERROR(CheckLabel(review.actor, "the actor"));
  for (std::size_t i = 0; i < review.updates.size(); ++i) {
    FACETAG_RETURN_IF_ERROR(CheckTag(review.updates[i].tag, review.updates[i].status,
                                     "update " + std::to_string(i) + " (face " +
                                         std::to_string(review.updates[i].face) + ")"));
  }
  FACETAG_ASSIGN_OR_RETURN(Transaction transaction,
                           Transaction::Begin(db_, Transaction::Kind::kImmediate));
  FACETAG_ASSIGN_OR_RETURN(Statement select,
                           Statement::Prepare(db_,
                                              "SELECT photo_id, person_id, similarity, decision,"
                                              " by_mention, tag_status FROM faces WHERE id = ?1"));
  FACETAG_ASSIGN_OR_RETURN(const bool found, select.Bind(1, std::int64_t{review.face}).Step());
  if (!found) return Fail(ErrorCode::kNotFound, "no face with id " + std::to_string(review.face));
  FaceRow previous;
  previous.id = review.face;
  previous.photo = select.ColumnInt64(0);
  FACETAG_ASSIGN_OR_RETURN(std::tie(previous.tag, previous.status),
                           ReadDecision(select, 1, review.face));
  FACETAG_RETURN_IF_ERROR(CheckPersonsExist({review.person}));

  const std::string now = now_();
  if (review.confirm) {
    FACETAG_ASSIGN_OR_RETURN(
        Statement withdraw,
        Statement::Prepare(db_, "DELETE FROM face_rejections WHERE face_id = ?1 AND person_id = ?2"));
    FACETAG_RETURN_IF_ERROR(
        withdraw.Bind(1, std::int64_t{review.face}).Bind(2, std::int64_t{review.person}).Run());
  } else {
    FACETAG_ASSIGN_OR_RETURN(
        Statement remember,
        Statement::Prepare(db_,
                           "INSERT OR IGNORE INTO face_rejections (face_id, person_id,"
                           " rejected_at, actor) VALUES (?1, ?2, ?3, ?4)"));
    FACETAG_RETURN_IF_ERROR(remember.Bind(1, std::int64_t{review.face})
                                .Bind(2, std::int64_t{review.person})
                                .Bind(3, std::string_view(now))
                                .Bind(4, std::string_view(review.actor))
                                .Run());
  }
  FACETAG_ASSIGN_OR_RETURN(
      Statement update,
      Statement::Prepare(db_,
                         "UPDATE faces SET person_id = ?1, similarity = ?2, decision = ?3,"
                         " by_mention = ?4, tag_status = ?5, updated_at = ?6"
                         " WHERE id = ?7 AND photo_id = ?8"));
  Json changed = Json::array();
  for (const DecisionUpdate& u : review.updates) {
    update.Reset();
    BindDecision(update, 1, u.tag, u.status, now);
    FACETAG_RETURN_IF_ERROR(
        update.Bind(7, std::int64_t{u.face}).Bind(8, std::int64_t{previous.photo}).Run());
    if (sqlite3_changes(db_) != 1) {
      return Fail(ErrorCode::kInvalidArgument,
                  "face " + std::to_string(u.face) + " is not a face of photo " +
                      std::to_string(previous.photo));
    }
    FaceRow after{u.face, previous.photo, u.tag, u.status};
    Json entry = FaceRowJson(after);
    entry["face"] = u.face;
    changed.push_back(std::move(entry));
  }
  const Json details = {{"face", review.face},
                        {"photo", previous.photo},
                        {"person", review.person},
                        {"previous", FaceRowJson(previous)},
                        {"changed", changed}};
  FACETAG_RETURN_IF_ERROR(InsertAudit({review.actor,
                                       review.confirm ? "tag.confirm" : "tag.reject",
                                       "face:" + std::to_string(review.face), details.dump()}));
  return transaction.Commit();
}

// ---------------------------------------------------------------------------
// Search

Result<std::vector<SearchHit>> SqliteArchive::SearchLocked(const SearchQuery& query) {
  if (query.limit < 1 || query.limit > kMaxSearchLimit) {
    return Fail(ErrorCode::kInvalidArgument, "limit " + std::to_string(query.limit) +
                                                 " is outside 1-" +
                                                 std::to_string(kMaxSearchLimit));
  }
  if (query.offset < 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "offset " + std::to_string(query.offset) + " is negative");
  }
  for (const auto& [bound, what] :
       {std::pair{&query.date_from, "date_from"}, std::pair{&query.date_to, "date_to"}}) {
    if (!bound->empty() && !IsDateBound(*bound)) {
      return Fail(ErrorCode::kInvalidArgument, std::string(what) + " \"" + *bound +
                                                   "\" is not an ISO 8601 date such as "
                                                   "2012-12-06 (or a prefix of one)");
    }
  }
  FACETAG_RETURN_IF_ERROR(CheckUtf8(query.text, "the search text"));
  const std::string match = FtsMatchExpression(query.text);

  // Parameters: ?1 person, ?2 FTS query, ?3 from, ?4 after `to`, ?5 limit,
  // ?6 offset. Hit kinds are numbered in ranking order (HitKind's order).
  std::string sql;
  if (query.person) {
    sql =
        "WITH pictured AS ("
        " SELECT photo_id, id AS face_id, box_x, box_y, box_width, box_height, similarity,"
        "  tag_status = 'confirmed' AS confirmed,"
        "  row_number() OVER (PARTITION BY photo_id ORDER BY tag_status = 'confirmed' DESC,"
        "   similarity DESC NULLS LAST, id) AS rank_in_photo"
        " FROM faces WHERE person_id = ?1 AND tag_status IN ('automatic', 'confirmed')),"
        " hits AS ("
        " SELECT photo_id, 0 AS kind, face_id, box_x, box_y, box_width, box_height, similarity,"
        "  confirmed FROM pictured WHERE rank_in_photo = 1";
    if (query.include_mentioned) {
      sql +=
          " UNION ALL"
          " SELECT DISTINCT photo_id, 1, NULL, NULL, NULL, NULL, NULL, NULL, 0 FROM mentions"
          " WHERE person_id = ?1 AND photo_id NOT IN (SELECT photo_id FROM pictured)";
    }
    sql +=
        ")"
        " SELECT ph.id, ph.sha256, ph.location, ph.caption, ph.sort_date,"
        "  ph.sort_date IS NOT ph.date_created, h.kind, h.face_id, h.box_x, h.box_y,"
        "  h.box_width, h.box_height, h.similarity, h.confirmed"
        " FROM hits AS h JOIN photos AS ph ON ph.id = h.photo_id WHERE ph.status = 'ok'";
  } else {
    sql =
        "SELECT ph.id, ph.sha256, ph.location, ph.caption, ph.sort_date,"
        "  ph.sort_date IS NOT ph.date_created, 2, NULL, NULL, NULL, NULL, NULL, NULL, 0"
        " FROM photos AS ph WHERE ph.status = 'ok'";
  }
  if (!match.empty())
    sql += " AND ph.id IN (SELECT rowid FROM photo_text WHERE photo_text MATCH ?2)";
  if (!query.date_from.empty()) sql += " AND ph.sort_date >= ?3";
  if (!query.date_to.empty()) sql += " AND ph.sort_date < ?4";
  if (query.person) {
    sql += " ORDER BY h.kind, h.confirmed DESC, h.similarity DESC NULLS LAST,";
  } else {
    sql += " ORDER BY";
  }
  sql += " ph.sort_date DESC, ph.id DESC LIMIT ?5 OFFSET ?6";

  auto statement = Statement::Prepare(db_, sql);
  if (!statement) return tl::unexpected(statement.error());
  if (query.person) statement->Bind(1, std::int64_t{*query.person});
  if (!match.empty()) statement->Bind(2, std::string_view(match));
  if (!query.date_from.empty()) statement->Bind(3, std::string_view(query.date_from));
  const std::string to_bound = query.date_to.empty() ? "" : AfterPrefix(query.date_to);
  if (!query.date_to.empty()) statement->Bind(4, std::string_view(to_bound));
  statement->Bind(5, std::int64_t{query.limit}).Bind(6, std::int64_t{query.offset});

  std::vector<SearchHit> hits;
  FACETAG_RETURN_IF_ERROR(ForEachRow(*statement, [&](const Statement& row) -> Result<void> {
    SearchHit hit;
    hit.photo = row.ColumnInt64(0);
    hit.sha256 = row.ColumnText(1);
    hit.location = row.ColumnText(2);
    hit.caption = row.ColumnText(3);
    hit.date = row.ColumnText(4);
    hit.date_is_ingest_time = row.ColumnInt64(5) != 0;
    hit.kind = static_cast<HitKind>(row.ColumnInt64(6));
    if (!row.ColumnIsNull(7)) {
      hit.face = row.ColumnInt64(7);
      hit.box = FaceBox{
          static_cast<float>(row.ColumnDouble(8)), static_cast<float>(row.ColumnDouble(9)),
          static_cast<float>(row.ColumnDouble(10)), static_cast<float>(row.ColumnDouble(11))};
    }
    if (!row.ColumnIsNull(12)) hit.similarity = static_cast<float>(row.ColumnDouble(12));
    hit.confirmed = row.ColumnInt64(13) != 0;
    hits.push_back(std::move(hit));
    return {};
  }));
  return hits;
}

// ---------------------------------------------------------------------------
// Audit log

Result<AuditId> SqliteArchive::InsertAudit(const AuditRecord& record) {
  return InsertAuditRow(db_, record, now_());
}

Result<std::vector<AuditEntry>> SqliteArchive::ListAuditLocked(const AuditQuery& query) {
  if (query.limit < 1 || query.limit > kMaxAuditLimit) {
    return Fail(ErrorCode::kInvalidArgument, "limit " + std::to_string(query.limit) +
                                                 " is outside 1-" + std::to_string(kMaxAuditLimit));
  }
  if (query.cursor < 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "cursor " + std::to_string(query.cursor) + " is negative");
  }
  std::string sql = "SELECT id, at, actor, action, subject, details FROM audit_log WHERE 1";
  if (!query.actor.empty()) sql += " AND actor = ?1";
  if (!query.action.empty()) sql += " AND action = ?2";
  if (!query.subject.empty()) sql += " AND subject = ?3";
  if (query.cursor > 0) sql += query.newest_first ? " AND id < ?4" : " AND id > ?4";
  sql += query.newest_first ? " ORDER BY id DESC" : " ORDER BY id";
  sql += " LIMIT ?5";
  auto statement = Statement::Prepare(db_, sql);
  if (!statement) return tl::unexpected(statement.error());
  if (!query.actor.empty()) statement->Bind(1, std::string_view(query.actor));
  if (!query.action.empty()) statement->Bind(2, std::string_view(query.action));
  if (!query.subject.empty()) statement->Bind(3, std::string_view(query.subject));
  if (query.cursor > 0) statement->Bind(4, std::int64_t{query.cursor});
  statement->Bind(5, std::int64_t{query.limit});
  std::vector<AuditEntry> entries;
  FACETAG_RETURN_IF_ERROR(ForEachRow(*statement, [&](const Statement& row) -> Result<void> {
    AuditEntry entry;
    entry.id = row.ColumnInt64(0);
    entry.at = row.ColumnText(1);
    entry.record = {row.ColumnText(2), row.ColumnText(3), row.ColumnText(4), row.ColumnText(5)};
    entries.push_back(std::move(entry));
    return {};
  }));
  return entries;
}

}  // namespace store
}  // namespace facetag
