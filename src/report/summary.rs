//! `summary.json` (docs/spec.md, section 8) and the table `capsim run` prints: views of a run's
//! [`RunStats`]. The JSON form keeps exact means as exact decimals and gives what is computed
//! in `f64` to the cent; a sweep's point files hold it too, and read back into [`RunStats`].

use super::breakdowns::{Breakdowns, BreakdownsJson};
use super::results::{
    Conditional, ConditionalStrategy, Enough, EntryRate, MonthCash, RunStats, Savings,
    StrategyStats,
};
use super::table::Table;
use crate::charge::{Breakdown, Component};
use crate::money::{display_cents, json_string};
use crate::stats::Summary;
use rust_decimal::{Decimal, RoundingStrategy};
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

impl Serialize for BreakdownJson {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = ser.serialize_map(Some(self.0.len()))?;
        for c in Component::ALL {
            map.serialize_entry(c.name(), &self.0[c.index()])?;
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
    /// Mean saving as a percentage of the mean pay-as-you-go total; `null` when that total is 0.
    pub percent: Option<f64>,
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
    /// Utilisation, coverage and cost per entry and per instance type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdowns: Option<BreakdownsJson>,
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
    /// The strategy table on the trials in which a choice variable took each of its values
    /// or a probabilistic event did (1) or did not (0) happen.
    #[serde(default)]
    pub conditional: Vec<ConditionalJson>,
}

/// The strategies on the trials in which a drawn column took one value.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ConditionalJson {
    /// `var.NAME` or `event.FLEET.INDEX`, as in `trials.csv`.
    pub column: String,
    /// The value.
    pub value: f64,
    /// Trials in which the column took it.
    pub trials: usize,
    /// Their share of all trials.
    pub share: f64,
    /// Per strategy, `payg` first (empty when no trial took the value).
    pub strategies: Vec<ConditionalStrategyJson>,
}

/// One strategy on the trials of a [`ConditionalJson`].
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ConditionalStrategyJson {
    /// Name.
    pub name: String,
    /// Mean total.
    pub mean: String,
    /// 95th percentile of the total.
    pub p95: String,
    /// Mean of the worst 5% of totals.
    pub cvar95: String,
    /// Mean NPV.
    pub npv_mean: String,
    /// Mean saving against pay-as-you-go, percent of its mean total.
    pub savings_percent: Option<f64>,
    /// Share of these trials in which it is the cheapest.
    pub p_cheapest: f64,
}

/// An `f64` amount as a decimal string, to the cent.
pub fn cents(v: f64) -> String {
    let s = format!("{v:.2}");
    if s == "-0.00" { "0.00".to_string() } else { s }
}

impl From<&RunStats> for SummaryJson {
    fn from(r: &RunStats) -> SummaryJson {
        let pair = |(lo, hi): (f64, f64)| [cents(lo), cents(hi)];
        SummaryJson {
            scenario: r.scenario.clone(),
            trials: r.trials,
            trials_requested: r.trials_requested,
            seed: r.seed,
            currency: r.currency.clone(),
            partial: r.partial,
            trials_enough: r.trials_enough.as_ref().map(|e| EnoughJson {
                best: e.best.clone(),
                runner_up: e.runner_up.clone(),
                diff_mean: cents(e.diff_mean),
                diff_ci95_half_width: cents(e.diff_ci95_half_width),
                decided: e.decided,
                tied: e.tied,
            }),
            strategies: r
                .strategies
                .iter()
                .map(|s| {
                    let t = &s.total;
                    let b = &s.breakdown_mean;
                    let sv = &s.savings_vs_payg;
                    StrategyJson {
                        name: s.name.clone(),
                        total: TotalJson {
                            mean: cents(t.mean),
                            ci95: pair(t.ci95),
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
                        breakdown_mean: BreakdownJson(b.0.map(json_string)),
                        cash_total_mean: json_string(s.cash_total_mean),
                        npv_mean: cents(s.npv_mean),
                        obligation_after_horizon_mean: json_string(s.obligation_after_horizon_mean),
                        utilization_mean: s.utilization_mean,
                        subscription_utilization_mean: s.subscription_utilization_mean,
                        coverage_mean: s.coverage_mean,
                        regret_mean: cents(s.regret_mean),
                        savings_vs_payg: SavingsJson {
                            mean: cents(sv.mean),
                            ci95: pair(sv.ci95),
                            percent: sv.percent,
                            p5: cents(sv.p5),
                            p95: cents(sv.p95),
                            share_saving: sv.share_saving,
                        },
                        p_cheapest: s.p_cheapest,
                        break_even_month: s.break_even_month,
                        cash_flow_monthly: s
                            .cash_flow_monthly
                            .iter()
                            .enumerate()
                            .map(|(m, c)| MonthJson {
                                month: m + 1,
                                p5: cents(c.p5),
                                p50: cents(c.p50),
                                p95: cents(c.p95),
                            })
                            .collect(),
                        reservations: s
                            .reservations
                            .iter()
                            .map(|e| EntryJson {
                                entry: e.entry.clone(),
                                effective_hourly_rate: e.effective_hourly_rate.map(json_string),
                            })
                            .collect(),
                        breakdowns: s.breakdowns.as_ref().map(BreakdownsJson::from),
                    }
                })
                .collect(),
            conditional: r
                .conditional
                .iter()
                .map(|c| ConditionalJson {
                    column: c.column.clone(),
                    value: c.value,
                    trials: c.trials,
                    share: c.share,
                    strategies: c
                        .strategies
                        .iter()
                        .map(|s| ConditionalStrategyJson {
                            name: s.name.clone(),
                            mean: cents(s.mean),
                            p95: cents(s.p95),
                            cvar95: cents(s.cvar95),
                            npv_mean: cents(s.npv_mean),
                            savings_percent: s.savings_percent,
                            p_cheapest: s.p_cheapest,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Reads the JSON form back into statistics (a sweep's point files): every amount must be a
/// number, the months numbered 1, 2, ... in order.
impl TryFrom<SummaryJson> for RunStats {
    type Error = String;

    fn try_from(j: SummaryJson) -> Result<RunStats, String> {
        let n = j.trials;
        let strategies = j
            .strategies
            .into_iter()
            .enumerate()
            .map(|(i, s)| strategy_stats(s, n).map_err(|e| format!("strategies[{i}].{e}")))
            .collect::<Result<Vec<_>, String>>()?;
        if strategies.is_empty() {
            return Err("strategies: found an empty list, expected pay-as-you-go and the scenario's strategies".to_string());
        }
        let trials_enough = match j.trials_enough {
            None => None,
            Some(e) => Some(Enough {
                diff_mean: number(&e.diff_mean)
                    .map_err(|m| format!("trials_enough.diff_mean: {m}"))?,
                diff_ci95_half_width: number(&e.diff_ci95_half_width)
                    .map_err(|m| format!("trials_enough.diff_ci95_half_width: {m}"))?,
                best: e.best,
                runner_up: e.runner_up,
                decided: e.decided,
                tied: e.tied,
            }),
        };
        let conditional = j
            .conditional
            .into_iter()
            .enumerate()
            .map(|(i, c)| conditional(c).map_err(|e| format!("conditional[{i}].{e}")))
            .collect::<Result<Vec<_>, String>>()?;
        Ok(RunStats {
            scenario: j.scenario,
            trials: j.trials,
            trials_requested: j.trials_requested,
            seed: j.seed,
            currency: j.currency,
            partial: j.partial,
            trials_enough,
            strategies,
            conditional,
        })
    }
}

fn conditional(c: ConditionalJson) -> Result<Conditional, String> {
    let strategies = c
        .strategies
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let field = |name: &str, text: &str| {
                number(text).map_err(|m| format!("strategies[{i}].{name}: {m}"))
            };
            Ok(ConditionalStrategy {
                mean: field("mean", &s.mean)?,
                p95: field("p95", &s.p95)?,
                cvar95: field("cvar95", &s.cvar95)?,
                npv_mean: field("npv_mean", &s.npv_mean)?,
                name: s.name,
                savings_percent: s.savings_percent,
                p_cheapest: s.p_cheapest,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Conditional {
        column: c.column,
        value: c.value,
        trials: c.trials,
        share: c.share,
        strategies,
    })
}

fn number(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("found \"{text}\", expected an amount such as \"1234.50\""))
}

fn exact(text: &str) -> Result<Decimal, String> {
    text.parse::<Decimal>()
        .map_err(|_| format!("found \"{text}\", expected an exact amount such as \"1234.5\""))
}

fn strategy_stats(s: StrategyJson, n: usize) -> Result<StrategyStats, String> {
    let at = |key: &'static str| move |m: String| format!("{key}: {m}");
    let t = &s.total;
    let total = Summary {
        n,
        mean: number(&t.mean).map_err(at("total.mean"))?,
        ci95: (
            number(&t.ci95[0]).map_err(at("total.ci95[0]"))?,
            number(&t.ci95[1]).map_err(at("total.ci95[1]"))?,
        ),
        sd: number(&t.sd).map_err(at("total.sd"))?,
        p5: number(&t.p5).map_err(at("total.p5"))?,
        p25: number(&t.p25).map_err(at("total.p25"))?,
        p50: number(&t.p50).map_err(at("total.p50"))?,
        p75: number(&t.p75).map_err(at("total.p75"))?,
        p95: number(&t.p95).map_err(at("total.p95"))?,
        p99: number(&t.p99).map_err(at("total.p99"))?,
        min: number(&t.min).map_err(at("total.min"))?,
        max: number(&t.max).map_err(at("total.max"))?,
        cvar95: number(&t.cvar95).map_err(at("total.cvar95"))?,
    };
    let mut breakdown_mean = Breakdown::default();
    for c in Component::ALL {
        breakdown_mean[c] = exact(&s.breakdown_mean.0[c.index()])
            .map_err(|m| format!("breakdown_mean.{c}: {m}"))?;
    }
    let sv = &s.savings_vs_payg;
    let savings_vs_payg = Savings {
        mean: number(&sv.mean).map_err(at("savings_vs_payg.mean"))?,
        ci95: (
            number(&sv.ci95[0]).map_err(at("savings_vs_payg.ci95[0]"))?,
            number(&sv.ci95[1]).map_err(at("savings_vs_payg.ci95[1]"))?,
        ),
        percent: sv.percent,
        p5: number(&sv.p5).map_err(at("savings_vs_payg.p5"))?,
        p95: number(&sv.p95).map_err(at("savings_vs_payg.p95"))?,
        share_saving: sv.share_saving,
    };
    let cash_flow_monthly = s
        .cash_flow_monthly
        .iter()
        .enumerate()
        .map(|(m, c)| {
            let here = |e: String| format!("cash_flow_monthly[{m}]: {e}");
            if c.month != m + 1 {
                return Err(here(format!(
                    "found month {}, expected month {}",
                    c.month,
                    m + 1
                )));
            }
            Ok(MonthCash {
                p5: number(&c.p5).map_err(here)?,
                p50: number(&c.p50).map_err(here)?,
                p95: number(&c.p95).map_err(here)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let reservations = s
        .reservations
        .iter()
        .enumerate()
        .map(|(i, e)| {
            Ok(EntryRate {
                entry: e.entry.clone(),
                effective_hourly_rate: e
                    .effective_hourly_rate
                    .as_deref()
                    .map(exact)
                    .transpose()
                    .map_err(|m| format!("reservations[{i}].effective_hourly_rate: {m}"))?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let breakdowns = s
        .breakdowns
        .map(Breakdowns::try_from)
        .transpose()
        .map_err(|m| format!("breakdowns.{m}"))?;
    Ok(StrategyStats {
        breakdowns,
        total,
        breakdown_mean,
        cash_total_mean: exact(&s.cash_total_mean).map_err(at("cash_total_mean"))?,
        npv_mean: number(&s.npv_mean).map_err(at("npv_mean"))?,
        obligation_after_horizon_mean: exact(&s.obligation_after_horizon_mean)
            .map_err(at("obligation_after_horizon_mean"))?,
        utilization_mean: s.utilization_mean,
        subscription_utilization_mean: s.subscription_utilization_mean,
        coverage_mean: s.coverage_mean,
        regret_mean: number(&s.regret_mean).map_err(at("regret_mean"))?,
        savings_vs_payg,
        p_cheapest: s.p_cheapest,
        break_even_month: s.break_even_month,
        cash_flow_monthly,
        reservations,
        name: s.name,
    })
}

/// `summary.json` is the JSON form of the statistics.
impl Serialize for RunStats {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SummaryJson::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RunStats {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RunStats, D::Error> {
        let json = SummaryJson::deserialize(deserializer)?;
        RunStats::try_from(json).map_err(serde::de::Error::custom)
    }
}

/// The bytes of `summary.json`.
pub fn json(stats: &RunStats) -> String {
    serde_json::to_string_pretty(stats).expect("plain data serialises") + "\n"
}

/// An `f64` amount as a person reads it: to the cent as `summary.json` rounds it, with
/// thousands separators.
pub fn money(v: f64) -> String {
    match Decimal::from_f64_retain(v) {
        Some(d) => {
            display_cents(d.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven))
        }
        None => cents(v),
    }
}

/// A saving in percent to one decimal (`12.3%`), or `-` when there is none (pay-as-you-go
/// costs nothing).
pub fn percent_or_dash(percent: Option<f64>) -> String {
    percent.map_or("-".to_string(), |p| format!("{p:.1}%"))
}

/// The table `capsim run` prints.
pub fn text(summary: &RunStats) -> String {
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
            money(s.total.mean),
            format!("{} - {}", money(s.total.ci95.0), money(s.total.ci95.1)),
            money(s.total.p5),
            money(s.total.p50),
            money(s.total.p95),
            if s.name == "payg" {
                "-".to_string()
            } else {
                percent_or_dash(s.savings_vs_payg.percent)
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
        } else if e.decided && e.diff_ci95_half_width == 0.0 {
            out.push_str(&format!(
                "{} is cheaper than {} by {} in every trial.\n",
                e.best,
                e.runner_up,
                money(e.diff_mean)
            ));
        } else if e.decided {
            out.push_str(&format!(
                "{} is cheaper than {} by {} on average (95% CI +/- {}): the trials tell them apart.\n",
                e.best,
                e.runner_up,
                money(e.diff_mean),
                money(e.diff_ci95_half_width)
            ));
        } else {
            out.push_str(&format!(
                "warning: the trials do not tell {} from {}: their mean difference {} has a 95% CI of +/- {}, which includes zero; run more trials.\n",
                e.best,
                e.runner_up,
                money(e.diff_mean),
                money(e.diff_ci95_half_width)
            ));
        }
    }
    if !summary.conditional.is_empty() {
        out.push('\n');
    }
    for c in &summary.conditional {
        let share = format!("{:.1}% of trials", 100.0 * c.share);
        match c.cheapest(0) {
            Some(best) => out.push_str(&format!(
                "if {} ({share}): {} has the lowest mean, {} (pay-as-you-go {})\n",
                c.label(),
                best.name,
                money(best.mean),
                money(c.strategies[0].mean)
            )),
            None => out.push_str(&format!("if {} ({share}): no trial\n", c.label())),
        }
    }
    out
}
