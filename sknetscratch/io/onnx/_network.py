r"""The network as ONNX nodes: one converter per activation and per layer.

Each converter writes the inference-time formula of its NumPy counterpart in
:mod:`sknetscratch.nn.activations` / :mod:`sknetscratch.nn.layers` with standard
ONNX operators, in the model's dtype, so that onnxruntime computes what
``Model.predict`` computes:

=================  ===================================================
activation         ONNX
=================  ===================================================
linear, identity   (none)
relu               ``Relu``: :math:`\max(z, 0)`
leaky_relu         ``Where(z > 0, z, \alpha z)``
elu                ``Where(z > 0, z, \alpha (e^{\min(z, 0)} - 1))``
sigmoid, logistic  ``Sigmoid``
tanh               ``Tanh``
softplus           :math:`\max(z, 0) + \log(1 + e^{-|z|})`
gelu               :math:`\tfrac12 z (1 + \tanh(c (z_c + 0.044715 z_c^3)))`,
                   :math:`z_c = \mathrm{clip}(z, -10, 10)`, :math:`c = \sqrt{2/\pi}`
silu, swish        :math:`z \, \sigma(z)`
exp                :math:`e^{\min(z, m)}`, :math:`m` just below :math:`\log` of
                   the dtype's largest value
softmax            ``Softmax`` over the units (axis 1)
=================  ===================================================

A ``DenseBlock`` is :math:`f(XW + b)` (``MatMul``, ``Add``, then its
activation's converter) and a ``Dropout`` is the identity at inference. An
``Activation`` layer is its activation's converter alone. A
``BatchNormalization`` is its inference formula with the moving statistics,
:math:`\gamma (X - m) / \sqrt{v + \epsilon} + \beta` (``Sub``, ``Div``, ``Mul``,
``Add``; :math:`\sqrt{v + \epsilon}` with ``Add`` and ``Sqrt`` on constants, so
that the graph keeps :math:`v` and :math:`\epsilon`), and
a ``LayerNormalization`` the same formula with each row's mean and variance
over its features (``ReduceMean``, written for opset 13 and for 18+, where its
axes became an input) rather than the ``LayerNormalization`` operator (opset 17,
float only in some runtimes).
Parameters (``negative_slope``, ``alpha``) are written as constants of the
model's dtype rather than as the float32 attributes of ``LeakyRelu`` / ``Elu``,
so a float64 model stays exact. Converters are looked up by the activation's
``name`` and by the layer's class name; anything else raises a ``ValueError``
that names it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._graph import Graph

#: Activation name -> ``converter(g, z, activation) -> name of f(z)``.
ACTIVATION_CONVERTERS: dict[str, Callable] = {}
#: Layer class name -> ``converter(g, x, layer) -> name of the layer's output``.
LAYER_CONVERTERS: dict[str, Callable] = {}


def register_activation_converter(*names: str) -> Callable:
    """Register ``converter(g, z, activation)`` for activations called ``names``.

    The converter adds nodes to ``g`` (a :class:`Graph`) that compute
    :math:`f(z)` from the value named ``z``, and returns the name of the result.

    Parameters
    ----------
    *names : str
        The activation's ``name`` and its aliases in
        :data:`sknetscratch.ACTIVATIONS`.

    Returns
    -------
    decorator : callable
        Registers and returns the converter unchanged.
    """

    def decorator(converter: Callable) -> Callable:
        for name in names:
            ACTIVATION_CONVERTERS[name] = converter
        return converter

    return decorator


def register_layer_converter(class_name: str) -> Callable:
    """Register ``converter(g, x, layer)`` for layers of class ``class_name``.

    The converter adds the layer's inference-time computation on the value
    named ``x`` and returns the name of the result. The class is matched by its
    exact name, so a subclass that changes ``forward`` is not silently exported
    as its parent.

    Returns
    -------
    decorator : callable
        Registers and returns the converter unchanged.
    """

    def decorator(converter: Callable) -> Callable:
        LAYER_CONVERTERS[class_name] = converter
        return converter

    return decorator


def _config(activation) -> dict:
    """The activation's parameters: ``get_config()`` where it exists, else its attributes."""
    get_config = getattr(activation, "get_config", None)
    return dict(get_config()) if callable(get_config) else dict(vars(activation))


def _param(activation, key: str) -> float:
    config = _config(activation)
    if key not in config:
        raise ValueError(
            f"Cannot export activation {activation.name!r} to ONNX: its parameter "
            f"{key!r} was not found (configuration: {config})."
        )
    return float(config[key])


def convert_activation(g: Graph, z: str, activation, where: str = "") -> str:
    """Nodes computing ``activation(z)``; a clear error for an unknown activation."""
    name = getattr(activation, "name", type(activation).__name__)
    converter = ACTIVATION_CONVERTERS.get(name)
    if converter is None:
        raise ValueError(
            f"Cannot export activation {name!r} ({type(activation).__name__})"
            f"{where} to ONNX: no converter is registered for it. Known: "
            f"{sorted(ACTIVATION_CONVERTERS)}; add one with "
            "sknetscratch.io.onnx.register_activation_converter."
        )
    return converter(g, z, activation)


@register_activation_converter("linear", "identity")
def _linear(g, z, activation):
    return z


@register_activation_converter("relu")
def _relu(g, z, activation):
    return g.op("Relu", z)


@register_activation_converter("leaky_relu")
def _leaky_relu(g, z, activation):
    slope = g.scalar(_param(activation, "negative_slope"), "negative_slope")
    positive = g.op("Greater", z, g.scalar(0.0, "zero"))
    return g.op("Where", positive, z, g.op("Mul", z, slope))


@register_activation_converter("elu")
def _elu(g, z, activation):
    alpha = g.scalar(_param(activation, "alpha"), "alpha")
    zero = g.scalar(0.0, "zero")
    # alpha (e^{min(z, 0)} - 1): min(z, 0) keeps exp from overflowing
    em1 = g.op("Sub", g.op("Exp", g.op("Min", z, zero)), g.scalar(1.0, "one"))
    return g.op("Where", g.op("Greater", z, zero), z, g.op("Mul", alpha, em1))


@register_activation_converter("sigmoid", "logistic")
def _sigmoid(g, z, activation):
    return g.op("Sigmoid", z)


@register_activation_converter("tanh")
def _tanh(g, z, activation):
    return g.op("Tanh", z)


@register_activation_converter("softplus")
def _softplus(g, z, activation):
    # log(1 + e^z) = max(z, 0) + log(1 + e^{-|z|}), as np.logaddexp(0, z):
    # onnxruntime's Softplus overflows to inf for large z in float64
    tail = g.op("Exp", g.op("Neg", g.op("Abs", z)))
    return g.op(
        "Add", g.op("Relu", z), g.op("Log", g.op("Add", g.scalar(1.0, "one"), tail))
    )


@register_activation_converter("gelu")
def _gelu(g, z, activation):
    # sknetscratch.nn.activations.GELU, the tanh form: u = c (z_c + K z_c^3),
    # f = z (1 + tanh u) / 2, with z_c = clip(z, -10, 10) (tanh u is +-1 there)
    zc = g.op("Clip", z, g.scalar(-10.0, "lo"), g.scalar(10.0, "hi"))
    zc3 = g.op("Mul", g.op("Mul", zc, zc), zc)
    inner = g.op("Add", zc, g.op("Mul", g.scalar(0.044715, "k"), zc3))
    t = g.op("Tanh", g.op("Mul", g.scalar(np.sqrt(2.0 / np.pi), "c"), inner))
    half_z = g.op("Mul", g.scalar(0.5, "half"), z)
    return g.op("Mul", half_z, g.op("Add", g.scalar(1.0, "one"), t))


@register_activation_converter("silu", "swish")
def _silu(g, z, activation):
    return g.op("Mul", z, g.op("Sigmoid", z))


@register_activation_converter("exp")
def _exp(g, z, activation):
    # the cap of sknetscratch.nn.functions.safe_exp: e^z never overflows to inf
    cap = np.nextafter(
        g.dtype.type(np.log(np.finfo(g.dtype).max)), g.dtype.type(-np.inf)
    )
    return g.op("Exp", g.op("Min", z, g.scalar(cap, "exp_cap")))


@register_activation_converter("softmax")
def _softmax(g, z, activation):
    return g.op("Softmax", z, axis=1)


def dense_pre_activation(g: Graph, x: str, layer) -> str:
    """:math:`Z = XW + b` of a ``DenseBlock``."""
    prefix = layer.name or "dense"
    z = g.op("MatMul", x, g.const(np.asarray(layer.W, dtype=g.dtype), f"{prefix}_W"))
    if layer.b is not None:
        z = g.op("Add", z, g.const(np.asarray(layer.b, dtype=g.dtype), f"{prefix}_b"))
    return z


@register_layer_converter("DenseBlock")
def _dense(g, x, layer):
    z = dense_pre_activation(g, x, layer)
    return convert_activation(g, z, layer.activation, f" of layer {layer.name!r}")


@register_layer_converter("Dropout")
def _dropout(g, x, layer):
    return x  # inverted dropout scales in training only: identity at inference


@register_layer_converter("Activation")
def _activation_layer(g, x, layer):
    return convert_activation(g, x, layer.activation, f" of layer {layer.name!r}")


def _scale_and_shift(g, x_hat, layer, prefix):
    r""":math:`\gamma \hat X + \beta` of a normalisation (each if it has it)."""
    if layer.scale:
        gamma = np.asarray(layer.params["gamma"], dtype=g.dtype)
        x_hat = g.op("Mul", x_hat, g.const(gamma, f"{prefix}_gamma"))
    if layer.center:
        beta = np.asarray(layer.params["beta"], dtype=g.dtype)
        x_hat = g.op("Add", x_hat, g.const(beta, f"{prefix}_beta"))
    return x_hat


@register_layer_converter("BatchNormalization")
def _batch_normalization(g, x, layer):
    # inference: the moving statistics are constants of the graph
    prefix = layer.name or "batch_normalization"
    # sqrt(v + eps) is written as nodes, not folded into one constant: the
    # graph then keeps the moving variance and epsilon, and from_onnx reads
    # the layer back exactly
    mean = np.asarray(layer.state["moving_mean"], dtype=g.dtype)
    var = np.asarray(layer.state["moving_variance"], dtype=g.dtype)
    var = g.const(var, f"{prefix}_moving_variance")
    std = g.op("Sqrt", g.op("Add", var, g.scalar(layer.epsilon, f"{prefix}_epsilon")))
    centered = g.op("Sub", x, g.const(mean, f"{prefix}_moving_mean"))
    x_hat = g.op("Div", centered, std)
    return _scale_and_shift(g, x_hat, layer, prefix)


def _row_mean(g, x):
    """``ReduceMean`` over the features (axis 1), keeping the axis."""
    if g.opset >= 18:  # axes became an input in opset 18
        axes = g.const(np.array([1], dtype=np.int64), "axes")
        return g.op("ReduceMean", x, axes, keepdims=1)
    return g.op("ReduceMean", x, axes=[1], keepdims=1)


@register_layer_converter("LayerNormalization")
def _layer_normalization(g, x, layer):
    prefix = layer.name or "layer_normalization"
    centered = g.op("Sub", x, _row_mean(g, x))  # X - mu_i
    var = _row_mean(g, g.op("Mul", centered, centered))  # v_i
    eps = g.scalar(layer.epsilon, f"{prefix}_epsilon")
    x_hat = g.op("Div", centered, g.op("Sqrt", g.op("Add", var, eps)))
    return _scale_and_shift(g, x_hat, layer, prefix)


def convert_layer(g: Graph, x: str, layer) -> str:
    """Nodes computing ``layer``'s inference output; a clear error for an unknown layer."""
    kind = type(layer).__name__
    converter = LAYER_CONVERTERS.get(kind)
    if converter is None:
        raise ValueError(
            f"Cannot export layer {getattr(layer, 'name', None)!r} of type {kind} "
            f"to ONNX: no converter is registered for it. Known layer types: "
            f"{sorted(LAYER_CONVERTERS)}; add one with "
            "sknetscratch.io.onnx.register_layer_converter."
        )
    return converter(g, x, layer)


def convert_network(g: Graph, model, x: str, *, logits: bool = False) -> str:
    """Nodes computing ``model.predict`` (or, with ``logits``, ``predict_logits``).

    With ``logits=True`` the last layer must be a ``DenseBlock``; its
    pre-activation :math:`Z^{(L)}` is returned.
    """
    layers = list(model.layers)
    if not layers:
        raise ValueError("Cannot export a model without layers to ONNX.")
    *hidden, last = layers
    for layer in hidden:
        x = convert_layer(g, x, layer)
    if not logits:
        return convert_layer(g, x, last)
    if type(last).__name__ != "DenseBlock":
        raise ValueError(
            "Cannot export the logits of a model whose last layer is a "
            f"{type(last).__name__}; the output layer must be a DenseBlock."
        )
    return dense_pre_activation(g, x, last)
