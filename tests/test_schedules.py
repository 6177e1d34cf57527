"""Learning-rate schedules: each sequence against its formula, written out here."""

import copy
import math
import pickle

import numpy as np
import pytest

from sknetscratch import (
    SCHEDULES,
    ConstantSchedule,
    CosineDecay,
    ExponentialDecay,
    LearningRateSchedule,
    StepDecay,
    get_schedule,
)

EPOCHS = range(60)


def _sequence(schedule, epochs=EPOCHS):
    return [schedule(e) for e in epochs]


def test_constant():
    assert _sequence(ConstantSchedule(0.003)) == [0.003] * len(EPOCHS)


@pytest.mark.parametrize(("eta0", "drop", "every"), [(0.1, 0.5, 10), (1.0, 0.3, 7)])
def test_step_decay_formula(eta0, drop, every):
    got = _sequence(StepDecay(eta0, drop=drop, every=every))
    ref = [eta0 * drop ** math.floor(e / every) for e in EPOCHS]
    np.testing.assert_allclose(got, ref, rtol=1e-15, atol=0)


def test_step_decay_defaults_by_hand():
    schedule = StepDecay(0.08)  # drop 0.5 every 10 epochs
    assert [schedule(e) for e in (0, 9, 10, 19, 20, 29, 30)] == [
        0.08,
        0.08,
        0.04,
        0.04,
        0.02,
        0.02,
        0.01,
    ]


@pytest.mark.parametrize(
    ("eta0", "rate", "every"), [(0.1, 0.96, 1), (0.01, 0.5, 4), (1.0, 0.9, 2.5)]
)
def test_exponential_decay_formula(eta0, rate, every):
    got = _sequence(ExponentialDecay(eta0, decay_rate=rate, decay_epochs=every))
    ref = [eta0 * math.exp(e / every * math.log(rate)) for e in EPOCHS]
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=0)


def test_exponential_decay_defaults_by_hand():
    schedule = ExponentialDecay(1.0)  # 0.96 per epoch
    assert schedule(0) == 1.0
    assert schedule(1) == pytest.approx(0.96, rel=1e-15)
    assert schedule(2) == pytest.approx(0.9216, rel=1e-15)
    # between two factors when decay_epochs > 1: the smooth (not staircase) form
    assert ExponentialDecay(1.0, 0.25, decay_epochs=2)(1) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("eta0", "decay", "alpha", "warmup"),
    [(0.1, 20, 0.0, 0), (0.1, 20, 0.1, 5), (0.5, 1, 0.5, 3), (1.0, 37, 0.01, 1)],
)
def test_cosine_decay_formula(eta0, decay, alpha, warmup):
    got = _sequence(CosineDecay(eta0, decay, alpha=alpha, warmup_epochs=warmup))
    ref = []
    for e in EPOCHS:
        if e < warmup:  # linear warm-up from 0
            ref.append(eta0 * e / warmup)
        elif e < warmup + decay:  # half a cosine from eta0 to alpha eta0
            progress = (e - warmup) / decay
            ref.append(
                alpha * eta0
                + (1 - alpha) * eta0 * (1 + math.cos(math.pi * progress)) / 2
            )
        else:  # then constant
            ref.append(alpha * eta0)
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-17)


def test_cosine_decay_landmarks():
    schedule = CosineDecay(0.2, decay_epochs=10, alpha=0.25, warmup_epochs=4)
    assert schedule(0) == 0.0  # Keras' warm-up starts at 0
    assert schedule(2) == pytest.approx(0.1)
    assert schedule(4) == pytest.approx(0.2)  # the peak, after warmup_epochs
    assert schedule(9) == pytest.approx((0.2 + 0.05) / 2)  # half-way down
    assert schedule(14) == pytest.approx(0.05)  # alpha * eta0 ...
    assert schedule(1000) == pytest.approx(0.05)  # ... for ever
    rates = _sequence(schedule, range(4, 15))
    assert all(a > b for a, b in zip(rates, rates[1:]))  # strictly down
    assert CosineDecay(0.2, 10)(0) == 0.2  # no warm-up: starts at the peak


@pytest.mark.parametrize(
    "schedule",
    [
        ConstantSchedule(0.1),
        StepDecay(0.1, 0.25, 3),
        ExponentialDecay(0.1, 0.5, 2),
        CosineDecay(0.1, 10, 0.1, 2),
    ],
    ids=lambda s: type(s).__name__,
)
def test_config_round_trip_copy_and_repr(schedule):
    config = schedule.get_config()
    clone = type(schedule)(**config)
    assert clone.get_config() == config
    assert _sequence(clone) == _sequence(schedule)
    for other in (pickle.loads(pickle.dumps(schedule)), copy.deepcopy(schedule)):
        assert _sequence(other) == _sequence(schedule)
    assert (
        repr(schedule)
        == f"{type(schedule).__name__}("
        + ", ".join(f"{k}={v!r}" for k, v in config.items())
        + ")"
    )
    assert SCHEDULES[schedule.name] is type(schedule)


def test_rates_are_floats_and_epochs_checked():
    schedule = StepDecay(1, drop=0.5, every=1)  # an int initial rate
    assert type(schedule(0)) is float and type(schedule(np.int64(3))) is float
    assert schedule(np.int64(3)) == 0.125
    for bad in (-1, 1.0, 2.5, True, "3", None):
        with pytest.raises(ValueError, match="epoch must be a non-negative integer"):
            schedule(bad)


def test_get_schedule():
    assert set(SCHEDULES) == {"constant", "step", "exponential", "cosine"}
    assert get_schedule("constant", 0.3).get_config() == {"learning_rate": 0.3}
    step = get_schedule("step", 0.1, drop=0.1, every=5)
    assert type(step) is StepDecay and step.get_config() == {
        "initial_learning_rate": 0.1,
        "drop": 0.1,
        "every": 5,
    }
    exp = get_schedule("exponential", 0.1, decay_rate=0.5)
    assert type(exp) is ExponentialDecay and exp(1) == 0.05
    cosine = get_schedule("cosine", 0.1, decay_epochs=30, warmup_epochs=3)
    assert type(cosine) is CosineDecay and cosine.warmup_epochs == 3
    instance = CosineDecay(0.5, 10)
    assert get_schedule(instance, 0.001) is instance  # its own rate wins


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("linear", 0.1), {}, ValueError, "Unknown learning-rate schedule 'linear'"),
        ((None, 0.1), {}, ValueError, "Expected one of .*'constant', 'cosine'"),
        (
            ("cosine", 0.1),
            {},
            TypeError,
            r"'cosine' is CosineDecay\(initial_learning_rate, decay_epochs, "
            r"alpha=0.0, warmup_epochs=0\): missing a required argument",
        ),
        (
            ("step", 0.1),
            {"decay_rate": 0.5},
            TypeError,
            "unexpected keyword.*decay_rate",
        ),
        (
            (StepDecay(0.1), 0.1),
            {"drop": 0.2},
            TypeError,
            r"keyword arguments \['drop'\]; those are for a schedule name only",
        ),
    ],
)
def test_get_schedule_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        get_schedule(*args, **kwargs)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ConstantSchedule(0), r"learning_rate must be a real number > 0"),
        (lambda: StepDecay(-0.1), r"initial_learning_rate must be a real number > 0"),
        (lambda: StepDecay(0.1, drop=0), r"drop must be a real number in \(0, 1\]"),
        (lambda: StepDecay(0.1, drop=1.5), r"drop must be .* got 1.5"),
        (lambda: StepDecay(0.1, every=0), r"every must be an integer >= 1; got 0"),
        (lambda: StepDecay(0.1, every=2.0), r"every must be an integer >= 1; got 2.0"),
        (lambda: ExponentialDecay(0.1, 1.1), r"decay_rate must be .*\(0, 1\]"),
        (lambda: ExponentialDecay(0.1, decay_epochs=0), "decay_epochs must be"),
        (lambda: CosineDecay(0.1, 0), r"decay_epochs must be an integer >= 1"),
        (lambda: CosineDecay(0.1, 10, alpha=-0.1), r"alpha must be .*\[0, 1\]"),
        (lambda: CosineDecay(0.1, 10, warmup_epochs=-1), "warmup_epochs must be"),
        (lambda: CosineDecay(float("nan"), 10), "initial_learning_rate must be"),
        (lambda: CosineDecay("0.1", 10), "initial_learning_rate must be"),
    ],
)
def test_bad_arguments_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_a_subclass_needs_only_rate_and_config():
    class Linear(LearningRateSchedule):
        def __init__(self, slope):
            self.slope = slope

        def _rate(self, epoch):
            return self.slope * (epoch + 1)

        def get_config(self):
            return {"slope": self.slope}

    schedule = Linear(0.5)
    assert _sequence(schedule, range(3)) == [0.5, 1.0, 1.5]
    assert repr(schedule) == "Linear(slope=0.5)"
    with pytest.raises(ValueError, match="epoch must be"):
        schedule(-2)
    with pytest.raises(TypeError):
        LearningRateSchedule()
