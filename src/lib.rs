//! capsim: a discrete-event simulator for cloud capacity planning.
//!
//! A scenario file describes instance types and prices, a fleet whose demand is uncertain and a
//! few purchase strategies; capsim bills every strategy on the same synthetic fleets through one
//! hourly matching core that follows the providers' rules, and reports the distribution of what
//! each choice costs.
#![warn(missing_docs, unreachable_pub)]

pub mod attribution;
pub mod billing;
pub mod charge;
pub mod cli;
pub mod demand;
pub mod engine;
pub mod error;
pub mod fleet;
pub mod matching;
pub mod money;
pub mod montecarlo;
pub mod output;
pub mod profile;
pub mod progress;
pub mod purchase;
pub mod recommend;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod sweep;
pub mod time;
pub mod usage;
