//! Charges: every amount a strategy pays, as data (docs/spec.md, sections 5 and 10).
//!
//! A purchase yields the charges that do not depend on the fleet (one-time payments,
//! instalments, hourly fees, subscription fees); matching a plan on a trial's usage yields the
//! charges of each pool's usage. The bill, `bill --hourly`, the cash timeline, NPV and the
//! exports all read these charges; no other code prices anything.
//!
//! An amount is kept as an exact fraction `num / den` (the price times a whole quantity, over
//! the quantity's unit): sums of amounts group numerators by denominator and divide once, so a
//! total is exact wherever its value terminates and rounded once, at 28 digits, where it does
//! not.

use crate::time::{HOUR, Instant};
use rust_decimal::Decimal;
use std::fmt;

/// What a charge is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChargeKind {
    /// A reservation's payment at purchase (all or partial upfront).
    Upfront,
    /// One monthly instalment of a reservation's price (`monthly`).
    Instalment,
    /// A reservation's hourly fee for active seconds (partial or no upfront).
    HourlyFee,
    /// A subscription's fee for one period.
    SubscriptionFee,
    /// Compute seconds at pay-as-you-go prices.
    Payg,
    /// Operating-system licence of seconds not carried by a subscription.
    Licence,
    /// Other software of seconds not carried by a subscription.
    Software,
    /// Disks and network of seconds not carried by a subscription.
    StorageNetwork,
}

impl ChargeKind {
    /// The line of the bill the charge is counted in.
    pub fn component(self) -> Component {
        match self {
            ChargeKind::Upfront => Component::Upfront,
            ChargeKind::Instalment => Component::Instalments,
            ChargeKind::HourlyFee => Component::CommitmentRecurring,
            ChargeKind::SubscriptionFee => Component::Subscription,
            ChargeKind::Payg => Component::PaygCompute,
            ChargeKind::Licence | ChargeKind::Software => Component::Software,
            ChargeKind::StorageNetwork => Component::StorageNetwork,
        }
    }
}

/// A line of the bill: the cost components of docs/spec.md, section 10, in their order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    /// Reservation payments at purchase.
    Upfront,
    /// Monthly instalments of reservations bought with `monthly` payment.
    Instalments,
    /// Hourly reservation fees of active seconds.
    CommitmentRecurring,
    /// Compute seconds neither subscribed nor reserved, at pay-as-you-go prices.
    PaygCompute,
    /// Licence and other software of seconds not carried by a subscription.
    Software,
    /// Disks and network of seconds not carried by a subscription.
    StorageNetwork,
    /// Subscription fees.
    Subscription,
}

impl Component {
    /// Every component, in the bill's order.
    pub const ALL: [Component; 7] = [
        Component::Upfront,
        Component::Instalments,
        Component::CommitmentRecurring,
        Component::PaygCompute,
        Component::Software,
        Component::StorageNetwork,
        Component::Subscription,
    ];

    /// The name used as a key in JSON, CSV and tables.
    pub fn name(self) -> &'static str {
        match self {
            Component::Upfront => "upfront",
            Component::Instalments => "instalments",
            Component::CommitmentRecurring => "commitment_recurring",
            Component::PaygCompute => "payg_compute",
            Component::Software => "software",
            Component::StorageNetwork => "storage_network",
            Component::Subscription => "subscription",
        }
    }

    /// Its position in [`Component::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who a charge is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A purchase of the plan: its position among the plan's purchases and the period (0 for
    /// the purchase, then one per renewal).
    Purchase {
        /// Position among the plan's purchases.
        purchase: usize,
        /// Period: 0 for the purchase, then one per renewal.
        period: usize,
    },
    /// A (type, zone) pool of the layout.
    Pool {
        /// The layout's cell.
        cell: usize,
    },
}

/// What a charge's quantity counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Instances bought (one-time payments, instalments, subscription fees).
    Instances,
    /// Instance-seconds (hourly fees, licence, software, storage and network).
    InstanceSeconds,
    /// Unit-seconds of the pool's type, in the scenario's scaled units (pay-as-you-go).
    ScaledUnitSeconds,
}

/// Where a charge's cash falls against the horizon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Horizon {
    /// Paid before the horizon starts: in no cash total.
    Before,
    /// Counted in `cash_total` and in the cash timeline.
    Inside,
    /// Owed after the horizon: counted in `obligation_after_horizon`.
    After,
}

/// An exact amount `num / den`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Amount {
    /// Numerator: a price times a whole quantity.
    pub num: Decimal,
    /// Denominator: the quantity's unit (1, 3600, units x 3600, instalments, ...).
    pub den: u64,
}

/// An amount left the exact range of decimals (about 7.9e28): the input is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow;

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount exceeds the exact range of money (about 7.9e28)")
    }
}

impl std::error::Error for Overflow {}

impl Amount {
    /// Zero.
    pub const ZERO: Amount = Amount {
        num: Decimal::ZERO,
        den: 1,
    };

    /// `price x quantity / den`. Where the exact numerator leaves the 96 bits of a decimal,
    /// the quantity is divided first (rounded at 28 significant digits): the amount is then as
    /// exact as a decimal holds, not refused.
    pub fn of(price: Decimal, quantity: u128, den: u64) -> Result<Amount, Overflow> {
        let q = i128::try_from(quantity).map_err(|_| Overflow)?;
        let q = Decimal::try_from_i128_with_scale(q, 0).map_err(|_| Overflow)?;
        match price.checked_mul(q) {
            Some(num) => Ok(Amount { num, den }),
            None => {
                let per = q.checked_div(Decimal::from(den)).ok_or(Overflow)?;
                Ok(Amount {
                    num: price.checked_mul(per).ok_or(Overflow)?,
                    den: 1,
                })
            }
        }
    }

    /// The share `part / whole` of this amount (`whole` > 0), exact where the numerator and
    /// denominator hold it, else rounded at 28 significant digits.
    pub fn share(self, part: u64, whole: u64) -> Result<Amount, Overflow> {
        if part == whole {
            return Ok(self);
        }
        let num = self.num.checked_mul(Decimal::from(part));
        let den = self.den.checked_mul(whole);
        match (num, den) {
            (Some(num), Some(den)) => Ok(Amount { num, den }),
            _ => {
                let value = self.value() / Decimal::from(whole);
                Ok(Amount {
                    num: value.checked_mul(Decimal::from(part)).ok_or(Overflow)?,
                    den: 1,
                })
            }
        }
    }

    /// The value, rounded at 28 digits where it does not terminate.
    pub fn value(self) -> Decimal {
        if self.den == 1 {
            self.num
        } else {
            self.num / Decimal::from(self.den)
        }
    }

    /// The value as a float, for discounting and charts (not for money shown to a person).
    pub fn to_f64(self) -> f64 {
        f64::try_from(self.num).unwrap_or(0.0) / self.den as f64
    }
}

/// An exact sum of amounts: numerators added per denominator, divided once when read. A
/// denominator's numerator that would leave the 96 bits of a decimal is divided then and kept
/// apart, rounded at 28 significant digits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExactSum {
    parts: Vec<(u64, Decimal)>,
    rounded: Decimal,
}

impl ExactSum {
    /// Adds an amount.
    #[inline]
    pub fn add(&mut self, a: Amount) -> Result<(), Overflow> {
        if a.num.is_zero() {
            return Ok(());
        }
        match self.parts.iter_mut().find(|(d, _)| *d == a.den) {
            Some((den, n)) => match n.checked_add(a.num) {
                Some(v) => *n = v,
                None => {
                    let so_far = Amount { num: *n, den: *den }.value();
                    self.rounded = self.rounded.checked_add(so_far).ok_or(Overflow)?;
                    *n = a.num;
                }
            },
            None => self.parts.push((a.den, a.num)),
        }
        Ok(())
    }

    /// The value: each denominator's numerator divided once, then added.
    pub fn value(&self) -> Result<Decimal, Overflow> {
        self.parts
            .iter()
            .try_fold(self.rounded, |acc, &(den, num)| {
                acc.checked_add(Amount { num, den }.value()).ok_or(Overflow)
            })
    }

    /// The value as a float, for discounting and charts (not for money shown to a person).
    pub fn to_f64(&self) -> f64 {
        self.parts
            .iter()
            .map(|&(den, num)| Amount { num, den }.to_f64())
            .sum::<f64>()
            + f64::try_from(self.rounded).unwrap_or(0.0)
    }

    /// Empties the sum, keeping its buffer.
    pub fn clear(&mut self) {
        self.parts.clear();
        self.rounded = Decimal::ZERO;
    }

    /// True when nothing but zero was added.
    pub fn is_zero(&self) -> bool {
        self.parts.is_empty() && self.rounded.is_zero()
    }
}

/// One charge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Charge {
    /// What it is for.
    pub kind: ChargeKind,
    /// Who it is for.
    pub target: Target,
    /// The time it pays for, `[from, to)`: a purchase period for prepaid charges, the accrual
    /// span for fees and usage.
    pub from: Instant,
    /// End of the time it pays for (exclusive).
    pub to: Instant,
    /// When it is paid.
    pub paid_at: Instant,
    /// How much was bought or used, in `unit`.
    pub quantity: u128,
    /// What the quantity counts.
    pub unit: Unit,
    /// Price per instance, or per instance-hour of the type for seconds and unit-seconds.
    pub unit_price: Decimal,
    /// The amount.
    pub amount: Amount,
    /// The share counted in the amortized total: a prepaid amount spread over its period, the
    /// in-horizon part; an accrued amount inside the horizon, all of it.
    pub amortized: Amount,
    /// Which cash total it is counted in.
    pub horizon: Horizon,
}

/// What a pool (one type and zone) used over a span, in integers: the quantities its usage
/// charges are priced from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolUse {
    /// Scaled unit-seconds paid at pay-as-you-go rates.
    pub payg_unit_seconds: u128,
    /// Seconds not carried by a subscription (software, storage and network apply).
    pub uncarried_seconds: u128,
    /// Seconds that pay the licence (see [`crate::usage::Licence`]).
    pub licensed_seconds: u128,
}

/// The prices of one pool, per instance-hour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoolPrices {
    /// Pay-as-you-go compute.
    pub payg_hourly: Decimal,
    /// Scaled units of the type: pay-as-you-go is priced per `units x 3600` unit-seconds.
    pub units_scaled: u64,
    /// Operating-system licence.
    pub license_hourly: Decimal,
    /// Other software.
    pub software_hourly: Decimal,
    /// Disks and network.
    pub storage_network_hourly: Decimal,
}

impl PoolPrices {
    /// The usage charges of one pool over `[from, to)`, paid at `paid_at`, in the order
    /// pay-as-you-go, licence, software, storage and network; quantities of zero yield none.
    #[inline]
    pub fn charges(
        &self,
        cell: usize,
        used: PoolUse,
        (from, to): (Instant, Instant),
        paid_at: Instant,
        mut emit: impl FnMut(Charge) -> Result<(), Overflow>,
    ) -> Result<(), Overflow> {
        let hour = HOUR as u64;
        let lines = [
            (
                ChargeKind::Payg,
                Unit::ScaledUnitSeconds,
                used.payg_unit_seconds,
                self.payg_hourly,
                self.units_scaled * hour,
            ),
            (
                ChargeKind::Licence,
                Unit::InstanceSeconds,
                used.licensed_seconds,
                self.license_hourly,
                hour,
            ),
            (
                ChargeKind::Software,
                Unit::InstanceSeconds,
                used.uncarried_seconds,
                self.software_hourly,
                hour,
            ),
            (
                ChargeKind::StorageNetwork,
                Unit::InstanceSeconds,
                used.uncarried_seconds,
                self.storage_network_hourly,
                hour,
            ),
        ];
        for (kind, unit, quantity, unit_price, den) in lines {
            if quantity == 0 || unit_price.is_zero() {
                continue;
            }
            let amount = Amount::of(unit_price, quantity, den)?;
            emit(Charge {
                kind,
                target: Target::Pool { cell },
                from,
                to,
                paid_at,
                quantity,
                unit,
                unit_price,
                amount,
                amortized: amount,
                horizon: Horizon::Inside,
            })?;
        }
        Ok(())
    }
}

/// The sums of a bill's charges: per component, what is owed after the horizon, and the
/// amortized total.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals {
    /// Per component (in [`Component::ALL`] order), the cash inside the horizon.
    pub components: [ExactSum; 7],
    /// Cash owed after the horizon.
    pub after_horizon: ExactSum,
    /// The amortized total.
    pub amortized: ExactSum,
}

impl Totals {
    /// Counts one charge.
    #[inline]
    pub fn add(&mut self, c: &Charge) -> Result<(), Overflow> {
        match c.horizon {
            Horizon::Inside => self.components[c.kind.component().index()].add(c.amount)?,
            Horizon::After => self.after_horizon.add(c.amount)?,
            Horizon::Before => {}
        }
        self.amortized.add(c.amortized)
    }
}

/// Cost components as values, indexed by [`Component`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Breakdown(pub [Decimal; 7]);

impl Breakdown {
    /// The components with their values, in the bill's order.
    pub fn iter(&self) -> impl Iterator<Item = (Component, Decimal)> + '_ {
        Component::ALL.iter().map(|&c| (c, self.0[c.index()]))
    }

    /// Their sum.
    pub fn total(&self) -> Result<Decimal, Overflow> {
        self.0
            .iter()
            .try_fold(Decimal::ZERO, |a, v| a.checked_add(*v).ok_or(Overflow))
    }
}

impl std::ops::Index<Component> for Breakdown {
    type Output = Decimal;
    fn index(&self, c: Component) -> &Decimal {
        &self.0[c.index()]
    }
}

impl std::ops::IndexMut<Component> for Breakdown {
    fn index_mut(&mut self, c: Component) -> &mut Decimal {
        &mut self.0[c.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn thirds_of_an_hour_sum_exactly() {
        // Three charges of 1,200 s at 0.10/h: 1/30 each, not terminating; their sum is 0.10.
        let mut sum = ExactSum::default();
        for _ in 0..3 {
            sum.add(Amount::of(d("0.10"), 1200, 3600).unwrap()).unwrap();
        }
        assert_eq!(sum.value().unwrap(), d("0.10"));
        // Each third on its own does not terminate: dividing first would lose the last digit.
        assert_ne!(
            Amount::of(d("0.10"), 1200, 3600).unwrap().value() * d("3"),
            d("0.10")
        );
    }

    #[test]
    fn twelve_instalments_make_the_price() {
        let instalment = Amount {
            num: d("1000"),
            den: 12,
        };
        let mut sum = ExactSum::default();
        for _ in 0..12 {
            sum.add(instalment).unwrap();
        }
        assert_eq!(sum.value().unwrap(), d("1000"));
    }

    #[test]
    fn overflow_is_reported_not_wrapped() {
        let big = Decimal::MAX;
        assert_eq!(Amount::of(big, 2, 1), Err(Overflow));
        let mut sum = ExactSum::default();
        sum.add(Amount { num: big, den: 1 }).unwrap();
        sum.add(Amount { num: big, den: 1 }).unwrap();
        assert_eq!(sum.value(), Err(Overflow));
    }

    #[test]
    fn a_numerator_past_96_bits_is_divided_first() {
        // 10^6 an hour for 10^25 unit-seconds of a type priced per 10^8 x 3,600 unit-seconds:
        // the numerator 10^31 does not fit; the amount, 10^25 / 3.6e11 x 10^6, does.
        let q: u128 = 10u128.pow(25);
        let a = Amount::of(d("1000000"), q, 100_000_000 * 3600).unwrap();
        assert_eq!(a.den, 1);
        assert_eq!(
            a.value(),
            d("10000000000000000000000000") / d("360000000000") * d("1000000")
        );
        // Numerators that together leave 96 bits are divided and kept apart.
        let mut sum = ExactSum::default();
        let half = Amount {
            num: d("60000000000000000000000000000"),
            den: 3,
        };
        sum.add(half).unwrap();
        sum.add(half).unwrap();
        assert_eq!(sum.value().unwrap(), d("40000000000000000000000000000"));
    }

    #[test]
    fn a_share_keeps_the_fraction() {
        // 1,000 paid for a 365-day period, 100 days of it inside the horizon.
        let a = Amount {
            num: d("1000"),
            den: 1,
        };
        let s = a.share(100 * 86_400, 365 * 86_400).unwrap();
        assert_eq!(s.value(), d("1000") * d("100") / d("365"));
    }
}
