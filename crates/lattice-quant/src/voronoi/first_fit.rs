//! The first-fit encoding kernel of [`VoronoiCode::encode_first_fit`]:
//! the portable version for any lattice (batches of blocks through
//! [`Lattice::closest_points`], scale after scale) and, beside it, the
//! AVX-512 version for `E₈` (`avx512`, `#[target_feature]` functions).
//!
//! The AVX-512 version encodes eight `E₈` blocks at once:
//! coordinate `i` of the eight blocks lives in one register, so the
//! Conway–Sloane search, the overload test and the index are vertical
//! operations and mask arithmetic, with no data-dependent branch.
//!
//! It computes exactly what [`VoronoiCode::encode`](super::VoronoiCode::encode)
//! computes block by block: the same roundings (round half to even), the
//! same first-largest-error re-rounding, the same coset choice (the `D₈`
//! coset unless the shifted one is strictly closer, distances summed in
//! coordinate order with separate multiplies and adds), the same reciprocal
//! scalings; the tests compare the two bit for bit.

use super::VoronoiCode;
use crate::lattice::Lattice;

/// Blocks per batch of the portable kernel.
const BATCH: usize = 256;

/// The portable first-fit kernel (lengths checked by the caller).
pub(super) fn portable<L: Lattice>(
    code: &VoronoiCode<L>,
    x: &[f64],
    betas: &[f64],
    dither: Option<&[f64]>,
    chosen: &mut [u8],
    c: &mut [u32],
) {
    let n = code.dim();
    let blocks = x.len() / n;
    let inv_q = 1.0 / code.q as f64;
    let mut pending = Vec::with_capacity(BATCH);
    let (mut scaled, mut t, mut z) = (vec![0.0; BATCH * n], vec![0.0; BATCH * n], vec![0.0; BATCH * n]);
    for start in (0..blocks).step_by(BATCH) {
        let end = (start + BATCH).min(blocks);
        pending.clear();
        pending.extend(start..end);
        chosen[start..end].fill(u8::MAX);
        for (k, &beta) in betas.iter().enumerate() {
            if pending.is_empty() {
                break;
            }
            let p = pending.len();
            let inv = 1.0 / beta;
            for (j, &b) in pending.iter().enumerate() {
                let (src, dst) = (&x[b * n..(b + 1) * n], &mut scaled[j * n..(j + 1) * n]);
                match dither {
                    Some(d) => dst.iter_mut().zip(src).zip(&d[b * n..]).for_each(|((o, &v), &e)| *o = v * inv + e),
                    None => dst.iter_mut().zip(src).for_each(|(o, &v)| *o = v * inv),
                }
            }
            code.lattice.closest_points(&scaled[..p * n], &mut t[..p * n]);
            for (os, ts) in scaled[..p * n].chunks_exact_mut(n).zip(t[..p * n].chunks_exact(n)) {
                for ((o, &v), &a) in os.iter_mut().zip(ts).zip(&code.offset[..n]) {
                    *o = (v - a) * inv_q;
                }
            }
            code.lattice.closest_points(&scaled[..p * n], &mut z[..p * n]);
            let mut kept = 0;
            for j in 0..p {
                let b = pending[j];
                if z[j * n..(j + 1) * n].iter().all(|&v| v == 0.0) {
                    chosen[b] = k as u8;
                    code.index(&t[j * n..(j + 1) * n], &mut c[b * n..(b + 1) * n]);
                } else {
                    pending[kept] = b;
                    kept += 1;
                }
            }
            pending.truncate(kept);
        }
    }
}

/// The `E₈` kernel with AVX-512 registers, bit-identical to [`portable`].
#[cfg(target_arch = "x86_64")]
pub(super) mod avx512 {
    use std::arch::x86_64::*;

    /// Conway–Sloane `D₈` on eight blocks (`v[i]` = coordinate `i`): the
    /// closest points and their squared distances to `v`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn d8(v: &[__m512d; 8]) -> ([__m512d; 8], __m512d) {
        let mut f = [_mm512_setzero_pd(); 8];
        let mut e = [_mm512_setzero_pd(); 8];
        for i in 0..8 {
            f[i] = _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(v[i]);
            e[i] = _mm512_abs_pd(_mm512_sub_pd(v[i], f[i]));
        }
        let sum = _mm512_add_pd(
            _mm512_add_pd(_mm512_add_pd(f[0], f[1]), _mm512_add_pd(f[2], f[3])),
            _mm512_add_pd(_mm512_add_pd(f[4], f[5]), _mm512_add_pd(f[6], f[7])),
        );
        let m = _mm512_max_pd(
            _mm512_max_pd(_mm512_max_pd(e[0], e[1]), _mm512_max_pd(e[2], e[3])),
            _mm512_max_pd(_mm512_max_pd(e[4], e[5]), _mm512_max_pd(e[6], e[7])),
        );
        // Odd coordinate sum: sum ≠ 2·round(sum/2) (exact for small integers).
        let half = _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(_mm512_mul_pd(
            sum,
            _mm512_set1_pd(0.5),
        ));
        let mut pending: __mmask8 = _mm512_cmp_pd_mask::<_CMP_NEQ_OQ>(sum, _mm512_add_pd(half, half));
        let (one, minus_one) = (_mm512_set1_pd(1.0), _mm512_set1_pd(-1.0));
        let mut dist = _mm512_setzero_pd();
        for i in 0..8 {
            let hit = pending & _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(e[i], m);
            let up = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(v[i], f[i]);
            let step = _mm512_mask_blend_pd(up, minus_one, one);
            f[i] = _mm512_mask_add_pd(f[i], hit, f[i], step);
            pending &= !hit;
            let r = _mm512_sub_pd(v[i], f[i]);
            dist = _mm512_add_pd(dist, _mm512_mul_pd(r, r));
        }
        (f, dist)
    }

    /// Closest `E₈` points of eight blocks (coordinate-major).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn e8(x: &[__m512d; 8]) -> [__m512d; 8] {
        let half = _mm512_set1_pd(0.5);
        let (a, da) = d8(x);
        let (b, db) = d8(&x.map(|v| _mm512_sub_pd(v, half)));
        let closer = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(db, da);
        core::array::from_fn(|i| _mm512_mask_blend_pd(closer, a[i], _mm512_add_pd(b[i], half)))
    }

    /// Encodes `blocks ≤ 8` blocks of `x` (8 entries each, back to back) at
    /// the first fine scale (given as reciprocals `inv_betas`) that does not
    /// overload, for the code with nesting ratio `q` and tie-break `offset`.
    /// Writes the scale positions (`u8::MAX` on overload) and the indices of
    /// the encoded blocks.
    ///
    /// # Safety
    /// The CPU must support AVX-512F. Slice lengths are checked.
    #[target_feature(enable = "avx512f")]
    pub(in crate::voronoi) unsafe fn first_fit(
        x: &[f64],
        dither: Option<&[f64]>,
        inv_betas: &[f64],
        q: u32,
        offset: &[f64],
        chosen: &mut [u8],
        c: &mut [u32],
    ) {
        let blocks = chosen.len();
        assert!(blocks <= 8 && x.len() == 8 * blocks && c.len() == 8 * blocks && offset.len() == 8);
        assert!(dither.is_none_or(|d| d.len() == 8 * blocks));
        // Transpose into coordinate-major lanes (missing blocks are zeros).
        let transpose = |src: &[f64]| -> [__m512d; 8] {
            let mut t = [[0.0f64; 8]; 8];
            for (l, block) in src.chunks_exact(8).enumerate() {
                for i in 0..8 {
                    t[i][l] = block[i];
                }
            }
            // SAFETY: each row of `t` holds eight f64.
            t.map(|row| unsafe { _mm512_loadu_pd(row.as_ptr()) })
        };
        let xs = transpose(x);
        let zs = dither.map(transpose);
        let (qf, inv_q) = (_mm512_set1_pd(q as f64), _mm512_set1_pd(1.0 / q as f64));
        let zero = _mm512_setzero_pd();
        let mut pending: __mmask8 = ((1u16 << blocks) - 1) as u8;
        let mut t = [zero; 8];
        let mut scale = [u8::MAX; 8];
        for (k, &inv) in inv_betas.iter().enumerate() {
            if pending == 0 {
                break;
            }
            let inv = _mm512_set1_pd(inv);
            let scaled: [__m512d; 8] = core::array::from_fn(|i| match &zs {
                Some(z) => _mm512_add_pd(_mm512_mul_pd(xs[i], inv), z[i]),
                None => _mm512_mul_pd(xs[i], inv),
            });
            let candidate = e8(&scaled);
            let coarse: [__m512d; 8] =
                core::array::from_fn(|i| _mm512_mul_pd(_mm512_sub_pd(candidate[i], _mm512_set1_pd(offset[i])), inv_q));
            let z = e8(&coarse);
            let mut inside: __mmask8 = 0xff;
            for zi in z {
                inside &= _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(zi, zero);
            }
            let newly = pending & inside;
            for i in 0..8 {
                t[i] = _mm512_mask_blend_pd(newly, t[i], candidate[i]);
            }
            for (l, s) in scale.iter_mut().enumerate() {
                if newly >> l & 1 == 1 {
                    *s = k as u8;
                }
            }
            pending &= !inside;
        }
        // Coordinates u = G⁻¹ t (the basis of `Gosset`), then u mod q.
        let u7 = _mm512_add_pd(t[7], t[7]);
        let half_u7 = _mm512_mul_pd(u7, _mm512_set1_pd(0.5));
        let mut u = [zero; 8];
        u[7] = u7;
        let mut next = zero;
        for k in (1..7).rev() {
            next = _mm512_add_pd(_mm512_sub_pd(t[k], half_u7), next);
            u[k] = next;
        }
        u[0] = _mm512_mul_pd(_mm512_add_pd(_mm512_sub_pd(t[0], half_u7), next), _mm512_set1_pd(0.5));
        let mut lanes = [[0.0f64; 8]; 8];
        for i in 0..8 {
            let quotient =
                _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(_mm512_mul_pd(u[i], inv_q));
            let mut r = _mm512_sub_pd(u[i], _mm512_mul_pd(quotient, qf));
            // The reciprocal may misplace exact multiples by one: fix into [0, q).
            r = _mm512_mask_add_pd(r, _mm512_cmp_pd_mask::<_CMP_LT_OQ>(r, zero), r, qf);
            r = _mm512_mask_sub_pd(r, _mm512_cmp_pd_mask::<_CMP_GE_OQ>(r, qf), r, qf);
            // SAFETY: `lanes[i]` holds eight f64.
            unsafe { _mm512_storeu_pd(lanes[i].as_mut_ptr(), r) };
        }
        for (l, (s, block)) in chosen.iter_mut().zip(c.chunks_exact_mut(8)).enumerate() {
            *s = scale[l];
            if scale[l] != u8::MAX {
                for i in 0..8 {
                    block[i] = lanes[i][l] as u32;
                }
            }
        }
    }
}
