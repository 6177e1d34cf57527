"""skl2onnx converters for ``ScratchMLPClassifier`` and ``ScratchMLPRegressor``.

:func:`register_onnx_converters` registers, for each estimator, a shape
calculator (the types and shapes of its outputs) and a converter (its nodes)
with ``skl2onnx.update_registered_converter``. The classifier declares the
options ``zipmap``, ``nocl`` and ``output_class_labels``, so skl2onnx gives it
its default classifier parser: outputs ``label`` and ``probabilities``, the
probabilities turned into a list of dicts by ``ZipMap`` unless
``zipmap=False``, exactly as for scikit-learn's own classifiers.

The outputs mirror the estimators' methods:

* binary (one sigmoid unit, logit :math:`z`): ``probabilities`` is
  :math:`[\\sigma(-z), \\sigma(z)]` and ``label`` is ``classes_[z > 0]``;
* one class (fitted on a single label): ``probabilities`` is the one column
  :math:`\\sigma(-z)` and ``label`` is that class, as ``predict_proba`` and
  ``predict`` give them;
* multiclass: the softmax of the logits, ``classes_[argmax z]``;
* multilabel: a sigmoid per column, and the int64 indicator ``z > 0``;
* regressor: ``variable`` of shape ``(N, n_outputs)``, the output activation
  (identity, or exp for ``loss='poisson'``) of the logits.
"""

from __future__ import annotations

import numpy as np

from ._graph import ContainerGraph, import_optional
from ._network import convert_activation, convert_network

CLASSIFIER_ALIAS = "SknetscratchScratchMLPClassifier"
REGRESSOR_ALIAS = "SknetscratchScratchMLPRegressor"


def _model_dtype(est) -> np.dtype:
    return np.dtype(est.model_.dtype)


def float_tensor_type(dtype):
    """skl2onnx's tensor type of a network's dtype.

    Parameters
    ----------
    dtype : numpy dtype
        The network's dtype.

    Returns
    -------
    type
        ``DoubleTensorType`` for float64, else ``FloatTensorType``.
    """
    data_types = import_optional("skl2onnx.common.data_types")
    if dtype == np.float64:
        return data_types.DoubleTensorType
    return data_types.FloatTensorType


def _classifier_task(est) -> str:
    """'single', 'binary', 'multiclass' or 'multilabel', from the fitted output layer."""
    if est.out_activation_ == "softmax":
        return "multiclass"
    if est.out_activation_ == "logistic":
        if est.n_outputs_ > 1:
            return "multilabel"
        return "single" if len(est.classes_) == 1 else "binary"
    raise ValueError(
        f"Cannot export a classifier with out_activation_={est.out_activation_!r}."
    )


def _label_classes(scope, est) -> np.ndarray:
    """The label values as ONNX stores them: int64 or str (option ``nocl``: indices)."""
    utils = import_optional("skl2onnx.common.utils_classifier")
    classes = np.asarray(utils.get_label_classes(scope, est))
    if classes.dtype.kind in "biu":
        return classes.astype(np.int64)
    if classes.dtype.kind == "f":
        if not np.array_equal(classes, np.round(classes)):
            raise ValueError(
                "ONNX class labels must be integers or strings; the classifier's "
                f"classes_ are non-integer floats: {classes}."
            )
        return classes.astype(np.int64)
    if classes.dtype.kind == "U" or all(isinstance(c, str) for c in classes.ravel()):
        return classes.astype(str)
    raise ValueError(
        "ONNX class labels must be integers or strings; got classes_ of dtype "
        f"{classes.dtype}: {classes}."
    )


def _check_input(operator, est) -> None:
    data_types = import_optional("skl2onnx.common.data_types")
    if len(operator.inputs) != 1:
        raise ValueError(
            f"{type(est).__name__} takes one input tensor; got {len(operator.inputs)}."
        )
    kind = operator.inputs[0].type
    allowed = (
        data_types.FloatTensorType,
        data_types.DoubleTensorType,
        data_types.Int64TensorType,
    )
    if not isinstance(kind, allowed):
        raise TypeError(
            f"{type(est).__name__} takes a float, double or int64 tensor; got {kind}."
        )
    shape = kind.shape
    if shape is not None and len(shape) == 2 and isinstance(shape[1], int):
        if shape[1] != est.n_features_in_:
            raise ValueError(
                f"The ONNX input has {shape[1]} features, but {type(est).__name__} "
                f"was fitted with {est.n_features_in_}."
            )


def calculate_classifier_output_shapes(operator) -> None:
    """Shape calculator: ``label`` (N,) or (N, n_labels), ``probabilities`` (N, n_classes)."""
    data_types = import_optional("skl2onnx.common.data_types")
    est = operator.raw_operator
    _check_input(operator, est)
    if len(operator.outputs) != 2:
        raise ValueError(
            f"{type(est).__name__} has two outputs (label, probabilities); the "
            f"parser declared {len(operator.outputs)}."
        )
    zipmap = operator.scope_inst.get_options(est, {"zipmap": True})["zipmap"]
    if zipmap is not False and _model_dtype(est) == np.float64:
        raise ValueError(
            "ONNX's ZipMap (skl2onnx's default option zipmap=True) takes float32 "
            "probabilities only, and this ScratchMLPClassifier computes in float64. "
            "Convert with options={ScratchMLPClassifier: {'zipmap': False}} "
            "(sknetscratch.to_onnx's default), or fit on float32 data."
        )
    n = operator.inputs[0].get_first_dimension()
    task = _classifier_task(est)
    if task == "multilabel":
        operator.outputs[0].type = data_types.Int64TensorType([n, est.n_outputs_])
    elif _label_classes(operator.scope_inst, est).dtype == np.int64:
        operator.outputs[0].type = data_types.Int64TensorType([n])
    else:
        operator.outputs[0].type = data_types.StringTensorType([n])
    proba_type = float_tensor_type(_model_dtype(est))
    operator.outputs[1].type = proba_type([n, len(est.classes_)])


def calculate_regressor_output_shapes(operator) -> None:
    """Shape calculator: ``variable`` of shape (N, n_outputs) in the model's dtype."""
    est = operator.raw_operator
    _check_input(operator, est)
    n = operator.inputs[0].get_first_dimension()
    value_type = float_tensor_type(_model_dtype(est))
    operator.outputs[0].type = value_type([n, est.n_outputs_])


def _network_input(g, operator) -> str:
    """The input, cast to the network's dtype where it differs (predict casts too)."""
    x = operator.inputs[0]
    if float_tensor_type(g.dtype) is type(x.type):
        return x.full_name
    return g.cast(x.full_name, g.dtype)


def convert_classifier(scope, operator, container) -> None:
    """skl2onnx converter of a fitted ``ScratchMLPClassifier``."""
    est = operator.raw_operator
    g = ContainerGraph(scope, container, _model_dtype(est))
    label_out, proba_out = (v.full_name for v in operator.outputs)
    z = convert_network(g, est.model_, _network_input(g, operator), logits=True)
    output_activation = est.model_.layers[-1].activation
    task = _classifier_task(est)
    if task == "binary":  # predict_proba: sigma([-z, z]), both columns accurate
        z2 = g.op("Concat", g.op("Neg", z), z, axis=1)
        proba = convert_activation(g, z2, output_activation)
    elif task == "single":  # one class: predict_proba is the one column sigma(-z)
        proba = convert_activation(g, g.op("Neg", z), output_activation)
    else:
        proba = convert_activation(g, z, output_activation)
    g.op("Identity", proba, output=proba_out)

    if task == "multilabel":  # (z > 0) as an int indicator matrix
        g.cast(g.op("Greater", z, g.scalar(0.0, "zero")), np.int64, output=label_out)
        return
    if task in ("binary", "single"):  # classes_[z > 0]; classes_[0] for one class
        # (z > z is false for every z, NaN too: index 0 on every row)
        threshold = z if task == "single" else g.scalar(0.0, "zero")
        positive = g.op("Greater", z, threshold)
        flat = g.op("Reshape", positive, g.const(np.array([-1], np.int64), "flat"))
        index = g.cast(flat, np.int64)
    else:  # classes_[argmax z]
        index = g.op("ArgMax", z, axis=1, keepdims=0)
    classes = g.const(_label_classes(scope, est), "classes")
    g.op("Gather", classes, index, axis=0, output=label_out)


def convert_regressor(scope, operator, container) -> None:
    """skl2onnx converter of a fitted ``ScratchMLPRegressor``."""
    est = operator.raw_operator
    g = ContainerGraph(scope, container, _model_dtype(est))
    y = convert_network(g, est.model_, _network_input(g, operator))
    g.op("Identity", y, output=operator.outputs[0].full_name)


def register_onnx_converters() -> None:
    """Register sknetscratch's estimators with skl2onnx.

    After this call ``skl2onnx.to_onnx`` (and ``convert_sklearn``) converts
    ``ScratchMLPClassifier`` and ``ScratchMLPRegressor``, alone or inside a
    ``Pipeline`` or another meta-estimator skl2onnx knows. Calling it again is
    harmless. :func:`sknetscratch.to_onnx` calls it for you.

    Raises
    ------
    ImportError
        If skl2onnx is not installed (``pip install "sknetscratch[onnx]"``).

    Examples
    --------
    >>> import skl2onnx
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknetscratch import ScratchMLPClassifier, register_onnx_converters
    >>> X, y = load_iris(return_X_y=True)
    >>> pipe = make_pipeline(StandardScaler(), ScratchMLPClassifier(
    ...     solver="lbfgs", max_iter=300, random_state=0)).fit(X, y)
    >>> register_onnx_converters()
    >>> onx = skl2onnx.to_onnx(
    ...     pipe, X[:1], options={ScratchMLPClassifier: {"zipmap": False}})
    >>> [o.name for o in onx.graph.output]
    ['label', 'probabilities']
    """
    skl2onnx = import_optional("skl2onnx")
    from ...estimators.classifier import ScratchMLPClassifier
    from ...estimators.regressor import ScratchMLPRegressor

    skl2onnx.update_registered_converter(
        ScratchMLPClassifier,
        CLASSIFIER_ALIAS,
        calculate_classifier_output_shapes,
        convert_classifier,
        options={
            "zipmap": [True, False, "columns"],
            "nocl": [True, False],
            "output_class_labels": [False, True],
        },
    )
    skl2onnx.update_registered_converter(
        ScratchMLPRegressor,
        REGRESSOR_ALIAS,
        calculate_regressor_output_shapes,
        convert_regressor,
    )
