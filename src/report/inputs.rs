//! A scenario in a planner's words: what `capsim validate` prints and the report's inputs
//! section show the same text.

use crate::scenario::dist::ParamValue;
use crate::scenario::{
    BaselineGrowth, Buy, EventAction, FleetKind, Recommend, Reserve, Scenario, Subscribe,
};
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
    if !s.vars.is_empty() {
        out.push_str(&format!("variables ({}):\n", s.vars.len()));
        for v in &s.vars {
            out.push_str(&format!(
                "  {}: {}\n",
                v.name,
                param_text(s, &v.value.value)
            ));
        }
    }
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
                parts.push(format!("baseline {}", param_text(s, &syn.baseline.value)));
                match &syn.baseline_growth {
                    Some(BaselineGrowth::Arrivals) => {
                        parts.push("baseline grows with the arrivals".to_string())
                    }
                    Some(BaselineGrowth::Own(g)) => {
                        parts.push(format!("baseline growth {}", param_text(s, &g.value)))
                    }
                    None => {}
                }
                if let Some(a) = &syn.arrivals {
                    parts.push(format!(
                        "arrivals {}/h, growth {}",
                        param_text(s, &a.rate_per_hour.value),
                        param_text(s, &a.growth_per_year.value)
                    ));
                }
                for e in &syn.events {
                    let (what, v) = match &e.action {
                        EventAction::Add(p) => ("add", p),
                        EventAction::Remove(p) => ("remove", p),
                        EventAction::RateMultiplier(p) => ("rate x", p),
                    };
                    let chance = match e.when {
                        Some(i) => format!("when {} is non-zero", s.vars[i].name),
                        None => format!("p = {}", param_text(s, &e.probability.value)),
                    };
                    parts.push(format!(
                        "{what} {} at {} ({chance})",
                        param_text(s, &v.value),
                        format_instant(e.at),
                    ));
                }
                for sc in &syn.schedules {
                    parts.push(format!(
                        "{} extra in {} scheduled windows",
                        param_text(s, &sc.extra.value),
                        sc.windows.len()
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
            parts.push(format!("reserve {} x {}", r.count, reserve_text(s, r)));
        }
        for sub in &st.subscribes {
            parts.push(format!(
                "subscribe {} x {}",
                sub.count,
                subscribe_text(s, sub)
            ));
        }
        if parts.is_empty() {
            parts.push("buys nothing (pay-as-you-go)".to_string());
        }
        out.push_str(&format!("  {}: {}\n", st.name, parts.join("; ")));
    }
    if let Some(r) = &s.recommend {
        out.push_str(&recommend_text(s, r));
    }
    if !s.sweep.is_empty() {
        out.push_str(&format!(
            "sweep: {} points over {}\n",
            s.sweep_points(),
            s.sweep
                .iter()
                .map(|a| if a.together {
                    format!(
                        "{} ({} values of {} together)",
                        a.name,
                        a.size(),
                        a.keys
                            .iter()
                            .map(|k| format!("'{}'", k.key))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else {
                    format!("'{}' ({} values)", a.name, a.size())
                })
                .collect::<Vec<_>>()
                .join(" x ")
        ));
    }
    out
}

/// A reservation without its count: type, term, payment, where, and how.
fn reserve_text(s: &Scenario, r: &Reserve) -> String {
    format!(
        "{} {} {} {}{}{}",
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
    )
}

/// A subscription without its count.
fn subscribe_text(s: &Scenario, sub: &Subscribe) -> String {
    format!(
        "{} in {} for {}{}",
        s.types[sub.instance_type].name,
        s.zones[sub.zone],
        sub.duration,
        if sub.renew { ", renewed" } else { "" }
    )
}

/// The `[recommend]` settings and the offers, defaults marked as such.
fn recommend_text(s: &Scenario, r: &Recommend) -> String {
    let mut settings = vec![
        format!("objective {}", r.objective),
        format!("{} search trials", r.trials),
        format!("{} check trials", r.check_trials),
        format!("exhaustive search up to {} portfolios", r.exhaustive_limit),
    ];
    if let Some(m) = r.max_upfront {
        settings.push(format!(
            "first-day cash at most {} {}",
            m.normalize(),
            s.currency
        ));
    }
    if let Some(b) = r.base {
        settings.push(format!("adding to strategy \"{}\"", s.strategies[b].name));
    }
    let mut out = format!("recommend: {}\n", settings.join(", "));
    out.push_str(&format!(
        "offers ({}{}):\n",
        r.offers.len(),
        if r.default_offers {
            ", the defaults"
        } else {
            ""
        }
    ));
    for o in &r.offers {
        let what = match &o.buy {
            Buy::Reserve(res) => format!("reserve {}", reserve_text(s, res)),
            Buy::Subscribe(sub) => format!("subscribe {}", subscribe_text(s, sub)),
        };
        let max = match o.max_count {
            Some(m) => format!(", at most {m}"),
            None => String::new(),
        };
        out.push_str(&format!("  {what}{max}\n"));
    }
    out
}

fn param_text(s: &Scenario, p: &ParamValue) -> String {
    match p {
        ParamValue::Var { index, .. } => format!("${}", s.vars[*index].name),
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

/// The purchases whose price per instance-hour is at or above what they replace at
/// pay-as-you-go rates, one sentence each: such a purchase can never save, and is most often a
/// mistyped price. A reservation is compared with its type's pay-as-you-go compute price; a
/// subscription, which also carries licence, software and storage, with their sum. The rate is
/// the first period's (`EntrySummary::effective_hourly_rate`).
pub fn price_warnings(engine: &crate::engine::Engine<'_>) -> Vec<String> {
    use crate::purchase::Purchase;
    let s = engine.scenario;
    let cur = &s.currency;
    let mut out = Vec::new();
    for plan in engine.plans.iter().skip(1) {
        for (p, entry) in plan.purchases.iter().zip(&plan.entries) {
            let Some(rate) = entry.effective_hourly_rate else {
                continue;
            };
            let (what, payg, compared) = match p {
                Purchase::Reservation(r) => {
                    let t = &s.types[r.spec.instance_type];
                    (
                        format!("{} {} {}", t.name, r.spec.term, r.spec.payment),
                        t.payg_hourly,
                        "pay-as-you-go",
                    )
                }
                Purchase::Subscription(sub) => {
                    let t = &s.types[sub.spec.instance_type];
                    (
                        format!("{} {} subscription", t.name, sub.spec.duration),
                        t.payg_hourly
                            + t.license_hourly
                            + t.software_hourly
                            + t.storage_network_hourly,
                        "pay-as-you-go with licence, software, storage and network",
                    )
                }
            };
            if rate >= payg {
                out.push(format!(
                    "strategy \"{}\" {} ({what}) costs {} {cur} per instance-hour over its first period, at or above the {} of {compared}: it can never save; is a price mistyped?",
                    plan.name,
                    entry.entry,
                    rate.round_dp(4).normalize(),
                    payg.normalize(),
                ));
            }
        }
    }
    out
}
