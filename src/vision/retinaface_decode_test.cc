#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "vision/face_detector.h"

namespace facetag::vision {
namespace {

// Synthetic network outputs of one RetinaFace level: all scores 0 and all
// deltas 0 unless set.
struct FakeLevel {
  FakeLevel(int stride, int width, int height)
      : stride(stride),
        width(width),
        height(height),
        scores(4 * width * height, 0.0f),
        boxes(8 * width * height, 0.0f),
        landmarks(20 * width * height, 0.0f) {}

  std::size_t At(int channel, int x, int y) const {
    return (static_cast<std::size_t>(channel) * height + y) * width + x;
  }
  void SetFace(int anchor, int x, int y, float score) { scores[At(2 + anchor, x, y)] = score; }
  void SetBox(int anchor, int x, int y, float dx, float dy, float dw, float dh) {
    const float d[4] = {dx, dy, dw, dh};
    for (int k = 0; k < 4; ++k) boxes[At(anchor * 4 + k, x, y)] = d[k];
  }
  void SetPoint(int anchor, int x, int y, int point, float dx, float dy) {
    landmarks[At(anchor * 10 + 2 * point, x, y)] = dx;
    landmarks[At(anchor * 10 + 2 * point + 1, x, y)] = dy;
  }
  RetinaFaceLevel View() const {
    return {stride, width, height, scores.data(), boxes.data(), landmarks.data()};
  }

  int stride, width, height;
  std::vector<float> scores, boxes, landmarks;
};

TEST(DecodeRetinaFace, ZeroDeltasGiveTheAnchorCentredOnItsCell) {
  FakeLevel level(16, 4, 3);
  // Anchor 1 of stride 16 has scale 4: a 64-pixel square.
  level.SetFace(1, 2, 1, 0.97f);
  const RetinaFaceLevel views[] = {level.View()};
  auto faces = DecodeRetinaFace(views, 0.5f);
  ASSERT_TRUE(faces) << faces.error().message;
  ASSERT_EQ(faces->size(), 1u);
  const Detection& d = (*faces)[0];
  EXPECT_FLOAT_EQ(d.score, 0.97f);
  // Centre (2 * 16 + 7.5, 1 * 16 + 7.5) = (39.5, 23.5).
  EXPECT_FLOAT_EQ(d.box.CenterX(), 39.5f);
  EXPECT_FLOAT_EQ(d.box.CenterY(), 23.5f);
  EXPECT_FLOAT_EQ(d.box.width, 64.0f);
  EXPECT_FLOAT_EQ(d.box.height, 64.0f);
  ASSERT_TRUE(d.points.has_value());
  for (const PointF& p : *d.points) {
    EXPECT_FLOAT_EQ(p.x, 39.5f);
    EXPECT_FLOAT_EQ(p.y, 23.5f);
  }
}

TEST(DecodeRetinaFace, DeltasMoveAndScaleByTheAnchorSide) {
  FakeLevel level(32, 2, 2);
  // Anchor 0 of stride 32 has scale 32: a 512-pixel square.
  level.SetFace(0, 1, 0, 0.9f);
  level.SetBox(0, 1, 0, 0.1f, -0.05f, std::log(0.5f), std::log(0.25f));
  level.SetPoint(0, 1, 0, 3, 0.5f, -1.0f);
  const RetinaFaceLevel views[] = {level.View()};
  auto faces = DecodeRetinaFace(views, 0.5f);
  ASSERT_TRUE(faces) << faces.error().message;
  ASSERT_EQ(faces->size(), 1u);
  const Detection& d = (*faces)[0];
  EXPECT_NEAR(d.box.CenterX(), 39.5f + 0.1f * 512, 1e-3);
  EXPECT_NEAR(d.box.CenterY(), 7.5f - 0.05f * 512, 1e-3);
  EXPECT_NEAR(d.box.width, 256.0f, 1e-3);
  EXPECT_NEAR(d.box.height, 128.0f, 1e-3);
  // Landmark deltas are in units of 0.2 anchor sides.
  EXPECT_NEAR((*d.points)[3].x, 39.5f + 0.5f * 0.2f * 512, 1e-3);
  EXPECT_NEAR((*d.points)[3].y, 7.5f - 1.0f * 0.2f * 512, 1e-3);
  EXPECT_NEAR((*d.points)[0].x, 39.5f, 1e-3);
}

TEST(DecodeRetinaFace, ReadsTheFaceNotTheBackgroundScore) {
  FakeLevel level(8, 3, 3);
  // Channel 0 is anchor 0's background probability: never a face.
  level.scores[level.At(0, 1, 1)] = 0.99f;
  level.SetFace(0, 0, 2, 0.6f);
  level.SetFace(1, 2, 0, 0.4f);
  const RetinaFaceLevel views[] = {level.View()};
  auto faces = DecodeRetinaFace(views, 0.5f);
  ASSERT_TRUE(faces);
  ASSERT_EQ(faces->size(), 1u);
  // Stride 8, anchor 0 has scale 2: a 32-pixel square at cell (0, 2).
  EXPECT_FLOAT_EQ((*faces)[0].box.CenterX(), 7.5f);
  EXPECT_FLOAT_EQ((*faces)[0].box.CenterY(), 23.5f);
  EXPECT_FLOAT_EQ((*faces)[0].box.width, 32.0f);
}

TEST(DecodeRetinaFace, AnUnknownStrideIsAModelError) {
  FakeLevel level(64, 1, 1);
  const RetinaFaceLevel views[] = {level.View()};
  auto faces = DecodeRetinaFace(views, 0.5f);
  ASSERT_FALSE(faces);
  EXPECT_EQ(faces.error().code, ErrorCode::kModel);
}

TEST(SuppressOverlaps, KeepsTheBestOfOverlappingAndContainedBoxes) {
  std::vector<Detection> in = {
      {{0, 0, 100, 100}, 0.8f, std::nullopt},
      {{5, 5, 100, 100}, 0.9f, std::nullopt},   // overlaps the first: wins
      {{30, 30, 30, 30}, 0.95f, std::nullopt},  // inside both: wins over them
      {{300, 0, 50, 50}, 0.7f, std::nullopt},   // elsewhere: kept
  };
  const auto kept = SuppressOverlaps(in, 0.3f);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_FLOAT_EQ(kept[0].score, 0.95f);
  EXPECT_FLOAT_EQ(kept[1].score, 0.7f);
}

}  // namespace
}  // namespace facetag::vision
