#include "vision/landmarker.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "vision/decoder.h"

namespace facetag::vision {
namespace {
constexpr int kInputSize = 64;
}  // namespace

cv::Mat CropWithBorder(const cv::Mat& image, const cv::Rect& rect) {
  cv::Mat out(rect.size(), image.type(), cv::Scalar::all(0));
  const cv::Rect inside = rect & cv::Rect(0, 0, image.cols, image.rows);
  if (inside.area() > 0) {
    image(inside).copyTo(
        out(cv::Rect(inside.x - rect.x, inside.y - rect.y, inside.width, inside.height)));
  }
  return out;
}

Result<std::unique_ptr<Landmarker>> Landmarker::Create(const std::filesystem::path& model) {
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(model.string());
    if (net.empty()) return Fail(ErrorCode::kModel, "empty landmark network: " + model.string());
    return std::unique_ptr<Landmarker>(new Landmarker(std::move(net)));
  } catch (const cv::Exception& e) {
    return Fail(ErrorCode::kModel, "cannot load landmarker " + model.string() + ": " + e.what());
  }
}

Result<Landmarks68> Landmarker::Locate(const cv::Mat& bgr, const FaceBox& box) {
  // A square of side = box height centred on the box; the border outside the
  // photo is black rather than clipped so the crop keeps its aspect ratio.
  const int side = std::max(1, static_cast<int>(std::lround(box.height)));
  const cv::Rect square(static_cast<int>(std::lround(box.CenterX() - side / 2.0)),
                        static_cast<int>(std::lround(box.CenterY() - side / 2.0)), side, side);
  cv::Mat crop = CropWithBorder(bgr, square);
  cv::Mat gray;
  cv::cvtColor(crop, gray, cv::COLOR_BGR2GRAY);
  cv::resize(gray, gray, cv::Size(kInputSize, kInputSize), 0, 0,
             side > kInputSize ? cv::INTER_AREA : cv::INTER_LINEAR);
  try {
    net_.setInput(cv::dnn::blobFromImage(gray, 1.0 / 256));
    const cv::Mat out = net_.forward();
    if (out.total() != 136) {
      return Fail(ErrorCode::kModel, "landmark network returned " + std::to_string(out.total()) +
                                         " values, expected 136");
    }
    const float* v = out.ptr<float>();
    Landmarks68 points;
    for (int i = 0; i < 68; ++i) {
      points[i].x = static_cast<float>(square.x + v[2 * i] * side);
      points[i].y = static_cast<float>(square.y + v[2 * i + 1] * side);
    }
    return points;
  } catch (const cv::Exception& e) {
    return tl::unexpected(OpenCvError(e, ErrorCode::kModel, "landmark network failed"));
  }
}

Landmarks5 FivePoints(const Landmarks68& p) {
  auto mean = [&](std::initializer_list<int> idx) {
    PointF m;
    for (int i : idx) {
      m.x += p[i].x;
      m.y += p[i].y;
    }
    m.x /= static_cast<float>(idx.size());
    m.y /= static_cast<float>(idx.size());
    return m;
  };
  return {mean({37, 38, 40, 41}), mean({43, 44, 46, 47}), p[30], mean({48, 60}), mean({54, 64})};
}

}  // namespace facetag::vision
