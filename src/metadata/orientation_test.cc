#include <gtest/gtest.h>

#include <vector>

#include "facetag/metadata.h"

namespace facetag::metadata {
namespace {

// A reference the conversion is checked against: a small pixel grid turned
// by the operations EXIF 2.32 names for each orientation, one pixel at a time.
struct Grid {
  int width = 0;
  int height = 0;
  std::vector<int> cells;  // row-major
  int& at(int x, int y) { return cells[static_cast<std::size_t>(y * width + x)]; }
  int at(int x, int y) const { return cells[static_cast<std::size_t>(y * width + x)]; }
};

Grid MakeGrid(int width, int height) {
  return Grid{width, height, std::vector<int>(static_cast<std::size_t>(width * height), 0)};
}

Grid MirrorHorizontal(const Grid& g) {
  Grid out = MakeGrid(g.width, g.height);
  for (int y = 0; y < g.height; ++y)
    for (int x = 0; x < g.width; ++x) out.at(g.width - 1 - x, y) = g.at(x, y);
  return out;
}

Grid MirrorVertical(const Grid& g) {
  Grid out = MakeGrid(g.width, g.height);
  for (int y = 0; y < g.height; ++y)
    for (int x = 0; x < g.width; ++x) out.at(x, g.height - 1 - y) = g.at(x, y);
  return out;
}

Grid RotateClockwise(const Grid& g) {
  Grid out = MakeGrid(g.height, g.width);
  for (int y = 0; y < g.height; ++y)
    for (int x = 0; x < g.width; ++x) out.at(g.height - 1 - y, x) = g.at(x, y);
  return out;
}

// How a viewer shows a stored image with this orientation.
Grid Display(const Grid& stored, int orientation) {
  switch (orientation) {
    case 2:
      return MirrorHorizontal(stored);
    case 3:
      return RotateClockwise(RotateClockwise(stored));
    case 4:
      return MirrorVertical(stored);
    case 5:
      return RotateClockwise(RotateClockwise(RotateClockwise(MirrorHorizontal(stored))));
    case 6:
      return RotateClockwise(stored);
    case 7:
      return RotateClockwise(MirrorHorizontal(stored));
    case 8:
      return RotateClockwise(RotateClockwise(RotateClockwise(stored)));
    default:
      return stored;
  }
}

// The box (pixel edges) around the cells marked 1.
FaceBox MarkedBox(const Grid& g) {
  int x0 = g.width, y0 = g.height, x1 = -1, y1 = -1;
  for (int y = 0; y < g.height; ++y)
    for (int x = 0; x < g.width; ++x)
      if (g.at(x, y) == 1) {
        x0 = std::min(x0, x), y0 = std::min(y0, y);
        x1 = std::max(x1, x), y1 = std::max(y1, y);
      }
  return FaceBox{float(x0), float(y0), float(x1 - x0 + 1), float(y1 - y0 + 1)};
}

void ExpectBoxEq(const FaceBox& a, const FaceBox& b, const std::string& what) {
  EXPECT_FLOAT_EQ(a.x, b.x) << what;
  EXPECT_FLOAT_EQ(a.y, b.y) << what;
  EXPECT_FLOAT_EQ(a.width, b.width) << what;
  EXPECT_FLOAT_EQ(a.height, b.height) << what;
}

TEST(MetadataOrientation, DisplayedBoxMapsBackToStoredPixelsForAllEight) {
  // A 9 x 5 stored image with an off-centre 3 x 2 "face" at (1, 2), so that
  // every mirror and turn moves it somewhere else.
  Grid stored = MakeGrid(9, 5);
  const FaceBox face{1, 2, 3, 2};
  for (int y = 2; y < 4; ++y)
    for (int x = 1; x < 4; ++x) stored.at(x, y) = 1;
  stored.at(0, 0) = 2;  // a corner marker, to tell mirror images apart

  for (int orientation = 1; orientation <= 8; ++orientation) {
    const std::string what = "orientation " + std::to_string(orientation);
    const Grid displayed = Display(stored, orientation);
    const FaceBox shown = MarkedBox(displayed);

    const PixelSize size = StoredSize(displayed.width, displayed.height, orientation);
    EXPECT_EQ(size.width, stored.width) << what;
    EXPECT_EQ(size.height, stored.height) << what;

    ExpectBoxEq(DisplayedToStored(shown, displayed.width, displayed.height, orientation), face,
                what);
    ExpectBoxEq(StoredToDisplayed(face, stored.width, stored.height, orientation), shown, what);
  }
}

TEST(MetadataOrientation, StoredCornerLandsWhereExifSays) {
  // EXIF 2.32: where the stored top-left pixel is shown.
  // 1 top-left, 2 top-right, 3 bottom-right, 4 bottom-left,
  // 5 top-left, 6 top-right, 7 bottom-right, 8 bottom-left.
  const int w = 40, h = 20;
  const FaceBox corner{0, 0, 1, 1};
  const bool right[9] = {false, false, true, true, false, false, true, true, false};
  const bool bottom[9] = {false, false, false, true, true, false, false, true, true};
  for (int orientation = 1; orientation <= 8; ++orientation) {
    const int dw = orientation >= 5 ? h : w, dh = orientation >= 5 ? w : h;
    const FaceBox d = StoredToDisplayed(corner, w, h, orientation);
    EXPECT_EQ(d.x > dw / 2, right[orientation]) << orientation;
    EXPECT_EQ(d.y > dh / 2, bottom[orientation]) << orientation;
  }
}

TEST(MetadataOrientation, InvalidValuesCountAsNormal) {
  const FaceBox box{10, 20, 30, 40};
  for (int orientation : {0, 9, -1, 255}) {
    ExpectBoxEq(DisplayedToStored(box, 100, 200, orientation), box, std::to_string(orientation));
    EXPECT_EQ(StoredSize(100, 200, orientation).width, 100);
  }
}

TEST(MetadataOrientation, QuarterTurnOfARealPhotoSize) {
  // A 4000 x 3000 image shown upright as 3000 x 4000 (orientation 6, turned
  // clockwise for display): the displayed top-left corner is the stored
  // bottom-left one.
  const FaceBox displayed{0, 0, 300, 400};
  const FaceBox stored = DisplayedToStored(displayed, 3000, 4000, 6);
  ExpectBoxEq(stored, FaceBox{0, 2700, 400, 300}, "orientation 6");
}

}  // namespace
}  // namespace facetag::metadata
