#include "facetag/ingest.h"

#include <mutex>

#include "facetag/file_io.h"
#include "facetag/hash.h"
#include "facetag/rematch.h"
#include "facetag/tagger.h"

namespace facetag::pipeline {
namespace {

constexpr std::uint64_t kMaxFileBytes = 512ull << 20;

NewPhoto ToNewPhoto(const PhotoTagging& t, const std::string& identity, std::uint64_t size) {
  NewPhoto photo;
  PhotoInfo& info = photo.info;
  info.sha256 = identity;
  info.location = t.photo.string();
  info.size_bytes = size;
  info.width = t.width;
  info.height = t.height;
  info.exif_orientation = t.tags.exif_orientation;
  info.caption = t.text.caption;
  info.caption_source = metadata::CaptionSourceName(t.text.caption_source);
  info.headline = t.text.headline;
  info.keywords = t.text.keywords;
  info.date_created = t.text.date_created;
  // Faces of persons who opted out are not stored: no embedding of theirs
  // is kept outside their encrypted suppression template.
  for (const FaceRecognition& f : t.faces) {
    if (!f.suppressed) photo.faces.push_back({f.face, ArchiveTag(f)});
  }
  for (const captions::Mention& m : t.mentions) {
    photo.mentions.push_back({m.person, m.begin, m.end, m.text, captions::MentionKindName(m.kind)});
  }
  return photo;
}

}  // namespace

std::string PhotoIdentity(std::span<const unsigned char> b) {
  if (b.size() > 4 && b[0] == 0xFF && b[1] == 0xD8) {
    // Walk the marker segments to the start of scan; everything before it
    // is metadata (APPn), tables or the frame header.
    std::size_t pos = 2;
    while (pos + 4 <= b.size() && b[pos] == 0xFF) {
      const unsigned marker = b[pos + 1];
      if (marker == 0xDA) return Sha256Hex(b.subspan(pos));
      if (marker == 0xFF) {
        ++pos;
        continue;
      }
      pos += 2 + ((std::size_t{b[pos + 2]} << 8) | b[pos + 3]);
    }
  }
  return Sha256Hex(b);
}

Result<IngestedPhoto> IngestPhoto(Archive& archive, const Recognizer& list,
                                  vision::FaceAnalyzer& analyzer, const std::filesystem::path& file,
                                  std::span<const unsigned char> bytes, std::string_view location,
                                  const IngestOptions& options) {
  IngestedPhoto result;
  result.identity = PhotoIdentity(bytes);
  auto known = archive.FindPhoto(result.identity);
  if (!known) return tl::unexpected(known.error());
  if (*known && !options.force) {
    result.id = (*known)->id;
    return result;
  }
  Tagger tagger(list, analyzer);
  auto tagging = tagger.Inspect(file, bytes);
  NewPhoto& photo = result.photo;
  if (tagging) {
    photo = ToNewPhoto(*tagging, result.identity, bytes.size());
    result.suppressed = tagging->faces.size() - photo.faces.size();
  } else {
    photo.info.sha256 = result.identity;
    photo.info.size_bytes = bytes.size();
    photo.info.failure = tagging.error();
  }
  photo.info.location = std::string(location);
  auto stored = options.force ? archive.ReplacePhoto(photo, options.actor).map([](auto o) {
    return o.id;
  })
                              : archive.AddPhoto(photo);
  if (!stored) {
    // Another process stored it meanwhile: that is a skip.
    if (stored.error().code == ErrorCode::kAlreadyExists) return result;
    return tl::unexpected(stored.error());
  }
  result.id = *stored;
  if (!tagging) {
    result.outcome = IngestOutcome::kFailed;
    result.error = tagging.error();
    return result;
  }
  result.outcome = IngestOutcome::kIngested;
  if (options.write_metadata) {
    metadata::WriteOptions write_options;
    write_options.target = options.target;
    auto written = tagger.Write(*tagging, write_options);
    if (!written) result.write_error = written.error();
  }
  return result;
}

Result<IngestSummary> Ingest(Store& store, const ModelPack& pack, const Recognizer& list,
                             const std::vector<std::filesystem::path>& files,
                             const IngestOptions& options, const IngestProgress& progress) {
  Archive& archive = store.archive();
  IngestSummary summary;
  summary.files = files.size();
  std::mutex mutex;  // guards summary and progress
  std::size_t done = 0;
  std::optional<Error> fatal;
  auto finish = [&](auto&& update) {
    std::lock_guard lock(mutex);
    update();
    ++done;
    if (progress) progress(done, files.size());
  };

  auto ran = ForEachInParallel(
      files.size(), options.workers, pack, {}, [&](vision::FaceAnalyzer& analyzer, std::size_t i) {
        const std::filesystem::path& file = files[i];
        if ((options.stop && options.stop->load()) || fatal) {
          finish([&] { ++summary.not_started; });
          return;
        }
        auto bytes = ReadFileBytes(file, kMaxFileBytes);
        if (!bytes) {
          // Unreadable: nothing to identify it by, so it is not stored.
          finish([&] {
            ++summary.failed;
            summary.errors.emplace_back(file, bytes.error());
          });
          return;
        }
        auto done_photo =
            IngestPhoto(archive, list, analyzer, file, *bytes, file.string(), options);
        finish([&] {
          if (!done_photo) {
            fatal = done_photo.error();
            return;
          }
          switch (done_photo->outcome) {
            case IngestOutcome::kSkipped: ++summary.skipped; return;
            case IngestOutcome::kFailed:
              ++summary.failed;
              summary.errors.emplace_back(file, *done_photo->error);
              return;
            case IngestOutcome::kIngested: break;
          }
          ++summary.ingested;
          summary.faces += done_photo->photo.faces.size();
          for (const NewFace& f : done_photo->photo.faces) {
            (f.tag.person ? summary.tagged : summary.unknown)++;
          }
          summary.suppressed += done_photo->suppressed;
          if (done_photo->write_error) summary.errors.emplace_back(file, *done_photo->write_error);
        });
      });
  if (!ran) return tl::unexpected(ran.error());
  if (fatal) return tl::unexpected(*fatal);
  return summary;
}

}  // namespace facetag::pipeline
