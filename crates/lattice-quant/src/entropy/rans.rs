//! A range coder (rANS, 32-bit state, byte-wise renormalisation) over
//! static models with 15-bit integer frequencies.
//!
//! The construction is Duda's range variant of asymmetric numeral systems
//! in the byte-oriented form of Giesen's `rans_byte`: the state lives in
//! `[L, 256 L)` with `L = 2²³`; encoding a symbol of frequency `f` and
//! cumulative start `c` maps `x ↦ ⌊x/f⌋·2¹⁵ + (x mod f) + c` after shifting
//! out low bytes, so a symbol of probability `f/2¹⁵` costs `log₂(2¹⁵/f)`
//! bits up to a few thousandths. The encoder runs over the symbols in
//! reverse and the stream is stored reversed, so the decoder reads forward.
//! The decoder ends where the encoder began (state `L`, every byte read):
//! [`Decoder::finish`] checks both, which catches most corruption.

use crate::error::{Error, Result};

/// Frequency precision: frequencies sum to `2^PROB_BITS`.
pub(crate) const PROB_BITS: u32 = 15;
pub(crate) const PROB_SCALE: u32 = 1 << PROB_BITS;
/// Lower end of the normalised state interval.
const RANS_L: u32 = 1 << 23;
/// Raw bytes are coded as uniform symbols of this frequency (8 bits each).
const RAW_FREQ: u32 = PROB_SCALE >> 8;

/// A static distribution over `0..len` symbols: integer frequencies that sum
/// to `2¹⁵`, every symbol at least 1, and the slot-to-symbol table.
#[derive(Clone, Debug)]
pub(crate) struct Model {
    freq: Vec<u32>,
    start: Vec<u32>,
    symbol: Vec<u16>,
}

impl Model {
    /// Quantizes non-negative `weights` (not all zero, at most `2¹⁵`
    /// symbols) to frequencies by the largest-remainder method, raising
    /// every symbol to at least 1 (taken from the largest frequencies).
    pub(crate) fn from_weights(weights: &[f64]) -> Result<Self> {
        let total: f64 = weights.iter().sum();
        if weights.is_empty()
            || weights.len() > PROB_SCALE as usize / 2
            || weights.iter().any(|w| !(w.is_finite() && *w >= 0.0))
            || total <= 0.0
        {
            return Err(Error::invalid(
                "model",
                weights.len(),
                "an entropy model needs 1 to 16384 finite non-negative weights with a positive sum",
            ));
        }
        let exact: Vec<f64> = weights.iter().map(|w| w / total * PROB_SCALE as f64).collect();
        let mut freq: Vec<u32> = exact.iter().map(|e| (e.floor() as u32).max(1)).collect();
        let mut sum: i64 = freq.iter().map(|&f| f as i64).sum();
        // Hand out what flooring lost, largest remainders first.
        let mut order: Vec<usize> = (0..freq.len()).collect();
        order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
        for &s in order.iter().cycle().take(freq.len() * 2) {
            if sum >= PROB_SCALE as i64 {
                break;
            }
            freq[s] += 1;
            sum += 1;
        }
        // Take back what the minimum of 1 added, one count each from the
        // largest frequencies down (the smallest relative change).
        order.sort_by_key(|&s| std::cmp::Reverse(freq[s]));
        while sum > PROB_SCALE as i64 {
            for &s in &order {
                if sum == PROB_SCALE as i64 {
                    break;
                }
                if freq[s] > 1 {
                    freq[s] -= 1;
                    sum -= 1;
                }
            }
        }
        let mut start = Vec::with_capacity(freq.len());
        let mut symbol = vec![0u16; PROB_SCALE as usize];
        let mut c = 0u32;
        for (s, &f) in freq.iter().enumerate() {
            start.push(c);
            symbol[c as usize..(c + f) as usize].fill(s as u16);
            c += f;
        }
        debug_assert_eq!(c, PROB_SCALE);
        Ok(Self { freq, start, symbol })
    }

    /// The cost of `symbol` in bits, `log₂(2¹⁵/f)`.
    #[cfg(test)]
    pub(crate) fn cost(&self, symbol: usize) -> f64 {
        PROB_BITS as f64 - (self.freq[symbol] as f64).log2()
    }
}

/// Collects symbols; [`Encoder::finish`] codes them (in reverse) into bytes.
#[derive(Debug, Default)]
pub(crate) struct Encoder {
    /// `(start, freq)` of every symbol, in order.
    symbols: Vec<(u32, u32)>,
}

impl Encoder {
    /// Appends `symbol` under `model`.
    pub(crate) fn put(&mut self, model: &Model, symbol: usize) {
        self.symbols.push((model.start[symbol], model.freq[symbol]));
    }

    /// Appends a raw byte (8 bits).
    pub(crate) fn put_byte(&mut self, byte: u8) {
        self.symbols.push((byte as u32 * RAW_FREQ, RAW_FREQ));
    }

    /// Codes the symbols; the result starts with the 4-byte final state.
    pub(crate) fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.symbols.len() / 2 + 8);
        let mut x = RANS_L;
        for &(start, freq) in self.symbols.iter().rev() {
            let x_max = ((RANS_L >> PROB_BITS) << 8) * freq;
            while x >= x_max {
                out.push(x as u8);
                x >>= 8;
            }
            x = ((x / freq) << PROB_BITS) + (x % freq) + start;
        }
        out.extend_from_slice(&x.to_be_bytes());
        out.reverse();
        out
    }
}

/// Reads symbols back from a coded buffer.
#[derive(Debug)]
pub(crate) struct Decoder<'a> {
    x: u32,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    /// Starts decoding `bytes`; a buffer shorter than the state is an error.
    pub(crate) fn new(bytes: &'a [u8]) -> Result<Self> {
        let head: [u8; 4] = bytes
            .get(..4)
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| Error::Corrupted("an entropy-coded stream is shorter than its 4-byte state".into()))?;
        Ok(Self { x: u32::from_le_bytes(head), bytes, pos: 4 })
    }

    fn advance(&mut self, start: u32, freq: u32) -> Result<()> {
        self.x = freq * (self.x >> PROB_BITS) + (self.x & (PROB_SCALE - 1)) - start;
        while self.x < RANS_L {
            let b = *self
                .bytes
                .get(self.pos)
                .ok_or_else(|| Error::Corrupted("an entropy-coded stream ends early".into()))?;
            self.x = (self.x << 8) | b as u32;
            self.pos += 1;
        }
        Ok(())
    }

    /// The next symbol under `model`.
    pub(crate) fn get(&mut self, model: &Model) -> Result<usize> {
        let s = model.symbol[(self.x & (PROB_SCALE - 1)) as usize] as usize;
        self.advance(model.start[s], model.freq[s])?;
        Ok(s)
    }

    /// The next raw byte.
    pub(crate) fn get_byte(&mut self) -> Result<u8> {
        let b = ((self.x & (PROB_SCALE - 1)) / RAW_FREQ) as u8;
        self.advance(b as u32 * RAW_FREQ, RAW_FREQ)?;
        Ok(b)
    }

    /// Checks that the stream ended exactly where the encoder started.
    pub(crate) fn finish(self) -> Result<()> {
        if self.pos != self.bytes.len() || self.x != RANS_L {
            return Err(Error::Corrupted(format!(
                "an entropy-coded stream does not end cleanly ({} of {} bytes read)",
                self.pos,
                self.bytes.len()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infoflow_numerics::rng::Streams;
    use rand::RngExt;

    #[test]
    fn frequencies_sum_to_the_scale_and_follow_the_weights() {
        let w: Vec<f64> = (0..300).map(|i| 1.0 / (i as f64 + 1.0)).collect();
        let m = Model::from_weights(&w).unwrap();
        assert_eq!(m.freq.iter().sum::<u32>(), PROB_SCALE);
        assert!(m.freq.iter().all(|&f| f >= 1));
        let total: f64 = w.iter().sum();
        // The cross-entropy loss of the quantized model is tiny.
        let loss: f64 = w.iter().enumerate().map(|(s, wi)| wi / total * (m.cost(s) + (wi / total).log2())).sum();
        assert!((0.0..1e-4).contains(&loss), "{loss}");
        let tiny = Model::from_weights(&[1.0, 0.0, 1e-30]).unwrap();
        assert_eq!(tiny.freq.iter().sum::<u32>(), PROB_SCALE);
        assert!(Model::from_weights(&[]).is_err());
        assert!(Model::from_weights(&[0.0, 0.0]).is_err());
        assert!(Model::from_weights(&[1.0, f64::NAN]).is_err());
        assert!(Model::from_weights(&vec![1.0; 20_000]).is_err());
    }

    #[test]
    fn round_trip_and_length_match_the_ideal_codelength() {
        let mut rng = Streams::for_point(7, "lattice-quant.rans", "round-trip").stream(0);
        let w = [8.0, 4.0, 2.0, 1.0, 1.0];
        let m = Model::from_weights(&w).unwrap();
        let mut enc = Encoder::default();
        let mut sent = Vec::new();
        let mut ideal = 0.0;
        for i in 0..20_000 {
            if i % 97 == 0 {
                let b: u8 = rng.random();
                enc.put_byte(b);
                sent.push((true, b as usize));
                ideal += 8.0;
            } else {
                let u: f64 = rng.random::<f64>() * 16.0;
                let s = [8.0, 12.0, 14.0, 15.0, 16.0].iter().position(|&c| u < c).unwrap();
                enc.put(&m, s);
                sent.push((false, s));
                ideal += m.cost(s);
            }
        }
        let bytes = enc.finish();
        assert!(((bytes.len() * 8) as f64 - ideal).abs() < 40.0, "{} vs {ideal}", bytes.len() * 8);
        let mut dec = Decoder::new(&bytes).unwrap();
        for &(raw, s) in &sent {
            let got = if raw { dec.get_byte().unwrap() as usize } else { dec.get(&m).unwrap() };
            assert_eq!(got, s);
        }
        dec.finish().unwrap();
    }

    #[test]
    fn corrupted_streams_are_errors_not_panics() {
        let m = Model::from_weights(&[3.0, 1.0]).unwrap();
        let mut enc = Encoder::default();
        (0..1000).for_each(|i| enc.put(&m, (i % 5 == 0) as usize));
        let bytes = enc.finish();
        let decode_all = |b: &[u8]| -> Result<()> {
            let mut d = Decoder::new(b)?;
            for _ in 0..1000 {
                d.get(&m)?;
            }
            d.finish()
        };
        decode_all(&bytes).unwrap();
        assert!(decode_all(&bytes[..3]).is_err());
        assert!(decode_all(&bytes[..bytes.len() - 1]).is_err());
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode_all(&extra).is_err());
        let mut failures = 0;
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x5a;
            failures += decode_all(&bad).is_err() as usize;
        }
        assert!(failures * 2 > bytes.len(), "{failures} of {} flips detected", bytes.len());
    }
}
