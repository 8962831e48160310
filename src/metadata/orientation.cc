// EXIF orientation: displayed pixels <-> pixels as stored.
//
// A stored pixel (xs, ys) of a W x H image appears on screen at (EXIF 2.32,
// tag 0x0112; the same table as vision's ApplyExifOrientation):
//   1 (xs, ys)          2 (W-xs, ys)        3 (W-xs, H-ys)      4 (xs, H-ys)
//   5 (ys, xs)          6 (H-ys, xs)        7 (H-ys, W-xs)      8 (ys, W-xs)
// in continuous coordinates (pixel edges), so a box maps to a box by mapping
// two opposite corners.
#include <algorithm>
#include <cmath>

#include "facetag/metadata.h"

namespace facetag::metadata {
namespace {

int ValidOrientation(int orientation) {
  return orientation >= 1 && orientation <= 8 ? orientation : 1;
}

bool SwapsAxes(int orientation) { return orientation >= 5; }

// Displayed point of a stored point; `w`, `h` are the stored size.
PointF StoredPointToDisplayed(PointF p, float w, float h, int orientation) {
  switch (orientation) {
    case 2:
      return {w - p.x, p.y};
    case 3:
      return {w - p.x, h - p.y};
    case 4:
      return {p.x, h - p.y};
    case 5:
      return {p.y, p.x};
    case 6:
      return {h - p.y, p.x};
    case 7:
      return {h - p.y, w - p.x};
    case 8:
      return {p.y, w - p.x};
    default:
      return p;
  }
}

// The orientation that undoes `orientation`: the quarter turns 6 and 8 undo
// each other, every other orientation is its own inverse.
int InverseOrientation(int orientation) {
  return orientation == 6 ? 8 : orientation == 8 ? 6 : orientation;
}

// Stored point of a displayed point; `w`, `h` are the stored size. Undoing
// an orientation is applying its inverse to the displayed image.
PointF DisplayedPointToStored(PointF p, float w, float h, int orientation) {
  const bool swap = SwapsAxes(orientation);
  return StoredPointToDisplayed(p, swap ? h : w, swap ? w : h, InverseOrientation(orientation));
}

template <typename MapPoint>
FaceBox MapBox(const FaceBox& box, MapPoint map) {
  const PointF a = map(PointF{box.x, box.y});
  const PointF b = map(PointF{box.x + box.width, box.y + box.height});
  return FaceBox{std::min(a.x, b.x), std::min(a.y, b.y), std::abs(a.x - b.x), std::abs(a.y - b.y)};
}

}  // namespace

PixelSize StoredSize(int displayed_width, int displayed_height, int exif_orientation) {
  if (SwapsAxes(ValidOrientation(exif_orientation))) return {displayed_height, displayed_width};
  return {displayed_width, displayed_height};
}

FaceBox DisplayedToStored(const FaceBox& box, int displayed_width, int displayed_height,
                          int exif_orientation) {
  const int orientation = ValidOrientation(exif_orientation);
  const PixelSize stored = StoredSize(displayed_width, displayed_height, orientation);
  const auto w = static_cast<float>(stored.width);
  const auto h = static_cast<float>(stored.height);
  return MapBox(box, [&](PointF p) { return DisplayedPointToStored(p, w, h, orientation); });
}

FaceBox StoredToDisplayed(const FaceBox& box, int stored_width, int stored_height,
                          int exif_orientation) {
  const int orientation = ValidOrientation(exif_orientation);
  const auto w = static_cast<float>(stored_width);
  const auto h = static_cast<float>(stored_height);
  return MapBox(box, [&](PointF p) { return StoredPointToDisplayed(p, w, h, orientation); });
}

}  // namespace facetag::metadata
