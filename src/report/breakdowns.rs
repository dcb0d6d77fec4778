//! Utilisation, coverage and cost per purchase entry and per instance type (docs/spec.md,
//! section 8): the statistics a run keeps of them, their part of `summary.json`, of the report
//! and of `capsim bill`. What each figure means is in [`crate::attribution`].

use super::document::Block;
use super::results::{RunStats, mean_exact};
use super::table::Table;
use crate::attribution::{Attributed, EntryKind, add_up_to};
use crate::billing::dec;
use crate::engine::Engine;
use crate::money::{display_cents, json_string};
use crate::montecarlo::StrategySamples;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One entry's figures over a run.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryStats {
    /// `reserve[i]` or `subscribe[i]`.
    pub entry: String,
    /// `reservation` or `subscription`.
    pub kind: String,
    /// The instance type bought.
    pub instance_type: String,
    /// Mean over the trials of its utilisation.
    pub utilization_mean: f64,
    /// Its charges paid inside the horizon (the same in every trial).
    pub cash: Decimal,
    /// Their amortized share of the horizon (the same in every trial).
    pub amortized: Decimal,
}

/// One instance type's figures over a run.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeStats {
    /// The instance type.
    pub instance_type: String,
    /// Mean over the trials of its coverage.
    pub coverage_mean: f64,
    /// Mean of its share of `cash_total`.
    pub cash_mean: Decimal,
    /// Mean of its share of `amortized_total`.
    pub amortized_mean: Decimal,
}

/// One strategy's breakdowns over a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Breakdowns {
    /// Exact mean of `amortized_total`, which the types' `amortized_mean` add up to (as the
    /// types' `cash_mean` add up to the strategy's `cash_total_mean`).
    pub amortized_total_mean: Decimal,
    /// Per entry, in the strategy's order.
    pub entries: Vec<EntryStats>,
    /// Per instance type, in the scenario's order.
    pub instance_types: Vec<TypeStats>,
}

fn mean(sum: f64, n: usize) -> f64 {
    if n == 0 { 0.0 } else { sum / n as f64 }
}

impl Breakdowns {
    /// The breakdowns of plan `p` over the `n` trials of `samples`; `cash_total_mean` is the
    /// strategy's exact mean cash.
    pub fn new(
        engine: &Engine<'_>,
        p: usize,
        samples: &StrategySamples,
        n: usize,
        cash_total_mean: Decimal,
    ) -> Breakdowns {
        let s = engine.scenario;
        let a = &engine.attributions[p];
        let amortized_total_mean = mean_exact(samples.amortized_sum, n);
        let entries = a
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| EntryStats {
                entry: e.entry.clone(),
                kind: kind_name(e.kind).to_string(),
                instance_type: s.types[e.instance_type].name.clone(),
                utilization_mean: mean(samples.entry_utilization.get(i).copied().unwrap_or(0.0), n),
                cash: e.cash,
                amortized: e.amortized,
            })
            .collect();
        let sums = |i: usize| samples.type_sums.get(i).cloned().unwrap_or_default();
        let share = |total: Decimal, of: fn(&crate::montecarlo::TypeSums) -> Decimal| {
            let parts: Vec<Decimal> = (0..a.types.len())
                .map(|i| mean_exact(of(&sums(i)), n))
                .collect();
            // The means of parts that add up trial by trial add up to within a few units of
            // their 28th digit; the allocation makes that exact.
            add_up_to(total, &parts).unwrap_or(parts)
        };
        let cash = share(cash_total_mean, |t| t.cash);
        let amortized = share(amortized_total_mean, |t| t.amortized);
        let instance_types = a
            .types
            .iter()
            .enumerate()
            .map(|(i, &t)| TypeStats {
                instance_type: s.types[t].name.clone(),
                coverage_mean: mean(sums(i).coverage, n),
                cash_mean: cash[i],
                amortized_mean: amortized[i],
            })
            .collect();
        Breakdowns {
            amortized_total_mean,
            entries,
            instance_types,
        }
    }
}

/// How outputs name an entry's kind.
pub fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Reservation => "reservation",
        EntryKind::Subscription => "subscription",
    }
}

/// One entry in `summary.json`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct EntryJson {
    /// `reserve[i]` or `subscribe[i]`.
    pub entry: String,
    /// `reservation` or `subscription`.
    pub kind: String,
    /// The instance type bought.
    pub instance_type: String,
    /// Mean utilisation.
    pub utilization_mean: f64,
    /// Its charges paid inside the horizon, exact.
    pub cash: String,
    /// Their amortized share, exact.
    pub amortized: String,
}

/// One instance type in `summary.json`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TypeJson {
    /// The instance type.
    pub instance_type: String,
    /// Mean coverage.
    pub coverage_mean: f64,
    /// Mean share of the cash total, exact.
    pub cash_mean: String,
    /// Mean share of the amortized total, exact.
    pub amortized_mean: String,
}

/// A strategy's `breakdowns` in `summary.json`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BreakdownsJson {
    /// Exact mean of the amortized total.
    pub amortized_total_mean: String,
    /// Per entry.
    pub entries: Vec<EntryJson>,
    /// Per instance type.
    pub instance_types: Vec<TypeJson>,
}

impl From<&Breakdowns> for BreakdownsJson {
    fn from(b: &Breakdowns) -> BreakdownsJson {
        BreakdownsJson {
            amortized_total_mean: json_string(b.amortized_total_mean),
            entries: b
                .entries
                .iter()
                .map(|e| EntryJson {
                    entry: e.entry.clone(),
                    kind: e.kind.clone(),
                    instance_type: e.instance_type.clone(),
                    utilization_mean: e.utilization_mean,
                    cash: json_string(e.cash),
                    amortized: json_string(e.amortized),
                })
                .collect(),
            instance_types: b
                .instance_types
                .iter()
                .map(|t| TypeJson {
                    instance_type: t.instance_type.clone(),
                    coverage_mean: t.coverage_mean,
                    cash_mean: json_string(t.cash_mean),
                    amortized_mean: json_string(t.amortized_mean),
                })
                .collect(),
        }
    }
}

impl TryFrom<BreakdownsJson> for Breakdowns {
    type Error = String;

    /// Reads a point file's breakdowns back; errors name the key under `breakdowns`.
    fn try_from(j: BreakdownsJson) -> Result<Breakdowns, String> {
        let exact = |key: String, text: &str| {
            text.parse::<Decimal>().map_err(|_| {
                format!("{key}: found \"{text}\", expected an exact amount such as \"1234.5\"")
            })
        };
        let entries = j
            .entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                Ok(EntryStats {
                    cash: exact(format!("entries[{i}].cash"), &e.cash)?,
                    amortized: exact(format!("entries[{i}].amortized"), &e.amortized)?,
                    entry: e.entry,
                    kind: e.kind,
                    instance_type: e.instance_type,
                    utilization_mean: e.utilization_mean,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let instance_types = j
            .instance_types
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                Ok(TypeStats {
                    cash_mean: exact(format!("instance_types[{i}].cash_mean"), &t.cash_mean)?,
                    amortized_mean: exact(
                        format!("instance_types[{i}].amortized_mean"),
                        &t.amortized_mean,
                    )?,
                    instance_type: t.instance_type,
                    coverage_mean: t.coverage_mean,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Breakdowns {
            amortized_total_mean: exact(
                "amortized_total_mean".to_string(),
                &j.amortized_total_mean,
            )?,
            entries,
            instance_types,
        })
    }
}

fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// The report's breakdowns: a table of entries (when any strategy buys something) and a table
/// of instance types.
pub fn blocks(summary: &RunStats) -> Vec<Block> {
    let with: Vec<(&str, &Breakdowns)> = summary
        .strategies
        .iter()
        .filter_map(|s| s.breakdowns.as_ref().map(|b| (s.name.as_str(), b)))
        .collect();
    if with.is_empty() {
        return Vec::new();
    }
    let cur = &summary.currency;
    let mut out = vec![Block::Heading(1, "Breakdowns".to_string())];
    let entries: Vec<Vec<String>> = with
        .iter()
        .flat_map(|(name, b)| {
            b.entries.iter().map(move |e| {
                vec![
                    name.to_string(),
                    e.entry.clone(),
                    e.instance_type.clone(),
                    percent(e.utilization_mean),
                    display_cents(e.amortized),
                    display_cents(e.cash),
                ]
            })
        })
        .collect();
    if !entries.is_empty() {
        out.push(Block::Paragraph(
            "Per entry: its utilisation (mean over trials; a reservation's used over reserved unit-seconds, a subscription's carried over subscribed instance-seconds of all subscriptions of its type and zone) and what its own charges cost, the same in every trial.".to_string(),
        ));
        out.push(Block::Table(
            [
                "strategy",
                "entry",
                "instance type",
                "utilisation",
                &format!("amortized ({cur})"),
                &format!("cash in horizon ({cur})"),
            ]
            .map(String::from)
            .to_vec(),
            entries,
        ));
    }
    out.push(Block::Paragraph(format!(
        "Per instance type (all its zones): coverage, the share of its usage in unit-seconds that subscriptions or reservations carried (mean over trials), and the mean of every charge against it: pay-as-you-go, licence, software, storage and network of its usage, and the charges of the entries bought as that type (a size-flexible reservation counts against the type it was bought as, whichever sizes it carried). The types' costs add up to each strategy's mean totals, amortized and cash ({cur}).",
    )));
    let types: Vec<Vec<String>> = with
        .iter()
        .flat_map(|(name, b)| {
            b.instance_types.iter().map(move |t| {
                vec![
                    name.to_string(),
                    t.instance_type.clone(),
                    percent(t.coverage_mean),
                    display_cents(t.amortized_mean),
                    display_cents(t.cash_mean),
                ]
            })
        })
        .collect();
    out.push(Block::Table(
        [
            "strategy",
            "instance type",
            "coverage",
            &format!("amortized (mean, {cur})"),
            &format!("cash in horizon (mean, {cur})"),
        ]
        .map(String::from)
        .to_vec(),
        types,
    ));
    out
}

/// One entry in `capsim bill --json`.
#[derive(Serialize)]
pub struct BillEntryJson<'a> {
    entry: &'a str,
    kind: &'static str,
    instance_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reserved_unit_seconds: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    used_unit_seconds: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subscribed_seconds: Option<u128>,
    #[serde(skip_serializing_if = "Option::is_none")]
    carried_seconds: Option<u128>,
    utilization: String,
    cash: String,
    amortized: String,
}

/// One instance type in `capsim bill --json`.
#[derive(Serialize)]
pub struct BillTypeJson<'a> {
    instance_type: &'a str,
    usage_seconds: u128,
    subscription_seconds: u128,
    reserved_seconds: String,
    coverage: String,
    cash: String,
    amortized: String,
}

/// Unit-seconds in the scenario's units, from scaled ones.
fn unscaled(engine: &Engine<'_>, v: u128) -> Decimal {
    dec(v).unwrap_or_default() / Decimal::from(engine.scenario.unit_scale)
}

/// Plan `p`'s entries in `capsim bill --json`.
pub fn bill_entries<'a>(
    engine: &'a Engine<'_>,
    p: usize,
    a: &Attributed,
) -> Vec<BillEntryJson<'a>> {
    let s = engine.scenario;
    engine.attributions[p]
        .entries
        .iter()
        .zip(&a.entries)
        .map(|(e, u)| {
            let reservation = e.kind == EntryKind::Reservation;
            BillEntryJson {
                entry: &e.entry,
                kind: kind_name(e.kind),
                instance_type: &s.types[e.instance_type].name,
                reserved_unit_seconds: reservation
                    .then(|| json_string(unscaled(engine, e.capacity))),
                used_unit_seconds: reservation.then(|| json_string(unscaled(engine, u.used))),
                subscribed_seconds: (!reservation).then_some(e.capacity),
                carried_seconds: (!reservation).then_some(u.used),
                utilization: json_string(u.utilization),
                cash: json_string(e.cash),
                amortized: json_string(e.amortized),
            }
        })
        .collect()
}

/// Seconds of a type that reservations covered: its covered unit-seconds over its units.
fn reserved_seconds(engine: &Engine<'_>, t: usize, covered: u128) -> Decimal {
    dec(covered).unwrap_or_default() / Decimal::from(engine.scenario.types[t].units_scaled)
}

/// Plan `p`'s instance types in `capsim bill --json`.
pub fn bill_types<'a>(engine: &'a Engine<'_>, p: usize, a: &Attributed) -> Vec<BillTypeJson<'a>> {
    let s = engine.scenario;
    engine.attributions[p]
        .types
        .iter()
        .zip(&a.types)
        .map(|(&t, u)| BillTypeJson {
            instance_type: &s.types[t].name,
            usage_seconds: u.usage_seconds,
            subscription_seconds: u.carried_seconds,
            reserved_seconds: json_string(reserved_seconds(engine, t, u.covered_unit_seconds)),
            coverage: json_string(u.coverage),
            cash: json_string(u.cash),
            amortized: json_string(u.amortized),
        })
        .collect()
}

fn exact_percent(v: Decimal) -> String {
    format!("{:.1}%", v * Decimal::from(100))
}

/// Plan `p`'s breakdowns in the readable form of `capsim bill`.
pub fn bill_text(engine: &Engine<'_>, p: usize, name: &str, a: &Attributed) -> String {
    let s = engine.scenario;
    let at = &engine.attributions[p];
    let mut out = String::new();
    if !at.entries.is_empty() {
        out.push_str(&format!("\nEntries of {name}:\n"));
        let mut t = Table::new([
            "entry",
            "instance_type",
            "capacity",
            "used",
            "utilization",
            "amortized",
            "cash",
        ]);
        for (e, u) in at.entries.iter().zip(&a.entries) {
            // Reservations in unit-hours, subscriptions in instance-hours.
            let hours = |v: u128| match e.kind {
                EntryKind::Reservation => unscaled(engine, v),
                EntryKind::Subscription => dec(v).unwrap_or_default(),
            } / Decimal::from(crate::time::HOUR);
            let unit = match e.kind {
                EntryKind::Reservation => "unit-h",
                EntryKind::Subscription => "instance-h",
            };
            t.row([
                e.entry.clone(),
                s.types[e.instance_type].name.clone(),
                format!(
                    "{} {unit}",
                    crate::money::display_grouped(hours(e.capacity), 1)
                ),
                format!("{} {unit}", crate::money::display_grouped(hours(u.used), 1)),
                exact_percent(u.utilization),
                display_cents(e.amortized),
                display_cents(e.cash),
            ]);
        }
        out.push_str(&t.render());
    }
    out.push_str(&format!("\nInstance types of {name}:\n"));
    let mut t = Table::new([
        "instance_type",
        "compute hours",
        "coverage",
        "amortized",
        "cash",
    ]);
    for (&ty, u) in at.types.iter().zip(&a.types) {
        t.row([
            s.types[ty].name.clone(),
            crate::money::display_grouped(
                dec(u.usage_seconds).unwrap_or_default() / Decimal::from(crate::time::HOUR),
                1,
            ),
            exact_percent(u.coverage),
            display_cents(u.amortized),
            display_cents(u.cash),
        ]);
    }
    out.push_str(&t.render());
    out
}
