"""The classifier's targets: class labels in, encoded 0/1 targets out, and back.

Binary labels become one 0/1 column (a sigmoid output), multiclass labels
one-hot rows (a softmax output) and multilabel indicator matrices stay 0/1
columns, all as uint8; ``class_weight`` multiplies into ``sample_weight``. The
output layer, the loss (scikit-learn's log-loss values, :mod:`._losses`) and
the early-stopping score (accuracy) follow from the kind of labels.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d, validate_data

from ..backend import device, namespace, to_host
from ._arrays import float_dtypes
from ._losses import SklearnBinaryLogLoss, SklearnLogLoss


class LabelEncoding:
    """Mixin of :class:`ScratchMLPClassifier`: its labels (``classes_``) and
    what follows from them."""

    def _weight_samples(self, Y, sample_weight, incremental):
        """``sample_weight`` times the weight of each sample's class."""
        if self.class_weight is None:
            return sample_weight
        if incremental and self.class_weight == "balanced":
            raise ValueError(
                "class_weight 'balanced' is not supported for partial_fit: the "
                "class frequencies over all calls are unknown. Pass a dict "
                "{class_label: weight} (for example computed with "
                "sklearn.utils.class_weight.compute_class_weight on all labels)."
            )
        if self._y_type == "multilabel-indicator":
            if self.class_weight != "balanced":
                raise ValueError(
                    "class_weight must be None or 'balanced' for multilabel targets; "
                    f"got {self.class_weight!r}."
                )
            labels = Y
        else:
            if isinstance(self.class_weight, dict):
                self._check_class_weight(self.class_weight)
            labels = self.classes_[Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0]]
        weights = compute_sample_weight(self.class_weight, labels)
        return weights if sample_weight is None else weights * sample_weight

    def _check_class_weight(self, class_weight: dict) -> None:
        """Every weight a finite number >= 0, every key one of ``classes_``.

        A key matches a class as scikit-learn's ``compute_class_weight`` matches
        them: the class as an int where it is one (``1`` and ``1.0``), else as
        a str. scikit-learn accepts a key that is no class when every class has
        a weight; here it is refused: it is a typo or a label of other data.
        """
        keys = set()
        for c in self.classes_:
            try:
                keys.add(int(c))
            except (TypeError, ValueError):
                keys.add(str(c))
        unknown = [k for k in class_weight if k not in keys]
        if unknown:
            raise ValueError(
                f"class_weight has the label(s) {unknown!r}, which are not classes "
                f"of y; the classes are {self.classes_.tolist()!r}."
            )
        for k, w in class_weight.items():
            number = isinstance(w, Real) and not isinstance(w, (bool, np.bool_))
            if not number or not (math.isfinite(w) and w >= 0):
                raise ValueError(
                    f"class_weight[{k!r}] must be a finite number >= 0; got {w!r}. "
                    "Class weights multiply the sample weights, which must be "
                    "non-negative."
                )

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=float_dtypes(X),
            reset=reset,
        )
        y = to_host(y)  # labels are encoded on the host; the network moves them
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if (
            incremental
            and hasattr(self, "model_")
            and self._y_type in ("binary", "multiclass")
            and y.ndim == 1
            and y.dtype.kind in "biu"
        ):
            # a later partial_fit call: every label must be one of classes_,
            # which the first call validated (checked below); scikit-learn's
            # target check would only say so less precisely, and more slowly
            y_type = "multiclass"
        else:
            check_classification_targets(y)
            # that check passes 1-D labels only as binary or multiclass, and only
            # "is it a multilabel indicator" matters below: type a 2-D y alone
            y_type = "multiclass" if y.ndim == 1 else type_of_target(y)
        if y_type not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                "Multioutput target data is not supported with label binarization"
            )
        if not hasattr(self, "classes_") or not (self.warm_start or incremental):
            self._set_classes(y, y_type)
        if self._y_type == "multilabel-indicator":
            if y_type != "multilabel-indicator" or y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y must be a multilabel indicator matrix with {len(self.classes_)} "
                    "columns, as in the first fit."
                )
            return X, np.asarray(y, dtype=np.uint8)
        if y_type == "multilabel-indicator":
            raise ValueError(
                "y is a multilabel indicator matrix, but the classifier was fitted "
                f"on {self._y_type} class labels; refit with warm_start=False."
            )
        classes = np.unique(y)
        unseen = classes[~np.isin(classes, self.classes_, assume_unique=True)]
        if self.warm_start and not incremental and set(classes) != set(self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
            )
        if len(unseen):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{self.classes_}. 'y' has {classes}."
            )
        return X, self._encode(y)

    def _set_classes(self, y, y_type, classes=None):
        if y_type == "multilabel-indicator":
            self.classes_ = np.arange(y.shape[1])
        else:
            # one class is allowed, as in scikit-learn: the network then learns
            # a sigmoid output near 0 and predicts that class
            self.classes_ = np.unique(y if classes is None else classes)
        self._y_type = (
            "multilabel-indicator"
            if y_type == "multilabel-indicator"
            else ("binary" if len(self.classes_) <= 2 else "multiclass")
        )

    def _outputs_by_hand(self, width):
        """The number of outputs of a network set by hand (``coefs_``), whose
        last kernel has ``width`` columns: one for binary labels, one per class
        otherwise. With ``classes_`` set by hand too, what they are follows from
        ``width`` (and ``out_activation_``, if set)."""
        if not hasattr(self, "classes_"):
            raise NotFittedError(
                "coefs_ and intercepts_ were set by hand, but a classifier needs its "
                "classes too: call partial_fit(X, y, classes=...) (or fit with "
                "warm_start=True), or set classes_."
            )
        if not hasattr(self, "_y_type"):  # classes_ set by hand
            n_classes, out = len(self.classes_), getattr(self, "out_activation_", None)
            if width == 1 and n_classes <= 2:
                y_type = "binary"
            elif width == n_classes and (out == "logistic" or n_classes == 2):
                y_type = "multilabel-indicator"
            elif width == n_classes and out in (None, "softmax"):
                y_type = "multiclass"
            else:
                raise ValueError(
                    f"coefs_[-1] has {width} output columns, but classes_ has "
                    f"{n_classes} classes: binary labels need 1 column (logistic "
                    "output), multiclass and multilabel ones a column per class."
                )
            self._y_type = y_type
        return 1 if self._y_type == "binary" else len(self.classes_)

    def _encode(self, y):
        """Labels -> 0/1 column (binary) or one-hot rows (multiclass), as uint8.

        One byte per entry: a one-hot float64 target of 200,000 x 10 would take
        16 MB; the losses compute with uint8 targets in the model's dtype.
        """
        idx = np.searchsorted(self.classes_, y)
        if self._y_type == "binary":
            return (idx == 1).astype(np.uint8).reshape(-1, 1)
        return np.eye(len(self.classes_), dtype=np.uint8)[idx]

    def _targets(self, Y):
        """Encoded targets -> labels as the user gives them (for scorers)."""
        if self._y_type == "multilabel-indicator":
            return Y.astype(int)
        if self._y_type == "binary":
            return self.classes_[np.minimum(Y[:, 0], len(self.classes_) - 1)]
        return self.classes_[Y.argmax(axis=1)]

    def _decode(self, Z):
        """Logits -> labels: z > 0 (p > 1/2) for sigmoid outputs, argmax for softmax.

        Logits of another namespace give labels there, on their device (on
        the host for labels that are no numbers)."""
        xp = namespace(Z)
        if xp is not np:
            return self._decode_array_api(xp, Z)
        if self._y_type == "multilabel-indicator":
            return (Z > 0).astype(int)
        if self._y_type == "binary":
            if len(self.classes_) == 1:
                return np.repeat(self.classes_, Z.shape[0])
            return self.classes_[(Z[:, 0] > 0).astype(int)]
        return self.classes_[Z.argmax(axis=1)]

    def _decode_array_api(self, xp, Z):
        """:meth:`_decode` for logits of another Array API namespace."""
        if self._y_type == "multilabel-indicator":
            return xp.astype(Z > 0, xp.int64)
        if self._y_type == "binary" and len(self.classes_) == 1:
            idx = xp.zeros(Z.shape[0], dtype=xp.int64, device=device(Z))
        elif self._y_type == "binary":
            idx = xp.astype(Z[:, 0] > 0, xp.int64)
        else:
            idx = xp.argmax(Z, axis=1)
        if self.classes_.dtype.kind not in "biuf":  # strings: on the host
            return self.classes_[to_host(idx)]
        classes = xp.asarray(self.classes_, device=device(Z))
        return xp.take(classes, idx, axis=0)

    def _loss(self):
        if self._output()[1] == "categorical_crossentropy":
            return SklearnLogLoss()
        return SklearnBinaryLogLoss()

    def _output(self):
        if getattr(self, "_y_type", "binary") == "multiclass":
            return "softmax", "categorical_crossentropy"
        return "logistic", "binary_crossentropy"

    def _validation_score(self, model, X, Y, sample_weight):
        Z = to_host(model.predict_logits(X))  # scored on the host
        if not np.isfinite(Z).all():
            return np.nan
        if self._y_type == "multiclass":
            pred, true = Z.argmax(axis=1), Y.argmax(axis=1)
        else:
            pred, true = (Z > 0).astype(int), Y.astype(int)
            if self._y_type == "binary":
                pred, true = pred[:, 0], true[:, 0]
        return accuracy_score(true, pred, sample_weight=sample_weight)
