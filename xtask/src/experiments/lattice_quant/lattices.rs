//! `lattice-quant.lattices`: the lattices and their Voronoi codes behave as
//! the theory says.
//!
//! * Normalised second moments by Monte Carlo against closed forms:
//!   `G(Z) = 1/12`, `G(Dₙ) = 2^{−2/n} (1/12 + 1/(2n(n+1)))` (Conway and
//!   Sloane; `G(D₄) = 0.076603`, `G(D₈) = 0.075914`) and
//!   `G(E₈) = 929/12960 = 0.0716821`; claim: within 0.5 %.
//! * The fast closest-point algorithms (Conway–Sloane) against exhaustive
//!   sphere-decoding enumeration on random points: no disagreement in
//!   distance.
//! * Every codeword of the `E₈` Voronoi code decodes to itself and its
//!   index round-trips, for `q = 2, …, 16` (exhaustively for `q ≤ 3`, on
//!   random indices above).

use crate::lab::{
    Axis, Cell, Claim, Experiment, Figure, Legend, Meta, Output, Panel, Point, Profile, Series, Table, XyPanel,
};
use anyhow::{Result, bail};
use infoflow_lattice_quant::lattice::{
    Checkerboard, Gosset, Integer, Lattice, closest_point_by_enumeration, second_moment,
};
use infoflow_lattice_quant::voronoi::VoronoiCode;
use infoflow_numerics::rng::Streams;
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// The experiment.
pub struct Lattices;

crate::names! {
    /// The checks: second moments against closed forms, fast closest points
    /// against enumeration, E8 Voronoi codewords decoding to themselves.
    pub enum Check { Moment = "moment", Nearest = "nearest", Codewords = "codewords" }
}

crate::names! {
    /// The lattices checked.
    pub enum LatticeName { Z1 = "Z1", Z8 = "Z8", D4 = "D4", D8 = "D8", E8 = "E8" }
}

impl LatticeName {
    /// The dimension.
    fn dim(self) -> usize {
        match self {
            LatticeName::Z1 => 1,
            LatticeName::D4 => 4,
            LatticeName::Z8 | LatticeName::D8 | LatticeName::E8 => 8,
        }
    }
}

/// One check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// What is checked.
    pub check: Check,
    /// The lattice.
    pub lattice: LatticeName,
    /// Nesting ratio (`codewords` only; 0 otherwise).
    pub q: u32,
    /// Monte-Carlo samples, random points or random indices.
    pub samples: usize,
}

impl Point for Params {
    fn key(&self) -> String {
        format!("{},{},q={}", self.check, self.lattice, self.q)
    }
}

/// What one check measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Second moment estimate (`moment`).
    pub g: f64,
    /// Its standard error.
    pub g_se: f64,
    /// Points or codewords checked.
    pub checked: usize,
    /// Disagreements found.
    pub failures: usize,
}

/// `G(Dₙ) = 2^{−2/n} (1/12 + 1/(2n(n+1)))`.
fn g_dn(n: usize) -> f64 {
    let n = n as f64;
    2f64.powf(-2.0 / n) * (1.0 / 12.0 + 1.0 / (2.0 * n * (n + 1.0)))
}

fn reference(lattice: LatticeName) -> Result<f64> {
    Ok(match lattice {
        LatticeName::Z1 => 1.0 / 12.0,
        LatticeName::D4 => g_dn(4),
        LatticeName::D8 => g_dn(8),
        LatticeName::E8 => 929.0 / 12960.0,
        other => bail!("no closed form is used for {other}"),
    })
}

fn with_lattice<T>(name: LatticeName, f: &mut dyn FnMut(&dyn DynLattice) -> Result<T>) -> Result<T> {
    match name {
        LatticeName::Z1 => f(&Integer::new(1)?),
        LatticeName::Z8 => f(&Integer::new(8)?),
        LatticeName::D4 => f(&Checkerboard::new(4)?),
        LatticeName::D8 => f(&Checkerboard::new(8)?),
        LatticeName::E8 => f(&Gosset),
    }
}

/// The operations the checks need, object safe.
trait DynLattice {
    fn moment(&self, samples: usize, streams: &Streams) -> Result<(f64, f64)>;
    fn nearest_failures(&self, samples: usize, streams: &Streams) -> usize;
}

impl<L: Lattice> DynLattice for L {
    fn moment(&self, samples: usize, streams: &Streams) -> Result<(f64, f64)> {
        Ok(second_moment(self, samples, &mut streams.stream(0))?)
    }
    fn nearest_failures(&self, samples: usize, streams: &Streams) -> usize {
        let mut rng = streams.stream(0);
        let n = self.dim();
        let (mut x, mut fast) = (vec![0.0; n], vec![0.0; n]);
        let mut failures = 0;
        for _ in 0..samples {
            x.iter_mut().for_each(|v| *v = 3.0 * rng.sample::<f64, _>(rand_distr::StandardNormal));
            self.closest_point(&x, &mut fast);
            let d_fast: f64 = x.iter().zip(&fast).map(|(a, b)| (a - b) * (a - b)).sum();
            let (_, d_exact) = closest_point_by_enumeration(self, &x);
            if (d_fast - d_exact).abs() > 1e-9 {
                failures += 1;
            }
        }
        failures
    }
}

fn codeword_failures(q: u32, samples: usize, streams: &Streams) -> Result<(usize, usize)> {
    let code = VoronoiCode::new(Gosset, q)?;
    let total = (q as u64).pow(8);
    let exhaustive = total <= samples as u64;
    let count = if exhaustive { total as usize } else { samples };
    let mut rng = streams.stream(0);
    let (mut c, mut t, mut back) = ([0u32; 8], [0.0; 8], [0u32; 8]);
    let mut failures = 0;
    for k in 0..count {
        if exhaustive {
            let mut rest = k as u64;
            for ci in c.iter_mut() {
                *ci = (rest % q as u64) as u32;
                rest /= q as u64;
            }
        } else {
            c.iter_mut().for_each(|ci| *ci = rng.random_range(0..q));
        }
        code.codeword(&c, &mut t);
        code.index(&t, &mut back);
        // Decoding the codeword's own index must land on the codeword, in
        // the shaping region, and re-indexing must return the index.
        let mut again = [0.0; 8];
        code.decode(&back, 1.0, None, &mut again);
        if back != c || !code.contains(&t) || again != t {
            failures += 1;
        }
    }
    Ok((count, failures))
}

impl Experiment for Lattices {
    type Point = Params;
    type Record = Measured;

    fn meta(&self) -> Meta {
        Meta {
            id: "lattice-quant.lattices",
            title: "Second moments of Z, D4, D8, E8; fast closest points agree with enumeration; E8 Voronoi codewords decode to themselves",
            paper: "2410.13780",
            figure: "arXiv 2410.13780 and 2502.09720: the building blocks of the practical scheme (Conway-Sloane closest points, E8 Voronoi codes)",
        }
    }

    fn points(&self, profile: Profile) -> Vec<Params> {
        let (moments, nearest, codewords) = match profile {
            Profile::Smoke => (400_000, 200, 2_000),
            Profile::Quick => (5_000_000, 20_000, 200_000),
            Profile::Paper => (50_000_000, 200_000, 2_000_000),
        };
        let mut pts = Vec::new();
        for lattice in [LatticeName::Z1, LatticeName::D4, LatticeName::D8, LatticeName::E8] {
            pts.push(Params { check: Check::Moment, lattice, q: 0, samples: moments });
        }
        for lattice in [LatticeName::Z8, LatticeName::D4, LatticeName::D8, LatticeName::E8] {
            pts.push(Params { check: Check::Nearest, lattice, q: 0, samples: nearest });
        }
        for q in 2..=16 {
            // q = 2, 3: all 256 and 6561 codewords.
            pts.push(Params { check: Check::Codewords, lattice: LatticeName::E8, q, samples: codewords.max(6561) });
        }
        pts
    }

    fn run(&self, p: &Params, streams: &Streams) -> Result<Measured> {
        let mut m = Measured { g: 0.0, g_se: 0.0, checked: p.samples, failures: 0 };
        match p.check {
            Check::Moment => {
                let (g, se) = with_lattice(p.lattice, &mut |l| l.moment(p.samples, streams))?;
                (m.g, m.g_se) = (g, se);
            }
            Check::Nearest => {
                m.failures = with_lattice(p.lattice, &mut |l| Ok(l.nearest_failures(p.samples, streams)))?
            }
            Check::Codewords => (m.checked, m.failures) = codeword_failures(p.q, p.samples, streams)?,
        }
        Ok(m)
    }

    fn summarize(&self, records: &[(Params, Measured)], out: &mut Output) -> Result<Vec<Claim>> {
        let mut claims = Vec::new();
        let mut table = Table::new(&["check", "lattice", "q", "samples", "g", "g_se", "g_reference", "failures"]);
        let (mut dims, mut gs, mut errs, mut refs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut qs, mut checked) = (Vec::new(), Vec::new());
        for (p, m) in records {
            let reference = if p.check == Check::Moment { reference(p.lattice)? } else { f64::NAN };
            table.push(vec![
                Cell::from(p.check.name()),
                Cell::from(p.lattice.name()),
                Cell::from(p.q as usize),
                Cell::from(m.checked),
                Cell::from(if p.check == Check::Moment { m.g } else { f64::NAN }),
                Cell::from(if p.check == Check::Moment { m.g_se } else { f64::NAN }),
                Cell::from(reference),
                Cell::from(m.failures),
            ])?;
            match p.check {
                Check::Moment => {
                    claims.push(
                        Claim::relatively_close(
                            &format!("moment-{}", p.lattice.name().to_lowercase()),
                            &format!("normalised second moment G({}) matches its closed form", p.lattice),
                            reference,
                            m.g,
                            3.29 * m.g_se / m.g,
                        )
                        .with_basis("3.29 s.e.")
                        .with_note(format!(
                            "{} Monte-Carlo samples, standard error {:.2e} ({:.3} %)",
                            p.samples,
                            m.g_se,
                            100.0 * m.g_se / m.g
                        )),
                    );
                    let dim = p.lattice.dim() as f64;
                    dims.push(dim);
                    gs.push(m.g);
                    errs.push((m.g - 2.0 * m.g_se, m.g + 2.0 * m.g_se));
                    refs.push(reference);
                }
                Check::Nearest => claims.push(
                    Claim::at_most(
                        &format!("nearest-{}", p.lattice.name().to_lowercase()),
                        &format!("the fast closest point of {} is as close as exhaustive enumeration finds", p.lattice),
                        0.0,
                        m.failures as f64,
                    )
                    .with_basis("exact (Fincke-Pohst enumeration)")
                    .with_note(format!("{} points 3·N(0, I); Fincke-Pohst enumeration is the reference", m.checked)),
                ),
                Check::Codewords => {
                    claims.push(
                        Claim::at_most(
                            &format!("codewords-q{}", p.q),
                            &format!(
                                "every E8 Voronoi codeword (q = {}) decodes to itself and its index round-trips",
                                p.q
                            ),
                            0.0,
                            m.failures as f64,
                        )
                        .with_basis("exact")
                        .with_note(if (p.q as u64).pow(8) as usize == m.checked {
                            format!("all {} codewords", m.checked)
                        } else {
                            format!("{} random indices of {}", m.checked, (p.q as u64).pow(8))
                        }),
                    );
                    qs.push(p.q as f64);
                    checked.push(m.checked as f64);
                }
            }
        }
        out.table("table", &table)?;
        out.figure(
            "lattices",
            &Figure::grid(
                "Lattice quantizers and Voronoi codes",
                2,
                vec![
                    Panel::Xy(XyPanel {
                        title: "normalised second moment (2 s.e. bars) vs closed form".into(),
                        x: Axis::linear("dimension"),
                        y: Axis::linear("G"),
                        series: vec![
                            Series::markers("Monte Carlo", dims.clone(), gs).with_errors(errs),
                            Series::markers("closed form", dims.clone(), refs).with_color(1),
                            Series::dashed(
                                "1/(2 pi e)",
                                vec![1.0, 8.0],
                                vec![1.0 / (2.0 * std::f64::consts::PI * std::f64::consts::E); 2],
                            )
                            .with_color(2),
                        ],
                        legend: Legend::UpperRight,
                    }),
                    Panel::Xy(XyPanel {
                        title: "E8 codewords checked per q (all passed: see claims)".into(),
                        x: Axis::linear("q"),
                        y: Axis::log("codewords checked"),
                        series: vec![Series::line_markers("checked", qs, checked)],
                        legend: Legend::Hidden,
                    }),
                ],
            )
            .with_caption("Checks the lattice building blocks of arXiv 2410.13780 and 2502.09720 (Conway-Sloane closest points, E8 Voronoi codes): left, Monte-Carlo normalised second moments of Z, D4, D8 and E8 against their closed forms (the two must overlap); right, how many E8 codewords were checked to decode to themselves for each nesting ratio q."),
        )?;
        Ok(claims)
    }
}
