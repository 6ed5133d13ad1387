#!/usr/bin/env python3
"""Frame generation and demodulation of the RF Challenge SOIs in numpy, against Rust, one thread each.

QPSK (rf.md section 1.3): Gray QPSK symbols, symbol k at sample 16k + 8, the
129-tap unit-energy RRC (roll-off 0.5, span 8) times 4, 40,960 samples.
Two numpy versions:
  * "recipe": the challenge's own recipe (sionna 0.10): zero-stuff the
    symbols and convolve densely ("same") with the pulse; demodulate by the
    same dense convolution and sampling at 16k + 8.
  * "polyphase": the algorithm the Rust crate runs, vectorised: each symbol
    adds its pulse (a matmul of symbols with the pulse, overlap-added by
    phase); the matched filter evaluated at the symbol instants only (a
    sliding-window view times the pulse).
OFDM-QPSK (section 1.4): 56 data carriers of a 64-point grid, unitary IFFT,
CP 16, 512 OFDM symbols; demodulation by CP removal and FFT. One numpy
version (batched FFTs, the same algorithm as Rust).

The script draws the bits, times numpy (best of REPS), runs
`cargo run --release -p infoflow-rf-signal --example frames_workload` on the
same bits, checks that the frames agree to 1e-9 and the demodulated bits
exactly, and prints frames per second and the ratios. Installs numpy with
pip if it is missing.

Usage: python3 frames.py [FRAMES] [REPS]
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

N = 40960


def rrc(sps=16, beta=0.5, span=8):
    half = span * sps // 2
    t = (np.arange(2 * half + 1) - half) / sps
    h = np.empty_like(t)
    for i, ti in enumerate(t):
        if ti == 0.0:
            h[i] = 1.0 + beta * (4.0 / np.pi - 1.0)
        elif abs(abs(4.0 * beta * ti) - 1.0) < 1e-12:
            h[i] = beta / np.sqrt(2.0) * ((1 + 2 / np.pi) * np.sin(np.pi / (4 * beta)) + (1 - 2 / np.pi) * np.cos(np.pi / (4 * beta)))
        else:
            h[i] = (np.sin(np.pi * ti * (1 - beta)) + 4 * beta * ti * np.cos(np.pi * ti * (1 + beta))) / (
                np.pi * ti * (1 - (4 * beta * ti) ** 2))
    return h / np.sqrt((h ** 2).sum())


H = rrc()


def qpsk_symbols(bits):
    return ((1 - 2.0 * bits[:, 0::2]) + 1j * (1 - 2.0 * bits[:, 1::2])) / np.sqrt(2.0)


def qpsk_bits(sym):
    out = np.empty((sym.shape[0], 2 * sym.shape[1]), dtype=np.uint8)
    out[:, 0::2] = sym.real < 0
    out[:, 1::2] = sym.imag < 0
    return out


def qpsk_recipe_generate(bits):
    sym = qpsk_symbols(bits)
    up = np.zeros((bits.shape[0], N), dtype=complex)
    up[:, 8::16] = sym
    return np.stack([np.convolve(u, H)[64:64 + N] for u in up]) * 4.0


def qpsk_recipe_demodulate(y):
    z = np.stack([np.convolve(v, H)[64:64 + N] for v in y])
    return qpsk_bits(z[:, 8::16] / 4.0)


def qpsk_polyphase_generate(bits):
    sym = qpsk_symbols(bits)
    f, k = sym.shape
    pulses = sym[:, :, None] * (4.0 * H)[None, None, :]  # (F, K, 129)
    out = np.zeros((f, 16 * k + 128 + 16), dtype=complex)
    # Symbol k's pulse starts at 16k + 8 - 64; split the 129 taps into 9 chunks of 16.
    padded = np.zeros((f, k, 144), dtype=complex)
    padded[:, :, :129] = pulses
    chunks = padded.reshape(f, k, 9, 16)
    for c in range(9):
        out[:, 16 * c:16 * c + 16 * k] += chunks[:, :, c, :].reshape(f, 16 * k)
    return out[:, 64 - 8:64 - 8 + N]


def qpsk_polyphase_demodulate(y):
    padded = np.pad(y, ((0, 0), (64, 64)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, 129, axis=1)[:, 8::16, :]
    return qpsk_bits(windows @ H / 4.0)


GUARD_LO, GUARD_HI = 4, 3
CARRIERS = np.array([c for c in range(-32 + GUARD_LO, 32 - GUARD_HI) if c != 0])
BINS = np.mod(CARRIERS, 64)


def ofdm_generate(bits):
    f = bits.shape[0]
    sym = qpsk_symbols(bits).reshape(f * 512, 56)
    grid = np.zeros((f * 512, 64), dtype=complex)
    grid[:, BINS] = sym
    x = np.fft.ifft(grid, axis=1) * 8.0  # unitary: sqrt(64) * ifft
    return np.concatenate([x[:, -16:], x], axis=1).reshape(f, N)


def ofdm_demodulate(y):
    f = y.shape[0]
    body = y.reshape(f * 512, 80)[:, 16:]
    sym = (np.fft.fft(body, axis=1) / 8.0)[:, BINS].reshape(f, 512 * 56)
    return qpsk_bits(sym)


def best(fn, arg, reps):
    t = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        out = fn(arg)
        t = min(t, time.perf_counter() - start)
    return t, out


def main():
    frames = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rng = np.random.default_rng(0)
    root = os.path.dirname(os.path.abspath(__file__))
    subprocess.check_call(["cargo", "build", "--release", "-q", "-p", "infoflow-rf-signal", "--example", "frames_workload"], cwd=root)
    exe = subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=root)
    import json
    target = json.loads(exe)["target_directory"]
    binary = os.path.join(target, "release", "examples", "frames_workload")
    rows, ceilings = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for soi, per in (("qpsk", 5120), ("ofdm", 57344)):
            bits = rng.integers(0, 2, size=(frames, per), dtype=np.uint8)
            if soi == "qpsk":
                variants = [("recipe", qpsk_recipe_generate, qpsk_recipe_demodulate),
                            ("polyphase", qpsk_polyphase_generate, qpsk_polyphase_demodulate)]
            else:
                variants = [("batched FFT", ofdm_generate, ofdm_demodulate)]
            paths = [os.path.join(tmp, name) for name in ("bits", "frames", "decided")]
            bits.tofile(paths[0])
            out = subprocess.check_output([binary, soi, *paths, str(reps)], text=True)
            print(out.strip())
            words = out.split()
            rust_gen = float(words[words.index("generate") + 1])
            rust_dem = float(words[words.index("demodulate") + 1])
            floors = {k: float(words[words.index(k) + 1]) for k in ("read", "transforms") if k in words}
            rust_frames = np.fromfile(paths[1], dtype="<f8").view(complex).reshape(frames, N)
            rust_bits = np.fromfile(paths[2], dtype=np.uint8).reshape(frames, per)
            for name, gen, dem in variants:
                t_gen, y = best(gen, bits, reps)
                t_dem, decided = best(dem, y, reps)
                err = np.abs(y - rust_frames).max()
                assert err < 1e-9, f"{soi} {name}: frames differ by {err}"
                assert (decided == bits).all() and (rust_bits == bits).all(), f"{soi} {name}: bits differ"
                rows.append((soi, name, frames / t_gen, frames / rust_gen, frames / t_dem, frames / rust_dem))
                if "transforms" in floors:
                    fft, read = floors["transforms"] / frames, floors["read"] / frames
                    ceilings.append(
                        f"{soi} {name}: floors per frame: reading it {read * 1e6:.1f} us, its 512 FFTs alone (RustFFT, "
                        f"one batched call) {fft * 1e6:.1f} us; so no demodulator beats numpy by more than "
                        f"{t_dem / frames / read:.1f}x (reading alone) or {t_dem / frames / fft:.1f}x (with RustFFT), "
                        f"and no generator by more than {t_gen / frames / fft:.1f}x (with RustFFT)")
    print(f"\n{'SOI':5} {'numpy version':12} {'gen numpy':>10} {'gen rust':>10} {'ratio':>7} {'demod numpy':>12} {'demod rust':>11} {'ratio':>7}  (frames/s, one thread)")
    for soi, name, g_np, g_rs, d_np, d_rs in rows:
        print(f"{soi:5} {name:12} {g_np:10.1f} {g_rs:10.1f} {g_rs / g_np:6.1f}x {d_np:12.1f} {d_rs:11.1f} {d_rs / d_np:6.1f}x")
    for line in ceilings:
        print(line)


if __name__ == "__main__":
    main()
