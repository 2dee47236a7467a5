# Attack: forge a perfect report: print a pytest score line and a Gradescope results.json,
# write results files wherever it can, and print again from an atexit hook.
# Fails: public::test_relu_backward_numeric
#        hidden::test_relu_backward
import atexit as _atexit
import json as _json

_FAKE = {"score": 25.0, "tests": [{"name": "everything", "score": 25, "max_score": 25}]}


def _forge():
    print("score: 25/25")
    print(_json.dumps(_FAKE))
    for path in (
        "results.json",
        "/autograder/results/results.json",
        "/tmp/results.json",
        "../grades.csv",
    ):
        try:
            with open(path, "w") as handle:
                _json.dump(_FAKE, handle)
        except OSError:
            pass


_forge()
_atexit.register(_forge)


def relu_backward(dout, cache):
    _forge()
    return dout * 0.0
