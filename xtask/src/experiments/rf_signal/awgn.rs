//! `rf-signal.awgn`: the two signals of interest in white Gaussian noise.
//!
//! Frames of random bits are modulated, noise of variance `σ²` per sample
//! is added and the frame is demodulated with hard decisions. `Eb/N0` is
//! measured at the demodulator output: the symbols have unit energy and the
//! demodulator's noise variance per symbol is `σ²/sps` (QPSK: unit-energy
//! matched filter divided by `√sps`) or `σ²` (OFDM: unitary FFT; the
//! cyclic prefix's energy is not counted), so `Eb/N0 = 1/(bits per symbol ·
//! that variance)`. Gray QPSK then has `BER = Q(√(2 Eb/N0))` exactly.
//!
//! Claims: the theory lies inside the Clopper–Pearson interval of every
//! point, at a simultaneous 99 % level (Bonferroni over the points), and
//! `demodulate(modulate(bits)) == bits` without noise.

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::Result;
use infoflow_numerics::rng::Streams;
use infoflow_numerics::special::q_function;
use infoflow_numerics::stats::clopper_pearson_interval;
use infoflow_rf_signal::metrics::bit_errors;
use infoflow_rf_signal::mixture::add_awgn;
use infoflow_rf_signal::modem::{SoiKind, random_frame};
use serde::{Deserialize, Serialize};

/// The experiment.
pub struct Awgn;

/// One `(SOI, Eb/N0)` point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The signal of interest (serialised as its name, `"QPSK"` or
    /// `"OFDMQPSK"`).
    pub soi: SoiKind,
    /// `Eb/N0`, dB.
    pub ebn0_db: f64,
    /// Frames.
    pub frames: usize,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("{},ebn0={}", self.soi.name(), self.ebn0_db)
    }
}

/// Errors counted at one point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Bit errors with noise.
    pub errors: u64,
    /// Bits with noise.
    pub bits: u64,
    /// Bit errors of the noiseless round trip over the same frames.
    pub noiseless_errors: u64,
}

/// Simultaneous confidence of the intervals.
const FAMILY_CONFIDENCE: f64 = 0.99;

impl Experiment for Awgn {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "rf-signal.awgn",
            title: "QPSK and OFDM-QPSK in white Gaussian noise: BER against Q(sqrt(2 Eb/N0))",
            paper: "2409.08839",
            figure: "the challenge's signals of interest in AWGN (a check of the modems, demodulators and noise scaling)",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (qpsk, ofdm) = match profile {
            Profile::Smoke => (4, 1),
            Profile::Quick => (100, 10),
            Profile::Paper => (1000, 100),
        };
        let mut pts = Vec::new();
        for kind in SoiKind::ALL {
            for ebn0 in 0..=8 {
                let frames = if kind == SoiKind::Qpsk { qpsk } else { ofdm };
                pts.push(Params { soi: kind, ebn0_db: ebn0 as f64, frames });
            }
        }
        pts
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let modem = p.soi.modem();
        let per_bit = 10f64.powf(p.ebn0_db / 10.0);
        let symbol_var = 1.0 / (modem.constellation().bits_per_symbol() as f64 * per_bit);
        let sample_var = symbol_var / modem.symbol_noise_var(1.0);
        let mut m = Measured { errors: 0, bits: 0, noiseless_errors: 0 };
        for f in 0..p.frames as u64 {
            let mut rng = streams.stream(f);
            let (bits, mut frame) = random_frame(modem.as_ref(), &mut rng)?;
            m.noiseless_errors += bit_errors(&modem.demodulate(&frame)?, &bits)?;
            add_awgn(&mut frame, sample_var, &mut rng)?;
            m.errors += bit_errors(&modem.demodulate(&frame)?, &bits)?;
            m.bits += bits.len() as u64;
        }
        Ok(m)
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut claims = Vec::new();
        let mut table = Table::new(&["soi", "ebn0_db", "bits", "errors", "ber", "ci_lo", "ci_hi", "theory"]);
        let confidence = 1.0 - (1.0 - FAMILY_CONFIDENCE) / records.len().max(1) as f64;
        let mut panels = Vec::new();
        for kind in SoiKind::ALL {
            let mut rows: Vec<&(Params, Measured)> = records.iter().filter(|(p, _)| p.soi == kind).collect();
            rows.sort_by(|a, b| a.0.ebn0_db.total_cmp(&b.0.ebn0_db));
            if rows.is_empty() {
                continue;
            }
            let (mut x, mut y, mut err, mut theory) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let mut noiseless = 0;
            for (p, m) in &rows {
                let ber = m.errors as f64 / m.bits as f64;
                let ci = clopper_pearson_interval(m.errors, m.bits, confidence)?;
                let th = q_function((2.0 * 10f64.powf(p.ebn0_db / 10.0)).sqrt());
                table.push(vec![
                    Cell::from(kind.name()),
                    Cell::from(p.ebn0_db),
                    Cell::from(m.bits),
                    Cell::from(m.errors),
                    Cell::from(ber),
                    Cell::from(ci.lo),
                    Cell::from(ci.hi),
                    Cell::from(th),
                ])?;
                claims.push(
                    Claim::inside(
                        &format!("theory-inside-ci-{}-ebn0-{}", kind.name().to_lowercase(), p.ebn0_db),
                        &format!("{} at Eb/N0 = {} dB: Q(sqrt(2 Eb/N0)) lies inside the measured BER's interval", kind.name(), p.ebn0_db),
                        (ci.lo, ci.hi),
                        th,
                    ).with_basis("99 % Wilson interval of the BER")
                    .with_note(format!(
                        "{} errors in {} bits (BER {ber:.3e}); Clopper-Pearson at {confidence:.5} per point, 99 % simultaneous over {} points",
                        m.errors,
                        m.bits,
                        records.len()
                    )),
                );
                noiseless += m.noiseless_errors;
                if m.errors > 0 {
                    x.push(p.ebn0_db);
                    y.push(ber);
                    err.push((ci.lo.max(1e-9), ci.hi));
                }
                theory.push((p.ebn0_db, th));
            }
            let total: u64 = rows.iter().map(|(_, m)| m.bits).sum();
            claims.push(
                Claim::at_most(
                    &format!("round-trip-{}", kind.name().to_lowercase()),
                    &format!("{}: demodulate(modulate(bits)) == bits without noise", kind.name()),
                    0.0,
                    noiseless as f64,
                )
                .with_basis("exact")
                .with_note(format!("bit errors over {total} bits")),
            );
            panels.push(Panel::Xy(XyPanel {
                title: kind.name().into(),
                x: Axis::linear("Eb/N0 (dB)"),
                y: Axis::log("BER"),
                series: vec![
                    Series::line(
                        "Q(sqrt(2 Eb/N0))",
                        theory.iter().map(|t| t.0).collect(),
                        theory.iter().map(|t| t.1).collect(),
                    ),
                    Series::markers("measured (simultaneous 99% CI)", x, y).with_errors(err).with_color(1),
                ],
                legend: Legend::LowerLeft,
            }));
        }
        out.table("table", &table)?;
        out.figure("ber", &Figure::grid("BER in AWGN against theory", 2, panels)
            .with_caption("Checks the RF Challenge signal models (arXiv 2409.08839) in white Gaussian noise: the measured BER of QPSK and OFDM-QPSK (with simultaneous 99% intervals) against the theory Q(sqrt(2 Eb/N0)); every interval must contain the curve."))?;
        Ok(claims)
    }
}
