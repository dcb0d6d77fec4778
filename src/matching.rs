//! The hourly matching core (docs/spec.md, section 5): subscriptions carry VMs instant by instant,
//! then reservations are pooled over each hour, zonal before regional, in declaration order,
//! each filling its eligible cells from the highest pay-as-you-go price per unit; capacity not
//! used in the hour is lost; the rest is pay-as-you-go.
//!
//! Pure and single-threaded: integer seconds in, integer seconds out, no allocation in the
//! hour loop. Money is applied afterwards, by the charges of each pool (`charge`, `billing`).

use crate::purchase::{Plan, SubscriptionCover};
use crate::time::HOUR;
use crate::usage::{Change, Layout, Usage};

/// What matching one strategy against one trial's usage gives, in integers.
#[derive(Clone, Debug, Default)]
pub struct Matched {
    cells: usize,
    /// Scaled unit-seconds paid at pay-as-you-go rates, per bill period and cell.
    pub payg_unit_seconds: Vec<u128>,
    /// Seconds not carried by a subscription (licence, software, storage apply), per bill
    /// period and cell.
    pub uncarried_seconds: Vec<u64>,
    /// Seconds carried by subscriptions, per cell.
    pub carried_seconds: Vec<u64>,
    /// Scaled unit-seconds covered by reservations, per cell.
    pub covered_unit_seconds: Vec<u128>,
    /// Scaled unit-seconds used, per reservation pool in matching order.
    pub entry_used: Vec<u128>,
}

impl Matched {
    fn reset(&mut self, layout: &Layout, plan: &Plan) {
        let nc = layout.cells.len();
        self.cells = nc;
        let bills = layout.bills() * nc;
        for (v, len) in [
            (&mut self.payg_unit_seconds, bills),
            (&mut self.covered_unit_seconds, nc),
            (&mut self.entry_used, plan.pools.len()),
        ] {
            v.clear();
            v.resize(len, 0);
        }
        for (v, len) in [
            (&mut self.uncarried_seconds, bills),
            (&mut self.carried_seconds, nc),
        ] {
            v.clear();
            v.resize(len, 0);
        }
    }

    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.cells
    }
}

/// Receives every (hour, cell) with usage, for `capsim bill --hourly`.
pub trait HourSink {
    /// False for the sink that keeps nothing, so the hot loop skips the calls entirely.
    const ENABLED: bool;
    /// One hour of one cell: seconds used, carried by subscriptions, and scaled unit-seconds
    /// covered by reservations.
    fn record(&mut self, hour: usize, cell: usize, usage: u64, carried: u64, covered: u64);
    /// Reservation pool `pool` (in matching order) covered `take` scaled unit-seconds of
    /// `cell` in `hour`; called before that hour's [`HourSink::record`] calls.
    #[inline]
    fn take(&mut self, _hour: usize, _pool: usize, _cell: usize, _take: u64) {}
}

/// A sink that keeps nothing.
pub struct NoHours;

impl HourSink for NoHours {
    const ENABLED: bool = false;
    #[inline]
    fn record(&mut self, _: usize, _: usize, _: u64, _: u64, _: u64) {}
}

/// Buffers reused across calls, so the hour loop allocates nothing.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    remaining: Vec<u64>,
    carried: Vec<u64>,
    cursors: Vec<usize>,
    events: Vec<(u16, i64, i64)>,
}

/// Matches one strategy's plan against one trial's usage.
pub fn run<S: HourSink>(
    layout: &Layout,
    usage: &Usage,
    plan: &Plan,
    out: &mut Matched,
    scratch: &mut Scratch,
    sink: &mut S,
) {
    out.reset(layout, plan);
    let nc = layout.cells.len();
    let units = &layout.units;
    scratch.remaining.clear();
    scratch.remaining.resize(nc, 0);
    scratch.carried.clear();
    scratch.carried.resize(nc, 0);
    scratch.cursors.clear();
    scratch.cursors.resize(plan.covers.len(), 0);
    let Scratch {
        remaining,
        carried,
        cursors,
        events,
    } = scratch;

    for m in 0..layout.bills() {
        let payg = &mut out.payg_unit_seconds[m * nc..(m + 1) * nc];
        let uncarried = &mut out.uncarried_seconds[m * nc..(m + 1) * nc];
        for h in layout.bill_hours(m) {
            let row = &usage.seconds[h * nc..(h + 1) * nc];
            for (sub, cursor) in plan.covers.iter().zip(cursors.iter_mut()) {
                let changing = match sub.changing.get(*cursor) {
                    Some((hour, changes)) if *hour == h => {
                        *cursor += 1;
                        Some(changes.as_slice())
                    }
                    _ => None,
                };
                carried[sub.cell] = carried_seconds(usage, h, sub, changing, events);
            }
            for c in 0..nc {
                remaining[c] = (row[c] - carried[c]) * units[c];
            }
            for (pool, (e, used)) in plan.pools.iter().zip(out.entry_used.iter_mut()).enumerate() {
                let mut capacity = e.capacity[h];
                if capacity == 0 {
                    continue;
                }
                for &c in &e.eligible {
                    let c = c as usize;
                    let take = remaining[c].min(capacity);
                    if take == 0 {
                        continue;
                    }
                    remaining[c] -= take;
                    capacity -= take;
                    *used += u128::from(take);
                    if S::ENABLED {
                        sink.take(h, pool, c, take);
                    }
                    out.covered_unit_seconds[c] += u128::from(take);
                    if capacity == 0 {
                        break;
                    }
                }
            }
            for c in 0..nc {
                payg[c] += u128::from(remaining[c]);
                uncarried[c] += row[c] - carried[c];
            }
            for sub in &plan.covers {
                out.carried_seconds[sub.cell] += carried[sub.cell];
            }
            if S::ENABLED {
                for c in 0..nc {
                    if row[c] > 0 {
                        let covered = (row[c] - carried[c]) * units[c] - remaining[c];
                        sink.record(h, c, row[c], carried[c], covered);
                    }
                }
            }
            for sub in &plan.covers {
                carried[sub.cell] = 0;
            }
        }
    }
}

/// Whether an hour's subscription integral has a short answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortcut {
    /// The carried seconds, without looking at single VMs.
    Carried(u64),
    /// The VMs' own arrival and departure seconds are needed.
    Exact,
}

/// The short answer for hour-cell `k` with `s0` instances subscribed at the hour's start, when
/// there is one: nothing used or subscribed; or the VM count bounds (the count at the hour's
/// start minus its departures, plus its arrivals) stay above or below the subscribed count.
#[inline]
pub fn shortcut(usage: &Usage, k: usize, s0: u64, changing: bool) -> Shortcut {
    let used = usage.seconds[k];
    if used == 0 || (s0 == 0 && !changing) {
        return Shortcut::Carried(0);
    }
    if !changing {
        let n0 = usage.present(k);
        // N(t) >= n0 - departures and N(t) <= n0 + arrivals throughout the hour.
        if n0 >= s0 + usage.departures(k) {
            return Shortcut::Carried(s0 * HOUR as u64);
        }
        if n0 + usage.arrivals(k) <= s0 {
            return Shortcut::Carried(used);
        }
    }
    Shortcut::Exact
}

/// Seconds of hour `h` that a cell's subscriptions carry: the integral of `min(N(t), S(t))`.
#[inline]
fn carried_seconds(
    usage: &Usage,
    h: usize,
    sub: &SubscriptionCover,
    changing: Option<&[Change]>,
    events: &mut Vec<(u16, i64, i64)>,
) -> u64 {
    let k = h * usage.cells() + sub.cell;
    let s0 = u64::from(sub.at_hour_start[h]);
    match shortcut(usage, k, s0, changing.is_some()) {
        Shortcut::Carried(v) => return v,
        Shortcut::Exact => {}
    }
    let n0 = usage.present(k);
    // Both counts fit in 32 bits (every VM count of a trial does; subscribed counts are
    // capped), so 3,600 times their minimum fits in 64.
    let mut n = i64::try_from(n0).expect("a trial's VMs fit in 32 bits");
    let mut s = i64::from(sub.at_hour_start[h]);
    let mut t: i64 = 0;
    let mut total: i64 = 0;
    let vms = usage.changes(h, sub.cell);
    match changing {
        // Most hours: the subscribed count holds, and the VMs' changes come sorted.
        None => {
            for (_, c) in vms {
                let at = i64::from(c.offset);
                total += (at - t) * n.min(s).max(0);
                n += c.delta;
                t = at;
            }
        }
        Some(changes) => {
            events.clear();
            events.extend(vms.iter().map(|(_, c)| (c.offset, c.delta, 0)));
            events.extend(changes.iter().map(|c| (c.offset, 0, c.delta)));
            events.sort_unstable_by_key(|e| e.0);
            for &(offset, dn, ds) in events.iter() {
                let at = i64::from(offset);
                total += (at - t) * n.min(s).max(0);
                n += dn;
                s += ds;
                t = at;
            }
        }
    }
    total += (HOUR - t) * n.min(s).max(0);
    u64::try_from(total).expect("a sum of non-negative seconds")
}
