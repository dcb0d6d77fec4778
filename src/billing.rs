//! Charges, payment options and cash timing (docs/spec.md, sections 5, 10 and 11): a strategy's bill for
//! one trial, exact to the last digit.

pub mod plan;
pub mod profile;

use crate::matching::Matched;
use crate::money::ratio;
use crate::scenario::Scenario;
use crate::time::{HOUR, Instant};
use crate::usage::{Layout, Usage};
use plan::{PayoutKind, Plan};
use rust_decimal::Decimal;

/// One strategy's bill for one trial.
#[derive(Clone, Debug, PartialEq)]
pub struct Bill {
    /// The strategy.
    pub strategy: String,
    /// Upfront payments and `monthly` instalments paid in the horizon.
    pub upfront: Decimal,
    /// Hourly reservation fees of active seconds in the horizon.
    pub commitment_recurring: Decimal,
    /// Compute seconds neither subscribed nor reserved, at pay-as-you-go prices.
    pub payg_compute: Decimal,
    /// Licence and other software of seconds not carried by a subscription.
    pub software: Decimal,
    /// Disks and network of seconds not carried by a subscription.
    pub storage_network: Decimal,
    /// Subscription fees paid in the horizon.
    pub subscription: Decimal,
    /// Everything paid for the horizon: the sum of the six above.
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

impl Bill {
    /// The bill of a strategy for one trial, from its plan and the trial's matching.
    pub fn new(s: &Scenario, layout: &Layout, plan: &Plan, usage: &Usage, m: &Matched) -> Bill {
        let nc = layout.cells.len();
        let bills = layout.bills();
        let mut payg_by_type = vec![0u128; s.types.len()];
        let mut software_num = Decimal::ZERO;
        let mut storage_num = Decimal::ZERO;
        let mut covered_seconds = Decimal::ZERO;
        let mut used_unit_seconds: u128 = 0;
        let mut usage_seconds: u128 = 0;
        for (c, cell) in layout.cells.iter().enumerate() {
            let t = &s.types[cell.instance_type];
            let payg: u128 = (0..bills).map(|b| m.payg_unit_seconds[b * nc + c]).sum();
            let uncarried: u128 = (0..bills)
                .map(|b| u128::from(m.uncarried_seconds[b * nc + c]))
                .sum();
            payg_by_type[cell.instance_type] += payg;
            let licensed = layout.licence[c].seconds(uncarried, || {
                (0..bills)
                    .map(|b| u128::from(usage.licensed[b * nc + c]))
                    .sum()
            });
            software_num += t.license_hourly * dec(licensed) + t.software_hourly * dec(uncarried);
            storage_num += t.storage_network_hourly * dec(uncarried);
            covered_seconds += ratio(
                dec(m.covered_unit_seconds[c]),
                Decimal::from(layout.units[c]),
            );
            used_unit_seconds += m.covered_unit_seconds[c];
            usage_seconds += uncarried + u128::from(m.carried_seconds[c]);
        }
        let hour = Decimal::from(HOUR);
        let payg_compute: Decimal = s
            .types
            .iter()
            .zip(&payg_by_type)
            .filter(|(_, us)| **us > 0)
            .map(|(t, us)| t.payg_hourly * dec(*us) / (Decimal::from(t.units_scaled) * hour))
            .sum();
        let software = software_num / hour;
        let storage_network = storage_num / hour;
        let f = &plan.fixed;
        let cash_total = f.upfront
            + f.commitment_recurring
            + payg_compute
            + software
            + storage_network
            + f.subscription;
        let amortized_total = f.amortized_prepaid
            + f.commitment_recurring
            + payg_compute
            + software
            + storage_network;
        let scale = Decimal::from(s.unit_scale);
        let carried_seconds: u128 = m.carried_seconds.iter().map(|&c| u128::from(c)).sum();
        let reserved_unit_seconds = dec(f.reserved_unit_seconds) / scale;
        let used = dec(used_unit_seconds) / scale;
        Bill {
            strategy: plan.name.clone(),
            upfront: f.upfront,
            commitment_recurring: f.commitment_recurring,
            payg_compute,
            software,
            storage_network,
            subscription: f.subscription,
            cash_total,
            amortized_total,
            obligation_after_horizon: f.obligation_after_horizon,
            reserved_unit_seconds,
            used_unit_seconds: used,
            subscribed_seconds: f.subscribed_seconds,
            carried_seconds,
            covered_seconds,
            usage_seconds,
            utilization: ratio(used, reserved_unit_seconds),
            subscription_utilization: ratio(dec(carried_seconds), dec(f.subscribed_seconds)),
            coverage: ratio(dec(carried_seconds) + covered_seconds, dec(usage_seconds)),
        }
    }
}

/// A whole number as a decimal.
pub(crate) fn dec(v: u128) -> Decimal {
    Decimal::from_i128_with_scale(i128::try_from(v).expect("fits"), 0)
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
    /// A payment that does not depend on the fleet.
    Fixed(PayoutKind),
    /// Pay-as-you-go compute, software, storage and network of a bill period, on its bill.
    UsageBill,
}

/// Every payment of `cash_total`, each at the instant it is paid (docs/spec.md, section 10): the fixed
/// payments of the plan, and the usage charges of each bill period on that period's bill.
/// The amounts sum to the bill's `cash_total`.
pub fn cash_timeline(
    s: &Scenario,
    layout: &Layout,
    plan: &Plan,
    usage: &Usage,
    m: &Matched,
) -> Vec<CashFlow> {
    let nc = layout.cells.len();
    let hour = Decimal::from(HOUR);
    let mut out: Vec<CashFlow> = plan
        .payouts
        .iter()
        .map(|p| CashFlow {
            at: p.at,
            amount: p.amount,
            kind: CashKind::Fixed(p.kind),
        })
        .collect();
    for b in 0..layout.bills() {
        let mut amount = Decimal::ZERO;
        for (c, cell) in layout.cells.iter().enumerate() {
            let t = &s.types[cell.instance_type];
            let k = b * nc + c;
            let payg = m.payg_unit_seconds[k];
            let uncarried = u128::from(m.uncarried_seconds[k]);
            let licensed = layout.licence[c].seconds(uncarried, || u128::from(usage.licensed[k]));
            if payg > 0 {
                amount += t.payg_hourly * dec(payg) / (Decimal::from(t.units_scaled) * hour);
            }
            amount += (t.license_hourly * dec(licensed)
                + (t.software_hourly + t.storage_network_hourly) * dec(uncarried))
                / hour;
        }
        if !amount.is_zero() {
            out.push(CashFlow {
                at: layout.bill_dates[b],
                amount,
                kind: CashKind::UsageBill,
            });
        }
    }
    out.sort_by_key(|f| f.at);
    out
}

/// Net present value of a timeline at a yearly discount rate, discounted from `start`.
pub fn npv(flows: &[CashFlow], start: Instant, rate: Decimal) -> f64 {
    let r: f64 = rate.try_into().unwrap_or(0.0);
    flows
        .iter()
        .map(|f| {
            let years = (f.at - start) as f64 / crate::time::YEAR_SECONDS as f64;
            let amount: f64 = f.amount.try_into().unwrap_or(0.0);
            amount * (1.0 + r).powf(-years)
        })
        .sum()
}
