//! A strategy's bill for one trial, read from its charges (docs/spec.md, sections 5 and 10): the
//! plan's charges that do not depend on the fleet, and the usage charges of each pool, bill
//! period by bill period, priced by [`PoolPrices::charges`]. Exact to the last digit.

use crate::charge::{
    Breakdown, Charge, ChargeKind, Component, ExactSum, Horizon, Overflow, PoolPrices, PoolUse,
};
use crate::matching::Matched;
use crate::money::ratio;
use crate::purchase::Plan;
use crate::scenario::Scenario;
use crate::time::Instant;
use crate::usage::{Layout, Usage};
use rust_decimal::Decimal;

/// One strategy's bill for one trial.
#[derive(Clone, Debug, PartialEq)]
pub struct Bill {
    /// The strategy.
    pub strategy: String,
    /// Cash inside the horizon, per cost component.
    pub breakdown: Breakdown,
    /// Everything paid for the horizon: the sum of the components.
    pub cash_total: Decimal,
    /// Prepaid amounts spread over their active seconds, the in-horizon share, plus the rest:
    /// the headline total.
    pub amortized_total: Decimal,
    /// Hourly fees after the horizon and instalments due after it.
    pub obligation_after_horizon: Decimal,
    /// Units x seconds reserved inside the horizon.
    pub reserved_unit_seconds: Decimal,
    /// Units x seconds of usage that reservations covered.
    pub used_unit_seconds: Decimal,
    /// Instance-seconds subscribed inside the horizon.
    pub subscribed_seconds: u128,
    /// Seconds that subscriptions carried.
    pub carried_seconds: u128,
    /// Seconds that reservations covered (each cell's unit-seconds over its units).
    pub covered_seconds: Decimal,
    /// All compute seconds of the trial.
    pub usage_seconds: u128,
    /// `used / reserved` unit-seconds (0 when nothing is reserved).
    pub utilization: Decimal,
    /// `carried / subscribed` seconds (0 when nothing is subscribed).
    pub subscription_utilization: Decimal,
    /// `(carried + covered) / usage` seconds (0 without usage).
    pub coverage: Decimal,
}

impl std::ops::Index<Component> for Bill {
    type Output = Decimal;
    fn index(&self, c: Component) -> &Decimal {
        &self.breakdown[c]
    }
}

/// The prices of every cell of a layout.
pub fn pool_prices(s: &Scenario, layout: &Layout) -> Vec<PoolPrices> {
    layout
        .cells
        .iter()
        .map(|cell| {
            let t = &s.types[cell.instance_type];
            PoolPrices {
                payg_hourly: t.payg_hourly,
                units_scaled: t.units_scaled,
                license_hourly: t.license_hourly,
                software_hourly: t.software_hourly,
                storage_network_hourly: t.storage_network_hourly,
            }
        })
        .collect()
}

/// What a trial's matching left each pool to pay in bill period `b`.
#[inline]
pub(crate) fn pool_use(layout: &Layout, usage: &Usage, m: &Matched, b: usize, c: usize) -> PoolUse {
    let k = b * layout.cells.len() + c;
    let uncarried = u128::from(m.uncarried_seconds[k]);
    PoolUse {
        payg_unit_seconds: m.payg_unit_seconds[k],
        uncarried_seconds: uncarried,
        licensed_seconds: layout.licence[c].seconds(uncarried, || u128::from(usage.licensed[k])),
    }
}

/// Sends every usage charge of a matching to `emit`, bill period by bill period, with the bill
/// period's index.
pub fn usage_charges(
    layout: &Layout,
    prices: &[PoolPrices],
    usage: &Usage,
    m: &Matched,
    mut emit: impl FnMut(usize, Charge) -> Result<(), Overflow>,
) -> Result<(), Overflow> {
    for b in 0..layout.bills() {
        let span = layout.bill_span(b);
        for (c, p) in prices.iter().enumerate() {
            let used = pool_use(layout, usage, m, b, c);
            p.charges(c, used, span, layout.bill_dates[b], |ch| emit(b, ch))?;
        }
    }
    Ok(())
}

/// The bill of a plan on a trial's matching. `on_bill_period` sees, for each bill period, the
/// exact sum of its usage charges (paid on that period's bill date).
pub fn bill(
    s: &Scenario,
    layout: &Layout,
    prices: &[PoolPrices],
    plan: &Plan,
    usage: &Usage,
    m: &Matched,
    mut on_bill_period: impl FnMut(usize, &ExactSum),
) -> Result<Bill, Overflow> {
    let mut totals = plan.totals.clone();
    let mut period = ExactSum::default();
    let mut current = 0;
    usage_charges(layout, prices, usage, m, |b, ch| {
        if b != current {
            on_bill_period(current, &period);
            period.clear();
            current = b;
        }
        period.add(ch.amount)?;
        totals.add(&ch)
    })?;
    if layout.bills() > 0 {
        on_bill_period(current, &period);
    }

    let mut covered_seconds = Decimal::ZERO;
    let mut used_unit_seconds: u128 = 0;
    let mut usage_seconds: u128 = 0;
    let bills = layout.bills();
    let nc = layout.cells.len();
    for c in 0..nc {
        covered_seconds += ratio(
            dec(m.covered_unit_seconds[c])?,
            Decimal::from(layout.units[c]),
        );
        used_unit_seconds += m.covered_unit_seconds[c];
        let uncarried: u128 = (0..bills)
            .map(|b| u128::from(m.uncarried_seconds[b * nc + c]))
            .sum();
        usage_seconds += uncarried + u128::from(m.carried_seconds[c]);
    }
    let mut breakdown = Breakdown::default();
    for (v, sum) in breakdown.0.iter_mut().zip(&totals.components) {
        *v = sum.value()?;
    }
    let scale = Decimal::from(s.unit_scale);
    let carried_seconds: u128 = m.carried_seconds.iter().map(|&c| u128::from(c)).sum();
    let reserved_unit_seconds = dec(plan.reserved_unit_seconds)? / scale;
    let used = dec(used_unit_seconds)? / scale;
    let (carried, subscribed) = (dec(carried_seconds)?, dec(plan.subscribed_seconds)?);
    Ok(Bill {
        strategy: plan.name.clone(),
        cash_total: breakdown.total()?,
        breakdown,
        amortized_total: totals.amortized.value()?,
        obligation_after_horizon: totals.after_horizon.value()?,
        reserved_unit_seconds,
        used_unit_seconds: used,
        subscribed_seconds: plan.subscribed_seconds,
        carried_seconds,
        covered_seconds,
        usage_seconds,
        utilization: ratio(used, reserved_unit_seconds),
        subscription_utilization: ratio(carried, subscribed),
        coverage: ratio(carried + covered_seconds, dec(usage_seconds)?),
    })
}

/// A whole number as a decimal.
pub(crate) fn dec(v: u128) -> Result<Decimal, Overflow> {
    let v = i128::try_from(v).map_err(|_| Overflow)?;
    Decimal::try_from_i128_with_scale(v, 0).map_err(|_| Overflow)
}

/// One payment of the cash timeline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CashFlow {
    /// When it is paid.
    pub at: Instant,
    /// How much.
    pub amount: Decimal,
    /// What for.
    pub kind: CashKind,
}

/// What a payment of the cash timeline is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CashKind {
    /// A charge of the plan that does not depend on the fleet.
    Fixed(ChargeKind),
    /// Pay-as-you-go compute, software, storage and network of a bill period, on its bill.
    UsageBill,
}

/// Every payment of `cash_total`, each at the instant it is paid (docs/spec.md, section 10): the
/// plan's charges inside the horizon, payments of one kind at one instant joined, and the usage
/// charges of each bill period on that period's bill. The amounts sum to the bill's
/// `cash_total`.
pub fn cash_timeline(
    layout: &Layout,
    prices: &[PoolPrices],
    plan: &Plan,
    usage: &Usage,
    m: &Matched,
) -> Result<Vec<CashFlow>, Overflow> {
    let mut out: Vec<CashFlow> = Vec::new();
    let mut joined = ExactSum::default();
    let inside: Vec<&Charge> = plan
        .charges
        .iter()
        .filter(|c| c.horizon == Horizon::Inside)
        .collect();
    for (i, c) in inside.iter().enumerate() {
        joined.add(c.amount)?;
        let last = inside
            .get(i + 1)
            .is_none_or(|n| n.paid_at != c.paid_at || n.kind != c.kind);
        if last {
            out.push(CashFlow {
                at: c.paid_at,
                amount: joined.value()?,
                kind: CashKind::Fixed(c.kind),
            });
            joined.clear();
        }
    }
    let mut per_bill = vec![ExactSum::default(); layout.bills()];
    usage_charges(layout, prices, usage, m, |b, ch| per_bill[b].add(ch.amount))?;
    for (b, sum) in per_bill.iter().enumerate() {
        if !sum.is_zero() {
            out.push(CashFlow {
                at: layout.bill_dates[b],
                amount: sum.value()?,
                kind: CashKind::UsageBill,
            });
        }
    }
    out.sort_by_key(|f| f.at);
    Ok(out)
}

/// The discount factor of a payment at `t`: `(1 + rate)^-(years since start)`.
pub fn discount(t: Instant, start: Instant, rate: f64) -> f64 {
    (1.0 + rate).powf(-((t - start) as f64) / crate::time::YEAR_SECONDS as f64)
}

/// Net present value of a timeline at a yearly discount rate, discounted from `start`.
pub fn npv(flows: &[CashFlow], start: Instant, rate: Decimal) -> f64 {
    let r: f64 = rate.try_into().unwrap_or(0.0);
    flows
        .iter()
        .map(|f| f64::try_from(f.amount).unwrap_or(0.0) * discount(f.at, start, r))
        .sum()
}
