//! Every profile rule can be overridden in `[billing]` and the override takes effect.

use super::common::{bill_of, bills, d, load_text};
use capsim::billing::CashKind;
use capsim::charge::{ChargeKind, Component};
use capsim::engine::Engine;
use capsim::time::parse_instant;

/// An Alibaba scenario with one always-on VM of 4 units in zone "h", a reservation bought at
/// 22:45 on the first day, and `billing` added to `[billing]`.
fn scenario(billing: &str, reserve: &str) -> String {
    format!(
        r#"[scenario]
name = "p"
start = "2026-01-01T00:00:00+08:00"
horizon = "2mo"

[billing]
profile = "alibaba"
{billing}

[[instance_type]]
name = "g.large"
family = "g"
units = 4
payg_hourly = "1"
[instance_type.reserved.1mo]
all_upfront = "500"
no_upfront = {{ hourly = "0.5" }}
[instance_type.subscription]
monthly = "300"

[[fleet]]
name = "one"
instance_type = "g.large"
zone = "h"
baseline = 1

[[strategy]]
name = "s"
{reserve}
"#
    )
}

const RESERVE: &str = r#"[[strategy.reserve]]
instance_type = "g.large"
count = 1
term = "1mo"
payment = "no_upfront"
at = "2026-01-01T22:45:00+08:00""#;

#[test]
fn the_reservation_window_can_be_exact() {
    // Alibaba's window: from 22:00 Jan 1 (the clock hour of purchase) to 24:00 of
    // Jan 1 + 1mo + 1 day = Feb 2, i.e. 00:00 Feb 3: 744 h to 22:00 Feb 1, then 26 h more
    // (as the vendor's 1-year example: 8,760 + 26 h) = 770 h of fees at 0.5.
    let (_dir, s) = load_text("s.toml", &scenario("", RESERVE));
    let s = s.unwrap();
    assert_eq!(
        bill_of(&bills(&s, 0), "s")[Component::CommitmentRecurring],
        d("385")
    );
    // Exact: from 22:45 Jan 1 for one month, to 22:45 Feb 1: 31 days = 744 h, at 0.5.
    let (_dir, s) = load_text(
        "s.toml",
        &scenario("reservation_window = \"exact\"", RESERVE),
    );
    let s = s.unwrap();
    assert_eq!(
        bill_of(&bills(&s, 0), "s")[Component::CommitmentRecurring],
        d("372")
    );
}

#[test]
fn the_bill_day_moves_the_monthly_bill() {
    // No reservation: pay-as-you-go of January (744 h at 1) is paid on the bill day of
    // February at 00:00 UTC+8. Bill day 15: the first bill, on Jan 15, pays Jan 1-14.
    let (_dir, s) = load_text("s.toml", &scenario("bill_day = 15", ""));
    let s = s.unwrap();
    let engine = Engine::new(&s).expect("engine");
    let mut ws = engine.workspace();
    engine.fill(s.seed, 0, &mut ws).unwrap();
    engine.bill(0, &mut ws).unwrap();
    let flows = engine.cash_timeline(0, &ws).unwrap();
    let first = flows
        .iter()
        .find(|f| f.kind == CashKind::UsageBill)
        .unwrap();
    assert_eq!(
        first.at,
        parse_instant("2026-01-15T00:00:00+08:00").unwrap()
    );
    assert_eq!(first.amount, d("336")); // 14 days x 24 h at 1
}

#[test]
fn payments_zonal_flexibility_and_durations_can_be_widened() {
    // Alibaba has no monthly payment, no zonal size-flexible reservation and no 4-month
    // subscription; each is allowed once its rule says so.
    let monthly = RESERVE.replace("no_upfront", "monthly");
    let (_dir, s) = load_text("s.toml", &scenario("", &monthly));
    assert!(
        s.unwrap_err()
            .message
            .contains("a payment option of the alibaba rules")
    );
    let (_dir, s) = load_text(
        "s.toml",
        &scenario(
            "payments = [\"all_upfront\", \"monthly\"]\nreservation_window = \"exact\"",
            &monthly,
        ),
    );
    // Monthly over a 1-month term: one instalment of 500 at purchase, nothing upfront.
    let b = bills(&s.unwrap(), 0);
    assert_eq!(bill_of(&b, "s")[Component::Instalments], d("500"));
    assert_eq!(bill_of(&b, "s")[Component::Upfront], d("0"));

    let zonal = format!("{RESERVE}\nzone = \"h\"\nsize_flexible = true");
    let (_dir, s) = load_text("s.toml", &scenario("", &zonal));
    assert!(
        s.unwrap_err()
            .message
            .contains("a zonal reservation is not size-flexible")
    );
    let (_dir, s) = load_text("s.toml", &scenario("zonal_size_flexible = true", &zonal));
    assert!(s.is_ok());

    let subscribe =
        "[[strategy.subscribe]]\ninstance_type = \"g.large\"\ncount = 1\nduration = \"4mo\"";
    let (_dir, s) = load_text("s.toml", &scenario("", subscribe));
    assert!(
        s.unwrap_err()
            .message
            .contains("a subscription duration of the alibaba rules")
    );
    let (_dir, s) = load_text(
        "s.toml",
        &scenario("subscription_durations = [\"1mo\", \"4mo\"]", subscribe),
    );
    // 4 months at 300, paid at the start of the horizon.
    assert_eq!(
        bill_of(&bills(&s.unwrap(), 0), "s")[Component::Subscription],
        d("1200")
    );
}

#[test]
fn retention_and_auto_deduction_can_be_changed() {
    // An unrenewed 1-month subscription bought at the start expires at 00:00 Feb 2 (UTC+8)
    // (Jan 1 + 1mo = Feb 1, to 23:59:59); with retention 7 it is released on Feb 9.
    let subscribe =
        "[[strategy.subscribe]]\ninstance_type = \"g.large\"\ncount = 1\nduration = \"1mo\"";
    let (_dir, s) = load_text("s.toml", &scenario("retention_days = 7", subscribe));
    let s = s.unwrap();
    let engine = Engine::new(&s).expect("engine");
    let events = &engine.plans[1].events;
    let at = |kind: &str| events.iter().find(|e| e.kind == kind).unwrap().at;
    assert_eq!(
        at("expiry"),
        parse_instant("2026-02-02T00:00:00+08:00").unwrap()
    );
    assert_eq!(
        at("release"),
        parse_instant("2026-02-09T00:00:00+08:00").unwrap()
    );

    // Fees of 0.5 an hour reach a threshold of 2 after 4 hours: the first deduction is at the
    // end of the fourth active hour, 02:00 Jan 2 (the window starts at 22:00 Jan 1).
    let (_dir, s) = load_text(
        "s.toml",
        &scenario("auto_deduct_threshold = \"2\"", RESERVE),
    );
    let s = s.unwrap();
    let engine = Engine::new(&s).expect("engine");
    let deduction = engine.plans[1]
        .charges
        .iter()
        .find(|c| c.kind == ChargeKind::HourlyFee)
        .unwrap();
    assert_eq!(deduction.amount.value(), d("2"));
    assert_eq!(
        deduction.paid_at,
        parse_instant("2026-01-02T02:00:00+08:00").unwrap()
    );
}
