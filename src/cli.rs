//! The command line: one function per command (docs/spec.md, section 1).

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::montecarlo::{Runner, Settings};
use crate::output;
use crate::progress::Progress;
use crate::report;
use crate::report::bill::{HourRows, StrategyBill};
use crate::report::trials::TrialsCsv;
use crate::scenario::dist::ParamValue;
use crate::scenario::{EventAction, FleetKind, Scenario};
use crate::time::format_instant;
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// capsim: the cost distribution of reserved instances, subscriptions and pay-as-you-go under
/// uncertain demand.
#[derive(Parser, Debug)]
#[command(name = "capsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse and check a scenario file; print what it holds.
    Validate {
        /// The scenario file.
        scenario: PathBuf,
    },
    /// Monte Carlo run: every strategy on thousands of synthetic fleets; writes the output
    /// folder and prints a summary.
    Run(RunArgs),
    /// Itemised bill of one trial for one or all strategies.
    Bill(BillArgs),
    /// Runs the points of the scenario's [sweep] grid, each written as soon as it is done.
    Sweep(SweepArgs),
    /// Joins the points of a sweep's shards into sweep.csv and charts.
    Merge(MergeArgs),
}

/// Flags of `capsim sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The scenario file, with a [sweep] table.
    pub scenario: PathBuf,
    /// Run only the points i with i % N == I (Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT).
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<crate::sweep::Shard>,
    /// Skip the points already finished in the output folder.
    #[arg(long)]
    pub resume: bool,
    /// Trials per point (default: the scenario's).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub trials: Option<u64>,
    /// Worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Output folder (default: output/<scenario name>/sweep).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress and no summary.
    #[arg(long)]
    pub quiet: bool,
}

/// Flags of `capsim merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Output folders of the shards of one sweep.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write sweep.csv and the charts (default: the first folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn parse_shard(text: &str) -> std::result::Result<crate::sweep::Shard, String> {
    text.parse()
}

/// Flags of `capsim run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Number of trials (default: the scenario's).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub trials: Option<u64>,
    /// Seed of the trials (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Output folder (default: output/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress and no summary table.
    #[arg(long)]
    pub quiet: bool,
}

/// Flags of `capsim bill`.
#[derive(Args, Debug)]
pub struct BillArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// The trial whose fleet is billed (row K of trials.csv).
    #[arg(long, default_value_t = 0)]
    pub trial: u64,
    /// The seed (default: the scenario's), as given to `capsim run --seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Only this strategy (`payg` or a strategy's name).
    #[arg(long)]
    pub strategy: Option<String>,
    /// List every hour and (type, zone) with usage.
    #[arg(long)]
    pub hourly: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Parses the command line and runs the command.
pub fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate { scenario } => validate(&scenario),
        Command::Run(args) => run(&args),
        Command::Bill(args) => bill(&args),
        Command::Sweep(args) => sweep(&args),
        Command::Merge(args) => merge(&args),
    }
}

/// Writes to standard output; a closed pipe becomes [`Error::ClosedPipe`].
pub fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Set by Ctrl-C: trials stop at the next boundary; a second Ctrl-C exits at once.
static STOP: AtomicBool = AtomicBool::new(false);

fn catch_interrupts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Without a handler (e.g. no signal support) Ctrl-C kills the run; outputs are atomic,
        // so nothing half-written is left either way.
        let _ = ctrlc::set_handler(|| {
            if STOP.swap(true, Ordering::SeqCst) {
                eprintln!("capsim: interrupted again, stopping now");
                std::process::exit(130);
            }
            eprintln!("capsim: interrupted; finishing the trials in progress (Ctrl-C again to stop at once)");
        });
    });
}

fn run(args: &RunArgs) -> Result<()> {
    let s = Scenario::load(&args.scenario)?;
    let settings = Settings {
        trials: args.trials.unwrap_or(u64::from(s.trials)),
        seed: args.seed.unwrap_or(s.seed),
        threads: args.threads.map_or(0, usize::from),
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&s.name));
    let engine = Engine::new(&s)?;
    let runner = Runner::new(&engine);
    output::prepare_dir(&dir)?;
    catch_interrupts();
    let names: Vec<String> = engine.plans.iter().map(|p| p.name.clone()).collect();
    let mut csv = TrialsCsv::create(&dir)?;
    let mut progress = Progress::new(settings.trials, "trials", args.quiet);
    let samples = runner.collect(
        settings,
        &STOP,
        |n| progress.inc(n),
        |t| Ok(csv.add(&names, t)?),
    )?;
    progress.finish();
    let done = samples.n as u64;
    if done == 0 {
        return Err(Error::Interrupted(
            "interrupted before any trial finished; nothing was written".to_string(),
        ));
    }
    let partial = done < settings.trials;
    let summary =
        report::summary::summarize(&engine, &samples, settings.seed, settings.trials, partial);
    let csv_path = csv.commit()?;
    let json = serde_json::to_string_pretty(&summary).expect("plain data serialises") + "\n";
    let summary_path = output::write(&dir, "summary.json", json.as_bytes())?;
    let plots = report::plot::PlotData::new(&engine, &samples, &summary);
    let figures = report::plot::write_all(&dir, &plots)?;
    let doc = report::writeup::document(&engine, &summary, &figures);
    output::write(&dir, "report.md", doc.markdown().as_bytes())?;
    let html_path = output::write(&dir, "report.html", doc.html().as_bytes())?;
    if !args.quiet {
        print(&format!(
            "{}\nWrote {}, {} and the charts; the report is {}\n",
            report::summary::text(&summary),
            summary_path.display(),
            csv_path.display(),
            html_path.display()
        ))?;
    }
    if partial {
        return Err(Error::Interrupted(format!(
            "interrupted: {} covers only the {done} finished trials of {}",
            summary_path.display(),
            settings.trials
        )));
    }
    Ok(())
}

fn sweep(args: &SweepArgs) -> Result<()> {
    let s = Scenario::load(&args.scenario)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&s.name).join("sweep"));
    catch_interrupts();
    let options = crate::sweep::Options {
        shard: args.shard,
        resume: args.resume,
        trials: args.trials,
        threads: args.threads.map_or(0, usize::from),
        out: out.clone(),
        quiet: args.quiet,
    };
    let outcome = crate::sweep::run(&s, &options, &STOP)?;
    if !args.quiet {
        let mut text = format!(
            "{} of {} points computed{} in {}\n",
            outcome.computed,
            outcome.assigned,
            if outcome.skipped > 0 {
                format!(", {} already finished", outcome.skipped)
            } else {
                String::new()
            },
            out.join("points").display()
        );
        match &outcome.csv {
            Some(csv) => text.push_str(&format!("Wrote {} and the sweep charts\n", csv.display())),
            None => text.push_str("This shard is done; join the shards with capsim merge\n"),
        }
        print(&text)?;
    }
    Ok(())
}

fn merge(args: &MergeArgs) -> Result<()> {
    let out = args.out.clone().unwrap_or_else(|| args.dirs[0].clone());
    let csv = crate::sweep::merge(&args.dirs, &out)?;
    print(&format!("Wrote {} and the sweep charts\n", csv.display()))
}

fn validate(path: &PathBuf) -> Result<()> {
    let s = Scenario::load(path)?;
    print(&describe(&s))
}

/// What `capsim validate` prints: what the scenario holds, in a planner's words.
pub fn describe(s: &Scenario) -> String {
    let mut out = format!(
        "{}: valid\nscenario \"{}\": {} to {} ({}), {} trials, seed {}, {}, {} billing rules\n",
        s.file.display(),
        s.name,
        crate::time::format_local(s.start, s.billing.calendar_zone),
        crate::time::format_local(s.end, s.billing.calendar_zone),
        s.horizon,
        s.trials,
        s.seed,
        s.currency,
        s.billing.profile
    );
    out.push_str(&format!("instance types ({}):\n", s.types.len()));
    for t in &s.types {
        let terms: Vec<String> = t.reserved.iter().map(|r| r.term.to_string()).collect();
        out.push_str(&format!(
            "  {} (family {}, {} unit{}): pay-as-you-go {}/h{}{}\n",
            t.name,
            t.family,
            t.units.normalize(),
            if t.units == rust_decimal::Decimal::ONE {
                ""
            } else {
                "s"
            },
            t.payg_hourly.normalize(),
            if terms.is_empty() {
                String::new()
            } else {
                format!("; reserved {}", terms.join(", "))
            },
            if t.subscription.is_some() {
                "; subscription"
            } else {
                ""
            }
        ));
    }
    out.push_str(&format!(
        "zones ({}): {}\n",
        s.zones.len(),
        s.zones.join(", ")
    ));
    out.push_str(&format!("fleets ({}):\n", s.fleets.len()));
    for f in &s.fleets {
        let hb = if f.hybrid_benefit {
            ", hybrid benefit"
        } else {
            ""
        };
        match &f.kind {
            FleetKind::Trace(t) => out.push_str(&format!(
                "  {}: trace {} ({} VMs){hb}\n",
                f.name,
                t.file.display(),
                t.vms.len()
            )),
            FleetKind::Synthetic(syn) => {
                let mut parts = vec![format!(
                    "{} in {}",
                    s.types[syn.instance_type].name, s.zones[syn.zone]
                )];
                parts.push(format!("baseline {}", param_text(&syn.baseline.value)));
                if let Some(a) = &syn.arrivals {
                    parts.push(format!(
                        "arrivals {}/h, growth {}",
                        param_text(&a.rate_per_hour.value),
                        param_text(&a.growth_per_year.value)
                    ));
                }
                for e in &syn.events {
                    let (what, v) = match &e.action {
                        EventAction::Add(p) => ("add", p),
                        EventAction::Remove(p) => ("remove", p),
                        EventAction::RateMultiplier(p) => ("rate x", p),
                    };
                    parts.push(format!(
                        "{what} {} at {} (p = {})",
                        param_text(&v.value),
                        format_instant(e.at),
                        param_text(&e.probability.value)
                    ));
                }
                out.push_str(&format!("  {}: {}{hb}\n", f.name, parts.join(", ")));
            }
        }
    }
    out.push_str(&format!(
        "strategies ({} and the payg baseline):\n",
        s.strategies.len()
    ));
    for st in &s.strategies {
        let mut parts = Vec::new();
        for r in &st.reserves {
            parts.push(format!(
                "reserve {} x {} {} {} {}{}{}",
                r.count,
                s.types[r.instance_type].name,
                r.term,
                r.payment,
                r.zone
                    .map_or("regional".to_string(), |z| format!("in {}", s.zones[z])),
                if r.size_flexible {
                    ", size-flexible"
                } else {
                    ""
                },
                if r.renew { ", renewed" } else { "" }
            ));
        }
        for sub in &st.subscribes {
            parts.push(format!(
                "subscribe {} x {} in {} for {}{}",
                sub.count,
                s.types[sub.instance_type].name,
                s.zones[sub.zone],
                sub.duration,
                if sub.renew { ", renewed" } else { "" }
            ));
        }
        if parts.is_empty() {
            parts.push("buys nothing (pay-as-you-go)".to_string());
        }
        out.push_str(&format!("  {}: {}\n", st.name, parts.join("; ")));
    }
    if !s.sweep.is_empty() {
        out.push_str(&format!(
            "sweep: {} points over {}\n",
            s.sweep_points(),
            s.sweep
                .iter()
                .map(|a| format!("'{}' ({} values)", a.key, a.values.len()))
                .collect::<Vec<_>>()
                .join(" x ")
        ));
    }
    out
}

fn param_text(p: &ParamValue) -> String {
    match p {
        ParamValue::Fixed(v) => format!("{v}"),
        ParamValue::Normal { mean, sd } => format!("normal(mean {mean}, sd {sd})"),
        ParamValue::Uniform { low, high } => format!("uniform({low} to {high})"),
        ParamValue::Triangular { min, mode, max } => format!("triangular({min}, {mode}, {max})"),
        ParamValue::LogNormal { median, sigma } => {
            format!("lognormal(median {median}, sigma {sigma})")
        }
        ParamValue::Choice { values, .. } => format!("choice of {values:?}"),
    }
}

fn bill(args: &BillArgs) -> Result<()> {
    let s = Scenario::load(&args.scenario)?;
    let engine = Engine::new(&s)?;
    let plans: Vec<usize> = match &args.strategy {
        None => (0..engine.plans.len()).collect(),
        Some(name) => {
            let p = engine
                .plans
                .iter()
                .position(|p| &p.name == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = engine.plans.iter().map(|p| p.name.as_str()).collect();
                    Error::Usage(format!(
                        "--strategy: found \"{name}\", expected one of {}",
                        crate::scenario::read::one_of(&names)
                    ))
                })?;
            vec![p]
        }
    };
    let mut ws = engine.workspace();
    engine.fill(args.seed.unwrap_or(s.seed), args.trial, &mut ws)?;
    let bills: Vec<StrategyBill> = plans
        .into_iter()
        .map(|p| {
            let hours = args.hourly.then(|| {
                let mut rows = HourRows::default();
                engine.match_plan(p, &mut ws, &mut rows);
                rows
            });
            Ok(StrategyBill {
                bill: engine
                    .bill(p, &mut ws)
                    .map_err(|e| engine.overflow(args.trial, p, e))?,
                events: engine.plans[p].events.clone(),
                hours,
            })
        })
        .collect::<Result<_>>()?;
    let text = if args.json {
        report::bill::json(&engine, args.trial, &bills)
    } else {
        report::bill::text(&engine, args.trial, &bills)
    };
    print(&text)
}
