//! Quantize a weight matrix to about 4.3 bits per entry, store it, load it
//! back and multiply: the error of `WᵀX` from the compressed weights next to
//! the rate–distortion bound Γ(R).
//!
//! `cargo run --release -p infoflow-lattice-quant --example quantize_weights`

use faer::Mat;
use infoflow_lattice_quant::bounds::{db_above, gamma};
use infoflow_lattice_quant::lattice::Gosset;
use infoflow_lattice_quant::matrix::{MatrixQuantizer, Mmse, QuantizerConfig};
use infoflow_lattice_quant::product::distortion;
use infoflow_numerics::linalg::gaussian_matrix;
use infoflow_numerics::rng::Streams;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Streams::for_point(1, "example", "quantize-weights").stream(0);
    // A layer with 1024 inputs and 64 outputs, and a batch of 32 activations
    // (columns are the vectors whose inner products we need).
    let w = gaussian_matrix(1024, 64, &mut rng);
    let x = gaussian_matrix(1024, 32, &mut rng);
    let config = QuantizerConfig { mmse: Mmse::Gaussian, ..QuantizerConfig::e8(16) };
    let q = MatrixQuantizer::new(Gosset, config, 1024)?;

    let bytes = q.write(&q.encode(w.as_ref())?)?;
    let path = std::env::temp_dir().join("infoflow-weights.iflq");
    std::fs::write(&path, &bytes)?;
    println!("{} bytes on disk for {} f64 weights ({:.3} bits per entry)", bytes.len(), 1024 * 64, q.rate().total);

    let stored = q.read(&std::fs::read(&path)?)?; // checked: a damaged file is an error
    let product: Mat<f64> = q.product(&stored, &q.encode(x.as_ref())?)?; // ≈ WᵀX, 64 × 32
    let d = distortion(w.as_ref(), x.as_ref(), product.as_ref())?;
    let bound = gamma(q.rate().total)?;
    println!("relative error of WᵀX: {d:.5} ({:.2} dB above Γ(R) = {bound:.5})", db_above(d, bound));
    std::fs::remove_file(path)?;
    Ok(())
}
