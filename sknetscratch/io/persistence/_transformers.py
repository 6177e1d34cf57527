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

This module is the dispatch from a transformer's class to its family's module:
:mod:`._scaler`, :mod:`._imputer`, :mod:`._onehot`, :mod:`._column_transformer`
and :mod:`._chain` (a ``Pipeline`` of transformers), which share
:mod:`._steps`; the composite ones are given :func:`encode_transformer` and
:func:`decode_transformer` to handle what they hold. The
``TransformedTargetRegressor`` is in :mod:`._target`.
"""

from __future__ import annotations

from typing import Any

from ._chain import decode_chain, encode_chain
from ._column_transformer import decode_columns, encode_columns
from ._decode import Decoder
from ._encode import Encoder
from ._format import Refused
from ._imputer import decode_imputer, encode_imputer
from ._onehot import decode_onehot, encode_onehot
from ._scaler import decode_scaler, encode_scaler
from ._steps import is_transformer

__all__ = ["decode_transformer", "encode_transformer"]


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
        return encode_imputer(enc, est, where)
    if name == "OneHotEncoder":
        return encode_onehot(enc, est, where)
    if name == "ColumnTransformer":
        return encode_columns(enc, est, where, encode_transformer)
    return encode_chain(enc, est, where, encode_transformer)


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
        return decode_imputer(decoder, doc, where)
    if name == "OneHotEncoder":
        return decode_onehot(decoder, doc, where)
    if name == "ColumnTransformer":
        return decode_columns(decoder, doc, where, decode_transformer)
    if name == "Pipeline":
        return decode_chain(decoder, doc, where, decode_transformer)
    raise Refused(f"{where}: unknown transformer class {name!r}")
