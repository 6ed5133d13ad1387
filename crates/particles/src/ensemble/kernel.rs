//! The ensemble's lane kernel: one Euler + renormalise step of a chunk of
//! [`LANES`] systems. The portable version ([`euler_chunk`], multiversioned
//! for AVX-512, AVX2+FMA and SSE4.1 by the compiler) and the version written
//! with AVX-512 intrinsics (`avx512`, `#[target_feature]` functions) perform
//! the same operations in the same order; the test below checks them bit
//! for bit on this CPU and prints SKIPPED where it has no AVX-512.

// Lane loops index several arrays in lockstep; explicit indices are the
// clearest form, and the form the vectoriser turns into whole-lane
// instructions.
#![allow(clippy::needless_range_loop)]

use infoflow_numerics::special::exp_kernel;
use multiversion::multiversion;

/// Systems per SIMD chunk.
pub const LANES: usize = 8;
pub(super) type Lane = [f64; LANES];

/// `a·b + c`, fused (one rounding) when `fused`; the flag is a compile-time
/// constant in every multiversioned kernel (true where the target has FMA).
#[inline(always)]
fn mad(fused: bool, a: f64, b: f64, c: f64) -> f64 {
    if fused { a.mul_add(b, c) } else { a * b + c }
}

#[inline(always)]
fn exp_with(fused: bool, x: f64) -> f64 {
    if fused { exp_kernel::<true>(x) } else { exp_kernel::<false>(x) }
}

/// The parameters of one step as the kernels see them.
#[derive(Clone, Copy)]
pub(super) struct Kernel {
    pub(super) beta: f64,
    pub(super) softmax: bool,
    /// The exponent shift `c` of `e^{β⟨x_i, x_j⟩ − c}`: `β` for SA (the row
    /// maximum when `β ≥ 0`), the normalisation's own shift for USA.
    pub(super) shift: f64,
    pub(super) scale: f64,
    pub(super) h: f64,
    pub(super) threshold: f64,
    pub(super) count: bool,
    /// Every token is a unit vector (to rounding), so `|⟨x_i, x_j⟩| ≤ 1`.
    pub(super) unit: bool,
}

/// Runs the AVX-512 lane kernel when the CPU has it and it covers the case
/// (SA with `β ≥ 0` or USA, `d` ∈ {2, 3, 4, 8, 16}); returns whether it ran.
#[cfg(target_arch = "x86_64")]
pub(super) fn intrinsics(
    d: usize,
    x: &[Lane],
    out: &mut [Lane],
    w: &mut [Lane],
    n: usize,
    k: Kernel,
    tally: &mut [Lane; 2],
) -> bool {
    if (k.softmax && k.beta < 0.0) || !avx512::available() {
        return false;
    }
    // For unit tokens the exponents β⟨x_i, x_j⟩ − shift lie in
    // ±|β|(1 + rounding) − shift: inside exp's range [−708, 709] unless β is huge.
    let in_range = k.unit && k.beta.abs() * 1.001 + k.shift.abs() < 708.0;
    // SAFETY: `available` checked that the CPU has AVX-512F.
    unsafe {
        match d {
            2 => avx512::chunk_for::<2>(in_range, x, out, w, n, k, tally),
            3 => avx512::chunk_for::<3>(in_range, x, out, w, n, k, tally),
            4 => avx512::chunk_for::<4>(in_range, x, out, w, n, k, tally),
            8 => avx512::chunk_for::<8>(in_range, x, out, w, n, k, tally),
            16 => avx512::chunk_for::<16>(in_range, x, out, w, n, k, tally),
            _ => return false,
        }
    }
    true
}

/// Elsewhere only the portable kernel exists.
#[cfg(not(target_arch = "x86_64"))]
pub(super) fn intrinsics(
    _: usize,
    _: &[Lane],
    _: &mut [Lane],
    _: &mut [Lane],
    _: usize,
    _: Kernel,
    _: &mut [Lane; 2],
) -> bool {
    false
}

/// Above this dimension a system's Gram rows no longer fit the lane kernel's
/// registers and cache, and one GEMM per system is faster.
pub(super) const LANE_KERNEL_MAX_DIM: usize = 16;

/// Keys per block of the score loop: independent accumulator chains, so the
/// dot products are throughput-bound rather than latency-bound.
const KEY_BLOCK: usize = 4;

/// One Euler + renormalise step of one chunk of `LANES` systems.
///
/// Phase 1 fills the symmetric weight matrix `w[i·n + j] = e^{β⟨x_i,x_j⟩ − c}`
/// from the lower triangle (half the dot products and half the
/// exponentials). The shift `c` is `β` for SA with `β ≥ 0` (then
/// `max_j β⟨x_i, x_j⟩ = β⟨x_i, x_i⟩ = β`: the row maximum, so nothing can
/// overflow and the diagonal weight is 1), the normalisation's own shift for
/// USA. SA with `β < 0` has a row-dependent maximum: each row is then shifted
/// by its own maximum. Phase 2 forms `u_i = Σ_j w_ij x_j`, normalises and
/// takes the Euler step.
///
/// Common dimensions are compiled with `d` as a constant so that the
/// `d`-loops unroll and every operation is a whole-lane vector instruction.
/// Clones with FMA fuse the multiply-adds (the AVX2 and AVX-512 clones give
/// identical results; the SSE4.1 and baseline clones round differently).
#[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma", "x86_64+sse4.1"))]
pub(super) fn euler_chunk(
    x: &[Lane],
    out: &mut [Lane],
    w: &mut [Lane],
    acc: &mut [Lane],
    (n, d): (usize, usize),
    k: Kernel,
    tally: &mut [Lane; 2],
) {
    let fused = multiversion::target::target_cfg_f!(target_feature = "fma");
    match d {
        2 => chunk_body::<2>(x, out, w, acc, (n, d), k, tally, fused),
        3 => chunk_body::<3>(x, out, w, acc, (n, d), k, tally, fused),
        4 => chunk_body::<4>(x, out, w, acc, (n, d), k, tally, fused),
        8 => chunk_body::<8>(x, out, w, acc, (n, d), k, tally, fused),
        16 => chunk_body::<16>(x, out, w, acc, (n, d), k, tally, fused),
        _ => chunk_body::<0>(x, out, w, acc, (n, d), k, tally, fused),
    }
}

/// The kernel for dimension `D` (`D = 0`: `d` known only at run time).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn chunk_body<const D: usize>(
    x: &[Lane],
    out: &mut [Lane],
    w: &mut [Lane],
    acc: &mut [Lane],
    (n, d): (usize, usize),
    k: Kernel,
    tally: &mut [Lane; 2],
    fused: bool,
) {
    let [hits, bad] = tally;
    let d = if D > 0 { D } else { d };
    let row_max = k.softmax && k.beta < 0.0;
    // Phase 1: scores and weights.
    for i in 0..n {
        let xi = &x[i * d..(i + 1) * d];
        let last = if row_max { n } else { i + 1 };
        let mut j0 = 0;
        while j0 < last {
            let jb = KEY_BLOCK.min(last - j0);
            // Always KEY_BLOCK keys (a short block repeats key j0 and ignores
            // the extra results) so the loops have constant trip counts and
            // the accumulators stay in registers.
            let keys: [usize; KEY_BLOCK] = core::array::from_fn(|jj| if jj < jb { j0 + jj } else { j0 });
            let mut dots = [[0.0; LANES]; KEY_BLOCK];
            for (c, b) in xi.iter().enumerate() {
                for (dot, &j) in dots.iter_mut().zip(&keys) {
                    let a = &x[j * d + c];
                    for l in 0..LANES {
                        dot[l] = mad(fused, a[l], b[l], dot[l]);
                    }
                }
            }
            for (jj, dot) in dots.iter().enumerate().take(jb) {
                let j = j0 + jj;
                if k.count && j != i {
                    // Without row maxima only j < i is visited: count both orders.
                    let weight = if row_max { 1.0 } else { 2.0 };
                    for l in 0..LANES {
                        hits[l] += if dot[l] >= k.threshold { weight } else { 0.0 };
                    }
                }
                if row_max {
                    let mut s = [0.0; LANES];
                    for l in 0..LANES {
                        s[l] = k.beta * dot[l];
                    }
                    w[i * n + j] = s;
                } else {
                    let mut e = [0.0; LANES];
                    for l in 0..LANES {
                        e[l] = exp_with(fused, mad(fused, k.beta, dot[l], -k.shift));
                    }
                    w[i * n + j] = e;
                    w[j * n + i] = e;
                }
            }
            j0 += jb;
        }
        if row_max {
            let row = &mut w[i * n..(i + 1) * n];
            let mut top = [f64::NEG_INFINITY; LANES];
            for s in row.iter() {
                for l in 0..LANES {
                    top[l] = if s[l] > top[l] { s[l] } else { top[l] };
                }
            }
            for s in row.iter_mut() {
                for l in 0..LANES {
                    s[l] = exp_with(fused, s[l] - top[l]);
                }
            }
        }
    }
    // Phase 2: x_i ← (x_i + h s_i Σ_j w_ij x_j)/‖·‖, s_i = 1/Σ_j w_ij (SA) or 1/n.
    // With D known the accumulators are a local array kept in registers.
    let mut local = [[0.0; LANES]; 16];
    let acc: &mut [Lane] = if D > 0 && D <= 16 { &mut local[..D] } else { &mut acc[..d] };
    for i in 0..n {
        let xi = &x[i * d..(i + 1) * d];
        let row = &w[i * n..(i + 1) * n];
        for a in acc.iter_mut() {
            *a = [0.0; LANES];
        }
        let mut z = [0.0; LANES];
        for (j, e) in row.iter().enumerate() {
            for l in 0..LANES {
                z[l] += e[l];
            }
            let xj = &x[j * d..(j + 1) * d];
            for (a, b) in acc.iter_mut().zip(xj) {
                for l in 0..LANES {
                    a[l] = mad(fused, e[l], b[l], a[l]);
                }
            }
        }
        let mut scale = [k.h * k.scale; LANES];
        if k.softmax {
            for l in 0..LANES {
                scale[l] = k.h / z[l];
            }
        }
        let mut norm2 = [0.0; LANES];
        for (a, b) in acc.iter_mut().zip(xi) {
            for l in 0..LANES {
                a[l] = mad(fused, scale[l], a[l], b[l]);
                norm2[l] = mad(fused, a[l], a[l], norm2[l]);
            }
        }
        let mut inv = [0.0; LANES];
        for l in 0..LANES {
            inv[l] = 1.0 / norm2[l].sqrt();
            bad[l] += if norm2[l] > 0.0 && norm2[l] < f64::INFINITY { 0.0 } else { 1.0 };
        }
        for (o, a) in out[i * d..(i + 1) * d].iter_mut().zip(acc.iter()) {
            for l in 0..LANES {
                o[l] = a[l] * inv[l];
            }
        }
    }
}

/// The lane kernel written with AVX-512 intrinsics, for the common case
/// (no row maxima, `d` ∈ {2, 3, 4, 8, 16}). The same operations in the same
/// order as [`chunk_body`] with fused multiply-adds, so results are
/// bit-identical to the AVX2+FMA clone; what changes is the schedule the
/// compiler cannot be trusted to find: exponentials straight from the score
/// registers, and two queries per pass in the weighted sum so that every key
/// load serves two accumulations.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{KEY_BLOCK, Kernel, Lane};
    use core::arch::x86_64::*;
    use infoflow_numerics::special::{exp_avx512, exp_avx512_in_range};

    /// Whether this CPU runs [`chunk`].
    pub(super) fn available() -> bool {
        is_x86_feature_detected!("avx512f")
    }

    #[inline(always)]
    fn load(v: &Lane) -> __m512d {
        // SAFETY: a lane is eight contiguous f64; the load is unaligned, and
        // every caller is compiled with AVX-512F (it is only called from
        // functions with that target feature, which `available` guards).
        unsafe { _mm512_loadu_pd(v.as_ptr()) }
    }

    #[inline(always)]
    fn store(v: &mut Lane, value: __m512d) {
        // SAFETY: as for `load`.
        unsafe { _mm512_storeu_pd(v.as_mut_ptr(), value) }
    }

    /// [`chunk`] without the exponential's clamp when `in_range`.
    #[target_feature(enable = "avx512f")]
    pub(super) fn chunk_for<const D: usize>(
        in_range: bool,
        x: &[Lane],
        out: &mut [Lane],
        w: &mut [Lane],
        n: usize,
        k: Kernel,
        tally: &mut [Lane; 2],
    ) {
        if in_range { chunk::<D, false>(x, out, w, n, k, tally) } else { chunk::<D, true>(x, out, w, n, k, tally) }
    }

    /// One Euler + renormalise step of one chunk; `d = D`, no row maxima;
    /// `CLAMP = false` when every exponent is known to be inside exp's range.
    #[target_feature(enable = "avx512f")]
    pub(super) fn chunk<const D: usize, const CLAMP: bool>(
        x: &[Lane],
        out: &mut [Lane],
        w: &mut [Lane],
        n: usize,
        k: Kernel,
        tally: &mut [Lane; 2],
    ) {
        let (beta, neg_shift, threshold) =
            (_mm512_set1_pd(k.beta), _mm512_set1_pd(-k.shift), _mm512_set1_pd(k.threshold));
        let mut hits = load(&tally[0]);
        // Phase 1: the lower triangle of scores and its exponentials, packed
        // by rows (a column of a full n × n matrix would map to two L1 sets).
        let (tokens, _) = x.as_chunks::<D>();
        for (i, xi) in tokens.iter().enumerate() {
            let xi = xi.map(|v| load(&v));
            let row = i * (i + 1) / 2;
            let mut j0 = 0;
            while j0 <= i {
                let jb = KEY_BLOCK.min(i + 1 - j0);
                // Always KEY_BLOCK keys (a short block repeats key j0 and
                // ignores the extra results): constant trip counts, and the
                // exponentials of a block interleave.
                let keys: [&[Lane; D]; KEY_BLOCK] =
                    core::array::from_fn(|jj| &tokens[if jj < jb { j0 + jj } else { j0 }]);
                let mut dots = [_mm512_setzero_pd(); KEY_BLOCK];
                for (c, b) in xi.iter().enumerate() {
                    for (dot, key) in dots.iter_mut().zip(&keys) {
                        *dot = _mm512_fmadd_pd(load(&key[c]), *b, *dot);
                    }
                }
                let scores = dots.map(|dot| _mm512_fmadd_pd(beta, dot, neg_shift));
                let e = if CLAMP { exp_avx512(scores) } else { exp_avx512_in_range(scores) };
                for jj in 0..jb {
                    let j = j0 + jj;
                    if k.count && j != i {
                        let above = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(dots[jj], threshold);
                        hits = _mm512_mask_add_pd(hits, above, hits, _mm512_set1_pd(2.0));
                    }
                    store(&mut w[row + j], e[jj]);
                }
                j0 += jb;
            }
        }
        store(&mut tally[0], hits);
        // Phase 2: two queries per pass.
        let mut i = 0;
        while i < n {
            let i1 = if i + 1 < n { i + 1 } else { i };
            let mut acc = [[_mm512_setzero_pd(); D]; 2];
            let mut z = [_mm512_setzero_pd(); 2];
            let mut step = |j: usize, e: [__m512d; 2]| {
                z[0] = _mm512_add_pd(z[0], e[0]);
                z[1] = _mm512_add_pd(z[1], e[1]);
                for (c, b) in tokens[j].iter().enumerate() {
                    let b = load(b);
                    acc[0][c] = _mm512_fmadd_pd(e[0], b, acc[0][c]);
                    acc[1][c] = _mm512_fmadd_pd(e[1], b, acc[1][c]);
                }
            };
            let (row, row1) = (i * (i + 1) / 2, i1 * (i1 + 1) / 2);
            for (j, (e0, e1)) in w[row..=row + i].iter().zip(&w[row1..=row1 + i]).enumerate() {
                step(j, [load(e0), load(e1)]);
            }
            if i1 != i {
                step(i1, [load(&w[row1 + i]), load(&w[row1 + i1])]);
            }
            for j in i1 + 1..n {
                let rj = j * (j + 1) / 2;
                step(j, [load(&w[rj + i]), load(&w[rj + i1])]);
            }
            finish::<D>(&x[i * D..(i + 1) * D], &acc[0], z[0], &mut out[i * D..(i + 1) * D], k, &mut tally[1]);
            if i1 != i {
                finish::<D>(&x[i1 * D..(i1 + 1) * D], &acc[1], z[1], &mut out[i1 * D..(i1 + 1) * D], k, &mut tally[1]);
            }
            i += 2;
        }
    }

    /// The renormalised Euler update of one query (see `chunk_body`).
    #[target_feature(enable = "avx512f")]
    fn finish<const D: usize>(
        xi: &[Lane],
        acc: &[__m512d; D],
        z: __m512d,
        out: &mut [Lane],
        k: Kernel,
        bad: &mut Lane,
    ) {
        let scale = if k.softmax { _mm512_div_pd(_mm512_set1_pd(k.h), z) } else { _mm512_set1_pd(k.h * k.scale) };
        let mut norm2 = _mm512_setzero_pd();
        let mut y = [_mm512_setzero_pd(); D];
        for c in 0..D {
            y[c] = _mm512_fmadd_pd(scale, acc[c], load(&xi[c]));
            norm2 = _mm512_fmadd_pd(y[c], y[c], norm2);
        }
        let inv = _mm512_div_pd(_mm512_set1_pd(1.0), _mm512_sqrt_pd(norm2));
        let fine = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(norm2, _mm512_setzero_pd())
            & _mm512_cmp_pd_mask::<_CMP_LT_OQ>(norm2, _mm512_set1_pd(f64::INFINITY));
        let b = load(bad);
        store(bad, _mm512_mask_add_pd(b, !fine, b, _mm512_set1_pd(1.0)));
        for c in 0..D {
            store(&mut out[c], _mm512_mul_pd(y[c], inv));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::Ensemble;
    use crate::model::{Normalization, Particles};
    use infoflow_numerics::rng::Streams;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn intrinsics_kernel_is_bit_identical_to_the_portable_one() {
        if !avx512::available() {
            infoflow_numerics::fuzz::report_skip(
                "intrinsics_kernel_is_bit_identical_to_the_portable_one",
                "this CPU has no AVX-512F",
            );
            return;
        }
        let streams = Streams::for_point(5, "particles.ensemble", "intrinsics");
        // Unit tokens, and tokens of norm 5 (the ensemble then knows its
        // scores may leave exp's range: at β = 40 they reach 960).
        for (d, n, norm) in [(2, 7, 1.0), (3, 6, 1.0), (4, 5, 1.0), (8, 32, 1.0), (8, 9, 5.0), (16, 11, 1.0)] {
            let systems: Vec<Particles> = (0..LANES)
                .map(|s| {
                    let p = Particles::uniform(n, d, &mut streams.stream(s as u64)).unwrap();
                    if norm == 1.0 { p } else { Particles::in_space(p.positions() * faer::Scale(norm)).unwrap() }
                })
                .collect();
            let ens = Ensemble::new(&systems).unwrap();
            assert_eq!(ens.unit, norm == 1.0);
            for (normalization, beta) in [
                (Normalization::Softmax, 3.0),
                (Normalization::Unnormalized, -2.0),
                (Normalization::Softmax, 400.0),
                (Normalization::Softmax, 40.0),
            ] {
                let shift = if normalization == Normalization::Softmax { beta } else { 0.0 };
                let k = Kernel {
                    beta,
                    softmax: normalization == Normalization::Softmax,
                    shift,
                    scale: 1.0 / n as f64,
                    h: 0.1,
                    threshold: 0.2,
                    count: true,
                    unit: ens.unit,
                };
                let run = |fast: bool| {
                    let mut out = vec![[0.0; LANES]; n * d];
                    let mut w = vec![[0.0; LANES]; n * n];
                    let mut acc = vec![[0.0; LANES]; 2 * d];
                    let mut tally = [[0.0; LANES]; 2];
                    if fast {
                        assert!(intrinsics(d, &ens.x, &mut out, &mut w, n, k, &mut tally));
                    } else {
                        euler_chunk(&ens.x, &mut out, &mut w, &mut acc, (n, d), k, &mut tally);
                    }
                    (out, tally)
                };
                let (fast, slow) = (run(true), run(false));
                let bits = |(out, tally): &(Vec<Lane>, [Lane; 2])| -> Vec<u64> {
                    out.iter().chain(tally).flatten().map(|v| v.to_bits()).collect()
                };
                assert_eq!(bits(&fast), bits(&slow), "d = {d}, n = {n}, beta = {beta}");
            }
        }
    }
}
