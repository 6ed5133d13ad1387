//! The lower-bound construction: two-point pairs `μ = (1 − p, p)`,
//! `ν = (1 − q, q)` with `D_f(ν‖μ) ≤ D`. No rule can output the rare atom
//! unless a proposal hits it, so every rule has
//! `TV ≥ max(0, q − 1 + (1 − p)^n)`, and the optimal rule attains it. The
//! worst pair for `n` proposals maximises that over `p` (with the largest
//! admissible `q`): it sits near `p ≈ q/(2n)`, `q ≈ D/f′(n)`, so the worst
//! error is `Θ̃(D/f′(n))` — the theorem's rate.

use crate::divergence::FDivergence;
use crate::error::{Error, Result};
use crate::sampler::{hit, survive};

/// A two-point pair `μ = (1 − p, p)`, `ν = (1 − q, q)`, `0 < p ≤ q < 1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TwoPoint {
    /// `μ`'s mass on the rare atom.
    pub p: f64,
    /// `ν`'s mass on the rare atom.
    pub q: f64,
}

impl TwoPoint {
    /// `D_f(ν‖μ)`, accurate for tiny `p` and `q`.
    pub fn divergence(&self, div: &dyn FDivergence) -> f64 {
        let (p, q) = (self.p, self.q);
        (1.0 - p) * div.f_offset((p - q) / (1.0 - p)) + p * div.f_offset((q - p) / p)
    }

    /// The optimal rule's TV with `n` proposals, `max(0, q − (1 − (1 − p)^n))`.
    pub fn optimal_tv(&self, n: f64) -> f64 {
        (self.q - hit(self.p, n)).max(0.0)
    }

    /// Truncated rejection's TV at level `m ≥ 1` with `n` proposals (exact).
    pub fn truncated_tv(&self, m: f64, n: f64) -> f64 {
        let (p, q) = (self.p, self.q);
        let a1 = (q / p).min(m) / m;
        let accept = ((1.0 - q) + p * (q / p).min(m)) / m;
        let out = hit(accept, n) * p * a1 / accept + survive(accept, n - 1.0) * (1.0 - a1) * p;
        (out - q).abs()
    }
}

/// The largest `q ∈ [p, 1)` with `D_f((1 − q, q)‖(1 − p, p)) ≤ d` (bisection).
pub fn largest_q(div: &dyn FDivergence, d: f64, p: f64) -> f64 {
    let within = |q: f64| TwoPoint { p, q }.divergence(div) <= d;
    let (mut lo, mut hi) = (p, 1.0 - 1e-15);
    if within(hi) {
        return hi;
    }
    for _ in 0..200 {
        let mid = if hi / lo > 4.0 { (lo * hi).sqrt() } else { 0.5 * (lo + hi) };
        if within(mid) { lo = mid } else { hi = mid }
    }
    lo
}

/// The worst two-point pair for `n ≥ 1` proposals under `D_f(ν‖μ) ≤ d`, and
/// the optimal rule's TV on it: a log-spaced search over `p` from `10^{−300}`
/// to ½, refined by golden sections.
pub fn worst_pair(div: &dyn FDivergence, d: f64, n: f64) -> Result<(TwoPoint, f64)> {
    worst_pair_above(div, d, n, 1e-300)
}

/// [`worst_pair`] with the rare atom's `μ`-mass restricted to
/// `p ∈ [p_min, ½]` (601 log-spaced points, refined by golden sections):
/// a search that cannot reach the `p → 0` limit, for checking where the
/// supremum lies.
pub fn worst_pair_above(div: &dyn FDivergence, d: f64, n: f64, p_min: f64) -> Result<(TwoPoint, f64)> {
    if !(d.is_finite() && d > 0.0 && n >= 1.0 && n.is_finite()) {
        return Err(Error::invalid("D, n", format!("{d}, {n}"), "D > 0 finite and n ≥ 1"));
    }
    if !(1e-300..0.5).contains(&p_min) {
        return Err(Error::invalid("p_min", p_min, "the search range starts in [1e-300, 1/2)"));
    }
    let (lo, top) = (p_min.log10(), 0.5f64.log10());
    let value = |lp: f64| {
        let p = 10f64.powf(lp);
        let pair = TwoPoint { p, q: largest_q(div, d, p) };
        (pair.optimal_tv(n), pair)
    };
    let step = (top - lo) / 600.0;
    let grid: Vec<f64> = (0..=600).map(|i| lo + step * i as f64).collect();
    let best = grid
        .iter()
        .map(|&lp| (lp, value(lp).0))
        .fold((grid[0], f64::NEG_INFINITY), |b, x| if x.1 > b.1 { x } else { b });
    let (mut a, mut b) = ((best.0 - step).max(lo), (best.0 + step).min(top));
    let g = 0.5 * (5f64.sqrt() - 1.0);
    for _ in 0..80 {
        let (c, e) = (b - g * (b - a), a + g * (b - a));
        if value(c).0 >= value(e).0 { b = e } else { a = c }
    }
    let (tv, pair) = value(0.5 * (a + b));
    let (tv0, pair0) = value(best.0);
    Ok(if tv0 > tv { (pair0, tv0) } else { (pair, tv) })
}

/// The truncation level minimising truncated rejection's TV on `pair` with
/// `n` proposals, and that TV (log-spaced search over `M ∈ [1, 10 q/p]`,
/// refined by golden sections).
pub fn best_truncation(pair: &TwoPoint, n: f64) -> (f64, f64) {
    let hi = (10.0 * pair.q / pair.p).max(2.0).log10();
    let tv = |lm: f64| pair.truncated_tv(10f64.powf(lm), n);
    let best = (0..=400).map(|i| hi * i as f64 / 400.0).fold((0.0, f64::INFINITY), |b, lm| {
        let v = tv(lm);
        if v < b.1 { (lm, v) } else { b }
    });
    let (mut a, mut b) = ((best.0 - hi / 400.0).max(0.0), (best.0 + hi / 400.0).min(hi));
    let g = 0.5 * (5f64.sqrt() - 1.0);
    for _ in 0..80 {
        let (c, e) = (b - g * (b - a), a + g * (b - a));
        if tv(c) <= tv(e) { b = e } else { a = c }
    }
    let lm = if tv(0.5 * (a + b)) < best.1 { 0.5 * (a + b) } else { best.0 };
    (10f64.powf(lm), tv(lm))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribution::Discrete;
    use crate::divergence::{ChiSquared, Kl, discrete};
    use crate::sampler::Rule;

    #[test]
    fn reproduces_the_reference_table() {
        // The exact computation of kernel_sampling.md §4.4, D = 0.5.
        for (n, opt, trs) in [(1e3, 1.25e-4, 1.52e-4), (1e4, 1.25e-5, 1.52e-5), (1e6, 1.25e-7, 1.52e-7)] {
            let (pair, tv) = worst_pair(&ChiSquared, 0.5, n).unwrap();
            assert!((tv / opt - 1.0).abs() < 0.02, "χ² n = {n}: {tv}");
            let (_, t) = best_truncation(&pair, n);
            assert!((t / trs - 1.0).abs() < 0.03, "χ² n = {n}: TRS {t}");
        }
        for (n, opt) in [(1e2, 0.077), (1e4, 0.043), (1e8, 0.023)] {
            let (_, tv) = worst_pair(&Kl, 0.5, n).unwrap();
            assert!((tv - opt).abs() < 0.0015, "KL n = {n}: {tv}");
        }
    }

    #[test]
    fn closed_forms_agree_with_the_generic_code() {
        let pair = TwoPoint { p: 0.01, q: 0.2 };
        let (nu, mu) = (Discrete::two_point(0.2).unwrap(), Discrete::two_point(0.01).unwrap());
        assert!((pair.divergence(&Kl) - discrete(&Kl, &nu, &mu).unwrap()).abs() < 1e-14);
        let generic = Rule::truncated(7.0).unwrap().tv_discrete(&nu, &mu, 30).unwrap();
        assert!((pair.truncated_tv(7.0, 30.0) - generic).abs() < 1e-14);
        // The optimal rule lower-bounds every rule.
        for rule in
            [Rule::truncated(3.0).unwrap(), Rule::truncated(20.0).unwrap(), Rule::Sir, Rule::Greedy, Rule::First]
        {
            assert!(rule.tv_discrete(&nu, &mu, 30).unwrap() >= pair.optimal_tv(30.0) - 1e-12, "{}", rule.name());
        }
        assert!((largest_q(&ChiSquared, 0.5, 0.01) - 0.01 - (0.5f64 * 0.01 * 0.99).sqrt()).abs() < 1e-9);
        assert!(worst_pair(&Kl, 0.0, 10.0).is_err());
    }
}
