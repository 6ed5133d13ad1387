//! Signals of interest: single-carrier linear modulation with an RRC pulse
//! ([`SingleCarrier`]) and OFDM ([`Ofdm`]), behind one [`Modem`] trait, with
//! the two RF Challenge presets ([`SoiKind`]).
//!
//! A modem maps the bits of one frame to a frame of complex baseband
//! samples and back: `demodulate(modulate(bits)) == bits` without noise
//! (tested for every constellation). [`Modem::symbols`] gives the
//! demodulator's soft symbol estimates (matched filter at the symbol
//! instants, or CP removal and FFT), from which hard bits and LLRs follow.

mod matched_filter;
mod ofdm;
mod single_carrier;

pub use ofdm::Ofdm;
pub use single_carrier::SingleCarrier;

use crate::constellation::Constellation;
use crate::error::{Result, check_finite, check_len};
use infoflow_numerics::signal::C64;
use rand::{Rng, RngExt};

/// A modulation scheme for frames of fixed length.
pub trait Modem: Send + Sync + core::fmt::Debug {
    /// A short name, e.g. `"QPSK"` or `"OFDMQPSK"`.
    fn name(&self) -> String;
    /// The constellation of the data symbols.
    fn constellation(&self) -> Constellation;
    /// Samples per frame.
    fn frame_len(&self) -> usize;
    /// Data symbols per frame.
    fn symbols_per_frame(&self) -> usize;
    /// The period, in samples, of the signal's second-order statistics
    /// (samples per symbol, or FFT size plus cyclic prefix): the signal is
    /// cyclostationary with this period, aligned to the frame start.
    fn period(&self) -> usize;
    /// Writes the frame carrying `symbols` into `frame`.
    fn modulate_symbols(&self, symbols: &[C64], frame: &mut [C64]) -> Result<()>;
    /// The demodulator's estimate of every data symbol of `frame`.
    fn demodulate_symbols(&self, frame: &[C64], symbols: &mut [C64]) -> Result<()>;
    /// Noise variance per demodulated symbol when the frame carries circular
    /// white noise of variance `sample_noise_var` per sample.
    fn symbol_noise_var(&self, sample_noise_var: f64) -> f64;

    /// Bits per frame.
    fn bits_per_frame(&self) -> usize {
        self.symbols_per_frame() * self.constellation().bits_per_symbol()
    }

    /// Writes the frame carrying `bits` (`bits_per_frame` values in {0, 1})
    /// into `frame`. The modems override it with paths that map bits
    /// straight into the frame.
    fn modulate_into(&self, bits: &[u8], frame: &mut [C64]) -> Result<()> {
        check_len("bits to modulate", bits.len(), self.bits_per_frame())?;
        let mut symbols = vec![C64::new(0.0, 0.0); self.symbols_per_frame()];
        self.constellation().map(bits, &mut symbols)?;
        self.modulate_symbols(&symbols, frame)
    }

    /// Hard-decision bits of `frame` into `bits` (cleared first). The
    /// modems override it with paths that decide without storing symbols.
    fn demodulate_into(&self, frame: &[C64], bits: &mut Vec<u8>) -> Result<()> {
        let symbols = self.symbols(frame)?;
        self.constellation().hard_bits(&symbols, bits)
    }

    /// The frame carrying `bits` (`bits_per_frame` values in {0, 1}).
    fn modulate(&self, bits: &[u8]) -> Result<Vec<C64>> {
        let mut frame = vec![C64::new(0.0, 0.0); self.frame_len()];
        self.modulate_into(bits, &mut frame)?;
        Ok(frame)
    }

    /// Soft symbol estimates of `frame` (checked: length and finiteness).
    fn symbols(&self, frame: &[C64]) -> Result<Vec<C64>> {
        check_len("frame to demodulate", frame.len(), self.frame_len())?;
        check_finite("frame to demodulate", frame)?;
        let mut symbols = vec![C64::new(0.0, 0.0); self.symbols_per_frame()];
        self.demodulate_symbols(frame, &mut symbols)?;
        Ok(symbols)
    }

    /// Hard-decision bits of `frame`.
    fn demodulate(&self, frame: &[C64]) -> Result<Vec<u8>> {
        let mut bits = Vec::with_capacity(self.bits_per_frame());
        self.demodulate_into(frame, &mut bits)?;
        Ok(bits)
    }

    /// Exact LLRs (`> 0` means bit 1) of `frame` assuming white noise of
    /// variance `sample_noise_var` per sample.
    fn llrs(&self, frame: &[C64], sample_noise_var: f64) -> Result<Vec<f64>> {
        let mut llrs = Vec::with_capacity(self.bits_per_frame());
        self.constellation().llrs(&self.symbols(frame)?, self.symbol_noise_var(sample_noise_var), &mut llrs)?;
        Ok(llrs)
    }
}

/// Checks a frame's bits: the length, and every value 0 or 1.
pub(crate) fn check_bits(bits: &[u8], expected: usize) -> Result<()> {
    check_len("bits to modulate", bits.len(), expected)?;
    if bits.iter().fold(0u8, |acc, &b| acc | b) > 1 {
        return Err(crate::error::Error::invalid("bit", "> 1", "bits are 0 or 1"));
    }
    Ok(())
}

/// `n` iid uniform bits.
pub fn random_bits<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Vec<u8> {
    let mut bits = Vec::with_capacity(n);
    while bits.len() < n {
        let w: u64 = rng.random();
        bits.extend((0..64.min(n - bits.len())).map(|i| ((w >> i) & 1) as u8));
    }
    bits
}

/// A frame of uniform random bits: `(bits, samples)`.
pub fn random_frame<R: Rng + ?Sized>(modem: &dyn Modem, rng: &mut R) -> Result<(Vec<u8>, Vec<C64>)> {
    let bits = random_bits(modem.bits_per_frame(), rng);
    let frame = modem.modulate(&bits)?;
    Ok((bits, frame))
}

/// The two signals of interest of the 2024 RF Challenge (serialised, with
/// the `serde` feature, as their names `"QPSK"` and `"OFDMQPSK"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SoiKind {
    /// QPSK, RRC pulse (16 samples per symbol, roll-off 0.5, span 8),
    /// 2,560 symbols in 40,960 samples.
    #[cfg_attr(feature = "serde", serde(rename = "QPSK"))]
    Qpsk,
    /// OFDM-QPSK: 64-point FFT, 56 data subcarriers, CP 16, 512 OFDM
    /// symbols in 40,960 samples.
    #[cfg_attr(feature = "serde", serde(rename = "OFDMQPSK"))]
    OfdmQpsk,
}

impl SoiKind {
    /// Both, in the challenge's order.
    pub const ALL: [SoiKind; 2] = [SoiKind::Qpsk, SoiKind::OfdmQpsk];

    /// The challenge's name (`"QPSK"`, `"OFDMQPSK"`).
    pub fn name(self) -> &'static str {
        match self {
            SoiKind::Qpsk => "QPSK",
            SoiKind::OfdmQpsk => "OFDMQPSK",
        }
    }

    /// The modem with the challenge's parameters.
    pub fn modem(self) -> Box<dyn Modem> {
        match self {
            SoiKind::Qpsk => Box::new(SingleCarrier::challenge_qpsk()),
            SoiKind::OfdmQpsk => Box::new(Ofdm::challenge_qpsk()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infoflow_numerics::rng::Streams;
    use infoflow_numerics::signal::power;

    #[test]
    fn challenge_presets_round_trip_with_the_challenge_powers() {
        let mut rng = Streams::for_point(1, "rf-signal.modem", "presets").stream(0);
        for (kind, bits, p) in [(SoiKind::Qpsk, 5120, 1.0), (SoiKind::OfdmQpsk, 57_344, 56.0 / 64.0)] {
            let m = kind.modem();
            assert_eq!(m.frame_len(), 40_960);
            assert_eq!(m.bits_per_frame(), bits);
            let mut pw = 0.0;
            for _ in 0..4 {
                let (b, s) = random_frame(m.as_ref(), &mut rng).unwrap();
                assert_eq!(m.demodulate(&s).unwrap(), b, "{kind:?}");
                pw += power(&s).unwrap() / 4.0;
            }
            assert!((pw - p).abs() < 0.01 * p, "{kind:?}: power {pw}");
            assert!(m.demodulate(&vec![C64::new(0.0, 0.0); 100]).is_err());
            let mut bad = vec![C64::new(0.0, 0.0); 40_960];
            bad[7] = C64::new(f64::NAN, 0.0);
            assert!(m.demodulate(&bad).is_err());
            assert!(m.modulate(&vec![0u8; bits - 1]).is_err());
        }
    }
}
