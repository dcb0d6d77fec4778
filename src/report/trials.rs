//! `trials.csv`: one row per trial and strategy with every cost component and metric, exact.

use super::outputs::RunView;
use crate::charge::Component;
use crate::fleet::DrawColumn;
use crate::money::json_string;
use crate::montecarlo::TrialResult;
use crate::output::{AtomicFile, Output};
use rust_decimal::Decimal;
use std::path::Path;

/// The columns of `trials.csv` every scenario has: the totals, one column per cost component
/// in the bill's order, then the metrics. What the trial drew ([`DrawColumn`]s) follows them.
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

/// Streams a row per trial and strategy to the file as the trials finish.
pub struct TrialsCsv {
    names: Vec<String>,
    columns: Vec<DrawColumn>,
    file: Option<AtomicFile>,
}

impl TrialsCsv {
    /// For strategies named `names` (`payg` first), with the columns of what the trials drew.
    pub fn new(names: Vec<String>, columns: Vec<DrawColumn>) -> TrialsCsv {
        TrialsCsv {
            names,
            columns,
            file: None,
        }
    }
}

/// Writes one CSV record (quoted where a field needs it).
fn record<I, T>(file: &mut AtomicFile, fields: I) -> anyhow::Result<()>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(file.writer());
    w.write_record(fields)?;
    w.flush()?;
    Ok(())
}

/// The file, started with its header on first use.
fn open<'f>(
    file: &'f mut Option<AtomicFile>,
    dir: &Path,
    columns: &[DrawColumn],
) -> anyhow::Result<&'f mut AtomicFile> {
    if file.is_none() {
        let mut f = AtomicFile::create(dir, "trials.csv")?;
        let names = header()
            .into_iter()
            .map(str::to_string)
            .chain(columns.iter().map(|c| c.name.clone()));
        record(&mut f, names)?;
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
        let file = open(&mut self.file, dir, &self.columns)?;
        let drawn: Vec<String> = self
            .columns
            .iter()
            .map(|c| c.value(&t.draws).to_string())
            .collect();
        for ((name, o), total) in self.names.iter().zip(&t.outcomes).zip(&totals) {
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
            fields.extend(drawn.iter().cloned());
            record(file, fields)?;
        }
        Ok(())
    }

    fn write(&mut self, dir: &Path, _: &RunView<'_, '_>) -> anyhow::Result<()> {
        open(&mut self.file, dir, &self.columns)?;
        self.file.take().expect("opened").commit()?;
        Ok(())
    }
}
