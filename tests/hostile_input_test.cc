// Bad and unusual input reaches the analyzer: every case gets a clear error
// or a correct result, never a crash, and memory stays bounded.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

#include "facetag/file_io.h"
#include "facetag/vision.h"
#include "test_data.h"
#include "vision/test_images.h"

namespace facetag {
namespace {

using testing::DataFile;

class HostileInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto analyzer = vision::FaceAnalyzer::Create(testing::DefaultPack());
    ASSERT_TRUE(analyzer) << analyzer.error().message;
    analyzer_ = std::move(*analyzer).release();
    dir_ = new std::filesystem::path(testing::TempDir("hostile"));
  }
  static void TearDownTestSuite() {
    delete analyzer_;
    delete dir_;
  }

  static std::filesystem::path Write(const std::string& name,
                                     const std::vector<unsigned char>& bytes) {
    const auto path = *dir_ / name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  static ErrorCode CodeOf(const std::filesystem::path& path) {
    auto result = analyzer_->AnalyzeFile(path);
    EXPECT_FALSE(result) << path << " was accepted";
    if (result) return ErrorCode::kInternal;
    EXPECT_NE(result.error().message.find(path.filename().string()), std::string::npos)
        << "message does not name the file: " << result.error().message;
    return result.error().code;
  }

  static cv::Mat Obama() {
    return cv::imread(DataFile("photos/face_recognition/examples/obama.jpg").string());
  }

  // The face of a photo in another encoding must be found and embed almost
  // like the JPEG original.
  static void ExpectSameFace(const std::filesystem::path& path, float min_similarity = 0.9f) {
    auto original = analyzer_->AnalyzeFile(DataFile("photos/face_recognition/examples/obama.jpg"));
    auto converted = analyzer_->AnalyzeFile(path);
    ASSERT_TRUE(original && converted) << (converted ? "" : converted.error().message);
    const auto main_face = vision::PickMainFace(*converted);
    ASSERT_TRUE(main_face.has_value()) << path;
    EXPECT_GT(CosineSimilarity(original->faces[0].embedding.values,
                               converted->faces[*main_face].embedding.values),
              min_similarity)
        << path;
  }

  static long MaxRssKb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
  }

  static vision::FaceAnalyzer* analyzer_;
  static std::filesystem::path* dir_;
};

vision::FaceAnalyzer* HostileInputTest::analyzer_ = nullptr;
std::filesystem::path* HostileInputTest::dir_ = nullptr;

TEST_F(HostileInputTest, EmptyFile) {
  EXPECT_EQ(CodeOf(Write("empty.jpg", {})), ErrorCode::kUnsupportedFormat);
}

TEST_F(HostileInputTest, TruncatedJpeg) {
  auto bytes = ReadFileBytes(DataFile("photos/face_recognition/examples/obama.jpg"), 1 << 26);
  ASSERT_TRUE(bytes);
  bytes->resize(bytes->size() / 2);
  EXPECT_EQ(CodeOf(Write("truncated.jpg", *bytes)), ErrorCode::kCorruptImage);
}

TEST_F(HostileInputTest, RandomBytesNamedJpg) {
  std::mt19937 rng(42);
  std::vector<unsigned char> noise(100000);
  for (auto& b : noise) b = static_cast<unsigned char>(rng());
  EXPECT_EQ(CodeOf(Write("random.jpg", noise)), ErrorCode::kUnsupportedFormat);
  // Random bytes behind a valid JPEG signature are corrupt, not a crash.
  noise[0] = 0xFF, noise[1] = 0xD8, noise[2] = 0xFF;
  EXPECT_EQ(CodeOf(Write("random_jpeg_header.jpg", noise)), ErrorCode::kCorruptImage);
}

TEST_F(HostileInputTest, TextFile) {
  const std::string text = "Caption: Mark Rutte speaks in The Hague.\n";
  EXPECT_EQ(CodeOf(Write("caption.jpg", {text.begin(), text.end()})),
            ErrorCode::kUnsupportedFormat);
}

TEST_F(HostileInputTest, PngDeclaringFiftyThousandSquaredPixelsUsesNoMemory) {
  const long before = MaxRssKb();
  EXPECT_EQ(CodeOf(Write("huge.png", vision::PngDeclaring(50000, 50000))),
            ErrorCode::kImageTooLarge);
  EXPECT_LT(MaxRssKb() - before, 50 * 1024) << "peak memory grew by more than 50 MB";
}

TEST_F(HostileInputTest, JpegDeclaringHugeSizeIsRefusedBeforeDecoding) {
  auto bytes = vision::Encode(cv::Mat(16, 16, CV_8UC3, cv::Scalar::all(5)), ".jpg");
  // Patch the frame header (SOF0) to 65535 x 65535.
  for (std::size_t i = 2; i + 8 < bytes.size(); ++i) {
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {
      bytes[i + 5] = bytes[i + 6] = bytes[i + 7] = bytes[i + 8] = 0xFF;
      break;
    }
  }
  EXPECT_EQ(CodeOf(Write("huge.jpg", bytes)), ErrorCode::kImageTooLarge);
}

TEST_F(HostileInputTest, OneByOnePixelHasNoFace) {
  const auto path =
      Write("tiny.png", vision::Encode(cv::Mat(1, 1, CV_8UC3, cv::Scalar::all(9)), ".png"));
  auto result = analyzer_->AnalyzeFile(path);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->faces.empty());
  EXPECT_EQ(result->width, 1);
}

TEST_F(HostileInputTest, SixteenBitTiff) {
  cv::Mat deep;
  Obama().convertTo(deep, CV_16UC3, 257.0);
  ExpectSameFace(Write("deep.tif", vision::Encode(deep, ".tif")));
}

TEST_F(HostileInputTest, CmykJpeg) {
  const auto path = *dir_ / "cmyk.jpg";
  const std::string command = "convert '" +
                              DataFile("photos/face_recognition/examples/obama.jpg").string() +
                              "' -colorspace CMYK '" + path.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << "ImageMagick (scripts/setup.sh installs it)";
  auto info = vision::ProbeImage(*ReadFileBytes(path, 1 << 26));
  ASSERT_TRUE(info);
  ExpectSameFace(path, 0.8f);
}

TEST_F(HostileInputTest, GreyscaleImage) {
  cv::Mat grey;
  cv::cvtColor(Obama(), grey, cv::COLOR_BGR2GRAY);
  ExpectSameFace(Write("grey.png", vision::Encode(grey, ".png")), 0.8f);
}

TEST_F(HostileInputTest, EveryStillFormatFindsTheFace) {
  for (const char* ext : {".png", ".webp", ".tif", ".bmp"}) {
    ExpectSameFace(Write(std::string("obama") + ext, vision::Encode(Obama(), ext)));
  }
}

TEST_F(HostileInputTest, AnimatedGifAndWebpAreRefusedClearly) {
  const auto frame1 =
      Write("frame1.png", vision::Encode(cv::Mat(32, 32, CV_8UC3, cv::Scalar(0, 0, 255)), ".png"));
  const auto frame2 =
      Write("frame2.png", vision::Encode(cv::Mat(32, 32, CV_8UC3, cv::Scalar(0, 255, 0)), ".png"));
  const auto gif = *dir_ / "animated.gif";
  const auto webp = *dir_ / "animated.webp";
  ASSERT_EQ(std::system(("convert -delay 20 '" + frame1.string() + "' '" + frame2.string() + "' '" +
                         gif.string() + "'")
                            .c_str()),
            0);
  ASSERT_EQ(std::system(("img2webp -loop 0 '" + frame1.string() + "' '" + frame2.string() +
                         "' -o '" + webp.string() + "' >/dev/null 2>&1")
                            .c_str()),
            0)
      << "img2webp (Debian webp, installed by scripts/setup.sh)";
  EXPECT_EQ(CodeOf(gif), ErrorCode::kUnsupportedFormat);
  EXPECT_EQ(CodeOf(webp), ErrorCode::kUnsupportedFormat);
  auto message = analyzer_->AnalyzeFile(webp).error().message;
  EXPECT_NE(message.find("animated"), std::string::npos) << message;
}

TEST_F(HostileInputTest, MultiPageTiffAnalysesTheFirstPage) {
  const auto path = *dir_ / "pages.tif";
  ASSERT_TRUE(cv::imwritemulti(
      path.string(), std::vector<cv::Mat>{Obama(), cv::Mat(50, 50, CV_8UC3, cv::Scalar::all(0))}));
  ExpectSameFace(path);
}

TEST_F(HostileInputTest, DirectoryAndMissingFile) {
  EXPECT_EQ(analyzer_->AnalyzeFile(*dir_).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(analyzer_->AnalyzeFile(*dir_ / "missing.jpg").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace facetag
