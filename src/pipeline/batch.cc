#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <set>
#include <thread>

#include "facetag/file_io.h"
#include "facetag/pipeline.h"

namespace facetag::pipeline {

Result<std::vector<std::filesystem::path>> ListPhotoFiles(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(root, ec);
  if (ec || !fs::exists(status)) return Fail(ErrorCode::kNotFound, "not found: " + root.string());
  if (!fs::is_directory(status)) return std::vector<fs::path>{root};
  static const std::set<std::string> kExtensions = {".jpg",  ".jpeg", ".png", ".tif",
                                                    ".tiff", ".webp", ".bmp"};
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot list " + root.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Fail(ErrorCode::kIo, "cannot list " + root.string() + ": " + ec.message());
    std::string ext = it->path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!kExtensions.count(ext)) continue;
    // Folder symlinks are not entered (the iterator's default). A file
    // symlink counts as the file it names, and only when that lies inside
    // `root`: a link to /etc/passwd named x.jpg is not a photo of the folder.
    if (it->is_symlink(ec)) {
      auto real = ResolveBeneath(root, it->path().lexically_relative(root).generic_string());
      std::error_code kind;
      if (real && fs::is_regular_file(*real, kind)) files.push_back(*real);
      continue;
    }
    if (it->is_regular_file(ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<void> ForEachInParallel(
    std::size_t count, int workers, const ModelPack& pack, const vision::AnalyzerOptions& options,
    const std::function<void(vision::FaceAnalyzer& analyzer, std::size_t index)>& work) {
  workers = std::clamp(workers, 1, std::max<int>(1, static_cast<int>(count)));
  // Networks are not thread-safe: one analyzer per worker, made up front so
  // a model problem is reported once, before any file is touched.
  std::vector<std::unique_ptr<vision::FaceAnalyzer>> analyzers;
  for (int i = 0; i < workers; ++i) {
    auto analyzer = vision::FaceAnalyzer::Create(pack, options);
    if (!analyzer) return tl::unexpected(analyzer.error());
    analyzers.push_back(std::move(*analyzer));
  }
  if (workers > 1) vision::SetInferenceThreads(1);
  std::atomic<std::size_t> next{0};
  auto run = [&](vision::FaceAnalyzer& analyzer) {
    for (std::size_t i = next++; i < count; i = next++) work(analyzer, i);
  };
  std::vector<std::thread> threads;
  for (int i = 1; i < workers; ++i) threads.emplace_back(run, std::ref(*analyzers[i]));
  run(*analyzers[0]);
  for (auto& t : threads) t.join();
  if (workers > 1) vision::SetInferenceThreads(0);
  return {};
}

Result<void> AnalyzeFiles(
    const std::vector<std::filesystem::path>& files, int workers, const ModelPack& pack,
    const vision::AnalyzerOptions& options,
    const std::function<void(std::size_t index, Result<PhotoFaces> result)>& on_done) {
  std::mutex report;
  return ForEachInParallel(files.size(), workers, pack, options,
                           [&](vision::FaceAnalyzer& analyzer, std::size_t i) {
                             Result<PhotoFaces> result = analyzer.AnalyzeFile(files[i]);
                             std::lock_guard lock(report);
                             on_done(i, std::move(result));
                           });
}

}  // namespace facetag::pipeline
