//! The scenario file (docs/spec.md, section 3): read once into validated types, with one clear error
//! per problem.

pub mod dist;
pub mod read;
pub mod sweep;

use crate::billing::profile::{Billing, Payment, Profile, SubscriptionDurations, Window};
use crate::error::InputError;
use crate::fleet::trace;
use crate::time::{self, DemandZone, Duration, Instant};
use dist::{Domain, Lifetime, Param};
use read::{Node, Source, Table, did_you_mean, one_of};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::de::DeTable;

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The scenario file.
    pub file: PathBuf,
    /// `[scenario] name`: the output folder's name.
    pub name: String,
    /// First second of the simulated window.
    pub start: Instant,
    /// First second after the simulated window.
    pub end: Instant,
    /// The horizon as written.
    pub horizon: Duration,
    /// Default number of trials.
    pub trials: u32,
    /// Default seed.
    pub seed: u64,
    /// Currency of every amount (ISO 4217 code).
    pub currency: String,
    /// Zone of the diurnal and weekly patterns.
    pub timezone: DemandZone,
    /// The zone as written.
    pub timezone_name: String,
    /// Yearly discount rate for NPV.
    pub discount_rate: Decimal,
    /// Billing rules in force.
    pub billing: Billing,
    /// Instance types, in the file's order.
    pub types: Vec<InstanceType>,
    /// Zones named by fleets and traces, in order of first appearance.
    pub zones: Vec<String>,
    /// Fleets, in the file's order.
    pub fleets: Vec<Fleet>,
    /// Purchase strategies, in the file's order (the `payg` baseline is implicit).
    pub strategies: Vec<Strategy>,
    /// Units are held as integers of `1 / unit_scale` (e.g. 100 when a type has 0.25 units).
    pub unit_scale: u64,
    /// The `[sweep]` grid, empty when there is none.
    pub sweep: Vec<sweep::Axis>,
    /// The file's text and tree, kept so that sweep points can be built from it.
    pub(crate) raw: Arc<Raw>,
}

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

/// The parsed file, kept for building sweep points.
#[derive(Debug)]
pub(crate) struct Raw {
    pub(crate) source: Source,
    pub(crate) table: DeTable<'static>,
    pub(crate) span: std::ops::Range<usize>,
}

impl Scenario {
    /// Reads and validates a scenario file, its traces and its `[sweep]`.
    pub fn load(path: impl AsRef<Path>) -> Result<Scenario, InputError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| {
            InputError::file(
                path,
                format!("cannot read the scenario file: {}", io_reason(&e)),
            )
        })?;
        Scenario::from_bytes(path, bytes)
    }

    /// Reads and validates a scenario from its bytes; `path` names it and anchors relative paths.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Scenario, InputError> {
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let source = Source::new(path, String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned());
            let (line, col) = source.position(valid);
            InputError {
                file: path.to_path_buf(),
                location: Some((line, col)),
                path: None,
                message: format!(
                    "found a byte that is not UTF-8 (byte {valid} of the file), expected a UTF-8 text file"
                ),
            }
        })?;
        if text.trim().is_empty() {
            return Err(InputError::file(
                path,
                "found an empty file, expected a scenario with [scenario], [[instance_type]], [[fleet]] and [[strategy]] tables",
            ));
        }
        let source = Source::new(path, text);
        let parsed = DeTable::parse(source.text()).map_err(|e| {
            let message = e.message().lines().next().unwrap_or("").trim().to_string();
            source.error(e.span(), "", format!("found invalid TOML: {message}"))
        })?;
        let span = parsed.span();
        let table = parsed.into_inner();
        let raw = Arc::new(Raw {
            source,
            table,
            span,
        });
        let loader = Loader::new(path);
        let mut scenario = build(&raw, &raw.table, &loader)?;
        scenario.sweep = sweep::read(&scenario, &loader)?;
        Ok(scenario)
    }
}

/// A human reason for an I/O failure, without Rust's error codes.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "it is a folder".to_string(),
        _ => {
            let text = e.to_string();
            text.split(" (os error")
                .next()
                .unwrap_or(&text)
                .to_lowercase()
        }
    }
}

fn base_dir(file: &Path) -> PathBuf {
    file.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Reads the files a scenario refers to, once each (a sweep builds many points from one file).
pub(crate) struct Loader {
    base: PathBuf,
    traces: std::sync::Mutex<HashMap<PathBuf, Arc<trace::TraceFile>>>,
    empirical: std::sync::Mutex<HashMap<PathBuf, Arc<Vec<f64>>>>,
}

impl Loader {
    pub(crate) fn new(scenario: &Path) -> Loader {
        Loader {
            base: base_dir(scenario),
            traces: Default::default(),
            empirical: Default::default(),
        }
    }

    fn resolve(&self, relative: &str) -> PathBuf {
        self.base.join(relative)
    }

    fn read_text(&self, node: &Node<'_>, what: &str) -> Result<(PathBuf, String), InputError> {
        let relative = node.name()?;
        let path = self.resolve(relative);
        let bytes = std::fs::read(&path).map_err(|e| {
            node.error(format!(
                "found {}, but {} cannot be read ({}); expected the path of {what}, relative to the scenario file",
                node.found(),
                path.display(),
                io_reason(&e)
            ))
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            node.error(format!(
                "found {}, but {} is not UTF-8 text (byte {}); expected {what}",
                node.found(),
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
        Ok((path, text))
    }

    fn trace(&self, node: &Node<'_>) -> Result<Arc<trace::TraceFile>, InputError> {
        let path = self.resolve(node.name()?);
        if let Some(t) = self.traces.lock().expect("not poisoned").get(&path) {
            return Ok(t.clone());
        }
        let parsed = Arc::new(trace::read(&path, node)?);
        self.traces
            .lock()
            .expect("not poisoned")
            .insert(path, parsed.clone());
        Ok(parsed)
    }

    fn empirical(&self, node: &Node<'_>) -> Result<Vec<f64>, InputError> {
        let path = self.resolve(node.name()?);
        if let Some(t) = self.empirical.lock().expect("not poisoned").get(&path) {
            return Ok(t.as_ref().clone());
        }
        let (path, text) = self.read_text(node, "a file of lifetimes, one duration per line")?;
        let parsed = dist::parse_empirical(&path, &text)?;
        self.empirical
            .lock()
            .expect("not poisoned")
            .insert(path, Arc::new(parsed.clone()));
        Ok(parsed)
    }
}

const ROOT_KEYS: [&str; 6] = [
    "scenario",
    "billing",
    "instance_type",
    "fleet",
    "strategy",
    "sweep",
];

/// Builds a validated scenario from a (possibly patched) tree.
pub(crate) fn build(
    raw: &Arc<Raw>,
    table: &DeTable<'static>,
    loader: &Loader,
) -> Result<Scenario, InputError> {
    let src = &raw.source;
    let root_value = toml::Spanned::new(raw.span.clone(), toml::de::DeValue::Table(table.clone()));
    let root_node = Node::new(src, String::new(), &root_value);
    let root = root_node.table(&ROOT_KEYS)?;
    let missing = |key: &str, what: &str| {
        src.error(
            None,
            "",
            format!("missing the {key} table, expected {what}"),
        )
    };

    let billing = read_billing(root.get("billing").as_ref())?;

    let scenario_node = root
        .get("scenario")
        .ok_or_else(|| missing("[scenario]", "its name, start and horizon"))?;
    let sc = scenario_node.table(&[
        "name",
        "start",
        "horizon",
        "trials",
        "seed",
        "currency",
        "timezone",
        "discount_rate",
    ])?;
    let name_node = sc.req("name", "the scenario's name (its output folder)")?;
    let name = name_node.name()?.to_string();
    if name.contains(['/', '\\', '\0']) || name.starts_with('.') {
        return Err(name_node
            .expected("a name usable as a folder name: no slashes, not starting with a dot"));
    }
    let start = sc
        .req(
            "start",
            "an RFC 3339 instant such as \"2026-01-01T00:00:00+08:00\"",
        )?
        .instant()?;
    let horizon_node = sc.req("horizon", "a duration such as \"3y\"")?;
    let horizon = horizon_node.positive_duration()?;
    let end = horizon.after(start, billing.calendar_zone);
    let trials = match sc.get("trials") {
        Some(n) => n.integer(1, 100_000_000, "a whole number of trials >= 1")? as u32,
        None => 1000,
    };
    let seed = match sc.get("seed") {
        Some(n) => n.integer(0, i64::MAX, "a whole number >= 0")? as u64,
        None => 1,
    };
    let currency = match sc.get("currency") {
        Some(n) => {
            let c = n.str()?;
            if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(
                    n.expected("a three-letter ISO 4217 currency code such as \"USD\" or \"CNY\"")
                );
            }
            c.to_string()
        }
        None => "USD".to_string(),
    };
    let (timezone, timezone_name) = match sc.get("timezone") {
        Some(n) => {
            let text = n.str()?;
            let zone = text.parse::<DemandZone>().map_err(|_| {
                n.expected("an IANA time zone such as \"Asia/Shanghai\", \"UTC\" or an offset such as \"+08:00\"")
            })?;
            (zone, text.to_string())
        }
        None => (DemandZone::utc(), "UTC".to_string()),
    };
    let discount_rate = match sc.get("discount_rate") {
        Some(n) => {
            let d = n.decimal().filter(|d| *d > Decimal::NEGATIVE_ONE);
            d.ok_or_else(|| n.expected("a yearly rate > -1 such as 0.08"))?
        }
        None => Decimal::ZERO,
    };

    let types = read_types(&root, &billing, &missing)?;
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
                None => src.error(None, "", message),
            });
        }
    }

    let mut zones: Vec<String> = Vec::new();
    let fleets = read_fleets(&root, &types, &mut zones, start, &billing, loader, &missing)?;
    let strategies = read_strategies(&root, &types, &zones, &fleets, start, end, &billing)?;

    Ok(Scenario {
        file: src.file.clone(),
        name,
        start,
        end,
        horizon,
        trials,
        seed,
        currency,
        timezone,
        timezone_name,
        discount_rate,
        billing,
        types,
        zones,
        fleets,
        strategies,
        unit_scale,
        sweep: Vec::new(),
        raw: raw.clone(),
    })
}

const BILLING_KEYS: [&str; 10] = [
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
];

fn read_billing(node: Option<&Node<'_>>) -> Result<Billing, InputError> {
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
        b.retention_days = n.integer(0, 3650, "a whole number of days from 0 to 3650")? as u32;
    }
    if let Some(n) = t.get("auto_deduct_threshold") {
        b.auto_deduct_threshold = if n.is_str() && n.str()? == "none" {
            None
        } else {
            let v = n.money().map_err(|_| {
                n.expected("an amount > 0 in the scenario's currency such as \"1000\", or \"none\"")
            })?;
            if v.is_zero() {
                return Err(n.expected(
                    "an amount > 0 in the scenario's currency such as \"1000\", or \"none\"",
                ));
            }
            Some(v)
        };
    }
    if let Some(n) = t.get("bill_day") {
        b.bill_day = n.integer(1, 28, "a day of the month from 1 to 28")? as u32;
    }
    Ok(b)
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

/// Reads the items of an array of tables, each named by its `name` key: the item's key path is
/// `key["name"]` once the name is known, `key[i]` before.
fn named_items<'a>(
    root: &Table<'a>,
    key: &str,
    allowed: &[&str],
    what: &str,
) -> Result<Vec<(String, Table<'a>)>, InputError> {
    let Some(node) = root.get(key) else {
        return Ok(Vec::new());
    };
    let items = node.array_of(&format!("a list of [[{key}]] tables"))?;
    let mut out: Vec<(String, Table<'a>)> = Vec::with_capacity(items.len());
    for item in items {
        let table = item.table_any(&format!("a [[{key}]] table"))?;
        let name_node = table.req("name", what)?;
        let name = name_node.name()?.to_string();
        let renamed = item.renamed(format!("{key}[{name:?}]"));
        let table = renamed.table(allowed)?;
        if out.iter().any(|(n, _)| *n == name) {
            return Err(table
                .get("name")
                .expect("read")
                .expected(format!("a name not used by another [[{key}]]")));
        }
        out.push((name, table));
    }
    Ok(out)
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
            t.get(key).map(|n| n.money()).unwrap_or(Ok(Decimal::ZERO))
        };
        let family = match t.get("family") {
            Some(n) => n.name()?.to_string(),
            None => name.clone(),
        };
        let units = match t.get("units") {
            Some(n) => {
                let what = "a number of units > 0 such as 4 or 0.25";
                let v = n
                    .decimal()
                    .or_else(|| {
                        n.str()
                            .ok()
                            .and_then(|s| crate::money::parse_decimal(s, false))
                    })
                    .ok_or_else(|| n.expected(what))?;
                if v <= Decimal::ZERO || v.scale() > 6 || v > Decimal::from(1_000_000) {
                    return Err(n.expected(format!("{what}, with at most 6 decimal places")));
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
            .money()?;
        let mut reserved = Vec::new();
        if let Some(n) = t.get("reserved") {
            let terms = n.table_any("a table of terms such as [instance_type.reserved.1y]")?;
            for (key, term_node) in terms.entries() {
                let term = key
                    .parse::<Duration>()
                    .ok()
                    .filter(|d| !d.is_negative() && !d.is_zero())
                    .ok_or_else(|| {
                        term_node.error(format!(
                            "found the term \"{key}\", expected a term such as 1y or 3y ({})",
                            time::DURATION_FORMS
                        ))
                    })?;
                if billing.reservation_window == Window::Alibaba
                    && term.seconds().is_some_and(|s| s % time::DAY != 0)
                {
                    return Err(term_node.error(format!(
                        "found the term \"{key}\", expected whole days, months or years: the alibaba reservation window counts calendar days"
                    )));
                }
                let p = term_node.table(&["all_upfront", "partial_upfront", "no_upfront"])?;
                let all_upfront = p.get("all_upfront").map(|n| n.money()).transpose()?;
                let partial_upfront = match p.get("partial_upfront") {
                    Some(n) => {
                        let pt = n.table(&["upfront", "hourly"])?;
                        Some((
                            pt.req("upfront", "the price paid at purchase")?.money()?,
                            pt.req("hourly", "the fee per active hour")?.money()?,
                        ))
                    }
                    None => None,
                };
                let no_upfront = match p.get("no_upfront") {
                    Some(n) => {
                        let pt = n.table(&["hourly"])?;
                        Some(pt.req("hourly", "the fee per active hour")?.money()?)
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
                let monthly = s.get("monthly").map(|n| n.money()).transpose()?;
                let yearly = s.get("yearly").map(|n| n.money()).transpose()?;
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

/// The most scaled units a type may have: with counts up to [`read::MAX_COUNT`], an hour's
/// capacity in unit-seconds stays within 64 bits.
const MAX_SCALED_UNITS: u64 = 100_000_000;

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

/// Finds a name in a list, or explains what the list holds.
fn lookup(node: &Node<'_>, names: &[&str], what: &str) -> Result<usize, InputError> {
    let name = node.str()?;
    if let Some(i) = names.iter().position(|n| *n == name) {
        return Ok(i);
    }
    let mut message = format!("found {}, expected {what}: {}", node.found(), one_of(names));
    if let Some(near) = did_you_mean(name, names) {
        message.push_str(&format!("; did you mean \"{near}\"?"));
    }
    Err(node.error(message))
}

fn zone_index(zones: &mut Vec<String>, zone: &str) -> usize {
    match zones.iter().position(|z| z == zone) {
        Some(i) => i,
        None => {
            zones.push(zone.to_string());
            zones.len() - 1
        }
    }
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

fn read_fleets(
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

fn read_strategies(
    root: &Table<'_>,
    types: &[InstanceType],
    zones: &[String],
    fleets: &[Fleet],
    start: Instant,
    end: Instant,
    billing: &Billing,
) -> Result<Vec<Strategy>, InputError> {
    let items = named_items(
        root,
        "strategy",
        &["name", "reserve", "subscribe"],
        "the strategy's name such as \"ri-1y-partial\"",
    )?;
    let type_names: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
    let zone_names: Vec<&str> = zones.iter().map(String::as_str).collect();
    let mut strategies = Vec::with_capacity(items.len());
    for (name, t) in items {
        if name == "payg" {
            return Err(t.get("name").expect("read").expected(
                "a name other than \"payg\", which capsim keeps for the pay-as-you-go baseline",
            ));
        }
        let at = |e: &Table<'_>| -> Result<Instant, InputError> {
            match e.get("at") {
                None => Ok(start),
                Some(n) => {
                    let at = n.at(start, billing.calendar_zone)?;
                    if at >= end {
                        return Err(n.expected(format!(
                            "a purchase before the horizon's end ({})",
                            time::format_instant(end)
                        )));
                    }
                    Ok(at)
                }
            }
        };
        let mut reserves = Vec::new();
        if let Some(n) = t.get("reserve") {
            for item in n.array_of("a list of [[strategy.reserve]] tables")? {
                let e = item.table(&[
                    "instance_type",
                    "zone",
                    "size_flexible",
                    "count",
                    "term",
                    "payment",
                    "at",
                    "renew",
                ])?;
                let type_node = e.req("instance_type", "the instance type reserved")?;
                let ti = lookup(&type_node, &type_names, "one of the instance types")?;
                let ty = &types[ti];
                let zone = e
                    .get("zone")
                    .map(|z| lookup(&z, &zone_names, "one of the fleets' zones"))
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
                let count = e
                    .req("count", "the number of instances reserved")?
                    .count()?;
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
                    let allowed: Vec<String> =
                        billing.payments.iter().map(|p| p.to_string()).collect();
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
                let at = at(&e)?;
                let renew = e
                    .get("renew")
                    .map(|n| n.bool())
                    .transpose()?
                    .unwrap_or(false);
                reserves.push(Reserve {
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
                });
            }
        }
        let mut subscribes = Vec::new();
        if let Some(n) = t.get("subscribe") {
            for item in n.array_of("a list of [[strategy.subscribe]] tables")? {
                let e =
                    item.table(&["instance_type", "zone", "count", "duration", "at", "renew"])?;
                let type_node = e.req("instance_type", "the instance type subscribed")?;
                let ti = lookup(&type_node, &type_names, "one of the instance types")?;
                let ty = &types[ti];
                let Some(prices) = &ty.subscription else {
                    return Err(type_node.error(format!(
                        "found {}, but it has no [instance_type.subscription] prices; expected a type with a monthly or yearly subscription price",
                        type_node.found()
                    )));
                };
                let zone = match e.get("zone") {
                    Some(z) => lookup(&z, &zone_names, "one of the fleets' zones")?,
                    None if zones.len() == 1 => 0,
                    None => {
                        return Err(e.node().error(format!(
                            "missing key \"zone\", expected the zone subscribed: subscriptions are zonal and the fleets run in {}",
                            one_of(&zone_names)
                        )));
                    }
                };
                let count = e
                    .req("count", "the number of instances subscribed")?
                    .count()?;
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
                    check_licence_mix(&e, ti, zone, types, zones, fleets)?;
                }
                let at = at(&e)?;
                let renew = e
                    .get("renew")
                    .map(|n| n.bool())
                    .transpose()?
                    .unwrap_or(false);
                subscribes.push(Subscribe {
                    instance_type: ti,
                    zone,
                    count,
                    duration,
                    at,
                    renew,
                    fee,
                });
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
    if let (Some(a), Some(b)) = (with, without) {
        return Err(e.node().error(format!(
            "found fleets \"{a}\" (hybrid_benefit = true) and \"{b}\" (hybrid_benefit = false) running {} in {}, expected one licence setting for a subscribed type and zone whose type has a licence fee: which VMs the subscription carries would change the licence bill",
            types[ti].name, zones[zone]
        )));
    }
    Ok(())
}
