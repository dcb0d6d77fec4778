//! Charts of a sweep: each strategy's cost against each swept value, and for two-key grids a
//! map of the best strategy and its saving.

use super::plot::{
    Chart, Picture, frame, is_chart_file, label_font, money_tick, padded_range, small_font,
    title_font,
};
use super::sweep_view::SweepView;
use crate::output::Output;
use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// The charts of a sweep: a cost chart per swept key, and for a grid of two keys the map of
/// the cheapest strategy.
pub struct SweepCharts;

impl SweepCharts {
    fn charts(view: &SweepView) -> Vec<Box<dyn Picture<SweepView>>> {
        let mut out: Vec<Box<dyn Picture<SweepView>>> = (0..view.keys.len())
            .map(|k| Box::new(CostAgainst(k)) as Box<dyn Picture<SweepView>>)
            .collect();
        if view.keys.len() == 2 {
            out.push(Box::new(BestMap));
        }
        out
    }
}

impl Output<SweepView> for SweepCharts {
    fn owns(&self, name: &str) -> bool {
        is_chart_file(name, "sweep-best")
            || name
                .strip_prefix("sweep-cost-")
                .and_then(|rest| rest.split_once('.'))
                .is_some_and(|(n, ext)| {
                    !n.is_empty()
                        && n.bytes().all(|b| b.is_ascii_digit())
                        && (ext == "png" || ext == "svg")
                })
    }

    fn write(&mut self, dir: &Path, view: &SweepView) -> anyhow::Result<()> {
        for chart in SweepCharts::charts(view) {
            super::plot::write_files(chart.as_ref(), dir, view, None)?;
        }
        Ok(())
    }
}

/// `sweep-cost-<n>`: each strategy's mean total (line) and 5th-95th percentile (band)
/// against the values of key n, the other keys at their middle values (a sweep's first value
/// is often an edge case, such as no reservation at all).
struct CostAgainst(usize);

impl Chart<SweepView> for CostAgainst {
    fn name(&self) -> String {
        format!("sweep-cost-{}", self.0 + 1)
    }

    fn caption(&self) -> String {
        format!(
            "Each strategy's mean total and 5th-95th percentile against swept key {}.",
            self.0 + 1
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        g: &SweepView,
    ) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        let k = self.0;
        let names = g.names();
        let values = g.values(k);
        let labels: Vec<String> = values.iter().map(|v| v.text.clone()).collect();
        let numeric: Option<Vec<f64>> = values.iter().map(|v| v.number).collect();
        let xs: Vec<f64> = numeric
            .clone()
            .unwrap_or_else(|| (0..labels.len()).map(|i| i as f64).collect());
        let middle: Vec<usize> = g.sizes.iter().map(|s| s / 2).collect();
        let at = |v: usize| {
            let mut c = middle.clone();
            c[k] = v;
            g.point_at(&c)
        };
        let band = |p: usize, s: usize| {
            let t = &g.points[p].stats.strategies[s].total;
            (t.p5, t.p95)
        };
        let mean = |p: usize, s: usize| g.points[p].stats.strategies[s].total.mean;
        let y = padded_range((0..labels.len()).flat_map(|v| {
            (0..names.len()).flat_map(move |s| {
                let (lo, hi) = band(at(v), s);
                [lo, hi]
            })
        }));
        let x = if xs.len() > 1 {
            padded_range(xs.iter().copied())
        } else {
            (xs[0] - 1.0)..(xs[0] + 1.0)
        };
        let others: Vec<String> = (0..g.keys.len())
            .filter(|&j| j != k)
            .map(|j| format!("{} = {}", g.keys[j], g.values(j)[middle[j]].text))
            .collect();
        let (upper, key_line) = area.split_vertically(super::plot::SIZE.1 - 40);
        let (main, side) = upper.split_horizontally(super::plot::SIZE.0 - 240);
        let mut chart = frame(
            &main,
            format!("Total cost against {}", g.keys[k]),
            x,
            y,
            110,
        )?;
        let category_labels = labels.clone();
        let is_numeric = numeric.is_some();
        chart
            .configure_mesh()
            .light_line_style(super::plot::MINOR_GRID)
            .bold_line_style(super::plot::MAJOR_GRID)
            .x_desc(g.keys[k].clone())
            .y_desc(format!("Total cost over the horizon ({})", g.currency()))
            .x_label_formatter(&move |v| {
                if is_numeric {
                    let text = format!("{v:.4}");
                    text.trim_end_matches('0').trim_end_matches('.').to_string()
                } else {
                    let i = v.round();
                    if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < category_labels.len() {
                        category_labels[i as usize].clone()
                    } else {
                        String::new()
                    }
                }
            })
            .y_label_formatter(&money_tick)
            .axis_desc_style(label_font())
            .label_style(small_font())
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        for s in 0..names.len() {
            let color = super::plot::color(s);
            let mut poly: Vec<(f64, f64)> = (0..labels.len())
                .map(|v| (xs[v], band(at(v), s).1))
                .collect();
            poly.extend((0..labels.len()).rev().map(|v| (xs[v], band(at(v), s).0)));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    poly,
                    color.mix(0.12).filled(),
                )))
                .map_err(|e| anyhow!("{e}"))?;
            let style = ShapeStyle::from(color).stroke_width(3);
            let line: Vec<(f64, f64)> =
                (0..labels.len()).map(|v| (xs[v], mean(at(v), s))).collect();
            chart
                .draw_series(LineSeries::new(line.clone(), style))
                .map_err(|e| anyhow!("{e}"))?;
            chart
                .draw_series(line.iter().map(|p| Circle::new(*p, 5, color.filled())))
                .map_err(|e| anyhow!("{e}"))?;
        }
        let entries: Vec<(String, RGBColor)> = names
            .iter()
            .enumerate()
            .map(|(s, n)| (n.clone(), super::plot::color(s)))
            .collect();
        super::plot::side_legend(&side, &entries)?;
        let note = if others.is_empty() {
            "Line: mean total over the trials.  Band: 5th to 95th percentile.".to_string()
        } else {
            format!(
                "Line: mean total.  Band: 5th to 95th percentile.  Other swept keys at: {}",
                others.join(", ")
            )
        };
        key_line
            .draw_text(&note, &small_font(), (130, 8))
            .map_err(|e| anyhow!("{e}"))?;
        Ok(())
    }
}

/// `sweep-best`: for a grid of two keys, the strategy with the lowest mean total at each
/// point, and its saving against pay-as-you-go.
struct BestMap;

impl Chart<SweepView> for BestMap {
    fn name(&self) -> String {
        "sweep-best".to_string()
    }

    fn caption(&self) -> String {
        "The strategy with the lowest mean total at each point of a two-key grid.".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        g: &SweepView,
    ) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        let names = g.names();
        let (cols, rows) = (g.sizes[0], g.sizes[1]);
        let text =
            |k: usize| -> Vec<String> { g.values(k).iter().map(|v| v.text.clone()).collect() };
        let (xl, yl) = (text(0), text(1));
        let (main, legend) = area.split_horizontally(super::plot::SIZE.0 - 260);
        let mut chart = ChartBuilder::on(&main)
            .caption("Cheapest strategy at each point", title_font())
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(110)
            .build_cartesian_2d(-0.5..(cols as f64 - 0.5), -0.5..(rows as f64 - 0.5))
            .map_err(|e| anyhow!("{e}"))?;
        let label = |values: Vec<String>| {
            move |v: &f64| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < values.len() {
                    values[i as usize].clone()
                } else {
                    String::new()
                }
            }
        };
        let (fx, fy) = (label(xl.clone()), label(yl.clone()));
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(cols)
            .y_labels(rows)
            .x_desc(g.keys[0].clone())
            .y_desc(g.keys[1].clone())
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .axis_desc_style(label_font())
            .label_style(small_font())
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        let mut used = vec![false; names.len()];
        for c in 0..cols {
            for r in 0..rows {
                let s = &g.points[g.point_at(&[c, r])].stats;
                let (best, _) = s.cheapest(0).expect("payg is always there");
                used[best] = true;
                let (x, y) = (c as f64, r as f64);
                chart
                    .draw_series([
                        Rectangle::new(
                            [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                            super::plot::color(best).mix(0.55).filled(),
                        ),
                        Rectangle::new(
                            [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                            ShapeStyle::from(WHITE).stroke_width(2),
                        ),
                    ])
                    .map_err(|e| anyhow!("{e}"))?;
                if cols * rows <= 144 {
                    let saving = s.strategies[best].savings_vs_payg.percent;
                    let text = match saving {
                        _ if best == 0 => "payg".to_string(),
                        Some(p) => format!("{p:.0}%"),
                        None => "-".to_string(),
                    };
                    chart
                        .draw_series(std::iter::once(Text::new(
                            text,
                            (x, y),
                            small_font().pos(plotters::style::text_anchor::Pos::new(
                                plotters::style::text_anchor::HPos::Center,
                                plotters::style::text_anchor::VPos::Center,
                            )),
                        )))
                        .map_err(|e| anyhow!("{e}"))?;
                }
            }
        }
        let mut y = 60;
        legend
            .draw_text("Cheapest (cell: its", &small_font(), (10, y))
            .map_err(|e| anyhow!("{e}"))?;
        legend
            .draw_text("saving vs payg)", &small_font(), (10, y + 20))
            .map_err(|e| anyhow!("{e}"))?;
        y += 56;
        for (i, name) in names.iter().enumerate().filter(|(i, _)| used[*i]) {
            legend
                .draw(&Rectangle::new(
                    [(10, y), (32, y + 18)],
                    super::plot::color(i).mix(0.55).filled(),
                ))
                .map_err(|e| anyhow!("{e}"))?;
            legend
                .draw_text(name, &small_font(), (40, y + 1))
                .map_err(|e| anyhow!("{e}"))?;
            y += 30;
        }
        Ok(())
    }
}
