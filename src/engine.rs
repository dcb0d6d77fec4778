//! One trial of a scenario: its fleet, its usage, and every strategy's bill on that same fleet.

use crate::billing::{self, Bill, CashFlow};
use crate::charge::{ExactSum, Overflow, PoolPrices};
use crate::error::{Error, InputError};
use crate::fleet::Generator;
use crate::matching::{self, HourSink, Matched, NoHours, Scratch, Shortcut};
use crate::purchase::{Context, Plan};
use crate::scenario::Scenario;
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
    /// Builds each trial's fleet.
    pub generator: Generator,
}

/// Buffers for one thread's trials.
pub struct Workspace {
    /// The current trial's usage.
    pub usage: Usage,
    /// The last matching.
    pub matched: Matched,
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
        let mut plans = vec![Plan::payg()];
        for st in &scenario.strategies {
            plans.push(Plan::new(&ctx, st).map_err(|e| {
                Error::Input(InputError::file(
                    &scenario.file,
                    format!("strategy \"{}\": {e}; lower its counts or prices", st.name),
                ))
            })?);
        }
        Ok(Engine {
            scenario,
            generator: Generator::new(scenario),
            prices: billing::pool_prices(scenario, &layout),
            layout,
            plans,
        })
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
            scratch: Scratch::default(),
        }
    }

    /// Builds trial `trial`'s fleet into the workspace's usage.
    ///
    /// Subscription integrals are nearly always settled by per-hour VM counts; the hours that
    /// need the VMs' own arrival and departure seconds are found afterwards and, only if there
    /// are any, the trial's VMs are generated again (the same draws) to record those seconds.
    pub fn fill(&self, seed: u64, trial: u64, ws: &mut Workspace) {
        let (s, layout) = (self.scenario, &self.layout);
        self.generator.fill(s, layout, seed, trial, &mut ws.usage);
        let nc = layout.cells.len();
        let mut needed: Option<Vec<bool>> = None;
        for plan in &self.plans {
            for sub in &plan.covers {
                let mut changing = sub.changing.iter().map(|(h, _)| *h).peekable();
                for h in 0..layout.hours {
                    let k = h * nc + sub.cell;
                    let changes = changing.next_if_eq(&h).is_some();
                    let s0 = u64::from(sub.at_hour_start[h]);
                    if matching::shortcut(&ws.usage, k, s0, changes) == Shortcut::Exact {
                        needed.get_or_insert_with(|| vec![false; layout.hours * nc])[k] = true;
                    }
                }
            }
        }
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
    pub fn trial(&self, seed: u64, trial: u64, ws: &mut Workspace) -> Result<Vec<Bill>, Overflow> {
        self.fill(seed, trial, ws);
        (0..self.plans.len()).map(|p| self.bill(p, ws)).collect()
    }
}
