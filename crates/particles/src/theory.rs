//! Closed forms and scalar ODEs the simulations are checked against.
//!
//! * **Equiangular ODE** (arXiv 2312.10794 §6.2): from an equiangular start
//!   (all `⟨x_i, x_j⟩ = ρ₀`, e.g. an orthonormal frame with `d ≥ n`) every
//!   pairwise inner product stays equal to `γ_β(t)`, with
//!
//!   ```text
//!   SA:   γ' = 2 e^{βγ} (1 − γ) ((n − 1) γ + 1) / (e^β + (n − 1) e^{βγ})
//!   USA:  γ' = (2/n) e^{βγ} (1 − γ) ((n − 1) γ + 1)        (times e^{−β} when shifted)
//!   ```
//!
//!   Solved in the variable `u = ln(1 − γ)`, whose derivative is bounded,
//!   with an adaptive Dormand–Prince 5(4) at tolerance 1e-12.
//! * **Phase-transition curve** `t*(β, n, δ)`: the time at which
//!   `γ_β(t*) = 1 − δ` (the `Γ_{∞,δ}` curve of the phase diagrams).
//! * **Linear-mode prediction** on the circle: the mode `k` of the uniform
//!   state grows at a rate ∝ `(k²/β) e^{−k²/(2β)}` (SA), maximal at
//!   `k* ≈ √(2β)`.
//!
//! The Rényi-parking and strong-centre counts live in [`crate::renyi`], the
//! cap measure in `infoflow_numerics::sphere::cap_measure`.

use crate::error::{Error, Result};
use crate::model::Normalization;

fn check_equiangular(beta: f64, n: usize, rho0: f64) -> Result<()> {
    if !beta.is_finite() {
        return Err(Error::invalid("beta", beta, "must be finite"));
    }
    if n < 2 {
        return Err(Error::TooFewParticles { context: "equiangular ODE", required: 2, found: n });
    }
    let lo = -1.0 / (n as f64 - 1.0);
    if !(rho0 >= lo && rho0 < 1.0) {
        return Err(Error::invalid("rho0", rho0, "an equiangular configuration of n tokens has -1/(n-1) <= rho < 1"));
    }
    Ok(())
}

/// `γ' / (1 − γ)`: the normalisation's weight times `(n − 1)γ + 1`.
fn relative_rate(normalization: Normalization, beta: f64, n: usize, gamma: f64) -> f64 {
    let nf = n as f64;
    let core = (nf - 1.0) * gamma + 1.0;
    match normalization {
        // Divide through by e^{βγ} for a stable softmax.
        Normalization::Softmax => 2.0 * core / ((beta * (1.0 - gamma)).exp() + nf - 1.0),
        Normalization::Unnormalized => 2.0 / nf * (beta * gamma).exp() * core,
        Normalization::UnnormalizedShifted => 2.0 / nf * (beta * (gamma - 1.0)).exp() * core,
    }
}

/// `γ'` at `γ` (see the module docs).
pub fn equiangular_rate(normalization: Normalization, beta: f64, n: usize, gamma: f64) -> f64 {
    (1.0 - gamma) * relative_rate(normalization, beta, n, gamma)
}

/// `u' = −γ'/(1 − γ)` with `u = ln(1 − γ)`.
fn log_gap_rate(normalization: Normalization, beta: f64, n: usize, u: f64) -> f64 {
    -relative_rate(normalization, beta, n, 1.0 - u.exp())
}

const DP_A: [[f64; 6]; 7] = [
    [0.0; 6],
    [0.2, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
    [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
    [19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0, 0.0, 0.0],
    [9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0, 0.0],
    [35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0],
];
const DP_E: [f64; 7] =
    [71.0 / 57600.0, 0.0, -71.0 / 16695.0, 71.0 / 1920.0, -17253.0 / 339200.0, 22.0 / 525.0, -1.0 / 40.0];

/// One Dormand–Prince step of an autonomous scalar ODE: (new value, error).
fn dp_step(f: &impl Fn(f64) -> f64, y: f64, h: f64) -> (f64, f64) {
    let mut k = [0.0; 7];
    k[0] = f(y);
    for s in 1..7 {
        let ys = y + h * (0..s).map(|r| DP_A[s][r] * k[r]).sum::<f64>();
        k[s] = f(ys);
    }
    let y_new = y + h * (0..6).map(|r| DP_A[6][r] * k[r]).sum::<f64>();
    let err = h * (0..7).map(|r| DP_E[r] * k[r]).sum::<f64>();
    (y_new, err)
}

/// Integrates the scalar autonomous ODE `y' = f(y)` from `(0, y0)` through
/// the increasing `times`, or until `stop(y)` (then returns the crossing
/// time found by bisection on the step). Tolerance 1e-12 absolute.
fn integrate_scalar(
    f: impl Fn(f64) -> f64,
    y0: f64,
    times: &[f64],
    stop: Option<f64>,
) -> Result<(Vec<f64>, Option<f64>)> {
    let tol = 1e-12;
    let (mut t, mut y, mut h): (f64, f64, f64) = (0.0, y0, 1e-3);
    let mut out = Vec::with_capacity(times.len());
    let crossed = |v: f64| stop.is_some_and(|s| v <= s);
    let mut steps = 0u64;
    for &target in times {
        while t < target {
            steps += 1;
            if steps > 10_000_000 {
                return Err(Error::invalid("horizon", target, "the scalar ODE needs more than 1e7 steps"));
            }
            let step = h.min(target - t);
            let (y_new, err) = dp_step(&f, y, step);
            if !(y_new.is_finite() && err.is_finite()) {
                // The rate overflows f64 (e^{βγ} of the unnormalised model at
                // large β): a shorter step cannot help once f(y) itself is
                // not finite.
                if !f(y).is_finite() || step < 1e-300 {
                    return Err(Error::NonFinite {
                        context: "the scalar ODE's rate overflows f64 (for the unnormalised model at large beta, use the shifted normalisation)",
                    });
                }
                h = step * 0.2;
                continue;
            }
            let ratio = err.abs() / tol;
            if ratio > 1.0 {
                h = step * (0.9 * ratio.powf(-0.2)).max(0.2);
                continue;
            }
            if crossed(y_new) {
                // Bisect the step length for the crossing of `stop`.
                let s = stop.expect("crossed implies a stop value");
                let (mut lo, mut hi) = (0.0, step);
                for _ in 0..100 {
                    let mid = 0.5 * (lo + hi);
                    if dp_step(&f, y, mid).0 <= s { hi = mid } else { lo = mid }
                }
                return Ok((out, Some(t + 0.5 * (lo + hi))));
            }
            y = y_new;
            t = if step == target - t { target } else { t + step };
            h = step * if ratio == 0.0 { 5.0 } else { (0.9 * ratio.powf(-0.2)).clamp(0.2, 5.0) };
        }
        out.push(y);
    }
    Ok((out, None))
}

/// `γ_β(t)` at each of the non-decreasing `times` (≥ 0), from `γ(0) = rho0`.
pub fn equiangular_solution(
    normalization: Normalization,
    beta: f64,
    n: usize,
    rho0: f64,
    times: &[f64],
) -> Result<Vec<f64>> {
    Ok(equiangular_log_gap(normalization, beta, n, rho0, times)?.into_iter().map(|u| 1.0 - u.exp()).collect())
}

/// `ln(1 − γ_β(t))` at each of the non-decreasing `times`: the same solution
/// with full relative accuracy when `γ` is within rounding of 1.
pub fn equiangular_log_gap(
    normalization: Normalization,
    beta: f64,
    n: usize,
    rho0: f64,
    times: &[f64],
) -> Result<Vec<f64>> {
    check_equiangular(beta, n, rho0)?;
    if times.iter().any(|t| !t.is_finite() || *t < 0.0) || times.windows(2).any(|w| w[1] < w[0]) {
        return Err(Error::invalid("times", "given", "must be finite, >= 0 and non-decreasing"));
    }
    Ok(integrate_scalar(|u| log_gap_rate(normalization, beta, n, u), (1.0 - rho0).ln(), times, None)?.0)
}

/// The phase-transition time `t*`: the first time `γ_β(t) = 1 − δ` from an
/// orthogonal start (`γ(0) = 0`), or `None` if it is later than `horizon`.
pub fn transition_time(
    normalization: Normalization,
    beta: f64,
    n: usize,
    delta: f64,
    horizon: f64,
) -> Result<Option<f64>> {
    check_equiangular(beta, n, 0.0)?;
    if !(delta > 0.0 && delta < 1.0) {
        return Err(Error::invalid("delta", delta, "must lie in (0, 1)"));
    }
    if !(horizon > 0.0 && horizon.is_finite()) {
        return Err(Error::invalid("horizon", horizon, "must be positive and finite"));
    }
    let (_, hit) = integrate_scalar(|u| log_gap_rate(normalization, beta, n, u), 0.0, &[horizon], Some(delta.ln()))?;
    Ok(hit)
}

/// The phase-transition time of the authors' discrete scheme (explicit
/// Euler with the unprojected attention output, then renormalisation,
/// `x_i ← (x_i + h u_i)/‖x_i + h u_i‖`) on an equiangular configuration of
/// `n` tokens with inner products `rho0`: the first time `k h` (linearly
/// interpolated in `ln(1 − γ)` between steps) at which `γ ≥ 1 − δ`, or
/// `None` after `horizon`.
///
/// The scheme maps equiangular configurations to equiangular ones: with
/// self and cross weights `w_s`, `w_o` of the normalisation,
/// `A = 1 + h w_s`, `B = h w_o` and `c = 1 + (n − 1)γ`, the new gap is
/// `1 − γ' = (A − B)²(1 − γ) / ((A − B)² + 2(A − B)B c + B² n c)`, exactly.
/// It is the `h → 0` limit of [`transition_time`]'s ODE; at the phase
/// diagrams' `h = 0.1` the two differ by a few per cent.
pub fn euler_transition_time(
    normalization: Normalization,
    beta: f64,
    n: usize,
    delta: f64,
    step: f64,
    rho0: f64,
    horizon: f64,
) -> Result<Option<f64>> {
    check_equiangular(beta, n, rho0)?;
    if !(delta > 0.0 && delta < 1.0) {
        return Err(Error::invalid("delta", delta, "must lie in (0, 1)"));
    }
    if !(step > 0.0 && step.is_finite()) {
        return Err(Error::invalid("step", step, "must be positive and finite"));
    }
    if !(horizon > 0.0 && horizon.is_finite() && horizon / step <= 1e9) {
        return Err(Error::invalid("horizon", horizon, "must be positive, finite and at most 1e9 steps"));
    }
    let nf = n as f64;
    let mut gap = 1.0 - rho0;
    if gap <= delta {
        return Ok(Some(0.0));
    }
    let steps = (horizon / step).floor() as u64;
    for k in 1..=steps {
        let gamma = 1.0 - gap;
        let (ws, wo) = match normalization {
            Normalization::Softmax => {
                let e = (-beta * gap).exp();
                (1.0 / (1.0 + (nf - 1.0) * e), e / (1.0 + (nf - 1.0) * e))
            }
            Normalization::Unnormalized => (beta.exp() / nf, (beta * gamma).exp() / nf),
            Normalization::UnnormalizedShifted => (1.0 / nf, (-beta * gap).exp() / nf),
        };
        let (a, b) = (1.0 + step * ws, step * wo);
        let c = 1.0 + (nf - 1.0) * gamma;
        let next = (a - b).powi(2) * gap / ((a - b).powi(2) + 2.0 * (a - b) * b * c + b * b * nf * c);
        if !next.is_finite() {
            return Err(Error::Overflow { beta, hint: "the weights overflow; use softmax or the shifted USA" });
        }
        if next <= delta {
            let f = (gap.ln() - delta.ln()) / (gap.ln() - next.ln());
            return Ok(Some(step * ((k - 1) as f64 + f)));
        }
        gap = next;
    }
    Ok(None)
}

/// The circle's fastest-growing Fourier mode of the uniform state, `k* =
/// argmax_k (k²/β) e^{−k²/(2β)}` over integers `k ≥ 1` (large-β SA
/// approximation), and its continuous version `√(2β)`.
pub fn fastest_mode(beta: f64) -> Result<(usize, f64)> {
    if !(beta > 0.0 && beta.is_finite()) {
        return Err(Error::invalid("beta", beta, "must be positive and finite"));
    }
    let rate = |k: f64| k * k / beta * (-(k * k) / (2.0 * beta)).exp();
    let kc = (2.0 * beta).sqrt();
    let lo = kc.floor().max(1.0);
    let k = if rate(lo + 1.0) > rate(lo) { lo + 1.0 } else { lo };
    Ok((k as usize, kc))
}

/// The natural logarithm of the time two point clusters of masses `m_a`
/// and `m_b` (token counts out of `n`) take to close their angle from
/// `theta0` to `theta_end < theta0`, alone on the sphere under the shifted
/// unnormalised dynamics (`Normalization::UnnormalizedShifted`, weights
/// `e^{β(⟨x_i, x_j⟩ − 1)}/n`).
///
/// Each cluster moves towards the other at the speed
/// `(m_other/n) e^{β(cos θ − 1)} sin θ`, so
/// `θ' = −((m_a + m_b)/n) e^{β(cos θ − 1)} sin θ` and
///
/// ```text
/// T = (n/(m_a + m_b)) ∫_{θ_end}^{θ0} e^{β(1 − cos θ)} / sin θ dθ,
/// ```
///
/// the two-body time behind the escape times of arXiv 2410.06833
/// (Theorem 2.1's `e^{(1−α)β}` with its prefactor). Computed as
/// `β(1 − cos θ0) + ln ∫ e^{−β(cos θ − cos θ0)}/sin θ dθ` (no overflow for
/// any β) by composite 5-point Gauss–Legendre on 4,096 panels (tested
/// against a 2·10⁶-cell midpoint rule to 1e-8 in `ln T`, that rule's own
/// error, up to `β(θ0 − θ_end) ≈ 1.5·10³`, the range the experiments use).
pub fn two_cluster_log_merge_time(
    beta: f64,
    n: usize,
    m_a: usize,
    m_b: usize,
    theta0: f64,
    theta_end: f64,
) -> Result<f64> {
    if !(beta >= 0.0 && beta.is_finite()) {
        return Err(Error::invalid("beta", beta, "must be finite and non-negative"));
    }
    if m_a == 0 || m_b == 0 || m_a + m_b > n {
        return Err(Error::invalid("masses", format!("{m_a} + {m_b} of {n}"), "positive masses summing to at most n"));
    }
    if !(theta_end > 0.0 && theta_end < theta0 && theta0 < std::f64::consts::PI) {
        return Err(Error::invalid("angles", format!("{theta_end} .. {theta0}"), "0 < theta_end < theta0 < pi"));
    }
    // 5-point Gauss–Legendre nodes and weights on [−1, 1].
    const NODES: [f64; 5] =
        [0.0, 0.538_469_310_105_683_1, -0.538_469_310_105_683_1, 0.906_179_845_938_664, -0.906_179_845_938_664];
    const WEIGHTS: [f64; 5] = [
        0.568_888_888_888_888_9,
        0.478_628_670_499_366_5,
        0.478_628_670_499_366_5,
        0.236_926_885_056_189_1,
        0.236_926_885_056_189_1,
    ];
    const PANELS: usize = 4096;
    let c0 = theta0.cos();
    let width = (theta0 - theta_end) / PANELS as f64;
    let mut integral = 0.0;
    for k in 0..PANELS {
        let mid = theta_end + (k as f64 + 0.5) * width;
        for (x, w) in NODES.iter().zip(WEIGHTS) {
            let th = mid + 0.5 * width * x;
            integral += w * 0.5 * width * (-beta * (th.cos() - c0)).exp() / th.sin();
        }
    }
    Ok(beta * (1.0 - c0) + integral.ln() + (n as f64 / (m_a + m_b) as f64).ln())
}

/// Wendel's probability that `n` iid uniform points on `S^{d−1}` lie in some
/// open hemisphere: `2^{−(n−1)} Σ_{k=0}^{d−1} C(n − 1, k)` (1 for `d ≥ n`).
/// Computed in logarithms, so it stays accurate for large `n`.
pub fn wendel_probability(n: usize, d: usize) -> Result<f64> {
    if n == 0 || d == 0 {
        return Err(Error::invalid("n, d", format!("{n}, {d}"), "at least one point in dimension at least 1"));
    }
    if d >= n {
        return Ok(1.0);
    }
    let (mut ln_choose, mut total) = (0.0f64, 0.0f64);
    for k in 0..d {
        if k > 0 {
            ln_choose += ((n - k) as f64).ln() - (k as f64).ln();
        }
        total += (ln_choose - (n - 1) as f64 * std::f64::consts::LN_2).exp();
    }
    Ok(total.min(1.0))
}

#[cfg(test)]
mod euler_tests {
    use super::*;

    #[test]
    fn the_euler_map_tends_to_the_ode_and_matches_a_direct_step() {
        // h → 0: the discrete transition time converges to the ODE's, at first order in h.
        let ode = transition_time(Normalization::Softmax, 2.0, 32, 1e-3, 1e6).unwrap().unwrap();
        let at = |h: f64| euler_transition_time(Normalization::Softmax, 2.0, 32, 1e-3, h, 0.0, 1e6).unwrap().unwrap();
        let (e1, e2) = ((at(0.01) - ode).abs(), (at(0.005) - ode).abs());
        assert!(e1 < 0.01 * ode && (e1 / e2 - 2.0).abs() < 0.2, "{ode} {e1} {e2}");
        // One step of the map equals one Euler + renormalise step of three
        // explicit equiangular unit vectors (n = 3, γ = 0.2).
        let (n, beta, h, gamma) = (3usize, 1.5f64, 0.3f64, 0.2f64);
        let basis = |i: usize| -> Vec<f64> { (0..3).map(|k| if k == i { 1.0 } else { 0.0 }).collect() };
        // x_i = √(1 − γ) e_i + √(γ/3)·(1, 1, 1)·... : Gram matrix (1 − γ)I + γ 11ᵀ.
        let s = ((1.0 + 2.0 * gamma).sqrt() - (1.0 - gamma).sqrt()) / 3.0;
        let x: Vec<Vec<f64>> =
            (0..n).map(|i| basis(i).iter().map(|v| v * (1.0 - gamma).sqrt() + s).collect()).collect();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(u, v)| u * v).sum::<f64>();
        assert!((dot(&x[0], &x[1]) - gamma).abs() < 1e-14 && (dot(&x[0], &x[0]) - 1.0).abs() < 1e-14);
        let stepped: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let w: Vec<f64> = (0..n).map(|j| (beta * dot(&x[i], &x[j])).exp()).collect();
                let z: f64 = w.iter().sum();
                let y: Vec<f64> =
                    (0..3).map(|k| x[i][k] + h * (0..n).map(|j| w[j] / z * x[j][k]).sum::<f64>()).collect();
                let r = dot(&y, &y).sqrt();
                y.iter().map(|v| v / r).collect()
            })
            .collect();
        let direct = 1.0 - dot(&stepped[0], &stepped[1]);
        // The map's first step, read back from thresholds just either side
        // of the directly stepped gap: crossed within one step, or not.
        let first = |delta: f64| euler_transition_time(Normalization::Softmax, beta, n, delta, h, gamma, 10.0).unwrap();
        assert!(first(direct * (1.0 + 1e-9)).is_some_and(|t| t <= h));
        assert!(first(direct * (1.0 - 1e-9)).is_some_and(|t| t > h));
        assert!(euler_transition_time(Normalization::Softmax, 1.0, 4, 1e-3, 0.0, 0.0, 1.0).is_err());
        assert!(euler_transition_time(Normalization::Softmax, 1.0, 4, 1e-3, 0.1, 0.0, f64::INFINITY).is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wendel_reference_values() {
        // particles.md §1: n = 32: d = 2 → 1.49e-8, d = 3 → 2.31e-7,
        // d = 8 → 1.66e-3, d = 16 → 0.5, d = 32 → 1.
        let w = |d: usize| wendel_probability(32, d).unwrap();
        assert!((w(2) / 1.49e-8 - 1.0).abs() < 0.01 && (w(3) / 2.31e-7 - 1.0).abs() < 0.01);
        assert!((w(8) / 1.663e-3 - 1.0).abs() < 1e-3 && (w(16) - 0.5).abs() < 1e-12 && w(32) == 1.0);
        assert!((wendel_probability(4, 3).unwrap() - 7.0 / 8.0).abs() < 1e-14);
        assert!(wendel_probability(0, 3).is_err());
    }

    #[test]
    fn two_cluster_time_closed_forms() {
        // β = 0: ∫ dθ/sin θ = ln tan(θ/2).
        let t = two_cluster_log_merge_time(0.0, 10, 2, 3, 1.2, 0.05).unwrap();
        let exact = (10.0f64 / 5.0).ln() + ((0.6f64).tan() / (0.025f64).tan()).ln().ln();
        assert!((t - exact).abs() < 1e-10, "{t} {exact}");
        // Large β: Laplace at θ0, ∫ ≈ e^{β(1 − cos θ0)}/(β sin² θ0) (1 + O(1/β)).
        let (beta, theta0) = (2000.0, std::f64::consts::FRAC_PI_3);
        let t = two_cluster_log_merge_time(beta, 8, 4, 4, theta0, 0.05).unwrap();
        let laplace = beta * (1.0 - theta0.cos()) - (beta * theta0.sin().powi(2)).ln();
        assert!((t - laplace).abs() < 2.0 / beta, "{t} {laplace}");
        // Against a brute-force midpoint rule (2e6 cells) at the staircase's
        // and the escape runs' extremes.
        for (beta, theta0, end) in
            [(4000.0, 0.397, 0.016), (60.0, std::f64::consts::FRAC_PI_2, 0.05), (20.0, 2.5, 0.05)]
        {
            let cells = 2_000_000;
            let h = (theta0 - end) / cells as f64;
            let c0 = f64::cos(theta0);
            let brute: f64 = (0..cells)
                .map(|k| {
                    let th = end + (k as f64 + 0.5) * h;
                    (-beta * (th.cos() - c0)).exp() / th.sin() * h
                })
                .sum();
            let want = beta * (1.0 - c0) + brute.ln();
            let got = two_cluster_log_merge_time(beta, 8, 4, 4, theta0, end).unwrap();
            // The midpoint rule's own relative error, (h β sin θ0)²/24, is
            // 4e-9 at β = 4000.
            assert!((got - want).abs() < 1e-8, "{beta} {theta0}: {got} vs {want}");
        }
        assert!(two_cluster_log_merge_time(1.0, 8, 4, 5, 1.0, 0.1).is_err());
        assert!(two_cluster_log_merge_time(1.0, 8, 4, 4, 0.1, 1.0).is_err());
        assert!(two_cluster_log_merge_time(f64::NAN, 8, 4, 4, 1.0, 0.1).is_err());
    }
    use approx::assert_abs_diff_eq;

    #[test]
    fn transition_times_match_the_reference_table() {
        // particles.md §2.1, computed there by RK4 with h = 1e-3 (n = 32, δ = 1e-3).
        for (beta, expected) in [(0.1, 5.19), (1.0, 5.27), (2.0, 5.46), (4.0, 6.95), (6.0, 16.0), (9.0, 178.7)] {
            let t = transition_time(Normalization::Softmax, beta, 32, 1e-3, 1e4).unwrap().unwrap();
            assert!((t - expected).abs() < 0.006 * expected + 0.005, "beta {beta}: {t} vs {expected}");
        }
        for (beta, expected) in [(0.1, 5.88), (1.0, 5.91), (6.0, 10.35), (9.0, 82.6)] {
            let t = transition_time(Normalization::Softmax, beta, 128, 1e-3, 1e4).unwrap().unwrap();
            assert!((t - expected).abs() < 0.006 * expected + 0.005, "n=128 beta {beta}: {t} vs {expected}");
        }
        // USA, n = 32: clustering speeds up with beta.
        for (beta, expected) in [(0.1, 4.86), (1.0, 2.90), (4.0, 1.13), (9.0, 0.69)] {
            let t = transition_time(Normalization::Unnormalized, beta, 32, 1e-3, 1e4).unwrap().unwrap();
            assert!((t - expected).abs() < 0.01 * expected + 0.005, "USA beta {beta}: {t} vs {expected}");
        }
        assert_eq!(transition_time(Normalization::Softmax, 9.0, 32, 1e-3, 100.0).unwrap(), None);
    }

    #[test]
    fn two_tokens_beta_zero_closed_form() {
        // n = 2, β = 0, SA: γ' = (1 − γ)(1 + γ) ⇒ γ = tanh(t + atanh γ0).
        let times = [0.0, 0.5, 1.0, 3.0];
        let g = equiangular_solution(Normalization::Softmax, 0.0, 2, 0.2, &times).unwrap();
        for (t, v) in times.iter().zip(g) {
            assert_abs_diff_eq!(v, (t + 0.2f64.atanh()).tanh(), epsilon = 1e-10);
        }
    }

    #[test]
    fn late_time_rates() {
        // SA: 1 − γ ~ C e^{−2t}; USA: ~ C e^{−2 e^β t}.
        let times = [20.0, 21.0];
        let u = equiangular_log_gap(Normalization::Softmax, 1.0, 8, 0.0, &times).unwrap();
        assert_abs_diff_eq!(u[1] - u[0], -2.0, epsilon = 1e-6);
        let times = [8.0, 8.5];
        let u = equiangular_log_gap(Normalization::Unnormalized, 0.5, 8, 0.0, &times).unwrap();
        assert_abs_diff_eq!((u[1] - u[0]) / 0.5, -2.0 * 0.5f64.exp(), epsilon = 1e-4);
    }

    #[test]
    fn fastest_mode_values() {
        // particles.md V11: β = 9 → 4.2, 25 → 7.1, 64 → 11.3, 100 → 14.1.
        for (beta, kc) in [(9.0, 4.24), (25.0, 7.07), (64.0, 11.31), (100.0, 14.14)] {
            let (k, c) = fastest_mode(beta).unwrap();
            assert_abs_diff_eq!(c, kc, epsilon = 0.01);
            assert!((k as f64 - c).abs() < 1.0);
        }
        assert!(fastest_mode(0.0).is_err());
    }

    #[test]
    fn bad_input() {
        assert!(equiangular_solution(Normalization::Softmax, 1.0, 1, 0.0, &[1.0]).is_err());
        assert!(equiangular_solution(Normalization::Softmax, 1.0, 3, 1.0, &[1.0]).is_err());
        assert!(equiangular_solution(Normalization::Softmax, 1.0, 3, -0.6, &[1.0]).is_err());
        assert!(equiangular_solution(Normalization::Softmax, f64::NAN, 3, 0.0, &[1.0]).is_err());
        assert!(equiangular_solution(Normalization::Softmax, 1.0, 3, 0.0, &[-1.0]).is_err());
        assert!(equiangular_solution(Normalization::Softmax, 1.0, 3, 0.0, &[2.0, 1.0]).is_err());
        assert!(transition_time(Normalization::Softmax, 1.0, 3, 0.0, 10.0).is_err());
        assert!(transition_time(Normalization::Softmax, 1.0, 3, 0.1, -1.0).is_err());
    }
}
