//! Selection rules over `n` proposals `X_1 … X_n ~ μ` given their density
//! ratios `r(X_i) = dν/dμ(X_i)`, exact rejection sampling, and the exact
//! output law of each rule.
//!
//! * [`Rule::Truncated`]: truncated rejection (Block and Polyanskiy):
//!   accept `X_i` with probability `min(r_i, M)/M`, in order; output the
//!   first accepted, or `X_n` when none is. Its output law is exactly
//!
//!   ```text
//!   P_out = (1 − (1 − p)^n) ν_M + (1 − p)^{n−1} (1 − a) μ,
//!   a = min(r, M)/M,  p = E_μ a,  ν_M = a μ / p,
//!   ```
//!
//!   so `TV(P_out, ν) ≤ E_μ (r − M)_+ + (1 − p)^n`; [`Rule::for_budget`]
//!   takes `M = (f′)^{−1}(4D/ε)` as the theorem prescribes for `D_f(ν‖μ) ≤ D`.
//! * [`Rule::Sir`]: sampling-importance-resampling, `j ∝ r_j` (uniform when
//!   every ratio is 0). Output law: `P(a) = n μ_a r_a E[1/(r_a + S_{n−1})]`
//!   with `S_{n−1}` a sum of `n − 1` iid ratios, evaluated as
//!   `r_a ∫₀^∞ e^{−t r_a} φ(t)^{n−1} dt`, `φ(t) = E_μ e^{−t r}`, by quadrature
//!   (one integral per distinct ratio value, each evaluation of `φ` costing
//!   one pass over the values: meant for up to a few thousand values).
//! * [`Rule::Greedy`]: the largest ratio (first among ties).
//! * [`Rule::First`]: no selection, `X_1` (law `μ`).
//!
//! Exact laws are computed for discrete `μ, ν` ([`Rule::output_law`]) and,
//! for truncated rejection and no selection, for 1-D densities by
//! quadrature ([`Rule::tv_continuous`]).

use crate::distribution::{Discrete, Law1d, density_ratio};
use crate::divergence::{FDivergence, tv};
use crate::error::{Error, Result};
use crate::quadrature::integrate;
use rand::{Rng, RngExt};

/// A selection rule; see the module docs.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// Truncated rejection at level `M`.
    Truncated {
        /// The truncation level `M > 0`.
        m: f64,
    },
    /// Sampling-importance-resampling.
    Sir,
    /// The largest ratio.
    Greedy,
    /// No selection: the first proposal.
    First,
}

/// `(1 − p)^k` accurately for tiny `p`.
pub(crate) fn survive(p: f64, k: f64) -> f64 {
    if p >= 1.0 { if k == 0.0 { 1.0 } else { 0.0 } } else { (k * (-p).ln_1p()).exp() }
}

/// `1 − (1 − p)^k` accurately for tiny `p`.
pub(crate) fn hit(p: f64, k: f64) -> f64 {
    if p >= 1.0 { if k == 0.0 { 0.0 } else { 1.0 } } else { -(k * (-p).ln_1p()).exp_m1() }
}

fn check_n(n: usize) -> Result<()> {
    if n == 0 { Err(Error::invalid("n", 0, "a selection needs at least one proposal")) } else { Ok(()) }
}

impl Rule {
    /// Truncated rejection at `m > 0` (finite).
    pub fn truncated(m: f64) -> Result<Self> {
        if !(m.is_finite() && m > 0.0) {
            return Err(Error::invalid("M", m, "the truncation level is finite and positive"));
        }
        Ok(Rule::Truncated { m })
    }

    /// Truncated rejection with the theorem's level `M = (f′)^{−1}(4D/ε)`
    /// for the budget `D_f(ν‖μ) ≤ D` and target error `ε ∈ (0, 1)`. For `f`
    /// with bounded `f′` (TV, Hellinger) no level works: an error.
    pub fn for_budget(div: &dyn FDivergence, d: f64, eps: f64) -> Result<Self> {
        if !(d.is_finite() && d > 0.0 && eps > 0.0 && eps < 1.0) {
            return Err(Error::invalid("D, ε", format!("{d}, {eps}"), "D > 0 finite and ε in (0, 1)"));
        }
        let m = div.f_prime_inverse(4.0 * d / eps).ok_or(Error::invalid(
            "divergence",
            div.name(),
            "f′ is bounded, so no truncation level reaches the error (approximate rejection sampling is impossible)",
        ))?;
        Self::truncated(m)
    }

    /// A short name.
    pub fn name(&self) -> String {
        match self {
            Rule::Truncated { m } => format!("truncated (M = {m:.3e})"),
            Rule::Sir => "SIR".into(),
            Rule::Greedy => "greedy".into(),
            Rule::First => "no selection".into(),
        }
    }

    /// Picks an index from the ratios of the proposals (finite, non-negative,
    /// at least one). Conventions when no proposal is accepted: truncated
    /// rejection returns the last proposal, SIR with every ratio 0 picks one
    /// uniformly (the laws of [`Rule::output_law`] follow the same rules).
    pub fn select<R: Rng + ?Sized>(&self, ratios: &[f64], rng: &mut R) -> Result<usize> {
        check_n(ratios.len())?;
        if let Some(r) = ratios.iter().find(|r| !(r.is_finite() && **r >= 0.0)) {
            return Err(Error::invalid("ratio", r, "density ratios are finite and non-negative"));
        }
        Ok(match *self {
            Rule::Truncated { m } => {
                ratios.iter().position(|&r| rng.random::<f64>() * m < r.min(m)).unwrap_or(ratios.len() - 1)
            }
            Rule::Sir => {
                let total: f64 = ratios.iter().sum();
                if total == 0.0 {
                    rng.random_range(0..ratios.len())
                } else {
                    let mut u = rng.random::<f64>() * total;
                    ratios
                        .iter()
                        .position(|&r| {
                            u -= r;
                            u < 0.0
                        })
                        .unwrap_or(ratios.len() - 1)
                }
            }
            Rule::Greedy => (0..ratios.len()).fold(0, |best, i| if ratios[i] > ratios[best] { i } else { best }),
            Rule::First => 0,
        })
    }

    /// The exact law of the selected proposal for discrete `μ, ν` on the
    /// same atoms and `n ≥ 1` proposals.
    pub fn output_law(&self, nu: &Discrete, mu: &Discrete, n: usize) -> Result<Vec<f64>> {
        check_n(n)?;
        let r = density_ratio(nu, mu)?;
        let mu = mu.probs();
        let nf = n as f64;
        Ok(match *self {
            Rule::First => mu.to_vec(),
            Rule::Truncated { m } => {
                let a: Vec<f64> = r.iter().map(|&x| x.min(m) / m).collect();
                let p: f64 = a.iter().zip(mu).map(|(a, m)| a * m).sum();
                if p == 0.0 {
                    mu.to_vec()
                } else {
                    let (first, fallback) = (hit(p, nf), survive(p, nf - 1.0));
                    a.iter().zip(mu).map(|(a, m)| first * a * m / p + fallback * (1.0 - a) * m).collect()
                }
            }
            Rule::Greedy => {
                // Sort atoms by ratio; each run of equal ratios is one value v
                // with P(max = v) = F(v)^n − F(v⁻)^n, shared in proportion to μ.
                // F(v)^n = (1 − μ(r > v))^n is formed from the mass above v
                // (accurate when that mass is tiny), walking down from the top.
                let mut order: Vec<usize> = (0..r.len()).collect();
                order.sort_by(|&i, &j| r[j].total_cmp(&r[i]));
                let mut law = vec![0.0; r.len()];
                let (mut above, mut start) = (0.0f64, 0);
                while start < order.len() {
                    let end = start + order[start..].iter().take_while(|&&i| r[i] == r[order[start]]).count();
                    let w: f64 = order[start..end].iter().map(|&i| mu[i]).sum();
                    let pmax = survive(above, nf) - survive((above + w).min(1.0), nf);
                    if w > 0.0 {
                        order[start..end].iter().for_each(|&i| law[i] = mu[i] / w * pmax);
                    }
                    above += w;
                    start = end;
                }
                law
            }
            Rule::Sir => sir_law(&r, mu, nf)?,
        })
    }

    /// `TV(law of the selection, ν)` for discrete laws.
    pub fn tv_discrete(&self, nu: &Discrete, mu: &Discrete, n: usize) -> Result<f64> {
        tv(&self.output_law(nu, mu, n)?, nu.probs())
    }

    /// `TV(law of the selection, ν)` for 1-D densities by quadrature
    /// (truncated rejection and no selection).
    pub fn tv_continuous(&self, nu: &dyn Law1d, mu: &dyn Law1d, n: usize) -> Result<f64> {
        check_n(n)?;
        let (a, b) = (nu.support().0.min(mu.support().0), nu.support().1.max(mu.support().1));
        // Densities are checked on a grid of the support first (a wrong
        // user-implemented law is an error, not a silent NaN).
        let probe = |x: f64| [nu.density(x), mu.density(x)].iter().all(|d| d.is_finite() && *d >= 0.0);
        let (lo, hi) = (a.max(-50.0), b.min(50.0));
        if !(0..=1000).all(|i| probe(lo + (hi - lo) * i as f64 / 1000.0)) {
            return Err(Error::invalid("density", "negative or non-finite", "densities are finite and non-negative"));
        }
        match *self {
            Rule::First => integrate(|x| 0.5 * (nu.density(x) - mu.density(x)).abs(), a, b, 1e-12),
            Rule::Truncated { m } => {
                // min(r, M) μ = min(ν, M μ): no ratio needed.
                let capped = |x: f64| nu.density(x).min(m * mu.density(x));
                let z = integrate(capped, a, b, 1e-13)?;
                let p = z / m;
                if p <= 0.0 {
                    return integrate(|x| 0.5 * (nu.density(x) - mu.density(x)).abs(), a, b, 1e-12);
                }
                let (first, fallback) = (hit(p, n as f64), survive(p, n as f64 - 1.0));
                integrate(
                    |x| {
                        let c = capped(x);
                        let out = first * c / z + fallback * (mu.density(x) - c / m);
                        0.5 * (out - nu.density(x)).abs()
                    },
                    a,
                    b,
                    1e-13,
                )
            }
            _ => Err(Error::invalid(
                "rule",
                self.name(),
                "exact 1-D laws exist for truncated rejection and no selection",
            )),
        }
    }
}

/// The exact SIR law (see the module docs), grouping atoms by ratio value.
fn sir_law(r: &[f64], mu: &[f64], n: f64) -> Result<Vec<f64>> {
    // Distinct ratio values with their μ-mass.
    let mut sorted: Vec<(f64, f64)> = r.iter().copied().zip(mu.iter().copied()).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut values: Vec<(f64, f64)> = Vec::new();
    for (x, m) in sorted {
        match values.last_mut() {
            Some(v) if v.0 == x => v.1 += m,
            _ => values.push((x, m)),
        }
    }
    let zero_mass: f64 = values.iter().filter(|v| v.0 == 0.0).map(|v| v.1).sum();
    let mean: f64 = values.iter().map(|v| v.0 * v.1).sum();
    // ln φ(t) = ln(1 + Σ w (e^{−tx} − 1)), accurate for small t, where
    // (n − 1) ln φ would otherwise amplify rounding by n.
    let ln_phi = |t: f64| values.iter().map(|&(x, m)| m * (-t * x).exp_m1()).sum::<f64>().max(-1.0).ln_1p();
    let mut per_value = Vec::with_capacity(values.len());
    for &(x, _) in &values {
        if x == 0.0 {
            per_value.push((x, survive(1.0 - zero_mass, n - 1.0)));
            continue;
        }
        // r_a ∫ e^{−t r_a} φ(t)^{n−1} dt, t in units of 1/(r_a + (n − 1) E r).
        let tau = 1.0 / (x + (n - 1.0) * mean);
        let e = integrate(
            |s| {
                let t = tau * s;
                (-t * x + (n - 1.0) * ln_phi(t)).exp()
            },
            0.0,
            f64::INFINITY,
            1e-12,
        )?;
        per_value.push((x, n * x * tau * e));
    }
    Ok(r.iter().zip(mu).map(|(&x, &m)| m * per_value.iter().find(|v| v.0 == x).expect("value present").1).collect())
}

/// Exact rejection sampling: draws `(x, r(x))` from `propose` until one is
/// accepted with probability `r/M`; a ratio above `M` (the bound is wrong),
/// a non-finite ratio, or `max_tries` rejections are errors.
pub fn rejection_sample<T, R: Rng + ?Sized>(
    mut propose: impl FnMut(&mut R) -> (T, f64),
    m: f64,
    max_tries: usize,
    rng: &mut R,
) -> Result<T> {
    if !(m.is_finite() && m > 0.0) {
        return Err(Error::invalid("M", m, "the bound is finite and positive"));
    }
    for _ in 0..max_tries {
        let (x, r) = propose(rng);
        if !(r.is_finite() && r >= 0.0) {
            return Err(Error::invalid("ratio", r, "density ratios are finite and non-negative"));
        }
        if r > m * (1.0 + 1e-12) {
            return Err(Error::invalid("M", m, "a density ratio exceeds the bound M"));
        }
        if rng.random::<f64>() * m < r {
            return Ok(x);
        }
    }
    Err(Error::NoConvergence("rejection sampling (max_tries rejections)"))
}

/// The theorem's sufficient number of proposals for `TV ≤ ε` under
/// `D_f(ν‖μ) ≤ D`: `n ≥ (2/(1 − ε)) ln(2/ε) (f′)^{−1}(4D/ε)` (and `n ≥ 2`).
pub fn required_n(div: &dyn FDivergence, d: f64, eps: f64) -> Result<f64> {
    let Rule::Truncated { m } = Rule::for_budget(div, d, eps)? else { unreachable!("for_budget gives a truncation") };
    Ok((2.0 / (1.0 - eps) * (2.0 / eps).ln() * m).max(2.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribution::Continuous;
    use crate::divergence::{ChiSquared, Kl, TotalVariation};
    use infoflow_numerics::rng::Streams;

    fn simulate(rule: Rule, nu: &Discrete, mu: &Discrete, n: usize, reps: usize) -> Vec<f64> {
        let r = density_ratio(nu, mu).unwrap();
        let mut rng = Streams::for_point(1, "sampling.sampler", &rule.name()).stream(0);
        let mut counts = vec![0.0; nu.len()];
        for _ in 0..reps {
            let xs: Vec<usize> = (0..n).map(|_| mu.sample(&mut rng)).collect();
            let ratios: Vec<f64> = xs.iter().map(|&x| r[x]).collect();
            counts[xs[rule.select(&ratios, &mut rng).unwrap()]] += 1.0 / reps as f64;
        }
        counts
    }

    #[test]
    fn exact_laws_match_simulation() {
        let mu = Discrete::uniform(4).unwrap();
        let nu = Discrete::from_weights(&[0.05, 0.15, 0.3, 0.5]).unwrap();
        for rule in [Rule::truncated(1.5).unwrap(), Rule::Sir, Rule::Greedy, Rule::First] {
            let law = rule.output_law(&nu, &mu, 5).unwrap();
            assert!((law.iter().sum::<f64>() - 1.0).abs() < 1e-10, "{}", rule.name());
            let sim = simulate(rule, &nu, &mu, 5, 200_000);
            for (a, b) in law.iter().zip(&sim) {
                assert!((a - b).abs() < 4e-3, "{}: {law:?} vs {sim:?}", rule.name());
            }
        }
        // SIR with zero ratios: uniform fallback.
        let nu0 = Discrete::from_weights(&[0.0, 1.0]).unwrap();
        let mu0 = Discrete::from_weights(&[0.9, 0.1]).unwrap();
        let law = Rule::Sir.output_law(&nu0, &mu0, 3).unwrap();
        assert!((law[0] - 0.9f64.powi(3)).abs() < 1e-12, "{law:?}");
    }

    #[test]
    fn truncated_rejection_on_densities() {
        let (nu, mu) = (Continuous::normal(1.0, 1.0).unwrap(), Continuous::normal(0.0, 1.0).unwrap());
        let first = Rule::First.tv_continuous(&nu, &mu, 10).unwrap();
        assert!((first - (1.0 - 2.0 * infoflow_numerics::special::q_function(0.5))).abs() < 1e-9);
        let t = |n| Rule::truncated(8.0).unwrap().tv_continuous(&nu, &mu, n).unwrap();
        // E_μ (r − M)_+ is a floor; (1 − p)^n vanishes.
        assert!(t(10) > t(100) && t(100) > t(1000) && t(1000) > 0.0);
        // Same answer on a fine discretisation of the two densities.
        let grid: Vec<f64> = (0..4000).map(|i| -10.0 + 20.0 * (i as f64 + 0.5) / 4000.0).collect();
        let d_nu = Discrete::from_weights(&grid.iter().map(|&x| nu.density(x)).collect::<Vec<_>>()).unwrap();
        let d_mu = Discrete::from_weights(&grid.iter().map(|&x| mu.density(x)).collect::<Vec<_>>()).unwrap();
        let discrete = Rule::truncated(8.0).unwrap().tv_discrete(&d_nu, &d_mu, 100).unwrap();
        assert!((discrete - t(100)).abs() < 1e-4, "{discrete} vs {}", t(100));
        assert!(Rule::Sir.tv_continuous(&nu, &mu, 10).is_err());
    }

    #[test]
    fn bad_input_and_budgets() {
        let mut rng = Streams::for_point(1, "sampling.sampler", "bad").stream(0);
        assert!(Rule::truncated(0.0).is_err());
        assert!(Rule::truncated(f64::INFINITY).is_err());
        assert!(Rule::Sir.select(&[], &mut rng).is_err());
        assert!(Rule::Sir.select(&[1.0, f64::NAN], &mut rng).is_err());
        assert!(Rule::Sir.select(&[1.0, -1.0], &mut rng).is_err());
        let u = Discrete::uniform(2).unwrap();
        assert!(Rule::First.output_law(&u, &u, 0).is_err());
        assert!(Rule::for_budget(&TotalVariation, 0.1, 0.05).is_err());
        assert!(Rule::for_budget(&Kl, 0.0, 0.05).is_err());
        // KL: M = e^{4D/ε − 1}; χ²: M = 1 + 2D/ε.
        assert_eq!(Rule::for_budget(&ChiSquared, 0.5, 0.1).unwrap(), Rule::Truncated { m: 11.0 });
        let Rule::Truncated { m } = Rule::for_budget(&Kl, 0.5, 0.5).unwrap() else { panic!() };
        assert!((m - 3f64.exp()).abs() < 1e-12);
        assert!(required_n(&ChiSquared, 0.5, 0.1).unwrap() > 11.0);
        let x = rejection_sample(|r| (0usize, r.random::<f64>()), 1.0, 1000, &mut rng).unwrap();
        assert_eq!(x, 0);
        assert!(rejection_sample(|_| (0usize, 2.0), 1.0, 10, &mut rng).is_err());
        assert!(rejection_sample(|_| (0usize, 0.0), 1.0, 10, &mut rng).is_err());
    }
}
