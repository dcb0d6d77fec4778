//! Cumulative cash over time per strategy, with the spread across trials and break-even.

use super::{Chart, PlotData, label_font, money_tick, padded_range, small_font};
use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;

/// `cash-flow`: cash paid by the end of each month: the median line, a band from the 5th to
/// the 95th percentile, and a dot at the break-even month against pay-as-you-go.
pub(super) struct Cash;

impl Chart<PlotData<'_>> for Cash {
    fn name(&self) -> String {
        "cash-flow".to_string()
    }

    fn caption(&self) -> String {
        "Cash paid by the end of each month: median and 5th-95th percentile band; a dot marks break-even against pay-as-you-go.".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        d: &PlotData<'_>,
    ) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        let months = d.cash.iter().map(Vec::len).max().unwrap_or(0);
        let y = padded_range(
            d.cash
                .iter()
                .flat_map(|c| c.iter().flat_map(|m| [m.0, m.2]))
                .chain(std::iter::once(0.0)),
        );
        let mut chart = super::frame(
            area,
            format!("Cash paid so far, {}", d.horizon),
            0.0..months.max(1) as f64,
            y.start.max(0.0)..y.end,
            110,
        )?;
        chart
            .configure_mesh()
            .light_line_style(super::MINOR_GRID)
            .bold_line_style(super::MAJOR_GRID)
            .x_desc(
                "Months since the start (payments after the horizon's end: its last monthly bill)",
            )
            .y_desc(format!("Cumulative cash ({})", d.currency))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&money_tick)
            .axis_desc_style(label_font())
            .label_style(small_font())
            .x_labels(13)
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        for (i, cash) in d.cash.iter().enumerate() {
            let color = d.colors[i];
            let at = |m: usize| m as f64 + 1.0;
            let mut band: Vec<(f64, f64)> = std::iter::once((0.0, 0.0))
                .chain(cash.iter().enumerate().map(|(m, c)| (at(m), c.2)))
                .collect();
            band.extend(cash.iter().enumerate().rev().map(|(m, c)| (at(m), c.0)));
            band.push((0.0, 0.0));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    color.mix(0.15).filled(),
                )))
                .map_err(|e| anyhow!("{e}"))?;
            let style = ShapeStyle::from(color).stroke_width(3);
            let median: Vec<(f64, f64)> = std::iter::once((0.0, 0.0))
                .chain(cash.iter().enumerate().map(|(m, c)| (at(m), c.1)))
                .collect();
            let label = match d.break_even[i] {
                Some(m) => format!("{}: break-even in month {m}", d.names[i]),
                None if i == 0 => format!("{} (the baseline)", d.names[i]),
                None => format!("{}: no break-even", d.names[i]),
            };
            chart
                .draw_series(LineSeries::new(median, style))
                .map_err(|e| anyhow!("{e}"))?
                .label(label)
                .legend(super::legend_line(style));
            if let Some(m) = d.break_even[i]
                && let Some(c) = cash.get(m - 1)
            {
                chart
                    .draw_series([
                        Circle::new((at(m - 1), c.1), 8, color.filled()),
                        Circle::new((at(m - 1), c.1), 8, ShapeStyle::from(BLACK).stroke_width(1)),
                    ])
                    .map_err(|e| anyhow!("{e}"))?;
            }
        }
        super::legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
