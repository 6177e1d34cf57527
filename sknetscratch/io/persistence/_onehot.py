"""``OneHotEncoder`` steps of a saved Pipeline: ``handle_unknown``,
``min_frequency``, the categories of each column and which of them are
infrequent; on load an encoder with the saved parameters is fitted on the
categories repeated so as to reproduce which are infrequent, and the result
compared with the file."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._decode import Decoder
from ._encode import Encoder
from ._format import Refused, field
from ._steps import check_params, count, is_fitted, names_in, names_out, strings

__all__ = ["decode_onehot", "encode_onehot"]

_UNKNOWN = ("error", "ignore", "infrequent_if_exist", "warn")
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


def encode_onehot(enc: Encoder, ohe: Any, where: str) -> dict:
    """The document of a ``OneHotEncoder`` of text columns (its arrays go to
    ``enc.arrays``)."""
    check_params(ohe, _ONEHOT_PARAMS, f"Cannot save {where}", TypeError)
    params = ohe.get_params(deep=False)
    doc = {
        "class": "OneHotEncoder",
        "params": {
            k: enc.value(params[k], f"{where} parameter {k!r}")
            for k in ("handle_unknown", "min_frequency")
        },
        "attributes": {},
    }
    if is_fitted(ohe):
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
        doc["attributes"] = {**attrs, **names_out(enc, ohe, where)}
    return doc


def decode_onehot(decoder: Decoder, doc: dict, where: str) -> Any:
    """The ``OneHotEncoder`` of a document, checked and rebuilt."""
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
    n = count(decoder.value(attrs.pop("n_features_in_", None), where), where)
    names = names_in(decoder, attrs, n, where)
    attrs.pop("feature_names_in_", None)
    cats, rare = [], []
    for j in range(n):
        c = strings(
            decoder.array(attrs.pop(f"categories_{j}", None), where),
            f"{where} categories_[{j}]",
        )
        if len(c) == 0 or list(c) != sorted(set(c)):
            raise Refused(f"{where}: categories_[{j}] must be sorted and unique")
        cats.append(c)
        r = attrs.pop(f"infrequent_{j}", None)
        rare.append(
            None if r is None else strings(decoder.array(r, where), f"{where} rare")
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
