"""The estimators' network, built from their parameters as layers of the core.

Each hidden layer ``i`` is one block::

    DenseBlock(units_i, activation_i)                      # batch_norm=False
    DenseBlock(units_i, use_bias=False)
        -> BatchNormalization(momentum=0.9, debias=True)
        -> Activation(activation_i)                        # batch_norm=True
    ... -> Dropout(dropout_i)                              # if dropout_i > 0

followed by the output layer ``DenseBlock(n_outputs, out_activation)``.
``activation`` and ``dropout`` are one value or one per hidden layer. With the
defaults (one activation, no dropout, no batch norm, ``kernel_initializer=
'sklearn'``) the network is scikit-learn's MLP, initialised as scikit-learn
initialises it.

The dense layer before a batch norm has no bias: the batch norm subtracts the
batch mean, so that bias would always get gradient 0 (the batch norm's beta
is the shift). The batch norm keeps bias-corrected moving statistics with
momentum 0.9, so that even a short fit predicts with the statistics it trained
with (Keras' 0.99 from 0 and 1 left an 8-layer network predicting the
majority class after 60 epochs; ``benchmarks/bench_batch_norm.py`` measured
the options, docs/derivation.md §12 quotes them). Networks
built by earlier versions have the bias and Keras' statistics; they still load,
predict and keep training as they are (:func:`signature` does not tell the two
apart).
"""

from __future__ import annotations

from numbers import Real

from ..nn.activations import ACTIVATIONS
from ..nn.layers import Activation, BatchNormalization, DenseBlock, Dropout
from ..training.model import Model
from ._params import hidden_layer_sizes

#: Activations that 'auto' initialises with He's scheme (Glorot's for the rest).
RELU_FAMILY = frozenset({"relu", "leaky_relu", "elu", "gelu", "silu"})


def per_layer(name: str, value, n_hidden: int) -> list:
    """One value per hidden layer, from one value or a list/tuple of ``n_hidden``."""
    if isinstance(value, (list, tuple)):
        if len(value) != n_hidden:
            raise ValueError(
                f"{name} has {len(value)} entries, but hidden_layer_sizes has "
                f"{n_hidden} hidden layers; give one {name} or one per hidden layer."
            )
        return list(value)
    return [value] * n_hidden


def hidden_blocks(est) -> list[tuple[int, str, float]]:
    """``(units, activation, dropout rate)`` of each hidden layer, checked."""
    sizes = hidden_layer_sizes(est)
    activations = per_layer("activation", est.activation, len(sizes))
    rates = per_layer("dropout", est.dropout, len(sizes))
    for act in activations:
        if not isinstance(act, str) or act not in ACTIVATIONS:
            raise ValueError(
                f"activation {act!r} is not one of {sorted(ACTIVATIONS)}; give one "
                "name or one per hidden layer."
            )
    for rate in rates:
        if isinstance(rate, bool) or not isinstance(rate, Real) or not 0 <= rate < 1:
            raise ValueError(f"dropout rates must be numbers in [0, 1); got {rate!r}.")
    return list(zip(sizes, activations, [float(r) for r in rates]))


def initializers(scheme: str, activation: str) -> tuple[str, str]:
    """Kernel and bias initializer names for a layer followed by ``activation``.

    'sklearn' is scikit-learn's scheme (``U(-l, l)`` on kernels and biases, its
    'logistic' factor for logistic layers); 'auto' is He's uniform scheme for the
    ReLU family and Glorot's otherwise; any other registered name initialises the
    kernel, with zero biases (Keras' convention).
    """
    if scheme == "sklearn":
        init = "sklearn_logistic" if activation == "logistic" else "sklearn"
        return init, init
    if scheme == "auto":
        scheme = "he_uniform" if activation in RELU_FAMILY else "glorot_uniform"
    return scheme, "zeros"


def build_network(est, out_activation: str, loss, n_outputs: int) -> Model:
    """The compiled, unbuilt network of estimator ``est``."""
    blocks = hidden_blocks(est)
    model = Model(name=type(est).__name__)
    for units, act, rate in blocks:
        kernel, bias = initializers(est.kernel_initializer, act)
        dense = dict(kernel_initializer=kernel, bias_initializer=bias)
        if est.batch_norm:
            model.add(DenseBlock(units, "linear", use_bias=False, **dense))
            model.add(BatchNormalization(momentum=0.9, debias=True))
            model.add(Activation(act))
        else:
            model.add(DenseBlock(units, act, **dense))
        if rate > 0:
            model.add(Dropout(rate))
    # as scikit-learn's: the output layer is initialised for the hidden activation
    hidden_act = blocks[-1][1] if blocks else est.activation
    scheme = est.kernel_initializer
    kernel, bias = initializers(
        scheme, hidden_act if scheme == "sklearn" else out_activation
    )
    model.add(
        DenseBlock(
            n_outputs, out_activation, kernel_initializer=kernel, bias_initializer=bias
        )
    )
    return model.compile(optimizer=None, loss=loss, alpha=est.alpha, l1=est.l1)


def signature(model: Model) -> list:
    """What makes two networks the same (layer types and settings, not weights).

    ``use_bias``, ``momentum``, ``debias`` and ``epsilon`` are left out: they
    differ only where a network of an earlier version has a bias before a batch
    norm and Keras' moving statistics, or where an adopted network
    (:func:`.adopt_model`) keeps its batch norms as they were made; both train
    on as they are.
    """
    ignore = {"name", "kernel_initializer", "bias_initializer", "use_bias"}
    ignore |= {"momentum", "debias", "epsilon"}
    out = []
    for layer in model.layers:
        config = {k: v for k, v in layer.get_config().items() if k not in ignore}
        if "activation" in config and not isinstance(config["activation"], str):
            config["activation"] = repr(config["activation"])
        out.append((type(layer).__name__, config))
    return out
