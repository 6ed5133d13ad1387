//! Figures: a small declarative description (panels of series, heatmaps)
//! rendered to SVG with plotters' SVG backend.
//!
//! No font library is involved: plotters' SVG backend emits `<text>`
//! elements and the viewer renders them. Logarithmic axes are drawn by
//! plotting `log₁₀` of the data on a linear axis and labelling ticks with
//! the original values, so every combination of linear and log axes goes
//! through one code path. Points that cannot be drawn (non-finite values,
//! non-positive values on a log axis) are dropped, and lines break there.
//!
//! Layout rules, applied once here for every figure of the lab:
//! * ticks are chosen, not left to the backend: 1-2-5 steps on linear axes,
//!   whole decades (with 2 and 5 on short log axes, 1-2-5 multiples on very
//!   short ones) on log axes, the category names on categorical axes;
//! * legends sit outside the data area: one legend for the figure when the
//!   panels share it (right of a single column of panels, below a grid),
//!   else one below each panel; long labels wrap;
//! * every series gets its own look: eight colour-blind-safe colours, then
//!   line dashes and marker shapes, and no two series of a panel share the
//!   same colour and mark;
//! * titles and panel captions shrink, then wrap, to fit their width;
//! * a figure is at most [`MAX_WIDTH`] pixels wide (panels wrap onto rows),
//!   so it is shown at its own size in the report;
//! * every figure carries a caption (which paper figure it reproduces, what
//!   to look for), shown under it in the report.

use anyhow::{Result, anyhow, ensure};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;

/// Axis scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scale {
    /// Linear.
    #[default]
    Linear,
    /// Base-10 logarithmic.
    Log10,
}

impl Scale {
    fn apply(self, v: f64) -> Option<f64> {
        match self {
            Scale::Linear => v.is_finite().then_some(v),
            Scale::Log10 => (v.is_finite() && v > 0.0).then(|| v.log10()),
        }
    }
}

/// An axis: label, scale, an optional fixed range (in data units) and,
/// for a categorical axis, the category names.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Axis {
    /// Label.
    pub label: String,
    /// Scale.
    pub scale: Scale,
    /// Fixed range `(lo, hi)`; derived from the data when `None`.
    pub range: Option<(f64, f64)>,
    /// Category names: the axis is categorical, category `k` sits at
    /// position `k` and is labelled with its name.
    pub categories: Option<Vec<String>>,
}

impl Axis {
    /// A linear axis.
    pub fn linear(label: impl Into<String>) -> Self {
        Self { label: label.into(), scale: Scale::Linear, range: None, categories: None }
    }

    /// A base-10 logarithmic axis.
    pub fn log(label: impl Into<String>) -> Self {
        Self { label: label.into(), scale: Scale::Log10, range: None, categories: None }
    }

    /// A categorical axis: category `k` (of `names`) at position `k`.
    pub fn categories(label: impl Into<String>, names: Vec<String>) -> Self {
        let n = names.len().max(1) as f64;
        Self { label: label.into(), scale: Scale::Linear, range: Some((-0.5, n - 0.5)), categories: Some(names) }
    }

    /// Fixes the range.
    pub fn with_range(mut self, lo: f64, hi: f64) -> Self {
        self.range = Some((lo, hi));
        self
    }
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Solid line.
    Line,
    /// Dashed line (theory curves, bounds).
    Dashed,
    /// Markers only.
    Markers,
    /// Line with markers.
    LineMarkers,
    /// Histogram bars: `x` holds the `n + 1` bin edges, `y` the `n` heights.
    Bars,
}

/// One data series.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend label (empty: not in the legend).
    pub label: String,
    /// How it is drawn.
    pub mark: Mark,
    /// Abscissae (bin edges for [`Mark::Bars`]).
    pub x: Vec<f64>,
    /// Ordinates.
    pub y: Vec<f64>,
    /// Error bars as absolute `(lo, hi)` per point.
    pub y_err: Option<Vec<(f64, f64)>>,
    /// Palette index; the series' position when `None`.
    pub color: Option<usize>,
}

impl Series {
    fn new(label: impl Into<String>, mark: Mark, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self { label: label.into(), mark, x, y, y_err: None, color: None }
    }

    /// A solid line.
    pub fn line(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self::new(label, Mark::Line, x, y)
    }

    /// A dashed line.
    pub fn dashed(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self::new(label, Mark::Dashed, x, y)
    }

    /// Markers.
    pub fn markers(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self::new(label, Mark::Markers, x, y)
    }

    /// A line with markers.
    pub fn line_markers(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self::new(label, Mark::LineMarkers, x, y)
    }

    /// Histogram bars over `edges` (one more than `heights`).
    pub fn histogram(label: impl Into<String>, edges: Vec<f64>, heights: Vec<f64>) -> Self {
        Self::new(label, Mark::Bars, edges, heights)
    }

    /// Adds error bars, as absolute `(lo, hi)` per point.
    pub fn with_errors(mut self, lo_hi: Vec<(f64, f64)>) -> Self {
        self.y_err = Some(lo_hi);
        self
    }

    /// Picks a palette colour.
    pub fn with_color(mut self, index: usize) -> Self {
        self.color = Some(index);
        self
    }

    fn validate(&self) -> Result<()> {
        let want_x = if self.mark == Mark::Bars { self.y.len() + 1 } else { self.y.len() };
        ensure!(
            self.x.len() == want_x,
            "series {:?}: {} x values for {} y values",
            self.label,
            self.x.len(),
            self.y.len()
        );
        if let Some(e) = &self.y_err {
            ensure!(
                e.len() == self.y.len(),
                "series {:?}: {} error bars for {} points",
                self.label,
                e.len(),
                self.y.len()
            );
        }
        Ok(())
    }
}

/// Whether a panel shows its legend. Legends are drawn outside the data
/// area (see [`Figure`]'s layout); the corner variants all mean "shown".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Legend {
    /// Shown (to the right of the panel).
    #[default]
    UpperRight,
    /// Shown (to the right of the panel).
    UpperLeft,
    /// Shown (to the right of the panel).
    LowerLeft,
    /// Shown (to the right of the panel).
    LowerRight,
    /// No legend.
    Hidden,
}

/// A panel of series on x/y axes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct XyPanel {
    /// Panel caption.
    pub title: String,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// The series, drawn in order.
    pub series: Vec<Series>,
    /// Legend position.
    pub legend: Legend,
}

/// A heatmap of `values[iy][ix]` on the cells `[x_edges[ix], x_edges[ix+1]] ×
/// [y_edges[iy], y_edges[iy+1]]`, with a colour bar and optional overlaid
/// series (iso-curves, theory lines).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Heatmap {
    /// Panel caption.
    pub title: String,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// Cell edges along x (`nx + 1`).
    pub x_edges: Vec<f64>,
    /// Cell edges along y (`ny + 1`).
    pub y_edges: Vec<f64>,
    /// `ny` rows of `nx` values.
    pub values: Vec<Vec<f64>>,
    /// Colour-bar label.
    pub color_label: String,
    /// Colour scale.
    pub color_scale: Scale,
    /// Series drawn over the cells.
    pub overlay: Vec<Series>,
}

/// One panel of a figure.
#[derive(Clone, Debug, PartialEq)]
pub enum Panel {
    /// Series on x/y axes.
    Xy(XyPanel),
    /// A heatmap with a colour bar.
    Heatmap(Heatmap),
}

/// A figure: a title over a grid of panels, and a caption for the report.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Title.
    pub title: String,
    /// Panels per row (fewer when the figure would be wider than
    /// [`MAX_WIDTH`]).
    pub columns: usize,
    /// Panels, row by row.
    pub panels: Vec<Panel>,
    /// What the figure reproduces (paper, figure or table) and what the
    /// reader should see; shown under the figure in the report. Required:
    /// `Output::figure` refuses a figure without one.
    pub caption: String,
}

/// Width of a panel's plotting area (axes included), pixels.
const PANEL_W: u32 = 500;
/// Height of a panel, pixels.
const PANEL_H: u32 = 380;
/// Width of a heatmap's colour bar, pixels.
const COLOR_BAR_W: u32 = 90;
/// The widest figure: the report's page is 1100 pixels wide, so a figure
/// of at most this width is shown at its own size, never shrunk.
pub const MAX_WIDTH: u32 = 1080;
/// Legend text size and the widest legend column.
const LEGEND_FONT: u32 = 12;
const LEGEND_MAX_W: u32 = 210;

/// A colour-blind-safe palette (Okabe–Ito, with black for the eighth).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(0, 0, 0),
];

/// Approximate width of `text` in pixels at `size` (sans-serif: about 0.56
/// of the size per character; enough to decide shrinking and wrapping).
fn text_width(text: &str, size: u32) -> u32 {
    (text.chars().count() as f64 * 0.56 * size as f64).ceil() as u32
}

/// `text` broken into lines of at most `max_chars` characters, at spaces
/// where possible.
fn wrap(text: &str, max_chars: usize) -> Vec<String> {
    let max_chars = max_chars.max(8);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_owned();
        // A word a little longer than a line stays whole (text widths are
        // estimates); a much longer one is cut.
        while word.chars().count() > max_chars + max_chars / 2 {
            let head: String = word.chars().take(max_chars).collect();
            word = word.chars().skip(max_chars).collect();
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(head);
        }
        if line.is_empty() {
            line = word;
        } else if line.chars().count() + 1 + word.chars().count() <= max_chars {
            line.push(' ');
            line.push_str(&word);
        } else {
            lines.push(std::mem::replace(&mut line, word));
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Font size and lines for `text` in `width` pixels: the largest size from
/// `max` down to `min` that fits on one line, else `min` wrapped.
fn fit_text(text: &str, width: u32, max: u32, min: u32) -> (u32, Vec<String>) {
    for size in (min..=max).rev() {
        if text_width(text, size) <= width {
            return (size, vec![text.to_owned()]);
        }
    }
    let chars = (width as f64 / (0.56 * min as f64)).floor() as usize;
    (min, wrap(text, chars))
}

/// `v` with `digits` significant digits, without trailing zeros.
fn format_significant(v: f64, digits: i32) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v == 0.0 { "0".into() } else { v.to_string() };
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let rounded = format!("{v:.decimals$}");
    let s =
        if rounded.contains('.') { rounded.trim_end_matches('0').trim_end_matches('.').to_owned() } else { rounded };
    if s == "-0" { "0".into() } else { s }
}

/// A tick value: plain between 10⁻³ and 10⁵, `2e-5` style outside.
fn format_value(v: f64, digits: i32) -> String {
    let a = v.abs();
    if v == 0.0 || (1e-3..1e5).contains(&a) {
        return format_significant(v, digits);
    }
    let exponent = a.log10().floor() as i32;
    let mantissa = a / 10f64.powi(exponent);
    let sign = if v < 0.0 { "-" } else { "" };
    let m = format_significant(mantissa, digits.min(3));
    match m.as_str() {
        "1" => format!("{sign}1e{exponent}"),
        "10" => format!("{sign}1e{}", exponent + 1),
        _ => format!("{sign}{m}e{exponent}"),
    }
}

/// Tick positions of an axis over the plotted range `[lo, hi]`: the
/// labelled (major) ticks and the unlabelled grid lines (minor).
#[derive(Clone, Debug, PartialEq)]
struct Ticks {
    major: Vec<f64>,
    minor: Vec<f64>,
}

/// The 1-2-5 step nearest (in ratio) to `span / target`.
fn nice_step(span: f64, target: f64) -> f64 {
    let raw = span / target;
    let magnitude = 10f64.powf(raw.log10().floor());
    let ratio = |s: f64| (s / raw).ln().abs();
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .min_by(|a, b| ratio(*a).total_cmp(&ratio(*b)))
        .unwrap_or(magnitude)
}

/// The multiples of `step` in `[lo, hi]`.
fn multiples(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

fn linear_ticks(lo: f64, hi: f64) -> Ticks {
    let step = nice_step(hi - lo, 5.0);
    Ticks { major: multiples(lo, hi, step), minor: multiples(lo, hi, step / 2.0) }
}

fn log_ticks(lo: f64, hi: f64) -> Ticks {
    let span = hi - lo;
    let in_range = |v: &f64| *v >= lo - 1e-9 && *v <= hi + 1e-9;
    let decades: Vec<f64> = ((lo - 1e-9).ceil() as i64..=(hi + 1e-9).floor() as i64).map(|k| k as f64).collect();
    let multiples_of = |ms: &[f64]| -> Vec<f64> {
        ((lo.floor() as i64)..=(hi.ceil() as i64))
            .flat_map(|k| ms.iter().map(move |m| k as f64 + m.log10()))
            .filter(in_range)
            .collect()
    };
    if span > 6.0 {
        let stride = (span / 6.0).ceil() as i64;
        let major: Vec<f64> = decades.iter().copied().filter(|d| (*d as i64).rem_euclid(stride) == 0).collect();
        return Ticks { major, minor: decades };
    }
    if span >= 2.0 {
        return Ticks { major: decades, minor: multiples_of(&[2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]) };
    }
    let one_two_five = multiples_of(&[1.0, 2.0, 5.0]);
    if one_two_five.len() >= 3 {
        return Ticks { major: one_two_five, minor: multiples_of(&[3.0, 4.0, 6.0, 7.0, 8.0, 9.0]) };
    }
    // Less than a 1-2-5 step: linear 1-2-5 ticks in value space.
    let (a, b) = (10f64.powf(lo), 10f64.powf(hi));
    let lin = linear_ticks(a, b);
    let to_log = |v: Vec<f64>| v.into_iter().filter(|x| *x > 0.0).map(f64::log10).filter(in_range).collect();
    Ticks { major: to_log(lin.major), minor: to_log(lin.minor) }
}

impl Axis {
    /// Ticks over the plotted range `[lo, hi]`.
    fn ticks(&self, (lo, hi): (f64, f64)) -> Ticks {
        if let Some(names) = &self.categories {
            let major = (0..names.len()).map(|k| k as f64).filter(|&k| k >= lo && k <= hi).collect();
            return Ticks { major, minor: Vec::new() };
        }
        match self.scale {
            Scale::Linear => linear_ticks(lo, hi),
            Scale::Log10 => log_ticks(lo, hi),
        }
    }

    /// The label of the tick at plotted position `v`, given the ticks.
    fn tick_label(&self, v: f64, ticks: &Ticks) -> String {
        if let Some(names) = &self.categories {
            let k = v.round();
            return if (v - k).abs() < 1e-6 && k >= 0.0 {
                names.get(k as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            };
        }
        match self.scale {
            Scale::Linear => {
                let step = ticks.major.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min);
                let largest = ticks.major.iter().fold(0.0f64, |m, t| m.max(t.abs()));
                let digits = if step.is_finite() && step > 0.0 && largest > 0.0 {
                    ((largest / step).log10().ceil() as i32 + 1).clamp(2, 6)
                } else {
                    3
                };
                format_value(v, digits)
            }
            Scale::Log10 => format_value(10f64.powf(v), 3),
        }
    }
}

/// A linear coordinate whose grid lines and labels sit at chosen ticks.
#[derive(Clone)]
struct TickedAxis {
    range: Range<f64>,
    ticks: Ticks,
}

impl Ranged for TickedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let (lo, hi) = (self.range.start, self.range.end);
        let t = (v - lo) / (hi - lo);
        limit.0 + (t * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            let mut all = self.ticks.major.clone();
            all.extend(&self.ticks.minor);
            all
        } else {
            self.ticks.major.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// A range in plotted (transformed) units covering `values`, padded.
fn plotted_range(axis: &Axis, values: impl Iterator<Item = f64>, pad: bool) -> (f64, f64) {
    if let Some((lo, hi)) = axis.range
        && let (Some(a), Some(b)) = (axis.scale.apply(lo), axis.scale.apply(hi))
        && a < b
    {
        return (a, b);
    }
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 * (1.0 + lo.abs()) {
        lo -= 0.5;
        hi += 0.5;
    }
    if pad {
        let p = 0.04 * (hi - lo);
        (lo - p, hi + p)
    } else {
        (lo, hi)
    }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<TickedAxis, TickedAxis>>;

fn draw_err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing the figure: {e:?}")
}

/// How a series looks: colour, dash pattern (for lines) and marker shape.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Look {
    color: RGBColor,
    mark: Mark,
    /// 0, 1 or 2: solid / long-dashed / dotted lines, circle / square /
    /// triangle markers (the ninth series of a panel and later ones).
    variant: usize,
}

impl Look {
    /// Dash and gap lengths of a line in this look, `None` when solid.
    fn dashes(&self) -> Option<(u32, u32)> {
        match (self.mark, self.variant) {
            (Mark::Dashed, 0) => Some((7, 5)),
            (Mark::Dashed, 1) => Some((2, 3)),
            (Mark::Dashed, _) => Some((12, 4)),
            (_, 0) => None,
            (_, 1) => Some((12, 4)),
            (_, _) => Some((2, 3)),
        }
    }
}

/// The looks of a panel's series: the requested (or positional) colour,
/// moved to the next free one when another series of the panel already
/// has the same colour and mark.
fn looks(series: &[Series]) -> Vec<Look> {
    let mut used: Vec<(usize, Mark)> = Vec::new();
    series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut k = s.color.unwrap_or(i);
            while used.contains(&(k, s.mark)) {
                k += 1;
            }
            used.push((k, s.mark));
            Look { color: PALETTE[k % PALETTE.len()], mark: s.mark, variant: (k / PALETTE.len()) % 3 }
        })
        .collect()
}

/// The drawable points of a series, split where a point was dropped.
fn segments(s: &Series, xs: Scale, ys: Scale) -> Vec<Vec<(f64, f64)>> {
    let mut out = vec![Vec::new()];
    for (&x, &y) in s.x.iter().zip(&s.y) {
        match (xs.apply(x), ys.apply(y)) {
            (Some(a), Some(b)) => out.last_mut().expect("non-empty").push((a, b)),
            _ => {
                if !out.last().expect("non-empty").is_empty() {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|seg| !seg.is_empty());
    out
}

/// Every plotted value of a set of series, per axis.
fn extent(series: &[Series], xs: Scale, ys: Scale) -> (Vec<f64>, Vec<f64>) {
    let (mut xv, mut yv) = (Vec::new(), Vec::new());
    for s in series {
        xv.extend(s.x.iter().filter_map(|&v| xs.apply(v)));
        yv.extend(s.y.iter().filter_map(|&v| ys.apply(v)));
        if let Some(e) = &s.y_err {
            yv.extend(e.iter().flat_map(|&(a, b)| [a, b]).filter_map(|v| ys.apply(v)));
        }
        if s.mark == Mark::Bars && ys == Scale::Linear {
            yv.push(0.0);
        }
    }
    (xv, yv)
}

fn draw_line(chart: &mut Chart<'_, '_>, points: Vec<(f64, f64)>, look: Look) -> Result<()> {
    let style = look.color.stroke_width(2);
    match look.dashes() {
        None => chart.draw_series(LineSeries::new(points, style)).map(|_| ()),
        Some((dash, gap)) => chart.draw_series(DashedLineSeries::new(points, dash, gap, style)).map(|_| ()),
    }
    .map_err(draw_err)
}

fn draw_markers(chart: &mut Chart<'_, '_>, points: &[(f64, f64)], look: Look) -> Result<()> {
    let style = look.color.filled();
    match look.variant {
        0 => chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, style))).map(|_| ()),
        1 => chart
            .draw_series(points.iter().map(|&p| EmptyElement::at(p) + Rectangle::new([(-3, -3), (3, 3)], style)))
            .map(|_| ()),
        _ => chart.draw_series(points.iter().map(|&p| TriangleMarker::new(p, 4, style))).map(|_| ()),
    }
    .map_err(draw_err)
}

fn draw_series(
    chart: &mut Chart<'_, '_>,
    series: &[Series],
    looks: &[Look],
    xs: Scale,
    ys: Scale,
    y_floor: f64,
) -> Result<()> {
    for (s, &look) in series.iter().zip(looks) {
        match s.mark {
            Mark::Bars => {
                let mut bars = Vec::new();
                for (k, &h) in s.y.iter().enumerate() {
                    if let (Some(a), Some(b), Some(v)) = (xs.apply(s.x[k]), xs.apply(s.x[k + 1]), ys.apply(h)) {
                        bars.push(Rectangle::new([(a, y_floor), (b, v)], look.color.mix(0.45).filled()));
                    }
                }
                chart.draw_series(bars).map_err(draw_err)?;
            }
            mark => {
                for seg in segments(s, xs, ys) {
                    if matches!(mark, Mark::Line | Mark::LineMarkers | Mark::Dashed) {
                        draw_line(chart, seg.clone(), look)?;
                    }
                    if matches!(mark, Mark::Markers | Mark::LineMarkers) {
                        draw_markers(chart, &seg, look)?;
                    }
                }
            }
        }
        if let (Some(errs), true) = (&s.y_err, s.mark != Mark::Bars) {
            let bars: Vec<_> =
                s.x.iter()
                    .zip(&s.y)
                    .zip(errs)
                    .filter_map(|((&x, &y), &(lo, hi))| {
                        Some(ErrorBar::new_vertical(
                            xs.apply(x)?,
                            ys.apply(lo)?,
                            ys.apply(y)?,
                            ys.apply(hi)?,
                            look.color.stroke_width(1),
                            6,
                        ))
                    })
                    .collect();
            chart.draw_series(bars).map_err(draw_err)?;
        }
    }
    Ok(())
}

/// One legend entry: the series' look and its label.
#[derive(Clone, Debug, PartialEq)]
struct LegendEntry {
    look: Look,
    label: String,
}

/// The legend of a panel (labelled series only).
fn legend_entries(series: &[Series], looks: &[Look]) -> Vec<LegendEntry> {
    series
        .iter()
        .zip(looks)
        .filter(|(s, _)| !s.label.is_empty())
        .map(|(s, &look)| LegendEntry { look, label: s.label.clone() })
        .collect()
}

const LEGEND_LINE_H: u32 = LEGEND_FONT + 3;
/// Room for the sample (line, marker) before the label.
const LEGEND_SAMPLE_W: u32 = 36;

/// Legend entries laid out in `width` pixels: entries flow left to right in
/// columns of equal width, labels wrapped to their column.
struct LegendFlow {
    entry_w: u32,
    per_row: usize,
    /// Wrapped label lines per entry.
    lines: Vec<Vec<String>>,
    height: u32,
}

fn legend_flow(entries: &[LegendEntry], width: u32) -> LegendFlow {
    let widest = entries.iter().map(|e| text_width(&e.label, LEGEND_FONT)).max().unwrap_or(0);
    let entry_w = (widest + LEGEND_SAMPLE_W + 12).min(LEGEND_MAX_W).min(width.max(LEGEND_SAMPLE_W + 60));
    let per_row = ((width / entry_w.max(1)) as usize).max(1);
    let chars = ((entry_w - LEGEND_SAMPLE_W - 8) as f64 / (0.56 * LEGEND_FONT as f64)) as usize;
    let lines: Vec<Vec<String>> = entries.iter().map(|e| wrap(&e.label, chars)).collect();
    let height = lines
        .chunks(per_row)
        .map(|row| row.iter().map(|l| l.len() as u32).max().unwrap_or(1) * LEGEND_LINE_H + 6)
        .sum::<u32>();
    LegendFlow { entry_w, per_row, lines, height: if entries.is_empty() { 0 } else { height + 8 } }
}

/// The width a legend column needs (0 without entries).
fn legend_column_width(entries: &[LegendEntry]) -> u32 {
    let widest = entries.iter().map(|e| text_width(&e.label, LEGEND_FONT)).max();
    widest.map_or(0, |w| (w + LEGEND_SAMPLE_W + 16).min(LEGEND_MAX_W))
}

/// Draws legend entries on `area` from `(left, top)` as laid out by `flow`.
fn draw_legend(area: &Area<'_>, entries: &[LegendEntry], flow: &LegendFlow, (left, top): (i32, i32)) -> Result<()> {
    let font = ("sans-serif", LEGEND_FONT).into_font().color(&BLACK);
    let mut y = top;
    for (row, lines) in entries.chunks(flow.per_row).zip(flow.lines.chunks(flow.per_row)) {
        for (k, (e, label)) in row.iter().zip(lines).enumerate() {
            let x = left + k as i32 * flow.entry_w as i32;
            let mid = y + LEGEND_FONT as i32 / 2;
            let look = e.look;
            if look.mark == Mark::Bars {
                area.draw(&Rectangle::new([(x + 6, mid - 5), (x + 26, mid + 5)], look.color.mix(0.45).filled()))
                    .map_err(draw_err)?;
            }
            if matches!(look.mark, Mark::Line | Mark::LineMarkers | Mark::Dashed) {
                let style = look.color.stroke_width(2);
                let points = vec![(x + 4, mid), (x + 28, mid)];
                match look.dashes() {
                    None => area.draw(&PathElement::new(points, style)),
                    Some((dash, gap)) => area.draw(&DashedPathElement::new(points, dash, gap, style)),
                }
                .map_err(draw_err)?;
            }
            if matches!(look.mark, Mark::Markers | Mark::LineMarkers) {
                let style = look.color.filled();
                match look.variant {
                    0 => area.draw(&Circle::new((x + 16, mid), 4, style)),
                    1 => area.draw(&Rectangle::new([(x + 12, mid - 4), (x + 20, mid + 4)], style)),
                    _ => area.draw(&TriangleMarker::new((x + 16, mid), 5, style)),
                }
                .map_err(draw_err)?;
            }
            for (j, line) in label.iter().enumerate() {
                let at = (x + LEGEND_SAMPLE_W as i32, y + j as i32 * LEGEND_LINE_H as i32);
                area.draw(&Text::new(line.clone(), at, font.clone())).map_err(draw_err)?;
            }
        }
        y += lines.iter().map(|l| l.len() as i32).max().unwrap_or(1) * LEGEND_LINE_H as i32 + 6;
    }
    Ok(())
}

/// Draws `lines` centred at the top of `area` at `size`, from `top`;
/// returns the bottom of the text.
fn draw_title(area: &Area<'_>, lines: &[String], size: u32, top: i32) -> Result<u32> {
    let (w, _) = area.dim_in_pixel();
    let font = ("sans-serif", size).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
    for (k, line) in lines.iter().enumerate() {
        area.draw(&Text::new(line.clone(), (w as i32 / 2, top + k as i32 * (size as i32 + 4)), font.clone()))
            .map_err(draw_err)?;
    }
    Ok(top.max(0) as u32 + lines.len() as u32 * (size + 4))
}

/// A chart on `area` with labelled axes over plotted ranges `xr × yr`, its
/// caption drawn above it (shrunk or wrapped to fit), with or without grid
/// lines.
fn axes_chart<'a, 'b>(
    area: &'a Area<'b>,
    title: &str,
    (x, y): (&Axis, &Axis),
    (xr, yr): ((f64, f64), (f64, f64)),
    grid: bool,
) -> Result<Chart<'a, 'b>> {
    let (w, _) = area.dim_in_pixel();
    let used = if title.is_empty() {
        4
    } else {
        let (size, lines) = fit_text(title, w.saturating_sub(20), 15, 11);
        draw_title(area, &lines, size, 6)? + 4
    };
    let (xt, yt) = (x.ticks(xr), y.ticks(yr));
    // Category names are drawn by `draw_categories`, wrapped to the space
    // between categories; the axis leaves room for their lines.
    let category_lines = category_labels(x, w).iter().map(Vec::len).max().unwrap_or(0) as u32;
    let x_area = if x.categories.is_some() { 30 + 13 * category_lines } else { 44 };
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_top(used)
        .x_label_area_size(x_area)
        .y_label_area_size(64)
        .build_cartesian_2d(
            TickedAxis { range: xr.0..xr.1, ticks: xt.clone() },
            TickedAxis { range: yr.0..yr.1, ticks: yt.clone() },
        )
        .map_err(draw_err)?;
    let fx = |v: &f64| if x.categories.is_some() { String::new() } else { x.tick_label(*v, &xt) };
    let fy = |v: &f64| y.tick_label(*v, &yt);
    let mut mesh = chart.configure_mesh();
    if !grid {
        mesh.disable_mesh();
    }
    mesh.x_desc(&x.label)
        .y_desc(&y.label)
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .x_labels(xt.major.len().max(2))
        .y_labels(yt.major.len().max(2))
        .x_label_style(("sans-serif", 12))
        .y_label_style(("sans-serif", 12))
        .light_line_style(RGBColor(242, 242, 242))
        .bold_line_style(RGBColor(215, 215, 215))
        .axis_desc_style(("sans-serif", 13))
        .draw()
        .map_err(draw_err)?;
    draw_categories(&mut chart, x, w, yr.0)?;
    Ok(chart)
}

/// The category names of a categorical axis, each wrapped to the space
/// between two categories of a panel `width` pixels wide (empty for other
/// axes).
fn category_labels(axis: &Axis, width: u32) -> Vec<Vec<String>> {
    let Some(names) = &axis.categories else { return Vec::new() };
    let spacing = (width.saturating_sub(100) as f64 / names.len().max(1) as f64).max(30.0);
    let chars = (spacing / (0.5 * 11.0)).floor() as usize;
    names.iter().map(|n| wrap(n, chars)).collect()
}

/// Writes the category names under a categorical x axis, centred on their
/// positions, on as many lines as they need.
fn draw_categories(chart: &mut Chart<'_, '_>, x: &Axis, width: u32, y_bottom: f64) -> Result<()> {
    let font = ("sans-serif", 11).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
    let labels = category_labels(x, width);
    let texts = labels.into_iter().enumerate().flat_map(|(k, lines)| {
        let font = font.clone();
        lines.into_iter().enumerate().map(move |(j, line)| {
            EmptyElement::at((k as f64, y_bottom)) + Text::new(line, (0, 8 + 13 * j as i32), font.clone())
        })
    });
    chart.draw_series(texts).map_err(draw_err)?;
    Ok(())
}

impl Figure {
    /// A figure with one panel (add its caption with [`Figure::with_caption`]).
    pub fn single(title: impl Into<String>, panel: Panel) -> Self {
        Self { title: title.into(), columns: 1, panels: vec![panel], caption: String::new() }
    }

    /// A figure with panels on a grid of `columns` columns.
    pub fn grid(title: impl Into<String>, columns: usize, panels: Vec<Panel>) -> Self {
        Self { title: title.into(), columns: columns.max(1), panels, caption: String::new() }
    }

    /// Sets the caption shown under the figure in the report: which figure
    /// or table of which paper it reproduces, and what the reader should see.
    pub fn with_caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = caption.into();
        self
    }

    /// The figure's width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        self.layout().size
    }

    /// Where everything goes. Legends: one legend for the figure when the
    /// panels that show one show the same one (to the right of a single
    /// column of panels, below a grid); otherwise one below each panel.
    fn layout(&self) -> Layout {
        let legends: Vec<Vec<LegendEntry>> = self.panels.iter().map(Panel::legend).collect();
        let shown: Vec<&Vec<LegendEntry>> = legends.iter().filter(|l| !l.is_empty()).collect();
        let shared = shown.windows(2).all(|w| w[0] == w[1]);
        // Heatmaps trade some plot width for their colour bar, so that two
        // still fit side by side.
        let heatmaps = self.panels.iter().any(|p| matches!(p, Panel::Heatmap(_)));
        let plot_w = if heatmaps { PANEL_W - 60 + COLOR_BAR_W } else { PANEL_W };
        let wanted = self.columns.clamp(1, self.panels.len().max(1));
        let placement = match shown.first() {
            None => Placement::None,
            Some(first) if shared && wanted == 1 => {
                let w = legend_column_width(first);
                Placement::Right { entries: (*first).clone(), flow: legend_flow(first, w), width: w }
            }
            Some(first) if shared => Placement::Bottom { entries: (*first).clone(), flow: legend_flow(first, 0) },
            Some(_) => Placement::Below,
        };
        let right_w = if let Placement::Right { width, .. } = &placement { *width } else { 0 };
        let cols = wanted.min(((MAX_WIDTH - right_w) / plot_w).max(1) as usize);
        let rows = self.panels.len().div_ceil(cols);
        let width = cols as u32 * plot_w + right_w;
        let placement = match placement {
            Placement::Bottom { entries, .. } => {
                let flow = legend_flow(&entries, width.saturating_sub(40));
                Placement::Bottom { entries, flow }
            }
            p => p,
        };
        let below: Vec<LegendFlow> = legends.iter().map(|l| legend_flow(l, plot_w.saturating_sub(60))).collect();
        let below_h =
            if matches!(placement, Placement::Below) { below.iter().map(|f| f.height).max().unwrap_or(0) } else { 0 };
        let bottom_h = if let Placement::Bottom { flow, .. } = &placement { flow.height } else { 0 };
        let (title_size, title_lines) = fit_text(&self.title, width.saturating_sub(24), 20, 13);
        let title_h = title_lines.len() as u32 * (title_size + 4) + 18;
        let cell_h = PANEL_H + below_h;
        Layout {
            legends,
            below,
            placement,
            plot_w,
            cell_h,
            rows,
            cols,
            title_size,
            title_lines,
            title_h,
            size: (width, title_h + rows as u32 * cell_h + bottom_h),
        }
    }

    /// Renders the figure to an SVG document.
    pub fn to_svg(&self) -> Result<String> {
        ensure!(!self.panels.is_empty(), "figure {:?} has no panels", self.title);
        for panel in &self.panels {
            match panel {
                Panel::Xy(p) => p.series.iter().try_for_each(Series::validate)?,
                Panel::Heatmap(h) => h.validate()?,
            }
        }
        let layout = self.layout();
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, layout.size).into_drawing_area();
            root.fill(&WHITE).map_err(draw_err)?;
            draw_title(&root, &layout.title_lines, layout.title_size, 8)?;
            let (_, body) = root.split_vertically(layout.title_h);
            let grid_w = layout.cols as u32 * layout.plot_w;
            let grid_h = layout.rows as u32 * layout.cell_h;
            let (grid, right) = body.split_horizontally(grid_w);
            let (grid, bottom) = grid.split_vertically(grid_h);
            let cells = grid.split_evenly((layout.rows, layout.cols));
            for (k, (panel, cell)) in self.panels.iter().zip(cells).enumerate() {
                let (plot, under) = cell.split_vertically(PANEL_H);
                match panel {
                    Panel::Xy(p) => draw_xy(p, &plot)?,
                    Panel::Heatmap(h) => draw_heatmap(h, &plot)?,
                }
                if matches!(layout.placement, Placement::Below) {
                    draw_legend(&under, &layout.legends[k], &layout.below[k], (64, 2))?;
                }
            }
            match &layout.placement {
                Placement::Right { entries, flow, .. } => draw_legend(&right, entries, flow, (4, 44))?,
                Placement::Bottom { entries, flow } => draw_legend(&bottom, entries, flow, (40, 2))?,
                Placement::Below | Placement::None => {}
            }
            root.present().map_err(draw_err)?;
        }
        Ok(svg)
    }
}

/// Where a figure's legends go.
enum Placement {
    /// No panel shows a legend.
    None,
    /// One legend, in a column right of a single column of panels.
    Right { entries: Vec<LegendEntry>, flow: LegendFlow, width: u32 },
    /// One legend, in rows below the grid of panels.
    Bottom { entries: Vec<LegendEntry>, flow: LegendFlow },
    /// Each panel's legend below it.
    Below,
}

/// Sizes of a figure's parts.
struct Layout {
    legends: Vec<Vec<LegendEntry>>,
    below: Vec<LegendFlow>,
    placement: Placement,
    plot_w: u32,
    cell_h: u32,
    rows: usize,
    cols: usize,
    title_size: u32,
    title_lines: Vec<String>,
    title_h: u32,
    size: (u32, u32),
}

impl Panel {
    /// The legend entries this panel shows (none when hidden).
    fn legend(&self) -> Vec<LegendEntry> {
        match self {
            Panel::Xy(p) if p.legend != Legend::Hidden => legend_entries(&p.series, &looks(&p.series)),
            Panel::Heatmap(h) => legend_entries(&h.overlay, &looks(&h.overlay)),
            Panel::Xy(_) => Vec::new(),
        }
    }
}

fn draw_xy(p: &XyPanel, area: &Area<'_>) -> Result<()> {
    let (xs, ys) = (p.x.scale, p.y.scale);
    let (xv, yv) = extent(&p.series, xs, ys);
    let (x0, x1) = plotted_range(&p.x, xv.into_iter(), true);
    let (y0, y1) = plotted_range(&p.y, yv.into_iter(), true);
    let mut chart = axes_chart(area, &p.title, (&p.x, &p.y), ((x0, x1), (y0, y1)), true)?;
    let floor = if ys == Scale::Linear { 0.0f64.clamp(y0, y1) } else { y0 };
    draw_series(&mut chart, &p.series, &looks(&p.series), xs, ys, floor)
}

impl Heatmap {
    fn validate(&self) -> Result<()> {
        let (nx, ny) = (self.x_edges.len().saturating_sub(1), self.y_edges.len().saturating_sub(1));
        ensure!(nx > 0 && ny > 0, "heatmap {:?} needs at least one cell", self.title);
        ensure!(self.values.len() == ny, "heatmap {:?}: {} rows for {} y cells", self.title, self.values.len(), ny);
        for row in &self.values {
            ensure!(row.len() == nx, "heatmap {:?}: a row has {} values for {} x cells", self.title, row.len(), nx);
        }
        self.overlay.iter().try_for_each(Series::validate)
    }
}

fn draw_heatmap(h: &Heatmap, area: &Area<'_>) -> Result<()> {
    let (xs, ys, cs) = (h.x.scale, h.y.scale, h.color_scale);
    let (w, _) = area.dim_in_pixel();
    let (main, bar) = area.split_horizontally(w.saturating_sub(COLOR_BAR_W));
    let (x0, x1) = plotted_range(&h.x, h.x_edges.iter().filter_map(|&v| xs.apply(v)), false);
    let (y0, y1) = plotted_range(&h.y, h.y_edges.iter().filter_map(|&v| ys.apply(v)), false);
    let colors: Vec<f64> = h.values.iter().flatten().filter_map(|&v| cs.apply(v)).collect();
    let color_axis = Axis { label: h.color_label.clone(), scale: cs, ..Axis::default() };
    let (c0, c1) = plotted_range(&color_axis, colors.into_iter(), false);
    let mut chart = axes_chart(&main, &h.title, (&h.x, &h.y), ((x0, x1), (y0, y1)), false)?;
    let mut cells = Vec::new();
    for (iy, row) in h.values.iter().enumerate() {
        for (ix, &v) in row.iter().enumerate() {
            let corners = (
                xs.apply(h.x_edges[ix]),
                xs.apply(h.x_edges[ix + 1]),
                ys.apply(h.y_edges[iy]),
                ys.apply(h.y_edges[iy + 1]),
            );
            if let (Some(a), Some(b), Some(c), Some(d)) = corners {
                let color = match cs.apply(v) {
                    Some(t) => ViridisRGB.get_color_normalized(t, c0, c1),
                    None => RGBColor(200, 200, 200),
                };
                cells.push(Rectangle::new([(a, c), (b, d)], color.filled()));
            }
        }
    }
    chart.draw_series(cells).map_err(draw_err)?;
    draw_series(&mut chart, &h.overlay, &looks(&h.overlay), xs, ys, y0)?;
    // The colour bar, with the same ticks as any axis of its scale.
    let ct = color_axis.ticks((c0, c1));
    let mut cb = ChartBuilder::on(&bar)
        .margin_top(44)
        .margin_bottom(56)
        .margin_left(6)
        .right_y_label_area_size(66)
        .build_cartesian_2d(
            TickedAxis { range: 0.0..1.0, ticks: Ticks { major: vec![], minor: vec![] } },
            TickedAxis { range: c0..c1, ticks: ct.clone() },
        )
        .map_err(draw_err)?;
    let fc = |v: &f64| color_axis.tick_label(*v, &ct);
    cb.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(&h.color_label)
        .y_label_formatter(&fc)
        .y_labels(ct.major.len().max(2))
        .label_style(("sans-serif", 11))
        .axis_desc_style(("sans-serif", 12))
        .draw()
        .map_err(draw_err)?;
    let steps = 64;
    cb.draw_series((0..steps).map(|k| {
        let a = c0 + (c1 - c0) * k as f64 / steps as f64;
        let b = c0 + (c1 - c0) * (k + 1) as f64 / steps as f64;
        Rectangle::new([(0.0, a), (1.0, b)], ViridisRGB.get_color_normalized(0.5 * (a + b), c0, c1).filled())
    }))
    .map_err(draw_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xy(series: Vec<Series>, x: Axis, y: Axis) -> Panel {
        Panel::Xy(XyPanel { title: "panel".into(), x, y, series, legend: Legend::default() })
    }

    #[test]
    fn renders_all_marks_and_log_axes() {
        let x: Vec<f64> = (1..=20).map(|i| i as f64).collect();
        let y: Vec<f64> = x.iter().map(|v| 1.0 / v).collect();
        let errs = y.iter().map(|v| (0.9 * v, 1.1 * v)).collect();
        let fig = Figure::grid(
            "Test figure",
            2,
            vec![
                xy(
                    vec![
                        Series::line("line", x.clone(), y.clone()),
                        Series::dashed("theory", x.clone(), y.clone()),
                        Series::markers("data", x.clone(), y.clone()).with_errors(errs),
                        Series::line_markers("both", x.clone(), y.iter().map(|v| 2.0 * v).collect()),
                    ],
                    Axis::log("n"),
                    Axis::log("error"),
                ),
                xy(
                    vec![Series::histogram("hist", vec![0.0, 1.0, 2.0, 3.0], vec![0.2, 0.5, 0.3])],
                    Axis::linear("t"),
                    Axis::linear("density"),
                ),
                Panel::Heatmap(Heatmap {
                    title: "heat".into(),
                    x: Axis::log("n"),
                    y: Axis::log("m"),
                    x_edges: vec![1.0, 10.0, 100.0],
                    y_edges: vec![1.0, 10.0, 100.0, 1000.0],
                    values: vec![vec![0.5, 0.1], vec![0.05, 0.01], vec![f64::NAN, 0.001]],
                    color_label: "error".into(),
                    color_scale: Scale::Log10,
                    overlay: vec![Series::dashed("iso", vec![1.0, 100.0], vec![1000.0, 10.0])],
                }),
            ],
        );
        let svg = fig.to_svg().unwrap();
        assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"));
        assert!(svg.trim_end().ends_with("</svg>"));
        std::fs::write(std::env::temp_dir().join("infoflow-plot-test.svg"), &svg).unwrap();
        for text in ["Test figure", "theory", "hist", "error", "0.001", "1000"] {
            assert!(svg.contains(text), "missing {text}");
        }
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn undrawable_points_are_dropped_not_fatal() {
        let fig = Figure::single(
            "gaps",
            xy(
                vec![Series::line("l", vec![1.0, 2.0, 3.0, 4.0], vec![1.0, -1.0, f64::NAN, 4.0])],
                Axis::linear("x"),
                Axis::log("y"),
            ),
        );
        let svg = fig.to_svg().unwrap();
        assert!(!svg.contains("NaN"));
        let empty = Figure::single(
            "empty",
            xy(vec![Series::line("l", vec![f64::NAN], vec![1.0])], Axis::linear("x"), Axis::linear("y")),
        );
        empty.to_svg().unwrap();
    }

    #[test]
    fn malformed_figures_are_errors() {
        let bad = Figure::single(
            "bad",
            xy(vec![Series::line("l", vec![1.0], vec![1.0, 2.0])], Axis::linear("x"), Axis::linear("y")),
        );
        assert!(bad.to_svg().is_err());
        let bars = Figure::single(
            "bars",
            xy(vec![Series::histogram("h", vec![0.0, 1.0], vec![1.0, 2.0])], Axis::linear("x"), Axis::linear("y")),
        );
        assert!(bars.to_svg().is_err());
        assert!(Figure::grid("none", 2, vec![]).to_svg().is_err());
    }

    #[test]
    fn ticks_are_one_two_five() {
        let log = Axis::log("x");
        // Three decades: every decade labelled.
        let t = log.ticks((-3.2, 0.1));
        let labels: Vec<String> = t.major.iter().map(|&v| log.tick_label(v, &t)).collect();
        assert_eq!(labels, ["0.001", "0.01", "0.1", "1"]);
        // Less than two decades: 1, 2 and 5 of each decade, never 2.51 or 15.8.
        let t = log.ticks((0.05, 1.5));
        let labels: Vec<String> = t.major.iter().map(|&v| log.tick_label(v, &t)).collect();
        assert_eq!(labels, ["2", "5", "10", "20"]);
        // A fraction of a decade: linear 1-2-5 steps in value space.
        let t = log.ticks((0.0, 0.2));
        let labels: Vec<String> = t.major.iter().map(|&v| log.tick_label(v, &t)).collect();
        assert_eq!(labels, ["1", "1.1", "1.2", "1.3", "1.4", "1.5"]);
        // Many decades: every other one.
        let t = log.ticks((-12.0, 0.0));
        assert_eq!(t.major.len(), 7);
        let lin = Axis::linear("y");
        let t = lin.ticks((-0.03, 1.04));
        let labels: Vec<String> = t.major.iter().map(|&v| lin.tick_label(v, &t)).collect();
        assert_eq!(labels, ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        let t = lin.ticks((1000.0, 1010.0));
        let labels: Vec<String> = t.major.iter().map(|&v| lin.tick_label(v, &t)).collect();
        assert_eq!(labels, ["1000", "1002", "1004", "1006", "1008", "1010"]);
        assert_eq!(format_value(123456.0, 3), "1.23e5");
        assert_eq!(format_value(-0.0001, 3), "-1e-4");
        assert_eq!(format_value(2e-5, 3), "2e-5");
        let cat = Axis::categories("c", vec!["a".into(), "b".into()]);
        let t = cat.ticks((-0.5, 1.5));
        assert_eq!(t.major, [0.0, 1.0]);
        assert_eq!(cat.tick_label(1.0, &t), "b");
        assert_eq!(cat.tick_label(0.5, &t), "");
    }

    #[test]
    fn titles_wrap_and_series_look_distinct() {
        let (size, lines) = fit_text(&"word ".repeat(60), 500, 15, 11);
        assert_eq!(size, 11);
        assert!(lines.len() > 1 && lines.iter().all(|l| text_width(l, 11) <= 500), "{lines:?}");
        assert_eq!(fit_text("short", 500, 15, 11), (15, vec!["short".to_owned()]));
        // Fifteen series, two asking for the same colour with the same mark:
        // every (colour, dashes) pair differs.
        let mut series: Vec<Series> = (0..15).map(|i| Series::line(format!("s{i}"), vec![0.0], vec![0.0])).collect();
        series.push(Series::line("again", vec![0.0], vec![0.0]).with_color(0));
        let l = looks(&series);
        for a in 0..l.len() {
            for b in 0..a {
                assert!((l[a].color, l[a].dashes()) != (l[b].color, l[b].dashes()), "{a} and {b} look alike");
            }
        }
        // A theory curve may share its data's colour: different marks.
        let pair =
            looks(&[Series::markers("data", vec![], vec![]), Series::dashed("theory", vec![], vec![]).with_color(0)]);
        assert_eq!(pair[0].color, pair[1].color);
    }

    #[test]
    fn figures_stay_within_the_page_and_legends_outside() {
        let panel = |n: usize| {
            xy(
                (0..n)
                    .map(|i| Series::line(format!("a long legend label number {i}"), vec![0.0, 1.0], vec![0.0, 1.0]))
                    .collect(),
                Axis::linear("x"),
                Axis::linear("y"),
            )
        };
        let fig = Figure::grid("wide", 4, (0..8).map(|_| panel(3)).collect());
        let (w, h) = fig.size();
        assert!(w <= MAX_WIDTH, "{w}");
        assert!(h >= 4 * PANEL_H, "panels wrapped onto rows: {h}");
        let svg = fig.to_svg().unwrap();
        assert!(svg.contains("number 2") && svg.contains("a long legend"), "legend labels are written, wrapped");
    }
}
