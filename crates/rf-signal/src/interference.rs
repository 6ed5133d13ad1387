//! Synthetic interference families that stand in for the RF Challenge's
//! recorded interference (which cannot ship with the crate), each a
//! documented random process generated at unit power per frame.
//!
//! | family | stands in for | structure |
//! |---|---|---|
//! | [`Interference::SingleCarrier`] | CommSignal2 (a communication signal with strong temporal structure) | QPSK with an RRC pulse at another symbol rate and roll-off, random symbol timing and carrier offset: cyclostationary with period `sps` |
//! | [`Interference::Ofdm`] | CommSignal5G1 (a 5G NR waveform) | 16-QAM OFDM of another numerology (128 points, CP 9), a random set of occupied carriers per frame, random symbol timing: cyclostationary with period `N + CP` |
//! | [`Interference::ToneBursts`] | EMISignal1 (narrowband emissions) | tones at an emitter's fixed frequencies inside the SOI band (jittered, random amplitudes and phases) plus impulsive wideband bursts |
//! | [`Interference::ColouredNoise`] | CommSignal3 (a co-channel signal no baseline exploits) | stationary Gaussian noise through a low-pass filter: no structure beyond its spectrum |
//!
//! Frames are normalised to unit power (mean `|b|²` = 1 over the frame),
//! so the mixing gain `κ` sets the SINR of a unit-power SOI exactly. Real
//! frames load through [`crate::io`].

use crate::constellation::Constellation;
use crate::error::{Error, Result};
use crate::modem::{Ofdm, SingleCarrier, random_frame};
use infoflow_numerics::signal::{C64, complex_gaussian, convolve, power};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Poisson};
use std::f64::consts::PI;

/// A synthetic interference family; see the module docs.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Clone, Debug, PartialEq)]
pub enum Interference {
    /// Single-carrier QPSK: `sps` samples per symbol, RRC roll-off
    /// `rolloff` (span 8), carrier offset uniform in `±max_cfo` cycles per
    /// sample, symbol timing uniform.
    SingleCarrier {
        /// Samples per symbol (≠ the SOI's).
        sps: usize,
        /// RRC roll-off.
        rolloff: f64,
        /// Largest carrier offset, cycles per sample.
        max_cfo: f64,
    },
    /// 16-QAM OFDM with `fft_size` points and cyclic prefix `cp`; each
    /// carrier (guards of `fft_size/16` on each side, DC null) is occupied
    /// with probability `occupancy`, drawn per frame; timing uniform.
    Ofdm {
        /// FFT size.
        fft_size: usize,
        /// Cyclic-prefix length.
        cp: usize,
        /// Probability that a carrier is occupied.
        occupancy: f64,
    },
    /// Complex tones at the frequencies `tones` (cycles per sample), each
    /// jittered per frame by up to `±jitter`, with amplitudes uniform in
    /// `[0.5, 1.5]` and uniform phases, plus impulsive bursts of white
    /// noise: on average `bursts` per 40,960 samples, each 64 samples long
    /// at 10 times the tones' power.
    ToneBursts {
        /// The emitter's tone frequencies, cycles per sample.
        tones: Vec<f64>,
        /// Frequency jitter per frame, cycles per sample.
        jitter: f64,
        /// Mean number of bursts per 40,960 samples.
        bursts: f64,
    },
    /// Complex white Gaussian noise through a Hann-windowed sinc low-pass
    /// filter of one-sided bandwidth `bandwidth` (cycles per sample, 65
    /// taps), shifted by a carrier offset uniform in `±max_cfo`.
    ColouredNoise {
        /// One-sided bandwidth, cycles per sample, in (0, 0.5].
        bandwidth: f64,
        /// Largest carrier offset, cycles per sample.
        max_cfo: f64,
    },
}

impl Interference {
    /// The four stand-ins with their default parameters, named after the
    /// challenge families they replace.
    pub fn challenge_stand_ins() -> [(&'static str, Interference); 4] {
        [
            ("EMI-like", Interference::ToneBursts { tones: vec![-0.021, 0.006, 0.017], jitter: 5e-4, bursts: 8.0 }),
            ("SC-like", Interference::SingleCarrier { sps: 7, rolloff: 0.35, max_cfo: 0.01 }),
            ("Noise-like", Interference::ColouredNoise { bandwidth: 0.08, max_cfo: 0.01 }),
            ("OFDM-like", Interference::Ofdm { fft_size: 128, cp: 9, occupancy: 0.7 }),
        ]
    }

    /// Whether the family is cyclostationary (has a symbol-rate periodicity).
    pub fn is_cyclostationary(&self) -> bool {
        matches!(self, Interference::SingleCarrier { .. } | Interference::Ofdm { .. })
    }

    fn check(&self) -> Result<()> {
        let ok = match *self {
            Interference::SingleCarrier { sps, rolloff, max_cfo } => {
                (2..=1024).contains(&sps) && rolloff > 0.0 && rolloff <= 1.0 && (0.0..0.5).contains(&max_cfo)
            }
            Interference::Ofdm { fft_size, cp, occupancy } => {
                (16..=1 << 14).contains(&fft_size) && cp <= fft_size && occupancy > 0.0 && occupancy <= 1.0
            }
            Interference::ToneBursts { ref tones, jitter, bursts } => {
                (1..=64).contains(&tones.len())
                    && tones.iter().all(|f| (-0.5..0.5).contains(f))
                    && (0.0..0.5).contains(&jitter)
                    && (0.0..=1e4).contains(&bursts)
            }
            Interference::ColouredNoise { bandwidth, max_cfo } => {
                bandwidth > 0.0 && bandwidth <= 0.5 && (0.0..0.5).contains(&max_cfo)
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::invalid(
                "interference",
                format!("{self:?}"),
                "a parameter of the interference family is out of range",
            ))
        }
    }

    /// A frame of `len ≥ 1` samples at unit power.
    pub fn generate<R: Rng + ?Sized>(&self, len: usize, rng: &mut R) -> Result<Vec<C64>> {
        self.check()?;
        if len == 0 {
            return Err(Error::invalid("len", len, "an interference frame has at least one sample"));
        }
        let mut b = match *self {
            Interference::SingleCarrier { sps, rolloff, max_cfo } => {
                let span = 8;
                let modem = SingleCarrier::new(Constellation::Qpsk, sps, rolloff, span, len.div_ceil(sps) + span + 1)?;
                let (_, long) = random_frame(&modem, rng)?;
                let start = span / 2 * sps + rng.random_range(0..sps);
                rotate(&long[start..start + len], rng.random_range(-max_cfo..=max_cfo))
            }
            Interference::Ofdm { fft_size, cp, occupancy } => {
                let guard = (fft_size / 16) as isize;
                let half = (fft_size / 2) as isize;
                let mut carriers: Vec<isize> =
                    (-half + guard..half - guard).filter(|&c| c != 0 && rng.random::<f64>() < occupancy).collect();
                if carriers.is_empty() {
                    carriers.push(1);
                }
                let period = fft_size + cp;
                let modem =
                    Ofdm::with_carriers(Constellation::Qam16, fft_size, cp, len.div_ceil(period) + 1, &carriers)?;
                let (_, long) = random_frame(&modem, rng)?;
                let start = rng.random_range(0..period);
                long[start..start + len].to_vec()
            }
            Interference::ToneBursts { ref tones, jitter, bursts } => {
                let mut b = vec![C64::new(0.0, 0.0); len];
                for &tone in tones {
                    let f = tone + rng.random_range(-jitter..=jitter);
                    let a = rng.random_range(0.5..1.5);
                    let phase = rng.random_range(0.0..2.0 * PI);
                    for (n, z) in b.iter_mut().enumerate() {
                        *z += C64::from_polar(a, 2.0 * PI * f * n as f64 + phase);
                    }
                }
                let tone_power = power(&b)?;
                let expected = bursts * len as f64 / 40_960.0;
                let count = if expected > 0.0 {
                    Poisson::new(expected)
                        .map_err(|_| Error::invalid("bursts", bursts, "a finite burst rate"))?
                        .sample(rng) as usize
                } else {
                    0
                };
                for _ in 0..count {
                    let at = rng.random_range(0..len);
                    let end = (at + 64).min(len);
                    let noise = complex_gaussian(end - at, 10.0 * tone_power, rng)?;
                    b[at..end].iter_mut().zip(noise).for_each(|(z, w)| *z += w);
                }
                b
            }
            Interference::ColouredNoise { bandwidth, max_cfo } => {
                let taps = lowpass(bandwidth, 65);
                let white = complex_gaussian(len + taps.len() - 1, 1.0, rng)?;
                let full = convolve(&white, &taps)?;
                let filtered = &full[taps.len() - 1..taps.len() - 1 + len];
                rotate(filtered, rng.random_range(-max_cfo..=max_cfo))
            }
        };
        let p = power(&b)?;
        if !(p > 0.0 && p.is_finite()) {
            return Err(Error::invalid("interference", format!("{self:?}"), "the generated frame has no power"));
        }
        let g = 1.0 / p.sqrt();
        b.iter_mut().for_each(|z| *z *= g);
        Ok(b)
    }
}

/// `x[n] e^{2πi f n}`.
fn rotate(x: &[C64], f: f64) -> Vec<C64> {
    x.iter().enumerate().map(|(n, z)| z * C64::from_polar(1.0, 2.0 * PI * f * n as f64)).collect()
}

/// Hann-windowed sinc low-pass taps of one-sided bandwidth `bw`.
fn lowpass(bw: f64, len: usize) -> Vec<C64> {
    let mid = (len / 2) as f64;
    (0..len)
        .map(|m| {
            let t = m as f64 - mid;
            let sinc = if t == 0.0 { 2.0 * bw } else { (2.0 * PI * bw * t).sin() / (PI * t) };
            let hann = 0.5 - 0.5 * (2.0 * PI * m as f64 / (len - 1) as f64).cos();
            C64::new(sinc * hann, 0.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use infoflow_numerics::rng::Streams;

    #[test]
    fn every_family_is_unit_power_and_reproducible() {
        for (name, fam) in Interference::challenge_stand_ins() {
            let b = fam.generate(40_960, &mut Streams::for_point(3, "rf-signal.interference", name).stream(0)).unwrap();
            assert_eq!(b.len(), 40_960);
            assert!((power(&b).unwrap() - 1.0).abs() < 1e-12, "{name}");
            let again =
                fam.generate(40_960, &mut Streams::for_point(3, "rf-signal.interference", name).stream(0)).unwrap();
            assert_eq!(b, again, "{name}");
            assert!(fam.generate(0, &mut Streams::for_point(3, "x", "y").stream(0)).is_err());
        }
        let bad = Interference::SingleCarrier { sps: 1, rolloff: 0.5, max_cfo: 0.0 };
        assert!(bad.generate(10, &mut Streams::for_point(3, "x", "y").stream(0)).is_err());
        let bad = Interference::ColouredNoise { bandwidth: f64::NAN, max_cfo: 0.0 };
        assert!(bad.generate(10, &mut Streams::for_point(3, "x", "y").stream(0)).is_err());
    }
}
