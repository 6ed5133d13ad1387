//! Single-carrier linear modulation with a root-raised-cosine pulse.

use super::matched_filter::matched_filter;
use super::{Modem, check_bits};
use crate::constellation::Constellation;
use crate::error::{Error, Result, check_finite, check_len};
use crate::pulse::root_raised_cosine;
use infoflow_numerics::signal::{C64, as_interleaved, as_interleaved_mut};

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
    /// The taps duplicated per lane, `[h₀, h₀, h₁, h₁, …]`, for loops over
    /// interleaved samples.
    taps2: Vec<f64>,
    gain: f64,
    /// The lookup-table modulator of binary-per-axis constellations.
    lut: Option<Lut>,
}

/// Output sample `n = sps·j + r` depends on the symbols `k = j − i`,
/// `i ∈ [i_lo, i_lo + W)`; for BPSK and QPSK each axis of the output is a
/// signed sum of taps chosen by the `W` sign bits of that axis, so
/// `table[w·sps + r]` holds all of them (the `sps` outputs of one window
/// contiguous) and the modulator is two lookups per sample, no
/// multiplications.
#[derive(Clone, Debug)]
struct Lut {
    i_lo: isize,
    width: usize,
    table: Vec<f64>,
}

impl SingleCarrier {
    /// `symbols` symbols of `constellation` at `sps` samples per symbol, RRC
    /// roll-off `rolloff` and span `span` symbols.
    pub fn new(constellation: Constellation, sps: usize, rolloff: f64, span: usize, symbols: usize) -> Result<Self> {
        if symbols == 0 {
            return Err(Error::invalid("symbols", symbols, "a frame has at least one symbol"));
        }
        let taps = root_raised_cosine(sps, rolloff, span)?;
        let taps2 = taps.iter().flat_map(|&h| [h, h]).collect();
        let mut m =
            Self { constellation, sps, rolloff, span, symbols, taps, taps2, gain: (sps as f64).sqrt(), lut: None };
        m.lut = m.build_lut();
        Ok(m)
    }

    /// The lookup table for BPSK and QPSK when it is small (at most 12
    /// symbols per output sample, 2²⁰ entries).
    fn build_lut(&self) -> Option<Lut> {
        let level = match self.constellation {
            Constellation::Bpsk => 1.0,
            Constellation::Qpsk => 0.5f64.sqrt(),
            Constellation::Qam16 => return None,
        };
        let (sps, o, l) = (self.sps as isize, (self.sps / 2) as isize, (self.taps.len() / 2) as isize);
        // h index of symbol offset i at phase r: sps·i + r − o + L ∈ [0, 2L].
        let i_lo = (0..sps).map(|r| (o - l - r).div_euclid(sps) + ((o - l - r).rem_euclid(sps) != 0) as isize).min()?;
        let i_hi = (0..sps).map(|r| (l + o - r).div_euclid(sps)).max()?;
        let width = (i_hi - i_lo + 1) as usize;
        if width > 12 || self.sps << width > 1 << 20 {
            return None;
        }
        let mut table = vec![0.0; self.sps << width];
        for r in 0..sps {
            for w in 0..1usize << width {
                let row = &mut table[w * self.sps + r as usize];
                for b in 0..width {
                    let m = sps * (i_lo + b as isize) + r - o + l;
                    if let Some(&h) = usize::try_from(m).ok().and_then(|m| self.taps.get(m)) {
                        let sign = if (w >> b) & 1 == 1 { -1.0 } else { 1.0 };
                        *row += sign * h * level * self.gain;
                    }
                }
            }
        }
        Some(Lut { i_lo, width, table })
    }

    /// `out[n] = g Σ_k a_k h[n − sps·k − o + L]` summed directly (frame edges).
    fn direct_sample(&self, n: usize, symbol: impl Fn(usize) -> C64) -> C64 {
        let (o, l) = (self.sps / 2, self.taps.len() / 2);
        // Symbols whose pulse covers n: |n − (sps·k + o)| ≤ L.
        let k_lo = n.saturating_sub(l + o) / self.sps;
        let k_hi = ((n + l) / self.sps + 1).min(self.symbols);
        (k_lo..k_hi)
            .filter_map(|k| {
                let m = (n + l).checked_sub(self.sps * k + o)?;
                self.taps.get(m).map(|&h| symbol(k) * (h * self.gain))
            })
            .sum()
    }

    /// The lookup-table modulator (see [`Lut`]).
    fn modulate_lut(&self, lut: &Lut, bits: &[u8], frame: &mut [C64]) {
        let bps = self.constellation.bits_per_symbol();
        let table = self.constellation.points();
        let symbol = |k: usize| {
            let v = bits[bps * k..bps * k + bps].iter().fold(0usize, |acc, &b| (acc << 1) | b as usize);
            table[v]
        };
        let (sps, width, k_count) = (self.sps, lut.width, self.symbols as isize);
        let mask = (1usize << width) - 1;
        // j is interior when every k = j − i_lo − b, b < W, lies in the frame.
        let first = (lut.i_lo + width as isize - 1).max(0);
        let last = (k_count - 1 + lut.i_lo).min(k_count - 1);
        let bit = |k: isize, axis: usize| -> usize {
            if bps == 1 {
                if axis == 0 { bits[k as usize] as usize } else { 0 }
            } else {
                bits[2 * k as usize + axis] as usize
            }
        };
        let (mut wr, mut wi) = (0usize, 0usize);
        if first <= last {
            // Bit b of a window is symbol j − i_lo − b: the newest in bit 0.
            for b in (0..width).rev() {
                let k = first - lut.i_lo - b as isize;
                wr = (wr << 1) | bit(k, 0);
                wi = (wi << 1) | bit(k, 1);
            }
            for j in first..=last {
                if j > first {
                    let k = j - lut.i_lo;
                    wr = ((wr << 1) | bit(k, 0)) & mask;
                    wi = ((wi << 1) | bit(k, 1)) & mask;
                }
                let out = &mut frame[j as usize * sps..(j as usize + 1) * sps];
                let re = &lut.table[wr * sps..(wr + 1) * sps];
                if bps == 1 {
                    out.iter_mut().zip(re).for_each(|(o, &x)| *o = C64::new(x, 0.0));
                } else {
                    let im = &lut.table[wi * sps..(wi + 1) * sps];
                    out.iter_mut().zip(re.iter().zip(im)).for_each(|(o, (&x, &y))| *o = C64::new(x, y));
                }
            }
        }
        let interior = if first <= last { first as usize * sps..(last as usize + 1) * sps } else { 0..0 };
        for n in (0..frame.len()).filter(|n| !interior.contains(n)) {
            frame[n] = self.direct_sample(n, symbol);
        }
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
        let out = as_interleaved_mut(frame);
        for (k, &a) in symbols.iter().enumerate() {
            let a = a * self.gain;
            let start = self.centre(k) as isize - half;
            let (lo, hi) = ((-start).max(0) as usize, ((n - start) as usize).min(self.taps.len()));
            let at = 2 * (start + lo as isize) as usize;
            let seg = &mut out[at..at + 2 * (hi - lo)];
            for (o, h) in seg.chunks_exact_mut(2).zip(self.taps2[2 * lo..2 * hi].chunks_exact(2)) {
                o[0] += a.re * h[0];
                o[1] += a.im * h[1];
            }
        }
        Ok(())
    }

    fn modulate_into(&self, bits: &[u8], frame: &mut [C64]) -> Result<()> {
        check_bits(bits, self.bits_per_frame())?;
        check_len("frame", frame.len(), self.frame_len())?;
        match &self.lut {
            Some(lut) => {
                self.modulate_lut(lut, bits, frame);
                Ok(())
            }
            None => {
                let mut symbols = vec![C64::new(0.0, 0.0); self.symbols];
                self.constellation.map(bits, &mut symbols)?;
                self.modulate_symbols(&symbols, frame)
            }
        }
    }

    fn demodulate_symbols(&self, frame: &[C64], symbols: &mut [C64]) -> Result<()> {
        check_len("frame", frame.len(), self.frame_len())?;
        check_len("symbols", symbols.len(), self.symbols)?;
        matched_filter(as_interleaved(frame), &self.taps2, self.sps, self.gain, symbols);
        Ok(())
    }

    fn demodulate_into(&self, frame: &[C64], bits: &mut Vec<u8>) -> Result<()> {
        check_len("frame to demodulate", frame.len(), self.frame_len())?;
        let mut symbols = vec![C64::new(0.0, 0.0); self.symbols];
        matched_filter(as_interleaved(frame), &self.taps2, self.sps, self.gain, &mut symbols);
        // Every sample lies under some symbol's matched filter and NaN or ∞
        // times any tap is not finite, so checking the symbols checks the frame.
        check_finite("frame to demodulate", &symbols)?;
        self.constellation.hard_bits(&symbols, bits)
    }

    fn symbol_noise_var(&self, sample_noise_var: f64) -> f64 {
        // Unit-energy matched filter, divided by the gain √sps.
        sample_noise_var / self.sps as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modem::matched_filter::matched_dot;
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

    #[test]
    fn lookup_table_modulator_equals_the_generic_one() {
        use crate::modem::random_bits;
        use infoflow_numerics::rng::Streams;
        let mut rng = Streams::for_point(4, "rf-signal.single-carrier", "lut").stream(0);
        for (c, sps, rolloff, span, symbols) in [
            (Constellation::Qpsk, 16, 0.5, 8, 2560),
            (Constellation::Qpsk, 16, 0.5, 8, 5),
            (Constellation::Bpsk, 3, 0.35, 6, 40),
            (Constellation::Qpsk, 7, 0.35, 8, 1),
            (Constellation::Qpsk, 4, 1.0, 11, 64),
        ] {
            let m = SingleCarrier::new(c, sps, rolloff, span, symbols).unwrap();
            assert!(m.lut.is_some(), "{}", m.name());
            let bits = random_bits(m.bits_per_frame(), &mut rng);
            let fast = m.modulate(&bits).unwrap();
            let mut sym = vec![C64::new(0.0, 0.0); symbols];
            c.map(&bits, &mut sym).unwrap();
            let mut slow = vec![C64::new(0.0, 0.0); m.frame_len()];
            m.modulate_symbols(&sym, &mut slow).unwrap();
            let err = fast.iter().zip(&slow).map(|(a, b)| (a - b).norm()).fold(0.0, f64::max);
            assert!(err < 1e-12, "{} ({symbols} symbols): {err}", m.name());
            assert_eq!(m.demodulate(&fast).unwrap(), bits);
        }
        assert!(SingleCarrier::new(Constellation::Qam16, 16, 0.5, 8, 4).unwrap().lut.is_none());
        assert!(SingleCarrier::challenge_qpsk().modulate(&vec![2u8; 5120]).is_err());
    }

    #[test]
    fn grouped_matched_filter_equals_the_portable_dot() {
        let m = SingleCarrier::challenge_qpsk();
        let frame: Vec<C64> =
            (0..m.frame_len()).map(|n| C64::new((n as f64 * 0.37).sin(), (n as f64 * 0.11).cos())).collect();
        let mut fast = vec![C64::new(0.0, 0.0); m.symbols];
        m.demodulate_symbols(&frame, &mut fast).unwrap();
        let y = as_interleaved(&frame);
        let half = (m.taps.len() / 2) as isize;
        for (k, z) in fast.iter().enumerate() {
            let start = m.centre(k) as isize - half;
            let (lo, hi) =
                ((-start).max(0) as usize, (frame.len() as isize - start).min(m.taps.len() as isize) as usize);
            let at = 2 * (start + lo as isize) as usize;
            let slow = matched_dot(&y[at..at + 2 * (hi - lo)], &m.taps2[2 * lo..2 * hi]) / m.gain;
            assert_eq!(*z, slow, "symbol {k}");
        }
    }
}
