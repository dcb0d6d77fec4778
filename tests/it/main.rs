//! capsim's integration tests: one binary, one module per topic.

mod arithmetic;
mod breakdowns;
mod cli;
mod common;
mod demand;
mod empty_fleet;
mod errors;
mod examples;
mod fleet;
mod focus;
mod golden;
mod hand_example;
mod limits;
mod montecarlo;
mod profiles;
mod properties;
mod purchases;
mod recommend;
mod recommend_report;
mod recommend_search;
mod report;
mod snapshots;
mod sweep;
mod trace_reading;
mod vars;
