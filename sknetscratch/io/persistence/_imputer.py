"""``SimpleImputer`` steps of a saved Pipeline: their parameters and
``statistics_``; on load an imputer with the saved parameters is fitted on one
row of its statistics and the result compared with the file."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._decode import Decoder
from ._encode import Encoder
from ._format import Refused, field
from ._steps import check_params, count, is_fitted, is_nan, names_in, names_out, strings

__all__ = ["decode_imputer", "encode_imputer"]

_STRATEGIES = ("mean", "median", "most_frequent", "constant")
_IMPUTER_PARAMS = {
    "missing_values": is_nan,
    "strategy": lambda v: v in _STRATEGIES,
    "fill_value": lambda v: v is None or type(v) in (str, int, float),
    "copy": lambda v: type(v) is bool,
    "add_indicator": lambda v: v is False,
    "keep_empty_features": lambda v: type(v) is bool,
}


def encode_imputer(enc: Encoder, imp: Any, where: str) -> dict:
    """The document of a ``SimpleImputer`` (its arrays go to ``enc.arrays``)."""
    check_params(imp, _IMPUTER_PARAMS, f"Cannot save {where}", TypeError)
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
    if is_fitted(imp):
        stats = imp.statistics_
        if stats.dtype != object and stats.dtype != np.float64:
            raise TypeError(f"Cannot save {where}: statistics_ of dtype {stats.dtype}")
        doc["attributes"] = {
            "statistics_": enc.array(stats, f"{where} statistics_"),
            "n_features_in_": enc.value(int(imp.n_features_in_), where),
            **names_out(enc, imp, where),
        }
    return doc


def decode_imputer(decoder: Decoder, doc: dict, where: str) -> Any:
    """The ``SimpleImputer`` of a document, checked and rebuilt."""
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
    n = count(decoder.value(attrs.get("n_features_in_"), where), f"{where} n_features")
    stats = decoder.array(attrs.get("statistics_"), f"{where} statistics_")
    if stats.shape != (n,) or (stats.dtype != object and stats.dtype != np.float64):
        raise Refused(f"{where}: statistics_ must be {n} floats or strings")
    if stats.dtype == object:
        strings(stats, f"{where} statistics_")
    names = names_in(decoder, attrs, n, where)
    # the statistic of one row is that row, whatever the strategy
    row = stats.reshape(1, n)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            imp.fit(row)
    except (ValueError, TypeError) as exc:
        raise Refused(f"{where}: the SimpleImputer cannot be rebuilt ({exc})") from None
    same = imp.statistics_.dtype == stats.dtype and all(
        (a == b) or (is_nan(float(a)) and is_nan(float(b)))
        if stats.dtype != object
        else a == b
        for a, b in zip(imp.statistics_, stats)
    )
    if not same:
        raise Refused(f"{where}: statistics_ inconsistent with the parameters")
    if names is not None:
        imp.feature_names_in_ = names
    return imp
