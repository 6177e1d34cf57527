"""sknetscratch.ModelCheckpoint (io/checkpoint.py): its arguments are checked when it
is made, and a file pattern that the logs cannot fill is a clear error before any
file is written. (Writing the file: tests/test_callbacks.py.)"""

import os

import numpy as np
import pytest

from sknetscratch import DenseBlock, Model, ModelCheckpoint, load
from sknetscratch.training.callbacks import ModelCheckpoint as InMemory


def _fit(callback, epochs=2, validation=False):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = (X[:, 0] > 0).astype(float)
    model = Model([DenseBlock(2, "tanh"), DenseBlock(1, "sigmoid")]).compile("adam")
    extra = {"validation_data": (X[:10], y[:10])} if validation else {}
    model.fit(X, y, epochs=epochs, random_state=0, callbacks=[callback], **extra)
    return model


def test_it_is_the_core_checkpoint_with_a_file():
    assert issubclass(ModelCheckpoint, InMemory)
    assert ModelCheckpoint().filepath is None


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"filepath": 3}, TypeError, "filepath must be None, a str or an os.PathLike"),
        ({"filepath": b"m.npz"}, TypeError, "filepath must be None, a str or an os"),
        ({"monitor": 1}, TypeError, "monitor must be a str .*got int 1"),
        ({"monitor": None}, TypeError, "monitor must be a str"),
        ({"save_best_only": "yes"}, TypeError, "save_best_only must be a bool"),
        ({"save_best_only": 1}, TypeError, "save_best_only must be a bool; got int"),
        ({"mode": "minimum"}, ValueError, "mode must be 'auto', 'min' or 'max'"),
        ({"mode": None}, ValueError, "mode must be 'auto', 'min' or 'max'; got None"),
        ({"filepath": "m-{epoch.npz"}, ValueError, "not a valid str.format pattern"),
        ({"filepath": "m-}.npz"}, ValueError, r"literal brace as '\{\{'"),
        ({"filepath": "m-{}.npz"}, ValueError, "positional field {}"),
        ({"filepath": "m-{0:02d}.npz"}, ValueError, "positional field {0}"),
    ],
)
def test_bad_arguments_are_refused_when_it_is_made(kwargs, error, match):
    with pytest.raises(error, match=match) as info:
        ModelCheckpoint(**kwargs)
    assert str(info.value).startswith("ModelCheckpoint: ")


class _BytesPath(os.PathLike):
    def __fspath__(self):
        return b"model.npz"


def test_a_path_of_bytes_is_refused():
    with pytest.raises(TypeError, match="a path of str, not of bytes"):
        ModelCheckpoint(_BytesPath())


def test_good_arguments(tmp_path):
    ckpt = ModelCheckpoint(
        tmp_path / "m-{epoch:02d}-{loss:.3f}.npz",
        monitor="loss",
        save_best_only=np.bool_(True),
        mode="min",
    )
    assert ckpt.save_best_only is True and ckpt.mode == "min"
    ModelCheckpoint(str(tmp_path / "a{{literal}}.npz"))  # escaped braces


def test_a_field_the_logs_lack_is_a_clear_error(tmp_path):
    pattern = str(tmp_path / "m-{epoch:02d}-{val_loss:.3f}.npz")
    with pytest.raises(ValueError) as info:
        _fit(ModelCheckpoint(pattern))  # no validation data: no val_loss
    message = str(info.value)
    assert "{val_loss}" in message  # the field
    assert repr(pattern) in message  # the file pattern
    assert "loss" in message and "learning_rate" in message  # the keys there are
    assert "{epoch}" in message
    assert os.listdir(tmp_path) == []  # found before anything was written


def test_the_fields_are_checked_on_epochs_that_save_nothing(tmp_path):
    # save_best_only on a monitor that is missing saves nothing (with a warning),
    # but the pattern is checked all the same, at the first epoch's end
    ckpt = ModelCheckpoint(
        tmp_path / "m-{acc}.npz", monitor="val_loss", save_best_only=True
    )
    with pytest.raises(ValueError, match=r"field\(s\) \{acc\}"):
        _fit(ckpt)
    assert os.listdir(tmp_path) == []


def test_nested_and_indexed_fields_name_their_root(tmp_path):
    with pytest.raises(ValueError, match=r"\{digits\}, \{val_acc\}"):
        _fit(ModelCheckpoint(str(tmp_path / "{val_acc[0]}-{loss:.{digits}f}.npz")))


def test_a_value_the_format_cannot_take_is_a_clear_error(tmp_path):
    pattern = str(tmp_path / "m-{loss:d}.npz")  # loss is a float
    with pytest.raises(ValueError, match="cannot fill filepath .*m-\\{loss:d\\}"):
        _fit(ModelCheckpoint(pattern))
    assert os.listdir(tmp_path) == []


def test_the_fields_that_the_logs_have_fill_the_name(tmp_path):
    pattern = tmp_path / "m-{epoch}-{val_loss:.2f}-{learning_rate}.npz"
    model = _fit(ModelCheckpoint(pattern), epochs=2, validation=True)
    names = sorted(os.listdir(tmp_path))
    assert [n.split("-")[1] for n in names] == ["1", "2"]
    last = load(tmp_path / names[-1])
    X = np.ones((2, 3))
    np.testing.assert_array_equal(last.predict(X), model.predict(X))
