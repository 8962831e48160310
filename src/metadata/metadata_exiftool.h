// Test support: exiftool as the independent reader of what facetag wrote,
// and photos to write into.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace facetag::metadata::test_util {

struct CommandResult {
  int status = -1;     // exit status, -1 when the command could not run
  std::string output;  // stdout and stderr
};

// Runs exiftool with `args`, each passed as one argument.
CommandResult RunExiftool(const std::vector<std::string>& args);

// `exiftool -j <args> <file>` parsed: the object for the file. Fails the
// calling test (and returns null) when exiftool fails or prints no JSON.
nlohmann::json ExiftoolJson(const std::filesystem::path& file,
                            const std::vector<std::string>& args);

// Runs exiftool `args` on `file` to change it in place; fails the test when
// exiftool reports an error.
void ExiftoolWrite(const std::filesystem::path& file, const std::vector<std::string>& args);

// `exiftool -validate -warning -a` for the file: every warning line.
std::vector<std::string> ExiftoolWarnings(const std::filesystem::path& file);

// A list value of exiftool's JSON, which prints one-item lists as scalars.
std::vector<nlohmann::json> AsList(const nlohmann::json& value);

// A number of exiftool's JSON, which prints some as strings.
double AsNumber(const nlohmann::json& value);

// Copies an evaluation photo (relative to the data folder) into `dir` as
// `name`, writable (the data files are read-only).
std::filesystem::path CopyPhoto(const std::string& relative, const std::filesystem::path& dir,
                                const std::string& name);

std::vector<unsigned char> ReadBytes(const std::filesystem::path& path);
void WriteBytes(const std::filesystem::path& path, const std::vector<unsigned char>& bytes);

// A JPEG walked independently of the code under test: the marker segments
// before the image data and the image data (SOS to the end).
struct JpegLayout {
  struct Segment {
    unsigned char marker = 0;
    bool is_xmp = false;
    std::vector<unsigned char> bytes;  // the whole segment, marker included
  };
  std::vector<Segment> segments;
  std::vector<unsigned char> scan;  // from the first SOS marker to the end
};
JpegLayout WalkJpeg(const std::vector<unsigned char>& bytes);

// Every file in `dir`, for checking that no temp file is left behind.
std::vector<std::string> FileNames(const std::filesystem::path& dir);

}  // namespace facetag::metadata::test_util
