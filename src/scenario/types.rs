//! `[[instance_type]]`: instance types, their units and their prices.

use super::named_items;
use super::read::{MAX_HOURLY_PRICE, MAX_PRICE, Table};
use crate::error::{ErrorKind, InputError};
use crate::profile::{Billing, Payment, Window};
use crate::time::{self, Duration};
use rust_decimal::Decimal;

/// An instance type with its prices.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceType {
    /// Name, such as `ecs.g6.large`.
    pub name: String,
    /// Family: size-flexible reservations cover any type of the family.
    pub family: String,
    /// Computing power (normalisation factor).
    pub units: Decimal,
    /// `units * unit_scale`, an integer.
    pub units_scaled: u64,
    /// Pay-as-you-go compute price per hour.
    pub payg_hourly: Decimal,
    /// Operating-system licence per hour (waived by Hybrid Benefit).
    pub license_hourly: Decimal,
    /// Other software per hour, always charged.
    pub software_hourly: Decimal,
    /// Disks and network per hour, always charged.
    pub storage_network_hourly: Decimal,
    /// Reservation prices by term.
    pub reserved: Vec<ReservedPrices>,
    /// Subscription prices, if the type can be subscribed.
    pub subscription: Option<SubscriptionPrices>,
}

/// The reservation prices of one term.
#[derive(Clone, Debug, PartialEq)]
pub struct ReservedPrices {
    /// The term.
    pub term: Duration,
    /// All-upfront price per instance.
    pub all_upfront: Option<Decimal>,
    /// Partial-upfront: `(upfront, hourly)` per instance.
    pub partial_upfront: Option<(Decimal, Decimal)>,
    /// No-upfront hourly fee per instance.
    pub no_upfront: Option<Decimal>,
}

impl ReservedPrices {
    /// `(upfront, hourly)` per instance for a payment option, if it is priced.
    pub fn price(&self, payment: Payment) -> Option<(Decimal, Decimal)> {
        match payment {
            Payment::AllUpfront | Payment::Monthly => self.all_upfront.map(|p| (p, Decimal::ZERO)),
            Payment::PartialUpfront => self.partial_upfront,
            Payment::NoUpfront => self.no_upfront.map(|h| (Decimal::ZERO, h)),
        }
    }
}

/// Subscription prices of a type.
#[derive(Clone, Debug, PartialEq)]
pub struct SubscriptionPrices {
    /// Price of one instance-month.
    pub monthly: Option<Decimal>,
    /// Price of one instance-year.
    pub yearly: Option<Decimal>,
}

impl SubscriptionPrices {
    /// The price of one instance for `duration`: yearly x years when the duration is whole
    /// years and a yearly price is given, else monthly x months.
    pub fn fee(&self, duration: Duration) -> Option<Decimal> {
        let months = duration.months()?;
        if months <= 0 {
            return None;
        }
        match (self.yearly, self.monthly) {
            (Some(y), _) if months % 12 == 0 => Some(y * Decimal::from(months / 12)),
            (_, Some(m)) => Some(m * Decimal::from(months)),
            _ => None,
        }
    }
}

const TYPE_KEYS: [&str; 9] = [
    "name",
    "family",
    "units",
    "payg_hourly",
    "license_hourly",
    "software_hourly",
    "storage_network_hourly",
    "reserved",
    "subscription",
];

/// Reads the `[[instance_type]]` tables and the unit scale of their units.
pub(super) fn read(
    root: &Table<'_>,
    billing: &Billing,
    missing: &dyn Fn(&str, &str) -> InputError,
) -> Result<(Vec<InstanceType>, u64), InputError> {
    let types = read_types(root, billing, missing)?;
    let unit_scale = unit_scale(&types);
    let mut types = types;
    for (i, t) in types.iter_mut().enumerate() {
        t.units_scaled = scaled_units(t.units, unit_scale);
        if t.units_scaled > MAX_SCALED_UNITS {
            let node = root
                .get("instance_type")
                .and_then(|n| n.array().ok())
                .and_then(|items| items.into_iter().nth(i))
                .and_then(|n| n.table_any("").ok())
                .and_then(|t| t.get("units"));
            let message = format!(
                "found units {} that, with the finest decimals of the file's units (1/{unit_scale}), need more than {MAX_SCALED_UNITS} steps; expected fewer decimal places or smaller units",
                t.units
            );
            return Err(match node {
                Some(n) => n.error(message),
                None => root.node().src.error(None, "", message),
            });
        }
    }
    Ok((types, unit_scale))
}

fn read_types(
    root: &Table<'_>,
    billing: &Billing,
    missing: &dyn Fn(&str, &str) -> InputError,
) -> Result<Vec<InstanceType>, InputError> {
    let items = named_items(
        root,
        "instance_type",
        &TYPE_KEYS,
        "the type's name such as \"ecs.g6.large\"",
    )?;
    if items.is_empty() {
        return Err(missing(
            "[[instance_type]]",
            "at least one instance type with its prices",
        ));
    }
    let mut types = Vec::with_capacity(items.len());
    for (name, t) in items {
        let money = |key: &str| -> Result<Decimal, InputError> {
            t.get(key)
                .map(|n| n.money(MAX_HOURLY_PRICE))
                .unwrap_or(Ok(Decimal::ZERO))
        };
        let family = match t.get("family") {
            Some(n) => n.name()?.to_string(),
            None => name.clone(),
        };
        let units = match t.get("units") {
            Some(n) => {
                let what = "a number of units > 0 and <= 1,000,000 such as 4 or 0.25, with at most 6 decimal places";
                let v = n
                    .decimal()
                    .or_else(|| {
                        n.str()
                            .ok()
                            .and_then(|s| crate::money::parse_decimal(s, false))
                    })
                    .ok_or_else(|| {
                        if n.is_number() {
                            n.out_of_range(what)
                        } else {
                            n.expected(what)
                        }
                    })?;
                if v <= Decimal::ZERO || v > Decimal::from(MAX_UNITS) {
                    return Err(n.out_of_range(what));
                }
                if v.scale() > 6 {
                    return Err(n.expected(what));
                }
                v
            }
            None => Decimal::ONE,
        };
        let payg_hourly = t
            .req(
                "payg_hourly",
                "the pay-as-you-go price per hour such as \"0.152\"",
            )?
            .money(MAX_HOURLY_PRICE)?;
        let mut reserved = Vec::new();
        if let Some(n) = t.get("reserved") {
            let terms = n.table_any("a table of terms such as [instance_type.reserved.1y]")?;
            for (key, term_node) in terms.entries() {
                let term = key.parse::<Duration>().ok().ok_or_else(|| {
                    term_node.error(format!(
                        "found the term \"{key}\", expected a term such as 1y or 3y ({})",
                        time::DURATION_FORMS
                    ))
                })?;
                let long_enough = match term {
                    Duration::Seconds(s) => s >= time::HOUR,
                    Duration::Months(m) => m > 0,
                };
                if !long_enough || !term.at_most_months(time::MAX_SPAN_MONTHS) {
                    return Err(term_node
                        .error(format!(
                            "found the term \"{key}\", expected a term from 1h to 100y such as 1y or 3y"
                        ))
                        .with_kind(ErrorKind::OutOfRange));
                }
                if billing.reservation_window == Window::Alibaba
                    && term.seconds().is_some_and(|s| s % time::DAY != 0)
                {
                    return Err(term_node.error(format!(
                        "found the term \"{key}\", expected whole days, months or years: the alibaba reservation window counts calendar days"
                    )));
                }
                let p = term_node.table(&["all_upfront", "partial_upfront", "no_upfront"])?;
                let all_upfront = p
                    .get("all_upfront")
                    .map(|n| n.money(MAX_PRICE))
                    .transpose()?;
                let partial_upfront = match p.get("partial_upfront") {
                    Some(n) => {
                        let pt = n.table(&["upfront", "hourly"])?;
                        Some((
                            pt.req("upfront", "the price paid at purchase")?
                                .money(MAX_PRICE)?,
                            pt.req("hourly", "the fee per active hour")?
                                .money(MAX_HOURLY_PRICE)?,
                        ))
                    }
                    None => None,
                };
                let no_upfront = match p.get("no_upfront") {
                    Some(n) => {
                        let pt = n.table(&["hourly"])?;
                        Some(
                            pt.req("hourly", "the fee per active hour")?
                                .money(MAX_HOURLY_PRICE)?,
                        )
                    }
                    None => None,
                };
                if all_upfront.is_none() && partial_upfront.is_none() && no_upfront.is_none() {
                    return Err(term_node
                        .expected("at least one of all_upfront, partial_upfront or no_upfront"));
                }
                reserved.push(ReservedPrices {
                    term,
                    all_upfront,
                    partial_upfront,
                    no_upfront,
                });
            }
        }
        let subscription = match t.get("subscription") {
            Some(n) => {
                let s = n.table(&["monthly", "yearly"])?;
                let monthly = s.get("monthly").map(|n| n.money(MAX_PRICE)).transpose()?;
                let yearly = s.get("yearly").map(|n| n.money(MAX_PRICE)).transpose()?;
                if monthly.is_none() && yearly.is_none() {
                    return Err(n.expected("a monthly price, a yearly price or both"));
                }
                Some(SubscriptionPrices { monthly, yearly })
            }
            None => None,
        };
        types.push(InstanceType {
            name,
            family,
            units,
            units_scaled: 0,
            payg_hourly,
            license_hourly: money("license_hourly")?,
            software_hourly: money("software_hourly")?,
            storage_network_hourly: money("storage_network_hourly")?,
            reserved,
            subscription,
        });
    }
    Ok(types)
}

/// The most units a type may have.
pub const MAX_UNITS: i64 = 1_000_000;

/// The most scaled units a type may have: with counts up to [`super::read::MAX_COUNT`], an hour's
/// capacity in unit-seconds stays within 64 bits.
pub const MAX_SCALED_UNITS: u64 = 100_000_000;

fn unit_scale(types: &[InstanceType]) -> u64 {
    let digits = types
        .iter()
        .map(|t| t.units.normalize().scale())
        .max()
        .unwrap_or(0);
    10u64.pow(digits)
}

fn scaled_units(units: Decimal, scale: u64) -> u64 {
    use rust_decimal::prelude::ToPrimitive;
    (units * Decimal::from(scale))
        .to_u64()
        .expect("units are at most 1,000,000 with 6 decimals")
}
