// End to end with the detector: a photo stored turned or mirrored, with the
// EXIF orientation that shows it upright, gets face regions that lie on the
// faces' pixels in the image as stored.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "facetag/metadata.h"
#include "facetag/vision.h"
#include "metadata/metadata_exiftool.h"
#include "test_data.h"

namespace facetag::metadata {
namespace {

namespace fs = std::filesystem;
using test_util::AsList;
using test_util::AsNumber;

// OpenCV's face tests accept a detection at IoU >= 0.7. The regions are
// checked against the face boxes carried through the same pixel transform.
constexpr float kMinIou = 0.7f;

// The stored image that a viewer applying `orientation` shows as `upright`
// (EXIF 2.32 tag 0x0112, inverted): 6 = shown turned clockwise, so stored
// turned counter-clockwise, and so on.
cv::Mat StoreFor(const cv::Mat& upright, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2:
      cv::flip(upright, out, 1);
      break;
    case 3:
      cv::rotate(upright, out, cv::ROTATE_180);
      break;
    case 4:
      cv::flip(upright, out, 0);
      break;
    case 5:
      cv::transpose(upright, out);
      break;
    case 6:
      cv::rotate(upright, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;
    case 7: {
      cv::Mat mirrored;
      cv::flip(upright, mirrored, 1);
      cv::rotate(mirrored, out, cv::ROTATE_90_CLOCKWISE);
      break;
    }
    case 8:
      cv::rotate(upright, out, cv::ROTATE_90_CLOCKWISE);
      break;
    default:
      out = upright.clone();
      break;
  }
  return out;
}

// The bounding box of the non-zero pixels of a mask.
FaceBox MaskBox(const cv::Mat& mask) {
  const cv::Rect r = cv::boundingRect(mask);
  return FaceBox{float(r.x), float(r.y), float(r.width), float(r.height)};
}

TEST(MetadataFaceRegions, LandOnTheStoredFacesInEveryOrientation) {
  auto analyzer = vision::FaceAnalyzer::Create(testing::DefaultPack());
  ASSERT_TRUE(analyzer) << analyzer.error().message;
  const fs::path dir = testing::TempDir("face-regions");
  const fs::path source = testing::DataFile("photos/face_recognition/examples/two_people.jpg");
  const cv::Mat upright = cv::imread(source.string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(upright.empty());
  auto faces = (*analyzer)->AnalyzeFile(source);
  ASSERT_TRUE(faces) << faces.error().message;
  ASSERT_EQ(faces->faces.size(), 2u);

  for (int orientation = 1; orientation <= 8; ++orientation) {
    const std::string what = "orientation " + std::to_string(orientation);
    const fs::path photo = dir / ("o" + std::to_string(orientation) + ".jpg");
    ASSERT_TRUE(cv::imwrite(photo.string(), StoreFor(upright, orientation),
                            {cv::IMWRITE_JPEG_QUALITY, 95}));
    test_util::ExiftoolWrite(photo, {"-Orientation#=" + std::to_string(orientation)});

    // Where each face's pixels are in the stored image.
    std::vector<FaceBox> stored_faces;
    for (const auto& face : faces->faces) {
      cv::Mat mask = cv::Mat::zeros(upright.size(), CV_8U);
      const FaceBox& b = face.box;
      cv::rectangle(mask,
                    cv::Rect(cv::Point(int(b.x + 0.5f), int(b.y + 0.5f)),
                             cv::Point(int(b.x + b.width + 0.5f), int(b.y + b.height + 0.5f))),
                    cv::Scalar(255), cv::FILLED);
      stored_faces.push_back(MaskBox(StoreFor(mask, orientation)));
    }

    // The pipeline's view: decode with orientation, detect, write the boxes.
    auto shown = (*analyzer)->AnalyzeFile(photo);
    ASSERT_TRUE(shown) << shown.error().message;
    ASSERT_EQ(shown->exif_orientation, orientation);
    ASSERT_EQ(shown->faces.size(), 2u) << what;
    TagSet tags;
    tags.width = shown->width;
    tags.height = shown->height;
    tags.exif_orientation = shown->exif_orientation;
    for (std::size_t i = 0; i < shown->faces.size(); ++i) {
      tags.pictured.push_back({"Person " + std::to_string(i),
                               "urn:test:" + std::to_string(i),
                               shown->faces[i].box,
                               {}});
    }
    auto report = WritePersonTags(photo, tags);
    ASSERT_TRUE(report) << what << ": " << report.error().message;

    // The independent reader's regions, in stored pixels.
    const auto json = test_util::ExiftoolJson(photo, {"-struct", "-RegionInfo"});
    const auto regions = AsList(json["RegionInfo"]["RegionList"]);
    ASSERT_EQ(regions.size(), 2u) << what;
    const float w = float(AsNumber(json["RegionInfo"]["AppliedToDimensions"]["W"]));
    const float h = float(AsNumber(json["RegionInfo"]["AppliedToDimensions"]["H"]));
    EXPECT_EQ(orientation >= 5 ? h : w, float(upright.cols)) << what;
    for (const auto& region : regions) {
      const auto& area = region["Area"];
      const FaceBox box{float(AsNumber(area["X"]) - AsNumber(area["W"]) / 2) * w,
                        float(AsNumber(area["Y"]) - AsNumber(area["H"]) / 2) * h,
                        float(AsNumber(area["W"])) * w, float(AsNumber(area["H"])) * h};
      float best = 0;
      for (const auto& face : stored_faces) best = std::max(best, IntersectionOverUnion(box, face));
      EXPECT_GE(best, kMinIou) << what << ", " << region["Name"];
    }
  }
}

}  // namespace
}  // namespace facetag::metadata
