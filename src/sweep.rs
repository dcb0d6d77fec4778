//! Parameter sweeps (docs/spec.md, section 9): the points of a `[sweep]` grid run one after another with
//! the same trial seeds, each written atomically as soon as it is finished, so a killed run
//! resumes where it stopped; shards split the points between machines and `merge` joins them.

use crate::engine::Engine;
use crate::error::{Error, InputError, Result};
use crate::montecarlo::{Runner, Settings};
use crate::output;
use crate::progress::Progress;
use crate::report::summary::{SummaryJson, summarize};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

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
    /// The swept key paths, in grid order.
    pub keys: Vec<String>,
    /// Number of values of each key.
    pub sizes: Vec<usize>,
    /// Number of points of the whole grid.
    pub points: usize,
}

impl Fingerprint {
    /// The value index on each key of point `i` (the last key varies fastest).
    pub fn coordinates(&self, mut i: usize) -> Vec<usize> {
        let mut out = vec![0; self.sizes.len()];
        for (k, size) in self.sizes.iter().enumerate().rev() {
            out[k] = i % size;
            i /= size;
        }
        out
    }

    /// The point at given value indices.
    pub fn point_at(&self, coordinates: &[usize]) -> usize {
        coordinates
            .iter()
            .zip(&self.sizes)
            .fold(0, |acc, (c, size)| acc * size + c)
    }
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
            keys: s.sweep.iter().map(|a| a.key.clone()).collect(),
            sizes: s.sweep.iter().map(|a| a.values.len()).collect(),
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
        if self.keys != other.keys || self.sizes != other.sizes {
            out.push("another grid".to_string());
        }
        out.join(", ")
    }
}

/// One finished point, as written in `points/`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PointFile {
    /// The sweep it belongs to.
    pub sweep: Fingerprint,
    /// Its index in the grid (the last key varies fastest).
    pub point: usize,
    /// The value of each swept key, as written.
    pub values: Vec<String>,
    /// Its summary, as `capsim run` writes it.
    pub summary: SummaryJson,
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
    /// `sweep.csv` when this run completed the grid.
    pub csv: Option<PathBuf>,
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
        let text = std::fs::read_to_string(&path)?;
        let point: PointFile = serde_json::from_str(&text).map_err(|e| {
            InputError::file(
                &path,
                format!("found a point file capsim cannot read ({e}), expected one written by capsim sweep"),
            )
        })?;
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
        let summary = summarize(&engine, &samples, settings.seed, trials, false);
        let best = summary
            .cheapest(0)
            .map(|x| (x.name.clone(), x.total.mean.clone()))
            .unwrap_or_default();
        let file = PointFile {
            sweep: fingerprint.clone(),
            point: i,
            values: s
                .sweep
                .iter()
                .zip(s.sweep_coordinates(i))
                .map(|(a, v)| a.values[v].text.clone())
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
            "capsim: point {i} done ({}); {} of {} this run, cheapest {} at {} {} mean, {:.1} s, {:.0} trials/s",
            describe(s, i),
            n + 1,
            todo.len(),
            best.0,
            best.1,
            s.currency,
            started.elapsed().as_secs_f64(),
            progress.rate()
        ));
    }
    progress.finish();
    let skipped = assigned.len() - todo.len();
    let csv = if options.shard.is_none() {
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
        csv,
    })
}

/// `key = value, ...` of point `i`.
fn describe(s: &Scenario, i: usize) -> String {
    s.sweep
        .iter()
        .zip(s.sweep_coordinates(i))
        .map(|(a, v)| format!("{} = {}", a.key, a.values[v].text))
        .collect::<Vec<_>>()
        .join(", ")
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

/// The columns of `sweep.csv` after the swept keys.
const COLUMNS: [&str; 21] = [
    "strategy",
    "mean",
    "ci95_lo",
    "ci95_hi",
    "sd",
    "p5",
    "p25",
    "p50",
    "p75",
    "p95",
    "p99",
    "cvar95",
    "cash_total_mean",
    "npv_mean",
    "savings_mean",
    "savings_ci95_lo",
    "savings_ci95_hi",
    "savings_percent",
    "share_saving",
    "p_cheapest",
    "utilization_mean",
];

/// Writes `sweep.csv` and the sweep's charts for a complete set of points.
pub fn write_outputs(dir: &Path, points: &[PointFile]) -> Result<PathBuf> {
    let keys = &points[0].sweep.keys;
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["point".to_string()];
    header.extend(keys.iter().cloned());
    header.extend(COLUMNS.iter().map(|c| c.to_string()));
    header.push("break_even_month".to_string());
    w.write_record(&header).map_err(anyhow::Error::from)?;
    for p in points {
        for st in &p.summary.strategies {
            let mut row = vec![p.point.to_string()];
            row.extend(p.values.iter().cloned());
            let sv = &st.savings_vs_payg;
            row.extend([
                st.name.clone(),
                st.total.mean.clone(),
                st.total.ci95[0].clone(),
                st.total.ci95[1].clone(),
                st.total.sd.clone(),
                st.total.p5.clone(),
                st.total.p25.clone(),
                st.total.p50.clone(),
                st.total.p75.clone(),
                st.total.p95.clone(),
                st.total.p99.clone(),
                st.total.cvar95.clone(),
                st.cash_total_mean.clone(),
                st.npv_mean.clone(),
                sv.mean.clone(),
                sv.ci95[0].clone(),
                sv.ci95[1].clone(),
                format!("{:.4}", sv.percent),
                format!("{:.6}", sv.share_saving),
                format!("{:.6}", st.p_cheapest),
                format!("{:.6}", st.utilization_mean),
                st.break_even_month.map_or(String::new(), |m| m.to_string()),
            ]);
            w.write_record(&row).map_err(anyhow::Error::from)?;
        }
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    let path = output::write(dir, "sweep.csv", &bytes)?;
    crate::report::sweep_plot::write_all(dir, points)?;
    Ok(path)
}

/// `capsim merge`: joins the points of shard folders into `sweep.csv` and charts in `out`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<PathBuf> {
    let points = collect(dirs)?;
    output::prepare_dir(out)?;
    write_outputs(out, &points)
}
