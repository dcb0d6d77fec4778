//! The report of a recommendation in a planner's words (docs/spec.md, section 12): what to
//! buy and what it is expected to save, then how far the search's own figures can be trusted,
//! the offers, the frontier, the scenario's strategies, the search and the warnings.

use super::View;
use crate::money::display_cents;
use crate::recommend::Method;
use crate::report::document::{Block, Document, literal};
use crate::report::summary::money;
use crate::scenario::{Objective, Scenario};
use rust_decimal::Decimal;

fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// A count with thousands separators.
fn count(n: u64) -> String {
    crate::money::display_grouped(Decimal::from(n), 0)
}

/// A 95% confidence interval as a cell or in a sentence: "1,234.56 to 2,345.67".
fn interval((lo, hi): (f64, f64)) -> String {
    format!("{} to {}", money(lo), money(hi))
}

/// The opening: what to buy, its saving with its interval, the chance it saves and its
/// worst 5%, all on the check trials; then its cash, utilisation and what it still owes.
fn opening(view: &View<'_>) -> Vec<String> {
    let f = view.found;
    let cur = &view.scenario.currency;
    let (exact, stats) = view.recommended();
    let payg = (&f.check.exact[0], &view.check.strategies[0]);
    let mut out = Vec::new();
    let nothing = f.offers.iter().all(|o| o.count == 0);
    if nothing && f.base.is_none() {
        out.push(format!(
            "**Buy nothing: stay on pay-as-you-go.** Within the offers' bounds no portfolio lowers the {} of the amortized total on the search trials. Pay-as-you-go costs {} {cur} on average (95% CI {}), {} {cur} in the worst 5% of futures.",
            f.settings.objective,
            display_cents(payg.0.mean),
            interval(payg.0.mean_ci95),
            display_cents(payg.0.cvar95),
        ));
        return out;
    }
    let on_top = match &f.base {
        Some(b) => format!(" on top of \"{}\"", literal(b)),
        None => String::new(),
    };
    let sv = &stats.savings_vs_payg;
    out.push(format!(
        "**Buy {}{on_top}**: expected saving {} {cur} (95% CI {}) against pay-as-you-go, saves in {:.0}% of futures; in the worst 5% of futures it costs {} {cur} on average, against {} {cur} for pay-as-you-go.",
        literal(&view.what_to_buy()),
        money(sv.mean),
        interval(sv.ci95),
        sv.share_saving * 100.0,
        display_cents(exact.cvar95),
        display_cents(payg.0.cvar95),
    ));
    let mut details = match stats.break_even_month {
        Some(m) => format!(
            "Its cash outlay breaks even with pay-as-you-go in month {m} (median over the trials)."
        ),
        None => {
            "Its cash outlay does not break even with pay-as-you-go within the horizon.".to_string()
        }
    };
    let st = &f.strategy;
    match (st.reserves.is_empty(), st.subscribes.is_empty()) {
        (false, false) => details.push_str(&format!(
            " Its reservations are used {} of their capacity on average, its subscriptions {}.",
            percent(stats.utilization_mean),
            percent(stats.subscription_utilization_mean)
        )),
        (false, true) => details.push_str(&format!(
            " Its reservations are used {} of their capacity on average.",
            percent(stats.utilization_mean)
        )),
        (true, false) => details.push_str(&format!(
            " Its subscriptions are used {} of their capacity on average.",
            percent(stats.subscription_utilization_mean)
        )),
        (true, true) => {}
    }
    if stats.obligation_after_horizon_mean.is_zero() {
        details.push_str(" It owes nothing after the horizon.");
    } else {
        details.push_str(&format!(
            " It still owes {} {cur} on average after the horizon, for terms that outlast it.",
            display_cents(stats.obligation_after_horizon_mean)
        ));
    }
    details.push(' ');
    details.push_str(&view.first_day());
    out.push(details);
    out
}

/// Where the figures come from.
fn provenance(view: &View<'_>) -> String {
    let s = view.scenario;
    let r = &view.found.settings;
    format!(
        "Figures are from {} fresh check trials (numbered {} to {}, seed {}), not the {} search trials the portfolio was chosen on, unless marked. Totals are amortized over the {} horizon from {} to {}.",
        r.check_trials,
        r.trials,
        u64::from(r.trials) + u64::from(r.check_trials).max(1) - 1,
        view.found.seed,
        r.trials,
        s.horizon,
        crate::time::format_local(s.start, s.billing.calendar_zone),
        crate::time::format_local(s.end, s.billing.calendar_zone),
    )
}

/// The objective in-sample beside out-of-sample for the recommendation and the runner-up, and
/// their paired difference.
fn objective_table(view: &View<'_>) -> Block {
    let f = view.found;
    let o = f.settings.objective;
    let with_mean = o != Objective::Mean;
    let mut header = vec![
        "portfolio".to_string(),
        "buys".to_string(),
        format!("{o}, search trials ({})", view.scenario.currency),
        format!("{o}, check trials"),
        "95% CI".to_string(),
    ];
    if with_mean {
        header.extend(["mean, check trials".to_string(), "95% CI".to_string()]);
    }
    let row = |name: &str, counts: &[u32], in_sample: Decimal, i: usize| {
        let c = &f.check.exact[i];
        let (value, ci) = c.objective(o);
        let mut r = vec![
            name.to_string(),
            view.buys(counts),
            display_cents(in_sample),
            display_cents(value),
            interval(ci),
        ];
        if with_mean {
            r.extend([display_cents(c.mean), interval(c.mean_ci95)]);
        }
        r
    };
    let mut rows = vec![row(
        &f.strategy.name,
        &f.in_sample.counts,
        f.in_sample.value(o),
        f.check.recommended,
    )];
    if let (Some(r), Some(i), Some((_, paired))) =
        (&f.runner_up, f.check.runner_up, f.check.runner_up_diff)
    {
        let name = &view.check.strategies[i].name;
        rows.push(row(name, &r.counts, r.value(o), i));
        let rec = &f.check.exact[f.check.recommended];
        let run = &f.check.exact[i];
        // The exact difference of the objectives; the interval is the paired one of the
        // means, which only the mean has (quantiles and CVaR95 do not difference trial by trial).
        let mut diff = vec![
            format!("{name} minus {}", f.strategy.name),
            "-".to_string(),
            display_cents(r.value(o) - f.in_sample.value(o)),
            display_cents(run.objective(o).0 - rec.objective(o).0),
            if with_mean {
                "-".to_string()
            } else {
                interval(paired)
            },
        ];
        if with_mean {
            diff.extend([display_cents(run.mean - rec.mean), interval(paired)]);
        }
        rows.push(diff);
    }
    Block::Table(header, rows)
}

/// What the table above says about the search's optimism.
fn optimism(view: &View<'_>) -> String {
    let f = view.found;
    let o = f.settings.objective;
    let cur = &view.scenario.currency;
    let rec = &f.check.exact[f.check.recommended];
    let shift = rec.objective(o).0 - f.in_sample.value(o);
    let mut out = format!(
        "The search picked the lowest {o} of {} portfolios on the same {} search trials, so the winner's in-sample figure tends to be optimistic; on fresh trials the recommendation's {o} is {} {cur} {}.",
        count(f.portfolios_billed),
        f.settings.trials,
        display_cents(shift.abs()),
        if shift.is_sign_negative() {
            "lower"
        } else {
            "higher"
        }
    );
    if let Some((m, ci)) = f.check.runner_up_diff {
        out.push_str(&format!(
            " Trial by trial, the runner-up costs {} {cur} {} on average (95% CI {}){}.",
            money(m.abs()),
            if m < 0.0 { "less" } else { "more" },
            interval(ci),
            if ci.0 <= 0.0 && ci.1 >= 0.0 {
                ", an interval that holds zero: the two are not told apart, and either will do"
            } else {
                ""
            }
        ));
    }
    out
}

fn offers_table(view: &View<'_>) -> Block {
    let rows = view
        .found
        .offers
        .iter()
        .map(|o| {
            vec![
                o.offer.label.clone(),
                o.count.to_string(),
                o.offer.max_count.to_string(),
                if o.offer.max_from_usage {
                    "usage: 99th percentile of the peak it can cover".to_string()
                } else {
                    "max_count in [[recommend.offer]]".to_string()
                },
                display_cents(o.offer.first_day_each),
            ]
        })
        .collect();
    Block::Table(
        [
            "offer",
            "count chosen",
            "bound",
            "bound from",
            &format!("first-day cash each ({})", view.scenario.currency),
        ]
        .map(String::from)
        .to_vec(),
        rows,
    )
}

fn frontier_table(view: &View<'_>) -> Block {
    let f = view.found;
    let rows = Objective::ALL
        .iter()
        .zip(&f.frontier)
        .map(|(o, s)| {
            vec![
                o.to_string(),
                view.buys(&s.counts),
                display_cents(s.mean),
                display_cents(s.cvar95),
            ]
        })
        .collect();
    Block::Table(
        [
            "best for",
            "buys",
            &format!("mean, search trials ({})", view.scenario.currency),
            "CVaR95, search trials",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    )
}

/// Every strategy of the check, out of sample.
fn strategies_table(view: &View<'_>) -> Block {
    let rows = view
        .check
        .strategies
        .iter()
        .zip(&view.found.check.exact)
        .enumerate()
        .map(|(i, (st, c))| {
            let payg = i == 0;
            let sv = &st.savings_vs_payg;
            let dash = || "-".to_string();
            vec![
                st.name.clone(),
                display_cents(c.mean),
                interval(c.mean_ci95),
                display_cents(c.p95),
                display_cents(c.cvar95),
                if payg { dash() } else { money(sv.mean) },
                if payg { dash() } else { interval(sv.ci95) },
                if payg {
                    dash()
                } else {
                    percent(sv.share_saving)
                },
            ]
        })
        .collect();
    Block::Table(
        [
            "strategy",
            &format!("mean total ({})", view.scenario.currency),
            "95% CI of the mean",
            "p95",
            "CVaR95",
            "saving vs payg",
            "95% CI of the saving",
            "trials saving",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    )
}

fn search(view: &View<'_>) -> String {
    let f = view.found;
    let r = &f.settings;
    let how = match f.method {
        Method::Exhaustive => "every portfolio within the bounds billed".to_string(),
        Method::CoordinateSearch => format!(
            "too many portfolios to bill each: moves of the offers' counts screened on the first {} search trials, then polished on every search trial until no move of one or two instances and no exchange between offers improves",
            crate::recommend::SCREEN_TRIALS.min(r.trials as usize)
        ),
    };
    let mut out = format!(
        "Objective: the {} of the amortized total. Method: {} ({how}). {} portfolios within the bounds, {} billed, {} portfolio-trials in all. {} search trials, {} check trials, seed {}.",
        r.objective,
        f.method.name(),
        count(f.space_size),
        count(f.portfolios_billed),
        count(f.bills),
        r.trials,
        r.check_trials,
        f.seed
    );
    if let Some(m) = r.max_upfront {
        out.push_str(&format!(
            " Cash paid on the first day at most {} {}.",
            display_cents(m),
            view.scenario.currency
        ));
    }
    if let Some(b) = &f.base {
        out.push_str(&format!(
            " Every portfolio holds the entries of \"{}\" first.",
            literal(b)
        ));
    }
    out
}

/// The report of a recommendation.
pub fn document(view: &View<'_>) -> Document {
    let s: &Scenario = view.scenario;
    let f = view.found;
    let mut doc = Document {
        title: format!("{}: what to buy", s.name),
        blocks: Vec::new(),
    };
    for p in opening(view) {
        doc.push(Block::Paragraph(p));
    }
    doc.push(Block::Paragraph(provenance(view)));
    doc.push(Block::Heading(1, "In-sample and out-of-sample".to_string()));
    doc.push(objective_table(view));
    doc.push(Block::Paragraph(optimism(view)));
    doc.push(Block::Heading(1, "Offers".to_string()));
    let figure = |name: &str| {
        view.figures
            .iter()
            .find(|x| x.name == name)
            .map(|x| Block::Figure(x.name.clone(), x.caption.clone(), x.svg.clone()))
    };
    doc.blocks.extend(figure("savings-curve"));
    doc.push(offers_table(view));
    doc.push(Block::Heading(1, "Frontier".to_string()));
    doc.blocks.extend(figure("frontier"));
    doc.push(frontier_table(view));
    doc.push(Block::Heading(
        1,
        "Against the scenario's strategies".to_string(),
    ));
    doc.push(strategies_table(view));
    doc.push(Block::Heading(1, "Search".to_string()));
    doc.push(Block::Paragraph(search(view)));
    if !f.warnings.is_empty() {
        doc.push(Block::Heading(1, "Warnings".to_string()));
        for w in &f.warnings {
            doc.push(Block::Paragraph(format!("Warning: {}", literal(w))));
        }
    }
    doc.push(Block::Paragraph(format!(
        "Scenario file: {}. Outputs: recommendation.toml (the strategy to paste into the scenario), recommend.json (every figure, exact), the charts as PNG and SVG.",
        literal(&s.file.display().to_string())
    )));
    doc
}
