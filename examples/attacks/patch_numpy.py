# Attack: make numpy's comparisons always succeed, then return zeros from relu_forward,
# hoping the grader compares results with the learner's own (patched) numpy.
# Fails: public::test_relu_forward_values
#        public::test_relu_backward_numeric
#        hidden::test_relu_forward
import numpy as _np
import numpy.testing as _npt

_np.allclose = lambda *args, **kwargs: True
_np.array_equal = lambda *args, **kwargs: True
_npt.assert_allclose = lambda *args, **kwargs: None
_npt.assert_array_equal = lambda *args, **kwargs: None


def relu_forward(x):
    return _np.zeros_like(x), {"x": x}
