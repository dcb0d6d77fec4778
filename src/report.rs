//! What capsim shows: tables for the terminal, bills, summaries, plots and reports.

pub mod bill;
pub mod document;
pub mod plot;
pub mod summary;
pub mod sweep_plot;
pub mod table;
pub mod trials;
pub mod writeup;
