//! Distribution of reservation utilisation across trials.

use super::{Chart, PlotData, constant, histogram, label_font, small_font, steps, title_font};
use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;

/// `utilization`: per strategy that reserves, the share of its reserved unit-hours that
/// usage filled, trial by trial.
pub(super) struct Utilization;

const BINS: usize = 40;

impl Chart<PlotData<'_>> for Utilization {
    fn name(&self) -> String {
        "utilization".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        d: &PlotData<'_>,
    ) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        // Strategies that reserve the same capacity have the same utilisation in every trial:
        // one line for them, named after all of them.
        let mut series: Vec<(Vec<usize>, &[f64])> = Vec::new();
        for (i, u) in d.utilization.iter().enumerate() {
            if let Some(u) = u {
                match series.iter_mut().find(|(_, v)| v == u) {
                    Some((names, _)) => names.push(i),
                    None => series.push((vec![i], u)),
                }
            }
        }
        // Zoom on where utilisation is: from the lowest value's tenth to 100%.
        let low = series
            .iter()
            .flat_map(|(_, u)| u.iter().copied())
            .fold(1.0f64, f64::min);
        let range = ((low * 10.0).floor() / 10.0).min(0.9)..1.0;
        let shares: Vec<Vec<f64>> = series
            .iter()
            .map(|(_, u)| histogram(u, &range, BINS))
            .collect();
        let top = series
            .iter()
            .zip(&shares)
            .filter(|((_, u), _)| !constant(u))
            .flat_map(|(_, s)| s.iter().copied())
            .fold(0.0f64, f64::max)
            .max(0.05)
            * 1.15;
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("Reservation utilisation, {}", d.horizon),
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
            .x_desc("Share of reserved unit-hours used by the fleet")
            .y_desc("Share of trials")
            .x_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .axis_desc_style(label_font())
            .label_style(small_font())
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        if series.is_empty() {
            area.draw_text("No strategy reserves instances.", &label_font(), (480, 380))
                .map_err(|e| anyhow!("{e}"))?;
            return Ok(());
        }
        for ((members, u), share) in series.iter().zip(&shares) {
            let style = ShapeStyle::from(d.colors[members[0]]).stroke_width(3);
            let names = members
                .iter()
                .map(|&i| d.names[i].as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let (points, label) = if constant(u) {
                let x = u.first().copied().unwrap_or(0.0).min(0.999);
                (
                    vec![(x, 0.0), (x, top)],
                    format!("{names} ({:.1}% in every trial)", x * 100.0),
                )
            } else if members.len() > 1 {
                (
                    steps(share, &range),
                    format!("{names} (the same reservations)"),
                )
            } else {
                (steps(share, &range), names)
            };
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(|e| anyhow!("{e}"))?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.5))
            .label_font(small_font())
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        Ok(())
    }
}
