//! The summary of a run (docs/spec.md, sections 7 and 8): per-strategy statistics of the trials, the
//! paired savings against pay-as-you-go, the chance of being cheapest, the cash view, and
//! whether the trials were enough to tell the two cheapest strategies apart.

use super::table::Table;
use crate::charge::Component;
use crate::engine::Engine;
use crate::money::{display_cents, json_string};
use crate::montecarlo::Samples;
use crate::purchase::Plan;
use crate::stats;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Statistics of a total.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TotalJson {
    /// Mean.
    pub mean: String,
    /// 95% confidence interval of the mean.
    pub ci95: [String; 2],
    /// Standard deviation.
    pub sd: String,
    /// 5th percentile.
    pub p5: String,
    /// 25th percentile.
    pub p25: String,
    /// Median.
    pub p50: String,
    /// 75th percentile.
    pub p75: String,
    /// 95th percentile.
    pub p95: String,
    /// 99th percentile.
    pub p99: String,
    /// Smallest.
    pub min: String,
    /// Largest.
    pub max: String,
    /// Mean of the worst 5% of trials.
    pub cvar95: String,
}

/// Mean cost components, written as one key per component in the bill's order.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakdownJson(pub [String; 7]);

impl BreakdownJson {
    /// The mean of one component.
    pub fn get(&self, c: Component) -> &str {
        &self.0[c.index()]
    }
}

impl Serialize for BreakdownJson {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = ser.serialize_map(Some(self.0.len()))?;
        for c in Component::ALL {
            map.serialize_entry(c.name(), self.get(c))?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for BreakdownJson {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let map = std::collections::HashMap::<String, String>::deserialize(de)?;
        let mut out: [String; 7] = Default::default();
        for c in Component::ALL {
            out[c.index()] = map
                .get(c.name())
                .cloned()
                .ok_or_else(|| serde::de::Error::missing_field(c.name()))?;
        }
        Ok(BreakdownJson(out))
    }
}

/// Paired savings against pay-as-you-go.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SavingsJson {
    /// Mean saving.
    pub mean: String,
    /// Its 95% confidence interval.
    pub ci95: [String; 2],
    /// Mean saving as a percentage of the mean pay-as-you-go total.
    pub percent: f64,
    /// 5th percentile of the saving.
    pub p5: String,
    /// 95th percentile of the saving.
    pub p95: String,
    /// Share of trials with a saving > 0.
    pub share_saving: f64,
}

/// Cumulative cash at a month's end.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct MonthJson {
    /// Month (1-based).
    pub month: usize,
    /// 5th percentile.
    pub p5: String,
    /// Median.
    pub p50: String,
    /// 95th percentile.
    pub p95: String,
}

/// An entry's effective rate.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct EntryJson {
    /// `reserve[i]` or `subscribe[i]`.
    pub entry: String,
    /// Per instance-hour of its first period.
    pub effective_hourly_rate: Option<String>,
}

/// One strategy's summary.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StrategyJson {
    /// Name.
    pub name: String,
    /// The headline total (amortized).
    pub total: TotalJson,
    /// Mean cost components.
    pub breakdown_mean: BreakdownJson,
    /// Mean cash paid in the horizon.
    pub cash_total_mean: String,
    /// Mean NPV of the cash timeline.
    pub npv_mean: String,
    /// Mean amount owed after the horizon.
    pub obligation_after_horizon_mean: String,
    /// Mean reservation utilisation.
    pub utilization_mean: f64,
    /// Mean subscription utilisation.
    pub subscription_utilization_mean: f64,
    /// Mean coverage.
    pub coverage_mean: f64,
    /// Mean cost above the trial's cheapest strategy.
    pub regret_mean: String,
    /// Paired savings against pay-as-you-go.
    pub savings_vs_payg: SavingsJson,
    /// Share of trials in which it is the cheapest (ties share).
    pub p_cheapest: f64,
    /// First month after which the median paired cash difference against pay-as-you-go stays
    /// at or below zero.
    pub break_even_month: Option<usize>,
    /// Cumulative cash by month.
    pub cash_flow_monthly: Vec<MonthJson>,
    /// Effective rates of its entries.
    pub reservations: Vec<EntryJson>,
}

/// Whether the trials tell the two cheapest strategies apart.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct EnoughJson {
    /// Lowest mean total.
    pub best: String,
    /// Second lowest.
    pub runner_up: String,
    /// Mean of the paired difference (runner-up minus best).
    pub diff_mean: String,
    /// Half-width of its 95% confidence interval.
    pub diff_ci95_half_width: String,
    /// True when the interval excludes zero.
    pub decided: bool,
    /// True when the two cost exactly the same in every trial (no number of trials tells
    /// them apart).
    #[serde(default)]
    pub tied: bool,
}

/// `summary.json`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SummaryJson {
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
    /// True when the run was interrupted: the summary covers only the finished trials.
    pub partial: bool,
    /// Whether the trials were enough.
    pub trials_enough: Option<EnoughJson>,
    /// Per strategy, `payg` first.
    pub strategies: Vec<StrategyJson>,
}

impl StrategyJson {
    /// The mean total as a number.
    pub fn mean_total(&self) -> f64 {
        self.total.mean.parse().unwrap_or(f64::INFINITY)
    }
}

impl SummaryJson {
    /// The strategy with the lowest mean total among those from position `from` on (0: all,
    /// 1: all but pay-as-you-go); ties go to the first in the file.
    pub fn cheapest(&self, from: usize) -> Option<&StrategyJson> {
        self.strategies
            .iter()
            .skip(from)
            .min_by(|a, b| a.mean_total().total_cmp(&b.mean_total()))
    }
}

/// An `f64` amount as a decimal string, to the cent.
pub fn cents(v: f64) -> String {
    let s = format!("{v:.2}");
    if s == "-0.00" { "0.00".to_string() } else { s }
}

fn mean_exact(sum: Decimal, n: usize) -> String {
    if n == 0 {
        "0".to_string()
    } else {
        json_string(sum / Decimal::from(n))
    }
}

/// Builds the summary.
pub fn summarize(
    engine: &Engine<'_>,
    samples: &Samples,
    seed: u64,
    trials_requested: u64,
    partial: bool,
) -> SummaryJson {
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
            let t = stats::summarize(&s.total);
            let sv = stats::summarize(&s.saving);
            let sv_h = stats::ci95_half_width(&s.saving);
            let per_month = |m: usize, data: &[f32]| -> Vec<f64> {
                (0..n).map(|k| f64::from(data[k * months + m])).collect()
            };
            let cash_flow_monthly = (0..months)
                .filter(|_| n > 0)
                .map(|m| {
                    let v = stats::sorted(&per_month(m, &s.cumulative_cash));
                    MonthJson {
                        month: m + 1,
                        p5: cents(stats::quantile_sorted(&v, 0.05)),
                        p50: cents(stats::quantile_sorted(&v, 0.5)),
                        p95: cents(stats::quantile_sorted(&v, 0.95)),
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
                                f64::from(s.cumulative_cash[k * months + m])
                                    - f64::from(payg_cash[k * months + m])
                            })
                            .collect();
                        stats::quantile_sorted(&stats::sorted(&diff), 0.5)
                    })
                    .collect();
                break_even(&medians)
            };
            StrategyJson {
                name: s.name.clone(),
                total: TotalJson {
                    mean: cents(t.mean),
                    ci95: [cents(t.ci95.0), cents(t.ci95.1)],
                    sd: cents(t.sd),
                    p5: cents(t.p5),
                    p25: cents(t.p25),
                    p50: cents(t.p50),
                    p75: cents(t.p75),
                    p95: cents(t.p95),
                    p99: cents(t.p99),
                    min: cents(t.min),
                    max: cents(t.max),
                    cvar95: cents(t.cvar95),
                },
                breakdown_mean: BreakdownJson(s.breakdown_sums.0.map(|sum| mean_exact(sum, n))),
                cash_total_mean: mean_exact(s.cash_sum, n),
                npv_mean: cents(stats::mean(&s.npv)),
                obligation_after_horizon_mean: mean_exact(s.obligation_sum, n),
                utilization_mean: stats::mean(&s.utilization),
                subscription_utilization_mean: ratio(s.subscription_utilization, n),
                coverage_mean: ratio(s.coverage, n),
                regret_mean: cents(ratio(s.regret, n)),
                savings_vs_payg: SavingsJson {
                    mean: cents(sv.mean),
                    ci95: [cents(sv.mean - sv_h), cents(sv.mean + sv_h)],
                    percent: if payg_mean > 0.0 {
                        100.0 * sv.mean / payg_mean
                    } else {
                        0.0
                    },
                    p5: cents(sv.p5),
                    p95: cents(sv.p95),
                    share_saving: ratio(s.saving_trials as f64, n),
                },
                p_cheapest: ratio(s.cheapest, n),
                break_even_month,
                cash_flow_monthly,
                reservations: entries(plan),
            }
        })
        .collect();
    SummaryJson {
        scenario: engine.scenario.name.clone(),
        trials: n,
        trials_requested,
        seed,
        currency: engine.scenario.currency.clone(),
        partial,
        trials_enough: enough(samples),
        strategies,
    }
}

fn ratio(sum: f64, n: usize) -> f64 {
    if n == 0 { 0.0 } else { sum / n as f64 }
}

fn entries(plan: &Plan) -> Vec<EntryJson> {
    plan.entries
        .iter()
        .map(|e| EntryJson {
            entry: e.entry.clone(),
            effective_hourly_rate: e.effective_hourly_rate.map(json_string),
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

fn enough(samples: &Samples) -> Option<EnoughJson> {
    if samples.strategies.len() < 2 || samples.n == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..samples.strategies.len()).collect();
    let means: Vec<f64> = samples
        .strategies
        .iter()
        .map(|s| stats::mean(&s.total))
        .collect();
    order.sort_by(|&a, &b| means[a].total_cmp(&means[b]).then(a.cmp(&b)));
    let (best, runner) = (&samples.strategies[order[0]], &samples.strategies[order[1]]);
    let diff: Vec<f64> = runner
        .total
        .iter()
        .zip(&best.total)
        .map(|(r, b)| r - b)
        .collect();
    let mean = stats::mean(&diff);
    let h = stats::ci95_half_width(&diff);
    Some(EnoughJson {
        best: best.name.clone(),
        runner_up: runner.name.clone(),
        diff_mean: cents(mean),
        diff_ci95_half_width: cents(h),
        decided: mean - h > 0.0,
        tied: diff.iter().all(|d| *d == 0.0),
    })
}

/// The table `capsim run` prints.
pub fn text(summary: &SummaryJson) -> String {
    let mut out = format!(
        "{} trials of \"{}\" (seed {}), totals in {} (amortized over the horizon){}\n\n",
        summary.trials,
        summary.scenario,
        summary.seed,
        summary.currency,
        if summary.partial {
            format!(
                "; INTERRUPTED: {} of {} trials",
                summary.trials, summary.trials_requested
            )
        } else {
            String::new()
        }
    );
    let money = |s: &str| -> String {
        s.parse::<Decimal>()
            .map(display_cents)
            .unwrap_or_else(|_| s.to_string())
    };
    let mut t = Table::new([
        "strategy",
        "mean",
        "95% CI of mean",
        "p5",
        "median",
        "p95",
        "saves vs payg",
        "P(cheapest)",
    ]);
    for s in &summary.strategies {
        t.row([
            s.name.clone(),
            money(&s.total.mean),
            format!("{} - {}", money(&s.total.ci95[0]), money(&s.total.ci95[1])),
            money(&s.total.p5),
            money(&s.total.p50),
            money(&s.total.p95),
            if s.name == "payg" {
                "-".to_string()
            } else {
                format!("{:.1}%", s.savings_vs_payg.percent)
            },
            format!("{:.1}%", 100.0 * s.p_cheapest),
        ]);
    }
    out.push_str(&t.render());
    if let Some(e) = &summary.trials_enough {
        out.push('\n');
        if e.tied {
            out.push_str(&format!(
                "{} and {} cost the same in every trial.\n",
                e.best, e.runner_up
            ));
        } else if e.decided {
            out.push_str(&format!(
                "{} is cheaper than {} by {} on average (95% CI +/- {}): the trials tell them apart.\n",
                e.best,
                e.runner_up,
                money(&e.diff_mean),
                money(&e.diff_ci95_half_width)
            ));
        } else {
            out.push_str(&format!(
                "warning: the trials do not tell {} from {}: their mean difference {} has a 95% CI of +/- {}, which includes zero; run more trials.\n",
                e.best,
                e.runner_up,
                money(&e.diff_mean),
                money(&e.diff_ci95_half_width)
            ));
        }
    }
    out
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
