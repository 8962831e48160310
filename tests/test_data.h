// Where tests find the evaluation photos and the model pack.
#pragma once

#include <filesystem>
#include <string>

#include "facetag/model_pack.h"

namespace facetag::testing {

// $FACETAG_DATA, else ../shared/data beside the project.
std::filesystem::path DataDir();

// A photo of the evaluation data by its path relative to DataDir().
std::filesystem::path DataFile(const std::string& relative);

// The default pack, loaded once (hashes checked). Fails the calling test
// with the loader's message when the models are not set up.
const ModelPack& DefaultPack();

// A fresh empty folder under the system temp dir, removed at exit.
std::filesystem::path TempDir(const std::string& name);

}  // namespace facetag::testing
