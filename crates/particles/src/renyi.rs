//! Rényi centres of a token sequence and the parking theory that counts them
//! (arXiv 2411.04990 §5).
//!
//! For a sequence `x_1, x_2, …` on S^{d−1} and a separation `δ` (geodesic):
//!
//! * `x_j` is a **Rényi centre** if it is farther than `δ` from every
//!   earlier centre (greedy selection in arrival order);
//! * `x_j` is a **strong Rényi centre** if it is farther than `δ` from
//!   every earlier *token*.
//!
//! Under causal attention with `δ = c β^{−1/2}` the centres become the
//! nuclei of the meta-stable clusters.
//!
//! # Counts
//!
//! * Strong centres among `n` iid uniform tokens: each new token is strong
//!   with probability `(1 − p)^{k}` after `k` tokens, `p` the normalised cap
//!   measure of radius `δ`, so `E = (1 − (1 − p)^n)/p`, saturating at `1/p`
//!   (`π/δ` on the circle).
//! * Ordinary centres on the circle are Rényi's random sequential
//!   adsorption of cars of length `δ` on a circle of length `2π`. After `n`
//!   arrivals (RSA time `τ = nδ/2π`) the covered fraction is
//!   `θ(τ) = ∫_0^τ exp(−2 ∫_0^s (1 − e^{−u})/u du) ds`, and
//!   `E[#centres] ≈ θ(τ) · 2π/δ`; `θ(∞) = c_R ≈ 0.7476` is Rényi's parking
//!   constant. On an interval of length `x` cars the mean count `M(x)`
//!   solves Rényi's integral equation `M(x) = 1 + (2/(x − 1)) ∫_0^{x−1} M(t) dt`
//!   (`x ≥ 1`; `M = 0` below 1), with `M(x) = c_R x − (1 − c_R) + o(1)`.

use crate::error::{Error, Result};
use crate::model::Particles;
use infoflow_numerics::sphere;

fn check_delta(delta: f64) -> Result<()> {
    if delta > 0.0 && delta <= std::f64::consts::PI {
        Ok(())
    } else {
        Err(Error::invalid("delta", delta, "must lie in (0, pi]"))
    }
}

/// Indices of the Rényi centres of the sequence of particles (in order).
pub fn renyi_centres(p: &Particles, delta: f64) -> Result<Vec<usize>> {
    check_delta(delta)?;
    let cos = delta.cos();
    let mut centres: Vec<usize> = Vec::new();
    for j in 0..p.len() {
        if centres.iter().all(|&c| inner(p, c, j) < cos) {
            centres.push(j);
        }
    }
    Ok(centres)
}

/// Indices of the strong Rényi centres (farther than `δ` from every earlier token).
pub fn strong_renyi_centres(p: &Particles, delta: f64) -> Result<Vec<usize>> {
    check_delta(delta)?;
    let cos = delta.cos();
    Ok((0..p.len()).filter(|&j| (0..j).all(|i| inner(p, i, j) < cos)).collect())
}

fn inner(p: &Particles, i: usize, j: usize) -> f64 {
    (0..p.dim()).map(|k| p.positions()[(i, k)] * p.positions()[(j, k)]).sum()
}

/// Expected number of strong Rényi centres among `n` iid uniform tokens on
/// S^{d−1}: `(1 − (1 − p)^n)/p`, `p = σ(cap of geodesic radius δ)`.
pub fn expected_strong_centres(dim: usize, n: usize, delta: f64) -> Result<f64> {
    check_delta(delta)?;
    let p = sphere::cap_measure(dim, delta.cos())?;
    if p == 0.0 {
        // A cap too small for its measure to be representable: no token
        // ever lands near an earlier one.
        return Ok(n as f64);
    }
    // (1 − (1 − p)^n)/p with ln1p/expm1 (accurate for tiny p, and no
    // integer exponent that could wrap for n beyond i32).
    Ok(-(n as f64 * (-p).ln_1p()).exp_m1() / p)
}

/// `∫_0^s (1 − e^{−u})/u du` (the entire exponential integral `Ein`), by its
/// power series for `s ≤ 4` and `γ + ln s + E₁(s)` beyond.
fn ein(s: f64) -> f64 {
    if s <= 4.0 {
        // Σ_{k≥1} (−1)^{k+1} s^k / (k · k!)
        let (mut term, mut sum) = (s, s);
        for k in 2..60 {
            term *= -s / k as f64;
            let add = term / k as f64;
            sum += add;
            if add.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        sum
    } else {
        const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;
        EULER_GAMMA + s.ln() + e1(s)
    }
}

/// `E₁(s) = ∫_s^∞ e^{−u}/u du` for `s > 4`, by its continued fraction.
fn e1(s: f64) -> f64 {
    // Modified Lentz on E1(s) = e^{−s} / (s + 1/(1 + 1/(s + 2/(1 + 2/(s + …))))).
    let mut b = s + 1.0;
    let mut c = 1.0 / 1e-300;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..200 {
        let a = -((i * i) as f64);
        b += 2.0;
        d = 1.0 / (a * d + b);
        c = b + a / c;
        let del = c * d;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h * (-s).exp()
}

/// Gauss–Legendre 20-point rule on [−1, 1]: the positive nodes and their
/// weights (numpy.polynomial.legendre.leggauss(20)).
#[allow(clippy::excessive_precision)]
const GL_X: [f64; 10] = [
    0.07652652113349734,
    0.22778585114164507,
    0.37370608871541955,
    0.5108670019508271,
    0.636053680726515,
    0.7463319064601508,
    0.8391169718222188,
    0.912234428251326,
    0.9639719272779138,
    0.993128599185095,
];
#[allow(clippy::excessive_precision)]
const GL_W: [f64; 10] = [
    0.15275338713072628,
    0.14917298647260424,
    0.1420961093183824,
    0.1316886384491769,
    0.1181945319615186,
    0.1019301198172407,
    0.08327674157670471,
    0.06267204833410879,
    0.040601429800386446,
    0.017614007139150893,
];

fn gauss_legendre(f: &impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let (m, r) = (0.5 * (a + b), 0.5 * (b - a));
    r * GL_X.iter().zip(GL_W).map(|(&x, w)| w * (f(m - r * x) + f(m + r * x))).sum::<f64>()
}

/// Covered fraction `θ(τ)` of Rényi's random sequential adsorption at time
/// `τ` (arrivals per car length), from its integral formula.
pub fn parking_coverage(tau: f64) -> Result<f64> {
    if tau.is_nan() || tau < 0.0 {
        return Err(Error::invalid("tau", tau, "must be >= 0 (infinity allowed)"));
    }
    let f = |s: f64| (-2.0 * ein(s)).exp();
    // The integrand decays like e^{−2γ}/s²: integrate to 200 on panels, add
    // the tail analytically.
    let upper = tau.min(200.0);
    let mut total = 0.0;
    let panels = 400;
    for k in 0..panels {
        let (a, b) = (upper * k as f64 / panels as f64, upper * (k + 1) as f64 / panels as f64);
        total += gauss_legendre(&f, a, b);
    }
    if tau > 200.0 {
        // ∫_200^τ e^{−2γ} s^{−2} ds (E₁ is below 1e-88 there).
        let c = (-2.0 * 0.577_215_664_901_532_9f64).exp();
        total += c * (1.0 / 200.0 - if tau.is_finite() { 1.0 / tau } else { 0.0 });
    }
    Ok(total)
}

/// Rényi's parking constant `c_R = θ(∞) ≈ 0.7475979202534`.
pub fn renyi_constant() -> f64 {
    parking_coverage(f64::INFINITY).expect("infinity is a valid time")
}

/// Expected number of ordinary Rényi centres among `n` iid uniform tokens
/// on the circle: random sequential adsorption on a circle of `L = 2π/δ`
/// car lengths at `τ = n/L` arrivals per car length,
///
/// ```text
/// L·θ(τ) + (1 − e^{−τ}) θ′(τ),     θ′(τ) = e^{−2 Ein(τ)}.
/// ```
///
/// The first term is the continuum (Poisson-arrival) value, exact on a ring
/// at saturation up to super-exponentially small terms (the first car
/// leaves an interval of `L − 1`, and Rényi's `M(x) = c_R x + c_R − 1 + …`);
/// the second is the first-order correction for exactly `n` arrivals
/// instead of Poisson(`n`) (`−½ τ θ″(τ)` by the delta method, since
/// `θ″ = −2(1 − e^{−τ})θ′/τ`); it is 0.02 at `n = 50`, `δ = 0.5` and
/// vanishes with `τ`.
pub fn expected_renyi_centres_circle(n: usize, delta: f64) -> Result<f64> {
    check_delta(delta)?;
    let cars = 2.0 * std::f64::consts::PI / delta;
    let tau = n as f64 / cars;
    Ok(parking_coverage(tau)? * cars + (1.0 - (-tau).exp()) * (-2.0 * ein(tau)).exp())
}

/// The most grid steps [`parking_mean`] takes (about 10⁹ operations).
pub const PARKING_MAX_STEPS: usize = 20_000;

/// Rényi's mean number of cars `M(x)` parked on an interval of length `x`
/// car lengths, from his integral equation, on a grid of step `h`.
///
/// The march is quadratic in the number of grid steps `(x − 1)/h`, which is
/// limited to [`PARKING_MAX_STEPS`] (an error beyond, not a hang); for long
/// intervals use `M(x) ≈ c_R x − (1 − c_R)` ([`renyi_constant`]).
pub fn parking_mean(x: f64, h: f64) -> Result<f64> {
    if !(x >= 0.0 && x.is_finite()) {
        return Err(Error::invalid("x", x, "must be finite and >= 0"));
    }
    if !(h > 0.0 && h <= 0.1) {
        return Err(Error::invalid("h", h, "grid step must lie in (0, 0.1]"));
    }
    if x < 1.0 {
        return Ok(0.0);
    }
    // M(y) = 1 + (2/(y−1)) I(y−1),  I(s) = ∫_0^s M. March y on the grid
    // y_k = 1 + k h: I(y_k − 1) = I(k h) uses M on [0, k h], known for
    // k h ≤ y_k − 1 < y_k. Trapezoid, with M linearly interpolated.
    let steps = ((x - 1.0) / h).ceil();
    if steps > PARKING_MAX_STEPS as f64 {
        return Err(Error::invalid("x / h", steps, "needs at most PARKING_MAX_STEPS = 20000 grid steps"));
    }
    let steps = steps as usize;
    let h = if steps == 0 { 0.0 } else { (x - 1.0) / steps as f64 };
    // m[k] = M(1 + k h); M = 0 on [0, 1).
    let mut m: Vec<f64> = Vec::with_capacity(steps + 1);
    let m_at = |m: &Vec<f64>, t: f64| -> f64 {
        if t < 1.0 {
            0.0
        } else if h == 0.0 {
            1.0
        } else {
            let u = (t - 1.0) / h;
            let i = (u.floor() as usize).min(m.len().saturating_sub(1));
            let f = u - i as f64;
            if i + 1 < m.len() { m[i] * (1.0 - f) + m[i + 1] * f } else { m[i] }
        }
    };
    m.push(1.0);
    for k in 1..=steps {
        let s = k as f64 * h; // y − 1
        // ∫_1^s M: M is 0 below 1, jumps to 1 at 1.
        let integral = if s <= 1.0 {
            0.0
        } else {
            let sub = ((s - 1.0) / h).ceil().max(1.0) as usize;
            let w = (s - 1.0) / sub as f64;
            (0..sub).map(|i| 0.5 * w * (m_at(&m, 1.0 + i as f64 * w) + m_at(&m, 1.0 + (i + 1) as f64 * w))).sum()
        };
        m.push(1.0 + 2.0 / s * integral);
    }
    Ok(*m.last().expect("non-empty"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use infoflow_numerics::rng::Streams;

    #[test]
    fn renyi_constant_matches_the_literature() {
        // Rényi (1958): 0.7475979202534...
        assert_abs_diff_eq!(renyi_constant(), 0.747_597_920_253_4, epsilon = 1e-10);
        // Small τ: θ ≈ τ − τ² (few collisions).
        let t = 1e-3;
        assert_abs_diff_eq!(parking_coverage(t).unwrap(), t - t * t, epsilon = 1e-8);
    }

    #[test]
    fn ein_agrees_on_both_branches() {
        for s in [3.9, 4.0, 4.1] {
            const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;
            // E1(4) = 0.003779352409848906 (A&S table 5.1).
            let series = ein(s);
            let via_e1 = EULER_GAMMA + s.ln() + e1(s);
            assert_abs_diff_eq!(series, via_e1, epsilon = 1e-12);
        }
        assert_abs_diff_eq!(e1(4.0), 0.003_779_352_409_848_906, epsilon = 1e-15);
    }

    #[test]
    fn parking_mean_small_intervals_and_slope() {
        // Exact: M(x) = 1 on [1, 2); M(x) = 1 + 2(x−2)/(x−1)... for x in [2, 3).
        assert_eq!(parking_mean(0.5, 0.01).unwrap(), 0.0);
        assert_abs_diff_eq!(parking_mean(1.5, 0.001).unwrap(), 1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(parking_mean(2.5, 0.001).unwrap(), 1.0 + 2.0 * 0.5 / 1.5, epsilon = 2e-3);
        // M(x) = c_R x − (1 − c_R) + o(1).
        let x = 40.0;
        let m = parking_mean(x, 0.01).unwrap();
        let c = renyi_constant();
        assert_abs_diff_eq!(m, c * x - (1.0 - c), epsilon = 5e-3);
    }

    #[test]
    fn centre_selection() {
        let p = Particles::on_circle(&[0.0, 0.1, 1.0, 0.95, 2.0]).unwrap();
        assert_eq!(renyi_centres(&p, 0.5).unwrap(), vec![0, 2, 4]);
        // Token 3 is within 0.5 of token 2 but not of centres... it is within
        // 0.5 of centre 2, so it is not a centre either.
        assert_eq!(strong_renyi_centres(&p, 0.5).unwrap(), vec![0, 2, 4]);
        let q = Particles::on_circle(&[0.0, 0.4, 0.8]).unwrap();
        // 0.8 is > 0.5 from centre 0 (so a centre) but within 0.5 of token 1 (not strong).
        assert_eq!(renyi_centres(&q, 0.5).unwrap(), vec![0, 2]);
        assert_eq!(strong_renyi_centres(&q, 0.5).unwrap(), vec![0]);
        assert!(renyi_centres(&q, 0.0).is_err());
    }

    #[test]
    fn counts_match_monte_carlo() {
        let (n, delta, reps) = (200, 0.5, 400);
        let (mut strong, mut ordinary) = (0.0, 0.0);
        let streams = Streams::for_point(4, "particles.renyi", "mc");
        for r in 0..reps {
            let mut rng = streams.stream(r);
            let p = Particles::uniform(n, 2, &mut rng).unwrap();
            strong += strong_renyi_centres(&p, delta).unwrap().len() as f64 / reps as f64;
            ordinary += renyi_centres(&p, delta).unwrap().len() as f64 / reps as f64;
        }
        // Standard errors are about 0.05 here.
        assert_abs_diff_eq!(strong, expected_strong_centres(2, n, delta).unwrap(), epsilon = 0.25);
        assert_abs_diff_eq!(ordinary, expected_renyi_centres_circle(n, delta).unwrap(), epsilon = 0.25);
        // particles.md worked numbers: π/δ = 6.28 strong; ≈ 9.15 ordinary.
        assert_abs_diff_eq!(
            expected_strong_centres(2, n, delta).unwrap(),
            std::f64::consts::PI / delta,
            epsilon = 0.01
        );
        assert_abs_diff_eq!(expected_renyi_centres_circle(n, delta).unwrap(), 9.15, epsilon = 0.05);
    }
}
