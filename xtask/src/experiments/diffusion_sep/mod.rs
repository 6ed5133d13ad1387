//! Experiments of infoflow-diffusion-sep (arXiv 2306.14411): α-RGS against
//! the classical and annealed-Langevin baselines, the α-posterior weight,
//! and the approach to the discrete modes.
//!
//! The shared set-up ([`Setting`]) is the paper's: an RRC-QPSK signal of
//! interest (16 samples per symbol, roll-off 0.5, span 4, 160 symbols in
//! 2,560 samples) under OFDM interference (64-point FFT, CP 16, 56
//! carriers, QPSK or BPSK) with a **uniformly random timing offset and
//! phase**, `y = s + κ b` with `κ = √(10^{−SIR/10} · 64/56)`. The analytic
//! interference score is synchronised first: maximum-likelihood timing and
//! phase of `(y − ŝ_MF)/κ` seen as a level of noise σ = 0.3
//! ([`OfdmScore::synchronise`]), then the known-timing score.

pub mod alpha_rgs;
pub mod modes;
pub mod omega;

use anyhow::Result;
use infoflow_diffusion_sep::schedule::Level;
use infoflow_diffusion_sep::score::{OfdmScore, PulseScore, Timing};
use infoflow_diffusion_sep::separation::matched_filter_init;
use infoflow_numerics::signal::C64;
use infoflow_rf_signal::constellation::Constellation;
use infoflow_rf_signal::modem::{Modem, Ofdm, SingleCarrier, random_frame};
use rand::Rng;

crate::names! {
    /// The interference's carrier modulation.
    pub enum Carriers { Qpsk = "OFDM-QPSK", Bpsk = "OFDM-BPSK" }
}

/// Samples per frame.
pub const FRAME: usize = 2560;

/// The signal models of one interference type.
pub struct Setting {
    /// The SOI modem (span-4 RRC-QPSK).
    pub soi_modem: SingleCarrier,
    /// The interference modem.
    pub ofdm: Ofdm,
    /// The SOI's exact score.
    pub soi: PulseScore,
    /// The interference model before synchronisation.
    pub interference: OfdmScore,
}

/// One drawn mixture with its truth.
pub struct Drawn {
    /// The SOI's bits.
    pub bits: Vec<u8>,
    /// The SOI.
    pub soi: Vec<C64>,
    /// The mixture.
    pub mixture: Vec<C64>,
    /// `κ`.
    pub kappa: f64,
    /// The interference's timing offset.
    pub offset: usize,
    /// Its phase.
    pub phase: f64,
}

impl Setting {
    /// The models for `carriers`.
    pub fn new(carriers: Carriers) -> Result<Self> {
        let soi_modem = SingleCarrier::new(Constellation::Qpsk, 16, 0.5, 4, FRAME / 16)?;
        let ofdm = interference_modem(carriers)?;
        let soi = PulseScore::new(soi_modem.clone())?;
        let interference = OfdmScore::new(&ofdm, FRAME, Timing::Unknown { phases: 1 })?;
        Ok(Self { soi_modem, ofdm, soi, interference })
    }

    /// `κ` at `sir_db` (the OFDM power 56/64 compensated, as the paper does).
    pub fn kappa(&self, sir_db: f64) -> f64 {
        let occupied = self.ofdm.carriers().len() as f64 / self.ofdm.fft_size() as f64;
        (10f64.powf(-sir_db / 10.0) / occupied).sqrt()
    }

    /// A mixture at `sir_db` with random bits, timing and phase.
    pub fn draw<R: Rng + ?Sized>(&self, sir_db: f64, rng: &mut R) -> Result<Drawn> {
        let (bits, soi) = random_frame(&self.soi_modem, rng)?;
        let (offset, phase) = self.interference.random_sync(rng);
        let b = OfdmScore::draw(&self.ofdm, FRAME, offset, phase, rng)?;
        let kappa = self.kappa(sir_db);
        let mixture = soi.iter().zip(&b).map(|(s, b)| s + b * kappa).collect();
        Ok(Drawn { bits, soi, mixture, kappa, offset, phase })
    }

    /// The interference score synchronised on `(y − ŝ_MF)/κ`, and whether
    /// the timing and phase (modulo the constellation's symmetry, within
    /// 0.05 rad) are the drawn ones.
    pub fn synchronised(&self, d: &Drawn) -> Result<(OfdmScore, bool)> {
        let s0 = matched_filter_init(&self.soi_modem, &d.mixture)?;
        let b0: Vec<C64> = d.mixture.iter().zip(&s0).map(|(y, s)| (y - s) / d.kappa).collect();
        let (offset, phase) = self.interference.synchronise(&b0, Level::custom(1.0, 0.3)?)?;
        let mut model = self.interference.clone();
        model.set_sync(Timing::Known { offset, phase })?;
        let sym = self.interference.symmetry();
        let dp = (phase - d.phase).rem_euclid(sym);
        Ok((model, offset == d.offset && dp.min(sym - dp) < 0.05))
    }
}

/// The interference modem: 64-point FFT, CP 16, 56 carriers (guards 4 and
/// 3, DC null), `carriers` modulation, 32 symbols in a frame.
pub fn interference_modem(carriers: Carriers) -> Result<Ofdm> {
    let c = match carriers {
        Carriers::Qpsk => Constellation::Qpsk,
        Carriers::Bpsk => Constellation::Bpsk,
    };
    Ok(Ofdm::new(c, 64, 16, (4, 3), true, FRAME / 80)?)
}

/// The paper's SIR grid, −24 … −3 dB in steps of 3.
pub fn paper_sirs() -> Vec<f64> {
    (0..8).map(|i| -24.0 + 3.0 * i as f64).collect()
}

/// Distance of each symbol estimate (matched filter of `s`) to the nearest
/// QPSK point, averaged over the frame.
pub fn mode_distance(modem: &SingleCarrier, s: &[C64]) -> Result<f64> {
    let symbols = modem.symbols(s)?;
    let r = std::f64::consts::FRAC_1_SQRT_2;
    Ok(symbols.iter().map(|z| C64::new(z.re.abs() - r, z.im.abs() - r).norm()).sum::<f64>() / symbols.len() as f64)
}
