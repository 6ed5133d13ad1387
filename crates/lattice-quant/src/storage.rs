//! A versioned, bit-packed byte layout for [`EncodedMatrix`].
//!
//! All integers and floats are little-endian.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `b"IFLQ"` |
//! | 4 | 2 | format version, currently 1 |
//! | 6 | 1 | rotation tag ([`Rotation::tag`]) |
//! | 7 | 1 | flags: bit 0 dither, bit 1 per-column MMSE factors, bit 2 unbiased time-sharing, bit 3 Gaussian MMSE factor, bit 4 bfloat16 side information |
//! | 8 | 4 | nesting ratio `q` |
//! | 12 | 1 | bits per block code |
//! | 13 | 1 | `k − 1` (number of scales minus one) |
//! | 14 | 1 | length `ℓ` of the lattice name |
//! | 15 | 1 | reserved, 0 |
//! | 16 | 8 | seed of the shared randomness |
//! | 24 | 8 | time-sharing fraction `κ` (f64) |
//! | 32 | 8 | rows `n` |
//! | 40 | 8 | columns `m` |
//! | 48 | 8 | quantized blocks per column |
//! | 56 | 8 | dither salt |
//! | 64 | ℓ | lattice name (ASCII, e.g. `E8`) |
//! | 64 + ℓ | 8k | the scales `β₀` (f64) |
//! | … | 8 or 12 per column (4 or 6 with bit 4) | mean and norm (f32, or the top 16 bits of the f32 with bit 4), then the MMSE factor when flagged |
//! | … | ⌈m · blocks · bits / 8⌉ | block codes, column after column, each `bits` wide, least significant bit first |
//! | end − 8 | 8 | xxh3-64 of every preceding byte |
//!
//! Reading checks the magic, the version, the exact length, the checksum,
//! that the header describes the reading quantizer (lattice, `q`, scales,
//! rotation, seed, flags, `κ`, rows), that every block code is below
//! `k qᵈ`, and that side information is finite (with a non-negative norm).
//! Writing refuses what reading would refuse (non-finite side information,
//! codes out of range), so every buffer written reads back. Any failure is
//! [`Error::Corrupted`]; no input makes the reader panic or allocate more
//! than the buffer's size warrants.

use crate::error::{Error, Result};
use crate::lattice::Lattice;
use crate::matrix::{EncodedColumn, EncodedMatrix, MatrixQuantizer, Mmse, QuantizerConfig};
use crate::preprocess::{Rotation, SideInfo};
use infoflow_numerics::rng::stable_hash;

/// The magic bytes that open an encoded matrix.
pub const MAGIC: [u8; 4] = *b"IFLQ";
/// The format version this crate writes and reads.
pub const VERSION: u16 = 1;
const FIXED: usize = 64;

/// What the header of an encoded buffer says: enough to build the matching
/// [`MatrixQuantizer`] (with the lattice named by [`Header::lattice`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// Lattice name as written by [`Lattice::name`].
    pub lattice: String,
    /// The quantizer settings.
    pub config: QuantizerConfig,
    /// Rows of the encoded matrix.
    pub rows: usize,
    /// Columns.
    pub columns: usize,
    /// Quantized blocks per column.
    pub blocks: usize,
    /// Bits per packed block code.
    pub block_bits: u32,
    /// The dither salt of the encoding.
    pub dither_salt: u64,
}

fn corrupted(msg: impl Into<String>) -> Error {
    Error::Corrupted(msg.into())
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| {
            corrupted(format!("truncated: needed {n} bytes at offset {}, buffer has {}", self.pos, self.bytes.len()))
        })?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("take returns N bytes"))
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_le_bytes(self.array()?))
    }
    fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }
    fn usize(&mut self, what: &str) -> Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| corrupted(format!("{what} does not fit in memory")))
    }
}

impl Header {
    /// Parses and validates the header of `bytes` (magic, version, exact
    /// length and checksum included).
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        Ok(Self::parse_with_offset(bytes)?.0)
    }

    /// The header and the offset of the column side information.
    fn parse_with_offset(bytes: &[u8]) -> Result<(Self, usize)> {
        if bytes.len() < FIXED + 8 {
            return Err(corrupted(format!("{} bytes is shorter than any encoded matrix", bytes.len())));
        }
        let mut r = Reader { bytes, pos: 0 };
        if r.array::<4>()? != MAGIC {
            return Err(corrupted("bad magic: not an infoflow lattice-quant encoding"));
        }
        let version = r.u16()?;
        if version != VERSION {
            return Err(corrupted(format!("format version {version}; this build reads version {VERSION}")));
        }
        let rotation = Rotation::from_tag(r.u8()?).ok_or_else(|| corrupted("unknown rotation tag"))?;
        let flags = r.u8()?;
        if flags & !0b1_1111 != 0 || flags & 0b1010 == 0b1010 {
            return Err(corrupted(format!("unknown flags {flags:#04x}")));
        }
        let q = r.u32()?;
        let block_bits = r.u8()? as u32;
        let k = r.u8()? as usize + 1;
        let name_len = r.u8()? as usize;
        let _reserved = r.u8()?;
        let seed = r.u64()?;
        let fraction = r.f64()?;
        let rows = r.usize("rows")?;
        let columns = r.usize("columns")?;
        let blocks = r.usize("blocks")?;
        let dither_salt = r.u64()?;
        let lattice =
            String::from_utf8(r.take(name_len)?.to_vec()).map_err(|_| corrupted("lattice name is not UTF-8"))?;
        let scales = (0..k).map(|_| r.f64()).collect::<Result<Vec<_>>>()?;
        let config = QuantizerConfig {
            q,
            scales,
            rotation,
            seed,
            dither: flags & 1 != 0,
            mmse: match (flags & 2 != 0, flags & 8 != 0) {
                (true, _) => Mmse::PerColumn,
                (false, true) => Mmse::Gaussian,
                (false, false) => Mmse::Off,
            },
            fraction,
            unbiased: flags & 4 != 0,
            side: if flags & 16 != 0 { SideInfo::Bf16 } else { SideInfo::F32 },
        };
        let header = Header { lattice, config, rows, columns, blocks, block_bits, dither_salt };
        let expected = header.encoded_len(r.pos)?;
        if bytes.len() != expected {
            return Err(corrupted(format!("{} bytes, the header implies {expected}", bytes.len())));
        }
        let (body, sum) = bytes.split_at(bytes.len() - 8);
        if stable_hash(body) != u64::from_le_bytes(sum.try_into().expect("8 bytes")) {
            return Err(corrupted("checksum mismatch"));
        }
        Ok((header, r.pos))
    }

    fn side_bytes(&self) -> usize {
        let values = if self.config.mmse == Mmse::PerColumn { 3 } else { 2 };
        values * self.config.side.bits() as usize / 8
    }

    /// The exact buffer length implied by the header (`start`: where the
    /// column side information begins), with overflow checks.
    fn encoded_len(&self, start: usize) -> Result<usize> {
        let overflow = || corrupted("sizes in the header overflow");
        let side = self.columns.checked_mul(self.side_bytes()).ok_or_else(overflow)?;
        let bits = self
            .columns
            .checked_mul(self.blocks)
            .and_then(|v| v.checked_mul(self.block_bits as usize))
            .ok_or_else(overflow)?;
        start
            .checked_add(side)
            .and_then(|v| v.checked_add(bits.div_ceil(8)))
            .and_then(|v| v.checked_add(8))
            .ok_or_else(overflow)
    }
}

impl<L: Lattice> MatrixQuantizer<L> {
    fn header_for(&self, e: &EncodedMatrix) -> Header {
        Header {
            lattice: self.lattice().name(),
            config: self.config().clone(),
            rows: self.rows(),
            columns: e.columns.len(),
            blocks: self.kept_blocks(),
            block_bits: self.block_bits(),
            dither_salt: e.dither_salt,
        }
    }

    /// Serialises an encoding made by this quantizer (see the module docs).
    pub fn write(&self, e: &EncodedMatrix) -> Result<Vec<u8>> {
        self.check_storable(e)?;
        let h = self.header_for(e);
        let c = &h.config;
        let name = h.lattice.as_bytes();
        if name.len() > 255 {
            return Err(Error::invalid("lattice", &h.lattice, "lattice names are at most 255 bytes"));
        }
        let mut out = Vec::with_capacity(h.encoded_len(FIXED + name.len() + 8 * c.scales.len())?);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.push(c.rotation.tag());
        let per_column = c.mmse == Mmse::PerColumn;
        let gaussian = c.mmse == Mmse::Gaussian;
        let bf16 = c.side == SideInfo::Bf16;
        out.push(
            c.dither as u8
                | (per_column as u8) << 1
                | (c.unbiased as u8) << 2
                | (gaussian as u8) << 3
                | (bf16 as u8) << 4,
        );
        out.extend_from_slice(&c.q.to_le_bytes());
        out.push(h.block_bits as u8);
        out.push((c.scales.len() - 1) as u8);
        out.push(name.len() as u8);
        out.push(0);
        out.extend_from_slice(&c.seed.to_le_bytes());
        out.extend_from_slice(&c.fraction.to_le_bytes());
        for v in [h.rows, h.columns, h.blocks] {
            out.extend_from_slice(&(v as u64).to_le_bytes());
        }
        out.extend_from_slice(&h.dither_salt.to_le_bytes());
        out.extend_from_slice(name);
        for s in &c.scales {
            out.extend_from_slice(&s.to_le_bytes());
        }
        for col in &e.columns {
            let values = [col.mean, col.norm, col.alpha];
            for v in &values[..if per_column { 3 } else { 2 }] {
                if bf16 {
                    // check_storable made sure the low 16 bits are zero.
                    out.extend_from_slice(&((v.to_bits() >> 16) as u16).to_le_bytes());
                } else {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        let mut bits = BitWriter { out, acc: 0, filled: 0 };
        for col in &e.columns {
            for &code in &col.codes {
                bits.write(code, h.block_bits);
            }
        }
        let mut out = bits.finish();
        let sum = stable_hash(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        Ok(out)
    }

    /// Parses a buffer written by [`MatrixQuantizer::write`] with the same
    /// quantizer settings; see the module docs for what is checked.
    pub fn read(&self, bytes: &[u8]) -> Result<EncodedMatrix> {
        let (h, start) = Header::parse_with_offset(bytes)?;
        let mine = self.header_for(&EncodedMatrix { rows: 0, columns: vec![], fingerprint: 0, dither_salt: 0 });
        if h.lattice != mine.lattice
            || h.config != mine.config
            || h.rows != mine.rows
            || h.blocks != mine.blocks
            || h.block_bits != mine.block_bits
        {
            return Err(corrupted(format!(
                "the buffer was written by another quantizer ({} q={} rows={} {:?}); this one is {} q={} rows={} {:?}",
                h.lattice,
                h.config.q,
                h.rows,
                h.config.rotation,
                mine.lattice,
                mine.config.q,
                mine.rows,
                mine.config.rotation
            )));
        }
        let mut r = Reader { bytes, pos: start };
        let mut columns = Vec::with_capacity(h.columns);
        for _ in 0..h.columns {
            let mut value = || match h.config.side {
                SideInfo::F32 => r.f32(),
                SideInfo::Bf16 => Ok(f32::from_bits((r.u16()? as u32) << 16)),
            };
            let (mean, norm) = (value()?, value()?);
            let alpha = if h.config.mmse == Mmse::PerColumn { value()? } else { 1.0 };
            if !(mean.is_finite() && norm.is_finite() && alpha.is_finite() && norm >= 0.0) {
                return Err(corrupted("column side information must be finite with a non-negative norm"));
            }
            columns.push(EncodedColumn { mean, norm, alpha, codes: Vec::with_capacity(h.blocks) });
        }
        let mut bits = BitReader { bytes: &bytes[r.pos..bytes.len() - 8], pos: 0 };
        let mut scratch = vec![0u32; self.lattice().dim()];
        for col in &mut columns {
            for _ in 0..h.blocks {
                let code = bits.read(h.block_bits)?;
                self.unpack(code, &mut scratch)?;
                col.codes.push(code);
            }
        }
        Ok(EncodedMatrix { rows: h.rows, columns, fingerprint: self.fingerprint(), dither_salt: h.dither_salt })
    }
}

/// Bits packed least significant first into bytes.
#[derive(Default)]
pub(crate) struct BitWriter {
    out: Vec<u8>,
    acc: u128,
    filled: u32,
}

impl BitWriter {
    /// Appends the low `bits` bits of `value`.
    pub(crate) fn write(&mut self, value: u128, bits: u32) {
        let (mut value, mut bits) = (value, bits);
        while bits > 0 {
            let take = bits.min(64);
            let chunk = value & ((1u128 << take) - 1);
            self.acc |= chunk << self.filled;
            self.filled += take;
            while self.filled >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.filled -= 8;
            }
            value >>= take;
            bits -= take;
        }
    }
    /// The bytes, the last one zero-padded.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        if self.filled > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// Reads what [`BitWriter`] wrote.
pub(crate) struct BitReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    /// The next `bits` bits as an integer (least significant first).
    pub(crate) fn read(&mut self, bits: u32) -> Result<u128> {
        let mut value = 0u128;
        for b in 0..bits as usize {
            let at = self.pos + b;
            let byte = *self.bytes.get(at / 8).ok_or_else(|| corrupted("block codes are truncated"))?;
            value |= (((byte >> (at % 8)) & 1) as u128) << b;
        }
        self.pos += bits as usize;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::{Checkerboard, Gosset};
    use infoflow_numerics::linalg::gaussian_matrix;
    use infoflow_numerics::rng::Streams;
    use proptest::prelude::*;

    fn setup() -> (MatrixQuantizer, EncodedMatrix) {
        let config = QuantizerConfig { mmse: Mmse::PerColumn, ..QuantizerConfig::e8(14) };
        let q = MatrixQuantizer::new(Gosset, config, 100).unwrap();
        let a = gaussian_matrix(100, 3, &mut Streams::for_point(4, "storage", "a").stream(0));
        let e = q.encode(a.as_ref()).unwrap();
        (q, e)
    }

    #[test]
    fn bf16_side_information_is_stored_in_two_bytes() {
        let config = QuantizerConfig { mmse: Mmse::PerColumn, side: SideInfo::Bf16, ..QuantizerConfig::e8(14) };
        let q = MatrixQuantizer::new(Gosset, config, 100).unwrap();
        let a = gaussian_matrix(100, 3, &mut Streams::for_point(4, "storage", "bf").stream(0));
        let mut e = q.encode(a.as_ref()).unwrap();
        let bytes = q.write(&e).unwrap();
        assert_eq!(bytes.len(), 64 + 2 + 32 + 3 * 6 + (3 * 16 * 33usize).div_ceil(8) + 8);
        assert_eq!(q.read(&bytes).unwrap(), e);
        assert_eq!(Header::parse(&bytes).unwrap().config.side, SideInfo::Bf16);
        // The F32 quantizer does not read it, and a norm that bfloat16
        // cannot hold is refused, not truncated.
        assert!(
            MatrixQuantizer::new(Gosset, QuantizerConfig { mmse: Mmse::PerColumn, ..QuantizerConfig::e8(14) }, 100)
                .unwrap()
                .read(&bytes)
                .is_err()
        );
        e.columns[1].norm = 1.0 + f32::EPSILON;
        assert!(matches!(q.write(&e), Err(Error::Corrupted(_))));
    }

    #[test]
    fn round_trip_and_exact_size() {
        let (q, e) = setup();
        let bytes = q.write(&e).unwrap();
        // 64 + "E8" + 4 scales + 3 × 12 side bytes + ⌈3 × 16 × 33 / 8⌉ + 8.
        assert_eq!(bytes.len(), 64 + 2 + 32 + 36 + (3 * 16 * 33usize).div_ceil(8) + 8);
        assert_eq!(q.read(&bytes).unwrap(), e);
        let h = Header::parse(&bytes).unwrap();
        assert_eq!((h.lattice.as_str(), h.rows, h.columns, h.blocks, h.block_bits), ("E8", 100, 3, 16, 33));
        assert_eq!(&h.config, q.config());
        // D4 codes of another width round-trip too.
        let d4 = MatrixQuantizer::new(Checkerboard::new(4).unwrap(), QuantizerConfig::e8(5), 37).unwrap();
        let b = gaussian_matrix(37, 2, &mut Streams::for_point(4, "storage", "b").stream(0));
        let eb = d4.encode(b.as_ref()).unwrap();
        assert_eq!(d4.read(&d4.write(&eb).unwrap()).unwrap(), eb);
    }

    #[test]
    fn truncation_corruption_and_mismatch_are_errors() {
        let (q, e) = setup();
        let bytes = q.write(&e).unwrap();
        for cut in [0, 3, 10, 60, bytes.len() / 2, bytes.len() - 1] {
            assert!(matches!(q.read(&bytes[..cut]), Err(Error::Corrupted(_))), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(q.read(&longer), Err(Error::Corrupted(_))));
        for at in [0, 5, 9, 40, 100, bytes.len() - 3] {
            let mut bad = bytes.clone();
            bad[at] ^= 0x10;
            assert!(matches!(q.read(&bad), Err(Error::Corrupted(_))), "flip at {at}");
        }
        let other =
            MatrixQuantizer::new(Gosset, QuantizerConfig { mmse: Mmse::PerColumn, ..QuantizerConfig::e8(16) }, 100)
                .unwrap();
        assert!(matches!(other.read(&bytes), Err(Error::Corrupted(_))));
    }

    #[test]
    fn out_of_range_codes_are_caught_even_with_a_valid_checksum() {
        // q = 3, k = 4: codes lie below 4·3⁸ = 26244 < 2^15; 2^15 − 1 is out.
        let q = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(3), 8).unwrap();
        let a = gaussian_matrix(8, 1, &mut Streams::for_point(4, "storage", "c").stream(0));
        let mut e = q.encode(a.as_ref()).unwrap();
        let mut bytes = q.write(&e).unwrap();
        e.columns[0].codes[0] = (1 << 15) - 1;
        assert!(matches!(q.write(&e), Err(Error::Corrupted(_))), "writing refuses it");
        // The first code starts after 64 + "E8" + 4 scales + 8 side bytes:
        // set its 15 bits, then make the checksum valid again.
        let start = 64 + 2 + 32 + 8;
        bytes[start] = 0xff;
        bytes[start + 1] |= 0x7f;
        let end = bytes.len() - 8;
        let sum = stable_hash(&bytes[..end]);
        bytes[end..].copy_from_slice(&sum.to_le_bytes());
        assert!(matches!(q.read(&bytes), Err(Error::Corrupted(_))));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn arbitrary_bytes_never_panic(noise in proptest::collection::vec(any::<u8>(), 0..400), at in 0usize..400) {
            let (q, e) = setup();
            let mut bytes = q.write(&e).unwrap();
            // Random garbage, and random splices into a valid buffer.
            let _ = q.read(&noise);
            let _ = Header::parse(&noise);
            let at = at % bytes.len();
            let end = (at + noise.len()).min(bytes.len());
            bytes[at..end].copy_from_slice(&noise[..end - at]);
            let _ = q.read(&bytes);
        }
    }
}
