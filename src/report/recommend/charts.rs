//! The charts of a recommendation (docs/spec.md, section 12), drawn like a run's charts
//! (`report::plot`): `savings-curve`, each offer's expected saving against its count, and
//! `frontier`, the mean against CVaR95 of the best portfolio for each objective and of the
//! scenario's strategies.

use crate::recommend::{Counts, Recommendation, float};
use crate::report::plot::{
    Chart, MAJOR_GRID, MINOR_GRID, Picture, color, frame, horizon_words, label_font, legend,
    legend_rows, money_tick, padded_range, small_font,
};
use crate::scenario::{Objective, Scenario};
use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One offer's cost curve, as the chart draws it.
pub struct Curve {
    /// The offer's label.
    pub label: String,
    /// Its colour.
    pub color: RGBColor,
    /// Per count on the curve: (count, mean saving, half-width of its 95% CI).
    pub points: Vec<(f64, f64, f64)>,
    /// The count chosen, with its mean saving.
    pub chosen: Option<(f64, f64)>,
}

/// What a point of the frontier chart stands for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mark {
    /// Pay-as-you-go or a strategy of the file, in its run colour.
    Strategy(RGBColor),
    /// The best portfolio for an objective other than the recommendation.
    Portfolio,
    /// The recommendation.
    Recommended(RGBColor),
}

/// A point of the frontier chart: a portfolio or a strategy on the search trials.
pub struct Point {
    /// Its label on the chart.
    pub label: String,
    /// Mean total.
    pub mean: f64,
    /// CVaR95 of the total.
    pub cvar95: f64,
    /// What it is.
    pub mark: Mark,
}

/// Everything the charts of a recommendation draw.
pub struct Plot {
    /// The scenario's currency.
    pub currency: String,
    /// The horizon in words, for titles.
    pub horizon: String,
    /// The curves of the offers that may be bought (`max_count` > 0).
    pub curves: Vec<Curve>,
    /// The frontier chart's points: the strategies first, then the portfolios.
    pub points: Vec<Point>,
}

impl Plot {
    /// Gathers the data of a recommendation.
    pub fn new(s: &Scenario, f: &Recommendation) -> Plot {
        let curves = f
            .offers
            .iter()
            .enumerate()
            .filter(|(_, o)| o.offer.max_count > 0)
            .map(|(i, o)| Curve {
                label: o.offer.label.clone(),
                // After pay-as-you-go's grey, in the offers' order, whichever are shown.
                color: color(i + 1),
                points: o
                    .curve
                    .iter()
                    .map(|p| {
                        (
                            f64::from(p.counts[i]),
                            p.saving_mean,
                            p.saving_ci95_half_width,
                        )
                    })
                    .collect(),
                chosen: o
                    .curve
                    .iter()
                    .find(|p| p.counts[i] == o.count)
                    .map(|p| (f64::from(o.count), p.saving_mean)),
            })
            .collect();
        let mut points: Vec<Point> = f
            .strategies_in_sample
            .iter()
            .enumerate()
            .map(|(i, (name, scored))| Point {
                label: name.clone(),
                mean: float(scored.mean),
                cvar95: float(scored.cvar95),
                mark: Mark::Strategy(color(i)),
            })
            .collect();
        let recommended = color(f.check.recommended);
        for (counts, objectives, mean, cvar95) in portfolios(f) {
            let best_for = objectives
                .iter()
                .map(Objective::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let (label, mark) = if counts == f.in_sample.counts {
                let label = if best_for.is_empty() {
                    f.strategy.name.clone()
                } else {
                    format!("{} (best for {best_for})", f.strategy.name)
                };
                (label, Mark::Recommended(recommended))
            } else {
                (format!("best for {best_for}"), Mark::Portfolio)
            };
            points.push(Point {
                label,
                mean,
                cvar95,
                mark,
            });
        }
        Plot {
            currency: s.currency.clone(),
            horizon: horizon_words(s),
            curves,
            points,
        }
    }
}

/// The frontier's distinct portfolios with the objectives each is best for, and the
/// recommendation even when another portfolio billed scores better (the heuristic search
/// need not find the optimum): (counts, objectives, mean, CVaR95).
fn portfolios(f: &Recommendation) -> Vec<(Counts, Vec<Objective>, f64, f64)> {
    let mut out: Vec<(Counts, Vec<Objective>, f64, f64)> = Vec::new();
    for (o, s) in Objective::ALL.iter().zip(&f.frontier) {
        match out.iter_mut().find(|p| p.0 == s.counts) {
            Some(p) => p.1.push(*o),
            None => out.push((s.counts.clone(), vec![*o], float(s.mean), float(s.cvar95))),
        }
    }
    if !out.iter().any(|p| p.0 == f.in_sample.counts) {
        out.push((
            f.in_sample.counts.clone(),
            Vec::new(),
            float(f.in_sample.mean),
            float(f.in_sample.cvar95),
        ));
    }
    out
}

/// The charts of a recommendation, in the report's order.
pub fn charts() -> Vec<Box<dyn Picture<Plot>>> {
    vec![Box::new(SavingsCurve), Box::new(Frontier)]
}

/// `savings-curve`: per offer, the mean saving against pay-as-you-go over the search trials
/// when its count varies and the other offers stay at their chosen counts, with the 95% CI
/// as a band and a dot at the count chosen.
pub struct SavingsCurve;

impl Chart<Plot> for SavingsCurve {
    fn name(&self) -> String {
        "savings-curve".to_string()
    }

    fn caption(&self) -> String {
        "Expected saving against pay-as-you-go on the search trials as each offer's count varies, the other offers at their chosen counts: 95% CI band, a dot at the count chosen.".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        d: &Plot,
    ) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        // The offers' labels are long: they go in rows below the chart, never over a curve.
        let rows = d.curves.len().min(KEY_ROWS) as u32;
        let key_height = 28 * rows + 16;
        let (main, key) = area.split_vertically(crate::report::plot::SIZE.1 - key_height);
        let most = d
            .curves
            .iter()
            .flat_map(|c| c.points.iter().map(|p| p.0))
            .fold(1.0f64, f64::max);
        let x = padded_range([0.0, most].into_iter());
        let y = padded_range(
            d.curves
                .iter()
                .flat_map(|c| c.points.iter().flat_map(|p| [p.1 - p.2, p.1 + p.2]))
                .chain(std::iter::once(0.0)),
        );
        let mut chart = frame(
            &main,
            format!(
                "Expected saving against pay-as-you-go by count, {}",
                d.horizon
            ),
            x.clone(),
            y.clone(),
            110,
        )?;
        chart
            .configure_mesh()
            .light_line_style(MINOR_GRID)
            .bold_line_style(MAJOR_GRID)
            .x_desc("Count bought of the offer (the other offers at their chosen counts)")
            .y_desc(format!(
                "Mean saving over the search trials ({}); more is better",
                d.currency
            ))
            .x_label_formatter(&|v| {
                // Counts are whole: a tick between two counts gets no label.
                if (v - v.round()).abs() < 1e-9 {
                    format!("{v:.0}")
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&money_tick)
            .axis_desc_style(label_font())
            .label_style(small_font())
            .x_labels(12)
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        if y.start < 0.0 && y.end > 0.0 {
            chart
                .draw_series(LineSeries::new(
                    vec![(x.start, 0.0), (x.end, 0.0)],
                    ShapeStyle::from(BLACK.mix(0.6)).stroke_width(2),
                ))
                .map_err(|e| anyhow!("{e}"))?;
        }
        for c in &d.curves {
            let mut band: Vec<(f64, f64)> = c.points.iter().map(|p| (p.0, p.1 + p.2)).collect();
            band.extend(c.points.iter().rev().map(|p| (p.0, p.1 - p.2)));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    c.color.mix(0.15).filled(),
                )))
                .map_err(|e| anyhow!("{e}"))?;
            let style = ShapeStyle::from(c.color).stroke_width(3);
            chart
                .draw_series(LineSeries::new(c.points.iter().map(|p| (p.0, p.1)), style))
                .map_err(|e| anyhow!("{e}"))?;
            if let Some(at) = c.chosen {
                chart
                    .draw_series([
                        Circle::new(at, 8, c.color.filled()),
                        Circle::new(at, 8, ShapeStyle::from(BLACK).stroke_width(1)),
                    ])
                    .map_err(|e| anyhow!("{e}"))?;
            }
        }
        let entries: Vec<(String, RGBColor)> = d
            .curves
            .iter()
            .map(|c| {
                let label = match c.chosen {
                    Some((n, _)) => format!("{}: {n:.0} chosen", c.label),
                    None => c.label.clone(),
                };
                (label, c.color)
            })
            .collect();
        let mut entries = entries;
        if entries.len() > KEY_ROWS {
            let more = entries.len() - (KEY_ROWS - 1);
            entries.truncate(KEY_ROWS - 1);
            entries.push((
                format!("and {more} more offers: see the offers table of the report"),
                RGBColor(160, 160, 160),
            ));
        }
        legend_rows(&key, &entries, 4)
    }
}

/// The most rows of the curve chart's key: more offers would squeeze the chart away.
const KEY_ROWS: usize = 12;

/// `frontier`: the mean total against its CVaR95 on the search trials, for the best portfolio
/// of each objective and for pay-as-you-go and the file's strategies; the recommendation is
/// the large ringed dot.
pub struct Frontier;

impl Chart<Plot> for Frontier {
    fn name(&self) -> String {
        "frontier".to_string()
    }

    fn caption(&self) -> String {
        "Mean total against the mean of the worst 5% of totals (CVaR95) on the search trials: the best portfolio for each objective (squares, the recommendation ringed) and the scenario's strategies (dots).".to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        d: &Plot,
    ) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        let x = padded_range(d.points.iter().map(|p| p.cvar95));
        let y = padded_range(d.points.iter().map(|p| p.mean));
        let mut chart = frame(
            area,
            format!("Expected cost against its worst 5%, {}", d.horizon),
            x.clone(),
            y,
            110,
        )?;
        chart
            .configure_mesh()
            .light_line_style(MINOR_GRID)
            .bold_line_style(MAJOR_GRID)
            .x_desc(format!(
                "CVaR95: mean of the worst 5% of totals ({}); left is safer",
                d.currency
            ))
            .y_desc(format!(
                "Mean total, amortized ({}); lower is cheaper",
                d.currency
            ))
            .x_label_formatter(&money_tick)
            .y_label_formatter(&money_tick)
            .axis_desc_style(label_font())
            .label_style(small_font())
            .x_labels(8)
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        // The portfolios, joined from the safest to the cheapest: the trade-off between them.
        let mut frontier: Vec<(f64, f64)> = d
            .points
            .iter()
            .filter(|p| !matches!(p.mark, Mark::Strategy(_)))
            .map(|p| (p.cvar95, p.mean))
            .collect();
        frontier.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart
            .draw_series(LineSeries::new(
                frontier,
                ShapeStyle::from(BLACK.mix(0.4)).stroke_width(1),
            ))
            .map_err(|e| anyhow!("{e}"))?;
        let middle = (x.start + x.end) / 2.0;
        let mut taken: Vec<Boxed> = Vec::new();
        for p in &d.points {
            let at = (p.cvar95, p.mean);
            // A label goes beside its point, on the side towards the middle so it stays in
            // the chart, and down or up by a line until it overlaps no label placed before.
            let right = p.cvar95 <= middle;
            let (w, h) = chart
                .plotting_area()
                .estimate_text_size(&p.label, &small_font())
                .map_err(|e| anyhow!("{e}"))?;
            let (w, h) = (w as i32, h as i32);
            let (px, py) = chart.backend_coord(&at);
            // Clear of the mark: the recommendation's ring is wider.
            let gap = if matches!(p.mark, Mark::Recommended(_)) {
                24
            } else {
                14
            };
            let x0 = if right { px + gap } else { px - gap - w };
            let dy = [0, 1, -1, 2, -2, 3, -3]
                .into_iter()
                .map(|k| k * (h + 2))
                .find(|dy| {
                    let b = (x0, py + dy - h / 2, x0 + w, py + dy + h / 2);
                    !taken.iter().any(|t| overlap(t, &b))
                })
                .unwrap_or(0);
            taken.push((x0, py + dy - h / 2, x0 + w, py + dy + h / 2));
            let anchor = if right { HPos::Left } else { HPos::Right };
            let font = small_font().pos(Pos::new(anchor, VPos::Center));
            let label = Text::new(p.label.clone(), (if right { gap } else { -gap }, dy), font);
            match p.mark {
                Mark::Strategy(c) => chart.draw_series(std::iter::once(
                    EmptyElement::at(at) + Circle::new((0, 0), 7, c.filled()) + label,
                )),
                Mark::Portfolio => chart.draw_series(std::iter::once(
                    EmptyElement::at(at)
                        + Rectangle::new(
                            [(-7, -7), (7, 7)],
                            ShapeStyle::from(BLACK).stroke_width(2),
                        )
                        + label,
                )),
                Mark::Recommended(c) => chart.draw_series(std::iter::once(
                    EmptyElement::at(at)
                        + Circle::new((0, 0), 14, ShapeStyle::from(c).stroke_width(4))
                        + Rectangle::new([(-7, -7), (7, 7)], c.filled())
                        + label,
                )),
            }
            .map_err(|e| anyhow!("{e}"))?;
        }
        // The legend names the three kinds of mark, as series with no points.
        let none = || std::iter::empty::<Circle<(f64, f64), i32>>();
        chart
            .draw_series(none())
            .map_err(|e| anyhow!("{e}"))?
            .label("pay-as-you-go and the scenario's strategies")
            .legend(|(x, y)| Circle::new((x + 12, y), 6, color(0).filled()));
        chart
            .draw_series(none())
            .map_err(|e| anyhow!("{e}"))?
            .label("best portfolio for an objective")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x + 6, y - 6), (x + 18, y + 6)],
                    ShapeStyle::from(BLACK).stroke_width(2),
                )
            });
        let c = recommended_color(d);
        chart
            .draw_series(none())
            .map_err(|e| anyhow!("{e}"))?
            .label("recommended")
            .legend(move |(x, y)| Circle::new((x + 12, y), 9, ShapeStyle::from(c).stroke_width(3)));
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}

/// A label's box in pixels: left, top, right, bottom.
type Boxed = (i32, i32, i32, i32);

fn overlap(a: &Boxed, b: &Boxed) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// The recommendation's colour, for its legend entry.
fn recommended_color(d: &Plot) -> RGBColor {
    d.points
        .iter()
        .find_map(|p| match p.mark {
            Mark::Recommended(c) => Some(c),
            _ => None,
        })
        .unwrap_or(BLACK)
}
