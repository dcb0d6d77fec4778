//! Bad input: one exact message per problem, naming the file, the key path, the line and
//! column, what was found and what is allowed (docs/spec.md, section 1).

use super::common::{capsim, load_text};
use capsim::scenario::Scenario;

/// A small valid scenario; each case changes one line or appends a table.
const BASE: &str = r#"[scenario]
name = "t"
start = "2026-01-01T00:00:00Z"
horizon = "30d"

[billing]
profile = "alibaba"

[[instance_type]]
name = "ecs.g6.large"
family = "ecs.g6"
units = 4
payg_hourly = "0.152"
[instance_type.reserved.1y]
all_upfront = "800"
no_upfront = { hourly = "0.096" }
[instance_type.subscription]
monthly = "70"

[[fleet]]
name = "web"
instance_type = "ecs.g6.large"
zone = "cn-hangzhou-h"
baseline = 4
[fleet.arrivals]
rate_per_hour = 2.0
[fleet.lifetime]
dist = "exponential"
mean = "6h"

[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "ecs.g6.large"
count = 2
term = "1y"
payment = "all_upfront"
"#;

/// The message for `text` loaded as `s.toml`, with the file's path replaced by `{file}`.
fn message(text: &str) -> String {
    let (dir, result) = load_text("s.toml", text);
    message_in(&dir, result)
}

fn message_in(
    dir: &tempfile::TempDir,
    result: Result<Scenario, capsim::error::InputError>,
) -> String {
    let e = result.expect_err("the scenario must be rejected");
    e.to_string()
        .replace(&dir.path().join("s.toml").display().to_string(), "{file}")
        .replace(&dir.path().display().to_string(), "{dir}")
}

/// BASE with the first line equal to `line` replaced by `with`.
fn replaced(line: &str, with: &str) -> String {
    let mut found = false;
    let out: Vec<&str> = BASE
        .lines()
        .map(|l| {
            if l == line && !found {
                found = true;
                with
            } else {
                l
            }
        })
        .collect();
    assert!(found, "no line {line:?} in BASE");
    out.join("\n") + "\n"
}

#[test]
fn the_base_scenario_is_valid() {
    let (_dir, result) = load_text("s.toml", BASE);
    let s = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.strategies.len(), 1);
}

#[test]
fn each_bad_variable_growth_or_schedule_has_one_exact_message() {
    // (what is wrong, the line replaced, its replacement, text appended, the message)
    let vars = "\n[vars]\ngrowth = { dist = \"uniform\", low = 0.1, high = 0.4 }\nmigrate = { dist = \"choice\", values = [0, 1] }\n";
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "unknown variable with a suggestion",
            "rate_per_hour = 2.0",
            "rate_per_hour = \"$grwth\"",
            vars,
            "{file}:26:17: fleet[\"web\"].arrivals.rate_per_hour: found \"$grwth\", expected a variable of [vars]: \"$growth\" or \"$migrate\"; did you mean \"$growth\"?",
        ),
        (
            "a variable without [vars]",
            "baseline = 4",
            "baseline = \"$n\"",
            "",
            "{file}:24:12: fleet[\"web\"].baseline: found \"$n\", but the scenario has no [vars] table to define $n in",
        ),
        (
            "a variable whose values leave the key's range",
            "baseline = 4",
            "baseline = \"$g\"",
            "\n[vars]\ng = { dist = \"uniform\", low = -3, high = 5 }\n",
            "{file}:24:12: fleet[\"web\"].baseline: found \"$g\", expected a variable whose every value lies from 0 to 10,000,000, rounded to a whole number for a count, but $g may take values from -3 to 5",
        ),
        (
            "a normal variable that reaches past a count's range",
            "baseline = 4",
            "baseline = \"$n\"",
            "\n[vars]\nn = { dist = \"normal\", mean = 20, sd = 5 }\n",
            "{file}:24:12: fleet[\"web\"].baseline: found \"$n\", expected a variable whose every value lies from 0 to 10,000,000, rounded to a whole number for a count, but $n may take values from -10 to 50; a normal or log-normal variable reaches 6 sd (or sigma) from its centre: bound it with a uniform or triangular one, or write the distribution on the key itself, where a draw out of range is drawn again",
        ),
        (
            "a variable in a duration",
            "mean = \"6h\"",
            "mean = \"$growth\"",
            vars,
            "{file}:29:8: fleet[\"web\"].lifetime.mean: found \"$growth\", expected a duration such as \"6h\" or a distribution of durations: variables of [vars] hold numbers, not durations",
        ),
        (
            "a variable naming another",
            "",
            "",
            "\n[vars]\na = 1\nb = \"$a\"\n",
            "{file}:41:5: vars.b: found \"$a\", expected a number or a distribution table: a variable may not refer to another",
        ),
        (
            "when and probability together",
            "mean = \"6h\"",
            "mean = \"6h\"\n[[fleet.event]]\nat = \"1d\"\nadd = 1\nprobability = 0.5\nwhen = \"migrate\"",
            vars,
            "{file}:34:8: fleet[\"web\"].event[0].when: found both \"probability\" and \"when\"; expected one of them: when = \"name\" makes the event happen exactly where the variable is non-zero",
        ),
        (
            "when naming an unknown variable",
            "mean = \"6h\"",
            "mean = \"6h\"\n[[fleet.event]]\nat = \"1d\"\nadd = 1\nwhen = \"migrat\"",
            vars,
            "{file}:33:8: fleet[\"web\"].event[0].when: found \"migrat\", expected a variable of [vars]: \"growth\" or \"migrate\"; did you mean \"migrate\"?",
        ),
        (
            "when naming a continuous variable",
            "mean = \"6h\"",
            "mean = \"6h\"\n[[fleet.event]]\nat = \"1d\"\nadd = 1\nwhen = \"growth\"",
            vars,
            "{file}:33:8: fleet[\"web\"].event[0].when: found \"growth\", expected a choice variable (or a fixed number): when = \"name\" happens where the variable is non-zero, which \"growth\", a continuous distribution, nearly always is",
        ),
        (
            "grow_baseline = true without arrivals",
            "",
            "",
            "\n[[fleet]]\nname = \"db\"\ninstance_type = \"ecs.g6.large\"\nbaseline = 2\ngrow_baseline = true\n",
            "{file}:43:17: fleet[\"db\"].grow_baseline: found grow_baseline = true on a fleet without [fleet.arrivals], expected a yearly growth rate of its own such as grow_baseline = 0.2 or \"$growth\" (true follows arrivals.growth_per_year)",
        ),
        (
            "a baseline that grows past the limit",
            "baseline = 4",
            "baseline = 9000000\ngrow_baseline = 10",
            "",
            "{file}:20:1: fleet[\"web\"]: found a baseline (grown over the horizon), adds and scheduled extras that may reach 10,959,175 long-lived VMs, expected at most 10,000,000 in one fleet",
        ),
        (
            "schedule hours in the wrong form",
            "mean = \"6h\"",
            "mean = \"6h\"\n[[fleet.schedule]]\nhours = \"8-18\"\nextra = 2",
            "",
            "{file}:31:9: fleet[\"web\"].schedule[0].hours: found \"8-18\", expected local hours \"HH:MM-HH:MM\" such as \"08:00-18:00\" (\"22:00-06:00\" runs past midnight, \"00:00-24:00\" is the whole day)",
        ),
        (
            "a weekday twice",
            "mean = \"6h\"",
            "mean = \"6h\"\n[[fleet.schedule]]\ndays = [\"mon\", \"mon\"]\nhours = \"08:00-18:00\"\nextra = 2",
            "",
            "{file}:31:16: fleet[\"web\"].schedule[0].days[1]: found \"mon\" twice, expected each weekday at most once",
        ),
        (
            "an unknown weekday",
            "mean = \"6h\"",
            "mean = \"6h\"\n[[fleet.schedule]]\ndays = [\"monday\"]\nhours = \"08:00-18:00\"\nextra = 2",
            "",
            "{file}:31:9: fleet[\"web\"].schedule[0].days[0]: found \"monday\", expected \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\" or \"sun\"",
        ),
        (
            "an empty schedule window",
            "mean = \"6h\"",
            "mean = \"6h\"\n[[fleet.schedule]]\nhours = \"08:00-08:00\"\nextra = 2",
            "",
            "{file}:31:9: fleet[\"web\"].schedule[0].hours: found \"08:00-08:00\", expected a window of at least a minute: local hours \"HH:MM-HH:MM\" such as \"08:00-18:00\" (\"22:00-06:00\" runs past midnight, \"00:00-24:00\" is the whole day)",
        ),
    ];
    let mut failures = Vec::new();
    for (what, line, with, appended, expected) in cases {
        let text = if line.is_empty() {
            BASE.to_string()
        } else {
            replaced(line, with)
        } + appended;
        let got = message(&text);
        if got != *expected {
            failures.push(format!("{what}:\n  expected {expected}\n  got      {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn each_bad_input_has_one_exact_message() {
    // (what is wrong, the line replaced, its replacement, the message)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "unknown key with a suggestion",
            "baseline = 4",
            "baselin = 4",
            "{file}:24:1: fleet[\"web\"].baselin: found unknown key \"baselin\", expected one of name, instance_type, zone, baseline, grow_baseline, schedule, hybrid_benefit, warm_start, arrivals, lifetime, event, trace; did you mean \"baseline\"?",
        ),
        (
            "wrong type",
            "count = 2",
            "count = \"two\"",
            "{file}:35:9: strategy[\"ri\"].reserve[0].count: found \"two\", expected a whole number from 0 to 10,000,000",
        ),
        (
            "negative count",
            "count = 2",
            "count = -2",
            "{file}:35:9: strategy[\"ri\"].reserve[0].count: found -2, expected a whole number from 0 to 10,000,000",
        ),
        (
            "fractional count",
            "count = 2",
            "count = 2.5",
            "{file}:35:9: strategy[\"ri\"].reserve[0].count: found 2.5, expected a whole number from 0 to 10,000,000",
        ),
        (
            "fractional baseline",
            "baseline = 4",
            "baseline = 4.5",
            "{file}:24:12: fleet[\"web\"].baseline: found 4.5, expected a whole number from 0 to 10,000,000",
        ),
        (
            "unknown payment option",
            "payment = \"all_upfront\"",
            "payment = \"all-upfront\"",
            "{file}:37:11: strategy[\"ri\"].reserve[0].payment: found \"all-upfront\", expected \"all_upfront\", \"partial_upfront\", \"no_upfront\" or \"monthly\"; did you mean \"all_upfront\"?",
        ),
        (
            "payment option not priced for the type",
            "payment = \"all_upfront\"",
            "payment = \"partial_upfront\"",
            "{file}:37:11: strategy[\"ri\"].reserve[0].payment: found \"partial_upfront\", but instance_type[\"ecs.g6.large\"].reserved.1y has no partial_upfront price; expected \"all_upfront\" or \"no_upfront\"",
        ),
        (
            "payment option the profile does not offer",
            "payment = \"all_upfront\"",
            "payment = \"monthly\"",
            "{file}:37:11: strategy[\"ri\"].reserve[0].payment: found \"monthly\", expected a payment option of the alibaba rules: \"all_upfront\", \"partial_upfront\" or \"no_upfront\"",
        ),
        (
            "term not offered for the type",
            "term = \"1y\"",
            "term = \"3y\"",
            "{file}:36:8: strategy[\"ri\"].reserve[0].term: found \"3y\", expected a term priced for ecs.g6.large: \"1y\"",
        ),
        (
            "3 years as a duration",
            "term = \"1y\"",
            "term = \"3 years\"",
            "{file}:36:8: strategy[\"ri\"].reserve[0].term: found \"3 years\", expected a duration such as \"90s\", \"45min\", \"12h\", \"30d\", \"2w\", \"6mo\" or \"1y\"",
        ),
        (
            "a bad RFC 3339 instant",
            "start = \"2026-01-01T00:00:00Z\"",
            "start = \"2026-01-01 00:00\"",
            "{file}:3:9: scenario.start: found \"2026-01-01 00:00\", expected an RFC 3339 instant with an offset, such as \"2026-01-01T00:00:00+08:00\"",
        ),
        (
            "an instant without offset",
            "start = \"2026-01-01T00:00:00Z\"",
            "start = 2026-01-01T00:00:00",
            "{file}:3:9: scenario.start: found 2026-01-01T00:00:00, expected an RFC 3339 instant with an offset, such as \"2026-01-01T00:00:00+08:00\"",
        ),
        (
            "a diurnal list of 23",
            "rate_per_hour = 2.0",
            "rate_per_hour = 2.0\ndiurnal = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
            "{file}:27:11: fleet[\"web\"].arrivals.diurnal: found a list of 23 values, expected a list of 24 weights from 0 to 1,000, one for each local hour from 0 to 23",
        ),
        (
            "a price written 1,5",
            "payg_hourly = \"0.152\"",
            "payg_hourly = \"1,5\"",
            "{file}:13:15: instance_type[\"ecs.g6.large\"].payg_hourly: found \"1,5\", expected an amount from 0 to 1,000,000 such as \"0.152\" or \"1000\" (digits with an optional decimal point)",
        ),
        (
            "a negative price",
            "all_upfront = \"800\"",
            "all_upfront = -800",
            "{file}:15:15: instance_type[\"ecs.g6.large\"].reserved.1y.all_upfront: found -800, expected an amount from 0 to 1,000,000,000 such as \"0.152\" or \"1000\" (digits with an optional decimal point)",
        ),
        (
            "unknown profile",
            "profile = \"alibaba\"",
            "profile = \"aliyun\"",
            "{file}:7:11: billing.profile: found \"aliyun\", expected \"alibaba\", \"azure\", \"aws\" or \"generic\"",
        ),
        (
            "unknown lifetime distribution",
            "dist = \"exponential\"",
            "dist = \"exponentail\"",
            "{file}:28:8: fleet[\"web\"].lifetime.dist: found \"exponentail\", expected \"exponential\", \"lognormal\", \"weibull\", \"uniform\", \"fixed\" or \"empirical\"; did you mean \"exponential\"?",
        ),
        (
            "months as a lifetime",
            "mean = \"6h\"",
            "mean = \"6mo\"",
            "{file}:29:8: fleet[\"web\"].lifetime.mean: found \"6mo\", expected a duration in s, min, h, d or w (months and years have no fixed length)",
        ),
        (
            "a strategy named payg",
            "name = \"ri\"",
            "name = \"payg\"",
            "{file}:32:8: strategy[\"payg\"].name: found \"payg\", expected a name other than \"payg\", which capsim keeps for the pay-as-you-go baseline",
        ),
        (
            "a negative horizon",
            "horizon = \"30d\"",
            "horizon = \"-30d\"",
            "{file}:4:11: scenario.horizon: found \"-30d\", expected a positive duration such as \"90s\", \"45min\", \"12h\", \"30d\", \"2w\", \"6mo\" or \"1y\", of at most 100 years (\"100y\", \"1200mo\", \"36525d\")",
        ),
        (
            "a lowercase currency",
            "horizon = \"30d\"",
            "horizon = \"30d\"\ncurrency = \"usd\"",
            "{file}:5:12: scenario.currency: found \"usd\", expected a three-letter ISO 4217 currency code such as \"USD\" or \"CNY\"",
        ),
        (
            "an unknown time zone",
            "horizon = \"30d\"",
            "horizon = \"30d\"\ntimezone = \"Mars/Olympus\"",
            "{file}:5:12: scenario.timezone: found \"Mars/Olympus\", expected an IANA time zone such as \"Asia/Shanghai\", \"UTC\" or an offset such as \"+08:00\"",
        ),
        (
            "a calendar zone that is not whole hours",
            "profile = \"alibaba\"",
            "profile = \"alibaba\"\ncalendar_zone = \"+05:30\"",
            "{file}:8:17: billing.calendar_zone: found \"+05:30\", expected \"UTC\" or a whole-hour offset such as \"+08:00\"",
        ),
        (
            "a bill day the calendar lacks",
            "profile = \"alibaba\"",
            "profile = \"alibaba\"\nbill_day = 31",
            "{file}:8:12: billing.bill_day: found 31, expected a day of the month from 1 to 28",
        ),
        (
            "a zonal size-flexible reservation under alibaba",
            "count = 2",
            "count = 2\nzone = \"cn-hangzhou-h\"\nsize_flexible = true",
            "{file}:37:17: strategy[\"ri\"].reserve[0].size_flexible: found size_flexible = true on a zonal reservation, but under the alibaba rules a zonal reservation is not size-flexible; expected no zone (a regional, size-flexible reservation) or size_flexible = false",
        ),
        (
            "an unknown zone in a strategy",
            "count = 2",
            "count = 2\nzone = \"cn-hangzhou-i\"",
            "{file}:36:8: strategy[\"ri\"].reserve[0].zone: found \"cn-hangzhou-i\", expected one of the fleets' zones: \"cn-hangzhou-h\"; did you mean \"cn-hangzhou-h\"?",
        ),
        (
            "a purchase at the horizon's end",
            "count = 2",
            "count = 2\nat = \"30d\"",
            "{file}:36:6: strategy[\"ri\"].reserve[0].at: found \"30d\", expected a purchase before the horizon's end (2026-01-31T00:00:00Z)",
        ),
        (
            "units of zero",
            "units = 4",
            "units = 0",
            "{file}:12:9: instance_type[\"ecs.g6.large\"].units: found 0, expected a number of units > 0 and <= 1,000,000 such as 4 or 0.25, with at most 6 decimal places",
        ),
        (
            "an unknown sub-table",
            "dist = \"exponential\"",
            "dist = \"exponential\"\n[fleet.nothing]",
            // `mean` now belongs to [fleet.nothing]; the table's key is what is unknown.
            "{file}:29:8: fleet[\"web\"].nothing: found unknown key \"nothing\", expected one of name, instance_type, zone, baseline, grow_baseline, schedule, hybrid_benefit, warm_start, arrivals, lifetime, event, trace",
        ),
        (
            "a TOML syntax error",
            "[billing]",
            "[billing",
            "{file}:6:9: found invalid TOML: unclosed table, expected `]`",
        ),
        (
            "a missing required key",
            "payg_hourly = \"0.152\"",
            "",
            "{file}:9:1: instance_type[\"ecs.g6.large\"].payg_hourly: missing key \"payg_hourly\", expected the pay-as-you-go price per hour such as \"0.152\"",
        ),
        (
            "a duplicate name",
            "name = \"ri\"",
            "name = \"ri\"\n[[strategy]]\nname = \"ri\"",
            "{file}:34:8: strategy[\"ri\"].name: found \"ri\", expected a name not used by another [[strategy]]",
        ),
    ];
    let mut failures = Vec::new();
    for (what, line, with, want) in cases {
        let got = message(&replaced(line, with));
        if got != *want {
            failures.push(format!("{what}:\n  want: {want}\n  got:  {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_unknown_instance_type_in_a_strategy() {
    // The strategy's own line: the last `instance_type` of BASE.
    let at = BASE.rfind("instance_type = \"ecs.g6.large\"").unwrap();
    let text = format!(
        "{}instance_type = \"ecs.g6.xlarge\"{}",
        &BASE[..at],
        &BASE[at + "instance_type = \"ecs.g6.large\"".len()..]
    );
    assert_eq!(
        message(&text),
        "{file}:34:17: strategy[\"ri\"].reserve[0].instance_type: found \"ecs.g6.xlarge\", expected one of the instance types: \"ecs.g6.large\"; did you mean \"ecs.g6.large\"?"
    );
}

#[test]
fn arrivals_without_a_lifetime() {
    let text = BASE.replace(
        "[fleet.lifetime]\ndist = \"exponential\"\nmean = \"6h\"\n",
        "",
    );
    assert_eq!(
        message(&text),
        "{file}:20:1: fleet[\"web\"]: found [fleet.arrivals] without [fleet.lifetime], expected a lifetime for the arriving VMs, e.g. lifetime = { dist = \"exponential\", mean = \"6h\" }"
    );
}

#[test]
fn a_subscription_duration_the_profile_does_not_allow() {
    let text = BASE.to_string()
        + r#"[[strategy]]
name = "sub"
[[strategy.subscribe]]
instance_type = "ecs.g6.large"
count = 1
duration = "4mo"
"#;
    assert_eq!(
        message(&text),
        "{file}:43:12: strategy[\"sub\"].subscribe[0].duration: found \"4mo\", expected a subscription duration of the alibaba rules: \"1mo\", \"2mo\", \"3mo\", \"6mo\", \"1y\", \"2y\", \"3y\", \"4y\" or \"5y\""
    );
}

#[test]
fn a_probability_of_one_and_a_half() {
    let text = BASE.to_string().replace(
        "mean = \"6h\"\n",
        "mean = \"6h\"\n[[fleet.event]]\nat = \"10d\"\nadd = 3\nprobability = 1.5\n",
    );
    assert_eq!(
        message(&text),
        "{file}:33:15: fleet[\"web\"].event[0].probability: found 1.5, expected a probability from 0 to 1"
    );
}

#[test]
fn a_distribution_that_never_draws_a_valid_value() {
    let text = BASE.replace(
        "rate_per_hour = 2.0",
        "rate_per_hour = { dist = \"uniform\", low = -3, high = -1 }",
    );
    assert_eq!(
        message(&text),
        "{file}:26:17: fleet[\"web\"].arrivals.rate_per_hour: found a uniform distribution that rarely or never draws a valid value, expected one that reaches a number of arrivals per hour from 0 to 1,000,000"
    );
}

#[test]
fn a_subscription_without_a_zone_when_fleets_run_in_two() {
    let text = BASE.to_string()
        + r#"
[[fleet]]
name = "api"
instance_type = "ecs.g6.large"
zone = "cn-hangzhou-i"
baseline = 1

[[strategy]]
name = "sub"
[[strategy.subscribe]]
instance_type = "ecs.g6.large"
count = 1
duration = "1mo"
"#;
    assert_eq!(
        message(&text),
        "{file}:47:1: strategy[\"sub\"].subscribe[0]: missing key \"zone\", expected the zone subscribed: subscriptions are zonal and the fleets run in \"cn-hangzhou-h\" or \"cn-hangzhou-i\""
    );
}

#[test]
fn a_sweep_value_is_checked_like_the_field_it_replaces() {
    let text = BASE.to_string() + "\n[sweep]\n'strategy[\"ri\"].reserve[0].count' = [0, 10, -1]\n";
    assert_eq!(
        message(&text),
        "{file}:40:45: strategy[\"ri\"].reserve[0].count: found -1, expected a whole number from 0 to 10,000,000 (value 3 of [sweep] 'strategy[\"ri\"].reserve[0].count')"
    );
}

#[test]
fn a_sweep_path_must_name_a_field() {
    let text = BASE.to_string() + "\n[sweep]\n'strategy[\"r1\"].reserve[0].count' = [0, 10]\n";
    assert_eq!(
        message(&text),
        "{file}:40:37: sweep.\"strategy[\\\"r1\\\"].reserve[0].count\": found the key path 'strategy[\"r1\"].reserve[0].count', but strategy has no item named \"r1\"; its names are \"ri\"; expected a path to a field of the scenario"
    );
}

#[test]
fn an_empty_file() {
    assert_eq!(
        message(""),
        "{file}: found an empty file, expected a scenario with [scenario], [[instance_type]], [[fleet]] and [[strategy]] tables"
    );
}

#[test]
fn a_file_that_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    let mut bytes = b"[scenario]\nname = \"".to_vec();
    bytes.extend([0xff, 0xfe]);
    bytes.extend(b"\"\n");
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(
        message_in(&dir, Scenario::load(&path)),
        "{file}:2:9: found a byte that is not UTF-8 (byte 19 of the file), expected a UTF-8 text file"
    );
}

/// BASE with the fleet replaced by a trace fleet reading `trace.csv`.
fn with_trace(csv: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let text = BASE.replace(
        "instance_type = \"ecs.g6.large\"\nzone = \"cn-hangzhou-h\"\nbaseline = 4\n[fleet.arrivals]\nrate_per_hour = 2.0\n[fleet.lifetime]\ndist = \"exponential\"\nmean = \"6h\"\n",
        "trace = \"trace.csv\"\n",
    );
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    if let Some(csv) = csv {
        std::fs::write(dir.path().join("trace.csv"), csv).unwrap();
    }
    let result = Scenario::load(dir.path().join("s.toml"));
    message_in(&dir, result)
}

#[test]
fn a_missing_trace_file() {
    assert_eq!(
        with_trace(None),
        "{file}:22:9: fleet[\"web\"].trace: found \"trace.csv\", but {dir}/trace.csv cannot be read (no such file); expected the path of a trace CSV file, relative to the scenario file"
    );
}

#[test]
fn a_trace_row_that_ends_before_it_starts() {
    let csv = "id,instance_type,zone,start,end\n\
               vm-1,ecs.g6.large,cn-hangzhou-h,2026-01-02T00:00:00Z,2026-01-03T00:00:00Z\n\
               vm-2,ecs.g6.large,cn-hangzhou-h,2026-01-02T00:00:00Z,2026-01-01T23:00:00Z\n";
    assert_eq!(
        with_trace(Some(csv)),
        "{dir}/trace.csv:3:54: fleet[\"web\"].trace: found end 2026-01-01T23:00:00Z before start 2026-01-02T00:00:00Z (VM \"vm-2\"), expected end >= start"
    );
}

#[test]
fn a_trace_row_of_an_unknown_type() {
    let csv = "id,instance_type,zone,start,end\n\
               vm-1,ecs.g7.large,cn-hangzhou-h,2026-01-02T00:00:00Z,2026-01-03T00:00:00Z\n";
    assert_eq!(
        with_trace(Some(csv)),
        "{dir}/trace.csv:2:6: fleet[\"web\"].trace: found instance_type \"ecs.g7.large\", expected one of the scenario's instance types: \"ecs.g6.large\"; did you mean \"ecs.g6.large\"?"
    );
}

#[test]
fn a_trace_with_a_bad_instant() {
    let csv = "id,instance_type,zone,start,end\n\
               vm-1,ecs.g6.large,,2026-01-02 00:00,2026-01-03T00:00:00Z\n";
    assert_eq!(
        with_trace(Some(csv)),
        "{dir}/trace.csv:2:20: fleet[\"web\"].trace: found start \"2026-01-02 00:00\", expected an RFC 3339 instant with an offset such as 2026-01-01T00:00:00+08:00"
    );
}

#[test]
fn bad_input_exits_2_with_one_line_on_stderr_and_nothing_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, replaced("term = \"1y\"", "term = \"3 years\"")).unwrap();
    for command in ["validate", "bill"] {
        let out = capsim().arg(command).arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert!(out.stdout.is_empty(), "{command}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            stderr,
            format!(
                "error: {}:36:8: strategy[\"ri\"].reserve[0].term: found \"3 years\", expected a duration such as \"90s\", \"45min\", \"12h\", \"30d\", \"2w\", \"6mo\" or \"1y\"\n",
                path.display()
            ),
            "{command}"
        );
    }
}

#[test]
fn a_missing_scenario_file_exits_2() {
    let out = capsim()
        .args(["validate", "no/such/scenario.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: no/such/scenario.toml: cannot read the scenario file: no such file\n"
    );
}

#[test]
fn an_unknown_strategy_flag_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, BASE).unwrap();
    let out = capsim()
        .arg("bill")
        .arg(&path)
        .args(["--strategy", "r1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: --strategy: found \"r1\", expected one of \"payg\" or \"ri\"\n"
    );
}

#[test]
fn a_together_axis_is_checked_as_a_whole() {
    // (what is appended to BASE at line 39, the message)
    let cases: [(&str, &str); 8] = [
        (
            "[sweep.together.mix]\n'strategy[\"ri\"].reserve[0].count' = [0, 1, 2]\n'fleet[\"web\"].baseline' = [4, 8]\n",
            "{file}:41:27: sweep.together.mix.\"fleet[\\\"web\\\"].baseline\": found a list of 2 values, expected 3 values, as many as 'strategy[\"ri\"].reserve[0].count' has: the keys of [sweep.together.mix] take their i-th values together",
        ),
        (
            "[sweep.together.mix]\n'strategy[\"ri\"].reserve[0].count' = [0, 1, 2]\n'fleet[\"web\"].baseline' = { from = 2, to = 8, step = 2 }\n",
            "{file}:41:27: sweep.together.mix.\"fleet[\\\"web\\\"].baseline\": found a range of 4 values, expected 3 values, as many as 'strategy[\"ri\"].reserve[0].count' has: the keys of [sweep.together.mix] take their i-th values together",
        ),
        (
            "[sweep.together.mix]\n'strategy[\"ri\"].reserve[0].count' = []\n'fleet[\"web\"].baseline' = [4, 8]\n",
            "{file}:40:37: sweep.together.mix.\"strategy[\\\"ri\\\"].reserve[0].count\": found an empty list, expected a list of values such as [0, 10, 20] or a range such as { from = 0, to = 40, step = 10 }",
        ),
        (
            "[sweep]\n'fleet[\"web\"].baseline' = [4, 8]\n\n[sweep.together.mix]\n'strategy[\"ri\"].reserve[0].count' = [0, 1]\n'fleet[\"web\"].baseline' = [2, 6]\n",
            "{file}:44:27: sweep.together.mix.\"fleet[\\\"web\\\"].baseline\": found the key path 'fleet[\"web\"].baseline', which is also swept in [sweep], expected each key on one axis of the grid only",
        ),
        (
            "[sweep.together.a]\n'fleet[\"web\"].baseline' = [4, 8]\n[sweep.together.b]\n'fleet[\"web\"].baseline' = [2, 6]\n",
            "{file}:42:27: sweep.together.b.\"fleet[\\\"web\\\"].baseline\": found the key path 'fleet[\"web\"].baseline', which is also swept in [sweep.together.a], expected each key on one axis of the grid only",
        ),
        (
            "[sweep.together.mix]\n'strategy[\"ri\"].reserve[0].count' = [0, 1]\n'fleet[\"db\"].baseline' = [4, 8]\n",
            "{file}:41:26: sweep.together.mix.\"fleet[\\\"db\\\"].baseline\": found the key path 'fleet[\"db\"].baseline', but fleet has no item named \"db\"; its names are \"web\"; expected a path to a field of the scenario",
        ),
        (
            "[sweep.together.mix]\n'strategy[\"ri\"].reserve[0].count' = [0, -1]\n'fleet[\"web\"].baseline' = [4, 8]\n",
            "{file}:40:41: strategy[\"ri\"].reserve[0].count: found -1, expected a whole number from 0 to 10,000,000 (value 2 of [sweep.together.mix])",
        ),
        (
            "[sweep.together]\nmix = [1, 2]\n",
            "{file}:40:7: sweep.together.mix: found a list of 2 values, expected a table of key paths and their values, lists or ranges of one length, such as 'strategy[\"a\"].reserve[0].count' = [0, 10]",
        ),
    ];
    for (table, expected) in cases {
        let text = format!("{BASE}\n{table}");
        assert_eq!(message(&text), expected, "{table}");
    }
    // A together table with no axis, and an axis with no key.
    assert_eq!(
        message(&format!("{BASE}\n[sweep.together.mix]\n")),
        "{file}:39:1: sweep.together.mix: found an empty table, expected a table of key paths and their values, lists or ranges of one length, such as 'strategy[\"a\"].reserve[0].count' = [0, 10]"
    );
    assert_eq!(
        message(&format!("{BASE}\n[sweep]\ntogether = {{}}\n")),
        "{file}:40:12: sweep.together: found an empty table, expected a table of axes, each a table of key paths and their values, such as [sweep.together.mix] 'strategy[\"a\"].reserve[0].count' = [0, 10]"
    );
}
