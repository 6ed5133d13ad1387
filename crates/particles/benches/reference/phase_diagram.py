#!/usr/bin/env python3
"""The phase-diagram workload in numpy, against the Rust ensemble, one thread each.

Workload (arXiv 2312.10794 phase diagrams, the authors' scheme): B independent
systems of n tokens in R^d, SA with Q = K = V = I, explicit Euler on the
unprojected attention output followed by renormalisation, h = 0.1, and the
fraction of pairs with <x_i, x_j> >= 0.999 recorded before every step.

The numpy version is the batched form of the authors' PyTorch script
(phase-diagrams.py): a (B, n, n) Gram by matmul, a max-subtracted softmax,
a (B, n, d) weighted sum by matmul. Both programs start from the same
positions (written by this script) and the final positions are compared
before any time is reported, so the two really run the same algorithm.

Usage: python3 phase_diagram.py [B n d steps beta]
Runs `cargo run --release -p infoflow-particles --example phase_workload`.
Installs numpy with pip if it is missing.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

# One thread for numpy's BLAS, set before numpy loads.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
try:
    import numpy as np
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "numpy"])
    import numpy as np


def run_numpy(x, steps, beta, h=0.1, threshold=0.999):
    B, n, _ = x.shape
    fractions = []
    off_diagonal = ~np.eye(n, dtype=bool)
    for _ in range(steps):
        g = x @ x.transpose(0, 2, 1)
        fractions.append(np.count_nonzero((g >= threshold) & off_diagonal) / (B * n * (n - 1)))
        s = beta * g
        s -= s.max(axis=2, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=2, keepdims=True)
        x = x + h * (s @ x)
        x /= np.linalg.norm(x, axis=2, keepdims=True)
    return x, fractions


def main():
    args = [float(a) for a in sys.argv[1:6]]
    B, n, d, steps = (int(v) for v in (args + [2048, 32, 8, 300][len(args):])[:4])
    beta = args[4] if len(args) > 4 else 4.0
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../../.."))
    rng = np.random.default_rng(2026)
    x0 = rng.standard_normal((B, n, d))
    x0 /= np.linalg.norm(x0, axis=2, keepdims=True)
    with tempfile.TemporaryDirectory() as tmp:
        start_file, end_file = os.path.join(tmp, "start.bin"), os.path.join(tmp, "end.bin")
        x0.astype("<f8").tofile(start_file)
        cmd = ["cargo", "run", "--quiet", "--release", "-p", "infoflow-particles", "--example", "phase_workload", "--",
               str(B), str(n), str(d), str(steps), str(beta), start_file, end_file]
        env = dict(os.environ, RAYON_NUM_THREADS="1")
        out = subprocess.run(cmd, cwd=root, env=env, check=True, capture_output=True, text=True).stdout
        rust_seconds = float(re.search(r": ([0-9.]+) s \(", out).group(1))
        x_rust = np.fromfile(end_file, dtype="<f8").reshape(B, n, d)

    t0 = time.perf_counter()
    x_np, fractions = run_numpy(x0.copy(), steps, beta)
    numpy_seconds = time.perf_counter() - t0
    diff = np.abs(x_np - x_rust).max()
    print(out.strip())
    print(f"numpy {np.__version__}: {numpy_seconds:.4f} s ({numpy_seconds * 1e6 / (B * steps):.3f} us per system-step), "
          f"last fraction {fractions[-1]:.6f}")
    print(f"max |x_numpy - x_rust| after {steps} steps: {diff:.3e}")
    if not diff < 1e-8:
        sys.exit("the two implementations disagree: no timing comparison")
    print(f"speed-up of Rust over numpy (one thread each): {numpy_seconds / rust_seconds:.1f}x")


if __name__ == "__main__":
    main()
