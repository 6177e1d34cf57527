"""Export whole Pipelines to ONNX, serve them with onnxruntime, compare.

A ``StandardScaler`` + ``ScratchMLPClassifier`` on breast cancer and a
``StandardScaler`` + ``ScratchMLPRegressor`` on diabetes (both bundled with
scikit-learn) are trained on part of the data, converted by skl2onnx once
sknetscratch's converters are registered, written to ``.onnx`` files, loaded
back with onnxruntime, and their predictions on the held-out rows compared
with ``predict`` / ``predict_proba``.

Run: ``python examples/onnx_export.py`` (a few seconds; needs
``pip install "sknetscratch[onnx]"``).
"""

import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
import skl2onnx
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import (
    ScratchMLPClassifier,
    ScratchMLPRegressor,
    register_onnx_converters,
)


def export_and_load(pipe, X_sample, path, options=None):
    """skl2onnx.to_onnx -> file -> onnxruntime session."""
    onx = skl2onnx.to_onnx(pipe, X_sample, options=options)
    path.write_bytes(onx.SerializeToString())
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def main() -> float:
    """Print the comparison; return the largest difference and the hold-out R^2."""
    register_onnx_converters()  # once per process, before skl2onnx.to_onnx
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        X, y = load_breast_cancer(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
        clf = make_pipeline(
            StandardScaler(),
            ScratchMLPClassifier(solver="lbfgs", max_iter=200, random_state=0),
        ).fit(X_train, y_train)
        session = export_and_load(
            clf,
            X_test[:1],
            Path(tmp, "breast_cancer.onnx"),
            options={ScratchMLPClassifier: {"zipmap": False}},
        )
        label, proba = session.run(None, {"X": X_test})
        diff = float(np.abs(proba - clf.predict_proba(X_test)).max())
        worst = max(worst, diff)
        print("breast cancer: StandardScaler + ScratchMLPClassifier")
        print(f"  outputs: {[o.name for o in session.get_outputs()]}")
        print(f"  labels equal predict: {bool((label == clf.predict(X_test)).all())}")
        print(f"  max |probabilities - predict_proba|: {diff:.1e}")
        print(f"  hold-out accuracy (onnxruntime): {(label == y_test).mean():.3f}")

        X, y = load_diabetes(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
        # the target in units of its standard deviation (R^2 does not change), and
        # a strong L2 penalty: 331 noisy training rows overfit a network easily
        y_train, y_test = y_train / y_train.std(), y_test / y_train.std()
        reg = make_pipeline(
            StandardScaler(),
            ScratchMLPRegressor(
                hidden_layer_sizes=(16,),
                solver="lbfgs",
                alpha=30.0,
                max_iter=500,
                random_state=0,
            ),
        ).fit(X_train, y_train)
        session = export_and_load(reg, X_test[:1], Path(tmp, "diabetes.onnx"))
        (values,) = session.run(None, {"X": X_test})
        diff = float(np.abs(values.ravel() - reg.predict(X_test)).max())
        worst = max(worst, diff)
        print("diabetes: StandardScaler + ScratchMLPRegressor")
        print(f"  output shape: {values.shape}")
        print(f"  max |variable - predict|: {diff:.1e}")
        r2 = r2_score(y_test, values.ravel())
        print(f"  hold-out R^2 (onnxruntime): {r2:.3f} (a linear model: about 0.36)")
    return worst, r2


if __name__ == "__main__":
    main()
