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
