"""
The Keras-like core: Model, fit and History
===========================================

Under the estimators sits a small core that imports NumPy only and reads like
Keras: ``Model.add`` stacks layers, ``summary`` prints the table Keras prints,
``compile`` picks a fused loss and an optimizer, and ``fit`` trains with
mini-batches, optional ``validation_data`` and callbacks, returning a
``History`` of the per-epoch logs.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknetscratch import Adam, Callback, DenseBlock, Dropout, Model, check_gradients

X, y = load_breast_cancer(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(X, y, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

# %%
# Build and describe the network
# ------------------------------
# The input size is given once; each ``DenseBlock`` builds its kernel of shape
# ``(n_in, units)`` when the model is built.
model = Model(input_dim=30)
model.add(DenseBlock(64, "relu"))
model.add(Dropout(0.2))
model.add(DenseBlock(32, "relu"))
model.add(DenseBlock(1, "sigmoid"))
model.compile(loss="binary_crossentropy", optimizer=Adam(1e-3), alpha=1e-3)
model.summary()

# %%
# Check the gradients first
# -------------------------
# Backpropagation against central finite differences, array by array (the
# worst norm-wise relative error; about 1e-9 or less means correct).
worst = check_gradients(model, X_train[:20], y_train[:20])
print(f"worst relative gradient error: {worst:.1e}")


# %%
# A callback
# ----------
# Callbacks are objects with no-op hooks; this one records the norm of the
# first kernel after every epoch.
class KernelNorm(Callback):
    def on_train_begin(self, logs=None):
        self.norms = []

    def on_epoch_end(self, epoch, logs=None):
        self.norms.append(float(np.linalg.norm(self.model.layers[0].W)))


norms = KernelNorm()
history = model.fit(
    X_train,
    y_train,
    batch_size=32,
    epochs=60,
    validation_data=(X_val, y_val),
    callbacks=[norms],
    random_state=0,
)
print("logged per epoch:", sorted(history.history))
print(
    f"final loss {history.history['loss'][-1]:.4f}, "
    f"validation loss {history.history['val_loss'][-1]:.4f}"
)
accuracy = np.mean((model.predict(X_val)[:, 0] >= 0.5) == y_val)
print(f"validation accuracy: {accuracy:.4f}")

# %%
# The History
# -----------
# ``history.history`` maps each logged quantity to one value per epoch.
epochs = np.arange(1, len(history.history["loss"]) + 1)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.plot(epochs, history.history["loss"], label="loss")
left.plot(epochs, history.history["val_loss"], label="val_loss")
left.set(xlabel="epoch", ylabel="binary cross-entropy", yscale="log", title="History")
left.legend()
right.plot(epochs, norms.norms)
right.set(xlabel="epoch", ylabel="||W1||", title="KernelNorm callback")
fig.tight_layout()
plt.show()
