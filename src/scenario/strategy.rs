//! `[[strategy]]`: purchase strategies and their reservations and subscriptions.

use super::fleet::{Fleet, FleetKind};
use super::read::{Node, Table, one_of};
use super::types::InstanceType;
use super::{lookup, named_items};
use crate::error::{ErrorKind, InputError};
use crate::profile::{Billing, Payment};
use crate::time::{self, Duration, Instant};
use rust_decimal::Decimal;

/// A purchase strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct Strategy {
    /// Name.
    pub name: String,
    /// Reservations, in the file's order.
    pub reserves: Vec<Reserve>,
    /// Subscriptions, in the file's order.
    pub subscribes: Vec<Subscribe>,
}

/// A reservation entry of a strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct Reserve {
    /// The type bought (its price, its units).
    pub instance_type: usize,
    /// The zone of a zonal reservation; `None` is regional.
    pub zone: Option<usize>,
    /// Covers any type of the family, by units.
    pub size_flexible: bool,
    /// Instances bought.
    pub count: u32,
    /// Term.
    pub term: Duration,
    /// Payment option.
    pub payment: Payment,
    /// Purchase instant.
    pub at: Instant,
    /// Buy again at expiry while expiry is before the horizon's end.
    pub renew: bool,
    /// Paid at purchase per instance and period (for `monthly`: the total of the instalments).
    pub upfront: Decimal,
    /// Fee per instance and active hour.
    pub hourly: Decimal,
}

/// A subscription entry of a strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscribe {
    /// The type subscribed.
    pub instance_type: usize,
    /// The zone.
    pub zone: usize,
    /// Instances.
    pub count: u32,
    /// Duration of one period.
    pub duration: Duration,
    /// Purchase instant.
    pub at: Instant,
    /// Renew at expiry while expiry is before the horizon's end.
    pub renew: bool,
    /// Price of one instance for one period.
    pub fee: Decimal,
}

/// Why no zone can be named: only trace fleets without a VM leave the zones empty.
const NO_ZONE: &str =
    "no fleet has a zone (the fleets are traces that hold no VM), so there is no zone to buy in";

/// A scenario always has an instance type; the message is for completeness.
const NO_TYPE: &str = "the scenario has no instance type";

/// What validating a reservation or subscription needs of the scenario read so far.
pub(super) struct Context<'s> {
    pub(super) types: &'s [InstanceType],
    pub(super) zones: &'s [String],
    pub(super) fleets: &'s [Fleet],
    pub(super) start: Instant,
    pub(super) end: Instant,
    pub(super) billing: &'s Billing,
}

impl Context<'_> {
    /// The names of the zones, for lookups and messages.
    fn zone_names(&self) -> Vec<&str> {
        self.zones.iter().map(String::as_str).collect()
    }

    /// An entry's `instance_type` (`what` says what it is for a message when missing), with
    /// its index among the scenario's types.
    fn instance_type<'a>(
        &self,
        e: &Table<'a>,
        what: &str,
    ) -> Result<(Node<'a>, usize), InputError> {
        let names: Vec<&str> = self.types.iter().map(|t| t.name.as_str()).collect();
        let node = e.req("instance_type", what)?;
        let i = lookup(&node, &names, "one of the instance types", NO_TYPE)?;
        Ok((node, i))
    }
}

/// The keys of a `[[strategy.reserve]]` entry.
const RESERVE_KEYS: [&str; 8] = [
    "instance_type",
    "zone",
    "size_flexible",
    "count",
    "term",
    "payment",
    "at",
    "renew",
];

/// The keys of a `[[strategy.subscribe]]` entry.
const SUBSCRIBE_KEYS: [&str; 6] = ["instance_type", "zone", "count", "duration", "at", "renew"];

/// Reads the `[[strategy]]` tables.
pub(super) fn read(root: &Table<'_>, cx: &Context<'_>) -> Result<Vec<Strategy>, InputError> {
    let items = named_items(
        root,
        "strategy",
        &["name", "reserve", "subscribe"],
        "the strategy's name such as \"ri-1y-partial\"",
    )?;
    let mut strategies = Vec::with_capacity(items.len());
    for (name, t) in items {
        if name == "payg" {
            return Err(t.get("name").expect("read").expected(
                "a name other than \"payg\", which capsim keeps for the pay-as-you-go baseline",
            ));
        }
        let mut reserves = Vec::new();
        if let Some(n) = t.get("reserve") {
            for item in n.array_of("a list of [[strategy.reserve]] tables")? {
                let e = item.table(&RESERVE_KEYS)?;
                reserves.push(read_reserve(&e, cx, true)?);
            }
        }
        let mut subscribes = Vec::new();
        if let Some(n) = t.get("subscribe") {
            for item in n.array_of("a list of [[strategy.subscribe]] tables")? {
                let e = item.table(&SUBSCRIBE_KEYS)?;
                subscribes.push(read_subscribe(&e, cx, true)?);
            }
        }
        strategies.push(Strategy {
            name,
            reserves,
            subscribes,
        });
    }
    Ok(strategies)
}

/// The purchase instant of an entry: `at`, or the scenario's start.
fn read_at(e: &Table<'_>, cx: &Context<'_>) -> Result<Instant, InputError> {
    match e.get("at") {
        None => Ok(cx.start),
        Some(n) => {
            let at = n.at(cx.start, cx.billing.calendar_zone)?;
            if at >= cx.end {
                return Err(n.expected(format!(
                    "a purchase before the horizon's end ({})",
                    time::format_instant(cx.end)
                )));
            }
            Ok(at)
        }
    }
}

/// Reads and validates a reservation whose keys were checked by the caller. A strategy's
/// `entry` reads `count` and `at`; a recommendation's offer has neither (count 0, bought at
/// the start), since the search chooses its count.
pub(super) fn read_reserve(
    e: &Table<'_>,
    cx: &Context<'_>,
    entry: bool,
) -> Result<Reserve, InputError> {
    let billing = cx.billing;
    let zone_names = cx.zone_names();
    let (_, ti) = cx.instance_type(e, "the instance type reserved")?;
    let ty = &cx.types[ti];
    let zone = e
        .get("zone")
        .map(|z| lookup(&z, &zone_names, "one of the fleets' zones", NO_ZONE))
        .transpose()?;
    let size_flexible = e
        .get("size_flexible")
        .map(|n| n.bool())
        .transpose()?
        .unwrap_or(false);
    if size_flexible && zone.is_some() && !billing.zonal_size_flexible {
        return Err(e.get("size_flexible").expect("present").error(format!(
                "found size_flexible = true on a zonal reservation, but under the {} rules a zonal reservation is not size-flexible; expected no zone (a regional, size-flexible reservation) or size_flexible = false",
                billing.profile
            )));
    }
    let count = if entry {
        e.req("count", "the number of instances reserved")?
            .count()?
    } else {
        0
    };
    let term_node = e.req("term", "the term such as \"1y\"")?;
    let term = term_node.positive_duration()?;
    let terms: Vec<String> = ty.reserved.iter().map(|r| r.term.to_string()).collect();
    let prices = ty.reserved.iter().find(|r| r.term == term).ok_or_else(|| {
            let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
            if refs.is_empty() {
                term_node.error(format!(
                    "found {}, but instance_type[{:?}] has no reservation prices; expected a type with [instance_type.reserved.<term>] prices",
                    term_node.found(),
                    ty.name
                ))
            } else {
                term_node.expected(format!(
                    "a term priced for {}: {}",
                    ty.name,
                    one_of(&refs)
                ))
            }
        })?;
    let pay_node = e.req(
        "payment",
        &format!("the payment option: {}", one_of(&Payment::NAMES)),
    )?;
    let payment = Payment::ALL[pay_node.choice(&Payment::NAMES)?];
    if !billing.payments.contains(&payment) {
        let allowed: Vec<String> = billing.payments.iter().map(|p| p.to_string()).collect();
        let refs: Vec<&str> = allowed.iter().map(String::as_str).collect();
        return Err(pay_node.expected(format!(
            "a payment option of the {} rules: {}",
            billing.profile,
            one_of(&refs)
        )));
    }
    let (upfront, hourly) = prices.price(payment).ok_or_else(|| {
        let offered: Vec<String> = Payment::ALL
            .iter()
            .filter(|p| billing.payments.contains(p) && prices.price(**p).is_some())
            .map(|p| p.to_string())
            .collect();
        let offered: Vec<&str> = offered.iter().map(String::as_str).collect();
        // `monthly` instalments divide the all-upfront price.
        let priced = if payment == Payment::Monthly {
            Payment::AllUpfront
        } else {
            payment
        };
        pay_node.error(format!(
            "found {}, but instance_type[{:?}].reserved.{term} has no {priced} price; expected {}",
            pay_node.found(),
            ty.name,
            if offered.is_empty() {
                "a priced option".to_string()
            } else {
                one_of(&offered)
            }
        ))
    })?;
    if payment == Payment::Monthly && term.months().is_none() {
        return Err(pay_node.error(format!(
                "found monthly payment for the term {term}, expected a term in months or years: monthly instalments divide the price by the term's months"
            )));
    }
    let at = if entry { read_at(e, cx)? } else { cx.start };
    let renew = e
        .get("renew")
        .map(|n| n.bool())
        .transpose()?
        .unwrap_or(false);
    Ok(Reserve {
        instance_type: ti,
        zone,
        size_flexible,
        count,
        term,
        payment,
        at,
        renew,
        upfront,
        hourly,
    })
}

/// Reads and validates a subscription whose keys were checked by the caller; `entry` as for
/// [`read_reserve`].
pub(super) fn read_subscribe(
    e: &Table<'_>,
    cx: &Context<'_>,
    entry: bool,
) -> Result<Subscribe, InputError> {
    let zone_names = cx.zone_names();
    let billing = cx.billing;
    let zones = cx.zones;
    let (type_node, ti) = cx.instance_type(e, "the instance type subscribed")?;
    let ty = &cx.types[ti];
    let Some(prices) = &ty.subscription else {
        return Err(type_node.error(format!(
                "found {}, but it has no [instance_type.subscription] prices; expected a type with a monthly or yearly subscription price",
                type_node.found()
            )));
    };
    let zone = match e.get("zone") {
        Some(z) => lookup(&z, &zone_names, "one of the fleets' zones", NO_ZONE)?,
        None if zones.len() == 1 => 0,
        None if zones.is_empty() => {
            return Err(e
                .node()
                .error(format!("found a subscription, but {NO_ZONE}"))
                .with_kind(ErrorKind::Reference));
        }
        None => {
            return Err(e.node().error(format!(
                    "missing key \"zone\", expected the zone subscribed: subscriptions are zonal and the fleets run in {}",
                    one_of(&zone_names)
                )));
        }
    };
    let count = if entry {
        e.req("count", "the number of instances subscribed")?
            .count()?
    } else {
        0
    };
    let d_node = e.req("duration", "the subscription's duration such as \"1mo\"")?;
    let duration = d_node.positive_duration()?;
    if !billing.subscription_durations.allows(duration) {
        return Err(d_node.expected(format!(
            "a subscription duration of the {} rules: {}",
            billing.profile,
            billing.subscription_durations.describe()
        )));
    }
    let fee = prices.fee(duration).ok_or_else(|| {
            d_node.error(format!(
                "found {}, but instance_type[{:?}] has only a yearly subscription price; expected whole years, or add a monthly price",
                d_node.found(),
                ty.name
            ))
        })?;
    if ty.license_hourly > Decimal::ZERO {
        check_licence_mix(e, ti, zone, cx.types, zones, cx.fleets)?;
    }
    let at = if entry { read_at(e, cx)? } else { cx.start };
    let renew = e
        .get("renew")
        .map(|n| n.bool())
        .transpose()?
        .unwrap_or(false);
    Ok(Subscribe {
        instance_type: ti,
        zone,
        count,
        duration,
        at,
        renew,
        fee,
    })
}

/// A subscription carries some of a (type, zone)'s VMs; when fleets there differ in Hybrid
/// Benefit, which ones it carries would change the licence bill (docs/spec.md, section 11).
fn check_licence_mix(
    e: &Table<'_>,
    ti: usize,
    zone: usize,
    types: &[InstanceType],
    zones: &[String],
    fleets: &[Fleet],
) -> Result<(), InputError> {
    if let Some((a, b)) = licence_mix(ti, zone, fleets) {
        return Err(e.node().error(format!(
            "found fleets \"{a}\" (hybrid_benefit = true) and \"{b}\" (hybrid_benefit = false) running {} in {}, expected one licence setting for a subscribed type and zone whose type has a licence fee: which VMs the subscription carries would change the licence bill",
            types[ti].name, zones[zone]
        )));
    }
    Ok(())
}

/// The first fleet with and the first without Hybrid Benefit that run type `ti` in `zone`,
/// when there are both.
pub(super) fn licence_mix(ti: usize, zone: usize, fleets: &[Fleet]) -> Option<(&str, &str)> {
    let mut with: Option<&str> = None;
    let mut without: Option<&str> = None;
    for f in fleets {
        let runs_here = match &f.kind {
            FleetKind::Synthetic(s) => s.instance_type == ti && s.zone == zone,
            FleetKind::Trace(t) => t
                .vms
                .iter()
                .any(|v| v.instance_type == ti && v.zone == zone),
        };
        if runs_here {
            if f.hybrid_benefit {
                with.get_or_insert(&f.name);
            } else {
                without.get_or_insert(&f.name);
            }
        }
    }
    with.zip(without)
}
