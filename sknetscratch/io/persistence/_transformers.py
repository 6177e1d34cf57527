"""Preprocessing steps of a saved Pipeline beyond ``StandardScaler``:
``SimpleImputer``, ``OneHotEncoder``, ``ColumnTransformer``, a ``Pipeline`` of
transformers (inside a ``ColumnTransformer``), and ``TransformedTargetRegressor``
as a pipeline's last step.

Only public parameters and public fitted attributes are stored (arrays and JSON
values, never pickle). On load, each step is rebuilt the way scikit-learn builds
it: an unfitted step with the saved parameters is *fitted* on a few synthetic
rows made from the saved attributes, chosen so that the fit gives back exactly
those attributes (a ``SimpleImputer`` on one row of its statistics, a
``OneHotEncoder`` on its categories repeated to reproduce which are infrequent),
and the result is compared with the file; a ``ColumnTransformer`` is fitted on
one synthetic row and then given its saved, already rebuilt transformers; a
``TransformedTargetRegressor`` is fitted with a constant regressor and then
given its saved regressor and target scaler. Nothing private to scikit-learn is
read or written, and whatever the file claims is checked against what
scikit-learn computes.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._decode import Decoder
from ._encode import Encoder
from ._format import Refused, field, is_estimator
from ._scaler import decode_scaler, encode_scaler

__all__ = [
    "TRANSFORMER_NAMES",
    "decode_target_regressor",
    "decode_transformer",
    "encode_target_regressor",
    "encode_transformer",
    "is_target_regressor",
    "is_transformer",
    "output_width",
]

#: The transformer classes a saved pipeline may hold.
TRANSFORMER_NAMES = (
    "StandardScaler",
    "SimpleImputer",
    "OneHotEncoder",
    "ColumnTransformer",
    "Pipeline",
)
_STRATEGIES = ("mean", "median", "most_frequent", "constant")
_UNKNOWN = ("error", "ignore", "infrequent_if_exist", "warn")


def _classes() -> dict[str, type]:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    return {
        "StandardScaler": StandardScaler,
        "SimpleImputer": SimpleImputer,
        "OneHotEncoder": OneHotEncoder,
        "ColumnTransformer": ColumnTransformer,
        "Pipeline": Pipeline,
    }


def is_transformer(obj: Any) -> bool:
    """Whether ``obj`` is one of the transformer classes the format knows."""
    return any(type(obj) is cls for cls in _classes().values())


def is_target_regressor(obj: Any) -> bool:
    """Whether ``obj`` is a ``TransformedTargetRegressor`` (not a subclass)."""
    from sklearn.compose import TransformedTargetRegressor

    return type(obj) is TransformedTargetRegressor


def _fitted(est: Any) -> bool:
    return hasattr(est, "n_features_in_")


def output_width(est: Any) -> int | None:
    """How many columns a fitted step gives (None when unfitted)."""
    if not _fitted(est):
        return None
    return len(est.get_feature_names_out())


# ------------------------------------------------------------------- helpers
def _names_out(enc: Encoder, est: Any, where: str) -> dict:
    names = getattr(est, "feature_names_in_", None)
    return {} if names is None else {"feature_names_in_": enc.array(names, where)}


def _names_in(decoder: Decoder, attrs: dict, n: int, where: str) -> Any:
    if "feature_names_in_" not in attrs:
        return None
    names = decoder.array(attrs["feature_names_in_"], f"{where} feature_names_in_")
    if not (names.dtype == object and names.shape == (n,)):
        raise Refused(f"{where}: feature_names_in_ must be {n} strings")
    return names


def _count(value: Any, where: str, low: int = 1) -> int:
    if type(value) is not int or value < low:
        raise Refused(f"{where} must be an int >= {low}")
    return value


def _strings(arr: Any, where: str) -> np.ndarray:
    if not (isinstance(arr, np.ndarray) and arr.dtype == object and arr.ndim == 1):
        raise Refused(f"{where} must be a 1-d array of strings")
    return arr


def _check_params(
    est: Any, allowed: dict[str, Any], where: str, error: type[Exception]
) -> None:
    """Every parameter of ``est`` is known and passes its check."""
    params = est.get_params(deep=False)
    if set(params) != set(allowed):
        raise error(
            f"{where}: {type(est).__name__} parameters {sorted(params)} are not "
            f"the known {sorted(allowed)}"
        )
    for key, ok in allowed.items():
        if not ok(params[key]):
            raise error(
                f"{where}: {type(est).__name__} parameter {key}={params[key]!r} "
                "cannot be saved"
            )


def _is_nan(v: Any) -> bool:
    return type(v) is float and v != v


# ------------------------------------------------------------- SimpleImputer
_IMPUTER_PARAMS = {
    "missing_values": _is_nan,
    "strategy": lambda v: v in _STRATEGIES,
    "fill_value": lambda v: v is None or type(v) in (str, int, float),
    "copy": lambda v: type(v) is bool,
    "add_indicator": lambda v: v is False,
    "keep_empty_features": lambda v: type(v) is bool,
}


def _encode_imputer(enc: Encoder, imp: Any, where: str) -> dict:
    _check_params(imp, _IMPUTER_PARAMS, f"Cannot save {where}", TypeError)
    params = imp.get_params(deep=False)
    doc = {
        "class": "SimpleImputer",
        "params": {
            k: enc.value(v, f"{where} parameter {k!r}")
            for k, v in params.items()
            if k != "missing_values"  # always NaN
        },
        "attributes": {},
    }
    if _fitted(imp):
        stats = imp.statistics_
        if stats.dtype != object and stats.dtype != np.float64:
            raise TypeError(f"Cannot save {where}: statistics_ of dtype {stats.dtype}")
        doc["attributes"] = {
            "statistics_": enc.array(stats, f"{where} statistics_"),
            "n_features_in_": enc.value(int(imp.n_features_in_), where),
            **_names_out(enc, imp, where),
        }
    return doc


def _decode_imputer(decoder: Decoder, doc: dict, where: str) -> Any:
    from sklearn.impute import SimpleImputer

    params = {}
    for key, val in field(doc, "params", dict, where).items():
        if key not in _IMPUTER_PARAMS or key == "missing_values":
            raise Refused(f"{where}: unknown SimpleImputer parameter {key!r}")
        params[key] = decoder.value(val, f"{where} parameter {key!r}", nested=False)
        if not _IMPUTER_PARAMS[key](params[key]):
            raise Refused(f"{where}: SimpleImputer {key}={params[key]!r} not allowed")
    imp = SimpleImputer(**params)
    attrs = field(doc, "attributes", dict, where)
    if not attrs:
        return imp
    if set(attrs) - {"statistics_", "n_features_in_", "feature_names_in_"}:
        raise Refused(f"{where}: unknown SimpleImputer attributes {sorted(attrs)}")
    n = _count(decoder.value(attrs.get("n_features_in_"), where), f"{where} n_features")
    stats = decoder.array(attrs.get("statistics_"), f"{where} statistics_")
    if stats.shape != (n,) or (stats.dtype != object and stats.dtype != np.float64):
        raise Refused(f"{where}: statistics_ must be {n} floats or strings")
    if stats.dtype == object:
        _strings(stats, f"{where} statistics_")
    names = _names_in(decoder, attrs, n, where)
    # the statistic of one row is that row, whatever the strategy
    row = stats.reshape(1, n)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            imp.fit(row)
    except (ValueError, TypeError) as exc:
        raise Refused(f"{where}: the SimpleImputer cannot be rebuilt ({exc})") from None
    same = imp.statistics_.dtype == stats.dtype and all(
        (a == b) or (_is_nan(float(a)) and _is_nan(float(b)))
        if stats.dtype != object
        else a == b
        for a, b in zip(imp.statistics_, stats)
    )
    if not same:
        raise Refused(f"{where}: statistics_ inconsistent with the parameters")
    if names is not None:
        imp.feature_names_in_ = names
    return imp


# ------------------------------------------------------------- OneHotEncoder
_ONEHOT_PARAMS = {
    "categories": lambda v: v == "auto",
    "drop": lambda v: v is None,
    "sparse_output": lambda v: v is False,
    "dtype": lambda v: v in (np.float64, "float64"),
    "handle_unknown": lambda v: v in _UNKNOWN,
    "min_frequency": lambda v: v is None or (type(v) is int and v >= 1),
    "max_categories": lambda v: v is None,
    "feature_name_combiner": lambda v: v == "concat",
}


def _onehot_rows(
    categories: list[np.ndarray], infrequent: list, min_frequency: int | None
) -> np.ndarray:
    """Rows whose fit gives ``categories`` and, with ``min_frequency``, exactly
    the ``infrequent`` ones (a ValueError if no rows can)."""
    m = min_frequency or 1
    columns = []
    for cats, rare in zip(categories, infrequent):
        rare = set() if rare is None else set(rare.tolist())
        common = [c for c in cats.tolist() if c not in rare]
        if m > 1:
            column = [c for c in common for _ in range(m)] + sorted(rare)
        else:
            column = list(cats.tolist())
        columns.append((column, common, sorted(rare)))
    length = max(len(c) for c, _, _ in columns)
    out = np.empty((length, len(columns)), dtype=object)
    for j, (column, common, rare) in enumerate(columns):
        pad = length - len(column)
        if common:
            column += [common[0]] * pad
        else:  # only rare categories: each may appear up to m - 1 times
            extra = [c for c in rare for _ in range(m - 2)]
            if pad > len(extra):
                raise ValueError("a column whose every category is infrequent")
            column += extra[:pad]
        out[:, j] = column
    return out


def _encode_onehot(enc: Encoder, ohe: Any, where: str) -> dict:
    _check_params(ohe, _ONEHOT_PARAMS, f"Cannot save {where}", TypeError)
    params = ohe.get_params(deep=False)
    doc = {
        "class": "OneHotEncoder",
        "params": {
            k: enc.value(params[k], f"{where} parameter {k!r}")
            for k in ("handle_unknown", "min_frequency")
        },
        "attributes": {},
    }
    if _fitted(ohe):
        cats = ohe.categories_
        for j, c in enumerate(cats):
            if c.dtype != object or not all(isinstance(s, str) for s in c):
                raise TypeError(
                    f"Cannot save {where}: the categories of column {j} are not "
                    "strings (encode text columns only)"
                )
        rare = getattr(ohe, "infrequent_categories_", [None] * len(cats))
        try:
            _onehot_rows(cats, rare, params["min_frequency"])
        except ValueError as exc:
            raise TypeError(f"Cannot save {where}: {exc}") from None
        attrs = {"n_features_in_": enc.value(int(ohe.n_features_in_), where)}
        for j, c in enumerate(cats):
            attrs[f"categories_{j}"] = enc.array(c, f"{where} categories_[{j}]")
            if rare[j] is not None:
                attrs[f"infrequent_{j}"] = enc.array(rare[j], f"{where} infrequent")
        doc["attributes"] = {**attrs, **_names_out(enc, ohe, where)}
    return doc


def _decode_onehot(decoder: Decoder, doc: dict, where: str) -> Any:
    from sklearn.preprocessing import OneHotEncoder

    params = {}
    for key, val in field(doc, "params", dict, where).items():
        if key not in ("handle_unknown", "min_frequency"):
            raise Refused(f"{where}: unknown OneHotEncoder parameter {key!r}")
        params[key] = decoder.value(val, f"{where} parameter {key!r}", nested=False)
        if not _ONEHOT_PARAMS[key](params[key]):
            raise Refused(f"{where}: OneHotEncoder {key}={params[key]!r} not allowed")
    ohe = OneHotEncoder(sparse_output=False, **params)
    attrs = dict(field(doc, "attributes", dict, where))
    if not attrs:
        return ohe
    n = _count(decoder.value(attrs.pop("n_features_in_", None), where), where)
    names = _names_in(decoder, attrs, n, where)
    attrs.pop("feature_names_in_", None)
    cats, rare = [], []
    for j in range(n):
        c = _strings(
            decoder.array(attrs.pop(f"categories_{j}", None), where),
            f"{where} categories_[{j}]",
        )
        if len(c) == 0 or list(c) != sorted(set(c)):
            raise Refused(f"{where}: categories_[{j}] must be sorted and unique")
        cats.append(c)
        r = attrs.pop(f"infrequent_{j}", None)
        rare.append(
            None if r is None else _strings(decoder.array(r, where), f"{where} rare")
        )
    if attrs:
        raise Refused(f"{where}: unknown OneHotEncoder attributes {sorted(attrs)}")
    try:
        rows = _onehot_rows(cats, rare, ohe.min_frequency)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ohe.fit(rows)
    except (ValueError, TypeError) as exc:
        raise Refused(f"{where}: the OneHotEncoder cannot be rebuilt ({exc})") from None
    got = getattr(ohe, "infrequent_categories_", [None] * n)
    for j in range(n):
        same = list(ohe.categories_[j]) == list(cats[j]) and (
            (got[j] is None and rare[j] is None)
            or (
                got[j] is not None
                and rare[j] is not None
                and list(got[j]) == list(rare[j])
            )
        )
        if not same:
            raise Refused(f"{where}: column {j}'s categories are inconsistent")
    if names is not None:
        ohe.feature_names_in_ = names
    return ohe


# ---------------------------------------------------------- ColumnTransformer
_CT_PARAMS = {
    "transformers": lambda v: isinstance(v, list),
    "remainder": lambda v: v == "drop",
    "sparse_threshold": lambda v: v == 0,
    "n_jobs": lambda v: v is None,
    "transformer_weights": lambda v: v is None,
    "verbose": lambda v: type(v) is bool,
    "verbose_feature_names_out": lambda v: type(v) is bool,
}


def _encode_columns(enc: Encoder, ct: Any, where: str) -> dict:
    _check_params(ct, _CT_PARAMS, f"Cannot save {where}", TypeError)
    params = ct.get_params(deep=False)
    fitted = _fitted(ct)
    if fitted and getattr(ct, "feature_names_in_", None) is None:
        raise TypeError(f"Cannot save {where}: fit it on a DataFrame (column names)")
    used = dict((name, est) for name, est, _ in (ct.transformers_ if fitted else []))
    docs = []
    for item in params["transformers"]:
        name, est, columns = item
        w = f"{where} transformer {name!r}"
        if not (
            isinstance(name, str)
            and isinstance(columns, list)
            and all(isinstance(c, str) for c in columns)
        ):
            raise TypeError(f"Cannot save {w}: columns must be a list of names")
        if est == "drop" or not is_transformer(est):
            raise TypeError(
                f"Cannot save {w}: a {type(est).__name__} (allowed: "
                f"{', '.join(TRANSFORMER_NAMES)})"
            )
        docs.append(
            {
                "name": name,
                "columns": columns,
                "transformer": encode_transformer(
                    enc, used[name] if fitted else est, w
                ),
            }
        )
    doc = {
        "class": "ColumnTransformer",
        "params": {
            k: enc.value(params[k], f"{where} parameter {k!r}")
            for k in ("verbose", "verbose_feature_names_out")
        },
        "transformers": docs,
        "attributes": {},
    }
    if fitted:
        doc["attributes"] = {
            "n_features_in_": enc.value(int(ct.n_features_in_), where),
            **_names_out(enc, ct, where),
        }
    return doc


def _example_row(est: Any) -> list:
    """One input row that a clone of the fitted ``est`` can fit."""
    name = type(est).__name__
    if name == "Pipeline":
        return _example_row(est.steps[0][1])
    if name == "SimpleImputer":
        return list(est.statistics_)
    if name == "OneHotEncoder":
        return [c[0] for c in est.categories_]
    return [0.0] * est.n_features_in_  # a StandardScaler


def _decode_columns(decoder: Decoder, doc: dict, where: str) -> Any:
    from sklearn.base import clone
    from sklearn.compose import ColumnTransformer

    params = {}
    for key, val in field(doc, "params", dict, where).items():
        if key not in ("verbose", "verbose_feature_names_out"):
            raise Refused(f"{where}: unknown ColumnTransformer parameter {key!r}")
        params[key] = decoder.value(val, f"{where} parameter {key!r}", nested=False)
        if type(params[key]) is not bool:
            raise Refused(f"{where}: ColumnTransformer {key} must be a bool")
    items = []
    for i, item in enumerate(field(doc, "transformers", list, where)):
        w = f"{where} transformer {i}"
        name = field(item, "name", str, w)
        columns = field(item, "columns", list, w)
        if not all(isinstance(c, str) for c in columns):
            raise Refused(f"{w}: columns must be names")
        est = decode_transformer(decoder, field(item, "transformer", dict, w), w)
        if isinstance(est, ColumnTransformer):
            raise Refused(f"{w}: a ColumnTransformer inside a ColumnTransformer")
        items.append((name, est, columns))
    if len({name for name, _, _ in items}) != len(items):
        raise Refused(f"{where}: transformer names must be unique")
    unfitted = [(name, clone(est), list(cols)) for name, est, cols in items]
    ct = ColumnTransformer(unfitted, remainder="drop", sparse_threshold=0, **params)
    attrs = field(doc, "attributes", dict, where)
    fitted = [_fitted(est) for _, est, _ in items]
    if not attrs:
        if any(fitted):
            raise Refused(f"{where}: unfitted, but holds fitted transformers")
        return ct
    if not all(fitted) or set(attrs) != {"n_features_in_", "feature_names_in_"}:
        raise Refused(f"{where}: a fitted ColumnTransformer needs fitted transformers")
    n = _count(decoder.value(attrs["n_features_in_"], where), where)
    names = list(_names_in(decoder, attrs, n, where))
    if len(set(names)) != n:
        raise Refused(f"{where}: feature_names_in_ must be unique")
    import pandas as pd  # it was fitted on a DataFrame, so pandas was there

    row: dict[str, Any] = dict.fromkeys(names, 0.0)
    for name, est, cols in items:
        width = getattr(est, "n_features_in_", None)
        if width != len(cols) or not set(cols) <= set(names):
            raise Refused(f"{where}: transformer {name!r} and its columns disagree")
        for col, value in zip(cols, _example_row(est)):
            row[col] = value
    frame = pd.DataFrame(
        {
            k: pd.Series([v], dtype=object if isinstance(v, str) else float)
            for k, v in row.items()
        }
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ct.fit(frame)
    except (ValueError, TypeError) as exc:
        raise Refused(f"{where}: cannot be rebuilt ({exc})") from None
    by_name = {name: est for name, est, _ in items}
    ct.transformers_ = [
        (name, by_name.get(name, est), cols) for name, est, cols in ct.transformers_
    ]
    start, indices = 0, {}
    for name, est, _ in ct.transformers_:
        width = output_width(est) if name in by_name else 0
        indices[name] = slice(start, start + width)
        start += width
    ct.output_indices_ = indices
    return ct


# ------------------------------------------------ a Pipeline of transformers
def _encode_chain(enc: Encoder, pipe: Any, where: str) -> dict:
    params = pipe.get_params(deep=False)
    if params.get("memory") is not None or params.get("transform_input") is not None:
        raise TypeError(f"Cannot save {where}: memory and transform_input must be None")
    steps = []
    for name, est in params["steps"]:
        if not isinstance(name, str) or type(est).__name__ == "Pipeline":
            raise TypeError(f"Cannot save {where}: step {name!r}")
        steps.append(
            {"name": name, **encode_transformer(enc, est, f"{where} step {name!r}")}
        )
    return {"class": "Pipeline", "steps": steps}


def _decode_chain(decoder: Decoder, doc: dict, where: str) -> Any:
    from sklearn.pipeline import Pipeline

    steps = []
    for i, step in enumerate(field(doc, "steps", list, where)):
        w = f"{where} step {i}"
        name = field(step, "name", str, w)
        if step.get("class") in ("Pipeline", "ColumnTransformer"):
            raise Refused(f"{w}: a {step.get('class')} inside a Pipeline step")
        steps.append((name, decode_transformer(decoder, step, w)))
    if not steps or len({n for n, _ in steps}) != len(steps):
        raise Refused(f"{where}: steps must be present and uniquely named")
    check_chain(steps, where)
    return Pipeline(steps)


def check_chain(steps: list, where: str) -> None:
    """Each step takes what the one before gives; all fitted or all unfitted."""
    fitted = [_fitted(est) for _, est in steps]
    if any(fitted) and not all(fitted):
        raise Refused(f"{where}'s steps must be all fitted or all unfitted")
    if not all(fitted):
        return
    for i in range(1, len(steps)):
        given, taken = output_width(steps[i - 1][1]), steps[i][1].n_features_in_
        if given != taken:
            raise Refused(
                f"{where} step {i} ({steps[i][0]!r}) takes {taken} features, but "
                f"step {i - 1} ({steps[i - 1][0]!r}) gives {given}"
            )


# ----------------------------------------------------------------- dispatch
def encode_transformer(enc: Encoder, est: Any, where: str) -> dict:
    """The document of one transformer (its arrays go to ``enc.arrays``).

    Raises
    ------
    TypeError
        If the transformer, one of its parameters or attributes cannot be saved.
    """
    name = type(est).__name__
    if not is_transformer(est):
        raise TypeError(f"Cannot save {where}: a {name} is not a known transformer")
    if name == "StandardScaler":
        return encode_scaler(enc, est, where)
    if name == "SimpleImputer":
        return _encode_imputer(enc, est, where)
    if name == "OneHotEncoder":
        return _encode_onehot(enc, est, where)
    if name == "ColumnTransformer":
        return _encode_columns(enc, est, where)
    return _encode_chain(enc, est, where)


def decode_transformer(decoder: Decoder, doc: dict, where: str) -> Any:
    """The transformer of a document, every parameter and attribute checked.

    Raises
    ------
    Refused
        If anything is unknown, inconsistent or cannot be rebuilt.
    """
    name = doc.get("class") if isinstance(doc, dict) else None
    if name == "StandardScaler":
        return decode_scaler(decoder, doc, where)
    if name == "SimpleImputer":
        return _decode_imputer(decoder, doc, where)
    if name == "OneHotEncoder":
        return _decode_onehot(decoder, doc, where)
    if name == "ColumnTransformer":
        return _decode_columns(decoder, doc, where)
    if name == "Pipeline":
        return _decode_chain(decoder, doc, where)
    raise Refused(f"{where}: unknown transformer class {name!r}")


# ----------------------------------------------- TransformedTargetRegressor
def encode_target_regressor(enc: Encoder, ttr: Any, where: str) -> dict:
    """The document of a ``TransformedTargetRegressor`` (regressor and
    ``StandardScaler`` target transformer), fitted or not."""
    from sklearn.preprocessing import StandardScaler

    params = ttr.get_params(deep=False)
    if not (
        params.get("func") is None
        and params.get("inverse_func") is None
        and type(params.get("transformer")) is StandardScaler
        and is_estimator(params.get("regressor"))
        and type(params.get("check_inverse")) is bool
        and set(params)
        == {"regressor", "transformer", "func", "inverse_func", "check_inverse"}
    ):
        raise TypeError(
            f"Cannot save {where}: a TransformedTargetRegressor needs an "
            "sknetscratch regressor and a StandardScaler transformer, no functions"
        )
    doc = {
        "class": "TransformedTargetRegressor",
        "check_inverse": enc.value(params["check_inverse"], where),
        "regressor": enc.estimator(params["regressor"]),
        "transformer": encode_scaler(enc, params["transformer"], where),
    }
    if _fitted(ttr):
        if not hasattr(ttr, "regressor_") or not hasattr(ttr, "transformer_"):
            raise TypeError(f"Cannot save {where}: incompletely fitted")
        ndim = np.ndim(ttr.predict(np.zeros((1, ttr.n_features_in_))))
        doc["fitted"] = {
            "regressor_": enc.estimator(ttr.regressor_),
            "transformer_": encode_scaler(enc, ttr.transformer_, where),
            "n_features_in_": enc.value(int(ttr.n_features_in_), where),
            "target_ndim": enc.value(int(ndim), where),
        }
        if getattr(ttr, "feature_names_in_", None) is not None:
            raise TypeError(f"Cannot save {where}: fitted on a DataFrame")
    return doc


def decode_target_regressor(decoder: Decoder, doc: dict, where: str) -> Any:
    """The ``TransformedTargetRegressor`` of a document, checked and rebuilt."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.dummy import DummyRegressor

    check_inverse = decoder.value(doc.get("check_inverse"), where, nested=False)
    if type(check_inverse) is not bool:
        raise Refused(f"{where}: check_inverse must be a bool")
    regressor = decoder.estimator(field(doc, "regressor", dict, where))
    if _fitted(regressor) or type(regressor).__name__ != "ScratchMLPRegressor":
        raise Refused(f"{where}: the regressor parameter must be an unfitted regressor")
    transformer = decode_scaler(decoder, field(doc, "transformer", dict, where), where)
    if _fitted(transformer):
        raise Refused(f"{where}: the transformer parameter must be unfitted")
    fitted = doc.get("fitted")
    if fitted is None:
        return TransformedTargetRegressor(
            regressor=regressor, transformer=transformer, check_inverse=check_inverse
        )
    fitted = dict(field(doc, "fitted", dict, where))
    reg = decoder.estimator(field(fitted, "regressor_", dict, where))
    scaler = decode_scaler(decoder, field(fitted, "transformer_", dict, where), where)
    n = _count(decoder.value(fitted.get("n_features_in_"), where), where)
    ndim = decoder.value(fitted.get("target_ndim"), where)
    if type(reg) is not type(regressor) or not _fitted(reg) or not _fitted(scaler):
        raise Refused(f"{where}: regressor_ and transformer_ must be fitted")
    if reg.n_features_in_ != n or scaler.n_features_in_ != 1 or ndim not in (1, 2):
        raise Refused(f"{where}: the regressor, its target scaler and n disagree")
    if getattr(reg, "n_outputs_", 1) != 1:
        raise Refused(f"{where}: one target column is supported")
    ttr = TransformedTargetRegressor(
        regressor=DummyRegressor(), transformer=transformer, check_inverse=False
    )
    y = np.array([0.0, 1.0])
    ttr.fit(np.zeros((2, n)), y if ndim == 1 else y[:, None])
    ttr.set_params(regressor=regressor, check_inverse=check_inverse)
    ttr.regressor_, ttr.transformer_ = reg, scaler
    return ttr
