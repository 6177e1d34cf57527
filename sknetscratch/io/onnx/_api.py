"""``to_onnx``: one call for an estimator, a Pipeline or a core ``Model``."""

from __future__ import annotations

import numpy as np

from ..host import host_array, host_copy
from ._graph import (
    DEFAULT_TARGET_OPSET,
    MIN_TARGET_OPSET,
    ProtoGraph,
    check_opset,
    import_optional,
)
from ._network import convert_network
from ._sklearn import float_tensor_type, register_onnx_converters


def _is_sknetscratch_model(obj) -> bool:
    from ...training.model import Model

    return isinstance(obj, Model)


def _input_dtype(X_sample, default: np.dtype) -> np.dtype:
    if X_sample is None:
        return default
    dtype = np.asarray(X_sample).dtype
    if dtype not in (np.float32, np.float64):
        raise TypeError(
            f"X_sample must hold float32 or float64 values; got dtype {dtype}."
        )
    return dtype


def _model_to_onnx(model, X_sample, target_opset, name):
    onnx = import_optional("onnx")
    if getattr(model, "dtype", None) is None:
        raise ValueError(
            "The model is not built: call model.build(...) or model.fit(...) "
            "before exporting it to ONNX."
        )
    dtype = np.dtype(model.dtype)
    in_dtype = _input_dtype(X_sample, dtype)
    n_features = getattr(model, "input_dim", None)
    if X_sample is not None:
        width = np.shape(X_sample)[1]
        if n_features is not None and width != n_features:
            raise ValueError(
                f"X_sample has {width} features, but the model takes {n_features}."
            )
        n_features = width
    g = ProtoGraph(dtype, target_opset, reserved=("X", "output"))
    x = "X" if in_dtype == dtype else g.cast("X", dtype)
    g.op("Identity", convert_network(g, model, x), output="output")

    def value_info(value_name, value_dtype, width):
        elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(value_dtype))
        return onnx.helper.make_tensor_value_info(value_name, elem, [None, width])

    n_out = None
    last = model.layers[-1]
    if hasattr(last, "units"):
        n_out = int(last.units)
    graph = onnx.helper.make_graph(
        g.nodes,
        name or getattr(model, "name", None) or "sknetscratch",
        [value_info("X", in_dtype, n_features)],
        [value_info("output", dtype, n_out)],
        initializer=g.initializers,
    )
    from ..._version import __version__

    onx = onnx.helper.make_model_gen_version(
        graph,
        opset_imports=[onnx.helper.make_opsetid("", g.opset)],
        producer_name="sknetscratch",
        producer_version=__version__,
    )
    onnx.checker.check_model(onx)
    return onx


def to_onnx(
    estimator_or_model,
    X_sample=None,
    *,
    target_opset: int | None = None,
    options: dict | None = None,
    name: str | None = None,
):
    """Convert a fitted estimator, a Pipeline or a built ``Model`` to ONNX.

    Estimators (``ScratchMLPClassifier``, ``ScratchMLPRegressor``) and anything
    skl2onnx converts (a ``Pipeline`` with a ``StandardScaler``, say) go through
    ``skl2onnx.to_onnx`` once sknetscratch's converters are registered
    (:func:`register_onnx_converters`). A core :class:`sknetscratch.Model`
    becomes a graph with one input ``X`` and one output ``output``, the
    values of ``model.predict``.

    Outputs of an estimator: ``label`` and ``probabilities`` (classifier;
    ``probabilities`` is a plain ``(N, n_classes)`` tensor here, as skl2onnx
    gives it with ``zipmap=False``), or ``variable`` of shape
    ``(N, n_outputs)`` (regressor). The batch dimension is dynamic.

    Parameters
    ----------
    estimator_or_model : estimator, Pipeline or sknetscratch.Model
        Fitted (or, for a ``Model``, built).
    X_sample : array-like of shape (n_samples, n_features), default=None
        A few rows (``X[:1]``) fixing the input's dtype and width. Required
        for anything other than a sknetscratch estimator or ``Model``; for
        those it defaults to the network's dtype (``model.dtype``) and width.
        A float64 input to a float32 network is cast, as ``predict`` does.
    target_opset : int, default=None
        Opset of the default ONNX domain, at least 13; None means 18. At most
        the newest opset of the installed ``onnx`` (a ``Model``) or the newest
        that the installed skl2onnx converts to (an estimator or Pipeline);
        anything else is a ValueError naming ``target_opset``, raised before
        any conversion.
    options : dict, default=None
        skl2onnx converter options (``{ScratchMLPClassifier: {"zipmap":
        True}}`` for skl2onnx's list of dicts, ``"nocl"``,
        ``"output_class_labels"``). sknetscratch's classifier defaults to
        ``{"zipmap": False}``. Not used for a ``Model``.
    name : str, default=None
        Name of the ONNX graph.

    Returns
    -------
    onnx_model : onnx.ModelProto
        Save it with ``onnx_model.SerializeToString()`` or ``onnx.save``.

    Raises
    ------
    ImportError
        Without the ``[onnx]`` extra (``pip install "sknetscratch[onnx]"``).
    ValueError
        For a layer, an activation or a target_opset the converters do not
        support (the message names it), or an X_sample that is not 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import load_iris
    >>> from sknetscratch import ScratchMLPClassifier, to_onnx
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = ScratchMLPClassifier(solver="lbfgs", max_iter=300, random_state=0)
    >>> clf = clf.fit(X, y)
    >>> onx = to_onnx(clf)
    >>> session = ort.InferenceSession(onx.SerializeToString(),
    ...                                providers=["CPUExecutionProvider"])
    >>> label, proba = session.run(None, {"X": X})
    >>> bool((label == clf.predict(X)).all())
    True
    >>> bool(np.allclose(proba, clf.predict_proba(X), rtol=1e-9, atol=1e-9))
    True
    """
    opset = check_opset(DEFAULT_TARGET_OPSET if target_opset is None else target_opset)
    # a network (or a sample) on a device: converted from host copies
    estimator_or_model, X_sample = host_copy(estimator_or_model), host_array(X_sample)
    if X_sample is not None and np.ndim(X_sample) != 2:
        raise ValueError(
            "X_sample must be 2-D, of shape (n_samples, n_features), like X[:1]; "
            f"got shape {np.shape(X_sample)}."
        )
    if _is_sknetscratch_model(estimator_or_model):
        return _model_to_onnx(estimator_or_model, X_sample, opset, name)

    from sklearn.base import BaseEstimator
    from sklearn.utils.validation import check_is_fitted

    from ...estimators.classifier import ScratchMLPClassifier
    from ...estimators.regressor import ScratchMLPRegressor

    if not isinstance(estimator_or_model, BaseEstimator):
        raise TypeError(
            "to_onnx converts a scikit-learn estimator or a sknetscratch.Model; "
            f"got {type(estimator_or_model).__name__}."
        )
    skl2onnx = import_optional("skl2onnx")
    newest = skl2onnx.get_latest_tested_opset_version()
    if opset > newest:  # skl2onnx's own error would be a RuntimeError
        raise ValueError(
            f"target_opset={opset} is newer than the installed skl2onnx converts "
            f"estimators to (opset {newest}); use target_opset between "
            f"{MIN_TARGET_OPSET} and {newest}, or None for {DEFAULT_TARGET_OPSET}. "
            "(A core Model is written by sknetscratch itself, up to the onnx "
            "package's newest opset.)"
        )
    register_onnx_converters()
    est = estimator_or_model
    initial_types = None
    if isinstance(est, (ScratchMLPClassifier, ScratchMLPRegressor)):
        check_is_fitted(est, "model_")
        dtype = _input_dtype(X_sample, np.dtype(est.model_.dtype))
        if X_sample is not None and np.shape(X_sample)[1] != est.n_features_in_:
            raise ValueError(
                f"X_sample has {np.shape(X_sample)[1]} features, but "
                f"{type(est).__name__} was fitted with {est.n_features_in_}."
            )
        tensor_type = float_tensor_type(dtype)
        initial_types = [("X", tensor_type([None, est.n_features_in_]))]
        X_sample = None
    elif X_sample is None:
        raise ValueError(
            f"to_onnx needs X_sample (a few rows, e.g. X[:1]) to convert a "
            f"{type(est).__name__}: it fixes the input's type and width."
        )
    options = dict(options or {})
    options[ScratchMLPClassifier] = {
        "zipmap": False,
        **options.get(ScratchMLPClassifier, {}),
    }
    return skl2onnx.to_onnx(
        est,
        X_sample,
        initial_types=initial_types,
        target_opset=opset,
        options=options,
        name=name,
    )
