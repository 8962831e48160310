#include "test_data.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <optional>

namespace facetag::testing {

std::filesystem::path DataDir() {
  if (const char* env = std::getenv("FACETAG_DATA"); env && *env) return env;
  return std::filesystem::path(FACETAG_SOURCE_DIR) / ".." / "shared" / "data";
}

std::filesystem::path DataFile(const std::string& relative) { return DataDir() / relative; }

const ModelPack& DefaultPack() {
  static std::once_flag once;
  static std::optional<ModelPack> pack;
  static std::string error;
  std::call_once(once, [] {
    auto loaded = LoadModelPack(DefaultPackManifest(), DefaultModelDir());
    if (loaded) {
      pack = std::move(*loaded);
    } else {
      error = loaded.error().message;
    }
  });
  if (!pack) {
    ADD_FAILURE() << "model pack not available (run scripts/setup.sh): " << error;
    static const ModelPack empty;
    return empty;
  }
  return *pack;
}

std::filesystem::path TempDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("facetag-test-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace facetag::testing
