//! Reserved instances (docs/spec.md, sections 5 and 11): the active window of each period
//! (Alibaba's or exact), renewal at expiry, the payment options (all, partial or no upfront,
//! or Azure's monthly instalments of the all-upfront price), hourly fees, and the cells a
//! reservation may cover (zonal or regional, size-flexible within a family).

use super::{Context, EntrySummary, Event, FeeAccrual, Kind, Plan, hours_of, periods};
use crate::charge::{Amount, Charge, ChargeKind, Overflow, Target, Unit};
use crate::profile::{Billing, Payment, Period, Window};
use crate::scenario::{Reserve, Scenario};
use crate::time::{self, Duration, HOUR, Instant};
use crate::usage::Layout;
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// A reservation held by a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Reservation {
    /// `reserve[i]`.
    pub label: String,
    /// What the scenario says of it.
    pub spec: Reserve,
}

/// The first active period of a reservation bought at `at` for `term`, `end` exclusive.
///
/// Alibaba: from the start of the clock hour of purchase to 24:00:00 (calendar zone) of the
/// expiration day, which is the purchase date + term + 1 day. Bought 22:45 May 1 2020 (UTC+8)
/// for 1y: 22:00 May 1 2020 to 24:00 May 2 2021, 8,786 hours. Exact: from the purchase second
/// for exactly the term.
pub fn first_period(billing: &Billing, at: Instant, term: Duration) -> Period {
    match billing.reservation_window {
        Window::Alibaba => {
            let zone = billing.calendar_zone;
            let expiration_day = time::step_date(time::local_date(at, zone), term)
                .and_then(|d| d.succ_opt())
                .expect("terms of the alibaba window are whole days or months");
            Period::alibaba(time::floor_hour(at), expiration_day, zone)
        }
        Window::Exact => Period::exact(at, term, billing.calendar_zone),
    }
}

/// The period that renews `previous` for another `term` (docs/spec.md, section 11): it starts
/// where the previous one ended; under Alibaba's window the expiration day moves by the term.
pub fn renewal(billing: &Billing, previous: &Period, term: Duration) -> Period {
    billing.renew(billing.reservation_window, previous, term)
}

impl Kind for Reservation {
    fn label(&self) -> &str {
        &self.label
    }

    fn bought_at(&self) -> Instant {
        self.spec.at
    }

    fn lay_out(&self, ctx: &Context<'_>, purchase: usize, out: &mut Plan) -> Result<(), Overflow> {
        let (s, layout, billing) = (ctx.scenario, ctx.layout, ctx.billing());
        let r = &self.spec;
        let label = &self.label;
        let periods = periods(
            s,
            r.at,
            r.renew,
            |at| first_period(billing, at, r.term),
            |p| renewal(billing, p, r.term),
        );
        let units = s.types[r.instance_type].units_scaled;
        let price = Decimal::from(r.count)
            .checked_mul(r.upfront)
            .ok_or(Overflow)?;
        let mut reserved: u128 = 0;
        for (k, p) in periods.iter().enumerate() {
            let paid_at = if k == 0 { r.at } else { periods[k - 1].end };
            out.events.push(Event {
                at: paid_at,
                kind: if k == 0 { "purchase" } else { "renewal" },
                entry: label.clone(),
            });
            let inside = u64::try_from(p.seconds_within(s.start, s.end)).unwrap_or(0);
            let whole = u64::try_from(p.seconds()).map_err(|_| Overflow)?;
            reserved += u128::from(r.count) * u128::from(units) * u128::from(inside);
            let target = Target::Purchase {
                purchase,
                period: k,
            };
            if !price.is_zero() {
                // `monthly` spreads the all-upfront price over the term's months, counted from
                // the purchase; the others pay it at once.
                let (kind, instalments) = match r.payment {
                    Payment::Monthly => (
                        ChargeKind::Instalment,
                        r.term.months().expect("checked when read"),
                    ),
                    _ => (ChargeKind::Upfront, 1),
                };
                // A term is 1 to 1,200 months (checked when read).
                let den = u64::try_from(instalments).expect("a term has at least one month");
                for j in 0..instalments {
                    let due = Duration::Months(j).after(paid_at, billing.calendar_zone);
                    let amount = Amount { num: price, den };
                    out.charges.push(Charge {
                        kind,
                        target,
                        from: p.start,
                        to: p.end,
                        paid_at: due,
                        quantity: u128::from(r.count),
                        unit: Unit::Instances,
                        unit_price: r.upfront,
                        amount,
                        amortized: amount.share(inside, whole)?,
                        horizon: ctx.horizon_of(due),
                    });
                }
            }
            if !r.hourly.is_zero() {
                out.add_fees(FeeAccrual {
                    purchase,
                    period_index: k,
                    period: *p,
                    count: u64::from(r.count),
                    hourly: r.hourly,
                });
            }
        }
        if let Some(last) = periods.last() {
            out.events.push(Event {
                at: last.end,
                kind: "expiry",
                entry: label.clone(),
            });
        }
        out.reserved_unit_seconds += reserved;
        out.entries.push(EntrySummary {
            entry: label.clone(),
            effective_hourly_rate: periods.first().map(|p| {
                let hours = Decimal::from(p.seconds()) / Decimal::from(HOUR);
                (r.upfront + r.hourly * hours) / hours
            }),
            reserved_unit_seconds: reserved,
            subscribed_seconds: 0,
            subscribed_cell: None,
            instance_type: r.instance_type,
        });
        let per_second = u64::from(r.count).checked_mul(units).ok_or(Overflow)?;
        let mut capacity = vec![0u64; layout.hours];
        for p in &periods {
            for h in hours_of(layout, p) {
                let (from, to) = layout.hour_span(h);
                let seconds = u64::try_from(p.seconds_within(from, to)).unwrap_or(0);
                let add = per_second.checked_mul(seconds).ok_or(Overflow)?;
                capacity[h] = capacity[h].checked_add(add).ok_or(Overflow)?;
            }
        }
        out.add_pool(
            purchase,
            r.zone.is_some(),
            eligible_cells(s, layout, r.instance_type, r.zone, r.size_flexible),
            capacity,
        );
        Ok(())
    }
}

/// The cells a reservation may cover, in fill order: pay-as-you-go price per unit (highest
/// first), then type name, then zone name.
fn eligible_cells(
    s: &Scenario,
    layout: &Layout,
    instance_type: usize,
    zone: Option<usize>,
    size_flexible: bool,
) -> Vec<u32> {
    let bought = &s.types[instance_type];
    let cells = u32::try_from(layout.cells.len()).expect("cells are at most 10,000,000");
    let mut cells: Vec<u32> = (0..cells)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use crate::time::parse_instant;

    #[test]
    fn alibaba_reservation_window_is_the_vendor_example() {
        // Bought 22:45 May 1 2020 (UTC+8) for 1y: 22:00 May 1 2020 to 24:00 May 2 2021.
        let billing = Billing::defaults(Profile::Alibaba);
        let at = parse_instant("2020-05-01T22:45:00+08:00").unwrap();
        let p = first_period(&billing, at, Duration::Months(12));
        assert_eq!(p.start, parse_instant("2020-05-01T22:00:00+08:00").unwrap());
        assert_eq!(p.end, parse_instant("2021-05-03T00:00:00+08:00").unwrap());
        assert_eq!(p.seconds(), 8786 * 3600);
        // Renewed: to 24:00 May 2 2022.
        let r = renewal(&billing, &p, Duration::Months(12));
        assert_eq!(r.start, p.end);
        assert_eq!(r.end, parse_instant("2022-05-03T00:00:00+08:00").unwrap());
    }
}
