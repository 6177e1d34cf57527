"""Loading, second half: objects rebuilt from the document and its arrays, only
from the allow-lists; anything unknown is refused with :class:`Refused`."""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from ...nn.activations import ACTIVATIONS, ActivationFunction
from ...nn.layers import Layer
from ...nn.losses import LOSSES, Loss
from ...nn.parameters import realign
from ...optim import OPTIMIZERS, Optimizer
from ...training.metrics import check_metrics
from ...training.model import Model
from ._format import (
    ESTIMATOR_NAMES,
    LAYERS,
    META_KEY,
    SCALAR_DTYPES,
    WITH_ACTIVATION,
    Refused,
    estimator_classes,
    expect,
    field,
    layout_start,
)

_MODEL_DTYPES = frozenset(["float16", "float32", "float64"])
_NONFINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


class Decoder:
    """Rebuilds objects from a document and its arrays, refusing anything unknown."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays
        self.used: set[str] = set()

    # -- values -----------------------------------------------------------------
    def value(self, doc: Any, where: str, *, nested: bool = True) -> Any:
        kind = field(doc, "type", str, where)
        if kind == "none":
            return None
        if kind == "bool":
            return field(doc, "value", bool, where)
        if kind == "int":
            return field(doc, "value", int, where)
        if kind == "float":
            return _json_to_float(doc.get("value"), where)
        if kind == "str":
            return field(doc, "value", str, where)
        if kind == "numpy":
            dtype = field(doc, "dtype", str, where)
            if dtype not in SCALAR_DTYPES:
                raise Refused(f"{where}: unsupported NumPy scalar dtype {dtype!r}")
            scalar_type = np.dtype(dtype).type
            if dtype == "bool":
                return scalar_type(field(doc, "value", bool, where))
            if np.dtype(dtype).kind == "f":
                return scalar_type(_json_to_float(doc.get("value"), where))
            try:
                return scalar_type(field(doc, "value", int, where))
            except OverflowError:
                raise Refused(f"{where}: value out of range for {dtype}") from None
        if nested:
            if kind in ("list", "tuple"):
                items = field(doc, "items", list, where)
                values = [
                    self.value(v, f"{where}[{i}]", nested=False)
                    for i, v in enumerate(items)
                ]
                return values if kind == "list" else tuple(values)
            if kind == "dict":
                pairs = field(doc, "items", list, where)
                out = {}
                for i, pair in enumerate(pairs):
                    if not isinstance(pair, list) or len(pair) != 2:
                        raise Refused(f"{where}: item {i} is not a [key, value] pair")
                    key = self.value(pair[0], f"{where} key {i}", nested=False)
                    if key in out:
                        raise Refused(f"{where}: key {key!r} appears twice")
                    out[key] = self.value(pair[1], f"{where}[{key!r}]")
                return out
            if kind == "array":
                return self.array(doc, where)
            if kind == "model":
                return self.model(field(doc, "model", dict, where), where)
            if kind == "random_state":
                return self.random_state(doc, where)
        raise Refused(f"{where}: unknown or misplaced value type {kind!r}")

    def array(self, doc: Any, where: str) -> np.ndarray:
        if field(doc, "type", str, where) != "array":
            raise Refused(f"{where}: expected an array reference")
        key = field(doc, "key", str, where)
        if key not in self.arrays or key == META_KEY:
            raise Refused(f"{where}: the archive has no array {key!r}")
        if key in self.used:
            raise Refused(f"{where}: array {key!r} is referenced twice")
        self.used.add(key)
        arr = self.arrays[key]
        if doc.get("object", False) is True:
            if arr.dtype.kind != "U":
                raise Refused(f"{where}: a string array was expected for {key!r}")
            return arr.astype(object)
        return arr

    def random_state(self, doc: dict, where: str) -> np.random.RandomState:
        key = self.array(field(doc, "key", dict, where), f"{where}.key")
        if key.dtype != np.uint32 or key.shape != (624,):
            raise Refused(f"{where}: the RandomState key must be 624 uint32 values")
        pos = field(doc, "pos", int, where)
        has_gauss = field(doc, "has_gauss", int, where)
        if not (0 <= pos <= 624 and has_gauss in (0, 1)):
            raise Refused(f"{where}: invalid RandomState position or Gaussian flag")
        gauss = _json_to_float(doc.get("cached_gaussian"), f"{where}.cached_gaussian")
        rs = np.random.RandomState()
        rs.set_state(("MT19937", key, pos, has_gauss, gauss))
        return rs

    def scalar_number(self, doc: Any, where: str) -> Any:
        val = self.value(doc, where, nested=False)
        if val is None or isinstance(val, (bool, str, np.bool_)):
            raise Refused(f"{where}: expected a number; got {val!r}")
        return val

    # -- core objects -------------------------------------------------------------
    def model(self, doc: dict, where: str) -> Model:
        name = self.value(
            field(doc, "name", dict, where), f"{where}.name", nested=False
        )
        if not isinstance(name, str):
            raise Refused(f"{where}: the model name must be a string")
        input_dim = self.value(
            field(doc, "input_dim", dict, where), f"{where}.input_dim", nested=False
        )
        dtype = self.value(
            field(doc, "dtype", dict, where), f"{where}.dtype", nested=False
        )
        if not (dtype is None or dtype in _MODEL_DTYPES):
            raise Refused(f"{where}: unsupported model dtype {dtype!r}")
        alpha = self.scalar_number(field(doc, "alpha", dict, where), f"{where}.alpha")
        l1 = (  # absent from files written before the L1 penalty existed
            self.scalar_number(field(doc, "l1", dict, where), f"{where}.l1")
            if "l1" in doc
            else 0.0
        )
        stop = self.value(
            field(doc, "stop_training", dict, where),
            f"{where}.stop_training",
            nested=False,
        )
        if type(stop) is not bool:
            raise Refused(f"{where}: stop_training must be a bool")
        built = field(doc, "built", bool, where)
        layer_docs = field(doc, "layers", list, where)
        layers = [
            self.layer(expect(d, dict, f"{where}.layers[{i}]"), f"{where}.layers[{i}]")
            for i, d in enumerate(layer_docs)
        ]

        model = Model(name=name)
        for layer, _ in layers:
            model.add(layer)
        loss = doc.get("loss")
        if loss is not None:
            loss = self.loss(loss, doc.get("loss_config", {}), where)
            model.compile(loss=loss, optimizer=None, alpha=float(alpha))
        elif "loss_config" in doc:
            raise Refused(f"{where}: loss_config without a loss")
        model.alpha, model.l1 = alpha, l1
        metrics = doc.get("metrics", [])  # absent from files before metrics existed
        if not isinstance(metrics, list) or not all(
            isinstance(m, str) for m in metrics
        ):
            raise Refused(f"{where}: metrics must be a list of names")
        try:
            names = check_metrics(metrics)
        except ValueError as exc:
            raise Refused(f"{where}: {exc}") from None
        if names:
            model.metrics = names
        model.stop_training = stop
        opt_doc = doc.get("optimizer")
        if opt_doc is not None:
            model.optimizer = self.optimizer(
                expect(opt_doc, dict, f"{where}.optimizer"), f"{where}.optimizer"
            )

        # Check every layer's parameters against the shapes that its config and
        # the input_dim chain imply *before* anything is allocated: sizes in the
        # JSON (units, input_dim) are only compared with the arrays' shapes, so
        # they can never make load allocate more than the file holds.
        if built:
            if not (type(input_dim) is int and input_dim > 0) or dtype is None:
                raise Refused(f"{where}: a built model needs input_dim and dtype")
            if not layers:
                raise Refused(f"{where}: a built model needs layers")
            dims = model.layer_dims(input_dim)  # int arithmetic only
        else:
            if not (input_dim is None or (type(input_dim) is int and input_dim > 0)):
                raise Refused(f"{where}: bad input_dim {input_dim!r}")
            model.input_dim, model.dtype = input_dim, dtype
        for i, (layer, (layer_dim, params, state)) in enumerate(layers):
            lw = f"{where}.layers[{i}]"
            if built and layer_dim != dims[i]:
                raise Refused(
                    f"{lw}: input_dim {layer_dim!r} does not fit the model ({dims[i]})"
                )
            if built:
                param_dtype = np.dtype(dtype)
            else:  # unbuilt, or a layer built on its own: its arrays set the dtype
                first = next(iter(params.values()), None)
                param_dtype = np.dtype(np.float64 if first is None else first.dtype)
            shapes = {} if layer_dim is None else layer.param_shapes(layer_dim)
            _check_arrays(params, shapes, param_dtype, f"{lw}: parameter")
            state_shapes = {} if layer_dim is None else layer.state_shapes(layer_dim)
            if state is None:  # format version 1: layers had no state
                state = {k: np.zeros(s, param_dtype) for k, s in state_shapes.items()}
            _check_arrays(
                state, state_shapes, param_dtype, f"{lw}: non-trainable array"
            )
            try:  # the values too (a batch norm's variances: finite, >= 0)
                layer.validate_state(state)
            except ValueError as exc:
                raise Refused(f"{lw}: invalid non-trainable state: {exc}") from None
            # the checked arrays themselves, in the layer's storage order; no
            # random initialisation is done and then overwritten
            layer.params = {k: params[k] for k in shapes}
            layer.state = {k: state[k] for k in state_shapes}
            layer.input_dim = layer_dim
            if not built:
                layer.grads = {k: np.zeros_like(v) for k, v in layer.params.items()}
        if built:  # the flat vectors, holding copies of the checked arrays
            model.input_dim, model.dtype = input_dim, np.dtype(dtype).name
            model.relink()
        if built and model.optimizer is not None:
            self.align_optimizer_state(model, doc.get("param_layout"), where)
        return model

    def align_optimizer_state(self, model: Model, layout: Any, where: str) -> None:
        """Reorder flat optimizer state saved in another parameter layout."""
        current = [
            key for key, _ in sorted(model.param_slices.items(), key=layout_start)
        ]
        if layout is None:  # files written before layouts were recorded: layer order
            layout = [[i, k] for i, lay in enumerate(model.layers) for k in lay.params]
        saved = [tuple(expect(x, list, f"{where}.param_layout")) for x in layout]
        if sorted(saved, key=str) != sorted(current, key=str):
            raise Refused(f"{where}: param_layout does not match the layers")
        offsets, start = {}, 0  # where each array's state is in the saved vectors
        for key in saved:
            where = model.param_slices[key]
            size = where.stop - where.start
            offsets[key] = slice(start, start + size)
            start += size
        realign(model.optimizer, offsets, model.param_slices, model.params.size)

    def loss(self, name: Any, config: Any, where: str) -> Loss:
        """A registered loss built from its saved constructor arguments (numbers).

        ``loss_config`` is absent from files of losses without parameters (all
        files before the losses with parameters): the loss is then ``LOSSES[name]()``.
        """
        if not isinstance(name, str) or name not in LOSSES:
            raise Refused(f"{where}: unknown loss {name!r}")
        cls = LOSSES[name]
        allowed = set(inspect.signature(cls).parameters)
        kwargs = {}
        for key, val in expect(config, dict, f"{where}.loss_config").items():
            if key not in allowed:
                raise Refused(f"{where}: unknown {name!r} loss argument {key!r}")
            kwargs[key] = self.scalar_number(val, f"{where}.loss_config.{key}")
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:
            raise Refused(
                f"{where}: invalid {name!r} loss configuration: {exc}"
            ) from None

    def layer(self, doc: dict, where: str) -> tuple[Layer, tuple[Any, dict, Any]]:
        name = doc.get("class")
        if not isinstance(name, str) or name not in LAYERS:
            raise Refused(f"unknown layer type {name!r} in {where}")
        cls = LAYERS[name]
        config = dict(field(doc, "config", dict, where))
        allowed = set(inspect.signature(cls).parameters)
        for key, val in config.items():
            if key not in allowed:
                raise Refused(f"{where}: unknown {name} argument {key!r}")
            if not (val is None or type(val) in (bool, int, float, str)):
                raise Refused(f"{where}: {name} argument {key!r} is not a plain value")
        if cls in WITH_ACTIVATION:
            config["activation"] = self.activation(
                field(doc, "activation", dict, where), f"{where}.activation"
            )
        try:
            layer = cls(**config)
        except (TypeError, ValueError) as exc:
            raise Refused(f"{where}: invalid {name} configuration: {exc}") from None
        layer_dim = self.value(
            field(doc, "input_dim", dict, where), f"{where}.input_dim", nested=False
        )
        if not (layer_dim is None or (type(layer_dim) is int and layer_dim > 0)):
            raise Refused(f"{where}: bad input_dim {layer_dim!r}")
        params = {
            str(k): self.array(v, f"{where}.params[{k!r}]")
            for k, v in field(doc, "params", dict, where).items()
        }
        state = None  # absent from format version 1
        if "state" in doc:
            state = {
                str(k): self.array(v, f"{where}.state[{k!r}]")
                for k, v in field(doc, "state", dict, where).items()
            }
        for k, arr in [*params.items(), *(state or {}).items()]:
            if arr.dtype.kind != "f":
                raise Refused(f"{where}: array {k!r} is not a float array")
        return layer, (layer_dim, params, state)

    def activation(self, doc: dict, where: str) -> ActivationFunction:
        name = doc.get("name")
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise Refused(f"unknown activation {name!r} in {where}")
        act = ACTIVATIONS[name]()
        for key, val in field(doc, "params", dict, where).items():
            if key not in vars(act):
                raise Refused(f"{where}: unknown {name!r} parameter {key!r}")
            setattr(act, key, self.scalar_number(val, f"{where}.{key}"))
        return act

    def optimizer(self, doc: dict, where: str) -> Optimizer:
        name = doc.get("name")
        if not isinstance(name, str) or name not in OPTIMIZERS:
            raise Refused(f"unknown optimizer {name!r} in {where}")
        opt = OPTIMIZERS[name]()
        allowed = set(vars(opt))
        for key, val in field(doc, "config", dict, where).items():
            if key not in allowed:
                raise Refused(f"{where}: unknown {name!r} setting {key!r}")
            value = self.value(val, f"{where}.{key}", nested=False)
            if value is not None and isinstance(value, str):
                raise Refused(f"{where}: {name!r} setting {key!r} must be a number")
            setattr(opt, key, value)
        for key, val in field(doc, "state", dict, where).items():
            if key not in allowed:
                raise Refused(f"{where}: unknown {name!r} state {key!r}")
            if field(val, "type", str, f"{where}.{key}") == "none":
                setattr(opt, key, None)
                continue
            arr = self.array(val, f"{where}.{key}")
            if arr.dtype.kind != "f":
                raise Refused(f"{where}: {name!r} state {key!r} is not a float array")
            setattr(opt, key, arr)
        return opt

    # -- estimators -----------------------------------------------------------------
    def estimator(self, doc: dict) -> Any:
        name = doc.get("class")
        if not isinstance(name, str) or name not in ESTIMATOR_NAMES:
            raise Refused(
                f"unknown estimator class {name!r} (allowed: {sorted(ESTIMATOR_NAMES)})"
            )
        cls = estimator_classes()[name]
        names = set(cls._get_param_names())
        params = {}
        for key, val in field(doc, "params", dict, "params").items():
            if key not in names:
                raise Refused(f"unknown {name} parameter {key!r}")
            params[key] = self.value(val, f"{name} parameter {key!r}")
        est = cls(**params)
        for key, val in field(doc, "attributes", dict, "attributes").items():
            if not key.isidentifier() or key in names or hasattr(cls, key):
                raise Refused(f"{name} attribute {key!r} cannot be set")
            setattr(est, key, self.value(val, f"{name} attribute {key!r}"))
        if hasattr(est, "model_"):
            est.relink_fitted()  # coefs_ / intercepts_ and the loss are re-derived
        return est


def _check_arrays(arrays: dict, shapes: dict, dtype, what: str) -> None:
    """The arrays a layer declares, no others, each of its shape and dtype."""
    if set(arrays) != set(shapes):
        raise Refused(
            f"{what}s {sorted(arrays)} do not match the layer's {sorted(shapes)}"
        )
    for k, arr in arrays.items():
        if arr.shape != shapes[k] or arr.dtype != dtype:
            raise Refused(
                f"{what} {k!r} has shape {arr.shape} and dtype {arr.dtype}; "
                f"expected {shapes[k]} and {dtype}"
            )


def _json_to_float(value: Any, where: str) -> float:
    if isinstance(value, str) and value in _NONFINITE:
        return _NONFINITE[value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Refused(f"{where}: expected a number; got {value!r}")
    return float(value)
