//! Overlaid distributions of each strategy's total cost.

use super::{
    Chart, Outlines, PlotData, frame, label_font, legend, money_tick, padded_range, small_font,
};
use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;

/// `cost-distribution`: a histogram outline per strategy over shared bins.
pub(super) struct Distribution;

const BINS: usize = 40;

impl Chart<PlotData<'_>> for Distribution {
    fn name(&self) -> String {
        "cost-distribution".to_string()
    }

    fn caption(&self) -> String {
        "How the total cost of each strategy is spread across trials.".to_string()
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
        let outlines = Outlines::new(
            d.totals
                .iter()
                .enumerate()
                .map(|(i, t)| (d.names[i].clone(), d.colors[i], *t))
                .collect(),
            range.clone(),
            BINS,
        );
        let title = format!("Distribution of total cost, {}", d.horizon);
        let mut chart = frame(area, title, range, 0.0..outlines.top, 80)?;
        chart
            .configure_mesh()
            .light_line_style(super::MINOR_GRID)
            .bold_line_style(super::MAJOR_GRID)
            .x_desc(format!(
                "Total cost over the horizon, amortized ({})",
                d.currency
            ))
            .y_desc("Share of trials")
            .x_label_formatter(&money_tick)
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .axis_desc_style(label_font())
            .label_style(small_font())
            .x_labels(8)
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        outlines.draw(&mut chart, |name, _| {
            format!("{name} (the same in every trial)")
        })?;
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}
