"""
Cross-validating a Pipeline on breast cancer
============================================

The blog post's dataset, the scikit-learn way: a ``Pipeline`` that scales the
features and trains a :class:`~sknetscratch.ScratchMLPClassifier`, scored by
10-fold cross-validation. Because the scaler sits inside the pipeline, each
fold is scaled with the statistics of its own training rows only.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sknetscratch import ScratchMLPClassifier

X, y = load_breast_cancer(return_X_y=True)
pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        ("nn", ScratchMLPClassifier(hidden_layer_sizes=(32,), random_state=0)),
    ]
)

# %%
# ``cross_validate`` is ``cross_val_score`` with more to report: here the
# training accuracy of every fold next to its test accuracy. A classifier gets
# stratified folds, so each fold keeps the data's share of malignant tumours.
# A few folds reach ``max_iter=200`` epochs before the training loss settles
# (as scikit-learn's MLP does on the same folds); the warning says so, and it
# is silenced here to keep the output short.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    scores = cross_validate(pipe, X, y, cv=10, return_train_score=True)
test, train = scores["test_score"], scores["train_score"]
print(f"test accuracy:  {test.mean():.4f} +/- {test.std():.4f} over 10 folds")
print(f"train accuracy: {train.mean():.4f}")
print(f"fit time per fold: {scores['fit_time'].mean():.2f} s")

# %%
# Accuracy per fold
# -----------------
# The spread between folds (about one misclassified tumour in 57) is larger
# than the gap between training and test accuracy.
folds = np.arange(1, 11)
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.bar(folds - 0.2, train, width=0.4, label="train")
ax.bar(folds + 0.2, test, width=0.4, label="test")
ax.axhline(test.mean(), color="k", linestyle="--", linewidth=1, label="mean test")
ax.set(xlabel="fold", ylabel="accuracy", xticks=folds, ylim=(0.9, 1.005))
ax.set_title("Pipeline(StandardScaler, ScratchMLPClassifier), 10-fold CV")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()
