"""Self-checks for paper 15. Run them with `pytest` in this folder or `s30 check 15`.

Forward values are compared with expected values computed by the course's reference (torch).
Backward passes are compared with central differences of your own forward: if your forward is
wrong, fix it first. The hidden checks used for grading are stricter and use other shapes.
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import EXACT_TOL, NUMERIC_TOL, assert_close, assert_gradients

KEYS = ("bn1.gamma", "bn1.beta", "conv1.w", "bn2.gamma", "bn2.beta", "conv2.w")


def _params(rng, c):
    p = {key: 0.5 * rng.standard_normal((c, c, 3, 3) if "conv" in key else c) for key in KEYS}
    p["bn1.gamma"] += 1.0  # gamma near 1: no channel is entirely cut off by a ReLU
    p["bn2.gamma"] += 1.0
    return p


@pytest.mark.points(1)
def test_preact_block_forward_values(impl, baked):
    """preact_block_forward gives the expected output"""
    rng = np.random.default_rng(150)
    x, p = rng.standard_normal((2, 2, 3, 3)), _params(rng, 2)
    out, _ = impl.preact_block_forward(x, p)
    assert_close("preact_block_forward out", out, baked("preact_block_flat", x, *p.values()))


@pytest.mark.points(2)
def test_preact_block_backward_numeric(impl):
    """preact_block_backward agrees with central differences of your preact_block_forward"""
    rng = np.random.default_rng(151)
    x, p = rng.standard_normal((2, 2, 3, 2)), _params(rng, 2)
    dout = rng.standard_normal(x.shape)
    _, cache = impl.preact_block_forward(x, p)
    numeric = numerical_vjp(output_of(impl.preact_block_forward), (x, p), dout, (0, 1))
    assert_gradients(
        "preact_block_backward", impl.preact_block_backward(dout, cache), ("dx", "grads"),
        numeric=numeric, batch_size=2,
    )


@pytest.mark.points(1)
def test_preact_block_zero_branch(impl):
    """with conv2 = 0 the block is the identity: out = x and dx = dout"""
    rng = np.random.default_rng(152)
    x, p = rng.standard_normal((2, 3, 2, 2)), _params(rng, 3)
    p["conv2.w"] = np.zeros((3, 3, 3, 3))
    out, cache = impl.preact_block_forward(x, p)
    assert_close("preact_block_forward with conv2 = 0 (should be x)", out, x, tol=EXACT_TOL)
    dout = rng.standard_normal(x.shape)
    dx, _ = impl.preact_block_backward(dout, cache)
    assert_close("preact_block_backward's dx with conv2 = 0 (should be dout)", dx, dout,
                 tol=EXACT_TOL)


def _stack(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 2, 2, 2))
    blocks = [_params(rng, 2) for _ in range(2)]
    final = {"gamma": 1.0 + 0.2 * rng.standard_normal(2), "beta": 0.5 * rng.standard_normal(2)}
    return x, blocks, final, rng


@pytest.mark.points(1)
def test_preact_stack_forward_values(impl, baked):
    """a 2-block preact_stack_forward gives the expected output"""
    x, blocks, final, _ = _stack(153)
    out, _ = impl.preact_stack_forward(x, blocks, final)
    weights = [w for p in blocks for w in p.values()]
    expected = baked("preact_stack_flat", x, final["gamma"], final["beta"], *weights)
    assert_close("preact_stack_forward out", out, expected)


@pytest.mark.points(2)
def test_preact_stack_backward_numeric(impl):
    """preact_stack_backward agrees with central differences of your preact_stack_forward"""
    x, blocks, final, rng = _stack(156)  # every ReLU input >= 0.03 from its kink
    dout = rng.standard_normal(x.shape)
    _, cache = impl.preact_stack_forward(x, blocks, final)

    ndx, nblocks, nfinal = numerical_vjp(
        output_of(impl.preact_stack_forward), (x, blocks, final), dout, wrt=(0, 1, 2)
    )
    dx, grads_list, dfinal = impl.preact_stack_backward(dout, cache)
    assert_close("preact_stack_backward: dx", dx, ndx, tol=NUMERIC_TOL,
                 against="central differences")
    for i, grads in enumerate(grads_list):
        assert_close(f"preact_stack_backward: grads_list[{i}]", grads, nblocks[i],
                     tol=NUMERIC_TOL, against="central differences")
    assert_close("preact_stack_backward: dfinal", dfinal, nfinal, tol=NUMERIC_TOL,
                 against="central differences")


@pytest.mark.points(1)
def test_grad_norm_profile_values(impl, baked):
    """grad_norm_profile gives the expected norms for pre- and post-activation blocks"""
    rng = np.random.default_rng(155)
    x, dout = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal((3, 2, 3, 3))
    blocks = [_params(rng, 2) for _ in range(3)]
    weights = [w for p in blocks for w in p.values()]
    for kind in ("pre", "post"):
        norms = impl.grad_norm_profile(x, blocks, dout, kind)
        expected = baked("grad_norm_profile_flat", x, dout, kind, *weights)
        assert_close(f"grad_norm_profile(kind={kind!r})", norms, expected)
