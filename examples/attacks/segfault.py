# Attack (or accident): crash the interpreter with a segmentation fault.
# Fails: public::test_relu_backward_numeric
#        hidden::test_relu_backward
import ctypes as _ctypes


def relu_backward(dout, cache):
    _ctypes.string_at(0)
