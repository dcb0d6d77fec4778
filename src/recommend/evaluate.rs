//! Portfolios billed by the shared matching core: each batch of portfolios is laid out as
//! plans of one engine and billed on the search trials, every portfolio on the same fleets
//! (common random numbers), in parallel over trials and in trial order, so the scores do not
//! depend on the number of threads or on which portfolios share a batch.

use super::Step;
use super::score::Scored;
use super::search::Evaluate;
use super::space::{Counts, Space};
use crate::engine::{Engine, Workspace};
use crate::error::{Error, InputError, Result};
use crate::montecarlo::{Settings, for_trials};
use crate::purchase::Plan;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;

/// Hour entries (capacity and cover numbers) the plans of one batch may hold: about 100 MB.
const BATCH_HOURS: u64 = 12_500_000;

/// The most portfolios in one batch.
const MAX_BATCH: usize = 512;

/// Trial totals (16 bytes each) one batch may hold: 256 MB.
const BATCH_TOTALS: usize = 16 << 20;

/// Scores kept for portfolios billed again (a few hundred bytes each).
const CACHE_LIMIT: usize = 200_000;

/// Bills portfolios on the search trials with the shared matching core.
pub(super) struct CoreEvaluator<'e, 's> {
    engine: &'e mut Engine<'s>,
    space: &'e Space,
    seed: u64,
    threads: usize,
    trials: usize,
    stop: &'e AtomicBool,
    /// Pay-as-you-go's total in each search trial.
    payg: Vec<Decimal>,
    cache: HashMap<(Counts, usize), Scored>,
    batch: usize,
    /// Portfolios billed (on any number of trials).
    pub portfolios: u64,
    /// Portfolio-trials billed.
    pub bills: u64,
    progress: &'e mut dyn FnMut(Step),
}

impl<'e, 's> CoreEvaluator<'e, 's> {
    /// An evaluator of `trials` search trials (0 to trials - 1); `payg` holds pay-as-you-go's
    /// total in each; `progress` is told of the portfolio-trials planned and billed.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        engine: &'e mut Engine<'s>,
        space: &'e Space,
        seed: u64,
        threads: usize,
        payg: Vec<Decimal>,
        stop: &'e AtomicBool,
        progress: &'e mut dyn FnMut(Step),
    ) -> CoreEvaluator<'e, 's> {
        let hours = engine.layout.hours as u64;
        // Each reservation offer is one hourly array per pool, each subscription one per cell.
        let arrays = (space.offers.len() as u64 + 2).max(1);
        let by_hours = (BATCH_HOURS / (arrays * hours).max(1)).clamp(1, MAX_BATCH as u64) as usize;
        let batch = by_hours.min(BATCH_TOTALS / payg.len().max(1)).max(1);
        CoreEvaluator {
            engine,
            space,
            seed,
            threads,
            trials: payg.len(),
            stop,
            payg,
            cache: HashMap::new(),
            batch,
            portfolios: 0,
            bills: 0,
            progress,
        }
    }

    /// Bills plans on trials 0..n and returns each plan's totals, trial by trial.
    fn totals(&mut self, plans: Vec<Plan>, n: usize) -> Result<Vec<Vec<Decimal>>> {
        bill_plans(
            self.engine,
            plans,
            self.seed,
            self.threads,
            n,
            self.stop,
            &mut *self.progress,
        )
    }
}

/// Bills `plans` on trials 0..n of an engine; returns each plan's `amortized_total`, trial by
/// trial.
pub fn bill_plans(
    engine: &mut Engine<'_>,
    plans: Vec<Plan>,
    seed: u64,
    threads: usize,
    n: usize,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Step),
) -> Result<Vec<Vec<Decimal>>> {
    let count = plans.len();
    engine.plans = plans;
    let engine: &Engine<'_> = engine;
    let trials = Trials {
        seed,
        threads,
        n,
        stop,
    };
    trials.columns(
        engine,
        count,
        count as u64,
        "searching",
        progress,
        |k, ws| {
            (0..count)
                .map(|p| {
                    engine
                        .bill(p, ws)
                        .map(|b| b.amortized_total)
                        .map_err(|e| engine.overflow(k, p, e))
                })
                .collect()
        },
    )
}

/// Search trials 0..n of one seed, run on `threads` threads until `stop` is set.
pub(super) struct Trials<'a> {
    /// The seed.
    pub(super) seed: u64,
    /// Worker threads (0: one per core).
    pub(super) threads: usize,
    /// How many.
    pub(super) n: usize,
    /// Set by Ctrl-C.
    pub(super) stop: &'a AtomicBool,
}

impl Trials<'_> {
    /// Fills each trial's fleet, computes `width` values from it with `each`, and returns them
    /// as `width` columns of one value per trial, in trial order. `progress` hears of `weight`
    /// bills a trial; an interruption is an error that says it happened `during` what.
    pub(super) fn columns<T: Send + Clone>(
        &self,
        engine: &Engine<'_>,
        width: usize,
        weight: u64,
        during: &str,
        progress: &mut dyn FnMut(Step),
        each: impl Fn(u64, &mut Workspace) -> Result<Vec<T>> + Sync,
    ) -> Result<Vec<Vec<T>>> {
        let n = self.n;
        progress(Step::Planned(n as u64 * weight));
        let mut columns: Vec<Vec<T>> = vec![Vec::with_capacity(n); width];
        let settings = Settings {
            first: 0,
            trials: n as u64,
            seed: self.seed,
            threads: self.threads,
        };
        let done = for_trials(
            engine,
            settings,
            self.stop,
            |k, ws| {
                engine.fill(self.seed, k, ws)?;
                each(k, ws)
            },
            |chunk| {
                for trial in chunk {
                    for (column, v) in columns.iter_mut().zip(trial) {
                        column.push(v.clone());
                    }
                }
                progress(Step::Billed(chunk.len() as u64 * weight));
                Ok(())
            },
        )?;
        if done < n as u64 {
            return Err(Error::Interrupted(format!(
                "interrupted while {during}; nothing was written"
            )));
        }
        Ok(columns)
    }
}

impl Evaluate for CoreEvaluator<'_, '_> {
    fn trials(&self) -> usize {
        self.trials
    }

    fn score(&mut self, portfolios: &[Counts], n: usize) -> Result<Vec<Scored>> {
        let mut missing: Vec<Counts> = Vec::new();
        let mut seen: HashSet<&Counts> = HashSet::new();
        for c in portfolios {
            if !self.cache.contains_key(&(c.clone(), n)) && seen.insert(c) {
                missing.push(c.clone());
            }
        }
        let mut fresh: HashMap<Counts, Scored> = HashMap::with_capacity(missing.len());
        for chunk in missing.chunks(self.batch) {
            let ctx = self.engine.context();
            let plans = chunk
                .iter()
                .map(|c| {
                    Plan::new(&ctx, &self.space.strategy(&name(c), c)).map_err(|e| {
                        Error::Input(InputError::file(
                            &self.engine.scenario.file,
                            format!("[recommend] portfolio {}: {e}", name(c)),
                        ))
                    })
                })
                .collect::<Result<Vec<Plan>>>()?;
            let totals = self.totals(plans, n)?;
            self.portfolios += chunk.len() as u64;
            self.bills += (chunk.len() * n) as u64;
            for (c, t) in chunk.iter().zip(totals) {
                let scored = self.scored(c, &t)?;
                fresh.insert(c.clone(), scored);
            }
        }
        let out = portfolios
            .iter()
            .map(|c| match fresh.get(c) {
                Some(s) => s.clone(),
                None => self.cache[&(c.clone(), n)].clone(),
            })
            .collect();
        // An exhaustive search bills each portfolio once: past the limit nothing more is kept.
        if self.cache.len() + fresh.len() <= CACHE_LIMIT {
            self.cache
                .extend(fresh.into_iter().map(|(c, s)| ((c, n), s)));
        }
        Ok(out)
    }
}

impl CoreEvaluator<'_, '_> {
    fn scored(&self, counts: &[u32], totals: &[Decimal]) -> Result<Scored> {
        let too_large = || {
            super::sum_too_large(
                self.engine.scenario,
                &format!("[recommend] portfolio {}", name(counts)),
                &format!("{} search trials", totals.len()),
            )
        };
        let first_day = self.space.first_day_cash(counts).map_err(|_| too_large())?;
        Scored::new(
            counts.to_vec(),
            totals,
            &self.payg[..totals.len()],
            first_day,
            self.space.committed(counts),
        )
        .map_err(|_| too_large())
    }
}

/// A portfolio's name in messages and plan names: its counts.
pub(super) fn name(counts: &[u32]) -> String {
    let parts: Vec<String> = counts.iter().map(u32::to_string).collect();
    format!("[{}]", parts.join(", "))
}
