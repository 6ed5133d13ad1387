//! The frame workload of `benches/reference/frames.py`: modulate and
//! demodulate frames of the challenge's SOIs from bits written by the
//! script, one thread, timing each stage (best of `REPS`), and write the
//! frames and the demodulated bits back so the script can check that both
//! programs computed the same thing.
//!
//! Usage: `frames_workload qpsk|ofdm BITS_IN FRAMES_OUT BITS_OUT [REPS]`
//! (raw files: bits as bytes 0/1, frames as little-endian f64 pairs). The
//! frame and bit buffers are allocated once and reused across frames and
//! repetitions (`Modem::modulate_into`, `Modem::demodulate_into`).

use infoflow_numerics::signal::C64;
use infoflow_rf_signal::modem::{Ofdm, SoiKind};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        return Err("usage: frames_workload qpsk|ofdm BITS_IN FRAMES_OUT BITS_OUT [REPS]".into());
    }
    let kind = match args[1].as_str() {
        "qpsk" => SoiKind::Qpsk,
        "ofdm" => SoiKind::OfdmQpsk,
        other => return Err(format!("unknown SOI {other}").into()),
    };
    let modem = kind.modem();
    let bits = std::fs::read(&args[2])?;
    let per = modem.bits_per_frame();
    if bits.is_empty() || bits.len() % per != 0 {
        return Err(format!("{}: {} bits is not a whole number of {per}-bit frames", args[2], bits.len()).into());
    }
    let reps: usize = args.get(5).map(|s| s.parse()).transpose()?.unwrap_or(5);
    let frames = bits.len() / per;
    // Output buffers are allocated once and reused, as a data loader would.
    let mut signals = vec![vec![C64::new(0.0, 0.0); modem.frame_len()]; frames];
    let mut decided = vec![Vec::with_capacity(per); frames];
    let (mut generate, mut demodulate) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..reps.max(1) {
        let start = Instant::now();
        for (b, s) in bits.chunks_exact(per).zip(&mut signals) {
            modem.modulate_into(std::hint::black_box(b), s)?;
        }
        generate = generate.min(start.elapsed().as_secs_f64());
        let start = Instant::now();
        for (s, d) in signals.iter().zip(&mut decided) {
            modem.demodulate_into(std::hint::black_box(s), d)?;
        }
        demodulate = demodulate.min(start.elapsed().as_secs_f64());
    }
    // Floors measured on the same frames: reading every sample once, and
    // (OFDM) the transforms alone, 64-point FFTs of 512 bodies per frame in
    // one batched RustFFT call, the least a demodulator must do.
    let (mut read, mut transforms) = (f64::INFINITY, f64::INFINITY);
    // The bodies of the first frame (prefixes dropped), contiguous.
    let ofdm = Ofdm::challenge_qpsk();
    let (n, cp) = (ofdm.fft_size(), ofdm.cp());
    let mut bodies: Vec<C64> = match kind {
        SoiKind::OfdmQpsk => signals[0].chunks_exact(n + cp).flat_map(|s| s[cp..].iter().copied()).collect(),
        _ => Vec::new(),
    };
    let fft = infoflow_numerics::signal::fft_plans().forward(n);
    let mut scratch = vec![C64::new(0.0, 0.0); fft.get_inplace_scratch_len()];
    for _ in 0..reps.max(1) {
        let start = Instant::now();
        let mut acc = C64::new(0.0, 0.0);
        for s in &signals {
            acc += s.iter().sum::<C64>();
        }
        std::hint::black_box(acc);
        read = read.min(start.elapsed().as_secs_f64());
        if !bodies.is_empty() {
            let start = Instant::now();
            for _ in 0..frames {
                fft.process_with_scratch(std::hint::black_box(&mut bodies), &mut scratch);
            }
            transforms = transforms.min(start.elapsed().as_secs_f64());
        }
    }
    let raw: Vec<u8> =
        signals.iter().flatten().flat_map(|z| z.re.to_le_bytes().into_iter().chain(z.im.to_le_bytes())).collect();
    std::fs::write(&args[3], raw)?;
    std::fs::write(&args[4], decided.concat())?;
    println!(
        "rust {}: {frames} frames: generate {generate:.6} s, demodulate {demodulate:.6} s (best of {reps})",
        modem.name()
    );
    print!("floors: read {read:.6} s");
    if !bodies.is_empty() {
        print!(", transforms {transforms:.6} s");
    }
    println!();
    Ok(())
}
