//! The `[sweep]` grid (docs/spec.md, section 9): key paths into the scenario, lists and ranges of
//! values, and the scenario of each point. Every value is checked when the file is read, by
//! building the scenario it makes.

use super::read::{Node, Table, join_key, thousands};
use super::{Loader, Scenario, build};
use crate::error::{ErrorKind, InputError};
use crate::money;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The most points a grid may have: each point is a run, with its folder of outputs.
pub const MAX_POINTS: usize = 100_000;

/// One axis of the grid: a swept key, or the keys of a `[sweep.together.NAME]` group, which
/// take their i-th values together.
#[derive(Clone, Debug)]
pub struct Axis {
    /// What the axis is called: the key path of a plain key, NAME of a together group.
    pub name: String,
    /// True for a `[sweep.together.NAME]` group.
    pub together: bool,
    /// The keys the axis sets, in the order written, each with as many values as the others.
    pub keys: Vec<SweptKey>,
}

impl Axis {
    /// Number of values of the axis.
    pub fn size(&self) -> usize {
        self.keys[0].values.len()
    }
}

/// One swept key with its values.
#[derive(Clone, Debug)]
pub struct SweptKey {
    /// The key path as written.
    pub key: String,
    /// The parsed key path.
    pub path: Vec<Segment>,
    /// The values, in order.
    pub values: Vec<Value>,
}

/// One value of an axis.
#[derive(Clone, Debug)]
pub struct Value {
    /// The value as written (or computed, for ranges), for tables and file names.
    pub text: String,
    pub(crate) tree: Spanned<DeValue<'static>>,
}

/// One step of a key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A table key: `.count`.
    Key(String),
    /// An item of an array of tables, by its name: `["web"]`.
    Name(String),
    /// An item of an array, by position: `[0]`.
    Index(usize),
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Key(k) => f.write_str(&join_key("", k)),
            Segment::Name(n) => write!(f, "[{n:?}]"),
            Segment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// Parses a key path: `strategy["ri-1y"].reserve[0].count`.
pub fn parse_path(text: &str) -> Result<Vec<Segment>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut expect_key = true;
    while !rest.is_empty() {
        if expect_key {
            let (key, after) = if let Some(quoted) = rest.strip_prefix('"') {
                let end = quoted.find('"').ok_or("an unclosed quote")?;
                (quoted[..end].to_string(), &quoted[end + 1..])
            } else {
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                    .unwrap_or(rest.len());
                if end == 0 {
                    return Err(format!("a key expected at \"{rest}\""));
                }
                (rest[..end].to_string(), &rest[end..])
            };
            out.push(Segment::Key(key));
            rest = after;
            expect_key = false;
        } else if let Some(after) = rest.strip_prefix('.') {
            rest = after;
            expect_key = true;
            if rest.is_empty() {
                return Err("a key expected after the last dot".to_string());
            }
        } else if let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']').ok_or("an unclosed [")?;
            let item = &inner[..end];
            if let Some(name) = item.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                out.push(Segment::Name(name.to_string()));
            } else {
                let i = item
                    .parse::<usize>()
                    .map_err(|_| format!("[{item}] is neither [\"name\"] nor [index]"))?;
                out.push(Segment::Index(i));
            }
            rest = &inner[end + 1..];
        } else {
            return Err(format!("\".\" or \"[\" expected at \"{rest}\""));
        }
    }
    if out.is_empty() {
        return Err("an empty key path".to_string());
    }
    Ok(out)
}

/// Renders a key path the way error messages write it.
pub fn path_text(path: &[Segment]) -> String {
    let mut out = String::new();
    for (i, s) in path.iter().enumerate() {
        match s {
            Segment::Key(k) if i == 0 => out.push_str(&join_key("", k)),
            Segment::Key(k) => {
                out.push('.');
                out.push_str(&join_key("", k));
            }
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

/// Why a path may not be swept, if it may not.
fn forbidden(path: &[Segment]) -> Option<&'static str> {
    let key = |i: usize| match path.get(i) {
        Some(Segment::Key(k)) => Some(k.as_str()),
        _ => None,
    };
    match (key(0), key(1)) {
        (Some("sweep"), _) => return Some("the grid cannot sweep itself"),
        (Some("scenario"), Some("name")) => {
            return Some("the scenario's name names the sweep's output folder");
        }
        (Some("scenario"), Some("seed")) => {
            return Some("every point uses the same trial seeds (common random numbers)");
        }
        (Some("scenario"), Some("trials")) => {
            return Some("every point runs the same trials; use --trials");
        }
        _ => {}
    }
    if path.len() >= 2
        && matches!(path.last(), Some(Segment::Key(k)) if k == "name")
        && matches!(path[path.len() - 2], Segment::Name(_) | Segment::Index(_))
    {
        return Some("names identify fleets, types and strategies across points");
    }
    None
}

/// Puts `value` at `path` in `table`, making missing tables on the way.
pub(crate) fn apply(
    table: &mut DeTable<'static>,
    path: &[Segment],
    value: Spanned<DeValue<'static>>,
) -> Result<(), String> {
    let mut current: &mut DeTable<'static> = table;
    let mut walked = String::new();
    let mut i = 0;
    loop {
        let Segment::Key(key) = &path[i] else {
            unreachable!("paths alternate keys and items; checked by walk")
        };
        walked = join_key(&walked, key);
        let last = i + 1 == path.len();
        if last {
            let k = Spanned::new(value.span(), Cow::Owned(key.clone()));
            current.insert(k, value);
            return Ok(());
        }
        if !current.contains_key(key.as_str()) {
            if matches!(path[i + 1], Segment::Key(_)) {
                let span = value.span();
                current.insert(
                    Spanned::new(span.clone(), Cow::Owned(key.clone())),
                    Spanned::new(span, DeValue::Table(DeTable::new())),
                );
            } else {
                return Err(format!("{walked} is not in the scenario"));
            }
        }
        let mut node: &mut DeValue<'static> =
            current.get_mut(key.as_str()).expect("present").get_mut();
        i += 1;
        while let Some(seg @ (Segment::Name(_) | Segment::Index(_))) = path.get(i) {
            let DeValue::Array(items) = node else {
                return Err(format!("{walked} is not a list"));
            };
            let pos = match seg {
                Segment::Index(n) => {
                    if *n >= items.len() {
                        return Err(format!(
                            "{walked} has {} item(s), so [{n}] is not one of them",
                            items.len()
                        ));
                    }
                    *n
                }
                Segment::Name(name) => {
                    let names: Vec<String> = items
                        .iter()
                        .filter_map(|v| v.get_ref().get("name"))
                        .filter_map(|n| n.get_ref().as_str().map(str::to_string))
                        .collect();
                    names.iter().position(|n| n == name).ok_or_else(|| {
                        format!(
                            "{walked} has no item named {name:?}; its names are {}",
                            names
                                .iter()
                                .map(|n| format!("{n:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?
                }
                Segment::Key(_) => unreachable!(),
            };
            walked.push_str(&seg.to_string());
            let slice: &mut [Spanned<DeValue<'static>>] = items;
            node = slice[pos].get_mut();
            i += 1;
        }
        if i == path.len() {
            *node = value.into_inner();
            return Ok(());
        }
        current = match node {
            DeValue::Table(t) => t,
            _ => return Err(format!("{walked} is not a table")),
        };
    }
}

/// What `[sweep.together]` holds.
const TOGETHER_WHAT: &str = "a table of axes, each a table of key paths and their values, such as [sweep.together.mix] 'strategy[\"a\"].reserve[0].count' = [0, 10]";

/// Reads `[sweep]` and checks every value by building the scenario it makes. The axes come in
/// the order written; `together`'s groups take its place among the keys (after the plain keys
/// when their `[sweep.together.NAME]` tables follow `[sweep]`).
pub(crate) fn read(scenario: &Scenario, loader: &Loader) -> Result<Vec<Axis>, InputError> {
    let raw = &scenario.raw;
    let Some(sweep) = raw.table.get("sweep") else {
        return Ok(Vec::new());
    };
    let node = Node::new(&raw.source, "sweep".to_string(), sweep);
    let table = node.table_any("a table of key paths and their values")?;
    // Every key path swept anywhere, with where: a key on two axes would be set twice.
    let mut seen: Vec<(Vec<Segment>, String)> = Vec::new();
    let mut axes = Vec::new();
    let mut points: usize = 1;
    let mut count = |axis: &Axis, at: &Node<'_>| -> Result<(), InputError> {
        points = points.saturating_mul(axis.size());
        if points > MAX_POINTS {
            return Err(at
                .error(format!(
                    "found a grid of more than {} points, expected at most {}",
                    thousands(MAX_POINTS as i64),
                    thousands(MAX_POINTS as i64)
                ))
                .with_kind(ErrorKind::OutOfRange));
        }
        Ok(())
    };
    for (key, value_node) in table.entries() {
        if key == "together" {
            let groups = value_node.table_any(TOGETHER_WHAT)?;
            if groups.entries().is_empty() {
                return Err(
                    value_node.error(format!("found an empty table, expected {TOGETHER_WHAT}"))
                );
            }
            for (name, group) in groups.entries() {
                let axis = read_together(raw, loader, name, &group, &mut seen)?;
                count(&axis, &group)?;
                axes.push(axis);
            }
            continue;
        }
        let swept = read_key(key, &value_node, &mut seen, "[sweep]".to_string())?;
        let axis = Axis {
            name: swept.key.clone(),
            together: false,
            keys: vec![swept],
        };
        count(&axis, &value_node)?;
        check_values(raw, loader, &axis, &[&value_node], |i| {
            format!("value {} of [sweep] '{key}'", i + 1)
        })?;
        axes.push(axis);
    }
    Ok(axes)
}

/// Reads one key path and its values; `place` says where it is written, for the message about
/// a key swept twice.
fn read_key(
    key: &str,
    value_node: &Node<'_>,
    seen: &mut Vec<(Vec<Segment>, String)>,
    place: String,
) -> Result<SweptKey, InputError> {
    let path = parse_path(key).map_err(|why| {
        value_node.error(format!(
            "found the key path '{key}' ({why}), expected a path such as 'strategy[\"ri-1y\"].reserve[0].count'"
        ))
    })?;
    if let Some(why) = forbidden(&path) {
        return Err(value_node.error(format!(
            "found the key path '{key}', which cannot be swept: {why}"
        )));
    }
    if let Some((_, other)) = seen.iter().find(|(p, _)| *p == path) {
        return Err(value_node
            .error(format!(
                "found the key path '{key}', which is also swept in {other}, expected each key on one axis of the grid only"
            ))
            .with_kind(ErrorKind::Conflict));
    }
    seen.push((path.clone(), place));
    let values = read_values(value_node)?;
    Ok(SweptKey {
        key: key.to_string(),
        path,
        values,
    })
}

/// Reads `[sweep.together.NAME]`: key paths whose lists (or ranges) have one length.
fn read_together(
    raw: &Arc<super::Raw>,
    loader: &Loader,
    name: &str,
    group: &Node<'_>,
    seen: &mut Vec<(Vec<Segment>, String)>,
) -> Result<Axis, InputError> {
    const WHAT: &str = "a table of key paths and their values, lists or ranges of one length, such as 'strategy[\"a\"].reserve[0].count' = [0, 10]";
    let table = group.table_any(WHAT)?;
    let entries = table.entries();
    if entries.is_empty() {
        return Err(group.error(format!("found an empty table, expected {WHAT}")));
    }
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        return Err(group.error(format!(
            "found the axis name {name:?}, expected a name of printable characters that is not blank"
        )));
    }
    let place = format!("[{}]", join_key("sweep.together", name));
    let mut keys: Vec<SweptKey> = Vec::new();
    for (key, value_node) in &entries {
        let swept = read_key(key, value_node, seen, place.clone())?;
        if let Some(first) = keys.first()
            && first.values.len() != swept.values.len()
        {
            let form = if value_node.is_table() {
                "a range"
            } else {
                "a list"
            };
            return Err(value_node.error(format!(
                "found {form} of {} value{}, expected {} values, as many as '{}' has: the keys of {place} take their i-th values together",
                swept.values.len(),
                if swept.values.len() == 1 { "" } else { "s" },
                first.values.len(),
                first.key
            )));
        }
        keys.push(swept);
    }
    let axis = Axis {
        name: name.to_string(),
        together: true,
        keys,
    };
    let nodes: Vec<&Node<'_>> = entries.iter().map(|(_, n)| n).collect();
    check_values(raw, loader, &axis, &nodes, |i| {
        format!("value {} of {place}", i + 1)
    })?;
    Ok(axis)
}

/// Builds the scenario of each value of `axis` (the other axes as in the file), so that a bad
/// value is found when the file is read; `nodes` are the keys' values, for messages.
fn check_values(
    raw: &Arc<super::Raw>,
    loader: &Loader,
    axis: &Axis,
    nodes: &[&Node<'_>],
    which: impl Fn(usize) -> String,
) -> Result<(), InputError> {
    for i in 0..axis.size() {
        let mut patched = raw.table.clone();
        for (k, node) in axis.keys.iter().zip(nodes) {
            apply(&mut patched, &k.path, k.values[i].tree.clone()).map_err(|why| {
                node.error(format!(
                    "found the key path '{}', but {why}; expected a path to a field of the scenario",
                    k.key
                ))
            })?;
        }
        build(raw, &patched, loader).map_err(|mut e| {
            e.message = format!("{} ({})", e.message, which(i));
            e
        })?;
    }
    Ok(())
}

fn read_values(node: &Node<'_>) -> Result<Vec<Value>, InputError> {
    const WHAT: &str =
        "a list of values such as [0, 10, 20] or a range such as { from = 0, to = 40, step = 10 }";
    let value = |n: &Node<'_>, tree: Spanned<DeValue<'static>>| Value {
        text: plain_text(n),
        tree,
    };
    if node.is_table() {
        let t = node.table(&["from", "to", "step"])?;
        return range(&t);
    }
    let items = node.array_of(WHAT)?;
    if items.is_empty() {
        return Err(node.expected(WHAT));
    }
    Ok(items
        .iter()
        .map(|n| {
            let tree = Spanned::new(n.span(), n.value.clone());
            value(n, tree)
        })
        .collect())
}

/// The value as a person reads it: a string's content, a number's digits, a table's text.
fn plain_text(n: &Node<'_>) -> String {
    match n.value {
        DeValue::String(s) => s.to_string(),
        _ => n.found(),
    }
}

/// What a range's `from`, `to` and `step` may be: numbers an exact decimal holds.
const EXACT_NUMBER: &str = "a decimal number from -79,228,162,514,264,337,593,543,950,335 to 79,228,162,514,264,337,593,543,950,335 (about 7.9e28) with at most 28 decimal places, what an exact decimal holds";

fn range(t: &Table<'_>) -> Result<Vec<Value>, InputError> {
    let number = |key: &str| -> Result<(Decimal, bool), InputError> {
        let n = t.req(key, "a number")?;
        if !n.is_number() {
            return Err(n.wrong_type("a number"));
        }
        let d = n.decimal().ok_or_else(|| n.out_of_range(EXACT_NUMBER))?;
        Ok((d, matches!(n.value, DeValue::Integer(_))))
    };
    let (from, from_int) = number("from")?;
    let (to, to_int) = number("to")?;
    let (step, step_int) = number("step")?;
    let step_node = t.get("step").expect("read");
    let too_many = || {
        step_node.out_of_range(format!(
            "a step giving at most {} values",
            thousands(MAX_POINTS as i64)
        ))
    };
    // Numbers near Decimal's limit (7.9e28) can overflow the span or the count: such a range
    // has more values than a grid holds.
    let width = to.checked_sub(from).ok_or_else(|| {
        t.node()
            .error(format!(
                "found a range from {from} to {to}, whose span is beyond what an exact decimal holds (about 7.9e28), expected from and to closer together"
            ))
            .with_kind(ErrorKind::OutOfRange)
    })?;
    if step.is_zero() || width.is_sign_negative() != step.is_sign_negative() && to != from {
        return Err(step_node.expected(format!("a step that goes from {from} towards {to}")));
    }
    let count = width.checked_div(step).ok_or_else(too_many)?.floor();
    let count = count
        .to_usize()
        .filter(|c| *c < MAX_POINTS)
        .ok_or_else(too_many)?;
    let integers = from_int && to_int && step_int;
    let span = t.node().span();
    (0..=count)
        .map(|i| {
            let v = Decimal::from(i)
                .checked_mul(step)
                .and_then(|d| d.checked_add(from))
                .ok_or_else(too_many)?;
            let text = if integers {
                money::json_string(v)
            } else {
                let mut s = money::json_string(v);
                if !s.contains('.') {
                    s.push_str(".0");
                }
                s
            };
            let leaked: &'static str = Box::leak(text.clone().into_boxed_str());
            let parsed = DeValue::parse(leaked)
                .map_err(|_| {
                    step_node.out_of_range(format!(
                        "a range whose values are TOML numbers, but {text} is not one"
                    ))
                })?
                .into_inner();
            Ok(Value {
                text: money::json_string(v),
                tree: Spanned::new(span.clone(), parsed),
            })
        })
        .collect()
}

impl Scenario {
    /// Number of points of the sweep grid (1 without `[sweep]`).
    pub fn sweep_points(&self) -> usize {
        self.sweep.iter().map(Axis::size).product()
    }

    /// The value index on each axis of point `i` (the last axis varies fastest).
    pub fn sweep_coordinates(&self, mut i: usize) -> Vec<usize> {
        let mut out = vec![0; self.sweep.len()];
        for (k, axis) in self.sweep.iter().enumerate().rev() {
            out[k] = i % axis.size();
            i /= axis.size();
        }
        out
    }

    /// The scenario of sweep point `i`.
    pub fn sweep_point(&self, i: usize) -> Result<Scenario, InputError> {
        let mut patched = self.raw.table.clone();
        for (axis, &v) in self.sweep.iter().zip(&self.sweep_coordinates(i)) {
            for k in &axis.keys {
                apply(&mut patched, &k.path, k.values[v].tree.clone())
                    .expect("checked when the sweep was read");
            }
        }
        // The points share the base file's parsed traces and lifetime files, by path.
        let mut point = build(&Arc::clone(&self.raw), &patched, &self.raw.files)?;
        point.sweep = Vec::new();
        Ok(point)
    }
}

/// A key path as a person reads it on a chart or in a table: the entry's name and the field,
/// `ri-1y count` for `strategy["ri-1y"].reserve[0].count`, `web rate_per_hour` for
/// `fleet["web"].arrivals.rate_per_hour`; a variable by its name, `growth` for `vars.growth`
/// and `growth high` for `vars.growth.high`; without a named entry, the first key (with its
/// index) and the field, `scenario horizon`.
pub fn label(path: &[Segment]) -> String {
    if let [Segment::Key(root), Segment::Key(name), rest @ ..] = path
        && root == "vars"
    {
        return if rest.is_empty() {
            name.clone()
        } else {
            format!("{name} {}", path_text(rest))
        };
    }
    let Some(field_at) = path.iter().rposition(|s| matches!(s, Segment::Key(_))) else {
        return path_text(path);
    };
    let field = path_text(&path[field_at..]);
    let entry = match path[..field_at]
        .iter()
        .rposition(|s| matches!(s, Segment::Name(_)))
    {
        Some(i) => match &path[i] {
            Segment::Name(n) => n.clone(),
            _ => unreachable!("found a name"),
        },
        None if field_at == 0 => return field,
        None => {
            let first_items = path[1..field_at]
                .iter()
                .take_while(|s| matches!(s, Segment::Index(_)))
                .count();
            path_text(&path[..1 + first_items])
        }
    };
    format!("{entry} {field}")
}
