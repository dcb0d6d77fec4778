//! The demand of a scenario before any price (docs/spec.md, section 16): per fleet and in
//! total, the VMs running by month and by local hour of the week, across trials.
//!
//! A fleet's VMs come from streams keyed by its name (see [`crate::fleet`]), so generating a
//! fleet on its own gives the VMs it has in the full trial: each fleet is generated alone, its
//! VM-seconds summed per hour, and the total is the sum of the fleets' hours.

use crate::error::{Error, InputError, Result};
use crate::fleet::Generator;
use crate::montecarlo::{MAX_SAMPLE_BYTES, Settings, for_trials_with};
use crate::scenario::{FleetKind, Scenario};
use crate::stats::{quantile_sorted, sorted};
use crate::time::{Duration, HOUR, Instant};
use crate::usage::{Layout, VmSink};
use rust_decimal::Decimal;
use std::sync::atomic::AtomicBool;

/// Trials of `capsim demand` unless `--trials` says otherwise: enough for the 5th and 95th
/// percentiles, and a few seconds on the shipped examples.
pub const DEFAULT_TRIALS: u64 = 100;

/// Hours in a week: the local hours of the week, Monday 00:00 first.
pub const HOURS_OF_WEEK: usize = 168;

/// The weekdays' short names, Monday first.
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A span a series is summarised over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// The whole horizon.
    Horizon,
    /// Month `m` (0-based) of the horizon: `[start + m months, start + m + 1 months)` on the
    /// billing calendar, cut at the horizon's end.
    Month(usize),
    /// A local hour of the week (0 is Monday 00:00), over every such hour of the horizon.
    HourOfWeek(usize),
}

impl Period {
    /// The view's name in `demand.csv`: `horizon`, `month` or `hour_of_week`.
    pub fn view(self) -> &'static str {
        match self {
            Period::Horizon => "horizon",
            Period::Month(_) => "month",
            Period::HourOfWeek(_) => "hour_of_week",
        }
    }

    /// The period's number in its view: 1 for the horizon, months from 1, hours of the week
    /// from 0 (Monday 00:00).
    pub fn number(self) -> usize {
        match self {
            Period::Horizon => 1,
            Period::Month(m) => m + 1,
            Period::HourOfWeek(k) => k,
        }
    }
}

/// A local hour of the week as words: `Mon 00:00`.
pub fn hour_of_week_label(k: usize) -> String {
    format!("{} {:02}:00", WEEKDAYS[k / 24], k % 24)
}

/// The hours of the horizon and the periods they fall in, the same for every trial.
///
/// Hour `h` is `[start + 3600 h, start + 3600 (h + 1))`, the last one cut at the horizon's
/// end. Months step whole days on a whole-hour calendar zone, so they start on these hours;
/// an hour's local hour of the week is that of its first second.
#[derive(Clone, Debug)]
pub struct Grid {
    /// First second of the horizon.
    pub start: Instant,
    /// First second after it.
    pub end: Instant,
    /// Seconds of each hour inside the horizon (3600, but the last may be shorter).
    hour_seconds: Vec<i64>,
    /// Month of each hour.
    month_of_hour: Vec<u32>,
    /// Local hour of the week of each hour.
    slot_of_hour: Vec<u8>,
    /// First second of each month.
    pub month_starts: Vec<Instant>,
    /// The periods in the order of every series' values: the horizon, the months, then the
    /// hours of the week the horizon holds.
    pub periods: Vec<Period>,
    /// Seconds of the horizon in each period, in the order of `periods`.
    period_seconds: Vec<i64>,
    /// Index into `periods` of each hour of the week (`None` when the horizon has none).
    slot_period: [Option<usize>; HOURS_OF_WEEK],
}

impl Grid {
    /// The grid of a scenario.
    pub fn new(s: &Scenario) -> Grid {
        let hours = ((s.end - s.start) + HOUR - 1) / HOUR;
        let hour_seconds: Vec<i64> = (0..hours)
            .map(|h| (s.end - (s.start + h * HOUR)).min(HOUR))
            .collect();
        let mut month_starts = vec![s.start];
        loop {
            let next =
                Duration::Months(month_starts.len() as i32).after(s.start, s.billing.calendar_zone);
            if next >= s.end {
                break;
            }
            month_starts.push(next);
        }
        let month_of_hour: Vec<u32> = (0..hours)
            .map(|h| {
                let t = s.start + h * HOUR;
                (month_starts.partition_point(|&m| m <= t) - 1) as u32
            })
            .collect();
        let slot_of_hour: Vec<u8> = (0..hours)
            .map(|h| {
                let (hour, weekday) = s.timezone.hour_and_weekday(s.start + h * HOUR);
                (weekday * 24 + hour) as u8
            })
            .collect();
        let mut slot_seconds = [0i64; HOURS_OF_WEEK];
        for (&k, &secs) in slot_of_hour.iter().zip(&hour_seconds) {
            slot_seconds[usize::from(k)] += secs;
        }
        let mut month_seconds = vec![0i64; month_starts.len()];
        for (&m, &secs) in month_of_hour.iter().zip(&hour_seconds) {
            month_seconds[m as usize] += secs;
        }
        let mut periods = vec![Period::Horizon];
        let mut period_seconds = vec![s.end - s.start];
        periods.extend((0..month_starts.len()).map(Period::Month));
        period_seconds.extend(&month_seconds);
        let mut slot_period = [None; HOURS_OF_WEEK];
        for (k, &secs) in slot_seconds.iter().enumerate() {
            if secs > 0 {
                slot_period[k] = Some(periods.len());
                periods.push(Period::HourOfWeek(k));
                period_seconds.push(secs);
            }
        }
        Grid {
            start: s.start,
            end: s.end,
            hour_seconds,
            month_of_hour,
            slot_of_hour,
            month_starts,
            periods,
            period_seconds,
            slot_period,
        }
    }

    /// Number of hours.
    pub fn hours(&self) -> usize {
        self.hour_seconds.len()
    }

    /// Number of months.
    pub fn months(&self) -> usize {
        self.month_starts.len()
    }

    /// The index into [`Grid::periods`] of a period, if the horizon holds it.
    pub fn index(&self, p: Period) -> Option<usize> {
        match p {
            Period::Horizon => Some(0),
            Period::Month(m) => (m < self.months()).then_some(1 + m),
            Period::HourOfWeek(k) => self.slot_period.get(k).copied().flatten(),
        }
    }

    /// Appends the values of a series whose VM-seconds by hour are `seconds`: per period in
    /// the order of [`Grid::periods`], the mean running VMs (VM-seconds over seconds), then per
    /// period the peak, the largest mean running VMs of one of its hours.
    fn values(&self, seconds: &[i64], out: &mut Vec<f64>) {
        let n = self.periods.len();
        let mut sums = vec![0i64; n];
        let mut peaks = vec![0.0f64; n];
        for (h, &vm_seconds) in seconds.iter().enumerate() {
            let running = vm_seconds as f64 / self.hour_seconds[h] as f64;
            let month = 1 + self.month_of_hour[h] as usize;
            let slot = self.slot_period[usize::from(self.slot_of_hour[h])]
                .expect("an hour's slot is a period");
            for p in [0, month, slot] {
                sums[p] += vm_seconds;
                peaks[p] = peaks[p].max(running);
            }
        }
        out.extend(
            sums.iter()
                .zip(&self.period_seconds)
                .map(|(&s, &secs)| s as f64 / secs as f64),
        );
        out.extend(peaks);
    }
}

/// VM-seconds by hour of the horizon, summed as VMs are sent: each VM adds to a difference
/// array of VMs running whole hours and corrects its first and last hour by the seconds it
/// misses there, so a VM costs the same whatever its length.
#[derive(Clone, Debug)]
struct Hourly {
    start: Instant,
    end: Instant,
    /// Change, at each hour, of the VMs running from the hour's start.
    running: Vec<i64>,
    /// Seconds to add to each hour for VMs that start or end inside it.
    partial: Vec<i64>,
}

impl Hourly {
    fn new(grid: &Grid) -> Hourly {
        Hourly {
            start: grid.start,
            end: grid.end,
            running: vec![0; grid.hours() + 1],
            partial: vec![0; grid.hours() + 1],
        }
    }

    fn clear(&mut self) {
        self.running.fill(0);
        self.partial.fill(0);
    }

    /// The VM-seconds of each hour, into `out`.
    fn seconds(&self, out: &mut [i64]) {
        let mut running = 0i64;
        for (h, o) in out.iter_mut().enumerate() {
            running += self.running[h];
            *o = running * HOUR + self.partial[h];
        }
    }
}

impl VmSink for Hourly {
    #[inline]
    fn add(&mut self, _cell: usize, start: Instant, end: Instant, count: u32, _licensed: bool) {
        let (from, to) = (start.max(self.start), end.min(self.end));
        if from >= to {
            return;
        }
        let count = i64::from(count);
        let (a, b) = (from - self.start, to - self.start);
        let (ha, hb) = ((a / HOUR) as usize, (b / HOUR) as usize);
        self.running[ha] += count;
        self.running[hb] -= count;
        self.partial[ha] -= count * (a % HOUR);
        self.partial[hb] += count * (b % HOUR);
    }
}

/// How one fleet's VMs are made.
enum Source {
    /// Generated per trial from the scenario cut down to this fleet.
    Generated {
        scenario: Box<Scenario>,
        layout: Box<Layout>,
        generator: Box<Generator>,
    },
    /// The same in every trial (a replayed trace): VM-seconds by hour, computed once.
    Fixed(Vec<i64>),
}

/// A scenario prepared for the demand preview.
pub struct Demand {
    /// The scenario file (for messages).
    file: std::path::PathBuf,
    /// The hours and periods.
    pub grid: Grid,
    /// The series' names: one per fleet in the file's order, then the total.
    pub names: Vec<String>,
    sources: Vec<Source>,
}

/// One thread's buffers.
pub struct Work {
    fleet: Hourly,
    seconds: Vec<i64>,
    total: Vec<i64>,
}

/// What one trial gave: every series' values, as [`Demand::value`] reads them.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialDemand(Vec<f64>);

/// Mean running VMs or the peak hour's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// VM-seconds over seconds: the mean of the running VMs.
    Running,
    /// The largest mean running VMs of one hour of the period.
    Peak,
}

impl Demand {
    /// Prepares the preview of a scenario: a cut-down scenario per fleet, and the VM-seconds
    /// of replayed traces, which no trial changes.
    pub fn new(s: &Scenario) -> Demand {
        let grid = Grid::new(s);
        let sources = s
            .fleets
            .iter()
            .map(|f| {
                let mut one = s.clone();
                one.fleets = vec![f.clone()];
                let layout = Layout::new(&one);
                let generator = Generator::new(&one);
                match f.kind {
                    FleetKind::Trace(_) => {
                        let mut hourly = Hourly::new(&grid);
                        generator.generate(&one, &layout, s.seed, 0, &mut hourly);
                        let mut seconds = vec![0; grid.hours()];
                        hourly.seconds(&mut seconds);
                        Source::Fixed(seconds)
                    }
                    FleetKind::Synthetic(_) => Source::Generated {
                        scenario: Box::new(one),
                        layout: Box::new(layout),
                        generator: Box::new(generator),
                    },
                }
            })
            .collect();
        let mut names: Vec<String> = s.fleets.iter().map(|f| f.name.clone()).collect();
        names.push("total".to_string());
        Demand {
            file: s.file.clone(),
            grid,
            names,
            sources,
        }
    }

    /// Number of series (the fleets and the total).
    pub fn series(&self) -> usize {
        self.names.len()
    }

    /// Values kept per trial: two per series and period.
    fn values_per_trial(&self) -> usize {
        self.series() * 2 * self.grid.periods.len()
    }

    /// A thread's buffers.
    pub fn work(&self) -> Work {
        Work {
            fleet: Hourly::new(&self.grid),
            seconds: vec![0; self.grid.hours()],
            total: vec![0; self.grid.hours()],
        }
    }

    /// The demand of trial `trial` of a run with seed `seed`.
    pub fn trial(&self, seed: u64, trial: u64, work: &mut Work) -> TrialDemand {
        let mut values = Vec::with_capacity(self.values_per_trial());
        work.total.fill(0);
        for source in &self.sources {
            let seconds: &[i64] = match source {
                Source::Fixed(seconds) => seconds,
                Source::Generated {
                    scenario,
                    layout,
                    generator,
                } => {
                    work.fleet.clear();
                    generator.generate(scenario, layout, seed, trial, &mut work.fleet);
                    work.fleet.seconds(&mut work.seconds);
                    &work.seconds
                }
            };
            for (t, s) in work.total.iter_mut().zip(seconds) {
                *t += s;
            }
            self.grid.values(seconds, &mut values);
        }
        self.grid.values(&work.total, &mut values);
        TrialDemand(values)
    }

    /// Where a value is in a trial's values.
    fn position(&self, series: usize, period: usize, measure: Measure) -> usize {
        let n = self.grid.periods.len();
        series * 2 * n
            + match measure {
                Measure::Running => 0,
                Measure::Peak => n,
            }
            + period
    }

    /// A value of a trial: series `series` (fleets in order, then the total), a period of the
    /// grid (`None` when the horizon holds none of it).
    pub fn value(
        &self,
        t: &TrialDemand,
        series: usize,
        period: Period,
        measure: Measure,
    ) -> Option<f64> {
        let p = self.grid.index(period)?;
        Some(t.0[self.position(series, p, measure)])
    }

    /// Refuses a preview whose samples would not fit in [`MAX_SAMPLE_BYTES`]: every trial keeps,
    /// per fleet and the total, two numbers per month and hour of the week, for the quantiles.
    pub fn check_sample_memory(&self, trials: u64) -> Result<()> {
        let per_trial = self.values_per_trial() as u64 * 8;
        let most = MAX_SAMPLE_BYTES / per_trial.max(1);
        if trials > most {
            let grouped = |v: u64| crate::money::display_grouped(Decimal::from(v), 0);
            let fleets = self.series() - 1;
            return Err(Error::Input(InputError::file(
                &self.file,
                format!(
                    "--trials: found {}, expected at most {} for this scenario: each trial keeps {} bytes of samples ({} fleet{} and the total, {} months and {} hours of the week) and a preview holds at most 4 GiB of them",
                    grouped(trials),
                    grouped(most),
                    grouped(per_trial),
                    fleets,
                    if fleets == 1 { "" } else { "s" },
                    self.grid.months(),
                    self.grid.periods.len() - 1 - self.grid.months()
                ),
            )));
        }
        Ok(())
    }

    /// Runs the trials in parallel, in trial order; `progress` is told how many more are done.
    /// Stops early when `stop` is set: the samples hold the trials finished.
    pub fn collect(
        &self,
        settings: Settings,
        stop: &AtomicBool,
        mut progress: impl FnMut(u64),
    ) -> Result<Vec<TrialDemand>> {
        self.check_sample_memory(settings.trials)?;
        let mut trials = Vec::new();
        for_trials_with(
            || self.work(),
            settings,
            stop,
            |k, work| Ok(self.trial(settings.seed, k, work)),
            |chunk| {
                trials.extend_from_slice(chunk);
                progress(chunk.len() as u64);
                Ok(())
            },
        )?;
        Ok(trials)
    }
}

/// The 5th, 50th and 95th percentiles (type 7) of a value across trials.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantiles {
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Quantiles {
    fn of(values: &[f64]) -> Quantiles {
        let s = sorted(values);
        Quantiles {
            p5: quantile_sorted(&s, 0.05),
            p50: quantile_sorted(&s, 0.50),
            p95: quantile_sorted(&s, 0.95),
        }
    }
}

/// One series in one period, across trials.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    /// The period.
    pub period: Period,
    /// Mean running VMs.
    pub running: Quantiles,
    /// The peak hour's running VMs.
    pub peak: Quantiles,
}

/// The demand across trials.
#[derive(Clone, Debug)]
pub struct DemandStats {
    /// Trials summarised.
    pub trials: usize,
    /// The series' names (the fleets, then `total`).
    pub names: Vec<String>,
    /// Per series, a row per period of the grid, in its order.
    pub rows: Vec<Vec<Row>>,
}

impl DemandStats {
    /// Quantiles over the trials of every value.
    pub fn new(demand: &Demand, trials: &[TrialDemand]) -> DemandStats {
        let periods = &demand.grid.periods;
        let column = |i: usize| -> Vec<f64> { trials.iter().map(|t| t.0[i]).collect() };
        let rows = (0..demand.series())
            .map(|s| {
                periods
                    .iter()
                    .enumerate()
                    .map(|(p, &period)| Row {
                        period,
                        running: Quantiles::of(&column(demand.position(s, p, Measure::Running))),
                        peak: Quantiles::of(&column(demand.position(s, p, Measure::Peak))),
                    })
                    .collect()
            })
            .collect();
        DemandStats {
            trials: trials.len(),
            names: demand.names.clone(),
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(start: Instant, end: Instant) -> Grid {
        let text = format!(
            "[scenario]\nname = \"g\"\nstart = \"{}\"\nhorizon = \"{}s\"\n\n[[instance_type]]\nname = \"m\"\npayg_hourly = \"1\"\n\n[[fleet]]\nname = \"f\"\ninstance_type = \"m\"\nbaseline = 1\n",
            crate::time::format_instant(start),
            end - start
        );
        let s = Scenario::from_bytes(std::path::Path::new("g.toml"), text.into_bytes()).unwrap();
        Grid::new(&s)
    }

    #[test]
    fn partial_hours_count_the_seconds_a_vm_runs() {
        // A horizon of 2.5 hours; VMs of 30 min inside hour 0, 1h from 0:30 to 1:30, 3 VMs
        // from 1:00 past the end, and one from before the start to 0:10.
        let t0 = 1_800_000_000 - 1_800_000_000 % HOUR;
        let g = grid(t0, t0 + 9000);
        let mut h = Hourly::new(&g);
        h.add(0, t0 + 600, t0 + 2400, 1, true);
        h.add(0, t0 + 1800, t0 + 5400, 1, true);
        h.add(0, t0 + 3600, t0 + 99_999, 3, true);
        h.add(0, t0 - 500, t0 + 600, 2, true);
        let mut out = vec![0; 3];
        h.seconds(&mut out);
        assert_eq!(
            out,
            [1800 + 1800 + 2 * 600, 1800 + 3 * 3600, 3 * 1800],
            "hour 2 is the 1800 s left of the horizon"
        );
    }
}
