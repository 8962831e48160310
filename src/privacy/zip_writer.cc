#include "zip_writer.h"

#include <zip.h>

#include <list>

namespace facetag::privacy::detail {

struct ZipWriter::State {
  std::filesystem::path target;
  std::filesystem::path temp;
  zip_t* archive = nullptr;
  std::list<std::string> buffers;  // alive until zip_close reads them
};

bool IsSafeEntryName(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.back() == '/') return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = name.find('/', start);
    const std::string part = name.substr(start, end == std::string::npos ? end : end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '\\' || c == ':') return false;
  }
  return true;
}

Result<ZipWriter> ZipWriter::Create(const std::filesystem::path& target) {
  auto state = std::make_unique<State>();
  state->target = target;
  state->temp = target;
  state->temp += ".partial";
  std::error_code ec;
  std::filesystem::remove(state->temp, ec);
  int error = 0;
  state->archive = zip_open(state->temp.c_str(), ZIP_CREATE | ZIP_EXCL, &error);
  if (state->archive == nullptr) {
    zip_error_t z;
    zip_error_init_with_code(&z, error);
    std::string message = zip_error_strerror(&z);
    zip_error_fini(&z);
    return Fail(ErrorCode::kIo, "cannot create " + state->temp.string() + ": " + message);
  }
  return ZipWriter(std::move(state));
}

ZipWriter::ZipWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
ZipWriter::ZipWriter(ZipWriter&&) noexcept = default;

ZipWriter::~ZipWriter() {
  if (state_ && state_->archive != nullptr) {
    zip_discard(state_->archive);
    std::error_code ec;
    std::filesystem::remove(state_->temp, ec);
  }
}

namespace {

Result<void> AddSource(zip_t* archive, const std::string& name, zip_source_t* source) {
  if (source == nullptr) {
    return Fail(ErrorCode::kIo, "zip entry " + name + ": " + zip_strerror(archive));
  }
  if (zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
    const bool exists = zip_error_code_zip(zip_get_error(archive)) == ZIP_ER_EXISTS;
    std::string message = zip_strerror(archive);
    zip_source_free(source);
    return Fail(exists ? ErrorCode::kAlreadyExists : ErrorCode::kIo,
                "zip entry " + name + ": " + message);
  }
  return {};
}

}  // namespace

Result<void> ZipWriter::AddBytes(const std::string& name, std::string bytes) {
  if (!IsSafeEntryName(name)) {
    return Fail(ErrorCode::kInvalidArgument, "unsafe zip entry name \"" + name + "\"");
  }
  state_->buffers.push_back(std::move(bytes));
  const std::string& kept = state_->buffers.back();
  return AddSource(state_->archive, name,
                   zip_source_buffer(state_->archive, kept.data(), kept.size(), 0));
}

Result<void> ZipWriter::AddFile(const std::string& name, const std::filesystem::path& file) {
  if (!IsSafeEntryName(name)) {
    return Fail(ErrorCode::kInvalidArgument, "unsafe zip entry name \"" + name + "\"");
  }
  return AddSource(state_->archive, name, zip_source_file(state_->archive, file.c_str(), 0, -1));
}

Result<void> ZipWriter::Close() {
  if (zip_close(state_->archive) != 0) {
    std::string message = zip_strerror(state_->archive);
    return Fail(ErrorCode::kIo, "cannot write " + state_->temp.string() + ": " + message);
  }
  state_->archive = nullptr;
  std::error_code ec;
  std::filesystem::rename(state_->temp, state_->target, ec);
  if (ec) {
    std::filesystem::remove(state_->temp, ec);
    return Fail(ErrorCode::kIo, "cannot move the zip to " + state_->target.string());
  }
  return {};
}

}  // namespace facetag::privacy::detail
