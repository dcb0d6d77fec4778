//! Golden vendor cases G1-G7 (docs/spec.md, section 6).
//!
//! Each case is a scenario file in `scenarios/golden/` whose comment block names the vendor
//! source and works the expected bill out by hand; the arithmetic is repeated next to the
//! assertions below. Every case is checked through the library and through
//! `capsim bill --json` (G5, cash timing, through the library only: the CLI does not print a
//! cash timeline).
//!
//! Expected values are written in the JSON form (trailing zeros stripped). A value marked with
//! a leading `~` does not terminate: the JSON prints it rounded half-even to 12 fractional
//! digits, and the library value is compared after that same rounding.

use super::common::*;
use capsim::billing::{Bill, CashFlow, CashKind, npv};
use capsim::charge::{ChargeKind, Component};
use capsim::engine::Engine;
use capsim::scenario::Scenario;
use capsim::time::parse_instant;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;
use std::path::PathBuf;

/// A file of `scenarios/golden/`.
fn golden(file: &str) -> PathBuf {
    repo_file(&format!("scenarios/golden/{file}"))
}

/// An RFC 3339 instant as unix seconds.
fn at(text: &str) -> i64 {
    parse_instant(text).unwrap_or_else(|| panic!("bad instant {text}"))
}

/// `(field, expected value)` pairs of one strategy's bill, for both the library and the JSON.
type Expect = [(&'static str, &'static str)];

/// The bill fields that `capsim bill --json` prints too.
fn field(b: &Bill, name: &str) -> Decimal {
    if let Some(&c) = Component::ALL.iter().find(|c| c.name() == name) {
        return b[c];
    }
    match name {
        "cash_total" => b.cash_total,
        "amortized_total" => b.amortized_total,
        "obligation_after_horizon" => b.obligation_after_horizon,
        "reserved_unit_seconds" => b.reserved_unit_seconds,
        "used_unit_seconds" => b.used_unit_seconds,
        "utilization" => b.utilization,
        "subscription_utilization" => b.subscription_utilization,
        "coverage" => b.coverage,
        _ => panic!("unknown bill field {name}"),
    }
}

/// Checks a library bill against the expected values.
fn check_bill(b: &Bill, expect: &Expect) {
    for &(name, want) in expect {
        let got = field(b, name);
        match want.strip_prefix('~') {
            Some(rounded) => assert_eq!(
                got.round_dp_with_strategy(12, RoundingStrategy::MidpointNearestEven),
                d(rounded),
                "{}.{name} = {got}",
                b.strategy
            ),
            None => assert_eq!(got, d(want), "{}.{name}", b.strategy),
        }
    }
}

/// Checks a strategy object of `capsim bill --json` against the same expected values.
fn check_json(s: &Value, expect: &Expect) {
    for &(name, want) in expect {
        let want = want.trim_start_matches('~');
        assert_eq!(s[name].as_str(), Some(want), "{}.{name} in {s}", s["name"]);
    }
}

/// An hour row: `(hour, instance_type, zone, usage_seconds, subscription_seconds,
/// reserved_seconds, payg_seconds)`.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    u64,
    u64,
    &'static str,
    &'static str,
);

/// Checks every hour row of a strategy object printed with `--hourly`.
fn check_hours(s: &Value, want: &[Row]) {
    let rows = s["hours"]
        .as_array()
        .unwrap_or_else(|| panic!("no hours in {s}"));
    let got: Vec<(String, String, String, u64, u64, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["hour"].as_str().expect("hour").to_string(),
                r["instance_type"].as_str().expect("type").to_string(),
                r["zone"].as_str().expect("zone").to_string(),
                r["usage_seconds"].as_u64().expect("usage_seconds"),
                r["subscription_seconds"]
                    .as_u64()
                    .expect("subscription_seconds"),
                r["reserved_seconds"]
                    .as_str()
                    .expect("reserved_seconds")
                    .to_string(),
                r["payg_seconds"]
                    .as_str()
                    .expect("payg_seconds")
                    .to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String, String, u64, u64, String, String)> = want
        .iter()
        .map(|&(h, t, z, u, sub, r, p)| {
            (
                h.to_string(),
                t.to_string(),
                z.to_string(),
                u,
                sub,
                r.to_string(),
                p.to_string(),
            )
        })
        .collect();
    assert_eq!(got, want, "hours of {}", s["name"]);
}

/// Checks the events of a strategy object: `(at, kind, entry)`.
fn check_json_events(s: &Value, want: &[(&str, &str, &str)]) {
    let got: Vec<(&str, &str, &str)> = s["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["at"].as_str().expect("at"),
                e["kind"].as_str().expect("kind"),
                e["entry"].as_str().expect("entry"),
            )
        })
        .collect();
    assert_eq!(got, want, "events of {}", s["name"]);
}

/// Checks the events of plan `p` in the library: `(at, kind, entry)`.
fn check_plan_events(s: &Scenario, p: usize, want: &[(&str, &str, &str)]) {
    let engine = Engine::new(s).expect("engine");
    let got: Vec<(i64, &str, &str)> = engine.plans[p]
        .events
        .iter()
        .map(|e| (e.at, e.kind, e.entry.as_str()))
        .collect();
    let want: Vec<(i64, &str, &str)> = want.iter().map(|&(t, k, e)| (at(t), k, e)).collect();
    assert_eq!(got, want, "events of {}", engine.plans[p].name);
}

/// A bill in which every field of the list is zero.
const NOTHING: &Expect = &[
    ("upfront", "0"),
    ("commitment_recurring", "0"),
    ("payg_compute", "0"),
    ("software", "0"),
    ("storage_network", "0"),
    ("subscription", "0"),
    ("cash_total", "0"),
    ("amortized_total", "0"),
    ("obligation_after_horizon", "0"),
    ("reserved_unit_seconds", "0"),
    ("used_unit_seconds", "0"),
    ("utilization", "0"),
    ("subscription_utilization", "0"),
    ("coverage", "0"),
];

// ---------------------------------------------------------------------------------------------
// G1: Azure's pooling example.

const G1: &str = "g1-azure-pooling.toml";

/// Strategy "ri" of G1: 1 x D2s (units 2, payg 0.2 an hour), 1y all upfront 876.
const G1_RI: &Expect = &[
    ("upfront", "876"),
    ("commitment_recurring", "0"),
    // pay-as-you-go hours 0.25 + 1 + 1 + 0.5 = 2.75; 2.75 x 0.2 = 0.55
    ("payg_compute", "0.55"),
    ("software", "0"),
    ("storage_network", "0"),
    ("subscription", "0"),
    // 876 + 0.55
    ("cash_total", "876.55"),
    // 876 x 14,400 s / 31,536,000 s (365 days) = 0.4; 0.4 + 0.55 = 0.95
    ("amortized_total", "0.95"),
    ("obligation_after_horizon", "0"),
    // 1 x 2 units x 4 h x 3,600 s
    ("reserved_unit_seconds", "28800"),
    // fully used in all four hours: 4 x 3,600 x 2 units
    ("used_unit_seconds", "28800"),
    ("utilization", "1"),
    ("subscription_utilization", "0"),
    // covered 4 x 3,600 = 14,400 s of 4,500 + 7,200 + 7,200 + 5,400 = 24,300 s: 16/27
    ("coverage", "~0.592592592593"),
];

/// G1's pay-as-you-go baseline: 0.75 + 1 + 1 + 0.5 + 0.5 + 1 + 1 + 1 = 6.75 h x 0.2 = 1.35.
const G1_PAYG: &Expect = &[
    ("upfront", "0"),
    ("payg_compute", "1.35"),
    ("cash_total", "1.35"),
    ("amortized_total", "1.35"),
    ("obligation_after_horizon", "0"),
    ("reserved_unit_seconds", "0"),
    ("used_unit_seconds", "0"),
    ("coverage", "0"),
];

/// G1's hour rows for "ri": vm-a runs 2,700 / 3,600 / 3,600 / 1,800 s, vm-b 1,800 / 3,600 /
/// 3,600 / 3,600 s; the reservation (2 units = one D2s) carries 3,600 s of the pool an hour.
#[rustfmt::skip]
const G1_RI_HOURS: &[Row] = &[
    // 0.75 h + 0.5 h: 1 h reserved, 0.25 h = 900 s pay-as-you-go
    ("2026-01-05T00:00:00Z", "D2s", "eastus", 4500, 0, "3600", "900"),
    // 1 h + 1 h: 1 h reserved, 1 h pay-as-you-go
    ("2026-01-05T01:00:00Z", "D2s", "eastus", 7200, 0, "3600", "3600"),
    ("2026-01-05T02:00:00Z", "D2s", "eastus", 7200, 0, "3600", "3600"),
    // 0.5 h + 1 h: 1 h reserved, 0.5 h = 1,800 s pay-as-you-go
    ("2026-01-05T03:00:00Z", "D2s", "eastus", 5400, 0, "3600", "1800"),
];

/// G1's hour rows for "payg": all usage pay-as-you-go.
#[rustfmt::skip]
const G1_PAYG_HOURS: &[Row] = &[
    ("2026-01-05T00:00:00Z", "D2s", "eastus", 4500, 0, "0", "4500"),
    ("2026-01-05T01:00:00Z", "D2s", "eastus", 7200, 0, "0", "7200"),
    ("2026-01-05T02:00:00Z", "D2s", "eastus", 7200, 0, "0", "7200"),
    ("2026-01-05T03:00:00Z", "D2s", "eastus", 5400, 0, "0", "5400"),
];

#[test]
fn g1_azure_pooling_library() {
    let s = load(&golden(G1));
    let bills = bills(&s, 0);
    assert_eq!(bills.len(), 2);
    let ri = bill_of(&bills, "ri");
    check_bill(ri, G1_RI);
    check_bill(bill_of(&bills, "payg"), G1_PAYG);
    // docs/spec.md G1 in its own words: payg_compute = 2.75 x payg_hourly and
    // used_unit_seconds = 4 x 3,600 x units.
    assert_eq!(ri[Component::PaygCompute], d("2.75") * d("0.2"));
    assert_eq!(ri.used_unit_seconds, d("4") * d("3600") * d("2"));
    // 24,300 s of usage, 14,400 of them covered (3,600 in each hour), none subscribed.
    assert_eq!(ri.usage_seconds, 24_300);
    assert_eq!(ri.covered_seconds, d("14400"));
    assert_eq!(ri.carried_seconds, 0);
    // The 1y term ends 2027-01-05, after the horizon: only the purchase is an event.
    check_plan_events(&s, 1, &[("2026-01-05T00:00:00Z", "purchase", "reserve[0]")]);
}

#[test]
fn g1_azure_pooling_cli() {
    let doc = bill_json(&golden(G1), &["--hourly"]);
    assert_eq!(doc["scenario"], "g1-azure-pooling");
    assert_eq!(doc["trial"], 0);
    assert_eq!(doc["currency"], "USD");
    let names: Vec<&str> = doc["strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["payg", "ri"]);
    let ri = json_strategy(&doc, "ri");
    check_json(ri, G1_RI);
    // vm-a runs 2,700 / 3,600 / 3,600 / 1,800 s, vm-b 1,800 / 3,600 / 3,600 / 3,600 s; the
    // reservation (2 units = one D2s) carries 3,600 s of the pool every hour.
    check_hours(ri, G1_RI_HOURS);
    check_json_events(ri, &[("2026-01-05T00:00:00Z", "purchase", "reserve[0]")]);
    let payg = json_strategy(&doc, "payg");
    check_json(payg, G1_PAYG);
    check_hours(payg, G1_PAYG_HOURS);
    check_json_events(payg, &[]);

    // Without --hourly there are no hour rows, and the same numbers.
    let plain = bill_json(&golden(G1), &[]);
    let ri = json_strategy(&plain, "ri");
    assert!(ri.get("hours").is_none(), "hours without --hourly: {ri}");
    check_json(ri, G1_RI);
}

// ---------------------------------------------------------------------------------------------
// G2: Alibaba's reservation window.

const G2: &str = "g2-alibaba-window.toml";
const G2_SHORT: &str = "g2-alibaba-window-short-horizon.toml";

/// Strategy "ri-no-upfront" of G2: 1 x ecs.g6.large (units 2), no upfront 0.1 an hour, bought
/// 2020-05-01 22:45 (UTC+8), window 22:00 May 1 2020 to 24:00 May 2 2021 = 8,786 h.
const G2_RI: &Expect = &[
    ("upfront", "0"),
    // 8,786 h x 0.1
    ("commitment_recurring", "878.6"),
    // early 1,800 s before the window + late 3,600 s after it = 1.5 h x 0.2
    ("payg_compute", "0.3"),
    ("software", "0"),
    ("storage_network", "0"),
    ("subscription", "0"),
    // 878.6 + 0.3
    ("cash_total", "878.9"),
    ("amortized_total", "878.9"),
    // the whole window lies inside the 13-month horizon
    ("obligation_after_horizon", "0"),
    // 1 x 2 units x 8,786 h x 3,600 s
    ("reserved_unit_seconds", "63259200"),
    // (3,600 + 1,800 + 1,800 + 3,600) s x 2 units
    ("used_unit_seconds", "21600"),
    // 21,600 / 63,259,200 = 3 / 8,786 = 0.000341452310|49...
    ("utilization", "~0.00034145231"),
    ("subscription_utilization", "0"),
    // covered 10,800 s of 7,200 + 9,000 = 16,200 s: 2/3
    ("coverage", "~0.666666666667"),
];

/// G2's pay-as-you-go baseline: 16,200 s = 4.5 h x 0.2.
const G2_PAYG: &Expect = &[
    ("payg_compute", "0.9"),
    ("cash_total", "0.9"),
    ("amortized_total", "0.9"),
    ("obligation_after_horizon", "0"),
];

/// G2 with the horizon from 22:00 May 1 2020 (UTC+8) for 1 year: 2 x 0.1 an hour, 8,760 h
/// inside, 26 h after (May 1 2021 22:00-24:00 and May 2 2021).
const G2_SHORT_RI: &Expect = &[
    ("upfront", "0"),
    // 2 x 0.1 x 8,760
    ("commitment_recurring", "1752"),
    ("payg_compute", "0"),
    ("cash_total", "1752"),
    ("amortized_total", "1752"),
    // 2 x 0.1 x 26
    ("obligation_after_horizon", "5.2"),
    // 2 x 2 units x 8,760 h x 3,600 s
    ("reserved_unit_seconds", "126144000"),
    ("used_unit_seconds", "0"),
    ("utilization", "0"),
    ("coverage", "0"),
];

/// G2's hour rows for the reservation: the window's edges cut the two VMs.
#[rustfmt::skip]
const G2_RI_HOURS: &[Row] = &[
    // early, 21:30-22:00 May 1 2020 (UTC+8): before the window, all pay-as-you-go
    ("2020-05-01T13:00:00Z", "ecs.g6.large", "cn-hangzhou-h", 1800, 0, "0", "1800"),
    // 22:00-23:00 (UTC+8), the first billed hour (floored from 22:45): all reserved
    ("2020-05-01T14:00:00Z", "ecs.g6.large", "cn-hangzhou-h", 3600, 0, "3600", "0"),
    // early, 23:00-23:30
    ("2020-05-01T15:00:00Z", "ecs.g6.large", "cn-hangzhou-h", 1800, 0, "1800", "0"),
    // late, 22:30-23:00 May 2 2021 (UTC+8)
    ("2021-05-02T14:00:00Z", "ecs.g6.large", "cn-hangzhou-h", 1800, 0, "1800", "0"),
    // 23:00-24:00 May 2 2021 (UTC+8), the last billed hour: all reserved
    ("2021-05-02T15:00:00Z", "ecs.g6.large", "cn-hangzhou-h", 3600, 0, "3600", "0"),
    // 00:00-01:00 May 3 2021 (UTC+8): the window has ended, all pay-as-you-go
    ("2021-05-02T16:00:00Z", "ecs.g6.large", "cn-hangzhou-h", 3600, 0, "0", "3600"),
];

/// Purchase at 22:45 May 1 2020 (UTC+8); expiry at 24:00 May 2 2021 (UTC+8).
const G2_EVENTS: [(&str, &str, &str); 2] = [
    ("2020-05-01T14:45:00Z", "purchase", "reserve[0]"),
    ("2021-05-02T16:00:00Z", "expiry", "reserve[0]"),
];

#[test]
fn g2_alibaba_window_library() {
    let s = load(&golden(G2));
    let bills = bills(&s, 0);
    let ri = bill_of(&bills, "ri-no-upfront");
    check_bill(ri, G2_RI);
    check_bill(bill_of(&bills, "payg"), G2_PAYG);
    // "a no-upfront fee of h an hour costs 8,786 h over the term"
    assert_eq!(
        ri[Component::CommitmentRecurring] + ri.obligation_after_horizon,
        d("8786") * d("0.1")
    );
    // The window in seconds: 22:00 May 1 2020 to 24:00 May 2 2021 (UTC+8).
    assert_eq!(
        at("2021-05-03T00:00:00+08:00") - at("2020-05-01T22:00:00+08:00"),
        8786 * 3600
    );
    assert_eq!(ri.covered_seconds, d("10800"));
    assert_eq!(ri.usage_seconds, 16_200);
    check_plan_events(&s, 1, &G2_EVENTS);

    let s = load(&golden(G2_SHORT));
    let bills = super::common::bills(&s, 0);
    let ri = bill_of(&bills, "ri-no-upfront");
    check_bill(ri, G2_SHORT_RI);
    check_bill(bill_of(&bills, "payg"), NOTHING);
    // 2 instances x 8,786 h x 0.1, split at the horizon's end.
    assert_eq!(
        ri[Component::CommitmentRecurring] + ri.obligation_after_horizon,
        d("2") * d("8786") * d("0.1")
    );
    // The expiry (2021-05-02T16:00Z) is after the horizon's end (2021-05-01T14:00Z).
    check_plan_events(&s, 1, &[("2020-05-01T14:45:00Z", "purchase", "reserve[0]")]);
}

#[test]
fn g2_alibaba_window_cli() {
    let doc = bill_json(&golden(G2), &["--hourly"]);
    let ri = json_strategy(&doc, "ri-no-upfront");
    check_json(ri, G2_RI);
    check_hours(ri, G2_RI_HOURS);
    check_json_events(ri, &G2_EVENTS);
    let payg = json_strategy(&doc, "payg");
    check_json(payg, G2_PAYG);
    let payg_hours: Vec<&str> = payg["hours"]
        .as_array()
        .expect("hours")
        .iter()
        .map(|r| r["reserved_seconds"].as_str().expect("reserved_seconds"))
        .collect();
    assert_eq!(payg_hours, ["0"; 6]);

    // --strategy keeps one strategy.
    let one = bill_json(&golden(G2), &["--strategy", "ri-no-upfront"]);
    assert_eq!(one["strategies"].as_array().expect("strategies").len(), 1);
    check_json(json_strategy(&one, "ri-no-upfront"), G2_RI);

    let doc = bill_json(&golden(G2_SHORT), &["--hourly"]);
    let ri = json_strategy(&doc, "ri-no-upfront");
    check_json(ri, G2_SHORT_RI);
    // No VM runs: no hour rows.
    check_hours(ri, &[]);
    check_json_events(ri, &[("2020-05-01T14:45:00Z", "purchase", "reserve[0]")]);
    check_json(json_strategy(&doc, "payg"), NOTHING);
}

// ---------------------------------------------------------------------------------------------
// G3: Alibaba's subscription window.

const G3: &str = "g3-alibaba-subscription.toml";

/// Strategy "sub-1mo" of G3: 1 x ecs.g6.large (payg 0.36 an hour) subscribed at
/// 2020-11-20 15:20 (UTC+8) for 1mo (70), active until 23:59:59 Dec 20 2020 (UTC+8).
const G3_SUB: &Expect = &[
    ("upfront", "0"),
    ("commitment_recurring", "0"),
    // 1,200 s before the purchase + 3,600 s after the expiry = 4,800 s x 0.36 / 3,600
    ("payg_compute", "0.48"),
    ("software", "0"),
    ("storage_network", "0"),
    ("subscription", "70"),
    // 70 + 0.48
    ("cash_total", "70.48"),
    // the whole period lies in the horizon: 70 x 1 + 0.48
    ("amortized_total", "70.48"),
    ("obligation_after_horizon", "0"),
    ("reserved_unit_seconds", "0"),
    ("used_unit_seconds", "0"),
    ("utilization", "0"),
    // carried 6,000 s of 2,623,200 subscribed: 5 / 2,186 = 0.002287282708|...
    ("subscription_utilization", "~0.002287282708"),
    // 6,000 of 10,800 s: 5/9
    ("coverage", "~0.555555555556"),
];

/// G3's pay-as-you-go baseline: 3,600 + 7,200 = 10,800 s = 3 h x 0.36.
const G3_PAYG: &Expect = &[
    ("payg_compute", "1.08"),
    ("subscription", "0"),
    ("cash_total", "1.08"),
    ("amortized_total", "1.08"),
];

/// Purchase 15:20 Nov 20 2020 (UTC+8); expiry 00:00 Dec 21 (UTC+8), the second after
/// 23:59:59 Dec 20; release 15 days after the expiry (alibaba `retention_days`).
const G3_EVENTS: [(&str, &str, &str); 3] = [
    ("2020-11-20T07:20:00Z", "purchase", "subscribe[0]"),
    ("2020-12-20T16:00:00Z", "expiry", "subscribe[0]"),
    ("2021-01-04T16:00:00Z", "release", "subscribe[0]"),
];

/// G3's hour rows for "sub-1mo".
#[rustfmt::skip]
const G3_SUB_HOURS: &[Row] = &[
    // 15:00-16:00 Nov 20 (UTC+8): subscribed from 15:20, 2,400 s; 1,200 s before it
    ("2020-11-20T07:00:00Z", "ecs.g6.large", "cn-hangzhou-h", 3600, 2400, "0", "1200"),
    // 23:00-24:00 Dec 20 (UTC+8): active up to and including 23:59:59
    ("2020-12-20T15:00:00Z", "ecs.g6.large", "cn-hangzhou-h", 3600, 3600, "0", "0"),
    // 00:00-01:00 Dec 21 (UTC+8): expired, pay-as-you-go
    ("2020-12-20T16:00:00Z", "ecs.g6.large", "cn-hangzhou-h", 3600, 0, "0", "3600"),
];

#[test]
fn g3_alibaba_subscription_library() {
    let s = load(&golden(G3));
    let bills = bills(&s, 0);
    let sub = bill_of(&bills, "sub-1mo");
    check_bill(sub, G3_SUB);
    check_bill(bill_of(&bills, "payg"), G3_PAYG);
    // Active [15:20 Nov 20, 00:00 Dec 21) (UTC+8): 30 days (Nov 20 15:20 -> Dec 20 15:20)
    // + 8 h 40 min = 2,592,000 + 31,200 s.
    assert_eq!(sub.subscribed_seconds, 2_592_000 + 31_200);
    assert_eq!(
        at("2020-12-21T00:00:00+08:00") - at("2020-11-20T15:20:00+08:00"),
        2_623_200
    );
    // 2,400 s (15:20-16:00 Nov 20) + 3,600 s (23:00-24:00 Dec 20).
    assert_eq!(sub.carried_seconds, 6_000);
    assert_eq!(sub.usage_seconds, 10_800);
    check_plan_events(&s, 1, &G3_EVENTS);
}

#[test]
fn g3_alibaba_subscription_cli() {
    let doc = bill_json(&golden(G3), &["--hourly"]);
    let sub = json_strategy(&doc, "sub-1mo");
    check_json(sub, G3_SUB);
    check_hours(sub, G3_SUB_HOURS);
    check_json_events(sub, &G3_EVENTS);
    check_json(json_strategy(&doc, "payg"), G3_PAYG);
}

// ---------------------------------------------------------------------------------------------
// G4: an unmatched reservation costs its full price under every payment option.

const G4_SHORT: &str = "g4-unmatched-short-horizon.toml";
const G4_FULL: &str = "g4-unmatched-full-term.toml";

/// Strategy names of the G4 files and the price of each one's whole term (count 2, 1y =
/// 8,760 h): all upfront 2 x 876; partial 2 x 438 + 2 x 0.05 x 8,760 = 876 + 876; no upfront
/// 2 x 0.11 x 8,760; monthly 12 x (2 x 876 / 12 = 146).
const G4_PRICES: [(&str, &str); 4] = [
    ("all-upfront", "1752"),
    ("partial", "1752"),
    ("no-upfront", "1927.2"),
    ("monthly", "1752"),
];

/// Horizon 3 months = 2,160 h of the 8,760 h term; 6,600 h after it.
const G4_SHORT_BILLS: [(&str, &Expect); 4] = [
    (
        "all-upfront",
        &[
            ("upfront", "1752"),
            ("commitment_recurring", "0"),
            ("cash_total", "1752"),
            // 1,752 x 2,160 / 8,760
            ("amortized_total", "432"),
            ("obligation_after_horizon", "0"),
        ],
    ),
    (
        "partial",
        &[
            // 2 x 438
            ("upfront", "876"),
            // 2 x 0.05 x 2,160
            ("commitment_recurring", "216"),
            ("cash_total", "1092"),
            // 876 x 2,160 / 8,760 = 216, + 216
            ("amortized_total", "432"),
            // 2 x 0.05 x 6,600
            ("obligation_after_horizon", "660"),
        ],
    ),
    (
        "no-upfront",
        &[
            ("upfront", "0"),
            // 2 x 0.11 x 2,160
            ("commitment_recurring", "475.2"),
            ("cash_total", "475.2"),
            ("amortized_total", "475.2"),
            // 2 x 0.11 x 6,600
            ("obligation_after_horizon", "1452"),
        ],
    ),
    (
        "monthly",
        &[
            // 3 instalments of 146 (Jan 1, Feb 1, Mar 1), nothing paid upfront
            ("upfront", "0"),
            ("instalments", "438"),
            ("commitment_recurring", "0"),
            ("cash_total", "438"),
            // amortized like all upfront: 1,752 x 2,160 / 8,760
            ("amortized_total", "432"),
            // 9 instalments of 146 (Apr 1 .. Dec 1)
            ("obligation_after_horizon", "1314"),
        ],
    ),
];

/// What every G4 strategy shares: no usage, nothing matched.
const G4_COMMON_SHORT: &Expect = &[
    ("payg_compute", "0"),
    ("software", "0"),
    ("storage_network", "0"),
    ("subscription", "0"),
    // 2 x 2 units x 2,160 h x 3,600 s
    ("reserved_unit_seconds", "31104000"),
    ("used_unit_seconds", "0"),
    ("utilization", "0"),
    ("coverage", "0"),
];

/// Horizon 18 months: the whole term inside, so cash_total = amortized_total = the price.
const G4_FULL_BILLS: [(&str, &Expect); 4] = [
    (
        "all-upfront",
        &[
            ("upfront", "1752"),
            ("commitment_recurring", "0"),
            ("cash_total", "1752"),
            ("amortized_total", "1752"),
        ],
    ),
    (
        "partial",
        &[
            ("upfront", "876"),
            // 2 x 0.05 x 8,760
            ("commitment_recurring", "876"),
            ("cash_total", "1752"),
            ("amortized_total", "1752"),
        ],
    ),
    (
        "no-upfront",
        &[
            ("upfront", "0"),
            // 2 x 0.11 x 8,760
            ("commitment_recurring", "1927.2"),
            ("cash_total", "1927.2"),
            ("amortized_total", "1927.2"),
        ],
    ),
    (
        "monthly",
        &[
            // 12 instalments of 146, Jan 1 .. Dec 1 2026, nothing paid upfront
            ("upfront", "0"),
            ("instalments", "1752"),
            ("commitment_recurring", "0"),
            ("cash_total", "1752"),
            ("amortized_total", "1752"),
        ],
    ),
];

/// What every full-term G4 strategy shares.
const G4_COMMON_FULL: &Expect = &[
    ("payg_compute", "0"),
    ("software", "0"),
    ("storage_network", "0"),
    ("subscription", "0"),
    ("obligation_after_horizon", "0"),
    // 2 x 2 units x 8,760 h x 3,600 s
    ("reserved_unit_seconds", "126144000"),
    ("used_unit_seconds", "0"),
    ("utilization", "0"),
    ("coverage", "0"),
];

#[test]
fn g4_unmatched_reservation_library() {
    for (file, per, common) in [
        (G4_SHORT, &G4_SHORT_BILLS, G4_COMMON_SHORT),
        (G4_FULL, &G4_FULL_BILLS, G4_COMMON_FULL),
    ] {
        let s = load(&golden(file));
        let bills = bills(&s, 0);
        assert_eq!(bills.len(), 5, "{file}");
        check_bill(bill_of(&bills, "payg"), NOTHING);
        for (name, price) in G4_PRICES {
            let b = bill_of(&bills, name);
            // The rule itself: what is paid in the horizon plus what is owed after it is
            // the price of the whole term.
            assert_eq!(
                b.cash_total + b.obligation_after_horizon,
                d(price),
                "{file} {name}"
            );
        }
        for (name, expect) in per.iter() {
            let b = bill_of(&bills, name);
            check_bill(b, expect);
            check_bill(b, common);
        }
    }
    // The term (2026-01-01 -> 2027-01-01) ends after the 3-month horizon and inside the
    // 18-month one.
    let s = load(&golden(G4_SHORT));
    for p in 1..=4 {
        check_plan_events(&s, p, &[("2026-01-01T00:00:00Z", "purchase", "reserve[0]")]);
    }
    let s = load(&golden(G4_FULL));
    for p in 1..=4 {
        check_plan_events(
            &s,
            p,
            &[
                ("2026-01-01T00:00:00Z", "purchase", "reserve[0]"),
                ("2027-01-01T00:00:00Z", "expiry", "reserve[0]"),
            ],
        );
    }
}

#[test]
fn g4_unmatched_reservation_cli() {
    for (file, per, common, events) in [
        (
            G4_SHORT,
            &G4_SHORT_BILLS,
            G4_COMMON_SHORT,
            &[("2026-01-01T00:00:00Z", "purchase", "reserve[0]")][..],
        ),
        (
            G4_FULL,
            &G4_FULL_BILLS,
            G4_COMMON_FULL,
            &[
                ("2026-01-01T00:00:00Z", "purchase", "reserve[0]"),
                ("2027-01-01T00:00:00Z", "expiry", "reserve[0]"),
            ][..],
        ),
    ] {
        let doc = bill_json(&golden(file), &["--hourly"]);
        check_json(json_strategy(&doc, "payg"), NOTHING);
        for (name, price) in G4_PRICES {
            let s = json_strategy(&doc, name);
            let paid = d(s["cash_total"].as_str().expect("cash_total"));
            let owed = d(s["obligation_after_horizon"]
                .as_str()
                .expect("obligation_after_horizon"));
            assert_eq!(paid + owed, d(price), "{file} {name}");
        }
        for (name, expect) in per.iter() {
            let s = json_strategy(&doc, name);
            check_json(s, expect);
            check_json(s, common);
            check_hours(s, &[]);
            check_json_events(s, events);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// G5: the auto-deduction threshold changes when cash is paid, not how much.

const G5_ON: &str = "g5-auto-deduction.toml";
const G5_OFF: &str = "g5-auto-deduction-off.toml";

/// G5's bill, the same with and without the threshold: upfront 10 x 1,000; hourly fees
/// (5 x 4 + 10 x 2 = 40 an hour) x 72 h; storage/network 0.5 x 72 h; the reservations cover
/// the one VM.
const G5_BILL: &Expect = &[
    ("upfront", "10000"),
    // 40 x 72
    ("commitment_recurring", "2880"),
    ("payg_compute", "0"),
    ("software", "0"),
    // 0.5 x 72
    ("storage_network", "36"),
    ("subscription", "0"),
    // 10,000 + 2,880 + 36
    ("cash_total", "12916"),
    // the Alibaba window runs to 24:00 Jan 31 2027 (UTC+8): 367 days = 8,808 h, 8,736 h
    // after the horizon: 40 x 8,736
    ("obligation_after_horizon", "349440"),
];

/// One trial's bill of strategy "ri" and its cash timeline.
fn g5_run(file: &str) -> (Scenario, Bill, Vec<CashFlow>) {
    let s = load(&golden(file));
    let (bill, flows) = {
        let engine = Engine::new(&s).expect("engine");
        let mut ws = engine.workspace();
        engine.fill(s.seed, 0, &mut ws).unwrap();
        assert_eq!(engine.plans[1].name, "ri");
        let bill = engine.bill(1, &mut ws).unwrap();
        let flows = engine.cash_timeline(1, &ws).unwrap();
        (bill, flows)
    };
    (s, bill, flows)
}

/// A timeline as `(instant, kind, amount)`, in a fixed order for comparison.
fn normalized(flows: &[CashFlow]) -> Vec<(i64, String, Decimal)> {
    let mut out: Vec<(i64, String, Decimal)> = flows
        .iter()
        .map(|f| (f.at, format!("{:?}", f.kind), f.amount.normalize()))
        .collect();
    out.sort();
    out
}

/// The expected timeline from hand-derived `(instant, kind, amount)` triples.
fn expected_flows(want: &[(&str, CashKind, &str)]) -> Vec<(i64, String, Decimal)> {
    let mut out: Vec<(i64, String, Decimal)> = want
        .iter()
        .map(|&(t, k, a)| (at(t), format!("{k:?}"), d(a).normalize()))
        .collect();
    out.sort();
    out
}

/// NPV of hand-derived `(instant, amount)` payments (docs/spec.md, section 10), in f64.
fn hand_npv(start: i64, rate: f64, payments: &[(&str, f64)]) -> f64 {
    payments
        .iter()
        .map(|&(t, a)| a * (1.0 + rate).powf(-((at(t) - start) as f64) / 31_557_600.0))
        .sum()
}

#[test]
fn g5_auto_deduction_moves_cash_not_cost() {
    let (s_on, on, flows_on) = g5_run(G5_ON);
    let (s_off, off, flows_off) = g5_run(G5_OFF);
    assert_eq!(s_on.start, at("2026-01-30T00:00:00+08:00"));
    assert_eq!(s_on.start, s_off.start);
    assert_eq!(s_on.discount_rate, d("0.08"));
    check_bill(&on, G5_BILL);
    check_bill(&off, G5_BILL);
    // Same amounts: every bill field agrees (the strategy name too).
    assert_eq!(on, off);

    // Each timeline sums to cash_total exactly (docs/spec.md, section 10).
    let sum_on: Decimal = flows_on.iter().map(|f| f.amount).sum();
    let sum_off: Decimal = flows_off.iter().map(|f| f.amount).sum();
    assert_eq!(sum_on, d("12916"));
    assert_eq!(sum_off, d("12916"));

    let upfront = CashKind::Fixed(ChargeKind::Upfront);
    let deducted = CashKind::Fixed(ChargeKind::HourlyFee);
    let fees_bill = CashKind::Fixed(ChargeKind::HourlyFee);
    let usage = CashKind::UsageBill;
    // Threshold 1,000: the strategy's fees are 40 an hour (neither entry alone, at 20 an
    // hour, would reach 1,000 before January ends).
    assert_eq!(
        normalized(&flows_on),
        expected_flows(&[
            // 10 x 1,000 upfront at the purchase (the horizon's start)
            ("2026-01-30T00:00:00+08:00", upfront, "10000"),
            // hours 1..25: 25 x 40 = 1,000 >= 1,000 at the end of hour 25 (01:00 Jan 31)
            ("2026-01-31T01:00:00+08:00", deducted, "1000"),
            // hours 26..48: 23 x 40 = 920, paid on the bill of Feb 1, 00:00 (UTC+8)
            ("2026-02-01T00:00:00+08:00", fees_bill, "920"),
            // January's storage/network: 48 h x 0.5
            ("2026-02-01T00:00:00+08:00", usage, "24"),
            // hours 49..72: 24 x 40 = 960 < 1,000, on the bill of Mar 1
            ("2026-03-01T00:00:00+08:00", fees_bill, "960"),
            // February's storage/network: 24 h x 0.5
            ("2026-03-01T00:00:00+08:00", usage, "12"),
        ])
    );
    // Threshold off: every hourly fee waits for the monthly bill.
    assert_eq!(
        normalized(&flows_off),
        expected_flows(&[
            ("2026-01-30T00:00:00+08:00", upfront, "10000"),
            // January: 48 h x 40
            ("2026-02-01T00:00:00+08:00", fees_bill, "1920"),
            ("2026-02-01T00:00:00+08:00", usage, "24"),
            // February: 24 h x 40
            ("2026-03-01T00:00:00+08:00", fees_bill, "960"),
            ("2026-03-01T00:00:00+08:00", usage, "12"),
        ])
    );
    // A deduction is a fee payment off the bill dates (00:00 UTC+8 on the 1st).
    let deductions = |flows: &[CashFlow]| -> Vec<i64> {
        flows
            .iter()
            .filter(|f| f.kind == deducted && (f.at + 8 * 3600) % 86_400 != 0)
            .map(|f| f.at)
            .collect()
    };
    assert_eq!(deductions(&flows_on), [at("2026-01-30T17:00:00Z")]);
    assert!(deductions(&flows_off).is_empty());

    // NPV at 8% a year, from the hand-derived payments (docs/spec.md, section 10).
    let start = s_on.start;
    let want_on = hand_npv(
        start,
        0.08,
        &[
            ("2026-01-30T00:00:00+08:00", 10_000.0),
            ("2026-01-31T01:00:00+08:00", 1_000.0),
            ("2026-02-01T00:00:00+08:00", 944.0),
            ("2026-03-01T00:00:00+08:00", 972.0),
        ],
    );
    let want_off = hand_npv(
        start,
        0.08,
        &[
            ("2026-01-30T00:00:00+08:00", 10_000.0),
            ("2026-02-01T00:00:00+08:00", 1_944.0),
            ("2026-03-01T00:00:00+08:00", 972.0),
        ],
    );
    let npv_on = npv(&flows_on, start, s_on.discount_rate);
    let npv_off = npv(&flows_off, start, s_off.discount_rate);
    assert!((npv_on - want_on).abs() < 1e-6, "{npv_on} vs {want_on}");
    assert!((npv_off - want_off).abs() < 1e-6, "{npv_off} vs {want_off}");
    // The payments are costs counted positive: the threshold pays 1,000 about 23 hours
    // earlier, so it is discounted less and the present value of the payments is higher with
    // the threshold on. The difference is 1,000 x (1.08^(-t1) - 1.08^(-t2)) with t1 = 25 h
    // and t2 = 48 h after the start, in years of 31,557,600 s: about
    // 1,000 x ln(1.08) x 23 h / 8,766 h = 0.2.
    assert!(npv_on > npv_off, "{npv_on} <= {npv_off}");
    let gap = 1_000.0
        * (1.08f64.powf(-(25.0 * 3600.0) / 31_557_600.0)
            - 1.08f64.powf(-(48.0 * 3600.0) / 31_557_600.0));
    assert!(((npv_on - npv_off) - gap).abs() < 1e-6);
    // With a zero rate the NPV is just the cash total, with or without the threshold.
    assert!((npv(&flows_on, start, Decimal::ZERO) - 12_916.0).abs() < 1e-6);
    assert!((npv(&flows_off, start, Decimal::ZERO) - 12_916.0).abs() < 1e-6);
}

// ---------------------------------------------------------------------------------------------
// G6: Windows licence under a reservation, and Azure Hybrid Benefit.

/// The G6 files: (file, strategy "ri", strategy "payg"). Two VMs x 10 h = 20 VM-hours;
/// licence 0.09, other software 0.05, storage/network 0.01 an hour; payg compute 0.2 an hour;
/// the reservation (2 x 876, amortized 1,752 x 10 / 8,760 = 2) covers compute only.
const G6_CASES: [(&str, &Expect, &Expect); 3] = [
    (
        // neither fleet has Hybrid Benefit: 20 licensed VM-hours
        "g6-windows-licence.toml",
        &[
            ("upfront", "1752"),
            ("payg_compute", "0"),
            // 0.09 x 20 + 0.05 x 20 = 1.8 + 1
            ("software", "2.8"),
            // 0.01 x 20
            ("storage_network", "0.2"),
            // 1,752 + 2.8 + 0.2
            ("cash_total", "1755"),
            // 2 + 2.8 + 0.2
            ("amortized_total", "5"),
            ("obligation_after_horizon", "0"),
            // 20 h x 3,600 s x 1 unit
            ("reserved_unit_seconds", "72000"),
            ("used_unit_seconds", "72000"),
            ("utilization", "1"),
            ("coverage", "1"),
        ],
        &[
            // 0.2 x 20
            ("payg_compute", "4"),
            ("software", "2.8"),
            ("storage_network", "0.2"),
            // 4 + 2.8 + 0.2
            ("cash_total", "7"),
            ("amortized_total", "7"),
        ],
    ),
    (
        // both fleets bring their licence: 0 licensed VM-hours
        "g6-windows-hybrid-benefit.toml",
        &[
            ("upfront", "1752"),
            ("payg_compute", "0"),
            // 0.05 x 20 only
            ("software", "1"),
            ("storage_network", "0.2"),
            // 1,752 + 1 + 0.2
            ("cash_total", "1753.2"),
            // 2 + 1 + 0.2
            ("amortized_total", "3.2"),
            ("obligation_after_horizon", "0"),
            ("reserved_unit_seconds", "72000"),
            ("used_unit_seconds", "72000"),
            ("utilization", "1"),
            ("coverage", "1"),
        ],
        &[
            ("payg_compute", "4"),
            ("software", "1"),
            ("storage_network", "0.2"),
            // 4 + 1 + 0.2
            ("cash_total", "5.2"),
            ("amortized_total", "5.2"),
        ],
    ),
    (
        // fleet a pays the licence, fleet b brings it: 10 licensed VM-hours
        "g6-windows-mixed.toml",
        &[
            ("upfront", "1752"),
            ("payg_compute", "0"),
            // 0.09 x 10 + 0.05 x 20 = 0.9 + 1
            ("software", "1.9"),
            ("storage_network", "0.2"),
            // 1,752 + 1.9 + 0.2
            ("cash_total", "1754.1"),
            // 2 + 1.9 + 0.2
            ("amortized_total", "4.1"),
            ("obligation_after_horizon", "0"),
            ("reserved_unit_seconds", "72000"),
            ("used_unit_seconds", "72000"),
            ("utilization", "1"),
            ("coverage", "1"),
        ],
        &[
            ("payg_compute", "4"),
            ("software", "1.9"),
            ("storage_network", "0.2"),
            // 4 + 1.9 + 0.2
            ("cash_total", "6.1"),
            ("amortized_total", "6.1"),
        ],
    ),
];

#[test]
fn g6_windows_licence_library() {
    for (file, ri, payg) in G6_CASES {
        let s = load(&golden(file));
        let bills = bills(&s, 0);
        check_bill(bill_of(&bills, "ri"), ri);
        check_bill(bill_of(&bills, "payg"), payg);
        // The reservation removes compute only: the non-compute charges are the same in both
        // strategies.
        let (r, p) = (bill_of(&bills, "ri"), bill_of(&bills, "payg"));
        assert_eq!(r[Component::Software], p[Component::Software], "{file}");
        assert_eq!(
            r[Component::StorageNetwork],
            p[Component::StorageNetwork],
            "{file}"
        );
        assert_eq!(r.usage_seconds, 72_000, "{file}");
    }
}

#[test]
fn g6_windows_licence_cli() {
    for (file, ri, payg) in G6_CASES {
        let doc = bill_json(&golden(file), &["--hourly"]);
        let r = json_strategy(&doc, "ri");
        check_json(r, ri);
        check_json(json_strategy(&doc, "payg"), payg);
        // Both VMs run every hour in one zone and are fully reserved.
        let want: Vec<Row> = HOURS_G6
            .iter()
            .map(|&h| (h, "D2s-win", "westeurope-1", 7200, 0, "7200", "0"))
            .collect();
        check_hours(r, &want);
    }
}

/// The ten hours of the G6 horizon (2026-03-02 00:00Z + 10h).
const HOURS_G6: [&str; 10] = [
    "2026-03-02T00:00:00Z",
    "2026-03-02T01:00:00Z",
    "2026-03-02T02:00:00Z",
    "2026-03-02T03:00:00Z",
    "2026-03-02T04:00:00Z",
    "2026-03-02T05:00:00Z",
    "2026-03-02T06:00:00Z",
    "2026-03-02T07:00:00Z",
    "2026-03-02T08:00:00Z",
    "2026-03-02T09:00:00Z",
];

// ---------------------------------------------------------------------------------------------
// G7: a size-flexible reservation of 8 units.

const G7: &str = "g7-size-flexible.toml";

/// "ri-1xD8" (1 x 8 units) and "ri-2xD4" (2 x 4 units), both size-flexible: capacity 28,800
/// unit-seconds an hour, all used; only 1,800 s of the D8 in the last hour is left over.
const G7_FLEX: &Expect = &[
    // 1 x 3,504 or 2 x 1,752
    ("upfront", "3504"),
    // D8 1,800 s x 0.8 / 3,600
    ("payg_compute", "0.4"),
    // 3,504 + 0.4
    ("cash_total", "3504.4"),
    // 3,504 x 4 h / 8,760 h = 1.6, + 0.4
    ("amortized_total", "2"),
    ("obligation_after_horizon", "0"),
    // 8 units x 4 h x 3,600 s
    ("reserved_unit_seconds", "115200"),
    ("used_unit_seconds", "115200"),
    ("utilization", "1"),
    // covered 7,200 + 3,600 + 7,200 + 3,600 + 1,800 = 23,400 s of 25,200 s: 13/14
    ("coverage", "~0.928571428571"),
];

/// "ri-D8-rigid": 1 x D8 without size flexibility covers the two D8 hours only.
const G7_RIGID: &Expect = &[
    ("upfront", "3504"),
    // D4: 7,200 + 3,600 + 3,600 + 3,600 = 18,000 s = 5 h x 0.4
    ("payg_compute", "2"),
    ("cash_total", "3506"),
    // 1.6 + 2
    ("amortized_total", "3.6"),
    ("reserved_unit_seconds", "115200"),
    // 2 h x 3,600 s x 8 units
    ("used_unit_seconds", "57600"),
    ("utilization", "0.5"),
    // 7,200 of 25,200 s: 2/7
    ("coverage", "~0.285714285714"),
];

/// G7's pay-as-you-go baseline: D4 5 h x 0.4 + D8 2 h x 0.8 = 2 + 1.6.
const G7_PAYG: &Expect = &[
    ("payg_compute", "3.6"),
    ("cash_total", "3.6"),
    ("amortized_total", "3.6"),
];

/// Hour rows of the size-flexible strategies.
#[rustfmt::skip]
const G7_FLEX_HOURS: &[Row] = &[
    // two D4: 28,800 unit-seconds / 4 units = 7,200 s, all covered
    ("2026-01-05T00:00:00Z", "D4", "z1", 7200, 0, "7200", "0"),
    // one D8: 28,800 / 8 = 3,600 s, all covered
    ("2026-01-05T01:00:00Z", "D8", "z1", 3600, 0, "3600", "0"),
    // one D4 in each zone: a regional reservation covers both
    ("2026-01-05T02:00:00Z", "D4", "z1", 3600, 0, "3600", "0"),
    ("2026-01-05T02:00:00Z", "D4", "z2", 3600, 0, "3600", "0"),
    // 12 units running: D4 first (same price per unit, "D4" < "D8") takes 14,400 unit-s,
    // the D8 gets the other 14,400: 14,400 / 8 = 1,800 s
    ("2026-01-05T03:00:00Z", "D4", "z2", 3600, 0, "3600", "0"),
    ("2026-01-05T03:00:00Z", "D8", "z1", 3600, 0, "1800", "1800"),
];

/// Hour rows of the rigid strategy: D8 only.
#[rustfmt::skip]
const G7_RIGID_HOURS: &[Row] = &[
    ("2026-01-05T00:00:00Z", "D4", "z1", 7200, 0, "0", "7200"),
    ("2026-01-05T01:00:00Z", "D8", "z1", 3600, 0, "3600", "0"),
    ("2026-01-05T02:00:00Z", "D4", "z1", 3600, 0, "0", "3600"),
    ("2026-01-05T02:00:00Z", "D4", "z2", 3600, 0, "0", "3600"),
    ("2026-01-05T03:00:00Z", "D4", "z2", 3600, 0, "0", "3600"),
    ("2026-01-05T03:00:00Z", "D8", "z1", 3600, 0, "3600", "0"),
];

#[test]
fn g7_size_flexible_library() {
    let s = load(&golden(G7));
    let bills = bills(&s, 0);
    for name in ["ri-1xD8", "ri-2xD4"] {
        let b = bill_of(&bills, name);
        check_bill(b, G7_FLEX);
        // 7,200 + 3,600 + 7,200 + 3,600 + 1,800 s covered of 25,200.
        assert_eq!(b.covered_seconds, d("23400"), "{name}");
        assert_eq!(b.usage_seconds, 25_200, "{name}");
    }
    check_bill(bill_of(&bills, "ri-D8-rigid"), G7_RIGID);
    assert_eq!(bill_of(&bills, "ri-D8-rigid").covered_seconds, d("7200"));
    check_bill(bill_of(&bills, "payg"), G7_PAYG);
}

#[test]
fn g7_size_flexible_cli() {
    let doc = bill_json(&golden(G7), &["--hourly"]);
    for name in ["ri-1xD8", "ri-2xD4"] {
        let s = json_strategy(&doc, name);
        check_json(s, G7_FLEX);
        check_hours(s, G7_FLEX_HOURS);
    }
    let rigid = json_strategy(&doc, "ri-D8-rigid");
    check_json(rigid, G7_RIGID);
    check_hours(rigid, G7_RIGID_HOURS);
    check_json(json_strategy(&doc, "payg"), G7_PAYG);
}
