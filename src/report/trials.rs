//! `trials.csv`: one row per trial and strategy with every cost component and metric, exact.

use crate::money::json_string;
use crate::montecarlo::TrialResult;
use crate::output::AtomicFile;
use rust_decimal::Decimal;
use std::io::Write;

/// The columns of `trials.csv`.
pub const HEADER: &str = "trial,strategy,total,cash_total,upfront,commitment_recurring,payg_compute,software,storage_network,subscription,obligation_after_horizon,npv,reserved_unit_seconds,used_unit_seconds,utilization,subscription_utilization,coverage,saving_vs_payg,regret,cheapest";

/// Streams rows into an atomic file.
pub struct TrialsCsv {
    file: AtomicFile,
}

impl TrialsCsv {
    /// Starts `dir/trials.csv`.
    pub fn create(dir: &std::path::Path) -> anyhow::Result<TrialsCsv> {
        let mut file = AtomicFile::create(dir, "trials.csv")?;
        writeln!(file.writer(), "{HEADER}")?;
        Ok(TrialsCsv { file })
    }

    /// Appends the rows of one trial (every strategy, `payg` first).
    pub fn add(&mut self, names: &[String], t: &TrialResult) -> anyhow::Result<()> {
        let totals: Vec<Decimal> = t.outcomes.iter().map(|o| o.bill.amortized_total).collect();
        let (cheapest, ties) = t.cheapest();
        let w = self.file.writer();
        for ((name, o), total) in names.iter().zip(&t.outcomes).zip(&totals) {
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

    /// Puts the file in place.
    pub fn commit(self) -> anyhow::Result<std::path::PathBuf> {
        self.file.commit()
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
