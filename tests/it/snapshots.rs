//! Format snapshots (insta): the shape of `bill --json` and the structure of `report.md`. They
//! pin formats only (keys, value kinds, headings, table columns); the numbers are tested
//! elsewhere. After a deliberate format change, update them with
//! `INSTA_UPDATE=always cargo test --test it snapshots` and review the diff of
//! `tests/it/snapshots/`.

use super::common::{capsim, repo_file};
use serde_json::{Value, json};

/// The shape of a JSON document: every key kept, every value replaced by its kind (a decimal
/// string, a timestamp, another string, a number), and a list by the distinct shapes of its
/// items.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(items) => {
            let mut shapes: Vec<Value> = Vec::new();
            for s in items.iter().map(shape) {
                if !shapes.contains(&s) {
                    shapes.push(s);
                }
            }
            Value::Array(shapes)
        }
        Value::String(s) if s.parse::<rust_decimal::Decimal>().is_ok() => json!("<decimal>"),
        Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => json!("<instant>"),
        Value::String(_) => json!("<text>"),
        Value::Number(_) => json!("<number>"),
        Value::Bool(_) => json!("<bool>"),
        Value::Null => json!(null),
    }
}

#[test]
fn bill_json_shape() {
    // Golden G3: an Alibaba subscription renewed monthly, every strategy, every hour.
    let out = capsim()
        .arg("bill")
        .arg(repo_file("scenarios/golden/g3-alibaba-subscription.toml"))
        .args(["--json", "--hourly"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    insta::assert_json_snapshot!(shape(&doc));
}

/// The structure of a Markdown report: headings, table headers with their number of rows,
/// figures and code blocks; a paragraph is a mark.
pub(super) fn structure(markdown: &str) -> String {
    let mut out = Vec::new();
    let mut lines = markdown.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with('#') || line.starts_with("![") {
            out.push(line.to_string());
        } else if line.starts_with('|') {
            let mut rows = 0;
            let header = line.to_string();
            lines.next(); // the alignment row
            while lines.peek().is_some_and(|l| l.starts_with('|')) {
                lines.next();
                rows += 1;
            }
            out.push(format!("{header} (rows: {rows})"));
        } else if line.starts_with("```") {
            for inner in lines.by_ref() {
                if inner.starts_with("```") {
                    break;
                }
            }
            out.push("```...```".to_string());
        } else if !line.is_empty() {
            out.push("<paragraph>".to_string());
        }
    }
    out.join("\n") + "\n"
}

#[test]
fn report_md_structure() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = capsim()
        .arg("run")
        .arg(repo_file("scenarios/golden/g1-azure-pooling.toml"))
        .args(["--trials", "3", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    insta::assert_snapshot!(structure(&md));
}

#[test]
fn shapes_keep_keys_and_kinds_only() {
    let doc = json!({"a": "1.50", "b": [{"c": 1}, {"c": 2}, {"d": true}], "e": "x", "f": null});
    assert_eq!(
        shape(&doc),
        json!({"a": "<decimal>", "b": [{"c": "<number>"}, {"d": "<bool>"}], "e": "<text>", "f": null})
    );
    let md = "# T\n\nSome text.\n\n## H\n\n| a | b |\n| --- | ---: |\n| 1 | 2 |\n| 3 | 4 |\n\n```\nx\n```\n";
    assert_eq!(
        structure(md),
        "# T\n<paragraph>\n## H\n| a | b | (rows: 2)\n```...```\n"
    );
}
