//! Single-carrier linear modulation with a root-raised-cosine pulse.

use super::Modem;
use crate::constellation::Constellation;
use crate::error::{Error, Result, check_len};
use crate::pulse::root_raised_cosine;
use infoflow_numerics::signal::C64;

/// `s[n] = g Σ_k a_k h[n − (sps·k + o) + L]`: symbol `k` centred at sample
/// `sps·k + o` (`o = ⌊sps/2⌋`), `h` the unit-energy RRC of
/// [`root_raised_cosine`] with `2L + 1` taps, gain `g = √sps` (unit power),
/// the frame cut to `symbols · sps` samples (the challenge's "same"
/// convolution: the pulse tails of the first and last symbols are cut).
///
/// Generation is polyphase: each symbol adds its scaled pulse once, so an
/// output sample costs `(2L + 1)/sps` multiply-adds, not `2L + 1`. The
/// demodulator is the matched filter evaluated at the symbol instants only,
/// divided by `g`.
#[derive(Clone, Debug)]
pub struct SingleCarrier {
    constellation: Constellation,
    sps: usize,
    rolloff: f64,
    span: usize,
    symbols: usize,
    taps: Vec<f64>,
    gain: f64,
}

impl SingleCarrier {
    /// `symbols` symbols of `constellation` at `sps` samples per symbol, RRC
    /// roll-off `rolloff` and span `span` symbols.
    pub fn new(constellation: Constellation, sps: usize, rolloff: f64, span: usize, symbols: usize) -> Result<Self> {
        if symbols == 0 {
            return Err(Error::invalid("symbols", symbols, "a frame has at least one symbol"));
        }
        let taps = root_raised_cosine(sps, rolloff, span)?;
        Ok(Self { constellation, sps, rolloff, span, symbols, taps, gain: (sps as f64).sqrt() })
    }

    /// The challenge's QPSK signal: 16 samples per symbol, roll-off 0.5,
    /// span 8, 2,560 symbols (40,960 samples).
    pub fn challenge_qpsk() -> Self {
        Self::new(Constellation::Qpsk, 16, 0.5, 8, 2560).expect("valid preset")
    }

    /// Samples per symbol.
    pub fn sps(&self) -> usize {
        self.sps
    }

    /// The RRC roll-off.
    pub fn rolloff(&self) -> f64 {
        self.rolloff
    }

    /// The pulse span in symbols.
    pub fn span(&self) -> usize {
        self.span
    }

    /// The unit-energy pulse taps.
    pub fn taps(&self) -> &[f64] {
        &self.taps
    }

    /// Sample index of the centre of symbol `k`.
    fn centre(&self, k: usize) -> usize {
        self.sps * k + self.sps / 2
    }
}

impl Modem for SingleCarrier {
    fn name(&self) -> String {
        if (self.sps, self.rolloff, self.span) == (16, 0.5, 8) {
            self.constellation.name().into()
        } else {
            format!("{}-sps{}-rolloff{}-span{}", self.constellation.name(), self.sps, self.rolloff, self.span)
        }
    }
    fn constellation(&self) -> Constellation {
        self.constellation
    }
    fn frame_len(&self) -> usize {
        self.symbols * self.sps
    }
    fn symbols_per_frame(&self) -> usize {
        self.symbols
    }
    fn period(&self) -> usize {
        self.sps
    }

    fn modulate_symbols(&self, symbols: &[C64], frame: &mut [C64]) -> Result<()> {
        check_len("symbols to modulate", symbols.len(), self.symbols)?;
        check_len("frame", frame.len(), self.frame_len())?;
        frame.fill(C64::new(0.0, 0.0));
        let (n, half) = (frame.len() as isize, (self.taps.len() / 2) as isize);
        for (k, &a) in symbols.iter().enumerate() {
            let a = a * self.gain;
            let start = self.centre(k) as isize - half;
            let (lo, hi) = ((-start).max(0) as usize, ((n - start) as usize).min(self.taps.len()));
            let out = &mut frame[(start + lo as isize) as usize..(start + hi as isize) as usize];
            for (o, &h) in out.iter_mut().zip(&self.taps[lo..hi]) {
                *o += a * h;
            }
        }
        Ok(())
    }

    fn demodulate_symbols(&self, frame: &[C64], symbols: &mut [C64]) -> Result<()> {
        check_len("frame", frame.len(), self.frame_len())?;
        check_len("symbols", symbols.len(), self.symbols)?;
        let (n, half) = (frame.len() as isize, (self.taps.len() / 2) as isize);
        for (k, s) in symbols.iter_mut().enumerate() {
            let start = self.centre(k) as isize - half;
            let (lo, hi) = ((-start).max(0) as usize, ((n - start) as usize).min(self.taps.len()));
            let seg = &frame[(start + lo as isize) as usize..(start + hi as isize) as usize];
            let acc = seg.iter().zip(&self.taps[lo..hi]).fold(C64::new(0.0, 0.0), |acc, (y, &h)| acc + y * h);
            *s = acc / self.gain;
        }
        Ok(())
    }

    fn symbol_noise_var(&self, sample_noise_var: f64) -> f64 {
        // Unit-energy matched filter, divided by the gain √sps.
        sample_noise_var / self.sps as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infoflow_numerics::signal::convolve_direct;

    /// The challenge's recipe written out: zero-stuff to symbol k at
    /// 16k + 8, dense "same" convolution with the pulse, times 4.
    fn dense_reference(m: &SingleCarrier, symbols: &[C64]) -> Vec<C64> {
        let n = m.frame_len();
        let mut stuffed = vec![C64::new(0.0, 0.0); n];
        for (k, &a) in symbols.iter().enumerate() {
            stuffed[m.centre(k)] = a;
        }
        let h: Vec<C64> = m.taps.iter().map(|&t| C64::new(t, 0.0)).collect();
        let full = convolve_direct(&stuffed, &h).unwrap();
        let half = m.taps.len() / 2;
        full[half..half + n].iter().map(|z| z * m.gain).collect()
    }

    #[test]
    fn polyphase_generation_equals_the_dense_recipe() {
        for m in [
            SingleCarrier::new(Constellation::Qpsk, 16, 0.5, 8, 40).unwrap(),
            SingleCarrier::new(Constellation::Qam16, 5, 0.35, 6, 33).unwrap(),
            SingleCarrier::new(Constellation::Bpsk, 3, 1.0, 3, 17).unwrap(),
        ] {
            let symbols: Vec<C64> =
                (0..m.symbols).map(|k| C64::new(((k * 7) % 5) as f64 - 2.0, ((k * 3) % 4) as f64 - 1.5)).collect();
            let mut frame = vec![C64::new(0.0, 0.0); m.frame_len()];
            m.modulate_symbols(&symbols, &mut frame).unwrap();
            let reference = dense_reference(&m, &symbols);
            let err = frame.iter().zip(&reference).map(|(a, b)| (a - b).norm()).fold(0.0, f64::max);
            assert!(err < 1e-12, "{}: {err}", m.name());
        }
    }

    #[test]
    fn matched_filter_recovers_symbols_up_to_truncation_isi() {
        let m = SingleCarrier::challenge_qpsk();
        let symbols: Vec<C64> =
            (0..2560).map(|k| if k == 100 { C64::new(1.0, 0.0) } else { C64::new(0.0, 0.0) }).collect();
        let mut frame = vec![C64::new(0.0, 0.0); m.frame_len()];
        m.modulate_symbols(&symbols, &mut frame).unwrap();
        let mut back = vec![C64::new(0.0, 0.0); 2560];
        m.demodulate_symbols(&frame, &mut back).unwrap();
        assert!((back[100].re - 1.0).abs() < 1e-12);
        // Truncation ISI of the 129-tap pulse: of order 1e-3, never zero.
        let isi: Vec<f64> = (96..=104).map(|k| back[k].norm()).collect();
        assert!(isi.iter().enumerate().all(|(i, v)| i == 4 || (*v < 2e-3 && *v > 1e-6)), "{isi:?}");
        assert!(SingleCarrier::new(Constellation::Qpsk, 16, 0.5, 8, 0).is_err());
    }
}
