//! Overlaid distributions of each strategy's total cost.

use super::{
    Chart, PlotData, constant, histogram, label_font, money_tick, padded_range, small_font, steps,
    title_font,
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

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        d: &PlotData<'_>,
    ) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        let range = padded_range(d.totals.iter().flat_map(|t| t.iter().copied()));
        let shares: Vec<Vec<f64>> = d
            .totals
            .iter()
            .map(|t| histogram(t, &range, BINS))
            .collect();
        // Strategies whose cost is the same in every trial are a line, not a histogram: they
        // would dwarf the others.
        let top = d
            .totals
            .iter()
            .zip(&shares)
            .filter(|(t, _)| !constant(t))
            .flat_map(|(_, s)| s.iter().copied())
            .fold(0.0f64, f64::max)
            .max(0.05)
            * 1.15;
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("Distribution of total cost, {}", d.horizon),
                title_font(),
            )
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d(range.clone(), 0.0..top)
            .map_err(|e| anyhow!("{e}"))?;
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
        for (i, (totals, share)) in d.totals.iter().zip(&shares).enumerate() {
            let color = d.colors[i];
            let style = ShapeStyle::from(color).stroke_width(3);
            if constant(totals) {
                let x = totals.first().copied().unwrap_or(0.0);
                chart
                    .draw_series(LineSeries::new(vec![(x, 0.0), (x, top)], style))
                    .map_err(|e| anyhow!("{e}"))?
                    .label(format!("{} (the same in every trial)", d.names[i]))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
            } else {
                chart
                    .draw_series(LineSeries::new(steps(share, &range), style))
                    .map_err(|e| anyhow!("{e}"))?
                    .label(d.names[i].clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.5))
            .label_font(small_font())
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        Ok(())
    }
}
