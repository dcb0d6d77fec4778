//! `[[fleet]]`: generated fleets with their arrivals and events, and replayed traces.

use super::dist::{Domain, Lifetime, Param};
use super::read::{Node, Table};
use super::types::InstanceType;
use super::{Loader, lookup, named_items, zone_index};
use crate::error::InputError;
use crate::profile::Billing;
use crate::time::Instant;
use std::path::PathBuf;
use std::sync::Arc;

/// A fleet of VMs.
#[derive(Clone, Debug, PartialEq)]
pub struct Fleet {
    /// Name.
    pub name: String,
    /// The licence (`license_hourly`) is brought, not charged.
    pub hybrid_benefit: bool,
    /// Generated or replayed.
    pub kind: FleetKind,
}

/// Where a fleet's VMs come from.
#[derive(Clone, Debug, PartialEq)]
pub enum FleetKind {
    /// Baseline VMs, Poisson arrivals and events.
    Synthetic(Box<Synthetic>),
    /// Replayed from a trace file.
    Trace(Trace),
}

/// A generated fleet of one instance type in one zone.
#[derive(Clone, Debug, PartialEq)]
pub struct Synthetic {
    /// Index into [`Scenario::types`].
    pub instance_type: usize,
    /// Index into [`Scenario::zones`].
    pub zone: usize,
    /// Always-on VMs.
    pub baseline: Param,
    /// Start with the short-lived VMs that are already running.
    pub warm_start: bool,
    /// Poisson arrivals of short-lived VMs.
    pub arrivals: Option<Arrivals>,
    /// Lifetimes of arriving VMs.
    pub lifetime: Option<Lifetime>,
    /// Adds, removes and rate changes.
    pub events: Vec<FleetEvent>,
}

/// Poisson arrivals with daily and weekly patterns and growth.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrivals {
    /// Mean arrivals per hour before patterns and growth.
    pub rate_per_hour: Param,
    /// 24 weights by local hour.
    pub diurnal: Vec<Param>,
    /// 7 weights by local weekday, Monday first.
    pub weekly: Vec<Param>,
    /// Compound yearly growth of the rate.
    pub growth_per_year: Param,
}

/// A change to a fleet at an instant, happening in a share of trials.
#[derive(Clone, Debug, PartialEq)]
pub struct FleetEvent {
    /// When.
    pub at: Instant,
    /// What.
    pub action: EventAction,
    /// Share of trials in which it happens.
    pub probability: Param,
}

/// What a fleet event does.
#[derive(Clone, Debug, PartialEq)]
pub enum EventAction {
    /// Long-lived VMs added, running to the horizon's end.
    Add(Param),
    /// The oldest long-lived VMs stopped.
    Remove(Param),
    /// The arrival rate multiplied from the first hour starting at or after `at`.
    RateMultiplier(Param),
}

/// A replayed fleet.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// The trace file.
    pub file: PathBuf,
    /// Its VMs, unclipped.
    pub vms: Arc<Vec<TraceVm>>,
}

/// One row of a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceVm {
    /// Index into [`Scenario::types`].
    pub instance_type: usize,
    /// Index into [`Scenario::zones`].
    pub zone: usize,
    /// First running second.
    pub start: Instant,
    /// First second not running.
    pub end: Instant,
}

const FLEET_KEYS: [&str; 10] = [
    "name",
    "instance_type",
    "zone",
    "baseline",
    "hybrid_benefit",
    "warm_start",
    "arrivals",
    "lifetime",
    "event",
    "trace",
];

/// Reads the `[[fleet]]` tables; zones are added to `zones` in order of first appearance.
pub(super) fn read(
    root: &Table<'_>,
    types: &[InstanceType],
    zones: &mut Vec<String>,
    start: Instant,
    billing: &Billing,
    loader: &Loader,
    missing: &dyn Fn(&str, &str) -> InputError,
) -> Result<Vec<Fleet>, InputError> {
    let items = named_items(
        root,
        "fleet",
        &FLEET_KEYS,
        "the fleet's name such as \"web\"",
    )?;
    if items.is_empty() {
        return Err(missing("[[fleet]]", "at least one fleet of VMs"));
    }
    let type_names: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
    let mut fleets = Vec::with_capacity(items.len());
    for (name, t) in items {
        let hybrid_benefit = t
            .get("hybrid_benefit")
            .map(|n| n.bool())
            .transpose()?
            .unwrap_or(false);
        if let Some(trace_node) = t.get("trace") {
            for key in FLEET_KEYS {
                if !matches!(key, "name" | "trace" | "hybrid_benefit") && t.has(key) {
                    return Err(t.get(key).expect("present").error(format!(
                        "found \"{key}\" in a trace fleet, expected only name, trace and hybrid_benefit: the trace gives its VMs' types, zones and times"
                    )));
                }
            }
            let file = loader.trace(&trace_node)?;
            let vms = file.resolve(&type_names, zones, &trace_node)?;
            fleets.push(Fleet {
                name,
                hybrid_benefit,
                kind: FleetKind::Trace(Trace {
                    file: file.path.clone(),
                    vms: Arc::new(vms),
                }),
            });
            continue;
        }
        let type_node = t.req(
            "instance_type",
            "the fleet's instance type (or trace = \"file.csv\" to replay a trace)",
        )?;
        let instance_type = lookup(&type_node, &type_names, "one of the instance types")?;
        let zone_name = match t.get("zone") {
            Some(n) => n.name()?.to_string(),
            None => "default".to_string(),
        };
        let zone = zone_index(zones, &zone_name);
        let baseline = match t.get("baseline") {
            Some(n) => Param::read(&n, Domain::Count)?,
            None => Param::fixed(0.0, Domain::Count),
        };
        let warm_start = t
            .get("warm_start")
            .map(|n| n.bool())
            .transpose()?
            .unwrap_or(true);
        let arrivals = t.get("arrivals").map(|n| read_arrivals(&n)).transpose()?;
        let lifetime = match t.get("lifetime") {
            Some(n) => {
                let table = n.table_any(
                    "a table such as { dist = \"lognormal\", median = \"6h\", sigma = 1.2 }",
                )?;
                Some(Lifetime::read(&table, |file| loader.empirical(file))?)
            }
            None => None,
        };
        if arrivals.is_some() && lifetime.is_none() {
            return Err(t.node().error(
                "found [fleet.arrivals] without [fleet.lifetime], expected a lifetime for the arriving VMs, e.g. lifetime = { dist = \"exponential\", mean = \"6h\" }",
            ));
        }
        let mut events = Vec::new();
        if let Some(n) = t.get("event") {
            for item in n.array_of("a list of [[fleet.event]] tables")? {
                let e = item.table(&["at", "add", "remove", "rate_multiplier", "probability"])?;
                let at = e
                    .req("at", "when it happens: a duration from start such as \"6mo\" or an RFC 3339 instant")?
                    .at(start, billing.calendar_zone)?;
                let actions: Vec<&str> = ["add", "remove", "rate_multiplier"]
                    .into_iter()
                    .filter(|k| e.has(k))
                    .collect();
                let action = match actions.as_slice() {
                    [] => {
                        return Err(e.node().error(
                            "found no action, expected one of add = N, remove = N or rate_multiplier = X",
                        ));
                    }
                    ["add"] => EventAction::Add(Param::read(
                        &e.get("add").expect("present"),
                        Domain::Count,
                    )?),
                    ["remove"] => EventAction::Remove(Param::read(
                        &e.get("remove").expect("present"),
                        Domain::Count,
                    )?),
                    [_] => {
                        let n = e.get("rate_multiplier").expect("present");
                        if arrivals.is_none() {
                            return Err(n.error(
                                "found a rate_multiplier on a fleet without [fleet.arrivals], expected arrivals for it to multiply",
                            ));
                        }
                        EventAction::RateMultiplier(Param::read(&n, Domain::NonNegative)?)
                    }
                    [first, second, ..] => {
                        return Err(e.conflict(
                            second,
                            first,
                            "expected exactly one of add, remove or rate_multiplier per event",
                        ));
                    }
                };
                let probability = match e.get("probability") {
                    Some(n) => Param::read(&n, Domain::Probability)?,
                    None => Param::fixed(1.0, Domain::Probability),
                };
                events.push(FleetEvent {
                    at,
                    action,
                    probability,
                });
            }
        }
        fleets.push(Fleet {
            name,
            hybrid_benefit,
            kind: FleetKind::Synthetic(Box::new(Synthetic {
                instance_type,
                zone,
                baseline,
                warm_start,
                arrivals,
                lifetime,
                events,
            })),
        });
    }
    Ok(fleets)
}

fn read_arrivals(node: &Node<'_>) -> Result<Arrivals, InputError> {
    let a = node.table(&["rate_per_hour", "diurnal", "weekly", "growth_per_year"])?;
    let rate_per_hour = Param::read(
        &a.req("rate_per_hour", "the mean number of VMs arriving per hour")?,
        Domain::NonNegative,
    )?;
    let weights = |key: &str, len: usize, what: &str| -> Result<Vec<Param>, InputError> {
        match a.get(key) {
            None => Ok(vec![Param::fixed(1.0, Domain::NonNegative); len]),
            Some(n) => {
                let expected = format!("a list of {len} weights >= 0, {what}");
                let items = n.array_of(&expected)?;
                if items.len() != len {
                    return Err(n.expected(expected));
                }
                items
                    .iter()
                    .map(|item| Param::read(item, Domain::NonNegative))
                    .collect()
            }
        }
    };
    Ok(Arrivals {
        rate_per_hour,
        diurnal: weights("diurnal", 24, "one for each local hour from 0 to 23")?,
        weekly: weights("weekly", 7, "one for each weekday from Monday to Sunday")?,
        growth_per_year: match a.get("growth_per_year") {
            Some(n) => Param::read(&n, Domain::Growth)?,
            None => Param::fixed(0.0, Domain::Growth),
        },
    })
}
