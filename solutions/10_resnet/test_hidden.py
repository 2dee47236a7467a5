"""Hidden checks for paper 10.

Batch norm is compared with torch's batch_norm (values, autograd gradients, central
differences) and, for the running statistics, with several training-mode steps of
nn.BatchNorm2d. The block is compared with a torch block built from F.conv2d, batch_norm and
F.relu, for the identity, projection (stride 2, odd H) and plain shortcuts, and at N = 1 with
H = W = 1 (batch-norm variance 0). Block checks swap in the solution's batch norm
(independent credit), and backward checks use a cache built by the solution's forward.
Central differences perturb every element of the torch reference's inputs. Block inputs are
redrawn until every ReLU input is at least 1e-3 from zero.
"""

import functools

import numpy as np
import pytest

from autograder import torchref
from autograder.gradcheck import numerical_vjp
from autograder.testing import (
    EXACT_TOL,
    assert_cache_keys,
    assert_close,
    assert_gradients,
    call_unmutated,
    frozen,
    using_solution,
)

# (x shape, eps); (1, 3, 1, 1) has one value per channel: variance 0, out = beta.
BN_CASES = [((1, 3, 1, 1), 1e-5), ((2, 3, 4, 4), 1e-5), ((4, 2, 3, 1), 1e-3), ((5, 4, 1, 1), 0.1)]
# (x shape, steps, eps, momentum, start from torch's initial buffers?); m = 2 in the last case
# makes the unbiased factor m / (m - 1) = 2.
RUNNING_CASES = [
    ((2, 3, 4, 4), 3, 1e-5, 0.1, True),
    ((3, 2, 2, 3), 4, 1e-3, 0.3, False),
    ((1, 2, 2, 1), 2, 1e-5, 0.5, False),
]
# (x shape, F, stride, shortcut)
BLOCK_CASES = [
    ((2, 3, 4, 4), 3, 1, "identity"),
    ((2, 2, 5, 5), 3, 2, "projection"),
    ((1, 2, 1, 1), 2, 1, "identity"),
    ((2, 2, 3, 3), 3, 1, "none"),
    ((3, 3, 3, 2), 2, 1, "projection"),
]
BN_KEYS = ("x_hat", "gamma", "inv_std", "mean", "var", "running_mean", "running_var")
GAP = 1e-3


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


def _channel_data(rng, shape):
    """Values with a different offset and scale per channel, so both really get removed."""
    c = shape[1]
    return 3.0 * rng.standard_normal(c)[:, None, None] + rng.uniform(0.5, 2.0, c)[
        :, None, None
    ] * rng.standard_normal(shape)


@functools.cache
def bn_case(ref, seed, k):
    shape, eps = BN_CASES[k]
    rng = _rng(seed, 1, k)
    x, c = _channel_data(rng, shape), shape[1]
    gamma, beta = rng.uniform(0.5, 2.0, c) * rng.choice([-1, 1], c), rng.standard_normal(c)
    dout = rng.standard_normal(shape)

    def forward(*args):
        return ref.batchnorm(*args, eps)

    out, grads = torchref.vjp(forward, (x, gamma, beta), dout)
    numeric = numerical_vjp(
        lambda *a: torchref.forward(forward, *a), (x, gamma, beta), dout, wrt=(0, 1, 2)
    )
    return frozen((x, gamma, beta, eps, dout, out, grads, numeric))


@pytest.mark.points(1)
def test_batchnorm_forward(impl, ref, seed):
    """batchnorm_forward matches torch's training-mode batch_norm"""
    for k in range(len(BN_CASES)):
        x, gamma, beta, eps, _, out, _, _ = bn_case(ref, seed, k)
        got, cache = call_unmutated(impl.batchnorm_forward, x, gamma, beta, eps)
        assert_close(f"batchnorm_forward out (x of shape {x.shape}, eps={eps:g})", got, out)
        assert_cache_keys("batchnorm_forward", cache, BN_KEYS)


@pytest.mark.points(2)
def test_batchnorm_backward(impl, sol, ref, seed):
    """batchnorm_backward matches torch autograd and central differences"""
    for k in range(len(BN_CASES)):
        x, gamma, beta, eps, dout, _, grads, numeric = bn_case(ref, seed, k)
        _, cache = sol.batchnorm_forward(x, gamma, beta, eps)
        got = call_unmutated(impl.batchnorm_backward, dout, cache)
        assert_gradients(
            f"batchnorm_backward (x of shape {x.shape}, eps={eps:g})", got,
            ("dx", "dgamma", "dbeta"), autograd=grads, numeric=numeric, batch_size=x.shape[0],
        )


@functools.cache
def running_case(ref, seed, k):
    shape, steps, eps, momentum, fresh = RUNNING_CASES[k]
    rng = _rng(seed, 2, k)
    c = shape[1]
    xs = np.stack([_channel_data(rng, shape) for _ in range(steps)])
    gamma, beta = rng.standard_normal(c), rng.standard_normal(c)
    start = (np.zeros(c), np.ones(c)) if fresh else (rng.standard_normal(c), rng.uniform(1, 3, c))
    expected = torchref.forward(ref.batchnorm_steps, xs, gamma, beta, eps, momentum, *start)
    return frozen((xs, gamma, beta, start, expected))


@pytest.mark.points(2)
def test_batchnorm_running_statistics(impl, ref, seed):
    """several batchnorm_forward calls update the running statistics like nn.BatchNorm2d"""
    for k, (shape, steps, eps, momentum, fresh) in enumerate(RUNNING_CASES):
        xs, gamma, beta, start, (outs, mean_ref, var_ref) = running_case(ref, seed, k)
        mean, var = (None, None) if fresh else start
        label = f"after {steps} batches of shape {shape} with momentum={momentum}"
        for t in range(steps):
            out, cache = call_unmutated(
                impl.batchnorm_forward, xs[t], gamma, beta, eps, mean, var, momentum
            )
            assert_close(f"batchnorm_forward out at batch {t}", out, outs[t])
            assert_cache_keys("batchnorm_forward", cache, ("running_mean", "running_var"))
            mean, var = cache["running_mean"], cache["running_var"]
        assert_close(f"running_mean {label}", mean, mean_ref)
        assert_close(f"running_var {label} (torch feeds it the unbiased variance)", var, var_ref)


@pytest.mark.points(1)
def test_batchnorm_properties(impl, sol, seed):
    """batch norm: zero mean, variance var/(var+eps), shift invariance, m = 1, sum dx = 0"""
    rng = _rng(seed, 3)
    shape, eps = (3, 4, 2, 3), 0.5
    x = _channel_data(rng, shape)
    ones, zeros = np.ones(4), np.zeros(4)
    out, _ = impl.batchnorm_forward(x, ones, zeros, eps)
    var = x.var(axis=(0, 2, 3))
    assert_close("per-channel mean of batchnorm_forward(x, 1, 0)", out.mean(axis=(0, 2, 3)), zeros)
    assert_close(
        "per-channel variance of batchnorm_forward(x, 1, 0) (should be var / (var + eps))",
        out.var(axis=(0, 2, 3)), var / (var + eps),
    )
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    out, _ = impl.batchnorm_forward(x, gamma, beta, eps)
    shifted, _ = impl.batchnorm_forward(x + 10.0 * rng.standard_normal(4)[:, None, None],
                                        gamma, beta, eps)
    assert_close("batchnorm_forward after adding a constant to each channel", shifted, out)
    single = rng.standard_normal((1, 4, 1, 1))
    with np.errstate(all="ignore"):
        out, cache = impl.batchnorm_forward(single, gamma, beta)
    assert_close("batchnorm_forward with one value per channel (should be beta)", out,
                 beta[None, :, None, None], tol=EXACT_TOL)
    assert_close("running_var after one value per channel (variance 0, factor m/(m-1) taken as 1)",
                 cache["running_var"], np.full(4, 0.9), tol=EXACT_TOL)
    _, cache = sol.batchnorm_forward(x, gamma, beta, eps)
    dx, _, _ = impl.batchnorm_backward(rng.standard_normal(shape), cache)
    assert_close("batchnorm_backward: per-channel sum of dx (should be 0)",
                 dx.sum(axis=(0, 2, 3)), zeros)


def _block_params(rng, c, f, shortcut):
    p = {
        "conv1.w": rng.standard_normal((f, c, 3, 3)) / np.sqrt(9 * c),
        "bn1.gamma": rng.uniform(0.5, 1.5, f), "bn1.beta": rng.standard_normal(f),
        "conv2.w": rng.standard_normal((f, f, 3, 3)) / np.sqrt(9 * f),
        "bn2.gamma": rng.uniform(0.5, 1.5, f), "bn2.beta": rng.standard_normal(f),
    }
    if shortcut == "projection":
        p["proj.w"] = rng.standard_normal((f, c, 1, 1)) / np.sqrt(c)
        p["proj_bn.gamma"] = rng.uniform(0.5, 1.5, f)
        p["proj_bn.beta"] = rng.standard_normal(f)
    return p


@functools.cache
def block_case(ref, sol, seed, k):
    shape, f, stride, shortcut = BLOCK_CASES[k]
    rng = _rng(seed, 4, k)
    for _ in range(100):
        x, p = rng.standard_normal(shape), _block_params(rng, shape[1], f, shortcut)
        _, cache = sol.basic_block_forward(x, p, stride, shortcut)
        if min(np.abs(cache["relu1.x"]).min(), np.abs(cache["relu2.x"]).min()) >= GAP:
            break
    else:
        raise RuntimeError("could not keep the block's ReLU inputs off their kinks")
    dout = rng.standard_normal(cache["relu2.x"].shape)

    def forward(x, p):
        return ref.basic_block(x, p, stride, shortcut)

    out, grads = torchref.vjp(forward, (x, p), dout, wrt=(0, 1))
    numeric = numerical_vjp(lambda *a: torchref.forward(forward, *a), (x, p), dout, wrt=(0, 1))
    return frozen((x, p, dout, out, grads, numeric))


def _label(k):
    shape, f, stride, shortcut = BLOCK_CASES[k]
    return f"x of shape {shape}, F={f}, stride={stride}, shortcut={shortcut!r}"


@pytest.mark.points(2)
def test_basic_block_forward(impl, sol, ref, seed):
    """basic_block_forward matches a torch block (identity, projection and plain shortcuts)"""
    with using_solution(impl, sol, "batchnorm_forward"):
        for k, (_, _, stride, shortcut) in enumerate(BLOCK_CASES):
            x, p, _, out, _, _ = block_case(ref, sol, seed, k)
            got, cache = call_unmutated(impl.basic_block_forward, x, p, stride, shortcut)
            assert_close(f"basic_block_forward out ({_label(k)})", got, out)
            keys = ["conv1.x", "conv1.w", "bn1.x_hat", "bn2.inv_std", "relu1.x", "relu2.x"]
            if shortcut == "projection":
                keys += ["proj.x", "proj_bn.x_hat"]
            assert_cache_keys("basic_block_forward", cache, keys + ["shortcut"])


@pytest.mark.points(3)
def test_basic_block_backward(impl, sol, ref, seed):
    """basic_block_backward matches torch autograd and central differences"""
    with using_solution(impl, sol, "batchnorm_forward", "batchnorm_backward"):
        for k, (_, _, stride, shortcut) in enumerate(BLOCK_CASES):
            x, p, dout, _, grads, numeric = block_case(ref, sol, seed, k)
            _, cache = sol.basic_block_forward(x, p, stride, shortcut)
            got = call_unmutated(impl.basic_block_backward, dout, cache)
            assert_gradients(
                f"basic_block_backward ({_label(k)})", got, ("dx", "grads"),
                autograd=grads, numeric=numeric, batch_size=x.shape[0],
            )


@pytest.mark.points(1)
def test_basic_block_zero_branch(impl, sol, seed):
    """with gamma2 = beta2 = 0 an identity block is relu(x) and a plain block outputs 0"""
    rng = _rng(seed, 5)
    x = rng.standard_normal((2, 3, 4, 4))
    p = _block_params(rng, 3, 3, "identity")
    p["bn2.gamma"], p["bn2.beta"] = np.zeros(3), np.zeros(3)
    dout = rng.standard_normal(x.shape)
    with using_solution(impl, sol, "batchnorm_forward", "batchnorm_backward"):
        out, cache = impl.basic_block_forward(x, p, 1, "identity")
        assert_close("identity block with gamma2 = beta2 = 0 (should be relu(x))", out,
                     np.maximum(x, 0.0), tol=EXACT_TOL)
        dx, _ = impl.basic_block_backward(dout, cache)
        assert_close("its dx (should be dout where x > 0, else 0)", dx,
                     np.where(x > 0, dout, 0.0), tol=EXACT_TOL)
        out, _ = impl.basic_block_forward(x, p, 1, "none")
        assert_close("plain block with gamma2 = beta2 = 0 (should be 0)", out,
                     np.zeros_like(x), tol=EXACT_TOL)
