"""Self-checks for paper 16. Run them with `pytest` in this folder or `s30 check 16`.

Forward values are compared with expected values computed by the course's reference. Backward
passes are compared with central differences of your own forward: if your forward is wrong,
fix it first. The hidden checks used for grading are stricter and use other shapes.
"""

import numpy as np
import pytest

from autograder.gradcheck import numerical_vjp, output_of
from autograder.testing import EXACT_TOL, assert_close, assert_equal, assert_gradients


def _params(rng, sizes):
    """Weights and biases of an MLP with the given layer sizes, as lists."""
    Ws = [rng.standard_normal((m, k)) / np.sqrt(m) for m, k in zip(sizes[:-1], sizes[1:])]
    bs = [0.5 * rng.standard_normal(k) for k in sizes[1:]]
    return Ws, bs


def _flat(Ws, bs):
    return tuple(a for pair in zip(Ws, bs) for a in pair)


@pytest.mark.points(1)
def test_all_pairs_forward_values(impl, baked):
    """all_pairs_forward gives the expected pairs"""
    rng = np.random.default_rng(160)
    O, q = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 1))
    P, _ = impl.all_pairs_forward(O, q)
    assert_close("all_pairs_forward P", P, baked("all_pairs", O, q), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_all_pairs_backward_numeric(impl):
    """all_pairs_backward agrees with central differences of your all_pairs_forward"""
    rng = np.random.default_rng(161)
    O, q = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 2))
    dP = rng.standard_normal((2, 9, 6))
    _, cache = impl.all_pairs_forward(O, q)
    numeric = numerical_vjp(output_of(impl.all_pairs_forward), (O, q), dP, wrt=(0, 1))
    assert_gradients(
        "all_pairs_backward", impl.all_pairs_backward(dP, cache), ("dO", "dq"),
        numeric=numeric, batch_size=2,
    )


@pytest.mark.points(1)
def test_mlp_forward_values(impl, baked):
    """mlp_forward gives the expected output on a (2, 3, 4) input"""
    rng = np.random.default_rng(162)
    x = rng.standard_normal((2, 3, 4))
    Ws, bs = _params(rng, (4, 5, 3))
    out, _ = impl.mlp_forward(x, Ws, bs)
    assert_close("mlp_forward out", out, baked("mlp", x, *_flat(Ws, bs)), tol=EXACT_TOL)


@pytest.mark.points(2)
def test_mlp_backward_numeric(impl):
    """mlp_backward agrees with central differences of your mlp_forward"""
    rng = np.random.default_rng(163)
    x = rng.standard_normal((2, 3, 4))
    Ws, bs = _params(rng, (4, 5, 3))
    dout = rng.standard_normal((2, 3, 3))
    _, cache = impl.mlp_forward(x, Ws, bs)
    numeric = numerical_vjp(output_of(impl.mlp_forward), (x, Ws, bs), dout, wrt=(0, 1, 2))
    assert_gradients(
        "mlp_backward", impl.mlp_backward(dout, cache), ("dx", "dWs", "dbs"), numeric=numeric
    )


def _relation_inputs(seed):
    rng = np.random.default_rng(seed)
    O, q = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 2))
    g = _params(rng, (6, 5, 4))
    f = _params(rng, (4, 3, 2))
    return O, q, g, f


@pytest.mark.points(1)
def test_relation_network_forward_values(impl, baked):
    """relation_network_forward gives the expected logits"""
    O, q, g, f = _relation_inputs(164)
    logits, _ = impl.relation_network_forward(O, q, g, f)
    expected = baked("relation_network", O, q, 2, *_flat(*g), *_flat(*f))
    assert_close("relation_network_forward logits", logits, expected, tol=EXACT_TOL)


@pytest.mark.points(2)
def test_relation_network_backward_numeric(impl):
    """relation_network_backward agrees with central differences of your forward"""
    O, q, g, f = _relation_inputs(165)
    dlogits = np.random.default_rng(166).standard_normal((2, 2))
    _, cache = impl.relation_network_forward(O, q, g, f)
    numeric = numerical_vjp(
        output_of(impl.relation_network_forward), (O, q, g, f), dlogits, wrt=(0, 1, 2, 3)
    )
    assert_gradients(
        "relation_network_backward", impl.relation_network_backward(dlogits, cache),
        ("dO", "dq", "dg", "df"), numeric=numeric, batch_size=2,
    )


@pytest.mark.points(1)
def test_sort_of_clevr_answer_values(impl):
    """sort_of_clevr_answer answers the three kinds of question about a small scene"""
    # Four objects with colours 2, 0, 3, 1 (of K = 4); rows are [colour one-hot, x, y, shape].
    objects = np.array([
        [0, 0, 1, 0, 0.1, 0.1, 1],
        [1, 0, 0, 0, 0.2, 0.2, 0],
        [0, 0, 0, 1, 0.9, 0.8, 1],
        [0, 1, 0, 0, 0.6, 0.5, 0],
    ], dtype=float)

    def ask(colour, kind):
        question = np.zeros(7)
        question[colour], question[4 + kind] = 1.0, 1.0
        return impl.sort_of_clevr_answer(objects, question)

    got = np.array([ask(c, kind) for c in range(4) for kind in range(3)])
    # colour 0 is a square; its closest object (colour 2) is a circle, its farthest (colour 3)
    # a circle; and so on for colours 1, 2 and 3.
    expected = np.array([0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1])
    assert_equal("sort_of_clevr_answer over (colour, kind) pairs", got, expected)
