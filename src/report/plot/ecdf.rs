//! Empirical cumulative distributions of each strategy's total cost.

use super::{Chart, PlotData, label_font, money_tick, padded_range, small_font};
use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;

/// `ecdf`: for each cost, the share of trials at or below it.
pub(super) struct Ecdf;

/// Points drawn per strategy at most (the curve is sampled evenly by rank beyond that).
const MAX_POINTS: usize = 2000;

impl Chart<PlotData<'_>> for Ecdf {
    fn name(&self) -> String {
        "ecdf".to_string()
    }

    fn caption(&self) -> String {
        "Share of trials in which each strategy costs at most a given amount.".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        d: &PlotData<'_>,
    ) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        let range = padded_range(d.totals.iter().flat_map(|t| t.iter().copied()));
        let mut chart = super::frame(
            area,
            format!("Cumulative distribution of total cost, {}", d.horizon),
            range.clone(),
            0.0..1.0,
            80,
        )?;
        chart
            .configure_mesh()
            .light_line_style(super::MINOR_GRID)
            .bold_line_style(super::MAJOR_GRID)
            .x_desc(format!(
                "Total cost over the horizon, amortized ({})",
                d.currency
            ))
            .y_desc("Share of trials costing at most this")
            .x_label_formatter(&money_tick)
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .axis_desc_style(label_font())
            .label_style(small_font())
            .x_labels(8)
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        for (i, totals) in d.totals.iter().enumerate() {
            let ecdf = crate::stats::ecdf(totals);
            let n = ecdf.len();
            if n == 0 {
                continue;
            }
            let step = n.div_ceil(MAX_POINTS);
            let mut points = vec![(range.start, 0.0)];
            let mut previous = 0.0;
            for k in (0..n).step_by(step).chain(std::iter::once(n - 1)) {
                let (value, share) = ecdf[k];
                points.push((value, previous));
                points.push((value, share));
                previous = share;
            }
            points.push((range.end, 1.0));
            let style = ShapeStyle::from(d.colors[i]).stroke_width(3);
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(|e| anyhow!("{e}"))?
                .label(d.names[i].clone())
                .legend(super::legend_line(style));
        }
        super::legend(&mut chart, SeriesLabelPosition::LowerRight)
    }
}
