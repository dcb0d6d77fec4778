//! `demand`: running VMs of each fleet and in total, by month (above) and by local hour of
//! the week (below).

use super::demand::{View, hours_of_week};
use super::plot::{Chart, MAJOR_GRID, MINOR_GRID, color, label_font, padded_range, small_font};
use crate::demand::Period;
use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The demand chart: per series, the median running VMs (line), the 5th-95th percentile band,
/// and by month the median of the busiest hour (dots).
pub struct DemandChart;

impl DemandChart {
    /// Pay-as-you-go's grey marks the total, the palette's colours the fleets.
    fn color(view: &View<'_>, s: usize) -> RGBColor {
        if s + 1 == view.stats.names.len() {
            color(0)
        } else {
            color(s + 1)
        }
    }
}

/// A count of VMs on an axis: whole numbers, with a decimal only on small scales.
fn count_tick(v: &f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Runs of consecutive points: a line breaks where a period is missing.
fn runs(points: Vec<Option<(f64, f64, f64, f64)>>) -> Vec<Vec<(f64, f64, f64, f64)>> {
    let mut out: Vec<Vec<_>> = vec![Vec::new()];
    for p in points {
        match p {
            Some(p) => out.last_mut().expect("one run at least").push(p),
            None if out.last().is_some_and(|r| !r.is_empty()) => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// Draws each run of `(x, p5, p50, p95)` as a band and a median line.
fn bands<'a, DB: DrawingBackend + 'a, X: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, plotters::coord::types::RangedCoordf64>>,
    runs: &[Vec<(f64, f64, f64, f64)>],
    color: RGBColor,
) -> anyhow::Result<()> {
    for run in runs {
        let mut band: Vec<(f64, f64)> = run.iter().map(|p| (p.0, p.3)).collect();
        band.extend(run.iter().rev().map(|p| (p.0, p.1)));
        chart
            .draw_series(std::iter::once(Polygon::new(
                band,
                color.mix(0.15).filled(),
            )))
            .map_err(|e| anyhow!("{e}"))?;
        let style = ShapeStyle::from(color).stroke_width(3);
        if run.len() == 1 {
            chart
                .draw_series(std::iter::once(Circle::new((run[0].0, run[0].2), 4, style)))
                .map_err(|e| anyhow!("{e}"))?;
        }
        chart
            .draw_series(LineSeries::new(run.iter().map(|p| (p.0, p.2)), style))
            .map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

impl Chart<View<'_>> for DemandChart {
    fn name(&self) -> String {
        "demand".to_string()
    }

    fn caption(&self) -> String {
        "Running VMs per fleet and in total: median and 5th-95th percentile band across trials, by month (dots: the busiest hour's median) and by local hour of the week.".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        view: &View<'_>,
    ) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        let shown = view.shown();
        let months = view.demand.grid.months();
        let (main, side) = area.split_horizontally(super::plot::SIZE.0 - 240);
        let (top, bottom) = main.split_vertically(super::plot::SIZE.1 / 2);
        let row = |s: usize, p: Period| {
            view.row(s, p)
                .map(|r| (r.running.p5, r.running.p50, r.running.p95, r.peak.p50))
        };

        // By month: a point per month at its number.
        let y = padded_range(shown.iter().flat_map(|&s| {
            (0..months).filter_map(move |m| row(s, Period::Month(m)).map(|r| r.3.max(r.2)))
        }));
        let mut chart = ChartBuilder::on(&top)
            .caption(
                format!(
                    "Running VMs of {}, {}",
                    view.scenario.name,
                    super::plot::horizon_words(view.scenario)
                ),
                super::plot::title_font(),
            )
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0.5..months as f64 + 0.5, 0f64.min(y.start)..y.end)
            .map_err(|e| anyhow!("{e}"))?;
        chart
            .configure_mesh()
            .light_line_style(MINOR_GRID)
            .bold_line_style(MAJOR_GRID)
            .x_desc("Month of the horizon")
            .y_desc("Running VMs")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&count_tick)
            .axis_desc_style(label_font())
            .label_style(small_font())
            .x_labels(months.min(13))
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        for &s in &shown {
            let c = Self::color(view, s);
            let points = (0..months)
                .map(|m| row(s, Period::Month(m)).map(|r| ((m + 1) as f64, r.0, r.1, r.2)))
                .collect();
            bands(&mut chart, &runs(points), c)?;
            chart
                .draw_series((0..months).filter_map(|m| {
                    row(s, Period::Month(m))
                        .map(|r| Circle::new(((m + 1) as f64, r.3), 4, c.filled()))
                }))
                .map_err(|e| anyhow!("{e}"))?;
        }

        // By hour of the week: each hour at its middle, a tick at each day's midnight.
        let y = padded_range(
            shown
                .iter()
                .flat_map(|&s| hours_of_week().filter_map(move |p| row(s, p).map(|r| r.2))),
        );
        let y = 0f64.min(y.start)..y.end;
        let mut chart = ChartBuilder::on(&bottom)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0f64..168f64, y.clone())
            .map_err(|e| anyhow!("{e}"))?;
        chart
            .configure_mesh()
            .light_line_style(MINOR_GRID)
            .bold_line_style(MAJOR_GRID)
            .disable_x_mesh()
            .x_labels(0)
            .x_desc(format!(
                "Local hour of the week ({})",
                view.scenario.timezone_name
            ))
            .y_desc("Running VMs")
            .y_label_formatter(&count_tick)
            .axis_desc_style(label_font())
            .label_style(small_font())
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        // Days rather than the axis's round numbers: a line at each midnight, the day's name
        // under its middle.
        for d in 1..7 {
            let x = f64::from(d * 24);
            chart
                .draw_series(LineSeries::new([(x, y.start), (x, y.end)], MAJOR_GRID))
                .map_err(|e| anyhow!("{e}"))?;
        }
        let day_font = small_font().pos(Pos::new(HPos::Center, VPos::Top));
        for (d, name) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            .iter()
            .enumerate()
        {
            let (px, py) = chart.backend_coord(&(d as f64 * 24.0 + 12.0, y.start));
            area.draw_text(name, &day_font, (px, py + 8))
                .map_err(|e| anyhow!("{e}"))?;
        }
        for &s in &shown {
            let points = hours_of_week()
                .enumerate()
                .map(|(k, p)| row(s, p).map(|r| (k as f64 + 0.5, r.0, r.1, r.2)))
                .collect();
            bands(&mut chart, &runs(points), Self::color(view, s))?;
        }

        let entries: Vec<(String, RGBColor)> = shown
            .iter()
            .map(|&s| (view.stats.names[s].clone(), Self::color(view, s)))
            .collect();
        super::plot::side_legend(&side, &entries)?;
        let top = 70 + 28 * entries.len() as i32 + 20;
        for (i, line) in [
            "median: line",
            "5th-95th percentile:",
            "  band",
            "busiest hour of",
            "  the month: dots",
        ]
        .iter()
        .enumerate()
        {
            side.draw_text(line, &small_font(), (10, top + 22 * i as i32))
                .map_err(|e| anyhow!("{e}"))?;
        }
        Ok(())
    }
}
