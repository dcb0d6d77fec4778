//! What `capsim recommend` writes (docs/spec.md, section 12): `recommendation.toml`,
//! `recommend.json`, the charts and the report, and the lines it prints, all views of one
//! [`Recommendation`].

pub mod charts;
pub mod writeup;

use super::document::Document;
use super::outputs::{Figure, Report, ReportFile};
use super::plot::{Picture, is_chart_file};
use super::results::RunStats;
use super::summary::{cents, money};
use crate::engine::Engine;
use crate::error::Result;
use crate::money::{display_cents, json_string};
use crate::output::{self, Output, OutputSet};
use crate::recommend::{Checked, Recommendation, Scored};
use crate::scenario::{Objective, Scenario, Strategy};
use crate::time::HOUR;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::Path;

/// What the outputs of a recommendation are written from.
pub struct View<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The answer.
    pub found: &'a Recommendation,
    /// The statistics of the check trials (strategies in the check's order: `payg`, the
    /// file's, the recommendation, the runner-up).
    pub check: RunStats,
    /// What the charts draw.
    pub plot: charts::Plot,
    /// Every chart of [`charts::charts`], drawn once as SVG (written and inlined in the HTML
    /// report).
    pub figures: Vec<Figure>,
}

impl<'a> View<'a> {
    /// Gathers what the outputs show and draws the charts as SVG.
    pub fn new(scenario: &'a Scenario, found: &'a Recommendation) -> Result<View<'a>> {
        let engine = Engine::new(&found.check.scenario)?;
        let check = RunStats::new(
            &engine,
            &found.check.samples,
            found.seed,
            u64::from(found.settings.check_trials),
            false,
        );
        let plot = charts::Plot::new(scenario, found);
        let figures = Figure::draw_all(&charts::charts(), &plot)?;
        Ok(View {
            scenario,
            found,
            check,
            plot,
            figures,
        })
    }

    /// The recommendation's figures on the check trials.
    pub fn recommended(&self) -> (&Checked, &super::results::StrategyStats) {
        let i = self.found.check.recommended;
        (&self.found.check.exact[i], &self.check.strategies[i])
    }

    /// What to buy, in plain words: "74 x ecs.g6.large 1y all_upfront regional
    /// size-flexible, renewed and 12 x ...", or "nothing".
    pub fn what_to_buy(&self) -> String {
        let chosen: Vec<u32> = self.found.offers.iter().map(|o| o.count).collect();
        self.buys(&chosen)
    }

    /// What a portfolio of the offers buys, in plain words, or "nothing".
    pub fn buys(&self, counts: &[u32]) -> String {
        let bought: Vec<String> = self
            .found
            .offers
            .iter()
            .zip(counts)
            .filter(|(_, c)| **c > 0)
            .map(|(o, c)| format!("{c} x {}", o.offer.label))
            .collect();
        match bought.len() {
            0 => "nothing".to_string(),
            1 => bought[0].clone(),
            _ => {
                let (last, rest) = bought.split_last().expect("two or more");
                format!("{} and {last}", rest.join(", "))
            }
        }
    }

    /// What the purchases pay on the first day, against `max_upfront` when the file sets one,
    /// as a sentence.
    pub fn first_day(&self) -> String {
        let f = self.found;
        let cur = &self.scenario.currency;
        let paid = display_cents(f.in_sample.first_day_cash);
        match f.settings.max_upfront {
            Some(m) => format!(
                "Its purchases pay {paid} {cur} on the first day, of the {} {cur} max_upfront allows.",
                display_cents(m)
            ),
            None => format!("Its purchases pay {paid} {cur} on the first day."),
        }
    }

    /// The lines `capsim recommend` prints.
    pub fn text(&self) -> String {
        let f = self.found;
        let cur = &self.scenario.currency;
        let (exact, stats) = self.recommended();
        let sv = &stats.savings_vs_payg;
        let mut out = String::new();
        let on_top = match &f.base {
            Some(b) => format!(" on top of \"{b}\""),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "Buy {}{on_top}: expected saving {} {cur} (95% CI {} to {}) against pay-as-you-go, saves in {:.0}% of futures, worst 5% of totals average {} {cur}.",
            self.what_to_buy(),
            money(sv.mean),
            money(sv.ci95.0),
            money(sv.ci95.1),
            sv.share_saving * 100.0,
            display_cents(exact.cvar95),
        );
        let _ = writeln!(out, "{}", self.first_day());
        let o = f.settings.objective;
        let (value, ci) = exact.objective(o);
        let _ = writeln!(
            out,
            "Objective {o} of the amortized total: {} {cur} on {} fresh trials (95% CI {} to {}); {} on the {} search trials.",
            display_cents(value),
            f.settings.check_trials,
            money(ci.0),
            money(ci.1),
            display_cents(f.in_sample.value(o)),
            f.settings.trials,
        );
        let _ = writeln!(
            out,
            "Search: {} ({} portfolios in bounds, {} billed, {} portfolio-trials in {:.1} s). Paste recommendation.toml into the scenario to run it with the others.",
            f.method.name(),
            grouped(f.space_size),
            grouped(f.portfolios_billed),
            grouped(f.bills),
            f.search_seconds,
        );
        for w in &f.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}

/// A count with thousands separators.
fn grouped(v: u64) -> String {
    crate::money::display_grouped(Decimal::from(v), 0)
}

/// The outputs of `capsim recommend`, written as one set into its folder.
pub fn outputs<'a>() -> OutputSet<View<'a>> {
    let mut outputs: Vec<Box<dyn Output<View<'a>>>> = vec![Box::new(TomlFile), Box::new(JsonFile)];
    outputs.extend(
        charts::charts()
            .into_iter()
            .map(|chart| Box::new(ChartFile { chart }) as Box<dyn Output<View<'a>>>),
    );
    outputs.push(Box::new(ReportFile::Markdown));
    outputs.push(Box::new(ReportFile::Html));
    OutputSet::new(outputs)
}

impl Report for View<'_> {
    fn document(&self) -> Document {
        writeup::document(self)
    }
}

/// A chart of the recommendation as PNG and SVG, the SVG as drawn for the report.
struct ChartFile {
    chart: Box<dyn Picture<charts::Plot>>,
}

impl Output<View<'_>> for ChartFile {
    fn owns(&self, name: &str) -> bool {
        is_chart_file(name, &self.chart.name())
    }

    fn write(&mut self, dir: &Path, view: &View<'_>) -> anyhow::Result<()> {
        let name = self.chart.name();
        let svg = view
            .figures
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.svg.as_str());
        super::plot::write_files(self.chart.as_ref(), dir, &view.plot, svg)
    }
}

/// `recommendation.toml`: the strategy to paste into the scenario.
struct TomlFile;

impl Output<View<'_>> for TomlFile {
    fn owns(&self, name: &str) -> bool {
        name == "recommendation.toml"
    }

    fn write(&mut self, dir: &Path, view: &View<'_>) -> anyhow::Result<()> {
        output::write(dir, "recommendation.toml", toml(view).as_bytes())?;
        Ok(())
    }
}

/// `recommend.json`: every figure of the recommendation.
struct JsonFile;

impl Output<View<'_>> for JsonFile {
    fn owns(&self, name: &str) -> bool {
        name == "recommend.json"
    }

    fn write(&mut self, dir: &Path, view: &View<'_>) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(&json_value(view))? + "\n";
        output::write(dir, "recommend.json", text.as_bytes())?;
        Ok(())
    }
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The `[[strategy]]` of a strategy, as a scenario file writes it; every entry is bought at
/// the scenario's start, so `at` is left out.
pub fn strategy_toml(s: &Scenario, st: &Strategy) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "[[strategy]]\nname = {}", quoted(&st.name));
    for r in &st.reserves {
        let _ = writeln!(out, "[[strategy.reserve]]");
        let _ = writeln!(
            out,
            "instance_type = {}",
            quoted(&s.types[r.instance_type].name)
        );
        if let Some(z) = r.zone {
            let _ = writeln!(out, "zone = {}", quoted(&s.zones[z]));
        }
        if r.size_flexible {
            let _ = writeln!(out, "size_flexible = true");
        }
        let _ = writeln!(out, "count = {}", r.count);
        let _ = writeln!(out, "term = {}", quoted(&r.term.to_string()));
        let _ = writeln!(out, "payment = {}", quoted(&r.payment.to_string()));
        if r.at != s.start {
            let _ = writeln!(out, "at = {}", quoted(&crate::time::format_instant(r.at)));
        }
        let _ = writeln!(out, "renew = {}", r.renew);
    }
    for sub in &st.subscribes {
        let _ = writeln!(out, "[[strategy.subscribe]]");
        let _ = writeln!(
            out,
            "instance_type = {}",
            quoted(&s.types[sub.instance_type].name)
        );
        let _ = writeln!(out, "zone = {}", quoted(&s.zones[sub.zone]));
        let _ = writeln!(out, "count = {}", sub.count);
        let _ = writeln!(out, "duration = {}", quoted(&sub.duration.to_string()));
        if sub.at != s.start {
            let _ = writeln!(out, "at = {}", quoted(&crate::time::format_instant(sub.at)));
        }
        let _ = writeln!(out, "renew = {}", sub.renew);
    }
    out
}

/// `recommendation.toml`.
pub fn toml(view: &View<'_>) -> String {
    let f = view.found;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# capsim recommend {}: buy {}.",
        view.scenario.file.display(),
        view.what_to_buy()
    );
    let _ = writeln!(
        out,
        "# Objective {} of the amortized total over {} search trials (seed {}), checked on {} fresh trials.",
        f.settings.objective, f.settings.trials, f.seed, f.settings.check_trials
    );
    if let Some(b) = &f.base {
        let _ = writeln!(
            out,
            "# It holds the entries of \"{b}\" first, then what to buy."
        );
    }
    let _ = writeln!(
        out,
        "# Paste it into the scenario and `capsim run` compares it with the other strategies.\n"
    );
    out + &strategy_toml(view.scenario, &f.strategy)
}

fn exact(v: Decimal) -> Value {
    Value::String(json_string(v))
}

fn pair(v: (f64, f64)) -> Value {
    json!([cents(v.0), cents(v.1)])
}

/// A portfolio's figures on the search trials.
fn in_sample(s: &Scored) -> Value {
    json!({
        "mean": exact(s.mean),
        "ci95_half_width": cents(s.ci95_half_width),
        "p5": exact(s.p5),
        "p90": exact(s.p90),
        "p95": exact(s.p95),
        "cvar95": exact(s.cvar95),
        "saving_mean": cents(s.saving_mean),
        "saving_ci95_half_width": cents(s.saving_ci95_half_width),
        "share_saving": s.saves_share,
    })
}

/// A strategy's figures on the check trials.
fn out_of_sample(view: &View<'_>, i: usize) -> Value {
    let c = &view.found.check.exact[i];
    let st = &view.check.strategies[i];
    let sv = &st.savings_vs_payg;
    json!({
        "mean": exact(c.mean),
        "mean_ci95": pair(c.mean_ci95),
        "p90": exact(c.p90),
        "p90_ci95": pair(c.p90_ci95),
        "p95": exact(c.p95),
        "p95_ci95": pair(c.p95_ci95),
        "cvar95": exact(c.cvar95),
        "cvar95_ci95": pair(c.cvar95_ci95),
        "saving_mean": cents(sv.mean),
        "saving_ci95": pair(sv.ci95),
        "saving_p5": cents(sv.p5),
        "share_saving": sv.share_saving,
        "break_even_month": st.break_even_month,
        "utilization_mean": st.utilization_mean,
        "subscription_utilization_mean": st.subscription_utilization_mean,
        "obligation_after_horizon_mean": exact(st.obligation_after_horizon_mean),
    })
}

/// Every figure of `recommend.json`.
pub fn json_value(view: &View<'_>) -> Value {
    let f = view.found;
    let o = f.settings.objective;
    let offers: Vec<Value> = f
        .offers
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let curve: Vec<Value> = r
                .curve
                .iter()
                .map(|p| {
                    json!({
                        "count": p.counts[i],
                        "mean": exact(p.mean),
                        "ci95_half_width": cents(p.ci95_half_width),
                        "p5": exact(p.p5),
                        "p95": exact(p.p95),
                        "cvar95": exact(p.cvar95),
                        "saving_mean": cents(p.saving_mean),
                        "saving_ci95_half_width": cents(p.saving_ci95_half_width),
                    })
                })
                .collect();
            json!({
                "offer": r.offer.label,
                "kind": match r.offer.offer.buy {
                    crate::scenario::Buy::Reserve(_) => "reserve",
                    crate::scenario::Buy::Subscribe(_) => "subscribe",
                },
                "max_count": r.offer.max_count,
                "max_count_from_usage": r.offer.max_from_usage,
                "first_day_cash_each": exact(r.offer.first_day_each),
                "count": r.count,
                "curve": curve,
            })
        })
        .collect();
    let check = &f.check;
    let recommended = json!({
        "name": f.strategy.name,
        "counts": f.in_sample.counts,
        "first_day_cash": exact(f.in_sample.first_day_cash),
        "committed_unit_hours": committed_hours(view, f.in_sample.committed),
        "objective_in_sample": exact(f.in_sample.value(o)),
        "objective_in_sample_ci95": pair(f.in_sample_checked.objective(o).1),
        "objective_out_of_sample": exact(check.exact[check.recommended].objective(o).0),
        "objective_out_of_sample_ci95": pair(check.exact[check.recommended].objective(o).1),
        "in_sample": in_sample(&f.in_sample),
        "out_of_sample": out_of_sample(view, check.recommended),
    });
    let runner_up = match (&f.runner_up, check.runner_up, check.runner_up_diff) {
        (Some(r), Some(i), Some((m, ci))) => json!({
            "counts": r.counts,
            "objective_in_sample": exact(r.value(o)),
            "objective_in_sample_ci95": f.runner_up_checked.as_ref().map(|c| pair(c.objective(o).1)),
            "in_sample": in_sample(r),
            "out_of_sample": out_of_sample(view, i),
            "paired_difference_mean": cents(m),
            "paired_difference_ci95": pair(ci),
        }),
        _ => Value::Null,
    };
    let frontier: Vec<Value> = Objective::ALL
        .iter()
        .zip(&f.frontier)
        .map(|(obj, s)| {
            json!({
                "objective": obj.to_string(),
                "counts": s.counts,
                "mean": exact(s.mean),
                "cvar95": exact(s.cvar95),
            })
        })
        .collect();
    let strategies: Vec<Value> = f
        .strategies_in_sample
        .iter()
        .enumerate()
        .map(|(i, (name, s))| {
            json!({
                "name": name,
                "in_sample": { "mean": exact(s.mean), "cvar95": exact(s.cvar95) },
                "out_of_sample": out_of_sample(view, i),
            })
        })
        .collect();
    let per_second = if f.search_seconds > 0.0 {
        f.bills as f64 / f.search_seconds
    } else {
        0.0
    };
    json!({
        "scenario": view.scenario.name,
        "currency": view.scenario.currency,
        "seed": f.seed,
        "objective": o.to_string(),
        "max_upfront": f.settings.max_upfront.map(exact),
        "base": f.base,
        "search": {
            "method": f.method.name(),
            "trials": f.settings.trials,
            "screen_trials": crate::recommend::SCREEN_TRIALS.min(f.settings.trials as usize),
            "exhaustive_limit": f.settings.exhaustive_limit,
            "portfolios_in_bounds": f.space_size,
            "portfolios_billed": f.portfolios_billed,
            "portfolio_trials_billed": f.bills,
            "seconds": f.search_seconds,
            "portfolio_trials_per_second": per_second,
        },
        "check": {
            "first_trial": f.settings.trials,
            "trials": f.settings.check_trials,
        },
        "offers": offers,
        "recommended": recommended,
        "runner_up": runner_up,
        "frontier": frontier,
        "strategies": strategies,
        "warnings": f.warnings,
    })
}

/// Scaled unit-seconds as unit-hours.
fn committed_hours(view: &View<'_>, scaled_unit_seconds: u128) -> Value {
    let per_hour = Decimal::from(view.scenario.unit_scale) * Decimal::from(HOUR);
    i128::try_from(scaled_unit_seconds)
        .ok()
        .and_then(|v| Decimal::try_from_i128_with_scale(v, 0).ok())
        .and_then(|v| v.checked_div(per_hour))
        .map_or(Value::Null, exact)
}
