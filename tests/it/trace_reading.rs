//! Reading traces (docs/spec.md, section 11; docs/scenario.md, "Traces"): a big trace is read
//! whole, what is read is capped, and every problem names its own line.

use super::common::{bills, capsim, load_text};
use capsim::scenario::{FleetKind, Scenario};
use std::collections::BTreeMap;
use std::path::Path;

/// A scenario with the four types of `scripts/make-big-trace.py` whose one fleet replays
/// `trace.csv` (or `{trace}` replaced); the horizon holds every generated VM.
const SCENARIO: &str = r#"[scenario]
name = "t"
start = "2027-01-04T00:00:00Z"
horizon = "91d"

[billing]
profile = "aws"

[[instance_type]]
name = "m6i.large"
family = "m6i"
units = 4
payg_hourly = "0.111"

[[instance_type]]
name = "m6i.xlarge"
family = "m6i"
units = 8
payg_hourly = "0.222"

[[instance_type]]
name = "m6i.2xlarge"
family = "m6i"
units = 16
payg_hourly = "0.444"

[[instance_type]]
name = "m6i.4xlarge"
family = "m6i"
units = 32
payg_hourly = "0.888"

[[fleet]]
name = "web"
trace = "{trace}"

[[strategy]]
name = "none"
"#;

/// Writes `csv` as `trace.csv` next to the scenario and loads it.
fn load_csv(
    csv: &[u8],
) -> (
    tempfile::TempDir,
    Result<Scenario, capsim::error::InputError>,
) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("trace.csv"), csv).unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, SCENARIO.replace("{trace}", "trace.csv")).unwrap();
    let result = Scenario::load(&path);
    (dir, result)
}

/// The message for a trace, with the folder's path replaced by `{dir}`.
fn message(csv: &[u8]) -> String {
    let (dir, result) = load_csv(csv);
    result
        .expect_err("the trace must be rejected")
        .to_string()
        .replace(&dir.path().display().to_string(), "{dir}")
}

const TYPES: [&str; 4] = ["m6i.large", "m6i.xlarge", "m6i.2xlarge", "m6i.4xlarge"];
const ZONES: [&str; 3] = ["eu-west-2a", "eu-west-2b", "eu-west-2c"];

/// What the generator wrote: the number of VMs, their running seconds, VMs per (type, zone).
struct Written {
    vms: usize,
    seconds: i64,
    per_cell: BTreeMap<(usize, usize), usize>,
}

/// Writes the trace of `scripts/make-big-trace.py` (the same rows, by the same formulas) and
/// tallies what it wrote.
fn generate(path: &Path, rows: u64) -> Written {
    use std::io::Write;
    let start = chrono::DateTime::parse_from_rfc3339("2027-01-04T00:00:00Z")
        .unwrap()
        .timestamp();
    let span = 89 * 86_400;
    let instant = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%S+00:00")
            .to_string()
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "id,instance_type,zone,start,end").unwrap();
    let mut written = Written {
        vms: 0,
        seconds: 0,
        per_cell: BTreeMap::new(),
    };
    for i in 0..rows {
        let h = (i * 2_654_435_761) % (1 << 32);
        let (t, z) = ((h % 4) as usize, ((h >> 8) % 3) as usize);
        let s = start + (i * span / rows) as i64 + ((h >> 12) % 600) as i64;
        let duration = 60 + ((h >> 4) % 86_400) as i64;
        writeln!(
            out,
            "vm-{i:07},{},{},{},{}",
            TYPES[t],
            ZONES[z],
            instant(s),
            instant(s + duration)
        )
        .unwrap();
        written.vms += 1;
        written.seconds += duration;
        *written.per_cell.entry((t, z)).or_default() += 1;
    }
    out.flush().unwrap();
    written
}

#[test]
fn a_generated_trace_of_200000_rows_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let written = generate(&dir.path().join("trace.csv"), 200_000);
    let path = dir.path().join("s.toml");
    std::fs::write(&path, SCENARIO.replace("{trace}", "trace.csv")).unwrap();
    let s = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let FleetKind::Trace(trace) = &s.fleets[0].kind else {
        panic!("a trace fleet")
    };
    assert_eq!(trace.vms.len(), written.vms);
    let seconds: i64 = trace.vms.iter().map(|vm| vm.end - vm.start).sum();
    assert_eq!(seconds, written.seconds);
    let mut per_cell = BTreeMap::new();
    for vm in trace.vms.iter() {
        let t = TYPES
            .iter()
            .position(|n| *n == s.types[vm.instance_type].name)
            .unwrap();
        let z = ZONES.iter().position(|n| *n == s.zones[vm.zone]).unwrap();
        *per_cell.entry((t, z)).or_default() += 1;
    }
    assert_eq!(per_cell, written.per_cell);
    // Every VM is inside the horizon, so a trial's usage is all of their seconds.
    assert_eq!(bills(&s, 0)[0].usage_seconds, written.seconds as u128);
}

#[test]
fn dev_zero_as_a_trace_is_refused_at_its_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, SCENARIO.replace("{trace}", "/dev/zero")).unwrap();
    let out = capsim().arg("validate").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: /dev/zero:1:1: fleet[\"web\"].trace: found a row longer than 64 KiB (65,536 bytes), expected one VM per row (id,instance_type,zone,start,end), each row at most 64 KiB\n"
    );
}

#[test]
fn a_row_longer_than_64_kib_is_refused() {
    let mut csv = b"id,instance_type,zone,start,end\n".to_vec();
    csv.extend(b"vm-1,m6i.large,eu-west-2a,2027-01-05T00:00:00Z,2027-01-06T00:00:00Z\n");
    csv.extend(vec![b'x'; 70_000]);
    csv.extend(b",m6i.large,eu-west-2a,2027-01-05T00:00:00Z,2027-01-06T00:00:00Z\n");
    assert_eq!(
        message(&csv),
        "{dir}/trace.csv:3:1: fleet[\"web\"].trace: found a row longer than 64 KiB (65,536 bytes), expected one VM per row (id,instance_type,zone,start,end), each row at most 64 KiB"
    );
}

#[test]
fn a_row_of_exactly_64_kib_is_read() {
    // 65,536 bytes with its line end: the longest row allowed.
    let tail = ",m6i.large,eu-west-2a,2027-01-05T00:00:00Z,2027-01-06T00:00:00Z\n";
    let id = "x".repeat(65_536 - tail.len());
    let csv = format!("id,instance_type,zone,start,end\n{id}{tail}");
    let (_dir, result) = load_csv(csv.as_bytes());
    let s = result.unwrap_or_else(|e| panic!("{e}"));
    let FleetKind::Trace(trace) = &s.fleets[0].kind else {
        panic!("a trace fleet")
    };
    assert_eq!(trace.vms.len(), 1);
    assert_eq!(trace.vms[0].end - trace.vms[0].start, 86_400);
}

#[test]
fn a_trace_larger_than_2_gib_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // Sparse: no disk space is used.
    let file = std::fs::File::create(dir.path().join("trace.csv")).unwrap();
    file.set_len((2 << 30) + 1).unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, SCENARIO.replace("{trace}", "trace.csv")).unwrap();
    let e = Scenario::load(&path).expect_err("too big");
    assert_eq!(
        e.to_string()
            .replace(&dir.path().display().to_string(), "{dir}"),
        "{dir}/trace.csv: fleet[\"web\"].trace: found a trace of 2,147,483,649 bytes, expected at most 2,147,483,648 bytes (2 GiB): split the trace"
    );
}

#[test]
fn a_trace_that_is_not_utf8_names_the_line_and_column() {
    let mut csv = b"id,instance_type,zone,start,end\n".to_vec();
    csv.extend(b"vm-1,m6i.large,eu-west-2a,2027-01-05T00:00:00Z,2027-01-06T00:00:00Z\n");
    // Line 3 starts at byte 32 + 68 = 100; "vm-\xff" puts the bad byte at column 4, byte 103.
    csv.extend(b"vm-\xff,m6i.large,eu-west-2a,2027-01-05T00:00:00Z,2027-01-06T00:00:00Z\n");
    assert_eq!(
        message(&csv),
        "{dir}/trace.csv:3:4: fleet[\"web\"].trace: found a byte that is not UTF-8 (byte 103 of the file), expected a UTF-8 text file"
    );
}

#[test]
fn a_crlf_trace_names_the_line_of_the_bad_row() {
    // Before, CRLF line ends put a problem one line early (the line end's '\n' was counted as
    // the next row's start).
    let csv = "id,instance_type,zone,start,end\r\n\
               vm-1,m6i.large,eu-west-2a,2027-01-05T00:00:00Z,2027-01-06T00:00:00Z\r\n\
               vm-2,m6i.large,eu-west-2a,2027-01-05T00:00:00Z,2027-01-04T00:00:00Z\r\n";
    assert_eq!(
        message(csv.as_bytes()),
        "{dir}/trace.csv:3:48: fleet[\"web\"].trace: found end 2027-01-04T00:00:00Z before start 2027-01-05T00:00:00Z (VM \"vm-2\"), expected end >= start"
    );
}

#[test]
fn blank_lines_and_quoted_line_ends_keep_line_numbers_exact() {
    // Line 2 is blank, lines 3-4 hold one row whose quoted id spans them, line 5 is blank,
    // and line 6 has an unknown type in its second field (column 7).
    let csv = "id,instance_type,zone,start,end\n\
               \n\
               \"vm\n1\",m6i.large,eu-west-2a,2027-01-05T00:00:00Z,2027-01-06T00:00:00Z\n\
               \n\
               vm-2,m7i.large,eu-west-2a,2027-01-05T00:00:00Z,2027-01-06T00:00:00Z\n";
    assert_eq!(
        message(csv.as_bytes()),
        "{dir}/trace.csv:6:6: fleet[\"web\"].trace: found instance_type \"m7i.large\", expected one of the scenario's instance types: \"m6i.large\", \"m6i.xlarge\", \"m6i.2xlarge\" or \"m6i.4xlarge\"; did you mean \"m6i.large\"?"
    );
    let (_dir, result) = load_csv(csv.replace("m7i", "m6i").as_bytes());
    let s = result.unwrap_or_else(|e| panic!("{e}"));
    let FleetKind::Trace(trace) = &s.fleets[0].kind else {
        panic!("a trace fleet")
    };
    assert_eq!(trace.vms.len(), 2);
}

#[test]
fn the_first_row_of_an_unknown_type_is_named_though_later_rows_repeat_it() {
    let csv = "id,instance_type,zone,start,end\n\
               vm-1,m6i.large,,2027-01-05T00:00:00Z,2027-01-06T00:00:00Z\n\
               vm-2, c6i.large,,2027-01-05T00:00:00Z,2027-01-06T00:00:00Z\n\
               vm-3,c6i.large,,2027-01-05T00:00:00Z,2027-01-06T00:00:00Z\n";
    assert_eq!(
        message(csv.as_bytes()),
        "{dir}/trace.csv:3:6: fleet[\"web\"].trace: found instance_type \"c6i.large\", expected one of the scenario's instance types: \"m6i.large\", \"m6i.xlarge\", \"m6i.2xlarge\" or \"m6i.4xlarge\"; did you mean \"m6i.large\"?"
    );
}

#[test]
fn a_missing_trace_is_still_reported_at_the_scenario_key() {
    let (dir, result) = load_text("s.toml", &SCENARIO.replace("{trace}", "none.csv"));
    assert_eq!(
        result
            .expect_err("no such file")
            .to_string()
            .replace(&dir.path().display().to_string(), "{dir}"),
        "{dir}/s.toml:35:9: fleet[\"web\"].trace: found \"none.csv\", but {dir}/none.csv cannot be read (no such file); expected the path of a trace CSV file, relative to the scenario file"
    );
}
