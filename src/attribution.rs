//! Utilisation, coverage and cost per purchase entry and per instance type (docs/spec.md,
//! section 10, "Breakdowns"): the strategy-wide ratios and totals of a [`Bill`], split by whom
//! they belong to.
//!
//! - An entry's utilisation is that of its own capacity: a reservation's used over reserved
//!   unit-seconds; a subscription's, carried over subscribed instance-seconds of every
//!   subscription of its type and zone together (they carry VMs as one pool, so which of them
//!   carried a VM is not defined).
//! - An instance type's coverage is the share of its usage (all its zones) that subscriptions
//!   carried or reservations covered, whichever entry covered it: a size-flexible reservation
//!   bought as one size counts in the coverage of the sizes it carried.
//! - An instance type's cost is every charge of the bill against it: the usage charges of its
//!   (type, zone) pools and the charges of the entries bought as that type (a size-flexible
//!   reservation's cost stays with the type it was bought as). The types' costs add up to the
//!   bill's `cash_total` and `amortized_total` exactly (see [`add_up_to`]).
//! - An entry's cost is its own charges: payments, instalments, hourly fees, subscription fees.

use crate::billing::{Bill, dec, pool_use};
use crate::charge::{Charge, ExactSum, Horizon, Overflow, PoolPrices, PoolUse, Target};
use crate::matching::Matched;
use crate::money::ratio;
use crate::purchase::{Plan, Purchase};
use crate::scenario::Scenario;
use crate::usage::{Layout, Usage};
use rust_decimal::{Decimal, RoundingStrategy};

/// What kind of purchase an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A reservation: capacity in unit-seconds, pooled over each hour.
    Reservation,
    /// A subscription: instances that carry VMs second by second.
    Subscription,
}

/// What does not change from trial to trial about one entry of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryInfo {
    /// `reserve[i]` or `subscribe[i]`.
    pub entry: String,
    /// Reservation or subscription.
    pub kind: EntryKind,
    /// The instance type bought (scenario index).
    pub instance_type: usize,
    /// What its utilisation divides by: scaled unit-seconds reserved inside the horizon, or
    /// instance-seconds subscribed inside it by every subscription of its type and zone.
    pub capacity: u128,
    /// Its charges paid inside the horizon.
    pub cash: Decimal,
    /// Its charges' amortized share of the horizon.
    pub amortized: Decimal,
}

/// One plan prepared for breakdowns: who each charge and each cell belongs to, and the sums
/// of the charges that do not depend on the fleet.
#[derive(Clone, Debug)]
pub struct Attribution {
    /// The plan's name.
    pub plan: String,
    /// The instance types figures are given for (scenario indices, in the scenario's order):
    /// those some fleet runs and those some strategy of the engine buys.
    pub types: Vec<usize>,
    /// Per purchase of the plan, in the order held.
    pub entries: Vec<EntryInfo>,
    /// Position in `types` of each cell's type.
    cell_type: Vec<usize>,
    /// Scaled units of each listed type.
    type_units: Vec<u64>,
    /// The purchase of each reservation pool, in matching order.
    pool_purchase: Vec<usize>,
    /// Per purchase, the cell of a subscription.
    subscribed_cell: Vec<Option<usize>>,
    /// Per type, the plan's charges inside the horizon and amortized.
    fixed: Vec<(ExactSum, ExactSum)>,
}

/// One entry's use in one trial.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EntryUse {
    /// Scaled unit-seconds its reservation covered, or seconds that the subscriptions of its
    /// type and zone carried.
    pub used: u128,
    /// `used / capacity` (0 when the capacity is 0).
    pub utilization: Decimal,
}

/// One instance type's figures in one trial.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TypeUse {
    /// Compute seconds of the type, all zones.
    pub usage_seconds: u128,
    /// Seconds that subscriptions carried.
    pub carried_seconds: u128,
    /// Scaled unit-seconds of the type that reservations covered.
    pub covered_unit_seconds: u128,
    /// `(carried + covered unit-seconds / units) / usage` (0 without usage).
    pub coverage: Decimal,
    /// Its share of the bill's `cash_total`.
    pub cash: Decimal,
    /// Its share of the bill's `amortized_total`.
    pub amortized: Decimal,
}

/// A plan's breakdowns in one trial.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attributed {
    /// Per entry, in the plan's order.
    pub entries: Vec<EntryUse>,
    /// Per type of [`Attribution::types`].
    pub types: Vec<TypeUse>,
}

impl Attribution {
    /// The types figures are given for in an engine's plans: the types of the layout's cells
    /// and the types any plan buys, in the scenario's order.
    pub fn types_of(layout: &Layout, plans: &[Plan]) -> Vec<usize> {
        let mut types: Vec<usize> = layout
            .cells
            .iter()
            .map(|c| c.instance_type)
            .chain(
                plans
                    .iter()
                    .flat_map(|p| p.entries.iter().map(|e| e.instance_type)),
            )
            .collect();
        types.sort_unstable();
        types.dedup();
        types
    }

    /// Prepares a plan; `types` comes from [`Attribution::types_of`] and holds every type of
    /// the plan's entries and of the layout's cells.
    pub fn new(
        s: &Scenario,
        layout: &Layout,
        plan: &Plan,
        types: &[usize],
    ) -> Result<Attribution, Overflow> {
        let position = |t: usize| {
            types
                .binary_search(&t)
                .expect("the types of cells and entries are listed")
        };
        let n = plan.entries.len();
        let mut cash = vec![ExactSum::default(); n];
        let mut amortized = vec![ExactSum::default(); n];
        let mut fixed = vec![(ExactSum::default(), ExactSum::default()); types.len()];
        for c in &plan.charges {
            let Target::Purchase { purchase, .. } = c.target else {
                continue;
            };
            let t = position(plan.entries[purchase].instance_type);
            add(&mut cash[purchase], &mut amortized[purchase], c)?;
            let (fc, fa) = &mut fixed[t];
            add(fc, fa, c)?;
        }
        let mut cell_subscribed = vec![0u128; layout.cells.len()];
        for e in &plan.entries {
            if let Some(cell) = e.subscribed_cell {
                cell_subscribed[cell] += e.subscribed_seconds;
            }
        }
        let entries = plan
            .entries
            .iter()
            .zip(&plan.purchases)
            .enumerate()
            .map(|(i, (e, p))| {
                let (kind, capacity) = match p {
                    Purchase::Reservation(_) => (EntryKind::Reservation, e.reserved_unit_seconds),
                    Purchase::Subscription(_) => (
                        EntryKind::Subscription,
                        e.subscribed_cell.map_or(0, |c| cell_subscribed[c]),
                    ),
                };
                Ok(EntryInfo {
                    entry: e.entry.clone(),
                    kind,
                    instance_type: e.instance_type,
                    capacity,
                    cash: cash[i].value()?,
                    amortized: amortized[i].value()?,
                })
            })
            .collect::<Result<Vec<_>, Overflow>>()?;
        Ok(Attribution {
            plan: plan.name.clone(),
            types: types.to_vec(),
            entries,
            cell_type: layout
                .cells
                .iter()
                .map(|c| position(c.instance_type))
                .collect(),
            type_units: types.iter().map(|&t| s.types[t].units_scaled).collect(),
            pool_purchase: plan.pools.iter().map(|p| p.purchase).collect(),
            subscribed_cell: plan.entries.iter().map(|e| e.subscribed_cell).collect(),
            fixed,
        })
    }

    /// True when this was prepared from `plan` (same name and purchases).
    pub fn is_of(&self, plan: &Plan) -> bool {
        self.plan == plan.name
            && self.entries.len() == plan.entries.len()
            && self.pool_purchase.len() == plan.pools.len()
    }

    /// The breakdowns of `bill`, the plan's bill on a trial's matching `m`.
    pub fn of_trial(
        &self,
        layout: &Layout,
        prices: &[PoolPrices],
        usage: &Usage,
        m: &Matched,
        bill: &Bill,
    ) -> Result<Attributed, Overflow> {
        let mut used = vec![0u128; self.entries.len()];
        for (&purchase, &u) in self.pool_purchase.iter().zip(&m.entry_used) {
            used[purchase] += u;
        }
        for (u, cell) in used.iter_mut().zip(&self.subscribed_cell) {
            if let Some(c) = *cell {
                *u = u128::from(m.carried_seconds[c]);
            }
        }
        let entries = used
            .iter()
            .zip(&self.entries)
            .map(|(&u, e)| {
                Ok(EntryUse {
                    used: u,
                    utilization: ratio(dec(u)?, dec(e.capacity)?),
                })
            })
            .collect::<Result<Vec<_>, Overflow>>()?;

        let nt = self.types.len();
        let mut seconds = vec![(0u128, 0u128, 0u128); nt];
        let mut sums: Vec<(ExactSum, ExactSum)> = self.fixed.clone();
        let span = (layout.start, layout.end);
        for (c, p) in prices.iter().enumerate() {
            let t = self.cell_type[c];
            // Every bill period's quantities together: a charge is linear in its quantity, so
            // the pool's charges over the horizon are the exact sum of its periods' charges.
            let mut total = PoolUse::default();
            for b in 0..layout.bills() {
                let u = pool_use(layout, usage, m, b, c);
                total.payg_unit_seconds += u.payg_unit_seconds;
                total.uncarried_seconds += u.uncarried_seconds;
                total.licensed_seconds += u.licensed_seconds;
            }
            let carried = u128::from(m.carried_seconds[c]);
            let (usage_seconds, carried_seconds, covered) = &mut seconds[t];
            *usage_seconds += total.uncarried_seconds + carried;
            *carried_seconds += carried;
            *covered += m.covered_unit_seconds[c];
            let (cash, amortized) = &mut sums[t];
            p.charges(c, total, span, layout.end, |ch| add(cash, amortized, &ch))?;
        }
        let mut cash = Vec::with_capacity(nt);
        let mut amortized = Vec::with_capacity(nt);
        for (c, a) in &sums {
            cash.push(c.value()?);
            amortized.push(a.value()?);
        }
        let cash = add_up_to(bill.cash_total, &cash)?;
        let amortized = add_up_to(bill.amortized_total, &amortized)?;
        let types = seconds
            .iter()
            .zip(&self.type_units)
            .zip(cash.into_iter().zip(amortized))
            .map(
                |((&(usage_seconds, carried, covered), &units), (cash, amortized))| {
                    let covered_seconds = ratio(dec(covered)?, Decimal::from(units));
                    Ok(TypeUse {
                        usage_seconds,
                        carried_seconds: carried,
                        covered_unit_seconds: covered,
                        coverage: ratio(dec(carried)? + covered_seconds, dec(usage_seconds)?),
                        cash,
                        amortized,
                    })
                },
            )
            .collect::<Result<Vec<_>, Overflow>>()?;
        Ok(Attributed { entries, types })
    }
}

/// Counts a charge in a cash sum (inside the horizon only) and an amortized sum.
fn add(cash: &mut ExactSum, amortized: &mut ExactSum, c: &Charge) -> Result<(), Overflow> {
    if c.horizon == Horizon::Inside {
        cash.add(c.amount)?;
    }
    amortized.add(c.amortized)
}

/// Decimal digits of the whole part of `v`.
fn whole_digits(v: Decimal) -> u32 {
    let mut v = v.abs().trunc();
    let mut digits = 0;
    while !v.is_zero() {
        v = (v / Decimal::TEN).trunc();
        digits += 1;
    }
    digits
}

/// `parts` adjusted to add up to `total` exactly in decimal arithmetic, in any order.
///
/// Each part is an exact sum of charges, but a sum that does not terminate is rounded at 28
/// digits, and so is `total`: the rounded parts may miss the rounded total by a few units of
/// the last digit. Each part is rounded (half-even) to the most fractional digits at which all
/// the parts and their sums still fit a decimal exactly (27 significant digits, and never
/// fewer fractional digits than `total` has), and what they then miss `total` by, a few units
/// of that last digit, is added to the largest part (the first of equals). Parts that already
/// add up to `total` are returned unchanged.
pub fn add_up_to(total: Decimal, parts: &[Decimal]) -> Result<Vec<Decimal>, Overflow> {
    let sum = |v: &[Decimal]| {
        v.iter()
            .try_fold(Decimal::ZERO, |a, p| a.checked_add(*p).ok_or(Overflow))
    };
    if sum(parts).ok() == Some(total) {
        return Ok(parts.to_vec());
    }
    let Some(largest) = (0..parts.len()).max_by(|&a, &b| {
        parts[a]
            .abs()
            .cmp(&parts[b].abs())
            // The first of equal parts: `max_by` keeps the last of equals.
            .then(b.cmp(&a))
    }) else {
        return Err(Overflow);
    };
    let magnitude = parts
        .iter()
        .try_fold(total.abs(), |a, p| a.checked_add(p.abs()))
        .ok_or(Overflow)?;
    let digits = 27u32.saturating_sub(whole_digits(magnitude));
    let scale = digits.max(total.scale());
    let mut out: Vec<Decimal> = parts
        .iter()
        .map(|p| p.round_dp_with_strategy(scale, RoundingStrategy::MidpointNearestEven))
        .collect();
    let missing = total.checked_sub(sum(&out)?).ok_or(Overflow)?;
    out[largest] = out[largest].checked_add(missing).ok_or(Overflow)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    fn total(v: &[Decimal]) -> Decimal {
        v.iter().copied().sum()
    }

    #[test]
    fn parts_that_add_up_are_kept() {
        let parts = [d("1.25"), d("3"), d("0.005")];
        assert_eq!(add_up_to(d("4.255"), &parts).unwrap(), parts.to_vec());
    }

    #[test]
    fn thirds_add_up_to_the_whole() {
        // Three types of 1/30 each: each rounds at 28 digits, the total (one exact sum) is 0.1.
        let third = d("0.10") / d("3");
        let parts = [third, third, third];
        assert_ne!(total(&parts), d("0.1"));
        let out = add_up_to(d("0.1"), &parts).unwrap();
        assert_eq!(total(&out), d("0.1"));
        // Each part moves by less than a unit of the 26th decimal.
        for (o, p) in out.iter().zip(&parts) {
            assert!((*o - *p).abs() < d("0.00000000000000000000000001"));
        }
    }

    #[test]
    fn large_amounts_with_long_fractions_add_up() {
        let a = d("123456789012") / d("7");
        let b = d("0.1") / d("7");
        let c = d("987654321") / d("13");
        let t =
            (d("123456789012") * d("13") * d("10") + d("13") + d("987654321") * d("70")) / d("910");
        let out = add_up_to(t, &[a, b, c]).unwrap();
        assert_eq!(total(&out), t);
        assert_eq!(out.iter().rev().copied().sum::<Decimal>(), t);
    }

    #[test]
    fn no_parts_cannot_make_a_total() {
        assert_eq!(
            add_up_to(Decimal::ZERO, &[]).unwrap(),
            Vec::<Decimal>::new()
        );
        assert_eq!(add_up_to(d("1"), &[]), Err(Overflow));
    }
}
