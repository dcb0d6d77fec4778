//! `trials.csv`: one row per trial and strategy with every cost component and metric, exact.

use crate::charge::Component;
use crate::money::json_string;
use crate::montecarlo::TrialResult;
use crate::output::AtomicFile;
use rust_decimal::Decimal;

/// The columns of `trials.csv`: the totals, one column per cost component in the bill's
/// order, then the metrics.
pub fn header() -> Vec<&'static str> {
    let mut h = vec!["trial", "strategy", "total", "cash_total"];
    h.extend(Component::ALL.map(Component::name));
    h.extend([
        "obligation_after_horizon",
        "npv",
        "reserved_unit_seconds",
        "used_unit_seconds",
        "utilization",
        "subscription_utilization",
        "coverage",
        "saving_vs_payg",
        "regret",
        "cheapest",
    ]);
    h
}

/// Streams rows into an atomic file.
pub struct TrialsCsv {
    file: AtomicFile,
}

impl TrialsCsv {
    /// Starts `dir/trials.csv`.
    pub fn create(dir: &std::path::Path) -> anyhow::Result<TrialsCsv> {
        let mut out = TrialsCsv {
            file: AtomicFile::create(dir, "trials.csv")?,
        };
        out.row(header())?;
        Ok(out)
    }

    fn row<I, T>(&mut self, fields: I) -> anyhow::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let mut w = csv::Writer::from_writer(self.file.writer());
        w.write_record(fields)?;
        w.flush()?;
        Ok(())
    }

    /// Appends the rows of one trial (every strategy, `payg` first).
    pub fn add(&mut self, names: &[String], t: &TrialResult) -> anyhow::Result<()> {
        let totals: Vec<Decimal> = t.outcomes.iter().map(|o| o.bill.amortized_total).collect();
        let (cheapest, ties) = t.cheapest();
        for ((name, o), total) in names.iter().zip(&t.outcomes).zip(&totals) {
            let b = &o.bill;
            let share = if *total == cheapest {
                json_string(Decimal::ONE / Decimal::from(ties))
            } else {
                "0".to_string()
            };
            let mut fields = vec![
                t.trial.to_string(),
                name.clone(),
                json_string(*total),
                json_string(b.cash_total),
            ];
            fields.extend(b.breakdown.iter().map(|(_, v)| json_string(v)));
            fields.extend([
                json_string(b.obligation_after_horizon),
                format!("{:.2}", o.npv),
                json_string(b.reserved_unit_seconds),
                json_string(b.used_unit_seconds),
                json_string(b.utilization),
                json_string(b.subscription_utilization),
                json_string(b.coverage),
                json_string(totals[0] - total),
                json_string(total - cheapest),
                share,
            ]);
            self.row(fields)?;
        }
        Ok(())
    }

    /// Puts the file in place.
    pub fn commit(self) -> anyhow::Result<std::path::PathBuf> {
        self.file.commit()
    }
}
