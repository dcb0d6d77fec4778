//! What capsim shows: tables for the terminal, bills, the statistics of a run and their views
//! (summary, trials, charts, reports), and a sweep's table and charts.

pub mod bill;
pub mod breakdowns;
pub mod demand;
pub mod demand_plot;
pub mod document;
pub mod focus;
pub mod inputs;
pub mod outputs;
pub mod plot;
pub mod recommend;
pub mod results;
pub mod summary;
pub mod sweep_best;
pub mod sweep_plot;
pub mod sweep_view;
pub mod table;
pub mod trials;
pub mod writeup;
