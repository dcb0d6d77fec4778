//! A finished sweep as plain data (the swept keys, their values and each point's statistics),
//! and `sweep.csv`, a row per point and strategy.

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

/// One point of the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    /// The value of each swept key.
    pub values: Vec<SweptValue>,
    /// Its statistics.
    pub stats: RunStats,
}

/// Every point of a sweep, in grid order (the last key varies fastest). The grid is complete:
/// at least one key, every key with at least one value, one point per combination, every
/// point with a value per key and the same strategies.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepView {
    /// The swept key paths.
    pub keys: Vec<String>,
    /// Number of values of each key.
    pub sizes: Vec<usize>,
    /// The points.
    pub points: Vec<SweepPoint>,
}

impl SweepView {
    /// The point at given value indices.
    pub fn point_at(&self, coordinates: &[usize]) -> usize {
        point_at(&self.sizes, coordinates)
    }

    /// The values of key `k`, in order.
    pub fn values(&self, k: usize) -> Vec<&SweptValue> {
        (0..self.sizes[k])
            .map(|v| {
                let mut c = vec![0; self.sizes.len()];
                c[k] = v;
                &self.points[self.point_at(&c)].values[k]
            })
            .collect()
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

/// The index of the point at given value indices of a grid of `sizes` (the last key varies
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
        header.extend(view.keys.iter().cloned());
        header.extend(COLUMNS.iter().map(|c| c.to_string()));
        header.push("break_even_month".to_string());
        w.write_record(&header)?;
        for (i, p) in view.points.iter().enumerate() {
            for st in &p.stats.strategies {
                let mut row = vec![i.to_string()];
                row.extend(p.values.iter().map(|v| v.text.clone()));
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
