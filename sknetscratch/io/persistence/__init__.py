"""Safe persistence: :func:`save` and :func:`load` without pickle.

A saved file is one ``.npz`` archive written with :func:`numpy.savez`: every
array (weights, optimizer moments, ``classes_``, ...) is an ordinary ``.npy``
member, and one extra ``uint8`` member holds a UTF-8 JSON document that
describes everything else (classes, hyperparameters, scalars, which array goes
where). Loading reads each member with ``numpy.lib.format.read_array(...,
allow_pickle=False)``, after the zip directory, every member's ``.npy`` header
and the JSON document have been checked, and rebuilds objects only from fixed
allow-lists:

* estimators: :class:`~sknetscratch.ScratchMLPClassifier` and
  :class:`~sknetscratch.ScratchMLPRegressor`, alone or as the last step of a
  :class:`~sklearn.pipeline.Pipeline` after ``StandardScaler`` steps
  (:func:`save_pipeline` and :func:`load_pipeline` also keep a dict of plain
  metadata beside the pipeline, such as the column names);
* layers: :class:`~sknetscratch.DenseBlock`, :class:`~sknetscratch.Dropout`,
  :class:`~sknetscratch.Activation`, :class:`~sknetscratch.BatchNormalization`
  and :class:`~sknetscratch.LayerNormalization` (with their non-trainable
  state, whose values are checked: a batch norm's moving statistics finite,
  its variances non-negative);
* activations, losses and optimizers by their registry names
  (:data:`~sknetscratch.nn.activations.ACTIVATIONS`,
  :data:`~sknetscratch.nn.losses.LOSSES`,
  :data:`~sknetscratch.optim.OPTIMIZERS`), with plain numbers and arrays
  as their settings and state.

Nothing in a file can name a Python callable, so loading an untrusted file
cannot execute code; a file that asks for anything else is refused with a
:class:`ValueError`. Nor can a small file make loading use much memory: members
must be uncompressed, every size is checked against the file's before anything
is read or allocated, and layer sizes in the JSON are only compared with the
stored arrays' shapes. (Pickle-based tools such as :mod:`joblib` keep working on
the estimators, for trusted files only.)

Values in the JSON document are tagged with their type (``{"type": "float",
"value": 0.5}``, ``{"type": "numpy", "dtype": "float32", ...}``, ``{"type":
"tuple", ...}``, ``{"type": "array", "key": "a3"}``) so that a loaded object has
the same attribute types as the saved one, and continues training exactly as
the original would. Non-finite floats are written as ``"inf"``, ``"-inf"`` and
``"nan"``.

Files are written atomically: to a temporary file in the target's directory,
flushed and fsynced, then moved onto the target with :func:`os.replace`; on any
error the temporary file is removed and an existing target is left untouched.
A target that exists and is not a regular file (a directory, a FIFO, a device
such as ``/dev/null``) is refused before any work, and left as it is
(:mod:`sknetscratch.training.files`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ...training.files import check_target
from ._document import load_document, write_document
from ._encode import encode_document
from ._format import FORMAT_MARKER, FORMAT_VERSION, Refused, field
from ._pipeline import (
    decode_pipeline,
    encode_pipeline,
    is_pipeline,
    load_pipeline,
    save_pipeline,
)

if TYPE_CHECKING:  # the estimators and Pipeline need scikit-learn
    from sklearn.pipeline import Pipeline

    from ...estimators.classifier import ScratchMLPClassifier
    from ...estimators.regressor import ScratchMLPRegressor
    from ...training.model import Model

__all__ = [
    "FORMAT_MARKER",
    "FORMAT_VERSION",
    "load",
    "load_pipeline",
    "save",
    "save_pipeline",
]


def save(
    obj: ScratchMLPClassifier | ScratchMLPRegressor | Model | Pipeline,
    path: str | os.PathLike[str],
) -> None:
    """Save an estimator or a core model to ``path`` in a format safe to load.

    The file is a NumPy ``.npz`` archive (whatever the name of ``path``: no
    suffix is added) holding the arrays and a JSON description; see
    :mod:`sknetscratch.io.persistence`. It is written atomically: either the whole
    new file is at ``path`` or the previous content of ``path`` is untouched.

    Parameters
    ----------
    obj : ScratchMLPClassifier, ScratchMLPRegressor, Model or Pipeline
        A fitted (or unfitted) estimator, or a :class:`~sknetscratch.Model`
        (built or not, compiled or not) made of ``DenseBlock``, ``Dropout``,
        ``Activation``, ``BatchNormalization`` and ``LayerNormalization``
        layers with registered activations, loss and optimizer; or a
        ``Pipeline`` of ``StandardScaler`` steps and one of the estimators.
    path : str or os.PathLike
        Destination file; overwritten if it exists (a symbolic link is
        followed: the file it points to is replaced).

    Raises
    ------
    TypeError
        If ``obj`` or one of its attributes is of a type the format does not
        support (nothing is silently dropped).
    ValueError
        If the estimator's ``random_state`` is not an int or None (a
        ``RandomState`` instance cannot be saved), if strings cannot be stored,
        or if the JSON description would exceed the 16 MiB that :func:`load`
        reads.
    NotARegularFileError
        (An ``OSError`` and a ``ValueError``.) If ``path`` exists and is not a
        regular file: a directory, a FIFO or a device is refused before any
        work and left as it is, never replaced by a regular file.
    FileNotFoundError, PermissionError
        If the folder of ``path`` does not exist or cannot be written; checked
        before any work.

    See Also
    --------
    load : Read the file back.
    save_pipeline : Save a Pipeline with a dict of metadata beside it.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from sknetscratch import ScratchMLPClassifier
    >>> from sknetscratch.io.persistence import load, save
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = [0, 0, 1, 1]
    >>> clf = ScratchMLPClassifier((3,), solver="lbfgs", random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "clf.npz")
    >>> save(clf, path)
    >>> np.array_equal(load(path).predict_proba(X), clf.predict_proba(X))
    True
    """
    what = type(obj).__name__
    check_target(path, f"the {what}")  # before the work of encoding
    encode = encode_pipeline if is_pipeline(obj) else encode_document
    write_document(*encode(obj), path, what)


def load(
    path: str | os.PathLike[str],
) -> ScratchMLPClassifier | ScratchMLPRegressor | Model | Pipeline:
    """Load an estimator, a core model or a Pipeline written by :func:`save`.

    The arrays are read with ``allow_pickle=False`` and objects are rebuilt
    only from allow-lists (the two estimators, the layers ``DenseBlock``,
    ``Dropout``, ``Activation``, ``BatchNormalization`` and
    ``LayerNormalization``, and the registered activations, losses and optimizers), so a crafted file
    cannot run code: it is refused. Sizes are checked before anything is read
    or allocated (the zip directory, each ``.npy`` header, then the JSON
    document; layer shapes against the stored arrays), so a refused file is
    refused cheaply, and loading uses memory in proportion to the file's size.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save`.

    Returns
    -------
    obj : ScratchMLPClassifier, ScratchMLPRegressor, Model or Pipeline
        Predicts bit-identically to the saved object and continues training
        (``warm_start``, ``partial_fit``, ``Model.fit``) exactly as it would.
        A saved ``Pipeline`` (``StandardScaler`` steps, then an estimator)
        comes back as a ``Pipeline``; :func:`load_pipeline` also returns its
        metadata.

    Raises
    ------
    ValueError
        If the file is not a zip/npz archive, has compressed or inconsistent
        members (a ``.npy`` header that does not match the member's size),
        lacks the format marker, has invalid or oversized JSON metadata,
        contains object (pickled) arrays, was written by a newer file format
        version, asks for a class, layer, activation, loss, optimizer or
        attribute that is not allowed, or describes layers whose sizes do not
        match the stored arrays. The message names the file.
    FileNotFoundError
        If ``path`` does not exist.

    Warns
    -----
    UserWarning
        If the file was written by another version of sknetscratch.

    See Also
    --------
    save : Write the file.
    load_pipeline : Load a Pipeline and the metadata saved with it.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from sknetscratch import DenseBlock, Model, load, save
    >>> model = Model([DenseBlock(2, "tanh"), DenseBlock(1, "sigmoid")]).compile()
    >>> model = model.build(3, random_state=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> save(model, path)
    >>> X = np.ones((4, 3))
    >>> np.array_equal(load(path).predict(X), model.predict(X))
    True
    """

    def decode(decoder, content):
        kind = content.get("type")
        if kind == "estimator":
            return decoder.estimator(content)
        if kind == "pipeline":
            return decode_pipeline(decoder, content)[0]
        if kind == "model":
            return decoder.model(field(content, "model", dict, "content"), "the model")
        raise Refused(f"unknown content type {kind!r}")

    return load_document(path, decode)
