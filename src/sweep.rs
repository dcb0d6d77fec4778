//! Parameter sweeps (docs/spec.md, section 9): the points of a `[sweep]` grid run one after another with
//! the same trial seeds, each written atomically as soon as it is finished, so a killed run
//! resumes where it stopped; shards split the points between machines and `merge` joins them.

use crate::engine::Engine;
use crate::error::{Error, InputError, Result};
use crate::montecarlo::{Runner, Settings};
use crate::output;
use crate::progress::Progress;
use crate::report::outputs::sweep_outputs;
use crate::report::results::RunStats;
use crate::report::sweep_best::Best;
use crate::report::sweep_view::{
    SweepPoint, SweepView, SweptValue, Together, axis_labels, key_label,
};
use crate::scenario::Scenario;
use crate::scenario::sweep::{Segment, SweptKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use toml::de::DeValue;

/// What identifies a sweep: points of different sweeps must never be mixed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// The scenario's name.
    pub scenario: String,
    /// FNV-1a hash of the scenario file's text, in hex.
    pub file_hash: String,
    /// Seed of the trials.
    pub seed: u64,
    /// Trials per point.
    pub trials: u64,
    /// The swept key paths, in grid order (the keys of a together axis next to each other).
    pub keys: Vec<String>,
    /// Number of values of each key.
    pub sizes: Vec<usize>,
    /// The `[sweep.together.NAME]` axes among the keys (none: every key is an axis).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub together: Vec<Together>,
    /// Number of points of the whole grid.
    pub points: usize,
}

impl Fingerprint {
    fn of(s: &Scenario, seed: u64, trials: u64) -> Fingerprint {
        let hash = s
            .raw
            .source
            .text()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
            });
        Fingerprint {
            scenario: s.name.clone(),
            file_hash: format!("{hash:016x}"),
            seed,
            trials,
            keys: swept_keys(s).map(|k| k.key.clone()).collect(),
            sizes: s
                .sweep
                .iter()
                .flat_map(|a| a.keys.iter().map(|_| a.size()))
                .collect(),
            together: s
                .sweep
                .iter()
                .scan(0, |first, a| {
                    let at = *first;
                    *first += a.keys.len();
                    Some((at, a))
                })
                .filter(|(_, a)| a.together)
                .map(|(first, a)| Together {
                    name: a.name.clone(),
                    first,
                    count: a.keys.len(),
                })
                .collect(),
            points: s.sweep_points(),
        }
    }

    /// What differs between two fingerprints, in words.
    fn difference(&self, other: &Fingerprint) -> String {
        let mut out = Vec::new();
        if self.scenario != other.scenario {
            out.push(format!(
                "scenario \"{}\" against \"{}\"",
                self.scenario, other.scenario
            ));
        } else if self.file_hash != other.file_hash {
            out.push("a different scenario file".to_string());
        }
        if self.seed != other.seed {
            out.push(format!("seed {} against {}", self.seed, other.seed));
        }
        if self.trials != other.trials {
            out.push(format!("{} trials against {}", self.trials, other.trials));
        }
        if self.keys != other.keys || self.sizes != other.sizes || self.together != other.together {
            out.push("another grid".to_string());
        }
        out.join(", ")
    }
}

/// Every swept key of the scenario, in grid order.
fn swept_keys(s: &Scenario) -> impl Iterator<Item = &SweptKey> {
    s.sweep.iter().flat_map(|a| &a.keys)
}

/// One finished point, as written in `points/`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PointFile {
    /// The sweep it belongs to.
    pub sweep: Fingerprint,
    /// Its index in the grid (the last key varies fastest).
    pub point: usize,
    /// The value of each swept key.
    pub values: Vec<SweptValue>,
    /// Its statistics, in the form of `capsim run`'s `summary.json`.
    pub summary: RunStats,
}

impl PointFile {
    /// What is wrong with a point file's grid, if anything: a file capsim did not write may
    /// hold any JSON of the right shape.
    fn check(&self) -> std::result::Result<(), String> {
        let f = &self.sweep;
        if f.keys.is_empty() {
            return Err("found a sweep of no keys, expected at least one swept key".to_string());
        }
        if f.sizes.len() != f.keys.len() {
            return Err(format!(
                "found {} sizes for {} swept keys, expected one per key",
                f.sizes.len(),
                f.keys.len()
            ));
        }
        if f.sizes.contains(&0) {
            return Err("found a swept key with no values, expected at least one".to_string());
        }
        // Together axes: in key order, apart, inside the keys, of one size each.
        let mut next = 0;
        for t in &f.together {
            let end = t.first.saturating_add(t.count);
            if t.count == 0 || t.first < next || end > f.keys.len() {
                return Err(format!(
                    "found the together axis \"{}\" over keys {} to {}, expected one or more of the {} keys, after the previous axis",
                    t.name,
                    t.first,
                    end.saturating_sub(1),
                    f.keys.len()
                ));
            }
            if f.sizes[t.first..end].iter().any(|&n| n != f.sizes[t.first]) {
                return Err(format!(
                    "found the together axis \"{}\" with keys of sizes {:?}, expected one size",
                    t.name,
                    &f.sizes[t.first..end]
                ));
            }
            next = end;
        }
        let axis_sizes: Vec<usize> = (0..f.keys.len())
            .filter(|&k| {
                f.together
                    .iter()
                    .all(|t| k <= t.first || k >= t.first + t.count)
            })
            .map(|k| f.sizes[k])
            .collect();
        let points = axis_sizes
            .iter()
            .try_fold(1usize, |acc, &n| acc.checked_mul(n))
            .filter(|&n| n <= crate::scenario::sweep::MAX_POINTS);
        if points != Some(f.points) {
            return Err(format!(
                "found a grid of {} points, expected the product of the {} sizes {:?} (at most {})",
                f.points,
                if f.together.is_empty() {
                    "keys'"
                } else {
                    "axes'"
                },
                axis_sizes,
                crate::scenario::sweep::MAX_POINTS
            ));
        }
        if self.point >= f.points {
            return Err(format!(
                "found point {}, expected a point of the grid, 0 to {}",
                self.point,
                f.points - 1
            ));
        }
        if self.values.len() != f.keys.len() {
            return Err(format!(
                "found {} values for {} swept keys, expected one per key",
                self.values.len(),
                f.keys.len()
            ));
        }
        Ok(())
    }
}

/// Point files are small (a summary); a larger file is not one.
const MAX_POINT_FILE_BYTES: u64 = 64 << 20;

/// Reads and checks one point file.
fn read_point(path: &Path) -> Result<PointFile> {
    const WANT: &str = "expected a point file written by capsim sweep";
    let bad = |message: String| -> Error { InputError::file(path, message).into() };
    if path.is_dir() {
        return Err(bad(format!("found a folder, {WANT}")));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot read {}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(MAX_POINT_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot read {}: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_POINT_FILE_BYTES {
        return Err(bad(format!(
            "found a file of more than {} MiB, {WANT}",
            MAX_POINT_FILE_BYTES >> 20
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        bad(format!(
            "found bytes that are not UTF-8 text (at byte {}), {WANT}",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let point: PointFile = serde_json::from_str(&text).map_err(|e| {
        bad(format!(
            "found a point file capsim cannot read ({e}), {WANT}"
        ))
    })?;
    point
        .check()
        .map_err(|m| bad(format!("{m}; capsim sweep never writes such a point file")))?;
    Ok(point)
}

/// The file name of point `i`.
pub fn point_file_name(i: usize) -> String {
    format!("point-{i:06}.json")
}

/// `--shard I/N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, 0-based.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Shard, String> {
        let bad = || {
            format!(
                "found \"{text}\", expected I/N with 0 <= I < N, such as 0/4 (Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)"
            )
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    fn holds(&self, point: usize) -> bool {
        point % self.count == self.index
    }
}

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct Options {
    /// Only the points of this shard.
    pub shard: Option<Shard>,
    /// Skip the points already finished in `out`.
    pub resume: bool,
    /// Trials per point (default: the scenario's).
    pub trials: Option<u64>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// The sweep's folder.
    pub out: PathBuf,
    /// No progress.
    pub quiet: bool,
}

/// What a sweep did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Points this run computed.
    pub computed: usize,
    /// Points of this shard skipped because they were finished.
    pub skipped: usize,
    /// Points of this shard (or of the grid).
    pub assigned: usize,
    /// What this run wrote when it completed the grid.
    pub written: Option<Written>,
}

/// The outputs of a finished sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// `sweep.csv`.
    pub csv: PathBuf,
    /// The best values on the edge of the grid (as `sweep.md` lists them), for stderr.
    pub warnings: Vec<String>,
}

fn points_dir(dir: &Path) -> PathBuf {
    dir.join("points")
}

/// Reads every point file of a sweep folder.
fn read_points(dir: &Path) -> Result<Vec<(PathBuf, PointFile)>> {
    let points = points_dir(dir);
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(&points) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => {
            return Err(Error::Other(anyhow::anyhow!(
                "cannot read {}: {e}",
                points.display()
            )));
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("point-") && n.ends_with(".json"))
        })
        .collect();
    paths.sort();
    for path in paths {
        let point = read_point(&path)?;
        out.push((path, point));
    }
    Ok(out)
}

/// Runs a sweep's points (those of the shard, not yet finished when resuming).
pub fn run(s: &Scenario, options: &Options, stop: &AtomicBool) -> Result<Outcome> {
    if s.sweep.is_empty() {
        return Err(InputError::file(
            &s.file,
            "found no [sweep] table, expected one such as [sweep] 'strategy[\"ri\"].reserve[0].count' = [0, 10, 20]",
        )
        .into());
    }
    let trials = options.trials.unwrap_or(u64::from(s.trials));
    let settings = Settings {
        first: 0,
        trials,
        seed: s.seed,
        threads: options.threads,
    };
    let total = s.sweep_points();
    let fingerprint = Fingerprint::of(s, settings.seed, trials);
    // Every point is checked before any is run: a bad combination of values is bad input,
    // found now rather than hours into the night.
    for i in 0..total {
        s.sweep_point(i).map_err(|mut e| {
            e.message = format!("{} (in sweep point {i}: {})", e.message, describe(s, i));
            e
        })?;
    }
    // Shards may share the folder (Slurm array tasks on one file system): this run removes
    // only the leftovers of its own points, never another shard's file in flight.
    output::create_dir(&points_dir(&options.out))?;
    let mine = |name: &str| {
        (0..total)
            .filter(|&i| options.shard.is_none_or(|sh| sh.holds(i)))
            .any(|i| name == point_file_name(i))
    };
    output::remove_stale(&points_dir(&options.out), mine)?;
    let mut finished = std::collections::BTreeSet::new();
    for (path, point) in read_points(&options.out)? {
        if point.sweep != fingerprint {
            return Err(InputError::file(
                &path,
                format!(
                    "found a point of another sweep ({}), expected points of this one: use another --out, or remove {}",
                    point.sweep.difference(&fingerprint),
                    points_dir(&options.out).display()
                ),
            )
            .into());
        }
        finished.insert(point.point);
    }
    let assigned: Vec<usize> = (0..total)
        .filter(|&i| options.shard.is_none_or(|sh| sh.holds(i)))
        .collect();
    let todo: Vec<usize> = assigned
        .iter()
        .copied()
        .filter(|i| !(options.resume && finished.contains(i)))
        .collect();
    let mut progress = Progress::new(todo.len() as u64 * trials, "trials", options.quiet);
    progress.set_periodic(false);
    let mut computed = 0;
    let labels = axis_labels(s.sweep.iter().map(|a| (a.name.as_str(), a.together)));
    for (n, &i) in todo.iter().enumerate() {
        let started = std::time::Instant::now();
        let point = s.sweep_point(i)?;
        let engine = Engine::new(&point)?;
        let runner = Runner::new(&engine);
        let samples = runner.collect(settings, stop, |n| progress.inc(n), |_| Ok(()))?;
        if (samples.n as u64) < trials {
            progress.finish();
            return Err(Error::Interrupted(format!(
                "interrupted: {computed} of {} points finished and kept in {}; run the same command with --resume to go on",
                todo.len(),
                points_dir(&options.out).display()
            )));
        }
        let summary = RunStats::new(&engine, &samples, settings.seed, trials, false);
        let figures = point_figures(&swept_strategies(s), &summary);
        let file = PointFile {
            sweep: fingerprint.clone(),
            point: i,
            values: s
                .sweep
                .iter()
                .zip(s.sweep_coordinates(i))
                .flat_map(|(a, v)| a.keys.iter().map(move |k| swept_value(&k.values[v])))
                .collect(),
            summary,
        };
        let json = serde_json::to_string_pretty(&file).expect("plain data serialises") + "\n";
        output::write(
            &points_dir(&options.out),
            &point_file_name(i),
            json.as_bytes(),
        )?;
        computed += 1;
        progress.println(&format!(
            "capsim: point {i} done ({}); {} of {} this run; {figures}; {:.1} s, {:.0} trials/s",
            readable(s, &labels, i),
            n + 1,
            todo.len(),
            started.elapsed().as_secs_f64(),
            progress.rate()
        ));
    }
    progress.finish();
    let skipped = assigned.len() - todo.len();
    let written = if options.shard.is_none() {
        Some(write_outputs(
            &options.out,
            &collect(std::slice::from_ref(&options.out))?,
        )?)
    } else {
        None
    };
    Ok(Outcome {
        computed,
        skipped,
        assigned: assigned.len(),
        written,
    })
}

/// `key = value, ...` of point `i`, in the key paths of error messages.
fn describe(s: &Scenario, i: usize) -> String {
    s.sweep
        .iter()
        .zip(s.sweep_coordinates(i))
        .flat_map(|(a, v)| {
            a.keys
                .iter()
                .map(move |k| format!("{} = {}", k.key, swept_value(&k.values[v]).text))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Point `i` as a person reads it: `ri-1y count = 20, web rate_per_hour = 2.5`; a together
/// axis by its name, position and keys.
fn readable(s: &Scenario, labels: &[String], i: usize) -> String {
    s.sweep
        .iter()
        .zip(labels)
        .zip(s.sweep_coordinates(i))
        .map(|((a, label), v)| {
            let text = |k: &SweptKey| swept_value(&k.values[v]).text;
            if a.together {
                let keys: Vec<String> = a
                    .keys
                    .iter()
                    .map(|k| format!("{} = {}", key_label(&k.key), text(k)))
                    .collect();
                format!("{label} {} of {} ({})", v + 1, a.size(), keys.join(", "))
            } else {
                format!("{label} = {}", text(&a.keys[0]))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The strategies whose own keys are swept (`strategy["ri-1y"]...`), in grid order.
fn swept_strategies(s: &Scenario) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in swept_keys(s) {
        let name = match k.path.as_slice() {
            [Segment::Key(t), Segment::Name(n), ..] if t == "strategy" => Some(n.clone()),
            [Segment::Key(t), Segment::Index(i), ..] if t == "strategy" => {
                s.strategies.get(*i).map(|x| x.name.clone())
            }
            _ => None,
        };
        if let Some(name) = name
            && !out.contains(&name)
        {
            out.push(name);
        }
    }
    out
}

/// What the line after a point reports: the mean of each swept strategy and the cheapest
/// strategy; when no strategy's key is swept (a fleet's rate, a price), the cheapest and
/// pay-as-you-go.
fn point_figures(swept: &[String], summary: &RunStats) -> String {
    let money = |x: &crate::report::results::StrategyStats| {
        format!(
            "{} {} mean",
            crate::report::summary::cents(x.total.mean),
            summary.currency
        )
    };
    let Some((best, cheapest)) = summary.cheapest(0) else {
        return String::new();
    };
    let mut parts: Vec<String> = summary
        .strategies
        .iter()
        .filter(|x| swept.contains(&x.name))
        .map(|x| {
            let note = if x.name == cheapest.name {
                " (the cheapest)"
            } else {
                ""
            };
            format!("{} {}{note}", x.name, money(x))
        })
        .collect();
    if !swept.contains(&cheapest.name) {
        parts.push(format!("cheapest {} {}", cheapest.name, money(cheapest)));
    }
    if swept.is_empty() && best != 0 {
        parts.push(format!("payg {}", money(&summary.strategies[0])));
    }
    parts.join(", ")
}

/// A swept value for the point files, `sweep.csv` and the charts: a string's content and a
/// number's digits as written, a table or a list in TOML's inline form, so that every value
/// of a key reads differently.
fn swept_value(v: &crate::scenario::sweep::Value) -> SweptValue {
    let tree = v.tree.get_ref();
    let text = match tree {
        DeValue::Table(_) | DeValue::Array(_) => toml_inline(tree),
        _ => v.text.clone(),
    };
    let number = match tree {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite());
    SweptValue { text, number }
}

/// A TOML value in inline form: `{ dist = "lognormal", median = 5, sigma = 0.3 }`.
fn toml_inline(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => toml_string(s),
        DeValue::Integer(i) => i.to_string(),
        DeValue::Float(f) => f.to_string(),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Datetime(d) => d.to_string(),
        DeValue::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|x| toml_inline(x.get_ref()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DeValue::Table(t) if t.is_empty() => "{}".to_string(),
        DeValue::Table(t) => format!(
            "{{ {} }}",
            t.iter()
                .map(|(k, x)| {
                    let k = k.get_ref();
                    let bare = !k.is_empty()
                        && k.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                    let key = if bare { k.to_string() } else { toml_string(k) };
                    format!("{key} = {}", toml_inline(x.get_ref()))
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Every point of the folders of one sweep, one per index, checked: the same sweep, no point
/// missing, duplicates identical.
pub fn collect(dirs: &[PathBuf]) -> Result<Vec<PointFile>> {
    let mut by_index: BTreeMap<usize, (PathBuf, PointFile)> = BTreeMap::new();
    let mut first: Option<(PathBuf, Fingerprint)> = None;
    for dir in dirs {
        if !points_dir(dir).is_dir() {
            return Err(InputError::file(
                dir,
                format!(
                    "found no {} folder, expected the --out folder of a capsim sweep",
                    points_dir(dir).display()
                ),
            )
            .into());
        }
        for (path, point) in read_points(dir)? {
            match &first {
                None => first = Some((path.clone(), point.sweep.clone())),
                Some((first_path, f)) if *f != point.sweep => {
                    return Err(InputError::file(
                        &path,
                        format!(
                            "found a point of another sweep than {} ({}), expected every shard to run the same scenario, seed and trials",
                            first_path.display(),
                            point.sweep.difference(f)
                        ),
                    )
                    .into());
                }
                Some(_) => {}
            }
            if let Some((_, other)) = by_index.values().next() {
                let names = |p: &PointFile| -> Vec<String> {
                    p.summary
                        .strategies
                        .iter()
                        .map(|s| s.name.clone())
                        .collect()
                };
                if names(&point) != names(other) {
                    return Err(InputError::file(
                        &path,
                        format!(
                            "found the strategies {:?}, expected those of the other points, {:?}",
                            names(&point),
                            names(other)
                        ),
                    )
                    .into());
                }
            }
            if let Some((other, existing)) = by_index.get(&point.point) {
                if *existing != point {
                    return Err(InputError::file(
                        &path,
                        format!(
                            "found point {} again with other results than in {}, expected one result per point",
                            point.point,
                            other.display()
                        ),
                    )
                    .into());
                }
                continue;
            }
            by_index.insert(point.point, (path, point));
        }
    }
    let Some((_, fingerprint)) = first else {
        return Err(InputError::file(
            &dirs[0],
            "found no finished points, expected the points of a capsim sweep",
        )
        .into());
    };
    let missing: Vec<String> = (0..fingerprint.points)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(20).map(String::as_str).collect();
        return Err(InputError::file(
            &dirs[0],
            format!(
                "found {} of {} points, expected all: missing point{} {}{} (run the shards that hold them, or capsim sweep --resume)",
                by_index.len(),
                fingerprint.points,
                if missing.len() == 1 { "" } else { "s" },
                shown.join(", "),
                if missing.len() > shown.len() { ", ..." } else { "" }
            ),
        )
        .into());
    }
    Ok(by_index.into_values().map(|(_, p)| p).collect())
}

/// Writes `sweep.csv`, `sweep.md`, `sweep-optimum.csv` and the sweep's charts for a complete
/// set of points (as [`collect`] returns them), replacing an earlier set in `dir` as a whole.
pub fn write_outputs(dir: &Path, points: &[PointFile]) -> Result<Written> {
    let f = &points[0].sweep;
    let view = SweepView::new(
        &f.keys,
        &f.sizes,
        &f.together,
        points
            .iter()
            .map(|p| SweepPoint {
                values: p.values.clone(),
                stats: p.summary.clone(),
            })
            .collect(),
    );
    sweep_outputs().stage(dir)?.commit(&view)?;
    Ok(Written {
        csv: dir.join("sweep.csv"),
        warnings: Best::of(&view).warnings(&view),
    })
}

/// `capsim merge`: joins the points of shard folders into `sweep.csv` and charts in `out`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Written> {
    let points = collect(dirs)?;
    write_outputs(out, &points)
}
