//! Subscriptions (docs/spec.md, sections 5 and 11): instances of one type in one zone paid per
//! period in advance, the active window (Alibaba's or exact), renewal at expiry, and the
//! retention after an unrenewed expiry. Subscribed instances carry VMs second by second.

use super::{Context, EntrySummary, Event, Kind, Plan, SubscriptionCover, periods};
use crate::charge::{Amount, Charge, ChargeKind, Horizon, Overflow, Target, Unit};
use crate::profile::{Billing, Period, Window};
use crate::scenario::Subscribe;
use crate::time::{self, DAY, Duration, HOUR, Instant};
use crate::usage::{Change, Layout, offset_in_hour};
use rust_decimal::Decimal;

/// A subscription held by a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    /// `subscribe[i]`.
    pub label: String,
    /// What the scenario says of it.
    pub spec: Subscribe,
}

/// The first active period of a subscription bought at `at` for `duration`.
///
/// Alibaba: from the purchase second to 23:59:59 (calendar zone) of the purchase date +
/// duration, that is to 00:00:00 of the next day, exclusive (Elastic Cloud Phone's rule: bought
/// 15:20 Nov 20 2020 for 1mo, active until 23:59:59 Dec 20 2020). Exact: for exactly the
/// duration.
pub fn first_period(billing: &Billing, at: Instant, duration: Duration) -> Period {
    match billing.subscription_window {
        Window::Alibaba => {
            let zone = billing.calendar_zone;
            let expiration_day = time::step_date(time::local_date(at, zone), duration)
                .expect("subscription durations are whole months");
            Period::alibaba(at, expiration_day, zone)
        }
        Window::Exact => Period::exact(at, duration, billing.calendar_zone),
    }
}

/// The period that renews a subscription's `previous` period.
pub fn renewal(billing: &Billing, previous: &Period, duration: Duration) -> Period {
    billing.renew(billing.subscription_window, previous, duration)
}

impl Kind for Subscription {
    fn label(&self) -> &str {
        &self.label
    }

    fn bought_at(&self) -> Instant {
        self.spec.at
    }

    fn lay_out(&self, ctx: &Context<'_>, purchase: usize, out: &mut Plan) -> Result<(), Overflow> {
        let (s, layout, billing) = (ctx.scenario, ctx.layout, ctx.billing());
        let sub = &self.spec;
        let label = &self.label;
        let periods = periods(
            s,
            sub.at,
            sub.renew,
            |at| first_period(billing, at, sub.duration),
            |p| renewal(billing, p, sub.duration),
        );
        let fee = Decimal::from(sub.count)
            .checked_mul(sub.fee)
            .ok_or(Overflow)?;
        let mut subscribed: u128 = 0;
        for (k, p) in periods.iter().enumerate() {
            out.events.push(Event {
                at: p.start,
                kind: if k == 0 { "purchase" } else { "renewal" },
                entry: label.clone(),
            });
            let inside = u64::try_from(p.seconds_within(s.start, s.end)).unwrap_or(0);
            let whole = u64::try_from(p.seconds()).map_err(|_| Overflow)?;
            let amount = Amount { num: fee, den: 1 };
            out.charges.push(Charge {
                kind: ChargeKind::SubscriptionFee,
                target: Target::Purchase {
                    purchase,
                    period: k,
                },
                from: p.start,
                to: p.end,
                paid_at: p.start,
                quantity: u128::from(sub.count),
                unit: Unit::Instances,
                unit_price: sub.fee,
                amount,
                amortized: amount.share(inside, whole)?,
                horizon: match ctx.horizon_of(p.start) {
                    Horizon::After => Horizon::After,
                    h => h,
                },
            });
            subscribed += u128::from(sub.count) * u128::from(inside);
        }
        if let Some(last) = periods.last() {
            out.events.push(Event {
                at: last.end,
                kind: "expiry",
                entry: label.clone(),
            });
            if billing.retention_days > 0 {
                out.events.push(Event {
                    at: last.end + i64::from(billing.retention_days) * DAY,
                    kind: "release",
                    entry: label.clone(),
                });
            }
        }
        out.subscribed_seconds += subscribed;
        out.entries.push(EntrySummary {
            entry: label.clone(),
            effective_hourly_rate: periods
                .first()
                .map(|p| sub.fee / (Decimal::from(p.seconds()) / Decimal::from(HOUR))),
            reserved_unit_seconds: 0,
            subscribed_seconds: subscribed,
            subscribed_cell: layout.cell(sub.instance_type, sub.zone),
            instance_type: sub.instance_type,
        });
        if let Some(cell) = layout.cell(sub.instance_type, sub.zone) {
            for p in &periods {
                out.add_subscribed(cell, p.start.max(s.start), p.end.min(s.end), sub.count);
            }
        }
        Ok(())
    }
}

/// The most subscribed instances a cover counts: `u32::MAX`. Every VM count of a trial fits in
/// a `u32` (see [`crate::scenario::Scenario`]), so a cell never runs more VMs and
/// `min(VMs, subscribed)`, all that matching reads, is the same with the count capped; a cell's
/// subscriptions together may exceed it (many entries of up to 10,000,000 instances).
pub const MAX_COVERED: u32 = u32::MAX;

/// Subscribed instances of a cell per hour, from `(instant, delta)` changes sorted by instant;
/// counts are capped at [`MAX_COVERED`], and the changes inside an hour are those of the capped
/// count.
pub(super) fn cover(layout: &Layout, cell: usize, changes: &[(Instant, i64)]) -> SubscriptionCover {
    let capped = |level: i64| -> u32 {
        u32::try_from(level.clamp(0, i64::from(MAX_COVERED))).expect("clamped to 32 bits")
    };
    let mut at_hour_start = vec![0u32; layout.hours];
    let mut changing: Vec<(usize, Vec<Change>)> = Vec::new();
    // A sum of at most 300,000 entries' (a 16 MiB file's) counts of at most 10,000,000 each.
    let mut level: i64 = 0;
    let mut i = 0;
    for (h, slot) in at_hour_start.iter_mut().enumerate() {
        let t = layout.hour_start(h);
        while i < changes.len() && changes[i].0 <= t {
            level += changes[i].1;
            i += 1;
        }
        *slot = capped(level);
        let mut inside = Vec::new();
        while i < changes.len() && changes[i].0 < t + HOUR {
            let (at, delta) = changes[i];
            let before = capped(level);
            level += delta;
            let delta = i64::from(capped(level)) - i64::from(before);
            let offset = offset_in_hour(at, t);
            match inside.last_mut() {
                Some(Change {
                    offset: o,
                    delta: d,
                }) if *o == offset => *d += delta,
                _ => inside.push(Change { offset, delta }),
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use crate::time::{format_instant, parse_instant};

    #[test]
    fn alibaba_subscription_window_is_the_vendor_example() {
        // Bought 15:20 Nov 20 2020 (UTC+8) for 1mo: active until 23:59:59 Dec 20 2020.
        let billing = Billing::defaults(Profile::Alibaba);
        let at = parse_instant("2020-11-20T15:20:00+08:00").unwrap();
        let p = first_period(&billing, at, Duration::Months(1));
        assert_eq!(p.start, at);
        assert_eq!(
            format_instant(p.end),
            format_instant(parse_instant("2020-12-21T00:00:00+08:00").unwrap())
        );
        // Renewal runs to 23:59:59 of Dec 20 + 1mo = Jan 20 2021.
        let r = renewal(&billing, &p, Duration::Months(1));
        assert_eq!(r.end, parse_instant("2021-01-21T00:00:00+08:00").unwrap());
    }

    #[test]
    fn alibaba_renewals_chain_from_the_clamped_expiration_day() {
        // Jan 31 + 1mo = Feb 28, + 1mo = Mar 28 (docs/spec.md, section 11).
        let billing = Billing::defaults(Profile::Alibaba);
        let at = parse_instant("2021-12-31T10:00:00+08:00").unwrap();
        let p = first_period(&billing, at, Duration::Months(1));
        assert_eq!(p.end, parse_instant("2022-02-01T00:00:00+08:00").unwrap());
        let p = renewal(&billing, &p, Duration::Months(1));
        assert_eq!(p.end, parse_instant("2022-03-01T00:00:00+08:00").unwrap());
        let p = renewal(&billing, &p, Duration::Months(1));
        assert_eq!(p.end, parse_instant("2022-03-29T00:00:00+08:00").unwrap());
    }

    #[test]
    fn exact_windows_chain_from_the_previous_end() {
        let billing = Billing::defaults(Profile::Azure);
        let at = parse_instant("2021-01-31T10:00:00Z").unwrap();
        let p = first_period(&billing, at, Duration::Months(1));
        assert_eq!(format_instant(p.end), "2021-02-28T10:00:00Z");
        let p = renewal(&billing, &p, Duration::Months(1));
        assert_eq!(format_instant(p.end), "2021-03-28T10:00:00Z");
    }
}
