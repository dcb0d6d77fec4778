//! What a strategy buys, laid out on the hour grid once per scenario: periods and renewals,
//! reservation capacity per hour, subscribed instances over time, and every charge that does not
//! depend on the trial's fleet (docs/spec.md, sections 5 and 11).

use super::profile::{Billing, Payment, Period};
use crate::scenario::{Scenario, Strategy};
use crate::time::{self, Duration, HOUR, Instant};
use crate::usage::{Change, Layout};
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// A reservation entry in matching order.
#[derive(Clone, Debug)]
pub struct ReservationEntry {
    /// Position among the strategy's `[[strategy.reserve]]` entries.
    pub entry: usize,
    /// Cells it may cover, in fill order: pay-as-you-go price per unit (highest first), then
    /// type name, then zone name.
    pub eligible: Vec<u32>,
    /// Capacity per hour in scaled unit-seconds (`count x units x active seconds`).
    pub capacity: Vec<u64>,
}

/// Subscribed instances of one cell over time.
#[derive(Clone, Debug)]
pub struct SubscriptionCover {
    /// The cell.
    pub cell: usize,
    /// Instances active at each hour's first second.
    pub at_hour_start: Vec<u32>,
    /// Hours in which the count changes after the first second, with the changes (sorted by
    /// hour; the changes sorted by offset).
    pub changing: Vec<(usize, Vec<Change>)>,
}

/// One payment that does not depend on the fleet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Payout {
    /// When it is paid.
    pub at: Instant,
    /// How much.
    pub amount: Decimal,
    /// What for.
    pub kind: PayoutKind,
}

/// What a payment is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayoutKind {
    /// A reservation's upfront payment (or a `monthly` instalment).
    Upfront,
    /// A subscription fee.
    Subscription,
    /// Hourly reservation fees, on the monthly bill.
    HourlyFeesBill,
    /// Hourly reservation fees, deducted when they reached the threshold.
    HourlyFeesDeducted,
}

/// Something that happens to an entry (for `capsim bill`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub at: Instant,
    /// `purchase`, `renewal`, `expiry` or `release`.
    pub kind: &'static str,
    /// `reserve[i]` or `subscribe[i]`.
    pub entry: String,
}

/// A strategy's charges that do not depend on the fleet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fixed {
    /// Upfront payments and `monthly` instalments paid in the horizon.
    pub upfront: Decimal,
    /// Hourly reservation fees for active seconds in the horizon.
    pub commitment_recurring: Decimal,
    /// Subscription fees paid in the horizon.
    pub subscription: Decimal,
    /// In-horizon shares of upfront payments, instalments and subscription fees.
    pub amortized_prepaid: Decimal,
    /// Hourly fees after the horizon and instalments due after it.
    pub obligation_after_horizon: Decimal,
    /// `count x units x active seconds` inside the horizon, scaled units.
    pub reserved_unit_seconds: u128,
    /// `count x active seconds` of subscriptions inside the horizon.
    pub subscribed_seconds: u128,
}

/// Per entry, what a planner reads about it (effective rates).
#[derive(Clone, Debug, PartialEq)]
pub struct EntrySummary {
    /// `reserve[i]` or `subscribe[i]`.
    pub entry: String,
    /// Effective hourly rate per instance-hour of the first period:
    /// (upfront + all hourly fees of one period) / (count x hours of the period).
    pub effective_hourly_rate: Option<Decimal>,
    /// Scaled unit-seconds reserved inside the horizon (reservations), for utilisation.
    pub reserved_unit_seconds: u128,
}

/// A strategy laid out on the hour grid.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The strategy's name (`payg` for the baseline).
    pub name: String,
    /// Reservation entries, zonal first then regional, each in declaration order.
    pub reservations: Vec<ReservationEntry>,
    /// Subscribed cells.
    pub subscriptions: Vec<SubscriptionCover>,
    /// Charges that do not depend on the fleet.
    pub fixed: Fixed,
    /// Payments that do not depend on the fleet, in time order.
    pub payouts: Vec<Payout>,
    /// Purchases, renewals, expiries and releases, in time order.
    pub events: Vec<Event>,
    /// Per entry: reservations first, then subscriptions, each in declaration order.
    pub entries: Vec<EntrySummary>,
}

impl Plan {
    /// The pay-as-you-go baseline: nothing bought.
    pub fn payg() -> Plan {
        Plan {
            name: "payg".to_string(),
            reservations: Vec::new(),
            subscriptions: Vec::new(),
            fixed: Fixed::default(),
            payouts: Vec::new(),
            events: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// Lays a strategy out on the hour grid.
    pub fn new(s: &Scenario, layout: &Layout, strategy: &Strategy) -> Plan {
        let mut plan = Plan::payg();
        plan.name = strategy.name.clone();
        let billing = &s.billing;
        let mut hourly_fees = vec![Decimal::ZERO; layout.hours];
        let mut fees_after = Decimal::ZERO;

        let mut all_periods = Vec::with_capacity(strategy.reserves.len());
        for (i, r) in strategy.reserves.iter().enumerate() {
            let label = format!("reserve[{i}]");
            let periods = periods(
                s,
                r.at,
                r.renew,
                |at| billing.reservation_period(at, r.term),
                |p| billing.renew_reservation(p, r.term),
            );
            let count = Decimal::from(r.count);
            let units = s.types[r.instance_type].units_scaled;
            let price = count * r.upfront;
            let mut reserved: u128 = 0;
            for (k, p) in periods.iter().enumerate() {
                let paid_at = if k == 0 { r.at } else { periods[k - 1].end };
                plan.events.push(Event {
                    at: paid_at,
                    kind: if k == 0 { "purchase" } else { "renewal" },
                    entry: label.clone(),
                });
                let inside = p.seconds_within(s.start, s.end);
                reserved += u128::from(r.count) * u128::from(units) * inside as u128;
                if !price.is_zero() {
                    // `monthly` spreads the all-upfront price over the term's months, counted
                    // from the purchase; the others pay it at once.
                    let instalments = match r.payment {
                        Payment::Monthly => r.term.months().expect("checked when read") as u32,
                        _ => 1,
                    };
                    let (mut due_inside, mut due_after) = (0u32, 0u32);
                    for j in 0..instalments {
                        let due = Duration::Months(j as i32).after(paid_at, billing.calendar_zone);
                        if due >= s.end {
                            due_after += 1;
                        } else if due >= s.start {
                            due_inside += 1;
                            plan.payouts.push(Payout {
                                at: due,
                                amount: price / Decimal::from(instalments),
                                kind: PayoutKind::Upfront,
                            });
                        }
                    }
                    let n = Decimal::from(instalments);
                    plan.fixed.upfront += price * Decimal::from(due_inside) / n;
                    plan.fixed.obligation_after_horizon += price * Decimal::from(due_after) / n;
                    plan.fixed.amortized_prepaid +=
                        price * Decimal::from(inside) / Decimal::from(p.seconds());
                }
                if !r.hourly.is_zero() {
                    let rate = count * r.hourly;
                    for h in hours_of(layout, p) {
                        let (from, to) = layout.hour_span(h);
                        hourly_fees[h] += rate * Decimal::from(p.seconds_within(from, to));
                    }
                    plan.fixed.commitment_recurring +=
                        rate * Decimal::from(inside) / Decimal::from(HOUR);
                    fees_after += rate * Decimal::from(p.seconds_within(s.end, i64::MAX));
                }
            }
            if let Some(last) = periods.last() {
                plan.events.push(Event {
                    at: last.end,
                    kind: "expiry",
                    entry: label.clone(),
                });
            }
            plan.fixed.reserved_unit_seconds += reserved;
            plan.entries.push(EntrySummary {
                entry: label,
                effective_hourly_rate: periods.first().map(|p| {
                    let hours = Decimal::from(p.seconds()) / Decimal::from(HOUR);
                    (r.upfront + r.hourly * hours) / hours
                }),
                reserved_unit_seconds: reserved,
            });
            all_periods.push(periods);
        }
        plan.fixed.obligation_after_horizon += fees_after / Decimal::from(HOUR);

        // Matching order: zonal entries first, then regional, each in declaration order.
        let mut order: Vec<usize> = (0..strategy.reserves.len()).collect();
        order.sort_by_key(|&i| (strategy.reserves[i].zone.is_none(), i));
        for i in order {
            let r = &strategy.reserves[i];
            let per_second = u64::from(r.count) * s.types[r.instance_type].units_scaled;
            let mut capacity = vec![0u64; layout.hours];
            for p in &all_periods[i] {
                for h in hours_of(layout, p) {
                    let (from, to) = layout.hour_span(h);
                    capacity[h] += per_second * p.seconds_within(from, to) as u64;
                }
            }
            plan.reservations.push(ReservationEntry {
                entry: i,
                eligible: eligible_cells(s, layout, r.instance_type, r.zone, r.size_flexible),
                capacity,
            });
        }

        let mut changes_by_cell: Vec<(usize, Vec<(Instant, i32)>)> = Vec::new();
        for (i, sub) in strategy.subscribes.iter().enumerate() {
            let label = format!("subscribe[{i}]");
            let periods = periods(
                s,
                sub.at,
                sub.renew,
                |at| billing.subscription_period(at, sub.duration),
                |p| billing.renew_subscription(p, sub.duration),
            );
            let fee = Decimal::from(sub.count) * sub.fee;
            let mut subscribed: u128 = 0;
            for (k, p) in periods.iter().enumerate() {
                plan.events.push(Event {
                    at: p.start,
                    kind: if k == 0 { "purchase" } else { "renewal" },
                    entry: label.clone(),
                });
                if p.start >= s.start {
                    plan.fixed.subscription += fee;
                    plan.payouts.push(Payout {
                        at: p.start,
                        amount: fee,
                        kind: PayoutKind::Subscription,
                    });
                }
                let inside = p.seconds_within(s.start, s.end);
                plan.fixed.amortized_prepaid +=
                    fee * Decimal::from(inside) / Decimal::from(p.seconds());
                subscribed += u128::from(sub.count) * inside as u128;
            }
            if let Some(last) = periods.last() {
                plan.events.push(Event {
                    at: last.end,
                    kind: "expiry",
                    entry: label.clone(),
                });
                if billing.retention_days > 0 {
                    plan.events.push(Event {
                        at: last.end + i64::from(billing.retention_days) * time::DAY,
                        kind: "release",
                        entry: label.clone(),
                    });
                }
            }
            plan.fixed.subscribed_seconds += subscribed;
            plan.entries.push(EntrySummary {
                entry: label,
                effective_hourly_rate: periods
                    .first()
                    .map(|p| sub.fee / (Decimal::from(p.seconds()) / Decimal::from(HOUR))),
                reserved_unit_seconds: 0,
            });
            if let Some(cell) = layout.cell(sub.instance_type, sub.zone) {
                let list = match changes_by_cell.iter_mut().find(|(c, _)| *c == cell) {
                    Some((_, list)) => list,
                    None => {
                        changes_by_cell.push((cell, Vec::new()));
                        &mut changes_by_cell.last_mut().expect("pushed").1
                    }
                };
                for p in &periods {
                    let from = p.start.max(s.start);
                    let to = p.end.min(s.end);
                    if from < to && sub.count > 0 {
                        list.push((from, sub.count as i32));
                        list.push((to, -(sub.count as i32)));
                    }
                }
            }
        }
        changes_by_cell.sort_by_key(|(c, _)| *c);
        for (cell, mut list) in changes_by_cell {
            list.sort();
            plan.subscriptions.push(cover(layout, cell, &list));
        }

        plan.payouts
            .extend(fee_payments(layout, billing, &hourly_fees));
        plan.payouts.sort_by_key(|p| p.at);
        plan.events
            .retain(|e| e.kind == "purchase" || e.kind == "renewal" || e.at <= s.end);
        plan.events
            .sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.entry.cmp(&b.entry)));
        plan
    }
}

/// The periods of an entry: bought at `at`, renewed at each expiry while it is before the
/// horizon's end.
fn periods(
    s: &Scenario,
    at: Instant,
    renew: bool,
    first: impl Fn(Instant) -> Period,
    next: impl Fn(&Period) -> Period,
) -> Vec<Period> {
    let mut out = vec![first(at)];
    if renew {
        loop {
            let last = out.last().expect("one period at least");
            if last.end >= s.end {
                break;
            }
            out.push(next(last));
        }
    }
    out
}

/// The hours of the grid that a period overlaps inside the horizon.
fn hours_of(layout: &Layout, p: &Period) -> std::ops::Range<usize> {
    let from = p.start.max(layout.start);
    let to = p.end.min(layout.end);
    if from >= to {
        return 0..0;
    }
    let first = ((from - layout.base) / HOUR) as usize;
    let last = ((to - 1 - layout.base) / HOUR) as usize;
    first..last + 1
}

/// The cells a reservation may cover, in fill order.
fn eligible_cells(
    s: &Scenario,
    layout: &Layout,
    instance_type: usize,
    zone: Option<usize>,
    size_flexible: bool,
) -> Vec<u32> {
    let bought = &s.types[instance_type];
    let mut cells: Vec<u32> = (0..layout.cells.len() as u32)
        .filter(|&c| {
            let cell = layout.cells[c as usize];
            let t = &s.types[cell.instance_type];
            let type_ok = if size_flexible {
                t.family == bought.family
            } else {
                cell.instance_type == instance_type
            };
            type_ok && zone.is_none_or(|z| z == cell.zone)
        })
        .collect();
    cells.sort_by(|&a, &b| {
        let (ca, cb) = (layout.cells[a as usize], layout.cells[b as usize]);
        let (ta, tb) = (&s.types[ca.instance_type], &s.types[cb.instance_type]);
        // payg per unit, highest first, compared exactly: pa / ua vs pb / ub.
        let per_unit = (tb.payg_hourly * ta.units).cmp(&(ta.payg_hourly * tb.units));
        per_unit
            .then_with(|| ta.name.as_bytes().cmp(tb.name.as_bytes()))
            .then_with(|| s.zones[ca.zone].as_bytes().cmp(s.zones[cb.zone].as_bytes()))
            .then(Ordering::Equal)
    });
    cells
}

/// Subscribed instances of a cell per hour, from `(instant, delta)` changes sorted by instant.
fn cover(layout: &Layout, cell: usize, changes: &[(Instant, i32)]) -> SubscriptionCover {
    let mut at_hour_start = vec![0u32; layout.hours];
    let mut changing: Vec<(usize, Vec<Change>)> = Vec::new();
    let mut level: i64 = 0;
    let mut i = 0;
    for (h, slot) in at_hour_start.iter_mut().enumerate() {
        let t = layout.hour_start(h);
        while i < changes.len() && changes[i].0 <= t {
            level += i64::from(changes[i].1);
            i += 1;
        }
        *slot = level as u32;
        let mut inside = Vec::new();
        while i < changes.len() && changes[i].0 < t + HOUR {
            let (at, delta) = changes[i];
            match inside.last_mut() {
                Some(Change { offset, delta: d }) if *offset == (at - t) as u16 => *d += delta,
                _ => inside.push(Change {
                    offset: (at - t) as u16,
                    delta,
                }),
            }
            level += i64::from(delta);
            i += 1;
        }
        inside.retain(|c| c.delta != 0);
        if !inside.is_empty() {
            changing.push((h, inside));
        }
    }
    SubscriptionCover {
        cell,
        at_hour_start,
        changing,
    }
}

/// When the hourly reservation fees are paid: on the monthly bill, or at the end of the first
/// hour in which the unpaid fees reach the auto-deduction threshold. `fees[h]` is the fee of
/// hour `h` times 3600 (divided once per payment).
fn fee_payments(layout: &Layout, billing: &Billing, fees: &[Decimal]) -> Vec<Payout> {
    let mut out = Vec::new();
    let threshold = billing
        .auto_deduct_threshold
        .map(|t| t * Decimal::from(HOUR));
    let mut unpaid = Decimal::ZERO;
    for m in 0..layout.bills() {
        let from = layout.bill_starts[m];
        let to = layout
            .bill_starts
            .get(m + 1)
            .copied()
            .unwrap_or(layout.hours);
        for (h, fee) in fees.iter().enumerate().take(to).skip(from) {
            unpaid += *fee;
            if let Some(limit) = threshold
                && !unpaid.is_zero()
                && unpaid >= limit
            {
                out.push(Payout {
                    at: layout.hour_start(h) + HOUR,
                    amount: unpaid / Decimal::from(HOUR),
                    kind: PayoutKind::HourlyFeesDeducted,
                });
                unpaid = Decimal::ZERO;
            }
        }
        if !unpaid.is_zero() {
            out.push(Payout {
                at: layout.bill_dates[m],
                amount: unpaid / Decimal::from(HOUR),
                kind: PayoutKind::HourlyFeesBill,
            });
            unpaid = Decimal::ZERO;
        }
    }
    out
}
