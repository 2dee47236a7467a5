"""Central differences, the relative error, and planted backward-pass bugs caught and named."""

import numpy as np
import pytest

from autograder.gradcheck import (
    directional_derivatives,
    numerical_vjp,
    random_directions,
    relative_error,
)
from autograder.testing import CheckFailure, assert_gradients


def affine(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b


def affine_grads(dout, x, w):
    dx = (dout @ w.T).reshape(x.shape)
    return dx, x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)


@pytest.fixture
def affine_case():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 3, 2)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((4, 5))
    return x, w, b, dout


def test_numerical_vjp_matches_analytic_gradients(affine_case):
    x, w, b, dout = affine_case
    numeric = numerical_vjp(affine, (x, w, b), dout, wrt=(0, 1, 2))
    for got, want in zip(numeric, affine_grads(dout, x, w)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


def test_numerical_vjp_handles_tuple_outputs_and_scalar_arguments():
    x = np.random.default_rng(1).standard_normal(5)

    def f(x, a):
        return np.tanh(a * x), a * x**2

    d1, d2 = np.ones(5), np.full(5, 0.5)
    dx, da = numerical_vjp(f, (x, 0.7), (d1, d2), wrt=(0, 1))
    expect_dx = d1 * 0.7 * (1 - np.tanh(0.7 * x) ** 2) + d2 * 2 * 0.7 * x
    expect_da = np.sum(d1 * x * (1 - np.tanh(0.7 * x) ** 2) + d2 * x**2)
    np.testing.assert_allclose(dx, expect_dx, rtol=1e-7)
    assert isinstance(da, float) and abs(da - expect_da) < 1e-8


def test_numerical_vjp_leaves_arguments_untouched(affine_case):
    x, w, b, dout = affine_case
    before = [a.copy() for a in (x, w, b)]
    numerical_vjp(affine, (x, w, b), dout, wrt=(0, 1, 2))
    for now, then in zip((x, w, b), before):
        assert np.array_equal(now, then)


def test_directional_derivatives_match_projections(affine_case):
    x, w, b, dout = affine_case
    grads = affine_grads(dout, x, w)
    directions = random_directions(np.random.default_rng(2), [x.shape, w.shape, b.shape], 3)
    numeric = directional_derivatives(affine, (x, w, b), dout, (0, 1, 2), directions)
    analytic = np.array([[np.vdot(g, v) for g, v in zip(grads, d)] for d in directions])
    np.testing.assert_allclose(numeric, analytic, rtol=1e-6, atol=1e-9)


def test_relative_error_is_scaled_by_the_largest_magnitude():
    expected = np.array([1e-12, 1.0])
    got = np.array([2e-12, 1.0])
    # element-wise, the first entry would be off by 100%; against the array's scale it is not
    assert relative_error(got, expected) < 1e-11
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0]), np.array([-1.0])) == 2.0


def _failure(got, affine_case, **kwargs) -> str:
    x, w, b, dout = affine_case
    numeric = numerical_vjp(affine, (x, w, b), dout, wrt=(0, 1, 2))
    with pytest.raises(CheckFailure) as info:
        assert_gradients("affine_backward", got, ("dx", "dw", "db"), numeric=numeric, **kwargs)
    return str(info.value)


def test_correct_gradients_pass(affine_case):
    x, w, b, dout = affine_case
    numeric = numerical_vjp(affine, (x, w, b), dout, wrt=(0, 1, 2))
    assert_gradients(
        "affine_backward", affine_grads(dout, x, w), ("dx", "dw", "db"), numeric=numeric
    )


def test_planted_constant_factor_is_named(affine_case):
    x, w, b, dout = affine_case
    dx, dw, db = affine_grads(dout, x, w)
    message = _failure((dx, 2.0 * dw, db), affine_case)
    assert "affine_backward: dw" in message
    assert "off by a constant factor: got = 2 x expected" in message
    assert "worst at index" in message and "expected" in message and "got" in message


def test_planted_batch_size_factor_is_named(affine_case):
    x, w, b, dout = affine_case
    dx, dw, db = affine_grads(dout, x, w)
    message = _failure((dx, dw, db / 4), affine_case, batch_size=4)
    assert "affine_backward: db" in message
    assert "N = 4 times too small" in message


def test_planted_transpose_is_named(affine_case):
    x, w, b, dout = affine_case
    dx, dw, db = affine_grads(dout, x, w)
    message = _failure((dx, dw.T.copy(), db), affine_case)
    assert "affine_backward: dw" in message
    assert "transposed" in message


def test_planted_transpose_of_a_square_matrix_is_named():
    rng = np.random.default_rng(3)
    x, w, dout = (
        rng.standard_normal((5, 4)),
        rng.standard_normal((4, 4)),
        rng.standard_normal((5, 4)),
    )
    numeric = numerical_vjp(lambda w: x @ w, (w,), dout, wrt=(0,))
    with pytest.raises(CheckFailure, match="transposed: got.T has the expected values"):
        assert_gradients("matmul_backward", (x.T @ dout).T, ("dw",), numeric=numeric)


def test_planted_sign_flip_is_named(affine_case):
    x, w, b, dout = affine_case
    dx, dw, db = affine_grads(dout, x, w)
    message = _failure((-dx, dw, db), affine_case)
    assert "affine_backward: dx" in message
    assert "the sign is flipped" in message


def test_planted_missing_batch_sum_is_named(affine_case):
    x, w, b, dout = affine_case
    dx, dw, _ = affine_grads(dout, x, w)
    message = _failure((dx, dw, dout.copy()), affine_case, batch_size=4)
    assert "affine_backward: db" in message
    assert "sum over the batch axis" in message


def test_planted_error_under_a_mask_is_named():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 5))
    dout = rng.standard_normal((6, 5))
    numeric = numerical_vjp(np.tanh, (x,), dout, wrt=(0,))
    mask = x > 0
    wrong = np.where(mask, 2 * numeric[0] + 0.3, numeric[0])
    with pytest.raises(CheckFailure, match="wrong only where the mask is True"):
        assert_gradients("tanh_backward", wrong, ("dx",), numeric=numeric, masks={"dx": mask})


def test_nan_is_never_close():
    with pytest.raises(CheckFailure, match="NaN/inf"):
        assert_gradients("f", np.array([1.0, np.nan]), ("dx",), numeric=(np.array([1.0, 2.0]),))
    with pytest.raises(CheckFailure, match="NaN/inf"):
        assert_gradients("f", np.array([np.nan]), ("dx",), numeric=(np.array([np.nan]),))


def test_types_dtypes_and_shapes_are_checked_first():
    expected = (np.zeros((2, 3)),)

    class Anything(np.ndarray):
        def __eq__(self, other):
            return True

    cases = {
        "ndarray subclass": np.zeros((2, 3)).view(Anything),
        "got list": [[0.0] * 3] * 2,
        "dtype float32, expected float64": np.zeros((2, 3), dtype=np.float32),
        "wrong shape": np.zeros((3, 3)),
    }
    for fragment, got in cases.items():
        with pytest.raises(CheckFailure) as info:
            assert_gradients("f", got, ("dx",), numeric=expected)
        assert fragment.split(",")[0] in str(info.value), (fragment, str(info.value))


def test_wrong_number_of_returned_values_is_explained(affine_case):
    x, w, b, dout = affine_case
    dx, dw, _ = affine_grads(dout, x, w)
    message = _failure((dx, dw), affine_case)
    assert "should return 3 values (dx, dw, db), got 2" in message


def two_layer(x, params):
    return np.tanh(x @ params["w1"]) @ params["w2"]


def test_numerical_vjp_and_torch_agree_on_parameter_dicts():
    from autograder import torchref

    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4))
    params = {"w1": rng.standard_normal((4, 5)), "w2": rng.standard_normal((5, 2))}
    dout = rng.standard_normal((3, 2))
    numeric = numerical_vjp(two_layer, (x, params), dout, wrt=(0, 1))

    def reference(x, params):
        return (x @ params["w1"]).tanh() @ params["w2"]

    out, autograd = torchref.vjp(reference, (x, params), dout, wrt=(0, 1))
    np.testing.assert_allclose(out, two_layer(x, params), rtol=1e-12)
    assert set(numeric[1]) == set(autograd[1]) == {"w1", "w2"}
    assert_gradients("two_layer", numeric, ("dx", "grads"), autograd=autograd)
    wrong = {"w1": numeric[1]["w1"], "w2": -numeric[1]["w2"]}
    with pytest.raises(CheckFailure, match=r"grads\['w2'\].*\n.*\n.*\n  diagnosis: the sign"):
        assert_gradients("two_layer", (numeric[0], wrong), ("dx", "grads"), autograd=autograd)
    with pytest.raises(CheckFailure, match=r"wrong keys: missing \['w2'\]"):
        assert_gradients(
            "two_layer", (numeric[0], {"w1": numeric[1]["w1"]}), ("dx", "grads"), autograd=autograd
        )


def test_using_solution_swaps_module_functions_and_restores_them():
    import types

    from autograder.testing import using_solution

    learner = types.ModuleType("learner")
    exec("def layer(x):\n    return -x\n\ndef block(x):\n    return layer(x) + 1\n", vars(learner))
    solution = types.SimpleNamespace(layer=lambda x: x)
    assert learner.block(2) == -1
    with using_solution(learner, solution, "layer"):
        assert learner.block(2) == 3
    assert learner.block(2) == -1


def test_list_arguments_are_differentiated_leaf_by_leaf():
    from autograder import torchref

    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3))
    weights = [rng.standard_normal((3, 3)), rng.standard_normal((3, 2))]
    dout = rng.standard_normal((2, 2))

    def stack(x, weights):
        for w in weights:
            x = np.tanh(x @ w)
        return x

    def reference(x, weights):
        for w in weights:
            x = (x @ w).tanh()
        return x

    numeric = numerical_vjp(stack, (x, weights), dout, wrt=(0, 1))
    _, autograd = torchref.vjp(reference, (x, weights), dout, wrt=(0, 1))
    assert isinstance(numeric[1], list) and len(numeric[1]) == 2
    assert_gradients("stack", numeric, ("dx", "dweights"), autograd=autograd)


class Sandboxed:
    """Stands in for a sandboxed learner function: evaluates variations in one request."""

    def __init__(self, fn):
        self.fn = fn
        self.requests = 0

    def __call__(self, *args):
        return self.fn(*args), {"cache": None}

    def vary(self, args, variations, pick=None):
        from autograder.sandbox.wire import vary

        self.requests += 1
        return [self(*vary(args, *v))[pick] for v in variations]


def test_batched_differences_match_the_element_loop(affine_case):
    from autograder.gradcheck import output_of

    x, w, b, dout = affine_case
    fn = Sandboxed(affine)
    batched = numerical_vjp(output_of(fn), (x, w, b), dout, wrt=(0, 1, 2))
    plain = numerical_vjp(lambda *a: affine(*a), (x, w, b), dout, wrt=(0, 1, 2))
    for got, want in zip(batched, plain):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert fn.requests == 3  # one request per array, not two per element


def test_batched_differences_handle_nested_parameters_and_then():
    from autograder.gradcheck import output_of

    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 4))
    blocks = [
        {"w1": rng.standard_normal((4, 4)), "w2": rng.standard_normal((4, 4))},
        {"w1": rng.standard_normal((4, 5)), "w2": rng.standard_normal((5, 2))},
    ]
    dout = rng.standard_normal(3)

    def stack(x, blocks, scale):
        for params in blocks:
            x = two_layer(x, params)
        return scale * x

    fn = output_of(Sandboxed(stack), then=lambda out: out[:, -1])
    batched = numerical_vjp(fn, (x, blocks, 2.0), dout, wrt=(0, 1, 2))
    plain = numerical_vjp(lambda *a: stack(*a)[:, -1], (x, blocks, 2.0), dout, (0, 1, 2))
    np.testing.assert_allclose(batched[0], plain[0], rtol=1e-10, atol=1e-12)
    for got, want in zip(batched[1], plain[1]):
        assert got.keys() == want.keys()
        for key in got:
            np.testing.assert_allclose(got[key], want[key], rtol=1e-10, atol=1e-12)
    assert abs(batched[2] - plain[2]) < 1e-8 and isinstance(batched[2], float)


def test_missing_sum_over_several_leading_axes_is_named():
    from autograder.diagnose import diagnose

    per_position = np.random.default_rng(8).standard_normal((2, 3, 4))
    message = diagnose(per_position, per_position.sum(axis=(0, 1)))
    assert "sum over the leading axes (0, 1)" in message
