//! Generate a challenge frame (QPSK, 40,960 samples), mix it with synthetic
//! interference at −9 dB SINR, separate it with the matched filter and the
//! block LMMSE trained on a few mixtures, and print MSE and bit errors; then
//! save the mixture as the challenge's `.npy` (complex64) and read it back.
//!
//! `cargo run --release -p infoflow-rf-signal --example challenge_frame`

use infoflow_rf_signal::io::{read_complex, write_complex64};
use infoflow_rf_signal::metrics::{bit_errors, mse};
use infoflow_rf_signal::mixture::{Dataset, MixtureType};
use infoflow_rf_signal::separator::{BlockLmmse, MatchedFilter, Separator};
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The first of the eight stand-in mixture types (QPSK SOI).
    let kind = MixtureType::challenge_stand_ins().remove(0);
    let data = Dataset::new(kind, 7);
    let modem: Arc<dyn infoflow_rf_signal::modem::Modem> = Arc::from(data.kind().soi.modem());
    let test = data.test(0, -9.0)?;
    println!("{}: actual SINR {:.2} dB", data.kind().name(), test.actual_sinr_db);

    let training: Vec<_> = (0..4).map(|i| data.train(i)).collect::<Result<_, _>>()?;
    let mut lmmse = BlockLmmse::new(modem.clone(), 256)?;
    lmmse.fit(&training)?;
    let separators: [(&str, &dyn Separator); 2] = [("matched filter", &MatchedFilter::new(modem)), ("LMMSE", &lmmse)];
    for (name, separator) in separators {
        let estimate = separator.separate(&test.mixture, Some(test.target_sinr_db))?;
        let errors = bit_errors(&estimate.bits, &test.bits)?;
        println!(
            "{name:>14}: MSE {:.2} dB, {errors} bit errors of {}",
            10.0 * mse(&estimate.soi, &test.soi)?.log10(),
            test.bits.len()
        );
    }

    let path = std::env::temp_dir().join("infoflow-mixture.npy");
    write_complex64(&path, &[1, test.mixture.len()], &test.mixture)?;
    let back = read_complex(&path)?;
    println!("wrote and read back {:?} samples from {}", back.shape, path.display());
    std::fs::remove_file(path)?;
    Ok(())
}
