//! The one place progress is shown: a bar with rate and ETA on a terminal, a plain line every
//! few seconds otherwise, nothing under `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How often the plain line is printed when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// Progress of a count of work items (trials, sweep points).
pub struct Progress {
    kind: Kind,
    /// False when the total grows as the work goes (a search): no time left is shown.
    eta: bool,
    periodic: bool,
    total: u64,
    done: u64,
    unit: &'static str,
    started: Instant,
}

enum Kind {
    Hidden,
    Bar(ProgressBar),
    Plain { last: Instant },
}

impl Progress {
    /// Progress of `total` items called `unit` ("trials"); hidden when `quiet`.
    pub fn new(total: u64, unit: &'static str, quiet: bool) -> Progress {
        Progress::with_eta(total, unit, quiet, true)
    }

    /// Progress of work whose total is learnt as it goes ([`Progress::plan`]): the count done,
    /// the count planned so far and the rate, without a time left.
    pub fn open_ended(unit: &'static str, quiet: bool) -> Progress {
        Progress::with_eta(0, unit, quiet, false)
    }

    fn with_eta(total: u64, unit: &'static str, quiet: bool, eta: bool) -> Progress {
        let kind = if quiet {
            Kind::Hidden
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(&if eta {
                    format!("{{bar:40}} {{pos}}/{{len}} {unit}, {{rate}} {unit}/s, ETA {{eta}}")
                } else {
                    format!("{{pos}} of the {{len}} {unit} planned so far, {{rate}} {unit}/s")
                })
                .expect("a valid template")
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.1}", state.per_sec());
                    },
                ),
            );
            Kind::Bar(bar)
        } else {
            Kind::Plain {
                last: Instant::now(),
            }
        };
        Progress {
            kind,
            eta,
            periodic: true,
            total,
            done: 0,
            unit,
            started: Instant::now(),
        }
    }

    /// Whether the plain line (stderr not a terminal) is printed every few seconds; a sweep
    /// prints one line per finished point instead.
    pub fn set_periodic(&mut self, periodic: bool) {
        self.periodic = periodic;
    }

    /// Items per second so far.
    pub fn rate(&self) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 {
            self.done as f64 / secs
        } else {
            0.0
        }
    }

    /// `n` more items are planned (a search learns its work as it goes).
    pub fn plan(&mut self, n: u64) {
        self.total += n;
        if let Kind::Bar(bar) = &self.kind {
            bar.inc_length(n);
        }
    }

    /// `n` more items are done.
    pub fn inc(&mut self, n: u64) {
        self.done += n;
        match &mut self.kind {
            Kind::Hidden => {}
            Kind::Bar(bar) => bar.inc(n),
            Kind::Plain { last } => {
                if self.periodic && last.elapsed() >= PLAIN_EVERY && self.done < self.total {
                    *last = Instant::now();
                    let rate = self.done as f64 / self.started.elapsed().as_secs_f64();
                    if self.eta {
                        let eta = (self.total - self.done) as f64 / rate.max(1e-9);
                        eprintln!(
                            "capsim: {}/{} {}, {rate:.1} {}/s, ETA {eta:.0}s",
                            self.done, self.total, self.unit, self.unit
                        );
                    } else {
                        eprintln!(
                            "capsim: {} of the {} {} planned so far, {rate:.1} {}/s",
                            self.done, self.total, self.unit, self.unit
                        );
                    }
                }
            }
        }
    }

    /// A line for the log (a finished sweep point) that does not break the bar.
    pub fn println(&self, line: &str) {
        match &self.kind {
            Kind::Hidden => {}
            Kind::Bar(bar) => bar.println(line),
            Kind::Plain { .. } => eprintln!("{line}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Kind::Bar(bar) = &self.kind {
            bar.finish_and_clear();
        }
    }
}
