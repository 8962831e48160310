// Ingest: a photo into the archive, its names decided by DecidePhoto with the
// editors' word on a photo seen before, then (when asked) into the file from
// the archive.
#include <mutex>
#include <thread>

#include "app_internal.h"
#include "facetag/enum_text.h"
#include "facetag/hash.h"

namespace facetag::app {

const char* IngestOutcomeName(IngestOutcome outcome) {
  static constexpr EnumText<IngestOutcome> kText[] = {{IngestOutcome::kFailed, "failed"},
                                                      {IngestOutcome::kIngested, "ingested"},
                                                      {IngestOutcome::kSkipped, "skipped"}};
  return ToText(kText, outcome);
}

namespace {

// The editors' word on each new face, carried over from the stored face it
// continues (the same face found again).
struct Carried {
  std::vector<std::optional<FaceId>> continues;
  std::vector<EditorsWord> editors;
  int kept = 0;     // stored faces with editors' decisions that were found again
  int dropped = 0;  // ... that were not: their decisions go with them
};

bool HasEditorsWord(const StoredFace& face) {
  return face.status == TagStatus::kConfirmed || !face.rejected.empty();
}

Carried CarryEditorsWord(const StoredPhoto* stored, const PhotoFaces& faces) {
  Carried carried;
  carried.continues.resize(faces.faces.size());
  carried.editors.resize(faces.faces.size());
  if (!stored) return carried;
  std::vector<FaceBox> old_boxes, new_boxes;
  for (const StoredFace& f : stored->faces) old_boxes.push_back(f.detected.box);
  for (const DetectedFace& f : faces.faces) new_boxes.push_back(f.box);
  const auto pairs = PairFaces(old_boxes, new_boxes);
  std::vector<bool> found(stored->faces.size(), false);
  for (std::size_t n = 0; n < pairs.size(); ++n) {
    if (!pairs[n]) continue;
    const StoredFace& old = stored->faces[*pairs[n]];
    found[*pairs[n]] = true;
    carried.continues[n] = old.id;
    carried.editors[n] = EditorsWordOf(old.tag, old.status, old.rejected);
  }
  for (std::size_t o = 0; o < stored->faces.size(); ++o) {
    if (!HasEditorsWord(stored->faces[o])) continue;
    (found[o] ? carried.kept : carried.dropped)++;
  }
  return carried;
}

PhotoInfo InfoOf(const metadata::PhotoText& text, const PhotoFaces& faces) {
  PhotoInfo info;
  info.width = faces.width;
  info.height = faces.height;
  info.exif_orientation = faces.exif_orientation;
  info.caption = text.caption;
  info.caption_source = metadata::CaptionSourceName(text.caption_source);
  info.headline = text.headline;
  info.keywords = text.keywords;
  info.date_created = text.date_created;
  return info;
}

}  // namespace

Result<IngestedPhoto> App::IngestPhoto(std::string_view location, vision::FaceAnalyzer& analyzer,
                                       const IngestOptions& options) {
  FACETAG_ASSIGN_OR_RETURN(std::vector<unsigned char> bytes,
                           files_.Read(location, options_.max_photo_bytes));
  return IngestPhoto(location, bytes, analyzer, options);
}

Result<IngestedPhoto> App::IngestPhoto(std::string_view location,
                                       std::span<const unsigned char> bytes,
                                       vision::FaceAnalyzer& analyzer,
                                       const IngestOptions& options) {
  Archive& archive = store_.archive();
  IngestedPhoto result;
  result.identity = PhotoIdentity(bytes);
  result.location = std::string(location);
  FACETAG_ASSIGN_OR_RETURN(std::optional<PhotoState> known, archive.FindPhoto(result.identity));
  const std::string_view text_file =
      options.file.empty() ? location : std::string_view(options.file);
  std::optional<Result<metadata::PhotoText>> text;
  if (known && !options.force) {
    result.id = known->id;
    // The same pixels: skipped unless the file's text changed (an edited
    // caption), which is taken in as a re-ingest that keeps the editors'
    // decisions. Photos stored before the text was hashed, and failed ones,
    // are skipped.
    if (known->failure || known->text_sha256.empty()) return result;  // kSkipped
    text = files_.ReadText(text_file, {});
    if (!*text || metadata::PhotoTextIdentity(**text) == known->text_sha256) return result;
  }
  FACETAG_ASSIGN_OR_RETURN(auto list, List());

  NewPhoto photo;
  photo.info.sha256 = result.identity;
  photo.info.location = result.location;
  photo.info.size_bytes = bytes.size();
  if (!text) text = files_.ReadText(text_file, {});
  Result<PhotoFaces> faces =
      *text ? analyzer.Analyze(bytes) : Result<PhotoFaces>(tl::unexpected(text->error()));
  if (!faces) {
    photo.info.failure = faces.error();
  } else {
    std::optional<StoredPhoto> stored;
    if (known) {
      FACETAG_ASSIGN_OR_RETURN(stored, archive.GetPhoto(known->id));
    }
    const Carried carried = CarryEditorsWord(stored ? &*stored : nullptr, *faces);
    result.kept_decisions = carried.kept;
    result.dropped_decisions = carried.dropped;

    const std::vector<captions::Mention> mentions = list->Mentions((*text)->caption);
    std::vector<FaceEvidence> evidence;
    for (std::size_t i = 0; i < faces->faces.size(); ++i) {
      evidence.push_back(list->EvidenceFor(faces->faces[i]));
      evidence.back().editors = carried.editors[i];
    }
    const std::vector<Decision> decisions =
        DecidePhoto(evidence, captions::MentionedPersons(mentions), list->rule());

    PhotoInfo info = InfoOf(**text, *faces);
    info.text_sha256 = metadata::PhotoTextIdentity(**text);
    info.sha256 = std::move(photo.info.sha256);
    info.location = std::move(photo.info.location);
    info.size_bytes = photo.info.size_bytes;
    photo.info = std::move(info);
    for (std::size_t i = 0; i < faces->faces.size(); ++i) {
      // Faces of persons who opted out are not stored: no embedding of
      // theirs is kept outside their encrypted suppression template.
      if (decisions[i].decision == FaceDecision::kSuppressed) {
        ++result.suppressed;
        continue;
      }
      NewFace face;
      face.detected = std::move(faces->faces[i]);
      face.tag = TagOf(decisions[i]);
      face.status = StatusOf(decisions[i]);
      face.continues = carried.continues[i];
      if (face.tag.person) ++result.named;
      if (decisions[i].decision == FaceDecision::kLowQuality) ++result.low_quality;
      photo.faces.push_back(std::move(face));
    }
    for (const captions::Mention& m : mentions) {
      photo.mentions.push_back(
          {m.person, m.begin, m.end, m.text, captions::MentionKindName(m.kind)});
    }
  }

  if (known) {
    FACETAG_ASSIGN_OR_RETURN(ReplaceOutcome replaced, archive.ReplacePhoto(photo, options.actor));
    result.id = replaced.id;
  } else {
    Result<PhotoId> added = archive.AddPhoto(photo);
    if (!added) {
      // Another process stored it meanwhile: that is a skip.
      if (added.error().code == ErrorCode::kAlreadyExists) return result;
      return tl::unexpected(added.error());
    }
    result.id = *added;
  }
  if (photo.info.failure) {
    result.outcome = IngestOutcome::kFailed;
    result.error = photo.info.failure;
    return result;
  }
  result.outcome = IngestOutcome::kIngested;
  result.faces = photo.faces.size();
  if (options.write_metadata && options.file.empty()) {
    metadata::WriteOptions write_options;
    write_options.target = options.target;
    auto written = WriteTags(*result.id, write_options);
    if (!written) result.write_error = written.error();
  }
  return result;
}

Result<IngestSummary> App::Ingest(const std::vector<std::string>& locations,
                                  const AnalyzerFactory& analyzers, const BatchOptions& options) {
  IngestSummary summary;
  summary.files = locations.size();
  const int workers =
      std::clamp(options.workers, 1, std::max(1, static_cast<int>(locations.size())));
  // Networks are not thread-safe: one analyzer per worker, made up front so
  // that a model problem is reported once, before any file is touched.
  std::vector<std::unique_ptr<vision::FaceAnalyzer>> pool;
  for (int i = 0; i < workers; ++i) {
    FACETAG_ASSIGN_OR_RETURN(auto analyzer, analyzers());
    pool.push_back(std::move(analyzer));
  }
  FACETAG_RETURN_IF_ERROR(List());  // a list problem is reported before any photo, too

  Mutex mutex;  // guards the summary, `fatal` and the progress callback
  std::size_t done = 0;
  std::optional<Error> fatal;
  std::atomic<std::size_t> next{0};
  auto finish = [&](const std::string& location, const Result<IngestedPhoto>& photo) {
    MutexLock lock(mutex);
    ++done;
    if (options.progress) options.progress(done, locations.size());
    if (!photo) {
      // A photo that cannot even be read has nothing to identify it by, so
      // it is reported and not stored; a database failure stops the batch.
      const ErrorCode code = photo.error().code;
      if (code == ErrorCode::kDatabase || code == ErrorCode::kModel) {
        if (!fatal) fatal = photo.error();
        return;
      }
      ++summary.failed;
      summary.errors.emplace_back(location, photo.error());
      return;
    }
    switch (photo->outcome) {
      case IngestOutcome::kSkipped:
        ++summary.skipped;
        return;
      case IngestOutcome::kFailed:
        ++summary.failed;
        summary.errors.emplace_back(location, *photo->error);
        return;
      case IngestOutcome::kIngested:
        break;
    }
    ++summary.ingested;
    summary.faces += photo->faces;
    summary.tagged += photo->named;
    summary.unknown += photo->faces - photo->named;
    summary.suppressed += photo->suppressed;
    summary.low_quality += photo->low_quality;
    if (photo->write_error) summary.errors.emplace_back(location, *photo->write_error);
  };
  auto run = [&](vision::FaceAnalyzer& analyzer) {
    for (std::size_t i = next++; i < locations.size(); i = next++) {
      bool stop = options.stop && options.stop->load();
      {
        MutexLock lock(mutex);
        stop = stop || fatal.has_value();
        if (stop) {
          ++summary.not_started;
          ++done;
          if (options.progress) options.progress(done, locations.size());
        }
      }
      if (stop) continue;
      finish(locations[i], IngestPhoto(locations[i], analyzer, options.ingest));
    }
  };
  if (workers > 1) vision::SetInferenceThreads(1);
  std::vector<std::thread> threads;
  for (int i = 1; i < workers; ++i) threads.emplace_back(run, std::ref(*pool[i]));
  run(*pool[0]);
  for (auto& t : threads) t.join();
  if (workers > 1) vision::SetInferenceThreads(0);
  if (fatal) return tl::unexpected(*fatal);
  return summary;
}

}  // namespace facetag::app
