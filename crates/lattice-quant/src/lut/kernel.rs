//! The inner loop of the code-domain GEMV: one tile of 16 rows against one
//! tile of blocks whose lookup tables sit in L1.
//!
//! For each group `g` of two blocks and each row lane `r`:
//!
//! ```text
//! u = T[2g][c₀₀] + 4·T[2g][c₀₁]        (block 2g, layers 0 and 1)
//! v = T[2g+1][c₁₀] + 4·T[2g+1][c₁₁]    (block 2g+1)
//! acc[r] = acc[r] + β[s_g,r] · (u + v)
//! ```
//!
//! with `T[b][c] = ⟨P[c], x_b⟩`. The AVX-512 version does the 16 lanes with
//! gathers; the portable version does the same operations in the same
//! order, lane by lane (separate multiplies and adds, no fused
//! multiply-add), so both give identical bits.

/// Rows per tile (one AVX-512 register of `f32`).
pub(crate) const LANES: usize = 16;
/// Entries of one block's table (codewords of one layer).
pub(crate) const TABLE: usize = 256;
/// How far ahead of the current group the AVX-512 kernel prefetches codes.
#[cfg(target_arch = "x86_64")]
const PREFETCH: usize = 4096;

/// Checks the slice lengths every kernel relies on (`groups` = `scales.len()`).
fn check(tables: &[f32], codes: &[u8], scales: &[u32]) {
    let groups = scales.len();
    assert!(codes.len() == groups * 4 * LANES, "codes: {} bytes for {groups} groups", codes.len());
    assert!(tables.len() == groups * 2 * TABLE, "tables: {} entries for {groups} groups", tables.len());
}

/// The portable kernel.
pub(crate) fn tile_portable(tables: &[f32], codes: &[u8], scales: &[u32], betas: &[f32; 4], acc: &mut [f32; LANES]) {
    check(tables, codes, scales);
    for (g, (&s, c)) in scales.iter().zip(codes.chunks_exact(4 * LANES)).enumerate() {
        let (t0, t1) = (&tables[2 * g * TABLE..(2 * g + 1) * TABLE], &tables[(2 * g + 1) * TABLE..(2 * g + 2) * TABLE]);
        for (r, a) in acc.iter_mut().enumerate() {
            let u = t0[c[r] as usize] + 4.0 * t0[c[LANES + r] as usize];
            let v = t1[c[2 * LANES + r] as usize] + 4.0 * t1[c[3 * LANES + r] as usize];
            let beta = betas[((s >> (2 * r)) & 3) as usize];
            *a += beta * (u + v);
        }
    }
}

/// The kernel for this CPU: AVX-512 gathers when available, else portable.
pub(crate) fn tile(tables: &[f32], codes: &[u8], scales: &[u32], betas: &[f32; 4], acc: &mut [f32; LANES]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        check(tables, codes, scales);
        // SAFETY: the CPU supports AVX-512F (checked above), and `check`
        // guarantees every access below is in bounds.
        unsafe { tile_avx512(tables, codes, scales, betas, acc) };
        return;
    }
    tile_portable(tables, codes, scales, betas, acc);
}

/// AVX-512 version of [`tile_portable`].
///
/// # Safety
/// The CPU must support AVX-512F, and the slices must satisfy [`check`]:
/// then each gather reads `T[b][c]` with `c < 256` inside block `b`'s table.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn tile_avx512(tables: &[f32], codes: &[u8], scales: &[u32], betas: &[f32; 4], acc: &mut [f32; LANES]) {
    use std::arch::x86_64::*;
    let shifts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    let three = _mm512_set1_epi32(3);
    let four = _mm512_set1_ps(4.0);
    let beta_table =
        _mm512_setr_ps(betas[0], betas[1], betas[2], betas[3], 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0., 0.);
    // SAFETY (all loads below): `acc` has 16 lanes; `codes` holds 64 bytes per
    // group and `tables` 512 entries per group (`check`); gather indices are
    // bytes, below 256, so they stay inside one block's table.
    unsafe {
        let mut a = _mm512_loadu_ps(acc.as_ptr());
        for (g, &s) in scales.iter().enumerate() {
            let c = codes.as_ptr().add(g * 4 * LANES);
            // The code stream is read once: ask for the line PREFETCH bytes
            // ahead (prefetches never fault, so running past the end is harmless).
            _mm_prefetch::<_MM_HINT_T0>(c.wrapping_add(PREFETCH) as *const i8);
            let load = |k: usize| _mm512_cvtepu8_epi32(_mm_loadu_si128(c.add(k * LANES) as *const __m128i));
            let t0 = tables.as_ptr().add(2 * g * TABLE);
            let t1 = t0.add(TABLE);
            let g00 = _mm512_i32gather_ps::<4>(load(0), t0);
            let g01 = _mm512_i32gather_ps::<4>(load(1), t0);
            let g10 = _mm512_i32gather_ps::<4>(load(2), t1);
            let g11 = _mm512_i32gather_ps::<4>(load(3), t1);
            let u = _mm512_add_ps(g00, _mm512_mul_ps(four, g01));
            let v = _mm512_add_ps(g10, _mm512_mul_ps(four, g11));
            let index = _mm512_and_si512(_mm512_srlv_epi32(_mm512_set1_epi32(s as i32), shifts), three);
            let beta = _mm512_permutexvar_ps(index, beta_table);
            a = _mm512_add_ps(a, _mm512_mul_ps(beta, _mm512_add_ps(u, v)));
        }
        _mm512_storeu_ps(acc.as_mut_ptr(), a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infoflow_numerics::rng::Streams;
    use rand::RngExt;

    #[test]
    fn dispatched_kernel_matches_the_portable_one_bit_for_bit() {
        let mut rng = Streams::for_point(6, "lut-kernel", "random").stream(0);
        let groups = 16;
        let tables: Vec<f32> = (0..groups * 2 * TABLE).map(|_| rng.random_range(-3.0..3.0)).collect();
        let codes: Vec<u8> = (0..groups * 4 * LANES).map(|_| rng.random()).collect();
        let scales: Vec<u32> = (0..groups).map(|_| rng.random()).collect();
        let betas = [0.2, 0.28, 0.41, 1.0];
        let (mut a, mut b) = ([0.5f32; LANES], [0.5f32; LANES]);
        tile(&tables, &codes, &scales, &betas, &mut a);
        tile_portable(&tables, &codes, &scales, &betas, &mut b);
        assert_eq!(a, b);
        if !std::arch::is_x86_feature_detected!("avx512f") {
            infoflow_numerics::fuzz::report_skip(
                "dispatched_kernel_matches_the_portable_one_bit_for_bit",
                "no AVX-512F: the dispatched kernel is the portable one",
            );
        }
        // Lane 3 by hand.
        let mut expect = 0.5f32;
        for g in 0..groups {
            let c = &codes[g * 64..];
            let t = &tables[2 * g * TABLE..];
            let u = t[c[3] as usize] + 4.0 * t[c[19] as usize];
            let v = t[TABLE + c[35] as usize] + 4.0 * t[TABLE + c[51] as usize];
            expect += betas[((scales[g] >> 6) & 3) as usize] * (u + v);
        }
        assert_eq!(a[3], expect);
    }

    #[test]
    #[should_panic(expected = "codes")]
    fn wrong_lengths_are_caught_before_any_access() {
        tile(&[0.0; 2 * TABLE], &[0u8; 10], &[0u32; 1], &[1.0; 4], &mut [0.0; LANES]);
    }
}
