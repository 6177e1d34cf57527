"""Pipelines in the safe format: preprocessing steps, then one estimator.

A scikit-learn :class:`~sklearn.pipeline.Pipeline` such as
``Pipeline([("scale", StandardScaler()), ("net", ScratchMLPClassifier())])`` is
saved as a document of content type ``"pipeline"``::

    {"type": "pipeline",
     "params": {"verbose": false},
     "steps": [{"name": "scale", "class": "StandardScaler",
                "params": {...}, "attributes": {...}},
               {"name": "net", "estimator": {<an estimator's content>}}],
     "metadata": {"target": "y", ...}}

The last step is one of the allow-listed estimators, encoded exactly as a
stand-alone estimator, or a ``TransformedTargetRegressor`` of a
``ScratchMLPRegressor`` and a ``StandardScaler`` of the target. Every step
before it is a transformer: a ``StandardScaler`` with its three parameters
(``copy``, ``with_mean``, ``with_std``) and only the fitted attributes
``mean_``, ``var_``, ``scale_``, ``n_samples_seen_``, ``n_features_in_`` and
``feature_names_in_``, each checked for type, shape and finiteness on load; or
a ``SimpleImputer``, ``OneHotEncoder`` or ``ColumnTransformer`` (whose
transformers may be pipelines of those), saved by their public parameters and
fitted attributes and rebuilt on load by scikit-learn itself from synthetic
rows, then compared with the file (see :mod:`._transformers`). ``memory`` and
``transform_input`` must be None.

``metadata`` is an optional flat JSON object of plain values (str, finite
numbers, bool, None, or lists of str and numbers) kept beside the pipeline, for
example the column names that the command line trained on; see
:func:`save_pipeline` and :func:`load_pipeline`.
"""

from __future__ import annotations

import math
import os
import sys
from typing import TYPE_CHECKING, Any

from ..host import host_copy
from ._chain import check_chain
from ._decode import Decoder
from ._document import document, load_document, write_document
from ._encode import Encoder
from ._format import ESTIMATOR_NAMES, Refused, field, is_estimator
from ._steps import is_transformer
from ._target import (
    decode_target_regressor,
    encode_target_regressor,
    is_target_regressor,
)
from ._transformers import decode_transformer, encode_transformer

if TYPE_CHECKING:  # scikit-learn is imported only when a pipeline is saved or loaded
    from sklearn.pipeline import Pipeline

__all__ = [
    "decode_pipeline",
    "encode_pipeline",
    "is_pipeline",
    "load_pipeline",
    "save_pipeline",
]

_PIPELINE_PARAMS = frozenset(["steps", "memory", "transform_input", "verbose"])

Metadata = dict[str, Any]


# ---------------------------------------------------------------------- saving
def _check_metadata(metadata: Any, where: str, error: type[Exception]) -> Metadata:
    """A flat dict of plain JSON values (or lists of str and numbers)."""

    def plain(v: Any) -> bool:
        if v is None or type(v) in (bool, str, int):
            return True
        return type(v) is float and math.isfinite(v)

    if not isinstance(metadata, dict):
        raise error(f"{where} must be a dict; got {type(metadata).__name__}")
    for key, val in metadata.items():
        if not isinstance(key, str):
            raise error(f"{where} keys must be str; got {key!r}")
        ok = plain(val) or (
            type(val) is list
            and all(plain(v) and v is not None and type(v) is not bool for v in val)
        )
        if not ok:
            raise error(
                f"{where}[{key!r}] must be None, a bool, a str, a finite number or a "
                f"list of str and numbers; got {val!r}"
            )
    return dict(metadata)


def is_pipeline(obj: Any) -> bool:
    """Whether ``obj`` is a :class:`sklearn.pipeline.Pipeline` (not a subclass).

    Imports nothing: a Pipeline exists only once :mod:`sklearn.pipeline` is
    imported, so saving a core Model does not import scikit-learn.

    Parameters
    ----------
    obj : object

    Returns
    -------
    bool
    """
    module = sys.modules.get("sklearn.pipeline")
    return module is not None and type(obj) is getattr(module, "Pipeline", None)


def encode_pipeline(pipe: Pipeline, metadata: Metadata | None = None) -> tuple:
    """``(document, arrays)`` of a pipeline, for :func:`save` and :func:`save_pipeline`.

    Parameters
    ----------
    pipe : sklearn.pipeline.Pipeline
        StandardScaler steps, then an allow-listed estimator.
    metadata : dict, default=None
        Plain values kept beside the pipeline.

    Returns
    -------
    document : dict
        The JSON document.
    arrays : dict of str to ndarray
        The arrays it refers to.

    Raises
    ------
    TypeError
        If a step, parameter, attribute or metadata value cannot be saved.
    """
    from sklearn.pipeline import Pipeline

    if type(pipe) is not Pipeline:
        raise TypeError(
            f"Cannot save a {type(pipe).__name__}: only sklearn.pipeline.Pipeline "
            "itself can be saved."
        )
    params = pipe.get_params(deep=False)
    if (set(params) | set(vars(pipe))) - _PIPELINE_PARAMS:
        raise TypeError(
            "Cannot save the Pipeline: it has parameters or attributes "
            f"{sorted(set(params) | set(vars(pipe)))} beyond {sorted(_PIPELINE_PARAMS)}."
        )
    if params.get("memory") is not None or params.get("transform_input") is not None:
        raise TypeError(
            "Cannot save the Pipeline: memory and transform_input must be None."
        )
    steps = params["steps"]
    if not isinstance(steps, list) or not steps:
        raise TypeError("Cannot save the Pipeline: it has no steps.")
    enc = Encoder()
    docs = []
    for i, step in enumerate(steps):
        name, est = step
        where = f"Pipeline step {i} ({name!r})"
        if not isinstance(name, str):
            raise TypeError(f"Cannot save {where}: step names must be str.")
        last = i == len(steps) - 1
        if last and is_estimator(est):
            # (a network on a device is saved from a copy on the host)
            docs.append({"name": name, "estimator": enc.estimator(host_copy(est))})
        elif last and is_target_regressor(est):
            doc = encode_target_regressor(enc, est, where)
            docs.append({"name": name, "target_regressor": doc})
        elif not last and is_transformer(est):
            docs.append({"name": name, **encode_transformer(enc, est, where)})
        else:
            raise TypeError(
                f"Cannot save {where}: a saved Pipeline is transformer steps "
                "(StandardScaler, SimpleImputer, OneHotEncoder, ColumnTransformer) "
                f"followed by one of {sorted(ESTIMATOR_NAMES)} or a "
                f"TransformedTargetRegressor; got {type(est).__name__}."
            )
    content = {
        "type": "pipeline",
        "params": {"verbose": enc.value(bool(params["verbose"]), "Pipeline verbose")},
        "steps": docs,
        "metadata": (
            {} if metadata is None else _check_metadata(metadata, "metadata", TypeError)
        ),
    }
    return document(content), enc.arrays


def save_pipeline(
    pipe: Pipeline,
    path: str | os.PathLike[str],
    metadata: Metadata | None = None,
) -> None:
    """Save a Pipeline (StandardScaler steps, then an estimator) and its metadata.

    ``sknetscratch.save(pipe, path)`` is ``save_pipeline(pipe, path)``.

    Parameters
    ----------
    pipe : sklearn.pipeline.Pipeline
        StandardScaler steps followed by a ScratchMLPClassifier or
        ScratchMLPRegressor, fitted or not.
    path : str or os.PathLike
        Destination file, written atomically.
    metadata : dict, default=None
        Flat dict of plain values (str, finite numbers, bool, None, lists of str
        and numbers) stored beside the pipeline.

    Raises
    ------
    TypeError
        If a step, parameter, attribute or metadata value cannot be saved.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknetscratch import ScratchMLPRegressor
    >>> from sknetscratch.io.persistence import load_pipeline, save_pipeline
    >>> net = ScratchMLPRegressor(hidden_layer_sizes=(3,), solver="lbfgs")
    >>> pipe = Pipeline([("scale", StandardScaler()), ("net", net)])
    >>> pipe = pipe.fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
    >>> path = os.path.join(tempfile.mkdtemp(), "pipe.npz")
    >>> save_pipeline(pipe, path, metadata={"target": "y", "features": ["x"]})
    >>> loaded, metadata = load_pipeline(path)
    >>> metadata["features"], bool(loaded.predict([[1.5]]) == pipe.predict([[1.5]]))
    (['x'], True)
    """
    write_document(*encode_pipeline(pipe, metadata), path, "the Pipeline")


# ---------------------------------------------------------------------- loading
def decode_pipeline(decoder: Decoder, content: dict) -> tuple[Pipeline, Metadata]:
    """Rebuild a pipeline and its metadata, for :func:`load` and :func:`load_pipeline`.

    Parameters
    ----------
    decoder : Decoder
        Over the file's arrays.
    content : dict
        The document's content, of type ``"pipeline"``.

    Returns
    -------
    pipe : sklearn.pipeline.Pipeline
    metadata : dict

    Raises
    ------
    Refused
        If a step, parameter or attribute is not allowed or inconsistent.
    """
    from sklearn.pipeline import Pipeline

    params = field(content, "params", dict, "the pipeline")
    if set(params) - {"verbose"}:
        raise Refused(f"unknown Pipeline parameters {sorted(set(params))}")
    verbose = decoder.value(
        field(params, "verbose", dict, "the pipeline"), "Pipeline verbose", nested=False
    )
    if type(verbose) is not bool:
        raise Refused("Pipeline verbose must be a bool")
    step_docs = field(content, "steps", list, "the pipeline")
    if not step_docs:
        raise Refused("the pipeline has no steps")
    steps = []
    for i, step in enumerate(step_docs):
        where = f"pipeline step {i}"
        name = field(step, "name", str, where)
        if i == len(step_docs) - 1:
            if "target_regressor" in step:
                doc = field(step, "target_regressor", dict, where)
                est = decode_target_regressor(decoder, doc, f"{where} ({name!r})")
            else:
                est = decoder.estimator(field(step, "estimator", dict, where))
        elif step.get("class") in (
            "StandardScaler",
            "SimpleImputer",
            "OneHotEncoder",
            "ColumnTransformer",
        ):
            est = decode_transformer(decoder, step, f"{where} ({name!r})")
        else:
            raise Refused(
                f"{where}: only StandardScaler, SimpleImputer, OneHotEncoder and "
                "ColumnTransformer steps may come before the estimator"
            )
        steps.append((name, est))
    if len({name for name, _ in steps}) != len(steps):
        raise Refused("pipeline step names must be unique")
    check_chain(steps, "pipeline")
    metadata = _check_metadata(content.get("metadata", {}), "metadata", Refused)
    return Pipeline(steps, verbose=verbose), metadata


def load_pipeline(path: str | os.PathLike[str]) -> tuple[Pipeline, Metadata]:
    """Load a Pipeline written by :func:`save_pipeline`, and its metadata.

    The checks are those of :func:`sknetscratch.load` (which returns the same
    pipeline without the metadata).

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_pipeline` or ``sknetscratch.save``.

    Returns
    -------
    pipe : sklearn.pipeline.Pipeline
    metadata : dict
        The metadata saved with it (empty if none).

    Raises
    ------
    ValueError
        If the file is refused by :func:`sknetscratch.load`, or holds something
        other than a pipeline. The message names the file.
    FileNotFoundError
        If ``path`` does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknetscratch import ScratchMLPClassifier
    >>> from sknetscratch.io.persistence import load_pipeline, save_pipeline
    >>> pipe = make_pipeline(StandardScaler(), ScratchMLPClassifier((2,)))
    >>> path = os.path.join(tempfile.mkdtemp(), "unfitted.npz")
    >>> save_pipeline(pipe, path, {"note": "not trained yet"})
    >>> loaded, metadata = load_pipeline(path)
    >>> [name for name, _ in loaded.steps], metadata
    (['standardscaler', 'scratchmlpclassifier'], {'note': 'not trained yet'})
    """

    def decode(decoder, content):
        kind = content.get("type")
        if kind != "pipeline":
            what = {"estimator": "a single estimator", "model": "a core Model"}
            raise Refused(f"it holds {what.get(kind, repr(kind))}, not a pipeline")
        return decode_pipeline(decoder, content)

    return load_document(path, decode)
