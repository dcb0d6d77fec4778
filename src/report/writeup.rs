//! The report of a run in a planner's words: a verdict with its uncertainty, the strategy
//! table, the cash view, the charts and the scenario's key inputs (docs/spec.md, section 8).

use super::document::{Block, Document, literal};
use super::outputs::RunView;
use super::results::{Conditional, RunStats, StrategyStats};
use super::summary::{money, percent_or_dash};
use crate::charge::Component;
use crate::money::display_cents;
use rust_decimal::Decimal;

fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// The verdict: which strategy to choose, how sure the trials are, and the risk.
pub fn verdict(summary: &RunStats) -> Vec<String> {
    let cur = &summary.currency;
    let payg = &summary.strategies[0];
    let (_, best) = summary.cheapest(0).expect("payg is always there");
    let mut out = Vec::new();
    if best.name == payg.name {
        out.push(match summary.cheapest(1) {
            Some((_, other)) => format!(
                "**Pay-as-you-go has the lowest expected cost: {} {cur} over the horizon.** None of the strategies saves money on average; the cheapest of them, {}, costs {} {cur} more.",
                money(payg.total.mean),
                literal(&other.name),
                money((other.total.mean - payg.total.mean).max(0.0))
            ),
            None => format!(
                "**Pay-as-you-go costs {} {cur} over the horizon.** The scenario defines no purchase strategy to compare it with.",
                money(payg.total.mean)
            ),
        });
    } else {
        let sv = &best.savings_vs_payg;
        let payg_mean = payg.total.mean;
        // A percentage of pay-as-you-go's total, when it has one (it costs more than nothing).
        let share = match sv.percent {
            Some(p) => format!(
                " {p:.1}% (95% CI {:.1}-{:.1}%)",
                100.0 * sv.ci95.0 / payg_mean,
                100.0 * sv.ci95.1 / payg_mean
            ),
            None => String::new(),
        };
        // A strategy that ties another in every trial shares each trial it is cheapest in:
        // said together, so that a tie does not read as a coin toss.
        let twin = summary
            .trials_enough
            .as_ref()
            .filter(|e| e.tied && e.best == best.name)
            .and_then(|e| summary.strategies.iter().find(|s| s.name == e.runner_up));
        let cheapest = match twin {
            Some(t) => format!(
                "cheapest in {} of trials, each shared with {} (the same cost in every trial),",
                percent(best.p_cheapest + t.p_cheapest),
                literal(&t.name)
            ),
            None => format!("cheapest in {} of trials", percent(best.p_cheapest)),
        };
        out.push(format!(
            "**{} is {cheapest} and saves{share} against pay-as-you-go**: {} {cur} on average over the horizon, in {} of trials.",
            literal(&best.name),
            money(sv.mean),
            percent(sv.share_saving)
        ));
        out.push(format!(
            "Its expected total is {} {cur} (95% CI {} to {}); in the worst 5% of trials it costs {} {cur} on average, against {} {cur} for pay-as-you-go.{}",
            money(best.total.mean),
            money(best.total.ci95.0),
            money(best.total.ci95.1),
            money(best.total.cvar95),
            money(payg.total.cvar95),
            match best.break_even_month {
                Some(m) => format!(" Its cash outlay breaks even with pay-as-you-go in month {m}."),
                None => " Its cash outlay does not break even with pay-as-you-go within the horizon.".to_string(),
            }
        ));
    }
    if let Some(e) = &summary.trials_enough {
        let npv = |name: &str| {
            summary
                .strategies
                .iter()
                .find(|s| s.name == name)
                .map(|s| s.npv_mean)
        };
        out.push(if e.tied {
            match (npv(&e.best), npv(&e.runner_up)) {
                (Some(a), Some(b)) if a < b => format!(
                    "{} and {} cost exactly the same in every trial (equal amortized totals); {} is named first for its lower net present value, {} {cur} against {} {cur}: it pays the same later.",
                    literal(&e.best),
                    literal(&e.runner_up),
                    literal(&e.best),
                    money(a),
                    money(b)
                ),
                _ => format!(
                    "{} and {} cost exactly the same in every trial, at the same net present value: choose between them on other grounds.",
                    literal(&e.best),
                    literal(&e.runner_up)
                ),
            }
        } else if e.decided && e.diff_ci95_half_width == 0.0 {
            format!(
                "The runner-up, {}, costs {} {cur} more in every trial.",
                literal(&e.runner_up),
                money(e.diff_mean)
            )
        } else if e.decided {
            format!(
                "The runner-up, {}, costs {} {cur} more on average (95% CI +/- {}): {} trials are enough to tell them apart.",
                literal(&e.runner_up),
                money(e.diff_mean),
                half_width(e.diff_ci95_half_width),
                summary.trials
            )
        } else {
            format!(
                "Warning: {} trials do not tell {} from {}: the mean difference, {} {cur}, has a 95% CI of +/- {}, which includes zero. Run more trials before deciding between them.",
                summary.trials,
                literal(&e.best),
                literal(&e.runner_up),
                money(e.diff_mean),
                money(e.diff_ci95_half_width)
            )
        });
    }
    if summary.partial {
        out.push(format!(
            "This run was interrupted: it covers {} of the {} trials asked for.",
            summary.trials, summary.trials_requested
        ));
    }
    out
}

fn strategies_table(summary: &RunStats) -> Block {
    let rows = summary
        .strategies
        .iter()
        .map(|s| {
            let payg = s.name == summary.strategies[0].name;
            vec![
                s.name.clone(),
                money(s.total.mean),
                format!("{} - {}", money(s.total.ci95.0), money(s.total.ci95.1)),
                money(s.total.p5),
                money(s.total.p50),
                money(s.total.p95),
                money(s.total.cvar95),
                if payg {
                    "-".to_string()
                } else {
                    percent_or_dash(s.savings_vs_payg.percent)
                },
                if payg {
                    "-".to_string()
                } else {
                    percent(s.savings_vs_payg.share_saving)
                },
                percent(s.p_cheapest),
            ]
        })
        .collect();
    Block::Table(
        [
            "strategy",
            &format!("mean total ({})", summary.currency),
            "95% CI of the mean",
            "p5",
            "median",
            "p95",
            "CVaR95",
            "saves vs payg",
            "trials saving",
            "P(cheapest)",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    )
}

/// "If migrate = 1 (41.0% of trials, 410): ri3y is cheapest, ..."
fn conditional_sentence(c: &Conditional, cur: &str) -> String {
    let head = format!(
        "If {} ({} of trials, {}):",
        literal(&c.label()),
        percent(c.share),
        c.trials
    );
    match c.cheapest(0) {
        None => format!("{head} no trial; nothing to compare."),
        Some(best) => {
            let equal: Vec<String> = c
                .strategies
                .iter()
                .filter(|s| s.name != best.name && s.mean == best.mean)
                .map(|s| literal(&s.name))
                .collect();
            let tie = if equal.is_empty() {
                String::new()
            } else {
                format!(
                    " (as has {}; named first for its lower or equal net present value)",
                    equal.join(", ")
                )
            };
            format!(
                "{head} {} has the lowest mean total, {} {cur}{tie}.",
                literal(&best.name),
                money(best.mean)
            )
        }
    }
}

fn conditional_table(c: &Conditional, cur: &str) -> Option<Block> {
    if c.strategies.is_empty() {
        return None;
    }
    let rows = c
        .strategies
        .iter()
        .enumerate()
        .map(|(i, s)| {
            vec![
                s.name.clone(),
                money(s.mean),
                money(s.p95),
                money(s.cvar95),
                if i == 0 {
                    "-".to_string()
                } else {
                    percent_or_dash(s.savings_percent)
                },
                percent(s.p_cheapest),
            ]
        })
        .collect();
    Some(Block::Table(
        [
            "strategy",
            &format!("mean total ({cur})"),
            "p95",
            "CVaR95",
            "saves vs payg",
            "P(cheapest)",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    ))
}

fn cash_table(summary: &RunStats, discount: &str) -> Block {
    let rows = summary
        .strategies
        .iter()
        .map(|s: &StrategyStats| {
            vec![
                s.name.clone(),
                display_cents(s.breakdown_mean[Component::Upfront]),
                display_cents(s.breakdown_mean[Component::Instalments]),
                display_cents(s.cash_total_mean),
                money(s.npv_mean),
                display_cents(s.obligation_after_horizon_mean),
                s.break_even_month
                    .map_or("-".to_string(), |m| m.to_string()),
                percent(s.utilization_mean),
                percent(s.coverage_mean),
            ]
        })
        .collect();
    Block::Table(
        [
            "strategy",
            "upfront (mean)",
            "instalments (mean)",
            "cash in horizon (mean)",
            &format!("NPV at {discount} (mean)"),
            "owed after horizon (mean)",
            "break-even month",
            "utilisation",
            "coverage",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    )
}

fn monthly_cash_table(summary: &RunStats) -> Option<Block> {
    let months = summary.strategies[0].cash_flow_monthly.len();
    if months == 0 {
        return None;
    }
    let mut columns: Vec<usize> = (1..=months)
        .filter(|m| m % 6 == 0 || *m == 1 || *m == 3)
        .collect();
    if columns.last() != Some(&months) {
        columns.push(months);
    }
    let mut header = vec!["strategy".to_string()];
    header.extend(columns.iter().map(|m| format!("month {m}")));
    let rows = summary
        .strategies
        .iter()
        .map(|s| {
            let mut row = vec![s.name.clone()];
            row.extend(
                columns
                    .iter()
                    .map(|m| money(s.cash_flow_monthly[m - 1].p50)),
            );
            row
        })
        .collect();
    Some(Block::Table(header, rows))
}

fn rates_table(summary: &RunStats, currency: &str) -> Option<Block> {
    let rows: Vec<Vec<String>> = summary
        .strategies
        .iter()
        .flat_map(|s| {
            s.reservations.iter().map(move |r| {
                vec![
                    s.name.clone(),
                    r.entry.clone(),
                    r.effective_hourly_rate
                        .map_or("-".to_string(), |v| format!("{:.4}", v.round_dp(4))),
                ]
            })
        })
        .collect();
    (!rows.is_empty()).then(|| {
        Block::Table(
            vec![
                "strategy".to_string(),
                "entry".to_string(),
                format!("effective rate ({currency} per instance-hour)"),
            ],
            rows,
        )
    })
}

/// The report of a run.
pub fn document(view: &RunView<'_, '_>) -> Document {
    let s = view.engine.scenario;
    let summary = view.stats;
    let mut doc = Document {
        title: format!("{}: what each purchase strategy costs", s.name),
        blocks: Vec::new(),
    };
    for paragraph in verdict(summary) {
        doc.push(Block::Paragraph(paragraph));
    }
    let warnings = super::inputs::price_warnings(view.engine);
    if !warnings.is_empty() {
        doc.push(Block::Heading(1, "Warnings".to_string()));
        for w in warnings {
            doc.push(Block::Paragraph(format!("Warning: {w}")));
        }
    }
    doc.push(Block::Paragraph(format!(
        "{} trials (seed {}), {} horizon from {} to {}, {} billing rules. Totals are amortized: prepaid amounts are spread over their active time and only the horizon's share counts.",
        summary.trials,
        summary.seed,
        s.horizon,
        crate::time::format_local(s.start, s.billing.calendar_zone),
        crate::time::format_local(s.end, s.billing.calendar_zone),
        s.billing.profile
    )));
    doc.push(Block::Heading(1, "Strategies".to_string()));
    doc.push(strategies_table(summary));
    if !summary.conditional.is_empty() {
        doc.push(Block::Heading(
            1,
            "If the uncertain turns out one way".to_string(),
        ));
        doc.push(Block::Paragraph(
            "The strategy table again on the trials in which a choice variable of [vars] took one of its values, or an event with a probability did or did not happen (trials.csv holds each trial's draws).".to_string(),
        ));
        for c in &summary.conditional {
            doc.push(Block::Paragraph(conditional_sentence(c, &summary.currency)));
            if let Some(t) = conditional_table(c, &summary.currency) {
                doc.push(t);
            }
        }
    }
    doc.push(Block::Heading(1, "Cash and commitments".to_string()));
    let discount = format!("{}%", (s.discount_rate * Decimal::from(100)).normalize());
    doc.push(cash_table(summary, &discount));
    if let Some(t) = monthly_cash_table(summary) {
        doc.push(Block::Paragraph(format!(
            "Cash paid by the end of a month (median over trials, {}): upfront payments when made, hourly charges on the monthly bill{}.",
            summary.currency,
            match s.billing.auto_deduct_threshold {
                Some(t) => format!(
                    ", hourly reservation fees as soon as they reach {} {}",
                    display_cents(t),
                    summary.currency
                ),
                None => String::new(),
            }
        )));
        doc.push(t);
    }
    if let Some(t) = rates_table(summary, &summary.currency) {
        doc.push(Block::Paragraph(
            "Effective hourly rate of each entry: its upfront payment and hourly fees of one period, per instance-hour of the period.".to_string(),
        ));
        doc.push(t);
    }
    doc.blocks.extend(super::breakdowns::blocks(summary));
    doc.push(Block::Heading(1, "Charts".to_string()));
    for figure in &view.figures {
        doc.push(Block::Figure(
            figure.name.clone(),
            figure.caption.clone(),
            figure.svg.clone(),
        ));
    }
    doc.push(Block::Heading(1, "Inputs".to_string()));
    doc.push(Block::Pre(super::inputs::describe(s)));
    doc.push(Block::Paragraph(format!(
        "Scenario file: {}. Outputs: summary.json (every statistic), trials.csv (every trial, exact), the charts as PNG and SVG.",
        s.file.display()
    )));
    doc
}

/// A confidence interval's half-width as a person reads it: under a cent is said so, not
/// written as 0.00.
fn half_width(v: f64) -> String {
    if v < 0.005 {
        "less than 0.01".to_string()
    } else {
        money(v)
    }
}
