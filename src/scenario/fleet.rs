//! `[[fleet]]`: generated fleets with their arrivals and events, and replayed traces.

use super::dist::{Domain, Lifetime, Param, Var};
use super::read::{MAX_COUNT, Node, Table, thousands};
use super::types::InstanceType;
use super::{Loader, lookup, named_items, schedule, zone_index};
use crate::error::{ErrorKind, InputError};
use crate::profile::Billing;
use crate::time::{self, Instant};
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
    /// Index into [`Scenario::types`](super::Scenario::types).
    pub instance_type: usize,
    /// Index into [`Scenario::zones`](super::Scenario::zones).
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
    /// How the always-on count grows, when it does (`grow_baseline`).
    pub baseline_growth: Option<BaselineGrowth>,
    /// Extra VMs at set local hours (`[[fleet.schedule]]`).
    pub schedules: Vec<Schedule>,
}

/// The yearly growth the always-on VMs follow.
#[derive(Clone, Debug, PartialEq)]
pub enum BaselineGrowth {
    /// The trial's draw of `arrivals.growth_per_year` (`grow_baseline = true`).
    Arrivals,
    /// A rate of its own (`grow_baseline = 0.2`, a distribution or `"$name"`).
    Own(Param),
}

/// Extra always-on VMs during set local days and hours.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// How many VMs run in addition during each window.
    pub extra: Param,
    /// The windows within the horizon, in time order: `[from, to)` instants.
    pub windows: Arc<Vec<(Instant, Instant)>>,
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
    /// Happens exactly in the trials where this variable of `[vars]` is non-zero (`when`),
    /// instead of by `probability`.
    pub when: Option<usize>,
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
    /// Index into [`Scenario::types`](super::Scenario::types).
    pub instance_type: usize,
    /// Index into [`Scenario::zones`](super::Scenario::zones).
    pub zone: usize,
    /// First running second.
    pub start: Instant,
    /// First second not running.
    pub end: Instant,
}

const FLEET_KEYS: [&str; 12] = [
    "name",
    "instance_type",
    "zone",
    "baseline",
    "grow_baseline",
    "schedule",
    "hybrid_benefit",
    "warm_start",
    "arrivals",
    "lifetime",
    "event",
    "trace",
];

/// What the fleets are read against: the sections read before them.
pub(super) struct Context<'a> {
    /// The instance types.
    pub types: &'a [InstanceType],
    /// The horizon `[start, end)`.
    pub window: (Instant, Instant),
    /// The billing rules (the calendar of `at`).
    pub billing: &'a Billing,
    /// The zone of the patterns and schedules.
    pub timezone: &'a time::DemandZone,
    /// The shared variables.
    pub vars: &'a [Var],
    /// Reads trace and lifetime files.
    pub loader: &'a Loader,
}

/// Reads the `[[fleet]]` tables; zones are added to `zones` in order of first appearance.
pub(super) fn read(
    root: &Table<'_>,
    cx: &Context<'_>,
    zones: &mut Vec<String>,
    missing: &dyn Fn(&str, &str) -> InputError,
) -> Result<Vec<Fleet>, InputError> {
    let Context {
        types,
        window: (start, end),
        billing,
        timezone,
        vars,
        loader,
    } = *cx;
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
    let mut vms = Volume::default();
    let mut windows: u64 = 0;
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
            let replayed = file.resolve(&type_names, zones, &trace_node)?;
            vms.add_long_lived(replayed.len() as f64, &trace_node, "a trace of")?;
            fleets.push(Fleet {
                name,
                hybrid_benefit,
                kind: FleetKind::Trace(Trace {
                    file: file.path.clone(),
                    vms: Arc::new(replayed),
                }),
            });
            continue;
        }
        let type_node = t.req(
            "instance_type",
            "the fleet's instance type (or trace = \"file.csv\" to replay a trace)",
        )?;
        let instance_type = lookup(
            &type_node,
            &type_names,
            "one of the instance types",
            "the scenario has no instance type",
        )?;
        let zone_name = match t.get("zone") {
            Some(n) => n.name()?.to_string(),
            None => "default".to_string(),
        };
        let zone = zone_index(zones, &zone_name);
        let baseline = match t.get("baseline") {
            Some(n) => Param::read(&n, Domain::Count, vars)?,
            None => Param::fixed(0.0, Domain::Count),
        };
        let warm_start = t
            .get("warm_start")
            .map(|n| n.bool())
            .transpose()?
            .unwrap_or(true);
        let arrivals = t
            .get("arrivals")
            .map(|n| read_arrivals(&n, vars))
            .transpose()?;
        let lifetime = match t.get("lifetime") {
            Some(n) => {
                let table = n.table_any(
                    "a table such as { dist = \"lognormal\", median = \"6h\", sigma = 1.2 }",
                )?;
                Some(Lifetime::read(&table, vars, |file| loader.empirical(file))?)
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
                let e = item.table(&[
                    "at",
                    "add",
                    "remove",
                    "rate_multiplier",
                    "probability",
                    "when",
                ])?;
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
                        vars,
                    )?),
                    ["remove"] => EventAction::Remove(Param::read(
                        &e.get("remove").expect("present"),
                        Domain::Count,
                        vars,
                    )?),
                    [_] => {
                        let n = e.get("rate_multiplier").expect("present");
                        if arrivals.is_none() {
                            return Err(n.error(
                                "found a rate_multiplier on a fleet without [fleet.arrivals], expected arrivals for it to multiply",
                            ));
                        }
                        EventAction::RateMultiplier(Param::read(&n, Domain::Multiplier, vars)?)
                    }
                    [first, second, ..] => {
                        return Err(e.conflict(
                            second,
                            first,
                            "expected exactly one of add, remove or rate_multiplier per event",
                        ));
                    }
                };
                if e.has("when") && e.has("probability") {
                    return Err(e.conflict(
                        "when",
                        "probability",
                        "expected one of them: when = \"name\" makes the event happen exactly where the variable is non-zero",
                    ));
                }
                let probability = match e.get("probability") {
                    Some(n) => Param::read(&n, Domain::Probability, vars)?,
                    None => Param::fixed(1.0, Domain::Probability),
                };
                let when = e.get("when").map(|n| read_when(&n, vars)).transpose()?;
                events.push(FleetEvent {
                    at,
                    action,
                    probability,
                    when,
                });
            }
        }
        let baseline_growth = match t.get("grow_baseline") {
            None => None,
            Some(n) if n.is_bool() => match (n.bool()?, &arrivals) {
                (false, _) => None,
                (true, Some(_)) => Some(BaselineGrowth::Arrivals),
                (true, None) => {
                    return Err(n.error(
                        "found grow_baseline = true on a fleet without [fleet.arrivals], expected a yearly growth rate of its own such as grow_baseline = 0.2 or \"$growth\" (true follows arrivals.growth_per_year)",
                    ));
                }
            },
            Some(n) => Some(BaselineGrowth::Own(Param::read(&n, Domain::Growth, vars)?)),
        };
        let schedules = match t.get("schedule") {
            Some(n) => schedule::read(&n, (start, end), timezone, vars, &mut windows)?,
            None => Vec::new(),
        };
        let syn = Synthetic {
            instance_type,
            zone,
            baseline,
            warm_start,
            arrivals,
            lifetime,
            events,
            baseline_growth,
            schedules,
        };
        let largest_growth = match &syn.baseline_growth {
            None => 0.0,
            Some(BaselineGrowth::Arrivals) => syn
                .arrivals
                .as_ref()
                .map_or(0.0, |a| a.growth_per_year.max()),
            Some(BaselineGrowth::Own(p)) => p.max(),
        };
        let years = (end - start) as f64 / time::YEAR_SECONDS as f64;
        let grown = syn.baseline.max() * (1.0 + largest_growth.max(0.0)).powf(years);
        let long_lived = grown
            + syn.schedules.iter().map(|s| s.extra.max()).sum::<f64>()
            + syn
                .events
                .iter()
                .map(|e| match &e.action {
                    EventAction::Add(p) => p.max(),
                    _ => 0.0,
                })
                .sum::<f64>();
        if long_lived > MAX_COUNT as f64 {
            return Err(t
                .node()
                .error(format!(
                    "found a baseline (grown over the horizon), adds and scheduled extras that may reach {} long-lived VMs, expected at most {} in one fleet",
                    count_text(long_lived),
                    thousands(MAX_COUNT)
                ))
                .with_kind(ErrorKind::OutOfRange));
        }
        vms.add_long_lived(long_lived, t.node(), "a baseline and adds of")?;
        if let Some(a) = &syn.arrivals {
            let bound = arrival_bound(&syn, a, start, end);
            vms.add_arrivals(bound, &t.get("arrivals").expect("read"))?;
        }
        fleets.push(Fleet {
            name,
            hybrid_benefit,
            kind: FleetKind::Synthetic(Box::new(syn)),
        });
    }
    Ok(fleets)
}

/// The most long-lived VMs (baselines, adds and trace rows) of all fleets together.
pub const MAX_LONG_LIVED_VMS: f64 = 100_000_000.0;

/// The most VMs that may arrive in a trial, across all fleets: the largest mean number of
/// arrivals, each uncertain number at its largest value.
pub const MAX_ARRIVALS: f64 = 100_000_000.0;

/// Billing hours in a year of 365.25 days.
const HOURS_PER_YEAR: f64 = (time::YEAR_SECONDS / time::HOUR) as f64;

/// The VMs of the fleets read so far, against the scenario's limits.
#[derive(Default)]
struct Volume {
    long_lived: f64,
    arrivals: f64,
}

impl Volume {
    fn add_long_lived(&mut self, n: f64, node: &Node<'_>, what: &str) -> Result<(), InputError> {
        self.long_lived += n;
        if self.long_lived > MAX_LONG_LIVED_VMS {
            return Err(node
                .error(format!(
                    "found {what} {} VMs, which bring the fleets' long-lived VMs to {}, expected at most 100,000,000 across all fleets",
                    count_text(n),
                    count_text(self.long_lived)
                ))
                .with_kind(ErrorKind::OutOfRange));
        }
        Ok(())
    }

    fn add_arrivals(&mut self, bound: f64, node: &Node<'_>) -> Result<(), InputError> {
        self.arrivals += bound;
        if self.arrivals.is_nan() || self.arrivals > MAX_ARRIVALS {
            let before = self.arrivals - bound;
            let others = if before > 0.0 {
                format!(", {} with the fleets before it", count_text(self.arrivals))
            } else {
                String::new()
            };
            return Err(node.error(format!(
                "found arrivals whose mean may reach {} VMs in a trial{others}, expected at most 100,000,000 a trial across all fleets (counting rate_per_hour, the weights, rate multipliers and growth_per_year at their largest, over the horizon and the warm-up): lower them or shorten the horizon",
                count_text(bound)
            ))
            .with_kind(ErrorKind::OutOfRange));
        }
        Ok(())
    }
}

/// A count for a message: whole with separators, or in scientific notation when huge.
fn count_text(n: f64) -> String {
    if n < 1e15 {
        thousands(n.ceil() as i64)
    } else {
        format!("{n:.1e}")
    }
}

/// The largest mean number of arrivals of a fleet in a trial: every uncertain number at its
/// largest, every rate multiplier applied from the start, and the growth integrated over the
/// warm-up and the horizon.
fn arrival_bound(syn: &Synthetic, a: &Arrivals, start: Instant, end: Instant) -> f64 {
    let rate = a.rate_per_hour.max();
    let peak = (0..168)
        .map(|k| a.diurnal[k % 24].max() * a.weekly[k / 24].max())
        .fold(0.0, f64::max);
    if rate * peak == 0.0 {
        return 0.0;
    }
    let multipliers: f64 = syn
        .events
        .iter()
        .map(|e| match &e.action {
            EventAction::RateMultiplier(p) => p.max().max(1.0),
            _ => 1.0,
        })
        .product();
    let warmup = if syn.warm_start {
        syn.lifetime.as_ref().map_or(0.0, warmup_bound)
    } else {
        0.0
    };
    let before = warmup / time::HOUR as f64;
    let after = (end - start) as f64 / time::HOUR as f64;
    // The growth factor (1 + g)^t, t in hours from start over hours a year: before start it
    // is largest at the lowest growth, after start at the highest.
    let (low, high) = (
        (1.0 + a.growth_per_year.min()).ln().min(0.0) / HOURS_PER_YEAR,
        (1.0 + a.growth_per_year.max()).ln().max(0.0) / HOURS_PER_YEAR,
    );
    // The integral of e^(l t) from `from` to `to`; near l = 0, where the closed form loses
    // its digits, the length times the largest factor bounds it.
    let integral = |l: f64, from: f64, to: f64| -> f64 {
        if l == 0.0 {
            to - from
        } else if (l * (to - from)).abs() < 1e-6 {
            (to - from) * (l * to).exp().max((l * from).exp())
        } else {
            ((l * to).exp() - (l * from).exp()) / l
        }
    };
    let largest = (-low * before).exp().max((high * after).exp());
    // Hours are charged at their first second's factor: two more hours at the largest
    // factor cover that and the partial hours at both ends.
    let hours = integral(low, -before, 0.0) + integral(high, 0.0, after) + 2.0 * largest;
    rate * peak * multipliers * hours
}

/// The longest warm-up of a fleet, in seconds: ten mean lifetimes (the largest value of an
/// empirical one), at most a year, each parameter at its largest.
fn warmup_bound(l: &Lifetime) -> f64 {
    use statrs::function::gamma::gamma;
    let basis = match l {
        Lifetime::Exponential { mean } => mean.max(),
        Lifetime::LogNormal { median, sigma } => median.max() * (sigma.max().powi(2) / 2.0).exp(),
        Lifetime::Weibull { shape, scale } => {
            // Gamma(1 + 1/k) is log-convex in 1/k, so its largest value is at an end.
            scale.max() * gamma(1.0 + 1.0 / shape.min()).max(gamma(1.0 + 1.0 / shape.max()))
        }
        Lifetime::Uniform { low, high } => (low.max() + high.max()) / 2.0,
        Lifetime::Fixed { value } => value.max(),
        Lifetime::Empirical { seconds } => seconds.iter().copied().fold(0.0, f64::max),
    };
    (10.0 * basis + 1.0).min(time::YEAR_SECONDS as f64)
}

/// Reads `when = "name"`: the index of a variable of `[vars]` (a leading `$` is allowed).
fn read_when(node: &Node<'_>, vars: &[Var]) -> Result<usize, InputError> {
    let text = node.str()?;
    let name = text.strip_prefix('$').unwrap_or(text);
    if let Some(i) = vars.iter().position(|v| v.name == name) {
        use super::dist::ParamValue;
        // A continuous variable is non-zero in nearly every trial: such a `when` would be an
        // event that always happens, written as if it did not.
        return match vars[i].value.value {
            ParamValue::Choice { .. } | ParamValue::Fixed(_) => Ok(i),
            _ => Err(node.expected(format!(
                "a choice variable (or a fixed number): when = \"name\" happens where the variable is non-zero, which \"{name}\", a continuous distribution, nearly always is"
            ))),
        };
    }
    let names: Vec<&str> = vars.iter().map(|v| v.name.as_str()).collect();
    let mut message = if names.is_empty() {
        format!(
            "found {}, but the scenario has no [vars] table: when = \"name\" names a variable of [vars]",
            node.found()
        )
    } else {
        format!(
            "found {}, expected a variable of [vars]: {}",
            node.found(),
            super::read::one_of(&names)
        )
    };
    if let Some(near) = super::read::did_you_mean(name, &names) {
        message.push_str(&format!("; did you mean \"{near}\"?"));
    }
    Err(node.error(message).with_kind(ErrorKind::Reference))
}

fn read_arrivals(node: &Node<'_>, vars: &[Var]) -> Result<Arrivals, InputError> {
    let a = node.table(&["rate_per_hour", "diurnal", "weekly", "growth_per_year"])?;
    let rate_per_hour = Param::read(
        &a.req("rate_per_hour", "the mean number of VMs arriving per hour")?,
        Domain::Rate,
        vars,
    )?;
    let weights = |key: &str, len: usize, what: &str| -> Result<Vec<Param>, InputError> {
        match a.get(key) {
            None => Ok(vec![Param::fixed(1.0, Domain::Weight); len]),
            Some(n) => {
                let expected = format!("a list of {len} weights from 0 to 1,000, {what}");
                let items = n.array_of(&expected)?;
                if items.len() != len {
                    return Err(n.expected(expected));
                }
                items
                    .iter()
                    .map(|item| Param::read(item, Domain::Weight, vars))
                    .collect()
            }
        }
    };
    Ok(Arrivals {
        rate_per_hour,
        diurnal: weights("diurnal", 24, "one for each local hour from 0 to 23")?,
        weekly: weights("weekly", 7, "one for each weekday from Monday to Sunday")?,
        growth_per_year: match a.get("growth_per_year") {
            Some(n) => Param::read(&n, Domain::Growth, vars)?,
            None => Param::fixed(0.0, Domain::Growth),
        },
    })
}
