//! Charts of a sweep: each strategy's cost against each axis, and for two-axis grids a map of
//! the best strategy and its saving and a map of each strategy's mean cost.

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

/// The charts of a sweep: a cost chart per axis, and for a grid of two axes the map of the
/// cheapest strategy and a map of each strategy's mean cost.
pub struct SweepCharts;

impl SweepCharts {
    /// The charts of `view`, in the order the summary lists them.
    pub fn charts(view: &SweepView) -> Vec<Box<dyn Picture<SweepView>>> {
        let mut out: Vec<Box<dyn Picture<SweepView>>> = (0..view.axes.len())
            .map(|k| Box::new(CostAgainst(k)) as Box<dyn Picture<SweepView>>)
            .collect();
        if view.axes.len() == 2 {
            out.push(Box::new(BestMap));
            out.extend(
                (0..view.names().len())
                    .map(|s| Box::new(CostMap(s)) as Box<dyn Picture<SweepView>>),
            );
        }
        out
    }
}

/// True when `name` is `STEM-<n>.png` or `STEM-<n>.svg`, n a number.
fn is_numbered_chart(name: &str, stem: &str) -> bool {
    name.strip_prefix(stem)
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(n, ext)| {
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (ext == "png" || ext == "svg")
        })
}

impl Output<SweepView> for SweepCharts {
    fn owns(&self, name: &str) -> bool {
        is_chart_file(name, "sweep-best")
            || is_numbered_chart(name, "sweep-cost")
            || is_numbered_chart(name, "sweep-map")
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
            "Each strategy's mean total and 5th-95th percentile against axis {} of the grid.",
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
        let numeric: Option<Vec<f64>> = values.iter().map(|v| v.numeric()).collect();
        let xs: Vec<f64> = numeric
            .clone()
            .unwrap_or_else(|| (0..labels.len()).map(|i| i as f64).collect());
        let middle: Vec<usize> = g.sizes().iter().map(|s| s / 2).collect();
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
        let others: Vec<String> = (0..g.axes.len())
            .filter(|&j| j != k)
            .map(|j| g.describe_value(j, middle[j]))
            .collect();
        let (upper, key_line) = area.split_vertically(super::plot::SIZE.1 - 40);
        let (main, side) = upper.split_horizontally(super::plot::SIZE.0 - 240);
        let mut chart = frame(
            &main,
            format!("Total cost against {}", g.axes[k].label),
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
            .x_desc(g.axes[k].label.clone())
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
        "The strategy with the lowest mean total at each point of a two-axis grid.".to_string()
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
        let (cols, rows) = (g.axes[0].size, g.axes[1].size);
        let (main, legend) = area.split_horizontally(super::plot::SIZE.0 - 260);
        let mut chart = grid_frame(&main, "Cheapest strategy at each point".to_string(), g)?;
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

/// `sweep-map-<n>`: for a grid of two axes, strategy n's mean total at each point (n counts
/// from 1, pay-as-you-go first), its value printed in the cell and its lowest cell framed.
struct CostMap(usize);

/// A cell's colour for a cost `t` of the way from the map's lowest (0) to its highest (1):
/// pale yellow to dark red, so the cheap corner reads as light.
fn cost_color(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 3] = [
        (255.0, 255.0, 204.0),
        (253.0, 141.0, 60.0),
        (189.0, 0.0, 38.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (a, b, u) = if t <= 0.5 {
        (STOPS[0], STOPS[1], t * 2.0)
    } else {
        (STOPS[1], STOPS[2], t * 2.0 - 1.0)
    };
    let mix = |x: f64, y: f64| (x + (y - x) * u).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// An amount for a cell: whole units from 10,000 up, else with cents.
fn cell_amount(v: f64) -> String {
    if v.abs() >= 10_000.0 {
        super::plot::money_tick(&v)
    } else {
        super::summary::cents(v)
    }
}

impl Chart<SweepView> for CostMap {
    fn name(&self) -> String {
        format!("sweep-map-{}", self.0 + 1)
    }

    fn caption(&self) -> String {
        format!(
            "Strategy {}'s mean total at each point of a two-axis grid; its lowest is framed.",
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
        let s = self.0;
        let name = &g.names()[s];
        let (cols, rows) = (g.axes[0].size, g.axes[1].size);
        let mean =
            |c: usize, r: usize| g.points[g.point_at(&[c, r])].stats.strategies[s].total.mean;
        let all: Vec<f64> = (0..cols)
            .flat_map(|c| (0..rows).map(move |r| (c, r)))
            .map(|(c, r)| mean(c, r))
            .collect();
        let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (main, legend) = area.split_horizontally(super::plot::SIZE.0 - 220);
        let mut chart = grid_frame(&main, format!("Mean total of {name} at each point"), g)?;
        // The lowest cell as the sweep's summary names it: the lower mean NPV among equal
        // means, then the first in grid order.
        let key = |c: usize, r: usize| {
            let st = &g.points[g.point_at(&[c, r])].stats.strategies[s];
            (st.total.mean, st.npv_mean)
        };
        let mut best = (0, 0);
        for c in 0..cols {
            for r in 0..rows {
                if super::results::by_cost(key(c, r), key(best.0, best.1)).is_lt() {
                    best = (c, r);
                }
            }
        }
        let centred = small_font().pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ));
        for c in 0..cols {
            for r in 0..rows {
                let t = if hi > lo {
                    (mean(c, r) - lo) / (hi - lo)
                } else {
                    0.0
                };
                let (x, y) = (c as f64, r as f64);
                chart
                    .draw_series([
                        Rectangle::new(
                            [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                            cost_color(t).filled(),
                        ),
                        Rectangle::new(
                            [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                            ShapeStyle::from(WHITE).stroke_width(2),
                        ),
                    ])
                    .map_err(|e| anyhow!("{e}"))?;
                if cols * rows <= 144 {
                    let ink = if t > 0.6 { WHITE } else { BLACK };
                    chart
                        .draw_series(std::iter::once(Text::new(
                            cell_amount(mean(c, r)),
                            (x, y),
                            centred.clone().color(&ink),
                        )))
                        .map_err(|e| anyhow!("{e}"))?;
                }
            }
        }
        let (x, y) = (best.0 as f64, best.1 as f64);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x - 0.46, y - 0.46), (x + 0.46, y + 0.46)],
                ShapeStyle::from(BLACK).stroke_width(4),
            )))
            .map_err(|e| anyhow!("{e}"))?;
        // The colour scale: lowest at the bottom, highest at the top.
        let (top, height) = (90i32, 400i32);
        legend
            .draw_text(
                &format!("Mean total ({})", g.currency()),
                &small_font(),
                (10, 60),
            )
            .map_err(|e| anyhow!("{e}"))?;
        for i in 0..height {
            let t = 1.0 - f64::from(i) / f64::from(height - 1);
            legend
                .draw(&Rectangle::new(
                    [(10, top + i), (40, top + i + 1)],
                    cost_color(t).filled(),
                ))
                .map_err(|e| anyhow!("{e}"))?;
        }
        for (text, at) in [(cell_amount(hi), top), (cell_amount(lo), top + height - 16)] {
            legend
                .draw_text(&text, &small_font(), (48, at))
                .map_err(|e| anyhow!("{e}"))?;
        }
        legend
            .draw(&Rectangle::new(
                [(10, top + height + 30), (40, top + height + 50)],
                ShapeStyle::from(BLACK).stroke_width(3),
            ))
            .map_err(|e| anyhow!("{e}"))?;
        legend
            .draw_text("lowest", &small_font(), (48, top + height + 32))
            .map_err(|e| anyhow!("{e}"))?;
        Ok(())
    }
}

/// The frame of a map of a two-axis grid: axis 1 across, axis 2 up, a cell per point,
/// labelled with the axes' values.
fn grid_frame<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: String,
    g: &SweepView,
) -> anyhow::Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
> {
    let (cols, rows) = (g.axes[0].size, g.axes[1].size);
    let text = |k: usize| -> Vec<String> { g.values(k).into_iter().map(|v| v.text).collect() };
    let mut chart = ChartBuilder::on(area)
        .caption(title, title_font())
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
    let (fx, fy) = (label(text(0)), label(text(1)));
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(cols)
        .y_labels(rows)
        .x_desc(g.axes[0].label.clone())
        .y_desc(g.axes[1].label.clone())
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .axis_desc_style(label_font())
        .label_style(small_font())
        .draw()
        .map_err(|e| anyhow!("{e}"))?;
    Ok(chart)
}
