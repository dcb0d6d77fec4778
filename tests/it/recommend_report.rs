//! What `capsim recommend` writes besides its figures (docs/spec.md, section 12): the folder's
//! files, the charts, and a report that opens with what `recommendation.toml` buys.

use super::common::capsim;
use super::snapshots::structure;
use std::path::{Path, PathBuf};

/// A 30-day scenario with one fleet, a strategy and two offers of at most a few instances, so
/// the search is exhaustive and quick.
const TINY: &str = r#"[scenario]
name = "tiny"
start = "2026-01-01T00:00:00Z"
horizon = "30d"
trials = 30
seed = 7

[billing]
profile = "alibaba"

[[instance_type]]
name = "ecs.g6.large"
family = "ecs.g6"
units = 4
payg_hourly = "0.152"
[instance_type.reserved.1y]
no_upfront = { hourly = "0.096" }
[instance_type.subscription]
monthly = "70"

[[instance_type]]
name = "ecs.c6.large"
family = "ecs.c6"
units = 4
payg_hourly = "0.13"
[instance_type.reserved.1y]
no_upfront = { hourly = "0.08" }

[[fleet]]
name = "web"
instance_type = "ecs.g6.large"
zone = "cn-hangzhou-h"
baseline = { dist = "uniform", low = 2, high = 5 }
[fleet.arrivals]
rate_per_hour = 0.5
[fleet.lifetime]
dist = "exponential"
mean = "12h"

[[strategy]]
name = "STRATEGY"
[[strategy.subscribe]]
instance_type = "ecs.g6.large"
zone = "cn-hangzhou-h"
count = 2
duration = "1mo"

[recommend]
trials = 30
check_trials = 20

[[recommend.offer]]
reserve = { instance_type = "ecs.g6.large", term = "1y", payment = "no_upfront" }
max_count = 3
[[recommend.offer]]
subscribe = { instance_type = "ecs.g6.large", zone = "cn-hangzhou-h", duration = "1mo" }
max_count = 5
"#;

/// Runs `capsim recommend` on `text` into a fresh folder; returns the folder's owner and the
/// output folder.
fn recommend(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tiny.toml");
    std::fs::write(&scenario, text).unwrap();
    let out = dir.path().join("out");
    run_into(&scenario, &out);
    (dir, out)
}

fn run_into(scenario: &Path, out: &Path) {
    let r = capsim()
        .arg("recommend")
        .arg(scenario)
        .args(["--quiet", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

fn read(out: &Path, name: &str) -> String {
    std::fs::read_to_string(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn files(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Each entry of `recommendation.toml` as "COUNT x TYPE TERM" (the term or the duration).
fn bought(out: &Path) -> Vec<String> {
    let doc: toml::Table = read(out, "recommendation.toml").parse().unwrap();
    let strategy = &doc["strategy"].as_array().unwrap()[0];
    let mut out = Vec::new();
    for (kind, length) in [("reserve", "term"), ("subscribe", "duration")] {
        for e in strategy
            .get(kind)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            out.push(format!(
                "{} x {} {}",
                e["count"].as_integer().unwrap(),
                e["instance_type"].as_str().unwrap(),
                e[length].as_str().unwrap()
            ));
        }
    }
    out
}

/// The text lines of an SVG (plotters writes each text's content on a line of its own).
fn svg_texts(svg: &str) -> Vec<String> {
    let mut texts = Vec::new();
    let mut lines = svg.lines();
    while let Some(line) = lines.next() {
        if line.trim_start().starts_with("<text") {
            texts.extend(lines.next().map(|t| t.trim().to_string()));
        }
    }
    texts
}

#[test]
fn the_folder_holds_the_recommendation_its_charts_and_its_report() {
    let (dir, out) = recommend(&TINY.replace("STRATEGY", "sub-2"));
    let expected = [
        "frontier.png",
        "frontier.svg",
        "recommend.json",
        "recommendation.toml",
        "report.html",
        "report.md",
        "savings-curve.png",
        "savings-curve.svg",
    ];
    assert_eq!(files(&out), expected);
    for chart in ["frontier", "savings-curve"] {
        let png = std::fs::read(out.join(format!("{chart}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{chart}.png");
        let svg = read(&out, &format!("{chart}.svg"));
        assert!(svg.contains("<svg"), "{chart}.svg");
        // The HTML report inlines the very SVG written beside it.
        let element = &svg[svg.find("<svg").unwrap()..];
        assert!(read(&out, "report.html").contains(element.trim_end()));
    }
    // A second run replaces the set as a whole: the same files, nothing left over.
    run_into(&dir.path().join("tiny.toml"), &out);
    assert_eq!(files(&out), expected);
}

#[test]
fn the_report_opens_with_what_recommendation_toml_buys() {
    let (_dir, out) = recommend(&TINY.replace("STRATEGY", "sub-2"));
    let entries = bought(&out);
    assert!(!entries.is_empty(), "the tiny fleet is worth reserving for");
    let md = read(&out, "report.md");
    let first = md
        .lines()
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap();
    assert!(first.starts_with("**Buy "), "{first}");
    for e in &entries {
        assert!(first.contains(e.as_str()), "{e} in {first}");
    }
    // Nothing else is bought: one "N x" per entry.
    assert_eq!(first.matches(" x ecs.").count(), entries.len(), "{first}");
    let html = read(&out, "report.html");
    let p = &html[html.find("<p>").unwrap()..];
    let p = &p[..p.find("</p>").unwrap()];
    assert!(p.starts_with("<p><strong>Buy "), "{p}");
    for e in &entries {
        assert!(p.contains(e.as_str()), "{e} in {p}");
    }
}

#[test]
fn the_charts_show_each_offer_that_may_be_bought_and_each_objective() {
    // The c6 offer has no max_count and no fleet runs its family: its bound is 0.
    let text = TINY.replace("STRATEGY", "sub-2")
        + "[[recommend.offer]]\nreserve = { instance_type = \"ecs.c6.large\", term = \"1y\", payment = \"no_upfront\" }\n";
    let (_dir, out) = recommend(&text);
    let curve = svg_texts(&read(&out, "savings-curve.svg"));
    for e in bought(&out) {
        // "2 x ecs.g6.large 1y" is drawn as "ecs.g6.large 1y ...: 2 chosen".
        let (count, offer) = e.split_once(" x ").unwrap();
        assert!(
            curve
                .iter()
                .any(|t| t.starts_with(offer) && t.ends_with(&format!(": {count} chosen"))),
            "{e} in {curve:?}"
        );
    }
    assert!(!curve.iter().any(|t| t.contains("ecs.c6")), "{curve:?}");
    assert!(
        read(&out, "report.md").contains("| ecs.c6.large 1y no_upfront regional | 0 | 0 |"),
        "the offers table lists the offer with its bound"
    );
    let frontier = svg_texts(&read(&out, "frontier.svg"));
    for name in ["payg", "sub-2"] {
        assert!(frontier.iter().any(|t| t == name), "{name} in {frontier:?}");
    }
    let mut best_for: Vec<&str> = frontier
        .iter()
        .filter_map(|t| {
            t.split_once("best for ")
                .map(|(_, o)| o.trim_end_matches(')'))
        })
        .flat_map(|o| o.split(", "))
        .collect();
    best_for.sort_unstable();
    assert_eq!(best_for, ["cvar95", "mean", "p90", "p95"]);
    assert!(
        frontier
            .iter()
            .any(|t| t.starts_with("recommended (best for ") && t.contains("mean")),
        "the recommendation is the best portfolio for its objective, mean: {frontier:?}"
    );
}

#[test]
fn user_text_is_shown_as_written_never_as_markup() {
    let name = "<b>x</b>|y";
    let text = TINY.replace("STRATEGY", name).replace(
        "check_trials = 20",
        &format!("check_trials = 20\nbase = \"{name}\""),
    );
    let (_dir, out) = recommend(&text);
    let html = read(&out, "report.html");
    assert!(!html.contains(name));
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;|y"));
    let md = read(&out, "report.md");
    // In a paragraph every markup character is escaped; in a table cell the pipe and the
    // brackets are.
    assert!(md.contains(r#"on top of "\<b\>x\</b\>\|y""#), "{md}");
    assert!(md.contains(r"| &lt;b&gt;x&lt;/b&gt;\|y |"), "{md}");
    let svg = read(&out, "frontier.svg");
    assert!(!svg.contains(name));
    assert!(svg.contains("&lt;b&gt;x&lt;/b&gt;|y"));
}

#[test]
fn report_structure() {
    let (_dir, out) = recommend(&TINY.replace("STRATEGY", "sub-2"));
    insta::assert_snapshot!(structure(&read(&out, "report.md")));
}

#[test]
fn a_risk_objective_is_shown_with_the_mean_beside_it() {
    let text = TINY.replace("STRATEGY", "sub-2").replace(
        "check_trials = 20",
        "check_trials = 20\nobjective = \"cvar95\"",
    );
    let (_dir, out) = recommend(&text);
    let md = read(&out, "report.md");
    let header = md
        .lines()
        .skip_while(|l| *l != "## In-sample and out-of-sample")
        .find(|l| l.starts_with('|'))
        .unwrap();
    assert_eq!(
        header,
        "| portfolio | buys | cvar95, search trials (USD) | cvar95, check trials | 95% CI | mean, check trials | 95% CI |"
    );
}
