//! `capsim bill`: one trial's itemised bills as JSON or as a readable table (docs/spec.md, section 1).

use super::breakdowns::{BillEntryJson, BillTypeJson, bill_entries, bill_text, bill_types};
use super::table::Table;
use crate::attribution::Attributed;
use crate::billing::Bill;
use crate::charge::{Breakdown, ChargeKind, ExactSum, PoolUse};
use crate::engine::Engine;
use crate::matching::HourSink;
use crate::money::{display_cents, display_grouped, json_string};
use crate::purchase::Event;
use crate::time::{HOUR, format_instant};
use rust_decimal::Decimal;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// The hours of one strategy's matching, as `capsim bill --hourly` lists them.
#[derive(Clone, Debug, Default)]
pub struct HourRows {
    /// `(hour, cell, usage, carried, covered unit-seconds)` for every hour and cell with usage.
    pub rows: Vec<(usize, usize, u64, u64, u64)>,
}

impl HourSink for HourRows {
    const ENABLED: bool = true;
    fn record(&mut self, hour: usize, cell: usize, usage: u64, carried: u64, covered: u64) {
        self.rows.push((hour, cell, usage, carried, covered));
    }
}

/// One strategy's part of `capsim bill`.
pub struct StrategyBill {
    /// The bill.
    pub bill: Bill,
    /// Its events.
    pub events: Vec<Event>,
    /// Its hours, with `--hourly`.
    pub hours: Option<HourRows>,
    /// Its plan's position in the engine.
    pub plan: usize,
    /// Its utilisation, coverage and cost per entry and per instance type.
    pub attributed: Attributed,
}

#[derive(Serialize)]
struct BillJson<'a> {
    scenario: &'a str,
    trial: u64,
    currency: &'a str,
    strategies: Vec<StrategyJson<'a>>,
}

/// The cost components as JSON keys in the bill's order, each an exact decimal string.
struct ComponentsJson(Breakdown);

impl Serialize for ComponentsJson {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut map = ser.serialize_map(Some(self.0.0.len()))?;
        for (c, v) in self.0.iter() {
            map.serialize_entry(c.name(), &json_string(v))?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct StrategyJson<'a> {
    name: &'a str,
    #[serde(flatten)]
    components: ComponentsJson,
    cash_total: String,
    amortized_total: String,
    obligation_after_horizon: String,
    reserved_unit_seconds: String,
    used_unit_seconds: String,
    utilization: String,
    subscription_utilization: String,
    coverage: String,
    entries: Vec<BillEntryJson<'a>>,
    instance_types: Vec<BillTypeJson<'a>>,
    events: Vec<EventJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hours: Option<Vec<HourJson<'a>>>,
}

#[derive(Serialize)]
struct EventJson<'a> {
    at: String,
    kind: &'a str,
    entry: &'a str,
}

#[derive(Serialize)]
struct HourJson<'a> {
    hour: String,
    instance_type: &'a str,
    zone: &'a str,
    usage_seconds: u64,
    subscription_seconds: u64,
    reserved_seconds: String,
    payg_seconds: String,
    payg_compute: String,
}

/// The pay-as-you-go charge of an hour row: its payg unit-seconds priced by the pool's charge.
fn hour_payg(
    engine: &Engine<'_>,
    hour: usize,
    c: usize,
    usage: u64,
    carried: u64,
    covered: u64,
) -> Decimal {
    let units = engine.layout.units[c];
    let used = PoolUse {
        payg_unit_seconds: u128::from((usage - carried) * units - covered),
        uncarried_seconds: 0,
        licensed_seconds: 0,
    };
    let layout = &engine.layout;
    let paid_at = layout.bill_dates[usize::from(layout.bill_of_hour[hour])];
    let mut sum = ExactSum::default();
    let priced = engine.prices[c].charges(c, used, layout.hour_span(hour), paid_at, |ch| {
        debug_assert_eq!(ch.kind, ChargeKind::Payg);
        sum.add(ch.amount)
    });
    priced.and_then(|_| sum.value()).unwrap_or_default()
}

/// `reserved_seconds` and `payg_seconds` of an hour row (docs/spec.md, section 11): covered
/// unit-seconds over the cell type's units, and what is left of the usage.
fn split(usage: u64, carried: u64, covered: u64, units: u64) -> (Decimal, Decimal) {
    let reserved = Decimal::from(covered) / Decimal::from(units);
    (reserved, Decimal::from(usage - carried) - reserved)
}

/// The JSON of `capsim bill --json`.
pub fn json(engine: &Engine<'_>, trial: u64, bills: &[StrategyBill]) -> String {
    let s = engine.scenario;
    let layout = &engine.layout;
    let doc = BillJson {
        scenario: &s.name,
        trial,
        currency: &s.currency,
        strategies: bills
            .iter()
            .map(|b| StrategyJson {
                name: &b.bill.strategy,
                components: ComponentsJson(b.bill.breakdown),
                cash_total: json_string(b.bill.cash_total),
                amortized_total: json_string(b.bill.amortized_total),
                obligation_after_horizon: json_string(b.bill.obligation_after_horizon),
                reserved_unit_seconds: json_string(b.bill.reserved_unit_seconds),
                used_unit_seconds: json_string(b.bill.used_unit_seconds),
                utilization: json_string(b.bill.utilization),
                subscription_utilization: json_string(b.bill.subscription_utilization),
                coverage: json_string(b.bill.coverage),
                entries: bill_entries(engine, b.plan, &b.attributed),
                instance_types: bill_types(engine, b.plan, &b.attributed),
                events: b
                    .events
                    .iter()
                    .map(|e| EventJson {
                        at: format_instant(e.at),
                        kind: e.kind,
                        entry: &e.entry,
                    })
                    .collect(),
                hours: b.hours.as_ref().map(|h| {
                    h.rows
                        .iter()
                        .map(|&(hour, c, usage, carried, covered)| {
                            let cell = layout.cells[c];
                            let (reserved, payg) = split(usage, carried, covered, layout.units[c]);
                            HourJson {
                                hour: format_instant(layout.hour_start(hour)),
                                instance_type: &s.types[cell.instance_type].name,
                                zone: &s.zones[cell.zone],
                                usage_seconds: usage,
                                subscription_seconds: carried,
                                reserved_seconds: json_string(reserved),
                                payg_seconds: json_string(payg),
                                payg_compute: json_string(hour_payg(
                                    engine, hour, c, usage, carried, covered,
                                )),
                            }
                        })
                        .collect()
                }),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc).expect("plain data serialises") + "\n"
}

fn percent(v: Decimal) -> String {
    format!("{:.1}%", v * Decimal::from(100))
}

fn unit_hours(v: Decimal) -> String {
    display_grouped(v / Decimal::from(HOUR), 1)
}

/// The readable form of `capsim bill`.
pub fn text(engine: &Engine<'_>, trial: u64, bills: &[StrategyBill]) -> String {
    let s = engine.scenario;
    let mut out = format!(
        "Bill of trial {trial} of \"{}\", {} to {}, in {} ({} rules)\n\n",
        s.name,
        format_instant(s.start),
        format_instant(s.end),
        s.currency,
        s.billing.profile
    );
    let mut t = Table::new(
        std::iter::once("".to_string()).chain(bills.iter().map(|b| b.bill.strategy.clone())),
    );
    for (c, _) in Breakdown::default().iter() {
        t.row(
            std::iter::once(c.name().to_string())
                .chain(bills.iter().map(|b| display_cents(b.bill[c]))),
        );
    }
    type Field = fn(&Bill) -> String;
    let rows: [(&str, Field); 9] = [
        ("cash_total", |b| display_cents(b.cash_total)),
        ("amortized_total", |b| display_cents(b.amortized_total)),
        ("obligation_after_horizon", |b| {
            display_cents(b.obligation_after_horizon)
        }),
        ("reserved unit-hours", |b| {
            unit_hours(b.reserved_unit_seconds)
        }),
        ("used unit-hours", |b| unit_hours(b.used_unit_seconds)),
        ("utilization", |b| percent(b.utilization)),
        ("subscription utilization", |b| {
            percent(b.subscription_utilization)
        }),
        ("coverage", |b| percent(b.coverage)),
        ("compute hours", |b| {
            unit_hours(Decimal::from(b.usage_seconds))
        }),
    ];
    for (label, f) in rows {
        t.row(std::iter::once(label.to_string()).chain(bills.iter().map(|b| f(&b.bill))));
    }
    out.push_str(&t.render());
    out.push_str("\namortized_total spreads prepaid amounts over their active time (the headline); cash_total is what is paid within the horizon.\n");
    for b in bills {
        out.push_str(&bill_text(engine, b.plan, &b.bill.strategy, &b.attributed));
    }
    for b in bills {
        if !b.events.is_empty() {
            out.push_str(&format!("\nEvents of {}:\n", b.bill.strategy));
            for e in &b.events {
                out.push_str(&format!(
                    "  {}  {:<8}  {}\n",
                    format_instant(e.at),
                    e.kind,
                    e.entry
                ));
            }
        }
        if let Some(h) = &b.hours {
            out.push_str(&format!("\nHours of {}:\n", b.bill.strategy));
            let mut t = Table::new([
                "hour",
                "instance_type",
                "zone",
                "usage_s",
                "subscription_s",
                "reserved_s",
                "payg_s",
                "payg_compute",
            ]);
            for &(hour, c, usage, carried, covered) in &h.rows {
                let cell = engine.layout.cells[c];
                let (reserved, payg) = split(usage, carried, covered, engine.layout.units[c]);
                t.row([
                    format_instant(engine.layout.hour_start(hour)),
                    s.types[cell.instance_type].name.clone(),
                    s.zones[cell.zone].clone(),
                    usage.to_string(),
                    carried.to_string(),
                    format!("{:.2}", reserved),
                    format!("{:.2}", payg),
                    display_cents(hour_payg(engine, hour, c, usage, carried, covered)),
                ]);
            }
            out.push_str(&t.render());
        }
    }
    out
}
