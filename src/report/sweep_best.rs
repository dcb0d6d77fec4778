//! What a sweep answers: for each strategy, the point of the grid with the lowest mean total
//! and the one with the lowest CVaR95, and a warning when such a point lies on the edge of a
//! numeric axis (the optimum may lie beyond the grid). Written as `sweep.md`, for a person,
//! and `sweep-optimum.csv`, for a program; the warnings also go to stderr.

use super::results::StrategyStats;
use super::summary::cents;
use super::sweep_view::SweepView;
use crate::output::{self, Output};
use std::fmt::Write as _;
use std::path::Path;

/// What a best point minimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// The mean total over the trials.
    Mean,
    /// The mean of the worst 5% of trials.
    Cvar95,
}

impl Measure {
    /// Both measures, in the order they are reported.
    pub const ALL: [Measure; 2] = [Measure::Mean, Measure::Cvar95];

    /// Its name in sentences and tables.
    pub fn text(self) -> &'static str {
        match self {
            Measure::Mean => "mean",
            Measure::Cvar95 => "CVaR95",
        }
    }

    /// Its name in `sweep-optimum.csv` (and `sweep.csv`'s column).
    pub fn column(self) -> &'static str {
        match self {
            Measure::Mean => "mean",
            Measure::Cvar95 => "cvar95",
        }
    }

    /// Its value for one strategy at one point.
    pub fn of(self, s: &StrategyStats) -> f64 {
        match self {
            Measure::Mean => s.total.mean,
            Measure::Cvar95 => s.total.cvar95,
        }
    }
}

/// Where a best point lies on one axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Inside the values, or on an axis whose edge says nothing (one that is not numeric, or
    /// has fewer than three values).
    Inside,
    /// The strategy's figure is the same at every value of the axis, the other axes as at the
    /// best point: the axis does not matter to it.
    NoEffect,
    /// The smallest number of a numeric axis.
    Smallest,
    /// The largest number of a numeric axis.
    Largest,
    /// The first value of a together axis of numbers (its values are a path, read in order).
    First,
    /// The last value of a together axis of numbers.
    Last,
}

impl Place {
    /// True on an edge the optimum may lie beyond.
    pub fn is_edge(self) -> bool {
        matches!(
            self,
            Place::Smallest | Place::Largest | Place::First | Place::Last
        )
    }

    fn text(self) -> &'static str {
        match self {
            Place::Inside => "inside",
            Place::NoEffect => "no effect",
            Place::Smallest => "smallest",
            Place::Largest => "largest",
            Place::First => "first",
            Place::Last => "last",
        }
    }
}

/// The best point of one strategy by one measure.
#[derive(Clone, Debug, PartialEq)]
pub struct Optimum {
    /// The strategy, by position (`payg` first).
    pub strategy: usize,
    /// What it minimises.
    pub measure: Measure,
    /// The point: the lowest figure, the first in grid order among equal ones.
    pub point: usize,
    /// Where it lies on each axis.
    pub places: Vec<Place>,
}

/// The best points of every strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct Best {
    /// By strategy (`payg` first), then by measure (mean, CVaR95).
    pub optima: Vec<Optimum>,
    /// The numeric axes of two values, on whose edge every best value lies.
    pub two_values: Vec<usize>,
}

/// True when every value of every key of axis `k` is a number.
/// True when axis `k` sweeps a purchase (a key under `strategy`): a decision, whose best value
/// on the grid's edge may mean a better one lies beyond. An axis of the fleet or the prices is
/// a what-if: its cheapest value is no optimum to look beyond.
fn decision(view: &SweepView, k: usize) -> bool {
    view.keys[view.axes[k].keys.clone()]
        .iter()
        .any(|key| key.starts_with("strategy"))
}

fn numeric(view: &SweepView, k: usize) -> bool {
    (0..view.axes[k].size).all(|v| view.key_values(k, v).iter().all(|x| x.numeric().is_some()))
}

impl Best {
    /// The best points of `view`.
    pub fn of(view: &SweepView) -> Best {
        let strategies = view.names().len();
        // The measure, then the mean NPV: equal totals (an all-upfront and a monthly purchase of
        // one price) go to the one that pays later, as a run's verdict ranks them.
        let figure = |p: usize, s: usize, m: Measure| {
            let st = &view.points[p].stats.strategies[s];
            (m.of(st), st.npv_mean)
        };
        let mut optima = Vec::new();
        for s in 0..strategies {
            for m in Measure::ALL {
                let mut point = 0;
                for p in 1..view.points.len() {
                    if super::results::by_cost(figure(p, s, m), figure(point, s, m)).is_lt() {
                        point = p;
                    }
                }
                let at = view.coordinates(point);
                let places = (0..view.axes.len())
                    .map(|k| {
                        let axis = &view.axes[k];
                        let along = |v: usize| {
                            let mut c = at.clone();
                            c[k] = v;
                            figure(view.point_at(&c), s, m)
                        };
                        if axis.size >= 2 && (0..axis.size).all(|v| along(v) == along(at[k])) {
                            return Place::NoEffect;
                        }
                        if axis.size < 3 || !numeric(view, k) || !decision(view, k) {
                            return Place::Inside;
                        }
                        if axis.together {
                            return match at[k] {
                                0 => Place::First,
                                v if v + 1 == axis.size => Place::Last,
                                _ => Place::Inside,
                            };
                        }
                        let numbers: Vec<f64> =
                            view.values(k).iter().filter_map(|x| x.numeric()).collect();
                        let lo = numbers.iter().copied().fold(f64::INFINITY, f64::min);
                        let hi = numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        match numbers[at[k]] {
                            _ if lo == hi => Place::Inside,
                            x if x == lo => Place::Smallest,
                            x if x == hi => Place::Largest,
                            _ => Place::Inside,
                        }
                    })
                    .collect();
                optima.push(Optimum {
                    strategy: s,
                    measure: m,
                    point,
                    places,
                });
            }
        }
        let two_values = (0..view.axes.len())
            .filter(|&k| view.axes[k].size == 2 && numeric(view, k) && decision(view, k))
            .collect();
        Best { optima, two_values }
    }

    /// The warnings, one line each: a best value on a numeric axis's edge (one line when the
    /// mean and the CVaR95 agree), then one line for the axes of two values.
    pub fn warnings(&self, view: &SweepView) -> Vec<String> {
        let names = view.names();
        let mut out = Vec::new();
        for pair in self.optima.chunks(2) {
            for k in 0..view.axes.len() {
                let edges: Vec<&Optimum> = pair.iter().filter(|o| o.places[k].is_edge()).collect();
                let value = |o: &Optimum| value_text(view, k, view.coordinates(o.point)[k]);
                let by = match edges.as_slice() {
                    [] => continue,
                    [a, b] if value(a) == value(b) && a.places[k] == b.places[k] => {
                        format!("by {} and by {}", a.measure.text(), b.measure.text())
                    }
                    _ => {
                        for o in &edges {
                            out.push(edge_warning(
                                view,
                                &names,
                                o,
                                k,
                                &format!("by {}", o.measure.text()),
                            ));
                        }
                        continue;
                    }
                };
                out.push(edge_warning(view, &names, edges[0], k, &by));
            }
        }
        if !self.two_values.is_empty() {
            let labels: Vec<String> = self
                .two_values
                .iter()
                .map(|&k| view.axes[k].label.clone())
                .collect();
            out.push(format!(
                "{} {} only two values, so every best value lies on {} edge and the grid cannot tell whether the optimum lies beyond it: sweep at least three values to find out",
                labels.join(", "),
                if labels.len() == 1 { "has" } else { "have" },
                if labels.len() == 1 { "its" } else { "their" },
            ));
        }
        out
    }
}

fn edge_warning(view: &SweepView, names: &[String], o: &Optimum, k: usize, by: &str) -> String {
    let place = o.places[k];
    format!(
        "{}: the best {} {by}, {}, is the {} value swept: the optimum may lie beyond the grid",
        names[o.strategy],
        view.axes[k].label,
        value_text(view, k, view.coordinates(o.point)[k]),
        place.text()
    )
}

/// Axis `k`'s `v`-th value in words: a plain key's value; for a together axis, its position and
/// each key's value.
fn value_text(view: &SweepView, k: usize, v: usize) -> String {
    let axis = &view.axes[k];
    if !axis.together {
        return view.key_values(k, v)[0].text.clone();
    }
    let keys: Vec<String> = axis
        .keys
        .clone()
        .zip(view.key_values(k, v))
        .map(|(key, x)| format!("{} = {}", view.key_label(key), x.text))
        .collect();
    format!("value {} of {} ({})", v + 1, axis.size, keys.join(", "))
}

/// A markdown table cell: a `|` would end it.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `sweep.md`: the grid, the best point of each strategy, the warnings and the files.
pub struct SweepMarkdown;

impl SweepMarkdown {
    /// The text of `sweep.md`.
    pub fn text(view: &SweepView) -> String {
        let best = Best::of(view);
        let names = view.names();
        let stats = &view.points[0].stats;
        let mut out = String::new();
        let _ = writeln!(out, "# Sweep of {}\n", stats.scenario);
        let _ = writeln!(
            out,
            "{} point{} over {}; {} trials a point (seed {}, the same trials at every point); amounts in {}.\n",
            view.points.len(),
            if view.points.len() == 1 { "" } else { "s" },
            view.axes
                .iter()
                .map(|a| format!("{} ({} values)", a.label, a.size))
                .collect::<Vec<_>>()
                .join(" x "),
            stats.trials,
            stats.seed,
            view.currency()
        );
        let _ = writeln!(out, "## Axes\n");
        for (k, axis) in view.axes.iter().enumerate() {
            if axis.together {
                let _ = writeln!(
                    out,
                    "- **{}**: a together axis; its keys take their i-th values together:",
                    axis.label
                );
                for key in axis.keys.clone() {
                    let values: Vec<String> = (0..axis.size)
                        .map(|v| view.key_values(k, v)[key - axis.keys.start].text.clone())
                        .collect();
                    let _ = writeln!(
                        out,
                        "  - {} (`{}`): {}",
                        view.key_label(key),
                        view.keys[key],
                        values.join(", ")
                    );
                }
            } else {
                let values: Vec<String> = view.values(k).into_iter().map(|x| x.text).collect();
                let _ = writeln!(
                    out,
                    "- **{}** (`{}`): {}",
                    axis.label,
                    axis.name,
                    values.join(", ")
                );
            }
        }
        let _ = writeln!(out, "\n## Best point of each strategy\n");
        let _ = writeln!(
            out,
            "For each strategy, the point with the lowest mean total and the point with the lowest CVaR95 (the mean of the worst 5% of trials); among equal figures, the one with the lower mean NPV (the same cost paid later), then the first point in grid order. \"any\": the strategy's figure and NPV are the same at every value of that axis, the other axes as at its best point.\n"
        );
        let mut header = vec!["strategy".to_string(), "lowest".to_string()];
        header.extend(view.axes.iter().map(|a| cell(&a.label)));
        header.extend([
            "mean".to_string(),
            "CVaR95".to_string(),
            "NPV".to_string(),
            "point".to_string(),
        ]);
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let mut rule = vec!["---", "---"];
        rule.extend(view.axes.iter().map(|_| "---"));
        rule.extend(["---:", "---:", "---:", "---:"]);
        let _ = writeln!(out, "| {} |", rule.join(" | "));
        for o in &best.optima {
            let at = view.coordinates(o.point);
            let mut row = vec![cell(&names[o.strategy]), o.measure.text().to_string()];
            for (k, place) in o.places.iter().enumerate() {
                row.push(match place {
                    Place::NoEffect => "any".to_string(),
                    _ if view.axes[k].together => {
                        cell(&format!("{}: {}", at[k] + 1, view.values(k)[at[k]].text))
                    }
                    _ => cell(&view.key_values(k, at[k])[0].text),
                });
            }
            let st = &view.points[o.point].stats.strategies[o.strategy];
            row.extend([
                cents(st.total.mean),
                cents(st.total.cvar95),
                cents(st.npv_mean),
                o.point.to_string(),
            ]);
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        let _ = writeln!(out, "\n## Warnings\n");
        let warnings = best.warnings(view);
        if warnings.is_empty() {
            let _ = writeln!(
                out,
                "None: no best value lies on the edge of a numeric purchase axis of three values or more."
            );
        }
        for w in &warnings {
            let _ = writeln!(out, "- {w}");
        }
        let _ = writeln!(out, "\n## Files\n");
        let _ = writeln!(
            out,
            "- `sweep.csv`: a row per point and strategy, the swept values (columns named by key path) then the statistics."
        );
        let _ = writeln!(
            out,
            "- `sweep-optimum.csv`: the table above for programs, a row per strategy and measure."
        );
        for chart in super::sweep_plot::SweepCharts::charts(view) {
            let name = chart.name();
            let caption = match name
                .strip_prefix("sweep-map-")
                .and_then(|n| n.parse::<usize>().ok())
            {
                Some(n) => format!(
                    "Mean total of {} at each point; its lowest is framed.",
                    names[n - 1]
                ),
                None => chart.caption(),
            };
            let _ = writeln!(out, "- `{name}.png`, `{name}.svg`: {caption}");
        }
        out
    }
}

impl Output<SweepView> for SweepMarkdown {
    fn owns(&self, name: &str) -> bool {
        name == "sweep.md"
    }

    fn write(&mut self, dir: &Path, view: &SweepView) -> anyhow::Result<()> {
        output::write(dir, "sweep.md", SweepMarkdown::text(view).as_bytes())?;
        Ok(())
    }
}

/// `sweep-optimum.csv`: a row per strategy and measure: the best point and its values (the
/// columns of `sweep.csv`), its mean and CVaR95, the axes on whose edge it lies and those that
/// do not matter to the strategy.
pub struct OptimumCsv;

impl OptimumCsv {
    /// The bytes of `sweep-optimum.csv`.
    pub fn bytes(view: &SweepView) -> anyhow::Result<Vec<u8>> {
        let best = Best::of(view);
        let names = view.names();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec![
            "strategy".to_string(),
            "lowest".to_string(),
            "point".to_string(),
        ];
        for axis in &view.axes {
            if axis.together {
                header.push(axis.column());
            }
            header.extend(view.keys[axis.keys.clone()].iter().cloned());
        }
        header.extend(["mean", "cvar95", "npv_mean", "edge", "no_effect"].map(str::to_string));
        w.write_record(&header)?;
        for o in &best.optima {
            let at = view.coordinates(o.point);
            let p = &view.points[o.point];
            let mut row = vec![
                names[o.strategy].clone(),
                o.measure.column().to_string(),
                o.point.to_string(),
            ];
            for (axis, &v) in view.axes.iter().zip(&at) {
                if axis.together {
                    row.push((v + 1).to_string());
                }
                row.extend(p.values[axis.keys.clone()].iter().map(|x| x.text.clone()));
            }
            let column = |k: usize| {
                let a = &view.axes[k];
                if a.together {
                    a.column()
                } else {
                    a.name.clone()
                }
            };
            let st = &p.stats.strategies[o.strategy];
            row.extend([
                cents(st.total.mean),
                cents(st.total.cvar95),
                cents(st.npv_mean),
                (0..view.axes.len())
                    .filter(|&k| o.places[k].is_edge())
                    .map(|k| format!("{}={}", column(k), o.places[k].text()))
                    .collect::<Vec<_>>()
                    .join(";"),
                (0..view.axes.len())
                    .filter(|&k| o.places[k] == Place::NoEffect)
                    .map(column)
                    .collect::<Vec<_>>()
                    .join(";"),
            ]);
            w.write_record(&row)?;
        }
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
    }
}

impl Output<SweepView> for OptimumCsv {
    fn owns(&self, name: &str) -> bool {
        name == "sweep-optimum.csv"
    }

    fn write(&mut self, dir: &Path, view: &SweepView) -> anyhow::Result<()> {
        output::write(dir, "sweep-optimum.csv", &OptimumCsv::bytes(view)?)?;
        Ok(())
    }
}
