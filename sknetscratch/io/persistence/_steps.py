"""What the saved transformer families share: the classes a saved pipeline may
hold, whether a step is fitted and how many columns it gives, and the checks of
parameters, counts, strings and ``feature_names_in_`` used by their encoders
and decoders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._decode import Decoder
from ._encode import Encoder
from ._format import Refused

__all__ = [
    "TRANSFORMER_NAMES",
    "DecodeStep",
    "EncodeStep",
    "check_params",
    "count",
    "is_fitted",
    "is_nan",
    "is_transformer",
    "names_in",
    "names_out",
    "output_width",
    "strings",
]

#: The transformer classes a saved pipeline may hold.
TRANSFORMER_NAMES = (
    "StandardScaler",
    "SimpleImputer",
    "OneHotEncoder",
    "ColumnTransformer",
    "Pipeline",
)

#: ``encode_step(enc, est, where)``: the document of one transformer, which the
#: composite transformers (``ColumnTransformer``, ``Pipeline``) are given
EncodeStep = Callable[[Encoder, Any, str], dict]
#: ``decode_step(decoder, doc, where)``: the transformer of one document
DecodeStep = Callable[[Decoder, dict, str], Any]


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


def is_fitted(est: Any) -> bool:
    """Whether a step is fitted (it has ``n_features_in_``)."""
    return hasattr(est, "n_features_in_")


def output_width(est: Any) -> int | None:
    """How many columns a fitted step gives (None when unfitted)."""
    if not is_fitted(est):
        return None
    return len(est.get_feature_names_out())


def names_out(enc: Encoder, est: Any, where: str) -> dict:
    """``{"feature_names_in_": <array>}`` of a fitted step, ``{}`` without names."""
    names = getattr(est, "feature_names_in_", None)
    return {} if names is None else {"feature_names_in_": enc.array(names, where)}


def names_in(decoder: Decoder, attrs: dict, n: int, where: str) -> Any:
    """The saved ``feature_names_in_`` (``n`` strings), or None if not saved."""
    if "feature_names_in_" not in attrs:
        return None
    names = decoder.array(attrs["feature_names_in_"], f"{where} feature_names_in_")
    if not (names.dtype == object and names.shape == (n,)):
        raise Refused(f"{where}: feature_names_in_ must be {n} strings")
    return names


def count(value: Any, where: str, low: int = 1) -> int:
    """``value`` if it is an int of at least ``low``, else :class:`Refused`."""
    if type(value) is not int or value < low:
        raise Refused(f"{where} must be an int >= {low}")
    return value


def strings(arr: Any, where: str) -> np.ndarray:
    """``arr`` if it is a 1-d array of strings, else :class:`Refused`."""
    if not (isinstance(arr, np.ndarray) and arr.dtype == object and arr.ndim == 1):
        raise Refused(f"{where} must be a 1-d array of strings")
    return arr


def check_params(
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


def is_nan(v: Any) -> bool:
    """Whether ``v`` is a float NaN."""
    return type(v) is float and v != v
