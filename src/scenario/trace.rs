//! Trace files: `id,instance_type,zone,start,end`, one VM per row (docs/spec.md, section 11).
//!
//! A trace is streamed row by row: what stays in memory is 24 bytes per VM and each distinct
//! type and zone name once. Only the lines of the row being read are kept as text, to give the
//! column of a problem. What is read is capped ([`MAX_BYTES`], [`MAX_ROWS`], [`MAX_ROW_BYTES`]),
//! so that a wrong path (`/dev/zero`, a disk image) ends in an error, not in an exhausted
//! machine.

use crate::error::{ErrorKind, InputError};
use crate::scenario::TraceVm;
use crate::scenario::io_reason;
use crate::scenario::read::{Node, did_you_mean, one_of};
use crate::time::{self, Instant};
use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

const COLUMNS: [&str; 5] = ["id", "instance_type", "zone", "start", "end"];

/// The most VMs (rows after the header) one trace may hold.
pub const MAX_ROWS: u64 = 10_000_000;

/// The largest trace file: 2 GiB.
pub const MAX_BYTES: u64 = 2 << 30;

/// The longest row, line end included: 64 KiB.
pub const MAX_ROW_BYTES: u64 = 64 << 10;

/// What a trace may hold; tests lower them.
#[derive(Clone, Copy, Debug)]
struct Limits {
    rows: u64,
    bytes: u64,
    row_bytes: u64,
}

const LIMITS: Limits = Limits {
    rows: MAX_ROWS,
    bytes: MAX_BYTES,
    row_bytes: MAX_ROW_BYTES,
};

/// A parsed trace file whose type names are not yet checked against a scenario.
#[derive(Debug)]
pub struct TraceFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Distinct instance types in order of first appearance, with where each first appears.
    types: Vec<FirstSeen>,
    /// Distinct zone names in order of first appearance (an empty zone is `default`).
    zones: Vec<String>,
    rows: Vec<Row>,
}

/// A name and the line and column of its first occurrence.
#[derive(Debug)]
struct FirstSeen {
    name: String,
    line: usize,
    col: usize,
}

/// One VM, its type and zone as indices into the file's own name lists.
#[derive(Clone, Copy, Debug)]
struct Row {
    instance_type: u32,
    zone: u32,
    start: Instant,
    end: Instant,
}

/// Reads the trace at `path`, named by the scenario key `node`.
pub fn read(path: &Path, node: &Node<'_>) -> Result<TraceFile, InputError> {
    let unreadable = |e: &io::Error| {
        node.error(format!(
            "found {}, but {} cannot be read ({}); expected the path of a trace CSV file, relative to the scenario file",
            node.found(),
            path.display(),
            io_reason(e)
        ))
    };
    let file = File::open(path).map_err(|e| unreadable(&e))?;
    // A regular file's size is known before reading it; other files are counted as they come.
    if let Ok(meta) = file.metadata()
        && meta.is_file()
        && meta.len() > LIMITS.bytes
    {
        return Err(InputError {
            kind: ErrorKind::TooLarge,
            file: path.to_path_buf(),
            location: None,
            path: Some(node.path().to_string()),
            message: too_big(thousands(meta.len()), LIMITS),
        });
    }
    parse(path, file, node.path(), LIMITS).map_err(|f| match f {
        Failure::Input(e) => e,
        Failure::Io(e) => unreadable(&e),
    })
}

/// Why a trace was not read: its content, or the file itself.
enum Failure {
    Input(InputError),
    Io(io::Error),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Failure {
        Failure::Input(e)
    }
}

fn too_big(found: String, limits: Limits) -> String {
    format!(
        "found a trace of {found} bytes, expected at most {} bytes ({}): split the trace",
        thousands(limits.bytes),
        human_bytes(limits.bytes)
    )
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A power-of-two size as `2 GiB` or `64 KiB` (else in bytes).
fn human_bytes(n: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
    }
    format!("{n} bytes")
}

/// Parses a trace streamed from `source`; `key` is the scenario key that names it.
fn parse<R: Read>(path: &Path, source: R, key: &str, limits: Limits) -> Result<TraceFile, Failure> {
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
        .from_reader(Lines::new(source, limits));
    // A problem the line reader found (a limit, a byte that is not UTF-8) reaches the CSV
    // reader as an I/O error; it is told here, with its line.
    let failure = |reader: &csv::Reader<Lines<R>>, e: csv::Error, otherwise: InputError| {
        if let Some(problem) = reader.get_ref().take_problem() {
            return Failure::Input(problem.error(path, key, limits));
        }
        match e.into_kind() {
            csv::ErrorKind::Io(io) => Failure::Io(io),
            _ => Failure::Input(otherwise),
        }
    };
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            let message = format!(
                "found an unreadable header row ({e}), expected {}",
                COLUMNS.join(",")
            );
            return Err(failure(&reader, e, err(1, 1, message)));
        }
    };
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
                let (line, text) = reader.get_ref().row_line(0);
                return Err(err(line, column_of(text, i), message).into());
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
        )
        .into());
    }

    let mut types = Names::default();
    let mut zones = Names::default();
    let mut first_seen: Vec<FirstSeen> = Vec::new();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let pos = reader.position().byte();
        reader.get_mut().forget_before(pos);
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e
                    .position()
                    .map_or(0, |p| reader.get_ref().row_line(p.byte()).0);
                let message = format!(
                    "found a malformed row ({e}), expected {} values",
                    COLUMNS.len()
                );
                return Err(failure(&reader, e, err(line, 1, message)));
            }
        }
        // The line and the column of field `c` are looked up only when needed: for a problem
        // or the first occurrence of a type name.
        let here = |c: usize| {
            let (line, text) = reader.get_ref().row_line(pos);
            (line, column_of(text, index[c]))
        };
        let field = |c: usize| record.get(index[c]).unwrap_or("");
        if rows.len() as u64 >= limits.rows {
            let (line, _) = here(0);
            return Err(err(
                line,
                1,
                format!(
                    "found more than {} rows, expected at most {} VMs in one trace: split the trace",
                    thousands(limits.rows),
                    thousands(limits.rows)
                ),
            )
            .into());
        }
        let instant = |c: usize| -> Result<Instant, InputError> {
            time::parse_instant(field(c)).ok_or_else(|| {
                let (line, col) = here(c);
                err(
                    line,
                    col,
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
            let (line, col) = here(4);
            return Err(err(
                line,
                col,
                format!(
                    "found end {} before start {} (VM \"{}\"), expected end >= start",
                    field(4),
                    field(3),
                    field(0)
                ),
            )
            .into());
        }
        if field(1).is_empty() {
            let (line, col) = here(1);
            return Err(err(
                line,
                col,
                "found an empty instance_type, expected a type of the scenario".to_string(),
            )
            .into());
        }
        let instance_type = types.index(field(1), |name| {
            let (line, col) = here(1);
            first_seen.push(FirstSeen {
                name: name.to_string(),
                line,
                col,
            });
        });
        let zone = match field(2) {
            "" => "default",
            z => z,
        };
        let zone = zones.index(zone, |_| {});
        rows.push(Row {
            instance_type,
            zone,
            start,
            end,
        });
    }
    rows.shrink_to_fit();
    Ok(TraceFile {
        path: path.to_path_buf(),
        types: first_seen,
        zones: zones.list,
        rows,
    })
}

/// Distinct names in order of first appearance, with a fast path for a name that repeats the
/// previous row's.
#[derive(Default)]
struct Names {
    list: Vec<String>,
    index: HashMap<String, u32>,
    last: Option<u32>,
}

impl Names {
    /// The index of `name`, calling `new` with it the first time it is seen.
    fn index(&mut self, name: &str, new: impl FnOnce(&str)) -> u32 {
        if let Some(i) = self.last
            && self.list[i as usize] == name
        {
            return i;
        }
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                // At most `MAX_ROWS` rows, so at most as many names: they fit in a u32.
                let i = self.list.len() as u32;
                self.list.push(name.to_string());
                self.index.insert(name.to_string(), i);
                new(name);
                i
            }
        };
        self.last = Some(i);
        i
    }
}

impl TraceFile {
    /// The number of VMs (rows) in the trace.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the trace has no VM (a header alone).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The trace's VMs with type and zone indices; zones new to the scenario are added.
    pub fn resolve(
        &self,
        type_names: &[&str],
        zones: &mut Vec<String>,
        key: &Node<'_>,
    ) -> Result<Vec<TraceVm>, InputError> {
        // Names are in order of first appearance, so the first unknown one is the file's first
        // row of an unknown type, and zones are added in the order the rows name them.
        let mut type_of = Vec::with_capacity(self.types.len());
        for seen in &self.types {
            let Some(i) = type_names.iter().position(|n| *n == seen.name) else {
                let mut message = format!(
                    "found instance_type \"{}\", expected one of the scenario's instance types: {}",
                    seen.name,
                    one_of(type_names)
                );
                if let Some(near) = did_you_mean(&seen.name, type_names) {
                    message.push_str(&format!("; did you mean \"{near}\"?"));
                }
                return Err(InputError {
                    kind: ErrorKind::Reference,
                    file: self.path.clone(),
                    location: Some((seen.line, seen.col)),
                    path: Some(key.path().to_string()),
                    message,
                });
            };
            type_of.push(i);
        }
        let zone_of: Vec<usize> = self
            .zones
            .iter()
            .map(|name| match zones.iter().position(|z| z == name) {
                Some(z) => z,
                None => {
                    zones.push(name.clone());
                    zones.len() - 1
                }
            })
            .collect();
        Ok(self
            .rows
            .iter()
            .map(|row| TraceVm {
                instance_type: type_of[row.instance_type as usize],
                zone: zone_of[row.zone as usize],
                start: row.start,
                end: row.end,
            })
            .collect())
    }
}

/// Something wrong with the bytes of a trace, found while splitting it into lines.
#[derive(Clone, Copy, Debug)]
enum Problem {
    /// The row starting on this line is longer than the limit.
    RowTooLong { line: u64 },
    /// The file goes on past the size limit at this line.
    TooBig { line: u64 },
    /// A byte that is not UTF-8 at this line, column and file offset.
    NotUtf8 { line: u64, col: usize, byte: u64 },
}

impl Problem {
    fn error(self, path: &Path, key: &str, limits: Limits) -> InputError {
        let kind = match self {
            Problem::NotUtf8 { .. } => ErrorKind::Encoding,
            _ => ErrorKind::TooLarge,
        };
        let (line, col, message) = match self {
            Problem::RowTooLong { line } => (
                line,
                1,
                format!(
                    "found a row longer than {} ({} bytes), expected one VM per row (id,instance_type,zone,start,end), each row at most {}",
                    human_bytes(limits.row_bytes),
                    thousands(limits.row_bytes),
                    human_bytes(limits.row_bytes)
                ),
            ),
            Problem::TooBig { line } => (
                line,
                1,
                too_big(format!("more than {}", thousands(limits.bytes)), limits),
            ),
            Problem::NotUtf8 { line, col, byte } => (
                line,
                col,
                format!(
                    "found a byte that is not UTF-8 (byte {byte} of the file), expected a UTF-8 text file"
                ),
            ),
        };
        InputError {
            kind,
            file: path.to_path_buf(),
            location: Some((line as usize, col)),
            path: Some(key.to_string()),
            message,
        }
    }
}

/// The file as the CSV reader sees it: handed over one line at a time (a `read` never crosses
/// a line end), so that the lines of the row being parsed are still here when a column number
/// is needed. It enforces the size limits and UTF-8 as it goes; rows are counted by the
/// parser.
struct Lines<R> {
    inner: BufReader<R>,
    limits: Limits,
    /// The kept lines' bytes: from the line holding the current row's start.
    text: Vec<u8>,
    /// File offset of `text[0]`.
    text_start: u64,
    /// (line number, file offset) where each kept line starts.
    starts: VecDeque<(u64, u64)>,
    /// Index in `text` of the next byte to hand over.
    next: usize,
    /// File offset after the last line read.
    read: u64,
    /// Lines read.
    count: u64,
    /// File offset where the CSV reader starts its current row (blank lines may follow).
    mark: u64,
    /// What went wrong, for the parser to tell (the CSV reader sees only an I/O error).
    problem: std::cell::Cell<Option<Problem>>,
}

impl<R: Read> Lines<R> {
    fn new(inner: R, limits: Limits) -> Lines<R> {
        Lines {
            inner: BufReader::with_capacity(64 << 10, inner),
            limits,
            text: Vec::new(),
            text_start: 0,
            starts: VecDeque::new(),
            next: 0,
            read: 0,
            count: 0,
            mark: 0,
            problem: std::cell::Cell::new(None),
        }
    }

    /// The CSV reader starts a row at file offset `pos`: lines that end before it are dropped.
    fn forget_before(&mut self, pos: u64) {
        self.mark = pos;
        while self.starts.len() > 1 && self.starts[1].1 <= pos {
            self.starts.pop_front();
        }
        if self.read <= pos {
            self.starts.clear();
        }
        let keep_from = self.starts.front().map_or(self.read, |s| s.1);
        let cut = (keep_from - self.text_start) as usize;
        self.text.drain(..cut);
        self.next -= cut;
        self.text_start = keep_from;
    }

    /// Reads the next line into `text`; `false` at the end of the file.
    fn next_line(&mut self) -> io::Result<bool> {
        // Blank lines between rows are not part of the next row: forget them.
        let row_from = self.mark.max(self.text_start);
        let from = (row_from - self.text_start) as usize;
        if self.text[from..].iter().all(|b| matches!(b, b'\r' | b'\n')) {
            self.text.clear();
            self.starts.clear();
            self.next = 0;
            self.text_start = self.read;
        }
        let row_from = self.mark.max(self.text_start);
        let budget = self.limits.row_bytes - (self.read - row_from).min(self.limits.row_bytes);
        let before = self.text.len();
        let n = (&mut self.inner)
            .take(budget + 1)
            .read_until(b'\n', &mut self.text)? as u64;
        if n == 0 {
            return Ok(false);
        }
        let start = self.read;
        self.read += n;
        self.count += 1;
        self.starts.push_back((self.count, start));
        let fail = |problem: Problem| {
            self.problem.set(Some(problem));
            Err(io::Error::other("the trace breaks a limit or is not UTF-8"))
        };
        if n > budget {
            let line = self.line_of(row_from);
            return fail(Problem::RowTooLong { line });
        }
        if self.read > self.limits.bytes {
            return fail(Problem::TooBig { line: self.count });
        }
        if let Err(e) = std::str::from_utf8(&self.text[before..]) {
            let valid = e.valid_up_to();
            let col = String::from_utf8_lossy(&self.text[before..before + valid])
                .chars()
                .count()
                + 1;
            return fail(Problem::NotUtf8 {
                line: self.count,
                col,
                byte: start + valid as u64,
            });
        }
        Ok(true)
    }

    /// The number of the kept line holding file offset `pos`.
    fn line_of(&self, pos: u64) -> u64 {
        self.starts
            .iter()
            .rev()
            .find(|(_, start)| *start <= pos)
            .map_or(self.count, |(n, _)| *n)
    }

    /// The number and text (without its line end) of the line where the row the CSV reader
    /// started at `pos` begins: the first line with something other than a line end at or
    /// after `pos`.
    fn row_line(&self, pos: u64) -> (usize, &str) {
        let line = |i: usize| {
            let (n, start) = self.starts[i];
            let end = self.starts.get(i + 1).map_or(self.read, |s| s.1);
            let bytes =
                &self.text[(start - self.text_start) as usize..(end - self.text_start) as usize];
            (n, start, end, bytes)
        };
        for i in 0..self.starts.len() {
            let (n, start, end, bytes) = line(i);
            if end <= pos {
                continue;
            }
            let skip = (pos.max(start) - start) as usize;
            if bytes[skip..].iter().any(|b| !matches!(b, b'\r' | b'\n')) {
                // Every kept line was checked to be UTF-8.
                let text = std::str::from_utf8(bytes).unwrap_or("");
                return (n as usize, text.trim_end_matches(['\r', '\n']));
            }
        }
        (self.count.max(1) as usize, "")
    }

    fn take_problem(&self) -> Option<Problem> {
        self.problem.take()
    }
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.next == self.text.len() && !self.next_line()? {
            return Ok(0);
        }
        let n = buf.len().min(self.text.len() - self.next);
        buf[..n].copy_from_slice(&self.text[self.next..self.next + n]);
        self.next += n;
        Ok(n)
    }
}

/// The 1-based character column where field `i` starts on `line` (commas inside quotes do not
/// separate fields).
fn column_of(line: &str, i: usize) -> usize {
    let mut field = 0;
    let mut quoted = false;
    for (col, c) in line.chars().enumerate() {
        if field == i {
            return col + 1;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => field += 1,
            _ => {}
        }
    }
    line.chars().count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: &str = "vm,m.large,z,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z\n";

    fn message(text: &[u8], limits: Limits) -> String {
        match parse(Path::new("t.csv"), text, "fleet.trace", limits) {
            Ok(_) => panic!("the trace must be rejected"),
            Err(Failure::Input(e)) => e.to_string(),
            Err(Failure::Io(e)) => panic!("unexpected I/O error {e}"),
        }
    }

    fn rows(n: usize) -> String {
        format!("id,instance_type,zone,start,end\n{}", ROW.repeat(n))
    }

    #[test]
    fn the_row_after_the_last_allowed_one_is_refused() {
        let limits = Limits { rows: 3, ..LIMITS };
        let ok = parse(Path::new("t.csv"), rows(3).as_bytes(), "k", limits);
        assert_eq!(ok.ok().map(|t| t.len()), Some(3));
        assert_eq!(
            message(rows(4).as_bytes(), limits),
            "t.csv:5:1: fleet.trace: found more than 3 rows, expected at most 3 VMs in one trace: split the trace"
        );
    }

    #[test]
    fn a_stream_is_cut_at_the_line_that_crosses_the_size_limit() {
        // The header is 32 bytes and each row 55: the third row ends at byte 197.
        assert_eq!(ROW.len(), 55);
        let limits = Limits {
            bytes: 196,
            ..LIMITS
        };
        assert_eq!(
            message(rows(3).as_bytes(), limits),
            "t.csv:4:1: fleet.trace: found a trace of more than 196 bytes, expected at most 196 bytes (196 bytes): split the trace"
        );
        let limits = Limits {
            bytes: 197,
            ..LIMITS
        };
        let ok = parse(Path::new("t.csv"), rows(3).as_bytes(), "k", limits);
        assert_eq!(ok.ok().map(|t| t.len()), Some(3));
    }

    #[test]
    fn an_unclosed_quote_is_cut_at_the_row_limit_and_named_by_its_first_line() {
        let limits = Limits {
            row_bytes: 100,
            ..LIMITS
        };
        let text = format!("{}\"vm,{}", rows(1), "m.large\n".repeat(20));
        assert_eq!(
            message(text.as_bytes(), limits),
            "t.csv:3:1: fleet.trace: found a row longer than 100 bytes (100 bytes), expected one VM per row (id,instance_type,zone,start,end), each row at most 100 bytes"
        );
    }

    #[test]
    fn thousands_and_sizes_read_as_people_write_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(10_000_000), "10,000,000");
        assert_eq!(human_bytes(MAX_BYTES), "2 GiB");
        assert_eq!(human_bytes(MAX_ROW_BYTES), "64 KiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
    }
}
