#!/usr/bin/python3
"""prepare_retinaface.py IN.onnx OUT.onnx

Turns mnet.25_v2.onnx of npm retinaface 0.0.6 (insightface's RetinaFace
MobileNet-0.25) into the detector facetag runs at any input size whose sides
are a multiple of 32.

The package's graph crops each upsampled feature map to the size of the
finer map before adding them (Slice with ends = Shape(finer map)). OpenCV 4.6
fixes those ends at the first forward pass, so a second photo of another size
taller or wider than 640 pixels fails an Eltwise shape assertion. With both sides a multiple of 32 the
upsampled map already has the finer map's size and the crop is the identity:
this tool removes the two Shape/Slice pairs, feeds the upsampled maps to the
additions directly and marks the input's height and width as dynamic.

Before OUT is written the result is checked: OpenCV loads it and runs it on
one network object at 640x640, 480x1088 (height x width) and again 640x640
(pseudo-random images); at 640x640 every output must equal the original
graph's, and at 480x1088 every output must have the shape of the input's
feature maps. Any
failure exits non-zero and leaves OUT untouched. The serialisation is
deterministic, so the manifest pins the SHA-256 of OUT.
"""

import sys

import numpy as np
import onnx

from checked_onnx import PreparationError, run_tool, write_checked

OUTPUT_CHANNELS = {"face_rpn_cls_prob_reshape_stride": 4, "face_rpn_bbox_pred_stride": 8,
                   "face_rpn_landmark_pred_stride": 20}
STRIDES = (32, 16, 8)


def remove_crops(model):
    graph = model.graph
    slices = [n for n in graph.node if n.op_type == "Slice"]
    if len(slices) != 2:
        raise PreparationError(f"expected 2 Slice nodes (the crops), found {len(slices)}")
    producers = {o: n for n in graph.node for o in n.output}
    dropped, renames = set(), {}
    for crop in slices:
        data, _, ends = crop.input[:3]
        shape = producers.get(ends)
        if producers.get(data) is None or producers[data].op_type != "Resize" or \
                shape is None or shape.op_type != "Shape":
            raise PreparationError(f"{crop.name or crop.output[0]} is not a crop of an upsampling")
        renames[crop.output[0]] = data
        dropped.update({id(crop), id(shape)})
    kept = [n for n in graph.node if id(n) not in dropped]
    for node in kept:
        node.input[:] = [renames.get(name, name) for name in node.input]
    del graph.node[:]
    graph.node.extend(kept)
    used = {name for n in graph.node for name in n.input}
    initializers = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    dims = graph.input[0].type.tensor_type.shape.dim
    dims[2].Clear()
    dims[2].dim_param = "height"
    dims[3].Clear()
    dims[3].dim_param = "width"
    for output in graph.output:
        for d in output.type.tensor_type.shape.dim[2:]:
            d.Clear()
    onnx.checker.check_model(model)
    return model


def names():
    return [kind + str(s) for s in STRIDES for kind in OUTPUT_CHANNELS]


def run(net, image):
    net.setInput(image)
    return net.forward(names())


def check_with_opencv(original_path, prepared_path):
    import cv2  # Debian python3-opencv: the OpenCV facetag itself links
    rng = np.random.default_rng(2024)

    def image(h, w):
        coarse = rng.uniform(0, 255, (1, 3, h // 16, w // 16))
        return np.repeat(np.repeat(coarse, 16, axis=2), 16, axis=3).astype(np.float32)

    try:
        original = cv2.dnn.readNetFromONNX(original_path)
        prepared = cv2.dnn.readNetFromONNX(prepared_path)
        square, other = image(640, 640), image(480, 1088)
        expected = run(original, square)
        outputs = [run(prepared, square), run(prepared, other), run(prepared, square)]
    except cv2.error as e:
        raise PreparationError(f"OpenCV cannot run the graph: {e}") from e
    for k, got in enumerate(outputs):
        if k == 1:
            for name, out in zip(names(), got):
                stride = int(name.rsplit("stride", 1)[1])
                want = (1, OUTPUT_CHANNELS[name[:-len(str(stride))]], 480 // stride, 1088 // stride)
                if tuple(out.shape) != want:
                    raise PreparationError(f"{name} at 480x1088 has shape {out.shape}, want {want}")
            continue
        for name, a, b in zip(names(), got, expected):
            error = float(np.abs(a - b).max())
            if not error <= 1e-4 * max(1.0, float(np.abs(b).max())):
                raise PreparationError(f"{name} differs from the original graph by {error}")


def prepare(source, target):
    model = remove_crops(onnx.load(source))
    write_checked(model, target, lambda path: check_with_opencv(source, path))
    return ("crops removed; OpenCV runs it at 640x640, 480x1088 and 640x640 again, equal to the "
            "original at 640x640")


if __name__ == "__main__":
    sys.exit(run_tool("prepare_retinaface", __doc__.strip().splitlines()[0], sys.argv, prepare))
