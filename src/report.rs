//! What capsim shows: tables for the terminal, bills, summaries, plots and reports.

pub mod bill;
pub mod table;
