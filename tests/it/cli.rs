//! The command line: `run` writes its folder, `bill` agrees with `trials.csv`, thread counts
//! do not change a byte, interruptions and bad input leave nothing misleading behind.

use super::common::{capsim, repo_file};
use std::path::Path;
use std::process::{Command, Stdio};

/// A small scenario with synthetic demand, a reservation and a subscription.
const SCENARIO: &str = r#"[scenario]
name = "small"
start = "2026-01-01T00:00:00+08:00"
horizon = "60d"
trials = 12
seed = 5
discount_rate = 0.05

[billing]
profile = "alibaba"

[[instance_type]]
name = "ecs.g6.large"
family = "ecs.g6"
units = 4
payg_hourly = "0.152"
storage_network_hourly = "0.01"
[instance_type.reserved.1y]
partial_upfront = { upfront = "410", hourly = "0.047" }
[instance_type.subscription]
monthly = "70"

[[fleet]]
name = "web"
instance_type = "ecs.g6.large"
zone = "h"
baseline = 6
[fleet.arrivals]
rate_per_hour = 1.5
growth_per_year = { dist = "normal", mean = 0.2, sd = 0.1 }
[fleet.lifetime]
dist = "lognormal"
median = "5h"
sigma = 1.0

[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "ecs.g6.large"
count = 6
term = "1y"
payment = "partial_upfront"

[[strategy]]
name = "sub"
[[strategy.subscribe]]
instance_type = "ecs.g6.large"
count = 5
duration = "1mo"
renew = true
"#;

fn write_scenario(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("small.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    path
}

fn run_into(scenario: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    capsim()
        .arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn run_writes_the_summary_and_one_row_per_trial_and_strategy() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path());
    let out = dir.path().join("out");
    let result = run_into(&scenario, &out, &[]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let stdout = String::from_utf8(result.stdout).unwrap();
    assert!(
        stdout.contains("12 trials of \"small\" (seed 5)"),
        "{stdout}"
    );
    for name in ["payg", "ri", "sub"] {
        assert!(stdout.lines().any(|l| l.starts_with(name)), "{stdout}");
    }
    assert!(stdout.contains("summary.json"), "{stdout}");

    let csv = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 12 * 3);
    assert!(lines[0].starts_with("trial,strategy,total,cash_total,"));
    assert!(
        lines[1].starts_with("0,payg,")
            && lines[2].starts_with("0,ri,")
            && lines[3].starts_with("0,sub,")
    );

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["scenario"], "small");
    assert_eq!(summary["trials"], 12);
    assert_eq!(summary["seed"], 5);
    assert_eq!(summary["currency"], "USD");
    assert_eq!(summary["partial"], false);
    let strategies = summary["strategies"].as_array().unwrap();
    assert_eq!(strategies.len(), 3);
    for s in strategies {
        for key in [
            "total",
            "breakdown_mean",
            "cash_total_mean",
            "npv_mean",
            "obligation_after_horizon_mean",
            "utilization_mean",
            "subscription_utilization_mean",
            "coverage_mean",
            "regret_mean",
            "savings_vs_payg",
            "p_cheapest",
            "break_even_month",
            "cash_flow_monthly",
            "reservations",
        ] {
            assert!(s.get(key).is_some(), "{key} missing in {s}");
        }
    }
    // P(cheapest) sums to one over the strategies (ties share a trial).
    let p: f64 = strategies
        .iter()
        .map(|s| s["p_cheapest"].as_f64().unwrap())
        .sum();
    assert!((p - 1.0).abs() < 1e-9);
    // Nothing else is left in the folder (no temporary files).
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want = vec![
        "report.html".to_string(),
        "report.md".to_string(),
        "summary.json".to_string(),
        "trials.csv".to_string(),
    ];
    for chart in [
        "cash-flow",
        "cost-distribution",
        "ecdf",
        "savings",
        "utilization",
    ] {
        want.push(format!("{chart}.png"));
        want.push(format!("{chart}.svg"));
    }
    want.sort();
    assert_eq!(names, want);
}

#[test]
fn bill_of_trial_k_is_row_k_of_trials_csv() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path());
    let out = dir.path().join("out");
    assert!(
        run_into(&scenario, &out, &["--quiet", "--seed", "99"])
            .status
            .success()
    );
    let csv = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for k in [0u64, 7] {
        let doc = super::common::bill_json(&scenario, &["--trial", &k.to_string(), "--seed", "99"]);
        for s in doc["strategies"].as_array().unwrap() {
            let row: Vec<&str> = csv
                .lines()
                .find(|l| l.starts_with(&format!("{k},{},", s["name"].as_str().unwrap())))
                .unwrap()
                .split(',')
                .collect();
            for column in [
                "cash_total",
                "upfront",
                "payg_compute",
                "storage_network",
                "subscription",
                "obligation_after_horizon",
                "used_unit_seconds",
                "coverage",
            ] {
                let i = header.iter().position(|h| *h == column).unwrap();
                assert_eq!(row[i], s[column].as_str().unwrap(), "trial {k} {column}");
            }
            let total = header.iter().position(|h| *h == "total").unwrap();
            assert_eq!(row[total], s["amortized_total"].as_str().unwrap());
        }
    }
}

/// The command caps `--threads` at the cores, so on a small machine 8 may run as 2 or 1; the
/// library's runner takes any count and `results_are_bit_identical_on_any_thread_count`
/// (tests/it/montecarlo.rs) compares 1, 2 and 8 threads there.
#[test]
fn thread_counts_do_not_change_a_byte() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path());
    let mut outputs = Vec::new();
    for threads in ["1", "2", "8"] {
        let out = dir.path().join(format!("out{threads}"));
        let r = run_into(
            &scenario,
            &out,
            &["--quiet", "--threads", threads, "--trials", "30"],
        );
        assert!(r.status.success());
        outputs.push((
            std::fs::read(out.join("summary.json")).unwrap(),
            std::fs::read(out.join("trials.csv")).unwrap(),
        ));
    }
    assert!(outputs[0] == outputs[1] && outputs[1] == outputs[2]);
}

#[test]
fn quiet_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path());
    let r = run_into(&scenario, &dir.path().join("out"), &["--quiet"]);
    assert!(r.status.success());
    assert!(r.stdout.is_empty() && r.stderr.is_empty());
}

#[test]
fn bad_input_writes_no_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("bad.toml");
    std::fs::write(&scenario, SCENARIO.replace("count = 6", "count = -6")).unwrap();
    let out = dir.path().join("out");
    let r = run_into(&scenario, &out, &[]);
    assert_eq!(r.status.code(), Some(2));
    assert!(r.stdout.is_empty());
    assert!(!out.exists());
}

#[test]
fn bad_flags_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path());
    for flags in [
        &["--trials", "0"][..],
        &["--threads", "0"][..],
        &["--trials", "many"][..],
        &["--colour"][..],
    ] {
        let r = run_into(&scenario, &dir.path().join("out"), flags);
        assert_eq!(r.status.code(), Some(2), "{flags:?}");
        assert!(!dir.path().join("out").exists(), "{flags:?}");
    }
}

#[test]
fn ctrl_c_keeps_a_summary_of_the_finished_trials() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path());
    let out = dir.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin!("capsim");
    let child = Command::new(bin)
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .args(["--trials", "10000000", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let it finish some trials, then interrupt it as Ctrl-C does.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let result = child.wait_with_output().unwrap();
    assert_eq!(result.status.code(), Some(130));
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert!(stderr.contains("covers only the"), "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["partial"], true);
    let trials = summary["trials"].as_u64().unwrap();
    assert!(trials > 0 && trials < 10_000_000);
    let rows = std::fs::read_to_string(out.join("trials.csv"))
        .unwrap()
        .lines()
        .count() as u64;
    assert_eq!(rows, 1 + 3 * trials);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let bin = assert_cmd::cargo::cargo_bin!("capsim");
    let mut child = Command::new(bin)
        .arg("bill")
        .arg(repo_file("scenarios/bench.toml"))
        .args(["--hourly", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let result = child.wait_with_output().unwrap();
    assert_eq!(result.status.code(), Some(0));
    assert!(
        result.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

#[test]
fn validate_prints_what_the_scenario_holds() {
    let r = capsim()
        .args(["validate"])
        .arg(repo_file("scenarios/example.toml"))
        .output()
        .unwrap();
    assert!(r.status.success());
    let text = String::from_utf8(r.stdout).unwrap();
    assert!(text.contains("valid"), "{text}");
    assert!(text.contains("instance types (2):"), "{text}");
    assert!(text.contains("fleets (2):"), "{text}");
    assert!(
        text.contains("strategies (5 and the payg baseline):"),
        "{text}"
    );
    assert!(text.contains("ri-1y-partial: reserve 100 x ecs.g6.large 1y partial_upfront regional, size-flexible, renewed"), "{text}");
}

/// Every file of a folder with its bytes, by name.
fn folder(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap_or_default(),
                )
            })
            .collect(),
        Err(_) => Default::default(),
    }
}

/// The files of a run's folder.
fn run_set() -> Vec<String> {
    let mut want: Vec<String> = ["report.html", "report.md", "summary.json", "trials.csv"]
        .map(String::from)
        .to_vec();
    for chart in [
        "cash-flow",
        "cost-distribution",
        "ecdf",
        "savings",
        "utilization",
    ] {
        want.push(format!("{chart}.png"));
        want.push(format!("{chart}.svg"));
    }
    want.sort();
    want
}

/// Sends SIGINT, as Ctrl-C does.
fn interrupt(child: &std::process::Child) {
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[test]
fn interruptions_leave_the_earlier_set_or_a_whole_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path());
    let out = dir.path().join("out");
    let sleep = |ms: u64| std::thread::sleep(std::time::Duration::from_millis(ms));

    // Into a new folder, two Ctrl-Cs in quick succession before any output is ready: nothing
    // is left but the empty folder.
    let bin = assert_cmd::cargo::cargo_bin!("capsim");
    let start = |seed: u64| {
        Command::new(bin)
            .arg("run")
            .arg(&scenario)
            .arg("--out")
            .arg(&out)
            .args([
                "--trials",
                "10000000",
                "--quiet",
                "--seed",
                &seed.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let child = start(100);
    sleep(300);
    interrupt(&child);
    sleep(5);
    interrupt(&child);
    let status = child.wait_with_output().unwrap().status;
    // 130 after the handler, or killed by the signal before the handler was installed (a
    // loaded machine may take longer than the pause to start the process).
    assert!(
        status.code() == Some(130) || status.code().is_none(),
        "{status:?}"
    );
    // Nothing is left, or (when a loaded machine delays the second signal past the writing of
    // the interrupted run's outputs) that run's whole set: never a part of one.
    let left: Vec<String> = folder(&out).keys().cloned().collect();
    assert!(left.is_empty() || left == run_set(), "{left:?}");

    // An earlier run's complete set.
    assert!(
        run_into(&scenario, &out, &["--quiet", "--seed", "1"])
            .status
            .success()
    );
    let mut previous = folder(&out);
    assert_eq!(previous.keys().cloned().collect::<Vec<_>>(), run_set());

    // New runs, each with its own seed, interrupted once or twice at moments from before the
    // first trial to while the outputs are written and moved in (a chunk of trials takes about
    // a second, the outputs a fraction of one).
    let moments: [(u64, Option<u64>); 14] = [
        (0, Some(5)),
        (2, None),
        (30, Some(5)),
        (150, Some(5)),
        (300, None),
        (600, Some(50)),
        (900, Some(5)),
        (1200, Some(300)),
        (1200, Some(700)),
        (1500, Some(1000)),
        (2000, Some(1200)),
        (2500, Some(1500)),
        (2000, None),
        (3000, None),
    ];
    let mut replaced = 0;
    for (i, (first, second)) in moments.into_iter().enumerate() {
        let seed = 2 + i as u64;
        let child = start(seed);
        sleep(first);
        interrupt(&child);
        if let Some(ms) = second {
            sleep(ms);
            interrupt(&child);
        }
        let status = child.wait_with_output().unwrap().status;
        // 130 after the handler, or killed by the signal before the handler was installed.
        assert!(
            status.code() == Some(130) || status.code().is_none(),
            "{status:?}"
        );
        let now = folder(&out);
        let moment = format!("seed {seed}, Ctrl-C after {first} ms then {second:?} ms");
        assert_eq!(
            now.keys().cloned().collect::<Vec<_>>(),
            run_set(),
            "{moment}"
        );
        // One set: the report names the summary's seed and trials, trials.csv has their rows,
        // and every chart's SVG is the one inlined in the HTML report.
        let summary: serde_json::Value = serde_json::from_slice(&now["summary.json"]).unwrap();
        let trials = summary["trials"].as_u64().unwrap();
        let text = |name: &str| String::from_utf8(now[name].clone()).unwrap();
        let stamp = format!("{trials} trials (seed {})", summary["seed"]);
        assert!(text("report.md").contains(&stamp), "{moment}");
        assert!(text("report.html").contains(&stamp), "{moment}");
        assert_eq!(
            text("trials.csv").lines().count() as u64,
            1 + 3 * trials,
            "{moment}"
        );
        for (name, bytes) in now.iter().filter(|(n, _)| n.ends_with(".svg")) {
            let svg = String::from_utf8(bytes.clone()).unwrap();
            let body = &svg[svg.find("<svg").unwrap()..];
            assert!(
                text("report.html").contains(body.trim_end()),
                "{name}: {moment}"
            );
        }
        if now == previous {
            continue;
        }
        // Not the earlier set: the new run's, covering the trials before the interruption.
        replaced += 1;
        assert_eq!(summary["seed"], seed, "{moment}");
        assert_eq!(summary["partial"], true, "{moment}");
        previous = now;
    }
    // At least the runs interrupted once, late, or a second time long after the first, finish
    // their set.
    assert!(replaced >= 2, "{replaced} runs replaced the set");
}

#[test]
fn more_threads_than_a_run_can_use_are_capped_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path());
    let r = run_into(
        &scenario,
        &dir.path().join("out"),
        &["--quiet", "--threads", "65535", "--trials", "1"],
    );
    assert!(r.status.success());
    let cores = std::thread::available_parallelism().unwrap().get();
    // One trial: one thread is all it can use.
    assert_eq!(
        String::from_utf8(r.stderr).unwrap(),
        format!(
            "capsim: --threads 65535 capped at 1: at most one thread per core ({cores} core{}) and one per trial (1 trial)\n",
            if cores == 1 { "" } else { "s" }
        )
    );
}

/// The example with ecs.g6.large's 1y all-upfront price mistyped as 8,000 instead of 800.
fn mistyped_example(dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(repo_file("scenarios/example.toml")).unwrap();
    let typo = text.replacen("all_upfront = \"800\"", "all_upfront = \"8000\"", 1);
    assert_ne!(typo, text);
    let path = dir.join("typo.toml");
    std::fs::write(&path, typo).unwrap();
    path
}

/// The warning for the mistyped price. Under Alibaba's window a 1y reservation bought at
/// 00:00 on 2027-01-01 (UTC+8) is active until 24:00 on its expiration day, 2028-01-02: 367
/// days, 8,808 hours, so 8,000 / 8,808 = 0.90826... an instance-hour, above the 0.152 of
/// pay-as-you-go.
const TYPO_WARNING: &str = "strategy \"ri-1y-all\" reserve[0] (ecs.g6.large 1y all_upfront) costs 0.9083 USD per instance-hour over its first period, at or above the 0.152 of pay-as-you-go: it can never save; is a price mistyped?";

#[test]
fn a_purchase_dearer_than_pay_as_you_go_is_warned_of_by_validate_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let typo = mistyped_example(dir.path());
    let out = capsim().arg("validate").arg(&typo).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr, format!("capsim: warning: {TYPO_WARNING}\n"));
    let run = run_into(&typo, &dir.path().join("out"), &["--trials", "2"]);
    assert_eq!(run.status.code(), Some(0));
    assert!(
        String::from_utf8(run.stderr)
            .unwrap()
            .contains(TYPO_WARNING)
    );
    let report = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(
        report.contains(&format!("Warning: {TYPO_WARNING}")),
        "{report}"
    );
    // The example as shipped: every purchase is cheaper than what it replaces.
    let clean = capsim()
        .arg("validate")
        .arg(repo_file("scenarios/example.toml"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(clean.stderr).unwrap(), "");
}
