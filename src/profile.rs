//! Billing profiles: the providers' time and cash rules (docs/spec.md, section 5) as settings, each
//! overridable in `[billing]`. The purchase kinds (`purchase::reservation`, `purchase::subscription`)
//! apply them.

use crate::time::{self, Duration, Instant};
use chrono::FixedOffset;
use rust_decimal::Decimal;
use std::fmt;
use std::str::FromStr;

/// A provider's set of default rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Alibaba Cloud (ECS reserved instances, subscriptions), calendar UTC+8.
    Alibaba,
    /// Microsoft Azure reserved VM instances.
    Azure,
    /// AWS-style reserved instances.
    Aws,
    /// Plain exact windows with every payment option.
    Generic,
}

impl Profile {
    /// Every profile name, for messages.
    pub const NAMES: [&'static str; 4] = ["alibaba", "azure", "aws", "generic"];
}

impl FromStr for Profile {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "alibaba" => Ok(Profile::Alibaba),
            "azure" => Ok(Profile::Azure),
            "aws" => Ok(Profile::Aws),
            "generic" => Ok(Profile::Generic),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Profile::Alibaba => "alibaba",
            Profile::Azure => "azure",
            Profile::Aws => "aws",
            Profile::Generic => "generic",
        })
    }
}

/// How a reservation is paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Payment {
    /// One payment at purchase.
    AllUpfront,
    /// A payment at purchase and an hourly fee for every active second.
    PartialUpfront,
    /// An hourly fee for every active second.
    NoUpfront,
    /// The all-upfront price in equal monthly instalments (Azure).
    Monthly,
}

impl Payment {
    /// Every payment option name, for messages.
    pub const NAMES: [&'static str; 4] =
        ["all_upfront", "partial_upfront", "no_upfront", "monthly"];
    /// Every option, in the order of [`Payment::NAMES`].
    pub const ALL: [Payment; 4] = [
        Payment::AllUpfront,
        Payment::PartialUpfront,
        Payment::NoUpfront,
        Payment::Monthly,
    ];
}

impl FromStr for Payment {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Payment::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Payment::ALL[i])
            .ok_or(())
    }
}

impl fmt::Display for Payment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = Payment::ALL.iter().position(|p| p == self).expect("listed");
        f.write_str(Payment::NAMES[i])
    }
}

/// How a reservation's or subscription's active window follows from its purchase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// Alibaba's rules (applied by `purchase::reservation` and `purchase::subscription`).
    Alibaba,
    /// From the purchase second for exactly the term.
    Exact,
}

impl Window {
    /// Every window name, for messages.
    pub const NAMES: [&'static str; 2] = ["alibaba", "exact"];
}

impl FromStr for Window {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "alibaba" => Ok(Window::Alibaba),
            "exact" => Ok(Window::Exact),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Window::Alibaba => "alibaba",
            Window::Exact => "exact",
        })
    }
}

/// Which subscription durations may be bought.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubscriptionDurations {
    /// Only these (Alibaba: 1, 2, 3, 6 months, 1-5 years).
    Listed(Vec<Duration>),
    /// Any whole number of months.
    WholeMonths,
}

impl SubscriptionDurations {
    /// True when `d` may be bought.
    pub fn allows(&self, d: Duration) -> bool {
        match self {
            SubscriptionDurations::Listed(list) => list.contains(&d),
            SubscriptionDurations::WholeMonths => d.months().is_some_and(|m| m > 0),
        }
    }

    /// The allowed durations, for a message.
    pub fn describe(&self) -> String {
        match self {
            SubscriptionDurations::Listed(list) => {
                let words: Vec<String> = list.iter().map(|d| d.to_string()).collect();
                let refs: Vec<&str> = words.iter().map(String::as_str).collect();
                crate::error::one_of(&refs)
            }
            SubscriptionDurations::WholeMonths => {
                "a whole number of months such as \"1mo\", \"6mo\" or \"1y\"".to_string()
            }
        }
    }
}

/// The billing rules in force for a scenario: a profile's defaults with `[billing]` overrides.
#[derive(Clone, Debug, PartialEq)]
pub struct Billing {
    /// The profile the defaults came from.
    pub profile: Profile,
    /// The zone of the calendar date rules (a whole-hour offset).
    pub calendar_zone: FixedOffset,
    /// How a reservation's window follows from its purchase.
    pub reservation_window: Window,
    /// How a subscription's window follows from its purchase.
    pub subscription_window: Window,
    /// Which subscription durations may be bought.
    pub subscription_durations: SubscriptionDurations,
    /// Which payment options may be used.
    pub payments: Vec<Payment>,
    /// Whether a zonal reservation may be size-flexible.
    pub zonal_size_flexible: bool,
    /// Days an unrenewed subscription is retained after it expires (events only).
    pub retention_days: u32,
    /// Unpaid hourly reservation fees that trigger an immediate payment, if any.
    pub auto_deduct_threshold: Option<Decimal>,
    /// Day of the month the monthly bill is paid (1-28), in the calendar zone.
    pub bill_day: u32,
    /// The names a FOCUS export writes (docs/spec.md, section 14).
    pub names: AccountNames,
}

/// Provider, service, region and billing account of a FOCUS export (`[billing]` keys
/// `provider_name`, `service_name`, `region`, `billing_account`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountNames {
    /// ProviderName, PublisherName, InvoiceIssuerName, ServiceProviderName, HostProviderName.
    pub provider: String,
    /// ServiceName.
    pub service: String,
    /// RegionId and RegionName; empty: null.
    pub region: String,
    /// BillingAccountId and BillingAccountName.
    pub billing_account: String,
}

impl AccountNames {
    /// A profile's names: its provider and compute service, no region, account `capsim`.
    pub fn defaults(profile: Profile) -> AccountNames {
        let (provider, service) = match profile {
            Profile::Alibaba => ("Alibaba Cloud", "Elastic Compute Service"),
            Profile::Azure => ("Microsoft", "Virtual Machines"),
            Profile::Aws => ("AWS", "Amazon EC2"),
            Profile::Generic => ("capsim", "Compute"),
        };
        AccountNames {
            provider: provider.to_string(),
            service: service.to_string(),
            region: String::new(),
            billing_account: "capsim".to_string(),
        }
    }
}

impl Billing {
    /// The rules of a profile, before overrides.
    pub fn defaults(profile: Profile) -> Billing {
        let utc = FixedOffset::east_opt(0).expect("zero offset");
        match profile {
            Profile::Alibaba => Billing {
                profile,
                calendar_zone: FixedOffset::east_opt(8 * 3600).expect("UTC+8"),
                reservation_window: Window::Alibaba,
                subscription_window: Window::Alibaba,
                subscription_durations: SubscriptionDurations::Listed(
                    [1, 2, 3, 6, 12, 24, 36, 48, 60]
                        .into_iter()
                        .map(Duration::Months)
                        .collect(),
                ),
                payments: vec![
                    Payment::AllUpfront,
                    Payment::PartialUpfront,
                    Payment::NoUpfront,
                ],
                zonal_size_flexible: false,
                retention_days: 15,
                auto_deduct_threshold: Some(Decimal::from(1000)),
                bill_day: 1,
                names: AccountNames::defaults(profile),
            },
            Profile::Azure => Billing {
                profile,
                calendar_zone: utc,
                reservation_window: Window::Exact,
                subscription_window: Window::Exact,
                subscription_durations: SubscriptionDurations::WholeMonths,
                payments: vec![Payment::AllUpfront, Payment::Monthly],
                zonal_size_flexible: true,
                retention_days: 0,
                auto_deduct_threshold: None,
                bill_day: 1,
                names: AccountNames::defaults(profile),
            },
            Profile::Aws | Profile::Generic => Billing {
                profile,
                calendar_zone: utc,
                reservation_window: Window::Exact,
                subscription_window: Window::Exact,
                subscription_durations: SubscriptionDurations::WholeMonths,
                payments: if profile == Profile::Generic {
                    Payment::ALL.to_vec()
                } else {
                    vec![
                        Payment::AllUpfront,
                        Payment::PartialUpfront,
                        Payment::NoUpfront,
                    ]
                },
                zonal_size_flexible: false,
                retention_days: 0,
                auto_deduct_threshold: None,
                bill_day: 1,
                names: AccountNames::defaults(profile),
            },
        }
    }

    /// The period that renews `previous` for another `term` under `window` (docs/spec.md,
    /// section 11): it starts where the previous one ended; under Alibaba's window the
    /// expiration day moves by the term.
    pub fn renew(&self, window: Window, previous: &Period, term: Duration) -> Period {
        match (window, previous.expiration_day) {
            (Window::Alibaba, Some(day)) => {
                let expiration_day =
                    time::step_date(day, term).expect("terms are whole days or months");
                Period::alibaba(previous.end, expiration_day, self.calendar_zone)
            }
            _ => Period::exact(previous.end, term, self.calendar_zone),
        }
    }
}

/// One active period of a reservation or subscription: `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// First active second.
    pub start: Instant,
    /// First second after the period.
    pub end: Instant,
    /// Alibaba's expiration day (calendar zone), from which a renewal steps.
    pub expiration_day: Option<chrono::NaiveDate>,
}

impl Period {
    /// A period under Alibaba's window: from `start` to 24:00:00 (calendar zone) of
    /// `expiration_day`.
    pub fn alibaba(start: Instant, expiration_day: chrono::NaiveDate, zone: FixedOffset) -> Period {
        Period {
            start,
            end: midnight_after(expiration_day, zone),
            expiration_day: Some(expiration_day),
        }
    }

    /// A period of exactly `term` from `start`.
    pub fn exact(start: Instant, term: Duration, zone: FixedOffset) -> Period {
        Period {
            start,
            end: term.after(start, zone),
            expiration_day: None,
        }
    }

    /// Active seconds of the period.
    pub fn seconds(&self) -> i64 {
        self.end - self.start
    }

    /// Active seconds of the period inside `[from, to)`.
    pub fn seconds_within(&self, from: Instant, to: Instant) -> i64 {
        (self.end.min(to) - self.start.max(from)).max(0)
    }
}

/// The first second of the day after `day` in `zone`.
fn midnight_after(day: chrono::NaiveDate, zone: FixedOffset) -> Instant {
    time::local_midnight(day.succ_opt().expect("dates stay within range"), zone)
}
