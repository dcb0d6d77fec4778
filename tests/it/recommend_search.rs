//! What `capsim recommend` buys (docs/spec.md, section 12), against answers derived by hand or
//! from a closed form: the newsvendor quantile, constant and zero demand, `max_upfront`, the
//! tie rule, `base`, determinism across threads, the heuristic against exhaustive search, and
//! `recommendation.toml` read back as part of the scenario.

use super::common::{capsim, d, load_text};
use capsim::engine::Engine;
use capsim::recommend::{Method, Options, Recommendation, recommend};
use capsim::scenario::{Objective, Scenario};
use rust_decimal::Decimal;
use statrs::distribution::{DiscreteCDF, Poisson};
use std::sync::atomic::AtomicBool;

/// A scenario of `profile` starting 2026-01-01 00:00 UTC (so every 1y term from the start lasts
/// 365 days = 8,760 hours and every 1mo subscription 31 days = 744 hours), over `horizon`,
/// seed 7, followed by `body` (types, fleets, strategies, `[recommend]`).
fn scenario(profile: &str, horizon: &str, body: &str) -> String {
    format!(
        "[scenario]\nname = \"rec\"\nstart = \"2026-01-01T00:00:00Z\"\nhorizon = \"{horizon}\"\ntrials = 50\nseed = 7\n\n[billing]\nprofile = \"{profile}\"\n\n{body}"
    )
}

/// Loads `text` and runs the recommendation on `threads` threads.
fn run_on(text: &str, threads: usize) -> (Scenario, Recommendation) {
    let (_dir, loaded) = load_text("rec.toml", text);
    let s = loaded.unwrap_or_else(|e| panic!("{e}"));
    let options = Options {
        trials: None,
        check_trials: None,
        seed: None,
        threads,
    };
    let r = recommend(&s, options, &AtomicBool::new(false), &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    (s, r)
}

/// Loads `text` and runs the recommendation on two threads.
fn run(text: &str) -> (Scenario, Recommendation) {
    run_on(text, 2)
}

/// The counts bought, in offer order.
fn counts(r: &Recommendation) -> Vec<u32> {
    r.offers.iter().map(|o| o.count).collect()
}

/// One instance type `m.small` of family `m`, one unit, pay-as-you-go 0.2 an hour, with 1y
/// prices whose amortized hourly cost over a 8,760-hour term is: all upfront 876 / 8760 =
/// 0.10; partial 438 / 8760 + 0.03 = 0.08; no upfront 0.09; and a 74.4 monthly subscription,
/// 74.4 / 744 = 0.10 an hour.
const SMALL: &str = r#"[[instance_type]]
name = "m.small"
family = "m"
units = 1
payg_hourly = "0.2"
[instance_type.reserved.1y]
all_upfront = "876"
partial_upfront = { upfront = "438", hourly = "0.03" }
no_upfront = { hourly = "0.09" }
[instance_type.subscription]
monthly = "74.4"
"#;

/// A fleet of `n` always-on m.small VMs in zone z1.
fn constant(n: u32) -> String {
    format!(
        "[[fleet]]\nname = \"steady\"\ninstance_type = \"m.small\"\nzone = \"z1\"\nbaseline = {n}\n"
    )
}

#[test]
fn newsvendor_buys_the_quantile_of_hourly_usage_at_one_minus_r_over_p() {
    // Usage: 5 always-on VMs plus arrivals at 0.8 an hour living 25 h on average (exponential),
    // warm-started: the concurrency is 5 + Poisson(0.8 x 25 = 20) at every instant. With a
    // 25-hour mean lifetime an hour's pooled usage is within a few percent of the instantaneous
    // count. One no-upfront reservation at r an hour against pay-as-you-go p = 1: the c-th
    // instance saves p in the hours whose usage reaches c and costs r in every hour, so the
    // best c is the smallest with P(usage <= c) >= 1 - r / p. The reservation's exact window
    // (aws) covers the whole 28-day horizon.
    let poisson = Poisson::new(20.0).unwrap();
    for (r, q) in [("0.3", 0.7), ("0.6", 0.4)] {
        let want = 5 + (0u64..).find(|&c| poisson.cdf(c) >= q).unwrap() as i64;
        let body = format!(
            r#"[[instance_type]]
name = "m.one"
family = "m"
units = 1
payg_hourly = "1"
[instance_type.reserved.1y]
no_upfront = {{ hourly = "{r}" }}

[[fleet]]
name = "web"
instance_type = "m.one"
zone = "z1"
baseline = 5
[fleet.arrivals]
rate_per_hour = 0.8
[fleet.lifetime]
dist = "exponential"
mean = "25h"

[recommend]
trials = 100
check_trials = 20
[[recommend.offer]]
reserve = {{ instance_type = "m.one", zone = "z1", term = "1y", payment = "no_upfront" }}
max_count = 45
"#
        );
        let (_, rec) = run(&scenario("aws", "28d", &body));
        let got = i64::from(counts(&rec)[0]);
        assert!(
            (got - want).abs() <= 2,
            "r = {r}: bought {got}, the {q} quantile of usage is {want}"
        );
    }
}

#[test]
fn constant_demand_buys_the_offer_of_the_lowest_amortized_hourly_cost_only() {
    // 6 VMs every second of 28 days (672 hours). Per instance and hour (SMALL): all upfront
    // 0.10, no upfront 0.09, a subscription 0.10, partial upfront 0.08; pay-as-you-go 0.2.
    // Every VM-hour is best covered by the partial-upfront reservation, and nothing more is
    // needed. Its amortized cost: 6 x (438 x 672 / 8760 + 0.03 x 672) = 6 x 53.76 = 322.56.
    let body = format!(
        r#"{SMALL}
{}
[recommend]
trials = 4
check_trials = 4
[[recommend.offer]]
reserve = {{ instance_type = "m.small", term = "1y", payment = "all_upfront" }}
max_count = 7
[[recommend.offer]]
reserve = {{ instance_type = "m.small", term = "1y", payment = "no_upfront" }}
max_count = 7
[[recommend.offer]]
subscribe = {{ instance_type = "m.small", zone = "z1", duration = "1mo" }}
max_count = 7
[[recommend.offer]]
reserve = {{ instance_type = "m.small", term = "1y", payment = "partial_upfront" }}
max_count = 7
"#,
        constant(6)
    );
    let (_, rec) = run(&scenario("aws", "28d", &body));
    assert_eq!(counts(&rec), vec![0, 0, 0, 6]);
    assert_eq!(rec.in_sample.mean, d("322.56"));
    // The first day pays the upfront part only: 6 x 438.
    assert_eq!(rec.in_sample.first_day_cash, d("2628"));
    assert_eq!(rec.strategy.reserves.len(), 1);
    assert!(rec.strategy.subscribes.is_empty());
}

#[test]
fn zero_demand_buys_nothing() {
    // No VM ever runs: every purchase only adds its price. The subscription's bound comes from
    // usage (a peak of 0), the reservation's is given.
    let body = format!(
        r#"{SMALL}
{}
[recommend]
trials = 5
check_trials = 5
[[recommend.offer]]
reserve = {{ instance_type = "m.small", term = "1y", payment = "partial_upfront" }}
max_count = 5
[[recommend.offer]]
subscribe = {{ instance_type = "m.small", zone = "z1", duration = "1mo" }}
"#,
        constant(0)
    );
    let (_, rec) = run(&scenario("aws", "14d", &body));
    assert_eq!(counts(&rec), vec![0, 0]);
    assert_eq!(rec.offers[1].offer.max_count, 0);
    assert_eq!(rec.in_sample.mean, Decimal::ZERO);
    assert!(rec.strategy.reserves.is_empty() && rec.strategy.subscribes.is_empty());
}

#[test]
fn a_binding_max_upfront_caps_the_count_at_what_the_first_day_cash_allows() {
    // 10 always-on VMs; each all-upfront reservation (876, 0.10 an hour amortized against 0.2
    // pay-as-you-go) saves 0.1 x 672 = 67.2, so the demand wants 10. max_upfront = 3 x 876 +
    // 500 = 3128 allows 3 and not 4 (3504).
    let body = format!(
        r#"{SMALL}
{}
[recommend]
trials = 4
check_trials = 4
max_upfront = "3128"
[[recommend.offer]]
reserve = {{ instance_type = "m.small", term = "1y", payment = "all_upfront" }}
max_count = 12
"#,
        constant(10)
    );
    let (_, rec) = run(&scenario("azure", "28d", &body));
    assert_eq!(counts(&rec), vec![3]);
    assert_eq!(rec.in_sample.first_day_cash, d("2628"));
    assert!(rec.in_sample.first_day_cash <= d("3128"));
    // 3 reserved at 67.2 each, 7 pay-as-you-go at 0.2 x 672 = 134.4 each.
    assert_eq!(rec.in_sample.mean, d("1142.4"));
}

/// Type m.tie: pay-as-you-go 0.2; 1y all upfront 876 (876 x 672 / 8760 = 67.2 in 28 days) or
/// no upfront at 0.1 an hour (0.1 x 672 = 67.2): the same amortized cost.
const TIE_TYPE: &str = r#"[[instance_type]]
name = "m.tie"
family = "m"
units = 1
payg_hourly = "0.2"
[instance_type.reserved.1y]
all_upfront = "876"
no_upfront = { hourly = "0.1" }

[[fleet]]
name = "steady"
instance_type = "m.tie"
zone = "z1"
baseline = 5
"#;

/// The recommendation for TIE_TYPE's 5 VMs over 28 days with the two `offers` (TOML lines).
fn tie(offers: &[&str]) -> Vec<u32> {
    let mut body = format!("{TIE_TYPE}\n[recommend]\ntrials = 3\ncheck_trials = 3\n");
    for o in offers {
        body.push_str(&format!(
            "[[recommend.offer]]\nreserve = {o}\nmax_count = 6\n"
        ));
    }
    counts(&run(&scenario("aws", "28d", &body)).1)
}

#[test]
fn ties_go_to_less_first_day_cash_then_to_lower_counts_in_offer_order() {
    let zonal = r#"{ instance_type = "m.tie", zone = "z1", term = "1y", payment = "no_upfront" }"#;
    let regional = r#"{ instance_type = "m.tie", term = "1y", payment = "no_upfront" }"#;
    let upfront = r#"{ instance_type = "m.tie", term = "1y", payment = "all_upfront" }"#;
    // A zonal and a regional reservation at the same price cover the one zone alike: every
    // split of 5 between them costs 5 x 67.2, pays nothing on the first day and commits the
    // same unit-hours; the count vectors then decide, the lower count of the first offer
    // first: (0, 5), whichever offer comes first.
    assert_eq!(tie(&[zonal, regional]), vec![0, 5]);
    assert_eq!(tie(&[regional, zonal]), vec![0, 5]);
    // No upfront against all upfront: the same amortized total, the same commitment, but the
    // all-upfront one pays 876 each on the first day: no upfront wins although the count rule
    // alone would give (0, 5).
    assert_eq!(tie(&[regional, upfront]), vec![5, 0]);
    assert_eq!(tie(&[upfront, regional]), vec![0, 5]);
}

#[test]
fn a_base_that_covers_the_demand_gets_nothing_more() {
    // 5 VMs, already covered by the base's 5 zonal reservations. The offers are cheaper per
    // hour than the base (0.09, 0.08), but what the base holds is paid whatever else is
    // bought: anything bought adds its price and saves nothing. The total is the base's:
    // 5 x 0.1 x 672 = 336.
    let body = format!(
        r#"{SMALL}
{}
[[strategy]]
name = "current"
[[strategy.reserve]]
instance_type = "m.small"
zone = "z1"
count = 5
term = "1y"
payment = "all_upfront"

[recommend]
trials = 3
check_trials = 3
base = "current"
[[recommend.offer]]
reserve = {{ instance_type = "m.small", term = "1y", payment = "no_upfront" }}
max_count = 6
[[recommend.offer]]
reserve = {{ instance_type = "m.small", term = "1y", payment = "partial_upfront" }}
max_count = 6
"#,
        constant(5)
    );
    let (s, rec) = run(&scenario("aws", "28d", &body));
    assert_eq!(counts(&rec), vec![0, 0]);
    assert_eq!(rec.strategy.reserves, s.strategies[0].reserves);
    assert!(rec.strategy.subscribes.is_empty());
    assert_eq!(rec.in_sample.mean, d("336"));
    // The base is held, not bought: the first day's cash counts only what is bought.
    assert_eq!(rec.in_sample.first_day_cash, Decimal::ZERO);
}

/// A small random demand of m.small in z1: 2 always-on VMs and arrivals at `rate` an hour
/// living `life` on average, with SMALL's prices.
fn random_small(rate: &str, life: &str) -> String {
    format!(
        "{SMALL}\n[[fleet]]\nname = \"web\"\ninstance_type = \"m.small\"\nzone = \"z1\"\nbaseline = 2\n[fleet.arrivals]\nrate_per_hour = {rate}\n[fleet.lifetime]\ndist = \"exponential\"\nmean = \"{life}\"\n"
    )
}

#[test]
fn the_same_seed_gives_the_same_recommendation_on_one_and_two_threads() {
    let body = format!(
        r#"{}
[recommend]
trials = 40
check_trials = 30
[[recommend.offer]]
reserve = {{ instance_type = "m.small", term = "1y", payment = "no_upfront" }}
max_count = 10
[[recommend.offer]]
subscribe = {{ instance_type = "m.small", zone = "z1", duration = "1mo" }}
max_count = 10
"#,
        random_small("1.5", "4h")
    );
    let text = scenario("aws", "21d", &body);
    let (_, one) = run_on(&text, 1);
    let (_, two) = run_on(&text, 2);
    assert_eq!(counts(&one), counts(&two));
    assert_eq!(one.in_sample, two.in_sample);
    assert_eq!(one.runner_up, two.runner_up);
    assert_eq!(one.frontier, two.frontier);
    for (a, b) in one.offers.iter().zip(&two.offers) {
        assert_eq!(a.curve, b.curve);
    }
    assert_eq!(one.check.exact.len(), two.check.exact.len());
    for (a, b) in one.check.exact.iter().zip(&two.check.exact) {
        assert_eq!(a.name, b.name);
        assert_eq!(
            (a.mean, a.p90, a.p95, a.cvar95),
            (b.mean, b.p90, b.p95, b.cvar95)
        );
        assert_eq!(
            (a.mean_ci95, a.p90_ci95, a.p95_ci95, a.cvar95_ci95),
            (b.mean_ci95, b.p90_ci95, b.p95_ci95, b.cvar95_ci95)
        );
    }
    assert_eq!(one.check.runner_up_diff, two.check.runner_up_diff);
    // The answer billed again on the search trials, for its intervals, gives the figures the
    // search scored it with.
    for r in [&one, &two] {
        let (a, b) = (&r.in_sample, &r.in_sample_checked);
        assert_eq!(
            (a.mean, a.p90, a.p95, a.cvar95),
            (b.mean, b.p90, b.p95, b.cvar95)
        );
    }
    let runner = one.runner_up.as_ref().expect("two or more portfolios");
    let checked = one.runner_up_checked.as_ref().expect("billed again");
    assert_eq!((runner.mean, runner.cvar95), (checked.mean, checked.cvar95));
}

/// Two sizes of family `g` (g.small 1 unit, g.large 2 units) in two zones: the small VMs in
/// z1, the large in z2, each a few always-on plus arrivals living 10 h on average; 14 days.
/// Pay-as-you-go costs 0.1 a unit-hour. The offers: a zonal g.small reservation in z1 at 0.05
/// a unit-hour, a zonal g.large one in z2 at 0.06 (1y, 0.12 an hour), and a regional
/// size-flexible g.large one at 0.07 (3y, 0.14 an hour) that covers both sizes in both zones,
/// so that it pools the peaks of the two fleets. All are paid by the hour, none upfront.
fn family(small: (u32, &str), large: (u32, &str), objective: &str, limit: u64) -> String {
    let body = format!(
        r#"[[instance_type]]
name = "g.small"
family = "g"
units = 1
payg_hourly = "0.1"
[instance_type.reserved.1y]
no_upfront = {{ hourly = "0.05" }}

[[instance_type]]
name = "g.large"
family = "g"
units = 2
payg_hourly = "0.2"
[instance_type.reserved.1y]
no_upfront = {{ hourly = "0.12" }}
[instance_type.reserved.3y]
no_upfront = {{ hourly = "0.14" }}

[[fleet]]
name = "small"
instance_type = "g.small"
zone = "z1"
baseline = {}
[fleet.arrivals]
rate_per_hour = {}
[fleet.lifetime]
dist = "exponential"
mean = "10h"

[[fleet]]
name = "large"
instance_type = "g.large"
zone = "z2"
baseline = {}
[fleet.arrivals]
rate_per_hour = {}
[fleet.lifetime]
dist = "exponential"
mean = "10h"

[recommend]
objective = "{objective}"
trials = 60
check_trials = 10
exhaustive_limit = {limit}
[[recommend.offer]]
reserve = {{ instance_type = "g.large", term = "3y", payment = "no_upfront", size_flexible = true }}
max_count = 10
[[recommend.offer]]
reserve = {{ instance_type = "g.small", zone = "z1", term = "1y", payment = "no_upfront" }}
max_count = 10
[[recommend.offer]]
reserve = {{ instance_type = "g.large", zone = "z2", term = "1y", payment = "no_upfront" }}
max_count = 10
"#,
        small.0, small.1, large.0, large.1
    );
    scenario("aws", "14d", &body)
}

/// One type in one zone with reservations and a subscription: pay-as-you-go 0.2; 1y all
/// upfront 700.8 (0.08 an hour), no upfront 0.09 (zonal); a 1mo subscription 55.8 (0.075 an
/// hour over its 744 hours) that carries instantaneous concurrency only, while reservations
/// pool an hour's usage. Demand: `baseline` always-on VMs plus arrivals living 30 minutes on
/// average, so that pooling matters: the subscription is cheaper for the steady layers, a
/// reservation for the busy ones.
fn mixed(baseline: u32, rate: &str, objective: &str, limit: u64) -> String {
    let body = format!(
        r#"[[instance_type]]
name = "m.mix"
family = "m"
units = 1
payg_hourly = "0.2"
[instance_type.reserved.1y]
all_upfront = "700.8"
no_upfront = {{ hourly = "0.09" }}
[instance_type.subscription]
monthly = "55.8"

[[fleet]]
name = "web"
instance_type = "m.mix"
zone = "z1"
baseline = {baseline}
[fleet.arrivals]
rate_per_hour = {rate}
[fleet.lifetime]
dist = "exponential"
mean = "30min"

[recommend]
objective = "{objective}"
trials = 60
check_trials = 10
exhaustive_limit = {limit}
[[recommend.offer]]
subscribe = {{ instance_type = "m.mix", zone = "z1", duration = "1mo" }}
max_count = 8
[[recommend.offer]]
reserve = {{ instance_type = "m.mix", term = "1y", payment = "all_upfront" }}
max_count = 10
[[recommend.offer]]
reserve = {{ instance_type = "m.mix", zone = "z1", term = "1y", payment = "no_upfront" }}
max_count = 4
"#
    );
    scenario("aws", "14d", &body)
}

/// Exhaustive search's answer and the heuristic's on the same scenario (`text` of a limit).
fn both(text: impl Fn(u64) -> String) -> (Scenario, Recommendation, Recommendation) {
    let (s, e) = run(&text(10_000_000));
    let (_, h) = run(&text(1));
    assert_eq!(e.method, Method::Exhaustive);
    assert_eq!(h.method, Method::CoordinateSearch);
    (s, e, h)
}

#[test]
fn the_heuristic_finds_exhaustive_searchs_answer_for_the_mean() {
    let cases: Vec<Box<dyn Fn(u64) -> String>> = vec![
        Box::new(|l| family((2, "0.5"), (1, "0.3"), "mean", l)),
        Box::new(|l| family((1, "0.2"), (2, "0.6"), "mean", l)),
        Box::new(|l| mixed(2, "6", "mean", l)),
        Box::new(|l| mixed(0, "10", "mean", l)),
    ];
    for (i, text) in cases.iter().enumerate() {
        let (_, e, h) = both(text);
        // Both bill on the same search trials: a different portfolio must tie exactly.
        if counts(&e) != counts(&h) {
            assert_eq!(
                h.in_sample.mean,
                e.in_sample.mean,
                "case {i}: the heuristic's {:?} against exhaustive {:?}",
                counts(&h),
                counts(&e)
            );
        }
        // The exhaustive answer buys something: the case is not trivially at the origin.
        assert!(counts(&e).iter().any(|&c| c > 0), "case {i}");
    }
}

/// Every search trial's total of the recommended strategy, billed by the engine directly.
fn totals(s: &Scenario, r: &Recommendation) -> Vec<Decimal> {
    let mut one = s.clone();
    one.strategies = vec![r.strategy.clone()];
    let engine = Engine::new(&one).unwrap();
    let mut ws = engine.workspace();
    let mut t: Vec<Decimal> = (0..r.in_sample.n as u64)
        .map(|k| engine.trial(r.seed, k, &mut ws).unwrap()[1].amortized_total)
        .collect();
    t.sort_unstable();
    t
}

#[test]
fn for_the_risk_objectives_the_heuristic_lies_within_the_exhaustive_answers_interval() {
    for (objective, text) in [
        (
            Objective::P90,
            Box::new(|l| family((2, "0.5"), (1, "0.3"), "p90", l)) as Box<dyn Fn(u64) -> String>,
        ),
        (Objective::Cvar95, Box::new(|l| mixed(2, "6", "cvar95", l))),
    ] {
        let (s, e, h) = both(&text);
        let (ve, vh) = (e.in_sample.value(objective), h.in_sample.value(objective));
        // Exhaustive search billed every portfolio on the same trials: nothing is lower.
        assert!(vh >= ve, "{objective}: {vh} < {ve}");
        let t = totals(&s, &e);
        let n = t.len();
        let f: Vec<f64> = t.iter().map(|v| v.to_string().parse().unwrap()).collect();
        let upper = match objective {
            Objective::P90 => {
                // Type 7 by hand: h = (n - 1) 0.9, between the order statistics around it.
                let hh = Decimal::from(n - 1) * d("0.9");
                let lo = hh.floor();
                let i = usize::try_from(lo.mantissa() / 10i128.pow(lo.scale())).unwrap();
                assert_eq!(e.in_sample.p90, t[i] + (hh - lo) * (t[i + 1] - t[i]));
                // Binomial order statistics: the count of totals below the true p90 is
                // Binomial(n, 0.9); its 99% range, widened by one rank, bounds the rank of
                // the true p90: generous against the 95% interval the spec reports.
                let sd = (n as f64 * 0.9 * 0.1).sqrt();
                let rank = ((n as f64 * 0.9 + 2.576 * sd).ceil() as usize + 1).min(n);
                f[rank - 1]
            }
            _ => {
                // The worst ceil(5% of n) totals, by hand.
                let k = n.div_ceil(20);
                let exact: Decimal = t[n - k..].iter().sum();
                assert_eq!(e.in_sample.cvar95, exact / Decimal::from(k));
                let tail = &f[n - k..];
                let cvar = tail.iter().sum::<f64>() / k as f64;
                let var = f[n - k - 1];
                let tail_var =
                    tail.iter().map(|x| (x - cvar).powi(2)).sum::<f64>() / (k - 1).max(1) as f64;
                // The asymptotic standard error of the CVaR estimate (tail variance plus the
                // quantile's share), doubled: 1.96 x 2 standard errors.
                let se = ((tail_var + 0.95 * (cvar - var).powi(2)) / (n as f64 * 0.05)).sqrt();
                cvar + 2.0 * 1.96 * se
            }
        };
        let vh: f64 = vh.to_string().parse().unwrap();
        assert!(
            vh <= upper,
            "{objective}: heuristic {vh} above {upper} ({:?} against {:?})",
            counts(&h),
            counts(&e)
        );
    }
}

#[test]
fn recommendation_toml_appended_to_the_scenario_loads_with_the_counts_of_recommend_json() {
    // mixed(): 2 always-on VMs at 0.2 an hour, against a subscription at 0.075 and
    // reservations at 0.08 and 0.09: something is bought.
    let dir = tempfile::tempdir().unwrap();
    let text = mixed(2, "6", "mean", 10_000_000);
    let path = dir.path().join("rec.toml");
    std::fs::write(&path, &text).unwrap();
    let out = dir.path().join("out");
    let run = capsim()
        .arg("recommend")
        .arg(&path)
        .args(["--trials", "20", "--check-trials", "20", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("recommend.json")).unwrap()).unwrap();
    let c: Vec<u32> = json["recommended"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    assert_eq!(c.len(), 3);
    assert!(c.iter().any(|&x| x > 0), "{c:?}");
    for (i, o) in json["offers"].as_array().unwrap().iter().enumerate() {
        assert_eq!(o["count"].as_u64(), Some(u64::from(c[i])));
    }

    let toml = std::fs::read_to_string(out.join("recommendation.toml")).unwrap();
    let joined = dir.path().join("joined.toml");
    std::fs::write(&joined, format!("{text}\n{toml}")).unwrap();
    let s = Scenario::load(&joined).unwrap_or_else(|e| panic!("{e}"));
    let st = s
        .strategies
        .iter()
        .find(|st| st.name == "recommended")
        .expect("a strategy named recommended");
    // The entries in the spec's order: zonal (the no-upfront offer, 2), regional (all
    // upfront, 1), then the subscription (0); only the offers bought.
    let mut want_reserves = Vec::new();
    if c[2] > 0 {
        want_reserves.push((Some("z1"), "no_upfront".to_string(), c[2]));
    }
    if c[1] > 0 {
        want_reserves.push((None, "all_upfront".to_string(), c[1]));
    }
    let got_reserves: Vec<_> = st
        .reserves
        .iter()
        .map(|r| {
            assert_eq!(s.types[r.instance_type].name, "m.mix");
            assert_eq!(r.term.to_string(), "1y");
            (
                r.zone.map(|z| s.zones[z].as_str()),
                r.payment.to_string(),
                r.count,
            )
        })
        .collect();
    assert_eq!(got_reserves, want_reserves);
    let got_subs: Vec<_> = st
        .subscribes
        .iter()
        .map(|x| (s.zones[x.zone].as_str(), x.duration.to_string(), x.count))
        .collect();
    let want_subs: Vec<_> = if c[0] > 0 {
        vec![("z1", "1mo".to_string(), c[0])]
    } else {
        Vec::new()
    };
    assert_eq!(got_subs, want_subs);
}

#[test]
fn a_taken_name_gives_recommended_2() {
    let body = format!(
        r#"{SMALL}
{}
[[strategy]]
name = "recommended"
[[strategy.reserve]]
instance_type = "m.small"
count = 1
term = "1y"
payment = "all_upfront"

[recommend]
trials = 2
check_trials = 2
[[recommend.offer]]
reserve = {{ instance_type = "m.small", term = "1y", payment = "partial_upfront" }}
max_count = 3
"#,
        constant(2)
    );
    let (_, rec) = run(&scenario("aws", "7d", &body));
    assert_eq!(rec.strategy.name, "recommended-2");
    // 2 VMs: the partial-upfront reservation (0.08 an hour) beats pay-as-you-go (0.2).
    assert_eq!(counts(&rec), vec![2]);
}

/// An engine with many subscribed cells across its plans (a recommendation's batch) keeps the
/// VM changes of every hour instead of asking each plan: every plan's bill must be the one it
/// gets alone, where only the hours it needs are kept. Short lifetimes and subscribed counts
/// around the usage make many hours need the exact integral; one subscription bought mid-hour
/// changes its count inside an hour.
#[test]
fn many_subscribed_plans_bill_as_each_alone() {
    let mut body = String::from(
        r#"[[instance_type]]
name = "m.small"
family = "m"
units = 1
payg_hourly = "0.2"
[instance_type.subscription]
monthly = "74.4"

[[fleet]]
name = "web"
instance_type = "m.small"
zone = "z1"
baseline = 3
[fleet.arrivals]
rate_per_hour = 6.0
[fleet.lifetime]
dist = "exponential"
mean = "30min"
"#,
    );
    for k in 0..20 {
        body += &format!(
            "\n[[strategy]]\nname = \"s{k}\"\n[[strategy.subscribe]]\ninstance_type = \"m.small\"\nzone = \"z1\"\ncount = {}\nduration = \"1mo\"\n",
            k + 1
        );
        if k % 5 == 0 {
            body += "[[strategy.subscribe]]\ninstance_type = \"m.small\"\nzone = \"z1\"\ncount = 2\nduration = \"1mo\"\nat = \"2026-01-03T10:17:41Z\"\n";
        }
    }
    let text = scenario("alibaba", "14d", &body);
    let (_dir, loaded) = load_text("many.toml", &text);
    let all = loaded.unwrap_or_else(|e| panic!("{e}"));
    let engine = Engine::new(&all).unwrap();
    assert!(
        engine.plans.iter().map(|p| p.covers.len()).sum::<usize>() > 16,
        "enough subscribed cells to keep every hour's changes"
    );
    let mut ws = engine.workspace();
    for trial in 0..3 {
        let together = engine.trial(7, trial, &mut ws).unwrap();
        for (k, st) in all.strategies.iter().enumerate() {
            let mut alone_scenario = all.clone();
            alone_scenario.strategies = vec![st.clone()];
            let alone = Engine::new(&alone_scenario).unwrap();
            let mut aws = alone.workspace();
            let bills = alone.trial(7, trial, &mut aws).unwrap();
            assert_eq!(bills[1], together[k + 1], "trial {trial}, {}", st.name);
        }
    }
}

/// The message of a recommendation refused as bad input, the temporary file's path as
/// `{file}`.
fn refusal(text: &str, trials: Option<u32>) -> String {
    let (dir, loaded) = load_text("rec.toml", text);
    let s = loaded.unwrap_or_else(|e| panic!("{e}"));
    let options = Options {
        trials,
        check_trials: None,
        seed: None,
        threads: 1,
    };
    let Err(e) = recommend(&s, options, &AtomicBool::new(false), &mut |_| {}) else {
        panic!("refused");
    };
    assert_eq!(e.exit_code(), 2, "{e}");
    e.to_string()
        .replace(&dir.path().join("rec.toml").display().to_string(), "{file}")
}

#[test]
fn a_scenario_with_nothing_to_buy_is_refused() {
    // A type with neither reserved nor subscription prices: no default offer exists.
    let body = format!(
        "[[instance_type]]\nname = \"m.small\"\nfamily = \"m\"\nunits = 1\npayg_hourly = \"0.2\"\n\n{}",
        constant(3)
    );
    assert_eq!(
        refusal(&scenario("aws", "14d", &body), None),
        "{file}: [recommend]: found nothing to buy: no fleet runs an instance type with a reserved price for a term within the horizon or a subscription price; list what may be bought in [[recommend.offer]] tables"
    );
}

#[test]
fn trials_whose_exact_totals_pass_a_gibibyte_are_refused_with_the_count_allowed() {
    // No strategy in the file: pay-as-you-go, the recommendation and the runner-up, 3 x 16
    // bytes a trial, and one default offer (SMALL's subscription; its 1y terms are longer than
    // the 14 days) with its peak usage, 8 bytes: 56 bytes, and 2^30 / 56 = 19,173,961 trials
    // fit.
    let body = format!("{SMALL}\n{}", constant(3));
    assert_eq!(
        refusal(&scenario("aws", "14d", &body), Some(19_173_962)),
        "{file}: --trials or [recommend] trials: found 19,173,962, expected at most 19,173,961 for this scenario: each trial keeps 56 bytes: an exact total of 16 bytes for each of 3 strategies (pay-as-you-go, the file's 0, the recommendation and the runner-up) and 8 for the peak usage of each of 1 offers, and a recommendation holds at most 1 GiB of them"
    );
}

#[test]
fn first_day_cash_counts_the_purchase_payments_not_hourly_fees_nor_renewals() {
    // Alibaba settles hourly fees whenever they reach the auto-deduction threshold; at 0.01
    // every hour's fee of a reservation is paid within the hour, many times on the first day.
    // `max_upfront` bounds the purchase payments only: the partial upfront 438 of SMALL per
    // instance, the 74.4 of the first month of a subscription, and for a 1d reservation of
    // m.day renewed daily, its first day's price of 5 and not the renewals' 5 each.
    let body = format!(
        r#"{SMALL}
[[instance_type]]
name = "m.day"
family = "d"
units = 1
payg_hourly = "1"
[instance_type.reserved.1d]
all_upfront = "5"

[[fleet]]
name = "steady"
instance_type = "m.small"
zone = "z1"
baseline = 3
[[fleet]]
name = "days"
instance_type = "m.day"
zone = "z1"
baseline = 1

[recommend]
trials = 2
check_trials = 2
[[recommend.offer]]
reserve = {{ instance_type = "m.small", term = "1y", payment = "partial_upfront" }}
max_count = 3
[[recommend.offer]]
subscribe = {{ instance_type = "m.small", zone = "z1", duration = "1mo" }}
max_count = 3
[[recommend.offer]]
reserve = {{ instance_type = "m.day", term = "1d", payment = "all_upfront", renew = true }}
max_count = 1
"#
    );
    let text = scenario("alibaba", "14d", &body).replace(
        "profile = \"alibaba\"",
        "profile = \"alibaba\"\nauto_deduct_threshold = \"0.01\"",
    );
    let (_, rec) = run(&text);
    let each: Vec<Decimal> = rec.offers.iter().map(|o| o.offer.first_day_each).collect();
    assert_eq!(each, vec![d("438"), d("74.4"), d("5")]);
}

#[test]
fn check_trials_follow_the_command_lines_trials_unless_the_file_sets_them() {
    let body = format!("{SMALL}\n{}", constant(2));
    let options = |trials| Options {
        trials: Some(trials),
        check_trials: None,
        seed: None,
        threads: 1,
    };
    for (table, want) in [("", 3), ("[recommend]\ncheck_trials = 2\n", 2)] {
        let text = scenario("aws", "3d", &format!("{body}\n{table}"));
        let (_dir, loaded) = load_text("rec.toml", &text);
        let s = loaded.unwrap_or_else(|e| panic!("{e}"));
        let r = recommend(&s, options(3), &AtomicBool::new(false), &mut |_| {})
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((r.settings.trials, r.settings.check_trials), (3, want));
    }
}

#[test]
fn too_many_check_trials_are_refused_before_anything_is_billed() {
    // A century of monthly cash per strategy and trial: 2,000,000 check trials pass the 4 GiB
    // of samples a run may hold, whatever the exact count allowed.
    let body = format!(
        "{SMALL}\n{}\n[recommend]\ntrials = 1\ncheck_trials = 2000000\n",
        constant(1)
    );
    let (_dir, loaded) = load_text("rec.toml", &scenario("aws", "100y", &body));
    let s = loaded.unwrap_or_else(|e| panic!("{e}"));
    let mut billed = 0u64;
    let options = Options {
        trials: None,
        check_trials: None,
        seed: None,
        threads: 1,
    };
    let Err(e) = recommend(&s, options, &AtomicBool::new(false), &mut |step| {
        if let capsim::recommend::Step::Billed(n) = step {
            billed += n;
        }
    }) else {
        panic!("refused");
    };
    assert_eq!(e.exit_code(), 2);
    let m = e.to_string();
    assert!(
        m.contains("--check-trials or [recommend] check_trials: found 2,000,000, expected at most"),
        "{m}"
    );
    assert_eq!(billed, 0, "refused before the search");
}
