"""``ColumnTransformer`` steps of a saved Pipeline: their named transformers
(each a known transformer or a pipeline of them) and the columns each takes.
On load the ``ColumnTransformer`` is fitted on one synthetic row and then given
its saved, already rebuilt transformers.

The transformers inside are encoded and decoded by the dispatch functions of
:mod:`._transformers`, which it passes in (``encode_step`` and
``decode_step``), so that this module does not import it back."""

from __future__ import annotations

import warnings
from typing import Any

from ._decode import Decoder
from ._encode import Encoder
from ._format import Refused, field
from ._steps import (
    TRANSFORMER_NAMES,
    DecodeStep,
    EncodeStep,
    check_params,
    count,
    is_fitted,
    is_transformer,
    names_in,
    names_out,
    output_width,
)

__all__ = ["decode_columns", "encode_columns"]

_CT_PARAMS = {
    "transformers": lambda v: isinstance(v, list),
    "remainder": lambda v: v == "drop",
    "sparse_threshold": lambda v: v == 0,
    "n_jobs": lambda v: v is None,
    "transformer_weights": lambda v: v is None,
    "verbose": lambda v: type(v) is bool,
    "verbose_feature_names_out": lambda v: type(v) is bool,
}


def encode_columns(enc: Encoder, ct: Any, where: str, encode_step: EncodeStep) -> dict:
    """The document of a ``ColumnTransformer`` fitted on a DataFrame, or
    unfitted; each of its transformers is encoded by ``encode_step``."""
    check_params(ct, _CT_PARAMS, f"Cannot save {where}", TypeError)
    params = ct.get_params(deep=False)
    fitted = is_fitted(ct)
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
                "transformer": encode_step(enc, used[name] if fitted else est, w),
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
            **names_out(enc, ct, where),
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


def decode_columns(
    decoder: Decoder, doc: dict, where: str, decode_step: DecodeStep
) -> Any:
    """The ``ColumnTransformer`` of a document, checked and rebuilt; each of its
    transformers is decoded by ``decode_step``."""
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
        est = decode_step(decoder, field(item, "transformer", dict, w), w)
        if isinstance(est, ColumnTransformer):
            raise Refused(f"{w}: a ColumnTransformer inside a ColumnTransformer")
        items.append((name, est, columns))
    if len({name for name, _, _ in items}) != len(items):
        raise Refused(f"{where}: transformer names must be unique")
    unfitted = [(name, clone(est), list(cols)) for name, est, cols in items]
    ct = ColumnTransformer(unfitted, remainder="drop", sparse_threshold=0, **params)
    attrs = field(doc, "attributes", dict, where)
    fitted = [is_fitted(est) for _, est, _ in items]
    if not attrs:
        if any(fitted):
            raise Refused(f"{where}: unfitted, but holds fitted transformers")
        return ct
    if not all(fitted) or set(attrs) != {"n_features_in_", "feature_names_in_"}:
        raise Refused(f"{where}: a fitted ColumnTransformer needs fitted transformers")
    n = count(decoder.value(attrs["n_features_in_"], where), where)
    names = list(names_in(decoder, attrs, n, where))
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
