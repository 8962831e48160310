// Many photo files analysed in parallel: finding them under a folder, and
// running one FaceAnalyzer per worker thread over them. Who the faces are is
// decided by the application layer (facetag/app.h).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <vector>

#include "facetag/model_pack.h"
#include "facetag/vision.h"

namespace facetag::pipeline {

// The image files under `root` (recursively, sorted; by extension: jpg, jpeg,
// png, tif, tiff, webp, bmp), or `root` itself when it is a file. Folder
// symlinks are not entered; a file symlink is listed as the file it names
// (its real path) when that lies inside `root`, and left out otherwise.
Result<std::vector<std::filesystem::path>> ListPhotoFiles(const std::filesystem::path& root);

// Runs `work(analyzer, index)` for every index in [0, count) on `workers`
// threads, each with its own FaceAnalyzer; `work` runs concurrently on
// different indices and must synchronise what it shares. OpenCV is set to
// one thread per network call while more than one worker runs. Errors: only
// failures to create the analyzers (before any work starts).
Result<void> ForEachInParallel(
    std::size_t count, int workers, const ModelPack& pack, const vision::AnalyzerOptions& options,
    const std::function<void(vision::FaceAnalyzer& analyzer, std::size_t index)>& work);

// Analyses `files` on `workers` threads, each with its own FaceAnalyzer.
// `on_done` is called once per file, serialised (never concurrently), in
// completion order. A file that fails is reported through `on_done`; it does
// not stop the others. Errors: only failures to create the analyzers.
Result<void> AnalyzeFiles(
    const std::vector<std::filesystem::path>& files, int workers, const ModelPack& pack,
    const vision::AnalyzerOptions& options,
    const std::function<void(std::size_t index, Result<PhotoFaces> result)>& on_done);

}  // namespace facetag::pipeline
