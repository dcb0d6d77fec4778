//! Charts, reports and the cash view of a run: files that are what they say, and cash figures
//! against hand calculations.

use super::common::capsim;
use std::path::Path;

/// One always-on VM at 1 an hour; strategy `ri` buys a 1-year all-upfront reservation of 3,000
/// at the start. Generic rules: UTC calendar, bills paid on the 1st of the next month.
const CASH: &str = r#"[scenario]
name = "cash"
start = "2026-01-01T00:00:00Z"
horizon = "1y"
trials = 3
seed = 1
discount_rate = 0.1

[[instance_type]]
name = "m"
payg_hourly = "1"
[instance_type.reserved.1y]
all_upfront = "3000"

[[fleet]]
name = "one"
instance_type = "m"
baseline = 1

[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "m"
count = 1
term = "1y"
payment = "all_upfront"
"#;

fn run(text: &str, dir: &Path) -> (serde_json::Value, String) {
    let scenario = dir.join("s.toml");
    std::fs::write(&scenario, text).unwrap();
    let out = dir.join("out");
    let r = capsim()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let summary =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    (summary, String::from_utf8(r.stdout).unwrap())
}

fn strategy<'a>(summary: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    summary["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()
}

fn number(v: &serde_json::Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn npv_and_break_even_match_a_hand_calculation() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, _) = run(CASH, dir.path());
    // Pay-as-you-go: each month's hours at 1 an hour, paid on the 1st of the next month.
    // (days from Jan 1 to the payment, hours of the month billed)
    let bills = [
        (31, 744.0),
        (59, 672.0),
        (90, 744.0),
        (120, 720.0),
        (151, 744.0),
        (181, 720.0),
        (212, 744.0),
        (243, 744.0),
        (273, 720.0),
        (304, 744.0),
        (334, 720.0),
        (365, 744.0),
    ];
    let year = 31_557_600.0;
    let npv: f64 = bills
        .iter()
        .map(|(days, amount)| amount * 1.1f64.powf(-(f64::from(*days) * 86_400.0) / year))
        .sum();
    let payg = strategy(&summary, "payg");
    assert!(
        (number(&payg["npv_mean"]) - npv).abs() < 0.01,
        "{} vs {npv}",
        payg["npv_mean"]
    );
    // The reservation is paid at the start: its NPV is the price itself; it covers every
    // hour, so nothing else is paid.
    let ri = strategy(&summary, "ri");
    assert_eq!(ri["npv_mean"], "3000.00");
    assert_eq!(ri["cash_total_mean"], "3000");
    // Cumulative cash of ri minus payg at each month's end: 3000 (month 1), 3000 - 744 = 2256,
    // - 672 = 1584, - 744 = 840, - 720 = 120, - 744 = -624 (month 6) and lower after:
    // break-even in month 6.
    assert_eq!(ri["break_even_month"], 6);
    assert!(payg["break_even_month"].is_null());
    // The cash view: the December bill is paid on Jan 1 2027, in month 13.
    let months = payg["cash_flow_monthly"].as_array().unwrap();
    assert_eq!(months.len(), 13);
    assert_eq!(months[0]["p50"], "0.00");
    assert_eq!(months[1]["p50"], "744.00");
    assert_eq!(months[5]["p50"], "3624.00");
    assert_eq!(months[12]["p50"], "8760.00");
    assert_eq!(
        strategy(&summary, "ri")["cash_flow_monthly"][12]["p50"],
        "3000.00"
    );
    // Effective rate: 3000 / 8760 instance-hours.
    assert_eq!(
        ri["reservations"][0]["effective_hourly_rate"],
        "0.342465753425"
    );
}

/// True when the file is a PNG of 1200 x 800 pixels (signature and IHDR header).
fn is_png_1200x800(bytes: &[u8]) -> bool {
    bytes.len() > 24
        && bytes[..8] == [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n']
        && &bytes[12..16] == b"IHDR"
        && u32::from_be_bytes(bytes[16..20].try_into().unwrap()) == 1200
        && u32::from_be_bytes(bytes[20..24].try_into().unwrap()) == 800
}

#[test]
fn a_run_writes_every_chart_and_both_reports() {
    let dir = tempfile::tempdir().unwrap();
    let text = CASH.replace("baseline = 1", "baseline = 1\n[fleet.arrivals]\nrate_per_hour = 0.5\n[fleet.lifetime]\ndist = \"exponential\"\nmean = \"3h\"")
        + r#"
[[strategy]]
name = "nothing-reserved"
"#;
    let (_, stdout) = run(&text, dir.path());
    let out = dir.path().join("out");
    assert!(
        stdout.trim_end().ends_with(&format!(
            "the report is {}",
            out.join("report.html").display()
        )),
        "{stdout}"
    );
    // Expected series in each chart: every strategy, or the strategies compared with
    // pay-as-you-go, or those that reserve.
    let all = ["payg", "ri", "nothing-reserved"];
    let charts: [(&str, &[&str], &[&str]); 5] = [
        ("cost-distribution", &all, &[]),
        ("ecdf", &all, &[]),
        ("savings", &["ri", "nothing-reserved"], &[]),
        ("cash-flow", &all, &[]),
        ("utilization", &["ri"], &["nothing-reserved"]),
    ];
    for (stem, present, absent) in charts {
        let png = std::fs::read(out.join(format!("{stem}.png"))).unwrap();
        assert!(is_png_1200x800(&png), "{stem}.png");
        let svg = std::fs::read_to_string(out.join(format!("{stem}.svg"))).unwrap();
        assert!(
            svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
            "{stem}.svg"
        );
        assert!(
            svg.contains("width=\"1200\"") && svg.contains("height=\"800\""),
            "{stem}.svg"
        );
        // A legend entry is the text of a <text> element: a line of its own in the SVG.
        let labels: Vec<&str> = svg.lines().map(str::trim).collect();
        let labelled = |name: &str| {
            labels
                .iter()
                .any(|l| l.starts_with(name) && !l.starts_with('<'))
        };
        for name in present {
            assert!(labelled(name), "{name} missing in {stem}.svg");
        }
        for name in absent {
            assert!(!labelled(name), "{name} unexpected in {stem}.svg");
        }
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.starts_with("# cash: what each purchase strategy costs"));
    assert!(md.contains("**ri is cheapest in 100.0% of trials"), "{md}");
    assert!(md.contains(
        "![How the total cost of each strategy is spread across trials.](cost-distribution.png)"
    ));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 5);
    assert!(html.contains("<strong>ri is cheapest in 100.0% of trials"));
    // Self-contained: no scripts, no style sheets or images fetched from anywhere.
    for needle in ["<script", "<link", " src=", "url("] {
        assert!(!html.contains(needle), "{needle} in report.html");
    }
    // Nothing half-written is left.
    assert!(
        std::fs::read_dir(&out).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with('.'))
    );
}

#[test]
fn a_scenario_without_strategies_says_so() {
    // Only pay-as-you-go: one VM at 1 an hour for 365 days, 8,760; nothing to compare it with.
    let dir = tempfile::tempdir().unwrap();
    let text = &CASH[..CASH.find("[[strategy]]").unwrap()];
    let (summary, _) = run(text, dir.path());
    assert_eq!(summary["strategies"].as_array().unwrap().len(), 1);
    let md = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(
        md.contains("**Pay-as-you-go costs 8,760.00 USD over the horizon.** The scenario defines no purchase strategy to compare it with."),
        "{md}"
    );
}

#[test]
fn a_strategy_name_in_the_verdict_is_shown_as_written() {
    // `ri` costs 3,000 against pay-as-you-go's 8,760 in every trial, so the verdict names it;
    // renamed, its name must stay text in report.md (escaped as the tables escape it) and in
    // report.html.
    let dir = tempfile::tempdir().unwrap();
    let name = "a|b<script>x</script>";
    run(
        &CASH.replace("name = \"ri\"", &format!("name = \"{name}\"")),
        dir.path(),
    );
    let md = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(
        md.contains("**a\\|b\\<script\\>x\\</script\\> is cheapest in 100.0% of trials"),
        "{md}"
    );
    // Outside the fenced block of inputs (where Markdown shows text as written), no tag.
    let prose = &md[..md.find("```").expect("the inputs block")];
    assert!(!prose.contains("<script>"), "{md}");
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(
        html.contains("<strong>a|b&lt;script&gt;x&lt;/script&gt; is cheapest in 100.0% of trials"),
        "{html}"
    );
    assert!(!html.contains("<script>"));
}

#[test]
fn a_difference_that_is_the_same_in_every_trial_is_said_so() {
    // `ri` costs 3,000 against pay-as-you-go's 8,760 in every trial: the runner-up costs
    // 5,760 more in each, with no interval to give.
    let dir = tempfile::tempdir().unwrap();
    run(CASH, dir.path());
    let md = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(
        md.contains("The runner-up, payg, costs 5,760.00 USD more in every trial."),
        "{md}"
    );
    assert!(!md.contains("+/- 0.00"), "{md}");
}

/// Two strategies that cost exactly the same in every trial: the same 3y reservation of the
/// Azure profile paid all upfront or in 36 monthly instalments of the same price, over a 3y
/// horizon, so every instalment and the upfront payment are wholly inside it and amortize to
/// the same total. With a positive discount rate the instalments, paid later, have the lower
/// net present value: the verdict names `monthly` first though the file lists `upfront`
/// first, and says why.
#[test]
fn equal_totals_are_ranked_by_net_present_value_and_the_verdict_says_so() {
    let text = r#"[scenario]
name = "tie"
start = "2027-01-01T00:00:00Z"
horizon = "3y"
trials = 3
seed = 1
discount_rate = 0.06

[billing]
profile = "azure"

[[instance_type]]
name = "D2"
family = "D"
units = 1
payg_hourly = "0.2"
[instance_type.reserved.3y]
all_upfront = "2016"

[[fleet]]
name = "steady"
instance_type = "D2"
zone = "westeurope"
baseline = 4

[[strategy]]
name = "upfront"
[[strategy.reserve]]
instance_type = "D2"
count = 4
term = "3y"
payment = "all_upfront"

[[strategy]]
name = "monthly"
[[strategy.reserve]]
instance_type = "D2"
count = 4
term = "3y"
payment = "monthly"
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tie.toml");
    std::fs::write(&path, text).unwrap();
    let out = dir.path().join("out");
    let run = capsim()
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let enough = &summary["trials_enough"];
    assert_eq!(enough["best"], "monthly");
    assert_eq!(enough["runner_up"], "upfront");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("**monthly is cheapest"), "{report}");
    assert!(
        report.contains("monthly and upfront cost exactly the same in every trial (equal amortized totals); monthly is named first for its lower net present value,"),
        "{report}"
    );
}
