"""Library entry points refuse nonsense arguments before any work (issue 24).

One test per defect: the error's type, and that its message names the
parameter (or the file, the block, the schedule and epoch). A refused fit
leaves a fitted estimator bit-identical; a refused write leaves the target
(a FIFO, a directory) as it was; a damaged model file, including damaged
``.npy`` headers inside the archive, is a ValueError naming the file.
"""

from __future__ import annotations

import io
import os
import pickle
import stat
import warnings
import zipfile

import numpy as np
import pytest

import sknetscratch
from sknetscratch import (
    SGD,
    Adam,
    Callback,
    ConstantSchedule,
    CosineDecay,
    CSVLogger,
    DenseBlock,
    ExponentialDecay,
    LearningRateScheduler,
    Model,
    ModelCheckpoint,
    ScratchMLPClassifier,
    ScratchMLPRegressor,
    StepDecay,
    load,
    partial_fit_blocks,
    save,
)
from sknetscratch.optim import LearningRateSchedule
from sknetscratch.training.files import NotARegularFileError

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore:.*was saved with sknetscratch"),
]

_rng = np.random.RandomState(0)
X = _rng.standard_normal((60, 3))
Y = (X[:, 0] > 0).astype(int)
Y3 = np.array([0, 1, 2] * 20)


def _model():
    return Model([DenseBlock(1, "sigmoid")]).compile("adam")


def _fitted_clf(**kw):
    return ScratchMLPClassifier((4,), max_iter=3, random_state=0, **kw).fit(X, Y3)


def _state(est) -> bytes:
    """Everything of a fitted estimator, as bytes."""
    return pickle.dumps(est, protocol=5)


def _same_fit(a, b) -> bool:
    """Two estimators fitted alike: every attribute bit-identical, but the
    epochs' wall times in ``history_``."""
    da, db = dict(a.__dict__), dict(b.__dict__)
    ha, hb = (
        {k: v for k, v in d.pop("history_").items() if k != "seconds"} for d in (da, db)
    )
    return pickle.dumps(da) == pickle.dumps(db) and ha == hb


# --------------------------------------------------------------- class_weight
@pytest.mark.parametrize(
    "class_weight, match",
    [
        ({0: -1.0, 1: 1.0}, r"class_weight\[0\] must be a finite number >= 0"),
        ({0: np.nan}, r"class_weight\[0\] must be a finite number >= 0; got nan"),
        ({1: np.inf}, r"class_weight\[1\] must be a finite number >= 0; got inf"),
        ({0: "a"}, r"class_weight\[0\] must be a finite number"),
        ({0: 1.0, 7: 2.0}, r"class_weight has the label\(s\) \[7\]"),
        ({"zero": 1.0}, r"class_weight has the label\(s\) \['zero'\]"),
    ],
)
def test_estimator_class_weight_refused_before_training(class_weight, match):
    clf = _fitted_clf()
    before = _state(clf)
    with pytest.raises(ValueError, match=match):
        clf.set_params(class_weight=class_weight).fit(X, Y3)
    clf.set_params(class_weight=None)
    assert _state(clf) == before  # a failed fit leaves it bit-identical


def test_estimator_class_weight_partial_fit_refused_unchanged():
    clf = ScratchMLPClassifier((4,), random_state=0).partial_fit(
        X, Y3, classes=[0, 1, 2]
    )
    before = _state(clf)
    clf.set_params(class_weight={0: -2.0})
    with pytest.raises(ValueError, match=r"class_weight\[0\]"):
        clf.partial_fit(X, Y3)
    clf.set_params(class_weight=None)
    assert _state(clf) == before


def test_estimator_class_weight_string_labels_ok():
    y = np.array(["a", "b", "c"] * 20)
    clf = ScratchMLPClassifier((4,), max_iter=2, class_weight={"a": 2.0, "b": 0.0})
    clf.fit(X, y)
    with pytest.raises(ValueError, match=r"class_weight has the label\(s\) \['d'\]"):
        clf.set_params(class_weight={"d": 1.0}).fit(X, y)


@pytest.mark.parametrize(
    "class_weight, exc, match",
    [
        ({0: -1.0}, ValueError, r"class_weight\[0\] must be a finite number >= 0"),
        ({0: np.nan}, ValueError, r"class_weight\[0\].*nan"),
        ({1: np.inf}, ValueError, r"class_weight\[1\].*inf"),
        ({5: 1.0}, ValueError, r"class_weight has the class index\(es\) \[5\]"),
        ({0: 0.0, 1: 0.0}, ValueError, r"class_weight .*weight 0"),
        ([1.0, 2.0], TypeError, r"class_weight must be a dict"),
    ],
)
def test_model_fit_class_weight_refused(class_weight, exc, match):
    model = _model().build(3, random_state=0)
    weights = model.params.copy()
    with pytest.raises(exc, match=match):
        model.fit(X, Y, epochs=2, class_weight=class_weight, random_state=0)
    np.testing.assert_array_equal(model.params, weights)  # nothing trained


# ------------------------------------------------------ schedules and rates
@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: ConstantSchedule(np.inf), "learning_rate"),
        (lambda: ConstantSchedule(-0.1), "learning_rate"),
        (lambda: ConstantSchedule(np.nan), "learning_rate"),
        (lambda: StepDecay(np.inf), "initial_learning_rate"),
        (lambda: StepDecay(0.1, drop=np.nan), "drop"),
        (lambda: ExponentialDecay(-1.0), "initial_learning_rate"),
        (lambda: ExponentialDecay(0.1, decay_epochs=np.inf), "decay_epochs"),
        (lambda: CosineDecay(np.inf, decay_epochs=3), "initial_learning_rate"),
        (lambda: CosineDecay(0.1, decay_epochs=3, alpha=np.inf), "alpha"),
        (lambda: SGD(np.inf), "learning_rate"),
        (lambda: Adam(learning_rate=np.inf), "learning_rate"),
        (lambda: SGD(np.nan), "learning_rate"),
    ],
)
def test_schedule_and_optimizer_arguments_refused(make, name):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        make()


class _Returns(LearningRateSchedule):
    def __init__(self, rate):
        self.rate = rate

    def _rate(self, epoch):
        return self.rate if epoch >= 1 else 0.01

    def get_config(self):
        return {"rate": self.rate}


@pytest.mark.parametrize("rate", [-0.1, np.nan, np.inf])
def test_schedule_bad_rate_names_schedule_and_epoch(rate):
    with pytest.raises(
        ValueError, match=r"schedule _Returns\(rate=.*\) returned .* epoch 1"
    ):
        _Returns(rate)(1)


@pytest.mark.parametrize("rate", [-0.1, np.nan, np.inf])
def test_estimator_bad_schedule_refused_before_the_epoch(rate):
    clf = _fitted_clf()
    before = _state(clf)
    clf.set_params(learning_rate=_Returns(rate), max_iter=4)
    with pytest.raises(
        ValueError, match=r"^learning_rate: .*_Returns.* epoch 1.*epoch 2 of"
    ):
        clf.fit(X, Y3)
    clf.set_params(learning_rate="constant", max_iter=3)
    assert _state(clf) == before


class _Overridden(LearningRateSchedule):
    """A schedule whose __call__ skips the base class's check."""

    def _rate(self, epoch):
        return -1.0

    def __call__(self, epoch):
        return -1.0

    def get_config(self):
        return {}


def test_estimator_schedule_with_own_call_checked():
    with pytest.raises(
        ValueError, match=r"learning_rate: .*_Overridden.*-1.0.*epoch 0"
    ):
        ScratchMLPClassifier((4,), learning_rate=_Overridden()).fit(X, Y3)


@pytest.mark.parametrize("rate", [-1.0, np.nan, np.inf, "0.1"])
def test_learning_rate_scheduler_bad_rate(rate):
    model = _model().build(3, random_state=0)
    cb = LearningRateScheduler(lambda epoch: 0.01 if epoch == 0 else rate)
    history = sknetscratch.History()
    with pytest.raises(
        ValueError, match=r"LearningRateScheduler: .*schedule .* for epoch 1"
    ):
        model.fit(X, Y, epochs=3, callbacks=[cb, history], random_state=0)
    assert len(history.history["loss"]) == 1  # epoch 1 (0-based) never trained


class _SetsRate(Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.model.optimizer.learning_rate = float("inf")


def test_loop_checks_the_rate_before_each_epoch():
    model = _model().build(3, random_state=0)
    weights = model.params.copy()
    with pytest.raises(
        ValueError, match=r"learning_rate is inf at the start of epoch 1"
    ):
        model.fit(X, Y, epochs=2, callbacks=[_SetsRate()], random_state=0)
    np.testing.assert_array_equal(model.params, weights)


# ------------------------------------------------------------------ callbacks
BAD_CALLBACKS = [
    ([lambda epoch, logs: None], r"callbacks\[0\] must be a Callback.*function"),
    ([None], r"callbacks\[0\] must be a Callback.*NoneType"),
    ([sknetscratch.History(), object()], r"callbacks\[1\] must be a Callback"),
    (
        [sknetscratch.History],
        r"callbacks\[0\] must be a Callback object; got the class",
    ),
    (sknetscratch.History(), r"callbacks must be a list"),
    ("progbar", r"callbacks must be a list"),
]


@pytest.mark.parametrize("callbacks, match", BAD_CALLBACKS)
def test_model_fit_bad_callbacks(callbacks, match):
    model = _model()
    with pytest.raises(TypeError, match=match):
        model.fit(X, Y, epochs=2, callbacks=callbacks, random_state=0)
    assert not model.built  # refused before any work


@pytest.mark.parametrize("callbacks, match", BAD_CALLBACKS[:4])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_estimator_bad_callbacks(callbacks, match, solver):
    clf = _fitted_clf(solver=solver)
    before = _state(clf)
    with pytest.raises(TypeError, match=match):
        clf.set_params(callbacks=callbacks).fit(X, Y3)
    clf.set_params(callbacks=None)
    assert _state(clf) == before
    # and on a first fit
    with pytest.raises(TypeError, match=match):
        ScratchMLPRegressor(hidden_layer_sizes=(3,), callbacks=callbacks).fit(
            X, X[:, 0]
        )


def test_duck_typed_callback_accepted():
    class Duck:
        def __getattr__(self, name):
            if name.startswith(("on_", "set_")):
                return lambda *a, **k: None
            raise AttributeError(name)

    _model().fit(X, Y, epochs=1, callbacks=[Duck()], random_state=0)


# ----------------------------------------------------------------------- ONNX
@pytest.mark.parametrize("opset", [999, 12, "18", 18.0, True])
def test_to_onnx_bad_opset_is_value_error(opset):
    pytest.importorskip("skl2onnx")
    clf = _fitted_clf()
    with pytest.raises(ValueError, match="target_opset"):
        sknetscratch.to_onnx(clf, target_opset=opset)
    with pytest.raises(ValueError, match="target_opset"):
        sknetscratch.to_onnx(clf.model_, target_opset=opset)


def test_to_onnx_opset_above_skl2onnx_is_value_error():
    skl2onnx = pytest.importorskip("skl2onnx")
    onnx = pytest.importorskip("onnx")
    newest = skl2onnx.get_latest_tested_opset_version()
    if newest >= onnx.defs.onnx_opset_version():
        pytest.skip("skl2onnx converts to every opset onnx knows")
    clf = _fitted_clf()
    with pytest.raises(ValueError, match=rf"target_opset={newest + 1} .*skl2onnx"):
        sknetscratch.to_onnx(clf, target_opset=newest + 1)
    sknetscratch.to_onnx(clf.model_, target_opset=newest + 1)  # the core writes it


# --------------------------------------------------------- partial_fit_blocks
def _nan_at(a, row):
    a = np.array(a, dtype=float)
    a[row] = np.nan
    return a


@pytest.mark.parametrize(
    "make, Xb, yb, kwargs, match",
    [
        (
            lambda: ScratchMLPRegressor(hidden_layer_sizes=(4,), random_state=0),
            X,
            _nan_at(X[:, 0], 45),
            {},
            r"block 2 of 3 \(rows 40 to 59\).*epoch 1 of 2.*2 block\(s\).*y contains NaN",
        ),
        (
            lambda: ScratchMLPClassifier((4,), random_state=0),
            _nan_at(X, 25),
            Y,
            {},
            r"block 1 of 3 \(rows 20 to 39\).*X contains NaN",
        ),
        (
            lambda: ScratchMLPClassifier((4,), random_state=0),
            X,
            np.r_[Y[:50], [5] * 10],
            {"classes": [0, 1]},
            r"block 2 of 3 \(rows 40 to 59\).*classes",
        ),
    ],
)
def test_partial_fit_blocks_names_bad_block_keeps_good_ones(
    make, Xb, yb, kwargs, match
):
    est = make()
    with pytest.raises(ValueError, match=match):
        partial_fit_blocks(est, Xb, yb, block_size=20, epochs=2, **kwargs)
    # documented: as after the last good block, bit for bit
    bad = int(match.split("block ")[1].split(" ")[0])
    ref = make()
    classes = kwargs.get("classes", [0, 1])
    for start in range(0, 20 * bad, 20):
        extra = {"classes": classes} if isinstance(ref, ScratchMLPClassifier) else {}
        ref.partial_fit(Xb[start : start + 20], yb[start : start + 20], **extra)
    assert _same_fit(est, ref)


# ------------------------------------------------------------- damaged files
def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _zip(members: dict[str, bytes]) -> bytes:
    """A consistent archive (CRCs and sizes right) of the given members."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)
    return out.getvalue()


def _header_size(raw: bytes) -> int:
    fh = io.BytesIO(raw)
    np.lib.format.read_magic(fh)
    np.lib.format.read_array_header_1_0(fh)
    return fh.tell()


SPECIAL = list(b"(){}[]'\",:\\\n#")


def test_load_damaged_file_is_value_error_naming_it(tmp_path):
    """Many random corruptions, always a ValueError naming the file (or a clean
    load): bytes anywhere in the file (the zip's CRC catches most), and bytes
    of the members' ``.npy`` headers inside a consistent archive (CRCs
    recomputed), where NumPy's header parser raises tokenize.TokenError,
    SyntaxError, ValueError, ..."""
    clf = _fitted_clf()
    path = tmp_path / "model.npz"
    save(clf, path)
    data = path.read_bytes()
    members = _members(data)
    names = sorted(members)
    rng = np.random.default_rng(0)
    bad = tmp_path / "damaged-model.npz"
    refused, kinds = 0, set()
    for i in range(1200):
        if i % 3 == 0:  # anywhere in the file
            b = bytearray(data)
            pos = int(rng.integers(len(b)))
        else:  # a member's .npy header, the archive otherwise consistent
            name = names[int(rng.integers(len(names)))]
            b = bytearray(members[name])
            pos = int(rng.integers(8, _header_size(bytes(b))))
        for _ in range(int(rng.integers(1, 4))):
            special = i % 2 == 0
            b[pos] = int(rng.choice(SPECIAL)) if special else int(rng.integers(256))
            pos = min(pos + 1, len(b) - 1)
        content = bytes(b) if i % 3 == 0 else _zip({**members, name: bytes(b)})
        bad.write_bytes(content)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                load(bad)
        except ValueError as exc:
            assert "damaged-model.npz" in str(exc), str(exc)
            refused += 1
            kinds.update(k for k in ("TokenError", "SyntaxError") if k in str(exc))
    assert refused > 800
    assert "TokenError" in kinds  # NumPy's header parser raised it, and was caught


@pytest.mark.parametrize(
    "header, error",
    [
        (b"{'descr': '<f8', 'fortran_order': False, 'shape': (3, '''", "TokenError"),
        (b"{'descr': '<f8', 'fortran_order': False, 'shape': (3,) ", "SyntaxError"),
        (b"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), \\", "TokenError"),
    ],
)
def test_load_damaged_npy_header(tmp_path, header, error):
    clf = _fitted_clf()
    path = tmp_path / "m.npz"
    save(clf, path)
    members = _members(path.read_bytes())
    name = sorted(members)[0]
    raw = members[name]
    size = _header_size(raw)
    field = header.ljust(size - 10 - 1) + b"\n"
    damaged = raw[:10] + field + raw[size:]
    bad = tmp_path / "bad-header.npz"
    bad.write_bytes(_zip({**members, name: damaged}))
    with pytest.raises(ValueError, match=r"Refusing to load .*bad-header\.npz.*header"):
        load(bad)


# ------------------------------------------------------ writes: FIFOs, dirs
def _fifo(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def _is_fifo(path):
    return stat.S_ISFIFO(os.stat(path).st_mode)


@pytest.mark.parametrize("target", ["fifo", "dir"])
def test_save_refuses_fifo_and_directory(tmp_path, target):
    path = _fifo(tmp_path) if target == "fifo" else tmp_path / "dir"
    if target == "dir":
        path.mkdir()
    with pytest.raises(NotARegularFileError, match=rf"Refusing to write .*{path.name}"):
        save(_fitted_clf(), path)
    assert _is_fifo(path) if target == "fifo" else path.is_dir()
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left


def test_save_pipeline_refuses_fifo(tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sknetscratch.io.persistence import save_pipeline

    pipe = make_pipeline(StandardScaler(), ScratchMLPClassifier((3,), max_iter=2))
    pipe.fit(X, Y)
    fifo = _fifo(tmp_path)
    with pytest.raises(NotARegularFileError, match="fifo"):
        save_pipeline(pipe, fifo)
    assert _is_fifo(fifo)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(pipe, tmp_path / "missing" / "m.npz")


def test_not_a_regular_file_is_oserror_and_valueerror():
    assert issubclass(NotARegularFileError, OSError)
    assert issubclass(NotARegularFileError, ValueError)


def test_save_follows_symlink(tmp_path):
    real = tmp_path / "real.npz"
    real.write_bytes(b"old")
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    save(_fitted_clf(), link)
    assert link.is_symlink()
    assert isinstance(load(real), ScratchMLPClassifier)


@pytest.mark.parametrize("target", ["fifo", "dir"])
@pytest.mark.parametrize("pattern", [False, True])
def test_model_checkpoint_refuses_before_training(tmp_path, target, pattern):
    if target == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(tmp_path / "1")
    else:
        (tmp_path / "1").mkdir()
    path = tmp_path / "1"
    # a literal path is refused when training starts; a pattern when it is
    # filled, before writing (here at the end of epoch 1: "{epoch}" is 1)
    ckpt = ModelCheckpoint(tmp_path / ("{epoch}" if pattern else "1"), monitor="loss")
    epochs = []

    class Count(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            epochs.append(epoch)

    with pytest.raises(NotARegularFileError, match=path.name):
        _model().fit(X, Y, epochs=3, callbacks=[Count(), ckpt], random_state=0)
    assert epochs == ([0] if pattern else [])
    assert _is_fifo(path) if target == "fifo" else path.is_dir()


def test_model_checkpoint_missing_folder_before_training(tmp_path):
    ckpt = ModelCheckpoint(tmp_path / "nope" / "m-{epoch}.npz", monitor="loss")
    model = _model()
    with pytest.raises(FileNotFoundError, match="nope"):
        model.fit(X, Y, epochs=2, callbacks=[ckpt], random_state=0)


@pytest.mark.parametrize("target", ["fifo", "dir"])
def test_csv_logger_refuses_before_training(tmp_path, target):
    path = _fifo(tmp_path) if target == "fifo" else tmp_path / "dir"
    if target == "dir":
        path.mkdir()
    model = _model().build(3, random_state=0)
    weights = model.params.copy()
    with pytest.raises(NotARegularFileError, match=path.name):
        model.fit(X, Y, epochs=2, callbacks=[CSVLogger(path)], random_state=0)
    np.testing.assert_array_equal(model.params, weights)
    assert _is_fifo(path) if target == "fifo" else path.is_dir()
    assert sorted(os.listdir(tmp_path)) == [path.name]


class _FailAt(Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("boom")


def test_csv_logger_keeps_old_log_until_an_epoch_ends(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("old log\n")
    with pytest.raises(RuntimeError, match="boom"):
        _model().fit(X, Y, epochs=3, callbacks=[CSVLogger(path), _FailAt(0)])
    assert path.read_text() == "old log\n"  # not truncated
    assert os.listdir(tmp_path) == ["log.csv"]


def test_csv_logger_failed_training_keeps_finished_rows(tmp_path):
    path = tmp_path / "log.csv"
    with pytest.raises(RuntimeError, match="boom"):
        _model().fit(X, Y, epochs=5, callbacks=[CSVLogger(path), _FailAt(2)])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,learning_rate,loss,seconds"
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1"]


def test_csv_logger_append_copies_and_renames(tmp_path):
    path = tmp_path / "log.csv"
    _model().fit(X, Y, epochs=2, callbacks=[CSVLogger(path)], random_state=0)
    first = path.read_bytes()
    inode = os.stat(path).st_ino
    os.chmod(path, 0o640)
    _model().fit(
        X, Y, epochs=2, callbacks=[CSVLogger(path, append=True)], random_state=0
    )
    text = path.read_bytes()
    assert text.startswith(first)  # the old rows, byte for byte
    assert text.decode().count("epoch,") == 1  # no second header
    assert len(text.decode().splitlines()) == 5
    assert os.stat(path).st_ino != inode  # a new file, renamed into place
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640  # permissions kept


def test_csv_logger_append_after_torn_line(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"epoch,loss\r\n0,0.5\r\n1,0.4")  # a crash mid-row
    _model().fit(
        X, Y, epochs=1, callbacks=[CSVLogger(path, append=True)], random_state=0
    )
    lines = path.read_text().splitlines()
    assert lines[:3] == ["epoch,loss", "0,0.5", "1,0.4"]
    assert lines[3].startswith("0,")
