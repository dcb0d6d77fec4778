//! Trace files: `id,instance_type,zone,start,end`, one VM per row (docs/spec.md, section 11).

use crate::error::{ErrorKind, InputError};
use crate::scenario::TraceVm;
use crate::scenario::read::{Node, did_you_mean, one_of};
use crate::time::{self, Instant};
use std::path::{Path, PathBuf};

const COLUMNS: [&str; 5] = ["id", "instance_type", "zone", "start", "end"];

/// A parsed trace file whose type names are not yet checked against a scenario.
#[derive(Debug)]
pub struct TraceFile {
    /// Where it was read from.
    pub path: PathBuf,
    rows: Vec<Row>,
}

#[derive(Debug)]
struct Row {
    line: usize,
    type_col: usize,
    instance_type: String,
    zone: String,
    start: Instant,
    end: Instant,
}

/// Parses a trace's text; `key` is the scenario key that names it, for messages.
pub fn parse(path: &Path, text: &str, key: &str) -> Result<TraceFile, InputError> {
    let err = |line: usize, col: usize, message: String| InputError {
        kind: ErrorKind::Invalid,
        file: path.to_path_buf(),
        location: Some((line, col)),
        path: Some(key.to_string()),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| {
            err(
                1,
                1,
                format!(
                    "found an unreadable header row ({e}), expected {}",
                    COLUMNS.join(",")
                ),
            )
        })?
        .clone();
    let mut index = [usize::MAX; 5];
    for (i, h) in headers.iter().enumerate() {
        match COLUMNS.iter().position(|c| *c == h) {
            Some(c) => index[c] = i,
            None => {
                let mut message = format!(
                    "found the column \"{h}\", expected the header {}",
                    COLUMNS.join(",")
                );
                if let Some(near) = did_you_mean(h, &COLUMNS) {
                    message.push_str(&format!("; did you mean \"{near}\"?"));
                }
                return Err(err(1, column_of(text, 1, i), message));
            }
        }
    }
    if let Some(c) = index.iter().position(|i| *i == usize::MAX) {
        return Err(err(
            1,
            1,
            format!(
                "found no \"{}\" column, expected the header {}",
                COLUMNS[c],
                COLUMNS.join(",")
            ),
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            err(
                line,
                1,
                format!(
                    "found a malformed row ({e}), expected {} values",
                    COLUMNS.len()
                ),
            )
        })?;
        let pos = record
            .position()
            .expect("records read from text have positions");
        let line = pos.line() as usize;
        let col = |c: usize| column_of(text, line, index[c]);
        let field = |c: usize| record.get(index[c]).unwrap_or("");
        let instant = |c: usize| -> Result<Instant, InputError> {
            time::parse_instant(field(c)).ok_or_else(|| {
                err(
                    line,
                    col(c),
                    format!(
                        "found {} \"{}\", expected an RFC 3339 instant with an offset such as 2026-01-01T00:00:00+08:00",
                        COLUMNS[c],
                        field(c)
                    ),
                )
            })
        };
        let start = instant(3)?;
        let end = instant(4)?;
        if end < start {
            return Err(err(
                line,
                col(4),
                format!(
                    "found end {} before start {} (VM \"{}\"), expected end >= start",
                    field(4),
                    field(3),
                    field(0)
                ),
            ));
        }
        if field(1).is_empty() {
            return Err(err(
                line,
                col(1),
                "found an empty instance_type, expected a type of the scenario".to_string(),
            ));
        }
        let zone = if field(2).is_empty() {
            "default"
        } else {
            field(2)
        };
        rows.push(Row {
            line,
            type_col: col(1),
            instance_type: field(1).to_string(),
            zone: zone.to_string(),
            start,
            end,
        });
    }
    Ok(TraceFile {
        path: path.to_path_buf(),
        rows,
    })
}

impl TraceFile {
    /// The trace's VMs with type and zone indices; zones new to the scenario are added.
    pub fn resolve(
        &self,
        type_names: &[&str],
        zones: &mut Vec<String>,
        key: &Node<'_>,
    ) -> Result<Vec<TraceVm>, InputError> {
        let mut out = Vec::with_capacity(self.rows.len());
        let mut last: Option<(&str, usize)> = None;
        for row in &self.rows {
            let instance_type = match last {
                Some((name, i)) if name == row.instance_type => i,
                _ => {
                    let i = type_names
                        .iter()
                        .position(|n| *n == row.instance_type)
                        .ok_or_else(|| {
                            let mut message = format!(
                                "found instance_type \"{}\", expected one of the scenario's instance types: {}",
                                row.instance_type,
                                one_of(type_names)
                            );
                            if let Some(near) = did_you_mean(&row.instance_type, type_names) {
                                message.push_str(&format!("; did you mean \"{near}\"?"));
                            }
                            InputError {
                                kind: ErrorKind::Reference,
                                file: self.path.clone(),
                                location: Some((row.line, row.type_col)),
                                path: Some(key.path().to_string()),
                                message,
                            }
                        })?;
                    last = Some((&row.instance_type, i));
                    i
                }
            };
            let zone = match zones.iter().position(|z| *z == row.zone) {
                Some(z) => z,
                None => {
                    zones.push(row.zone.clone());
                    zones.len() - 1
                }
            };
            out.push(TraceVm {
                instance_type,
                zone,
                start: row.start,
                end: row.end,
            });
        }
        Ok(out)
    }
}

/// The 1-based character column where field `i` starts on line `line` (commas inside quotes
/// do not separate fields).
fn column_of(text: &str, line: usize, i: usize) -> usize {
    let Some(row) = text.lines().nth(line.saturating_sub(1)) else {
        return 1;
    };
    let mut field = 0;
    let mut quoted = false;
    for (col, c) in row.chars().enumerate() {
        if field == i {
            return col + 1;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => field += 1,
            _ => {}
        }
    }
    row.chars().count() + 1
}
