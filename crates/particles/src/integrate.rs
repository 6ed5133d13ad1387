//! Time integration on the sphere.
//!
//! Three schemes ([`Scheme`]):
//!
//! * **Euler + renormalise**, `x ← (x + h u)/‖x + h u‖` with the attention
//!   output `u` *before* projection: the scheme of the authors' scripts
//!   (first order), kept for comparison with their figures.
//! * **RK4** with exponential-map retraction: classical Runge–Kutta applied
//!   in normal coordinates at the current point. With `y = Exp_x(σ)`, the
//!   dynamics in the chart is `σ' = (dExp_x)_σ⁻¹ f(Exp_x σ)`; on the sphere
//!   `dExp` has a closed form (below), so every stage point lies exactly on
//!   the sphere and the method keeps its fourth order.
//! * **Adaptive** Dormand–Prince 5(4) in the same chart, with error control
//!   on the angle each token moves, an upper bound on that angle per step,
//!   FSAL, and optional merging of coincident tokens. Steps grow
//!   geometrically through metastable plateaus, which is what makes
//!   exponentially long horizons reachable.
//!
//! # The chart
//!
//! For `x ∈ S^{d−1}` and `σ ∈ T_x`, `θ = ‖σ‖`, `e = σ/θ`:
//! `Exp_x(σ) = cos θ x + sin θ e`. A tangent vector `v` at `y = Exp_x(σ)`
//! pulls back to `T_x` as `a e + (θ / sin θ) v⊥`, where `a = ⟨v, g⟩` with
//! `g = −sin θ x + cos θ e` the geodesic direction at `y`, and `v⊥ = v − a g`.
//! Steps are capped at `θ ≤ max_angle < π`, well inside the chart.
//!
//! # Merging
//!
//! For SA and USA (no mask), particles closer than a geodesic tolerance are
//! merged into one particle of the summed mass at their normalised
//! mass-weighted mean: exact for coincident tokens, and the way to remove the
//! stiff intra-cluster modes before a plateau (arXiv 2410.06833 §6 merges at
//! distance `1/√(β log β)`). Under a causal mask coincident tokens can
//! separate again, so merging is refused.

use crate::error::{Error, Result};
use crate::model::{Mask, Particles};
use crate::velocity::{SphereDynamics, VelocityWorkspace};
use faer::{Mat, MatRef};
use infoflow_numerics::sphere;

/// Error-control settings of [`Scheme::Adaptive`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerances {
    /// Absolute tolerance on the angle (radians) each token moves per step.
    pub atol: f64,
    /// Relative tolerance, relative to the angle moved.
    pub rtol: f64,
    /// Largest angle any token may move in one step (radians, `< π/2`).
    pub max_angle: f64,
    /// First step tried.
    pub initial_step: f64,
    /// Largest step.
    pub max_step: f64,
    /// Smallest step before giving up with [`Error::StepSizeUnderflow`].
    pub min_step: f64,
}

impl Default for Tolerances {
    /// `atol = 1e-10`, `rtol = 1e-8`, `max_angle = 0.1`, `initial_step = 1e-3`,
    /// `max_step = ∞`, `min_step = 1e-14`.
    fn default() -> Self {
        Self { atol: 1e-10, rtol: 1e-8, max_angle: 0.1, initial_step: 1e-3, max_step: f64::INFINITY, min_step: 1e-14 }
    }
}

/// A time-stepping scheme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scheme {
    /// Explicit Euler on the unprojected attention output, then renormalise.
    EulerRenormalize {
        /// Step size.
        step: f64,
    },
    /// Classical RK4 in normal coordinates (fixed step).
    Rk4 {
        /// Step size.
        step: f64,
    },
    /// Dormand–Prince 5(4) in normal coordinates with error control.
    Adaptive(Tolerances),
}

/// Something to watch for during a solve; the first time it happens is
/// recorded (interpolated linearly between the two steps around it).
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// Every pair has `⟨x_i, x_j⟩ ≥ 1 − delta`.
    Consensus {
        /// Tolerance `δ`.
        delta: f64,
    },
    /// The number of clusters (connected components of `⟨x_i, x_j⟩ ≥
    /// threshold`) changes; every change is recorded.
    ClusterCount {
        /// Inner-product threshold.
        threshold: f64,
    },
    /// A particle leaves its cap: `centres` (rows, unit) and `epsilon` define
    /// caps `{x : ⟨x, w_q⟩ ≥ 1 − ε}`; each particle is assigned at the start
    /// to the cap it lies in. Particle identities change when particles
    /// merge, so this event is not tracked after the first merge.
    CapEscape {
        /// Cap centres, one per row.
        centres: Mat<f64>,
        /// Cap size `ε`.
        epsilon: f64,
    },
}

/// When an event happened.
#[derive(Clone, Debug, PartialEq)]
pub struct EventHit {
    /// Index of the event in [`SolveOptions::events`].
    pub event: usize,
    /// The time (linear interpolation between steps).
    pub t: f64,
    /// For cluster counts, the new count; otherwise 0.
    pub value: usize,
}

/// Options of a solve.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveOptions {
    /// The scheme.
    pub scheme: Scheme,
    /// Merge particles closer than this geodesic distance (SA and USA only).
    pub merge_tolerance: Option<f64>,
    /// Events to detect.
    pub events: Vec<Event>,
    /// Largest number of steps before giving up (a guard against runaway
    /// solves): an error, not a hang.
    pub max_steps: u64,
}

impl SolveOptions {
    /// Options for `scheme`, no merging, no events, `max_steps = 10⁸`.
    pub fn new(scheme: Scheme) -> Self {
        Self { scheme, merge_tolerance: None, events: Vec::new(), max_steps: 100_000_000 }
    }

    /// With merging at a geodesic tolerance.
    pub fn with_merging(mut self, tolerance: f64) -> Self {
        self.merge_tolerance = Some(tolerance);
        self
    }

    /// With an event.
    pub fn with_event(mut self, event: Event) -> Self {
        self.events.push(event);
        self
    }
}

/// Work counters of a solve.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Accepted steps.
    pub steps: u64,
    /// Rejected steps (adaptive only).
    pub rejected: u64,
    /// Velocity evaluations.
    pub evaluations: u64,
    /// Merges performed.
    pub merges: u64,
}

/// What a solve returns besides the observations.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Events, in the order they happened.
    pub events: Vec<EventHit>,
    /// Work counters.
    pub stats: Stats,
    /// The final state.
    pub last: Particles,
}

struct Tableau {
    a: &'static [&'static [f64]],
    b: &'static [f64],
    /// Embedded weights (error estimate `Σ (b − b̂) K`).
    b_err: &'static [f64],
}

const RK4: Tableau = Tableau {
    a: &[&[], &[0.5], &[0.0, 0.5], &[0.0, 0.0, 1.0]],
    b: &[1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0],
    b_err: &[],
};

/// Dormand–Prince 5(4); the last stage is at the new point (FSAL).
const DP54: Tableau = Tableau {
    a: &[
        &[],
        &[1.0 / 5.0],
        &[3.0 / 40.0, 9.0 / 40.0],
        &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
        &[19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0],
        &[9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0],
        &[35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0],
    ],
    b: &[35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0],
    b_err: &[
        35.0 / 384.0 - 5179.0 / 57600.0,
        0.0,
        500.0 / 1113.0 - 7571.0 / 16695.0,
        125.0 / 192.0 - 393.0 / 640.0,
        -2187.0 / 6784.0 + 92097.0 / 339200.0,
        11.0 / 84.0 - 187.0 / 2100.0,
        -1.0 / 40.0,
    ],
};

/// `y = Exp_x(σ)` for one token.
fn retract(x: &[f64], sigma: &[f64], y: &mut [f64]) {
    let theta = norm(sigma);
    let (c, sinc) = cos_sinc(theta);
    for ((yk, &xk), &sk) in y.iter_mut().zip(x).zip(sigma) {
        *yk = c * xk + sinc * sk;
    }
    let r = norm(y);
    y.iter_mut().for_each(|v| *v /= r);
}

/// Pulls `v ∈ T_y`, `y = Exp_x(σ)`, back to `T_x` (see the module docs).
fn pullback(x: &[f64], sigma: &[f64], v: &[f64], out: &mut [f64]) {
    let theta = norm(sigma);
    if theta == 0.0 {
        out.copy_from_slice(v);
        return;
    }
    let (c, sinc) = cos_sinc(theta);
    let s = sinc * theta;
    // g = −sin θ x + cos θ e, e = σ/θ
    let mut a = 0.0;
    for ((&xk, &sk), &vk) in x.iter().zip(sigma).zip(v) {
        a += vk * (-s * xk + c * sk / theta);
    }
    let ratio = sinc.recip();
    for (((o, &xk), &sk), &vk) in out.iter_mut().zip(x).zip(sigma).zip(v) {
        let e = sk / theta;
        let g = -s * xk + c * e;
        *o = a * e + ratio * (vk - a * g);
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|a| a * a).sum::<f64>().sqrt()
}

/// `(cos θ, sin θ / θ)`. Steps move tokens by at most `max_angle` (0.1 by
/// default), so the common case is served by Taylor polynomials (degree 8,
/// remainder below 3e-17 for `θ < 0.1`) instead of libm's `sin`/`cos`.
fn cos_sinc(theta: f64) -> (f64, f64) {
    if theta < 0.1 {
        let t2 = theta * theta;
        let cos = 1.0 - t2 / 2.0 * (1.0 - t2 / 12.0 * (1.0 - t2 / 30.0 * (1.0 - t2 / 56.0)));
        let sinc = 1.0 - t2 / 6.0 * (1.0 - t2 / 20.0 * (1.0 - t2 / 42.0 * (1.0 - t2 / 72.0)));
        (cos, sinc)
    } else {
        (theta.cos(), theta.sin() / theta)
    }
}

/// The buffers of a Runge–Kutta step (all `d × n`).
struct Stepper {
    ws: VelocityWorkspace,
    k: Vec<Mat<f64>>,
    sigma: Mat<f64>,
    y: Mat<f64>,
    f: Mat<f64>,
    /// `f` at the current point (FSAL cache), valid when `have_f0`.
    f0: Mat<f64>,
    have_f0: bool,
    evaluations: u64,
}

impl Stepper {
    fn new(d: usize, n: usize, stages: usize) -> Self {
        Self {
            ws: VelocityWorkspace::new(n, d),
            k: (0..stages).map(|_| Mat::zeros(d, n)).collect(),
            sigma: Mat::zeros(d, n),
            y: Mat::zeros(d, n),
            f: Mat::zeros(d, n),
            f0: Mat::zeros(d, n),
            have_f0: false,
            evaluations: 0,
        }
    }

    fn resize(&mut self, d: usize, n: usize) {
        if self.sigma.ncols() != n {
            *self = Self::new(d, n, self.k.len());
        }
    }

    fn velocity_at_current(&mut self, dynamics: &SphereDynamics, x: MatRef<'_, f64>, mass: &[f64]) -> Result<()> {
        if !self.have_f0 {
            dynamics.velocity_columns(x, mass, self.f0.as_mut(), &mut self.ws)?;
            self.evaluations += 1;
            self.have_f0 = true;
        }
        Ok(())
    }

    /// One step of `tab` from `x` (columns) with step `h`; the new point goes
    /// to `x_new`. Returns the error norm (max over tokens of the embedded
    /// error angle over `atol + rtol · angle moved`), or 0 without an
    /// embedded pair.
    fn step(
        &mut self,
        dynamics: &SphereDynamics,
        tab: &Tableau,
        (x, mass): (MatRef<'_, f64>, &[f64]),
        (h, tol): (f64, (f64, f64)),
        x_new: &mut Mat<f64>,
    ) -> Result<f64> {
        let (d, n) = (x.nrows(), x.ncols());
        self.velocity_at_current(dynamics, x, mass)?;
        self.k[0].copy_from(&self.f0);
        let stages = tab.b.len();
        for s in 1..stages {
            for i in 0..n {
                let sig = self.sigma.col_as_slice_mut(i);
                sig.fill(0.0);
                for (r, &a) in tab.a[s].iter().enumerate() {
                    if a != 0.0 {
                        let kr = self.k[r].col_as_slice(i);
                        for (sv, &kv) in sig.iter_mut().zip(kr) {
                            *sv += h * a * kv;
                        }
                    }
                }
                let xi = x.col(i).try_as_col_major().expect("contiguous columns").as_slice();
                retract(xi, self.sigma.col_as_slice(i), self.y.col_as_slice_mut(i));
            }
            dynamics.velocity_columns(self.y.as_ref(), mass, self.f.as_mut(), &mut self.ws)?;
            self.evaluations += 1;
            for i in 0..n {
                let xi = x.col(i).try_as_col_major().expect("contiguous columns").as_slice();
                pullback(xi, self.sigma.col_as_slice(i), self.f.col_as_slice(i), self.k[s].col_as_slice_mut(i));
            }
        }
        // Final combination (for DP54 the last stage already sits at it).
        let mut err: f64 = 0.0;
        for i in 0..n {
            let sig = self.sigma.col_as_slice_mut(i);
            sig.fill(0.0);
            for (s, &b) in tab.b.iter().enumerate() {
                if b != 0.0 {
                    for (sv, &kv) in sig.iter_mut().zip(self.k[s].col_as_slice(i)) {
                        *sv += h * b * kv;
                    }
                }
            }
            let xi = x.col(i).try_as_col_major().expect("contiguous columns").as_slice();
            retract(xi, self.sigma.col_as_slice(i), x_new.col_as_slice_mut(i));
            if !tab.b_err.is_empty() {
                let moved = norm(self.sigma.col_as_slice(i));
                let mut e2 = 0.0;
                for k in 0..d {
                    let e: f64 = tab.b_err.iter().enumerate().map(|(s, &w)| w * self.k[s][(k, i)]).sum();
                    e2 += (h * e) * (h * e);
                }
                err = err.max(e2.sqrt() / (tol.0 + tol.1 * moved));
            }
        }
        Ok(err)
    }
}

fn validate_times(times: &[f64]) -> Result<()> {
    for (k, &t) in times.iter().enumerate() {
        if !t.is_finite() || t < 0.0 {
            return Err(Error::invalid("output time", t, "output times must be finite and >= 0"));
        }
        if k > 0 && t < times[k - 1] {
            return Err(Error::invalid("output times", t, "output times must be non-decreasing"));
        }
    }
    Ok(())
}

fn validate_options(dynamics: &SphereDynamics, initial: &Particles, options: &SolveOptions) -> Result<()> {
    if initial.dim() != dynamics.dim() {
        return Err(Error::shape("particles", (initial.len(), dynamics.dim()), (initial.len(), initial.dim())));
    }
    if initial.is_empty() {
        return Err(Error::TooFewParticles { context: "solve", required: 1, found: 0 });
    }
    let positive = |name: &'static str, v: f64| {
        if v.is_finite() && v > 0.0 { Ok(()) } else { Err(Error::invalid(name, v, "must be positive and finite")) }
    };
    match options.scheme {
        Scheme::EulerRenormalize { step } | Scheme::Rk4 { step } => positive("step", step)?,
        Scheme::Adaptive(t) => {
            positive("atol", t.atol)?;
            if !(t.rtol >= 0.0 && t.rtol.is_finite()) {
                return Err(Error::invalid("rtol", t.rtol, "must be finite and >= 0"));
            }
            if !(t.max_angle > 0.0 && t.max_angle < std::f64::consts::FRAC_PI_2) {
                return Err(Error::invalid("max_angle", t.max_angle, "must lie in (0, pi/2)"));
            }
            positive("initial_step", t.initial_step)?;
            positive("min_step", t.min_step)?;
            if t.max_step.is_nan() || t.max_step <= 0.0 {
                return Err(Error::invalid("max_step", t.max_step, "must be positive"));
            }
        }
    }
    if let Some(tol) = options.merge_tolerance {
        positive("merge tolerance", tol)?;
        if dynamics.mask() == Mask::Causal {
            return Err(Error::Unsupported(
                "merging is only exact for SA and USA: under a causal mask coincident tokens can separate",
            ));
        }
    }
    for e in &options.events {
        match e {
            Event::Consensus { delta } => positive("consensus delta", *delta)?,
            Event::ClusterCount { threshold } if !threshold.is_finite() => {
                return Err(Error::invalid("cluster threshold", threshold, "must be finite"));
            }
            Event::CapEscape { centres, epsilon } => {
                positive("cap epsilon", *epsilon)?;
                if centres.ncols() != dynamics.dim() || centres.nrows() == 0 {
                    return Err(Error::shape("cap centres", (1, dynamics.dim()), (centres.nrows(), centres.ncols())));
                }
            }
            Event::ClusterCount { .. } => {}
        }
    }
    Ok(())
}

/// Minimum pairwise inner product of columns (1 for a single particle).
fn min_inner_product(x: MatRef<'_, f64>) -> f64 {
    let n = x.ncols();
    let mut m: f64 = 1.0;
    for i in 0..n {
        let xi = x.col(i).try_as_col_major().expect("contiguous").as_slice();
        for j in 0..i {
            let xj = x.col(j).try_as_col_major().expect("contiguous").as_slice();
            m = m.min(xi.iter().zip(xj).map(|(a, b)| a * b).sum());
        }
    }
    m
}

/// Connected components of the graph `⟨x_i, x_j⟩ ≥ threshold` on columns.
pub(crate) fn components(x: MatRef<'_, f64>, threshold: f64) -> Vec<usize> {
    let n = x.ncols();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for i in 0..n {
        let xi = x.col(i).try_as_col_major().expect("contiguous").as_slice();
        for j in 0..i {
            let xj = x.col(j).try_as_col_major().expect("contiguous").as_slice();
            let ip: f64 = xi.iter().zip(xj).map(|(a, b)| a * b).sum();
            if ip >= threshold {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    (0..n).map(|i| find(&mut parent, i)).collect()
}

fn count_components(labels: &[usize]) -> usize {
    labels.iter().enumerate().filter(|&(i, &l)| i == l).count()
}

/// Merges columns closer than `tol` (geodesic); returns whether any merged.
fn merge(x: &mut Mat<f64>, mass: &mut Vec<f64>, tol: f64) -> bool {
    let labels = components(x.as_ref(), tol.cos());
    if count_components(&labels) == labels.len() {
        return false;
    }
    let d = x.nrows();
    let roots: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == i).collect();
    let mut nx = Mat::zeros(d, roots.len());
    let mut nm = vec![0.0; roots.len()];
    for (c, &r) in roots.iter().enumerate() {
        for (i, &l) in labels.iter().enumerate() {
            if l == r {
                nm[c] += mass[i];
                for k in 0..d {
                    nx[(k, c)] += mass[i] * x[(k, i)];
                }
            }
        }
        let col = nx.col_as_slice_mut(c);
        let r = norm(col);
        col.iter_mut().for_each(|v| *v /= r);
    }
    *x = nx;
    *mass = nm;
    true
}

struct EventState {
    hit: bool,
    last_value: f64,
    last_count: usize,
    caps: Vec<usize>,
}

fn cap_of(x: &[f64], centres: &Mat<f64>, eps: f64) -> Option<usize> {
    (0..centres.nrows()).find(|&q| (0..x.len()).map(|k| x[k] * centres[(q, k)]).sum::<f64>() >= 1.0 - eps)
}

/// Worst margin `⟨x_i, w_{q(i)}⟩ − (1 − ε)` over particles (negative: escaped).
fn cap_margin(x: MatRef<'_, f64>, centres: &Mat<f64>, eps: f64, caps: &[usize]) -> f64 {
    let mut worst = f64::INFINITY;
    for (i, &q) in caps.iter().enumerate() {
        if q == usize::MAX || i >= x.ncols() {
            continue;
        }
        let ip: f64 = (0..x.nrows()).map(|k| x[(k, i)] * centres[(q, k)]).sum();
        worst = worst.min(ip - (1.0 - eps));
    }
    worst
}

/// Solves the dynamics from `initial`, calling `observe(t, state)` at every
/// output time (non-decreasing, `≥ 0`; `t = 0` included if listed).
pub fn solve_with<F>(
    dynamics: &SphereDynamics,
    initial: &Particles,
    times: &[f64],
    options: &SolveOptions,
    mut observe: F,
) -> Result<Outcome>
where
    F: FnMut(f64, &Particles) -> Result<()>,
{
    validate_times(times)?;
    validate_options(dynamics, initial, options)?;
    let d = initial.dim();
    let mut x: Mat<f64> = initial.positions().transpose().to_owned();
    let mut mass = initial.masses().to_vec();
    let mut x_new = x.clone();
    let tab = match options.scheme {
        Scheme::Rk4 { .. } => Some(&RK4),
        Scheme::Adaptive(_) => Some(&DP54),
        Scheme::EulerRenormalize { .. } => None,
    };
    let mut stepper = Stepper::new(d, x.ncols(), tab.map_or(1, |t| t.b.len()));
    let mut stats = Stats::default();
    let mut hits = Vec::new();
    let mut states: Vec<EventState> = options
        .events
        .iter()
        .map(|e| {
            let mut st = EventState { hit: false, last_value: 0.0, last_count: 0, caps: Vec::new() };
            match e {
                Event::Consensus { delta } => st.last_value = min_inner_product(x.as_ref()) - (1.0 - delta),
                Event::ClusterCount { threshold } => {
                    st.last_count = count_components(&components(x.as_ref(), *threshold))
                }
                Event::CapEscape { centres, epsilon } => {
                    st.caps = (0..x.ncols())
                        .map(|i| cap_of(x.col_as_slice(i), centres, *epsilon).unwrap_or(usize::MAX))
                        .collect();
                    st.last_value = cap_margin(x.as_ref(), centres, *epsilon, &st.caps);
                }
            }
            st
        })
        .collect();
    let state_of = |x: &Mat<f64>, mass: &[f64]| Particles::from_parts(x.transpose().to_owned(), mass.to_vec());

    let mut t = 0.0;
    let mut h = match options.scheme {
        Scheme::EulerRenormalize { step } | Scheme::Rk4 { step } => step,
        Scheme::Adaptive(tol) => tol.initial_step,
    };
    let mut ws = VelocityWorkspace::new(x.ncols(), d);
    let mut u = Mat::zeros(d, x.ncols());
    for &target in times {
        while t < target {
            let t_prev = t;
            if stats.steps + stats.rejected >= options.max_steps {
                return Err(Error::StepBudget { t, steps: stats.steps + stats.rejected, h });
            }
            let remaining = target - t;
            let n = x.ncols();
            match options.scheme {
                Scheme::EulerRenormalize { step } => {
                    let h = step.min(remaining);
                    u.resize_with(d, n, |_, _| 0.0);
                    dynamics.attention_output_columns(x.as_ref(), &mass, u.as_mut(), &mut ws)?;
                    stats.evaluations += 1;
                    for i in 0..n {
                        let col = x_new.col_as_slice_mut(i);
                        for (k, c) in col.iter_mut().enumerate() {
                            *c = x[(k, i)] + h * u[(k, i)];
                        }
                        sphere::normalize(col).map_err(|_| Error::ZeroToken { index: i })?;
                    }
                    t = if h == remaining { target } else { t + h };
                }
                Scheme::Rk4 { step } => {
                    let h = step.min(remaining);
                    stepper.have_f0 = false;
                    stepper.step(dynamics, &RK4, (x.as_ref(), &mass), (h, (1.0, 0.0)), &mut x_new)?;
                    t = if h == remaining { target } else { t + h };
                }
                Scheme::Adaptive(tol) => {
                    stepper.velocity_at_current(dynamics, x.as_ref(), &mass)?;
                    let fastest = (0..n).map(|i| norm(stepper.f0.col_as_slice(i))).fold(0.0, f64::max);
                    let mut step = h.min(tol.max_step);
                    if fastest > 0.0 {
                        step = step.min(tol.max_angle / fastest);
                    }
                    let last = step >= remaining;
                    if last {
                        step = remaining;
                    }
                    let err =
                        stepper.step(dynamics, &DP54, (x.as_ref(), &mass), (step, (tol.atol, tol.rtol)), &mut x_new)?;
                    if err.is_nan() || err > 1.0 {
                        stats.rejected += 1;
                        h = step * (0.9 * err.powf(-0.2)).clamp(0.2, 0.9);
                        if !h.is_finite() {
                            h = step * 0.2;
                        }
                        if h < tol.min_step {
                            return Err(Error::StepSizeUnderflow { t, h });
                        }
                        continue;
                    }
                    // FSAL: the last stage's raw velocity is f at the new point.
                    std::mem::swap(&mut stepper.f0, &mut stepper.f);
                    stepper.have_f0 = true;
                    let grow = if err == 0.0 { 5.0 } else { (0.9 * err.powf(-0.2)).clamp(0.2, 5.0) };
                    // Keep the proposal for the next step even if this one
                    // was shortened to hit an output time.
                    h = if last { h.max(step * grow) } else { step * grow };
                    t = if last { target } else { t + step };
                }
            }
            std::mem::swap(&mut x, &mut x_new);
            stats.steps += 1;
            if let Some(tol) = options.merge_tolerance
                && merge(&mut x, &mut mass, tol)
            {
                stats.merges += 1;
                let n = x.ncols();
                x_new = x.clone();
                stepper.resize(d, n);
                stepper.have_f0 = false;
                for st in states.iter_mut() {
                    st.caps.clear();
                }
            }
            detect_events(options, &mut states, x.as_ref(), (t_prev, t), &mut hits);
        }
        observe(t, &state_of(&x, &mass))?;
    }
    stats.evaluations += stepper.evaluations;
    Ok(Outcome { events: hits, stats, last: state_of(&x, &mass) })
}

/// Linear interpolation of the zero crossing of a monitored value between
/// the previous step (`v0` at `t0`) and this one (`v1` at `t1`).
fn crossing(t0: f64, v0: f64, t1: f64, v1: f64) -> f64 {
    if v0 == v1 || !v0.is_finite() { t1 } else { (t0 + (t1 - t0) * v0 / (v0 - v1)).clamp(t0, t1) }
}

fn detect_events(
    options: &SolveOptions,
    states: &mut [EventState],
    x: MatRef<'_, f64>,
    (t_prev, t): (f64, f64),
    hits: &mut Vec<EventHit>,
) {
    for (k, (e, st)) in options.events.iter().zip(states.iter_mut()).enumerate() {
        match e {
            Event::Consensus { delta } => {
                if st.hit {
                    continue;
                }
                let v = min_inner_product(x) - (1.0 - delta);
                if v >= 0.0 {
                    st.hit = true;
                    hits.push(EventHit { event: k, t: crossing(t_prev, st.last_value, t, v), value: 0 });
                }
                st.last_value = v;
            }
            Event::ClusterCount { threshold } => {
                let c = count_components(&components(x, *threshold));
                if c != st.last_count {
                    hits.push(EventHit { event: k, t, value: c });
                    st.last_count = c;
                }
            }
            Event::CapEscape { centres, epsilon } => {
                if st.hit || st.caps.is_empty() {
                    continue;
                }
                let v = cap_margin(x, centres, *epsilon, &st.caps);
                if v < 0.0 {
                    st.hit = true;
                    hits.push(EventHit { event: k, t: crossing(t_prev, st.last_value, t, v), value: 0 });
                }
                st.last_value = v;
            }
        }
    }
}

/// Solves and keeps a snapshot at every output time.
pub fn solve(
    dynamics: &SphereDynamics,
    initial: &Particles,
    times: &[f64],
    options: &SolveOptions,
) -> Result<(Vec<(f64, Particles)>, Outcome)> {
    let mut snapshots = Vec::with_capacity(times.len());
    let outcome = solve_with(dynamics, initial, times, options, |t, p| {
        snapshots.push((t, p.clone()));
        Ok(())
    })?;
    Ok((snapshots, outcome))
}

/// `count` times spaced logarithmically from `first` to `last` (both > 0),
/// preceded by 0: the output grid for exponentially long horizons.
pub fn log_times(first: f64, last: f64, count: usize) -> Result<Vec<f64>> {
    if !(first > 0.0 && last > first && last.is_finite()) || count < 2 {
        return Err(Error::invalid(
            "log grid",
            format!("{first}..{last} x {count}"),
            "needs 0 < first < last and count >= 2",
        ));
    }
    let (a, b) = (first.ln(), last.ln());
    let mut t = vec![0.0];
    t.extend((0..count).map(|k| (a + (b - a) * k as f64 / (count - 1) as f64).exp()));
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attention, Normalization};
    use crate::observables::{EnergyNormalization, energy};
    use crate::theory;
    use approx::assert_abs_diff_eq;
    use infoflow_numerics::rng::Streams;

    fn uniform(n: usize, d: usize, tag: &str) -> Particles {
        let mut rng = Streams::for_point(8, "particles.integrate", tag).stream(0);
        Particles::uniform(n, d, &mut rng).unwrap()
    }

    fn final_state(dynamics: &SphereDynamics, p: &Particles, t: f64, scheme: Scheme) -> Particles {
        solve_with(dynamics, p, &[t], &SolveOptions::new(scheme), |_, _| Ok(())).unwrap().last
    }

    fn max_distance(a: &Particles, b: &Particles) -> f64 {
        let (x, y) = (a.positions(), b.positions());
        let mut m: f64 = 0.0;
        for i in 0..x.nrows() {
            let d2: f64 = (0..x.ncols()).map(|k| (x[(i, k)] - y[(i, k)]).powi(2)).sum();
            m = m.max(d2.sqrt());
        }
        m
    }

    #[test]
    fn rk4_follows_the_equiangular_ode() {
        let (n, d) = (5, 7);
        for (att, norm) in [
            (Attention::softmax(2.0), Normalization::Softmax),
            (Attention::unnormalized(1.0), Normalization::Unnormalized),
        ] {
            let dynamics = SphereDynamics::new(&att, d).unwrap();
            let times: Vec<f64> = (0..=6).map(|k| 0.5 * k as f64).collect();
            let gamma = theory::equiangular_solution(norm, att.beta, n, 0.0, &times).unwrap();
            let (snaps, _) = solve(
                &dynamics,
                &Particles::orthonormal(n, d).unwrap(),
                &times,
                &SolveOptions::new(Scheme::Rk4 { step: 0.01 }),
            )
            .unwrap();
            for ((t, p), g) in snaps.iter().zip(&gamma) {
                let gram = crate::observables::gram(p).unwrap();
                for i in 0..n {
                    for j in 0..n {
                        if i != j {
                            assert_abs_diff_eq!(gram[(i, j)], *g, epsilon = 1e-9);
                        }
                    }
                    assert_abs_diff_eq!(gram[(i, i)], 1.0, epsilon = 1e-14);
                }
                let _ = t;
            }
        }
    }

    #[test]
    fn convergence_orders() {
        let dynamics = SphereDynamics::new(&Attention::softmax(3.0), 3).unwrap();
        let p = uniform(6, 3, "order");
        let reference = final_state(&dynamics, &p, 1.0, Scheme::Rk4 { step: 1e-3 });
        let err = |scheme| max_distance(&final_state(&dynamics, &p, 1.0, scheme), &reference);
        let rk4 = err(Scheme::Rk4 { step: 0.1 }) / err(Scheme::Rk4 { step: 0.05 });
        assert!((12.0..20.0).contains(&rk4), "RK4 error ratio {rk4} (order 4 gives 16)");
        let euler = err(Scheme::EulerRenormalize { step: 0.02 }) / err(Scheme::EulerRenormalize { step: 0.01 });
        assert!((1.7..2.3).contains(&euler), "Euler error ratio {euler} (order 1 gives 2)");
        let tight = Tolerances { atol: 1e-12, rtol: 1e-10, ..Tolerances::default() };
        let adaptive = err(Scheme::Adaptive(tight));
        assert!(adaptive < 1e-9, "adaptive error {adaptive}");
    }

    #[test]
    fn energy_increases_and_tokens_stay_on_the_sphere() {
        let p = uniform(12, 4, "energy");
        for att in [Attention::softmax(4.0), Attention::unnormalized(4.0)] {
            let dynamics = SphereDynamics::new(&att, 4).unwrap();
            let times: Vec<f64> = (0..=40).map(|k| 0.25 * k as f64).collect();
            let mut last = f64::NEG_INFINITY;
            solve_with(&dynamics, &p, &times, &SolveOptions::new(Scheme::Adaptive(Tolerances::default())), |_, q| {
                let e = energy(q, 4.0, EnergyNormalization::Standard)?;
                assert!(e >= last - 1e-12, "energy decreased: {last} -> {e}");
                last = e;
                for i in 0..q.len() {
                    let r: f64 = q.position(i).iter().map(|v| v * v).sum::<f64>().sqrt();
                    assert!((r - 1.0).abs() < 1e-14);
                }
                Ok(())
            })
            .unwrap();
        }
    }

    #[test]
    fn consensus_event_time_matches_theory() {
        // Orthonormal start: the event "all pairs ≥ 1 − δ" is t*(β, n, δ).
        let (n, d, beta, delta) = (4, 4, 2.0, 1e-3);
        let dynamics = SphereDynamics::new(&Attention::softmax(beta), d).unwrap();
        let opts = SolveOptions::new(Scheme::Adaptive(Tolerances::default())).with_event(Event::Consensus { delta });
        let out = solve_with(&dynamics, &Particles::orthonormal(n, d).unwrap(), &[20.0], &opts, |_, _| Ok(())).unwrap();
        let expected = theory::transition_time(Normalization::Softmax, beta, n, delta, 100.0).unwrap().unwrap();
        assert_eq!(out.events.len(), 1);
        assert_abs_diff_eq!(out.events[0].t, expected, epsilon = 1e-3 * expected);
    }

    #[test]
    fn merging_coalesces_close_tokens() {
        let p = Particles::on_circle(&[0.0, 1e-3, 2.0]).unwrap();
        let dynamics = SphereDynamics::new(&Attention::softmax(9.0), 2).unwrap();
        let opts = SolveOptions::new(Scheme::Adaptive(Tolerances::default())).with_merging(1e-6);
        let out = solve_with(&dynamics, &p, &[10.0], &opts, |_, _| Ok(())).unwrap();
        assert_eq!(out.last.len(), 2);
        assert_eq!(out.stats.merges, 1);
        let mut masses = out.last.masses().to_vec();
        masses.sort_by(f64::total_cmp);
        assert_eq!(masses, vec![1.0, 2.0]);
        let causal = SphereDynamics::new(&Attention::softmax(9.0).with_mask(Mask::Causal), 2).unwrap();
        assert!(matches!(solve_with(&causal, &p, &[1.0], &opts, |_, _| Ok(())), Err(Error::Unsupported(_))));
    }

    #[test]
    fn adaptive_steps_cross_long_plateaus() {
        // Two heavy, well separated clusters at large β: nothing happens for
        // an exponentially long time; adaptive steps must get there in few steps.
        let p =
            Particles::on_sphere_with_masses(Mat::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 0.0 }), vec![3.0, 2.0])
                .unwrap();
        let att = Attention::unnormalized(50.0).with_normalization(Normalization::UnnormalizedShifted);
        let dynamics = SphereDynamics::new(&att, 2).unwrap();
        let out =
            solve_with(&dynamics, &p, &[1e20], &SolveOptions::new(Scheme::Adaptive(Tolerances::default())), |_, _| {
                Ok(())
            })
            .unwrap();
        assert!(out.stats.steps < 2000, "{} steps", out.stats.steps);
        // They meet after about e^50 ≈ 5e21; with merging the solve goes
        // through the collapse and on to 1e30 in a bounded number of steps.
        let opts = SolveOptions::new(Scheme::Adaptive(Tolerances::default())).with_merging(1e-8);
        let out = solve_with(&dynamics, &p, &[1e30], &opts, |_, _| Ok(())).unwrap();
        assert_eq!(out.last.len(), 1);
        assert!(out.stats.steps < 20_000, "{} steps", out.stats.steps);
    }

    #[test]
    fn cos_sinc_matches_libm() {
        for k in 0..=2000 {
            let theta = 0.2 * k as f64 / 2000.0;
            let (c, s) = cos_sinc(theta);
            assert!((c - theta.cos()).abs() < 2e-16, "cos at {theta}");
            let reference = if theta == 0.0 { 1.0 } else { theta.sin() / theta };
            assert!((s - reference).abs() < 2e-16, "sinc at {theta}");
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let p = uniform(3, 2, "bad");
        let dynamics = SphereDynamics::new(&Attention::softmax(1.0), 2).unwrap();
        let ok = SolveOptions::new(Scheme::Rk4 { step: 0.1 });
        let run = |times: &[f64], o: &SolveOptions| solve_with(&dynamics, &p, times, o, |_, _| Ok(()));
        assert!(run(&[-1.0], &ok).is_err());
        assert!(run(&[2.0, 1.0], &ok).is_err());
        assert!(run(&[f64::NAN], &ok).is_err());
        assert!(run(&[1.0], &SolveOptions::new(Scheme::Rk4 { step: 0.0 })).is_err());
        assert!(run(&[1.0], &SolveOptions::new(Scheme::EulerRenormalize { step: f64::NAN })).is_err());
        let bad_angle = Tolerances { max_angle: 2.0, ..Tolerances::default() };
        assert!(run(&[1.0], &SolveOptions::new(Scheme::Adaptive(bad_angle))).is_err());
        let mut budget = ok.clone();
        budget.max_steps = 3;
        assert!(run(&[1.0], &budget).is_err());
        let other = uniform(3, 3, "bad3");
        assert!(solve_with(&dynamics, &other, &[1.0], &ok, |_, _| Ok(())).is_err());
        let empty = Particles::on_sphere(Mat::zeros(0, 2)).unwrap();
        assert!(matches!(
            solve_with(&dynamics, &empty, &[1.0], &ok, |_, _| Ok(())),
            Err(Error::TooFewParticles { .. })
        ));
        assert!(log_times(0.0, 1.0, 3).is_err());
        assert_eq!(log_times(1.0, 100.0, 3).unwrap(), vec![0.0, 1.0, 10.000000000000002, 100.00000000000004]);
    }
}
