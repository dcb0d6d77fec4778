//! `capsim demand`: running VMs per fleet and in total, checked against values worked out by
//! hand (fixed counts, Little's law, zero-weight hours), the per-fleet generation against the
//! whole trial's, and the command's files and refusals.

use super::common::{capsim, load_text, repo_file};
use capsim::demand::{Demand, DemandStats, Measure, Period};
use capsim::fleet::{Generator, VmGroup};
use capsim::usage::Layout;
use std::path::Path;

/// The head of a scenario: one type, a UTC horizon of two months from 2026-01-01.
const HEAD: &str = r#"[scenario]
name = "demand-test"
start = "2026-01-01T00:00:00Z"
horizon = "2mo"
seed = 11

[[instance_type]]
name = "m"
payg_hourly = "1"
"#;

/// 10 always-on VMs and 5 more from the start of month 2 (January has 31 days).
const STEPS: &str = r#"
[[fleet]]
name = "steps"
instance_type = "m"
baseline = 10
[[fleet.event]]
at = "1mo"
add = 5
"#;

/// 20 arrivals an hour, each living exactly 2 hours.
const FLOW: &str = r#"
[[fleet]]
name = "flow"
instance_type = "m"
[fleet.arrivals]
rate_per_hour = 20
[fleet.lifetime]
dist = "fixed"
value = "2h"
"#;

fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(path).unwrap();
    assert_eq!(
        r.headers().unwrap(),
        &csv::StringRecord::from(capsim::report::demand::CSV_HEADER.to_vec())
    );
    r.records().map(Result::unwrap).collect()
}

/// The row of `name` in `view` and `period`, as numbers from `running_p5` on.
fn numbers(rows: &[csv::StringRecord], name: &str, view: &str, period: usize) -> Vec<f64> {
    let row = rows
        .iter()
        .find(|r| &r[1] == name && &r[2] == view && r[3] == period.to_string())
        .unwrap_or_else(|| panic!("no row {name} {view} {period}"));
    (5..10).map(|i| row[i].parse().unwrap()).collect()
}

#[test]
fn a_baseline_and_an_add_at_a_month_boundary_give_10_then_15_in_every_trial() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, format!("{HEAD}{STEPS}")).unwrap();
    let out = dir.path().join("preview");
    let r = capsim()
        .args(["demand", "--trials", "7", "--quiet", "--out"])
        .arg(&out)
        .arg(&scenario)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(r.stdout.is_empty(), "--quiet prints nothing");
    let rows = csv_rows(&out.join("demand.csv"));
    // p5, p50, p95 of the running VMs, then the peak hour's p50 and p95: all the same count.
    assert_eq!(numbers(&rows, "steps", "month", 1), [10.0; 5]);
    assert_eq!(numbers(&rows, "steps", "month", 2), [15.0; 5]);
    // Over the horizon: 10 VMs for 31 days and 15 for 28, over 59 days; the peak is 15.
    let horizon = numbers(&rows, "steps", "horizon", 1);
    let mean = (10.0 * 31.0 + 15.0 * 28.0) / 59.0;
    for v in &horizon[..3] {
        assert!((v - mean).abs() < 1e-12, "{v} vs {mean}");
    }
    assert_eq!(horizon[3..], [15.0, 15.0]);
    // Months are labelled by their first day; the total repeats the one fleet.
    let month2 = rows
        .iter()
        .find(|r| &r[1] == "steps" && &r[2] == "month" && &r[3] == "2")
        .unwrap();
    assert_eq!(&month2[4], "2026-02-01");
    assert_eq!(numbers(&rows, "total", "month", 2), [15.0; 5]);
    // 1 horizon row, 2 months and 168 hours of the week, for the fleet and the total.
    assert_eq!(rows.len(), 2 * (1 + 2 + 168));
    for name in ["demand.png", "demand.svg"] {
        assert!(
            std::fs::metadata(out.join(name)).unwrap().len() > 0,
            "{name}"
        );
    }
}

#[test]
fn mean_running_vms_follow_littles_law() {
    // Arrivals at rate L = 20 an hour, each living exactly W = 2 h: in steady state (the
    // warm-up starts 10 lifetimes early) the VMs running at any instant are Poisson with mean
    // L W = 40. The time average over T hours of this shot noise has variance
    // (1/T^2) Int Int L max(0, W - |s - t|) ds dt ~ L W^2 / T, so the mean of n trials'
    // averages is within 4 sd of 40 with sd = W sqrt(L / T) / sqrt(n).
    let (_dir, s) = load_text("s.toml", &format!("{HEAD}{FLOW}"));
    let s = s.unwrap();
    let demand = Demand::new(&s);
    let mut work = demand.work();
    let n = 40;
    let hours = ((s.end - s.start) / 3600) as f64;
    let averages: Vec<f64> = (0..n)
        .map(|k| {
            let t = demand.trial(s.seed, k, &mut work);
            demand
                .value(&t, 0, Period::Horizon, Measure::Running)
                .unwrap()
        })
        .collect();
    let mean = averages.iter().sum::<f64>() / n as f64;
    let sd = 2.0 * (20.0 / hours).sqrt() / (n as f64).sqrt();
    assert!(
        (mean - 40.0).abs() < 4.0 * sd,
        "{mean} vs 40 +/- {}",
        4.0 * sd
    );
    // The same law holds per month and per hour of the week, with wider spreads: a week
    // holds a given hour once, so over 59 days each hour of the week has 8 or 9 hours.
    let t = demand.trial(s.seed, 0, &mut work);
    for k in [0, 50, 167] {
        let v = demand
            .value(&t, 0, Period::HourOfWeek(k), Measure::Running)
            .unwrap();
        // One hour's average has variance at most L W (that of an instant), so 9 such hours
        // average within 6 sd of 40 with sd <= sqrt(40 / 8).
        assert!(
            (v - 40.0).abs() < 6.0 * (40.0f64 / 8.0).sqrt(),
            "hour {k}: {v}"
        );
    }
}

#[test]
fn the_total_is_the_sum_of_the_fleets_and_each_fleet_has_its_vms_of_the_whole_trial() {
    let (_dir, s) = load_text("s.toml", &format!("{HEAD}{STEPS}{FLOW}"));
    let s = s.unwrap();
    let demand = Demand::new(&s);
    let mut work = demand.work();
    let layout = Layout::new(&s);
    let generator = Generator::new(&s);
    let seconds = (s.end - s.start) as f64;
    for k in 0..5 {
        let t = demand.trial(s.seed, k, &mut work);
        for p in demand.grid.periods.iter().copied() {
            let fleets: f64 = (0..2)
                .map(|f| demand.value(&t, f, p, Measure::Running).unwrap())
                .sum();
            let total = demand.value(&t, 2, p, Measure::Running).unwrap();
            assert!(
                (total - fleets).abs() <= 1e-9 * total.max(1.0),
                "{p:?}: {total} vs {fleets}"
            );
            // The busiest hour of the total is at most the fleets' busiest hours added up.
            let peaks: f64 = (0..2)
                .map(|f| demand.value(&t, f, p, Measure::Peak).unwrap())
                .sum();
            assert!(demand.value(&t, 2, p, Measure::Peak).unwrap() <= peaks + 1e-9);
        }
        // The whole trial, generated with every fleet at once, clipped to the horizon by hand.
        let mut vms: Vec<VmGroup> = Vec::new();
        generator.generate(&s, &layout, s.seed, k, &mut vms);
        let vm_seconds: i64 = vms
            .iter()
            .map(|g| (g.end.min(s.end) - g.start.max(s.start)).max(0) * i64::from(g.count))
            .sum();
        let total = demand
            .value(&t, 2, Period::Horizon, Measure::Running)
            .unwrap();
        assert!(
            (total * seconds - vm_seconds as f64).abs() < 1e-6 * vm_seconds as f64,
            "trial {k}: {} vs {vm_seconds}",
            total * seconds
        );
    }
}

#[test]
fn hours_whose_local_weight_is_zero_have_no_vms() {
    // Arrivals only from 08:00 to 19:59 Shanghai time (+08:00), each living 30 minutes: a VM
    // that arrives in the 19:00 hour may run into the 20:00 hour, none into 21:00 or later, and
    // none before 08:00. In UTC the quiet hours would be 13:00 to 23:59.
    let text = format!(
        "{}{}",
        HEAD.replace("seed = 11", "seed = 11\ntimezone = \"Asia/Shanghai\""),
        r#"
[[fleet]]
name = "day"
instance_type = "m"
[fleet.arrivals]
rate_per_hour = 30
diurnal = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
[fleet.lifetime]
dist = "fixed"
value = "30min"
"#
    );
    let (_dir, s) = load_text("s.toml", &text);
    let s = s.unwrap();
    let demand = Demand::new(&s);
    let mut work = demand.work();
    let trials: Vec<_> = (0..20)
        .map(|k| demand.trial(s.seed, k, &mut work))
        .collect();
    let stats = DemandStats::new(&demand, &trials);
    for day in 0..7 {
        for hour in 0..24 {
            let p = Period::HourOfWeek(day * 24 + hour);
            let row = &stats.rows[0][demand.grid.index(p).unwrap()];
            match hour {
                // Busy hours: 30 an hour x 0.5 h = 15 running in steady state (11.25 in the
                // 08:00 hour, which starts empty); a trial's average of 8 or 9 such hours has a
                // standard deviation below sqrt(15 / 8) = 1.4, so 5 is far below any trial.
                8..=19 => assert!(row.running.p5 > 5.0, "{p:?}: {row:?}"),
                // The 20:00 hour holds what arrived in the last half hour before it.
                20 => {}
                _ => assert_eq!(row.peak.p95, 0.0, "{p:?}: {row:?}"),
            }
        }
    }
}

#[test]
fn trace_fleets_are_the_same_in_every_trial() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = capsim()
        .args(["demand", "--trials", "5", "--out"])
        .arg(&out)
        .arg(repo_file("scenarios/trace-replay.toml"))
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let stdout = String::from_utf8(r.stdout).unwrap();
    assert!(stdout.contains("By month: batch"), "{stdout}");
    assert!(
        stdout.contains("By local hour of the week (Europe/London)"),
        "{stdout}"
    );
    let rows = csv_rows(&out.join("demand.csv"));
    let batch: Vec<_> = rows.iter().filter(|r| &r[1] == "batch").collect();
    assert!(!batch.is_empty());
    for r in batch {
        assert_eq!(r[5], r[7], "p5 = p95: {r:?}");
    }
}

#[test]
fn thread_counts_do_not_change_a_byte() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, format!("{HEAD}{STEPS}{FLOW}")).unwrap();
    let csv = |threads: &str| {
        let out = dir.path().join(format!("out-{threads}"));
        let r = capsim()
            .args([
                "demand",
                "--trials",
                "9",
                "--quiet",
                "--threads",
                threads,
                "--out",
            ])
            .arg(&out)
            .arg(&scenario)
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        std::fs::read(out.join("demand.csv")).unwrap()
    };
    assert_eq!(csv("1"), csv("2"));
}

#[test]
fn the_default_folder_is_under_the_scenario_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), format!("{HEAD}{STEPS}")).unwrap();
    let r = capsim()
        .current_dir(dir.path())
        .args(["demand", "s.toml", "--trials", "2"])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let folder = dir.path().join("output/demand-test/demand");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["demand.csv", "demand.png", "demand.svg"]);
    let stdout = String::from_utf8(r.stdout).unwrap();
    assert!(
        stdout.starts_with("Demand of demand-test, 2mo from 2026-01-01: 2 trials, seed 11\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Wrote output/demand-test/demand/demand.csv"),
        "{stdout}"
    );
}

#[test]
fn too_many_trials_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, format!("{HEAD}{STEPS}")).unwrap();
    let out = dir.path().join("out");
    let r = capsim()
        .args(["demand", "--trials", "100000000", "--out"])
        .arg(&out)
        .arg(&scenario)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    // Per trial: 2 series (the fleet, the total) x 2 measures x (1 horizon + 2 months + 168
    // hours of the week) = 684 numbers of 8 bytes = 5,472 bytes; 4 GiB / 5,472 = 784,898.
    assert_eq!(
        String::from_utf8(r.stderr).unwrap(),
        format!(
            "error: {}: --trials: found 100,000,000, expected at most 784,898 for this scenario: each trial keeps 5,472 bytes of samples (1 fleet and the total, 2 months and 168 hours of the week) and a preview holds at most 4 GiB of them\n",
            scenario.display()
        )
    );
    assert!(!out.exists());
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        format!("{HEAD}{STEPS}").replace("baseline = 10", "baseline = -1"),
    )
    .unwrap();
    let out = dir.path().join("out");
    for flags in [&[][..], &["--trials", "0"][..], &["--threads", "0"][..]] {
        let r = capsim()
            .arg("demand")
            .arg(&scenario)
            .args(flags)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(r.status.code(), Some(2), "{flags:?}");
        assert!(r.stdout.is_empty(), "{flags:?}");
        assert!(!out.exists(), "{flags:?}");
    }
    let r = capsim()
        .arg("demand")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(r.stderr).unwrap(),
        format!(
            "error: {}:14:12: fleet[\"steps\"].baseline: found -1, expected a whole number from 0 to 10,000,000\n",
            scenario.display()
        )
    );
}
