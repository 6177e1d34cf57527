"""Optimizers: step-by-step against the docstring formulas and scikit-learn."""

import copy
import pickle

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from sknetscratch import optimizers
from sknetscratch.optimizers import OPTIMIZERS, SGD, Adam, Optimizer, get_optimizer

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
        opt.update(theta, g)
        trajectory.append(theta.copy())
    return trajectory


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
    [(SGD(0.1, momentum=0.9), ["velocity"]), (Adam(0.01), ["m", "v"])],
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
    "make", [lambda: SGD(0.1, momentum=0.9, nesterov=True), lambda: Adam(0.01)]
)
def test_dtype_kept(make, dtype):
    theta, grads = _problem(9, dtype=dtype)
    opt = make()
    out = _run(opt, theta, grads)
    assert out[-1].dtype == dtype
    for name in ("velocity", "m", "v"):
        if getattr(opt, name, None) is not None:
            assert getattr(opt, name).dtype == dtype


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(0.1),
        lambda: SGD(0.1, momentum=0.9),
        lambda: SGD(0.1, momentum=0.8, nesterov=True),
        lambda: Adam(0.01),
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


@pytest.mark.parametrize("make", [lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.01)])
def test_pickle_keeps_only_the_state_arrays(make):
    theta, grads = _problem(11, size=100)
    opt = make()
    _run(opt, theta, grads[:1])
    state = opt.__getstate__()
    arrays = {k for k, v in state.items() if isinstance(v, np.ndarray)}
    assert arrays == set(opt.state_names)


@pytest.mark.parametrize("make", [SGD, Adam, lambda: SGD(0.3, 0.8, True)])
def test_config_round_trips_and_holds_no_state(make):
    opt = make()
    theta, grads = _problem(15)
    _run(opt, theta, grads)
    config = opt.get_config()
    assert not {"iterations", *opt.state_names} & set(config)
    fresh = type(opt)(**config)
    assert fresh.get_config() == config and fresh.iterations == 0
    assert repr(fresh) == repr(opt)
    assert repr(SGD()) == "SGD(learning_rate=0.01, momentum=0.0, nesterov=False)"


def test_get_optimizer():
    for name, cls in OPTIMIZERS.items():
        opt = get_optimizer(name)
        assert type(opt) is cls and isinstance(opt, Optimizer)
    inst = Adam(0.5)
    assert get_optimizer(inst) is inst
    assert get_optimizer("sgd").learning_rate == 0.01
    assert get_optimizer("adam").learning_rate == 0.001
    with pytest.raises(ValueError, match="Unknown optimizer 'rmsprop'"):
        get_optimizer("rmsprop")


MAKERS = [
    lambda: SGD(0.1),
    lambda: SGD(0.1, momentum=0.9),
    lambda: SGD(0.1, momentum=0.8, nesterov=True),
    lambda: Adam(0.01),
]


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("block", [1, 4, 7, 1000])
def test_blocked_step_is_the_whole_vector_step(make, block, monkeypatch):
    """Walking the vector in cache-sized blocks changes nothing, bit for bit."""
    theta, grads = _problem(12, size=23)
    whole = _run(make(), theta, grads)
    monkeypatch.setattr(optimizers, "BLOCK_SIZE", block)
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

    monkeypatch.setattr(optimizers, "BLOCK_SIZE", 4)
    theta, grads = _problem(14, size=23)
    opt = ClippedSGD()
    out = theta.copy()
    opt.update(out, grads[0])
    assert opt.seen == [23]
    np.testing.assert_allclose(out, theta - grads[0] / np.linalg.norm(grads[0]))
