"""Self-checks for paper 10. Run them with `pytest` in this folder or `s30 check 10`.

Forward values are compared with expected values computed by the course's reference (torch).
Backward passes are compared with central differences of your own forward: if your forward is
wrong, fix it first. The hidden checks used for grading are stricter and use other shapes.
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import NUMERIC_TOL, assert_close, assert_gradients

KEYS = (
    "conv1.w", "bn1.gamma", "bn1.beta", "conv2.w", "bn2.gamma", "bn2.beta",
    "proj.w", "proj_bn.gamma", "proj_bn.beta",
)


def _bn_inputs(seed, shape):
    rng = np.random.default_rng(seed)
    c = shape[1]
    x = 2.0 * rng.standard_normal(c)[:, None, None] + rng.standard_normal(shape)
    return x, rng.standard_normal(c), rng.standard_normal(c), rng


@pytest.mark.points(1)
def test_batchnorm_forward_values(impl, baked):
    """batchnorm_forward gives the expected output"""
    x, gamma, beta, _ = _bn_inputs(100, (3, 2, 2, 3))
    out, _ = impl.batchnorm_forward(x, gamma, beta, 1e-5)
    assert_close("batchnorm_forward out", out, baked("batchnorm", x, gamma, beta, 1e-5))


@pytest.mark.points(1)
def test_batchnorm_running_statistics(impl, baked):
    """two batchnorm_forward calls leave the running statistics of nn.BatchNorm2d"""
    x, gamma, beta, rng = _bn_inputs(101, (2, 3, 2, 2))
    xs = np.stack([x, 1.0 + rng.standard_normal(x.shape)])
    start = (np.zeros(3), np.ones(3))
    _, mean_ref, var_ref = baked("batchnorm_steps", xs, gamma, beta, 1e-5, 0.2, *start)
    mean, var = start
    for batch in xs:
        _, cache = impl.batchnorm_forward(batch, gamma, beta, 1e-5, mean, var, 0.2)
        mean, var = cache["running_mean"], cache["running_var"]
    assert_close("running_mean after two batches", mean, mean_ref)
    assert_close("running_var after two batches (hint: which variance does torch use?)",
                 var, var_ref)


@pytest.mark.points(2)
def test_batchnorm_backward_numeric(impl):
    """batchnorm_backward agrees with central differences of your batchnorm_forward"""
    x, gamma, beta, rng = _bn_inputs(102, (2, 3, 3, 2))
    dout = rng.standard_normal(x.shape)
    _, cache = impl.batchnorm_forward(x, gamma, beta)
    numeric = numerical_vjp(
        output_of(impl.batchnorm_forward), (x, gamma, beta), dout, wrt=(0, 1, 2)
    )
    assert_gradients(
        "batchnorm_backward", impl.batchnorm_backward(dout, cache), ("dx", "dgamma", "dbeta"),
        numeric=numeric, batch_size=2,
    )


def _block(seed, shape, f, shortcut):
    rng = np.random.default_rng(seed)
    c = shape[1]
    shapes = [(f, c, 3, 3), f, f, (f, f, 3, 3), f, f, (f, c, 1, 1), f, f]
    count = 9 if shortcut == "projection" else 6
    p = {key: rng.standard_normal(s) for key, s in zip(KEYS[:count], shapes)}
    return rng.standard_normal(shape), p, rng


@pytest.mark.points(1)
def test_basic_block_forward_values(impl, baked):
    """basic_block_forward gives the expected output (identity and stride-2 projection)"""
    for seed, shape, f, stride, shortcut in [
        (103, (2, 2, 3, 3), 2, 1, "identity"),
        (104, (2, 2, 5, 5), 3, 2, "projection"),
    ]:
        x, p, _ = _block(seed, shape, f, shortcut)
        out, _ = impl.basic_block_forward(x, p, stride, shortcut)
        expected = baked("basic_block_flat", x, stride, shortcut, *p.values())
        assert_close(f"basic_block_forward out (shortcut={shortcut!r})", out, expected)


@pytest.mark.points(2)
def test_basic_block_backward_numeric(impl):
    """basic_block_backward agrees with central differences of your basic_block_forward"""
    x, p, rng = _block(105, (2, 2, 3, 3), 3, "projection")
    out, cache = impl.basic_block_forward(x, p, 2, "projection")
    dout = rng.standard_normal(out.shape)
    numeric = numerical_vjp(
        output_of(impl.basic_block_forward), (x, p, 2, "projection"), dout, wrt=(0, 1)
    )
    dx, grads = impl.basic_block_backward(dout, cache)
    assert_close("basic_block_backward: dx", dx, numeric[0], tol=NUMERIC_TOL,
                 against="central differences")
    assert_close("basic_block_backward: grads", grads, numeric[1], tol=NUMERIC_TOL,
                 against="central differences")
