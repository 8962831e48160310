#include "metadata_exiftool.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "test_data.h"

namespace facetag::metadata::test_util {
namespace {

namespace fs = std::filesystem;

std::string ShellQuote(const std::string& arg) {
  std::string out = "'";
  for (const char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

CommandResult RunExiftool(const std::vector<std::string>& args) {
  std::string command = "exiftool";
  for (const auto& arg : args) command += " " + ShellQuote(arg);
  command += " 2>&1";
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

nlohmann::json ExiftoolJson(const fs::path& file, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"-j"};
  all.insert(all.end(), args.begin(), args.end());
  all.push_back(file.string());
  const CommandResult run = RunExiftool(all);
  const std::size_t start = run.output.find('[');
  if (run.status != 0 || start == std::string::npos) {
    ADD_FAILURE() << "exiftool failed on " << file << ": " << run.output;
    return nullptr;
  }
  auto parsed = nlohmann::json::parse(run.output.substr(start), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array() || parsed.empty()) {
    ADD_FAILURE() << "exiftool printed no JSON for " << file << ": " << run.output;
    return nullptr;
  }
  return parsed[0];
}

void ExiftoolWrite(const fs::path& file, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"-q", "-overwrite_original"};
  all.insert(all.end(), args.begin(), args.end());
  all.push_back(file.string());
  const CommandResult run = RunExiftool(all);
  EXPECT_EQ(run.status, 0) << "exiftool could not write " << file << ": " << run.output;
}

std::vector<std::string> ExiftoolWarnings(const fs::path& file) {
  const CommandResult run =
      RunExiftool({"-validate", "-warning", "-error", "-a", "-s3", file.string()});
  std::vector<std::string> lines;
  std::istringstream in(run.output);
  for (std::string line; std::getline(in, line);) {
    // The first line is the summary ("OK" or "N Warnings"), the rest the
    // warnings themselves.
    if (line.empty() || line == "OK" || line.find(" Warning") != std::string::npos) continue;
    lines.push_back(line);
  }
  return lines;
}

std::vector<nlohmann::json> AsList(const nlohmann::json& value) {
  if (value.is_null()) return {};
  if (value.is_array()) return std::vector<nlohmann::json>(value.begin(), value.end());
  return {value};
}

double AsNumber(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) return std::stod(value.get<std::string>());
  ADD_FAILURE() << "not a number: " << value.dump();
  return -1;
}

fs::path CopyPhoto(const std::string& relative, const fs::path& dir, const std::string& name) {
  const fs::path target = dir / name;
  fs::copy_file(testing::DataFile(relative), target, fs::copy_options::overwrite_existing);
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
  return target;
}

std::vector<unsigned char> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

void WriteBytes(const fs::path& path, const std::vector<unsigned char>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

JpegLayout WalkJpeg(const std::vector<unsigned char>& b) {
  JpegLayout layout;
  std::size_t pos = 2;
  while (pos + 4 <= b.size() && b[pos] == 0xFF) {
    const unsigned char marker = b[pos + 1];
    if (marker == 0xDA) break;
    const std::size_t length = (std::size_t(b[pos + 2]) << 8) | b[pos + 3];
    JpegLayout::Segment segment;
    segment.marker = marker;
    segment.bytes.assign(b.begin() + static_cast<long>(pos),
                         b.begin() + static_cast<long>(std::min(b.size(), pos + 2 + length)));
    static const char kXmp[] = "http://ns.adobe.com/xap/1.0/";
    segment.is_xmp = marker == 0xE1 && segment.bytes.size() > 4 + sizeof kXmp &&
                     std::memcmp(segment.bytes.data() + 4, kXmp, sizeof kXmp) == 0;
    layout.segments.push_back(std::move(segment));
    pos += 2 + length;
  }
  if (pos < b.size()) layout.scan.assign(b.begin() + static_cast<long>(pos), b.end());
  return layout;
}

std::vector<std::string> FileNames(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace facetag::metadata::test_util
