//! `[recommend]`: what `capsim recommend` may buy and how it judges a portfolio (docs/spec.md,
//! section 12).

use super::fleet::{Fleet, FleetKind};
use super::read::{MAX_COUNT, MAX_PRICE, Table, thousands};
use super::strategy::{self, Context, Reserve, Strategy, Subscribe};
use super::types::InstanceType;
use super::{MAX_TRIALS, Scenario, lookup};
use crate::error::{ErrorKind, InputError};
use crate::profile::{Billing, Payment};
use crate::time::{Duration, HOUR, Instant};
use rust_decimal::Decimal;
use std::fmt;

/// What a portfolio is judged by: a statistic of `amortized_total` over the search trials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// The mean.
    Mean,
    /// The 90th percentile (type 7).
    P90,
    /// The 95th percentile (type 7).
    P95,
    /// The mean of the worst ceil(5% of N) totals.
    Cvar95,
}

impl Objective {
    /// Every objective's name, as the file writes it.
    pub const NAMES: [&'static str; 4] = ["mean", "p90", "p95", "cvar95"];
    /// Every objective, in the order of [`Objective::NAMES`].
    pub const ALL: [Objective; 4] = [
        Objective::Mean,
        Objective::P90,
        Objective::P95,
        Objective::Cvar95,
    ];
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = Objective::ALL
            .iter()
            .position(|o| o == self)
            .expect("listed");
        f.write_str(Objective::NAMES[i])
    }
}

/// What an offer buys: a reservation or a subscription, with count 0 and bought at the
/// scenario's start (a portfolio sets the count).
#[derive(Clone, Debug, PartialEq)]
pub enum Buy {
    /// A reservation.
    Reserve(Reserve),
    /// A subscription.
    Subscribe(Subscribe),
}

/// Something `capsim recommend` may buy, and how many at most.
#[derive(Clone, Debug, PartialEq)]
pub struct Offer {
    /// The reservation or subscription.
    pub buy: Buy,
    /// The most instances a portfolio may buy; `None` leaves it to the search trials' usage.
    pub max_count: Option<u32>,
}

/// The validated `[recommend]` table, defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommend {
    /// What portfolios are judged by.
    pub objective: Objective,
    /// Search trials (numbered 0 to `trials - 1`).
    pub trials: u32,
    /// Fresh trials of the out-of-sample check.
    pub check_trials: u32,
    /// True when the file sets `check_trials` (otherwise it follows `--trials`).
    pub check_trials_set: bool,
    /// The most cash a portfolio may pay on the first day, if bounded.
    pub max_upfront: Option<Decimal>,
    /// The strategy already held (an index into the scenario's strategies), if any.
    pub base: Option<usize>,
    /// Search every portfolio when there are at most this many.
    pub exhaustive_limit: u64,
    /// What may be bought, in order.
    pub offers: Vec<Offer>,
    /// True when `offers` are the defaults (no `[[recommend.offer]]`).
    pub default_offers: bool,
}

/// The most search trials by default: the scenario's trials when fewer.
pub const DEFAULT_TRIALS: u32 = 500;

/// `exhaustive_limit` when the file does not set it.
pub const DEFAULT_EXHAUSTIVE_LIMIT: u64 = 20_000;

/// The largest `exhaustive_limit`: every portfolio searched is billed on every search trial, so
/// a larger exhaustive search would not finish in a planner's day.
pub const MAX_EXHAUSTIVE_LIMIT: i64 = 10_000_000;

impl Recommend {
    /// The scenario's `[recommend]` settings, or the defaults when it has none.
    pub fn of(s: &Scenario) -> Recommend {
        match &s.recommend {
            Some(r) => r.clone(),
            None => {
                let trials = s.trials.min(DEFAULT_TRIALS);
                Recommend {
                    objective: Objective::Mean,
                    trials,
                    check_trials: trials,
                    check_trials_set: false,
                    max_upfront: None,
                    base: None,
                    exhaustive_limit: DEFAULT_EXHAUSTIVE_LIMIT,
                    offers: default_offers(s),
                    default_offers: true,
                }
            }
        }
    }
}

/// The offers when the file lists none (docs/spec.md, section 12; docs/decisions.md).
pub fn default_offers(s: &Scenario) -> Vec<Offer> {
    offers_for(&s.types, &s.fleets, &s.billing, s.start, s.end)
}

const KEYS: [&str; 7] = [
    "objective",
    "trials",
    "check_trials",
    "max_upfront",
    "base",
    "exhaustive_limit",
    "offer",
];

const OFFER_KEYS: [&str; 3] = ["reserve", "subscribe", "max_count"];

const RESERVE_KEYS: [&str; 6] = [
    "instance_type",
    "zone",
    "size_flexible",
    "term",
    "payment",
    "renew",
];

const SUBSCRIBE_KEYS: [&str; 4] = ["instance_type", "zone", "duration", "renew"];

/// What an offer holds, for messages.
const ONE_BUY: &str = "exactly one of reserve = { instance_type, term, payment, size_flexible, zone, renew } or subscribe = { instance_type, zone, duration, renew }, and optionally max_count";

/// Reads the optional `[recommend]` table; `trials` is the scenario's.
pub(super) fn read(
    root: &Table<'_>,
    cx: &Context<'_>,
    trials: u32,
    strategies: &[Strategy],
) -> Result<Option<Recommend>, InputError> {
    let Some(node) = root.get("recommend") else {
        return Ok(None);
    };
    let t = node.table_any("a [recommend] table")?;
    t.check_keys(&KEYS)?;
    let objective = match t.get("objective") {
        Some(n) => Objective::ALL[n.choice(&Objective::NAMES)?],
        None => Objective::Mean,
    };
    let trial_count = |key: &str| -> Result<Option<u32>, InputError> {
        let Some(n) = t.get(key) else {
            return Ok(None);
        };
        let what = format!(
            "a whole number of trials from 1 to {}",
            thousands(MAX_TRIALS)
        );
        let v = n.integer(1, MAX_TRIALS, &what)?;
        Ok(Some(u32::try_from(v).map_err(|_| n.out_of_range(&what))?))
    };
    let search_trials = trial_count("trials")?.unwrap_or(trials.min(DEFAULT_TRIALS));
    let check_trials = trial_count("check_trials")?.unwrap_or(search_trials);
    let max_upfront = t
        .get("max_upfront")
        .map(|n| n.money(MAX_PRICE))
        .transpose()?;
    let base = match t.get("base") {
        Some(n) => {
            let names: Vec<&str> = strategies.iter().map(|s| s.name.as_str()).collect();
            Some(lookup(
                &n,
                &names,
                "the name of one of the file's strategies",
                "the file has no [[strategy]] to start from",
            )?)
        }
        None => None,
    };
    let exhaustive_limit = match t.get("exhaustive_limit") {
        Some(n) => {
            let what = format!(
                "a whole number of portfolios from 1 to {}",
                thousands(MAX_EXHAUSTIVE_LIMIT)
            );
            let v = n.integer(1, MAX_EXHAUSTIVE_LIMIT, &what)?;
            u64::try_from(v).map_err(|_| n.out_of_range(&what))?
        }
        None => DEFAULT_EXHAUSTIVE_LIMIT,
    };
    let (offers, default_offers) = match t.get("offer") {
        Some(n) => {
            let items = n.array_of("a list of [[recommend.offer]] tables")?;
            if items.is_empty() {
                return Err(n.expected("at least one [[recommend.offer]]"));
            }
            let mut offers: Vec<Offer> = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let table = item.table_any("a [[recommend.offer]] table")?;
                let offer = read_offer(&table, cx)?;
                // A repeated offer only doubles the space searched.
                if let Some(j) = offers.iter().position(|o| o.buy == offer.buy) {
                    return Err(table.node().error(format!(
                        "found the same purchase as recommend.offer[{j}], expected each offer once (offer {i} would only double the portfolios searched; raise max_count instead)"
                    )));
                }
                offers.push(offer);
            }
            (offers, false)
        }
        None => (
            offers_for(cx.types, cx.fleets, cx.billing, cx.start, cx.end),
            true,
        ),
    };
    Ok(Some(Recommend {
        objective,
        trials: search_trials,
        check_trials,
        check_trials_set: t.get("check_trials").is_some(),
        max_upfront,
        base,
        exhaustive_limit,
        offers,
        default_offers,
    }))
}

/// Reads one `[[recommend.offer]]`.
fn read_offer(e: &Table<'_>, cx: &Context<'_>) -> Result<Offer, InputError> {
    e.check_keys(&OFFER_KEYS)?;
    let buy = match (e.get("reserve"), e.get("subscribe")) {
        (Some(_), Some(_)) => {
            return Err(e.conflict("subscribe", "reserve", &format!("expected {ONE_BUY}")));
        }
        (None, None) => {
            return Err(e
                .node()
                .error(format!(
                    "found an offer without \"reserve\" or \"subscribe\", expected {ONE_BUY}"
                ))
                .with_kind(ErrorKind::Missing));
        }
        (Some(r), None) => {
            Buy::Reserve(strategy::read_reserve(&r.table(&RESERVE_KEYS)?, cx, false)?)
        }
        (None, Some(s)) => Buy::Subscribe(strategy::read_subscribe(
            &s.table(&SUBSCRIBE_KEYS)?,
            cx,
            false,
        )?),
    };
    let max_count = match e.get("max_count") {
        Some(n) => {
            let what = format!("a whole number from 1 to {}", thousands(MAX_COUNT));
            let v = n.integer(1, MAX_COUNT, &what)?;
            Some(u32::try_from(v).map_err(|_| n.out_of_range(&what))?)
        }
        None => None,
    };
    Ok(Offer { buy, max_count })
}

/// The (type, zone) pairs the fleets run, in order of first appearance (fleets in file order,
/// a trace's rows in order).
fn cells(fleets: &[Fleet]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut add = |cell: (usize, usize)| {
        if !out.contains(&cell) {
            out.push(cell);
        }
    };
    for f in fleets {
        match &f.kind {
            FleetKind::Synthetic(s) => add((s.instance_type, s.zone)),
            FleetKind::Trace(t) => t.vms.iter().for_each(|v| add((v.instance_type, v.zone))),
        }
    }
    out
}

/// The default offers (docs/spec.md, section 12, first bullet; docs/decisions.md says how the
/// open points are settled).
fn offers_for(
    types: &[InstanceType],
    fleets: &[Fleet],
    billing: &Billing,
    start: Instant,
    end: Instant,
) -> Vec<Offer> {
    let cells = cells(fleets);
    let mut families: Vec<&str> = Vec::new();
    for &(ti, _) in &cells {
        let family = types[ti].family.as_str();
        if !families.contains(&family) {
            families.push(family);
        }
    }
    let mut offers = Vec::new();
    for family in families {
        let members: Vec<usize> = (0..types.len())
            .filter(|&i| types[i].family == family)
            .collect();
        // Terms no longer than the horizon, shortest first (ties: first priced in the file).
        let mut terms: Vec<(Duration, Instant)> = Vec::new();
        for &i in &members {
            for r in &types[i].reserved {
                if terms.iter().any(|(t, _)| *t == r.term) {
                    continue;
                }
                if let Some(term_end) = r.term.checked_after(start, billing.calendar_zone)
                    && term_end <= end
                {
                    terms.push((r.term, term_end));
                }
            }
        }
        terms.sort_by_key(|(_, term_end)| *term_end);
        for &(term, term_end) in &terms {
            let hours = Decimal::from(term_end - start) / Decimal::from(HOUR);
            for &payment in &billing.payments {
                if payment == Payment::Monthly && term.months().is_none() {
                    continue;
                }
                let mut best: Option<(Decimal, usize, Decimal, Decimal)> = None;
                for &i in &members {
                    let ty = &types[i];
                    let Some((upfront, hourly)) = ty
                        .reserved
                        .iter()
                        .find(|r| r.term == term)
                        .and_then(|r| r.price(payment))
                    else {
                        continue;
                    };
                    let per_unit = (upfront + hourly * hours) / ty.units;
                    // Strictly lower: a tie keeps the type first in the file.
                    if best.is_none_or(|(b, ..)| per_unit < b) {
                        best = Some((per_unit, i, upfront, hourly));
                    }
                }
                if let Some((_, ti, upfront, hourly)) = best {
                    offers.push(Offer {
                        buy: Buy::Reserve(Reserve {
                            instance_type: ti,
                            zone: None,
                            size_flexible: true,
                            count: 0,
                            term,
                            payment,
                            at: start,
                            renew: term_end < end,
                            upfront,
                            hourly,
                        }),
                        max_count: None,
                    });
                }
            }
        }
    }
    for &(ti, zone) in &cells {
        let Some(prices) = &types[ti].subscription else {
            continue;
        };
        let duration = if prices.monthly.is_some() {
            Duration::Months(1)
        } else {
            Duration::Months(12)
        };
        // A duration the rules forbid, or a licence setting that differs between the fleets
        // there, would be refused in a strategy: such a subscription is not offered.
        if !billing.subscription_durations.allows(duration)
            || (types[ti].license_hourly > Decimal::ZERO
                && strategy::licence_mix(ti, zone, fleets).is_some())
        {
            continue;
        }
        let Some(fee) = prices.fee(duration) else {
            continue;
        };
        offers.push(Offer {
            buy: Buy::Subscribe(Subscribe {
                instance_type: ti,
                zone,
                count: 0,
                duration,
                at: start,
                renew: true,
                fee,
            }),
            max_count: None,
        });
    }
    offers
}
