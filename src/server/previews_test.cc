// The preview pool's turns and pixel budget, and the private cache.
#include "previews.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "test_data.h"

namespace facetag::server {
namespace {

namespace fs = std::filesystem;

TEST(PreviewPoolTest, PixelsBeyondTheBudgetWaitAndAFullQueueIsRefused) {
  PreviewOptions options;
  options.workers = 2;
  options.queue = 1;
  options.pixel_budget = 150;
  PreviewPool pool(options);
  auto first = pool.Acquire(100);
  ASSERT_TRUE(first);
  std::atomic<bool> second_ran{false};
  auto second = std::async(std::launch::async, [&] {
    auto turn = pool.Acquire(100);  // 200 > 150: waits for the first
    second_ran = true;
    return turn.has_value();
  });
  while (pool.waiting() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_FALSE(second_ran.load());
  EXPECT_FALSE(pool.Acquire(100)) << "the queue of one is full";
  EXPECT_TRUE(pool.Acquire(10)) << "a small preview within the budget runs at once";
  first.reset();
  EXPECT_TRUE(second.get());
  EXPECT_EQ(pool.running(), 0);
  // A preview above the whole budget runs alone.
  auto huge = pool.Acquire(1000);
  EXPECT_TRUE(huge);
}

TEST(PreviewCacheTest, KeepsPrivateFilesAndDropsTheLeastRecentlyUsed) {
  const fs::path folder = testing::TempDir("preview-cache-unit") / "cache";
  fs::create_directories(folder);
  std::ofstream(folder / "left-over.jpg") << "old";
  auto cache = PreviewCache::Open(folder, 250);
  ASSERT_TRUE(cache) << cache.error().message;
  EXPECT_FALSE(fs::exists(folder / "left-over.jpg")) << "an earlier run's previews go";
  const std::vector<unsigned char> a(100, 'a'), b(100, 'b'), c(100, 'c');
  (*cache)->Put("a", a);
  (*cache)->Put("b", b);
  ASSERT_TRUE((*cache)->Get("a"));  // a is now the most recent
  (*cache)->Put("c", c);            // 300 > 250: b goes
  EXPECT_TRUE((*cache)->Get("a"));
  EXPECT_FALSE((*cache)->Get("b"));
  EXPECT_EQ(*(*cache)->Get("c"), c);
  EXPECT_EQ((*cache)->bytes(), 200u);
  struct stat st {};
  ASSERT_EQ(::stat(folder.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const auto& entry : fs::directory_iterator(folder)) {
    ASSERT_EQ(::stat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  }
  (*cache)->Clear();
  EXPECT_FALSE((*cache)->Get("a"));
  EXPECT_TRUE(fs::is_empty(folder));
}

TEST(PreviewCacheTest, KeysTellSizesCropsAndPhotosApart) {
  vision::RenditionOptions whole;
  vision::RenditionOptions small = whole;
  small.max_side = 400;
  vision::RenditionOptions face = whole;
  face.crop = FaceBox{10, 20, 30, 40};
  std::set<std::string> keys = {PreviewCache::Key("aa", whole), PreviewCache::Key("aa", small),
                                PreviewCache::Key("aa", face), PreviewCache::Key("bb", whole)};
  EXPECT_EQ(keys.size(), 4u);
}

}  // namespace
}  // namespace facetag::server
