"""A model as ONNX, for other runtimes: the preprocessing fitted on the training data
(missing values filled, then scaled) as the graph's first nodes, then the network, then
softmax. Its input is a model's raw input rows (Model.read_inputs: pixels 0..255, or a
table's rows with its text columns one-hot encoded, in the order the header's
`columns` list); its outputs are the probability of each class and the most probable
class's index. Needs the optional `onnx` package (pip install 'hyperdesk[onnx]')."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hyperdesk.core.files import replacing
from hyperdesk.core.model.model_file import Model
from hyperdesk.core.training.layers import Affine, BatchNorm, ReLU, Sigmoid, Tanh

OPSET = 17
# The lowest IR version that carries opset 17 (onnx's VERSION_TABLE): onnx 1.23 stamps
# its own newest (14) by default, which onnxruntime 1.16 to 1.20 refuse to load.
IR_VERSION = 8
ONNX_SUFFIX = ".onnx"
ACTIVATION_OPS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}
EXTRA_HINT = "ONNX export needs the onnx package: pip install 'hyperdesk[onnx]'"


# What a caller feeds the graph, said in the file itself (the README says it too).
INPUT_DOC = (
    "input: float32 rows of the model's raw inputs, one per row: for images, the pixels "
    "0..255 as they are in the file, row after row (do not divide by 255: the scaling "
    "fitted on the training data is inside the graph); for a table, its columns in the "
    "order the metadata's input_columns lists, text columns one-hot encoded. Outputs: "
    "probabilities (one per class, the metadata's classes) and label (the index of the "
    "most probable class); a regression's (metadata task = regression): prediction, the "
    "value in the label's units."
)


class OnnxUnavailable(ImportError):
    """The onnx package is not installed; the message says how to get it."""


def export_onnx(model: Model, path: Path) -> None:
    """Write `model` to `path` as an ONNX graph (float32)."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise OnnxUnavailable(EXTRA_HINT) from None

    nodes, constants = [], []

    def constant(name: str, value) -> str:
        array = np.asarray(value, dtype=np.float32)
        constants.append(numpy_helper.from_array(array, name))
        return name

    def node(op: str, inputs: list[str], output: str, **attributes) -> str:
        nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    features = model.spec.input_size
    current = "input"
    scaling = model.scaling
    if scaling.fill is not None:
        missing = node("IsNaN", [current], "missing")
        fill = constant("fill", np.reshape(scaling.fill, (1, features)))
        current = node("Where", [missing, fill, current], "filled")
    centre = constant("centre", np.reshape(scaling.centre, (1, -1)))
    current = node(
        "Div",
        [
            node("Sub", [current, centre], "centred"),
            constant("spread", np.reshape(scaling.spread, (1, -1))),
        ],
        "scaled",
    )
    arrays = iter(model.arrays)
    for index, layer in enumerate(model.network.layers):
        if isinstance(layer, Affine):
            weight, bias = next(arrays), next(arrays)
            product = node("MatMul", [current, constant(f"w{index}", weight)], f"mm{index}")
            current = node("Add", [product, constant(f"b{index}", bias)], f"affine{index}")
        elif isinstance(layer, BatchNorm):
            gamma, beta, mean, var = (next(arrays) for _ in range(4))
            # Evaluation's normalisation, folded into one scale and one shift.
            scale = gamma / np.sqrt(var + layer.eps)
            scaled = node("Mul", [current, constant(f"bn_scale{index}", scale)], f"bn{index}")
            shift = constant(f"bn_shift{index}", beta - mean * scale)
            current = node("Add", [scaled, shift], f"bn_out{index}")
        elif isinstance(layer, ReLU | Sigmoid | Tanh):
            current = node(ACTIVATION_OPS[model.spec.activation], [current], f"act{index}")
        # Dropout does nothing outside training.
    if model.regression:
        # The target's standardization undone inside the graph: values in the label's units.
        mean, spread = model.target
        scaled = node("Mul", [current, constant("target_spread", [[spread]])], "unscaled")
        node("Add", [scaled, constant("target_mean", [[mean]])], "prediction")
        outputs = [helper.make_tensor_value_info("prediction", TensorProto.FLOAT, ["rows", 1])]
    else:
        probabilities = node("Softmax", [current], "probabilities", axis=1)
        node("ArgMax", [probabilities], "label", axis=1, keepdims=0)
        outputs = [
            helper.make_tensor_value_info(
                "probabilities", TensorProto.FLOAT, ["rows", len(model.classes)]
            ),
            helper.make_tensor_value_info("label", TensorProto.INT64, ["rows"]),
        ]
    graph = helper.make_graph(
        nodes,
        "hyperdesk_model",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["rows", features])],
        outputs,
        constants,
        doc_string=INPUT_DOC,
    )
    onnx_model = helper.make_model(
        graph,
        producer_name="hyperdesk",
        opset_imports=[helper.make_opsetid("", OPSET)],
        ir_version=IR_VERSION,
    )
    inputs = [
        {"name": c.name, "words": None if c.words is None else list(c.words)} for c in model.columns
    ]
    for key, value in (
        ("task", model.spec.task),
        ("classes", json.dumps(list(model.classes))),
        ("input_kind", model.kind),
        ("input_columns", json.dumps(inputs)),
        ("image_shape", json.dumps(list(model.image_shape))),
    ):
        entry = onnx_model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(onnx_model)
    with replacing(Path(path)) as writing:  # a fresh file renamed into place
        onnx.save(onnx_model, str(writing))
