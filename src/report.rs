//! What capsim shows: tables for the terminal, bills, summaries, plots and reports.

pub mod bill;
pub mod summary;
pub mod table;
pub mod trials;
