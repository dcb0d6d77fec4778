//! What a strategy buys, as a list of purchases of registered kinds, laid out on the hour grid:
//! reservation capacity per hour, subscribed instances over time, the charges that do not
//! depend on the fleet, and the events a planner reads (docs/spec.md, sections 5 and 11).
//!
//! Each kind lives in its own module with all its vendor rules (window, payments, renewal,
//! size flexibility, expiry, retention) behind [`Kind`]. Matching, the charge model and the
//! outputs see only the [`Plan`]. A kind is registered once, in [`Purchase`]. Purchases can be
//! appended to a plan in time order while a trial runs ([`Plan::append`]); they are matched
//! after those already held, in the order bought.

pub mod reservation;
pub mod subscription;

use crate::charge::{Amount, Charge, ChargeKind, Horizon, Overflow, Target, Totals, Unit};
use crate::profile::{Billing, Payment, Period};
use crate::scenario::{Scenario, Strategy};
use crate::time::{HOUR, Instant};
use crate::usage::{Change, Layout};
use rust_decimal::Decimal;

/// What a purchase kind must say about itself.
pub trait Kind {
    /// How outputs name the purchase: `reserve[0]`, `subscribe[1]`.
    fn label(&self) -> &str;
    /// When it is bought.
    fn bought_at(&self) -> Instant;
    /// Lays the purchase, held at position `purchase` of the plan, out on the hour grid: its
    /// capacity or cover, its charges, its events and its summary.
    fn lay_out(&self, ctx: &Context<'_>, purchase: usize, out: &mut Plan) -> Result<(), Overflow>;
}

/// A purchase of one of the registered kinds.
#[derive(Clone, Debug, PartialEq)]
pub enum Purchase {
    /// A reserved instance (`[[strategy.reserve]]`).
    Reservation(reservation::Reservation),
    /// A subscription (`[[strategy.subscribe]]`).
    Subscription(subscription::Subscription),
}

impl Purchase {
    /// The kind's behaviour: the one place a kind is registered.
    pub fn kind(&self) -> &dyn Kind {
        match self {
            Purchase::Reservation(r) => r,
            Purchase::Subscription(s) => s,
        }
    }

    /// A strategy's purchases, in the order its tables are written: reservations, then
    /// subscriptions.
    pub fn of_strategy(strategy: &Strategy) -> Vec<Purchase> {
        let reserves = strategy.reserves.iter().enumerate().map(|(i, r)| {
            Purchase::Reservation(reservation::Reservation {
                label: format!("reserve[{i}]"),
                spec: r.clone(),
            })
        });
        let subscribes = strategy.subscribes.iter().enumerate().map(|(i, s)| {
            Purchase::Subscription(subscription::Subscription {
                label: format!("subscribe[{i}]"),
                spec: s.clone(),
            })
        });
        reserves.chain(subscribes).collect()
    }
}

/// The most hour entries of reservation capacity and subscription cover the plans of a
/// scenario hold in all (each reservation entry and each subscribed cell of a strategy is one
/// number per billing hour).
pub const MAX_PLAN_HOURS: u64 = 50_000_000;

/// The most hourly-fee payments the reservations of all strategies are settled in (one charge
/// each, per reservation): a tiny `auto_deduct_threshold` against large fees pays every hour.
pub const MAX_FEE_PAYMENTS: usize = 1_000_000;

/// Why a strategy cannot be laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// An amount left the exact range of money.
    Overflow(Overflow),
    /// Its hourly fees would be paid in more than [`MAX_FEE_PAYMENTS`] payments.
    TooManyPayments,
}

impl From<Overflow> for LayoutError {
    fn from(e: Overflow) -> Self {
        LayoutError::Overflow(e)
    }
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayoutError::Overflow(e) => write!(f, "{e}; lower its counts or prices"),
            LayoutError::TooManyPayments => write!(
                f,
                "its reservations' hourly fees would be paid in more than {} payments (one a charge), the most for all strategies together; raise [billing] auto_deduct_threshold or buy fewer entries",
                crate::money::display_grouped(Decimal::from(MAX_FEE_PAYMENTS), 0)
            ),
        }
    }
}

/// What a purchase is laid out against: the scenario and its hour grid.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Its hour grid and cells.
    pub layout: &'a Layout,
}

impl Context<'_> {
    /// The billing rules in force.
    pub fn billing(&self) -> &Billing {
        &self.scenario.billing
    }

    /// Where a payment due at `at` falls against the horizon.
    pub fn horizon_of(&self, at: Instant) -> Horizon {
        if at < self.scenario.start {
            Horizon::Before
        } else if at < self.scenario.end {
            Horizon::Inside
        } else {
            Horizon::After
        }
    }
}

/// Reservation capacity that matching pools over each hour.
#[derive(Clone, Debug)]
pub struct Pool {
    /// The purchase it comes from.
    pub purchase: usize,
    /// Cells it may cover, in fill order (see [`reservation`]).
    pub eligible: Vec<u32>,
    /// Capacity per hour in scaled unit-seconds (`count x units x active seconds`).
    pub capacity: Vec<u64>,
    /// Matching order: the append batch (0 for the strategy's own entries), then zonal before
    /// regional, then the purchase's position.
    order: (u32, bool, usize),
}

/// Subscribed instances of one cell over time.
#[derive(Clone, Debug)]
pub struct SubscriptionCover {
    /// The cell.
    pub cell: usize,
    /// Instances active at each hour's first second, capped at [`subscription::MAX_COVERED`]
    /// (a cell never holds more VMs, so the cap changes no carried second).
    pub at_hour_start: Vec<u32>,
    /// Hours in which the count changes after the first second, with the changes (sorted by
    /// hour; the changes sorted by offset).
    pub changing: Vec<(usize, Vec<Change>)>,
}

/// Something that happens to a purchase (for `capsim bill`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub at: Instant,
    /// `purchase`, `renewal`, `expiry` or `release`.
    pub kind: &'static str,
    /// The purchase's label.
    pub entry: String,
}

/// Per purchase, what a planner reads about it (effective rates).
#[derive(Clone, Debug, PartialEq)]
pub struct EntrySummary {
    /// The purchase's label.
    pub entry: String,
    /// Effective hourly rate per instance-hour of the first period.
    pub effective_hourly_rate: Option<Decimal>,
    /// Scaled unit-seconds reserved inside the horizon (reservations), for utilisation.
    pub reserved_unit_seconds: u128,
    /// Instance-seconds subscribed inside the horizon (subscriptions), for utilisation.
    pub subscribed_seconds: u128,
    /// The cell whose subscribed instances it adds to (subscriptions whose type and zone some
    /// fleet runs in).
    pub subscribed_cell: Option<usize>,
    /// The instance type bought: its charges count against it, even when size-flexible.
    pub instance_type: usize,
}

/// Hourly fees a purchase accrues over one period, settled into charges by the profile's
/// payment rules once every purchase is laid out.
#[derive(Clone, Copy, Debug)]
pub struct FeeAccrual {
    /// The purchase.
    pub purchase: usize,
    /// Its period (0 for the purchase).
    pub period_index: usize,
    /// The period.
    pub period: Period,
    /// Instances.
    pub count: u64,
    /// Fee per instance-hour.
    pub hourly: Decimal,
}

/// A strategy laid out on the hour grid.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The strategy's name (`payg` for the baseline).
    pub name: String,
    /// The purchases, in the order held.
    pub purchases: Vec<Purchase>,
    /// Reservation capacity in matching order.
    pub pools: Vec<Pool>,
    /// Subscribed cells, by cell.
    pub covers: Vec<SubscriptionCover>,
    /// Every charge that does not depend on the fleet, in payment order.
    pub charges: Vec<Charge>,
    /// Their sums.
    pub totals: Totals,
    /// Purchases, renewals, expiries and releases, in time order.
    pub events: Vec<Event>,
    /// Per purchase, in the order held.
    pub entries: Vec<EntrySummary>,
    /// `count x units x active seconds` of reservations inside the horizon, scaled units.
    pub reserved_unit_seconds: u128,
    /// `count x active seconds` of subscriptions inside the horizon.
    pub subscribed_seconds: u128,
    subscribed: Vec<(usize, Vec<(Instant, i64)>)>,
    fees: Vec<FeeAccrual>,
    batches: u32,
    /// Where the purchases appended after the strategy's own start.
    first_appended: usize,
}

impl Plan {
    /// The pay-as-you-go baseline: nothing bought.
    pub fn payg() -> Plan {
        Plan::empty("payg")
    }

    fn empty(name: &str) -> Plan {
        Plan {
            name: name.to_string(),
            purchases: Vec::new(),
            pools: Vec::new(),
            covers: Vec::new(),
            charges: Vec::new(),
            totals: Totals::default(),
            events: Vec::new(),
            entries: Vec::new(),
            reserved_unit_seconds: 0,
            subscribed_seconds: 0,
            subscribed: Vec::new(),
            fees: Vec::new(),
            batches: 0,
            first_appended: 0,
        }
    }

    /// Lays a strategy out on the hour grid.
    pub fn new(ctx: &Context<'_>, strategy: &Strategy) -> Result<Plan, LayoutError> {
        let mut plan = Plan::empty(&strategy.name);
        plan.append(ctx, Purchase::of_strategy(strategy))?;
        Ok(plan)
    }

    /// Adds purchases (in time order, none before those held) and lays the plan out again:
    /// they are matched after every purchase already held, in the order given.
    pub fn append(&mut self, ctx: &Context<'_>, bought: Vec<Purchase>) -> Result<(), LayoutError> {
        let first = self.purchases.len();
        if self.batches == 1 {
            self.first_appended = first;
        }
        let at = |p: &Purchase| p.kind().bought_at();
        debug_assert!(
            self.batches == 0
                || (bought.windows(2).all(|w| at(&w[0]) <= at(&w[1]))
                    && self.purchases[self.first_appended..]
                        .iter()
                        .all(|held| bought.first().is_none_or(|p| at(held) <= at(p)))),
            "purchases are appended in time order"
        );
        let batch = self.batches;
        self.batches += 1;
        self.purchases.extend(bought);
        let purchases = std::mem::take(&mut self.purchases);
        for (i, p) in purchases.iter().enumerate().skip(first) {
            let pools = self.pools.len();
            p.kind().lay_out(ctx, i, self)?;
            for pool in &mut self.pools[pools..] {
                pool.order.0 = batch;
            }
        }
        self.purchases = purchases;
        self.finish(ctx)
    }

    /// Records reservation capacity (called by a kind's `lay_out`).
    pub fn add_pool(
        &mut self,
        purchase: usize,
        zonal: bool,
        eligible: Vec<u32>,
        capacity: Vec<u64>,
    ) {
        self.pools.push(Pool {
            purchase,
            eligible,
            capacity,
            order: (0, !zonal, purchase),
        });
    }

    /// Records `count` instances subscribed in `cell` over `[from, to)` (called by a kind's
    /// `lay_out`).
    pub fn add_subscribed(&mut self, cell: usize, from: Instant, to: Instant, count: u32) {
        if from >= to || count == 0 {
            return;
        }
        let list = match self.subscribed.iter_mut().position(|(c, _)| *c == cell) {
            Some(i) => &mut self.subscribed[i].1,
            None => {
                self.subscribed.push((cell, Vec::new()));
                &mut self.subscribed.last_mut().expect("pushed").1
            }
        };
        list.push((from, i64::from(count)));
        list.push((to, -i64::from(count)));
    }

    /// Records hourly fees to be settled (called by a kind's `lay_out`).
    pub fn add_fees(&mut self, accrual: FeeAccrual) {
        self.fees.push(accrual);
    }

    /// Sorts what the purchases laid out, builds the subscription covers and settles the hourly
    /// fees into charges.
    fn finish(&mut self, ctx: &Context<'_>) -> Result<(), LayoutError> {
        let s = ctx.scenario;
        self.pools.sort_by_key(|p| p.order);
        self.subscribed.sort_by_key(|(c, _)| *c);
        self.covers = self
            .subscribed
            .iter()
            .map(|(cell, list)| {
                let mut list = list.clone();
                list.sort();
                subscription::cover(ctx.layout, *cell, &list)
            })
            .collect();
        self.charges.retain(|c| c.kind != ChargeKind::HourlyFee);
        let fees = settle_fees(ctx, &self.fees)?;
        self.charges.extend(fees);
        self.charges.sort_by_key(|c| (c.paid_at, c.kind));
        self.totals = Totals::default();
        for c in &self.charges {
            self.totals.add(c)?;
        }
        self.events
            .retain(|e| e.kind == "purchase" || e.kind == "renewal" || e.at <= s.end);
        self.events
            .sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.entry.cmp(&b.entry)));
        self.events.dedup();
        Ok(())
    }
}

/// The periods of a purchase: bought at `at`, renewed at each expiry while it is before the
/// horizon's end.
pub fn periods(
    s: &Scenario,
    at: Instant,
    renew: bool,
    first: impl Fn(Instant) -> Period,
    next: impl Fn(&Period) -> Period,
) -> Vec<Period> {
    renewals(s, at, renew, first, next).collect()
}

/// [`periods`] one at a time, so that they can be counted without being kept.
fn renewals<'a>(
    s: &'a Scenario,
    at: Instant,
    renew: bool,
    first: impl Fn(Instant) -> Period,
    next: impl Fn(&Period) -> Period + 'a,
) -> impl Iterator<Item = Period> + 'a {
    let mut coming = Some(first(at));
    std::iter::from_fn(move || {
        let p = coming.take()?;
        if renew && p.end < s.end {
            coming = Some(next(&p));
        }
        Some(p)
    })
}

/// The most periods the purchases of all strategies may be laid out in together
/// (docs/scenario.md, "Limits"): each period has its own charges and events, so a one-hour
/// term renewed over centuries would otherwise fill memory.
pub const MAX_PERIODS: u64 = 1_000_000;

impl Purchase {
    /// The periods the purchase is laid out in, a reservation paid in monthly instalments
    /// counting each instalment (each is a charge of its own); counted one period at a time,
    /// without laying the purchase out.
    pub fn period_count(&self, ctx: &Context<'_>) -> u64 {
        let (s, billing) = (ctx.scenario, ctx.billing());
        let count = |n: usize| u64::try_from(n).expect("a count of periods fits in 64 bits");
        match self {
            Purchase::Reservation(r) => {
                let r = &r.spec;
                let n = count(
                    renewals(
                        s,
                        r.at,
                        r.renew,
                        |at| reservation::first_period(billing, at, r.term),
                        |p| reservation::renewal(billing, p, r.term),
                    )
                    .count(),
                );
                match r.payment {
                    Payment::Monthly => {
                        let months = r.term.months().expect("checked when read");
                        n.saturating_mul(u64::try_from(months).expect("a term has months"))
                    }
                    _ => n,
                }
            }
            Purchase::Subscription(sub) => {
                let sub = &sub.spec;
                count(
                    renewals(
                        s,
                        sub.at,
                        sub.renew,
                        |at| subscription::first_period(billing, at, sub.duration),
                        |p| subscription::renewal(billing, p, sub.duration),
                    )
                    .count(),
                )
            }
        }
    }
}

/// The hours of the grid that a period overlaps inside the horizon.
pub fn hours_of(layout: &Layout, p: &Period) -> std::ops::Range<usize> {
    let from = p.start.max(layout.start);
    let to = p.end.min(layout.end);
    if from >= to {
        return 0..0;
    }
    let first = ((from - layout.base) / HOUR) as usize;
    let last = ((to - 1 - layout.base) / HOUR) as usize;
    first..last + 1
}

/// Seconds as an unsigned count (negative spans count nothing).
fn secs(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The hourly fees of every purchase as charges: paid on the monthly bill, or at the end of
/// the first hour in which the unpaid fees of all purchases reach the auto-deduction threshold
/// (docs/spec.md, section 5); fees of seconds after the horizon are owed after it.
fn settle_fees(ctx: &Context<'_>, fees: &[FeeAccrual]) -> Result<Vec<Charge>, LayoutError> {
    let (s, layout) = (ctx.scenario, ctx.layout);
    let mut out = Vec::new();
    if fees.is_empty() {
        return Ok(out);
    }
    // Payment segments: `(first hour, end hour, paid at)`.
    let mut segments: Vec<(usize, usize, Instant)> = Vec::new();
    let threshold = ctx
        .billing()
        .auto_deduct_threshold
        .map(|t| t * Decimal::from(HOUR));
    let mut per_hour = vec![Decimal::ZERO; layout.hours];
    for f in fees {
        let rate = Decimal::from(f.count) * f.hourly;
        for h in hours_of(layout, &f.period) {
            let (from, to) = layout.hour_span(h);
            per_hour[h] += rate * Decimal::from(f.period.seconds_within(from, to));
        }
    }
    for m in 0..layout.bills() {
        let hours = layout.bill_hours(m);
        let mut unpaid = Decimal::ZERO;
        let mut open = hours.start;
        for (h, fee) in per_hour
            .iter()
            .enumerate()
            .take(hours.end)
            .skip(hours.start)
        {
            unpaid = unpaid.checked_add(*fee).ok_or(Overflow)?;
            if let Some(limit) = threshold
                && !unpaid.is_zero()
                && unpaid >= limit
            {
                segments.push((open, h + 1, layout.hour_start(h) + HOUR));
                unpaid = Decimal::ZERO;
                open = h + 1;
            }
        }
        if !unpaid.is_zero() {
            segments.push((open, hours.end, layout.bill_dates[m]));
        }
    }
    // Segments are in hour order and do not overlap: a period's are those from the first that
    // ends after its first hour to the last that starts before its end.
    let overlapping = |hours: &std::ops::Range<usize>| {
        let from = segments.partition_point(|&(_, end, _)| end <= hours.start);
        let to = segments.partition_point(|&(first, _, _)| first < hours.end);
        from..to.max(from)
    };
    let payments: usize = fees
        .iter()
        .map(|f| overlapping(&hours_of(layout, &f.period)).len())
        .sum();
    if payments > MAX_FEE_PAYMENTS {
        return Err(LayoutError::TooManyPayments);
    }
    for f in fees {
        let hours = hours_of(layout, &f.period);
        let target = Target::Purchase {
            purchase: f.purchase,
            period: f.period_index,
        };
        for &(first, end, paid_at) in &segments[overlapping(&hours)] {
            let from = layout.hour_span(first).0;
            let to = layout.hour_span(end - 1).1;
            let seconds = secs(f.period.seconds_within(from, to));
            if seconds == 0 {
                continue;
            }
            let quantity = u128::from(f.count) * u128::from(seconds);
            let amount = Amount::of(f.hourly, quantity, HOUR as u64)?;
            out.push(Charge {
                kind: ChargeKind::HourlyFee,
                target,
                from: from.max(f.period.start),
                to: to.min(f.period.end),
                paid_at,
                quantity,
                unit: Unit::InstanceSeconds,
                unit_price: f.hourly,
                amount,
                amortized: amount,
                horizon: Horizon::Inside,
            });
        }
        let after = secs(f.period.seconds_within(s.end, i64::MAX));
        if after > 0 {
            let quantity = u128::from(f.count) * u128::from(after);
            let amount = Amount::of(f.hourly, quantity, HOUR as u64)?;
            out.push(Charge {
                kind: ChargeKind::HourlyFee,
                target,
                from: f.period.start.max(s.end),
                to: f.period.end,
                paid_at: f.period.end,
                quantity,
                unit: Unit::InstanceSeconds,
                unit_price: f.hourly,
                amount,
                amortized: Amount::ZERO,
                horizon: Horizon::After,
            });
        }
    }
    Ok(out)
}
