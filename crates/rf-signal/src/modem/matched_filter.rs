//! The matched filter's kernel: complex dot products of a frame window
//! with the pulse taps, in one fixed order of operations, as a portable
//! function and as AVX2+FMA and AVX-512 `#[target_feature]` versions that
//! perform exactly the same operations (the bit-identity tests below run
//! each version this CPU has against the portable one and print SKIPPED
//! for the ones it lacks).

use infoflow_numerics::signal::C64;

/// `Σ_m h_m y_m` over interleaved samples `y` and duplicated taps `h`
/// (equal lengths, even), in a fixed order that every kernel below follows.
/// The values are cut into chunks of [`CHUNK`] = 32; value `8q + l` of chunk
/// `c` goes to accumulator lane `l` (re and im in alternate lanes), and the
/// lanes accumulate for `q = 0..4` in turn, chunks in order within each
/// `q`. The eight lanes are summed by a fixed tree (lane `l` takes lane
/// `l + 4`, then `l + 2`) and the remainder past the last whole chunk is
/// added last. Products are fused multiply-adds (correctly rounded, hence
/// the same on every CPU): the AVX2+FMA and AVX-512 kernels perform exactly
/// these operations, so every CPU gives the same bits (without hardware
/// FMA the portable path is slower, not different).
pub(super) fn matched_dot(y: &[f64], h: &[f64]) -> C64 {
    let chunks = y.len().min(h.len()) / CHUNK;
    let mut acc = [0.0f64; 8];
    for q in 0..CHUNK / 8 {
        for c in 0..chunks {
            let at = CHUNK * c + 8 * q;
            for (l, a) in acc.iter_mut().enumerate() {
                *a = y[at + l].mul_add(h[at + l], *a);
            }
        }
    }
    for l in 0..4 {
        acc[l] += acc[l + 4];
    }
    for l in 0..2 {
        acc[l] += acc[l + 2];
    }
    add_remainder(acc[0], acc[1], &y[CHUNK * chunks..], &h[CHUNK * chunks..])
}

/// Values per chunk of the matched filter's dot products.
const CHUNK: usize = 32;

/// The tree's result plus the products past the last whole chunk, in order.
#[inline(always)]
fn add_remainder(mut re: f64, mut im: f64, yr: &[f64], hr: &[f64]) -> C64 {
    for (a, b) in yr.chunks_exact(2).zip(hr.chunks_exact(2)) {
        re = a[0].mul_add(b[0], re);
        im = a[1].mul_add(b[1], im);
    }
    C64::new(re, im)
}

/// [`matched_dot`] with AVX2 registers: the eight lanes in two registers.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn matched_dot_avx2(y: &[f64], h: &[f64]) -> C64 {
    use std::arch::x86_64::*;
    let chunks = y.len().min(h.len()) / CHUNK;
    let (yp, hp) = (y.as_ptr(), h.as_ptr());
    let mut acc = [_mm256_setzero_pd(); 2];
    for q in 0..CHUNK / 8 {
        for c in 0..chunks {
            for (half, a) in acc.iter_mut().enumerate() {
                let at = CHUNK * c + 8 * q + 4 * half;
                // SAFETY: at + 3 < CHUNK·chunks ≤ the length of both slices.
                let (yv, hv) = unsafe { (_mm256_loadu_pd(yp.add(at)), _mm256_loadu_pd(hp.add(at))) };
                *a = _mm256_fmadd_pd(yv, hv, *a);
            }
        }
    }
    let s4 = _mm256_add_pd(acc[0], acc[1]);
    let s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
    let mut out = [0.0f64; 2];
    // SAFETY: `out` holds two lanes.
    unsafe { _mm_storeu_pd(out.as_mut_ptr(), s2) };
    add_remainder(out[0], out[1], &y[CHUNK * chunks..], &h[CHUNK * chunks..])
}

/// [`matched_dot`] with one AVX-512 register of eight lanes.
///
/// # Safety
/// The CPU must support AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn matched_dot_avx512(y: &[f64], h: &[f64]) -> C64 {
    use std::arch::x86_64::*;
    let chunks = y.len().min(h.len()) / CHUNK;
    let (yp, hp) = (y.as_ptr(), h.as_ptr());
    let mut acc = _mm512_setzero_pd();
    for q in 0..CHUNK / 8 {
        for c in 0..chunks {
            let at = CHUNK * c + 8 * q;
            // SAFETY: at + 7 < CHUNK·chunks ≤ the length of both slices.
            let (yv, hv) = unsafe { (_mm512_loadu_pd(yp.add(at)), _mm512_loadu_pd(hp.add(at))) };
            acc = _mm512_fmadd_pd(yv, hv, acc);
        }
    }
    finish_avx512(acc, &y[CHUNK * chunks..], &h[CHUNK * chunks..])
}

/// The fixed reduction tree of [`matched_dot`] on its AVX-512 accumulator,
/// then the remainder.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn finish_avx512(acc: std::arch::x86_64::__m512d, yr: &[f64], hr: &[f64]) -> C64 {
    use std::arch::x86_64::*;
    let s4 = _mm256_add_pd(_mm512_castpd512_pd256(acc), _mm512_extractf64x4_pd(acc, 1));
    let s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
    let mut out = [0.0f64; 2];
    // SAFETY: `out` holds two lanes.
    unsafe { _mm_storeu_pd(out.as_mut_ptr(), s2) };
    add_remainder(out[0], out[1], yr, hr)
}

/// Windows per block of [`matched_run_avx512`]'s sliding kernel.
#[cfg(target_arch = "x86_64")]
const SLIDE: usize = 64;

/// [`matched_dot_avx512`] for `out.len()` windows of `h.len()` values, the
/// first at `y[start..]`, each `stride` values after the previous one,
/// divided by `gain`; every window's operations are exactly those of the
/// one-window kernel, so the results are identical to it.
///
/// When windows are one chunk apart and eight chunks long (the challenge:
/// 16 samples per symbol, 129 taps), blocks of [`SLIDE`] windows are
/// filtered by sliding over the frame: for each lane group `q`, the eight
/// tap vectors stay in registers, each 8-value piece of the frame is loaded
/// once and feeds the eight windows that cover it (piece `s` is chunk `c`
/// of window `s − c`), and the eight live windows rotate through eight
/// accumulator registers, their partial sums parked between lane groups.
/// About one load per four multiply-adds instead of two loads per
/// multiply-add; loads are what bind here.
///
/// # Safety
/// The CPU must support AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn matched_run_avx512(y: &[f64], start: usize, stride: usize, h: &[f64], gain: f64, out: &mut [C64]) {
    use std::arch::x86_64::*;
    const C: usize = 8;
    let w = h.len();
    let (chunks, tail) = (w / CHUNK, w / CHUNK * CHUNK);
    let mut done = 0;
    if stride == CHUNK && chunks == C {
        for zs in out.chunks_exact_mut(SLIDE) {
            let first = start + done * stride;
            let span = &y[first..first + (SLIDE - 1) * stride + w];
            let mut partial = [_mm512_setzero_pd(); SLIDE];
            for q in 0..CHUNK / 8 {
                let mut taps = [_mm512_setzero_pd(); C];
                for (c, t) in taps.iter_mut().enumerate() {
                    // SAFETY: CHUNK·c + 8q + 7 < CHUNK·C ≤ w = h.len().
                    *t = unsafe { _mm512_loadu_pd(h.as_ptr().add(CHUNK * c + 8 * q)) };
                }
                let mut r = [_mm512_setzero_pd(); C];
                // Piece s feeds windows s − c; steps 0..SLIDE + C − 1, in
                // rounds of C so that register indices are constants.
                for s0 in (0..SLIDE + C - 1).step_by(C) {
                    for i in 0..C {
                        let s = s0 + i;
                        if s >= SLIDE + C - 1 {
                            break;
                        }
                        // SAFETY: CHUNK·s + 8q + 7 < CHUNK·(SLIDE + C − 1) ≤ span.len().
                        let ys = unsafe { _mm512_loadu_pd(span.as_ptr().add(CHUNK * s + 8 * q)) };
                        // Window s starts from its sum over the earlier lane groups.
                        r[i] = if s < SLIDE { partial[s] } else { _mm512_setzero_pd() };
                        for (c, t) in taps.iter().enumerate() {
                            let k = (i + C - c) % C;
                            r[k] = _mm512_fmadd_pd(ys, *t, r[k]);
                        }
                        // Window s − C + 1 has had all its chunks.
                        if s + 1 >= C && s + 1 - C < SLIDE {
                            partial[s + 1 - C] = r[(i + 1) % C];
                        }
                    }
                }
            }
            for (b, (z, a)) in zs.iter_mut().zip(partial).enumerate() {
                let at = b * stride;
                *z = finish_avx512(a, &span[at + tail..at + w], &h[tail..]) / gain;
            }
            done += SLIDE;
        }
    }
    for (i, z) in out[done..].iter_mut().enumerate() {
        let at = start + (done + i) * stride;
        // SAFETY: the caller's CPU supports AVX-512F.
        *z = unsafe { matched_dot_avx512(&y[at..at + w], h) } / gain;
    }
}

/// The matched filter at every symbol instant `sps·k + sps/2`, divided by
/// `gain`: `y` the interleaved frame, `taps2` the duplicated taps.
pub(super) fn matched_filter(y: &[f64], taps2: &[f64], sps: usize, gain: f64, symbols: &mut [C64]) {
    #[cfg(target_arch = "x86_64")]
    let (avx512, avx2) = (
        std::arch::is_x86_feature_detected!("avx512f"),
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma"),
    );
    let (n, taps, half) = ((y.len() / 2) as isize, (taps2.len() / 2) as isize, (taps2.len() / 4) as isize);
    let full = |k: usize| {
        let start = (sps * k + sps / 2) as isize - half;
        start >= 0 && start + taps <= n
    };
    // Windows inside the frame form one run of symbols [k0, k1).
    let len = symbols.len();
    let k0 = (0..len).find(|&k| full(k)).unwrap_or(len);
    let k1 = (k0..len).rev().find(|&k| full(k)).map_or(k0, |k| k + 1);
    #[cfg(target_arch = "x86_64")]
    let run = if avx512 { k0..k1 } else { k0..k0 };
    #[cfg(not(target_arch = "x86_64"))]
    let run = k0..k0;
    #[cfg(target_arch = "x86_64")]
    if !run.is_empty() {
        let start = 2 * (sps * k0 + sps / 2 - half as usize);
        // SAFETY: AVX-512F is available (checked above); the windows of
        // symbols k0..k1 lie inside the frame.
        unsafe { matched_run_avx512(y, start, 2 * sps, taps2, gain, &mut symbols[run.clone()]) };
    }
    for k in (0..run.start).chain(run.end..len) {
        let start = (sps * k + sps / 2) as isize - half;
        let (lo, hi) = ((-start).max(0) as usize, (n - start).min(taps) as usize);
        let at = 2 * (start + lo as isize) as usize;
        let (seg, h) = (&y[at..at + 2 * (hi - lo)], &taps2[2 * lo..2 * hi]);
        #[cfg(target_arch = "x86_64")]
        let z = if avx512 {
            // SAFETY: AVX-512F is available (checked above).
            unsafe { matched_dot_avx512(seg, h) }
        } else if avx2 {
            // SAFETY: AVX2 and FMA are available (checked above).
            unsafe { matched_dot_avx2(seg, h) }
        } else {
            matched_dot(seg, h)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let z = matched_dot(seg, h);
        symbols[k] = z / gain;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matched_filter_kernels_agree_bit_for_bit() {
        let y: Vec<f64> = (0..258 + 40).map(|i| ((i * 37 % 101) as f64 * 0.013).sin()).collect();
        let h: Vec<f64> = (0..258 + 40).map(|i| ((i * 11 % 29) as f64 * 0.07).cos()).collect();
        for len in [2, 30, 64, 258, 296] {
            let portable = matched_dot(&y[..len], &h[..len]);
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                    assert_eq!(unsafe { matched_dot_avx2(&y[..len], &h[..len]) }, portable, "{len}");
                } else if len == 2 {
                    infoflow_numerics::fuzz::report_skip("matched_filter_kernels_agree (AVX2)", "no AVX2+FMA");
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    assert_eq!(unsafe { matched_dot_avx512(&y[..len], &h[..len]) }, portable, "{len}");
                } else if len == 2 {
                    infoflow_numerics::fuzz::report_skip("matched_filter_kernels_agree (AVX-512)", "no AVX-512F");
                }
            }
            let re: f64 = (0..len).step_by(2).map(|i| y[i] * h[i]).sum();
            assert!((portable.re - re).abs() < 1e-12);
        }
    }
}
