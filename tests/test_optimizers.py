"""Optimizers: step-by-step against the docstring formulas and scikit-learn."""

import copy
import math
import os
import pickle

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from sknetscratch import DenseBlock, Model, load, save
from sknetscratch.optim import (
    OPTIMIZERS,
    SGD,
    Adam,
    AdamW,
    Nadam,
    Optimizer,
    RMSprop,
    clip_by_global_norm,
    clip_by_value,
    get_optimizer,
)
from sknetscratch.optim import base as optim_base

N_STEPS = 6


def _problem(seed=0, size=11, dtype=np.float64):
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=size).astype(dtype)
    grads = [rng.normal(size=size).astype(dtype) for _ in range(N_STEPS)]
    return theta, grads


def _run(opt, theta, grads):
    theta = theta.copy()
    trajectory = []
    for g in grads:
        opt.update(theta, g.copy())  # clipping rewrites the gradient in place
        trajectory.append(theta.copy())
    return trajectory


#: The new optimizers in each of their variants, and SGD and Adam with clipping.
NEW = {
    "adamw": lambda: AdamW(0.01, weight_decay=0.1),
    "rmsprop": lambda: RMSprop(0.01),
    "rmsprop-momentum": lambda: RMSprop(0.01, momentum=0.9),
    "rmsprop-centered": lambda: RMSprop(0.01, centered=True),
    "rmsprop-centered-momentum": lambda: RMSprop(
        0.01, rho=0.8, momentum=0.5, centered=True
    ),
    "nadam": lambda: Nadam(0.01),
    "sgd-clipnorm": lambda: SGD(0.1, momentum=0.9, clipnorm=0.5),
    "adam-clipvalue": lambda: Adam(0.01, clipvalue=0.3),
    "nadam-clip-both": lambda: Nadam(0.01, clipnorm=0.5, clipvalue=0.3),
}
NEW_PARAMS = [pytest.param(make, id=key) for key, make in NEW.items()]


def test_sgd_plain_reference():
    theta, grads = _problem(0)
    lr = 0.05
    got = _run(SGD(lr), theta, grads)
    ref = theta.copy()
    for g, step in zip(grads, got):
        ref = ref - lr * g
        np.testing.assert_allclose(step, ref, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_reference(nesterov):
    theta, grads = _problem(1)
    lr, mu = 0.1, 0.9
    got = _run(SGD(lr, momentum=mu, nesterov=nesterov), theta, grads)
    ref, v = theta.copy(), np.zeros_like(theta)
    for g, step in zip(grads, got):
        v = mu * v - lr * g
        ref = ref + (mu * v - lr * g if nesterov else v)
        np.testing.assert_allclose(step, ref, rtol=1e-13, atol=1e-14)
    # momentum really changes the trajectory
    plain = _run(SGD(lr), theta, grads)
    assert not np.allclose(plain[-1], got[-1])


@pytest.mark.parametrize(
    ("lr", "b1", "b2", "eps"), [(1e-3, 0.9, 0.999, 1e-8), (0.05, 0.5, 0.9, 1e-4)]
)
def test_adam_reference(lr, b1, b2, eps):
    theta, grads = _problem(3)
    got = _run(Adam(lr, b1, b2, eps), theta, grads)
    ref, m, v = theta.copy(), np.zeros_like(theta), np.zeros_like(theta)
    textbook = theta.copy()
    for t, (g, step) in enumerate(zip(grads, got), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        # docstring: bias-corrected step size
        lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        ref = ref - lr_t * m / (np.sqrt(v) + eps)
        np.testing.assert_allclose(step, ref, rtol=1e-13, atol=1e-15)
        # the same as Kingma and Ba's m_hat / (sqrt(v_hat) + eps_hat)
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        textbook = textbook - lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2**t))
        np.testing.assert_allclose(step, textbook, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda: SGD(0.2), lambda p: SGDOptimizer(p, 0.2, momentum=0.0)),
        (
            lambda: SGD(0.1, momentum=0.9),
            lambda p: SGDOptimizer(p, 0.1, momentum=0.9, nesterov=False),
        ),
        (
            lambda: SGD(0.1, momentum=0.9, nesterov=True),
            lambda p: SGDOptimizer(p, 0.1, momentum=0.9, nesterov=True),
        ),
        (lambda: Adam(0.01, 0.9, 0.999, 1e-8), lambda p: AdamOptimizer(p, 0.01)),
    ],
    ids=["sgd", "momentum", "nesterov", "adam"],
)
def test_matches_sklearn(ours, theirs):
    theta, grads = _problem(4)
    got = _run(ours(), theta, grads)
    p = theta.copy()
    sk = theirs([p])
    for g, step in zip(grads, got):
        sk.update_params([p], [g])
        np.testing.assert_allclose(step, p, rtol=1e-12, atol=1e-14)


def test_update_is_in_place_and_learning_rate_is_live():
    theta, grads = _problem(7)
    opt = SGD(0.1)
    before = theta.copy()
    buf = theta
    opt.update(theta, grads[0])
    assert buf is theta and not np.array_equal(theta, before)
    opt.learning_rate = 0.0  # a schedule changes it between steps
    after = theta.copy()
    opt.update(theta, grads[1])
    np.testing.assert_array_equal(theta, after)
    assert opt.iterations == 2


@pytest.mark.parametrize(
    ("opt", "state"),
    [
        (SGD(0.1, momentum=0.9), ["velocity"]),
        (Adam(0.01), ["m", "v"]),
        (AdamW(0.01), ["m", "v"]),
        (Nadam(0.01), ["m", "v"]),
        (RMSprop(0.01), ["square_avg"]),
        (
            RMSprop(0.01, momentum=0.9, centered=True),
            ["square_avg", "momentum_buffer", "grad_avg"],
        ),
    ],
)
def test_state_is_plain_ndarrays(opt, state):
    theta, grads = _problem(8)
    _run(opt, theta, grads)
    for name in state:
        arr = getattr(opt, name)
        assert type(arr) is np.ndarray and arr.shape == theta.shape
        assert np.any(arr != 0)
    assert type(opt.iterations) is int and opt.iterations == N_STEPS
    cfg = opt.get_config()
    assert not any(isinstance(v, np.ndarray) for v in cfg.values())
    assert cfg["learning_rate"] == opt.learning_rate
    assert repr(opt).startswith(type(opt).__name__ + "(")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "make",
    [lambda: SGD(0.1, momentum=0.9, nesterov=True), lambda: Adam(0.01), *NEW_PARAMS],
)
def test_dtype_kept(make, dtype):
    theta, grads = _problem(9, dtype=dtype)
    opt = make()
    out = _run(opt, theta, grads)
    assert out[-1].dtype == dtype
    assert opt.state_names
    for name in opt.state_names:
        assert getattr(opt, name).dtype == dtype


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(0.1),
        lambda: SGD(0.1, momentum=0.9),
        lambda: SGD(0.1, momentum=0.8, nesterov=True),
        lambda: Adam(0.01),
        *NEW_PARAMS,
    ],
)
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_round_trip_continues_identically(make, how):
    theta, grads = _problem(10)
    opt = make()
    first, second = grads[:3], grads[3:]
    theta = _run(opt, theta, first)[-1]
    clone = pickle.loads(pickle.dumps(opt)) if how == "pickle" else copy.deepcopy(opt)
    assert type(clone) is type(opt) and clone.iterations == opt.iterations
    a = _run(opt, theta, second)
    b = _run(clone, theta, second)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    "make", [lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.01), *NEW_PARAMS]
)
def test_pickle_keeps_only_the_state_arrays(make):
    theta, grads = _problem(11, size=100)
    opt = make()
    _run(opt, theta, grads[:1])
    state = opt.__getstate__()
    arrays = {k for k, v in state.items() if isinstance(v, np.ndarray)}
    assert arrays == set(opt.state_names)


@pytest.mark.parametrize(
    "make",
    [SGD, Adam, AdamW, RMSprop, Nadam, lambda: SGD(0.3, 0.8, True), *NEW_PARAMS],
)
def test_config_round_trips_and_holds_no_state(make):
    opt = make()
    theta, grads = _problem(15)
    _run(opt, theta, grads)
    config = opt.get_config()
    assert not {"iterations", "u_product", *opt.state_names} & set(config)
    assert {"learning_rate", "clipnorm", "clipvalue"} <= set(config)
    fresh = type(opt)(**config)
    assert fresh.get_config() == config and fresh.iterations == 0
    assert repr(fresh) == repr(opt)
    assert repr(SGD()) == (
        "SGD(learning_rate=0.01, momentum=0.0, nesterov=False, clipnorm=None, "
        "clipvalue=None)"
    )


def test_get_optimizer():
    for name, cls in OPTIMIZERS.items():
        opt = get_optimizer(name)
        assert type(opt) is cls and isinstance(opt, Optimizer)
    inst = Adam(0.5)
    assert get_optimizer(inst) is inst
    assert get_optimizer("sgd").learning_rate == 0.01
    assert get_optimizer("adam").learning_rate == 0.001
    assert set(OPTIMIZERS) == {"sgd", "adam", "adamw", "rmsprop", "nadam"}
    for name, cls in OPTIMIZERS.items():
        assert cls.name == name
    with pytest.raises(ValueError, match="Unknown optimizer 'adagrad'"):
        get_optimizer("adagrad")


MAKERS = [
    lambda: SGD(0.1),
    lambda: SGD(0.1, momentum=0.9),
    lambda: SGD(0.1, momentum=0.8, nesterov=True),
    lambda: Adam(0.01),
    *NEW_PARAMS,
]


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("block", [1, 4, 7, 1000])
def test_blocked_step_is_the_whole_vector_step(make, block, monkeypatch):
    """Walking the vector in cache-sized blocks changes nothing, bit for bit."""
    theta, grads = _problem(12, size=23)
    whole = _run(make(), theta, grads)
    monkeypatch.setattr(optim_base, "BLOCK_SIZE", block)
    blocked = _run(make(), theta, grads)
    for a, b in zip(whole, blocked):
        np.testing.assert_array_equal(a, b)


def test_a_non_elementwise_optimizer_steps_on_the_whole_vector(monkeypatch):
    """Blocks are only for elementwise rules: a global-norm rule sees everything."""

    class ClippedSGD(Optimizer):
        def __init__(self):
            super().__init__(learning_rate=1.0)
            self.seen = []

        def _step(self, params, grads, scratch):
            self.seen.append(params.shape[0])
            params -= grads / max(1.0, float(np.linalg.norm(grads)))

    monkeypatch.setattr(optim_base, "BLOCK_SIZE", 4)
    theta, grads = _problem(14, size=23)
    opt = ClippedSGD()
    out = theta.copy()
    opt.update(out, grads[0])
    assert opt.seen == [23]
    np.testing.assert_allclose(out, theta - grads[0] / np.linalg.norm(grads[0]))


# ------------------------------------------------------------ AdamW, RMSprop, Nadam
def _clip_reference(g, clipnorm=None, clipvalue=None):
    """Entries to [-clipvalue, clipvalue], then the whole vector to norm clipnorm."""
    if clipvalue is not None:
        g = np.minimum(np.maximum(g, -clipvalue), clipvalue)
    if clipnorm is not None:
        norm = math.sqrt(sum(float(x) ** 2 for x in g))
        g = g * (clipnorm / max(norm, clipnorm))
    return g


CLIPS = [
    pytest.param({}, id="noclip"),
    pytest.param({"clipnorm": 0.5}, id="clipnorm"),
    pytest.param({"clipvalue": 0.3}, id="clipvalue"),
    pytest.param({"clipnorm": 0.5, "clipvalue": 0.3}, id="both"),
]


def _check_trajectory(make, clip, got, ref_step, theta, grads, rtol=1e-12):
    """``got`` follows ``ref_step(ref, g, t)``; a clip that binds changes it."""
    ref = theta.copy()
    for t, (g, step) in enumerate(zip(grads, got), start=1):
        ref = ref_step(ref, _clip_reference(g, **clip), t)
        np.testing.assert_allclose(step, ref, rtol=rtol, atol=1e-15)
    if clip:
        unclipped = _run(make(), theta, grads)
        assert np.max(np.abs(unclipped[-1] - got[-1])) > 1e-6


@pytest.mark.parametrize("clip", CLIPS)
@pytest.mark.parametrize(
    ("lr", "b1", "b2", "eps", "wd"),
    [(1e-3, 0.9, 0.999, 1e-8, 0.01), (0.05, 0.5, 0.9, 1e-4, 0.3)],
)
def test_adamw_reference(clip, lr, b1, b2, eps, wd):
    theta, grads = _problem(20)
    got = _run(AdamW(lr, b1, b2, eps, wd, **clip), theta, grads)
    m, v = np.zeros_like(theta), np.zeros_like(theta)

    def step(ref, g, t):
        nonlocal m, v
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        # Loshchilov and Hutter: decay the parameters, then Adam's step (with
        # Adam's epsilon, which is Kingma and Ba's eps_hat * sqrt(1 - b2^t))
        adam = lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2**t))
        return ref - lr * wd * ref - adam

    make = lambda: AdamW(lr, b1, b2, eps, wd)  # noqa: E731
    _check_trajectory(make, clip, got, step, theta, grads)
    # the decay is really there
    assert not np.allclose(got[-1], _run(Adam(lr, b1, b2, eps), theta, grads)[-1])


def test_adamw_without_decay_is_adam_bit_for_bit():
    theta, grads = _problem(21)
    a = _run(AdamW(0.01, weight_decay=0.0), theta, grads)
    b = _run(Adam(0.01), theta, grads)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_adamw_decays_every_parameter():
    """With a zero gradient the step is the decay alone, on every entry."""
    theta = np.array([1.0, -2.0, 0.5, 3.0])
    out = _run(AdamW(0.1, weight_decay=0.2), theta, [np.zeros(4)] * 3)
    np.testing.assert_allclose(out[-1], theta * (1 - 0.1 * 0.2) ** 3, rtol=1e-15)


@pytest.mark.parametrize("clip", CLIPS)
@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize(("lr", "rho", "eps"), [(1e-3, 0.9, 1e-7), (0.05, 0.5, 1e-3)])
def test_rmsprop_reference(clip, centered, momentum, lr, rho, eps):
    theta, grads = _problem(22)
    make = lambda: RMSprop(lr, rho, momentum, eps, centered)  # noqa: E731
    got = _run(RMSprop(lr, rho, momentum, eps, centered, **clip), theta, grads)
    s, g_bar, b = (np.zeros_like(theta) for _ in range(3))

    def step(ref, g, t):
        nonlocal s, g_bar, b
        # Keras 3's RMSprop.update_step, written out
        s = rho * s + (1 - rho) * g * g
        if centered:
            g_bar = rho * g_bar + (1 - rho) * g
            increment = lr * g / np.sqrt(s - g_bar**2 + eps)
        else:
            increment = lr * g / np.sqrt(s + eps)
        if momentum > 0:
            b = momentum * b + increment
            return ref - b
        return ref - increment

    _check_trajectory(make, clip, got, step, theta, grads)


def test_rmsprop_variants_really_differ():
    theta, grads = _problem(23)
    ends = [
        _run(RMSprop(0.01, momentum=mu, centered=c), theta, grads)[-1]
        for mu in (0.0, 0.9)
        for c in (False, True)
    ]
    for i in range(4):
        for j in range(i):
            assert not np.allclose(ends[i], ends[j])


def test_rmsprop_keeps_only_the_state_it_uses():
    theta, grads = _problem(24)
    plain = RMSprop(0.01)
    _run(plain, theta, grads[:1])
    assert plain.state_names == ("square_avg",)
    assert plain.momentum_buffer is None and plain.grad_avg is None
    # switching momentum on later builds its buffer and keeps the average
    plain.momentum = 0.9
    square_avg = plain.square_avg.copy()
    _run(plain, theta, grads[1:2])
    g = grads[1]
    np.testing.assert_allclose(plain.square_avg, 0.9 * square_avg + 0.1 * g * g)
    assert plain.momentum_buffer.shape == theta.shape and plain.grad_avg is None


@pytest.mark.parametrize("clip", CLIPS)
@pytest.mark.parametrize(
    ("lr", "b1", "b2", "eps"), [(1e-3, 0.9, 0.999, 1e-7), (0.05, 0.5, 0.9, 1e-4)]
)
def test_nadam_reference(clip, lr, b1, b2, eps):
    theta, grads = _problem(25)
    make = lambda: Nadam(lr, b1, b2, eps)  # noqa: E731
    opt = Nadam(lr, b1, b2, eps, **clip)
    got = _run(opt, theta, grads)
    m, v = np.zeros_like(theta), np.zeros_like(theta)

    def mu(t):  # Keras' momentum schedule
        return b1 * (1 - 0.5 * 0.96**t)

    def step(ref, g, t):
        nonlocal m, v
        # Keras 3's Nadam.update_step, written out; the product from scratch
        prod_t = math.prod(mu(s) for s in range(1, t + 1))
        prod_next = prod_t * mu(t + 1)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = mu(t + 1) * m / (1 - prod_next) + (1 - mu(t)) * g / (1 - prod_t)
        v_hat = v / (1 - b2**t)
        return ref - lr * m_hat / (np.sqrt(v_hat) + eps)

    _check_trajectory(make, clip, got, step, theta, grads)
    assert opt.u_product == pytest.approx(
        math.prod(mu(s) for s in range(1, N_STEPS + 1)), rel=1e-14
    )
    # not Adam
    assert not np.allclose(got[-1], _run(Adam(lr, b1, b2, eps), theta, grads)[-1])


# ------------------------------------------------------------------------- clipping
def test_clip_by_value_on_its_own():
    g = np.array([-3.0, -0.2, 0.0, 0.25, 7.0])
    buf = g
    assert clip_by_value(g, 0.25) is None
    assert buf is g  # in place
    np.testing.assert_array_equal(g, [-0.25, -0.2, 0.0, 0.25, 0.25])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_by_global_norm_on_its_own(dtype):
    rng = np.random.default_rng(30)
    g = rng.normal(size=50).astype(dtype)
    before = g.copy()
    norm = clip_by_global_norm(g, 2.0)
    assert norm == pytest.approx(np.linalg.norm(before.astype(np.float64)), rel=1e-6)
    assert norm > 2.0 and g.dtype == dtype
    # the norm of the whole vector is now the bound, the direction is kept
    assert np.linalg.norm(g.astype(np.float64)) == pytest.approx(2.0, rel=1e-6)
    np.testing.assert_allclose(g, before * (2.0 / norm), rtol=1e-6)
    # a short enough vector is left alone, bit for bit; so is zero
    short = before / (2 * norm)
    kept = short.copy()
    clip_by_global_norm(short, 2.0)
    np.testing.assert_array_equal(short, kept)
    zero = np.zeros(3, dtype=dtype)
    assert clip_by_global_norm(zero, 1.0) == 0.0
    np.testing.assert_array_equal(zero, 0.0)


def test_clipnorm_in_a_step_uses_the_global_norm(monkeypatch):
    """Plain SGD with lr 1 takes exactly the clipped gradient, whatever the blocks."""
    monkeypatch.setattr(optim_base, "BLOCK_SIZE", 3)
    theta, grads = _problem(31, size=10)
    g = grads[0]
    out = _run(SGD(1.0, clipnorm=0.5), theta, [g])[0]
    np.testing.assert_allclose(out, theta - g * 0.5 / np.linalg.norm(g), rtol=1e-14)
    assert np.linalg.norm(theta - out) == pytest.approx(0.5, rel=1e-14)


def test_clipvalue_in_a_step():
    theta, grads = _problem(32)
    g = grads[0]
    assert np.abs(g).max() > 0.3
    out = _run(SGD(1.0, clipvalue=0.3), theta, [g])[0]
    np.testing.assert_allclose(out, theta - np.clip(g, -0.3, 0.3), rtol=1e-15)


def test_both_clips_leave_both_bounds():
    theta, grads = _problem(33, size=200)
    g = 3 * grads[0]
    step = theta - _run(SGD(1.0, clipnorm=1.0, clipvalue=0.1), theta, [g])[0]
    assert np.linalg.norm(step) <= 1.0 + 1e-12
    assert np.abs(step).max() <= 0.1 + 1e-15
    # the norm bound binds after the value clip (the value clip alone leaves ~1.4)
    assert np.linalg.norm(np.clip(g, -0.1, 0.1)) > 1.0


def test_clipping_rewrites_grads_in_place_and_none_leaves_them():
    theta, grads = _problem(34)
    g = grads[0].copy()
    Adam(0.01).update(theta.copy(), g)
    np.testing.assert_array_equal(g, grads[0])  # no clipping: untouched
    Adam(0.01, clipvalue=0.1).update(theta.copy(), g)
    np.testing.assert_array_equal(g, np.clip(grads[0], -0.1, 0.1))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: SGD(-0.1), r"learning_rate must be a real number >= 0; got -0.1"),
        (lambda: SGD(0.1, momentum=1.5), r"momentum must be .* \[0, 1\]; got 1.5"),
        (lambda: SGD(0.1, nesterov="yes"), "nesterov must be a bool"),
        (lambda: Adam(beta_1=1.0), r"beta_1 must be a real number in \[0, 1\)"),
        (lambda: Adam(epsilon=0.0), "epsilon must be a real number > 0"),
        (lambda: SGD(clipnorm=0.0), "clipnorm must be a real number > 0; got 0.0"),
        (lambda: Adam(clipvalue=-1), "clipvalue must be a real number > 0; got -1"),
        (lambda: AdamW(clipnorm=True), "clipnorm must be a real number > 0; got True"),
        (lambda: AdamW(weight_decay=-0.1), "weight_decay must be a real number >= 0"),
        (lambda: AdamW(learning_rate="0.1"), "learning_rate must be a real number"),
        (lambda: RMSprop(rho=1.0), r"rho must be a real number in \[0, 1\)"),
        (lambda: RMSprop(momentum=-0.5), "momentum must be a real number"),
        (lambda: RMSprop(epsilon=float("nan")), "epsilon must be a real number > 0"),
        (lambda: RMSprop(centered=1), "centered must be a bool; got 1"),
        (lambda: Nadam(beta_2=-0.1), r"beta_2 must be a real number in \[0, 1\)"),
    ],
)
def test_bad_arguments_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# ------------------------------------------------------------------- persistence
PERSISTED = {
    "adamw": lambda: AdamW(0.01, weight_decay=0.05, clipnorm=1.0),
    "rmsprop": lambda: RMSprop(0.01),
    "rmsprop-momentum-centered": lambda: RMSprop(
        0.01, momentum=0.5, centered=True, clipvalue=0.5
    ),
    "nadam": lambda: Nadam(0.01),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("make", [pytest.param(m, id=k) for k, m in PERSISTED.items()])
def test_saved_model_continues_training_identically(make, dtype, tmp_path):
    """sknetscratch.save / load keep the optimizer's settings and state exactly."""
    rng = np.random.default_rng(40)
    X = rng.normal(size=(80, 4)).astype(dtype)
    y = (X[:, 0] - X[:, 1] > 0).astype(dtype)
    model = Model([DenseBlock(6, "relu"), DenseBlock(1, "sigmoid")], input_dim=4)
    model.compile(make(), "binary_crossentropy", alpha=1e-3)
    model.fit(X, y, batch_size=16, epochs=3, random_state=0)
    model.optimizer.learning_rate = 0.005  # as a schedule would have set it
    save(model, tmp_path / "model.npz")
    loaded = load(tmp_path / "model.npz")

    a, b = model.optimizer, loaded.optimizer
    assert type(b) is type(a) and b.get_config() == a.get_config()
    assert b.iterations == a.iterations == 3 * 5
    assert vars(a).keys() == vars(b).keys()
    for key in a.state_names:
        assert getattr(b, key).dtype == dtype
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    if isinstance(a, Nadam):
        assert type(b.u_product) is float and b.u_product == a.u_product
    for m in (model, loaded):
        m.fit(X, y, batch_size=16, epochs=3, random_state=1)
    np.testing.assert_array_equal(model.params, loaded.params)
    for key in a.state_names:
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))


def test_an_optimizer_pickled_before_clipping_existed_keeps_stepping():
    """A model pickled at e717ded has an Adam without clipnorm / clipvalue."""
    data = os.path.join(os.path.dirname(__file__), "data")
    with open(os.path.join(data, "model_e717ded.pkl"), "rb") as fh:
        old = pickle.load(fh).optimizer  # our own trusted fixture
    assert type(old) is Adam and "clipnorm" not in vars(old)
    assert old.get_config()["clipnorm"] is old.get_config()["clipvalue"] is None
    new = Adam(**old.get_config())
    new.m, new.v, new.iterations = old.m.copy(), old.v.copy(), old.iterations
    rng = np.random.default_rng(41)
    theta, g = rng.normal(size=(2, old.m.size))
    a, b = _run(old, theta, [g]), _run(new, theta, [g])
    assert not np.array_equal(a[0], theta)
    np.testing.assert_array_equal(a[0], b[0])


def test_centered_rmsprop_survives_a_large_constant_gradient():
    """s - g_bar^2 rounds below 0 for a large constant gradient: no NaN, no warning."""
    theta = np.zeros(3)
    g = np.array([1e5, -3e6, 7e4])
    opt = RMSprop(0.01, centered=True)
    for _ in range(600):  # rho^t underflows the variance estimate
        opt.update(theta, g.copy())
    assert np.all(np.isfinite(theta))
    assert np.all(np.sign(theta) == -np.sign(g))
