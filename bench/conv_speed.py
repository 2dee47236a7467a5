"""Time the solutions' convolutions against torch's F.conv2d (float64, CPU, one thread).

    python bench/conv_speed.py [--repeat 7]

For each size, "forward + backward" is one forward pass and the backward pass for a random
upstream gradient (dx, dw, db): the solution's ``*_forward`` + ``*_backward`` against
``F.conv2d`` + ``torch.autograd.grad``. Each time is the median over ``--repeat`` rounds of the
best of a few calls, so a busy machine inflates it less. NumPy's BLAS is pinned to one thread
too (set before NumPy is imported), so both sides use one core. Writes its table into
docs/benchmarks.md; the target is a ratio (NumPy / torch) of at most 5 at exercise sizes.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from report import machine, write_section  # noqa: E402


def load(folder: str, module: str):
    path = ROOT / "solutions" / folder / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{module}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def best_time(fn, calls: int = 3) -> float:
    best = float("inf")
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def median_ms(fn, repeat: int) -> float:
    fn()  # warm up
    return 1e3 * float(np.median([best_time(fn) for _ in range(repeat)]))


def cases():
    alexnet = load("07_alexnet", "alexnet_layers")
    dilated = load("11_dilated_conv", "dilated_conv")
    # (label, (N, C, H, W), (F, C, k, k), numpy forward, numpy backward, torch kwargs)
    yield (
        "07 conv_forward/backward, 3x3 pad 1",
        (8, 16, 16, 16),
        (16, 16, 3, 3),
        lambda x, w, b: alexnet.conv_forward(x, w, b, 1, 1),
        alexnet.conv_backward,
        {"padding": 1},
    )
    yield (
        "07 conv, notebook size: 5x5 pad 2",
        (32, 3, 32, 32),
        (8, 3, 5, 5),
        lambda x, w, b: alexnet.conv_forward(x, w, b, 1, 2),
        alexnet.conv_backward,
        {"padding": 2},
    )
    yield (
        "07 conv, 3x3 stride 2 pad 1",
        (8, 16, 16, 16),
        (16, 16, 3, 3),
        lambda x, w, b: alexnet.conv_forward(x, w, b, 2, 1),
        alexnet.conv_backward,
        {"padding": 1, "stride": 2},
    )
    yield (
        "11 dilated_conv, 3x3 dilation 2",
        (8, 16, 16, 16),
        (16, 16, 3, 3),
        lambda x, w, b: dilated.dilated_conv_forward(x, w, b, 2),
        dilated.dilated_conv_backward,
        {"padding": 2, "dilation": 2},
    )
    yield (
        "11 dilated_conv, notebook size: C = 2, 64x64, dilation 8",
        (8, 2, 64, 64),
        (2, 2, 3, 3),
        lambda x, w, b: dilated.dilated_conv_forward(x, w, b, 8),
        dilated.dilated_conv_backward,
        {"padding": 8, "dilation": 8},
    )


def time_case(rng, x_shape, w_shape, forward, backward, kwargs, repeat):
    """Check the solution against torch once, then return the four median times (ms)."""
    x, w, b = (rng.standard_normal(s) for s in (x_shape, w_shape, w_shape[:1]))
    out, _ = forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    xt, wt, bt = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    dt = torch.from_numpy(dout)

    def numpy_fwd():
        forward(x, w, b)

    def numpy_both():
        backward(dout, forward(x, w, b)[1])

    def torch_fwd():
        with torch.no_grad():
            F.conv2d(xt, wt, bt, **kwargs)

    def torch_both():
        return torch.autograd.grad(F.conv2d(xt, wt, bt, **kwargs), (xt, wt, bt), dt)

    mine = backward(dout, forward(x, w, b)[1])
    worst = max(float(np.abs(m - c.numpy()).max()) for m, c in zip(mine, torch_both()))
    if worst > 1e-9:
        sys.exit(f"the solution disagrees with torch by {worst:.2e}")
    return [median_ms(fn, repeat) for fn in (numpy_fwd, torch_fwd, numpy_both, torch_both)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    lines = [
        "## Reference convolutions vs F.conv2d (papers 07, 11)",
        "",
        f"`python bench/conv_speed.py --repeat {args.repeat}` on {machine()}; numpy "
        f"{np.__version__}, torch {torch.__version__}, float64, one thread on both sides, "
        "median of the best of a few calls. Target: the solutions' forward + backward within 5x "
        "of torch at exercise sizes.",
        "",
        "| layer | x | w | numpy fwd (ms) | torch fwd (ms) | numpy fwd+bwd (ms) "
        "| torch fwd+bwd (ms) | ratio fwd+bwd |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, x_shape, w_shape, forward, backward, kwargs in cases():
        timings = time_case(rng, x_shape, w_shape, forward, backward, kwargs, args.repeat)
        lines.append(
            f"| {label} | {x_shape} | {w_shape} | "
            + " | ".join(f"{t:.2f}" for t in timings)
            + f" | {timings[2] / timings[3]:.1f}x |"
        )
        print(lines[-1], flush=True)
    write_section("conv-benchmark", "\n".join(lines))


if __name__ == "__main__":
    main()
