//! The command line: one function per command (docs/spec.md, section 1).

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::montecarlo::{Runner, Settings};
use crate::output;
use crate::progress::Progress;
use crate::report;
use crate::report::bill::{HourRows, StrategyBill};
use crate::report::outputs::{RunView, run_outputs};
use crate::report::results::RunStats;
use crate::scenario::Scenario;
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
    /// Searches what to buy for the lowest cost objective, checks it on fresh trials, and
    /// writes the recommendation, its curves and a report.
    Recommend(RecommendArgs),
    /// Previews demand before any price: running VMs per fleet and in total, by month and by
    /// local hour of the week, printed, charted and written as demand.csv.
    Demand(DemandArgs),
}

/// Flags of `capsim demand`.
#[derive(Args, Debug)]
pub struct DemandArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Number of trials (default: 100, a few seconds on the shipped examples; the scenario's
    /// trials are for runs).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub trials: Option<u64>,
    /// Seed of the trials (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Output folder (default: output/<scenario name>/demand).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress and no tables.
    #[arg(long)]
    pub quiet: bool,
}

/// Flags of `capsim recommend`.
#[derive(Args, Debug)]
pub struct RecommendArgs {
    /// The scenario file ([recommend] is optional).
    pub scenario: PathBuf,
    /// Search trials (default: [recommend] trials).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000_000))]
    pub trials: Option<u32>,
    /// Fresh trials of the out-of-sample check (default: [recommend] check_trials).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000_000))]
    pub check_trials: Option<u32>,
    /// Seed of the trials (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Output folder (default: output/<scenario name>/recommend).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress and no summary.
    #[arg(long)]
    pub quiet: bool,
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
    /// Write the strategy's bill as FOCUS 1.2 Cost and Usage rows to this CSV file (needs
    /// `--strategy`) instead of printing the bill.
    #[arg(long, value_name = "FILE.csv")]
    pub focus: Option<PathBuf>,
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
        Command::Recommend(args) => recommend(&args),
        Command::Demand(args) => demand(&args),
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
                // Held until the process is gone: no set of outputs starts moving into its
                // folder, and one that was moving has finished.
                let _outputs = output::abandon();
                eprintln!("capsim: interrupted again, stopping now");
                std::process::exit(130);
            }
            eprintln!("capsim: interrupted; finishing the trials in progress (Ctrl-C again to stop at once)");
        });
    });
}

/// Worker threads for runs of `trials` trials: none asked for is one per core (0); a request
/// is capped at one per core and one per trial, saying so, since trials are CPU-bound and each
/// thread holds a trial's buffers: more threads only cost time and memory (docs/decisions.md).
/// The library's [`Runner`] takes any count; the cap is the command's.
fn threads(requested: Option<u16>, trials: u64) -> usize {
    let Some(requested) = requested else {
        return 0;
    };
    let requested = usize::from(requested);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cap = cores
        .min(usize::try_from(trials).unwrap_or(usize::MAX))
        .max(1);
    if requested > cap {
        eprintln!(
            "capsim: --threads {requested} capped at {cap}: at most one thread per core ({cores} core{}) and one per trial ({trials} trial{})",
            if cores == 1 { "" } else { "s" },
            if trials == 1 { "" } else { "s" }
        );
        cap
    } else {
        requested
    }
}

fn run(args: &RunArgs) -> Result<()> {
    catch_interrupts();
    let s = Scenario::load(&args.scenario)?;
    let trials = args.trials.unwrap_or(u64::from(s.trials));
    let settings = Settings {
        first: 0,
        trials,
        seed: args.seed.unwrap_or(s.seed),
        threads: threads(args.threads, trials),
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&s.name));
    let engine = Engine::new(&s)?;
    warn_prices(&engine);
    let runner = Runner::new(&engine);
    let names: Vec<String> = engine.plans.iter().map(|p| p.name.clone()).collect();
    // Declared before the set of outputs, which is written from views of them.
    let (samples, stats);
    // Every output is written into a staging folder and moves into `dir` as one set, so the
    // folder never holds a mix of this run's files and an earlier run's.
    let mut staged = run_outputs(&names, crate::fleet::draw_columns(&s)).stage(&dir)?;
    let mut progress = Progress::new(settings.trials, "trials", args.quiet);
    samples = runner.collect(
        settings,
        &STOP,
        |n| progress.inc(n),
        |t| Ok(staged.trial(t)?),
    )?;
    progress.finish();
    let done = samples.n as u64;
    if done == 0 {
        return Err(Error::Interrupted(
            "interrupted before any trial finished; nothing was written".to_string(),
        ));
    }
    let partial = done < settings.trials;
    stats = RunStats::new(&engine, &samples, settings.seed, settings.trials, partial);
    let view = RunView::new(&engine, &samples, &stats)?;
    staged.commit(&view)?;
    let summary_path = dir.join("summary.json");
    if !args.quiet {
        print(&format!(
            "{}\nWrote {}, {} and the charts; the report is {}\n",
            report::summary::text(&stats),
            summary_path.display(),
            dir.join("trials.csv").display(),
            dir.join("report.html").display()
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

fn recommend(args: &RecommendArgs) -> Result<()> {
    catch_interrupts();
    let s = Scenario::load(&args.scenario)?;
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&s.name).join("recommend"));
    let trials = u64::from(
        args.trials
            .unwrap_or(crate::scenario::Recommend::of(&s).trials),
    );
    let options = crate::recommend::Options {
        trials: args.trials,
        check_trials: args.check_trials,
        seed: args.seed,
        threads: threads(args.threads, trials),
    };
    let mut progress = Progress::open_ended("bills", args.quiet);
    let found = crate::recommend::recommend(&s, options, &STOP, &mut |step| match step {
        crate::recommend::Step::Planned(n) => progress.plan(n),
        crate::recommend::Step::Billed(n) => progress.inc(n),
    })?;
    progress.finish();
    let view = report::recommend::View::new(&s, &found)?;
    report::recommend::outputs().stage(&dir)?.commit(&view)?;
    if !args.quiet {
        print(&format!(
            "{}\nWrote {}; the report is {}\n",
            view.text(),
            dir.join("recommend.json").display(),
            dir.join("report.html").display()
        ))?;
    }
    Ok(())
}

fn sweep(args: &SweepArgs) -> Result<()> {
    catch_interrupts();
    let s = Scenario::load(&args.scenario)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&s.name).join("sweep"));
    let trials = args.trials.unwrap_or(u64::from(s.trials));
    let options = crate::sweep::Options {
        shard: args.shard,
        resume: args.resume,
        trials: args.trials,
        threads: threads(args.threads, trials),
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
        match &outcome.written {
            Some(w) => text.push_str(&written_line(w)),
            None => text.push_str("This shard is done; join the shards with capsim merge\n"),
        }
        print(&text)?;
    }
    if let Some(w) = &outcome.written {
        warn_sweep(w);
    }
    Ok(())
}

fn merge(args: &MergeArgs) -> Result<()> {
    // No trials to finish: the first Ctrl-C stops at once, leaving the folder as it was.
    STOP.store(true, Ordering::SeqCst);
    catch_interrupts();
    let out = args.out.clone().unwrap_or_else(|| args.dirs[0].clone());
    let written = crate::sweep::merge(&args.dirs, &out)?;
    print(&written_line(&written))?;
    warn_sweep(&written);
    Ok(())
}

/// Where a finished sweep's outputs are.
fn written_line(w: &crate::sweep::Written) -> String {
    format!(
        "Wrote {} and the sweep charts; the best values are in {}\n",
        w.csv.display(),
        w.csv.with_file_name("sweep.md").display()
    )
}

/// The sweep's best values on the edge of its grid, as `sweep.md` lists them.
fn warn_sweep(written: &crate::sweep::Written) {
    for w in &written.warnings {
        eprintln!("capsim: warning: {w}");
    }
}

fn validate(path: &PathBuf) -> Result<()> {
    let s = Scenario::load(path)?;
    warn_prices(&Engine::new(&s)?);
    print(&report::inputs::describe(&s))
}

/// Says on stderr which purchases cost as much as pay-as-you-go or more.
fn warn_prices(engine: &Engine<'_>) {
    for w in report::inputs::price_warnings(engine) {
        eprintln!("capsim: warning: {w}");
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
    if args.focus.is_some() && args.strategy.is_none() {
        return Err(Error::Usage(
            "--focus: needs --strategy NAME (a FOCUS file holds one strategy's bill)".to_string(),
        ));
    }
    let mut ws = engine.workspace();
    engine.fill(args.seed.unwrap_or(s.seed), args.trial, &mut ws)?;
    if let (Some(path), [p]) = (&args.focus, plans.as_slice()) {
        let names = s.billing.names.clone();
        return report::focus::write(&engine, &mut ws, args.trial, *p, names, path);
    }
    let bills: Vec<StrategyBill> = plans
        .into_iter()
        .map(|p| {
            let hours = args.hourly.then(|| {
                let mut rows = HourRows::default();
                engine.match_plan(p, &mut ws, &mut rows);
                rows
            });
            let bill = engine
                .bill(p, &mut ws)
                .map_err(|e| engine.overflow(args.trial, p, e))?;
            let attributed = engine
                .attribute(p, &ws, &bill)
                .map_err(|e| engine.overflow(args.trial, p, e))?;
            Ok(StrategyBill {
                bill,
                events: engine.plans[p].events.clone(),
                hours,
                plan: p,
                attributed,
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

fn demand(args: &DemandArgs) -> Result<()> {
    catch_interrupts();
    let s = Scenario::load(&args.scenario)?;
    let trials = args.trials.unwrap_or(crate::demand::DEFAULT_TRIALS);
    let settings = Settings {
        first: 0,
        trials,
        seed: args.seed.unwrap_or(s.seed),
        threads: threads(args.threads, trials),
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&s.name).join("demand"));
    let demand = crate::demand::Demand::new(&s);
    demand.check_sample_memory(trials)?;
    let mut progress = Progress::new(trials, "trials", args.quiet);
    let results = demand.collect(settings, &STOP, |n| progress.inc(n))?;
    progress.finish();
    if (results.len() as u64) < trials {
        // A preview is quick to run again: no partial set is written.
        return Err(Error::Interrupted(
            "interrupted before every trial finished; nothing was written".to_string(),
        ));
    }
    let stats = crate::demand::DemandStats::new(&demand, &results);
    let view = report::demand::View {
        scenario: &s,
        demand: &demand,
        stats: &stats,
        seed: settings.seed,
    };
    report::demand::outputs().stage(&dir)?.commit(&view)?;
    if !args.quiet {
        print(&format!(
            "{}\nWrote {} and the chart {}\n",
            view.text(),
            dir.join("demand.csv").display(),
            dir.join("demand.png").display()
        ))?;
    }
    Ok(())
}
