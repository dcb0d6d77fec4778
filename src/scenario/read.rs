//! Walking the spanned TOML tree: every value knows its key path and its place in the file,
//! so every error names the file, the key path, the line and column, what was found and what
//! is allowed.

use crate::error::{ErrorKind, InputError};
use crate::money;
use crate::time::{self, Duration, Instant};
use rust_decimal::Decimal;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A parsed scenario file: its text (for positions and quotes) and its tree.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file, as the user named it.
    pub file: PathBuf,
    // Leaked once per load so that the parsed tree, which borrows it, can be kept with the
    // scenario for building sweep points; a scenario file is a few kilobytes.
    text: &'static str,
    line_starts: Vec<usize>,
}

impl Source {
    /// Wraps a file's text.
    pub fn new(file: impl AsRef<Path>, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source {
            file: file.as_ref().to_path_buf(),
            text: Box::leak(text.into_boxed_str()),
            line_starts,
        }
    }

    /// The file's text.
    pub fn text(&self) -> &'static str {
        self.text
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, byte: usize) -> (usize, usize) {
        let byte = byte.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= byte) - 1;
        let start = self.line_starts[line];
        let col = self.text[start..byte].chars().count() + 1;
        (line + 1, col)
    }

    /// An error at a span (or at no place), under a key path.
    pub fn error(
        &self,
        span: Option<Range<usize>>,
        path: &str,
        message: impl Into<String>,
    ) -> InputError {
        InputError {
            kind: ErrorKind::Invalid,
            file: self.file.clone(),
            location: span.map(|s| self.position(s.start)),
            path: (!path.is_empty()).then(|| path.to_string()),
            message: message.into(),
        }
    }

    /// The text the user wrote at a span, shortened for a message.
    fn quote(&self, span: &Range<usize>) -> Option<String> {
        let text = self.text.get(span.clone())?.trim();
        if text.is_empty() {
            return None;
        }
        let one_line: String = text.lines().next().unwrap_or("").to_string();
        let mut out: String = one_line.chars().take(60).collect();
        if out.len() < text.len() {
            out.push_str("...");
        }
        Some(out)
    }
}

/// Appends a key to a key path, quoting it when it is not a bare TOML key.
pub fn join_key(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

/// The nearest of `known` to `word`, when it is near enough to be a likely typo.
pub fn did_you_mean<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let limit = (word.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (strsim::levenshtein(word, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

pub use crate::error::one_of;

/// The most instances one entry may buy, and the most VMs a count of a fleet (`baseline`, an
/// event's `add` or `remove`) may hold: keeps the matching core's per-hour unit-seconds in
/// 64 bits.
pub const MAX_COUNT: i64 = 10_000_000;

/// The highest price per hour (pay-as-you-go, licence, software, storage and network, a
/// reservation's hourly fee): with at most [`MAX_COUNT`] instances for 100 years, a bill stays
/// far inside what an exact decimal holds.
pub const MAX_HOURLY_PRICE: i64 = 1_000_000;

/// The highest one-off price (a reservation's upfront, a subscription's monthly or yearly
/// price, an auto-deduction threshold).
pub const MAX_PRICE: i64 = 1_000_000_000;

/// Formats a whole number with thousands separators, as messages write limits.
pub fn thousands(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

/// One value of the tree with its key path and span.
#[derive(Clone)]
pub struct Node<'a> {
    pub(crate) src: &'a Source,
    pub(crate) path: String,
    pub(crate) value: &'a DeValue<'static>,
    pub(crate) span: Range<usize>,
}

impl<'a> Node<'a> {
    /// Wraps a spanned value found under `path`.
    pub fn new(src: &'a Source, path: String, value: &'a Spanned<DeValue<'static>>) -> Self {
        Node {
            src,
            path,
            value: value.get_ref(),
            span: value.span(),
        }
    }

    /// The key path of this value.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The byte span of this value.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// An error about this value.
    pub fn error(&self, message: impl Into<String>) -> InputError {
        self.src.error(Some(self.span.clone()), &self.path, message)
    }

    /// "found X, expected Y" about this value.
    pub fn expected(&self, what: impl std::fmt::Display) -> InputError {
        self.error(format!("found {}, expected {what}", self.found()))
    }

    /// "found X, expected Y" about a value of another type than the key takes.
    pub fn wrong_type(&self, what: impl std::fmt::Display) -> InputError {
        self.expected(what).with_kind(ErrorKind::WrongType)
    }

    /// "found X, expected Y" about a number outside its key's range.
    pub fn out_of_range(&self, what: impl std::fmt::Display) -> InputError {
        self.expected(what).with_kind(ErrorKind::OutOfRange)
    }

    /// True when the value is a TOML number.
    pub fn is_number(&self) -> bool {
        matches!(self.value, DeValue::Integer(_) | DeValue::Float(_))
    }

    /// What the user wrote here, for a message.
    pub fn found(&self) -> String {
        match self.value {
            DeValue::Table(_) => "a table".to_string(),
            DeValue::Array(a) => match a.len() {
                0 => "an empty list".to_string(),
                1 => "a list of 1 value".to_string(),
                n => format!("a list of {n} values"),
            },
            DeValue::String(s) => self
                .src
                .quote(&self.span)
                .filter(|q| q.starts_with(['"', '\'']))
                .unwrap_or_else(|| format!("{s:?}")),
            other => self.src.quote(&self.span).unwrap_or_else(|| match other {
                DeValue::Integer(i) => i.to_string(),
                DeValue::Float(f) => f.to_string(),
                DeValue::Boolean(b) => b.to_string(),
                DeValue::Datetime(d) => d.to_string(),
                _ => String::new(),
            }),
        }
    }

    /// A string.
    pub fn str(&self) -> Result<&'a str, InputError> {
        match self.value {
            DeValue::String(s) => Ok(s.as_ref()),
            _ => Err(self.wrong_type("a string")),
        }
    }

    /// A non-empty string without control characters (names end up in tables and file
    /// names, where a line break or a tab would break them).
    pub fn name(&self) -> Result<&'a str, InputError> {
        let s = self.str()?;
        if s.trim().is_empty() {
            return Err(self.expected("a non-empty name"));
        }
        if s.chars().any(char::is_control) {
            return Err(self.expected(
                "a name of printable characters (no line breaks, tabs or other control characters)",
            ));
        }
        Ok(s)
    }

    /// A boolean.
    pub fn bool(&self) -> Result<bool, InputError> {
        match self.value {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(self.wrong_type("true or false")),
        }
    }

    /// A number written in TOML (integer or float), as its exact decimal.
    pub fn decimal(&self) -> Option<Decimal> {
        match self.value {
            DeValue::Integer(i) if i.radix() == 10 => money::parse_toml_number(i.as_str()),
            DeValue::Float(f) => money::parse_toml_number(f.as_str()),
            _ => None,
        }
    }

    /// A number (integer or float).
    pub fn number(&self, what: &str) -> Result<f64, InputError> {
        let as_f64 = match self.value {
            DeValue::Integer(i) => i.as_str().replace('_', "").parse::<f64>().ok(),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        };
        match as_f64 {
            Some(v) if v.is_finite() => Ok(v),
            Some(_) => Err(self.out_of_range(what)),
            None => Err(self.wrong_type(what)),
        }
    }

    /// A whole number within `min..=max`; `what` states the range.
    pub fn integer(&self, min: i64, max: i64, what: &str) -> Result<i64, InputError> {
        let value = match self.value {
            DeValue::Integer(i) => {
                i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()
            }
            _ => return Err(self.wrong_type(what)),
        };
        match value {
            Some(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(self.out_of_range(what)),
        }
    }

    /// A count of instances: a whole number from 0 to 10,000,000.
    pub fn count(&self) -> Result<u32, InputError> {
        let what = format!("a whole number from 0 to {}", thousands(MAX_COUNT));
        let v = self.integer(0, MAX_COUNT, &what)?;
        u32::try_from(v).map_err(|_| self.out_of_range(&what))
    }

    /// An amount of money from 0 to `max`: a string of digits with an optional fraction
    /// (`"0.1520"`), or a TOML number read by its written digits.
    pub fn money(&self, max: i64) -> Result<Decimal, InputError> {
        let what = format!(
            "an amount from 0 to {} such as \"0.152\" or \"1000\" (digits with an optional decimal point)",
            thousands(max)
        );
        let written = match self.value {
            DeValue::String(s) => Some(&**s),
            DeValue::Integer(i) => Some(i.as_str()),
            DeValue::Float(f) => Some(f.as_str()),
            _ => None,
        };
        // A decimal holds 28 digits in every case: more would be refused as out of range (or
        // rounded), so the message says so.
        if written.is_some_and(money::too_many_digits) {
            return Err(self.out_of_range(format!(
                "an amount from 0 to {} with at most {} significant digits and {} decimal places (what an exact decimal holds)",
                thousands(max),
                money::MAX_DIGITS,
                money::MAX_DIGITS
            )));
        }
        let value = match self.value {
            DeValue::String(s) => money::parse_decimal(s, false),
            DeValue::Integer(_) | DeValue::Float(_) => self.decimal(),
            _ => return Err(self.wrong_type(what)),
        };
        match value {
            Some(v) if v.is_sign_negative() && !v.is_zero() => Err(self.out_of_range(what)),
            Some(v) if v > Decimal::from(max) => Err(self.out_of_range(what)),
            Some(v) => Ok(v),
            None if self.is_number() => Err(self.out_of_range(what)),
            None => Err(self.expected(what)),
        }
    }

    /// A duration string (docs/spec.md, section 2).
    pub fn duration(&self) -> Result<Duration, InputError> {
        match self.value {
            DeValue::String(s) => s
                .parse::<Duration>()
                .map_err(|_| self.expected(time::DURATION_FORMS)),
            _ => Err(self.wrong_type(time::DURATION_FORMS)),
        }
    }

    /// A positive duration of at most 100 years: a horizon, a term, a subscription.
    pub fn positive_duration(&self) -> Result<Duration, InputError> {
        let d = self.duration()?;
        if d.is_negative() || d.is_zero() || !d.at_most_months(time::MAX_SPAN_MONTHS) {
            return Err(self.out_of_range(format!(
                "a positive {}, of at most 100 years (\"100y\", \"1200mo\", \"36525d\")",
                &time::DURATION_FORMS[2..]
            )));
        }
        Ok(d)
    }

    /// An RFC 3339 instant with offset, as a string or a TOML offset date-time, between
    /// 1900 and 2400.
    pub fn instant(&self) -> Result<Instant, InputError> {
        const WHAT: &str =
            "an RFC 3339 instant with an offset, such as \"2026-01-01T00:00:00+08:00\"";
        let text = match self.value {
            DeValue::String(s) => s.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            _ => return Err(self.wrong_type(WHAT)),
        };
        let t = self.parse_instant(&text, WHAT)?;
        self.check_instant(t)
    }

    fn parse_instant(&self, text: &str, what: &str) -> Result<Instant, InputError> {
        time::parse_instant_checked(text).map_err(|e| match e {
            time::InstantError::Malformed => self.expected(what),
            time::InstantError::NoSuchDate(why) => {
                self.expected(format!("a date that exists: {why}"))
            }
        })
    }

    /// Fails on an instant outside the years a scenario may name.
    pub fn check_instant(&self, t: Instant) -> Result<Instant, InputError> {
        if (time::MIN_INSTANT..=time::MAX_INSTANT).contains(&t) {
            return Ok(t);
        }
        Err(self.out_of_range(format!(
            "a point in time from {} to {}",
            time::format_instant(time::MIN_INSTANT),
            time::format_instant(time::MAX_INSTANT)
        )))
    }

    /// A point in time written as a duration from `start` (`"6mo"`, `"-2w"`) or as an RFC 3339
    /// instant; months are stepped on `zone`'s calendar.
    pub fn at(&self, start: Instant, zone: chrono::FixedOffset) -> Result<Instant, InputError> {
        const WHAT: &str = "a duration from the scenario's start such as \"0h\" or \"6mo\", or an RFC 3339 instant such as \"2026-07-01T00:00:00+08:00\"";
        let text = match self.value {
            DeValue::String(s) => s.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            _ => return Err(self.expected(WHAT)),
        };
        let t = match text.parse::<Duration>() {
            Ok(d) => d.checked_after(start, zone).unwrap_or(if d.is_negative() {
                i64::MIN
            } else {
                i64::MAX
            }),
            Err(()) => self.parse_instant(&text, WHAT)?,
        };
        self.check_instant(t)
    }

    /// One of a fixed set of words: its index, or an error listing them with the nearest.
    pub fn choice(&self, words: &[&str]) -> Result<usize, InputError> {
        let word = self.str()?;
        if let Some(i) = words.iter().position(|w| *w == word) {
            return Ok(i);
        }
        let mut message = format!("found {}, expected {}", self.found(), one_of(words));
        if let Some(near) = did_you_mean(word, words) {
            let _ = write!(message, "; did you mean \"{near}\"?");
        }
        Err(self.error(message))
    }

    /// A list.
    pub fn array(&self) -> Result<Vec<Node<'a>>, InputError> {
        self.array_of("a list")
    }

    /// A list, described as `what` when it is not one. Items get paths `path[i]`.
    pub fn array_of(&self, what: &str) -> Result<Vec<Node<'a>>, InputError> {
        match self.value {
            DeValue::Array(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, item)| Node::new(self.src, format!("{}[{i}]", self.path), item))
                .collect()),
            _ => Err(self.wrong_type(what)),
        }
    }

    /// A table whose keys must be among `allowed`.
    pub fn table(&self, allowed: &[&str]) -> Result<Table<'a>, InputError> {
        let table = self.table_any("a table")?;
        table.check_keys(allowed)?;
        Ok(table)
    }

    /// A table, keys unchecked.
    pub fn table_any(&self, what: &str) -> Result<Table<'a>, InputError> {
        match self.value {
            DeValue::Table(map) => Ok(Table {
                node: self.clone(),
                map,
            }),
            _ => Err(self.wrong_type(what)),
        }
    }

    /// True when the value is a table.
    pub fn is_table(&self) -> bool {
        matches!(self.value, DeValue::Table(_))
    }

    /// True when the value is a boolean.
    pub fn is_bool(&self) -> bool {
        matches!(self.value, DeValue::Boolean(_))
    }

    /// True when the value is a string.
    pub fn is_str(&self) -> bool {
        matches!(self.value, DeValue::String(_))
    }

    /// The same value under another key path (items of named arrays are renamed once their
    /// name is known).
    pub fn renamed(&self, path: String) -> Node<'a> {
        Node {
            path,
            ..self.clone()
        }
    }
}

/// A table of the tree.
#[derive(Clone)]
pub struct Table<'a> {
    pub(crate) node: Node<'a>,
    map: &'a DeTable<'static>,
}

impl<'a> Table<'a> {
    /// The key path of the table.
    pub fn path(&self) -> &str {
        &self.node.path
    }

    /// The node of the table itself.
    pub fn node(&self) -> &Node<'a> {
        &self.node
    }

    /// The value under `key`, if present.
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        let value = self.map.get(key)?;
        Some(Node::new(
            self.node.src,
            join_key(&self.node.path, key),
            value,
        ))
    }

    /// True when `key` is present.
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The value under `key`, which must be present; `what` describes what belongs there.
    pub fn req(&self, key: &str, what: &str) -> Result<Node<'a>, InputError> {
        self.get(key).ok_or_else(|| {
            self.node
                .src
                .error(
                    Some(self.node.span.clone()),
                    &join_key(&self.node.path, key),
                    format!("missing key \"{key}\", expected {what}"),
                )
                .with_kind(ErrorKind::Missing)
        })
    }

    /// The keys present, in the file's order.
    pub fn keys(&self) -> impl Iterator<Item = (&'a str, Range<usize>)> {
        self.map
            .iter()
            .map(|(k, _)| (k.get_ref().as_ref(), k.span()))
    }

    /// Every key with its value, in the file's order.
    pub fn entries(&self) -> Vec<(&'a str, Node<'a>)> {
        self.map
            .iter()
            .map(|(k, v)| {
                let key: &str = k.get_ref().as_ref();
                (
                    key,
                    Node::new(self.node.src, join_key(&self.node.path, key), v),
                )
            })
            .collect()
    }

    /// Fails on the first key that is not in `allowed`, suggesting the nearest allowed key.
    pub fn check_keys(&self, allowed: &[&str]) -> Result<(), InputError> {
        for (key, span) in self.keys() {
            if !allowed.contains(&key) {
                let mut message = format!(
                    "found unknown key \"{key}\", expected one of {}",
                    allowed.join(", ")
                );
                if let Some(near) = did_you_mean(key, allowed) {
                    let _ = write!(message, "; did you mean \"{near}\"?");
                }
                return Err(self
                    .node
                    .src
                    .error(Some(span), &join_key(&self.node.path, key), message)
                    .with_kind(ErrorKind::UnknownKey));
            }
        }
        Ok(())
    }

    /// An error about a key that is present but may not be combined with `other`.
    pub fn conflict(&self, key: &str, other: &str, why: &str) -> InputError {
        let node = self.get(key).expect("conflict on a present key");
        node.error(format!("found both \"{other}\" and \"{key}\"; {why}"))
            .with_kind(ErrorKind::Conflict)
    }
}
