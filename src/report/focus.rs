//! `capsim bill --focus`: one trial's bill for one strategy as FinOps FOCUS 1.2 Cost and Usage
//! rows (docs/spec.md, section 14), streamed hour by hour from the matching.
//!
//! Usage rows are per billing hour and pool (`<type>@<zone>`): one `Used` row per covering
//! commitment period, one pay-as-you-go row and the licence, software and storage/network
//! rows; each commitment period then gets one `Unused` row per hour for the capacity left.
//! Purchase rows come from the plan's charges. Amounts that do not terminate are rounded to
//! 12 digits with the remainder carried to the next row of the same commitment or component,
//! so that the column sums equal the bill's totals (see [`Carry`]).

use crate::charge::{Amount, Charge, ChargeKind, ExactSum, Horizon, Overflow, PoolUse, Target};
use crate::engine::{Engine, Workspace};
use crate::matching::HourSink;
use crate::output::AtomicFile;
use crate::profile::Period;
use crate::purchase::{Purchase, hours_of, periods, reservation, subscription};
use crate::time::{Duration, HOUR, Instant, format_instant, local_date, local_midnight};
use crate::usage::Licence;
use anyhow::{Context as _, Result};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use std::path::Path;

/// The columns written, in order: every mandatory FOCUS 1.2 column, the conditional and
/// recommended ones capsim has values for, and `ServiceProviderName` and `HostProviderName`
/// of FOCUS 1.3.
pub const COLUMNS: [&str; 52] = [
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ListUnitPrice",
    "ListCost",
    "ContractedUnitPrice",
    "ContractedCost",
    "BilledCost",
    "EffectiveCost",
    "ConsumedQuantity",
    "ConsumedUnit",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountType",
    "CommitmentDiscountCategory",
    "CommitmentDiscountStatus",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountUnit",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "RegionId",
    "RegionName",
    "AvailabilityZone",
    "ServiceCategory",
    "ServiceName",
    "ProviderName",
    "PublisherName",
    "InvoiceIssuerName",
    "ServiceProviderName",
    "HostProviderName",
    "SkuId",
    "PricingCurrency",
    "PricingCurrencyListUnitPrice",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "InvoiceId",
    "ServiceSubcategory",
    "SkuPriceId",
    "SkuMeter",
    "SkuPriceDetails",
];

/// Digits kept in a row's amounts and quantities.
const DIGITS: u32 = 12;

/// The names written in every row: provider, service, region and billing account.
pub use crate::profile::AccountNames as Names;

/// A decimal as FOCUS reads it: no trailing zeros, but always a fractional digit (`800.0`),
/// so that a reader inferring types does not take the column for integers.
pub fn decimal(v: Decimal) -> String {
    let v = v.normalize();
    if v.scale() == 0 {
        format!("{v}.0")
    } else {
        v.to_string()
    }
}

/// Rounds a running exact sum to [`DIGITS`] and hands out the difference to what was
/// already written: the rows of one key add up to its exact total, rounded once.
#[derive(Clone, Debug, Default)]
pub struct Carry {
    written: Decimal,
}

impl Carry {
    /// The amount of the next row, given the exact running total including it.
    pub fn next(&mut self, running: Decimal) -> Decimal {
        let rounded = running.round_dp(DIGITS);
        let out = rounded - self.written;
        self.written = rounded;
        out
    }
}

/// An exact running total with its carry.
#[derive(Clone, Debug, Default)]
struct Running {
    sum: ExactSum,
    carry: Carry,
}

impl Running {
    fn add(&mut self, a: Amount) -> Result<Decimal, Overflow> {
        self.sum.add(a)?;
        Ok(self.carry.next(self.sum.value()?))
    }
}

/// One commitment: a purchase period of a reservation or a subscription.
struct Commitment {
    id: String,
    name: String,
    reservation: bool,
    /// Its purchase's position in the plan.
    purchase: usize,
    /// Subscriptions: the cell whose VMs it carries.
    cell: Option<usize>,
    period: Period,
    hours: std::ops::Range<usize>,
    /// Capacity per active second: scaled units x count (reservations), count (subscriptions).
    per_second: u128,
    /// Capacity inside the horizon.
    total: u128,
    /// Capacity of one commitment unit (an hour of the bought type).
    unit_size: u128,
    unit: &'static str,
    /// The in-horizon (amortized) share of its charges.
    amortized: Decimal,
    /// Reservations with an hourly fee: the fee per instance-hour and the count.
    fee: Option<(Decimal, u128)>,
    /// Its hourly-fee charges paid inside the horizon, in time order, and the first one not
    /// yet passed.
    fees: Vec<Charge>,
    fee_cursor: usize,
    used_total: u128,
    effective: Carry,
    billed: Running,
    /// Capacity and use in the current hour.
    hour_capacity: u128,
    hour_used: u128,
}

impl Commitment {
    /// EffectiveCost of the next `x` of its capacity.
    fn effective(&mut self, x: u128) -> Decimal {
        self.used_total += x;
        let share = if self.used_total == self.total {
            self.amortized
        } else {
            let (used, total) = (Decimal::from(self.used_total), Decimal::from(self.total));
            self.amortized
                .checked_mul(used)
                .map(|v| v / total)
                .unwrap_or_else(|| self.amortized * (used / total))
        };
        self.effective.next(share)
    }

    fn quantity(&self, x: u128) -> String {
        decimal((Decimal::from(x) / Decimal::from(self.unit_size)).round_dp(DIGITS))
    }
}

/// The values of one row that vary; the rest come from the scenario.
#[derive(Default)]
struct Row<'a> {
    billing: (Instant, Instant),
    charge: (Instant, Instant),
    category: &'a str,
    frequency: &'a str,
    description: String,
    pricing: &'a str,
    pricing_quantity: String,
    pricing_unit: &'a str,
    list_unit_price: String,
    list_cost: String,
    billed: String,
    effective: String,
    consumed_quantity: String,
    consumed_unit: &'a str,
    commitment: Option<usize>,
    status: &'a str,
    commitment_quantity: String,
    resource: String,
    resource_type: &'a str,
    zone: &'a str,
    sku: &'a str,
    /// What is metered: compute, the licence, software, or storage and network (with `sku`).
    meter: &'a str,
}

/// Writes rows as CSV, with the calendar month of each instant in the profile's zone.
struct Writer<'e> {
    engine: &'e Engine<'e>,
    names: Names,
    out: csv::Writer<&'e mut std::io::BufWriter<std::fs::File>>,
    months: Vec<(Instant, Instant)>,
}

impl Writer<'_> {
    /// The calendar month (profile's zone) holding `t`, in UTC.
    fn month(&mut self, t: Instant) -> (Instant, Instant) {
        if let Some(&m) = self.months.iter().find(|(a, b)| *a <= t && t < *b) {
            return m;
        }
        let zone = self.engine.scenario.billing.calendar_zone;
        let d = local_date(t, zone);
        let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).expect("day 1 exists");
        let start = local_midnight(first, zone);
        let m = (start, Duration::Months(1).after(start, zone));
        self.months.push(m);
        if self.months.len() > 4 {
            self.months.remove(0);
        }
        m
    }

    fn write(&mut self, r: &Row<'_>, commitments: &[Commitment]) -> Result<()> {
        let s = self.engine.scenario;
        let n = &self.names;
        let c = r.commitment.map(|i| &commitments[i]);
        let (cid, cname, ctype, ccat, cunit) = match c {
            Some(c) => (
                c.id.as_str(),
                c.name.as_str(),
                if c.reservation {
                    "Reservation"
                } else {
                    "Subscription"
                },
                "Usage",
                c.unit,
            ),
            None => ("", "", "", "", ""),
        };
        // A price of a SKU: the type, what is metered and how it is priced (one SkuId each).
        let sku_price = if r.sku.is_empty() {
            String::new()
        } else {
            format!("{}/{}/{}", r.sku, r.meter, r.pricing)
        };
        let fields: [&str; 52] = [
            &n.billing_account,
            &n.billing_account,
            &s.currency,
            &format_instant(r.billing.0),
            &format_instant(r.billing.1),
            &format_instant(r.charge.0),
            &format_instant(r.charge.1),
            r.category,
            "",
            &r.description,
            r.frequency,
            r.pricing,
            &r.pricing_quantity,
            r.pricing_unit,
            &r.list_unit_price,
            &r.list_cost,
            &r.list_unit_price,
            &r.list_cost,
            &r.billed,
            &r.effective,
            &r.consumed_quantity,
            r.consumed_unit,
            cid,
            cname,
            ctype,
            ccat,
            r.status,
            &r.commitment_quantity,
            cunit,
            &r.resource,
            &r.resource,
            r.resource_type,
            &n.region,
            &n.region,
            r.zone,
            "Compute",
            &n.service,
            &n.provider,
            &n.provider,
            &n.provider,
            &n.provider,
            &n.provider,
            r.sku,
            &s.currency,
            // Prices are in the billing currency: the pricing-currency columns repeat them.
            &r.list_unit_price,
            &r.list_unit_price,
            &r.effective,
            // A simulated bill has no invoice.
            "",
            "Virtual Machines",
            &sku_price,
            r.meter,
            // No price details beyond the unit price.
            "",
        ];
        self.out
            .write_record(fields)
            .context("cannot write the FOCUS file")
    }
}

/// The streaming state of one export.
struct Export<'e> {
    w: Writer<'e>,
    commitments: Vec<Commitment>,
    /// Per purchase, the index of its first commitment.
    first_of: Vec<usize>,
    /// Per pool (matching order), its purchase.
    pool_purchase: Vec<usize>,
    /// Commitments ordered by first hour, and how many have started.
    by_start: Vec<usize>,
    started: usize,
    active: Vec<usize>,
    /// The hour being written, and the reservation takes of it: `(commitment, cell, take)`.
    hour: usize,
    takes: Vec<(usize, usize, u128)>,
    /// Per usage kind (payg, licence, software, storage and network).
    components: [Running; 4],
    error: Option<anyhow::Error>,
}

fn overflow(e: Overflow) -> anyhow::Error {
    anyhow::Error::new(e)
}

impl<'e> Export<'e> {
    /// Moves to hour `h`: finishes every hour before it (their `Unused` rows).
    fn advance(&mut self, h: usize) -> Result<()> {
        while self.hour < h {
            self.finish_hour()?;
            self.hour += 1;
            self.start_hour();
        }
        Ok(())
    }

    fn start_hour(&mut self) {
        let h = self.hour;
        let layout = &self.w.engine.layout;
        if h >= layout.hours {
            return;
        }
        while let Some(&j) = self.by_start.get(self.started) {
            if self.commitments[j].hours.start > h {
                break;
            }
            self.active.push(j);
            self.started += 1;
        }
        let commitments = &mut self.commitments;
        self.active.retain(|&j| commitments[j].hours.end > h);
        self.active.sort_unstable();
        let (from, to) = layout.hour_span(h);
        for &j in &self.active {
            let c = &mut commitments[j];
            let secs = u128::try_from(c.period.seconds_within(from, to)).unwrap_or(0);
            c.hour_capacity = c.per_second * secs;
            c.hour_used = 0;
        }
        self.takes.clear();
    }

    /// Allocates `x` of use to the active commitments that `belongs` selects, in order.
    fn allocate(&mut self, mut x: u128, belongs: impl Fn(&Commitment) -> bool, cell: usize) {
        for &j in &self.active {
            let c = &mut self.commitments[j];
            if x == 0 {
                break;
            }
            if !belongs(c) {
                continue;
            }
            let take = x.min(c.hour_capacity - c.hour_used);
            if take > 0 {
                c.hour_used += take;
                x -= take;
                self.takes.push((j, cell, take));
            }
        }
        debug_assert_eq!(x, 0, "use never exceeds the commitments' capacity");
    }

    fn finish_hour(&mut self) -> Result<()> {
        let h = self.hour;
        let span = self.w.engine.layout.hour_span(h);
        let billing = self.w.month(span.0);
        for i in 0..self.active.len() {
            let j = self.active[i];
            let c = &mut self.commitments[j];
            if let Some((hourly, count)) = c.fee.filter(|_| c.per_second > 0) {
                let secs = c.hour_capacity / c.per_second;
                // The hour's share of the fee charge (one payment) that holds it.
                while c.fees.get(c.fee_cursor).is_some_and(|f| f.to <= span.0) {
                    c.fee_cursor += 1;
                }
                let charge = c
                    .fees
                    .get(c.fee_cursor)
                    .filter(|f| f.from < span.1)
                    .copied();
                if let (true, Some(ch)) = (secs > 0, charge) {
                    let part = u64::try_from(count * secs).map_err(|_| overflow(Overflow))?;
                    let whole = u64::try_from(ch.quantity).map_err(|_| overflow(Overflow))?;
                    let amount = ch.amount.share(part, whole).map_err(overflow)?;
                    let billed = decimal(c.billed.add(amount).map_err(overflow)?);
                    let hours = Decimal::from(count * secs) / Decimal::from(HOUR);
                    let hours = decimal(hours.round_dp(DIGITS));
                    let row = Row {
                        billing,
                        charge: span,
                        category: "Purchase",
                        frequency: "Recurring",
                        description: format!("hourly fee of {}", c.name),
                        pricing: "Standard",
                        pricing_quantity: hours.clone(),
                        pricing_unit: "Hour",
                        list_unit_price: decimal(hourly),
                        list_cost: billed.clone(),
                        billed,
                        effective: decimal(Decimal::ZERO),
                        commitment: Some(j),
                        commitment_quantity: hours,
                        resource: c.id.clone(),
                        resource_type: "Commitment Discount",
                        ..Row::default()
                    };
                    self.w.write(&row, &self.commitments)?;
                }
            }
            let c = &mut self.commitments[j];
            let unused = c.hour_capacity - c.hour_used;
            if unused == 0 {
                continue;
            }
            let effective = c.effective(unused);
            let q = c.quantity(unused);
            let row = Row {
                billing,
                charge: span,
                category: "Usage",
                frequency: "Usage-Based",
                description: format!("unused capacity of {}", c.name),
                pricing: "Committed",
                pricing_quantity: q.clone(),
                pricing_unit: c.unit,
                list_cost: decimal(Decimal::ZERO),
                billed: decimal(Decimal::ZERO),
                effective: decimal(effective),
                commitment: Some(j),
                status: "Unused",
                commitment_quantity: q,
                resource: c.id.clone(),
                resource_type: "Commitment Discount",
                ..Row::default()
            };
            self.w.write(&row, &self.commitments)?;
        }
        Ok(())
    }

    /// The rows of one hour and cell.
    fn cell_rows(
        &mut self,
        h: usize,
        cell: usize,
        usage: u64,
        carried: u64,
        covered: u64,
    ) -> Result<()> {
        let engine = self.w.engine;
        let (s, layout) = (engine.scenario, &engine.layout);
        let prices = &engine.prices[cell];
        let units = u128::from(layout.units[cell]);
        let pool = layout.cells[cell];
        let type_name = &s.types[pool.instance_type].name;
        let zone = &s.zones[pool.zone];
        let resource = format!("{type_name}@{zone}");
        let span = layout.hour_span(h);
        let billing = self.w.month(span.0);
        let hours = |secs: u128, per: u128| {
            decimal((Decimal::from(secs) / Decimal::from(per * HOUR as u128)).round_dp(DIGITS))
        };
        let list = |price: Decimal, secs: u128, per: u128| {
            decimal(
                (price * Decimal::from(secs) / Decimal::from(per * HOUR as u128)).round_dp(DIGITS),
            )
        };
        if carried > 0 {
            self.allocate(u128::from(carried), |c| c.cell == Some(cell), cell);
        }
        let takes: Vec<(usize, u128)> = self
            .takes
            .iter()
            .filter(|t| t.1 == cell)
            .map(|t| (t.0, t.2))
            .collect();
        for (j, take) in takes {
            let c = &mut self.commitments[j];
            // Reservations cover scaled unit-seconds; subscriptions carry seconds.
            let per = if c.reservation { units } else { 1 };
            let effective = c.effective(take);
            let row = Row {
                billing,
                charge: span,
                category: "Usage",
                frequency: "Usage-Based",
                description: format!("{type_name} in {zone} covered by {}", c.name),
                pricing: "Committed",
                pricing_quantity: hours(take, per),
                pricing_unit: "Hour",
                list_unit_price: decimal(prices.payg_hourly),
                list_cost: list(prices.payg_hourly, take, per),
                billed: decimal(Decimal::ZERO),
                effective: decimal(effective),
                consumed_quantity: hours(take, per),
                consumed_unit: "Hour",
                commitment: Some(j),
                status: "Used",
                commitment_quantity: c.quantity(take),
                resource: resource.clone(),
                resource_type: "Virtual Machine",
                zone,
                sku: type_name,
                meter: "Compute",
            };
            self.w.write(&row, &self.commitments)?;
        }
        let uncarried = u128::from(usage - carried);
        let payg = uncarried * units - u128::from(covered);
        let licensed = match layout.licence[cell] {
            Licence::All => uncarried,
            // Licensed seconds of shared cells are counted per bill period: written then.
            Licence::None | Licence::Mixed => 0,
        };
        // Priced by the pool's charges, as the bill prices each bill period.
        let used = PoolUse {
            payg_unit_seconds: payg,
            uncarried_seconds: uncarried,
            licensed_seconds: licensed,
        };
        let paid_at = layout.bill_dates[usize::from(layout.bill_of_hour[h])];
        let mut lines: Vec<Charge> = Vec::with_capacity(4);
        prices
            .charges(cell, used, span, paid_at, |ch| {
                lines.push(ch);
                Ok(())
            })
            .map_err(overflow)?;
        for ch in lines {
            let (k, what, meter, per) = match ch.kind {
                ChargeKind::Payg => (
                    0,
                    "pay-as-you-go compute",
                    "Compute",
                    u128::from(prices.units_scaled),
                ),
                ChargeKind::Licence => (1, "operating-system licence", "Licence", 1),
                ChargeKind::Software => (2, "software", "Software", 1),
                _ => (3, "storage and network", "Storage and network", 1),
            };
            let (q, price, amount) = (ch.quantity, ch.unit_price, ch.amount);
            let cost = decimal(self.components[k].add(amount).map_err(overflow)?);
            let row = Row {
                billing,
                charge: span,
                category: "Usage",
                frequency: "Usage-Based",
                description: format!("{what} of {type_name} in {zone}"),
                pricing: "Standard",
                pricing_quantity: hours(q, per),
                pricing_unit: "Hour",
                list_unit_price: decimal(price),
                list_cost: cost.clone(),
                billed: cost.clone(),
                effective: cost,
                consumed_quantity: hours(q, per),
                consumed_unit: "Hour",
                resource: resource.clone(),
                resource_type: "Virtual Machine",
                zone,
                sku: type_name,
                meter,
                ..Row::default()
            };
            self.w.write(&row, &self.commitments)?;
        }
        Ok(())
    }
}

impl HourSink for Export<'_> {
    const ENABLED: bool = true;

    fn take(&mut self, hour: usize, pool: usize, cell: usize, take: u64) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.advance(hour) {
            self.error = Some(e);
            return;
        }
        let purchase = self.pool_purchase[pool];
        self.allocate(u128::from(take), |c| c.purchase == purchase, cell);
    }

    fn record(&mut self, hour: usize, cell: usize, usage: u64, carried: u64, covered: u64) {
        if self.error.is_some() {
            return;
        }
        let r = self
            .advance(hour)
            .and_then(|_| self.cell_rows(hour, cell, usage, carried, covered));
        if let Err(e) = r {
            self.error = Some(e);
        }
    }
}

/// The periods of a plan's purchase.
fn purchase_periods(engine: &Engine<'_>, p: &Purchase) -> Vec<Period> {
    let (s, billing) = (engine.scenario, &engine.scenario.billing);
    match p {
        Purchase::Reservation(r) => {
            let r = &r.spec;
            periods(
                s,
                r.at,
                r.renew,
                |at| reservation::first_period(billing, at, r.term),
                |q| reservation::renewal(billing, q, r.term),
            )
        }
        Purchase::Subscription(sub) => {
            let sub = &sub.spec;
            periods(
                s,
                sub.at,
                sub.renew,
                |at| subscription::first_period(billing, at, sub.duration),
                |q| subscription::renewal(billing, q, sub.duration),
            )
        }
    }
}

/// The commitments of plan `p`, one per purchase period, with the index of each purchase's
/// first.
fn commitments(engine: &Engine<'_>, p: usize) -> Result<(Vec<Commitment>, Vec<usize>), Overflow> {
    let (s, layout) = (engine.scenario, &engine.layout);
    let plan = &engine.plans[p];
    let mut amortized: Vec<Vec<ExactSum>> = Vec::new();
    let mut out = Vec::new();
    let mut first_of = Vec::new();
    for (i, purchase) in plan.purchases.iter().enumerate() {
        first_of.push(out.len());
        let label = purchase.kind().label();
        let periods = purchase_periods(engine, purchase);
        amortized.push(vec![ExactSum::default(); periods.len()]);
        for (k, period) in periods.into_iter().enumerate() {
            let (reservation, cell, per_second, unit_size, unit, fee) = match purchase {
                Purchase::Reservation(r) => {
                    let r = &r.spec;
                    let units = u128::from(s.types[r.instance_type].units_scaled);
                    let flexible = r.size_flexible;
                    let fee = (!r.hourly.is_zero()).then_some((r.hourly, u128::from(r.count)));
                    (
                        true,
                        None,
                        units * u128::from(r.count),
                        units * HOUR as u128,
                        if flexible { "Normalized Hour" } else { "Hour" },
                        fee,
                    )
                }
                Purchase::Subscription(sub) => {
                    let sub = &sub.spec;
                    (
                        false,
                        layout.cell(sub.instance_type, sub.zone),
                        u128::from(sub.count),
                        HOUR as u128,
                        "Hour",
                        None,
                    )
                }
            };
            let inside = u128::try_from(period.seconds_within(s.start, s.end)).unwrap_or(0);
            out.push(Commitment {
                id: format!("{}/{label}/{}", plan.name, k + 1),
                name: format!("{label} period {}", k + 1),
                reservation,
                purchase: i,
                cell,
                period,
                hours: hours_of(layout, &period),
                per_second,
                total: per_second * inside,
                unit_size,
                unit,
                amortized: Decimal::ZERO,
                fee,
                fees: Vec::new(),
                fee_cursor: 0,
                used_total: 0,
                effective: Carry::default(),
                billed: Running::default(),
                hour_capacity: 0,
                hour_used: 0,
            });
        }
    }
    for c in &plan.charges {
        if let Target::Purchase { purchase, period } = c.target {
            amortized[purchase][period].add(c.amortized)?;
            if c.kind == ChargeKind::HourlyFee && c.horizon == Horizon::Inside {
                out[first_of[purchase] + period].fees.push(*c);
            }
        }
    }
    for c in &mut out {
        c.fees.sort_by_key(|f| f.from);
    }
    for (i, sums) in amortized.iter().enumerate() {
        for (k, sum) in sums.iter().enumerate() {
            out[first_of[i] + k].amortized = sum.value()?;
        }
    }
    Ok((out, first_of))
}

/// The purchase row of a charge paid inside the horizon.
fn purchase_row(x: &mut Export<'_>, ch: &Charge, j: usize) -> Result<()> {
    let zone = x.w.engine.scenario.billing.calendar_zone;
    let c = &mut x.commitments[j];
    let billed = decimal(c.billed.add(ch.amount).map_err(overflow)?);
    let end = x.w.engine.scenario.end;
    // Rows stop at the horizon's end; a payment's row starts when it is paid.
    let (frequency, until, what) = match ch.kind {
        ChargeKind::Upfront => ("One-Time", ch.to, "upfront payment"),
        ChargeKind::SubscriptionFee => ("One-Time", ch.to, "subscription fee"),
        _ => (
            "Recurring",
            Duration::Months(1).after(ch.paid_at, zone).min(ch.to),
            "monthly instalment",
        ),
    };
    let charge = (ch.paid_at, until.min(end).max(ch.paid_at + 1));
    let (quantity, unit) = (ch.quantity, "Instance");
    let pricing_quantity = if unit == "Hour" {
        decimal((Decimal::from(quantity) / Decimal::from(HOUR)).round_dp(DIGITS))
    } else {
        decimal(Decimal::from(quantity))
    };
    // The commitment quantity a charge pays for: a period's capacity (one-time), its share
    // (instalments), the accrued instance-hours (hourly fees).
    let capacity = c.per_second * u128::try_from(c.period.seconds()).unwrap_or(0);
    let commitment_quantity = match ch.kind {
        ChargeKind::Instalment => decimal(
            (Decimal::from(capacity) / Decimal::from(c.unit_size) / Decimal::from(ch.amount.den))
                .round_dp(DIGITS),
        ),
        _ => c.quantity(capacity),
    };
    let row = Row {
        billing: x.w.month(ch.paid_at),
        charge,
        category: "Purchase",
        frequency,
        description: format!("{what} of {}", c.name),
        pricing: "Standard",
        pricing_quantity,
        pricing_unit: unit,
        list_cost: billed.clone(),
        billed,
        effective: decimal(Decimal::ZERO),
        commitment: Some(j),
        commitment_quantity,
        resource: c.id.clone(),
        resource_type: "Commitment Discount",
        ..Row::default()
    };
    x.w.write(&row, &x.commitments)
}

/// Writes the rows of plan `p` on trial `trial`'s usage (the workspace, filled by
/// [`Engine::fill`]) to `path`, atomically; amounts that leave the range of money are bad
/// input, as in the bill.
pub fn write(
    engine: &Engine<'_>,
    ws: &mut Workspace,
    trial: u64,
    p: usize,
    names: Names,
    path: &Path,
) -> Result<(), crate::error::Error> {
    write_rows(engine, ws, p, names, path).map_err(|e| match e.downcast_ref::<Overflow>() {
        Some(&o) => engine.overflow(trial, p, o),
        None => crate::error::Error::Other(e),
    })
}

fn write_rows(
    engine: &Engine<'_>,
    ws: &mut Workspace,
    p: usize,
    names: Names,
    path: &Path,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).with_context(|| {
        format!(
            "--focus: found \"{}\", expected a file name",
            path.display()
        )
    })?;
    let mut file = AtomicFile::create(dir, name)?;
    {
        let mut out = csv::Writer::from_writer(file.writer());
        out.write_record(COLUMNS)
            .context("cannot write the FOCUS file")?;
        let (commitments, first_of) = commitments(engine, p).map_err(overflow)?;
        let mut by_start: Vec<usize> = (0..commitments.len())
            .filter(|&j| !commitments[j].hours.is_empty())
            .collect();
        by_start.sort_by_key(|&j| commitments[j].hours.start);
        let plan = &engine.plans[p];
        let mut x = Export {
            w: Writer {
                engine,
                names,
                out,
                months: Vec::new(),
            },
            commitments,
            first_of,
            pool_purchase: plan.pools.iter().map(|pool| pool.purchase).collect(),
            by_start,
            started: 0,
            active: Vec::new(),
            hour: 0,
            takes: Vec::new(),
            components: Default::default(),
            error: None,
        };
        // Hourly fees are written hour by hour, with the usage.
        let paid = |c: &&Charge| c.horizon == Horizon::Inside && c.kind != ChargeKind::HourlyFee;
        for ch in plan.charges.iter().filter(paid) {
            if let Target::Purchase { purchase, period } = ch.target {
                let j = x.first_of[purchase] + period;
                purchase_row(&mut x, ch, j)?;
            }
        }
        x.start_hour();
        engine.match_plan(p, ws, &mut x);
        if let Some(e) = x.error.take() {
            return Err(e);
        }
        x.advance(engine.layout.hours)?;
        mixed_licences(&mut x, ws)?;
        x.w.out.flush().context("cannot write the FOCUS file")?;
    }
    file.commit().map(|_| ())
}

/// The licence rows of cells shared by fleets with and without their own licence: their
/// licensed seconds are counted per bill period, so one row per bill period and pool.
fn mixed_licences(x: &mut Export<'_>, ws: &Workspace) -> Result<()> {
    let engine = x.w.engine;
    let (s, layout) = (engine.scenario, &engine.layout);
    for b in 0..layout.bills() {
        for c in (0..layout.cells.len()).filter(|&c| layout.licence[c] == Licence::Mixed) {
            let used = crate::billing::pool_use(layout, &ws.usage, &ws.matched, b, c);
            let prices = &engine.prices[c];
            let q = used.licensed_seconds;
            if q == 0 || prices.license_hourly.is_zero() {
                continue;
            }
            let licence = PoolUse {
                licensed_seconds: q,
                ..PoolUse::default()
            };
            let mut amount = Amount::ZERO;
            prices
                .charges(
                    c,
                    licence,
                    layout.bill_span(b),
                    layout.bill_dates[b],
                    |ch| {
                        amount = ch.amount;
                        Ok(())
                    },
                )
                .map_err(overflow)?;
            let cost = decimal(x.components[1].add(amount).map_err(overflow)?);
            let pool = layout.cells[c];
            let (type_name, zone) = (&s.types[pool.instance_type].name, &s.zones[pool.zone]);
            let span = layout.bill_span(b);
            let hours = decimal((Decimal::from(q) / Decimal::from(HOUR)).round_dp(DIGITS));
            let row = Row {
                billing: x.w.month(span.0),
                charge: span,
                category: "Usage",
                frequency: "Usage-Based",
                description: format!("operating-system licence of {type_name} in {zone}"),
                pricing: "Standard",
                pricing_quantity: hours.clone(),
                pricing_unit: "Hour",
                list_unit_price: decimal(prices.license_hourly),
                list_cost: cost.clone(),
                billed: cost.clone(),
                effective: cost,
                consumed_quantity: hours,
                consumed_unit: "Hour",
                resource: format!("{type_name}@{zone}"),
                resource_type: "Virtual Machine",
                zone,
                sku: type_name,
                meter: "Licence",
                ..Row::default()
            };
            x.w.write(&row, &x.commitments)?;
        }
    }
    Ok(())
}
