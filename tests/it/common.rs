//! Helpers shared by the integration tests.
#![allow(dead_code)]

use capsim::billing::Bill;
use capsim::engine::Engine;
use capsim::error::InputError;
use capsim::scenario::Scenario;
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scenario file of the repository, such as `scenarios/golden/g1-azure-pooling.toml`.
pub fn repo_file(relative: &str) -> PathBuf {
    root().join(relative)
}

/// Writes `text` as `name` in a fresh temporary folder and loads it; the folder is returned so
/// that companion files (traces) can be written next to it and it lives as long as needed.
pub fn load_text(name: &str, text: &str) -> (tempfile::TempDir, Result<Scenario, InputError>) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write scenario");
    let result = Scenario::load(&path);
    (dir, result)
}

/// Loads a scenario that must be valid.
pub fn load(path: &Path) -> Scenario {
    Scenario::load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// Every plan's bill (payg first) for trial `trial` with the scenario's seed.
pub fn bills(s: &Scenario, trial: u64) -> Vec<Bill> {
    let engine = Engine::new(s).expect("engine");
    let mut ws = engine.workspace();
    engine
        .trial(s.seed, trial, &mut ws)
        .expect("bills in range")
}

/// The bill of the named strategy.
pub fn bill_of<'a>(bills: &'a [Bill], name: &str) -> &'a Bill {
    bills
        .iter()
        .find(|b| b.strategy == name)
        .unwrap_or_else(|| panic!("no strategy {name}"))
}

/// An exact decimal from its text.
pub fn d(text: &str) -> Decimal {
    Decimal::from_str_exact(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The capsim binary, ready to run.
pub fn capsim() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("capsim").expect("the capsim binary")
}

/// Runs `capsim bill --json` on a scenario and parses its output.
pub fn bill_json(scenario: &Path, extra: &[&str]) -> serde_json::Value {
    let out = capsim()
        .arg("bill")
        .arg(scenario)
        .arg("--json")
        .args(extra)
        .output()
        .expect("capsim runs");
    assert!(
        out.status.success(),
        "capsim bill failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("bill --json prints JSON")
}

/// The strategy object named `name` in a `bill --json` document.
pub fn json_strategy<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["strategies"]
        .as_array()
        .expect("strategies")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no strategy {name} in {doc}"))
}
