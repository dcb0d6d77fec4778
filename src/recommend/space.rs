//! What a portfolio may hold (docs/spec.md, section 12): the offers with their bounds, what each
//! instance of an offer pays on the first day and commits, and the strategy a count vector
//! stands for.

use crate::charge::{Amount, ChargeKind, ExactSum, Horizon, Overflow, Target};
use crate::purchase::{Context, Plan};
use crate::scenario::{Buy, Offer, Reserve, Scenario, Strategy, Subscribe};
use crate::time::DAY;
use rust_decimal::Decimal;

/// A count per offer, in the offers' order.
pub type Counts = Vec<u32>;

/// One offer, prepared for the search.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The offer as read (count 0).
    pub offer: Offer,
    /// A short name: "ecs.g6.large 1y all_upfront regional size-flexible".
    pub label: String,
    /// The most instances a portfolio may buy.
    pub max_count: u32,
    /// True when `max_count` comes from the search trials' usage (no `max_count` in the file).
    pub max_from_usage: bool,
    /// The first day's payments of one instance (upfront, first instalment, first fee).
    pub first_day: Vec<Amount>,
    /// Their sum.
    pub first_day_each: Decimal,
    /// Scaled unit-seconds one instance commits inside the horizon.
    pub committed: u128,
    /// The cells (of the layout) it may cover: a reservation's eligible cells, a
    /// subscription's cell.
    pub cells: Vec<usize>,
    /// Scaled units of one instance.
    pub units: u64,
}

/// The strategy holding `base`'s entries, then each offer bought `counts[i]` times (none when
/// 0), in the order zonal, regional non-flexible, size-flexible, subscriptions (docs/spec.md,
/// section 12), the file's order within each.
pub(super) fn portfolio(
    name: &str,
    base: Option<&Strategy>,
    offers: &[Offer],
    counts: &[u32],
) -> Strategy {
    let mut st = Strategy {
        name: name.to_string(),
        reserves: Vec::new(),
        subscribes: Vec::new(),
    };
    if let Some(b) = base {
        st.reserves.extend(b.reserves.iter().cloned());
        st.subscribes.extend(b.subscribes.iter().cloned());
    }
    let mut order: Vec<usize> = (0..offers.len()).collect();
    order.sort_by_key(|&i| rank(&offers[i].buy));
    for i in order.into_iter().filter(|&i| counts[i] > 0) {
        let count = counts[i];
        match &offers[i].buy {
            Buy::Reserve(r) => st.reserves.push(Reserve { count, ..r.clone() }),
            Buy::Subscribe(s) => st.subscribes.push(Subscribe { count, ..s.clone() }),
        }
    }
    st
}

/// The name of an offer for people.
pub(super) fn label(s: &Scenario, buy: &Buy) -> String {
    match buy {
        Buy::Reserve(r) => {
            let scope = match (r.zone, r.size_flexible) {
                (Some(z), _) => format!("zonal in {}", s.zones[z]),
                (None, true) => "regional size-flexible".to_string(),
                (None, false) => "regional".to_string(),
            };
            format!(
                "{} {} {} {scope}{}",
                s.types[r.instance_type].name,
                r.term,
                r.payment,
                if r.renew { ", renewed" } else { "" }
            )
        }
        Buy::Subscribe(sub) => format!(
            "{} {} subscription in {}{}",
            s.types[sub.instance_type].name,
            sub.duration,
            s.zones[sub.zone],
            if sub.renew { ", renewed" } else { "" }
        ),
    }
}

/// Where an offer goes in a portfolio's strategy: zonal, regional non-flexible, size-flexible,
/// then subscriptions (docs/spec.md, section 12), so the answer does not depend on the file's
/// order.
fn rank(buy: &Buy) -> u8 {
    match buy {
        Buy::Reserve(r) if r.zone.is_some() => 0,
        Buy::Reserve(r) if !r.size_flexible => 1,
        Buy::Reserve(_) => 2,
        Buy::Subscribe(_) => 3,
    }
}

/// The offers of a search with what the search needs to know of each.
#[derive(Clone, Debug)]
pub struct Space {
    /// The offers, in the file's (or the defaults') order.
    pub offers: Vec<Prepared>,
    /// The strategy portfolios add to (entries before the offers').
    base: Option<Strategy>,
}

impl Space {
    /// Prepares the offers against a layout, each bounded by its `max_count` (0 when the
    /// search trials' usage is to bound it).
    pub fn new(
        ctx: &Context<'_>,
        offers: &[Offer],
        base: Option<&Strategy>,
    ) -> Result<Space, crate::purchase::LayoutError> {
        let s = ctx.scenario;
        let mut prepared = Vec::with_capacity(offers.len());
        for offer in offers {
            let mut one = Strategy {
                name: "one".to_string(),
                reserves: Vec::new(),
                subscribes: Vec::new(),
            };
            let (units, cells_of) = match &offer.buy {
                Buy::Reserve(r) => {
                    one.reserves.push(Reserve {
                        count: 1,
                        ..r.clone()
                    });
                    (s.types[r.instance_type].units_scaled, None)
                }
                Buy::Subscribe(sub) => {
                    one.subscribes.push(Subscribe {
                        count: 1,
                        ..sub.clone()
                    });
                    (
                        s.types[sub.instance_type].units_scaled,
                        Some(ctx.layout.cell(sub.instance_type, sub.zone)),
                    )
                }
            };
            let plan = Plan::new(ctx, &one)?;
            // What the purchase pays on its first day: its upfront payment, first instalment or
            // first fee; not hourly fees, nor renewals.
            let day_end = s.start + DAY;
            let first_day: Vec<Amount> = plan
                .charges
                .iter()
                .filter(|c| {
                    matches!(
                        c.kind,
                        ChargeKind::Upfront | ChargeKind::Instalment | ChargeKind::SubscriptionFee
                    ) && matches!(c.target, Target::Purchase { period: 0, .. })
                        && c.horizon == Horizon::Inside
                        && c.paid_at < day_end
                })
                .map(|c| c.amount)
                .collect();
            let mut each = ExactSum::default();
            for a in &first_day {
                each.add(*a)?;
            }
            let first_day_each = each.value()?;
            let cells = match cells_of {
                Some(cell) => cell.into_iter().collect(),
                None => plan
                    .pools
                    .iter()
                    .flat_map(|p| p.eligible.iter().map(|&c| c as usize))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            };
            let committed =
                plan.reserved_unit_seconds + plan.subscribed_seconds * u128::from(units);
            prepared.push(Prepared {
                label: label(s, &offer.buy),
                offer: offer.clone(),
                max_count: offer.max_count.unwrap_or(0),
                max_from_usage: offer.max_count.is_none(),
                first_day,
                first_day_each,
                committed,
                cells,
                units,
            });
        }
        Ok(Space {
            offers: prepared,
            base: base.cloned(),
        })
    }

    /// The number of portfolios (count vectors within the bounds), saturating.
    pub fn size(&self) -> u64 {
        self.offers
            .iter()
            .fold(1u64, |n, o| n.saturating_mul(u64::from(o.max_count) + 1))
    }

    /// The strategy of a portfolio: the base strategy's entries, then the offers bought.
    pub fn strategy(&self, name: &str, counts: &[u32]) -> Strategy {
        let offers: Vec<Offer> = self.offers.iter().map(|o| o.offer.clone()).collect();
        portfolio(name, self.base.as_ref(), &offers, counts)
    }

    /// Cash the offers of a portfolio pay on the first day (the base's is not counted: it is
    /// already held), exact.
    pub fn first_day_cash(&self, counts: &[u32]) -> Result<Decimal, Overflow> {
        let mut sum = ExactSum::default();
        for (o, &n) in self.offers.iter().zip(counts) {
            if n == 0 {
                continue;
            }
            for a in &o.first_day {
                let num = a.num.checked_mul(Decimal::from(n)).ok_or(Overflow)?;
                sum.add(Amount { num, den: a.den })?;
            }
        }
        sum.value()
    }

    /// Scaled unit-seconds the offers of a portfolio commit inside the horizon.
    pub fn committed(&self, counts: &[u32]) -> u128 {
        self.offers
            .iter()
            .zip(counts)
            .map(|(o, &n)| o.committed * u128::from(n))
            .sum()
    }

    /// True when two offers may cover the same cell (buying one can replace the other).
    pub fn overlap(&self, i: usize, j: usize) -> bool {
        self.offers[i]
            .cells
            .iter()
            .any(|c| self.offers[j].cells.contains(c))
    }
}
