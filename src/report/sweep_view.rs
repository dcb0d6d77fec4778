//! A finished sweep as plain data (the swept keys, the axes they form, their values and each
//! point's statistics), and `sweep.csv`, a row per point and strategy.

use super::results::RunStats;
use super::summary::cents;
use crate::output::{self, Output};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One value of a swept key.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SweptValue {
    /// As written in the scenario; a table or a list in TOML's inline form
    /// (`{ dist = "lognormal", median = 5, sigma = 0.3 }`).
    pub text: String,
    /// The value when it is a number, to place it on a chart's axis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<f64>,
}

/// A `[sweep.together.NAME]` axis in a sweep's fingerprint: the swept keys `first` to
/// `first + count - 1` take their i-th values together.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Together {
    /// The axis's NAME.
    pub name: String,
    /// Its first key, an index into the swept keys.
    pub first: usize,
    /// Its number of keys.
    pub count: usize,
}

impl SweptValue {
    /// The value as a number, to place it on an axis: a TOML number, or a string of a decimal
    /// number such as a price (`"0.10"`).
    pub fn numeric(&self) -> Option<f64> {
        self.number.or_else(|| {
            rust_decimal::Decimal::from_str_exact(&self.text)
                .ok()
                .and_then(|d| rust_decimal::prelude::ToPrimitive::to_f64(&d))
        })
    }
}

/// One point of the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    /// The value of each swept key.
    pub values: Vec<SweptValue>,
    /// Its statistics.
    pub stats: RunStats,
}

/// One axis of the grid: a swept key, or the keys of a together group.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepAxis {
    /// The key path of a plain key, NAME of a together group.
    pub name: String,
    /// What a person reads: the entry and field (`ri-1y count`), or a together group's NAME.
    pub label: String,
    /// True for a `[sweep.together.NAME]` group.
    pub together: bool,
    /// The swept keys it sets (indices into [`SweepView::keys`]).
    pub keys: std::ops::Range<usize>,
    /// Number of values.
    pub size: usize,
}

impl SweepAxis {
    /// The column of `sweep.csv` that holds a together axis's position (1-based): the group's
    /// key path, which no scenario key path and no statistic is called.
    pub fn column(&self) -> String {
        crate::scenario::read::join_key("sweep.together", &self.name)
    }
}

/// Every point of a sweep, in grid order (the last axis varies fastest). The grid is complete:
/// at least one axis, every axis with at least one value, one point per combination, every
/// point with a value per key and the same strategies.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepView {
    /// The swept key paths, in grid order (a together group's keys next to each other).
    pub keys: Vec<String>,
    /// The axes, in grid order.
    pub axes: Vec<SweepAxis>,
    /// The points.
    pub points: Vec<SweepPoint>,
}

impl SweepView {
    /// The view of `points` (in grid order) of a grid of `keys` with `sizes` values each,
    /// grouped into axes by `together`, as a checked fingerprint describes them.
    pub fn new(
        keys: &[String],
        sizes: &[usize],
        together: &[Together],
        points: Vec<SweepPoint>,
    ) -> SweepView {
        let mut axes = Vec::new();
        let mut k = 0;
        while k < keys.len() {
            let axis = match together.iter().find(|t| t.first == k) {
                Some(t) => SweepAxis {
                    name: t.name.clone(),
                    label: String::new(),
                    together: true,
                    keys: k..k + t.count,
                    size: sizes[k],
                },
                None => SweepAxis {
                    name: keys[k].clone(),
                    label: String::new(),
                    together: false,
                    keys: k..k + 1,
                    size: sizes[k],
                },
            };
            k = axis.keys.end;
            axes.push(axis);
        }
        let labels = axis_labels(axes.iter().map(|a| (a.name.as_str(), a.together)));
        for (a, label) in axes.iter_mut().zip(labels) {
            a.label = label;
        }
        SweepView {
            keys: keys.to_vec(),
            axes,
            points,
        }
    }

    /// Number of values of each axis.
    pub fn sizes(&self) -> Vec<usize> {
        self.axes.iter().map(|a| a.size).collect()
    }

    /// The point at given value indices.
    pub fn point_at(&self, coordinates: &[usize]) -> usize {
        point_at(&self.sizes(), coordinates)
    }

    /// The value index on each axis of point `i`.
    pub fn coordinates(&self, mut i: usize) -> Vec<usize> {
        let mut out = vec![0; self.axes.len()];
        for (k, axis) in self.axes.iter().enumerate().rev() {
            out[k] = i % axis.size;
            i /= axis.size;
        }
        out
    }

    /// The values of axis `k`'s keys at its `v`-th value.
    pub fn key_values(&self, k: usize, v: usize) -> &[SweptValue] {
        let mut c = vec![0; self.axes.len()];
        c[k] = v;
        &self.points[self.point_at(&c)].values[self.axes[k].keys.clone()]
    }

    /// The values of axis `k`, in order, as a person reads them: a plain key's value, or a
    /// together group's values joined by " / ".
    pub fn values(&self, k: usize) -> Vec<SweptValue> {
        (0..self.axes[k].size)
            .map(|v| {
                let values = self.key_values(k, v);
                if self.axes[k].together {
                    SweptValue {
                        text: values
                            .iter()
                            .map(|x| x.text.as_str())
                            .collect::<Vec<_>>()
                            .join(" / "),
                        number: None,
                    }
                } else {
                    values[0].clone()
                }
            })
            .collect()
    }

    /// `label = value` of axis `k` at its `v`-th value; a together group names each key.
    pub fn describe_value(&self, k: usize, v: usize) -> String {
        let axis = &self.axes[k];
        if !axis.together {
            return format!("{} = {}", axis.label, self.key_values(k, v)[0].text);
        }
        let keys: Vec<String> = axis
            .keys
            .clone()
            .zip(self.key_values(k, v))
            .map(|(key, x)| format!("{} = {}", self.key_label(key), x.text))
            .collect();
        format!(
            "{} {} of {} ({})",
            axis.label,
            v + 1,
            axis.size,
            keys.join(", ")
        )
    }

    /// Swept key `key` as a person reads it.
    pub fn key_label(&self, key: usize) -> String {
        key_label(&self.keys[key])
    }

    /// The strategies' names, `payg` first.
    pub fn names(&self) -> Vec<String> {
        self.points[0]
            .stats
            .strategies
            .iter()
            .map(|s| s.name.clone())
            .collect()
    }

    /// The currency of every amount.
    pub fn currency(&self) -> &str {
        &self.points[0].stats.currency
    }
}

/// A key path as a person reads it (`ri-1y count`); a path capsim cannot read stays as it is.
pub fn key_label(key: &str) -> String {
    crate::scenario::sweep::parse_path(key)
        .map_or_else(|_| key.to_string(), |p| crate::scenario::sweep::label(&p))
}

/// The labels of axes given as (name, together): a together axis's NAME, a plain key's
/// [`key_label`]; two plain keys of one entry and field (the counts of `reserve[0]` and
/// `subscribe[0]`) would read alike, so they keep their key paths.
pub fn axis_labels<'a>(axes: impl Iterator<Item = (&'a str, bool)>) -> Vec<String> {
    let axes: Vec<(&str, bool)> = axes.collect();
    let short: Vec<String> = axes
        .iter()
        .map(|&(name, together)| {
            if together {
                name.to_string()
            } else {
                key_label(name)
            }
        })
        .collect();
    axes.iter()
        .zip(&short)
        .map(|(&(name, together), label)| {
            if !together && short.iter().filter(|l| *l == label).count() > 1 {
                name.to_string()
            } else {
                label.clone()
            }
        })
        .collect()
}

/// The index of the point at given value indices of a grid of `sizes` (the last axis varies
/// fastest).
pub fn point_at(sizes: &[usize], coordinates: &[usize]) -> usize {
    coordinates
        .iter()
        .zip(sizes)
        .fold(0, |acc, (c, size)| acc * size + c)
}

/// The columns of `sweep.csv` after the swept keys.
const COLUMNS: [&str; 21] = [
    "strategy",
    "mean",
    "ci95_lo",
    "ci95_hi",
    "sd",
    "p5",
    "p25",
    "p50",
    "p75",
    "p95",
    "p99",
    "cvar95",
    "cash_total_mean",
    "npv_mean",
    "savings_mean",
    "savings_ci95_lo",
    "savings_ci95_hi",
    "savings_percent",
    "share_saving",
    "p_cheapest",
    "utilization_mean",
];

/// `sweep.csv`: a row per point and strategy, the swept values then the statistics, formatted
/// as in `summary.json`.
pub struct SweepCsv;

impl SweepCsv {
    /// The bytes of `sweep.csv`.
    pub fn bytes(view: &SweepView) -> anyhow::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["point".to_string()];
        for axis in &view.axes {
            if axis.together {
                header.push(axis.column());
            }
            header.extend(view.keys[axis.keys.clone()].iter().cloned());
        }
        header.extend(COLUMNS.iter().map(|c| c.to_string()));
        header.push("break_even_month".to_string());
        w.write_record(&header)?;
        for (i, p) in view.points.iter().enumerate() {
            for st in &p.stats.strategies {
                let mut row = vec![i.to_string()];
                for (axis, v) in view.axes.iter().zip(view.coordinates(i)) {
                    if axis.together {
                        row.push((v + 1).to_string());
                    }
                    row.extend(p.values[axis.keys.clone()].iter().map(|x| x.text.clone()));
                }
                let (t, sv) = (&st.total, &st.savings_vs_payg);
                row.extend([
                    st.name.clone(),
                    cents(t.mean),
                    cents(t.ci95.0),
                    cents(t.ci95.1),
                    cents(t.sd),
                    cents(t.p5),
                    cents(t.p25),
                    cents(t.p50),
                    cents(t.p75),
                    cents(t.p95),
                    cents(t.p99),
                    cents(t.cvar95),
                    crate::money::json_string(st.cash_total_mean),
                    cents(st.npv_mean),
                    cents(sv.mean),
                    cents(sv.ci95.0),
                    cents(sv.ci95.1),
                    sv.percent.map_or(String::new(), |p| format!("{p:.4}")),
                    format!("{:.6}", sv.share_saving),
                    format!("{:.6}", st.p_cheapest),
                    format!("{:.6}", st.utilization_mean),
                    st.break_even_month.map_or(String::new(), |m| m.to_string()),
                ]);
                w.write_record(&row)?;
            }
        }
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
    }
}

impl Output<SweepView> for SweepCsv {
    fn owns(&self, name: &str) -> bool {
        name == "sweep.csv"
    }

    fn write(&mut self, dir: &Path, view: &SweepView) -> anyhow::Result<()> {
        output::write(dir, "sweep.csv", &SweepCsv::bytes(view)?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::axis_labels;

    #[test]
    fn axes_read_as_entry_and_field_unless_two_would_read_alike() {
        let axes = [
            ("strategy[\"ri-1y\"].reserve[0].count", false),
            ("fleet[\"web\"].arrivals.rate_per_hour", false),
            ("instance_type[\"m5.large\"].payg_hourly", false),
            ("scenario.horizon", false),
            ("strategy[1].reserve[0].count", false),
            ("mix", true),
            ("vars.growth", false),
            ("vars.migrate.weights", false),
        ];
        assert_eq!(
            axis_labels(axes.iter().copied()),
            [
                "ri-1y count",
                "web rate_per_hour",
                "m5.large payg_hourly",
                "scenario horizon",
                "strategy[1] count",
                "mix",
                "growth",
                "migrate weights"
            ]
        );
        let alike = [
            ("strategy[\"ri\"].reserve[0].count", false),
            ("strategy[\"ri\"].subscribe[0].count", false),
        ];
        assert_eq!(
            axis_labels(alike.iter().copied()),
            alike.map(|(k, _)| k.to_string())
        );
    }
}
