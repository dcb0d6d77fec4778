//! A multi-day, multi-type, two-zone example billed by hand.
//!
//! Scenario: `tests/data/hand/multiday.toml` with its trace `multiday.csv` (the TOML's comment
//! block describes the example). Every number asserted below was computed by hand from docs/spec.md
//! sections 2-5 and 11; the steps are written out here.
//!
//! # Notation
//!
//! Horizon [2026-03-01T00:00Z, 2026-03-04T00:00Z) = 72 hours = 259,200 s. `hN` is the hour
//! starting N hours after the start (h6 = Mar 1 06:00, h26 = Mar 2 02:00, h54 = Mar 3 06:00).
//! "u" = unit-seconds. Cells: (type, zone). Units: c.small 1, m.large 2, m.xlarge 4.
//! Fill order of a size-flexible family-m reservation (docs/spec.md 5.2, 11): payg/units, highest first:
//! m.xlarge 0.24/4 = 0.06 > m.large 0.10/2 = 0.05; then zone name: z1 before z2. So:
//! (m.xlarge, z1), (m.xlarge, z2), (m.large, z1), (m.large, z2).
//!
//! # Usage (the trace, clipped to the horizon)
//!
//! | VM   | cell        | running                                   | seconds |
//! |------|-------------|-------------------------------------------|---------|
//! | x1   | m.xlarge z1 | h0..h71 (clipped at both ends)            | 259,200 |
//! | l1   | m.large z1  | h0..h65                                   | 237,600 |
//! | l2   | m.large z1  | 10:15 Mar 1 .. 20:00 Mar 2: h10 2700, h11..h43 | 2700 + 33 x 3600 = 121,500 |
//! | x2   | m.xlarge z2 | h26, h27, h28 (2700 s)                    | 9,900   |
//! | l3   | m.large z2  | h46..h56                                  | 39,600  |
//! | c1   | c.small z2  | 18:00 .. 20:30 Mar 1                      | 9,000   |
//! | c2   | c.small z2  | 20:10 .. 20:40 Mar 1                      | 1,800   |
//! | c3   | c.small z2  | h32..h55                                  | 86,400  |
//! | c4   | c.small z2  | h36, h37                                  | 7,200   |
//! | c5   | c.small z1  | h68, h69                                  | 7,200   |
//! | old, zero | -      | before the horizon / zero length          | 0       |
//!
//! Per type: m.xlarge 269,100 s = 74.75 h; m.large 398,700 s = 110.75 h; c.small 111,600 s =
//! 31 h. All: 779,400 s.
//!
//! # payg (the baseline)
//!
//! - payg_compute = 110.75 x 0.10 + 74.75 x 0.24 + 31 x 0.12 = 11.075 + 17.94 + 3.72 = 32.735
//! - software = m.xlarge 74.75 x 0.04 + c.small licence 31 x 0.06 = 2.99 + 1.86 = 4.85
//! - storage_network = 110.75 x 0.004 + 74.75 x 0.008 + 31 x 0.006 = 0.443 + 0.598 + 0.186
//!   = 1.227
//! - cash_total = amortized_total = 32.735 + 4.85 + 1.227 = 38.812; everything else 0.
//!
//! # mixed
//!
//! Windows (generic: exact):
//! - R = reserve[0], regional, size-flexible, 3 x m.large = 6 u/s, [Mar 1 06:30, Mar 3 06:30):
//!   capacity h6 = 6 x 1800 = 10,800 u; h7..h53 = 21,600 u; h54 = 10,800 u.
//! - Z = reserve[1], zonal m.large z1 (only that cell), 1 x m.large = 2 u/s, periods
//!   [Mar 1 12:30, Mar 2 12:30), [Mar 2 12:30, Mar 3 12:30), [Mar 3 12:30, Mar 4 12:30)
//!   (the 2nd ends before the horizon's end, so a 3rd; the 3rd ends after it: no 4th).
//!   Capacity h12 = 2 x 1800 = 3,600 u; h13..h71 = 7,200 u (in h36 and h60 the old period's
//!   1800 s and the new period's 1800 s pool: 3,600 + 3,600 u).
//! - S1 = subscribe[0], 1 x c.small z2 from Mar 1 18:30 to Apr 1 18:30 (31 d = 2,678,400 s).
//! - S2 = subscribe[1], 1 x m.large z2 from Mar 2 22:30 to Apr 2 22:30 (31 d = 2,678,400 s).
//!
//! Subscriptions (instantaneous, min(N, S)):
//! - c.small z2: h18 N = 1 all hour, S = 1 from 18:30: carried 1800, rest 1800. h19: 3600.
//!   h20: 20:00-20:10 N=1, 20:10-20:30 N=2, 20:30-20:40 N=1, 20:40-21:00 N=0: carried
//!   10+20+10 min = 2400 of 3600 used, rest 1200 (pooling would have carried all 3600).
//!   h32..h55: c3 carried 3600 each (86,400); h36, h37: c3 + c4 = 7200 used, carried 3600,
//!   rest 3600. Carried 1800 + 3600 + 2400 + 86,400 = 94,200; rest 1800 + 1200 + 7200 = 10,200.
//! - c.small z1 (c5) is in the other zone: rest 7200.
//! - m.large z2 (l3): h46 S = 1 from 22:30: carried 1800, rest 1800; h47..h56 carried 3600
//!   each. Carried 1800 + 36,000 = 37,800; rest 1800 (h46, left to the reservations).
//!
//! Reservations, hour by hour (Z first, then R, each over the rest after subscriptions):
//!
//! | hours      | Z (m.large z1)       | R fills                                                     | payg seconds                     |
//! |------------|----------------------|-------------------------------------------------------------|----------------------------------|
//! | h0..h5     | -                    | -                                                           | x1 3600, L z1 3600               |
//! | h6         | -                    | x1 10,800 u = 2700 s (runs out)                             | x1 900, L z1 3600                |
//! | h7..h9     | -                    | x1 14,400; L z1 7,200 u = 3600 s                            | 0                                |
//! | h10        | -                    | x1 14,400; L z1 (6300 s used) 7,200 u = 3600 s              | L z1 2700                        |
//! | h11        | -                    | x1 14,400; L z1 (7200 s) 3600 s                             | L z1 3600                        |
//! | h12        | 3,600 u = 1800 s     | x1 14,400; L z1 7,200 u = 3600 s                            | L z1 7200-1800-3600 = 1800       |
//! | h13..h25   | 3600 s               | x1 14,400; L z1 3600 s (full)                               | 0                                |
//! | h26, h27   | 3600 s               | x1 14,400; x2 (z2) 7,200 u = 1800 s; none left for L z1     | x2 1800, L z1 3600               |
//! | h28        | 3600 s               | x1 14,400; x2 (2700 s) 1800 s                               | x2 900, L z1 3600                |
//! | h29..h43   | 3600 s (h36 pooled)  | x1 14,400; L z1 3600 s (full)                               | 0                                |
//! | h44, h45   | l1 3600 s            | x1 14,400 (7,200 u lost)                                    | 0                                |
//! | h46        | l1 3600 s            | x1 14,400; l3 rest 1800 s = 3,600 u (3,600 u lost)          | 0                                |
//! | h47..h53   | l1 3600 s            | x1 14,400 (l3 subscribed; 7,200 u lost)                     | 0                                |
//! | h54        | l1 3600 s            | x1 10,800 u = 2700 s (runs out)                             | x1 900                           |
//! | h55..h65   | l1 3600 s (h60 pooled) | -                                                         | x1 3600                          |
//! | h66..h71   | idle (7,200 u lost)  | -                                                           | x1 3600 (Z is not size-flexible) |
//!
//! Where the rules matter: h10/h11 (m.large by name first would leave x1 1800 s payg =
//! 0.12 instead of 0.10), h26/h27 (x2 before l2: 1800 s x 0.24/3600 + 0.10 = 0.22 instead of
//! 0.24; x1 in z1 before x2 in z2), h46 (R before Z would spend R on l1 and leave l3's 1800 s
//! to payg).
//!
//! Reserved seconds: x1 2700 + 47 x 3600 + 2700 = 174,600; x2 3 x 1800 = 5,400; L z1: h7..h9
//! 10,800 + h10 3600 + h11 3600 + h12 5400 + h13..h25 13 x 7200 = 93,600 + h26..h28 3 x 3600 =
//! 10,800 + h29..h43 15 x 7200 = 108,000 + h44..h65 22 x 3600 = 79,200 -> 315,000; l3 1,800.
//! By type: m.xlarge 180,000; m.large 316,800. used_unit_seconds = 180,000 x 4 + 316,800 x 2 =
//! 720,000 + 633,600 = 1,353,600 (R 968,400 + Z 385,200).
//!
//! Payg seconds: x1 6 x 3600 + 900 + 900 + 17 x 3600 = 84,600; x2 4,500 -> m.xlarge 89,100 =
//! 24.75 h. L z1 21,600 + 3600 + 2700 + 3600 + 1800 + 3 x 3600 = 44,100; l3 0 -> m.large
//! 44,100 = 12.25 h. c.small 10,200 + 7,200 = 17,400 (no reservation).
//!
//! - payg_compute = 24.75 x 0.24 + 12.25 x 0.10 + 17,400 x 0.12 / 3600 = 5.94 + 1.225 + 0.58
//!   = 7.745
//! - software (uncarried seconds): m.xlarge 74.75 h x 0.04 = 2.99; c.small licence 17,400 x
//!   0.06 / 3600 = 0.29 -> 3.28
//! - storage_network: m.large (398,700 - 37,800 = 360,900 s = 100.25 h) x 0.004 = 0.401;
//!   m.xlarge 0.598; c.small 17,400 x 0.006 / 3600 = 0.029 -> 1.028
//! - upfront: R 3 x 3.84 = 11.52 (06:30 Mar 1); Z 0.6 at each of its 3 periods' starts, all
//!   inside -> 1.8; total 13.32
//! - commitment_recurring: Z 0.05/h x (Mar 1 12:30 .. Mar 4 00:00 = 59.5 h) = 2.975
//! - subscription: 74.4 + 62 = 136.4 (both paid inside)
//! - cash_total = 13.32 + 2.975 + 7.745 + 3.28 + 1.028 + 136.4 = 164.748
//! - obligation_after_horizon: Z's last period after the horizon: 12.5 h x 0.05 = 0.625
//!   (nothing owed for subscriptions)
//! - amortized: R 11.52 (all inside); Z 0.6 + 0.6 + 0.6 x 41,400 / 86,400 = 1.4875;
//!   S1 74.4 x 192,600 / 2,678,400 = 5.35 (inside: Mar 1 18:30 .. Mar 4 = 53.5 h);
//!   S2 62 x 91,800 / 2,678,400 = 2.125 (inside: Mar 2 22:30 .. Mar 4 = 25.5 h);
//!   + 2.975 + 7.745 + 3.28 + 1.028 = 15.028 -> amortized_total = 35.5105
//! - reserved_unit_seconds = R 6 x 172,800 + Z 2 x 214,200 = 1,036,800 + 428,400 = 1,465,200
//! - subscribed 192,600 + 91,800 = 284,400; carried 94,200 + 37,800 = 132,000;
//!   covered 180,000 + 316,800 = 496,800.
//!
//! # flex-none
//!
//! reserve[0]: regional, size-flexible, 2 x m.xlarge = 8 u/s = 28,800 u an hour, no upfront
//! 0.18/h each; periods [Mar 2 06:00, Mar 3 06:00), [Mar 3 06:00, Mar 4 06:00): h30..h71
//! (42 h) inside, 6 h after.
//!
//! | hours     | fills (x1, then L z1, then l3)                  | lost u  |
//! |-----------|-------------------------------------------------|---------|
//! | h30..h43  | x1 14,400; l1 + l2 14,400                        | 0       |
//! | h44, h45  | x1 14,400; l1 7,200                              | 7,200   |
//! | h46..h56  | x1 14,400; l1 7,200; l3 7,200                    | 0       |
//! | h57..h65  | x1 14,400; l1 7,200                              | 7,200   |
//! | h66..h71  | x1 14,400                                        | 14,400  |
//!
//! Reserved seconds: x1 42 x 3600 = 151,200; L z1 14 x 7200 + 22 x 3600 = 180,000; l3 39,600.
//! Payg seconds: m.xlarge 269,100 - 151,200 = 117,900 = 32.75 h; m.large 398,700 - 219,600 =
//! 179,100 = 49.75 h; c.small 31 h.
//!
//! - payg_compute = 32.75 x 0.24 + 49.75 x 0.10 + 31 x 0.12 = 7.86 + 4.975 + 3.72 = 16.555
//! - software 4.85 and storage_network 1.227 (no subscription: as payg)
//! - commitment_recurring = 2 x 0.18 x 42 = 15.12; obligation = 2 x 0.18 x 6 = 2.16
//! - cash_total = amortized_total = 16.555 + 4.85 + 1.227 + 15.12 = 37.752
//! - reserved_unit_seconds = 8 x 151,200 = 1,209,600; used = 151,200 x 4 + 180,000 x 2 +
//!   39,600 x 2 = 604,800 + 360,000 + 79,200 = 1,044,000 (lost 2 x 7,200 + 9 x 7,200 +
//!   6 x 14,400 = 165,600 = 1,209,600 - 1,044,000)

use super::common::*;
use capsim::billing::Bill;
use capsim::charge::Component;
use capsim::engine::Engine;
use rust_decimal::Decimal;
use serde_json::Value;

const SCENARIO: &str = "tests/data/hand/multiday.toml";

/// 2026-03-01T00:00:00Z: 20,513 days after 1970-01-01 (56 years with 14 leap days, then
/// January and February 2026) x 86,400 s.
const START: i64 = 20_513 * 86_400;

/// One strategy's expected bill, as the canonical decimal text the JSON must print.
struct Expected {
    name: &'static str,
    upfront: &'static str,
    commitment_recurring: &'static str,
    payg_compute: &'static str,
    software: &'static str,
    storage_network: &'static str,
    subscription: &'static str,
    cash_total: &'static str,
    amortized_total: &'static str,
    obligation_after_horizon: &'static str,
    reserved_unit_seconds: &'static str,
    used_unit_seconds: &'static str,
    subscribed_seconds: u128,
    carried_seconds: u128,
    covered_seconds: &'static str,
    /// Events: (seconds after start, kind, entry); RFC 3339 text for the CLI.
    events: &'static [(i64, &'static str, &'static str, &'static str)],
    /// Per type (c.small, m.large, m.xlarge): (subscription seconds, reserved seconds, payg
    /// seconds) summed over the hour rows.
    by_type: [(u64, &'static str, &'static str); 3],
}

/// Usage seconds per type over the horizon: c.small, m.large, m.xlarge.
const USAGE_BY_TYPE: [(&str, u64); 3] = [
    ("c.small", 111_600),
    ("m.large", 398_700),
    ("m.xlarge", 269_100),
];

const EXPECTED: [Expected; 3] = [
    Expected {
        name: "payg",
        upfront: "0",
        commitment_recurring: "0",
        payg_compute: "32.735",
        software: "4.85",
        storage_network: "1.227",
        subscription: "0",
        cash_total: "38.812",
        amortized_total: "38.812",
        obligation_after_horizon: "0",
        reserved_unit_seconds: "0",
        used_unit_seconds: "0",
        subscribed_seconds: 0,
        carried_seconds: 0,
        covered_seconds: "0",
        events: &[],
        by_type: [(0, "0", "111600"), (0, "0", "398700"), (0, "0", "269100")],
    },
    Expected {
        name: "mixed",
        upfront: "13.32",
        commitment_recurring: "2.975",
        payg_compute: "7.745",
        software: "3.28",
        storage_network: "1.028",
        subscription: "136.4",
        cash_total: "164.748",
        amortized_total: "35.5105",
        obligation_after_horizon: "0.625",
        reserved_unit_seconds: "1465200",
        used_unit_seconds: "1353600",
        subscribed_seconds: 284_400,
        carried_seconds: 132_000,
        covered_seconds: "496800",
        // 6.5 h, 12.5 h, 18.5 h, 36.5 h, 46.5 h, 54.5 h, 60.5 h after the start. The
        // subscriptions' and Z's expiries fall after the horizon and are not listed.
        events: &[
            (23_400, "2026-03-01T06:30:00Z", "purchase", "reserve[0]"),
            (45_000, "2026-03-01T12:30:00Z", "purchase", "reserve[1]"),
            (66_600, "2026-03-01T18:30:00Z", "purchase", "subscribe[0]"),
            (131_400, "2026-03-02T12:30:00Z", "renewal", "reserve[1]"),
            (167_400, "2026-03-02T22:30:00Z", "purchase", "subscribe[1]"),
            (196_200, "2026-03-03T06:30:00Z", "expiry", "reserve[0]"),
            (217_800, "2026-03-03T12:30:00Z", "renewal", "reserve[1]"),
        ],
        by_type: [
            (94_200, "0", "17400"),
            (37_800, "316800", "44100"),
            (0, "180000", "89100"),
        ],
    },
    Expected {
        name: "flex-none",
        upfront: "0",
        commitment_recurring: "15.12",
        payg_compute: "16.555",
        software: "4.85",
        storage_network: "1.227",
        subscription: "0",
        cash_total: "37.752",
        amortized_total: "37.752",
        obligation_after_horizon: "2.16",
        reserved_unit_seconds: "1209600",
        used_unit_seconds: "1044000",
        subscribed_seconds: 0,
        carried_seconds: 0,
        covered_seconds: "370800",
        // 30 h and 54 h after the start; the expiry (Mar 4 06:00) is after the horizon.
        events: &[
            (108_000, "2026-03-02T06:00:00Z", "purchase", "reserve[0]"),
            (194_400, "2026-03-03T06:00:00Z", "renewal", "reserve[0]"),
        ],
        by_type: [
            (0, "0", "111600"),
            (0, "219600", "179100"),
            (0, "151200", "117900"),
        ],
    },
];

fn scenario_path() -> std::path::PathBuf {
    repo_file(SCENARIO)
}

fn assert_bill(b: &Bill, e: &Expected) {
    let n = e.name;
    assert_eq!(b.strategy, n);
    let money: [(&str, Decimal, &str); 11] = [
        ("upfront", b[Component::Upfront], e.upfront),
        (
            "commitment_recurring",
            b[Component::CommitmentRecurring],
            e.commitment_recurring,
        ),
        ("payg_compute", b[Component::PaygCompute], e.payg_compute),
        ("software", b[Component::Software], e.software),
        (
            "storage_network",
            b[Component::StorageNetwork],
            e.storage_network,
        ),
        ("subscription", b[Component::Subscription], e.subscription),
        ("cash_total", b.cash_total, e.cash_total),
        ("amortized_total", b.amortized_total, e.amortized_total),
        (
            "obligation_after_horizon",
            b.obligation_after_horizon,
            e.obligation_after_horizon,
        ),
        (
            "reserved_unit_seconds",
            b.reserved_unit_seconds,
            e.reserved_unit_seconds,
        ),
        (
            "used_unit_seconds",
            b.used_unit_seconds,
            e.used_unit_seconds,
        ),
    ];
    for (field, got, want) in money {
        assert_eq!(got, d(want), "{n}: {field}");
    }
    assert_eq!(
        b.subscribed_seconds, e.subscribed_seconds,
        "{n}: subscribed"
    );
    assert_eq!(b.carried_seconds, e.carried_seconds, "{n}: carried");
    assert_eq!(b.covered_seconds, d(e.covered_seconds), "{n}: covered");
    assert_eq!(b.usage_seconds, 779_400, "{n}: usage");
}

#[test]
fn library_bills_match_the_hand_calculation() {
    let s = load(&scenario_path());
    let all = bills(&s, 0);
    let names: Vec<&str> = all.iter().map(|b| b.strategy.as_str()).collect();
    assert_eq!(names, ["payg", "mixed", "flex-none"]);
    for e in &EXPECTED {
        assert_bill(bill_of(&all, e.name), e);
    }
}

#[test]
fn a_trace_fleet_is_the_same_in_every_trial() {
    let s = load(&scenario_path());
    assert_eq!(bills(&s, 0), bills(&s, 7));
}

#[test]
fn library_events_match_the_hand_calculation() {
    let s = load(&scenario_path());
    let engine = Engine::new(&s).expect("engine");
    assert_eq!(engine.plans.len(), 3);
    for (plan, e) in engine.plans.iter().zip(&EXPECTED) {
        assert_eq!(plan.name, e.name);
        let got: Vec<(i64, &str, &str)> = plan
            .events
            .iter()
            .map(|ev| (ev.at, ev.kind, ev.entry.as_str()))
            .collect();
        let want: Vec<(i64, &str, &str)> = e
            .events
            .iter()
            .map(|&(offset, _, kind, entry)| (START + offset, kind, entry))
            .collect();
        assert_eq!(got, want, "{}: events", e.name);
    }
}

/// The hour row of `(hour, type, zone)`, if any.
fn find_row<'a>(st: &'a Value, hour: &str, ty: &str, zone: &str) -> Option<&'a Value> {
    st["hours"]
        .as_array()
        .expect("hours")
        .iter()
        .find(|r| r["hour"] == hour && r["instance_type"] == ty && r["zone"] == zone)
}

/// Asserts one hour row: usage, subscription, reserved and payg seconds.
#[allow(clippy::too_many_arguments)]
fn assert_row(
    st: &Value,
    hour: &str,
    ty: &str,
    zone: &str,
    usage: u64,
    sub: u64,
    reserved: &str,
    payg: &str,
) {
    let name = st["name"].as_str().unwrap_or("?");
    let r = find_row(st, hour, ty, zone)
        .unwrap_or_else(|| panic!("{name}: no hour row {hour} {ty} {zone}"));
    let what = format!("{name}: {hour} {ty} {zone}");
    assert_eq!(r["usage_seconds"], usage, "{what}: usage_seconds");
    assert_eq!(
        r["subscription_seconds"], sub,
        "{what}: subscription_seconds"
    );
    assert_eq!(r["reserved_seconds"], reserved, "{what}: reserved_seconds");
    assert_eq!(r["payg_seconds"], payg, "{what}: payg_seconds");
}

fn assert_no_row(st: &Value, hour: &str, ty: &str, zone: &str) {
    assert!(
        find_row(st, hour, ty, zone).is_none(),
        "{}: unexpected hour row {hour} {ty} {zone}",
        st["name"]
    );
}

/// The strategy's JSON money, events and per-type sums of its hour rows.
fn assert_json_strategy(st: &Value, e: &Expected) {
    let n = e.name;
    for (field, want) in [
        ("upfront", e.upfront),
        ("commitment_recurring", e.commitment_recurring),
        ("payg_compute", e.payg_compute),
        ("software", e.software),
        ("storage_network", e.storage_network),
        ("subscription", e.subscription),
        ("cash_total", e.cash_total),
        ("amortized_total", e.amortized_total),
        ("obligation_after_horizon", e.obligation_after_horizon),
        ("reserved_unit_seconds", e.reserved_unit_seconds),
        ("used_unit_seconds", e.used_unit_seconds),
    ] {
        assert_eq!(st[field], want, "{n}: {field} in JSON");
    }
    let events: Vec<(String, String, String)> = st["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|ev| {
            (
                ev["at"].as_str().expect("at").to_string(),
                ev["kind"].as_str().expect("kind").to_string(),
                ev["entry"].as_str().expect("entry").to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = e
        .events
        .iter()
        .map(|&(_, at, kind, entry)| (at.to_string(), kind.to_string(), entry.to_string()))
        .collect();
    assert_eq!(events, want, "{n}: events in JSON");

    // Hour rows: one per hour and cell with usage. Cells with usage: m.xlarge z1 72 hours,
    // m.large z1 66, m.xlarge z2 3, m.large z2 11, c.small z2 3 + 24 = 27, c.small z1 2:
    // 181 rows (the zero-length VM and the VM before the horizon add none).
    let rows = st["hours"].as_array().expect("hours with --hourly");
    assert_eq!(rows.len(), 181, "{n}: hour rows");
    let keys: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["hour"].as_str().expect("hour").to_string(),
                r["instance_type"].as_str().expect("type").to_string(),
                r["zone"].as_str().expect("zone").to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        keys, sorted,
        "{n}: hour rows sorted by hour, type, zone, unique"
    );
    assert_eq!(
        keys[0],
        (
            "2026-03-01T00:00:00Z".to_string(),
            "m.large".to_string(),
            "z1".to_string()
        )
    );
    assert_eq!(
        keys[180],
        (
            "2026-03-03T23:00:00Z".to_string(),
            "m.xlarge".to_string(),
            "z1".to_string()
        )
    );
    for (i, (ty, usage)) in USAGE_BY_TYPE.iter().enumerate() {
        let (mut u, mut sub, mut res, mut payg) = (0u64, 0u64, Decimal::ZERO, Decimal::ZERO);
        for r in rows.iter().filter(|r| r["instance_type"] == *ty) {
            u += r["usage_seconds"].as_u64().expect("usage");
            sub += r["subscription_seconds"].as_u64().expect("sub");
            res += d(r["reserved_seconds"].as_str().expect("reserved"));
            payg += d(r["payg_seconds"].as_str().expect("payg"));
        }
        let (want_sub, want_res, want_payg) = e.by_type[i];
        assert_eq!(u, *usage, "{n}: {ty} usage over the rows");
        assert_eq!(
            sub, want_sub,
            "{n}: {ty} subscription seconds over the rows"
        );
        assert_eq!(res, d(want_res), "{n}: {ty} reserved seconds over the rows");
        assert_eq!(payg, d(want_payg), "{n}: {ty} payg seconds over the rows");
    }
}

#[test]
fn cli_json_matches_the_hand_calculation() {
    let doc = bill_json(&scenario_path(), &["--hourly"]);
    assert_eq!(doc["scenario"], "hand-multiday");
    assert_eq!(doc["trial"], 0);
    assert_eq!(doc["currency"], "USD");
    let names: Vec<&str> = doc["strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["payg", "mixed", "flex-none"]);
    for e in &EXPECTED {
        assert_json_strategy(json_strategy(&doc, e.name), e);
    }

    // payg: every second is pay-as-you-go.
    let p = json_strategy(&doc, "payg");
    assert_row(
        p,
        "2026-03-01T10:00:00Z",
        "m.large",
        "z1",
        6300,
        0,
        "0",
        "6300",
    );
    assert_row(
        p,
        "2026-03-01T20:00:00Z",
        "c.small",
        "z2",
        3600,
        0,
        "0",
        "3600",
    );
    assert_row(
        p,
        "2026-03-02T04:00:00Z",
        "m.xlarge",
        "z2",
        2700,
        0,
        "0",
        "2700",
    );
    assert_row(
        p,
        "2026-03-02T12:00:00Z",
        "c.small",
        "z2",
        7200,
        0,
        "0",
        "7200",
    );

    // mixed: the hours of interest (see the module comment's table).
    let m = json_strategy(&doc, "mixed");
    // Before any commitment.
    assert_row(
        m,
        "2026-03-01T00:00:00Z",
        "m.large",
        "z1",
        3600,
        0,
        "0",
        "3600",
    );
    assert_row(
        m,
        "2026-03-01T00:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "0",
        "3600",
    );
    // h6: R bought at 06:30: 6 u/s x 1800 s = 10,800 u, all to x1 (4 units): 2700 s.
    assert_row(
        m,
        "2026-03-01T06:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "2700",
        "900",
    );
    assert_row(
        m,
        "2026-03-01T06:00:00Z",
        "m.large",
        "z1",
        3600,
        0,
        "0",
        "3600",
    );
    // h9: 21,600 u = x1 14,400 + l1 7,200.
    assert_row(
        m,
        "2026-03-01T09:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    assert_row(
        m,
        "2026-03-01T09:00:00Z",
        "m.large",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    // h10: l2 from 10:15; x1 first (0.06/unit), m.large z1 gets 7,200 u = 3600 s of 6300.
    assert_row(
        m,
        "2026-03-01T10:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    assert_row(
        m,
        "2026-03-01T10:00:00Z",
        "m.large",
        "z1",
        6300,
        0,
        "3600",
        "2700",
    );
    assert_row(
        m,
        "2026-03-01T11:00:00Z",
        "m.large",
        "z1",
        7200,
        0,
        "3600",
        "3600",
    );
    // h12: Z from 12:30 (1800 s) + R's 3600 s.
    assert_row(
        m,
        "2026-03-01T12:00:00Z",
        "m.large",
        "z1",
        7200,
        0,
        "5400",
        "1800",
    );
    assert_row(
        m,
        "2026-03-01T13:00:00Z",
        "m.large",
        "z1",
        7200,
        0,
        "7200",
        "0",
    );
    // h18..h20: the c.small subscription from 18:30, instantaneous.
    assert_row(
        m,
        "2026-03-01T18:00:00Z",
        "c.small",
        "z2",
        3600,
        1800,
        "0",
        "1800",
    );
    assert_row(
        m,
        "2026-03-01T19:00:00Z",
        "c.small",
        "z2",
        3600,
        3600,
        "0",
        "0",
    );
    assert_row(
        m,
        "2026-03-01T20:00:00Z",
        "c.small",
        "z2",
        3600,
        2400,
        "0",
        "1200",
    );
    // h26: x1 (z1) before x2 (z2) before m.large z1 (l2 left after Z).
    assert_row(
        m,
        "2026-03-02T02:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    assert_row(
        m,
        "2026-03-02T02:00:00Z",
        "m.xlarge",
        "z2",
        3600,
        0,
        "1800",
        "1800",
    );
    assert_row(
        m,
        "2026-03-02T02:00:00Z",
        "m.large",
        "z1",
        7200,
        0,
        "3600",
        "3600",
    );
    // h28: x2 until 04:45.
    assert_row(
        m,
        "2026-03-02T04:00:00Z",
        "m.xlarge",
        "z2",
        2700,
        0,
        "1800",
        "900",
    );
    assert_row(
        m,
        "2026-03-02T04:00:00Z",
        "m.large",
        "z1",
        7200,
        0,
        "3600",
        "3600",
    );
    // h29: the zero-length m.xlarge z2 VM at 05:00 makes no row.
    assert_no_row(m, "2026-03-02T05:00:00Z", "m.xlarge", "z2");
    // h36: Z renewed at 12:30, its two periods pool; c3 + c4 against one subscription.
    assert_row(
        m,
        "2026-03-02T12:00:00Z",
        "m.large",
        "z1",
        7200,
        0,
        "7200",
        "0",
    );
    assert_row(
        m,
        "2026-03-02T12:00:00Z",
        "c.small",
        "z2",
        7200,
        3600,
        "0",
        "3600",
    );
    // h44: l2 gone; Z covers l1, R covers x1 and loses 7,200 u.
    assert_row(
        m,
        "2026-03-02T20:00:00Z",
        "m.large",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    assert_row(
        m,
        "2026-03-02T20:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    // h46: l3 half subscribed (from 22:30), the other half reserved by R (Z took l1 first).
    assert_row(
        m,
        "2026-03-02T22:00:00Z",
        "m.large",
        "z2",
        3600,
        1800,
        "1800",
        "0",
    );
    assert_row(
        m,
        "2026-03-02T22:00:00Z",
        "m.large",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    assert_row(
        m,
        "2026-03-02T22:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    assert_row(
        m,
        "2026-03-02T23:00:00Z",
        "m.large",
        "z2",
        3600,
        3600,
        "0",
        "0",
    );
    // h54: R expires at 06:30: 10,800 u to x1.
    assert_row(
        m,
        "2026-03-03T06:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "2700",
        "900",
    );
    assert_row(
        m,
        "2026-03-03T06:00:00Z",
        "m.large",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    assert_row(
        m,
        "2026-03-03T06:00:00Z",
        "m.large",
        "z2",
        3600,
        3600,
        "0",
        "0",
    );
    assert_row(
        m,
        "2026-03-03T06:00:00Z",
        "c.small",
        "z2",
        3600,
        3600,
        "0",
        "0",
    );
    assert_row(
        m,
        "2026-03-03T07:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "0",
        "3600",
    );
    // h60: Z's second renewal at 12:30, pooled.
    assert_row(
        m,
        "2026-03-03T12:00:00Z",
        "m.large",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    // h66: l1 gone; Z idles, zonal and not size-flexible: x1 pays.
    assert_no_row(m, "2026-03-03T18:00:00Z", "m.large", "z1");
    assert_row(
        m,
        "2026-03-03T18:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "0",
        "3600",
    );
    // h68: c5 is in z1, the subscription in z2.
    assert_row(
        m,
        "2026-03-03T20:00:00Z",
        "c.small",
        "z1",
        3600,
        0,
        "0",
        "3600",
    );
    assert_row(
        m,
        "2026-03-03T23:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "0",
        "3600",
    );

    // flex-none: 2 x m.xlarge from Mar 2 06:00, renewed at Mar 3 06:00.
    let f = json_strategy(&doc, "flex-none");
    assert_row(
        f,
        "2026-03-02T05:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "0",
        "3600",
    );
    assert_row(
        f,
        "2026-03-02T05:00:00Z",
        "m.large",
        "z1",
        7200,
        0,
        "0",
        "7200",
    );
    assert_row(
        f,
        "2026-03-02T06:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    assert_row(
        f,
        "2026-03-02T06:00:00Z",
        "m.large",
        "z1",
        7200,
        0,
        "7200",
        "0",
    );
    assert_row(
        f,
        "2026-03-01T20:00:00Z",
        "c.small",
        "z2",
        3600,
        0,
        "0",
        "3600",
    );
    assert_row(
        f,
        "2026-03-02T20:00:00Z",
        "m.large",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    assert_row(
        f,
        "2026-03-02T22:00:00Z",
        "m.large",
        "z2",
        3600,
        0,
        "3600",
        "0",
    );
    assert_row(
        f,
        "2026-03-03T06:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
    assert_row(
        f,
        "2026-03-03T06:00:00Z",
        "m.large",
        "z2",
        3600,
        0,
        "3600",
        "0",
    );
    assert_row(
        f,
        "2026-03-03T23:00:00Z",
        "m.xlarge",
        "z1",
        3600,
        0,
        "3600",
        "0",
    );
}

#[test]
fn cli_without_hourly_and_for_one_strategy() {
    let doc = bill_json(&scenario_path(), &[]);
    for e in &EXPECTED {
        let st = json_strategy(&doc, e.name);
        assert!(
            st.get("hours").is_none(),
            "{}: hours without --hourly",
            e.name
        );
        assert_eq!(st["cash_total"], e.cash_total, "{}: cash_total", e.name);
    }
    let one = bill_json(&scenario_path(), &["--strategy", "mixed"]);
    let strategies = one["strategies"].as_array().expect("strategies");
    assert_eq!(strategies.len(), 1);
    assert_eq!(strategies[0]["name"], "mixed");
    assert_eq!(strategies[0]["amortized_total"], "35.5105");
    assert_eq!(strategies[0]["obligation_after_horizon"], "0.625");
}
