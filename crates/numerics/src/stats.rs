//! Statistics for Monte-Carlo experiments: running moments, binomial
//! confidence intervals, histograms, quantiles, least-squares line fits and
//! the Kolmogorov–Smirnov test.
//!
//! # Conventions
//!
//! * Variances are **sample** variances (divisor `n − 1`); the standard error
//!   of a mean is `sqrt(s² / n)`.
//! * Confidence levels are two-sided probabilities in `(0, 1)`, e.g. `0.99`.
//! * Quantiles interpolate linearly between order statistics (numpy's default
//!   `method="linear"`, Hyndman–Fan type 7).
//! * Histogram bins are `[e_k, e_{k+1})`, except the last, which is closed
//!   (numpy's convention). Values outside `[lo, hi]` are counted as underflow
//!   and overflow.
//! * Line fits are ordinary least squares `y = a + b x` with the textbook
//!   standard errors (`n − 2` degrees of freedom); [`fit_loglog`] and
//!   [`fit_semilog`] fit `ln y` against `ln x` or `x`.
//!
//! ```
//! use infoflow_numerics::stats::{self, Welford};
//!
//! let mut w = Welford::new();
//! w.extend([1.0, 2.0, 3.0, 4.0]);
//! assert_eq!(w.mean()?, 2.5);
//! let ci = stats::wilson_interval(5, 10, 0.95)?;
//! assert!(ci.contains(0.5));
//! let fit = stats::fit_loglog(&[1.0, 10.0, 100.0], &[1.0, 0.1, 0.01])?;
//! assert!((fit.slope + 1.0).abs() < 1e-12);
//! # Ok::<(), infoflow_numerics::Error>(())
//! ```

use crate::error::{Error, Result, ensure_finite, ensure_len};
use statrs::distribution::{Beta, ContinuousCDF, Normal};

fn check_confidence(confidence: f64) -> Result<f64> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(1.0 - confidence)
    } else {
        Err(Error::invalid("confidence", confidence, "must lie in (0, 1)"))
    }
}

/// The standard normal quantile `z` with `P(|Z| ≤ z) = confidence`.
pub fn two_sided_z(confidence: f64) -> Result<f64> {
    let alpha = check_confidence(confidence)?;
    Ok(Normal::standard().inverse_cdf(1.0 - alpha / 2.0))
}

/// Running mean and variance (Welford's algorithm), mergeable across
/// batches (Chan et al.), so parallel reductions over fixed batches are
/// deterministic.
///
/// Non-finite values may be pushed without a check in the hot loop; they are
/// counted, and every query then returns [`Error::NonFinite`] instead of a
/// `NaN`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Welford {
    count: u64,
    mean: f64,
    m2: f64,
    non_finite: u64,
}

impl Welford {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one observation.
    #[inline]
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            self.non_finite += 1;
            return;
        }
        self.count += 1;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Adds every observation of an iterator.
    pub fn extend<I: IntoIterator<Item = f64>>(&mut self, xs: I) {
        xs.into_iter().for_each(|x| self.push(x));
    }

    /// Combines with another accumulator as if its observations had been
    /// pushed here.
    pub fn merge(&mut self, other: &Welford) {
        self.non_finite += other.non_finite;
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            let non_finite = self.non_finite;
            *self = other.clone();
            self.non_finite = non_finite;
            return;
        }
        let n = (self.count + other.count) as f64;
        let delta = other.mean - self.mean;
        self.mean += delta * other.count as f64 / n;
        self.m2 += other.m2 + delta * delta * (self.count as f64) * (other.count as f64) / n;
        self.count += other.count;
    }

    /// Number of finite observations.
    pub fn count(&self) -> u64 {
        self.count
    }

    fn check(&self, required: u64) -> Result<()> {
        if self.non_finite > 0 {
            return Err(Error::NonFinite { context: "Welford" });
        }
        if self.count < required {
            return Err(Error::TooFew { context: "Welford", required: required as usize, found: self.count as usize });
        }
        Ok(())
    }

    /// Sample mean (needs one observation).
    pub fn mean(&self) -> Result<f64> {
        self.check(1)?;
        Ok(self.mean)
    }

    /// Sample variance with divisor `n − 1` (needs two observations).
    pub fn variance(&self) -> Result<f64> {
        self.check(2)?;
        Ok(self.m2 / (self.count - 1) as f64)
    }

    /// Sample standard deviation.
    pub fn std_dev(&self) -> Result<f64> {
        Ok(self.variance()?.sqrt())
    }

    /// Standard error of the mean, `sqrt(s² / n)`.
    pub fn std_error(&self) -> Result<f64> {
        Ok((self.variance()? / self.count as f64).sqrt())
    }
}

/// A closed interval `[lo, hi]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

impl Interval {
    /// Whether `lo ≤ x ≤ hi` (false for `NaN`).
    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }

    /// `hi − lo`.
    pub fn width(&self) -> f64 {
        self.hi - self.lo
    }
}

fn check_binomial(successes: u64, trials: u64) -> Result<()> {
    if trials == 0 {
        return Err(Error::TooFew { context: "binomial interval: trials", required: 1, found: 0 });
    }
    if successes > trials {
        return Err(Error::invalid("successes", successes, "must not exceed the number of trials"));
    }
    Ok(())
}

/// Wilson score interval for a binomial proportion.
///
/// `p̂ = k/n`, `z` the two-sided normal quantile:
/// `(p̂ + z²/2n ± z sqrt(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)`.
pub fn wilson_interval(successes: u64, trials: u64, confidence: f64) -> Result<Interval> {
    check_binomial(successes, trials)?;
    let z = two_sided_z(confidence)?;
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    // At k = 0 (k = n) the bound is exactly 0 (1); rounding would leave it a
    // few ulps inside, excluding a true proportion of 0 (1).
    let lo = if successes == 0 { 0.0 } else { (centre - half).max(0.0) };
    let hi = if successes == trials { 1.0 } else { (centre + half).min(1.0) };
    Ok(Interval { lo, hi })
}

/// Clopper–Pearson ("exact") interval for a binomial proportion, from Beta
/// quantiles: `[B(α/2; k, n−k+1), B(1−α/2; k+1, n−k)]`, with `0` and `1` at
/// `k = 0` and `k = n`.
pub fn clopper_pearson_interval(successes: u64, trials: u64, confidence: f64) -> Result<Interval> {
    check_binomial(successes, trials)?;
    let alpha = check_confidence(confidence)?;
    let (k, n) = (successes as f64, trials as f64);
    let quantile = |a: f64, b: f64, p: f64| {
        Beta::new(a, b)
            .map(|d| d.inverse_cdf(p))
            .map_err(|_| Error::invalid("binomial counts", format!("{successes}/{trials}"), "Beta quantile failed"))
    };
    let lo = if successes == 0 { 0.0 } else { quantile(k, n - k + 1.0, alpha / 2.0)? };
    let hi = if successes == trials { 1.0 } else { quantile(k + 1.0, n - k, 1.0 - alpha / 2.0)? };
    Ok(Interval { lo, hi })
}

/// A histogram with equal-width bins on `[lo, hi]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    lo: f64,
    hi: f64,
    counts: Vec<u64>,
    underflow: u64,
    overflow: u64,
    non_finite: u64,
}

impl Histogram {
    /// `bins ≥ 1` equal bins on `[lo, hi]`, `lo < hi` finite.
    pub fn new(lo: f64, hi: f64, bins: usize) -> Result<Self> {
        if !(lo.is_finite() && hi.is_finite() && lo < hi && (hi - lo).is_finite()) {
            return Err(Error::invalid("range", format!("[{lo}, {hi}]"), "needs finite lo < hi with a finite width"));
        }
        if bins == 0 {
            return Err(Error::invalid("bins", bins, "needs at least one bin"));
        }
        let counts = crate::error::try_vec(bins, 0, "Histogram::new: bins")?;
        Ok(Self { lo, hi, counts, underflow: 0, overflow: 0, non_finite: 0 })
    }

    /// Counts one value.
    #[inline]
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            self.non_finite += 1;
        } else if x < self.lo {
            self.underflow += 1;
        } else if x > self.hi {
            self.overflow += 1;
        } else {
            let bins = self.counts.len();
            let k = ((x - self.lo) / (self.hi - self.lo) * bins as f64) as usize;
            self.counts[k.min(bins - 1)] += 1;
        }
    }

    /// Counts every value of an iterator.
    pub fn extend<I: IntoIterator<Item = f64>>(&mut self, xs: I) {
        xs.into_iter().for_each(|x| self.add(x));
    }

    /// Adds another histogram's counts; the binning must be identical.
    pub fn merge(&mut self, other: &Histogram) -> Result<()> {
        if self.lo != other.lo || self.hi != other.hi || self.counts.len() != other.counts.len() {
            return Err(Error::invalid("histogram", "different binning", "only identical binnings merge"));
        }
        self.counts.iter_mut().zip(&other.counts).for_each(|(a, b)| *a += b);
        self.underflow += other.underflow;
        self.overflow += other.overflow;
        self.non_finite += other.non_finite;
        Ok(())
    }

    /// Counts per bin.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The `bins + 1` bin edges.
    pub fn edges(&self) -> Vec<f64> {
        let n = self.counts.len();
        (0..=n).map(|k| self.lo + (self.hi - self.lo) * k as f64 / n as f64).collect()
    }

    /// Bin centres.
    pub fn centres(&self) -> Vec<f64> {
        let e = self.edges();
        e.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect()
    }

    /// Bin width.
    pub fn bin_width(&self) -> f64 {
        (self.hi - self.lo) / self.counts.len() as f64
    }

    /// Values below `lo`.
    pub fn underflow(&self) -> u64 {
        self.underflow
    }

    /// Values above `hi`.
    pub fn overflow(&self) -> u64 {
        self.overflow
    }

    /// Non-finite values seen (not binned).
    pub fn non_finite(&self) -> u64 {
        self.non_finite
    }

    /// All finite values seen, in range or not.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.underflow + self.overflow
    }

    /// Density estimate per bin: `count / (total · width)`, where `total`
    /// includes out-of-range values, so it estimates the probability density
    /// even when `[lo, hi]` truncates the support. An error when empty.
    pub fn density(&self) -> Result<Vec<f64>> {
        let total = self.total();
        if total == 0 {
            return Err(Error::TooFew { context: "Histogram::density", required: 1, found: 0 });
        }
        let s = 1.0 / (total as f64 * self.bin_width());
        Ok(self.counts.iter().map(|&c| c as f64 * s).collect())
    }
}

/// The `p`-quantile of already sorted, finite data (linear interpolation).
fn quantile_of_sorted(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (i, frac) = (h.floor() as usize, h - h.floor());
    if i + 1 >= sorted.len() {
        return sorted[i];
    }
    let (a, b) = (sorted[i], sorted[i + 1]);
    let v = a + frac * (b - a);
    // `b − a` overflows only for data spanning more than f64::MAX.
    if v.is_finite() { v } else { a * (1.0 - frac) + b * frac }
}

fn check_quantile_inputs(data: &[f64], ps: &[f64]) -> Result<Vec<f64>> {
    if data.is_empty() {
        return Err(Error::TooFew { context: "quantile: data", required: 1, found: 0 });
    }
    ensure_finite("quantile: data", data)?;
    if let Some(&p) = ps.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(Error::invalid("p", p, "a quantile level lies in [0, 1]"));
    }
    let mut sorted = data.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    Ok(sorted)
}

/// The `p`-quantile of `data` (numpy's linear method).
pub fn quantile(data: &[f64], p: f64) -> Result<f64> {
    let sorted = check_quantile_inputs(data, &[p])?;
    Ok(quantile_of_sorted(&sorted, p))
}

/// Several quantiles of `data`, sorting once.
pub fn quantiles(data: &[f64], ps: &[f64]) -> Result<Vec<f64>> {
    let sorted = check_quantile_inputs(data, ps)?;
    Ok(ps.iter().map(|&p| quantile_of_sorted(&sorted, p)).collect())
}

/// An ordinary least-squares line `y = intercept + slope · x`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineFit {
    /// Slope `b`.
    pub slope: f64,
    /// Intercept `a`.
    pub intercept: f64,
    /// Standard error of the slope, `sqrt(σ̂² / Sxx)`.
    pub slope_std_error: f64,
    /// Standard error of the intercept, `sqrt(σ̂² (1/n + x̄²/Sxx))`.
    pub intercept_std_error: f64,
    /// Coefficient of determination (1 when all `y` are equal and fitted).
    pub r_squared: f64,
    /// Number of points.
    pub n: usize,
}

impl LineFit {
    /// Whether the slope lies within `tolerance` of `target`.
    pub fn slope_within(&self, target: f64, tolerance: f64) -> bool {
        (self.slope - target).abs() <= tolerance
    }

    /// The fit, or a `NonFinite` error when any of its numbers is not finite.
    fn checked(self, context: &'static str) -> Result<Self> {
        let parts = [self.slope, self.intercept, self.slope_std_error, self.intercept_std_error, self.r_squared];
        if parts.iter().all(|v| v.is_finite()) { Ok(self) } else { Err(Error::NonFinite { context }) }
    }
}

/// Ordinary least squares on `(x, y)`; needs three points and two distinct
/// `x` values (the standard errors have `n − 2` degrees of freedom).
pub fn fit_line(x: &[f64], y: &[f64]) -> Result<LineFit> {
    ensure_len("fit_line: y vs x", x.len(), y.len())?;
    if x.len() < 3 {
        return Err(Error::TooFew { context: "fit_line", required: 3, found: x.len() });
    }
    ensure_finite("fit_line: x", x)?;
    ensure_finite("fit_line: y", y)?;
    let n = x.len() as f64;
    let xm = x.iter().sum::<f64>() / n;
    let ym = y.iter().sum::<f64>() / n;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        sxx += (a - xm) * (a - xm);
        sxy += (a - xm) * (b - ym);
        syy += (b - ym) * (b - ym);
    }
    if !(sxx.is_finite() && sxy.is_finite() && syy.is_finite()) {
        return Err(Error::NonFinite { context: "fit_line: the sums overflow f64 (rescale the data)" });
    }
    if sxx == 0.0 {
        return Err(Error::invalid("x", "all equal", "a line fit needs two distinct x values"));
    }
    let slope = sxy / sxx;
    let intercept = ym - slope * xm;
    let rss: f64 = x.iter().zip(y).map(|(&a, &b)| (b - intercept - slope * a).powi(2)).sum();
    let sigma2 = rss / (n - 2.0);
    let fit = LineFit {
        slope,
        intercept,
        slope_std_error: (sigma2 / sxx).sqrt(),
        intercept_std_error: (sigma2 * (1.0 / n + xm * xm / sxx)).sqrt(),
        r_squared: if syy == 0.0 { 1.0 } else { 1.0 - rss / syy },
        n: x.len(),
    };
    fit.checked("fit_line: the sums overflow f64 (rescale the data)")
}

/// Weighted least squares on `(x, y)` where each `y_i` carries a known
/// standard error `sigma_i > 0` (weights `1/σ_i²`). The standard errors are
/// the known-variance ones, `sqrt(1/(S·Var_w x))` for the slope, not
/// rescaled by the residuals, so a curve that is not a line shows up as a
/// slope far from its target in units of its error rather than as a wider
/// error. `r_squared` is the weighted coefficient of determination. Needs
/// two points and two distinct `x` values.
pub fn fit_line_weighted(x: &[f64], y: &[f64], sigma: &[f64]) -> Result<LineFit> {
    ensure_len("fit_line_weighted: y vs x", x.len(), y.len())?;
    ensure_len("fit_line_weighted: sigma vs x", x.len(), sigma.len())?;
    if x.len() < 2 {
        return Err(Error::TooFew { context: "fit_line_weighted", required: 2, found: x.len() });
    }
    ensure_finite("fit_line_weighted: x", x)?;
    ensure_finite("fit_line_weighted: y", y)?;
    if let Some(&bad) = sigma.iter().find(|&&s| !(s > 0.0 && s.is_finite())) {
        return Err(Error::invalid("sigma", bad, "standard errors are positive and finite"));
    }
    let w: Vec<f64> = sigma.iter().map(|s| 1.0 / (s * s)).collect();
    let sw: f64 = w.iter().sum();
    let xm = w.iter().zip(x).map(|(w, a)| w * a).sum::<f64>() / sw;
    let ym = w.iter().zip(y).map(|(w, b)| w * b).sum::<f64>() / sw;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for ((&a, &b), &wi) in x.iter().zip(y).zip(&w) {
        sxx += wi * (a - xm) * (a - xm);
        sxy += wi * (a - xm) * (b - ym);
        syy += wi * (b - ym) * (b - ym);
    }
    if !(sw.is_finite() && sxx.is_finite() && sxy.is_finite() && syy.is_finite()) {
        return Err(Error::NonFinite { context: "fit_line_weighted: the sums overflow f64 (rescale the data)" });
    }
    if sxx == 0.0 {
        return Err(Error::invalid("x", "all equal", "a line fit needs two distinct x values"));
    }
    let slope = sxy / sxx;
    let intercept = ym - slope * xm;
    let rss: f64 = x.iter().zip(y).zip(&w).map(|((&a, &b), wi)| wi * (b - intercept - slope * a).powi(2)).sum();
    let fit = LineFit {
        slope,
        intercept,
        slope_std_error: (1.0 / sxx).sqrt(),
        intercept_std_error: (1.0 / sw + xm * xm / sxx).sqrt(),
        r_squared: if syy == 0.0 { 1.0 } else { 1.0 - rss / syy },
        n: x.len(),
    };
    fit.checked("fit_line_weighted: the sums overflow f64 (rescale the data)")
}

fn logs(context: &'static str, v: &[f64]) -> Result<Vec<f64>> {
    if let Some(&bad) = v.iter().find(|&&a| !(a > 0.0 && a.is_finite())) {
        return Err(Error::invalid(context, bad, "a logarithmic fit needs positive finite values"));
    }
    Ok(v.iter().map(|a| a.ln()).collect())
}

/// Fits `ln y = intercept + slope · ln x` (power law `y = e^a x^b`).
pub fn fit_loglog(x: &[f64], y: &[f64]) -> Result<LineFit> {
    fit_line(&logs("x", x)?, &logs("y", y)?)
}

/// Fits `ln y = intercept + slope · x` (exponential law `y = e^a e^{b x}`).
pub fn fit_semilog(x: &[f64], y: &[f64]) -> Result<LineFit> {
    fit_line(x, &logs("y", y)?)
}

/// The Kolmogorov–Smirnov distance `sup_t |F_n(t) − F(t)|` between the
/// empirical distribution of `samples` and a continuous CDF `cdf`.
pub fn ks_statistic<F: Fn(f64) -> f64>(samples: &[f64], cdf: F) -> Result<f64> {
    if samples.is_empty() {
        return Err(Error::TooFew { context: "ks_statistic", required: 1, found: 0 });
    }
    ensure_finite("ks_statistic: samples", samples)?;
    let mut sorted = samples.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mut d: f64 = 0.0;
    for (i, &x) in sorted.iter().enumerate() {
        let f = cdf(x);
        if !(0.0..=1.0).contains(&f) {
            return Err(Error::invalid("cdf", f, "a CDF takes values in [0, 1]"));
        }
        d = d.max(f - i as f64 / n).max((i + 1) as f64 / n - f);
    }
    Ok(d)
}

/// The Kolmogorov distribution's survival function
/// `Q(λ) = P(K > λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}`.
pub fn kolmogorov_sf(lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return 1.0;
    }
    if lambda < 0.2 {
        // Q(0.2) = 1 − 4e−27: the alternating series converges slowly here.
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let kf = k as f64;
        let term = (-2.0 * kf * kf * lambda * lambda).exp();
        sum += if k % 2 == 1 { term } else { -term };
        if term < 1e-17 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// Approximate p-value of a KS distance `d` from `n` samples, by Stephens'
/// finite-sample correction `Q((√n + 0.12 + 0.11/√n) d)` (Numerical Recipes
/// §14.3; accurate to about 1% for `n ≥ 5` at the usual levels).
pub fn ks_p_value(d: f64, n: usize) -> Result<f64> {
    if n == 0 {
        return Err(Error::TooFew { context: "ks_p_value", required: 1, found: 0 });
    }
    if !(0.0..=1.0).contains(&d) {
        return Err(Error::invalid("d", d, "a KS distance lies in [0, 1]"));
    }
    let s = (n as f64).sqrt();
    Ok(kolmogorov_sf((s + 0.12 + 0.11 / s) * d))
}

/// The KS distance at which [`ks_p_value`] equals `alpha`: reject the null
/// at level `alpha` when the distance exceeds it.
pub fn ks_critical_value(n: usize, alpha: f64) -> Result<f64> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid("alpha", alpha, "a level lies in (0, 1)"));
    }
    if n == 0 {
        return Err(Error::TooFew { context: "ks_critical_value", required: 1, found: 0 });
    }
    // Q is decreasing: bisect on λ, then undo Stephens' scaling.
    let (mut lo, mut hi) = (0.0, 10.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if kolmogorov_sf(mid) > alpha { lo = mid } else { hi = mid }
    }
    let s = (n as f64).sqrt();
    Ok((0.5 * (lo + hi) / (s + 0.12 + 0.11 / s)).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use proptest::prelude::*;

    #[test]
    fn welford_matches_two_pass() {
        let xs: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1000) as f64 * 1e-3 + 1e6).collect();
        let mut w = Welford::new();
        w.extend(xs.iter().copied());
        let mean = xs.iter().sum::<f64>() / 1000.0;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 999.0;
        assert_abs_diff_eq!(w.mean().unwrap(), mean, epsilon = 1e-9);
        assert_abs_diff_eq!(w.variance().unwrap(), var, epsilon = 1e-9);
        assert_abs_diff_eq!(w.std_error().unwrap(), (var / 1000.0).sqrt(), epsilon = 1e-12);
    }

    #[test]
    fn welford_reports_bad_states() {
        let mut w = Welford::new();
        assert!(matches!(w.mean(), Err(Error::TooFew { .. })));
        w.push(1.0);
        assert!(w.mean().is_ok());
        assert!(matches!(w.variance(), Err(Error::TooFew { .. })));
        w.push(f64::NAN);
        assert!(matches!(w.mean(), Err(Error::NonFinite { .. })));
    }

    #[test]
    fn binomial_intervals_known_values() {
        // Reference values: statsmodels proportion_confint (methods 'beta', 'wilson').
        let cp = clopper_pearson_interval(5, 10, 0.95).unwrap();
        assert_abs_diff_eq!(cp.lo, 0.187_086_028_447_398_55, epsilon = 1e-9);
        assert_abs_diff_eq!(cp.hi, 0.812_913_971_552_601_5, epsilon = 1e-9);
        let cp0 = clopper_pearson_interval(0, 10, 0.95).unwrap();
        assert_eq!(cp0.lo, 0.0);
        assert_abs_diff_eq!(cp0.hi, 0.308_497_107_818_760_8, epsilon = 1e-9);
        let w = wilson_interval(5, 10, 0.95).unwrap();
        assert_abs_diff_eq!(w.lo, 0.236_593_090_512_564_6, epsilon = 1e-9);
        assert_abs_diff_eq!(w.hi, 0.763_406_909_487_435_4, epsilon = 1e-9);
        let w0 = wilson_interval(0, 20, 0.99).unwrap();
        assert_eq!(w0.lo, 0.0);
        assert!(w0.hi > 0.2 && w0.hi < 0.3);
        assert_abs_diff_eq!(two_sided_z(0.95).unwrap(), 1.959_963_984_540_054, epsilon = 1e-9);
    }

    #[test]
    fn histogram_bins_like_numpy() {
        let mut h = Histogram::new(0.0, 1.0, 4).unwrap();
        h.extend([0.0, 0.1, 0.25, 0.5, 0.99, 1.0, -0.1, 1.5, f64::NAN]);
        assert_eq!(h.counts(), &[2, 1, 1, 2]);
        assert_eq!((h.underflow(), h.overflow(), h.non_finite(), h.total()), (1, 1, 1, 8));
        assert_eq!(h.edges(), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        let d = h.density().unwrap();
        assert_abs_diff_eq!(d[0], 2.0 / (8.0 * 0.25), epsilon = 1e-15);
        let mut g = Histogram::new(0.0, 1.0, 4).unwrap();
        g.add(0.3);
        h.merge(&g).unwrap();
        assert_eq!(h.counts(), &[2, 2, 1, 2]);
        assert!(h.merge(&Histogram::new(0.0, 2.0, 4).unwrap()).is_err());
    }

    #[test]
    fn quantiles_like_numpy() {
        let data = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        // numpy.quantile(data, [0, 0.25, 0.5, 0.9, 1]) = [1, 1.75, 3.5, 6.9, 9]
        let q = quantiles(&data, &[0.0, 0.25, 0.5, 0.9, 1.0]).unwrap();
        for (a, b) in q.iter().zip([1.0, 1.75, 3.5, 6.9, 9.0]) {
            assert_abs_diff_eq!(*a, b, epsilon = 1e-12);
        }
        assert_eq!(quantile(&[7.0], 0.3).unwrap(), 7.0);
    }

    #[test]
    fn line_fit_recovers_known_line_and_errors() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.1, 3.9, 6.2, 7.8, 10.1];
        let f = fit_line(&x, &y).unwrap();
        // scipy.stats.linregress on the same data.
        assert_abs_diff_eq!(f.slope, 1.99, epsilon = 1e-12);
        assert_abs_diff_eq!(f.intercept, 0.05, epsilon = 1e-12);
        assert_abs_diff_eq!(f.slope_std_error, 0.059_721_576_223_897_795, epsilon = 1e-12);
        assert_abs_diff_eq!(f.intercept_std_error, 0.198_074_060_223_279_06, epsilon = 1e-12);
        let s = fit_semilog(&[0.0, 1.0, 2.0], &[1.0, 0.5, 0.25]).unwrap();
        assert_abs_diff_eq!(s.slope, -std::f64::consts::LN_2, epsilon = 1e-12);
        assert!(s.slope_std_error < 1e-12);
    }

    #[test]
    fn wilson_is_exact_at_the_ends() {
        for n in [1, 7, 3000, 100_000] {
            assert_eq!(wilson_interval(n, n, 0.9999).unwrap().hi, 1.0);
            assert_eq!(wilson_interval(0, n, 0.9999).unwrap().lo, 0.0);
        }
    }

    #[test]
    fn weighted_line_fit_by_hand() {
        // Weights 1, 1, 1/4: x̄_w = 2/3, ȳ_w = 7/9, S_xx = 1, S_xy = 4/3.
        let f = fit_line_weighted(&[0.0, 1.0, 2.0], &[0.0, 1.0, 3.0], &[1.0, 1.0, 2.0]).unwrap();
        assert_abs_diff_eq!(f.slope, 4.0 / 3.0, epsilon = 1e-12);
        assert_abs_diff_eq!(f.intercept, -1.0 / 9.0, epsilon = 1e-12);
        assert_abs_diff_eq!(f.slope_std_error, 1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(f.intercept_std_error, (8.0f64 / 9.0).sqrt(), epsilon = 1e-12);
        // Equal errors: the ordinary slope, with the error σ/√Sxx.
        let (x, y) = ([1.0, 2.0, 3.0, 4.0, 5.0], [2.1, 3.9, 6.2, 7.8, 10.1]);
        let g = fit_line_weighted(&x, &y, &[0.5; 5]).unwrap();
        assert_abs_diff_eq!(g.slope, 1.99, epsilon = 1e-12);
        assert_abs_diff_eq!(g.slope_std_error, 0.5 / 10f64.sqrt(), epsilon = 1e-12);
        assert!(fit_line_weighted(&x, &y, &[0.5, 0.5, 0.0, 0.5, 0.5]).is_err());
        assert!(fit_line_weighted(&x, &y, &[0.5; 4]).is_err());
        assert!(fit_line_weighted(&[1.0, 1.0], &[1.0, 2.0], &[1.0, 1.0]).is_err());
    }

    #[test]
    fn kolmogorov_known_quantiles() {
        // Asymptotic critical values: 1.3581 (5%), 1.6276 (1%).
        assert_abs_diff_eq!(kolmogorov_sf(1.358_098_6), 0.05, epsilon = 1e-6);
        assert_abs_diff_eq!(kolmogorov_sf(1.627_624), 0.01, epsilon = 1e-6);
        let c = ks_critical_value(10_000, 0.01).unwrap();
        assert_abs_diff_eq!(c * (100.0 + 0.12 + 0.0011), 1.627_624, epsilon = 1e-5);
        assert_abs_diff_eq!(ks_p_value(c, 10_000).unwrap(), 0.01, epsilon = 1e-9);
    }

    #[test]
    fn ks_statistic_of_a_perfect_grid() {
        // Samples at (i + 1/2)/n under U(0,1): D = 1/(2n).
        let n = 50;
        let s: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / n as f64).collect();
        let d = ks_statistic(&s, |x| x.clamp(0.0, 1.0)).unwrap();
        assert_abs_diff_eq!(d, 0.5 / n as f64, epsilon = 1e-15);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(wilson_interval(3, 0, 0.95).is_err());
        assert!(wilson_interval(4, 3, 0.95).is_err());
        assert!(clopper_pearson_interval(1, 3, 1.0).is_err());
        assert!(Histogram::new(1.0, 1.0, 3).is_err());
        assert!(Histogram::new(0.0, 1.0, 0).is_err());
        assert!(Histogram::new(0.0, 1.0, 3).unwrap().density().is_err());
        assert!(quantile(&[], 0.5).is_err());
        assert!(quantile(&[1.0], 1.5).is_err());
        assert!(quantile(&[f64::NAN], 0.5).is_err());
        assert!(fit_line(&[1.0, 2.0], &[1.0, 2.0]).is_err());
        assert!(fit_line(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_err());
        assert!(fit_line(&[1.0, 2.0, 3.0], &[1.0, 2.0]).is_err());
        assert!(fit_loglog(&[1.0, 2.0, 0.0], &[1.0, 2.0, 3.0]).is_err());
        assert!(ks_statistic(&[], |x| x).is_err());
        assert!(ks_statistic(&[0.5], |_| 2.0).is_err());
        assert!(ks_critical_value(0, 0.01).is_err());
        assert!(ks_p_value(1.5, 10).is_err());
    }

    proptest! {
        #[test]
        fn welford_merge_equals_sequential(xs in prop::collection::vec(-1e3f64..1e3, 2..200), split in 0usize..200) {
            let split = split.min(xs.len());
            let mut all = Welford::new();
            all.extend(xs.iter().copied());
            let (mut a, mut b) = (Welford::new(), Welford::new());
            a.extend(xs[..split].iter().copied());
            b.extend(xs[split..].iter().copied());
            a.merge(&b);
            prop_assert_eq!(a.count(), all.count());
            prop_assert!((a.mean().unwrap() - all.mean().unwrap()).abs() < 1e-9);
            prop_assert!((a.variance().unwrap() - all.variance().unwrap()).abs() < 1e-7 * (1.0 + all.variance().unwrap()));
        }

        #[test]
        fn quantiles_are_monotone(xs in prop::collection::vec(-1e3f64..1e3, 1..100), p in 0.0f64..1.0, q in 0.0f64..1.0) {
            let (p, q) = if p <= q { (p, q) } else { (q, p) };
            let v = quantiles(&xs, &[p, q]).unwrap();
            prop_assert!(v[0] <= v[1]);
        }
    }
}
