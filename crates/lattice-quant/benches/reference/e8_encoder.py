#!/usr/bin/env python3
"""The E8 Voronoi encoder in vectorised numpy, against the Rust encoder, one thread each.

Workload (lattice_quant.md sections 5.2-5.4): B blocks of 8 iid N(0, 1)
entries, each encoded with the nested-lattice code E8 / 16 E8 at the first
coarse scale beta0 in {3.33, 4.35, 5.64, 10} that does not overload (fine
scale beta = beta0 / 16): t = Q_E8(x * (1 / beta)) by Conway-Sloane (two D8
cosets), the overload test Q_E8((t - a) * (1 / q)) == 0 with the shared tie-break offset
a_k = 1e-7 (k + 1) sqrt(k + 2), and the index c = (G^-1 t) mod q by
back-substitution. Numpy processes all blocks of one scale at once; blocks
that overload go on to the next scale.

Both programs read the same blocks (written by this script) and their codes
are compared before any time is reported, so they really run the same
algorithm. Runs `cargo run --release -p infoflow-lattice-quant --example
e8_workload`. Installs numpy with pip if it is missing.

Usage: python3 e8_encoder.py [BLOCKS]
"""
import os
import subprocess
import sys
import tempfile
import time

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
try:
    import numpy as np
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "numpy"])
    import numpy as np

Q = 16
SCALES = [3.33, 4.35, 5.64, 10.0]
OFFSET = 1e-7 * (np.arange(8) + 1.0) * np.sqrt(np.arange(8) + 2.0)


def closest_dn(x):
    """Conway-Sloane D_n: round; if the sum is odd, re-round the worst coordinate."""
    f = np.rint(x)
    odd = np.nonzero(np.remainder(f.sum(axis=1), 2.0) != 0.0)[0]
    if odd.size:
        k = np.argmax(np.abs(x[odd] - f[odd]), axis=1)
        step = np.where(x[odd, k] >= f[odd, k], 1.0, -1.0)
        f[odd, k] += step
    return f


def closest_e8(x):
    a = closest_dn(x)
    b = closest_dn(x - 0.5) + 0.5
    da = ((x - a) ** 2).sum(axis=1)
    db = ((x - b) ** 2).sum(axis=1)
    return np.where((db < da)[:, None], b, a)


def coordinates(t):
    """u = G^-1 t for the NestQuant basis (b0 = 2e0, bj = ej - e(j-1), b7 = 1/2)."""
    u7 = 2.0 * t[:, 7]
    r = t[:, :7] - 0.5 * u7[:, None]
    tail = np.cumsum(r[:, :0:-1], axis=1)[:, ::-1]  # u_k = sum_{j >= k} r_j, k = 1..6
    u0 = (r[:, 0] + tail[:, 0]) / 2.0
    return np.column_stack([u0, tail, u7]).astype(np.int64)


def encode(x):
    out = np.zeros((x.shape[0], 9), dtype=np.uint32)
    out[:, 0] = 255
    todo = np.arange(x.shape[0])
    for k, beta0 in enumerate(SCALES):
        t = closest_e8(x[todo] * (1.0 / (beta0 / Q)))
        ok = np.all(closest_e8((t - OFFSET) * (1.0 / Q)) == 0.0, axis=1)
        done = todo[ok]
        out[done, 0] = k
        out[done, 1:] = np.mod(coordinates(t[ok]), Q).astype(np.uint32)
        todo = todo[~ok]
        if todo.size == 0:
            break
    return out


def main():
    blocks = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 20
    rng = np.random.default_rng(20261126)
    x = rng.standard_normal((blocks, 8))
    root = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "blocks.f64"), os.path.join(tmp, "codes.u32")
        x.astype("<f8").tofile(src)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            ours = encode(x)
            best = min(best, time.perf_counter() - start)
        cmd = ["cargo", "run", "--quiet", "--release", "-p", "infoflow-lattice-quant", "--example", "e8_workload", "--", src, dst]
        report = subprocess.run(cmd, cwd=root, check=True, capture_output=True, text=True).stdout
        rust = np.fromfile(dst, dtype="<u4").reshape(blocks, 9)
    mismatches = int(np.count_nonzero(np.any(rust != ours, axis=1)))
    if mismatches:
        sys.exit(f"codes differ on {mismatches} of {blocks} blocks: not the same algorithm")
    rust_time = float(report.split(" in ")[1].split(" s")[0])
    usage = np.bincount(ours[:, 0].astype(np.int64), minlength=5)
    print(f"blocks: {blocks} ({8 * blocks} entries), scale usage {usage[:4].tolist()}, overloaded {usage[255] if usage.size > 255 else 0}")
    print(f"numpy: {best:.4f} s ({8 * blocks / best / 1e6:.1f} M entries/s, best of 3)")
    print(report.strip() + f" ({8 * blocks / rust_time / 1e6:.1f} M entries/s)")
    print(f"codes identical; rust / numpy speed ratio: {best / rust_time:.1f}x (target >= 20x)")


if __name__ == "__main__":
    main()
