//! One trial of a scenario: its fleet, its usage, and every strategy's bill on that same fleet.

use crate::attribution::{Attributed, Attribution};
use crate::billing::{self, Bill, CashFlow};
use crate::charge::{ChargeKind, ExactSum, Horizon, Overflow, PoolPrices};
use crate::error::{Error, ErrorKind, InputError};
use crate::fleet::Generator;
use crate::matching::{self, HourSink, Matched, NoHours, Scratch, Shortcut};
use crate::profile::Payment;
use crate::purchase::{
    Context, LayoutError, MAX_FEE_PAYMENTS, MAX_PERIODS, MAX_PLAN_HOURS, Plan, Purchase,
};
use crate::scenario::Scenario;
use crate::time::HOUR;
use crate::usage::{ChangeRecorder, Layout, Usage};

/// A scenario prepared for billing trials: the hour grid, every strategy's plan (the
/// pay-as-you-go baseline first) and the fleet generator.
pub struct Engine<'s> {
    /// The scenario.
    pub scenario: &'s Scenario,
    /// Hours and cells.
    pub layout: Layout,
    /// `payg`, then the scenario's strategies in the file's order.
    pub plans: Vec<Plan>,
    /// The prices of each cell.
    pub prices: Vec<PoolPrices>,
    /// Per plan, who its charges and cells belong to (for the breakdowns).
    pub attributions: Vec<Attribution>,
    /// Per cell, the most VM-seconds an hour may hold (see [`Engine::fill`]).
    pub cell_limits: Vec<u64>,
    /// Builds each trial's fleet.
    pub generator: Generator,
}

/// A count with thousands separators, for messages.
fn grouped(v: u64) -> String {
    crate::money::display_grouped(rust_decimal::Decimal::from(v), 0)
}

/// Above this many subscribed cells across the plans (a recommendation's batch of
/// portfolios), a trial keeps the VM changes of every hour that has some instead of asking
/// each plan which hours it needs: one pass over the hours instead of one per plan.
const MANY_COVERS: usize = 16;

/// The most VM changes (16 bytes each) a trial keeps that way: 64 MB.
const MANY_CHANGES: u64 = 4_000_000;

/// Buffers for one thread's trials.
pub struct Workspace {
    /// The current trial's usage.
    pub usage: Usage,
    /// The last matching.
    pub matched: Matched,
    /// What the current trial drew: its variables and its events' outcomes.
    pub draws: crate::fleet::Draws,
    scratch: Scratch,
}

impl<'s> Engine<'s> {
    /// Prepares a scenario; fails (as bad input) when a strategy's charges leave the exact range
    /// of money.
    pub fn new(scenario: &'s Scenario) -> Result<Engine<'s>, Error> {
        let layout = Layout::new(scenario);
        let ctx = Context {
            scenario,
            layout: &layout,
        };
        Engine::check_periods(&ctx)?;
        Engine::check_hour_arrays(&ctx)?;
        let mut plans = vec![Plan::payg()];
        let mut fee_payments = 0;
        for st in &scenario.strategies {
            let refused = |e: LayoutError| {
                Error::Input(InputError::file(
                    &scenario.file,
                    format!("strategy \"{}\": {e}", st.name),
                ))
            };
            let plan = Plan::new(&ctx, st).map_err(refused)?;
            // Each plan is bounded on its own; the bound holds for all of them together.
            fee_payments += plan
                .charges
                .iter()
                .filter(|c| c.kind == ChargeKind::HourlyFee && c.horizon == Horizon::Inside)
                .count();
            if fee_payments > MAX_FEE_PAYMENTS {
                return Err(refused(LayoutError::TooManyPayments));
            }
            plans.push(plan);
        }
        let types = Attribution::types_of(&layout, &plans);
        let attributions = plans
            .iter()
            .map(|plan| {
                Attribution::new(scenario, &layout, plan, &types).map_err(|e| {
                    Error::Input(InputError::file(
                        &scenario.file,
                        format!("strategy \"{}\": {}", plan.name, LayoutError::Overflow(e)),
                    ))
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Engine {
            attributions,
            scenario,
            generator: Generator::new(scenario),
            prices: billing::pool_prices(scenario, &layout),
            cell_limits: Engine::limits(&layout),
            layout,
            plans,
        })
    }

    /// Refuses a scenario whose purchases would be laid out in more than [`MAX_PERIODS`]
    /// periods in all (each has its own charges and events), counting them without laying
    /// them out; the entry that passes the limit is named.
    fn check_periods(ctx: &Context<'_>) -> Result<(), Error> {
        let s = ctx.scenario;
        let mut total: u64 = 0;
        for st in &s.strategies {
            for p in Purchase::of_strategy(st) {
                let n = p.period_count(ctx);
                total = total.saturating_add(n);
                if total > MAX_PERIODS {
                    let monthly = matches!(&p, Purchase::Reservation(r) if r.spec.payment == Payment::Monthly);
                    let others = if total > n {
                        format!(
                            ", which bring the periods of all strategies to {}",
                            grouped(total)
                        )
                    } else {
                        String::new()
                    };
                    return Err(Error::Input(InputError {
                        kind: ErrorKind::OutOfRange,
                        file: s.file.clone(),
                        location: None,
                        path: Some(format!("strategy[{:?}].{}", st.name, p.kind().label())),
                        message: format!(
                            "found a purchase laid out in {} periods{}{others}, expected at most {} periods across all strategies (each has its own charges and events): renew over a shorter span, or buy longer terms or fewer entries",
                            grouped(n),
                            if monthly {
                                " (counting each monthly instalment)"
                            } else {
                                ""
                            },
                            grouped(MAX_PERIODS)
                        ),
                    }));
                }
            }
        }
        Ok(())
    }

    /// Refuses a scenario whose plans would hold more than [`MAX_PLAN_HOURS`] hourly numbers
    /// (one per billing hour for each reservation entry and each subscribed cell), naming the
    /// strategy that passes the limit.
    fn check_hour_arrays(ctx: &Context<'_>) -> Result<(), Error> {
        let (s, hours) = (ctx.scenario, ctx.layout.hours as u64);
        let mut total: u64 = 0;
        for st in &s.strategies {
            let mut cells: Vec<usize> = st
                .subscribes
                .iter()
                .filter_map(|sub| ctx.layout.cell(sub.instance_type, sub.zone))
                .collect();
            cells.sort_unstable();
            cells.dedup();
            let arrays = (st.reserves.len() + cells.len()) as u64;
            total = total.saturating_add(arrays.saturating_mul(hours));
            if total > MAX_PLAN_HOURS {
                return Err(Error::Input(InputError {
                    kind: ErrorKind::OutOfRange,
                    file: s.file.clone(),
                    location: None,
                    path: Some(format!("strategy[{:?}]", st.name)),
                    message: format!(
                        "found {} reservation entries and subscribed (type, zone) pairs over {} billing hours, which bring the hourly capacity and cover of all strategies to {} numbers, expected at most {}: shorten the horizon or use fewer entries",
                        grouped(arrays),
                        grouped(hours),
                        grouped(total),
                        grouped(MAX_PLAN_HOURS)
                    ),
                }));
            }
        }
        Ok(())
    }

    /// The purchase context of this engine's scenario.
    pub fn context(&self) -> Context<'_> {
        Context {
            scenario: self.scenario,
            layout: &self.layout,
        }
    }

    /// Buffers sized for this scenario.
    pub fn workspace(&self) -> Workspace {
        Workspace {
            usage: Usage::new(&self.layout),
            matched: Matched::default(),
            draws: Default::default(),
            scratch: Scratch::default(),
        }
    }

    /// Builds trial `trial`'s fleet into the workspace's usage.
    ///
    /// Subscription integrals are nearly always settled by per-hour VM counts; the hours that
    /// need the VMs' own arrival and departure seconds are found afterwards and, only if there
    /// are any, the trial's VMs are generated again (the same draws) to record those seconds.
    ///
    /// Fails when a (type, zone) holds so many VMs in one hour that its unit-seconds would leave
    /// the matching core's 64-bit range (see [`Engine::cell_limits`](Engine)).
    pub fn fill(&self, seed: u64, trial: u64, ws: &mut Workspace) -> Result<(), Error> {
        let (s, layout) = (self.scenario, &self.layout);
        ws.draws = self.generator.fill(s, layout, seed, trial, &mut ws.usage);
        let nc = layout.cells.len();
        // One pass for the largest count (it vectorises); the cells are searched only when it
        // exceeds the smallest limit.
        let most = ws.usage.seconds.iter().copied().max().unwrap_or(0);
        let least = self.cell_limits.iter().copied().min().unwrap_or(u64::MAX);
        if nc > 0 && most > least {
            for (h, row) in ws.usage.seconds.chunks_exact(nc).enumerate() {
                for (c, (&used, &limit)) in row.iter().zip(&self.cell_limits).enumerate() {
                    if used > limit {
                        let cell = layout.cells[c];
                        return Err(Error::Input(InputError::file(
                            &s.file,
                            format!(
                                "trial {trial}: {} VM-seconds of {} in {} in the hour from {} exceed the {} that can be billed exactly (about {} VMs at once); lower the fleets' counts or rates",
                                grouped(used),
                                s.types[cell.instance_type].name,
                                s.zones[cell.zone],
                                crate::time::format_instant(layout.hour_start(h)),
                                grouped(limit),
                                grouped(limit / HOUR as u64),
                            ),
                        )));
                    }
                }
            }
        }
        let covers: usize = self.plans.iter().map(|p| p.covers.len()).sum();
        let needed = if covers > MANY_COVERS {
            self.changing_hours(&ws.usage)
        } else {
            None
        }
        .unwrap_or_else(|| self.ambiguous_hours(&ws.usage));
        if let Some(needed) = needed {
            let mut recorder = ChangeRecorder {
                layout,
                needed: &needed,
                changes: Vec::new(),
            };
            self.generator
                .generate(s, layout, seed, trial, &mut recorder);
            ws.usage.set_changes(recorder.changes);
        }
        Ok(())
    }

    /// The hour-cells whose subscription integral some plan cannot settle from VM counts, when
    /// any: each plan's subscribed count is checked hour by hour.
    fn ambiguous_hours(&self, usage: &Usage) -> Option<Vec<bool>> {
        let layout = &self.layout;
        let nc = layout.cells.len();
        let mut needed: Option<Vec<bool>> = None;
        for plan in &self.plans {
            for sub in &plan.covers {
                let mut changing = sub.changing.iter().map(|(h, _)| *h).peekable();
                for h in 0..layout.hours {
                    let k = h * nc + sub.cell;
                    let changes = changing.next_if_eq(&h).is_some();
                    let s0 = u64::from(sub.at_hour_start[h]);
                    if matching::shortcut(usage, k, s0, changes) == Shortcut::Exact {
                        needed.get_or_insert_with(|| vec![false; layout.hours * nc])[k] = true;
                    }
                }
            }
        }
        needed
    }

    /// Every hour-cell of a tracked cell in which a VM starts or ends: a superset of
    /// [`Engine::ambiguous_hours`] found in one pass, whatever the number of plans (the
    /// integrals are the same either way; only which VM changes are kept differs). `None` when
    /// those changes would pass [`MANY_CHANGES`]: the plans are then asked.
    fn changing_hours(&self, usage: &Usage) -> Option<Option<Vec<bool>>> {
        let layout = &self.layout;
        let nc = layout.cells.len();
        let mut needed: Option<Vec<bool>> = None;
        let mut changes: u64 = 0;
        for h in 0..layout.hours {
            for c in (0..nc).filter(|&c| layout.tracked[c]) {
                let k = h * nc + c;
                let n = usage.arrivals(k) + usage.departures(k);
                if n > 0 {
                    changes += n;
                    if changes > MANY_CHANGES {
                        return None;
                    }
                    needed.get_or_insert_with(|| vec![false; layout.hours * nc])[k] = true;
                }
            }
        }
        Some(needed)
    }

    /// The most VM-seconds one cell may hold in one hour: its unit-seconds stay in 64 bits
    /// (`seconds x units`), and so do a bill period's seconds (up to 745 hours).
    fn limits(layout: &Layout) -> Vec<u64> {
        layout
            .units
            .iter()
            .map(|&u| u64::MAX / u.max(1_000))
            .collect()
    }

    /// The error of a trial whose amounts left the exact range of money, naming the trial and
    /// the strategy.
    pub fn overflow(&self, trial: u64, plan: usize, e: Overflow) -> Error {
        Error::Input(InputError::file(
            &self.scenario.file,
            format!(
                "trial {trial}, strategy \"{}\": {e}; lower the counts, prices or horizon",
                self.plans[plan].name
            ),
        ))
    }

    /// Matches plan `p` against the workspace's usage, sending every hour to `sink`.
    pub fn match_plan<S: HourSink>(&self, p: usize, ws: &mut Workspace, sink: &mut S) {
        matching::run(
            &self.layout,
            &ws.usage,
            &self.plans[p],
            &mut ws.matched,
            &mut ws.scratch,
            sink,
        );
    }

    /// Plan `p`'s bill on the workspace's usage.
    pub fn bill(&self, p: usize, ws: &mut Workspace) -> Result<Bill, Overflow> {
        self.bill_by_period(p, ws, |_, _| {})
    }

    /// Plan `p`'s bill on the workspace's usage; `on_bill_period` sees the exact sum of each
    /// bill period's usage charges.
    pub fn bill_by_period(
        &self,
        p: usize,
        ws: &mut Workspace,
        on_bill_period: impl FnMut(usize, &ExactSum),
    ) -> Result<Bill, Overflow> {
        self.match_plan(p, ws, &mut NoHours);
        billing::bill(
            self.scenario,
            &self.layout,
            &self.prices,
            &self.plans[p],
            &ws.usage,
            &ws.matched,
            on_bill_period,
        )
    }

    /// Plan `p`'s breakdowns per entry and per instance type, after [`Engine::bill`] gave
    /// `bill` on the workspace's usage.
    pub fn attribute(&self, p: usize, ws: &Workspace, bill: &Bill) -> Result<Attributed, Overflow> {
        let plan = &self.plans[p];
        let of_trial =
            |a: &Attribution| a.of_trial(&self.layout, &self.prices, &ws.usage, &ws.matched, bill);
        match self.attributions.get(p) {
            Some(a) if a.is_of(plan) => of_trial(a),
            // Plans replaced after the engine was built (a recommendation's batches) are
            // prepared on the spot.
            _ => {
                let types = Attribution::types_of(&self.layout, std::slice::from_ref(plan));
                of_trial(&Attribution::new(
                    self.scenario,
                    &self.layout,
                    plan,
                    &types,
                )?)
            }
        }
    }

    /// Plan `p`'s cash timeline after [`Engine::match_plan`] or [`Engine::bill`].
    pub fn cash_timeline(&self, p: usize, ws: &Workspace) -> Result<Vec<CashFlow>, Overflow> {
        billing::cash_timeline(
            &self.layout,
            &self.prices,
            &self.plans[p],
            &ws.usage,
            &ws.matched,
        )
    }

    /// Every plan's bill for trial `trial`.
    pub fn trial(&self, seed: u64, trial: u64, ws: &mut Workspace) -> Result<Vec<Bill>, Error> {
        self.fill(seed, trial, ws)?;
        (0..self.plans.len())
            .map(|p| self.bill(p, ws).map_err(|e| self.overflow(trial, p, e)))
            .collect()
    }
}
