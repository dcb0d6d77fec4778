//! `capsim recommend` (docs/spec.md, section 12): the portfolio of offers that minimises an
//! objective over the search trials, every figure billed by the shared matching core, then
//! checked on fresh trials.
//!
//! - `space`: the offers, their bounds, first-day cash and commitment, and the strategy a
//!   count vector stands for;
//! - `score`: the exact objectives of a portfolio and the spec's tie order;
//! - `search`: exhaustive search and the coordinate search, over any evaluator;
//! - `evaluate`: the evaluator that bills batches of portfolios on the search trials.

mod evaluate;
mod score;
mod search;
mod space;

pub use evaluate::bill_plans;
pub use score::{Scored, cvar95, float, quantile, rank, tail_count};
pub use search::{
    Bounds, Evaluate, Found, Method, SCREEN_TRIALS, exhaustive, found, heuristic, search,
};
pub use space::{Counts, Prepared, Space};

use crate::engine::Engine;
use crate::error::{Error, InputError, Result};
use crate::montecarlo::{Runner, Samples, Settings};
use crate::purchase::Plan;
use crate::scenario::{Buy, MAX_COUNT, Objective, Recommend, Scenario, Strategy};
use crate::stats;
use crate::time::HOUR;
use evaluate::CoreEvaluator;
use rust_decimal::Decimal;
use std::sync::atomic::AtomicBool;

/// How to run a recommendation (the command line's overrides).
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Search trials (default: `[recommend] trials`).
    pub trials: Option<u32>,
    /// Check trials (default: `[recommend] check_trials`).
    pub check_trials: Option<u32>,
    /// The seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

/// What the progress bar hears.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// This many more portfolio-trials are planned.
    Planned(u64),
    /// This many more portfolio-trials are billed.
    Billed(u64),
}

/// One offer's part in the answer.
#[derive(Clone, Debug)]
pub struct OfferResult {
    /// The offer, prepared.
    pub offer: Prepared,
    /// How many the recommendation buys.
    pub count: u32,
    /// Its cost curve on the search trials: the recommendation with this offer's count
    /// varied, sorted by count.
    pub curve: Vec<Scored>,
}

/// Exact figures of one strategy on the check trials, with their 95% confidence intervals.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The strategy.
    pub name: String,
    /// Mean total.
    pub mean: Decimal,
    /// Its interval (Student t).
    pub mean_ci95: (f64, f64),
    /// 90th percentile.
    pub p90: Decimal,
    /// Its interval (binomial order statistics).
    pub p90_ci95: (f64, f64),
    /// 95th percentile.
    pub p95: Decimal,
    /// Its interval (binomial order statistics).
    pub p95_ci95: (f64, f64),
    /// CVaR95.
    pub cvar95: Decimal,
    /// Its interval (seeded bootstrap).
    pub cvar95_ci95: (f64, f64),
}

/// The seed of the CVaR95 bootstrap of the strategy at position `p` of a phase.
fn bootstrap_seed(seed: u64, p: usize) -> u64 {
    seed ^ (p as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl Checked {
    /// The exact figures of totals, trial by trial, with their intervals.
    pub fn new(
        name: &str,
        totals: &[Decimal],
        bootstrap_seed: u64,
    ) -> std::result::Result<Checked, score::TooLarge> {
        let mut sorted = totals.to_vec();
        sorted.sort_unstable();
        let floats: Vec<f64> = totals.iter().map(|&v| float(v)).collect();
        let fsorted = stats::sorted(&floats);
        let h = stats::ci95_half_width(&floats);
        let mean = score::mean(totals)?;
        let m = float(mean);
        Ok(Checked {
            name: name.to_string(),
            mean,
            mean_ci95: (m - h, m + h),
            p90: quantile(&sorted, Decimal::new(9, 1))?,
            p90_ci95: stats::quantile_ci95_sorted(&fsorted, 0.9),
            p95: quantile(&sorted, Decimal::new(95, 2))?,
            p95_ci95: stats::quantile_ci95_sorted(&fsorted, 0.95),
            cvar95: cvar95(&sorted)?,
            cvar95_ci95: stats::cvar95_ci95(&floats, bootstrap_seed),
        })
    }

    /// The value of an objective and its interval.
    pub fn objective(&self, o: Objective) -> (Decimal, (f64, f64)) {
        match o {
            Objective::Mean => (self.mean, self.mean_ci95),
            Objective::P90 => (self.p90, self.p90_ci95),
            Objective::P95 => (self.p95, self.p95_ci95),
            Objective::Cvar95 => (self.cvar95, self.cvar95_ci95),
        }
    }
}

/// The out-of-sample check: `payg`, the file's strategies, the recommendation and the
/// runner-up billed on fresh trials.
pub struct Check {
    /// The scenario billed: the file's strategies, then the recommendation and the runner-up.
    pub scenario: Scenario,
    /// The samples of the check trials (`payg` first, then the scenario's strategies).
    pub samples: Samples,
    /// The exact objectives of each strategy, in the same order.
    pub exact: Vec<Checked>,
    /// Index of the recommendation.
    pub recommended: usize,
    /// Index of the runner-up portfolio, if any.
    pub runner_up: Option<usize>,
    /// Mean of the paired difference runner-up minus recommendation, with its 95% CI.
    pub runner_up_diff: Option<(f64, (f64, f64))>,
}

/// A recommendation, every figure billed by the shared matching core.
pub struct Recommendation {
    /// The settings used.
    pub settings: Recommend,
    /// The seed.
    pub seed: u64,
    /// How the answer was found.
    pub method: Method,
    /// Portfolios within the bounds.
    pub space_size: u64,
    /// Distinct portfolios billed.
    pub portfolios_billed: u64,
    /// Portfolio-trials billed.
    pub bills: u64,
    /// Seconds the search and the curves took.
    pub search_seconds: f64,
    /// The base strategy's name.
    pub base: Option<String>,
    /// The offers with the counts bought and their curves.
    pub offers: Vec<OfferResult>,
    /// The strategy to paste: named `recommended` (or `recommended-2`, ...).
    pub strategy: Strategy,
    /// The recommendation on the search trials.
    pub in_sample: Scored,
    /// Its exact figures on the search trials with their intervals.
    pub in_sample_checked: Checked,
    /// The runner-up's, if any.
    pub runner_up_checked: Option<Checked>,
    /// The runner-up portfolio on the search trials.
    pub runner_up: Option<Scored>,
    /// The best portfolio billed for each objective, in [`Objective::ALL`] order.
    pub frontier: Vec<Scored>,
    /// `payg` and the file's strategies on the search trials.
    pub strategies_in_sample: Vec<(String, Scored)>,
    /// The out-of-sample check.
    pub check: Check,
    /// Things the planner should know (a count at its bound).
    pub warnings: Vec<String>,
}

/// A name not yet taken by the file's strategies: `want`, `want-2`, ...
fn free_name(s: &Scenario, want: &str) -> String {
    let taken = |n: &str| n == "payg" || s.strategies.iter().any(|st| st.name == n);
    if !taken(want) {
        return want.to_string();
    }
    (2..)
        .map(|i| format!("{want}-{i}"))
        .find(|n| !taken(n))
        .expect("some suffix is free")
}

/// The error of a strategy (`who`) whose totals over `trials` add up past the range of exact
/// decimals.
fn sum_too_large(s: &Scenario, who: &str, trials: &str) -> Error {
    refused(
        s,
        format!(
            "{who}: the sum of its totals over {trials} leaves the range of exact decimals; lower the counts, prices or trials"
        ),
    )
}

/// An engine's error on a portfolio of the offers, said of `[recommend]` rather than of a
/// strategy the file does not hold.
fn in_recommend(e: Error, portfolio: &str) -> Error {
    match e {
        Error::Input(mut ie) => {
            // The path names an entry of a strategy the file does not hold.
            ie.path = None;
            ie.message = format!("[recommend]: the portfolio of {portfolio}: {}", ie.message);
            Error::Input(ie)
        }
        other => other,
    }
}

/// A scenario holding `strategies` in place of the file's.
fn with_strategies(s: &Scenario, strategies: Vec<Strategy>) -> Scenario {
    Scenario {
        strategies,
        ..s.clone()
    }
}

/// The input error of a `[recommend]` setting.
fn refused(s: &Scenario, message: String) -> Error {
    Error::Input(InputError::file(&s.file, message))
}

/// The most memory the exact totals of one phase (search or check) may take.
pub const MAX_TOTALS_BYTES: u64 = 1 << 30;

/// Refuses trial counts whose exact totals would not fit in [`MAX_TOTALS_BYTES`]: every trial
/// keeps a 16-byte total per strategy billed with it (pay-as-you-go, the file's strategies, the
/// recommendation and the runner-up).
fn check_memory(s: &Scenario, settings: &Recommend) -> Result<()> {
    let strategies = s.strategies.len() as u64 + 3;
    // The default bounds keep each offer's peak usage per search trial too (8 bytes).
    let per_trial = 16 * strategies + 8 * settings.offers.len() as u64;
    let most = MAX_TOTALS_BYTES / per_trial;
    for (key, flag, trials) in [
        ("trials", "--trials", settings.trials),
        ("check_trials", "--check-trials", settings.check_trials),
    ] {
        if u64::from(trials) > most {
            let grouped = |v: u64| crate::money::display_grouped(Decimal::from(v), 0);
            return Err(refused(
                s,
                format!(
                    "{flag} or [recommend] {key}: found {}, expected at most {} for this scenario: each trial keeps {per_trial} bytes: an exact total of 16 bytes for each of {strategies} strategies (pay-as-you-go, the file's {}, the recommendation and the runner-up) and 8 for the peak usage of each of {} offers, and a recommendation holds at most 1 GiB of them",
                    grouped(u64::from(trials)),
                    grouped(most),
                    s.strategies.len(),
                    settings.offers.len()
                ),
            ));
        }
    }
    Ok(())
}

/// Runs `capsim recommend` on a scenario.
pub fn recommend(
    s: &Scenario,
    options: Options,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Step),
) -> Result<Recommendation> {
    let mut settings = Recommend::of(s);
    if let Some(t) = options.trials {
        settings.trials = t;
        if !settings.check_trials_set {
            settings.check_trials = t;
        }
    }
    if let Some(t) = options.check_trials {
        settings.check_trials = t;
    }
    let seed = options.seed.unwrap_or(s.seed);
    let threads = options.threads;
    check_memory(s, &settings)?;
    if settings.offers.is_empty() {
        return Err(refused(
            s,
            "[recommend]: found nothing to buy: no fleet runs an instance type with a reserved price for a term within the horizon or a subscription price; list what may be bought in [[recommend.offer]] tables".to_string(),
        ));
    }
    let n = settings.trials as usize;
    let base = settings.base.map(|b| &s.strategies[b]);
    let offers: Vec<_> = settings.offers.clone();

    // The layout tracks every cell an offer subscribes in, so the engine is built with one
    // strategy holding every offer once.
    let every_once = with_strategies(
        s,
        vec![space::portfolio(
            "every offer",
            base,
            &offers,
            &vec![1; offers.len()],
        )],
    );
    let mut engine =
        Engine::new(&every_once).map_err(|e| in_recommend(e, "every offer bought once"))?;
    let mut space = Space::new(&engine.context(), &offers, base)
        .map_err(|e| refused(s, format!("[recommend]: {e}")))?;

    // The check keeps the samples of a run, refused now rather than after the search: those
    // of pay-as-you-go, the recommendation and the runner-up (whose payments fall on the
    // dates of every offer's), and the file's strategies.
    let largest_plan = engine.plans[1].clone();
    engine.plans.push(largest_plan);
    for st in &s.strategies {
        engine.plans.push(
            Plan::new(&engine.context(), st)
                .map_err(|e| refused(s, format!("strategy \"{}\": {e}", st.name)))?,
        );
    }
    Runner::new(&engine).check_sample_memory(
        u64::from(settings.check_trials),
        "--check-trials or [recommend] check_trials",
    )?;

    // Bounds: the file's, else the 99th percentile of each trial's peak coverable usage.
    let peaks = if offers.iter().any(|o| o.max_count.is_none()) {
        peak_usage(&mut engine, &space, seed, threads, n, stop, progress)?
    } else {
        Vec::new()
    };
    // Per offer, whether some search trial's peak passed its bound (buying more could pay).
    let mut passed = vec![true; offers.len()];
    for (i, o) in offers.iter().enumerate() {
        if o.max_count.is_none() {
            let v = stats::sorted(&peaks[i]);
            let p99 = stats::quantile_sorted(&v, 0.99).ceil();
            let bound = p99.clamp(0.0, MAX_COUNT as f64) as u32;
            space.offers[i].max_count = bound;
            passed[i] = v.last().is_some_and(|&most| most > f64::from(bound));
        }
    }
    let max: Vec<u32> = space.offers.iter().map(|o| o.max_count).collect();
    // Every limit of a strategy (periods, hourly arrays, fee payments) is checked once, on the
    // largest portfolio.
    let largest = with_strategies(s, vec![space.strategy("every offer at its most", &max)]);
    let mut engine = Engine::new(&largest)
        .map_err(|e| in_recommend(e, "every offer bought at its max_count"))?;

    // Pay-as-you-go and the file's strategies on the search trials.
    let began = std::time::Instant::now();
    let ctx = engine.context();
    let mut plans = vec![Plan::payg()];
    for st in &s.strategies {
        plans.push(
            Plan::new(&ctx, st)
                .map_err(|e| refused(s, format!("strategy \"{}\": {e}", st.name)))?,
        );
    }
    let names: Vec<String> = plans.iter().map(|p| p.name.clone()).collect();
    let totals = bill_plans(&mut engine, plans, seed, threads, n, stop, progress)?;
    let payg = totals[0].clone();
    let strategies_in_sample = names
        .into_iter()
        .zip(&totals)
        .map(|(name, t)| {
            let scored = Scored::new(Vec::new(), t, &payg, Decimal::ZERO, 0).map_err(|_| {
                sum_too_large(
                    s,
                    &format!("strategy \"{name}\""),
                    &format!("{n} search trials"),
                )
            })?;
            Ok((name, scored))
        })
        .collect::<Result<Vec<_>>>()?;

    let max_upfront = settings.max_upfront;
    let feasible = |c: &[u32]| match max_upfront {
        None => true,
        Some(m) => space.first_day_cash(c).is_ok_and(|v| v <= m),
    };
    let overlap = |i: usize, j: usize| space.overlap(i, j);
    let bounds = Bounds {
        max: max.clone(),
        overlap: &overlap,
        feasible: &feasible,
    };
    let space_size = space.size();
    let objective = settings.objective;
    let mut ev = CoreEvaluator::new(
        &mut engine,
        &space,
        seed,
        threads,
        payg.clone(),
        stop,
        progress,
    );
    let mut found = search(&bounds, objective, settings.exhaustive_limit, &mut ev)?;
    // Each offer's curve: the answer with that offer's count varied. A curve point that beats
    // the coordinate search's answer is polished in turn, until none does.
    let curves = loop {
        let curves = curves_of(&space, &found.best.counts, &feasible, &mut ev, n)?;
        let better = curves
            .iter()
            .flatten()
            .filter(|c| rank(objective, c, &found.best) == std::cmp::Ordering::Less)
            .min_by(|a, b| rank(objective, a, b));
        match better {
            Some(b) if found.method == Method::CoordinateSearch => {
                let start = b.counts.clone();
                let mut billed = std::mem::take(&mut found.billed);
                billed.extend(search::polish(&bounds, objective, &mut ev, start)?);
                found = search::found(found.method, objective, billed);
            }
            _ => break curves,
        }
    };
    let chosen = found.best.counts.clone();
    let (portfolios_billed, bills) = (ev.portfolios, ev.bills);
    drop(ev);
    let search_seconds = began.elapsed().as_secs_f64();
    let mut all: Vec<&Scored> = found.billed.iter().chain(curves.iter().flatten()).collect();
    let frontier = Objective::ALL
        .iter()
        .map(|&o| {
            all.sort_by(|a, b| rank(o, a, b));
            all[0].clone()
        })
        .collect();

    let name = free_name(s, "recommended");
    let strategy = space.strategy(&name, &chosen);
    let runner_up_strategy = found
        .runner_up
        .as_ref()
        .map(|r| space.strategy(&free_name(s, "runner-up"), &r.counts));
    // The answer and the runner-up billed again on the search trials, for the in-sample
    // intervals of every objective (the search keeps only the statistics).
    let ctx = engine.context();
    let plans = std::iter::once(&strategy)
        .chain(runner_up_strategy.as_ref())
        .map(|st| {
            Plan::new(&ctx, st).map_err(|e| refused(s, format!("strategy \"{}\": {e}", st.name)))
        })
        .collect::<Result<Vec<Plan>>>()?;
    let names: Vec<String> = plans.iter().map(|p| p.name.clone()).collect();
    let totals = bill_plans(&mut engine, plans, seed, threads, n, stop, progress)?;
    let mut in_sample_figures = totals
        .iter()
        .zip(&names)
        .enumerate()
        .map(|(p, (t, name))| {
            Checked::new(name, t, bootstrap_seed(seed, p)).map_err(|_| {
                sum_too_large(
                    s,
                    &format!("strategy \"{name}\""),
                    &format!("{n} search trials"),
                )
            })
        })
        .collect::<Result<Vec<Checked>>>()?
        .into_iter();
    let in_sample_checked = in_sample_figures
        .next()
        .expect("the recommendation was billed");
    let runner_up_checked = in_sample_figures.next();
    let check = check(
        s,
        &strategy,
        runner_up_strategy.as_ref(),
        seed,
        threads,
        settings.trials,
        settings.check_trials,
        stop,
        progress,
    )?;
    if stop.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(Error::Interrupted(
            "interrupted after the check; nothing was written".to_string(),
        ));
    }

    let mut warnings = Vec::new();
    let mut offer_results = Vec::with_capacity(offers.len());
    for (i, (o, curve)) in space.offers.iter().zip(curves).enumerate() {
        if o.max_count > 0 && chosen[i] >= o.max_count && passed[i] {
            warnings.push(if o.max_from_usage {
                format!(
                    "{} is bought {} times, its bound: the 99th percentile of the peak usage it can cover, which some search trials pass. Set max_count in its [[recommend.offer]] to search beyond it.",
                    o.label, chosen[i]
                )
            } else {
                format!(
                    "{} is bought {} times, its max_count. Raise max_count to search beyond it.",
                    o.label, chosen[i]
                )
            });
        }
        offer_results.push(OfferResult {
            offer: o.clone(),
            count: chosen[i],
            curve,
        });
    }
    Ok(Recommendation {
        seed,
        method: found.method,
        space_size,
        portfolios_billed,
        bills,
        search_seconds,
        base: base.map(|b| b.name.clone()),
        offers: offer_results,
        strategy,
        in_sample: found.best,
        in_sample_checked,
        runner_up_checked,
        runner_up: found.runner_up,
        frontier,
        strategies_in_sample,
        check,
        warnings,
        settings,
    })
}

/// Each offer's cost curve around `chosen`: the portfolio with that offer's count set to each
/// of [`curve_counts`], the others held, on every search trial.
fn curves_of(
    space: &Space,
    chosen: &Counts,
    feasible: &dyn Fn(&[u32]) -> bool,
    ev: &mut dyn Evaluate,
    n: usize,
) -> Result<Vec<Vec<Scored>>> {
    let mut curves = Vec::with_capacity(space.offers.len());
    for (i, o) in space.offers.iter().enumerate() {
        let counts: Vec<Counts> = curve_counts(o.max_count, chosen[i])
            .into_iter()
            .map(|c| {
                let mut v = chosen.clone();
                v[i] = c;
                v
            })
            .filter(|v| feasible(v))
            .collect();
        let mut scored = ev.score(&counts, n)?;
        scored.sort_by_key(|x| x.counts[i]);
        curves.push(scored);
    }
    Ok(curves)
}

/// The counts an offer's curve shows: all of them up to 40, otherwise 41 evenly spaced from 0
/// to the bound, and the chosen count with its neighbours.
fn curve_counts(max: u32, chosen: u32) -> Vec<u32> {
    let mut c: Vec<u32> = if max <= 40 {
        (0..=max).collect()
    } else {
        (0..=40u64)
            .map(|k| (k * u64::from(max) / 40) as u32)
            .collect()
    };
    c.extend([
        chosen.saturating_sub(1),
        chosen,
        chosen.saturating_add(1).min(max),
    ]);
    c.sort_unstable();
    c.dedup();
    c
}

/// Per search trial, per offer, the peak hourly usage the offer can cover, in instances of the
/// offer: for a reservation the busiest hour's VM-seconds times units over its eligible cells,
/// over an hour of the offer's units; for a subscription the most VMs running at once in its
/// cell, counted as the VMs running at an hour's start plus those started within it.
fn peak_usage(
    engine: &mut Engine<'_>,
    space: &Space,
    seed: u64,
    threads: usize,
    n: usize,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Step),
) -> Result<Vec<Vec<f64>>> {
    engine.plans = Vec::new();
    let engine: &Engine<'_> = engine;
    let layout = &engine.layout;
    let nc = layout.cells.len();
    let trials = evaluate::Trials {
        seed,
        threads,
        n,
        stop,
    };
    // Each trial's fleet counts as one bill in the progress.
    trials.columns(
        engine,
        space.offers.len(),
        1,
        "measuring usage",
        progress,
        |_, ws| {
            let usage = &ws.usage;
            Ok(space
                .offers
                .iter()
                .map(|o| {
                    let subscription = matches!(o.offer.buy, Buy::Subscribe(_));
                    let mut most: u128 = 0;
                    for h in 0..layout.hours {
                        let v: u128 = o
                            .cells
                            .iter()
                            .map(|&c| {
                                let k = h * nc + c;
                                if subscription {
                                    u128::from(usage.present(k) + usage.arrivals(k))
                                } else {
                                    u128::from(usage.seconds[k]) * u128::from(layout.units[c])
                                }
                            })
                            .sum();
                        most = most.max(v);
                    }
                    if subscription {
                        most as f64
                    } else {
                        (most as f64) / (HOUR as f64 * o.units as f64)
                    }
                })
                .collect())
        },
    )
}

/// Bills `payg`, the file's strategies, the recommendation and the runner-up on trials
/// `first .. first + trials`.
#[allow(clippy::too_many_arguments)]
fn check(
    s: &Scenario,
    recommended: &Strategy,
    runner_up: Option<&Strategy>,
    seed: u64,
    threads: usize,
    first: u32,
    trials: u32,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Step),
) -> Result<Check> {
    let mut strategies = s.strategies.clone();
    strategies.push(recommended.clone());
    let recommended_index = strategies.len();
    let runner_index = runner_up.map(|r| {
        strategies.push(r.clone());
        strategies.len()
    });
    let scenario = with_strategies(s, strategies);
    let engine = Engine::new(&scenario)?;
    let runner = Runner::new(&engine);
    let plans = engine.plans.len();
    progress(Step::Planned(u64::from(trials) * plans as u64));
    let mut exact: Vec<Vec<Decimal>> = vec![Vec::with_capacity(trials as usize); plans];
    let settings = Settings {
        first: u64::from(first),
        trials: u64::from(trials),
        seed,
        threads,
    };
    let samples: Samples = runner.collect(
        settings,
        stop,
        |k| progress(Step::Billed(k * plans as u64)),
        |t| {
            for (p, o) in t.outcomes.iter().enumerate() {
                exact[p].push(o.bill.amortized_total);
            }
            Ok(())
        },
    )?;
    if (samples.n as u64) < u64::from(trials) {
        return Err(Error::Interrupted(
            "interrupted while checking; nothing was written".to_string(),
        ));
    }
    let too_large = |name: &str| {
        sum_too_large(
            s,
            &format!("strategy \"{name}\""),
            &format!("{trials} check trials"),
        )
    };
    let checked = exact
        .iter()
        .zip(&engine.plans)
        .enumerate()
        .map(|(p, (totals, plan))| {
            Checked::new(&plan.name, totals, bootstrap_seed(seed, p))
                .map_err(|_| too_large(&plan.name))
        })
        .collect::<Result<Vec<Checked>>>()?;
    let runner_up_diff = runner_index.map(|r| {
        let diff: Vec<f64> = exact[r]
            .iter()
            .zip(&exact[recommended_index])
            .map(|(&a, &b)| float(a) - float(b))
            .collect();
        let m = stats::mean(&diff);
        let h = stats::ci95_half_width(&diff);
        (m, (m - h, m + h))
    });
    drop(runner);
    drop(engine);
    Ok(Check {
        scenario,
        samples,
        exact: checked,
        recommended: recommended_index,
        runner_up: runner_index,
        runner_up_diff,
    })
}
