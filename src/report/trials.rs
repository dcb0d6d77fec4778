//! `trials.csv`: one row per trial and strategy with every cost component and metric, exact.

use super::outputs::RunView;
use crate::money::json_string;
use crate::montecarlo::TrialResult;
use crate::output::{AtomicFile, Output};
use rust_decimal::Decimal;
use std::io::Write;
use std::path::Path;

/// The columns of `trials.csv`.
pub const HEADER: &str = "trial,strategy,total,cash_total,upfront,commitment_recurring,payg_compute,software,storage_network,subscription,obligation_after_horizon,npv,reserved_unit_seconds,used_unit_seconds,utilization,subscription_utilization,coverage,saving_vs_payg,regret,cheapest";

/// Streams a row per trial and strategy to the file as the trials finish.
pub struct TrialsCsv {
    names: Vec<String>,
    file: Option<AtomicFile>,
}

impl TrialsCsv {
    /// For strategies named `names` (`payg` first).
    pub fn new(names: Vec<String>) -> TrialsCsv {
        TrialsCsv { names, file: None }
    }
}

/// The file, started with its header on first use.
fn open<'f>(file: &'f mut Option<AtomicFile>, dir: &Path) -> anyhow::Result<&'f mut AtomicFile> {
    if file.is_none() {
        let mut f = AtomicFile::create(dir, "trials.csv")?;
        writeln!(f.writer(), "{HEADER}")?;
        *file = Some(f);
    }
    Ok(file.as_mut().expect("just created"))
}

impl Output<RunView<'_, '_>> for TrialsCsv {
    fn owns(&self, name: &str) -> bool {
        name == "trials.csv"
    }

    fn trial(&mut self, dir: &Path, t: &TrialResult) -> anyhow::Result<()> {
        let totals: Vec<Decimal> = t.outcomes.iter().map(|o| o.bill.amortized_total).collect();
        let (cheapest, ties) = t.cheapest();
        let w = open(&mut self.file, dir)?.writer();
        for ((name, o), total) in self.names.iter().zip(&t.outcomes).zip(&totals) {
            let b = &o.bill;
            let share = if *total == cheapest {
                json_string(Decimal::ONE / Decimal::from(ties))
            } else {
                "0".to_string()
            };
            writeln!(
                w,
                "{},{},{},{},{},{},{},{},{},{},{},{:.2},{},{},{},{},{},{},{},{}",
                t.trial,
                csv_field(name),
                json_string(*total),
                json_string(b.cash_total),
                json_string(b.upfront),
                json_string(b.commitment_recurring),
                json_string(b.payg_compute),
                json_string(b.software),
                json_string(b.storage_network),
                json_string(b.subscription),
                json_string(b.obligation_after_horizon),
                o.npv,
                json_string(b.reserved_unit_seconds),
                json_string(b.used_unit_seconds),
                json_string(b.utilization),
                json_string(b.subscription_utilization),
                json_string(b.coverage),
                json_string(totals[0] - total),
                json_string(total - cheapest),
                share
            )?;
        }
        Ok(())
    }

    fn write(&mut self, dir: &Path, _: &RunView<'_, '_>) -> anyhow::Result<()> {
        open(&mut self.file, dir)?;
        self.file.take().expect("opened").commit()?;
        Ok(())
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
