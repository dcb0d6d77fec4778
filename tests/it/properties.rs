//! Invariants of the matching core on random traces and random strategies.

use capsim::attribution::EntryKind;
use capsim::billing::usage_charges;
use capsim::charge::{Charge, Component, Horizon, Target};
use capsim::engine::Engine;
use capsim::purchase::Purchase;
use capsim::report::bill::HourRows;
use capsim::scenario::Scenario;
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::fmt::Write as _;

const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const HORIZON_HOURS: i64 = 72;

/// Three sizes of one family and a type of another, each with its price per hour.
const TYPES: [(&str, &str, &str, &str); 4] = [
    ("m.large", "m", "2", "0.10"),
    ("m.xlarge", "m", "4", "0.20"),
    ("m.2xlarge", "m", "8", "0.38"),
    ("c.large", "c", "2", "0.09"),
];
const ZONES: [&str; 2] = ["z1", "z2"];
const PAYMENTS: [&str; 3] = ["all_upfront", "partial_upfront", "no_upfront"];

#[derive(Clone, Debug)]
pub(super) struct Vm {
    ty: usize,
    zone: usize,
    start: i64,
    len: i64,
}

#[derive(Clone, Debug)]
pub(super) struct Reserve {
    ty: usize,
    zone: Option<usize>,
    flexible: bool,
    count: u32,
    payment: usize,
    at: i64,
    renew: bool,
}

#[derive(Clone, Debug)]
pub(super) struct Subscribe {
    ty: usize,
    zone: usize,
    count: u32,
    at: i64,
}

pub(super) fn vm() -> impl Strategy<Value = Vm> {
    (
        0..TYPES.len(),
        0..ZONES.len(),
        -6 * 3600..(HORIZON_HOURS + 6) * 3600,
        0i64..30 * 3600,
    )
        .prop_map(|(ty, zone, start, len)| Vm {
            ty,
            zone,
            start,
            len,
        })
}

pub(super) fn reserve() -> impl Strategy<Value = Reserve> {
    (
        0..TYPES.len(),
        proptest::option::of(0..ZONES.len()),
        any::<bool>(),
        0u32..6,
        0..PAYMENTS.len(),
        -24 * 3600..48 * 3600i64,
        any::<bool>(),
    )
        .prop_map(|(ty, zone, flexible, count, payment, at, renew)| Reserve {
            ty,
            zone,
            // The generic rules do not allow zonal size-flexible reservations.
            flexible: flexible && zone.is_none(),
            count,
            payment,
            at,
            renew,
        })
}

pub(super) fn subscribe() -> impl Strategy<Value = Subscribe> {
    (
        0..TYPES.len(),
        0..ZONES.len(),
        0u32..5,
        -24 * 3600..48 * 3600i64,
    )
        .prop_map(|(ty, zone, count, at)| Subscribe {
            ty,
            zone,
            count,
            at,
        })
}

fn instant(t: i64) -> String {
    capsim::time::format_instant(START + t)
}

/// Writes the scenario and its trace; strategy 0 is the random one, strategy 1 is the same
/// with `extra` more capacity (an extra reservation entry and more subscribed instances).
pub(super) fn scenario(
    dir: &std::path::Path,
    vms: &[Vm],
    reserves: &[Reserve],
    subscribes: &[Subscribe],
    extra: &Reserve,
) -> Scenario {
    let mut csv = String::from("id,instance_type,zone,start,end\n");
    for (i, v) in vms.iter().enumerate() {
        writeln!(
            csv,
            "vm{i},{},{},{},{}",
            TYPES[v.ty].0,
            ZONES[v.zone],
            instant(v.start),
            instant(v.start + v.len)
        )
        .unwrap();
    }
    // Every zone appears in the trace, so strategies may name both.
    for (z, zone) in ZONES.iter().enumerate() {
        writeln!(csv, "zero{z},m.large,{zone},{},{}", instant(0), instant(0)).unwrap();
    }
    std::fs::write(dir.join("trace.csv"), csv).unwrap();
    let mut toml = format!(
        "[scenario]\nname = \"p\"\nstart = \"{}\"\nhorizon = \"{HORIZON_HOURS}h\"\n\n",
        instant(0)
    );
    for (name, family, units, payg) in TYPES {
        write!(
            toml,
            "[[instance_type]]\nname = \"{name}\"\nfamily = \"{family}\"\nunits = {units}\npayg_hourly = \"{payg}\"\nsoftware_hourly = \"0.01\"\nstorage_network_hourly = \"0.003\"\n[instance_type.reserved.1d]\nall_upfront = \"1.5\"\npartial_upfront = {{ upfront = \"0.7\", hourly = \"0.031\" }}\nno_upfront = {{ hourly = \"0.065\" }}\n[instance_type.subscription]\nmonthly = \"40\"\n\n"
        )
        .unwrap();
    }
    toml.push_str("[[fleet]]\nname = \"trace\"\ntrace = \"trace.csv\"\n\n");
    for (name, with_extra) in [("random", false), ("more", true)] {
        writeln!(toml, "[[strategy]]\nname = \"{name}\"").unwrap();
        let extra_list = with_extra.then_some(extra);
        for r in reserves.iter().chain(extra_list) {
            write!(
                toml,
                "[[strategy.reserve]]\ninstance_type = \"{}\"\nsize_flexible = {}\ncount = {}\nterm = \"1d\"\npayment = \"{}\"\nat = \"{}\"\nrenew = {}\n",
                TYPES[r.ty].0,
                r.flexible,
                r.count,
                PAYMENTS[r.payment],
                instant(r.at),
                r.renew
            )
            .unwrap();
            if let Some(z) = r.zone {
                writeln!(toml, "zone = \"{}\"", ZONES[z]).unwrap();
            }
        }
        for sub in subscribes {
            write!(
                toml,
                "[[strategy.subscribe]]\ninstance_type = \"{}\"\nzone = \"{}\"\ncount = {}\nduration = \"1mo\"\nat = \"{}\"\n",
                TYPES[sub.ty].0,
                ZONES[sub.zone],
                sub.count + u32::from(with_extra),
                instant(sub.at)
            )
            .unwrap();
        }
        toml.push('\n');
    }
    std::fs::write(dir.join("p.toml"), toml).unwrap();
    Scenario::load(dir.join("p.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// Seconds of a VM inside the horizon.
fn clipped(v: &Vm) -> i64 {
    let from = v.start.max(0);
    let to = (v.start + v.len).min(HORIZON_HOURS * 3600);
    (to - from).max(0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn matching_keeps_its_invariants(
        vms in proptest::collection::vec(vm(), 0..25),
        reserves in proptest::collection::vec(reserve(), 0..4),
        subscribes in proptest::collection::vec(subscribe(), 0..3),
        extra in reserve(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let s = scenario(dir.path(), &vms, &reserves, &subscribes, &extra);
        let engine = Engine::new(&s).expect("engine");
        let mut ws = engine.workspace();
        engine.fill(s.seed, 0, &mut ws).unwrap();
        let bills: Vec<_> = (0..engine.plans.len()).map(|p| engine.bill(p, &mut ws).unwrap()).collect();

        // A PAYG-only bill is rate x seconds / 3600, computed from the trace itself.
        let hour = Decimal::from(3600);
        let mut payg = Decimal::ZERO;
        let mut seconds: i64 = 0;
        for v in &vms {
            let secs = clipped(v);
            seconds += secs;
            payg += Decimal::from_str_exact(TYPES[v.ty].3).unwrap() * Decimal::from(secs) / hour;
        }
        prop_assert_eq!(bills[0][Component::PaygCompute].round_dp(12), payg.round_dp(12));
        prop_assert_eq!(bills[0].cash_total, bills[0][Component::PaygCompute] + bills[0][Component::Software] + bills[0][Component::StorageNetwork]);

        for (p, bill) in bills.iter().enumerate() {
            // A reservation never changes usage.
            prop_assert_eq!(bill.usage_seconds, seconds as u128);
            // No negative amount.
            for v in [bill[Component::Upfront], bill[Component::CommitmentRecurring], bill[Component::PaygCompute], bill[Component::Software],
                      bill[Component::StorageNetwork], bill[Component::Subscription], bill.cash_total, bill.amortized_total,
                      bill.obligation_after_horizon, bill.used_unit_seconds, bill.reserved_unit_seconds] {
                prop_assert!(v >= Decimal::ZERO, "{} has a negative amount: {:?}", bill.strategy, bill);
            }
            prop_assert!(bill.used_unit_seconds <= bill.reserved_unit_seconds);

            let mut rows = HourRows::default();
            engine.match_plan(p, &mut ws, &mut rows);
            // Every payment of cash_total is in the cash timeline, each once.
            let paid: Decimal = engine.cash_timeline(p, &ws).unwrap().iter().map(|f| f.amount).sum();
            prop_assert_eq!(paid.round_dp(10), bill.cash_total.round_dp(10), "{}", bill.strategy);
            let plan = &engine.plans[p];
            let mut payg_from_rows = Decimal::ZERO;
            let mut covered_by_hour = vec![0u64; engine.layout.hours];
            for &(h, c, usage, carried, covered) in &rows.rows {
                let units = engine.layout.units[c];
                // covered <= usage, and subscription + reserved + payg = usage.
                prop_assert!(carried <= usage);
                prop_assert!(covered <= (usage - carried) * units);
                let payg_unit_seconds = (usage - carried) * units - covered;
                let ty = &s.types[engine.layout.cells[c].instance_type];
                payg_from_rows += ty.payg_hourly * Decimal::from(payg_unit_seconds)
                    / (Decimal::from(units) * hour);
                covered_by_hour[h] += covered;
            }
            // covered <= capacity, hour by hour.
            for (h, covered) in covered_by_hour.iter().enumerate() {
                let capacity: u64 = plan.pools.iter().map(|e| e.capacity[h]).sum();
                prop_assert!(*covered <= capacity, "hour {}: {} > {}", h, covered, capacity);
            }
            prop_assert_eq!(payg_from_rows.round_dp(12), bill[Component::PaygCompute].round_dp(12));

            // The bill is the sum of its charges, each counted once: the plan's own and the
            // usage charges of its matching, each charge's value added on its own.
            let mut cash = [Decimal::ZERO; 7];
            let (mut after, mut amortized) = (Decimal::ZERO, Decimal::ZERO);
            let mut count = |c: &Charge| {
                match c.horizon {
                    Horizon::Inside => cash[c.kind.component().index()] += c.amount.value(),
                    Horizon::After => after += c.amount.value(),
                    Horizon::Before => {}
                }
                amortized += c.amortized.value();
            };
            plan.charges.iter().for_each(&mut count);
            usage_charges(&engine.layout, &engine.prices, &ws.usage, &ws.matched, |_, c| {
                count(&c);
                Ok(())
            })
            .unwrap();
            for c in Component::ALL {
                prop_assert_eq!(cash[c.index()].round_dp(10), bill[c].round_dp(10), "{} {}", bill.strategy, c);
            }
            prop_assert_eq!(after.round_dp(10), bill.obligation_after_horizon.round_dp(10));
            prop_assert_eq!(amortized.round_dp(10), bill.amortized_total.round_dp(10));
        }

        // Breakdowns: the types' costs add up to the totals exactly, each type's is the sum of
        // the charges against it (its pools' usage, its entries' purchases), and its coverage
        // is read from the hour rows.
        for (p, bill) in bills.iter().enumerate() {
            let mut rows = HourRows::default();
            engine.match_plan(p, &mut ws, &mut rows);
            let a = engine.attribute(p, &ws, bill).unwrap();
            let at = &engine.attributions[p];
            prop_assert_eq!(a.types.iter().map(|t| t.cash).sum::<Decimal>(), bill.cash_total);
            prop_assert_eq!(a.types.iter().map(|t| t.amortized).sum::<Decimal>(), bill.amortized_total);
            let position = |ty: usize| at.types.iter().position(|&t| t == ty).unwrap();
            let mut cash = vec![Decimal::ZERO; at.types.len()];
            let mut amortized = cash.clone();
            let mut count = |t: usize, c: &Charge| {
                if c.horizon == Horizon::Inside {
                    cash[t] += c.amount.value();
                }
                amortized[t] += c.amortized.value();
            };
            let plan = &engine.plans[p];
            for c in &plan.charges {
                if let Target::Purchase { purchase, .. } = c.target {
                    let ty = match &plan.purchases[purchase] {
                        Purchase::Reservation(r) => r.spec.instance_type,
                        Purchase::Subscription(s) => s.spec.instance_type,
                    };
                    count(position(ty), c);
                }
            }
            usage_charges(&engine.layout, &engine.prices, &ws.usage, &ws.matched, |_, c| {
                let Target::Pool { cell } = c.target else { unreachable!("usage charges are a pool's") };
                count(position(engine.layout.cells[cell].instance_type), &c);
                Ok(())
            })
            .unwrap();
            let mut seconds = vec![(0u64, 0u64, Decimal::ZERO); at.types.len()];
            for &(_, c, usage, carried, covered) in &rows.rows {
                let t = &mut seconds[position(engine.layout.cells[c].instance_type)];
                t.0 += usage;
                t.1 += carried;
                t.2 += Decimal::from(covered) / Decimal::from(engine.layout.units[c]);
            }
            for (i, t) in a.types.iter().enumerate() {
                prop_assert_eq!(t.cash.round_dp(10), cash[i].round_dp(10));
                prop_assert_eq!(t.amortized.round_dp(10), amortized[i].round_dp(10));
                let (usage, carried, covered) = seconds[i];
                prop_assert_eq!(t.usage_seconds, u128::from(usage));
                let coverage = if usage == 0 { Decimal::ZERO } else { (Decimal::from(carried) + covered) / Decimal::from(usage) };
                prop_assert_eq!(t.coverage.round_dp(20), coverage.round_dp(20));
            }
            // Entries: reservations' use adds up to the strategy's; each is at most its capacity.
            let used: u128 = a.entries.iter().zip(&at.entries)
                .filter(|(_, e)| e.kind == EntryKind::Reservation)
                .map(|(u, _)| u.used)
                .sum();
            prop_assert_eq!(Decimal::from(used), bill.used_unit_seconds);
            for (u, e) in a.entries.iter().zip(&at.entries) {
                prop_assert!(u.used <= e.capacity, "{}: {} > {}", e.entry, u.used, e.capacity);
            }
        }

        // Adding capacity never raises payg_compute.
        let (random, more) = (&bills[1], &bills[2]);
        prop_assert!(more[Component::PaygCompute] <= random[Component::PaygCompute],
            "more capacity raised payg: {} > {}", more[Component::PaygCompute], random[Component::PaygCompute]);
        prop_assert!(more.carried_seconds >= random.carried_seconds);
    }
}
