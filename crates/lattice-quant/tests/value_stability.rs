//! Value stability: the first outputs of every stochastic routine for a
//! fixed seed (see `infoflow_numerics::fuzz::pin`): the shared randomness
//! (rotations, dither) decides every code, so a change here breaks stored
//! encodings.

use faer::Mat;
use infoflow_lattice_quant::entropy::EntropyCodedE8;
use infoflow_lattice_quant::lattice::Gosset;
use infoflow_lattice_quant::matrix::{MatrixQuantizer, QuantizerConfig};
use infoflow_lattice_quant::preprocess::{Rotation, SharedRotation};
use infoflow_lattice_quant::vq::GaussianCodebook;
use infoflow_numerics::fuzz::pin;

#[test]
fn first_outputs_are_pinned() {
    let a = Mat::from_fn(16, 2, |i, j| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
    let rotate = |kind: Rotation| {
        let r = SharedRotation::new(kind, 5, 1, 9).unwrap();
        let mut out = vec![0.0; r.padded()];
        r.apply(&[1.0, 2.0, 3.0, 4.0, 5.0], &mut out).unwrap();
        out.iter().take(4).map(|v| format!("{v:.12}")).collect::<Vec<_>>()
    };
    let codebook = GaussianCodebook::design(2, 4, 1).unwrap();
    let mut block = [0.3, -0.8];
    codebook.quantize(&mut block).unwrap();
    let dithered =
        MatrixQuantizer::new(Gosset, QuantizerConfig { dither: true, ..QuantizerConfig::e8(4) }, 16).unwrap();
    let codes = dithered.encode_salted(a.as_ref(), 5).unwrap();
    let entropy = EntropyCodedE8::for_rate(3.0, 16, Rotation::Hadamard, 2).unwrap();
    let coded = entropy.encode(a.as_ref()).unwrap();
    let pins = [
        pin(
            "hadamard_rotation",
            rotate(Rotation::Hadamard),
            r#"["-3.889087296526", "-2.474873734153", "1.060660171780", "-3.181980515339"]"#,
        ),
        pin(
            "haar_rotation",
            rotate(Rotation::Haar),
            r#"["-0.680138530758", "-0.856740818901", "2.923801513709", "1.002527313500"]"#,
        ),
        pin(
            "codebook_design",
            (format!("{:.12}", codebook.training_mse()), format!("{:.12} {:.12}", block[0], block[1])),
            r#"("0.313895559439", "0.264866376691 -1.114576511903")"#,
        ),
        pin("dithered_codes", &codes.columns[0].codes, r#"[96356, 212894]"#),
        pin(
            "entropy_coded_bytes",
            &coded.columns[0].bytes[..coded.columns[0].bytes.len().min(12)],
            r#"[76, 154, 120, 1, 101, 115, 168, 192, 199, 86]"#,
        ),
    ];
    let changed: Vec<String> = pins.into_iter().flatten().collect();
    assert!(changed.is_empty(), "{}", changed.join("\n"));
}
