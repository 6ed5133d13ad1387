//! Ensembles: many small independent systems stepped together.
//!
//! The phase diagrams of arXiv 2312.10794 run thousands of systems of
//! `n = 32` tokens. One such system is too small for GEMM to pay off, so
//! here the SIMD lanes run **across systems**: positions are stored
//! structure-of-arrays, `x[(chunk·n + i)·d + k][lane]`, with [`LANES`]
//! systems per chunk. Every loop of a step (Gram row, exponentials, weighted
//! sum, renormalisation) then works on whole lanes and vectorises; the
//! kernel is compiled for AVX-512, AVX2+FMA and SSE4.1 and picked at run
//! time. The exponential is `infoflow_numerics::special::exp_kernel`, a
//! branch-free reduction and polynomial (within 2 ulp of `f64::exp`), so it
//! vectorises too.
//!
//! On CPUs with AVX-512 the common case (SA with `β ≥ 0` or USA, `d` ∈ {2, 3,
//! 4, 8, 16}) runs a kernel written with `core::arch` intrinsics instead:
//! the same operations in the same order (bit-identical results, tested),
//! scheduled as the compiler would not: a key block's exponentials
//! interleaved, the lower triangle of weights packed by rows, two queries
//! per pass of the weighted sum. On the phase-diagram workload that is
//! 1.6× the auto-vectorised kernel.
//!
//! Above `d = 16` a system's data no longer fits the lane kernel's registers
//! and cache; systems are then stored one contiguous `d × n` matrix each and
//! stepped with faer's GEMM.
//!
//! The scheme is the authors' explicit Euler + renormalise,
//! `x_i ← (x_i + h u_i)/‖x_i + h u_i‖` with the unprojected attention output
//! `u_i`, for `Q = K = V = I` (the phase-diagram model). The pair statistic of
//! the state before a step comes for free from the step's Gram rows.

// Lane loops index several arrays in lockstep; explicit indices are the
// clearest form, and the form the vectoriser turns into whole-lane
// instructions.
#![allow(clippy::needless_range_loop)]

use crate::error::{Error, Result};
use crate::model::{Normalization, Particles};
use faer::Mat;
use faer::linalg::matmul::matmul;
use faer::{Accum, Par};
use infoflow_numerics::special::exp_in_place;
use kernel::{Kernel, LANE_KERNEL_MAX_DIM, Lane, euler_chunk, intrinsics};

mod kernel;

pub use kernel::LANES;

/// One ensemble step's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EnsembleStep {
    /// Inverse temperature.
    pub beta: f64,
    /// SA, USA or shifted USA.
    pub normalization: Normalization,
    /// Euler step.
    pub step: f64,
    /// Also count pairs with `⟨x_i, x_j⟩ ≥ threshold` in the state before the step.
    pub threshold: Option<f64>,
}

/// Many independent systems of `n` unit-mass tokens in `R^d` (identity heads).
#[derive(Clone, Debug)]
pub struct Ensemble {
    n: usize,
    d: usize,
    systems: usize,
    x: Vec<Lane>,
    next: Vec<Lane>,
    weights: Vec<Lane>,
    acc: Vec<Lane>,
    /// For `d > LANE_KERNEL_MAX_DIM`: one contiguous `d × n` matrix per
    /// system (the lane storage above is then empty).
    columns: Vec<Mat<f64>>,
    /// Every token is a unit vector (to rounding): true after any step (the
    /// scheme renormalises), and at construction when the inputs are.
    unit: bool,
}

impl Ensemble {
    /// Packs systems of equal size and dimension (unit masses).
    pub fn new(systems: &[Particles]) -> Result<Self> {
        let first =
            systems.first().ok_or(Error::TooFewParticles { context: "ensemble systems", required: 1, found: 0 })?;
        let unit = systems.iter().all(|s| {
            let x = s.positions();
            (0..x.nrows()).all(|i| ((0..x.ncols()).map(|k| x[(i, k)] * x[(i, k)]).sum::<f64>() - 1.0).abs() <= 1e-12)
        });
        let (n, d) = (first.len(), first.dim());
        if n == 0 {
            return Err(Error::TooFewParticles { context: "ensemble", required: 1, found: 0 });
        }
        for s in systems {
            if s.len() != n || s.dim() != d {
                return Err(Error::shape("ensemble system", (n, d), (s.len(), s.dim())));
            }
            if s.masses().iter().any(|&m| m != 1.0) {
                return Err(Error::Unsupported("ensembles hold unit-mass tokens"));
            }
        }
        if d > LANE_KERNEL_MAX_DIM {
            return Ok(Self {
                n,
                d,
                systems: systems.len(),
                x: Vec::new(),
                next: Vec::new(),
                weights: Vec::new(),
                acc: Vec::new(),
                columns: systems.iter().map(|s| s.positions().transpose().to_owned()).collect(),
                unit,
            });
        }
        let chunks = systems.len().div_ceil(LANES);
        let mut x = vec![[0.0; LANES]; chunks * n * d];
        for c in 0..chunks {
            for l in 0..LANES {
                // Padding lanes repeat the chunk's first system (never reported).
                let s = if c * LANES + l < systems.len() { c * LANES + l } else { c * LANES };
                let pos = systems[s].positions();
                for i in 0..n {
                    for k in 0..d {
                        x[(c * n + i) * d + k][l] = pos[(i, k)];
                    }
                }
            }
        }
        Ok(Self {
            n,
            d,
            systems: systems.len(),
            next: x.clone(),
            x,
            weights: vec![[0.0; LANES]; n * n],
            acc: vec![[0.0; LANES]; d],
            columns: Vec::new(),
            unit,
        })
    }

    /// Coordinate `k` of token `i` of system `s`.
    fn coordinate(&self, s: usize, i: usize, k: usize) -> f64 {
        if self.columns.is_empty() {
            self.x[((s / LANES) * self.n + i) * self.d + k][s % LANES]
        } else {
            self.columns[s][(k, i)]
        }
    }

    /// Number of systems.
    pub fn len(&self) -> usize {
        self.systems
    }

    /// Whether there are no systems (never: construction needs one).
    pub fn is_empty(&self) -> bool {
        self.systems == 0
    }

    /// Tokens per system.
    pub fn tokens(&self) -> usize {
        self.n
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// System `s` as particles.
    pub fn system(&self, s: usize) -> Result<Particles> {
        if s >= self.systems {
            return Err(Error::invalid("system", s, "index out of range"));
        }
        let x = Mat::from_fn(self.n, self.d, |i, k| self.coordinate(s, i, k));
        Ok(Particles::from_parts(x, vec![1.0; self.n]))
    }

    /// One Euler + renormalise step of every system. Returns the fraction of
    /// ordered pairs of distinct tokens with `⟨x_i, x_j⟩ ≥ threshold` in the
    /// state *before* the step, pooled over systems, when a threshold is set.
    pub fn euler_step(&mut self, s: &EnsembleStep) -> Result<Option<f64>> {
        if !s.beta.is_finite() {
            return Err(Error::invalid("beta", s.beta, "must be finite"));
        }
        if !(s.step > 0.0 && s.step.is_finite()) {
            return Err(Error::invalid("step", s.step, "must be positive and finite"));
        }
        if s.threshold.is_some_and(|t| !t.is_finite()) {
            return Err(Error::invalid("threshold", s.threshold.unwrap_or(f64::NAN), "must be finite"));
        }
        let softmax = s.normalization == Normalization::Softmax;
        let shift = match s.normalization {
            Normalization::Softmax | Normalization::UnnormalizedShifted => s.beta,
            Normalization::Unnormalized => 0.0,
        };
        // Unit tokens have scores in [−1, 1]: the largest exponent is |β| − shift.
        if !softmax && s.beta.abs() - shift > 700.0 {
            return Err(Error::Overflow {
                beta: s.beta,
                hint: "e^(beta s) exceeds the f64 range; use softmax or the shifted USA",
            });
        }
        let k = Kernel {
            beta: s.beta,
            softmax,
            shift,
            scale: 1.0 / self.n as f64,
            h: s.step,
            threshold: s.threshold.unwrap_or(0.0),
            count: s.threshold.is_some(),
            unit: self.unit,
        };
        if self.d > LANE_KERNEL_MAX_DIM {
            return self.euler_step_gemm(s, k);
        }
        let block = self.n * self.d;
        let mut hits = 0.0;
        let mut bad = 0.0;
        for c in 0..self.x.len() / block {
            // [pair hits, tokens whose update was not finite], per lane.
            let mut tally = [[0.0; LANES]; 2];
            let (x, out) = (&self.x[c * block..(c + 1) * block], &mut self.next[c * block..(c + 1) * block]);
            if !intrinsics(self.d, x, out, &mut self.weights, self.n, k, &mut tally) {
                euler_chunk(x, out, &mut self.weights, &mut self.acc, (self.n, self.d), k, &mut tally);
            }
            hits += (0..LANES).filter(|&l| c * LANES + l < self.systems).map(|l| tally[0][l]).sum::<f64>();
            bad += tally[1].iter().sum::<f64>();
        }
        if bad > 0.0 {
            return Err(Error::Overflow {
                beta: s.beta,
                hint: "the attention weights overflowed; use softmax or the shifted USA",
            });
        }
        std::mem::swap(&mut self.x, &mut self.next);
        self.unit = true;
        let pairs = (self.systems * self.n * (self.n - 1)) as f64;
        Ok(s.threshold.map(|_| if pairs > 0.0 { hits / pairs } else { 0.0 }))
    }

    /// The step for large `d`, one system at a time through faer's GEMM
    /// (the same arithmetic as the lane kernel: Gram rows, the shifted
    /// exponentials, the weighted sum, the renormalised Euler step).
    fn euler_step_gemm(&mut self, s: &EnsembleStep, k: Kernel) -> Result<Option<f64>> {
        let (n, d) = (self.n, self.d);
        // Row-major copy of the positions: faer's GEMM is fastest with both
        // operands column-major.
        let mut x_rows = Mat::<f64>::zeros(n, d);
        let mut gram = Mat::<f64>::zeros(n, n);
        let mut u = Mat::<f64>::zeros(d, n);
        let mut hits = 0.0;
        for xt in self.columns.iter_mut() {
            x_rows.copy_from(xt.transpose());
            matmul(gram.as_mut(), Accum::Replace, x_rows.as_ref(), xt.as_ref(), 1.0, Par::Seq);
            if k.count {
                for j in 0..n {
                    for (i, &g) in gram.col_as_slice(j).iter().enumerate() {
                        if i != j && g >= k.threshold {
                            hits += 1.0;
                        }
                    }
                }
            }
            // Column i of `gram` becomes the weights of query i.
            for i in 0..n {
                let col = gram.col_as_slice_mut(i);
                if k.softmax && k.beta < 0.0 {
                    col.iter_mut().for_each(|v| *v *= k.beta);
                    let top = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    col.iter_mut().for_each(|v| *v -= top);
                } else {
                    col.iter_mut().for_each(|v| *v = k.beta * *v - k.shift);
                }
                exp_in_place(col);
                let scale = if k.softmax { k.h / col.iter().sum::<f64>() } else { k.h * k.scale };
                col.iter_mut().for_each(|v| *v *= scale);
            }
            matmul(u.as_mut(), Accum::Replace, xt.as_ref(), gram.as_ref(), 1.0, Par::Seq);
            for i in 0..n {
                let (col, ui) = (xt.col_as_slice_mut(i), u.col_as_slice(i));
                col.iter_mut().zip(ui).for_each(|(x, v)| *x += v);
                let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
                if !(norm > 0.0 && norm.is_finite()) {
                    return Err(Error::Overflow {
                        beta: s.beta,
                        hint: "the Euler step produced a non-finite or zero token",
                    });
                }
                col.iter_mut().for_each(|v| *v /= norm);
            }
        }
        let pairs = (self.systems * n * (n - 1)) as f64;
        Ok(s.threshold.map(|_| if pairs > 0.0 { hits / pairs } else { 0.0 }))
    }

    /// Fraction of ordered pairs of distinct tokens with `⟨x_i, x_j⟩ ≥ threshold`, pooled over systems.
    pub fn fraction_of_pairs_above(&self, threshold: f64) -> Result<f64> {
        crate::observables::check_threshold(threshold)?;
        if self.n < 2 {
            return Err(Error::TooFewParticles { context: "fraction of pairs", required: 2, found: self.n });
        }
        let mut hits = 0.0;
        for s in 0..self.systems {
            for i in 0..self.n {
                for j in 0..self.n {
                    if i != j {
                        let ip: f64 = (0..self.d).map(|k| self.coordinate(s, i, k) * self.coordinate(s, j, k)).sum();
                        if ip >= threshold {
                            hits += 1.0;
                        }
                    }
                }
            }
        }
        Ok(hits / (self.systems * self.n * (self.n - 1)) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrate::{Scheme, SolveOptions, solve_with};
    use crate::model::Attention;
    use crate::observables::fraction_of_pairs_above;
    use crate::velocity::SphereDynamics;
    use approx::assert_abs_diff_eq;
    use infoflow_numerics::rng::Streams;

    #[test]
    fn matches_the_single_system_euler_scheme() {
        // d = 3 (specialised lane kernel), 5 (generic lane kernel), 20 (GEMM path).
        for d in [3, 5, 20] {
            check_against_single_systems(d);
        }
    }

    fn check_against_single_systems(d: usize) {
        let streams = Streams::for_point(3, "particles.ensemble", "match");
        let systems: Vec<Particles> =
            (0..11).map(|s| Particles::uniform(6, d, &mut streams.stream(s)).unwrap()).collect();
        for norm in [Normalization::Softmax, Normalization::Unnormalized, Normalization::UnnormalizedShifted] {
            for beta in [2.5, -1.5] {
                let mut ens = Ensemble::new(&systems).unwrap();
                let step = EnsembleStep { beta, normalization: norm, step: 0.1, threshold: Some(0.5) };
                let mut fractions = Vec::new();
                for _ in 0..20 {
                    fractions.push(ens.euler_step(&step).unwrap().unwrap());
                }
                let dynamics = SphereDynamics::new(&Attention::softmax(beta).with_normalization(norm), d).unwrap();
                let times: Vec<f64> = (0..=20).map(|k| 0.1 * k as f64).collect();
                let mut reference_fraction = vec![0.0; 20];
                for (s, p) in systems.iter().enumerate() {
                    let mut k = 0;
                    let out = solve_with(
                        &dynamics,
                        p,
                        &times,
                        &SolveOptions::new(Scheme::EulerRenormalize { step: 0.1 }),
                        |_, q| {
                            if k < 20 {
                                reference_fraction[k] += fraction_of_pairs_above(q, 0.5)? / systems.len() as f64;
                            }
                            k += 1;
                            Ok(())
                        },
                    )
                    .unwrap();
                    let mine = ens.system(s).unwrap();
                    for i in 0..6 {
                        for c in 0..d {
                            assert_abs_diff_eq!(
                                mine.positions()[(i, c)],
                                out.last.positions()[(i, c)],
                                epsilon = 1e-12
                            );
                        }
                    }
                }
                for (a, b) in fractions.iter().zip(&reference_fraction) {
                    assert_abs_diff_eq!(a, b, epsilon = 1e-12);
                }
                assert_abs_diff_eq!(
                    ens.fraction_of_pairs_above(0.5).unwrap(),
                    (0..11).map(|s| fraction_of_pairs_above(&ens.system(s).unwrap(), 0.5).unwrap()).sum::<f64>() / 11.0,
                    epsilon = 1e-12
                );
            }
        }
    }

    #[test]
    fn bad_input() {
        assert!(Ensemble::new(&[]).is_err());
        let mut rng = Streams::for_point(1, "e", "b").stream(0);
        let a = Particles::uniform(3, 2, &mut rng).unwrap();
        let b = Particles::uniform(4, 2, &mut rng).unwrap();
        assert!(Ensemble::new(&[a.clone(), b]).is_err());
        let mut ens = Ensemble::new(&[a]).unwrap();
        let bad = EnsembleStep { beta: f64::NAN, normalization: Normalization::Softmax, step: 0.1, threshold: None };
        assert!(ens.euler_step(&bad).is_err());
        let usa = EnsembleStep { beta: 1e4, normalization: Normalization::Unnormalized, step: 0.1, threshold: None };
        assert!(matches!(ens.euler_step(&usa), Err(Error::Overflow { .. })));
        assert!(ens.system(1).is_err());
    }
}
