//! `[billing]`: the vendor profile and the rules that override it.

use super::read::{MAX_PRICE, Node, one_of, thousands};
use crate::error::InputError;
use crate::profile::{Billing, Payment, Profile, SubscriptionDurations, Window};
use crate::time;

const BILLING_KEYS: [&str; 14] = [
    "profile",
    "calendar_zone",
    "reservation_window",
    "subscription_window",
    "subscription_durations",
    "payments",
    "zonal_size_flexible",
    "retention_days",
    "auto_deduct_threshold",
    "bill_day",
    "provider_name",
    "service_name",
    "region",
    "billing_account",
];

/// The longest name a FOCUS export writes.
const MAX_NAME_CHARS: usize = 100;

/// Reads `[billing]`: the profile's rules, overridden by the keys given.
pub(super) fn read(node: Option<&Node<'_>>) -> Result<Billing, InputError> {
    let Some(node) = node else {
        return Ok(Billing::defaults(Profile::Generic));
    };
    let t = node.table(&BILLING_KEYS)?;
    let profile = match t.get("profile") {
        Some(n) => Profile::NAMES[n.choice(&Profile::NAMES)?]
            .parse::<Profile>()
            .expect("listed"),
        None => Profile::Generic,
    };
    let mut b = Billing::defaults(profile);
    if let Some(n) = t.get("calendar_zone") {
        b.calendar_zone = time::parse_calendar_zone(n.str()?)
            .ok_or_else(|| n.expected("\"UTC\" or a whole-hour offset such as \"+08:00\""))?;
    }
    let window = |key: &str| -> Result<Option<Window>, InputError> {
        t.get(key)
            .map(|n| {
                Ok(Window::NAMES[n.choice(&Window::NAMES)?]
                    .parse::<Window>()
                    .expect("listed"))
            })
            .transpose()
    };
    if let Some(w) = window("reservation_window")? {
        b.reservation_window = w;
    }
    if let Some(w) = window("subscription_window")? {
        b.subscription_window = w;
    }
    if let Some(n) = t.get("subscription_durations") {
        const WHAT: &str = "\"whole_months\" or a list of durations in whole months such as [\"1mo\", \"3mo\", \"1y\"]";
        b.subscription_durations = if n.is_str() {
            if n.str()? != "whole_months" {
                return Err(n.expected(WHAT));
            }
            SubscriptionDurations::WholeMonths
        } else {
            let mut list = Vec::new();
            for item in n.array_of(WHAT)? {
                let d = item.positive_duration()?;
                if d.months().is_none() {
                    return Err(
                        item.expected("a duration in whole months such as \"1mo\" or \"1y\"")
                    );
                }
                list.push(d);
            }
            if list.is_empty() {
                return Err(n.expected(WHAT));
            }
            SubscriptionDurations::Listed(list)
        };
    }
    if let Some(n) = t.get("payments") {
        let what = format!("a list of payment options from {}", one_of(&Payment::NAMES));
        let mut list = Vec::new();
        for item in n.array_of(&what)? {
            let p = Payment::ALL[item.choice(&Payment::NAMES)?];
            if !list.contains(&p) {
                list.push(p);
            }
        }
        if list.is_empty() {
            return Err(n.expected(what));
        }
        b.payments = list;
    }
    if let Some(n) = t.get("zonal_size_flexible") {
        b.zonal_size_flexible = n.bool()?;
    }
    if let Some(n) = t.get("retention_days") {
        b.retention_days = small(&n, 0, 3650, "a whole number of days from 0 to 3650")?;
    }
    if let Some(n) = t.get("auto_deduct_threshold") {
        b.auto_deduct_threshold = if n.is_str() && n.str()? == "none" {
            None
        } else {
            let what = format!(
                "an amount > 0 and <= {} in the scenario's currency such as \"1000\", or \"none\"",
                thousands(MAX_PRICE)
            );
            let v = n.money(MAX_PRICE).map_err(|e| {
                let kind = e.kind;
                n.expected(&what).with_kind(kind)
            })?;
            if v.is_zero() {
                return Err(n.out_of_range(what));
            }
            Some(v)
        };
    }
    if let Some(n) = t.get("bill_day") {
        b.bill_day = small(&n, 1, 28, "a day of the month from 1 to 28")?;
    }
    for (key, name) in [
        ("provider_name", &mut b.names.provider),
        ("service_name", &mut b.names.service),
        ("region", &mut b.names.region),
        ("billing_account", &mut b.names.billing_account),
    ] {
        if let Some(n) = t.get(key) {
            // A region may be left out of the rows (an empty string); the others are named.
            let v = if key == "region" && n.str()?.is_empty() {
                ""
            } else {
                n.name()?
            };
            if v.chars().count() > MAX_NAME_CHARS {
                return Err(n.expected(format!("a name of at most {MAX_NAME_CHARS} characters")));
            }
            *name = v.to_string();
        }
    }
    Ok(b)
}

/// A whole number from `min` to `max`, small enough for a `u32`.
fn small(n: &Node<'_>, min: u32, max: u32, what: &str) -> Result<u32, InputError> {
    let v = n.integer(i64::from(min), i64::from(max), what)?;
    u32::try_from(v).map_err(|_| n.out_of_range(what))
}
