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

Result<IngestSummary> Ingest(Store& store, const ModelPack& pack, const Recognizer& list,
                             const std::vector<std::filesystem::path>& files,
                             const IngestOptions& options, const IngestProgress& progress) {
  Archive& archive = store.archive();
  IngestSummary summary;
  summary.files = files.size();
  std::mutex mutex;  // guards summary and progress
  std::size_t done = 0;
  std::optional<Error> fatal;
  metadata::WriteOptions write_options;
  write_options.target = options.target;

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
        const std::string identity = PhotoIdentity(*bytes);
        auto known = archive.FindPhoto(identity);
        if (known && *known && !options.force) {
          finish([&] { ++summary.skipped; });
          return;
        }
        Tagger tagger(list, analyzer);
        auto tagging = tagger.Inspect(file, *bytes);
        NewPhoto photo;
        if (tagging) {
          photo = ToNewPhoto(*tagging, identity, bytes->size());
        } else {
          photo.info.sha256 = identity;
          photo.info.location = file.string();
          photo.info.size_bytes = bytes->size();
          photo.info.failure = tagging.error();
        }
        auto stored = options.force ? archive.ReplacePhoto(photo, options.actor).map([](auto) {})
                                    : archive.AddPhoto(photo).map([](auto) {});
        std::optional<Error> write_error;
        if (stored && tagging && options.write_metadata) {
          auto written = tagger.Write(*tagging, write_options);
          if (!written) write_error = written.error();
        }
        finish([&] {
          if (!stored) {
            // Another process stored it meanwhile: that is a skip. Any
            // other database failure stops the run.
            if (stored.error().code == ErrorCode::kAlreadyExists) {
              ++summary.skipped;
            } else {
              fatal = stored.error();
            }
            return;
          }
          if (!tagging) {
            ++summary.failed;
            summary.errors.emplace_back(file, tagging.error());
            return;
          }
          ++summary.ingested;
          summary.faces += photo.faces.size();
          for (const NewFace& f : photo.faces) (f.tag.person ? summary.tagged : summary.unknown)++;
          summary.suppressed += tagging->faces.size() - photo.faces.size();
          if (write_error) summary.errors.emplace_back(file, *write_error);
        });
      });
  if (!ran) return tl::unexpected(ran.error());
  if (fatal) return tl::unexpected(*fatal);
  return summary;
}

}  // namespace facetag::pipeline
