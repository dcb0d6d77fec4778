//! No silent wrong number: at the edges of the documented ranges, a bill is exact or refused
//! with exit 2, never wrapped or truncated.

use super::common::{capsim, d, load_text};
use capsim::charge::Component;
use capsim::engine::Engine;

/// `fleets` fleets of `count` always-on VMs each of a 1,000,000-unit type, next to a type of
/// 0.01 units that nobody runs: the unit scale is 100, so a big VM is 100,000,000 scaled units,
/// the most the scenario allows. One hour at 2 an hour.
fn scenario(fleets: usize, count: u64) -> String {
    let mut text = String::from(
        r#"[scenario]
name = "edge"
start = "2026-01-01T00:00:00Z"
horizon = "1h"

[[instance_type]]
name = "big"
family = "x"
units = 1000000
payg_hourly = "2"

[[instance_type]]
name = "tiny"
family = "x"
units = 0.01
payg_hourly = "0.000001"
"#,
    );
    for i in 0..fleets {
        text.push_str(&format!(
            "\n[[fleet]]\nname = \"f{i}\"\ninstance_type = \"big\"\nzone = \"z\"\nbaseline = {count}\n"
        ));
    }
    text
}

#[test]
fn the_most_vms_a_cell_can_bill_exactly_are_billed_exactly() {
    // 5 x 10,000,000 VMs for one hour: 50,000,000 x 3,600 s x 100,000,000 scaled units =
    // 1.8e19 unit-seconds, just under 2^64 (1.8447e19). Pay-as-you-go: 50,000,000 x 2.
    let (_dir, s) = load_text("s.toml", &scenario(5, 10_000_000));
    let s = s.unwrap();
    let engine = Engine::new(&s).expect("engine");
    let mut ws = engine.workspace();
    let bills = engine.trial(s.seed, 0, &mut ws).unwrap();
    assert_eq!(bills[0][Component::PaygCompute], d("100000000"));
    assert_eq!(bills[0].usage_seconds, 50_000_000 * 3_600);
}

#[test]
fn a_cell_past_what_the_core_can_hold_is_refused_not_wrapped() {
    // 6 x 10,000,000 VMs: 2.16e19 unit-seconds in the hour, past 2^64. Wrapped, it would bill
    // about 3.2e18 unit-seconds as if they were all; it is refused instead.
    let (dir, s) = load_text("s.toml", &scenario(6, 10_000_000));
    let s = s.unwrap();
    let engine = Engine::new(&s).expect("engine");
    let mut ws = engine.workspace();
    let e = engine.trial(s.seed, 0, &mut ws).unwrap_err().to_string();
    assert!(
        e.contains("trial 0: 216,000,000,000 VM-seconds of big in z in the hour from 2026-01-01T00:00:00Z exceed the 184,467,440,737 that can be billed exactly (about 51,240,955 VMs at once)"),
        "{e}"
    );
    // Through the CLI: exit 2, one line, nothing written.
    let out = dir.path().join("out");
    let run = capsim()
        .args(["run", "--trials", "2", "--quiet", "--out"])
        .arg(&out)
        .arg(dir.path().join("s.toml"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("exceed the 184,467,440,737"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

/// One type of 1 unit at 1 an hour, one fleet of `baseline` always-on VMs in zone "z", and a
/// strategy "subs" of `entries` subscriptions of 10,000,000 instances each, bought at `at`.
/// One hour from 2026-01-01T00:00:00Z.
fn subscribed(baseline: u64, entries: usize, at: &str) -> String {
    let mut text = format!(
        r#"[scenario]
name = "subscribed"
start = "2026-01-01T00:00:00Z"
horizon = "1h"

[billing]
profile = "generic"

[[instance_type]]
name = "m"
payg_hourly = "1"
[instance_type.subscription]
monthly = "0.01"

[[fleet]]
name = "web"
instance_type = "m"
zone = "z"
baseline = {baseline}

[[strategy]]
name = "subs"
"#
    );
    for _ in 0..entries {
        text.push_str(&format!(
            "[[strategy.subscribe]]\ninstance_type = \"m\"\nzone = \"z\"\ncount = 10000000\nduration = \"1mo\"\nat = \"{at}\"\n"
        ));
    }
    text
}

#[test]
fn subscriptions_past_32_bits_in_one_cell_carry_every_vm() {
    // 430 x 10,000,000 = 4.3e9 instances subscribed from the start, past u32::MAX
    // (4,294,967,295): truncated to 32 bits they were 5,032,704, leaving 4,967,296 of the
    // 10,000,000 VMs to pay-as-you-go. Every VM is carried for the whole hour.
    let (_dir, s) = load_text(
        "s.toml",
        &subscribed(10_000_000, 430, "2026-01-01T00:00:00Z"),
    );
    let s = s.unwrap();
    let engine = Engine::new(&s).expect("engine");
    let mut ws = engine.workspace();
    let bills = engine.trial(s.seed, 0, &mut ws).unwrap();
    let subs = &bills[1];
    assert_eq!(subs.strategy, "subs");
    assert_eq!(subs.carried_seconds, 10_000_000 * 3_600);
    assert_eq!(subs[Component::PaygCompute], d("0"));
    // The fees: 430 entries x 10,000,000 x 0.01.
    assert_eq!(subs[Component::Subscription], d("43000000"));
    assert_eq!(bills[0][Component::PaygCompute], d("10000000"));
}

#[test]
fn the_most_vms_a_cell_holds_meet_subscriptions_bought_mid_hour_exactly() {
    // A trial holds at most 2.1e8 VMs (docs/scenario.md, "Limits"); the usage arrays and
    // matching are held to more: 2.4e9 VMs run in one cell for the hour, past i32::MAX, and
    // 215 x 10,000,000 = 2.15e9 instances (also past i32::MAX, as one change) are subscribed
    // at 00:30. Carried: 2.15e9 VMs x 1,800 s. Pay-as-you-go: 2.4e9 VMs for the
    // first half hour and the 0.25e9 not carried for the second, at 1 an hour:
    // 1.2e9 + 0.125e9 = 1,325,000,000.
    let (_dir, s) = load_text("s.toml", &subscribed(1, 215, "2026-01-01T00:30:00Z"));
    let s = s.unwrap();
    let engine = Engine::new(&s).expect("engine");
    let mut ws = engine.workspace();
    let layout = &engine.layout;
    let cell = layout.cell(0, 0).expect("the fleet's cell");
    ws.usage.clear(layout);
    for _ in 0..240 {
        ws.usage.add(layout, cell, s.start, s.end, 10_000_000, true);
    }
    ws.usage.finish(layout);
    assert_eq!(ws.usage.seconds[cell], 2_400_000_000 * 3_600);
    assert_eq!(ws.usage.present(cell), 2_400_000_000);
    let subs = engine.bill(1, &mut ws).unwrap();
    assert_eq!(subs.carried_seconds, 2_150_000_000 * 1_800);
    assert_eq!(subs[Component::PaygCompute], d("1325000000"));
}

/// A bill whose exact numerators leave 96 bits still bills: 10,000,000 VMs of a 100-unit type
/// at 1,000,000 an hour for three years (26,304 hours), next to an unused type of 0.000001
/// units that makes the unit scale 10^6 (so a VM is 10^8 scaled units and a bill period's
/// numerator about 2.7 x 10^30). Pay-as-you-go is 10^7 x 10^6 x 26,304 = 2.6304 x 10^17.
#[test]
fn numerators_past_96_bits_are_divided_first_and_bill() {
    let (_dir, s) = load_text(
        "s.toml",
        r#"[scenario]
name = "wide"
start = "2026-01-01T00:00:00Z"
horizon = "3y"

[[instance_type]]
name = "a"
family = "x"
units = 100
payg_hourly = "1000000"

[[instance_type]]
name = "tiny"
family = "x"
units = 0.000001
payg_hourly = "1"

[[fleet]]
name = "f"
instance_type = "a"
zone = "z"
baseline = 10000000
"#,
    );
    let s = s.unwrap();
    let engine = Engine::new(&s).expect("engine");
    let mut ws = engine.workspace();
    let bills = engine.trial(s.seed, 0, &mut ws).unwrap();
    assert_eq!(bills[0][Component::PaygCompute], d("263040000000000000"));
    assert_eq!(bills[0].cash_total, d("263040000000000000"));
}
