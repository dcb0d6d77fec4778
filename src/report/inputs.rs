//! A scenario in a planner's words: what `capsim validate` prints and the report's inputs
//! section show the same text.

use crate::scenario::dist::ParamValue;
use crate::scenario::{EventAction, FleetKind, Scenario};
use crate::time::format_instant;

/// What `capsim validate` prints: what the scenario holds, in a planner's words.
pub fn describe(s: &Scenario) -> String {
    let mut out = format!(
        "{}: valid\nscenario \"{}\": {} to {} ({}), {} trials, seed {}, {}, {} billing rules\n",
        s.file.display(),
        s.name,
        crate::time::format_local(s.start, s.billing.calendar_zone),
        crate::time::format_local(s.end, s.billing.calendar_zone),
        s.horizon,
        s.trials,
        s.seed,
        s.currency,
        s.billing.profile
    );
    out.push_str(&format!("instance types ({}):\n", s.types.len()));
    for t in &s.types {
        let terms: Vec<String> = t.reserved.iter().map(|r| r.term.to_string()).collect();
        out.push_str(&format!(
            "  {} (family {}, {} unit{}): pay-as-you-go {}/h{}{}\n",
            t.name,
            t.family,
            t.units.normalize(),
            if t.units == rust_decimal::Decimal::ONE {
                ""
            } else {
                "s"
            },
            t.payg_hourly.normalize(),
            if terms.is_empty() {
                String::new()
            } else {
                format!("; reserved {}", terms.join(", "))
            },
            if t.subscription.is_some() {
                "; subscription"
            } else {
                ""
            }
        ));
    }
    out.push_str(&format!(
        "zones ({}): {}\n",
        s.zones.len(),
        s.zones.join(", ")
    ));
    out.push_str(&format!("fleets ({}):\n", s.fleets.len()));
    for f in &s.fleets {
        let hb = if f.hybrid_benefit {
            ", hybrid benefit"
        } else {
            ""
        };
        match &f.kind {
            FleetKind::Trace(t) => out.push_str(&format!(
                "  {}: trace {} ({} VMs){hb}\n",
                f.name,
                t.file.display(),
                t.vms.len()
            )),
            FleetKind::Synthetic(syn) => {
                let mut parts = vec![format!(
                    "{} in {}",
                    s.types[syn.instance_type].name, s.zones[syn.zone]
                )];
                parts.push(format!("baseline {}", param_text(&syn.baseline.value)));
                if let Some(a) = &syn.arrivals {
                    parts.push(format!(
                        "arrivals {}/h, growth {}",
                        param_text(&a.rate_per_hour.value),
                        param_text(&a.growth_per_year.value)
                    ));
                }
                for e in &syn.events {
                    let (what, v) = match &e.action {
                        EventAction::Add(p) => ("add", p),
                        EventAction::Remove(p) => ("remove", p),
                        EventAction::RateMultiplier(p) => ("rate x", p),
                    };
                    parts.push(format!(
                        "{what} {} at {} (p = {})",
                        param_text(&v.value),
                        format_instant(e.at),
                        param_text(&e.probability.value)
                    ));
                }
                out.push_str(&format!("  {}: {}{hb}\n", f.name, parts.join(", ")));
            }
        }
    }
    out.push_str(&format!(
        "strategies ({} and the payg baseline):\n",
        s.strategies.len()
    ));
    for st in &s.strategies {
        let mut parts = Vec::new();
        for r in &st.reserves {
            parts.push(format!(
                "reserve {} x {} {} {} {}{}{}",
                r.count,
                s.types[r.instance_type].name,
                r.term,
                r.payment,
                r.zone
                    .map_or("regional".to_string(), |z| format!("in {}", s.zones[z])),
                if r.size_flexible {
                    ", size-flexible"
                } else {
                    ""
                },
                if r.renew { ", renewed" } else { "" }
            ));
        }
        for sub in &st.subscribes {
            parts.push(format!(
                "subscribe {} x {} in {} for {}{}",
                sub.count,
                s.types[sub.instance_type].name,
                s.zones[sub.zone],
                sub.duration,
                if sub.renew { ", renewed" } else { "" }
            ));
        }
        if parts.is_empty() {
            parts.push("buys nothing (pay-as-you-go)".to_string());
        }
        out.push_str(&format!("  {}: {}\n", st.name, parts.join("; ")));
    }
    if !s.sweep.is_empty() {
        out.push_str(&format!(
            "sweep: {} points over {}\n",
            s.sweep_points(),
            s.sweep
                .iter()
                .map(|a| format!("'{}' ({} values)", a.key, a.values.len()))
                .collect::<Vec<_>>()
                .join(" x ")
        ));
    }
    out
}

fn param_text(p: &ParamValue) -> String {
    match p {
        ParamValue::Fixed(v) => format!("{v}"),
        ParamValue::Normal { mean, sd } => format!("normal(mean {mean}, sd {sd})"),
        ParamValue::Uniform { low, high } => format!("uniform({low} to {high})"),
        ParamValue::Triangular { min, mode, max } => format!("triangular({min}, {mode}, {max})"),
        ParamValue::LogNormal { median, sigma } => {
            format!("lognormal(median {median}, sigma {sigma})")
        }
        ParamValue::Choice { values, .. } => format!("choice of {values:?}"),
    }
}
