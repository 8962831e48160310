#include "previews.h"

#include <cstdio>
#include <fstream>
#include <iterator>

#include "facetag/file_io.h"
#include "facetag/hash.h"

namespace facetag::server {
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// PreviewPool

PreviewPool::PreviewPool(PreviewOptions options) : options_(std::move(options)) {}

PreviewPool::Turn::~Turn() {
  if (pool_ != nullptr) pool_->Release(pixels_);
}

std::optional<PreviewPool::Turn> PreviewPool::Acquire(std::uint64_t pixels) {
  MutexLock lock(mutex_);
  const auto may_run = [&]() FACETAG_REQUIRES(mutex_) {
    // A preview above the budget runs when nothing else does.
    return running_ < std::max(1, options_.workers) &&
           (running_ == 0 || pixels_ + pixels <= options_.pixel_budget);
  };
  if (!may_run()) {
    if (waiting_ >= options_.queue) return std::nullopt;
    ++waiting_;
    released_.wait(mutex_, may_run);
    --waiting_;
  }
  ++running_;
  pixels_ += pixels;
  return Turn(this, pixels);
}

void PreviewPool::Release(std::uint64_t pixels) {
  {
    MutexLock lock(mutex_);
    --running_;
    pixels_ -= pixels;
  }
  released_.notify_all();
}

int PreviewPool::running() const {
  MutexLock lock(mutex_);
  return running_;
}

int PreviewPool::waiting() const {
  MutexLock lock(mutex_);
  return waiting_;
}

// ---------------------------------------------------------------------------
// PreviewCache

Result<std::unique_ptr<PreviewCache>> PreviewCache::Open(const fs::path& folder,
                                                         std::uint64_t max_bytes) {
  FACETAG_RETURN_IF_ERROR(MakePrivateFolder(folder));
  std::unique_ptr<PreviewCache> cache(new PreviewCache(folder, max_bytes));
  cache->Clear();
  return cache;
}

std::string PreviewCache::Key(std::string_view photo_sha256,
                              const vision::RenditionOptions& options) {
  char text[160];
  if (options.crop) {
    const FaceBox& b = *options.crop;
    std::snprintf(text, sizeof text, "/%d/q%d/crop:%.1f,%.1f,%.1f,%.1f/m%.3f", options.max_side,
                  options.jpeg_quality, b.x, b.y, b.width, b.height, options.crop_margin);
  } else {
    std::snprintf(text, sizeof text, "/%d/q%d", options.max_side, options.jpeg_quality);
  }
  return std::string(photo_sha256) + text;
}

fs::path PreviewCache::PathOf(const std::string& key) const {
  return folder_ / (Sha256Hex({reinterpret_cast<const unsigned char*>(key.data()), key.size()}) +
                    ".jpg");
}

std::optional<std::vector<unsigned char>> PreviewCache::Get(const std::string& key) {
  const fs::path path = PathOf(key);
  const std::string name = path.filename().string();
  {
    MutexLock lock(mutex_);
    auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second);
  }
  auto bytes = ReadFileBytes(path, max_bytes_);
  if (!bytes) return std::nullopt;
  return std::move(*bytes);
}

void PreviewCache::Put(const std::string& key, std::span<const unsigned char> jpeg) {
  if (jpeg.size() > max_bytes_) return;
  const fs::path path = PathOf(key);
  const std::string name = path.filename().string();
  if (!WritePrivateFile(path, jpeg)) return;
  std::vector<std::string> evicted;
  {
    MutexLock lock(mutex_);
    if (auto it = index_.find(name); it != index_.end()) {
      bytes_ -= it->second->second;
      order_.erase(it->second);
    }
    order_.emplace_front(name, jpeg.size());
    index_[name] = order_.begin();
    bytes_ += jpeg.size();
    while (bytes_ > max_bytes_ && order_.size() > 1) {
      const auto& [victim, size] = order_.back();
      evicted.push_back(victim);
      bytes_ -= size;
      index_.erase(victim);
      order_.pop_back();
    }
  }
  for (const std::string& victim : evicted) {
    std::error_code ec;
    fs::remove(folder_ / victim, ec);
  }
}

void PreviewCache::Clear() {
  MutexLock lock(mutex_);
  std::error_code ec;
  for (fs::directory_iterator it(folder_, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ignored;
    fs::remove(it->path(), ignored);
  }
  order_.clear();
  index_.clear();
  bytes_ = 0;
}

std::uint64_t PreviewCache::bytes() const {
  MutexLock lock(mutex_);
  return bytes_;
}

}  // namespace facetag::server
