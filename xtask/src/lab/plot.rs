//! Figures: a small declarative description (panels of series, heatmaps)
//! rendered to SVG with plotters' SVG backend.
//!
//! No font library is involved: plotters' SVG backend emits `<text>`
//! elements and the viewer renders them. Logarithmic axes are drawn by
//! plotting `log₁₀` of the data on a linear axis and labelling ticks with
//! the original values, so every combination of linear and log axes goes
//! through one code path. Points that cannot be drawn (non-finite values,
//! non-positive values on a log axis) are dropped, and lines break there.

use anyhow::{Result, anyhow, ensure};
use plotters::chart::SeriesAnno;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

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

/// An axis: label, scale and an optional fixed range (in data units).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Axis {
    /// Label.
    pub label: String,
    /// Scale.
    pub scale: Scale,
    /// Fixed range `(lo, hi)`; derived from the data when `None`.
    pub range: Option<(f64, f64)>,
}

impl Axis {
    /// A linear axis.
    pub fn linear(label: impl Into<String>) -> Self {
        Self { label: label.into(), scale: Scale::Linear, range: None }
    }

    /// A base-10 logarithmic axis.
    pub fn log(label: impl Into<String>) -> Self {
        Self { label: label.into(), scale: Scale::Log10, range: None }
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

/// Where the legend goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Legend {
    /// Upper right corner.
    #[default]
    UpperRight,
    /// Upper left corner.
    UpperLeft,
    /// Lower left corner.
    LowerLeft,
    /// Lower right corner.
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

/// A figure: a title over a grid of panels.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Title.
    pub title: String,
    /// Panels per row.
    pub columns: usize,
    /// Panels, row by row.
    pub panels: Vec<Panel>,
}

const PANEL_W: u32 = 520;
const PANEL_H: u32 = 380;
const TITLE_H: u32 = 36;

/// A colour-blind-safe palette (Okabe–Ito, then greys).
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

/// Formats a tick value compactly.
fn format_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        return format!("{v:.1e}");
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// The label of a tick at plotted position `v`. On a log axis spanning at
/// least one full decade only whole decades are labelled (the other grid
/// lines stay unlabelled); on a shorter log axis every tick is labelled with
/// its value.
/// `v` with `digits` significant digits, without trailing zeros.
fn format_significant(v: f64, digits: i32) -> String {
    if v == 0.0 || !v.is_finite() {
        return format_number(v);
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let rounded = format!("{v:.decimals$}");
    if rounded.contains('.') { rounded.trim_end_matches('0').trim_end_matches('.').into() } else { rounded }
}

fn format_tick(v: f64, scale: Scale, decades_only: bool) -> String {
    match scale {
        Scale::Linear => format_number(v),
        Scale::Log10 => {
            let k = v.round();
            let whole = (v - k).abs() < 1e-6;
            if whole && (-2.0..=4.0).contains(&k) {
                format_number(10f64.powi(k as i32))
            } else if whole {
                format!("1e{k}")
            } else if decades_only {
                String::new()
            } else {
                format_significant(10f64.powf(v), 3)
            }
        }
    }
}

/// The tick formatter of an axis covering plotted range `[lo, hi]`.
fn tick_formatter(scale: Scale, (lo, hi): (f64, f64)) -> impl Fn(&f64) -> String {
    let decades_only = hi.floor() - lo.ceil() >= 1.0;
    move |v: &f64| format_tick(*v, scale, decades_only)
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

fn draw_err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing the figure: {e:?}")
}

impl Figure {
    /// A figure with one panel.
    pub fn single(title: impl Into<String>, panel: Panel) -> Self {
        Self { title: title.into(), columns: 1, panels: vec![panel] }
    }

    /// A figure with panels on a grid of `columns` columns.
    pub fn grid(title: impl Into<String>, columns: usize, panels: Vec<Panel>) -> Self {
        Self { title: title.into(), columns: columns.max(1), panels }
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
        let cols = self.columns.clamp(1, self.panels.len());
        let rows = self.panels.len().div_ceil(cols);
        let size = (cols as u32 * PANEL_W, rows as u32 * PANEL_H + TITLE_H);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            root.fill(&WHITE).map_err(draw_err)?;
            let body = root.titled(&self.title, ("sans-serif", 22)).map_err(draw_err)?;
            for (panel, area) in self.panels.iter().zip(body.split_evenly((rows, cols))) {
                match panel {
                    Panel::Xy(p) => draw_xy(p, &area)?,
                    Panel::Heatmap(h) => draw_heatmap(h, &area)?,
                }
            }
            root.present().map_err(draw_err)?;
        }
        Ok(svg)
    }
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

fn draw_series<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    series: &[Series],
    xs: Scale,
    ys: Scale,
    y_floor: f64,
) -> Result<bool> {
    let mut labelled = false;
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[s.color.unwrap_or(i) % PALETTE.len()];
        let mut first_label = !s.label.is_empty();
        let mut add_label = |anno: &mut SeriesAnno<'a, DB>, mark: Mark| {
            if std::mem::take(&mut first_label) {
                labelled = true;
                let style = color.stroke_width(2);
                anno.label(s.label.clone()).legend(move |(x, y)| -> DynElement<'static, DB, (i32, i32)> {
                    match mark {
                        Mark::Markers => Circle::new((x + 9, y), 3, color.filled()).into_dyn(),
                        Mark::Bars => {
                            Rectangle::new([(x, y - 5), (x + 18, y + 5)], color.mix(0.45).filled()).into_dyn()
                        }
                        _ => PathElement::new(vec![(x, y), (x + 18, y)], style).into_dyn(),
                    }
                });
            }
        };
        match s.mark {
            Mark::Bars => {
                let mut bars = Vec::new();
                for (k, &h) in s.y.iter().enumerate() {
                    if let (Some(a), Some(b), Some(v)) = (xs.apply(s.x[k]), xs.apply(s.x[k + 1]), ys.apply(h)) {
                        bars.push(Rectangle::new([(a, y_floor), (b, v)], color.mix(0.45).filled()));
                    }
                }
                let anno = chart.draw_series(bars).map_err(draw_err)?;
                add_label(anno, Mark::Bars);
            }
            mark => {
                for seg in segments(s, xs, ys) {
                    let style = color.stroke_width(2);
                    if matches!(mark, Mark::Line | Mark::LineMarkers) {
                        let anno = chart.draw_series(LineSeries::new(seg.clone(), style)).map_err(draw_err)?;
                        add_label(anno, mark);
                    }
                    if mark == Mark::Dashed {
                        let anno =
                            chart.draw_series(DashedLineSeries::new(seg.clone(), 7, 5, style)).map_err(draw_err)?;
                        add_label(anno, mark);
                    }
                    if matches!(mark, Mark::Markers | Mark::LineMarkers) {
                        let anno = chart
                            .draw_series(seg.iter().map(|&p| Circle::new(p, 3, color.filled())))
                            .map_err(draw_err)?;
                        add_label(anno, Mark::Markers);
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
                            color.stroke_width(1),
                            6,
                        ))
                    })
                    .collect();
            chart.draw_series(bars).map_err(draw_err)?;
        }
    }
    Ok(labelled)
}

fn legend_position(legend: Legend) -> Option<SeriesLabelPosition> {
    match legend {
        Legend::UpperRight => Some(SeriesLabelPosition::UpperRight),
        Legend::UpperLeft => Some(SeriesLabelPosition::UpperLeft),
        Legend::LowerLeft => Some(SeriesLabelPosition::LowerLeft),
        Legend::LowerRight => Some(SeriesLabelPosition::LowerRight),
        Legend::Hidden => None,
    }
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A captioned chart on `area` with labelled axes over plotted ranges
/// `xr × yr`, with or without grid lines.
fn axes_chart<'a, 'b>(
    area: &'a Area<'b>,
    title: &str,
    (x, y): (&Axis, &Axis),
    (xr, yr): ((f64, f64), (f64, f64)),
    grid: bool,
) -> Result<Chart<'a, 'b>> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(42)
        .y_label_area_size(62)
        .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
        .map_err(draw_err)?;
    let fx = tick_formatter(x.scale, xr);
    let fy = tick_formatter(y.scale, yr);
    let mut mesh = chart.configure_mesh();
    if !grid {
        mesh.disable_mesh();
    }
    mesh.x_desc(&x.label)
        .y_desc(&y.label)
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .x_labels(7)
        .y_labels(7)
        .light_line_style(RGBColor(242, 242, 242))
        .bold_line_style(RGBColor(220, 220, 220))
        .label_style(("sans-serif", 12))
        .axis_desc_style(("sans-serif", 13))
        .draw()
        .map_err(draw_err)?;
    Ok(chart)
}

fn draw_legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, position: SeriesLabelPosition) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(draw_err)
}

fn draw_xy(p: &XyPanel, area: &Area<'_>) -> Result<()> {
    let (xs, ys) = (p.x.scale, p.y.scale);
    let (xv, yv) = extent(&p.series, xs, ys);
    let (x0, x1) = plotted_range(&p.x, xv.into_iter(), true);
    let (y0, y1) = plotted_range(&p.y, yv.into_iter(), true);
    let mut chart = axes_chart(area, &p.title, (&p.x, &p.y), ((x0, x1), (y0, y1)), true)?;
    let floor = if ys == Scale::Linear { 0.0f64.clamp(y0, y1) } else { y0 };
    if draw_series(&mut chart, &p.series, xs, ys, floor)?
        && let Some(pos) = legend_position(p.legend)
    {
        draw_legend(&mut chart, pos)?;
    }
    Ok(())
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
    let (main, bar) = area.split_horizontally(w.saturating_sub(96));
    let (x0, x1) = plotted_range(&h.x, h.x_edges.iter().filter_map(|&v| xs.apply(v)), false);
    let (y0, y1) = plotted_range(&h.y, h.y_edges.iter().filter_map(|&v| ys.apply(v)), false);
    let colors: Vec<f64> = h.values.iter().flatten().filter_map(|&v| cs.apply(v)).collect();
    let (c0, c1) = plotted_range(&Axis::default(), colors.into_iter(), false);
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
    if draw_series(&mut chart, &h.overlay, xs, ys, y0)? {
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    }
    // Colour bar.
    let mut cb = ChartBuilder::on(&bar)
        .margin_top(34)
        .margin_bottom(52)
        .margin_right(8)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..1.0, c0..c1)
        .map_err(draw_err)?;
    let fc = tick_formatter(cs, (c0, c1));
    cb.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(&h.color_label)
        .y_label_formatter(&fc)
        .y_labels(6)
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
        for text in ["Test figure", "theory", "hist", "error", "1e-3", "1000"] {
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
    fn tick_labels() {
        assert_eq!(format_tick(-3.0, Scale::Log10, true), "1e-3");
        assert_eq!(format_tick(-2.0, Scale::Log10, true), "0.01");
        assert_eq!(format_tick(2.0, Scale::Log10, true), "100");
        assert_eq!(format_tick(0.5, Scale::Log10, true), "");
        assert_eq!(format_tick(0.5, Scale::Log10, false), "3.16");
        assert_eq!(format_tick(1.2, Scale::Log10, false), "15.8");
        assert_eq!(format_tick(0.25, Scale::Linear, true), "0.25");
        assert_eq!(format_tick(123456.0, Scale::Linear, false), "1.2e5");
        assert_eq!(format_tick(-0.0001, Scale::Linear, false), "-1.0e-4");
    }
}
