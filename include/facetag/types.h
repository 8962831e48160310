// Plain value types shared by every module: faces, landmarks, embeddings.
//
// Coordinates are in pixels of the image *as displayed*, i.e. after its EXIF
// orientation has been applied, unless a name says otherwise. Similarities
// are cosine similarities of unit vectors: higher is more alike, in [-1, 1].
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace facetag {

struct PointF {
  float x = 0;
  float y = 0;
};

// An axis-aligned face box in pixels: top-left corner and size.
struct FaceBox {
  float x = 0;
  float y = 0;
  float width = 0;
  float height = 0;

  float Area() const { return width * height; }
  float CenterX() const { return x + width / 2; }
  float CenterY() const { return y + height / 2; }
};

// The part of `box` inside a width x height frame (empty when outside).
FaceBox ClipToFrame(const FaceBox& box, float width, float height);

// Intersection over union of two boxes, in [0, 1].
float IntersectionOverUnion(const FaceBox& a, const FaceBox& b);

// The 68 points of the iBUG 300-W markup (0-based: jaw 0-16, brows 17-26,
// nose 27-35, eyes 36-47, mouth 48-67), in pixels.
using Landmarks68 = std::array<PointF, 68>;

// The five points the alignment template is defined on, in this order:
// left eye, right eye (as seen in the image), nose tip, left and right
// mouth corner.
using Landmarks5 = std::array<PointF, 5>;

// A face embedding: an L2-normalised vector and the id of the model pack that
// computed it. Embeddings of different models are never compared.
struct Embedding {
  std::string model_id;
  std::vector<float> values;
};

// Cosine similarity of two unit vectors of equal length, in [-1, 1].
float CosineSimilarity(const std::vector<float>& a, const std::vector<float>& b);

// Normalises `values` to unit length in place; a zero vector stays zero.
void NormalizeL2(std::vector<float>& values);

// The main reason a detection is not a usable face for recognition.
enum class QualityIssue {
  kNone,         // usable
  kNotAFace,     // the landmarks do not fit a face (a hand, a jacket, a pattern)
  kTooSmall,     // too few pixels between the eyes for a reliable embedding
  kBlurred,      // too little detail (motion or focus blur, heavy compression)
  kProfileView,  // turned too far from the camera
  kCutOff,       // a large part of the face lies outside the photo
};

// "none", "not_a_face", "too_small", "blurred", "profile_view", "cut_off",
// and back (empty for any other text).
const char* QualityIssueName(QualityIssue issue);
std::optional<QualityIssue> ParseQualityIssue(std::string_view text);

// How usable a detected face is for recognition: one score, comparable with
// the model pack's floors (PackThresholds::quality_floor_*), and the main
// reason when it is low.
struct FaceQuality {
  float score = 1;  // [0, 1], higher is more usable
  QualityIssue issue = QualityIssue::kNone;
};

// Everything the vision pipeline derives from one face.
struct DetectedFace {
  FaceBox box;                // pixels, displayed orientation
  float detection_score = 0;  // detector confidence in [0, 1]
  Landmarks68 landmarks{};    // pixels, displayed orientation
  Embedding embedding;
  FaceQuality quality;
};

// The faces of one photo and the facts about the photo they came from.
struct PhotoFaces {
  int width = 0;             // displayed width in pixels (after EXIF orientation)
  int height = 0;            // displayed height in pixels
  int exif_orientation = 1;  // 1-8, as stored in the file
  std::vector<DetectedFace> faces;
};

}  // namespace facetag
