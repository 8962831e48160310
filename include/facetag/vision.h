// The vision pipeline: photo bytes in, faces with embeddings out.
//
//   decode (EXIF orientation applied, pixel limit) -> pad -> detect (the
//   pack's detector: UltraFace, or RetinaFace with five points) -> 68
//   landmarks -> 5-point similarity alignment to 112x112 (on the detector's
//   points when the pack says so) -> embedding
//
// The networks and OpenCV stay behind this header. See docs/architecture.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "facetag/model_pack.h"
#include "facetag/result.h"
#include "facetag/types.h"

namespace facetag::vision {

enum class ImageFormat { kUnknown, kJpeg, kPng, kTiff, kWebp, kBmp, kGif };

const char* ImageFormatName(ImageFormat format);

// What a file's header says, read without decoding the pixels.
struct ImageInfo {
  ImageFormat format = ImageFormat::kUnknown;
  int stored_width = 0;  // pixels as stored, before EXIF orientation
  int stored_height = 0;
  int exif_orientation = 1;  // 1-8; 1 when absent or invalid
  bool animated = false;     // an animation (GIF/WebP); only still images are analysed
  // The fewest bytes a file of this format needs to hold the declared
  // pixels; 0 when the format allows no useful bound. For a Huffman-coded
  // JPEG every 8x8 block needs at least one bit (the code of its DC value).
  std::uint64_t min_bytes = 0;
};

// Identifies the format by its magic bytes (never by the file name) and reads
// the declared dimensions and EXIF orientation. Errors: kUnsupportedFormat for
// bytes that are no known image, kCorruptImage for a header that is cut off
// or inconsistent.
Result<ImageInfo> ProbeImage(std::span<const unsigned char> bytes);

struct DecodeOptions {
  // Photos declaring more pixels than this are refused before any pixel is
  // decoded (kImageTooLarge), so a hostile header cannot exhaust memory.
  // Default 150 MP: above the largest press cameras (about 100-150 MP).
  std::uint64_t max_pixels = 150'000'000;
  // Files larger than this are refused before they are read.
  std::uint64_t max_file_bytes = 512ull << 20;
};

// Refuses, before any pixel is decoded, a photo of `size_bytes` bytes whose
// header `info` declares more pixels than `options.max_pixels`
// (kImageTooLarge), or more than its bytes can hold (kCorruptImage: a header
// forged or cut from its data, which libjpeg would otherwise decode to
// grey at the declared size, whatever memory that takes).
Result<void> CheckDeclaredSize(const ImageInfo& info, std::uint64_t size_bytes,
                               const DecodeOptions& options);

struct AnalyzerOptions {
  DecodeOptions decode;
  // Detector input: the padded photo is scaled so its long side is this.
  int detector_long_side = 640;
  // Constant border added on every side before detection, as a fraction of
  // the photo's longer side: faces cut by the frame edge and tight headshots
  // are otherwise missed (DESIGN.md, Model stack, step 1).
  float pad_fraction = 0.25f;
  // Minimum detector confidence in [0, 1] for a face to be kept.
  float detection_threshold = 0.8f;
  // Boxes overlapping a higher-scoring box by more than this IoU are dropped.
  float nms_iou = 0.3f;
  // Faces smaller than this (box height, displayed pixels) are ignored:
  // below it the embedding is not reliable enough to name anybody.
  float min_face_pixels = 20.0f;
  // In photos with a long side above ~1,700 px, adds an unpadded detection
  // pass at 2.5x the resolution to find the small faces of group photos
  // (costs about three times the main pass; see bench/).
  bool detect_small_faces = true;
  // Embeds the chip and its mirror image and averages them ("flip test-time
  // augmentation"); costs a second embedder run per face.
  bool flip_augment = true;
};

// The cheap measurements of one detected face from which its FaceQuality
// is judged (docs/architecture.md, Face quality).
struct QualitySignals {
  // Detector confidence in [0, 1]; 1 for a box an editor drew.
  float detection_score = 0;
  // Distance between the eye centres in photo pixels.
  float eye_distance = 0;
  // Root-mean-square distance, in chip pixels (112x112), between the 68
  // landmarks mapped like the chip and the mean frontal face shape. The
  // landmark network draws a face into anything; on a hand or a jacket the
  // drawing is distorted.
  float landmark_misfit = 0;
  // Head turn from the landmarks in the chip: (d_left - d_right) /
  // (d_left + d_right) with d the horizontal distance from the nose tip to
  // the jaw's ends; 0 frontal, towards -1 or 1 in profile.
  float yaw = 0;
  // Nose tip height between the eye line (0) and the mouth line (1), minus
  // the mean frontal value: negative when the head is raised.
  float pitch = 0;
  // Variance of the Laplacian of the grey chip's centre (eyes to mouth).
  float sharpness = 0;
  // Share of the face box that lies inside the photo.
  float inside_fraction = 1;
  // Length of the embedder's output before normalisation (mean over the
  // views embedded). Margin-trained embedders give short vectors to inputs
  // unlike their training faces.
  float embedding_norm = 0;
};

// One analysis of a photo: the faces found and the photo's dimensions.
// A photo without faces is a normal result with an empty `faces`.
//
// Thread safety: not thread-safe (OpenCV DNN networks hold state). Create one
// FaceAnalyzer per worker thread; the ModelPack may be shared.
class FaceAnalyzer {
 public:
  // Loads the networks of `pack`. Errors: kModel when a file cannot be
  // loaded by OpenCV.
  static Result<std::unique_ptr<FaceAnalyzer>> Create(const ModelPack& pack,
                                                      const AnalyzerOptions& options = {});
  virtual ~FaceAnalyzer() = default;

  // Decodes `bytes` and returns every face with landmarks and embedding,
  // ordered left to right.
  // Errors: kUnsupportedFormat, kCorruptImage, kImageTooLarge.
  virtual Result<PhotoFaces> Analyze(std::span<const unsigned char> bytes) = 0;

  // Reads and analyses a file (size limit from DecodeOptions). Errors as
  // Analyze, plus kNotFound / kIo for the file.
  virtual Result<PhotoFaces> AnalyzeFile(const std::filesystem::path& path) = 0;

  // Embeds a face at a given box (pixels, displayed orientation) without
  // running the detector, e.g. a box an editor drew. Errors as Analyze.
  virtual Result<DetectedFace> AnalyzeBox(std::span<const unsigned char> bytes,
                                          const FaceBox& box) = 0;

  // The model id carried by every embedding this analyzer makes.
  virtual const std::string& model_id() const = 0;

  // The quality signals of the faces of the last Analyze, AnalyzeFile or
  // AnalyzeBox call, in the order of its faces (for calibration and
  // benchmarks).
  virtual const std::vector<QualitySignals>& last_signals() const = 0;
};

// Index of the face a portrait or single-subject photo is about: the
// largest face, with faces near the frame edge discounted (bystanders cut by
// the frame). nullopt when there is none.
std::optional<std::size_t> PickMainFace(const PhotoFaces& photo);

// Index of the face closest to the centre of the photo, for photos cropped
// around their subject (LFW's images are centred on the labelled person).
// nullopt when there is none.
std::optional<std::size_t> PickCentralFace(const PhotoFaces& photo);

}  // namespace facetag::vision

namespace facetag::vision {

// How many threads one network call may use (process-wide; OpenCV's pool).
// Parallel batch work sets 1 and runs one analyzer per core instead.
// Values < 1 restore OpenCV's default.
void SetInferenceThreads(int threads);

}  // namespace facetag::vision

namespace facetag::vision {

// A JPEG made from a photo for display: the whole photo for the web pages,
// or one face for an editor's review. Made on the fly and never stored.
struct RenditionOptions {
  // Long side of the result at most this many pixels (never enlarged for a
  // whole photo; a face crop is scaled to exactly this long side).
  int max_side = 1600;
  // A face box in displayed pixels: the result shows only it, grown by
  // `crop_margin` of its size on every side and clipped to the photo.
  std::optional<FaceBox> crop;
  float crop_margin = 0.3f;
  int jpeg_quality = 85;  // 1-100
  DecodeOptions decode;
};

// The rendition as JPEG bytes, in displayed orientation (EXIF applied).
// Errors: as decoding (kUnsupportedFormat, kCorruptImage, kImageTooLarge);
// kInvalidArgument for max_side outside 16-8192 or a crop outside the photo.
Result<std::vector<unsigned char>> RenderJpeg(std::span<const unsigned char> bytes,
                                              const RenditionOptions& options);

}  // namespace facetag::vision
