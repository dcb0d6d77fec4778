//! Numbers that may be uncertain: a fixed value or a distribution drawn once per trial
//! (docs/spec.md, section 3), and the lifetime distributions drawn per VM.

use super::read::{Node, Table, one_of};
use crate::error::{ErrorKind, InputError};
use crate::time::{self, Duration};
use rand::Rng;
use rand::distr::Uniform;
use rand::distr::weighted::WeightedIndex;
use rand_distr::{Distribution, LogNormal, Normal, Triangular};

/// The range of values a key accepts; draws outside it are drawn again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// A count of VMs: a whole number from 0 to 10,000,000 (draws are rounded to the nearest
    /// integer).
    Count,
    /// Arrivals per hour: 0 to 1,000,000.
    Rate,
    /// A diurnal or weekly weight: 0 to 1,000.
    Weight,
    /// A rate multiplier: 0 to 1,000.
    Multiplier,
    /// A yearly growth rate: from -0.99 (a fall of 99% a year) to 10 (a rise of 1,000%). The
    /// warm-up runs the growth backwards, so a fall closer to 100% would make the warm-up's
    /// arrivals boundless.
    Growth,
    /// A probability in [0, 1].
    Probability,
    /// The sigma of a log-normal lifetime: 0 to 10.
    Sigma,
    /// The shape of a Weibull lifetime: 0.01 to 100.
    Shape,
    /// A lifetime in seconds: 0 to 100 years.
    Seconds,
    /// A lifetime in seconds: > 0 and at most 100 years.
    PositiveSeconds,
    /// A shared variable of `[vars]`: -10^12 to 10^12 (the keys that refer to it narrow it).
    Variable,
}

/// The longest lifetime parameter, in seconds: 100 years of 365.25 days.
pub const MAX_LIFETIME_SECONDS: f64 = 100.0 * time::YEAR_SECONDS as f64;

/// The largest sigma of a log-normal distribution, of a value or of a lifetime.
pub const MAX_SIGMA: f64 = 10.0;

/// The largest magnitude of a shared variable's value.
pub const MAX_VARIABLE: f64 = 1e12;

/// The largest weight of a `choice`.
pub const MAX_CHOICE_WEIGHT: f64 = 1e12;

/// How far a normal (in sd) or a log-normal (in sigma of the logarithm) draw may fall from its
/// centre: a draw beyond is drawn again. The chance of that is 2 in a billion, so it changes no
/// result, but it gives every uncertain number a largest value, which the arrival bound uses.
pub const TAIL_SDS: f64 = 6.0;

impl Domain {
    /// `(low, low_open, high)`: the interval of valid values.
    fn bounds(self) -> (f64, bool, f64) {
        match self {
            Domain::Count => (0.0, false, super::read::MAX_COUNT as f64),
            Domain::Rate => (0.0, false, 1_000_000.0),
            Domain::Weight | Domain::Multiplier => (0.0, false, 1_000.0),
            Domain::Growth => (-0.99, false, 10.0),
            Domain::Probability => (0.0, false, 1.0),
            Domain::Sigma => (0.0, false, MAX_SIGMA),
            Domain::Shape => (0.01, false, 100.0),
            Domain::Seconds => (0.0, false, MAX_LIFETIME_SECONDS),
            Domain::PositiveSeconds => (0.0, true, MAX_LIFETIME_SECONDS),
            Domain::Variable => (-MAX_VARIABLE, false, MAX_VARIABLE),
        }
    }

    /// True when `v` is valid for this key.
    pub fn contains(self, v: f64) -> bool {
        let (low, open, high) = self.bounds();
        v.is_finite() && (if open { v > low } else { v >= low }) && v <= high
    }

    /// True when some of `[a, b]` is valid.
    fn reaches(self, a: f64, b: f64) -> bool {
        let (low, open, high) = self.bounds();
        (if open { b > low } else { b >= low }) && a <= high
    }

    /// True when `v` is within the closed hull `[low, high]` of the valid values: where the
    /// parameters of a distribution (a mean, a bound) must lie.
    fn hull_contains(self, v: f64) -> bool {
        let (low, _, high) = self.bounds();
        (low..=high).contains(&v)
    }

    /// The width of the valid range: the largest standard deviation.
    fn width(self) -> f64 {
        let (low, _, high) = self.bounds();
        high - low
    }

    /// The nearest valid value to `v` (a last resort after many rejected draws).
    fn clamp(self, v: f64) -> f64 {
        let (low, open, high) = self.bounds();
        if v.is_nan() || (open && v <= low) {
            if open {
                low + f64::EPSILON.max(low.abs() * f64::EPSILON)
            } else {
                low
            }
        } else {
            v.clamp(low, high)
        }
    }

    /// The valid values, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Domain::Count => "a whole number from 0 to 10,000,000",
            Domain::Rate => "a number of arrivals per hour from 0 to 1,000,000",
            Domain::Weight => "a weight from 0 to 1,000",
            Domain::Multiplier => "a multiplier from 0 to 1,000",
            Domain::Growth => "a yearly growth rate from -0.99 to 10 (0.25 is 25% a year)",
            Domain::Probability => "a probability from 0 to 1",
            Domain::Sigma => "a sigma from 0 to 10",
            Domain::Shape => "a shape from 0.01 to 100",
            Domain::Seconds => {
                "a duration from 0s to 36525d (100 years) such as \"30min\" or \"6h\""
            }
            Domain::PositiveSeconds => {
                "a duration > 0 and at most 36525d (100 years) such as \"30min\" or \"6h\""
            }
            Domain::Variable => "a number from -1,000,000,000,000 to 1,000,000,000,000",
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
    /// The trial's value of a shared variable of `[vars]` (`"$name"`).
    Var {
        /// Index into [`Scenario::vars`](super::Scenario::vars).
        index: usize,
        /// The variable's smallest value (rounded for a count).
        low: f64,
        /// The variable's largest value (rounded for a count).
        high: f64,
    },
}

/// A shared variable of `[vars]`: drawn once per trial from its own stream, whatever refers
/// to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Var {
    /// Its name, referred to as `"$name"`.
    pub name: String,
    /// Its distribution.
    pub value: Param,
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

    /// Reads a number, a distribution table of numbers, or `"$name"`, a variable of `vars`.
    pub fn read(node: &Node<'_>, domain: Domain, vars: &[Var]) -> Result<Param, InputError> {
        if let Some(name) = var_reference(node) {
            return read_reference(node, name, domain, vars);
        }
        read_param(node, domain, Kind::Number)
    }

    /// Reads a duration (`"6h"`, in seconds), or a distribution table of durations.
    pub fn read_duration(node: &Node<'_>, domain: Domain) -> Result<Param, InputError> {
        if var_reference(node).is_some() {
            return Err(node.wrong_type(
                "a duration such as \"6h\" or a distribution of durations: variables of [vars] hold numbers, not durations",
            ));
        }
        read_param(node, domain, Kind::Duration)
    }

    /// The value when it is fixed.
    pub fn fixed_value(&self) -> Option<f64> {
        match self.value {
            ParamValue::Fixed(v) => Some(v),
            _ => None,
        }
    }

    /// The smallest and largest values a draw may take: the key's range, narrowed by the
    /// distribution's bounds (a normal or log-normal to [`TAIL_SDS`] from its centre).
    pub fn range(&self) -> (f64, f64) {
        let (low, _, high) = self.domain.bounds();
        let (a, b) = match &self.value {
            ParamValue::Fixed(v) => (*v, *v),
            ParamValue::Normal { mean, sd } => (mean - TAIL_SDS * sd, mean + TAIL_SDS * sd),
            ParamValue::Uniform { low, high } => (*low, *high),
            ParamValue::Triangular { min, max, .. } => (*min, *max),
            ParamValue::LogNormal { median, sigma } => (
                median * (-TAIL_SDS * sigma).exp(),
                median * (TAIL_SDS * sigma).exp(),
            ),
            ParamValue::Choice { values, .. } => (
                values.iter().copied().fold(f64::INFINITY, f64::min),
                values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ),
            ParamValue::Var { low, high, .. } => (*low, *high),
        };
        let (a, b) = (a.max(low), b.min(high));
        if self.domain == Domain::Count {
            (a.round(), b.round())
        } else {
            (a, b)
        }
    }

    /// The largest value a draw may take.
    pub fn max(&self) -> f64 {
        self.range().1
    }

    /// The smallest value a draw may take.
    pub fn min(&self) -> f64 {
        self.range().0
    }

    /// Draws the trial's value: outside the key's range (or beyond [`TAIL_SDS`] of a normal
    /// or log-normal) is drawn again; counts are rounded. A variable's value is read from
    /// `vars`, the trial's values of the scenario's variables, and draws nothing.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, vars: &[f64]) -> f64 {
        if let ParamValue::Var { index, low, high } = self.value {
            // Reading checked that every value of the variable lies in the key's range.
            let v = vars[index];
            let v = if self.domain == Domain::Count {
                v.round()
            } else {
                v
            };
            return self.domain.clamp(v.clamp(low, high));
        }
        let draw = |rng: &mut R| -> f64 {
            match &self.value {
                ParamValue::Fixed(v) => *v,
                ParamValue::Var { .. } => unreachable!("returned above"),
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
        let (low, high) = match self.value {
            ParamValue::Normal { .. } | ParamValue::LogNormal { .. } => self.range(),
            _ => (f64::NEG_INFINITY, f64::INFINITY),
        };
        let valid = |v: f64| self.domain.contains(v) && v >= low && v <= high;
        let mut v = draw(rng);
        let mut tries = 1;
        while !valid(v) && tries < 100_000 {
            v = draw(rng);
            tries += 1;
        }
        if !valid(v) {
            v = self.domain.clamp(v.clamp(low, high));
        }
        if self.domain == Domain::Count {
            v.round()
        } else {
            v
        }
    }
}

/// The name of a `"$name"` reference, when the node is one.
fn var_reference<'a>(node: &Node<'a>) -> Option<&'a str> {
    if !node.is_str() {
        return None;
    }
    node.str().ok()?.strip_prefix('$')
}

/// Resolves `"$name"` against the scenario's variables: the variable must exist and every
/// value it may take must be valid for the key.
fn read_reference(
    node: &Node<'_>,
    name: &str,
    domain: Domain,
    vars: &[Var],
) -> Result<Param, InputError> {
    let Some(index) = vars.iter().position(|v| v.name == name) else {
        let names: Vec<&str> = vars.iter().map(|v| v.name.as_str()).collect();
        let mut message = if names.is_empty() {
            format!(
                "found {}, but the scenario has no [vars] table to define ${name} in",
                node.found()
            )
        } else {
            let refs: Vec<String> = names.iter().map(|n| format!("${n}")).collect();
            let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
            format!(
                "found {}, expected a variable of [vars]: {}",
                node.found(),
                one_of(&refs)
            )
        };
        if let Some(near) = super::read::did_you_mean(name, &names) {
            message.push_str(&format!("; did you mean \"${near}\"?"));
        }
        return Err(node.error(message).with_kind(ErrorKind::Reference));
    };
    let (mut low, mut high) = vars[index].value.range();
    if domain == Domain::Count {
        (low, high) = (low.round(), high.round());
    }
    if !(domain.contains(low) && domain.contains(high)) {
        let valid = if domain == Domain::Count {
            let (_, _, most) = domain.bounds();
            format!(
                "lies from 0 to {}, rounded to a whole number for a count",
                super::read::thousands(most as i64)
            )
        } else {
            format!("is {}", domain.describe())
        };
        let hint = match vars[index].value.value {
            ParamValue::Normal { .. } | ParamValue::LogNormal { .. } => {
                "; a normal or log-normal variable reaches 6 sd (or sigma) from its centre: bound it with a uniform or triangular one, or write the distribution on the key itself, where a draw out of range is drawn again"
            }
            _ => "",
        };
        return Err(node.out_of_range(format!(
            "a variable whose every value {valid}, but ${name} may take values from {} to {}{hint}",
            short(low),
            short(high)
        )));
    }
    Ok(Param {
        value: ParamValue::Var { index, low, high },
        domain,
    })
}

/// A number for a message: up to six significant decimals, without trailing zeros.
fn short(v: f64) -> String {
    let text = format!("{v:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Number,
    Duration,
}

fn read_param(node: &Node<'_>, domain: Domain, kind: Kind) -> Result<Param, InputError> {
    if node.is_table() {
        return read_dist(node, domain, kind);
    }
    let what = format!(
        "{}, or a distribution table with dist = {}",
        domain.describe(),
        one_of(&DIST_NAMES)
    );
    let v = read_scalar(node, kind, &what)?;
    if !domain.contains(v) {
        return Err(node.out_of_range(domain.describe()));
    }
    if domain == Domain::Count && v.fract() != 0.0 {
        return Err(node.expected(domain.describe()));
    }
    Ok(Param::fixed(v, domain))
}

/// A number, or (for durations) a fixed-length duration in seconds.
fn read_scalar(node: &Node<'_>, kind: Kind, what: &str) -> Result<f64, InputError> {
    match kind {
        Kind::Number => node.number(what),
        Kind::Duration => {
            if !node.is_str() {
                return Err(node.wrong_type(what));
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
    let scalar_what = if kind == Kind::Duration {
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
            domain.describe()
        ))
        .with_kind(ErrorKind::OutOfRange)
    };
    // The distribution's parameters lie in the key's range (a log-normal's median above 0),
    // so that every draw is near valid values and the largest draw is known.
    let within = |key: &str, v: f64| -> Result<(), InputError> {
        if domain.hull_contains(v) {
            return Ok(());
        }
        Err(table.get(key).expect("read").out_of_range(format!(
            "a {key} within the key's range: {}",
            domain.describe()
        )))
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
            within("mean", mean)?;
            if sd > domain.width() {
                return Err(table.get("sd").expect("read").out_of_range(format!(
                    "a standard deviation from 0 to {}, the width of the key's range ({})",
                    domain.width(),
                    domain.describe()
                )));
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
            within("low", low)?;
            within("high", high)?;
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
            within("min", min)?;
            within("max", max)?;
            ParamValue::Triangular { min, mode, max }
        }
        "lognormal" => {
            let median = get("median")?;
            let sigma = number("sigma")?;
            if median <= 0.0 {
                return Err(table.get("median").expect("read").expected("a median > 0"));
            }
            if !(0.0..=MAX_SIGMA).contains(&sigma) {
                return Err(table
                    .get("sigma")
                    .expect("read")
                    .out_of_range("a sigma from 0 to 10"));
            }
            // The log-normal lives on (0, inf): only an upper bound can miss.
            let (_, _, high) = domain.bounds();
            if (median / high).ln() > 3.0 * sigma && median > high {
                return Err(unreachable());
            }
            within("median", median)?;
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
                    return Err(item.out_of_range(domain.describe()));
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
                    const WHAT: &str = "a weight from 0 to 1,000,000,000,000";
                    for item in &items {
                        let v = item.number(WHAT)?;
                        if !(0.0..=MAX_CHOICE_WEIGHT).contains(&v) {
                            return Err(item.out_of_range(WHAT));
                        }
                        weights.push(v);
                    }
                    if weights.iter().sum::<f64>() <= 0.0 {
                        return Err(w.out_of_range("weights with a positive sum"));
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
    /// Reads `[fleet.lifetime]` (its numbers may refer to `vars`); an empirical file is read
    /// by `load_empirical`.
    pub fn read(
        table: &Table<'_>,
        vars: &[Var],
        load_empirical: impl FnOnce(&Node<'_>) -> Result<std::sync::Arc<Vec<f64>>, InputError>,
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
            Param::read(&table.req(key, "a number")?, domain, vars)
        };
        Ok(match dist {
            "exponential" => Lifetime::Exponential {
                mean: duration("mean", Domain::PositiveSeconds)?,
            },
            "lognormal" => Lifetime::LogNormal {
                median: duration("median", Domain::PositiveSeconds)?,
                sigma: number("sigma", Domain::Sigma)?,
            },
            "weibull" => Lifetime::Weibull {
                shape: number("shape", Domain::Shape)?,
                scale: duration("scale", Domain::PositiveSeconds)?,
            },
            "uniform" => {
                let low = duration("low", Domain::Seconds)?;
                let high = duration("high", Domain::Seconds)?;
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
                value: duration("value", Domain::Seconds)?,
            },
            _ => Lifetime::Empirical {
                seconds: load_empirical(&table.req("file", "the path of a file of durations")?)?,
            },
        })
    }
}

/// Why an empirical lifetime file was not read.
#[derive(Debug)]
pub enum EmpiricalFailure {
    /// A line that is not a lifetime, or a file without any.
    Input(InputError),
    /// The file could not be read.
    Io(std::io::Error),
    /// A byte that is not UTF-8, at this offset of the file.
    NotUtf8(usize),
    /// More than the cap of bytes.
    TooLarge,
}

/// Reads an empirical lifetime file of at most `cap` bytes as a stream: one duration per line
/// (`"6h"`, or a plain number of seconds); blank lines and lines starting with `#` are
/// skipped. Only the line being read is kept as text, so memory is the 8 bytes of each
/// lifetime kept (and one line, at most `cap` bytes).
pub fn read_empirical(
    file: &std::path::Path,
    reader: impl std::io::Read,
    cap: u64,
) -> Result<Vec<f64>, EmpiricalFailure> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(reader.take(cap.saturating_add(1)));
    let mut out = Vec::new();
    let mut bytes = Vec::new();
    let mut offset: u64 = 0;
    for i in 0.. {
        bytes.clear();
        let n = reader
            .read_until(b'\n', &mut bytes)
            .map_err(EmpiricalFailure::Io)?;
        if n == 0 {
            break;
        }
        let line_start = offset;
        offset += n as u64;
        if offset > cap {
            return Err(EmpiricalFailure::TooLarge);
        }
        let line = std::str::from_utf8(&bytes).map_err(|e| {
            let at = usize::try_from(line_start).expect("at most the cap of bytes");
            EmpiricalFailure::NotUtf8(at + e.valid_up_to())
        })?;
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let seconds = match t.parse::<Duration>() {
            Ok(Duration::Seconds(s)) => Some(s as f64),
            Ok(_) => None,
            Err(()) => t.parse::<f64>().ok(),
        }
        .filter(|v| Domain::Seconds.contains(*v));
        match seconds {
            Some(s) => out.push(s),
            None => {
                return Err(EmpiricalFailure::Input(InputError {
                    kind: ErrorKind::OutOfRange,
                    file: file.to_path_buf(),
                    location: Some((i + 1, line.find(t).unwrap_or(0) + 1)),
                    path: None,
                    message: format!(
                        "found \"{t}\", expected a lifetime from 0 to 100 years: a duration in s, min, h, d or w such as \"6h\", or a number of seconds"
                    ),
                }));
            }
        }
    }
    if out.is_empty() {
        return Err(EmpiricalFailure::Input(InputError::file(
            file,
            "found no lifetimes, expected one duration per line such as \"6h\"",
        )));
    }
    Ok(out)
}
