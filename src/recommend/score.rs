//! What a portfolio scored over the search trials: the four objectives, exact, and the figures
//! its cost curve shows; and the order in which portfolios are ranked (docs/spec.md, section 12).

use super::space::Counts;
use crate::scenario::Objective;
use crate::stats;
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// A portfolio billed on the first `n` search trials.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    /// The count of each offer.
    pub counts: Counts,
    /// Trials billed.
    pub n: usize,
    /// Mean `amortized_total`, exact (to 28 significant digits).
    pub mean: Decimal,
    /// Type-7 90th percentile, exact.
    pub p90: Decimal,
    /// Type-7 95th percentile, exact.
    pub p95: Decimal,
    /// Mean of the worst ceil(5% of n) totals, exact.
    pub cvar95: Decimal,
    /// Type-7 5th percentile.
    pub p5: Decimal,
    /// Half-width of the mean's 95% confidence interval (Student t).
    pub ci95_half_width: f64,
    /// Mean paired saving against pay-as-you-go.
    pub saving_mean: f64,
    /// Half-width of its 95% confidence interval.
    pub saving_ci95_half_width: f64,
    /// Share of trials in which it costs less than pay-as-you-go.
    pub saves_share: f64,
    /// Cash the offers bought pay on the first day.
    pub first_day_cash: Decimal,
    /// Scaled unit-seconds the offers bought commit inside the horizon.
    pub committed: u128,
}

/// A statistic that left the range of exact decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge;

/// The type-7 quantile `p` (a decimal in [0, 1]) of sorted values, exact.
pub fn quantile(sorted: &[Decimal], p: Decimal) -> Result<Decimal, TooLarge> {
    let n = sorted.len();
    if n == 0 {
        return Ok(Decimal::ZERO);
    }
    let h = Decimal::from(n - 1).checked_mul(p).ok_or(TooLarge)?;
    let lo = h.floor();
    let i = usize::try_from(lo.mantissa() / 10i128.pow(lo.scale())).map_err(|_| TooLarge)?;
    if i + 1 >= n {
        return Ok(sorted[n - 1]);
    }
    let frac = h - lo;
    let step = sorted[i + 1].checked_sub(sorted[i]).ok_or(TooLarge)?;
    sorted[i]
        .checked_add(frac.checked_mul(step).ok_or(TooLarge)?)
        .ok_or(TooLarge)
}

/// The number of worst trials CVaR95 averages: ceil(5% of n), at least one.
pub fn tail_count(n: usize) -> usize {
    n.div_ceil(20).max(1)
}

/// The mean of the worst ceil(5% of n) of sorted values, exact.
pub fn cvar95(sorted: &[Decimal]) -> Result<Decimal, TooLarge> {
    if sorted.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let k = tail_count(sorted.len());
    mean(&sorted[sorted.len() - k..])
}

/// The mean of values, exact (the sum is exact; the division keeps 28 significant digits).
pub(super) fn mean(values: &[Decimal]) -> Result<Decimal, TooLarge> {
    if values.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let mut sum = Decimal::ZERO;
    for v in values {
        sum = sum.checked_add(*v).ok_or(TooLarge)?;
    }
    sum.checked_div(Decimal::from(values.len())).ok_or(TooLarge)
}

/// A decimal as a float, for intervals and charts.
pub fn float(d: Decimal) -> f64 {
    d.try_into().unwrap_or(0.0)
}

impl Scored {
    /// Scores a portfolio from its totals and pay-as-you-go's, trial by trial.
    pub fn new(
        counts: Counts,
        totals: &[Decimal],
        payg: &[Decimal],
        first_day_cash: Decimal,
        committed: u128,
    ) -> Result<Scored, TooLarge> {
        let mut sorted = totals.to_vec();
        sorted.sort_unstable();
        let floats: Vec<f64> = totals.iter().map(|&v| float(v)).collect();
        let savings: Vec<f64> = payg
            .iter()
            .zip(totals)
            .map(|(&p, &t)| float(p) - float(t))
            .collect();
        let saves = payg.iter().zip(totals).filter(|(p, t)| t < p).count();
        Ok(Scored {
            counts,
            n: totals.len(),
            mean: mean(totals)?,
            p90: quantile(&sorted, Decimal::new(9, 1))?,
            p95: quantile(&sorted, Decimal::new(95, 2))?,
            cvar95: cvar95(&sorted)?,
            p5: quantile(&sorted, Decimal::new(5, 2))?,
            ci95_half_width: stats::ci95_half_width(&floats),
            saving_mean: stats::mean(&savings),
            saving_ci95_half_width: stats::ci95_half_width(&savings),
            saves_share: if totals.is_empty() {
                0.0
            } else {
                saves as f64 / totals.len() as f64
            },
            first_day_cash,
            committed,
        })
    }

    /// The value of an objective.
    pub fn value(&self, objective: Objective) -> Decimal {
        match objective {
            Objective::Mean => self.mean,
            Objective::P90 => self.p90,
            Objective::P95 => self.p95,
            Objective::Cvar95 => self.cvar95,
        }
    }
}

/// The spec's order of portfolios under an objective: the lower objective first; ties go to
/// less cash on the first day, then fewer committed unit-hours, then the count vectors compared
/// offer by offer in offer order (the lower count first).
pub fn rank(objective: Objective, a: &Scored, b: &Scored) -> Ordering {
    a.value(objective)
        .cmp(&b.value(objective))
        .then(a.first_day_cash.cmp(&b.first_day_cash))
        .then(a.committed.cmp(&b.committed))
        .then_with(|| a.counts.cmp(&b.counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: i64) -> Decimal {
        Decimal::from(v)
    }

    #[test]
    fn quantiles_are_type_7() {
        // Type 7 on 1..=10: h = 9p; p90 -> h = 8.1 -> 9 + 0.1 x 1 = 9.1; p95 -> 9.55.
        let x: Vec<Decimal> = (1..=10).map(d).collect();
        assert_eq!(
            quantile(&x, Decimal::new(9, 1)).unwrap(),
            Decimal::new(91, 1)
        );
        assert_eq!(
            quantile(&x, Decimal::new(95, 2)).unwrap(),
            Decimal::new(955, 2)
        );
        assert_eq!(quantile(&x, Decimal::ONE).unwrap(), d(10));
        assert_eq!(quantile(&x, Decimal::ZERO).unwrap(), d(1));
    }

    #[test]
    fn cvar_averages_the_worst_ceil_five_percent() {
        // 21 values: ceil(1.05) = 2 worst, 20 and 21.
        let x: Vec<Decimal> = (1..=21).map(d).collect();
        assert_eq!(cvar95(&x).unwrap(), Decimal::new(205, 1));
        // 20 values: exactly one.
        assert_eq!(cvar95(&x[..20]).unwrap(), d(20));
    }

    #[test]
    fn ties_go_to_less_first_day_cash_then_less_commitment_then_lower_counts() {
        let base = Scored::new(vec![1, 0], &[d(5)], &[d(6)], d(10), 7).unwrap();
        let cheaper_day = Scored {
            first_day_cash: d(9),
            counts: vec![2, 0],
            ..base.clone()
        };
        let less_committed = Scored {
            committed: 6,
            counts: vec![3, 0],
            ..base.clone()
        };
        let lower_counts = Scored {
            counts: vec![0, 1],
            ..base.clone()
        };
        let o = Objective::Mean;
        assert_eq!(rank(o, &cheaper_day, &base), Ordering::Less);
        assert_eq!(rank(o, &less_committed, &base), Ordering::Less);
        assert_eq!(rank(o, &lower_counts, &base), Ordering::Less);
        assert_eq!(rank(o, &base, &base), Ordering::Equal);
    }
}
