//! OFDM with a cyclic prefix, the challenge's resource grid and its
//! generalisations.

use super::{Modem, check_bits};
use crate::constellation::{Constellation, ScaledMap};
use crate::error::{Error, Result, check_finite, check_len};
use infoflow_numerics::signal::{C64, fft_plans};

/// OFDM frames: per OFDM symbol, the data symbols fill the occupied
/// subcarriers in increasing frequency, the grid goes through a **unitary**
/// inverse FFT (DC at bin 0 after the shift from the centred grid), and the
/// last `cp` samples are prepended. Symbols fill the grid row by row (all
/// carriers of OFDM symbol 0, then symbol 1, ...). The challenge preset: 64
/// points, guards 4 (low) and 3 (high), DC null, so carriers `−28…−1, 1…28`
/// (56), CP 16, 512 OFDM symbols; power 56/64.
///
/// Demodulation drops the CP, applies the unitary FFT and reads the
/// occupied carriers. Batches of OFDM symbols go through one RustFFT call.
#[derive(Clone, Debug)]
pub struct Ofdm {
    constellation: Constellation,
    fft_size: usize,
    cp: usize,
    ofdm_symbols: usize,
    /// Occupied carriers as signed frequency indices, increasing.
    carriers: Vec<isize>,
    /// Their FFT bins.
    bins: Vec<usize>,
    /// Runs of carriers on consecutive bins: (first bin, first carrier index, length).
    runs: Vec<(usize, usize, usize)>,
}

/// OFDM symbols per FFT batch: one RustFFT call per batch, and a batch's
/// grid (32 KB at 64 points) stays in L1.
const BATCH: usize = 32;

impl Ofdm {
    /// OFDM with `fft_size` points, cyclic prefix `cp`, `ofdm_symbols`
    /// symbols per frame and the occupied carriers given as signed
    /// frequency indices in `[−fft_size/2, fft_size/2)` (distinct).
    pub fn with_carriers(
        constellation: Constellation,
        fft_size: usize,
        cp: usize,
        ofdm_symbols: usize,
        carriers: &[isize],
    ) -> Result<Self> {
        if fft_size < 2 || cp > fft_size || ofdm_symbols == 0 {
            return Err(Error::invalid(
                "fft_size/cp/symbols",
                format!("{fft_size}/{cp}/{ofdm_symbols}"),
                "the FFT has at least 2 points, the CP at most as many, and a frame at least one OFDM symbol",
            ));
        }
        let mut sorted = carriers.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let half = (fft_size / 2) as isize;
        if sorted.is_empty()
            || sorted.len() != carriers.len()
            || sorted[0] < -half
            || *sorted.last().expect("non-empty") >= fft_size as isize - half
        {
            return Err(Error::invalid(
                "carriers",
                carriers.len(),
                "occupied carriers are distinct frequency indices in [−N/2, N/2), at least one",
            ));
        }
        let bins: Vec<usize> = sorted.iter().map(|&c| c.rem_euclid(fft_size as isize) as usize).collect();
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        for (i, &b) in bins.iter().enumerate() {
            match runs.last_mut() {
                Some((first, _, len)) if *first + *len == b => *len += 1,
                _ => runs.push((b, i, 1)),
            }
        }
        Ok(Self { constellation, fft_size, cp, ofdm_symbols, carriers: sorted, bins, runs })
    }

    /// The grid of guards and a DC null: carriers from `−N/2 + lower` to
    /// `N/2 − 1 − upper`, without 0 when `dc_null`.
    pub fn new(
        constellation: Constellation,
        fft_size: usize,
        cp: usize,
        guards: (usize, usize),
        dc_null: bool,
        ofdm_symbols: usize,
    ) -> Result<Self> {
        let half = (fft_size / 2) as isize;
        let carriers: Vec<isize> = (-half + guards.0 as isize..fft_size as isize - half - guards.1 as isize)
            .filter(|&c| !(dc_null && c == 0))
            .collect();
        Self::with_carriers(constellation, fft_size, cp, ofdm_symbols, &carriers)
    }

    /// The challenge's OFDM-QPSK signal (see the type docs).
    pub fn challenge_qpsk() -> Self {
        Self::new(Constellation::Qpsk, 64, 16, (4, 3), true, 512).expect("valid preset")
    }

    /// Bits per OFDM symbol.
    fn bits_per_symbol_period(&self) -> usize {
        self.constellation.bits_per_symbol() * self.carriers.len()
    }

    /// The occupied carriers (signed frequency indices).
    pub fn carriers(&self) -> &[isize] {
        &self.carriers
    }

    /// FFT size.
    pub fn fft_size(&self) -> usize {
        self.fft_size
    }

    /// Cyclic-prefix length.
    pub fn cp(&self) -> usize {
        self.cp
    }

    /// Fills each OFDM symbol's body with `fill(symbol index, body)` (the
    /// body zeroed first), inverse-transforms it and writes it with its
    /// cyclic prefix. Bodies are built [`BATCH`] at a time in one contiguous
    /// grid, transformed by one RustFFT call (the same transform per body as
    /// one call each) and copied out.
    fn synthesise(&self, frame: &mut [C64], mut fill: impl FnMut(usize, &mut [C64])) {
        let (n, cp) = (self.fft_size, self.cp);
        let fft = fft_plans().inverse(n);
        let zero = C64::new(0.0, 0.0);
        let mut scratch = vec![zero; fft.get_inplace_scratch_len()];
        let mut grid = vec![zero; BATCH.min(self.ofdm_symbols) * n];
        for (b, out) in frame.chunks_mut(BATCH * (n + cp)).enumerate() {
            let grid = &mut grid[..out.len() / (n + cp) * n];
            grid.fill(zero);
            for (i, body) in grid.chunks_exact_mut(n).enumerate() {
                fill(b * BATCH + i, body);
            }
            fft.process_with_scratch(grid, &mut scratch);
            for (symbol, body) in out.chunks_exact_mut(n + cp).zip(grid.chunks_exact(n)) {
                let (prefix, rest) = symbol.split_at_mut(cp);
                prefix.copy_from_slice(&body[n - cp..]);
                rest.copy_from_slice(body);
            }
        }
    }

    /// Drops each OFDM symbol's prefix, transforms the body (unitary, a
    /// batch per RustFFT call) and hands the occupied bins, in carrier
    /// order, to `take(symbol index, bins)`. With `check`, each batch of the
    /// frame (prefixes included) is checked for NaN and ∞ just before it is
    /// copied, while it is in cache.
    fn analyse(&self, frame: &[C64], check: bool, mut take: impl FnMut(usize, &[C64])) -> Result<()> {
        let (n, cp) = (self.fft_size, self.cp);
        let fft = fft_plans().forward(n);
        let zero = C64::new(0.0, 0.0);
        let mut scratch = vec![zero; fft.get_inplace_scratch_len()];
        let (mut grid, mut bins) = (vec![zero; BATCH.min(self.ofdm_symbols) * n], vec![zero; self.bins.len()]);
        let scale = 1.0 / (n as f64).sqrt();
        for (b, symbols) in frame.chunks(BATCH * (n + cp)).enumerate() {
            let grid = &mut grid[..symbols.len() / (n + cp) * n];
            if check {
                check_finite("frame to demodulate", symbols)?;
            }
            for (body, s) in grid.chunks_exact_mut(n).zip(symbols.chunks_exact(n + cp)) {
                body.copy_from_slice(&s[cp..]);
            }
            fft.process_with_scratch(grid, &mut scratch);
            for (i, body) in grid.chunks_exact(n).enumerate() {
                for &(bin, first, len) in &self.runs {
                    for (d, z) in bins[first..first + len].iter_mut().zip(&body[bin..bin + len]) {
                        *d = z * scale;
                    }
                }
                take(b * BATCH + i, &bins);
            }
        }
        Ok(())
    }
}

impl Modem for Ofdm {
    fn name(&self) -> String {
        if self.fft_size == 64 && self.cp == 16 && self.carriers.len() == 56 {
            format!("OFDM{}", self.constellation.name())
        } else {
            format!("OFDM{}-N{}-CP{}-K{}", self.constellation.name(), self.fft_size, self.cp, self.carriers.len())
        }
    }
    fn constellation(&self) -> Constellation {
        self.constellation
    }
    fn frame_len(&self) -> usize {
        self.ofdm_symbols * (self.fft_size + self.cp)
    }
    fn symbols_per_frame(&self) -> usize {
        self.ofdm_symbols * self.carriers.len()
    }
    fn period(&self) -> usize {
        self.fft_size + self.cp
    }

    fn modulate_symbols(&self, symbols: &[C64], frame: &mut [C64]) -> Result<()> {
        check_len("symbols to modulate", symbols.len(), self.symbols_per_frame())?;
        check_len("frame", frame.len(), self.frame_len())?;
        let scale = 1.0 / (self.fft_size as f64).sqrt();
        self.synthesise(frame, |data, body| {
            let from = data * self.carriers.len();
            for (&b, &d) in self.bins.iter().zip(&symbols[from..from + self.carriers.len()]) {
                body[b] = d * scale;
            }
        });
        Ok(())
    }

    fn modulate_into(&self, bits: &[u8], frame: &mut [C64]) -> Result<()> {
        check_bits(bits, self.bits_per_frame())?;
        check_len("frame", frame.len(), self.frame_len())?;
        let scale = 1.0 / (self.fft_size as f64).sqrt();
        let m = self.constellation.bits_per_symbol();
        let per = self.bits_per_symbol_period();
        let map = ScaledMap::new(self.constellation, scale);
        self.synthesise(frame, |data, body| {
            let bits = &bits[data * per..(data + 1) * per];
            for &(bin, first, len) in &self.runs {
                map.map(&bits[m * first..m * (first + len)], &mut body[bin..bin + len]);
            }
        });
        Ok(())
    }

    fn demodulate_symbols(&self, frame: &[C64], symbols: &mut [C64]) -> Result<()> {
        check_len("frame", frame.len(), self.frame_len())?;
        check_len("symbols", symbols.len(), self.symbols_per_frame())?;
        let k = self.carriers.len();
        self.analyse(frame, false, |data, bins| symbols[data * k..(data + 1) * k].copy_from_slice(bins))
    }

    fn demodulate_into(&self, frame: &[C64], bits: &mut Vec<u8>) -> Result<()> {
        check_len("frame to demodulate", frame.len(), self.frame_len())?;
        let per = self.bits_per_symbol_period();
        bits.clear();
        bits.resize(self.bits_per_frame(), 0);
        self.analyse(frame, true, |j, bins| self.constellation.hard_bits_into(bins, &mut bits[j * per..(j + 1) * per]))
    }

    fn symbol_noise_var(&self, sample_noise_var: f64) -> f64 {
        // The unitary FFT keeps white noise white with the same variance.
        sample_noise_var
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_grid_and_a_single_carrier_tone() {
        let m = Ofdm::challenge_qpsk();
        assert_eq!(m.carriers.len(), 56);
        assert_eq!((m.carriers[0], m.carriers[27], m.carriers[28], m.carriers[55]), (-28, -1, 1, 28));
        // One symbol on carrier +1 of OFDM symbol 0: a complex exponential
        // e^{2πi n/64}/8 over the 80 samples (CP included), nothing after.
        let mut symbols = vec![C64::new(0.0, 0.0); m.symbols_per_frame()];
        symbols[28] = C64::new(1.0, 0.0);
        let mut frame = vec![C64::new(0.0, 0.0); m.frame_len()];
        m.modulate_symbols(&symbols, &mut frame).unwrap();
        for (t, z) in frame[..80].iter().enumerate() {
            let phase = 2.0 * std::f64::consts::PI * (t as f64 - 16.0) / 64.0;
            assert!((z - C64::from_polar(1.0 / 8.0, phase)).norm() < 1e-12, "{t}");
        }
        assert!(frame[80..].iter().all(|z| z.norm() < 1e-15));
        assert!(Ofdm::with_carriers(Constellation::Qpsk, 64, 16, 4, &[1, 1]).is_err());
        assert!(Ofdm::with_carriers(Constellation::Qpsk, 64, 16, 4, &[32]).is_err());
        assert!(Ofdm::new(Constellation::Qpsk, 64, 80, (4, 3), true, 4).is_err());
    }

    #[test]
    fn other_numerologies_round_trip() {
        use crate::modem::random_frame;
        use infoflow_numerics::rng::Streams;
        let mut rng = Streams::for_point(2, "rf-signal.ofdm", "numerologies").stream(0);
        for m in [
            Ofdm::new(Constellation::Qam16, 128, 32, (10, 9), true, 7).unwrap(),
            Ofdm::new(Constellation::Bpsk, 16, 4, (2, 1), true, 20).unwrap(),
            Ofdm::with_carriers(Constellation::Qpsk, 32, 0, 5, &[-16, -3, 2, 15]).unwrap(),
        ] {
            let (bits, frame) = random_frame(&m, &mut rng).unwrap();
            assert_eq!(m.demodulate(&frame).unwrap(), bits, "{}", m.name());
        }
    }

    #[test]
    fn bit_path_equals_symbol_path_and_bad_frames_are_errors() {
        use crate::modem::random_bits;
        use infoflow_numerics::rng::Streams;
        let mut rng = Streams::for_point(2, "rf-signal.ofdm", "paths").stream(0);
        for m in [Ofdm::challenge_qpsk(), Ofdm::new(Constellation::Qam16, 128, 9, (8, 8), true, 3).unwrap()] {
            let bits = random_bits(m.bits_per_frame(), &mut rng);
            let fast = m.modulate(&bits).unwrap();
            let mut sym = vec![C64::new(0.0, 0.0); m.symbols_per_frame()];
            m.constellation.map(&bits, &mut sym).unwrap();
            let mut slow = vec![C64::new(0.0, 0.0); m.frame_len()];
            m.modulate_symbols(&sym, &mut slow).unwrap();
            assert_eq!(fast, slow);
            for at in [3, m.cp + 5] {
                let mut bad = fast.clone();
                bad[at] = C64::new(f64::INFINITY, 0.0);
                assert!(matches!(m.demodulate(&bad), Err(Error::NonFinite { .. })), "{at}");
            }
        }
    }
}
