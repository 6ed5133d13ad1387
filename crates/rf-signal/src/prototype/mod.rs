//! The prototype problem of the co-channel OFDM architecture study (Lancho,
//! Weiss, Lee, Tiglea, Polyanskiy, Wornell, arXiv 2303.06438): real-valued,
//! synchronised OFDM-like windows whose separation is possible perfectly,
//! and the oracle that attains it.
//!
//! A source occupies some of the carriers `1 … K` of an `N`-point FFT
//! (paper: `N = 64`, `K = 28`) with real symbols `a_k`, mirrored
//! (Hermitian symmetry) into a real waveform
//!
//! ```text
//! x[n] = Σ_k (a_k e^{j2πkn/N} + a_k e^{−j2πkn/N}) / √(2K) = (2/√(2K)) Σ_k a_k cos(2πkn/N),
//! ```
//!
//! one symbol vector per window, so the window is `N`-periodic (no cyclic
//! prefix, no symbol boundaries inside). Unit-power symbols on all `K`
//! carriers give a unit-power waveform. The mixture is `y = s + A b` with
//! the interference amplitude `A = 4` (SIR −12 dB) and no noise.
//!
//! | case | signal of interest | interference |
//! |---|---|---|
//! | 1 | Gaussian amplitudes on the odd carriers `1, 3, …` | Gaussian amplitudes on the even carriers `2, 4, …` |
//! | 2 | BPSK on every carrier | BPSK on every carrier |
//! | 3 | BPSK | 4-PAM |
//! | 4 | 4-PAM | 4-PAM |
//!
//! Decisions where the paper's text is silent: symbols are real (BPSK
//! `±1`, 4-PAM `{±1, ±3}/√5`, Gaussian `N(0, 1)`), so each carrier is a
//! cosine; case 1 splits the carriers by parity (the paper says only "the
//! other 14"); windows are whole multiples of the FFT size, so the oracle's
//! per-carrier statistics are exact.
//!
//! [`Oracle`] separates by the structure alone: the window's periods
//! averaged, one real FFT coefficient per carrier, then the projection onto
//! the SOI's carriers (case 1) or the per-carrier maximum-likelihood pair
//! `(a, b)` with `a + A b` nearest the coefficient (cases 2–4; unique at
//! `A = 4`, checked at construction). Without noise it is exact up to
//! rounding: the floor every network is measured against. With the
//! `learned` feature, the module `learned` trains and runs the networks of the study
//! (nn's Wave-U-Net and Conv-TasNet) on these windows.

#[cfg(feature = "learned")]
pub mod learned;

use crate::error::{Error, Result};
use infoflow_numerics::rng::Streams;
use infoflow_numerics::signal::{C64, fft_plans};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use std::f64::consts::PI;

/// 4-PAM, `{±1, ±3}/√5` (unit power).
const PAM4: [f64; 4] =
    [-1.341_640_786_499_873_8, -0.447_213_595_499_957_9, 0.447_213_595_499_957_9, 1.341_640_786_499_873_8];

/// A law of the real symbols on a carrier (unit power each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Symbols {
    /// `N(0, 1)`.
    Gaussian,
    /// `±1`.
    Bpsk,
    /// `{±1, ±3}/√5`.
    Pam4,
}

impl Symbols {
    /// The finite alphabet (`None` for Gaussian amplitudes).
    pub fn points(self) -> Option<&'static [f64]> {
        match self {
            Symbols::Gaussian => None,
            Symbols::Bpsk => Some(&[-1.0, 1.0]),
            Symbols::Pam4 => Some(&PAM4),
        }
    }

    /// One symbol.
    pub fn draw<R: Rng + ?Sized>(self, rng: &mut R) -> f64 {
        match self.points() {
            None => StandardNormal.sample(rng),
            Some(p) => p[rng.random_range(0..p.len())],
        }
    }

    /// `"Gaussian"`, `"BPSK"` or `"4-PAM"`.
    pub fn name(self) -> &'static str {
        match self {
            Symbols::Gaussian => "Gaussian",
            Symbols::Bpsk => "BPSK",
            Symbols::Pam4 => "4-PAM",
        }
    }
}

/// The paper's four cases; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Case {
    /// Case 1: the sources on disjoint carriers, Gaussian amplitudes.
    DifferentCarriers,
    /// Case 2: BPSK + BPSK on the same carriers.
    BpskBpsk,
    /// Case 3: BPSK + 4-PAM.
    BpskPam4,
    /// Case 4: 4-PAM + 4-PAM.
    Pam4Pam4,
}

impl Case {
    /// The four cases in the paper's order.
    pub const ALL: [Case; 4] = [Case::DifferentCarriers, Case::BpskBpsk, Case::BpskPam4, Case::Pam4Pam4];

    /// Case `number` (1 … 4).
    pub fn new(number: usize) -> Result<Case> {
        Case::ALL
            .get(number.wrapping_sub(1))
            .copied()
            .ok_or_else(|| Error::invalid("case", number, "the prototype cases are 1, 2, 3 and 4"))
    }

    /// The case's number, 1 … 4.
    pub fn number(self) -> usize {
        Case::ALL.iter().position(|&c| c == self).map_or(0, |i| i + 1)
    }

    /// The symbol laws of the SOI and the interference.
    pub fn symbols(self) -> (Symbols, Symbols) {
        match self {
            Case::DifferentCarriers => (Symbols::Gaussian, Symbols::Gaussian),
            Case::BpskBpsk => (Symbols::Bpsk, Symbols::Bpsk),
            Case::BpskPam4 => (Symbols::Bpsk, Symbols::Pam4),
            Case::Pam4Pam4 => (Symbols::Pam4, Symbols::Pam4),
        }
    }

    /// E.g. `"case 3 (BPSK + 4-PAM)"`.
    pub fn name(self) -> String {
        match self {
            Case::DifferentCarriers => "case 1 (different carriers)".into(),
            _ => {
                let (s, b) = self.symbols();
                format!("case {} ({} + {})", self.number(), s.name(), b.name())
            }
        }
    }
}

/// One prototype window: the sources, their symbols and the mixture.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// The signal of interest `s`.
    pub soi: Vec<f64>,
    /// The interference `b` (before the amplitude `A`).
    pub interference: Vec<f64>,
    /// `y = s + A b`.
    pub mixture: Vec<f64>,
    /// The SOI's symbols, in the order of [`Prototype::soi_carriers`].
    pub soi_symbols: Vec<f64>,
    /// The interference's symbols, in the order of
    /// [`Prototype::interference_carriers`].
    pub interference_symbols: Vec<f64>,
}

/// The prototype problem: a case, the FFT size, the active carriers, the
/// window length and the interference amplitude.
#[derive(Clone, Debug, PartialEq)]
pub struct Prototype {
    case: Case,
    fft_size: usize,
    active: usize,
    window: usize,
    amplitude: f64,
    soi_carriers: Vec<usize>,
    interference_carriers: Vec<usize>,
}

impl Prototype {
    /// The paper's set-up of `case`: FFT size 64, 28 active carriers,
    /// 4,096-sample windows, interference amplitude 4 (SIR −12 dB).
    pub fn paper(case: Case) -> Self {
        Self::new(case, 64, 28, 4096, 4.0).expect("the paper's set-up is valid")
    }

    /// A set-up: carriers `1 ..= active` of a `fft_size`-point FFT
    /// (`active < fft_size/2`, so no carrier meets its mirror), windows of
    /// `window` samples (a positive multiple of `fft_size`), interference
    /// amplitude `amplitude` (positive, at most 100).
    pub fn new(case: Case, fft_size: usize, active: usize, window: usize, amplitude: f64) -> Result<Self> {
        if fft_size < 4 {
            return Err(Error::invalid("fft_size", fft_size, "the FFT has at least 4 points"));
        }
        if active == 0 || 2 * active >= fft_size || (case == Case::DifferentCarriers && active < 2) {
            return Err(Error::invalid(
                "active carriers",
                active,
                "carriers 1 ..= active lie below half the FFT size (at least 2 in case 1)",
            ));
        }
        if window == 0 || !window.is_multiple_of(fft_size) {
            return Err(Error::invalid("window", window, "the window is a positive multiple of the FFT size"));
        }
        if !(amplitude > 0.0 && amplitude <= 100.0) {
            return Err(Error::invalid("interference amplitude", amplitude, "the amplitude lies in (0, 100]"));
        }
        let all = 1..=active;
        let (soi_carriers, interference_carriers) = match case {
            Case::DifferentCarriers => {
                (all.clone().filter(|k| k % 2 == 1).collect(), all.filter(|k| k % 2 == 0).collect())
            }
            _ => (all.clone().collect(), all.collect()),
        };
        let p = Self { case, fft_size, active, window, amplitude, soi_carriers, interference_carriers };
        p.check_identifiable()?;
        Ok(p)
    }

    /// With another window length (a positive multiple of the FFT size).
    pub fn with_window(&self, window: usize) -> Result<Self> {
        Self::new(self.case, self.fft_size, self.active, window, self.amplitude)
    }

    /// Shared carriers need every sum `a + A b` of the two alphabets to be
    /// distinct (else no separator can be exact).
    fn check_identifiable(&self) -> Result<()> {
        let (s, b) = self.case.symbols();
        if let (Some(ps), Some(pb)) = (s.points(), b.points()) {
            let mut sums: Vec<f64> = ps.iter().flat_map(|a| pb.iter().map(move |b| a + self.amplitude * b)).collect();
            sums.sort_by(f64::total_cmp);
            if sums.windows(2).any(|w| w[1] - w[0] < 1e-9) {
                return Err(Error::invalid(
                    "interference amplitude",
                    self.amplitude,
                    "with this amplitude two symbol pairs give the same sum: the mixture is not separable",
                ));
            }
        }
        Ok(())
    }

    /// The case.
    pub fn case(&self) -> Case {
        self.case
    }

    /// The FFT size `N` (the waveform's period).
    pub fn fft_size(&self) -> usize {
        self.fft_size
    }

    /// The active carriers `K` (carriers `1 ..= K` are in use).
    pub fn active(&self) -> usize {
        self.active
    }

    /// Samples per window.
    pub fn window(&self) -> usize {
        self.window
    }

    /// The interference amplitude `A`.
    pub fn amplitude(&self) -> f64 {
        self.amplitude
    }

    /// The carriers of the SOI.
    pub fn soi_carriers(&self) -> &[usize] {
        &self.soi_carriers
    }

    /// The carriers of the interference.
    pub fn interference_carriers(&self) -> &[usize] {
        &self.interference_carriers
    }

    /// `(2/√(2K)) Σ a_k cos(2πkn/N)`, one window.
    pub fn waveform(&self, carriers: &[usize], symbols: &[f64]) -> Result<Vec<f64>> {
        crate::error::check_len("symbols", symbols.len(), carriers.len())?;
        if symbols.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite { context: "symbols" });
        }
        let n = self.fft_size;
        let c = 2.0 / (2.0 * self.active as f64).sqrt();
        let period: Vec<f64> = (0..n)
            .map(|t| {
                carriers
                    .iter()
                    .zip(symbols)
                    .map(|(&k, a)| a * (2.0 * PI * ((k * t) % n) as f64 / n as f64).cos())
                    .sum::<f64>()
                    * c
            })
            .collect();
        Ok(period.iter().copied().cycle().take(self.window).collect())
    }

    /// One window drawn from `rng`.
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Window {
        let (ls, lb) = self.case.symbols();
        let soi_symbols: Vec<f64> = self.soi_carriers.iter().map(|_| ls.draw(rng)).collect();
        let interference_symbols: Vec<f64> = self.interference_carriers.iter().map(|_| lb.draw(rng)).collect();
        let soi = self.waveform(&self.soi_carriers, &soi_symbols).expect("drawn symbols fit");
        let interference =
            self.waveform(&self.interference_carriers, &interference_symbols).expect("drawn symbols fit");
        let mixture = soi.iter().zip(&interference).map(|(s, b)| s + self.amplitude * b).collect();
        Window { soi, interference, mixture, soi_symbols, interference_symbols }
    }

    /// Window `index` of a seeded dataset: training windows for `train`,
    /// test windows otherwise (disjoint streams keyed by seed, case,
    /// geometry, split and index, so any thread count or sharding draws the
    /// same windows).
    pub fn window_of(&self, seed: u64, train: bool, index: u64) -> Window {
        let key = format!(
            "rf-signal.prototype/case{}/N{}/K{}/A{}/{}",
            self.case.number(),
            self.fft_size,
            self.active,
            self.amplitude,
            if train { "train" } else { "test" }
        );
        // The window length is not in the key: a longer window repeats the same period.
        let mut rng = Streams::for_point(seed, &key, &index.to_string()).stream(0);
        self.draw(&mut rng)
    }

    /// The oracle separator of this set-up.
    pub fn oracle(&self) -> Oracle<'_> {
        Oracle { problem: self }
    }
}

/// Separation by the prototype's known structure; see the module docs.
#[derive(Clone, Copy, Debug)]
pub struct Oracle<'a> {
    problem: &'a Prototype,
}

impl Oracle<'_> {
    /// The SOI estimate of a mixture window (exact without noise, up to
    /// rounding). Errors for another length or non-finite samples.
    pub fn separate(&self, mixture: &[f64]) -> Result<Vec<f64>> {
        let p = self.problem;
        crate::error::check_len("mixture window", mixture.len(), p.window)?;
        if mixture.iter().any(|v| !v.is_finite()) {
            return Err(Error::NonFinite { context: "mixture window" });
        }
        let n = p.fft_size;
        let periods = (p.window / n) as f64;
        let mut spectrum = vec![C64::new(0.0, 0.0); n];
        for chunk in mixture.chunks_exact(n) {
            spectrum.iter_mut().zip(chunk).for_each(|(z, &v)| z.re += v / periods);
        }
        fft_plans().forward(n).process(&mut spectrum);
        // Re X[k] = c a_k N / 2 for a carrier k: r_k is the carrier's summed amplitude.
        let c = 2.0 / (2.0 * p.active as f64).sqrt();
        let r = |k: usize| 2.0 * spectrum[k].re / (c * n as f64);
        let (ls, lb) = p.case.symbols();
        let symbols: Vec<f64> = match (ls.points(), lb.points()) {
            (Some(ps), Some(pb)) => p
                .soi_carriers
                .iter()
                .map(|&k| {
                    let y = r(k);
                    let best = ps
                        .iter()
                        .flat_map(|&a| pb.iter().map(move |&b| (a, (y - a - p.amplitude * b).abs())))
                        .min_by(|u, v| u.1.total_cmp(&v.1));
                    best.map_or(0.0, |(a, _)| a)
                })
                .collect(),
            // Disjoint carriers: the projection onto the SOI's.
            _ => p.soi_carriers.iter().map(|&k| r(k)).collect(),
        };
        p.waveform(&p.soi_carriers, &symbols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waveforms_are_real_periodic_and_unit_power() {
        for case in Case::ALL {
            let p = Prototype::paper(case).with_window(64 * 8).unwrap();
            let mut rng = Streams::for_point(1, "prototype", "power").stream(0);
            let (mut ps, mut pb) = (0.0, 0.0);
            let windows = 400;
            for _ in 0..windows {
                let w = p.draw(&mut rng);
                assert_eq!(w.soi.len(), 512);
                assert!(w.soi[..64].iter().zip(&w.soi[64..128]).all(|(a, b)| a == b), "64-periodic");
                ps += w.soi.iter().map(|v| v * v).sum::<f64>() / 512.0 / windows as f64;
                pb += w.interference.iter().map(|v| v * v).sum::<f64>() / 512.0 / windows as f64;
            }
            // Half the carriers each in case 1, all of them otherwise.
            let want = if case == Case::DifferentCarriers { 0.5 } else { 1.0 };
            assert!((ps - want).abs() < 0.06 && (pb - want).abs() < 0.06, "{case:?}: {ps} {pb}");
        }
    }

    #[test]
    fn alphabets_have_unit_power() {
        for s in [Symbols::Bpsk, Symbols::Pam4] {
            let p = s.points().unwrap();
            assert!((p.iter().map(|v| v * v).sum::<f64>() / p.len() as f64 - 1.0).abs() < 1e-15, "{}", s.name());
        }
        assert!((PAM4[3] - 3.0 / 5f64.sqrt()).abs() < 1e-16 && (PAM4[2] - 1.0 / 5f64.sqrt()).abs() < 1e-16);
    }

    #[test]
    fn the_waveform_is_the_hermitian_inverse_dft() {
        // x = IDFT of a_k at k and its mirror N − k, scaled by N/√(2K).
        let p = Prototype::new(Case::BpskPam4, 16, 5, 16, 4.0).unwrap();
        let a = [0.5, -1.0, 2.0, 0.25, -0.75];
        let x = p.waveform(p.soi_carriers(), &a).unwrap();
        let mut grid = vec![C64::new(0.0, 0.0); 16];
        for (&k, &v) in p.soi_carriers().iter().zip(&a) {
            grid[k] = C64::new(v, 0.0);
            grid[16 - k] = C64::new(v, 0.0);
        }
        fft_plans().inverse(16).process(&mut grid);
        for (v, z) in x.iter().zip(&grid) {
            assert!((v - z.re / 10f64.sqrt()).abs() < 1e-12 && z.im.abs() < 1e-12);
        }
    }

    #[test]
    fn the_oracle_separates_exactly() {
        for case in Case::ALL {
            let p = Prototype::paper(case).with_window(256).unwrap();
            for i in 0..20 {
                let w = p.window_of(7, false, i);
                let est = p.oracle().separate(&w.mixture).unwrap();
                let err = est.iter().zip(&w.soi).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / 256.0;
                assert!(err < 1e-26, "{case:?} window {i}: MSE {err}");
            }
        }
    }

    #[test]
    fn datasets_are_seeded_and_splits_disjoint() {
        let p = Prototype::paper(Case::Pam4Pam4).with_window(128).unwrap();
        assert_eq!(p.window_of(3, true, 5), p.window_of(3, true, 5));
        assert_ne!(p.window_of(3, true, 5).soi, p.window_of(3, false, 5).soi);
        assert_ne!(p.window_of(3, true, 5).soi, p.window_of(4, true, 5).soi);
        // A longer window of the same index repeats the same period.
        let long = p.with_window(256).unwrap().window_of(3, true, 5);
        assert_eq!(long.soi[..128], p.window_of(3, true, 5).soi[..]);
    }

    #[test]
    fn bad_set_ups_and_input_are_errors() {
        assert!(Case::new(0).is_err() && Case::new(5).is_err());
        assert_eq!(Case::new(3).unwrap(), Case::BpskPam4);
        assert_eq!(Case::BpskPam4.number(), 3);
        assert!(Prototype::new(Case::BpskBpsk, 64, 32, 4096, 4.0).is_err(), "carrier 32 meets its mirror");
        assert!(Prototype::new(Case::BpskBpsk, 64, 0, 4096, 4.0).is_err());
        assert!(Prototype::new(Case::BpskBpsk, 64, 28, 100, 4.0).is_err(), "not a multiple of 64");
        assert!(Prototype::new(Case::BpskBpsk, 64, 28, 4096, f64::NAN).is_err());
        assert!(Prototype::new(Case::BpskBpsk, 64, 28, 4096, 0.0).is_err());
        // A + b = −A + ... : BPSK + 1·BPSK gives 0 twice.
        assert!(Prototype::new(Case::BpskBpsk, 64, 28, 4096, 1.0).is_err(), "not separable");
        let p = Prototype::paper(Case::BpskBpsk);
        assert!(p.oracle().separate(&[0.0; 100]).is_err());
        let mut y = vec![0.0; 4096];
        y[9] = f64::INFINITY;
        assert!(p.oracle().separate(&y).is_err());
        assert!(p.waveform(p.soi_carriers(), &[1.0]).is_err());
    }
}
