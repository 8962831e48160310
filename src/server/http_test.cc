// The server's request helpers: the error table, locations below the photo
// folder, uploads, and the metrics text.
#include "http.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <fstream>

#include "metrics.h"

namespace facetag::server {
namespace {

namespace fs = std::filesystem;

class LocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = fs::temp_directory_path() / ("facetag_http_test_" + std::to_string(randombytes_random()));
    root_ = dir_ / "photos";
    fs::create_directories(root_ / "2024" / "05");
    std::ofstream(root_ / "2024" / "05" / "a.jpg") << "x";
    std::ofstream(dir_ / "secret.db") << "x";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  fs::path root_;
};

TEST_F(LocationTest, ResolvesPathsInsideTheFolder) {
  auto file = ResolveLocation(root_, "2024/05/a.jpg");
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(*file, fs::canonical(root_ / "2024" / "05" / "a.jpg"));
  EXPECT_EQ(RelativeLocation(root_, *file), "2024/05/a.jpg");
  EXPECT_TRUE(ResolveLocation(root_, "2024/./05/a.jpg"));
  EXPECT_TRUE(ResolveLocation(root_, "2024"));  // a folder, for jobs
}

TEST_F(LocationTest, RefusesEveryWayOut) {
  for (const char* location : {"../secret.db", "2024/../../secret.db", "/etc/passwd",
                               "2024/05/../../../secret.db"}) {
    auto file = ResolveLocation(root_, location);
    ASSERT_FALSE(file) << location;
    EXPECT_EQ(file.error().code, ErrorCode::kInvalidArgument) << location;
  }
  fs::create_symlink(dir_ / "secret.db", root_ / "link.jpg");
  fs::create_directory_symlink(dir_, root_ / "up");
  for (const char* location : {"link.jpg", "up/secret.db"}) {
    auto file = ResolveLocation(root_, location);
    ASSERT_FALSE(file) << location;
    EXPECT_EQ(file.error().code, ErrorCode::kInvalidArgument) << location;
  }
  EXPECT_EQ(ResolveLocation(root_, std::string("a\0b", 3)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(ResolveLocation(root_, "").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ResolveLocation(root_, "2024/none.jpg").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ResolveLocation({}, "2024/05/a.jpg").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(RelativeLocation(root_, dir_ / "secret.db"), "");
}

TEST(ApiErrorTest, ClientErrorsKeepTheirMessageInternalOnesDoNot) {
  EXPECT_EQ(ToApiError({ErrorCode::kInvalidArgument, "bad limit"}).status, 400);
  EXPECT_EQ(ToApiError({ErrorCode::kNotFound, "no person 3"}).message, "no person 3");
  EXPECT_EQ(ToApiError({ErrorCode::kAlreadyExists, "x"}).status, 409);
  EXPECT_EQ(ToApiError({ErrorCode::kUnsupportedFormat, "x"}).status, 415);
  EXPECT_EQ(ToApiError({ErrorCode::kNoFace, "x"}).code, "no_face");
  EXPECT_EQ(ToApiError({ErrorCode::kRejected, "x"}).status, 422);
  for (ErrorCode code : {ErrorCode::kDatabase, ErrorCode::kIo, ErrorCode::kModel,
                         ErrorCode::kInternal}) {
    const ApiError error = ToApiError({code, "UPDATE faces SET ... /var/lib/facetag.db locked"});
    EXPECT_EQ(error.status, 500);
    EXPECT_EQ(error.code, "internal");
    EXPECT_EQ(error.message.find("facetag.db"), std::string::npos);
    EXPECT_EQ(error.message.find("UPDATE"), std::string::npos);
  }
}

TEST(UploadTest, RawBodyMultipartAndDeclaredTypes) {
  httplib::Request raw;
  raw.body = "\xFF\xD8 bytes";
  raw.set_header("Content-Type", "image/jpeg");
  ASSERT_TRUE(UploadedPhoto(raw));
  EXPECT_EQ(*UploadedPhoto(raw), raw.body);

  httplib::Request text;
  text.body = "hello";
  text.set_header("Content-Type", "text/plain; charset=utf-8");
  EXPECT_EQ(UploadedPhoto(text).error().code, ErrorCode::kUnsupportedFormat);

  httplib::Request empty;
  empty.set_header("Content-Type", "image/png");
  EXPECT_EQ(UploadedPhoto(empty).error().code, ErrorCode::kInvalidArgument);

  httplib::Request form;
  form.set_header("Content-Type", "multipart/form-data; boundary=x");
  form.files.emplace("photo", httplib::MultipartFormData{"photo", "PNGDATA", "a.png", "image/png"});
  ASSERT_TRUE(UploadedPhoto(form));
  EXPECT_EQ(*UploadedPhoto(form), "PNGDATA");
  httplib::Request wrong_field;
  wrong_field.set_header("Content-Type", "multipart/form-data; boundary=x");
  wrong_field.files.emplace("file", httplib::MultipartFormData{"file", "x", "a.png", "image/png"});
  EXPECT_EQ(UploadedPhoto(wrong_field).error().code, ErrorCode::kInvalidArgument);
}

TEST(MetricsTest, CountsByRoutePatternWithCumulativeBuckets) {
  Metrics metrics;
  metrics.ObserveRequest("GET", "/api/v1/persons/{id}", 200, 0.003);
  metrics.ObserveRequest("GET", "/api/v1/persons/{id}", 200, 0.2);
  metrics.ObserveRequest("GET", "/api/v1/persons/{id}", 404, 0.001);
  metrics.AddPhotos(3);
  const std::string text = metrics.Render(2, 1, 0);
  EXPECT_NE(text.find("facetag_http_requests_total{method=\"GET\",route=\"/api/v1/persons/{id}\","
                      "status=\"200\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("le=\"0.005\"} 2"), std::string::npos);  // 0.003 and 0.001
  EXPECT_NE(text.find("le=\"0.25\"} 3"), std::string::npos);
  EXPECT_NE(text.find("le=\"+Inf\"} 3"), std::string::npos);
  EXPECT_NE(text.find("facetag_photos_processed_total 3"), std::string::npos);
  EXPECT_NE(text.find("facetag_recognition_queue_depth 2"), std::string::npos);
}

}  // namespace
}  // namespace facetag::server

namespace facetag::server {
namespace {

TEST(CheckTextTest, RefusesNulControlCharactersBadUtf8AndLength) {
  EXPECT_TRUE(CheckText("Joe Biden", "name", 200, false));
  EXPECT_TRUE(CheckText("line one\nline two\ttab", "details", 100, true));
  EXPECT_TRUE(CheckText("L\xC3\xA9on", "name", 4, false)) << "code points, not bytes";
  for (const std::string& bad : {std::string("a\0b", 3), std::string("a\nb"), std::string("\x1b[2J"),
                                std::string("\xC2\x9B" "2J"), std::string("\xFF"),
                                std::string("L\xC3\xA9ons")}) {
    auto refused = CheckText(bad, "name", 4, false);
    ASSERT_FALSE(refused) << ::testing::PrintToString(bad);
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(refused.error().message.rfind("name ", 0), 0u) << refused.error().message;
  }
  EXPECT_NE(CheckText(std::string("a\0", 2), "text", 10, true).error().message.find("NUL"),
            std::string::npos);
  EXPECT_FALSE(CheckText(std::string(201, 'a'), "name", 200, false));
}

TEST(CheckTextTest, JsonFieldsAndQueryParametersAreChecked) {
  const nlohmann::json body = {{"name", std::string("Joe\0Biden", 9)}, {"ok", "fine"}};
  EXPECT_FALSE(RequiredString(body, "name"));
  EXPECT_TRUE(RequiredString(body, "ok"));
  EXPECT_FALSE(RequiredString(body, "ok", 3));
  httplib::Request req;
  req.params.emplace("text", std::string("\0", 1));
  req.params.emplace("from", "2024-13-45");
  req.params.emplace("to", "2024-02-29");
  EXPECT_FALSE(QueryText(req, "text"));
  EXPECT_EQ(*QueryText(req, "absent"), "");
  auto from = QueryDateBound(req, "from");
  ASSERT_FALSE(from);
  EXPECT_NE(from.error().message.find("parameter from"), std::string::npos);
  EXPECT_EQ(*QueryDateBound(req, "to"), "2024-02-29");
}

}  // namespace
}  // namespace facetag::server
