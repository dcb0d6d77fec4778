//! The views of `capsim demand`: tables for the terminal, `demand.csv` and the chart, all read
//! from one [`DemandStats`].

use super::demand_plot::DemandChart;
use super::plot::{Picture, is_chart_file};
use super::table::Table;
use crate::demand::{Demand, DemandStats, HOURS_OF_WEEK, Period, Row, hour_of_week_label};
use crate::output::{self, Output, OutputSet};
use crate::scenario::Scenario;
use crate::time::local_date;
use rust_decimal::Decimal;
use std::fmt::Write;
use std::path::Path;

/// What the outputs of `capsim demand` are written from.
pub struct View<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The prepared preview (its grid and series).
    pub demand: &'a Demand,
    /// The statistics.
    pub stats: &'a DemandStats,
    /// Seed of the trials.
    pub seed: u64,
}

impl View<'_> {
    /// The series shown to a reader: the fleets, and the total when there are two fleets or
    /// more (with one it repeats the fleet).
    pub fn shown(&self) -> Vec<usize> {
        let n = self.stats.names.len();
        if n == 2 { vec![0] } else { (0..n).collect() }
    }

    /// Series `s`'s row of a period, if the horizon holds it.
    pub fn row(&self, s: usize, p: Period) -> Option<&Row> {
        self.demand.grid.index(p).map(|i| &self.stats.rows[s][i])
    }

    /// The label of a period: the first local date of the horizon or of a month on the billing
    /// calendar, or the local hour of the week.
    pub fn label(&self, p: Period) -> String {
        let zone = self.scenario.billing.calendar_zone;
        match p {
            Period::Horizon => local_date(self.scenario.start, zone).to_string(),
            Period::Month(m) => local_date(self.demand.grid.month_starts[m], zone).to_string(),
            Period::HourOfWeek(k) => hour_of_week_label(k),
        }
    }

    /// The terminal's tables: the horizon per series, each series by month, and each series'
    /// median by local hour of the week.
    pub fn text(&self) -> String {
        let s = self.scenario;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Demand of {}, {}: {} trials, seed {}",
            s.name,
            super::plot::horizon_words(s),
            self.stats.trials,
            self.seed
        );
        out.push_str(
            "Running VMs: the mean number of VMs running over a period (VM-hours / hours); peak: that of the period's busiest hour. Each is given as percentiles across trials.\n\n",
        );
        out.push_str("Over the horizon\n");
        let mut t = Table::new(["fleet", "p5", "p50", "p95", "peak p50", "peak p95"]);
        for i in self.shown() {
            t.row(self.cells(self.stats.names[i].clone(), i, Period::Horizon));
        }
        out.push_str(&t.render());
        for i in self.shown() {
            let _ = writeln!(out, "\nBy month: {}", self.stats.names[i]);
            let mut t = Table::new([
                "month", "starts", "p5", "p50", "p95", "peak p50", "peak p95",
            ]);
            for m in 0..self.demand.grid.months() {
                let mut cells = vec![(m + 1).to_string()];
                cells.extend(self.cells(self.label(Period::Month(m)), i, Period::Month(m)));
                t.row(cells);
            }
            out.push_str(&t.render());
        }
        for i in self.shown() {
            let _ = writeln!(
                out,
                "\nBy local hour of the week ({}): {}, median running VMs",
                s.timezone_name, self.stats.names[i]
            );
            let mut t = Table::new(
                std::iter::once("hour".to_string())
                    .chain(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map(String::from)),
            );
            for hour in 0..24 {
                let mut cells = vec![format!("{hour:02}:00")];
                cells.extend((0..7).map(|day| {
                    self.row(i, Period::HourOfWeek(day * 24 + hour))
                        .map_or(String::new(), |r| vms(r.running.p50))
                }));
                t.row(cells);
            }
            out.push_str(&t.render());
        }
        out
    }

    /// `label`, then running p5, p50, p95 and peak p50, p95 of series `i` in period `p`.
    fn cells(&self, label: String, i: usize, p: Period) -> Vec<String> {
        let mut cells = vec![label];
        if let Some(r) = self.row(i, p) {
            cells.extend(
                [
                    r.running.p5,
                    r.running.p50,
                    r.running.p95,
                    r.peak.p50,
                    r.peak.p95,
                ]
                .map(vms),
            );
        }
        cells
    }

    /// `demand.csv`: a row per series and period.
    pub fn csv(&self) -> anyhow::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(CSV_HEADER)?;
        for (i, name) in self.stats.names.iter().enumerate() {
            let kind = if i + 1 == self.stats.names.len() {
                "total"
            } else {
                "fleet"
            };
            for r in &self.stats.rows[i] {
                w.write_record([
                    kind.to_string(),
                    name.clone(),
                    r.period.view().to_string(),
                    r.period.number().to_string(),
                    self.label(r.period),
                    r.running.p5.to_string(),
                    r.running.p50.to_string(),
                    r.running.p95.to_string(),
                    r.peak.p50.to_string(),
                    r.peak.p95.to_string(),
                ])?;
            }
        }
        Ok(w.into_inner().map_err(|e| e.into_error())?)
    }
}

/// The columns of `demand.csv`.
pub const CSV_HEADER: [&str; 10] = [
    "kind",
    "name",
    "view",
    "period",
    "label",
    "running_p5",
    "running_p50",
    "running_p95",
    "peak_p50",
    "peak_p95",
];

/// A count of running VMs for a table: one decimal, thousands grouped.
fn vms(v: f64) -> String {
    crate::money::display_grouped(Decimal::from_f64_retain(v).unwrap_or_default(), 1)
}

/// The outputs of `capsim demand`.
pub fn outputs<'a>() -> OutputSet<View<'a>> {
    OutputSet::new(vec![Box::new(CsvFile), Box::new(ChartFile)])
}

/// `demand.csv`.
struct CsvFile;

impl Output<View<'_>> for CsvFile {
    fn owns(&self, name: &str) -> bool {
        name == "demand.csv"
    }

    fn write(&mut self, dir: &Path, view: &View<'_>) -> anyhow::Result<()> {
        output::write(dir, "demand.csv", &view.csv()?)?;
        Ok(())
    }
}

/// `demand.png` and `demand.svg`.
struct ChartFile;

impl Output<View<'_>> for ChartFile {
    fn owns(&self, name: &str) -> bool {
        is_chart_file(name, &Picture::<View<'_>>::name(&DemandChart))
    }

    fn write(&mut self, dir: &Path, view: &View<'_>) -> anyhow::Result<()> {
        super::plot::write_files(&DemandChart, dir, view, None)
    }
}

/// Every local hour of the week, Monday 00:00 first (for charts).
pub(crate) fn hours_of_week() -> impl Iterator<Item = Period> {
    (0..HOURS_OF_WEEK).map(Period::HourOfWeek)
}
