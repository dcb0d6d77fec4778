//! The `[recommend]` table (docs/spec.md, section 12): its settings, its offers, the default
//! offers, and one exact message per bad input.

use super::common::{capsim, d, load, load_text, repo_file};
use capsim::profile::Payment;
use capsim::scenario::recommend::{Buy, Objective, Offer, Recommend};
use capsim::scenario::{Reserve, Scenario, Subscribe};
use capsim::time::Duration;

/// A small valid scenario without `[recommend]`; each case appends one.
const BASE: &str = r#"[scenario]
name = "t"
start = "2026-01-01T00:00:00Z"
horizon = "2y"
trials = 300

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

[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "ecs.g6.large"
count = 2
term = "1y"
payment = "all_upfront"
"#;

/// The message for BASE with `tail` appended, with the file's path replaced by `{file}`.
fn message(tail: &str) -> String {
    let (dir, result) = load_text("s.toml", &format!("{BASE}{tail}"));
    let e = result.expect_err("the scenario must be rejected");
    e.to_string()
        .replace(&dir.path().join("s.toml").display().to_string(), "{file}")
}

/// The scenario of BASE with `tail` appended, which must be valid.
fn accepted(tail: &str) -> Scenario {
    let (_dir, result) = load_text("s.toml", &format!("{BASE}{tail}"));
    result.unwrap_or_else(|e| panic!("{e}"))
}

/// A reservation offer as the defaults build it: regional, size-flexible, bought at `start`.
fn regional(
    s: &Scenario,
    ti: usize,
    term: &str,
    payment: Payment,
    upfront: &str,
    hourly: &str,
) -> Offer {
    let term: Duration = term.parse().unwrap();
    Offer {
        buy: Buy::Reserve(Reserve {
            instance_type: ti,
            zone: None,
            size_flexible: true,
            count: 0,
            term,
            payment,
            at: s.start,
            renew: term.after(s.start, s.billing.calendar_zone) < s.end,
            upfront: d(upfront),
            hourly: d(hourly),
        }),
        max_count: None,
    }
}

/// A renewed subscription offer bought at `start`.
fn subscription(s: &Scenario, ti: usize, zone: usize, duration: &str, fee: &str) -> Offer {
    Offer {
        buy: Buy::Subscribe(Subscribe {
            instance_type: ti,
            zone,
            count: 0,
            duration: duration.parse().unwrap(),
            at: s.start,
            renew: true,
            fee: d(fee),
        }),
        max_count: None,
    }
}

#[test]
fn each_bad_recommend_table_has_one_exact_message() {
    // BASE has 33 lines: an appended `[recommend]` is line 34, its first key line 35.
    assert_eq!(BASE.lines().count(), 33);
    let cases: &[(&str, &str, &str)] = &[
        (
            "an unknown key",
            "[recommend]\nobjectve = \"p90\"\n",
            "{file}:35:1: recommend.objectve: found unknown key \"objectve\", expected one of objective, trials, check_trials, max_upfront, base, exhaustive_limit, offer; did you mean \"objective\"?",
        ),
        (
            "an unknown objective",
            "[recommend]\nobjective = \"p99\"\n",
            "{file}:35:13: recommend.objective: found \"p99\", expected \"mean\", \"p90\", \"p95\" or \"cvar95\"; did you mean \"p90\"?",
        ),
        (
            "an offer with both reserve and subscribe",
            "[recommend]\n[[recommend.offer]]\nreserve = { instance_type = \"ecs.g6.large\", term = \"1y\", payment = \"all_upfront\" }\nsubscribe = { instance_type = \"ecs.g6.large\", duration = \"1mo\" }\n",
            "{file}:37:13: recommend.offer[0].subscribe: found both \"reserve\" and \"subscribe\"; expected exactly one of reserve = { instance_type, term, payment, size_flexible, zone, renew } or subscribe = { instance_type, zone, duration, renew }, and optionally max_count",
        ),
        (
            "an unknown base strategy",
            "[recommend]\nbase = \"current\"\n",
            "{file}:35:8: recommend.base: found \"current\", expected the name of one of the file's strategies: \"ri\"",
        ),
        (
            "a term not priced for the type",
            "[recommend]\n[[recommend.offer]]\nreserve = { instance_type = \"ecs.g6.large\", term = \"3y\", payment = \"all_upfront\" }\n",
            // `reserve = { instance_type = "ecs.g6.large", term = ` is 51 characters.
            "{file}:36:52: recommend.offer[0].reserve.term: found \"3y\", expected a term priced for ecs.g6.large: \"1y\"",
        ),
        (
            "a payment the profile does not allow",
            "[recommend]\n[[recommend.offer]]\nreserve = { instance_type = \"ecs.g6.large\", term = \"1y\", payment = \"monthly\" }\n",
            // ... `term = "1y", payment = ` adds 16 characters to the 51.
            "{file}:36:68: recommend.offer[0].reserve.payment: found \"monthly\", expected a payment option of the alibaba rules: \"all_upfront\", \"partial_upfront\" or \"no_upfront\"",
        ),
        (
            "an unknown zone",
            "[recommend]\n[[recommend.offer]]\nsubscribe = { instance_type = \"ecs.g6.large\", zone = \"cn-hangzhou-x\", duration = \"1mo\" }\n",
            // `subscribe = { instance_type = "ecs.g6.large", zone = ` is 53 characters.
            "{file}:36:54: recommend.offer[0].subscribe.zone: found \"cn-hangzhou-x\", expected one of the fleets' zones: \"cn-hangzhou-h\"; did you mean \"cn-hangzhou-h\"?",
        ),
        (
            "a zonal size-flexible reservation under the alibaba rules",
            "[recommend]\n[[recommend.offer]]\nreserve = { instance_type = \"ecs.g6.large\", zone = \"cn-hangzhou-h\", size_flexible = true, term = \"1y\", payment = \"all_upfront\" }\n",
            // `reserve = { instance_type = "ecs.g6.large", zone = "cn-hangzhou-h", size_flexible = ` is 84 characters.
            "{file}:36:85: recommend.offer[0].reserve.size_flexible: found size_flexible = true on a zonal reservation, but under the alibaba rules a zonal reservation is not size-flexible; expected no zone (a regional, size-flexible reservation) or size_flexible = false",
        ),
        (
            "an unknown key in an offer's reservation",
            "[recommend]\n[[recommend.offer]]\nreserve = { instance_type = \"ecs.g6.large\", term = \"1y\", payment = \"all_upfront\", count = 3 }\n",
            // `count` is not an offer's key: the search chooses it. It starts after 82 characters.
            "{file}:36:83: recommend.offer[0].reserve.count: found unknown key \"count\", expected one of instance_type, zone, size_flexible, term, payment, renew",
        ),
        (
            "a max_count of 0",
            "[recommend]\n[[recommend.offer]]\nsubscribe = { instance_type = \"ecs.g6.large\", duration = \"1mo\" }\nmax_count = 0\n",
            "{file}:37:13: recommend.offer[0].max_count: found 0, expected a whole number from 1 to 10,000,000",
        ),
        (
            "search trials out of range",
            "[recommend]\ntrials = 0\n",
            "{file}:35:10: recommend.trials: found 0, expected a whole number of trials from 1 to 100,000,000",
        ),
        (
            "an exhaustive limit out of range",
            "[recommend]\nexhaustive_limit = 10_000_001\n",
            "{file}:35:20: recommend.exhaustive_limit: found 10_000_001, expected a whole number of portfolios from 1 to 10,000,000",
        ),
        (
            "an offer listed twice",
            "[recommend]\n[[recommend.offer]]\nsubscribe = { instance_type = \"ecs.g6.large\", duration = \"1mo\" }\n[[recommend.offer]]\nsubscribe = { instance_type = \"ecs.g6.large\", duration = \"1mo\" }\nmax_count = 5\n",
            // [recommend] is line 34: the second [[recommend.offer]] table starts on line 37.
            "{file}:37:1: recommend.offer[1]: found the same purchase as recommend.offer[0], expected each offer once (offer 1 would only double the portfolios searched; raise max_count instead)",
        ),
        (
            "a negative max_upfront",
            "[recommend]\nmax_upfront = \"-1\"\n",
            "{file}:35:15: recommend.max_upfront: found \"-1\", expected an amount from 0 to 1,000,000,000 such as \"0.152\" or \"1000\" (digits with an optional decimal point)",
        ),
    ];
    for (what, tail, want) in cases {
        assert_eq!(&message(tail), want, "{what}");
    }
}

#[test]
fn an_offer_with_neither_reserve_nor_subscribe_says_which_keys_are_allowed() {
    let m = message("[recommend]\n[[recommend.offer]]\nmax_count = 3\n");
    // The error points at the offer's `[[recommend.offer]]` header, line 35.
    let want = "{file}:35:1: recommend.offer[0]: found an offer without \"reserve\" or \"subscribe\", expected exactly one of reserve = { instance_type, term, payment, size_flexible, zone, renew } or subscribe = { instance_type, zone, duration, renew }, and optionally max_count";
    assert_eq!(m, want);
}

#[test]
fn explicit_settings_and_offers_are_read_back() {
    let s = accepted(
        r#"[recommend]
objective = "p95"
trials = 40
check_trials = 70
max_upfront = "2500.50"
base = "ri"
exhaustive_limit = 99
[[recommend.offer]]
reserve = { instance_type = "ecs.g6.large", term = "1y", payment = "no_upfront", size_flexible = true, renew = true }
max_count = 30
[[recommend.offer]]
subscribe = { instance_type = "ecs.g6.large", zone = "cn-hangzhou-h", duration = "1mo" }
"#,
    );
    let r = s.recommend.clone().expect("the table is read");
    assert_eq!(r.objective, Objective::P95);
    assert_eq!((r.trials, r.check_trials), (40, 70));
    assert_eq!(r.max_upfront, Some(d("2500.50")));
    assert_eq!(r.base, Some(0));
    assert_eq!(r.exhaustive_limit, 99);
    assert!(!r.default_offers);
    let mut reserve = regional(&s, 0, "1y", Payment::NoUpfront, "0", "0.096");
    reserve.max_count = Some(30);
    let mut sub = subscription(&s, 0, 0, "1mo", "70");
    if let Buy::Subscribe(x) = &mut sub.buy {
        x.renew = false;
    }
    assert_eq!(r.offers, vec![reserve, sub]);
    assert_eq!(Recommend::of(&s), r);
}

#[test]
fn settings_default_as_the_spec_says() {
    // trials: min(300, 500) = 300; check_trials: the search trials.
    let s = accepted("[recommend]\n");
    let r = s.recommend.clone().unwrap();
    assert_eq!(r.objective, Objective::Mean);
    assert_eq!((r.trials, r.check_trials), (300, 300));
    assert_eq!(
        (r.max_upfront, r.base, r.exhaustive_limit),
        (None, None, 20_000)
    );
    assert!(r.default_offers);
    // Search trials given, check trials not: they follow the search trials.
    let r = accepted("[recommend]\ntrials = 7\n").recommend.unwrap();
    assert_eq!((r.trials, r.check_trials), (7, 7));
    // Without the table: nothing is read, and the defaults are the same as an empty table's.
    let s = accepted("");
    assert_eq!(s.recommend, None);
    assert_eq!(
        Recommend::of(&s),
        accepted("[recommend]\n").recommend.unwrap()
    );
}

#[test]
fn the_default_reservation_is_the_familys_cheapest_type_per_unit() {
    // A second type of the family, 8 units, priced 1500 all-upfront for 1y: 187.5 a unit
    // against ecs.g6.large's 800 / 4 = 200, so the all-upfront offer buys it; it has no
    // no-upfront price, so that offer buys ecs.g6.large (0.096 x hours / 4). The 2y horizon
    // renews the 1y terms. Alibaba allows all, partial and no upfront; neither type prices
    // partial. The fleet's (ecs.g6.large, cn-hangzhou-h) has a monthly price of 70.
    let text = BASE.replace(
        "[[fleet]]",
        "[[instance_type]]\nname = \"ecs.g6.xlarge\"\nfamily = \"ecs.g6\"\nunits = 8\npayg_hourly = \"0.304\"\n[instance_type.reserved.1y]\nall_upfront = \"1500\"\n\n[[fleet]]",
    );
    let (_dir, result) = load_text("s.toml", &text);
    let s = result.unwrap_or_else(|e| panic!("{e}"));
    let want = vec![
        regional(&s, 1, "1y", Payment::AllUpfront, "1500", "0"),
        regional(&s, 0, "1y", Payment::NoUpfront, "0", "0.096"),
        subscription(&s, 0, 0, "1mo", "70"),
    ];
    assert_eq!(Recommend::of(&s).offers, want);
}

#[test]
fn default_offers_of_the_example() {
    // scenarios/example.toml, alibaba rules (all, partial and no upfront), horizon 3y; the
    // fleets run ecs.g6.large in cn-hangzhou-h and ecs.g6.xlarge in cn-hangzhou-i, one family.
    // 1y: all upfront 800 / 4 = 1600 / 8 = 200 a unit, partial (410 + 0.047 h) / 4 =
    // (820 + 0.094 h) / 8, no upfront 0.096 h / 4 = 0.192 h / 8: ties, so ecs.g6.large, the
    // first in the file; 1y < 3y, renewed. 3y: only ecs.g6.large has a price, all upfront
    // 1900; it ends at the horizon's end, not renewed. Subscriptions: both pairs have a
    // monthly price (70, 140): 1mo, renewed. Search trials min(2000, 500) = 500.
    let s = load(&repo_file("scenarios/example.toml"));
    let r = Recommend::of(&s);
    let want = vec![
        regional(&s, 0, "1y", Payment::AllUpfront, "800", "0"),
        regional(&s, 0, "1y", Payment::PartialUpfront, "410", "0.0470"),
        regional(&s, 0, "1y", Payment::NoUpfront, "0", "0.0960"),
        regional(&s, 0, "3y", Payment::AllUpfront, "1900", "0"),
        subscription(&s, 0, 0, "1mo", "70"),
        subscription(&s, 1, 1, "1mo", "140"),
    ];
    assert_eq!(r.offers, want);
    let Buy::Reserve(three) = &r.offers[3].buy else {
        panic!("a reservation")
    };
    assert!(!three.renew, "a 3y term over a 3y horizon is not renewed");
    assert_eq!(
        (r.trials, r.check_trials, r.default_offers),
        (500, 500, true)
    );
}

#[test]
fn default_offers_of_the_bench() {
    // scenarios/bench.toml, generic rules (all four payments), horizon 3y; one family m:
    // m.large (2 units), m.xlarge (4), m.2xlarge (8); fleets run m.large in z1, m.xlarge in
    // z2, m.2xlarge in z1. 1y all upfront: 500/2 = 1000/4 = 2000/8 = 250 a unit; partial:
    // (255 + 0.029 h)/2 = (510 + 0.058 h)/4 (m.2xlarge has none); no upfront: 0.062/2 =
    // 0.124/4 = 0.248/8; monthly: the all-upfront prices: ties, so m.large, renewed. 3y: all
    // upfront 1150/2 = 2300/4 = 575, m.large; monthly likewise; no partial or no-upfront 3y
    // price; not renewed. Subscriptions: only m.large (in z1) has a price, monthly 48.
    // Search trials min(200, 500) = 200.
    let s = load(&repo_file("scenarios/bench.toml"));
    let r = Recommend::of(&s);
    let want = vec![
        regional(&s, 0, "1y", Payment::AllUpfront, "500", "0"),
        regional(&s, 0, "1y", Payment::PartialUpfront, "255", "0.029"),
        regional(&s, 0, "1y", Payment::NoUpfront, "0", "0.062"),
        regional(&s, 0, "1y", Payment::Monthly, "500", "0"),
        regional(&s, 0, "3y", Payment::AllUpfront, "1150", "0"),
        regional(&s, 0, "3y", Payment::Monthly, "1150", "0"),
        subscription(&s, 0, 0, "1mo", "48"),
    ];
    assert_eq!(r.offers, want);
    assert_eq!((r.trials, r.check_trials), (200, 200));
}

#[test]
fn validate_prints_the_settings_and_the_offers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    let tail = "[recommend]\nobjective = \"cvar95\"\nmax_upfront = \"2500\"\nbase = \"ri\"\n[[recommend.offer]]\nreserve = { instance_type = \"ecs.g6.large\", term = \"1y\", payment = \"all_upfront\", size_flexible = true, renew = true }\nmax_count = 30\n";
    std::fs::write(&path, format!("{BASE}{tail}")).unwrap();
    let out = capsim().arg("validate").arg(&path).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let want = "recommend: objective cvar95, 300 search trials, 300 check trials, exhaustive search up to 20000 portfolios, first-day cash at most 2500 USD, adding to strategy \"ri\"\noffers (1):\n  reserve ecs.g6.large 1y all_upfront regional, size-flexible, renewed, at most 30\n";
    assert!(text.ends_with(want), "{text}");

    // The defaults are marked as such.
    std::fs::write(&path, format!("{BASE}[recommend]\n")).unwrap();
    let out = capsim().arg("validate").arg(&path).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let want = "offers (3, the defaults):\n  reserve ecs.g6.large 1y all_upfront regional, size-flexible, renewed\n  reserve ecs.g6.large 1y no_upfront regional, size-flexible, renewed\n  subscribe ecs.g6.large in cn-hangzhou-h for 1mo, renewed\n";
    assert!(text.ends_with(want), "{text}");

    // Without the table, validate prints nothing of it.
    std::fs::write(&path, BASE).unwrap();
    let out = capsim().arg("validate").arg(&path).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("recommend") && !text.contains("offers"),
        "{text}"
    );
}
