"""Hidden checks for paper 15.

The pre-activation block and the stack are compared with torch references built from F.conv2d,
F.batch_norm and F.relu: values, autograd gradients and central differences (every element,
differentiating the torch forward). Edge shapes: N = 1 with H = W = 1 (batch-norm variance 0)
and L = 1. The stack and the profile are graded with the solution's block swapped in
(independent credit); backward checks use caches built by the solution's forward. The profile
is compared with torch's retain_grad() gradients for both kinds of block. Inputs are redrawn
until every ReLU input is at least 1e-3 from zero.
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

BLOCK_CASES = [(2, 3, 4, 4), (1, 2, 1, 1), (3, 2, 3, 2)]
# (x shape, L)
STACK_CASES = [((2, 2, 3, 3), 1), ((2, 2, 3, 3), 3), ((1, 2, 1, 1), 2)]
PROFILE_CASES = [((2, 3, 4, 4), 1), ((2, 2, 3, 3), 4), ((1, 2, 1, 1), 2), ((4, 3, 4, 4), 6)]
BLOCK_KEYS = ("bn1.gamma", "bn1.beta", "conv1.w", "bn2.gamma", "bn2.beta", "conv2.w")
GAP = 1e-3


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


def _block_params(rng, c):
    return {
        "bn1.gamma": rng.uniform(0.5, 1.5, c), "bn1.beta": rng.standard_normal(c),
        "conv1.w": rng.standard_normal((c, c, 3, 3)) / np.sqrt(9 * c),
        "bn2.gamma": rng.uniform(0.5, 1.5, c), "bn2.beta": rng.standard_normal(c),
        "conv2.w": rng.standard_normal((c, c, 3, 3)) / np.sqrt(9 * c),
    }


def _flat(blocks, final=None):
    flat = {f"block{i}.{k}": v for i, p in enumerate(blocks) for k, v in p.items()}
    if final is not None:
        flat.update({"final.gamma": final["gamma"], "final.beta": final["beta"]})
    return flat


def _relu_inputs(cache):
    return [v for k, v in cache.items() if k.endswith("relu1.x") or k.endswith("relu2.x")
            or k == "relu.x"]


def _off_kinks(cache):
    return min(np.abs(v).min() for v in _relu_inputs(cache)) >= GAP


@functools.cache
def block_case(ref, sol, seed, k):
    shape = BLOCK_CASES[k]
    rng = _rng(seed, 1, k)
    for _ in range(100):
        x, p = rng.standard_normal(shape), _block_params(rng, shape[1])
        if _off_kinks(sol.preact_block_forward(x, p)[1]):
            break
    else:
        raise RuntimeError("could not keep the block's ReLU inputs off their kinks")
    dout = rng.standard_normal(shape)
    out, grads = torchref.vjp(ref.preact_block, (x, p), dout, wrt=(0, 1))
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.preact_block, *a), (x, p), dout, wrt=(0, 1)
    )
    return frozen((x, p, dout, out, grads, numeric))


@pytest.mark.points(1)
def test_preact_block_forward(impl, sol, ref, seed):
    """preact_block_forward matches a torch pre-activation block"""
    for k, shape in enumerate(BLOCK_CASES):
        x, p, _, out, _, _ = block_case(ref, sol, seed, k)
        got, cache = call_unmutated(impl.preact_block_forward, x, p)
        assert_close(f"preact_block_forward out (x of shape {shape})", got, out)
        assert_cache_keys("preact_block_forward", cache,
                     ("bn1.xhat", "conv1.x", "bn2.istd", "conv2.w", "relu1.x", "relu2.x"))


@pytest.mark.points(2)
def test_preact_block_backward(impl, sol, ref, seed):
    """preact_block_backward matches torch autograd and central differences"""
    for k, shape in enumerate(BLOCK_CASES):
        x, p, dout, _, grads, numeric = block_case(ref, sol, seed, k)
        _, cache = sol.preact_block_forward(x, p)
        got = call_unmutated(impl.preact_block_backward, dout, cache)
        assert_gradients(
            f"preact_block_backward (x of shape {shape})", got, ("dx", "grads"),
            autograd=grads, numeric=numeric, batch_size=shape[0],
        )


@pytest.mark.points(1)
def test_preact_block_zero_branch(impl, sol, seed):
    """with conv2 = 0 the pre-activation block is the identity and passes dout unchanged"""
    rng = _rng(seed, 2)
    x, p = rng.standard_normal((2, 3, 3, 4)), _block_params(rng, 3)
    p["conv2.w"] = np.zeros((3, 3, 3, 3))
    out, _ = impl.preact_block_forward(x, p)
    assert_close("preact_block_forward with conv2 = 0 (should be x exactly)", out, x,
                 tol=EXACT_TOL)
    dout = rng.standard_normal(x.shape)
    dx, grads = impl.preact_block_backward(dout, sol.preact_block_forward(x, p)[1])
    assert_close("preact_block_backward's dx with conv2 = 0 (should be dout exactly)", dx, dout,
                 tol=EXACT_TOL)
    assert_close("preact_block_backward's grads['bn2.beta'] with conv2 = 0 (should be 0)",
                 grads["bn2.beta"], np.zeros(3), tol=EXACT_TOL)


@functools.cache
def stack_case(ref, sol, seed, k):
    shape, depth = STACK_CASES[k]
    rng = _rng(seed, 3, k)
    c = shape[1]
    for _ in range(100):
        x = rng.standard_normal(shape)
        blocks = [_block_params(rng, c) for _ in range(depth)]
        final = {"gamma": rng.uniform(0.5, 1.5, c), "beta": rng.standard_normal(c)}
        if _off_kinks(sol.preact_stack_forward(x, blocks, final)[1]):
            break
    else:
        raise RuntimeError("could not keep the stack's ReLU inputs off their kinks")
    dout = rng.standard_normal(shape)

    def forward(x, params):
        return ref.preact_stack(x, params, depth)

    out, (dx, dflat) = torchref.vjp(forward, (x, _flat(blocks, final)), dout, wrt=(0, 1))
    ndx, nflat = numerical_vjp(
        lambda *a: torchref.forward(forward, *a), (x, _flat(blocks, final)), dout, wrt=(0, 1)
    )
    return frozen((x, blocks, final, dout, out, _unflat(dx, dflat, depth),
                   _unflat(ndx, nflat, depth)))


def _unflat(dx, flat, depth):
    """(dx, grads_list, dfinal) from torch's gradient of the flat parameter dict."""
    grads_list = [{k: flat[f"block{i}.{k}"] for k in BLOCK_KEYS} for i in range(depth)]
    return dx, grads_list, {"gamma": flat["final.gamma"], "beta": flat["final.beta"]}


@pytest.mark.points(1)
def test_preact_stack_forward(impl, sol, ref, seed):
    """preact_stack_forward matches torch: L blocks, then batch norm and ReLU"""
    with using_solution(impl, sol, "preact_block_forward"):
        for k, (shape, depth) in enumerate(STACK_CASES):
            x, blocks, final, _, out, _, _ = stack_case(ref, sol, seed, k)
            got, cache = call_unmutated(impl.preact_stack_forward, x, blocks, final)
            assert_close(f"preact_stack_forward out (x of shape {shape}, L={depth})", got, out)
            keys = ["depth", "relu.x", "final_bn.xhat"]
            keys += [f"block{i}.relu1.x" for i in range(depth)]
            assert_cache_keys("preact_stack_forward", cache, keys)


@pytest.mark.points(2)
def test_preact_stack_backward(impl, sol, ref, seed):
    """preact_stack_backward matches torch autograd and central differences through L blocks"""
    with using_solution(impl, sol, "preact_block_forward", "preact_block_backward"):
        for k, (shape, depth) in enumerate(STACK_CASES):
            x, blocks, final, dout, _, grads, numeric = stack_case(ref, sol, seed, k)
            _, cache = sol.preact_stack_forward(x, blocks, final)
            got = call_unmutated(impl.preact_stack_backward, dout, cache)
            assert_gradients(
                f"preact_stack_backward (x of shape {shape}, L={depth})", got,
                ("dx", "grads_list", "dfinal"), autograd=grads, numeric=numeric,
                batch_size=shape[0],
            )


@functools.cache
def profile_case(ref, seed, k):
    shape, depth = PROFILE_CASES[k]
    rng = _rng(seed, 4, k)
    x = rng.standard_normal(shape)
    blocks = [_block_params(rng, shape[1]) for _ in range(depth)]
    dout = rng.standard_normal(shape)
    expected = {
        kind: torchref.forward(ref.grad_norm_profile, x, _flat(blocks), dout, depth, kind)
        for kind in ("pre", "post")
    }
    return frozen((x, blocks, dout, expected))


@pytest.mark.points(2)
def test_grad_norm_profile(impl, sol, ref, seed):
    """grad_norm_profile matches torch's retain_grad() gradients, pre- and post-activation"""
    with using_solution(impl, sol, "preact_block_forward", "preact_block_backward"):
        for k, (shape, depth) in enumerate(PROFILE_CASES):
            x, blocks, dout, expected = profile_case(ref, seed, k)
            for kind in ("pre", "post"):
                got = call_unmutated(impl.grad_norm_profile, x, blocks, dout, kind)
                label = f"grad_norm_profile (kind={kind!r}, x of shape {shape}, L={depth})"
                assert_close(label, got, expected[kind])


@pytest.mark.points(1)
def test_grad_norm_profile_zero_branches(impl, sol, seed):
    """with every conv2 = 0 the pre-activation profile is flat at ||dout||"""
    rng = _rng(seed, 5)
    x, dout = rng.standard_normal((2, 2, 3, 3)), rng.standard_normal((2, 2, 3, 3))
    blocks = [_block_params(rng, 2) for _ in range(3)]
    with using_solution(impl, sol, "preact_block_forward", "preact_block_backward"):
        norms = impl.grad_norm_profile(x, blocks, dout, "post")
        assert_close("grad_norm_profile(kind='post')[L] (should be ||dout||)", norms[-1],
                     np.linalg.norm(dout), tol=EXACT_TOL)
        for p in blocks:
            p["conv2.w"] = np.zeros((2, 2, 3, 3))
        norms = impl.grad_norm_profile(x, blocks, dout, "pre")
        assert_close("grad_norm_profile(kind='pre') with every conv2 = 0 (should be ||dout||)",
                     norms, np.full(4, np.linalg.norm(dout)), tol=EXACT_TOL)
