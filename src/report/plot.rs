//! Charts of a run, each as PNG and SVG at 1200 x 800 (docs/spec.md, section 8). Each chart is one
//! file behind the [`Chart`] trait; this module holds what they share: the data, one colour
//! per strategy, fonts and axis formats.

mod cash;
mod distribution;
mod ecdf;
mod savings;
mod utilization;

use crate::engine::Engine;
use crate::montecarlo::Samples;
use crate::report::results::RunStats;
use anyhow::{Context, anyhow};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::{Path, PathBuf};

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (1200, 800);

/// Everything the charts draw, for every strategy (`payg` first).
pub struct PlotData<'a> {
    /// The scenario's currency.
    pub currency: String,
    /// The horizon in words ("3y from 2027-01-01"), for titles.
    pub horizon: String,
    /// Strategy names.
    pub names: Vec<String>,
    /// One colour per strategy, the same in every chart.
    pub colors: Vec<RGBColor>,
    /// Amortized total of each trial.
    pub totals: Vec<&'a [f64]>,
    /// Paired saving against pay-as-you-go of each trial.
    pub savings: Vec<&'a [f64]>,
    /// Reservation utilisation of each trial (0-1), for strategies that reserve.
    pub utilization: Vec<Option<&'a [f64]>>,
    /// Cumulative cash at each month's end: (p5, median, p95).
    pub cash: Vec<Vec<(f64, f64, f64)>>,
    /// Break-even month against pay-as-you-go.
    pub break_even: Vec<Option<usize>>,
}

impl<'a> PlotData<'a> {
    /// Gathers the data of a run.
    pub fn new(engine: &Engine<'_>, samples: &'a Samples, stats: &RunStats) -> PlotData<'a> {
        let s = engine.scenario;
        let names: Vec<String> = samples.strategies.iter().map(|x| x.name.clone()).collect();
        PlotData {
            currency: s.currency.clone(),
            horizon: horizon_words(s),
            colors: (0..names.len()).map(color).collect(),
            totals: samples
                .strategies
                .iter()
                .map(|x| x.total.as_slice())
                .collect(),
            savings: samples
                .strategies
                .iter()
                .map(|x| x.saving.as_slice())
                .collect(),
            utilization: samples
                .strategies
                .iter()
                .zip(&engine.plans)
                .map(|(x, p)| (!p.pools.is_empty()).then_some(x.utilization.as_slice()))
                .collect(),
            cash: stats
                .strategies
                .iter()
                .map(|x| {
                    x.cash_flow_monthly
                        .iter()
                        .map(|m| (m.p5, m.p50, m.p95))
                        .collect()
                })
                .collect(),
            break_even: stats
                .strategies
                .iter()
                .map(|x| x.break_even_month)
                .collect(),
            names,
        }
    }
}

/// A scenario's horizon in words, for chart titles: "3y from 2027-01-01".
pub fn horizon_words(s: &crate::scenario::Scenario) -> String {
    format!(
        "{} from {}",
        s.horizon,
        crate::time::local_date(s.start, s.billing.calendar_zone)
    )
}

/// Pay-as-you-go in dark grey, then a colour-blind-friendly palette (Tableau 10).
pub fn color(i: usize) -> RGBColor {
    const PALETTE: [RGBColor; 9] = [
        RGBColor(0x4e, 0x79, 0xa7),
        RGBColor(0xf2, 0x8e, 0x2b),
        RGBColor(0xe1, 0x57, 0x59),
        RGBColor(0x59, 0xa1, 0x4f),
        RGBColor(0xb0, 0x7a, 0xa1),
        RGBColor(0x76, 0xb7, 0xb2),
        RGBColor(0xed, 0xc9, 0x48),
        RGBColor(0x9c, 0x75, 0x5f),
        RGBColor(0xff, 0x9d, 0xa7),
    ];
    if i == 0 {
        RGBColor(0x55, 0x55, 0x55)
    } else {
        PALETTE[(i - 1) % PALETTE.len()]
    }
}

/// One chart of data `D`.
pub trait Chart<D> {
    /// The file name without extension (`cost-distribution`).
    fn name(&self) -> String;
    /// What the chart shows, in a sentence, for the report.
    fn caption(&self) -> String;
    /// Draws the chart on a white area of [`SIZE`].
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        data: &D,
    ) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static;
}

/// A [`Chart`] drawn into a picture, as an object, so charts can be kept in a list.
pub trait Picture<D: ?Sized> {
    /// The file name without extension.
    fn name(&self) -> String;
    /// What the chart shows.
    fn caption(&self) -> String;
    /// Draws the chart as a PNG file at `path`.
    fn png(&self, path: &Path, data: &D) -> anyhow::Result<()>;
    /// Draws the chart as SVG text.
    fn svg(&self, data: &D) -> anyhow::Result<String>;
}

impl<D, C: Chart<D>> Picture<D> for C {
    fn name(&self) -> String {
        Chart::name(self)
    }

    fn caption(&self) -> String {
        Chart::caption(self)
    }

    fn png(&self, path: &Path, data: &D) -> anyhow::Result<()> {
        register_fonts();
        let area = BitMapBackend::new(path, SIZE).into_drawing_area();
        area.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
        self.draw(&area, data)
            .with_context(|| format!("cannot draw {}", path.display()))?;
        area.present()
            .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))
    }

    fn svg(&self, data: &D) -> anyhow::Result<String> {
        register_fonts();
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            area.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
            self.draw(&area, data)
                .with_context(|| format!("cannot draw {}.svg", Chart::name(self)))?;
            area.present().map_err(|e| anyhow!("{e}"))?;
        }
        Ok(svg)
    }
}

/// The charts of a run, in the report's order: a new chart is a file of its own and a line
/// here.
pub fn run_charts() -> Vec<Box<dyn for<'a> Picture<PlotData<'a>>>> {
    vec![
        Box::new(distribution::Distribution),
        Box::new(ecdf::Ecdf),
        Box::new(savings::Savings),
        Box::new(cash::Cash),
        Box::new(utilization::Utilization),
    ]
}

/// Writes a chart as `dir/NAME.png` and `dir/NAME.svg`, the SVG text given (drawn once, also
/// inlined in the report) or drawn now.
pub fn write_files<D: ?Sized>(
    chart: &dyn Picture<D>,
    dir: &Path,
    data: &D,
    svg: Option<&str>,
) -> anyhow::Result<()> {
    let name = chart.name();
    let png = format!("{name}.png");
    let temp: PathBuf = crate::output::temp_path(dir, &png);
    chart.png(&temp, data)?;
    std::fs::rename(&temp, dir.join(&png))
        .with_context(|| format!("cannot move {} into place", dir.join(&png).display()))?;
    let drawn;
    let svg = match svg {
        Some(text) => text,
        None => {
            drawn = chart.svg(data)?;
            &drawn
        }
    };
    crate::output::write(dir, &format!("{name}.svg"), svg.as_bytes())?;
    Ok(())
}

/// True when `name` is `STEM.png` or `STEM.svg`.
pub fn is_chart_file(name: &str, stem: &str) -> bool {
    name.strip_prefix(stem)
        .is_some_and(|ext| ext == ".png" || ext == ".svg")
}

/// Registers the font carried in the repository, so charts look the same everywhere and need
/// no system fonts.
pub(crate) fn register_fonts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_err() {
            // Only an invalid font file would fail, and the file is part of the source.
            unreachable!("the bundled DejaVu Sans is a valid font");
        }
    });
}

/// Minor grid lines: faint.
pub(crate) const MINOR_GRID: RGBAColor = RGBAColor(0, 0, 0, 0.03);
/// Major grid lines: light.
pub(crate) const MAJOR_GRID: RGBAColor = RGBAColor(0, 0, 0, 0.15);

/// A chart's title style.
pub(crate) fn title_font() -> TextStyle<'static> {
    ("sans-serif", 28).into_font().into()
}

/// Axis descriptions.
pub(crate) fn label_font() -> TextStyle<'static> {
    ("sans-serif", 20).into_font().into()
}

/// Tick labels and legends.
pub(crate) fn small_font() -> TextStyle<'static> {
    ("sans-serif", 16).into_font().into()
}

/// An amount for an axis: thousands separators, no cents (`1,234,567`).
pub(crate) fn money_tick(v: &f64) -> String {
    let rounded = rust_decimal::Decimal::from_f64_retain(v.round()).unwrap_or_default();
    crate::money::display_grouped(rounded, 0)
}

/// A range that holds every value, widened a little (and made non-empty).
pub(crate) fn padded_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = if hi > lo {
        (hi - lo) * 0.04
    } else {
        (lo.abs() * 0.01).max(1.0)
    };
    (lo - pad)..(hi + pad)
}

/// True when every value is the same (a strategy whose cost does not depend on the trial).
pub(crate) fn constant(values: &[f64]) -> bool {
    values.windows(2).all(|w| w[0] == w[1])
}

/// The frame every chart draws in: its title, margins and label areas, on `f64` axes.
pub(crate) fn frame<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: String,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    y_label_area: u32,
) -> anyhow::Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>> {
    ChartBuilder::on(area)
        .caption(title, title_font())
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(x, y)
        .map_err(|e| anyhow!("{e}"))
}

/// The legend, framed on a light background.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    position: SeriesLabelPosition,
) -> anyhow::Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.5))
        .label_font(small_font())
        .draw()
        .map_err(|e| anyhow!("{e}"))
}

/// A legend in a column of its own beside the chart, so it never hides data: one line per
/// entry in its colour, top to bottom.
pub(crate) fn side_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
) -> anyhow::Result<()> {
    // Level with the top of the chart beside it.
    legend_rows(area, entries, 70)
}

/// A legend of one line per entry in its colour, from `top` pixels down in an area of its
/// own (beside or below a chart).
pub(crate) fn legend_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
    top: i32,
) -> anyhow::Result<()> {
    for (i, (label, color)) in entries.iter().enumerate() {
        let y = top + 28 * i as i32;
        area.draw(&PathElement::new(
            vec![(10, y + 8), (36, y + 8)],
            ShapeStyle::from(*color).stroke_width(3),
        ))
        .map_err(|e| anyhow!("{e}"))?;
        area.draw_text(label, &small_font(), (44, y))
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

/// A legend entry: a short line in the series' style.
pub(crate) fn legend_line(style: ShapeStyle) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style)
}

/// Histograms drawn as outlines over shared bins; a series whose values are all the same is a
/// vertical line instead (its one bin would dwarf the others).
pub(crate) struct Outlines<'a> {
    series: Vec<(String, RGBColor, &'a [f64])>,
    range: std::ops::Range<f64>,
    shares: Vec<Vec<f64>>,
    /// The top of the y-axis: a little above the highest bin of the spread series.
    pub top: f64,
}

impl<'a> Outlines<'a> {
    /// `(label, colour, values)` of each series, binned over `range`.
    pub(crate) fn new(
        series: Vec<(String, RGBColor, &'a [f64])>,
        range: std::ops::Range<f64>,
        bins: usize,
    ) -> Outlines<'a> {
        let shares: Vec<Vec<f64>> = series
            .iter()
            .map(|(_, _, v)| histogram(v, &range, bins))
            .collect();
        let top = series
            .iter()
            .zip(&shares)
            .filter(|((_, _, v), _)| !constant(v))
            .flat_map(|(_, s)| s.iter().copied())
            .fold(0.0f64, f64::max)
            .max(0.05)
            * 1.15;
        Outlines {
            series,
            range,
            shares,
            top,
        }
    }

    /// Draws every series; `constant_label(label, value)` names a series that is a line.
    pub(crate) fn draw<'c, DB: DrawingBackend + 'c>(
        &self,
        chart: &mut ChartContext<'c, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
        constant_label: impl Fn(&str, f64) -> String,
    ) -> anyhow::Result<()> {
        for ((label, color, values), share) in self.series.iter().zip(&self.shares) {
            let style = ShapeStyle::from(*color).stroke_width(3);
            let (points, label) = if constant(values) {
                let x = values
                    .first()
                    .copied()
                    .unwrap_or(0.0)
                    .min(self.range.end - (self.range.end - self.range.start) * 1e-3);
                (vec![(x, 0.0), (x, self.top)], constant_label(label, x))
            } else {
                (steps(share, &self.range), label.clone())
            };
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(|e| anyhow!("{e}"))?
                .label(label)
                .legend(legend_line(style));
        }
        Ok(())
    }
}

/// Shares of values in `bins` equal bins over `range`.
pub(crate) fn histogram(values: &[f64], range: &std::ops::Range<f64>, bins: usize) -> Vec<f64> {
    let mut counts = vec![0.0; bins];
    let width = (range.end - range.start) / bins as f64;
    for v in values {
        let b = (((v - range.start) / width) as usize).min(bins - 1);
        counts[b] += 1.0;
    }
    let n = values.len().max(1) as f64;
    counts.iter().map(|c| c / n).collect()
}

/// The outline of a histogram as a step line.
pub(crate) fn steps(shares: &[f64], range: &std::ops::Range<f64>) -> Vec<(f64, f64)> {
    let width = (range.end - range.start) / shares.len() as f64;
    let mut points = vec![(range.start, 0.0)];
    for (i, s) in shares.iter().enumerate() {
        let x0 = range.start + i as f64 * width;
        points.push((x0, *s));
        points.push((x0 + width, *s));
    }
    points.push((range.end, 0.0));
    points
}
