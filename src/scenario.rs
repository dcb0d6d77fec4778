//! The scenario file (docs/spec.md, section 3): read once into validated types, with one clear error
//! per problem.

mod billing;
pub mod dist;
mod fleet;
pub mod read;
pub mod recommend;
mod schedule;
mod strategy;
pub mod sweep;
pub mod trace;
mod types;
mod vars;

pub use fleet::{
    Arrivals, BaselineGrowth, EventAction, Fleet, FleetEvent, FleetKind, Schedule, Synthetic,
    Trace, TraceVm,
};
pub use fleet::{MAX_ARRIVALS, MAX_LONG_LIVED_VMS};
pub use read::{MAX_COUNT, MAX_HOURLY_PRICE, MAX_PRICE};
pub use recommend::{Buy, Objective, Offer, Recommend};
pub use strategy::{Reserve, Strategy, Subscribe};
pub use types::{InstanceType, MAX_SCALED_UNITS, MAX_UNITS, ReservedPrices, SubscriptionPrices};

use crate::error::{ErrorKind, InputError};
use crate::profile::Billing;
use crate::time::{self, DemandZone, Duration, Instant};
use read::{Node, Source, Table, did_you_mean, one_of};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::de::DeTable;

/// A validated scenario.
///
/// Reading guarantees these maxima (docs/scenario.md, "Limits"), on which the matching core
/// and the bill's arithmetic rely:
/// - instants (`start`, `end`, every `at`) lie from 1900-01-01 to 2400-01-01, and `end - start`
///   is at most 100 years; terms and subscription durations are at most 100 years, terms at
///   least an hour;
/// - billing hours x (type, zone) cells used by the fleets <= [`MAX_HOUR_CELLS`] (10,000,000);
/// - units <= [`MAX_UNITS`] (1,000,000) with at most 6 decimals, so `unit_scale <= 10^6` and
///   every `units_scaled <= `[`MAX_SCALED_UNITS`] (10^8);
/// - a reservation or subscription entry buys at most [`MAX_COUNT`] (10,000,000) instances; a
///   fleet's baseline plus its adds, each at its largest draw, is at most 10,000,000, and all
///   fleets' long-lived VMs (baselines, adds, trace rows) together at most
///   [`MAX_LONG_LIVED_VMS`] (10^8);
/// - the mean arrivals of a trial, every drawn number at its largest, are at most
///   [`MAX_ARRIVALS`] (10^8); the generator caps each hour's Poisson count and stops a trial
///   at `fleet::MAX_TRIAL_ARRIVALS` (1.1 x 10^8) arrivals, which a mean of 10^8 never reaches,
///   so every VM count of a trial fits in a `u32` and a trial's memory stays under about 2 GB;
/// - hourly prices <= [`MAX_HOURLY_PRICE`] (10^6), one-off prices <= [`MAX_PRICE`] (10^9).
///
/// Hence a (type, zone) cell holds at most 2.1 x 10^8 VMs at once: at most 7.6 x 10^11
/// VM-seconds an hour (fits in `u64`), but up to 7.6 x 10^19 unit-seconds an hour, more than
/// `u64` holds: `Engine::fill` refuses a trial whose cell-hour would leave the matching core's
/// 64-bit unit-seconds.
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
    /// Shared per-trial variables (`[vars]`), in the file's order.
    pub vars: Vec<dist::Var>,
    /// Fleets, in the file's order.
    pub fleets: Vec<Fleet>,
    /// Purchase strategies, in the file's order (the `payg` baseline is implicit).
    pub strategies: Vec<Strategy>,
    /// Units are held as integers of `1 / unit_scale` (e.g. 100 when a type has 0.25 units).
    pub unit_scale: u64,
    /// The `[recommend]` table, `None` when the file has none ([`Recommend::of`] then gives the
    /// defaults).
    pub recommend: Option<Recommend>,
    /// The `[sweep]` grid, empty when there is none.
    pub sweep: Vec<sweep::Axis>,
    /// The file's text and tree, kept so that sweep points can be built from it.
    pub(crate) raw: Arc<Raw>,
}

/// The parsed file, kept for building sweep points, with the trace and lifetime files it
/// names: parsed once and shared by every point (a file must not change under a running sweep,
/// docs/decisions.md).
#[derive(Debug)]
pub(crate) struct Raw {
    pub(crate) source: Source,
    pub(crate) table: DeTable<'static>,
    pub(crate) span: std::ops::Range<usize>,
    pub(crate) files: Loader,
}

impl Scenario {
    /// Reads and validates a scenario file, its traces and its `[sweep]`.
    pub fn load(path: impl AsRef<Path>) -> Result<Scenario, InputError> {
        let path = path.as_ref();
        let bytes = read_capped(path, MAX_SCENARIO_BYTES).map_err(|e| match e {
            Capped::Io(e) => InputError::file(
                path,
                format!("cannot read the scenario file: {}", io_reason(&e)),
            )
            .with_kind(ErrorKind::Io),
            Capped::TooLarge => InputError::file(
                path,
                "found a file larger than 16 MiB, expected a scenario file of at most 16 MiB",
            )
            .with_kind(ErrorKind::TooLarge),
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
                kind: ErrorKind::Encoding,
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
            let key = e
                .span()
                .and_then(|span| source.text().get(span))
                .map(str::trim)
                .filter(|k| !k.is_empty() && !k.contains('\n'));
            match key {
                Some(key) if message == "duplicate key" => {
                    let key = if key.starts_with(['"', '\'']) {
                        key.to_string()
                    } else {
                        format!("\"{key}\"")
                    };
                    source
                        .error(
                            e.span(),
                            "",
                            format!("found the key {key} a second time in one table, expected each key once"),
                        )
                        .with_kind(ErrorKind::Duplicate)
                }
                _ => source
                    .error(e.span(), "", format!("found invalid TOML: {message}"))
                    .with_kind(ErrorKind::Syntax),
            }
        })?;
        let span = parsed.span();
        let table = parsed.into_inner();
        let raw = Arc::new(Raw {
            source,
            table,
            span,
            files: Loader::new(path),
        });
        let mut scenario = build(&raw, &raw.table, &raw.files)?;
        scenario.sweep = sweep::read(&scenario, &raw.files)?;
        if scenario.sweep.is_empty() {
            // No point will be built: the fleets hold what they need of the files.
            raw.files.forget();
        }
        Ok(scenario)
    }
}

/// The largest scenario file capsim reads: far above any real scenario, and it keeps a
/// mistaken path (`/dev/zero`, a log file) from filling memory.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// The largest empirical lifetime file capsim reads: 64 MiB, read as a stream, so a file of
/// one-character lifetimes keeps at most 2^25 of them (256 MiB).
pub const MAX_LIFETIME_BYTES: u64 = 64 << 20;

/// Why a capped read failed.
enum Capped {
    Io(std::io::Error),
    TooLarge,
}

/// Reads a file, but no more than `cap` bytes: a larger file (or an endless one such as
/// `/dev/zero`) is refused without being read whole.
fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, Capped> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(Capped::Io)?;
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(Capped::Io)?;
    if bytes.len() as u64 > cap {
        return Err(Capped::TooLarge);
    }
    Ok(bytes)
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
#[derive(Debug)]
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

    /// Drops the files read so far.
    fn forget(&self) {
        self.traces.lock().expect("not poisoned").clear();
        self.empirical.lock().expect("not poisoned").clear();
    }

    fn resolve(&self, relative: &str) -> PathBuf {
        self.base.join(relative)
    }

    pub(crate) fn trace(&self, node: &Node<'_>) -> Result<Arc<trace::TraceFile>, InputError> {
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

    pub(crate) fn empirical(&self, node: &Node<'_>) -> Result<Arc<Vec<f64>>, InputError> {
        let path = self.resolve(node.name()?);
        if let Some(t) = self.empirical.lock().expect("not poisoned").get(&path) {
            return Ok(t.clone());
        }
        const WHAT: &str = "a file of lifetimes (one duration per line)";
        let unreadable = |e: &std::io::Error| {
            node.error(format!(
                "found {}, but {} cannot be read ({}); expected the path of {WHAT}, relative to the scenario file",
                node.found(),
                path.display(),
                io_reason(e)
            ))
            .with_kind(ErrorKind::Io)
        };
        let too_large = || {
            node.error(format!(
                "found {}, but {} is larger than 64 MiB; expected {WHAT} of at most 64 MiB",
                node.found(),
                path.display()
            ))
            .with_kind(ErrorKind::TooLarge)
        };
        let file = std::fs::File::open(&path).map_err(|e| unreadable(&e))?;
        // A regular file's size is known before reading it; other files are counted as read.
        if let Ok(meta) = file.metadata()
            && meta.is_file()
            && meta.len() > MAX_LIFETIME_BYTES
        {
            return Err(too_large());
        }
        let parsed =
            dist::read_empirical(&path, file, MAX_LIFETIME_BYTES).map_err(|e| match e {
                dist::EmpiricalFailure::Input(e) => e,
                dist::EmpiricalFailure::Io(e) => unreadable(&e),
                dist::EmpiricalFailure::NotUtf8(byte) => node
                    .error(format!(
                        "found {}, but {} is not UTF-8 text (byte {byte}); expected {WHAT}",
                        node.found(),
                        path.display(),
                    ))
                    .with_kind(ErrorKind::Encoding),
                dist::EmpiricalFailure::TooLarge => too_large(),
            })?;
        let parsed = Arc::new(parsed);
        self.empirical
            .lock()
            .expect("not poisoned")
            .insert(path, parsed.clone());
        Ok(parsed)
    }
}

const ROOT_KEYS: [&str; 8] = [
    "scenario",
    "vars",
    "billing",
    "instance_type",
    "fleet",
    "strategy",
    "recommend",
    "sweep",
];

/// The most hour-cells (billing hours x (instance type, zone) pairs the fleets use): the hourly
/// usage arrays hold about 40 bytes for each, per thread.
pub const MAX_HOUR_CELLS: u64 = 10_000_000;

/// Fails when the hourly arrays of the horizon and the fleets' cells would not fit in memory.
fn check_grid(
    horizon: &Node<'_>,
    start: Instant,
    end: Instant,
    fleets: &[Fleet],
) -> Result<(), InputError> {
    let mut cells: std::collections::HashSet<(usize, usize)> = Default::default();
    for f in fleets {
        match &f.kind {
            FleetKind::Synthetic(s) => {
                cells.insert((s.instance_type, s.zone));
            }
            FleetKind::Trace(t) => cells.extend(t.vms.iter().map(|v| (v.instance_type, v.zone))),
        }
    }
    let hours = (end - time::floor_hour(start) + time::HOUR - 1).div_euclid(time::HOUR);
    let hour_cells = u64::try_from(hours)
        .unwrap_or(u64::MAX)
        .saturating_mul(u64::try_from(cells.len()).unwrap_or(u64::MAX));
    if hour_cells > MAX_HOUR_CELLS {
        return Err(horizon
            .error(format!(
                "found {}, which with the fleets' {} (instance type, zone) pairs makes {} hour-cells, expected at most 10,000,000 (the hourly usage arrays hold one entry per hour and pair): shorten the horizon or use fewer types and zones",
                horizon.found(),
                cells.len(),
                read::thousands(i64::try_from(hour_cells).unwrap_or(i64::MAX))
            ))
            .with_kind(ErrorKind::OutOfRange));
    }
    Ok(())
}

/// The most trials a scenario may ask for.
pub const MAX_TRIALS: i64 = 100_000_000;

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
        .with_kind(ErrorKind::Missing)
    };

    let billing = billing::read(root.get("billing").as_ref())?;

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
    let end = horizon
        .checked_after(start, billing.calendar_zone)
        .filter(|end| *end <= time::MAX_INSTANT)
        .ok_or_else(|| {
            horizon_node.out_of_range(format!(
                "a horizon that ends by {}",
                time::format_instant(time::MAX_INSTANT)
            ))
        })?;
    let trials = match sc.get("trials") {
        Some(n) => {
            const WHAT: &str = "a whole number of trials from 1 to 100,000,000";
            let v = n.integer(1, MAX_TRIALS, WHAT)?;
            u32::try_from(v).map_err(|_| n.out_of_range(WHAT))?
        }
        None => 1000,
    };
    let seed = match sc.get("seed") {
        Some(n) => {
            const WHAT: &str = "a whole number from 0 to 9,223,372,036,854,775,807";
            let v = n.integer(0, i64::MAX, WHAT)?;
            u64::try_from(v).map_err(|_| n.out_of_range(WHAT))?
        }
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
            const WHAT: &str = "a yearly rate > -1 and <= 10 such as 0.08";
            match n.decimal() {
                Some(d) if d > Decimal::NEGATIVE_ONE && d <= Decimal::TEN => d,
                Some(_) => return Err(n.out_of_range(WHAT)),
                None if n.is_number() => return Err(n.out_of_range(WHAT)),
                None => return Err(n.wrong_type(WHAT)),
            }
        }
        None => Decimal::ZERO,
    };

    let (types, unit_scale) = types::read(&root, &billing, &missing)?;

    let vars = vars::read(&root)?;
    let mut zones: Vec<String> = Vec::new();
    let fleet_cx = fleet::Context {
        types: &types,
        window: (start, end),
        billing: &billing,
        timezone: &timezone,
        vars: &vars,
        loader,
    };
    let fleets = fleet::read(&root, &fleet_cx, &mut zones, &missing)?;
    check_grid(&horizon_node, start, end, &fleets)?;
    let cx = strategy::Context {
        types: &types,
        zones: &zones,
        fleets: &fleets,
        start,
        end,
        billing: &billing,
    };
    let strategies = strategy::read(&root, &cx)?;
    let recommend = recommend::read(&root, &cx, trials, &strategies)?;

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
        vars,
        fleets,
        strategies,
        recommend,
        unit_scale,
        sweep: Vec::new(),
        raw: raw.clone(),
    })
}

/// Reads the items of an array of tables, each named by its `name` key: the item's key path is
/// `key["name"]` once the name is known, `key[i]` before.
pub(crate) fn named_items<'a>(
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
                .expected(format!("a name not used by another [[{key}]]"))
                .with_kind(ErrorKind::Duplicate));
        }
        out.push((name, table));
    }
    Ok(out)
}

/// Finds a name in a list, or explains what the list holds; `none` says why the list is
/// empty, when it is.
pub(crate) fn lookup(
    node: &Node<'_>,
    names: &[&str],
    what: &str,
    none: &str,
) -> Result<usize, InputError> {
    let name = node.str()?;
    if let Some(i) = names.iter().position(|n| *n == name) {
        return Ok(i);
    }
    let mut message = if names.is_empty() {
        format!("found {}, but {none}", node.found())
    } else {
        format!("found {}, expected {what}: {}", node.found(), one_of(names))
    };
    if let Some(near) = did_you_mean(name, names) {
        message.push_str(&format!("; did you mean \"{near}\"?"));
    }
    Err(node.error(message).with_kind(ErrorKind::Reference))
}

pub(crate) fn zone_index(zones: &mut Vec<String>, zone: &str) -> usize {
    match zones.iter().position(|z| z == zone) {
        Some(i) => i,
        None => {
            zones.push(zone.to_string());
            zones.len() - 1
        }
    }
}
