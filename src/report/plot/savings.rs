//! Paired savings of each strategy against pay-as-you-go, as boxes.

use super::{Chart, PlotData, label_font, money_tick, padded_range, small_font};
use crate::stats::{quantile_sorted, sorted};
use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;

/// `savings`: per strategy, the saving in the same trial against pay-as-you-go: box from the
/// 25th to the 75th percentile, a bar at the median, whiskers from the 5th to the 95th
/// percentile, a dot at the mean.
pub(super) struct Savings;

impl Chart<PlotData<'_>> for Savings {
    fn name(&self) -> String {
        "savings".to_string()
    }

    fn caption(&self) -> String {
        "Saving against pay-as-you-go on the same fleet, trial by trial.".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        d: &PlotData<'_>,
    ) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        let (main, key) = area.split_vertically(SIZE_MAIN);
        // Strategies other than pay-as-you-go, from the top in the file's order.
        let rows: Vec<usize> = (1..d.names.len()).collect();
        let stats: Vec<[f64; 6]> = rows
            .iter()
            .map(|&i| {
                let s = sorted(d.savings[i]);
                let mean = s.iter().sum::<f64>() / s.len().max(1) as f64;
                [0.05, 0.25, 0.5, 0.75, 0.95]
                    .map(|p| quantile_sorted(&s, p))
                    .iter()
                    .copied()
                    .chain(std::iter::once(mean))
                    .collect::<Vec<_>>()
                    .try_into()
                    .expect("six numbers")
            })
            .collect();
        let range = padded_range(
            stats
                .iter()
                .flat_map(|s| [s[0], s[4], s[5]])
                .chain(std::iter::once(0.0)),
        );
        let k = rows.len().max(1);
        let names: Vec<String> = rows.iter().map(|&i| d.names[i].clone()).collect();
        let title = format!(
            "Saving against pay-as-you-go in the same trial, {}",
            d.horizon
        );
        let mut chart = super::frame(&main, title, range.clone(), -0.5..(k as f64 - 0.5), 240)?;
        chart
            .configure_mesh()
            .light_line_style(super::MINOR_GRID)
            .bold_line_style(super::MAJOR_GRID)
            .x_desc(format!(
                "Saving over the horizon ({}); more is better",
                d.currency
            ))
            .x_label_formatter(&money_tick)
            .y_labels(k)
            .y_label_formatter(&|v| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                    // Top to bottom in the file's order.
                    names[names.len() - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .axis_desc_style(label_font())
            .label_style(small_font())
            .x_labels(8)
            .disable_y_mesh()
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        if range.start < 0.0 && range.end > 0.0 {
            chart
                .draw_series(LineSeries::new(
                    vec![(0.0, -0.5), (0.0, k as f64 - 0.5)],
                    ShapeStyle::from(BLACK.mix(0.6)).stroke_width(2),
                ))
                .map_err(|e| anyhow!("{e}"))?;
        }
        for (row, (&i, s)) in rows.iter().zip(&stats).enumerate() {
            let y = (k - 1 - row) as f64;
            let color = d.colors[i];
            let line = ShapeStyle::from(color).stroke_width(3);
            let [p5, p25, p50, p75, p95, mean] = *s;
            chart
                .draw_series([
                    Rectangle::new([(p25, y - 0.28), (p75, y + 0.28)], color.mix(0.35).filled()),
                    Rectangle::new([(p25, y - 0.28), (p75, y + 0.28)], line),
                ])
                .map_err(|e| anyhow!("{e}"))?;
            let segments = [
                vec![(p5, y), (p25, y)],
                vec![(p75, y), (p95, y)],
                vec![(p5, y - 0.14), (p5, y + 0.14)],
                vec![(p95, y - 0.14), (p95, y + 0.14)],
                vec![(p50, y - 0.28), (p50, y + 0.28)],
            ];
            chart
                .draw_series(segments.into_iter().map(|pts| PathElement::new(pts, line)))
                .map_err(|e| anyhow!("{e}"))?;
            chart
                .draw_series([
                    Circle::new((mean, y), 7, WHITE.filled()),
                    Circle::new((mean, y), 7, line),
                ])
                .map_err(|e| anyhow!("{e}"))?;
        }
        key.draw_text(
            "Box: 25th to 75th percentile of the trials.  Bar: median.  Whiskers: 5th to 95th percentile.  Dot: mean.",
            &small_font(),
            (260, 8),
        )
        .map_err(|e| anyhow!("{e}"))?;
        Ok(())
    }
}

/// Height of the chart above the key line.
const SIZE_MAIN: u32 = super::SIZE.1 - 40;
