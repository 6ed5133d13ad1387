//! The vectorised exponential: one branch-free reduction and polynomial
//! ([`exp_kernel`]), as a portable scalar function the compiler
//! vectorises ([`exp_in_place`], multiversioned for AVX-512, AVX2+FMA and
//! SSE4.1) and as `#[target_feature]` AVX-512 functions for kernels written
//! with intrinsics ([`exp_avx512`]), the same operations in the same order
//! (tested bit for bit below; the test prints SKIPPED on a CPU without
//! AVX-512); and the hyperbolic tangent built on it ([`tanh_in_place`]).

use multiversion::multiversion;

/// `a·b + c`, fused (one rounding) when `FUSED`.
#[inline(always)]
fn mad<const FUSED: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FUSED { a.mul_add(b, c) } else { a * b + c }
}

/// `e^x` by a branch-free reduction and polynomial, written so that loops
/// of it vectorise (no table lookups, no branches, no libm call).
///
/// `x` is clamped to `[−708, 709]` (so `e^x` stays a normal number); on that
/// range the result is within 2 ulp of `f64::exp`. Method: `x = k ln 2 + r`
/// with `|r| ≤ ln 2 / 2` (Cody–Waite split of `ln 2`, `k` rounded by the
/// `1.5·2^52` shift), `e^r` by its degree-11 Chebyshev interpolant (relative
/// error 4.2e-18 before rounding), and `2^k` built in the exponent bits.
///
/// `FUSED` selects fused multiply-adds: use `true` only inside code compiled
/// for a target with FMA (a multiversioned kernel), where it is faster and
/// rounds once per step. The two variants may differ in the last bit.
#[inline(always)]
pub fn exp_kernel<const FUSED: bool>(x: f64) -> f64 {
    let x = x.clamp(EXP_MIN, EXP_MAX);
    let t = mad::<FUSED>(x, EXP_LOG2E, EXP_SHIFT);
    let k = t - EXP_SHIFT;
    let r = mad::<FUSED>(-k, EXP_LN2_LO, mad::<FUSED>(-k, EXP_LN2_HI, x));
    let mut p = EXP_POLY[0];
    for &c in &EXP_POLY[1..] {
        p = mad::<FUSED>(p, r, c);
    }
    let bits = ((t.to_bits() as i64 - EXP_SHIFT.to_bits() as i64 + 1023) as u64) << 52;
    p * f64::from_bits(bits)
}

// The constants of `exp_kernel`, shared with its AVX-512 form.
const EXP_MIN: f64 = -708.0;
const EXP_MAX: f64 = 709.0;
const EXP_LOG2E: f64 = std::f64::consts::LOG2_E;
// Cody–Waite split of ln 2 (fdlibm): k·LN2_HI is exact for |k| < 2^11.
const EXP_LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const EXP_LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
// Adding 1.5·2^52 rounds to an integer and leaves it in the low mantissa bits.
const EXP_SHIFT: f64 = 6_755_399_441_055_744.0;
// Chebyshev interpolant of e^r on [−ln2/2, ln2/2], monomial form, highest
// degree first (coefficients from mpmath at 50 digits, rounded to f64).
const EXP_POLY: [f64; 12] = [
    2.511_003_760_596_377_7e-8,
    2.763_263_963_904_103e-7,
    2.755_724_091_857_897e-6,
    2.480_148_548_232_849_4e-5,
    1.984_126_989_004_711_3e-4,
    1.388_888_895_231_477_5e-3,
    8.333_333_333_319_601e-3,
    4.166_666_666_648_81e-2,
    0.166_666_666_666_666_8,
    0.500_000_000_000_001_9,
    1.0,
    1.0,
];

/// [`exp_kernel`]`::<true>` on the eight lanes of `N` AVX-512 registers,
/// the same operations in the same order: bit-identical to the scalar
/// kernel with fused multiply-adds, for kernels written with `core::arch`
/// intrinsics. Each step runs across the `N` registers before the next, so
/// the polynomial's dependency chains interleave.
///
/// # Safety
///
/// Callers outside AVX-512F code must check that the CPU has AVX-512F
/// (`is_x86_feature_detected!("avx512f")`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
pub fn exp_avx512<const N: usize>(x: [core::arch::x86_64::__m512d; N]) -> [core::arch::x86_64::__m512d; N] {
    exp_avx512_with::<N, true>(x)
}

/// [`exp_avx512`] without the clamp to `[−708, 709]`, two instructions
/// fewer, for callers that know their arguments lie in that range (there it
/// is bit-identical to [`exp_avx512`]; outside it the result is meaningless,
/// though never undefined behaviour). NaN still gives NaN.
///
/// # Safety
///
/// As for [`exp_avx512`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
pub fn exp_avx512_in_range<const N: usize>(x: [core::arch::x86_64::__m512d; N]) -> [core::arch::x86_64::__m512d; N] {
    exp_avx512_with::<N, false>(x)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn exp_avx512_with<const N: usize, const CLAMP: bool>(
    x: [core::arch::x86_64::__m512d; N],
) -> [core::arch::x86_64::__m512d; N] {
    use core::arch::x86_64::*;
    let splat = _mm512_set1_pd;
    // `clamp` keeps NaN: max/min return their second operand when one is NaN.
    let x = if CLAMP { x.map(|x| _mm512_min_pd(splat(EXP_MAX), _mm512_max_pd(splat(EXP_MIN), x))) } else { x };
    let t = x.map(|x| _mm512_fmadd_pd(x, splat(EXP_LOG2E), splat(EXP_SHIFT)));
    let mut r = x;
    for (r, t) in r.iter_mut().zip(&t) {
        let k = _mm512_sub_pd(*t, splat(EXP_SHIFT));
        *r = _mm512_fnmadd_pd(k, splat(EXP_LN2_LO), _mm512_fnmadd_pd(k, splat(EXP_LN2_HI), *r));
    }
    let mut p = [splat(EXP_POLY[0]); N];
    for &c in &EXP_POLY[1..] {
        for (p, r) in p.iter_mut().zip(&r) {
            *p = _mm512_fmadd_pd(*p, *r, splat(c));
        }
    }
    let bias = _mm512_set1_epi64(1023 - EXP_SHIFT.to_bits() as i64);
    for (p, t) in p.iter_mut().zip(&t) {
        let bits = _mm512_slli_epi64::<52>(_mm512_add_epi64(_mm512_castpd_si512(*t), bias));
        *p = _mm512_mul_pd(*p, _mm512_castsi512_pd(bits));
    }
    p
}

/// `x_i ← e^{x_i}` for a whole slice, vectorised (see [`exp_kernel`];
/// compiled for AVX-512, AVX2+FMA and SSE4.1 and chosen at run time, so the
/// last bit may depend on whether the CPU has FMA).
#[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma", "x86_64+sse4.1"))]
pub fn exp_in_place(x: &mut [f64]) {
    let fused = multiversion::target::target_cfg_f!(target_feature = "fma");
    if fused {
        x.iter_mut().for_each(|v| *v = exp_kernel::<true>(*v));
    } else {
        x.iter_mut().for_each(|v| *v = exp_kernel::<false>(*v));
    }
}

/// `x_i ← e^{s·x_i}` for a whole slice: the product rounded, then
/// [`exp_kernel`] (the same values as scaling and calling [`exp_in_place`],
/// in one pass); multiversioned like [`exp_in_place`].
#[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma", "x86_64+sse4.1"))]
pub fn exp_scaled_in_place(x: &mut [f64], s: f64) {
    let fused = multiversion::target::target_cfg_f!(target_feature = "fma");
    if fused {
        x.iter_mut().for_each(|v| *v = exp_kernel::<true>(s * *v));
    } else {
        x.iter_mut().for_each(|v| *v = exp_kernel::<false>(s * *v));
    }
}

/// `x_i ← tanh x_i` for a whole slice, vectorised like [`exp_in_place`]:
/// `sign(x) (1 − e)/(1 + e)` with `e = e^{−2|x|}` from [`exp_kernel`]
/// (never overflows; absolute error below 4·10⁻¹⁶, several times faster
/// than libm's `tanh` per value; `±∞` give `±1`, NaN stays NaN).
#[multiversion(targets("x86_64+avx512f+avx512vl+avx2+fma", "x86_64+avx2+fma", "x86_64+sse4.1"))]
pub fn tanh_in_place(x: &mut [f64]) {
    let fused = multiversion::target::target_cfg_f!(target_feature = "fma");
    let tanh = |v: f64, e: f64| ((1.0 - e) / (1.0 + e)).copysign(v);
    if fused {
        x.iter_mut().for_each(|v| *v = tanh(*v, exp_kernel::<true>(-2.0 * v.abs())));
    } else {
        x.iter_mut().for_each(|v| *v = tanh(*v, exp_kernel::<false>(-2.0 * v.abs())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_kernel_is_within_two_ulp() {
        let mut worst: f64 = 0.0;
        let mut xs: Vec<f64> = (0..200_001).map(|i| -708.0 + 1417.0 * i as f64 / 200_000.0).collect();
        for &x in &xs {
            for y in [exp_kernel::<false>(x), exp_kernel::<true>(x)] {
                worst = worst.max(((y - x.exp()) / x.exp()).abs());
            }
        }
        assert!(worst < 4.5e-16, "worst relative error {worst}");
        let reference: Vec<f64> = xs.iter().map(|x| x.exp()).collect();
        exp_in_place(&mut xs);
        for (a, b) in xs.iter().zip(&reference) {
            assert!(((a - b) / b).abs() < 4.5e-16);
        }
        assert_eq!(exp_kernel::<false>(0.0), 1.0);
        assert!(exp_kernel::<false>(-1e6) > 0.0 && exp_kernel::<false>(-1e6) < 1e-300);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn exp_avx512_is_the_fused_scalar_kernel() {
        use core::arch::x86_64::*;
        if !is_x86_feature_detected!("avx512f") {
            crate::fuzz::report_skip("exp_avx512_is_the_fused_scalar_kernel", "this CPU has no AVX-512F");
            return;
        }
        let mut xs: Vec<f64> = (-4000..4000).map(|i| i as f64 * 0.1777).collect();
        xs.extend([-1e6, 1e6, 0.0, -0.0, 708.9, -707.9, f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        xs.resize(xs.len().next_multiple_of(8), 0.5);
        for x in xs.chunks_exact(8) {
            let mut y = [0.0; 8];
            // SAFETY: AVX-512F was detected above; `x` and `y` hold eight f64.
            unsafe { _mm512_storeu_pd(y.as_mut_ptr(), exp_avx512([_mm512_loadu_pd(x.as_ptr())])[0]) };
            for (a, b) in x.iter().zip(y) {
                let want = exp_kernel::<true>(*a);
                assert!(want.to_bits() == b.to_bits() || (want.is_nan() && b.is_nan()), "e^{a}: {want} vs {b}");
                if (-708.0..=709.0).contains(a) {
                    // SAFETY: as above.
                    let v = unsafe { exp_avx512_in_range([_mm512_set1_pd(*a)]) };
                    let mut y = [0.0; 8];
                    // SAFETY: as above.
                    unsafe { _mm512_storeu_pd(y.as_mut_ptr(), v[0]) };
                    assert_eq!(y[0].to_bits(), want.to_bits());
                }
            }
        }
    }

    #[test]
    fn exp_scaled_is_scale_then_exp() {
        let x: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.731).sin() * 40.0).collect();
        for s in [-0.5, 1.0, 3.7e-3] {
            let (mut fused, mut plain): (Vec<f64>, Vec<f64>) = (x.clone(), x.iter().map(|v| s * v).collect());
            exp_scaled_in_place(&mut fused, s);
            exp_in_place(&mut plain);
            assert_eq!(fused, plain);
        }
    }

    #[test]
    fn tanh_is_within_4e_16_of_libm() {
        let mut xs: Vec<f64> = (-40_000..=40_000).map(|i| i as f64 * 5e-4).collect();
        xs.extend([1e-300, -1e-300, 0.0, -0.0, 800.0, -800.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN]);
        let mut ys = xs.clone();
        tanh_in_place(&mut ys);
        for (x, y) in xs.iter().zip(&ys) {
            if x.is_nan() {
                assert!(y.is_nan());
            } else {
                assert!((y - x.tanh()).abs() < 4e-16, "tanh({x}) = {y}, libm {}", x.tanh());
                assert_eq!(y.is_sign_negative(), x.is_sign_negative(), "tanh({x}) keeps the sign");
            }
        }
    }
}
