"""The built-in callbacks, the progress display, and Keras' compile/fit/evaluate
conveniences on Model (metrics, validation_split, class_weight, return_dict)."""

import csv
import math
import os
import pty
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import sknetscratch
from sknetscratch import (
    SGD,
    Adam,
    Callback,
    CSVLogger,
    DenseBlock,
    EarlyStopping,
    LearningRateScheduler,
    Model,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    TerminateOnNaN,
    TrainingDivergedError,
)


def _noisy(n=120, d=10, seed=0):
    """Few informative features and 30% flipped labels: a big network overfits."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] > 0).astype(int)
    flip = rng.random(n) < 0.3
    return X, np.where(flip, 1 - y, y)


def _model(optimizer=None, units=32, **kw):
    model = Model([DenseBlock(units, "relu"), DenseBlock(1, "sigmoid")])
    return model.compile(optimizer or Adam(0.05), "binary_crossentropy", **kw)


# -- EarlyStopping ------------------------------------------------------------------


@pytest.mark.parametrize("restore", [False, True])
def test_early_stopping_stops_and_restores(restore):
    X, y = _noisy()
    model = _model()
    stop = EarlyStopping(patience=3, restore_best_weights=restore)
    h = model.fit(
        X[:80], y[:80], epochs=200, random_state=0, callbacks=[stop],
        validation_data=(X[80:], y[80:]),
    )  # fmt: skip
    val = h.history["val_loss"]
    best = int(np.argmin(val))
    assert len(val) < 200  # stopped
    assert len(val) == best + 1 + 3  # patience epochs after the best one
    assert stop.best_epoch == best and stop.stopped_epoch == len(val) - 1
    assert stop.best == val[best]
    now = model.evaluate(X[80:], y[80:])
    if restore:
        assert now == pytest.approx(val[best], rel=1e-12)
        assert now < val[-1]
    else:
        assert now == pytest.approx(val[-1], rel=1e-12)


def test_early_stopping_min_delta_mode_and_start_from_epoch():
    X, y = _noisy()
    # no change of the loss counts as an improvement by 10: stops after patience
    stop = EarlyStopping("loss", min_delta=10.0, patience=2)
    h = _model().fit(X, y, epochs=50, random_state=0, callbacks=[stop])
    assert len(h.epoch) == 3
    # the warm-up epochs are not monitored
    stop = EarlyStopping("loss", min_delta=10.0, patience=2, start_from_epoch=5)
    h = _model().fit(X, y, epochs=50, random_state=0, callbacks=[stop])
    assert len(h.epoch) == 8 and stop.best_epoch == 5
    # 'auto' maximises accuracy: a val_accuracy that rises is an improvement
    model = _model(metrics=["accuracy"])
    stop = EarlyStopping("val_accuracy", patience=1000)
    h = model.fit(
        X[:80], y[:80], epochs=10, random_state=0, callbacks=[stop],
        validation_data=(X[80:], y[80:]),
    )  # fmt: skip
    assert stop.best == max(h.history["val_accuracy"])
    with pytest.raises(ValueError, match="mode must be"):
        EarlyStopping(mode="largest")


def test_missing_monitor_warns_and_does_not_stop():
    X, y = _noisy()
    stop = EarlyStopping()  # val_loss, but no validation data
    with pytest.warns(UserWarning, match="'val_loss', which is not available"):
        h = _model().fit(X, y, epochs=3, random_state=0, callbacks=[stop])
    assert len(h.epoch) == 3


# -- ReduceLROnPlateau and LearningRateScheduler ----------------------------------


@pytest.mark.parametrize(
    "kw, expected",
    [
        ({}, [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025]),
        ({"cooldown": 2}, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]),
        ({"factor": 0.1, "min_lr": 0.03}, [0.1, 0.1, 0.1, 0.03, 0.03, 0.03, 0.03]),
    ],
)
def test_reduce_lr_on_plateau_after_patience(kw, expected):
    X, y = _noisy()
    model = _model(SGD(0.1))
    # min_delta=10: no epoch improves on the first one, so each patience
    # (2 epochs) the rate is multiplied by factor, then cooldown epochs pass
    cb = ReduceLROnPlateau("loss", **{"factor": 0.5, **kw}, patience=2, min_delta=10)
    h = model.fit(X, y, epochs=7, random_state=0, callbacks=[cb])
    np.testing.assert_allclose(h.history["learning_rate"], expected, rtol=1e-12)
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(factor=1.0)


def test_reduce_lr_on_plateau_keeps_the_rate_while_improving():
    X, y = _noisy()
    cb = ReduceLROnPlateau("loss", patience=1, min_delta=0.0)
    h = _model(SGD(0.01)).fit(X, y, epochs=5, random_state=0, callbacks=[cb])
    assert all(np.diff(h.history["loss"]) < 0)  # each epoch improves
    assert h.history["learning_rate"] == [0.01] * 5


def test_learning_rate_scheduler_rates_in_history():
    X, y = _noisy()
    h = _model(SGD(0.2)).fit(
        X, y, epochs=5, random_state=0,
        callbacks=[LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)],
    )  # fmt: skip
    np.testing.assert_allclose(h.history["learning_rate"], 0.2 * 0.5 ** np.arange(5))

    class Step:  # a schedule object of the epoch alone
        def __call__(self, epoch):
            return 0.1 * 0.5 ** (epoch // 2)

    h = _model(SGD(0.2)).fit(
        X, y, epochs=5, random_state=0, callbacks=[LearningRateScheduler(Step())]
    )
    assert h.history["learning_rate"] == [0.1, 0.1, 0.05, 0.05, 0.025]


def test_learning_rate_scheduler_rate_is_the_one_used():
    X, y = _noisy()
    model = _model(SGD(0.5))
    model.build(X.shape[1], 0)
    before = model.get_weights()
    model.fit(X, y, epochs=2, callbacks=[LearningRateScheduler(lambda e: 0.0)])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # a rate of 0 moves nothing
    with pytest.raises(ValueError, match="non-negative float"):
        model.fit(X, y, callbacks=[LearningRateScheduler(lambda e: "fast")])
    with pytest.raises(TypeError, match="callable"):
        LearningRateScheduler(0.1)


# -- ModelCheckpoint ----------------------------------------------------------------


def test_model_checkpoint_in_memory_keeps_the_best_epoch():
    X, y = _noisy()
    model = _model()
    ckpt = ModelCheckpoint(save_best_only=True)
    h = model.fit(
        X[:80], y[:80], epochs=40, random_state=0, callbacks=[ckpt],
        validation_data=(X[80:], y[80:]),
    )  # fmt: skip
    val = h.history["val_loss"]
    assert ckpt.best_epoch == int(np.argmin(val)) < len(val) - 1
    assert ckpt.best == min(val)
    model.set_weights(ckpt.best_weights)
    assert model.evaluate(X[80:], y[80:]) == pytest.approx(min(val), rel=1e-12)
    # without save_best_only: the last epoch's weights
    ckpt = ModelCheckpoint()
    model.fit(X, y, epochs=2, random_state=0, callbacks=[ckpt])
    assert ckpt.best_epoch == 1
    for a, b in zip(ckpt.best_weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_to_a_file_loads_back(tmp_path):
    X, y = _noisy()
    model = _model()
    path = tmp_path / "best.npz"
    memory = ModelCheckpoint(save_best_only=True)
    ckpt = ModelCheckpoint(path, save_best_only=True)
    model.fit(
        X[:80], y[:80], epochs=30, random_state=0, callbacks=[ckpt, memory],
        validation_data=(X[80:], y[80:]),
    )  # fmt: skip
    loaded = sknetscratch.load(path)
    assert isinstance(loaded, Model)
    model.set_weights(memory.best_weights)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert os.listdir(tmp_path) == ["best.npz"]  # atomic: no temporary left over
    # a template filled with the epoch (from 1) and the logs
    model.fit(
        X, y, epochs=3, random_state=0,
        callbacks=[ModelCheckpoint(tmp_path / "m-{epoch:02d}-{loss:.1f}.npz")],
    )  # fmt: skip
    names = sorted(n for n in os.listdir(tmp_path) if n.startswith("m-"))
    assert [n[:5] for n in names] == ["m-01-", "m-02-", "m-03-"]
    last = sknetscratch.load(tmp_path / names[-1])
    np.testing.assert_array_equal(last.predict(X), model.predict(X))


# -- CSVLogger ----------------------------------------------------------------------


def test_csv_logger_file_content(tmp_path):
    X, y = _noisy()
    path = tmp_path / "log.csv"
    model = _model()
    h = model.fit(
        X[:80], y[:80], epochs=3, random_state=0, callbacks=[CSVLogger(path)],
        validation_data=(X[80:], y[80:]),
    )  # fmt: skip
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "learning_rate", "loss", "seconds", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    assert [float(r[2]) for r in rows[1:]] == h.history["loss"]  # exact repr
    assert [float(r[4]) for r in rows[1:]] == h.history["val_loss"]
    # append: more rows, no second header; another separator
    model.fit(X, y, epochs=2, random_state=0, callbacks=[CSVLogger(path, append=True)])
    with open(path) as f:
        lines = f.read().splitlines()
    assert len(lines) == 6 and lines[0].startswith("epoch,")
    assert lines[4].split(",")[0] == "0"
    model.fit(X, y, epochs=1, random_state=0, callbacks=[CSVLogger(path, ";")])
    with open(path) as f:
        assert f.read().splitlines()[0] == "epoch;learning_rate;loss;seconds"


# -- TerminateOnNaN and raising callbacks -------------------------------------------


def _diverging():
    X = np.array([[1e200], [-1e200], [3e200], [1.0]])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    model = Model([DenseBlock(1, "linear")]).compile(SGD(1.0), "squared_error")
    return model, X, y


def test_terminate_on_nan_stops_training(capsys):
    model, X, y = _diverging()
    model.build(1, 0)
    start = model.get_weights()
    h = model.fit(
        X, y, batch_size=1, epochs=5, random_state=0, callbacks=[TerminateOnNaN()]
    )
    assert len(h.epoch) == 1 and not math.isfinite(h.history["loss"][0])
    assert "Invalid loss, terminating training" in capsys.readouterr().out
    for a, b in zip(start, model.get_weights()):  # back to the start of the epoch
        np.testing.assert_array_equal(a, b)
    model, X, y = _diverging()
    with pytest.raises(TrainingDivergedError):  # without it: an error
        model.fit(X, y, batch_size=1, epochs=5, random_state=0)


@pytest.mark.parametrize(
    "hook", ["on_epoch_end", "on_train_batch_end", "on_train_begin"]
)
def test_a_raising_callback_propagates(hook):
    class Boom(Callback):
        pass

    def boom(self, *args, **kwargs):
        raise RuntimeError(f"boom in {hook}")

    setattr(Boom, hook, boom)
    X, y = _noisy()
    with pytest.raises(RuntimeError, match=f"boom in {hook}"):
        _model().fit(X, y, epochs=3, random_state=0, callbacks=[Boom()])


# -- the progress display -----------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_BAR = r"━{20}"
_FINAL = rf"(\d+)/\1 {_BAR} \d+s \d+(us|ms|s)/step - loss: \d\.\d{{4}}"


def test_progbar_plain_lines_on_a_pipe(capsys):
    X, y = _noisy()
    _model().fit(
        X[:80], y[:80], batch_size=16, epochs=3, verbose=1, random_state=0,
        validation_data=(X[80:], y[80:]),
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "\r" not in out and "\x1b" not in out
    lines = out.splitlines()
    assert lines[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    for line in lines[1::2]:
        assert re.fullmatch(
            _FINAL.replace(r"(\d+)/\1", "5/5") + r" - val_loss: \d\.\d{4}", line
        )
    # one epoch: no "Epoch 1/1" header (Keras); 'auto' is 1; 0 is silent
    _model().fit(X, y, epochs=1, verbose="auto", random_state=0)
    assert re.fullmatch(_FINAL + "\n", capsys.readouterr().out)
    _model().fit(X, y, epochs=2, verbose=0, random_state=0)
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="verbose"):
        _model().fit(X, y, verbose=3)


def test_progbar_verbose_2_one_line_per_epoch(capsys):
    X, y = _noisy()
    _model(metrics=["accuracy"]).fit(
        X, y, batch_size=40, epochs=2, verbose=2, validation_split=0.25, random_state=0
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for k, line in enumerate(lines, 1):
        assert re.fullmatch(
            rf"Epoch {k}/2 - 3/3 - \d+s - \d+(us|ms|s)/step - loss: \d\.\d{{4}}"
            r" - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}",
            line,
        )


_SCRIPT = textwrap.dedent(
    """
    import numpy as np
    from sknetscratch import Adam, DenseBlock, Model, ProgbarLogger
    X = np.random.default_rng(0).normal(size=(120, 4)); y = (X[:, 0] > 0) * 1
    model = Model([DenseBlock(8, "relu"), DenseBlock(1, "sigmoid")])
    model.compile(Adam(0.01), "binary_crossentropy")
    model.fit(X, y, batch_size=10, epochs=2, verbose=1, random_state=0,
              callbacks=[ProgbarLogger(interval=0.0)])  # redraw after every batch
    """
)


# proc.stderr (a pipe) is left to the garbage collector
@pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning")
def test_progbar_redrawn_in_place_on_a_terminal():
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", _SCRIPT], stdout=slave, stderr=subprocess.PIPE,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
    raw = b"".join(chunks).decode().replace("\r\n", "\n")  # the tty's ONLCR
    assert "\x1b[1m" in raw and "\x1b[32m" in raw  # Keras' bold and green
    epochs = _ANSI.sub("", raw).split("\n")
    assert epochs[0] == "Epoch 1/2" and epochs[2] == "Epoch 2/2" and epochs[4] == ""
    for line in (epochs[1], epochs[3]):
        frames = [f.rstrip() for f in line.split("\r") if f]
        # one frame per batch, then the final line, all on one terminal line
        assert len(frames) == 13
        for k, frame in enumerate(frames[:12], 1):
            done = "━" * int(20 * k / 12)
            assert re.fullmatch(
                rf"{k:2d}/12 {done}━{{{20 - len(done)}}} \d+s \d+(us|ms|s)/step"
                r" - loss: \d\.\d{4}",
                frame,
            ), frame
        assert re.fullmatch(_FINAL.replace(r"(\d+)/\1", "12/12"), frames[-1])


# -- compile(metrics=), fit(validation_split=, class_weight=), evaluate ------------


def test_metrics_and_validation_split_as_keras_users_call_them():
    X, y = _noisy()
    model = Model([DenseBlock(16, "relu"), DenseBlock(1, "sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    h = model.fit(X, y, batch_size=16, epochs=3, validation_split=0.2, random_state=0)
    assert list(h.history) == [
        "loss", "val_loss", "val_accuracy", "learning_rate", "seconds"
    ]  # fmt: skip
    Xv, yv = X[-24:], y[-24:]  # the last 20% of the rows, before shuffling
    loss, acc = model.evaluate(Xv, yv)
    assert h.history["val_loss"][-1] == pytest.approx(loss, rel=1e-12)
    assert (
        acc
        == h.history["val_accuracy"][-1]
        == np.mean((model.predict(Xv)[:, 0] > 0.5) == yv)
    )
    assert model.evaluate(Xv, yv, return_dict=True) == {"loss": loss, "accuracy": acc}
    # the same as training on the first 80% with the rest as validation_data
    other = Model([DenseBlock(16, "relu"), DenseBlock(1, "sigmoid")])
    other.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    h2 = other.fit(X[:-24], y[:-24], 16, 3, validation_data=(Xv, yv), random_state=0)
    assert h2.history["loss"] == h.history["loss"]
    assert h2.history["val_loss"] == h.history["val_loss"]
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(X, y, validation_split=1.0)


def test_metrics_softmax_and_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    Y = np.eye(3)[np.argmax(X, axis=1)]
    model = Model([DenseBlock(3, "softmax")]).compile("adam", metrics=["accuracy"])
    model.fit(X, Y, epochs=5, random_state=0)
    loss, acc = model.evaluate(X, Y)
    assert acc == np.mean(np.argmax(model.predict(X), 1) == np.argmax(Y, 1))
    t = X @ np.array([1.0, -2.0, 0.5])
    reg = Model([DenseBlock(1, "linear")]).compile("adam", metrics=["mse", "mae"])
    reg.fit(X, t, epochs=3, random_state=0)
    sw = rng.uniform(0.5, 2, size=60)
    d = reg.evaluate(X, t, sw, return_dict=True)
    p = reg.predict(X)[:, 0]
    assert d["mse"] == pytest.approx(np.average((p - t) ** 2, weights=sw), rel=1e-12)
    assert d["mae"] == pytest.approx(np.average(np.abs(p - t), weights=sw), rel=1e-12)
    assert isinstance(
        Model([DenseBlock(1, "linear")]).compile().build(3, 0).evaluate(X, t), float
    )
    with pytest.raises(ValueError, match="Unknown metric"):
        reg.compile(metrics=["f1"])
    with pytest.raises(TypeError, match="list of metric names"):
        reg.compile(metrics="mse")


@pytest.mark.parametrize("one_hot", [False, True])
def test_class_weight_multiplies_sample_weights(one_hot):
    X, y = _noisy()
    sw = np.random.default_rng(2).uniform(0.5, 1.5, size=len(y))
    if one_hot:
        Y = np.eye(2)[y]
        make = lambda: Model([DenseBlock(2, "softmax")]).compile("adam")  # noqa: E731
    else:
        Y = y
        make = lambda: _model()  # noqa: E731
    a, b = make(), make()
    ha = a.fit(
        X, Y, epochs=3, random_state=0, class_weight={0: 1.0, 1: 3.0}, sample_weight=sw
    )
    hb = b.fit(
        X, Y, epochs=3, random_state=0, sample_weight=sw * np.where(y == 1, 3.0, 1.0)
    )
    assert ha.history["loss"] == hb.history["loss"]
    np.testing.assert_array_equal(a.params, b.params)
    # a class left out weighs 1
    c = make()
    hc = c.fit(X, Y, epochs=3, random_state=0, class_weight={1: 1.0}, sample_weight=sw)
    d = make()
    hd = d.fit(X, Y, epochs=3, random_state=0, sample_weight=sw)
    assert hc.history["loss"] == hd.history["loss"]


def test_class_weight_bad_input():
    X, y = _noisy()
    with pytest.raises(ValueError, match="integer class targets"):
        _model().fit(X, y + 0.5, class_weight={0: 2.0})
    with pytest.raises(TypeError, match="dict"):
        _model().fit(X, y, class_weight="balanced")
    with pytest.raises(ValueError, match="class indices"):
        _model().fit(X, y, class_weight={"yes": 2.0})
    with pytest.raises(ValueError, match=">= 0"):
        _model().fit(X, y - 1, class_weight={0: 2.0})


def test_default_fit_unchanged_by_the_new_arguments():
    X, y = _noisy()
    a, b = _model(), _model()
    ha = a.fit(X, y, batch_size=16, epochs=3, random_state=0)
    hb = b.fit(
        X, y, batch_size=16, epochs=3, random_state=0, validation_split=0.0,
        class_weight=None, callbacks=[],
    )  # fmt: skip
    assert ha.history["loss"] == hb.history["loss"]
    np.testing.assert_array_equal(a.params, b.params)


def test_a_given_progbar_logger_is_used_once(capsys):
    X, y = _noisy()
    # fit's verbose=1 adds no second display next to the user's
    _model().fit(X, y, epochs=2, verbose=1, random_state=0, callbacks=[ProgbarLogger()])
    assert capsys.readouterr().out.count("Epoch 2/2") == 1
    # a ProgbarLogger(verbose=2) shows one line per epoch even with verbose=0
    _model().fit(X, y, epochs=2, random_state=0, callbacks=[ProgbarLogger(2)])
    lines = capsys.readouterr().out.splitlines()
    assert [line[:11] for line in lines] == ["Epoch 1/2 -", "Epoch 2/2 -"]
