// Previews of archived photos (renditions for the web pages, face
// thumbnails for review): made on a bounded pool with a budget of decoded
// pixels, and kept in a private disk cache keyed by the photo's identity and
// the preview's size, so a photo is decoded once per size, not once per view.
//
// A huge photo (a 12,000 x 12,000 PNG decodes to 432 MB) cannot take the
// server down: previews run at most `workers` at once and only while their
// decoded pixels together stay within `pixel_budget` (a photo above the
// budget runs alone); at most `queue` wait; beyond that the client gets 429
// at once.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "facetag/result.h"
#include "facetag/thread_annotations.h"
#include "facetag/vision.h"

namespace facetag::server {

struct PreviewOptions {
  int workers = 2;  // previews made at once
  int queue = 8;    // previews waiting for a turn; beyond: refused (429)
  // Decoded pixels of all previews in the making (3 bytes each): 160 MP
  // is 480 MB.
  std::uint64_t pixel_budget = 160'000'000;
  // The private cache folder (0700, files 0600); empty: no cache. Its
  // entries are dropped when the cache opens and by Clear (after an
  // opt-out or a purge), so no preview outlives the photo or face it shows
  // for longer than a run of the server.
  std::filesystem::path cache_folder;
  std::uint64_t cache_bytes = 256ull << 20;  // least recently used go beyond this
};

class PreviewPool {
 public:
  explicit PreviewPool(PreviewOptions options);

  // A turn to decode `pixels` pixels, released when it goes. Move-only.
  class Turn {
   public:
    Turn(PreviewPool* pool, std::uint64_t pixels) : pool_(pool), pixels_(pixels) {}
    Turn(Turn&& other) noexcept : pool_(other.pool_), pixels_(other.pixels_) {
      other.pool_ = nullptr;
    }
    Turn& operator=(Turn&&) = delete;
    ~Turn();

   private:
    PreviewPool* pool_;
    std::uint64_t pixels_;
  };

  // Waits for a turn (workers free and pixels within the budget); empty at
  // once when `queue` previews wait already.
  std::optional<Turn> Acquire(std::uint64_t pixels);

  int running() const;
  int waiting() const;

 private:
  void Release(std::uint64_t pixels);

  const PreviewOptions options_;
  mutable Mutex mutex_;
  std::condition_variable_any released_;
  int running_ FACETAG_GUARDED_BY(mutex_) = 0;
  int waiting_ FACETAG_GUARDED_BY(mutex_) = 0;
  std::uint64_t pixels_ FACETAG_GUARDED_BY(mutex_) = 0;
};

// JPEG previews on disk, named by the SHA-256 of their key.
class PreviewCache {
 public:
  // Opens (creates, 0700) `folder` and drops what an earlier run left.
  // Errors: kIo.
  static Result<std::unique_ptr<PreviewCache>> Open(const std::filesystem::path& folder,
                                                    std::uint64_t max_bytes);

  // The key of a preview: the photo's identity (SHA-256 of its pixels as
  // archived) and every option that changes the result.
  static std::string Key(std::string_view photo_sha256, const vision::RenditionOptions& options);

  std::optional<std::vector<unsigned char>> Get(const std::string& key);
  // Keeps `jpeg` (a failure to write only costs a later decode).
  void Put(const std::string& key, std::span<const unsigned char> jpeg);
  // Drops every entry.
  void Clear();
  std::uint64_t bytes() const;

 private:
  PreviewCache(std::filesystem::path folder, std::uint64_t max_bytes)
      : folder_(std::move(folder)), max_bytes_(max_bytes) {}
  std::filesystem::path PathOf(const std::string& key) const;

  const std::filesystem::path folder_;
  const std::uint64_t max_bytes_;
  mutable Mutex mutex_;
  // File names, most recently used first, with their sizes.
  std::list<std::pair<std::string, std::uint64_t>> order_ FACETAG_GUARDED_BY(mutex_);
  std::map<std::string, std::list<std::pair<std::string, std::uint64_t>>::iterator> index_
      FACETAG_GUARDED_BY(mutex_);
  std::uint64_t bytes_ FACETAG_GUARDED_BY(mutex_) = 0;
};

}  // namespace facetag::server
