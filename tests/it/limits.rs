//! The limits of a scenario (docs/scenario.md, "Limits"): every number has a range checked
//! when the file is read, the largest allowed value is accepted and one past it is refused
//! with one exact message and its kind; extreme input never panics, hangs or fills memory.

use super::common::{capsim, load_text, repo_file};
use capsim::error::{ErrorKind, InputError};
use capsim::scenario::Scenario;
use proptest::prelude::*;

/// A small valid scenario; each case replaces one line.
const BASE: &str = r#"[scenario]
name = "t"
start = "2026-01-01T00:00:00Z"
horizon = "30d"

[[instance_type]]
name = "m"
payg_hourly = "0.152"
[instance_type.reserved.1y]
all_upfront = "800"

[[fleet]]
name = "web"
instance_type = "m"
baseline = 4
[fleet.arrivals]
rate_per_hour = 2.0
[fleet.lifetime]
dist = "exponential"
mean = "6h"

[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "m"
count = 2
term = "1y"
payment = "all_upfront"
"#;

/// BASE with the first line equal to `line` replaced by `with`.
fn replaced(line: &str, with: &str) -> String {
    assert!(BASE.lines().any(|l| l == line), "no line {line:?} in BASE");
    let mut done = false;
    let out: Vec<&str> = BASE
        .lines()
        .map(|l| {
            if l == line && !done {
                done = true;
                with
            } else {
                l
            }
        })
        .collect();
    out.join("\n") + "\n"
}

/// The kind and message of a refused scenario, with its path replaced by `{file}`.
fn refusal(text: &str) -> (ErrorKind, String) {
    let (dir, result) = load_text("s.toml", text);
    let e = result.expect_err("the scenario must be refused");
    let message = e
        .to_string()
        .replace(&dir.path().join("s.toml").display().to_string(), "{file}");
    (e.kind, message)
}

fn accepted(text: &str) -> Scenario {
    let (_dir, result) = load_text("s.toml", text);
    result.unwrap_or_else(|e| panic!("must be accepted: {e}"))
}

/// (what, the line replaced, its replacement, the kind, the message)
type Case = (
    &'static str,
    &'static str,
    &'static str,
    ErrorKind,
    &'static str,
);

fn check(cases: &[Case]) {
    let mut failures = Vec::new();
    for (what, line, with, kind, want) in cases {
        let (got_kind, got) = refusal(&replaced(line, with));
        if got != *want || got_kind != *kind {
            failures.push(format!(
                "{what}:\n  want: {kind:?} {want}\n  got:  {got_kind:?} {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const DURATION_100Y: &str = "expected a positive duration such as \"90s\", \"45min\", \"12h\", \"30d\", \"2w\", \"6mo\" or \"1y\", of at most 100 years (\"100y\", \"1200mo\", \"36525d\")";

#[test]
fn horizons_and_instants_beyond_the_calendar_are_refused() {
    let horizon =
        |v: &str| format!("{{file}}:4:11: scenario.horizon: found \"{v}\", {DURATION_100Y}");
    let cases: Vec<(&str, &str, String, ErrorKind, String)> = vec![
        ("300000 years", "horizon = \"30d\"", "horizon = \"300000y\"".into(), ErrorKind::OutOfRange, horizon("300000y")),
        ("99999999 days", "horizon = \"30d\"", "horizon = \"99999999d\"".into(), ErrorKind::OutOfRange, horizon("99999999d")),
        ("1000 years", "horizon = \"30d\"", "horizon = \"1000y\"".into(), ErrorKind::OutOfRange, horizon("1000y")),
        ("one month past 100 years", "horizon = \"30d\"", "horizon = \"1201mo\"".into(), ErrorKind::OutOfRange, horizon("1201mo")),
        ("one day past 100 years", "horizon = \"30d\"", "horizon = \"36526d\"".into(), ErrorKind::OutOfRange, horizon("36526d")),
        (
            "an event at 99999999 years",
            "baseline = 4",
            "baseline = 4\n[[fleet.event]]\nat = \"99999999y\"\nadd = 1".into(),
            ErrorKind::OutOfRange,
            "{file}:17:6: fleet[\"web\"].event[0].at: found \"99999999y\", expected a point in time from 1900-01-01T00:00:00Z to 2400-01-01T00:00:00Z".into(),
        ),
        (
            "a start far in the future",
            "start = \"2026-01-01T00:00:00Z\"",
            "start = \"9999-01-01T00:00:00Z\"".into(),
            ErrorKind::OutOfRange,
            "{file}:3:9: scenario.start: found \"9999-01-01T00:00:00Z\", expected a point in time from 1900-01-01T00:00:00Z to 2400-01-01T00:00:00Z".into(),
        ),
        (
            "a horizon that ends after 2400",
            "start = \"2026-01-01T00:00:00Z\"",
            "start = \"2350-01-01T00:00:00Z\"\nhorizon = \"51y\"".into(),
            ErrorKind::Duplicate,
            "{file}:5:1: found the key \"horizon\" a second time in one table, expected each key once".into(),
        ),
        (
            "29 February of a common year",
            "start = \"2026-01-01T00:00:00Z\"",
            "start = \"2027-02-29T00:00:00Z\"".into(),
            ErrorKind::Invalid,
            "{file}:3:9: scenario.start: found \"2027-02-29T00:00:00Z\", expected a date that exists: 2027-02 has 28 days".into(),
        ),
        (
            "a purchase at 99999999 years",
            "payment = \"all_upfront\"",
            "payment = \"all_upfront\"\nat = \"-99999999y\"".into(),
            ErrorKind::OutOfRange,
            "{file}:29:6: strategy[\"ri\"].reserve[0].at: found \"-99999999y\", expected a point in time from 1900-01-01T00:00:00Z to 2400-01-01T00:00:00Z".into(),
        ),
        (
            "a term past 100 years",
            "[instance_type.reserved.1y]",
            "[instance_type.reserved.300000y]".into(),
            ErrorKind::OutOfRange,
            "{file}:9:1: instance_type[\"m\"].reserved.300000y: found the term \"300000y\", expected a term from 1h to 100y such as 1y or 3y".into(),
        ),
    ];
    let mut failures = Vec::new();
    for (what, line, with, kind, want) in &cases {
        let (got_kind, got) = refusal(&replaced(line, with));
        if got != *want || got_kind != *kind {
            failures.push(format!(
                "{what}:\n  want: {kind:?} {want}\n  got:  {got_kind:?} {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_horizon_may_end_at_2400_but_not_after() {
    // 2300-01-01 + 100y is 2400-01-01, the last instant allowed.
    let text = replaced(
        "start = \"2026-01-01T00:00:00Z\"",
        "start = \"2300-01-01T00:00:00Z\"",
    )
    .replace("horizon = \"30d\"", "horizon = \"100y\"")
    .replace("rate_per_hour = 2.0", "rate_per_hour = 0.1");
    let s = accepted(&text);
    assert_eq!(capsim::time::format_instant(s.end), "2400-01-01T00:00:00Z");
    let (kind, message) = refusal(&text.replace("2300-01-01T00:00:00Z", "2300-01-01T00:00:01Z"));
    assert_eq!(kind, ErrorKind::OutOfRange);
    assert_eq!(
        message,
        "{file}:4:11: scenario.horizon: found \"100y\", expected a horizon that ends by 2400-01-01T00:00:00Z"
    );
}

#[test]
fn the_longest_horizons_are_accepted() {
    for h in ["100y", "1200mo", "36525d"] {
        let text = replaced("horizon = \"30d\"", &format!("horizon = \"{h}\""));
        let s = accepted(&text);
        assert!(s.end > s.start, "{h}");
    }
}

#[test]
fn prices_counts_and_units_have_ranges() {
    let cases: &[Case] = &[
        (
            "a price past rust_decimal's reach",
            "payg_hourly = \"0.152\"",
            "payg_hourly = \"7922816251426433759354395033\"",
            ErrorKind::OutOfRange,
            "{file}:8:15: instance_type[\"m\"].payg_hourly: found \"7922816251426433759354395033\", expected an amount from 0 to 1,000,000 such as \"0.152\" or \"1000\" (digits with an optional decimal point)",
        ),
        (
            "a price of 29 significant digits",
            "payg_hourly = \"0.152\"",
            "payg_hourly = \"0.12345678901234567890123456789\"",
            ErrorKind::OutOfRange,
            "{file}:8:15: instance_type[\"m\"].payg_hourly: found \"0.12345678901234567890123456789\", expected an amount from 0 to 1,000,000 with at most 28 significant digits and 28 decimal places (what an exact decimal holds)",
        ),
        (
            "a price of 29 decimal places written as a TOML number",
            "payg_hourly = \"0.152\"",
            "payg_hourly = 0.00000000000000000000000000001",
            ErrorKind::OutOfRange,
            "{file}:8:15: instance_type[\"m\"].payg_hourly: found 0.00000000000000000000000000001, expected an amount from 0 to 1,000,000 with at most 28 significant digits and 28 decimal places (what an exact decimal holds)",
        ),
        (
            "an hourly price a cent past its limit",
            "payg_hourly = \"0.152\"",
            "payg_hourly = \"1000000.01\"",
            ErrorKind::OutOfRange,
            "{file}:8:15: instance_type[\"m\"].payg_hourly: found \"1000000.01\", expected an amount from 0 to 1,000,000 such as \"0.152\" or \"1000\" (digits with an optional decimal point)",
        ),
        (
            "an upfront a cent past its limit",
            "all_upfront = \"800\"",
            "all_upfront = \"1000000000.01\"",
            ErrorKind::OutOfRange,
            "{file}:10:15: instance_type[\"m\"].reserved.1y.all_upfront: found \"1000000000.01\", expected an amount from 0 to 1,000,000,000 such as \"0.152\" or \"1000\" (digits with an optional decimal point)",
        ),
        (
            "a baseline of 1e12",
            "baseline = 4",
            "baseline = 1e12",
            ErrorKind::OutOfRange,
            "{file}:15:12: fleet[\"web\"].baseline: found 1e12, expected a whole number from 0 to 10,000,000",
        ),
        (
            "a baseline one past its limit",
            "baseline = 4",
            "baseline = 10000001",
            ErrorKind::OutOfRange,
            "{file}:15:12: fleet[\"web\"].baseline: found 10000001, expected a whole number from 0 to 10,000,000",
        ),
        (
            "a reservation one past its limit",
            "count = 2",
            "count = 10000001",
            ErrorKind::OutOfRange,
            "{file}:26:9: strategy[\"ri\"].reserve[0].count: found 10000001, expected a whole number from 0 to 10,000,000",
        ),
        (
            "a count written as text",
            "count = 2",
            "count = \"2\"",
            ErrorKind::WrongType,
            "{file}:26:9: strategy[\"ri\"].reserve[0].count: found \"2\", expected a whole number from 0 to 10,000,000",
        ),
        (
            "trials of 10^12",
            "horizon = \"30d\"",
            "horizon = \"30d\"\ntrials = 1000000000000",
            ErrorKind::OutOfRange,
            "{file}:5:10: scenario.trials: found 1000000000000, expected a whole number of trials from 1 to 100,000,000",
        ),
        (
            "trials one past the limit",
            "horizon = \"30d\"",
            "horizon = \"30d\"\ntrials = 100000001",
            ErrorKind::OutOfRange,
            "{file}:5:10: scenario.trials: found 100000001, expected a whole number of trials from 1 to 100,000,000",
        ),
        (
            "units past the limit",
            "payg_hourly = \"0.152\"",
            "payg_hourly = \"0.152\"\nunits = 1000001",
            ErrorKind::OutOfRange,
            "{file}:9:9: instance_type[\"m\"].units: found 1000001, expected a number of units > 0 and <= 1,000,000 such as 4 or 0.25, with at most 6 decimal places",
        ),
        (
            "units with 7 decimals",
            "payg_hourly = \"0.152\"",
            "payg_hourly = \"0.152\"\nunits = 0.0000001",
            ErrorKind::Invalid,
            "{file}:9:9: instance_type[\"m\"].units: found 0.0000001, expected a number of units > 0 and <= 1,000,000 such as 4 or 0.25, with at most 6 decimal places",
        ),
        (
            "a baseline and adds past 10,000,000 VMs",
            "baseline = 4",
            "baseline = 5000000\n[[fleet.event]]\nat = \"1d\"\nadd = 5000001",
            ErrorKind::OutOfRange,
            "{file}:12:1: fleet[\"web\"]: found a baseline (grown over the horizon), adds and scheduled extras that may reach 10,000,001 long-lived VMs, expected at most 10,000,000 in one fleet",
        ),
    ];
    check(cases);
}

#[test]
fn the_largest_prices_counts_and_units_are_accepted() {
    let text = replaced(
        "payg_hourly = \"0.152\"",
        "payg_hourly = \"1000000\"\nunits = 1000000",
    )
    .replace("all_upfront = \"800\"", "all_upfront = \"1000000000\"")
    .replace("count = 2", "count = 10000000")
    .replace("horizon = \"30d\"", "horizon = \"30d\"\ntrials = 100000000")
    .replace(
        "baseline = 4",
        "baseline = 5000000\n[[fleet.event]]\nat = \"1d\"\nadd = 5000000",
    );
    let s = accepted(&text);
    assert_eq!(s.trials, 100_000_000);
    assert_eq!(s.strategies[0].reserves[0].count, 10_000_000);
    assert_eq!(s.types[0].units_scaled, 1_000_000);
}

#[test]
fn distributions_have_bounded_parameters() {
    let cases: &[Case] = &[
        (
            "a uniform growth over all of f64",
            "rate_per_hour = 2.0",
            "rate_per_hour = 2.0\ngrowth_per_year = { dist = \"uniform\", low = -1e308, high = 1e308 }",
            ErrorKind::OutOfRange,
            "{file}:18:45: fleet[\"web\"].arrivals.growth_per_year.low: found -1e308, expected a low within the key's range: a yearly growth rate from -0.99 to 10 (0.25 is 25% a year)",
        ),
        (
            "choice weights whose sum is infinite",
            "rate_per_hour = 2.0",
            "rate_per_hour = { dist = \"choice\", values = [1, 2], weights = [1e308, 1e308] }",
            ErrorKind::OutOfRange,
            "{file}:17:64: fleet[\"web\"].arrivals.rate_per_hour.weights[0]: found 1e308, expected a weight from 0 to 1,000,000,000,000",
        ),
        (
            "a log-normal rate with sigma 1000",
            "rate_per_hour = 2.0",
            "rate_per_hour = { dist = \"lognormal\", median = 2, sigma = 1000 }",
            ErrorKind::OutOfRange,
            "{file}:17:59: fleet[\"web\"].arrivals.rate_per_hour.sigma: found 1000, expected a sigma from 0 to 10",
        ),
        (
            "a rate multiplier of 1e300",
            "baseline = 4",
            "baseline = 4\n[[fleet.event]]\nat = \"1d\"\nrate_multiplier = 1e300",
            ErrorKind::OutOfRange,
            "{file}:18:19: fleet[\"web\"].event[0].rate_multiplier: found 1e300, expected a multiplier from 0 to 1,000",
        ),
        (
            "a rate of 1e12 an hour",
            "rate_per_hour = 2.0",
            "rate_per_hour = 1e12",
            ErrorKind::OutOfRange,
            "{file}:17:17: fleet[\"web\"].arrivals.rate_per_hour: found 1e12, expected a number of arrivals per hour from 0 to 1,000,000",
        ),
        (
            "a rate one past its limit",
            "rate_per_hour = 2.0",
            "rate_per_hour = 1000001",
            ErrorKind::OutOfRange,
            "{file}:17:17: fleet[\"web\"].arrivals.rate_per_hour: found 1000001, expected a number of arrivals per hour from 0 to 1,000,000",
        ),
        (
            "a growth of 1e300",
            "rate_per_hour = 2.0",
            "rate_per_hour = 2.0\ngrowth_per_year = 1e300",
            ErrorKind::OutOfRange,
            "{file}:18:19: fleet[\"web\"].arrivals.growth_per_year: found 1e300, expected a yearly growth rate from -0.99 to 10 (0.25 is 25% a year)",
        ),
        (
            "a fall past 99% a year",
            "rate_per_hour = 2.0",
            "rate_per_hour = 2.0\ngrowth_per_year = -0.991",
            ErrorKind::OutOfRange,
            "{file}:18:19: fleet[\"web\"].arrivals.growth_per_year: found -0.991, expected a yearly growth rate from -0.99 to 10 (0.25 is 25% a year)",
        ),
        (
            "a normal whose sd is wider than the key's range",
            "rate_per_hour = 2.0",
            "rate_per_hour = 2.0\ngrowth_per_year = { dist = \"normal\", mean = 0.1, sd = 11 }",
            ErrorKind::OutOfRange,
            "{file}:18:55: fleet[\"web\"].arrivals.growth_per_year.sd: found 11, expected a standard deviation from 0 to 10.99, the width of the key's range (a yearly growth rate from -0.99 to 10 (0.25 is 25% a year))",
        ),
        (
            "a weight past its limit",
            "rate_per_hour = 2.0",
            "rate_per_hour = 2.0\nweekly = [1, 1, 1, 1, 1, 1, 1001]",
            ErrorKind::OutOfRange,
            "{file}:18:29: fleet[\"web\"].arrivals.weekly[6]: found 1001, expected a weight from 0 to 1,000",
        ),
        (
            "a lifetime past 100 years",
            "mean = \"6h\"",
            "mean = \"36526d\"",
            ErrorKind::OutOfRange,
            "{file}:20:8: fleet[\"web\"].lifetime.mean: found \"36526d\", expected a duration > 0 and at most 36525d (100 years) such as \"30min\" or \"6h\"",
        ),
    ];
    check(cases);
}

/// Each parameter at its largest, in a one-hour horizon without warm-up, so that the arrival
/// bound (at most 1,000,000 an hour for 3 hours) holds.
#[test]
fn the_largest_distribution_parameters_are_accepted() {
    let short = |text: String| {
        text.replace("horizon = \"30d\"", "horizon = \"1h\"")
            .replace("baseline = 4", "baseline = 4\nwarm_start = false")
    };
    accepted(&short(replaced(
        "rate_per_hour = 2.0",
        "rate_per_hour = { dist = \"lognormal\", median = 2, sigma = 10 }\ngrowth_per_year = { dist = \"uniform\", low = -0.99, high = 10 }",
    )));
    accepted(&short(
        replaced("rate_per_hour = 2.0", "rate_per_hour = 1\nweekly = [1000, 1000, 1000, 1000, 1000, 1000, 1000]")
            .replace(
                "baseline = 4",
                "baseline = 4\n[[fleet.event]]\nat = \"0h\"\nrate_multiplier = { dist = \"choice\", values = [1000, 1], weights = [1000000000000, 0] }",
            ),
    ));
}

/// The arrival bound of a fleet without warm-up or growth is rate x weight x multipliers x
/// (hours + 2): 1000 days are 24,000 hours, so 100,000,000 / 24,002 = 4,166.32 arrivals an hour
/// is the most.
#[test]
fn the_arrivals_of_a_trial_are_bounded() {
    let text = |rate: u32| {
        replaced("rate_per_hour = 2.0", &format!("rate_per_hour = {rate}"))
            .replace("horizon = \"30d\"", "horizon = \"1000d\"")
            .replace("baseline = 4", "baseline = 4\nwarm_start = false")
    };
    accepted(&text(4_166));
    let (kind, message) = refusal(&text(4_167));
    assert_eq!(kind, ErrorKind::OutOfRange);
    // 4,167 x 24,002 = 100,016,334.
    assert_eq!(
        message,
        "{file}:17:1: fleet[\"web\"].arrivals: found arrivals whose mean may reach 100,016,334 VMs in a trial, expected at most 100,000,000 a trial across all fleets (counting rate_per_hour, the weights, rate multipliers and growth_per_year at their largest, over the horizon and the warm-up): lower them or shorten the horizon"
    );
}

/// Ten fleets of 10,000,000 VMs reach the scenario's 100,000,000; one VM more is refused.
#[test]
fn the_long_lived_vms_of_all_fleets_are_bounded() {
    let mut text = replaced("baseline = 4", "baseline = 10000000");
    for i in 1..10 {
        text.push_str(&format!(
            "\n[[fleet]]\nname = \"f{i}\"\ninstance_type = \"m\"\nbaseline = 10000000\n"
        ));
    }
    accepted(&text);
    text.push_str("\n[[fleet]]\nname = \"one-more\"\ninstance_type = \"m\"\nbaseline = 1\n");
    let (kind, message) = refusal(&text);
    assert_eq!(kind, ErrorKind::OutOfRange);
    let line = text
        .lines()
        .position(|l| l == "name = \"one-more\"")
        .unwrap();
    assert_eq!(
        message,
        format!(
            "{{file}}:{line}:1: fleet[\"one-more\"]: found a baseline and adds of 1 VMs, which bring the fleets' long-lived VMs to 100,000,001, expected at most 100,000,000 across all fleets"
        )
    );
}

/// 2026-01-01 + 100y is 2126-01-01: 36,524 days (24 leap days), 876,576 hours. Eleven
/// (type, zone) pairs make 9,642,336 hour-cells, twelve make 10,518,912.
#[test]
fn the_hour_grid_is_bounded() {
    let with_zones = |n: usize| {
        let mut text = replaced("horizon = \"30d\"", "horizon = \"100y\"")
            .replace("rate_per_hour = 2.0", "rate_per_hour = 0.01");
        for i in 1..n {
            text.push_str(&format!(
                "\n[[fleet]]\nname = \"f{i}\"\ninstance_type = \"m\"\nzone = \"z{i}\"\n"
            ));
        }
        text
    };
    accepted(&with_zones(11));
    let (kind, message) = refusal(&with_zones(12));
    assert_eq!(kind, ErrorKind::OutOfRange);
    assert_eq!(
        message,
        "{file}:4:11: scenario.horizon: found \"100y\", which with the fleets' 12 (instance type, zone) pairs makes 10,518,912 hour-cells, expected at most 10,000,000 (the hourly usage arrays hold one entry per hour and pair): shorten the horizon or use fewer types and zones"
    );
}

#[test]
fn names_are_printable_and_duplicates_are_named() {
    let cases: &[Case] = &[
        (
            "a strategy name with a line break",
            "name = \"ri\"",
            "name = \"a\\nb\"",
            ErrorKind::Invalid,
            "{file}:23:8: strategy[0].name: found \"a\\nb\", expected a name of printable characters (no line breaks, tabs or other control characters)",
        ),
        (
            "a type name with a tab",
            "name = \"m\"",
            "name = \"m\\t\"",
            ErrorKind::Invalid,
            "{file}:7:8: instance_type[0].name: found \"m\\t\", expected a name of printable characters (no line breaks, tabs or other control characters)",
        ),
        (
            "a duplicate key",
            "name = \"web\"",
            "name = \"web\"\nname = \"api\"",
            ErrorKind::Duplicate,
            "{file}:14:1: found the key \"name\" a second time in one table, expected each key once",
        ),
        (
            "a duplicate strategy",
            "name = \"ri\"",
            "name = \"ri\"\n[[strategy]]\nname = \"ri\"",
            ErrorKind::Duplicate,
            "{file}:25:8: strategy[\"ri\"].name: found \"ri\", expected a name not used by another [[strategy]]",
        ),
        (
            "an unknown key",
            "baseline = 4",
            "baseline = 4\nbasline = 5",
            ErrorKind::UnknownKey,
            "{file}:16:1: fleet[\"web\"].basline: found unknown key \"basline\", expected one of name, instance_type, zone, baseline, grow_baseline, schedule, hybrid_benefit, warm_start, arrivals, lifetime, event, trace; did you mean \"baseline\"?",
        ),
        (
            "a missing key",
            "payg_hourly = \"0.152\"",
            "",
            ErrorKind::Missing,
            "{file}:6:1: instance_type[\"m\"].payg_hourly: missing key \"payg_hourly\", expected the pay-as-you-go price per hour such as \"0.152\"",
        ),
        (
            "an unknown type",
            "instance_type = \"m\"",
            "instance_type = \"n\"",
            ErrorKind::Reference,
            "{file}:14:17: fleet[\"web\"].instance_type: found \"n\", expected one of the instance types: \"m\"; did you mean \"m\"?",
        ),
        (
            "invalid TOML",
            "baseline = 4",
            "baseline = = 4",
            ErrorKind::Syntax,
            "{file}:15:12: found invalid TOML: extra `=`, expected nothing",
        ),
    ];
    check(cases);
}

/// A trace with only its header: the fleets hold no VM and name no zone, so a zonal purchase
/// has nothing to name, and the messages say why instead of listing nothing.
#[test]
fn an_empty_trace_leaves_no_zone_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("empty.csv"),
        "id,instance_type,zone,start,end\n",
    )
    .unwrap();
    let text = BASE
        .replace(
            "instance_type = \"m\"\nbaseline = 4\n[fleet.arrivals]\nrate_per_hour = 2.0\n[fleet.lifetime]\ndist = \"exponential\"\nmean = \"6h\"\n",
            "trace = \"empty.csv\"\n",
        )
        .replace("count = 2", "count = 2\nzone = \"z\"")
        .replace("all_upfront = \"800\"", "all_upfront = \"800\"\n[instance_type.subscription]\nmonthly = \"70\"");
    let path = dir.path().join("s.toml");
    std::fs::write(&path, &text).unwrap();
    let e = Scenario::load(&path).expect_err("no zone to reserve in");
    assert_eq!(e.kind, ErrorKind::Reference);
    assert_eq!(
        e.to_string().replace(&path.display().to_string(), "{file}"),
        "{file}:23:8: strategy[\"ri\"].reserve[0].zone: found \"z\", but no fleet has a zone (the fleets are traces that hold no VM), so there is no zone to buy in"
    );
    let text = text.replace("count = 2\nzone = \"z\"", "count = 2")
        + "\n[[strategy]]\nname = \"s\"\n[[strategy.subscribe]]\ninstance_type = \"m\"\ncount = 1\nduration = \"1mo\"\n";
    std::fs::write(&path, &text).unwrap();
    let e = Scenario::load(&path).expect_err("no zone to subscribe in");
    assert_eq!(e.kind, ErrorKind::Reference);
    assert_eq!(
        e.to_string().replace(&path.display().to_string(), "{file}"),
        "{file}:28:1: strategy[\"s\"].subscribe[0]: found a subscription, but no fleet has a zone (the fleets are traces that hold no VM), so there is no zone to buy in"
    );
}

/// An empirical lifetime file is read as a stream up to 64 MiB: exactly 64 MiB is read (and
/// every lifetime kept), one byte more is refused, and so is an endless file.
#[test]
fn lifetime_files_are_read_up_to_64_mib() {
    use capsim::scenario::FleetKind;
    use capsim::scenario::dist::Lifetime;
    let text = replaced("dist = \"exponential\"", "dist = \"empirical\"")
        .replace("mean = \"6h\"", "file = \"l.txt\"");
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, &text).unwrap();
    let lifetimes = dir.path().join("l.txt");
    // 64 MiB = 67,108,864 bytes: 13,421,772 lines "3600\n" (67,108,860 bytes) and a comment
    // line "#xy\n" of the last 4.
    let cap = 64usize << 20;
    let lines = cap / 5;
    let mut bytes = "3600\n".repeat(lines).into_bytes();
    bytes.extend_from_slice(b"#xy\n");
    assert_eq!(bytes.len(), cap);
    std::fs::write(&lifetimes, &bytes).unwrap();
    let s = Scenario::load(&scenario).unwrap_or_else(|e| panic!("{e}"));
    let FleetKind::Synthetic(syn) = &s.fleets[0].kind else {
        panic!("a synthetic fleet")
    };
    let Some(Lifetime::Empirical { seconds }) = &syn.lifetime else {
        panic!("empirical lifetimes")
    };
    assert_eq!(seconds.len(), 13_421_772);
    assert!(seconds.iter().all(|&v| v == 3600.0));
    let refused = || {
        let e = Scenario::load(&scenario).unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooLarge);
        e.to_string()
    };
    let message = |name: &str, path: &std::path::Path| {
        format!(
            "{}:20:8: fleet[\"web\"].lifetime.file: found \"{name}\", but {} is larger than 64 MiB; expected a file of lifetimes (one duration per line) of at most 64 MiB",
            scenario.display(),
            path.display()
        )
    };
    bytes.push(b'\n');
    std::fs::write(&lifetimes, &bytes).unwrap();
    assert_eq!(refused(), message("l.txt", &lifetimes));
    // A stream has no size to check first: it is refused once 64 MiB have been read.
    std::fs::write(&scenario, text.replace("l.txt", "/dev/zero")).unwrap();
    assert_eq!(
        refused(),
        message("/dev/zero", std::path::Path::new("/dev/zero"))
    );
}

#[test]
fn files_are_read_up_to_16_mib_of_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    // Exactly 16 MiB is read (and found empty); one byte more is not read at all.
    std::fs::write(&path, " ".repeat(16 << 20)).unwrap();
    let e = Scenario::load(&path).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(e.message.starts_with("found an empty file"), "{e}");
    std::fs::write(&path, " ".repeat((16 << 20) + 1)).unwrap();
    let e = Scenario::load(&path).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooLarge);
    assert_eq!(
        e.message,
        "found a file larger than 16 MiB, expected a scenario file of at most 16 MiB"
    );
    std::fs::write(&path, b"[scenario]\nname = \"\xff\"\n").unwrap();
    let e = Scenario::load(&path).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Encoding);
    assert_eq!(e.location, Some((2, 9)));
    assert_eq!(
        e.message,
        "found a byte that is not UTF-8 (byte 19 of the file), expected a UTF-8 text file"
    );
    let e = Scenario::load(dir.path()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Io);
}

#[test]
fn sweeps_are_bounded() {
    let cases: &[(&str, &str, ErrorKind, &str)] = &[
        (
            "a horizon point past 100 years",
            "'scenario.horizon' = [\"1y\", \"300000y\"]",
            ErrorKind::OutOfRange,
            "{file}:31:29: scenario.horizon: found \"300000y\", expected a positive duration such as \"90s\", \"45min\", \"12h\", \"30d\", \"2w\", \"6mo\" or \"1y\", of at most 100 years (\"100y\", \"1200mo\", \"36525d\") (value 2 of [sweep] 'scenario.horizon')",
        ),
        (
            "a range whose span overflows a decimal",
            "'fleet[\"web\"].baseline' = { from = -7e28, to = 7e28, step = 1e28 }",
            ErrorKind::OutOfRange,
            "{file}:31:27: sweep.\"fleet[\\\"web\\\"].baseline\": found a range from -70000000000000000000000000000 to 70000000000000000000000000000, whose span is beyond what an exact decimal holds (about 7.9e28), expected from and to closer together",
        ),
        (
            "a range from a number no decimal holds",
            "'fleet[\"web\"].baseline' = { from = 1e300, to = 1e301, step = 1 }",
            ErrorKind::OutOfRange,
            "{file}:31:36: sweep.\"fleet[\\\"web\\\"].baseline\".from: found 1e300, expected a decimal number from -79,228,162,514,264,337,593,543,950,335 to 79,228,162,514,264,337,593,543,950,335 (about 7.9e28) with at most 28 decimal places, what an exact decimal holds",
        ),
        (
            "a range whose step count overflows a decimal",
            "'fleet[\"web\"].baseline' = { from = 0, to = 7e28, step = 1e-28 }",
            ErrorKind::OutOfRange,
            "{file}:31:57: sweep.\"fleet[\\\"web\\\"].baseline\".step: found 1e-28, expected a step giving at most 100,000 values",
        ),
        (
            "a range of 100,001 values",
            "'fleet[\"web\"].baseline' = { from = 0, to = 100000, step = 1 }",
            ErrorKind::OutOfRange,
            "{file}:31:59: sweep.\"fleet[\\\"web\\\"].baseline\".step: found 1, expected a step giving at most 100,000 values",
        ),
    ];
    let mut failures = Vec::new();
    for (what, line, kind, want) in cases {
        let (got_kind, got) = refusal(&format!("{BASE}\n[sweep]\n{line}\n"));
        if got != *want || got_kind != *kind {
            failures.push(format!(
                "{what}:\n  want: {kind:?} {want}\n  got:  {got_kind:?} {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_sweep_of_100000_points_is_accepted() {
    let s = accepted(&format!(
        "{BASE}\n[sweep]\n'fleet[\"web\"].baseline' = {{ from = 0, to = 99999, step = 1 }}\n"
    ));
    assert_eq!(s.sweep_points(), 100_000);
}

#[test]
fn the_cli_refuses_extreme_input_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            replaced("horizon = \"30d\"", "horizon = \"300000y\""),
            format!("s.toml:4:11: scenario.horizon: found \"300000y\", {DURATION_100Y}"),
        ),
        (
            replaced("rate_per_hour = 2.0", "rate_per_hour = 1e12"),
            "s.toml:17:17: fleet[\"web\"].arrivals.rate_per_hour: found 1e12, expected a number of arrivals per hour from 0 to 1,000,000".to_string(),
        ),
        (
            replaced("payg_hourly = \"0.152\"", "payg_hourly = \"7922816251426433759354395033\""),
            "s.toml:8:15: instance_type[\"m\"].payg_hourly: found \"7922816251426433759354395033\", expected an amount from 0 to 1,000,000 such as \"0.152\" or \"1000\" (digits with an optional decimal point)".to_string(),
        ),
    ];
    for (text, want) in cases {
        std::fs::write(dir.path().join("s.toml"), text).unwrap();
        for command in ["validate", "run", "bill"] {
            let out = capsim()
                .current_dir(dir.path())
                .args([command, "s.toml"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{command}");
            assert_eq!(
                String::from_utf8(out.stderr).unwrap(),
                format!("error: {want}\n")
            );
            assert!(out.stdout.is_empty());
        }
    }
    let out = capsim().args(["validate", "/dev/zero"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: /dev/zero: found a file larger than 16 MiB, expected a scenario file of at most 16 MiB\n"
    );
}

/// One mutation of a scenario file's text.
#[derive(Clone, Debug)]
enum Mutation {
    /// Replace the `n`th number by an extreme value.
    Number(usize, &'static str),
    /// Delete line `n`.
    Delete(usize),
    /// Duplicate line `n`.
    Duplicate(usize),
    /// Replace the byte at `n` by `b`.
    Flip(usize, u8),
    /// Cut the text at `n`.
    Truncate(usize),
}

const EXTREMES: [&str; 16] = [
    "0",
    "-1",
    "1e308",
    "-1e308",
    "1e-300",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967296",
    "10000001",
    "1000001",
    "0.0000001",
    "79228162514264337593543950335",
    "inf",
    "nan",
    "\"99999999y\"",
    "\"300000y\"",
];

fn mutate(text: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        let s = String::from_utf8_lossy(&bytes).into_owned();
        bytes = match m {
            Mutation::Number(n, with) => {
                let spans: Vec<(usize, usize)> = number_spans(&s);
                if spans.is_empty() {
                    continue;
                }
                let (a, b) = spans[n % spans.len()];
                format!("{}{with}{}", &s[..a], &s[b..]).into_bytes()
            }
            Mutation::Delete(n) | Mutation::Duplicate(n) => {
                let lines: Vec<&str> = s.lines().collect();
                if lines.is_empty() {
                    continue;
                }
                let k = n % lines.len();
                let mut out: Vec<&str> = Vec::with_capacity(lines.len() + 1);
                for (i, l) in lines.iter().enumerate() {
                    if i != k || matches!(m, Mutation::Duplicate(_)) {
                        out.push(l);
                    }
                    if i == k && matches!(m, Mutation::Duplicate(_)) {
                        out.push(l);
                    }
                }
                (out.join("\n") + "\n").into_bytes()
            }
            Mutation::Flip(n, b) => {
                if bytes.is_empty() {
                    continue;
                }
                let k = n % bytes.len();
                bytes[k] = *b;
                bytes
            }
            Mutation::Truncate(n) => {
                bytes.truncate(n % (bytes.len() + 1));
                bytes
            }
        };
    }
    bytes
}

/// The byte spans of the numbers of a text (digits with an optional sign, point and exponent).
fn number_spans(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = if i > 0 && b[i - 1] == b'-' { i - 1 } else { i };
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || matches!(b[j], b'.' | b'e' | b'_')) {
                j += 1;
            }
            out.push((start, j));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), prop::sample::select(&EXTREMES[..])).prop_map(|(n, e)| Mutation::Number(n, e)),
        1 => any::<usize>().prop_map(Mutation::Delete),
        1 => any::<usize>().prop_map(Mutation::Duplicate),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(n, b)| Mutation::Flip(n, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn examples() -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    for folder in ["scenarios", "scenarios/golden"] {
        for entry in std::fs::read_dir(repo_file(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Mutated example files are read into a scenario or refused with an input error, never a
    /// panic; a refusal names the file.
    #[test]
    fn mutated_examples_never_panic(pick in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..4)) {
        let files = examples();
        let (path, text) = &files[pick % files.len()];
        let bytes = mutate(text, &mutations);
        let result: Result<Scenario, InputError> = Scenario::from_bytes(path, bytes);
        if let Err(e) = result {
            // The scenario's own file, or a trace or lifetime file next to it.
            prop_assert!(e.file.starts_with(path.parent().unwrap()), "{}", e);
            prop_assert!(!e.message.is_empty());
        }
    }
}

/// Two always-on VMs at 1 an hour for 30 days (720 hours, to 2026-01-31); strategy `ri`
/// reserves both with a one-hour term bought at `AT` and renewed to the horizon's end; each
/// further strategy reserves one the same way from its own instant.
fn renewed_hours(ri_at: &str, others: &[(&str, &str)]) -> String {
    let mut text = format!(
        r#"[scenario]
name = "p"
start = "2026-01-01T00:00:00Z"
horizon = "30d"

[[instance_type]]
name = "m"
payg_hourly = "1"
[instance_type.reserved.1h]
all_upfront = "0.5"

[[fleet]]
name = "two"
instance_type = "m"
baseline = 2

[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "m"
count = 2
term = "1h"
payment = "all_upfront"
at = "{ri_at}"
renew = true
"#
    );
    for (name, at) in others {
        text.push_str(&format!(
            "\n[[strategy]]\nname = \"{name}\"\n[[strategy.reserve]]\ninstance_type = \"m\"\ncount = 1\nterm = \"1h\"\npayment = \"all_upfront\"\nat = \"{at}\"\nrenew = true\n"
        ));
    }
    text
}

/// A one-hour term renewed from `at` to the horizon's end (2026-01-31T00:00:00Z) has one
/// period per hour between them: 1,000,000 hours before the end is 1912-01-03T08:00:00Z.
#[test]
fn the_periods_of_all_purchases_are_bounded() {
    use capsim::engine::Engine;
    use capsim::error::Error;
    // The largest accepted: 1,000,000 periods, each with its upfront charge; 720 of them lie
    // in the horizon and cover both VMs, so the strategy's amortized total is
    // 720 x 2 x 0.5 = 720 against pay-as-you-go's 720 x 2 x 1 = 1,440.
    let (_dir, s) = load_text("s.toml", &renewed_hours("1912-01-03T08:00:00Z", &[]));
    let s = s.unwrap_or_else(|e| panic!("{e}"));
    let engine = Engine::new(&s).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(engine.plans[1].charges.len(), 1_000_000);
    let mut ws = engine.workspace();
    let bills = engine.trial(s.seed, 0, &mut ws).unwrap();
    assert_eq!(bills[0].amortized_total, super::common::d("1440"));
    assert_eq!(bills[1].amortized_total, super::common::d("720"));
    drop(engine);
    let refused = |text: &str| -> String {
        let (dir, s) = load_text("s.toml", text);
        let s = s.unwrap_or_else(|e| panic!("{e}"));
        match Engine::new(&s) {
            Err(Error::Input(e)) => {
                assert_eq!(e.kind, ErrorKind::OutOfRange);
                e.to_string()
                    .replace(&dir.path().join("s.toml").display().to_string(), "{file}")
            }
            Err(e) => panic!("not an input error: {e}"),
            Ok(_) => panic!("must be refused"),
        }
    };
    // One hour earlier: one period too many.
    assert_eq!(
        refused(&renewed_hours("1912-01-03T07:00:00Z", &[])),
        "{file}: strategy[\"ri\"].reserve[0]: found a purchase laid out in 1,000,001 periods, expected at most 1,000,000 periods across all strategies (each has its own charges and events): renew over a shorter span, or buy longer terms or fewer entries"
    );
    // 600,000 periods (from 1957-08-21T00:00:00Z) and 400,001 (from 1980-06-14T07:00:00Z) in
    // two strategies: the second passes the limit.
    assert_eq!(
        refused(&renewed_hours(
            "1957-08-21T00:00:00Z",
            &[("later", "1980-06-14T07:00:00Z")]
        )),
        "{file}: strategy[\"later\"].reserve[0]: found a purchase laid out in 400,001 periods, which bring the periods of all strategies to 1,000,001, expected at most 1,000,000 periods across all strategies (each has its own charges and events): renew over a shorter span, or buy longer terms or fewer entries"
    );
}

/// A reservation paid in monthly instalments counts each instalment: a one-year term (12
/// instalments) renewed yearly from 1900 to 2026-01-31 has 127 periods (1900 to 2027), 1,524
/// instalments; 657 such entries make 1,001,268, one entry fewer 999,744.
#[test]
fn monthly_instalments_count_as_periods() {
    use capsim::engine::Engine;
    use capsim::error::Error;
    let text = |entries: usize| {
        let mut t = String::from(
            "[scenario]\nname = \"p\"\nstart = \"2026-01-01T00:00:00Z\"\nhorizon = \"30d\"\n\n[[instance_type]]\nname = \"m\"\npayg_hourly = \"1\"\n[instance_type.reserved.1y]\nall_upfront = \"1\"\n\n[[fleet]]\nname = \"one\"\ninstance_type = \"m\"\nbaseline = 1\n\n[[strategy]]\nname = \"ri\"\n",
        );
        for _ in 0..entries {
            t.push_str("[[strategy.reserve]]\ninstance_type = \"m\"\ncount = 1\nterm = \"1y\"\npayment = \"monthly\"\nat = \"1900-01-01T00:00:00Z\"\nrenew = true\n");
        }
        t
    };
    let (_dir, s) = load_text("s.toml", &text(656));
    let s = s.unwrap_or_else(|e| panic!("{e}"));
    assert!(Engine::new(&s).is_ok());
    let (dir, s) = load_text("s.toml", &text(657));
    let s = s.unwrap_or_else(|e| panic!("{e}"));
    let Err(Error::Input(e)) = Engine::new(&s) else {
        panic!("must be refused")
    };
    assert_eq!(
        e.to_string()
            .replace(&dir.path().join("s.toml").display().to_string(), "{file}"),
        "{file}: strategy[\"ri\"].reserve[656]: found a purchase laid out in 1,524 periods (counting each monthly instalment), which bring the periods of all strategies to 1,001,268, expected at most 1,000,000 periods across all strategies (each has its own charges and events): renew over a shorter span, or buy longer terms or fewer entries"
    );
}
