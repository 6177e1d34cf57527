"""
Training control: schedules, validation loss, callbacks
=======================================================

Beyond scikit-learn's MLP: an explicit validation set (``X_val``, ``y_val``),
early stopping on the validation loss, a cosine learning-rate schedule with a
warm-up, Keras-style callbacks, and the per-epoch ``history_``.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknetscratch import CosineDecay, ReduceLROnPlateau, ScratchMLPClassifier

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
X_train, X_val, y_train, y_val = train_test_split(X, y, stratify=y, random_state=0)

runs = {
    "cosine schedule, val-loss early stopping": ScratchMLPClassifier(
        (64,),
        learning_rate=CosineDecay(0.01, decay_epochs=60, warmup_epochs=3),
        early_stopping=True,
        early_stopping_monitor="val_loss",
        n_iter_no_change=8,
        metrics=["balanced_accuracy"],
        max_iter=60,
        random_state=0,
    ),
    "ReduceLROnPlateau callback": ScratchMLPClassifier(
        (64,),
        learning_rate_init=0.01,
        callbacks=[ReduceLROnPlateau(monitor="val_loss", factor=0.3, patience=2)],
        max_iter=40,
        random_state=0,
    ),
}
for name, clf in runs.items():
    clf.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    h = clf.history_
    print(
        f"{name}: {clf.n_iter_} epochs, best validation loss "
        f"{min(clf.validation_loss_curve_):.4f}, validation accuracy "
        f"{clf.score(X_val, y_val):.4f}"
    )

# %%
# Loss curves and learning rates
# ------------------------------
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
for name, clf in runs.items():
    ax1.plot(clf.history_["loss"], label=f"{name}: training")
    ax1.plot(clf.history_["val_loss"], "--", label=f"{name}: validation")
    ax2.plot(clf.history_["learning_rate"], label=name)
ax1.set_xlabel("epoch")
ax1.set_ylabel("loss")
ax1.set_yscale("log")
ax1.legend(fontsize=7)
ax2.set_xlabel("epoch")
ax2.set_ylabel("learning rate")
ax2.legend(fontsize=7)
fig.tight_layout()
plt.show()
