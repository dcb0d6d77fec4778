//! Purchases as kinds: a plan accepts purchases appended in time order (as a purchase policy
//! buys mid-trial), and those bill exactly as if the strategy had held them from the start.

use super::common::{d, load_text};
use capsim::charge::{ChargeKind, Component};
use capsim::engine::Engine;
use capsim::purchase::{Plan, Purchase};

/// Two regional reservations of one type, the second bought ten days in, and a subscription
/// bought twenty days in: strategy "all" holds the three, strategy "first" only the first.
const SCENARIO: &str = r#"[scenario]
name = "appended"
start = "2026-01-01T00:00:00Z"
horizon = "60d"
seed = 3

[billing]
profile = "generic"

[[instance_type]]
name = "m.large"
family = "m"
units = 2
payg_hourly = "0.10"
[instance_type.reserved.1mo]
all_upfront = "40"
partial_upfront = { upfront = "15", hourly = "0.04" }
[instance_type.subscription]
monthly = "50"

[[fleet]]
name = "web"
instance_type = "m.large"
zone = "z1"
baseline = 6
[fleet.arrivals]
rate_per_hour = 1.0
[fleet.lifetime]
dist = "exponential"
mean = "6h"

[[strategy]]
name = "all"
[[strategy.reserve]]
instance_type = "m.large"
count = 3
term = "1mo"
payment = "all_upfront"
renew = true
[[strategy.reserve]]
instance_type = "m.large"
count = 2
term = "1mo"
payment = "partial_upfront"
at = "2026-01-11T00:00:00Z"
[[strategy.subscribe]]
instance_type = "m.large"
zone = "z1"
count = 1
duration = "1mo"
at = "2026-01-21T00:00:00Z"

[[strategy]]
name = "first"
[[strategy.reserve]]
instance_type = "m.large"
count = 3
term = "1mo"
payment = "all_upfront"
renew = true
"#;

#[test]
fn purchases_appended_in_time_order_bill_as_if_held_from_the_start() {
    let (_dir, s) = load_text("s.toml", SCENARIO);
    let s = s.unwrap();
    let mut engine = Engine::new(&s).expect("engine");
    // Plan 1 holds everything from the start; plan 2 holds the first reservation and is
    // given the other two purchases later, one at a time.
    let later: Vec<Purchase> = Purchase::of_strategy(&s.strategies[0])
        .into_iter()
        .skip(1)
        .collect();
    assert_eq!(later.len(), 2);
    let mut appended: Plan = engine.plans[2].clone();
    for p in later {
        appended.append(&engine.context(), vec![p]).unwrap();
    }
    engine.plans[2] = appended;
    let all = &engine.plans[1];
    let grown = &engine.plans[2];
    assert_eq!(grown.charges, all.charges);
    assert_eq!(grown.events, all.events);
    assert_eq!(grown.entries, all.entries);
    let mut ws = engine.workspace();
    for trial in 0..5 {
        let bills = engine.trial(s.seed, trial, &mut ws).unwrap();
        let (mut a, mut b) = (bills[1].clone(), bills[2].clone());
        a.strategy.clear();
        b.strategy.clear();
        assert_eq!(a, b, "trial {trial}");
    }
    // By hand: the 60 days run to Mar 2 (31 + 28 days reach Mar 1), so the renewed 1-month
    // reservation has three periods starting inside (Jan 1, Feb 1, Mar 1): 3 x 3 x 40; plus
    // 2 x 15 upfront on Jan 11, and one 50 subscription fee on Jan 21.
    let b = &engine.trial(s.seed, 0, &mut ws).unwrap()[2];
    assert_eq!(b[Component::Upfront], d("390"));
    assert_eq!(b[Component::Subscription], d("50"));
    // 2 x 0.04 an hour over the 31 days from Jan 11 to Feb 11.
    assert_eq!(
        b[Component::CommitmentRecurring],
        d("2") * d("0.04") * d("744")
    );
    assert!(
        grown
            .charges
            .iter()
            .any(|c| c.kind == ChargeKind::HourlyFee)
    );
}

/// A purchase appended after the strategy's own entries is matched after them, even when it
/// is zonal (zonal before regional holds within one batch of purchases only).
#[test]
fn an_appended_zonal_reservation_is_matched_after_the_plan_s_own() {
    let text = SCENARIO.replace(
        "count = 2\nterm = \"1mo\"\npayment = \"partial_upfront\"",
        "count = 2\nterm = \"1mo\"\npayment = \"partial_upfront\"\nzone = \"z1\"",
    );
    let (_dir, s) = load_text("s.toml", &text);
    let s = s.unwrap();
    let engine = Engine::new(&s).expect("engine");
    // Bought together, the zonal entry comes first.
    let all = &engine.plans[1];
    assert_eq!(
        all.pools.iter().map(|p| p.purchase).collect::<Vec<_>>(),
        [1, 0]
    );
    // Appended, it comes after the first entry.
    let mut grown = engine.plans[2].clone();
    let zonal = Purchase::of_strategy(&s.strategies[0]).swap_remove(1);
    grown.append(&engine.context(), vec![zonal]).unwrap();
    assert_eq!(
        grown.pools.iter().map(|p| p.purchase).collect::<Vec<_>>(),
        [0, 1]
    );
}

/// Hourly fees of a one-hour reservation renewed every hour for a year (8,760 periods), paid
/// by auto-deduction every hour: 8,760 payments of 2 x 0.5, and the fee total 8,760.
#[test]
fn many_periods_settle_their_fees_hour_by_hour() {
    let (_dir, s) = load_text(
        "s.toml",
        r#"[scenario]
name = "hourly"
start = "2026-01-01T00:00:00Z"
horizon = "365d"

[billing]
profile = "generic"
auto_deduct_threshold = "0.5"

[[instance_type]]
name = "m"
family = "m"
units = 1
payg_hourly = "1"
[instance_type.reserved.1h]
partial_upfront = { upfront = "0", hourly = "0.5" }

[[fleet]]
name = "f"
instance_type = "m"
zone = "z"
baseline = 2

[[strategy]]
name = "h"
[[strategy.reserve]]
instance_type = "m"
count = 2
term = "1h"
payment = "partial_upfront"
renew = true
"#,
    );
    let s = s.unwrap();
    let engine = Engine::new(&s).expect("engine");
    let plan = &engine.plans[1];
    let fees: Vec<_> = plan
        .charges
        .iter()
        .filter(|c| c.kind == ChargeKind::HourlyFee)
        .collect();
    assert_eq!(fees.len(), 8_760);
    assert!(fees.iter().all(|c| c.amount.value() == d("1")));
    let mut ws = engine.workspace();
    let bills = engine.trial(s.seed, 0, &mut ws).unwrap();
    assert_eq!(bills[1][Component::CommitmentRecurring], d("8760"));
    assert_eq!(bills[1][Component::PaygCompute], d("0"));
}

/// A century (2026 to 2126: 36,524 days, 876,576 hours) with `entries` reservations of one
/// type; `extra` goes into `[billing]`.
fn century(entries: usize, payment: &str, extra: &str) -> String {
    let mut text = format!(
        r#"[scenario]
name = "century"
start = "2026-01-01T00:00:00Z"
horizon = "100y"

[billing]
profile = "generic"
{extra}

[[instance_type]]
name = "m"
family = "m"
units = 1
payg_hourly = "1"
[instance_type.reserved.100y]
all_upfront = "1000"
partial_upfront = {{ upfront = "500", hourly = "0.5" }}

[[fleet]]
name = "f"
instance_type = "m"
zone = "z"
baseline = 1

[[strategy]]
name = "s"
"#
    );
    for _ in 0..entries {
        text.push_str(&format!(
            "[[strategy.reserve]]\ninstance_type = \"m\"\ncount = 1\nterm = \"100y\"\npayment = \"{payment}\"\n"
        ));
    }
    text
}

#[test]
fn the_hourly_arrays_of_all_plans_are_bounded() {
    // 58 entries x 876,576 hours = 50,841,408 numbers, past 50,000,000.
    let (_dir, s) = load_text("s.toml", &century(58, "all_upfront", ""));
    let s = s.unwrap();
    let e = Engine::new(&s).err().expect("refused").to_string();
    assert!(
        e.ends_with("s.toml: strategy[\"s\"]: found 58 reservation entries and subscribed (type, zone) pairs over 876,576 billing hours, which bring the hourly capacity and cover of all strategies to 50,841,408 numbers, expected at most 50,000,000: shorten the horizon or use fewer entries"),
        "{e}"
    );
}

#[test]
fn hourly_fee_payments_are_bounded() {
    // A threshold of 0.000001 against fees of 0.5 an hour pays every hour: 3 entries x
    // 876,576 hours = 2,629,728 payments, past 1,000,000. Raised to 1,000,000 a payment, the
    // fees are paid on the 1,200 monthly bills: 3 x 1,200 payments.
    let (_dir, s) = load_text(
        "s.toml",
        &century(3, "partial_upfront", "auto_deduct_threshold = \"0.000001\""),
    );
    let s = s.unwrap();
    let e = Engine::new(&s).err().expect("refused").to_string();
    assert!(
        e.ends_with("s.toml: strategy \"s\": its reservations' hourly fees would be paid in more than 1,000,000 payments (one a charge), the most for all strategies together; raise [billing] auto_deduct_threshold or buy fewer entries"),
        "{e}"
    );
    let (_dir, s) = load_text(
        "s.toml",
        &century(3, "partial_upfront", "auto_deduct_threshold = \"1000000\""),
    );
    let s = s.unwrap();
    let engine = Engine::new(&s).expect("engine");
    let fees = engine.plans[1]
        .charges
        .iter()
        .filter(|c| c.kind == ChargeKind::HourlyFee)
        .count();
    assert_eq!(fees, 3 * 1_200);
}

/// The bound on fee payments holds for all strategies together: two strategies of one entry
/// each paying every hour of a 60-year horizon (525,960 hours each: 2026 to 2086 holds 15 leap
/// days) pass 1,000,000 together, and the second is named.
#[test]
fn hourly_fee_payments_are_bounded_across_strategies() {
    let one = century(1, "partial_upfront", "auto_deduct_threshold = \"0.000001\"")
        .replace("horizon = \"100y\"", "horizon = \"60y\"");
    let second = one[one.find("[[strategy]]").unwrap()..].replace("name = \"s\"", "name = \"t\"");
    let (_dir, s) = load_text("s.toml", &format!("{one}\n{second}"));
    let s = s.unwrap();
    assert_eq!(s.strategies.len(), 2);
    let e = Engine::new(&s).err().expect("refused").to_string();
    assert!(
        e.ends_with("s.toml: strategy \"t\": its reservations' hourly fees would be paid in more than 1,000,000 payments (one a charge), the most for all strategies together; raise [billing] auto_deduct_threshold or buy fewer entries"),
        "{e}"
    );
}
