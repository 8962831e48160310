// Face embedding network on aligned 112x112 chips (internal).
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <vector>

#include "facetag/result.h"

namespace facetag::vision {

// The network's input normalisation: RGB, (x - mean) * scale.
struct EmbedderInput {
  float mean = 127.0f;
  float scale = 1.0f / 128;
};

// Thread safety: not thread-safe (holds a cv::dnn::Net); one per thread.
class Embedder {
 public:
  static Result<std::unique_ptr<Embedder>> Create(const std::filesystem::path& model,
                                                  int embedding_size, const EmbedderInput& input,
                                                  bool flip_augment);
  // The unit-length embedding of a 112x112 BGR chip. With flip augmentation
  // the chip and its mirror image are embedded in one batch and averaged.
  // `raw_norm`, when given, receives the mean length of the network's
  // outputs before normalisation (a quality signal).
  Result<std::vector<float>> Embed(const cv::Mat& chip, float* raw_norm = nullptr);

 private:
  Embedder(cv::dnn::Net net, int size, const EmbedderInput& input, bool flip)
      : net_(std::move(net)), embedding_size_(size), input_(input), flip_augment_(flip) {}
  cv::dnn::Net net_;
  int embedding_size_;
  EmbedderInput input_;
  bool flip_augment_;
};

}  // namespace facetag::vision
