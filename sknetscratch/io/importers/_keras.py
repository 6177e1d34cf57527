"""``from_keras``: a Keras 3 model of dense layers into a core ``Model``.

Keras is imported only when :func:`from_keras` runs; it is not a dependency.
Each Keras layer becomes the sknetscratch layer of the same formula and
defaults (the core was written after Keras's):

=========================================  ====================================
Keras                                      sknetscratch
=========================================  ====================================
``Dense(units, activation, use_bias)``     ``DenseBlock`` (kernel ``(n_in, units)``)
``Activation``, ``ReLU``, ``LeakyReLU``,   ``Activation`` (folded into the dense
``ELU``, ``Softmax``                       layer before it, when that has none)
``BatchNormalization``                     ``BatchNormalization`` (``momentum``,
                                           ``epsilon``, ``center``, ``scale``,
                                           moving statistics)
``LayerNormalization``                     ``LayerNormalization``
``Dropout(rate)``                          ``Dropout(rate)``
=========================================  ====================================

Activations by name: linear, relu, leaky_relu (Keras's slope 0.2), elu, sigmoid,
tanh, softplus, silu/swish, exponential and softmax. Keras's ``gelu`` is the
exact (erf) form and sknetscratch's the tanh approximation, so it is refused
rather than changed.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import warnings

import numpy as np

from ...nn.activations import ELU, LeakyReLU, get_activation
from ...nn.layers import (
    Activation,
    BatchNormalization,
    DenseBlock,
    Dropout,
    LayerNormalization,
)
from ...nn.losses import Huber
from ...optim import SGD, Adam, AdamW, Nadam, RMSprop
from ...training.model import Model

__all__ = ["from_keras"]

#: Keras activation name -> sknetscratch activation (a name or an instance).
KERAS_ACTIVATIONS = {
    "linear": "linear",
    "relu": "relu",
    "leaky_relu": LeakyReLU(negative_slope=0.2),  # keras.activations.leaky_relu
    "elu": ELU(alpha=1.0),
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softplus": "softplus",
    "silu": "silu",
    "swish": "silu",
    "exponential": "exp",
    "softmax": "softmax",
}

#: Keras loss name -> sknetscratch loss name (the same objective; Keras's mean
#: squared error is twice sknetscratch's half squared error).
KERAS_LOSSES = {
    "binary_crossentropy": "binary_crossentropy",
    "categorical_crossentropy": "categorical_crossentropy",
    "mse": "squared_error",
    "mean_squared_error": "squared_error",
    "mae": "absolute_error",
    "mean_absolute_error": "absolute_error",
    "huber": "huber",
    "poisson": "poisson",
}


def import_keras():
    """Import ``keras``, or raise an ImportError saying what to install."""
    if importlib.util.find_spec("keras") is None:
        raise ImportError(
            "from_keras needs the optional package 'keras' (Keras 3, with a backend "
            "such as jax), which is not installed: pip install keras jax"
        )
    try:
        return importlib.import_module("keras")
    except ImportError as exc:  # Keras is there, its backend is not
        backend = os.environ.get("KERAS_BACKEND", "tensorflow")
        raise ImportError(
            f"Keras is installed but could not import its backend {backend!r} "
            f"({exc}). Install it, or choose an installed one before Keras is "
            "imported, e.g. KERAS_BACKEND=jax with pip install jax."
        ) from exc


def _refuse(layer, why: str) -> ValueError:
    return ValueError(
        f"Cannot convert the Keras layer {layer.name!r} ({type(layer).__name__}): "
        f"{why}."
    )


def _activation(keras, fn, layer):
    """The sknetscratch activation of a Keras activation function."""
    name = keras.activations.serialize(fn)
    if isinstance(name, dict):  # a registered custom object
        name = name.get("config", name.get("class_name"))
    if name == "gelu":
        raise _refuse(
            layer,
            "Keras's 'gelu' is the exact (erf) form, sknetscratch's 'gelu' the tanh "
            "approximation; they differ by up to 5e-4",
        )
    if (
        not isinstance(name, str)
        or name not in KERAS_ACTIVATIONS
        or keras.activations.get(name) is not fn
    ):
        raise _refuse(
            layer,
            f"its activation {name!r} is not one sknetscratch has "
            f"({sorted(KERAS_ACTIVATIONS)})",
        )
    return get_activation(KERAS_ACTIVATIONS[name])


def _last_axis(axis, layer) -> None:
    axes = list(np.ravel(axis))
    if axes not in ([-1], [1]):
        raise _refuse(
            layer, f"it normalises over axis {axis!r}; only the features (-1)"
        )


def _convert(keras, layer):
    """``(sknetscratch layer or activation, weights)`` of one Keras layer."""
    L = keras.layers
    config = layer.get_config()
    weights = {w.name.rpartition("/")[2]: np.asarray(w) for w in layer.weights}
    if isinstance(layer, L.Dense):
        if config.get("lora_rank") or config.get("quantization_config"):
            raise _refuse(layer, "LoRA and quantized kernels are not supported")
        dense = DenseBlock(
            config["units"],
            _activation(keras, layer.activation, layer),
            use_bias=config["use_bias"],
        )
        return dense, {"W": weights["kernel"], "b": weights.get("bias")}
    if isinstance(layer, L.Activation):
        return _activation(keras, layer.activation, layer), {}
    if isinstance(layer, L.ReLU):
        if config["max_value"] is not None or config["threshold"] != 0:
            raise _refuse(layer, "max_value and threshold are not supported")
        slope = float(config["negative_slope"])
        return (LeakyReLU(slope) if slope else get_activation("relu")), {}
    if isinstance(layer, L.LeakyReLU):
        return LeakyReLU(float(config["negative_slope"])), {}
    if isinstance(layer, L.ELU):
        return ELU(float(config["alpha"])), {}
    if isinstance(layer, L.Softmax):
        _last_axis(config["axis"], layer)
        return get_activation("softmax"), {}
    if isinstance(layer, L.Dropout):
        if config.get("noise_shape") is not None:
            raise _refuse(layer, "noise_shape is not supported")
        return Dropout(config["rate"]), {}
    if isinstance(layer, L.BatchNormalization):
        _last_axis(config["axis"], layer)
        if config.get("renorm") or config.get("synchronized"):
            raise _refuse(layer, "renorm and synchronized are not supported")
        bn = BatchNormalization(
            momentum=config["momentum"],
            epsilon=config["epsilon"],
            center=config["center"],
            scale=config["scale"],
        )
        return bn, {
            "gamma": weights.get("gamma"),
            "beta": weights.get("beta"),
            "moving_mean": weights["moving_mean"],
            "moving_variance": weights["moving_variance"],
        }
    if isinstance(layer, L.LayerNormalization):
        _last_axis(config["axis"], layer)
        if config.get("rms_scaling"):
            raise _refuse(layer, "rms_scaling is not supported")
        ln = LayerNormalization(
            epsilon=config["epsilon"], center=config["center"], scale=config["scale"]
        )
        return ln, {"gamma": weights.get("gamma"), "beta": weights.get("beta")}
    raise _refuse(
        layer,
        "from_keras converts Dense, Activation, ReLU, LeakyReLU, ELU, Softmax, "
        "Dropout, BatchNormalization and LayerNormalization layers",
    )


def _chain(keras, model) -> list:
    """The layers of a Sequential model, or of a functional one that is a chain."""
    layers = [
        lay for lay in model.layers if not isinstance(lay, keras.layers.InputLayer)
    ]
    if isinstance(model, keras.Sequential):
        return layers
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            "from_keras converts a chain of layers with one input and one output; "
            f"the model has {len(model.inputs)} inputs and {len(model.outputs)} outputs."
        )
    previous = model.inputs[0]
    for layer in layers:
        try:
            feeds = layer.input
        except (AttributeError, ValueError) as exc:  # called more than once
            raise _refuse(layer, "it is not one link of a chain of layers") from exc
        if feeds is not previous:
            raise _refuse(layer, "it does not read the output of the layer before it")
        previous = layer.output
    if previous is not model.outputs[0]:
        raise ValueError("from_keras: the model's output is not its last layer's.")
    return layers


def _input_width(model) -> int:
    try:
        shape = tuple(model.inputs[0].shape)
    except (AttributeError, IndexError, ValueError, TypeError):
        shape = None
    if shape is None or len(shape) != 2 or shape[1] is None:
        raise ValueError(
            "from_keras needs a built Keras model whose input has shape "
            f"(None, n_features); got input shape {shape}. Give the model a "
            "keras.Input(shape=(n_features,)) or build it first."
        )
    return int(shape[1])


def _scalar(value) -> float:
    """A Keras setting as a Python float. Keras keeps them in float32 variables
    (0.05 reads 0.05000000074505806): a value that is a float32 is given as the
    shortest decimal of that float32 (0.05)."""
    value = float(np.asarray(value))
    single = np.float32(value)
    return float(str(single)) if float(single) == value else value


def _optimizer(config):
    """The sknetscratch optimizer of a Keras optimizer's config, or None."""
    name = config.get("name")
    plain = (
        not config.get("global_clipnorm")
        and not config.get("use_ema")
        and not config.get("amsgrad")
        and config.get("loss_scale_factor") is None
        and not config.get("gradient_accumulation_steps")
        and (name == "adamw" or not config.get("weight_decay"))
        and isinstance(config.get("learning_rate"), (int, float, np.floating))
    )
    if not plain:
        return None
    common = {
        "learning_rate": _scalar(config["learning_rate"]),
        "clipnorm": config.get("clipnorm"),
        "clipvalue": config.get("clipvalue"),
    }
    adam = {
        k: _scalar(config[k]) for k in ("beta_1", "beta_2", "epsilon") if k in config
    }
    if name == "adam":
        return Adam(**common, **adam)
    if name == "adamw":
        return AdamW(**common, **adam, weight_decay=_scalar(config["weight_decay"]))
    if name == "nadam":
        return Nadam(**common, **adam)
    if name == "sgd":
        return SGD(
            **common, momentum=_scalar(config["momentum"]), nesterov=config["nesterov"]
        )
    if name == "rmsprop":
        return RMSprop(
            **common,
            rho=_scalar(config["rho"]),
            momentum=_scalar(config["momentum"]),
            epsilon=_scalar(config["epsilon"]),
            centered=config["centered"],
        )
    return None


def _loss(keras, loss):
    """The sknetscratch loss (a name or a Loss) of a Keras loss, or None."""
    if isinstance(loss, str):
        return KERAS_LOSSES.get(loss)
    if isinstance(loss, keras.losses.Loss):
        config = loss.get_config()
        if config.get("from_logits") or config.get("label_smoothing"):
            return None
        kind = {
            keras.losses.BinaryCrossentropy: "binary_crossentropy",
            keras.losses.CategoricalCrossentropy: "categorical_crossentropy",
            keras.losses.MeanSquaredError: "squared_error",
            keras.losses.MeanAbsoluteError: "absolute_error",
            keras.losses.Poisson: "poisson",
        }.get(type(loss))
        if type(loss) is keras.losses.Huber:
            return Huber(delta=_scalar(config["delta"]))
        return kind
    return None


def _compile(keras, source, model) -> None:
    """Compile ``model`` as ``source`` was, when its loss and optimizer map."""
    if not getattr(source, "compiled", False) or source.optimizer is None:
        return
    loss = _loss(keras, getattr(source, "loss", None))
    with warnings.catch_warnings():
        # Keras 3.15 reads its learning-rate variable with np.array(variable),
        # which NumPy 2 answers with this DeprecationWarning (Keras's, not ours)
        warnings.filterwarnings(
            "ignore",
            "__array__ implementation doesn't accept a copy",
            DeprecationWarning,
        )
        config = source.optimizer.get_config()
    optimizer = _optimizer(config)
    if loss is None or optimizer is None:
        return
    try:
        model.compile(optimizer=optimizer, loss=loss)
    except ValueError:  # the loss's link is not the last layer's activation
        model.loss = model.optimizer = None


def _assign(layer, key, value, store):
    target = store[key]
    value = np.asarray(value)
    if value.shape != target.shape:
        raise _refuse(layer, f"its {key} has shape {value.shape}, not {target.shape}")
    target[...] = value


def from_keras(model) -> Model:
    """Convert a Keras 3 model of dense layers into a core ``Model``.

    The model must be a ``keras.Sequential``, or a functional model that is a
    chain (each layer reads the one before it), with a 2-D input
    ``(None, n_features)``, made of ``Dense``, ``Activation`` (and the
    ``ReLU``, ``LeakyReLU``, ``ELU`` and ``Softmax`` layers),
    ``BatchNormalization``, ``LayerNormalization`` and ``Dropout`` layers,
    ending with a ``Dense`` layer (and its activation). Weights, batch-norm
    moving statistics and the layers' settings are copied, in the Keras
    model's float type. Regularizers and constraints are not carried over.

    If the Keras model was compiled with a loss and an optimizer that
    sknetscratch has (binary or categorical cross-entropy, mean squared or
    absolute error, Huber, Poisson; SGD, Adam, AdamW, Nadam, RMSprop with a
    constant learning rate) and the loss fits the last activation, the result
    is compiled with them (a fresh optimizer state); otherwise call
    ``compile`` before ``fit``.

    Parameters
    ----------
    model : keras.Model
        A built Keras 3 model.

    Returns
    -------
    Model
        A built :class:`~sknetscratch.Model`, ready to ``compile``/``fit``
        further or to wrap with :func:`sknetscratch.estimators.adopt_model`.

    Raises
    ------
    ImportError
        Without Keras (``pip install keras jax``).
    TypeError
        If ``model`` is not a Keras model.
    ValueError
        For a layer or an activation without a sknetscratch counterpart (the
        message names the layer), a model that is not a chain, or an unbuilt
        model.

    Examples
    --------
    >>> import os
    >>> _ = os.environ.setdefault("KERAS_BACKEND", "jax")  # before keras is imported
    >>> import keras
    >>> import numpy as np
    >>> from sknetscratch import from_keras
    >>> net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, "relu"),
    ...                         keras.layers.Dense(1, "sigmoid")])
    >>> model = from_keras(net)
    >>> model.layers
    [DenseBlock(units=4, activation='relu', ...), DenseBlock(units=1, activation='sigmoid', ...)]
    >>> X = np.ones((2, 3), dtype=np.float32)
    >>> bool(np.allclose(model.predict(X), net.predict(X, verbose=0), atol=1e-6))
    True
    """
    keras = import_keras()
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"model must be a Keras model (keras.Model); got {type(model).__name__}."
        )
    n_features = _input_width(model)
    layers, weights = [], []
    for layer in _chain(keras, model):
        converted, values = _convert(keras, layer)
        if not isinstance(
            converted, (DenseBlock, Dropout, BatchNormalization, LayerNormalization)
        ):
            last = layers[-1] if layers else None  # an activation
            if (
                isinstance(last, DenseBlock)
                and last.activation.name == "linear"
                and weights[-1][2]
            ):
                last.activation = converted  # f(XW + b): the dense layer's own
                weights[-1] = (*weights[-1][:2], False)
                continue
            converted = Activation(converted)
        layers.append(converted)
        weights.append((layer, values, isinstance(converted, DenseBlock)))
    if not layers or not isinstance(layers[-1], DenseBlock):
        raise ValueError(
            "from_keras needs the model to end with a Dense layer (and its "
            f"activation); it ends with {type(model.layers[-1]).__name__ if model.layers else 'nothing'}."
        )
    dtype = np.dtype(weights[-1][1]["W"].dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(
            f"from_keras converts float32 and float64 models; this one is {dtype}."
        )
    net = Model(layers, input_dim=n_features, name=model.name)
    net.build(n_features, dtype=dtype)
    for (source, values, _), target in zip(weights, layers):
        for key, value in values.items():
            if value is None:
                continue
            store = target.state if key.startswith("moving") else target.params
            _assign(source, key, value, store)
        if target.state:
            target.validate_state(target.state)
    _compile(keras, model, net)
    return net
