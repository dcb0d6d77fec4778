//! The VMs of one trial (docs/spec.md, sections 4 and 7): baseline VMs, events, Poisson arrivals with
//! daily, weekly and growth patterns, lifetimes, and replayed traces.
//!
//! Every draw comes from a stream of its own, seeded from (seed, trial, fleet name, purpose),
//! so a trial is the same on any thread and changing one fleet leaves the others' draws alone.

use crate::scenario::dist::{Lifetime, Param};
use crate::scenario::{
    BaselineGrowth, EventAction, FleetKind, MAX_ARRIVALS, MAX_COUNT, Scenario, Synthetic,
};
use crate::time::{HOUR, Instant, YEAR_SECONDS};
use crate::usage::{Layout, Usage, VmSink};
use rand::distr::Uniform;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp, LogNormal, Poisson, Weibull};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every stream uses.
pub type Stream = Xoshiro256PlusPlus;

/// What a stream is for: each has its own, so that one kind of draw never shifts another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Per-trial parameter draws.
    Parameters = 1,
    /// Whether each event happens.
    EventCoins = 2,
    /// Poisson arrival counts per hour.
    ArrivalCounts = 3,
    /// Arrival seconds within their hour.
    ArrivalSeconds = 4,
    /// Lifetimes.
    Lifetimes = 5,
    /// A shared variable of `[vars]` (the stream is named by the variable).
    Variable = 6,
}

/// What a trial drew that a planner conditions on: the shared variables and whether each
/// event happened.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draws {
    /// The value of each variable of `[vars]`, in the file's order.
    pub vars: Vec<f64>,
    /// Whether each event of the generated fleets happened, fleet by fleet in the file's
    /// order.
    pub events: Vec<bool>,
}

/// A column of what the trials drew: `var.NAME` (the variable's value) or
/// `event.FLEET.INDEX` (1 when the event happened), as `trials.csv` names it.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawColumn {
    /// The column's name.
    pub name: String,
    /// Where its value comes from.
    pub source: DrawSource,
    /// The values the report splits the trials by: a choice variable's values, or happened (1)
    /// and did not (0) for an event with a probability; `None` for the others.
    pub split: Option<Vec<f64>>,
}

/// Where a [`DrawColumn`]'s value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrawSource {
    /// Index into [`Draws::vars`].
    Var(usize),
    /// Index into [`Draws::events`].
    Event(usize),
}

impl DrawColumn {
    /// The column's value in a trial.
    pub fn value(&self, d: &Draws) -> f64 {
        match self.source {
            DrawSource::Var(i) => d.vars[i],
            DrawSource::Event(i) => f64::from(u8::from(d.events[i])),
        }
    }
}

/// The columns of what a scenario's trials draw: every variable, then every event that may or
/// may not happen (a probability other than a fixed 0 or 1, or a `when`), fleet by fleet.
pub fn draw_columns(s: &Scenario) -> Vec<DrawColumn> {
    use crate::scenario::dist::ParamValue;
    let mut out: Vec<DrawColumn> = s
        .vars
        .iter()
        .enumerate()
        .map(|(i, v)| DrawColumn {
            name: format!("var.{}", v.name),
            source: DrawSource::Var(i),
            split: match &v.value.value {
                ParamValue::Choice { values, .. } => {
                    let mut distinct: Vec<f64> = Vec::new();
                    for &x in values {
                        if !distinct.contains(&x) {
                            distinct.push(x);
                        }
                    }
                    Some(distinct)
                }
                _ => None,
            },
        })
        .collect();
    let mut flat = 0;
    for fleet in &s.fleets {
        let FleetKind::Synthetic(syn) = &fleet.kind else {
            continue;
        };
        for (i, e) in syn.events.iter().enumerate() {
            let certain = e.when.is_none()
                && matches!(e.probability.fixed_value(), Some(p) if p == 0.0 || p == 1.0);
            if !certain {
                out.push(DrawColumn {
                    name: format!("event.{}.{i}", fleet.name),
                    source: DrawSource::Event(flat),
                    split: e.when.is_none().then(|| vec![1.0, 0.0]),
                });
            }
            flat += 1;
        }
    }
    out
}

/// Draws the trial's value of every variable of `[vars]`, each from its own stream.
pub fn draw_vars(s: &Scenario, seed: u64, trial: u64) -> Vec<f64> {
    s.vars
        .iter()
        .map(|v| {
            v.value
                .sample(&mut stream(seed, trial, &v.name, Purpose::Variable), &[])
        })
        .collect()
}

/// SplitMix64's finaliser: a strong 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a of a name: fleets are identified by name, not position.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The stream of one purpose of one fleet in one trial.
pub fn stream(seed: u64, trial: u64, fleet: &str, purpose: Purpose) -> Stream {
    let golden = 0x9e37_79b9_7f4a_7c15u64;
    let mut h = mix(seed ^ golden);
    h = mix(h ^ trial.wrapping_mul(golden));
    h = mix(h ^ name_hash(fleet));
    h = mix(h ^ (purpose as u64).wrapping_mul(golden));
    Stream::seed_from_u64(h)
}

/// Usage arrays as a sink.
pub struct UsageSink<'a> {
    /// The layout.
    pub layout: &'a Layout,
    /// The usage being filled.
    pub usage: &'a mut Usage,
}

impl VmSink for UsageSink<'_> {
    #[inline]
    fn add(&mut self, cell: usize, start: Instant, end: Instant, count: u32, licensed: bool) {
        self.usage
            .add(self.layout, cell, start, end, count, licensed);
    }
}

/// One generated VM group, for tests and inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmGroup {
    /// Cell index.
    pub cell: usize,
    /// First running second (unclipped).
    pub start: Instant,
    /// First second not running (unclipped).
    pub end: Instant,
    /// Identical VMs.
    pub count: u32,
    /// The licence fee applies.
    pub licensed: bool,
}

impl VmSink for Vec<VmGroup> {
    fn add(&mut self, cell: usize, start: Instant, end: Instant, count: u32, licensed: bool) {
        self.push(VmGroup {
            cell,
            start,
            end,
            count,
            licensed,
        });
    }
}

/// The parameters of a synthetic fleet drawn for one trial.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawn {
    /// Baseline VMs.
    pub baseline: u32,
    /// Arrival rate per hour.
    pub rate_per_hour: f64,
    /// Weights by local hour.
    pub diurnal: [f64; 24],
    /// Weights by local weekday.
    pub weekly: [f64; 7],
    /// Yearly growth.
    pub growth: f64,
    /// Per event: its drawn probability and its drawn size or multiplier.
    pub events: Vec<(f64, f64)>,
    /// The lifetime distribution with its drawn parameters.
    pub lifetime: Option<LifetimeDraw>,
    /// The yearly growth of the always-on VMs, when they grow.
    pub baseline_growth: Option<f64>,
    /// The extra VMs of each schedule.
    pub schedule_extras: Vec<u32>,
}

/// A lifetime distribution with fixed parameters (seconds).
#[derive(Clone, Debug, PartialEq)]
pub enum LifetimeDraw {
    /// Exponential with this mean.
    Exponential(f64),
    /// Log-normal: median, sigma.
    LogNormal(f64, f64),
    /// Weibull: shape, scale.
    Weibull(f64, f64),
    /// Uniform between two lengths.
    Uniform(f64, f64),
    /// Always this long.
    Fixed(f64),
    /// Resampled from these.
    Empirical(std::sync::Arc<Vec<f64>>),
}

impl LifetimeDraw {
    /// The distribution's mean in seconds (the warm-up is ten of them; for `empirical`, the
    /// warm-up uses the largest value instead, see [`LifetimeDraw::warmup_basis`]).
    pub fn mean(&self) -> f64 {
        match self {
            LifetimeDraw::Exponential(m) => *m,
            LifetimeDraw::LogNormal(median, sigma) => median * (sigma * sigma / 2.0).exp(),
            LifetimeDraw::Weibull(shape, scale) => {
                scale * statrs::function::gamma::gamma(1.0 + 1.0 / shape)
            }
            LifetimeDraw::Uniform(a, b) => (a + b) / 2.0,
            LifetimeDraw::Fixed(v) => *v,
            LifetimeDraw::Empirical(v) => v.iter().sum::<f64>() / v.len() as f64,
        }
    }

    /// What the warm-up is ten times: the mean, or the largest value for `empirical`.
    pub fn warmup_basis(&self) -> f64 {
        match self {
            LifetimeDraw::Empirical(v) => v.iter().copied().fold(0.0, f64::max),
            other => other.mean(),
        }
    }
}

/// A sampler built once per trial and fleet.
enum LifetimeSampler {
    Exponential(Exp<f64>),
    LogNormal(LogNormal<f64>),
    Weibull(Weibull<f64>),
    Uniform(Uniform<f64>),
    Fixed(f64),
    Empirical(std::sync::Arc<Vec<f64>>),
}

impl LifetimeSampler {
    fn new(d: &LifetimeDraw) -> LifetimeSampler {
        match d {
            LifetimeDraw::Exponential(mean) => {
                LifetimeSampler::Exponential(Exp::new(1.0 / mean).expect("mean > 0"))
            }
            LifetimeDraw::LogNormal(median, sigma) => LifetimeSampler::LogNormal(
                LogNormal::new(median.ln(), *sigma).expect("median > 0, sigma >= 0"),
            ),
            LifetimeDraw::Weibull(shape, scale) => {
                LifetimeSampler::Weibull(Weibull::new(*scale, *shape).expect("scale, shape > 0"))
            }
            LifetimeDraw::Uniform(a, b) if a == b => LifetimeSampler::Fixed(*a),
            LifetimeDraw::Uniform(a, b) => LifetimeSampler::Uniform(
                Uniform::new_inclusive(a.min(*b), a.max(*b)).expect("finite bounds"),
            ),
            LifetimeDraw::Fixed(v) => LifetimeSampler::Fixed(*v),
            LifetimeDraw::Empirical(v) => LifetimeSampler::Empirical(v.clone()),
        }
    }

    /// A lifetime in whole seconds (rounded to the nearest).
    #[inline]
    fn sample(&self, rng: &mut Stream) -> i64 {
        let seconds = match self {
            LifetimeSampler::Exponential(d) => d.sample(rng),
            LifetimeSampler::LogNormal(d) => d.sample(rng),
            LifetimeSampler::Weibull(d) => d.sample(rng),
            LifetimeSampler::Uniform(d) => d.sample(rng),
            LifetimeSampler::Fixed(v) => *v,
            LifetimeSampler::Empirical(v) => v[rng.random_range(0..v.len())],
        };
        // The nearest second (lifetimes are >= 0, so adding a half and truncating rounds half
        // up without a call into libm); beyond ~73 billion years they saturate, outliving any
        // horizon anyway.
        (seconds + 0.5).min(i64::MAX as f64 / 4.0) as i64
    }
}

/// Generates the fleet of any trial of a scenario.
#[derive(Clone, Debug)]
pub struct Generator {
    /// Local `weekday * 24 + hour` of every hour from `pattern_base`.
    pattern: Vec<u8>,
    pattern_base: Instant,
}

/// The longest warm-up (docs/spec.md, section 4: capped at one year of 365.25 days).
const MAX_WARMUP: i64 = YEAR_SECONDS;

/// The most arrivals a trial draws, across all fleets. Reading bounds the mean at
/// [`MAX_ARRIVALS`] (10^8), and a trial's count is a sum of Poisson draws (each capped, which
/// only lowers it), so by Chernoff's bound it passes 10^8 + 10^7 with a chance below
/// `exp(-10^14 / (2 (10^8 + 10^7 / 3)))`, about 10^-210,000: the cap changes no result. It
/// makes a trial's VMs (with at most 10^8 long-lived ones) provably at most 2.1 x 10^8, so
/// that every count of them fits in a `u32`, and bounds the memory of a trial's deferred VM
/// ends (16 bytes each, see [`crate::usage`]) at about 1.9 GB with a trace's 10^7 rows. The
/// hourly caps alone do not bound the sum: each allows 40 arrivals above its mean however
/// small, over up to 885,000 hours and any number of fleets.
pub const MAX_TRIAL_ARRIVALS: u64 = 110_000_000;

impl Generator {
    /// Prepares the generator (local hours and weekdays of every hour are computed once).
    pub fn new(scenario: &Scenario) -> Generator {
        let needs_pattern = scenario
            .fleets
            .iter()
            .any(|f| matches!(&f.kind, FleetKind::Synthetic(syn) if syn.arrivals.is_some()));
        let pattern_base = crate::time::floor_hour(scenario.start - MAX_WARMUP);
        let pattern = if needs_pattern {
            let hours = ((scenario.end - pattern_base) + HOUR - 1) / HOUR;
            (0..hours)
                .map(|h| {
                    let (hour, weekday) =
                        scenario.timezone.hour_and_weekday(pattern_base + h * HOUR);
                    (weekday * 24 + hour) as u8
                })
                .collect()
        } else {
            Vec::new()
        };
        Generator {
            pattern,
            pattern_base,
        }
    }

    /// Fills `usage` with trial `trial`'s fleet and completes it; returns what it drew.
    pub fn fill(
        &self,
        s: &Scenario,
        layout: &Layout,
        seed: u64,
        trial: u64,
        usage: &mut Usage,
    ) -> Draws {
        usage.clear(layout);
        let mut sink = UsageSink { layout, usage };
        let draws = self.generate(s, layout, seed, trial, &mut sink);
        usage.finish(layout);
        draws
    }

    /// Sends trial `trial`'s VMs to a sink; returns what it drew.
    pub fn generate<K: VmSink>(
        &self,
        s: &Scenario,
        layout: &Layout,
        seed: u64,
        trial: u64,
        sink: &mut K,
    ) -> Draws {
        self.generate_capped(s, layout, seed, trial, MAX_TRIAL_ARRIVALS, sink)
    }

    /// [`Generator::generate`] with at most `budget` arrivals in the trial.
    fn generate_capped<K: VmSink>(
        &self,
        s: &Scenario,
        layout: &Layout,
        seed: u64,
        trial: u64,
        mut budget: u64,
        sink: &mut K,
    ) -> Draws {
        let vars = draw_vars(s, seed, trial);
        let mut events = Vec::new();
        for fleet in &s.fleets {
            let licensed = !fleet.hybrid_benefit;
            match &fleet.kind {
                FleetKind::Trace(t) => {
                    for vm in t.vms.iter() {
                        if let Some(cell) = layout.cell(vm.instance_type, vm.zone) {
                            sink.add(cell, vm.start, vm.end, 1, licensed);
                        }
                    }
                }
                FleetKind::Synthetic(syn) => {
                    let cell = layout
                        .cell(syn.instance_type, syn.zone)
                        .expect("every fleet's cell is in the layout");
                    let drawn = draw(
                        syn,
                        &mut stream(seed, trial, &fleet.name, Purpose::Parameters),
                        &vars,
                    );
                    // Every event takes its coin, conditioned or not, so that conditioning one
                    // event on a variable leaves the others' coins alone.
                    let mut coins = stream(seed, trial, &fleet.name, Purpose::EventCoins);
                    let happens: Vec<bool> = syn
                        .events
                        .iter()
                        .zip(&drawn.events)
                        .map(|(e, (p, _))| {
                            let coin = coins.random::<f64>();
                            match e.when {
                                Some(i) => vars[i] != 0.0,
                                None => coin < *p,
                            }
                        })
                        .collect();
                    events.extend_from_slice(&happens);
                    long_lived(s, syn, &drawn, &happens, cell, licensed, sink);
                    if let (Some(_), Some(lifetime)) = (&syn.arrivals, &drawn.lifetime) {
                        let streams = Streams {
                            counts: stream(seed, trial, &fleet.name, Purpose::ArrivalCounts),
                            seconds: stream(seed, trial, &fleet.name, Purpose::ArrivalSeconds),
                            lifetimes: stream(seed, trial, &fleet.name, Purpose::Lifetimes),
                        };
                        let fleet = FleetDraw {
                            syn,
                            drawn: &drawn,
                            happens: &happens,
                            lifetime,
                            cell,
                            licensed,
                        };
                        self.arrivals(s, &fleet, streams, &mut budget, sink);
                    }
                }
            }
        }
        Draws { vars, events }
    }

    /// Poisson arrivals hour by hour, from the warm-up's start to the horizon's end; each
    /// arrival drawn is taken from the trial's `budget`, and none is drawn once it is spent.
    fn arrivals<K: VmSink>(
        &self,
        s: &Scenario,
        f: &FleetDraw<'_>,
        streams: Streams,
        budget: &mut u64,
        sink: &mut K,
    ) {
        let FleetDraw {
            syn,
            drawn,
            happens,
            lifetime,
            cell,
            licensed,
        } = *f;
        let Streams {
            mut counts,
            mut seconds,
            mut lifetimes,
        } = streams;
        if drawn.rate_per_hour <= 0.0 {
            return;
        }
        let warmup = if syn.warm_start {
            ((10.0 * lifetime.warmup_basis()).round() as i64).clamp(0, MAX_WARMUP)
        } else {
            0
        };
        let from = s.start - warmup;
        let first = crate::time::floor_hour(from);
        let hours = ((s.end - first) + HOUR - 1) / HOUR;
        let offset = ((first - self.pattern_base) / HOUR) as usize;

        // Weight of each local (weekday, hour).
        let mut weights = [0.0f64; 168];
        for (k, w) in weights.iter_mut().enumerate() {
            *w = drawn.rate_per_hour * drawn.diurnal[k % 24] * drawn.weekly[k / 24];
        }
        // Rate multipliers, by the first hour starting at or after their `at`.
        let mut multipliers: Vec<(i64, f64)> = syn
            .events
            .iter()
            .zip(happens)
            .zip(&drawn.events)
            .filter_map(|((e, &h), (_, v))| match e.action {
                EventAction::RateMultiplier(_) if h => {
                    let hour = (e.at - first + HOUR - 1).div_euclid(HOUR);
                    Some((hour, *v))
                }
                _ => None,
            })
            .collect();
        multipliers.sort_by_key(|m| m.0);
        let mut next_multiplier = 0;
        let mut multiplier = 1.0;

        let growth = drawn.growth;
        let log_growth = (1.0 + growth).ln();
        let hourly_growth = (log_growth * HOUR as f64 / YEAR_SECONDS as f64).exp();
        let mut growth_factor = 1.0;
        let sampler = LifetimeSampler::new(lifetime);

        // Poisson samplers of full hours, cached while the rate repeats (no growth).
        let mut cache: Vec<Option<Poisson<f64>>> = vec![None; if growth == 0.0 { 168 } else { 0 }];
        for h in 0..hours {
            while next_multiplier < multipliers.len() && multipliers[next_multiplier].0 <= h {
                multiplier *= multipliers[next_multiplier].1;
                next_multiplier += 1;
                cache.iter_mut().for_each(|c| *c = None);
            }
            let t = first + h * HOUR;
            if growth != 0.0 {
                // (1 + growth)^(years since start) at the hour's start: stepped by one hour's
                // factor, recomputed exactly every 1024 hours so that no drift builds up.
                if h % 1024 == 0 {
                    let years = (t - s.start) as f64 / YEAR_SECONDS as f64;
                    growth_factor = (log_growth * years).exp();
                } else {
                    growth_factor *= hourly_growth;
                }
            }
            let lo = t.max(from);
            let hi = (t + HOUR).min(s.end);
            if lo >= hi {
                continue;
            }
            let k = self.pattern[offset + h as usize] as usize;
            let base_rate = weights[k] * multiplier;
            if base_rate <= 0.0 {
                continue;
            }
            let full = hi - lo == HOUR;
            // Reading the scenario bounds the mean arrivals of a trial by MAX_ARRIVALS (every
            // drawn number at its largest), so the caps below never bind: they only make the
            // bound hold for any draw, and keep the count of a trial within 32 bits.
            let (n, lambda) = if growth == 0.0 && full {
                if cache[k].is_none() {
                    cache[k] = Poisson::new(base_rate.min(MAX_ARRIVALS)).ok();
                }
                match &cache[k] {
                    Some(poisson) => (poisson.sample(&mut counts), base_rate),
                    None => continue,
                }
            } else {
                let lambda = base_rate * growth_factor * (hi - lo) as f64 / HOUR as f64;
                match Poisson::new(lambda.min(MAX_ARRIVALS)) {
                    Ok(poisson) => (poisson.sample(&mut counts), lambda),
                    Err(_) => continue,
                }
            };
            // The cap is at least the mean plus 40, so most draws need not compute it. The
            // count is a whole number from 0 to about 1.004e8 (the cap of a mean of 10^8) and
            // at most the budget (exact in an f64), so the conversion is exact.
            let lambda = lambda.min(MAX_ARRIVALS);
            let n = if n > lambda + 40.0 {
                n.min(count_cap(lambda))
            } else {
                n
            };
            let n = n.min(*budget as f64) as u64;
            *budget -= n;
            for _ in 0..n {
                let at = seconds.random_range(lo..hi);
                let life = sampler.sample(&mut lifetimes);
                if life > 0 {
                    sink.add(cell, at, at.saturating_add(life), 1, licensed);
                }
            }
        }
    }
}

/// The most arrivals an hour whose mean is `lambda` may bring: 40 standard deviations and 40
/// more above the mean, a count a Poisson draw exceeds with a chance below 1e-50.
fn count_cap(lambda: f64) -> f64 {
    lambda + 40.0 * lambda.sqrt() + 40.0
}

/// Baseline VMs and the adds and removes of events: groups of identical VMs running to
/// the horizon's end unless a remove stops them, the oldest first.
fn long_lived<K: VmSink>(
    s: &Scenario,
    syn: &Synthetic,
    drawn: &Drawn,
    happens: &[bool],
    cell: usize,
    licensed: bool,
    sink: &mut K,
) {
    // (start, count) of groups still running, oldest first.
    let mut alive: std::collections::VecDeque<(Instant, u32)> = Default::default();
    if drawn.baseline > 0 {
        alive.push_back((s.start, drawn.baseline));
    }
    let steps = match drawn.baseline_growth {
        Some(g) => baseline_steps(drawn.baseline, g, s.start, s.end),
        None => Vec::new(),
    };
    let mut next_step = steps.iter().peekable();
    let mut order: Vec<usize> = (0..syn.events.len()).collect();
    order.sort_by_key(|&i| (syn.events[i].at.max(s.start), i));
    // The growth's steps up to an instant, then the events at it.
    let mut grow_until =
        |t: Instant, alive: &mut std::collections::VecDeque<(Instant, u32)>, sink: &mut K| {
            while let Some(&&(at, delta)) = next_step.peek() {
                if at > t {
                    break;
                }
                next_step.next();
                if delta > 0 {
                    alive.push_back((at, delta as u32));
                } else {
                    stop_vms(
                        alive,
                        delta.unsigned_abs() as u32,
                        at,
                        cell,
                        licensed,
                        true,
                        sink,
                    );
                }
            }
        };
    for i in order {
        if !happens[i] {
            continue;
        }
        let at = syn.events[i].at.max(s.start);
        grow_until(at, &mut alive, sink);
        match syn.events[i].action {
            EventAction::Add(_) => {
                let size = whole_count(drawn.events[i].1);
                if size > 0 {
                    alive.push_back((at, size));
                }
            }
            EventAction::Remove(_) => {
                let count = whole_count(drawn.events[i].1);
                stop_vms(&mut alive, count, at, cell, licensed, false, sink);
            }
            EventAction::RateMultiplier(_) => {}
        }
    }
    grow_until(s.end, &mut alive, sink);
    for (start, count) in alive {
        sink.add(cell, start, s.end, count, licensed);
    }
    for (schedule, &extra) in syn.schedules.iter().zip(&drawn.schedule_extras) {
        if extra > 0 {
            for &(from, to) in schedule.windows.iter() {
                sink.add(cell, from, to, extra, licensed);
            }
        }
    }
}

/// Stops `count` running VMs at `at`: the oldest first (an event's remove), or the newest
/// (a shrinking baseline).
fn stop_vms<K: VmSink>(
    alive: &mut std::collections::VecDeque<(Instant, u32)>,
    mut count: u32,
    at: Instant,
    cell: usize,
    licensed: bool,
    newest: bool,
    sink: &mut K,
) {
    while count > 0 {
        let group = if newest {
            alive.back_mut()
        } else {
            alive.front_mut()
        };
        let Some(group) = group else {
            break;
        };
        let stop = count.min(group.1);
        sink.add(cell, group.0, at, stop, licensed);
        group.1 -= stop;
        count -= stop;
        if group.1 == 0 {
            if newest {
                alive.pop_back();
            } else {
                alive.pop_front();
            }
        }
    }
}

/// The changes of a growing baseline in `[start, end)`: `(instant, VMs added or, when
/// negative, removed)`, in time order. The count at `t` is `round(baseline x (1 + growth) ^
/// years)`, years = (t - start) / 365.25 days, rounded half away from zero; each change is at
/// the first second the rounded count takes its new value.
pub fn baseline_steps(
    baseline: u32,
    growth: f64,
    start: Instant,
    end: Instant,
) -> Vec<(Instant, i64)> {
    let b = f64::from(baseline);
    if baseline == 0 || growth == 0.0 || end <= start {
        return Vec::new();
    }
    let log_growth = (1.0 + growth).ln();
    let count_at = |t: Instant| -> f64 {
        (b * (log_growth * (t - start) as f64 / YEAR_SECONDS as f64).exp()).round()
    };
    let last = count_at(end - 1);
    let mut steps: Vec<(Instant, i64)> = Vec::new();
    let mut n = b;
    while n != last {
        let next = if last > n { n + 1.0 } else { n - 1.0 };
        // The rounded count reaches `next` where b (1 + g)^y crosses next -/+ 0.5; the closed
        // form gives the second to a rounding error, which the checks below correct.
        let edge = if next > n { next - 0.5 } else { next + 0.5 };
        let years = (edge / b).ln() / log_growth;
        let mut t = start + ((years * YEAR_SECONDS as f64).ceil() as i64).clamp(0, end - start);
        let reached = |t: Instant| {
            if next > n {
                count_at(t) >= next
            } else {
                count_at(t) <= next
            }
        };
        while t > start && reached(t - 1) {
            t -= 1;
        }
        while !reached(t) {
            t += 1;
        }
        let delta = if next > n { 1 } else { -1 };
        match steps.last_mut() {
            Some(last) if last.0 == t => last.1 += delta,
            _ => steps.push((t, delta)),
        }
        n = next;
    }
    steps
}

/// A drawn count of VMs (a baseline, an event's add or remove) as an integer. Such draws are
/// whole numbers from 0 to [`MAX_COUNT`] (a count's domain, rounded when drawn), so this is
/// exact; anything else is a broken invariant, not input to round.
fn whole_count(v: f64) -> u32 {
    assert!(
        v.fract() == 0.0 && (0.0..=MAX_COUNT as f64).contains(&v),
        "a drawn count is a whole number from 0 to 10,000,000, not {v}"
    );
    v as u32
}

/// A synthetic fleet with its draws for one trial.
#[derive(Clone, Copy)]
struct FleetDraw<'a> {
    syn: &'a Synthetic,
    drawn: &'a Drawn,
    happens: &'a [bool],
    lifetime: &'a LifetimeDraw,
    cell: usize,
    licensed: bool,
}

/// The streams of a fleet's arrivals.
struct Streams {
    counts: Stream,
    seconds: Stream,
    lifetimes: Stream,
}

/// Draws a synthetic fleet's parameters for one trial, in a fixed order (what later
/// versions added is drawn last, so that a file without it draws as before); `vars` are the
/// trial's values of the shared variables.
pub fn draw(syn: &Synthetic, rng: &mut Stream, vars: &[f64]) -> Drawn {
    let baseline = whole_count(syn.baseline.sample(rng, vars));
    let (rate_per_hour, diurnal, weekly, growth) = match &syn.arrivals {
        Some(a) => {
            let rate = a.rate_per_hour.sample(rng, vars);
            let mut diurnal = [0.0; 24];
            for (d, p) in diurnal.iter_mut().zip(&a.diurnal) {
                *d = p.sample(rng, vars);
            }
            let mut weekly = [0.0; 7];
            for (w, p) in weekly.iter_mut().zip(&a.weekly) {
                *w = p.sample(rng, vars);
            }
            (rate, diurnal, weekly, a.growth_per_year.sample(rng, vars))
        }
        None => (0.0, [1.0; 24], [1.0; 7], 0.0),
    };
    let events = syn
        .events
        .iter()
        .map(|e| {
            let p = e.probability.sample(rng, vars);
            let v = match &e.action {
                EventAction::Add(x) | EventAction::Remove(x) | EventAction::RateMultiplier(x) => {
                    x.sample(rng, vars)
                }
            };
            (p, v)
        })
        .collect();
    let lifetime = syn.lifetime.as_ref().map(|l| draw_lifetime(l, rng, vars));
    let baseline_growth = match &syn.baseline_growth {
        None => None,
        Some(BaselineGrowth::Arrivals) => Some(growth),
        Some(BaselineGrowth::Own(p)) => Some(p.sample(rng, vars)),
    };
    let schedule_extras = syn
        .schedules
        .iter()
        .map(|sc| whole_count(sc.extra.sample(rng, vars)))
        .collect();
    Drawn {
        baseline,
        rate_per_hour,
        diurnal,
        weekly,
        growth,
        events,
        lifetime,
        baseline_growth,
        schedule_extras,
    }
}

fn draw_lifetime(l: &Lifetime, rng: &mut Stream, vars: &[f64]) -> LifetimeDraw {
    let d = |p: &Param, rng: &mut Stream| p.sample(rng, vars);
    match l {
        Lifetime::Exponential { mean } => LifetimeDraw::Exponential(d(mean, rng)),
        Lifetime::LogNormal { median, sigma } => {
            let m = d(median, rng);
            LifetimeDraw::LogNormal(m, d(sigma, rng))
        }
        Lifetime::Weibull { shape, scale } => {
            let k = d(shape, rng);
            LifetimeDraw::Weibull(k, d(scale, rng))
        }
        Lifetime::Uniform { low, high } => {
            let a = d(low, rng);
            LifetimeDraw::Uniform(a, d(high, rng))
        }
        Lifetime::Fixed { value } => LifetimeDraw::Fixed(d(value, rng)),
        Lifetime::Empirical { seconds } => LifetimeDraw::Empirical(seconds.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_trial_draws_no_arrival_past_its_budget() {
        // Two fleets of about 100 arrivals an hour for 10 hours, each VM living 30 minutes (so
        // every arrival is one VM). With a budget 7 short of what the trial draws, the trial is
        // the same VMs but the last 7: the cap stops drawing, it shifts no other draw.
        let mut text = String::from(
            "[scenario]\nname = \"b\"\nstart = \"2026-01-01T00:00:00Z\"\nhorizon = \"10h\"\n\n[[instance_type]]\nname = \"m\"\npayg_hourly = \"1\"\n",
        );
        for name in ["a", "b"] {
            text.push_str(&format!(
                "\n[[fleet]]\nname = \"{name}\"\ninstance_type = \"m\"\nwarm_start = false\n[fleet.arrivals]\nrate_per_hour = 100.0\n[fleet.lifetime]\ndist = \"fixed\"\nvalue = \"30min\"\n"
            ));
        }
        let s = Scenario::from_bytes(Path::new("b.toml"), text.into_bytes()).unwrap();
        let layout = Layout::new(&s);
        let generator = Generator::new(&s);
        let mut all: Vec<VmGroup> = Vec::new();
        generator.generate(&s, &layout, 1, 0, &mut all);
        assert!(all.len() > 1_000, "{} arrivals", all.len());
        assert!(all.iter().all(|g| g.count == 1));
        let budget = all.len() - 7;
        let mut capped: Vec<VmGroup> = Vec::new();
        generator.generate_capped(&s, &layout, 1, 0, budget as u64, &mut capped);
        assert_eq!(capped, all[..budget]);
    }
}
