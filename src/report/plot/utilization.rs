//! Distribution of reservation utilisation across trials.

use super::{Chart, Outlines, PlotData, frame, label_font, legend, small_font};
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

    fn caption(&self) -> String {
        "How much of each strategy's reserved capacity the fleet used, trial by trial.".to_string()
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
        let mut groups: Vec<(Vec<usize>, &[f64])> = Vec::new();
        for (i, u) in d.utilization.iter().enumerate() {
            if let Some(u) = u {
                match groups.iter_mut().find(|(_, v)| v == u) {
                    Some((members, _)) => members.push(i),
                    None => groups.push((vec![i], u)),
                }
            }
        }
        // Zoom on where utilisation is: from the lowest value's tenth to 100%.
        let low = groups
            .iter()
            .flat_map(|(_, u)| u.iter().copied())
            .fold(1.0f64, f64::min);
        let range = ((low * 10.0).floor() / 10.0).min(0.9)..1.0;
        let series = groups
            .iter()
            .map(|(members, u)| {
                let names = members
                    .iter()
                    .map(|&i| d.names[i].as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let label = if members.len() > 1 {
                    format!("{names} (the same reservations)")
                } else {
                    names
                };
                (label, d.colors[members[0]], *u)
            })
            .collect();
        let outlines = Outlines::new(series, range.clone(), BINS);
        let title = format!("Reservation utilisation, {}", d.horizon);
        let mut chart = frame(area, title, range, 0.0..outlines.top, 80)?;
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
        if groups.is_empty() {
            area.draw_text("No strategy reserves instances.", &label_font(), (480, 380))
                .map_err(|e| anyhow!("{e}"))?;
            return Ok(());
        }
        outlines.draw(&mut chart, |label, x| {
            let label = label.trim_end_matches(" (the same reservations)");
            format!("{label} ({:.1}% in every trial)", x * 100.0)
        })?;
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
