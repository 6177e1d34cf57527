"""The estimators' one record of training: ``history_`` and its curves.

``history_`` is a Keras History's ``.history`` dict (one list per logged
quantity), kept from the first fit on, across ``warm_start`` fits and
``partial_fit`` calls: each fit passes the loop a :class:`History` over that
very dict (:func:`new_history`; Keras' rule: the loop appends to a History it
is given, and a History's other state, ``epoch`` and ``interrupted``, is the
fit's own), and L-BFGS records its iterations into it too. scikit-learn's
curves are the lists it holds (:data:`CURVES`), so each value is stored once,
and saving or pickling an estimator stores the plain dict.

A fit that fails is undone by the estimator's transaction: its attributes are
put back from a copy of its ``__dict__``, and :class:`Mark` cuts the lists the
failed fit appended to back to their lengths (copying them at every
``partial_fit`` call instead would make each call slower than the last).
"""

from __future__ import annotations

from ..training.callbacks import History

#: scikit-learn's fitted curve -> the key of ``history_`` whose list it is.
CURVES = {
    "loss_curve_": "loss",
    "validation_scores_": "val_score",
    "validation_loss_curve_": "val_loss",
}


def new_history(records: dict | None = None) -> History:
    """A History whose ``.history`` is ``records`` (a new dict if None)."""
    history = History()
    if records is not None:
        history.history = records
    return history


def curves(records: dict) -> dict:
    """The fitted curves as views of ``records``: ``loss_curve_`` always (an
    empty list before the first epoch), the validation curves when some fit
    recorded validation data (else None, as scikit-learn's ``validation_scores_``
    without early stopping)."""
    records.setdefault("loss", [])
    return {attr: records.get(key) for attr, key in CURVES.items()}


def adopt_curves(records: dict | None, attrs: dict) -> dict:
    """``history_`` of an estimator saved by an earlier version, which stored
    the curves as lists of their own (``attrs``), and ``history_`` only after it
    existed: a curve that ``records`` lacks, or holds differently, is taken as
    the curve was (scikit-learn's attribute was the one kept whole)."""
    records = {} if records is None else records
    for attr, key in CURVES.items():
        curve = attrs.get(attr)
        if isinstance(curve, list) and records.get(key) != curve:
            records[key] = curve
    return records


class Mark:
    """Where a fit starts in a ``history_`` dict: :meth:`cut_back` undoes the fit.

    Keeps the lengths of its lists; :meth:`cut_back` truncates the lists to
    them and drops the keys that the failed fit logged first.
    """

    def __init__(self, records: dict | None) -> None:
        self.records = records
        self.lengths = {k: len(v) for k, v in (records or {}).items()}

    def cut_back(self) -> None:
        if self.records is None:
            return
        for key in list(self.records):
            if key in self.lengths:
                del self.records[key][self.lengths[key] :]
            else:
                del self.records[key]
