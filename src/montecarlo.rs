//! Trials in parallel (docs/spec.md, section 7): trial k's fleet comes from streams seeded from
//! (seed, k), every strategy is billed on that same fleet, and results come back in trial order
//! whatever the number of threads, so every sum and every file is bit-identical.

use crate::attribution::Attributed;
use crate::billing::{Bill, discount};
use crate::charge::{Breakdown, Horizon, Overflow};
use crate::engine::{Engine, Workspace};
use crate::error::{Error, InputError, Result};
use crate::purchase::Plan;
use crate::time::{Duration, Instant};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// One worker's workspace, alone on its cache lines.
#[repr(align(128))]
struct Slot<W>(Mutex<Option<W>>);

/// How many trials to run and how.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// The first trial's number (0 for a run; `capsim recommend` checks on later trials).
    pub first: u64,
    /// Number of trials.
    pub trials: u64,
    /// Seed of the trials.
    pub seed: u64,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

/// The most memory the samples of one run (or one sweep point) may take.
pub const MAX_SAMPLE_BYTES: u64 = 4 << 30;

/// One strategy's result in one trial.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The exact bill.
    pub bill: Bill,
    /// Net present value of its cash timeline at the scenario's discount rate.
    pub npv: f64,
    /// Cash paid by the end of each month of [`CashMonths`] (cumulative).
    pub cumulative_cash: Vec<f64>,
    /// Utilisation, coverage and cost per entry and per instance type.
    pub attributed: Attributed,
}

/// Every strategy's result in one trial (`payg` first).
#[derive(Clone, Debug)]
pub struct TrialResult {
    /// The trial's index.
    pub trial: u64,
    /// One outcome per plan, in plan order.
    pub outcomes: Vec<Outcome>,
    /// What the trial drew: its variables and its events' outcomes.
    pub draws: crate::fleet::Draws,
}

impl TrialResult {
    /// The trial's lowest total (amortized) and how many strategies share it.
    pub fn cheapest(&self) -> (Decimal, usize) {
        let totals = self.outcomes.iter().map(|o| o.bill.amortized_total);
        let cheapest = totals.clone().min().unwrap_or_default();
        (cheapest, totals.filter(|&v| v == cheapest).count())
    }
}

/// The months of the cash view: month m (1-based) is `[start + (m-1) months, start + m months)`
/// on the billing calendar; payments after the horizon (the last monthly bill) fall in the
/// months after it.
#[derive(Clone, Debug)]
pub struct CashMonths {
    /// The end of each month.
    pub ends: Vec<Instant>,
}

impl CashMonths {
    fn new(engine: &Engine<'_>) -> CashMonths {
        let s = engine.scenario;
        let last_payment = engine
            .plans
            .iter()
            .flat_map(|p| p.charges.iter())
            .filter(|c| c.horizon == Horizon::Inside)
            .map(|c| c.paid_at)
            .chain(engine.layout.bill_dates.iter().copied())
            .max()
            .unwrap_or(s.end)
            .max(s.end);
        let mut ends = Vec::new();
        let mut m = 1;
        loop {
            let end = Duration::Months(m).after(s.start, s.billing.calendar_zone);
            ends.push(end);
            if end > last_payment {
                break;
            }
            m += 1;
        }
        CashMonths { ends }
    }

    /// The month (0-based) an instant falls in; instants before the start count in the first.
    pub fn month_of(&self, t: Instant) -> usize {
        self.ends
            .partition_point(|&e| e <= t)
            .min(self.ends.len() - 1)
    }

    /// Number of months.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no months (never: a horizon has at least one).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// Per plan, the cash of its charges that do not depend on the fleet, by month and discounted.
struct FixedCash {
    by_month: Vec<f64>,
    npv: f64,
}

/// A scenario prepared for a Monte Carlo run.
pub struct Runner<'e, 's> {
    /// The engine.
    pub engine: &'e Engine<'s>,
    /// The months of the cash view.
    pub months: CashMonths,
    fixed: Vec<FixedCash>,
    /// Month and discount factor of each bill date.
    bill_month: Vec<(usize, f64)>,
}

impl<'e, 's> Runner<'e, 's> {
    /// Prepares the cash views of every plan: each is read from the plan's charges, the exact
    /// amount of each payment turned into a float only to be discounted and charted.
    pub fn new(engine: &'e Engine<'s>) -> Runner<'e, 's> {
        let s = engine.scenario;
        let rate: f64 = s.discount_rate.try_into().unwrap_or(0.0);
        let months = CashMonths::new(engine);
        let fixed = engine
            .plans
            .iter()
            .map(|plan: &Plan| {
                let mut by_month = vec![0.0; months.len()];
                let mut npv = 0.0;
                for c in plan.charges.iter().filter(|c| c.horizon == Horizon::Inside) {
                    let amount = c.amount.to_f64();
                    by_month[months.month_of(c.paid_at)] += amount;
                    npv += amount * discount(c.paid_at, s.start, rate);
                }
                FixedCash { by_month, npv }
            })
            .collect();
        let bill_month = engine
            .layout
            .bill_dates
            .iter()
            .map(|&t| (months.month_of(t), discount(t, s.start, rate)))
            .collect();
        Runner {
            engine,
            months,
            fixed,
            bill_month,
        }
    }

    /// Bills every plan on trial `trial`'s fleet.
    pub fn trial(&self, seed: u64, trial: u64, ws: &mut Workspace) -> Result<TrialResult> {
        let engine = self.engine;
        engine.fill(seed, trial, ws)?;
        let mut outcomes = Vec::with_capacity(engine.plans.len());
        for p in 0..engine.plans.len() {
            let fixed = &self.fixed[p];
            let mut by_month = fixed.by_month.clone();
            let mut npv = fixed.npv;
            let bill = engine
                .bill_by_period(p, ws, |b, sum| {
                    let (month, factor) = self.bill_month[b];
                    let amount = sum.to_f64();
                    by_month[month] += amount;
                    npv += amount * factor;
                })
                .map_err(|e| engine.overflow(trial, p, e))?;
            let attributed = engine
                .attribute(p, ws, &bill)
                .map_err(|e| engine.overflow(trial, p, e))?;
            let mut total = 0.0;
            let cumulative_cash = by_month
                .iter()
                .map(|v| {
                    total += v;
                    total
                })
                .collect();
            outcomes.push(Outcome {
                bill,
                npv,
                cumulative_cash,
                attributed,
            });
        }
        Ok(TrialResult {
            trial,
            outcomes,
            draws: ws.draws.clone(),
        })
    }

    /// Runs the trials into samples: `on_trial` sees each trial's results in trial order (to
    /// write them), `progress` is told how many more are done. Stops early when `stop` is set; the samples hold
    /// the trials finished.
    pub fn collect(
        &self,
        settings: Settings,
        stop: &AtomicBool,
        mut progress: impl FnMut(u64),
        mut on_trial: impl FnMut(&TrialResult) -> Result<()>,
    ) -> Result<Samples> {
        self.check_sample_memory(settings.trials, "--trials or [scenario] trials")?;
        let mut samples = Samples::new(self.engine, &self.months);
        self.run(settings, stop, |chunk| {
            for t in chunk {
                on_trial(t)?;
                samples.add(t).map_err(|e| {
                    Error::Input(InputError::file(
                        &self.engine.scenario.file,
                        format!(
                            "the sum over {} trials of a strategy's costs: {e}; run fewer trials",
                            t.trial + 1
                        ),
                    ))
                })?;
            }
            progress(chunk.len() as u64);
            Ok(())
        })?;
        Ok(samples)
    }

    /// Refuses a run whose samples would not fit in [`MAX_SAMPLE_BYTES`]: every trial keeps,
    /// per strategy, five numbers and its cumulative cash by month, for the quantiles, and
    /// the columns of what it drew. `key` names the setting in the message.
    pub fn check_sample_memory(&self, trials: u64, key: &str) -> Result<()> {
        let plans = self.engine.plans.len() as u64;
        let columns = crate::fleet::draw_columns(self.engine.scenario).len() as u64;
        let per_trial = (plans * (5 + self.months.len() as u64) + columns) * 8;
        let most = MAX_SAMPLE_BYTES / per_trial.max(1);
        if trials > most {
            let grouped = |v: u64| crate::money::display_grouped(Decimal::from(v), 0);
            return Err(Error::Input(InputError::file(
                &self.engine.scenario.file,
                format!(
                    "{key}: found {}, expected at most {} for this scenario: each trial keeps {} bytes of samples ({} strategies with pay-as-you-go, {} months of cash{}) and a run holds at most 4 GiB of them",
                    grouped(trials),
                    grouped(most),
                    grouped(per_trial),
                    plans,
                    self.months.len(),
                    if columns > 0 {
                        format!(", {columns} drawn variables and events")
                    } else {
                        String::new()
                    }
                ),
            )));
        }
        Ok(())
    }

    /// Runs `settings.trials` trials; `on_chunk` receives the results in trial order. Stops
    /// early, between trials, when `stop` is set: returns the number of trials finished (the
    /// results passed to `on_chunk` are exactly those).
    pub fn run(
        &self,
        settings: Settings,
        stop: &AtomicBool,
        on_chunk: impl FnMut(&[TrialResult]) -> Result<()>,
    ) -> Result<u64> {
        for_trials(
            self.engine,
            settings,
            stop,
            |k, ws| self.trial(settings.seed, k, ws),
            on_chunk,
        )
    }
}

/// Runs `trial` on trials `settings.first ..` (`settings.trials` of them) in parallel, each
/// thread with its own workspace; `on_chunk` receives the results in trial order, so whatever
/// the number of threads the caller sees the same sequence. Stops early, between trials, when
/// `stop` is set: returns the number of trials finished (the results passed to `on_chunk` are
/// exactly those).
pub fn for_trials<T: Send>(
    engine: &Engine<'_>,
    settings: Settings,
    stop: &AtomicBool,
    trial: impl Fn(u64, &mut Workspace) -> Result<T> + Sync,
    on_chunk: impl FnMut(&[T]) -> Result<()>,
) -> Result<u64> {
    for_trials_with(|| engine.workspace(), settings, stop, trial, on_chunk)
}

/// [`for_trials`] with each thread's workspace made by `workspace` (on the thread's first
/// trial), for trials that need other buffers than an engine's.
pub fn for_trials_with<W: Send, T: Send>(
    workspace: impl Fn() -> W + Sync,
    settings: Settings,
    stop: &AtomicBool,
    trial: impl Fn(u64, &mut W) -> Result<T> + Sync,
    mut on_chunk: impl FnMut(&[T]) -> Result<()>,
) -> Result<u64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot start worker threads: {e}")))?;
    let workers = pool.current_num_threads();
    // Each worker builds its own workspace on first use, so its buffers come from its own
    // allocator arena, and the slots are cache-line aligned: two threads never write to
    // one cache line.
    let workspaces: Vec<Slot<W>> = (0..workers).map(|_| Slot(Mutex::new(None))).collect();
    // Trials run in chunks whose results come back in order. A chunk ends with a barrier
    // (and the caller's writing), so chunks are sized to take about a second: long enough
    // that the barrier costs little, short enough for progress and memory. The size does
    // not change any result.
    let workers = workers as u64;
    let mut chunk = workers * 4;
    let mut done = 0u64;
    let mut start = settings.first;
    let last = settings.first.saturating_add(settings.trials);
    while start < last && !stop.load(Ordering::Relaxed) {
        let end = (start + chunk).min(last);
        let began = std::time::Instant::now();
        let results: Vec<Option<Result<T>>> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .map(|k| {
                    if stop.load(Ordering::Relaxed) {
                        return None;
                    }
                    let worker = rayon::current_thread_index().unwrap_or(0);
                    let mut slot = workspaces[worker].0.lock().expect("not poisoned");
                    let ws = slot.get_or_insert_with(&workspace);
                    Some(trial(k, ws))
                })
                .collect()
        });
        // An interruption inside a chunk keeps the trials finished before the first one
        // skipped, so the finished trials are always first..first + done.
        let finished: Vec<T> = results
            .into_iter()
            .map_while(|r| r)
            .collect::<Result<_>>()?;
        let seconds = began.elapsed().as_secs_f64().max(1e-3);
        chunk = ((chunk as f64 / seconds).round() as u64).clamp(workers * 2, workers * 1024);
        done += finished.len() as u64;
        on_chunk(&finished)?;
        if (finished.len() as u64) < end - start {
            break;
        }
        start = end;
    }
    Ok(done)
}

/// What the trials of one strategy gave.
#[derive(Clone, Debug, Default)]
pub struct StrategySamples {
    /// The strategy's name.
    pub name: String,
    /// `amortized_total` of each trial.
    pub total: Vec<f64>,
    /// `cash_total` of each trial.
    pub cash: Vec<f64>,
    /// NPV of each trial's cash timeline.
    pub npv: Vec<f64>,
    /// `payg total - total` of each trial (paired).
    pub saving: Vec<f64>,
    /// Reservation utilisation of each trial.
    pub utilization: Vec<f64>,
    /// Cumulative cash by month, trial after trial (`months` values each).
    pub cumulative_cash: Vec<f64>,
    /// Sums over the trials of each cost component.
    pub(crate) breakdown_sums: Breakdown,
    /// Sum over the trials of `cash_total`.
    pub(crate) cash_sum: Decimal,
    /// Sum over the trials of `obligation_after_horizon`.
    pub(crate) obligation_sum: Decimal,
    pub(crate) subscription_utilization: f64,
    pub(crate) coverage: f64,
    pub(crate) regret: f64,
    pub(crate) cheapest: f64,
    pub(crate) saving_trials: u64,
    /// Sum over the trials of `amortized_total`, exact.
    pub(crate) amortized_sum: Decimal,
    /// Per entry, the sum over the trials of its utilisation.
    pub(crate) entry_utilization: Vec<f64>,
    /// Per instance type of the engine's attributions: sums over the trials of its coverage,
    /// its cash and its amortized cost.
    pub(crate) type_sums: Vec<TypeSums>,
}

/// Sums over the trials of one instance type's figures (memory does not grow with the trials).
#[derive(Clone, Debug, Default)]
pub(crate) struct TypeSums {
    pub(crate) coverage: f64,
    pub(crate) cash: Decimal,
    pub(crate) amortized: Decimal,
}

/// The samples of every strategy (`payg` first), filled trial by trial in trial order.
#[derive(Clone, Debug)]
pub struct Samples {
    /// Trials collected.
    pub n: usize,
    /// Months of the cash view.
    pub months: usize,
    /// Per strategy.
    pub strategies: Vec<StrategySamples>,
    /// The columns of what the trials drew.
    pub columns: Vec<crate::fleet::DrawColumn>,
    /// Their values, trial after trial (`columns.len()` values each).
    pub draws: Vec<f64>,
    /// Exact sums over the trials of each value that splits the trials (a choice variable's
    /// values, an event's outcomes), for the conditional tables.
    pub splits: Vec<SplitSums>,
}

/// Exact sums over the trials in which a drawn column took one value.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitSums {
    /// Index into [`Samples::columns`].
    pub column: usize,
    /// The value.
    pub value: f64,
    /// Trials in which the column took it.
    pub trials: u64,
    /// Per strategy, the sum of `amortized_total`.
    pub totals: Vec<Decimal>,
    /// Per strategy, the sum of the paired saving against pay-as-you-go.
    pub savings: Vec<Decimal>,
    /// Per strategy, the trials in which it is cheapest (ties share, exactly as the
    /// unconditional table counts them).
    pub cheapest: Vec<f64>,
}

impl Samples {
    /// Empty samples for an engine's plans.
    pub fn new(engine: &Engine<'_>, months: &CashMonths) -> Samples {
        Samples {
            n: 0,
            months: months.len(),
            strategies: engine
                .plans
                .iter()
                .map(|p| StrategySamples {
                    name: p.name.clone(),
                    ..Default::default()
                })
                .collect(),
            columns: crate::fleet::draw_columns(engine.scenario),
            draws: Vec::new(),
            splits: Vec::new(),
        }
        .with_splits()
    }

    /// The sums of every value that splits the trials, empty.
    fn with_splits(mut self) -> Samples {
        let plans = self.strategies.len();
        self.splits = self
            .columns
            .iter()
            .enumerate()
            .flat_map(|(c, column)| {
                column.split.iter().flatten().map(move |&value| SplitSums {
                    column: c,
                    value,
                    trials: 0,
                    totals: vec![Decimal::ZERO; plans],
                    savings: vec![Decimal::ZERO; plans],
                    cheapest: vec![0.0; plans],
                })
            })
            .collect();
        self
    }

    /// Adds one trial (trials must come in order for bit-identical sums); fails when an exact
    /// sum over the trials leaves the range of decimals.
    pub fn add(&mut self, t: &TrialResult) -> std::result::Result<(), Overflow> {
        self.n += 1;
        let width = self.columns.len();
        self.draws
            .extend(self.columns.iter().map(|c| c.value(&t.draws)));
        let drawn = &self.draws[self.draws.len() - width..];
        let totals: Vec<Decimal> = t.outcomes.iter().map(|o| o.bill.amortized_total).collect();
        let (cheapest, ties) = t.cheapest();
        let ties = ties as f64;
        let payg = totals[0];
        for split in &mut self.splits {
            if drawn[split.column] != split.value {
                continue;
            }
            split.trials += 1;
            for (i, total) in totals.iter().enumerate() {
                split.totals[i] = split.totals[i].checked_add(*total).ok_or(Overflow)?;
                split.savings[i] = split.savings[i].checked_add(payg - total).ok_or(Overflow)?;
                if *total == cheapest {
                    split.cheapest[i] += 1.0 / ties;
                }
            }
        }
        for ((s, o), total) in self.strategies.iter_mut().zip(&t.outcomes).zip(&totals) {
            let b = &o.bill;
            let f = |d: Decimal| -> f64 { d.try_into().unwrap_or(0.0) };
            s.total.push(f(*total));
            s.cash.push(f(b.cash_total));
            s.npv.push(o.npv);
            let saving = payg - total;
            s.saving.push(f(saving));
            if saving > Decimal::ZERO {
                s.saving_trials += 1;
            }
            s.utilization.push(f(b.utilization));
            s.subscription_utilization += f(b.subscription_utilization);
            s.coverage += f(b.coverage);
            s.regret += f(total - cheapest);
            if *total == cheapest {
                s.cheapest += 1.0 / ties;
            }
            let sums = s.breakdown_sums.0.iter_mut().zip(b.breakdown.0).chain([
                (&mut s.cash_sum, b.cash_total),
                (&mut s.obligation_sum, b.obligation_after_horizon),
            ]);
            for (sum, v) in sums {
                *sum = sum.checked_add(v).ok_or(Overflow)?;
            }
            s.cumulative_cash.extend_from_slice(&o.cumulative_cash);
            s.amortized_sum = s.amortized_sum.checked_add(*total).ok_or(Overflow)?;
            let a = &o.attributed;
            s.entry_utilization.resize(a.entries.len(), 0.0);
            for (sum, e) in s.entry_utilization.iter_mut().zip(&a.entries) {
                *sum += f(e.utilization);
            }
            s.type_sums.resize(a.types.len(), TypeSums::default());
            for (sum, t) in s.type_sums.iter_mut().zip(&a.types) {
                sum.coverage += f(t.coverage);
                sum.cash = sum.cash.checked_add(t.cash).ok_or(Overflow)?;
                sum.amortized = sum.amortized.checked_add(t.amortized).ok_or(Overflow)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bill whose every amount is `v`.
    fn bill(v: Decimal) -> Bill {
        Bill {
            strategy: "s".to_string(),
            breakdown: Breakdown([v; 7]),
            cash_total: v,
            amortized_total: v,
            obligation_after_horizon: v,
            reserved_unit_seconds: Decimal::ZERO,
            used_unit_seconds: Decimal::ZERO,
            subscribed_seconds: 0,
            carried_seconds: 0,
            covered_seconds: Decimal::ZERO,
            usage_seconds: 0,
            utilization: Decimal::ZERO,
            subscription_utilization: Decimal::ZERO,
            coverage: Decimal::ZERO,
        }
    }

    fn trial(k: u64, v: Decimal) -> TrialResult {
        TrialResult {
            trial: k,
            outcomes: vec![Outcome {
                bill: bill(v),
                npv: 0.0,
                cumulative_cash: Vec::new(),
                attributed: Attributed::default(),
            }],
            draws: Default::default(),
        }
    }

    #[test]
    fn sums_over_trials_are_exact_or_refused() {
        let mut samples = Samples {
            n: 0,
            months: 0,
            strategies: vec![StrategySamples::default()],
            columns: Vec::new(),
            draws: Vec::new(),
            splits: Vec::new(),
        };
        // Two trials of 4e28 each: the exact sum, 8e28, is past the 7.9e28 of a decimal.
        let big = Decimal::from_str_exact("40000000000000000000000000000").unwrap();
        samples.add(&trial(0, big)).unwrap();
        assert_eq!(samples.strategies[0].cash_sum, big);
        assert_eq!(samples.add(&trial(1, big)), Err(Overflow));
    }
}
