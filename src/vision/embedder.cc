#include "vision/embedder.h"

#include <cmath>

#include "facetag/types.h"
#include "vision/aligner.h"
#include "vision/decoder.h"

namespace facetag::vision {

Result<std::unique_ptr<Embedder>> Embedder::Create(const std::filesystem::path& model,
                                                   int embedding_size, const EmbedderInput& input,
                                                   bool flip_augment) {
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(model.string());
    if (net.empty()) return Fail(ErrorCode::kModel, "empty embedding network: " + model.string());
    return std::unique_ptr<Embedder>(
        new Embedder(std::move(net), embedding_size, input, flip_augment));
  } catch (const cv::Exception& e) {
    return Fail(ErrorCode::kModel, "cannot load embedder " + model.string() + ": " + e.what());
  }
}

Result<std::vector<float>> Embedder::Embed(const cv::Mat& chip, float* raw_norm) {
  if (chip.rows != kChipSize || chip.cols != kChipSize || chip.type() != CV_8UC3) {
    return Fail(ErrorCode::kInvalidArgument, "embedder needs a 112x112 BGR chip");
  }
  std::vector<cv::Mat> batch = {chip};
  if (flip_augment_) {
    cv::Mat mirrored;
    cv::flip(chip, mirrored, 1);
    batch.push_back(mirrored);
  }
  try {
    // RGB, (x - mean) * scale, NCHW (the network's training normalisation).
    net_.setInput(cv::dnn::blobFromImages(batch, input_.scale, cv::Size(),
                                          cv::Scalar::all(input_.mean), /*swapRB=*/true,
                                          /*crop=*/false));
    const cv::Mat out = net_.forward();
    const auto rows = static_cast<int>(batch.size());
    if (static_cast<int>(out.total()) != rows * embedding_size_) {
      return Fail(ErrorCode::kModel, "embedding network returned " + std::to_string(out.total()) +
                                         " values, expected " +
                                         std::to_string(rows * embedding_size_));
    }
    const float* v = out.ptr<float>();
    std::vector<float> sum(embedding_size_, 0.0f);
    double norms = 0;
    for (int r = 0; r < rows; ++r) {
      // Each view is normalised first so both weigh the same in the average.
      std::vector<float> view(v + r * embedding_size_, v + (r + 1) * embedding_size_);
      double squares = 0;
      for (float x : view) squares += static_cast<double>(x) * x;
      norms += std::sqrt(squares);
      NormalizeL2(view);
      for (int i = 0; i < embedding_size_; ++i) sum[i] += view[i];
    }
    for (float x : sum) {
      if (!std::isfinite(x)) return Fail(ErrorCode::kModel, "embedding network returned NaN");
    }
    NormalizeL2(sum);
    if (raw_norm) *raw_norm = static_cast<float>(norms / rows);
    return sum;
  } catch (const cv::Exception& e) {
    return tl::unexpected(OpenCvError(e, ErrorCode::kModel, "embedding network failed"));
  }
}

}  // namespace facetag::vision
