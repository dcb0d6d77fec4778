//! The shipped example scenarios: each one validates, runs a few trials cleanly, and bills a
//! few facts derived by hand from the file (prices x counts x periods, licence x VM-hours).

use super::common::{bill_json, capsim, d, json_strategy, repo_file};
use rust_decimal::Decimal;
use std::path::Path;

/// `capsim validate` on `file` succeeds; its report is returned.
fn validate(file: &Path) -> String {
    let out = capsim().arg("validate").arg(file).output().unwrap();
    assert!(
        out.status.success(),
        "validate {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Validates the example, runs 20 trials of it into a temporary folder and checks the summary:
/// complete, 20 trials, and the strategies `payg` then `strategies` in the file's order.
fn validate_and_run(relative: &str, strategies: &[&str]) -> (String, serde_json::Value) {
    let file = repo_file(relative);
    let report = validate(&file);
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = capsim()
        .arg("run")
        .arg(&file)
        .args(["--trials", "20", "--quiet", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "run {relative}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["partial"], false);
    assert_eq!(summary["trials"], 20);
    let names: Vec<&str> = summary["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    let mut want = vec!["payg"];
    want.extend_from_slice(strategies);
    assert_eq!(names, want, "{relative}");
    assert!(out_dir.join("trials.csv").exists());
    (report, summary)
}

/// A money field of a `bill --json` strategy.
fn money(s: &serde_json::Value, field: &str) -> Decimal {
    d(s[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {s}")))
}

/// The summary entry of a strategy.
fn summary_strategy<'a>(summary: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json_strategy(summary, name)
}

#[test]
fn example_alibaba_ecs_web_tier() {
    let (_, summary) = validate_and_run(
        "scenarios/example.toml",
        &[
            "ri-1y-all",
            "ri-1y-partial",
            "ri-1y-none",
            "ri-3y-all",
            "subscribe-monthly",
        ],
    );
    // Every commitment saves against pay-as-you-go on average.
    for name in ["ri-1y-all", "ri-3y-all", "subscribe-monthly"] {
        let saving: f64 = summary_strategy(&summary, name)["savings_vs_payg"]["mean"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(saving > 0.0, "{name} saves {saving}");
    }

    let doc = bill_json(&repo_file("scenarios/example.toml"), &[]);
    let payg = json_strategy(&doc, "payg");
    assert_eq!(money(payg, "upfront"), Decimal::ZERO);
    assert_eq!(money(payg, "subscription"), Decimal::ZERO);
    // Alibaba's window: bought 2027-01-01 00:00 (UTC+8), a 1-year reservation runs to 24:00 of
    // 2028-01-02, its renewal to 24:00 of 2029-01-02 and the next to 24:00 of 2030-01-02:
    // three purchases inside the 3-year horizon, 100 x 800 each.
    let all = json_strategy(&doc, "ri-1y-all");
    assert_eq!(money(all, "upfront"), d("240000"));
    assert_eq!(money(all, "commitment_recurring"), Decimal::ZERO);
    // No Upfront: 100 x 0.096 an hour over every hour of the horizon (1,096 days = 26,304 h),
    // and the 48 hours of the last period after it are still owed.
    let none = json_strategy(&doc, "ri-1y-none");
    assert_eq!(money(none, "upfront"), Decimal::ZERO);
    assert_eq!(
        money(none, "commitment_recurring"),
        d("100") * d("0.096") * d("26304")
    );
    assert_eq!(
        money(none, "obligation_after_horizon"),
        d("100") * d("0.096") * d("48")
    );
    // Monthly subscriptions from 2027-01-01, renewed: 36 periods of 75 x 70 + 12 x 140.
    let sub = json_strategy(&doc, "subscribe-monthly");
    assert_eq!(money(sub, "subscription"), d("36") * d("6930"));
}

#[test]
fn azure_windows_reservations_and_hybrid_benefit() {
    let file = repo_file("scenarios/azure-windows.toml");
    let (report, summary) = validate_and_run(
        "scenarios/azure-windows.toml",
        &["ri-1y-monthly", "ri-1y-upfront", "ri-3y-upfront"],
    );
    assert!(
        report.contains(r#"sweep: 2 points over 'fleet["rds-hosts"].hybrid_benefit'"#),
        "{report}"
    );
    // Monthly payment is the all-upfront price in instalments: the same amortized total, a
    // lower NPV (the scenario discounts at 6% a year).
    let monthly = summary_strategy(&summary, "ri-1y-monthly");
    let upfront = summary_strategy(&summary, "ri-1y-upfront");
    assert_eq!(monthly["total"]["mean"], upfront["total"]["mean"]);
    let npv = |s: &serde_json::Value| s["npv_mean"].as_str().unwrap().parse::<f64>().unwrap();
    assert!(npv(monthly) < npv(upfront));
    // The 3-year term is 60% off, the 1-year 40%: with the same count, the 3-year is cheaper.
    let mean = |s: &serde_json::Value| s["total"]["mean"].as_str().unwrap().parse::<f64>().unwrap();
    assert!(mean(summary_strategy(&summary, "ri-3y-upfront")) < mean(upfront));

    let doc = bill_json(&file, &["--hourly"]);
    // 34 reservations, renewed yearly on exact windows from 2027-01-01 00:00Z: 36 monthly
    // instalments of 1,008 / 12 = 84, or three payments of 1,008; the same money.
    for (name, paid_as) in [
        ("ri-1y-monthly", "instalments"),
        ("ri-1y-upfront", "upfront"),
    ] {
        let s = json_strategy(&doc, name);
        assert_eq!(money(s, paid_as), d("34") * d("1008") * d("3"), "{name}");
        assert_eq!(money(s, "obligation_after_horizon"), Decimal::ZERO);
    }
    assert_eq!(
        money(json_strategy(&doc, "ri-1y-monthly"), "upfront"),
        Decimal::ZERO
    );
    assert_eq!(
        money(json_strategy(&doc, "ri-1y-monthly"), "amortized_total"),
        money(json_strategy(&doc, "ri-1y-upfront"), "amortized_total")
    );
    // The Windows licence is charged only on the contact centre's hosts (eastus-2, no Hybrid
    // Benefit), at 0.184 an hour, reserved or not: the same in every strategy.
    let payg = json_strategy(&doc, "payg");
    let rds_seconds: i64 = payg["hours"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["zone"] == "eastus-2")
        .map(|h| h["usage_seconds"].as_i64().unwrap())
        .sum();
    assert!(rds_seconds > 0);
    let licence = d("0.184") * Decimal::from(rds_seconds) / d("3600");
    for s in doc["strategies"].as_array().unwrap() {
        assert_eq!(
            money(s, "software").round_dp(12),
            licence.round_dp(12),
            "{}",
            s["name"]
        );
    }

    // The sweep's other point, by hand: the contact centre brings its licences too. The same
    // fleets (the flag draws nothing), no licence at all, every other charge unchanged.
    let text = std::fs::read_to_string(&file).unwrap();
    let flag = "hybrid_benefit = false";
    assert_eq!(text.matches(flag).count(), 1);
    let dir = tempfile::tempdir().unwrap();
    let brought = dir.path().join("azure-windows-all-brought.toml");
    std::fs::write(&brought, text.replace(flag, "hybrid_benefit = true")).unwrap();
    validate(&brought);
    let doc_brought = bill_json(&brought, &[]);
    for s in doc["strategies"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let b = json_strategy(&doc_brought, name);
        assert_eq!(money(b, "software"), Decimal::ZERO, "{name}");
        for field in ["payg_compute", "storage_network", "upfront"] {
            assert_eq!(money(b, field), money(s, field), "{name} {field}");
        }
        assert_eq!(
            money(b, "amortized_total"),
            money(s, "amortized_total") - money(s, "software"),
            "{name}"
        );
    }
}

#[test]
fn ecp_subscriptions_by_duration() {
    let (report, summary) = validate_and_run(
        "scenarios/ecp-subscription.toml",
        &["sub-1mo", "sub-3mo", "sub-6mo", "sub-1y"],
    );
    assert!(report.contains("sweep: 5 points"), "{report}");
    // The yearly price is the only discount: the 1-year subscription is the cheapest.
    let cheapest = summary["trials_enough"]["best"].as_str().unwrap();
    assert_eq!(cheapest, "sub-1y");

    let doc = bill_json(&repo_file("scenarios/ecp-subscription.toml"), &[]);
    let payg = json_strategy(&doc, "payg");
    assert_eq!(money(payg, "subscription"), Decimal::ZERO);
    // Bought at 2027-01-01 00:00 (UTC+8) and renewed, every duration's last period starts
    // before the 2-year horizon ends: 24 months of 60 x 45 (1, 3 and 6 months alike: 3 and 6
    // months are priced at 3 and 6 monthly prices), or 2 years of 60 x 460.
    for (name, periods) in [("sub-1mo", 24), ("sub-3mo", 8), ("sub-6mo", 4)] {
        let s = json_strategy(&doc, name);
        assert_eq!(money(s, "subscription"), d("64800"), "{name}");
        let bought = s["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "purchase" || e["kind"] == "renewal")
            .count();
        assert_eq!(bought, periods, "{name}");
    }
    assert_eq!(
        money(json_strategy(&doc, "sub-1y"), "subscription"),
        d("2") * d("60") * d("460")
    );
    // What the subscriptions carry pays nothing else: the bandwidth of pay-as-you-go phones
    // is lower with them.
    for name in ["sub-1mo", "sub-1y"] {
        assert!(
            money(json_strategy(&doc, name), "storage_network") < money(payg, "storage_network")
        );
    }
}

#[test]
fn trace_replay_of_batch_jobs() {
    let file = repo_file("scenarios/trace-replay.toml");
    let csv_path = repo_file("scenarios/traces/batch-jobs.csv");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("id,instance_type,zone,start,end"));
    let jobs: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(jobs.len() > 2000, "{} jobs", jobs.len());

    let (report, summary) = validate_and_run(
        "scenarios/trace-replay.toml",
        &["regional-flex", "zonal-2xlarge", "regional-flex-small"],
    );
    assert!(
        report.contains(&format!("({} VMs)", jobs.len())),
        "{report}"
    );
    // The query service is generated with uncertain demand: the trials differ.
    let payg = summary_strategy(&summary, "payg");
    assert_ne!(payg["total"]["min"], payg["total"]["max"]);

    // The replayed jobs are the same in every trial, second for second. Every (type, zone)
    // but the query service's (m6i.2xlarge, eu-west-2a) is the trace alone: its usage is the
    // CSV's seconds inside the horizon [2027-01-04, 2027-04-05) UTC.
    let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp();
    let (start, end) = (at("2027-01-04T00:00:00Z"), at("2027-04-05T00:00:00Z"));
    let mut want = std::collections::BTreeMap::<(String, String), i64>::new();
    for job in &jobs {
        let (from, to) = (at(job[3]).max(start), at(job[4]).min(end));
        if (job[1], job[2]) != ("m6i.2xlarge", "eu-west-2a") && to > from {
            *want.entry((job[1].into(), job[2].into())).or_default() += to - from;
        }
    }
    assert_eq!(want.len(), 7);
    for trial in ["0", "7"] {
        let doc = bill_json(&file, &["--trial", trial, "--strategy", "payg", "--hourly"]);
        let mut got = std::collections::BTreeMap::<(String, String), i64>::new();
        for h in json_strategy(&doc, "payg")["hours"].as_array().unwrap() {
            let key = (
                h["instance_type"].as_str().unwrap().to_string(),
                h["zone"].as_str().unwrap().to_string(),
            );
            if key != ("m6i.2xlarge".into(), "eu-west-2a".into()) {
                *got.entry(key).or_default() += h["usage_seconds"].as_i64().unwrap();
            }
        }
        assert_eq!(got, want, "trial {trial}");
    }

    // No Upfront, 1 year from the horizon's start: 91 days = 2,184 hours of fees inside the
    // horizon, the other 6,576 hours of the year owed after it.
    let doc = bill_json(&file, &[]);
    for (name, hourly) in [
        ("regional-flex", d("24") * d("0.07")),
        ("zonal-2xlarge", d("6") * d("0.28")),
        ("regional-flex-small", d("12") * d("0.07")),
    ] {
        let s = json_strategy(&doc, name);
        assert_eq!(
            money(s, "commitment_recurring"),
            hourly * d("2184"),
            "{name}"
        );
        assert_eq!(
            money(s, "obligation_after_horizon"),
            hourly * d("6576"),
            "{name}"
        );
    }
    // The same 96 units bought regionally and size-flexible are used at least as well as
    // bought for one size in one zone: any VM the zonal one covers, the regional one may.
    let used = |name: &str| money(json_strategy(&doc, name), "used_unit_seconds");
    assert!(used("regional-flex") >= used("zonal-2xlarge"));
}

#[test]
fn migration_with_shared_variables_growth_and_a_schedule() {
    let file = repo_file("scenarios/migration.toml");
    let (report, summary) = validate_and_run(
        "scenarios/migration.toml",
        &["ri3y-up-60", "ri3y-mo-60", "ri3y-mo-45"],
    );
    assert!(report.contains("variables (2):"), "{report}");
    assert!(report.contains("when migrate is non-zero"), "{report}");
    // Both sides of the migration get a table; the events conditioned on it get none.
    let splits: Vec<(&str, f64)> = summary["conditional"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["column"].as_str().unwrap(), c["value"].as_f64().unwrap()))
        .collect();
    assert_eq!(splits, vec![("var.migrate", 0.0), ("var.migrate", 1.0)]);
    // All upfront and monthly of one price tie in every trial.
    assert_eq!(
        summary_strategy(&summary, "ri3y-up-60")["total"]["mean"],
        summary_strategy(&summary, "ri3y-mo-60")["total"]["mean"]
    );

    // Trial 0's bill, by hand: 60 reservations at 2,270 all upfront, or 36 instalments of
    // 2,270 / 36 each; the Windows licence (0.184 an hour) only on the web tier, whose VMs are
    // its baseline, its schedule and its arrivals.
    let doc = bill_json(&file, &["--hourly"]);
    assert_eq!(
        money(json_strategy(&doc, "ri3y-up-60"), "upfront"),
        d("136200")
    );
    assert_eq!(
        money(json_strategy(&doc, "ri3y-mo-60"), "instalments"),
        d("136200")
    );
    let payg = json_strategy(&doc, "payg");
    let seconds: i64 = payg["hours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["usage_seconds"].as_i64().unwrap())
        .sum();
    // The weekday schedule alone runs 20 VMs for 10 hours on each of the 782 weekdays of
    // 2027-2029 (every VM-second of it is in the bill's usage), and the baselines 70 VMs
    // growing at 10% a year or more: at least 70 x 26,304 hours.
    assert!(
        seconds >= (20 * 10 * 782 + 70 * 26_304) * 3_600,
        "{seconds}"
    );

    // Every trial's migration is one draw: the two events follow var.migrate row by row.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    capsim()
        .arg("run")
        .arg(&file)
        .args(["--trials", "20", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let mut reader = csv::Reader::from_path(out.join("trials.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (migrate, growth, removed, slowed) = (
        at("var.migrate"),
        at("var.growth"),
        at("event.web.0"),
        at("event.web.1"),
    );
    for row in reader.records() {
        let row = row.unwrap();
        assert_eq!(row[removed], row[migrate]);
        assert_eq!(row[slowed], row[migrate]);
        let g: f64 = row[growth].parse().unwrap();
        assert!((0.10..=0.40).contains(&g), "{g}");
    }
}
