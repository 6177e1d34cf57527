"""``TransformedTargetRegressor`` as a saved pipeline's last step: an
sknetscratch regressor and a ``StandardScaler`` of the target, no functions.
On load it is fitted with a constant regressor and then given its saved
regressor and target scaler."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._decode import Decoder
from ._encode import Encoder
from ._format import Refused, field, is_estimator
from ._scaler import decode_scaler, encode_scaler
from ._steps import count, is_fitted

__all__ = [
    "decode_target_regressor",
    "encode_target_regressor",
    "is_target_regressor",
]


def is_target_regressor(obj: Any) -> bool:
    """Whether ``obj`` is a ``TransformedTargetRegressor`` (not a subclass)."""
    from sklearn.compose import TransformedTargetRegressor

    return type(obj) is TransformedTargetRegressor


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
    if is_fitted(ttr):
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
    if is_fitted(regressor) or type(regressor).__name__ != "ScratchMLPRegressor":
        raise Refused(f"{where}: the regressor parameter must be an unfitted regressor")
    transformer = decode_scaler(decoder, field(doc, "transformer", dict, where), where)
    if is_fitted(transformer):
        raise Refused(f"{where}: the transformer parameter must be unfitted")
    fitted = doc.get("fitted")
    if fitted is None:
        return TransformedTargetRegressor(
            regressor=regressor, transformer=transformer, check_inverse=check_inverse
        )
    fitted = dict(field(doc, "fitted", dict, where))
    reg = decoder.estimator(field(fitted, "regressor_", dict, where))
    scaler = decode_scaler(decoder, field(fitted, "transformer_", dict, where), where)
    n = count(decoder.value(fitted.get("n_features_in_"), where), where)
    ndim = decoder.value(fitted.get("target_ndim"), where)
    if type(reg) is not type(regressor) or not is_fitted(reg) or not is_fitted(scaler):
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
