"""Model: building, summary, compile checks, the training loop, persistence."""

import copy
import gc
import os
import pickle
import re
import signal
import weakref

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

import sknetscratch
from sknetscratch import (
    SGD,
    Adam,
    Callback,
    DenseBlock,
    Dropout,
    History,
    Layer,
    Model,
    TrainingDivergedError,
)
from sknetscratch.nn.activations import ACTIVATIONS
from sknetscratch.training.state import restore, snapshot


def _data(n=40, d=5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def _classifier(hidden=(8,), activation="relu", optimizer=None, dropout=None, **kw):
    model = Model()
    for units in hidden:
        model.add(DenseBlock(units, activation))
        if dropout:
            model.add(Dropout(dropout))
    model.add(DenseBlock(1, "sigmoid"))
    model.compile(optimizer or Adam(0.01), "binary_crossentropy", **kw)
    return model


def _blog_network():
    model = Model(input_dim=30)
    model.add(DenseBlock(128, "relu"))
    model.add(DenseBlock(64, "relu"))
    model.add(DenseBlock(32, "relu"))
    model.add(DenseBlock(1, "sigmoid"))
    return model


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []
        self.batch_losses = []
        self.epoch_weights = []

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")

    def on_train_end(self, logs=None):
        self.calls.append("train_end")

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch))
        self.epoch_weights.append(self.model.params.copy())

    def on_train_batch_end(self, batch, logs=None):
        self.batch_losses.append(logs["loss"])


# -- building -------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["relu", 3, DenseBlock, None])
def test_add_non_layer_raises_type_error(bad):
    model = Model()
    msg = (
        "Only instances of sknetscratch.nn.layers.Layer can be added to a Model. "
        f"Received: {bad!r} (of type {type(bad).__name__})"
    )
    with pytest.raises(TypeError, match=f"^{re.escape(msg)}$"):
        model.add(bad)
    assert model.layers == []
    with pytest.raises(TypeError, match="Only instances of"):
        Model([DenseBlock(2), bad])


def test_layer_names_and_add_after_build():
    model = Model(
        [DenseBlock(4), Dropout(0.1), DenseBlock(3), DenseBlock(1, name="out")]
    )
    assert [lay.name for lay in model.layers] == ["dense", "dropout", "dense_1", "out"]
    model.build(2, random_state=0)
    with pytest.raises(ValueError, match="already built"):
        model.add(DenseBlock(1))


def test_build_creates_flat_vector_with_layer_views():
    model = _blog_network().build(random_state=0)
    assert model.params.shape == (14_337,) and model.grads.shape == (14_337,)
    assert model.count_params() == 14_337
    first = model.layers[0]
    assert first.W.shape == (30, 128) and first.b.shape == (128,)
    assert np.shares_memory(first.W, model.params)
    model.params[0] = 123.0
    assert first.W[0, 0] == 123.0
    model.grads[...] = 0.0
    first.grads["b"][...] = 7.0
    assert np.shares_memory(first.grads["b"], model.grads)
    assert model.grads.sum() == 7.0 * 128 and np.count_nonzero(model.grads) == 128


def test_unbuilt_and_uncompiled_errors():
    model = Model([DenseBlock(1, "sigmoid")])
    with pytest.raises(ValueError, match="not been built"):
        model.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="needs input_dim"):
        model.build()
    with pytest.raises(ValueError, match="compile"):
        model.fit(np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="no layers"):
        Model().compile("sgd", "squared_error")


# -- summary --------------------------------------------------------------------


def test_summary_of_the_blog_post_network(capsys):
    model = _blog_network()
    model.summary()
    out = capsys.readouterr().out
    assert out.startswith('Model: "sequential"\n')
    header = re.compile(r"┃ Layer \(type\)\s+┃ Output Shape\s+┃\s+Param # ┃")
    assert header.search(out)
    expected = [
        ("dense", 128, "3,968"),
        ("dense_1", 64, "8,256"),
        ("dense_2", 32, "2,080"),
        ("dense_3", 1, "33"),
    ]
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert len(rows) == 4
    for line, (name, units, count) in zip(rows, expected):
        pattern = (
            rf"│ {name} \(DenseBlock\)\s+│ \(None, {units}\)\s+│\s+{re.escape(count)} │"
        )
        assert re.fullmatch(pattern, line), line
    assert re.search(r"^ Total params: 14,337 \(", out, re.M)
    assert re.search(r"^ Trainable params: 14,337 \(", out, re.M)
    assert re.search(r"^ Non-trainable params: 0 \(0\.00 B\)$", out, re.M)
    # all table lines have the same width
    table = [line for line in out.splitlines() if line[:1] in "┏┃┡│├└"]
    assert len({len(line) for line in table}) == 1


def test_summary_print_fn_and_built_float32():
    model = _blog_network().build(random_state=0, dtype=np.float32)
    lines = []
    model.summary(print_fn=lines.append)
    assert len(lines) == 1
    text = lines[0]
    assert "Total params: 14,337 (56.00 KB)" in text  # Keras' figure, float32
    assert "dense_3 (DenseBlock)" in text


def test_summary_unknown_input_dim():
    lines = []
    Model([DenseBlock(3), DenseBlock(1)]).summary(print_fn=lines.append)
    rows = [line for line in lines[0].splitlines() if line.startswith("│")]
    assert len(rows) == 2
    assert all(re.search(r"│ \?\s+│\s+0 \(unbuilt\) │$", row) for row in rows), rows
    assert " Total params: 0 (0.00 B)" in lines[0]


# -- compile --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loss", "last"),
    [
        ("binary_crossentropy", "relu"),
        ("binary_crossentropy", "softmax"),
        ("categorical_crossentropy", "sigmoid"),
        ("squared_error", "relu"),
        ("poisson", "linear"),
    ],
)
def test_compile_rejects_mismatched_output_activation(loss, last):
    model = Model([DenseBlock(4, "relu"), DenseBlock(2, last)])
    with pytest.raises(ValueError, match=f"Loss '{loss}' is computed from the logits"):
        model.compile("adam", loss)


@pytest.mark.parametrize("loss", sorted(sknetscratch.LOSSES))
def test_compile_accepts_the_link(loss):
    link = sknetscratch.LOSSES[loss].link
    model = Model([DenseBlock(4, "relu"), DenseBlock(2, link)])
    assert model.compile("sgd", loss) is model
    assert model.loss.name == loss and isinstance(model.optimizer, SGD)


def test_compile_rejects_dropout_last_and_bad_alpha():
    with pytest.raises(ValueError, match="activation None"):
        Model([DenseBlock(2, "sigmoid"), Dropout(0.5)]).compile(
            loss="binary_crossentropy"
        )
    model = Model([DenseBlock(1, "sigmoid")])
    with pytest.raises(ValueError, match="alpha must be a non-negative"):
        model.compile(alpha=-1.0)
    with pytest.raises(ValueError, match="Unknown loss"):
        model.compile(loss="hinge")


# -- fit: history, validation, callbacks ------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_epoch_loss_is_weighted_mean_over_batches(weighted):
    X, y = _data(n=30)
    sw = np.random.default_rng(1).uniform(0.1, 3.0, size=30) if weighted else None
    model = _classifier(optimizer=SGD(0.0))
    rec = Recorder()
    # batches of 8, 8, 8 and 6: weights don't move with a learning rate of 0
    hist = model.fit(
        X, y, batch_size=8, epochs=2, shuffle=False, random_state=0,
        callbacks=[rec], sample_weight=sw,
    )  # fmt: skip
    # as scikit-learn's MLP: the mean of the batch losses weighted by their rows
    # (with sample weights, each batch loss is that batch's weighted mean)
    batches = [slice(0, 8), slice(8, 16), slice(16, 24), slice(24, 30)]
    full = sum(
        model.evaluate(X[b], y[b], None if sw is None else sw[b]) * len(X[b])
        for b in batches
    ) / len(X)
    if sw is None:
        assert full == pytest.approx(model.evaluate(X, y), rel=1e-12)
    assert hist.history["loss"] == pytest.approx([full, full], rel=1e-12)
    assert len(rec.batch_losses) == 8
    last = rec.batch_losses[3]
    assert abs(last - full) > 1e-3  # the last batch alone is a different number
    manual = model.evaluate(X[24:], y[24:], None if sw is None else sw[24:])
    assert last == pytest.approx(manual, rel=1e-12)


def test_epoch_loss_is_mean_of_recorded_batch_losses_while_training():
    X, y = _data(n=30)
    model = _classifier(optimizer=SGD(0.1))
    rec = Recorder()
    hist = model.fit(X, y, batch_size=7, epochs=3, random_state=0, callbacks=[rec])
    sizes = np.array([7, 7, 7, 7, 2])
    per_epoch = np.array(rec.batch_losses).reshape(3, 5)
    expected = per_epoch @ sizes / 30
    np.testing.assert_allclose(hist.history["loss"], expected, rtol=1e-12)
    assert hist.epoch == [0, 1, 2]
    assert all(isinstance(v, float) for v in hist.history["loss"])


def test_validation_data_gives_val_loss():
    X, y = _data(n=60)
    model = _classifier()
    hist = model.fit(
        X[:40], y[:40], epochs=4, random_state=0, validation_data=(X[40:], y[40:])
    )
    assert list(hist.history) == ["loss", "val_loss", "learning_rate", "seconds"]
    assert len(hist.history["val_loss"]) == 4
    assert hist.history["val_loss"][-1] == pytest.approx(
        model.evaluate(X[40:], y[40:]), rel=1e-12
    )
    sw = np.linspace(0.5, 2.0, 20)
    hist = model.fit(
        X[:40], y[:40], epochs=1, random_state=0,
        validation_data=(X[40:], y[40:], sw),
    )  # fmt: skip
    assert hist.history["val_loss"][0] == pytest.approx(
        model.evaluate(X[40:], y[40:], sw), rel=1e-12
    )


def test_callback_hooks_are_called():
    X, y = _data(n=20)
    model = _classifier()
    rec = Recorder()
    hist = model.fit(X, y, batch_size=8, epochs=3, random_state=0, callbacks=[rec])
    assert rec.model is model
    assert isinstance(hist, History) and hist.model is None
    assert rec.calls[0] == "train_begin" and rec.calls[-1] == "train_end"
    assert [c for c in rec.calls if c[0] == "epoch_end"] == [
        ("epoch_end", 0),
        ("epoch_end", 1),
        ("epoch_end", 2),
    ]
    assert sum(c[0] == "epoch_begin" for c in rec.calls) == 3
    assert len(rec.batch_losses) == 3 * 3  # 20 samples in batches of 8


def test_callback_stop_training():
    class StopAt(Callback):
        def __init__(self, epoch):
            super().__init__()
            self.epoch, self.seen = epoch, 0

        def on_epoch_end(self, epoch, logs=None):
            self.seen += 1
            if epoch == self.epoch:
                self.model.stop_training = True

    X, y = _data(n=20)
    model = _classifier()
    cb = StopAt(2)
    hist = model.fit(X, y, epochs=50, random_state=0, callbacks=[cb])
    assert cb.seen == 3 and len(hist.history["loss"]) == 3
    # the flag is reset by the next fit
    hist = model.fit(X, y, epochs=2, random_state=0)
    assert len(hist.history["loss"]) == 2


def test_verbose_prints_plain_lines_when_not_a_terminal(capsys):
    X, y = _data(n=20)
    _classifier().fit(X, y, epochs=2, verbose=1, random_state=0)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and lines[2] == "Epoch 2/2"
    assert lines[3].startswith("1/1 " + "━" * 20 + " 0s ")
    _classifier().fit(X, y, epochs=2, verbose=2, random_state=0)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("Epoch 2/2 - 1/1 - 0s - ")


def test_fit_accepts_lists_and_1d_targets_and_checks_shapes():
    X, y = _data(n=12)
    model = _classifier()
    model.fit(X.tolist(), y.tolist(), epochs=1, random_state=0)
    assert model.predict(X).shape == (12, 1)
    with pytest.raises(ValueError, match="different numbers of samples"):
        model.fit(X, y[:-1])
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])
    with pytest.raises(ValueError, match="2D input"):
        model.predict(X[0])


# -- dtypes -----------------------------------------------------------------------


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_end_to_end(activation, dtype):
    X, y = _data(n=24, dtype=dtype)
    model = _classifier(hidden=(6, 4), activation=activation, dropout=0.2, alpha=1e-3)
    model.fit(X, y, batch_size=8, epochs=2, random_state=0, sample_weight=np.ones(24))
    assert model.dtype == np.dtype(dtype).name
    assert model.params.dtype == dtype and model.grads.dtype == dtype
    for layer in model.layers:
        for arr in (*layer.params.values(), *layer.grads.values()):
            assert arr.dtype == dtype
    assert model.optimizer.m.dtype == dtype and model.optimizer.v.dtype == dtype
    Xp, yp, _ = model.prepare(X, y)
    workspace = model.workspace()
    model.loss_and_gradient(Xp, yp, rng=np.random.default_rng(0), workspace=workspace)
    assert workspace.caches[-1]["Z"].dtype == dtype
    assert model.grads.dtype == dtype
    assert model.predict(X).dtype == dtype
    assert model.predict(X.astype(np.float64)).dtype == dtype  # cast to the model
    assert model.predict_logits(X).dtype == dtype
    assert np.all(np.isfinite(model.params))


# -- reproducibility ----------------------------------------------------------------


def _train(seed, X, y):
    model = _classifier(hidden=(8, 8), dropout=0.3)
    model.fit(X, y, batch_size=8, epochs=3, random_state=seed)
    return model


def test_same_seed_bit_identical_different_seed_differs():
    X, y = _data(n=40)
    a, b, c = _train(0, X, y), _train(0, X, y), _train(1, X, y)
    assert np.array_equal(a.params, b.params)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        assert np.array_equal(wa, wb)
    assert np.array_equal(a.predict(X), b.predict(X))
    assert not np.array_equal(a.params, c.params)
    assert not np.array_equal(a.predict(X), c.predict(X))


def test_generator_random_state():
    X, y = _data(n=40)
    a = _classifier().fit(X, y, epochs=2, random_state=np.random.default_rng(5))
    b = _classifier().fit(X, y, epochs=2, random_state=np.random.default_rng(5))
    a.history.pop("seconds"), b.history.pop("seconds")  # wall time differs
    assert a.history == b.history


# -- persistence ----------------------------------------------------------------------


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_round_trip_of_trained_model(how):
    X, y = _data(n=40)
    model = _train(0, X, y)
    clone = (
        pickle.loads(pickle.dumps(model)) if how == "pickle" else copy.deepcopy(model)
    )
    assert np.array_equal(clone.predict(X), model.predict(X))
    assert np.array_equal(clone.params, model.params)
    assert not np.shares_memory(clone.params, model.params)
    # the flat vector is re-linked to the layers' views
    for layer in clone.layers:
        for k in layer.params:
            assert np.shares_memory(layer.params[k], clone.params)
            assert np.shares_memory(layer.grads[k], clone.grads)
    saved, before = clone.params.copy(), clone.layers[0].W.copy()
    clone.params[:] += 1.0
    np.testing.assert_array_equal(clone.layers[0].W, before + 1.0)
    clone.params[:] = saved
    # both continue training identically (optimizer state survived)
    model.fit(X, y, batch_size=8, epochs=2, random_state=3)
    clone.fit(X, y, batch_size=8, epochs=2, random_state=3)
    assert np.array_equal(clone.params, model.params)
    assert clone.optimizer.iterations == model.optimizer.iterations
    assert np.array_equal(clone.predict(X), model.predict(X))
    # and the clone's gradients land in its flat vector
    Xp, yp, _ = clone.prepare(X, y)
    clone.loss_and_gradient(Xp, yp, training=False)
    assert np.any(clone.grads != 0)
    np.testing.assert_array_equal(
        clone.grads[: clone.layers[0].W.size], clone.layers[0].grads["W"].ravel()
    )


def test_pickle_unbuilt_model():
    model = _classifier()
    clone = pickle.loads(pickle.dumps(model))
    assert not clone.built
    X, y = _data(n=10)
    clone.fit(X, y, epochs=1, random_state=0)
    assert clone.built


def test_get_and_set_weights():
    X, y = _data(n=20)
    model = _train(0, X, y)
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(5, 8), (8,), (8, 8), (8,), (8, 1), (1,)]
    weights[0][...] = 0.0  # copies: the model is unchanged
    assert np.any(model.layers[0].W != 0)
    other = _classifier(hidden=(8, 8), dropout=0.3).build(5, random_state=9)
    assert not np.array_equal(other.predict(X), model.predict(X))
    other.set_weights(model.get_weights())
    assert np.array_equal(other.params, model.params)
    assert np.array_equal(other.predict(X), model.predict(X))
    with pytest.raises(ValueError, match="Expected 6 arrays; got 5"):
        other.set_weights(model.get_weights()[:5])
    bad = model.get_weights()
    bad[1] = np.zeros(3)
    with pytest.raises(ValueError, match="does not match"):
        other.set_weights(bad)


# -- divergence ---------------------------------------------------------------------


def _regressor(lr):
    model = Model([DenseBlock(8, "relu"), DenseBlock(1)])
    model.compile(SGD(lr), "squared_error")
    return model


def test_divergence_raises_and_restores_finite_weights():
    X, _ = _data(n=64)
    y = X[:, 0]
    model = _regressor(1e6)
    model.build(5, random_state=0)
    start = model.params.copy()
    with pytest.raises(TrainingDivergedError) as exc:
        model.fit(X * 1e6, y, batch_size=16, epochs=5, random_state=0)
    msg = str(exc.value)
    assert "epoch 1" in msg
    assert "Scale the input features" in msg and "lower the learning rate" in msg
    assert isinstance(exc.value, ValueError)
    assert np.all(np.isfinite(model.params))
    np.testing.assert_array_equal(model.params, start)  # start of the epoch
    assert np.all(np.isfinite(model.predict(X)))


def test_divergence_in_a_later_epoch_names_it_and_restores_that_epoch():
    class Boost(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.optimizer.learning_rate = 1e6

    X, _ = _data(n=64)
    y = X[:, 0]
    model = _regressor(1e-15)
    rec = Recorder()
    with pytest.raises(TrainingDivergedError, match="at epoch 3"):
        model.fit(X * 1e6, y, batch_size=16, epochs=10, random_state=0,
                  callbacks=[rec, Boost()])  # fmt: skip
    assert len(rec.epoch_weights) == 2
    np.testing.assert_array_equal(model.params, rec.epoch_weights[-1])
    assert np.all(np.isfinite(model.params))


def test_divergence_on_the_last_step_is_detected():
    # One batch, one epoch: the only loss is computed before the exploding
    # update, so the loss alone cannot reveal that the weights became inf.
    X, _ = _data(n=16)
    y = X[:, 0]
    model = _regressor(1e308)
    model.build(5, random_state=0)
    start = model.params.copy()
    with pytest.raises(TrainingDivergedError, match="epoch 1"):
        model.fit(X * 1e6, y, batch_size=16, epochs=1, random_state=0)
    assert np.all(np.isfinite(model.params))
    np.testing.assert_array_equal(model.params, start)


# -- Ctrl-C ---------------------------------------------------------------------------


def test_sigint_stops_after_the_batch():
    class CtrlC(Callback):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1
            if self.batches == 5:  # second epoch, batch 2
                os.kill(os.getpid(), signal.SIGINT)

    X, y = _data(n=24)
    model = _classifier()
    handler = signal.getsignal(signal.SIGINT)
    cb = CtrlC()
    with pytest.warns(UserWarning, match="interrupted by the user") as record:
        hist = model.fit(X, y, batch_size=8, epochs=100, random_state=0, callbacks=[cb])
    assert "epoch 2" in str(record[0].message)
    assert hist.interrupted is True
    assert cb.batches == 5 and model.optimizer.iterations == 5
    assert len(hist.history["loss"]) == 1  # the interrupted epoch is not logged
    assert signal.getsignal(signal.SIGINT) is handler  # handler restored
    assert np.all(np.isfinite(model.params))
    proba = model.predict(X)
    assert proba.shape == (24, 1) and np.all(np.isfinite(proba))
    # still usable: it can train again
    hist = model.fit(X, y, batch_size=8, epochs=1, random_state=0)
    assert hist.interrupted is False and len(hist.history["loss"]) == 1


# -- the seed post's experiment -------------------------------------------------------


def test_blog_post_network_trains_on_breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X_test, y_test, X_train, y_train = X[:100], y[:100], X[100:], y[100:]
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    model = _blog_network()
    model.compile(Adam(1e-3), "binary_crossentropy")
    hist = model.fit(
        X_train, y_train, batch_size=32, epochs=20, random_state=0,
        validation_data=(X_test, y_test),
    )  # fmt: skip
    assert hist.history["loss"][-1] < hist.history["loss"][0] / 3
    accuracy = np.mean((model.predict(X_test)[:, 0] >= 0.5) == y_test)
    assert accuracy >= 0.96


# -- regressions found in review --------------------------------------------------


def test_zero_weight_batches_are_skipped_not_fatal():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    w = np.zeros(40)
    w[:5] = 1.0  # most batches of 5 have zero total weight
    model = Model([DenseBlock(4, "relu"), DenseBlock(1)]).compile(
        "sgd", "squared_error"
    )
    history = model.fit(X, y, batch_size=5, epochs=3, sample_weight=w, random_state=0)
    assert np.isfinite(history.history["loss"]).all()
    with pytest.raises(ValueError, match="sum to zero"):
        model.loss_and_gradient(X[:5], y[:5, None], np.zeros(5))


def test_fit_keeps_no_reference_to_the_training_data():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    model = Model([DenseBlock(4, "relu"), DenseBlock(1)]).compile(
        "sgd", "squared_error"
    )
    data = weakref.ref(X)
    model.fit(X, y, batch_size=30, epochs=1, shuffle=False, random_state=0)
    del X
    gc.collect()
    assert data() is None  # nothing the fit left behind refers to it


def test_add_after_compile_checks_the_new_output_layer():
    model = Model([DenseBlock(3, "relu"), DenseBlock(1, "sigmoid")])
    model.compile("adam", "binary_crossentropy")
    with pytest.raises(ValueError, match="last layer"):
        model.add(DenseBlock(1, "relu"))
    assert len(model.layers) == 2  # the refused layer was not kept


def test_public_forward_returns_fresh_arrays():
    rng = np.random.default_rng(0)
    layer = DenseBlock(3, "relu").build(2, rng)
    a = layer(rng.normal(size=(4, 2)))  # layer.forward may return its buffer
    b = layer(rng.normal(size=(4, 2)))
    assert a is not b and not np.shares_memory(a, b)
    model = Model([DenseBlock(3, "relu"), DenseBlock(1)]).build(2, 0)
    out1 = model.forward(np.ones((4, 2)))
    kept = out1.copy()
    out2 = model.forward(np.full((4, 2), -3.0))
    assert not np.array_equal(out2, kept)  # the second pass computes something else
    np.testing.assert_array_equal(out1, kept)  # and did not overwrite the first


def test_shallow_copy_does_not_detach_the_original():
    model = Model([DenseBlock(3, "relu"), DenseBlock(1)]).build(2, 0)
    clone = copy.copy(model)
    model.params[...] = 0.0
    assert np.all(model.layers[0].W == 0.0)
    assert not np.all(clone.layers[0].W == 0.0)


def test_batch_hooks_are_called_when_implemented_on_the_class_or_instance():
    X, y = _data(n=10)
    model = Model()
    model.add(DenseBlock(2, "relu"))
    model.add(DenseBlock(1, "sigmoid"))
    model.compile("sgd", "binary_crossentropy")
    on_class = Recorder()  # overrides on_train_batch_end
    on_instance = Callback()
    seen = []
    on_instance.on_train_batch_begin = lambda batch, logs=None: seen.append(batch)
    model.fit(X, y, batch_size=4, epochs=2, callbacks=[on_class, on_instance])
    assert seen == [0, 1, 2, 0, 1, 2]  # batches of 4, 4 and 2 rows, twice
    assert len(on_class.batch_losses) == 6


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
def test_inference_in_row_blocks_equals_one_pass(dtype, fmt, monkeypatch):
    import scipy.sparse as sp

    from sknetscratch.nn import network as model_module

    rng = np.random.default_rng(0)
    X = rng.normal(size=(103, 6)).astype(dtype)
    X[X < 0.3] = 0  # sparse enough to be worth a sparse matrix
    model = _classifier(hidden=(9, 5), dropout=0.2)
    model.build(6, rng, dtype)
    Xin = X if fmt == "dense" else getattr(sp, f"{fmt}_matrix")(X)
    monkeypatch.setattr(model_module, "INFERENCE_BLOCK_ROWS", 10**6)
    whole = model.predict(Xin), model.predict_logits(Xin)
    monkeypatch.setattr(
        model_module, "INFERENCE_BLOCK_ROWS", 10
    )  # 11 blocks, last 3 rows
    blocked = model.predict(Xin), model.predict_logits(Xin)
    for a, b in zip(whole, blocked):
        assert b.dtype == dtype and b.shape == a.shape
        np.testing.assert_allclose(b, a, rtol=1e-6 if dtype == np.float32 else 1e-13)


# -- Keras conveniences -----------------------------------------------------------


def test_duplicate_layer_names_are_refused():
    model = Model([DenseBlock(4, name="x")])
    with pytest.raises(ValueError, match="unique names. Name 'x' is already"):
        model.add(DenseBlock(1, name="x"))
    assert len(model.layers) == 1
    model.add(DenseBlock(1))  # generated names never collide
    assert [lay.name for lay in model.layers] == ["x", "dense"]


@pytest.mark.parametrize("shape", [5, np.int64(5), (None, 5), [None, 5]])
def test_build_accepts_an_int_or_a_keras_input_shape(shape):
    model = Model([DenseBlock(3), DenseBlock(1)]).build(shape, random_state=0)
    assert model.input_dim == 5 and model.layers[0].W.shape == (5, 3)


@pytest.mark.parametrize("shape", [(5,), (4, 5), (None, 5, 2), "5", 0, True])
def test_build_refuses_other_shapes(shape):
    with pytest.raises(ValueError, match="input|features"):
        Model([DenseBlock(1)]).build(shape)


@pytest.mark.parametrize(
    ("link", "loss"),
    [
        ("sigmoid", "binary_crossentropy"),
        ("softmax", "categorical_crossentropy"),
        ("linear", "squared_error"),
        ("exp", "poisson"),
    ],
)
def test_compile_without_loss_uses_the_output_activations_loss(link, loss):
    model = Model([DenseBlock(3, "relu"), DenseBlock(2, link)]).compile("sgd")
    assert model.loss.name == loss


def test_compile_order_is_keras_and_a_swapped_call_is_an_error():
    model = Model([DenseBlock(1, "sigmoid")])
    with pytest.raises(ValueError, match="Unknown loss 'adam'"):
        model.compile("binary_crossentropy", "adam")
    with pytest.raises(ValueError, match="No loss is fused"):
        Model([DenseBlock(1, "relu")]).compile("adam")


def test_params_are_the_weights_in_layer_order():
    model = _classifier(hidden=(4, 3), dropout=0.1).build(5, random_state=0)
    np.testing.assert_array_equal(model.params, np.concatenate(
        [w.ravel() for w in model.get_weights()]
    ))  # fmt: skip
    model.layers[0].W[...] = 7.0  # layer arrays are views of the flat vector
    assert np.all(model.params[:20] == 7.0)


# -- randomness -----------------------------------------------------------------------


def _draws_left(rng):
    return rng.random(3) if isinstance(rng, np.random.Generator) else rng.rand(3)


@pytest.mark.parametrize("kind", ["generator", "random_state"])
def test_build_draws_kernel_then_bias_in_layer_order_from_the_given_rng(kind):
    make = np.random.default_rng if kind == "generator" else np.random.RandomState
    model = Model()
    model.add(DenseBlock(3, kernel_initializer="sklearn", bias_initializer="sklearn"))
    model.add(DenseBlock(1, kernel_initializer="sklearn", bias_initializer="sklearn"))
    rng = make(0)
    model.build(4, random_state=rng)
    ref = make(0)
    for n_in, n_out in ((4, 3), (3, 1)):
        limit = np.sqrt(6 / (n_in + n_out))
        W = ref.uniform(-limit, limit, size=(n_in, n_out))
        b = ref.uniform(-limit, limit, size=(n_out,))
        np.testing.assert_array_equal(model.get_weights()[0 if n_in == 4 else 2], W)
        np.testing.assert_array_equal(model.get_weights()[1 if n_in == 4 else 3], b)
    np.testing.assert_array_equal(_draws_left(rng), _draws_left(ref))  # used as given


@pytest.mark.parametrize("kind", ["generator", "random_state"])
def test_fit_draws_one_permutation_per_epoch_and_nothing_else(kind):
    make = np.random.default_rng if kind == "generator" else np.random.RandomState
    X, y = _data(n=20)
    model = _classifier().build(5, random_state=0)
    rng, ref = make(3), make(3)
    rec = Recorder()
    model.fit(X, y, batch_size=8, epochs=3, random_state=rng, callbacks=[rec])
    for _ in range(3):
        ref.permutation(20)
    np.testing.assert_array_equal(_draws_left(rng), _draws_left(ref))
    assert len(rec.batch_losses) == 3 * 3  # batches of 8, 8 and 4 rows


def test_fit_batches_are_consecutive_slices_of_the_permutation():
    X, y = _data(n=10)
    seen = []

    class Spy(Model):
        def train_step(self, X, y, sample_weight=None, rng=None, workspace=None):
            seen.append(X.copy())
            return super().train_step(X, y, sample_weight, rng, workspace)

    model = Spy([DenseBlock(2, "relu"), DenseBlock(1, "sigmoid")])
    model.compile("sgd", "binary_crossentropy").build(5, random_state=0)
    model.fit(X, y, batch_size=4, epochs=1, random_state=np.random.RandomState(1))
    order = np.random.RandomState(1).permutation(10)
    assert [len(b) for b in seen] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate(seen), X[order])


def test_dropout_masks_come_from_a_separate_stream():
    X, y = _data(n=20)
    a = _classifier(dropout=0.5).build(5, random_state=0)
    b = _classifier(dropout=0.5).build(5, random_state=0)
    a.fit(X, y, batch_size=5, epochs=2, random_state=np.random.RandomState(0))
    b.fit(X, y, batch_size=5, epochs=2, random_state=np.random.RandomState(0))
    np.testing.assert_array_equal(a.params, b.params)  # reproducible
    c = _classifier(dropout=0.5).build(5, random_state=0)
    c.fit(X, y, batch_size=5, epochs=2, random_state=np.random.RandomState(1))
    assert not np.array_equal(a.params, c.params)


# -- non-trainable state ----------------------------------------------------------------


class RunningMean(Layer):
    """Identity that tracks the mean of its inputs in a non-trainable array."""

    kind = "running_mean"

    def state_shapes(self, input_dim):
        return {"mean": (input_dim,)}

    def forward(self, X, *, training=False, rng=None, sample_weight=None, cache=None):
        if training:
            self.state["mean"] *= 0.5
            self.state["mean"] += 0.5 * X.mean(axis=0)
        return X

    def backward(self, grad, cache, *, need_input_grad=True):
        return grad if need_input_grad else None


def _with_state():
    model = Model([DenseBlock(4, "tanh"), RunningMean(), DenseBlock(1, "sigmoid")])
    return model.compile(SGD(0.1), "binary_crossentropy").build(5, random_state=0)


def test_non_trainable_state_is_counted_and_never_optimized(capsys):
    model = _with_state()
    assert model.count_params() == 5 * 4 + 4 + 4 + 1
    assert model.count_non_trainable() == 4
    assert model.params.size == model.count_params()  # not in the flat vector
    model.summary()
    out = capsys.readouterr().out
    assert re.search(r"running_mean \(RunningMean\)\s+│ \(None, 4\)\s+│\s+4 │", out)
    assert " Total params: 33 (264.00 B)" in out
    assert " Trainable params: 29 (232.00 B)" in out
    assert " Non-trainable params: 4 (32.00 B)" in out
    X, y = _data(n=16)
    model.fit(X, y, batch_size=8, epochs=2, random_state=0)
    assert np.any(model.layers[1].state["mean"] != 0)  # updated by forward only
    assert model.optimizer.velocity.shape == model.params.shape


def test_snapshot_restores_non_trainable_state():
    model = _with_state()
    X, y = _data(n=16)
    model.fit(X, y, batch_size=8, epochs=1, random_state=0)
    snap = snapshot(model)
    mean, params = model.layers[1].state["mean"].copy(), model.params.copy()
    model.fit(X * 3, y, batch_size=8, epochs=1, random_state=0)
    assert not np.array_equal(model.layers[1].state["mean"], mean)
    restore(model, snap)
    np.testing.assert_array_equal(model.layers[1].state["mean"], mean)
    np.testing.assert_array_equal(model.params, params)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.layers[1].state["mean"], mean)


def test_every_hook_of_every_callback_is_called():
    class All(Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def __getattribute__(self, name):
            if name.startswith("on_"):
                self.seen.append(name)
            return super().__getattribute__(name)

    X, y = _data(n=8)
    cb = All()
    _classifier().fit(X, y, batch_size=4, epochs=1, random_state=0, callbacks=[cb])
    assert cb.seen == [
        "on_train_begin", "on_epoch_begin",
        "on_train_batch_begin", "on_train_batch_end",
        "on_train_batch_begin", "on_train_batch_end",
        "on_epoch_end", "on_train_end",
    ]  # fmt: skip


def test_pickle_made_before_the_layer_order_layout_keeps_its_optimizer_state():
    """A model pickled at e717ded (kernels first in the flat vector) unpickles
    with each array's Adam moments following it into the layer-order vector."""
    data = os.path.join(os.path.dirname(__file__), "data")
    with open(os.path.join(data, "model_e717ded.pkl"), "rb") as fh:
        model = pickle.load(fh)  # our own trusted fixture
    ref = np.load(os.path.join(data, "model_e717ded_moments.npz"))
    # to rounding: another machine's BLAS kernel may sum in another order
    np.testing.assert_allclose(model.predict(ref["X"]), ref["proba"], rtol=1e-12)
    for i, layer in enumerate(model.layers):
        for k in layer.params:
            where = model.param_slices[i, k]
            np.testing.assert_array_equal(model.optimizer.m[where], ref[f"m_{i}_{k}"])
            np.testing.assert_array_equal(model.optimizer.v[where], ref[f"v_{i}_{k}"])
    assert model.param_slices[0, "b"] == slice(12, 16)  # W0 b0 W1 b1 now


def test_the_core_imports_without_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from sknetscratch.training.model import Model\n"
        "from sknetscratch import DenseBlock, check_gradients\n"
        "m = Model([DenseBlock(2, 'relu'), DenseBlock(1, 'sigmoid')]).compile('adam')\n"
        "m.fit([[0.0, 1.0], [1.0, 0.0]], [0, 1], epochs=2, random_state=0)\n"
        "assert 'sknetscratch.estimators.classifier' not in sys.modules\n"
        "import sknetscratch\n"
        "try:\n"
        "    sknetscratch.ScratchMLPClassifier\n"
        "except ImportError:\n"
        "    print('lazy')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "lazy"  # the estimators need scikit-learn


# -- input types and weights of the core (the d4f51ab read's B3-B5) ---------------


def test_fit_predict_and_evaluate_take_a_dataframe():
    pd = pytest.importorskip("pandas")
    X, y = _data(n=40)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    a = Model([DenseBlock(4, "relu"), DenseBlock(1, "sigmoid")]).compile("adam")
    b = Model([DenseBlock(4, "relu"), DenseBlock(1, "sigmoid")]).compile("adam")
    a.fit(frame, pd.Series(y), epochs=3, batch_size=8, random_state=0)
    b.fit(X, y, epochs=3, batch_size=8, random_state=0)
    np.testing.assert_array_equal(a.params, b.params)
    np.testing.assert_array_equal(a.predict(frame), b.predict(X))
    assert a.evaluate(frame, y) == b.evaluate(X, y)


@pytest.mark.parametrize("fmt", ["coo", "csc", "csr"])
def test_fit_takes_any_sparse_format_as_predict_does(fmt):
    import scipy.sparse as sp

    X, y = _data(n=40)
    X[X < 0.2] = 0
    Xs = sp.random(1, 1).asformat(fmt).__class__(X)  # X in the format fmt
    assert Xs.format == fmt
    a = Model([DenseBlock(4, "relu"), DenseBlock(1, "sigmoid")]).compile("adam")
    b = Model([DenseBlock(4, "relu"), DenseBlock(1, "sigmoid")]).compile("adam")
    a.fit(Xs, y, epochs=2, batch_size=8, random_state=0)
    b.fit(X, y, epochs=2, batch_size=8, random_state=0)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.predict(Xs), b.predict(X), rtol=1e-12)


@pytest.mark.parametrize(
    "weights, message",
    [
        (np.zeros(40), "at least one non-zero"),
        (np.r_[-1.0, np.ones(39)], "Negative values"),
        (np.r_[np.nan, np.ones(39)], "NaN or infinity"),
    ],
)
def test_fit_refuses_sample_weights_scikit_learn_refuses(weights, message):
    X, y = _data(n=40)
    model = Model([DenseBlock(1, "sigmoid")]).compile("sgd").build(X.shape[1], 0)
    before = model.params.copy()
    with pytest.raises(ValueError, match=message):
        model.fit(X, y, epochs=3, sample_weight=weights, random_state=0)
    np.testing.assert_array_equal(model.params, before)  # nothing trained


def test_a_column_major_X_trains_as_a_row_major_one():
    """The batches are gathered from a row-major copy made once per fit (rows
    of a column-major array, such as a DataFrame's values, cost a whole copy
    of X per batch otherwise): the same numbers either way."""
    X, y = _data(n=40)
    a = Model([DenseBlock(4, "relu"), DenseBlock(1, "sigmoid")]).compile("adam")
    b = Model([DenseBlock(4, "relu"), DenseBlock(1, "sigmoid")]).compile("adam")
    a.fit(np.asfortranarray(X), y, epochs=3, batch_size=8, random_state=0)
    b.fit(np.ascontiguousarray(X), y, epochs=3, batch_size=8, random_state=0)
    np.testing.assert_array_equal(a.params, b.params)
