"""
Saving and loading models safely
================================

:func:`sknetscratch.save` writes a fitted estimator, a core ``Model`` or a
``Pipeline`` of ``StandardScaler`` steps and one estimator to a NumPy ``.npz``
file with a JSON description. :func:`sknetscratch.load` reads it back without
unpickling anything, so a model file from someone else cannot run code on your
machine. ``joblib`` and ``pickle`` work too, as for any scikit-learn estimator,
with the usual warning: load a pickle only from a source you trust.
"""

import tempfile
import warnings
from pathlib import Path

import joblib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknetscratch
from sknetscratch import ScratchMLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # short fits here

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
pipe = make_pipeline(
    StandardScaler(), ScratchMLPClassifier(hidden_layer_sizes=(32,), random_state=0)
).fit(X_train, y_train)
proba = pipe.predict_proba(X_test)

# %%
# Save, load, compare
# -------------------
# Both round trips give back a pipeline that predicts bit for bit the same.
tmp = tempfile.TemporaryDirectory()
folder = Path(tmp.name)
sknetscratch.save(pipe, folder / "pipe.npz")
safe = sknetscratch.load(folder / "pipe.npz")
joblib.dump(pipe, folder / "pipe.joblib")
pickled = joblib.load(folder / "pipe.joblib")

for name, loaded in [("sknetscratch.load", safe), ("joblib.load", pickled)]:
    same = np.array_equal(loaded.predict_proba(X_test), proba)
    print(f"{name:18} {type(loaded).__name__}, identical predict_proba: {same}")
sizes = {p.suffix: p.stat().st_size for p in folder.iterdir()}
print(f"file sizes: .npz {sizes['.npz']:,} bytes, .joblib {sizes['.joblib']:,} bytes")

# %%
# A loaded estimator keeps training where the original stopped: with
# ``warm_start=True`` both continue identically.
for est in (pipe, safe):
    est.set_params(
        scratchmlpclassifier__warm_start=True, scratchmlpclassifier__max_iter=5
    )
    est.fit(X_train, y_train)
print(
    "after 5 more epochs, identical:",
    np.array_equal(safe.predict_proba(X_test), pipe.predict_proba(X_test)),
)

# %%
# What ``load`` refuses
# ---------------------
# A file that is not a model file gets a clear error, not a traceback from deep
# inside NumPy, and nothing in it is ever executed.
(folder / "not_a_model.npz").write_bytes(b"this is not a model")
try:
    sknetscratch.load(folder / "not_a_model.npz")
except (ValueError, TypeError) as error:
    print(f"{type(error).__name__}: {error}".replace(str(folder), "..."))

# %%
# The predicted probability of the benign class, before saving and after
# loading: every point lies on the diagonal.
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.plot([0, 1], [0, 1], color="0.8", linewidth=3, label="y = x")
ax.plot(
    proba[:, 1], safe.predict_proba(X_test)[:, 1], "o", ms=4, label="load(save(pipe))"
)
ax.set(
    xlabel="predict_proba before saving",
    ylabel="predict_proba after loading",
    title="A safe round trip",
)
ax.legend()
fig.tight_layout()
plt.show()
tmp.cleanup()
