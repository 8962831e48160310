#include "facetag/hash.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace facetag {
namespace {

TEST(Sha256, MatchesKnownVectors) {
  const std::string abc = "abc";
  EXPECT_EQ(Sha256Hex({reinterpret_cast<const unsigned char*>(abc.data()), abc.size()}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, FileHashEqualsBufferHash) {
  const auto path = std::filesystem::temp_directory_path() / "facetag_hash_test.bin";
  std::string data(200000, 'x');
  { std::ofstream(path, std::ios::binary) << data; }
  auto hash = Sha256OfFile(path);
  ASSERT_TRUE(hash) << hash.error().message;
  EXPECT_EQ(*hash, Sha256Hex({reinterpret_cast<const unsigned char*>(data.data()), data.size()}));
  std::filesystem::remove(path);
}

TEST(Sha256, MissingFileIsNotFound) {
  auto hash = Sha256OfFile("/nonexistent/facetag/file");
  ASSERT_FALSE(hash);
  EXPECT_EQ(hash.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace facetag
