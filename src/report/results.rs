//! The statistics of a run (docs/spec.md, sections 7 and 8), typed and computed once from the
//! samples: per strategy the distribution of the total, the paired savings against
//! pay-as-you-go, the chance of being cheapest, the cash view, and whether the trials were
//! enough to tell the two cheapest strategies apart. `summary.json`, the report, the charts and
//! `sweep.csv` are views of [`RunStats`].

use super::breakdowns::Breakdowns;
use crate::charge::Breakdown;
use crate::engine::Engine;
use crate::montecarlo::Samples;
use crate::purchase::Plan;
use crate::stats::{self, Summary};
use rust_decimal::Decimal;

/// Paired savings against pay-as-you-go.
#[derive(Clone, Debug, PartialEq)]
pub struct Savings {
    /// Mean saving.
    pub mean: f64,
    /// Its 95% confidence interval.
    pub ci95: (f64, f64),
    /// Mean saving as a percentage of the mean pay-as-you-go total; `None` when that total is
    /// 0 (nothing runs), where no percentage means anything.
    pub percent: Option<f64>,
    /// 5th percentile of the saving.
    pub p5: f64,
    /// 95th percentile of the saving.
    pub p95: f64,
    /// Share of trials with a saving > 0.
    pub share_saving: f64,
}

/// Cumulative cash at the end of a month, across trials.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MonthCash {
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// A purchase entry's effective rate.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryRate {
    /// `reserve[i]` or `subscribe[i]`.
    pub entry: String,
    /// Per instance-hour of its first period.
    pub effective_hourly_rate: Option<Decimal>,
}

/// One strategy's statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct StrategyStats {
    /// Name.
    pub name: String,
    /// The headline total (amortized).
    pub total: Summary,
    /// Mean cost components.
    pub breakdown_mean: Breakdown,
    /// Mean cash paid in the horizon.
    pub cash_total_mean: Decimal,
    /// Mean NPV of the cash timeline.
    pub npv_mean: f64,
    /// Mean amount owed after the horizon.
    pub obligation_after_horizon_mean: Decimal,
    /// Mean reservation utilisation.
    pub utilization_mean: f64,
    /// Mean subscription utilisation.
    pub subscription_utilization_mean: f64,
    /// Mean coverage.
    pub coverage_mean: f64,
    /// Mean cost above the trial's cheapest strategy.
    pub regret_mean: f64,
    /// Paired savings against pay-as-you-go.
    pub savings_vs_payg: Savings,
    /// Share of trials in which it is the cheapest (ties share).
    pub p_cheapest: f64,
    /// First month (1-based) after which the median paired cash difference against
    /// pay-as-you-go stays at or below zero.
    pub break_even_month: Option<usize>,
    /// Cumulative cash by month (month 1 first).
    pub cash_flow_monthly: Vec<MonthCash>,
    /// Effective rates of its entries.
    pub reservations: Vec<EntryRate>,
    /// Utilisation, coverage and cost per entry and per instance type (absent from the point
    /// files of older sweeps).
    pub breakdowns: Option<Breakdowns>,
}

/// Whether the trials tell the two cheapest strategies apart.
#[derive(Clone, Debug, PartialEq)]
pub struct Enough {
    /// Lowest mean total.
    pub best: String,
    /// Second lowest.
    pub runner_up: String,
    /// Mean of the paired difference (runner-up minus best).
    pub diff_mean: f64,
    /// Half-width of its 95% confidence interval.
    pub diff_ci95_half_width: f64,
    /// True when the interval excludes zero.
    pub decided: bool,
    /// True when the two cost exactly the same in every trial (no number of trials tells
    /// them apart).
    pub tied: bool,
}

/// The statistics of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunStats {
    /// The scenario's name.
    pub scenario: String,
    /// Trials summarised.
    pub trials: usize,
    /// Trials asked for.
    pub trials_requested: u64,
    /// The seed.
    pub seed: u64,
    /// Currency of every amount.
    pub currency: String,
    /// True when the run was interrupted: the statistics cover only the finished trials.
    pub partial: bool,
    /// Whether the trials were enough.
    pub trials_enough: Option<Enough>,
    /// Per strategy, `payg` first.
    pub strategies: Vec<StrategyStats>,
    /// The strategy table on the trials in which a choice variable took each of its values,
    /// or a probabilistic event did or did not happen.
    pub conditional: Vec<Conditional>,
}

/// The strategies on the trials in which a drawn column took one value.
#[derive(Clone, Debug, PartialEq)]
pub struct Conditional {
    /// The column, as `trials.csv` names it: `var.NAME` or `event.FLEET.INDEX`.
    pub column: String,
    /// Its value (an event: 1 happened, 0 did not).
    pub value: f64,
    /// Trials in which it took the value.
    pub trials: usize,
    /// Their share of all trials.
    pub share: f64,
    /// Per strategy, `payg` first; empty when no trial took the value.
    pub strategies: Vec<ConditionalStrategy>,
}

/// One strategy on the trials of a [`Conditional`].
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionalStrategy {
    /// Name.
    pub name: String,
    /// Mean total (amortized).
    pub mean: f64,
    /// 95th percentile of the total.
    pub p95: f64,
    /// Mean of the worst 5% of totals.
    pub cvar95: f64,
    /// Mean NPV of the cash timeline.
    pub npv_mean: f64,
    /// Mean saving against pay-as-you-go as a percentage of pay-as-you-go's mean total.
    pub savings_percent: Option<f64>,
    /// Share of these trials in which it is the cheapest (ties share).
    pub p_cheapest: f64,
}

impl Conditional {
    /// The condition in words: `migrate = 1`, `web's event 0 happened`.
    pub fn label(&self) -> String {
        if let Some(name) = self.column.strip_prefix("var.") {
            return format!("{name} = {}", self.value);
        }
        let event = self.column.strip_prefix("event.").unwrap_or(&self.column);
        let (fleet, index) = event.rsplit_once('.').unwrap_or((event, "?"));
        format!(
            "{fleet}'s event {index} {}",
            if self.value != 0.0 {
                "happened"
            } else {
                "did not happen"
            }
        )
    }

    /// The cheapest strategy among those from position `from` on, ranked as [`by_cost`].
    pub fn cheapest(&self, from: usize) -> Option<&ConditionalStrategy> {
        self.strategies
            .iter()
            .skip(from)
            .min_by(|a, b| by_cost((a.mean, a.npv_mean), (b.mean, b.npv_mean)))
    }
}

/// The conditional tables of every value that splits the trials: means and shares from the
/// exact sums, quantiles from the trials' totals.
fn conditionals(samples: &Samples) -> Vec<Conditional> {
    let n = samples.n;
    let width = samples.columns.len();
    samples
        .splits
        .iter()
        .map(|split| {
            let trials: Vec<usize> = (0..n)
                .filter(|&k| samples.draws[k * width + split.column] == split.value)
                .collect();
            Conditional {
                column: samples.columns[split.column].name.clone(),
                value: split.value,
                trials: trials.len(),
                share: ratio(trials.len() as f64, n),
                strategies: if trials.is_empty() {
                    Vec::new()
                } else {
                    conditional_strategies(samples, split, &trials)
                },
            }
        })
        .collect()
}

/// The strategies on the trials `trials` (not empty) of one split.
fn conditional_strategies(
    samples: &Samples,
    split: &crate::montecarlo::SplitSums,
    trials: &[usize],
) -> Vec<ConditionalStrategy> {
    let pick = |v: &[f64]| -> Vec<f64> { trials.iter().map(|&k| v[k]).collect() };
    let f = |d: Decimal| -> f64 { d.try_into().unwrap_or(0.0) };
    let payg_sum = split.totals[0];
    samples
        .strategies
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let total = stats::sorted(&pick(&s.total));
            ConditionalStrategy {
                name: s.name.clone(),
                mean: f(mean_exact(split.totals[i], trials.len())),
                p95: stats::quantile_sorted(&total, 0.95),
                cvar95: stats::cvar95_sorted(&total),
                npv_mean: stats::mean(&pick(&s.npv)),
                savings_percent: (payg_sum > Decimal::ZERO)
                    .then(|| 100.0 * f(split.savings[i] / payg_sum)),
                p_cheapest: split.cheapest[i] / trials.len() as f64,
            }
        })
        .collect()
}

impl RunStats {
    /// The statistics of the trials in `samples`.
    pub fn new(
        engine: &Engine<'_>,
        samples: &Samples,
        seed: u64,
        trials_requested: u64,
        partial: bool,
    ) -> RunStats {
        let n = samples.n;
        let payg_mean = stats::mean(&samples.strategies[0].total);
        let months = samples.months;
        let payg_cash = &samples.strategies[0].cumulative_cash;
        let strategies = samples
            .strategies
            .iter()
            .zip(&engine.plans)
            .enumerate()
            .map(|(i, (s, plan))| {
                let sv = stats::summarize(&s.saving);
                let sv_h = stats::ci95_half_width(&s.saving);
                let cash_flow_monthly = (0..months)
                    .filter(|_| n > 0)
                    .map(|m| {
                        let v = stats::sorted(
                            &(0..n)
                                .map(|k| s.cumulative_cash[k * months + m])
                                .collect::<Vec<f64>>(),
                        );
                        MonthCash {
                            p5: stats::quantile_sorted(&v, 0.05),
                            p50: stats::quantile_sorted(&v, 0.5),
                            p95: stats::quantile_sorted(&v, 0.95),
                        }
                    })
                    .collect();
                let break_even_month = if i == 0 || n == 0 {
                    None
                } else {
                    let medians: Vec<f64> = (0..months)
                        .map(|m| {
                            let diff: Vec<f64> = (0..n)
                                .map(|k| {
                                    s.cumulative_cash[k * months + m] - payg_cash[k * months + m]
                                })
                                .collect();
                            stats::quantile_sorted(&stats::sorted(&diff), 0.5)
                        })
                        .collect();
                    break_even(&medians)
                };
                StrategyStats {
                    name: s.name.clone(),
                    total: stats::summarize(&s.total),
                    breakdown_mean: Breakdown(s.breakdown_sums.0.map(|sum| mean_exact(sum, n))),
                    cash_total_mean: mean_exact(s.cash_sum, n),
                    npv_mean: stats::mean(&s.npv),
                    obligation_after_horizon_mean: mean_exact(s.obligation_sum, n),
                    utilization_mean: stats::mean(&s.utilization),
                    subscription_utilization_mean: ratio(s.subscription_utilization, n),
                    coverage_mean: ratio(s.coverage, n),
                    regret_mean: ratio(s.regret, n),
                    savings_vs_payg: Savings {
                        mean: sv.mean,
                        ci95: (sv.mean - sv_h, sv.mean + sv_h),
                        percent: (payg_mean > 0.0).then(|| 100.0 * sv.mean / payg_mean),
                        p5: sv.p5,
                        p95: sv.p95,
                        share_saving: ratio(s.saving_trials as f64, n),
                    },
                    p_cheapest: ratio(s.cheapest, n),
                    break_even_month,
                    cash_flow_monthly,
                    reservations: entries(plan),
                    breakdowns: Some(Breakdowns::new(engine, i, s, n, mean_exact(s.cash_sum, n))),
                }
            })
            .collect();
        RunStats {
            scenario: engine.scenario.name.clone(),
            trials: n,
            trials_requested,
            seed,
            currency: engine.scenario.currency.clone(),
            partial,
            trials_enough: enough(samples),
            strategies,
            conditional: conditionals(samples),
        }
    }

    /// The cheapest strategy among those from position `from` on (0: all, 1: all but
    /// pay-as-you-go), in the order of [`by_cost`].
    pub fn cheapest(&self, from: usize) -> Option<(usize, &StrategyStats)> {
        self.strategies
            .iter()
            .enumerate()
            .skip(from)
            .min_by(|(_, a), (_, b)| {
                by_cost((a.total.mean, a.npv_mean), (b.total.mean, b.npv_mean))
            })
    }
}

/// How strategies rank by cost, given (mean total, mean NPV): the lower mean total first;
/// equal means, as strategies whose amortized totals tie trial by trial have, go to the lower
/// mean NPV (the same cost paid later); then to the first in the file (`min_by` and stable
/// sorts keep it first).
pub fn by_cost(a: (f64, f64), b: (f64, f64)) -> std::cmp::Ordering {
    a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1))
}

pub(super) fn mean_exact(sum: Decimal, n: usize) -> Decimal {
    if n == 0 {
        Decimal::ZERO
    } else {
        sum / Decimal::from(n)
    }
}

fn ratio(sum: f64, n: usize) -> f64 {
    if n == 0 { 0.0 } else { sum / n as f64 }
}

fn entries(plan: &Plan) -> Vec<EntryRate> {
    plan.entries
        .iter()
        .map(|e| EntryRate {
            entry: e.entry.clone(),
            effective_hourly_rate: e.effective_hourly_rate,
        })
        .collect()
}

/// The first month (1-based) whose median is <= 0 and stays so.
pub fn break_even(medians: &[f64]) -> Option<usize> {
    let last_positive = medians.iter().rposition(|&v| v > 0.0);
    match last_positive {
        None if medians.is_empty() => None,
        None => Some(1),
        Some(i) if i + 1 < medians.len() => Some(i + 2),
        Some(_) => None,
    }
}

fn enough(samples: &Samples) -> Option<Enough> {
    if samples.strategies.len() < 2 || samples.n == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..samples.strategies.len()).collect();
    let costs: Vec<(f64, f64)> = samples
        .strategies
        .iter()
        .map(|s| (stats::mean(&s.total), stats::mean(&s.npv)))
        .collect();
    order.sort_by(|&a, &b| by_cost(costs[a], costs[b]).then(a.cmp(&b)));
    let (best, runner) = (&samples.strategies[order[0]], &samples.strategies[order[1]]);
    let diff: Vec<f64> = runner
        .total
        .iter()
        .zip(&best.total)
        .map(|(r, b)| r - b)
        .collect();
    let mean = stats::mean(&diff);
    let h = stats::ci95_half_width(&diff);
    Some(Enough {
        best: best.name.clone(),
        runner_up: runner.name.clone(),
        diff_mean: mean,
        diff_ci95_half_width: h,
        decided: mean - h > 0.0,
        tied: diff.iter().all(|d| *d == 0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn break_even_is_the_first_month_that_stays_non_positive() {
        assert_eq!(break_even(&[5.0, 2.0, -1.0, -3.0]), Some(3));
        assert_eq!(break_even(&[5.0, -2.0, 1.0, -3.0]), Some(4));
        assert_eq!(break_even(&[-1.0, -2.0]), Some(1));
        assert_eq!(break_even(&[1.0, 2.0, 0.5]), None);
        assert_eq!(break_even(&[3.0, 0.0]), Some(2));
    }
}
