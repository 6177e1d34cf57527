"""``from_onnx``: the entry point that walks the graph and builds the result."""

from __future__ import annotations

import numpy as np

from ....estimators import adopt_model
from ....nn.activations import get_activation
from ._activations import activation_templates
from ._graph import (
    FLOAT_TYPES,
    GraphIndex,
    check_domains,
    graph_input,
    import_onnx,
    load_model,
    refuse,
)
from ._heads import HEAD_OPS, check_passed_on, head_function, read_classifier
from ._layers import build_model, next_step

__all__ = ["from_onnx"]


def from_onnx(model_or_path):
    """Read an ONNX graph of dense layers into a core ``Model`` or a classifier.

    The graph must be a chain from its one input: dense layers (``Gemm``, or
    ``MatMul`` then ``Add``), the activations of
    :data:`sknetscratch.ACTIVATIONS` (as :func:`sknetscratch.to_onnx` writes
    them, or as the one ONNX operator of that name), ``BatchNormalization``,
    ``LayerNormalization``, ``Dropout`` and ``Identity``, ending with a dense
    layer (and its activation). It may end in the label and probability
    outputs that skl2onnx writes for scikit-learn's ``MLPClassifier`` and
    that :func:`sknetscratch.to_onnx` writes for ``ScratchMLPClassifier``.
    That covers what ``to_onnx`` writes, skl2onnx's ``MLPClassifier`` and
    ``MLPRegressor``, and ``torch.onnx.export`` of a stack of ``Linear``
    layers and activations. Weights are copied exactly, in the graph's float
    type.

    Parameters
    ----------
    model_or_path : onnx.ModelProto, str or os.PathLike
        The model, or the path of a ``.onnx`` file.

    Returns
    -------
    model : Model, ScratchMLPClassifier
        A fitted :class:`~sknetscratch.ScratchMLPClassifier` when the graph
        has a label output (the classes are its labels; binary, multiclass or
        multilabel), else a built core :class:`~sknetscratch.Model`, not
        compiled: ``model.compile(...)`` before ``fit``, or wrap it with
        :func:`sknetscratch.estimators.adopt_model` (a regressor, say).

    Raises
    ------
    ImportError
        Without the ``onnx`` package (``pip install "sknetscratch[onnx]"``).
    TypeError
        If ``model_or_path`` is neither a ModelProto nor a path.
    ValueError
        If the path is not a regular file or not an ONNX model, or the graph
        holds a node outside the vocabulary above: the message names it (its
        operator type and name).

    Examples
    --------
    >>> import numpy as np
    >>> from sknetscratch import DenseBlock, Model, from_onnx, to_onnx
    >>> model = Model([DenseBlock(4, "tanh"), DenseBlock(1)]).build(3, random_state=0)
    >>> copy = from_onnx(to_onnx(model))
    >>> copy.layers
    [DenseBlock(units=4, activation='tanh', ...), DenseBlock(units=1, ...)]
    >>> X = np.random.default_rng(0).normal(size=(5, 3))
    >>> bool(np.array_equal(copy.predict(X), model.predict(X)))
    True
    """
    onnx = import_onnx()
    proto = load_model(onnx, model_or_path)
    graph = proto.graph
    index = GraphIndex(onnx, graph)
    index.opset_imports = list(proto.opset_import)
    check_domains(index)
    x, elem_type, width = graph_input(onnx, graph)

    dtype = FLOAT_TYPES.get(elem_type)
    first = index.only_user(x, "Cast")
    used = []
    if first is not None and index.attrs(first).get("to") in FLOAT_TYPES:
        dtype = FLOAT_TYPES[index.attrs(first)["to"]]
        used.append(first)
        x = first.output[0]
    if dtype is None:
        raise ValueError(
            "The ONNX graph's input must be float or double (or cast to one first); "
            f"it has element type {elem_type}."
        )
    dtype = np.dtype(dtype)
    templates = activation_templates(dtype)

    walked = []  # the recognised layers, identities included
    while True:
        step = next_step(index, x, dtype, templates)
        if step is None:
            break
        used.extend(step.nodes)
        walked.append(step)
        x = step.output

    dense = [i for i, s in enumerate(walked) if s.kind == "dense"]
    rest = [n for n in index.nodes if n not in used]
    if not dense:
        raise refuse(rest, "the graph has no dense layer (Gemm or MatMul)")
    last = dense[-1]
    after = [s for s in walked[last + 1 :] if s.kind != "identity"]
    for step in after[1:] if after and after[0].kind == "activation" else after:
        raise refuse(
            step.nodes, "the network must end with a dense layer (and its activation)"
        )
    steps = [s for s in walked if s.kind != "identity"]
    n_units = walked[last].values["W"].shape[1]
    n_features = width or _input_width(steps)
    if not rest and index.outputs == [x]:  # the network's output alone
        return build_model(steps, n_features, dtype, graph.name)

    # a classifier's head: everything after the last dense layer's logits z
    tail = [n for s in walked[last + 1 :] for n in s.nodes]
    head = [n for n in index.nodes if n in tail or n not in used]
    # the first node the walk could not read, before the tail's activation
    unknown = [n for n in rest + tail if n.op_type not in HEAD_OPS]
    if unknown:
        raise refuse(unknown, None)
    z = walked[last].config["z"]
    known = {z, *index.consts, ""}
    for node in head:  # the head reads the logits and constants only
        if any(i not in known for i in node.input):
            raise refuse([node], "it reads a value other than the last layer's output")
        known.update(node.output)
    run = head_function(onnx, index, head, z, dtype, n_units)
    if len(index.outputs) == 1:  # values passed on (a last Reshape, say)
        model = build_model(steps, n_features, dtype, graph.name)
        check_passed_on(run, model.layers[-1].activation, n_units, dtype, head[0])
        return model
    activation, classes, multilabel = read_classifier(run, n_units, dtype, head[0])
    model = build_model(walked[: last + 1], n_features, dtype, graph.name)
    model.layers[-1].activation = get_activation(activation)
    return adopt_model(model, classes=classes, multilabel=multilabel)


def _input_width(steps) -> int:
    for step in steps:
        for key in ("W", "moving_mean", "gamma", "beta"):
            value = step.values.get(key)
            if value is not None:
                return int(value.shape[0])
    raise ValueError("The ONNX graph's input width is unknown: give its input a shape.")
