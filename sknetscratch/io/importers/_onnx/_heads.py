"""A classifier's head: the label and probability outputs after the last dense layer.

The head (what skl2onnx writes for a scikit-learn ``MLPClassifier`` and
``to_onnx`` for a ``ScratchMLPClassifier``: ``ArgMax``,
``ArrayFeatureExtractor``, ``ZipMap``, ...) is not matched node by node: it is
run by ``onnx.reference`` on probe logits, and its outputs tell the output
activation (one sigmoid unit, softmax, or a sigmoid per label) and the class
labels.
"""

from __future__ import annotations

import importlib

import numpy as np

from ....nn.functions import sigmoid, softmax
from ._graph import describe

#: Nodes the head after the last dense layer may hold (the label and
#: probability outputs of skl2onnx's classifiers and of ``to_onnx``).
HEAD_OPS = frozenset(
    {
        "ArgMax",
        "ArrayFeatureExtractor",
        "Binarizer",
        "Cast",
        "Concat",
        "Flatten",
        "Gather",
        "Greater",
        "Identity",
        "LabelEncoder",
        "Neg",
        "Reshape",
        "Sigmoid",
        "Softmax",
        "Squeeze",
        "Sub",
        "Unsqueeze",
        "ZipMap",
    }
)

# -- the head --------------------------------------------------------------------


def head_function(onnx, index, nodes, z, z_dtype, n_units):
    """``run(Z) -> {output name: value}``: the head's nodes run by onnx.reference."""
    graph = index.graph
    names = {i for n in nodes for i in n.input} | set(index.outputs)
    initializers = [t for t in graph.initializer if t.name in names]
    constants = [
        n
        for n in graph.node
        if n.op_type == "Constant" and n.output[0] in names and n not in nodes
    ]
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(z_dtype))
    # a ZipMap (which onnx.reference does not run) is its input, the matrix of
    # probabilities, shown as one dict per row: read that matrix
    nodes = [
        onnx.helper.make_node("Identity", [n.input[0]], [n.output[0]], name=n.name)
        if n.op_type == "ZipMap"
        else n
        for n in nodes
    ]
    sub = onnx.helper.make_graph(
        constants + nodes,
        "head",
        [onnx.helper.make_tensor_value_info(z, elem, [None, n_units])],
        list(graph.output),
        initializer=initializers,
    )
    model = onnx.helper.make_model(sub, opset_imports=list(index.opset_imports))
    reference = importlib.import_module("onnx.reference")
    evaluator = reference.ReferenceEvaluator(model)

    def run(Z):
        values = evaluator.run(None, {z: np.asarray(Z, z_dtype)})
        return dict(zip(index.outputs, values))

    return run


def _as_matrix(value) -> np.ndarray:
    """Probabilities as an array: a ZipMap's list of dicts becomes its values."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return np.array([list(row.values()) for row in value], dtype=np.float64)
    return np.asarray(value, dtype=np.float64)


def _label_values(value) -> np.ndarray:
    value = np.asarray(value)
    if value.dtype.kind in "OSU":
        return np.array(
            [v.decode() if isinstance(v, bytes) else str(v) for v in value.ravel()]
        ).reshape(value.shape)
    return value


def read_classifier(run, n_units, dtype, first_head_node):
    """``(out_activation, classes, multilabel)`` of the head, or a ValueError."""
    Z = _probe_logits(n_units)
    out = run(Z)
    label_name, proba_name = _split_outputs(out, first_head_node)
    P, L = _as_matrix(out[proba_name]), _label_values(out[label_name])
    tol = 64 * np.finfo(dtype).eps

    def close(expected):
        return P.shape == expected.shape and np.allclose(
            P, expected, rtol=tol, atol=tol
        )

    big = 30.0
    if n_units == 1 and close(np.hstack([sigmoid(-Z), sigmoid(Z)])):
        low, high = (
            _label_values(run(np.full((1, 1), v))[label_name]) for v in (-big, big)
        )
        classes = np.concatenate([low.ravel(), high.ravel()])
        expected = classes[(Z[:, 0] > 0).astype(int)]
        task = ("sigmoid", classes, False)
    elif n_units > 1 and close(softmax(Z)):
        classes = np.concatenate(
            [
                _label_values(run(big * np.eye(n_units)[[k]])[label_name]).ravel()
                for k in range(n_units)
            ]
        )
        expected = classes[Z.argmax(axis=1)]
        task = ("softmax", classes, False)
    elif n_units > 1 and close(sigmoid(Z)):
        expected = (Z > 0).astype(np.int64)
        task = ("sigmoid", np.arange(n_units), True)
    else:
        raise ValueError(
            f"Cannot read the ONNX graph's head from {describe(first_head_node)}: "
            f"its probabilities ({proba_name!r}) are not those of a binary (one "
            "sigmoid unit), multiclass (softmax) or multilabel (sigmoid per label) "
            "classifier of the last dense layer."
        )
    if L.shape != expected.shape or not np.array_equal(L, expected.astype(L.dtype)):
        raise ValueError(
            f"Cannot read the ONNX graph's head from {describe(first_head_node)}: "
            f"its labels ({label_name!r}) are not the classes of the largest "
            "probabilities."
        )
    return task


def _probe_logits(n_units) -> np.ndarray:
    rng = np.random.default_rng(0)  # fixed probes: the result depends on the graph only
    Z = rng.normal(scale=4.0, size=(64, n_units))
    Z[np.abs(Z) < 1e-3] = 1.0  # away from the decision boundary
    return Z


def check_passed_on(run, activation, n_units, dtype, first_head_node):
    """Refuse a one-output head unless it passes the network's output on."""
    Z = _probe_logits(n_units)
    (out,) = run(Z).values()
    expected = activation.forward(Z.astype(dtype))
    tol = 64 * np.finfo(dtype).eps
    out = np.asarray(out)
    if out.shape != expected.shape or not np.allclose(
        out, expected, rtol=tol, atol=tol
    ):
        raise ValueError(
            f"Cannot read the ONNX {describe(first_head_node)}: the graph's one "
            "output must be the last layer's output, as it is (reshaped at most)."
        )


def _split_outputs(out, first_head_node):
    """(label output name, probability output name) of a classifier head."""
    labels = [k for k, v in out.items() if _is_labels(v)]
    probas = [k for k in out if k not in labels]
    if len(out) != 2 or len(labels) != 1:
        raise ValueError(
            f"Cannot read the ONNX graph's head from {describe(first_head_node)}: "
            "a classifier has two outputs, the labels and the probabilities; "
            f"this graph has {sorted(out)}."
        )
    return labels[0], probas[0]


def _is_labels(value) -> bool:
    if isinstance(value, list):
        return False  # ZipMap: a list of dicts
    return np.asarray(value).dtype.kind in "iuOSU"
