// facetag-prepare-detector IN.onnx OUT.onnx
//
// Turns the npm package's fr_detect.onnx (UltraFace RFB-320) into the
// detector facetag runs. The package's graph has its anchor priors and box
// decoding baked in as constants for a 320x240 input, so OpenCV 4.6 refuses
// any other input size (an Eltwise shape assertion). This tool keeps the graph
// only up to the raw box regressions (node output "462", [1,N,4]) and the
// softmax scores ("scores", [1,N,2]), drops every node and initializer those
// two outputs do not need, marks the input's height and width as dynamic
// (replacing the heads' load-time shape arithmetic, which OpenCV cannot do on
// dynamic sizes, by constants) and saves the result; facetag decodes the
// boxes itself (DESIGN.md, Model stack).
//
// Before the result replaces OUT it is checked: OpenCV loads it, runs it at
// several input sizes and must return both outputs with
// N = sum over strides {8,16,32,64} of ceil(W/s) * ceil(H/s) * {3,2,2,3};
// at 320x240 its outputs, decoded with the priors of DESIGN.md, must equal
// the boxes and scores of the original graph. Any failure exits non-zero and
// leaves OUT untouched.
//
// The output is serialized deterministically, so two runs on the same input
// give the same bytes and the manifest can pin its SHA-256.

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace {

constexpr const char* kBoxesOutput = "462";      // raw box regressions [1,N,4]
constexpr const char* kScoresOutput = "scores";  // softmax, column 1 = face [1,N,2]
constexpr const char* kDecodedBoxes = "boxes";   // original graph's decoded boxes

// UltraFace RFB-320 anchors: one feature map per stride, these prior sizes
// (pixels) per cell.
struct StrideSpec {
  int stride;
  std::vector<int> min_sizes;
};
const std::array<StrideSpec, 4> kStrides = {{
    {8, {10, 16, 24}},
    {16, {32, 48}},
    {32, {64, 96}},
    {64, {128, 192, 256}},
}};

struct Size {
  int width;
  int height;
};

// 320x240 is the size the package's graph was exported for (compared with the
// original there); then facetag's long side 640 for 4:3 and 3:2 photos in
// landscape and portrait (427 is no multiple of any stride), and a small,
// wide input whose feature maps round up at every stride.
constexpr std::array<Size, 5> kCheckSizes = {{
    {320, 240},
    {640, 480},
    {640, 427},
    {427, 640},
    {333, 97},
}};

int CeilDiv(int value, int divisor) { return (value + divisor - 1) / divisor; }

int ExpectedPriorCount(Size size) {
  int count = 0;
  for (const auto& spec : kStrides) {
    count += CeilDiv(size.width, spec.stride) * CeilDiv(size.height, spec.stride) *
             static_cast<int>(spec.min_sizes.size());
  }
  return count;
}

// Priors as (cx, cy, w, h), relative, in the order the network emits them:
// stride, row, column, size. The package's graph clamps them to [0, 1]
// (a 256 px prior is taller than a 240 px input), so this does too.
std::vector<std::array<float, 4>> MakePriors(Size size) {
  std::vector<std::array<float, 4>> priors;
  for (const auto& spec : kStrides) {
    const int fw = CeilDiv(size.width, spec.stride);
    const int fh = CeilDiv(size.height, spec.stride);
    for (int j = 0; j < fh; ++j) {
      for (int i = 0; i < fw; ++i) {
        for (int m : spec.min_sizes) {
          auto clamp = [](double v) { return static_cast<float>(std::clamp(v, 0.0, 1.0)); };
          priors.push_back({clamp((i + 0.5) / fw), clamp((j + 0.5) / fh),
                            clamp(static_cast<double>(m) / size.width),
                            clamp(static_cast<double>(m) / size.height)});
        }
      }
    }
  }
  return priors;
}

bool ReadModel(const std::string& path, onnx::ModelProto* model, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  if (!model->ParseFromIstream(&in)) {
    *error = path + " is not an ONNX model (protobuf parse failed)";
    return false;
  }
  return true;
}

bool ProducedBy(const onnx::GraphProto& graph, const std::string& name) {
  for (const auto& node : graph.node()) {
    for (const auto& output : node.output()) {
      if (output == name) return true;
    }
  }
  return false;
}

void SetShape(onnx::ValueInfoProto* value,
              const std::vector<std::variant<int64_t, std::string>>& dims) {
  auto* tensor = value->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tensor->mutable_shape();
  shape->clear_dim();
  for (const auto& d : dims) {
    auto* dim = shape->add_dim();
    if (std::holds_alternative<int64_t>(d)) {
      dim->set_dim_value(std::get<int64_t>(d));
    } else {
      dim->set_dim_param(std::get<std::string>(d));
    }
  }
}

std::optional<std::vector<int64_t>> Int64Values(const onnx::TensorProto& tensor) {
  if (tensor.data_type() != onnx::TensorProto::INT64) return std::nullopt;
  std::vector<int64_t> values(tensor.int64_data().begin(), tensor.int64_data().end());
  if (!tensor.raw_data().empty()) {
    values.resize(tensor.raw_data().size() / sizeof(int64_t));
    std::memcpy(values.data(), tensor.raw_data().data(), values.size() * sizeof(int64_t));
  }
  return values;
}

// The heads flatten with Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), -1, C)),
// PyTorch's export of x.view(x.size(0), -1, C). OpenCV 4.6 evaluates Shape at
// load time and refuses it when the input's height and width are dynamic, so
// each such shape is replaced by the constant [1, -1, C]: the batch is 1 by
// the input's declared shape. Any other producer of a Reshape shape is an
// error, since the result could then depend on the input size.
bool FoldReshapeShapes(onnx::GraphProto* graph, std::string* error) {
  std::map<std::string, const onnx::NodeProto*> producer;
  for (const auto& node : graph->node()) {
    for (const auto& output : node.output()) producer[output] = &node;
  }
  std::map<std::string, const onnx::TensorProto*> initializer;
  for (const auto& init : graph->initializer()) initializer[init.name()] = &init;
  auto produced_by = [&](const std::string& name, const char* op) -> const onnx::NodeProto* {
    auto it = producer.find(name);
    return it != producer.end() && it->second->op_type() == op ? it->second : nullptr;
  };
  auto constant_values = [&](const std::string& name) -> std::optional<std::vector<int64_t>> {
    if (auto it = initializer.find(name); it != initializer.end()) return Int64Values(*it->second);
    if (const auto* node = produced_by(name, "Constant")) {
      for (const auto& attr : node->attribute()) {
        if (attr.name() == "value") return Int64Values(attr.t());
      }
    }
    return std::nullopt;
  };
  // True for Unsqueeze(Gather(Shape(_), 0)): the batch size as a 1-d tensor.
  auto is_batch_size = [&](const std::string& name) {
    const auto* unsqueeze = produced_by(name, "Unsqueeze");
    if (!unsqueeze || unsqueeze->input_size() < 1) return false;
    const auto* gather = produced_by(unsqueeze->input(0), "Gather");
    if (!gather || gather->input_size() != 2 || !produced_by(gather->input(0), "Shape"))
      return false;
    for (const auto& attr : gather->attribute()) {
      if (attr.name() == "axis" && attr.i() != 0) return false;
    }
    const auto index = constant_values(gather->input(1));
    return index && index->size() == 1 && (*index)[0] == 0;
  };

  std::vector<onnx::TensorProto> folded;
  for (auto& node : *graph->mutable_node()) {
    if (node.op_type() != "Reshape" || node.input_size() != 2) continue;
    if (constant_values(node.input(1))) continue;
    const auto* concat = produced_by(node.input(1), "Concat");
    if (!concat) {
      *error = "Reshape " + node.name() + " takes its shape from an unexpected node";
      return false;
    }
    std::vector<int64_t> shape;
    for (const auto& part : concat->input()) {
      if (auto values = constant_values(part)) {
        shape.insert(shape.end(), values->begin(), values->end());
      } else if (is_batch_size(part)) {
        shape.push_back(1);
      } else {
        *error = "Reshape " + node.name() + " has a shape part (" + part +
                 ") that is neither a constant nor the batch size";
        return false;
      }
    }
    onnx::TensorProto tensor;
    tensor.set_name(node.output(0) + "_shape");
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_dims(static_cast<int64_t>(shape.size()));
    for (int64_t v : shape) tensor.add_int64_data(v);
    node.set_input(1, tensor.name());
    folded.push_back(std::move(tensor));
  }
  for (auto& tensor : folded) *graph->add_initializer() = std::move(tensor);
  return true;
}

// Cuts `source` down to the nodes that kBoxesOutput and kScoresOutput need.
bool CutGraph(const onnx::ModelProto& source, onnx::ModelProto* result, std::string* error) {
  const auto& source_graph = source.graph();
  // The decoded boxes are needed too: the check compares against them.
  for (const char* name : {kBoxesOutput, kScoresOutput, kDecodedBoxes}) {
    if (!ProducedBy(source_graph, name)) {
      *error = std::string("no node produces \"") + name +
               "\": this is not the UltraFace RFB-320 graph of fr_detect.onnx";
      return false;
    }
  }
  std::set<std::string> initializer_names;
  for (const auto& init : source_graph.initializer()) initializer_names.insert(init.name());
  std::vector<const onnx::ValueInfoProto*> data_inputs;
  for (const auto& input : source_graph.input()) {
    if (!initializer_names.count(input.name())) data_inputs.push_back(&input);
  }
  if (data_inputs.size() != 1 || data_inputs[0]->type().tensor_type().shape().dim_size() != 4) {
    *error = "expected one 4-d image input (NCHW)";
    return false;
  }

  onnx::ModelProto folded = source;
  if (!FoldReshapeShapes(folded.mutable_graph(), error)) return false;
  const auto& graph = folded.graph();

  // ONNX nodes are stored in topological order, so one backward pass finds
  // every node the two outputs depend on.
  std::set<std::string> needed = {kBoxesOutput, kScoresOutput};
  std::vector<bool> keep(graph.node_size(), false);
  for (int n = graph.node_size() - 1; n >= 0; --n) {
    const auto& node = graph.node(n);
    const bool used = std::any_of(node.output().begin(), node.output().end(),
                                  [&](const std::string& o) { return needed.count(o) > 0; });
    if (!used) continue;
    keep[n] = true;
    for (const auto& input : node.input()) {
      if (!input.empty()) needed.insert(input);
    }
  }

  *result = folded;
  auto* out_graph = result->mutable_graph();
  out_graph->clear_node();
  for (int n = 0; n < graph.node_size(); ++n) {
    if (keep[n]) *out_graph->add_node() = graph.node(n);
  }
  out_graph->clear_initializer();
  for (const auto& init : graph.initializer()) {
    if (needed.count(init.name())) *out_graph->add_initializer() = init;
  }
  out_graph->clear_input();
  for (const auto& input : graph.input()) {
    if (needed.count(input.name())) *out_graph->add_input() = input;
  }
  // Shapes recorded for the fixed 320x240 export would be wrong at any other size.
  out_graph->clear_value_info();

  const std::string image_input = data_inputs[0]->name();
  for (auto& input : *out_graph->mutable_input()) {
    if (input.name() == image_input) {
      SetShape(&input, {int64_t{1}, int64_t{3}, std::string("height"), std::string("width")});
    }
  }
  out_graph->clear_output();
  auto* scores = out_graph->add_output();
  scores->set_name(kScoresOutput);
  SetShape(scores, {int64_t{1}, std::string("priors"), int64_t{2}});
  auto* boxes = out_graph->add_output();
  boxes->set_name(kBoxesOutput);
  SetShape(boxes, {int64_t{1}, std::string("priors"), int64_t{4}});

  result->set_doc_string(
      "UltraFace RFB-320 from fr_detect.onnx, cut by facetag-prepare-detector at the raw box "
      "regressions (462) and the softmax scores; priors and box decoding are left to the "
      "caller so that any input size works.");
  return true;
}

bool WriteDeterministic(const onnx::ModelProto& model, const std::string& path,
                        std::string* error) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!model.SerializeToCodedStream(&coded)) {
      *error = "cannot serialize the prepared model";
      return false;
    }
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    *error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = "cannot write " + path + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  // The file is renamed over OUT next: make sure its bytes are on disk first.
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    *error = "cannot flush " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

// A deterministic image-like input in [-1, 1]: the check needs plausible
// activations, not a face.
cv::Mat MakeInput(Size size) {
  const int dims[] = {1, 3, size.height, size.width};
  cv::Mat blob(4, dims, CV_32F);
  float* data = blob.ptr<float>();
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < size.height; ++y) {
      for (int x = 0; x < size.width; ++x) {
        *data++ = static_cast<float>(std::sin(0.05 * x * (c + 1)) * std::cos(0.037 * y + c));
      }
    }
  }
  return blob;
}

std::string ShapeOf(const cv::Mat& m) {
  std::ostringstream s;
  s << "[";
  for (int d = 0; d < m.dims; ++d) s << (d ? "," : "") << m.size[d];
  s << "]";
  return s.str();
}

bool CheckOutput(const cv::Mat& m, const char* name, int priors, int columns, Size size,
                 std::string* error) {
  std::ostringstream where;
  where << "output " << name << " at " << size.width << "x" << size.height;
  if (m.empty()) {
    *error = where.str() + " is missing";
    return false;
  }
  if (m.dims != 3 || m.size[0] != 1 || m.size[1] != priors || m.size[2] != columns) {
    std::ostringstream s;
    s << where.str() << " has shape " << ShapeOf(m) << ", expected [1," << priors << "," << columns
      << "]";
    *error = s.str();
    return false;
  }
  if (!cv::checkRange(m)) {
    *error = where.str() + " contains NaN or infinite values";
    return false;
  }
  return true;
}

std::optional<std::string> CheckAtSize(cv::dnn::Net& net, Size size,
                                       std::vector<cv::Mat>* outputs) {
  std::string error;
  net.setInput(MakeInput(size));
  outputs->clear();
  try {
    net.forward(*outputs, std::vector<cv::String>{kBoxesOutput, kScoresOutput});
  } catch (const cv::Exception& e) {
    std::ostringstream s;
    s << "OpenCV cannot run the prepared model at " << size.width << "x" << size.height << ": "
      << e.what();
    return s.str();
  }
  const int priors = ExpectedPriorCount(size);
  if (outputs->size() != 2) return std::string("OpenCV returned the wrong number of outputs");
  if (!CheckOutput((*outputs)[0], kBoxesOutput, priors, 4, size, &error)) return error;
  if (!CheckOutput((*outputs)[1], kScoresOutput, priors, 2, size, &error)) return error;
  const cv::Mat& scores = (*outputs)[1];
  for (int i = 0; i < priors; ++i) {
    const float* row = scores.ptr<float>(0, i);
    if (std::abs(row[0] + row[1] - 1.0f) > 1e-3f) {
      return "scores are not a softmax (a row does not sum to 1)";
    }
  }
  return std::nullopt;
}

// At the export size the cut graph plus DESIGN.md's decoding must reproduce
// the original graph: this proves the cut is at the right tensors and that
// the documented prior order and variances are the ones the weights expect.
std::optional<std::string> CompareWithOriginal(const std::string& original_path,
                                               const std::vector<cv::Mat>& prepared) {
  constexpr Size kExportSize{320, 240};
  std::vector<cv::Mat> original;
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(original_path);
    net.setInput(MakeInput(kExportSize));
    net.forward(original, std::vector<cv::String>{kDecodedBoxes, kScoresOutput});
  } catch (const cv::Exception& e) {
    return std::string("OpenCV cannot run the original model at 320x240: ") + e.what();
  }
  const int priors = ExpectedPriorCount(kExportSize);
  std::string error;
  if (!CheckOutput(original[0], kDecodedBoxes, priors, 4, kExportSize, &error)) {
    return "original model: " + error;
  }
  const auto prior_boxes = MakePriors(kExportSize);
  double box_error = 0;
  double score_error = 0;
  for (int i = 0; i < priors; ++i) {
    const float* raw = prepared[0].ptr<float>(0, i);
    const auto& p = prior_boxes[i];
    const double cx = p[0] + raw[0] * 0.1 * p[2];
    const double cy = p[1] + raw[1] * 0.1 * p[3];
    const double w = p[2] * std::exp(0.2 * raw[2]);
    const double h = p[3] * std::exp(0.2 * raw[3]);
    const double corners[4] = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
    const float* expected = original[0].ptr<float>(0, i);
    for (int k = 0; k < 4; ++k) box_error = std::max(box_error, std::abs(corners[k] - expected[k]));
    for (int k = 0; k < 2; ++k) {
      score_error =
          std::max(score_error, static_cast<double>(std::abs(prepared[1].ptr<float>(0, i)[k] -
                                                             original[1].ptr<float>(0, i)[k])));
    }
  }
  // Both graphs run the same float32 layers; only the decoding's arithmetic
  // order differs.
  if (box_error > 1e-4 || score_error > 1e-5) {
    std::ostringstream s;
    s << "the prepared model does not reproduce the original at 320x240 (max box difference "
      << box_error << ", max score difference " << score_error << ")";
    return s.str();
  }
  std::cout << "  320x240: matches the original graph (max box difference " << box_error
            << ", max score difference " << score_error << ")\n";
  return std::nullopt;
}

std::optional<std::string> SelfCheck(const std::string& prepared_path,
                                     const std::string& original_path) {
  cv::dnn::Net net;
  try {
    net = cv::dnn::readNetFromONNX(prepared_path);
  } catch (const cv::Exception& e) {
    return std::string("OpenCV cannot load the prepared model: ") + e.what();
  }
  std::vector<cv::Mat> outputs;
  for (const Size size : kCheckSizes) {
    if (auto error = CheckAtSize(net, size, &outputs)) return error;
    std::cout << "  " << size.width << "x" << size.height << ": " << outputs[0].size[1]
              << " priors, outputs " << kBoxesOutput << " and " << kScoresOutput << " ok\n";
    if (size.width == 320 && size.height == 240) {
      if (auto error = CompareWithOriginal(original_path, outputs)) return error;
    }
  }
  return std::nullopt;
}

int Fail(const std::string& message, const std::string& temp_path = {}) {
  std::cerr << "facetag-prepare-detector: error: " << message << "\n";
  if (!temp_path.empty()) {
    std::error_code ignored;
    std::filesystem::remove(temp_path, ignored);
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: facetag-prepare-detector IN.onnx OUT.onnx\n"
                 "  IN:  fr_detect.onnx of npm faceplugin-face-recognition-js\n"
                 "  OUT: the detector facetag runs (outputs 462 and scores, any input size)\n";
    return 2;
  }
  GOOGLE_PROTOBUF_VERIFY_VERSION;
  const std::string in_path = argv[1];
  const std::string out_path = argv[2];
  // Same folder as OUT, so the final rename is atomic.
  const std::string temp_path = out_path + ".partial";

  std::string error;
  onnx::ModelProto source;
  if (!ReadModel(in_path, &source, &error)) return Fail(error);
  onnx::ModelProto prepared;
  if (!CutGraph(source, &prepared, &error)) return Fail(in_path + ": " + error);
  std::cout << "facetag-prepare-detector: kept " << prepared.graph().node_size() << " of "
            << source.graph().node_size() << " nodes and " << prepared.graph().initializer_size()
            << " of " << source.graph().initializer_size() << " initializers\n";
  if (!WriteDeterministic(prepared, temp_path, &error)) return Fail(error, temp_path);

  std::cout << "facetag-prepare-detector: checking with OpenCV " << CV_VERSION << "\n";
  if (auto check_error = SelfCheck(temp_path, in_path)) {
    return Fail("check failed: " + *check_error, temp_path);
  }
  std::error_code ec;
  std::filesystem::rename(temp_path, out_path, ec);
  if (ec)
    return Fail("cannot rename " + temp_path + " to " + out_path + ": " + ec.message(), temp_path);
  std::cout << "facetag-prepare-detector: wrote " << out_path << "\n";
  return 0;
}
