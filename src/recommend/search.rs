//! The search over portfolios (docs/spec.md, section 12): every portfolio when there are few
//! enough, otherwise the coordinate search below. Both see portfolios only through
//! [`Evaluate`], so the same search runs on the shared matching core and, in tests, on closed
//! forms.

use super::score::{Scored, rank};
use super::space::Counts;
use crate::error::Result;
use crate::scenario::Objective;
use std::cmp::Ordering;

/// Bills portfolios.
pub trait Evaluate {
    /// The search trials.
    fn trials(&self) -> usize;
    /// Scores the portfolios on the first `n` search trials, in the order given.
    fn score(&mut self, portfolios: &[Counts], n: usize) -> Result<Vec<Scored>>;
}

/// What the search may buy.
pub struct Bounds<'a> {
    /// The most of each offer.
    pub max: Vec<u32>,
    /// Whether two offers may cover the same cell (only those are exchanged for each other).
    pub overlap: &'a dyn Fn(usize, usize) -> bool,
    /// Whether a portfolio respects `max_upfront`.
    pub feasible: &'a dyn Fn(&[u32]) -> bool,
}

/// How the answer was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Every portfolio within the bounds was billed.
    Exhaustive,
    /// [`heuristic`]'s coordinate search.
    CoordinateSearch,
}

impl Method {
    /// The name `recommend.json` gives it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Exhaustive => "exhaustive",
            Method::CoordinateSearch => "coordinate-search",
        }
    }
}

/// The search's answer.
#[derive(Clone, Debug)]
pub struct Found {
    /// How.
    pub method: Method,
    /// The best portfolio.
    pub best: Scored,
    /// The second best portfolio billed on every search trial, if any.
    pub runner_up: Option<Scored>,
    /// Portfolios billed on every search trial, best first: every one the coordinate search
    /// billed in its polish; for exhaustive search the best two and the best under each
    /// other objective.
    pub billed: Vec<Scored>,
}

/// Trials the coordinate search screens on before it polishes on all search trials.
pub const SCREEN_TRIALS: usize = 100;

/// Grid points on each side of the current count in one screening pass.
const SIDE: i64 = 4;

/// Finds the best portfolio: exhaustively when there are at most `exhaustive_limit`,
/// otherwise with [`heuristic`].
pub fn search(
    bounds: &Bounds<'_>,
    objective: Objective,
    exhaustive_limit: u64,
    ev: &mut dyn Evaluate,
) -> Result<Found> {
    let size = bounds
        .max
        .iter()
        .fold(1u64, |n, &m| n.saturating_mul(u64::from(m) + 1));
    if size <= exhaustive_limit {
        exhaustive(bounds, objective, ev)
    } else {
        heuristic(bounds, objective, ev)
    }
}

/// Bills every feasible portfolio within the bounds, keeping the best two under the objective
/// and the best under each of the others (what the answer and the frontier need).
pub fn exhaustive(
    bounds: &Bounds<'_>,
    objective: Objective,
    ev: &mut dyn Evaluate,
) -> Result<Found> {
    let n = ev.trials();
    let mut kept: Vec<Scored> = Vec::new();
    let mut keep = |scored: Vec<Scored>| {
        kept.extend(scored);
        let mut best: Vec<Scored> = Vec::new();
        for o in Objective::ALL {
            kept.sort_by(|a, b| rank(o, a, b));
            let take = if o == objective { 2 } else { 1 };
            for s in kept.iter().take(take) {
                if !best.iter().any(|b| b.counts == s.counts) {
                    best.push(s.clone());
                }
            }
        }
        kept = best;
    };
    let mut counts = vec![0u32; bounds.max.len()];
    // An odometer over the count vectors; the batch keeps the evaluator's passes few.
    let mut batch: Vec<Counts> = Vec::new();
    loop {
        if (bounds.feasible)(&counts) {
            batch.push(counts.clone());
        }
        if batch.len() == 4096 {
            keep(ev.score(&batch, n)?);
            batch.clear();
        }
        let mut i = counts.len();
        let mut carried = true;
        while carried && i > 0 {
            i -= 1;
            if counts[i] < bounds.max[i] {
                counts[i] += 1;
                carried = false;
            } else {
                counts[i] = 0;
            }
        }
        if carried {
            break;
        }
    }
    keep(ev.score(&batch, n)?);
    Ok(found(Method::Exhaustive, objective, kept))
}

/// The answer among portfolios billed on every search trial (at least one).
pub fn found(method: Method, objective: Objective, mut billed: Vec<Scored>) -> Found {
    billed.sort_by(|a, b| rank(objective, a, b));
    billed.dedup_by(|a, b| a.counts == b.counts);
    Found {
        method,
        best: billed[0].clone(),
        runner_up: billed.get(1).cloned(),
        billed,
    }
}

fn best_of(objective: Objective, scored: &[Scored]) -> &Scored {
    scored
        .iter()
        .min_by(|a, b| rank(objective, a, b))
        .expect("a pass bills at least the current portfolio")
}

/// The coordinate search.
///
/// 1. Screening, on the first [`SCREEN_TRIALS`] search trials: from buying nothing, each pass
///    bills the current portfolio; every offer moved alone by up to four steps either way (the
///    first steps an eighth of the offer's range); every exchange of a step of one offer for a
///    step of another that may cover the same cells; the portfolio that makes every offer's
///    best move of the pass before at once; and, where a move would pay more on the first day
///    than `max_upfront` allows, the same move with the fewest instances of another offer given
///    up to stay within it. It moves to the best; when it stays, the steps shrink four-fold,
///    down to one.
/// 2. [`polish`], on every search trial: the same moves by one and two steps, the steps
///    shrinking from a 64th of the range to one, until none is better.
///
/// The answer is thus a portfolio that no move of one or two instances of an offer, alone, in
/// exchange for another's or within the first-day budget, improves on the search trials.
pub fn heuristic(
    bounds: &Bounds<'_>,
    objective: Objective,
    ev: &mut dyn Evaluate,
) -> Result<Found> {
    let k = bounds.max.len();
    let n = ev.trials();
    let screen = n.min(SCREEN_TRIALS);
    let mut x: Counts = vec![0; k];
    let mut steps: Vec<u32> = bounds.max.iter().map(|&m| m.div_ceil(8).max(1)).collect();
    // Per offer, the best count of its own line in the pass before, when it beat that pass's
    // portfolio.
    let mut line_best: Vec<Option<u32>> = vec![None; k];
    loop {
        let mut moves = Moves::new(bounds, &x);
        let combined: Counts = x
            .iter()
            .zip(&line_best)
            .map(|(&c, b)| b.unwrap_or(c))
            .collect();
        moves.push(combined);
        let mut lines: Vec<(usize, usize)> = Vec::new();
        for (i, &step) in steps.iter().enumerate() {
            for j in (-SIDE..=SIDE).filter(|&j| j != 0) {
                if let Some(c) = moves.single(i, j * i64::from(step)) {
                    lines.push((i, c));
                }
            }
        }
        moves.exchanges(&steps);
        let candidates = moves.candidates;
        let scored = ev.score(&candidates, screen)?;
        let here = &scored[0];
        line_best = vec![None; k];
        let mut line_score: Vec<Option<&Scored>> = vec![None; k];
        for &(i, c) in &lines {
            let s = &scored[c];
            if rank(objective, s, here) == Ordering::Less
                && line_score[i].is_none_or(|b| rank(objective, s, b) == Ordering::Less)
            {
                line_score[i] = Some(s);
                line_best[i] = Some(s.counts[i]);
            }
        }
        let best = best_of(objective, &scored);
        if best.counts != x {
            x = best.counts.clone();
            // The line bests were found around the old portfolio: the one just taken is done.
            for i in 0..k {
                if line_best[i] == Some(x[i]) {
                    line_best[i] = None;
                }
            }
        } else if steps.iter().any(|&s| s > 1) {
            steps = steps.iter().map(|&s| (s / 4).max(1)).collect();
            line_best = vec![None; k];
        } else {
            break;
        }
    }
    let billed = polish(bounds, objective, ev, x)?;
    Ok(found(Method::CoordinateSearch, objective, billed))
}

/// The polish of the coordinate search from `start`, on every search trial: each pass bills
/// the current portfolio and its moves by one and two steps of each offer, alone, exchanged for
/// another's or repaired to stay within the first-day budget; it moves to the best, and when it
/// stays the steps shrink four-fold. The first steps are a 64th of each offer's range, since
/// the screening's answer on fewer trials can be that far off on all of them; the last are one.
/// Returns every portfolio billed, the last pass's portfolio (no move improves it) first among
/// equals.
pub(super) fn polish(
    bounds: &Bounds<'_>,
    objective: Objective,
    ev: &mut dyn Evaluate,
    start: Counts,
) -> Result<Vec<Scored>> {
    let n = ev.trials();
    let mut x = start;
    let mut steps: Vec<u32> = bounds.max.iter().map(|&m| (m / 64).max(1)).collect();
    let mut billed: Vec<Scored> = Vec::new();
    loop {
        let mut moves = Moves::new(bounds, &x);
        for (i, &step) in steps.iter().enumerate() {
            for d in [-2i64, -1, 1, 2] {
                moves.single(i, d * i64::from(step));
            }
        }
        let doubled: Vec<u32> = steps.iter().map(|&s| s.saturating_mul(2)).collect();
        moves.exchanges(&steps);
        moves.exchanges(&doubled);
        let scored = ev.score(&moves.candidates, n)?;
        let best = best_of(objective, &scored).counts.clone();
        billed.extend(scored);
        if best != x {
            x = best;
        } else if steps.iter().any(|&s| s > 1) {
            steps = steps.iter().map(|&s| (s / 4).max(1)).collect();
        } else {
            break;
        }
    }
    Ok(billed)
}

/// The candidates of one pass around a portfolio: the portfolio first, then each move within
/// the bounds, once.
struct Moves<'b, 'a> {
    bounds: &'b Bounds<'a>,
    x: Counts,
    candidates: Vec<Counts>,
}

impl<'b, 'a> Moves<'b, 'a> {
    fn new(bounds: &'b Bounds<'a>, x: &Counts) -> Moves<'b, 'a> {
        Moves {
            bounds,
            x: x.clone(),
            candidates: vec![x.clone()],
        }
    }

    /// Adds a feasible portfolio within the bounds not yet listed; returns its index.
    fn push(&mut self, y: Counts) -> Option<usize> {
        let within = y.iter().zip(&self.bounds.max).all(|(c, m)| c <= m);
        if !within || !(self.bounds.feasible)(&y) || self.candidates.contains(&y) {
            return None;
        }
        self.candidates.push(y);
        Some(self.candidates.len() - 1)
    }

    /// Offer `i` moved by `d`; a move that breaks the first-day budget is also tried with the
    /// fewest instances of each other offer given up that bring it back within.
    fn single(&mut self, i: usize, d: i64) -> Option<usize> {
        let v = i64::from(self.x[i]) + d;
        if v < 0 || v > i64::from(self.bounds.max[i]) {
            return None;
        }
        let mut y = self.x.clone();
        y[i] = v as u32;
        if d > 0 && !(self.bounds.feasible)(&y) {
            for j in (0..y.len()).filter(|&j| j != i && y[j] > 0) {
                if let Some(r) = self.repaired(&y, j) {
                    self.push(r);
                }
            }
            return None;
        }
        self.push(y)
    }

    /// `y` with the fewest instances of offer `j` given up that make it feasible.
    fn repaired(&self, y: &Counts, j: usize) -> Option<Counts> {
        let mut z = y.clone();
        z[j] = 0;
        if !(self.bounds.feasible)(&z) {
            return None;
        }
        // First-day cash grows with every count: find the largest feasible count of j.
        let (mut lo, mut hi) = (0u32, y[j]);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            z[j] = mid;
            if (self.bounds.feasible)(&z) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        z[j] = lo;
        Some(z)
    }

    /// Every exchange of `steps[i]` of offer `i` for `steps[j]` of an offer `j` held that may
    /// cover the same cells.
    fn exchanges(&mut self, steps: &[u32]) {
        let k = self.x.len();
        for i in 0..k {
            for j in 0..k {
                if i == j || self.x[j] == 0 || !(self.bounds.overlap)(i, j) {
                    continue;
                }
                let mut y = self.x.clone();
                y[i] = y[i].saturating_add(steps[i]);
                y[j] = y[j].saturating_sub(steps[j]);
                self.push(y);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    /// A closed-form evaluator: the total of a portfolio is `f(counts)` in every trial; counts
    /// the portfolios it scores.
    struct Closed<F: Fn(&[u32]) -> i64>(F, usize, usize);

    impl<F: Fn(&[u32]) -> i64> Evaluate for Closed<F> {
        fn trials(&self) -> usize {
            self.1
        }
        fn score(&mut self, portfolios: &[Counts], n: usize) -> Result<Vec<Scored>> {
            self.2 += portfolios.len();
            Ok(portfolios
                .iter()
                .map(|c| {
                    let v = Decimal::from((self.0)(c));
                    let totals = vec![v; n];
                    Scored::new(c.clone(), &totals, &totals, Decimal::ZERO, 0).unwrap()
                })
                .collect())
        }
    }

    fn bounds<'a>(
        max: Vec<u32>,
        feasible: &'a dyn Fn(&[u32]) -> bool,
        overlap: &'a dyn Fn(usize, usize) -> bool,
    ) -> Bounds<'a> {
        Bounds {
            max,
            overlap,
            feasible,
        }
    }

    #[test]
    fn a_separable_convex_cost_is_minimised_exactly() {
        // (a - 37)^2 + 3 (b - 5)^2 + |c - 200|: the minimum is (37, 5, 200).
        let f = |c: &[u32]| {
            let [a, b, x] = [c[0] as i64, c[1] as i64, c[2] as i64];
            (a - 37).pow(2) + 3 * (b - 5).pow(2) + (x - 200).abs()
        };
        let all = |_: &[u32]| true;
        let overlap = |_: usize, _: usize| true;
        let b = bounds(vec![300, 40, 1000], &all, &overlap);
        let found = heuristic(&b, Objective::Mean, &mut Closed(f, 3, 0)).unwrap();
        assert_eq!(found.best.counts, vec![37, 5, 200]);
        assert_eq!(found.method, Method::CoordinateSearch);
    }

    #[test]
    fn substitutes_are_exchanged_to_the_cheaper() {
        // Two offers covering one need of 50: the first costs 3 an instance, the second 2;
        // each instance short costs 10. Best: 0 of the first, 50 of the second.
        let f = |c: &[u32]| {
            let (a, b) = (c[0] as i64, c[1] as i64);
            3 * a + 2 * b + 10 * (50 - a - b).max(0)
        };
        let all = |_: &[u32]| true;
        let overlap = |_: usize, _: usize| true;
        let b = bounds(vec![80, 80], &all, &overlap);
        let h = heuristic(&b, Objective::Mean, &mut Closed(f, 2, 0)).unwrap();
        let mut every = Closed(f, 2, 0);
        let e = exhaustive(&b, Objective::Mean, &mut every).unwrap();
        assert_eq!(every.2, 81 * 81, "every portfolio is billed once");
        assert_eq!(h.best.counts, vec![0, 50]);
        assert_eq!(e.best.counts, vec![0, 50]);
        assert_eq!(e.method, Method::Exhaustive);
    }

    #[test]
    fn infeasible_portfolios_are_never_billed() {
        // The unconstrained best is 60; at most 25 may be bought.
        let f = |c: &[u32]| (c[0] as i64 - 60).abs();
        let cap = |c: &[u32]| c[0] <= 25;
        let overlap = |_: usize, _: usize| true;
        let b = bounds(vec![100], &cap, &overlap);
        for found in [
            heuristic(&b, Objective::Mean, &mut Closed(f, 1, 0)).unwrap(),
            exhaustive(&b, Objective::Mean, &mut Closed(f, 1, 0)).unwrap(),
        ] {
            assert_eq!(found.best.counts, vec![25]);
            assert!(found.billed.iter().all(|s| s.counts[0] <= 25));
        }
    }

    #[test]
    fn equal_totals_go_to_the_lower_counts() {
        let f = |c: &[u32]| if c[0] >= 10 { 5 } else { 9 };
        let all = |_: &[u32]| true;
        let overlap = |_: usize, _: usize| true;
        let b = bounds(vec![40], &all, &overlap);
        let e = exhaustive(&b, Objective::Mean, &mut Closed(f, 1, 0)).unwrap();
        assert_eq!(e.best.counts, vec![10]);
        assert_eq!(e.runner_up.unwrap().counts, vec![11]);
    }
}
