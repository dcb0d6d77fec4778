//! Sweeps: the grid's points in order with common random numbers, resumed after a kill,
//! split into shards and merged, all to the same bytes.

use super::common::capsim;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SCENARIO: &str = r#"[scenario]
name = "sw"
start = "2026-01-01T00:00:00Z"
horizon = "90d"
trials = 30
seed = 3

[[instance_type]]
name = "m"
units = 2
payg_hourly = "0.10"
[instance_type.reserved.1y]
all_upfront = "500"
no_upfront = { hourly = "0.062" }

[[fleet]]
name = "web"
instance_type = "m"
baseline = 10
[fleet.arrivals]
rate_per_hour = 2
growth_per_year = { dist = "normal", mean = 0.2, sd = 0.2 }
[fleet.lifetime]
dist = "lognormal"
median = "6h"
sigma = 1.0

[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "m"
count = 10
term = "1y"
payment = "no_upfront"

[sweep]
'strategy["ri"].reserve[0].count' = [0, 5, 10, 15, 20, 25]
'fleet["web"].arrivals.rate_per_hour' = { from = 1, to = 4, step = 1.5 }
"#;

fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn sweep(scenario: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    capsim()
        .arg("sweep")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// Every file of a sweep folder with its bytes, by relative name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["", "points"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().is_file() {
                out.push((
                    format!("{sub}/{}", e.file_name().to_string_lossy()),
                    std::fs::read(e.path()).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_sweep_runs_its_grid_in_order_with_common_random_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), SCENARIO);
    let out = dir.path().join("out");
    let r = sweep(&scenario, &out, &["--quiet"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    // 6 counts x 3 rates (1, 2.5, 4: the range includes its end), 2 strategies each, the last
    // key varying fastest.
    assert_eq!(rows.len(), 6 * 3 * 2);
    let grid: Vec<(&str, &str, &str)> =
        rows.iter().step_by(2).map(|r| (r[0], r[1], r[2])).collect();
    assert_eq!(
        &grid[..4],
        &[
            ("0", "0", "1"),
            ("1", "0", "2.5"),
            ("2", "0", "4"),
            ("3", "5", "1")
        ]
    );
    assert_eq!(grid[17], ("17", "25", "4"));
    assert!(csv.starts_with("point,\"strategy[\"\"ri\"\"].reserve[0].count\",\"fleet[\"\"web\"\"].arrivals.rate_per_hour\",strategy,mean,"));
    // Common random numbers: pay-as-you-go does not depend on the reservation count, so with
    // the same trial seeds at every point its statistics repeat exactly along that key.
    for rate in ["1", "2.5", "4"] {
        let payg: Vec<&Vec<&str>> = rows
            .iter()
            .filter(|r| r[2] == rate && r[3] == "payg")
            .collect();
        assert_eq!(payg.len(), 6);
        // Its own cost columns, mean to npv_mean (P(cheapest) and the like depend on "ri").
        assert!(
            payg.iter().all(|r| r[4..17] == payg[0][4..17]),
            "rate {rate}"
        );
    }
    // With no reservation, "ri" is pay-as-you-go.
    let (payg0, ri0) = (&rows[0], &rows[1]);
    assert_eq!(payg0[4], ri0[4]);
    for name in ["sweep-cost-1", "sweep-cost-2", "sweep-best"] {
        for ext in ["png", "svg"] {
            assert!(out.join(format!("{name}.{ext}")).is_file(), "{name}.{ext}");
        }
    }
}

#[test]
fn a_killed_sweep_resumes_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    // More trials so that the kill lands mid-sweep.
    let scenario = write(dir.path(), &SCENARIO.replace("trials = 30", "trials = 400"));
    let whole = dir.path().join("whole");
    assert!(sweep(&scenario, &whole, &["--quiet"]).status.success());

    let resumed = dir.path().join("resumed");
    let bin = assert_cmd::cargo::cargo_bin!("capsim");
    let mut child = Command::new(bin)
        .arg("sweep")
        .arg(&scenario)
        .arg("--out")
        .arg(&resumed)
        .arg("--quiet")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it (SIGKILL: no chance to clean up) once a few points are written.
    let points = resumed.join("points");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let done = std::fs::read_dir(&points)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("point-"))
                    .count()
            })
            .unwrap_or(0);
        if done >= 3 || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let finished = std::fs::read_dir(&points).unwrap().count();
    assert!(!resumed.join("sweep.csv").exists(), "killed before the end");

    let r = sweep(&scenario, &resumed, &["--resume"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let stdout = String::from_utf8(r.stdout).unwrap();
    assert!(
        stdout.contains("already finished"),
        "{stdout} (after {finished} files)"
    );
    assert_eq!(files(&whole), files(&resumed));
}

#[test]
fn shards_merge_into_the_unsharded_result() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), SCENARIO);
    let whole = dir.path().join("whole");
    assert!(sweep(&scenario, &whole, &["--quiet"]).status.success());
    // Four shards, two into one folder and two into another, as array tasks might.
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for (shard, out) in [("0/4", &a), ("1/4", &b), ("2/4", &a), ("3/4", &b)] {
        let r = sweep(
            &scenario,
            out,
            &["--shard", shard, "--quiet", "--threads", "1"],
        );
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        assert!(
            !out.join("sweep.csv").exists(),
            "a shard writes only its points"
        );
    }
    let merged = dir.path().join("merged");
    let r = capsim()
        .arg("merge")
        .arg(&a)
        .arg(&b)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let top = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        files(dir)
            .into_iter()
            .filter(|(name, _)| !name.starts_with("points/"))
            .collect()
    };
    assert_eq!(top(&whole), top(&merged));
    // And the shards' points are the unsharded run's points.
    let mut shard_points: Vec<(String, Vec<u8>)> = files(&a)
        .into_iter()
        .chain(files(&b))
        .filter(|(n, _)| n.starts_with("points/"))
        .collect();
    shard_points.sort();
    let whole_points: Vec<(String, Vec<u8>)> = files(&whole)
        .into_iter()
        .filter(|(n, _)| n.starts_with("points/"))
        .collect();
    assert_eq!(shard_points, whole_points);
}

#[test]
fn a_shard_leaves_other_shards_files_in_flight_alone() {
    // Array tasks share the folder: shard 1's temporary file of its point 1, about to be
    // renamed into place, must survive shard 0 starting; shard 0's own leftover from a
    // killed run (point 0) is removed.
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), SCENARIO);
    let out = dir.path().join("shared");
    let points = out.join("points");
    std::fs::create_dir_all(&points).unwrap();
    let theirs = points.join(".capsim-tmp-999999-point-000001.json");
    let ours = points.join(".capsim-tmp-999998-point-000000.json");
    std::fs::write(&theirs, "{").unwrap();
    std::fs::write(&ours, "{").unwrap();
    let r = sweep(&scenario, &out, &["--shard", "0/2", "--quiet"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(
        theirs.exists(),
        "another shard's file in flight was removed"
    );
    assert!(!ours.exists(), "this shard's leftover was kept");
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn bad_shards_and_mismatched_points_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), SCENARIO);
    for spec in ["4/4", "1/0", "a/4", "3", "1/-4"] {
        let r = sweep(&scenario, &dir.path().join("x"), &["--shard", spec]);
        assert_eq!(r.status.code(), Some(2), "{spec}");
        assert!(
            stderr(&r).contains(&format!("found \"{spec}\", expected I/N with 0 <= I < N")),
            "{spec}: {}",
            stderr(&r)
        );
    }
    // Shard 0 with the scenario's seed, shard 1 with another: merge refuses them.
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert!(
        sweep(&scenario, &a, &["--shard", "0/2", "--quiet"])
            .status
            .success()
    );
    let other = dir.path().join("other.toml");
    std::fs::write(&other, SCENARIO.replace("seed = 3", "seed = 4")).unwrap();
    assert!(
        sweep(&other, &b, &["--shard", "1/2", "--quiet"])
            .status
            .success()
    );
    let r = capsim().arg("merge").arg(&a).arg(&b).output().unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(
        stderr(&r).contains("found a point of another sweep than"),
        "{}",
        stderr(&r)
    );
    assert!(stderr(&r).contains("seed 4 against 3"), "{}", stderr(&r));
    // One shard alone is not the whole grid.
    let r = capsim().arg("merge").arg(&a).output().unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(
        stderr(&r).contains("found 9 of 18 points, expected all: missing points 1, 3, 5,"),
        "{}",
        stderr(&r)
    );
    // Resuming into a folder of another sweep is refused too.
    let r = sweep(&other, &a, &["--resume", "--quiet"]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        stderr(&r).contains("found a point of another sweep (a different scenario file, seed 3 against 4), expected points of this one"),
        "{}",
        stderr(&r)
    );
}

#[test]
fn a_scenario_without_a_sweep_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let text = &SCENARIO[..SCENARIO.find("[sweep]").unwrap()];
    let scenario = write(dir.path(), text);
    let r = sweep(&scenario, &dir.path().join("out"), &[]);
    assert_eq!(r.status.code(), Some(2));
    assert!(
        stderr(&r).contains("found no [sweep] table"),
        "{}",
        stderr(&r)
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn merge_refuses_forged_and_unreadable_point_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), SCENARIO);
    let good = dir.path().join("good");
    assert!(
        sweep(&scenario, &good, &["--shard", "0/18", "--quiet"])
            .status
            .success()
    );
    let point: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(good.join("points/point-000000.json")).unwrap(),
    )
    .unwrap();
    // A folder of one point file, put there by `place`.
    let merge_one = |name: &str, place: &dyn Fn(&Path)| -> (PathBuf, std::process::Output) {
        let folder = dir.path().join(name);
        std::fs::create_dir_all(folder.join("points")).unwrap();
        let file = folder.join("points/point-000000.json");
        place(&file);
        (file, capsim().arg("merge").arg(&folder).output().unwrap())
    };
    /// A case: its folder, how its point file is made, and the message.
    type Case<'a> = (&'a str, Box<dyn Fn(&Path) + 'a>, String);
    let cases: Vec<Case> = vec![
        (
            "empty-grid",
            Box::new(|file: &Path| {
                let mut forged = point.clone();
                forged["sweep"]["keys"] = serde_json::json!([]);
                forged["sweep"]["sizes"] = serde_json::json!([]);
                forged["sweep"]["points"] = serde_json::json!(1);
                forged["values"] = serde_json::json!([]);
                std::fs::write(file, forged.to_string()).unwrap();
            }),
            "found a sweep of no keys, expected at least one swept key; capsim sweep never writes such a point file".to_string(),
        ),
        (
            "wrong-count",
            Box::new(|file: &Path| {
                let mut forged = point.clone();
                forged["sweep"]["points"] = serde_json::json!(0);
                std::fs::write(file, forged.to_string()).unwrap();
            }),
            "found a grid of 0 points, expected the product of the keys' sizes [6, 3] (at most 100000); capsim sweep never writes such a point file".to_string(),
        ),
        (
            "together-outside",
            Box::new(|file: &Path| {
                let mut forged = point.clone();
                forged["sweep"]["together"] =
                    serde_json::json!([{ "name": "x", "first": 1, "count": 2 }]);
                std::fs::write(file, forged.to_string()).unwrap();
            }),
            "found the together axis \"x\" over keys 1 to 2, expected one or more of the 2 keys, after the previous axis; capsim sweep never writes such a point file".to_string(),
        ),
        (
            "not-utf8",
            Box::new(|file: &Path| std::fs::write(file, b"{\"sweep\": \xff\xfe}").unwrap()),
            "found bytes that are not UTF-8 text (at byte 10), expected a point file written by capsim sweep".to_string(),
        ),
        (
            "a-folder",
            Box::new(|file: &Path| std::fs::create_dir(file).unwrap()),
            "found a folder, expected a point file written by capsim sweep".to_string(),
        ),
    ];
    for (name, place, message) in &cases {
        let (file, r) = merge_one(name, place.as_ref());
        assert_eq!(r.status.code(), Some(2), "{name}: {}", stderr(&r));
        assert_eq!(
            stderr(&r),
            format!("error: {}: {message}\n", file.display()),
            "{name}"
        );
        assert!(
            !dir.path().join(name).join("sweep.csv").exists(),
            "{name}: nothing is written"
        );
    }
}

#[test]
fn swept_distributions_are_written_so_that_points_differ() {
    let dir = tempfile::tempdir().unwrap();
    let text = SCENARIO.replace(
        "'fleet[\"web\"].arrivals.rate_per_hour' = { from = 1, to = 4, step = 1.5 }",
        "'fleet[\"web\"].arrivals.growth_per_year' = [0, { dist = \"normal\", mean = 0.2, sd = 0.1 }, { dist = \"uniform\", low = 0, high = 0.5 }]",
    );
    let scenario = write(dir.path(), &text);
    let out = dir.path().join("out");
    let r = sweep(&scenario, &out, &["--quiet", "--trials", "4"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let mut reader = csv::Reader::from_path(out.join("sweep.csv")).unwrap();
    let values: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[2].to_string())
        .take(6)
        .collect();
    // Two strategies a point; the values of the second key, in order, as TOML writes them.
    assert_eq!(
        values,
        [
            "0",
            "0",
            "{ dist = \"normal\", mean = 0.2, sd = 0.1 }",
            "{ dist = \"normal\", mean = 0.2, sd = 0.1 }",
            "{ dist = \"uniform\", low = 0, high = 0.5 }",
            "{ dist = \"uniform\", low = 0, high = 0.5 }",
        ]
    );
}

/// A replayed trace next to a fleet whose lifetimes come from a file; `{trace}` and `{count}`
/// are the swept values.
const TRACE_POINT: &str = r#"[scenario]
name = "tr"
start = "2026-01-01T00:00:00Z"
horizon = "7d"
trials = 12
seed = 5

[[instance_type]]
name = "m"
payg_hourly = "0.10"
[instance_type.reserved.1y]
no_upfront = { hourly = "0.06" }

[[fleet]]
name = "jobs"
trace = "{trace}"

[[fleet]]
name = "web"
instance_type = "m"
zone = "z1"
baseline = 1
[fleet.arrivals]
rate_per_hour = 3
[fleet.lifetime]
dist = "empirical"
file = "lifetimes.txt"

[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "m"
count = {count}
term = "1y"
payment = "no_upfront"
"#;

/// The points of the trace sweep, in grid order (the last key varies fastest).
const TRACE_GRID: [(&str, &str); 4] = [
    ("a.csv", "0"),
    ("a.csv", "2"),
    ("b.csv", "0"),
    ("b.csv", "2"),
];

fn trace_point(trace: &str, count: &str) -> String {
    TRACE_POINT
        .replace("{trace}", trace)
        .replace("{count}", count)
}

fn write_trace_files(dir: &Path) {
    std::fs::write(
        dir.join("a.csv"),
        "id,instance_type,zone,start,end\n\
         a1,m,z1,2026-01-01T01:00:00Z,2026-01-03T01:30:00Z\n\
         a2,m,z2,2026-01-02T00:10:00Z,2026-01-02T05:00:00Z\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.csv"),
        "id,instance_type,zone,start,end\n\
         b1,m,z1,2026-01-01T00:00:00Z,2026-01-08T00:00:00Z\n\
         b2,m,z1,2026-01-04T12:00:00Z,2026-01-05T12:00:00Z\n\
         b3,m,z2,2026-01-06T00:00:00Z,2026-01-06T09:00:00Z\n",
    )
    .unwrap();
    std::fs::write(dir.join("lifetimes.txt"), "30min\n2h\n6h\n").unwrap();
}

#[test]
fn sweep_points_share_the_files_the_scenario_read() {
    let dir = tempfile::tempdir().unwrap();
    write_trace_files(dir.path());
    let swept = trace_point("a.csv", "0")
        + "\n[sweep]\n'fleet[\"jobs\"].trace' = [\"a.csv\", \"b.csv\"]\n'strategy[\"ri\"].reserve[0].count' = [0, 2]\n";
    let s = capsim::scenario::Scenario::load(write(dir.path(), &swept)).unwrap();
    assert_eq!(s.sweep_points(), 4);
    // Reading the scenario read every file its points name: with them gone, each point is
    // still built, from what was read.
    let points: Vec<_> = {
        let gone = tempfile::tempdir().unwrap();
        for f in ["a.csv", "b.csv", "lifetimes.txt"] {
            std::fs::rename(dir.path().join(f), gone.path().join(f)).unwrap();
        }
        let points = (0..4).map(|i| s.sweep_point(i).unwrap()).collect();
        for f in ["a.csv", "b.csv", "lifetimes.txt"] {
            std::fs::rename(gone.path().join(f), dir.path().join(f)).unwrap();
        }
        points
    };
    // Each point bills as the scenario with its values written in, read afresh.
    for (point, (trace, count)) in points.iter().zip(TRACE_GRID) {
        let alone_dir = tempfile::tempdir().unwrap();
        write_trace_files(alone_dir.path());
        let alone = super::common::load(&write(alone_dir.path(), &trace_point(trace, count)));
        for trial in 0..3 {
            assert_eq!(
                super::common::bills(point, trial),
                super::common::bills(&alone, trial),
                "{trace}, {count}, trial {trial}"
            );
        }
    }
}

#[test]
fn a_sweep_over_traces_writes_what_runs_of_its_points_give() {
    let dir = tempfile::tempdir().unwrap();
    write_trace_files(dir.path());
    let swept = trace_point("a.csv", "0")
        + "\n[sweep]\n'fleet[\"jobs\"].trace' = [\"a.csv\", \"b.csv\"]\n'strategy[\"ri\"].reserve[0].count' = [0, 2]\n";
    let out = dir.path().join("out");
    let r = sweep(&write(dir.path(), &swept), &out, &["--quiet"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 4 * 2);
    for (i, (trace, count)) in TRACE_GRID.iter().enumerate() {
        let point_dir = tempfile::tempdir().unwrap();
        write_trace_files(point_dir.path());
        let run_out = point_dir.path().join("out");
        let run = capsim()
            .arg("run")
            .arg(write(point_dir.path(), &trace_point(trace, count)))
            .arg("--out")
            .arg(&run_out)
            .arg("--quiet")
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(run_out.join("summary.json")).unwrap()).unwrap();
        for (k, name) in ["payg", "ri"].iter().enumerate() {
            let row = &rows[2 * i + k];
            assert_eq!(
                row[..4],
                [
                    i.to_string(),
                    trace.to_string(),
                    count.to_string(),
                    name.to_string()
                ]
            );
            let strategy = super::common::json_strategy(&summary, name);
            // mean, then the bounds of its 95% CI.
            assert_eq!(
                row[4],
                strategy["total"]["mean"].as_str().unwrap(),
                "{i} {name}"
            );
            assert_eq!(
                row[5],
                strategy["total"]["ci95"][0].as_str().unwrap(),
                "{i} {name}"
            );
            assert_eq!(
                row[6],
                strategy["total"]["ci95"][1].as_str().unwrap(),
                "{i} {name}"
            );
        }
    }
}

/// Ten always-on VMs of a type at 0.10 an hour (paid 0.08-0.12 in some sweeps), and in a
/// share of the trials (the event's probability) ten more for the whole 30 days (720 hours);
/// "ri" and "ri3" reserve `count` of them at 0.06 an hour. A trial's cost is so known by hand:
/// c reserved at price p cost 43.2 c + 720 p max(N - c, 0), N = 10 or 20 VMs.
const DETERMINISTIC: &str = r#"[scenario]
name = "det"
start = "2026-01-01T00:00:00Z"
horizon = "30d"
trials = 100
seed = 7

[[instance_type]]
name = "m"
payg_hourly = "0.10"
[instance_type.reserved.1y]
no_upfront = { hourly = "0.06" }

[[fleet]]
name = "web"
instance_type = "m"
baseline = 10
[[fleet.event]]
at = "0h"
add = 10
probability = 0.3

[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "m"
count = 0
term = "1y"
payment = "no_upfront"

[[strategy]]
name = "ri3"
[[strategy.reserve]]
instance_type = "m"
count = 5
term = "1y"
payment = "no_upfront"
"#;

/// A trial's cost of `c` reserved VMs at `p` an hour when `n` VMs run.
fn by_hand(c: f64, p: f64, n: f64) -> f64 {
    0.06 * 720.0 * c + 720.0 * p * (n - c).max(0.0)
}

fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn a_sweep_names_each_strategys_best_point_and_warns_when_it_lies_on_the_edge() {
    let dir = tempfile::tempdir().unwrap();
    let counts = [0.0, 5.0, 10.0, 15.0, 20.0, 25.0];
    let prices = [0.08, 0.10, 0.12];
    let scenario = write(
        dir.path(),
        &(DETERMINISTIC.to_string()
            + "\n[sweep]\n'strategy[\"ri\"].reserve[0].count' = [0, 5, 10, 15, 20, 25]\n'instance_type[\"m\"].payg_hourly' = [\"0.08\", \"0.10\", \"0.12\"]\n"),
    );
    let out = dir.path().join("out");
    let r = sweep(&scenario, &out, &["--quiet"]);
    assert!(r.status.success(), "{}", stderr(&r));
    // The share f of trials with the event, from pay-as-you-go's mean at 0.08 (10 or 20 VMs):
    // every claim below holds for any f from 5% (the worst 5% are event trials) to 60%.
    let rows = csv_rows(&out.join("sweep.csv"));
    let payg_mean: f64 = rows[0]["mean"].parse().unwrap();
    let f = (payg_mean - by_hand(0.0, 0.08, 10.0))
        / (by_hand(0.0, 0.08, 20.0) - by_hand(0.0, 0.08, 10.0));
    assert!((0.05..0.6).contains(&f), "event share {f}");
    // ri's mean, (1 - f) cost(10 VMs) + f cost(20 VMs), is lowest at 10 reserved and the lowest
    // price; its CVaR95, the cost of an event trial, at 20 reserved whatever the price (no
    // VM is left to pay-as-you-go).
    let mean = |c: f64, p: f64| (1.0 - f) * by_hand(c, p, 10.0) + f * by_hand(c, p, 20.0);
    let best_mean = counts
        .iter()
        .flat_map(|&c| prices.iter().map(move |&p| (c, p)))
        .min_by(|a, b| mean(a.0, a.1).total_cmp(&mean(b.0, b.1)))
        .unwrap();
    assert_eq!(best_mean, (10.0, 0.08));
    let best = csv_rows(&out.join("sweep-optimum.csv"));
    let row = |strategy: &str, lowest: &str| {
        best.iter()
            .find(|r| r["strategy"] == strategy && r["lowest"] == lowest)
            .unwrap_or_else(|| panic!("{strategy} {lowest}"))
            .clone()
    };
    let key = "strategy[\"ri\"].reserve[0].count";
    let price = "instance_type[\"m\"].payg_hourly";
    let ri = row("ri", "mean");
    assert_eq!((ri[key].as_str(), ri[price].as_str()), ("10", "0.08"));
    assert_eq!(ri["point"], "6");
    assert_eq!(ri["cvar95"], format!("{:.2}", by_hand(10.0, 0.08, 20.0)));
    // The price is a what-if, not a purchase: its cheapest value is no edge to warn of.
    assert_eq!((ri["edge"].as_str(), ri["no_effect"].as_str()), ("", ""));
    let ri = row("ri", "cvar95");
    assert_eq!((ri[key].as_str(), ri[price].as_str()), ("20", "0.08"));
    assert_eq!(ri["cvar95"], format!("{:.2}", by_hand(20.0, 0.08, 20.0)));
    assert_eq!((ri["edge"].as_str(), ri["no_effect"].as_str()), ("", price));
    // Pay-as-you-go ignores the reservation: lowest at the lowest price, any count.
    for lowest in ["mean", "cvar95"] {
        let payg = row("payg", lowest);
        assert_eq!(payg["point"], "0");
        assert_eq!(payg["no_effect"], key);
        assert_eq!(payg["edge"], "");
    }
    // The summary says the same in words, axes named by entry and field.
    let md = std::fs::read_to_string(out.join("sweep.md")).unwrap();
    assert!(
        md.contains(
            "| strategy | lowest | ri count | m payg_hourly | mean | CVaR95 | NPV | point |"
        ),
        "{md}"
    );
    let cvar_row = format!(
        "| ri | CVaR95 | 20 | any | {0:.2} | {0:.2} | ",
        by_hand(20.0, 0.08, 20.0)
    );
    assert!(
        md.lines()
            .any(|l| l.starts_with(&cvar_row) && l.ends_with(" | 12 |")),
        "{md}"
    );
    // No best count lies on the count axis's edge, and the price axis is no purchase.
    assert!(md.contains("None: no best value lies on the edge"), "{md}");
    assert_eq!(stderr(&r), "");
    // Two axes: the map of the cheapest strategy and a map of each strategy's mean cost, whose
    // axes say the entry and field rather than the key path.
    for name in ["sweep-best", "sweep-map-1", "sweep-map-2", "sweep-map-3"] {
        for ext in ["png", "svg"] {
            assert!(out.join(format!("{name}.{ext}")).is_file(), "{name}.{ext}");
        }
    }
    let map = std::fs::read_to_string(out.join("sweep-map-2.svg")).unwrap();
    assert!(
        map.contains("Mean total of ri at each point") && map.contains("\nri count\n"),
        "sweep-map-2.svg"
    );
    assert!(!map.contains("reserve[0]"), "a raw key path on the map");

    // A grid that stops at 10 reserved: ri's best count by both measures is its largest value.
    let narrow = write(
        dir.path(),
        &(DETERMINISTIC.to_string()
            + "\n[sweep]\n'strategy[\"ri\"].reserve[0].count' = [0, 5, 10]\n"),
    );
    let out = dir.path().join("narrow");
    let r = sweep(&narrow, &out, &["--quiet"]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert_eq!(
        stderr(&r),
        "capsim: warning: ri: the best ri count by mean and by CVaR95, 10, is the largest value swept: the optimum may lie beyond the grid\n"
    );
    assert!(
        !out.join("sweep-map-1.svg").exists(),
        "maps are for two axes"
    );
}

#[test]
fn a_together_axis_sets_its_keys_together_through_shards_and_merge() {
    let dir = tempfile::tempdir().unwrap();
    // ri and ri3 share 20 reservations in four splits, at two prices.
    let scenario = write(
        dir.path(),
        &(DETERMINISTIC.to_string()
            + "\n[sweep]\n'instance_type[\"m\"].payg_hourly' = [\"0.08\", \"0.10\"]\n\n[sweep.together.split]\n'strategy[\"ri\"].reserve[0].count' = [0, 5, 10, 15]\n'strategy[\"ri3\"].reserve[0].count' = { from = 20, to = 5, step = -5 }\n"),
    );
    let whole = dir.path().join("whole");
    let r = sweep(&scenario, &whole, &["--quiet"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let rows = csv_rows(&whole.join("sweep.csv"));
    // 2 prices x 4 splits, 3 strategies each; the together axis after the plain key.
    assert_eq!(rows.len(), 2 * 4 * 3);
    let header = std::fs::read_to_string(whole.join("sweep.csv")).unwrap();
    assert!(header.starts_with("point,\"instance_type[\"\"m\"\"].payg_hourly\",sweep.together.split,\"strategy[\"\"ri\"\"].reserve[0].count\",\"strategy[\"\"ri3\"\"].reserve[0].count\",strategy,"), "{header}");
    for (i, chunk) in rows.chunks(3).enumerate() {
        let (p, v) = (i / 4, i % 4);
        let (c, c3) = (5 * v, 20 - 5 * v);
        for r in chunk {
            assert_eq!(r["point"], i.to_string());
            assert_eq!(r["sweep.together.split"], (v + 1).to_string());
            assert_eq!(r["strategy[\"ri\"].reserve[0].count"], c.to_string());
            assert_eq!(r["strategy[\"ri3\"].reserve[0].count"], c3.to_string());
        }
        // The worst trials have the event (20 VMs): each strategy's CVaR95 is that cost.
        let price = [0.08, 0.10][p];
        for (r, n) in chunk[1..].iter().zip([c, c3]) {
            assert_eq!(
                r["cvar95"],
                format!("{:.2}", by_hand(n as f64, price, 20.0)),
                "{i} {}",
                r["strategy"]
            );
        }
    }
    // ri's lowest CVaR95 is at the last split (15 reserved), ri3's at the first (20): both on
    // the edge of the together axis.
    let md = std::fs::read_to_string(whole.join("sweep.md")).unwrap();
    for w in [
        "ri: the best split by CVaR95, value 4 of 4 (ri count = 15, ri3 count = 5), is the last value swept: the optimum may lie beyond the grid",
        "ri3: the best split by CVaR95, value 1 of 4 (ri count = 0, ri3 count = 20), is the first value swept: the optimum may lie beyond the grid",
    ] {
        assert!(md.contains(w), "{w}\n{md}");
    }
    // The price axis is a what-if: no line about its two values.
    assert!(!md.contains("m payg_hourly has only two values"), "{md}");
    // Shards and merge give the same files; a resumed shard keeps its points.
    let shards = dir.path().join("shards");
    for shard in ["0/3", "1/3", "2/3"] {
        let r = sweep(
            &scenario,
            &shards,
            &["--shard", shard, "--resume", "--quiet"],
        );
        assert!(r.status.success(), "{}", stderr(&r));
    }
    let r = capsim().arg("merge").arg(&shards).output().unwrap();
    assert!(r.status.success(), "{}", stderr(&r));
    assert_eq!(files(&whole), files(&shards));
    let point: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(whole.join("points/point-000000.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        point["sweep"]["together"],
        serde_json::json!([{ "name": "split", "first": 1, "count": 2 }])
    );
}

#[test]
fn each_point_reports_the_swept_strategy_and_the_cheapest() {
    let dir = tempfile::tempdir().unwrap();
    // No event: 10 VMs always. ri3 (5 reserved) costs by_hand(5, 0.10, 10) = 576 at every point.
    let fixed = DETERMINISTIC.replace("probability = 0.3", "probability = 0");
    let scenario = write(
        dir.path(),
        &(fixed.clone() + "\n[sweep]\n'strategy[\"ri\"].reserve[0].count' = [0, 10]\n"),
    );
    let r = sweep(&scenario, &dir.path().join("a"), &["--threads", "1"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let lines: Vec<String> = stderr(&r)
        .lines()
        .filter(|l| l.starts_with("capsim: point"))
        .map(|l| l[..l.rfind("; ").unwrap()].to_string())
        .collect();
    assert_eq!(
        lines,
        [
            format!(
                "capsim: point 0 done (ri count = 0); 1 of 2 this run; ri {:.2} USD mean, cheapest ri3 {:.2} USD mean",
                by_hand(0.0, 0.10, 10.0),
                by_hand(5.0, 0.10, 10.0)
            ),
            format!(
                "capsim: point 1 done (ri count = 10); 2 of 2 this run; ri {:.2} USD mean (the cheapest)",
                by_hand(10.0, 0.10, 10.0)
            ),
        ]
    );
    // A fleet's size is no strategy's key: the cheapest and pay-as-you-go.
    let scenario = write(
        dir.path(),
        &(fixed + "\n[sweep]\n'fleet[\"web\"].baseline' = [4]\n"),
    );
    let r = sweep(&scenario, &dir.path().join("b"), &["--threads", "1"]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(
        stderr(&r).contains(&format!(
            "capsim: point 0 done (web baseline = 4); 1 of 1 this run; cheapest ri3 {:.2} USD mean, payg {:.2} USD mean; ",
            by_hand(5.0, 0.10, 4.0),
            by_hand(0.0, 0.10, 4.0)
        )),
        "{}",
        stderr(&r)
    );
}

#[test]
fn equal_totals_on_a_sweep_go_to_the_lower_npv() {
    // A 1-year reservation of 1,200 paid all upfront or in 12 monthly instalments of 100 (the
    // generic profile allows both): the same amortized total at every point, but at a discount
    // rate of 10% the monthly one pays later, so its NPV is lower and it is the best point,
    // not "any" and not the first in grid order.
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(
        dir.path(),
        r#"[scenario]
name = "npv"
start = "2026-01-01T00:00:00Z"
horizon = "1y"
trials = 5
discount_rate = 0.10

[[instance_type]]
name = "m"
payg_hourly = "0.20"
[instance_type.reserved.1y]
all_upfront = "1200"

[[fleet]]
name = "web"
instance_type = "m"
baseline = 1

[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "m"
count = 1
term = "1y"
payment = "all_upfront"

[sweep]
'strategy["ri"].reserve[0].payment' = ["all_upfront", "monthly"]
"#,
    );
    let out = dir.path().join("out");
    let r = sweep(&scenario, &out, &["--quiet"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let rows = csv_rows(&out.join("sweep.csv"));
    let ri: Vec<_> = rows.iter().filter(|r| r["strategy"] == "ri").collect();
    assert_eq!(ri[0]["mean"], ri[1]["mean"]);
    let best = csv_rows(&out.join("sweep-optimum.csv"));
    for lowest in ["mean", "cvar95"] {
        let row = best
            .iter()
            .find(|r| r["strategy"] == "ri" && r["lowest"] == lowest)
            .unwrap();
        assert_eq!(row["point"], "1", "{lowest}");
        assert_eq!(row["strategy[\"ri\"].reserve[0].payment"], "monthly");
        assert_eq!(row["no_effect"], "");
    }
}
