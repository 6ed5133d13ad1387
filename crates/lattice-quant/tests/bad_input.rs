//! Bad input for the public API of `infoflow-lattice-quant` (a table of
//! probes that must be errors) and no-panic fuzzing of its decoders: the
//! storage format (f32 and bfloat16 side information), the entropy-coded
//! streams and the scale-index prefix code.

use faer::Mat;
use infoflow_lattice_quant::bounds;
use infoflow_lattice_quant::entropy::EntropyCodedE8;
use infoflow_lattice_quant::lattice::{Checkerboard, Gosset};
use infoflow_lattice_quant::lut::{LutConfig, LutQuantizer};
use infoflow_lattice_quant::matrix::{MatrixQuantizer, QuantizerConfig, SideInfo};
use infoflow_lattice_quant::preprocess::{Rotation, SharedRotation};
use infoflow_lattice_quant::product::{ProductQuantizer, distortion};
use infoflow_lattice_quant::scalar::{Absmax, LloydMax, LloydMaxScheme};
use infoflow_lattice_quant::scales::{self, BlockStats, Objective, ScaleCode, Selection};
use infoflow_lattice_quant::storage::Header;
use infoflow_lattice_quant::voronoi::VoronoiCode;
use infoflow_lattice_quant::vq::GaussianCodebook;
use infoflow_numerics::fuzz::{self, rejects};
use infoflow_numerics::linalg::gaussian_matrix;
use infoflow_numerics::rng::{Streams, stable_hash};

const NAN: f64 = f64::NAN;

fn gaussian(rows: usize, cols: usize, key: &str) -> Mat<f64> {
    gaussian_matrix(rows, cols, &mut Streams::for_point(1, "lattice-quant.bad-input", key).stream(0))
}

#[test]
fn every_bad_input_is_an_error() {
    let q = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(16), 64).unwrap();
    let a = gaussian(64, 3, "a");
    let ea = q.encode(a.as_ref()).unwrap();
    let other = MatrixQuantizer::new(Gosset, QuantizerConfig::e8(8), 64).unwrap();
    let eo = other.encode(a.as_ref()).unwrap();
    let rotation = SharedRotation::new(Rotation::Hadamard, 5, 1, 0).unwrap();
    let haar = SharedRotation::new(Rotation::Haar, 5, 1, 0).unwrap();
    let codebook = GaussianCodebook::design(2, 4, 1).unwrap();
    let entropy = EntropyCodedE8::for_rate(4.0, 64, Rotation::Hadamard, 0).unwrap();
    let coded = entropy.encode(a.as_ref()).unwrap();
    let lut = LutQuantizer::new(LutConfig::default(), 64).unwrap();
    let nan_matrix = Mat::from_fn(64, 2, |i, _| if i == 3 { NAN } else { 1.0 });
    let e8 = VoronoiCode::new(Gosset, 16).unwrap();
    let objective = Objective { selection: Selection::FirstFit, huffman: true, side_bits: 0.0 };
    let with_side = |f: &dyn Fn(&mut infoflow_lattice_quant::matrix::EncodedColumn)| {
        let mut e = ea.clone();
        f(&mut e.columns[1]);
        e
    };
    let probes = [
        // Construction.
        rejects("rows 0", || MatrixQuantizer::new(Gosset, QuantizerConfig::e8(16), 0)),
        rejects("q 0", || MatrixQuantizer::new(Gosset, QuantizerConfig::e8(0), 8)),
        rejects("q 1", || MatrixQuantizer::new(Gosset, QuantizerConfig::e8(1), 8)),
        rejects("no scales", || {
            MatrixQuantizer::new(Gosset, QuantizerConfig { scales: vec![], ..QuantizerConfig::e8(8) }, 8)
        }),
        rejects("scale NaN", || {
            MatrixQuantizer::new(Gosset, QuantizerConfig { scales: vec![NAN], ..QuantizerConfig::e8(8) }, 8)
        }),
        rejects("scale negative", || {
            MatrixQuantizer::new(Gosset, QuantizerConfig { scales: vec![-1.0], ..QuantizerConfig::e8(8) }, 8)
        }),
        rejects("fraction 0", || {
            MatrixQuantizer::new(Gosset, QuantizerConfig { fraction: 0.0, ..QuantizerConfig::e8(8) }, 8)
        }),
        rejects("fraction > 1", || {
            MatrixQuantizer::new(Gosset, QuantizerConfig { fraction: 1.5, ..QuantizerConfig::e8(8) }, 8)
        }),
        rejects("huge q", || MatrixQuantizer::new(Gosset, QuantizerConfig::e8(u32::MAX), 8)),
        rejects("voronoi q 0", || VoronoiCode::new(Gosset, 0)),
        rejects("checkerboard n 1", || Checkerboard::new(1)),
        // Encoding.
        rejects("encode rows", || q.encode(gaussian(63, 2, "b").as_ref())),
        rejects("encode NaN", || q.encode(nan_matrix.as_ref())),
        rejects("encode huge", || q.encode(Mat::from_fn(64, 1, |i, _| if i == 0 { 1e300 } else { 0.0 }).as_ref())),
        rejects("decode another quantizer", || q.decode(&eo)),
        rejects("product mismatch", || q.product(&ea, &eo)),
        rejects("write another quantizer", || q.write(&eo)),
        rejects("write NaN norm", || q.write(&with_side(&|c| c.norm = f32::NAN))),
        rejects("write NaN mean", || q.write(&with_side(&|c| c.mean = f32::INFINITY))),
        rejects("write negative norm", || q.write(&with_side(&|c| c.norm = -1.0))),
        rejects("write out-of-range code", || q.write(&with_side(&|c| c.codes[0] = u128::MAX))),
        rejects("write missing codes", || q.write(&with_side(&|c| c.codes.truncate(2)))),
        rejects("decode out-of-range code", || q.decode(&with_side(&|c| c.codes[0] = u128::MAX))),
        rejects("read empty", || q.read(&[])),
        rejects("header empty", || Header::parse(&[])),
        // The shared rotation and the codebook.
        rejects("rotation rows 0", || SharedRotation::new(Rotation::Hadamard, 0, 1, 0)),
        rejects("rotation apply short input", || rotation.apply(&[1.0; 4], &mut [0.0; 8])),
        rejects("rotation apply short output", || rotation.apply(&[1.0; 5], &mut [0.0; 5])),
        rejects("rotation invert lengths", || rotation.invert(&[1.0; 5], &mut [0.0; 5])),
        rejects("haar apply lengths", || haar.apply(&[1.0; 6], &mut [0.0; 5])),
        rejects("haar invert lengths", || haar.invert(&[1.0; 5], &mut [0.0; 4])),
        rejects("codebook quantize length", || codebook.quantize(&mut [0.5; 3])),
        rejects("codebook quantize NaN", || codebook.quantize(&mut [NAN, 0.0])),
        rejects("codebook dim 0", || GaussianCodebook::design(0, 4, 1)),
        rejects("codebook size 0", || GaussianCodebook::design(2, 0, 1)),
        // Entropy-coded E8.
        rejects("entropy beta NaN", || EntropyCodedE8::new(NAN, 64, Rotation::Hadamard, 0)),
        rejects("entropy rate negative", || EntropyCodedE8::for_rate(-1.0, 64, Rotation::Hadamard, 0)),
        rejects("entropy encode NaN", || entropy.encode(nan_matrix.as_ref())),
        rejects("entropy decode truncated", || {
            let mut e = coded.clone();
            e.columns[0].bytes.truncate(3);
            entropy.decode(&e)
        }),
        rejects("entropy decode trailing", || {
            let mut e = coded.clone();
            e.columns[0].bytes.push(0);
            entropy.decode(&e)
        }),
        rejects("entropy decode NaN stats", || {
            let mut e = coded.clone();
            e.columns[0].stats.norm = f32::NAN;
            entropy.decode(&e)
        }),
        rejects("entropy another fingerprint", || {
            let mut e = coded.clone();
            e.fingerprint ^= 1;
            entropy.decode(&e)
        }),
        // Baselines, LUT, bounds.
        rejects("absmax bits 1", || Absmax::new(1, 8, 64)),
        rejects("absmax group 0", || Absmax::new(4, 0, 64)),
        rejects("absmax rows", || Absmax::new(4, 8, 64).unwrap().estimate(a.as_ref(), gaussian(32, 3, "c").as_ref())),
        rejects("absmax NaN", || Absmax::new(4, 8, 64).unwrap().estimate(nan_matrix.as_ref(), nan_matrix.as_ref())),
        rejects("lloyd bits 0", || LloydMax::gaussian(0)),
        rejects("lloyd fraction", || LloydMaxScheme::new(2, 64, Rotation::Hadamard, 0).unwrap().with_fraction(NAN)),
        rejects("lut rows 0", || LutQuantizer::new(LutConfig::default(), 0)),
        rejects("lut NaN", || lut.encode_rows(Mat::from_fn(2, 64, |_, _| NAN).as_ref())),
        rejects("lut gemv lengths", || {
            let w = lut.encode_rows(gaussian(4, 64, "w").as_ref()).unwrap();
            lut.gemv(&w, &[0.0f32; 63], &mut [0.0f32; 4])
        }),
        rejects("lut inner product index", || {
            let w = lut.encode_columns(gaussian(64, 2, "w").as_ref()).unwrap();
            lut.code_inner_product(&w, 0, &w, 9)
        }),
        rejects("distortion shapes", || distortion(a.as_ref(), a.as_ref(), Mat::<f64>::zeros(2, 2).as_ref())),
        rejects("distortion zero product", || {
            let z = Mat::<f64>::zeros(4, 2);
            distortion(z.as_ref(), z.as_ref(), z.as_ref())
        }),
        rejects("gamma NaN", || bounds::gamma(NAN)),
        rejects("gamma negative", || bounds::gamma(-1.0)),
        rejects("phi NaN", || bounds::phi(NAN)),
        // Scale sets, scale statistics and scale-index codes.
        rejects("tuned scales q = 5", || scales::tuned(5)),
        rejects("e8_tuned q = 7", || QuantizerConfig::e8_tuned(7)),
        rejects("block stats ragged", || BlockStats::measure(&e8, &[3.0, 10.0], &[0.5; 12], Selection::FirstFit)),
        rejects("block stats empty", || BlockStats::measure(&e8, &[3.0, 10.0], &[], Selection::Best)),
        rejects("block stats NaN", || {
            let mut x = vec![0.5; 16];
            x[3] = NAN;
            BlockStats::measure(&e8, &[3.0, 10.0], &x, Selection::FirstFit)
        }),
        rejects("block stats decreasing scales", || {
            BlockStats::measure(&e8, &[10.0, 3.0], &[0.5; 8], Selection::FirstFit)
        }),
        rejects("block stats overload", || BlockStats::measure(&e8, &[0.01], &[3.0; 8], Selection::Best)),
        rejects("scale code k = 0", || ScaleCode::fixed(0)),
        rejects("scale code k = 6 fixed", || ScaleCode::fixed(6)),
        rejects("scale code no counts", || ScaleCode::huffman(&[])),
        rejects("scale code incomplete lengths", || ScaleCode::from_lengths(vec![1, 2])),
        rejects("scale code length 40", || ScaleCode::from_lengths(vec![1, 40])),
        rejects("scale code mean bits shape", || ScaleCode::fixed(4).unwrap().mean_bits(&[1, 2])),
        rejects("scale code mean bits zero", || ScaleCode::fixed(4).unwrap().mean_bits(&[0; 4])),
        rejects("scale code encode index", || ScaleCode::fixed(4).unwrap().encode(&[4])),
        rejects("scale code decode truncated", || ScaleCode::fixed(4).unwrap().decode(&[0xff], 5)),
        rejects("scale code decode huge count", || ScaleCode::fixed(4).unwrap().decode(&[0xff], usize::MAX)),
        rejects("tune empty start", || scales::tune(&e8, &[], &[0.5; 8], &objective)),
        rejects("255 scales (the overload marker is index 255)", || {
            let many: Vec<f64> = (1..=255).map(|k| k as f64).collect();
            MatrixQuantizer::new(Gosset, QuantizerConfig { scales: many, ..QuantizerConfig::e8(16) }, 64)
        }),
        rejects("bf16 write of an f32 norm", || {
            let bf =
                MatrixQuantizer::new(Gosset, QuantizerConfig { side: SideInfo::Bf16, ..QuantizerConfig::e8(16) }, 64)
                    .unwrap();
            let mut e = bf.encode(a.as_ref()).unwrap();
            e.columns[0].norm = 1.0 + f32::EPSILON;
            bf.write(&e)
        }),
    ];
    let defects: Vec<String> = probes.into_iter().flatten().collect();
    assert!(defects.is_empty(), "{} defect(s):\n{}", defects.len(), defects.join("\n"));
}

/// Mutates a valid encoding; with probability one half the checksum is
/// recomputed so that the mutation reaches the parser behind it.
fn mutate_with_checksum<R: rand::Rng>(valid: &[u8], rng: &mut R) -> Vec<u8> {
    let mut bytes = fuzz::mutate(valid, rng);
    if fuzz::random_bytes(1, rng)[0] & 1 == 0 && bytes.len() >= 8 {
        let end = bytes.len() - 8;
        let sum = stable_hash(&bytes[..end]);
        bytes[end..].copy_from_slice(&sum.to_le_bytes());
    }
    bytes
}

fn fuzz_decoders(cases: u64) {
    let streams = Streams::for_point(1, "lattice-quant.fuzz", "decoders");
    let mut rng = streams.stream(0);
    let quantizers = [
        MatrixQuantizer::new(Gosset, QuantizerConfig::e8(16), 40).unwrap(),
        MatrixQuantizer::new(
            Gosset,
            QuantizerConfig {
                mmse: infoflow_lattice_quant::matrix::Mmse::PerColumn,
                dither: true,
                ..QuantizerConfig::e8(3)
            },
            17,
        )
        .unwrap(),
        MatrixQuantizer::new(Gosset, QuantizerConfig { side: SideInfo::Bf16, ..QuantizerConfig::e8(11) }, 24).unwrap(),
    ];
    let valid: Vec<Vec<u8>> = quantizers
        .iter()
        .enumerate()
        .map(|(k, q)| q.write(&q.encode(gaussian(q.rows(), 3, &format!("f{k}")).as_ref()).unwrap()).unwrap())
        .collect();
    let entropy = EntropyCodedE8::for_rate(3.0, 24, Rotation::Hadamard, 0).unwrap();
    let coded = entropy.encode(gaussian(24, 2, "e").as_ref()).unwrap();
    let huffman = ScaleCode::huffman(&[900, 300, 60, 30, 9, 1]).unwrap();
    for case in 0..cases {
        let k = (case % 3) as usize;
        let bytes = if case % 7 == 6 {
            fuzz::random_bytes((case % 200) as usize, &mut rng)
        } else {
            mutate_with_checksum(&valid[k], &mut rng)
        };
        let outcome = std::panic::catch_unwind(|| {
            let _ = Header::parse(&bytes);
            if let Ok(e) = quantizers[k].read(&bytes) {
                // Whatever reads back must decode cleanly.
                quantizers[k].decode(&e).expect("a read encoding decodes");
                let _ = quantizers[k].product(&e, &e);
            }
            let mut e = coded.clone();
            e.columns[(case % 2) as usize].bytes = fuzz::mutate(
                &coded.columns[(case % 2) as usize].bytes,
                &mut Streams::for_point(case, "lattice-quant.fuzz", "rans").stream(0),
            );
            let _ = entropy.decode(&e);
            // The scale-index prefix code on the same bytes.
            let _ = huffman.decode(&bytes, (case % 97) as usize);
        });
        assert!(outcome.is_ok(), "case {case} panicked");
    }
}

#[test]
fn decoders_never_panic_on_mutated_buffers() {
    fuzz_decoders(3000);
}

#[test]
#[ignore = "long fuzz run: cargo test -p infoflow-lattice-quant --test bad_input -- --ignored"]
fn decoders_never_panic_on_mutated_buffers_long() {
    fuzz_decoders(300_000);
}
