//! A fleet with no VM bills like any other (docs/spec.md, section 6, G4): reservations cost
//! their price unused, pay-as-you-go costs nothing, and `run` completes with a summary.

use super::common::{bill_json, capsim, json_strategy};
use std::path::{Path, PathBuf};

/// One type, one 1-year All Upfront reservation of one instance bought at the start, an
/// 18-month horizon that holds the whole term; `{fleet}` is replaced by the fleet table.
///
/// Hand values: the term runs 2026-01-01 to 2027-01-01 (365 days, 8,760 h) inside the horizon,
/// so upfront = cash = amortized total = 876 (the price) and pay-as-you-go is 0; reserved
/// unit-seconds = 1 x 2 units x 8,760 h x 3,600 s = 63,072,000, none of them used.
const SCENARIO: &str = r#"[scenario]
name = "empty"
start = "2026-01-01T00:00:00Z"
horizon = "18mo"
trials = 1
seed = 1

[billing]
profile = "generic"

[[instance_type]]
name = "m.large"
family = "m"
units = 2
payg_hourly = "0.2"
[instance_type.reserved.1y]
all_upfront = "876"

{fleet}

[[strategy]]
name = "all-upfront"
[[strategy.reserve]]
instance_type = "m.large"
count = 1
term = "1y"
payment = "all_upfront"
"#;

/// A trace fleet whose file has its header and no row.
const HEADER_ONLY_TRACE: &str = "[[fleet]]\nname = \"jobs\"\ntrace = \"jobs.csv\"\n";

/// A synthetic fleet with no baseline VM and no arrivals.
const NO_VM_SYNTHETIC: &str =
    "[[fleet]]\nname = \"idle\"\ninstance_type = \"m.large\"\nzone = \"z1\"\nbaseline = 0\n";

/// Writes the scenario with `fleet` (and the header-only trace next to it) into `dir`.
fn write(dir: &Path, fleet: &str) -> PathBuf {
    std::fs::write(dir.join("jobs.csv"), "id,instance_type,zone,start,end\n").unwrap();
    let path = dir.join("empty.toml");
    std::fs::write(&path, SCENARIO.replace("{fleet}", fleet)).unwrap();
    path
}

fn bill_checks(fleet: &str) {
    let dir = tempfile::tempdir().unwrap();
    let doc = bill_json(&write(dir.path(), fleet), &[]);
    let payg = json_strategy(&doc, "payg");
    for key in ["payg_compute", "cash_total", "amortized_total", "upfront"] {
        assert_eq!(payg[key], "0", "payg {key}");
    }
    let ri = json_strategy(&doc, "all-upfront");
    assert_eq!(ri["upfront"], "876");
    assert_eq!(ri["cash_total"], "876");
    assert_eq!(ri["amortized_total"], "876");
    assert_eq!(ri["payg_compute"], "0");
    assert_eq!(ri["obligation_after_horizon"], "0");
    assert_eq!(ri["reserved_unit_seconds"], "63072000");
    assert_eq!(ri["used_unit_seconds"], "0");
    assert_eq!(ri["utilization"], "0");
}

fn run_checks(fleet: &str) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), fleet);
    let out = dir.path().join("out");
    let result = capsim()
        .arg("run")
        .arg(&scenario)
        .args(["--trials", "20", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["trials"], 20);
    assert_eq!(summary["partial"], false);
    let strategy = |name: &str| {
        summary["strategies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no strategy {name} in {summary}"))
            .clone()
    };
    let payg = strategy("payg");
    assert_eq!(payg["total"]["mean"], "0.00");
    assert_eq!(payg["total"]["max"], "0.00");
    let ri = strategy("all-upfront");
    // Every trial bills the same unused reservation.
    for key in ["mean", "min", "max"] {
        assert_eq!(ri["total"][key], "876.00", "all-upfront total {key}");
    }
    assert_eq!(ri["breakdown_mean"]["upfront"], "876");
    assert_eq!(ri["breakdown_mean"]["payg_compute"], "0");
    assert_eq!(ri["utilization_mean"], 0.0);
    // trials.csv: a header and one row per trial and strategy.
    let csv = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 20 * 2);
}

#[test]
fn a_header_only_trace_bills_the_unused_reservation() {
    bill_checks(HEADER_ONLY_TRACE);
}

#[test]
fn a_header_only_trace_runs_to_a_summary() {
    run_checks(HEADER_ONLY_TRACE);
}

#[test]
fn a_fleet_with_no_baseline_and_no_arrivals_bills_the_unused_reservation() {
    bill_checks(NO_VM_SYNTHETIC);
}

#[test]
fn a_fleet_with_no_baseline_and_no_arrivals_runs_to_a_summary() {
    run_checks(NO_VM_SYNTHETIC);
}
