//! Utilisation, coverage and cost per entry and per instance type (docs/spec.md, section 8),
//! against hand calculations.

use super::common::*;
use capsim::attribution::Attributed;
use capsim::billing::Bill;
use capsim::engine::Engine;
use capsim::montecarlo::{Runner, Settings};
use capsim::report::results::RunStats;
use capsim::scenario::Scenario;
use rust_decimal::Decimal;
use serde_json::Value;
use std::sync::atomic::AtomicBool;

/// Every plan's bill and breakdowns for trial 0.
fn attributed(s: &Scenario) -> (Engine<'_>, Vec<(Bill, Attributed)>) {
    let engine = Engine::new(s).expect("engine");
    let mut ws = engine.workspace();
    engine.fill(s.seed, 0, &mut ws).unwrap();
    let out = (0..engine.plans.len())
        .map(|p| {
            let bill = engine.bill(p, &mut ws).unwrap();
            let a = engine.attribute(p, &ws, &bill).unwrap();
            (bill, a)
        })
        .collect();
    (engine, out)
}

fn ratio(a: u64, b: u64) -> Decimal {
    Decimal::from(a) / Decimal::from(b)
}

/// The hand example of `tests/it/hand_example.rs` (tests/data/hand/multiday.toml), split by
/// entry and by type. From that file's derivation:
///
/// mixed:
/// - reserve[0] (R, 3 x m.large size-flexible, 2d all upfront): reserved 6 u/s x 172,800 s =
///   1,036,800 u, used 968,400 u; cost 11.52, all inside, all amortized.
/// - reserve[1] (Z, 1 x m.large z1, 1d partial, renewed): reserved 428,400 u, used 385,200 u;
///   cash 3 x 0.6 + 2.975 fees = 4.775; amortized 1.4875 + 2.975 = 4.4625.
/// - subscribe[0] (c.small z2): subscribed 192,600 s, carried 94,200 s; 74.4 paid, 5.35
///   amortized. subscribe[1] (m.large z2): 91,800 s, carried 37,800 s; 62 paid, 2.125 amortized.
/// - c.small: usage 111,600 s, carried 94,200, covered 0; payg 17,400 s x 0.12 = 0.58, licence
///   17,400 s x 0.06 = 0.29, storage 17,400 s x 0.006 = 0.029, + subscribe[0]: cash 75.299,
///   amortized 6.249.
/// - m.large: usage 398,700 s, carried 37,800, covered 316,800 s (R's and Z's); payg 12.25 h x
///   0.10 = 1.225, storage 100.25 h x 0.004 = 0.401, + R 11.52, Z 4.775 (4.4625 amortized),
///   subscribe[1] 62 (2.125): cash 79.921, amortized 19.7335.
/// - m.xlarge: usage 269,100 s, covered 180,000 s (by R, bought as m.large: its cost stays with
///   m.large); payg 24.75 h x 0.24 = 5.94, software 74.75 h x 0.04 = 2.99, storage 74.75 h x
///   0.008 = 0.598: 9.528 both ways.
/// - Sums: 75.299 + 79.921 + 9.528 = 164.748 = cash_total; 6.249 + 19.7335 + 9.528 = 35.5105
///   = amortized_total.
///
/// flex-none (2 x m.xlarge size-flexible, no upfront, a smaller size carried in units):
/// - reserve[0]: reserved 1,209,600 u, used 1,044,000 u; fees 15.12 inside (2.16 after the
///   horizon, in neither).
/// - c.small: not covered; 3.72 + 1.86 + 0.186 = 5.766.
/// - m.large: covered L z1 180,000 + l3 39,600 = 219,600 of 398,700 s; payg 49.75 h x 0.10 =
///   4.975 + storage 0.443 = 5.418.
/// - m.xlarge: covered 151,200 of 269,100 s; payg 32.75 h x 0.24 = 7.86 + 2.99 + 0.598 + fees
///   15.12 = 26.568. Sum 37.752 = cash_total = amortized_total.
#[test]
fn the_hand_example_splits_by_entry_and_by_type() {
    let s = load(&repo_file("tests/data/hand/multiday.toml"));
    let (engine, out) = attributed(&s);
    let types: Vec<&str> = engine.attributions[0]
        .types
        .iter()
        .map(|&t| s.types[t].name.as_str())
        .collect();
    assert_eq!(types, ["c.small", "m.large", "m.xlarge"]);

    let (bill, mixed) = &out[1];
    assert_eq!(bill.strategy, "mixed");
    let info = &engine.attributions[1].entries;
    let expect_entries = [
        (
            "reserve[0]",
            "m.large",
            1_036_800u64,
            968_400u64,
            "11.52",
            "11.52",
        ),
        ("reserve[1]", "m.large", 428_400, 385_200, "4.775", "4.4625"),
        ("subscribe[0]", "c.small", 192_600, 94_200, "74.4", "5.35"),
        ("subscribe[1]", "m.large", 91_800, 37_800, "62", "2.125"),
    ];
    assert_eq!(info.len(), expect_entries.len());
    for ((e, u), (name, ty, capacity, used, cash, amortized)) in
        info.iter().zip(&mixed.entries).zip(expect_entries)
    {
        assert_eq!(e.entry, name);
        assert_eq!(s.types[e.instance_type].name, ty, "{name}");
        assert_eq!(e.capacity, u128::from(capacity), "{name}");
        assert_eq!(u.used, u128::from(used), "{name}");
        assert_eq!(u.utilization, ratio(used, capacity), "{name}");
        assert_eq!(e.cash, d(cash), "{name}");
        assert_eq!(e.amortized, d(amortized), "{name}");
    }
    let expect_types = [
        (111_600u64, 94_200u64, 0u64, "75.299", "6.249"),
        (398_700, 37_800, 316_800, "79.921", "19.7335"),
        (269_100, 0, 180_000, "9.528", "9.528"),
    ];
    let units = [1u64, 2, 4];
    for (i, (t, (usage, carried, covered, cash, amortized))) in
        mixed.types.iter().zip(expect_types).enumerate()
    {
        assert_eq!(t.usage_seconds, u128::from(usage), "{}", types[i]);
        assert_eq!(t.carried_seconds, u128::from(carried), "{}", types[i]);
        assert_eq!(t.covered_unit_seconds, u128::from(covered * units[i]));
        assert_eq!(t.coverage, ratio(carried + covered, usage), "{}", types[i]);
        assert_eq!(t.cash, d(cash), "{}", types[i]);
        assert_eq!(t.amortized, d(amortized), "{}", types[i]);
    }
    assert_eq!(
        mixed.types.iter().map(|t| t.cash).sum::<Decimal>(),
        bill.cash_total
    );
    assert_eq!(
        mixed.types.iter().map(|t| t.amortized).sum::<Decimal>(),
        bill.amortized_total
    );

    let (bill, flex) = &out[2];
    assert_eq!(bill.strategy, "flex-none");
    let e = &engine.attributions[2].entries[0];
    assert_eq!((e.capacity, flex.entries[0].used), (1_209_600, 1_044_000));
    assert_eq!(flex.entries[0].utilization, ratio(1_044_000, 1_209_600));
    assert_eq!((e.cash, e.amortized), (d("15.12"), d("15.12")));
    let expect_types = [
        (111_600u64, 0u64, "5.766"),
        (398_700, 219_600, "5.418"),
        (269_100, 151_200, "26.568"),
    ];
    for (i, (t, (usage, covered, cost))) in flex.types.iter().zip(expect_types).enumerate() {
        assert_eq!(t.coverage, ratio(covered, usage), "{}", types[i]);
        assert_eq!((t.cash, t.amortized), (d(cost), d(cost)), "{}", types[i]);
    }

    // payg: every type pays its own usage, nothing covered.
    let (_, payg) = &out[0];
    assert!(payg.entries.is_empty());
    // c.small 31 h x (0.12 + 0.06 + 0.006); m.large 110.75 h x (0.10 + 0.004); m.xlarge
    // 74.75 h x (0.24 + 0.04 + 0.008).
    let costs: Vec<Decimal> = payg.types.iter().map(|t| t.cash).collect();
    assert_eq!(costs, [d("5.766"), d("11.518"), d("21.528")]);
    assert!(payg.types.iter().all(|t| t.coverage.is_zero()));
}

/// The same figures as `capsim bill --json` prints them.
#[test]
fn bill_json_lists_entries_and_instance_types() {
    let json = bill_json(&repo_file("tests/data/hand/multiday.toml"), &[]);
    let mixed = json["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "mixed")
        .unwrap();
    let entries = mixed["entries"].as_array().unwrap();
    assert_eq!(entries[0]["entry"], "reserve[0]");
    assert_eq!(entries[0]["kind"], "reservation");
    assert_eq!(entries[0]["instance_type"], "m.large");
    assert_eq!(entries[0]["reserved_unit_seconds"], "1036800");
    assert_eq!(entries[0]["used_unit_seconds"], "968400");
    // 968,400 / 1,036,800 = 0.93402777... (12 decimals, half-even).
    assert_eq!(entries[0]["utilization"], "0.934027777778");
    assert_eq!(entries[0]["cash"], "11.52");
    assert_eq!(entries[1]["amortized"], "4.4625");
    assert_eq!(entries[2]["kind"], "subscription");
    assert_eq!(entries[2]["subscribed_seconds"], 192_600);
    assert_eq!(entries[2]["carried_seconds"], 94_200);
    assert_eq!(entries[2].get("reserved_unit_seconds"), None);
    let types = mixed["instance_types"].as_array().unwrap();
    let m_large = &types[1];
    assert_eq!(m_large["instance_type"], "m.large");
    assert_eq!(m_large["usage_seconds"], 398_700);
    assert_eq!(m_large["subscription_seconds"], 37_800);
    assert_eq!(m_large["reserved_seconds"], "316800");
    // (37,800 + 316,800) / 398,700 = 0.889390519...
    assert_eq!(m_large["coverage"], "0.889390519187");
    assert_eq!(m_large["cash"], "79.921");
    assert_eq!(m_large["amortized"], "19.7335");
}

const TWO_TYPES: &str = r#"
[scenario]
name = "two-types"
start = "2026-01-01T00:00:00Z"
horizon = "10d"
trials = 3
seed = 5
currency = "USD"

[billing]
profile = "generic"

[[instance_type]]
name = "a.small"
family = "a"
units = 1
payg_hourly = "0.10"
[instance_type.reserved.1y]
all_upfront = "438"

[[instance_type]]
name = "b.big"
family = "b"
units = 4
payg_hourly = "0.50"
storage_network_hourly = "0.01"
[instance_type.reserved.10d]
no_upfront = { hourly = "0.30" }

[[fleet]]
name = "a"
instance_type = "a.small"
zone = "z1"
baseline = 3

[[fleet]]
name = "b"
instance_type = "b.big"
zone = "z1"
baseline = 2

[[strategy]]
name = "one-each"
[[strategy.reserve]]
instance_type = "a.small"
count = 2
term = "1y"
payment = "all_upfront"
at = "0s"
[[strategy.reserve]]
instance_type = "b.big"
count = 3
term = "10d"
payment = "no_upfront"
at = "0s"
"#;

/// Two types, one entry each, always-on VMs (240 hours):
/// - a.small: 3 VMs, 2 reserved for a year (2 x 438 = 876 paid; 10 of 365 days amortized:
///   24). Utilisation 1 (demand exceeds the reservation); coverage 2/3; payg 1 VM x 240 h x
///   0.10 = 24. Cash 876 + 24 = 900, amortized 24 + 24 = 48.
/// - b.big: 2 VMs, 3 reserved (12 u/s for 8 u/s of demand): utilisation 2/3, coverage 1; no
///   pay-as-you-go; storage 2 x 240 h x 0.01 = 4.8; fees 3 x 0.30 x 240 h = 216. Cash =
///   amortized = 220.8.
/// - Totals: cash 1,120.8, amortized 268.8; payg: a.small 3 x 240 x 0.10 = 72, b.big 2 x 240
///   x (0.50 + 0.01) = 244.8.
#[test]
fn two_types_with_one_entry_each() {
    let (_dir, s) = load_text("two.toml", TWO_TYPES);
    let s = s.unwrap_or_else(|e| panic!("{e}"));
    let (engine, out) = attributed(&s);
    let (bill, a) = &out[1];
    assert_eq!(bill.cash_total, d("1120.8"));
    assert_eq!(bill.amortized_total, d("268.8"));
    let entries = &engine.attributions[1].entries;
    assert_eq!(a.entries[0].utilization, Decimal::ONE);
    assert_eq!(a.entries[1].utilization, d("2") / d("3"));
    assert_eq!((entries[0].cash, entries[0].amortized), (d("876"), d("24")));
    assert_eq!(
        (entries[1].cash, entries[1].amortized),
        (d("216"), d("216"))
    );
    assert_eq!(a.types[0].coverage, d("2") / d("3"));
    assert_eq!(a.types[1].coverage, Decimal::ONE);
    assert_eq!((a.types[0].cash, a.types[0].amortized), (d("900"), d("48")));
    assert_eq!(
        (a.types[1].cash, a.types[1].amortized),
        (d("220.8"), d("220.8"))
    );
    let (_, payg) = &out[0];
    assert_eq!(
        (payg.types[0].cash, payg.types[1].cash),
        (d("72"), d("244.8"))
    );

    // A run of the same: always-on fleets make every trial alike, so the means are the
    // figures above, and the types' means add up to the strategy's.
    let stats = run_stats(&s, 3);
    let one = &stats.strategies[1];
    let b = one.breakdowns.as_ref().unwrap();
    assert_eq!(b.amortized_total_mean, d("268.8"));
    assert_eq!(b.entries[0].utilization_mean, 1.0);
    assert!((b.entries[1].utilization_mean - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(b.entries[1].instance_type, "b.big");
    assert_eq!(b.instance_types[0].instance_type, "a.small");
    assert!((b.instance_types[0].coverage_mean - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(b.instance_types[0].cash_mean, d("900"));
    assert_eq!(b.instance_types[1].amortized_mean, d("220.8"));
}

fn run_stats(s: &Scenario, trials: u64) -> RunStats {
    let engine = Engine::new(s).unwrap();
    let runner = Runner::new(&engine);
    let settings = Settings {
        first: 0,
        trials,
        seed: s.seed,
        threads: 2,
    };
    let samples = runner
        .collect(settings, &AtomicBool::new(false), |_| {}, |_| Ok(()))
        .unwrap();
    RunStats::new(&engine, &samples, s.seed, trials, false)
}

/// On a random fleet (the example: arrivals and lifetimes in seconds, so a type's cost rarely
/// terminates), the types' means add up to each strategy's means exactly, and each is the mean
/// of the trials' exact figures.
#[test]
fn run_means_of_types_add_up_to_the_strategy_means() {
    let s = load(&repo_file("scenarios/example.toml"));
    let trials = 6;
    let stats = run_stats(&s, trials);
    let engine = Engine::new(&s).unwrap();
    let mut ws = engine.workspace();
    let n = Decimal::from(trials);
    for (p, st) in stats.strategies.iter().enumerate() {
        let b = st.breakdowns.as_ref().unwrap();
        let cash: Decimal = b.instance_types.iter().map(|t| t.cash_mean).sum();
        let amortized: Decimal = b.instance_types.iter().map(|t| t.amortized_mean).sum();
        assert_eq!(cash, st.cash_total_mean, "{}", st.name);
        assert_eq!(amortized, b.amortized_total_mean, "{}", st.name);
        // The same means from the trials' own bills, to the 20th decimal.
        let mut types = vec![(Decimal::ZERO, Decimal::ZERO, 0.0); b.instance_types.len()];
        let mut total = Decimal::ZERO;
        let mut utilization = vec![0.0; b.entries.len()];
        for k in 0..trials {
            engine.fill(s.seed, k, &mut ws).unwrap();
            let bill = engine.bill(p, &mut ws).unwrap();
            let a = engine.attribute(p, &ws, &bill).unwrap();
            total += bill.amortized_total;
            for (sum, t) in types.iter_mut().zip(&a.types) {
                sum.0 += t.cash;
                sum.1 += t.amortized;
                sum.2 += f64::try_from(t.coverage).unwrap();
            }
            for (sum, e) in utilization.iter_mut().zip(&a.entries) {
                *sum += f64::try_from(e.utilization).unwrap();
            }
        }
        assert_eq!(b.amortized_total_mean, total / n);
        for (t, sum) in b.instance_types.iter().zip(&types) {
            assert_eq!(t.cash_mean.round_dp(20), (sum.0 / n).round_dp(20));
            assert_eq!(t.amortized_mean.round_dp(20), (sum.1 / n).round_dp(20));
            assert!((t.coverage_mean - sum.2 / trials as f64).abs() < 1e-12);
        }
        for (e, sum) in b.entries.iter().zip(&utilization) {
            assert!((e.utilization_mean - sum / trials as f64).abs() < 1e-12);
        }
    }
}

/// `summary.json` carries the breakdowns and reads them back unchanged.
#[test]
fn summary_json_carries_breakdowns() {
    let (_dir, s) = load_text("two.toml", TWO_TYPES);
    let s = s.unwrap();
    let stats = run_stats(&s, 2);
    let text = capsim::report::summary::json(&stats);
    let v: Value = serde_json::from_str(&text).unwrap();
    let b = &v["strategies"][1]["breakdowns"];
    assert_eq!(b["amortized_total_mean"], "268.8");
    assert_eq!(b["entries"][0]["entry"], "reserve[0]");
    assert_eq!(b["entries"][0]["kind"], "reservation");
    assert_eq!(b["entries"][0]["instance_type"], "a.small");
    assert_eq!(b["entries"][0]["cash"], "876");
    assert_eq!(b["entries"][0]["amortized"], "24");
    assert_eq!(b["entries"][0]["utilization_mean"], 1.0);
    assert_eq!(b["instance_types"][1]["instance_type"], "b.big");
    assert_eq!(b["instance_types"][1]["coverage_mean"], 1.0);
    assert_eq!(b["instance_types"][1]["cash_mean"], "220.8");
    assert_eq!(b["instance_types"][0]["amortized_mean"], "48");
    let back: RunStats = serde_json::from_str(&text).unwrap();
    assert_eq!(
        back.strategies[1].breakdowns,
        stats.strategies[1].breakdowns
    );
}

/// Plans put into an engine after it was built (as a recommendation's batches are) are broken
/// down as their own, not as the plans the engine was built with.
#[test]
fn replaced_plans_are_broken_down_as_themselves() {
    let s = load(&repo_file("tests/data/hand/multiday.toml"));
    let (_, expected) = attributed(&s);
    let mut engine = Engine::new(&s).unwrap();
    engine.plans.swap(1, 2);
    let mut ws = engine.workspace();
    engine.fill(s.seed, 0, &mut ws).unwrap();
    let bill = engine.bill(1, &mut ws).unwrap();
    assert_eq!(bill.strategy, "flex-none");
    let a = engine.attribute(1, &ws, &bill).unwrap();
    assert_eq!(a, expected[2].1);
}
