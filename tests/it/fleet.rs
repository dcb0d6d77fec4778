//! Fleets from baseline VMs, events and traces, clipped to the horizon (docs/spec.md, section 4).

use super::common::{bills, d, load_text};
use capsim::charge::Component;
use capsim::engine::Engine;
use capsim::fleet::VmGroup;

const DAY: u128 = 86_400;

fn scenario(fleets: &str) -> String {
    format!(
        r#"[scenario]
name = "f"
start = "2026-01-01T00:00:00Z"
horizon = "30d"

[[instance_type]]
name = "m"
payg_hourly = "0.36"
storage_network_hourly = "0.018"

{fleets}
"#
    )
}

#[test]
fn baseline_adds_and_removes_stop_the_oldest_first() {
    // Baseline 3 from day 0; 2 added at day 10; 4 removed at day 20: the 3 baseline VMs (the
    // oldest) and one of the added stop at day 20; the other added VM runs to day 30.
    // An event that never happens (probability 0) changes nothing; an add dated before the
    // start has already happened at the start.
    let (_dir, s) = load_text(
        "s.toml",
        &scenario(
            r#"[[fleet]]
name = "svc"
instance_type = "m"
baseline = 3
[[fleet.event]]
at = "10d"
add = 2
[[fleet.event]]
at = "20d"
remove = 4
[[fleet.event]]
at = "25d"
add = 50
probability = 0
[[fleet.event]]
at = "-5d"
add = 1
"#,
        ),
    );
    let s = s.unwrap_or_else(|e| panic!("{e}"));
    let engine = Engine::new(&s).expect("engine");
    let mut groups: Vec<VmGroup> = Vec::new();
    engine
        .generator
        .generate(&s, &engine.layout, s.seed, 0, &mut groups);
    let t0 = s.start;
    let day = 86_400;
    // The add dated day -5 counts from the start and is the second-oldest group: the remove
    // at day 20 stops the 3 baseline VMs and it.
    let mut spans: Vec<(i64, i64, u32)> = groups
        .iter()
        .map(|g| ((g.start - t0) / day, (g.end - t0) / day, g.count))
        .collect();
    spans.sort();
    assert_eq!(spans, vec![(0, 20, 1), (0, 20, 3), (10, 30, 2)]);

    // Hand count: 3 x 20 + 1 x 20 + 2 x 20 (days 10-30) = 120 VM-days.
    let b = &bills(&s, 0)[0];
    assert_eq!(b.usage_seconds, 120 * DAY);
    // 120 days x 24 h x 0.36 = 1036.8; storage 120 x 24 x 0.018 = 51.84.
    assert_eq!(b[Component::PaygCompute], d("1036.8"));
    assert_eq!(b[Component::StorageNetwork], d("51.84"));
}

#[test]
fn a_remove_larger_than_the_fleet_stops_at_zero() {
    let (_dir, s) = load_text(
        "s.toml",
        &scenario(
            r#"[[fleet]]
name = "svc"
instance_type = "m"
baseline = 2
[[fleet.event]]
at = "12h"
remove = 100
[[fleet.event]]
at = "1d"
add = 1
"#,
        ),
    );
    let s = s.unwrap_or_else(|e| panic!("{e}"));
    // 2 VMs for 12 h, then none until day 1, then 1 VM for 29 days.
    let b = &bills(&s, 0)[0];
    assert_eq!(b.usage_seconds, 2 * 12 * 3600 + 29 * DAY);
}

#[test]
fn trace_vms_are_clipped_to_the_horizon() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "id,instance_type,zone,start,end\n\
         before,m,,2025-12-01T00:00:00Z,2025-12-31T00:00:00Z\n\
         across-start,m,,2025-12-31T12:00:00Z,2026-01-01T06:00:00Z\n\
         whole,m,,2025-06-01T00:00:00+08:00,2027-01-01T00:00:00Z\n\
         zero,m,,2026-01-05T10:00:00Z,2026-01-05T10:00:00Z\n\
         across-end,m,,2026-01-30T23:30:00Z,2026-02-02T00:00:00Z\n\
         after,m,,2026-01-31T00:00:00Z,2026-02-05T00:00:00Z\n\
         offset,m,,2026-01-10T08:00:00+08:00,2026-01-10T09:15:00+08:00\n",
    )
    .unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        scenario("[[fleet]]\nname = \"t\"\ntrace = \"t.csv\"\n"),
    )
    .unwrap();
    let s = capsim::scenario::Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    // In the horizon [Jan 1, Jan 31): across-start 6 h, whole 30 days, zero 0, across-end
    // 30 min, offset 1 h 15 min (00:00-01:15 UTC); before and after nothing.
    let expected = 6 * 3600 + 30 * DAY + 1800 + 4500;
    assert_eq!(bills(&s, 0)[0].usage_seconds, expected);
    assert_eq!(s.zones, vec!["default".to_string()]);
}
