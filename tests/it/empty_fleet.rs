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
    // Pay-as-you-go costs nothing: a saving has no percentage of it. The unused reservation
    // saves -876 on average, not "0.0%".
    for s in [&payg, &ri] {
        assert!(s["savings_vs_payg"]["percent"].is_null(), "{}", s["name"]);
    }
    assert_eq!(ri["savings_vs_payg"]["mean"], "-876.00");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("**Pay-as-you-go has the lowest expected cost: 0.00 USD over the horizon.** None of the strategies saves money on average; the cheapest of them, all-upfront, costs 876.00 USD more."),
        "{md}"
    );
    assert_eq!(table_cell(&md, "all-upfront", "saves vs payg"), "-");
    assert_eq!(table_cell(&md, "payg", "saves vs payg"), "-");
}

/// The cell of report.md's strategy table in the row of `strategy`, under `column`.
fn table_cell(md: &str, strategy: &str, column: &str) -> String {
    let cells = |line: &str| -> Vec<String> {
        line.trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let header = md
        .lines()
        .find(|l| l.starts_with("| strategy |") && l.contains(column))
        .unwrap_or_else(|| panic!("no table with {column} in {md}"));
    let at = cells(header).iter().position(|c| c == column).unwrap();
    let row = md
        .lines()
        .skip_while(|l| *l != header)
        .find(|l| cells(l).first().map(String::as_str) == Some(strategy))
        .unwrap_or_else(|| panic!("no row {strategy} in {md}"));
    cells(row)[at].clone()
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

#[test]
fn with_nothing_to_pay_as_you_go_the_saving_has_no_percentage_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), NO_VM_SYNTHETIC);
    // The terminal table: the reservation's "saves vs payg" is "-" (then P(cheapest), 0.0%).
    let run = capsim()
        .arg("run")
        .arg(&scenario)
        .args(["--trials", "2", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let stdout = String::from_utf8(run.stdout).unwrap();
    let row: Vec<&str> = stdout
        .lines()
        .find(|l| l.starts_with("all-upfront "))
        .unwrap_or_else(|| panic!("{stdout}"))
        .split_whitespace()
        .collect();
    assert_eq!(row[row.len() - 2..], ["-", "0.0%"], "{stdout}");
    // sweep.csv: the savings_percent cell is empty, as a missing break-even month is.
    let mut text = std::fs::read_to_string(&scenario).unwrap();
    text.push_str("\n[sweep]\n'strategy[\"all-upfront\"].reserve[0].count' = [1, 2]\n");
    std::fs::write(&scenario, text).unwrap();
    let out = dir.path().join("sweep");
    let sweep = capsim()
        .arg("sweep")
        .arg(&scenario)
        .args(["--trials", "2", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        sweep.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&sweep.stderr)
    );
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|c| *c == "savings_percent").unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2 * 2);
    for row in rows {
        assert_eq!(row[at], "", "{csv}");
    }
}
