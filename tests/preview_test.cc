// Previews of archived photos under load: a 12,000 x 12,000 PNG (445 KB on
// disk, 432 MB decoded) asked for by six customers at once must not take
// the server down; previews come from the cache the second time; a full
// pool answers 429. Times and memory are printed and asserted with wide
// margins (the machine is shared).
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "facetag/hash.h"
#include "test_data.h"
#include "test_server.h"

namespace facetag {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double RssMb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

void AppendChunk(std::string& png, const char* type, const std::string& data) {
  const auto be32 = [&](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) png.push_back(static_cast<char>(v >> shift));
  };
  be32(static_cast<std::uint32_t>(data.size()));
  const std::string body = std::string(type, 4) + data;
  png += body;
  be32(static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

// A grey RGB PNG of `side` x `side`, compressed row by row (no full image
// in memory).
std::string GreyPng(int side) {
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string header;
  for (int v : {side, side}) {
    for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<char>(v >> shift));
  }
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bit, RGB
  AppendChunk(png, "IHDR", header);
  z_stream z{};
  deflateInit(&z, 9);
  std::string row(1 + 3 * static_cast<std::size_t>(side), '\x80');
  row[0] = 0;  // filter: none
  std::string compressed;
  std::vector<unsigned char> out(1 << 16);
  for (int y = 0; y <= side; ++y) {
    const bool last = y == side;
    z.next_in = last ? nullptr : reinterpret_cast<Bytef*>(row.data());
    z.avail_in = last ? 0 : static_cast<uInt>(row.size());
    do {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      compressed.append(reinterpret_cast<char*>(out.data()), out.size() - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  AppendChunk(png, "IDAT", compressed);
  AppendChunk(png, "IEND", "");
  return png;
}

class PreviewTest : public ::testing::Test {
 protected:
  void Start(server::ServerOptions options) {
    server_ = std::make_unique<testing::TestServer>("previews", options);
    ASSERT_TRUE(server_->ok());
  }

  // Archives `bytes` as the photo at `location` below the photo folder.
  PhotoId Archive(const std::string& location, const std::string& bytes, int width, int height) {
    std::ofstream(server_->photos() / location, std::ios::binary) << bytes;
    NewPhoto photo;
    photo.info.sha256 =
        PhotoIdentity({reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()});
    photo.info.location = location;
    photo.info.size_bytes = bytes.size();
    photo.info.width = width;
    photo.info.height = height;
    auto id = server_->store().archive().AddPhoto(photo);
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : 0;
  }

  httplib::Result Get(const std::string& path) {
    return server_->Client()->Get(path, server_->As(Role::kCustomer));
  }

  std::unique_ptr<testing::TestServer> server_;
};

TEST_F(PreviewTest, SixParallelPreviewsOfAHugePngStayBounded) {
  server::ServerOptions options;
  options.preview_cache_folder = testing::TempDir("preview-cache") / "previews";
  Start(options);
  const std::string png = GreyPng(12000);
  std::printf("[ figures  ] 12000 x 12000 PNG: %zu bytes\n", png.size());
  const PhotoId id = Archive("huge.png", png, 12000, 12000);
  const double base = RssMb();
  std::atomic<double> peak{base};
  std::atomic<bool> stop{false};
  std::thread watch([&] {
    while (!stop) {
      peak = std::max(peak.load(), RssMb());
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  const auto start = Clock::now();
  std::vector<std::future<std::pair<int, double>>> answers;
  for (int i = 0; i < 6; ++i) {
    answers.push_back(std::async(std::launch::async, [&] {
      const auto asked = Clock::now();
      auto r = Get("/api/v1/photos/" + std::to_string(id) + "/image?max=1600");
      return std::pair{r ? r->status : 0,
                       std::chrono::duration<double>(Clock::now() - asked).count()};
    }));
  }
  std::map<int, int> statuses;
  double slowest = 0;
  for (auto& a : answers) {
    const auto [status, seconds] = a.get();
    ++statuses[status];
    slowest = std::max(slowest, seconds);
  }
  const double all = std::chrono::duration<double>(Clock::now() - start).count();
  stop = true;
  watch.join();
  std::printf("[ figures  ] 6 parallel previews: %d x 200, %d x 429 in %.1f s (slowest %.1f s); "
              "RSS %.0f -> peak %.0f MB (+%.0f MB)\n",
              statuses[200], statuses[429], all, slowest, base, peak.load(), peak - base);
  EXPECT_EQ(statuses[200] + statuses[429], 6);
  EXPECT_GE(statuses[200], 1);
  // One decode at a time within the 160 MP budget: 432 MB of pixels plus
  // the PNG decoder's and the resize's buffers.
  EXPECT_LT(peak - base, 1200.0);
  EXPECT_LT(slowest, 120.0);

  // Once made, the preview comes from the cache, without decoding.
  const auto again = Clock::now();
  auto cached = Get("/api/v1/photos/" + std::to_string(id) + "/image?max=1600");
  const double cached_seconds = std::chrono::duration<double>(Clock::now() - again).count();
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->status, 200);
  EXPECT_EQ(cached->get_header_value("Content-Type"), "image/jpeg");
  std::printf("[ figures  ] the same preview from the cache: %.3f s\n", cached_seconds);
  EXPECT_LT(cached_seconds, 2.0);
  // The cache is private.
  struct stat st {};
  ASSERT_EQ(::stat(options.preview_cache_folder.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const auto& entry : fs::directory_iterator(options.preview_cache_folder)) {
    ASSERT_EQ(::stat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << entry.path();
  }
}

TEST_F(PreviewTest, AFullPoolAnswers429WithRetryAfter) {
  server::ServerOptions options;
  options.preview_workers = 1;
  options.preview_queue = 0;
  Start(options);
  const PhotoId id = Archive("big.png", GreyPng(6000), 6000, 6000);
  std::atomic<int> ok{0}, busy{0}, other{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      auto r = Get("/api/v1/photos/" + std::to_string(id) + "/image?max=400");
      if (r && r->status == 200) {
        ++ok;
      } else if (r && r->status == 429 && r->get_header_value("Retry-After") == "2") {
        ++busy;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_GE(ok.load(), 1);
  EXPECT_GE(busy.load(), 1);
  EXPECT_EQ(other.load(), 0);
}

}  // namespace
}  // namespace facetag
