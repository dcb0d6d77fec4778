//! What `capsim recommend` buys (docs/spec.md, section 12), against answers derived by hand or
//! from a closed form: the newsvendor quantile, constant and zero demand, `max_upfront`, the
//! tie rule, `base`, determinism across threads, the heuristic against exhaustive search, and
//! `recommendation.toml` read back as part of the scenario.

use super::common::{capsim, d, load_text};
use capsim::engine::Engine;
use capsim::recommend::{Options, Recommendation, recommend};
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
    format!("[[fleet]]\nname = \"steady\"\ninstance_type = \"m.small\"\nzone = \"z1\"\nbaseline = {n}\n")
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
        body.push_str(&format!("[[recommend.offer]]\nreserve = {o}\nmax_count = 6\n"));
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
max_count = 12
[[recommend.offer]]
subscribe = {{ instance_type = "m.small", zone = "z1", duration = "1mo" }}
max_count = 12
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
}
