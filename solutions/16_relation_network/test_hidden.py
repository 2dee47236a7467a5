"""Hidden checks for paper 16.

Every forward is compared with the torch float64 reference; every backward with the reference's
autograd gradient and with central differences of the reference forward, on a cache built by
the trusted solution (independent credit). The relation network's checks swap in the solution's
all_pairs and MLP layers, so they grade the composite alone. Case lists include n = 1, N = 1,
an empty question (Q = 0), one- and three-layer MLPs and inputs without a batch axis. Every
ReLU pre-activation stays at least 1e-3 from its kink. The Sort-of-CLEVR oracle is compared with
a plain Python loop, ties included. Each case is computed once per process (functools.cache),
frozen read-only, and reused for every learner in a batch.
"""

import functools

import numpy as np
import pytest

from autograder import torchref
from autograder.gradcheck import numerical_vjp
from autograder.testing import (
    Tolerance,
    assert_cache_keys,
    assert_close,
    assert_equal,
    assert_gradients,
    call_unmutated,
    fail,
    frozen,
    using_solution,
)

# (N, n, D, Q)
PAIR_CASES = [(1, 1, 2, 3), (3, 4, 3, 2), (2, 3, 2, 0), (2, 5, 1, 1)]
# (shape of x, layer sizes M_0 .. M_L)
MLP_CASES = [
    ((5, 4), (4, 3)), ((2, 3, 4), (4, 6, 3)), ((1, 2, 2, 3), (3, 5, 4, 2)), ((3,), (3, 4, 2)),
]
# (N, n, D, Q, sizes of g after its input, sizes of f after its input)
RN_CASES = [
    (1, 1, 2, 2, (5, 4), (3, 2)),
    (2, 3, 3, 2, (6, 5), (4, 3)),
    (3, 4, 2, 0, (5, 5, 4), (3,)),
]
KINK_GAP = 1e-3
INVARIANCE_TOL = Tolerance(rtol=1e-12, atol=1e-12)


def _rng(seed, *case):
    return np.random.default_rng([seed, *case])


def _mlp_params(rng, sizes):
    """(Ws, bs) for layer sizes M_0 .. M_L, weights scaled by 1/sqrt(fan-in)."""
    layers = list(zip(sizes[:-1], sizes[1:]))
    weights = [rng.standard_normal(shape) * shape[0] ** -0.5 for shape in layers]
    return weights, [rng.normal(0.0, 0.5, size=shape[1]) for shape in layers]


def _flat(Ws, bs):
    """(W0, b0, W1, b1, ...), the order the torch reference takes."""
    flat = []
    for W, b in zip(Ws, bs):
        flat += [W, b]
    return tuple(flat)


def _unflat(flat):
    return list(flat[0::2]), list(flat[1::2])


def _hidden_preactivations(x, Ws, bs):
    """Every pre-activation that goes through a ReLU (all layers but the last)."""
    found, h = [], x
    for W, b in zip(Ws[:-1], bs[:-1]):
        z = h @ W + b
        found.append(z.reshape(-1))
        h = np.maximum(z, 0.0)
    return np.concatenate(found) if found else np.ones(1), h @ Ws[-1] + bs[-1]


def _off_kinks(values):
    return np.abs(values).min() >= KINK_GAP


# --- all_pairs ----------------------------------------------------------------------------------


@functools.cache
def pairs_case(ref, seed, k):
    N, n, D, Q = PAIR_CASES[k]
    rng = _rng(seed, 1, k)
    O, q = rng.standard_normal((N, n, D)), rng.standard_normal((N, Q))
    dP = rng.standard_normal((N, n * n, 2 * D + Q))
    P, grads = torchref.vjp(ref.all_pairs, (O, q), dP)
    numeric = numerical_vjp(lambda *a: torchref.forward(ref.all_pairs, *a), (O, q), dP, (0, 1))
    return frozen((O, q, dP, P, grads, numeric))


@pytest.mark.points(1)
def test_all_pairs_forward(impl, ref, seed):
    """all_pairs_forward matches torch.cat of the expanded objects and question"""
    for k in range(len(PAIR_CASES)):
        O, q, _, P, _, _ = pairs_case(ref, seed, k)
        got, cache = call_unmutated(impl.all_pairs_forward, O, q)
        assert_close(f"all_pairs_forward P (O of shape {O.shape}, q of shape {q.shape})", got, P)
        assert_cache_keys("all_pairs_forward", cache, ("O", "q"))


@pytest.mark.points(2)
def test_all_pairs_backward(impl, sol, ref, seed):
    """all_pairs_backward matches torch autograd and central differences"""
    for k in range(len(PAIR_CASES)):
        O, q, dP, _, grads, numeric = pairs_case(ref, seed, k)
        _, cache = sol.all_pairs_forward(O, q)
        got = call_unmutated(impl.all_pairs_backward, dP, cache)
        assert_gradients(
            f"all_pairs_backward (O of shape {O.shape}, q of shape {q.shape})", got, ("dO", "dq"),
            autograd=grads, numeric=numeric, batch_size=O.shape[0],
        )


@pytest.mark.points(1)
def test_all_pairs_adjoint(impl, seed):
    """all_pairs is linear and all_pairs_backward is its adjoint: <P, dP> = <O, dO> + <q, dq>"""
    rng = _rng(seed, 2)
    N, n, D, Q = 3, 4, 2, 3
    O1, O2 = rng.standard_normal((2, N, n, D))
    q1, q2 = rng.standard_normal((2, N, Q))
    P1, cache = impl.all_pairs_forward(O1, q1)
    P2, _ = impl.all_pairs_forward(O2, q2)
    P12, _ = impl.all_pairs_forward(2.0 * O1 - 3.0 * O2, 2.0 * q1 - 3.0 * q2)
    assert_close("all_pairs_forward(2 O1 - 3 O2, 2 q1 - 3 q2) (should be 2 P1 - 3 P2)",
                 P12, 2.0 * P1 - 3.0 * P2, against="the linear combination")
    dP = rng.standard_normal((N, n * n, 2 * D + Q))
    dO, dq = impl.all_pairs_backward(dP, cache)
    lhs = float(np.sum(P1 * dP))
    rhs = float(np.sum(O1 * np.asarray(dO)) + np.sum(q1 * np.asarray(dq)))
    assert_close("<O, dO> + <q, dq> (should equal <all_pairs(O, q), dP>)", rhs, lhs,
                 against="<P, dP>")


# --- MLP ----------------------------------------------------------------------------------------


@functools.cache
def mlp_case(ref, seed, k):
    x_shape, sizes = MLP_CASES[k]
    for attempt in range(100):
        rng = _rng(seed, 3, k, attempt)
        x = rng.standard_normal(x_shape)
        Ws, bs = _mlp_params(rng, sizes)
        if _off_kinks(_hidden_preactivations(x, Ws, bs)[0]):
            break
    else:
        raise RuntimeError("could not keep the MLP's pre-activations off the ReLU kink")
    flat = _flat(Ws, bs)
    dout = rng.standard_normal((*x_shape[:-1], sizes[-1]))
    out, grads = torchref.vjp(ref.mlp, (x, *flat), dout)
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.mlp, *a), (x, *flat), dout, range(len(flat) + 1)
    )
    expected = (grads[0], *_unflat(grads[1:]))
    return frozen((x, Ws, bs, dout, out, expected, (numeric[0], *_unflat(numeric[1:]))))


@pytest.mark.points(1)
def test_mlp_forward(impl, ref, seed):
    """mlp_forward matches F.linear / F.relu layers (any leading dimensions)"""
    for k in range(len(MLP_CASES)):
        x, Ws, bs, _, out, _, _ = mlp_case(ref, seed, k)
        got, cache = call_unmutated(impl.mlp_forward, x, Ws, bs)
        assert_close(f"mlp_forward out (x of shape {x.shape}, {len(Ws)} layers)", got, out)
        keys = ["num_layers"] + [f"{name}{i}" for i in range(len(Ws)) for name in "Wbh"]
        assert_cache_keys("mlp_forward", cache, keys)


@pytest.mark.points(2)
def test_mlp_backward(impl, sol, ref, seed):
    """mlp_backward matches torch autograd and central differences"""
    for k in range(len(MLP_CASES)):
        x, Ws, bs, dout, _, grads, numeric = mlp_case(ref, seed, k)
        _, cache = sol.mlp_forward(x, Ws, bs)
        got = call_unmutated(impl.mlp_backward, dout, cache)
        assert_gradients(
            f"mlp_backward (x of shape {x.shape}, {len(Ws)} layers)", got, ("dx", "dWs", "dbs"),
            autograd=grads, numeric=numeric,
        )


# --- relation network ---------------------------------------------------------------------------


def _rn_inputs(seed, family, k):
    N, n, D, Q, g_sizes, f_sizes = RN_CASES[k]
    for attempt in range(100):
        rng = _rng(seed, family, k, attempt)
        O, q = rng.standard_normal((N, n, D)), rng.standard_normal((N, Q))
        g = _mlp_params(rng, (2 * D + Q, *g_sizes))
        f = _mlp_params(rng, (g_sizes[-1], *f_sizes))
        pairs = np.concatenate([
            np.repeat(O, n, axis=1), np.tile(O, (1, n, 1)), np.repeat(q[:, None], n * n, axis=1)
        ], axis=2)
        g_kinks, G = _hidden_preactivations(pairs, *g)
        f_kinks, _ = _hidden_preactivations(G.sum(axis=1), *f)
        if _off_kinks(g_kinks) and _off_kinks(f_kinks):
            return rng, O, q, g, f
    raise RuntimeError("could not keep the relation network's pre-activations off the kink")


@functools.cache
def rn_case(ref, seed, k):
    rng, O, q, g, f = _rn_inputs(seed, 4, k)
    g_layers, flat = len(g[0]), (*_flat(*g), *_flat(*f))
    args = (O, q, g_layers, *flat)
    wrt = (0, 1, *range(3, len(args)))
    dlogits = rng.standard_normal((O.shape[0], f[0][-1].shape[1]))
    logits, grads = torchref.vjp(ref.relation_network, args, dlogits, wrt=wrt)
    numeric = numerical_vjp(
        lambda *a: torchref.forward(ref.relation_network, *a), args, dlogits, wrt
    )

    def structured(parts):
        return (parts[0], parts[1], _unflat(parts[2 : 2 + 2 * g_layers]),
                _unflat(parts[2 + 2 * g_layers :]))

    return frozen((O, q, g, f, dlogits, logits, structured(grads), structured(numeric)))


@pytest.mark.points(1)
def test_relation_network_forward(impl, sol, ref, seed):
    """relation_network_forward matches f(sum over pairs of g) in torch (your layers swapped out)"""
    for k in range(len(RN_CASES)):
        O, q, g, f, _, logits, _, _ = rn_case(ref, seed, k)
        with using_solution(impl, sol, "all_pairs_forward", "mlp_forward"):
            got, cache = call_unmutated(impl.relation_network_forward, O, q, g, f)
        assert_close(f"relation_network_forward logits (O of shape {O.shape})", got, logits)
        keys = ("pairs.O", "g.W0", "f.W0", "num_pairs")
        assert_cache_keys("relation_network_forward", cache, keys)


@pytest.mark.points(2)
def test_relation_network_backward(impl, sol, ref, seed):
    """relation_network_backward matches torch autograd and central differences"""
    for k in range(len(RN_CASES)):
        O, q, g, f, dlogits, _, grads, numeric = rn_case(ref, seed, k)
        _, cache = sol.relation_network_forward(O, q, g, f)
        with using_solution(impl, sol, "all_pairs_backward", "mlp_backward"):
            got = call_unmutated(impl.relation_network_backward, dlogits, cache)
        assert_gradients(
            f"relation_network_backward (O of shape {O.shape}, q of shape {q.shape})", got,
            ("dO", "dq", "dg", "df"), autograd=grads, numeric=numeric, batch_size=O.shape[0],
        )


@pytest.mark.points(1)
def test_relation_network_permutation_invariance(impl, seed):
    """the logits do not change when the objects of a scene are permuted"""
    rng = _rng(seed, 5)
    N, n, D, Q = 4, 5, 3, 2
    O, q = rng.standard_normal((N, n, D)), rng.standard_normal((N, Q))
    g = _mlp_params(rng, (2 * D + Q, 8, 6))
    f = _mlp_params(rng, (6, 5, 3))
    perms = np.argsort(rng.random((N, n)), axis=1)
    shuffled = np.take_along_axis(O, perms[:, :, None], axis=1)
    logits, _ = impl.relation_network_forward(O, q, g, f)
    got, _ = impl.relation_network_forward(shuffled, q, g, f)
    assert_close(
        "relation_network_forward on permuted objects (should equal the unpermuted logits)",
        got, logits, tol=INVARIANCE_TOL, against="the logits before permuting",
    )


# --- Sort-of-CLEVR oracle -----------------------------------------------------------------------


def _scene(rng, n, K):
    colours = rng.permutation(K)[:n]
    return np.concatenate([
        np.eye(K)[colours], rng.random((n, 2)), rng.integers(0, 2, size=(n, 1)).astype(float)
    ], axis=1)


def _question(K, colour, kind):
    question = np.zeros(K + 3)
    question[colour], question[K + kind] = 1.0, 1.0
    return question


@functools.cache
def oracle_cases(ref, seed):
    rng = _rng(seed, 6)
    cases = []
    for k in range(240):
        n, K = int(rng.integers(2, 8)), int(rng.choice([6, 8]))
        n = min(n, K)
        objects = _scene(rng, n, K)
        colour = int(rng.choice(np.flatnonzero(objects[:, :K].any(axis=0))))
        cases.append((objects, _question(K, colour, k % 3)))
    # Ties on a dyadic grid (exact distances): the subject at the centre, four objects at the
    # same distance, the other two at the same larger distance; lowest index wins.
    K = 6
    xy = np.array([[0.75, 0.5], [0.5, 0.5], [0.25, 0.5], [0.5, 0.75], [1.0, 1.0], [0.0, 0.0]])
    shapes = np.array([[1.0], [0.0], [0.0], [1.0], [0.0], [1.0]])
    for order in ([0, 1, 2, 3, 4, 5], [2, 1, 0, 3, 5, 4], [3, 5, 1, 0, 2, 4]):
        objects = np.concatenate([np.eye(K), xy, shapes], axis=1)[order]
        for kind in range(3):
            cases.append((objects, _question(K, 1, kind)))
    answers = [ref.sort_of_clevr_loop(o, qn) for o, qn in cases]
    return frozen((cases, np.array(answers, dtype=np.int64)))


@pytest.mark.points(2)
def test_sort_of_clevr_answer(impl, ref, seed):
    """sort_of_clevr_answer agrees with a plain loop (random scenes; ties to the lowest index)"""
    cases, expected = oracle_cases(ref, seed)
    got = []
    for objects, question in cases:
        answer = call_unmutated(impl.sort_of_clevr_answer, objects, question)
        if not isinstance(answer, (int, np.integer)) or isinstance(answer, bool):
            fail(f"sort_of_clevr_answer should return an int, got {type(answer).__name__}")
        got.append(int(answer))
    got = np.array(got, dtype=np.int64)
    wrong = np.flatnonzero(got != expected)
    if wrong.size:
        objects, question = cases[wrong[0]]
        K = objects.shape[1] - 3
        kind = ["shape of colour c", "closest to colour c", "farthest from colour c"]
        fail(
            f"sort_of_clevr_answer is wrong on {wrong.size} of {len(cases)} questions; first: "
            f"'{kind[int(np.argmax(question[K:]))]}' with c = {int(np.argmax(question[:K]))} "
            f"about the scene\n{np.array2string(objects, precision=3)}\n"
            f"expected {expected[wrong[0]]}, got {got[wrong[0]]}"
            + ("  (this is one of the tie cases: ties go to the lowest index)"
               if wrong[0] >= len(cases) - 9 else "")
        )
    assert_equal("sort_of_clevr_answer", got, expected)
