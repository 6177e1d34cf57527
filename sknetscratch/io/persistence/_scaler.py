"""``StandardScaler`` steps of a saved Pipeline: their three parameters and their
fitted attributes, each checked for type, shape and finiteness on load."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._decode import Decoder
from ._encode import Encoder
from ._format import Refused, field

if TYPE_CHECKING:  # scikit-learn is imported only when a pipeline is saved or loaded
    from sklearn.preprocessing import StandardScaler

__all__ = ["decode_scaler", "encode_scaler"]

_SCALER_PARAMS = frozenset(["copy", "with_mean", "with_std"])
_SCALER_ATTRIBUTES = frozenset(
    [
        "mean_",
        "var_",
        "scale_",
        "n_samples_seen_",
        "n_features_in_",
        "feature_names_in_",
    ]
)


def encode_scaler(enc: Encoder, scaler: StandardScaler, where: str) -> dict:
    """The document of a StandardScaler step (its arrays go to ``enc.arrays``).

    Parameters
    ----------
    enc : Encoder
        Collects the arrays.
    scaler : sklearn.preprocessing.StandardScaler
        Fitted or not.
    where : str
        The step, for the message.

    Returns
    -------
    dict
        Its class, parameters and fitted attributes, encoded.

    Raises
    ------
    TypeError
        If a parameter is not a bool, or the scaler has attributes the format
        does not know.
    """
    params = scaler.get_params(deep=False)
    if set(params) != _SCALER_PARAMS or not all(
        type(v) is bool for v in params.values()
    ):
        raise TypeError(
            f"Cannot save {where}: StandardScaler parameters must be the bools "
            f"{sorted(_SCALER_PARAMS)}; got {params!r}."
        )
    attributes = {k: v for k, v in vars(scaler).items() if k not in params}
    extra = sorted(set(attributes) - _SCALER_ATTRIBUTES)
    if extra:
        raise TypeError(
            f"Cannot save {where}: it has attributes {extra} that the file format "
            "does not know; they would be lost."
        )
    return {
        "class": "StandardScaler",
        "params": {
            k: enc.value(v, f"{where} parameter {k!r}") for k, v in params.items()
        },
        "attributes": {
            k: enc.value(v, f"{where} attribute {k!r}") for k, v in attributes.items()
        },
    }


def _float_vector(
    value: Any, n: int, where: str, required: bool, positive: bool = False
) -> None:
    if value is None and not required:
        return
    if not (
        isinstance(value, np.ndarray)
        and value.dtype.kind == "f"
        and value.shape == (n,)
        and np.isfinite(value).all()
    ):
        shape = f"a finite float array of shape ({n},)"
        raise Refused(f"{where} must be {'None or ' * (not required)}{shape}")
    if positive and not (value > 0).all():
        raise Refused(f"{where} must be positive")


def decode_scaler(decoder: Decoder, doc: dict, where: str) -> StandardScaler:
    """The StandardScaler of a step's document, every attribute checked.

    Parameters
    ----------
    decoder : Decoder
        Over the file's arrays.
    doc : dict
        The step's document.
    where : str
        The step, for the message.

    Returns
    -------
    sklearn.preprocessing.StandardScaler

    Raises
    ------
    Refused
        If a parameter or attribute is unknown, of the wrong type or shape, or
        not finite.
    """
    from sklearn.preprocessing import StandardScaler

    params = {}
    for key, val in field(doc, "params", dict, where).items():
        if key not in _SCALER_PARAMS:
            raise Refused(f"{where}: unknown StandardScaler parameter {key!r}")
        params[key] = decoder.value(val, f"{where} parameter {key!r}", nested=False)
        if type(params[key]) is not bool:
            raise Refused(f"{where}: StandardScaler {key!r} must be a bool")
    scaler = StandardScaler(**params)
    attributes = {}
    for key, val in field(doc, "attributes", dict, where).items():
        if key not in _SCALER_ATTRIBUTES:
            raise Refused(f"{where}: StandardScaler attribute {key!r} is not allowed")
        attributes[key] = decoder.value(val, f"{where} attribute {key!r}")
    if attributes:  # fitted: check every attribute against n_features_in_
        n = attributes.get("n_features_in_")
        if type(n) is not int or n < 1:
            raise Refused(f"{where}: n_features_in_ must be a positive int")
        for key in ("mean_", "var_", "scale_"):
            if key not in attributes:
                raise Refused(f"{where}: a fitted StandardScaler needs {key}")
        # as StandardScaler.fit sets them: mean_ is None only when neither
        # centring nor scaling, var_ and scale_ only when not scaling
        with_mean, with_std = scaler.with_mean, scaler.with_std
        _float_vector(attributes["mean_"], n, f"{where}: mean_", with_mean or with_std)
        _float_vector(attributes["var_"], n, f"{where}: var_", with_std)
        _float_vector(
            attributes["scale_"], n, f"{where}: scale_", with_std, positive=True
        )
        seen = np.asarray(attributes.get("n_samples_seen_"))  # a scalar or per column
        if not (
            seen.dtype.kind in "iuf"
            and seen.shape in ((), (n,))
            and np.isfinite(seen).all()
            and (seen >= 0).all()
        ):
            raise Refused(f"{where}: n_samples_seen_ must be a count")
        names = attributes.get("feature_names_in_")
        if names is not None and not (
            isinstance(names, np.ndarray)
            and names.dtype == object
            and names.shape == (n,)
        ):
            raise Refused(f"{where}: feature_names_in_ must be {n} strings")
        for key, val in attributes.items():
            setattr(scaler, key, val)
    return scaler
