//! Numbers that may be uncertain: a fixed value or a distribution drawn once per trial
//! (docs/spec.md, section 3), and the lifetime distributions drawn per VM.

use super::read::{Node, Table, one_of};
use crate::error::InputError;
use crate::time::{self, Duration};
use rand::Rng;
use rand::distr::Uniform;
use rand::distr::weighted::WeightedIndex;
use rand_distr::{Distribution, LogNormal, Normal, Triangular};

/// The range of values a field accepts; draws outside it are drawn again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// A whole number >= 0 (draws are rounded to the nearest integer).
    Count,
    /// A number >= 0.
    NonNegative,
    /// A number > 0.
    Positive,
    /// A yearly growth rate, > -1.
    Growth,
    /// A probability in [0, 1].
    Probability,
}

impl Domain {
    /// `(low, low_open, high)`: the interval of valid values.
    fn bounds(self) -> (f64, bool, f64) {
        match self {
            Domain::Count | Domain::NonNegative => (0.0, false, f64::INFINITY),
            Domain::Positive => (0.0, true, f64::INFINITY),
            Domain::Growth => (-1.0, true, f64::INFINITY),
            Domain::Probability => (0.0, false, 1.0),
        }
    }

    /// True when `v` is valid for this field.
    pub fn contains(self, v: f64) -> bool {
        let (low, open, high) = self.bounds();
        v.is_finite() && (if open { v > low } else { v >= low }) && v <= high
    }

    /// True when some of `[a, b]` is valid.
    fn reaches(self, a: f64, b: f64) -> bool {
        let (low, open, high) = self.bounds();
        (if open { b > low } else { b >= low }) && a <= high
    }

    /// The nearest valid value to `v` (a last resort after many rejected draws).
    fn clamp(self, v: f64) -> f64 {
        let (low, open, high) = self.bounds();
        if v > high {
            high
        } else if open && v <= low {
            low + f64::EPSILON.max(low.abs() * f64::EPSILON)
        } else {
            v.max(low)
        }
    }

    fn describe(self, duration: bool) -> &'static str {
        match (self, duration) {
            (Domain::Count, _) => "a whole number >= 0",
            (Domain::NonNegative, false) => "a number >= 0",
            (Domain::Positive, false) => "a number > 0",
            (Domain::Growth, _) => "a yearly growth rate > -1 (0.25 is 25% a year)",
            (Domain::Probability, _) => "a probability from 0 to 1",
            (Domain::NonNegative, true) => "a duration >= 0 such as \"30min\" or \"6h\"",
            (Domain::Positive, true) => "a duration > 0 such as \"30min\" or \"6h\"",
        }
    }
}

/// A number that is fixed or drawn once per trial. Durations are held in seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// How the value is drawn.
    pub value: ParamValue,
    /// The valid range of the field.
    pub domain: Domain,
}

/// The distribution of a [`Param`].
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// Always this value.
    Fixed(f64),
    /// Normal, truncated to the field's range.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Uniform on `[low, high]`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Triangular on `[min, max]` with its peak at `mode`.
    Triangular {
        /// Lower bound.
        min: f64,
        /// Peak.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// Log-normal with this median and log-scale sigma.
    LogNormal {
        /// Median.
        median: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// One of `values` with the given weights.
    Choice {
        /// The possible values.
        values: Vec<f64>,
        /// Their relative weights.
        weights: Vec<f64>,
    },
}

const DIST_NAMES: [&str; 5] = ["normal", "uniform", "triangular", "lognormal", "choice"];

impl Param {
    /// A fixed value.
    pub fn fixed(v: f64, domain: Domain) -> Param {
        Param {
            value: ParamValue::Fixed(v),
            domain,
        }
    }

    /// Reads a number, or a distribution table of numbers.
    pub fn read(node: &Node<'_>, domain: Domain) -> Result<Param, InputError> {
        read_param(node, domain, Kind::Number)
    }

    /// Reads a duration (`"6h"`, in seconds), or a distribution table of durations.
    pub fn read_duration(node: &Node<'_>, domain: Domain) -> Result<Param, InputError> {
        read_param(node, domain, Kind::Duration)
    }

    /// The value when it is fixed.
    pub fn fixed_value(&self) -> Option<f64> {
        match self.value {
            ParamValue::Fixed(v) => Some(v),
            _ => None,
        }
    }

    /// Draws the trial's value: outside the field's range is drawn again; counts are rounded.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let draw = |rng: &mut R| -> f64 {
            match &self.value {
                ParamValue::Fixed(v) => *v,
                ParamValue::Normal { mean, sd } => Normal::new(*mean, *sd)
                    .expect("checked when read")
                    .sample(rng),
                ParamValue::Uniform { low, high } => Uniform::new_inclusive(*low, *high)
                    .expect("checked when read")
                    .sample(rng),
                ParamValue::Triangular { min, mode, max } => {
                    if min == max {
                        *min
                    } else {
                        Triangular::new(*min, *max, *mode)
                            .expect("checked when read")
                            .sample(rng)
                    }
                }
                ParamValue::LogNormal { median, sigma } => LogNormal::new(median.ln(), *sigma)
                    .expect("checked when read")
                    .sample(rng),
                ParamValue::Choice { values, weights } => {
                    values[WeightedIndex::new(weights)
                        .expect("checked when read")
                        .sample(rng)]
                }
            }
        };
        // Reading checked that the valid range holds a fair share of the distribution, so a
        // long run of rejections is astronomically unlikely; the cap keeps a trial finite.
        let mut v = draw(rng);
        let mut tries = 1;
        while !self.domain.contains(v) && tries < 100_000 {
            v = draw(rng);
            tries += 1;
        }
        if !self.domain.contains(v) {
            v = self.domain.clamp(v);
        }
        if self.domain == Domain::Count {
            v.round()
        } else {
            v
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Number,
    Duration,
}

fn read_param(node: &Node<'_>, domain: Domain, kind: Kind) -> Result<Param, InputError> {
    let duration = kind == Kind::Duration;
    if node.is_table() {
        return read_dist(node, domain, kind);
    }
    let what = format!(
        "{}, or a distribution table with dist = {}",
        domain.describe(duration),
        one_of(&DIST_NAMES)
    );
    let v = read_scalar(node, kind, &what)?;
    if !domain.contains(v) || (domain == Domain::Count && v.fract() != 0.0) {
        return Err(node.expected(domain.describe(duration)));
    }
    Ok(Param::fixed(v, domain))
}

/// A number, or (for durations) a fixed-length duration in seconds.
fn read_scalar(node: &Node<'_>, kind: Kind, what: &str) -> Result<f64, InputError> {
    match kind {
        Kind::Number => node.number(what),
        Kind::Duration => {
            if !node.is_str() {
                return Err(node.expected(what));
            }
            match node.duration()? {
                Duration::Seconds(s) => Ok(s as f64),
                Duration::Months(_) => Err(node.expected(
                    "a duration in s, min, h, d or w (months and years have no fixed length)",
                )),
            }
        }
    }
}

fn read_dist(node: &Node<'_>, domain: Domain, kind: Kind) -> Result<Param, InputError> {
    let table = node.table_any("a table")?;
    let dist_node = table.req(
        "dist",
        &format!("the distribution's name: {}", one_of(&DIST_NAMES)),
    )?;
    let dist = DIST_NAMES[dist_node.choice(&DIST_NAMES)?];
    let keys: &[&str] = match dist {
        "normal" => &["dist", "mean", "sd"],
        "uniform" => &["dist", "low", "high"],
        "triangular" => &["dist", "min", "mode", "max"],
        "lognormal" => &["dist", "median", "sigma"],
        _ => &["dist", "values", "weights"],
    };
    table.check_keys(keys)?;
    let duration = kind == Kind::Duration;
    let scalar_what = if duration {
        time::DURATION_FORMS
    } else {
        "a number"
    };
    let get = |key: &str| -> Result<f64, InputError> {
        let n = table.req(key, scalar_what)?;
        read_scalar(&n, kind, scalar_what)
    };
    let number = |key: &str| -> Result<f64, InputError> {
        let n = table.req(key, "a number")?;
        n.number("a number")
    };
    let unreachable = || {
        node.error(format!(
            "found a {dist} distribution that rarely or never draws a valid value, expected one that reaches {}",
            domain.describe(duration)
        ))
    };
    let value = match dist {
        "normal" => {
            let (mean, sd) = (get("mean")?, get("sd")?);
            if sd < 0.0 {
                return Err(table
                    .get("sd")
                    .expect("read")
                    .expected("a standard deviation >= 0"));
            }
            if !domain.reaches(mean - 3.0 * sd, mean + 3.0 * sd)
                || (sd == 0.0 && !domain.contains(mean))
            {
                return Err(unreachable());
            }
            ParamValue::Normal { mean, sd }
        }
        "uniform" => {
            let (low, high) = (get("low")?, get("high")?);
            if low > high {
                return Err(table.get("high").expect("read").expected(format!(
                    "a value >= low ({})",
                    table.get("low").expect("read").found()
                )));
            }
            if !domain.reaches(low, high) || (low == high && !domain.contains(low)) {
                return Err(unreachable());
            }
            ParamValue::Uniform { low, high }
        }
        "triangular" => {
            let (min, mode, max) = (get("min")?, get("mode")?, get("max")?);
            if !(min <= mode && mode <= max) {
                return Err(node.error(format!(
                    "found min {}, mode {} and max {}, expected min <= mode <= max",
                    table.get("min").expect("read").found(),
                    table.get("mode").expect("read").found(),
                    table.get("max").expect("read").found()
                )));
            }
            if !domain.reaches(min, max) || (min == max && !domain.contains(min)) {
                return Err(unreachable());
            }
            ParamValue::Triangular { min, mode, max }
        }
        "lognormal" => {
            let median = get("median")?;
            let sigma = number("sigma")?;
            if median <= 0.0 {
                return Err(table.get("median").expect("read").expected("a median > 0"));
            }
            if sigma < 0.0 {
                return Err(table.get("sigma").expect("read").expected("a sigma >= 0"));
            }
            // The log-normal lives on (0, inf): only an upper bound (probabilities) can miss.
            if domain == Domain::Probability && median.ln() > 3.0 * sigma && median > 1.0 {
                return Err(unreachable());
            }
            ParamValue::LogNormal { median, sigma }
        }
        _ => {
            let values_node = table.req("values", "a list of values")?;
            let items = values_node.array_of("a list of values")?;
            if items.is_empty() {
                return Err(values_node.expected("a list of at least one value"));
            }
            let mut values = Vec::with_capacity(items.len());
            for item in &items {
                let v = read_scalar(item, kind, scalar_what)?;
                if !domain.contains(v) {
                    return Err(item.expected(domain.describe(duration)));
                }
                values.push(v);
            }
            let weights = match table.get("weights") {
                None => vec![1.0; values.len()],
                Some(w) => {
                    let items = w.array_of("a list of weights")?;
                    if items.len() != values.len() {
                        return Err(
                            w.expected(format!("{} weights, one for each value", values.len()))
                        );
                    }
                    let mut weights = Vec::with_capacity(items.len());
                    for item in &items {
                        let v = item.number("a weight >= 0")?;
                        if v < 0.0 {
                            return Err(item.expected("a weight >= 0"));
                        }
                        weights.push(v);
                    }
                    if weights.iter().sum::<f64>() <= 0.0 {
                        return Err(w.expected("weights with a positive sum"));
                    }
                    weights
                }
            };
            ParamValue::Choice { values, weights }
        }
    };
    Ok(Param { value, domain })
}

/// How long a VM lives (drawn per VM, in seconds).
#[derive(Clone, Debug, PartialEq)]
pub enum Lifetime {
    /// Exponential with this mean.
    Exponential {
        /// Mean lifetime.
        mean: Param,
    },
    /// Log-normal with this median and log-scale sigma.
    LogNormal {
        /// Median lifetime.
        median: Param,
        /// Standard deviation of the logarithm.
        sigma: Param,
    },
    /// Weibull with this shape and scale.
    Weibull {
        /// Shape (k).
        shape: Param,
        /// Scale (lambda).
        scale: Param,
    },
    /// Uniform between two durations.
    Uniform {
        /// Shortest lifetime.
        low: Param,
        /// Longest lifetime.
        high: Param,
    },
    /// Always this long.
    Fixed {
        /// The lifetime.
        value: Param,
    },
    /// Resampled from observed lifetimes.
    Empirical {
        /// Observed lifetimes in seconds.
        seconds: std::sync::Arc<Vec<f64>>,
    },
}

const LIFETIME_NAMES: [&str; 6] = [
    "exponential",
    "lognormal",
    "weibull",
    "uniform",
    "fixed",
    "empirical",
];

impl Lifetime {
    /// Reads `[fleet.lifetime]`; an empirical file is read by `load_empirical`.
    pub fn read(
        table: &Table<'_>,
        load_empirical: impl FnOnce(&Node<'_>) -> Result<Vec<f64>, InputError>,
    ) -> Result<Lifetime, InputError> {
        let dist_node = table.req(
            "dist",
            &format!("the lifetime distribution: {}", one_of(&LIFETIME_NAMES)),
        )?;
        let dist = LIFETIME_NAMES[dist_node.choice(&LIFETIME_NAMES)?];
        let keys: &[&str] = match dist {
            "exponential" => &["dist", "mean"],
            "lognormal" => &["dist", "median", "sigma"],
            "weibull" => &["dist", "shape", "scale"],
            "uniform" => &["dist", "low", "high"],
            "fixed" => &["dist", "value"],
            _ => &["dist", "file"],
        };
        table.check_keys(keys)?;
        let duration = |key: &str, domain| -> Result<Param, InputError> {
            Param::read_duration(&table.req(key, time::DURATION_FORMS)?, domain)
        };
        let number = |key: &str, domain| -> Result<Param, InputError> {
            Param::read(&table.req(key, "a number")?, domain)
        };
        Ok(match dist {
            "exponential" => Lifetime::Exponential {
                mean: duration("mean", Domain::Positive)?,
            },
            "lognormal" => Lifetime::LogNormal {
                median: duration("median", Domain::Positive)?,
                sigma: number("sigma", Domain::NonNegative)?,
            },
            "weibull" => Lifetime::Weibull {
                shape: number("shape", Domain::Positive)?,
                scale: duration("scale", Domain::Positive)?,
            },
            "uniform" => {
                let low = duration("low", Domain::NonNegative)?;
                let high = duration("high", Domain::NonNegative)?;
                if let (Some(l), Some(h)) = (low.fixed_value(), high.fixed_value())
                    && l > h
                {
                    let high_node = table.get("high").expect("read");
                    return Err(high_node.expected(format!(
                        "a duration >= low ({})",
                        table.get("low").expect("read").found()
                    )));
                }
                Lifetime::Uniform { low, high }
            }
            "fixed" => Lifetime::Fixed {
                value: duration("value", Domain::NonNegative)?,
            },
            _ => Lifetime::Empirical {
                seconds: std::sync::Arc::new(load_empirical(
                    &table.req("file", "the path of a file of durations")?,
                )?),
            },
        })
    }
}

/// Parses an empirical lifetime file: one duration per line (`"6h"`, or a plain number of
/// seconds); blank lines and lines starting with `#` are skipped.
pub fn parse_empirical(file: &std::path::Path, text: &str) -> Result<Vec<f64>, InputError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let seconds = match t.parse::<Duration>() {
            Ok(Duration::Seconds(s)) if s >= 0 => Some(s as f64),
            Ok(_) => None,
            Err(()) => t.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0),
        };
        match seconds {
            Some(s) => out.push(s),
            None => {
                return Err(InputError {
                    file: file.to_path_buf(),
                    location: Some((i + 1, line.find(t).unwrap_or(0) + 1)),
                    path: None,
                    message: format!(
                        "found \"{t}\", expected a lifetime >= 0: a duration in s, min, h, d or w such as \"6h\", or a number of seconds"
                    ),
                });
            }
        }
    }
    if out.is_empty() {
        return Err(InputError::file(
            file,
            "found no lifetimes, expected one duration per line such as \"6h\"",
        ));
    }
    Ok(out)
}
