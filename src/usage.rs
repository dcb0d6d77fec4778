//! Hourly usage of one trial: running seconds per billing hour and (type, zone) cell, and what
//! the subscription integral needs (SPEC section 4).
//!
//! A VM costs O(1) to add whatever its length: full hours go through difference arrays that
//! are summed once when the trial's fleet is complete.

use crate::scenario::{FleetKind, Scenario};
use crate::time::{self, HOUR, Instant};

/// A (type, zone) pair that some fleet can put VMs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Index into the scenario's types.
    pub instance_type: usize,
    /// Index into the scenario's zones.
    pub zone: usize,
}

/// How the licence fee of a cell's seconds is charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Licence {
    /// No licence is charged (no fee, or every fleet there brings its licence).
    None,
    /// Every second not carried by a subscription is licensed.
    All,
    /// Fleets with and without Hybrid Benefit share the cell: licensed seconds are counted.
    Mixed,
}

/// The hour grid and the cells of a scenario: fixed for all trials.
#[derive(Clone, Debug)]
pub struct Layout {
    /// First second of the horizon.
    pub start: Instant,
    /// First second after the horizon.
    pub end: Instant,
    /// Start of the clock hour that holds `start`: hour `h` is `[base + 3600 h, +3600)`.
    pub base: Instant,
    /// Number of billing hours (the first and last may be cut by the horizon).
    pub hours: usize,
    /// The cells, sorted by type name, then zone name.
    pub cells: Vec<Cell>,
    /// Scaled units of each cell's type.
    pub units: Vec<u64>,
    /// Cell index by `type * zones + zone`.
    cell_index: Vec<Option<u32>>,
    zones: usize,
    /// How each cell's licence is charged.
    pub licence: Vec<Licence>,
    /// Cells whose VM arrivals and departures are kept (some strategy subscribes there).
    pub tracked: Vec<bool>,
    /// Bill periods: hour index where each starts (the first is 0); charges of period `m` are
    /// paid on its closing bill date `bill_dates[m]`.
    pub bill_starts: Vec<usize>,
    /// The bill date closing each bill period.
    pub bill_dates: Vec<Instant>,
    /// Bill period of each hour.
    pub bill_of_hour: Vec<u16>,
}

impl Layout {
    /// The layout of a scenario.
    pub fn new(s: &Scenario) -> Layout {
        let base = time::floor_hour(s.start);
        let hours = ((s.end - base) + HOUR - 1).div_euclid(HOUR) as usize;
        let zones = s.zones.len();
        let mut present = vec![false; s.types.len() * zones];
        let mut hb_with = vec![false; s.types.len() * zones];
        let mut hb_without = vec![false; s.types.len() * zones];
        let mut mark = |t: usize, z: usize, hb: bool| {
            present[t * zones + z] = true;
            if hb {
                hb_with[t * zones + z] = true;
            } else {
                hb_without[t * zones + z] = true;
            }
        };
        for f in &s.fleets {
            match &f.kind {
                FleetKind::Synthetic(syn) => mark(syn.instance_type, syn.zone, f.hybrid_benefit),
                FleetKind::Trace(t) => {
                    for vm in t.vms.iter() {
                        mark(vm.instance_type, vm.zone, f.hybrid_benefit);
                    }
                }
            }
        }
        let mut cells: Vec<Cell> = (0..s.types.len())
            .flat_map(|t| {
                (0..zones).map(move |z| Cell {
                    instance_type: t,
                    zone: z,
                })
            })
            .filter(|c| present[c.instance_type * zones + c.zone])
            .collect();
        cells.sort_by(|a, b| {
            (
                s.types[a.instance_type].name.as_bytes(),
                s.zones[a.zone].as_bytes(),
            )
                .cmp(&(
                    s.types[b.instance_type].name.as_bytes(),
                    s.zones[b.zone].as_bytes(),
                ))
        });
        let mut cell_index = vec![None; s.types.len() * zones];
        for (i, c) in cells.iter().enumerate() {
            cell_index[c.instance_type * zones + c.zone] = Some(i as u32);
        }
        let licence = cells
            .iter()
            .map(|c| {
                let k = c.instance_type * zones + c.zone;
                if s.types[c.instance_type].license_hourly.is_zero() || !hb_without[k] {
                    Licence::None
                } else if hb_with[k] {
                    Licence::Mixed
                } else {
                    Licence::All
                }
            })
            .collect();
        let mut tracked = vec![false; cells.len()];
        for st in &s.strategies {
            for sub in &st.subscribes {
                if let Some(i) = cell_index[sub.instance_type * zones + sub.zone] {
                    tracked[i as usize] = true;
                }
            }
        }
        let mut bill_starts = vec![0];
        let mut bill_dates = Vec::new();
        let mut bill_of_hour = Vec::with_capacity(hours);
        let zone = s.billing.calendar_zone;
        let mut next = time::next_bill_date(base, s.billing.bill_day, zone);
        for h in 0..hours {
            let t = base + h as i64 * HOUR;
            if t >= next {
                bill_dates.push(next);
                bill_starts.push(h);
                next = time::next_bill_date(t, s.billing.bill_day, zone);
            }
            bill_of_hour.push((bill_starts.len() - 1) as u16);
        }
        bill_dates.push(next);
        Layout {
            start: s.start,
            end: s.end,
            base,
            hours,
            units: cells
                .iter()
                .map(|c| s.types[c.instance_type].units_scaled)
                .collect(),
            cells,
            cell_index,
            zones,
            licence,
            tracked,
            bill_starts,
            bill_dates,
            bill_of_hour,
        }
    }

    /// The cell of a (type, zone), if some fleet runs there.
    pub fn cell(&self, instance_type: usize, zone: usize) -> Option<usize> {
        self.cell_index
            .get(instance_type * self.zones + zone)
            .copied()
            .flatten()
            .map(|i| i as usize)
    }

    /// Number of bill periods.
    pub fn bills(&self) -> usize {
        self.bill_dates.len()
    }

    /// Start instant of hour `h`.
    pub fn hour_start(&self, h: usize) -> Instant {
        self.base + h as i64 * HOUR
    }

    /// The part of hour `h` inside the horizon, `[from, to)`.
    pub fn hour_span(&self, h: usize) -> (Instant, Instant) {
        let t = self.hour_start(h);
        (t.max(self.start), (t + HOUR).min(self.end))
    }
}

/// One VM's contribution to the subscription integral: an arrival (+1) or departure (-1)
/// strictly inside an hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// Seconds from the hour's start (1..3599 for departures, 1..3599 for arrivals).
    pub offset: u16,
    /// +n for arrivals, -n for departures.
    pub delta: i32,
}

/// Usage of one trial, hour-major (`[hour * cells + cell]`).
#[derive(Clone, Debug, Default)]
pub struct Usage {
    hours: usize,
    cells: usize,
    /// Running seconds per hour and cell.
    pub seconds: Vec<u64>,
    /// VMs running at the hour's first second, per hour and cell (tracked cells only).
    pub present: Vec<u32>,
    /// Arrivals strictly inside the hour (tracked cells only).
    pub arrivals: Vec<u32>,
    /// Departures strictly inside the hour (tracked cells only).
    pub departures: Vec<u32>,
    /// Licensed seconds per bill period and cell, for cells with [`Licence::Mixed`].
    pub licensed: Vec<u64>,
    /// Changes inside each hour of tracked cells: `change_start[h * cells + c]..` into
    /// `changes`, for the hours whose subscription integral needs them.
    change_start: Vec<u32>,
    changes: Vec<Change>,
    // Builder state.
    full: Vec<i64>,
    running: Vec<i64>,
    pending: Vec<(u32, u32, Change)>,
}

impl Usage {
    /// Empty usage for a layout (reused across trials with [`Usage::clear`]).
    pub fn new(layout: &Layout) -> Usage {
        let mut u = Usage::default();
        u.clear(layout);
        u
    }

    /// Resets to no VMs, keeping the allocations.
    pub fn clear(&mut self, layout: &Layout) {
        let n = layout.hours * layout.cells.len();
        self.hours = layout.hours;
        self.cells = layout.cells.len();
        let tracked = layout.tracked.iter().any(|&t| t);
        let reset_u64 = |v: &mut Vec<u64>, len: usize| {
            v.clear();
            v.resize(len, 0);
        };
        let reset_u32 = |v: &mut Vec<u32>, len: usize| {
            v.clear();
            v.resize(len, 0);
        };
        reset_u64(&mut self.seconds, n);
        reset_u32(&mut self.present, if tracked { n } else { 0 });
        reset_u32(&mut self.arrivals, if tracked { n } else { 0 });
        reset_u32(&mut self.departures, if tracked { n } else { 0 });
        reset_u64(&mut self.licensed, layout.bills() * self.cells);
        self.full.clear();
        self.full.resize(n + self.cells, 0);
        self.running.clear();
        self.running
            .resize(if tracked { n + self.cells } else { 0 }, 0);
        self.pending.clear();
        self.change_start.clear();
        self.changes.clear();
    }

    /// Number of hours.
    pub fn hours(&self) -> usize {
        self.hours
    }

    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.cells
    }

    /// Adds `count` identical VMs running `[start, end)` in `cell`; the interval is clipped to
    /// the horizon. `licensed`: the licence fee applies to them.
    #[inline]
    pub fn add(
        &mut self,
        layout: &Layout,
        cell: usize,
        start: Instant,
        end: Instant,
        count: u32,
        licensed: bool,
    ) {
        let s = start.max(layout.start);
        let e = end.min(layout.end);
        if e <= s || count == 0 {
            return;
        }
        let nc = self.cells;
        let n = u64::from(count);
        let hs = ((s - layout.base) / HOUR) as usize;
        let he = ((e - 1 - layout.base) / HOUR) as usize;
        let hs_start = layout.base + hs as i64 * HOUR;
        let he_start = layout.base + he as i64 * HOUR;
        if hs == he {
            self.seconds[hs * nc + cell] += n * (e - s) as u64;
        } else {
            self.seconds[hs * nc + cell] += n * (hs_start + HOUR - s) as u64;
            self.seconds[he * nc + cell] += n * (e - he_start) as u64;
            if he > hs + 1 {
                self.full[(hs + 1) * nc + cell] += i64::from(count);
                self.full[he * nc + cell] -= i64::from(count);
            }
        }
        if layout.licence[cell] == Licence::Mixed && licensed {
            self.add_licensed(layout, cell, s, e, n);
        }
        if layout.tracked[cell] {
            // Running at an hour's first second: the hours from the first start at or after
            // `s` to `he`.
            let first = if s == hs_start { hs } else { hs + 1 };
            if first <= he {
                self.running[first * nc + cell] += i64::from(count);
                self.running[(he + 1) * nc + cell] -= i64::from(count);
            }
            if s > hs_start {
                self.arrivals[hs * nc + cell] += count;
                self.pending.push((
                    hs as u32,
                    cell as u32,
                    Change {
                        offset: (s - hs_start) as u16,
                        delta: count as i32,
                    },
                ));
            }
            if e < he_start + HOUR {
                self.departures[he * nc + cell] += count;
                self.pending.push((
                    he as u32,
                    cell as u32,
                    Change {
                        offset: (e - he_start) as u16,
                        delta: -(count as i32),
                    },
                ));
            }
        }
    }

    fn add_licensed(&mut self, layout: &Layout, cell: usize, s: Instant, e: Instant, n: u64) {
        let mut from = s;
        while from < e {
            let h = ((from - layout.base) / HOUR) as usize;
            let m = layout.bill_of_hour[h] as usize;
            let period_end = layout
                .bill_starts
                .get(m + 1)
                .map_or(layout.end, |&hh| layout.hour_start(hh));
            let to = e.min(period_end);
            self.licensed[m * self.cells + cell] += n * (to - from) as u64;
            from = to;
        }
    }

    /// Completes the trial's usage: sums the difference arrays and indexes the changes.
    pub fn finish(&mut self, layout: &Layout) {
        let nc = self.cells;
        let mut acc = vec![0i64; nc];
        for (seconds, full) in self
            .seconds
            .chunks_exact_mut(nc)
            .zip(self.full.chunks_exact(nc))
        {
            for ((s, f), a) in seconds.iter_mut().zip(full).zip(acc.iter_mut()) {
                *a += f;
                *s += (*a as u64) * HOUR as u64;
            }
        }
        if !self.running.is_empty() {
            acc.iter_mut().for_each(|a| *a = 0);
            for (present, running) in self
                .present
                .chunks_exact_mut(nc)
                .zip(self.running.chunks_exact(nc))
            {
                for (c, ((p, r), a)) in present
                    .iter_mut()
                    .zip(running)
                    .zip(acc.iter_mut())
                    .enumerate()
                {
                    if layout.tracked[c] {
                        *a += r;
                        *p = *a as u32;
                    }
                }
            }
            // Counting sort of the changes by (hour, cell).
            let n = self.hours * nc;
            self.change_start.clear();
            self.change_start.resize(n + 1, 0);
            for (h, c, _) in &self.pending {
                self.change_start[*h as usize * nc + *c as usize + 1] += 1;
            }
            for i in 0..n {
                self.change_start[i + 1] += self.change_start[i];
            }
            self.changes.clear();
            self.changes.resize(
                self.pending.len(),
                Change {
                    offset: 0,
                    delta: 0,
                },
            );
            let mut fill = self.change_start.clone();
            for (h, c, ch) in &self.pending {
                let k = *h as usize * nc + *c as usize;
                self.changes[fill[k] as usize] = *ch;
                fill[k] += 1;
            }
        }
    }

    /// The arrivals and departures inside hour `h` of a tracked cell, in no particular order.
    pub fn changes(&self, h: usize, cell: usize) -> &[Change] {
        let k = h * self.cells + cell;
        &self.changes[self.change_start[k] as usize..self.change_start[k + 1] as usize]
    }
}
