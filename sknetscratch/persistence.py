"""Safe persistence: :func:`save` and :func:`load` without pickle.

A saved file is one ``.npz`` archive written with :func:`numpy.savez`: every
array (weights, optimizer moments, ``classes_``, ...) is an ordinary ``.npy``
member, and one extra ``uint8`` member holds a UTF-8 JSON document that
describes everything else (classes, hyperparameters, scalars, which array goes
where). Loading reads each member with ``numpy.lib.format.read_array(...,
allow_pickle=False)``, after the zip directory, every member's ``.npy`` header
and the JSON document have been checked, and rebuilds objects only from fixed
allow-lists:

* estimators: :class:`~sknetscratch.ScratchMLPClassifier` and
  :class:`~sknetscratch.ScratchMLPRegressor`;
* layers: :class:`~sknetscratch.DenseBlock` and :class:`~sknetscratch.Dropout`;
* activations, losses and optimizers by their registry names
  (:data:`~sknetscratch.activations.ACTIVATIONS`,
  :data:`~sknetscratch.losses.LOSSES`,
  :data:`~sknetscratch.optimizers.OPTIMIZERS`), with plain numbers and arrays
  as their settings and state.

Nothing in a file can name a Python callable, so loading an untrusted file
cannot execute code; a file that asks for anything else is refused with a
:class:`ValueError`. Nor can a small file make loading use much memory: members
must be uncompressed, every size is checked against the file's before anything
is read or allocated, and layer sizes in the JSON are only compared with the
stored arrays' shapes. (Pickle-based tools such as :mod:`joblib` keep working on
the estimators, for trusted files only.)

Values in the JSON document are tagged with their type (``{"type": "float",
"value": 0.5}``, ``{"type": "numpy", "dtype": "float32", ...}``, ``{"type":
"tuple", ...}``, ``{"type": "array", "key": "a3"}``) so that a loaded object has
the same attribute types as the saved one, and continues training exactly as
the original would. Non-finite floats are written as ``"inf"``, ``"-inf"`` and
``"nan"``.

Files are written atomically: to a temporary file in the target's directory,
flushed and fsynced, then moved onto the target with :func:`os.replace`; on any
error the temporary file is removed and an existing target is left untouched.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import math
import os
import secrets
import stat
import warnings
import zipfile
from typing import Any

import numpy as np

from .activations import ACTIVATIONS, ActivationFunction
from .classifier import ScratchMLPClassifier
from .layers import DenseBlock, Dropout, Layer
from .losses import LOSSES
from .model import Model
from .optimizers import OPTIMIZERS, Optimizer
from .regressor import ScratchMLPRegressor

__all__ = ["FORMAT_MARKER", "FORMAT_VERSION", "load", "save"]

#: Value of the ``"format"`` field of every file written by :func:`save`.
FORMAT_MARKER = "sknetscratch-model"
#: Version of the file layout written by :func:`save` (and the newest readable).
FORMAT_VERSION = 1

_META_KEY = "__sknetscratch_meta__"
_ESTIMATORS: dict[str, type] = {
    "ScratchMLPClassifier": ScratchMLPClassifier,
    "ScratchMLPRegressor": ScratchMLPRegressor,
}
_LAYERS: dict[str, type[Layer]] = {"DenseBlock": DenseBlock, "Dropout": Dropout}
#: dtype kinds of the arrays that may be saved and loaded (no objects, no voids).
_ARRAY_KINDS = frozenset("biufcU")
#: dtypes of the NumPy scalars that round-trip exactly through JSON numbers.
_SCALAR_DTYPES = frozenset(
    [
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
    ]
)
_MODEL_DTYPES = frozenset(["float16", "float32", "float64"])
_MODEL_KEYS = frozenset(
    [
        "name",
        "input_dim",
        "layers",
        "loss",
        "optimizer",
        "alpha",
        "dtype",
        "stop_training",
        "_params",
        "_grads",
        "_n_regularized",  # layout details, re-derived by build()
        "_slices",
        "_scratch",  # scratch space
    ]
)
_LAYER_STATE_KEYS = frozenset(
    ["name", "input_dim", "params", "grads", "_cache", "_buffers"]
)
#: Optimizer attributes that are scratch space, never saved.
_OPTIMIZER_SCRATCH = frozenset(["_tmp"])
_NONFINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
#: Largest JSON document (in bytes of its array) that :func:`load` reads and
#: :func:`save` writes: parsing JSON can take some 20 times its size in memory.
_MAX_METADATA_BYTES = 16 * 2**20


def _start(item: tuple) -> int:
    """Sort key: the start of a ``(key, slice)`` item of ``Model._slices``."""
    return item[1].start


class _Refused(ValueError):
    """A loading check failed; :func:`load` adds the file name to the message."""


# ----------------------------------------------------------------------------- save
class _Encoder:
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
            if isinstance(value, np.ndarray):
                return self.array(value, where)
            if isinstance(value, Model):
                return {"type": "model", "model": self.model(value, where)}
        raise TypeError(
            f"Cannot save {where}: values of type {type(value).__name__} are not "
            "supported (supported: None, bool, int, float, str, NumPy scalars"
            + (
                ", lists and tuples of those, NumPy arrays and Model)."
                if nested
                else ")."
            )
        )

    def numpy_scalar(self, value: np.generic, where: str) -> dict:
        dtype = value.dtype
        if dtype.name not in _SCALAR_DTYPES or not dtype.isnative:
            raise TypeError(
                f"Cannot save {where}: NumPy scalars of dtype {dtype} are not supported."
            )
        item = value.item()
        if dtype.kind == "f":
            item = _float_to_json(item)
        return {"type": "numpy", "dtype": dtype.name, "value": item}

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
        elif arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.fields is not None:
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
        if loss is not None and (
            LOSSES.get(getattr(loss, "name", None)) is not type(loss) or vars(loss)
        ):
            raise TypeError(
                f"Cannot save {where}: loss {loss!r} is not a registered loss "
                f"({sorted(LOSSES)})."
            )
        return {
            "name": self.value(model.name, f"{where}.name", nested=False),
            "input_dim": self.value(
                model.input_dim, f"{where}.input_dim", nested=False
            ),
            "dtype": self.value(model.dtype, f"{where}.dtype", nested=False),
            "alpha": self.value(model.alpha, f"{where}.alpha", nested=False),
            "stop_training": self.value(
                model.stop_training, f"{where}.stop_training", nested=False
            ),
            "built": model.built,
            "layers": [
                self.layer(layer, f"{where}.layers[{i}]")
                for i, layer in enumerate(model.layers)
            ],
            "loss": None if loss is None else loss.name,
            # order of the parameter arrays in the flat vector that the optimizer
            # state follows, so that a later layout change cannot misalign it
            "param_layout": (
                [[i, k] for (i, k), _ in sorted(model._slices.items(), key=_start)]
                if model.built
                else None
            ),
            "optimizer": (
                None
                if model.optimizer is None
                else self.optimizer(model.optimizer, f"{where}.optimizer")
            ),
        }

    def layer(self, layer: Layer, where: str) -> dict:
        name = type(layer).__name__
        if _LAYERS.get(name) is not type(layer):
            raise TypeError(
                f"Cannot save {where}: layer type {name!r} is not supported "
                f"(supported: {sorted(_LAYERS)})."
            )
        config = layer.get_config()
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
        }
        if isinstance(layer, DenseBlock):
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
            if k in _OPTIMIZER_SCRATCH:
                continue
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
                if k not in params
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


def _encode_document(obj: Any) -> tuple[dict, dict[str, np.ndarray]]:
    from . import __version__

    enc = _Encoder()
    if type(obj) in _ESTIMATORS.values():
        content = enc.estimator(obj)
    elif type(obj) is Model:
        content = {"type": "model", "model": enc.model(obj, "the model")}
    else:
        raise TypeError(
            f"save() supports ScratchMLPClassifier, ScratchMLPRegressor and Model; got "
            f"{type(obj).__name__}."
        )
    doc = {
        "format": FORMAT_MARKER,
        "format_version": FORMAT_VERSION,
        "sknetscratch_version": __version__,
        "numpy_version": np.__version__,
        "content": content,
    }
    return doc, enc.arrays


def _write_archive(fh: Any, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an ``.npz`` archive to the open binary file ``fh``."""
    assert all(a.dtype.kind != "O" for a in arrays.values())  # never pickled
    np.savez(fh, **arrays)


def _create_temp(directory: str, base: str) -> tuple[int, str]:
    """Create a new, empty file next to the target (mode 0o666 less the umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(f"Could not create a temporary file in {directory!r}.")


def _atomic_write(path: str | os.PathLike[str], arrays: dict[str, np.ndarray]) -> None:
    target = os.path.abspath(os.fspath(path))
    directory, base = os.path.split(target)
    fd, tmp = _create_temp(directory, base)
    try:
        with open(fd, "wb") as fh:
            _write_archive(fh, arrays)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):  # keep the permissions of a replaced file
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    # make the rename itself durable (POSIX); not possible everywhere
    with contextlib.suppress(OSError, AttributeError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def save(
    obj: ScratchMLPClassifier | ScratchMLPRegressor | Model,
    path: str | os.PathLike[str],
) -> None:
    """Save an estimator or a core model to ``path`` in a format safe to load.

    The file is a NumPy ``.npz`` archive (whatever the name of ``path``: no
    suffix is added) holding the arrays and a JSON description; see
    :mod:`sknetscratch.persistence`. It is written atomically: either the whole
    new file is at ``path`` or the previous content of ``path`` is untouched.

    Parameters
    ----------
    obj : ScratchMLPClassifier, ScratchMLPRegressor or Model
        A fitted (or unfitted) estimator, or a :class:`~sknetscratch.Model`
        (built or not, compiled or not) made of ``DenseBlock`` and ``Dropout``
        layers with registered activations, loss and optimizer.
    path : str or os.PathLike
        Destination file; overwritten if it exists.

    Raises
    ------
    TypeError
        If ``obj`` or one of its attributes is of a type the format does not
        support (nothing is silently dropped).
    ValueError
        If the estimator's ``random_state`` is not an int or None (a
        ``RandomState`` instance cannot be saved), if strings cannot be stored,
        or if the JSON description would exceed the 16 MiB that :func:`load`
        reads.

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from sknetscratch import ScratchMLPClassifier
    >>> from sknetscratch.persistence import load, save
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = [0, 0, 1, 1]
    >>> clf = ScratchMLPClassifier((3,), solver="lbfgs", random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "clf.npz")
    >>> save(clf, path)
    >>> np.array_equal(load(path).predict_proba(X), clf.predict_proba(X))
    True
    """
    doc, arrays = _encode_document(obj)
    meta = json.dumps(doc, allow_nan=False).encode("utf-8")
    if len(meta) > _MAX_METADATA_BYTES:  # load() would refuse the file
        raise ValueError(
            f"Cannot save {type(obj).__name__}: its JSON description takes "
            f"{len(meta)} bytes, more than the {_MAX_METADATA_BYTES} that load() "
            "accepts."
        )
    arrays[_META_KEY] = np.frombuffer(meta, dtype=np.uint8)
    _atomic_write(path, arrays)


# ----------------------------------------------------------------------------- load
def _reject_constant(name: str) -> Any:
    raise _Refused(f"the JSON document contains the non-standard constant {name}")


class _Decoder:
    """Rebuilds objects from a document and its arrays, refusing anything unknown."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.arrays = arrays
        self.used: set[str] = set()

    # -- values -----------------------------------------------------------------
    def value(self, doc: Any, where: str, *, nested: bool = True) -> Any:
        kind = _get(doc, "type", str, where)
        if kind == "none":
            return None
        if kind == "bool":
            return _get(doc, "value", bool, where)
        if kind == "int":
            return _get(doc, "value", int, where)
        if kind == "float":
            return _json_to_float(doc.get("value"), where)
        if kind == "str":
            return _get(doc, "value", str, where)
        if kind == "numpy":
            dtype = _get(doc, "dtype", str, where)
            if dtype not in _SCALAR_DTYPES:
                raise _Refused(f"{where}: unsupported NumPy scalar dtype {dtype!r}")
            scalar_type = np.dtype(dtype).type
            if dtype == "bool":
                return scalar_type(_get(doc, "value", bool, where))
            if np.dtype(dtype).kind == "f":
                return scalar_type(_json_to_float(doc.get("value"), where))
            try:
                return scalar_type(_get(doc, "value", int, where))
            except OverflowError:
                raise _Refused(f"{where}: value out of range for {dtype}") from None
        if nested:
            if kind in ("list", "tuple"):
                items = _get(doc, "items", list, where)
                values = [
                    self.value(v, f"{where}[{i}]", nested=False)
                    for i, v in enumerate(items)
                ]
                return values if kind == "list" else tuple(values)
            if kind == "array":
                return self.array(doc, where)
            if kind == "model":
                return self.model(_get(doc, "model", dict, where), where)
        raise _Refused(f"{where}: unknown or misplaced value type {kind!r}")

    def array(self, doc: Any, where: str) -> np.ndarray:
        if _get(doc, "type", str, where) != "array":
            raise _Refused(f"{where}: expected an array reference")
        key = _get(doc, "key", str, where)
        if key not in self.arrays or key == _META_KEY:
            raise _Refused(f"{where}: the archive has no array {key!r}")
        if key in self.used:
            raise _Refused(f"{where}: array {key!r} is referenced twice")
        self.used.add(key)
        arr = self.arrays[key]
        if doc.get("object", False) is True:
            if arr.dtype.kind != "U":
                raise _Refused(f"{where}: a string array was expected for {key!r}")
            return arr.astype(object)
        return arr

    def scalar_number(self, doc: Any, where: str) -> Any:
        val = self.value(doc, where, nested=False)
        if val is None or isinstance(val, (bool, str, np.bool_)):
            raise _Refused(f"{where}: expected a number; got {val!r}")
        return val

    # -- core objects -------------------------------------------------------------
    def model(self, doc: dict, where: str) -> Model:
        name = self.value(_get(doc, "name", dict, where), f"{where}.name", nested=False)
        if not isinstance(name, str):
            raise _Refused(f"{where}: the model name must be a string")
        input_dim = self.value(
            _get(doc, "input_dim", dict, where), f"{where}.input_dim", nested=False
        )
        dtype = self.value(
            _get(doc, "dtype", dict, where), f"{where}.dtype", nested=False
        )
        if not (dtype is None or dtype in _MODEL_DTYPES):
            raise _Refused(f"{where}: unsupported model dtype {dtype!r}")
        alpha = self.scalar_number(_get(doc, "alpha", dict, where), f"{where}.alpha")
        stop = self.value(
            _get(doc, "stop_training", dict, where),
            f"{where}.stop_training",
            nested=False,
        )
        if type(stop) is not bool:
            raise _Refused(f"{where}: stop_training must be a bool")
        built = _get(doc, "built", bool, where)
        layer_docs = _get(doc, "layers", list, where)
        layers = [
            self.layer(_as(d, dict, f"{where}.layers[{i}]"), f"{where}.layers[{i}]")
            for i, d in enumerate(layer_docs)
        ]

        model = Model(name=name)
        for layer, _ in layers:
            model.add(layer)
        loss = doc.get("loss")
        if loss is not None:
            if not isinstance(loss, str) or loss not in LOSSES:
                raise _Refused(f"{where}: unknown loss {loss!r}")
            model.compile(loss=loss, optimizer=None, alpha=float(alpha))
        model.alpha = alpha
        model.stop_training = stop
        opt_doc = doc.get("optimizer")
        if opt_doc is not None:
            model.optimizer = self.optimizer(
                _as(opt_doc, dict, f"{where}.optimizer"), f"{where}.optimizer"
            )

        # Check every layer's parameters against the shapes that its config and
        # the input_dim chain imply *before* anything is allocated: sizes in the
        # JSON (units, input_dim) are only compared with the arrays' shapes, so
        # they can never make load allocate more than the file holds.
        if built:
            if not (type(input_dim) is int and input_dim > 0) or dtype is None:
                raise _Refused(f"{where}: a built model needs input_dim and dtype")
            if not layers:
                raise _Refused(f"{where}: a built model needs layers")
            dims = model._dims(input_dim)  # int arithmetic only
        else:
            if not (input_dim is None or (type(input_dim) is int and input_dim > 0)):
                raise _Refused(f"{where}: bad input_dim {input_dim!r}")
            model.input_dim, model.dtype = input_dim, dtype
        for i, (layer, (layer_dim, params)) in enumerate(layers):
            lw = f"{where}.layers[{i}]"
            if built and layer_dim != dims[i]:
                raise _Refused(
                    f"{lw}: input_dim {layer_dim!r} does not fit the model ({dims[i]})"
                )
            if built:
                param_dtype = np.dtype(dtype)
            else:  # unbuilt, or a layer built on its own: its arrays set the dtype
                first = next(iter(params.values()), None)
                param_dtype = np.dtype(np.float64 if first is None else first.dtype)
            shapes = {} if layer_dim is None else layer.param_shapes(layer_dim)
            if set(params) != set(shapes):
                raise _Refused(
                    f"{lw}: parameters {sorted(params)} do not match the layer's "
                    f"{sorted(shapes)}"
                )
            for k, arr in params.items():
                if arr.shape != shapes[k] or arr.dtype != param_dtype:
                    raise _Refused(
                        f"{lw}: parameter {k!r} has shape {arr.shape} and dtype "
                        f"{arr.dtype}; expected {shapes[k]} and {param_dtype}"
                    )
            # the checked arrays themselves, in the layer's storage order; no
            # random initialisation is done and then overwritten
            layer.params = {k: params[k] for k in shapes}
            layer.input_dim = layer_dim
            if not built:
                layer.grads = {k: np.zeros_like(v) for k, v in layer.params.items()}
        if built:  # the flat vectors, holding copies of the checked arrays
            model.input_dim, model.dtype = input_dim, np.dtype(dtype).name
            model._link()
        if built and model.optimizer is not None:
            self.align_optimizer_state(model, doc.get("param_layout"), where)
        return model

    def align_optimizer_state(self, model: Model, layout: Any, where: str) -> None:
        """Reorder flat optimizer state saved in another parameter layout."""
        current = [key for key, _ in sorted(model._slices.items(), key=_start)]
        if layout is None:  # files written before layouts were recorded: layer order
            layout = [[i, k] for i, lay in enumerate(model.layers) for k in lay.params]
        saved = [tuple(_as(x, list, f"{where}.param_layout")) for x in layout]
        if sorted(saved, key=str) != sorted(current, key=str):
            raise _Refused(f"{where}: param_layout does not match the layers")
        if saved == current:
            return
        offsets, start = {}, 0
        for key in saved:
            size = model._slices[key].stop - model._slices[key].start
            offsets[key] = slice(start, start + size)
            start += size
        for name, value in vars(model.optimizer).items():
            if isinstance(value, np.ndarray) and value.shape == model.params.shape:
                aligned = np.empty_like(value)
                for key in current:
                    aligned[model._slices[key]] = value[offsets[key]]
                setattr(model.optimizer, name, aligned)

    def layer(self, doc: dict, where: str) -> tuple[Layer, tuple[Any, dict]]:
        name = doc.get("class")
        if not isinstance(name, str) or name not in _LAYERS:
            raise _Refused(f"unknown layer type {name!r} in {where}")
        cls = _LAYERS[name]
        config = dict(_get(doc, "config", dict, where))
        allowed = set(inspect.signature(cls).parameters)
        for key, val in config.items():
            if key not in allowed:
                raise _Refused(f"{where}: unknown {name} argument {key!r}")
            if not (val is None or type(val) in (bool, int, float, str)):
                raise _Refused(f"{where}: {name} argument {key!r} is not a plain value")
        if cls is DenseBlock:
            config["activation"] = self.activation(
                _get(doc, "activation", dict, where), f"{where}.activation"
            )
        try:
            layer = cls(**config)
        except (TypeError, ValueError) as exc:
            raise _Refused(f"{where}: invalid {name} configuration: {exc}") from None
        layer_dim = self.value(
            _get(doc, "input_dim", dict, where), f"{where}.input_dim", nested=False
        )
        if not (layer_dim is None or (type(layer_dim) is int and layer_dim > 0)):
            raise _Refused(f"{where}: bad input_dim {layer_dim!r}")
        params = {
            str(k): self.array(v, f"{where}.params[{k!r}]")
            for k, v in _get(doc, "params", dict, where).items()
        }
        for k, arr in params.items():
            if arr.dtype.kind != "f":
                raise _Refused(f"{where}: parameter {k!r} is not a float array")
        return layer, (layer_dim, params)

    def activation(self, doc: dict, where: str) -> ActivationFunction:
        name = doc.get("name")
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise _Refused(f"unknown activation {name!r} in {where}")
        act = ACTIVATIONS[name]()
        for key, val in _get(doc, "params", dict, where).items():
            if key not in vars(act):
                raise _Refused(f"{where}: unknown {name!r} parameter {key!r}")
            setattr(act, key, self.scalar_number(val, f"{where}.{key}"))
        return act

    def optimizer(self, doc: dict, where: str) -> Optimizer:
        name = doc.get("name")
        if not isinstance(name, str) or name not in OPTIMIZERS:
            raise _Refused(f"unknown optimizer {name!r} in {where}")
        opt = OPTIMIZERS[name]()
        allowed = set(vars(opt))
        for key, val in _get(doc, "config", dict, where).items():
            if key not in allowed:
                raise _Refused(f"{where}: unknown {name!r} setting {key!r}")
            value = self.value(val, f"{where}.{key}", nested=False)
            if value is not None and isinstance(value, str):
                raise _Refused(f"{where}: {name!r} setting {key!r} must be a number")
            setattr(opt, key, value)
        for key, val in _get(doc, "state", dict, where).items():
            if key not in allowed:
                raise _Refused(f"{where}: unknown {name!r} state {key!r}")
            if _get(val, "type", str, f"{where}.{key}") == "none":
                setattr(opt, key, None)
                continue
            arr = self.array(val, f"{where}.{key}")
            if arr.dtype.kind != "f":
                raise _Refused(f"{where}: {name!r} state {key!r} is not a float array")
            setattr(opt, key, arr)
        return opt

    # -- estimators -----------------------------------------------------------------
    def estimator(self, doc: dict) -> Any:
        name = doc.get("class")
        if not isinstance(name, str) or name not in _ESTIMATORS:
            raise _Refused(
                f"unknown estimator class {name!r} (allowed: {sorted(_ESTIMATORS)})"
            )
        cls = _ESTIMATORS[name]
        names = set(cls._get_param_names())
        params = {}
        for key, val in _get(doc, "params", dict, "params").items():
            if key not in names:
                raise _Refused(f"unknown {name} parameter {key!r}")
            params[key] = self.value(val, f"{name} parameter {key!r}")
        est = cls(**params)
        for key, val in _get(doc, "attributes", dict, "attributes").items():
            if not key.isidentifier() or key in names or hasattr(cls, key):
                raise _Refused(f"{name} attribute {key!r} cannot be set")
            setattr(est, key, self.value(val, f"{name} attribute {key!r}"))
        return est


def _as(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Refused(f"{where}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _get(doc: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(doc, dict):
        raise _Refused(f"{where}: expected a JSON object, got {type(doc).__name__}")
    if key not in doc:
        raise _Refused(f"{where}: missing {key!r}")
    return _as(doc[key], kind, f"{where}.{key}")


def _json_to_float(value: Any, where: str) -> float:
    if isinstance(value, str) and value in _NONFINITE:
        return _NONFINITE[value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Refused(f"{where}: expected a number; got {value!r}")
    return float(value)


def _archive_members(zf: zipfile.ZipFile, file_size: int) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by array name, checked from the zip directory alone.

    Every member must be an uncompressed ``.npy`` member, as :func:`numpy.savez`
    writes them, so no member can hold more data than it takes in the file; and
    the members together cannot claim more bytes than the file has, so that
    members overlapping in the file cannot multiply its data either.
    """
    members: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        name = info.filename
        if not name.endswith(".npy") or info.is_dir():
            raise _Refused(
                f"it is not a sknetscratch model file (member {name!r} is not a "
                ".npy array)"
            )
        if name[:-4] in members:
            raise _Refused(f"member {name!r} appears twice in the archive")
        if info.flag_bits & 0x1:
            raise _Refused(f"member {name!r} is encrypted")
        if info.compress_type != zipfile.ZIP_STORED:
            raise _Refused(
                f"member {name!r} is compressed; save() writes uncompressed "
                "archives, and compressed members are never read"
            )
        if info.compress_size != info.file_size:
            raise _Refused(
                f"member {name!r} has inconsistent sizes in the zip directory"
            )
        members[name[:-4]] = info
    total = sum(info.file_size for info in members.values())
    if total > file_size:
        raise _Refused(
            f"its members claim {total} bytes, more than the {file_size} bytes of "
            "the file"
        )
    return members


def _array_header(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, key: str
) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a member's ``.npy`` header, checked against its size."""
    try:
        with zf.open(info) as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise _Refused(
                    f"member {key!r} uses .npy format version {version}, which is "
                    "not read"
                )
            header_size = fh.tell()
    except (ValueError, TypeError, SyntaxError, RecursionError) as exc:
        if isinstance(exc, _Refused):
            raise
        raise _Refused(f"member {key!r} is not a valid .npy array ({exc})") from None
    if dtype.hasobject:
        raise _Refused(
            f"member {key!r} is an object array (pickled data), which is never loaded"
        )
    # (zero-size items, as in "<U0", would let any number of elements take no bytes)
    if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or not dtype.itemsize:
        raise _Refused(f"member {key!r} has unsupported dtype {dtype}")
    if any(n < 0 for n in shape):
        raise _Refused(f"member {key!r} has the invalid shape {shape}")
    nbytes = math.prod(shape) * dtype.itemsize
    if header_size + nbytes != info.file_size:
        raise _Refused(
            f"member {key!r} declares {nbytes} bytes of data (shape {shape}, dtype "
            f"{dtype}) but holds {info.file_size - header_size}"
        )
    return shape, dtype


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    """The array in a member whose header :func:`_array_header` has checked."""
    with zf.open(info) as fh:  # the zip CRC is verified on reading the last byte
        return np.lib.format.read_array(fh, allow_pickle=False)


def _parse_document(meta: np.ndarray) -> dict:
    """The JSON document in the metadata array, with its format marker and version
    checked."""
    try:
        if meta.dtype.kind == "U":
            text = str(meta.reshape(()).item())
        else:
            text = meta.tobytes().decode("utf-8")
        doc = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _Refused(f"its JSON metadata is invalid ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_MARKER:
        raise _Refused(
            f"it is not a sknetscratch model file (the {FORMAT_MARKER!r} format "
            "marker is missing)"
        )
    version = doc.get("format_version")
    if type(version) is not int or version < 1:
        raise _Refused(f"invalid format version {version!r}")
    if version > FORMAT_VERSION:
        raise _Refused(
            f"it uses file format version {version}, but this sknetscratch supports "
            f"format version {FORMAT_VERSION} only. Upgrade sknetscratch to load it"
        )
    return doc


def _read_file(
    path: str | os.PathLike[str], source: str
) -> tuple[dict, dict[str, np.ndarray]]:
    """The JSON document and the arrays of the file at ``path``, read without pickle.

    Everything is checked before it is read: the zip directory, then every
    member's ``.npy`` header, then the metadata member (size, then content), and
    only then the arrays, none of which can be larger than its share of the file.
    """
    with open(path, "rb") as fh:
        try:
            if not zipfile.is_zipfile(fh):
                raise _Refused(
                    "it is not a sknetscratch model file (not a NumPy .npz / zip "
                    "archive)"
                )
            fh.seek(0)
            with zipfile.ZipFile(fh) as zf:
                members = _archive_members(zf, os.fstat(fh.fileno()).st_size)
                headers = {
                    key: _array_header(zf, info, key) for key, info in members.items()
                }
                if _META_KEY not in members:
                    raise _Refused(
                        "it is not a sknetscratch model file (no "
                        f"{FORMAT_MARKER!r} format marker)"
                    )
                shape, dtype = headers[_META_KEY]
                if not (
                    (dtype == np.uint8 and len(shape) == 1)
                    or (dtype.kind == "U" and math.prod(shape) == 1)
                ):
                    raise _Refused("the metadata is neither a uint8 nor a string array")
                if math.prod(shape) * dtype.itemsize > _MAX_METADATA_BYTES:
                    raise _Refused(
                        f"its JSON metadata is larger than {_MAX_METADATA_BYTES} bytes"
                    )
                doc = _parse_document(_read_member(zf, members[_META_KEY]))
                arrays = {
                    key: _read_member(zf, info)
                    for key, info in members.items()
                    if key != _META_KEY
                }
        except _Refused as exc:
            raise ValueError(f"Refusing to load {source!r}: {exc}.") from None
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            EOFError,
            OSError,
            ValueError,
            NotImplementedError,
        ) as exc:
            raise ValueError(
                f"Refusing to load {source!r}: the archive is corrupt or not a "
                f"sknetscratch model file ({type(exc).__name__}: {exc})."
            ) from None
    return doc, arrays


def load(
    path: str | os.PathLike[str],
) -> ScratchMLPClassifier | ScratchMLPRegressor | Model:
    """Load an estimator or a core model written by :func:`save`.

    The arrays are read with ``allow_pickle=False`` and objects are rebuilt
    only from allow-lists (the two estimators, ``DenseBlock`` and ``Dropout``,
    and the registered activations, losses and optimizers), so a crafted file
    cannot run code: it is refused. Sizes are checked before anything is read
    or allocated (the zip directory, each ``.npy`` header, then the JSON
    document; layer shapes against the stored arrays), so a refused file is
    refused cheaply, and loading uses memory in proportion to the file's size.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save`.

    Returns
    -------
    obj : ScratchMLPClassifier, ScratchMLPRegressor or Model
        Predicts bit-identically to the saved object and continues training
        (``warm_start``, ``partial_fit``, ``Model.fit``) exactly as it would.

    Raises
    ------
    ValueError
        If the file is not a zip/npz archive, has compressed or inconsistent
        members (a ``.npy`` header that does not match the member's size),
        lacks the format marker, has invalid or oversized JSON metadata,
        contains object (pickled) arrays, was written by a newer file format
        version, asks for a class, layer, activation, loss, optimizer or
        attribute that is not allowed, or describes layers whose sizes do not
        match the stored arrays. The message names the file.
    FileNotFoundError
        If ``path`` does not exist.

    Warns
    -----
    UserWarning
        If the file was written by another version of sknetscratch.

    See Also
    --------
    save : Write the file.
    """
    from . import __version__

    source = os.fspath(path)
    doc, arrays = _read_file(path, source)
    saved_version = doc.get("sknetscratch_version")
    if saved_version != __version__:
        warnings.warn(
            f"{source!r} was saved with sknetscratch {saved_version}; this is "
            f"sknetscratch {__version__}. Check the loaded object before relying on it.",
            UserWarning,
            stacklevel=2,
        )
    decoder = _Decoder(arrays)
    try:
        content = _get(doc, "content", dict, "the document")
        kind = content.get("type")
        if kind == "estimator":
            return decoder.estimator(content)
        if kind == "model":
            return decoder.model(_get(content, "model", dict, "content"), "the model")
        raise _Refused(f"unknown content type {kind!r}")
    except _Refused as exc:
        raise ValueError(f"Refusing to load {source!r}: {exc}.") from None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ValueError(
            f"Refusing to load {source!r}: malformed content "
            f"({type(exc).__name__}: {exc})."
        ) from None
