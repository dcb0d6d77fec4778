//! Synthetic fleets and Monte Carlo runs against values derived independently: closed forms,
//! the distributions' own means, binomial shares. Seeds are fixed; tolerances are four
//! standard errors of the estimate (a false alarm has odds of about 1 in 16,000 per check, and
//! a fixed seed makes each check pass or fail the same way every time).

use super::common::load_text;
use capsim::charge::Component;
use capsim::engine::Engine;
use capsim::fleet::VmGroup;
use capsim::montecarlo::{Runner, Settings, TrialResult};
use capsim::scenario::Scenario;
use capsim::time::{DemandZone, HOUR};
use std::sync::atomic::AtomicBool;

fn scenario(text: &str) -> (tempfile::TempDir, Scenario) {
    let (dir, s) = load_text("s.toml", text);
    (dir, s.unwrap_or_else(|e| panic!("{e}")))
}

/// Every trial's results, in order.
fn run(s: &Scenario, trials: u64, threads: usize) -> Vec<TrialResult> {
    let engine = Engine::new(s).expect("engine");
    let runner = Runner::new(&engine);
    let mut out = Vec::new();
    let done = runner
        .run(
            Settings {
                first: 0,
                trials,
                seed: s.seed,
                threads,
            },
            &AtomicBool::new(false),
            |chunk| {
                out.extend_from_slice(chunk);
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(done, trials);
    out
}

/// The VMs of one trial.
fn vms(s: &Scenario, trial: u64) -> Vec<VmGroup> {
    let engine = Engine::new(s).expect("engine");
    let mut groups = Vec::new();
    engine
        .generator
        .generate(s, &engine.layout, s.seed, trial, &mut groups);
    groups
}

fn mean_and_se(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

fn assert_close(what: &str, got: f64, want: f64, se: f64) {
    assert!(
        (got - want).abs() <= 4.0 * se,
        "{what}: {got} is not within 4 standard errors ({se}) of {want}"
    );
}

const HEADER: &str = r#"[scenario]
name = "mc"
start = "2026-03-02T00:00:00Z"
seed = 2024
"#;

#[test]
fn an_m_m_infinity_fleet_costs_its_closed_form() {
    // Poisson arrivals of 6 an hour, exponential lifetimes of mean 5 h, started in steady
    // state: the number of VMs running is Poisson with mean 6 x 5 = 30 at every instant, so
    // the expected usage over 60 days is 30 x 1,440 h = 43,200 VM-hours, and at 0.5 an hour
    // the expected pay-as-you-go cost is 21,600.
    let (_dir, s) = scenario(&format!(
        r#"{HEADER}horizon = "60d"

[[instance_type]]
name = "m"
payg_hourly = "0.5"

[[fleet]]
name = "mm"
instance_type = "m"
[fleet.arrivals]
rate_per_hour = 6
[fleet.lifetime]
dist = "exponential"
mean = "5h"
"#
    ));
    let results = run(&s, 300, 0);
    let payg: Vec<f64> = results
        .iter()
        .map(|t| {
            t.outcomes[0].bill[Component::PaygCompute]
                .try_into()
                .unwrap()
        })
        .collect();
    let (mean, se) = mean_and_se(&payg);
    assert_close("mean payg cost", mean, 21_600.0, se);
    // The spread is that of a real process, not a constant: Var of the time integral of an
    // M/M/inf count over T >> mu is about 2 lambda mu^2 T = 2 x 6 x 25 x 1,440 h^2.
    let sd = se * (payg.len() as f64).sqrt();
    let want_sd = 0.5 * (2.0f64 * 6.0 * 25.0 * 1440.0).sqrt();
    assert!(
        (sd / want_sd - 1.0).abs() < 0.2,
        "sd {sd} against about {want_sd}"
    );
}

#[test]
fn diurnal_and_weekly_weights_shape_the_arrivals_in_local_time() {
    // 28 days from a Monday in Shanghai time; 2 arrivals an hour times the weights. Hour h of
    // weekday d expects 2 x diurnal[h] x weekly[d] x 4 weeks arrivals per trial.
    let diurnal: Vec<f64> = (0..24).map(|h| 0.2 + 0.1 * f64::from(h % 12)).collect();
    let weekly = [1.0, 1.5, 1.0, 0.5, 1.0, 2.0, 0.25];
    let fmt = |v: &[f64]| v.iter().map(f64::to_string).collect::<Vec<_>>().join(", ");
    let (_dir, s) = scenario(&format!(
        r#"[scenario]
name = "mc"
start = "2026-03-02T00:00:00+08:00"
horizon = "28d"
seed = 7
timezone = "Asia/Shanghai"

[[instance_type]]
name = "m"
payg_hourly = "0.1"

[[fleet]]
name = "d"
instance_type = "m"
warm_start = false
[fleet.arrivals]
rate_per_hour = 2
diurnal = [{}]
weekly = [{}]
[fleet.lifetime]
dist = "fixed"
value = "10min"
"#,
        fmt(&diurnal),
        fmt(&weekly)
    ));
    let zone: DemandZone = "Asia/Shanghai".parse().unwrap();
    let trials = 40;
    let mut by_hour = [0.0f64; 24];
    let mut by_day = [0.0f64; 7];
    for k in 0..trials {
        for vm in vms(&s, k) {
            let (h, d) = zone.hour_and_weekday(vm.start);
            by_hour[h] += 1.0;
            by_day[d] += 1.0;
        }
    }
    let week_sum: f64 = weekly.iter().sum();
    let day_sum: f64 = diurnal.iter().sum();
    for h in 0..24 {
        // Over 4 weeks every weekday comes 4 times: expected count per trial is
        // 2 x diurnal[h] x sum(weekly) x 4; Poisson, so the variance equals the mean.
        let want = trials as f64 * 2.0 * diurnal[h] * week_sum * 4.0;
        assert_close(
            &format!("arrivals at {h}:00"),
            by_hour[h],
            want,
            want.sqrt(),
        );
    }
    for d in 0..7 {
        let want = trials as f64 * 2.0 * weekly[d] * day_sum * 4.0;
        assert_close(
            &format!("arrivals on weekday {d}"),
            by_day[d],
            want,
            want.sqrt(),
        );
    }
}

/// Lifetimes (unclipped) of VMs arriving in the first half of a horizon.
fn lifetimes(lifetime: &str, trials: u64) -> Vec<f64> {
    let (_dir, s) = scenario(&format!(
        r#"{HEADER}horizon = "20d"

[[instance_type]]
name = "m"
payg_hourly = "0.1"

[[fleet]]
name = "l"
instance_type = "m"
warm_start = false
[fleet.arrivals]
rate_per_hour = 20
[fleet.lifetime]
{lifetime}
"#
    ));
    let mut out = Vec::new();
    for k in 0..trials {
        for vm in vms(&s, k) {
            out.push((vm.end - vm.start) as f64);
        }
    }
    out
}

#[test]
fn lognormal_lifetimes_have_the_lognormal_mean() {
    // Median 6 h, sigma 0.8: mean = 21,600 x exp(0.32) seconds. Zero-length VMs are dropped
    // by the generator; with this median none are.
    let x = lifetimes("dist = \"lognormal\"\nmedian = \"6h\"\nsigma = 0.8", 3);
    let (mean, se) = mean_and_se(&x);
    assert_close("lognormal mean", mean, 21_600.0 * 0.32f64.exp(), se);
}

#[test]
fn weibull_lifetimes_have_the_weibull_mean() {
    // Shape 0.8, scale 6 h: mean = 21,600 x Gamma(1 + 1 / 0.8) = 21,600 x Gamma(2.25), and
    // Gamma(2.25) = 1.25 x Gamma(1.25) = 1.25 x 0.9064024771 = 1.1330030964.
    let x = lifetimes("dist = \"weibull\"\nshape = 0.8\nscale = \"6h\"", 3);
    let (mean, se) = mean_and_se(&x);
    assert_close("weibull mean", mean, 21_600.0 * 1.133_003_096_4, se);
}

#[test]
fn uniform_lifetimes_stay_in_their_bounds_with_their_mean() {
    // Uniform from 1 h to 3 h: mean 2 h.
    let x = lifetimes("dist = \"uniform\"\nlow = \"1h\"\nhigh = \"3h\"", 2);
    let (mean, se) = mean_and_se(&x);
    assert_close("uniform mean", mean, 7200.0, se);
    assert!(x.iter().all(|&v| (3600.0..=10_800.0).contains(&v)));
}

#[test]
fn empirical_lifetimes_are_resampled_from_the_file() {
    // 1 h, 2 h and 6 h equally often: mean 3 h, and nothing else ever drawn.
    let (dir, s) = load_text(
        "s.toml",
        &format!(
            r#"{HEADER}horizon = "20d"

[[instance_type]]
name = "m"
payg_hourly = "0.1"

[[fleet]]
name = "l"
instance_type = "m"
warm_start = false
[fleet.arrivals]
rate_per_hour = 20
[fleet.lifetime]
dist = "empirical"
file = "lifetimes.txt"
"#
        ),
    );
    // The file is missing at first: a clear error names it.
    let e = s.expect_err("no lifetimes file yet");
    assert!(
        e.to_string()
            .contains("lifetimes.txt cannot be read (no such file)"),
        "{e}"
    );
    std::fs::write(
        dir.path().join("lifetimes.txt"),
        "# observed\n1h\n7200\n\n6h\n",
    )
    .unwrap();
    let s = Scenario::load(dir.path().join("s.toml")).unwrap_or_else(|e| panic!("{e}"));
    let x: Vec<f64> = vms(&s, 0)
        .iter()
        .map(|v| (v.end - v.start) as f64)
        .collect();
    assert!(x.iter().all(|&v| [3600.0, 7200.0, 21_600.0].contains(&v)));
    let (mean, se) = mean_and_se(&x);
    assert_close("empirical mean", mean, 10_800.0, se);
}

#[test]
fn growth_compounds_the_arrival_rate() {
    // 3 arrivals an hour growing 50% a year: the expected arrivals of hour h are
    // 3 x 1.5^(t_h / 1 year) where t_h is the hour's start since the scenario's start.
    let (_dir, s) = scenario(&format!(
        r#"{HEADER}horizon = "2y"

[[instance_type]]
name = "m"
payg_hourly = "0.1"

[[fleet]]
name = "g"
instance_type = "m"
warm_start = false
[fleet.arrivals]
rate_per_hour = 3
growth_per_year = 0.5
[fleet.lifetime]
dist = "fixed"
value = "1min"
"#
    ));
    let hours = (s.end - s.start) / HOUR;
    let year = 31_557_600.0;
    let (mut first, mut last) = (0.0, 0.0);
    let (mut want_first, mut want_last) = (0.0, 0.0);
    for h in 0..hours {
        let expected = 3.0 * 1.5f64.powf((h * HOUR) as f64 / year);
        if h < hours / 4 {
            want_first += expected;
        } else if h >= hours * 3 / 4 {
            want_last += expected;
        }
    }
    let trials = 4;
    for k in 0..trials {
        for vm in vms(&s, k) {
            let h = (vm.start - s.start) / HOUR;
            if h < hours / 4 {
                first += 1.0;
            } else if h >= hours * 3 / 4 {
                last += 1.0;
            }
        }
    }
    let (want_first, want_last) = (want_first * trials as f64, want_last * trials as f64);
    assert_close("first quarter", first, want_first, want_first.sqrt());
    assert_close("last quarter", last, want_last, want_last.sqrt());
}

#[test]
fn a_rate_multiplier_changes_the_rate_from_its_hour() {
    // 4 arrivals an hour, multiplied by 2.5 from the first hour starting at or after 240.5 h:
    // hour 241. Of the 480 hours, 241 (hours 0-240) expect 4 arrivals and 239 expect 10.
    let (_dir, s) = scenario(&format!(
        r#"{HEADER}horizon = "20d"

[[instance_type]]
name = "m"
payg_hourly = "0.1"

[[fleet]]
name = "r"
instance_type = "m"
warm_start = false
[fleet.arrivals]
rate_per_hour = 4
[fleet.lifetime]
dist = "fixed"
value = "1min"
[[fleet.event]]
at = "14430min"
rate_multiplier = 2.5
"#
    ));
    let switch = s.start + 241 * HOUR;
    let trials = 10;
    let (mut before, mut after) = (0.0, 0.0);
    for k in 0..trials {
        for vm in vms(&s, k) {
            if vm.start < switch {
                before += 1.0;
            } else {
                after += 1.0;
            }
        }
    }
    let want_before = trials as f64 * 4.0 * 241.0;
    let want_after = trials as f64 * 10.0 * 239.0;
    assert_close(
        "before the multiplier",
        before,
        want_before,
        want_before.sqrt(),
    );
    assert_close("after the multiplier", after, want_after, want_after.sqrt());
}

#[test]
fn trace_fleets_mix_with_generated_ones() {
    // A replayed VM running the whole 2 days (48 h) next to 3 generated baseline VMs: every
    // trial uses 48 + 3 x 48 = 192 VM-hours.
    let (dir, _) = load_text("unused.toml", "");
    std::fs::write(
        dir.path().join("t.csv"),
        "id,instance_type,zone,start,end\nvm,m,,2026-03-01T00:00:00Z,2026-03-10T00:00:00Z\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        format!(
            r#"{HEADER}horizon = "2d"

[[instance_type]]
name = "m"
payg_hourly = "1"

[[fleet]]
name = "replayed"
trace = "t.csv"

[[fleet]]
name = "generated"
instance_type = "m"
baseline = 3
"#
        ),
    )
    .unwrap();
    let s = Scenario::load(dir.path().join("s.toml")).unwrap_or_else(|e| panic!("{e}"));
    for t in run(&s, 5, 1) {
        assert_eq!(t.outcomes[0].bill.usage_seconds, 192 * 3600);
    }
}

#[test]
fn an_event_happens_in_its_share_of_trials() {
    // An add of 1 VM with probability 0.3: the share of 2,000 trials that have it is binomial,
    // with standard error sqrt(0.3 x 0.7 / 2,000).
    let (_dir, s) = scenario(&format!(
        r#"{HEADER}horizon = "2d"

[[instance_type]]
name = "m"
payg_hourly = "0.1"

[[fleet]]
name = "e"
instance_type = "m"
baseline = 2
[[fleet.event]]
at = "1d"
add = 1
probability = 0.3
"#
    ));
    let trials = 2000;
    let happened = (0..trials)
        .filter(|&k| vms(&s, k).iter().any(|g| g.start == s.start + 86_400))
        .count();
    let share = happened as f64 / trials as f64;
    assert_close(
        "event share",
        share,
        0.3,
        (0.3 * 0.7 / trials as f64).sqrt(),
    );
}

#[test]
fn per_trial_parameters_are_drawn_once_per_trial() {
    // A baseline drawn from triangular(10, 12, 20), rounded: mean 14 before rounding (and the
    // rounding of a continuous variable is unbiased to within its density's slope, negligible
    // here). Its usage over one day is baseline x 24 h.
    let (_dir, s) = scenario(&format!(
        r#"{HEADER}horizon = "1d"

[[instance_type]]
name = "m"
payg_hourly = "1"

[[fleet]]
name = "p"
instance_type = "m"
baseline = {{ dist = "triangular", min = 10, mode = 12, max = 20 }}
"#
    ));
    let results = run(&s, 3000, 0);
    let baselines: Vec<f64> = results
        .iter()
        .map(|t| t.outcomes[0].bill.usage_seconds as f64 / 86_400.0)
        .collect();
    assert!(
        baselines
            .iter()
            .all(|b| b.fract() == 0.0 && (10.0..=20.0).contains(b))
    );
    let (mean, se) = mean_and_se(&baselines);
    assert_close("triangular baseline", mean, 14.0, se);
}

#[test]
fn a_truncated_normal_is_drawn_again_outside_its_range() {
    // growth ~ normal(mean -0.9, sd 0.2) truncated to > -1 (only the part above -1 is kept):
    // every drawn growth leaves a positive rate.
    let (_dir, s) = scenario(&format!(
        r#"{HEADER}horizon = "2d"

[[instance_type]]
name = "m"
payg_hourly = "1"

[[fleet]]
name = "t"
instance_type = "m"
[fleet.arrivals]
rate_per_hour = 1
growth_per_year = {{ dist = "normal", mean = -0.9, sd = 0.2 }}
[fleet.lifetime]
dist = "fixed"
value = "1h"
"#
    ));
    let capsim::scenario::FleetKind::Synthetic(syn) = &s.fleets[0].kind else {
        unreachable!()
    };
    for k in 0..500 {
        let mut rng = capsim::fleet::stream(s.seed, k, "t", capsim::fleet::Purpose::Parameters);
        let drawn = capsim::fleet::draw(syn, &mut rng, &[]);
        assert!(drawn.growth > -1.0, "trial {k}: {}", drawn.growth);
    }
}

#[test]
fn results_are_bit_identical_on_any_thread_count() {
    let (_dir, s) = scenario(&format!(
        r#"{HEADER}horizon = "30d"

[[instance_type]]
name = "m"
family = "m"
units = 2
payg_hourly = "0.1"
[instance_type.reserved.1y]
no_upfront = {{ hourly = "0.06" }}
[instance_type.subscription]
monthly = "40"

[[fleet]]
name = "w"
instance_type = "m"
baseline = 3
[fleet.arrivals]
rate_per_hour = 2
growth_per_year = {{ dist = "uniform", low = 0.0, high = 0.5 }}
[fleet.lifetime]
dist = "lognormal"
median = "4h"
sigma = 1.0

[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "m"
count = 5
term = "1y"
payment = "no_upfront"

[[strategy]]
name = "sub"
[[strategy.subscribe]]
instance_type = "m"
count = 4
duration = "1mo"
"#
    ));
    let key = |results: &[TrialResult]| -> Vec<(u64, Vec<String>, Vec<u64>)> {
        results
            .iter()
            .map(|t| {
                (
                    t.trial,
                    t.outcomes.iter().map(|o| format!("{:?}", o.bill)).collect(),
                    t.outcomes
                        .iter()
                        .flat_map(|o| {
                            std::iter::once(o.npv.to_bits())
                                .chain(o.cumulative_cash.iter().map(|c| c.to_bits()))
                        })
                        .collect(),
                )
            })
            .collect()
    };
    let one = key(&run(&s, 40, 1));
    assert_eq!(one, key(&run(&s, 40, 2)));
    assert_eq!(one, key(&run(&s, 40, 8)));
    // And trials differ from one another.
    assert_ne!(one[0].1, one[1].1);
}

/// The cash figures of a run (NPV and cumulative cash by month, from which `summary.json`'s
/// cash view and `npv_mean` are computed) equal those of the exact cash timeline of the same
/// trial, for every strategy of scenarios with instalments, hourly fees, subscriptions,
/// renewals and a discount rate.
#[test]
fn the_run_cash_view_is_the_exact_cash_timeline() {
    for file in [
        "scenarios/example.toml",
        "scenarios/azure-windows.toml",
        "scenarios/ecp-subscription.toml",
    ] {
        let s = super::common::load(&super::common::repo_file(file));
        let engine = Engine::new(&s).expect("engine");
        let runner = Runner::new(&engine);
        let mut ws = engine.workspace();
        for trial in 0..3 {
            let result = runner.trial(s.seed, trial, &mut ws).unwrap();
            engine.fill(s.seed, trial, &mut ws).unwrap();
            for (p, outcome) in result.outcomes.iter().enumerate() {
                let bill = engine.bill(p, &mut ws).unwrap();
                assert_eq!(bill, outcome.bill, "{file} {}", bill.strategy);
                let flows = engine.cash_timeline(p, &ws).unwrap();
                let paid: rust_decimal::Decimal = flows.iter().map(|f| f.amount).sum();
                assert_eq!(paid.round_dp(10), bill.cash_total.round_dp(10));
                // NPV: each exact payment discounted from the start.
                let npv = capsim::billing::npv(&flows, s.start, s.discount_rate);
                assert!(
                    (outcome.npv - npv).abs() <= 1e-9 * npv.abs().max(1.0),
                    "{file} {}: npv {} != {npv}",
                    bill.strategy,
                    outcome.npv
                );
                // Cumulative cash at each month's end: the exact payments made by then.
                let mut by_month = vec![0.0f64; runner.months.len()];
                for f in &flows {
                    by_month[runner.months.month_of(f.at)] += f64::try_from(f.amount).unwrap();
                }
                let mut total = 0.0;
                for (m, (&got, add)) in outcome.cumulative_cash.iter().zip(&by_month).enumerate() {
                    total += add;
                    let tolerance = 1e-9 * total.abs().max(1.0);
                    assert!(
                        (got - total).abs() <= tolerance,
                        "{file} {} month {}: {got} != {total}",
                        bill.strategy,
                        m + 1
                    );
                }
            }
        }
    }
}

/// Monthly instalments are their own component: a 1-year monthly reservation of one instance
/// at 1,200 pays 100 on each of the first three months of a 3-month horizon, nothing upfront,
/// and owes the 9 other instalments after it.
#[test]
fn monthly_instalments_are_their_own_component() {
    let (_dir, s) = scenario(
        r#"[scenario]
name = "m"
start = "2026-01-01T00:00:00Z"
horizon = "3mo"
[billing]
profile = "azure"
[[instance_type]]
name = "d2"
family = "d"
units = 1
payg_hourly = "1"
[instance_type.reserved.1y]
all_upfront = "1200"
[[fleet]]
name = "f"
instance_type = "d2"
zone = "z"
baseline = 0
[[strategy]]
name = "m"
[[strategy.reserve]]
instance_type = "d2"
count = 1
term = "1y"
payment = "monthly"
"#,
    );
    let engine = Engine::new(&s).expect("engine");
    let mut ws = engine.workspace();
    let bills = engine.trial(s.seed, 0, &mut ws).unwrap();
    let m = &bills[1];
    let d = |v: &str| rust_decimal::Decimal::from_str_exact(v).unwrap();
    assert_eq!(m[Component::Upfront], d("0"));
    assert_eq!(m[Component::Instalments], d("300"));
    assert_eq!(m.cash_total, d("300"));
    assert_eq!(m.obligation_after_horizon, d("900"));
    // Amortized over the term's seconds: 1,200 x 90 days / 365 days.
    assert_eq!(m.amortized_total, d("1200") * d("90") / d("365"));
}

/// `summary.json`'s cash figures (mean cash total, the mean of each component, what is owed
/// after the horizon, NPV, and the median cumulative cash of each month) equal those computed
/// from each trial's exact bill and exact cash timeline.
#[test]
fn the_summary_cash_figures_are_those_of_the_exact_path() {
    use capsim::report::results::RunStats;
    use rust_decimal::Decimal;
    let s = super::common::load(&super::common::repo_file("scenarios/azure-windows.toml"));
    let engine = Engine::new(&s).expect("engine");
    let runner = Runner::new(&engine);
    let trials = 5u64;
    let samples = runner
        .collect(
            Settings {
                first: 0,
                trials,
                seed: s.seed,
                threads: 2,
            },
            &AtomicBool::new(false),
            |_| {},
            |_| Ok(()),
        )
        .unwrap();
    let stats = RunStats::new(&engine, &samples, s.seed, trials, false);
    let mut ws = engine.workspace();
    for (p, st) in stats.strategies.iter().enumerate() {
        let (mut cash, mut owed) = (Decimal::ZERO, Decimal::ZERO);
        let mut components = [Decimal::ZERO; 7];
        let mut npv = 0.0;
        let mut monthly: Vec<Vec<f64>> = vec![Vec::new(); runner.months.len()];
        for k in 0..trials {
            engine.fill(s.seed, k, &mut ws).unwrap();
            let bill = engine.bill(p, &mut ws).unwrap();
            cash += bill.cash_total;
            owed += bill.obligation_after_horizon;
            for c in Component::ALL {
                components[c.index()] += bill[c];
            }
            let flows = engine.cash_timeline(p, &ws).unwrap();
            npv += capsim::billing::npv(&flows, s.start, s.discount_rate);
            let mut total = 0.0;
            let mut by_month = vec![0.0; runner.months.len()];
            for f in &flows {
                by_month[runner.months.month_of(f.at)] += f64::try_from(f.amount).unwrap();
            }
            for (m, add) in by_month.iter().enumerate() {
                total += add;
                monthly[m].push(total);
            }
        }
        let n = Decimal::from(trials);
        assert_eq!(st.cash_total_mean, cash / n, "{}", st.name);
        assert_eq!(st.obligation_after_horizon_mean, owed / n, "{}", st.name);
        for c in Component::ALL {
            assert_eq!(
                st.breakdown_mean[c],
                components[c.index()] / n,
                "{} {c}",
                st.name
            );
        }
        let npv = npv / trials as f64;
        assert!(
            (st.npv_mean - npv).abs() <= 1e-9 * npv.abs().max(1.0),
            "{}",
            st.name
        );
        for (m, month) in st.cash_flow_monthly.iter().enumerate() {
            let mut v = monthly[m].clone();
            v.sort_by(f64::total_cmp);
            let median = v[v.len() / 2];
            assert!(
                (month.p50 - median).abs() <= 1e-6 * median.abs().max(1.0),
                "{} month {}: {} != {median}",
                st.name,
                m + 1,
                month.p50
            );
        }
    }
}

/// A run keeps each trial's samples for the quantiles; a trial count whose samples would pass
/// 4 GiB is refused before any trial runs. A century: 1,200 months of the horizon plus the
/// month of the last bill, two plans (payg and one strategy): (5 + 1,201) x 8 x 2 = 19,296
/// bytes a trial, so at most 4 GiB / 19,296 = 222,583 trials.
#[test]
fn trials_whose_samples_pass_4_gib_are_refused() {
    let (_dir, s) = scenario(
        r#"[scenario]
name = "century"
start = "2026-01-01T00:00:00Z"
horizon = "100y"
[[instance_type]]
name = "m"
payg_hourly = "1"
[instance_type.reserved.1y]
all_upfront = "5000"
[[fleet]]
name = "f"
instance_type = "m"
zone = "z"
baseline = 1
[[strategy]]
name = "ri"
[[strategy.reserve]]
instance_type = "m"
count = 1
term = "1y"
payment = "all_upfront"
renew = true
"#,
    );
    let engine = Engine::new(&s).expect("engine");
    let runner = Runner::new(&engine);
    assert_eq!(runner.months.len(), 1_201);
    let e = runner
        .collect(
            Settings {
                first: 0,
                trials: 222_584,
                seed: 1,
                threads: 1,
            },
            &AtomicBool::new(false),
            |_| {},
            |_| panic!("no trial runs"),
        )
        .expect_err("refused")
        .to_string();
    assert!(
        e.ends_with("s.toml: --trials or [scenario] trials: found 222,584, expected at most 222,583 for this scenario: each trial keeps 19,296 bytes of samples (2 strategies with pay-as-you-go, 1201 months of cash) and a run holds at most 4 GiB of them"),
        "{e}"
    );
}
