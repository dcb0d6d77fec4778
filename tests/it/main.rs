//! capsim's integration tests: one binary, one module per topic.

mod cli;
mod common;
mod errors;
mod examples;
mod fleet;
mod golden;
mod hand_example;
mod montecarlo;
mod profiles;
mod properties;
mod report;
mod snapshots;
mod sweep;
