# Accident: an infinite loop in one function.
# Fails: public::test_relu_backward_numeric
#        hidden::test_relu_backward


def relu_backward(dout, cache):
    while True:
        pass
