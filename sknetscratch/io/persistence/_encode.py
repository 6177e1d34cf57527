"""Saving, first half: objects to a JSON document plus a dict of named arrays."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...nn.activations import ACTIVATIONS, ActivationFunction
from ...nn.layers import Layer
from ...nn.losses import LOSSES, Loss
from ...optim import OPTIMIZERS, Optimizer
from ...training.model import Model
from ..host import host_copy
from ._document import document
from ._format import (
    ARRAY_KINDS,
    LAYERS,
    SCALAR_DTYPES,
    WITH_ACTIVATION,
    is_estimator,
    layout_start,
)

_MODEL_KEYS = frozenset(
    [
        "name",
        "input_dim",
        "layers",
        "loss",
        "optimizer",
        "alpha",
        "l1",
        "metrics",
        "dtype",
        "stop_training",
        "_params",
        "_grads",
        "_slices",  # layout, re-derived by build(); saved as param_layout
    ]
)
_LAYER_STATE_KEYS = frozenset(["name", "input_dim", "params", "grads", "state"])


class Encoder:
    """Turns objects into a JSON-able document plus a dict of named arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    # -- values -----------------------------------------------------------------
    def value(self, value: Any, where: str, *, nested: bool = True) -> dict:
        """Tagged encoding of one value; ``nested`` allows lists, arrays and models."""
        if value is None:
            return {"type": "none"}
        if isinstance(value, np.generic):
            return self.numpy_scalar(value, where)
        if type(value) is bool:
            return {"type": "bool", "value": value}
        if type(value) is int:
            return {"type": "int", "value": value}
        if type(value) is float:
            return {"type": "float", "value": _float_to_json(value)}
        if type(value) is str:
            return {"type": "str", "value": value}
        if nested:
            if type(value) in (list, tuple):
                kind = "list" if type(value) is list else "tuple"
                items = [
                    self.value(v, f"{where}[{i}]", nested=False)
                    for i, v in enumerate(value)
                ]
                return {"type": kind, "items": items}
            if type(value) is dict:  # e.g. class_weight={label: weight}
                items = [
                    [
                        self.value(k, f"{where} key {k!r}", nested=False),
                        self.value(v, f"{where}[{k!r}]"),  # e.g. history_ lists
                    ]
                    for k, v in value.items()
                ]
                return {"type": "dict", "items": items}
            if isinstance(value, np.ndarray):
                return self.array(value, where)
            if isinstance(value, Model):
                return {"type": "model", "model": self.model(value, where)}
            if type(value) is np.random.RandomState:
                return self.random_state(value, where)
        raise TypeError(
            f"Cannot save {where}: values of type {type(value).__name__} are not "
            "supported (supported: None, bool, int, float, str, NumPy scalars"
            + (
                ", lists and tuples of those, dicts of those, NumPy arrays, "
                "numpy.random.RandomState and Model)."
                if nested
                else ")."
            )
        )

    def numpy_scalar(self, value: np.generic, where: str) -> dict:
        dtype = value.dtype
        if dtype.name not in SCALAR_DTYPES or not dtype.isnative:
            raise TypeError(
                f"Cannot save {where}: NumPy scalars of dtype {dtype} are not supported."
            )
        item = value.item()
        if dtype.kind == "f":
            item = _float_to_json(item)
        return {"type": "numpy", "dtype": dtype.name, "value": item}

    def random_state(self, rs: np.random.RandomState, where: str) -> dict:
        """A RandomState by its ``get_state()``: the MT19937 key, position and
        cached Gaussian, so that the loaded one continues the same draws."""
        name, key, pos, has_gauss, gauss = rs.get_state(legacy=True)
        if name != "MT19937":  # pragma: no cover - legacy states are MT19937
            raise TypeError(f"Cannot save {where}: bit generator {name!r}.")
        return {
            "type": "random_state",
            "key": self.array(np.asarray(key, dtype=np.uint32), f"{where}.key"),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": _float_to_json(float(gauss)),
        }

    def array(self, arr: np.ndarray, where: str) -> dict:
        if isinstance(arr, (np.matrix, np.ma.MaskedArray)):
            raise TypeError(
                f"Cannot save {where}: {type(arr).__name__} is not supported; "
                "use a plain numpy.ndarray."
            )
        arr = np.asarray(arr)
        doc: dict[str, Any] = {"type": "array"}
        if arr.dtype.kind == "O":
            # scikit-learn keeps string labels and feature names in object arrays;
            # they are stored as unicode arrays and restored with dtype=object.
            if not all(isinstance(x, str) for x in arr.flat):
                raise TypeError(
                    f"Cannot save {where}: it is an object array holding values other "
                    "than str; only object arrays of strings can be saved (never "
                    "pickled)."
                )
            converted = arr.astype(str)
            if converted.shape != arr.shape or any(
                a != b for a, b in zip(converted.flat, arr.flat)
            ):
                raise ValueError(
                    f"Cannot save {where}: its strings do not survive conversion to a "
                    "NumPy unicode array (trailing NUL characters?)."
                )
            arr, doc["object"] = converted, True
        elif arr.dtype.kind not in ARRAY_KINDS or arr.dtype.fields is not None:
            raise TypeError(
                f"Cannot save {where}: arrays of dtype {arr.dtype} are not supported "
                "(supported: bool, integer, floating, complex and unicode arrays)."
            )
        key = f"a{len(self.arrays)}"
        self.arrays[key] = arr
        doc["key"] = key
        return doc

    # -- core objects -------------------------------------------------------------
    def model(self, model: Model, where: str) -> dict:
        if type(model) is not Model:
            raise TypeError(
                f"Cannot save {where}: only sknetscratch.Model itself can be saved, "
                f"not a subclass ({type(model).__name__})."
            )
        _check_no_extra(model, _MODEL_KEYS, where)
        loss = model.loss
        loss_config = None if loss is None else self.loss(loss, f"{where}.loss")
        doc = {
            "name": self.value(model.name, f"{where}.name", nested=False),
            "input_dim": self.value(
                model.input_dim, f"{where}.input_dim", nested=False
            ),
            "dtype": self.value(model.dtype, f"{where}.dtype", nested=False),
            "alpha": self.value(model.alpha, f"{where}.alpha", nested=False),
            "l1": self.value(model.l1, f"{where}.l1", nested=False),
            "stop_training": self.value(
                model.stop_training, f"{where}.stop_training", nested=False
            ),
            "built": model.built,
            "layers": [
                self.layer(layer, f"{where}.layers[{i}]")
                for i, layer in enumerate(model.layers)
            ],
            "loss": None if loss is None else loss.name,
            "metrics": list(model.metrics),  # registered names (checked on load)
            # order of the parameter arrays in the flat vector that the optimizer
            # state follows, so that a later layout change cannot misalign it
            "param_layout": (
                [
                    [i, k]
                    for (i, k), _ in sorted(
                        model.param_slices.items(), key=layout_start
                    )
                ]
                if model.built
                else None
            ),
            "optimizer": (
                None
                if model.optimizer is None
                else self.optimizer(model.optimizer, f"{where}.optimizer")
            ),
        }
        if loss_config:  # absent for losses without parameters, as before
            doc["loss_config"] = loss_config
        return doc

    def loss(self, loss: Loss, where: str) -> dict:
        """The tagged constructor arguments of a registered loss (numbers only).

        The loss must be exactly what ``type(loss)(**loss.get_config())``
        rebuilds: no attributes beyond its config, and only finite numbers in it.
        """
        name = getattr(loss, "name", None)
        registered = LOSSES.get(name)
        # the estimators' scikit-learn-valued variants of a registered loss (same
        # gradient) are stored as that loss; an estimator re-creates its own on load
        ours = registered is not None and (
            isinstance(loss, registered)
            and type(loss).__module__.startswith("sknetscratch.")
        )
        if registered is not type(loss) and not ours:
            raise TypeError(
                f"Cannot save {where}: loss {loss!r} is not a registered loss "
                f"({sorted(LOSSES)})."
            )
        config = loss.get_config()
        for key, val in config.items():
            if type(val) not in (int, float) or not math.isfinite(val):
                raise TypeError(
                    f"Cannot save {where}: config entry {key!r}={val!r} of loss "
                    f"{name!r} is not a finite int or float."
                )
        _check_no_extra(loss, set(config), where)
        if type(loss)(**config) != loss:
            raise TypeError(
                f"Cannot save {where}: loss {loss!r} is not rebuilt by its "
                f"get_config() {config!r}."
            )
        return {
            k: self.value(v, f"{where}.{k}", nested=False) for k, v in config.items()
        }

    def layer(self, layer: Layer, where: str) -> dict:
        name = type(layer).__name__
        if LAYERS.get(name) is not type(layer):
            raise TypeError(
                f"Cannot save {where}: layer type {name!r} is not supported "
                f"(supported: {sorted(LAYERS)})."
            )
        config = layer.get_config()
        if isinstance(layer, WITH_ACTIVATION):  # saved below, with its parameters
            config["activation"] = layer.activation.name
        for key, val in config.items():
            if not (
                val is None
                or type(val) in (bool, int, str)
                or (type(val) is float and math.isfinite(val))
            ):
                raise TypeError(
                    f"Cannot save {where}: config entry {key!r}={val!r} is not a "
                    "plain JSON value."
                )
        _check_no_extra(layer, _LAYER_STATE_KEYS | set(config), where)
        doc: dict[str, Any] = {
            "class": name,
            "config": config,
            "input_dim": self.value(
                layer.input_dim, f"{where}.input_dim", nested=False
            ),
            "params": {
                k: self.array(v, f"{where}.params[{k!r}]")
                for k, v in layer.params.items()
            },
            "state": {
                k: self.array(v, f"{where}.state[{k!r}]")
                for k, v in layer.state.items()
            },
        }
        if isinstance(layer, WITH_ACTIVATION):
            doc["activation"] = self.activation(layer.activation, f"{where}.activation")
        return doc

    def activation(self, act: ActivationFunction, where: str) -> dict:
        name = getattr(act, "name", None)
        if ACTIVATIONS.get(name) is not type(act):
            raise TypeError(
                f"Cannot save {where}: activation {act!r} is not a registered "
                f"activation ({sorted(ACTIVATIONS)})."
            )
        params = {
            k: self.value(v, f"{where}.{k}", nested=False) for k, v in vars(act).items()
        }
        return {"name": name, "params": params}

    def optimizer(self, opt: Optimizer, where: str) -> dict:
        name = getattr(opt, "name", None)
        if OPTIMIZERS.get(name) is not type(opt):
            raise TypeError(
                f"Cannot save {where}: optimizer {opt!r} is not a registered optimizer "
                f"({sorted(OPTIMIZERS)})."
            )
        config, state = {}, {}
        for k, v in vars(opt).items():
            if v is None or isinstance(v, np.ndarray):
                state[k] = (
                    {"type": "none"} if v is None else self.array(v, f"{where}.{k}")
                )
            else:
                config[k] = self.value(v, f"{where}.{k}", nested=False)
        return {"name": name, "config": config, "state": state}

    # -- estimators -----------------------------------------------------------------
    def estimator(self, est: Any) -> dict:
        name = type(est).__name__
        est.sync_weights()  # arrays assigned to coefs_ / intercepts_ go into model_
        params = est.get_params(deep=False)
        rs = params.get("random_state")
        if not (
            rs is None
            or (isinstance(rs, (int, np.integer)) and not isinstance(rs, bool))
        ):
            raise ValueError(
                f"Cannot save {name}: random_state must be an int or None to be saved; "
                f"got {rs!r}. Set est.random_state to an int (or None) first."
            )
        for key in vars(est):
            if key not in params and (
                not key.isidentifier() or hasattr(type(est), key)
            ):
                raise TypeError(
                    f"Cannot save {name}: instance attribute {key!r} shadows a class "
                    "attribute; it could not be restored."
                )
        return {
            "type": "estimator",
            "class": name,
            "params": {
                k: self.value(v, f"{name} parameter {k!r}") for k, v in params.items()
            },
            "attributes": {
                k: self.value(v, f"{name} attribute {k!r}")
                for k, v in vars(est).items()
                if k not in params and k not in est.derived_attributes
            },
        }


def _float_to_json(x: float) -> float | str:
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def _check_no_extra(obj: Any, allowed: frozenset | set, where: str) -> None:
    extra = sorted(set(vars(obj)) - set(allowed))
    if extra:
        raise TypeError(
            f"Cannot save {where}: it has attributes {extra} that the file format does "
            "not know; they would be lost."
        )


def encode_document(obj: Any) -> tuple[dict, dict[str, np.ndarray]]:
    """``(document, arrays)`` of an estimator or a core Model; ``save`` calls this
    (a network on a device is saved from a copy on the host)."""
    obj = host_copy(obj)
    enc = Encoder()
    if type(obj) is Model:
        content = {"type": "model", "model": enc.model(obj, "the model")}
    elif is_estimator(obj):
        content = enc.estimator(obj)
    else:
        raise TypeError(
            f"save() supports ScratchMLPClassifier, ScratchMLPRegressor and Model; got "
            f"{type(obj).__name__}."
        )
    return document(content), enc.arrays
