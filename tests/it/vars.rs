//! Shared variables, conditioned events, a growing baseline and schedules (docs/spec.md,
//! section 16): values derived by hand or from closed forms.

use super::common::{bills, load_text};
use capsim::engine::Engine;
use capsim::fleet::{Draws, VmGroup};
use capsim::scenario::{FleetKind, Scenario};

const YEAR: f64 = 31_557_600.0;

fn scenario(header: &str, rest: &str) -> Scenario {
    let text = format!(
        r#"[scenario]
name = "v"
{header}

[[instance_type]]
name = "m"
payg_hourly = "1"

{rest}
"#
    );
    let (_dir, s) = load_text("s.toml", &text);
    s.unwrap_or_else(|e| panic!("{e}"))
}

/// Trial `trial`'s VM groups and draws.
fn trial(s: &Scenario, trial: u64) -> (Vec<VmGroup>, Draws) {
    let engine = Engine::new(s).expect("engine");
    let mut groups: Vec<VmGroup> = Vec::new();
    let draws = engine
        .generator
        .generate(s, &engine.layout, s.seed, trial, &mut groups);
    (groups, draws)
}

fn vm_seconds(groups: &[VmGroup], s: &Scenario) -> f64 {
    groups
        .iter()
        .map(|g| (g.end.min(s.end) - g.start.max(s.start)).max(0) as f64 * f64::from(g.count))
        .sum()
}

#[test]
fn two_events_conditioned_on_one_variable_always_happen_together() {
    // Fleet a gains 5 VMs and fleet b 7 at day 10 exactly in the trials where migrate = 1; with
    // probabilities of their own they would disagree in about half of the trials.
    let s = scenario(
        "start = \"2026-01-01T00:00:00Z\"\nhorizon = \"30d\"",
        r#"[vars]
migrate = { dist = "choice", values = [0, 1] }

[[fleet]]
name = "a"
instance_type = "m"
[[fleet.event]]
at = "10d"
add = 5
when = "migrate"

[[fleet]]
name = "b"
instance_type = "m"
[[fleet.event]]
at = "10d"
add = 7
when = "$migrate"
"#,
    );
    let mut seen = [0; 2];
    for k in 0..200 {
        let (groups, draws) = trial(&s, k);
        let migrate = draws.vars[0];
        assert!(migrate == 0.0 || migrate == 1.0, "{migrate}");
        let happened = migrate == 1.0;
        assert_eq!(draws.events, vec![happened, happened], "trial {k}");
        let mut counts: Vec<u32> = groups.iter().map(|g| g.count).collect();
        counts.sort();
        let expected: Vec<u32> = if happened { vec![5, 7] } else { vec![] };
        assert_eq!(counts, expected, "trial {k}");
        seen[usize::from(happened)] += 1;
    }
    // Both outcomes occur (each has a chance of 1/2 per trial).
    assert!(seen[0] > 0 && seen[1] > 0, "{seen:?}");
}

#[test]
fn a_variable_is_one_draw_shared_by_every_key_that_names_it() {
    // Two fleets' baselines name one variable: they are equal in every trial, and equal to the
    // variable's value rounded (a count), which varies between trials.
    let s = scenario(
        "start = \"2026-01-01T00:00:00Z\"\nhorizon = \"1d\"",
        r#"[vars]
n = { dist = "uniform", low = 0, high = 40 }

[[fleet]]
name = "a"
instance_type = "m"
baseline = "$n"

[[fleet]]
name = "b"
instance_type = "m"
baseline = "$n"
"#,
    );
    let mut values = Vec::new();
    for k in 0..50 {
        let (groups, draws) = trial(&s, k);
        let n = draws.vars[0].round() as u32;
        let counts: Vec<u32> = groups.iter().map(|g| g.count).collect();
        let expected = if n == 0 { vec![] } else { vec![n, n] };
        assert_eq!(counts, expected, "trial {k}, n = {}", draws.vars[0]);
        values.push(n);
    }
    values.sort();
    values.dedup();
    assert!(values.len() > 10, "{values:?}");
}

/// The VMs running at second `t`.
fn running_at(groups: &[VmGroup], t: i64) -> u32 {
    groups
        .iter()
        .filter(|g| g.start <= t && t < g.end)
        .map(|g| g.count)
        .sum()
}

#[test]
fn a_grown_baseline_has_the_closed_form_vm_hours() {
    // Count at year y: round(1000 x 1.25^y). Over 4 years of 365.25 days ("1461d") the VM-years
    // are the integral 1000 x (1.25^4 - 1) / ln 1.25 = 6459.49 up to the rounding, whose area
    // cancels over each whole step to the curvature's second order; the partial steps at both
    // ends differ by at most half a VM over their length, 0.5 / (n ln 1.25) years for n = 1000
    // and 2441: together at most 0.0016 VM-years. The count at the end is round(2441.41) = 2441.
    let s = scenario(
        "start = \"2026-01-01T00:00:00Z\"\nhorizon = \"1461d\"",
        r#"[[fleet]]
name = "a"
instance_type = "m"
baseline = 1000
grow_baseline = 0.25
"#,
    );
    assert_eq!(s.end - s.start, 4 * YEAR as i64);
    let (groups, _) = trial(&s, 0);
    let closed = 1000.0 * (1.25f64.powi(4) - 1.0) / 1.25f64.ln();
    let years = vm_seconds(&groups, &s) / YEAR;
    let ends = 0.5 * (0.5 / (1000.0 * 1.25f64.ln()) + 0.5 / (2441.0 * 1.25f64.ln()));
    assert!(
        (years - closed).abs() <= ends,
        "{years} VM-years against {closed}"
    );
    assert_eq!(running_at(&groups, s.start), 1000);
    assert_eq!(running_at(&groups, s.end - 1), 2441);
    // Half-way (2 years): round(1000 x 1.5625) = 1563 (1562.5 rounds up); the step to 1563 is
    // at the first second where 1000 x 1.25^y >= 1562.5, which is 2 years exactly.
    let two_years = s.start + 2 * YEAR as i64;
    assert_eq!(running_at(&groups, two_years), 1563);
    assert_eq!(running_at(&groups, two_years - 1), 1562);
}

#[test]
fn a_shrinking_baseline_stops_the_newest_first() {
    // 100 VMs falling 20% a year for 4 years: the baseline's count ends at round(100 x 0.8^4)
    // = round(40.96) = 41, and the event's 10 VMs added at day 100 keep the total 10 above it:
    // 51 at the end. The VM-years are those of the baseline, close to
    // 100 x (0.8^4 - 1) / ln 0.8 = 264.58 (to half a VM over the partial steps at both ends, of
    // 0.5 / (n |ln 0.8|) years for n = 100 and 41), plus 10 VMs over the 1,361 days from day 100.
    // The event's VMs are the newest: the first ten steps down after day 100 stop them.
    let s = scenario(
        "start = \"2026-01-01T00:00:00Z\"\nhorizon = \"1461d\"",
        r#"[[fleet]]
name = "a"
instance_type = "m"
baseline = 100
grow_baseline = -0.2
[[fleet.event]]
at = "100d"
add = 10
"#,
    );
    let (groups, _) = trial(&s, 0);
    let event_at = s.start + 100 * 86_400;
    assert_eq!(running_at(&groups, s.end - 1), 51);
    let closed = 100.0 * (0.8f64.powi(4) - 1.0) / 0.8f64.ln() + 10.0 * 1361.0 / 365.25;
    let years = vm_seconds(&groups, &s) / YEAR;
    let ends = 0.5 * (0.5 / (100.0 * 0.8f64.ln().abs()) + 0.5 / (41.0 * 0.8f64.ln().abs()));
    assert!(
        (years - closed).abs() <= ends,
        "{years} VM-years against {closed}"
    );
    // At day 100 (y = 0.2738) the baseline's count is round(94.07) = 94; the tenth step after
    // it, to 84, is where 100 x 0.8^y falls below 84.5: y = ln(0.845) / ln(0.8) = 0.7548.
    let tenth = s.start + ((84.5f64 / 100.0).ln() / 0.8f64.ln() * YEAR).ceil() as i64;
    let from_event: Vec<&VmGroup> = groups.iter().filter(|g| g.start == event_at).collect();
    assert_eq!(from_event.iter().map(|g| g.count).sum::<u32>(), 10);
    assert!(from_event.iter().all(|g| g.end <= tenth), "{from_event:?}");
    assert!(
        groups
            .iter()
            .filter(|g| g.start == s.start)
            .all(|g| g.end <= event_at || g.end >= tenth),
        "a baseline VM stopped while the event's VMs ran"
    );
}

#[test]
fn grow_baseline_true_follows_the_arrivals_growth_draw() {
    // The baseline follows the trial's draw of growth_per_year: 50 VMs, a growth of "$g" with
    // g from a choice of 0.1 and 1.0, over one year of 365.25 days: 55 or 100 at the end.
    let s = scenario(
        "start = \"2026-01-01T00:00:00Z\"\nhorizon = \"365.25d\"",
        r#"[vars]
g = { dist = "choice", values = [0.1, 1.0] }

[[fleet]]
name = "a"
instance_type = "m"
baseline = 50
grow_baseline = true
warm_start = false
[fleet.arrivals]
rate_per_hour = 0
growth_per_year = "$g"
[fleet.lifetime]
dist = "fixed"
value = "1h"
"#,
    );
    for k in 0..20 {
        let (groups, draws) = trial(&s, k);
        let expected = if draws.vars[0] == 0.1 { 55 } else { 100 };
        assert_eq!(running_at(&groups, s.end - 1), expected, "trial {k}");
    }
}

#[test]
fn a_schedule_adds_days_times_hours_times_extra() {
    // Four weeks from Monday 2026-01-05 in UTC: 20 weekdays x 10 hours x 20 VMs = 4,000
    // VM-hours, and nothing else runs.
    let s = scenario(
        "start = \"2026-01-05T00:00:00Z\"\nhorizon = \"28d\"",
        r#"[[fleet]]
name = "a"
instance_type = "m"
[[fleet.schedule]]
days = ["mon", "tue", "wed", "thu", "fri"]
hours = "08:00-18:00"
extra = 20
"#,
    );
    let b = &bills(&s, 0)[0];
    assert_eq!(b.usage_seconds, 4_000 * 3_600);
    let (groups, _) = trial(&s, 0);
    assert_eq!(groups.len(), 20);
    assert_eq!(groups[0].start - s.start, 8 * 3_600);
    assert_eq!(groups[0].end - s.start, 18 * 3_600);
}

#[test]
fn a_schedule_follows_local_hours_across_daylight_saving() {
    // Amsterdam moves from UTC+1 to UTC+2 on Sunday 2026-03-29. Two weeks from Monday
    // 2026-03-23 00:00 local (2026-03-22T23:00Z): 10 weekdays x 10 local hours x 3 VMs =
    // 300 VM-hours; the first window opens at 07:00Z, those after the change at 06:00Z. An
    // overnight window on Saturdays, 22:00-06:00, adds 8 hours x 1 VM on each of the two
    // Saturdays, the first night one hour shorter in UTC (clocks go forward at 02:00): 7 + 8.
    let s = scenario(
        "start = \"2026-03-22T23:00:00Z\"\nhorizon = \"14d\"\ntimezone = \"Europe/Amsterdam\"",
        r#"[[fleet]]
name = "a"
instance_type = "m"
[[fleet.schedule]]
days = ["mon", "tue", "wed", "thu", "fri"]
hours = "08:00-18:00"
extra = 3
[[fleet.schedule]]
days = ["sat"]
hours = "22:00-06:00"
extra = 1
"#,
    );
    let b = &bills(&s, 0)[0];
    assert_eq!(b.usage_seconds, (300 + 7 + 8) * 3_600);
    let (groups, _) = trial(&s, 0);
    let hour_utc = |t: i64| (t.rem_euclid(86_400)) / 3_600;
    let weekday: Vec<&VmGroup> = groups.iter().filter(|g| g.count == 3).collect();
    assert_eq!(weekday.len(), 10);
    assert_eq!(hour_utc(weekday[0].start), 7);
    assert_eq!(hour_utc(weekday[5].start), 6);
}

#[test]
fn a_sweep_may_fix_a_variable_or_vary_its_bounds() {
    // A variable is swept like any key: replaced by a number, or a bound of its distribution.
    let s = scenario(
        "start = \"2026-01-01T00:00:00Z\"\nhorizon = \"1d\"",
        r#"[vars]
n = { dist = "uniform", low = 0, high = 10 }

[[fleet]]
name = "a"
instance_type = "m"
baseline = "$n"

[sweep]
'vars.n' = [3, 8]
"#,
    );
    for (i, n) in [3u32, 8].into_iter().enumerate() {
        let point = s.sweep_point(i).unwrap_or_else(|e| panic!("{e}"));
        let (groups, draws) = trial(&point, 0);
        assert_eq!(draws.vars, vec![f64::from(n)]);
        assert_eq!(groups.iter().map(|g| g.count).collect::<Vec<_>>(), vec![n]);
    }
}

#[test]
fn trials_csv_and_the_summary_split_the_trials_by_what_they_drew() {
    // 10 VMs at 1 an hour for 30 days: 7,200, or 3,600 where the migration removes all 10 at
    // day 15. A second event, probability 0.5, adds one VM for the last 10 days (240 more).
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        r#"[scenario]
name = "v"
start = "2026-01-01T00:00:00Z"
horizon = "30d"
seed = 3

[vars]
migrate = { dist = "choice", values = [0, 1], weights = [0.6, 0.4] }

[[instance_type]]
name = "m"
payg_hourly = "1"

[[fleet]]
name = "a"
instance_type = "m"
baseline = 10
[[fleet.event]]
at = "15d"
remove = 10
when = "migrate"
[[fleet.event]]
at = "20d"
add = 1
probability = 0.5

[[strategy]]
name = "nothing"
"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    super::common::capsim()
        .args(["run", "--trials", "60", "--quiet", "--out"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success();
    let mut reader = csv::Reader::from_path(out.join("trials.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (migrate, removed, added, total, strategy) = (
        column("var.migrate"),
        column("event.a.0"),
        column("event.a.1"),
        column("total"),
        column("strategy"),
    );
    let mut payg_by_migrate: [Vec<f64>; 2] = Default::default();
    for row in reader.records() {
        let row = row.unwrap();
        let m: f64 = row[migrate].parse().unwrap();
        assert_eq!(row[removed], row[migrate]);
        let expected =
            if m == 1.0 { 3_600.0 } else { 7_200.0 } + if &row[added] == "1" { 240.0 } else { 0.0 };
        assert_eq!(row[total].parse::<f64>().unwrap(), expected);
        if &row[strategy] == "payg" {
            payg_by_migrate[m as usize].push(expected);
        }
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let tables = summary["conditional"].as_array().unwrap();
    // migrate = 0, migrate = 1, then the probabilistic event happened and did not; the event
    // conditioned on migrate has no table of its own (it is migrate's).
    let keys: Vec<(String, f64)> = tables
        .iter()
        .map(|t| {
            (
                t["column"].as_str().unwrap().to_string(),
                t["value"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        vec![
            ("var.migrate".to_string(), 0.0),
            ("var.migrate".to_string(), 1.0),
            ("event.a.1".to_string(), 1.0),
            ("event.a.1".to_string(), 0.0),
        ]
    );
    for (m, trials) in payg_by_migrate.iter().enumerate() {
        let t = &tables[m];
        assert_eq!(t["trials"].as_u64().unwrap() as usize, trials.len());
        assert_eq!(t["share"].as_f64().unwrap(), trials.len() as f64 / 60.0);
        let mean = trials.iter().sum::<f64>() / trials.len() as f64;
        assert_eq!(
            t["strategies"][0]["mean"].as_str().unwrap(),
            format!("{mean:.2}")
        );
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("If migrate = 1 ("), "{report}");
}

#[test]
fn schedules_are_limited_by_the_windows_they_lay_out() {
    // Over 36,525 days from a UTC midnight, a whole-day schedule of every weekday lays out one
    // window a day: 36,525. 273 of them make 9,971,325 windows, within the 10,000,000 limit;
    // the 274th brings 10,007,850. Monday-only schedules lay out a seventh as many: 274 of
    // them are accepted.
    let text = |schedules: usize, days: &str| {
        let mut t = String::from(
            "[scenario]\nname = \"w\"\nstart = \"2000-01-01T00:00:00Z\"\nhorizon = \"36525d\"\n\n[[instance_type]]\nname = \"m\"\npayg_hourly = \"1\"\n\n[[fleet]]\nname = \"a\"\ninstance_type = \"m\"\n",
        );
        for _ in 0..schedules {
            t.push_str(&format!(
                "[[fleet.schedule]]\ndays = {days}\nhours = \"00:00-24:00\"\nextra = 1\n"
            ));
        }
        t
    };
    let every_day = "[\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"]";
    let (_dir, ok) = load_text("s.toml", &text(273, every_day));
    let s = ok.unwrap_or_else(|e| panic!("{e}"));
    let FleetKind::Synthetic(syn) = &s.fleets[0].kind else {
        panic!("a generated fleet")
    };
    assert_eq!(syn.schedules[0].windows.len(), 36_525);
    let (dir, refused) = load_text("s.toml", &text(274, every_day));
    // The first schedule starts on line 13, each takes 4 lines: the 274th on 13 + 4 x 273.
    let line = 13 + 4 * 273;
    assert_eq!(
        refused.expect_err("refused").to_string(),
        format!(
            "{}:{line}:1: fleet[\"a\"].schedule[273]: found schedules with 10,007,850 windows over the horizon, expected at most 10,000,000 across all fleets",
            dir.path().join("s.toml").display()
        )
    );
    let (_dir, mondays) = load_text("s.toml", &text(274, "[\"mon\"]"));
    mondays.unwrap_or_else(|e| panic!("{e}"));
}
